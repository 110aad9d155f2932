// ps2_kbd.h — a PS/2 keyboard, bit by bit, for test benches and the virtual board
// SPDX-License-Identifier: MIT
//
// The far side of a PS/2 port: it makes the clock (10-16.7 kHz), sends scan
// code set 2 bytes, reads the host's commands and answers them as a keyboard
// does:
//   FF reset        -> FA, then AA after the self-test (bat_us)
//   ED set LEDs     -> FA, then the LED byte -> FA (leds() shows them)
//   F3 typematic    -> FA, then the rate byte -> FA (typematic() shows it)
//   EE echo         -> EE        F2 identify -> FA AB 83
//   FE resend       -> the last byte sent again
//   F4 F5 F6        -> FA        anything else -> FE
// Keys come from press()/release() (a key's set-2 make code, E0 for the
// extended ones), from a script (load_script: "<ms> press|release <key>" or
// "<ms> type <text>" lines) or from text (type()).
//
// It is driven by time: call step(t_ns, host_clk_low, host_data_low) at
// every clock of the bench with the host's open-drain pulls; clk()/data() are
// then the lines' levels (wired AND: low when either side pulls).
//
// Faults: parity errors, clock glitches, missing clock edges (per byte
// probabilities), a slow keyboard (10 kHz, answers after 15 ms), no ACK, a
// late first clock, and one that stays silent until it gets FF. unplug()
// makes it let go of both lines and ignore them; plug() powers it up again
// (self-test, AA).
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace ps2 {

struct Faults {
    double parity = 0;              // probability that a byte goes out with bad parity
    double glitch = 0;              // probability per byte of a short spike on the clock
    double missing_edge = 0;        // probability per byte that one clock pulse is left out
    double glitch_ns = 300;         // length of a spike
    bool   slow = false;            // 10 kHz and answers after 15 ms
    bool   no_ack = false;          // never ACKs a host byte
    bool   late_clock = false;      // first clock 20 ms after request-to-send
    bool   silent_until_reset = false; // no AA at power-up; ignores everything but FF
};

// A byte the keyboard finished sending: its value, when its stop bit ended
// (t_ns) and when the clock fell for its stop bit (stop_ns: the edge at which
// the host samples it, the earliest the host can have the byte).
struct Sent { uint8_t byte; double t_ns; bool response; bool bad; double stop_ns; };

class Keyboard {
public:
    double clk_hz_min = 10000, clk_hz_max = 16700;  // each byte's clock drawn from this range
    double gap_us_min = 60, gap_us_max = 400;       // pause between bytes (clock high)
    double rts_us = 120;                            // request-to-send to the first clock
    double answer_us = 400;                         // command received to its answer queued
    double bat_us = 2000;                           // FF's self-test (a real one: 300-500 ms)
    Faults faults;
    std::vector<Sent> sent;                         // every byte sent, in order
    std::vector<uint8_t> received;                  // every byte the host sent (good parity)
    uint64_t host_parity_errors = 0, aborted = 0, commands = 0;
    uint64_t faults_parity = 0, faults_glitch = 0, faults_missing = 0;

    explicit Keyboard(uint64_t seed = 1) : rng_(seed ? seed : 1) {}

    // ---- the lines
    bool clk() const { return !(dev_clk_low_ || host_clk_low_); }
    bool data() const { return !(dev_data_low_ || host_data_low_); }
    bool device_clk_low() const { return dev_clk_low_; }
    bool device_data_low() const { return dev_data_low_; }

    // ---- state
    uint8_t leds() const { return leds_; }
    uint8_t typematic() const { return typematic_; }
    bool plugged() const { return plugged_; }
    bool reset_seen() const { return reset_seen_; }
    const std::set<uint16_t> &held() const { return held_; }   // make codes (0xE0xx extended)
    size_t pending() const { return timed_.size() + keyq_.size() + respq_.size() + (state_ == TX ? 1 : 0); }

    // ---- keys: a make code, 0xE0xx for an E0 key
    void press(uint16_t key, double at_ns = -1) { schedule(at_ns, key, true); }
    void release(uint16_t key, double at_ns = -1) { schedule(at_ns, key, false); }
    void raw(const std::vector<uint8_t> &bytes) { for (uint8_t b : bytes) keyq_.push_back(b); }

    // Types text from at_ns on (now when negative), one key every step_ms.
    void type(const std::string &text, double at_ns = -1, double step_ms = 40) {
        double t = at_ns < 0 ? now_ : at_ns;
        for (char ch : text) {
            uint16_t code; bool shift;
            if (!char_key(ch, code, shift)) continue;
            if (shift) schedule(t, 0x12, true);
            schedule(t, code, true); t += step_ms * 0.5e6;
            schedule(t, code, false);
            if (shift) schedule(t, 0x12, false);
            t += step_ms * 0.5e6;
        }
    }

    // "<ms> press|release <key>" or "<ms> type <text>"; keys by name (A, 1,
    // ENTER, LSHIFT, UP, ...) or as hex make codes (1C, E075). False, with a
    // message in *err, on a line it cannot read.
    bool load_script(const std::string &path, std::string *err) {
        std::ifstream f(path);
        if (!f) { *err = "cannot open " + path; return false; }
        std::string line; int n = 0;
        while (std::getline(f, line)) {
            n++;
            if (line.empty() || line[0] == '#') continue;
            std::istringstream ls(line);
            double ms; std::string verb, arg;
            if (!(ls >> ms >> verb)) { *err = path + ":" + std::to_string(n) + ": want <ms> <verb> ..."; return false; }
            std::getline(ls, arg);
            if (!arg.empty() && arg[0] == ' ') arg.erase(0, 1);
            if (verb == "type") { type(arg, ms * 1e6); continue; }
            uint16_t key;
            if (!key_by_name(arg, key)) { *err = path + ":" + std::to_string(n) + ": unknown key '" + arg + "'"; return false; }
            if (verb == "press") press(key, ms * 1e6);
            else if (verb == "release") release(key, ms * 1e6);
            else { *err = path + ":" + std::to_string(n) + ": unknown verb '" + verb + "'"; return false; }
        }
        return true;
    }

    void unplug() { plugged_ = false; dev_clk_low_ = dev_data_low_ = false; state_ = IDLE; respq_.clear(); keyq_.clear(); held_.clear(); }
    void plug() {
        plugged_ = true; state_ = IDLE; expect_arg_ = 0; reset_seen_ = false;
        if (!faults.silent_until_reset) respond_at(now_ + bat_us * 1e3, {0xAA});
    }

    // ---- time
    void step(double t_ns, bool host_clk_low, bool host_data_low) {
        now_ = t_ns; host_clk_low_ = host_clk_low; host_data_low_ = host_data_low;
        if (!plugged_) return;
        while (!timed_.empty() && timed_.begin()->first <= now_) {
            auto it = timed_.begin();
            for (uint8_t b : it->second.bytes) (it->second.response ? respq_ : keyq_).push_back(b);
            timed_.erase(it);
        }
        for (int guard = 0; guard < 8; guard++) if (!advance()) break;
    }

    // set-2 make code of a key name; false if unknown
    static bool key_by_name(const std::string &name, uint16_t &code) {
        static const std::map<std::string, uint16_t> names = {
            {"A",0x1C},{"B",0x32},{"C",0x21},{"D",0x23},{"E",0x24},{"F",0x2B},{"G",0x34},{"H",0x33},
            {"I",0x43},{"J",0x3B},{"K",0x42},{"L",0x4B},{"M",0x3A},{"N",0x31},{"O",0x44},{"P",0x4D},
            {"Q",0x15},{"R",0x2D},{"S",0x1B},{"T",0x2C},{"U",0x3C},{"V",0x2A},{"W",0x1D},{"X",0x22},
            {"Y",0x35},{"Z",0x1A},{"1",0x16},{"2",0x1E},{"3",0x26},{"4",0x25},{"5",0x2E},{"6",0x36},
            {"7",0x3D},{"8",0x3E},{"9",0x46},{"0",0x45},{"ENTER",0x5A},{"ESC",0x76},{"BACKSPACE",0x66},
            {"TAB",0x0D},{"SPACE",0x29},{"LSHIFT",0x12},{"RSHIFT",0x59},{"LCTRL",0x14},{"LALT",0x11},
            {"CAPSLOCK",0x58},{"NUMLOCK",0x77},{"SCROLLLOCK",0x7E},{"RCTRL",0xE014},{"RALT",0xE011},
            {"UP",0xE075},{"DOWN",0xE072},{"LEFT",0xE06B},{"RIGHT",0xE074},{"HOME",0xE06C},
            {"END",0xE069},{"PAGEUP",0xE07D},{"PAGEDOWN",0xE07A},{"INSERT",0xE070},{"DELETE",0xE071},
            {"F1",0x05},{"F2",0x06},{"F3",0x04},{"F4",0x0C},{"F5",0x03},{"F6",0x0B},{"F7",0x83},
            {"F8",0x0A},{"F9",0x01},{"F10",0x09},{"F11",0x78},{"F12",0x07},
        };
        std::string up;
        for (char c : name) up += (char)toupper((unsigned char)c);
        auto it = names.find(up);
        if (it != names.end()) { code = it->second; return true; }
        char *end = nullptr;
        unsigned long v = strtoul(up.c_str(), &end, 16);
        if (!up.empty() && *end == 0 && v > 0 && v <= 0xE0FF && (v < 0x100 || (v >> 8) == 0xE0)) { code = (uint16_t)v; return true; }
        return false;
    }

    static bool char_key(char ch, uint16_t &code, bool &shift) {
        static const char *plain = "`1234567890-=qwertyuiop[]\\asdfghjkl;'zxcvbnm,./ ";
        static const char *shifted = "~!@#$%^&*()_+QWERTYUIOP{}|ASDFGHJKL:\"ZXCVBNM<>? ";
        static const uint8_t codes[] = {0x0E,0x16,0x1E,0x26,0x25,0x2E,0x36,0x3D,0x3E,0x46,0x45,0x4E,0x55,
            0x15,0x1D,0x24,0x2D,0x2C,0x35,0x3C,0x43,0x44,0x4D,0x54,0x5B,0x5D,
            0x1C,0x1B,0x23,0x2B,0x34,0x33,0x3B,0x42,0x4B,0x4C,0x52,
            0x1A,0x22,0x21,0x2A,0x32,0x31,0x3A,0x41,0x49,0x4A,0x29};
        if (ch == '\n') { code = 0x5A; shift = false; return true; }
        for (int i = 0; plain[i]; i++) {
            if (plain[i] == ch) { code = codes[i]; shift = false; return true; }
            if (shifted[i] == ch && ch != ' ') { code = codes[i]; shift = true; return true; }
        }
        return false;
    }

private:
    enum State { IDLE, TX, INHIBITED, RX };
    struct Timed { std::vector<uint8_t> bytes; bool response; };

    uint64_t rng_;
    double now_ = 0;
    bool host_clk_low_ = false, host_data_low_ = false;
    bool dev_clk_low_ = false, dev_data_low_ = false;
    bool plugged_ = true, reset_seen_ = false;
    State state_ = IDLE;
    std::deque<uint8_t> keyq_, respq_;
    std::multimap<double, Timed> timed_;
    std::set<uint16_t> held_;
    uint8_t leds_ = 0, typematic_ = 0x2B, last_ = 0xAA, expect_arg_ = 0;
    double next_ = 0;               // time of the next action
    double half_ns_ = 35000;        // this byte's half clock period
    double idle_since_ = 0;         // clock line high since
    int phase_ = 0;                 // step within a frame
    uint16_t frame_ = 0;            // TX: 11 bits; RX: bits read
    bool frame_from_resp_ = false;
    int skip_pulse_ = -1;           // TX: the pulse left out (missing edge)
    int glitch_pulse_ = -1;         // TX: the pulse with a spike

    double rnd() { rng_ ^= rng_ << 13; rng_ ^= rng_ >> 7; rng_ ^= rng_ << 17; return (double)(rng_ >> 11) / 9007199254740992.0; }
    double uniform(double a, double b) { return a + (b - a) * rnd(); }

    void schedule(double at_ns, uint16_t key, bool make) {
        std::vector<uint8_t> b;
        if (key >> 8) b.push_back(0xE0);
        if (!make) b.push_back(0xF0);
        b.push_back((uint8_t)key);
        if (make) held_.insert(key); else held_.erase(key);
        if (at_ns < 0) for (uint8_t x : b) keyq_.push_back(x);
        else timed_.insert({at_ns, Timed{b, false}});
    }
    void respond_at(double t, std::vector<uint8_t> b) { timed_.insert({t, Timed{b, true}}); }

    // Starts sending the next byte if the line allows; returns true if the
    // state changed.
    bool advance() {
        if (host_clk_low_ && state_ != INHIBITED && !(state_ == TX && dev_clk_low_) && state_ != RX) {
            // The host inhibits: a frame not yet at its last bit is abandoned
            // and sent again later.
            if (state_ == TX) {
                if (phase_ / 8 < 10) { aborted++; if (frame_from_resp_) respq_.push_front(cur_byte_); else keyq_.push_front(cur_byte_); }
                else finish_tx();
            }
            state_ = INHIBITED; dev_clk_low_ = dev_data_low_ = false;
            return true;
        }
        switch (state_) {
        case INHIBITED:
            if (!host_clk_low_) {
                if (host_data_low_) {
                    state_ = RX; phase_ = 0; frame_ = 0;
                    half_ns_ = 1e9 / (2 * (faults.slow ? 10000 : uniform(clk_hz_min, clk_hz_max)));
                    next_ = now_ + (faults.late_clock ? 20000e3 : rts_us * 1e3);
                } else {
                    state_ = IDLE;
                }
                idle_since_ = now_;
                return true;
            }
            return false;
        case IDLE: {
            if (faults.silent_until_reset && !reset_seen_) { respq_.clear(); keyq_.clear(); return false; }
            std::deque<uint8_t> *q = !respq_.empty() ? &respq_ : !keyq_.empty() ? &keyq_ : nullptr;
            if (!q || !clk() || now_ < idle_since_ + gap_ns_) return false;
            cur_byte_ = q->front(); q->pop_front(); frame_from_resp_ = q == &respq_;
            bool par = !odd(cur_byte_);
            cur_bad_ = false;
            if (rnd() < faults.parity) { par = !par; faults_parity++; cur_bad_ = true; }
            frame_ = (uint16_t)(0 | cur_byte_ << 1 | par << 9 | 1 << 10);
            half_ns_ = 1e9 / (2 * (faults.slow ? 10000 : uniform(clk_hz_min, clk_hz_max)));
            skip_pulse_ = rnd() < faults.missing_edge ? 1 + (int)(rnd() * 9) : -1;
            if (skip_pulse_ >= 0) { faults_missing++; cur_bad_ = true; }
            glitch_pulse_ = rnd() < faults.glitch ? (int)(rnd() * 11) : -1;
            if (glitch_pulse_ >= 0) faults_glitch++;
            state_ = TX; phase_ = 0; next_ = now_; stop_ns_ = -1;
            return true;
        }
        case TX:
            if (now_ < next_) return false;
            tx_phase();
            return true;
        case RX:
            if (now_ < next_) return false;
            rx_phase();
            return true;
        }
        return false;
    }

    uint8_t cur_byte_ = 0;
    bool cur_bad_ = false;
    double stop_ns_ = 0;            // TX: when the clock fell for the stop bit
    double gap_ns_ = 100e3;
    static bool odd(uint8_t b) { int n = 0; for (int i = 0; i < 8; i++) n += b >> i & 1; return n & 1; }

    // Each bit: data set while the clock is high (sub 0), the clock falls a
    // quarter period later (sub 1) and rises a half period after that (sub
    // 2); a spike, when due, sits in the high half (subs 3, 4).
    void tx_phase() {
        int bit = phase_ / 8, sub = phase_ % 8;
        if (bit == 11) { finish_tx(); return; }
        switch (sub) {
        case 0:
            dev_data_low_ = !(frame_ >> bit & 1);
            if (bit == skip_pulse_) { phase_ += 8; next_ = now_ + 2 * half_ns_; return; }
            phase_ = bit * 8 + 1; next_ = now_ + half_ns_ / 2;
            return;
        case 1:
            dev_clk_low_ = true; phase_ = bit * 8 + 2; next_ = now_ + half_ns_;
            if (bit == 10) stop_ns_ = now_;
            return;
        case 2:
            dev_clk_low_ = false;
            if (bit == glitch_pulse_) { phase_ = bit * 8 + 3; next_ = now_ + half_ns_ / 4; return; }
            phase_ = (bit + 1) * 8; next_ = now_ + half_ns_ / 2;
            return;
        case 3:
            dev_clk_low_ = true; phase_ = bit * 8 + 4; next_ = now_ + faults.glitch_ns;
            return;
        default:
            dev_clk_low_ = false; phase_ = (bit + 1) * 8; next_ = now_ + half_ns_ / 4 - faults.glitch_ns;
            return;
        }
    }

    void finish_tx() {
        dev_clk_low_ = dev_data_low_ = false;
        last_ = cur_byte_;
        sent.push_back({cur_byte_, now_, frame_from_resp_, cur_bad_, stop_ns_ < 0 ? now_ : stop_ns_});
        state_ = IDLE; idle_since_ = now_;
        gap_ns_ = uniform(gap_us_min, gap_us_max) * 1e3;
    }

    // Host to device: pulse k = phase_/2 + 1; the clock falls at even
    // phases, rises at odd ones, and the bit is read just after the rise.
    void rx_phase() {
        int pulse = phase_ / 2 + 1;
        if (phase_ == 0 && data()) { state_ = IDLE; idle_since_ = now_; return; }  // the host gave up
        if (phase_ % 2 == 0) {
            if (pulse == 11 && !faults.no_ack) dev_data_low_ = true;   // ACK
            dev_clk_low_ = true; phase_++; next_ = now_ + half_ns_;
            return;
        }
        dev_clk_low_ = false;
        if (pulse <= 10) {
            // read the bit a moment after the rise (the host changed it
            // while the clock was low)
            frame_ |= (uint16_t)(data() ? 1 : 0) << (pulse - 1);
            phase_++; next_ = now_ + half_ns_;
            return;
        }
        dev_data_low_ = false;
        state_ = IDLE; idle_since_ = now_;
        uint8_t b = (uint8_t)frame_;
        bool par = frame_ >> 8 & 1;
        if (par == odd(b)) { host_parity_errors++; respond_at(now_ + answer_us * 1e3, {0xFE}); return; }
        if (faults.no_ack) return;          // a keyboard that does not ACK did not get it
        received.push_back(b);
        command(b);
    }

    void command(uint8_t b) {
        double t = now_ + (faults.slow ? 15000e3 : answer_us * 1e3);
        commands++;
        if (faults.silent_until_reset && !reset_seen_ && b != 0xFF) return;
        if (expect_arg_) {
            if (expect_arg_ == 0xED) leds_ = b & 7; else typematic_ = b & 0x7F;
            expect_arg_ = 0; respond_at(t, {0xFA}); return;
        }
        switch (b) {
        case 0xFF:
            reset_seen_ = true; keyq_.clear(); respq_.clear();
            respond_at(t, {0xFA}); respond_at(t + bat_us * 1e3, {0xAA}); leds_ = 0; typematic_ = 0x2B;
            break;
        case 0xED: case 0xF3: expect_arg_ = b; respond_at(t, {0xFA}); break;
        case 0xEE: respond_at(t, {0xEE}); break;
        case 0xF2: respond_at(t, {0xFA, 0xAB, 0x83}); break;
        case 0xFE: respond_at(t, {last_}); break;
        case 0xF4: case 0xF5: case 0xF6: respond_at(t, {0xFA}); break;
        default: respond_at(t, {0xFE}); break;
        }
    }

};

} // namespace ps2
