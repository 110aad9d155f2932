// ftdi_uart_test — the virtual board's FTDI model (sim/ftdi_uart.h) alone,
// against the specification in its comments: no Verilator, no sockets.
//   Rng, ByteRing       the building blocks
//   downstream          8N1, LSB first, every bit exactly clks_per_bit clocks,
//                       back to back, idle high; the 4 KiB TX buffer's room
//   upstream            a reference serialiser here drives the tx pin bit by
//                       bit: bytes, framing errors, breaks, glitches, a full
//                       RX buffer, host_open()
//   faults              off at rate 0; drop, garbage and bit errors exact at
//                       rate 1 and roughly right at small rates; a seed gives
//                       the same faults whatever the timing of the writes
//   fractional          clk_num/clk_den clocks a bit (67/16: 12 Mbaud from
//                       50.25 MHz): every edge at the ideal time rounded to
//                       the nearest clock, no drift; bytes from serialisers
//                       of any rounding phase; n/1 is the int constructor
// Exits 1 at the first failure, saying what and where.
// SPDX-License-Identifier: MIT
#include "ftdi_uart.h"

#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

using icebuf_sim::ByteRing;
using icebuf_sim::DirStats;
using icebuf_sim::FaultRates;
using icebuf_sim::FtdiUart;
using icebuf_sim::Rng;

typedef std::vector<uint8_t> Bytes;

[[noreturn]] __attribute__((format(printf, 3, 4))) static void
fail(int line, const char *cond, const char *fmt, ...) {
    printf("FAIL ftdi_uart_test.cpp:%d: %s: ", line, cond);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    exit(1);
}
#define CHECK(cond, ...) do { if (!(cond)) fail(__LINE__, #cond, __VA_ARGS__); } while (0)

static const int CPBS[] = {2, 3, 4, 5, 104};

// The test's own random numbers (not the model's Rng).
static uint64_t trng = 0x9E3779B97F4A7C15ull;
static uint32_t rnd() { trng ^= trng << 13; trng ^= trng >> 7; trng ^= trng << 17; return (uint32_t)trng; }

static Bytes random_bytes(size_t n) {
    Bytes b(n);
    for (auto &x : b) x = (uint8_t)rnd();
    return b;
}

static std::string hex(const Bytes &b, size_t from = 0, size_t n = 8) {
    std::string s;
    char t[8];
    for (size_t i = from; i < b.size() && i < from + n; i++) {
        snprintf(t, sizeof t, "%02X ", b[i]);
        s += t;
    }
    return s;
}

// ---- driving the model

// n clocks with the FPGA's tx pin at `tx`; the level on rx for each of the
// following clocks goes to *w.
static void run(FtdiUart &u, long n, Bytes *w = nullptr, bool tx = true) {
    for (long i = 0; i < n; i++) {
        u.tick(tx);
        if (w) w->push_back(u.rx());
    }
}

// The reference serialiser on the FPGA's tx pin: 8N1, LSB first.
static void send_byte(FtdiUart &u, uint8_t b, int cpb, bool stop = true) {
    run(u, cpb, nullptr, false);
    for (int k = 0; k < 8; k++) run(u, cpb, nullptr, (b >> k) & 1);
    run(u, cpb, nullptr, stop);
}

// Every byte waiting for the host, taken with span()/consume().
static Bytes drain(FtdiUart &u) {
    Bytes out;
    auto &q = u.up_queue();
    while (!q.empty()) {
        size_t n;
        const uint8_t *p = q.span(n);
        CHECK(n > 0 && n <= q.size(), "span() gave %zu bytes of %zu", n, q.size());
        out.insert(out.end(), p, p + n);
        q.consume(n);
    }
    return out;
}

// The rx levels of bytes sent back to back: 10 bits of cpb clocks each.
static Bytes wave_of(const Bytes &bytes, int cpb) {
    Bytes w;
    for (uint8_t b : bytes) {
        uint16_t frame = (uint16_t)(0x200 | b << 1);
        for (int bit = 0; bit < 10; bit++) w.insert(w.end(), (size_t)cpb, (uint8_t)((frame >> bit) & 1));
    }
    return w;
}

// w must be exactly the frames of `bytes` from its first sample, then idle high.
static void expect_wave(const Bytes &w, const Bytes &bytes, int cpb, const char *what) {
    Bytes want = wave_of(bytes, cpb);
    CHECK(w.size() >= want.size(), "%s: only %zu clocks recorded, %zu needed", what, w.size(), want.size());
    for (size_t i = 0; i < w.size(); i++) {
        bool exp = i < want.size() ? want[i] : true;
        if (w[i] != exp) {
            size_t frame = i / (10 * (size_t)cpb), bit = i / (size_t)cpb % 10;
            if (i >= want.size())
                fail(__LINE__, what, "cpb %d: rx low at clock %zu, %zu clocks after the last frame (the line "
                     "should idle high)", cpb, i, i - want.size());
            fail(__LINE__, what, "cpb %d: rx %d at clock %zu, expected %d (byte %zu = 0x%02X, %s, clock %zu of "
                 "the bit)", cpb, w[i], i, exp, frame, bytes[frame],
                 bit == 0 ? "start bit" : bit == 9 ? "stop bit" : ("data bit " + std::to_string(bit - 1)).c_str(),
                 i % (size_t)cpb);
        }
    }
}

static void expect_bytes(const Bytes &got, const Bytes &want, const char *what) {
    size_t i = 0;
    while (i < got.size() && i < want.size() && got[i] == want[i]) i++;
    if (i == got.size() && i == want.size()) return;
    fail(__LINE__, what, "%zu bytes, expected %zu; first difference at byte %zu: got [%s] expected [%s]",
         got.size(), want.size(), i, hex(got, i).c_str(), hex(want, i).c_str());
}

static void expect_no_faults(const DirStats &s, const char *what) {
    CHECK(!s.flipped && !s.dropped && !s.inserted,
          "%s: faults at rate 0: %llu flipped, %llu dropped, %llu inserted", what,
          (unsigned long long)s.flipped, (unsigned long long)s.dropped, (unsigned long long)s.inserted);
}

