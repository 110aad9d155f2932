/*
 * `icebuf play` against a fake board: a process speaking the link protocol
 * with FEATURES = VIDEO (or without it), that takes channel-3 records under
 * its credit (a 128 KiB ring, as the gateware's), parses them with the
 * host's own decoder, plays them at 60 vsyncs a second like
 * rtl/video_player.v (start and resume thresholds, underruns, end of
 * stream, flush) and answers the video window's registers.
 *   play CASE DIR      CASE: clip | novideo | errors | stall | interrupt
 * $ICEBUF_CLI is the icebuf program; DIR holds the clip and the logs.
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"
#include "fakeboard.h"
#include "icebuf.h"
#include "vframe.h"
#include "y4m.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- the fake board ---------------------------------------------------- */

#define RING 131072u
#define MTU 1024u
#define WINDOW 8u
#define QMAX 4096

struct fake {
	int video;
	FILE *dump;                      /* every channel-3 byte accepted, in order */
	struct fb_link l;
	uint8_t *pend;                   /* bytes of the record arriving */
	size_t pend_len;
	struct { uint8_t *p; size_t len; int eos; uint16_t dur; } q[QMAX];
	size_t qh, qn, q_bytes;
	size_t shown_len;
	int state, paused, showing;
	uint32_t ph, dur;
	uint32_t frames, underruns, stalled, late, vsyncs, ends, bad, refused, startup, startup_run;
	int startup_on;
	uint32_t start, resume_base, resume_cur, step, calm, calm_cnt;
	uint32_t lvl_min, lvl_max;
	uint32_t eos_queued;
	uint32_t rx_refused;
};

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static uint32_t credit3(const struct fake *f)
{
	size_t used = f->q_bytes + f->shown_len + f->pend_len;
	return used >= RING ? 0 : (uint32_t)(RING - used);
}

static uint32_t capacity(const struct fake *f)
{
	if (!f->shown_len)
		return 255;
	size_t c = (RING - f->shown_len) / f->shown_len;
	return c > 255 ? 255 : (uint32_t)c;
}

static uint32_t lvl8(const struct fake *f)
{
	return f->qn > 255 ? 255 : (uint32_t)f->qn;
}

static void take(struct fake *f, uint32_t ph, int resume)
{
	uint8_t *p = f->q[f->qh].p;
	int eos = f->q[f->qh].eos;
	uint16_t dur = f->q[f->qh].dur;
	f->q_bytes -= f->q[f->qh].len;
	size_t len = f->q[f->qh].len;
	f->qh = (f->qh + 1) % QMAX;
	f->qn--;
	free(p);
	if (eos) {
		f->eos_queued--;
		f->state = ICEBUF_VIDEO_ENDED;
		f->ends++;
		return;
	}
	int was_idle = f->state == ICEBUF_VIDEO_IDLE || f->state == ICEBUF_VIDEO_ENDED;
	f->shown_len = len;
	f->showing = 1;
	f->state = ICEBUF_VIDEO_PLAY;
	f->dur = dur;
	f->ph = ph;
	f->frames++;
	if (ph >= dur)
		f->late++;
	if (f->startup_on && resume && was_idle) {
		f->startup_on = 0;
		f->startup = f->startup_run;
	}
}

