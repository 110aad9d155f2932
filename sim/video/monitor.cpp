// monitor.cpp — a virtual monitor on the DVI PMOD's pins (see monitor.h)
// SPDX-License-Identifier: MIT
#include "monitor.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <png.h>
#ifdef HAVE_SDL2
#include <SDL.h>
#endif

namespace {
const long H_TOTAL = 800, H_SYNC = 96, V_TOTAL = 525, V_SYNC = 2;
struct Sdl {
#ifdef HAVE_SDL2
    SDL_Window *win = nullptr;
    SDL_Renderer *ren = nullptr;
    SDL_Texture *tex = nullptr;
#endif
};
}

VideoMonitor::VideoMonitor(const Options &o) : o_(o), cur_(W * H, 0) {
    if (o_.window) {
#ifdef HAVE_SDL2
        Sdl *s = new Sdl;
        if (SDL_Init(SDL_INIT_VIDEO) == 0 &&
            (s->win = SDL_CreateWindow("icebuf virtual monitor", SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED, W, H, 0)) &&
            (s->ren = SDL_CreateRenderer(s->win, -1, 0)) &&
            (s->tex = SDL_CreateTexture(s->ren, SDL_PIXELFORMAT_RGB444, SDL_TEXTUREACCESS_STREAMING, W, H))) {
            sdl_ = s;
        } else {
            fprintf(stderr, "monitor: no window: %s\n", SDL_GetError());
            delete s;
        }
#else
        fprintf(stderr, "monitor: built without SDL2, no window\n");
#endif
    }
}

VideoMonitor::~VideoMonitor() {
#ifdef HAVE_SDL2
    if (sdl_) {
        Sdl *s = static_cast<Sdl *>(sdl_);
        SDL_DestroyTexture(s->tex); SDL_DestroyRenderer(s->ren); SDL_DestroyWindow(s->win); SDL_Quit();
        delete s;
    }
#endif
}

void VideoMonitor::sample(uint64_t t_ps, unsigned r, unsigned g, unsigned b, bool hsync_n, bool vsync_n, bool de) {
    // The monitor locks at the second vsync (what came before is a partial
    // frame, or the board still in reset) and counts from there.
    // hsync: a line runs from one falling edge to the next
    if (prev_hs_ && !hsync_n) {
        if (line_clk_ >= 0) {
            if (line_clk_ != H_TOTAL && locked_) { c_.bad_lines++; if (getenv("MONITOR_DEBUG")) fprintf(stderr, "monitor: line of %ld clocks at %.6f s\n", line_clk_, t_ps / 1e12); }
            end_line();
        }
        line_clk_ = 0; hs_low_ = 0;
    }
    if (!prev_hs_ && hsync_n && line_clk_ >= 0 && hs_low_ != H_SYNC && locked_) c_.bad_hsync++;
    if (!hsync_n) hs_low_++;
    if (line_clk_ >= 0) line_clk_++;
    // hsync low for most of a line means a positive polarity
    if (hs_low_ > H_TOTAL / 2) { if (locked_) c_.bad_hsync++; hs_low_ = 0; }

    // vsync: a frame ends at its falling edge; the pulse is 2 lines of clocks
    if (prev_vs_ && !vsync_n) vs_low_clk_ = 0;
    if (!vsync_n) vs_low_clk_++;
    if (!prev_vs_ && vsync_n && locked_ && vs_low_clk_ != V_SYNC * H_TOTAL) c_.bad_vsync++;
    if (vs_low_clk_ > V_TOTAL * H_TOTAL / 2) { if (locked_) c_.bad_vsync++; vs_low_clk_ = 0; }
    if (prev_vs_ && !vsync_n) {
        end_frame(t_ps);
        // lock at the second vsync: the first may be the pins settling
        locked_ = ++vs_falls_ >= 2;
    }
    prev_vs_ = vsync_n; prev_hs_ = hsync_n;

    // pixels: the first active line after vsync is row 0
    if (de) {
        if (!prev_de_) { de_run_ = 0; x_ = 0; if (y_ < 0) y_ = 0; }
        if (y_ >= 0 && y_ < H && x_ < W) cur_[(size_t)y_ * W + x_] = (uint16_t)((r & 15) << 8 | (g & 15) << 4 | (b & 15));
        x_++; de_run_++;
    } else if (prev_de_) {
        if (de_run_ != W && locked_) c_.bad_active++;
        de_runs_++;
        if (y_ >= 0) y_++;
        active_lines_++;
    }
    prev_de_ = de;
}

