// uart_tx test bench: every edge on the pin is timed against the ideal line.
// Bit j of a run of back-to-back bytes ideally begins j * CLK_HZ/BAUD clocks
// after the run's first start edge (a fraction of a clock when BAUD does not
// divide CLK_HZ); each edge must fall within half a clock of its ideal time,
// in order and in the right direction, so the pin is the ideal waveform with
// its edges moved by at most half a clock and no error grows along a run.
// Full-speed stretches (s_valid held) must be one run; random stalls of
// s_valid in between. The virtual board's FTDI model (sim/ftdi_uart.h), at
// the same clocks a bit, listens on the pin and must get every byte.
// SPDX-License-Identifier: MIT
#include "Vuart_tx.h"
#include "verilated.h"
#include "ftdi_uart.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>

#ifndef TB_CLK_HZ
#error "TB_CLK_HZ and TB_BAUD must match the model's parameters"
#endif

static uint64_t rng = 0x082EFA98EC4E6C89ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }
static int64_t gcd(int64_t a, int64_t b) { while (b) { int64_t t = a % b; a = b; b = t; } return a; }

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vuart_tx> u{new Vuart_tx{ctx.get()}};
    const long n = argc > 1 ? atol(argv[1]) : 100000;
    // Clocks per bit, N/D in lowest terms; times below are in units of
    // 1/(2D) clock, so that every ideal edge and every half clock is whole.
    const int64_t g = gcd(TB_CLK_HZ, TB_BAUD), N = TB_CLK_HZ / g, D = TB_BAUD / g;
    if (D > 256) { fprintf(stderr, "the bench times exact fractions only (D = %lld)\n", (long long)D); return 1; }
    struct Edge { int64_t at; int to; int64_t bit; };   // ideal time (1/(2D) clock), level after, bit in run
    std::deque<Edge> due;
    uint64_t errors = 0, edges = 0, runs = 0, longest = 0, got = 0;
    int64_t worst = 0;                              // largest |edge error| seen, 1/(2D) clock
    int64_t t0 = 0, nbits = 0;                      // the current run: first start edge (clock), bits queued
    bool in_run = false;
    int level = 1;
    icebuf_sim::FtdiUart ftdi((uint32_t)N, (uint32_t)D, icebuf_sim::FaultRates(), 1);
    std::deque<int> ftdi_want;
    uint64_t ftdi_got = 0;
    auto ftdi_drain = [&]() {
        auto &q = ftdi.up_queue();
        while (!q.empty()) {
            int b = q.pop();
            if (ftdi_want.empty() || ftdi_want.front() != b) {
                if (errors++ < 10) fprintf(stderr, "the FTDI model got %02x, want %02x\n", b,
                                           ftdi_want.empty() ? -1 : ftdi_want.front());
            } else ftdi_want.pop_front();
            ftdi_got++;
        }
    };
    u->rst = 1; u->s_valid = 0;
    for (int i = 0; i < 4; i++) { u->clk = 1; u->eval(); u->clk = 0; u->eval(); }
    u->rst = 0;
    level = u->tx;
    if (!level && errors++ < 10) fprintf(stderr, "tx low after reset\n");
    long offered = 0;
    const int64_t max_clocks = (int64_t)n * 20 * (N / D + 1) * 20;
    for (int64_t c = 0; (offered < n || !due.empty()) && c < max_clocks; c++) {
        const bool stall_phase = (offered / 5000) % 2;  // alternate: full speed, random stalls
        u->s_valid = offered < n && (!stall_phase || rnd() % 3 == 0);
        if (!u->s_valid || !u->s_data) u->s_data = rnd() & 0xFF;
        u->eval();
        const bool take = u->s_valid && u->s_ready;
        const int data = u->s_data;
        u->clk = 1; u->eval(); u->clk = 0; u->eval();
        const int pin = u->tx;
        ftdi.tick(pin);
        if (ftdi.up_queue().size() > 1000) ftdi_drain();
        if (take) {
            // Its start bit begins at this clock edge: on time after the
            // run's last stop bit (within half a clock), or a new run.
            const int64_t late = 2 * D * (c - t0) - 2 * nbits * N;
            if (in_run && late < -D && errors++ < 10)
                fprintf(stderr, "clock %lld: a byte taken %.2f clocks before the stop bit ended\n",
                        (long long)c, -late / (2.0 * D));
            if (!in_run || late > D) {
                if (in_run && !stall_phase && offered % 5000 != 0 && errors++ < 10)
                    fprintf(stderr, "clock %lld: a gap of %.2f clocks between bytes at full speed\n",
                            (long long)c, late / (2.0 * D));
                if (in_run && (uint64_t)nbits / 10 > longest) longest = (uint64_t)nbits / 10;
                in_run = true; t0 = c; nbits = 0; runs++;
            }
            const int frame = 0x200 | data << 1;        // stop 1, data LSB first, start 0
            int prev = 1;                                // idle or the last stop bit
            for (int k = 0; k < 10; k++) {
                const int b = (frame >> k) & 1;
                if (b != prev) due.push_back({2 * D * t0 + 2 * (nbits + k) * N, b, nbits + k});
                prev = b;
            }
            nbits += 10;
            offered++;
            ftdi_want.push_back(data);
        }
        if (pin != level) {
            if (due.empty()) {
                if (errors++ < 10) fprintf(stderr, "clock %lld: an edge to %d with none due\n", (long long)c, pin);
            } else {
                const Edge e = due.front();
                due.pop_front();
                const int64_t err = 2 * D * c - e.at;
                if (e.to != pin && errors++ < 10)
                    fprintf(stderr, "clock %lld: an edge to %d where bit %lld of the run goes to %d\n",
                            (long long)c, pin, (long long)e.bit, e.to);
                if ((err > D || err < -D) && errors++ < 10)
                    fprintf(stderr, "clock %lld: bit %lld of a run starts %.3f clocks off its ideal time\n",
                            (long long)c, (long long)e.bit, err / (2.0 * D));
                if (llabs(err) > worst) worst = llabs(err);
                edges++;
                if (e.to == 1 && (e.bit % 10) == 9) got++;  // a stop bit's rising edge: a byte done
            }
            level = pin;
        }
        // An edge not seen by half a clock after its time is missing.
        while (!due.empty() && 2 * D * c - due.front().at > D) {
            if (errors++ < 10)
                fprintf(stderr, "clock %lld: no edge for bit %lld of the run\n", (long long)c,
                        (long long)due.front().bit);
            due.pop_front();
        }
    }
    if (in_run && (uint64_t)nbits / 10 > longest) longest = (uint64_t)nbits / 10;
    // The line idles while the FTDI model finishes its last byte.
    u->s_valid = 0;
    for (int64_t i = 0; i < 12 * N / D + 10; i++) {
        u->clk = 1; u->eval(); u->clk = 0; u->eval();
        if (u->tx != 1 && errors++ < 10) fprintf(stderr, "an edge after the last byte\n");
        ftdi.tick(u->tx);
    }
    ftdi_drain();
    if (!ftdi_want.empty() || ftdi.up.frame_errors || ftdi.up.lost) {
        errors++;
        fprintf(stderr, "the FTDI model missed %zu bytes, %llu framing errors\n", ftdi_want.size(),
                (unsigned long long)ftdi.up.frame_errors);
    }
    u->final();
    if (offered < n || !due.empty()) { errors++; fprintf(stderr, "ran out of clocks\n"); }
    if (!level) { errors++; fprintf(stderr, "the line does not idle high at the end\n"); }
    if (longest < 5000) { errors++; fprintf(stderr, "the longest back-to-back run was %llu bytes\n", (unsigned long long)longest); }
    printf("uart_tx %d Hz %d baud (%lld/%lld clocks a bit): %ld bytes, %llu edges timed, worst %.3f clock off, "
           "%llu runs, longest %llu bytes back to back, %llu bytes through the FTDI model, %llu errors\n", TB_CLK_HZ, TB_BAUD, (long long)N,
           (long long)D, offered, (unsigned long long)edges, worst / (2.0 * D), (unsigned long long)runs,
           (unsigned long long)longest, (unsigned long long)ftdi_got, (unsigned long long)errors);
    (void)got;
    return errors ? 1 : 0;
}