static void vsync(struct fake *f)
{
	f->vsyncs++;
	if (f->startup_on)
		f->startup_run++;
	if (f->paused)
		return;
	uint32_t cap = capacity(f), cap_m1 = cap ? cap - 1 : 0;
	uint32_t start_eff = f->start > cap ? cap : f->start;
	uint32_t resume_eff = f->resume_cur > cap_m1 ? cap_m1 : f->resume_cur;
	int start_ok = f->qn && (f->eos_queued || lvl8(f) >= start_eff);
	int resume_ok = f->qn && (f->eos_queued || lvl8(f) >= resume_eff);
	switch (f->state) {
	case ICEBUF_VIDEO_IDLE:
	case ICEBUF_VIDEO_ENDED:
		if (start_ok)
			take(f, 0, 1);
		break;
	case ICEBUF_VIDEO_PLAY:
		if (f->calm && f->calm_cnt >= f->calm) {
			f->calm_cnt = 0;
			f->resume_cur = f->resume_cur > f->resume_base + f->step ? f->resume_cur - f->step : f->resume_base;
		} else {
			f->calm_cnt++;
		}
		if (f->ph + 20 >= f->dur) {
			if (f->qn) {
				take(f, f->ph + 20 - f->dur, 0);
			} else {
				f->state = ICEBUF_VIDEO_BUFFERING;
				f->ph = f->dur;
				f->underruns++;
				f->calm_cnt = 0;
				uint32_t raised = f->resume_cur + f->step;
				f->resume_cur = raised > cap_m1 ? cap_m1 : raised;
			}
		} else {
			f->ph += 20;
		}
		break;
	default:
		f->stalled++;
		if (resume_ok)
			take(f, 0, 1);
		break;
	}
	if (lvl8(f) > f->lvl_max)
		f->lvl_max = lvl8(f);
	if (f->state == ICEBUF_VIDEO_PLAY && lvl8(f) < f->lvl_min)
		f->lvl_min = lvl8(f);
}

/* Channel-3 bytes: into the record arriving; whole records queue. */
static void video_bytes(struct fake *f, const uint8_t *p, size_t n)
{
	fwrite(p, 1, n, f->dump);
	fflush(f->dump);                 /* the test may kill this board as soon as the CLI exits */
	memcpy(f->pend + f->pend_len, p, n);
	f->pend_len += n;
	for (;;) {
		struct vf_record r;
		char err[200];
		static uint8_t rgb[320 * 240 * 3];
		long l = vf_decode(f->pend, f->pend_len, &r, rgb, sizeof rgb, NULL, err, sizeof err);
		if (l == 0)
			return;
		if (l < 0) {
			fprintf(stderr, "fake board: a bad record: %s\n", err);
			f->bad++;
			f->pend_len = 0;
			return;
		}
		if (f->qn == 0 && f->eos_queued == 0 && !f->startup_on &&
		    (f->state == ICEBUF_VIDEO_IDLE || f->state == ICEBUF_VIDEO_ENDED)) {
			f->startup_on = 1;
			f->startup_run = 0;
		}
		size_t t = (f->qh + f->qn) % QMAX;
		f->q[t].p = malloc((size_t)l);
		memcpy(f->q[t].p, f->pend, (size_t)l);
		f->q[t].len = (size_t)l;
		f->q[t].eos = r.magic == VF_MAGIC_END;
		f->q[t].dur = r.duration;
		f->eos_queued += (uint32_t)f->q[t].eos;
		f->qn++;
		f->q_bytes += (size_t)l;
		memmove(f->pend, f->pend + l, f->pend_len - (size_t)l);
		f->pend_len -= (size_t)l;
	}
}

/* The video window's registers (f->video, @a one of them). */
static uint32_t vid_reg(struct fake *f, uint8_t a)
{
	uint32_t cap = capacity(f), cap_m1 = cap ? cap - 1 : 0;
	switch (a) {
	case ICEBUF_REG_VID_CTRL:
		return (uint32_t)f->qn << 16 | (uint32_t)f->showing << 4 | (uint32_t)f->paused << 3 | (uint32_t)f->state;
	case ICEBUF_REG_VID_FRAMES: return f->frames & 0xFFFF;       /* 16 bits, as the board's */
	case ICEBUF_REG_VID_UNDERRUNS: return f->underruns & 0xFFFF;
	case ICEBUF_REG_VID_STALLED: return f->stalled & 0xFFFF;
	case ICEBUF_REG_VID_LATE: return f->late & 0xFFFF;
	case ICEBUF_REG_VID_LEVEL: return cap << 24 | f->lvl_max << 16 | (f->lvl_min & 0xFF) << 8 | lvl8(f);
	case ICEBUF_REG_VID_START: return f->start;
	case ICEBUF_REG_VID_RESUME:
		return (f->resume_cur > cap_m1 ? cap_m1 : f->resume_cur) << 16 | f->resume_cur << 8 | f->resume_base;
	case ICEBUF_REG_VID_ADAPT: return f->calm << 16 | f->step;
	case ICEBUF_REG_VID_STARTUP: return f->startup > 0xFFFF ? 0xFFFF : f->startup;
	case ICEBUF_REG_VID_VSYNCS: return f->vsyncs & 0xFFFF;
	case ICEBUF_REG_VID_ERRORS: return f->refused << 16 | f->bad;
	default: return f->ends & 0xFFFF;
	}
}

