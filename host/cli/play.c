/*
 * play.c — `icebuf play FILE|-`: a video to the board's player (channel 3).
 * SPDX-License-Identifier: MIT
 *
 * The source side (file, stdin, ffmpeg; scaling, palettes, records, the host
 * buffer and the shaper) is vplay in libicebuf (docs/video-host.md); this
 * loop feeds its records to the board as the channel's credit allows,
 * blocking in icebuf_poll() when it can do nothing, and reads the board's
 * video registers for progress and for the host buffer's stall detection.
 */
#include "play.h"

#include "icebuf.h"
#include "vframe.h"
#include "vplay.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EXIT_USAGE 2
#define STATUS_MS 250              /* board registers read this often (the handle's clock) */

static const char help[] =
    "usage: icebuf play FILE|- [--size 160x120|320x240] [--prebuffer MS] [--start N]\n"
    "                          [--resume N] [--shape PROFILE] [--json] [--quiet]\n"
    "Play a video on the board (gateware built with VIDEO=1: the iCEBreaker's). FILE is\n"
    "YUV4MPEG2 (.y4m; - reads it from stdin) or anything ffmpeg reads. Frames are\n"
    "scaled to --size [160x120], given 16 colours each, dithered, and sent as the\n"
    "board's video channel allows; the board shows each for its duration.\n"
    "  --prebuffer MS   media gathered on the host before the board gets a frame\n"
    "                   [2000]; raised by 2 s after each stall of the source, up to 10 s\n"
    "  --start N        the board's start threshold, frames queued before it plays [4]\n"
    "  --resume N       the board's base resume threshold after an underrun [8]\n"
    "  --shape PROFILE  limit the source's rate: RATE or DUR:RATE,... with DUR N ms,\n"
    "                   N s or rest, RATE full, 0, N fps or N[k|M] (bytes/s), e.g.\n"
    "                   2s:full,300ms:0,rest:full (a flaky source on purpose)\n"
    "  --json           the summary as one JSON object on stdout\n"
    "  --quiet          no progress on stderr\n"
    "Progress (stderr): frames sent, the board's queue, underruns, frames shown a\n"
    "second (board time on a virtual board). At the end: the end-of-stream record,\n"
    "the board reports ended, a summary line. SIGINT/SIGTERM: the record being sent\n"
    "is finished, the board's queue is flushed (the picture stops at once), exit\n"
    "128 + the signal. Exit 1 if the board has no video or the source fails.\n";

static volatile sig_atomic_t stop_sig;

static void on_stop(int sig)
{
	stop_sig = sig;
}

