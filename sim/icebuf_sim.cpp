// icebuf-sim — the virtual board: a board top (icestick_top by default) under Verilator,
// its UART pins driven bit by bit from a TCP socket on 127.0.0.1.
// SPDX-License-Identifier: MIT
//
// The harness plays the FT2232H (sim/ftdi_uart.h): bytes a client writes to
// the socket are shifted onto the FPGA's rx pin at the board's baud rate, the
// FPGA's tx pin is sampled like a UART receiver and the bytes go back to the
// socket. The socket is serviced every SERVICE_EVERY clocks, not every clock:
// the model's eval() is the cost to keep, syscalls are not.
//
// Each clock:  clk 1, eval   FPGA registers move, tx may change
//              FTDI tick     samples tx, picks the rx level for the next clock
//              clk 0, eval   rx changes half a clock before the edge that sees it
//
// "The clock" is the UART's. On a board whose UART runs on a PLL clock (the
// iCEBreaker, SIM_PAD_HZ defined), the harness drives the pad at the
// oscillator's SIM_PAD_HZ and the PLL model's output (sim/models/
// ice40_pll_2pad.v) at SIM_CLK_HZ, each edge at its exact time: the two
// periods are whole numbers of a common unit (12 MHz and 50.25 MHz: 134 and
// 32 units of 1/1608 µs), and pad edges are evaluated in time order between
// the PLL's. Board time (--cycles, --stats, the published clock) counts
// PLL clocks.
#include "verilated_syms.h"

#include "Vtop.h"   // the board top, whichever it is (verilator --prefix Vtop)
#include "Vtop___024root.h"
#include "verilated.h"
#if VM_TRACE
#include "verilated_fst_c.h"
#endif

#include "ftdi_uart.h"
#ifdef SIM_VIDEO
#include "video/monitor.h"  // the virtual monitor on the top's DVI pins
#endif
#ifdef SIM_PS2
#include "ps2/kbd_port.h"   // the keyboard model on the top's PS/2 pins
#endif

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <getopt.h>
#include <memory>
#include <netinet/in.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <string>
#include <type_traits>
#include <utility>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#ifndef SIM_CLK_HZ
#error "SIM_CLK_HZ must be defined by the build (mk/sim.mk)"
#endif
#ifndef SIM_BAUD
#error "SIM_BAUD must be defined by the build (mk/sim.mk)"
#endif
// The top's inputs other than clk and rx, held at their idle levels: the
// iCEBreaker's reset button (btn_n) is released.
#ifdef SIM_TOP_ICEBREAKER
#define SIM_BOARD_NAME "iCEBreaker"
// Its PS/2 lines idle high (pulled up) until the keyboard model drives them.
#define SIM_TOP_INPUTS(t) ((t)->btn_n = 1, (t)->ps2_clk = 1, (t)->ps2_data = 1)
#else
#define SIM_BOARD_NAME "iCEstick"
#ifdef SIM_PS2
// Built with the keyboard (mk/sim.mk): its PS/2 lines, as on the iCEBreaker.
#define SIM_TOP_INPUTS(t) ((t)->ps2_clk = 1, (t)->ps2_data = 1)
#else
#define SIM_TOP_INPUTS(t) ((void)(t))
#endif
#endif

using icebuf_sim::FtdiUart;
using icebuf_sim::Rng;

static constexpr uint64_t gcd_u64(uint64_t a, uint64_t b) { return b ? gcd_u64(b, a % b) : a; }
// Clocks a bit as a fraction BIT_NUM / BIT_DEN (67/16 at 50.25 MHz and 12 Mbaud).
static const uint32_t BIT_NUM = (uint32_t)(SIM_CLK_HZ / gcd_u64(SIM_CLK_HZ, SIM_BAUD));
static const uint32_t BIT_DEN = (uint32_t)(SIM_BAUD / gcd_u64(SIM_CLK_HZ, SIM_BAUD));
static_assert(SIM_CLK_HZ >= 2 * SIM_BAUD, "the UART model needs at least 2 clocks per bit");
#ifdef SIM_PAD_HZ
// Half periods in common units: the PLL clock's PLL_HALF, the pad's PAD_HALF.
static const uint64_t PLL_HALF = SIM_PAD_HZ / gcd_u64(SIM_CLK_HZ, SIM_PAD_HZ);
static const uint64_t PAD_HALF = SIM_CLK_HZ / gcd_u64(SIM_CLK_HZ, SIM_PAD_HZ);
#else
static const uint64_t PLL_HALF = 1, PAD_HALF = 0;
#endif