void VideoMonitor::end_line() {
    if (lines_ >= 0) lines_++;
}

void VideoMonitor::end_frame(uint64_t t_ps) {
    if (lines_ >= 0 && locked_) {
        c_.frames++;
        if (lines_ != V_TOTAL) c_.bad_frames++;
        if (active_lines_ != H) c_.bad_active++;
    }
    if (lines_ >= 0 && active_lines_ == H) {
        if (!have_last_ || cur_ != last_) {
            c_.new_frames++;
            char name[64];
            snprintf(name, sizeof name, "frame_%012llu.png", (unsigned long long)(frame_t_ / 1000000));
            std::string path;
            if (!o_.frames_dir.empty()) {
                path = o_.frames_dir + "/" + name;
                if (!write_png(path, cur_, W, H))
                    fprintf(stderr, "monitor: %s: %s\n", path.c_str(), strerror(errno));
            }
            if (o_.log)
                fprintf(o_.log, "%.6f s frame %llu %s\n", frame_t_ / 1e12, (unsigned long long)c_.new_frames, path.empty() ? name : path.c_str());
#ifdef HAVE_SDL2
            if (sdl_) {
                Sdl *s = static_cast<Sdl *>(sdl_);
                SDL_UpdateTexture(s->tex, nullptr, cur_.data(), W * 2);
                SDL_RenderClear(s->ren); SDL_RenderCopy(s->ren, s->tex, nullptr, nullptr); SDL_RenderPresent(s->ren);
                SDL_Event e; while (SDL_PollEvent(&e)) {}
            }
#endif
        }
        last_ = cur_; last_t_ = frame_t_; have_last_ = true;
    }
    // The frame that begins now: its pixels are drawn from the first active line.
    lines_ = 0; active_lines_ = 0; y_ = -1; frame_t_ = t_ps;
    std::fill(cur_.begin(), cur_.end(), 0);
}

std::string VideoMonitor::summary() const {
    char s[256];
    snprintf(s, sizeof s, "frames %llu (new %llu), bad lines %llu, bad hsync %llu, bad frames %llu, bad vsync %llu, bad active %llu",
             (unsigned long long)c_.frames, (unsigned long long)c_.new_frames, (unsigned long long)c_.bad_lines,
             (unsigned long long)c_.bad_hsync, (unsigned long long)c_.bad_frames, (unsigned long long)c_.bad_vsync,
             (unsigned long long)c_.bad_active);
    return s;
}

bool VideoMonitor::write_png(const std::string &path, const std::vector<uint16_t> &px, int w, int h) {
    FILE *f = fopen(path.c_str(), "wb");
    if (!f) return false;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
    png_infop info = png ? png_create_info_struct(png) : nullptr;
    if (!png || !info || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info); fclose(f); errno = EIO; return false;
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    std::vector<png_byte> row((size_t)w * 3);
    for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
            uint16_t p = px[(size_t)y * w + x];
            row[3 * x] = (png_byte)(((p >> 8) & 15) * 17);
            row[3 * x + 1] = (png_byte)(((p >> 4) & 15) * 17);
            row[3 * x + 2] = (png_byte)((p & 15) * 17);
        }
        png_write_row(png, row.data());
    }
    png_write_end(png, nullptr);
    png_destroy_write_struct(&png, &info);
    return fclose(f) == 0;
}
