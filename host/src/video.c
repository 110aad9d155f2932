/*
 * video.c — the video player's registers (window 0x30, docs/video.md).
 * SPDX-License-Identifier: MIT
 */
#include "peripheral.h"

#include <stdio.h>
#include <stdlib.h>

enum { NVREG = ICEBUF_REG_VID_ENDS - ICEBUF_REG_VID_CTRL + 1 };

/* The player's counters (FRAMES, UNDERRUNS, STALLED, LATE, VSYNCS, ENDS)
 * are 16 bits on the board and wrap: a read lower than the last one on this
 * handle is a wrap (docs/video.md), as for the link's counters. A clear
 * through icebuf_video_control() starts them afresh. */
struct vid_ext {
	uint16_t last[NVREG];
	uint32_t high[NVREG];
	uint32_t seen;
};

static int is_counter(int i)
{
	int a = ICEBUF_REG_VID_CTRL + i;
	return a == ICEBUF_REG_VID_FRAMES || a == ICEBUF_REG_VID_UNDERRUNS || a == ICEBUF_REG_VID_STALLED ||
	       a == ICEBUF_REG_VID_LATE || a == ICEBUF_REG_VID_VSYNCS || a == ICEBUF_REG_VID_ENDS;
}

static struct vid_ext *vid_ext(icebuf *dev)
{
	struct ib_periph *p = ib_dev_periph(dev, IB_PERIPH_VIDEO);
	if (!p->state) {
		struct vid_ext *e = calloc(1, sizeof *e);
		if (!e)
			return NULL;
		p->state = e;
		p->free = free;
	}
	return p->state;
}

static int bad_resp(icebuf *dev, const uint8_t *resp, uint8_t addr)
{
	char msg[160];
	if (resp[0] == ICEBUF_RESP_READ_OK || resp[0] == ICEBUF_RESP_WRITE_OK) {
		if (resp[1] == addr)
			return ICEBUF_OK;
		snprintf(msg, sizeof msg, "the board answered for register 0x%02X, asked 0x%02X", resp[1], addr);
		return ib_dev_fail(dev, ICEBUF_ERR_PROTOCOL, msg);
	}
	snprintf(msg, sizeof msg, "video register 0x%02X: the board answered 0x%02X (%s)", addr, resp[0],
	         resp[0] == ICEBUF_RESP_NO_REG ? "no such register" :
	         resp[0] == ICEBUF_RESP_READ_ONLY ? "read-only" : "refused");
	return ib_dev_fail(dev, resp[0] == ICEBUF_RESP_NO_REG || resp[0] == ICEBUF_RESP_READ_ONLY ?
	                   ICEBUF_ERR_REGISTER : ICEBUF_ERR_PROTOCOL, msg);
}

