/*
 * vplay.c — source thread and feeding loop of `icebuf play`.
 * SPDX-License-Identifier: MIT
 *
 * The source thread blocks on reads of a pipe and on the shaper's delays,
 * so the CLI's thread never does: it only takes ready records from the host
 * buffer, under one mutex.
 */
#include "vplay.h"

#include "vframe.h"
#include "vsrc.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct vplay {
	struct vplay_cfg cfg;
	struct vsrc src;
	struct y4m_reader rd;
	struct vf_conv conv;
	struct vshape shape;
	int shaped;
	pthread_t thread;
	int thread_started;
	pthread_mutex_t mu;
	pthread_cond_t room;
	pthread_cond_t tick;      /* the caller's clock moved (own_clock) */
	uint64_t clock_us;        /* the caller's clock (own_clock), under mu */
	struct vbuf buf;
	int stop, src_ended, src_failed, end_sent, end_taken;
	char src_err[320];
	uint8_t end_rec[VF_HDR_LEN];
	struct vbuf_rec cur;      /* what vplay_next() gave */
	uint64_t bytes_sent, bytes_raw, frames_read;
	uint64_t open_ms, startup_ms;
};

static uint64_t mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The buffer's clock; called with p->mu held when own_clock. */
static uint64_t clock_us_locked(const struct vplay *p)
{
	return p->cfg.own_clock ? p->clock_us : mono_us();
}

void vplay_clock(struct vplay *p, double now_ms)
{
	uint64_t us = now_ms > 0 ? (uint64_t)(now_ms * 1000) : 0;
	pthread_mutex_lock(&p->mu);
	if (us > p->clock_us) {
		p->clock_us = us;
		pthread_cond_signal(&p->tick);
	}
	pthread_mutex_unlock(&p->mu);
}

/* Wait @d us of the buffer's clock, or until stopped, in steps of at most
 * 50 ms of wall time (the caller's clock may stop moving). */
static void shaper_wait(struct vplay *p, uint64_t d)
{
	if (!p->cfg.own_clock) {
		struct timespec ts = { 0, (long)(d > 50000 ? 50000 : d) * 1000 };
		nanosleep(&ts, NULL);
		return;
	}
	pthread_mutex_lock(&p->mu);
	uint64_t until = p->clock_us + d;
	while (!p->stop && p->clock_us < until) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		if (pthread_cond_timedwait(&p->tick, &p->mu, &ts))
			break;
	}
	pthread_mutex_unlock(&p->mu);
}

static void *source_thread(void *arg)
{
	struct vplay *p = arg;
	const struct y4m_info *in = &p->rd.info;
	uint8_t *yuv = malloc(in->frame_size), *rec = malloc(VF_RECORD_MAX(p->cfg.w, p->cfg.h));
	int rc = yuv && rec ? 1 : -1;
	char err[320] = "out of memory for a frame";
	while (rc == 1) {
		pthread_mutex_lock(&p->mu);
		int stop = p->stop;
		pthread_mutex_unlock(&p->mu);
		if (stop)
			break;
		if (p->shaped) {
			pthread_mutex_lock(&p->mu);
			uint64_t now = clock_us_locked(p);
			pthread_mutex_unlock(&p->mu);
			uint64_t d = vshape_delay(&p->shape, now, in->frame_size + 6);
			if (d) {
				shaper_wait(p, d);
				continue;
			}
		}
		rc = y4m_read_frame(&p->rd, yuv);
		if (rc != 1) {
			snprintf(err, sizeof err, "%s", p->rd.err);
			break;
		}
		size_t len = vf_conv_frame(&p->conv, yuv, rec);
		uint16_t dur = (uint16_t)(rec[2] | rec[3] << 8);
		pthread_mutex_lock(&p->mu);
		while (!p->stop && !vbuf_room(&p->buf, len))
			pthread_cond_wait(&p->room, &p->mu);
		if (!p->stop && vbuf_push(&p->buf, rec, len, dur, clock_us_locked(p) / 1000) == 0) {
			p->frames_read++;
			p->bytes_raw += VF_RECORD_MAX(p->cfg.w, p->cfg.h);
		} else if (!p->stop) {
			snprintf(err, sizeof err, "out of memory for the host's video buffer");
			rc = -1;
		}
		pthread_mutex_unlock(&p->mu);
	}
	free(yuv);
	free(rec);
	pthread_mutex_lock(&p->mu);
	if (rc < 0 && !p->stop) {
		p->src_failed = 1;
		snprintf(p->src_err, sizeof p->src_err, "%s", err);
	}
	p->src_ended = 1;
	vbuf_source_end(&p->buf, clock_us_locked(p) / 1000);
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

int vplay_open(struct vplay **pp, const struct vplay_cfg *cfg, char *err, size_t errlen)
{
	*pp = NULL;
	struct vplay *p = calloc(1, sizeof *p);
	if (!p) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->cfg = *cfg;
	if (!p->cfg.w) {
		p->cfg.w = 160;
		p->cfg.h = 120;
	}
	p->clock_us = cfg->own_clock && cfg->clock_ms > 0 ? (uint64_t)(cfg->clock_ms * 1000) : 0;
	p->open_ms = clock_us_locked(p) / 1000;
	if (cfg->shape) {
		if (vshape_parse(&p->shape, cfg->shape, err, errlen))
			goto fail0;
		p->shaped = 1;
	}
	if (vbuf_init(&p->buf, &cfg->buf, p->open_ms)) {
		snprintf(err, errlen, "host buffer: the start goal (%u ms) is above the largest (%u ms), or no memory "
		         "is allowed", cfg->buf.start_ms, cfg->buf.max_ms);
		goto fail0;
	}
	if (vsrc_open(&p->src, cfg->path, cfg->ffmpeg)) {
		snprintf(err, errlen, "%s", p->src.err);
		goto fail1;
	}
	if (y4m_open(&p->rd, p->src.f, p->src.name)) {
		snprintf(err, errlen, "%s", vsrc_close(&p->src, 0) ? p->src.err : p->rd.err);
		goto fail1;
	}
	if (vf_conv_init(&p->conv, &p->rd.info, p->cfg.w, p->cfg.h)) {
		snprintf(err, errlen, "%s: %s", p->src.name, p->conv.err);
		vsrc_close(&p->src, 1);
		goto fail1;
	}
	vf_end_record(p->end_rec);
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->room, NULL);
	pthread_cond_init(&p->tick, NULL);
	if (pthread_create(&p->thread, NULL, source_thread, p)) {
		snprintf(err, errlen, "cannot start the source thread");
		vf_conv_free(&p->conv);
		vsrc_close(&p->src, 1);
		goto fail1;
	}
	p->thread_started = 1;
	*pp = p;
	return 0;
fail1:
	vbuf_free(&p->buf);
fail0:
	free(p);
	return -1;
}

