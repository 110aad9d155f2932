/*
 * link.c — libicebuf's link engine: the host side of docs/protocol.md.
 * SPDX-License-Identifier: MIT
 *
 * It owns the receive rings and the acknowledgement of what was consumed
 * from them, the credits both ways, the transmit queue and window
 * (ib_send_frame, ib_flush_tx, retransmission), the frames that come in
 * (handle_frame, rx_bytes), the session (ib_sync) and the handle's
 * deadlines. One thread drives everything through ib_pump(): write what
 * is queued, wait for the transport, read and handle frames, retransmit on
 * time-out, send acks and credits. Every call that waits loops over
 * ib_pump() until its deadline.
 */
#include "link.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RETRIES 10           /* time-outs in a row before giving up, at least ... */
#define GIVEUP_MS 5000.0         /* ... and this long (the handle's clock) without an ack advancing */
#define SYNC_RETRY_MS 250
#define ACK_EVERY 3              /* DATA frames owed an ack before one goes out alone */
#define TXQ_MAX (1u << 20)       /* bytes queued for the wire at most: a peer that stops reading */
#define ACK_DELAY_MS 1.0         /* ... or the oldest of them has waited this long */

/* ---- small helpers ------------------------------------------------------ */

int ib_fail(icebuf *dev, int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(dev->err, sizeof dev->err, fmt, ap);
	va_end(ap);
	return code;
}

static size_t ring_free(const struct ring *r)
{
	return r->buf ? RX_CAP - r->len : 0;
}

int ib_ring_open(struct ring *r)
{
	if (!r->buf && !(r->buf = malloc(RX_CAP)))
		return ICEBUF_ERR_NOMEM;
	return 0;
}

static void ring_put(struct ring *r, const uint8_t *p, size_t n)
{
	size_t tail = (r->head + r->len) % RX_CAP;
	size_t first = n < RX_CAP - tail ? n : RX_CAP - tail;
	memcpy(r->buf + tail, p, first);
	memcpy(r->buf, p + first, n - first);
	r->len += n;
}

size_t ib_ring_get(struct ring *r, uint8_t *p, size_t n)
{
	if (n > r->len)
		n = r->len;
	size_t first = n < RX_CAP - r->head ? n : RX_CAP - r->head;
	memcpy(p, r->buf + r->head, first);
	memcpy(p + first, r->buf, n - first);
	r->head = (r->head + n) % RX_CAP;
	r->len -= n;
	return n;
}

/* The application has taken @n bytes of channel @c out of its ring: frames
 * wholly consumed, and every one before them, may now be acknowledged. */
void ib_consumed(icebuf *dev, unsigned c, size_t n)
{
	for (uint8_t s = (uint8_t)(dev->acked + 1); n && s != dev->expected; s++) {
		if (dev->held_chan[s] != c || !dev->held_rem[s])
			continue;
		size_t k = n < dev->held_rem[s] ? n : dev->held_rem[s];
		dev->held_rem[s] = (uint16_t)(dev->held_rem[s] - k);
		n -= k;
	}
	int advanced = 0;
	while (dev->acked != (uint8_t)(dev->expected - 1) && !dev->held_rem[(uint8_t)(dev->acked + 1)]) {
		dev->acked++;
		/* The ack that releases a channel's frames must carry its credit:
		 * the board closes a channel acknowledged without one. */
		if (dev->rx[dev->held_chan[dev->acked]].buf)
			dev->fresh |= (uint16_t)(1u << dev->held_chan[dev->acked]);
		advanced++;
	}
	if (advanced && !dev->ack_owed)
		dev->ack_owed_since = now_ms();
	dev->ack_owed += advanced;
}

/* Acknowledge every frame received, read or not. */
void ib_release_held(icebuf *dev)
{
	for (uint8_t s = (uint8_t)(dev->acked + 1); s != dev->expected; s++)
		dev->held_rem[s] = 0;
	ib_consumed(dev, 0, 0);
}

size_t ib_ring_take(icebuf *dev, unsigned c, uint8_t *p, size_t n)
{
	n = ib_ring_get(&dev->rx[c], p, n);
	ib_consumed(dev, c, n);
	return n;
}

static uint32_t our_credit(const icebuf *dev, unsigned c)
{
	size_t f = ring_free(&dev->rx[c]);
	return f > 0xFFFF ? 0xFFFF : (uint32_t)f;
}

/* ---- sending --------------------------------------------------------------- */

