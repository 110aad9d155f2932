/*
 * icebuf.c — libicebuf's public API (icebuf.h): open and close, reading and
 * writing channels, information, statistics and errors.
 * SPDX-License-Identifier: MIT
 *
 * It owns the handle's life (icebuf_open, icebuf_close), the calls on
 * channels (write, read, peek, consume, flush, poll, fileno, available,
 * writable) and the error strings; the link under them is link.c's, the
 * registers regs.c's.
 */
#include "icebuf.h"
#include "icebuf_private.h"
#include "link.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char open_err[512];

void ib_sim_reap(struct ib_transport *t);

/* ---- public API -------------------------------------------------------------- */

const char *icebuf_strerror(int err)
{
	switch (err) {
	case ICEBUF_OK: return "success";
	case ICEBUF_ERR_ARG: return "invalid argument";
	case ICEBUF_ERR_NOMEM: return "out of memory";
	case ICEBUF_ERR_NOT_FOUND: return "not found";
	case ICEBUF_ERR_ACCESS: return "permission denied";
	case ICEBUF_ERR_BUSY: return "device busy";
	case ICEBUF_ERR_IO: return "input/output error";
	case ICEBUF_ERR_TIMEOUT: return "timed out";
	case ICEBUF_ERR_CLOSED: return "device went away";
	case ICEBUF_ERR_PROTOCOL: return "protocol error";
	case ICEBUF_ERR_GATEWARE: return "incompatible gateware";
	case ICEBUF_ERR_REGISTER: return "register error";
	case ICEBUF_ERR_UNSUPPORTED: return "not supported";
	case ICEBUF_ERR_STALLED: return "the virtual board's clock stopped";
	default: return err > 0 ? "success" : "unknown error";
	}
}

const char *icebuf_open_error(void)
{
	return open_err;
}

const char *icebuf_last_error(const icebuf *dev)
{
	return dev ? dev->err : "no handle";
}

const char *icebuf_board_name(uint32_t board)
{
	switch (board) {
	case 1: return "iCEstick";
	case 2: return "iCEBreaker";
	default: return "unknown";
	}
}
int icebuf_open(icebuf **out, const char *device, const struct icebuf_options *opt)
{
	struct ib_device d;
	open_err[0] = 0;
	if (!out) {
		snprintf(open_err, sizeof open_err, "icebuf_open: no place to store the handle");
		return ICEBUF_ERR_ARG;
	}
	int r = ib_device_parse(device, &d, open_err, sizeof open_err);
	if (r)
		return r;
	icebuf *dev = calloc(1, sizeof *dev);
	if (!dev) {
		snprintf(open_err, sizeof open_err, "out of memory");
		return ICEBUF_ERR_NOMEM;
	}
	dev->timeout_ms = opt && opt->timeout_ms > 0 ? opt->timeout_ms : 2000;
	dev->kind = d.kind;
	dev->mtu = IB_MAX_MTU;
	dev->cur_mtu = IB_MAX_MTU;
	dev->trace = getenv("ICEBUF_TRACE") != NULL;
	dev->tr.fd = -1;
	dev->tr.err = dev->err;
	dev->tr.errlen = sizeof dev->err;
	if ((r = ib_ring_open(&dev->rx[ICEBUF_CHAN_CONTROL]))) {
		free(dev);
		snprintf(open_err, sizeof open_err, "out of memory");
		return r;
	}
	/* A serial line needs its rate before the board can say what it was
	 * built for: without one, try the boards' rates in turn (iCEstick
	 * 3 Mbaud, iCEBreaker 12 Mbaud), each for a short SYNC. */
	static const unsigned rates[] = { 3000000, 12000000 };
	int serial = d.kind == IB_DEV_TTY || d.kind == IB_DEV_FTDI;
	int autobaud = serial && !(opt && opt->baud);
	size_t ntry = autobaud ? sizeof rates / sizeof rates[0] : 1;
	for (size_t i = 0; i < ntry; i++) {
		dev->baud = opt && opt->baud ? opt->baud : autobaud ? rates[i] : 3000000;
		/* Time for a full window of frames at the line rate, four times
		 * over, and never below 200 ms (USB and scheduling latency). */
		dev->rto_ms = 4.0 * HOST_WINDOW * (IB_MAX_MTU + 12) * 10 * 1000 / dev->baud;
		if (dev->rto_ms < 200)
			dev->rto_ms = 200;
		switch (d.kind) {
		case IB_DEV_SIM: r = ib_sim_open(&dev->tr, dev->timeout_ms); break;
		case IB_DEV_SIM_ADDR: r = ib_socket_open(&dev->tr, d.host, d.port, dev->timeout_ms); break;
		case IB_DEV_TTY: r = ib_tty_open(&dev->tr, d.path, dev->baud); break;
		default: r = ib_ftdi_open(&dev->tr, &d, dev->baud); break;
		}
		if (r)
			break;
		int t = autobaud && dev->timeout_ms > 500 ? 500 : dev->timeout_ms;
		r = ib_sync(dev, t);
		if (r != ICEBUF_ERR_TIMEOUT || i + 1 == ntry)
			break;
		dev->tr.ops->close(&dev->tr);
		dev->tr.ops = NULL;
		dev->txq_len = 0;                 /* what the last rate did not send */
		dev->rxf_len = 0;
	}
	if (r == ICEBUF_ERR_TIMEOUT && autobaud)
		ib_fail(dev, r, "no icebuf gateware answered at %u or %u baud: is the board programmed "
		                "(make prog BOARD=...)? Or give its rate with --baud", rates[0], rates[1]);
	if (r == 0)
		r = ib_check_gateware(dev, opt && opt->skip_check);
	if (r) {
		snprintf(open_err, sizeof open_err, "%s", dev->err);
		if (dev->tr.ops)
			icebuf_close(dev);
		else
			free(dev->rx[0].buf), free(dev);
		return r;
	}
	dev->err[0] = 0;
	*out = dev;
	return ICEBUF_OK;
}

