/*
 * link.h — libicebuf's handle and its link engine, for the library's own files (internal).
 * SPDX-License-Identifier: MIT
 *
 * struct icebuf, the state of one open board, is private to libicebuf: it
 * is defined here for link.c (the link engine: receive rings, credits, the
 * transmit queue, retransmission, pump), regs.c (the register client) and
 * icebuf.c (the public API), and seen by nothing outside host/src.
 */
#ifndef ICEBUF_LINK_H
#define ICEBUF_LINK_H

#include "icebuf.h"
#include "codec.h"
#include "peripheral.h"
#include "transport.h"

#include <stddef.h>
#include <stdint.h>

#define NCHAN 16                 /* channel numbers are 4 bits */
#define HOST_WINDOW 16           /* our unacknowledged DATA frames at most */
#define RX_CAP 65536             /* receive buffer per open channel */

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

/* The transport's clock (transport.h: the board's on a virtual board, else
 * the wall clock). Every caller has its handle in `dev`. */
#define now_ms() (dev->tr.ops->now_ms(&dev->tr))

/* ---- link.c ---------------------------------------------------------------- */

/* Set @dev's message (icebuf_last_error()) and return @code. */
int ib_fail(icebuf *dev, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A channel's receive ring: allocated on first read (ICEBUF_ERR_NOMEM),
 * taken from as it is read. */
int ib_ring_open(struct ring *r);
size_t ib_ring_get(struct ring *r, uint8_t *p, size_t n);
/* ib_ring_get() on channel @c, and ib_consumed() of what it took. */
size_t ib_ring_take(icebuf *dev, unsigned c, uint8_t *p, size_t n);
/* The application has taken @n bytes of channel @c out of its ring. */
void ib_consumed(icebuf *dev, unsigned c, size_t n);
/* Acknowledge every frame received, read or not. */
void ib_release_held(icebuf *dev);

/* Queue @n raw bytes, or one frame, for the wire; ib_flush_tx() writes what
 * the transport takes now. */
int ib_txq_append(icebuf *dev, const uint8_t *p, size_t n);
int ib_send_frame(icebuf *dev, uint8_t type, uint8_t chan, uint8_t seq, const uint8_t *payload, size_t len);
int ib_flush_tx(icebuf *dev);

/* One round of the link, waiting up to @wait_ms for the transport. */
int ib_pump(icebuf *dev, int wait_ms);
/* Start a session: SYNC until the board answers, within @timeout_ms. */
int ib_sync(icebuf *dev, int timeout_ms);

/* Deadlines on the handle's clock: @timeout_ms < 0 is the handle's default. */
double ib_deadline_of(icebuf *dev, int timeout_ms);
int ib_remaining_ms(icebuf *dev, double deadline);
#define remaining(deadline) ib_remaining_ms(dev, deadline)

/* ---- regs.c ---------------------------------------------------------------- */

/* Read ID ... FEATURES into dev->info and check it is gateware we speak to
 * (@skip_check: only read them). */
int ib_check_gateware(icebuf *dev, int skip_check);

#endif
