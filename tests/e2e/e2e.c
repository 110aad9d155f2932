/*
 * End-to-end tests against libicebuf. The device comes from ICEBUF_DEVICE
 * (`make test` sets "sim", `make test-hw` a real board): the same tests run
 * on the virtual board and on hardware.
 *   e2e info | loopback | corrupt | traffic | gateware
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"
#include "fakeboard.h"
#include "icebuf.h"
#include "icebuf_private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *device(void)
{
	const char *d = getenv("ICEBUF_DEVICE");
	return d && *d ? d : "sim";
}

static icebuf *open_or_die(void)
{
	return check_open(device(), NULL);
}

/* Seconds on the handle's clock: a virtual board's simulated time (the
 * library's own time-outs run on it), a real board's wall time. */
static double now_s(icebuf *dev)
{
	return icebuf_time_ms(dev, NULL) / 1000;
}

/* Write @n bytes from @out on the stream channel while reading them back;
 * returns the number of bytes that came back different (or missing). */
static size_t loop_through(icebuf *dev, const uint8_t *out, size_t n)
{
	uint8_t *in = malloc(n);
	size_t sent = 0, got = 0;
	double last = now_s(dev);
	while (got < n) {
		if (sent < n) {
			long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + sent, n - sent, 0);
			CHECK(w >= 0, "write: %s", icebuf_last_error(dev));
			if (w < 0) break;
			sent += (size_t)w;
		}
		long r = icebuf_read(dev, ICEBUF_CHAN_STREAM, in + got, n - got, sent < n ? 0 : 5);
		CHECK(r >= 0, "read: %s", icebuf_last_error(dev));
		if (r < 0) break;
		if (r > 0) last = now_s(dev);
		got += (size_t)r;
		if (now_s(dev) - last > 10) {
			printf("FAIL: nothing came back for 10 s after %zu of %zu bytes\n", got, n);
			check_failures++;
			break;
		}
	}
	size_t bad = n - got;
	for (size_t i = 0; i < got; i++)
		bad += in[i] != out[i];
	free(in);
	return bad;
}

static void test_info(void)
{
	icebuf *dev = open_or_die();
	struct icebuf_info in;
	CHECK(icebuf_info(dev, &in) == 0, "info");
	CHECK(in.id == ICEBUF_ID_MAGIC, "ID 0x%08X", in.id);
	CHECK(in.version >> 16 == ICEBUF_PROTOCOL_MAJOR, "version 0x%06X", in.version);
	CHECK(in.board == 1 || in.board == 2, "board %u", in.board);
	CHECK(in.clk_hz >= 12000000 && in.baud >= 115200 && in.mtu >= 64 && in.window >= 1, "clock/baud/link");
	CHECK(in.stream_depth >= 512 && (in.stream_depth & (in.stream_depth - 1)) == 0, "depth %u", in.stream_depth);
	CHECK(check_reg(dev, ICEBUF_REG_ID) == ICEBUF_ID_MAGIC, "ID register read again");
	/* A board fresh from power-up that heard nothing but this session has
	 * seen no broken UART byte and no bad frame. */
	const char *d = getenv("ICEBUF_DEVICE");
	if (d && !strcmp(d, "sim")) {
		CHECK(check_reg(dev, ICEBUF_REG_UART_FRAME_ERR) == 0, "UART framing errors on a clean line");
		CHECK(check_reg(dev, ICEBUF_REG_RX_BAD_FRAME) == 0 && check_reg(dev, ICEBUF_REG_RX_BAD_CRC) == 0,
		      "bad frames on a clean line");
	}
	static const uint32_t values[] = { 0x0000, 0xFFFF, 0xA5A5, 0x1234, 0x8001 };
	for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
		CHECK(icebuf_reg_write(dev, ICEBUF_REG_SCRATCH, values[i], -1) == 0, "write SCRATCH: %s", icebuf_last_error(dev));
		CHECK(check_reg(dev, ICEBUF_REG_SCRATCH) == values[i], "SCRATCH reads back 0x%04X", values[i]);
	}
	uint32_t v = 0;
	int r = icebuf_reg_read(dev, 0x7E, &v, -1);
	CHECK(r == ICEBUF_ERR_REGISTER && strstr(icebuf_last_error(dev), "0x7E"), "unknown register: %d %s", r, icebuf_last_error(dev));
	r = icebuf_reg_write(dev, ICEBUF_REG_ID, 1, -1);
	CHECK(r == ICEBUF_ERR_REGISTER && strstr(icebuf_last_error(dev), "read-only"), "read-only register: %d %s", r, icebuf_last_error(dev));
	CHECK(check_reg(dev, ICEBUF_REG_SCRATCH) == 0x8001, "the link goes on after register errors");
	uint8_t b = 0;
	CHECK(icebuf_write(dev, in.channels, &b, 1, 0) == ICEBUF_ERR_ARG && strstr(icebuf_last_error(dev), "does not exist"),
	      "a channel the gateware does not have: %s", icebuf_last_error(dev));
	CHECK(icebuf_read(dev, 15, &b, 1, 0) == ICEBUF_ERR_ARG, "reading channel 15");
	icebuf_close(dev);
}

