/*
 * icebuf-ftdi-sim — a virtual FT2232H in front of the virtual board, for the
 * unmodified libftdi1 and libusb: `icebuf-ftdi-sim [options] -- COMMAND...`.
 * SPDX-License-Identifier: MIT
 *
 * A umockdev test bed holds one FT2232H (0403:6010, bcdDevice 0x0700, two
 * vendor-class interfaces with bulk endpoints 0x81/0x02 and 0x83/0x04).
 * COMMAND runs under libumockdev-preload, so libusb finds the device in the
 * test bed's sysfs and its usbfs ioctls come here, to handle_ioctl() on
 * umockdev's worker thread, where everything below runs (no locks).
 *
 * Interface B's UART is bridged to a virtual board: icebuf-sim (or
 * icebuf-sim-icebreaker) is spawned on a free local port with the options
 * this program does not know passed through (faults, --stats, ...); while a
 * program has interface B claimed, its bytes go to that socket and the
 * board's come back. The simulator keeps the UART model, the baud rate and
 * its 4 KiB buffers; here are the chip's USB side and its own 4 KiB buffers:
 *
 *   OUT URB (host -> chip): completes once its bytes fit in the 4 KiB
 *     transmit buffer, which drains into the socket.
 *   IN URB (chip -> host): 512-byte packets, each led by the two modem-status
 *     bytes. The URB completes when it is full of whole packets, or when the
 *     latency timer (SIO_SET_LATENCY_TIMER, 16 ms at reset) expires since the
 *     last packet went to the host: then with what the buffer holds, maybe
 *     nothing but the status bytes. UART bytes that find the 4 KiB receive
 *     buffer full are lost (and flagged in the status bytes), as on the chip.
 *   The device node polls as usbfs's does (drivers/usb/core/devio.c,
 *     usbdev_poll): POLLOUT while a completed URB waits to be reaped, else
 *     poll() blocks; REAPURBNDELAY never waits (EAGAIN), REAPURB does. So
 *     libusb waits in the kernel, and a call that should not block does not.
 *     (umockdev makes the node a regular file, always ready: it is replaced
 *     by a FIFO whose readiness this program sets, make_ready_node().)
 *   A baud rate or line setting the board does not use loses the bytes,
 *     both ways: on a real line they would be garbage.
 *   A second program's claim of an interface held by another is EBUSY.
 *
 * Not modelled: USB timing (a URB costs what the ioctl round trips between
 * processes cost, 0.1-1 ms and more on a loaded machine, not a 125 us
 * microframe; the latency timer runs on the wall clock while the board runs
 * on simulated time); the kernel's socket buffers between here and the
 * simulator, buffering a chip does not have; an OUT purge cannot recall
 * bytes already handed to the simulator; flow control (RTS/CTS, DTR/DSR,
 * XON/XOFF: nothing is wired on the boards) and the modem lines; event and
 * error characters; MPSSE and bit-bang modes (recorded; bytes still go to
 * the UART path of B and nowhere on A); EEPROM contents (reads give a blank
 * 0xFFFF, writes are ignored); interrupt and isochronous URBs (EINVAL); an
 * unplugged device fails every call (pending URBs end with -ESHUTDOWN, then
 * ENODEV) but stays in sysfs and cannot raise POLLERR (the node polls ready
 * instead); the node's readiness is one for all the programs that have it
 * open, where usbfs keeps it per open file (a program with nothing to reap
 * may wake while another's URB waits, and finds EAGAIN).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <glib-unix.h>
#include <glib.h>
#include <linux/capability.h>
#include <linux/usbdevice_fs.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <umockdev.h>
#include <unistd.h>

#define CHIP_BUF 4096           /* the FT2232H's buffer, each way, per channel */
#define PKT 512                 /* wMaxPacketSize of every bulk endpoint */
#define PAYLOAD (PKT - 2)       /* after the two modem-status bytes */
#define PARK_MAX_US 5000        /* a parked reap is looked at again at least this often */
#define NIFACE 2

static const char DEV_SYS[] = "/sys/devices/pci0000:00/0000:00:14.0/usb1/1-1";
static const char DEV_NODE[] = "/dev/bus/usb/001/002";

/* Device descriptor (18 bytes) then configuration descriptor (55 bytes). */
static const uint8_t DESCRIPTORS[] = {
	0x12, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x40, 0x03, 0x04, 0x10, 0x60, 0x00, 0x07, 0x01, 0x02,
	0x03, 0x01,
	0x09, 0x02, 0x37, 0x00, 0x02, 0x01, 0x00, 0x80, 0xFA,
	0x09, 0x04, 0x00, 0x00, 0x02, 0xFF, 0xFF, 0xFF, 0x02,
	0x07, 0x05, 0x81, 0x02, 0x00, 0x02, 0x00,
	0x07, 0x05, 0x02, 0x02, 0x00, 0x02, 0x00,
	0x09, 0x04, 0x01, 0x00, 0x02, 0xFF, 0xFF, 0xFF, 0x02,
	0x07, 0x05, 0x83, 0x02, 0x00, 0x02, 0x00,
	0x07, 0x05, 0x04, 0x02, 0x00, 0x02, 0x00,
};

struct opts {
	const char *board;      /* icestick | icebreaker */
	const char *sim;        /* the simulator binary */
	const char *serial;
	int no_device, deny_access, verbose;
	long unplug_ms;         /* after interface B's first claim; 0 never */
	GPtrArray *sim_args;    /* passed through */
	char **cmd;
};

struct client;

struct urb {
	struct client *owner;
	UMockdevIoctlData *urbd;   /* the client's struct usbdevfs_urb */
	UMockdevIoctlData *bufd;   /* its buffer (OUT, control), or NULL */
	int iface;                 /* bulk: 0 A, 1 B */
	int in;
	int status, actual;
};

struct client {
	UMockdevIoctlClient *c;
	GQueue done;               /* struct urb *, reapable */
	int parked;                /* a reap waits for a completion */
	unsigned claimed;          /* bit per interface */
};

struct iface {
	struct client *owner;      /* the claimer, or NULL */
	GQueue in_urbs, out_urbs;  /* pending, oldest first */
	uint8_t rx[CHIP_BUF];      /* UART -> host */
	size_t rx_head, rx_len;
	uint8_t tx[CHIP_BUF];      /* host -> UART */
	size_t tx_len;
	gint64 last_sent;          /* the latency timer runs from here (µs) */
	int latency_ms;
	unsigned baud;
	uint16_t line;             /* SIO_SET_DATA wValue */
	uint8_t bitmode, bitmask;
	int overrun;               /* bytes were lost since the last status */
	uint64_t lost, lost_baud, out_bytes, in_bytes;
};

