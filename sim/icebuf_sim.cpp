// icebuf-sim — the virtual board: the iCEstick board top under Verilator,
// its UART pins driven bit by bit from a TCP socket on 127.0.0.1.
// SPDX-License-Identifier: MIT
//
// The harness plays the FT2232H: bytes the host writes to the socket are
// queued (at most FTDI_BUF bytes, like the chip's transmit buffer, so a fast
// host is held back by TCP) and shifted onto the FPGA's rx pin at the board's
// baud rate; the FPGA's tx pin is sampled like a UART receiver and the bytes
// go back to the socket. Faults can be injected on the wire, seeded.

#include "Vicestick_top.h"
#include "verilated.h"
#include "verilated_fst_c.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <deque>
#include <fcntl.h>
#include <getopt.h>
#include <memory>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

#ifndef SIM_CLK_HZ
#error "SIM_CLK_HZ must be defined by the build (mk/sim.mk)"
#endif
#ifndef SIM_BAUD
#error "SIM_BAUD must be defined by the build (mk/sim.mk)"
#endif

static const int CLKS_PER_BIT = (SIM_CLK_HZ + SIM_BAUD / 2) / SIM_BAUD;
static const size_t FTDI_BUF = 4096;       // FT2232H buffer per direction
static const int POLL_EVERY = 128;         // clocks between socket polls

static volatile sig_atomic_t g_stop = 0;
static void on_signal(int) { g_stop = 1; }

// xorshift64*: small, fast, reproducible across platforms.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(seed ? seed * 0x9E3779B97F4A7C15ull : 1) {}
    uint64_t next() { s ^= s >> 12; s ^= s << 25; s ^= s >> 27; return s * 0x2545F4914F6CDD1Dull; }
    double uniform() { return (next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) { return p > 0 && uniform() < p; }
};

struct Faults {
    double ber = 0, drop = 0, garbage = 0;
    bool stall = false;
    uint64_t flipped = 0, dropped = 0, inserted = 0;
};

// Serialiser onto the FPGA's rx pin: 8N1, LSB first, back to back.
class UartDriver {
  public:
    std::deque<uint8_t> queue;
    bool pin() const { return level_; }
    void tick(Rng &rng, Faults &f) {
        if (left_ == 0) {
            if (bit_ == 10) {                      // between frames
                if (queue.empty()) { level_ = true; return; }
                uint8_t b = queue.front();
                queue.pop_front();
                frame_ = (uint16_t)(0x200 | (b << 1));   // stop, data, start
                bit_ = 0;
            }
            level_ = (frame_ >> bit_) & 1;
            if (rng.chance(f.ber)) { level_ = !level_; f.flipped++; }
            bit_++;
            left_ = CLKS_PER_BIT;
        }
        left_--;
    }
  private:
    bool level_ = true;
    uint16_t frame_ = 0;
    int bit_ = 10;
    int left_ = 0;
};

// Receiver on the FPGA's tx pin: start edge, mid-bit samples, stop check.
class UartReceiver {
  public:
    uint64_t frame_errors = 0;
    // Returns true and sets out when a byte completed this clock. A bit error
    // flips the value sampled at mid-bit, as noise on the line would.
    bool tick(bool pin, uint8_t &out, Rng &rng, Faults &f) {
        if (!busy_) {
            if (prev_ && !pin) { busy_ = true; count_ = CLKS_PER_BIT / 2; bit_ = 0; shift_ = 0; }
            prev_ = pin;
            return false;
        }
        prev_ = pin;
        if (--count_ > 0) return false;
        count_ = CLKS_PER_BIT;
        if (rng.chance(f.ber)) { pin = !pin; f.flipped++; }
        if (bit_ == 0) {                           // middle of the start bit
            if (pin) busy_ = false;                // a glitch
            bit_++;
            return false;
        }
        if (bit_ <= 8) { shift_ |= (uint8_t)(pin << (bit_ - 1)); bit_++; return false; }
        busy_ = false;                             // middle of the stop bit
        if (!pin) { frame_errors++; return false; }
        out = shift_;
        return true;
    }
  private:
    bool busy_ = false, prev_ = true;
    int count_ = 0, bit_ = 0;
    uint8_t shift_ = 0;
};

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    bool once = false, fast = false, stats = false;
    const char *trace = nullptr;
    uint64_t trace_start = 0, cycles = 0, seed = 1, power_cycle = 0;
    Faults faults;
};

