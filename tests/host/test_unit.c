/*
 * Unit tests of libicebuf's host code: CRC, COBS, rCOBS, frames, device
 * strings and error paths. Plain C; prints one line per failed check and a
 * summary; exit status 0 only if every check passed.
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"
#include "icebuf.h"
#include "transport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int checks, failures;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; \
	printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rs = 88172645463325252ull;
static uint8_t rnd8(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return (uint8_t)rs; }

static void test_crc(void)
{
	CHECK(ib_crc32(0xFFFFFFFFu, "123456789", 9) == 0x0376E6E7u, "check value of CRC-32/MPEG-2");
	CHECK(ib_crc32(0xFFFFFFFFu, "", 0) == 0xFFFFFFFFu, "empty input");
	/* Every length, split anywhere, gives the same CRC. */
	uint8_t buf[1000];
	for (size_t i = 0; i < sizeof buf; i++) buf[i] = rnd8();
	for (size_t n = 0; n < 40; n++) {
		uint32_t whole = ib_crc32(0xFFFFFFFFu, buf, 500 + n);
		uint32_t split = ib_crc32(ib_crc32(0xFFFFFFFFu, buf, 7 + n), buf + 7 + n, 493);
		CHECK(whole == split, "split at %zu", 7 + n);
		/* Appending the CRC big-endian gives residue 0: what the board checks. */
		uint8_t tmp[600];
		memcpy(tmp, buf, 500 + n);
		for (int k = 0; k < 4; k++)
			tmp[500 + n + (size_t)k] = (uint8_t)(whole >> (24 - 8 * k));
		CHECK(ib_crc32(0xFFFFFFFFu, tmp, 504 + n) == 0, "residue");
	}
	/* Against the bit-serial definition, byte by byte. */
	uint32_t ref = 0xFFFFFFFFu;
	for (size_t i = 0; i < 257; i++) {
		for (int b = 7; b >= 0; b--) {
			uint32_t in = (uint32_t)(buf[i] >> b) & 1;
			ref = ((ref >> 31) ^ in) ? (ref << 1) ^ 0x04C11DB7u : ref << 1;
		}
	}
	CHECK(ib_crc32(0xFFFFFFFFu, buf, 257) == ref, "bit-serial reference");
}

static void roundtrip(const uint8_t *in, size_t n, const char *what)
{
	static uint8_t enc[4096], dec[4096];
	size_t bound = n + n / 254 + 1;
	size_t e = ib_cobs_encode(in, n, enc);
	CHECK(e <= bound, "%s: COBS of %zu bytes took %zu > %zu", what, n, e, bound);
	CHECK(memchr(enc, 0, e) == NULL, "%s: COBS output holds a zero", what);
	long d = ib_cobs_decode(enc, e, dec);
	CHECK(d == (long)n && !memcmp(dec, in, n), "%s: COBS round trip of %zu bytes", what, n);
	e = ib_rcobs_encode(in, n, enc);
	CHECK(e <= bound, "%s: rCOBS of %zu bytes took %zu > %zu", what, n, e, bound);
	CHECK(memchr(enc, 0, e) == NULL, "%s: rCOBS output holds a zero", what);
	d = ib_rcobs_decode(enc, e, dec);
	CHECK(d == (long)n && !memcmp(dec, in, n), "%s: rCOBS round trip of %zu bytes", what, n);
}

static void test_cobs(void)
{
	uint8_t buf[1100] = { 0 };
	for (size_t n = 0; n <= 1024; n += (n < 600 ? 1 : 37)) {
		for (size_t i = 0; i < n; i++) buf[i] = rnd8();
		roundtrip(buf, n, "random");
		memset(buf, 0, n);
		roundtrip(buf, n, "zeros");
		memset(buf, 0xFF, n);
		roundtrip(buf, n, "0xFF");
		for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(i % 255 + 1);
		roundtrip(buf, n, "no zeros");
	}
	uint8_t dec[16];
	static const uint8_t bad1[] = { 0x05, 0x11, 0x22 };       /* block runs past the end */
	static const uint8_t bad2[] = { 0x02, 0x00, 0x01 };       /* a zero inside */
	CHECK(ib_cobs_decode(bad1, sizeof bad1, dec) < 0, "COBS block past the end");
	CHECK(ib_cobs_decode(bad2, sizeof bad2, dec) < 0, "COBS zero inside");
	CHECK(ib_rcobs_decode(bad1, sizeof bad1, dec) < 0, "rCOBS code before the start");
	CHECK(ib_rcobs_decode(bad2, sizeof bad2, dec) < 0, "rCOBS zero inside");
	CHECK(ib_rcobs_decode(bad2, 0, dec) < 0, "rCOBS empty");
}

