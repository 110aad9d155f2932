// fifo_sync_tb — fifo_sync against a cycle-exact C++ model
// SPDX-License-Identifier: MIT
//
// Random valid/ready stalls in phases that keep the FIFO full for long
// stretches, empty for long stretches, streaming from full and from empty,
// with resets in between. Every clock, s_ready, m_valid, m_data (when
// valid) and level must equal the model's, and the streaming phases must
// move one word per clock in and out with no bubble.
//
//   fifo_sync_tb [--seed N] [--cycles N] [-v]      (DEPTH is fixed by the build)

#include "Vfifo_sync.h"
#include "fifo_tb_util.h"
#include "verilated.h"

#include <deque>
#include <memory>
#include <utility>

#ifndef FIFO_DEPTH
#error "FIFO_DEPTH must be defined by the build (mk/fifo.mk), equal to the Verilog DEPTH"
#endif

static const size_t DEPTH = FIFO_DEPTH;
static const uint32_t DATA_MASK = 0xff;    // WIDTH 8

// The model is fifo_sync's timing, as its header states it:
//   q       every word held, oldest first; level = q.size()
//   out     the output stage holds q.front() (m_valid)
//   s_ready = level < DEPTH || (out && m_ready)
//   fetch   = (words in the memory: level - out) > 0 && (!out || m_ready)
//   at the edge: pop on m_valid && m_ready, push on s_valid && s_ready,
//   out := fetch ? 1 : (pop ? 0 : out)
struct Model {
    std::deque<uint32_t> q;
    bool out = false;

    bool s_ready(bool m_ready) const { return q.size() < DEPTH || (out && m_ready); }
    void reset() {
        q.clear();
        out = false;
    }
    void clock(bool s_valid, uint32_t s_data, bool m_ready) {
        bool m_fire = out && m_ready;
        bool s_fire = s_valid && s_ready(m_ready);
        bool fetch = q.size() > (out ? 1u : 0u) && (!out || m_ready);
        if (m_fire) q.pop_front();
        if (s_fire) q.push_back(s_data);
        out = fetch ? true : (m_fire ? false : out);
    }
};

struct Bench {
    std::unique_ptr<VerilatedContext> ctx;
    std::unique_ptr<Vfifo_sync> dut;
    Model model;
    Rng rng;
    uint64_t cycle = 0, errors = 0;
    uint64_t words_in = 0, words_out = 0, full_cycles = 0, empty_cycles = 0, resets = 0;
    uint64_t stream_cycles = 0;

    Bench(uint64_t seed, int argc, char **argv) : ctx(new VerilatedContext), rng(seed) {
        ctx->commandArgs(argc, argv);
        ctx->randReset(2);           // registers start random, as they may before reset
        ctx->randSeed((int)(seed & 0x7fffffff));
        dut.reset(new Vfifo_sync(ctx.get()));
        dut->clk = 0;
        dut->rst = 1;
        dut->s_valid = 0;
        dut->m_ready = 0;
        dut->s_data = 0;
        dut->eval();
    }

    void fail(const char *what, uint64_t got, uint64_t want) {
        if (errors < 10)
            fprintf(stderr, "cycle %llu: %s is %llu, model says %llu (level %zu)\n",
                    (unsigned long long)cycle, what, (unsigned long long)got,
                    (unsigned long long)want, model.q.size());
        errors++;
    }

    // One clock with these inputs; returns {s_fire, m_fire} as the DUT saw them.
    std::pair<bool, bool> step(bool rst, bool s_valid, bool m_ready) {
        uint32_t data = (uint32_t)rng.next() & DATA_MASK;
        dut->rst = rst;
        dut->s_valid = s_valid;
        dut->s_data = data;
        dut->m_ready = m_ready;
        dut->eval();

        bool s_fire = false, m_fire = false;
        if (!rst) {
            bool sr = model.s_ready(m_ready);
            if (dut->s_ready != sr) fail("s_ready", dut->s_ready, sr);
            if (dut->m_valid != model.out) fail("m_valid", dut->m_valid, model.out);
            if (dut->level != model.q.size()) fail("level", dut->level, model.q.size());
            if (model.out && dut->m_data != model.q.front()) fail("m_data", dut->m_data, model.q.front());
            s_fire = s_valid && dut->s_ready;
            m_fire = m_ready && dut->m_valid;
            if (model.q.size() == DEPTH) full_cycles++;
            if (model.q.empty()) empty_cycles++;
        }

        dut->clk = 1;
        dut->eval();
        if (rst)
            model.reset();
        else
            model.clock(s_valid, data, m_ready);
        dut->clk = 0;
        dut->eval();

        cycle++;
        words_in += s_fire;
        words_out += m_fire;
        return {s_fire, m_fire};
    }

