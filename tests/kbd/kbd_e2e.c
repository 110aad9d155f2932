/*
 * kbd_e2e.c — the keyboard's host side (libicebuf, `icebuf keys`, `leds`,
 * `--uinput`) against a fake board in this program that has FEATURES =
 * KEYBOARD and sends key records on channel 2 as docs/keyboard.md says.
 *   kbd_e2e decode | lossless | unsupported | leds | cli | uinput
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"
#include "fakeboard.h"
#include "icebuf.h"
#include "kbd_decode.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the records the fake keyboard sends ---------------------------------- */

#define T_BASE 2096900u                  /* 252 ms before the 21-bit clock wraps */
#define T_STEP 40u
struct rec { uint8_t prefix, brk, code; };
static const struct rec recs[] = {
	{0, 0, 0x1C}, {0, 1, 0x1C},                       /* A */
	{0, 0, 0x12}, {0, 0, 0x33}, {0, 1, 0x33}, {0, 1, 0x12}, /* Shift+H */
	{1, 0, 0x12}, {1, 0, 0x7C}, {1, 1, 0x7C}, {1, 1, 0x12}, /* Print Screen, fake shifts */
	{2, 0, 0x14}, {0, 0, 0x77}, {2, 1, 0x14}, {0, 1, 0x77}, /* Pause */
	{0, 0, 0x1C}, {0, 0, 0x1C},                       /* A held: typematic */
	{3, 0, 0}, {3, 0, 1},                             /* overflow, all keys up */
	{0, 0, 0x5F}, {0, 0, 0x00},                       /* unknown, overrun */
	{1, 0, 0x32}, {1, 1, 0x32},                       /* Volume Up */
};
#define NREC (sizeof recs / sizeof recs[0])

static void rec_bytes(size_t i, uint8_t b[4])
{
	uint32_t t = (T_BASE + T_STEP * (uint32_t)i) & 0x1FFFFF;
	uint32_t w = recs[i].code | (uint32_t)recs[i].brk << 8 | (uint32_t)recs[i].prefix << 9 | t << 11;
	b[0] = (uint8_t)w; b[1] = (uint8_t)(w >> 8); b[2] = (uint8_t)(w >> 16); b[3] = (uint8_t)(w >> 24);
}

/* What the library must make of them, in order: kind, page, usage, Linux
 * code, and the record it came from (its time). */
struct want { enum icebuf_key_kind kind; uint16_t page, usage, code; int rec; const char *text; };
static const struct want wants[] = {
	{ICEBUF_KEY_PRESS, 7, 0x04, 30, 0, "press A"}, {ICEBUF_KEY_RELEASE, 7, 0x04, 30, 1, "release A"},
	{ICEBUF_KEY_PRESS, 7, 0xE1, 42, 2, "press Left Shift"}, {ICEBUF_KEY_PRESS, 7, 0x0B, 35, 3, "press H"},
	{ICEBUF_KEY_RELEASE, 7, 0x0B, 35, 4, "release H"}, {ICEBUF_KEY_RELEASE, 7, 0xE1, 42, 5, "release Left Shift"},
	{ICEBUF_KEY_PRESS, 7, 0x46, 99, 7, "press Print Screen"},
	{ICEBUF_KEY_RELEASE, 7, 0x46, 99, 8, "release Print Screen"},
	{ICEBUF_KEY_PRESS, 7, 0x48, 119, 10, "press Pause"}, {ICEBUF_KEY_RELEASE, 7, 0x48, 119, 13, "release Pause"},
	{ICEBUF_KEY_PRESS, 7, 0x04, 30, 14, "press A"}, {ICEBUF_KEY_REPEAT, 7, 0x04, 30, 15, "repeat A"},
	{ICEBUF_KEY_OVERFLOW, 0, 0, 0, 16, "overflow"}, {ICEBUF_KEY_RELEASE, 7, 0x04, 30, 17, "release A"},
	{ICEBUF_KEY_ALL_UP, 0, 0, 0, 17, "all-up"}, {ICEBUF_KEY_UNKNOWN, 0, 0, 0, 18, "unknown 5F"},
	{ICEBUF_KEY_OVERRUN, 0, 0, 0, 19, "overrun 00"}, {ICEBUF_KEY_PRESS, 0x0C, 0xE9, 115, 20, "press Volume Up"},
	{ICEBUF_KEY_RELEASE, 0x0C, 0xE9, 115, 21, "release Volume Up"},
};
#define NWANT (sizeof wants / sizeof wants[0])

