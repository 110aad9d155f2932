/*
 * icebuf.c — libicebuf: the host side of the link (docs/protocol.md) and the
 * public API (icebuf.h).
 * SPDX-License-Identifier: MIT
 *
 * One thread drives everything through pump(): write what is queued, wait
 * for the transport, read and handle frames, retransmit on time-out, send
 * acks and credits. Every call that waits loops over pump() until its
 * deadline.
 */
#include "icebuf.h"
#include "icebuf_private.h"
#include "peripheral.h"
#include "codec.h"
#include "transport.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NCHAN 16                 /* channel numbers are 4 bits */
#define HOST_WINDOW 16           /* our unacknowledged DATA frames at most */
#define RX_CAP 65536             /* receive buffer per open channel */
#define MAX_RETRIES 10           /* time-outs in a row before giving up, at least ... */
#define GIVEUP_MS 5000.0         /* ... and this long (the handle's clock) without an ack advancing */
#define SYNC_RETRY_MS 250
#define ACK_EVERY 3              /* DATA frames owed an ack before one goes out alone */
#define TXQ_MAX (1u << 20)       /* bytes queued for the wire at most: a peer that stops reading */
#define ACK_DELAY_MS 1.0         /* ... or the oldest of them has waited this long */
#define CTRL_RELEASE_MS 50.0     /* a register call waits this long before it releases unread frames */

struct ring {
	uint8_t *buf;
	size_t head, len;        /* capacity RX_CAP */
};

struct txslot {
	uint8_t chan;
	uint16_t len;
	uint8_t data[IB_MAX_MTU];
};

struct icebuf {
	struct ib_transport tr;
	char err[512];
	int timeout_ms;
	unsigned baud;
	enum ib_kind kind;               /* what the device string named */
	/* link state */
	int synced;
	unsigned mtu;
	uint8_t next_seq, una;           /* our DATA frames */
	struct txslot slots[HOST_WINDOW];
	long left[NCHAN];                /* bytes the board's credit still allows */
	uint32_t unacked[NCHAN];         /* our bytes in unacknowledged frames */
	uint8_t expected;                /* next board DATA seq we take */
	/* Board frames are acknowledged once the application has consumed them,
	 * not when they arrive: until then they stay in the board's buffer, and
	 * a reader that stops, fails or dies leaves them there for the next.
	 * held_rem[s] is what frame s still has unread in its ring; acked is
	 * the last seq whose frame, and every one before it, was consumed. */
	uint8_t acked;
	uint8_t held_chan[256];
	uint16_t held_rem[256];
	int nak_sent;
	int nak_answered;                /* a NAK for una was answered: further ones are not */
	int ack_owed;                    /* DATA frames taken since we last sent an ack */
	double ack_owed_since;
	struct ring rx[NCHAN];
	uint32_t reported[NCHAN];        /* credit we last told the board */
	unsigned last_rx_chan;           /* channel of the last DATA frame taken */
	uint16_t fresh;                  /* channels taken data on since their credit was reported */
	int trace;                       /* $ICEBUF_TRACE set: log every frame on stderr */
	unsigned rot;
	double last_progress;
	double last_acked;               /* when an ack last advanced (or the window last filled from empty) */
	int retries;
	double rto_ms;
	unsigned cur_mtu;                /* payload of new frames: halved on retransmission */
	unsigned clean;                  /* frames acknowledged since the last retransmission */
	/* wire */
	uint8_t *txq;
	size_t txq_len, txq_cap;
	uint8_t rxf[IB_WIRE_MAX];
	size_t rxf_len;
	int rxf_overflow;
	uint8_t scratch[IB_WIRE_MAX];
	struct icebuf_stats stats;
	struct icebuf_info info;
	/* The board's 16-bit counters, extended: last raw value and the
	 * wraps seen, per counter register (a bit in ctr_seen once read). */
	uint16_t ctr_last[32];
	uint32_t ctr_high[32];
	uint32_t ctr_seen;
	uint32_t features;               /* FEATURES, read at open (0: older gateware) */
	struct ib_periph periph[IB_PERIPH_SLOTS]; /* the peripherals' state on this handle (peripheral.h) */
};