int ib_txq_append(icebuf *dev, const uint8_t *p, size_t n)
{
	if (dev->txq_len + n > TXQ_MAX)
		return ib_fail(dev, ICEBUF_ERR_TIMEOUT, "the board stopped taking bytes: %zu are queued for it "
		               "(is it wedged, or something else on the line?)", dev->txq_len);
	if (dev->txq_len + n > dev->txq_cap) {
		size_t cap = dev->txq_cap ? dev->txq_cap * 2 : 65536;
		while (cap < dev->txq_len + n)
			cap *= 2;
		uint8_t *q = realloc(dev->txq, cap);
		if (!q)
			return ib_fail(dev, ICEBUF_ERR_NOMEM, "out of memory");
		dev->txq = q;
		dev->txq_cap = cap;
	}
	memcpy(dev->txq + dev->txq_len, p, n);
	dev->txq_len += n;
	return 0;
}

/* The channel whose credit this frame reports: the one data last came in on
 * (the board closes a channel whose frames it sees acknowledged without a
 * fresh credit), else one that changed, else the next open one in turn. */
static unsigned pick_cchan(icebuf *dev)
{
	/* The board stops sending on a channel when an ack covers its frames
	 * but the frame carrying it brings no credit for it: report the
	 * channels we took data on since their credit was last reported. */
	unsigned l = dev->last_rx_chan;
	if (dev->fresh & (1u << l))
		return l;
	for (unsigned c = 0; c < NCHAN; c++)
		if (dev->fresh & (1u << c))
			return c;
	if (dev->rx[l].buf && our_credit(dev, l) != dev->reported[l])
		return l;
	for (unsigned c = 0; c < NCHAN; c++)
		if (dev->rx[c].buf && our_credit(dev, c) != dev->reported[c])
			return c;
	for (unsigned i = 0; i < NCHAN; i++) {
		unsigned c = (dev->rot + i) % NCHAN;
		if (dev->rx[c].buf) {
			dev->rot = c + 1;
			return c;
		}
	}
	return 0;
}

int ib_send_frame(icebuf *dev, uint8_t type, uint8_t chan, uint8_t seq, const uint8_t *payload, size_t len)
{
	struct ib_frame f = {
		.type = type, .chan = chan, .seq = seq,
		.ack = (uint8_t)(type == IB_T_SYNC ? 0xFF : dev->acked),
		.payload = payload, .len = len,
	};
	f.cchan = (uint8_t)pick_cchan(dev);
	f.credit = (uint16_t)our_credit(dev, f.cchan);
	dev->reported[f.cchan] = f.credit;
	dev->fresh &= (uint16_t)~(1u << f.cchan);
	if (dev->trace)
		fprintf(stderr, "icebuf: %.3f -> type %u chan %u seq %u ack %u cchan %u credit %u len %zu\n",
		        now_ms(), f.type, f.chan, f.seq, f.ack, f.cchan, f.credit, f.len);
	uint8_t wire[IB_WIRE_MAX];
	size_t n = ib_frame_encode(&f, 0, wire);
	dev->stats.tx_frames++;
	dev->ack_owed = 0;
	return ib_txq_append(dev, wire, n);
}

int ib_flush_tx(icebuf *dev)
{
	size_t off = 0;
	while (off < dev->txq_len) {
		long n = dev->tr.ops->write(&dev->tr, dev->txq + off, dev->txq_len - off);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		off += (size_t)n;
		dev->stats.tx_bytes += (uint64_t)n;
	}
	memmove(dev->txq, dev->txq + off, dev->txq_len - off);
	dev->txq_len -= off;
	return 0;
}

/* Go back N: send every unacknowledged frame again, in order. */
static int retransmit(icebuf *dev)
{
	/* Copies of the window still waiting for the wire go out first:
	 * queueing more adds nothing but memory. */
	if (dev->txq_len >= (size_t)HOST_WINDOW * IB_WIRE_MAX) {
		dev->last_progress = now_ms();
		return 0;
	}
	dev->stats.retransmits++;
	/* A noisy line: shorter new frames are hit less often and cost less to
	 * resend. (The frames resent now keep their length.) */
	if (dev->cur_mtu > 64)
		dev->cur_mtu /= 2;
	dev->clean = 0;
	dev->last_progress = now_ms();
	for (uint8_t s = dev->una; s != dev->next_seq; s++) {
		struct txslot *t = &dev->slots[s % HOST_WINDOW];
		int r = ib_send_frame(dev, IB_T_DATA, t->chan, s, t->data, t->len);
		if (r)
			return r;
	}
	return 0;
}

/* ---- receiving ----------------------------------------------------------- */

