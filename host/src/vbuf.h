/*
 * vbuf.h — host-side buffering of `icebuf play` (docs/video-host.md): a
 * buffer of encoded records that gathers seconds of video before the board
 * is started and raises that goal after stalls, and a shaper that limits the
 * source's rate (a rate, or a profile over time) to play through a slow or
 * flaky source on purpose.
 * SPDX-License-Identifier: MIT
 * Private to libicebuf. Neither reads a clock: times are passed in.
 */
#ifndef ICEBUF_VBUF_H
#define ICEBUF_VBUF_H

#include <stddef.h>
#include <stdint.h>

struct vbuf_cfg {
	uint32_t start_ms;   /* media gathered before the board gets its first frame (default 2000) */
	uint32_t step_ms;    /* added to the goal after each stall (default 2000) */
	uint32_t max_ms;     /* the goal's ceiling (default 10000) */
	uint32_t calm_ms;    /* play this long without a stall and the goal falls one step (default 30000) */
	size_t max_bytes;    /* host memory for records (default 64 MiB); when full the goal counts as reached */
};

enum vbuf_state {
	VBUF_FILLING = 0,    /* gathering up to the goal: nothing goes to the board */
	VBUF_FLOWING = 1,    /* records go to the board as its credits allow */
};

struct vbuf_rec { uint8_t *p; size_t len; uint16_t duration; };

struct vbuf {
	struct vbuf_cfg cfg;
	struct vbuf_rec *q;   /* ring of records */
	size_t cap, head, count;
	size_t bytes;         /* held now */
	uint64_t ticks;       /* media held now, 1/1200 s */
	enum vbuf_state state;
	uint32_t goal_ms;     /* the current goal */
	int ended;            /* the source has ended: all may go */
	uint32_t board_underruns;   /* the board's counter, last seen */
	uint64_t calm_since_ms;     /* last stall or goal step */
	/* Counters. */
	uint64_t frames_in, frames_out;
	uint32_t stalls;            /* board underruns with the host buffer dry: the source was late */
	uint32_t link_underruns;    /* board underruns with frames waiting here: the link was late */
	uint32_t dry;               /* times the buffer ran empty while flowing, source not ended */
	uint32_t dry_at_underrun;   /* dry when the board's last underrun was seen */
	uint64_t fill_started_ms, filled_ms;  /* the last fill: when it began and how long it took */
	int filled_once;
};

/* The defaults above. */
void vbuf_defaults(struct vbuf_cfg *cfg);
/* 0, or -1 if @cfg is inconsistent (start > max, max_bytes 0). */
int vbuf_init(struct vbuf *b, const struct vbuf_cfg *cfg, uint64_t now_ms);
void vbuf_free(struct vbuf *b);

/* May the source add a record of @len bytes now (memory bound)? An empty
 * buffer always takes one, whatever its size. */
int vbuf_room(const struct vbuf *b, size_t len);
/* Add a copy of a record (vf_conv_frame's) of @duration 1/1200 s. 0, or -1
 * if there is no room (vbuf_room) or no memory. */
int vbuf_push(struct vbuf *b, const uint8_t *rec, size_t len, uint16_t duration, uint64_t now_ms);
/* The source has ended (its end-of-stream record is the caller's to send
 * once vbuf_count() is 0): no more gathering. */
void vbuf_source_end(struct vbuf *b, uint64_t now_ms);

/* The board's underrun counter, as read from its registers: a rise when
 * this buffer ran dry (source not ended) since the last rise, or is empty
 * now, is a stall (goal + step, gather again); with records waiting here all
 * along it is the link's, only counted. */
void vbuf_board(struct vbuf *b, uint32_t board_underruns, uint64_t now_ms);

/* The record to send now, or NULL (empty, or gathering). It stays at the
 * head until vbuf_pop(): call that once the board has taken it all. */
const struct vbuf_rec *vbuf_next(struct vbuf *b, uint64_t now_ms);
void vbuf_pop(struct vbuf *b, uint64_t now_ms);

static inline size_t vbuf_count(const struct vbuf *b) { return b->count; }
/* Media held, in milliseconds. */
static inline uint32_t vbuf_ms(const struct vbuf *b) { return (uint32_t)(b->ticks * 1000 / 1200); }

/* ---- source rate shaper ---- */

#define VSHAPE_MAX_SEG 32
enum vshape_kind { VSHAPE_FULL, VSHAPE_ZERO, VSHAPE_BPS, VSHAPE_FPS };
struct vshape {
	int nseg;
	struct { uint64_t dur_us; enum vshape_kind kind; double rate; } seg[VSHAPE_MAX_SEG];
	int started, cur;
	uint64_t t0_us, last_us;
	double level;
};

/* Parse a rate or a profile: ITEM[,ITEM...] with ITEM = [DUR:]RATE, DUR =
 * N ms | N s | rest (the rest of the stream; an ITEM without DUR is the rest),
 * RATE = full | 0 | N fps | N[k|M][B/s] (bytes a second). After the last
 * timed item the rate is full. E.g. "2s:full,300ms:0,rest:full", "30fps",
 * "1.5M". 0, or -1 with @err set. */
int vshape_parse(struct vshape *s, const char *spec, char *err, size_t errlen);
/* A source unit (a frame of @bytes bytes) wants through at @now_us: returns
 * 0 if it may (and charges it), else the microseconds to wait before asking
 * again. The profile's time starts at the first call. */
uint64_t vshape_delay(struct vshape *s, uint64_t now_us, size_t bytes);

#endif
