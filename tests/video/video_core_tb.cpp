// video_core test bench: the frame queue and the player against a model.
// The bench is the host and the pixel domain: it sends a program of streams
// (records of the contract's format) as link frames of random sizes with
// random gaps and aborts, within the credit, at arrival rates that change
// (fast, slow, stopped); it strobes vsync every VS clocks and asks for rows
// as the scanout does. A model of the player (the rules of docs/video.md)
// says what must be on screen after each vsync; the bench checks the
// picture (palette, size, the fetched rows' pixels), the indicator, the
// state, the credit, and at the end every counter. Independently of the
// model it checks that frames play with no drift (a stretch of frames
// started at playhead 0 switches at vsync ceil(sum of durations / 20)),
// that every behaviour happened (start, underruns, a resume goal capped one
// below capacity and reached, its fall back, pause, flush, end of stream
// with no underrun, a new stream after it), and that no byte was refused.
// SPDX-License-Identifier: MIT
#include "Vvideo_core.h"
#include "verilated.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }
static double frand() { return (rnd() & 0xFFFFFF) / double(0x1000000); }

static int errors = 0;
#define CHECK(c, ...) do { if (!(c)) { if (errors++ < 30 || errors % 1000 == 0) { fprintf(stderr, "vsync %ld: ", vs_n); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } } while (0)

static const long VS = 20000;          // clocks a vsync period
static const long QUIET = 80;          // no bytes in the last clocks before a vsync
static const uint64_t SIZE = 131072;
static long vs_n = 0;