static struct {
	struct opts o;
	unsigned board_baud;
	int sim_port;
	GMainContext *ctx;          /* umockdev's worker context */
	GHashTable *clients;        /* UMockdevIoctlClient * -> struct client * */
	struct iface ifc[NIFACE];
	int sock;                   /* to the simulator while B is claimed, else -1 */
	GSource *sock_src, *timer;  /* the timer: on timer_fd */
	int timer_fd;               /* the latency deadlines' timerfd, or -1 */
	gint64 timer_when;          /* when it fires (µs), 0 disarmed */
	int unplugged;
	int unplug_armed;
	int ready_fd;               /* this end of the device node (a FIFO), or -1 */
	int ready;                  /* the node polls ready: its FIFO is empty */
	uint64_t unknown_requests;
} S;

static void vlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void vlog(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("icebuf-ftdi-sim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

/* ---- the baud rate the chip makes of SIO_SET_BAUDRATE ---------------------------- */

static unsigned decode_baud(uint16_t value, uint16_t index)
{
	static const double frac[8] = { 0, 0.5, 0.25, 0.125, 0.375, 0.625, 0.75, 0.875 };
	uint32_t enc = value | (uint32_t)(index >> 8) << 16;
	double base = (enc & 0x20000) ? 12e6 : 3e6;     /* the H chips' 120 MHz / 10, or 48 MHz / 16 */
	unsigned div = enc & 0x3FFF;
	double d = div + frac[(enc >> 14) & 7];
	if (div == 0)
		d = 1;
	else if (div == 1 && ((enc >> 14) & 7) == 0)
		d = 1.5;
	return (unsigned)(base / d + 0.5);
}

/* The line as set works with the board: its baud rate within 3 %, 8N1. */
static int line_ok(const struct iface *f)
{
	double r = (double)f->baud / S.board_baud;
	return r > 0.97 && r < 1.03 && (f->line & 0x3FFF) == 8 && f->bitmode == 0;
}

/* ---- completing URBs and reaps ------------------------------------------------- */

static void urb_done(struct urb *u, int status, int actual)
{
	u->status = status;
	u->actual = actual;
	g_queue_push_tail(&u->owner->done, u);
}

static void urb_free(struct urb *u)
{
	if (u->bufd)
		umockdev_ioctl_data_unref(u->bufd);
	umockdev_ioctl_data_unref(u->urbd);
	g_free(u);
}

/* Give the client its oldest completed URB: complete the ioctl. */
static int give_done(struct client *cl, UMockdevIoctlClient *c)
{
	struct urb *u = g_queue_pop_head(&cl->done);
	if (!u)
		return 0;
	struct usbdevfs_urb *k = (struct usbdevfs_urb *)u->urbd->data;
	k->status = u->status;
	k->actual_length = u->actual;
	GError *err = NULL;
	UMockdevIoctlData *slot = umockdev_ioctl_data_resolve(umockdev_ioctl_client_get_arg(c), 0,
	                                                      sizeof(void *), &err);
	if (!slot) {
		if (S.o.verbose)                        /* a client that died while it waited */
			vlog("cannot reach the client's reap argument: %s", err ? err->message : "?");
		g_clear_error(&err);
		umockdev_ioctl_client_complete(c, -1, EFAULT);
		urb_free(u);
		return 1;
	}
	umockdev_ioctl_data_set_ptr(slot, 0, u->urbd);
	umockdev_ioctl_client_complete(c, 0, 0);
	umockdev_ioctl_data_unref(slot);
	urb_free(u);
	return 1;
}

/* Fill the oldest IN URB of @f from the receive buffer when the chip would
 * end it: full of whole packets, or the latency timer ran out. */
static void service_in(struct iface *f, gint64 now)
{
	struct urb *u;
	while ((u = g_queue_peek_head(&f->in_urbs))) {
		struct usbdevfs_urb *k = (struct usbdevfs_urb *)u->urbd->data;
		size_t pkts = (size_t)k->buffer_length / PKT;
		if (pkts == 0)
			pkts = 1;                       /* a short buffer still takes a short packet */
		int due = now >= f->last_sent + (gint64)f->latency_ms * 1000;
		if (f->rx_len < pkts * PAYLOAD && !due)
			return;
		size_t take = f->rx_len < pkts * PAYLOAD ? f->rx_len : pkts * PAYLOAD;
		size_t n = take + 2 * (take / PAYLOAD + (take % PAYLOAD || take == 0 ? 1 : 0));
		if (n > (size_t)k->buffer_length)
			n = (size_t)k->buffer_length, take = n - 2 * ((n + PKT - 1) / PKT);
		uint8_t *out = g_malloc(n);
		size_t o = 0, left = take;
		do {
			size_t p = left < PAYLOAD ? left : PAYLOAD;
			out[o++] = 0x01;                    /* modem status: no lines asserted */
			out[o++] = (uint8_t)(0x60 | (f->overrun ? 0x02 : 0));   /* THRE, TEMT, overrun */
			f->overrun = 0;
			for (size_t i = 0; i < p; i++) {
				out[o++] = f->rx[f->rx_head];
				f->rx_head = (f->rx_head + 1) % CHIP_BUF;
			}
			f->rx_len -= p;
			left -= p;
		} while (left);
		GError *err = NULL;
		UMockdevIoctlData *b = umockdev_ioctl_data_resolve(u->urbd, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
		                                                   o, &err);
		g_queue_pop_head(&f->in_urbs);
		if (!b) {
			if (S.o.verbose)
				vlog("cannot reach an IN buffer: %s", err ? err->message : "?");
			g_clear_error(&err);
			urb_done(u, -EFAULT, 0);
		} else {
			memcpy(b->data, out, o);
			u->bufd = b;
			urb_done(u, 0, (int)o);
			f->in_bytes += take;
		}
		g_free(out);
		f->last_sent = now;
	}
}

static void pump_socket(void);
static void arm_timer(void);

/* An IN URB the chip would end now: its buffer full of whole packets'
 * worth, or the latency timer ran out. */
static int in_due(const struct iface *f, gint64 now)
{
	const struct urb *u = g_queue_peek_head((GQueue *)&f->in_urbs);
	if (!u)
		return 0;
	const struct usbdevfs_urb *k = (const struct usbdevfs_urb *)u->urbd->data;
	size_t pkts = (size_t)k->buffer_length / PKT ? (size_t)k->buffer_length / PKT : 1;
	return f->rx_len >= pkts * PAYLOAD || now >= f->last_sent + (gint64)f->latency_ms * 1000;
}

/* The device node's readiness, as usbfs gives it: poll() reports POLLOUT
 * while a completed URB waits to be reaped, and blocks otherwise. The node
 * is a FIFO whose one-page buffer this end keeps full (not ready) or empty
 * (ready). An IN URB that is due counts as completed: its bytes are written
 * into the client's buffer when the client reaps, the only time its memory
 * can be reached. */
static void update_ready(void)
{
	if (S.ready_fd < 0)
		return;
	gint64 now = g_get_monotonic_time();
	int ready = S.unplugged;
	for (int i = 0; i < NIFACE && !ready; i++)
		ready = S.ifc[i].owner && in_due(&S.ifc[i], now);
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, S.clients);
	while (!ready && g_hash_table_iter_next(&it, &k, &v))
		ready = ((struct client *)v)->done.length > 0;
	if (ready != S.ready) {
		uint8_t b = 0;
		ssize_t r = ready ? read(S.ready_fd, &b, 1) : write(S.ready_fd, &b, 1);
		if (r == 1 || errno == EAGAIN)
			S.ready = ready;
	}
}

/* Fill IN URBs and complete every parked (blocking) reap that has
 * something now, then set the node's readiness. A client's memory can be
 * reached only while it waits in an ioctl: a parked reap, or @cur, the one
 * being handled (NULL: none). */
static void wake(struct client *cur)
{
	gint64 now = g_get_monotonic_time();
	for (int i = 0; i < NIFACE; i++) {
		struct client *o = S.ifc[i].owner;
		if (o && (o->parked || o == cur))
			service_in(&S.ifc[i], now);
	}
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, S.clients);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct client *cl = v;
		if (cl->parked && cl->done.length) {
			cl->parked = 0;
			give_done(cl, cl->c);
		} else if (cl->parked && S.unplugged) {
			cl->parked = 0;
			umockdev_ioctl_client_complete(cl->c, -1, ENODEV);
		}
	}
	update_ready();
	arm_timer();
}