static int freg(void *ctx, uint8_t a, uint32_t *v)
{
	struct fake *f = ctx;
	const struct fb_ident id = { .board = f->video ? 2 : 1, .clk_hz = 25125000, .baud = 12000000, .mtu = MTU,
	                             .window = WINDOW, .channels = f->video ? 4u : 2u, .stream_depth = 8192 };
	if (fb_ident_reg(&id, a, v))
		return 1;
	switch (a) {
	case ICEBUF_REG_FEATURES: *v = f->video ? ICEBUF_FEAT_VIDEO : 0; return 1;
	case ICEBUF_REG_SCRATCH: case ICEBUF_REG_STREAM_LEVEL: *v = 0; return 1;
	}
	if (!f->video || a < ICEBUF_REG_VID_CTRL || a > ICEBUF_REG_VID_ENDS)
		return 0;
	*v = vid_reg(f, a);
	return 1;
}

static uint8_t fwrite_reg(void *ctx, uint8_t a, uint32_t v)
{
	struct fake *f = ctx;
	if (!f->video || a < ICEBUF_REG_VID_CTRL || a > ICEBUF_REG_VID_ENDS)
		return a == ICEBUF_REG_SCRATCH ? 0x82 : 0xE1;
	switch (a) {
	case ICEBUF_REG_VID_CTRL:
		if (v & ICEBUF_VIDEO_PAUSE) f->paused = 1;
		if (v & ICEBUF_VIDEO_RESUME) f->paused = 0;
		if (v & ICEBUF_VIDEO_FLUSH) {
			while (f->qn) {
				free(f->q[f->qh].p);
				f->qh = (f->qh + 1) % QMAX;
				f->qn--;
			}
			f->q_bytes = 0;
			f->eos_queued = 0;
			f->shown_len = 0;
			f->showing = 0;
			f->state = ICEBUF_VIDEO_IDLE;
			f->startup_on = 0;
			fprintf(f->dump == stdout ? stderr : stderr, "fake board: flushed\n");
			FILE *m = fopen(getenv("PLAY_FLUSH_MARK") ? getenv("PLAY_FLUSH_MARK") : "/dev/null", "w");
			if (m) fclose(m);
		}
		return 0x82;
	case ICEBUF_REG_VID_START: f->start = v & 0xFF; return 0x82;
	case ICEBUF_REG_VID_RESUME: f->resume_base = f->resume_cur = v & 0xFF; return 0x82;
	case ICEBUF_REG_VID_ADAPT: f->step = v & 0xFF; f->calm = v >> 16; return 0x82;
	default: return 0xE2;
	}
}

