/*
 * keys.c — `icebuf keys` (key events live, as text, JSON, raw scan codes,
 * or a Linux input device through /dev/uinput), `icebuf leds`, and the
 * keyboard's lines of `icebuf info`.
 * SPDX-License-Identifier: MIT
 */
#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/input.h>
#include <linux/uinput.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static volatile sig_atomic_t keys_stop;
static void on_sig(int sig) { keys_stop = sig; }

static int open_board(const struct cli_board *b, icebuf **dev)
{
	struct icebuf_options o = { .baud = b->baud, .timeout_ms = b->timeout_ms };
	int r = icebuf_open(dev, b->device, &o);
	if (r) {
		fprintf(stderr, "icebuf: %s: %s\n", b->device, icebuf_open_error());
		return r == ICEBUF_ERR_ARG ? 2 : 1;
	}
	return 0;
}

static int fail_dev(icebuf *dev, const char *what, int code)
{
	fprintf(stderr, "icebuf: %s: %s (%s)\n", what, icebuf_last_error(dev), icebuf_strerror(code));
	icebuf_close(dev);
	return 1;
}

static void scan_hex(const struct icebuf_key_event *e, char *out, size_t n)
{
	out[0] = 0;
	for (unsigned i = 0; i < e->scan_len; i++)
		snprintf(out + strlen(out), n - strlen(out), "%s%02X", i ? " " : "", e->scan[i]);
}

static void print_text(const struct icebuf_key_event *e)
{
	char hex[16];
	scan_hex(e, hex, sizeof hex);
	const char *name = icebuf_key_name(e->page, e->usage);
	printf("%lld.%03lld %s", (long long)(e->ms / 1000), (long long)((e->ms % 1000 + 1000) % 1000),
	       icebuf_key_kind_name(e->kind));
	if (e->kind == ICEBUF_KEY_RAW)
		printf(" %s%s%s%s", hex, name ? " (" : "", name ? name : "", name ? ")" : "");
	else if (e->kind == ICEBUF_KEY_UNKNOWN || e->kind == ICEBUF_KEY_OVERRUN)
		printf(" %s", hex);
	else if (name)
		printf(" %s", name);
	printf("\n");
}

static void print_json(const struct icebuf_key_event *e)
{
	char hex[16];
	scan_hex(e, hex, sizeof hex);
	const char *name = icebuf_key_name(e->page, e->usage);
	printf("{\"ms\":%lld,\"event\":\"%s\"", (long long)e->ms, icebuf_key_kind_name(e->kind));
	if (name)
		printf(",\"key\":\"%s\"", name);   /* the table's names need no escaping */
	if (e->page)
		printf(",\"page\":%u,\"usage\":%u,\"code\":%u", e->page, e->usage, e->code);
	if (e->scan_len)
		printf(",\"scan\":\"%s\"", hex);
	printf("}\n");
}

/* ---- --uinput ----------------------------------------------------------- */

#define UINPUT_PATH "/dev/uinput"
#define UDEV_RULE "KERNEL==\"uinput\", SUBSYSTEM==\"misc\", MODE=\"0660\", GROUP=\"input\", OPTIONS+=\"static_node=uinput\""

static int uinput_open_msg(void)
{
	int fd = open(UINPUT_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		return fd;
	int e = errno;
	if (e == ENOENT || e == ENODEV || e == ENXIO)
		fprintf(stderr, "icebuf: %s: %s: the kernel's uinput module is not loaded. Load it with\n"
		                "  sudo modprobe uinput\n"
		                "(and at every boot: echo uinput | sudo tee /etc/modules-load.d/uinput.conf)\n",
		        UINPUT_PATH, strerror(e));
	else if (e == EACCES || e == EPERM || e == EROFS)
		fprintf(stderr, "icebuf: %s: %s: it is not writable for you. Either run icebuf keys --uinput as root,\n"
		                "or let group input use it with a udev rule:\n"
		                "  echo '%s' | sudo tee /etc/udev/rules.d/60-icebuf-uinput.rules\n"
		                "  sudo udevadm control --reload-rules && sudo udevadm trigger --name-match=uinput\n"
		                "  sudo usermod -aG input $USER    (then log in again)\n",
		        UINPUT_PATH, strerror(e), UDEV_RULE);
	else
		fprintf(stderr, "icebuf: cannot open %s: %s\n", UINPUT_PATH, strerror(e));
	return -1;
}

static int emit(int fd, uint16_t type, uint16_t code, int32_t value)
{
	struct input_event ie;
	memset(&ie, 0, sizeof ie);
	ie.type = type;
	ie.code = code;
	ie.value = value;
	for (;;) {
		ssize_t w = write(fd, &ie, sizeof ie);
		if (w == (ssize_t)sizeof ie)
			return 0;
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN) {
			struct pollfd p = { fd, POLLOUT, 0 };
			poll(&p, 1, 100);
			continue;
		}
		return -1;
	}
}

