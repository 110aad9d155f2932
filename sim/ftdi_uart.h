// ftdi_uart.h — the FT2232H's UART as the FPGA's pins see it, for the virtual board
// SPDX-License-Identifier: MIT
//
// One object plays the far side of the board's two UART pins, ticked once per
// FPGA clock:
//
//   host --host_write()--> [4 KiB TX buffer] --8N1, LSB first--> FPGA rx pin
//   host <--up()---------- [4 KiB RX buffer] <--mid-bit sampler-- FPGA tx pin
//
// Downstream, queued bytes are shifted out back to back, each bit held for
// exactly clks_per_bit clocks. Upstream, a receiver finds the start bit's
// falling edge, samples every bit in its middle and checks the stop bit; a
// byte whose stop bit reads 0 is a framing error, counted and dropped. When
// the RX buffer is full (the host is not reading), further bytes are lost and
// counted, as on the chip.
//
// A bit may also be a fraction of a clock long: clk_num/clk_den clocks (67/16
// for 12 Mbaud from 50.25 MHz). Then each bit is floor or ceil of that, chosen
// by a phase accumulator as rtl/uart_tx.v and rtl/uart_rx.v do: the fraction
// (in clk_den-ths of a clock) gains clk_num % clk_den a bit and a bit is one
// clock longer when it wraps, so every clk_den bits take exactly clk_num
// clocks. Downstream, bit j of a run of back-to-back bytes starts j * num/den
// clocks after the run's first start bit, rounded to the nearest clock;
// upstream, bit k is sampled floor((2k + 1) * num / (2 * den)) clocks after
// the start bit's falling edge (for a whole number n of clocks: n/2, then
// every n).
//
// Faults are injected on the wire, each kind from its own random stream so a
// run is reproducible: the faults put on the bytes the host sends depend only
// on the seed and those bytes, never on when they arrived.
//   ber      each serial bit of a byte (start, data, stop) is inverted
//   drop     a whole byte is lost
//   garbage  a random byte follows a byte
// Bit errors hit the bits of bytes, not the idle line between them.