static void fake_run(void *ctx, int fd)
{
	struct fake *f = ctx;
	const struct fb_regs regs = { freg, fwrite_reg, f };
	struct ib_frame fr;
	fb_link_attach(&f->l, fd);
	double next_vsync = mono_ms() + 1000.0 / 60, next_keep = mono_ms() + 5;
	uint32_t last_credit = 0;
	for (;;) {
		double now = mono_ms();
		double wake = next_vsync < next_keep ? next_vsync : next_keep;
		struct pollfd pf = { fd, POLLIN, 0 };
		int pr = poll(&pf, 1, wake > now ? (int)(wake - now) + 1 : 0);
		now = mono_ms();
		while (now >= next_vsync) {
			vsync(f);
			next_vsync += 1000.0 / 60;
		}
		if (now >= next_keep || credit3(f) != last_credit) {
			next_keep = now + 5;
			last_credit = credit3(f);
			if (fb_send(&f->l, IB_T_ACK, 0, f->video ? 3 : 1, f->video ? last_credit : 8192, NULL, 0))
				break;
		}
		if (pr <= 0)
			continue;
		if (fb_read(&f->l) <= 0)
			break;
		while (fb_next(&f->l, &fr)) {
			if (fr.type == IB_T_SYNC) {
				if (fb_sync(&f->l) ||
				    fb_send(&f->l, IB_T_ACK, 0, f->video ? 3 : 1, f->video ? credit3(f) : 8192, NULL, 0))
					goto out;
				continue;
			}
			if (fr.type != IB_T_DATA)
				continue;
			if (fr.seq != f->l.expect) {
				if (fb_send(&f->l, IB_T_ACK, 0, 0, 1024, NULL, 0))
					goto out;
				continue;
			}
			if (fr.chan == ICEBUF_CHAN_VIDEO && f->video) {
				if (fr.len > credit3(f)) {
					f->rx_refused++;
					f->refused += (uint32_t)fr.len;
					continue;
				}
				f->l.expect++;
				video_bytes(f, fr.payload, fr.len);
				last_credit = credit3(f);
				if (fb_send(&f->l, IB_T_ACK, 0, 3, last_credit, NULL, 0))
					goto out;
			} else if (fr.chan == ICEBUF_CHAN_CONTROL) {
				f->l.expect++;
				if (fb_control(&f->l, &fr, &regs))
					goto out;
			}
			/* other channels: dropped (a bad frame for this board) */
		}
	}
out:
	fflush(f->dump);
}

static struct fakeboard board;

/* A fake board serving one client after another (each play is one
 * session), channel 3's bytes into @dump_path. */
static void fake_start(int video, const char *dump_path)
{
	static struct fake f;
	memset(&f, 0, sizeof f);
	fb_link_init(&f.l);
	f.video = video;
	f.start = 4; f.resume_base = f.resume_cur = 8; f.step = 2; f.calm = 600; f.lvl_min = 255;
	/* The board's counters are 16 bits and wrap (the host extends
	 * them): start them short of a wrap, so every case crosses one. */
	f.frames = 65536 - 20; f.vsyncs = 65536 - 90; f.stalled = 65536 - 5;
	/* Both the board's own (fork copies them); the file is empty before
	 * the CLI can look at it. */
	f.pend = malloc(RING);
	f.dump = fopen(dump_path, "wb");
	if (!f.pend || !f.dump) {
		perror(dump_path);
		exit(1);
	}
	fb_start(&board, 0, fake_run, &f);
	fclose(f.dump);
	free(f.pend);
}

static void fake_stop(void)
{
	fb_stop(&board);
}

/* ---- running the CLI ----------------------------------------------------- */

static const char *cli(void)
{
	const char *s = getenv("ICEBUF_CLI");
	return s && *s ? s : "build/bin/icebuf";
}

static char out_buf[65536], err_buf[65536];

/* With run()'s @sig_at set: SIGINT once the board has received this many
 * bytes (in this file), or after 60 s. */
static const char *sig_dump;

/* Run icebuf --device DEV ARGS..., stdout and stderr kept; @sig_at > 0 sends
 * SIGINT once the board has @sig_at bytes (a machine under load may take
 * long to start). Returns the exit status (128 + sig if killed by a signal). */
