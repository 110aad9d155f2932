/*
 * icebuf — command-line tool for icebuf boards (real or virtual).
 * SPDX-License-Identifier: MIT
 */
#include "icebuf.h"
#include "keys.h"
#include "play.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2

struct global {
	const char *device;
	unsigned baud;
	int timeout_ms;
	int quiet;
};

/* Standard streams the program was started without. Each is then opened
 * on /dev/null, so that no descriptor opened later (the board's) lands on
 * 0, 1 or 2 and a `-` reads or writes the board. */
static int std_closed[3];

static void reserve_std(void)
{
	for (int fd = 0; fd < 3; fd++)
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			std_closed[fd] = 1;
			int n = open("/dev/null", O_RDWR);
			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
}

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: icebuf [options] COMMAND [args]\n"
	    "Talk to an icebuf board: an iCE40 hardware buffer, real or virtual.\n"
	    "\n"
	    "options:\n"
	    "  -d, --device DEV   the board [$ICEBUF_DEVICE; no default]:\n"
	    "                     sim                 spawn the virtual board\n"
	    "                     sim://HOST:PORT     a running icebuf-sim\n"
	    "                     tty:/dev/ttyUSB1    through the kernel's ftdi_sio\n"
	    "                     ftdi://[SERIAL]     through libftdi1 (FT2232H interface B)\n"
	    "  -b, --baud N       UART rate [tty:, ftdi://: 3000000 (iCEstick), then 12000000\n"
	    "                     (iCEBreaker), whichever answers]\n"
	    "  -t, --timeout MS   time-out of every wait [2000]\n"
	    "  -q, --quiet        no progress output\n"
	    "  -h, --help         this text (COMMAND --help for a command's)\n"
	    "  -V, --version      the tool's version\n"
	    "\n"
	    "commands:\n"
	    "  info                    what the board is, its counters and the link's\n"
	    "  loopback --bytes N      random data through the stream buffer and back, verified\n"
	    "  sink --bytes N          host to board only: the board checks count and CRC\n"
	    "  source --bytes N        board to host only: a pattern the host verifies\n"
	    "  duplex --bytes N        sink and source at once\n"
	    "  send FILE               stream FILE (or - for stdin) into the stream buffer\n"
	    "  recv FILE               read the stream buffer into FILE (or - for stdout)\n"
	    "  drain                   discard what the stream buffer holds\n"
	    "  copy IN OUT             IN through the stream buffer into OUT, any size\n"
	    "  reg read REG            read a register (name or number)\n"
	    "  reg write REG VALUE     write a register\n"
	    "  keys [--json|--raw|--uinput]  the keyboard's events live (or as a Linux keyboard)\n"
	    "  leds [caps] [num] [scroll]    set (or show) the keyboard's LEDs\n"
	    "  play FILE|-             play a video on the board (VIDEO gateware; play --help)\n");
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("icebuf: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see icebuf --help)\n", stderr);
	return EXIT_USAGE;
}

/* The open board's clock (icebuf_time_ms: its simulated time on a virtual
 * board), else the wall clock: the CLI's time-outs and rates run on it. */
static icebuf *clock_dev;

static double now_s(void)
{
	if (clock_dev)
		return icebuf_time_ms(clock_dev, NULL) / 1000;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Which clock now_s() is: said beside every rate. */
static const char *clock_name(void)
{
	int board = 0;
	if (clock_dev)
		icebuf_time_ms(clock_dev, &board);
	return board ? "board time" : "wall time";
}

/* A count with an optional SI (k, M, G: powers of 1000) or binary (Ki, Mi,
 * Gi: powers of 1024) suffix. */
static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	errno = 0;
	/* strtoull() skips blanks and takes a sign: " -1" would wrap. */
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	unsigned long long m = 1;
	if (!strcmp(end, "k") || !strcmp(end, "K")) m = 1000ULL;
	else if (!strcmp(end, "M")) m = 1000000ULL;
	else if (!strcmp(end, "G")) m = 1000000000ULL;
	else if (!strcmp(end, "Ki")) m = 1024ULL;
	else if (!strcmp(end, "Mi")) m = 1024ULL * 1024;
	else if (!strcmp(end, "Gi")) m = 1024ULL * 1024 * 1024;
	else if (*end) return -1;
	if (v > ~0ULL / m)
		return -1;
	*out = v * m;
	return 0;
}

static int parse_u32(const char *s, uint32_t *out)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || v > 0xFFFFFFFFULL)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* regnames[]: generated from regs/icebuf.tab. */
#include "regnames.h"
#define NREGS (sizeof regnames / sizeof regnames[0])

static int parse_reg(const char *s, uint8_t *addr)
{
	for (size_t i = 0; i < NREGS; i++)
		if (!strcasecmp(s, regnames[i].name)) {
			*addr = regnames[i].addr;
			return 0;
		}
	uint32_t v;
	if (parse_u32(s, &v) || v > 0xFF)
		return -1;
	*addr = (uint8_t)v;
	return 0;
}

static int open_dev(const struct global *g, icebuf **dev)
{
	struct icebuf_options o = { .baud = g->baud, .timeout_ms = g->timeout_ms };
	int r = icebuf_open(dev, g->device, &o);
	if (r) {
		/* A malformed device string is a bad command line (exit 2), and
		 * its message names it already. */
		const char *e = icebuf_open_error();
		if (r == ICEBUF_ERR_ARG && !strncmp(e, "bad device", 10)) {
			fprintf(stderr, "icebuf: %s\n", e);
			return EXIT_USAGE;
		}
		fprintf(stderr, "icebuf: %s: %s\n", g->device, e);
		return 1;
	}
	clock_dev = *dev;
	return 0;
}

