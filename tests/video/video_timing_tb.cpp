// video_timing test bench: three frames of the generator measured against
// the VESA DMT numbers of 640×480 at 60 Hz (DMT ID 04h): 800 clocks a line,
// 525 lines a frame, 640×480 active, hsync 96 clocks low starting 16 after
// the active pixels, vsync 2 lines low starting 10 lines after them.
// SPDX-License-Identifier: MIT
#include "Vvideo_timing.h"
#include "verilated.h"

#include <cstdio>
#include <memory>

static int errors = 0;
#define CHECK(c, ...) do { if (!(c)) { if (errors++ < 20) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } } while (0)

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vvideo_timing> u{new Vvideo_timing{ctx.get()}};
    auto tick = [&] { u->clk = 1; u->eval(); u->clk = 0; u->eval(); };
    u->rst = 1; for (int i = 0; i < 5; i++) tick(); u->rst = 0;
    // Find the first frame start, then measure three frames pixel by pixel.
    long n = 0;
    while (!u->frame_start) { tick(); if (++n > 1000000) { fprintf(stderr, "no frame_start\n"); return 1; } }
    for (int f = 0; f < 3; f++) {
        long de_px = 0;
        int vs_lines = 0, vs_first = -1;
        for (int y = 0; y < 525; y++) {
            int hs_len = 0, hs_first = -1, de_len = 0, de_first = -1, vs_px = 0;
            for (int x = 0; x < 800; x++) {
                CHECK(u->x == x && u->y == y, "frame %d: counters (%d,%d), want (%d,%d)", f, u->x, u->y, x, y);
                CHECK(u->frame_start == (x == 0 && y == 0), "frame_start at (%d,%d)", x, y);
                if (!u->hsync_n) { if (hs_first < 0) hs_first = x; hs_len++; }
                if (u->de) { if (de_first < 0) de_first = x; de_len++; de_px++; }
                if (!u->vsync_n) vs_px++;
                tick();
            }
            bool active = y < 480;
            CHECK(de_len == (active ? 640 : 0) && (!active || de_first == 0), "line %d: de %d px from %d", y, de_len, de_first);
            CHECK(hs_len == 96 && hs_first == 640 + 16, "line %d: hsync %d px from %d, want 96 from 656", y, hs_len, hs_first);
            // vsync changes with the line, at x = 0 (DMT: both syncs at the leading edge of the line).
            CHECK(vs_px == 0 || vs_px == 800, "line %d: vsync for %d px of the line", y, vs_px);
            if (vs_px == 800) { if (vs_first < 0) vs_first = y; vs_lines++; }
        }
        CHECK(vs_lines == 2 && vs_first == 480 + 10, "frame %d: vsync %d lines from %d, want 2 from 490", f, vs_lines, vs_first);
        CHECK(de_px == 640L * 480, "frame %d: %ld active px", f, de_px);
    }
    if (errors) { fprintf(stderr, "video_timing: %d errors\n", errors); return 1; }
    printf("video_timing: 3 frames of 800x525, 640x480 active, hsync 96@656 low, vsync 2@490 low: ok\n");
    return 0;
}
