/*
 * ftdi_poll DEVICE BYTES: the event-loop way over a device with a descriptor
 * (ftdi:// included): icebuf_fileno() must give one above 2, and BYTES of
 * data must go through the board's stream loopback and back, verified, with
 * the program waiting only in poll() on that descriptor, with a time-out of
 * a second, then driving the link with icebuf_poll(dev, 0) and moving data
 * with time-outs of 0. A descriptor that is never readable stalls each
 * turn for that second: more than two such turns fail (the FT2232H ends a
 * read transfer every latency period while data flows), and so does a
 * board whose data does not come back whole. Then, idle, the descriptor
 * must not be readable all the time. Prints the turns it took, how many
 * ended on a readable descriptor and how many on the time-out. Times are
 * wall time: the emulated chip's latency timer runs on it.
 * SPDX-License-Identifier: MIT
 */
#include "icebuf.h"

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ftdi_poll DEVICE BYTES\n");
		return 2;
	}
	size_t total = (size_t)strtoul(argv[2], NULL, 10);
	icebuf *dev = NULL;
	int r = icebuf_open(&dev, argv[1], NULL);
	if (r) {
		printf("FAIL: open %s: %s\n", argv[1], icebuf_open_error());
		return 1;
	}
	int fd = icebuf_fileno(dev);
	if (fd < 3) {
		printf("FAIL: icebuf_fileno gave %d (%s)\n", fd, fd < 0 ? icebuf_strerror(fd) : "a standard stream");
		icebuf_close(dev);
		return 1;
	}
	uint8_t *out = malloc(total), *in = malloc(total);
	if (!out || !in)
		return 2;
	uint64_t x = 0x9E3779B97F4A7C15ull;
	for (size_t i = 0; i < total; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		out[i] = (uint8_t)x;
	}
	size_t sent = 0, got = 0;
	long turns = 0, readable = 0, timeouts = 0;
	double t0 = wall_ms();
	int rc = 0;
	while (got < total) {
		if (wall_ms() - t0 > 60000 || timeouts > 2) {
			printf("FAIL: %zu of %zu bytes back after %.1f s (%ld turns, %ld readable, %ld timed out)\n", got,
			       total, (wall_ms() - t0) / 1000, turns, readable, timeouts);
			rc = 1;
			break;
		}
		struct pollfd p = { fd, POLLIN, 0 };
		int n = poll(&p, 1, 1000);
		turns++;
		if (n > 0 && (p.revents & POLLIN))
			readable++;
		else if (n == 0)
			timeouts++;
		if ((r = icebuf_poll(dev, 0))) {
			printf("FAIL: icebuf_poll: %s\n", icebuf_last_error(dev));
			rc = 1;
			break;
		}
		long w = icebuf_writable(dev, ICEBUF_CHAN_STREAM);
		if (w > 0 && sent < total) {
			size_t k = (size_t)w < total - sent ? (size_t)w : total - sent;
			long m = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + sent, k, 0);
			if (m < 0) {
				printf("FAIL: write: %s\n", icebuf_last_error(dev));
				rc = 1;
				break;
			}
			sent += (size_t)m;
		}
		long m = icebuf_read(dev, ICEBUF_CHAN_STREAM, in + got, total - got, 0);
		if (m < 0) {
			printf("FAIL: read: %s\n", icebuf_last_error(dev));
			rc = 1;
			break;
		}
		got += (size_t)m;
	}
	if (!rc && memcmp(in, out, total)) {
		printf("FAIL: the data came back different\n");
		rc = 1;
	}
	/* Idle, the descriptor wakes the program for what the link does (on
	 * ftdi:// the chip ends a read transfer every latency period), not
	 * all the time: a descriptor always readable would make this loop spin
	 * as fast as icebuf_poll() returns. */
	long idle = 0;
	double i0 = wall_ms(), idle_ms = 300;
	while (!rc && wall_ms() - i0 < idle_ms) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 50) > 0)
			idle++;
		if ((r = icebuf_poll(dev, 0))) {
			printf("FAIL: icebuf_poll: %s\n", icebuf_last_error(dev));
			rc = 1;
		}
	}
	if (!rc && idle > 3 * idle_ms) {
		printf("FAIL: the descriptor woke the idle program %ld times in %.0f ms\n", idle, idle_ms);
		rc = 1;
	}
	if (!rc)
		printf("ftdi_poll: %zu bytes back through descriptor %d in %ld turns: %ld readable, %ld timed out; "
		       "idle, %ld wake-ups in %.0f ms\n", total, fd, turns, readable, timeouts, idle, idle_ms);
	free(out);
	free(in);
	icebuf_close(dev);
	return rc;
}
