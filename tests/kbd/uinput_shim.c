/*
 * uinput_shim.c — an emulated /dev/uinput for tests (LD_PRELOAD).
 * SPDX-License-Identifier: MIT
 *
 * open("/dev/uinput") connects a SOCK_SEQPACKET socket to the test at
 * $UINPUT_SHIM_SOCK (or fails with errno $UINPUT_SHIM_ERRNO: ENOENT,
 * EACCES); ioctl() on it sends the test a packet "IOCT" + request + argument
 * (+ struct uinput_setup for UI_DEV_SETUP) and succeeds; write() and read()
 * are the socket's own, so the program's input_events reach the test one per
 * packet and the test's (EV_LED, as the kernel sends them) come back.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct shim_ioctl {
	char magic[4];
	uint32_t req;
	uint64_t arg;
	struct uinput_setup setup;
};

static int ufd = -1;

static int shim_open(int flags)
{
	const char *e = getenv("UINPUT_SHIM_ERRNO");
	if (e && *e) {
		errno = !strcmp(e, "EACCES") ? EACCES : !strcmp(e, "ENOENT") ? ENOENT : atoi(e);
		return -1;
	}
	const char *path = getenv("UINPUT_SHIM_SOCK");
	if (!path) {
		errno = ENOENT;
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	strncpy(a.sun_path, path, sizeof a.sun_path - 1);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a)) {
		if (fd >= 0)
			close(fd);
		errno = ENODEV;
		return -1;
	}
	if (flags & O_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	ufd = fd;
	return fd;
}

typedef int (*open_fn)(const char *, int, ...);

#define OPEN_WRAPPER(NAME)                                                        \
	int NAME(const char *path, int flags, ...)                                \
	{                                                                         \
		mode_t mode = 0;                                                  \
		if (flags & (O_CREAT | O_TMPFILE)) {                              \
			va_list ap;                                               \
			va_start(ap, flags);                                      \
			mode = va_arg(ap, mode_t);                                \
			va_end(ap);                                               \
		}                                                                 \
		if (!strcmp(path, "/dev/uinput"))                      \
			return shim_open(flags);                                  \
		open_fn real = (open_fn)dlsym(RTLD_NEXT, #NAME);                  \
		return real(path, flags, mode);                                   \
	}
OPEN_WRAPPER(open)
OPEN_WRAPPER(open64)

int __open_2(const char *path, int flags);
int __open_2(const char *path, int flags) { return open(path, flags); }
int __open64_2(const char *path, int flags);
int __open64_2(const char *path, int flags) { return open(path, flags); }

int ioctl(int fd, unsigned long req, ...);
int ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	va_start(ap, req);
	void *arg = va_arg(ap, void *);
	va_end(ap);
	if (fd < 0 || fd != ufd) {
		int (*real)(int, unsigned long, ...) = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
		return real(fd, req, arg);
	}
	struct shim_ioctl p;
	memset(&p, 0, sizeof p);
	memcpy(p.magic, "IOCT", 4);
	p.req = (uint32_t)req;
	p.arg = (uint64_t)(uintptr_t)arg;
	if (req == UI_DEV_SETUP && arg)
		memcpy(&p.setup, arg, sizeof p.setup);
	if (_IOC_TYPE(req) == UINPUT_IOCTL_BASE && _IOC_NR(req) == _IOC_NR(UI_GET_SYSNAME(0)) && arg) {
		snprintf(arg, _IOC_SIZE(req), "input-shim");
	}
	for (;;) {
		ssize_t w = send(fd, &p, sizeof p, 0);
		if (w == (ssize_t)sizeof p)
			return 0;
		if (w < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		return -1;
	}
}