#ifndef ICEBUF_SIM_FTDI_UART_H
#define ICEBUF_SIM_FTDI_UART_H

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace icebuf_sim {

// xorshift64*, seeded through splitmix64: small, fast, the same everywhere.
class Rng {
  public:
    explicit Rng(uint64_t seed = 1) {
        uint64_t z = seed + 0x9E3779B97F4A7C15ull;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        s_ = (z ^ (z >> 31)) | 1;
    }
    uint64_t next() {
        s_ ^= s_ >> 12;
        s_ ^= s_ << 25;
        s_ ^= s_ >> 27;
        return s_ * 0x2545F4914F6CDD1Dull;
    }
    double uniform() { return (double)(next() >> 11) * (1.0 / 9007199254740992.0); }  // [0, 1)
    bool chance(double p) { return p > 0 && uniform() < p; }

  private:
    uint64_t s_;
};

// A fixed ring of bytes, N a power of two.
template <size_t N>
class ByteRing {
    static_assert(N && (N & (N - 1)) == 0, "ByteRing size must be a power of two");

  public:
    size_t size() const { return size_; }
    size_t room() const { return N - size_; }
    bool empty() const { return size_ == 0; }
    void clear() { head_ = size_ = 0; }
    void push(uint8_t b) { buf_[(head_ + size_++) & (N - 1)] = b; }     // caller checks room()
    uint8_t pop() {                                                     // caller checks empty()
        uint8_t b = buf_[head_];
        head_ = (head_ + 1) & (N - 1);
        size_--;
        return b;
    }
    // The oldest bytes that lie in one piece; consume() retires them.
    const uint8_t *span(size_t &n) const {
        n = size_ < N - head_ ? size_ : N - head_;
        return buf_ + head_;
    }
    void consume(size_t n) {
        head_ = (head_ + n) & (N - 1);
        size_ -= n;
    }

  private:
    uint8_t buf_[N];
    size_t head_ = 0, size_ = 0;
};

struct FaultRates {
    double ber = 0;       // probability of inverting each serial bit of a byte
    double drop = 0;      // probability of losing a byte
    double garbage = 0;   // probability of a random byte after a byte
};

// What happened in one direction.
struct DirStats {
    uint64_t bytes = 0;      // downstream: taken from the host; upstream: received from the FPGA
    uint64_t flipped = 0;    // serial bits inverted
    uint64_t dropped = 0;    // bytes lost on purpose (--drop)
    uint64_t inserted = 0;   // random bytes added (--garbage)
    uint64_t lost = 0;       // upstream: bytes that found the RX buffer full
    uint64_t frame_errors = 0;   // upstream: stop bit read as 0
};

class FtdiUart {
  public:
    static const size_t BUF = 4096;   // the FT2232H's buffer, each way

    // clks_per_bit: FPGA clocks per serial bit, at least 2. Each kind of
    // fault draws from its own stream, seeded seed * 8 + 0 … 3 (+ 4 … 7 are
    // left for the caller).
    FtdiUart(int clks_per_bit, const FaultRates &rates, uint64_t seed)
        : FtdiUart(clks_per_bit < 2 ? 2u : (uint32_t)clks_per_bit, 1u, rates, seed) {}
    // clk_num/clk_den FPGA clocks per serial bit, at least 2 (less is taken
    // as 2; a clk_den of 0 as 1); the fraction need not be in lowest terms.
    FtdiUart(uint32_t clk_num, uint32_t clk_den, const FaultRates &rates, uint64_t seed)
        : rates_(rates), down_byte_rng_(seed * 8 + 0), down_bit_rng_(seed * 8 + 1),
          up_byte_rng_(seed * 8 + 2), up_bit_rng_(seed * 8 + 3) {
        uint32_t n = clk_num, d = clk_den ? clk_den : 1;
        if (n < 2 * (uint64_t)d) n = 2, d = 1;
        for (uint32_t a = n, b = d; ; ) {          // reduce by the gcd
            if (!b) { n /= a; d /= a; break; }
            uint32_t t = a % b; a = b; b = t;
        }
        num_ = n;
        den_ = d;
        q_ = n / d;
        r_ = n % d;
        rcv_q0_ = (uint32_t)(n / (2 * (uint64_t)d));
        rcv_f0_ = (uint32_t)(n % (2 * (uint64_t)d) / 2);
    }
    // The clocks per bit, in lowest terms.
    uint32_t clk_num() const { return num_; }
    uint32_t clk_den() const { return den_; }

    // ---- the host's side
    // Room in the TX buffer: read no more than this from the host, so that
    // a host that writes faster than the line is held back.
    size_t down_room() const { return down_q_.room(); }
    // Queue bytes toward the FPGA (at most down_room(); the rest is ignored).
    size_t host_write(const uint8_t *p, size_t n) {
        if (n > down_q_.room()) n = down_q_.room();
        for (size_t i = 0; i < n; i++) down_q_.push(p[i]);
        down.bytes += n;
        return n;
    }
    // Bytes from the FPGA waiting for the host; take them with span()/consume().
    ByteRing<BUF> &up_queue() { return up_q_; }
    // A new host opens the device: it starts with an empty RX buffer.
    // (What the last host wrote is in the chip already and still goes out.)
    void host_open() { up_q_.clear(); }

    // ---- the FPGA's side
    bool rx() const { return pin_; }   // level on the FPGA's rx pin for the coming clock
    // Once per clock, after the clock edge: tx is the FPGA's tx pin now.
    void tick(bool tx) {
        if (--drv_left_ == 0) drv_next_bit();
        if (rcv_busy_) {
            if (--rcv_left_ == 0) rcv_sample(tx);
        } else if (rcv_prev_ && !tx) {            // falling edge: a start bit begins
            rcv_busy_ = true;
            rcv_bit_ = 0;
            rcv_shift_ = 0;
            rcv_left_ = rcv_q0_;                  // middle of the start bit (>= 1)
            rcv_frac_ = rcv_f0_;
        }
        rcv_prev_ = tx;
    }

    DirStats down, up;

  private:
    // The next bit onto rx: the next bit of this byte, the next byte, or idle.
    void drv_next_bit() {
        if (drv_bit_ == 10) {                     // a byte finished: pick the next
            for (;;) {
                uint8_t b;
                if (garbage_next_) {
                    garbage_next_ = false;
                    b = (uint8_t)down_byte_rng_.next();
                    down.inserted++;
                } else if (down_q_.empty()) {
                    pin_ = true;                  // idle line; look again next clock
                    drv_left_ = 1;
                    drv_idle_ = true;
                    return;
                } else {
                    b = down_q_.pop();
                    if (down_byte_rng_.chance(rates_.drop)) { down.dropped++; continue; }
                    garbage_next_ = down_byte_rng_.chance(rates_.garbage);
                }
                drv_frame_ = (uint16_t)(0x200 | (b << 1));   // stop 1, data LSB first, start 0
                drv_bit_ = 0;
                break;
            }
            if (drv_idle_) {                      // a new run: half a clock, to round to nearest
                drv_frac_ = den_ / 2;
                drv_idle_ = false;
            }
        }
        drv_left_ = bit_clocks(drv_frac_);
        bool level = (drv_frame_ >> drv_bit_++) & 1;
        if (down_bit_rng_.chance(rates_.ber)) { level = !level; down.flipped++; }
        pin_ = level;
    }

    void rcv_sample(bool level) {
        rcv_left_ = bit_clocks(rcv_frac_);
        if (up_bit_rng_.chance(rates_.ber)) { level = !level; up.flipped++; }
        if (rcv_bit_ == 0) {                      // start bit
            if (level) rcv_busy_ = false;         // high at mid-bit: a glitch, not a byte
            rcv_bit_ = 1;
            return;
        }
        if (rcv_bit_ <= 8) {
            rcv_shift_ |= (uint8_t)(level << (rcv_bit_ - 1));
            rcv_bit_++;
            return;
        }
        rcv_busy_ = false;                        // stop bit; back to hunting for an edge
        if (!level) { up.frame_errors++; return; }
        up.bytes++;
        if (up_byte_rng_.chance(rates_.drop)) { up.dropped++; return; }
        to_host(rcv_shift_);
        if (up_byte_rng_.chance(rates_.garbage)) {
            up.inserted++;
            to_host((uint8_t)up_byte_rng_.next());
        }
    }

    void to_host(uint8_t b) {
        if (up_q_.room()) up_q_.push(b);
        else up.lost++;
    }

    // The clocks of the next bit: q_, or q_ + 1 when the fraction wraps.
    uint32_t bit_clocks(uint32_t &frac) const {
        frac += r_;
        if (frac < den_) return q_;
        frac -= den_;
        return q_ + 1;
    }

    uint32_t num_, den_, q_, r_;                  // num_/den_ = q_ + r_/den_ clocks a bit
    uint32_t rcv_q0_, rcv_f0_;                    // to the start bit's middle: q0 clocks, f0/den left
    const FaultRates rates_;
    Rng down_byte_rng_, down_bit_rng_, up_byte_rng_, up_bit_rng_;
    ByteRing<BUF> down_q_, up_q_;

    // serialiser onto rx
    bool pin_ = true;
    uint32_t drv_left_ = 1;
    uint32_t drv_frac_ = 0;                       // phase, in den_-ths of a clock
    bool drv_idle_ = true;                        // the line idled since the last byte
    int drv_bit_ = 10;                            // 10: between bytes
    uint16_t drv_frame_ = 0x3FF;
    bool garbage_next_ = false;

    // receiver on tx
    bool rcv_prev_ = true, rcv_busy_ = false;
    uint32_t rcv_left_ = 0, rcv_frac_ = 0;
    int rcv_bit_ = 0;
    uint8_t rcv_shift_ = 0;
};

}  // namespace icebuf_sim

#endif