static gboolean on_timer(gint fd, GIOCondition cond, gpointer data)
{
	(void)cond;
	(void)data;
	uint64_t n;
	if (read(fd, &n, sizeof n) < 0 && errno != EAGAIN)
		vlog("the latency timer: %s", strerror(errno));
	S.timer_when = 0;
	wake(NULL);
	return G_SOURCE_CONTINUE;
}

/* Look again at the next latency deadline of a pending IN URB (the node
 * becomes ready then), and at least every PARK_MAX_US while a blocking reap
 * is parked. A timerfd, to the microsecond: GLib's own time-outs wake up to
 * a millisecond late, which would add to every latency period. */
static void arm_timer(void)
{
	int parked = 0;
	GHashTableIter it;
	gpointer k, v;
	g_hash_table_iter_init(&it, S.clients);
	while (g_hash_table_iter_next(&it, &k, &v))
		parked |= ((struct client *)v)->parked;
	gint64 now = g_get_monotonic_time(), when = parked ? now + PARK_MAX_US : G_MAXINT64;
	for (int i = 0; i < NIFACE; i++) {
		struct iface *f = &S.ifc[i];
		if (f->owner && f->in_urbs.length) {
			gint64 d = f->last_sent + (gint64)f->latency_ms * 1000;
			if (d > now && d < when)
				when = d;
		}
	}
	if (when == G_MAXINT64 || (S.timer_when && S.timer_when <= when))
		return;
	if (S.timer_fd < 0) {
		S.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (S.timer_fd < 0) {
			vlog("cannot make a timer: %s", strerror(errno));
			return;
		}
		S.timer = g_unix_fd_source_new(S.timer_fd, G_IO_IN);
		g_source_set_callback(S.timer, (GSourceFunc)(void (*)(void))on_timer, NULL, NULL);
		g_source_attach(S.timer, S.ctx);
	}
	/* g_get_monotonic_time() is CLOCK_MONOTONIC in microseconds. */
	struct itimerspec its = { .it_value = { (time_t)(when / 1000000), (long)(when % 1000000) * 1000 } };
	if (timerfd_settime(S.timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		S.timer_when = when;
}

/* ---- the bridge to the virtual board ------------------------------------------- */

static void rx_from_uart(struct iface *f, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (f->rx_len == CHIP_BUF) {
			f->lost++;
			f->overrun = 1;
			continue;
		}
		f->rx[(f->rx_head + f->rx_len++) % CHIP_BUF] = p[i];
	}
}

/* Move queued OUT URBs into the transmit buffer as room allows. */
static void pump_out(struct iface *f)
{
	struct urb *u;
	while ((u = g_queue_peek_head(&f->out_urbs))) {
		size_t n = u->bufd ? (size_t)u->bufd->data_len : 0;
		int to_uart = f == &S.ifc[1] && S.sock >= 0;
		if (to_uart && n > CHIP_BUF - f->tx_len)
			return;                          /* the chip NAKs until there is room */
		g_queue_pop_head(&f->out_urbs);
		if (to_uart && line_ok(f)) {
			memcpy(f->tx + f->tx_len, u->bufd->data, n);
			f->tx_len += n;
		} else if (to_uart) {
			f->lost_baud += n;
		}
		f->out_bytes += n;
		urb_done(u, 0, (int)n);
	}
}

static gboolean on_sock(gint fd, GIOCondition cond, gpointer data);

static void watch_socket(void)
{
	if (S.sock_src) {
		g_source_destroy(S.sock_src);
		g_source_unref(S.sock_src);
	}
	S.sock_src = g_unix_fd_source_new(S.sock, G_IO_IN | G_IO_HUP | G_IO_ERR | (S.ifc[1].tx_len ? G_IO_OUT : 0));
	g_source_set_callback(S.sock_src, (GSourceFunc)(void (*)(void))on_sock, NULL, NULL);
	g_source_attach(S.sock_src, S.ctx);
}

static void sim_disconnect(void)
{
	if (S.sock_src) {
		g_source_destroy(S.sock_src);
		g_source_unref(S.sock_src);
		S.sock_src = NULL;
	}
	if (S.sock >= 0)
		close(S.sock);
	S.sock = -1;
	S.ifc[1].tx_len = 0;
}

/* Write the transmit buffer to the simulator, then take OUT URBs into it. */
static void pump_socket(void)
{
	struct iface *f = &S.ifc[1];
	int had_out = f->tx_len > 0;
	while (S.sock >= 0 && f->tx_len) {
		ssize_t w = send(S.sock, f->tx, f->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w <= 0)
			break;
		memmove(f->tx, f->tx + w, f->tx_len - (size_t)w);
		f->tx_len -= (size_t)w;
	}
	pump_out(f);
	if (S.sock >= 0 && f->tx_len) {
		ssize_t w = send(S.sock, f->tx, f->tx_len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			memmove(f->tx, f->tx + w, f->tx_len - (size_t)w);
			f->tx_len -= (size_t)w;
		}
	}
	if (S.sock >= 0 && (had_out != (f->tx_len > 0)))
		watch_socket();
}

static gboolean on_sock(gint fd, GIOCondition cond, gpointer data)
{
	(void)data;
	struct iface *f = &S.ifc[1];
	if (cond & G_IO_IN) {
		uint8_t buf[8192];
		ssize_t n = recv(fd, buf, sizeof buf, MSG_DONTWAIT);
		if (n > 0) {
			if (line_ok(f))
				rx_from_uart(f, buf, (size_t)n);
			else
				f->lost_baud += (uint64_t)n;
		} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			if (S.o.verbose)
				vlog("the virtual board closed the connection");
			S.sock_src = NULL;       /* returning REMOVE drops it */
			close(S.sock);
			S.sock = -1;
			wake(NULL);
			return G_SOURCE_REMOVE;
		}
	}
	pump_socket();
	wake(NULL);
	return G_SOURCE_CONTINUE;
}