// ---- the building blocks

static void test_rng() {
    Rng a(42), b(42), c(43), z(0);
    int same = 0, zeros = 0;
    double sum = 0;
    for (int i = 0; i < 100000; i++) {
        uint64_t x = a.next();
        CHECK(x == b.next(), "two Rng(42) differ at draw %d", i);
        same += x == c.next();
        zeros += z.next() == 0;
        double u = a.uniform();
        b.uniform();
        CHECK(u >= 0 && u < 1, "uniform() gave %g", u);
        sum += u;
    }
    CHECK(same == 0, "Rng(42) and Rng(43) agree on %d of 100000 draws", same);
    CHECK(zeros == 0, "Rng(0) drew 0 %d times", zeros);
    CHECK(sum / 1e5 > 0.49 && sum / 1e5 < 0.51, "uniform() averages %g", sum / 1e5);
    // chance(0) never fires and draws nothing (so a zero rate leaves a stream
    // untouched); chance(1) always fires.
    Rng d(7), e(7);
    for (int i = 0; i < 1000; i++) {
        CHECK(!d.chance(0), "chance(0) fired");
        CHECK(!d.chance(-1), "chance(-1) fired");
    }
    CHECK(d.next() == e.next(), "chance(0) consumed random numbers");
    int hits = 0;
    for (int i = 0; i < 100000; i++) hits += d.chance(1.0);
    CHECK(hits == 100000, "chance(1) fired %d times in 100000", hits);
    hits = 0;
    for (int i = 0; i < 100000; i++) hits += d.chance(0.25);
    CHECK(hits > 24000 && hits < 26000, "chance(0.25) fired %d times in 100000", hits);
    printf("ok  Rng: reproducible, seeds differ, uniform in [0,1), chance(0|0.25|1)\n");
}

static void test_ring() {
    ByteRing<8> r;
    CHECK(r.empty() && r.size() == 0 && r.room() == 8, "a new ring: size %zu room %zu", r.size(), r.room());
    for (int i = 0; i < 8; i++) r.push((uint8_t)(10 + i));
    CHECK(r.size() == 8 && r.room() == 0, "full ring: size %zu room %zu", r.size(), r.room());
    for (int i = 0; i < 5; i++) {
        uint8_t b = r.pop();
        CHECK(b == 10 + i, "pop %d gave %d", i, b);
    }
    for (int i = 0; i < 4; i++) r.push((uint8_t)(20 + i));   // wraps: 15 16 17 | 20 21 22 23
    CHECK(r.size() == 7 && r.room() == 1, "size %zu room %zu", r.size(), r.room());
    size_t n;
    const uint8_t *p = r.span(n);
    CHECK(n == 3 && p[0] == 15 && p[2] == 17, "span before the wrap: %zu bytes from %d", n, p[0]);
    r.consume(2);
    p = r.span(n);
    CHECK(n == 1 && p[0] == 17, "span after consume(2): %zu bytes from %d", n, p[0]);
    r.consume(1);
    p = r.span(n);
    CHECK(n == 4 && p[0] == 20 && p[3] == 23, "span after the wrap: %zu bytes from %d", n, p[0]);
    r.consume(4);
    CHECK(r.empty() && r.room() == 8, "after consuming all: size %zu", r.size());
    p = r.span(n);
    CHECK(n == 0, "span of an empty ring: %zu bytes", n);
    r.push(1);
    r.push(2);
    r.clear();
    CHECK(r.empty() && r.room() == 8, "clear() left %zu", r.size());
    r.push(99);
    CHECK(r.pop() == 99 && r.empty(), "push/pop after clear()");
    printf("ok  ByteRing: FIFO order, room, wrap-around spans, consume, clear\n");
}

// ---- downstream: host -> FPGA rx pin

static void test_downstream() {
    for (int cpb : CPBS) {
        FtdiUart u(cpb, FaultRates(), 1);
        // Idle high, before and after ticks.
        CHECK(u.rx(), "cpb %d: rx low before the first clock", cpb);
        Bytes w;
        run(u, 50 * cpb, &w);
        expect_wave(w, {}, cpb, "idle line");
        CHECK(u.down_room() == FtdiUart::BUF, "cpb %d: room %zu in an empty TX buffer", cpb, u.down_room());

        // A burst: back to back, LSB first, each bit cpb clocks, starting on
        // the next clock.
        Bytes msg = {0x55, 0x00, 0xFF, 0xA5, 0x01, 0x80, 0x0F, 0xF0};
        Bytes more = random_bytes(40);
        msg.insert(msg.end(), more.begin(), more.end());
        CHECK(u.host_write(msg.data(), msg.size()) == msg.size(), "cpb %d: host_write refused bytes", cpb);
        w.clear();
        run(u, (long)(msg.size() * 10 + 30) * cpb, &w);
        expect_wave(w, msg, cpb, "a burst");

        // Bytes written while a byte is on the wire follow it without a gap.
        Bytes a = {0x3C}, b = {0xC3, 0x00};
        u.host_write(a.data(), 1);
        w.clear();
        run(u, 3 * cpb + 1, &w);
        u.host_write(b.data(), 2);
        run(u, 40 * cpb, &w);
        expect_wave(w, {0x3C, 0xC3, 0x00}, cpb, "a write during a byte");

        // After an odd idle gap, a byte still starts on the next clock.
        run(u, 7);
        w.clear();
        u.host_write(a.data(), 1);
        run(u, 15 * cpb, &w);
        expect_wave(w, a, cpb, "a byte after an odd gap");
        CHECK(u.down.bytes == msg.size() + 4, "cpb %d: down.bytes %llu, expected %zu", cpb,
              (unsigned long long)u.down.bytes, msg.size() + 4);
        expect_no_faults(u.down, "downstream");
    }
    {   // clks_per_bit below 2 is taken as 2
        FtdiUart u(1, FaultRates(), 1);
        Bytes b = {0x96}, w;
        u.host_write(b.data(), 1);
        run(u, 30, &w);
        expect_wave(w, b, 2, "clks_per_bit 1 (taken as 2)");
    }
    printf("ok  downstream: 8N1, LSB first, bits of exactly cpb clocks, back to back, idle high "
           "(cpb 2 3 4 5 104)\n");
}

