/*
 * video_pipe: a video file (or y4m, or - for stdin) through the host's video
 * pipeline — y4m reader, scaling, palette, dither, records — and the records
 * decoded back and checked against what was encoded. Prints one line per
 * frame (record format and size, PSNR against the scaled picture) and a
 * summary; writes the first frames as PPM files when given a directory.
 *   video_pipe IN [--size 320x240] [--ppm DIR] [--frames N] [--min-frames N]
 * SPDX-License-Identifier: MIT
 */
#include "vframe.h"
#include "vsrc.h"
#include "y4m.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void ppm(const char *path, const uint8_t *rgb, int w, int h)
{
	FILE *f = fopen(path, "wb");
	if (!f) { perror(path); return; }
	fprintf(f, "P6\n%d %d\n255\n", w, h);
	fwrite(rgb, 3, (size_t)w * (size_t)h, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	const char *in = NULL, *dir = NULL;
	int w = 160, h = 120, nppm = 4, min_frames = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--size") && i + 1 < argc) {
			if (sscanf(argv[++i], "%dx%d", &w, &h) != 2) return 2;
		} else if (!strcmp(argv[i], "--ppm") && i + 1 < argc) dir = argv[++i];
		else if (!strcmp(argv[i], "--frames") && i + 1 < argc) nppm = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--min-frames") && i + 1 < argc) min_frames = atoi(argv[++i]);
		else in = argv[i];
	}
	if (!in) { fprintf(stderr, "usage: video_pipe IN [--size WxH] [--ppm DIR] [--frames N]\n"); return 2; }
	struct vsrc src;
	if (vsrc_open(&src, in, NULL)) { fprintf(stderr, "video_pipe: %s\n", src.err); return 1; }
	struct y4m_reader r;
	if (y4m_open(&r, src.f, src.name)) {
		if (vsrc_close(&src, 0)) fprintf(stderr, "video_pipe: %s\n", src.err);
		else fprintf(stderr, "video_pipe: %s\n", r.err);
		return 1;
	}
	printf("input %dx%d %s F%u:%u A%u:%u, %zu bytes a frame\n", r.info.width, r.info.height,
	       y4m_chroma_name(r.info.chroma), r.info.fps_num, r.info.fps_den, r.info.par_num, r.info.par_den,
	       r.info.frame_size);
	struct vf_conv c;
	if (vf_conv_init(&c, &r.info, w, h)) { fprintf(stderr, "video_pipe: %s\n", c.err); return 1; }
	c.fmt = -1;                     /* RLE where it is smaller: the sizes docs/video-host.md gives */
	uint8_t *yuv = malloc(r.info.frame_size), *rec = malloc(VF_RECORD_MAX(w, h));
	uint8_t *rgb = malloc((size_t)w * h * 3), *idx = malloc((size_t)w * h);
	int rc, frames = 0, bad = 0, rle = 0;
	size_t total = 0, total_raw = 0;
	double psnr_sum = 0, psnr_min = 1e9;
	uint64_t ticks = 0;
	while ((rc = y4m_read_frame(&r, yuv)) == 1) {
		size_t len = vf_conv_frame(&c, yuv, rec);
		struct vf_record d;
		char err[200];
		long got = vf_decode(rec, len, &d, rgb, (size_t)w * h * 3, idx, err, sizeof err);
		if (got != (long)len || memcmp(idx, c.idx, (size_t)w * h) || d.w != w || d.h != h) {
			printf("frame %d: decodes wrong (%ld of %zu: %s)\n", frames, got, len, got < 0 ? err : "pixels differ");
			bad++;
		}
		double se = 0;
		for (size_t i = 0; i < (size_t)w * h * 3; i++) {
			double e = rgb[i] - c.rgb[i];
			se += e * e;
		}
		double psnr = 10 * log10(255.0 * 255.0 / (se / ((double)w * h * 3) + 1e-12));
		psnr_sum += psnr;
		if (psnr < psnr_min) psnr_min = psnr;
		total += len;
		total_raw += VF_RECORD_MAX(w, h);
		rle += d.format == VF_FMT_RLE;
		ticks += d.duration;
		printf("frame %3d: %s %5zu bytes (raw %zu), %u/1200 s, palette %s, PSNR %.2f dB\n", frames,
		       d.format ? "RLE" : "raw", len, VF_RECORD_MAX(w, h), d.duration, c.palette_kept ? "kept" : "new", psnr);
		if (dir && frames < nppm) {
			char path[4096];
			snprintf(path, sizeof path, "%s/frame%03d.ppm", dir, frames);
			ppm(path, rgb, w, h);
		}
		frames++;
	}
	int failed = vsrc_close(&src, 0);
	if (failed) fprintf(stderr, "video_pipe: %s\n", src.err);
	else if (rc < 0) fprintf(stderr, "video_pipe: %s\n", r.err);
	printf("%d frames, %d RLE, %zu bytes (raw would be %zu: %.1f %%), %.3f s, PSNR mean %.2f min %.2f dB, %d bad\n",
	       frames, rle, total, total_raw, 100.0 * total / (total_raw ? total_raw : 1), ticks / 1200.0,
	       frames ? psnr_sum / frames : 0, psnr_min, bad);
	vf_conv_free(&c);
	free(yuv); free(rec); free(rgb); free(idx);
	return failed || rc < 0 || bad || frames < min_frames ? 1 : 0;
}
