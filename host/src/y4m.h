/*
 * y4m.h — a strict YUV4MPEG2 reader (docs/video-host.md).
 * SPDX-License-Identifier: MIT
 * Private to libicebuf; `icebuf play` and the tests use it.
 */
#ifndef ICEBUF_Y4M_H
#define ICEBUF_Y4M_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define Y4M_MAX_DIM 16384                 /* largest width or height taken */
#define Y4M_MAX_FRAME (256u << 20)        /* largest frame taken, bytes */

enum y4m_chroma {
	Y4M_420JPEG, Y4M_420MPEG2, Y4M_420PALDV, Y4M_411, Y4M_422, Y4M_444, Y4M_444ALPHA, Y4M_MONO,
};

/* Errors (negative); 0 is OK. y4m_reader.err says what and where. */
enum y4m_error {
	Y4M_ERR_IO = -1,        /* read error of the file or pipe */
	Y4M_ERR_NOT_Y4M = -2,   /* does not start with "YUV4MPEG2 " */
	Y4M_ERR_HEADER = -3,    /* a bad, missing, repeated or unknown header field */
	Y4M_ERR_UNSUPPORTED = -4, /* a valid colour space this reader does not take (high bit depth) */
	Y4M_ERR_TOO_BIG = -5,   /* width, height or frame size beyond the limits above */
	Y4M_ERR_FRAME = -6,     /* a bad FRAME line */
	Y4M_ERR_TRUNCATED = -7, /* the input ends inside a header or a frame */
};

struct y4m_info {
	int width, height;
	uint32_t fps_num, fps_den;   /* F: frames per second = num / den (both > 0) */
	uint32_t par_num, par_den;   /* A: pixel aspect ratio; 0:0 (unknown) is reported as 1:1 */
	char interlace;              /* I: 'p', 't', 'b', 'm' or '?' (p when absent) */
	enum y4m_chroma chroma;      /* C: 420jpeg when absent */
	int full_range;              /* XCOLORRANGE=FULL (1) or LIMITED/absent (0, video range) */
	int planes;                  /* 1 (mono), 3, or 4 (444alpha) */
	int plane_w[4], plane_h[4];  /* size of each plane in samples */
	size_t plane_off[4];         /* offset of each plane in a frame */
	size_t frame_size;           /* bytes of pixel data in a frame */
};

struct y4m_reader {
	FILE *f;
	const char *name;            /* for messages: the file name or "standard input" */
	struct y4m_info info;
	uint64_t frames;             /* frames read so far */
	char err[256];               /* the last error, a sentence naming the input */
};

/* Start reading @f (a file or a pipe; read sequentially, never rewound) and
 * parse its stream header into r->info. @name is used in messages (kept by
 * reference). Returns 0 or an enum y4m_error. */
int y4m_open(struct y4m_reader *r, FILE *f, const char *name);

/* Read the next frame's pixel data (r->info.frame_size bytes, planes in the
 * order Y, U, V[, A]) into @buf. Returns 1 for a frame, 0 at the clean end of
 * the stream (end of input just before a FRAME line), or an enum y4m_error. */
int y4m_read_frame(struct y4m_reader *r, uint8_t *buf);

/* The canonical name of a colour space ("420jpeg", "mono", ...). */
const char *y4m_chroma_name(enum y4m_chroma c);

#endif
