/*
 * icebuf_private.h — calls for icebuf's own tests and tools, not the public API.
 * SPDX-License-Identifier: MIT
 */
#ifndef ICEBUF_PRIVATE_H
#define ICEBUF_PRIVATE_H

#include "icebuf.h"

#include <stddef.h>

/* Put @len raw bytes on the wire as they are: the end-to-end tests use it to
 * send a corrupt frame or garbage and check the board counts it and goes on.
 * Errors: ARG, CLOSED, IO. */
ICEBUF_EXPORT int icebuf_debug_inject(icebuf *dev, const void *bytes, size_t len);

#endif