/* The device: every key of the library's table, MSC_SCAN (the HID usage,
 * page << 16 | usage, as a USB keyboard reports it), the three LEDs, and
 * EV_REP: the kernel repeats a held key at the rate the desktop sets, as for
 * any keyboard, so the keyboard's own typematic repeats are not passed on. */
static int uinput_create(int fd, unsigned typematic)
{
	int bad = 0;
	bad |= ioctl(fd, UI_SET_EVBIT, EV_SYN) < 0;
	bad |= ioctl(fd, UI_SET_EVBIT, EV_KEY) < 0;
	bad |= ioctl(fd, UI_SET_EVBIT, EV_MSC) < 0;
	bad |= ioctl(fd, UI_SET_EVBIT, EV_LED) < 0;
	bad |= ioctl(fd, UI_SET_EVBIT, EV_REP) < 0;
	bad |= ioctl(fd, UI_SET_MSCBIT, MSC_SCAN) < 0;
	bad |= ioctl(fd, UI_SET_LEDBIT, LED_NUML) < 0;
	bad |= ioctl(fd, UI_SET_LEDBIT, LED_CAPSL) < 0;
	bad |= ioctl(fd, UI_SET_LEDBIT, LED_SCROLLL) < 0;
	uint16_t code;
	for (unsigned i = 0; icebuf_key_at(i, NULL, NULL, &code); i++)
		bad |= ioctl(fd, UI_SET_KEYBIT, (int)code) < 0;
	struct uinput_setup us;
	memset(&us, 0, sizeof us);
	us.id.bustype = BUS_VIRTUAL;
	us.id.vendor = 0x1209;          /* pid.codes, open-source hardware */
	us.id.product = 0x1CEB;
	us.id.version = 1;
	snprintf(us.name, sizeof us.name, "icebuf PS/2 keyboard");
	bad |= ioctl(fd, UI_DEV_SETUP, &us) < 0;
	bad |= ioctl(fd, UI_DEV_CREATE) < 0;
	if (bad) {
		fprintf(stderr, "icebuf: %s: setting up the input device failed: %s (a kernel older than 4.5?)\n",
		        UINPUT_PATH, strerror(errno));
		return -1;
	}
	/* The kernel's repeat starts as the keyboard's setting. */
	int delay, period;
	icebuf_kbd_typematic_ms(typematic, &delay, &period);
	if (emit(fd, EV_REP, REP_DELAY, delay) || emit(fd, EV_REP, REP_PERIOD, period))
		return -1;
	return 0;
}

static int uinput_key(int fd, const struct icebuf_key_event *e)
{
	if (e->kind != ICEBUF_KEY_PRESS && e->kind != ICEBUF_KEY_RELEASE)
		return 0;
	if (emit(fd, EV_MSC, MSC_SCAN, (int32_t)((uint32_t)e->page << 16 | e->usage)) ||
	    emit(fd, EV_KEY, e->code, e->kind == ICEBUF_KEY_PRESS) || emit(fd, EV_SYN, SYN_REPORT, 0))
		return -1;
	return 0;
}

/* What the OS tells the device: its LED state (Caps Lock pressed on any
 * keyboard), and repeat settings. */
static int uinput_from_os(int fd, icebuf *dev, unsigned *leds, int *delay, int *period)
{
	struct input_event ie[16];
	for (;;) {
		ssize_t n = read(fd, ie, sizeof ie);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return n == 0 ? 0 : -1;
		unsigned l = *leds;
		int d = *delay, p = *period;
		for (size_t i = 0; i < (size_t)n / sizeof ie[0]; i++) {
			unsigned bit = ie[i].code == LED_NUML ? ICEBUF_LED_NUM : ie[i].code == LED_CAPSL ? ICEBUF_LED_CAPS
			             : ie[i].code == LED_SCROLLL ? ICEBUF_LED_SCROLL : 0;
			if (ie[i].type == EV_LED && bit)
				l = ie[i].value ? l | bit : l & ~bit;
			if (ie[i].type == EV_REP && ie[i].code == REP_DELAY && ie[i].value > 0)
				d = ie[i].value;
			if (ie[i].type == EV_REP && ie[i].code == REP_PERIOD && ie[i].value > 0)
				p = ie[i].value;
		}
		if (l != *leds) {
			int r = icebuf_kbd_set_leds(dev, l, -1);
			if (r)
				return r;
			*leds = l;
		}
		if (d != *delay || p != *period) {
			int r = icebuf_kbd_set_typematic(dev, d, p, -1);
			if (r)
				return r;
			*delay = d;
			*period = p;
		}
	}
}

