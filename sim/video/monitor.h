// monitor.h — a virtual monitor on the DVI PMOD's pins
// SPDX-License-Identifier: MIT
//
// The board's harness calls sample() at each rising edge of the DVI pixel
// clock pin with the 12-bit bus and the syncs. The monitor checks the
// timing against 640×480 at 60 Hz (VESA DMT: 800 clocks a line, 96 of
// hsync; 525 lines a frame, 2 of vsync; 640×480 active; both syncs
// negative) and counts what is off; it assembles each frame, and when a
// frame differs from the last one it writes it as a PNG (frames_dir, named
// by the simulated time it appeared, in µs), logs it, and shows it in a
// live SDL2 window when asked (and built with SDL2).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

class VideoMonitor {
public:
    struct Options {
        std::string frames_dir;        // write PNGs here ("" = none)
        FILE *log = nullptr;           // one line a new frame: time, number, file
        bool window = false;           // a live SDL2 window
    };
    struct Counts {
        uint64_t frames = 0;           // complete frames seen
        uint64_t new_frames = 0;       // frames that differed from the one before
        uint64_t bad_lines = 0;        // lines not 800 clocks long
        uint64_t bad_hsync = 0;        // hsync pulses not 96 clocks (or positive)
        uint64_t bad_frames = 0;       // frames not 525 lines long
        uint64_t bad_vsync = 0;        // vsync pulses not 2 lines (1600 clocks), or positive
        uint64_t bad_active = 0;       // lines with an active run other than 640, frames with other than 480 lines
    };
    static const int W = 640, H = 480;

    explicit VideoMonitor(const Options &o);
    ~VideoMonitor();
    VideoMonitor(const VideoMonitor &) = delete;
    VideoMonitor &operator=(const VideoMonitor &) = delete;

    // One pixel clock: the pins' levels at the rising edge of the clock pin.
    void sample(uint64_t t_ps, unsigned r, unsigned g, unsigned b, bool hsync_n, bool vsync_n, bool de);

    const Counts &counts() const { return c_; }
    // The last complete frame, 0x0RGB a pixel, row by row.
    const std::vector<uint16_t> &last_frame() const { return last_; }
    uint64_t last_frame_time_ps() const { return last_t_; }
    // The counts in one line.
    std::string summary() const;
    // Write a frame of 0x0RGB pixels as a PNG; false (and errno) on failure.
    static bool write_png(const std::string &path, const std::vector<uint16_t> &px, int w, int h);

private:
    void end_line();
    void end_frame(uint64_t t_ps);
    Options o_;
    Counts c_;
    std::vector<uint16_t> cur_, last_;
    uint64_t last_t_ = 0, frame_t_ = 0;
    bool have_last_ = false;
    long line_clk_ = -1;               // clocks since the last hsync fall (-1: none yet)
    long hs_low_ = 0, vs_low_clk_ = 0, de_run_ = 0, de_runs_ = 0, lines_ = -1, active_lines_ = 0;
    bool prev_hs_ = true, prev_vs_ = true, prev_de_ = false, locked_ = false;
    int x_ = 0, y_ = -1;
    long vs_falls_ = 0;
    void *sdl_ = nullptr;              // the window's state, when there is one
};