// The falling edge of a top whose only event is the rising edge of clk
// changes nothing in the model: Verilator 5 evaluates it only to note that
// clk is low, so that the next rise counts as an edge. For such a top the
// harness notes it itself (the trigger's previous value, a member of the
// generated root) and saves an eval a clock, about 4 % of the clock's cost
// on the iCEstick. Everything else takes the eval: a top with more events
// (a negedge, another clock, a combinational loop) or with logic on its
// inputs (an "ico" region), a model without these members (another
// Verilator), and a waveform, whose falling edges are dumped.
template <typename T> struct trigger_count : std::integral_constant<std::size_t, 0> {};
template <std::size_t N> struct trigger_count<VlTriggerVec<N>> : std::integral_constant<std::size_t, N> {};
template <typename R, typename = void> struct rise_only_event : std::false_type {};
template <typename R>
struct rise_only_event<R, std::void_t<decltype(std::declval<R &>().__Vtrigrprev__TOP__clk),
                                   decltype(std::declval<R &>().__VactTriggered)>>
    : std::bool_constant<trigger_count<std::remove_reference_t<decltype(std::declval<R &>().__VactTriggered)>>::value == 1> {};
template <typename R, typename = void> struct has_ico : std::false_type {};
template <typename R>
struct has_ico<R, std::void_t<decltype(std::declval<R &>().__VicoTriggered)>> : std::true_type {};
template <typename R>
static inline bool fall_without_eval(R *root) {
    if constexpr (rise_only_event<R>::value && !has_ico<R>::value) {
        root->__Vtrigrprev__TOP__clk = 0;
        return true;
    } else {
        (void)root;
        return false;
    }
}

// Clocks between two visits to the socket: 512 clocks is 43 us at 12 MHz,
// under a USB 2.0 microframe (125 us), the FT2232H's own pace toward the host.
static const uint64_t SERVICE_EVERY = 512;
// The socket is first looked at 1 ms into the simulation: a host meets a
// board out of its power-on reset, as it meets a real one long after
// configuration. (A byte already on the wire while the UART is still held in
// reset would otherwise be cut and counted as a framing error.)
static const uint64_t FIRST_SERVICE = SIM_CLK_HZ / 1000;
// How far simulated time may run ahead of the wall clock before the harness
// sleeps (without --fast).
static const double PACE_SLACK_S = 200e-6;
// --stall: on average one stall every STALL_GAP_S of simulated time.
static const double STALL_GAP_S = 0.050;

static volatile sig_atomic_t g_stop = 0;
static void on_signal(int) { g_stop = 1; }

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;
    bool once = false, fast = false, stats = false, stall = false;
    const char *trace = nullptr;
    uint64_t trace_start = 0, cycles = 0, seed = 1, power_cycle = 0;
    double stall_max_ms = 20;
    double speed = 1;
    icebuf_sim::FaultRates faults;
    std::string frames_dir, frame_log;
    bool window = false;
};

