/*
 * `icebuf play` on the virtual iCEBreaker: the real gateware (video_out in
 * icebuf_core) under Verilator, its DVI pins watched by the virtual monitor
 * (sim/video/monitor.cpp), which logs and writes every new picture. The
 * test reads the pictures back and checks them against the host's own
 * rendering of the same records.
 *   vplay CASE DIR
 *     clip    a 10 s clip whose frames carry their numbers (blocks at the top
 *             and the bottom): every frame appears, in order, for exactly
 *             its 2 vsyncs, none torn, pixels as sent, 0 underruns, the end
 *             of stream leaves the last frame without an underrun
 *     stall   the source stops for 300 ms mid-clip: exactly one underrun, the
 *             buffering bar on screen, a higher resume goal, every frame
 *             still shown in order
 *     ber     ffmpeg's testsrc at a bit error rate of 1e-5 on the wire: every
 *             frame arrives intact
 * $ICEBUF_CLI is the icebuf program, $ICEBUF_SIM the iCEBreaker's virtual
 * board; DIR receives the clip, the pictures (DIR/frames) and the logs.
 * SPDX-License-Identifier: MIT
 */
#include "vframe.h"
#include "y4m.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
	printf(__VA_ARGS__); printf("\n"); } else { printf("ok   "); printf(__VA_ARGS__); printf("\n"); } } while (0)

#define PW 160                     /* the picture */
#define PH 120
#define SW 640                     /* the screen: the picture × 4 */
#define SH 480
#define NBITS 10                   /* frame number blocks */
/* 640×480 at 25.125 MHz: 800 × 525 clocks a frame; 30 fps frames last 2. */
#define VSYNC_US (800.0 * 525.0 / 25.125)
/* The buffering bar (rtl/video_scan.v): x 160..479, y 440..455. */
#define BAR_X0 160
#define BAR_X1 480
#define BAR_Y0 440
#define BAR_Y1 456

static void die(const char *what)
{
	printf("FAIL: %s\n", what);
	exit(1);
}

/* ---- the clips ---------------------------------------------------------- */

static int block_x(int i)
{
	return 10 + 15 * i;
}

/* @n frames of 160×120 at 30 fps, 4:2:0: a dark blue ground, a square that
 * moves and changes colour, and the frame number in NBITS blocks (white 1,
 * black 0) at the top and, again, at the bottom. */
static void make_numbered(const char *path, int n)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		die("cannot write the clip");
	fprintf(f, "YUV4MPEG2 W%d H%d F30:1 Ip A1:1 C420jpeg\n", PW, PH);
	static uint8_t y[PW * PH], u[PW * PH / 4], v[PW * PH / 4];
	for (int k = 0; k < n; k++) {
		memset(y, 40, sizeof y);
		memset(u, 160, sizeof u);
		memset(v, 118, sizeof v);
		int sx = 20 + (k * 3) % 110, sy = 40;
		for (int r = sy; r < sy + 40; r++)
			for (int c = sx; c < sx + 30; c++) {
				y[r * PW + c] = 150;
				u[(r / 2) * (PW / 2) + c / 2] = (uint8_t)(64 + (k * 5) % 128);
				v[(r / 2) * (PW / 2) + c / 2] = 200;
			}
		for (int b = 0; b < NBITS; b++) {
			int on = (k >> b) & 1;
			for (int half = 0; half < 2; half++)
				for (int r = 0; r < 16; r++)
					for (int c = 0; c < 14; c++) {
						int yy = (half ? 96 : 8) + r, xx = block_x(b) + c;
						y[yy * PW + xx] = on ? 255 : 0;
						u[(yy / 2) * (PW / 2) + xx / 2] = 128;
						v[(yy / 2) * (PW / 2) + xx / 2] = 128;
					}
		}
		fputs("FRAME\n", f);
		fwrite(y, 1, sizeof y, f);
		fwrite(u, 1, sizeof u, f);
		fwrite(v, 1, sizeof v, f);
	}
	if (fclose(f))
		die("cannot write the clip");
}

