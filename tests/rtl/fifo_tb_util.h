// fifo_tb_util.h — small helpers shared by the FIFO test benches
// SPDX-License-Identifier: MIT
#ifndef FIFO_TB_UTIL_H
#define FIFO_TB_UTIL_H

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

// xorshift64*: small, fast and the same on every platform, so a seed
// reproduces a run exactly.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed ? seed * 0x9E3779B97F4A7C15ull : 1) {}
    uint64_t next() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        return s * 0x2545F4914F6CDD1Dull;
    }
    double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) { return p >= 1.0 || (p > 0 && uniform() < p); }
    uint64_t below(uint64_t n) { return n ? next() % n : 0; }
};

struct TbArgs {
    uint64_t seed = 1;
    uint64_t cycles = 0;  // 0: the bench's default
    bool verbose = false;
};

// --seed N, --cycles N, -v; Verilator's own +verilator+… arguments pass.
static inline TbArgs tb_parse_args(int argc, char **argv, const char *usage) {
    TbArgs a;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            a.seed = strtoull(argv[++i], nullptr, 0);
        } else if (!strcmp(argv[i], "--cycles") && i + 1 < argc) {
            a.cycles = strtoull(argv[++i], nullptr, 0);
        } else if (!strcmp(argv[i], "-v")) {
            a.verbose = true;
        } else if (!strncmp(argv[i], "+verilator+", 11)) {
            // for Verilator
        } else {
            fprintf(stderr, "usage: %s %s\n", argv[0], usage);
            exit(2);
        }
    }
    return a;
}

#endif