static _Thread_local char open_err[512];

void ib_sim_reap(struct ib_transport *t);

/* ---- small helpers ------------------------------------------------------ */

/* The transport's clock (transport.h: the board's on a virtual board, else
 * the wall clock). Every caller has its handle in `dev`. */
#define now_ms() (dev->tr.ops->now_ms(&dev->tr))

static int fail(icebuf *dev, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(icebuf *dev, int code, const char *fmt, ...)
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

static int ring_open(struct ring *r)
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

static size_t ring_get(struct ring *r, uint8_t *p, size_t n)
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
static void consumed(icebuf *dev, unsigned c, size_t n)
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
static void release_held(icebuf *dev)
{
	for (uint8_t s = (uint8_t)(dev->acked + 1); s != dev->expected; s++)
		dev->held_rem[s] = 0;
	consumed(dev, 0, 0);
}

static size_t ring_take(icebuf *dev, unsigned c, uint8_t *p, size_t n)
{
	n = ring_get(&dev->rx[c], p, n);
	consumed(dev, c, n);
	return n;
}

static uint32_t our_credit(const icebuf *dev, unsigned c)
{
	size_t f = ring_free(&dev->rx[c]);
	return f > 0xFFFF ? 0xFFFF : (uint32_t)f;
}

/* ---- sending --------------------------------------------------------------- */

static int txq_append(icebuf *dev, const uint8_t *p, size_t n)
{
	if (dev->txq_len + n > TXQ_MAX)
		return fail(dev, ICEBUF_ERR_TIMEOUT, "the board stopped taking bytes: %zu are queued for it "
		            "(is it wedged, or something else on the line?)", dev->txq_len);
	if (dev->txq_len + n > dev->txq_cap) {
		size_t cap = dev->txq_cap ? dev->txq_cap * 2 : 65536;
		while (cap < dev->txq_len + n)
			cap *= 2;
		uint8_t *q = realloc(dev->txq, cap);
		if (!q)
			return fail(dev, ICEBUF_ERR_NOMEM, "out of memory");
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

static int send_frame(icebuf *dev, uint8_t type, uint8_t chan, uint8_t seq, const uint8_t *payload, size_t len)
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
	return txq_append(dev, wire, n);
}

static int flush_tx(icebuf *dev)
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
		int r = send_frame(dev, IB_T_DATA, t->chan, s, t->data, t->len);
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
				return send_frame(dev, IB_T_NAK, 0, 0, NULL, 0);
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
	/* (Its credit rides on the ack that releases it: consumed().) */
	dev->held_chan[f->seq] = f->chan;
	dev->held_rem[f->seq] = (uint16_t)f->len;
	dev->expected++;
	dev->nak_sent = 0;
	dev->stats.rx_payload += f->len;
	/* Register responses are the handle's own business (a new session
	 * drops them on the board anyway): they leave the window on arrival. */
	if (f->chan == ICEBUF_CHAN_CONTROL)
		consumed(dev, ICEBUF_CHAN_CONTROL, f->len);
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
				int e = send_frame(dev, IB_T_NAK, 0, 0, NULL, 0);
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
static int pump(icebuf *dev, int wait_ms)
{
	int r = flush_tx(dev);
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
			return fail(dev, ICEBUF_ERR_TIMEOUT,
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
			r = send_frame(dev, IB_T_ACK, 0, 0, NULL, 0);
			if (r)
				return r;
		}
		/* An ack went out but some channel's credit did not ride with it. */
		while (dev->fresh && !dev->ack_owed) {
			r = send_frame(dev, IB_T_ACK, 0, 0, NULL, 0);
			if (r)
				return r;
		}
	}
	return flush_tx(dev);
}

#define remaining(deadline) remaining_ms(dev, deadline)
static int remaining_ms(icebuf *dev, double deadline)
{
	double left = deadline - now_ms();
	return left <= 0 ? 0 : (int)(left + 1);
}

static double deadline_of(icebuf *dev, int timeout_ms)
{
	return now_ms() + (timeout_ms < 0 ? dev->timeout_ms : timeout_ms);
}

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

static int do_sync(icebuf *dev, int timeout_ms)
{
	static const uint8_t zeros[4] = { 0, 0, 0, 0 };
	double deadline = now_ms() + timeout_ms, next_try = 0;
	while (!dev->synced) {
		if (now_ms() >= next_try) {
			/* End any partial frame the board holds, then start a session. */
			int r = txq_append(dev, zeros, sizeof zeros);
			if (!r)
				r = send_frame(dev, IB_T_SYNC, 0, 0, NULL, 0);
			if (r)
				return r;
			next_try = now_ms() + SYNC_RETRY_MS;
		}
		if (now_ms() >= deadline && dev->kind == IB_DEV_SIM_ADDR)
			return fail(dev, ICEBUF_ERR_BUSY,
			            "the virtual board took the connection but did not answer within %d ms: another "
			            "program holds it (icebuf-sim serves one client at a time, the others wait); "
			            "close that one, or start an icebuf-sim of your own", timeout_ms);
		if (now_ms() >= deadline)
			return fail(dev, ICEBUF_ERR_TIMEOUT,
			            "no answer from the board within %d ms: is it programmed with icebuf "
			            "gateware (make prog) and running at %u baud?", timeout_ms, dev->baud);
		int r = pump(dev, 10);
		if (r)
			return r;
	}
	return 0;
}

/* Send control requests, then collect one response per request. */
static int ctrl_transact(icebuf *dev, const uint8_t *req, size_t req_len, size_t nresp,
                         uint8_t (*resp)[6], int timeout_ms)
{
	double deadline = deadline_of(dev, timeout_ms), started = now_ms();
	long w = icebuf_write(dev, ICEBUF_CHAN_CONTROL, req, req_len, timeout_ms);
	if (w < 0)
		return (int)w;
	if ((size_t)w < req_len)
		return fail(dev, ICEBUF_ERR_TIMEOUT, "the board took no register request within the time-out");
	struct ring *r = &dev->rx[ICEBUF_CHAN_CONTROL];
	for (size_t i = 0; i < nresp; i++) {
		for (;;) {
			if (r->len >= 1) {
				uint8_t op = r->buf[r->head];
				size_t need = op == 0x81 ? 6 : 2;
				if (op != 0x81 && op != 0x82 && op != 0xE1 && op != 0xE2 && op != 0xE3 &&
				    op != 0xEF) {
					r->len = 0;
					r->head = 0;
					return fail(dev, ICEBUF_ERR_PROTOCOL,
					            "unexpected byte 0x%02X on the control channel", op);
				}
				if (r->len >= need) {
					ring_get(r, resp[i], need);
					break;
				}
			}
			if (now_ms() >= deadline)
				return fail(dev, ICEBUF_ERR_TIMEOUT, "no register response from the board within the time-out");
			/* Unread frames of other channels fill the board's window and
			 * hold back the response: the handle takes them over (they
			 * stay readable here, no longer on the board). */
			if (now_ms() - started > CTRL_RELEASE_MS)
				release_held(dev);
			int e = pump(dev, remaining(deadline) < 10 ? remaining(deadline) : 10);
			if (e)
				return e;
		}
	}
	return 0;
}
int ib_ctrl_transact(icebuf *dev, const uint8_t *req, size_t len, size_t n, uint8_t (*resp)[6], int t) { return ctrl_transact(dev, req, len, n, resp, t); }

static int reg_error(icebuf *dev, const uint8_t *resp, uint8_t addr)
{
	switch (resp[0]) {
	case 0xE1:
		return fail(dev, ICEBUF_ERR_REGISTER, "register 0x%02X does not exist on this gateware", addr);
	case 0xE2:
		return fail(dev, ICEBUF_ERR_REGISTER, "register 0x%02X is read-only", addr);
	case 0xE3:
		return fail(dev, ICEBUF_ERR_BUSY, "register 0x%02X cannot change while the stream buffer holds data",
		            addr);
	case 0xEF:
		return fail(dev, ICEBUF_ERR_PROTOCOL, "the board did not understand request op 0x%02X", resp[1]);
	default:
		if (resp[1] != addr)
			return fail(dev, ICEBUF_ERR_PROTOCOL, "the board answered for register 0x%02X, asked 0x%02X",
			            resp[1], addr);
		return 0;
	}
}

int icebuf_reg_read(icebuf *dev, uint8_t addr, uint32_t *value, int timeout_ms)
{
	if (!dev || !value)
		return ICEBUF_ERR_ARG;
	uint8_t req[2] = { 0x01, addr }, resp[1][6];
	int r = ctrl_transact(dev, req, 2, 1, resp, timeout_ms);
	if (r)
		return r;
	if ((r = reg_error(dev, resp[0], addr)))
		return r;
	if (resp[0][0] != 0x81)
		return fail(dev, ICEBUF_ERR_PROTOCOL, "unexpected response 0x%02X to a read", resp[0][0]);
	uint32_t v = (uint32_t)resp[0][2] << 24 | (uint32_t)resp[0][3] << 16 | (uint32_t)resp[0][4] << 8 | resp[0][5];
	/* The counters are 16 bits on the board and wrap: a read lower than
	 * the last one on this handle is a wrap (docs/protocol.md §7). */
	int ctr = addr == ICEBUF_REG_STREAM_OVERFLOW || addr == ICEBUF_REG_STREAM_UNDERFLOW ||
	          (addr >= ICEBUF_REG_RX_FRAMES && addr <= ICEBUF_REG_UART_OVERRUN);
	if (ctr && v <= 0xFFFF) {
		unsigned i = addr & 31u;
		if ((dev->ctr_seen >> i & 1) && v < dev->ctr_last[i])
			dev->ctr_high[i] += 0x10000;
		dev->ctr_seen |= 1u << i;
		dev->ctr_last[i] = (uint16_t)v;
		v += dev->ctr_high[i];
	}
	*value = v;
	return 0;
}

int icebuf_reg_write(icebuf *dev, uint8_t addr, uint32_t value, int timeout_ms)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	uint8_t req[6] = { 0x02, addr, (uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8),
	                   (uint8_t)value };
	uint8_t resp[1][6];
	int r = ctrl_transact(dev, req, 6, 1, resp, timeout_ms);
	if (r)
		return r;
	if ((r = reg_error(dev, resp[0], addr)))
		return r;
	if (resp[0][0] != 0x82)
		return fail(dev, ICEBUF_ERR_PROTOCOL, "unexpected response 0x%02X to a write", resp[0][0]);
	return 0;
}