    // n clocks with random stalls: s_valid with probability p_in, m_ready p_out.
    void random_phase(uint64_t n, double p_in, double p_out) {
        for (uint64_t i = 0; i < n; i++) step(false, rng.chance(p_in), rng.chance(p_out));
    }

    // Hold one side until the FIFO is full (or empty), stay there a while,
    // then stream both sides at once: one word in and one out every clock,
    // from the first clock at full, from the third at empty (the fall-through
    // latency), with no bubble after that.
    void stream_phase(bool from_full, uint64_t n) {
        size_t target = from_full ? DEPTH : 0;
        uint64_t guard = 0;
        while (model.q.size() != target && guard++ < 4 * DEPTH + 16) step(false, from_full, !from_full);
        uint64_t hold = 16 + rng.below(4 * DEPTH);
        for (uint64_t i = 0; i < hold; i++)
            step(false, from_full && rng.chance(0.5), !from_full && rng.chance(0.5));
        if (model.q.size() != target) {
            fail("level before streaming", model.q.size(), target);
            return;
        }
        for (uint64_t i = 0; i < n; i++) {
            auto f = step(false, true, true);
            bool want_out = from_full || i >= 2;
            if (!f.first) fail("s_valid && s_ready while streaming", 0, 1);
            if (f.second != want_out) fail("m_valid && m_ready while streaming", f.second, want_out);
            stream_cycles++;
        }
    }
};

int main(int argc, char **argv) {
    TbArgs args = tb_parse_args(argc, argv, "[--seed N] [--cycles N] [-v]");
    uint64_t budget = args.cycles ? args.cycles : 1000000;
    Bench b(args.seed, argc, argv);

    for (int i = 0; i < 4; i++) b.step(true, b.rng.chance(0.5), b.rng.chance(0.5));

    uint64_t phases = 0;
    const uint64_t span = 2 * DEPTH + 200;     // long enough to fill or drain and stay there
    while (b.cycle < budget && b.errors == 0) {
        uint64_t n = span + b.rng.below(4 * span);
        uint64_t kind = b.rng.below(9);
        switch (kind) {
        case 0: b.random_phase(n, 0.5, 0.5); break;
        case 1: b.random_phase(n, 0.9, 0.3); break;     // fills, then mostly full
        case 2: b.random_phase(n, 0.3, 0.9); break;     // drains, then mostly empty
        case 3: b.random_phase(n, 0.95, 0.9); break;    // near full rate, a stall now and then
        case 4: b.random_phase(n, b.rng.uniform(), b.rng.uniform()); break;
        case 5: b.stream_phase(true, n); break;
        case 6: b.stream_phase(false, n); break;
        case 7:                                          // bursts of each side alone
            for (uint64_t i = 0; i < n; i += 64)
                b.random_phase(64, b.rng.chance(0.5) ? 1.0 : 0.0, b.rng.chance(0.5) ? 1.0 : 0.0);
            break;
        case 8:                                          // reset in the middle of traffic
            b.random_phase(b.rng.below(span), 0.7, 0.5);
            for (uint64_t r = 1 + b.rng.below(3); r > 0; r--) b.step(true, b.rng.chance(0.5), b.rng.chance(0.5));
            b.resets++;
            break;
        }
        phases++;
        if (args.verbose)
            printf("phase %llu (kind %llu): cycle %llu, level %zu\n", (unsigned long long)phases,
                   (unsigned long long)kind, (unsigned long long)b.cycle, b.model.q.size());
    }
    // Drain what is left: every word must come out.
    uint64_t guard = 0;
    while (!b.model.q.empty() && guard++ < 4 * DEPTH + 16) b.step(false, false, true);
    if (!b.model.q.empty()) b.fail("level after draining", b.model.q.size(), 0);
    b.dut->final();

    printf("fifo_sync DEPTH %zu: %llu cycles, %llu phases, %llu words in, %llu out, %llu clocks full, "
           "%llu empty, %llu streaming, %llu resets, seed %llu: %s\n",
           DEPTH, (unsigned long long)b.cycle, (unsigned long long)phases, (unsigned long long)b.words_in,
           (unsigned long long)b.words_out, (unsigned long long)b.full_cycles,
           (unsigned long long)b.empty_cycles, (unsigned long long)b.stream_cycles,
           (unsigned long long)b.resets, (unsigned long long)args.seed, b.errors ? "FAIL" : "ok");
    if (!b.errors && (b.full_cycles < b.cycle / 20 || b.empty_cycles < b.cycle / 20 || b.stream_cycles == 0)) {
        printf("fifo_sync: the run spent too little time full, empty or streaming\n");
        return 1;
    }
    return b.errors ? 1 : 0;
}