static void test_loopback(void)
{
	icebuf *dev = open_or_die();
	const size_t n = 1000000;
	uint8_t *buf = malloc(n);
	uint64_t s = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < n; i++) { s ^= s << 13; s ^= s >> 7; s ^= s << 17; buf[i] = (uint8_t)(s >> 24); }
	double t0 = now_s(dev);
	size_t bad = loop_through(dev, buf, n);
	double dt = now_s(dev) - t0;
	CHECK(bad == 0, "%zu of %zu random bytes came back wrong or not at all", bad, n);
	struct icebuf_stats st;
	icebuf_get_stats(dev, &st);
	printf("loopback: %zu random bytes verified in %.2f s (%.0f B/s), %llu host retransmissions, "
	       "%u board retransmissions\n", n, dt, n / dt, (unsigned long long)st.retransmits,
	       check_reg(dev, ICEBUF_REG_TX_RETRANSMIT));
	/* The data that costs framing the most. */
	memset(buf, 0x00, 65536);
	CHECK(loop_through(dev, buf, 65536) == 0, "64 KiB of 0x00");
	memset(buf, 0xFF, 65536);
	CHECK(loop_through(dev, buf, 65536) == 0, "64 KiB of 0xFF");
	CHECK(check_reg(dev, ICEBUF_REG_STREAM_OVERFLOW) == 0, "the host never overran the board's buffer");
	CHECK(icebuf_flush(dev, -1) == 0, "flush: %s", icebuf_last_error(dev));
	free(buf);
	icebuf_close(dev);
}

/* The event-loop calls: poll the descriptor, move what is ready. */
static void test_eventloop(icebuf *dev)
{
	int fd = icebuf_fileno(dev);
	CHECK(fd >= 0 || fd == ICEBUF_ERR_UNSUPPORTED, "fileno %d", fd);
	uint8_t out[50000], in[50000];
	for (size_t i = 0; i < sizeof out; i++) out[i] = (uint8_t)(i ^ (i >> 8));
	size_t sent = 0, got = 0;
	double t0 = now_s(dev);
	while (got < sizeof in && now_s(dev) - t0 < 20) {
		CHECK(icebuf_poll(dev, 2) == 0, "poll: %s", icebuf_last_error(dev));
		long w = icebuf_writable(dev, ICEBUF_CHAN_STREAM);
		if (w > 0 && sent < sizeof out) {
			size_t n = (size_t)w < sizeof out - sent ? (size_t)w : sizeof out - sent;
			long k = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + sent, n, 0);
			CHECK(k == (long)n, "writable said %ld, write took %ld", w, k);
			if (k > 0) sent += (size_t)k;
		}
		long a = icebuf_available(dev, ICEBUF_CHAN_STREAM);
		if (a > 0 || got == 0) {
			long k = icebuf_read(dev, ICEBUF_CHAN_STREAM, in + got, sizeof in - got, 0);
			CHECK(k >= a, "available said %ld, read gave %ld", a, k);
			if (k > 0) got += (size_t)k;
		}
	}
	CHECK(got == sizeof in && !memcmp(in, out, sizeof in), "event-loop loopback: %zu of %zu bytes", got, sizeof in);
}

