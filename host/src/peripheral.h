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
/* Register requests @req (@len bytes, one frame) and their @n responses,
 * each 2 or 6 bytes as it came (op, addr, value). */
int ib_ctrl_transact(icebuf *dev, const uint8_t *req, size_t len, size_t n, uint8_t (*resp)[6], int timeout_ms);

#endif