static int sim_connect(void)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)S.sim_port) };
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
		vlog("cannot reach the virtual board on port %d: %s", S.sim_port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	S.sock = fd;
	watch_socket();
	return 0;
}

/* ---- the device going away ------------------------------------------------------- */

static gboolean on_unplug(gpointer data)
{
	(void)data;
	vlog("unplugging the FT2232H");
	S.unplugged = 1;
	for (int i = 0; i < NIFACE; i++) {
		struct iface *f = &S.ifc[i];
		struct urb *u;
		while ((u = g_queue_pop_head(&f->in_urbs)))
			urb_done(u, -ESHUTDOWN, 0);
		while ((u = g_queue_pop_head(&f->out_urbs)))
			urb_done(u, -ESHUTDOWN, 0);
	}
	sim_disconnect();
	wake(NULL);
	return G_SOURCE_REMOVE;
}

/* ---- control requests ----------------------------------------------------------- */

static void reset_iface(struct iface *f)
{
	f->latency_ms = 16;
	f->baud = 9600;
	f->line = 8;
	f->bitmode = 0;
	f->rx_len = f->rx_head = 0;
	f->tx_len = 0;
}

/* A string descriptor: 0 is the language list. Its length, or -1. */
static int string_desc(unsigned idx, uint8_t *out, size_t cap)
{
	const char *s = idx == 1 ? "FTDI" : idx == 2 ? "Dual RS232-HS" : idx == 3 ? S.o.serial : NULL;
	if (idx == 0) {
		static const uint8_t langs[] = { 4, 3, 0x09, 0x04 };
		size_t n = cap < 4 ? cap : 4;
		memcpy(out, langs, n);
		return (int)n;
	}
	if (!s)
		return -1;
	uint8_t d[256];
	size_t len = strlen(s);
	if (len > 126)
		len = 126;
	d[0] = (uint8_t)(2 + 2 * len);
	d[1] = 3;
	for (size_t i = 0; i < len; i++) {
		d[2 + 2 * i] = (uint8_t)s[i];
		d[3 + 2 * i] = 0;
	}
	size_t n = d[0] < cap ? d[0] : cap;
	memcpy(out, d, n);
	return (int)n;
}

/* Answer one setup packet. @data holds wLength bytes (IN: to fill). Returns
 * the bytes of data moved, or -EPIPE for a stall. */
static int control(const uint8_t *setup, uint8_t *data)
{
	uint8_t rt = setup[0], req = setup[1];
	uint16_t val = (uint16_t)(setup[2] | setup[3] << 8), idx = (uint16_t)(setup[4] | setup[5] << 8);
	uint16_t len = (uint16_t)(setup[6] | setup[7] << 8);
	int fi = (idx & 0xFF) >= 1 && (idx & 0xFF) <= NIFACE ? (idx & 0xFF) - 1 : 0;
	struct iface *f = &S.ifc[fi];
	if (S.o.verbose)
		vlog("control %02x %02x %04x %04x %u", rt, req, val, idx, len);
	if (rt == 0x40) {                               /* vendor, host to device */
		switch (req) {
		case 0x00:                              /* SIO_RESET */
			if (val == 0) {
				reset_iface(f);
			} else if (val == 1) {
				f->tx_len = 0;              /* host -> UART: what is not yet sent */
			} else if (val == 2) {
				f->rx_len = f->rx_head = 0;  /* UART -> host */
			}
			return 0;
		case 0x01: return 0;                    /* SIO_SET_MODEM_CTRL */
		case 0x02: return 0;                    /* SIO_SET_FLOW_CTRL */
		case 0x03:
			f->baud = decode_baud(val, idx);
			if (f == &S.ifc[1] && !line_ok(f) && S.o.verbose)
				vlog("interface B at %u baud: the board runs at %u, bytes will be lost", f->baud, S.board_baud);
			return 0;
		case 0x04: f->line = val; return 0;     /* SIO_SET_DATA */
		case 0x06: return 0;                    /* event character */
		case 0x07: return 0;                    /* error character */
		case 0x09: f->latency_ms = (val & 0xFF) ? (val & 0xFF) : 1; return 0;
		case 0x0B: f->bitmode = (uint8_t)(val >> 8); f->bitmask = (uint8_t)val; return 0;
		case 0x91: case 0x92: return 0;         /* EEPROM write, erase: ignored */
		default:
			S.unknown_requests++;
			vlog("unknown vendor request %02x %02x value %04x index %04x: accepted, as the chip does",
			     rt, req, val, idx);
			return 0;
		}
	}
	if (rt == 0xC0) {                               /* vendor, device to host */
		switch (req) {
		case 0x05:                              /* SIO_POLL_MODEM_STATUS */
			if (len >= 1) data[0] = 0x01;
			if (len >= 2) data[1] = 0x60;
			return len < 2 ? len : 2;
		case 0x0A:
			if (len >= 1) data[0] = (uint8_t)f->latency_ms;
			return len < 1 ? 0 : 1;
		case 0x0C:                              /* SIO_READ_PINS */
			if (len >= 1) data[0] = 0xFF;
			return len < 1 ? 0 : 1;
		case 0x90:                              /* read an EEPROM word: a blank EEPROM */
			if (len >= 1) data[0] = 0xFF;
			if (len >= 2) data[1] = 0xFF;
			return len < 2 ? len : 2;
		default:
			S.unknown_requests++;
			vlog("unknown vendor request %02x %02x value %04x index %04x: stalled", rt, req, val, idx);
			return -EPIPE;
		}
	}
	if (rt == 0x80 && req == 0x06) {                /* GET_DESCRIPTOR */
		unsigned type = val >> 8, di = val & 0xFF;
		if (type == 1 || type == 2) {
			const uint8_t *d = type == 1 ? DESCRIPTORS : DESCRIPTORS + 18;
			size_t n = type == 1 ? 18 : sizeof DESCRIPTORS - 18;
			if (n > len)
				n = len;
			memcpy(data, d, n);
			return (int)n;
		}
		if (type == 3)
			return string_desc(di, data, len) < 0 ? -EPIPE : string_desc(di, data, len);
		return -EPIPE;
	}
	if (rt == 0x80 && req == 0x00) {                /* GET_STATUS: self-powered no, remote wake no */
		if (len >= 2) data[0] = data[1] = 0;
		return len < 2 ? len : 2;
	}
	if (rt == 0x80 && req == 0x08) {                /* GET_CONFIGURATION */
		if (len >= 1) data[0] = 1;
		return len < 1 ? 0 : 1;
	}
	if (rt == 0x00 && (req == 0x09 || req == 0x01 || req == 0x03))
		return 0;                               /* SET_CONFIGURATION, features */
	if (rt == 0x01 && req == 0x0B)
		return 0;                               /* SET_INTERFACE */
	if (rt == 0x02 && req == 0x01)
		return 0;                               /* CLEAR_FEATURE(ENDPOINT_HALT) */
	S.unknown_requests++;
	vlog("unknown request %02x %02x value %04x index %04x: stalled, as the chip does", rt, req, val, idx);
	return -EPIPE;
}