static void test_corrupt(void)
{
	icebuf *dev = open_or_die();
	uint32_t crc0 = check_reg(dev, ICEBUF_REG_RX_BAD_CRC), bad0 = check_reg(dev, ICEBUF_REG_RX_BAD_FRAME);
	/* A well-formed ACK frame whose CRC is wrong. */
	struct ib_frame f = { .type = IB_T_ACK, .ack = 0x42, .cchan = 1, .credit = 0 };
	uint8_t body[IB_BODY_MAX], wire[IB_WIRE_MAX];
	size_t n = ib_frame_body(&f, body);
	body[n - 1] ^= 0x5A;
	size_t w = ib_cobs_encode(body, n, wire);
	wire[w++] = 0;
	CHECK(icebuf_debug_inject(dev, wire, w) == 0, "inject: %s", icebuf_last_error(dev));
	uint32_t crc1 = check_reg(dev, ICEBUF_REG_RX_BAD_CRC);
	CHECK(crc1 == crc0 + 1, "RX_BAD_CRC went from %u to %u, expected +1", crc0, crc1);
	/* A frame too short to be one: a malformed frame. */
	static const uint8_t shortf[] = { 0x02, 0x11, 0x00 };
	CHECK(icebuf_debug_inject(dev, shortf, sizeof shortf) == 0, "inject");
	uint32_t bad1 = check_reg(dev, ICEBUF_REG_RX_BAD_FRAME);
	CHECK(bad1 == bad0 + 1, "RX_BAD_FRAME went from %u to %u, expected +1", bad0, bad1);
	/* 4 KiB of noise, delimiters included: the board drops it all. */
	uint8_t noise[4096];
	uint64_t ns = 0xC0FFEE;
	for (size_t i = 0; i < sizeof noise; i++) { ns ^= ns << 13; ns ^= ns >> 7; ns ^= ns << 17; noise[i] = (uint8_t)ns; }
	CHECK(icebuf_debug_inject(dev, noise, sizeof noise) == 0, "inject noise");
	uint32_t bad2 = check_reg(dev, ICEBUF_REG_RX_BAD_FRAME), crc2 = check_reg(dev, ICEBUF_REG_RX_BAD_CRC);
	CHECK(bad2 + crc2 > bad1 + crc1, "the noise was counted as bad frames (%u, %u)", bad2, crc2);
	/* And the link goes on. */
	uint8_t buf[20000];
	for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 7 + 3);
	CHECK(loop_through(dev, buf, sizeof buf) == 0, "loopback after the bad frames");
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_SCRATCH, 0x5AA5, -1) == 0 && check_reg(dev, ICEBUF_REG_SCRATCH) == 0x5AA5,
	      "registers after the bad frames");
	test_eventloop(dev);
	icebuf_close(dev);
}

static uint16_t crc16(uint16_t crc, const uint8_t *p, size_t n)
{
	while (n--) {
		crc ^= (uint16_t)(*p++ << 8);
		for (int i = 0; i < 8; i++)
			crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
	}
	return crc;
}

static uint32_t traffic(uint32_t flags, uint32_t count)
{
	return flags | count;
}

static uint8_t lfsr_byte(uint16_t *s)
{
	for (int b = 0; b < 8; b++)
		*s = (uint16_t)((*s >> 1) ^ ((*s & 1) ? 0xB400u : 0u));
	return (uint8_t)*s;
}

/* Bytes of @p that differ from the board's source pattern (rtl/traffic.v). */
static size_t pattern_errors(const uint8_t *p, size_t n)
{
	uint16_t ls = 0xACE1;
	size_t bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += p[i] != lfsr_byte(&ls);
	return bad;
}

/* Read @n stream bytes into @buf, each wait up to the time-out; the count
 * that came. */
