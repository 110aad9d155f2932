// ps2_keyboard test bench: the whole keyboard peripheral (PS/2 host,
// controller, buffer, registers) against the keyboard model of
// sim/ps2/ps2_kbd.h, bit by bit on the two open-drain lines.
//   Vps2_keyboard proto [seed]     random timing across PS/2's ranges, LEDs, typematic
//   Vps2_keyboard faults [seed]    parity errors, glitches, missing clock edges
//   Vps2_keyboard tx [seed]        no ACK, a late clock, silence, unplug and replug
//   Vps2_keyboard overflow [seed]  10,000 events at the fastest typematic rate, slow reader
//   Vps2_keyboard noise [seed]     random noise on both lines never wedges the receiver
// Every record the buffer hands out is checked against the events the model
// sent; a summary line of counts is printed at the end.
// SPDX-License-Identifier: MIT
#include "Vps2_keyboard.h"
#include "verilated.h"
#include "ps2/ps2_kbd.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#ifndef TB_CLK_HZ
#error "TB_CLK_HZ must match the gateware's CLK_HZ"
#endif
#ifndef TB_DEPTH
#error "TB_DEPTH must match the gateware's DEPTH"
#endif

static int failures = 0;
#define CHECK(c, ...) do { if (!(c)) { failures++; if (failures < 20) { fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } } while (0)

enum { R_STATUS, R_EVENTS, R_OVERFLOWS, R_PARITY, R_FRAME, R_TIMEOUTS, R_RESENDS, R_LEDS, R_TYPEMATIC, R_TIME };

// A record as the buffer holds it (docs/keyboard.md).
struct Rec { uint8_t code; bool brk; int prefix; uint32_t ms; };
static Rec unpack(uint32_t w) { return Rec{(uint8_t)w, (w >> 8 & 1) != 0, (int)(w >> 9 & 3), w >> 11}; }

// Event records expected from a key byte stream (the same prefix rule as the
// gateware's), with the time of the code byte's stop bit.
struct Ev { uint8_t code; bool brk; int prefix; double t_ns; };
static std::vector<Ev> expected_events(const std::vector<ps2::Sent> &sent) {
    std::vector<Ev> out;
    bool brk = false, e0 = false, e1 = false;
    for (const auto &s : sent) {
        if (s.bad) continue;
        uint8_t b = s.byte;
        if (b == 0xFA || b == 0xFE || b == 0xEE || b == 0xAA || b == 0xFC) continue;
        if (b == 0xF0) { brk = true; continue; }
        if (b == 0xE0) { e0 = true; continue; }
        if (b == 0xE1) { e1 = true; continue; }
        out.push_back(Ev{b, brk, e1 ? 2 : e0 ? 1 : 0, s.t_ns});
        brk = e0 = e1 = false;
    }
    return out;
}

struct Bench {
    std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    std::unique_ptr<Vps2_keyboard> u{new Vps2_keyboard{ctx.get()}};
    ps2::Keyboard kb;
    double t = 0, clk_ns = 1e9 / TB_CLK_HZ;
    bool reading = true;
    uint64_t read_gap = 0, read_wait = 0;       // clocks between bytes taken by the reader
    bool release_due = false;
    std::vector<uint8_t> bytes;
    std::vector<Rec> recs;
    // noise: the bench pulls the lines itself
    bool noise_clk_low = false, noise_data_low = false;

