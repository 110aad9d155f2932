# `icebuf play` (host/cli/play.c) against a fake board (tests/e2e/play.c)
# that speaks the link with FEATURES = VIDEO, takes channel-3 records under
# its credit, decodes them with the host's own decoder and plays them like
# rtl/video_player.v. Each case is a test of its own; logs and clips in
# build/play/CASE/.

PLAY_TEST_BIN := $(BUILD)/tests/play
PLAY_CASES    := clip novideo errors stall interrupt

# The link, the register replies and the checks: tests/e2e/fakeboard.c.
$(PLAY_TEST_BIN): tests/e2e/play.c tests/e2e/fakeboard.c tests/e2e/fakeboard.h $(LIBICEBUF_A) host/include/icebuf.h \
                  host/src/codec.h host/src/vframe.h host/src/y4m.h mk/play.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ tests/e2e/play.c tests/e2e/fakeboard.c $(LIBICEBUF_A) $(HOST_LIBS)

TESTS += $(addprefix test-play-,$(PLAY_CASES))
$(addprefix test-play-,$(PLAY_CASES)): test-play-%: $(PLAY_TEST_BIN) $(BUILD)/bin/icebuf
	@ICEBUF_CLI=$(BUILD)/bin/icebuf scripts/runtest play-$* $(PLAY_TEST_BIN) $* $(BUILD)/play/$*
.PHONY: $(addprefix test-play-,$(PLAY_CASES))

# The same cases with the CLI and the library under ASan + UBSan.
# (build/tests/icebuf_asan: the CLI's ASan build, mk/ftdi.mk)
PLAY_CLI_ASAN := $(BUILD)/tests/icebuf_asan

TESTS += test-play-asan
test-play-asan: $(PLAY_TEST_BIN) $(PLAY_CLI_ASAN)
	@ICEBUF_CLI=$(PLAY_CLI_ASAN) scripts/runtest play-asan sh -c 'for c in $(PLAY_CASES); do \
	    $(PLAY_TEST_BIN) $$c $(BUILD)/play-asan/$$c || exit 1; \
	    ! grep -l "runtime error\|Sanitizer" $(BUILD)/play-asan/$$c/err.txt || exit 1; done'
.PHONY: test-play-asan