static size_t read_stream(icebuf *dev, uint8_t *buf, size_t n)
{
	size_t have = 0;
	while (have < n) {
		long k = icebuf_read(dev, ICEBUF_CHAN_STREAM, buf + have, n - have, -1);
		CHECK(k > 0, "stream read after %zu of %zu bytes: %ld %s", have, n, k, icebuf_last_error(dev));
		if (k <= 0) break;
		have += (size_t)k;
	}
	return have;
}

/* Write TRAFFIC once the board takes it: it refuses (BUSY) until the host
 * has acknowledged what the stream buffer held. */
static int set_traffic(icebuf *dev, uint32_t value)
{
	int r = ICEBUF_ERR_BUSY;
	for (int i = 0; i < 200 && r == ICEBUF_ERR_BUSY; i++)
		r = icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, value, -1);
	return r;
}

/* The stream channel's test modes: a sink that checks what it takes, a
 * source whose pattern the host checks, and a mode change the board refuses
 * while its buffer holds data, losing none of it. */
/* Gateware without the test modes (the iCEstick's HX1K build): TRAFFIC does
 * not exist, and the stream channel loops back. */
static void test_no_traffic(icebuf *dev)
{
	uint32_t v = 0;
	CHECK(icebuf_reg_read(dev, ICEBUF_REG_TRAFFIC, &v, -1) == ICEBUF_ERR_REGISTER,
	      "a board without test modes answers that TRAFFIC does not exist");
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, traffic(ICEBUF_TRAFFIC_SINK, 0), -1) == ICEBUF_ERR_REGISTER,
	      "... and refuses to set it");
	CHECK(strstr(icebuf_last_error(dev), "does not exist"), "the error says so: %s", icebuf_last_error(dev));
	uint8_t b[1000];
	for (size_t i = 0; i < sizeof b; i++) b[i] = (uint8_t)(i * 7);
	CHECK(loop_through(dev, b, sizeof b) == 0, "loopback still works, every byte intact");
	printf("no test modes in this gateware: TRAFFIC refused, loopback intact\n");
}