struct Rec {
    uint64_t start, end;               // in the stream's byte positions
    bool eos;
    int seq, dur, w4, h4, stream;
    uint16_t pal[16];
};

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    ctx->randReset(2);              // registers power up random: every one that matters is reset
    ctx->randSeed(7);
    const std::unique_ptr<Vvideo_core> u{new Vvideo_core{ctx.get()}};

    // ---- the program: streams of frames, each ended by an end-of-stream record
    struct Prog { int frames, dur, w4, h4; };
    const Prog prog[] = {{300, 40, 40, 30}, {150, 48, 40, 30}, {160, 50, 4, 2}, {80, 20, 40, 30}, {60, 50, 40, 30}};
    std::vector<uint8_t> bytes;
    std::vector<Rec> recs;
    int seq = 0;
    for (int s = 0; s < (int)(sizeof prog / sizeof prog[0]); s++) {
        for (int f = 0; f <= prog[s].frames; f++) {
            Rec r{};
            r.start = bytes.size(); r.eos = f == prog[s].frames; r.stream = s;
            r.seq = r.eos ? -1 : seq++; r.dur = prog[s].dur; r.w4 = prog[s].w4; r.h4 = prog[s].h4;
            if (r.eos) {
                uint8_t h[8] = {0xE5, 0, 0, 0, 0, 0, 0, 0};
                bytes.insert(bytes.end(), h, h + 8);
            } else {
                int len = r.w4 * 4 * r.h4 * 4 / 2;
                uint8_t h[8] = {0xF5, 0, (uint8_t)r.dur, (uint8_t)(r.dur >> 8), (uint8_t)len, (uint8_t)(len >> 8), (uint8_t)r.w4, (uint8_t)r.h4};
                bytes.insert(bytes.end(), h, h + 8);
                r.pal[0] = r.seq & 0xFFF; r.pal[1] = (r.seq >> 12) & 0xFFF;
                for (int j = 2; j < 16; j++) r.pal[j] = rnd() & 0xFFF;
                for (int j = 0; j < 16; j++) { bytes.push_back(r.pal[j] & 0xFF); bytes.push_back(r.pal[j] >> 8); }
                for (int i = 0; i < len; i++) bytes.push_back(rnd() & 0xFF);
            }
            r.end = bytes.size();
            recs.push_back(r);
        }
    }

    // ---- the schedule: arrival rate and commands by vsync
    double p_byte = 0.5;               // probability of a byte in a clock
    auto schedule = [&](long v) {
        switch (v) {
        case 150: case 260: case 370: p_byte = 0; break;          // stalls: underruns 1, 2, 3
        case 190: case 300: case 410: p_byte = 0.5; break;
        default: break;
        }
        if (v >= 560 && v % 50 == 10) p_byte = 0.05 + 0.55 * frand();  // random arrival
    };

    // ---- the DUT's ports
    auto tick = [&] { u->clk = 1; u->eval(); u->clk = 0; u->eval(); };
    auto idle_inputs = [&] { u->dn_valid = 0; u->dn_commit = 0; u->dn_abort = 0; u->vsync = 0; u->row_req = 0; u->reg_sel = 0; u->reg_we = 0; };
    idle_inputs();
    u->rst = 1; for (int i = 0; i < 5; i++) tick(); u->rst = 0; tick();

    // ---- the model
    enum { IDLE, PLAY, BUF, END };
    int st = IDLE; bool paused = false;
    int ph = 0, dur = 0, shown = -1;   // shown: index in recs
    int start_thr = 4, resume_base = 8, step = 2, calm = 600;
    int resume_cur = 8, calm_cnt = 0, cap = 255;
    long m_frames = 0, m_under = 0, m_stalled = 0, m_late = 0, m_ends = 0;
    size_t head = 0, complete = 0;     // records taken; records whole in committed bytes
    uint64_t pos_cm = 0, pos_sent = 0, rd_pos = 0;
    // source state
    bool in_frame = false; uint64_t frame_end = 0; int after = 0;     // after: 1 commit, 2 abort due
    // checks beyond the model
    long aborts = 0, link_frames = 0, max_resume_seen = 0, resumed_at_cap = 0, falls = 0, pauses = 0, flushes = 0, new_streams = 0;
    long drift_checked = 0;
    long stretch_vs = -1, stretch_sum = 0; bool stretch_ok = false;
    bool under_at_end = false;

    auto level = [&] { return (long)complete - (long)head; };
    auto eos_level = [&] { long n = 0; for (size_t i = head; i < complete; i++) n += recs[i].eos; return n; };
    auto reg_write = [&](int a, uint32_t d) { u->reg_sel = 1; u->reg_we = 1; u->reg_addr = a; u->reg_wdata = d; tick(); u->reg_sel = 0; u->reg_we = 0; };
    // the answer is due the clock after reg_sel (and need not hold after it)
    auto reg_read = [&](int a) { u->reg_sel = 1; u->reg_we = 0; u->reg_addr = a; tick(); u->reg_sel = 0; uint32_t v = u->reg_rdata; tick(); return v; };

    auto take = [&](int take_ph, bool from_zero) {
        const Rec &r = recs[head++];
        if (r.eos) { st = END; m_ends++; return; }
        if (st == END) new_streams++;
        if (st == BUF && resume_cur >= cap - 1) resumed_at_cap++;
        shown = (int)(&r - &recs[0]); st = PLAY; dur = r.dur; ph = take_ph; m_frames++;
        if (take_ph >= r.dur) m_late++;
        rd_pos = r.start;
        uint64_t rec = r.end - r.start; cap = 0;
        for (uint64_t acc = 2 * rec; acc <= SIZE && cap < 255; acc += rec) cap++;
        // the no-drift check: frames since a start at playhead 0
        if (from_zero) { stretch_vs = vs_n; stretch_sum = 0; stretch_ok = true; }
        else if (stretch_ok) {
            long want = stretch_vs + (stretch_sum + 19) / 20;
            CHECK(vs_n == want, "frame %d switched at vsync %ld, its stretch says %ld", r.seq, vs_n, want);
            drift_checked++;
        }
        stretch_sum += r.dur;
    };

    auto model_vsync = [&] {
        long L = level(), E = eos_level();
        long l8 = std::min(L, 255L);
        int cap_m1 = cap == 0 ? 0 : cap - 1;
        int start_eff = std::min(start_thr, cap), resume_eff = std::min(resume_cur, cap_m1);
        if (paused) return;
        switch (st) {
        case IDLE: case END:
            if (L && (E || l8 >= start_eff)) take(0, true);
            break;
        case PLAY: {
            if (calm_cnt >= calm && calm) { calm_cnt = 0; int before = resume_cur; resume_cur = resume_cur > resume_base + step ? resume_cur - step : resume_base; falls += resume_cur < before; }
            else calm_cnt++;
            int t = ph + 20;
            if (t >= dur) {
                if (L) take(t - dur, false);
                else {
                    st = BUF; ph = dur; m_under++; calm_cnt = 0;
                    resume_cur = std::min(resume_cur + step, cap_m1);
                    max_resume_seen = std::max<long>(max_resume_seen, resume_cur);
                    if (head < recs.size() && head > 0 && recs[head - 1].eos) under_at_end = true;
                }
            } else ph = t;
            break; }
        default:
            m_stalled++;
            if (L && (E || l8 >= resume_eff)) take(0, true);
            break;
        }
    };

    auto check_picture = [&] {
        uint32_t pal_ok = 1;
        if (shown >= 0) {
            const Rec &r = recs[shown];
            for (int j = 0; j < 16; j++) {
                uint32_t got = (u->palette[(j * 12) / 32] >> ((j * 12) % 32)) & 0xFFF;
                if ((j * 12) % 32 > 20) got = ((u->palette[(j * 12) / 32] >> ((j * 12) % 32)) | (u->palette[(j * 12) / 32 + 1] << (32 - (j * 12) % 32))) & 0xFFF;
                if (got != r.pal[j]) pal_ok = 0;
            }
            CHECK(pal_ok, "palette is not frame %d's (entry 0 %03x)", r.seq, u->palette[0] & 0xFFF);
            CHECK(u->width4 == r.w4 && u->height4 == r.h4, "size %d x %d, want %d x %d", u->width4, u->height4, r.w4, r.h4);
        } else {
            CHECK(u->width4 == 0, "a picture (width4 %d) with nothing to show", u->width4);
        }
        CHECK(u->buffering == (st == BUF), "buffering %d in state %d", u->buffering, st);
        uint32_t status = reg_read(0);
        if (getenv("TB_DEBUG")) fprintf(stderr, "  status %08x errors %08x model level %ld (head %zu complete %zu)\n", status, reg_read(11), level(), head, complete);
        int want_state = st == IDLE ? 0 : st == PLAY ? 1 : st == BUF ? 2 : 3;
        CHECK((int)(status & 7) == want_state && ((status >> 3) & 1) == paused && ((status >> 4) & 1) == (shown >= 0),
              "status %08x, model state %d paused %d shown %d", status, want_state, paused, shown);
        uint32_t res = reg_read(7);
        int cap_m1 = cap == 0 ? 0 : cap - 1;
        CHECK((int)((res >> 8) & 0xFF) == resume_cur && (int)((res >> 16) & 0xFF) == std::min(resume_cur, cap_m1),
              "resume register %08x, model goal %d cap %d", res, resume_cur, cap);
        CHECK((int)(reg_read(5) >> 24) == cap, "capacity %u, model %d", reg_read(5) >> 24, cap);
        CHECK((long)reg_read(10) == vs_n, "VSYNCS %u, want %ld", reg_read(10), vs_n);
    };

    std::vector<int> row_words;        // the line buffer writes of a row fetch
    int row_asked = -1;
    auto check_row = [&] {
        if (row_asked < 0) return;
        if (shown < 0 || row_asked >= 4 * recs[shown].h4) {
            CHECK(row_words.empty(), "row %d fetched %zu words with nothing to fetch", row_asked, row_words.size());
        } else {
            const Rec &r = recs[shown];
            CHECK((int)row_words.size() == r.w4, "row %d of frame %d: %zu words, want %d", row_asked, r.seq, row_words.size(), r.w4);
            for (int k = 0; k < (int)row_words.size() && k < r.w4; k++) {
                uint64_t o = r.start + 40 + (uint64_t)row_asked * r.w4 * 2 + 2 * k;
                int want = bytes[o] | bytes[o + 1] << 8;
                int got = row_words[k] & 0xFFFF, half = row_words[k] >> 23 & 1, idx = row_words[k] >> 16 & 0x3F;
                CHECK(got == want && half == (row_asked & 1) && idx == k, "row %d word %d of frame %d: %04x at %d/%d, want %04x", row_asked, k, r.seq, got, half, idx, want);
                if (got != want && getenv("TB_DEBUG")) {
                    for (uint64_t q = 0; q + 1 < bytes.size(); q += 2) if ((bytes[q] | bytes[q + 1] << 8) == got && q + 3 < bytes.size() && k + 1 < (int)row_words.size() && (bytes[q + 2] | bytes[q + 3] << 8) == (row_words[k + 1] & 0xFFFF))
                        fprintf(stderr, "  found at stream %llu (frame start %llu, offset %lld)\n", (unsigned long long)q, (unsigned long long)r.start, (long long)(q - o));
                }
            }
        }
        row_words.clear(); row_asked = -1;
    };

    // ---- run
    long clk_in = 0;
    const long MAX_VS = 4000;
    bool done = false;
    while (!done && vs_n < MAX_VS) {
        idle_inputs();
        long phase = clk_in % VS;
        if (phase == 0) {
            vs_n++;
            schedule(vs_n);
            // the quiet window has let the parser settle: the levels agree
            CHECK(pos_sent == pos_cm || in_frame, "bytes in flight at a vsync");
            uint64_t room = SIZE - (pos_cm - rd_pos);
            CHECK(u->dn_free == std::min<uint64_t>(room, 65535), "credit %d, model %llu", u->dn_free, (unsigned long long)room);
            if (getenv("TB_DEBUG")) fprintf(stderr, "vs %ld: free %d cm %llu rd %llu sent %llu st %d shown %d head %zu complete %zu\n", vs_n, u->dn_free, (unsigned long long)pos_cm, (unsigned long long)rd_pos, (unsigned long long)pos_sent, st, shown, head, complete);
            check_row();                 // asked for in the last period, of the frame shown then
            model_vsync();
            u->vsync = 1;
        } else if (phase == 400) {
            check_picture();
            clk_in += 6;                 // the register reads took 6 clocks
            continue;
        } else if (phase == 500) {
            row_asked = (int)(rnd() % 128);
            u->row_req = 1; u->row = row_asked;
        } else if (phase == VS - QUIET / 2) {
            // commands, in the quiet window so that the model sees what the DUT sees
            if (vs_n == 430) { reg_write(8, 40u << 16 | 2); calm = 40; }
            if (vs_n == 520 || vs_n == 1500) { reg_write(0, 1); paused = true; pauses++; stretch_ok = false; }
            if (vs_n == 540 || vs_n == 1530) { reg_write(0, 2); paused = false; }
            if (vs_n == 900) {
                check_row();             // the row asked for before the flush
                reg_write(0, 4); flushes++;
                head = complete; shown = -1; st = IDLE; rd_pos = complete ? recs[complete - 1].end : 0; stretch_ok = false;
            }
            clk_in += 1;
            continue;
        }
        // the source
        bool quiet = phase >= VS - QUIET;
        if (!quiet && phase != 0) {
            if (after == 1) { u->dn_commit = 1; pos_cm = pos_sent; after = 0; in_frame = false; link_frames++; }
            else if (after == 2) { u->dn_abort = 1; pos_sent = pos_cm; after = 0; in_frame = false; aborts++; }
            else if (!in_frame && pos_sent < bytes.size() && frand() < p_byte) {
                uint64_t n = 1 + rnd() % 300;
                n = std::min<uint64_t>({n, bytes.size() - pos_sent, (uint64_t)u->dn_free});
                if (n > 0) { in_frame = true; frame_end = pos_sent + n; }
            }
            if (in_frame && !u->dn_commit && !u->dn_abort && frand() < p_byte * 1.6) {
                CHECK(!u->dn_full, "dn_full within the credit");
                u->dn_data = bytes[pos_sent++]; u->dn_valid = 1;
                if (pos_sent == frame_end) after = rnd() % 12 == 0 ? 2 : 1;
            }
        }
        tick();
        if (u->lb_we) row_words.push_back(u->lb_data | u->lb_addr << 16 | (u->lb_addr >> 6) << 23);
        // complete records as the model counts them (whole in committed bytes)
        while (complete < recs.size() && recs[complete].end <= pos_cm) complete++;
        clk_in++;
        if (pos_cm == bytes.size() && head == recs.size() && st == END && vs_n > 10) done = true;
    }

    // ---- the end: counters, and that every behaviour happened
    idle_inputs();
    for (int i = 0; i < 64; i++) tick();    // the take begun at the last vsync ends, its counts land
    uint32_t r_frames = reg_read(1), r_under = reg_read(2), r_stalled = reg_read(3), r_late = reg_read(4);
    uint32_t r_ends = reg_read(12), r_err = reg_read(11), r_vs = reg_read(10), r_startup = reg_read(9);
    CHECK(done, "the program did not finish in %ld vsyncs", MAX_VS);
    CHECK(r_frames == m_frames && r_under == m_under && r_stalled == m_stalled && r_late == m_late && r_ends == m_ends,
          "counters frames %u under %u stalled %u late %u ends %u, model %ld %ld %ld %ld %ld",
          r_frames, r_under, r_stalled, r_late, r_ends, m_frames, m_under, m_stalled, m_late, m_ends);
    CHECK(r_vs == (uint32_t)vs_n, "VSYNCS %u, want %ld", r_vs, vs_n);
    CHECK(r_err == 0, "ERRORS %08x (bad records, refused bytes)", r_err);
    CHECK(m_under >= 3 && max_resume_seen == 11 && resumed_at_cap > 0, "underruns %ld, highest goal %ld (want 11 = capacity 12 - 1), resumed at it %ld", m_under, max_resume_seen, resumed_at_cap);
    CHECK(falls > 0 && pauses == 2 && flushes == 1 && m_ends == 5 && new_streams == 4 && !under_at_end,
          "falls %ld pauses %ld flushes %ld ends %ld new streams %ld underrun at an end %d", falls, pauses, flushes, m_ends, new_streams, under_at_end);
    CHECK(drift_checked > 300 && aborts > 10, "drift checks %ld, aborts %ld", drift_checked, aborts);
    // A reg_err for a write to a read-only register and for a missing one.
    u->reg_sel = 1; u->reg_we = 1; u->reg_addr = 1; u->reg_wdata = 0; tick(); u->reg_sel = 0; u->reg_we = 0;
    CHECK(u->reg_err, "no reg_err for a write to FRAMES");
    u->reg_sel = 1; u->reg_addr = 15; tick(); u->reg_sel = 0;
    CHECK(u->reg_err, "no reg_err for a read of register 15");
    printf("video_core: %ld vsyncs, %zu records in %ld link frames (%ld aborted), frames %ld, underruns %ld, stalled %ld, late %ld, ends %ld, "
           "highest resume goal %ld, falls %ld, drift checks %ld, startup %u vsyncs\n",
           vs_n, recs.size(), link_frames, aborts, m_frames, m_under, m_stalled, m_late, m_ends, max_resume_seen, falls, drift_checked, r_startup);
    if (errors) { fprintf(stderr, "video_core: %d errors\n", errors); return 1; }
    printf("video_core: ok\n");
    return 0;
}
