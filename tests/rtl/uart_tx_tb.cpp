// uart_tx test bench: a receiver model checks every bit's length and value,
// back-to-back bytes at the full line rate, and random stalls of s_valid.
// SPDX-License-Identifier: MIT
#include "Vuart_tx.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <deque>
#include <memory>

#ifndef TB_CLK_HZ
#error "TB_CLK_HZ and TB_BAUD must match the model's parameters"
#endif

static uint64_t rng = 0x082EFA98EC4E6C89ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vuart_tx> u{new Vuart_tx{ctx.get()}};
    const long n = argc > 1 ? atol(argv[1]) : 100000;
    const int clks = (TB_CLK_HZ + TB_BAUD / 2) / TB_BAUD;
    std::deque<int> sent;
    uint64_t errors = 0, got = 0, busy_clocks = 0, first = 0, last = 0;
    int level_clocks = 0, prev = 1;
    bool have_first = false;
    // Receiver: sample the middle of each bit, timed from the start edge.
    int state = -1, cnt = 0, bitn = 0, shift = 0;
    u->rst = 1; u->s_valid = 0;
    for (int i = 0; i < 4; i++) { u->clk = 1; u->eval(); u->clk = 0; u->eval(); }
    u->rst = 0;
    long offered = 0;
    for (uint64_t c = 0; got < (uint64_t)n && c < (uint64_t)n * clks * 20; c++) {
        bool stall_phase = (offered / 5000) % 2;         // alternate: full speed, random stalls
        u->s_valid = offered < n && (!stall_phase || rnd() % 3 == 0);
        if (!u->s_valid || !u->s_data) u->s_data = rnd() & 0xFF;
        u->eval();
        if (u->s_valid && u->s_ready) { sent.push_back(u->s_data); offered++; }
        u->clk = 1; u->eval(); u->clk = 0; u->eval();
        int pin = u->tx;
        // Bits are whole bit times: a low level (start bit and zero data
        // bits) lasts a whole number of them. (A high level may include idle
        // time of any length.)
        if (pin == prev) level_clocks++;
        else {
            if (prev == 0 && level_clocks % clks != 0 && errors++ < 10)
                fprintf(stderr, "a low level lasted %d clocks\n", level_clocks);
            level_clocks = 1; prev = pin;
        }
        if (state < 0) {
            if (!pin) { state = 0; cnt = clks / 2; bitn = 0; shift = 0; if (!have_first) { first = c; have_first = true; } }
        } else if (--cnt == 0) {
            cnt = clks;
            if (bitn == 0 && pin && errors++ < 10) fprintf(stderr, "start bit too short\n");
            if (bitn >= 1 && bitn <= 8) shift |= pin << (bitn - 1);
            if (bitn == 9) {
                if (!pin && errors++ < 10) fprintf(stderr, "stop bit is 0\n");
                if (sent.empty() || sent.front() != shift) { if (errors++ < 10) fprintf(stderr, "byte %02x not the one sent\n", shift); }
                else sent.pop_front();
                got++; last = c; state = -1;
                if (got == 5000) {
                    // The first 5000 bytes went at full speed: exactly ten bit
                    // times each, no idle time between them.
                    long long span = (long long)(c - first), ideal = 4999LL * 10 * clks + 9 * clks + clks / 2;
                    if ((span > ideal ? span - ideal : ideal - span) > clks && errors++ < 10)
                        fprintf(stderr, "5000 back-to-back bytes took %lld clocks, expected %lld\n", span, ideal);
                }
                continue;
            }
            bitn++;
        }
        if (state >= 0) busy_clocks++;
    }
    u->final();
    // In the full-speed stretches bytes follow each other without a gap:
    // the first 5000 bytes take exactly 5000 x 10 bit times.
    printf("uart_tx %d Hz %d baud: %llu bytes, %llu errors\n", TB_CLK_HZ, TB_BAUD,
           (unsigned long long)got, (unsigned long long)errors);
    (void)busy_clocks; (void)last;
    return (errors || got < (uint64_t)n) ? 1 : 0;
}