static void test_down_room() {
    const int cpb = 4;
    FtdiUart u(cpb, FaultRates(), 1);
    Bytes data = random_bytes(FtdiUart::BUF + 904);
    CHECK(u.down_room() == 4096, "room %zu in an empty TX buffer, expected 4096", u.down_room());
    size_t n = u.host_write(data.data(), 100);
    CHECK(n == 100 && u.down_room() == 3996, "wrote %zu, room %zu", n, u.down_room());
    n = u.host_write(data.data() + 100, data.size() - 100);
    CHECK(n == FtdiUart::BUF - 100, "host_write into 3996 bytes of room took %zu", n);
    CHECK(u.down_room() == 0, "room %zu in a full TX buffer", u.down_room());
    CHECK(u.host_write(data.data() + 4096, 10) == 0, "host_write into a full buffer took bytes");
    CHECK(u.down.bytes == 4096, "down.bytes %llu, expected 4096 (what was taken)",
          (unsigned long long)u.down.bytes);
    // Room comes back one byte per frame, never faster than the line.
    Bytes w;
    run(u, 10 * cpb * 100, &w);
    CHECK(u.down_room() >= 99 && u.down_room() <= 101, "room %zu after 100 frame times", u.down_room());
    n = u.host_write(data.data() + 4096, 808);          // more than the room: clipped
    CHECK(n == u.down.bytes - 4096 && n >= 99 && n <= 101, "host_write took %zu", n);
    run(u, (long)(10 * cpb * (4096 + n - 100) + 100), &w);
    Bytes sent(data.begin(), data.begin() + (long)(4096 + n));
    expect_wave(w, sent, cpb, "a full TX buffer drained");
    CHECK(u.down_room() == 4096, "room %zu once drained", u.down_room());
    printf("ok  TX buffer: 4096 bytes of room, host_write clips to it, drains at line rate in order\n");
}

// ---- upstream: FPGA tx pin -> host

static void test_upstream() {
    for (int cpb : CPBS) {
        FtdiUart u(cpb, FaultRates(), 1);
        Bytes all;
        for (int i = 0; i < 256; i++) all.push_back((uint8_t)i);
        Bytes r = random_bytes(200);
        all.insert(all.end(), r.begin(), r.end());
        // back to back, then with idle gaps of any length in clocks
        for (size_t i = 0; i < 256; i++) send_byte(u, all[i], cpb);
        for (size_t i = 256; i < all.size(); i++) {
            run(u, rnd() % (3 * cpb + 1));
            send_byte(u, all[i], cpb);
        }
        run(u, 2 * cpb);
        expect_bytes(drain(u), all, ("upstream bytes, cpb " + std::to_string(cpb)).c_str());
        CHECK(u.up.bytes == all.size() && u.up.frame_errors == 0 && u.up.lost == 0,
              "cpb %d: up.bytes %llu frame_errors %llu lost %llu", cpb, (unsigned long long)u.up.bytes,
              (unsigned long long)u.up.frame_errors, (unsigned long long)u.up.lost);
        expect_no_faults(u.up, "upstream");

        // The model's own serialiser into its receiver.
        FtdiUart v(cpb, FaultRates(), 1);
        Bytes loop = random_bytes(300);
        v.host_write(loop.data(), loop.size());
        for (long i = 0; i < (long)(loop.size() * 10 + 20) * cpb; i++) v.tick(v.rx());
        expect_bytes(drain(v), loop, ("rx looped into tx, cpb " + std::to_string(cpb)).c_str());
    }
    printf("ok  upstream: every byte back to back and after gaps, 0x00..0xFF, mid-bit sampling "
           "(cpb 2 3 4 5 104); the model's serialiser into its receiver\n");
}

static void test_framing() {
    for (int cpb : CPBS) {
        FtdiUart u(cpb, FaultRates(), 1);
        // A stop bit of 0: counted, dropped; the next byte after idle is fine.
        send_byte(u, 0x5A, cpb, false);
        run(u, cpb);
        send_byte(u, 0x42, cpb);
        run(u, cpb);
        expect_bytes(drain(u), {0x42}, "after a framing error");
        CHECK(u.up.frame_errors == 1 && u.up.bytes == 1, "cpb %d: frame_errors %llu bytes %llu", cpb,
              (unsigned long long)u.up.frame_errors, (unsigned long long)u.up.bytes);
        // A break (the line low for 3 frames): one framing error, no byte.
        run(u, 30 * cpb, nullptr, false);
        run(u, 2 * cpb);
        send_byte(u, 0x99, cpb);
        run(u, cpb);
        expect_bytes(drain(u), {0x99}, "after a break");
        CHECK(u.up.frame_errors == 2 && u.up.bytes == 2, "cpb %d: after a break: frame_errors %llu bytes %llu",
              cpb, (unsigned long long)u.up.frame_errors, (unsigned long long)u.up.bytes);
        // A glitch: low for less than half a bit is no start bit.
        if (cpb > 2) {
            long lo = (cpb + 1) / 2 - 1;              // the longest low still under half a bit
            for (int i = 0; i < 20; i++) {
                run(u, lo, nullptr, false);
                run(u, 12 * cpb);
            }
            CHECK(u.up_queue().empty(), "cpb %d: a %ld-clock glitch made %zu bytes (first 0x%02X)", cpb, lo,
                  u.up_queue().size(), u.up_queue().empty() ? 0 : drain(u)[0]);
            CHECK(u.up.frame_errors == 2 && u.up.bytes == 2, "cpb %d: a glitch counted: frame_errors %llu "
                  "bytes %llu", cpb, (unsigned long long)u.up.frame_errors, (unsigned long long)u.up.bytes);
            // ... and one longer than half a bit is a start bit (of 0xFF, the
            // line being high afterwards).
            run(u, cpb / 2 + 1, nullptr, false);
            run(u, 12 * cpb);
            expect_bytes(drain(u), {0xFF}, "a low of more than half a bit");
            send_byte(u, 0x24, cpb);
            run(u, cpb);
            expect_bytes(drain(u), {0x24}, "a byte after glitches");
        }
    }
    printf("ok  framing: stop bit 0 counted and dropped, a break is one error, glitches under half a "
           "bit are no byte\n");
}