static int usage_err(const char *fmt, const char *arg)
{
	fputs("icebuf: play: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs(" (see icebuf play --help)\n", stderr);
	return EXIT_USAGE;
}

static int parse_num(const char *s, long max, long *out)
{
	if (!isdigit((unsigned char)*s))
		return -1;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The host buffer and the shaper run on the handle's clock (board time on a
 * virtual board), as the board's own playback does. */
static uint64_t clock_ms(icebuf *dev)
{
	double t = icebuf_time_ms(dev, NULL);
	return t > 0 ? (uint64_t)t : 0;
}

static const char *state_name(uint32_t s)
{
	static const char *const n[] = { "idle", "playing", "buffering", "ended" };
	return n[s & 3];
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int cmd_play(const struct play_opts *g, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			fputs(help, stdout);
			return 0;
		}
	int w = 160, h = 120, json = 0, quiet = g->quiet;
	long prebuffer = -1, start = -1, resume = -1;
	const char *shape = NULL;
	static const struct option lo[] = {
		{ "size", required_argument, 0, 's' }, { "prebuffer", required_argument, 0, 'p' },
		{ "start", required_argument, 0, 'S' }, { "resume", required_argument, 0, 'R' },
		{ "shape", required_argument, 0, 'x' }, { "json", no_argument, 0, 'j' },
		{ "quiet", no_argument, 0, 'q' }, { 0, 0, 0, 0 } };
	int c;
	optind = 0;     /* 0: glibc starts afresh (main parsed with "+": options after FILE too) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (c) {
		case 's':
			if (!strcmp(optarg, "160x120")) { w = 160; h = 120; }
			else if (!strcmp(optarg, "320x240")) { w = 320; h = 240; }
			else return usage_err("--size is 160x120 or 320x240, not '%s'", optarg);
			break;
		case 'p':
			if (parse_num(optarg, 600000, &prebuffer))
				return usage_err("--prebuffer wants milliseconds from 0 to 600000, not '%s'", optarg);
			break;
		case 'S':
			if (parse_num(optarg, 255, &start) || start < 1)
				return usage_err("--start wants a count of frames from 1 to 255, not '%s'", optarg);
			break;
		case 'R':
			if (parse_num(optarg, 255, &resume) || resume < 1)
				return usage_err("--resume wants a count of frames from 1 to 255, not '%s'", optarg);
			break;
		case 'x': {
			struct vshape sh;
			char e[200];
			if (vshape_parse(&sh, optarg, e, sizeof e)) {
				fprintf(stderr, "icebuf: play: --shape '%s': %s (see icebuf play --help)\n", optarg, e);
				return EXIT_USAGE;
			}
			shape = optarg;
			break;
		}
		case 'j': json = 1; break;
		case 'q': quiet = 1; break;
		default: return usage_err("unknown or incomplete option '%s'", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return usage_err("%swants one FILE (or - for standard input)", argc - optind > 1 ? "too many arguments: " : "");
	const char *path = argv[optind];
	if (strcmp(path, "-")) {
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			fprintf(stderr, "icebuf: play: cannot open '%s': %s\n", path, strerror(errno));
			return EXIT_USAGE;
		}
		close(fd);
	} else if (fcntl(0, F_GETFD) < 0) {
		fprintf(stderr, "icebuf: play: standard input is closed: nothing to play\n");
		return EXIT_USAGE;
	}

	/* The board first: one without video is told before ffmpeg starts. */
	icebuf *dev;
	struct icebuf_options o = { .baud = g->baud, .timeout_ms = g->timeout_ms };
	int r = icebuf_open(&dev, g->device, &o);
	if (r) {
		const char *e = icebuf_open_error();
		if (r == ICEBUF_ERR_ARG && !strncmp(e, "bad device", 10)) {
			fprintf(stderr, "icebuf: %s\n", e);
			return EXIT_USAGE;
		}
		fprintf(stderr, "icebuf: %s: %s\n", g->device, e);
		return 1;
	}
	struct icebuf_info info;
	icebuf_info(dev, &info);
	if (!(icebuf_features(dev) & ICEBUF_FEAT_VIDEO)) {
		fprintf(stderr, "icebuf: play: this gateware has no video%s; program an iCEBreaker bitstream built "
		        "with VIDEO=1 (FEATURES 0x%X)\n",
		        info.board == 1 ? ": the iCEstick has no memory for frames" : "", (unsigned)icebuf_features(dev));
		icebuf_close(dev);
		return 1;
	}
	if ((start > 0 || resume > 0) && (r = icebuf_video_thresholds(dev, (int)start, (int)resume, -1))) {
		fprintf(stderr, "icebuf: play: setting the board's thresholds: %s (%s)\n", icebuf_last_error(dev),
		        icebuf_strerror(r));
		icebuf_close(dev);
		return 1;
	}
	struct icebuf_video_status st0, st;
	if ((r = icebuf_video_status(dev, &st0, -1))) {
		fprintf(stderr, "icebuf: play: reading the board's player: %s (%s)\n", icebuf_last_error(dev),
		        icebuf_strerror(r));
		icebuf_close(dev);
		return 1;
	}
	st = st0;

	struct vplay_cfg cfg = { .path = path, .w = w, .h = h, .shape = shape, .own_clock = 1,
	                         .clock_ms = icebuf_time_ms(dev, NULL) };
	vbuf_defaults(&cfg.buf);
	if (prebuffer >= 0) {
		cfg.buf.start_ms = (uint32_t)prebuffer;
		if (cfg.buf.max_ms < cfg.buf.start_ms)
			cfg.buf.max_ms = cfg.buf.start_ms;
	}
	struct vplay *p;
	char err[400];
	if (vplay_open(&p, &cfg, err, sizeof err)) {
		fprintf(stderr, "icebuf: play: %s\n", err);
		icebuf_close(dev);
		return 1;
	}
	const struct y4m_info yinfo = *vplay_info(p), *yi = &yinfo;   /* it goes with vplay_close() */

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	int board_clock = 0;
	double t0 = icebuf_time_ms(dev, &board_clock), last_status = t0, last_move = t0, first_frame_t = -1;
	const uint8_t *rec = NULL;
	size_t rec_len = 0, rec_off = 0;
	uint64_t frames_sent = 0, bytes_sent = 0;
	int end_sent = 0, rc = 0, interrupted = 0;
	const char *fail = NULL;
	char failbuf[600];
	long stuck_ms = 3L * g->timeout_ms < 10000 ? 10000 : 3L * g->timeout_ms;
	int progress_shown = 0;
	/* Frames shown a second: over the last second or so of status reads. */
	enum { NHIST = 5 };
	double hist_t[NHIST];
	uint32_t hist_f[NHIST], frames_at_first = 0;
	int nhist = 0;

	for (;;) {
		if (stop_sig && !interrupted)
			interrupted = 1;
		if (rec_off == rec_len) {
			if (interrupted || end_sent)
				break;
			rec_len = vplay_next(p, &rec, clock_ms(dev));
			rec_off = 0;
		}
		int moved = 0;
		if (rec_off < rec_len) {
			long can = icebuf_writable(dev, ICEBUF_CHAN_VIDEO);
			if (can < 0) {
				snprintf(failbuf, sizeof failbuf, "%s (%s)", icebuf_last_error(dev), icebuf_strerror((int)can));
				fail = failbuf;
				break;
			}
			if (can > 0) {
				size_t n = rec_len - rec_off < (size_t)can ? rec_len - rec_off : (size_t)can;
				long wr = icebuf_write(dev, ICEBUF_CHAN_VIDEO, rec + rec_off, n, 0);
				if (wr < 0) {
					snprintf(failbuf, sizeof failbuf, "sending to the board: %s (%s)", icebuf_last_error(dev),
					         icebuf_strerror((int)wr));
					fail = failbuf;
					break;
				}
				rec_off += (size_t)wr;
				bytes_sent += (uint64_t)wr;
				moved = wr > 0;
				if (rec_len && rec_off == rec_len) {
					if (rec[0] == VF_MAGIC_END)
						end_sent = 1;
					else
						frames_sent++;
					vplay_sent(p, clock_ms(dev));
				}
			}
		}
		double now = icebuf_time_ms(dev, NULL);
		vplay_clock(p, now);
		if (moved)
			last_move = now;
		if (now - last_status >= STATUS_MS) {
			last_status = now;
			uint32_t shown_before = st.frames;
			if ((r = icebuf_video_status(dev, &st, -1))) {
				snprintf(failbuf, sizeof failbuf, "reading the board's player: %s (%s)", icebuf_last_error(dev),
				         icebuf_strerror(r));
				fail = failbuf;
				break;
			}
			vplay_board(p, st.underruns - st0.underruns, clock_ms(dev));
			if (st.frames != shown_before)
				last_move = now;
			if (first_frame_t < 0 && st.frames != st0.frames) {
				first_frame_t = now;
				frames_at_first = st.frames;
			}
			double fps = 0;
			if (nhist == NHIST) {
				double dt = (now - hist_t[0]) / 1000;
				fps = dt > 0 ? (st.frames - hist_f[0]) / dt : 0;
				memmove(hist_t, hist_t + 1, sizeof hist_t - sizeof hist_t[0]);
				memmove(hist_f, hist_f + 1, sizeof hist_f - sizeof hist_f[0]);
				nhist--;
			}
			hist_t[nhist] = now;
			hist_f[nhist++] = st.frames;
			if (!quiet) {
				struct vplay_stats vs;
				vplay_stats(p, &vs);
				fprintf(stderr, "\rplay: %llu frames sent, board %s, queue %u/%u, shown %u, underruns %u, "
				        "%.1f fps, host buffer %u ms%s   ",
				        (unsigned long long)frames_sent, state_name(st.state), st.level, st.capacity,
				        st.frames - st0.frames, st.underruns - st0.underruns,
				        fps, vs.buffered_ms,
				        vs.filling ? " (gathering)" : "");
				progress_shown = 1;
			}
		}
		/* A record the board takes nothing of while nothing plays: its
		 * queue is stuck (paused by someone, or thresholds it cannot reach). */
		if (rec_off < rec_len && now - last_move > stuck_ms) {
			snprintf(failbuf, sizeof failbuf, "the board took no video for %ld ms and showed no new frame "
			         "(player %s%s, %u frames queued of %u)", stuck_ms, state_name(st.state),
			         st.paused ? ", paused" : "", st.level, st.capacity);
			fail = failbuf;
			break;
		}
		if (!moved && (r = icebuf_poll(dev, 5))) {
			snprintf(failbuf, sizeof failbuf, "%s (%s)", icebuf_last_error(dev), icebuf_strerror(r));
			fail = failbuf;
			break;
		}
	}

	/* The end: the board plays out its queue and says ended; or, stopped,
	 * its queue is flushed. */
	const char *how = "ended";
	double t_ended = -1;
	if (!fail && interrupted) {
		how = "interrupted";
		if ((r = icebuf_video_control(dev, ICEBUF_VIDEO_FLUSH, -1))) {
			snprintf(failbuf, sizeof failbuf, "flushing the board's queue: %s (%s)", icebuf_last_error(dev),
			         icebuf_strerror(r));
			fail = failbuf;
		}
	} else if (!fail) {
		double since = icebuf_time_ms(dev, NULL);
		uint32_t frames_then = st.frames;
		for (;;) {
			if ((r = icebuf_video_status(dev, &st, -1))) {
				snprintf(failbuf, sizeof failbuf, "reading the board's player: %s (%s)", icebuf_last_error(dev),
				         icebuf_strerror(r));
				fail = failbuf;
				break;
			}
			double now = icebuf_time_ms(dev, NULL);
			if (st.state == ICEBUF_VIDEO_ENDED && st.ends != st0.ends) {
				t_ended = now;
				break;
			}
			if (st.frames != frames_then) {
				frames_then = st.frames;
				since = now;
			}
			if (now - since > stuck_ms) {
				snprintf(failbuf, sizeof failbuf, "the board did not play out its queue: no new frame for %ld ms "
				         "after the end of stream (player %s%s, %u queued)", stuck_ms, state_name(st.state),
				         st.paused ? ", paused" : "", st.level);
				fail = failbuf;
				break;
			}
			if (stop_sig) {
				how = "interrupted";
				interrupted = 1;
				icebuf_video_control(dev, ICEBUF_VIDEO_FLUSH, -1);
				break;
			}
			if ((r = icebuf_poll(dev, 20))) {
				snprintf(failbuf, sizeof failbuf, "%s (%s)", icebuf_last_error(dev), icebuf_strerror(r));
				fail = failbuf;
				break;
			}
		}
	}
	if (!fail)
		icebuf_video_status(dev, &st, -1);
	double t_end = icebuf_time_ms(dev, NULL);
	struct icebuf_stats ls;
	icebuf_get_stats(dev, &ls);
	icebuf_close(dev);
	if (progress_shown)
		fputc('\n', stderr);
	struct vplay_stats vs;
	vplay_stats(p, &vs);
	char serr[400] = "";
	int src_fail = vplay_close(p, serr, sizeof serr) != 0;

	/* The rate from the first frame seen shown to the end seen: the board's
	 * own pace (stalls included), on the handle's clock. */
	double secs = (t_end - t0) / 1000;
	double play_s = first_frame_t < 0 ? 0 : ((t_ended >= 0 ? t_ended : t_end) - first_frame_t) / 1000;
	uint32_t shown = st.frames - st0.frames, underruns = st.underruns - st0.underruns;
	double fps = play_s > 0 ? (st.frames - frames_at_first) / play_s : 0.0;
	if (src_fail && !fail && !interrupted)
		how = "source failed";
	if (fail)
		fprintf(stderr, "icebuf: play: %s\n", fail);
	if (src_fail)
		fprintf(stderr, "icebuf: play: %s (what was read before it was played)\n", serr);
	if (interrupted)
		fprintf(stderr, "icebuf: play: interrupted after %llu frames: the board's queue was flushed "
		        "(the record being sent was finished first)\n", (unsigned long long)frames_sent);
	if (json) {
		printf("{\"file\":");
		json_str(path);
		printf(",\"result\":\"%s\",\"source\":{\"width\":%d,\"height\":%d,\"fps_num\":%u,\"fps_den\":%u},"
		       "\"size\":\"%dx%d\",\"frames_read\":%llu,\"frames_sent\":%llu,\"end_sent\":%s,"
		       "\"bytes_sent\":%llu,\"bytes_raw\":%llu,\"board\":{\"state\":\"%s\",\"frames_shown\":%u,"
		       "\"underruns\":%u,\"vsyncs_stalled\":%u,\"late\":%u,\"level_min\":%u,\"level_max\":%u,"
		       "\"capacity\":%u,\"start\":%u,\"resume_base\":%u,\"resume_goal\":%u,\"resume_applied\":%u,"
		       "\"startup_vsyncs\":%u,\"bad_records\":%u,\"refused_bytes\":%u,\"ends\":%u},"
		       "\"host\":{\"goal_ms\":%u,\"stalls\":%u,\"link_underruns\":%u,\"startup_ms\":%llu},"
		       "\"link\":{\"retransmits\":%llu,\"tx_bytes\":%llu},\"fps\":%.2f,\"seconds\":%.3f,\"clock\":\"%s\"",
		       fail ? "failed" : how, yi->width, yi->height, yi->fps_num, yi->fps_den, w, h,
		       (unsigned long long)vs.frames_read, (unsigned long long)frames_sent, end_sent ? "true" : "false",
		       (unsigned long long)vs.bytes_sent, (unsigned long long)vs.bytes_raw, state_name(st.state), shown,
		       underruns, st.stalled - st0.stalled, st.late - st0.late, st.level_min, st.level_max, st.capacity,
		       st.start, st.resume_base, st.resume_goal, st.resume_applied, st.startup, st.bad_records,
		       st.refused_bytes, st.ends - st0.ends, vs.goal_ms, vs.stalls, vs.link_underruns,
		       (unsigned long long)vs.startup_ms, (unsigned long long)ls.retransmits,
		       (unsigned long long)ls.tx_bytes, fps, secs, board_clock ? "board" : "wall");
		if (fail || src_fail) {
			printf(",\"error\":");
			json_str(fail ? fail : serr);
		}
		printf("}\n");
	}
	if (!quiet || !json)
		fprintf(json ? stderr : stdout,
		        "play: %s: %llu frames sent, %u shown, %u underruns, %.1f fps, %llu bytes (%.1f %% of raw), "
		        "%.2f s (%s time)\n", fail ? "failed" : how, (unsigned long long)frames_sent, shown, underruns,
		        fps, (unsigned long long)vs.bytes_sent,
		        vs.bytes_raw ? 100.0 * (double)vs.bytes_sent / (double)vs.bytes_raw : 0.0, secs,
		        board_clock ? "board" : "wall");
	if (fail || src_fail)
		rc = 1;
	if (interrupted && !fail)
		rc = 128 + stop_sig;
	return rc;
}