void icebuf_close(icebuf *dev)
{
	if (!dev)
		return;
	if (dev->tr.ops) {
		/* Acknowledge what the application consumed, so the board does not
		 * send it again to the next program; what it did not stays on the
		 * board (frames received but unread are not acknowledged). */
		if (dev->synced && dev->ack_owed)
			ib_send_frame(dev, IB_T_ACK, 0, 0, NULL, 0);
		for (int i = 0; i < 50 && dev->txq_len; i++) {
			if (ib_flush_tx(dev))
				break;
			if (dev->txq_len)
				dev->tr.ops->wait(&dev->tr, 1, 2);
		}
		dev->tr.ops->close(&dev->tr);
	}
	ib_sim_reap(&dev->tr);
	for (unsigned i = 0; i < IB_PERIPH_SLOTS; i++)
		if (dev->periph[i].free)
			dev->periph[i].free(dev->periph[i].state);
	for (unsigned c = 0; c < NCHAN; c++)
		free(dev->rx[c].buf);
	free(dev->txq);
	free(dev);
}

uint32_t ib_dev_features(const icebuf *dev)
{
	return dev ? dev->features : 0;
}

int ib_dev_timeout(const icebuf *dev)
{
	return dev ? dev->timeout_ms : 0;
}

struct ib_periph *ib_dev_periph(icebuf *dev, unsigned slot)
{
	return dev && slot < IB_PERIPH_SLOTS ? &dev->periph[slot] : NULL;
}

int ib_dev_fail(icebuf *dev, int code, const char *msg)
{
	return ib_fail(dev, code, "%s", msg);
}

int icebuf_info(icebuf *dev, struct icebuf_info *info)
{
	if (!dev || !info)
		return ICEBUF_ERR_ARG;
	*info = dev->info;
	return 0;
}

double icebuf_time_ms(icebuf *dev, int *board)
{
	if (board)
		*board = dev && dev->tr.board_clock;
	if (!dev)
		return 0;
	return now_ms();
}

int icebuf_get_stats(icebuf *dev, struct icebuf_stats *stats)
{
	if (!dev || !stats)
		return ICEBUF_ERR_ARG;
	*stats = dev->stats;
	return 0;
}

/* Bytes of @chan that may go out now: the board's credit, and at most three
 * quarters of the board's window (WINDOW x MTU) unacknowledged. What is sent
 * beyond a round trip's worth only waits in the FT2232H's and the kernel's
 * queues, and every ack of ours rides behind it: with a full window queued,
 * the acks for the board's own frames come too late for its buffer, and a
 * stream both ways idles the line upstream (`icebuf duplex` on the 4 KiB
 * board: 0.970 of the line rate, 0.94 on a busy machine, against 0.974
 * either way). Three quarters still covers a frame's round trip. */