static void test_rx_full() {
    const int cpb = 3;
    FtdiUart u(cpb, FaultRates(), 1);
    Bytes data = random_bytes(FtdiUart::BUF + 10);
    for (uint8_t b : data) send_byte(u, b, cpb);
    run(u, cpb);
    CHECK(u.up_queue().size() == FtdiUart::BUF, "RX buffer holds %zu bytes, expected %zu",
          u.up_queue().size(), FtdiUart::BUF);
    CHECK(u.up.lost == 10 && u.up.bytes == data.size(), "up.lost %llu (expected 10), up.bytes %llu",
          (unsigned long long)u.up.lost, (unsigned long long)u.up.bytes);
    // The host reads part: the oldest bytes are there, in order.
    Bytes got;
    for (int i = 0; i < 100; i++) got.push_back(u.up_queue().pop());
    expect_bytes(got, Bytes(data.begin(), data.begin() + 100), "the first bytes of a full RX buffer");
    for (int i = 0; i < 150; i++) send_byte(u, (uint8_t)i, cpb);
    run(u, cpb);
    CHECK(u.up.lost == 60, "up.lost %llu after 150 more bytes into 100 bytes of room, expected 60",
          (unsigned long long)u.up.lost);
    Bytes want(data.begin() + 100, data.begin() + FtdiUart::BUF);
    for (int i = 0; i < 100; i++) want.push_back((uint8_t)i);
    expect_bytes(drain(u), want, "an RX buffer that filled twice");

    // host_open(): a new host starts with an empty RX buffer; what the last
    // host wrote still goes out on rx.
    Bytes old = {1, 2, 3, 4, 5};
    for (uint8_t b : old) send_byte(u, b, cpb);
    Bytes down = {0x77, 0x11};
    u.host_write(down.data(), down.size());
    u.host_open();
    CHECK(u.up_queue().empty(), "host_open() left %zu bytes in the RX buffer", u.up_queue().size());
    Bytes w;
    run(u, 25 * cpb, &w);
    expect_wave(w, down, cpb, "bytes written before host_open()");
    send_byte(u, 0xAB, cpb);
    run(u, cpb);
    expect_bytes(drain(u), {0xAB}, "a byte after host_open()");
    printf("ok  RX buffer: 4096 bytes, then lost and counted; host_open() empties it, not the TX side\n");
}

// ---- faults

// Bytes through the model downstream, all written at once: the rx waveform.
static Bytes down_run(const FaultRates &f, uint64_t seed, const Bytes &data, int cpb, DirStats *st = nullptr) {
    FtdiUart u(cpb, f, seed);
    Bytes w;
    for (size_t i = 0; i < data.size();) {
        i += u.host_write(data.data() + i, data.size() - i);
        run(u, 10 * cpb * 64, &w);
    }
    run(u, (long)(10 * cpb * (data.size() * 2 + 10)), &w);
    if (st) *st = u.down;
    return w;
}

// A waveform through the model upstream: what the host gets.
static Bytes up_run(const FaultRates &f, uint64_t seed, const Bytes &data, int cpb, int gap_bits,
                    DirStats *st = nullptr) {
    FtdiUart u(cpb, f, seed);
    Bytes got;
    for (uint8_t b : data) {
        send_byte(u, b, cpb);
        run(u, gap_bits * cpb);
        if (u.up_queue().size() > 2048) {
            Bytes d = drain(u);
            got.insert(got.end(), d.begin(), d.end());
        }
    }
    run(u, 12 * cpb);
    Bytes d = drain(u);
    got.insert(got.end(), d.begin(), d.end());
    CHECK(u.up.lost == 0, "the test lost %llu bytes in the RX buffer", (unsigned long long)u.up.lost);
    if (st) *st = u.up;
    return got;
}

static void test_faults_off() {
    const int cpb = 4;
    Bytes data = random_bytes(3000);
    FaultRates zero;
    DirStats st;
    for (uint64_t seed : {1ull, 2ull, 0xDEADBEEFull}) {
        expect_wave(down_run(zero, seed, data, cpb, &st), data, cpb, "rate 0, downstream");
        expect_no_faults(st, "rate 0, downstream");
        expect_bytes(up_run(zero, seed, data, cpb, 0, &st), data, "rate 0, upstream");
        expect_no_faults(st, "rate 0, upstream");
    }
    printf("ok  faults at rate 0: nothing changes, whatever the seed\n");
}