static void usage(FILE *f) {
    fprintf(f,
        "usage: icebuf-sim [options]\n"
        "The virtual iCEstick: the board's Verilog under Verilator, its UART served on TCP.\n"
        "  --listen HOST:PORT  address to serve (loopback only; PORT 0 picks a free one)\n"
        "                      [127.0.0.1:0]; prints 'icebuf-sim: listening on HOST:PORT'\n"
        "  --once              exit when the first client disconnects [off]\n"
        "  --fast              run as fast as possible; by default simulated time\n"
        "                      never runs ahead of wall-clock time, like a real board\n"
        "  --cycles N          stop after N clocks [run until stopped]\n"
        "  --trace FILE.fst    write a waveform [none]\n"
        "  --trace-start N     start the waveform at clock N [0]\n"
        "  --stats             print clocks, speed, bytes and faults on exit [off]\n"
        "  --seed N            seed of the fault injection [1]\n"
        "  --ber RATE          flip each bit on the wire with this probability [0]\n"
        "  --drop RATE         lose each byte with this probability [0]\n"
        "  --garbage RATE      insert a random byte after a byte with this probability [0]\n"
        "  --power-cycle N     at clock N, power the board off and on again: every\n"
        "                      register and buffer starts afresh, as after a reset [never]\n"
        "  --stall             the host side stops reading at random for a while; bytes\n"
        "                      beyond the FT2232H's %zu-byte buffer are lost [off]\n"
        "  --help              this text\n"
        "Clock %d Hz, %d baud (%d clocks per bit).\n",
        FTDI_BUF, SIM_CLK_HZ, SIM_BAUD, CLKS_PER_BIT);
}

static bool parse_rate(const char *s, double &out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v < 0 || v > 1) return false;
    out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t &out) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-') return false;
    out = v;
    return true;
}

static int parse_args(int argc, char **argv, Options &o) {
    enum { O_LISTEN = 256, O_ONCE, O_FAST, O_CYCLES, O_TRACE, O_TRACE_START, O_STATS,
           O_SEED, O_BER, O_DROP, O_GARBAGE, O_STALL, O_POWER, O_HELP };
    static const struct option longopts[] = {
        {"listen", required_argument, 0, O_LISTEN}, {"once", no_argument, 0, O_ONCE},
        {"fast", no_argument, 0, O_FAST}, {"cycles", required_argument, 0, O_CYCLES},
        {"trace", required_argument, 0, O_TRACE}, {"trace-start", required_argument, 0, O_TRACE_START},
        {"stats", no_argument, 0, O_STATS}, {"seed", required_argument, 0, O_SEED},
        {"ber", required_argument, 0, O_BER}, {"drop", required_argument, 0, O_DROP},
        {"garbage", required_argument, 0, O_GARBAGE}, {"stall", no_argument, 0, O_STALL},
        {"power-cycle", required_argument, 0, O_POWER},
        {"help", no_argument, 0, O_HELP}, {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "", longopts, nullptr)) != -1) {
        switch (c) {
        case O_LISTEN: {
            std::string a = optarg;
            size_t colon = a.rfind(':');
            uint64_t port;
            if (colon == std::string::npos || !parse_u64(a.c_str() + colon + 1, port) || port > 65535) {
                fprintf(stderr, "icebuf-sim: --listen wants HOST:PORT, e.g. 127.0.0.1:4000, not '%s'\n", optarg);
                return 2;
            }
            o.host = a.substr(0, colon);
            if (o.host == "localhost") o.host = "127.0.0.1";
            struct in_addr in;
            if (inet_pton(AF_INET, o.host.c_str(), &in) != 1 || (ntohl(in.s_addr) >> 24) != 127) {
                fprintf(stderr, "icebuf-sim: --listen: '%s' is not a loopback address (127.x.x.x); "
                                "the simulator serves this machine only\n", o.host.c_str());
                return 2;
            }
            o.port = (int)port;
            break;
        }
        case O_ONCE: o.once = true; break;
        case O_FAST: o.fast = true; break;
        case O_STATS: o.stats = true; break;
        case O_STALL: o.faults.stall = true; break;
        case O_TRACE: o.trace = optarg; break;
        case O_CYCLES:
        case O_TRACE_START:
        case O_POWER:
        case O_SEED: {
            uint64_t v;
            if (!parse_u64(optarg, v)) {
                fprintf(stderr, "icebuf-sim: %s wants a whole number, not '%s'\n", argv[optind - 1], optarg);
                return 2;
            }
            (c == O_CYCLES ? o.cycles : c == O_SEED ? o.seed : c == O_POWER ? o.power_cycle : o.trace_start) = v;
            break;
        }
        case O_BER:
        case O_DROP:
        case O_GARBAGE: {
            double v;
            if (!parse_rate(optarg, v)) {
                fprintf(stderr, "icebuf-sim: %s wants a probability between 0 and 1, not '%s'\n",
                        argv[optind - 1], optarg);
                return 2;
            }
            (c == O_BER ? o.faults.ber : c == O_DROP ? o.faults.drop : o.faults.garbage) = v;
            break;
        }
        case O_HELP: usage(stdout); return 0;
        default:
            fprintf(stderr, "icebuf-sim: unknown or incomplete option '%s' (see --help)\n", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "icebuf-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (o.power_cycle && o.trace) {
        fprintf(stderr, "icebuf-sim: --power-cycle and --trace do not go together (the waveform belongs to one power-up)\n");
        return 2;
    }
    return -1;
}

static double now_s() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int listen_on(const Options &o, int &port_out) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {};
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)o.port);
    inet_pton(AF_INET, o.host.c_str(), &a.sin_addr);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0) { close(fd); return -1; }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    port_out = ntohs(a.sin_port);
    return fd;
}

