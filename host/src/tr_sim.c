/*
 * tr_sim.c — "sim": spawn icebuf-sim on a free local port and connect to it.
 * SPDX-License-Identifier: MIT
 */
#include "transport.h"
#include "icebuf.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SIM_MAX_ARGS 16

static int executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* $ICEBUF_SIM, else icebuf-sim beside the running program, else on PATH. */
static int find_sim(char *out, size_t len)
{
	const char *env = getenv("ICEBUF_SIM");
	if (env && *env) {
		snprintf(out, len, "%s", env);
		return executable(out) ? 0 : -1;
	}
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = 0;
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = 0;
			if ((size_t)snprintf(out, len, "%s/icebuf-sim", self) < len && executable(out))
				return 0;
			if ((size_t)snprintf(out, len, "%s/../bin/icebuf-sim", self) < len && executable(out))
				return 0;
		}
	}
	const char *path = getenv("PATH");
	while (path && *path) {
		const char *colon = strchr(path, ':');
		size_t n2 = colon ? (size_t)(colon - path) : strlen(path);
		if ((size_t)snprintf(out, len, "%.*s/icebuf-sim", (int)n2, path) < len && executable(out))
			return 0;
		path = colon ? colon + 1 : NULL;
	}
	return -1;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void stop_child(pid_t pid)
{
	kill(pid, SIGTERM);
	for (int i = 0; i < 200; i++) {          /* up to 2 s to finish cleanly */
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int ib_sim_open(struct ib_transport *t, int timeout_ms)
{
	char exe[PATH_MAX];
	if (find_sim(exe, sizeof exe)) {
		const char *env = getenv("ICEBUF_SIM");
		if (env && *env)
			ib_set_err(t, "ICEBUF_SIM=%s is not an executable file", env);
		else
			ib_set_err(t, "icebuf-sim not found (looked beside this program and on PATH): "
			              "run `make sim` or set ICEBUF_SIM to its path");
		return ICEBUF_ERR_NOT_FOUND;
	}
	int out[2];
	if (pipe(out) < 0) {
		ib_set_err(t, "pipe: %s", strerror(errno));
		return ICEBUF_ERR_IO;
	}
	out[0] = ib_fd_above_std(out[0]);
	out[1] = ib_fd_above_std(out[1]);
	if (out[0] < 0 || out[1] < 0) {
		ib_set_err(t, "pipe: %s", strerror(errno));
		if (out[0] >= 0) close(out[0]);
		if (out[1] >= 0) close(out[1]);
		return ICEBUF_ERR_IO;
	}
	/* Unpaced: the library times out on the board's clock (tr_socket.c), so
	 * a board faster than real time is no harm. $ICEBUF_SIM_ARGS: more
	 * options, split at spaces ("--speed 0.05" paces it again, "--ber 1e-4
	 * --seed 3"). */
	char *argv[5 + SIM_MAX_ARGS + 1] = { exe, "--listen", "127.0.0.1:0", "--once", "--fast" };
	char extra[512];
	int argc = 5;
	const char *env_args = getenv("ICEBUF_SIM_ARGS");
	snprintf(extra, sizeof extra, "%s", env_args ? env_args : "");
	for (char *save = NULL, *a = strtok_r(extra, " ", &save); a; a = strtok_r(NULL, " ", &save)) {
		if (argc == 5 + SIM_MAX_ARGS) {
			close(out[0]);
			close(out[1]);
			ib_set_err(t, "ICEBUF_SIM_ARGS has more than %d options", SIM_MAX_ARGS);
			return ICEBUF_ERR_ARG;
		}
		argv[argc++] = a;
	}
	argv[argc] = NULL;
	/* fork and exec rather than posix_spawn: the child asks the kernel
	 * to stop it when its parent dies (PR_SET_PDEATHSIG), so a program
	 * killed at any moment leaves no simulator behind. Only calls that
	 * are safe after fork() in the child. */
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);               /* the parent is already gone */
		dup2(out[1], STDOUT_FILENO);
		close(out[0]);
		close(out[1]);
		execve(exe, argv, environ);
		_exit(127);
	}
	int r = pid < 0 ? errno : 0;
	close(out[1]);
	if (r) {
		close(out[0]);
		ib_set_err(t, "cannot start %s: %s", exe, strerror(r));
		return ICEBUF_ERR_IO;
	}
	/* Its first line names the port. */
	char line[128];
	size_t got = 0;
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int port = 0;
	while (got < sizeof line - 1) {
		long left = timeout_ms - ms_since(&t0);
		struct pollfd p = { out[0], POLLIN, 0 };
		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			break;
		ssize_t n = read(out[0], line + got, sizeof line - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		line[got] = 0;
		if (strchr(line, '\n'))
			break;
	}
	close(out[0]);
	line[got] = 0;
	char *nl = strchr(line, '\n');
	if (nl)
		*nl = 0;
	/* "icebuf-sim: listening on HOST:PORT" */
	char *colon = strrchr(line, ':'), *end = NULL;
	long lport = colon ? strtol(colon + 1, &end, 10) : 0;
	if (strstr(line, "listening on") && colon && end != colon + 1 && !*end && lport > 0 && lport <= 65535)
		port = (int)lport;
	if (!port) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			ib_set_err(t, "%s exited before it was ready (status %d)", exe,
			           WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		else {
			stop_child(pid);
			if (got)
				ib_set_err(t, "%s said '%s' where it names its port ('icebuf-sim: listening on "
				              "HOST:PORT'): is ICEBUF_SIM an icebuf-sim?", exe, line);
			else
				ib_set_err(t, "%s did not say which port it listens on within %d ms", exe, timeout_ms);
		}
		return got ? ICEBUF_ERR_IO : ICEBUF_ERR_TIMEOUT;
	}
	long left = timeout_ms - ms_since(&t0);
	r = ib_socket_open(t, "127.0.0.1", port, left > 0 ? (int)left : 0);
	if (r) {
		stop_child(pid);
		return r;
	}
	t->child = pid;
	return ICEBUF_OK;
}

/* Called by icebuf_close() after the socket is closed. */
void ib_sim_reap(struct ib_transport *t);
void ib_sim_reap(struct ib_transport *t)
{
	if (t->child > 0)
		stop_child(t->child);
	t->child = 0;
}