static void usage(FILE *f) {
    fprintf(f,
        "usage: icebuf-sim [options]\n"
        "The virtual " SIM_BOARD_NAME ": the board's Verilog under Verilator, its UART served on TCP.\n"
        "  --listen HOST:PORT  address to serve, loopback only (127.x.x.x or localhost);\n"
        "                      PORT 0 picks a free one [127.0.0.1:0]. When ready, prints one\n"
        "                      line to stdout: 'icebuf-sim: listening on HOST:PORT'\n"
        "  --once              exit when the first client disconnects [off: serve clients\n"
        "                      one after another, the board running on in between]\n"
        "  --fast              run as fast as possible, unpaced: libicebuf times out on\n"
        "                      the board's clock, which this simulator publishes in\n"
        "                      /dev/shm/icebuf-sim-HOST-PORT, so nothing times out early\n"
        "                      [off: simulated time never runs ahead of wall-clock time]\n"
        "  --speed X           pace the board: simulated time never runs ahead of X times\n"
        "                      wall-clock time [1]; the last of --fast and --speed counts\n"
        "  --cycles N          stop after N clocks [0: run until stopped]\n"
        "  --trace FILE.fst    write a waveform (FST, for GTKWave) [none]\n"
        "  --trace-start N     start the waveform at clock N [0]\n"
        "  --stats             print clocks, speed, bytes and faults on exit, to stderr [off]\n"
        "  --seed N            seed of the fault injection and of the registers' random\n"
        "                      power-up values [1]\n"
        "  --ber RATE          invert each serial bit on the wire with this probability,\n"
        "                      both ways [0]\n"
        "  --drop RATE         lose each byte with this probability, both ways [0]\n"
        "  --garbage RATE      add a random byte after a byte with this probability,\n"
        "                      both ways [0]\n"
        "  --stall             the FTDI's side toward the host stops reading at random (one\n"
        "                      stall every %.0f ms on average); bytes beyond its %zu-byte\n"
        "                      buffer are lost [off]\n"
        "  --stall-max MS      longest stall, milliseconds [%.0f]\n"
        "  --power-cycle N     at clock N, power the board off and on again: every\n"
        "                      register and buffer starts afresh [never]\n"
#ifdef SIM_VIDEO
        "  --frames DIR        the virtual monitor on the DVI pins writes each frame that\n"
        "                      differs from the one before as DIR/frame_T.png, T its\n"
        "                      simulated time in microseconds [none]\n"
        "  --frame-log FILE    one line a new frame: simulated time, number, file [none]\n"
        "  --window            show the monitor in a live window (SDL2) [off]\n"
#endif
        "  --help              this text, then exit\n"
#ifdef SIM_PAD_HZ
        "Clock %d Hz, %d baud (%u/%u clocks per bit; the PLL's clock, from a %d Hz pad).\n",
        STALL_GAP_S * 1e3, FtdiUart::BUF, Options().stall_max_ms, SIM_CLK_HZ, SIM_BAUD,
        BIT_NUM, BIT_DEN, SIM_PAD_HZ);
#else
        "Clock %d Hz, %d baud (%u clocks per bit).\n",
        STALL_GAP_S * 1e3, FtdiUart::BUF, Options().stall_max_ms, SIM_CLK_HZ, SIM_BAUD,
        BIT_NUM / BIT_DEN);
#endif
}

static bool parse_double(const char *s, double lo, double hi, double &out) {
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi)) return false;
    out = v;
    return true;
}

static bool parse_u64(const char *s, uint64_t &out) {
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9') return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return false;
    out = v;
    return true;
}