static int runtime_error(icebuf *dev, const char *what, long code)
{
	fprintf(stderr, "icebuf: %s: %s (%s)\n", what, icebuf_last_error(dev), icebuf_strerror((int)code));
	icebuf_close(dev);
	return 1;
}

/* SIGINT/SIGTERM: a command that moves data stops, takes back what it put
 * on the board, and leaves the board as it found it. */
static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

static void catch_stop(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* Read and discard the stream buffer until the board says it is empty.
 * Returns the bytes discarded, or a negative error (detail on @dev). */
static long long drain_stream(const struct global *g, icebuf *dev)
{
	uint8_t buf[4096];
	long long n = 0;
	double last = now_s();
	for (;;) {
		long r = icebuf_read(dev, ICEBUF_CHAN_STREAM, buf, sizeof buf, 20);
		if (r < 0)
			return r;
		if (r > 0) {
			n += r;
			last = now_s();
			continue;
		}
		uint32_t level;
		int e = icebuf_reg_read(dev, ICEBUF_REG_STREAM_LEVEL, &level, -1);
		if (e)
			return e;
		if (level == 0 && icebuf_available(dev, ICEBUF_CHAN_STREAM) == 0)
			return n;
		if (now_s() - last > g->timeout_ms / 1000.0)
			return ICEBUF_ERR_TIMEOUT;
	}
}

/* A command that needs the stream buffer empty checks it first: with
 * @drain it empties it, else it says what is there and what to do. */
static int need_empty_stream(const struct global *g, icebuf *dev, const char *cmd, int drain)
{
	uint32_t level;
	int r = icebuf_reg_read(dev, ICEBUF_REG_STREAM_LEVEL, &level, -1);
	if (r)
		return runtime_error(dev, cmd, r);
	if (level == 0)
		return 0;
	if (!drain) {
		fprintf(stderr, "icebuf: %s: the board's stream buffer already holds %u bytes (left by an earlier "
		        "program): read them with `icebuf recv FILE`, or discard them with `icebuf drain` "
		        "(or `icebuf %s --drain ...`)\n", cmd, level, cmd);
		icebuf_close(dev);
		return 1;
	}
	long long n = drain_stream(g, dev);
	if (n < 0)
		return runtime_error(dev, "draining the stream buffer", n);
	if (!g->quiet)
		fprintf(stderr, "%s: discarded %lld bytes left in the stream buffer\n", cmd, n);
	return 0;
}

/* Commands take getopt options of their own; `--help` on each. */
static int sub_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(text, stdout);
			return 1;
		}
	return 0;
}

static int cmd_drain(const struct global *g, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf drain\n"
	    "Read and discard everything in the board's stream buffer (what an earlier\n"
	    "send, or an interrupted program, left there), and say how many bytes.\n";
	if (sub_help(argc, argv, help))
		return 0;
	if (argc != 1)
		return usage_error("drain takes no arguments");
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od)
		return od;
	long long n = drain_stream(g, dev);
	if (n < 0)
		return runtime_error(dev, "drain", n);
	icebuf_close(dev);
	printf("drain: %lld bytes discarded\n", n);
	return 0;
}

static int cmd_info(const struct global *g, int argc, char **argv)
{
	if (sub_help(argc, argv, "usage: icebuf info\nShow what the board is, its registers and counters, "
	                         "and the host's link counters.\n"))
		return 0;
	if (argc > 1)
		return usage_error("info takes no arguments, got '%s'", argv[1]);
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od)
		return od;
	struct icebuf_info in;
	icebuf_info(dev, &in);
	printf("device          %s\n", g->device);
	printf("id              0x%08X (\"%c%c%c%c\")\n", in.id, in.id >> 24, (in.id >> 16) & 0xFF,
	       (in.id >> 8) & 0xFF, in.id & 0xFF);
	printf("version         %u.%u.%u\n", in.version >> 16, (in.version >> 8) & 0xFF, in.version & 0xFF);
	printf("board           %s\n", icebuf_board_name(in.board));
	printf("clock           %u Hz\n", in.clk_hz);
	printf("baud            %u\n", in.baud);
	printf("link            %u channels, %u-byte frames, window %u\n", in.channels, in.mtu, in.window);
	printf("stream depth    %u bytes\n", in.stream_depth);
	uint32_t feat = icebuf_features(dev);
	printf("peripherals    ");
	for (uint32_t b = 1; b; b <<= 1)
		if (feat & b)
			printf(" %s", icebuf_feature_name(b) ? icebuf_feature_name(b) : "(unknown)");
	printf("%s\n", feat ? "" : " none");
	cli_kbd_info(dev);
	static const uint8_t shown[] = {
		ICEBUF_REG_STREAM_LEVEL, ICEBUF_REG_STREAM_OVERFLOW, ICEBUF_REG_STREAM_UNDERFLOW,
		ICEBUF_REG_RX_FRAMES, ICEBUF_REG_RX_BAD_CRC, ICEBUF_REG_RX_BAD_FRAME, ICEBUF_REG_RX_SEQ_ERR,
		ICEBUF_REG_TX_FRAMES, ICEBUF_REG_TX_RETRANSMIT, ICEBUF_REG_UART_FRAME_ERR, ICEBUF_REG_UART_OVERRUN,
	};
	printf("board counters:\n");
	for (size_t i = 0; i < sizeof shown; i++) {
		uint32_t v;
		int r = icebuf_reg_read(dev, shown[i], &v, -1);
		if (r)
			return runtime_error(dev, "reading the board's counters", r);
		const char *name = "?";
		for (size_t k = 0; k < NREGS; k++)
			if (regnames[k].addr == shown[i])
				name = regnames[k].name;
		printf("  %-16s %u\n", name, v);
	}
	struct icebuf_stats s;
	icebuf_get_stats(dev, &s);
	printf("host counters:\n");
	const struct { const char *name; uint64_t v; } hc[] = {
		{ "tx_frames", s.tx_frames }, { "rx_frames", s.rx_frames }, { "retransmits", s.retransmits },
		{ "rx_bad_crc", s.rx_bad_crc }, { "rx_bad_frame", s.rx_bad_frame }, { "rx_seq_err", s.rx_seq_err },
		{ "rx_refused", s.rx_refused }, { "wire_bytes", s.tx_bytes + s.rx_bytes },
	};
	for (size_t i = 0; i < sizeof hc / sizeof hc[0]; i++)
		printf("  %-16s %llu\n", hc[i].name, (unsigned long long)hc[i].v);
	icebuf_close(dev);
	return 0;
}

