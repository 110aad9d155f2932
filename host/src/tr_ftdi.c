/*
 * tr_ftdi.c — ftdi://: the FT2232H through libftdi1, no kernel driver.
 * SPDX-License-Identifier: MIT
 *
 * Interface B of the FT2232H is the FPGA's UART on both boards (A programs
 * the flash). Writes are asynchronous (ftdi_write_data_submit): up to two
 * 4 KiB transfers in flight keep the USB pipe busy while the caller goes on
 * reading, so a write that waits for room in the chip's 4 KiB transmit
 * buffer never stops the reads. Reads are RD_XFERS bulk IN transfers kept
 * in flight through libusb's asynchronous API on libftdi's device handle
 * (libftdi's ftdi_read_data_submit completes only once its whole size has
 * arrived, which suits a reader of known length, not a stream): the chip
 * ends each one when it is full or its latency timer (1 ms by default) runs
 * out, and the callback strips the two modem-status bytes that lead every
 * 512-byte packet, keeps the payload in a ring and submits the transfer
 * again, so while the library handles one the chip is filling the next.
 * Reads and writes share libusb's event loop, which completes both.
 *
 * The descriptor (icebuf_fileno()): libusb waits on several (the device's
 * usbfs node, which polls POLLOUT when a transfer completed, its own event
 * and timer descriptors), and says which through libusb_get_pollfds() and
 * its notifiers. They are all kept in one epoll descriptor, readable
 * whenever one of them is ready, which a program polls with its own.
 *
 * The clock: the wall clock, except behind the virtual FT2232H
 * (icebuf-ftdi-sim), which names the virtual board's clock page in
 * $ICEBUF_FTDI_SIM_CLOCK (docs/sim.md, "Board time on the host"): the
 * library's time-outs then run on the board's simulated time, as over
 * sim://, and a busy machine that slows the board does not make them fire
 * early. A clock that stops for 5 s of wall time ($ICEBUF_SIM_STALL_MS)
 * fails a wait with ICEBUF_ERR_STALLED.
 */
#include "transport.h"
#include "icebuf.h"

#ifdef ICEBUF_NO_FTDI

int ib_ftdi_open(struct ib_transport *t, const struct ib_device *d, unsigned baud)
{
	(void)d;
	(void)baud;
	ib_set_err(t, "this libicebuf was built without libftdi1: use tty:/dev/ttyUSB1");
	return ICEBUF_ERR_UNSUPPORTED;
}

#else

#include <ftdi.h>
#include <libusb.h>
#include <stdio.h>
#include <stdlib.h>
#include <poll.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

/* Write transfers in flight, each of at most WR_CHUNK bytes (the chip's
 * transmit buffer). */
#define WR_SLOTS 2
#define WR_CHUNK 4096
/* Bulk IN transfers kept in flight, RD_SIZE bytes each: while one is being
 * completed and handed over, the others hold the chip's packets, so its
 * 4 KiB receive buffer never waits for the host. */
#define RD_XFERS 4
#define RD_SIZE 16384
/* Payload received and not yet read; a transfer is resubmitted only while
 * what all of them could bring still fits. */
#define RING (8 * RD_SIZE)

struct ftdi_tr {
	struct ftdi_context *f;
	struct ftdi_transfer_control *tc[WR_SLOTS];   /* oldest first; NULL: free */
	unsigned char buf[WR_SLOTS][WR_CHUNK];
	int n;                                        /* transfers in flight */
	int head;                                     /* slot of the oldest */
	struct libusb_transfer *rd[RD_XFERS];
	int rd_busy[RD_XFERS];                        /* submitted, not yet called back */
	int rd_inflight;
	int closing;
	int got;                                      /* a read transfer came back */
	int dead;                                     /* the device failed: CLOSED */
	char dead_msg[160];
	unsigned char ring[RING];
	size_t rhead, rlen;
	int epfd;                                     /* libusb's descriptors, or -1 */
	struct ib_board_clock clk;                    /* the virtual board's (no page: the wall clock) */
};

static double ftdi_now_ms(struct ib_transport *t)
{
	struct ftdi_tr *p = t->priv;
	return p ? ib_board_clock_ms(t, &p->clk) : ib_wall_ms(t);
}

