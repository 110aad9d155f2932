/*
 * vbuf.c — the host's video buffer and the source rate shaper.
 * SPDX-License-Identifier: MIT
 *
 * The buffer behaves as a player's: gather up to a goal before starting
 * (the board is then fed as fast as its credits allow), and after a stall —
 * the board ran dry because the source was late, this buffer empty — raise
 * the goal and gather again, so that the next gap of the source is covered.
 * The goal is always reachable: a full memory budget or the end of the
 * source counts as reached.
 */
#include "vbuf.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void vbuf_defaults(struct vbuf_cfg *cfg)
{
	cfg->start_ms = 2000;
	cfg->step_ms = 2000;
	cfg->max_ms = 10000;
	cfg->calm_ms = 30000;
	cfg->max_bytes = 64u << 20;
}

int vbuf_init(struct vbuf *b, const struct vbuf_cfg *cfg, uint64_t now_ms)
{
	memset(b, 0, sizeof *b);
	if (cfg->start_ms > cfg->max_ms || cfg->max_bytes == 0)
		return -1;
	b->cfg = *cfg;
	b->goal_ms = cfg->start_ms;
	b->state = VBUF_FILLING;
	b->fill_started_ms = b->calm_since_ms = now_ms;
	return 0;
}

void vbuf_free(struct vbuf *b)
{
	for (size_t i = 0; i < b->count; i++)
		free(b->q[(b->head + i) % b->cap].p);
	free(b->q);
	b->q = NULL;
	b->count = b->cap = 0;
}

int vbuf_room(const struct vbuf *b, size_t len)
{
	return b->count == 0 || b->bytes + len <= b->cfg.max_bytes;
}

static void check_filled(struct vbuf *b, uint64_t now_ms)
{
	if (b->state != VBUF_FILLING)
		return;
	/* Memory full (no room for a record of the mean size) counts as the
	 * goal reached: a goal beyond the budget would otherwise never be. */
	if (b->ended || vbuf_ms(b) >= b->goal_ms || (b->count && !vbuf_room(b, b->bytes / b->count))) {
		b->state = VBUF_FLOWING;
		b->filled_ms = now_ms - b->fill_started_ms;
		b->filled_once = 1;
		b->calm_since_ms = now_ms;
	}
}

int vbuf_push(struct vbuf *b, const uint8_t *rec, size_t len, uint16_t duration, uint64_t now_ms)
{
	if (!vbuf_room(b, len))
		return -1;
	if (b->count == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct vbuf_rec *nq = malloc(ncap * sizeof *nq);
		if (!nq)
			return -1;
		for (size_t i = 0; i < b->count; i++)
			nq[i] = b->q[(b->head + i) % b->cap];
		free(b->q);
		b->q = nq;
		b->cap = ncap;
		b->head = 0;
	}
	uint8_t *p = malloc(len ? len : 1);
	if (!p)
		return -1;
	memcpy(p, rec, len);
	b->q[(b->head + b->count) % b->cap] = (struct vbuf_rec){ p, len, duration };
	b->count++;
	b->bytes += len;
	b->ticks += duration;
	b->frames_in++;
	check_filled(b, now_ms);
	return 0;
}

void vbuf_source_end(struct vbuf *b, uint64_t now_ms)
{
	b->ended = 1;
	check_filled(b, now_ms);
}

void vbuf_board(struct vbuf *b, uint32_t board_underruns, uint64_t now_ms)
{
	uint32_t rise = board_underruns - b->board_underruns;
	b->board_underruns = board_underruns;
	if (rise == 0 || rise > 1000000)
		return;   /* none, or the board's counter was reset (a new stream) */
	/* The counter is read now and then (every 250 ms in `icebuf play`): by
	 * then a source that stalled may have delivered again. The board's
	 * underrun is the source's if this buffer ran dry since the last one. */
	int went_dry = b->dry != b->dry_at_underrun;
	b->dry_at_underrun = b->dry;
	if ((b->count || b->ended) && !went_dry) {
		b->link_underruns += rise;
		return;
	}
	b->stalls += rise;
	uint32_t g = b->goal_ms + b->cfg.step_ms;
	b->goal_ms = g > b->cfg.max_ms ? b->cfg.max_ms : g;
	b->state = VBUF_FILLING;
	b->fill_started_ms = b->calm_since_ms = now_ms;
}

static void calm(struct vbuf *b, uint64_t now_ms)
{
	if (b->state == VBUF_FLOWING && b->goal_ms > b->cfg.start_ms && now_ms - b->calm_since_ms >= b->cfg.calm_ms) {
		uint32_t g = b->goal_ms - b->cfg.step_ms;
		b->goal_ms = g < b->cfg.start_ms || g > b->goal_ms ? b->cfg.start_ms : g;
		b->calm_since_ms = now_ms;
	}
}

const struct vbuf_rec *vbuf_next(struct vbuf *b, uint64_t now_ms)
{
	check_filled(b, now_ms);
	calm(b, now_ms);
	if (b->state != VBUF_FLOWING || b->count == 0)
		return NULL;
	return &b->q[b->head];
}

