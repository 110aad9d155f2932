/*
 * "Nothing is lost": what the board sent that no application consumed stays
 * on the board; a hostile peer wedges and exhausts neither side; every wait
 * keeps its time-out. Runs its own virtual board (icebuf-sim --listen) so
 * that one board outlives several handles, and fake boards that speak the
 * protocol badly.
 *   lossless partial | killed | ...
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"
#include "icebuf.h"
#include "icebuf_private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

static const char *sim_exe(void)
{
	const char *s = getenv("ICEBUF_SIM");
	return s && *s ? s : "build/bin/icebuf-sim";
}

/* A virtual board that serves one client after another. */
static pid_t sim_pid;
static char sim_dev[64];

static void sim_start(void)
{
	int p[2];
	if (pipe(p)) { perror("pipe"); exit(1); }
	sim_pid = fork();
	if (sim_pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		execl(sim_exe(), sim_exe(), "--listen", "127.0.0.1:0", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char line[128] = "";
	size_t got = 0;
	while (got < sizeof line - 1 && !strchr(line, '\n')) {
		struct pollfd pf = { p[0], POLLIN, 0 };
		if (poll(&pf, 1, 10000) <= 0) break;
		ssize_t n = read(p[0], line + got, sizeof line - 1 - got);
		if (n <= 0) break;
		got += (size_t)n;
		line[got] = 0;
	}
	close(p[0]);
	const char *colon = strrchr(line, ':');
	if (!strstr(line, "listening on") || !colon) {
		printf("FAIL: %s did not start: '%s'\n", sim_exe(), line);
		exit(1);
	}
	snprintf(sim_dev, sizeof sim_dev, "sim://127.0.0.1:%d", atoi(colon + 1));
}

static void sim_stop(void)
{
	if (sim_pid > 0) {
		kill(sim_pid, SIGTERM);
		waitpid(sim_pid, NULL, 0);
	}
	sim_pid = 0;
}

static icebuf *open_or_die(const char *dev_s)
{
	icebuf *dev;
	int r = icebuf_open(&dev, dev_s, NULL);
	if (r) {
		printf("FAIL: cannot open %s: %s (%s)\n", dev_s, icebuf_open_error(), icebuf_strerror(r));
		sim_stop();
		exit(1);
	}
	return dev;
}

static uint32_t reg(icebuf *dev, uint8_t addr)
{
	uint32_t v = 0;
	int r = icebuf_reg_read(dev, addr, &v, -1);
	CHECK(r == 0, "reading register 0x%02X: %s", addr, icebuf_last_error(dev));
	return v;
}

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		p[i] = (uint8_t)(seed >> 16);
	}
}

/* Put @n bytes into the board's stream buffer in a session of their own. */
static void put(const uint8_t *p, size_t n)
{
	icebuf *dev = open_or_die(sim_dev);
	long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, p, n, -1);
	CHECK(w == (long)n, "write %zu: %ld %s", n, w, icebuf_last_error(dev));
	CHECK(icebuf_flush(dev, -1) == 0, "flush: %s", icebuf_last_error(dev));
	icebuf_close(dev);
}

/* Read exactly @n bytes in a session of its own. */
static size_t get(uint8_t *p, size_t n)
{
	icebuf *dev = open_or_die(sim_dev);
	size_t got = 0;
	while (got < n) {
		long r = icebuf_read(dev, ICEBUF_CHAN_STREAM, p + got, n - got, 1000);
		CHECK(r >= 0, "read: %s", icebuf_last_error(dev));
		if (r <= 0) break;
		got += (size_t)r;
	}
	icebuf_close(dev);
	return got;
}

static uint32_t level(void)
{
	icebuf *dev = open_or_die(sim_dev);
	uint32_t v = reg(dev, ICEBUF_REG_STREAM_LEVEL);
	icebuf_close(dev);
	return v;
}

/* After a reader took @read of the @n bytes in @in: every byte it did not
 * read is still on the board, in order (what it read may come again: at
 * least once, never lost). The board is left empty. */