static long allowance(const icebuf *dev, unsigned chan)
{
	long allowed = dev->left[chan];
	long cap = (long)dev->info.window * (long)dev->info.mtu * 3 / 4;
	if (cap < (long)dev->cur_mtu)
		cap = (long)dev->cur_mtu;
	if (dev->info.window && allowed > cap - (long)dev->unacked[chan])
		allowed = cap - (long)dev->unacked[chan];
	return allowed;
}

long icebuf_write(icebuf *dev, unsigned chan, const void *buf, size_t len, int timeout_ms)
{
	if (!dev || (!buf && len))
		return dev ? ib_fail(dev, ICEBUF_ERR_ARG, "icebuf_write: no buffer") : ICEBUF_ERR_ARG;
	if (chan >= NCHAN || (dev->info.channels && chan >= dev->info.channels))
		return ib_fail(dev, ICEBUF_ERR_ARG, "icebuf_write: channel %u does not exist on this gateware (%u channels)",
		               chan, dev->info.channels);
	const uint8_t *p = buf;
	double deadline = ib_deadline_of(dev, timeout_ms);
	size_t taken = 0;
	while (taken < len) {
		long allowed = allowance(dev, chan);
		/* Register requests travel whole, one frame for the lot: the board
		 * executes them as their frame arrives and drops the effects of a
		 * frame it refuses, so a request must not straddle two frames. */
		if (chan == ICEBUF_CHAN_CONTROL && (allowed < (long)(len - taken) || dev->cur_mtu < len - taken))
			allowed = 0;
		/* A frame cut short by the credit costs a whole frame's overhead
		 * for less payload: while frames of this channel are unacknowledged
		 * their acks bring more credit, so wait for it rather than send a
		 * short frame. */
		size_t want = len - taken < dev->cur_mtu ? len - taken : dev->cur_mtu;
		if (allowed > 0 && (size_t)allowed < want && dev->unacked[chan] > 0)
			allowed = 0;
		if ((uint8_t)(dev->next_seq - dev->una) < HOST_WINDOW && allowed > 0) {
			size_t n = len - taken;
			if (n > (size_t)allowed)
				n = (size_t)allowed;
			if (n > dev->cur_mtu)
				n = dev->cur_mtu;
			struct txslot *t = &dev->slots[dev->next_seq % HOST_WINDOW];
			t->chan = (uint8_t)chan;
			t->len = (uint16_t)n;
			memcpy(t->data, p + taken, n);
			if (dev->una == dev->next_seq)
				dev->last_progress = dev->last_acked = now_ms();
			int r = ib_send_frame(dev, IB_T_DATA, (uint8_t)chan, dev->next_seq, t->data, n);
			if (r)
				return r;
			dev->next_seq++;
			dev->unacked[chan] += (uint32_t)n;
			dev->left[chan] -= (long)n;
			taken += n;
			if (dev->txq_len < 8192)
				continue;
		}
		if (now_ms() >= deadline)
			break;
		int r = ib_pump(dev, remaining(deadline) < 5 ? remaining(deadline) : 5);
		if (r)
			return r;
	}
	int r = ib_pump(dev, 0);
	return r ? r : (long)taken;
}

/* Wait until channel @chan has a byte (or the time-out runs out): 1 if it
 * has, 0 if not, or a negative error. */
static long wait_readable(icebuf *dev, unsigned chan, size_t len, int timeout_ms, const char *what)
{
	if (chan >= NCHAN || (dev->info.channels && chan >= dev->info.channels))
		return ib_fail(dev, ICEBUF_ERR_ARG, "%s: channel %u does not exist on this gateware (%u channels)",
		               what, chan, dev->info.channels);
	struct ring *r = &dev->rx[chan];
	if (!r->buf) {
		/* First read: grant the board credit on this channel. */
		int e = ib_ring_open(r);
		if (e)
			return ib_fail(dev, e, "out of memory");
		dev->reported[chan] = 0;
	}
	double deadline = ib_deadline_of(dev, timeout_ms);
	for (;;) {
		int e = ib_pump(dev, 0);
		if (e)
			return e;
		if (r->len > 0 || len == 0)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		e = ib_pump(dev, remaining(deadline) < 5 ? remaining(deadline) : 5);
		if (e)
			return e;
		if (r->len > 0)
			return 1;
	}
}

