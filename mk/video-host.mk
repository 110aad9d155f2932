# The host side of the video player (docs/video-host.md): the y4m reader,
# ffmpeg input, frame conversion and records, host buffer and shaper, all in
# libicebuf (host/src/*.c); their unit tests and the pipeline on ffmpeg's
# test source, plain and under ASan + UBSan.

# vframe.c and vbuf.c use libm, vplay.c a thread.
HOST_LIBS += -lm -pthread
VIDEO_HOST_SRCS := host/src/y4m.c host/src/vsrc.c host/src/vframe.c host/src/vbuf.c host/src/vplay.c
VIDEO_HOST_DEPS := $(VIDEO_HOST_SRCS) $(VIDEO_HOST_SRCS:.c=.h) mk/video-host.mk

$(BUILD)/tests/video_unit: tests/host/test_video.c $(VIDEO_HOST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(VIDEO_HOST_SRCS) -lm -pthread
$(BUILD)/tests/video_unit_asan: tests/host/test_video.c $(VIDEO_HOST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(VIDEO_HOST_SRCS) -lm -pthread
$(BUILD)/tests/video_pipe: tests/host/video_pipe.c $(VIDEO_HOST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(VIDEO_HOST_SRCS) -lm -pthread
$(BUILD)/tests/video_pipe_asan: tests/host/video_pipe.c $(VIDEO_HOST_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(SAN_FLAGS) -o $@ $< $(VIDEO_HOST_SRCS) -lm -pthread

TESTS += test-video-host-unit test-video-host-unit-asan test-video-host-ffmpeg
test-video-host-unit: $(BUILD)/tests/video_unit
	@scripts/runtest video-host-unit $<
test-video-host-unit-asan: $(BUILD)/tests/video_unit_asan
	@scripts/runtest video-host-unit-asan $<
test-video-host-ffmpeg: $(BUILD)/tests/video_pipe_asan
	@scripts/runtest video-host-ffmpeg tests/host/video_ffmpeg.sh $< $(BUILD)/video-host
.PHONY: test-video-host-unit test-video-host-unit-asan test-video-host-ffmpeg
