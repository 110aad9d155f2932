/*
 * Unit tests of the host's video code: the y4m reader (good and every kind
 * of bad input, from memory and from a pipe), frame durations, records and
 * RLE, palette and dither quality, the converter, the host buffer and the
 * source shaper. Prints one line per failed check and a summary.
 * SPDX-License-Identifier: MIT
 */
#include "vbuf.h"
#include "vplay.h"
#include "vframe.h"
#include "y4m.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int checks, failures;
#define CHECK(cond, ...) do { checks++; if (!(cond)) { failures++; \
	printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint64_t rs = 88172645463325252ull;
static uint32_t rnd(void) { rs ^= rs << 13; rs ^= rs >> 7; rs ^= rs << 17; return (uint32_t)(rs >> 11); }

/* ---- y4m ---- */

/* Parse @hdr (a header line with its \n) followed by @frames frames of
 * @fbytes bytes (each "FRAME\n" + data) and @tail; returns the code of the
 * first failure or the number of frames read. */
static int y4m_try(const char *hdr, int frames, size_t fbytes, const char *tail, size_t tail_len,
                   struct y4m_info *info, char *err)
{
	size_t cap = strlen(hdr) + (size_t)frames * (fbytes + 6) + tail_len + 1;
	char *buf = malloc(cap), *p = buf;
	p += sprintf(p, "%s", hdr);
	for (int i = 0; i < frames; i++) {
		memcpy(p, "FRAME\n", 6);
		p += 6;
		memset(p, 0x80 + i, fbytes);
		p += fbytes;
	}
	memcpy(p, tail, tail_len);
	p += tail_len;
	FILE *f = fmemopen(buf, (size_t)(p - buf) ? (size_t)(p - buf) : 1, "rb");
	if (p == buf) { fclose(f); f = fmemopen(buf, 1, "rb"); fgetc(f); }
	struct y4m_reader r;
	int rc = y4m_open(&r, f, "test.y4m");
	if (info) *info = r.info;
	if (rc == 0) {
		uint8_t *fb = malloc(r.info.frame_size ? r.info.frame_size : 1);
		int n = 0;
		while ((rc = y4m_read_frame(&r, fb)) == 1) {
			if (fb[0] != (uint8_t)(0x80 + n) || fb[r.info.frame_size - 1] != (uint8_t)(0x80 + n))
				rc = -100;
			n++;
		}
		if (rc == 0) rc = n;
		free(fb);
	}
	if (err) strcpy(err, r.err);
	fclose(f);
	free(buf);
	return rc;
}

static void test_y4m_good(void)
{
	struct y4m_info in;
	char err[256];
	CHECK(y4m_try("YUV4MPEG2 W8 H4 F30:1 Ip A1:1 C420jpeg XYSCSS=420JPEG XCOLORRANGE=LIMITED\n", 3, 48, "", 0, &in, err) == 3, "%s", err);
	CHECK(in.width == 8 && in.height == 4 && in.fps_num == 30 && in.fps_den == 1 && in.frame_size == 48 &&
	      in.planes == 3 && in.plane_w[1] == 4 && in.plane_h[1] == 2 && in.plane_off[2] == 40 && !in.full_range,
	      "420 layout");
	CHECK(y4m_try("YUV4MPEG2 W5 H3 F30000:1001\n", 2, 15 + 2 * 6, "", 0, &in, err) == 2, "%s", err);
	CHECK(in.chroma == Y4M_420JPEG && in.interlace == 'p' && in.par_num == 1 && in.fps_den == 1001, "defaults");
	static const struct { const char *c; size_t size; } cs[] = {
		{ "420", 15 + 12 }, { "420mpeg2", 27 }, { "420paldv", 27 }, { "411", 15 + 2 * 6 }, { "422", 15 + 2 * 9 },
		{ "444", 45 }, { "444alpha", 60 }, { "mono", 15 },
	};
	for (size_t i = 0; i < sizeof cs / sizeof cs[0]; i++) {
		char h[128];
		snprintf(h, sizeof h, "YUV4MPEG2 W5 H3 F25:1 C%s A0:0 It\n", cs[i].c);
		CHECK(y4m_try(h, 2, cs[i].size, "", 0, &in, err) == 2, "C%s: %s", cs[i].c, err);
		CHECK(in.frame_size == cs[i].size, "C%s: frame size %zu, want %zu", cs[i].c, in.frame_size, cs[i].size);
	}
	CHECK(y4m_try("YUV4MPEG2 W4 H2 F25:1 Cmono XCOLORRANGE=FULL\n", 0, 8, "", 0, &in, err) == 0 && in.full_range,
	      "full range, no frames: %s", err);
	/* FRAME lines with fields. */
	char buf[200];
	int n = sprintf(buf, "FRAME Ip XFOO=1\n");
	memset(buf + n, 0x80, 8);
	CHECK(y4m_try("YUV4MPEG2 W4 H2 F25:1 Cmono\n", 0, 8, buf, (size_t)n + 8, NULL, err) == 1, "FRAME fields: %s", err);
}

static void bad(const char *hdr, int frames, size_t fb, const char *tail, size_t tl, int want, const char *word)
{
	char err[256] = "";
	int rc = y4m_try(hdr, frames, fb, tail, tl, NULL, err);
	CHECK(rc == want, "\"%.40s\" + \"%.20s\": got %d want %d (%s)", hdr, tail, rc, want, err);
	CHECK(strstr(err, word) && strstr(err, "test.y4m"), "\"%.40s\": message \"%s\" lacks \"%s\"", hdr, err, word);
}

