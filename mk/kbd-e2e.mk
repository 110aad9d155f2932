# The keyboard end to end on the virtual iCEBreaker (tests/e2e/kbd.sh):
# channel 2's raw records through icebuf_read() and the library's private
# decoder, the keyboard window's registers, LEDs to the model, unplug and
# replug.

$(BUILD)/tests/kbd_e2e: tests/e2e/kbd.c $(LIBICEBUF_A) host/include/icebuf.h host/src/kbd_decode.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(LIBICEBUF_A) $(HOST_LIBS)

TESTS += test-kbd-e2e
test-kbd-e2e: $(BUILD)/tests/kbd_e2e $(BUILD)/bin/icebuf-sim-icebreaker
	@scripts/runtest kbd-e2e tests/e2e/kbd.sh
.PHONY: test-kbd-e2e
