/*
 * vsrc.c — YUV4MPEG2 from a file, standard input or an ffmpeg child.
 * SPDX-License-Identifier: MIT
 */
#include "vsrc.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int vsrc_open(struct vsrc *s, const char *path, const char *ffmpeg)
{
	memset(s, 0, sizeof *s);
	if (!strcmp(path, "-")) {
		s->f = stdin;
		s->name = "standard input";
		return 0;
	}
	s->name = path;
	FILE *f = fopen(path, "rb");
	if (!f) {
		snprintf(s->err, sizeof s->err, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	char head[10];
	size_t n = fread(head, 1, sizeof head, f);
	if (n == sizeof head && !memcmp(head, "YUV4MPEG2 ", 10) && fseek(f, 0, SEEK_SET) == 0) {
		s->f = f;
		return 0;
	}
	fclose(f);

	if (!ffmpeg)
		ffmpeg = getenv("ICEBUF_FFMPEG");
	if (!ffmpeg || !*ffmpeg)
		ffmpeg = "ffmpeg";
	int fd[2];
	if (pipe(fd)) {
		snprintf(s->err, sizeof s->err, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd[1], 1);
	posix_spawn_file_actions_addclose(&fa, fd[0]);
	posix_spawn_file_actions_addclose(&fa, fd[1]);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	char *argv[] = { (char *)ffmpeg, "-loglevel", "error", "-nostdin", "-i", (char *)path, "-f",
	                 "yuv4mpegpipe", "-pix_fmt", "yuv420p", "-", NULL };
	int rc = posix_spawnp(&s->pid, ffmpeg, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fd[1]);
	if (rc) {
		close(fd[0]);
		s->pid = 0;
		if (rc == ENOENT)
			snprintf(s->err, sizeof s->err, "%s is not a YUV4MPEG2 file and %s is not installed to convert "
			         "it: run make deps (or apt-get install ffmpeg), or convert it first to .y4m", path, ffmpeg);
		else
			snprintf(s->err, sizeof s->err, "cannot start %s: %s", ffmpeg, strerror(rc));
		return -1;
	}
	s->f = fdopen(fd[0], "rb");
	if (!s->f) {
		snprintf(s->err, sizeof s->err, "fdopen: %s", strerror(errno));
		close(fd[0]);
		kill(s->pid, SIGTERM);
		waitpid(s->pid, NULL, 0);
		s->pid = 0;
		return -1;
	}
	return 0;
}

int vsrc_close(struct vsrc *s, int early)
{
	int ret = 0;
	if (s->f && s->f != stdin)
		fclose(s->f);   /* an ffmpeg still writing gets SIGPIPE or EPIPE */
	s->f = NULL;
	if (s->pid > 0) {
		int st;
		if (early)
			kill(s->pid, SIGTERM);
		while (waitpid(s->pid, &st, 0) < 0 && errno == EINTR)
			;
		if (!early && WIFEXITED(st) && WEXITSTATUS(st) != 0) {
			snprintf(s->err, sizeof s->err, "ffmpeg failed on %s (exit status %d; its message is above)", s->name,
			         WEXITSTATUS(st));
			ret = -1;
		} else if (!early && WIFSIGNALED(st)) {
			snprintf(s->err, sizeof s->err, "ffmpeg was killed by signal %d while reading %s", WTERMSIG(st),
			         s->name);
			ret = -1;
		}
		s->pid = 0;
	}
	return ret;
}
