// kbd_port.h — the virtual board's PS/2 port: the keyboard model (ps2_kbd.h)
// on the board top's ps2_clk/ps2_data pins, and its command-line options.
// SPDX-License-Identifier: MIT
//
// Included by sim/icebuf_sim.cpp when the top has the pins (SIM_PS2: the
// iCEBreaker build, and the iCEstick's built with its keyboard and
// ICESTICK_PS2_PINS: mk/sim.mk). The lines are wired ANDs: the board pulls a
// line low through its open-drain SB_IO (sim/models/ice40_od_io.v, whose oe
// the harness reads), the keyboard through its own, the pull-up holds it
// high otherwise. The model is stepped once a system clock (SIM_PS2_DIV pad
// clocks): a PS/2 half period is 30 us or more, the gateware's filter 1.25 us.
#pragma once

#include "ps2_kbd.h"
#include "Vtop___024root.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#ifndef SIM_PS2_DIV
#define SIM_PS2_DIV 4
#endif

// The board's pull-down on a PS/2 line: the oe of the top's open-drain pad
// (u_ps2_clk, u_ps2_data), under the top's name.
#ifdef SIM_TOP_ICEBREAKER
#define SIM_PS2_OE(t, line) ((t)->rootp->icebreaker_top__DOT__u_ps2_##line##__DOT__oe)
#else
#define SIM_PS2_OE(t, line) ((t)->rootp->icestick_top__DOT__u_ps2_##line##__DOT__oe)
#endif

namespace icebuf_sim {

struct KbdOptions {
    std::string keys, type;                  // --keys FILE, --type TEXT
    std::string log;                         // --kbd-log FILE
    double clock_hz = 0;                     // --kbd-clock HZ (0: the model's 10-16.7 kHz range)
    double unplug_ms = -1, replug_ms = -1;   // --kbd-unplug-at MS, --kbd-replug-at MS (simulated)
    ps2::Faults faults;                      // --kbd-faults LIST
};

static void kbd_usage(FILE *f) {
    fprintf(f,
        "PS/2 keyboard (a model on the board's PS/2 pins, the iCEBreaker's PmodPS2):\n"
        "  --keys FILE         a script of keys: lines '<ms> press|release KEY' or '<ms> type TEXT'\n"
        "                      (ms of simulated time; keys by name, A, ENTER, LSHIFT, UP, or hex make code)\n"
        "  --type TEXT         type TEXT once the keyboard is initialised and a host is connected\n"
        "  --kbd-clock HZ      the keyboard's clock, 10000 to 16700 [each byte drawn from that range]\n"
        "  --kbd-unplug-at MS  unplug the keyboard at MS ms of simulated time [never]\n"
        "  --kbd-replug-at MS  plug it in again at MS ms (it sends its self-test result, AA) [never]\n"
        "  --kbd-faults LIST   comma-separated: parity=P, glitch=P, missing=P (per-byte probabilities),\n"
        "                      slow, no-ack, late-clock, silent (until it gets FF) [none]\n"
        "  --kbd-log FILE      one line per byte the keyboard sends: '<clock> <ms> <byte> key|response',\n"
        "                      the board clock (and its ms) at which the clock line fell for the\n"
        "                      byte's stop bit, the byte in hex, then ' bad' if sent corrupted [none]\n"
        "The keyboard's LED state is printed to stderr whenever it changes, and with --stats.\n");
}

static bool kbd_num(const char *s, double lo, double hi, double &out) {
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= lo && v <= hi)) return false;
    out = v;
    return true;
}

