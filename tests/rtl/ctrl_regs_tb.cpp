// ctrl_regs test bench: random frames of requests (reads, writes, unknown
// ops), committed or aborted, a response buffer that is full at random
// (a request byte meeting a full buffer refuses the frame, as the link
// does), random event strobes at the link's worst rates and changing inputs.
// Every response byte is checked against a model of the register map:
// constants and SCRATCH exactly, a counter or an input as a value it held
// between the request and its response (one sample), and at the end every
// counter exactly (no event lost).
// SPDX-License-Identifier: MIT
#include "Vctrl_regs.h"
#include "verilated.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <vector>

#ifndef TB_TEST_MODES
#error "TB_TEST_MODES must match the TEST_MODES the model was built with"
#endif
#ifndef TB_WINDOWS
#define TB_WINDOWS 0                     // 1: built with WINDOWS, x_* answered by a model peripheral
#endif

static uint64_t rng = 0x2545F4914F6CDD1Dull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

// The bench's parameters (the module's defaults but LINK).
static const uint32_t K[9] = {0x49434542, 0x00020000, 1, 12000000, 3000000, 0x02040400, 0, 0, 4096};
static const uint32_t FEATURES = 0x0001A5C3;   // -GFEATURES in mk/ctrl.mk
static const uint8_t EV_ADDR[10] = {0x0A, 0x0B, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17};

static bool exists(uint8_t a) {
    if (a == 0x18) return true;                       // FEATURES
    if (a >= 0x18 || a == 0x0E || a == 0x0F) return false;
    if (!TB_TEST_MODES && (a == 0x07 || a == 0x0C || a == 0x0D)) return false;
    return true;
}

// The model behind the windows (TB_WINDOWS): 0x20-0x3F (keyboard, video)
// have registers at offsets 0-11, of which 8-11 are writable; 0x40-0x4F
// (console) has none. A write takes effect as it is sent out on x_*.
static bool win_exists(uint8_t a) { return TB_WINDOWS && a >= 0x20 && a < 0x40 && (a & 0xF) < 12; }
static bool win_writable(uint8_t a) { return win_exists(a) && (a & 0xF) >= 8; }
static uint32_t win_reg[0x50];     // the peripheral's registers
static uint32_t win_model[0x50];   // what the bench expects them to hold