/* Read what the board says about itself and check it is gateware we speak to. */
static int check_gateware(icebuf *dev, int skip_check)
{
	static const uint8_t regs[] = { ICEBUF_REG_ID, ICEBUF_REG_VERSION, ICEBUF_REG_BOARD, ICEBUF_REG_CLK_HZ,
	                                ICEBUF_REG_BAUD, ICEBUF_REG_LINK, ICEBUF_REG_STREAM_DEPTH,
	                                ICEBUF_REG_FEATURES };
	enum { N = sizeof regs };
	uint8_t req[2 * N], resp[N][6];
	uint32_t v[N];
	for (size_t i = 0; i < N; i++) {
		req[2 * i] = 0x01;
		req[2 * i + 1] = regs[i];
	}
	/* LINK first, alone (a request fits any frame): it says how long a
	 * frame may be, and a register request must fit in one (§7). */
	enum { LINK_I = 5, REQ_MAX = 6 };
	int r = ctrl_transact(dev, req + 2 * LINK_I, 2, 1, resp + LINK_I, -1);
	if (r)
		return r;
	if (resp[LINK_I][0] == 0x81 && resp[LINK_I][1] == ICEBUF_REG_LINK) {
		unsigned mtu = (unsigned)resp[LINK_I][4] << 8 | resp[LINK_I][5];
		if (mtu < REQ_MAX)
			return fail(dev, ICEBUF_ERR_GATEWARE,
			            "the board announces frames of %u bytes (LINK register), too small for a register "
			            "request (up to %d bytes, one frame each): it cannot be driven; is its gateware "
			            "built with a broken MTU?", mtu, REQ_MAX);
		if (mtu < dev->mtu)
			dev->mtu = dev->cur_mtu = mtu;
	}
	/* The others in one frame where it holds them, else one by one. */
	for (size_t i = 0; i < N;) {
		size_t n = dev->mtu >= 2 * N ? N : 1;
		if (i == LINK_I) {
			i++;
			continue;
		}
		if (n > 1) {
			r = ctrl_transact(dev, req, sizeof req, N, resp, -1);
			i = N;
		} else {
			r = ctrl_transact(dev, req + 2 * i, 2, 1, resp + i, -1);
			i++;
		}
		if (r)
			return r;
	}
	for (size_t i = 0; i < N; i++) {
		if (resp[i][0] != 0x81 || resp[i][1] != regs[i]) {
			/* Gateware older than FEATURES has none of the peripherals. */
			if (skip_check || (regs[i] == ICEBUF_REG_FEATURES && resp[i][0] == ICEBUF_RESP_NO_REG &&
			                   resp[i][1] == regs[i])) {
				v[i] = 0;
				continue;
			}
			return fail(dev, ICEBUF_ERR_GATEWARE,
			            "the board could not tell its register 0x%02X: is this an icebuf bitstream?", regs[i]);
		}
		v[i] = (uint32_t)resp[i][2] << 24 | (uint32_t)resp[i][3] << 16 | (uint32_t)resp[i][4] << 8 | resp[i][5];
	}
	struct icebuf_info *in = &dev->info;
	in->id = v[0];
	in->version = v[1];
	in->board = v[2];
	in->clk_hz = v[3];
	in->baud = v[4];
	in->mtu = v[5] & 0xFFFF;
	in->window = (v[5] >> 16) & 0xFF;
	in->channels = v[5] >> 24;
	in->stream_depth = v[6];
	dev->features = v[7];
	if (skip_check)
		return 0;
	if (in->id != ICEBUF_ID_MAGIC)
		return fail(dev, ICEBUF_ERR_GATEWARE,
		            "device answered with ID 0x%08X, expected 0x%08X (\"ICEB\"): is this an icebuf bitstream?",
		            in->id, ICEBUF_ID_MAGIC);
	if ((in->version >> 16) != ICEBUF_PROTOCOL_MAJOR)
		return fail(dev, ICEBUF_ERR_GATEWARE,
		            "gateware version %u.%u.%u is not compatible with this libicebuf (protocol %d.x): "
		            "rebuild and program the bitstream (make bitstream prog BOARD=...) or update icebuf",
		            in->version >> 16, (in->version >> 8) & 0xFF, in->version & 0xFF, ICEBUF_PROTOCOL_MAJOR);
	if (in->mtu == 0 || in->mtu > IB_MAX_MTU)
		return fail(dev, ICEBUF_ERR_GATEWARE, "the board reports a frame size of %u bytes; this libicebuf "
		            "handles 1 to %d", in->mtu, IB_MAX_MTU);
	dev->mtu = in->mtu;
	dev->cur_mtu = in->mtu;
	return 0;
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
	if ((r = ring_open(&dev->rx[ICEBUF_CHAN_CONTROL]))) {
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
		r = do_sync(dev, t);
		if (r != ICEBUF_ERR_TIMEOUT || i + 1 == ntry)
			break;
		dev->tr.ops->close(&dev->tr);
		dev->tr.ops = NULL;
		dev->txq_len = 0;                 /* what the last rate did not send */
		dev->rxf_len = 0;
	}
	if (r == ICEBUF_ERR_TIMEOUT && autobaud)
		fail(dev, r, "no icebuf gateware answered at %u or %u baud: is the board programmed "
		             "(make prog BOARD=...)? Or give its rate with --baud", rates[0], rates[1]);
	if (r == 0)
		r = check_gateware(dev, opt && opt->skip_check);
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
			send_frame(dev, IB_T_ACK, 0, 0, NULL, 0);
		for (int i = 0; i < 50 && dev->txq_len; i++) {
			if (flush_tx(dev))
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
	return fail(dev, code, "%s", msg);
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
		return dev ? fail(dev, ICEBUF_ERR_ARG, "icebuf_write: no buffer") : ICEBUF_ERR_ARG;
	if (chan >= NCHAN || (dev->info.channels && chan >= dev->info.channels))
		return fail(dev, ICEBUF_ERR_ARG, "icebuf_write: channel %u does not exist on this gateware (%u channels)",
		            chan, dev->info.channels);
	const uint8_t *p = buf;
	double deadline = deadline_of(dev, timeout_ms);
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
			int r = send_frame(dev, IB_T_DATA, (uint8_t)chan, dev->next_seq, t->data, n);
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
		int r = pump(dev, remaining(deadline) < 5 ? remaining(deadline) : 5);
		if (r)
			return r;
	}
	int r = pump(dev, 0);
	return r ? r : (long)taken;
}

