/*
 * tr_tty.c — tty:/dev/ttyUSB1: the kernel's ftdi_sio driver through termios.
 * SPDX-License-Identifier: MIT
 *
 * termios2 (TCSETS2 with BOTHER) sets any baud rate the driver can make,
 * 3 and 12 Mbaud included. <asm/termbits.h> and <termios.h> cannot be mixed,
 * so raw mode is set by hand.
 */
#include "transport.h"
#include "icebuf.h"

#include <asm/termbits.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

static long tty_read(struct ib_transport *t, void *buf, size_t len)
{
	ssize_t n = read(t->fd, buf, len);
	if (n > 0)
		return n;
	if (n == 0) {
		/* With VMIN and VTIME 0 a read with nothing to give returns 0; a
		 * port that went away (hangup) also does, and poll() tells. */
		struct pollfd p = { .fd = t->fd, .events = POLLIN };
		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
			ib_set_err(t, "the serial port was closed (board unplugged?)");
			return ICEBUF_ERR_CLOSED;
		}
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	ib_set_err(t, "reading the serial port: %s", strerror(errno));
	return errno == EIO || errno == ENODEV || errno == ENXIO ? ICEBUF_ERR_CLOSED : ICEBUF_ERR_IO;
}

static long tty_write(struct ib_transport *t, const void *buf, size_t len)
{
	ssize_t n = write(t->fd, buf, len);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EINTR)
		return 0;
	ib_set_err(t, "writing the serial port: %s", strerror(errno));
	return errno == EIO || errno == ENODEV || errno == ENXIO ? ICEBUF_ERR_CLOSED : ICEBUF_ERR_IO;
}

static void tty_close(struct ib_transport *t)
{
	if (t->fd >= 0) {
		/* Leave the port as it was found: a mistaken tty:/dev/tty
		 * must not leave the user's terminal raw, without echo. */
		if (t->priv)
			ioctl(t->fd, TCSETS2, (struct termios2 *)t->priv);
		ioctl(t->fd, TIOCNXCL);
		close(t->fd);
	}
	free(t->priv);
	t->priv = NULL;
	t->fd = -1;
}

static const struct ib_transport_ops tty_ops = {
	.read = tty_read, .write = tty_write, .wait = ib_fd_wait, .close = tty_close, .now_ms = ib_wall_ms,
};

int ib_tty_open(struct ib_transport *t, const char *path, unsigned baud)
{
	int fd = ib_fd_above_std(open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
	if (fd < 0) {
		int e = errno;
		ib_set_err(t, "cannot open %s: %s%s", path, strerror(e),
		           e == EACCES ? " (add yourself to group dialout, or see the README's udev rule)" : "");
		return e == ENOENT ? ICEBUF_ERR_NOT_FOUND : e == EACCES ? ICEBUF_ERR_ACCESS
		     : e == EBUSY ? ICEBUF_ERR_BUSY : ICEBUF_ERR_IO;
	}
	struct termios2 tio;
	if (ioctl(fd, TCGETS2, &tio) < 0) {
		int e = errno;
		close(fd);
		ib_set_err(t, "%s is not a serial port: %s", path, strerror(e));
		return ICEBUF_ERR_ARG;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0 || ioctl(fd, TIOCEXCL) < 0) {
		close(fd);
		ib_set_err(t, "%s is in use by another program", path);
		return ICEBUF_ERR_BUSY;
	}
	struct termios2 *saved = malloc(sizeof *saved);
	if (!saved) {
		close(fd);
		ib_set_err(t, "out of memory");
		return ICEBUF_ERR_NOMEM;
	}
	*saved = tio;
	/* Raw 8N1, no flow control, the exact baud rate. */
	tio.c_iflag &= ~(tcflag_t)(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON | IXOFF | IXANY);
	tio.c_oflag &= ~(tcflag_t)OPOST;
	tio.c_lflag &= ~(tcflag_t)(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
	tio.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS | CBAUD | (CBAUD << IBSHIFT));
	tio.c_cflag |= CS8 | CLOCAL | CREAD | BOTHER | (BOTHER << IBSHIFT);
	tio.c_ispeed = tio.c_ospeed = baud;
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (ioctl(fd, TCSETS2, &tio) < 0) {
		int e = errno;
		ioctl(fd, TCSETS2, saved);
		free(saved);
		close(fd);
		ib_set_err(t, "%s: cannot set %u baud: %s", path, baud, strerror(e));
		return ICEBUF_ERR_IO;
	}
	ioctl(fd, TCFLSH, TCIOFLUSH);
	t->fd = fd;
	t->priv = saved;
	t->ops = &tty_ops;
	return ICEBUF_OK;
}