struct Req { int kind; uint8_t op, addr; uint32_t wdata; };   // kind 0 read, 1 write, 2 unknown op
struct Expect { std::vector<uint8_t> bytes; int live; uint64_t t0; };  // live: 0 exact, 1 counter/input

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vctrl_regs> d{new Vctrl_regs{ctx.get()}};
    const uint64_t frames = argc > 1 ? strtoull(argv[1], nullptr, 0) : 20000;
    // TB_SEED: another random run; TB_CUT_PCT: how often a frame ends inside
    // a request; TB_DEBUG: a counter's history at a wrong sample.
    if (getenv("TB_SEED")) rng ^= strtoull(getenv("TB_SEED"), nullptr, 0) * 0x9E3779B97F4A7C15ull;
    const int cut_pct = getenv("TB_CUT_PCT") ? atoi(getenv("TB_CUT_PCT")) : 15;   // frames cut inside a request
    uint64_t cyc = 0, errors = 0, truncated = 0, win_sels = 0, win_reqs = 0, commits = 0, aborts = 0, refused = 0, stalls = 0, checked = 0;
    auto fail = [&](const char *what, unsigned a, unsigned b) {
        if (errors++ < 10) fprintf(stderr, "cycle %llu: %s (%X, %X)\n", (unsigned long long)cyc, what, a, b);
    };

    // Inputs and their history (one value a clock), events and their counts.
    std::vector<uint16_t> level_h;
    std::vector<uint32_t> traffic_h, sinkb_h, sinkc_h;
    std::vector<uint32_t> count_h[10];                 // events so far, by clock
    uint32_t count[10] = {0};
    uint64_t last_ev[10] = {0};
    uint16_t level = 0; uint32_t traffic = 0, sinkb = 0, sinkc = 0xFFFF;
    bool mfull = false, stall_on = true;
    int ev_burst = 0;

    // Responses written in this frame, and the model's state.
    std::vector<uint8_t> got;
    uint16_t scratch = 0, scratch_t = 0; bool scratch_dirty = false;
    bool tr_pend = false; uint32_t tr_value = 0; int tr_set_due = -1; uint32_t tr_set_value = 0;

    // One clock; send >= 0 offers that request byte: returns whether it was
    // taken (false: the buffer is full, the link refuses the frame).
    auto tick = [&](bool events_on, int send = -1) {
        // Inputs for this clock.
        if (rnd() % 100 < 3) {
            int r = rnd() % 8;
            level = r == 0 ? 0 : r == 1 ? (uint16_t)(level + 1) : r == 2 ? (uint16_t)(level - 1)
                  : r == 3 ? 0x00FF : r == 4 ? 0x0100 : (uint16_t)(rnd() % 4097);
        }
        if (rnd() % 100 < 3) { traffic = rnd(); sinkb = rnd(); sinkc = rnd() & 0xFFFF; }
        d->stream_level = level; d->traffic = traffic; d->sink_bytes = sinkb; d->sink_crc = sinkc;
        level_h.push_back(level); traffic_h.push_back(traffic); sinkb_h.push_back(sinkb); sinkc_h.push_back(sinkc);
        // Events: UART_FRAME_ERR once a byte at most (10 clocks), the others
        // once a frame (here 40 clocks); sometimes all of them at once.
        uint32_t ev = 0;
        if (events_on) {
            if (ev_burst > 0) ev_burst--; else if (rnd() % 3000 == 0) ev_burst = 400;
            for (int i = 0; i < 10; i++) {
                uint64_t gap = i == 8 ? 10 : 40;
                int pct = ev_burst ? 100 : (i == 8 ? 5 : 1);
                // ctrl_regs is built for at most four of the once-a-frame
                // events pending together (its header): the bench drives
                // that worst case, not more.
                int recent = 0;
                for (int j = 0; j < 10; j++)
                    if (j != 8 && count[j] && cyc - last_ev[j] < 40) recent++;
                if (i != 8 && recent >= 4) continue;
                // UART_OVERRUN (9) is wired to 0 in icebuf_core (link_rx
                // takes a byte every clock): the bench drives it as the core.
                if (i == 9) continue;
                if (cyc - last_ev[i] >= gap && (int)(rnd() % 100) < pct) {
                    ev |= 1u << i; last_ev[i] = cyc; count[i]++;
                }
            }
        }
        d->events = ev;
        for (int i = 0; i < 10; i++) count_h[i].push_back(count[i]);
        // The response buffer: full at random, in stretches.
        if (send < 0 && rnd() % 100 < (mfull ? 20 : 3)) mfull = !mfull;
        if (!stall_on) mfull = false;
        d->m_full = mfull;
        d->s_valid = send >= 0;
        d->s_data = (uint8_t)(send >= 0 ? send : 0);
        d->eval();
        bool taken = send >= 0 && d->s_ready;
        if (send >= 0 && !taken) d->s_valid = 0;
        if (d->m_valid) got.push_back(d->m_data);
        if (mfull) stalls++;
        if (tr_set_due >= 0) {
            if (d->traffic_set != (tr_set_due == 0)) fail("traffic_set", d->traffic_set, tr_set_due);
            if (d->traffic_set && d->traffic_value != tr_set_value) fail("traffic_value", d->traffic_value, tr_set_value);
            tr_set_due--;
        } else if (d->traffic_set) {
            fail("traffic_set without a committed TRAFFIC write", 0, 0);
        }
        // The windows' peripheral: sees x_sel at this edge, answers the clock after.
        bool x_sel = d->x_sel, x_we = d->x_we; uint8_t x_addr = d->x_addr; uint32_t x_wdata = d->x_wdata;
        d->clk = 1; d->eval(); d->clk = 0; d->eval();
        d->x_rdata = rnd(); d->x_err = rnd() & 1;           // no answer: anything
        if (x_sel) {
            win_sels++;
            if (!TB_WINDOWS || x_addr < 0x20 || x_addr > 0x4F) fail("x_sel outside the windows", x_addr, 0);
            bool ok = x_we ? win_writable(x_addr) : win_exists(x_addr);
            d->x_err = !ok;
            d->x_rdata = ok && !x_we ? win_reg[x_addr] : rnd();
            if (ok && x_we) win_reg[x_addr] = x_wdata;
        }
        d->s_valid = 0; d->f_commit = 0; d->f_abort = 0; d->sess_rst = 0; d->rst = 0;
        cyc++;
        return taken;
    };
    // A value a counter or an input held between clock t0 and now.
    auto held = [&](uint8_t a, uint32_t v, uint64_t t0) {
        for (uint64_t t = t0 > 30 ? t0 - 30 : 0; t < cyc; t++) {
            uint32_t x;
            if (a == 0x09) x = level_h[t];
            else if (a == 0x07) x = traffic_h[t];
            else if (a == 0x0C) x = sinkb_h[t];
            else if (a == 0x0D) x = sinkc_h[t];
            else { int i = 0; while (EV_ADDR[i] != a) i++; x = count_h[i][t] & 0xFFFF; }
            if (x == v) return true;
        }
        return false;
    };

    d->rst = 1; d->s_valid = 0; d->f_commit = 0; d->f_abort = 0; d->sess_rst = 0; d->m_full = 0; d->events = 0;
    d->clk = 0; d->eval();
    for (int i = 0; i < 4; i++) tick(false);
    d->rst = 0;

    for (uint64_t f = 0; f < frames; f++) {
        // A frame of 1..4 requests.
        std::vector<Req> reqs;
        int n = 1 + rnd() % 4;
        for (int i = 0; i < n; i++) {
            Req r;
            int k = rnd() % 100;
            r.kind = k < 60 ? 0 : k < 90 ? 1 : 2;
            r.addr = rnd() % 100 < 85 ? (uint8_t)(rnd() % 0x19) : (uint8_t)rnd();
            if (TB_WINDOWS && rnd() % 100 < 30) r.addr = (uint8_t)(0x20 + rnd() % 0x30);
            if (r.kind == 1 && rnd() % 3 == 0) r.addr = TB_TEST_MODES && rnd() % 2 ? 0x07 : 0x06;
            r.op = r.kind == 0 ? 1 : r.kind == 1 ? 2 : (uint8_t)rnd();
            if (r.kind == 2 && (r.op == 1 || r.op == 2)) r.op = 0x55;
            r.wdata = rnd() % 2 ? rnd() : rnd() & 0xFFFF;
            reqs.push_back(r);
        }
        got.clear();
        std::vector<Expect> exp;
        uint16_t s_t = scratch_t; bool s_dirty = scratch_dirty;   // this frame's SCRATCH copy
        bool t_pend = tr_pend; uint32_t t_value = tr_value;
        bool refused_now = false;
        size_t need = 0;                                 // response bytes expected so far
        for (const Req &r : reqs) {
            std::vector<uint8_t> bytes = {r.op};
            if (r.kind != 2) bytes.push_back(r.addr);
            if (r.kind == 1)
                for (int i = 3; i >= 0; i--) bytes.push_back((uint8_t)(r.wdata >> (8 * i)));
            // Sometimes the frame ends inside its last request: the board
            // drops what arrived of it (no response, no effect; a SCRATCH
            // write cut after its upper byte leaves the frame's SCRATCH
            // writes undone), and the next frame starts afresh.
            size_t cut = bytes.size();
            if (&r == &reqs.back() && bytes.size() > 1 && (int)(rnd() % 100) < cut_pct) {
                cut = 1 + rnd() % (bytes.size() - 1);
                truncated++;
            }
            uint64_t t0 = 0;
            for (size_t b = 0; b < cut && !refused_now; b++) {
                // A byte a byte-time after the last, once the responses so far
                // are out (the credit the link keeps), unless the buffer is full.
                for (int g = 10 + rnd() % 5; g > 0; g--) tick(true);
                for (int w = 0; got.size() < need && !mfull; w++)
                    if (w == 1000) { fail("response never finished", (unsigned)got.size(), (unsigned)need); break; }
                    else tick(true);
                t0 = cyc;
                if (!tick(true, bytes[b])) { refused_now = true; break; }
                // The level a TRAFFIC write sees is the one at its last byte.
                bool idle = level_h[t0] == 0;
                if (b == bytes.size() - 1) {
                    Expect e; e.live = 0; e.t0 = t0;
                    if (r.kind == 2) {
                        e.bytes = {0xEF, r.op};
                    } else if (TB_WINDOWS && r.addr >= 0x20 && r.addr <= 0x4F) {
                        win_reqs++;
                        if (r.kind == 0 && win_exists(r.addr)) {
                            uint32_t v = win_model[r.addr];
                            e.bytes = {0x81, r.addr, (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
                        } else if (r.kind == 1 && win_writable(r.addr)) {
                            win_model[r.addr] = r.wdata;
                            e.bytes = {0x82, r.addr};
                        } else {
                            e.bytes = {0xE1, r.addr};
                        }
                    } else if (r.kind == 0) {
                        if (!exists(r.addr)) { e.bytes = {0xE1, r.addr}; }
                        else {
                            e.bytes = {0x81, r.addr};
                            uint8_t a = r.addr;
                            if (a == 0x18) {
                                for (int i = 3; i >= 0; i--) e.bytes.push_back((uint8_t)(FEATURES >> (8 * i)));
                            } else if (a <= 0x08 && a != 0x06 && a != 0x07) {
                                for (int i = 3; i >= 0; i--) e.bytes.push_back((uint8_t)(K[a] >> (8 * i)));
                            } else if (a == 0x06) {
                                uint16_t v = s_dirty ? s_t : scratch;
                                e.bytes.insert(e.bytes.end(), {0, 0, (uint8_t)(v >> 8), (uint8_t)v});
                            } else {
                                e.live = 1;
                                e.bytes.insert(e.bytes.end(), {0, 0, 0, 0});
                            }
                        }
                    } else {
                        uint8_t op;
                        if (r.addr == 0x06) { op = 0x82; s_t = (uint16_t)r.wdata; s_dirty = true; }
                        else if (TB_TEST_MODES && r.addr == 0x07) {
                            op = idle ? 0x82 : 0xE3;
                            if (idle) { t_pend = true; t_value = r.wdata; }
                        }
                        else op = exists(r.addr) ? 0xE2 : 0xE1;
                        e.bytes = {op, r.addr};
                    }
                    need += e.bytes.size();
                    exp.push_back(e);
                }
            }
            if (refused_now) break;
            if (cut < bytes.size() && r.kind == 1 && r.addr == 0x06 && cut == 5) s_dirty = false;
        }
        // The frame ends: its CRC and delimiter take a few byte-times; the
        // responses are all out first unless the frame was refused.
        bool commit = !refused_now && rnd() % 100 < 80;
        for (int g = 20 + rnd() % 20; g > 0; g--) tick(true);
        for (int w = 0; !refused_now && got.size() < need; w++)
            if (w == 100000) { fail("response never finished", (unsigned)got.size(), (unsigned)need); break; }
            else tick(true);
        // Check what was written: all of it (a commit), or what got out (an abort).
        size_t pos = 0;
        for (const Expect &e : exp) {
            size_t start = pos;
            for (size_t i = 0; i < e.bytes.size() && pos < got.size(); i++, pos++)
                if ((!e.live || i < 2) && got[pos] != e.bytes[i]) fail("response byte", got[pos], e.bytes[i]);
            if (e.live && pos - start == 6) {
                const uint8_t *p = &got[pos - 6];
                uint32_t v = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5];
                uint8_t a = p[1];
                bool wide = a == 0x07 || a == 0x0C;
                if (!wide && v > 0xFFFF) fail("upper half of a 16-bit register", a, v);
                else if (!held(a, v, e.t0)) {
                    fail("not one sample of the register", a, v);
                    if (getenv("TB_DEBUG") && a >= 0x10) {
                        int i = 0; while (EV_ADDR[i] != a) i++;
                        fprintf(stderr, "  t0 %llu now %llu: count then %u, now %u\n", (unsigned long long)e.t0,
                                (unsigned long long)cyc, count_h[i][e.t0], count[i]);
                    }
                }
                checked++;
            }
        }
        if (got.size() > need) fail("more response bytes than requested", (unsigned)got.size(), (unsigned)need);
        if (commit) {
            d->f_commit = 1; commits++;
            if (s_dirty) scratch = s_t;
            if (t_pend) { tr_set_due = 1; tr_set_value = t_value; }
        } else {
            d->f_abort = 1; aborts++; refused += refused_now;
        }
        scratch_t = 0; scratch_dirty = false; tr_pend = false; tr_value = 0;
        got.clear();
        for (int g = 0; g < 4; g++) tick(true);
        if (rnd() % 50 == 0) { d->sess_rst = 1; tick(true); }
    }
    // Quiet: every event counted, each counter exactly.
    stall_on = false;
    for (int g = 0; g < 200; g++) tick(false);
    for (int i = 0; i < 10; i++) {
        uint8_t bytes[2] = {1, EV_ADDR[i]};
        got.clear();
        for (int b = 0; b < 2; b++) {
            for (int g = 0; g < 12; g++) tick(false);
            tick(false, bytes[b]);
        }
        for (int g = 0; g < 12; g++) tick(false);
        uint32_t v = got.size() == 6 ? (uint32_t)got[4] << 8 | got[5] : 0xFFFFFFFF;
        if (v != (count[i] & 0xFFFF)) fail("counter after the run", EV_ADDR[i], count[i] & 0xFFFF);
        d->f_commit = 1; tick(false);
    }
    d->final();
    uint64_t evs = 0;
    for (int i = 0; i < 10; i++) evs += count[i];
    printf("ctrl_regs TEST_MODES %d: %llu frames, %llu commits, %llu aborts (%llu refused), %llu clocks full, "
           "%llu events, %llu live values checked, %llu errors\n", TB_TEST_MODES, (unsigned long long)frames,
           (unsigned long long)commits, (unsigned long long)aborts, (unsigned long long)refused,
           (unsigned long long)stalls, (unsigned long long)evs, (unsigned long long)checked,
           (unsigned long long)errors);
    printf("ctrl_regs TEST_MODES %d: %llu frames ended inside a request\n", TB_TEST_MODES,
           (unsigned long long)truncated);
    if (TB_WINDOWS) {
        printf("ctrl_regs WINDOWS: %llu window requests, %llu sent out on x_sel\n",
               (unsigned long long)win_reqs, (unsigned long long)win_sels);
        if (win_reqs < frames / 10 || win_sels != win_reqs) { fprintf(stderr, "window requests lost\n"); errors++; }
    }
    if (refused < frames / 100 || checked < frames / 4 || truncated < frames / 50) { fprintf(stderr, "too few refusals or checks\n"); errors++; }
    return errors ? 1 : 0;
}
