/*
 * keyboard.c — the keyboard's calls of icebuf.h: key events from channel 2,
 * LEDs, typematic, status (docs/keyboard.md).
 * SPDX-License-Identifier: MIT
 *
 * Records are peeked, decoded (kbd_decode.c) and consumed only when the
 * last event decoded from them has been returned, so what a program did not
 * get stays on the board.
 */
#include "icebuf.h"
#include "kbd_decode.h"
#include "peripheral.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KCHAN ICEBUF_CHAN_KEYBOARD
#define TIME_BITS 21
#define TIME_WRAP ((int64_t)1 << TIME_BITS)
/* How far a record's time may lie ahead of the board time the handle
 * reckons from KBD_TIME and its own clock (drift, the read's latency). */
#define TIME_SLACK_MS 10000
#define NCTR 6                           /* KBD_EVENTS ... KBD_RESENDS */

struct kbd_state {
	int started;                     /* credit granted, KBD_TIME read */
	int raw, raw_next;
	struct kbd_decoder dec;
	struct icebuf_key_event pend[KBD_MAX_EVENTS + 1];
	int npend, ipend;                /* events of the record at the head of channel 2 */
	int64_t t0;                      /* KBD_TIME at the start ... */
	double h0;                       /* ... and the handle's clock then */
	int64_t prev;                    /* the last record's time */
	int have_prev;
	uint16_t ctr_last[NCTR];
	uint32_t ctr_high[NCTR];
	uint8_t ctr_seen;
};

static struct kbd_state *state(icebuf *dev, int *err)
{
	*err = ib_require_feature(dev, ICEBUF_FEAT_KEYBOARD, "keyboard");
	if (*err)
		return NULL;
	struct ib_periph *p = ib_dev_periph(dev, IB_PERIPH_KEYBOARD);
	if (!p->state) {
		struct kbd_state *k = calloc(1, sizeof *k);
		if (!k) {
			*err = ib_dev_fail(dev, ICEBUF_ERR_NOMEM, "out of memory");
			return NULL;
		}
		kbd_decoder_init(&k->dec);
		p->state = k;
		p->free = free;
	}
	return p->state;
}

static double deadline_of(icebuf *dev, int timeout_ms)
{
	return icebuf_time_ms(dev, NULL) + (timeout_ms < 0 ? ib_dev_timeout(dev) : timeout_ms);
}

static int left_ms(icebuf *dev, double deadline)
{
	double l = deadline - icebuf_time_ms(dev, NULL);
	return l <= 0 ? 0 : (int)(l + 1);
}

/* Grant credit on channel 2 and anchor the board's clock. */
static int start(icebuf *dev, struct kbd_state *k)
{
	struct icebuf_info in;
	icebuf_info(dev, &in);
	if (in.channels && in.channels <= KCHAN) {
		char msg[160];
		snprintf(msg, sizeof msg, "the board has the keyboard but only %u link channels (it needs channel %d)",
		         in.channels, KCHAN);
		return ib_dev_fail(dev, ICEBUF_ERR_PROTOCOL, msg);
	}
	uint32_t t;
	/* A round trip, with the handle's time-out even when the caller polls
	 * with 0. */
	int r = icebuf_reg_read(dev, ICEBUF_REG_KBD_TIME, &t, -1);
	if (r)
		return r;
	k->t0 = t & (uint32_t)(TIME_WRAP - 1);
	k->h0 = icebuf_time_ms(dev, NULL);
	uint8_t b;
	long p = icebuf_peek(dev, KCHAN, &b, 1, 0);      /* the first read: credit */
	if (p < 0)
		return (int)p;
	k->started = 1;
	return 0;
}

/* A record's 21-bit time on the handle's line: the latest time with those
 * low bits that is not after the board's clock now (as KBD_TIME and the
 * handle's clock since tell it), and never before the previous record's. */
static int64_t extend(icebuf *dev, struct kbd_state *k, uint32_t raw)
{
	int64_t est = k->t0 + (int64_t)(icebuf_time_ms(dev, NULL) - k->h0) + TIME_SLACK_MS;
	int64_t c = est - ((est - (int64_t)raw) % TIME_WRAP + TIME_WRAP) % TIME_WRAP;
	if (k->have_prev && c < k->prev)
		c += (k->prev - c + TIME_WRAP - 1) / TIME_WRAP * TIME_WRAP;
	k->prev = c;
	k->have_prev = 1;
	return c;
}

static void fill_scan(struct icebuf_key_event *e, const struct kbd_record *r)
{
	uint8_t n = 0;
	if (r->prefix == KBD_P_MARKER) {
		e->scan_len = 0;
		return;
	}
	if (r->prefix == KBD_P_E0)
		e->scan[n++] = 0xE0;
	else if (r->prefix == KBD_P_E1)
		e->scan[n++] = 0xE1;
	if (r->brk)
		e->scan[n++] = 0xF0;
	e->scan[n++] = r->code;
	e->scan_len = n;
	e->brk = r->brk;
}