void vbuf_pop(struct vbuf *b, uint64_t now_ms)
{
	if (!b->count)
		return;
	struct vbuf_rec *r = &b->q[b->head];
	b->bytes -= r->len;
	b->ticks -= r->duration;
	free(r->p);
	r->p = NULL;
	b->head = (b->head + 1) % b->cap;
	b->count--;
	b->frames_out++;
	if (!b->count && !b->ended)
		b->dry++;
	(void)now_ms;
}

/* ---- shaper ---- */

static int parse_num(const char **p, double *v)
{
	char *e;
	*v = strtod(*p, &e);
	if (e == *p || !(*v >= 0) || isinf(*v))
		return -1;
	*p = e;
	return 0;
}

int vshape_parse(struct vshape *s, const char *spec, char *err, size_t errlen)
{
	memset(s, 0, sizeof *s);
	const char *p = spec;
	if (!*p) {
		snprintf(err, errlen, "empty rate profile");
		return -1;
	}
	for (;;) {
		if (s->nseg == VSHAPE_MAX_SEG) {
			snprintf(err, errlen, "rate profile: more than %d items", VSHAPE_MAX_SEG);
			return -1;
		}
		const char *item = p, *end = strchr(p, ','), *colon = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		uint64_t dur = UINT64_MAX;
		if (colon && colon < end) {
			if (colon - p == 4 && !strncmp(p, "rest", 4)) {
				p = colon + 1;
			} else {
				double v;
				if (parse_num(&p, &v))
					goto bad;
				if (!strncmp(p, "ms:", 3)) {
					v *= 1e3;
					p += 3;
				} else if (!strncmp(p, "s:", 2)) {
					v *= 1e6;
					p += 2;
				} else
					goto bad;
				if (v < 1 || v > 1e15)
					goto bad;
				dur = (uint64_t)llround(v);
			}
		}
		s->seg[s->nseg].dur_us = dur;
		size_t n = (size_t)(end - p);
		if (n == 4 && !strncmp(p, "full", 4))
			s->seg[s->nseg].kind = VSHAPE_FULL;
		else {
			double v;
			if (parse_num(&p, &v))
				goto bad;
			enum vshape_kind k = VSHAPE_BPS;
			if (end - p == 3 && !strncmp(p, "fps", 3))
				k = VSHAPE_FPS, p += 3;
			else {
				if (p < end && (*p == 'k' || *p == 'K'))
					v *= 1e3, p++;
				else if (p < end && *p == 'M')
					v *= 1e6, p++;
				if (end - p == 3 && !strncmp(p, "B/s", 3))
					p += 3;
			}
			if (p != end)
				goto bad;
			s->seg[s->nseg].kind = v == 0 ? VSHAPE_ZERO : k;
			s->seg[s->nseg].rate = v;
		}
		s->nseg++;
		if (!*end)
			break;
		if (dur == UINT64_MAX) {
			snprintf(err, errlen, "rate profile: \"%.*s\" is for the rest of the stream, so it must be last",
			         (int)(end - item), item);
			return -1;
		}
		p = end + 1;
		continue;
bad:
		snprintf(err, errlen, "rate profile: bad item \"%.*s\" (want [N ms|N s|rest:]full|0|N fps|N[k|M][B/s])",
		         (int)(end - item), item);
		return -1;
	}
	return 0;
}

uint64_t vshape_delay(struct vshape *s, uint64_t now_us, size_t bytes)
{
	if (!s->started) {
		s->started = 1;
		s->t0_us = now_us;
		s->cur = -1;
	}
	uint64_t t = now_us - s->t0_us, start = 0;
	int i = 0;
	while (i < s->nseg && s->seg[i].dur_us != UINT64_MAX && t >= start + s->seg[i].dur_us)
		start += s->seg[i++].dur_us;
	if (i == s->nseg)
		return 0;   /* past the profile: full rate */
	uint64_t left = s->seg[i].dur_us == UINT64_MAX ? UINT64_MAX : start + s->seg[i].dur_us - t;
	double cost = s->seg[i].kind == VSHAPE_FPS ? 1.0 : (double)bytes;
	double rate = s->seg[i].rate;
	double cap = s->seg[i].kind == VSHAPE_FPS ? 1.0 : fmax(cost, rate * 0.05);   /* 50 ms of burst */
	if (i != s->cur) {
		s->cur = i;
		s->level = cap;   /* each item starts with a full bucket */
	} else {
		s->level = fmin(cap, s->level + rate * (double)(t - s->last_us) / 1e6);
	}
	s->last_us = t;
	switch (s->seg[i].kind) {
	case VSHAPE_FULL:
		return 0;
	case VSHAPE_ZERO:
		return left;
	default:
		if (s->level >= cost) {
			s->level -= cost;
			return 0;
		}
		{
			double w = ceil((cost - s->level) / rate * 1e6);
			uint64_t wu = w < 1 ? 1 : (uint64_t)w;
			return wu < left ? wu : left;
		}
	}
}