/* ---- usbfs ioctls ------------------------------------------------------------------ */

static struct client *client_of(UMockdevIoctlClient *c)
{
	struct client *cl = g_hash_table_lookup(S.clients, c);
	if (!cl) {
		cl = g_new0(struct client, 1);
		cl->c = g_object_ref(c);              /* a parked reap outlives the signal */
		g_queue_init(&cl->done);
		g_hash_table_insert(S.clients, c, cl);
	}
	return cl;
}

static void release(struct client *cl, int i)
{
	struct iface *f = &S.ifc[i];
	if (f->owner != cl)
		return;
	struct urb *u;
	while ((u = g_queue_pop_head(&f->in_urbs)))
		urb_free(u);
	while ((u = g_queue_pop_head(&f->out_urbs)))
		urb_free(u);
	f->owner = NULL;
	cl->claimed &= ~(1u << i);
	if (i == 1)
		sim_disconnect();
}

static int claim(struct client *cl, unsigned i)
{
	if (i >= NIFACE)
		return -ENOENT;
	struct iface *f = &S.ifc[i];
	if (f->owner && f->owner != cl)
		return -EBUSY;
	if (f->owner == cl)
		return 0;
	if (i == 1 && S.sock < 0 && sim_connect() < 0)
		return -EIO;
	f->owner = cl;
	cl->claimed |= 1u << i;
	f->last_sent = g_get_monotonic_time();
	if (i == 1 && S.o.unplug_ms && !S.unplug_armed) {
		S.unplug_armed = 1;
		GSource *t = g_timeout_source_new((guint)S.o.unplug_ms);
		g_source_set_callback(t, on_unplug, NULL, NULL);
		g_source_attach(t, S.ctx);
		g_source_unref(t);
	}
	return 0;
}

static void on_vanished(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer data)
{
	(void)h;
	(void)data;
	struct client *cl = g_hash_table_lookup(S.clients, c);
	if (!cl)
		return;
	for (int i = 0; i < NIFACE; i++)
		release(cl, i);
	struct urb *u;
	while ((u = g_queue_pop_head(&cl->done)))
		urb_free(u);
	g_hash_table_remove(S.clients, c);
	g_object_unref(cl->c);
	g_free(cl);
	update_ready();
}

static int submit(struct client *cl, UMockdevIoctlData *arg)
{
	GError *err = NULL;
	UMockdevIoctlData *ud = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_urb), &err);
	if (!ud) {
		g_clear_error(&err);
		return -EFAULT;
	}
	struct usbdevfs_urb *k = (struct usbdevfs_urb *)ud->data;
	struct urb *u = g_new0(struct urb, 1);
	u->owner = cl;
	u->urbd = ud;
	u->in = (k->endpoint & 0x80) != 0;
	if (k->type == USBDEVFS_URB_TYPE_CONTROL) {
		if (k->buffer_length < 8) {
			urb_free(u);
			return -EINVAL;
		}
		u->bufd = umockdev_ioctl_data_resolve(ud, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
		                                      (gsize)k->buffer_length, &err);
		if (!u->bufd) {
			g_clear_error(&err);
			urb_free(u);
			return -EFAULT;
		}
		int n = control(u->bufd->data, u->bufd->data + 8);
		urb_done(u, n < 0 ? n : 0, n < 0 ? 0 : n);
		if (u->bufd->data[0] == 0x40 && u->bufd->data[1] == 0x00)
			pump_socket();
		return 0;
	}
	int ep = k->endpoint & 0x7F;
	int i = ep == 1 || ep == 2 ? 0 : ep == 3 || ep == 4 ? 1 : -1;
	if (k->type != USBDEVFS_URB_TYPE_BULK || i < 0 || (u->in && (ep != 1 && ep != 3)) ||
	    (!u->in && (ep != 2 && ep != 4))) {
		urb_free(u);
		return -EINVAL;                           /* the FT2232H has bulk endpoints only */
	}
	struct iface *f = &S.ifc[i];
	if (f->owner != cl) {
		urb_free(u);
		return -ENOENT;                           /* the kernel wants the interface claimed */
	}
	u->iface = i;
	if (u->in) {
		g_queue_push_tail(&f->in_urbs, u);
		return 0;
	}
	if (k->buffer_length > 0) {
		u->bufd = umockdev_ioctl_data_resolve(ud, G_STRUCT_OFFSET(struct usbdevfs_urb, buffer),
		                                      (gsize)k->buffer_length, &err);
		if (!u->bufd) {
			g_clear_error(&err);
			urb_free(u);
			return -EFAULT;
		}
	}
	g_queue_push_tail(&f->out_urbs, u);
	if (i == 1)
		pump_socket();
	else
		pump_out(f);
	return 0;
}

