/*
 * vplay.h — the host half of `icebuf play`, in one handle: a source thread
 * (file, stdin or ffmpeg; shaped; y4m read, converted to records) filling the
 * host buffer, and calls for the CLI's loop that feeds the board.
 * SPDX-License-Identifier: MIT
 * Private to libicebuf. One thread (the CLI's) calls these; the source
 * thread is internal.
 */
#ifndef ICEBUF_VPLAY_H
#define ICEBUF_VPLAY_H

#include "vbuf.h"
#include "y4m.h"

#include <stddef.h>
#include <stdint.h>

struct vplay_cfg {
	const char *path;        /* file, or "-" for standard input */
	int w, h;                /* 160x120 (default, if 0) or 320x240 */
	const char *shape;       /* source rate profile (vshape_parse), or NULL: full */
	struct vbuf_cfg buf;     /* vbuf_defaults() unless changed */
	const char *ffmpeg;      /* NULL: $ICEBUF_FFMPEG or "ffmpeg" */
	/* The clock of the host buffer and the shaper: 0, the wall clock
	 * (CLOCK_MONOTONIC); 1, the caller's, starting at @clock_ms and moved
	 * on by vplay_clock() (the handle's, icebuf_time_ms(): a virtual
	 * board's own time, so that a shaped stall of 300 ms is 300 ms of the
	 * board's playback at any simulation speed). */
	int own_clock;
	double clock_ms;
};

struct vplay_stats {
	uint64_t frames_read;     /* converted from the source */
	uint64_t frames_sent;     /* taken by vplay_sent() */
	uint32_t buffered_ms;     /* media in the host buffer now */
	size_t buffered_frames;
	uint32_t goal_ms;
	uint32_t stalls, link_underruns;
	int filling;              /* 1: gathering, the board is not fed */
	int source_ended;
	uint64_t bytes_sent, bytes_raw;   /* records sent; what raw records would have been */
	uint64_t startup_ms;      /* open to the first record ready to send */
};

struct vplay;

/* Open the source, read its y4m header, check it can be played, and start
 * the source thread. 0, or -1 with @err set (a sentence). */
int vplay_open(struct vplay **p, const struct vplay_cfg *cfg, char *err, size_t errlen);
const struct y4m_info *vplay_info(const struct vplay *p);

/* With cfg.own_clock: the caller's clock now (ms, never going back). Call
 * it often (each turn of the feeding loop): the source thread's shaper
 * waits on it. */
void vplay_clock(struct vplay *p, double now_ms);

/* The next record to send now: its length and *@rec, valid until
 * vplay_sent(); 0 if none now (gathering, or waiting for the source). After
 * the last frame it gives the end-of-stream record; after that, 0 for ever
 * and vplay_done() is 1. @now_ms: a monotonic clock in ms. */
size_t vplay_next(struct vplay *p, const uint8_t **rec, uint64_t now_ms);
/* The record from vplay_next() has been written whole to the channel. */
void vplay_sent(struct vplay *p, uint64_t now_ms);
/* The board's underrun counter as read (see vbuf_board). */
void vplay_board(struct vplay *p, uint32_t board_underruns, uint64_t now_ms);
int vplay_done(const struct vplay *p);
void vplay_stats(struct vplay *p, struct vplay_stats *s);

/* Stop (early if not done), join the thread, close the source. 0, or -1 with
 * @err set if the source failed (bad y4m, ffmpeg's failure): what was read
 * before the failure has been played. Stopping early a source read from
 * standard input leaves its thread and handle to the process's exit. */
int vplay_close(struct vplay *p, char *err, size_t errlen);

#endif