int cli_keys(const struct cli_board *b, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf keys [--json | --raw] [--uinput] [--count N] [--for MS]\n"
	    "Print the board keyboard's events live, one a line: board time in seconds,\n"
	    "press|release|repeat and the key (\"12.345 press A\"); overflow and all-up\n"
	    "markers where the board's buffer was full or the keyboard was reset.\n"
	    "  --json       one JSON object a line: ms, event, key, page, usage, code, scan\n"
	    "  --raw        the records as the board sent them, set-2 scan codes\n"
	    "  --uinput     make the keyboard a Linux input device (/dev/uinput) instead:\n"
	    "               the desktop's LED state (Caps Lock on any keyboard) and repeat\n"
	    "               rate go to the keyboard\n"
	    "  --count N    stop after N events [no limit]\n"
	    "  --for MS     stop after MS milliseconds of board time [no limit]\n"
	    "Ctrl-C stops; events not yet printed stay on the board.\n";
	static const struct option lo[] = { { "json", no_argument, 0, 'j' }, { "raw", no_argument, 0, 'r' },
	                                    { "uinput", no_argument, 0, 'u' }, { "count", required_argument, 0, 'n' },
	                                    { "for", required_argument, 0, 'f' }, { "help", no_argument, 0, 'h' },
	                                    { 0, 0, 0, 0 } };
	int json = 0, raw = 0, uin = 0, c;
	long long count = -1, for_ms = -1;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+h", lo, NULL)) != -1) {
		char *end;
		switch (c) {
		case 'j': json = 1; break;
		case 'r': raw = 1; break;
		case 'u': uin = 1; break;
		case 'n': case 'f': {
			long long v = strtoll(optarg, &end, 10);
			if (*end || end == optarg || v < 0) {
				fprintf(stderr, "icebuf: keys: --%s wants a count, not '%s' (see icebuf keys --help)\n",
				        c == 'n' ? "count" : "for", optarg);
				return 2;
			}
			*(c == 'n' ? &count : &for_ms) = v;
			break;
		}
		case 'h': fputs(help, stdout); return 0;
		default:
			fprintf(stderr, "icebuf: keys: unknown option '%s' (see icebuf keys --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "icebuf: keys takes no arguments, got '%s'\n", argv[optind]);
		return 2;
	}
	if (json && raw) {
		fprintf(stderr, "icebuf: keys: --json and --raw: choose one (--json shows the scan codes too)\n");
		return 2;
	}
	if (uin && (json || raw)) {
		fprintf(stderr, "icebuf: keys: --uinput prints nothing; leave out --json and --raw\n");
		return 2;
	}
	icebuf *dev;
	int r = open_board(b, &dev);
	if (r)
		return r;
	int ufd = -1;
	unsigned leds = 0;
	int delay = 0, period = 0;
	struct icebuf_kbd_status st;
	if ((r = icebuf_kbd_status(dev, &st, -1)))
		return fail_dev(dev, "keys", r);
	if (uin) {
		if ((ufd = uinput_open_msg()) < 0 || uinput_create(ufd, st.typematic)) {
			if (ufd >= 0)
				close(ufd);
			icebuf_close(dev);
			return 1;
		}
		leds = st.leds;
		icebuf_kbd_typematic_ms(st.typematic, &delay, &period);
		if (!b->quiet)
			fprintf(stderr, "icebuf: keys: the board's keyboard is an input device (\"icebuf PS/2 keyboard\"); "
			                "Ctrl-C ends it\n");
	}
	if ((r = icebuf_key_set_raw(dev, raw)))
		return fail_dev(dev, "keys", r);
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sig;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	int bfd = icebuf_fileno(dev);
	double t_end = for_ms >= 0 ? icebuf_time_ms(dev, NULL) + (double)for_ms : 0;
	long long n = 0;
	int rc = 0;
	while (!keys_stop && (count < 0 || n < count)) {
		if (for_ms >= 0 && icebuf_time_ms(dev, NULL) >= t_end)
			break;
		struct pollfd p[2];
		int np = 0;
		if (bfd >= 0)
			p[np++] = (struct pollfd){ bfd, POLLIN, 0 };
		if (ufd >= 0)
			p[np++] = (struct pollfd){ ufd, POLLIN, 0 };
		/* The link needs driving every few ms (acks, retransmissions). */
		poll(p, (nfds_t)np, bfd >= 0 ? 5 : 1);
		if ((r = icebuf_poll(dev, 0)))
			break;
		struct icebuf_key_event e;
		while ((count < 0 || n < count) && (r = icebuf_key_read(dev, &e, 0)) == 1) {
			n++;
			if (ufd >= 0) {
				if (uinput_key(ufd, &e)) {
					fprintf(stderr, "icebuf: keys: writing to %s: %s\n", UINPUT_PATH, strerror(errno));
					rc = 1;
					break;
				}
			} else {
				json ? print_json(&e) : print_text(&e);
				if (fflush(stdout)) {
					rc = 1;
					break;
				}
			}
		}
		if (rc || r < 0)
			break;
		if (ufd >= 0 && (r = uinput_from_os(ufd, dev, &leds, &delay, &period))) {
			if (r > 0 || r == -1) {
				fprintf(stderr, "icebuf: keys: reading %s: %s\n", UINPUT_PATH, strerror(errno));
				rc = 1;
				r = 0;
			}
			break;
		}
	}
	if (r < 0) {
		if (ufd >= 0)
			close(ufd);
		return fail_dev(dev, "keys", r);
	}
	if (ufd >= 0) {
		ioctl(ufd, UI_DEV_DESTROY);
		close(ufd);
	}
	icebuf_close(dev);
	if (keys_stop)
		return 128 + keys_stop;
	return rc;
}

static const struct { const char *name; unsigned bit; } led_names[] = {
	{ "caps", ICEBUF_LED_CAPS }, { "num", ICEBUF_LED_NUM }, { "scroll", ICEBUF_LED_SCROLL },
};

static void print_leds(unsigned leds)
{
	int any = 0;
	for (size_t i = 0; i < 3; i++)
		if (leds & led_names[i].bit)
			printf("%s%s", any++ ? " " : "", led_names[i].name);
	printf("%s", any ? "" : "off");
}

int cli_leds(const struct cli_board *b, int argc, char **argv)
{
	static const char help[] =
	    "usage: icebuf leds [caps] [num] [scroll] | off\n"
	    "Set the keyboard's LEDs to those named (off: none); without arguments\n"
	    "show them. The board keeps them, and sets them again on a keyboard\n"
	    "plugged in later.\n";
	unsigned leds = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		}
		size_t k;
		for (k = 0; k < 3 && strcmp(argv[i], led_names[k].name); k++)
			;
		if (k < 3)
			leds |= led_names[k].bit;
		else if (strcmp(argv[i], "off") || argc != 2) {
			fprintf(stderr, "icebuf: leds: '%s' is not caps, num, scroll or (alone) off (see icebuf leds --help)\n",
			        argv[i]);
			return 2;
		}
	}
	icebuf *dev;
	int r = open_board(b, &dev);
	if (r)
		return r;
	if (argc > 1 && (r = icebuf_kbd_set_leds(dev, leds, -1)))
		return fail_dev(dev, "leds", r);
	struct icebuf_kbd_status st;
	if ((r = icebuf_kbd_status(dev, &st, -1)))
		return fail_dev(dev, "leds", r);
	printf("leds: ");
	print_leds(argc > 1 ? leds : st.leds);
	printf("\n");
	icebuf_close(dev);
	return 0;
}

