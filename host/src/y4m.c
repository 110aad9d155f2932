/*
 * y4m.c — a strict YUV4MPEG2 reader: stream header, FRAME lines, planes.
 * SPDX-License-Identifier: MIT
 *
 * The format: one header line "YUV4MPEG2" followed by space-separated fields,
 * each a tag letter and its value (W width, H height, F rate n:d, I interlace,
 * A pixel aspect n:d, C colour space, X extension), then for each frame a line
 * "FRAME" (with optional fields of its own) and the raw planes. Strict here
 * means: one space between fields, no empty or repeated field, no unknown
 * tag, numbers without sign or leading junk, and a clear sentence for each.
 */
#include "y4m.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#define LINE_MAX_LEN 4096       /* longest header or FRAME line taken */

static int fail(struct y4m_reader *r, int code, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(r->err, sizeof r->err, "%s: ", r->name);
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof r->err)
		vsnprintf(r->err + n, sizeof r->err - (size_t)n, fmt, ap);
	va_end(ap);
	return code;
}

/* Read one line without its '\n' into @line. Returns its length, -1 at end
 * of input before any byte, -2 at end of input inside the line, -3 when it
 * is longer than LINE_MAX_LEN, -4 on a read error. */
static long read_line(FILE *f, char *line)
{
	long n = 0;
	for (;;) {
		int c = getc(f);
		line[n] = 0;
		if (c == EOF)
			return ferror(f) ? -4 : n == 0 ? -1 : -2;
		if (c == '\n')
			break;
		if (n == LINE_MAX_LEN)
			return -3;
		line[n++] = (char)c;
	}
	line[n] = 0;
	return n;
}

/* An unsigned decimal of at most 10 digits that fits 32 bits, the whole of
 * [s, e). */
