/*
 * harness_test — a client of the real virtual-board binaries:
 *   harness_test SIM SIM_BADVER SIM_BADID
 * Spawns icebuf-sim (fork/exec, its stdout and stderr on pipes) and checks
 *   - --help: exit 0, usage on stdout; bad options: exit 2, a message on
 *     stderr naming the problem, nothing on stdout;
 *   - the port line, exactly; --cycles N ends the run by itself, --stats
 *     gives the clock count; without --fast simulated time does not run
 *     ahead of the wall clock; SIGTERM stops it promptly, with stats;
 *     clients one after another; with --once the client's hang-up ends it;
 *   - bytes through the real gateware, framed by hand (docs/protocol.md,
 *     COBS down, rCOBS up, CRC-32 inline, nothing linked from host/): the
 *     board stays silent before SYNC whatever garbage it gets, answers SYNC,
 *     answers register reads (ID, VERSION, and CLK_HZ and BAUD equal to
 *     what the harness says in --help), sends keep-alive ACKs, survives
 *     garbage mid-session and counts it;
 *   - the wrong-version and wrong-ID gateware builds report their values.
 * Every wait has a time-out; on failure the children are killed.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- failing */

#define MAXKIDS 8
#define CAP 65536

struct child {
	pid_t pid;             /* 0: free slot */
	int out, err;          /* read ends, -1 once at EOF */
	int exited, status;
	char o[CAP], e[CAP];   /* everything it wrote, NUL-terminated */
	size_t on, en;
};
static struct child kids[MAXKIDS];
static const char *group = "start";

static void kill_children(void)
{
	for (int i = 0; i < MAXKIDS; i++) {
		struct child *c = &kids[i];
		if (c->pid > 0 && !c->exited) {
			kill(c->pid, SIGKILL);
			waitpid(c->pid, NULL, 0);
		}
		if (c->out >= 0 && c->pid)
			close(c->out);
		if (c->err >= 0 && c->pid)
			close(c->err);
		c->pid = 0;
	}
}

__attribute__((format(printf, 1, 2), noreturn)) static void fail(const char *fmt, ...)
{
	va_list ap;
	printf("FAIL [%s]: ", group);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	for (int i = 0; i < MAXKIDS; i++)
		if (kids[i].pid && kids[i].en)
			printf("  child %d's stderr: %.2000s\n", (int)kids[i].pid, kids[i].e);
	fflush(stdout);
	kill_children();
	exit(1);
}

#define CHECK(cond, ...) do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int ms_left(double deadline)
{
	double l = (deadline - now_s()) * 1e3;
	return l <= 0 ? 0 : (int)l + 1;
}

/* ---- children */