/* xorshift64: the loopback's data, reproducible from --seed. */
static uint8_t next_byte(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return (uint8_t)(*s >> 32);
}

/* The options of loopback, sink, source and duplex: --bytes N (1 to @max, or
 * any positive count with @max 0), --seed S (if @seed_ok) and --pattern
 * random|zeros (|ones if @ones_ok; *fill -1 for random, else the byte).
 * Returns -1 to go on, else the exit status after a message. */
static int stream_args(const char *cmd, int argc, char **argv, unsigned long long max, int seed_ok, int ones_ok,
                       unsigned long long *total, unsigned long long *seed, int *fill, int *drain)
{
	int have_bytes = 0;
	static const struct option lo[] = { { "bytes", required_argument, 0, 'n' },
	                                    { "drain", no_argument, 0, 'D' },
	                                    { "seed", required_argument, 0, 's' },
	                                    { "pattern", required_argument, 0, 'p' }, { 0, 0, 0, 0 } };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'n') {
			if (parse_size(optarg, total) || *total == 0 || (max && *total > max))
				return max ? usage_error("%s: --bytes wants a count from 1 to %llu, not '%s'", cmd, max, optarg)
				           : usage_error("%s: --bytes wants a positive count like 1000000 or 1M, not '%s'",
				                         cmd, optarg);
			have_bytes = 1;
		} else if (c == 'D') {
			*drain = 1;
		} else if (c == 's') {
			if (!seed_ok)
				return usage_error("%s: takes no --seed: the board makes its data from a fixed seed", cmd);
			if (parse_size(optarg, seed))
				return usage_error("%s: --seed wants a number, not '%s'", cmd, optarg);
		} else if (c == 'p') {
			if (!strcmp(optarg, "random")) *fill = -1;
			else if (!strcmp(optarg, "zeros")) *fill = 0x00;
			else if (!strcmp(optarg, "ones") && ones_ok) *fill = 0xFF;
			else return usage_error("%s: --pattern is %s, not '%s'", cmd,
			                        ones_ok ? "random, zeros or ones" : "random or zeros", optarg);
		} else {
			return usage_error("%s: unknown or incomplete option '%s'", cmd, argv[optind - 1]);
		}
	}
	if (!have_bytes)
		return usage_error("%s: say how much with --bytes N", cmd);
	if (optind < argc)
		return usage_error("%s: unexpected argument '%s'", cmd, argv[optind]);
	return -1;
}

static int cmd_loopback(const struct global *g, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf loopback --bytes N [--seed S] [--pattern random|zeros|ones] [--drain]\n"
	    "Write N random bytes (seeded: the same S gives the same data; or all 0x00, the\n"
	    "framing's delimiter, or all 0xFF, with --pattern) into the board's\n"
	    "stream buffer while reading them back, and verify every byte. N takes k, M, G\n"
	    "(powers of 1000) or Ki, Mi, Gi (powers of 1024). Progress goes to stderr; the\n"
	    "last line on stdout gives bytes, seconds, payload bytes/s and the error count.\n"
	    "Exits 0 only if every byte came back intact. The stream buffer must be empty\n"
	    "(--drain: discard what it holds first). Interrupted (SIGINT, SIGTERM), it takes\n"
	    "back what it sent, so the buffer is left empty, and exits 128 + the signal.\n";
	if (sub_help(argc, argv, help))
		return 0;
	unsigned long long total = 0, seed = 1;
	int fill = -1;                           /* -1: random, else every byte this value */
	int drain = 0;
	int a = stream_args("loopback", argc, argv, 0, 1, 1, &total, &seed, &fill, &drain);
	if (a >= 0)
		return a;
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od)
		return od;
	/* Only its own bytes may come back: anything already in the buffer
	 * would be counted as corruption. */
	if ((a = need_empty_stream(g, dev, "loopback", drain)))
		return a;
	catch_stop();
	uint64_t ws = seed * 0x9E3779B97F4A7C15ULL | 1, rs = ws;
	unsigned long long sent = 0, got = 0, errors = 0;
	uint8_t out[4096], in[4096];
	size_t pending = 0, pend_off = 0;
	double t0 = now_s(), last_progress = t0, last_data = t0;
	int tty = isatty(2);
	while (got < total) {
		if (stop_sig) {
			/* Interrupted: send nothing more, take back what was sent. */
			pending = 0;
			total = sent;
			if (got >= total)
				break;
		}
		if (pending == 0 && sent < total) {
			pending = sizeof out < total - sent ? sizeof out : (size_t)(total - sent);
			for (size_t i = 0; i < pending; i++)
				out[i] = fill < 0 ? next_byte(&ws) : (uint8_t)fill;
			pend_off = 0;
		}
		/* A write that took nothing (no credit, window full) must not
		 * turn the loop into a spin: the read then waits on the link. */
		long w = 0;
		if (pending) {
			w = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + pend_off, pending, 0);
			if (w < 0)
				return runtime_error(dev, "loopback write", w);
			pend_off += (size_t)w;
			pending -= (size_t)w;
			sent += (unsigned long long)w;
		}
		size_t ask = sizeof in < sent - got ? sizeof in : (size_t)(sent - got);
		long n = ask ? icebuf_read(dev, ICEBUF_CHAN_STREAM, in, ask, pending && w > 0 ? 0 : 5)
		             : icebuf_poll(dev, 1);
		if (n < 0)
			return runtime_error(dev, "loopback read", n);
		for (long i = 0; i < n; i++)
			if (in[i] != (fill < 0 ? next_byte(&rs) : (uint8_t)fill))
				errors++;
		got += (unsigned long long)n;
		double t = now_s();
		if (n > 0)
			last_data = t;
		else if (t - last_data > 3 * g->timeout_ms / 1000.0) {
			/* The link itself reports a board that stops acknowledging;
			 * this catches one that acknowledges but sends nothing back. */
			fprintf(stderr, "\nicebuf: loopback: no data came back for %d ms after %llu of %llu bytes\n",
			        3 * g->timeout_ms, got, total);
			icebuf_close(dev);
			return 1;
		}
		if (!g->quiet && (t - last_progress > (tty ? 0.2 : 2.0) || got == total)) {
			fprintf(stderr, "%sloopback: %llu/%llu bytes, %.0f B/s (%s), %llu errors%s", tty ? "\r" : "",
			        got, total, got / (t - t0), clock_name(), errors, tty ? "" : "\n");
			last_progress = t;
		}
	}
	double dt = now_s() - t0;
	if (!g->quiet && tty)
		fputc('\n', stderr);
	struct icebuf_stats s;
	icebuf_get_stats(dev, &s);
	const char *clk = clock_name();
	icebuf_close(dev);
	if (stop_sig) {
		fprintf(stderr, "icebuf: loopback: interrupted after %llu bytes, all back (%llu errors); "
		        "the stream buffer is as it was\n", got, errors);
		return 128 + stop_sig;
	}
	printf("loopback: %llu bytes in %.2f s, %.0f B/s, %llu errors, %llu retransmissions (%s)\n", total, dt,
	       total / dt, errors, (unsigned long long)s.retransmits, clk);
	return errors ? 1 : 0;
}

