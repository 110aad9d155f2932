# Video: the timing generator, the frame queue and player, the virtual
# monitor (sim/video/) and a bench of the whole video_out core.

VIDEO_RTL := rtl/video_timing.v rtl/video_queue.v rtl/video_player.v rtl/video_scan.v rtl/video_out.v \
             sim/models/spram_256k.v sim/models/ice40_ddr_out.v

$(eval $(call VTB,video_timing,video_timing,rtl/video_timing.v,tests/video/video_timing_tb.cpp,))

TESTS += test-video-timing
test-video-timing: $(BUILD)/tb/video_timing/Vvideo_timing
	@scripts/runtest video-timing $<

VIDEO_CORE_RTL := tests/video/video_core.v rtl/video_queue.v rtl/video_player.v sim/models/spram_256k.v
$(eval $(call VTB,video_core,video_core,$(VIDEO_CORE_RTL),tests/video/video_core_tb.cpp,))

TESTS += test-video-core
test-video-core: $(BUILD)/tb/video_core/Vvideo_core
	@scripts/runtest video-core $<