static void test_faults_certain() {
    const int cpb = 3;
    Bytes data = random_bytes(500);
    DirStats st;
    {   // drop 1: nothing at all arrives, every byte counted
        FaultRates f;
        f.drop = 1;
        Bytes w = down_run(f, 5, data, cpb, &st);
        expect_wave(w, {}, cpb, "drop 1, downstream");
        CHECK(st.dropped == data.size() && st.bytes == data.size(), "drop 1: down.dropped %llu of %zu",
              (unsigned long long)st.dropped, data.size());
        Bytes got = up_run(f, 5, data, cpb, 0, &st);
        CHECK(got.empty(), "drop 1: %zu bytes arrived upstream", got.size());
        CHECK(st.dropped == data.size() && st.bytes == data.size(), "drop 1: up.dropped %llu up.bytes %llu of %zu",
              (unsigned long long)st.dropped, (unsigned long long)st.bytes, data.size());
    }
    {   // garbage 1: every byte followed by one more, back to back
        FaultRates f;
        f.garbage = 1;
        Bytes w = down_run(f, 5, data, cpb, &st);
        CHECK(st.inserted == data.size(), "garbage 1: down.inserted %llu", (unsigned long long)st.inserted);
        Bytes frames;                               // the byte, then what the waveform carries
        int copies = 0;
        for (size_t i = 0; i < 2 * data.size(); i++) {
            uint8_t b = 0;
            for (int k = 0; k < 8; k++) b |= (uint8_t)(w[(i * 10 + 1 + k) * (size_t)cpb] << k);
            frames.push_back(i % 2 ? b : data[i / 2]);
            copies += i % 2 && b == data[i / 2];
        }
        expect_wave(w, frames, cpb, "garbage 1, downstream");
        CHECK(copies < 20, "garbage 1: %d of %zu garbage bytes copy the byte before", copies, data.size());
        Bytes got = up_run(f, 5, data, cpb, 0, &st);
        CHECK(got.size() == 2 * data.size() && st.inserted == data.size(), "garbage 1: %zu bytes up, "
              "up.inserted %llu", got.size(), (unsigned long long)st.inserted);
        int same = 0;
        for (size_t i = 0; i < data.size(); i++) {
            CHECK(got[2 * i] == data[i], "garbage 1: byte %zu came up as 0x%02X, sent 0x%02X", i, got[2 * i],
                  data[i]);
            same += got[2 * i + 1] == data[i];
        }
        CHECK(same < 20, "garbage 1: %d of %zu garbage bytes copy the byte before", same, data.size());
    }
    {   // ber 1: every bit of every frame inverted, never the idle line
        FaultRates f;
        f.ber = 1;
        Bytes w = down_run(f, 5, data, cpb, &st);
        Bytes want = wave_of(data, cpb);
        CHECK(st.flipped == 10 * data.size(), "ber 1: down.flipped %llu, expected %zu",
              (unsigned long long)st.flipped, 10 * data.size());
        for (size_t i = 0; i < w.size(); i++)
            CHECK(w[i] == (i < want.size() ? !want[i] : 1), "ber 1: rx %d at clock %zu (of %zu in frames)",
                  w[i], i, want.size());
        FtdiUart u(cpb, f, 5);                       // idle both ways: nothing flipped
        run(u, 10000);
        CHECK(u.rx() && u.down.flipped == 0 && u.up.flipped == 0 && u.up_queue().empty(),
              "ber 1 on an idle line: rx %d, flipped %llu down %llu up", u.rx(),
              (unsigned long long)u.down.flipped, (unsigned long long)u.up.flipped);
        // Upstream, every start bit reads high: no byte gets through intact.
        Bytes got = up_run(f, 5, Bytes(100, 0x00), cpb, 12, &st);
        CHECK(st.flipped > 0, "ber 1 upstream flipped nothing");
        for (uint8_t b : got) CHECK(b != 0x00, "ber 1: a 0x00 got through upstream");
    }
    printf("ok  faults at rate 1: drop loses every byte (counted), garbage adds one after each, ber "
           "inverts every frame bit and no idle bit\n");
}

// The faults put on the host's bytes depend on the seed and the bytes only.
// Written one at a time with idle gaps, the frames that go out (dropped,
// inserted, bits flipped) must be those of the same bytes written at once.
static Bytes slots(const Bytes &w, size_t from, size_t frames, int cpb) {
    Bytes s;
    for (size_t i = 0; i < frames * 10; i++) {
        size_t at = from + i * (size_t)cpb;
        for (int k = 1; k < cpb; k++)
            CHECK(w[at + (size_t)k] == w[at], "a bit changed level within its %d clocks at clock %zu", cpb, at);
        s.push_back(w[at]);
    }
    return s;
}

