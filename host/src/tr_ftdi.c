/*
 * tr_ftdi.c — ftdi://: the FT2232H through libftdi1, no kernel driver.
 * SPDX-License-Identifier: MIT
 *
 * Interface B of the FT2232H is the FPGA's UART on both boards (A programs
 * the flash). Writes are asynchronous (ftdi_write_data_submit): up to two
 * 4 KiB transfers in flight keep the USB pipe busy while the caller goes on
 * reading, so a write that waits for room in the chip's 4 KiB transmit
 * buffer never stops the reads. Reads are bulk transfers of up to 16 KiB
 * with a 2 ms USB time-out, issued whenever the library pumps; the latency
 * timer (1 ms by default) bounds how long the chip holds a partial packet.
 * (libftdi's ftdi_read_data_submit completes only once its whole size has
 * arrived, which suits a reader of known length, not a stream.) Both kinds
 * of transfer run libusb's event loop, which completes the other's. libftdi
 * strips the two modem-status bytes that lead every 512-byte USB packet.
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
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

/* The time a read may wait for data, in ms: the transport's "wait". */
#define FTDI_READ_TIMEOUT_MS 2
/* Write transfers in flight, each of at most WR_CHUNK bytes (the chip's
 * transmit buffer). */
#define WR_SLOTS 2
#define WR_CHUNK 4096

struct ftdi_tr {
	struct ftdi_context *f;
	struct ftdi_transfer_control *tc[WR_SLOTS];   /* oldest first; NULL: free */
	unsigned char buf[WR_SLOTS][WR_CHUNK];
	int n;                                        /* transfers in flight */
	int head;                                     /* slot of the oldest */
};

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

static long ftdi_tr_read(struct ib_transport *t, void *buf, size_t len)
{
	struct ftdi_context *f = ((struct ftdi_tr *)t->priv)->f;
	int n = ftdi_read_data(f, buf, (int)(len > 65536 ? 65536 : len));
	if (n >= 0)
		return n;
	ib_set_err(t, "FT2232H read failed: %s (board unplugged?)", ftdi_get_error_string(f));
	return ICEBUF_ERR_CLOSED;
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
	/* No descriptor to poll. A writer with both transfers in flight waits
	 * for the oldest to finish; otherwise the next read's USB time-out is
	 * the wait. */
	struct ftdi_tr *p = t->priv;
	if (want_write && p->n == WR_SLOTS && timeout_ms > 0) {
		int ms = timeout_ms > 10 ? 10 : timeout_ms;
		struct timeval tv = { 0, ms * 1000 };
		libusb_handle_events_timeout_completed(p->f->usb_ctx, &tv, &p->tc[p->head]->completed);
		return 0;
	}
	if (timeout_ms > 0)
		usleep(100);
	return 0;
}

static void ftdi_tr_close(struct ib_transport *t)
{
	struct ftdi_tr *p = t->priv;
	if (p) {
		/* What was handed to the chip goes out (each transfer is bounded by
		 * libftdi's USB write time-out). */
		ftdi_reap(t, 1);
		ftdi_usb_close(p->f);
		ftdi_free(p->f);
		free(p);
	}
	t->priv = NULL;
}

static const struct ib_transport_ops ftdi_ops = {
	.read = ftdi_tr_read, .write = ftdi_tr_write, .wait = ftdi_tr_wait, .close = ftdi_tr_close,
	.now_ms = ib_wall_ms,
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
			ib_set_err(t, "cannot open the FT2232H: %s — permission denied? "
			              "Install the udev rule from the README, or run as root", ftdi_get_error_string(f));
			code = ICEBUF_ERR_ACCESS;
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
	f->usb_read_timeout = FTDI_READ_TIMEOUT_MS;
	struct ftdi_tr *p = calloc(1, sizeof *p);
	if (!p) {
		ftdi_usb_close(f);
		ftdi_free(f);
		ib_set_err(t, "out of memory");
		return ICEBUF_ERR_NOMEM;
	}
	p->f = f;
	t->priv = p;
	t->fd = -1;
	t->ops = &ftdi_ops;
	return ICEBUF_OK;
fail_io:
	ib_set_err(t, "setting up the FT2232H failed: %s", ftdi_get_error_string(f));
	ftdi_free(f);
	return ICEBUF_ERR_IO;
}

#endif