static void make_testsrc(const char *path, double secs)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd,
	         "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=30 -t %g -pix_fmt yuv420p "
	         "-f yuv4mpegpipe '%s'", secs, path);
	if (system(cmd) != 0)
		die("ffmpeg could not make the clip (make deps installs it)");
}

/* The host's own rendering of @clip: each frame's record decoded to 4-bit
 * levels × 17, PW × PH × 3 bytes a frame, as `icebuf play` sends them. */
static uint8_t *render(const char *clip, int *frames)
{
	FILE *f = fopen(clip, "rb");
	struct y4m_reader rd;
	if (!f || y4m_open(&rd, f, clip))
		die("cannot read the clip");
	struct vf_conv c;
	if (vf_conv_init(&c, &rd.info, PW, PH))
		die(c.err);
	uint8_t *yuv = malloc(rd.info.frame_size), *rec = malloc(VF_RECORD_MAX(PW, PH)), *out = NULL;
	size_t cap = 0;
	*frames = 0;
	while (y4m_read_frame(&rd, yuv) == 1) {
		if ((size_t)(*frames + 1) * PW * PH * 3 > cap) {
			cap = (cap + PW * PH * 3) * 2;
			out = realloc(out, cap);
		}
		size_t n = vf_conv_frame(&c, yuv, rec);
		struct vf_record r;
		char err[200];
		if (vf_decode(rec, n, &r, out + (size_t)*frames * PW * PH * 3, PW * PH * 3, NULL, err, sizeof err) !=
		    (long)n)
			die("the host cannot decode its own record");
		(*frames)++;
	}
	vf_conv_free(&c);
	free(yuv);
	free(rec);
	fclose(f);
	return out;
}

/* ---- the captured pictures ---------------------------------------------- */

struct shot {
	double t_us;               /* simulated time it appeared */
	char path[512];
	uint8_t *rgb;              /* SW × SH × 3 */
};

static int load_png(const char *path, uint8_t **rgb)
{
	png_image im;
	memset(&im, 0, sizeof im);
	im.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&im, path))
		return -1;
	im.format = PNG_FORMAT_RGB;
	if (im.width != SW || im.height != SH) {
		png_image_free(&im);
		return -1;
	}
	*rgb = malloc(PNG_IMAGE_SIZE(im));
	if (!png_image_finish_read(&im, NULL, *rgb, 0, NULL)) {
		free(*rgb);
		return -1;
	}
	return 0;
}

static struct shot *read_log(const char *log, int *n)
{
	FILE *f = fopen(log, "r");
	if (!f)
		die("no frame log from the virtual monitor");
	struct shot *s = NULL;
	int cap = 0;
	char line[700];
	*n = 0;
	while (fgets(line, sizeof line, f)) {
		double t;
		unsigned long long k;
		char path[512];
		if (sscanf(line, "%lf s frame %llu %511s", &t, &k, path) != 3)
			die("a frame log line that does not parse");
		if (*n == cap) {
			cap = cap ? cap * 2 : 256;
			s = realloc(s, (size_t)cap * sizeof *s);
		}
		s[*n].t_us = t * 1e6;
		snprintf(s[*n].path, sizeof s[*n].path, "%s", path);
		if (load_png(path, &s[*n].rgb))
			die("a PNG of the monitor does not load");
		(*n)++;
	}
	fclose(f);
	return s;
}

static void free_shots(struct shot *s, int n)
{
	for (int i = 0; i < n; i++)
		free(s[i].rgb);
	free(s);
}

static int lum(const uint8_t *px)
{
	return (px[0] * 3 + px[1] * 6 + px[2]) / 10;
}

/* The number in the blocks at picture row @row0, -1 if the blocks are not
 * clean black and white. */
static int number_at(const uint8_t *rgb, int row0)
{
	int v = 0;
	for (int b = 0; b < NBITS; b++) {
		const uint8_t *px = rgb + ((size_t)(row0 + 8) * 4 * SW + (size_t)(block_x(b) + 7) * 4) * 3;
		int l = lum(px);
		if (l > 200)
			v |= 1 << b;
		else if (l > 50)
			return -1;
	}
	return v;
}

