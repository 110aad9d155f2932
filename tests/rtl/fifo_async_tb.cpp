// fifo_async_tb — fifo_async with two unrelated clocks against a C++ model
// SPDX-License-Identifier: MIT
//
// Several clock pairs (equal, 12 : 25.125 MHz and back, 48 : 12 MHz and back,
// 12 : 50.25 MHz (16 : 67) and back, 50.25 : 25.125 MHz (2 : 1) and back,
// 7 : 1 and 1 : 7, a pair whose every period jitters by up to ±25 %, and four
// ratios drawn at random from 1 : 7 to 7 : 1), each through phases of
// random valid/ready stalls that keep the FIFO full or empty for long
// stretches, idle spells, full-speed streams and resets (the two sides
// released in either order). Checked on every edge:
//   * every word comes out once, in order, intact (a std::deque of words
//     written and not yet read);
//   * 0 <= m_level <= true level <= s_level <= DEPTH, where the true level
//     is the model's; s_ready == (s_level != DEPTH); m_valid only when words
//     are held and then m_level >= 1;
//   * after both sides idle a few clocks, s_level == m_level == true level,
//     and m_valid is up if anything is held;
//   * a full-speed stream moves at least 98 % of a word per cycle of the
//     slower clock (DEPTH >= 16; smaller FIFOs cannot cover the pointers'
//     round trip through the synchronisers, their rate is only printed).
//
//   fifo_async_tb [--seed N] [--cycles N] [-v]   (cycles: edges per clock pair)

#include "Vfifo_async.h"
#include "fifo_tb_util.h"
#include "verilated.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <memory>
#include <vector>

#ifndef FIFO_DEPTH
#error "FIFO_DEPTH must be defined by the build (mk/fifo.mk), equal to the Verilog DEPTH"
#endif

static const size_t DEPTH = FIFO_DEPTH;

struct Clocks {
    const char *name;
    double s_ps, m_ps;    // periods
    double jitter;        // each period is scaled by 1 + jitter * uniform(-1, 1)
};

struct Bench {
    Vfifo_async *dut;
    Rng &rng;
    const Clocks &ck;
    bool verbose;
    std::deque<uint32_t> q;                   // words written, not yet read
    double t_s, t_m;                          // next rising edges, ps
    double p_in = 0, p_out = 0;               // s_valid and m_ready probabilities
    uint64_t s_edges = 0, m_edges = 0, errors = 0;
    uint64_t words_in = 0, words_out = 0, full_edges = 0, empty_edges = 0, resets = 0;
    int s_rst_left = 0, m_rst_left = 0;       // own edges of reset still to come
    bool s_rst_seen = false, m_rst_seen = false;  // each side has had a reset edge
    bool check_settled = false;
    double worst_rate = 2.0;

    Bench(Vfifo_async *d, Rng &r, const Clocks &c, bool v) : dut(d), rng(r), ck(c), verbose(v) {
        t_s = ck.s_ps * rng.uniform();
        t_m = ck.m_ps * rng.uniform();
    }

    double slow_ps() const { return std::max(ck.s_ps, ck.m_ps); }
    double period(double p) { return p * (1.0 + ck.jitter * (2.0 * rng.uniform() - 1.0)); }
    double now() const { return std::min(t_s, t_m); }

    void fail(const char *side, const char *what, long long got, long long want) {
        if (errors < 10)
            fprintf(stderr, "%s %s t=%.0f ps: %s is %lld, expected %lld (true level %zu)\n", ck.name, side, now(),
                    what, got, want, q.size());
        errors++;
    }

    void drive_s() {
        dut->s_rst = s_rst_left > 0;
        dut->s_valid = rng.chance(p_in);
        dut->s_data = (uint32_t)rng.next() & 0xff;
    }
    void drive_m() {
        dut->m_rst = m_rst_left > 0;
        dut->m_ready = rng.chance(p_out);
    }