    explicit Bench(uint64_t seed) : kb(seed) {
        u->rst = 1; cycle(); cycle(); u->rst = 0;
    }
    void cycle() {
        kb.step(t, u->clk_oe, u->data_oe);
        u->clk_in = kb.clk() && !noise_clk_low;
        u->data_in = kb.data() && !noise_data_low;
        u->rd_ready = 0; u->rd_release = 0; u->rd_release_len = 0; u->rd_rewind = 0;
        if (release_due) { u->rd_release = 1; u->rd_release_len = 1; release_due = false; }
        else if (reading && u->rd_valid) {
            if (read_wait) read_wait--;
            else {
                u->rd_ready = 1; read_wait = read_gap; release_due = true;
                bytes.push_back(u->rd_data);
                if (bytes.size() % 4 == 0) {
                    size_t n = bytes.size();
                    recs.push_back(unpack((uint32_t)bytes[n - 4] | (uint32_t)bytes[n - 3] << 8 |
                                          (uint32_t)bytes[n - 2] << 16 | (uint32_t)bytes[n - 1] << 24));
                }
            }
        }
        u->clk = 1; u->eval(); u->clk = 0; u->eval();
        u->reg_sel = 0; u->reg_we = 0;
        t += clk_ns;
    }
    void run_ms(double ms) { double end = t + ms * 1e6; while (t < end) cycle(); }
    uint32_t reg(int a, bool *err = nullptr) {
        u->reg_sel = 1; u->reg_we = 0; u->reg_addr = a; cycle();
        if (err) *err = u->reg_err;
        return u->reg_rdata;
    }
    bool reg_write(int a, uint32_t v) {
        u->reg_sel = 1; u->reg_we = 1; u->reg_addr = a; u->reg_wdata = v; cycle();
        return !u->reg_err;
    }
    bool wait_initialised(double ms) {
        for (double end = t + ms * 1e6; t < end; run_ms(1))
            if ((reg(R_STATUS) & 3) == 3) return true;
        return false;
    }
    void drain(double ms) {
        for (double end = t + ms * 1e6; t < end; run_ms(1))
            if (kb.pending() == 0 && !u->rd_valid) { run_ms(3); if (kb.pending() == 0 && !u->rd_valid) return; }
    }
    // Key records only (markers apart), compared with the model's events.
    int compare(const std::vector<Ev> &want, size_t from_rec, size_t from_ev, bool times) {
        int bad = 0;
        size_t j = from_ev;
        for (size_t i = from_rec; i < recs.size(); i++) {
            const Rec &r = recs[i];
            if (r.prefix == 3) continue;
            if (j >= want.size()) { bad++; CHECK(false, "record %zu (%02x) beyond the %zu events sent", i, r.code, want.size()); continue; }
            const Ev &e = want[j++];
            if (r.code != e.code || r.brk != e.brk || r.prefix != e.prefix) {
                bad++;
                CHECK(false, "record %zu: %d/%d/%02x, want %d/%d/%02x", i, r.prefix, r.brk, r.code, e.prefix, e.brk, e.code);
            } else if (times) {
                // The record's time is the gateware's ms count when it was
                // written, the stop bit's time plus under a clock or two.
                double ms = e.t_ns / 1e6;
                double d = (double)r.ms - ms;
                CHECK(d > -1.5 && d < 1.5, "record %zu: time %u ms, stop bit at %.3f ms", i, r.ms, ms);
            }
        }
        CHECK(j == want.size(), "%zu events sent, %zu delivered", want.size() - from_ev, j - from_ev);
        return bad;
    }
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

static const uint16_t keyset[] = {0x1C, 0x32, 0x21, 0x23, 0x24, 0x12, 0x59, 0x14, 0x29, 0x5A, 0x66, 0x76,
                                  0xE075, 0xE072, 0xE06B, 0xE074, 0xE014, 0xE011, 0xE071, 0x05, 0x83, 0x7E};
static const int nkeys = sizeof keyset / sizeof keyset[0];

// Random presses and releases of the key set, at most 4 keys held at once.
static void random_keys(Bench &b, int n, double t0_ms, double step_ms, double jitter_ms, std::set<uint16_t> &held) {
    double t = t0_ms;
    for (int i = 0; i < n; i++) {
        uint16_t k = keyset[rnd() % nkeys];
        bool make = !held.count(k) && (held.size() < 4 || rnd() % 4 == 0);
        if (make) { held.insert(k); b.kb.press(k, t * 1e6); }
        else { if (!held.count(k)) k = *held.begin(); held.erase(k); b.kb.release(k, t * 1e6); }
        t += step_ms + (rnd() % 1000) / 1000.0 * jitter_ms;
    }
    for (uint16_t k : held) { b.kb.release(k, t * 1e6); t += step_ms; }
    held.clear();
}

static int proto(uint64_t seed) {
    Bench b(seed);
    b.kb.gap_us_min = 50; b.kb.gap_us_max = 1500;
    CHECK(b.wait_initialised(200), "keyboard not initialised after 200 ms (status %x)", b.reg(R_STATUS));
    CHECK(b.kb.reset_seen(), "no FF sent at power-up");
    CHECK(b.kb.typematic() == 0x2B, "typematic %02x after setup", b.kb.typematic());
    std::set<uint16_t> held;
    double t0 = b.t / 1e6 + 5;
    random_keys(b, 1000, t0, 2, 8, held);
    // LEDs and typematic from the host while keys arrive
    for (int i = 0; i < 10; i++) {
        b.run_ms(300);
        uint32_t leds = rnd() & 7;
        CHECK(b.reg_write(R_LEDS, leds), "LED write refused");
        b.run_ms(60);
        CHECK(b.kb.leds() == leds, "LEDs %x at the keyboard, %x written", b.kb.leds(), leds);
        if (i % 5 == 0) { uint32_t ty = rnd() & 0x7F; b.reg_write(R_TYPEMATIC, ty); b.run_ms(60);
            CHECK(b.kb.typematic() == ty, "typematic %02x at the keyboard, %02x written", b.kb.typematic(), ty); }
    }
    b.drain(20000);
    bool err;
    b.reg(R_LEDS | 0, &err); CHECK(!err, "LEDS read error");
    CHECK(!b.reg_write(R_LEDS, 8), "LED write with bit 3 accepted");
    CHECK(!b.reg_write(R_EVENTS, 0), "write to EVENTS accepted");
    b.reg(12, &err); CHECK(err, "read of register 12 accepted");
    auto want = expected_events(b.kb.sent);
    int bad = b.compare(want, 0, 0, true);
    uint32_t ev = b.reg(R_EVENTS);
    CHECK(ev == want.size(), "EVENTS %u, %zu sent", ev, want.size());
    for (int r = R_OVERFLOWS; r <= R_RESENDS; r++) CHECK(b.reg(r) == 0, "counter %d is %u on a clean line", r, b.reg(r));
    printf("proto: %zu events in order with timestamps, %zu bytes sent, %zu host commands, %d wrong, aborted by inhibit %llu\n",
           want.size(), b.kb.sent.size(), b.kb.received.size(), bad, (unsigned long long)b.kb.aborted);
    return bad;
}

static int faults(uint64_t seed) {
    int bad_total = 0;
    // 1. parity errors and glitches: FE recovers every byte, the filter every spike
    {
        Bench b(seed);
        CHECK(b.wait_initialised(200), "not initialised");
        b.kb.faults.parity = 0.03; b.kb.faults.glitch = 0.05;
        std::set<uint16_t> held;
        random_keys(b, 1000, b.t / 1e6 + 5, 3, 6, held);
        b.drain(30000);
        auto want = expected_events(b.kb.sent);
        int bad = b.compare(want, 0, 0, false);
        bad_total += bad;
        printf("faults parity+glitch: %zu events, injected %llu parity errors and %llu glitches; "
               "PARITY_ERR %u FRAME_ERR %u TIMEOUTS %u RESENDS %u; %d events wrong or lost\n",
               want.size(), (unsigned long long)b.kb.faults_parity, (unsigned long long)b.kb.faults_glitch,
               b.reg(R_PARITY), b.reg(R_FRAME), b.reg(R_TIMEOUTS), b.reg(R_RESENDS), bad);
        CHECK(b.reg(R_PARITY) == b.kb.faults_parity, "PARITY_ERR %u, %llu injected", b.reg(R_PARITY), (unsigned long long)b.kb.faults_parity);
        CHECK(b.reg(R_FRAME) == 0, "framing errors from glitches the filter should take");
    }
    // 2. missing clock edges: the watchdog or the stop bit catches each, FE
    // asks again
    {
        Bench b(seed + 1);
        CHECK(b.wait_initialised(200), "not initialised");
        b.kb.faults.missing_edge = 0.02;
        std::set<uint16_t> held;
        random_keys(b, 1000, b.t / 1e6 + 5, 3, 6, held);
        b.drain(30000);
        auto want = expected_events(b.kb.sent);
        int bad = b.compare(want, 0, 0, false);
        bad_total += bad;
        uint32_t perr = b.reg(R_PARITY), ferr = b.reg(R_FRAME), tout = b.reg(R_TIMEOUTS);
        printf("faults missing edges: %zu events, injected %llu missing edges; "
               "PARITY_ERR %u FRAME_ERR %u TIMEOUTS %u RESENDS %u; %d events wrong or lost\n",
               want.size(), (unsigned long long)b.kb.faults_missing, perr, ferr, tout, b.reg(R_RESENDS), bad);
        // (a byte the host interrupted with its own FE is sent again whole: its
        // missing edge is never seen)
        CHECK(perr + ferr + tout + b.kb.aborted >= b.kb.faults_missing, "fewer errors counted than edges left out");
        CHECK((b.reg(R_STATUS) & 3) == 3, "keyboard lost after missing edges");
    }
    return bad_total;
}

static int tx(uint64_t seed) {
    // no ACK: the command fails, counted; the keyboard is reported absent
    {
        Bench b(seed);
        b.kb.faults.no_ack = true;
        b.run_ms(100);
        CHECK((b.reg(R_STATUS) & 1) == 0, "present without ACKs");
        CHECK(b.reg(R_FRAME) >= 1, "missing ACK not counted (FRAME_ERR %u)", b.reg(R_FRAME));
        b.kb.faults.no_ack = false;
        CHECK(b.wait_initialised(3000), "not initialised once the keyboard ACKs again");
        printf("tx no-ack: FRAME_ERR %u, absent until it ACKs, then initialised\n", b.reg(R_FRAME));
    }
    // a late first clock (20 ms > 15 ms)
    {
        Bench b(seed);
        b.kb.faults.late_clock = true;
        b.run_ms(100);
        CHECK((b.reg(R_STATUS) & 1) == 0, "present with a late clock");
        CHECK(b.reg(R_TIMEOUTS) >= 1, "late clock not counted");
        CHECK(b.u->clk_oe == 0 && b.u->data_oe == 0, "lines still pulled after the time-out");
        printf("tx late clock: TIMEOUTS %u\n", b.reg(R_TIMEOUTS));
    }
    // a keyboard that never answers (unplugged): tried again about once a second
    {
        Bench b(seed);
        b.kb.unplug();
        b.run_ms(3500);
        uint32_t st = b.reg(R_STATUS), to = b.reg(R_TIMEOUTS);
        CHECK((st & 3) == 0, "status %x with no keyboard", st);
        CHECK(to >= 3 && to <= 5, "TIMEOUTS %u after 3.5 s without a keyboard (one a second expected)", to);
        b.kb.plug();
        CHECK(b.wait_initialised(1500), "not initialised after plugging in");
        printf("tx never answers: TIMEOUTS %u in 3.5 s, initialised after plug-in\n", to);
    }
    // silent until FF
    {
        Bench b(seed);
        b.kb.faults.silent_until_reset = true;
        b.kb.unplug(); b.run_ms(50); b.kb.plug();
        CHECK(b.wait_initialised(2500), "a keyboard silent until reset was not found");
    }
    // slow keyboard: 10 kHz, answers after 15 ms
    {
        Bench b(seed);
        b.kb.faults.slow = true;
        CHECK(b.wait_initialised(500), "slow keyboard not initialised");
        b.kb.type("slow");
        b.drain(2000);
        auto want = expected_events(b.kb.sent);
        b.compare(want, 0, 0, false);
    }
    // unplug and replug while initialised: all-keys-up marker, initialised again
    {
        Bench b(seed);
        CHECK(b.wait_initialised(200), "not initialised");
        b.kb.press(0x1C); b.run_ms(20);
        b.kb.unplug();
        b.run_ms(1500);
        CHECK((b.reg(R_STATUS) & 3) == 0, "unplugging not noticed within 1.5 s (status %x)", b.reg(R_STATUS));
        b.reg_write(R_LEDS, 5);
        b.kb.plug();
        CHECK(b.wait_initialised(100), "not initialised after replugging");
        b.run_ms(10);
        CHECK(b.kb.leds() == 5, "LEDs %x after replug, 5 set", b.kb.leds());
        bool up = false;
        for (const Rec &r : b.recs) if (r.prefix == 3 && r.code == 1) up = true;
        CHECK(up, "no all-keys-up marker after unplugging");
        b.kb.type("ok");
        b.drain(1000);
        printf("tx unplug/replug: noticed, all-keys-up marked, initialised again with LEDs\n");
    }
    return 0;
}

static int overflow(uint64_t seed) {
    Bench b(seed);
    CHECK(b.wait_initialised(200), "not initialised");
    b.reg_write(R_TYPEMATIC, 0x00);            // the fastest: 30 /s after 250 ms
    b.run_ms(10);
    b.reading = false;                           // the host is away
    std::set<uint16_t> held;
    const int n = 10000;
    const double step = 1000.0 / 30;             // one event per typematic period
    double t0 = b.t / 1e6 + 5;
    random_keys(b, n, t0, step, 0, held);
    const size_t cap = TB_DEPTH / 4 - 2;         // events that fit before the reserve
    bool resumed = false;
    double end = t0 + (n + 10) * step + 100;
    while (b.t / 1e6 < end) {
        b.run_ms(50);
        // the host comes back when the buffer has overflowed, and reads
        // slowly: one byte every 2 ms (a record per 8 ms, against one event
        // per 33 ms... then gone again for a while)
        double now = b.t / 1e6 - t0;
        bool away = fmod(now, 60000) < 25000;
        b.reading = !away; b.read_gap = TB_CLK_HZ / 500;
        if (!away) resumed = true;
    }
    b.reading = true; b.read_gap = 0;
    b.drain(5000);
    CHECK(resumed, "reader never ran");
    auto want = expected_events(b.kb.sent);
    // Until the first marker: exactly the events sent, in order.
    size_t first = 0;
    while (first < b.recs.size() && b.recs[first].prefix != 3) first++;
    CHECK(first == cap, "%zu events before the first overflow marker, %zu fit", first, cap);
    for (size_t i = 0; i < first && i < want.size(); i++)
        CHECK(b.recs[i].code == want[i].code && b.recs[i].brk == want[i].brk, "event %zu differs before the overflow", i);
    // Markers in pairs (overflow, all keys up); key events a subsequence of
    // those sent; a host that releases everything at all-keys-up is left
    // holding nothing; overflows counted = events missing.
    size_t keys = 0, markers = 0, j = 0;
    std::set<int> host_held;
    for (size_t i = 0; i < b.recs.size(); i++) {
        const Rec &r = b.recs[i];
        if (r.prefix == 3) {
            markers++;
            if (r.code == 0) CHECK(i + 1 < b.recs.size() && b.recs[i + 1].prefix == 3 && b.recs[i + 1].code == 1, "overflow marker %zu not followed by all keys up", i);
            if (r.code == 1) host_held.clear();
            continue;
        }
        keys++;
        while (j < want.size() && !(want[j].code == r.code && want[j].brk == r.brk && want[j].prefix == r.prefix)) j++;
        CHECK(j < want.size(), "record %zu is no event sent (or out of order)", i);
        j++;
        int k = r.prefix << 8 | r.code;
        if (r.brk) host_held.erase(k); else host_held.insert(k);
    }
    uint32_t ev = b.reg(R_EVENTS), ovf = b.reg(R_OVERFLOWS);
    CHECK(ev == keys, "EVENTS %u, %zu key records read", ev, keys);
    CHECK(ev + ovf == want.size(), "EVENTS %u + OVERFLOWS %u != %zu sent", ev, ovf, want.size());
    CHECK(ovf > 0, "no overflow");
    CHECK(host_held.empty(), "%zu keys left held at the host", host_held.size());
    CHECK(b.kb.held().empty(), "model still holds keys");
    printf("overflow: %zu events sent, %u buffered, %u dropped (counted), %zu markers, first overflow after %zu events, "
           "no key held at the end\n", want.size(), ev, ovf, markers, first);
    return 0;
}

static int noise(uint64_t seed) {
    Bench b(seed);
    CHECK(b.wait_initialised(200), "not initialised");
    int bursts = 0;
    for (int round = 0; round < 30; round++) {
        // a burst of random pulses on both lines, 0.1-3 ms
        double end = b.t + (100 + rnd() % 2900) * 1e3;
        while (b.t < end) {
            if (rnd() % 40 == 0) b.noise_clk_low = !b.noise_clk_low;
            if (rnd() % 40 == 0) b.noise_data_low = !b.noise_data_low;
            b.cycle();
        }
        b.noise_clk_low = b.noise_data_low = false;
        bursts++;
        b.run_ms(30);
        // the receiver must take a clean byte sequence right after
        size_t before_recs = b.recs.size();
        size_t before_sent = b.kb.sent.size();
        b.kb.type("ab");
        b.drain(3000);
        std::vector<ps2::Sent> tail(b.kb.sent.begin() + before_sent, b.kb.sent.end());
        auto want = expected_events(tail);
        std::vector<Rec> got;
        for (size_t i = before_recs; i < b.recs.size(); i++) if (b.recs[i].prefix != 3) got.push_back(b.recs[i]);
        // noise may have looked like key bytes; the typed ones come last
        CHECK(got.size() >= want.size(), "round %d: %zu records after noise, %zu typed", round, got.size(), want.size());
        if (got.size() >= want.size())
            for (size_t i = 0; i < want.size(); i++) {
                const Rec &r = got[got.size() - want.size() + i];
                CHECK(r.code == want[i].code && r.brk == want[i].brk, "round %d: typed key %zu wrong after noise", round, i);
            }
        if (failures) break;
    }
    printf("noise: %d bursts; after each, typed keys arrived (PARITY_ERR %u FRAME_ERR %u TIMEOUTS %u); status %x\n",
           bursts, b.reg(R_PARITY), b.reg(R_FRAME), b.reg(R_TIMEOUTS), b.reg(R_STATUS));
    return 0;
}

int main(int argc, char **argv) {
    Verilated::commandArgs(argc, argv);
    const char *what = argc > 1 ? argv[1] : "proto";
    uint64_t seed = argc > 2 ? strtoull(argv[2], nullptr, 0) : 1;
    rng ^= seed * 0x2545F4914F6CDD1Dull;
    if (!strcmp(what, "proto")) proto(seed);
    else if (!strcmp(what, "faults")) faults(seed);
    else if (!strcmp(what, "tx")) tx(seed);
    else if (!strcmp(what, "overflow")) overflow(seed);
    else if (!strcmp(what, "noise")) noise(seed);
    else { fprintf(stderr, "usage: %s proto|faults|tx|overflow|noise [seed]\n", argv[0]); return 2; }
    if (failures) { fprintf(stderr, "%s: %d checks failed\n", what, failures); return 1; }
    printf("%s: pass\n", what);
    return 0;
}
