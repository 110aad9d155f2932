/*
 * fakeboard.c — the host tests' checks and fake board (fakeboard.h).
 * SPDX-License-Identifier: MIT
 */
#include "fakeboard.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int check_failures;
int check_verbose;

icebuf *check_open(const char *dev_s, void (*cleanup)(void))
{
	icebuf *dev;
	int r = icebuf_open(&dev, dev_s, NULL);
	if (r) {
		printf("FAIL: cannot open %s: %s (%s)\n", dev_s, icebuf_open_error(), icebuf_strerror(r));
		if (cleanup)
			cleanup();
		exit(1);
	}
	return dev;
}

uint32_t check_reg(icebuf *dev, uint8_t addr)
{
	uint32_t v = 0;
	int r = icebuf_reg_read(dev, addr, &v, -1);
	CHECK(r == 0, "reading register 0x%02X: %s", addr, icebuf_last_error(dev));
	return v;
}

/* ---- frames ---- */

int fb_send_raw(int fd, uint8_t type, uint8_t chan, uint8_t seq, uint8_t ack, uint8_t cchan, uint32_t credit,
                const uint8_t *p, size_t n)
{
	struct ib_frame f = { .type = type, .chan = chan, .seq = seq, .ack = ack, .cchan = cchan,
	                      .credit = (uint16_t)(credit > 65535 ? 65535 : credit), .payload = p, .len = n };
	uint8_t wire[IB_WIRE_MAX];
	size_t len = ib_frame_encode(&f, 1, wire);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, wire + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		off += (size_t)w;
	}
	return 0;
}

void fb_link_init(struct fb_link *l)
{
	memset(l, 0, sizeof *l);
	l->fd = -1;
}

void fb_link_attach(struct fb_link *l, int fd)
{
	l->fd = fd;
	l->in_len = l->in_pos = l->flen = 0;
}

int fb_send(struct fb_link *l, uint8_t type, uint8_t chan, uint8_t cchan, uint32_t credit, const uint8_t *p, size_t n)
{
	uint8_t seq = type == IB_T_DATA ? l->up_seq++ : 0;
	uint8_t ack = type == IB_T_SYNC ? 0xFF : (uint8_t)(l->expect - 1);
	return fb_send_raw(l->fd, type, chan, seq, ack, cchan, credit, p, n);
}

ssize_t fb_read(struct fb_link *l)
{
	ssize_t n;
	do
		n = read(l->fd, l->in, sizeof l->in);
	while (n < 0 && errno == EINTR);
	l->in_pos = 0;
	l->in_len = n > 0 ? (size_t)n : 0;
	return n;
}

int fb_next(struct fb_link *l, struct ib_frame *f)
{
	while (l->in_pos < l->in_len) {
		uint8_t b = l->in[l->in_pos++];
		if (b) {
			if (l->flen < sizeof l->frame)
				l->frame[l->flen++] = b;
			continue;
		}
		int r = ib_frame_parse(l->frame, l->flen, 0, IB_MAX_MTU, l->scratch, f);
		l->flen = 0;
		if (r == IB_PARSE_OK)
			return 1;
	}
	return 0;
}

int fb_sync(struct fb_link *l)
{
	l->expect = 0;
	l->up_seq = 0;
	return fb_send(l, IB_T_SYNC, 0, 0, 1024, NULL, 0);
}

/* ---- registers ---- */

size_t fb_reply(const struct fb_regs *regs, const uint8_t *req, size_t n, uint8_t *resp, size_t room)
{
	size_t rl = 0;
	for (size_t k = 0; k < n && rl + 6 <= room;) {
		uint8_t op = req[k];
		if (op == 0x01 && k + 2 <= n) {
			uint32_t v = 0;
			int ok = regs->read(regs->ctx, req[k + 1], &v);
			resp[rl++] = ok ? 0x81 : 0xE1;
			resp[rl++] = req[k + 1];
			if (ok) {
				resp[rl++] = (uint8_t)(v >> 24); resp[rl++] = (uint8_t)(v >> 16);
				resp[rl++] = (uint8_t)(v >> 8); resp[rl++] = (uint8_t)v;
			}
			k += 2;
		} else if (op == 0x02 && k + 6 <= n) {
			const uint8_t *d = req + k + 2;
			resp[rl++] = regs->write(regs->ctx, req[k + 1],
			                         (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3]);
			resp[rl++] = req[k + 1];
			k += 6;
		} else {
			resp[rl++] = 0xEF;
			resp[rl++] = op;
			k++;
		}
	}
	return rl;
}

int fb_control(struct fb_link *l, const struct ib_frame *f, const struct fb_regs *regs)
{
	uint8_t resp[IB_MAX_MTU];
	size_t rl = fb_reply(regs, f->payload, f->len, resp, sizeof resp);
	return fb_send(l, IB_T_DATA, ICEBUF_CHAN_CONTROL, 0, 1024, resp, rl);
}

int fb_ident_reg(const struct fb_ident *id, uint8_t addr, uint32_t *v)
{
	switch (addr) {
	case ICEBUF_REG_ID: *v = ICEBUF_ID_MAGIC; return 1;
	case ICEBUF_REG_VERSION: *v = (uint32_t)ICEBUF_PROTOCOL_MAJOR << 16; return 1;
	case ICEBUF_REG_BOARD: *v = id->board; return 1;
	case ICEBUF_REG_CLK_HZ: *v = id->clk_hz; return 1;
	case ICEBUF_REG_BAUD: *v = id->baud; return 1;
	case ICEBUF_REG_LINK: *v = id->mtu | id->window << 16 | id->channels << 24; return 1;
	case ICEBUF_REG_STREAM_DEPTH: *v = id->stream_depth; return 1;
	default: return 0;
	}
}

/* ---- the board's process ---- */

int fb_listen(int backlog, struct sockaddr_in *a, char *dev, size_t devlen)
{
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	*a = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof *a;
	if (lfd < 0 || bind(lfd, (struct sockaddr *)a, sizeof *a) || listen(lfd, backlog) ||
	    getsockname(lfd, (struct sockaddr *)a, &al)) {
		perror("fake board: listening socket");
		exit(1);
	}
	snprintf(dev, devlen, "sim://127.0.0.1:%d", ntohs(a->sin_port));
	return lfd;
}

void fb_start(struct fakeboard *b, unsigned clients, fb_serve_fn *serve, void *ctx)
{
	struct sockaddr_in a;
	int lfd = fb_listen(4, &a, b->dev, sizeof b->dev);
	fflush(stdout);                      /* nothing buffered twice */
	b->pid = fork();
	if (b->pid == 0) {
		for (unsigned i = 0; clients == 0 || i < clients; i++) {
			int fd = accept(lfd, NULL, NULL);
			if (fd < 0)
				break;
			serve(ctx, fd);
			close(fd);
		}
		_exit(0);
	}
	if (b->pid < 0) {
		perror("fake board: fork");
		exit(1);
	}
	close(lfd);
}

void fb_stop(struct fakeboard *b)
{
	if (b->pid > 0) {
		kill(b->pid, SIGKILL);
		waitpid(b->pid, NULL, 0);
	}
	b->pid = 0;
}