    // Advance to the next rising edge (of one clock or both at once).
    void edge() {
        bool se = t_s <= t_m, me = t_m <= t_s;
        bool s_fire = false, m_fire = false;
        uint32_t s_word = dut->s_data;
        if (se && !dut->s_rst) {
            long long lvl = dut->s_level;
            if (lvl < (long long)q.size() || lvl > (long long)DEPTH) fail("s", "s_level", lvl, q.size());
            if (dut->s_ready != (lvl != (long long)DEPTH)) fail("s", "s_ready", dut->s_ready, lvl != (long long)DEPTH);
            if (check_settled && lvl != (long long)q.size()) fail("s", "settled s_level", lvl, q.size());
            s_fire = dut->s_valid && dut->s_ready;
            if (q.size() == DEPTH) full_edges++;
        }
        if (me && !dut->m_rst) {
            long long lvl = dut->m_level;
            if (lvl > (long long)q.size()) fail("m", "m_level", lvl, q.size());
            if (dut->m_valid && (q.empty() || lvl < 1)) fail("m", "m_level (m_valid high)", lvl, q.size());
            if (check_settled && lvl != (long long)q.size()) fail("m", "settled m_level", lvl, q.size());
            if (check_settled && dut->m_valid != !q.empty()) fail("m", "settled m_valid", dut->m_valid, !q.empty());
            m_fire = dut->m_valid && dut->m_ready;
            if (m_fire && !q.empty() && dut->m_data != q.front()) fail("m", "m_data", dut->m_data, q.front());
            if (q.empty()) empty_edges++;
        }
        if (se) dut->s_clk = 1;
        if (me) dut->m_clk = 1;
        dut->eval();
        if (m_fire && !q.empty()) q.pop_front();
        if (s_fire) q.push_back(s_word);
        words_in += s_fire;
        words_out += m_fire;
        if (se) {
            s_edges++;
            // A side leaves reset only once the other has been reset too
            // (fifo_async's reset rule).
            if (dut->s_rst) s_rst_seen = true;
            if (s_rst_left > 0 && m_rst_seen) s_rst_left--;
            dut->s_clk = 0;
            drive_s();
            t_s += period(ck.s_ps);
        }
        if (me) {
            m_edges++;
            if (dut->m_rst) m_rst_seen = true;
            if (m_rst_left > 0 && s_rst_seen) m_rst_left--;
            dut->m_clk = 0;
            drive_m();
            t_m += period(ck.m_ps);
        }
        dut->eval();
    }

    void run_for(double ps) {
        double end = now() + ps;
        while (now() < end) edge();
    }

    // Both resets at once, held for 1..6 edges of each clock (so either side
    // may be released first); the other side keeps running meanwhile.
    void reset() {
        s_rst_left = 1 + (int)rng.below(6);
        m_rst_left = 1 + (int)rng.below(6);
        s_rst_seen = m_rst_seen = false;
        q.clear();
        dut->s_rst = 1;
        dut->m_rst = 1;
        dut->eval();
        while (s_rst_left > 0 || m_rst_left > 0) edge();
        resets++;
    }

    // Idle both sides long enough for the pointers to cross, then check
    // that both views agree with the truth for a while.
    void settle() {
        p_in = p_out = 0;
        run_for(8 * slow_ps());
        check_settled = true;
        run_for(4 * slow_ps());
        check_settled = false;
    }