static void test_frames(void)
{
	uint8_t payload[512], wire[IB_WIRE_MAX], scratch[IB_WIRE_MAX];
	for (size_t i = 0; i < sizeof payload; i++) payload[i] = rnd8();
	struct ib_frame f = { .type = IB_T_DATA, .chan = 1, .seq = 7, .ack = 0xFF, .cchan = 1,
	                      .credit = 4096, .payload = payload, .len = sizeof payload }, g;
	for (int rcobs = 0; rcobs < 2; rcobs++) {
		size_t n = ib_frame_encode(&f, rcobs, wire);
		CHECK(wire[n - 1] == 0 && memchr(wire, 0, n - 1) == NULL, "one delimiter, at the end");
		CHECK(n <= IB_HDR_LEN + 512 + IB_CRC_LEN + 3 + 1, "overhead of a 512-byte frame: %zu", n);
		int r = ib_frame_parse(wire, n - 1, rcobs, 512, scratch, &g);
		CHECK(r == IB_PARSE_OK, "parse: %d", r);
		CHECK(g.type == f.type && g.chan == f.chan && g.seq == f.seq && g.ack == f.ack &&
		      g.cchan == f.cchan && g.credit == f.credit && g.len == f.len &&
		      !memcmp(g.payload, payload, f.len), "fields survive");
		CHECK(ib_frame_parse(wire, n - 1, rcobs, 511, scratch, &g) == IB_PARSE_BAD_LENGTH, "over the MTU");
		/* Every single-bit error in the body is caught. */
		int caught = 0, tried = 0;
		for (size_t byte = 0; byte < n - 1; byte += 13)
			for (int bit = 0; bit < 8; bit++) {
				uint8_t w2[IB_WIRE_MAX];
				memcpy(w2, wire, n);
				w2[byte] ^= (uint8_t)(1 << bit);
				if (w2[byte] == 0) continue;   /* would split the frame: another test */
				tried++;
				caught += ib_frame_parse(w2, n - 1, rcobs, 512, scratch, &g) != IB_PARSE_OK;
			}
		CHECK(caught == tried, "%d of %d bit errors caught", caught, tried);
	}
	CHECK(ib_frame_parse(wire, 0, 1, 512, scratch, &g) == IB_PARSE_EMPTY, "empty");
	struct ib_frame a = { .type = IB_T_ACK, .ack = 3 };
	size_t n = ib_frame_encode(&a, 1, wire);
	CHECK(ib_frame_parse(wire, n - 1, 1, 512, scratch, &g) == IB_PARSE_OK && g.type == IB_T_ACK, "ACK");
	a.type = 9;
	n = ib_frame_encode(&a, 1, wire);
	CHECK(ib_frame_parse(wire, n - 1, 1, 512, scratch, &g) == IB_PARSE_BAD_TYPE, "unknown type");
	a.type = IB_T_DATA;
	n = ib_frame_encode(&a, 1, wire);
	CHECK(ib_frame_parse(wire, n - 1, 1, 512, scratch, &g) == IB_PARSE_BAD_LENGTH, "empty DATA");
	uint8_t shortf[] = { 0x03, 0x11, 0x22 };
	CHECK(ib_frame_parse(shortf, 3, 0, 512, scratch, &g) == IB_PARSE_BAD_LENGTH, "too short");
}