static int run(const char *dir, long sig_at, const char *const *args)
{
	char outp[600], errp[600];
	snprintf(outp, sizeof outp, "%s/out.txt", dir);
	snprintf(errp, sizeof errp, "%s/err.txt", dir);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		if (!freopen(outp, "w", stdout) || !freopen(errp, "w", stderr))
			_exit(127);
		const char *argv[32] = { cli(), "--device", board.dev };
		int n = 3;
		for (int i = 0; args[i] && n < 31; i++)
			argv[n++] = args[i];
		argv[n] = NULL;
		execv(cli(), (char *const *)argv);
		_exit(127);
	}
	int status;
	if (sig_at > 0) {
		for (int i = 0; i < 1200; i++) {
			FILE *d = fopen(sig_dump, "rb");
			long sz = -1;
			if (d && !fseek(d, 0, SEEK_END))
				sz = ftell(d);
			if (d) fclose(d);
			if (sz >= sig_at)
				break;
			usleep(50000);
		}
		kill(pid, SIGINT);
	}
	waitpid(pid, &status, 0);
	FILE *f = fopen(outp, "r");
	size_t n = f ? fread(out_buf, 1, sizeof out_buf - 1, f) : 0;
	out_buf[n] = 0;
	if (f) fclose(f);
	f = fopen(errp, "r");
	n = f ? fread(err_buf, 1, sizeof err_buf - 1, f) : 0;
	err_buf[n] = 0;
	if (f) fclose(f);
	printf("  $ icebuf --device %s", board.dev);
	for (int i = 0; args[i]; i++)
		printf(" %s", args[i]);
	printf("\n  stdout: %s  stderr (last line): %s\n", out_buf,
	       strrchr(err_buf, '\r') ? strrchr(err_buf, '\r') + 1 : err_buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void make_clip(const char *path, const char *size, double secs)
{
	char cmd[1200];
	snprintf(cmd, sizeof cmd,
	         "ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=%s:rate=30 -t %g -pix_fmt yuv420p "
	         "-f yuv4mpegpipe '%s'", size, secs, path);
	if (system(cmd) != 0) {
		printf("FAIL: ffmpeg could not make the clip (make deps installs it): %s\n", cmd);
		exit(1);
	}
}

/* The host's own encoding of @clip at @w x @h: the records, concatenated. */
static uint8_t *encode(const char *clip, int w, int h, size_t *len, int *frames)
{
	FILE *f = fopen(clip, "rb");
	struct y4m_reader rd;
	if (!f || y4m_open(&rd, f, clip)) {
		printf("FAIL: cannot read %s\n", clip);
		exit(1);
	}
	struct vf_conv c;
	if (vf_conv_init(&c, &rd.info, w, h)) {
		printf("FAIL: %s\n", c.err);
		exit(1);
	}
	uint8_t *yuv = malloc(rd.info.frame_size), *out = NULL;
	size_t n = 0, cap = 0;
	*frames = 0;
	while (y4m_read_frame(&rd, yuv) == 1) {
		if (n + VF_RECORD_MAX(w, h) > cap) {
			cap = (cap + VF_RECORD_MAX(w, h)) * 2;
			out = realloc(out, cap);
		}
		n += vf_conv_frame(&c, yuv, out + n);
		(*frames)++;
	}
	out = realloc(out, n + VF_HDR_LEN);
	n += vf_end_record(out + n);
	vf_conv_free(&c);
	free(yuv);
	fclose(f);
	*len = n;
	return out;
}

static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = NULL;
	size_t n = 0, cap = 0;
	if (f) {
		for (;;) {
			if (n == cap) p = realloc(p, cap = cap ? cap * 2 : 65536);
			size_t r = fread(p + n, 1, cap - n, f);
			if (!r) break;
			n += r;
		}
		fclose(f);
	}
	*len = n;
	return p;
}

/* Compare what the board received with the host's own encoding, record by
 * record. */