static int has_bar(const uint8_t *rgb)
{
	int yellow = 0;
	for (int y = BAR_Y0 + 3; y < BAR_Y1 - 3; y++)
		for (int x = BAR_X0 + 3; x < BAR_X1 - 3; x++) {
			const uint8_t *px = rgb + ((size_t)y * SW + x) * 3;
			yellow += px[0] == 0xFF && px[1] == 0xCC && px[2] == 0x00;
		}
	return yellow > 1000;
}

/* Pixels of screen @rgb that differ from picture @want scaled ×4 (the bar's
 * rectangle left out when @skip_bar). */
static long differ(const uint8_t *rgb, const uint8_t *want, int skip_bar)
{
	long d = 0;
	for (int y = 0; y < SH; y++)
		for (int x = 0; x < SW; x++) {
			if (skip_bar && y >= BAR_Y0 && y < BAR_Y1 && x >= BAR_X0 && x < BAR_X1)
				continue;
			const uint8_t *a = rgb + ((size_t)y * SW + x) * 3, *b = want + ((size_t)(y / 4) * PW + x / 4) * 3;
			d += a[0] != b[0] || a[1] != b[1] || a[2] != b[2];
		}
	return d;
}

static int all_black(const uint8_t *rgb)
{
	for (size_t i = 0; i < (size_t)SW * SH * 3; i++)
		if (rgb[i])
			return 0;
	return 1;
}

/* ---- running icebuf play ------------------------------------------------- */

static char out_buf[1 << 16];