static int handle_frame(icebuf *dev, const struct ib_frame *f)
{
	if (dev->trace)
		fprintf(stderr, "icebuf: %.3f <- type %u chan %u seq %u ack %u cchan %u credit %u len %zu\n",
		        now_ms(), f->type, f->chan, f->seq, f->ack, f->cchan, f->credit, f->len);
	if (!dev->synced) {
		/* Before the board's SYNC answer everything is from an old session. */
		if (f->type != IB_T_SYNC)
			return 0;
		dev->synced = 1;
		dev->expected = 0;
		dev->acked = 0xFF;
		dev->nak_sent = 0;
		dev->nak_answered = 0;
		memset(dev->left, 0, sizeof dev->left);
		if (f->cchan < NCHAN)
			dev->left[f->cchan] = f->credit;
		dev->last_progress = dev->last_acked = now_ms();
		return 0;
	}
	if (f->type == IB_T_SYNC)
		return 0;                        /* the answer to a repeated SYNC */
	/* Cumulative ack: our frames up to f->ack leave the window. */
	uint8_t outstanding = (uint8_t)(dev->next_seq - dev->una);
	if ((uint8_t)(f->ack - dev->una) < outstanding) {
		while (dev->una != (uint8_t)(f->ack + 1)) {
			struct txslot *t = &dev->slots[dev->una % HOST_WINDOW];
			dev->unacked[t->chan] -= t->len;
			dev->stats.tx_payload += t->len;
			dev->una++;
			if (++dev->clean >= 16 && dev->cur_mtu < dev->mtu) {
				dev->cur_mtu *= 2;
				dev->clean = 0;
			}
		}
		dev->last_progress = dev->last_acked = now_ms();
		dev->retries = 0;
		dev->nak_answered = 0;
	}
	/* A credit counts from the frames its ack covers: what we sent since
	 * comes off it. Other channels' credits keep counting down as we send. */
	if (f->cchan < NCHAN)
		dev->left[f->cchan] = (long)f->credit - (long)dev->unacked[f->cchan];
	/* A NAK is answered once per frame it asks for (as the board does):
	 * a peer repeating it gets the window once, and the time-out resends
	 * again if that copy was lost too. */
	if (f->type == IB_T_NAK && dev->una != dev->next_seq && !dev->nak_answered) {
		dev->nak_answered = 1;
		return retransmit(dev);
	}
	if (f->type != IB_T_DATA)
		return 0;
	if (f->seq != dev->expected) {
		dev->stats.rx_seq_err++;
		if ((uint8_t)(f->seq - dev->expected) < 128) {
			if (!dev->nak_sent) {
				dev->nak_sent = 1;
				return ib_send_frame(dev, IB_T_NAK, 0, 0, NULL, 0);
			}
		} else {
			/* A duplicate: the board missed our ack, and with it maybe
			 * the credit it needs to go on sending on this channel (it
			 * closes a channel whose frames an ack covers without one).
			 * Say both again, now. */
			dev->ack_owed = ACK_EVERY;
			if (f->chan < NCHAN && dev->rx[f->chan].buf)
				dev->fresh |= (uint16_t)(1u << f->chan);
		}
		return 0;
	}
	struct ring *r = &dev->rx[f->chan];
	if (ring_free(r) < f->len) {
		/* More than we granted: refuse it (no ack); it comes again later. */
		dev->stats.rx_refused++;
		return 0;
	}
	ring_put(r, f->payload, f->len);
	dev->last_rx_chan = f->chan;
	/* (Its credit rides on the ack that releases it: ib_consumed().) */
	dev->held_chan[f->seq] = f->chan;
	dev->held_rem[f->seq] = (uint16_t)f->len;
	dev->expected++;
	dev->nak_sent = 0;
	dev->stats.rx_payload += f->len;
	/* Register responses are the handle's own business (a new session
	 * drops them on the board anyway): they leave the window on arrival. */
	if (f->chan == ICEBUF_CHAN_CONTROL)
		ib_consumed(dev, ICEBUF_CHAN_CONTROL, f->len);
	return 0;
}

static int rx_bytes(icebuf *dev, const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0) {
			if (dev->rxf_len < sizeof dev->rxf)
				dev->rxf[dev->rxf_len++] = p[i];
			else
				dev->rxf_overflow = 1;
			continue;
		}
		struct ib_frame f;
		int r = dev->rxf_overflow ? IB_PARSE_BAD_LENGTH
		      : ib_frame_parse(dev->rxf, dev->rxf_len, 1, dev->mtu, dev->scratch, &f);
		dev->rxf_len = 0;
		dev->rxf_overflow = 0;
		if (r == IB_PARSE_OK) {
			dev->stats.rx_frames++;
			int e = handle_frame(dev, &f);
			if (e)
				return e;
		} else if (r == IB_PARSE_BAD_CRC) {
			dev->stats.rx_bad_crc++;
			if (dev->synced && !dev->nak_sent) {
				dev->nak_sent = 1;
				int e = ib_send_frame(dev, IB_T_NAK, 0, 0, NULL, 0);
				if (e)
					return e;
			}
		} else if (r != IB_PARSE_EMPTY) {
			dev->stats.rx_bad_frame++;
		}
	}
	return 0;
}

/* One round: send, wait up to @wait_ms for the transport, receive, keep the
 * link's promises (retransmission, acks, credits). */