void cli_kbd_info(icebuf *dev)
{
	if (!(icebuf_features(dev) & ICEBUF_FEAT_KEYBOARD))
		return;
	struct icebuf_kbd_status st;
	int r = icebuf_kbd_status(dev, &st, -1);
	if (r) {
		printf("keyboard        (status unreadable: %s)\n", icebuf_last_error(dev));
		return;
	}
	int delay, period;
	icebuf_kbd_typematic_ms(st.typematic, &delay, &period);
	printf("keyboard        %s%s%s, LEDs ", st.present ? "present" : "absent",
	       st.present ? (st.initialised ? ", initialised" : ", initialising") : "",
	       st.dropping ? ", buffer full (dropping)" : "");
	print_leds(st.leds);
	printf(", typematic 0x%02X (%d ms, every %d ms)\n", st.typematic, delay, period);
	printf("keyboard counters:\n");
	const struct { const char *name; uint32_t v; } c[] = {
		{ "KBD_EVENTS", st.events }, { "KBD_OVERFLOWS", st.overflows }, { "KBD_PARITY_ERR", st.parity_errors },
		{ "KBD_FRAME_ERR", st.frame_errors }, { "KBD_TIMEOUTS", st.timeouts }, { "KBD_RESENDS", st.resends },
	};
	for (size_t i = 0; i < sizeof c / sizeof c[0]; i++)
		printf("  %-16s %u\n", c[i].name, c[i].v);
}