static int parse_u32(const char *s, const char *e, uint32_t *out)
{
	uint64_t v = 0;
	if (s == e || e - s > 10)
		return -1;
	for (const char *p = s; p < e; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int parse_ratio(const char *s, const char *e, uint32_t *n, uint32_t *d)
{
	const char *c = memchr(s, ':', (size_t)(e - s));
	if (!c || parse_u32(s, c, n) || parse_u32(c + 1, e, d))
		return -1;
	return 0;
}

static const struct { const char *name; enum y4m_chroma c; } chromas[] = {
	{ "420jpeg", Y4M_420JPEG }, { "420mpeg2", Y4M_420MPEG2 }, { "420paldv", Y4M_420PALDV },
	{ "411", Y4M_411 }, { "422", Y4M_422 }, { "444", Y4M_444 }, { "444alpha", Y4M_444ALPHA },
	{ "mono", Y4M_MONO }, { "420", Y4M_420JPEG },   /* the last: an alias */
};
/* Valid colour spaces of more than 8 bits a sample: named, then refused. */
static const char *const deep[] = {
	"420p9", "420p10", "420p12", "420p14", "420p16", "422p9", "422p10", "422p12", "422p14",
	"422p16", "444p9", "444p10", "444p12", "444p14", "444p16", "mono9", "mono10", "mono12",
	"mono16",
};

const char *y4m_chroma_name(enum y4m_chroma c)
{
	for (size_t i = 0; i < sizeof chromas / sizeof chromas[0]; i++)
		if (chromas[i].c == c)
			return chromas[i].name;
	return "420jpeg";
}

static int layout(struct y4m_reader *r)
{
	struct y4m_info *in = &r->info;
	uint64_t w = (uint64_t)in->width, h = (uint64_t)in->height, cw = w, ch = h;
	switch (in->chroma) {
	case Y4M_420JPEG: case Y4M_420MPEG2: case Y4M_420PALDV:
		cw = (w + 1) / 2; ch = (h + 1) / 2; in->planes = 3; break;
	case Y4M_411: cw = (w + 3) / 4; in->planes = 3; break;
	case Y4M_422: cw = (w + 1) / 2; in->planes = 3; break;
	case Y4M_444: in->planes = 3; break;
	case Y4M_444ALPHA: in->planes = 4; break;
	case Y4M_MONO: in->planes = 1; break;
	}
	uint64_t off = 0;
	for (int p = 0; p < in->planes; p++) {
		int luma = p == 0 || p == 3;
		in->plane_w[p] = (int)(luma ? w : cw);
		in->plane_h[p] = (int)(luma ? h : ch);
		in->plane_off[p] = (size_t)off;
		off += (uint64_t)in->plane_w[p] * (uint64_t)in->plane_h[p];
	}
	if (off > Y4M_MAX_FRAME)
		return fail(r, Y4M_ERR_TOO_BIG, "a %dx%d %s frame is %llu bytes, more than the %u this reader takes",
		            in->width, in->height, y4m_chroma_name(in->chroma), (unsigned long long)off,
		            Y4M_MAX_FRAME);
	in->frame_size = (size_t)off;
	return 0;
}

int y4m_open(struct y4m_reader *r, FILE *f, const char *name)
{
	char line[LINE_MAX_LEN + 1];
	memset(r, 0, sizeof *r);
	r->f = f;
	r->name = name ? name : "input";
	long n = read_line(f, line);
	if (n == -4)
		return fail(r, Y4M_ERR_IO, "read error: %s", strerror(errno));
	if (n == -1)
		return fail(r, Y4M_ERR_NOT_Y4M, "empty input, not a YUV4MPEG2 stream");
	if (n == -3 || n == -2) {
		/* Only a header line that starts right is worth the detail. */
		if (strncmp(line, "YUV4MPEG2", 9) != 0)
			return fail(r, Y4M_ERR_NOT_Y4M, "not a YUV4MPEG2 stream (it does not start with \"YUV4MPEG2 \")");
		return n == -3 ? fail(r, Y4M_ERR_HEADER, "stream header longer than %d bytes", LINE_MAX_LEN)
		               : fail(r, Y4M_ERR_TRUNCATED, "input ends inside the stream header");
	}
	if (n < 10 || memcmp(line, "YUV4MPEG2 ", 10) != 0)
		return fail(r, Y4M_ERR_NOT_Y4M, "not a YUV4MPEG2 stream (it does not start with \"YUV4MPEG2 \")");

	struct y4m_info *in = &r->info;
	int seen_w = 0, seen_h = 0, seen_f = 0, seen_a = 0, seen_i = 0, seen_c = 0;
	in->interlace = 'p';
	in->chroma = Y4M_420JPEG;
	in->par_num = in->par_den = 1;
	const char *p = line + 10;
	for (;;) {
		const char *e = strchr(p, ' ');
		if (!e)
			e = p + strlen(p);
		if (e == p)
			return fail(r, Y4M_ERR_HEADER, "empty field in the stream header (two spaces, or a space at the end)");
		const char *v = p + 1;
		uint32_t a, b;
		switch (*p) {
		case 'W': case 'H': {
			int *dst = *p == 'W' ? &in->width : &in->height;
			int *seen = *p == 'W' ? &seen_w : &seen_h;
			if ((*seen)++)
				return fail(r, Y4M_ERR_HEADER, "field %c given twice", *p);
			if (parse_u32(v, e, &a) || a == 0)
				return fail(r, Y4M_ERR_HEADER, "bad %s \"%.*s\" (a positive decimal number)",
				            *p == 'W' ? "width" : "height", (int)(e - v), v);
			if (a > Y4M_MAX_DIM)
				return fail(r, Y4M_ERR_TOO_BIG, "%s %u is more than %d", *p == 'W' ? "width" : "height",
				            a, Y4M_MAX_DIM);
			*dst = (int)a;
			break;
		}
		case 'F':
			if (seen_f++)
				return fail(r, Y4M_ERR_HEADER, "field F given twice");
			if (parse_ratio(v, e, &a, &b) || a == 0 || b == 0)
				return fail(r, Y4M_ERR_HEADER, "bad frame rate \"F%.*s\" (num:den, both positive)",
				            (int)(e - v), v);
			in->fps_num = a;
			in->fps_den = b;
			break;
		case 'A':
			if (seen_a++)
				return fail(r, Y4M_ERR_HEADER, "field A given twice");
			if (parse_ratio(v, e, &a, &b) || (a == 0) != (b == 0))
				return fail(r, Y4M_ERR_HEADER, "bad pixel aspect \"A%.*s\" (num:den, or 0:0 for unknown)",
				            (int)(e - v), v);
			if (a) {
				in->par_num = a;
				in->par_den = b;
			}
			break;
		case 'I':
			if (seen_i++)
				return fail(r, Y4M_ERR_HEADER, "field I given twice");
			if (e - v != 1 || !strchr("ptbm?", *v))
				return fail(r, Y4M_ERR_HEADER, "bad interlace \"I%.*s\" (p, t, b, m or ?)", (int)(e - v), v);
			in->interlace = *v;
			break;
		case 'C': {
			if (seen_c++)
				return fail(r, Y4M_ERR_HEADER, "field C given twice");
			size_t len = (size_t)(e - v), k;
			for (k = 0; k < sizeof chromas / sizeof chromas[0]; k++)
				if (strlen(chromas[k].name) == len && !memcmp(chromas[k].name, v, len))
					break;
			if (k < sizeof chromas / sizeof chromas[0]) {
				in->chroma = chromas[k].c;
				break;
			}
			for (k = 0; k < sizeof deep / sizeof deep[0]; k++)
				if (strlen(deep[k]) == len && !memcmp(deep[k], v, len))
					return fail(r, Y4M_ERR_UNSUPPORTED, "colour space C%s has more than 8 bits a sample; "
					            "convert it: ffmpeg -i IN -pix_fmt yuv420p -f yuv4mpegpipe -", deep[k]);
			return fail(r, Y4M_ERR_HEADER, "unknown colour space \"C%.*s\"", (int)len, v);
		}
		case 'X':
			if ((size_t)(e - v) == strlen("COLORRANGE=FULL") && !memcmp(v, "COLORRANGE=FULL", (size_t)(e - v)))
				in->full_range = 1;
			else if ((size_t)(e - v) == strlen("COLORRANGE=LIMITED") &&
			         !memcmp(v, "COLORRANGE=LIMITED", (size_t)(e - v)))
				in->full_range = 0;
			break;      /* other extensions are for other readers */
		default:
			return fail(r, Y4M_ERR_HEADER, "unknown field \"%.*s\" in the stream header", (int)(e - p), p);
		}
		if (!*e)
			break;
		p = e + 1;
	}
	if (!seen_w || !seen_h)
		return fail(r, Y4M_ERR_HEADER, "stream header has no %s (field %c)", seen_w ? "height" : "width",
		            seen_w ? 'H' : 'W');
	if (!seen_f)
		return fail(r, Y4M_ERR_HEADER, "stream header has no frame rate (field F, e.g. F30:1)");
	return layout(r);
}

int y4m_read_frame(struct y4m_reader *r, uint8_t *buf)
{
	char line[LINE_MAX_LEN + 1];
	uint64_t k = r->frames + 1;
	long n = read_line(r->f, line);
	if (n == -1)
		return 0;
	if (n == -4)
		return fail(r, Y4M_ERR_IO, "read error before frame %llu: %s", (unsigned long long)k, strerror(errno));
	size_t part = n == -2 ? strlen(line) : 0;   /* what came before the end of input */
	if (n == -2 && !strncmp(line, "FRAME", part < 5 ? part : 5) && (part <= 5 || line[5] == ' '))
		return fail(r, Y4M_ERR_TRUNCATED, "input ends inside the FRAME line of frame %llu", (unsigned long long)k);
	if (n < 0 || n < 5 || memcmp(line, "FRAME", 5) != 0 || (n > 5 && line[5] != ' '))
		return fail(r, Y4M_ERR_FRAME, "frame %llu does not start with a FRAME line (bad data, or a frame "
		            "larger than the header says)", (unsigned long long)k);
	/* FRAME fields: each a tag and a value, one space apart; none is needed here. */
	for (const char *p = line + 5; *p;) {
		const char *q = p + 1, *e = strchr(q, ' ');
		if (!e)
			e = q + strlen(q);
		if (e == q)
			return fail(r, Y4M_ERR_FRAME, "empty field in the FRAME line of frame %llu", (unsigned long long)k);
		if (!strchr("IX", *q))
			return fail(r, Y4M_ERR_FRAME, "unknown field \"%.*s\" in the FRAME line of frame %llu",
			            (int)(e - q), q, (unsigned long long)k);
		p = e;
	}
	size_t got = fread(buf, 1, r->info.frame_size, r->f);
	if (got != r->info.frame_size) {
		if (ferror(r->f))
			return fail(r, Y4M_ERR_IO, "read error in frame %llu: %s", (unsigned long long)k, strerror(errno));
		return fail(r, Y4M_ERR_TRUNCATED, "input ends inside frame %llu (%zu of its %zu bytes)",
		            (unsigned long long)k, got, r->info.frame_size);
	}
	r->frames = k;
	return 1;
}
