/*
 * tr_socket.c — sim://HOST:PORT: a TCP connection to icebuf-sim.
 * SPDX-License-Identifier: MIT
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
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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
}

static const struct ib_transport_ops sock_ops = {
	.read = sock_read, .write = sock_write, .wait = ib_fd_wait, .close = sock_close,
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