const struct y4m_info *vplay_info(const struct vplay *p) { return &p->rd.info; }

size_t vplay_next(struct vplay *p, const uint8_t **rec, uint64_t now_ms)
{
	size_t len = 0;
	pthread_mutex_lock(&p->mu);
	const struct vbuf_rec *r = vbuf_next(&p->buf, now_ms);
	if (r) {
		p->cur = *r;
		*rec = r->p;
		len = r->len;
		if (!p->startup_ms)
			p->startup_ms = now_ms - p->open_ms + 1;
	} else if (p->src_ended && vbuf_count(&p->buf) == 0 && !p->end_taken) {
		p->cur = (struct vbuf_rec){ p->end_rec, VF_HDR_LEN, 0 };
		*rec = p->end_rec;
		len = VF_HDR_LEN;
		p->end_sent = 1;
	}
	pthread_mutex_unlock(&p->mu);
	return len;
}

void vplay_sent(struct vplay *p, uint64_t now_ms)
{
	pthread_mutex_lock(&p->mu);
	if (p->end_sent && p->cur.p == p->end_rec) {
		p->end_taken = 1;
		p->bytes_sent += VF_HDR_LEN;
	} else if (vbuf_count(&p->buf)) {
		p->bytes_sent += p->buf.q[p->buf.head].len;
		vbuf_pop(&p->buf, now_ms);
		pthread_cond_signal(&p->room);
	}
	p->cur.p = NULL;
	pthread_mutex_unlock(&p->mu);
}

void vplay_board(struct vplay *p, uint32_t board_underruns, uint64_t now_ms)
{
	pthread_mutex_lock(&p->mu);
	vbuf_board(&p->buf, board_underruns, now_ms);
	pthread_mutex_unlock(&p->mu);
}

int vplay_done(const struct vplay *p)
{
	return p->end_taken;   /* written by the caller's own thread only */
}

void vplay_stats(struct vplay *p, struct vplay_stats *s)
{
	pthread_mutex_lock(&p->mu);
	s->frames_read = p->frames_read;
	s->frames_sent = p->buf.frames_out;
	s->buffered_ms = vbuf_ms(&p->buf);
	s->buffered_frames = vbuf_count(&p->buf);
	s->goal_ms = p->buf.goal_ms;
	s->stalls = p->buf.stalls;
	s->link_underruns = p->buf.link_underruns;
	s->filling = p->buf.state == VBUF_FILLING;
	s->source_ended = p->src_ended;
	s->bytes_sent = p->bytes_sent;
	s->bytes_raw = p->bytes_raw;
	s->startup_ms = p->startup_ms ? p->startup_ms - 1 : 0;
	pthread_mutex_unlock(&p->mu);
}

int vplay_close(struct vplay *p, char *err, size_t errlen)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	int early = !p->src_ended;
	p->stop = 1;
	pthread_cond_signal(&p->room);
	pthread_cond_signal(&p->tick);
	pthread_mutex_unlock(&p->mu);
	/* A thread blocked reading a pipe is freed by stopping ffmpeg first. */
	if (early && p->src.pid > 0)
		kill(p->src.pid, SIGTERM);
	if (early && p->src.f == stdin) {
		/* It may be blocked reading standard input, which nothing here can
		 * end: leave it (and the handle, which it uses) to the process's exit. */
		pthread_detach(p->thread);
		return 0;
	}
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	int ret = 0;
	if (vsrc_close(&p->src, early)) {
		snprintf(err, errlen, "%s", p->src.err);
		ret = -1;
	} else if (p->src_failed) {
		snprintf(err, errlen, "%s", p->src_err);
		ret = -1;
	}
	vf_conv_free(&p->conv);
	vbuf_free(&p->buf);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->room);
	pthread_cond_destroy(&p->tick);
	free(p);
	return ret;
}
