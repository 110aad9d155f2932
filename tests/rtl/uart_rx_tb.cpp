// uart_rx test bench: a bit-level transmitter model drives the pin, in exact
// integer time (a fraction of a clock when BAUD does not divide CLK_HZ), at
// the ideal rate and at rates off by up to +-2 %: random bytes strictly back
// to back, then with random phase, gaps, framing errors, glitches and a
// break. Every good byte must come out once and right, every bad one be
// counted as a framing error. Last, the virtual board's FTDI model
// (sim/ftdi_uart.h), at the same clocks a bit, sends random bytes back to back.
//   Vuart_rx [BYTES]   the test (BYTES per rate and kind, default 10000)
//   Vuart_rx sweep     a measurement: the rate errors, in steps of 0.1 %,
//                      the receiver still reads back-to-back bytes at
//   Vuart_rx at PCT    4000 back-to-back bytes from a transmitter PCT % fast
// SPDX-License-Identifier: MIT
#include "Vuart_rx.h"
#include "verilated.h"
#include "ftdi_uart.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>

#ifndef TB_CLK_HZ
#error "TB_CLK_HZ and TB_BAUD must match the model's parameters"
#endif

static uint64_t rng = 0xA4093822299F31D0ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }
static int64_t gcd(int64_t a, int64_t b) { while (b) { int64_t t = a % b; a = b; b = t; } return a; }

// Clocks per bit N/D in lowest terms; time is counted in units of 1/(S*D)
// clock, so that a clock is S*D units and a bit at the ideal rate exactly S*N.
static const int64_t G = gcd(TB_CLK_HZ, TB_BAUD), N = TB_CLK_HZ / G, D = TB_BAUD / G, S = 10000;
static const int64_t CLK = S * D;

struct Bench {
    Vuart_rx *u;
    int64_t t = 0;                                  // time of the next clock edge
    int64_t now = 0;                                // the transmitter's time
    std::deque<int> expect;                         // bytes, or -1 for a framing error
    uint64_t errors = 0, good = 0, bad_sent = 0, bad_seen = 0, extra = 0;
    bool quiet = false;

    void complain(const char *what, int a = 0, int b = 0) {
        if (!quiet && errors < 10) fprintf(stderr, what, a, b);
        errors++;
    }
    void clock(bool pin) {
        u->rx = pin;
        u->clk = 1; u->eval();
        if (u->m_valid) {
            if (expect.empty() || expect.front() < 0) { extra++; complain("unexpected byte %02x\n", u->m_data); }
            else {
                if (u->m_data != expect.front()) complain("got %02x want %02x\n", u->m_data, expect.front());
                expect.pop_front(); good++;
            }
        }
        if (u->frame_err) {
            if (expect.empty() || expect.front() >= 0) complain("unexpected framing error\n");
            else { expect.pop_front(); bad_seen++; }
        }
        u->clk = 0; u->eval();
        t += CLK;
    }
    // The pin holds `pin` until the transmitter's time reaches `until`.
    void hold(bool pin, int64_t until) { while (t < until) clock(pin); }
    void frame(int b, int64_t bit, bool stop = true) {
        hold(false, now += bit);                     // start bit
        for (int k = 0; k < 8; k++) hold((b >> k) & 1, now += bit);
        hold(stop, now += bit);
    }
    void phase() { hold(true, now += (int64_t)(rnd() % CLK)); }   // idle for a random part of a clock
    // Idle for `bits` bit times; every byte sent must have come out by then.
    void drain(int64_t bit, int bits) {
        hold(true, now += bits * bit);
        if (!expect.empty()) { complain("%d bytes missing\n", (int)expect.size()); expect.clear(); }
    }
    // Bytes strictly back to back.
    void stream(int64_t bit, int count) {
        phase();
        for (int i = 0; i < count; i++) {
            int b = rnd() & 0xFF;
            expect.push_back(b);
            frame(b, bit);
        }
        drain(bit, 20);
    }
    // Random phase, gaps, framing errors, glitches; then a break.
    void mixed(int64_t bit, int count) {
        for (int i = 0; i < count; i++) {
            int b = rnd() & 0xFF;
            bool frame_bad = rnd() % 50 == 0;
            expect.push_back(frame_bad ? -1 : b);
            if (frame_bad) bad_sent++;
            phase();
            frame(b, bit, !frame_bad);
            if (frame_bad) hold(true, now += bit);   // the line returns high
            int gap = rnd() % 4;                     // mostly back to back
            if (gap == 3) hold(true, now += bit * (rnd() % 20));
            if (rnd() % 200 == 0) {                  // a glitch shorter than a third of a bit
                hold(true, now += bit);
                hold(false, now += bit / 4);
                hold(true, now += 2 * bit);
            }
        }
        // Drain, then a break (line low for 30 bits): one framing error.
        drain(bit, 20);
        expect.push_back(-1); bad_sent++;
        hold(false, now += 30 * bit);
        drain(bit, 20);
    }
};