static void compare(const char *what, const uint8_t *got, size_t gl, const uint8_t *want, size_t wl, int frames)
{
	size_t go = 0, wo = 0;
	int n = 0, same = 0, ends = 0;
	static uint8_t rgb[320 * 240 * 3];
	while (go < gl) {
		struct vf_record r;
		char err[200];
		long l = vf_decode(got + go, gl - go, &r, rgb, sizeof rgb, NULL, err, sizeof err);
		if (l <= 0) {
			CHECK(0, "%s: record %d at byte %zu does not decode: %s", what, n, go, l < 0 ? err : "cut short");
			return;
		}
		struct vf_record rw;
		long lw = wo < wl ? vf_decode(want + wo, wl - wo, &rw, rgb, sizeof rgb, NULL, err, sizeof err) : -1;
		if (lw == l && !memcmp(got + go, want + wo, (size_t)l))
			same++;
		else if (same == n)
			printf("  %s: record %d differs from the host's encoding\n", what, n);
		if (r.magic == VF_MAGIC_END)
			ends++;
		n++;
		go += (size_t)l;
		wo += lw > 0 ? (size_t)lw : 0;
	}
	CHECK(n == frames + 1 && same == n && ends == 1 && gl == wl,
	      "%s: the board received %d records (%d frames + the end of stream), %d equal to the host's own "
	      "encoding in order, %zu of %zu bytes", what, n, frames, same, gl, wl);
}

static long json_num(const char *key)
{
	char k[80];
	snprintf(k, sizeof k, "\"%s\":", key);
	const char *p = strstr(out_buf, k);
	return p ? strtol(p + strlen(k), NULL, 10) : -1;
}

static void test_clip(const char *dir)
{
	char clip[600], dump[600];
	snprintf(clip, sizeof clip, "%s/testsrc.y4m", dir);
	snprintf(dump, sizeof dump, "%s/received.bin", dir);
	make_clip(clip, "320x240", 2);
	int frames;
	size_t wl, gl;
	uint8_t *want = encode(clip, 160, 120, &wl, &frames);
	fake_start(1, dump);
	int rc = run(dir, 0, (const char *const[]){ "play", clip, "--json", NULL });
	CHECK(rc == 0, "play of a 2 s testsrc clip exits 0 (got %d)", rc);
	CHECK(strstr(out_buf, "\"result\":\"ended\"") && strstr(out_buf, "\"state\":\"ended\""),
	      "the JSON says ended, the board's player too");
	CHECK(json_num("frames_sent") == 60 && json_num("frames_shown") == 60 && json_num("underruns") == 0 &&
	      json_num("ends") == 1, "60 frames sent, 60 shown, 0 underruns, 1 end (JSON: %ld, %ld, %ld, %ld)",
	      json_num("frames_sent"), json_num("frames_shown"), json_num("underruns"), json_num("ends"));
	CHECK(strstr(err_buf, "play: ") && strstr(err_buf, "frames sent, board"), "progress on stderr");
	CHECK(strstr(err_buf, "play: ended: 60 frames sent, 60 shown, 0 underruns"), "the summary line");
	fake_stop();
	uint8_t *got = slurp(dump, &gl);
	compare("160x120", got, gl, want, wl, frames);
	free(got);
	free(want);

	/* 320x240, from standard input, through a shell pipe. */
	want = encode(clip, 320, 240, &wl, &frames);
	fake_start(1, dump);
	char cmd[1600];
	snprintf(cmd, sizeof cmd, "'%s' --device %s play - --size 320x240 --quiet < '%s' > '%s/out.txt' 2>'%s/err.txt'",
	         cli(), board.dev, clip, dir, dir);
	rc = system(cmd);
	CHECK(rc == 0, "play - --size 320x240 from standard input exits 0 (got %d)", rc);
	fake_stop();
	got = slurp(dump, &gl);
	compare("320x240", got, gl, want, wl, frames);
	free(got);
	free(want);
}