static void test_traffic(void)
{
	icebuf *dev = open_or_die();
	/* The iCEstick's HX1K build has no test modes (docs/boards.md): expect
	 * them by the board's ID, unless ICEBUF_TEST_MODES says (0 or 1). */
	const char *want_env = getenv("ICEBUF_TEST_MODES");
	int want = want_env && *want_env ? atoi(want_env) : check_reg(dev, ICEBUF_REG_BOARD) != 1;
	if (!want) {
		test_no_traffic(dev);
		icebuf_close(dev);
		return;
	}
	CHECK(check_reg(dev, ICEBUF_REG_TRAFFIC) == 0, "a new session starts in loopback");

	/* Sink: 200 000 bytes; the board's count and CRC are the host's. */
	const size_t n = 200000;
	uint8_t *buf = malloc(n);
	for (size_t i = 0; i < n; i++) buf[i] = (uint8_t)(i * 131 + (i >> 9));
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, traffic(ICEBUF_TRAFFIC_SINK, 0), -1) == 0,
	      "set SINK: %s", icebuf_last_error(dev));
	CHECK(check_reg(dev, ICEBUF_REG_SINK_BYTES) == 0 && check_reg(dev, ICEBUF_REG_SINK_CRC) == 0xFFFF, "the sink starts afresh");
	for (size_t off = 0; off < n; off += 4000) {
		size_t k = n - off < 4000 ? n - off : 4000;
		CHECK(icebuf_write(dev, ICEBUF_CHAN_STREAM, buf + off, k, -1) == (long)k, "sink write at %zu: %s", off,
		      icebuf_last_error(dev));
	}
	CHECK(icebuf_flush(dev, -1) == 0, "flush: %s", icebuf_last_error(dev));
	uint32_t got = 0;
	for (int i = 0; i < 100 && (got = check_reg(dev, ICEBUF_REG_SINK_BYTES)) != n; i++) icebuf_poll(dev, 1);
	CHECK(got == n, "SINK_BYTES %u, sent %zu", got, n);
	uint32_t crc = check_reg(dev, ICEBUF_REG_SINK_CRC);
	CHECK(crc == crc16(0xFFFF, buf, n), "SINK_CRC 0x%04X, the data's 0x%04X", crc, crc16(0xFFFF, buf, n));
	CHECK(check_reg(dev, ICEBUF_REG_STREAM_LEVEL) == 0, "the sink left nothing in the buffer");
	CHECK(icebuf_available(dev, ICEBUF_CHAN_STREAM) == 0, "a sink sends nothing back");

	/* Source: the board's pattern, every byte checked, then zeros. */
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, traffic(ICEBUF_TRAFFIC_SOURCE, (uint32_t)n), -1) == 0,
	      "set SOURCE: %s", icebuf_last_error(dev));
	size_t have = read_stream(dev, buf, n);
	size_t bad = pattern_errors(buf, have);
	CHECK(have == n && bad == 0, "source: %zu bytes, %zu wrong", have, bad);
	uint8_t extra;
	CHECK(icebuf_read(dev, ICEBUF_CHAN_STREAM, &extra, 1, 200) == 0, "the source stops at its count");
	CHECK(check_reg(dev, ICEBUF_REG_TRAFFIC) == traffic(ICEBUF_TRAFFIC_SOURCE, 0), "TRAFFIC counts down to 0");
	int r = set_traffic(dev, traffic(ICEBUF_TRAFFIC_SOURCE | ICEBUF_TRAFFIC_ZEROS, 5000));
	CHECK(r == 0, "set SOURCE zeros: %s", icebuf_last_error(dev));
	memset(buf, 0x55, 5000);
	have = read_stream(dev, buf, 5000);
	bad = 0;
	for (size_t i = 0; i < have; i++) bad += buf[i] != 0;
	CHECK(have == 5000 && bad == 0, "zeros source: %zu bytes, %zu not zero", have, bad);
	r = set_traffic(dev, traffic(ICEBUF_TRAFFIC_LOOPBACK, 0));
	CHECK(r == 0, "back to loopback: %s", icebuf_last_error(dev));

	/* Busy: a source of 100 000 bytes and a host that does not read: what
	 * the host received stays unacknowledged (icebuf_read() releases it),
	 * so the board's window fills and the rest stays in its buffer. A mode
	 * change is refused, and every byte still comes, in order. */
	const size_t m = 100000;
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, traffic(ICEBUF_TRAFFIC_SOURCE, (uint32_t)m), -1) == 0,
	      "set SOURCE: %s", icebuf_last_error(dev));
	double t0 = now_s(dev), grew = t0;
	long avail = 0;
	while (now_s(dev) - grew < 0.3 && now_s(dev) - t0 < 20) {
		icebuf_poll(dev, 10);
		long a = icebuf_available(dev, ICEBUF_CHAN_STREAM);
		if (a > avail) { avail = a; grew = now_s(dev); }
	}
	CHECK(avail > 0 && avail < (long)m, "the host holds %ld bytes it did not read", avail);
	CHECK(check_reg(dev, ICEBUF_REG_STREAM_LEVEL) > 0, "the board holds data the host has no room for");
	r = icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, traffic(ICEBUF_TRAFFIC_SINK, 0), -1);
	CHECK(r == ICEBUF_ERR_BUSY, "TRAFFIC written with data in the buffer: %d (%s)", r, icebuf_last_error(dev));
	printf("refused as it should be: %s\n", icebuf_last_error(dev));
	CHECK((check_reg(dev, ICEBUF_REG_TRAFFIC) & ~ICEBUF_TRAFFIC_MAX_BYTES) == ICEBUF_TRAFFIC_SOURCE, "the mode stayed SOURCE");
	have = read_stream(dev, buf, m);
	bad = pattern_errors(buf, have);
	CHECK(have == m && bad == 0, "after the refusal: %zu of %zu bytes, %zu wrong", have, m, bad);

	/* Both at once: 100 000 bytes into the sink while 100 000 come from the
	 * source, through the same channel. */
	r = set_traffic(dev, traffic(ICEBUF_TRAFFIC_SINK | ICEBUF_TRAFFIC_SOURCE, (uint32_t)m));
	CHECK(r == 0, "set SINK|SOURCE: %s", icebuf_last_error(dev));
	uint8_t *out = malloc(m);
	for (size_t i = 0; i < m; i++) out[i] = (uint8_t)(i * 7 ^ (i >> 11));
	size_t sent = 0;
	have = 0;
	t0 = now_s(dev);
	while ((sent < m || have < m) && now_s(dev) - t0 < 30) {
		long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + sent, m - sent, 0);
		CHECK(w >= 0, "duplex write: %s", icebuf_last_error(dev));
		if (w > 0) sent += (size_t)w;
		long k = icebuf_read(dev, ICEBUF_CHAN_STREAM, buf + have, m - have, sent < m ? 0 : 5);
		CHECK(k >= 0, "duplex read: %s", icebuf_last_error(dev));
		if (k > 0) have += (size_t)k;
	}
	CHECK(icebuf_flush(dev, -1) == 0, "flush: %s", icebuf_last_error(dev));
	bad = pattern_errors(buf, have);
	CHECK(have == m && bad == 0, "duplex source: %zu of %zu bytes, %zu wrong", have, m, bad);
	CHECK(check_reg(dev, ICEBUF_REG_SINK_BYTES) == m && check_reg(dev, ICEBUF_REG_SINK_CRC) == crc16(0xFFFF, out, m),
	      "duplex sink: count or CRC differ");
	free(out);

	/* A source left running ends with the session: the next one starts in
	 * loopback. */
	r = set_traffic(dev, traffic(ICEBUF_TRAFFIC_SINK, 0));
	CHECK(r == 0, "set SINK again: %s", icebuf_last_error(dev));
	free(buf);
	icebuf_close(dev);
	dev = open_or_die();
	CHECK(check_reg(dev, ICEBUF_REG_TRAFFIC) == 0, "the next session starts in loopback");
	icebuf_close(dev);
}

