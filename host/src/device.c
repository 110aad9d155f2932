/*
 * device.c — parse device strings (see icebuf.h).
 * SPDX-License-Identifier: MIT
 */
#include "transport.h"
#include "icebuf.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *s, const char *why)
{
	snprintf(err, errlen, "bad device '%s': %s (expected sim, sim://127.0.0.1:PORT, "
	         "tty:/dev/ttyUSB1 or ftdi://[SERIAL][?index=N&interface=A|B&vid=0x0403&pid=0x6010&latency=MS])",
	         s, why);
	return ICEBUF_ERR_ARG;
}

/* A number of @n characters in @base (0: 0x… hex too), digits only: no
 * blanks, no sign. */
static int number(const char *s, size_t n, int base, long lo, long hi, long *out)
{
	char buf[32];
	if (n == 0 || n >= sizeof buf || !isdigit((unsigned char)s[0]))
		return -1;
	memcpy(buf, s, n);
	buf[n] = 0;
	char *end;
	errno = 0;
	long v = strtol(buf, &end, base);
	if (errno || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static int parse_ftdi(const char *s, const char *rest, struct ib_device *d, char *err, size_t errlen)
{
	const char *q = strchr(rest, '?');
	size_t slen = q ? (size_t)(q - rest) : strlen(rest);
	if (slen >= sizeof d->serial)
		return fail(err, errlen, s, "serial number too long");
	memcpy(d->serial, rest, slen);
	d->serial[slen] = 0;
	if (strchr(d->serial, '/'))
		return fail(err, errlen, s, "a serial number has no '/'");
	if (!q)
		return 0;
	const char *p = q + 1;
	while (*p) {
		const char *amp = strchr(p, '&');
		size_t n = amp ? (size_t)(amp - p) : strlen(p);
		const char *eq = memchr(p, '=', n);
		if (!eq)
			return fail(err, errlen, s, "options are NAME=VALUE joined by '&'");
		size_t kn = (size_t)(eq - p), vn = n - kn - 1;
		const char *v = eq + 1;
		long x;
		if (kn == 5 && !memcmp(p, "index", 5)) {
			if (number(v, vn, 10, 0, 255, &x))
				return fail(err, errlen, s, "index must be 0..255");
			d->index = (int)x;
		} else if (kn == 9 && !memcmp(p, "interface", 9)) {
			if (vn != 1 || (v[0] != 'A' && v[0] != 'B' && v[0] != 'a' && v[0] != 'b'))
				return fail(err, errlen, s, "interface must be A or B");
			d->interface = (v[0] == 'A' || v[0] == 'a') ? 0 : 1;
		} else if (kn == 3 && !memcmp(p, "vid", 3)) {
			if (number(v, vn, 0, 0, 0xFFFF, &x))
				return fail(err, errlen, s, "vid must be a 16-bit number, e.g. 0x0403");
			d->vid = (int)x;
		} else if (kn == 3 && !memcmp(p, "pid", 3)) {
			if (number(v, vn, 0, 0, 0xFFFF, &x))
				return fail(err, errlen, s, "pid must be a 16-bit number, e.g. 0x6010");
			d->pid = (int)x;
		} else if (kn == 7 && !memcmp(p, "latency", 7)) {
			if (number(v, vn, 10, 1, 255, &x))
				return fail(err, errlen, s, "latency must be 1..255 ms");
			d->latency = (int)x;
		} else {
			return fail(err, errlen, s, "unknown option (index, interface, vid, pid, latency)");
		}
		p += n + (amp ? 1 : 0);
		if (amp && !*p)
			return fail(err, errlen, s, "empty option after '&'");
	}
	return 0;
}

int ib_device_parse(const char *s, struct ib_device *d, char *err, size_t errlen)
{
	memset(d, 0, sizeof *d);
	d->interface = 1;
	d->vid = 0x0403;
	d->pid = 0x6010;
	d->latency = 1;
	if (!s || !*s)
		return fail(err, errlen, s ? s : "", "empty");
	if (!strcmp(s, "sim")) {
		d->kind = IB_DEV_SIM;
		return 0;
	}
	if (!strncmp(s, "sim://", 6)) {
		const char *hp = s + 6, *colon = strrchr(hp, ':');
		long port;
		if (!colon || colon == hp || (size_t)(colon - hp) >= sizeof d->host)
			return fail(err, errlen, s, "sim:// wants HOST:PORT");
		if (number(colon + 1, strlen(colon + 1), 10, 1, 65535, &port))
			return fail(err, errlen, s, "the port must be 1..65535");
		memcpy(d->host, hp, (size_t)(colon - hp));
		d->host[colon - hp] = 0;
		d->port = (int)port;
		d->kind = IB_DEV_SIM_ADDR;
		return 0;
	}
	if (!strncmp(s, "tty:", 4)) {
		const char *path = s + 4;
		if (path[0] != '/')
			return fail(err, errlen, s, "tty: wants an absolute path, e.g. tty:/dev/ttyUSB1");
		if (strlen(path) >= sizeof d->path)
			return fail(err, errlen, s, "path too long");
		strcpy(d->path, path);
		d->kind = IB_DEV_TTY;
		return 0;
	}
	if (!strncmp(s, "ftdi://", 7)) {
		d->kind = IB_DEV_FTDI;
		return parse_ftdi(s, s + 7, d, err, errlen);
	}
	return fail(err, errlen, s, "unknown kind of device");
}