// 0 or 2 to exit with that status (help, bad arguments), -1 to run.
static int parse_args(int argc, char **argv, Options &o) {
    enum { O_LISTEN = 256, O_ONCE, O_FAST, O_CYCLES, O_TRACE, O_TRACE_START, O_STATS, O_SEED,
           O_BER, O_DROP, O_GARBAGE, O_STALL, O_STALL_MAX, O_POWER, O_SPEED, O_HELP,
           O_FRAMES, O_FRAME_LOG, O_WINDOW };
    static const struct option longopts[] = {
        {"listen", required_argument, 0, O_LISTEN},
        {"once", no_argument, 0, O_ONCE},
        {"fast", no_argument, 0, O_FAST},
        {"speed", required_argument, 0, O_SPEED},
        {"cycles", required_argument, 0, O_CYCLES},
        {"trace", required_argument, 0, O_TRACE},
        {"trace-start", required_argument, 0, O_TRACE_START},
        {"stats", no_argument, 0, O_STATS},
        {"seed", required_argument, 0, O_SEED},
        {"ber", required_argument, 0, O_BER},
        {"drop", required_argument, 0, O_DROP},
        {"garbage", required_argument, 0, O_GARBAGE},
        {"stall", no_argument, 0, O_STALL},
        {"stall-max", required_argument, 0, O_STALL_MAX},
        {"power-cycle", required_argument, 0, O_POWER},
        {"help", no_argument, 0, O_HELP},
#ifdef SIM_VIDEO
        {"frames", required_argument, 0, O_FRAMES},
        {"frame-log", required_argument, 0, O_FRAME_LOG},
        {"window", no_argument, 0, O_WINDOW},
#endif
        {0, 0, 0, 0}};
    int c, li = -1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", longopts, &li)) != -1) {
        std::string opt = li >= 0 ? std::string("--") + longopts[li].name : argv[optind - 1];
        li = -1;
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
                                "the virtual board serves this machine only\n", o.host.c_str());
                return 2;
            }
            o.port = (int)port;
            break;
        }
        case O_ONCE: o.once = true; break;
        case O_FAST: o.fast = true; break;
        case O_SPEED:
            o.fast = false;
            if (!parse_double(optarg, 0.001, 1000, o.speed)) {
                fprintf(stderr, "icebuf-sim: --speed wants a factor from 0.001 to 1000, not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_STATS: o.stats = true; break;
        case O_STALL: o.stall = true; break;
        case O_TRACE: o.trace = optarg; break;
        case O_CYCLES:
        case O_TRACE_START:
        case O_POWER:
        case O_SEED: {
            uint64_t v;
            if (!parse_u64(optarg, v)) {
                fprintf(stderr, "icebuf-sim: %s wants a whole number, not '%s'\n", opt.c_str(), optarg);
                return 2;
            }
            (c == O_CYCLES ? o.cycles : c == O_SEED ? o.seed : c == O_POWER ? o.power_cycle : o.trace_start) = v;
            break;
        }
        case O_BER:
        case O_DROP:
        case O_GARBAGE: {
            double v;
            if (!parse_double(optarg, 0, 1, v)) {
                fprintf(stderr, "icebuf-sim: %s wants a probability from 0 to 1, not '%s'\n", opt.c_str(), optarg);
                return 2;
            }
            (c == O_BER ? o.faults.ber : c == O_DROP ? o.faults.drop : o.faults.garbage) = v;
            break;
        }
        case O_STALL_MAX:
            if (!parse_double(optarg, 0.001, 60000, o.stall_max_ms)) {
                fprintf(stderr, "icebuf-sim: --stall-max wants milliseconds (0.001 to 60000), not '%s'\n", optarg);
                return 2;
            }
            break;
        case O_FRAMES: o.frames_dir = optarg; break;
        case O_FRAME_LOG: o.frame_log = optarg; break;
        case O_WINDOW: o.window = true; break;
        case O_HELP: usage(stdout); return 0;
        case ':':
            fprintf(stderr, "icebuf-sim: %s needs a value (see --help)\n", opt.c_str());
            return 2;
        default:
            fprintf(stderr, "icebuf-sim: unknown option '%s' (see --help)\n", opt.c_str());
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "icebuf-sim: unexpected argument '%s' (see --help)\n", argv[optind]);
        return 2;
    }
    if (o.power_cycle && o.trace) {
        fprintf(stderr, "icebuf-sim: --power-cycle and --trace do not go together "
                        "(a waveform belongs to one power-up)\n");
        return 2;
    }
    return -1;
}

static double now_s() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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
    // Backlog 1: a second client's connection is held by the kernel and
    // served when the first one closes.
    if (bind(fd, (struct sockaddr *)&a, sizeof a) < 0 || listen(fd, 1) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    port_out = ntohs(a.sin_port);
    return fd;
}

// The board's clock, published for the host (docs/sim.md): a page in
// /dev/shm named after the address served, icebuf-sim-HOST-PORT, that holds
// the clocks simulated so far. libicebuf maps it and runs its time-outs on
// it, so they mean the same at any simulation speed. Written at every
// service of the socket (each SERVICE_EVERY clocks): the host's view of
// board time lags the board by at most that, 43 us at 12 MHz.
struct ClockPage {
    char magic[8];             // "ICEBCLK1"
    uint64_t clk_hz;           // clocks per simulated second
    uint64_t cycles;           // clocks so far (stored with release order)
    int64_t pid;               // the simulator's process, for the host's messages
};