static bool kbd_faults(const char *list, ps2::Faults &f) {
    std::string all = list;
    size_t pos = 0;
    while (pos <= all.size()) {
        size_t comma = all.find(',', pos);
        std::string item = all.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? all.size() + 1 : comma + 1;
        size_t eq = item.find('=');
        std::string name = item.substr(0, eq), val = eq == std::string::npos ? "" : item.substr(eq + 1);
        double *p = name == "parity" ? &f.parity : name == "glitch" ? &f.glitch
                  : name == "missing" ? &f.missing_edge : nullptr;
        if (p) {
            if (!kbd_num(val.c_str(), 0, 1, *p)) return false;
        } else if (!val.empty()) {
            return false;
        } else if (name == "slow") f.slow = true;
        else if (name == "no-ack") f.no_ack = true;
        else if (name == "late-clock") f.late_clock = true;
        else if (name == "silent") f.silent_until_reset = true;
        else return false;
    }
    return true;
}

// Takes the keyboard's options out of argv (so the harness's own parser
// never sees them). 2 on a bad one (message printed), 0 for --help (after
// the harness's usage), -1 to go on.
static int kbd_take_args(int &argc, char **argv, KbdOptions &k) {
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const char *with_value[] = {"--keys", "--type", "--kbd-clock", "--kbd-unplug-at",
                                           "--kbd-replug-at", "--kbd-faults", "--kbd-log"};
        const char *name = nullptr, *v = nullptr;     // --name VALUE or --name=VALUE
        for (const char *w : with_value) {
            size_t n = strlen(w);
            if (!strcmp(a, w)) name = w;
            else if (!strncmp(a, w, n) && a[n] == '=') { name = w; v = a + n + 1; }
        }
        if (!name) { argv[out++] = argv[i]; continue; }
        if (!v && i + 1 >= argc) { fprintf(stderr, "icebuf-sim: %s needs a value (see --help)\n", a); return 2; }
        if (!v) v = argv[++i];
        bool ok = true;
        if (!strcmp(name, "--keys")) k.keys = v;
        else if (!strcmp(name, "--type")) k.type = v;
        else if (!strcmp(name, "--kbd-log")) k.log = v;
        else if (!strcmp(name, "--kbd-clock")) ok = kbd_num(v, 10000, 16700, k.clock_hz);
        else if (!strcmp(name, "--kbd-unplug-at")) ok = kbd_num(v, 0, 1e9, k.unplug_ms);
        else if (!strcmp(name, "--kbd-replug-at")) ok = kbd_num(v, 0, 1e9, k.replug_ms);
        else ok = kbd_faults(v, k.faults);
        if (!ok) {
            fprintf(stderr, "icebuf-sim: %s: bad value '%s' (see --help)\n", name, v);
            return 2;
        }
    }
    argc = out;
    argv[argc] = nullptr;
    return -1;
}