static int discard(struct client *cl, unsigned long addr)
{
	for (int i = 0; i < NIFACE; i++) {
		GQueue *qs[2] = { &S.ifc[i].in_urbs, &S.ifc[i].out_urbs };
		for (int q = 0; q < 2; q++) {
			for (GList *l = qs[q]->head; l; l = l->next) {
				struct urb *u = l->data;
				if (u->owner == cl && u->urbd->client_addr == addr) {
					g_queue_delete_link(qs[q], l);
					urb_done(u, -ENOENT, 0);
					return 0;
				}
			}
		}
	}
	return -EINVAL;                                   /* done already: reap it */
}

static gboolean handle_ioctl(UMockdevIoctlBase *h, UMockdevIoctlClient *c, gpointer data)
{
	(void)h;
	(void)data;
	if (!S.ctx) {
		S.ctx = g_main_context_ref_thread_default();
		prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0);   /* this, umockdev's worker thread: wake on time */
	}
	struct client *cl = client_of(c);
	gulong req = umockdev_ioctl_client_get_request(c);
	UMockdevIoctlData *arg = umockdev_ioctl_client_get_arg(c);
	GError *err = NULL;
	int r = 0;
	uint32_t v;
	UMockdevIoctlData *d;

	if (S.unplugged && req != USBDEVFS_REAPURBNDELAY && req != USBDEVFS_REAPURB &&
	    req != USBDEVFS_RELEASEINTERFACE && req != USBDEVFS_DISCARDURB) {
		umockdev_ioctl_client_complete(c, -1, ENODEV);
		return TRUE;
	}
	switch (req) {
	case USBDEVFS_GET_CAPABILITIES:
		if (!(d = umockdev_ioctl_data_resolve(arg, 0, 4, &err)))
			break;
		v = USBDEVFS_CAP_BULK_SCATTER_GATHER | USBDEVFS_CAP_BULK_CONTINUATION | USBDEVFS_CAP_NO_PACKET_SIZE_LIM |
		    USBDEVFS_CAP_REAP_AFTER_DISCONNECT | USBDEVFS_CAP_ZERO_PACKET;
		memcpy(d->data, &v, 4);
		umockdev_ioctl_data_unref(d);
		umockdev_ioctl_client_complete(c, 0, 0);
		return TRUE;
	case USBDEVFS_GETDRIVER:
	case USBDEVFS_IOCTL:                              /* no kernel driver to detach */
		umockdev_ioctl_client_complete(c, -1, ENODATA);
		return TRUE;
	case USBDEVFS_CLAIMINTERFACE:
	case USBDEVFS_RELEASEINTERFACE:
		if (!(d = umockdev_ioctl_data_resolve(arg, 0, 4, &err)))
			break;
		memcpy(&v, d->data, 4);
		umockdev_ioctl_data_unref(d);
		if (req == USBDEVFS_CLAIMINTERFACE)
			r = claim(cl, v);
		else if (v < NIFACE && S.ifc[v].owner == cl)
			release(cl, (int)v);
		else
			r = -EINVAL;
		update_ready();
		umockdev_ioctl_client_complete(c, r ? -1 : 0, r ? -r : 0);
		return TRUE;
	case USBDEVFS_SUBMITURB:
		r = submit(cl, arg);
		wake(cl);
		umockdev_ioctl_client_complete(c, r ? -1 : 0, r ? -r : 0);
		return TRUE;
	case USBDEVFS_DISCARDURB:
		/* _IO: the argument is the URB's address itself, which umockdev
		 * passes as the argument's data. */
		r = arg->data_len >= (gint)sizeof(unsigned long) ? discard(cl, *(unsigned long *)(void *)arg->data) : -EINVAL;
		wake(cl);
		umockdev_ioctl_client_complete(c, r ? -1 : 0, r ? -r : 0);
		return TRUE;
	case USBDEVFS_REAPURB:
	case USBDEVFS_REAPURBNDELAY: {
		gint64 now = g_get_monotonic_time();
		for (int i = 0; i < NIFACE; i++)
			if (S.ifc[i].owner == cl)
				service_in(&S.ifc[i], now);
		if (give_done(cl, c)) {
			update_ready();
			arm_timer();                  /* the next IN URB's latency deadline */
			return TRUE;
		}
		int pending = 0;
		for (int i = 0; i < NIFACE; i++)
			if (S.ifc[i].owner == cl)
				pending += S.ifc[i].in_urbs.length + S.ifc[i].out_urbs.length;
		if (S.unplugged) {
			umockdev_ioctl_client_complete(c, -1, ENODEV);
			return TRUE;
		}
		/* REAPURBNDELAY never waits, as in the kernel: a client waits in
		 * poll() on the node (update_ready()). REAPURB blocks until a URB
		 * completes. */
		if (!pending || req == USBDEVFS_REAPURBNDELAY) {
			umockdev_ioctl_client_complete(c, -1, EAGAIN);
			update_ready();
			arm_timer();
			return TRUE;
		}
		cl->parked = 1;                       /* completed by wake() */
		arm_timer();
		return TRUE;
	}
	case USBDEVFS_SETCONFIGURATION:
	case USBDEVFS_SETINTERFACE:
	case USBDEVFS_CLEAR_HALT:
	case USBDEVFS_RESETEP:
	case USBDEVFS_RESET:
		umockdev_ioctl_client_complete(c, 0, 0);
		return TRUE;
	case USBDEVFS_CONNECTINFO:
		if (!(d = umockdev_ioctl_data_resolve(arg, 0, sizeof(struct usbdevfs_connectinfo), &err)))
			break;
		((struct usbdevfs_connectinfo *)d->data)->devnum = 2;
		((struct usbdevfs_connectinfo *)d->data)->slow = 0;
		umockdev_ioctl_data_unref(d);
		umockdev_ioctl_client_complete(c, 0, 0);
		return TRUE;
	case USBDEVFS_GET_SPEED:
		umockdev_ioctl_client_complete(c, 3 /* USB_SPEED_HIGH */, 0);
		return TRUE;
	default:
		if (S.o.verbose)
			vlog("ioctl 0x%lx: not supported (ENOTTY)", (unsigned long)req);
		umockdev_ioctl_client_complete(c, -1, ENOTTY);
		return TRUE;
	}
	vlog("ioctl 0x%lx: cannot reach its argument: %s", (unsigned long)req, err ? err->message : "?");
	g_clear_error(&err);
	umockdev_ioctl_client_complete(c, -1, EFAULT);
	return TRUE;
}