class ClockPublisher {
  public:
    // A page that cannot be made leaves the host on the wall clock: say so.
    ClockPublisher(const std::string &host, int port) {
        path_ = "/dev/shm/icebuf-sim-" + host + "-" + std::to_string(port);
        // Made under a temporary name and renamed: a host never maps a
        // page half written, and a stale one (a simulator killed with
        // SIGKILL on the same port) is replaced whole.
        std::string tmp = path_ + ".tmp" + std::to_string(getpid());
        int fd = open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0 && ftruncate(fd, sizeof(ClockPage)) == 0) {
            void *m = mmap(nullptr, sizeof(ClockPage), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (m != MAP_FAILED) page_ = static_cast<ClockPage *>(m);
        }
        if (fd >= 0) close(fd);
        if (page_) {
            memcpy(page_->magic, "ICEBCLK1", 8);
            page_->clk_hz = SIM_CLK_HZ;
            page_->pid = getpid();
            publish(0);
        }
        if (!page_ || rename(tmp.c_str(), path_.c_str()) != 0) {
            fprintf(stderr, "icebuf-sim: cannot publish the board's clock in %s (%s): "
                            "the host will time on the wall clock\n", path_.c_str(), strerror(errno));
            unlink(tmp.c_str());
            path_.clear();
        }
    }
    ~ClockPublisher() {
        if (!path_.empty()) unlink(path_.c_str());
        if (page_) munmap(page_, sizeof(ClockPage));
    }
    void publish(uint64_t cycles) {
        if (page_) __atomic_store_n(&page_->cycles, cycles, __ATOMIC_RELEASE);
    }

  private:
    std::string path_;
    ClockPage *page_ = nullptr;
};

// The host's side of the FT2232H: one TCP client at a time.
class HostPort {
  public:
    HostPort(int lfd, FtdiUart &uart, const Options &o)
        : lfd_(lfd), uart_(uart), o_(o), stall_rng_(o.seed * 8 + 4) {}
    ~HostPort() {
        if (cfd_ >= 0) close(cfd_);
    }
    bool connected() const { return cfd_ >= 0; }
    // Accept a client if none, move bytes both ways. False once --once is done.
    bool service(uint64_t cyc) {
        if (cfd_ < 0) {
            cfd_ = accept4(lfd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
            if (cfd_ < 0) return !(o_.once && clients > 0);
            int one = 1;
            setsockopt(cfd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            uart_.host_open();
            clients++;
            stall_until_ = 0;
            last_ = cyc;
        }
        connected_clocks += cyc - last_;
        last_ = cyc;
        // Host -> board: take only what the TX buffer has room for; the rest
        // waits in the kernel, and TCP holds the client back.
        if (size_t room = uart_.down_room()) {
            uint8_t buf[FtdiUart::BUF];
            ssize_t n = recv(cfd_, buf, room, 0);
            if (n > 0) {
                uart_.host_write(buf, (size_t)n);
            } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
                hang_up();
                return !o_.once;
            }
        }
        // Board -> host, unless the host side is in a stall.
        if (o_.stall) {
            if (cyc >= stall_until_ && stall_rng_.chance(SERVICE_EVERY / (STALL_GAP_S * SIM_CLK_HZ))) {
                uint64_t max = (uint64_t)(o_.stall_max_ms * 1e-3 * SIM_CLK_HZ) + 1;
                stall_until_ = cyc + 1 + stall_rng_.next() % max;
                stalls++;
            }
            if (cyc < stall_until_) {
                stalled_clocks += SERVICE_EVERY;
                return true;
            }
        }
        auto &up = uart_.up_queue();
        while (!up.empty()) {
            size_t n;
            const uint8_t *p = up.span(n);
            ssize_t w = send(cfd_, p, n, MSG_NOSIGNAL);
            if (w <= 0) break;        // full (the client is slow) or gone (recv will tell)
            up.consume((size_t)w);
            if ((size_t)w < n) break;
        }
        return true;
    }

    uint64_t clients = 0, connected_clocks = 0, stalls = 0, stalled_clocks = 0;

  private:
    void hang_up() {
        close(cfd_);
        cfd_ = -1;
    }
    int lfd_, cfd_ = -1;
    FtdiUart &uart_;
    const Options &o_;
    Rng stall_rng_;
    uint64_t stall_until_ = 0, last_ = 0;
};

// Waveform time in picoseconds for time unit h (half a clock over
// PLL_HALF), exact on average.
struct TraceClock {
    uint64_t num, den;
    TraceClock() {
        uint64_t a = 1000000000000ull, b = 2ull * PLL_HALF * SIM_CLK_HZ;
        uint64_t x = a, y = b;
        while (y) { uint64_t t = x % y; x = y; y = t; }
        num = a / x;
        den = b / x;
    }
    uint64_t ps(uint64_t h) const { return h * num / den; }
};

#ifdef SIM_PS2
// The keyboard's part of main: its options out of argv first, its usage
// after the harness's, its model stepped every clock, its line in --stats.
static icebuf_sim::KbdOptions g_kbd_opt;
static std::unique_ptr<icebuf_sim::KbdPort> g_kbd;
static int kbd_args(int &argc, char **argv) {
    int rc = icebuf_sim::kbd_take_args(argc, argv, g_kbd_opt);
    for (int i = 1; rc < 0 && i < argc; i++) if (!strcmp(argv[i], "--help")) icebuf_sim::kbd_usage(stdout);
    return rc;
}
static bool kbd_start(uint64_t seed) {
    g_kbd.reset(new icebuf_sim::KbdPort(g_kbd_opt, seed));
    return g_kbd->load();
}
#define KBD_TICK(top, cyc, connected) g_kbd->tick((top), (cyc), (connected))
#define KBD_STATS(f) g_kbd->stats(f)
#else
static int kbd_args(int &, char **) { return -1; }
static bool kbd_start(uint64_t) { return true; }
#define KBD_TICK(top, cyc, connected) ((void)0)
#define KBD_STATS(f) ((void)0)
#endif

#if !VM_TRACE
// A board built for speed (mk/sim.mk: the profile-guided ones) has no
// waveform code, which costs a model that keeps every signal for it about
// 3 %: --trace runs its traced twin, BINARY-trace beside it (make
// sim-trace), with the same arguments.
struct NoTrace {
    void dump(uint64_t) {}
    void close() {}
};
static int run_traced(char **argv) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 8);
    if (n <= 0) {
        fprintf(stderr, "icebuf-sim: cannot find this program's path: %s\n", strerror(errno));
        return 1;
    }
    self[n] = 0;
    std::string twin = std::string(self) + "-trace";
    if (access(twin.c_str(), X_OK) == 0) {
        argv[0] = const_cast<char *>(twin.c_str());
        execv(twin.c_str(), argv);
        fprintf(stderr, "icebuf-sim: cannot run %s: %s\n", twin.c_str(), strerror(errno));
        return 1;
    }
    fprintf(stderr, "icebuf-sim: this build has no waveform code (it is built for speed); "
                    "--trace runs %s, which `make sim-trace` builds\n", twin.c_str());
    return 2;
}
#endif