static void test_faults_reproducible() {
    const int cpb = 4;
    FaultRates f;
    f.ber = 0.01;
    f.drop = 0.05;
    f.garbage = 0.05;
    Bytes data = random_bytes(2000);

    DirStats sa, sb, sc;
    Bytes wa = down_run(f, 11, data, cpb, &sa);
    CHECK(down_run(f, 11, data, cpb) == wa, "the same seed and bytes gave two waveforms");
    size_t frames = data.size() - sa.dropped + sa.inserted;
    Bytes at_once = slots(wa, 0, frames, cpb);
    for (size_t i = frames * 10 * cpb; i < wa.size(); i++)
        CHECK(wa[i], "rx low at clock %zu after the last of %zu frames", i, frames);

    // One byte at a time, each after the line went idle, at random clocks.
    FtdiUart u(cpb, f, 11);
    Bytes one_by_one;
    for (size_t i = 0; i < data.size(); i++) {
        uint64_t dropped = u.down.dropped, inserted = u.down.inserted;
        run(u, rnd() % 50);
        Bytes w;
        CHECK(u.host_write(&data[i], 1) == 1, "host_write refused a byte");
        run(u, 25 * cpb, &w);
        size_t n = u.down.dropped > dropped ? 0 : 1 + (size_t)(u.down.inserted - inserted);
        Bytes s = slots(w, 0, n, cpb);
        one_by_one.insert(one_by_one.end(), s.begin(), s.end());
        for (size_t k = n * 10 * cpb; k < w.size(); k++)
            CHECK(w[k], "byte %zu: rx low at clock %zu after its %zu frames (idle line hit?)", i, k, n);
    }
    sb = u.down;
    CHECK(sa.dropped == sb.dropped && sa.inserted == sb.inserted && sa.flipped == sb.flipped,
          "the same bytes written at once and one by one got different faults: dropped %llu/%llu, inserted "
          "%llu/%llu, flipped %llu/%llu", (unsigned long long)sa.dropped, (unsigned long long)sb.dropped,
          (unsigned long long)sa.inserted, (unsigned long long)sb.inserted, (unsigned long long)sa.flipped,
          (unsigned long long)sb.flipped);
    CHECK(one_by_one == at_once, "the same bytes written at once and one by one gave different frames "
          "(%zu and %zu bits)", at_once.size(), one_by_one.size());
    CHECK(sa.dropped > 0 && sa.inserted > 0 && sa.flipped > 0, "too few faults to show anything: %llu %llu %llu",
          (unsigned long long)sa.dropped, (unsigned long long)sa.inserted, (unsigned long long)sa.flipped);

    // The streams are those the header documents (seed * 8 + 0 … 3, so
    // that a caller may use + 4 … 7): the faults can be predicted.
    {
        Rng byte_rng(11 * 8 + 0), bit_rng(11 * 8 + 1);
        Bytes predicted;
        auto frame = [&](uint8_t b) {
            uint16_t fr = (uint16_t)(0x200 | b << 1);
            for (int k = 0; k < 10; k++) predicted.push_back((uint8_t)(((fr >> k) & 1) ^ bit_rng.chance(f.ber)));
        };
        for (uint8_t b : data) {
            if (byte_rng.chance(f.drop)) continue;
            bool garbage = byte_rng.chance(f.garbage);
            frame(b);
            if (garbage) frame((uint8_t)byte_rng.next());
        }
        CHECK(predicted == at_once, "downstream faults are not those of Rng(seed * 8 + 0) for bytes and "
              "Rng(seed * 8 + 1) for bits");
        FaultRates g = f;
        g.ber = 0;
        Rng up_rng(11 * 8 + 2);
        Bytes want;
        for (uint8_t b : data) {
            if (up_rng.chance(g.drop)) continue;
            want.push_back(b);
            if (up_rng.chance(g.garbage)) want.push_back((uint8_t)up_rng.next());
        }
        expect_bytes(up_run(g, 11, data, cpb, 0), want, "upstream faults from Rng(seed * 8 + 2)");
    }
    // Another seed, other faults: each kind alone, both ways.
    for (int kind = 0; kind < 3; kind++) {
        FaultRates g;
        (kind == 0 ? g.ber : kind == 1 ? g.drop : g.garbage) = 0.05;
        const char *name = kind == 0 ? "ber" : kind == 1 ? "drop" : "garbage";
        CHECK(down_run(g, 11, data, cpb) != down_run(g, 12, data, cpb),
              "%s: seeds 11 and 12 gave the same waveform downstream", name);
        CHECK(up_run(g, 11, data, cpb, 1) != up_run(g, 12, data, cpb, 1),
              "%s: seeds 11 and 12 gave the same bytes upstream", name);
    }
    // Each kind draws from its own stream: bit errors on or off, the same
    // bytes are dropped and followed by garbage (the same counts, the same
    // frames wherever no bit was flipped).
    FaultRates nb = f;
    nb.ber = 0;
    Bytes wn = down_run(nb, 11, data, cpb, &sc);
    CHECK(sc.dropped == sa.dropped && sc.inserted == sa.inserted,
          "turning bit errors off changed the bytes dropped (%llu, %llu) or inserted (%llu, %llu) downstream",
          (unsigned long long)sa.dropped, (unsigned long long)sc.dropped, (unsigned long long)sa.inserted,
          (unsigned long long)sc.inserted);
    Bytes without = slots(wn, 0, frames, cpb);
    size_t differ = 0;
    for (size_t i = 0; i < without.size(); i++) differ += without[i] != at_once[i];
    CHECK(differ == sa.flipped, "bit errors off: %zu bits differ from the run with them, which flipped %llu",
          differ, (unsigned long long)sa.flipped);
    // Upstream, drops and garbage come after the receiver: with them on or
    // off, the same bits are flipped and the same bytes received.
    DirStats ua1, ua2;
    FaultRates only_ber;
    only_ber.ber = f.ber;
    up_run(f, 11, data, cpb, 1, &ua1);
    up_run(only_ber, 11, data, cpb, 1, &ua2);
    CHECK(ua1.flipped == ua2.flipped && ua1.bytes == ua2.bytes && ua1.frame_errors == ua2.frame_errors,
          "upstream, drop and garbage changed the bit errors: flipped %llu/%llu, bytes %llu/%llu, framing "
          "errors %llu/%llu", (unsigned long long)ua1.flipped, (unsigned long long)ua2.flipped,
          (unsigned long long)ua1.bytes, (unsigned long long)ua2.bytes, (unsigned long long)ua1.frame_errors,
          (unsigned long long)ua2.frame_errors);
    CHECK(ua1.dropped > 0 && ua1.inserted > 0 && ua1.flipped > 0, "too few faults upstream to show anything");

    // Upstream: the same waveform and seed give the same bytes; another seed others.
    Bytes ua = up_run(f, 11, data, cpb, 1, &sa);
    Bytes ub = up_run(f, 11, data, cpb, 1, &sb);
    Bytes uc = up_run(f, 12, data, cpb, 1, &sc);
    CHECK(ua == ub && sa.dropped == sb.dropped && sa.flipped == sb.flipped && sa.inserted == sb.inserted,
          "the same seed and waveform gave different bytes upstream");
    CHECK(ua != uc, "seeds 11 and 12 gave the same bytes upstream");
    CHECK(ua != data, "faults changed nothing upstream");
    printf("ok  faults reproducible: a seed gives the same faults whether bytes come at once or one by one "
           "(%llu dropped, %llu inserted, %llu bits flipped); other seeds differ\n",
           (unsigned long long)sa.dropped, (unsigned long long)sa.inserted, (unsigned long long)sa.flipped);
}

// Loose statistical bounds (about 6 standard deviations).
static void in_range(const char *what, double got, double expect) {
    double sd = sqrt(expect);
    CHECK(got > expect - 6 * sd - 5 && got < expect + 6 * sd + 5, "%s: %.0f, expected about %.0f", what, got,
          expect);
}