static int64_t want_ms(int rec) { return (int64_t)T_BASE + (int64_t)T_STEP * rec; }

/* ---- the fake board --------------------------------------------------------- */

struct fake_cfg {
	uint32_t features;
	unsigned per_frame;                 /* records a frame */
	int log_fd;                         /* register writes go here as "W AA VVVV" lines */
};

struct fake {
	struct fake_cfg c;
	struct fb_link l;
	uint8_t una;                        /* oldest DATA frame sent and not acknowledged */
	uint8_t seq_kbd[256];               /* frame carried channel 2 */
	uint32_t seq_end[256];              /* channel 2 bytes sent up to the end of that frame */
	uint32_t sent, released;            /* channel 2 bytes */
	long room;                          /* the host's credit for channel 2, less what is in flight */
	uint32_t leds, typematic;
};

static int fsend(struct fake *k, uint8_t type, uint8_t chan, const uint8_t *p, size_t n)
{
	if (type == IB_T_DATA) {
		k->seq_kbd[k->l.up_seq] = chan == ICEBUF_CHAN_KEYBOARD;
		k->seq_end[k->l.up_seq] = k->sent + (chan == ICEBUF_CHAN_KEYBOARD ? (uint32_t)n : 0);
	}
	return fb_send(&k->l, type, chan, 0, 1024, p, n);
}

static int kbd_reg(struct fake *k, uint8_t a, uint32_t *v)
{
	if (!(k->c.features & ICEBUF_FEAT_KEYBOARD) || a < 0x20 || a > 0x29)
		return 0;
	switch (a) {
	case ICEBUF_REG_KBD_STATUS: *v = 3 | k->leds << 8; break;
	case ICEBUF_REG_KBD_EVENTS: *v = NREC - 2; break;
	case ICEBUF_REG_KBD_OVERFLOWS: *v = 1; break;
	case ICEBUF_REG_KBD_LEDS: *v = k->leds; break;
	case ICEBUF_REG_KBD_TYPEMATIC: *v = k->typematic; break;
	case ICEBUF_REG_KBD_TIME: *v = (T_BASE + 200) & 0x1FFFFF; break;
	default: *v = 0;
	}
	return 1;
}

static int fake_reg(void *ctx, uint8_t a, uint32_t *v)
{
	struct fake *k = ctx;
	static const struct fb_ident id = { .board = 2, .clk_hz = 12000000, .baud = 12000000, .mtu = 512, .window = 8,
	                                    .channels = 4, .stream_depth = 4096 };
	if (fb_ident_reg(&id, a, v))
		return 1;
	if (a == ICEBUF_REG_FEATURES) {
		*v = k->c.features;
		return 1;
	}
	if (a < 0x18) {
		*v = 0;
		return 1;
	}
	return kbd_reg(k, a, v);
}

static uint8_t fake_write(void *ctx, uint8_t a, uint32_t v)
{
	struct fake *k = ctx;
	uint32_t dummy;
	int kb = kbd_reg(k, a, &dummy);
	if (kb && (a == ICEBUF_REG_KBD_LEDS || a == ICEBUF_REG_KBD_TYPEMATIC)) {
		if (a == ICEBUF_REG_KBD_LEDS) k->leds = v & 7;
		else k->typematic = v & 0x7F;
		if (k->c.log_fd >= 0) {
			char line[32];
			int n = snprintf(line, sizeof line, "W %02X %X\n", a, v);
			if (write(k->c.log_fd, line, (size_t)n) != n) {}
		}
		return 0x82;
	}
	return kb || a == ICEBUF_REG_SCRATCH ? (kb ? 0xE2 : 0x82) : 0xE1;
}

static void fake_control(struct fake *k, const struct ib_frame *f)
{
	const struct fb_regs regs = { fake_reg, fake_write, k };
	uint8_t resp[IB_MAX_MTU];
	size_t rl = fb_reply(&regs, f->payload, f->len, resp, sizeof resp);
	fsend(k, IB_T_DATA, ICEBUF_CHAN_CONTROL, resp, rl);
}

/* Send channel 2's records as the host's credit allows. */
static void fake_pump(struct fake *k)
{
	while (k->sent < NREC * 4 && k->room >= 4 && (uint8_t)(k->l.up_seq - k->una) < 100) {
		uint32_t n = k->c.per_frame * 4;
		if (n > NREC * 4 - k->sent) n = NREC * 4 - k->sent;
		if ((long)n > k->room) n = (uint32_t)(k->room / 4 * 4);
		uint8_t p[IB_MAX_MTU];
		for (uint32_t j = 0; j < n; j += 4)
			rec_bytes((k->sent + j) / 4, p + j);
		if (fsend(k, IB_T_DATA, ICEBUF_CHAN_KEYBOARD, p, n))
			return;
		k->sent += n;
		k->room -= n;
	}
}

