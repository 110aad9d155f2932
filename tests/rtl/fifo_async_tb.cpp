// fifo_async test bench: two unrelated clocks (several ratios, one with
// jitter), random stalls, the data checked against a std::deque model.
// SPDX-License-Identifier: MIT
#include "Vfifo_async.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>

static uint64_t rng = 0x13198A2E03707344ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

struct Ratio { const char *name; double s_ps, m_ps, jitter; };

static int run(VerilatedContext *ctx, const Ratio &r, uint64_t edges) {
    std::unique_ptr<Vfifo_async> f{new Vfifo_async{ctx}};
    std::deque<uint32_t> model;
    uint64_t errors = 0, in = 0, out = 0, fast_out = 0;
    double ts = 0, tm = r.m_ps / 3, fast_time = 0, last = 0;
    f->s_clk = 0; f->m_clk = 0; f->s_rst = 1; f->m_rst = 1; f->s_valid = 0; f->m_ready = 0;
    f->eval();
    auto jit = [&](double p) { return p * (1.0 + r.jitter * (((int)(rnd() % 2001) - 1000) / 1000.0)); };
    int s_resets = 0, m_resets = 0;
    for (uint64_t e = 0; e < edges; e++) {
        bool s_edge = ts <= tm;
        double now = s_edge ? ts : tm;
        int phase = (int)((now / 1e9)) % 3;        // 1 us phases: random, full speed, reader slow
        if (phase == 1) fast_time += now - last;
        last = now;
        if (s_edge) {
            // Inputs change just after the write clock's rising edge.
            if (f->s_rst && ++s_resets > 4) f->s_rst = 0;
            bool fire = !f->s_rst && f->s_valid && f->s_ready;
            uint32_t d = f->s_data;
            f->s_clk = 1; f->eval();
            if (fire) { model.push_back(d); in++; }
            f->s_clk = 0;
            f->s_valid = phase == 1 ? 1 : (rnd() % 100) < 50;
            f->s_data = rnd() & 0xFF;
            f->eval();
            ts += jit(r.s_ps);
        } else {
            if (f->m_rst && ++m_resets > 4) f->m_rst = 0;
            bool fire = !f->m_rst && f->m_valid && f->m_ready;
            uint32_t d = f->m_data;
            if (fire) {
                if (model.empty()) { if (errors++ < 10) fprintf(stderr, "%s: word out of an empty FIFO\n", r.name); }
                else {
                    if (d != model.front() && errors++ < 10)
                        fprintf(stderr, "%s: got %02x, expected %02x\n", r.name, d, model.front());
                    model.pop_front();
                }
                out++;
                if (phase == 1) fast_out++;
            }
            f->m_clk = 1; f->eval();
            f->m_clk = 0;
            f->m_ready = phase == 1 ? 1 : phase == 2 ? (rnd() % 100) < 10 : (rnd() % 100) < 50;
            f->eval();
            tm += jit(r.m_ps);
        }
        if (f->s_level > 16 + 1 || f->m_level > 16 + 1) { if (errors++ < 10) fprintf(stderr, "%s: level out of range\n", r.name); }
    }
    f->final();
    double slower = r.s_ps > r.m_ps ? r.s_ps : r.m_ps;
    double rate = fast_out / (fast_time / slower);
    printf("fifo_async %-14s %llu words in, %llu out, %llu still held, %.3f of the slower clock's rate "
           "at full speed, %llu errors\n", r.name, (unsigned long long)in, (unsigned long long)out,
           (unsigned long long)model.size(), rate, (unsigned long long)errors);
    if (rate < 0.9 && r.jitter == 0) { fprintf(stderr, "%s: full-speed phase below 0.9 words per slower clock\n", r.name); errors++; }
    if (in < 100000 || out < 100000) { fprintf(stderr, "%s: too little traffic\n", r.name); errors++; }
    return errors ? 1 : 0;
}

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const Ratio ratios[] = {
        {"1:1", 83333, 83333, 0},
        {"12:25.125MHz", 83333, 39801, 0},
        {"48:12MHz", 20833, 83333, 0},
        {"12:48MHz", 83333, 20833, 0},
        {"jittery", 50000, 47000, 0.2},
    };
    int bad = 0;
    for (const Ratio &r : ratios) bad |= run(ctx.get(), r, 1000000);
    return bad;
}
