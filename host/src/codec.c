/*
 * codec.c — CRC-32/MPEG-2, COBS, rCOBS and frames (docs/protocol.md).
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"

#include <string.h>

/* Four 256-entry tables: the CRC of a byte followed by 0..3 zero bytes, so
 * the loop takes four bytes per step (slicing-by-4, MSB first). */
static uint32_t crc_tab[4][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i << 24;
		for (int b = 0; b < 8; b++)
			c = (c & 0x80000000u) ? (c << 1) ^ 0x04C11DB7u : c << 1;
		crc_tab[0][i] = c;
	}
	for (int k = 1; k < 4; k++)
		for (int i = 0; i < 256; i++)
			crc_tab[k][i] = (crc_tab[k - 1][i] << 8) ^ crc_tab[0][crc_tab[k - 1][i] >> 24];
	crc_ready = 1;
}

uint32_t ib_crc32(uint32_t crc, const void *data, size_t len)
{
	const uint8_t *p = data;
	if (!crc_ready)
		crc_init();   /* idempotent: racing threads write the same values */
	while (len >= 4) {
		uint32_t x = crc ^ ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
		crc = crc_tab[3][x >> 24] ^ crc_tab[2][(x >> 16) & 0xFF] ^ crc_tab[1][(x >> 8) & 0xFF] ^
		      crc_tab[0][x & 0xFF];
		p += 4;
		len -= 4;
	}
	while (len--)
		crc = (crc << 8) ^ crc_tab[0][(crc >> 24) ^ *p++];
	return crc;
}

size_t ib_cobs_encode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 1, code_at = 0;
	uint8_t code = 1;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == 0) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		} else {
			out[o++] = in[i];
			if (++code == 0xFF) {
				out[code_at] = code;
				code_at = o++;
				code = 1;
			}
		}
	}
	out[code_at] = code;
	return o;
}

long ib_cobs_decode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t i = 0, o = 0;
	while (i < len) {
		uint8_t code = in[i++];
		if (code == 0 || (size_t)(code - 1) > len - i)
			return -1;
		for (int k = 1; k < code; k++) {
			if (in[i] == 0)
				return -1;
			out[o++] = in[i++];
		}
		if (code != 0xFF && i < len)
			out[o++] = 0;
	}
	return (long)o;
}

size_t ib_rcobs_encode(const uint8_t *in, size_t len, uint8_t *out)
{
	size_t o = 0;
	uint8_t run = 0;
	for (size_t i = 0; i < len; i++) {
		if (in[i] == 0) {
			out[o++] = (uint8_t)(run + 1);
			run = 0;
		} else {
			out[o++] = in[i];
			if (++run == 254) {
				out[o++] = 0xFF;
				run = 0;
			}
		}
	}
	out[o++] = (uint8_t)(run + 1);
	return o;
}

long ib_rcobs_decode(const uint8_t *in, size_t len, uint8_t *out)
{
	/* Walk back from the final code; fill @out from its end, then move the
	 * result to the front. Every code but the last and 0xFF is a zero. */
	if (len == 0)
		return -1;
	size_t o = len;   /* the decoded frame is never longer than the encoded */
	size_t i = len;
	int last = 1;
	while (i > 0) {
		uint8_t code = in[--i];
		if (code == 0 || (size_t)(code - 1) > i)
			return -1;
		if (!last && code != 0xFF)
			out[--o] = 0;
		for (int k = 1; k < code; k++) {
			uint8_t b = in[--i];
			if (b == 0)
				return -1;
			out[--o] = b;
		}
		last = 0;
	}
	memmove(out, out + o, len - o);
	return (long)(len - o);
}

size_t ib_frame_body(const struct ib_frame *f, uint8_t *body)
{
	body[0] = (uint8_t)(f->type << 4 | (f->chan & 0x0F));
	body[1] = f->seq;
	body[2] = f->ack;
	body[3] = f->cchan;
	body[4] = (uint8_t)(f->credit >> 8);
	body[5] = (uint8_t)f->credit;
	if (f->len)
		memcpy(body + IB_HDR_LEN, f->payload, f->len);
	size_t n = IB_HDR_LEN + f->len;
	uint32_t crc = ib_crc32(0xFFFFFFFFu, body, n);
	body[n] = (uint8_t)(crc >> 24);
	body[n + 1] = (uint8_t)(crc >> 16);
	body[n + 2] = (uint8_t)(crc >> 8);
	body[n + 3] = (uint8_t)crc;
	return n + IB_CRC_LEN;
}

size_t ib_frame_encode(const struct ib_frame *f, int rcobs, uint8_t *wire)
{
	uint8_t body[IB_BODY_MAX];
	size_t n = ib_frame_body(f, body);
	size_t w = rcobs ? ib_rcobs_encode(body, n, wire) : ib_cobs_encode(body, n, wire);
	wire[w++] = 0;
	return w;
}

int ib_frame_parse(const uint8_t *in, size_t len, int rcobs, size_t mtu,
                   uint8_t *scratch, struct ib_frame *f)
{
	if (len == 0)
		return IB_PARSE_EMPTY;
	long n = rcobs ? ib_rcobs_decode(in, len, scratch) : ib_cobs_decode(in, len, scratch);
	if (n < 0)
		return IB_PARSE_BAD_ENCODING;
	if (n < IB_HDR_LEN + IB_CRC_LEN || (size_t)n > IB_HDR_LEN + mtu + IB_CRC_LEN)
		return IB_PARSE_BAD_LENGTH;
	if (ib_crc32(0xFFFFFFFFu, scratch, (size_t)n) != 0)
		return IB_PARSE_BAD_CRC;
	f->type = scratch[0] >> 4;
	f->chan = scratch[0] & 0x0F;
	f->seq = scratch[1];
	f->ack = scratch[2];
	f->cchan = scratch[3];
	f->credit = (uint16_t)(scratch[4] << 8 | scratch[5]);
	f->payload = scratch + IB_HDR_LEN;
	f->len = (size_t)n - IB_HDR_LEN - IB_CRC_LEN;
	if (f->type < IB_T_DATA || f->type > IB_T_SYNC)
		return IB_PARSE_BAD_TYPE;
	if ((f->type == IB_T_DATA) != (f->len > 0))
		return IB_PARSE_BAD_LENGTH;
	return IB_PARSE_OK;
}