static void fake_session(void *ctx, int fd)
{
	struct fake *k = ctx;
	struct ib_frame f;
	fb_link_attach(&k->l, fd);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 1) < 0 && errno != EINTR)
			return;
		if (p.revents) {
			if (fb_read(&k->l) <= 0)
				return;
			while (fb_next(&k->l, &f)) {
				if (f.type == IB_T_SYNC) {
					/* What was not acknowledged comes again. */
					k->una = 0;
					k->sent = k->released;
					k->room = 0;
					fb_sync(&k->l);
					continue;
				}
				/* The host's ack releases channel 2's bytes. */
				if ((uint8_t)(f.ack - k->una) < (uint8_t)(k->l.up_seq - k->una)) {
					for (; k->una != (uint8_t)(f.ack + 1); k->una++)
						if (k->seq_kbd[k->una])
							k->released = k->seq_end[k->una];
				}
				if (f.cchan == ICEBUF_CHAN_KEYBOARD)
					k->room = (long)f.credit - (long)(k->sent - k->released);
				if (f.type == IB_T_DATA && f.seq == k->l.expect) {
					k->l.expect++;
					if (f.chan == ICEBUF_CHAN_CONTROL)
						fake_control(k, &f);
					else
						fsend(k, IB_T_ACK, 0, NULL, 0);
				}
			}
		}
		fake_pump(k);
	}
}

static struct fakeboard board;

/* A fake board serving one client after another at board.dev. */
static void fake_start(struct fake_cfg cfg)
{
	static struct fake k;               /* the board's process has its own copy */
	memset(&k, 0, sizeof k);
	fb_link_init(&k.l);
	k.c = cfg;
	k.typematic = 0x2B;
	fb_start(&board, 0, fake_session, &k);
}

static void fake_stop(void)
{
	fb_stop(&board);
}

static icebuf *open_or_die(void)
{
	return check_open(board.dev, fake_stop);
}

/* ---- the tests ----------------------------------------------------------------- */

static void check_event(const struct icebuf_key_event *e, size_t i)
{
	const struct want *w = &wants[i];
	CHECK(e->kind == w->kind && e->page == w->page && e->usage == w->usage && e->code == w->code,
	      "event %zu (%s): got %s page 0x%X usage 0x%X code %u", i, w->text, icebuf_key_kind_name(e->kind), e->page,
	      e->usage, e->code);
	CHECK(e->ms == want_ms(w->rec), "event %zu (%s): at %lld ms, sent at %lld (across the 21-bit wrap)", i,
	      w->text, (long long)e->ms, (long long)want_ms(w->rec));
}

static void test_decode(unsigned per_frame)
{
	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, per_frame, -1 });
	icebuf *dev = open_or_die();
	struct icebuf_key_event e;
	size_t i = 0;
	int r;
	while (i < NWANT && (r = icebuf_key_read(dev, &e, 2000)) == 1)
		check_event(&e, i++);
	CHECK(i == NWANT, "%zu of %zu events came: last %d %s", i, NWANT, r, icebuf_last_error(dev));
	r = icebuf_key_read(dev, &e, 100);
	CHECK(r == 0, "an event after the last: %d", r);
	CHECK(icebuf_available(dev, ICEBUF_CHAN_KEYBOARD) == 0, "channel 2 holds %ld bytes after every event",
	      icebuf_available(dev, ICEBUF_CHAN_KEYBOARD));
	printf("decode (%u records a frame): %zu events from %zu records, in order, times across the wrap\n",
	       per_frame, i, NREC);
	icebuf_close(dev);
	fake_stop();
}

/* A record leaves the board only once its last event was returned: the
 * first handle stops between the two events of the all-up record (the
 * release of A and the marker); a second handle gets every record from that
 * one on, in raw mode as it was sent. */