static void test_y4m_bad(void)
{
	bad("", 0, 0, "", 0, Y4M_ERR_NOT_Y4M, "empty");
	bad("RIFF....WAVEfmt \n", 0, 0, "", 0, Y4M_ERR_NOT_Y4M, "not a YUV4MPEG2");
	bad("YUV4MPEG2\n", 0, 0, "", 0, Y4M_ERR_NOT_Y4M, "not a YUV4MPEG2");
	bad("YUV4MPEG2 W8 H4 F30:1", 0, 0, "", 0, Y4M_ERR_TRUNCATED, "ends inside the stream header");
	bad("YUV4MPEG", 0, 0, "", 0, Y4M_ERR_NOT_Y4M, "not a YUV4MPEG2");
	bad("YUV4MPEG2 W0 H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad width");
	bad("YUV4MPEG2 W-8 H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad width");
	bad("YUV4MPEG2 W8x H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad width");
	bad("YUV4MPEG2 W99999999999 H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad width");
	bad("YUV4MPEG2 W8 H F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad height");
	bad("YUV4MPEG2 H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "no width");
	bad("YUV4MPEG2 W8 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "no height");
	bad("YUV4MPEG2 W8 H4\n", 0, 0, "", 0, Y4M_ERR_HEADER, "no frame rate");
	bad("YUV4MPEG2 W8 H4 F30:0\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad frame rate");
	bad("YUV4MPEG2 W8 H4 F30\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad frame rate");
	bad("YUV4MPEG2 W8 H4 F:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad frame rate");
	bad("YUV4MPEG2 W8 H4 F30:1 A1:0\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad pixel aspect");
	bad("YUV4MPEG2 W8 H4 F30:1 Ix\n", 0, 0, "", 0, Y4M_ERR_HEADER, "bad interlace");
	bad("YUV4MPEG2 W8 W8 H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "twice");
	bad("YUV4MPEG2 W8 H4 F30:1 C420 C420\n", 0, 0, "", 0, Y4M_ERR_HEADER, "twice");
	bad("YUV4MPEG2 W8  H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_HEADER, "empty field");
	bad("YUV4MPEG2 W8 H4 F30:1 \n", 0, 0, "", 0, Y4M_ERR_HEADER, "empty field");
	bad("YUV4MPEG2 W8 H4 F30:1 Zfoo\n", 0, 0, "", 0, Y4M_ERR_HEADER, "unknown field");
	bad("YUV4MPEG2 W8 H4 F30:1 Cyuv\n", 0, 0, "", 0, Y4M_ERR_HEADER, "unknown colour space");
	bad("YUV4MPEG2 W8 H4 F30:1 C420p10\n", 0, 0, "", 0, Y4M_ERR_UNSUPPORTED, "more than 8 bits");
	bad("YUV4MPEG2 W16385 H4 F30:1\n", 0, 0, "", 0, Y4M_ERR_TOO_BIG, "more than");
	bad("YUV4MPEG2 W16384 H16384 F30:1 C444alpha\n", 0, 0, "", 0, Y4M_ERR_TOO_BIG, "bytes");
	char longh[6000] = "YUV4MPEG2 W8 H4 F30:1 X";
	memset(longh + strlen(longh), 'a', 5000);
	strcat(longh, "\n");
	bad(longh, 0, 0, "", 0, Y4M_ERR_HEADER, "longer than");
	const char *h = "YUV4MPEG2 W4 H2 F25:1 Cmono\n";
	bad(h, 1, 8, "FRA", 3, Y4M_ERR_TRUNCATED, "inside the FRAME line of frame 2");
	bad(h, 1, 8, "FRAME\n\x80\x80\x80", 9, Y4M_ERR_TRUNCATED, "3 of its 8 bytes");
	bad(h, 1, 8, "FRAME\n", 6, Y4M_ERR_TRUNCATED, "0 of its 8 bytes");
	bad(h, 1, 8, "FRAMEX\n", 7, Y4M_ERR_FRAME, "FRAME line");
	bad(h, 1, 8, "garbage\n", 8, Y4M_ERR_FRAME, "frame 2 does not start");
	bad(h, 1, 8, "FRAME Zx\n", 9, Y4M_ERR_FRAME, "unknown field");
	bad(h, 1, 8, "FRAME  Ip\n", 10, Y4M_ERR_FRAME, "empty field");
	bad(h, 0, 0, "\x80\x80\x80\x80\x80\x80\x80\x80", 8, Y4M_ERR_FRAME, "frame 1 does not start");
	/* A frame larger than the header says: its tail is not a FRAME line. */
	bad(h, 1, 12, "", 0, Y4M_ERR_FRAME, "larger than the header says");
}

static void test_y4m_pipe(void)
{
	int fd[2];
	CHECK(pipe(fd) == 0, "pipe");
	pid_t pid = fork();
	if (pid == 0) {
		close(fd[0]);
		static char buf[70000];
		int n = sprintf(buf, "YUV4MPEG2 W160 H120 F24:1 C420jpeg\n");
		for (int k = 0; k < 5; k++) {
			n += sprintf(buf + n, "FRAME\n");
			memset(buf + n, k, 28800);
			n += 28800;
			/* Small writes: the reader sees short reads. */
			for (int o = 0; o < n; o += 1000)
				if (write(fd[1], buf + o, (size_t)(n - o < 1000 ? n - o : 1000)) < 0)
					_exit(1);
			n = 0;
		}
		_exit(0);
	}
	close(fd[1]);
	FILE *f = fdopen(fd[0], "rb");
	struct y4m_reader r;
	int rc = y4m_open(&r, f, "pipe");
	CHECK(rc == 0 && r.info.frame_size == 28800, "pipe header: %s", r.err);
	static uint8_t fb[28800];
	int n = 0;
	while ((rc = y4m_read_frame(&r, fb)) == 1) {
		CHECK(fb[0] == n && fb[28799] == n, "pipe frame %d", n);
		n++;
	}
	CHECK(rc == 0 && n == 5, "pipe: %d frames, rc %d %s", n, rc, r.err);
	fclose(f);
	waitpid(pid, NULL, 0);
}

/* ---- durations ---- */

static void test_durations(void)
{
	static const uint32_t rates[][2] = { { 24, 1 }, { 25, 1 }, { 30, 1 }, { 30000, 1001 }, { 24000, 1001 }, { 60, 1 },
	                                     { 50, 1 }, { 15, 1 }, { 1, 1 } };
	for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++) {
		uint32_t num = rates[i][0], den = rates[i][1];
		struct vf_clock c;
		CHECK(vf_clock_init(&c, num, den) == 0, "%u/%u", num, den);
		uint64_t frames = (60ull * num + den / 2) / den, sum = 0;   /* a minute */
		uint64_t lo = 1200ull * den / num, hi = lo + 1;
		uint64_t playhead = 0, end = 0, vsyncs = 0, frame = 0, worst = 0;
		for (uint64_t k = 1; k <= frames; k++) {
			uint16_t d = vf_clock_next(&c);
			CHECK(d >= lo && d <= hi, "%u/%u frame %llu: duration %u", num, den, (unsigned long long)k, d);
			sum += d;
			uint64_t exact2 = (2ull * k * 1200 * den + num) / (2ull * num);   /* round(k * 1200 den / num) */
			uint64_t diff = sum > exact2 ? sum - exact2 : exact2 - sum;
			if (diff > worst) worst = diff;
		}
		CHECK(worst == 0, "%u/%u: the running sum drifts by %llu ticks", num, den, (unsigned long long)worst);
		/* The board's player: +20 a vsync, next frame when the playhead passes its end. */
		struct vf_clock c2;
		vf_clock_init(&c2, num, den);
		end = vf_clock_next(&c2);
		for (vsyncs = 0; frame < frames; vsyncs++) {
			playhead += 20;
			while (frame < frames && playhead >= end) {
				frame++;
				end += vf_clock_next(&c2);
			}
		}
		double want = 60.0 * 60 * (double)frames * den / num / 60.0;   /* vsyncs for those frames */
		CHECK(fabs((double)vsyncs - want) <= 1.0, "%u/%u: %llu vsyncs for a minute, want %.1f", num, den,
		      (unsigned long long)vsyncs, want);
	}
	struct vf_clock c;
	vf_clock_init(&c, 30, 1);
	CHECK(vf_clock_next(&c) == 40, "30 fps");
	vf_clock_init(&c, 25, 1);
	CHECK(vf_clock_next(&c) == 48, "25 fps");
	vf_clock_init(&c, 24, 1);
	CHECK(vf_clock_next(&c) == 50, "24 fps");
	CHECK(vf_clock_init(&c, 1201, 1) < 0, "above 1200 fps");
	CHECK(vf_clock_init(&c, 1, 60) < 0, "a minute a frame does not fit 16 bits");
	CHECK(vf_clock_init(&c, 0, 1) < 0 && vf_clock_init(&c, 1, 0) < 0, "zero");
	CHECK(vf_clock_init(&c, 1200, 65535) == 0, "the slowest rate");
}

/* ---- records ---- */

static const uint16_t pal16[16] = { 0x000, 0xFFF, 0xF00, 0x0F0, 0x00F, 0xFF0, 0x0FF, 0xF0F,
                                    0x888, 0x444, 0xCCC, 0x800, 0x080, 0x008, 0x123, 0xABC };

static void roundtrip(const uint8_t *idx, int w, int h, int fmt, const char *what)
{
	static uint8_t rec[VF_RECORD_MAX(320, 240) + 8], rgb[320 * 240 * 3], back[320 * 240];
	size_t len = vf_record(idx, w, h, pal16, 40, fmt, rec);
	struct vf_record r;
	char err[200] = "";
	long got = vf_decode(rec, len, &r, rgb, sizeof rgb, back, err, sizeof err);
	CHECK(got == (long)len && r.w == w && r.h == h && r.duration == 40 && !memcmp(back, idx, (size_t)w * h),
	      "%s %dx%d fmt %d: decoded %ld of %zu (%s)", what, w, h, fmt, got, len, err);
	CHECK(len % 2 == 0 && len <= VF_RECORD_MAX(w, h), "%s: length %zu", what, len);
	CHECK(rgb[0] == ((pal16[idx[0]] >> 8) & 15) * 17, "%s: rendering", what);
	/* Every shorter prefix is "not yet". */
	CHECK(vf_decode(rec, len - 1, &r, rgb, sizeof rgb, NULL, err, sizeof err) == 0, "%s: prefix", what);
}

static void test_records(void)
{
	static uint8_t idx[320 * 240];
	const int sizes[2][2] = { { 160, 120 }, { 320, 240 } };
	for (int s = 0; s < 2; s++) {
		int w = sizes[s][0], h = sizes[s][1];
		size_t n = (size_t)w * h;
		for (int pat = 0; pat < 6; pat++) {
			for (size_t i = 0; i < n;) {
				size_t run = pat == 0 ? 1 : pat == 1 ? n : pat == 2 ? 16 : pat == 3 ? 17 : pat == 4 ? 15 : 1 + rnd() % 40;
				uint8_t c = (uint8_t)(rnd() % 16);
				for (size_t k = 0; k < run && i < n; k++)
					idx[i++] = c;
			}
			for (int fmt = -1; fmt <= 1; fmt++)
				roundtrip(idx, w, h, fmt, "pattern");
		}
		/* Worst case of RLE: no two neighbours alike: twice the raw size, so raw is chosen. */
		for (size_t i = 0; i < n; i++) idx[i] = (uint8_t)(i % 2 ? 5 : 9);
		uint8_t *rle = malloc(n + 1);
		size_t rl = vf_rle(idx, n, rle);
		CHECK(rl == n, "worst-case RLE of %zu pixels: %zu bytes", n, rl);
		free(rle);
		static uint8_t rec[VF_RECORD_MAX(320, 240)];
		size_t len = vf_record(idx, w, h, pal16, 40, -1, rec);
		CHECK(len == VF_RECORD_MAX(w, h) && rec[1] == VF_FMT_RAW, "worst case: raw chosen (%zu)", len);
		len = vf_record(idx, w, h, pal16, 40, VF_FMT_RLE, rec);
		CHECK(rec[1] == VF_FMT_RAW, "forced RLE that does not fit: raw");
		/* Best case: one colour, 16 pixels a byte. */
		memset(idx, 3, n);
		len = vf_record(idx, w, h, pal16, 40, -1, rec);
		CHECK(rec[1] == VF_FMT_RLE && len == 40 + n / 16, "one colour: %zu", len);
	}
	/* A run crossing rows, odd run count padded with a zero byte. */
	memset(idx, 1, 160 * 120);
	idx[0] = 2;
	uint8_t rle[20000];
	size_t rl = vf_rle(idx, 160 * 120, rle);
	CHECK(rl % 2 == 0 && rle[0] == 0x02 && rle[1] == 0xF1, "runs: %zu %02X %02X", rl, rle[0], rle[1]);
	roundtrip(idx, 160, 120, 1, "cross rows");

	/* The record header is the contract's. */
	uint8_t rec[VF_RECORD_MAX(160, 120)];
	memset(idx, 0, 160 * 120);
	idx[0] = 1; idx[1] = 2;
	size_t len = vf_record(idx, 160, 120, pal16, 1234, VF_FMT_RAW, rec);
	CHECK(len == 9640 && rec[0] == 0xF5 && rec[1] == 0 && rec[2] == 0xD2 && rec[3] == 0x04 && rec[4] == 0x80 &&
	      rec[5] == 0x25 && rec[6] == 40 && rec[7] == 30 && rec[8 + 2] == 0xFF && rec[8 + 3] == 0x0F && rec[40] == 0x21,
	      "raw record layout");
	uint8_t end[8];
	CHECK(vf_end_record(end) == 8 && end[0] == 0xE5 && !end[1] && !end[7], "end record");
	struct vf_record r;
	static uint8_t rgb[320 * 240 * 3];
	char err[200];
	CHECK(vf_decode(end, 8, &r, rgb, sizeof rgb, NULL, err, sizeof err) == 8 && r.magic == 0xE5, "decode end");

	/* What the decoder refuses. */
	struct { const char *what; int off, val; const char *word; } breaks[] = {
		{ "magic", 0, 0x55, "magic" }, { "format", 1, 7, "format" }, { "odd length", 4, 0x81, "odd" },
		{ "raw length", 4, 0x7E, "needs" }, { "no width", 6, 0, "empty" }, { "palette", 9, 0x10, "palette" },
	};
	for (size_t i = 0; i < sizeof breaks / sizeof breaks[0]; i++) {
		uint8_t b[VF_RECORD_MAX(160, 120)];
		memcpy(b, rec, len);
		b[breaks[i].off] = (uint8_t)breaks[i].val;
		err[0] = 0;
		long got = vf_decode(b, len, &r, rgb, sizeof rgb, NULL, err, sizeof err);
		CHECK(got == -1 && strstr(err, breaks[i].word), "%s: %ld \"%s\"", breaks[i].what, got, err);
	}
	CHECK(vf_decode(rec, len, &r, rgb, 100, NULL, err, sizeof err) == -1, "too small an output");
	end[3] = 1;
	CHECK(vf_decode(end, 8, &r, rgb, sizeof rgb, NULL, err, sizeof err) == -1, "end record with junk");
	/* RLE: overflow, short, data past the end. */
	uint8_t b[200];
	memcpy(b, rec, 40);
	b[1] = 1;
	b[4] = 2; b[5] = 0; b[6] = 1; b[7] = 1;  /* 4x4 = 16 pixels */
	b[40] = 0xF3; b[41] = 0x00;              /* 16 pixels and the pad: fine */
	CHECK(vf_decode(b, 42, &r, rgb, sizeof rgb, NULL, err, sizeof err) == 42, "RLE 4x4 with pad: %s", err);
	b[41] = 0x01;
	CHECK(vf_decode(b, 42, &r, rgb, sizeof rgb, NULL, err, sizeof err) == -1 && strstr(err, "past"), "pad not zero");
	b[40] = 0xE3; b[41] = 0x00;              /* 15 + 1 = 16 pixels exactly */
	CHECK(vf_decode(b, 42, &r, rgb, sizeof rgb, NULL, err, sizeof err) == 42, "RLE 15+1");
	b[40] = 0xE3; b[41] = 0x10;              /* 15 + 2 overflows */
	CHECK(vf_decode(b, 42, &r, rgb, sizeof rgb, NULL, err, sizeof err) == -1 && strstr(err, "overflows"), "overflow");
	/* Random damage to good records: refused or decoded, never read or written
	 * out of bounds (ASan build). */
	{
		static uint8_t rgb2[160 * 120 * 3], pix[160 * 120], good[VF_RECORD_MAX(160, 120)], bad[VF_RECORD_MAX(160, 120)];
		for (size_t i = 0; i < 160 * 120; i++) pix[i] = (uint8_t)((i / (1 + rnd() % 30)) % 16);
		int took = 0;
		for (int t = 0; t < 3000; t++) {
			size_t gl = vf_record(pix, 160, 120, pal16, 40, t % 2, good);
			memcpy(bad, good, gl);
			size_t n = gl;
			for (int k = 0; k < 1 + t % 4; k++) bad[rnd() % (t % 3 ? 48 : gl)] = (uint8_t)rnd();
			if (t % 5 == 0) n = rnd() % gl;
			long got = vf_decode(bad, n, &r, rgb2, sizeof rgb2, NULL, err, sizeof err);
			CHECK(got >= -1 && got <= (long)n, "damaged record: %ld of %zu", got, n);
			took += got > 0;
		}
		CHECK(took > 0, "some damage (pixels only) still decodes");
	}
	b[40] = 0x13; b[41] = 0x00;              /* 2 + 1 of 16 */
	CHECK(vf_decode(b, 42, &r, rgb, sizeof rgb, NULL, err, sizeof err) == -1 && strstr(err, "ends after"), "short");
}

/* ---- palette and dither ---- */

/* A test picture: smooth gradients, a colour wheel-ish area, fine stripes. */
static void picture(float *rgb, int w, int h)
{
	for (int y = 0; y < h; y++)
		for (int x = 0; x < w; x++) {
			float *p = rgb + ((size_t)y * w + x) * 3;
			float fx = (float)x / (w - 1), fy = (float)y / (h - 1);
			if (y < h / 2) {
				p[0] = 255 * fx;
				p[1] = 255 * fy * 2;
				p[2] = 255 * (1 - fx);
			} else if (x < w / 2) {
				float a = 6.2831853f * fx * 2;
				p[0] = 128 + 100 * sinf(a);
				p[1] = 128 + 100 * sinf(a + 2.094f);
				p[2] = 128 + 100 * sinf(a + 4.189f) * (1 - fy);
			} else {
				float v = (x / 2 + y / 3) % 2 ? 200.0f : 60.0f;
				p[0] = v * 0.9f; p[1] = v * 0.8f; p[2] = v * 0.6f;
			}
		}
}

/* PSNR of the palette image against the truth rounded to the 12-bit grid,
 * each first blurred over @r pixels (r 0: none): dithering is judged as the
 * eye sees it, from a distance. */
static double psnr12(const float *truth, const uint8_t *idx, const uint16_t *pal, int w, int h, int r)
{
	double se = 0;
	for (int y = r; y < h - r; y++)
		for (int x = r; x < w - r; x++)
			for (int c = 0; c < 3; c++) {
				double a = 0, b = 0;
				for (int dy = -r; dy <= r; dy++)
					for (int dx = -r; dx <= r; dx++) {
						size_t i = (size_t)(y + dy) * w + (size_t)(x + dx);
						a += roundf(truth[i * 3 + c] / 17.0f) * 17.0f;
						b += ((pal[idx[i]] >> (8 - 4 * c)) & 15) * 17.0;
					}
				double k = (2 * r + 1) * (2 * r + 1), e = (a - b) / k;
				se += e * e;
			}
	double mse = se / ((double)(w - 2 * r) * (h - 2 * r) * 3);
	return 10 * log10(255.0 * 255.0 / (mse + 1e-12));
}

static void test_palette(void)
{
	enum { W = 160, H = 120 };
	static float img[W * H * 3];
	static uint8_t idx[W * H], idx2[W * H];
	picture(img, W, H);
	uint16_t pal[16];
	vf_palette(img, W * H, NULL, 0, pal);
	vf_dither(img, W, 0, 0, W, H, pal, 1, idx);
	double d0 = psnr12(img, idx, pal, W, H, 0), d1 = psnr12(img, idx, pal, W, H, 1);
	vf_dither(img, W, 0, 0, W, H, pal, 0, idx2);
	double n0 = psnr12(img, idx2, pal, W, H, 0), n1 = psnr12(img, idx2, pal, W, H, 1);
	const char *dir = getenv("VIDEO_PPM_DIR");   /* to look at: truth, dithered, nearest side by side */
	if (dir) {
		char path[4096];
		snprintf(path, sizeof path, "%s/palette-test.ppm", dir);
		FILE *f = fopen(path, "wb");
		if (f) {
			fprintf(f, "P6\n%d %d\n255\n", 3 * W, H);
			for (int y = 0; y < H; y++)
				for (int k = 0; k < 3; k++)
					for (int x = 0; x < W; x++) {
						size_t i = (size_t)y * W + x;
						for (int c = 0; c < 3; c++) {
							int v = k == 0 ? (int)roundf(img[i * 3 + c] / 17.0f) * 17
							        : (((pal[(k == 1 ? idx : idx2)[i]] >> (8 - 4 * c)) & 15) * 17);
							fputc(v, f);
						}
					}
			fclose(f);
		}
	}
	printf("palette + dither: PSNR %.2f dB, blurred 3x3 %.2f dB; nearest colour: %.2f dB, blurred %.2f dB\n",
	       d0, d1, n0, n1);
	/* Floors: the values measured (docs/video-host.md: 20.07 and 24.73 dB) less about 0.9 dB. */
	CHECK(d0 >= 19.2, "dithered PSNR %.2f dB", d0);
	CHECK(d1 >= 23.8, "dithered blurred PSNR %.2f dB", d1);
	CHECK(d1 > n1 + 1.0, "dithering helps as seen from afar: %.2f vs %.2f dB", d1, n1);
	/* A broken palette (greys only) is caught by the same floor. */
	uint16_t grey[16];
	for (int k = 0; k < 16; k++) grey[k] = (uint16_t)(k * 0x111);
	vf_dither(img, W, 0, 0, W, H, grey, 1, idx2);
	double g1 = psnr12(img, idx2, grey, W, H, 1);
	printf("a palette of greys instead: blurred PSNR %.2f dB\n", g1);
	CHECK(g1 < 23.8, "a grey palette passes the floor: %.2f", g1);
	/* Error diffusion keeps the local mean: a grey ramp dithered to black and
	 * white has, in each 16x16 block, the mean of the ramp there. */
	{
		static float ramp[W * H * 3];
		uint16_t bw[16] = { 0x000, 0xFFF };
		for (int y = 0; y < H; y++)
			for (int x = 0; x < W; x++)
				for (int c = 0; c < 3; c++) ramp[((size_t)y * W + x) * 3 + c] = 255.0f * x / (W - 1);
		vf_dither(ramp, W, 0, 0, W, H, bw, 1, idx2);
		double worst = 0;
		for (int by = 16; by + 16 <= H - 16; by += 16)
			for (int bx = 0; bx + 16 <= W; bx += 16) {
				double a = 0, b = 0;
				for (int y = by; y < by + 16; y++)
					for (int x = bx; x < bx + 16; x++) {
						a += ramp[((size_t)y * W + x) * 3];
						b += idx2[(size_t)y * W + x] ? 255 : 0;
					}
				double d = fabs(a - b) / 256;
				if (d > worst) worst = d;
			}
		printf("black and white ramp: block means within %.2f levels\n", worst);
		CHECK(worst < 6.0, "dithered ramp: a block mean is %.2f levels off", worst);
	}
	/* Distinct, 12-bit entries. */
	int dup = 0;
	for (int i = 0; i < 16; i++)
		for (int j = 0; j < i; j++) dup += pal[i] == pal[j];
	CHECK(dup == 0, "%d duplicate entries", dup);
	/* Stable: the same picture, or with noise of a level, keeps the palette. */
	uint16_t pal2[16];
	CHECK(vf_palette(img, W * H, pal, 0, pal2) == 1 && !memcmp(pal, pal2, sizeof pal), "same frame: kept");
	static float noisy[W * H * 3];
	for (size_t i = 0; i < W * H * 3; i++) noisy[i] = img[i] + (float)((int)(rnd() % 5) - 2);
	CHECK(vf_palette(noisy, W * H, pal, 0, pal2) == 1, "noisy frame: kept");
	/* A different picture gets its own. */
	static float red[W * H * 3];
	for (size_t i = 0; i < W * H; i++) { red[i * 3] = (float)(i % 256); red[i * 3 + 1] = 0; red[i * 3 + 2] = 0; }
	CHECK(vf_palette(red, W * H, pal, 0, pal2) == 0, "new scene: new palette");
	/* Black forced when asked. */
	vf_palette(red, W * H, NULL, 1, pal2);
	CHECK(pal2[0] == 0, "black entry 0");
	/* Few colours: each exact. */
	for (size_t i = 0; i < W * H; i++) {
		int c = (int)(i % 3);
		img[i * 3] = c == 0 ? 255 : 0; img[i * 3 + 1] = c == 1 ? 255 : 0; img[i * 3 + 2] = c == 2 ? 255 : 0;
	}
	vf_palette(img, W * H, NULL, 0, pal);
	vf_dither(img, W, 0, 0, W, H, pal, 1, idx);
	CHECK(psnr12(img, idx, pal, W, H, 0) > 90, "3 colours exactly: %.2f", psnr12(img, idx, pal, W, H, 0));
}

/* ---- the converter ---- */

static void test_conv(void)
{
	/* 16:9 limited-range red: letterboxed, the picture red, the bars black. */
	struct y4m_info in = { .width = 320, .height = 180, .fps_num = 30000, .fps_den = 1001, .par_num = 1,
	                       .par_den = 1, .chroma = Y4M_420JPEG, .planes = 3 };
	in.plane_w[0] = 320; in.plane_h[0] = 180; in.plane_w[1] = in.plane_w[2] = 160; in.plane_h[1] = in.plane_h[2] = 90;
	in.plane_off[1] = 320 * 180; in.plane_off[2] = 320 * 180 + 160 * 90;
	in.frame_size = 320 * 180 + 2 * 160 * 90;
	struct vf_conv c;
	CHECK(vf_conv_init(&c, &in, 160, 120) == 0, "%s", c.err);
	CHECK(c.bw == 160 && c.bh == 90 && c.bx == 0 && c.by == 15, "letterbox %dx%d at %d,%d", c.bw, c.bh, c.bx, c.by);
	CHECK(c.fmt == VF_FMT_RAW, "raw records by default (what the gateware plays): %d", c.fmt);
	c.fmt = -1;                     /* whichever is smaller */
	uint8_t *yuv = malloc(in.frame_size);
	memset(yuv, 81, 320 * 180);
	memset(yuv + in.plane_off[1], 90, 160 * 90);
	memset(yuv + in.plane_off[2], 240, 160 * 90);
	static uint8_t rec[VF_RECORD_MAX(320, 240)], rgb[320 * 240 * 3];
	size_t len = vf_conv_frame(&c, yuv, rec);
	struct vf_record r;
	char err[200];
	CHECK(vf_decode(rec, len, &r, rgb, sizeof rgb, NULL, err, sizeof err) == (long)len, "%s", err);
	CHECK(r.format == VF_FMT_RLE && r.duration == 40, "format %d duration %u", r.format, r.duration);
	const uint8_t *mid = rgb + (60 * 160 + 80) * 3, *bar = rgb + (5 * 160 + 80) * 3;
	CHECK(mid[0] == 255 && mid[1] == 0 && mid[2] == 0, "red: %d %d %d", mid[0], mid[1], mid[2]);
	CHECK(bar[0] == 0 && bar[1] == 0 && bar[2] == 0, "bar: %d %d %d", bar[0], bar[1], bar[2]);
	uint16_t durs = r.duration;
	for (int k = 0; k < 29; k++) {
		size_t l2 = vf_conv_frame(&c, yuv, rec);
		CHECK(l2 == len && c.palette_kept, "still frame %d: same size, palette kept", k);
		vf_decode(rec, l2, &r, rgb, sizeof rgb, NULL, err, sizeof err);
		durs = (uint16_t)(durs + r.duration);
	}
	CHECK(durs == 1201, "30 frames at 29.97 fps: %u ticks", durs);   /* 30 * 40.04 = 1201.2 */
	vf_conv_free(&c);
	/* Tall input: pillarbox; 320x240 mode. */
	in.fps_num = 25; in.fps_den = 1; in.par_num = 1; in.par_den = 2;   /* 320x180 with 1:2 pixels is tall */
	CHECK(vf_conv_init(&c, &in, 320, 240) == 0 && c.bh == 240 && c.bw == 213 && c.bx == 53, "pillarbox %dx%d",
	      c.bw, c.bh);
	vf_conv_free(&c);
	CHECK(vf_conv_init(&c, &in, 200, 100) == -1 && strstr(c.err, "160x120"), "size: %s", c.err);
	in.fps_num = 5000;
	CHECK(vf_conv_init(&c, &in, 160, 120) == -1 && strstr(c.err, "frame rate"), "rate: %s", c.err);
	/* Downscaling keeps mean brightness (area filter in linear light): 1-px stripes of 0 and 255. */
	in = (struct y4m_info){ .width = 640, .height = 480, .fps_num = 30, .fps_den = 1, .par_num = 1, .par_den = 1,
	                        .chroma = Y4M_MONO, .planes = 1, .full_range = 1, .frame_size = 640 * 480 };
	in.plane_w[0] = 640; in.plane_h[0] = 480;
	CHECK(vf_conv_init(&c, &in, 160, 120) == 0, "%s", c.err);
	uint8_t *g = malloc(640 * 480);
	for (int i = 0; i < 640 * 480; i++) g[i] = (i % 2) ? 255 : 0;
	vf_scale(&c, g);
	CHECK(fabsf(c.rgb[(60 * 160 + 80) * 3] - 187.5f) < 1.5f, "stripes average to %.1f (linear mean: 187.5)",
	      c.rgb[(60 * 160 + 80) * 3]);
	vf_conv_free(&c);
	free(g);
	free(yuv);
}

/* ---- buffer and shaper ---- */

static void test_vbuf(void)
{
	struct vbuf_cfg cfg;
	vbuf_defaults(&cfg);
	struct vbuf b;
	uint8_t rec[100] = { 0xF5 };
	CHECK(vbuf_init(&b, &cfg, 0) == 0, "init");
	uint64_t t = 0;
	int n;
	for (n = 0; !vbuf_next(&b, t); n++, t += 33)
		vbuf_push(&b, rec, sizeof rec, 40, t);
	CHECK(n == 60 && vbuf_ms(&b) == 2000, "starts after %d frames, %u ms", n, vbuf_ms(&b));
	CHECK(b.filled_ms == 59 * 33, "filled in %llu ms", (unsigned long long)b.filled_ms);
	while (vbuf_next(&b, t))
		vbuf_pop(&b, t);
	CHECK(b.dry == 1 && b.frames_out == 60, "dry");
	vbuf_board(&b, 0, t);
	CHECK(b.state == VBUF_FLOWING, "no underrun yet");
	vbuf_push(&b, rec, sizeof rec, 40, t);
	CHECK(vbuf_next(&b, t) != NULL, "flowing: a frame goes at once");
	vbuf_pop(&b, t);
	vbuf_board(&b, 1, t);   /* the board ran dry with nothing here: a stall */
	CHECK(b.stalls == 1 && b.goal_ms == 4000 && b.state == VBUF_FILLING, "stall: goal %u", b.goal_ms);
	for (n = 0; !vbuf_next(&b, t); n++, t += 33)
		vbuf_push(&b, rec, sizeof rec, 40, t);
	CHECK(n == 120, "refills to 4 s: %d frames", n);
	vbuf_board(&b, 2, t);   /* frames waiting here: the link's, no new goal */
	CHECK(b.link_underruns == 1 && b.goal_ms == 4000 && b.state == VBUF_FLOWING, "link underrun");
	for (int k = 0; k < 10; k++) {   /* many stalls: capped at max */
		while (vbuf_next(&b, t)) vbuf_pop(&b, t);
		vbuf_board(&b, 3 + (uint32_t)k, t);
		while (!vbuf_next(&b, t)) vbuf_push(&b, rec, sizeof rec, 40, t += 33);
	}
	CHECK(b.goal_ms == cfg.max_ms && b.stalls == 11, "goal capped at %u: %u", cfg.max_ms, b.goal_ms);
	/* Calm: 30 s without a stall lowers the goal one step. */
	vbuf_next(&b, t + cfg.calm_ms);
	CHECK(b.goal_ms == cfg.max_ms - cfg.step_ms, "calm: %u", b.goal_ms);
	vbuf_free(&b);

	/* A goal above what memory holds is still reached: full counts. */
	cfg.max_bytes = 10 * sizeof rec;
	vbuf_init(&b, &cfg, 0);
	for (n = 0; n < 100 && !vbuf_next(&b, 0); n++)
		if (vbuf_room(&b, sizeof rec)) vbuf_push(&b, rec, sizeof rec, 40, 0);
	CHECK(vbuf_next(&b, 0) != NULL && b.count == 10, "memory-bound goal reached with %zu frames", b.count);
	CHECK(!vbuf_room(&b, sizeof rec) && vbuf_push(&b, rec, sizeof rec, 40, 0) == -1, "full");
	vbuf_free(&b);
	/* The end of the source releases everything, whatever the goal. */
	vbuf_defaults(&cfg);
	vbuf_init(&b, &cfg, 0);
	vbuf_push(&b, rec, sizeof rec, 40, 0);
	CHECK(vbuf_next(&b, 0) == NULL, "gathering");
	vbuf_source_end(&b, 5);
	CHECK(vbuf_next(&b, 5) != NULL, "ended: flows");
	vbuf_pop(&b, 5);
	CHECK(b.dry == 0, "running out after the end is no dry spell");
	vbuf_board(&b, 1, 6);
	CHECK(b.stalls == 0, "an underrun after the end is no stall");
	vbuf_free(&b);
	/* Goal 0: starts at the first frame. */
	cfg.start_ms = 0;
	vbuf_init(&b, &cfg, 0);
	vbuf_push(&b, rec, sizeof rec, 40, 0);
	CHECK(vbuf_next(&b, 0) != NULL, "no prebuffer");
	vbuf_free(&b);
	cfg.start_ms = 20000;
	CHECK(vbuf_init(&b, &cfg, 0) == -1, "start above max");
}

static int frames_through(struct vshape *s, uint64_t from_us, uint64_t to_us, size_t bytes, uint64_t *t)
{
	int n = 0;
	for (*t = from_us; *t < to_us;) {
		uint64_t d = vshape_delay(s, *t, bytes);
		if (d == 0) n++;
		else *t += d;
	}
	return n;
}

static void test_shape(void)
{
	struct vshape s;
	char err[200];
	CHECK(vshape_parse(&s, "2s:full,300ms:0,rest:full", err, sizeof err) == 0 && s.nseg == 3, "%s", err);
	CHECK(vshape_delay(&s, 1000000, 28806) == 0, "t 0");
	CHECK(vshape_delay(&s, 2999999, 28806) == 0, "t 2 s less 1 us");
	CHECK(vshape_delay(&s, 3100000, 28806) == 200000, "in the stall: 200 ms to go");
	CHECK(vshape_delay(&s, 3300000, 28806) == 0, "after it");
	CHECK(vshape_parse(&s, "30fps", err, sizeof err) == 0, "%s", err);
	uint64_t t;
	int n = frames_through(&s, 0, 10000000, 28806, &t);
	CHECK(n >= 300 && n <= 301, "30fps for 10 s: %d frames", n);
	CHECK(vshape_parse(&s, "1M", err, sizeof err) == 0, "%s", err);
	n = frames_through(&s, 0, 10000000, 10000, &t);
	CHECK(n >= 1000 && n <= 1006, "1 MB/s for 10 s, 10 kB frames: %d", n);
	CHECK(vshape_parse(&s, "500kB/s", err, sizeof err) == 0 && s.seg[0].rate == 500000, "500kB/s");
	CHECK(vshape_parse(&s, "1s:30fps,1s:0,1s:15fps", err, sizeof err) == 0, "%s", err);
	n = frames_through(&s, 0, 3000000, 1, &t);
	CHECK(n >= 45 && n <= 47, "profile: %d frames in the first 3 s", n);
	CHECK(vshape_delay(&s, 3000000, 1) == 0, "past the profile: full");
	CHECK(vshape_delay(&s, 3000000, 1) == 0, "still full");
	const char *bads[] = { "", "fast", "2x:full", "rest:full,1s:0", "1s:", ":full", "-5", "1s:30fp", "2s:full,", "1.5Q" };
	for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++)
		CHECK(vshape_parse(&s, bads[i], err, sizeof err) == -1 && err[0], "\"%s\" taken", bads[i]);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Play @path through vplay as the CLI would, with no board: collect the
 * records. Returns vplay_close's result; *@frames, *@first_ms. */
static int play(const char *path, const char *shape, uint32_t start_ms, int *frames, int *ends, uint64_t *first_ms,
                char *err, size_t errlen)
{
	struct vplay_cfg cfg = { .path = path, .shape = shape };
	vbuf_defaults(&cfg.buf);
	cfg.buf.start_ms = start_ms;
	struct vplay *p;
	*frames = *ends = 0;
	*first_ms = 0;
	uint64_t t0 = now_ms();
	if (vplay_open(&p, &cfg, err, errlen))
		return -2;
	while (!vplay_done(p) && now_ms() - t0 < 60000) {
		const uint8_t *rec;
		size_t len = vplay_next(p, &rec, now_ms());
		if (!len) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
			continue;
		}
		if (!*first_ms)
			*first_ms = now_ms() - t0 + 1;
		static uint8_t rgb[160 * 120 * 3];
		struct vf_record r;
		char e[200];
		long got = vf_decode(rec, len, &r, rgb, sizeof rgb, NULL, e, sizeof e);
		CHECK(got == (long)len, "vplay record: %s", e);
		if (r.magic == VF_MAGIC_END) (*ends)++;
		else {
			CHECK(r.duration == 40 && rgb[0] == 0 && rgb[(60 * 160 + 80) * 3 + 1] == 255, "frame %d: green", *frames);
			(*frames)++;
		}
		vplay_sent(p, now_ms());
	}
	struct vplay_stats st;
	vplay_stats(p, &st);
	CHECK(st.frames_sent == (uint64_t)*frames && st.source_ended, "stats: %llu sent", (unsigned long long)st.frames_sent);
	return vplay_close(p, err, errlen);
}

static void test_vplay(void)
{
	char path[] = "/tmp/test_video_XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0, "mkstemp");
	FILE *f = fdopen(fd, "wb");
	fprintf(f, "YUV4MPEG2 W160 H120 F30:1 C420jpeg\n");
	static uint8_t fr[28800];
	/* Full-range-ish green with a black left column. */
	for (int i = 0; i < 19200; i++) fr[i] = (i % 160) < 4 ? 16 : 145;
	memset(fr + 19200, 54, 4800);
	memset(fr + 24000, 34, 4800);
	for (int k = 0; k < 10; k++) {
		fprintf(f, "FRAME\n");
		fwrite(fr, 1, sizeof fr, f);
	}
	fflush(f);
	char err[400] = "";
	int frames, ends;
	uint64_t first;
	CHECK(play(path, NULL, 0, &frames, &ends, &first, err, sizeof err) == 0 && frames == 10 && ends == 1,
	      "vplay: %d frames, %d ends (%s)", frames, ends, err);
	/* A goal beyond the clip: it all goes once the source ends. */
	CHECK(play(path, NULL, 2000, &frames, &ends, &first, err, sizeof err) == 0 && frames == 10 && ends == 1,
	      "vplay, 2 s goal: %d frames", frames);
	/* The shaped source: nothing before its stall is over (a lower bound, never a speed). */
	CHECK(play(path, "150ms:0,rest:full", 0, &frames, &ends, &first, err, sizeof err) == 0 && frames == 10 &&
	      first >= 150, "shaped: %d frames, first at %llu ms", frames, (unsigned long long)first);
	/* Cut short: what came is played, the end is sent, the error is told. */
	fprintf(f, "FRAME\n");
	fwrite(fr, 1, 1000, f);
	fflush(f);
	CHECK(play(path, NULL, 0, &frames, &ends, &first, err, sizeof err) == -1 && frames == 10 && ends == 1 &&
	      strstr(err, "inside frame 11"), "cut: %d frames, \"%s\"", frames, err);
	CHECK(play("/nonexistent.y4m", NULL, 0, &frames, &ends, &first, err, sizeof err) == -2 &&
	      strstr(err, "cannot open"), "missing file: %s", err);
	CHECK(play(path, "fast", 0, &frames, &ends, &first, err, sizeof err) == -2 && strstr(err, "rate profile"),
	      "bad profile: %s", err);
	fclose(f);
	unlink(path);
}

int main(void)
{
	test_y4m_good();
	test_y4m_bad();
	test_y4m_pipe();
	test_durations();
	test_records();
	test_palette();
	test_conv();
	test_vbuf();
	test_shape();
	test_vplay();
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