static void expect_refused(const char *sim, const char *want1, const char *want2)
{
	setenv("ICEBUF_SIM", sim, 1);
	icebuf *dev = NULL;
	int r = icebuf_open(&dev, "sim", NULL);
	CHECK(r == ICEBUF_ERR_GATEWARE, "%s: open gave %d (%s)", sim, r, icebuf_open_error());
	CHECK(strstr(icebuf_open_error(), want1) && strstr(icebuf_open_error(), want2),
	      "%s: message '%s' names '%s' and '%s'", sim, icebuf_open_error(), want1, want2);
	if (!r) icebuf_close(dev);
	printf("refused as it should be: %s\n", icebuf_open_error());
	unsetenv("ICEBUF_SIM");
}

static void test_gateware(void)
{
	const char *dir = getenv("ICEBUF_TEST_SIMS");
	char badver[512], badid[512];
	snprintf(badver, sizeof badver, "%s/icebuf-sim-badver", dir ? dir : "build/tests");
	snprintf(badid, sizeof badid, "%s/icebuf-sim-badid", dir ? dir : "build/tests");
	expect_refused(badver, "3.0.0", "protocol 2");
	expect_refused(badid, "0x12345678", "ICEB");
}

int main(int argc, char **argv)
{
	const char *t = argc > 1 ? argv[1] : "";
	if (!strcmp(t, "info")) test_info();
	else if (!strcmp(t, "loopback")) test_loopback();
	else if (!strcmp(t, "corrupt")) test_corrupt();
	else if (!strcmp(t, "traffic")) test_traffic();
	else if (!strcmp(t, "gateware")) test_gateware();
	else { fprintf(stderr, "usage: e2e info|loopback|corrupt|traffic|gateware\n"); return 2; }
	printf("e2e %s on %s: %s\n", t, device(), check_failures ? "FAILED" : "ok");
	return check_failures ? 1 : 0;
}
