// video_out test bench: the whole video core, clocked as on the board (a
// 25.125 MHz pixel clock, a system clock unrelated to it), fed a generated
// clip of 160×120 frames at 30 fps through the downstream channel at the
// link's byte rate, watched by the virtual monitor (sim/video/monitor.h).
// Each frame carries its number as 8 blocks across the top. Checks: the
// monitor sees DMT timing throughout; every frame appears, in order, pixel
// for pixel what was sent (palette, ×4 scaling), each for exactly 2
// refreshes; the source stalled mid-clip (longer than the queue lasts) gives the buffering bar on screen
// over the last frame and one underrun; the end of stream ends the clip with
// no other underrun. PNGs go to argv[1] when given.
// SPDX-License-Identifier: MIT
#include "Vvideo_out.h"
#include "verilated.h"
#include "../../sim/video/monitor.h"

#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

static int errors = 0;
#define CHECK(c, ...) do { if (!(c)) { if (errors++ < 30) { fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } } while (0)

static const int NFRAMES = 24, STALL_AT = 14;   // the source stops after frame STALL_AT - 1 ...
static const double STALL_S = 0.60;             // ... for 600 ms (the queue holds 400)

// Frame n: a pattern of its own, and its number in 8 blocks (bit 7 first).
static void make_frame(int n, std::vector<uint8_t> &rec, std::vector<uint16_t> &pal, std::vector<uint8_t> &px) {
    pal.assign(16, 0);
    for (int j = 0; j < 16; j++) pal[j] = (uint16_t)(((j * 3 + n) & 15) << 8 | ((j * 5 + 2 * n) & 15) << 4 | ((15 - j + n) & 15));
    pal[0] = 0x000; pal[1] = 0xFFF;
    px.assign(160 * 120, 0);
    for (int y = 0; y < 120; y++)
        for (int x = 0; x < 160; x++) {
            int c = 2 + ((x / 8 + y / 8 + n) % 14);
            if (y >= 4 && y < 16 && x >= 8 && x < 8 + 8 * 18 && (x - 8) % 18 < 14) c = (n >> (7 - (x - 8) / 18)) & 1;
            px[y * 160 + x] = (uint8_t)c;
        }
    rec = {0xF5, 0, 40, 0, 0x80, 0x25, 40, 30};   // 9600 bytes, 160 x 120, 40/1200 s
    for (int j = 0; j < 16; j++) { rec.push_back(pal[j] & 0xFF); rec.push_back(pal[j] >> 8); }
    for (int i = 0; i < 160 * 120; i += 2) rec.push_back((uint8_t)(px[i] | px[i + 1] << 4));
}

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    ctx->randReset(2);              // registers power up random: every one that matters is reset
    ctx->randSeed(7);
    const std::unique_ptr<Vvideo_out> u{new Vvideo_out{ctx.get()}};
    VideoMonitor::Options mo;
    FILE *log = nullptr;
    if (argc > 1 && argv[1][0] != '+') {
        mo.frames_dir = argv[1];
        std::string lp = mo.frames_dir + "/frames.log";
        log = fopen(lp.c_str(), "w");
        mo.log = log;
    }
    VideoMonitor mon(mo);

    std::vector<std::vector<uint16_t>> pals(NFRAMES);
    std::vector<std::vector<uint8_t>> pxs(NFRAMES);
    std::vector<uint8_t> stream;
    std::vector<size_t> frame_end;
    for (int n = 0; n < NFRAMES; n++) {
        std::vector<uint8_t> rec;
        make_frame(n, rec, pals[n], pxs[n]);
        stream.insert(stream.end(), rec.begin(), rec.end());
        frame_end.push_back(stream.size());
    }
    for (int i = 0; i < 8; i++) stream.push_back(i == 0 ? 0xE5 : 0);

    // Clocks: pixels at 25.125 MHz, the system at 30 MHz (unrelated on purpose).
    const double pix_ps = 1e12 / 25.125e6, sys_ps = 1e12 / 30e6;
    double t_pix = 0, t_sys = pix_ps / 3, now = 0;
    bool pix = false, sys = false;
    u->clk = 0; u->pix_clk = 0; u->rst = 1; u->pix_rst = 1;
    u->reg_sel = 0; u->reg_we = 0; u->dn_valid = 0; u->dn_commit = 0; u->dn_abort = 0;
    long sys_n = 0;
    size_t sent = 0, chunk_end = 0;
    bool need_commit = false;          // a link frame's bytes are all sent
    bool stalled_once = false;
    double stall_until = -1;
    bool bar_seen = false;
    const double END_S = 1.7;
    int expect_next = 0, last_num = -1, refreshes = 0;
    uint64_t last_frames = 0;
    std::vector<int> shown_for(NFRAMES, 0);

    while (now < END_S * 1e12) {
        bool do_pix = t_pix <= t_sys;
        now = do_pix ? t_pix : t_sys;
        if (do_pix) {
            pix = !pix; u->pix_clk = pix; t_pix += pix_ps / 2;
            u->eval();
            if (!pix) mon.sample((uint64_t)now, u->dvi_r, u->dvi_g, u->dvi_b, u->dvi_hs, u->dvi_vs, u->dvi_de);
            if (pix && sys_n > 20) u->pix_rst = 0;
        } else {
            sys = !sys; u->clk = sys; t_sys += sys_ps / 2;
            if (sys) {
                // drive the inputs for the next rising edge
                u->dn_valid = 0; u->dn_commit = 0;
                sys_n++;
                if (sys_n > 10) u->rst = 0;
                if (!u->rst) {
                    if (!stalled_once && sent == frame_end[STALL_AT - 1] && stall_until < 0) stall_until = now / 1e12 + STALL_S;
                    bool stalled = stall_until > 0 && now / 1e12 < stall_until;
                    if (stall_until > 0 && !stalled) stalled_once = true;
                    if (chunk_end == sent && !need_commit && sent < stream.size() && !stalled && u->dn_free >= 256) {
                        chunk_end = std::min(stream.size(), sent + 256);
                    }
                    // a byte every 20 clocks, about 12 Mbaud's 1.2 MB/s
                    if (sent < chunk_end && sys_n % 20 == 0) {
                        CHECK(!u->dn_full, "dn_full within the credit (clock %ld, sent %zu, free %d)", sys_n, sent, u->dn_free);
                        u->dn_data = stream[sent++]; u->dn_valid = 1;
                        need_commit = sent == chunk_end;
                    } else if (need_commit && sys_n % 20 == 10) { u->dn_commit = 1; need_commit = false; }
                }
            }
            u->eval();
        }
        // each refresh: what is on screen
        if (mon.counts().frames != last_frames) {
            last_frames = mon.counts().frames;
            const std::vector<uint16_t> &f = mon.last_frame();
            if (f.empty()) continue;
            int num = 0;
            for (int k = 0; k < 8; k++) num = num << 1 | (f[(10 * 4) * 640 + (8 + 18 * k + 7) * 4] == 0xFFF);
            bool blank = f[100 * 640 + 100] == 0;
            bool bar = f[448 * 640 + 320] == 0xFC0 || f[448 * 640 + 320] == 0x222;
            if (bar) { bar_seen = true; CHECK(last_num == STALL_AT - 1, "buffering bar over frame %d", last_num); }
            if (blank) continue;
            if (num != last_num) {
                CHECK(num == expect_next, "frame %d on screen, want %d", num, expect_next);
                if (last_num >= 0 && last_num < NFRAMES && last_num != STALL_AT - 1 && last_num != NFRAMES - 1)
                    CHECK(refreshes == 2, "frame %d shown for %d refreshes, want 2", last_num, refreshes);
                expect_next = num + 1; last_num = num; refreshes = 0;
                // pixel for pixel, outside the bar
                if (num >= 0 && num < NFRAMES) {
                    long bad = 0;
                    for (int y = 0; y < 480; y++)
                        for (int x = 0; x < 640; x++) {
                            if (y >= 440 && y < 456 && x >= 160 && x < 480) continue;
                            if (f[y * 640 + x] != pals[num][pxs[num][(y / 4) * 160 + x / 4]]) bad++;
                        }
                    CHECK(bad == 0, "frame %d: %ld pixels differ from what was sent", num, bad);
                }
            }
            refreshes++;
            if (num >= 0 && num < NFRAMES) shown_for[num]++;
        }
    }
    if (log) fclose(log);
    // registers: underruns, frames, ends; the answer is due the clock after reg_sel
    auto reg_read = [&](int a) {
        uint32_t v = 0;
        for (int i = 0; i < 4; i++) {
            u->reg_sel = i == 0; u->reg_we = 0; u->reg_addr = a;
            u->clk = 1; u->eval(); if (i == 0) v = u->reg_rdata; u->clk = 0; u->eval();
        }
        return v;
    };
    uint32_t frames = reg_read(1), under = reg_read(2), ends = reg_read(12), status = reg_read(0), errs = reg_read(11);
    CHECK(errs == 0, "ERRORS %08x (bad records, refused bytes)", errs);
    const VideoMonitor::Counts &c = mon.counts();
    printf("video_out: monitor %s\n", mon.summary().c_str());
    printf("video_out: frames shown %u, underruns %u, ends %u, status %08x, last frame %d, buffering bar seen %d\n", frames, under, ends, status, last_num, bar_seen);
    CHECK(c.bad_lines == 0 && c.bad_hsync == 0 && c.bad_frames == 0 && c.bad_vsync == 0 && c.bad_active == 0, "timing: %s", mon.summary().c_str());
    CHECK(c.frames >= 80, "only %llu refreshes", (unsigned long long)c.frames);
    CHECK(last_num == NFRAMES - 1 && frames == (uint32_t)NFRAMES, "last frame %d, frames shown %u, want %d", last_num, frames, NFRAMES);
    CHECK(under == 1 && bar_seen, "underruns %u, bar seen %d: want 1 and the bar", under, bar_seen);
    CHECK(ends == 1 && (status & 7) == 3, "ends %u, status %08x: want the ENDED state", ends, status);
    if (errors) { fprintf(stderr, "video_out: %d errors\n", errors); return 1; }
    printf("video_out: ok\n");
    return 0;
}
