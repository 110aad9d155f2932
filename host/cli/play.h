/*
 * play.h — `icebuf play` (host/cli/play.c), called from icebuf.c's command table.
 * SPDX-License-Identifier: MIT
 */
#ifndef ICEBUF_CLI_PLAY_H
#define ICEBUF_CLI_PLAY_H

/* The global options that matter to the command. */
struct play_opts {
	const char *device;
	unsigned baud;
	int timeout_ms;
	int quiet;
};

/* argv[0] is "play". Returns the exit status (docs/cli.md). */
int cmd_play(const struct play_opts *g, int argc, char **argv);

#endif