int main(int argc, char **argv) {
    std::vector<char *> argv_given(argv, argv + argc + 1);   // before the options are taken out
    Options o;
    int rc = kbd_args(argc, argv);
    if (rc >= 0) return rc;
    rc = parse_args(argc, argv, o);
    if (rc >= 0) return rc;
    if (!kbd_start(o.seed)) return 2;

#if !VM_TRACE
    if (o.trace) return run_traced(argv_given.data());
#endif
    if (o.trace) {                                // fail now, not at --trace-start
        FILE *f = fopen(o.trace, "w");
        if (!f) {
            fprintf(stderr, "icebuf-sim: cannot write %s: %s\n", o.trace, strerror(errno));
            return 1;
        }
        fclose(f);
    }
    struct sigaction sa = {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    signal(SIGPIPE, SIG_IGN);

    int port = 0;
    int lfd = listen_on(o, port);
    if (lfd < 0) {
        fprintf(stderr, "icebuf-sim: cannot listen on %s:%d: %s\n", o.host.c_str(), o.port, strerror(errno));
        return 1;
    }

    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->debug(0);
    ctx->randReset(2);                            // registers power up random unless reset
    ctx->randSeed((int)(o.seed % 0x7FFFFFFF) + 1);   // ... but the same each run
    ctx->traceEverOn(o.trace != nullptr);
    ctx->commandArgs(argc, argv);
    std::unique_ptr<Vtop> top;
#if VM_TRACE
    std::unique_ptr<VerilatedFstC> tfp;
#else
    std::unique_ptr<NoTrace> tfp;
#endif
    const TraceClock tclk;

    FtdiUart uart(BIT_NUM, BIT_DEN, o.faults, o.seed);
    HostPort host(lfd, uart, o);
    ClockPublisher board_clock(o.host, port);

#ifdef SIM_VIDEO
    std::unique_ptr<FILE, int (*)(FILE *)> frame_log(nullptr, fclose);
    if (!o.frame_log.empty()) {
        frame_log.reset(fopen(o.frame_log.c_str(), "w"));
        if (!frame_log) {
            fprintf(stderr, "icebuf-sim: cannot write %s: %s\n", o.frame_log.c_str(), strerror(errno));
            return 1;
        }
        setvbuf(frame_log.get(), nullptr, _IOLBF, 0);
    }
    if (!o.frames_dir.empty()) {
        std::string probe = o.frames_dir + "/.icebuf-sim-probe";
        FILE *f = fopen(probe.c_str(), "w");
        if (!f) {
            fprintf(stderr, "icebuf-sim: --frames: cannot write in %s: %s\n", o.frames_dir.c_str(), strerror(errno));
            return 1;
        }
        fclose(f);
        unlink(probe.c_str());
    }
    VideoMonitor::Options mo;
    mo.frames_dir = o.frames_dir;
    mo.log = frame_log.get();
    mo.window = o.window;
    VideoMonitor monitor(mo);
    bool dvi_clk_was = false;
#endif

    // The PLL model's output, which the harness drives (none: the pad is the clock).
    CData *pll_clk = nullptr;
    CData *clk_pin = nullptr;      // the clock the loop below drives: the PLL's, else the pad
    // A new model is a board fresh from configuration, its inputs idle.
    const auto power_up = [&]() {
        top.reset(new Vtop{ctx.get(), "TOP"});
        top->clk = 0;
        top->rx = uart.rx();
        SIM_TOP_INPUTS(top);
        pll_clk = nullptr;
#ifdef SIM_PAD_HZ
        uint32_t mul = 0, div = 0;
        top->eval();                               // the model's constants are set by its first eval
        for (const auto &sc : *ctx->scopeNameMap()) {
            const VerilatedVarNameMap *vars = sc.second->varsp();
            if (!vars) continue;
            auto c = vars->find("harness_clk"), m = vars->find("harness_mul"), d = vars->find("harness_div");
            if (c == vars->end() || m == vars->end() || d == vars->end()) continue;
            pll_clk = static_cast<CData *>(c->second.datap());
            mul = *static_cast<const IData *>(m->second.datap());
            div = *static_cast<const IData *>(d->second.datap());
        }
        if (!pll_clk || (uint64_t)SIM_CLK_HZ * div != (uint64_t)SIM_PAD_HZ * mul) {
            fprintf(stderr, "icebuf-sim: the top's PLL model %s (harness built for %d Hz from %d Hz)\n",
                    pll_clk ? "has another ratio" : "is missing", SIM_CLK_HZ, SIM_PAD_HZ);
            exit(1);
        }
        *pll_clk = 0;
#endif
        clk_pin = pll_clk ? pll_clk : &top->clk;
        top->eval();
    };
    power_up();

    printf("icebuf-sim: listening on %s:%d\n", o.host.c_str(), port);
    fflush(stdout);

    const double t0 = now_s();
    uint64_t cyc = 0, next_event = 0, next_service = FIRST_SERVICE;
    bool finished = false;         // the model called $finish: exit 1
    // Time in units (half a clock is PLL_HALF of them); the pad's next edge.
    uint64_t t = 0, pad_t = PAD_HALF ? PAD_HALF : UINT64_MAX;
    // Evaluate the pad's edges due before time `until`; at `until` itself
    // only toggle it, for the clock's own eval to take.
    const auto pad_edges = [&](uint64_t until) {
        while (pad_t < until) {
            top->clk = !top->clk;
            top->eval();
            if (tfp) tfp->dump(tclk.ps(pad_t));
            pad_t += PAD_HALF;
        }
        if (pad_t == until) {
            top->clk = !top->clk;
            pad_t += PAD_HALF;
        }
    };

    for (;;) {
        // Everything rare happens here, at clocks chosen in advance, so the
        // common clock costs one comparison on top of the model.
        if (cyc == next_event) {
            if (g_stop || (o.cycles && cyc >= o.cycles)) break;
            if (ctx->gotFinish()) {
                fprintf(stderr, "icebuf-sim: the model called $finish at clock %llu\n", (unsigned long long)cyc);
                finished = true;
                break;
            }
            if (o.power_cycle && cyc == o.power_cycle) {
                top->final();
                top.reset();
                power_up();
                fprintf(stderr, "icebuf-sim: power cycled at clock %llu\n", (unsigned long long)cyc);
            }
            if (o.trace && !tfp && cyc >= o.trace_start) {
#if VM_TRACE
                tfp.reset(new VerilatedFstC);
                top->trace(tfp.get(), 99);
                tfp->open(o.trace);
#endif
            }
            if (cyc >= next_service) {
                board_clock.publish(cyc);
                if (!host.service(cyc)) break;
                next_service = cyc + SERVICE_EVERY;
                if (!o.fast) {
                    // Never run ahead of the wall clock (times --speed): a
                    // board's time-outs and the host's must mean the same thing.
                    double ahead = ((double)cyc / SIM_CLK_HZ - (now_s() - t0) * o.speed) / o.speed;
                    if (ahead > PACE_SLACK_S) {
                        struct timespec ts;
                        ts.tv_sec = (time_t)ahead;
                        ts.tv_nsec = (long)((ahead - (double)ts.tv_sec) * 1e9);
                        nanosleep(&ts, nullptr);
                    }
                }
            }
            next_event = next_service;
            if (o.cycles && o.cycles < next_event) next_event = o.cycles;
            if (o.power_cycle > cyc && o.power_cycle < next_event) next_event = o.power_cycle;
            if (o.trace && !tfp && o.trace_start > cyc && o.trace_start < next_event)
                next_event = o.trace_start;
        }

        pad_edges(t);
        *clk_pin = 1;
        top->eval();
        if (tfp) tfp->dump(tclk.ps(t));
#ifdef SIM_VIDEO
        // The DVI clock pin rises at a falling edge of the pixel clock
        // (rtl/video_out.v), which changes at the rising edges of this one.
        if (top->dvi_clk && !dvi_clk_was)
            monitor.sample(tclk.ps(t), top->dvi_r, top->dvi_g, top->dvi_b, top->dvi_hs, top->dvi_vs, top->dvi_de);
        dvi_clk_was = top->dvi_clk;
#endif
        uart.tick(top->tx);
        top->rx = uart.rx();
        KBD_TICK(top.get(), cyc, host.connected());
        pad_edges(t + PLL_HALF);
        *clk_pin = 0;
        if (PAD_HALF || tfp || !fall_without_eval(top->rootp)) {
            top->eval();
            if (tfp) tfp->dump(tclk.ps(t + PLL_HALF));
        }
        t += 2 * PLL_HALF;
        cyc++;
    }

    top->final();
    if (tfp) tfp->close();
    close(lfd);
    if (o.stats) {
        const double wall = now_s() - t0;
        const auto &d = uart.down, &u = uart.up;
        const auto ull = [](uint64_t v) { return (unsigned long long)v; };
        fprintf(stderr,
                "icebuf-sim: %llu clocks (%.3f s simulated) in %.3f s: %.0f clocks/s\n"
                "icebuf-sim: a client was connected for %llu clocks (%.3f s simulated), connections: %llu\n"
                "icebuf-sim: bytes host->board %llu, board->host %llu, lost in the FTDI buffer %llu, "
                "framing errors %llu\n"
                "icebuf-sim: faults: bits flipped %llu (%llu down, %llu up), "
                "bytes dropped %llu (%llu down, %llu up), bytes inserted %llu (%llu down, %llu up), "
                "stalls %llu (%.3f s simulated)\n",
                ull(cyc), (double)cyc / SIM_CLK_HZ, wall, wall > 0 ? (double)cyc / wall : 0.0,
                ull(host.connected_clocks), (double)host.connected_clocks / SIM_CLK_HZ, ull(host.clients),
                ull(d.bytes), ull(u.bytes), ull(u.lost), ull(u.frame_errors),
                ull(d.flipped + u.flipped), ull(d.flipped), ull(u.flipped),
                ull(d.dropped + u.dropped), ull(d.dropped), ull(u.dropped),
                ull(d.inserted + u.inserted), ull(d.inserted), ull(u.inserted),
                ull(host.stalls), (double)host.stalled_clocks / SIM_CLK_HZ);
        KBD_STATS(stderr);
#ifdef SIM_VIDEO
        fprintf(stderr, "icebuf-sim: monitor: %s\n", monitor.summary().c_str());
#endif
    }
    return finished ? 1 : 0;
}