static void test_novideo(const char *dir)
{
	char clip[600], dump[600];
	snprintf(clip, sizeof clip, "%s/short.y4m", dir);
	snprintf(dump, sizeof dump, "%s/received.bin", dir);
	make_clip(clip, "160x120", 0.2);
	fake_start(0, dump);
	int rc = run(dir, 0, (const char *const[]){ "play", clip, NULL });
	CHECK(rc == 1, "play on a board without VIDEO exits 1 (got %d)", rc);
	CHECK(strstr(err_buf, "this gateware has no video: the iCEstick has no memory for frames; program an "
	                      "iCEBreaker bitstream built with VIDEO=1") != NULL, "it says why and what to do");
	fake_stop();
	size_t gl;
	free(slurp(dump, &gl));
	CHECK(gl == 0, "nothing went to channel 3 (%zu bytes)", gl);
}

static void test_errors(const char *dir)
{
	char clip[600], bad[600], cut[600], dump[600];
	snprintf(clip, sizeof clip, "%s/short.y4m", dir);
	snprintf(bad, sizeof bad, "%s/bad.y4m", dir);
	snprintf(cut, sizeof cut, "%s/cut.y4m", dir);
	snprintf(dump, sizeof dump, "%s/received.bin", dir);
	make_clip(clip, "160x120", 0.2);
	FILE *f = fopen(bad, "w");
	fputs("YUV4MPEG2 W160 H120 Fx:1 Ip\nFRAME\n", f);
	fclose(f);
	/* A clip cut inside its 4th frame: 3 frames play, then the error. */
	size_t n;
	uint8_t *c = slurp(clip, &n);
	f = fopen(cut, "wb");
	size_t hdr = (size_t)((uint8_t *)memmem(c, n, "FRAME", 5) - c);
	fwrite(c, 1, hdr + 3 * (6 + 28800) + 1000, f);
	fclose(f);
	free(c);
	fake_start(1, dump);
	static const struct { const char *args[8]; int rc; const char *msg; } cases[] = {
		{ { "play", "/nonexistent/clip.y4m" }, 2, "cannot open '/nonexistent/clip.y4m'" },
		{ { "play" }, 2, "wants one FILE" },
		{ { "play", "a", "b" }, 2, "too many arguments" },
		{ { "play", "x", "--size", "640x480" }, 2, "--size is 160x120 or 320x240, not '640x480'" },
		{ { "play", "x", "--prebuffer", "-5" }, 2, "--prebuffer wants milliseconds" },
		{ { "play", "x", "--start", "0" }, 2, "--start wants a count of frames from 1 to 255" },
		{ { "play", "x", "--resume", "300" }, 2, "--resume wants a count of frames from 1 to 255" },
		{ { "play", "x", "--shape", "fast" }, 2, "--shape 'fast'" },
		{ { "play", "x", "--frobnicate" }, 2, "unknown or incomplete option '--frobnicate'" },
		{ { "play", NULL }, 2, "" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (!cases[i].args[1] && i == sizeof cases / sizeof cases[0] - 1)
			break;
		int rc = run(dir, 0, cases[i].args);
		CHECK(rc == cases[i].rc && strstr(err_buf, cases[i].msg), "%s %s: exit %d (got %d), says \"%s\"",
		      cases[i].args[1] ? cases[i].args[1] : "", cases[i].args[2] ? cases[i].args[2] : "", cases[i].rc,
		      rc, cases[i].msg);
	}
	int rc = run(dir, 0, (const char *const[]){ "play", bad, NULL });
	CHECK(rc == 1 && strstr(err_buf, "bad.y4m"), "a bad y4m header: exit 1 (got %d), the message names the file",
	      rc);
	rc = run(dir, 0, (const char *const[]){ "play", cut, "--json", NULL });
	CHECK(rc == 1 && strstr(err_buf, "ends inside frame 4") && json_num("frames_shown") == 3 &&
	      strstr(out_buf, "\"error\":"), "a clip cut inside frame 4: the 3 whole frames played, then exit 1 "
	      "(got %d) with the reader's error (shown %ld)", rc, json_num("frames_shown"));
	rc = run(dir, 0, (const char *const[]){ "play", clip, "--start", "2", "--resume", "5", "--json", NULL });
	CHECK(rc == 0 && json_num("start") == 2 && json_num("resume_base") == 5,
	      "--start 2 --resume 5 are written to the board (it reads back %ld, %ld)", json_num("start"),
	      json_num("resume_base"));
	fake_stop();
}

/* The source stalls 1 s after 1 s with nothing prebuffered: the board
 * underruns, the host counts a stall and raises its goal. */
static void test_stall(const char *dir)
{
	char clip[600], dump[600];
	snprintf(clip, sizeof clip, "%s/testsrc.y4m", dir);
	snprintf(dump, sizeof dump, "%s/received.bin", dir);
	make_clip(clip, "320x240", 2);
	fake_start(1, dump);
	int rc = run(dir, 0, (const char *const[]){ "play", clip, "--prebuffer", "0", "--shape",
	                                             "1s:30fps,1s:0,rest:30fps", "--json", NULL });
	CHECK(rc == 0 && json_num("frames_shown") == 60, "a stalled source: all 60 frames shown (exit %d)", rc);
	CHECK(json_num("underruns") >= 1 && json_num("stalls") >= 1 && json_num("goal_ms") >= 2000,
	      "the board underran (%ld), the host counted a stall (%ld) and raised its goal from 0 to %ld ms",
	      json_num("underruns"), json_num("stalls"), json_num("goal_ms"));
	fake_stop();
}

/* SIGINT mid-play: the record in progress is finished, the queue flushed. */
static void test_interrupt(const char *dir)
{
	char clip[600], dump[600], mark[600];
	snprintf(clip, sizeof clip, "%s/long.y4m", dir);
	snprintf(dump, sizeof dump, "%s/received.bin", dir);
	snprintf(mark, sizeof mark, "%s/flushed", dir);
	unlink(mark);
	setenv("PLAY_FLUSH_MARK", mark, 1);
	make_clip(clip, "160x120", 10);
	fake_start(1, dump);
	sig_dump = dump;
	int rc = run(dir, 50000, (const char *const[]){ "play", clip, "--json", NULL });
	CHECK(rc == 128 + SIGINT, "SIGINT: exit 130 (got %d)", rc);
	CHECK(strstr(out_buf, "\"result\":\"interrupted\"") && strstr(err_buf, "the board's queue was flushed"),
	      "it says the board's queue was flushed");
	CHECK(access(mark, F_OK) == 0, "the board saw the flush");
	fake_stop();
	size_t gl, go = 0;
	uint8_t *got = slurp(dump, &gl);
	int n = 0, bad = 0;
	static uint8_t rgb[160 * 120 * 3];
	while (go < gl) {
		struct vf_record r;
		char err[200];
		long l = vf_decode(got + go, gl - go, &r, rgb, sizeof rgb, NULL, err, sizeof err);
		if (l <= 0) { bad = 1; break; }
		go += (size_t)l;
		n++;
	}
	CHECK(!bad && n > 0 && n < 300, "what reached the board is %d whole records, none cut", n);
	free(got);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: play clip|novideo|errors|stall|interrupt DIR\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	check_verbose = 1;
	const char *c = argv[1], *dir = argv[2];
	char mk[700];
	snprintf(mk, sizeof mk, "mkdir -p '%s'", dir);
	if (system(mk)) return 1;
	if (!strcmp(c, "clip")) test_clip(dir);
	else if (!strcmp(c, "novideo")) test_novideo(dir);
	else if (!strcmp(c, "errors")) test_errors(dir);
	else if (!strcmp(c, "stall")) test_stall(dir);
	else if (!strcmp(c, "interrupt")) test_interrupt(dir);
	else { fprintf(stderr, "play: unknown case %s\n", c); return 2; }
	fake_stop();
	printf("%s: %s\n", c, check_failures ? "FAILED" : "passed");
	return check_failures ? 1 : 0;
}