/* The board's source pattern (rtl/traffic.v): a 16-bit Galois LFSR, taps
 * 0xB400, from 0xACE1, stepped eight times per byte. */
static uint8_t lfsr_byte(uint16_t *s)
{
	for (int i = 0; i < 8; i++)
		*s = (uint16_t)((*s >> 1) ^ ((*s & 1) ? 0xB400u : 0u));
	return (uint8_t)*s;
}

/* CRC-16/CCITT-FALSE, as the board's sink computes it. */
static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
	crc ^= (uint16_t)(b << 8);
	for (int i = 0; i < 8; i++)
		crc = (uint16_t)((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
	return crc;
}

/* Back to loopback once the stream buffer has drained (the board refuses a
 * mode change before). */
static int traffic_restore(const struct global *g, icebuf *dev)
{
	double t_end = now_s() + g->timeout_ms / 1000.0;
	for (;;) {
		int r = icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, ICEBUF_TRAFFIC_LOOPBACK, -1);
		if (r != ICEBUF_ERR_BUSY || now_s() > t_end)
			return r;
		icebuf_poll(dev, 5);
	}
}

/* sink, source and duplex: the board's test modes (TRAFFIC). The host writes
 * N bytes to the sink and checks the board's count and CRC of them, and/or
 * reads N bytes from the source and checks each. */