// The keyboard on the board's pins.
class KbdPort {
  public:
    KbdPort(const KbdOptions &o, uint64_t seed) : o_(o), kb_(seed * 8 + 6) {
        kb_.faults = o.faults;
        if (o.clock_hz > 0) kb_.clk_hz_min = kb_.clk_hz_max = o.clock_hz;
        if (o.faults.slow) kb_.clk_hz_min = kb_.clk_hz_max = 10000;
    }
    ~KbdPort() {
        if (log_) fclose(log_);
    }
    // False with a message if the key script cannot be read or the log
    // cannot be written.
    bool load() {
        std::string err;
        if (!o_.keys.empty() && !kb_.load_script(o_.keys, &err)) {
            fprintf(stderr, "icebuf-sim: --keys: %s\n", err.c_str());
            return false;
        }
        if (!o_.log.empty()) {
            log_ = fopen(o_.log.c_str(), "w");
            if (!log_) {
                fprintf(stderr, "icebuf-sim: --kbd-log: cannot write %s: %s\n", o_.log.c_str(), strerror(errno));
                return false;
            }
            setvbuf(log_, nullptr, _IOLBF, 0);
            fprintf(log_, "# clock ms byte kind: the clock fell for the stop bit (%d Hz board clock)\n",
                    (int)SIM_CLK_HZ);
        }
        return true;
    }
    // Every pad clock, after its falling edge; connected: a host is.
    template <class Top> void tick(Top *top, uint64_t cyc, bool connected) {
        if (cyc % SIM_PS2_DIV) return;
        const double t_ns = (double)cyc * 1e9 / SIM_CLK_HZ;
        const bool clk_low = SIM_PS2_OE(top, clk);
        const bool data_low = SIM_PS2_OE(top, data);
        if (o_.unplug_ms >= 0 && !unplugged_ && t_ns >= o_.unplug_ms * 1e6) {
            unplugged_ = true;
            kb_.unplug();
            fprintf(stderr, "icebuf-sim: keyboard unplugged at %.3f s\n", t_ns * 1e-9);
        }
        if (o_.replug_ms >= 0 && !replugged_ && t_ns >= o_.replug_ms * 1e6 && (unplugged_ || o_.unplug_ms < 0)) {
            replugged_ = true;
            kb_.plug();
            fprintf(stderr, "icebuf-sim: keyboard plugged in at %.3f s\n", t_ns * 1e-9);
        }
        kb_.step(t_ns, clk_low, data_low);
        if (log_) log_sent();
        top->ps2_clk = kb_.clk();
        top->ps2_data = kb_.data();
        if (kb_.leds() != leds_) {
            leds_ = kb_.leds();
            fprintf(stderr, "icebuf-sim: keyboard LEDs 0x%X (%s) at %.3f s\n", leds_, names(leds_).c_str(),
                    t_ns * 1e-9);
        }
        // --type: once the controller has initialised the keyboard (its
        // typematic byte came) and a host is connected, 50 ms later.
        if (!o_.type.empty() && !typed_ && connected && kb_.reset_seen() && typematic_seen()) {
            if (type_at_ns_ < 0) type_at_ns_ = t_ns + 50e6;
            else if (t_ns >= type_at_ns_) {
                typed_ = true;
                kb_.type(o_.type);
                fprintf(stderr, "icebuf-sim: keyboard types %zu characters from %.3f s\n", o_.type.size(),
                        t_ns * 1e-9);
            }
        }
    }
    void stats(FILE *f) const {
        fprintf(f, "icebuf-sim: keyboard: LEDs 0x%X (%s), %zu bytes sent, %zu received, %llu commands, "
                   "faults: parity %llu, glitches %llu, missing edges %llu\n",
                kb_.leds(), names(kb_.leds()).c_str(), kb_.sent.size(), kb_.received.size(),
                (unsigned long long)kb_.commands, (unsigned long long)kb_.faults_parity,
                (unsigned long long)kb_.faults_glitch, (unsigned long long)kb_.faults_missing);
    }

  private:
    // --kbd-log: the bytes sent since the last call.
    void log_sent() {
        for (; logged_ < kb_.sent.size(); logged_++) {
            const ps2::Sent &b = kb_.sent[logged_];
            const unsigned long long clock = (unsigned long long)(b.stop_ns * SIM_CLK_HZ * 1e-9 + 0.5);
            fprintf(log_, "%llu %.6f %02X %s%s\n", clock, (double)clock * 1e3 / SIM_CLK_HZ, b.byte,
                    b.response ? "response" : "key", b.bad ? " bad" : "");
        }
    }
    static std::string names(uint8_t l) {
        std::string s;
        if (l & 1) s += "scroll ";
        if (l & 2) s += "num ";
        if (l & 4) s += "caps ";
        if (s.empty()) return "none";
        s.pop_back();
        return s;
    }
    // The host sent F3 and its argument since the last reset.
    bool typematic_seen() const {
        const auto &r = kb_.received;
        for (size_t i = 0; i + 1 < r.size(); i++) if (r[i] == 0xF3) return true;
        return false;
    }
    const KbdOptions &o_;
    ps2::Keyboard kb_;
    FILE *log_ = nullptr;
    size_t logged_ = 0;
    uint8_t leds_ = 0;
    bool unplugged_ = false, replugged_ = false, typed_ = false;
    double type_at_ns_ = -1;
};

}  // namespace icebuf_sim
