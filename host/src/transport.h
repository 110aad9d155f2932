/*
 * transport.h — how libicebuf moves bytes: one backend per file.
 * SPDX-License-Identifier: MIT
 */
#ifndef ICEBUF_TRANSPORT_H
#define ICEBUF_TRANSPORT_H

#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

/* A parsed device string (device.c). */
enum ib_kind { IB_DEV_SIM, IB_DEV_SIM_ADDR, IB_DEV_TTY, IB_DEV_FTDI };

struct ib_device {
	enum ib_kind kind;
	char host[64];            /* sim://: loopback host */
	int port;                 /* sim://: TCP port */
	char path[256];           /* tty: device node */
	char serial[64];          /* ftdi://: USB serial number, "" for any */
	int index;                /* ftdi://: n-th match */
	int interface;            /* ftdi://: 0 A, 1 B */
	int vid, pid;             /* ftdi://: USB ids */
	int latency;              /* ftdi://: latency timer in ms */
};

/* Parse @s into *@d. Returns 0, or ICEBUF_ERR_ARG with a message in @err. */
int ib_device_parse(const char *s, struct ib_device *d, char *err, size_t errlen);

struct ib_transport;

struct ib_transport_ops {
	/* Non-blocking read: bytes read, 0 if none yet, or a negative
	 * icebuf_error (CLOSED when the far end went away, IO). */
	long (*read)(struct ib_transport *t, void *buf, size_t len);
	/* Non-blocking write: bytes taken (maybe 0) or a negative error. */
	long (*write)(struct ib_transport *t, const void *buf, size_t len);
	/* Wait up to @timeout_ms until reading (or, if @want_write, writing)
	 * may make progress. 0, or a negative error. */
	int (*wait)(struct ib_transport *t, int want_write, int timeout_ms);
	void (*close)(struct ib_transport *t);
	/* Milliseconds on the clock the library's time-outs, rates and
	 * timestamps run on: the board's simulated clock on a virtual board
	 * that publishes it (tr_socket.c, docs/sim.md), the wall clock
	 * (ib_wall_ms) on real hardware. Only differences mean something. */
	double (*now_ms)(struct ib_transport *t);
};

struct ib_transport {
	const struct ib_transport_ops *ops;
	int fd;                   /* pollable descriptor, -1 if none */
	pid_t child;              /* sim: the spawned simulator, 0 if none */
	void *priv;               /* backend state */
	int board_clock;          /* ops->now_ms is the board's simulated clock */
	char *err;                /* the handle's error text */
	size_t errlen;
};

/* Backends: open into *@t; on failure return a negative icebuf_error with
 * the detail in t->err. */
int ib_socket_open(struct ib_transport *t, const char *host, int port, int timeout_ms);
int ib_sim_open(struct ib_transport *t, int timeout_ms);
int ib_tty_open(struct ib_transport *t, const char *path, unsigned baud);
int ib_ftdi_open(struct ib_transport *t, const struct ib_device *d, unsigned baud);

/* Move a new descriptor of ours above 0, 1 and 2: a program started with a
 * standard stream closed gets its next descriptor there, and would then
 * print into the board or read the board as its input. Returns the
 * descriptor (closing @fd if it moved) or -1 with errno set. */
int ib_fd_above_std(int fd);

/* The wall clock in milliseconds (CLOCK_MONOTONIC): now_ms of real boards. */
double ib_wall_ms(struct ib_transport *t);

/* A virtual board's clock as its simulator publishes it (docs/sim.md, "Board
 * time on the host"): the page icebuf-sim writes (sim/icebuf_sim.cpp,
 * struct ClockPage), mapped read-only, and when it last moved. */
struct ib_clock_page {
	char magic[8];            /* "ICEBCLK1" */
	uint64_t clk_hz;          /* clocks per simulated second */
	uint64_t cycles;          /* clocks so far, stored with release order */
	int64_t pid;              /* the simulator */
};
struct ib_board_clock {
	const struct ib_clock_page *page;   /* NULL: none, the wall clock */
	double ms_per_clock;
	uint64_t last_cycles;     /* as last seen ... */
	double last_move;         /* ... and the wall time it changed */
	double stall_ms;          /* wall time it may stand still: 5 s, $ICEBUF_SIM_STALL_MS */
};

/* Map the page at @path into *@c (zeroed first). 0, or -1 when there is no
 * valid page there: *@c then stays the wall clock. */
int ib_board_clock_open(struct ib_transport *t, struct ib_board_clock *c, const char *path);
void ib_board_clock_close(struct ib_board_clock *c);
/* Board time in ms (the wall clock without a page); notes when it moved. */
double ib_board_clock_ms(struct ib_transport *t, struct ib_board_clock *c);
/* ICEBUF_ERR_STALLED, with a message naming the simulator and its state,
 * when the clock has stood still for more than stall_ms of wall time; 0
 * otherwise (and always without a page). */
int ib_board_clock_check(struct ib_transport *t, struct ib_board_clock *c);

/* poll()-based wait for backends with a descriptor. */
int ib_fd_wait(struct ib_transport *t, int want_write, int timeout_ms);

/* Write a formatted message into t->err. */
void ib_set_err(struct ib_transport *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