static void test_faults_rates() {
    const int cpb = 2;
    const size_t n = 20000;
    Bytes data = random_bytes(n);
    DirStats st;
    {   // ber 0.01, downstream: about 1 % of the frames' bits inverted on the wire
        FaultRates f;
        f.ber = 0.01;
        Bytes w = down_run(f, 21, data, cpb, &st);
        Bytes want = slots(wave_of(data, cpb), 0, n, cpb), got = slots(w, 0, n, cpb);
        size_t flips = 0;
        for (size_t i = 0; i < got.size(); i++) flips += got[i] != want[i];
        CHECK(flips == st.flipped, "%zu bits differ on the wire, down.flipped says %llu", flips,
              (unsigned long long)st.flipped);
        in_range("ber 0.01: bits flipped downstream", (double)flips, 0.01 * 10 * n);
        printf("    ber 0.01 downstream: %zu of %zu bits flipped\n", flips, 10 * n);
    }
    {   // ber 0.01, upstream, with idle between bytes so each is received alone
        FaultRates f;
        f.ber = 0.01;
        Bytes got = up_run(f, 22, data, cpb, 12, &st);
        in_range("ber 0.01: bits flipped upstream", (double)st.flipped, 0.01 * 10 * n);
        // A byte arrives intact only if none of its 10 bits flipped: 0.99^10.
        size_t intact = 0, j = 0;
        for (size_t i = 0; i < n && j < got.size(); i++) {
            size_t k = j;
            while (k < got.size() && k < j + 4 && got[k] != data[i]) k++;
            if (k < got.size() && got[k] == data[i]) { intact++; j = k + 1; }
        }
        in_range("ber 0.01: bytes intact upstream", (double)intact, n * pow(0.99, 10));
        printf("    ber 0.01 upstream: %llu bits flipped, %zu of %zu bytes intact\n",
               (unsigned long long)st.flipped, intact, n);
    }
    {   // drop 0.1, garbage 0.1, both ways
        FaultRates f;
        f.drop = 0.1;
        f.garbage = 0.1;
        down_run(f, 23, data, cpb, &st);
        in_range("drop 0.1: bytes dropped downstream", (double)st.dropped, 0.1 * n);
        in_range("garbage 0.1: bytes inserted downstream", (double)st.inserted, 0.1 * (n - st.dropped));
        Bytes got = up_run(f, 24, data, cpb, 0, &st);
        in_range("drop 0.1: bytes dropped upstream", (double)st.dropped, 0.1 * n);
        in_range("garbage 0.1: bytes inserted upstream", (double)st.inserted, 0.1 * (n - st.dropped));
        CHECK(got.size() == n - st.dropped + st.inserted, "%zu bytes arrived, counters say %llu",
              got.size(), (unsigned long long)(n - st.dropped + st.inserted));
    }
    printf("ok  fault rates: ber 0.01 flips about 1 %% of bits, drop and garbage 0.1 about 10 %% of "
           "bytes, both ways\n");
}

// ---- fractional clocks a bit

static const uint32_t FRACS[][2] = {{67, 16}, {5, 2}, {13, 3}, {625, 6}, {41875, 96}};

// Bit j of a run that starts at clock 0, at num/den clocks a bit rounded to
// the nearest clock (a half up): its first clock.
static long frac_edge(long j, uint32_t num, uint32_t den) {
    return (long)((2 * (uint64_t)j * num + den) / (2 * (uint64_t)den));
}

// The rx levels of bytes sent back to back at num/den clocks a bit.
static Bytes frac_wave_of(const Bytes &bytes, uint32_t num, uint32_t den) {
    Bytes w;
    for (size_t i = 0; i < bytes.size(); i++) {
        uint16_t frame = (uint16_t)(0x200 | bytes[i] << 1);
        for (int bit = 0; bit < 10; bit++) {
            long j = (long)i * 10 + bit;
            w.insert(w.end(), (size_t)(frac_edge(j + 1, num, den) - frac_edge(j, num, den)),
                     (uint8_t)((frame >> bit) & 1));
        }
    }
    return w;
}

// w must be the frames of `bytes` from its first sample, then idle high; and
// every edge in it within half a clock of j * num/den.
static void expect_frac_wave(const Bytes &w, const Bytes &bytes, uint32_t num, uint32_t den, const char *what) {
    Bytes want = frac_wave_of(bytes, num, den);
    CHECK(w.size() >= want.size(), "%s: only %zu clocks recorded, %zu needed", what, w.size(), want.size());
    for (size_t i = 0; i < w.size(); i++) {
        bool exp = i < want.size() ? want[i] : true;
        CHECK(w[i] == exp, "%s, %u/%u clocks a bit: rx %d at clock %zu, expected %d", what, num, den, w[i], i, exp);
    }
    // The spec itself: edges within half a clock of ideal, bits of floor or
    // ceil clocks, 10 * bytes bits in exactly 10 * bytes * num/den clocks
    // rounded.
    for (long j = 0; j <= (long)bytes.size() * 10; j++) {
        int64_t err = 2 * (int64_t)den * frac_edge(j, num, den) - 2 * (int64_t)j * num;
        CHECK(err <= (int64_t)den && err >= -(int64_t)den, "%u/%u: bit %ld starts %lld/%u clocks off", num, den, j,
              (long long)err, 2 * den);
        long len = frac_edge(j + 1, num, den) - frac_edge(j, num, den);
        CHECK(len == (long)(num / den) || len == (long)(num / den) + 1, "%u/%u: bit %ld is %ld clocks", num, den, j, len);
    }
}

// A reference serialiser on the FPGA's tx pin: bytes back to back at
// num/den clocks a bit, bit j starting at floor((2 j num + phase) / (2 den))
// clocks, phase in [0, 2 den): any rounding of the ideal edges within a clock.
static void send_frac(FtdiUart &u, const Bytes &bytes, uint32_t num, uint32_t den, uint32_t phase) {
    long at = 0;
    for (size_t i = 0; i < bytes.size(); i++) {
        uint16_t frame = (uint16_t)(0x200 | bytes[i] << 1);
        for (int bit = 0; bit < 10; bit++) {
            uint64_t j1 = (uint64_t)i * 10 + bit + 1;
            long end = (long)((2 * j1 * num + phase) / (2 * (uint64_t)den));
            run(u, end - at, nullptr, (frame >> bit) & 1);
            at = end;
        }
    }
}