/* Map the clock page the virtual FT2232H names, if it names one. */
static void clock_open(struct ib_transport *t, struct ftdi_tr *p)
{
	const char *path = getenv("ICEBUF_FTDI_SIM_CLOCK");
	if (path && *path && ib_board_clock_open(t, &p->clk, path) == 0)
		t->board_clock = 1;
}

/* libusb's descriptors into the epoll set, as libusb adds and removes them. */
static void LIBUSB_CALL fd_added(int fd, short events, void *user)
{
	struct ftdi_tr *p = user;
	struct epoll_event ev = { .events = ((events & POLLIN) ? EPOLLIN : 0u) | ((events & POLLOUT) ? EPOLLOUT : 0u),
	                          .data.fd = fd };
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		epoll_ctl(p->epfd, EPOLL_CTL_MOD, fd, &ev);
}

static void LIBUSB_CALL fd_removed(int fd, void *user)
{
	struct ftdi_tr *p = user;
	epoll_ctl(p->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* One descriptor for all of libusb's: 0, or -1 (the handle then has none). */
static int fd_setup(struct ftdi_tr *p)
{
	p->epfd = ib_fd_above_std(epoll_create1(EPOLL_CLOEXEC));
	if (p->epfd < 0)
		return -1;
	const struct libusb_pollfd **l = libusb_get_pollfds(p->f->usb_ctx);
	if (!l) {
		close(p->epfd);
		p->epfd = -1;
		return -1;
	}
	libusb_set_pollfd_notifiers(p->f->usb_ctx, fd_added, fd_removed, p);
	for (int i = 0; l[i]; i++)
		fd_added(l[i]->fd, l[i]->events, p);
	libusb_free_pollfds(l);
	return 0;
}

/* Retire finished write transfers, oldest first. 0, or CLOSED on a failed
 * one. @block: wait for all of them. */
static int ftdi_reap(struct ib_transport *t, int block)
{
	struct ftdi_tr *p = t->priv;
	while (p->n) {
		struct ftdi_transfer_control *tc = p->tc[p->head];
		if (!block && !tc->completed) {
			struct timeval zero = { 0, 0 };
			libusb_handle_events_timeout_completed(p->f->usb_ctx, &zero, &tc->completed);
			if (!tc->completed)
				return 0;
		}
		int r = ftdi_transfer_data_done(tc);   /* frees tc; returns at once when completed */
		p->tc[p->head] = NULL;
		p->head = (p->head + 1) % WR_SLOTS;
		p->n--;
		if (r < 0) {
			ib_set_err(t, "FT2232H write failed (board unplugged?)");
			return ICEBUF_ERR_CLOSED;
		}
	}
	return 0;
}

static void rd_fail(struct ftdi_tr *p, const char *what)
{
	if (!p->dead) {
		p->dead = 1;
		snprintf(p->dead_msg, sizeof p->dead_msg, "FT2232H read failed: %s (board unplugged?)", what);
	}
}

/* Submit idle read transfers while the ring has room for what they bring. */
static void rd_submit(struct ftdi_tr *p)
{
	for (int i = 0; i < RD_XFERS && !p->closing && !p->dead; i++) {
		if (p->rd_busy[i])
			continue;
		if (p->rlen + (size_t)(p->rd_inflight + 1) * RD_SIZE > RING)
			return;
		int r = libusb_submit_transfer(p->rd[i]);
		if (r) {
			rd_fail(p, libusb_error_name(r));
			return;
		}
		p->rd_busy[i] = 1;
		p->rd_inflight++;
	}
}

/* A read transfer is back: keep the payload of each packet, without the
 * two modem-status bytes that lead it. */
static void LIBUSB_CALL rd_done(struct libusb_transfer *x)
{
	struct ftdi_tr *p = x->user_data;
	int i = 0;
	while (p->rd[i] != x)
		i++;
	p->rd_busy[i] = 0;
	p->rd_inflight--;
	p->got = 1;
	if (x->status == LIBUSB_TRANSFER_COMPLETED || x->status == LIBUSB_TRANSFER_TIMED_OUT) {
		int mps = p->f->max_packet_size > 2 ? p->f->max_packet_size : 64;
		for (int off = 0; off < x->actual_length; off += mps) {
			int n = x->actual_length - off < mps ? x->actual_length - off : mps;
			for (int k = 2; k < n; k++)
				p->ring[(p->rhead + p->rlen++) % RING] = x->buffer[off + k];
		}
	} else if (x->status != LIBUSB_TRANSFER_CANCELLED) {
		rd_fail(p, x->status == LIBUSB_TRANSFER_NO_DEVICE ? "the device is gone"
		         : x->status == LIBUSB_TRANSFER_STALL ? "endpoint stalled" : "transfer error");
	}
	rd_submit(p);
}

static void ftdi_events(struct ftdi_tr *p, int ms)
{
	struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };
	p->got = 0;
	libusb_handle_events_timeout_completed(p->f->usb_ctx, &tv, ms ? &p->got : NULL);
}

static long ftdi_tr_read(struct ib_transport *t, void *buf, size_t len)
{
	struct ftdi_tr *p = t->priv;
	if (!p->rlen && !p->dead)
		ftdi_events(p, 0);
	size_t n = len < p->rlen ? len : p->rlen;
	for (size_t i = 0; i < n; i++)
		((unsigned char *)buf)[i] = p->ring[(p->rhead + i) % RING];
	p->rhead = (p->rhead + n) % RING;
	p->rlen -= n;
	if (n) {
		rd_submit(p);
		return (long)n;
	}
	if (p->dead) {
		ib_set_err(t, "%s", p->dead_msg);
		return ICEBUF_ERR_CLOSED;
	}
	return 0;
}

static long ftdi_tr_write(struct ib_transport *t, const void *buf, size_t len)
{
	struct ftdi_tr *p = t->priv;
	int r = ftdi_reap(t, 0);
	if (r)
		return r;
	if (p->n == WR_SLOTS || len == 0)
		return 0;                           /* both transfers still on their way */
	int slot = (p->head + p->n) % WR_SLOTS;
	size_t n = len > WR_CHUNK ? WR_CHUNK : len;
	memcpy(p->buf[slot], buf, n);
	p->tc[slot] = ftdi_write_data_submit(p->f, p->buf[slot], (int)n);
	if (!p->tc[slot]) {
		ib_set_err(t, "FT2232H write failed: %s (board unplugged?)", ftdi_get_error_string(p->f));
		return ICEBUF_ERR_CLOSED;
	}
	p->n++;
	return (long)n;
}

static int ftdi_tr_wait(struct ib_transport *t, int want_write, int timeout_ms)
{
	/* libusb's event loop is the wait: it returns when a read transfer
	 * comes back (or, for a writer with both transfers in flight, the
	 * oldest write). */
	struct ftdi_tr *p = t->priv;
	int r = ib_board_clock_check(t, &p->clk);
	if (r)
		return r;
	if (timeout_ms <= 0 || p->rlen || p->dead)
		return 0;
	int ms = timeout_ms > 10 ? 10 : timeout_ms;
	if (want_write && p->n == WR_SLOTS) {
		struct timeval tv = { 0, ms * 1000 };
		libusb_handle_events_timeout_completed(p->f->usb_ctx, &tv, &p->tc[p->head]->completed);
		return 0;
	}
	ftdi_events(p, ms);
	return 0;
}

static void ftdi_tr_close(struct ib_transport *t)
{
	struct ftdi_tr *p = t->priv;
	if (p) {
		/* What was handed to the chip goes out (each transfer is bounded by
		 * libftdi's USB write time-out). */
		ftdi_reap(t, 1);
		p->closing = 1;
		for (int i = 0; i < RD_XFERS; i++)
			if (p->rd_busy[i])
				libusb_cancel_transfer(p->rd[i]);
		for (int k = 0; k < 100 && p->rd_inflight; k++)
			ftdi_events(p, 10);
		if (p->epfd >= 0) {
			libusb_set_pollfd_notifiers(p->f->usb_ctx, NULL, NULL, NULL);
			close(p->epfd);
		}
		ftdi_usb_close(p->f);
		for (int i = 0; i < RD_XFERS; i++)
			if (!p->rd_busy[i])                   /* one still busy is the library's now */
				libusb_free_transfer(p->rd[i]);
		ftdi_free(p->f);
		ib_board_clock_close(&p->clk);
		free(p);
	}
	t->priv = NULL;
	t->board_clock = 0;
}

static const struct ib_transport_ops ftdi_ops = {
	.read = ftdi_tr_read, .write = ftdi_tr_write, .wait = ftdi_tr_wait, .close = ftdi_tr_close,
	.now_ms = ftdi_now_ms,
};

int ib_ftdi_open(struct ib_transport *t, const struct ib_device *d, unsigned baud)
{
	struct ftdi_context *f = ftdi_new();
	if (!f) {
		ib_set_err(t, "out of memory");
		return ICEBUF_ERR_NOMEM;
	}
	if (ftdi_set_interface(f, d->interface ? INTERFACE_B : INTERFACE_A) < 0)
		goto fail_io;
	int r = ftdi_usb_open_desc_index(f, d->vid, d->pid, NULL, d->serial[0] ? d->serial : NULL,
	                                 (unsigned)d->index);
	if (r < 0) {
		int code = ICEBUF_ERR_IO;
		if (r == -3) {
			if (d->serial[0])
				ib_set_err(t, "no FTDI device %04x:%04x with serial '%s' found: is the board plugged in?",
				           d->vid, d->pid, d->serial);
			else
				ib_set_err(t, "no FT2232H (%04x:%04x) found%s: is the board plugged in?",
				           d->vid, d->pid, d->index ? " at that index" : "");
			code = ICEBUF_ERR_NOT_FOUND;
		} else if (r == -8 || r == -4) {
			ib_set_err(t, "cannot open the FT2232H: %s: permission denied? Install the udev rule "
			              "from the README (and be in group plugdev), or run as root", ftdi_get_error_string(f));
			code = ICEBUF_ERR_ACCESS;
		} else if (r == -5) {
			ib_set_err(t, "the FT2232H's interface %c is in use: another program has it open "
			              "(another icebuf, iceprog, a terminal on /dev/ttyUSB*?); close it and try again",
			           d->interface ? 'B' : 'A');
			code = ICEBUF_ERR_BUSY;
		} else {
			ib_set_err(t, "cannot open the FT2232H: %s", ftdi_get_error_string(f));
		}
		ftdi_free(f);
		return code;
	}
	if (ftdi_set_baudrate(f, (int)baud) < 0 ||
	    ftdi_set_line_property(f, BITS_8, STOP_BIT_1, NONE) < 0 ||
	    ftdi_setflowctrl(f, SIO_DISABLE_FLOW_CTRL) < 0 ||
	    ftdi_set_latency_timer(f, (unsigned char)d->latency) < 0 ||
	    ftdi_read_data_set_chunksize(f, 16384) < 0 ||
	    ftdi_write_data_set_chunksize(f, 4096) < 0 ||
	    ftdi_tcioflush(f) < 0) {
		ftdi_usb_close(f);
		goto fail_io;
	}
	struct ftdi_tr *p = calloc(1, sizeof *p);
	if (!p) {
		ftdi_usb_close(f);
		ftdi_free(f);
		ib_set_err(t, "out of memory");
		return ICEBUF_ERR_NOMEM;
	}
	p->f = f;
	p->epfd = -1;
	for (int i = 0; i < RD_XFERS; i++) {
		unsigned char *b = malloc(RD_SIZE);
		if (!b || !(p->rd[i] = libusb_alloc_transfer(0))) {
			free(b);
			for (int k = 0; k < i; k++)
				libusb_free_transfer(p->rd[k]);
			free(p);
			ftdi_usb_close(f);
			ftdi_free(f);
			ib_set_err(t, "out of memory");
			return ICEBUF_ERR_NOMEM;
		}
		/* libftdi calls the IN endpoint out_ep (its names are the chip's view). */
		libusb_fill_bulk_transfer(p->rd[i], f->usb_dev, (unsigned char)f->out_ep, b, RD_SIZE, rd_done, p, 0);
		p->rd[i]->flags = LIBUSB_TRANSFER_FREE_BUFFER;
	}
	rd_submit(p);
	if (p->dead) {
		ib_set_err(t, "%s", p->dead_msg);
		t->priv = p;
		ftdi_tr_close(t);
		return ICEBUF_ERR_IO;
	}
	t->priv = p;
	clock_open(t, p);
	t->fd = fd_setup(p) == 0 ? p->epfd : -1;
	t->ops = &ftdi_ops;
	return ICEBUF_OK;
fail_io:
	ib_set_err(t, "setting up the FT2232H failed: %s", ftdi_get_error_string(f));
	ftdi_free(f);
	return ICEBUF_ERR_IO;
}

#endif
