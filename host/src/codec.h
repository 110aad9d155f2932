/*
 * codec.h — frame encoding of docs/protocol.md: CRC-32, COBS, rCOBS, frames.
 * SPDX-License-Identifier: MIT
 * Private to libicebuf; the tests and benchmarks use it too.
 */
#ifndef ICEBUF_CODEC_H
#define ICEBUF_CODEC_H

#include <stddef.h>
#include <stdint.h>

#define IB_HDR_LEN 6          /* kind, seq, ack, cchan, credit[2] */
#define IB_CRC_LEN 4
#define IB_MAX_MTU 1024       /* largest payload this library handles */
/* Largest encoded frame: body, one code byte per 254 body bytes plus one,
 * and the delimiter. */
#define IB_BODY_MAX (IB_HDR_LEN + IB_MAX_MTU + IB_CRC_LEN)
#define IB_WIRE_MAX (IB_BODY_MAX + IB_BODY_MAX / 254 + 2)

enum ib_type { IB_T_DATA = 1, IB_T_ACK = 2, IB_T_NAK = 3, IB_T_SYNC = 4 };

/* A parsed frame; payload points into the caller's buffer. */
struct ib_frame {
	uint8_t type, chan, seq, ack, cchan;
	uint16_t credit;
	const uint8_t *payload;
	size_t len;
};

/* Results of ib_frame_parse(). */
enum ib_parse {
	IB_PARSE_OK = 0,
	IB_PARSE_EMPTY = 1,      /* nothing between two delimiters: not a frame */
	IB_PARSE_BAD_ENCODING = -1,
	IB_PARSE_BAD_LENGTH = -2,
	IB_PARSE_BAD_CRC = -3,
	IB_PARSE_BAD_TYPE = -4,
};

/* CRC-32/MPEG-2 (poly 0x04C11DB7, MSB first, no final xor) continued from
 * @crc (start with 0xFFFFFFFF). */
uint32_t ib_crc32(uint32_t crc, const void *data, size_t len);

/* COBS-encode @len bytes into @out (room for len + len/254 + 1), without the
 * delimiter. Returns the encoded length. */
size_t ib_cobs_encode(const uint8_t *in, size_t len, uint8_t *out);
/* Decode COBS @in (no delimiter). Returns the decoded length or -1 if the
 * input is not valid COBS (a zero byte, or a block running past the end). */
long ib_cobs_decode(const uint8_t *in, size_t len, uint8_t *out);
/* rCOBS (docs/protocol.md §1): same contract as the COBS pair. */
size_t ib_rcobs_encode(const uint8_t *in, size_t len, uint8_t *out);
long ib_rcobs_decode(const uint8_t *in, size_t len, uint8_t *out);

/* Build a frame body (header, payload, CRC) into @body (room for
 * IB_HDR_LEN + len + IB_CRC_LEN). Returns the body length. */
size_t ib_frame_body(const struct ib_frame *f, uint8_t *body);

/* Build a whole wire frame into @wire (room for IB_WIRE_MAX): body,
 * encoded with COBS (downstream, @rcobs 0) or rCOBS (upstream, @rcobs 1),
 * and the delimiter. Returns its length. */
size_t ib_frame_encode(const struct ib_frame *f, int rcobs, uint8_t *wire);

/* Parse the bytes between two delimiters (delimiters excluded). Decodes into
 * @scratch (room for @len bytes) and fills *@f. @rcobs selects the encoding;
 * @mtu bounds the payload. */
int ib_frame_parse(const uint8_t *in, size_t len, int rcobs, size_t mtu,
                   uint8_t *scratch, struct ib_frame *f);

#endif
