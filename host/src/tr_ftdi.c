/*
 * tr_ftdi.c — ftdi://: the FT2232H through libftdi1, no kernel driver.
 * SPDX-License-Identifier: MIT
 *
 * Interface B of the FT2232H is the FPGA's UART on both boards (A programs
 * the flash). Reads are polled bulk transfers with a short USB time-out; the
 * latency timer (1 ms by default) bounds how long the chip holds a partial
 * packet. libftdi strips the two modem-status bytes that lead every 512-byte
 * USB packet.
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
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The time a read may wait for data, in ms: the transport's "wait". */
#define FTDI_READ_TIMEOUT_MS 2

static long ftdi_tr_read(struct ib_transport *t, void *buf, size_t len)
{
	struct ftdi_context *f = t->priv;
	int n = ftdi_read_data(f, buf, (int)(len > 65536 ? 65536 : len));
	if (n >= 0)
		return n;
	ib_set_err(t, "FT2232H read failed: %s (board unplugged?)", ftdi_get_error_string(f));
	return ICEBUF_ERR_CLOSED;
}

static long ftdi_tr_write(struct ib_transport *t, const void *buf, size_t len)
{
	struct ftdi_context *f = t->priv;
	/* The chip takes a USB packet at a time; keep writes to its 4 KiB buffer. */
	int n = ftdi_write_data(f, buf, (int)(len > 4096 ? 4096 : len));
	if (n >= 0)
		return n;
	ib_set_err(t, "FT2232H write failed: %s (board unplugged?)", ftdi_get_error_string(f));
	return ICEBUF_ERR_CLOSED;
}

static int ftdi_tr_wait(struct ib_transport *t, int want_write, int timeout_ms)
{
	/* No descriptor to poll: the next read's USB time-out is the wait. */
	(void)t;
	(void)want_write;
	if (timeout_ms > 0)
		usleep(100);
	return 0;
}

static void ftdi_tr_close(struct ib_transport *t)
{
	struct ftdi_context *f = t->priv;
	if (f) {
		ftdi_usb_close(f);
		ftdi_free(f);
	}
	t->priv = NULL;
}

static const struct ib_transport_ops ftdi_ops = {
	.read = ftdi_tr_read, .write = ftdi_tr_write, .wait = ftdi_tr_wait, .close = ftdi_tr_close,
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
	t->priv = f;
	t->fd = -1;
	t->ops = &ftdi_ops;
	return ICEBUF_OK;
fail_io:
	ib_set_err(t, "setting up the FT2232H failed: %s", ftdi_get_error_string(f));
	ftdi_free(f);
	return ICEBUF_ERR_IO;
}

#endif
