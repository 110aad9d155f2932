/*
 * vframe.h — video frames for the board (docs/video-host.md): YUV4MPEG2
 * frames scaled to 160x120 or 320x240 (area filter, aspect kept), a
 * 16-colour palette of the 12-bit space per frame, error-diffusion dither,
 * and the video channel's records (brief: docs/video-host.md, "Records"):
 * raw 4 bpp, run-length coded, end of stream; and their decoder.
 * SPDX-License-Identifier: MIT
 * Private to libicebuf.
 */
#ifndef ICEBUF_VFRAME_H
#define ICEBUF_VFRAME_H

#include "y4m.h"

#include <stddef.h>
#include <stdint.h>

#define VF_MAGIC_FRAME 0xF5
#define VF_MAGIC_END 0xE5
#define VF_FMT_RAW 0
#define VF_FMT_RLE 1
#define VF_HDR_LEN 8                 /* magic, format, duration, length, w/4, h/4 */
#define VF_PAL_LEN 32                /* 16 entries of 0x0RGB */
#define VF_TICKS_PER_S 1200          /* unit of the duration field */
/* The largest record of a w x h frame: header, palette, raw pixels (RLE is
 * only chosen when it is smaller). */
#define VF_RECORD_MAX(w, h) (VF_HDR_LEN + VF_PAL_LEN + (size_t)(w) * (size_t)(h) / 2)

/* Frame rate to durations in 1/1200 s: each frame's duration rounded so that
 * the sum of the first k durations is k * 1200 * den / num rounded: no drift. */
struct vf_clock {
	uint32_t num, den;
	uint64_t rem;
};
/* 0, or -1 if the rate gives durations outside 1..65535 (rates from
 * 1200/65535 to 1200 fps are taken). */
int vf_clock_init(struct vf_clock *c, uint32_t fps_num, uint32_t fps_den);
uint16_t vf_clock_next(struct vf_clock *c);

/* The converter of one stream: the scaling to the board's size and the
 * palette kept from frame to frame. */
struct vf_conv {
	struct y4m_info in;
	int w, h;                       /* board frame: 160x120 or 320x240 */
	int bx, by, bw, bh;             /* the picture inside it; the rest is black bars */
	int full_range;
	struct vf_clock clock;
	int *xs, *ys;                   /* per source pixel, its column/row in the box's scale table */
	float *hw, *vw;                 /* tables of the area filter (see vframe.c) */
	int *hx0, *hn, *vy0, *vn;
	int hmax, vmax;                 /* row stride of hw and vw */
	float *row;                     /* one source row in linear light */
	float *tmp;                     /* horizontally filtered rows, box width x source height */
	float *rgb;                     /* the scaled frame, w x h x 3, sRGB 0..255 */
	uint8_t *idx;                   /* its palette indices */
	uint16_t pal[16];
	int have_pal;
	int palette_kept;               /* 1 if the last frame reused the palette before it */
	int fmt;                        /* records made: VF_FMT_RAW, VF_FMT_RLE, or -1 for
	                                   whichever is smaller; vf_conv_init sets raw at
	                                   160x120 (what rtl/video_player.v shows), -1 at
	                                   320x240 */
	char err[200];
};

/* Set up for frames of @in (its F gives the durations) scaled to @w x @h
 * (160x120 or 320x240). Returns 0, or -1 with c->err set. */
int vf_conv_init(struct vf_conv *c, const struct y4m_info *in, int w, int h);
void vf_conv_free(struct vf_conv *c);

/* Turn one frame (y4m_read_frame's bytes) into a record in @out (room for
 * VF_RECORD_MAX(w, h)): scale, palette, dither, and a record of format
 * c->fmt (raw unless the caller chose otherwise). Returns its length. */
size_t vf_conv_frame(struct vf_conv *c, const uint8_t *yuv, uint8_t *out);

/* The end-of-stream record: 8 bytes. */
size_t vf_end_record(uint8_t out[VF_HDR_LEN]);

/* --- The steps, for tests and tools. --- */

/* Scale a y4m frame into c->rgb (sRGB 0..255 floats; bars 0). */
void vf_scale(struct vf_conv *c, const uint8_t *yuv);
/* Choose a palette for the @n pixels @rgb (3 floats each), 16 entries 0x0RGB.
 * @prev (or NULL) is the palette before: it is kept when it is within 3 % of
 * the new one's error, so a still or slow scene keeps its colours. @black:
 * entry 0 is forced to 0x000 (the bars). Returns 1 if @prev was kept. */
int vf_palette(const float *rgb, size_t n, const uint16_t *prev, int black, uint16_t pal[16]);
/* Error-diffusion dither (serpentine Floyd-Steinberg) of the @bw x @bh
 * picture at (@bx, @by) of the @w-wide frame @rgb to @pal, indices into @idx;
 * @dither 0 maps each pixel to its nearest colour instead. */
void vf_dither(const float *rgb, int w, int bx, int by, int bw, int bh, const uint16_t pal[16], int dither,
               uint8_t *idx);
/* Encode @idx (w x h indices) as a record; @fmt VF_FMT_RAW, VF_FMT_RLE or -1
 * for the smaller. Returns its length. */
size_t vf_record(const uint8_t *idx, int w, int h, const uint16_t pal[16], uint16_t duration, int fmt,
                 uint8_t *out);
/* The RLE pixel data of @n indices (even length, padded): room for n + 1. */
size_t vf_rle(const uint8_t *idx, size_t n, uint8_t *out);

/* A decoded record. */
struct vf_record {
	int magic, format;
	uint16_t duration;
	int w, h;
	uint16_t pal[16];
	size_t len;                     /* of the whole record */
};
/* Decode the record at the start of @buf (@n bytes): fill *@r and, for a
 * frame, render it into @rgb (w x h x 3 bytes, each 4-bit level times 17;
 * room for @rgb_max bytes) and, if @idx is not NULL, its indices. Returns the
 * record's length, 0 if @n holds only part of it, or -1 with @err set when
 * it breaks the contract. */
long vf_decode(const uint8_t *buf, size_t n, struct vf_record *r, uint8_t *rgb, size_t rgb_max, uint8_t *idx,
               char *err, size_t errlen);

#endif