static void test_fractional() {
    for (const auto &fr : FRACS) {
        const uint32_t num = fr[0], den = fr[1];
        char what[64];
        snprintf(what, sizeof what, "%u/%u clocks a bit", num, den);
        FtdiUart u(num, den, FaultRates(), 1);
        CHECK(u.clk_num() == num && u.clk_den() == den, "%s: the model says %u/%u", what, u.clk_num(), u.clk_den());
        // Downstream: a burst back to back, from the next clock on.
        Bytes msg = random_bytes(num > 1000 ? 40 : 400), w;
        CHECK(u.host_write(msg.data(), msg.size()) == msg.size(), "%s: host_write refused bytes", what);
        run(u, (long)(msg.size() * 10 + 30) * num / den, &w);
        expect_frac_wave(w, msg, num, den, "a fractional burst");
        // After an odd idle gap, a byte starts on the next clock, its bits
        // timed from its own start bit.
        run(u, 7);
        Bytes one = {0xA6};
        w.clear();
        u.host_write(one.data(), 1);
        run(u, 15 * (long)num / den, &w);
        expect_frac_wave(w, one, num, den, "a fractional byte after a gap");
        // A byte written while another is on the wire follows it in the same run.
        Bytes two = {0x3C, 0xC3};
        w.clear();
        u.host_write(two.data(), 1);
        run(u, 3 * (long)num / den + 1, &w);
        u.host_write(two.data() + 1, 1);
        run(u, 30 * (long)num / den, &w);
        expect_frac_wave(w, two, num, den, "a fractional write during a byte");

        // Upstream: serialisers of every rounding phase, back to back.
        for (uint32_t phase = 0; phase < 2 * den; phase += den > 8 ? den / 4 : 1) {
            FtdiUart v(num, den, FaultRates(), 1);
            Bytes data = random_bytes(num > 1000 ? 20 : 300);
            run(v, 3);
            send_frac(v, data, num, den, phase);
            run(v, 2 * (long)num / den);
            snprintf(what, sizeof what, "upstream at %u/%u, phase %u/%u", num, den, phase, 2 * den);
            expect_bytes(drain(v), data, what);
            CHECK(v.up.frame_errors == 0, "%s: %llu framing errors", what, (unsigned long long)v.up.frame_errors);
        }
        // The sampler reads bit k exactly floor((2k + 1) num / (2 den))
        // clocks after the falling edge: the tx pin holds the bit's level at
        // that clock only, and the opposite of the next sample's level at
        // every other clock.
        {
            FtdiUart v(num, den, FaultRates(), 1);
            Bytes data = random_bytes(num > 1000 ? 20 : 200);
            for (uint8_t b : data) {
                run(v, 3);
                uint16_t frame = (uint16_t)(0x200 | b << 1);
                v.tick(false);                            // the falling edge
                long at = 0;
                for (int k = 0; k < 10; k++) {
                    long m = (long)((2 * (uint64_t)k + 1) * num / (2 * (uint64_t)den));
                    bool level = (frame >> k) & 1;
                    run(v, m - at - 1, nullptr, !level);
                    v.tick(level);
                    at = m;
                }
            }
            run(v, 3);
            snprintf(what, sizeof what, "samples at their clocks, %u/%u", num, den);
            expect_bytes(drain(v), data, what);
        }
        // The model's own serialiser into its receiver.
        FtdiUart l(num, den, FaultRates(), 1);
        Bytes loop = random_bytes(num > 1000 ? 20 : 300);
        l.host_write(loop.data(), loop.size());
        for (long i = 0; i < (long)(loop.size() * 10 + 20) * num / den; i++) l.tick(l.rx());
        snprintf(what, sizeof what, "rx looped into tx at %u/%u", num, den);
        expect_bytes(drain(l), loop, what);
    }
    // n/1 (or any fraction that reduces to it) is the int constructor, faults
    // and all: the same waveform, the same bytes, the same counts.
    FaultRates f;
    f.ber = 0.01;
    f.drop = 0.02;
    f.garbage = 0.02;
    for (int cpb : {2, 4, 5}) {
        FtdiUart a(cpb, f, 9), b(2u * (uint32_t)cpb, 2u, f, 9);
        CHECK(b.clk_num() == (uint32_t)cpb && b.clk_den() == 1, "%d*2/2 reduced to %u/%u", cpb, b.clk_num(), b.clk_den());
        Bytes data = random_bytes(1000);
        a.host_write(data.data(), data.size());
        b.host_write(data.data(), data.size());
        for (long i = 0; i < 12L * cpb * 1000; i++) {
            bool tx = (rnd() % 7) != 0 || i % 50 < 25;    // a noisy tx pin, idle high half the time
            a.tick(tx);
            b.tick(tx);
            CHECK(a.rx() == b.rx(), "cpb %d: %d/1 differs from the int constructor on rx at clock %ld", cpb, cpb, i);
        }
        Bytes ga = drain(a), gb = drain(b);
        CHECK(ga == gb && a.up.frame_errors == b.up.frame_errors && a.up.flipped == b.up.flipped &&
              a.down.flipped == b.down.flipped && a.down.dropped == b.down.dropped,
              "cpb %d: %d/1 upstream or its counts differ from the int constructor", cpb, cpb);
    }
    {   // a fraction below 2 clocks a bit is taken as 2
        FtdiUart u(3u, 2u, FaultRates(), 1);
        CHECK(u.clk_num() == 2 && u.clk_den() == 1, "3/2 taken as %u/%u", u.clk_num(), u.clk_den());
    }
    // Faults depend on the seed and the bytes only, not on the bit time.
    {
        Bytes data = random_bytes(2000);
        FtdiUart a(4, f, 13), b(67u, 16u, f, 13);
        a.host_write(data.data(), data.size());
        b.host_write(data.data(), data.size());
        run(a, 10L * 4 * 2100);
        run(b, 10L * 5 * 2100);
        CHECK(a.down.flipped == b.down.flipped && a.down.dropped == b.down.dropped &&
              a.down.inserted == b.down.inserted && a.down.flipped > 0,
              "67/16 and 4 clocks a bit, same seed and bytes: faults %llu/%llu flipped, %llu/%llu dropped",
              (unsigned long long)a.down.flipped, (unsigned long long)b.down.flipped,
              (unsigned long long)a.down.dropped, (unsigned long long)b.down.dropped);
    }
    printf("ok  fractional: 67/16 5/2 13/3 625/6 41875/96 clocks a bit, every edge at the ideal time rounded "
           "to the nearest clock, bytes from serialisers of any rounding phase, loopback; n/1 is the int "
           "constructor\n");
}

int main() {
    test_rng();
    test_ring();
    test_downstream();
    test_down_room();
    test_upstream();
    test_framing();
    test_rx_full();
    test_faults_off();
    test_faults_certain();
    test_faults_reproducible();
    test_faults_rates();
    test_fractional();
    printf("ftdi_uart_test: all checks passed\n");
    return 0;
}
