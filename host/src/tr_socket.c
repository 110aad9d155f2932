/*
 * tr_socket.c — sim://HOST:PORT: a TCP connection to icebuf-sim.
 * SPDX-License-Identifier: MIT
 *
 * The board's clock: icebuf-sim publishes the clocks it has simulated in a
 * page, /dev/shm/icebuf-sim-HOST-PORT (docs/sim.md), that this backend maps
 * and gives the library as its now_ms: every time-out then counts the
 * board's time, whatever speed the simulator runs at. A simulator whose
 * clock stops (hung, or stopped with SIGSTOP) would stop those time-outs
 * too, so the wall clock watches the board's: when it has not moved for
 * STALL_MS of wall time, wait() fails with ICEBUF_ERR_STALLED.
 */
#include "transport.h"
#include "icebuf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* Wall time a board's clock may stand still before the host gives up on it
 * ($ICEBUF_SIM_STALL_MS overrides). A simulator publishes every 512 clocks:
 * even at 0.001 x real time that is well under a second. */
#define STALL_MS 5000

double ib_wall_ms(struct ib_transport *t)
{
	(void)t;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int ib_board_clock_open(struct ib_transport *t, struct ib_board_clock *c, const char *path)
{
	memset(c, 0, sizeof *c);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	void *m = mmap(NULL, sizeof(struct ib_clock_page), PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return -1;
	const struct ib_clock_page *p = m;
	if (memcmp(p->magic, "ICEBCLK1", 8) || p->clk_hz == 0) {
		munmap(m, sizeof(struct ib_clock_page));
		return -1;
	}
	const char *env = getenv("ICEBUF_SIM_STALL_MS");
	c->stall_ms = env && atoi(env) > 0 ? atoi(env) : STALL_MS;
	c->page = p;
	c->ms_per_clock = 1000.0 / (double)p->clk_hz;
	c->last_cycles = __atomic_load_n(&p->cycles, __ATOMIC_ACQUIRE);
	c->last_move = ib_wall_ms(t);
	return 0;
}

void ib_board_clock_close(struct ib_board_clock *c)
{
	if (c->page)
		munmap((void *)c->page, sizeof(struct ib_clock_page));
	c->page = NULL;
}

double ib_board_clock_ms(struct ib_transport *t, struct ib_board_clock *c)
{
	if (!c->page)
		return ib_wall_ms(t);
	uint64_t cyc = __atomic_load_n(&c->page->cycles, __ATOMIC_ACQUIRE);
	if (cyc != c->last_cycles) {
		c->last_cycles = cyc;
		c->last_move = ib_wall_ms(t);
	}
	return (double)cyc * c->ms_per_clock;
}

/* Stopped (SIGSTOP, a debugger), a zombie, or running but not advancing. */
static const char *proc_state(pid_t pid)
{
	char path[64], buf[256];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return "is gone";
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = 0;
	const char *rp = strrchr(buf, ')');
	char st = rp && rp[1] == ' ' ? rp[2] : '?';
	return st == 'T' || st == 't' ? "is stopped (SIGSTOP or a debugger?)"
	     : st == 'Z' ? "has exited" : "is running but its clock is not";
}

int ib_board_clock_check(struct ib_transport *t, struct ib_board_clock *c)
{
	if (!c->page)
		return 0;
	ib_board_clock_ms(t, c);
	double still = ib_wall_ms(t) - c->last_move;
	if (still <= c->stall_ms)
		return 0;
	ib_set_err(t, "the virtual board's clock has not moved for %.1f s of wall time (at clock %llu): "
	              "icebuf-sim (pid %lld) %s",
	           still / 1000, (unsigned long long)c->last_cycles, (long long)c->page->pid,
	           proc_state((pid_t)c->page->pid));
	return ICEBUF_ERR_STALLED;
}

static double sock_now_ms(struct ib_transport *t)
{
	struct ib_board_clock *c = t->priv;
	return c ? ib_board_clock_ms(t, c) : ib_wall_ms(t);
}

/* Map the simulator's clock page if it publishes one; else the wall clock. */
static void clock_open(struct ib_transport *t, const struct sockaddr_in *a)
{
	char ip[INET_ADDRSTRLEN], path[128];
	if (!inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip))
		return;
	snprintf(path, sizeof path, "/dev/shm/icebuf-sim-%s-%d", ip, ntohs(a->sin_port));
	struct ib_board_clock *c = calloc(1, sizeof *c);
	if (!c || ib_board_clock_open(t, c, path)) {
		free(c);
		return;
	}
	t->priv = c;
	t->board_clock = 1;
}

void ib_set_err(struct ib_transport *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(t->err, t->errlen, fmt, ap);
	va_end(ap);
}

int ib_fd_above_std(int fd)
{
	if (fd < 0 || fd > 2)
		return fd;
	int nfd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	int e = errno;
	close(fd);
	errno = e;
	return nfd;
}

int ib_fd_wait(struct ib_transport *t, int want_write, int timeout_ms)
{
	struct pollfd p = { t->fd, (short)(POLLIN | (want_write ? POLLOUT : 0)), 0 };
	int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
	if (r < 0 && errno != EINTR) {
		ib_set_err(t, "poll: %s", strerror(errno));
		return ICEBUF_ERR_IO;
	}
	return 0;
}

/* A board-time wait: the poll is bounded in wall time too, so a clock that
 * stopped is noticed while the caller waits. */
static int sock_wait(struct ib_transport *t, int want_write, int timeout_ms)
{
	int r = t->priv ? ib_board_clock_check(t, t->priv) : 0;
	if (r)
		return r;
	if (t->board_clock && timeout_ms > 100)
		timeout_ms = 100;
	return ib_fd_wait(t, want_write, timeout_ms);
}

static long sock_read(struct ib_transport *t, void *buf, size_t len)
{
	ssize_t n = recv(t->fd, buf, len, 0);
	if (n > 0)
		return n;
	if (n == 0) {
		ib_set_err(t, "the virtual board closed the connection (did icebuf-sim stop?)");
		return ICEBUF_ERR_CLOSED;
	}
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	if (errno == ECONNRESET) {
		ib_set_err(t, "the virtual board closed the connection (reset; did icebuf-sim stop?)");
		return ICEBUF_ERR_CLOSED;
	}
	ib_set_err(t, "reading from the virtual board: %s", strerror(errno));
	return ICEBUF_ERR_IO;
}

static long sock_write(struct ib_transport *t, const void *buf, size_t len)
{
	ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
		return 0;
	if (errno == EPIPE || errno == ECONNRESET) {
		ib_set_err(t, "the virtual board closed the connection (did icebuf-sim stop?)");
		return ICEBUF_ERR_CLOSED;
	}
	ib_set_err(t, "writing to the virtual board: %s", strerror(errno));
	return ICEBUF_ERR_IO;
}

static void sock_close(struct ib_transport *t)
{
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	struct ib_board_clock *c = t->priv;
	if (c) {
		ib_board_clock_close(c);
		free(c);
	}
	t->priv = NULL;
	t->board_clock = 0;
}

static const struct ib_transport_ops sock_ops = {
	.read = sock_read, .write = sock_write, .wait = sock_wait, .close = sock_close,
	.now_ms = sock_now_ms,
};

int ib_socket_open(struct ib_transport *t, const char *host, int port, int timeout_ms)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM }, *ai;
	char ports[16];
	snprintf(ports, sizeof ports, "%d", port);
	int r = getaddrinfo(host, ports, &hints, &ai);
	if (r) {
		ib_set_err(t, "cannot resolve '%s': %s", host, gai_strerror(r));
		return ICEBUF_ERR_NOT_FOUND;
	}
	int fd = ib_fd_above_std(socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
	int e = 0;
	if (fd < 0)
		e = errno;
	else if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
		e = errno;
		if (e == EINPROGRESS) {
			/* A simulator whose queue of connections is full leaves
			 * the connection pending: wait no longer than told. */
			struct pollfd p = { fd, POLLOUT, 0 };
			int n;
			do
				n = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
			while (n < 0 && errno == EINTR);
			socklen_t len = sizeof e;
			if (n == 0)
				e = ETIMEDOUT;
			else if (n < 0)
				e = errno;
			else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
				e = errno;
		}
	}
	if (!e && ai->ai_addrlen == sizeof(struct sockaddr_in))
		clock_open(t, (const struct sockaddr_in *)ai->ai_addr);
	freeaddrinfo(ai);
	if (e) {
		if (fd >= 0)
			close(fd);
		if (e == ETIMEDOUT) {
			ib_set_err(t, "no connection within %d ms: the virtual board's queue of connections is full, "
			              "so other programs hold it (icebuf-sim serves one client at a time)", timeout_ms);
			return ICEBUF_ERR_BUSY;
		}
		ib_set_err(t, "cannot connect: %s%s", strerror(e),
		           e == ECONNREFUSED ? " (is icebuf-sim --listen running on that port?)" : "");
		return e == ECONNREFUSED ? ICEBUF_ERR_NOT_FOUND : ICEBUF_ERR_IO;
	}
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	t->fd = fd;
	t->ops = &sock_ops;
	return ICEBUF_OK;
}