/* The events of one record into k->pend. */
static void decode(icebuf *dev, struct kbd_state *k, const struct kbd_record *r)
{
	int64_t ms = extend(dev, k, r->ms);
	struct icebuf_key_event base;
	memset(&base, 0, sizeof base);
	base.ms = ms;
	fill_scan(&base, r);
	k->npend = k->ipend = 0;
	if (k->raw) {
		struct icebuf_key_event e = base;
		if (r->prefix == KBD_P_MARKER) {
			e.kind = r->code == KBD_M_OVERFLOW ? ICEBUF_KEY_OVERFLOW : r->code == KBD_M_ALL_UP ? ICEBUF_KEY_ALL_UP
			                                                                                   : ICEBUF_KEY_RAW;
		} else {
			e.kind = ICEBUF_KEY_RAW;
			if (!kbd_lookup(r->prefix == KBD_P_E1 ? KBD_P_E1 : r->prefix, r->code, &e.page, &e.usage, &e.code))
				e.page = e.usage = e.code = 0;
		}
		k->pend[k->npend++] = e;
		return;
	}
	static _Thread_local struct kbd_event out[KBD_MAX_EVENTS];
	int n = kbd_decode(&k->dec, r, out);
	for (int i = 0; i < n; i++) {
		struct icebuf_key_event e = base;
		switch (out[i].type) {
		case KBD_EV_KEY:
			e.kind = !out[i].pressed ? ICEBUF_KEY_RELEASE : out[i].repeat ? ICEBUF_KEY_REPEAT : ICEBUF_KEY_PRESS;
			e.page = out[i].page;
			e.usage = out[i].usage;
			e.code = out[i].linux_code;
			break;
		case KBD_EV_OVERFLOW: e.kind = ICEBUF_KEY_OVERFLOW; break;
		case KBD_EV_OVERRUN: e.kind = ICEBUF_KEY_OVERRUN; break;
		default: e.kind = ICEBUF_KEY_UNKNOWN; break;
		}
		k->pend[k->npend++] = e;
	}
	if (r->prefix == KBD_P_MARKER && r->code == KBD_M_ALL_UP) {
		k->pend[k->npend] = base;
		k->pend[k->npend++].kind = ICEBUF_KEY_ALL_UP;
	}
}

int icebuf_key_read(icebuf *dev, struct icebuf_key_event *ev, int timeout_ms)
{
	int err;
	struct kbd_state *k = state(dev, &err);
	if (!k)
		return err;
	if (!ev)
		return ib_dev_fail(dev, ICEBUF_ERR_ARG, "icebuf_key_read: no event to fill");
	double deadline = deadline_of(dev, timeout_ms);
	if (!k->started && (err = start(dev, k)))
		return err;
	for (;;) {
		if (k->ipend < k->npend) {
			*ev = k->pend[k->ipend++];
			if (k->ipend == k->npend) {
				/* The record's last event is out: now it may leave the board. */
				k->npend = k->ipend = 0;
				/* The record is gone from the handle even if telling the
				 * board fails: the event is returned, the next call reports
				 * the link's error. */
				icebuf_consume(dev, KCHAN, KBD_RECORD_LEN);
			}
			return 1;
		}
		uint8_t b[KBD_RECORD_LEN];
		long n = icebuf_peek(dev, KCHAN, b, sizeof b, left_ms(dev, deadline));
		if (n < 0)
			return (int)n;
		if (n < (long)sizeof b) {
			/* Nothing, or part of a record (the rest is in the next frame). */
			if (left_ms(dev, deadline) <= 0)
				return 0;
			int r = icebuf_poll(dev, left_ms(dev, deadline) < 5 ? left_ms(dev, deadline) : 5);
			if (r)
				return r;
			continue;
		}
		k->raw = k->raw_next;
		struct kbd_record rec;
		kbd_record_unpack(b, &rec);
		decode(dev, k, &rec);
		if (!k->npend) {
			/* A fake shift, a part of Pause, a release of a key not held:
			 * nothing to return, and nothing lost by releasing it. */
			int r = icebuf_consume(dev, KCHAN, KBD_RECORD_LEN);
			if (r)
				return r;
		}
	}
}

int icebuf_key_set_raw(icebuf *dev, int raw)
{
	int err;
	struct kbd_state *k = state(dev, &err);
	if (!k)
		return err;
	if (!!raw != k->raw_next) {
		k->raw_next = !!raw;
		kbd_decoder_init(&k->dec);
	}
	return 0;
}

const char *icebuf_key_name(uint16_t page, uint16_t usage)
{
	return kbd_key_name(page, usage);
}