static int cmd_traffic(const struct global *g, int argc, char **argv, const char *cmd, uint32_t flags)
{
#define TRAFFIC_HELP_TAIL \
	"N takes k, M, G (powers of 1000) or Ki, Mi, Gi (powers of 1024). Progress\n" \
	"goes to stderr; the last line on stdout gives bytes (each way), seconds,\n" \
	"payload bytes/s (each way), errors and retransmissions. Exits 0 only if\n" \
	"everything checked out. The stream buffer must be empty (--drain: discard\n" \
	"what it holds first); interrupted, the board is put back in loopback, empty.\n"
	static const char help_sink[] =
	    "usage: icebuf sink --bytes N [--seed S] [--pattern random|zeros|ones]\n"
	    "The link one way, host to board: the board's stream channel becomes a SINK\n"
	    "that counts the bytes it takes and computes their CRC. Writes N bytes (as\n"
	    "loopback makes them) and checks the board's count and CRC.\n" TRAFFIC_HELP_TAIL;
	static const char help_source[] =
	    "usage: icebuf source --bytes N [--pattern random|zeros]\n"
	    "The link one way, board to host: the board's stream channel becomes a\n"
	    "SOURCE of N bytes (at most 536870911) of its pseudo-random pattern or of\n"
	    "0x00; every byte is checked.\n" TRAFFIC_HELP_TAIL;
	static const char help_duplex[] =
	    "usage: icebuf duplex --bytes N [--seed S] [--pattern random|zeros]\n"
	    "The link both ways at once: sink and source together (see their --help),\n"
	    "N bytes each way (at most 536870911), all checked.\n" TRAFFIC_HELP_TAIL;
	const int do_sink = !!(flags & ICEBUF_TRAFFIC_SINK), do_source = !!(flags & ICEBUF_TRAFFIC_SOURCE);
	if (sub_help(argc, argv, do_sink && do_source ? help_duplex : do_sink ? help_sink : help_source))
		return 0;
	unsigned long long total = 0, seed = 1;
	int fill = -1;
	int drain = 0;
	int a = stream_args(cmd, argc, argv, do_source ? ICEBUF_TRAFFIC_MAX_BYTES : 0, do_sink, !do_source, &total,
	                    &seed, &fill, &drain);
	if (a >= 0)
		return a;
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od)
		return od;
	/* The board refuses a mode change while the buffer holds data. */
	if ((a = need_empty_stream(g, dev, cmd, drain)))
		return a;
	catch_stop();
	if (do_source) {
		flags |= (uint32_t)total;
		if (fill == 0x00)
			flags |= ICEBUF_TRAFFIC_ZEROS;
	}
	double t0 = now_s(), last = t0;
	int r = icebuf_reg_write(dev, ICEBUF_REG_TRAFFIC, flags, -1);
	if (r == ICEBUF_ERR_REGISTER) {
		fprintf(stderr, "icebuf: %s: this gateware has no test modes (no TRAFFIC register); "
		        "the iCEstick's HX1K build leaves them out\n", cmd);
		icebuf_close(dev);
		return 1;
	}
	if (r)
		return runtime_error(dev, "setting the board's TRAFFIC mode", r);
	uint64_t ws = seed * 0x9E3779B97F4A7C15ULL | 1;
	uint16_t crc = 0xFFFF, ls = 0xACE1;
	uint8_t out[4096], in[4096];
	size_t pending = 0, pend_off = 0;
	unsigned long long sent = do_sink ? 0 : total, got = do_source ? 0 : total, errors = 0;
	double last_data = t0;
	int tty = isatty(2);
	while (sent < total || got < total) {
		if (stop_sig)
			break;
		if (pending == 0 && sent < total) {
			pending = sizeof out < total - sent ? sizeof out : (size_t)(total - sent);
			for (size_t i = 0; i < pending; i++) {
				out[i] = fill < 0 ? next_byte(&ws) : (uint8_t)fill;
				crc = crc16_byte(crc, out[i]);
			}
			pend_off = 0;
		}
		long moved = 0;
		if (pending) {
			long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + pend_off, pending, 0);
			if (w < 0)
				return runtime_error(dev, "writing to the sink", w);
			pend_off += (size_t)w;
			pending -= (size_t)w;
			sent += (unsigned long long)w;
			moved += w;
		}
		if (got < total) {
			size_t ask = sizeof in < total - got ? sizeof in : (size_t)(total - got);
			/* Wait on the link unless the write side moved: no spin. */
			long n = icebuf_read(dev, ICEBUF_CHAN_STREAM, in, ask, pending && moved ? 0 : 5);
			if (n < 0)
				return runtime_error(dev, "reading from the source", n);
			for (long i = 0; i < n; i++)
				if (in[i] != (fill < 0 ? lfsr_byte(&ls) : 0x00))
					errors++;
			got += (unsigned long long)n;
			moved += n;
		} else if (moved == 0) {
			icebuf_poll(dev, 5);
		}
		double t = now_s();
		if (moved)
			last_data = t;
		else if (t - last_data > g->timeout_ms / 1000.0) {
			fprintf(stderr, "\nicebuf: %s: nothing moved for %d ms after %llu bytes sent, %llu received\n",
			        cmd, g->timeout_ms, do_sink ? sent : 0, do_source ? got : 0);
			icebuf_close(dev);
			return 1;
		}
		if (!g->quiet && (t - last > (tty ? 0.2 : 2.0))) {
			fprintf(stderr, "%s%s: %llu/%llu bytes, %.0f B/s (%s)%s", tty ? "\r" : "", cmd,
			        do_sink ? sent : got, total, (do_sink ? sent : got) / (t - t0), clock_name(),
			        tty ? "" : "\n");
			last = t;
		}
	}
	if (stop_sig) {
		/* Interrupted: a new session stops a source (docs/protocol.md
		 * §5); what it had made is drained, and the board is back in
		 * loopback with an empty buffer, as it was found. */
		icebuf_close(dev);
		int od = open_dev(g, &dev);
		if (od)
			return od;
		long long n = drain_stream(g, dev);
		if (n < 0)
			return runtime_error(dev, "draining the stream buffer after the interrupt", n);
		icebuf_close(dev);
		fprintf(stderr, "icebuf: %s: interrupted; the board is back in loopback, its stream buffer empty\n",
		        cmd);
		return 128 + stop_sig;
	}
	if (do_sink && (r = icebuf_flush(dev, -1)))
		return runtime_error(dev, "waiting for the board's acknowledgements", r);
	double dt = now_s() - t0;
	if (!g->quiet && tty)
		fputc('\n', stderr);
	if (do_sink) {
		/* Acknowledged bytes are counted: the board counts a frame's bytes
		 * as it accepts the frame. */
		uint32_t bytes = 0, bcrc = 0;
		if ((r = icebuf_reg_read(dev, ICEBUF_REG_SINK_BYTES, &bytes, -1)) ||
		    (r = icebuf_reg_read(dev, ICEBUF_REG_SINK_CRC, &bcrc, -1)))
			return runtime_error(dev, "reading the sink's count and CRC", r);
		if (bytes != (uint32_t)total) {
			fprintf(stderr, "icebuf: %s: the board counted %u bytes (mod 2^32), %llu were sent\n", cmd, bytes,
			        total);
			errors++;
		}
		if (bcrc != crc) {
			fprintf(stderr, "icebuf: %s: the board's CRC is 0x%04X, the data's 0x%04X\n", cmd, bcrc, crc);
			errors++;
		}
	}
	if ((r = traffic_restore(g, dev)))
		return runtime_error(dev, "setting the stream channel back to loopback", r);
	struct icebuf_stats s;
	icebuf_get_stats(dev, &s);
	const char *clk = clock_name();
	icebuf_close(dev);
	printf("%s: %llu bytes in %.2f s, %.0f B/s, %llu errors, %llu retransmissions (%s)\n", cmd, total, dt,
	       total / dt, errors, (unsigned long long)s.retransmits, clk);
	return errors ? 1 : 0;
}