static int play(const char *dir, const char *sim_extra, const char *const *args)
{
	char frames[600], log[600], simargs[1500], err[600];
	snprintf(frames, sizeof frames, "%s/frames", dir);
	snprintf(log, sizeof log, "%s/frames.log", dir);
	snprintf(err, sizeof err, "%s/err.txt", dir);
	mkdir(frames, 0755);
	snprintf(simargs, sizeof simargs, "--fast --stats --frames %s --frame-log %s %s", frames, log, sim_extra);
	setenv("ICEBUF_DEVICE", "sim", 1);
	setenv("ICEBUF_SIM_ARGS", simargs, 1);
	const char *cli = getenv("ICEBUF_CLI");
	if (!cli || !getenv("ICEBUF_SIM"))
		die("ICEBUF_CLI and ICEBUF_SIM must name icebuf and the iCEBreaker's virtual board");
	int pfd[2];
	if (pipe(pfd))
		die("pipe");
	pid_t pid = fork();
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		if (!freopen(err, "w", stderr))
			_exit(127);
		const char *argv[32];
		int n = 0;
		argv[n++] = cli;
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(cli, (char *const *)argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t len = 0;
	ssize_t r;
	while ((r = read(pfd[0], out_buf + len, sizeof out_buf - 1 - len)) > 0)
		len += (size_t)r;
	out_buf[len] = 0;
	close(pfd[0]);
	int status;
	waitpid(pid, &status, 0);
	char cmd[700];
	snprintf(cmd, sizeof cmd, "tail -n 6 '%s'", err);
	printf("---- icebuf play's stderr (end) and summary\n");
	fflush(stdout);
	if (system(cmd) != 0)
		printf("(no stderr)\n");
	printf("%s\n----\n", out_buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static long json_num(const char *key)
{
	char k[64];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(out_buf, k);
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

/* The monitor's line in the simulator's --stats (on icebuf's stderr). */
static void check_monitor(const char *dir)
{
	char err[600], line[600];
	snprintf(err, sizeof err, "%s/err.txt", dir);
	FILE *f = fopen(err, "r");
	int found = 0;
	while (f && fgets(line, sizeof line, f)) {
		unsigned long long fr, nf, bl, bh, bf, bv, ba;
		const char *m = strstr(line, "monitor: frames ");
		if (m && sscanf(m, "monitor: frames %llu (new %llu), bad lines %llu, bad hsync %llu, bad frames %llu, "
		                   "bad vsync %llu, bad active %llu", &fr, &nf, &bl, &bh, &bf, &bv, &ba) == 7) {
			found = 1;
			CHECK(fr > 0 && bl + bh + bf + bv + ba == 0,
			      "the monitor saw %llu frames of 640x480@60 VESA timing, none off (lines %llu, hsync %llu, "
			      "frames %llu, vsync %llu, active %llu)", fr, bl, bh, bf, bv, ba);
		}
	}
	if (f)
		fclose(f);
	CHECK(found, "the virtual board reported its monitor's counts");
}

/* ---- the checks ----------------------------------------------------------- */

/* Walk the captured pictures of a numbered clip of @n frames: returns the
 * number of pictures with the buffering bar; checks order, tearing, pixels
 * and, unless @stalls, each frame's time on screen. */
static int check_sequence(struct shot *s, int ns, const uint8_t *want, int n, int stalls)
{
	int next = 0, torn = 0, order = 0, bad_px = 0, bars = 0, bad_dur = 0, black = 0, worst_k = -1;
	double first_t = -1, prev_t = -1, worst = 0;
	for (int i = 0; i < ns; i++) {
		if (all_black(s[i].rgb) && next == 0) {
			black++;                   /* before the first frame */
			continue;
		}
		int top = number_at(s[i].rgb, 8), bot = number_at(s[i].rgb, 96), bar = has_bar(s[i].rgb);
		bars += bar;
		if (top < 0 || top != bot) {
			torn++;
			printf("     %s: blocks read %d at the top, %d at the bottom\n", s[i].path, top, bot);
			continue;
		}
		if (top == next - 1 && bar)
			continue;                  /* the last frame under the bar */
		if (top != next) {
			order++;
			printf("     %s: frame %d where %d was due\n", s[i].path, top, next);
			next = top;
		}
		if (top < n && differ(s[i].rgb, want + (size_t)top * PW * PH * 3, bar) != 0)
			bad_px++;
		if (prev_t >= 0) {
			double d = s[i].t_us - prev_t, e = d - 2 * VSYNC_US;
			if (!stalls && (e > 2 || e < -2))
				bad_dur++;
			if (e > worst || -e > worst) {
				worst = e > 0 ? e : -e;
				worst_k = top;
			}
		} else {
			first_t = s[i].t_us;
		}
		prev_t = s[i].t_us;
		next = top + 1;
	}
	CHECK(next == n && order == 0, "all %d frames appeared in order (the last seen: %d, out of order: %d)", n,
	      next - 1, order);
	CHECK(torn == 0, "no picture torn or unreadable (%d)", torn);
	CHECK(bad_px == 0, "every frame's pixels are those the host sent (%d differ)", bad_px);
	if (!stalls)
		CHECK(bad_dur == 0 && bars == 0,
		      "each frame on screen for 2 vsyncs = %.1f us, +-2 us (off: %d; worst %.1f us at frame %d), "
		      "no buffering bar (%d)", 2 * VSYNC_US, bad_dur, worst, worst_k, bars);
	printf("     %d pictures: %d black before the first frame, frames from %.3f s to %.3f s\n", ns, black,
	       first_t / 1e6, prev_t / 1e6);
	return bars;
}

static void test_clip(const char *dir)
{
	char clip[600], log[600];
	snprintf(clip, sizeof clip, "%s/numbered.y4m", dir);
	snprintf(log, sizeof log, "%s/frames.log", dir);
	const int n = 300;
	make_numbered(clip, n);
	int nf;
	uint8_t *want = render(clip, &nf);
	if (nf != n)
		die("the clip has the wrong number of frames");
	int rc = play(dir, "", (const char *const[]){ "play", clip, "--json", NULL });
	CHECK(rc == 0, "icebuf play exits 0 (%d)", rc);
	CHECK(json_num("frames_shown") == n && json_num("underruns") == 0 && strstr(out_buf, "\"state\":\"ended\""),
	      "the board showed %ld of %d frames, %ld underruns, and ended", json_num("frames_shown"), n,
	      json_num("underruns"));
	int ns;
	struct shot *s = read_log(log, &ns);
	check_sequence(s, ns, want, n, 0);
	/* The end: the last frame stays, with no bar. */
	CHECK(ns > 0 && number_at(s[ns - 1].rgb, 8) == n - 1 && !has_bar(s[ns - 1].rgb),
	      "the end of stream leaves the last frame on screen, no buffering bar");
	check_monitor(dir);
	free_shots(s, ns);
	free(want);
}

static void test_stall(const char *dir)
{
	char clip[600], log[600];
	snprintf(clip, sizeof clip, "%s/numbered.y4m", dir);
	snprintf(log, sizeof log, "%s/frames.log", dir);
	const int n = 90;
	make_numbered(clip, n);
	int nf;
	uint8_t *want = render(clip, &nf);
	int rc = play(dir, "", (const char *const[]){ "play", clip, "--prebuffer", "0", "--shape",
	                                             "1s:30fps,300ms:0,rest:30fps", "--json", NULL });
	CHECK(rc == 0, "icebuf play exits 0 (%d)", rc);
	CHECK(json_num("frames_shown") == n && json_num("underruns") == 1,
	      "a 300 ms stall of the source: %ld of %d frames shown, %ld underrun (1 wanted)",
	      json_num("frames_shown"), n, json_num("underruns"));
	CHECK(json_num("resume_goal") > json_num("resume_base") && json_num("resume_base") > 0,
	      "the resume goal rose from %ld to %ld", json_num("resume_base"), json_num("resume_goal"));
	int ns;
	struct shot *s = read_log(log, &ns);
	int bars = check_sequence(s, ns, want, n, 1);
	CHECK(bars > 0, "the buffering bar was on screen (%d pictures)", bars);
	check_monitor(dir);
	free_shots(s, ns);
	free(want);
}

static void test_ber(const char *dir)
{
	char clip[600], log[600];
	snprintf(clip, sizeof clip, "%s/testsrc.y4m", dir);
	snprintf(log, sizeof log, "%s/frames.log", dir);
	make_testsrc(clip, 2);
	int n;
	uint8_t *want = render(clip, &n);
	int rc = play(dir, "--ber 1e-5", (const char *const[]){ "play", clip, "--json", NULL });
	CHECK(rc == 0, "icebuf play exits 0 (%d)", rc);
	/* Retransmissions take the line's time: underruns may come, and are
	 * counted; the frames must not suffer. */
	CHECK(json_num("frames_shown") == n && json_num("retransmits") > 0,
	      "at a bit error rate of 1e-5: %ld of %d frames shown, %ld retransmissions, %ld underruns",
	      json_num("frames_shown"), n, json_num("retransmits"), json_num("underruns"));
	int ns;
	struct shot *s = read_log(log, &ns);
	/* testsrc changes every frame: after the black pictures come the
	 * frames, one picture each, in order; under the buffering bar (an
	 * underrun) the last one stays. */
	int i = 0, k = 0, bad = 0, bars = 0;
	while (i < ns && all_black(s[i].rgb))
		i++;
	for (; i < ns; i++) {
		if (has_bar(s[i].rgb) && k > 0) {
			bars++;
			bad += differ(s[i].rgb, want + (size_t)(k - 1) * PW * PH * 3, 1) != 0;
			continue;
		}
		if (k < n)
			bad += differ(s[i].rgb, want + (size_t)k * PW * PH * 3, 0) != 0;
		k++;
	}
	CHECK(k == n && bad == 0, "all %d frames on screen as the host rendered them (%d seen, %d differ; %d "
	      "pictures under the buffering bar)", n, k, bad, bars);
	check_monitor(dir);
	free_shots(s, ns);
	free(want);
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc != 3) {
		fprintf(stderr, "usage: vplay clip|stall|ber DIR\n");
		return 2;
	}
	const char *c = argv[1], *dir = argv[2];
	char cmd[700];
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", dir, dir);
	if (system(cmd) != 0)
		die("cannot make the test's directory");
	if (!strcmp(c, "clip"))
		test_clip(dir);
	else if (!strcmp(c, "stall"))
		test_stall(dir);
	else if (!strcmp(c, "ber"))
		test_ber(dir);
	else {
		fprintf(stderr, "vplay: unknown case '%s'\n", c);
		return 2;
	}
	printf("%s\n", failures ? "FAILED" : "all ok");
	return failures ? 1 : 0;
}
