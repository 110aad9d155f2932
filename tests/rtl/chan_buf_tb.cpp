// chan_buf test bench: random tentative writes, commits and aborts on one
// side, reads, releases and rewinds on the other, checked every clock
// against a model of the four pointers (written, committed, read, released).
// SPDX-License-Identifier: MIT
#include "Vchan_buf.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#ifndef TB_DEPTH
#error "TB_DEPTH must match the DEPTH the model was built with"
#endif

static uint64_t rng = 0xBE5466CF34E90C6Cull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vchan_buf> b{new Vchan_buf{ctx.get()}};
    const uint64_t cycles = argc > 1 ? strtoull(argv[1], nullptr, 0) : 1000000;
    // The model: the byte stream by position, and the four positions.
    std::vector<uint8_t> data;               // every byte ever written at position i (tentative ones too)
    uint64_t wt = 0, wc = 0, rt = 0, rc = 0;
    uint64_t errors = 0, commits = 0, aborts = 0, rewinds = 0, released = 0, fulls = 0;
    int invalid_for = 0;
    std::vector<uint64_t> sent_frames;       // lengths read but not released, oldest first
    uint64_t frame_open = 0;                 // bytes read since the last frame boundary
    uint64_t frame_target = 1 + rnd() % (TB_DEPTH / 2 < 64 ? TB_DEPTH / 2 : 64);  // length of the frame being read
    auto fail = [&](uint64_t c, const char *what) { if (errors++ < 10) fprintf(stderr, "cycle %llu: %s\n", (unsigned long long)c, what); };
    auto tick = [&]() { b->clk = 1; b->eval(); b->clk = 0; b->eval(); };

    b->rst = 1; b->wr_valid = 0; b->wr_commit = 0; b->wr_abort = 0; b->rd_ready = 0; b->rd_release = 0; b->rd_rewind = 0;
    for (int i = 0; i < 4; i++) tick();
    b->rst = 0;

    for (uint64_t c = 0; c < cycles; c++) {
        int phase = (c / 50000) % 3;          // 0 balanced, 1 writer ahead (fills), 2 reader ahead (drains)
        uint8_t v = (uint8_t)rnd();
        b->wr_data = v;
        b->wr_valid = rnd() % 100 < (phase == 1 ? 60 : phase == 2 ? 15 : 35);
        b->wr_commit = rnd() % 100 < 8;
        b->wr_abort = !b->wr_commit && rnd() % 1000 < 15;
        b->rd_ready = rnd() % 100 < (phase == 2 ? 70 : phase == 1 ? 10 : 40);
        // Release whole "frames" of what was read, in order; sometimes rewind.
        b->rd_release = 0; b->rd_release_len = 0; b->rd_rewind = 0;
        if (!sent_frames.empty() && rnd() % 100 < 10) {
            b->rd_release = 1; b->rd_release_len = (uint32_t)sent_frames.front();
        } else if (rnd() % 2000 == 0) {
            b->rd_rewind = 1;
        }
        b->eval();

        // Outputs against the model.
        uint64_t level = wc - rc;
        if (b->wr_full != (wt - rc == TB_DEPTH)) fail(c, "wr_full");
        if (b->level != level) fail(c, "level");
        if (b->free != TB_DEPTH - level) fail(c, "free");
        if (b->rd_inflight != rt - rc) fail(c, "rd_inflight");
        if (b->rd_valid) {
            if (rt >= wc) fail(c, "rd_valid with nothing committed to read");
            else if (b->rd_data != data[rt]) fail(c, "rd_data is not the byte at the read position");
            else if (b->rd_more != (rt + 1 < wc)) fail(c, "rd_more");
            invalid_for = 0;
        } else if (rt < wc && ++invalid_for > 3) {
            fail(c, "committed data waited more than 3 clocks to be offered");
        }
        if (wt - rc == TB_DEPTH) fulls++;

        // Advance the model as the RTL will at this edge.
        bool wrote = b->wr_valid && wt - rc < TB_DEPTH;
        if (wrote) { if (data.size() == wt) data.push_back(v); else data[wt] = v; wt++; }
        if (b->wr_abort) { wt = wc; aborts++; }
        else if (b->wr_commit) { wc = wt; commits++; }
        bool read = b->rd_ready && b->rd_valid;
        uint64_t rc_next = rc + (b->rd_release ? b->rd_release_len : 0);
        if (b->rd_release) { released += b->rd_release_len; sent_frames.erase(sent_frames.begin()); }
        if (b->rd_rewind) {
            rt = rc_next; rewinds++; sent_frames.clear(); frame_open = 0;
            invalid_for = 0;                 // the wait for data counts from the rewind
        } else if (read) {
            rt++;
            if (++frame_open == frame_target) {
                sent_frames.push_back(frame_open);
                frame_open = 0;
                frame_target = 1 + rnd() % (TB_DEPTH / 2 < 64 ? TB_DEPTH / 2 : 64);
            }
        }
        rc = rc_next;
        // Bytes re-read after a rewind must be the same ones: data[] is by position.
        tick();
    }
    b->final();
    printf("chan_buf DEPTH %d: %llu cycles, %llu commits, %llu aborts, %llu rewinds, %llu bytes released, "
           "full for %llu cycles, %llu errors\n", TB_DEPTH, (unsigned long long)cycles, (unsigned long long)commits,
           (unsigned long long)aborts, (unsigned long long)rewinds, (unsigned long long)released,
           (unsigned long long)fulls, (unsigned long long)errors);
    if (released < cycles / 20 || fulls < cycles / 100) { fprintf(stderr, "too little traffic or never full\n"); errors++; }
    return errors ? 1 : 0;
}