static int cmd_sink(const struct global *g, int argc, char **argv)
{
	return cmd_traffic(g, argc, argv, "sink", ICEBUF_TRAFFIC_SINK);
}

static int cmd_source(const struct global *g, int argc, char **argv)
{
	return cmd_traffic(g, argc, argv, "source", ICEBUF_TRAFFIC_SOURCE);
}

static int cmd_duplex(const struct global *g, int argc, char **argv)
{
	return cmd_traffic(g, argc, argv, "duplex", ICEBUF_TRAFFIC_SINK | ICEBUF_TRAFFIC_SOURCE);
}

static int cmd_send(const struct global *g, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf send FILE\n"
	    "Stream FILE (- for stdin) into the board's stream buffer and wait until the\n"
	    "board has acknowledged every byte. The buffer holds what nobody reads yet;\n"
	    "when it is full, send waits for a reader up to the time-out, then fails.\n";
	if (sub_help(argc, argv, help))
		return 0;
	if (argc != 2)
		return usage_error("send wants one FILE (or -)");
	if (!strcmp(argv[1], "-") && std_closed[0]) {
		fprintf(stderr, "icebuf: send: standard input is closed: nothing to send\n");
		return EXIT_USAGE;
	}
	int fd = strcmp(argv[1], "-") ? open(argv[1], O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0) {
		fprintf(stderr, "icebuf: send: cannot open '%s': %s\n", argv[1], strerror(errno));
		return EXIT_USAGE;
	}
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od) {
		if (fd)
			close(fd);
		return od;
	}
	uint8_t buf[4096];
	unsigned long long total = 0;
	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);
		if (n < 0) {
			fprintf(stderr, "icebuf: send: reading '%s': %s\n", argv[1], strerror(errno));
			icebuf_close(dev);
			return 1;
		}
		if (n == 0)
			break;
		long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, buf, (size_t)n, -1);
		if (w < 0)
			return runtime_error(dev, "send", w);
		total += (unsigned long long)w;
		if (w < n) {
			fprintf(stderr, "icebuf: send: the board's stream buffer stayed full for %d ms after %llu bytes: "
			                "nobody is reading it (run `icebuf recv` or raise --timeout)\n",
			        g->timeout_ms, total);
			icebuf_close(dev);
			return 1;
		}
	}
	if (fd)
		close(fd);
	int r = icebuf_flush(dev, -1);
	if (r)
		return runtime_error(dev, "send", r);
	icebuf_close(dev);
	if (!g->quiet)
		fprintf(stderr, "send: %llu bytes in the board's stream buffer\n", total);
	return 0;
}

static int cmd_recv(const struct global *g, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf recv FILE [--bytes N] [--force]\n"
	    "Read the board's stream buffer into FILE (- for stdout) until N bytes have\n"
	    "come or, without --bytes, until nothing arrives for the time-out. Refuses to\n"
	    "overwrite an existing FILE without --force.\n";
	if (sub_help(argc, argv, help))
		return 0;
	unsigned long long want = 0;
	int have_want = 0, force = 0;
	static const struct option lo[] = { { "bytes", required_argument, 0, 'n' },
	                                    { "force", no_argument, 0, 'f' }, { 0, 0, 0, 0 } };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'n') {
			if (parse_size(optarg, &want) || want == 0)
				return usage_error("recv: --bytes wants a positive count, not '%s'", optarg);
			have_want = 1;
		} else if (c == 'f') {
			force = 1;
		} else {
			return usage_error("recv: unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_error("recv wants one FILE (or -)");
	const char *path = argv[optind];
	if (!strcmp(path, "-") && std_closed[1]) {
		fprintf(stderr, "icebuf: recv: standard output is closed: nowhere to write\n");
		return EXIT_USAGE;
	}
	int fd = 1;
	struct stat st;
	if (strcmp(path, "-") && !force && lstat(path, &st) == 0) {
		fprintf(stderr, "icebuf: recv: cannot create '%s': %s (use --force to overwrite it)\n", path,
		        strerror(EEXIST));
		return EXIT_USAGE;
	}
	/* The board first: a board that cannot be opened leaves no file. */
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od)
		return od;
	if (strcmp(path, "-")) {
		fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
		if (fd < 0) {
			fprintf(stderr, "icebuf: recv: cannot create '%s': %s%s\n", path, strerror(errno),
			        errno == EEXIST ? " (use --force to overwrite it)" : "");
			icebuf_close(dev);
			return EXIT_USAGE;
		}
	}
	uint8_t buf[4096];
	unsigned long long got = 0;
	while (!have_want || got < want) {
		size_t ask = sizeof buf;
		if (have_want && want - got < ask)
			ask = (size_t)(want - got);
		/* Peek, write, then consume what was written: bytes the file did
		 * not take stay on the board (see icebuf_peek()). */
		long n = icebuf_peek(dev, ICEBUF_CHAN_STREAM, buf, ask, -1);
		if (n < 0)
			return runtime_error(dev, "recv", n);
		if (n == 0)
			break;
		for (long off = 0; off < n;) {
			ssize_t w = write(fd, buf + off, (size_t)(n - off));
			if (w < 0) {
				fprintf(stderr, "icebuf: recv: writing '%s' after %llu bytes: %s (what was not "
				                "written stays in the board's buffer)\n", path, got, strerror(errno));
				icebuf_close(dev);
				return 1;
			}
			int e = icebuf_consume(dev, ICEBUF_CHAN_STREAM, (size_t)w);
			if (e)
				return runtime_error(dev, "recv", e);
			off += w;
			got += (unsigned long long)w;
		}
	}
	icebuf_close(dev);
	if (fd != 1 && close(fd) < 0) {
		fprintf(stderr, "icebuf: recv: closing '%s': %s\n", path, strerror(errno));
		return 1;
	}
	if (!g->quiet)
		fprintf(stderr, "recv: %llu bytes\n", got);
	if (have_want && got < want) {
		fprintf(stderr, "icebuf: recv: only %llu of %llu bytes arrived within the time-out\n", got, want);
		return 1;
	}
	return 0;
}

