// uart_rx test bench: a bit-level transmitter model drives the pin at rates
// off by up to ±2 %, with random phase, gaps, framing errors, glitches and a
// break; every good byte must come out once, every bad one be counted.
// SPDX-License-Identifier: MIT
#include "Vuart_rx.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>

#ifndef TB_CLK_HZ
#error "TB_CLK_HZ and TB_BAUD must match the model's parameters"
#endif

static uint64_t rng = 0xA4093822299F31D0ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vuart_rx> u{new Vuart_rx{ctx.get()}};
    const int per_rate = argc > 1 ? atoi(argv[1]) : 20000;
    const double clk_ps = 1e12 / TB_CLK_HZ;
    const double offsets[] = {-0.02, -0.01, 0.0, 0.01, 0.02};
    uint64_t errors = 0, good = 0, bad_sent = 0, bad_seen = 0, extra = 0;
    double t = 0;                                   // time of the next clock edge, ps
    std::deque<int> expect;                         // bytes, or -1 for a framing error

    auto clock = [&](bool pin) {
        u->rx = pin;
        u->clk = 1; u->eval();
        if (u->m_valid) {
            if (expect.empty() || expect.front() < 0) { extra++; if (errors++ < 10) fprintf(stderr, "unexpected byte %02x\n", u->m_data); }
            else { if (u->m_data != expect.front() && errors++ < 10) fprintf(stderr, "got %02x want %02x\n", u->m_data, expect.front()); expect.pop_front(); good++; }
        }
        if (u->frame_err) {
            if (expect.empty() || expect.front() >= 0) { if (errors++ < 10) fprintf(stderr, "unexpected framing error\n"); }
            else { expect.pop_front(); bad_seen++; }
        }
        u->clk = 0; u->eval();
        t += clk_ps;
    };
    // Hold the pin at a level for a span of time.
    auto hold = [&](bool pin, double until) { while (t < until) clock(pin); };

    u->rst = 1; hold(true, 10 * clk_ps); u->rst = 0;
    double now = t;
    for (double off : offsets) {
        const double bit = 1e12 / (TB_BAUD * (1.0 + off));
        for (int i = 0; i < per_rate; i++) {
            int b = rnd() & 0xFF;
            bool frame_bad = rnd() % 50 == 0;
            expect.push_back(frame_bad ? -1 : b);
            if (frame_bad) bad_sent++;
            now += (rnd() % 1000) / 1000.0 * clk_ps;    // random phase to the clock
            hold(false, now += bit);                     // start bit
            for (int k = 0; k < 8; k++) hold((b >> k) & 1, now += bit);
            hold(!frame_bad, now += bit);                // stop bit
            if (frame_bad) hold(true, now += bit);       // the line returns high
            int gap = rnd() % 4;                         // mostly back to back
            if (gap == 3) hold(true, now += bit * (rnd() % 20));
            if (rnd() % 200 == 0) {                      // a glitch shorter than a third of a bit
                hold(true, now += bit);
                hold(false, now += bit / 4);
                hold(true, now += 2 * bit);
            }
        }
        // Drain, then a break (line low for 30 bits): one framing error.
        hold(true, now += 20 * bit);
        expect.push_back(-1); bad_sent++;
        hold(false, now += 30 * bit);
        hold(true, now += 20 * bit);
    }
    u->final();
    printf("uart_rx %d Hz %d baud: %llu good bytes, %llu/%llu framing errors seen, %llu unexpected, "
           "%zu missing, %llu errors\n", TB_CLK_HZ, TB_BAUD, (unsigned long long)good,
           (unsigned long long)bad_seen, (unsigned long long)bad_sent, (unsigned long long)extra,
           expect.size(), (unsigned long long)errors);
    return (errors || !expect.empty()) ? 1 : 0;
}
