// fifo_sync test bench: the FIFO against a std::deque model, with random
// valid/ready stalls and long full, empty and full-speed phases.
// SPDX-License-Identifier: MIT
#include "Vfifo_sync.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>

#ifndef TB_DEPTH
#error "TB_DEPTH must match the DEPTH the model was built with"
#endif

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vfifo_sync> f{new Vfifo_sync{ctx.get()}};
    const uint64_t cycles = argc > 1 ? strtoull(argv[1], nullptr, 0) : 1000000;
    std::deque<uint32_t> model;
    const uint32_t mask = 0xFF;
    uint64_t errors = 0, full_cycles = 0, empty_cycles = 0, moved = 0, fast_moved = 0, fast_cycles = 0;
    int waiting = 0;                         // clocks the model's front has waited for m_valid
    auto fail = [&](uint64_t c, const char *what) {
        if (errors++ < 10) fprintf(stderr, "cycle %llu: %s\n", (unsigned long long)c, what);
    };

    f->clk = 0; f->rst = 1; f->s_valid = 0; f->m_ready = 0; f->s_data = 0;
    for (int i = 0; i < 4; i++) { f->clk = 1; f->eval(); f->clk = 0; f->eval(); }
    f->rst = 0; f->eval();

    for (uint64_t c = 0; c < cycles; c++) {
        // Phases of 20000 clocks: random, producer only (fills and stays
        // full), consumer only (drains and stays empty), both at full speed.
        int phase = (c / 20000) % 4;
        int pv = phase == 0 ? (rnd() % 100) < 60 : phase == 1 ? (rnd() % 100) < 95 : phase == 2 ? (rnd() % 100) < 5 : 1;
        int cr = phase == 0 ? (rnd() % 100) < 60 : phase == 1 ? (rnd() % 100) < 5 : phase == 2 ? (rnd() % 100) < 95 : 1;
        f->s_valid = pv;
        f->s_data = rnd() & mask;
        f->m_ready = cr;
        f->eval();

        // Checks against the model, before the clock edge.
        if (f->level != model.size()) fail(c, "level differs from writes minus reads");
        if (f->s_ready != (model.size() < TB_DEPTH)) fail(c, "s_ready is not (level < DEPTH)");
        if (f->m_valid) {
            if (model.empty()) fail(c, "m_valid while empty");
            else if (f->m_data != model.front()) fail(c, "data out of order or corrupt");
            waiting = 0;
        } else if (!model.empty() && ++waiting > 2) {
            fail(c, "a word waited more than 2 clocks to appear");
        }
        if (model.size() == TB_DEPTH) full_cycles++;
        if (model.empty()) empty_cycles++;

        bool in = f->s_valid && f->s_ready, out = f->m_valid && f->m_ready;
        if (out) { model.pop_front(); moved++; if (phase == 3) fast_moved++; }
        if (in) model.push_back(f->s_data);
        if (phase == 3) fast_cycles++;

        f->clk = 1; f->eval(); f->clk = 0; f->eval();
    }
    f->final();
    double rate = fast_cycles ? (double)fast_moved / fast_cycles : 0;
    printf("fifo_sync DEPTH %d: %llu cycles, %llu words through, full for %llu cycles, empty for %llu, "
           "%.4f words/clock at full speed, %llu errors\n", TB_DEPTH, (unsigned long long)cycles,
           (unsigned long long)moved, (unsigned long long)full_cycles, (unsigned long long)empty_cycles,
           rate, (unsigned long long)errors);
    if (rate < 0.999) { fprintf(stderr, "full-speed phase moved less than one word per clock\n"); errors++; }
    if (full_cycles < cycles / 10 || empty_cycles < cycles / 10) {
        fprintf(stderr, "the bench did not keep the FIFO full and empty long enough\n"); errors++;
    }
    return errors ? 1 : 0;
}