int main(int argc, char **argv) {
    Options o;
    int rc = parse_args(argc, argv, o);
    if (rc >= 0) return rc;

    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);

    int port = 0;
    int lfd = listen_on(o, port);
    if (lfd < 0) {
        fprintf(stderr, "icebuf-sim: cannot listen on %s:%d: %s\n", o.host.c_str(), o.port, strerror(errno));
        return 1;
    }

    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->debug(0);
    ctx->randReset(2);
    ctx->traceEverOn(o.trace != nullptr);
    ctx->commandArgs(argc, argv);
    std::unique_ptr<Vicestick_top> top{new Vicestick_top{ctx.get(), "TOP"}};
    std::unique_ptr<VerilatedFstC> tfp;

    printf("icebuf-sim: listening on %s:%d\n", o.host.c_str(), port);
    fflush(stdout);

    Rng rng(o.seed);
    UartDriver drv;
    UartReceiver rcv;
    std::deque<uint8_t> up;                        // bytes from the board to the host
    int cfd = -1;
    bool had_client = false;
    uint64_t cyc = 0, bytes_down = 0, bytes_up = 0, overflow_up = 0, connected = 0;
    uint64_t stall_until = 0;
    const double t0 = now_s();
    const double ns_per_cycle = 1e9 / SIM_CLK_HZ;
    const uint64_t stall_len = (uint64_t)SIM_CLK_HZ / 200;   // stalls up to 5 ms

    top->clk = 0;
    top->rx = 1;
    top->eval();

    while (!g_stop && (o.cycles == 0 || cyc < o.cycles)) {
        if (cyc % POLL_EVERY == 0) {
            if (cfd < 0) {
                cfd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (cfd >= 0) {
                    int one = 1;
                    setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    had_client = true;
                    up.clear();
                } else if (had_client && o.once) {
                    break;
                }
            }
            if (cfd >= 0) {
                // Host → board: take only what the FT2232H's buffer would hold.
                if (drv.queue.size() < FTDI_BUF) {
                    uint8_t buf[FTDI_BUF];
                    ssize_t n = read(cfd, buf, FTDI_BUF - drv.queue.size());
                    if (n > 0) {
                        for (ssize_t i = 0; i < n; i++) {
                            bytes_down++;
                            if (rng.chance(o.faults.drop)) { o.faults.dropped++; continue; }
                            drv.queue.push_back(buf[i]);
                            if (rng.chance(o.faults.garbage)) {
                                drv.queue.push_back((uint8_t)rng.next());
                                o.faults.inserted++;
                            }
                        }
                    } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
                        close(cfd);
                        cfd = -1;
                        drv.queue.clear();
                        if (o.once) break;
                    }
                }
                // Board → host, unless the host side is stalling.
                if (cfd >= 0 && o.faults.stall && cyc >= stall_until && rng.chance(0.001))
                    stall_until = cyc + rng.next() % stall_len;
                if (cfd >= 0 && !up.empty() && cyc >= stall_until) {
                    uint8_t buf[FTDI_BUF];
                    size_t n = 0;
                    for (auto it = up.begin(); it != up.end() && n < sizeof buf; ++it) buf[n++] = *it;
                    ssize_t w = write(cfd, buf, n);
                    if (w > 0) up.erase(up.begin(), up.begin() + w);
                }
            }
            if (!o.fast) {
                // Never run ahead of the wall clock: a board's time-outs and
                // the host's must mean the same thing.
                double ahead_ns = cyc * ns_per_cycle - (now_s() - t0) * 1e9;
                if (ahead_ns > 2e6) {
                    struct pollfd p = {cfd >= 0 ? cfd : lfd, POLLIN, 0};
                    poll(&p, 1, (int)(ahead_ns / 1e6));
                }
            }
            if (o.trace && !tfp && cyc >= o.trace_start) {
                tfp.reset(new VerilatedFstC);
                top->trace(tfp.get(), 99);
                tfp->open(o.trace);
            }
        }

        if (o.power_cycle && cyc == o.power_cycle) {
            // A new model is a board fresh from configuration.
            top->final();
            top.reset(new Vicestick_top{ctx.get(), "TOP"});
            top->clk = 0;
            top->rx = 1;
            top->eval();
            fprintf(stderr, "icebuf-sim: power cycled at clock %llu\n", (unsigned long long)cyc);
        }
        drv.tick(rng, o.faults);
        top->rx = drv.pin();
        top->clk = 1;
        top->eval();
        if (tfp) tfp->dump(ctx->time());
        ctx->timeInc(1);
        top->clk = 0;
        top->eval();
        if (tfp) tfp->dump(ctx->time());
        ctx->timeInc(1);

        if (cfd >= 0) connected++;
        uint8_t b;
        if (rcv.tick(top->tx, b, rng, o.faults)) {
            bytes_up++;
            if (rng.chance(o.faults.drop)) {
                o.faults.dropped++;
            } else if (cfd >= 0) {
                if (up.size() < FTDI_BUF) up.push_back(b); else overflow_up++;
                if (rng.chance(o.faults.garbage) && up.size() < FTDI_BUF) {
                    up.push_back((uint8_t)rng.next());
                    o.faults.inserted++;
                }
            }
        }
        cyc++;
    }

    top->final();
    if (tfp) tfp->close();
    if (cfd >= 0) close(cfd);
    close(lfd);
    if (o.stats) {
        double wall = now_s() - t0;
        fprintf(stderr,
                "icebuf-sim: %llu clocks (%.3f s simulated) in %.3f s: %.0f clocks/s\n"
                "icebuf-sim: a client was connected for %llu clocks (%.3f s simulated)\n"
                "icebuf-sim: bytes host->board %llu, board->host %llu, lost in the FTDI buffer %llu, "
                "framing errors %llu\n"
                "icebuf-sim: faults: bits flipped %llu, bytes dropped %llu, bytes inserted %llu\n",
                (unsigned long long)cyc, cyc / (double)SIM_CLK_HZ, wall, wall > 0 ? cyc / wall : 0.0,
                (unsigned long long)connected, connected / (double)SIM_CLK_HZ,
                (unsigned long long)bytes_down, (unsigned long long)bytes_up,
                (unsigned long long)overflow_up, (unsigned long long)rcv.frame_errors,
                (unsigned long long)o.faults.flipped, (unsigned long long)o.faults.dropped,
                (unsigned long long)o.faults.inserted);
    }
    return 0;
}