    // The crossing latencies fifo_async's header states: m_valid rises on
    // the 4th m_clk edge after the s_clk edge that follows the one that
    // wrote a word into an empty FIFO (the writer's Gray register is loaded
    // a clock after its count), and s_ready on the 3rd s_clk edge after the
    // m_clk edge that took a word from a full FIFO. An edge of the other
    // clock at the same instant as the edge that starts the count sees the
    // old Gray code and does not count.
    void latency_probe() {
        p_in = 0, p_out = 1;
        run_for(4 * DEPTH * slow_ps());
        settle();
        dut->s_valid = 1;                    // one word, taken on the next s_clk edge
        uint64_t n0 = words_in;
        while (words_in == n0) edge();
        dut->s_valid = 0;
        dut->m_ready = 0;
        uint64_t s0 = s_edges;
        while (s_edges == s0) edge();        // the edge that loads the Gray register
        dut->s_valid = 0;
        dut->m_ready = 0;
        uint64_t e0 = m_edges;
        while (!dut->m_valid && m_edges - e0 < 100) edge();
        if (m_edges - e0 != 4) fail("m", "m_clk edges from the Gray update to m_valid", m_edges - e0, 4);

        p_in = 1, p_out = 0;
        run_for(4 * DEPTH * slow_ps());
        settle();
        dut->m_ready = 1;                    // one word, taken on the next m_clk edge
        n0 = words_out;
        while (words_out == n0) edge();      // that edge also loads the Gray register
        dut->m_ready = 0;
        dut->s_valid = 0;
        e0 = s_edges;
        while (!dut->s_ready && s_edges - e0 < 100) edge();
        if (s_edges - e0 != 3) fail("s", "s_clk edges from the read to s_ready", s_edges - e0, 3);
    }

    // Both sides at full speed: after a short start, the words moved per
    // cycle of the slower clock.
    void stream(double ps) {
        p_in = p_out = 1;
        run_for(16 * slow_ps());
        // Words and edges counted on the slower side.
        bool s_slower = ck.s_ps >= ck.m_ps;
        uint64_t words0 = s_slower ? words_in : words_out, edges0 = s_slower ? s_edges : m_edges;
        run_for(ps);
        double rate = (double)((s_slower ? words_in : words_out) - words0) /
                      (double)((s_slower ? s_edges : m_edges) - edges0);
        worst_rate = std::min(worst_rate, rate);
        if (verbose) printf("%s stream: %.4f words per slower cycle\n", ck.name, rate);
        if (DEPTH >= 16 && rate < 0.98) {
            fail("m", "stream rate x1000", (long long)(rate * 1000), 980);
        }
    }
};

static uint64_t run(Vfifo_async *dut, Rng &rng, const Clocks &ck, uint64_t budget, bool verbose, uint64_t *cycles) {
    Bench b(dut, rng, ck, verbose);
    b.reset();
    b.latency_probe();
    const double span = (2.0 * DEPTH + 200) * b.slow_ps();
    while (b.s_edges + b.m_edges < budget && b.errors == 0) {
        double n = span * (1 + 4 * rng.uniform());
        switch (rng.below(9)) {
        case 0: b.p_in = 0.5, b.p_out = 0.5; b.run_for(n); break;
        case 1: b.p_in = 0.9, b.p_out = 0.3; b.run_for(n); break;    // fills
        case 2: b.p_in = 0.3, b.p_out = 0.9; b.run_for(n); break;    // drains
        case 3: b.p_in = rng.uniform(), b.p_out = rng.uniform(); b.run_for(n); break;
        case 4: b.p_in = 1, b.p_out = 0; b.run_for(n); b.settle(); break;   // full, held
        case 5: b.p_in = 0, b.p_out = 1; b.run_for(n); b.settle(); break;   // empty, held
        case 6: b.stream(n); break;
        case 7:                                                          // bursts
            for (double t = 0; t < n; t += 64 * b.slow_ps()) {
                b.p_in = rng.chance(0.5), b.p_out = rng.chance(0.5);
                b.run_for(64 * b.slow_ps());
            }
            break;
        case 8:
            b.p_in = 0.7, b.p_out = 0.5;
            b.run_for(span * rng.uniform());
            b.reset();
            break;
        }
    }
    // Drain: every word written must come out.
    b.p_in = 0;
    b.p_out = 1;
    b.run_for((DEPTH + 16) * std::max(b.ck.m_ps, b.ck.s_ps) * 2);
    if (!b.q.empty()) b.fail("m", "words left after draining", b.q.size(), 0);
    printf("fifo_async DEPTH %zu %-12s %8llu s_clk + %8llu m_clk cycles, %8llu words in, %8llu out, "
           "%7llu edges full, %7llu empty, %3llu resets, stream %.4f words per slower cycle: %s\n",
           DEPTH, ck.name, (unsigned long long)b.s_edges, (unsigned long long)b.m_edges,
           (unsigned long long)b.words_in, (unsigned long long)b.words_out, (unsigned long long)b.full_edges,
           (unsigned long long)b.empty_edges, (unsigned long long)b.resets, b.worst_rate > 1.5 ? 0 : b.worst_rate,
           b.errors ? "FAIL" : "ok");
    if (!b.errors && (b.full_edges == 0 || b.empty_edges == 0 || b.worst_rate > 1.5)) {
        printf("fifo_async %s: the run never reached full, empty or a stream\n", ck.name);
        return 1;
    }
    *cycles += b.s_edges + b.m_edges;
    return b.errors;
}