#define LL_EVENTS 14                     /* up to "release A" of record 17 */
#define LL_FIRST 17
static void test_lossless(void)
{
	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 1, -1 });
	icebuf *dev = open_or_die();
	struct icebuf_key_event e;
	for (size_t i = 0; i < LL_EVENTS; i++) {
		CHECK(icebuf_key_read(dev, &e, 2000) == 1, "event %zu: %s", i, icebuf_last_error(dev));
		check_event(&e, i);
	}
	/* Let every record reach the handle: it holds them unreturned. */
	for (int i = 0; i < 20; i++)
		icebuf_poll(dev, 5);
	CHECK(icebuf_available(dev, ICEBUF_CHAN_KEYBOARD) == (NREC - LL_FIRST) * 4, "the handle holds %ld bytes",
	      icebuf_available(dev, ICEBUF_CHAN_KEYBOARD));
	icebuf_close(dev);

	dev = open_or_die();
	CHECK(icebuf_key_set_raw(dev, 1) == 0, "raw: %s", icebuf_last_error(dev));
	size_t n = 0;
	int r;
	while ((r = icebuf_key_read(dev, &e, 500)) == 1) {
		size_t ri = LL_FIRST + n++;
		if (ri >= NREC) {
			CHECK(0, "more records than sent");
			break;
		}
		enum icebuf_key_kind k = recs[ri].prefix == 3 ? (recs[ri].code ? ICEBUF_KEY_ALL_UP : ICEBUF_KEY_OVERFLOW)
		                                               : ICEBUF_KEY_RAW;
		uint8_t want[3], wl = 0;
		if (recs[ri].prefix == 1) want[wl++] = 0xE0;
		if (recs[ri].prefix == 2) want[wl++] = 0xE1;
		if (recs[ri].brk) want[wl++] = 0xF0;
		want[wl++] = recs[ri].code;
		if (recs[ri].prefix == 3) wl = 0;
		CHECK(e.kind == k && e.scan_len == wl && !memcmp(e.scan, want, wl) && e.ms == want_ms((int)ri),
		      "raw record %zu: kind %d, %u scan bytes %02X %02X, %lld ms", ri, e.kind, e.scan_len, e.scan[0],
		      e.scan[1], (long long)e.ms);
	}
	CHECK(n == NREC - LL_FIRST, "the second handle got %zu records, expected %zu from record %d on (%d %s)", n,
	      NREC - LL_FIRST, LL_FIRST, r, icebuf_last_error(dev));
	printf("lossless: %d events returned, the handle closed inside a record's events; the next handle got "
	       "the %zu records from that one on, raw\n", LL_EVENTS, n);
	icebuf_close(dev);
	fake_stop();
}

static void test_unsupported(void)
{
	fake_start((struct fake_cfg){ 0, 4, -1 });
	icebuf *dev = open_or_die();
	struct icebuf_key_event e;
	struct icebuf_kbd_status st;
	struct icebuf_stats s0, s1;
	icebuf_get_stats(dev, &s0);
	int r = icebuf_key_read(dev, &e, 100);
	CHECK(r == ICEBUF_ERR_UNSUPPORTED, "key_read on a board without the keyboard: %d", r);
	CHECK(strstr(icebuf_last_error(dev), "keyboard") && strstr(icebuf_last_error(dev), "KEYBOARD=1"),
	      "the message does not name the gateware that has it: '%s'", icebuf_last_error(dev));
	printf("unsupported: %s\n", icebuf_last_error(dev));
	CHECK(icebuf_kbd_set_leds(dev, ICEBUF_LED_CAPS, 100) == ICEBUF_ERR_UNSUPPORTED, "set_leds");
	CHECK(icebuf_kbd_set_typematic(dev, 500, 100, 100) == ICEBUF_ERR_UNSUPPORTED, "set_typematic");
	CHECK(icebuf_kbd_status(dev, &st, 100) == ICEBUF_ERR_UNSUPPORTED, "status");
	CHECK(icebuf_key_set_raw(dev, 1) == ICEBUF_ERR_UNSUPPORTED, "set_raw");
	icebuf_get_stats(dev, &s1);
	CHECK(s1.tx_frames == s0.tx_frames, "refused calls sent %llu frames",
	      (unsigned long long)(s1.tx_frames - s0.tx_frames));
	icebuf_close(dev);
	fake_stop();
	CHECK(icebuf_key_read(NULL, &e, 0) == ICEBUF_ERR_ARG, "a NULL handle");
}