static struct child *spawn(const char *const argv[])
{
	struct child *c = NULL;
	for (int i = 0; i < MAXKIDS && !c; i++)
		if (!kids[i].pid)
			c = &kids[i];
	CHECK(c, "too many children");
	int po[2], pe[2];
	CHECK(pipe2(po, O_CLOEXEC) == 0 && pipe2(pe, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	fflush(stdout);
	pid_t pid = fork();
	CHECK(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null < 0 || dup2(null, 0) < 0 || dup2(po[1], 1) < 0 || dup2(pe[1], 2) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		dprintf(2, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	memset(c, 0, sizeof *c);
	c->pid = pid;
	c->out = po[0];
	c->err = pe[0];
	fcntl(c->out, F_SETFL, O_NONBLOCK);
	fcntl(c->err, F_SETFL, O_NONBLOCK);
	return c;
}

/* Read whatever the child wrote, waiting at most @ms for something. */
static void pump(struct child *c, int ms)
{
	struct pollfd p[2] = {{c->out, POLLIN, 0}, {c->err, POLLIN, 0}};
	if (c->out < 0 && c->err < 0) {
		if (ms > 0)
			poll(NULL, 0, ms < 10 ? ms : 10);
		return;
	}
	if (poll(p, 2, ms) <= 0)
		return;
	for (int k = 0; k < 2; k++) {
		int *fd = k ? &c->err : &c->out;
		char *buf = k ? c->e : c->o;
		size_t *n = k ? &c->en : &c->on;
		if (*fd < 0 || !(p[k].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		char tmp[4096];
		ssize_t r = read(*fd, tmp, sizeof tmp);
		if (r > 0) {
			size_t take = (size_t)r < CAP - 1 - *n ? (size_t)r : CAP - 1 - *n;
			memcpy(buf + *n, tmp, take);
			*n += take;
			buf[*n] = 0;
		} else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
			close(*fd);
			*fd = -1;
		}
	}
}

static int poll_exit(struct child *c)
{
	if (!c->exited && waitpid(c->pid, &c->status, WNOHANG) == c->pid)
		c->exited = 1;
	return c->exited;
}

static const char *describe(int status)
{
	static char s[64];
	if (WIFEXITED(status))
		snprintf(s, sizeof s, "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(s, sizeof s, "killed by signal %d", WTERMSIG(status));
	else
		snprintf(s, sizeof s, "status 0x%x", status);
	return s;
}

/* Wait for the child to exit and close its outputs; its exit status, or
 * -(signal). Fails after @ms. */
static int wait_exit(struct child *c, int ms, const char *what)
{
	double deadline = now_s() + ms / 1e3;
	while (!(poll_exit(c) && c->out < 0 && c->err < 0)) {
		if (now_s() > deadline)
			fail("%s: icebuf-sim did not exit within %d ms (stdout: '%s')", what, ms, c->o);
		pump(c, 20);
	}
	return WIFEXITED(c->status) ? WEXITSTATUS(c->status) : -WTERMSIG(c->status);
}

static void release(struct child *c)
{
	c->pid = 0;
}

/* Start the sim and read its port line; the whole line must be exactly
 * "icebuf-sim: listening on 127.0.0.1:PORT". */
static int start_sim(struct child **out, const char *const argv[])
{
	struct child *c = spawn(argv);
	double deadline = now_s() + 20;
	while (!memchr(c->o, '\n', c->on)) {
		if (poll_exit(c)) {
			pump(c, 100);
			fail("%s exited (%s) before listening; stderr: %s", argv[0], describe(c->status), c->e);
		}
		if (now_s() > deadline)
			fail("%s printed no port line within 20 s", argv[0]);
		pump(c, 50);
	}
	const char *pre = "icebuf-sim: listening on 127.0.0.1:";
	CHECK(strncmp(c->o, pre, strlen(pre)) == 0, "the first line is not '%sPORT': '%s'", pre, c->o);
	char *end;
	long port = strtol(c->o + strlen(pre), &end, 10);
	CHECK(*end == '\n' && port > 0 && port < 65536 && end > c->o + strlen(pre),
	      "bad port in the first line '%s'", c->o);
	char want[80];
	snprintf(want, sizeof want, "%s%ld\n", pre, port);
	CHECK(strcmp(c->o, want) == 0, "stdout is '%s', expected exactly '%s'", c->o, want);
	*out = c;
	return (int)port;
}

/* ---- the protocol, by hand (docs/protocol.md) */

enum { T_DATA = 1, T_ACK = 2, T_NAK = 3, T_SYNC = 4 };

/* CRC-32/MPEG-2: poly 0x04C11DB7, MSB first, init 0xFFFFFFFF, no final xor. */
static uint32_t crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;
	while (n--) {
		c ^= (uint32_t)*p++ << 24;
		for (int b = 0; b < 8; b++)
			c = c & 0x80000000u ? (c << 1) ^ 0x04C11DB7u : c << 1;
	}
	return c;
}

enum { HDR = 6, CRCLEN = 4, MINBODY = HDR + CRCLEN };

/* Body of a frame: kind, seq, ack, cchan, credit, payload, CRC. */
static size_t body(uint8_t *b, int type, int chan, int seq, int ack, int cchan, unsigned credit,
		   const uint8_t *pl, size_t n)
{
	b[0] = (uint8_t)(type << 4 | chan);
	b[1] = (uint8_t)seq;
	b[2] = (uint8_t)ack;
	b[3] = (uint8_t)cchan;
	b[4] = (uint8_t)(credit >> 8);
	b[5] = (uint8_t)credit;
	if (n)
		memcpy(b + 6, pl, n);
	uint32_t c = crc32(b, 6 + n);
	for (int k = 0; k < CRCLEN; k++)
		b[6 + n + (size_t)k] = (uint8_t)(c >> (24 - 8 * k));
	return MINBODY + n;
}

/* COBS, then the delimiter. */
static size_t cobs(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t o = 1, code_at = 0;
	uint8_t code = 1;
	for (size_t i = 0; i < n; i++) {
		if (in[i]) {
			out[o++] = in[i];
			code++;
		}
		if (!in[i] || code == 0xFF) {
			out[code_at] = code;
			code_at = o++;
			code = 1;
		}
	}
	out[code_at] = code;
	out[o++] = 0;
	return o;
}

/* rCOBS decoding of the bytes between two delimiters: the length, or -1. */
static long rcobs_decode(const uint8_t *in, size_t n, uint8_t *out)
{
	size_t i = n, o = n;
	int last = 1;
	if (!n)
		return -1;
	while (i > 0) {
		uint8_t code = in[--i];
		if (code == 0 || (size_t)(code - 1) > i)
			return -1;
		if (!last && code != 0xFF)
			out[--o] = 0;
		for (int k = 1; k < code; k++)
			out[--o] = in[--i];
		last = 0;
	}
	memmove(out, out + o, n - o);
	return (long)(n - o);
}

static void expect_hex(const uint8_t *got, size_t n, const char *want, const char *what)
{
	char s[512] = "";
	for (size_t i = 0; i < n && strlen(s) + 4 < sizeof s; i++)
		snprintf(s + strlen(s), sizeof s - strlen(s), i ? " %02X" : "%02X", got[i]);
	CHECK(strcmp(s, want) == 0, "%s: got %s, docs/protocol.md says %s", what, s, want);
}

/* The codec here against the worked example of docs/protocol.md. */
static void self_check_codec(void)
{
	group = "codec";
	uint8_t b[64], w[64], d[64];
	size_t n = body(b, T_SYNC, 0, 0, 0xFF, 0, 0xFFFF, NULL, 0);
	expect_hex(b, n, "40 00 FF 00 FF FF 9A D7 6B C6", "host SYNC body");
	expect_hex(w, cobs(b, n, w), "02 40 02 FF 07 FF FF 9A D7 6B C6 00", "host SYNC on the wire");
	const uint8_t rd[] = {0x01, 0x00};
	n = body(b, T_DATA, 0, 0, 0xFF, 0, 0xFFFF, rd, 2);
	expect_hex(w, cobs(b, n, w), "02 10 02 FF 04 FF FF 01 05 1D 5C 47 6F 00", "host DATA on the wire");
	const uint8_t ans[] = {0x40, 0x02, 0xFF, 0x02, 0x01, 0x80, 0x0C, 0x93, 0xEF, 0x55, 0x06};
	long m = rcobs_decode(ans, sizeof ans, d);
	CHECK(m == MINBODY, "the board's SYNC answer decodes to %ld bytes", m);
	expect_hex(d, (size_t)m, "40 00 FF 00 00 80 0C 93 EF 55", "board SYNC answer body");
	CHECK(crc32(d, MINBODY) == 0, "CRC over a good body is not 0");
	uint8_t z[300], e[310];
	memset(z, 0, 100);
	for (int i = 100; i < 300; i++)
		z[i] = (uint8_t)(i % 255 + 1);
	size_t en = cobs(z, 300, e);
	CHECK(memchr(e, 0, en - 1) == NULL && e[en - 1] == 0, "COBS left a zero in the frame");
	printf("ok  codec: COBS, rCOBS and CRC-32 reproduce the worked example of docs/protocol.md\n");
}

/* ---- a client */

struct link {
	int fd;
	uint8_t raw[16384];
	size_t rn;
	long rx_bytes;
	int my_seq;            /* our next DATA seq */
	int board_next;        /* the board's DATA seq we expect next */
	int acked;             /* the last `ack` the board sent */
	uint8_t resp[4096];    /* control channel bytes from the board */
	size_t resp_n;
	int acks, keepalive_cchan_mask, bad;
};

static void connect_to(struct link *l, int port)
{
	memset(l, 0, sizeof *l);
	l->board_next = 0;
	l->acked = -1;
	l->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(l->fd >= 0, "socket: %s", strerror(errno));
	struct sockaddr_in a;
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_port = htons((uint16_t)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK(connect(l->fd, (struct sockaddr *)&a, sizeof a) == 0, "connect to port %d: %s", port, strerror(errno));
	int one = 1;
	setsockopt(l->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	fcntl(l->fd, F_SETFL, O_NONBLOCK);
}

static void hang_up(struct link *l)
{
	if (l->fd >= 0)
		close(l->fd);
	l->fd = -1;
}

static void send_all(struct link *l, const uint8_t *p, size_t n)
{
	double deadline = now_s() + 5;
	while (n) {
		ssize_t w = send(l->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		CHECK(w < 0 && (errno == EAGAIN || errno == EINTR), "send: %s", strerror(errno));
		struct pollfd pf = {l->fd, POLLOUT, 0};
		CHECK(ms_left(deadline) > 0, "the board took no bytes for 5 s");
		poll(&pf, 1, ms_left(deadline));
	}
}

static void send_frame(struct link *l, int type, int chan, int seq, const uint8_t *pl, size_t n)
{
	uint8_t b[600], w[700];
	size_t bn = body(b, type, chan, seq, type == T_SYNC ? 0xFF : (l->board_next - 1) & 0xFF, 0, 0xFFFF, pl, n);
	send_all(l, w, cobs(b, bn, w));
}

/* Wait up to @ms for bytes from the board; 0 at time-out. Fails if the sim
 * closes the connection. */
static int fill(struct link *l, int ms)
{
	struct pollfd pf = {l->fd, POLLIN, 0};
	if (poll(&pf, 1, ms) <= 0)
		return 0;
	CHECK(l->rn < sizeof l->raw, "16 KiB from the board without a delimiter");
	ssize_t r = recv(l->fd, l->raw + l->rn, sizeof l->raw - l->rn, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	CHECK(r > 0, "the virtual board closed the connection (%s)", r ? strerror(errno) : "EOF");
	l->rn += (size_t)r;
	l->rx_bytes += r;
	return 1;
}

/* The next good frame's body within @ms: its length, or 0 at time-out.
 * A frame that does not decode or check is counted in l->bad. */
static size_t next_frame(struct link *l, uint8_t *b, int ms)
{
	double deadline = now_s() + ms / 1e3;
	for (;;) {
		uint8_t *z = memchr(l->raw, 0, l->rn);
		if (z) {
			size_t n = (size_t)(z - l->raw);
			long m = n ? rcobs_decode(l->raw, n, b) : 0;
			memmove(l->raw, z + 1, l->rn - n - 1);
			l->rn -= n + 1;
			if (!n)
				continue;
			if (m < MINBODY || crc32(b, (size_t)m) != 0) {
				l->bad++;
				continue;
			}
			return (size_t)m;
		}
		if (!ms_left(deadline) || (!fill(l, ms_left(deadline)) && !ms_left(deadline)))
			return 0;
	}
}

/* Handle one frame from the board in a session: take DATA on the control
 * channel in order, ack it; note the rest. Returns the frame's type. */
static int take(struct link *l, const uint8_t *b, size_t n)
{
	int type = b[0] >> 4, chan = b[0] & 15;
	CHECK(type >= T_DATA && type <= T_SYNC, "a frame of unknown type %d from the board", type);
	CHECK(type == T_DATA || n == MINBODY, "a %d-byte frame of type %d (only DATA has a payload)", (int)n, type);
	l->acked = b[2];
	if (type == T_DATA) {
		CHECK(chan == 0, "DATA on channel %d; nothing was asked there", chan);
		CHECK(n > MINBODY, "an empty DATA frame");
		if (b[1] == l->board_next) {
			CHECK(l->resp_n + n - MINBODY <= sizeof l->resp, "too many responses");
			memcpy(l->resp + l->resp_n, b + HDR, n - MINBODY);
			l->resp_n += n - MINBODY;
			l->board_next = (l->board_next + 1) & 0xFF;
		}
		send_frame(l, T_ACK, 0, 0, NULL, 0);
	} else if (type == T_ACK) {
		l->acks++;
		l->keepalive_cchan_mask |= 1 << (b[3] & 15);
	}
	return type;
}

/* Start a session: zeros, SYNC (again every 300 ms), until the answer. */
static void sync_session(struct link *l)
{
	static const uint8_t zeros[4] = {0};
	double deadline = now_s() + 8;
	uint8_t b[600];
	while (ms_left(deadline)) {
		send_all(l, zeros, sizeof zeros);
		send_frame(l, T_SYNC, 0, 0, NULL, 0);
		double again = now_s() + 0.3;
		size_t n;
		while ((n = next_frame(l, b, ms_left(again)))) {
			if (b[0] >> 4 != T_SYNC)
				continue;   /* before the answer, everything is ignored */
			CHECK(n == MINBODY && b[0] == 0x40 && b[1] == 0 && b[2] == 0xFF,
			      "the SYNC answer has the wrong shape: %zu bytes, kind %02X seq %d ack %02X", n, b[0], b[1], b[2]);
			CHECK(b[3] < 5, "the SYNC answer's cchan is %d", b[3]);
			l->my_seq = 0;
			l->board_next = 0;
			l->acked = 0xFF;
			return;
		}
	}
	fail("no SYNC answer within 8 s (%ld bytes from the board, %d bad frames)", l->rx_bytes, l->bad);
}

/* Send @req as DATA on the control channel and collect @want bytes of
 * response, resending (go-back-N) until the board acknowledges. */
static void request(struct link *l, const uint8_t *req, size_t n, size_t want)
{
	int seq = l->my_seq;
	size_t start = l->resp_n;
	double deadline = now_s() + 8;
	uint8_t b[600];
	while (ms_left(deadline)) {
		send_frame(l, T_DATA, 0, seq, req, n);
		double again = now_s() + 0.5;
		size_t m;
		while ((m = next_frame(l, b, ms_left(again)))) {
			CHECK(take(l, b, m) != T_SYNC, "a SYNC from the board in the middle of a session");
			if (l->resp_n - start >= want && l->acked == seq) {
				CHECK(l->resp_n - start == want, "%zu bytes of response, expected %zu", l->resp_n - start, want);
				l->my_seq = (seq + 1) & 0xFF;
				return;
			}
		}
	}
	fail("no response to a request within 8 s (%zu of %zu bytes, the board's ack %d, our seq %d)",
	     l->resp_n - start, want, l->acked, seq);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* READ responses: 81 addr d3 d2 d1 d0 each, for addrs[]. */
static void reads(struct link *l, const uint8_t *addrs, int k, uint32_t *val)
{
	uint8_t req[64];
	for (int i = 0; i < k; i++) {
		req[2 * i] = 0x01;
		req[2 * i + 1] = addrs[i];
	}
	size_t at = l->resp_n;
	request(l, req, 2 * (size_t)k, 6 * (size_t)k);
	for (int i = 0; i < k; i++) {
		const uint8_t *r = l->resp + at + 6 * i;
		CHECK(r[0] == 0x81 && r[1] == addrs[i], "response %02X %02X to READ 0x%02X", r[0], r[1], addrs[i]);
		val[i] = be32(r + 2);
	}
}

struct board {
	uint32_t id, version, clk, baud, link;
};

/* A session on a fresh board: quiet before SYNC, SYNC, registers,
 * keep-alives, garbage survived. */
static void session(int port, struct board *bd, int full)
{
	struct link l;
	uint8_t b[600];
	connect_to(&l, port);
	if (full) {
		group = "silent before SYNC";
		uint8_t junk[200];
		uint32_t x = 12345;
		for (size_t i = 0; i < sizeof junk; i++) {
			x = x * 1103515245 + 12345;
			junk[i] = (uint8_t)(x >> 16);
		}
		send_all(&l, junk, sizeof junk);
		next_frame(&l, b, 300);
		CHECK(l.rx_bytes == 0, "the board sent %ld bytes before any SYNC", l.rx_bytes);
		printf("ok  silent before SYNC: garbage in, nothing out for 300 ms\n");
	}
	group = "SYNC";
	sync_session(&l);
	group = "register reads";
	const uint8_t addrs[] = {0x00, 0x01, 0x03, 0x04, 0x05};
	uint32_t v[5];
	reads(&l, addrs, 5, v);
	bd->id = v[0];
	bd->version = v[1];
	bd->clk = v[2];
	bd->baud = v[3];
	bd->link = v[4];
	if (!full) {
		hang_up(&l);
		return;
	}
	printf("ok  SYNC answered; ID 0x%08X, VERSION 0x%08X, CLK_HZ %u, BAUD %u, LINK 0x%08X\n",
	       v[0], v[1], v[2], v[3], v[4]);

	group = "keep-alive";
	int chans = (int)(bd->link >> 24);
	CHECK(chans >= 1 && chans <= 5, "LINK says %d channels", chans);
	l.acks = 0;
	l.keepalive_cchan_mask = 0;
	double t0 = now_s(), until = t0 + 5;
	size_t n;
	while ((l.acks < 6 || l.keepalive_cchan_mask != (1 << chans) - 1) && (n = next_frame(&l, b, ms_left(until)))) {
		int t = take(&l, b, n);
		CHECK(t == T_ACK, "a frame of type %d from an idle board", t);
		CHECK(b[2] == 0, "a keep-alive acks %d; our DATA 0 was accepted", b[2]);
		CHECK(b[3] < chans, "a keep-alive carries the credit of channel %d of %d", b[3], chans);
	}
	CHECK(l.acks >= 6, "%d keep-alive ACKs in 5 s (one every 5 ms of board time expected)", l.acks);
	CHECK(l.keepalive_cchan_mask == (1 << chans) - 1, "keep-alives reported channels 0x%x of %d",
	      l.keepalive_cchan_mask, chans);
	printf("ok  keep-alive: an idle board sent %d ACKs in %.3f s, cycling through its %d channels\n", l.acks,
	       now_s() - t0, chans);

	group = "garbage mid-session";
	uint8_t junk[60];
	for (size_t i = 0; i < sizeof junk - 1; i++) {
		junk[i] = (uint8_t)(i * 37 + 1);
		if (!junk[i])
			junk[i] = 1;
	}
	junk[sizeof junk - 1] = 0;   /* ends the garbage as a frame */
	send_all(&l, junk, sizeof junk);
	/* A frame with a bad CRC, then a good request. */
	uint8_t bb[16], w[32];
	const uint8_t rd[] = {0x01, 0x00};
	size_t bn = body(bb, T_DATA, 0, l.my_seq, 0, 0, 0xFFFF, rd, 2);
	bb[bn - 1] ^= 0x55;
	send_all(&l, w, cobs(bb, bn, w));
	const uint8_t req[] = {0x02, 0x06, 0x00, 0x00, 0xBE, 0xEF, 0x01, 0x06, 0x01, 0x11, 0x01, 0x12};
	size_t at = l.resp_n;
	request(&l, req, sizeof req, 2 + 6 + 6 + 6);
	const uint8_t *r = l.resp + at;
	CHECK(r[0] == 0x82 && r[1] == 0x06, "WRITE SCRATCH answered %02X %02X", r[0], r[1]);
	CHECK(r[2] == 0x81 && r[3] == 0x06 && be32(r + 4) == 0xBEEF, "SCRATCH reads back %02X %02X %08X", r[2], r[3],
	      be32(r + 4));
	uint32_t bad_crc = be32(r + 10), bad_frame = be32(r + 16);
	CHECK(r[8] == 0x81 && r[9] == 0x11 && r[14] == 0x81 && r[15] == 0x12, "counter reads answered oddly");
	CHECK(bad_crc >= 1 && bad_crc + bad_frame >= 2, "RX_BAD_CRC %u, RX_BAD_FRAME %u after garbage and a bad CRC",
	      bad_crc, bad_frame);
	CHECK(l.bad == 0, "%d bad frames from the board on a clean line", l.bad);
	printf("ok  garbage mid-session: the board goes on (SCRATCH written and read), counted %u bad CRC, "
	       "%u bad frames\n", bad_crc, bad_frame);
	hang_up(&l);
}

/* ---- the checks */

static int help_clk, help_baud;

static void check_help(const char *sim)
{
	group = "--help";
	const char *argv[] = {sim, "--help", NULL};
	struct child *c = spawn(argv);
	int rc = wait_exit(c, 10000, "--help");
	CHECK(rc == 0, "--help: %s", describe(c->status));
	CHECK(strncmp(c->o, "usage: icebuf-sim", 17) == 0, "--help's stdout does not start with usage: '%.200s'", c->o);
	CHECK(c->en == 0, "--help wrote to stderr: %s", c->e);
	const char *opts[] = {"--listen", "--once", "--fast", "--cycles", "--stats", "--seed", "--ber", "--drop",
			      "--garbage", "--stall", "--power-cycle", "--trace"};
	for (size_t i = 0; i < sizeof opts / sizeof *opts; i++)
		CHECK(strstr(c->o, opts[i]), "--help does not mention %s", opts[i]);
	const char *clock = strstr(c->o, "Clock ");
	int cpb = 0;
	CHECK(clock && sscanf(clock, "Clock %d Hz, %d baud (%d clocks per bit)", &help_clk, &help_baud, &cpb) == 3,
	      "--help does not end with 'Clock N Hz, N baud (N clocks per bit)'");
	CHECK(help_baud > 0 && cpb == (help_clk + help_baud / 2) / help_baud, "--help: %d Hz / %d baud is not %d clocks",
	      help_clk, help_baud, cpb);
	release(c);
	printf("ok  --help: exit 0, usage on stdout, %d Hz, %d baud\n", help_clk, help_baud);
}

static void check_bad_options(const char *sim)
{
	group = "bad options";
	char trace[64];
	snprintf(trace, sizeof trace, "/tmp/harness_test.%d.fst", (int)getpid());
	unlink(trace);
	struct {
		const char *args[4], *says[2];
	} cases[] = {
		{{"--ber", "2"}, {"--ber", "probability"}},
		{{"--ber", "x"}, {"--ber", "'x'"}},
		{{"--drop", "-0.5"}, {"--drop", "probability"}},
		{{"--listen", "10.0.0.1:0"}, {"10.0.0.1", "loopback"}},
		{{"--listen", "127.0.0.1"}, {"--listen", "HOST:PORT"}},
		{{"--listen", "127.0.0.1:70000"}, {"--listen", "HOST:PORT"}},
		{{"--frobnicate"}, {"unknown option", "--frobnicate"}},
		{{"--cycles"}, {"--cycles", "needs a value"}},
		{{"--cycles", "ten"}, {"--cycles", "whole number"}},
		{{"--stall-max", "0"}, {"--stall-max", "milliseconds"}},
		{{"stray"}, {"unexpected argument", "stray"}},
		{{"--power-cycle", "5", "--trace", trace}, {"--power-cycle", "--trace"}},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *argv[8] = {sim};
		char shown[200] = "";
		int k = 1;
		for (int j = 0; j < 4 && cases[i].args[j]; j++) {
			argv[k++] = cases[i].args[j];
			snprintf(shown + strlen(shown), sizeof shown - strlen(shown), " %s", cases[i].args[j]);
		}
		argv[k] = NULL;
		struct child *c = spawn(argv);
		int rc = wait_exit(c, 10000, shown);
		CHECK(rc == 2, "icebuf-sim%s: %s, expected exit 2", shown, describe(c->status));
		CHECK(c->on == 0, "icebuf-sim%s wrote to stdout: '%s'", shown, c->o);
		CHECK(strncmp(c->e, "icebuf-sim: ", 12) == 0 && memchr(c->e, '\n', c->en) == c->e + c->en - 1,
		      "icebuf-sim%s: the message is not one line 'icebuf-sim: …': '%s'", shown, c->e);
		for (int j = 0; j < 2; j++)
			CHECK(strstr(c->e, cases[i].says[j]), "icebuf-sim%s: the message does not name '%s': %s", shown,
			      cases[i].says[j], c->e);
		release(c);
	}
	struct stat st;
	CHECK(stat(trace, &st) != 0, "%s was created by a run refused for its options", trace);
	printf("ok  bad options: %zu cases exit 2 with a one-line message naming the problem\n",
	       sizeof cases / sizeof *cases);
}

/* The --stats line for @clocks clocks: "icebuf-sim: N clocks (S s simulated)". */
static const char *clocks_line(long clocks)
{
	static char s[100];
	snprintf(s, sizeof s, "icebuf-sim: %ld clocks (%.3f s simulated)", clocks, (double)clocks / help_clk);
	return s;
}

static void check_cycles(const char *sim)
{
	group = "--cycles";
	const char *argv[] = {sim, "--listen", "127.0.0.1:0", "--fast", "--cycles", "1200000", "--stats", NULL};
	struct child *c;
	double t0 = now_s();
	start_sim(&c, argv);
	int rc = wait_exit(c, 30000, "--cycles 1200000 --fast");
	CHECK(rc == 0, "--cycles: %s", describe(c->status));
	CHECK(strstr(c->e, clocks_line(1200000)), "--stats does not say '%s': %s", clocks_line(1200000), c->e);
	CHECK(strstr(c->e, "connections: 0"), "--stats does not report connections: 0: %s", c->e);
	printf("ok  --cycles 1200000 --fast --stats: stopped by itself in %.2f s, stats name the clocks\n",
	       now_s() - t0);
	release(c);

	/* Paced: simulated time may not run ahead of the wall clock. (This can
	 * only fail where the model runs faster than the board.) */
	const char *argp[] = {sim, "--listen", "127.0.0.1:0", "--cycles", "3000000", "--stats", NULL};
	start_sim(&c, argp);
	t0 = now_s();
	rc = wait_exit(c, 30000, "--cycles 3000000");
	double took = now_s() - t0, board = 3e6 / help_clk;
	CHECK(rc == 0, "--cycles without --fast: %s", describe(c->status));
	CHECK(strstr(c->e, clocks_line(3000000)), "--stats does not say '%s': %s", clocks_line(3000000), c->e);
	CHECK(took > 0.9 * board - 0.001, "%.3f s of board time took %.3f s on the wall without --fast", board, took);
	printf("ok  without --fast, %.3f s of board time took %.2f s of wall time\n", board, took);
	release(c);
}

static void check_sigterm(const char *sim)
{
	group = "SIGTERM";
	const char *argv[] = {sim, "--listen", "localhost:0", "--stats", NULL};
	struct child *c;
	int port = start_sim(&c, argv);
	/* Two clients, one after the other: the second gets a session too. */
	struct link l;
	connect_to(&l, port);
	send_all(&l, (const uint8_t *)"\x01\x02\x03", 3);
	hang_up(&l);
	connect_to(&l, port);
	sync_session(&l);
	hang_up(&l);
	usleep(100000);
	CHECK(!poll_exit(c), "icebuf-sim without --once exited when a client left: %s", describe(c->status));
	double t0 = now_s();
	kill(c->pid, SIGTERM);
	int rc = wait_exit(c, 3000, "SIGTERM");
	CHECK(rc == 0, "after SIGTERM: %s", describe(c->status));
	CHECK(strstr(c->e, " clocks (") && strstr(c->e, "connections: 2"), "--stats after SIGTERM: %s", c->e);
	printf("ok  SIGTERM: exit 0 in %.2f s with stats; 2 clients served one after the other\n", now_s() - t0);
	release(c);
}

/* A board at @sim: its ID must be @id, its VERSION @version (0: any 1.x.y). */
static uint32_t check_board(const char *sim, const char *name, int full, uint32_t id, uint32_t version)
{
	group = name;
	const char *argv[] = {sim, "--listen", "127.0.0.1:0", "--once", "--fast", NULL};
	struct child *c;
	int port = start_sim(&c, argv);
	struct board bd;
	session(port, &bd, full);
	group = name;
	CHECK(bd.id == id, "%s: ID 0x%08X, expected 0x%08X", name, bd.id, id);
	if (version)
		CHECK(bd.version == version, "%s: VERSION 0x%08X, expected 0x%08X", name, bd.version, version);
	else
		CHECK(bd.version >> 16 == 2, "%s: VERSION 0x%08X, expected major version 2 (the protocol's)", name,
		      bd.version);
	if (full) {
		CHECK((int)bd.clk == help_clk && (int)bd.baud == help_baud,
		      "the gateware says %u Hz %u baud, the harness (--help) %d Hz %d baud", bd.clk, bd.baud, help_clk,
		      help_baud);
		CHECK((bd.link & 0xFFFF) >= 64 && (bd.link >> 16 & 0xFF) >= 1, "LINK 0x%08X: MTU or WINDOW 0", bd.link);
	}
	/* --once: the hang-up ends the run. */
	double t0 = now_s();
	int rc = wait_exit(c, 5000, "--once after the client left");
	CHECK(rc == 0, "--once: %s after the client left", describe(c->status));
	CHECK(!strchr(strchr(c->o, '\n') + 1, '\n'), "more than the port line on stdout: '%s'", c->o);
	printf("ok  %s: ID 0x%08X VERSION 0x%08X; --once exited 0 %.2f s after the hang-up\n", name, bd.id,
	       bd.version, now_s() - t0);
	release(c);
	return bd.version;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: harness_test SIM SIM_BADVER SIM_BADID\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	double t0 = now_s();
	self_check_codec();
	check_help(argv[1]);
	check_bad_options(argv[1]);
	uint32_t version = check_board(argv[1], "the board", 1, 0x49434542, 0);
	/* mk/sim.mk builds these with VERSION 3.0.0 and ID 0x12345678. */
	check_board(argv[2], "wrong version", 0, 0x49434542, 0x00030000);
	check_board(argv[3], "wrong ID", 0, 0x12345678, version);
	check_cycles(argv[1]);
	check_sigterm(argv[1]);
	kill_children();
	printf("harness_test: all checks passed in %.1f s\n", now_s() - t0);
	return 0;
}