/* Wait until channel @chan has a byte (or the time-out runs out): 1 if it
 * has, 0 if not, or a negative error. */
static long wait_readable(icebuf *dev, unsigned chan, size_t len, int timeout_ms, const char *what)
{
	if (chan >= NCHAN || (dev->info.channels && chan >= dev->info.channels))
		return fail(dev, ICEBUF_ERR_ARG, "%s: channel %u does not exist on this gateware (%u channels)",
		            what, chan, dev->info.channels);
	struct ring *r = &dev->rx[chan];
	if (!r->buf) {
		/* First read: grant the board credit on this channel. */
		int e = ring_open(r);
		if (e)
			return fail(dev, e, "out of memory");
		dev->reported[chan] = 0;
	}
	double deadline = deadline_of(dev, timeout_ms);
	for (;;) {
		int e = pump(dev, 0);
		if (e)
			return e;
		if (r->len > 0 || len == 0)
			return 1;
		if (now_ms() >= deadline)
			return 0;
		e = pump(dev, remaining(deadline) < 5 ? remaining(deadline) : 5);
		if (e)
			return e;
		if (r->len > 0)
			return 1;
	}
}

long icebuf_read(icebuf *dev, unsigned chan, void *buf, size_t len, int timeout_ms)
{
	if (!dev || (!buf && len))
		return dev ? fail(dev, ICEBUF_ERR_ARG, "icebuf_read: no buffer") : ICEBUF_ERR_ARG;
	long w = wait_readable(dev, chan, len, timeout_ms, "icebuf_read");
	if (w <= 0)
		return w;
	long n = (long)ring_take(dev, chan, buf, len);
	int e = pump(dev, 0);               /* tell the board about the room */
	return e ? e : n;
}