static void test_leds(void)
{
	int lp[2];
	if (pipe(lp)) exit(1);
	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 4, lp[1] });
	close(lp[1]);
	icebuf *dev = open_or_die();
	struct icebuf_kbd_status st;
	CHECK(icebuf_kbd_set_leds(dev, ICEBUF_LED_CAPS | ICEBUF_LED_NUM, 1000) == 0, "set_leds: %s", icebuf_last_error(dev));
	CHECK(icebuf_kbd_set_leds(dev, 8, 1000) == ICEBUF_ERR_ARG, "LED bit 3");
	CHECK(icebuf_kbd_set_typematic(dev, 500, 92, 1000) == 0, "typematic: %s", icebuf_last_error(dev));
	CHECK(icebuf_kbd_set_typematic(dev, 250, 33, 1000) == 0, "typematic: %s", icebuf_last_error(dev));
	CHECK(icebuf_kbd_set_typematic(dev, 0, 33, 1000) == ICEBUF_ERR_ARG, "a zero delay");
	CHECK(icebuf_kbd_status(dev, &st, 1000) == 0, "status: %s", icebuf_last_error(dev));
	CHECK(st.present && st.initialised && st.leds == 6 && st.typematic == 0 && st.overflows == 1,
	      "status: present %d init %d leds %u typematic 0x%X overflows %u", st.present, st.initialised, st.leds,
	      st.typematic, st.overflows);
	int d, p;
	icebuf_kbd_typematic_ms(0x2B, &d, &p);
	CHECK(d == 500 && p == 92, "0x2B is %d ms, %d ms", d, p);
	icebuf_kbd_typematic_ms(0x7F, &d, &p);
	CHECK(d == 1000 && p == 500, "0x7F is %d ms, %d ms", d, p);
	icebuf_close(dev);
	fake_stop();
	char log[256] = "";
	ssize_t n = read(lp[0], log, sizeof log - 1);
	log[n > 0 ? n : 0] = 0;
	close(lp[0]);
	CHECK(!strcmp(log, "W 27 6\nW 28 2B\nW 28 0\n"), "register writes the board saw: '%s'", log);
	printf("leds: writes seen by the board: %s", log);
}

static const char *cli_exe(void)
{
	const char *s = getenv("ICEBUF_CLI");
	return s && *s ? s : "build/bin/icebuf";
}

/* Run the tool with @args, stdout into @out; its exit status. */
static int run_cli(const char *const *args, char *out, size_t outlen, const char *preload)
{
	int p[2];
	if (pipe(p)) exit(1);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[16];
		int n = 0;
		argv[n++] = (char *)cli_exe();
		argv[n++] = "--device";
		argv[n++] = board.dev;
		for (; *args && n < 15; args++)
			argv[n++] = (char *)*args;
		argv[n] = NULL;
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (preload)
			setenv("LD_PRELOAD", preload, 1);
		execv(cli_exe(), argv);
		_exit(127);
	}
	close(p[1]);
	size_t got = 0;
	ssize_t n;
	while (got < outlen - 1 && (n = read(p[0], out + got, outlen - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = 0;
	close(p[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void test_cli(void)
{
	static char out[16384];
	char want[8192] = "", count[16];
	for (size_t i = 0; i < NWANT; i++) {
		int64_t ms = want_ms(wants[i].rec);
		snprintf(want + strlen(want), sizeof want - strlen(want), "%lld.%03lld %s\n", (long long)(ms / 1000),
		         (long long)(ms % 1000), wants[i].text);
	}
	snprintf(count, sizeof count, "%zu", NWANT);
	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 4, -1 });
	const char *a1[] = { "keys", "--count", count, NULL };
	int rc = run_cli(a1, out, sizeof out, NULL);
	CHECK(rc == 0 && !strcmp(out, want), "icebuf keys exited %d and printed\n%s\nexpected\n%s", rc, out, want);
	fake_stop();

	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 4, -1 });
	const char *a2[] = { "keys", "--json", "--count", count, NULL };
	rc = run_cli(a2, out, sizeof out, NULL);
	char *line = out;
	size_t nl = 0;
	for (char *e; (e = strchr(line, '\n')); line = e + 1, nl++) {
		*e = 0;
		if (nl >= NWANT) break;
		char ms[64], ev[64];
		snprintf(ms, sizeof ms, "{\"ms\":%lld,", (long long)want_ms(wants[nl].rec));
		snprintf(ev, sizeof ev, "\"event\":\"%s\"", icebuf_key_kind_name(wants[nl].kind));
		CHECK(!strncmp(line, ms, strlen(ms)) && strstr(line, ev) && line[strlen(line) - 1] == '}',
		      "json line %zu: %s", nl, line);
		if (wants[nl].code) {
			char c[32];
			snprintf(c, sizeof c, "\"code\":%u", wants[nl].code);
			CHECK(strstr(line, c), "json line %zu has no %s: %s", nl, c, line);
		}
	}
	CHECK(rc == 0 && nl == NWANT, "icebuf keys --json: exit %d, %zu lines", rc, nl);
	printf("cli: keys and keys --json: %zu events each, as expected\n", nl);
	fake_stop();

	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 4, -1 });
	const char *a3[] = { "keys", "--raw", "--count", "8", NULL };
	rc = run_cli(a3, out, sizeof out, NULL);
	CHECK(rc == 0 && strstr(out, "2097.140 raw E0 12\n") && strstr(out, "2097.180 raw E0 7C (Print Screen)\n") &&
	      strstr(out, "2096.900 raw 1C (A)\n"), "icebuf keys --raw: %d\n%s", rc, out);
	const char *a4[] = { "info", NULL };
	rc = run_cli(a4, out, sizeof out, NULL);
	CHECK(rc == 0 && strstr(out, "keyboard        present, initialised, LEDs off, typematic 0x2B (500 ms, every 92 ms)")
	      && strstr(out, "KBD_OVERFLOWS    1"), "icebuf info: %d\n%s", rc, out);
	const char *a5[] = { "leds", "caps", "scroll", NULL };
	rc = run_cli(a5, out, sizeof out, NULL);
	CHECK(rc == 0 && !strcmp(out, "leds: caps scroll\n"), "icebuf leds caps scroll: %d '%s'", rc, out);
	const char *a6[] = { "leds", NULL };
	rc = run_cli(a6, out, sizeof out, NULL);
	CHECK(rc == 0 && !strcmp(out, "leds: caps scroll\n"), "icebuf leds: %d '%s'", rc, out);
	const char *a7[] = { "leds", "bright", NULL };
	rc = run_cli(a7, out, sizeof out, NULL);
	CHECK(rc == 2, "icebuf leds bright: %d", rc);
	fake_stop();

	fake_start((struct fake_cfg){ 0, 4, -1 });
	rc = run_cli(a1, out, sizeof out, NULL);
	CHECK(rc == 1 && !out[0], "keys on a board without the keyboard: %d", rc);
	rc = run_cli(a4, out, sizeof out, NULL);
	CHECK(rc == 0 && !strstr(out, "keyboard "), "info without the keyboard: %d\n%s", rc, out);
	fake_stop();
	printf("cli: raw, info, leds, and a board without the keyboard\n");
}