int main(int argc, char **argv) {
    TbArgs args = tb_parse_args(argc, argv, "[--seed N] [--cycles N] [-v]");
    uint64_t budget = args.cycles ? args.cycles : 1000000;
    std::vector<Clocks> pairs = {
        {"1:1", 83333, 83333, 0},
        {"12:25.125", 83333, 39801, 0},      // iCEstick clock : video clock
        {"25.125:12", 39801, 83333, 0},      // and the other way
        {"48:12", 20833, 83333, 0},          // iCEBreaker UART clock : system clock
        {"12:48", 83333, 20833, 0},
        {"12:50.25", 83333, 83333.0 * 16 / 67, 0},   // iCEBreaker: 12 MHz : 50.25 MHz (16:67)
        {"50.25:12", 83333.0 * 16 / 67, 83333, 0},
        {"50.25:25.125", 19900, 39800, 0},   // iCEBreaker: system clock : pixel clock (2:1)
        {"25.125:50.25", 39800, 19900, 0},
        {"7:1", 11905, 83333, 0},            // the extremes of the random range
        {"1:7", 83333, 11905, 0},
        {"jitter", 50000, 47000, 0.25},      // every period off by up to 25 %
    };
    // Four more pairs at random ratios between 1:7 and 7:1 (log-uniform),
    // drawn from the seed, so that every seed runs ratios of its own.
    Rng ratio_rng(args.seed ^ 0x5eed);
    static char names[4][24];
    for (int i = 0; i < 4; i++) {
        double r = std::pow(7.0, 2.0 * ratio_rng.uniform() - 1.0);   // s_clk frequency / m_clk frequency
        snprintf(names[i], sizeof names[i], "%.3f:1", r);
        pairs.push_back({names[i], 83333 / r, 83333, 0});
    }
    VerilatedContext ctx;
    ctx.commandArgs(argc, argv);
    ctx.randReset(2);
    ctx.randSeed((int)(args.seed & 0x7fffffff));
    Rng rng(args.seed);
    uint64_t errors = 0, cycles = 0;
    for (const Clocks &ck : pairs) {
        Vfifo_async dut(&ctx);
        dut.s_clk = dut.m_clk = 0;
        dut.s_rst = dut.m_rst = 1;
        dut.s_valid = dut.m_ready = 0;
        dut.s_data = 0;
        dut.eval();
        errors += run(&dut, rng, ck, budget, args.verbose, &cycles);
        dut.final();
    }
    printf("fifo_async DEPTH %zu: %llu clock cycles in all, seed %llu: %s\n", DEPTH, (unsigned long long)cycles,
           (unsigned long long)args.seed, errors ? "FAIL" : "ok");
    return errors ? 1 : 0;
}