int icebuf_key_at(unsigned index, uint16_t *page, uint16_t *usage, uint16_t *code)
{
	uint16_t p, u, c;
	if (index > 0xFFFF || !kbd_key_at((int)index, &p, &u, &c))
		return 0;
	if (page) *page = p;
	if (usage) *usage = u;
	if (code) *code = c;
	return 1;
}

const char *icebuf_key_kind_name(enum icebuf_key_kind kind)
{
	switch (kind) {
	case ICEBUF_KEY_PRESS: return "press";
	case ICEBUF_KEY_RELEASE: return "release";
	case ICEBUF_KEY_REPEAT: return "repeat";
	case ICEBUF_KEY_OVERFLOW: return "overflow";
	case ICEBUF_KEY_ALL_UP: return "all-up";
	case ICEBUF_KEY_OVERRUN: return "overrun";
	case ICEBUF_KEY_UNKNOWN: return "unknown";
	case ICEBUF_KEY_RAW: return "raw";
	default: return "?";
	}
}

int icebuf_kbd_set_leds(icebuf *dev, unsigned leds, int timeout_ms)
{
	int err;
	if (!state(dev, &err))
		return err;
	if (leds & ~7u)
		return ib_dev_fail(dev, ICEBUF_ERR_ARG, "icebuf_kbd_set_leds: only Scroll (1), Num (2), Caps (4)");
	return icebuf_reg_write(dev, ICEBUF_REG_KBD_LEDS, leds, timeout_ms);
}

/* Set 2's typematic byte: [6:5] delay (250 ms x (1 + D)), [4:3] B and [2:0] A
 * of the period (8 + A) x 2^B / 240 s. */
static double period_of(unsigned b)
{
	return (8 + (b & 7)) * (double)(1u << (b >> 3 & 3)) * 1000.0 / 240.0;
}

void icebuf_kbd_typematic_ms(unsigned byte, int *delay_ms, int *period_ms)
{
	if (delay_ms)
		*delay_ms = 250 * (1 + (int)(byte >> 5 & 3));
	if (period_ms)
		*period_ms = (int)(period_of(byte) + 0.5);
}

int icebuf_kbd_set_typematic(icebuf *dev, int delay_ms, int period_ms, int timeout_ms)
{
	int err;
	if (!state(dev, &err))
		return err;
	if (delay_ms <= 0 || period_ms <= 0)
		return ib_dev_fail(dev, ICEBUF_ERR_ARG, "icebuf_kbd_set_typematic: delay and period must be positive");
	int d = (delay_ms + 125) / 250 - 1;
	d = d < 0 ? 0 : d > 3 ? 3 : d;
	unsigned best = 0;
	for (unsigned b = 1; b < 32; b++) {
		double e = period_of(b) - period_ms, eb = period_of(best) - period_ms;
		if ((e < 0 ? -e : e) < (eb < 0 ? -eb : eb))
			best = b;
	}
	return icebuf_reg_write(dev, ICEBUF_REG_KBD_TYPEMATIC, (unsigned)d << 5 | best, timeout_ms);
}

int icebuf_kbd_status(icebuf *dev, struct icebuf_kbd_status *st, int timeout_ms)
{
	int err;
	struct kbd_state *k = state(dev, &err);
	if (!k)
		return err;
	if (!st)
		return ib_dev_fail(dev, ICEBUF_ERR_ARG, "icebuf_kbd_status: nowhere to put it");
	uint32_t v[10];
	for (unsigned i = 0; i < 10; i++) {
		int r = icebuf_reg_read(dev, (uint8_t)(ICEBUF_REG_KBD_STATUS + i), &v[i], timeout_ms);
		if (r)
			return r;
	}
	/* KBD_EVENTS ... KBD_RESENDS: 16 bits on the board, extended here. */
	for (unsigned i = 0; i < NCTR; i++) {
		uint16_t raw = (uint16_t)v[1 + i];
		if ((k->ctr_seen >> i & 1) && raw < k->ctr_last[i])
			k->ctr_high[i] += 0x10000;
		k->ctr_seen |= (uint8_t)(1u << i);
		k->ctr_last[i] = raw;
		v[1 + i] = raw + k->ctr_high[i];
	}
	st->present = v[0] & 1;
	st->initialised = v[0] >> 1 & 1;
	st->dropping = v[0] >> 2 & 1;
	st->leds = v[0] >> 8 & 7;
	st->events = v[1];
	st->overflows = v[2];
	st->parity_errors = v[3];
	st->frame_errors = v[4];
	st->timeouts = v[5];
	st->resends = v[6];
	st->typematic = v[8] & 0x7F;
	st->time_ms = v[9] & (uint32_t)(TIME_WRAP - 1);
	return 0;
}