/* ---- uinput, against the shim (tests/kbd/uinput_shim.c) --------------------- */

struct shim_ioctl {
	char magic[4];
	uint32_t req;
	uint64_t arg;
	struct uinput_setup setup;
};

static void test_uinput(const char *shim)
{
	static char out[4096];
	/* No /dev/uinput, and one not writable: the message says what to do. */
	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 4, -1 });
	for (int i = 0; i < 2; i++) {
		setenv("UINPUT_SHIM_ERRNO", i ? "EACCES" : "ENOENT", 1);
		int ep[2];
		if (pipe(ep)) exit(1);
		int save = dup(2);
		dup2(ep[1], 2);
		close(ep[1]);
		const char *a[] = { "keys", "--uinput", NULL };
		int rc = run_cli(a, out, sizeof out, shim);
		dup2(save, 2);
		close(save);
		char err[2048] = "";
		ssize_t n = read(ep[0], err, sizeof err - 1);
		err[n > 0 ? n : 0] = 0;
		close(ep[0]);
		CHECK(rc == 1, "keys --uinput without a usable /dev/uinput: exit %d", rc);
		if (i == 0)
			CHECK(strstr(err, "sudo modprobe uinput"), "no modprobe in: %s", err);
		else
			CHECK(strstr(err, "KERNEL==\"uinput\", SUBSYSTEM==\"misc\", MODE=\"0660\", GROUP=\"input\"") &&
			      strstr(err, "/etc/udev/rules.d/"), "no udev rule in: %s", err);
		printf("uinput %s: %s", i ? "EACCES" : "ENOENT", err);
	}
	unsetenv("UINPUT_SHIM_ERRNO");
	fake_stop();

	int lp[2];
	if (pipe(lp)) exit(1);
	fcntl(lp[0], F_SETFL, O_NONBLOCK);
	fake_start((struct fake_cfg){ ICEBUF_FEAT_KEYBOARD, 4, lp[1] });
	close(lp[1]);
	char path[108];
	snprintf(path, sizeof path, "/tmp/kbd-uinput-%d", (int)getpid());
	unlink(path);
	int l = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1)) {
		perror("uinput socket");
		exit(1);
	}
	setenv("UINPUT_SHIM_SOCK", path, 1);
	pid_t pid = fork();
	if (pid == 0) {
		setenv("LD_PRELOAD", shim, 1);
		int nul = open("/dev/null", O_WRONLY);
		dup2(nul, 1);
		execl(cli_exe(), cli_exe(), "-q", "--device", board.dev, "keys", "--uinput", (char *)NULL);
		_exit(127);
	}
	struct pollfd pa = { l, POLLIN, 0 };
	int c = poll(&pa, 1, 10000) == 1 ? accept(l, NULL, NULL) : -1;
	CHECK(c >= 0, "the tool did not open the emulated /dev/uinput");
	uint8_t evbits[EV_CNT] = { 0 }, keybits[KEY_CNT] = { 0 }, ledbits[LED_CNT] = { 0 }, msc_scan = 0;
	int created = 0, setup = 0, led_sent = 0, rep_delay = 0, rep_period = 0;
	struct uinput_setup us;
	memset(&us, 0, sizeof us);
	struct input_event got[256];
	size_t ngot = 0;
	/* The key events the device must get: presses and releases, no
	 * typematic repeat (the kernel repeats, EV_REP), nothing for markers. */
	size_t nkeys = 0;
	for (size_t i = 0; i < NWANT; i++)
		nkeys += wants[i].kind == ICEBUF_KEY_PRESS || wants[i].kind == ICEBUF_KEY_RELEASE;
	char log[256] = "";
	size_t loglen = 0;
	double t0 = (double)time(NULL);
	while (c >= 0 && (double)time(NULL) - t0 < 15) {
		struct pollfd p = { c, POLLIN, 0 };
		if (poll(&p, 1, 20) == 1) {
			union { struct shim_ioctl io; struct input_event ev; uint8_t b[256]; } m;
			ssize_t n = recv(c, &m, sizeof m, 0);
			if (n <= 0)
				break;
			if (n == (ssize_t)sizeof(struct shim_ioctl) && !memcmp(m.io.magic, "IOCT", 4)) {
				unsigned long req = m.io.req, arg = (unsigned long)m.io.arg;
				if (req == UI_SET_EVBIT && arg < EV_CNT) evbits[arg] = 1;
				else if (req == UI_SET_KEYBIT && arg < KEY_CNT) keybits[arg] = 1;
				else if (req == UI_SET_LEDBIT && arg < LED_CNT) ledbits[arg] = 1;
				else if (req == UI_SET_MSCBIT && arg == MSC_SCAN) msc_scan = 1;
				else if (req == UI_DEV_SETUP) { setup = 1; us = m.io.setup; }
				else if (req == UI_DEV_CREATE) created = 1;
			} else if (n == (ssize_t)sizeof(struct input_event)) {
				CHECK(created, "an event written before UI_DEV_CREATE");
				if (m.ev.type == EV_REP && m.ev.code == REP_DELAY) rep_delay = m.ev.value;
				else if (m.ev.type == EV_REP && m.ev.code == REP_PERIOD) rep_period = m.ev.value;
				else if (ngot < 256) got[ngot++] = m.ev;
			}
		}
		if (created && !led_sent) {
			/* The OS: Caps Lock was pressed on some keyboard. */
			struct input_event le[2];
			memset(le, 0, sizeof le);
			le[0].type = EV_LED; le[0].code = LED_CAPSL; le[0].value = 1;
			le[1].type = EV_SYN; le[1].code = SYN_REPORT;
			CHECK(send(c, le, sizeof le, 0) == (ssize_t)sizeof le, "sending EV_LED");
			/* ... and the desktop asked for a faster repeat (xset r rate 250 30). */
			memset(le, 0, sizeof le);
			le[0].type = EV_REP; le[0].code = REP_DELAY; le[0].value = 250;
			le[1].type = EV_REP; le[1].code = REP_PERIOD; le[1].value = 33;
			CHECK(send(c, le, sizeof le, 0) == (ssize_t)sizeof le, "sending EV_REP");
			led_sent = 1;
		}
		ssize_t n = read(lp[0], log + loglen, sizeof log - 1 - loglen);
		if (n > 0) loglen += (size_t)n;
		log[loglen] = 0;
		if (ngot >= 3 * nkeys && strstr(log, "W 27 4\n") && strstr(log, "W 28 0\n"))
			break;
	}
	kill(pid, SIGTERM);
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 128 + SIGTERM, "keys --uinput ended with status 0x%x", st);
	CHECK(setup && created && !strcmp(us.name, "icebuf PS/2 keyboard"), "setup %d create %d name '%s'", setup,
	      created, us.name);
	CHECK(evbits[EV_KEY] && evbits[EV_MSC] && evbits[EV_LED] && evbits[EV_REP] && evbits[EV_SYN] && msc_scan,
	      "event types: KEY %d MSC %d LED %d REP %d SYN %d MSC_SCAN %d", evbits[EV_KEY], evbits[EV_MSC],
	      evbits[EV_LED], evbits[EV_REP], evbits[EV_SYN], msc_scan);
	CHECK(ledbits[LED_NUML] && ledbits[LED_CAPSL] && ledbits[LED_SCROLLL], "LED bits");
	/* Key bits: exactly the table's Linux codes. */
	size_t nbits = 0, ntable = 0;
	uint8_t table[KEY_CNT] = { 0 };
	uint16_t code;
	for (unsigned i = 0; icebuf_key_at(i, NULL, NULL, &code); i++)
		table[code] = 1;
	for (size_t i = 0; i < KEY_CNT; i++) {
		nbits += keybits[i];
		ntable += table[i];
		CHECK(keybits[i] == table[i], "key bit %zu: %d, table %d", i, keybits[i], table[i]);
	}
	CHECK(keybits[KEY_A] && keybits[KEY_LEFTSHIFT] && keybits[KEY_SYSRQ] && keybits[KEY_PAUSE] &&
	      keybits[KEY_VOLUMEUP] && !keybits[KEY_F13], "the keys sent are not all set");
	CHECK(rep_delay == 500 && rep_period == 92, "EV_REP from the board's typematic 0x2B: %d, %d", rep_delay,
	      rep_period);
	/* The events: MSC_SCAN, EV_KEY, SYN_REPORT for each press and release. */
	size_t k = 0;
	for (size_t i = 0; i < NWANT; i++) {
		const struct want *w = &wants[i];
		if (w->kind != ICEBUF_KEY_PRESS && w->kind != ICEBUF_KEY_RELEASE)
			continue;
		if (k + 3 > ngot) {
			CHECK(0, "only %zu events written, %s missing", ngot, w->text);
			break;
		}
		CHECK(got[k].type == EV_MSC && got[k].code == MSC_SCAN && got[k].value == (int)((unsigned)w->page << 16 | w->usage),
		      "event %zu (%s): MSC %u/%u/0x%X", k, w->text, got[k].type, got[k].code, got[k].value);
		CHECK(got[k + 1].type == EV_KEY && got[k + 1].code == w->code && got[k + 1].value == (w->kind == ICEBUF_KEY_PRESS),
		      "event %zu (%s): KEY %u/%u/%d", k + 1, w->text, got[k + 1].type, got[k + 1].code, got[k + 1].value);
		CHECK(got[k + 2].type == EV_SYN && got[k + 2].code == SYN_REPORT, "event %zu: SYN", k + 2);
		k += 3;
	}
	CHECK(ngot == 3 * nkeys, "%zu events written, expected %zu", ngot, 3 * nkeys);
	CHECK(strstr(log, "W 27 4\n"), "the OS's Caps Lock LED did not reach KBD_LEDS: board saw '%s'", log);
	CHECK(strstr(log, "W 28 0\n"), "the OS's repeat rate 250/33 did not reach KBD_TYPEMATIC as 0x00: '%s'", log);
	printf("uinput: %zu key bits (the table's %zu codes), %zu events for %zu presses and releases, "
	       "EV_REP %d/%d; the OS's Caps Lock LED and repeat 250/33 ms -> the board's writes: %s", nbits, ntable,
	       ngot, nkeys, rep_delay, rep_period, log);
	if (c >= 0) close(c);
	close(l);
	unlink(path);
	close(lp[0]);
	fake_stop();
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	const char *t = argc > 1 ? argv[1] : "";
	if (!strcmp(t, "decode")) { test_decode(4); test_decode(1); test_decode(64); }
	else if (!strcmp(t, "lossless")) test_lossless();
	else if (!strcmp(t, "unsupported")) test_unsupported();
	else if (!strcmp(t, "leds")) test_leds();
	else if (!strcmp(t, "cli")) test_cli();
	else if (!strcmp(t, "uinput") && argc > 2) test_uinput(argv[2]);
	else { fprintf(stderr, "usage: kbd_e2e decode|lossless|unsupported|leds|cli|uinput SHIM.so\n"); return 2; }
	printf("kbd_e2e %s: %s\n", t, check_failures ? "FAILED" : "ok");
	return check_failures ? 1 : 0;
}
