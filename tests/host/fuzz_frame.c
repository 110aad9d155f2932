/*
 * libFuzzer target: arbitrary bytes into the frame decoders, both
 * encodings. Any crash, overrun or undefined behaviour is a bug; a frame
 * that parses must re-encode to the same bytes.
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > IB_WIRE_MAX)
		return 0;
	static uint8_t scratch[IB_WIRE_MAX], wire[IB_WIRE_MAX];
	for (int rcobs = 0; rcobs < 2; rcobs++) {
		struct ib_frame f;
		if (ib_frame_parse(data, size, rcobs, IB_MAX_MTU, scratch, &f) != IB_PARSE_OK)
			continue;
		size_t n = ib_frame_encode(&f, rcobs, wire);
		if (n != size + 1 || memcmp(wire, data, size))
			abort();
	}
	return 0;
}
