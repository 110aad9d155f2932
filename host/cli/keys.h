/*
 * keys.h — the icebuf tool's keyboard commands (keys.c): keys, leds, and
 * the keyboard lines of info.
 * SPDX-License-Identifier: MIT
 */
#ifndef ICEBUF_CLI_KEYS_H
#define ICEBUF_CLI_KEYS_H

#include "icebuf.h"

/* What the global options say about the board. */
struct cli_board {
	const char *device;
	unsigned baud;
	int timeout_ms;
	int quiet;
};

int cli_keys(const struct cli_board *b, int argc, char **argv);
int cli_leds(const struct cli_board *b, int argc, char **argv);
/* info's lines about the keyboard, when the gateware has one. */
void cli_kbd_info(icebuf *dev);

#endif