// A bit at a rate off by `off` (0.01: the transmitter 1 % fast).
static int64_t bit_at(double off) { return llround((double)(S * N) / (1.0 + off)); }

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vuart_rx> u{new Vuart_rx{ctx.get()}};
    Bench tb;
    tb.u = u.get();
    u->rst = 1; tb.hold(true, 10 * CLK); u->rst = 0;
    tb.now = tb.t;

    if (argc > 1 && !strcmp(argv[1], "sweep")) {
        // For each direction, the largest rate error (0.1 % steps) at which
        // 4000 back-to-back bytes of random phase all come out right.
        tb.quiet = true;
        double lim[2] = {0, 0};
        for (int dir = 0; dir < 2; dir++) {
            for (int step = 1; step <= 100; step++) {
                const double off = (dir ? 1 : -1) * step / 1000.0;
                const uint64_t before = tb.errors;
                for (int k = 0; k < 40; k++) tb.stream(bit_at(off), 100);
                if (tb.errors != before) break;
                lim[dir] = off;
            }
            u->rst = 1; tb.hold(true, tb.t + 10 * CLK); u->rst = 0; tb.now = tb.t;
        }
        printf("uart_rx %d Hz %d baud (%lld/%lld clocks a bit): reads a transmitter %.1f %% slow to %.1f %% fast\n",
               TB_CLK_HZ, TB_BAUD, (long long)N, (long long)D, -100 * lim[0], 100 * lim[1]);
        return 0;
    }

    if (argc > 2 && !strcmp(argv[1], "at")) {
        const double off = atof(argv[2]) / 100;
        for (int k = 0; k < 40; k++) tb.stream(bit_at(off), 100);
        printf("at %g %%: %llu errors\n", off * 100, (unsigned long long)tb.errors);
        return 0;
    }
    const int per_rate = argc > 1 ? atoi(argv[1]) : 10000;
    const double offsets[] = {0.0, -0.02, -0.01, 0.01, 0.02};
    for (double off : offsets) {
        tb.stream(bit_at(off), per_rate);
        tb.mixed(bit_at(off), per_rate);
    }
    {   // the FTDI model's driver, ticked with the clock as the virtual board does
        icebuf_sim::FtdiUart ftdi((uint32_t)N, (uint32_t)D, icebuf_sim::FaultRates(), 1);
        for (int sent = 0; sent < per_rate;) {
            uint8_t b = (uint8_t)rnd();
            if (ftdi.host_write(&b, 1)) { tb.expect.push_back(b); sent++; }
            for (int i = 0; i < 2 + (int)(rnd() % 20); i++) { tb.clock(ftdi.rx()); ftdi.tick(true); }
        }
        while (ftdi.down_room() < icebuf_sim::FtdiUart::BUF) { tb.clock(ftdi.rx()); ftdi.tick(true); }
        for (int64_t i = 0; i < 12 * N / D + 10; i++) { tb.clock(ftdi.rx()); ftdi.tick(true); }   // the last byte
        tb.now = tb.t;
        tb.drain(bit_at(0), 20);
    }
    u->final();
    printf("uart_rx %d Hz %d baud (%lld/%lld clocks a bit): %llu good bytes, %llu/%llu framing errors seen, "
           "%llu unexpected, %zu missing, %llu errors\n", TB_CLK_HZ, TB_BAUD, (long long)N, (long long)D,
           (unsigned long long)tb.good, (unsigned long long)tb.bad_seen, (unsigned long long)tb.bad_sent,
           (unsigned long long)tb.extra, tb.expect.size(), (unsigned long long)tb.errors);
    const uint64_t want_good = 5ull * 2 * per_rate - (tb.bad_sent - 5) + per_rate;
    if (tb.good != want_good) {
        fprintf(stderr, "%llu good bytes, %llu sent\n", (unsigned long long)tb.good, (unsigned long long)want_good);
        return 1;
    }
    return (tb.errors || !tb.expect.empty() || tb.bad_seen != tb.bad_sent) ? 1 : 0;
}