static int cmd_copy(const struct global *g, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf copy IN OUT [--force] [--drain]\n"
	    "Move IN (- for stdin) through the board's stream buffer into OUT (- for\n"
	    "stdout) in one program: it writes while it reads back, so a file of any size\n"
	    "goes through (send, then recv in another program, moves only what the buffer\n"
	    "holds). The buffer must be empty (--drain: discard what it holds first).\n"
	    "Refuses to overwrite an existing OUT without --force. Interrupted (SIGINT,\n"
	    "SIGTERM), it sends no more, writes out what it sent, and exits 128 + the signal.\n";
	if (sub_help(argc, argv, help))
		return 0;
	int force = 0, drain = 0;
	static const struct option lo[] = { { "force", no_argument, 0, 'f' }, { "drain", no_argument, 0, 'D' },
	                                    { 0, 0, 0, 0 } };
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'f') force = 1;
		else if (c == 'D') drain = 1;
		else return usage_error("copy: unknown or incomplete option '%s'", argv[optind - 1]);
	}
	if (argc - optind != 2)
		return usage_error("copy wants IN and OUT (each a file or -)");
	const char *inp = argv[optind], *outp = argv[optind + 1];
	if ((!strcmp(inp, "-") && std_closed[0]) || (!strcmp(outp, "-") && std_closed[1])) {
		fprintf(stderr, "icebuf: copy: standard %s is closed\n", std_closed[0] && !strcmp(inp, "-") ? "input" : "output");
		return EXIT_USAGE;
	}
	int in = strcmp(inp, "-") ? open(inp, O_RDONLY | O_CLOEXEC) : 0;
	if (in < 0) {
		fprintf(stderr, "icebuf: copy: cannot open '%s': %s\n", inp, strerror(errno));
		return EXIT_USAGE;
	}
	struct stat st;
	if (strcmp(outp, "-") && !force && lstat(outp, &st) == 0) {
		fprintf(stderr, "icebuf: copy: cannot create '%s': %s (use --force to overwrite it)\n", outp,
		        strerror(EEXIST));
		if (in) close(in);
		return EXIT_USAGE;
	}
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od) {
		if (in) close(in);
		return od;
	}
	if ((od = need_empty_stream(g, dev, "copy", drain))) {
		if (in) close(in);
		return od;
	}
	int out = 1;
	if (strcmp(outp, "-")) {
		out = open(outp, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0644);
		if (out < 0) {
			fprintf(stderr, "icebuf: copy: cannot create '%s': %s\n", outp, strerror(errno));
			icebuf_close(dev);
			if (in) close(in);
			return EXIT_USAGE;
		}
	}
	catch_stop();
	uint8_t ib[4096], ob[4096];
	size_t pending = 0, off = 0;
	unsigned long long sent = 0, got = 0;
	int eof = 0, rc = 0;
	double last_data = now_s();
	while (!eof || pending || got < sent) {
		if (stop_sig && !eof) {
			eof = 1;                         /* send no more; what was sent comes back */
			pending = 0;
		}
		if (!eof && !pending) {
			ssize_t n = read(in, ib, sizeof ib);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				fprintf(stderr, "icebuf: copy: reading '%s': %s\n", inp, strerror(errno));
				eof = 1;
				rc = 1;
			} else if (n == 0) {
				eof = 1;
			} else {
				pending = (size_t)n;
				off = 0;
			}
		}
		long moved = 0;
		if (pending) {
			long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, ib + off, pending, 0);
			if (w < 0)
				return runtime_error(dev, "copy: writing to the board", w);
			off += (size_t)w;
			pending -= (size_t)w;
			sent += (unsigned long long)w;
			moved += w;
		}
		if (got < sent) {
			/* Peek, write out, consume what was written: what OUT does
			 * not take stays on the board. */
			size_t ask = sizeof ob < sent - got ? sizeof ob : (size_t)(sent - got);
			long n = icebuf_peek(dev, ICEBUF_CHAN_STREAM, ob, ask, pending && moved ? 0 : 5);
			if (n < 0)
				return runtime_error(dev, "copy: reading from the board", n);
			for (long o = 0; o < n;) {
				ssize_t w = write(out, ob + o, (size_t)(n - o));
				if (w < 0 && errno == EINTR)
					continue;
				if (w < 0) {
					fprintf(stderr, "icebuf: copy: writing '%s' after %llu bytes: %s (what was not written "
					        "stays in the board's buffer)\n", outp, got, strerror(errno));
					icebuf_close(dev);
					if (in) close(in);
					return 1;
				}
				int e = icebuf_consume(dev, ICEBUF_CHAN_STREAM, (size_t)w);
				if (e)
					return runtime_error(dev, "copy", e);
				o += w;
				got += (unsigned long long)w;
			}
			moved += n;
		} else if (!moved && !eof) {
			icebuf_poll(dev, 5);
		}
		if (moved)
			last_data = now_s();
		else if (now_s() - last_data > 3 * g->timeout_ms / 1000.0) {
			fprintf(stderr, "icebuf: copy: nothing moved for %d ms after %llu bytes sent, %llu back\n",
			        3 * g->timeout_ms, sent, got);
			icebuf_close(dev);
			if (in) close(in);
			return 1;
		}
	}
	icebuf_close(dev);
	if (in) close(in);
	if (out != 1 && close(out) < 0) {
		fprintf(stderr, "icebuf: copy: closing '%s': %s\n", outp, strerror(errno));
		return 1;
	}
	if (stop_sig) {
		fprintf(stderr, "icebuf: copy: interrupted after %llu bytes, all written out\n", got);
		return 128 + stop_sig;
	}
	if (!g->quiet)
		fprintf(stderr, "copy: %llu bytes through the board\n", got);
	return rc;
}

