/*
 * peripheral.h — libicebuf's helpers for the board's peripherals (internal).
 * SPDX-License-Identifier: MIT
 */
#ifndef ICEBUF_PERIPHERAL_H
#define ICEBUF_PERIPHERAL_H

#include "icebuf.h"

/* ICEBUF_OK when the board's gateware has @feature (an enum icebuf_feature
 * bit); else ICEBUF_ERR_UNSUPPORTED, with a message on @dev naming @what
 * ("keyboard") and the gateware that has it. Every peripheral call starts
 * with it, before anything goes on the wire. */
int ib_require_feature(icebuf *dev, uint32_t feature, const char *what);

/* From icebuf.c: the FEATURES read at open, and setting @dev's message. */
uint32_t ib_dev_features(const icebuf *dev);
int ib_dev_fail(icebuf *dev, int code, const char *msg);
/* From regs.c: register requests @req (@len bytes, one frame) and their
 * @n responses, each 2 or 6 bytes as it came (op, addr, value). */
int ib_ctrl_transact(icebuf *dev, const uint8_t *req, size_t len, size_t n, uint8_t (*resp)[6], int timeout_ms);

/* A peripheral's state on a handle: one slot per peripheral (its FEATURES
 * bit number), empty at open; icebuf_close() calls free(state) if set. */
#define IB_PERIPH_SLOTS 4
enum { IB_PERIPH_KEYBOARD = 1, IB_PERIPH_VIDEO = 2 };
struct ib_periph {
	void *state;
	void (*free)(void *state);
};
struct ib_periph *ib_dev_periph(icebuf *dev, unsigned slot);
/* The handle's default time-out (icebuf_options.timeout_ms). */
int ib_dev_timeout(const icebuf *dev);

#endif