/* ---- the program ------------------------------------------------------------------ */

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: icebuf-ftdi-sim [options] [simulator options] -- COMMAND [ARGS...]\n"
	    "Run COMMAND with a virtual FT2232H (0403:6010) that libftdi1/libusb find as a real one\n"
	    "(umockdev); its interface B is the UART of a virtual board.\n"
	    "  --board icestick|icebreaker  which virtual board [icestick]: build/bin/icebuf-sim or\n"
	    "                               icebuf-sim-icebreaker beside this program\n"
	    "  --sim PATH          the virtual board's program instead\n"
	    "  --serial S          the chip's USB serial number [IB000001]\n"
	    "  --no-device         no FT2232H at all (as when the board is unplugged)\n"
	    "  --deny-access       the device node is not readable by COMMAND (no udev rule)\n"
	    "  --unplug-after MS   the FT2232H goes away MS milliseconds after interface B is\n"
	    "                      first claimed [never]\n"
	    "  --verbose           log every control request\n"
	    "  --help              this text\n"
	    "Any other option goes to the virtual board (see icebuf-sim --help): --ber RATE,\n"
	    "--drop RATE, --garbage RATE, --stall, --seed N, --stats, --fast, --speed X, ...\n"
	    "The exit status is COMMAND's.\n");
}

static int parse(int argc, char **argv, struct opts *o)
{
	o->board = "icestick";
	o->serial = "IB000001";
	o->sim_args = g_ptr_array_new();
	int i;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *next = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--")) {
			i++;
			break;
		} else if (!strcmp(a, "--help")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(a, "--board") || !strcmp(a, "--sim") || !strcmp(a, "--serial") ||
		           !strcmp(a, "--unplug-after")) {
			if (!next) {
				fprintf(stderr, "icebuf-ftdi-sim: %s needs a value (see --help)\n", a);
				return 2;
			}
			i++;
			if (!strcmp(a, "--board")) {
				if (strcmp(next, "icestick") && strcmp(next, "icebreaker")) {
					fprintf(stderr, "icebuf-ftdi-sim: --board is icestick or icebreaker, not '%s'\n", next);
					return 2;
				}
				o->board = next;
			} else if (!strcmp(a, "--sim")) {
				o->sim = next;
			} else if (!strcmp(a, "--serial")) {
				if (strlen(next) == 0 || strlen(next) > 60) {
					fprintf(stderr, "icebuf-ftdi-sim: --serial wants 1 to 60 characters\n");
					return 2;
				}
				o->serial = next;
			} else {
				char *end;
				o->unplug_ms = strtol(next, &end, 10);
				if (*end || o->unplug_ms <= 0) {
					fprintf(stderr, "icebuf-ftdi-sim: --unplug-after wants milliseconds, not '%s'\n", next);
					return 2;
				}
			}
		} else if (!strcmp(a, "--no-device")) {
			o->no_device = 1;
		} else if (!strcmp(a, "--deny-access")) {
			o->deny_access = 1;
		} else if (!strcmp(a, "--verbose")) {
			o->verbose = 1;
		} else {
			g_ptr_array_add(o->sim_args, argv[i]);
		}
	}
	if (i >= argc) {
		fprintf(stderr, "icebuf-ftdi-sim: no command: icebuf-ftdi-sim [options] -- COMMAND... (see --help)\n");
		return 2;
	}
	o->cmd = argv + i;
	return -1;
}

/* umockdev makes a usb device's node a regular file, which poll() always
 * finds ready: libusb would reap in a loop. Make it a FIFO instead, with a
 * buffer of one page that update_ready() keeps full or empty; clients open
 * it read-write, so it never blocks an open and never hangs up. */