int icebuf_video_status(icebuf *dev, struct icebuf_video_status *st, int timeout_ms)
{
	if (!st)
		return ICEBUF_ERR_ARG;
	int r = ib_require_feature(dev, ICEBUF_FEAT_VIDEO, "video");
	if (r)
		return r;
	uint8_t req[2 * NVREG], resp[NVREG][6];
	for (int i = 0; i < NVREG; i++) {
		req[2 * i] = ICEBUF_OP_READ;
		req[2 * i + 1] = (uint8_t)(ICEBUF_REG_VID_CTRL + i);
	}
	struct icebuf_info in;
	icebuf_info(dev, &in);
	/* All in one frame where the board's frames hold it, else one by one
	 * (a request never straddles two frames). */
	if (in.mtu >= sizeof req)
		r = ib_ctrl_transact(dev, req, sizeof req, NVREG, resp, timeout_ms);
	else
		for (int i = 0; i < NVREG && !r; i++)
			r = ib_ctrl_transact(dev, req + 2 * i, 2, 1, resp + i, timeout_ms);
	if (r)
		return r;
	uint32_t v[NVREG];
	for (int i = 0; i < NVREG; i++) {
		if ((r = bad_resp(dev, resp[i], (uint8_t)(ICEBUF_REG_VID_CTRL + i))))
			return r;
		v[i] = (uint32_t)resp[i][2] << 24 | (uint32_t)resp[i][3] << 16 | (uint32_t)resp[i][4] << 8 | resp[i][5];
	}
	struct vid_ext *e = vid_ext(dev);
	if (!e)
		return ib_dev_fail(dev, ICEBUF_ERR_NOMEM, "out of memory");
	for (int i = 0; i < NVREG; i++) {
		if (!is_counter(i) || v[i] > 0xFFFF)
			continue;
		if ((e->seen >> i & 1) && v[i] < e->last[i])
			e->high[i] += 0x10000;
		e->seen |= 1u << i;
		e->last[i] = (uint16_t)v[i];
		v[i] += e->high[i];
	}
#define V(reg) v[ICEBUF_REG_##reg - ICEBUF_REG_VID_CTRL]
	struct icebuf_video_status s = {
		.state = V(VID_CTRL) & 3, .paused = (int)(V(VID_CTRL) >> 3 & 1), .showing = (int)(V(VID_CTRL) >> 4 & 1),
		.queued = V(VID_CTRL) >> 16, .frames = V(VID_FRAMES), .underruns = V(VID_UNDERRUNS),
		.stalled = V(VID_STALLED), .late = V(VID_LATE),
		.level = V(VID_LEVEL) & 0xFF, .level_min = V(VID_LEVEL) >> 8 & 0xFF,
		.level_max = V(VID_LEVEL) >> 16 & 0xFF, .capacity = V(VID_LEVEL) >> 24,
		.start = V(VID_START) & 0xFF, .resume_base = V(VID_RESUME) & 0xFF,
		.resume_goal = V(VID_RESUME) >> 8 & 0xFF, .resume_applied = V(VID_RESUME) >> 16 & 0xFF,
		.step = V(VID_ADAPT) & 0xFF, .calm = V(VID_ADAPT) >> 16, .startup = V(VID_STARTUP),
		.vsyncs = V(VID_VSYNCS), .bad_records = V(VID_ERRORS) & 0xFFFF, .refused_bytes = V(VID_ERRORS) >> 16,
		.ends = V(VID_ENDS),
	};
#undef V
	*st = s;
	return ICEBUF_OK;
}

static int write_reg(icebuf *dev, uint8_t addr, uint32_t value, int timeout_ms)
{
	uint8_t req[6] = { ICEBUF_OP_WRITE, addr, (uint8_t)(value >> 24), (uint8_t)(value >> 16),
	                   (uint8_t)(value >> 8), (uint8_t)value };
	uint8_t resp[1][6];
	int r = ib_ctrl_transact(dev, req, sizeof req, 1, resp, timeout_ms);
	return r ? r : bad_resp(dev, resp[0], addr);
}

int icebuf_video_control(icebuf *dev, uint32_t cmds, int timeout_ms)
{
	int r = ib_require_feature(dev, ICEBUF_FEAT_VIDEO, "video");
	if (r)
		return r;
	if (cmds & ~0xFu)
		return ib_dev_fail(dev, ICEBUF_ERR_ARG, "icebuf_video_control: unknown command bits");
	if ((r = write_reg(dev, ICEBUF_REG_VID_CTRL, cmds, timeout_ms)))
		return r;
	if (cmds & ICEBUF_VIDEO_CLEAR) {
		struct vid_ext *e = vid_ext(dev);
		if (e)
			*e = (struct vid_ext){ 0 };
	}
	return ICEBUF_OK;
}

int icebuf_video_thresholds(icebuf *dev, int start, int resume, int timeout_ms)
{
	int r = ib_require_feature(dev, ICEBUF_FEAT_VIDEO, "video");
	if (r)
		return r;
	if (start == 0 || start > 255 || resume == 0 || resume > 255)
		return ib_dev_fail(dev, ICEBUF_ERR_ARG, "video thresholds are 1 to 255 frames");
	if (start > 0 && (r = write_reg(dev, ICEBUF_REG_VID_START, (uint32_t)start, timeout_ms)))
		return r;
	if (resume > 0 && (r = write_reg(dev, ICEBUF_REG_VID_RESUME, (uint32_t)resume, timeout_ms)))
		return r;
	return ICEBUF_OK;
}