static void test_device_strings(void)
{
	struct ib_device d;
	char err[512];
	CHECK(ib_device_parse("sim", &d, err, sizeof err) == 0 && d.kind == IB_DEV_SIM, "sim");
	CHECK(ib_device_parse("sim://127.0.0.1:4000", &d, err, sizeof err) == 0 && d.kind == IB_DEV_SIM_ADDR &&
	      d.port == 4000 && !strcmp(d.host, "127.0.0.1"), "sim://");
	CHECK(ib_device_parse("tty:/dev/ttyUSB1", &d, err, sizeof err) == 0 && !strcmp(d.path, "/dev/ttyUSB1"), "tty");
	CHECK(ib_device_parse("ftdi://", &d, err, sizeof err) == 0 && d.kind == IB_DEV_FTDI && d.interface == 1 &&
	      d.vid == 0x0403 && d.pid == 0x6010 && d.latency == 1, "ftdi defaults");
	CHECK(ib_device_parse("ftdi://FT123?index=2&interface=A&latency=4&vid=0x0403&pid=0x6014", &d, err, sizeof err) == 0 &&
	      !strcmp(d.serial, "FT123") && d.index == 2 && d.interface == 0 && d.latency == 4 && d.pid == 0x6014,
	      "ftdi options: %s", err);
	/* Ports and counts are decimal: ":010" is port 10, not 8 in octal. */
	CHECK(ib_device_parse("sim://127.0.0.1:010", &d, err, sizeof err) == 0 && d.port == 10, "sim:// port 010: %d",
	      d.port);
	CHECK(ib_device_parse("ftdi://?index=010", &d, err, sizeof err) == 0 && d.index == 10, "index 010: %d", d.index);
	static const char *bad[] = { "sim://127.0.0.1: 4000", "sim://127.0.0.1:+4000", "sim://127.0.0.1:0x10",
	                             "ftdi://?index= 1", "ftdi://?vid=-1",
	                              "", "simx", "sim://", "sim://127.0.0.1", "sim://127.0.0.1:0",
	                             "sim://127.0.0.1:70000", "sim://127.0.0.1:12ab", "tty:", "tty:ttyUSB1",
	                             "ftdi://?index=x", "ftdi://?interface=C", "ftdi://?latency=0",
	                             "ftdi://?foo=1", "ftdi://?index", "ftdi://?index=1&", "usb://", "/dev/ttyUSB1" };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = 0;
		CHECK(ib_device_parse(bad[i], &d, err, sizeof err) == ICEBUF_ERR_ARG && strstr(err, "bad device"),
		      "'%s' refused with a message", bad[i]);
	}
}

static void test_errors(void)
{
	for (int e = 0; e >= -12; e--)
		CHECK(icebuf_strerror(e) && strcmp(icebuf_strerror(e), "unknown error"), "name of %d", e);
	CHECK(!strcmp(icebuf_strerror(-99), "unknown error"), "unknown code");
	icebuf *dev = (icebuf *)1;
	int r = icebuf_open(&dev, "bogus", NULL);
	CHECK(r == ICEBUF_ERR_ARG && dev == (icebuf *)1 && strstr(icebuf_open_error(), "bogus"),
	      "bad device string: %d %s", r, icebuf_open_error());
	/* Nothing listens on port 1 of this machine. */
	r = icebuf_open(&dev, "sim://127.0.0.1:1", NULL);
	CHECK(r == ICEBUF_ERR_NOT_FOUND && strstr(icebuf_open_error(), "icebuf-sim --listen"),
	      "refused connection: %d %s", r, icebuf_open_error());
	setenv("ICEBUF_SIM", "/nonexistent/icebuf-sim", 1);
	r = icebuf_open(&dev, "sim", NULL);
	CHECK(r == ICEBUF_ERR_NOT_FOUND && strstr(icebuf_open_error(), "ICEBUF_SIM"),
	      "missing simulator: %d %s", r, icebuf_open_error());
	unsetenv("ICEBUF_SIM");
	r = icebuf_open(&dev, "tty:/nonexistent/ttyUSB9", NULL);
	CHECK(r == ICEBUF_ERR_NOT_FOUND && strstr(icebuf_open_error(), "/nonexistent/ttyUSB9"),
	      "missing tty: %d %s", r, icebuf_open_error());
	r = icebuf_open(&dev, "tty:/dev/null", NULL);
	CHECK(r == ICEBUF_ERR_ARG && strstr(icebuf_open_error(), "not a serial port"),
	      "not a tty: %d %s", r, icebuf_open_error());
	r = icebuf_open(NULL, "sim", NULL);
	CHECK(r == ICEBUF_ERR_ARG, "no out-pointer");
	CHECK(icebuf_reg_read(NULL, 0, NULL, 0) == ICEBUF_ERR_ARG, "NULL handle");
	icebuf_close(NULL);
}

int main(void)
{
	test_crc();
	test_cobs();
	test_frames();
	test_device_strings();
	test_errors();
	printf("host unit tests: %d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
