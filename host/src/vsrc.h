/*
 * vsrc.h — where `icebuf play` gets its YUV4MPEG2: a .y4m file, standard
 * input, or Debian's ffmpeg converting any video on a pipe.
 * SPDX-License-Identifier: MIT
 * Private to libicebuf.
 */
#ifndef ICEBUF_VSRC_H
#define ICEBUF_VSRC_H

#include <stdio.h>
#include <sys/types.h>

struct vsrc {
	FILE *f;            /* YUV4MPEG2 to read (give it to y4m_open) */
	pid_t pid;          /* the ffmpeg child, or 0 */
	const char *name;   /* for messages: the path, or "standard input" */
	char err[320];      /* the last error, a sentence */
};

/* Open @path for reading as YUV4MPEG2: "-" is standard input (which must
 * be YUV4MPEG2: pipe other formats through ffmpeg -f yuv4mpegpipe); a file
 * that starts with "YUV4MPEG2 " is read directly; any other file is given to
 * `@ffmpeg -loglevel error -nostdin -i PATH -f yuv4mpegpipe -pix_fmt yuv420p -`
 * (@ffmpeg NULL: $ICEBUF_FFMPEG, else "ffmpeg" on PATH), whose errors go to
 * our stderr. Returns 0, or -1 with s->err set: the file cannot be opened, or
 * ffmpeg cannot be started (not installed: says to install it). */
int vsrc_open(struct vsrc *s, const char *path, const char *ffmpeg);

/* Close the source and reap ffmpeg. @early: we stop before the end of the
 * stream (ffmpeg is then stopped, and its exit is no error). Returns 0, or -1
 * with s->err set when ffmpeg failed (exit status or signal): check it
 * before reporting a y4m error, which is then only a consequence. */
int vsrc_close(struct vsrc *s, int early);

#endif