static void expect_unread_kept(const char *what, const uint8_t *in, size_t n, size_t read)
{
	uint32_t lv = level();
	CHECK(lv >= n - read && lv <= n, "%s: the board holds %u bytes after %zu of %zu were read", what, lv, read, n);
	if (lv > n) lv = (uint32_t)n;
	uint8_t *back = malloc(n);
	size_t got = get(back, lv);
	CHECK(got == lv, "%s: %zu of %u bytes came back", what, got, lv);
	CHECK(got == lv && !memcmp(back, in + (n - lv), lv), "%s: the bytes left are not the unread tail", what);
	free(back);
	CHECK(level() == 0, "%s: the board is not empty after reading it all", what);
	printf("%s: %zu of %zu bytes read, %u left on the board\n", what, read, n, lv);
}

/* Item 1: a reader that reads part, peeks, or dies leaves the rest on the
 * board. */
static void test_partial(void)
{
	sim_start();
	enum { N = 4000 };
	uint8_t in[N], buf[N];
	fill(in, N, 1);

	/* A read of 100 bytes, then close. */
	put(in, N);
	CHECK(level() == N, "the board holds %d bytes", N);
	icebuf *dev = open_or_die(sim_dev);
	size_t got = 0;
	while (got < 100) {
		long r = icebuf_read(dev, ICEBUF_CHAN_STREAM, buf + got, 100 - got, 1000);
		CHECK(r > 0, "read: %ld %s", r, icebuf_last_error(dev));
		if (r <= 0) break;
		got += (size_t)r;
	}
	/* Give the board time to send all it may, so that the handle holds
	 * more than was read when it closes. */
	icebuf_poll(dev, 50);
	CHECK(icebuf_available(dev, ICEBUF_CHAN_STREAM) > 0, "the handle received more than was read");
	icebuf_close(dev);
	CHECK(!memcmp(buf, in, 100), "the first 100 bytes");
	expect_unread_kept("read 100, close", in, N, 100);

	/* Peek everything, consume nothing, close: all of it stays. */
	put(in, N);
	dev = open_or_die(sim_dev);
	long r = icebuf_peek(dev, ICEBUF_CHAN_STREAM, buf, N, 1000);
	CHECK(r > 0 && !memcmp(buf, in, (size_t)r), "peek: %ld %s", r, icebuf_last_error(dev));
	icebuf_poll(dev, 50);
	icebuf_close(dev);
	CHECK(level() == N, "peek then close: the board holds %u of %d", level(), N);
	expect_unread_kept("peek, close", in, N, 0);

	/* Consume in odd steps: exactly what was consumed leaves. */
	put(in, N);
	dev = open_or_die(sim_dev);
	size_t done = 0;
	while (done < 1536) {
		r = icebuf_peek(dev, ICEBUF_CHAN_STREAM, buf, 1536 - done < 77 ? 1536 - done : 77, 1000);
		CHECK(r > 0 && !memcmp(buf, in + done, (size_t)r), "peek at %zu: %ld", done, r);
		if (r <= 0) break;
		CHECK(icebuf_consume(dev, ICEBUF_CHAN_STREAM, (size_t)r) == 0, "consume: %s", icebuf_last_error(dev));
		done += (size_t)r;
	}
	CHECK(icebuf_consume(dev, ICEBUF_CHAN_STREAM, 1u << 20) == ICEBUF_ERR_ARG, "consuming more than held");
	icebuf_poll(dev, 50);
	icebuf_close(dev);
	expect_unread_kept("consume 1536 in steps, close", in, N, 1536);
	sim_stop();
}

