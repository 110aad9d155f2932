# `icebuf play` on the virtual iCEBreaker (tests/e2e/vplay.c): the gateware's
# video_out under Verilator, the virtual monitor on its DVI pins, the
# captured pictures checked against the host's own rendering. Each case is a
# test of its own; clips, pictures and logs in build/vplay/CASE/.

VPLAY_BIN   := $(BUILD)/tests/vplay
VPLAY_CASES := clip stall ber

$(VPLAY_BIN): tests/e2e/vplay.c $(LIBICEBUF_A) host/src/vframe.h host/src/y4m.h mk/vplay.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(shell pkg-config --cflags libpng) -o $@ $< $(LIBICEBUF_A) $(HOST_LIBS) \
	    $(shell pkg-config --libs libpng) -lm

TESTS += $(addprefix test-vplay-,$(VPLAY_CASES))
$(addprefix test-vplay-,$(VPLAY_CASES)): test-vplay-%: $(VPLAY_BIN) $(BUILD)/bin/icebuf $(BUILD)/bin/icebuf-sim-icebreaker
	@ICEBUF_CLI=$(BUILD)/bin/icebuf ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-icebreaker \
	    scripts/runtest vplay-$* $(VPLAY_BIN) $* $(BUILD)/vplay/$*
.PHONY: $(addprefix test-vplay-,$(VPLAY_CASES))