static int make_ready_node(const char *node)
{
	struct stat st;
	if (stat(node, &st) < 0 || unlink(node) < 0 || mkfifo(node, st.st_mode & 07777) < 0)
		return -1;
	chmod(node, st.st_mode & 07777);                 /* whatever the umask took */
	S.ready_fd = open(node, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (S.ready_fd < 0)
		return -1;
	fcntl(S.ready_fd, F_SETPIPE_SZ, 4096);
	uint8_t b = 0;
	if (write(S.ready_fd, &b, 1) != 1)                /* no client, nothing to reap */
		return -1;
	S.ready = 0;
	return 0;
}

/* Spawn the virtual board; its port from the line it prints. */
static pid_t spawn_sim(const char *path, GPtrArray *extra, int *port)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		GPtrArray *av = g_ptr_array_new();
		g_ptr_array_add(av, (char *)path);
		g_ptr_array_add(av, "--listen");
		g_ptr_array_add(av, "127.0.0.1:0");
		for (guint i = 0; i < extra->len; i++)
			g_ptr_array_add(av, extra->pdata[i]);
		g_ptr_array_add(av, NULL);
		execv(path, (char **)av->pdata);
		fprintf(stderr, "icebuf-ftdi-sim: cannot run %s: %s\n", path, strerror(errno));
		_exit(127);
	}
	close(p[1]);
	char line[256];
	size_t n = 0;
	while (n + 1 < sizeof line) {
		ssize_t r = read(p[0], line + n, 1);
		if (r <= 0 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = 0;
	close(p[0]);
	const char *c = strrchr(line, ':');
	if (pid < 0 || !strstr(line, "listening on") || !c || (*port = atoi(c + 1)) <= 0) {
		if (pid > 0) {
			kill(pid, SIGTERM);
			waitpid(pid, NULL, 0);
		}
		return -1;
	}
	return pid;
}

/* Take away what lets root open any file, for --deny-access. */
static void drop_dac(void)
{
	prctl(PR_CAPBSET_DROP, CAP_DAC_OVERRIDE, 0, 0, 0);
	prctl(PR_CAPBSET_DROP, CAP_DAC_READ_SEARCH, 0, 0, 0);
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	if (syscall(SYS_capget, &h, d) == 0) {
		for (int i = 0; i < 2; i++) {
			uint32_t m = ~0u;
			if (i == CAP_DAC_OVERRIDE / 32)
				m &= ~(1u << (CAP_DAC_OVERRIDE % 32));
			if (i == CAP_DAC_READ_SEARCH / 32)
				m &= ~(1u << (CAP_DAC_READ_SEARCH % 32));
			d[i].effective &= m;
			d[i].permitted &= m;
			d[i].inheritable &= m;
		}
		syscall(SYS_capset, &h, d);
	}
}

/* SIGINT, SIGTERM, SIGHUP go to COMMAND; this program cleans up (the
 * simulator, the test bed) once COMMAND has gone. */
static volatile pid_t g_child;
static void forward_signal(int sig)
{
	if (g_child > 0)
		kill(g_child, sig);
}

static void add_env(const char *name, const char *val, const char *sep)
{
	const char *old = getenv(name);
	if (old && strstr(old, val))
		return;
	char *v = old && *old ? g_strconcat(val, sep, old, NULL) : g_strdup(val);
	setenv(name, v, 1);
	g_free(v);
}

int main(int argc, char **argv)
{
	int r = parse(argc, argv, &S.o);
	if (r >= 0)
		return r;
	S.sock = -1;
	S.ready_fd = -1;
	S.timer_fd = -1;
	for (int i = 0; i < NIFACE; i++) {
		g_queue_init(&S.ifc[i].in_urbs);
		g_queue_init(&S.ifc[i].out_urbs);
		reset_iface(&S.ifc[i]);
	}
	int icebreaker = !strcmp(S.o.board, "icebreaker");
	S.board_baud = icebreaker ? 12000000 : 3000000;
	char *sim = S.o.sim ? g_strdup(S.o.sim) : NULL;
	if (!sim) {
		char *self = g_file_read_link("/proc/self/exe", NULL);
		char *dir = self ? g_path_get_dirname(self) : g_strdup(".");
		sim = g_build_filename(dir, icebreaker ? "icebuf-sim-icebreaker" : "icebuf-sim", NULL);
		g_free(self);
		g_free(dir);
	}
	signal(SIGPIPE, SIG_IGN);
	pid_t simpid = spawn_sim(sim, S.o.sim_args, &S.sim_port);
	if (simpid < 0) {
		fprintf(stderr, "icebuf-ftdi-sim: the virtual board (%s) did not start\n", sim);
		return 1;
	}

	UMockdevTestbed *tb = umockdev_testbed_new();
	S.clients = g_hash_table_new(g_direct_hash, g_direct_equal);
	UMockdevIoctlBase *h = umockdev_ioctl_base_new();
	if (!S.o.no_device) {
		GString *desc = g_string_new(NULL);
		g_string_append_printf(desc,
		    "P: %s\nN: bus/usb/001/002\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: DEVNAME=%s\n"
		    "E: BUSNUM=001\nE: DEVNUM=002\nE: MAJOR=189\nE: MINOR=1\nE: PRODUCT=403/6010/700\n"
		    "A: busnum=1\nA: devnum=2\nA: speed=480\nA: bConfigurationValue=1\nA: bNumInterfaces= 2\n"
		    "A: idVendor=0403\nA: idProduct=6010\nA: bcdDevice=0700\nA: dev=189:1\n"
		    "A: manufacturer=FTDI\nA: product=Dual RS232-HS\nA: serial=%s\nH: descriptors=",
		    DEV_SYS + 4, DEV_NODE, S.o.serial);
		for (size_t i = 0; i < sizeof DESCRIPTORS; i++)
			g_string_append_printf(desc, "%02X", DESCRIPTORS[i]);
		g_string_append_c(desc, '\n');
		GError *err = NULL;
		if (!umockdev_testbed_add_from_string(tb, desc->str, &err)) {
			fprintf(stderr, "icebuf-ftdi-sim: cannot create the device: %s\n", err->message);
			return 1;
		}
		g_string_free(desc, TRUE);
		g_signal_connect(h, "handle-ioctl", G_CALLBACK(handle_ioctl), NULL);
		g_signal_connect(h, "client-vanished", G_CALLBACK(on_vanished), NULL);
		if (!umockdev_testbed_attach_ioctl(tb, DEV_NODE, h, &err)) {
			fprintf(stderr, "icebuf-ftdi-sim: cannot attach to the device: %s\n", err->message);
			return 1;
		}
		char *root = umockdev_testbed_get_root_dir(tb);
		char *node = g_build_filename(root, DEV_NODE, NULL);
		if (make_ready_node(node) < 0) {
			fprintf(stderr, "icebuf-ftdi-sim: cannot make the device node %s: %s\n", node, strerror(errno));
			return 1;
		}
		if (S.o.deny_access)
			chmod(node, 0);
		g_free(node);
		g_free(root);
	}

	fflush(NULL);
	pid_t child = fork();
	if (child == 0) {
		add_env("LD_PRELOAD", "libumockdev-preload.so.0", ":");
		add_env("ASAN_OPTIONS", "verify_asan_link_order=0", ":");
		/* The virtual board's clock (docs/sim.md): libicebuf's ftdi://
		 * then times out on board time, as over sim://. */
		char clk[96];
		snprintf(clk, sizeof clk, "/dev/shm/icebuf-sim-127.0.0.1-%d", S.sim_port);
		setenv("ICEBUF_FTDI_SIM_CLOCK", clk, 1);
		if (S.o.deny_access)
			drop_dac();
		execvp(S.o.cmd[0], S.o.cmd);
		fprintf(stderr, "icebuf-ftdi-sim: cannot run %s: %s\n", S.o.cmd[0], strerror(errno));
		_exit(127);
	}
	g_child = child;
	struct sigaction sa = { .sa_handler = forward_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	int st = 0;
	struct rusage ru = { 0 };
	gint64 t0 = g_get_monotonic_time();
	while (child > 0 && wait4(child, &st, 0, &ru) < 0 && errno == EINTR)
		;
	double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
	kill(simpid, SIGINT);
	waitpid(simpid, NULL, 0);
	int stats = 0;
	for (guint i = 0; i < S.o.sim_args->len; i++)
		stats |= !strcmp(S.o.sim_args->pdata[i], "--stats");
	if (stats) {
		struct rusage me;
		getrusage(RUSAGE_SELF, &me);
		double cu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
		double cs = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
		double mu = (double)me.ru_utime.tv_sec + me.ru_utime.tv_usec / 1e6 +
		            (double)me.ru_stime.tv_sec + me.ru_stime.tv_usec / 1e6;
		vlog("COMMAND: %.3f s user + %.3f s system CPU in %.3f s wall (%.1f %% of a core); "
		     "the emulated chip: %.3f s CPU (%.1f %%)", cu, cs, wall, wall > 0 ? 100 * (cu + cs) / wall : 0.0,
		     mu, wall > 0 ? 100 * mu / wall : 0.0);
	}
	if (S.ifc[1].lost || S.ifc[1].lost_baud || S.unknown_requests || S.o.verbose || stats)
		vlog("interface B: %llu bytes host->board, %llu board->host, %llu lost in the full receive buffer, "
		     "%llu lost to a baud rate or line setting the board does not use; %llu unknown requests",
		     (unsigned long long)S.ifc[1].out_bytes, (unsigned long long)S.ifc[1].in_bytes,
		     (unsigned long long)S.ifc[1].lost, (unsigned long long)S.ifc[1].lost_baud,
		     (unsigned long long)S.unknown_requests);
	g_object_unref(tb);
	g_free(sim);
	if (child < 0)
		return 1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
