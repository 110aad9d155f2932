/*
 * ftdi_open DEVICE CODE: icebuf_open(DEVICE) must fail with the error named
 * CODE (icebuf_strerror's words, or "ok" for success); prints the message.
 * The bad-device tests of tests/e2e/ftdi.sh use it to check the codes that
 * icebuf.h promises, which the icebuf tool does not print.
 * SPDX-License-Identifier: MIT
 */
#include "icebuf.h"

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: ftdi_open DEVICE CODE\n");
		return 2;
	}
	icebuf *dev = NULL;
	int r = icebuf_open(&dev, argv[1], NULL);
	const char *got = r ? icebuf_strerror(r) : "ok";
	printf("%s: %s (%d): %s\n", argv[1], got, r, r ? icebuf_open_error() : "");
	icebuf_close(dev);
	if (strcmp(got, argv[2])) {
		printf("FAIL: expected '%s'\n", argv[2]);
		return 1;
	}
	return 0;
}