static int cmd_reg(const struct global *g, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf reg read REG | icebuf reg write REG VALUE\n"
	    "REG is a name (ID, VERSION, SCRATCH, RX_BAD_CRC, ...; see docs/protocol.md) or a\n"
	    "number; VALUE a 32-bit number (0x... for hex).\n";
	if (sub_help(argc, argv, help))
		return 0;
	uint8_t addr;
	uint32_t value = 0;
	int write = argc >= 2 && !strcmp(argv[1], "write");
	if (argc < 2 || (strcmp(argv[1], "read") && !write))
		return usage_error("reg wants 'read REG' or 'write REG VALUE'");
	if (argc != (write ? 4 : 3))
		return usage_error("reg %s wants %s", argv[1], write ? "REG VALUE" : "REG");
	if (parse_reg(argv[2], &addr))
		return usage_error("reg: '%s' is neither a register name nor a number 0..255", argv[2]);
	if (write && parse_u32(argv[3], &value))
		return usage_error("reg write: '%s' is not a 32-bit number", argv[3]);
	icebuf *dev;
	int od = open_dev(g, &dev);
	if (od)
		return od;
	int r = write ? icebuf_reg_write(dev, addr, value, -1) : icebuf_reg_read(dev, addr, &value, -1);
	if (r)
		return runtime_error(dev, "reg", r);
	if (!write)
		printf("0x%08X %u\n", value, value);
	icebuf_close(dev);
	return 0;
}

static int cmd_keys(const struct global *g, int argc, char **argv)
{
	struct cli_board b = { g->device, g->baud, g->timeout_ms, g->quiet };
	return cli_keys(&b, argc, argv);
}

static int cmd_leds(const struct global *g, int argc, char **argv)
{
	struct cli_board b = { g->device, g->baud, g->timeout_ms, g->quiet };
	return cli_leds(&b, argc, argv);
}

static int cmd_play_(const struct global *g, int argc, char **argv)
{
	struct play_opts o = { g->device, g->baud, g->timeout_ms, g->quiet };
	return cmd_play(&o, argc, argv);
}

int main(int argc, char **argv)
{
	reserve_std();
	struct global g = { .device = getenv("ICEBUF_DEVICE"), .baud = 0, .timeout_ms = 2000 };
	static const struct option lo[] = {
		{ "device", required_argument, 0, 'd' }, { "baud", required_argument, 0, 'b' },
		{ "timeout", required_argument, 0, 't' }, { "quiet", no_argument, 0, 'q' },
		{ "help", no_argument, 0, 'h' }, { "version", no_argument, 0, 'V' }, { 0, 0, 0, 0 } };
	int c;
	opterr = 0;
	/* '+': stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+d:b:t:qhV", lo, NULL)) != -1) {
		uint32_t v;
		switch (c) {
		case 'd': g.device = optarg; break;
		case 'b':
			if (parse_u32(optarg, &v) || v < 300 || v > 12000000)
				return usage_error("--baud wants a rate from 300 to 12000000, not '%s'", optarg);
			g.baud = v;
			break;
		case 't':
			if (parse_u32(optarg, &v) || v == 0 || v > 3600000)
				return usage_error("--timeout wants milliseconds from 1 to 3600000, not '%s'", optarg);
			g.timeout_ms = (int)v;
			break;
		case 'q': g.quiet = 1; break;
		case 'h': usage(stdout); return 0;
		case 'V': printf("icebuf 1.0.0 (protocol %d)\n", ICEBUF_PROTOCOL_MAJOR); return 0;
		default: return usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no command given");
	const char *cmd = argv[optind];
	int sargc = argc - optind;
	char **sargv = argv + optind;
	int (*fn)(const struct global *, int, char **) =
	    !strcmp(cmd, "info") ? cmd_info : !strcmp(cmd, "loopback") ? cmd_loopback :
	    !strcmp(cmd, "send") ? cmd_send : !strcmp(cmd, "recv") ? cmd_recv :
	    !strcmp(cmd, "reg") ? cmd_reg : !strcmp(cmd, "sink") ? cmd_sink :
	    !strcmp(cmd, "source") ? cmd_source : !strcmp(cmd, "duplex") ? cmd_duplex :
	    !strcmp(cmd, "drain") ? cmd_drain : !strcmp(cmd, "copy") ? cmd_copy :
	    !strcmp(cmd, "keys") ? cmd_keys : !strcmp(cmd, "leds") ? cmd_leds :
	    !strcmp(cmd, "play") ? cmd_play_ : NULL;
	if (!fn)
		return usage_error("unknown command '%s'", cmd);
	int wants_help = 0;
	for (int i = 1; i < sargc; i++)
		if (!strcmp(sargv[i], "--help") || !strcmp(sargv[i], "-h"))
			wants_help = 1;
	if (!wants_help && (!g.device || !*g.device)) {
		fprintf(stderr, "icebuf: no device: pass --device (or set ICEBUF_DEVICE): "
		                "--device sim for the virtual board, --device ftdi:// for a board on USB\n");
		return EXIT_USAGE;
	}
	return fn(&g, sargc, sargv);
}