int ib_pump(icebuf *dev, int wait_ms)
{
	int r = ib_flush_tx(dev);
	if (r)
		return r;
	r = dev->tr.ops->wait(&dev->tr, dev->txq_len > 0, wait_ms);
	if (r)
		return r;
	uint8_t buf[16384];
	for (int rounds = 0; rounds < 64; rounds++) {
		long n = dev->tr.ops->read(&dev->tr, buf, sizeof buf);
		if (n < 0)
			return (int)n;
		if (n == 0)
			break;
		dev->stats.rx_bytes += (uint64_t)n;
		r = rx_bytes(dev, buf, (size_t)n);
		if (r)
			return r;
	}
	if (dev->synced && dev->una != dev->next_seq && now_ms() - dev->last_progress > dev->rto_ms) {
		/* Give up on time without an ack, not on a count of time-outs: at
		 * a bit error rate of 1e-4 a 1 KiB frame is hit more often than
		 * not, and ten unlucky rounds in a row happen; several seconds
		 * (on the board's clock) of nothing do not, while a dead board
		 * is still reported within them. */
		double silent = now_ms() - dev->last_acked;
		if (++dev->retries > MAX_RETRIES && silent > GIVEUP_MS)
			return ib_fail(dev, ICEBUF_ERR_TIMEOUT,
			               "the board stopped acknowledging data (%d retransmissions over %.1f s%s "
			               "went unanswered): was it reset, reprogrammed or unplugged?",
			               dev->retries - 1, silent / 1000, dev->tr.board_clock ? " of board time" : "");
		dev->nak_answered = 0;
		r = retransmit(dev);
		if (r)
			return r;
	}
	if (dev->synced) {
		/* An ack rides on our next frame; one of its own goes out when a
		 * few frames are owed or the oldest has waited ACK_DELAY_MS, so the
		 * board's window never runs dry and the wire is not spent on acks.
		 * Credit alone is worth a frame only when it grew from below what
		 * the board needs to send (its window) to above. */
		int grew = 0;
		uint32_t need = dev->info.window * dev->info.mtu;
		for (unsigned c = 0; c < NCHAN; c++) {
			uint32_t cr = our_credit(dev, c);
			if (dev->rx[c].buf && cr > dev->reported[c] && (dev->reported[c] < need || need == 0))
				grew = 1;
		}
		if (dev->ack_owed >= ACK_EVERY || grew ||
		    (dev->ack_owed && now_ms() - dev->ack_owed_since >= ACK_DELAY_MS)) {
			r = ib_send_frame(dev, IB_T_ACK, 0, 0, NULL, 0);
			if (r)
				return r;
		}
		/* An ack went out but some channel's credit did not ride with it. */
		while (dev->fresh && !dev->ack_owed) {
			r = ib_send_frame(dev, IB_T_ACK, 0, 0, NULL, 0);
			if (r)
				return r;
		}
	}
	return ib_flush_tx(dev);
}

/* ---- deadlines ----------------------------------------------------------- */

int ib_remaining_ms(icebuf *dev, double deadline)
{
	double left = deadline - now_ms();
	return left <= 0 ? 0 : (int)(left + 1);
}

double ib_deadline_of(icebuf *dev, int timeout_ms)
{
	return now_ms() + (timeout_ms < 0 ? dev->timeout_ms : timeout_ms);
}

/* ---- session ------------------------------------------------------------- */

/* SYNC until the board answers: the link starts afresh on both sides. */
int ib_sync(icebuf *dev, int timeout_ms)
{
	static const uint8_t zeros[4] = { 0, 0, 0, 0 };
	double deadline = now_ms() + timeout_ms, next_try = 0;
	while (!dev->synced) {
		if (now_ms() >= next_try) {
			/* End any partial frame the board holds, then start a session. */
			int r = ib_txq_append(dev, zeros, sizeof zeros);
			if (!r)
				r = ib_send_frame(dev, IB_T_SYNC, 0, 0, NULL, 0);
			if (r)
				return r;
			next_try = now_ms() + SYNC_RETRY_MS;
		}
		if (now_ms() >= deadline && dev->kind == IB_DEV_SIM_ADDR)
			return ib_fail(dev, ICEBUF_ERR_BUSY,
			               "the virtual board took the connection but did not answer within %d ms: another "
			               "program holds it (icebuf-sim serves one client at a time, the others wait); "
			               "close that one, or start an icebuf-sim of your own", timeout_ms);
		if (now_ms() >= deadline)
			return ib_fail(dev, ICEBUF_ERR_TIMEOUT,
			               "no answer from the board within %d ms: is it programmed with icebuf "
			               "gateware (make prog) and running at %u baud?", timeout_ms, dev->baud);
		int r = ib_pump(dev, 10);
		if (r)
			return r;
	}
	return 0;
}