long icebuf_read(icebuf *dev, unsigned chan, void *buf, size_t len, int timeout_ms)
{
	if (!dev || (!buf && len))
		return dev ? ib_fail(dev, ICEBUF_ERR_ARG, "icebuf_read: no buffer") : ICEBUF_ERR_ARG;
	long w = wait_readable(dev, chan, len, timeout_ms, "icebuf_read");
	if (w <= 0)
		return w;
	long n = (long)ib_ring_take(dev, chan, buf, len);
	int e = ib_pump(dev, 0);               /* tell the board about the room */
	return e ? e : n;
}

long icebuf_peek(icebuf *dev, unsigned chan, void *buf, size_t len, int timeout_ms)
{
	if (!dev || (!buf && len))
		return dev ? ib_fail(dev, ICEBUF_ERR_ARG, "icebuf_peek: no buffer") : ICEBUF_ERR_ARG;
	long w = wait_readable(dev, chan, len, timeout_ms, "icebuf_peek");
	if (w <= 0)
		return w;
	struct ring *r = &dev->rx[chan];
	size_t n = len < r->len ? len : r->len;
	size_t first = n < RX_CAP - r->head ? n : RX_CAP - r->head;
	memcpy(buf, r->buf + r->head, first);
	memcpy((uint8_t *)buf + first, r->buf, n - first);
	return (long)n;
}

int icebuf_consume(icebuf *dev, unsigned chan, size_t len)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	if (chan >= NCHAN || len > dev->rx[chan].len)
		return ib_fail(dev, ICEBUF_ERR_ARG, "icebuf_consume: %zu bytes asked, channel %u holds %zu", len, chan,
		               chan < NCHAN ? dev->rx[chan].len : 0);
	struct ring *r = &dev->rx[chan];
	r->head = (r->head + len) % RX_CAP;
	r->len -= len;
	ib_consumed(dev, chan, len);
	return ib_pump(dev, 0);
}

int icebuf_flush(icebuf *dev, int timeout_ms)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	double deadline = ib_deadline_of(dev, timeout_ms);
	while (dev->una != dev->next_seq || dev->txq_len) {
		if (now_ms() >= deadline) {
			unsigned long pending = 0;
			for (unsigned c = 0; c < NCHAN; c++)
				pending += dev->unacked[c];
			return ib_fail(dev, ICEBUF_ERR_TIMEOUT,
			               "%lu bytes not yet acknowledged by the board after the time-out "
			               "(its buffer is full and nobody reads it?)", pending);
		}
		int r = ib_pump(dev, remaining(deadline) < 5 ? remaining(deadline) : 5);
		if (r)
			return r;
	}
	return 0;
}

int icebuf_debug_inject(icebuf *dev, const void *bytes, size_t len)
{
	if (!dev || (!bytes && len))
		return ICEBUF_ERR_ARG;
	int r = ib_txq_append(dev, bytes, len);
	return r ? r : ib_flush_tx(dev);
}

int icebuf_fileno(icebuf *dev)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	return dev->tr.fd >= 0 ? dev->tr.fd : ICEBUF_ERR_UNSUPPORTED;
}

int icebuf_poll(icebuf *dev, int timeout_ms)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	return ib_pump(dev, timeout_ms < 0 ? 0 : timeout_ms);
}

long icebuf_available(icebuf *dev, unsigned chan)
{
	if (!dev || chan >= NCHAN)
		return ICEBUF_ERR_ARG;
	return (long)dev->rx[chan].len;
}

long icebuf_writable(icebuf *dev, unsigned chan)
{
	if (!dev || chan >= NCHAN)
		return ICEBUF_ERR_ARG;
	long frames = HOST_WINDOW - (uint8_t)(dev->next_seq - dev->una);
	long room = frames * (long)dev->cur_mtu;   /* new frames are cur_mtu long at most */
	long left = allowance(dev, chan);
	if (left < 0)
		left = 0;
	return left < room ? left : room;
}
