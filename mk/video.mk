# Video: the timing generator, the frame queue and player, the virtual
# monitor (sim/video/) and a bench of the whole video_out core.

$(eval $(call VTB,video_timing,video_timing,rtl/video_timing.v,tests/video/video_timing_tb.cpp,))

TESTS += test-video-timing
test-video-timing: $(BUILD)/tb/video_timing/Vvideo_timing
	@scripts/runtest video-timing $<

VIDEO_CORE_RTL := tests/video/video_core.v rtl/video_queue.v rtl/video_player.v sim/models/spram_256k.v
$(eval $(call VTB,video_core,video_core,$(VIDEO_CORE_RTL),tests/video/video_core_tb.cpp,))

TESTS += test-video-core
test-video-core: $(BUILD)/tb/video_core/Vvideo_core
	@scripts/runtest video-core $<

# The whole core with the virtual monitor; its PNGs stay in build/tests/video-out/.
VIDEO_OUT_RTL := rtl/video_timing.v rtl/video_queue.v rtl/video_player.v rtl/video_scan.v rtl/video_out.v \
                 sim/models/spram_256k.v sim/models/ice40_ddr_out.v
VIDEO_SDL := $(shell pkg-config --exists sdl2 2>/dev/null && echo yes)
VIDEO_MON_CFLAGS := $(shell pkg-config --cflags libpng) $(if $(VIDEO_SDL),-DHAVE_SDL2 $(shell pkg-config --cflags sdl2))
VIDEO_MON_LIBS   := $(shell pkg-config --libs libpng) $(if $(VIDEO_SDL),$(shell pkg-config --libs sdl2))
$(eval $(call VTB,video_out,video_out,$(VIDEO_OUT_RTL),tests/video/video_out_tb.cpp sim/video/monitor.cpp,-CFLAGS "$(VIDEO_MON_CFLAGS)" -LDFLAGS "$(VIDEO_MON_LIBS)"))
$(BUILD)/tb/video_out/Vvideo_out: sim/video/monitor.h

TESTS += test-video-out
test-video-out: $(BUILD)/tb/video_out/Vvideo_out
	@rm -rf $(BUILD)/tests/video-out && mkdir -p $(BUILD)/tests/video-out
	@scripts/runtest video-out $< $(BUILD)/tests/video-out