long icebuf_peek(icebuf *dev, unsigned chan, void *buf, size_t len, int timeout_ms)
{
	if (!dev || (!buf && len))
		return dev ? fail(dev, ICEBUF_ERR_ARG, "icebuf_peek: no buffer") : ICEBUF_ERR_ARG;
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
		return fail(dev, ICEBUF_ERR_ARG, "icebuf_consume: %zu bytes asked, channel %u holds %zu", len, chan,
		            chan < NCHAN ? dev->rx[chan].len : 0);
	struct ring *r = &dev->rx[chan];
	r->head = (r->head + len) % RX_CAP;
	r->len -= len;
	consumed(dev, chan, len);
	return pump(dev, 0);
}

int icebuf_flush(icebuf *dev, int timeout_ms)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	double deadline = deadline_of(dev, timeout_ms);
	while (dev->una != dev->next_seq || dev->txq_len) {
		if (now_ms() >= deadline) {
			unsigned long pending = 0;
			for (unsigned c = 0; c < NCHAN; c++)
				pending += dev->unacked[c];
			return fail(dev, ICEBUF_ERR_TIMEOUT,
			            "%lu bytes not yet acknowledged by the board after the time-out "
			            "(its buffer is full and nobody reads it?)", pending);
		}
		int r = pump(dev, remaining(deadline) < 5 ? remaining(deadline) : 5);
		if (r)
			return r;
	}
	return 0;
}

int icebuf_debug_inject(icebuf *dev, const void *bytes, size_t len)
{
	if (!dev || (!bytes && len))
		return ICEBUF_ERR_ARG;
	int r = txq_append(dev, bytes, len);
	return r ? r : flush_tx(dev);
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
	return pump(dev, timeout_ms < 0 ? 0 : timeout_ms);
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
