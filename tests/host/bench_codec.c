/*
 * Host codec throughput: building downstream frames (header, CRC-32, COBS)
 * of 1024-byte payloads and parsing upstream ones (rCOBS, CRC-32 check) of
 * 512-byte payloads, the sizes the link uses, on one core. Prints "key value unit description" lines for make bench.
 * SPDX-License-Identifier: MIT
 */
#include "codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	static uint8_t payload[1024], wire[IB_WIRE_MAX], up[IB_WIRE_MAX], scratch[IB_WIRE_MAX];
	uint64_t s = 1;
	for (size_t i = 0; i < sizeof payload; i++) { s = s * 6364136223846793005ull + 1; payload[i] = (uint8_t)(s >> 56); }
	struct ib_frame f = { .type = IB_T_DATA, .chan = 1, .credit = 4096, .payload = payload, .len = sizeof payload };
	const long n = 400000;
	size_t sink = 0;
	double t0 = now_s();
	for (long i = 0; i < n; i++) {
		f.seq = (uint8_t)i;
		sink += ib_frame_encode(&f, 0, wire);
	}
	double enc = n * 1024.0 / (now_s() - t0) / 1e6;
	f.len = 512;
	size_t m = ib_frame_encode(&f, 1, up) - 1;
	struct ib_frame g;
	t0 = now_s();
	for (long i = 0; i < n; i++)
		sink += ib_frame_parse(up, m, 1, 512, scratch, &g) == IB_PARSE_OK ? g.len : 0;
	double dec = n * 512.0 / (now_s() - t0) / 1e6;
	printf("host_codec_encode_mb_per_s %.0f MB/s framing+CRC+COBS of 1024-byte payloads, one core\n", enc);
	printf("host_codec_decode_mb_per_s %.0f MB/s rCOBS+CRC check+parse of 512-byte payloads, one core\n", dec);
	return sink == 0;
}