/* Item 1: a reader killed mid-stream leaves what it had not consumed. */
static void test_killed(void)
{
	sim_start();
	enum { N = 4000 };
	uint8_t in[N];
	fill(in, N, 2);
	put(in, N);
	pid_t pid = fork();
	if (pid == 0) {
		icebuf *dev;
		if (icebuf_open(&dev, sim_dev, NULL))
			_exit(3);
		uint8_t buf[1000];
		size_t got = 0;
		while (got < sizeof buf) {
			long r = icebuf_read(dev, ICEBUF_CHAN_STREAM, buf + got, sizeof buf - got, 1000);
			if (r <= 0)
				_exit(4);
			got += (size_t)r;
		}
		icebuf_poll(dev, 50);
		raise(SIGKILL);
		_exit(5);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "the reader did not die as planned (status 0x%x)", st);
	expect_unread_kept("read 1000, killed", in, N, 1000);
	sim_stop();
}

static const char *cli_exe(void)
{
	const char *s = getenv("ICEBUF_CLI");
	return s && *s ? s : "build/bin/icebuf";
}

/* Run the icebuf tool with the standard streams in @closed (bits 0, 1, 2)
 * closed; its exit status, or -1. */
static int run_cli_closed(unsigned closed, const char *const *args)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[16];
		int n = 0;
		argv[n++] = (char *)cli_exe();
		for (; *args && n < 15; args++)
			argv[n++] = (char *)*args;
		argv[n] = NULL;
		for (int fd = 0; fd < 3; fd++)
			if (closed & (1u << fd))
				close(fd);
		execv(cli_exe(), argv);
		_exit(127);
	}
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Item 3: with a standard stream closed, the board's descriptor does not
 * take its number, and `-` does not read or write the board. */
static void test_stdclosed(void)
{
	sim_start();
	enum { N = 3000 };
	uint8_t in[N];
	fill(in, N, 3);
	put(in, N);
	pid_t pid = fork();
	if (pid == 0) {
		close(0);
		close(1);
		close(2);
		icebuf *dev;
		if (icebuf_open(&dev, sim_dev, NULL))
			_exit(3);
		int fd = icebuf_fileno(dev);
		icebuf_close(dev);
		if (icebuf_open(&dev, "sim", NULL))   /* the spawned board's pipe too */
			_exit(4);
		int fd2 = icebuf_fileno(dev);
		icebuf_close(dev);
		_exit(fd > 2 && fd2 > 2 ? 0 : 5);
	}
	int st;
	waitpid(pid, &st, 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the library took a standard descriptor (status 0x%x)", st);

	const char *recv_args[] = { "-q", "--device", sim_dev, "recv", "-", NULL };
	int rc = run_cli_closed(1u << 1, recv_args);
	CHECK(rc == 2, "recv - with stdout closed exited %d, expected 2", rc);
	CHECK(level() == N, "recv - with stdout closed: the board holds %u of %d", level(), N);
	rc = run_cli_closed(1u << 1 | 1u << 2, recv_args);
	CHECK(rc == 2, "recv - with stdout and stderr closed exited %d", rc);
	CHECK(level() == N, "... the board holds %u of %d", level(), N);
	const char *send_args[] = { "-q", "--device", sim_dev, "send", "-", NULL };
	rc = run_cli_closed(1u << 0, send_args);
	CHECK(rc == 2, "send - with stdin closed exited %d, expected 2", rc);
	CHECK(level() == N, "send - with stdin closed: the board holds %u of %d", level(), N);
	icebuf *dev = open_or_die(sim_dev);
	CHECK(reg(dev, ICEBUF_REG_RX_BAD_FRAME) == 0 && reg(dev, ICEBUF_REG_RX_BAD_CRC) == 0,
	      "the board saw bad frames: something wrote into the link");
	icebuf_close(dev);
	expect_unread_kept("standard streams closed", in, N, 0);
	sim_stop();
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	const char *t = argc > 1 ? argv[1] : "";
	if (!strcmp(t, "partial")) test_partial();
	else if (!strcmp(t, "killed")) test_killed();
	else if (!strcmp(t, "stdclosed")) test_stdclosed();
	else { fprintf(stderr, "usage: lossless partial|killed|stdclosed\n"); return 2; }
	printf("lossless %s: %s\n", t, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
