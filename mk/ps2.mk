# The PS/2 keyboard peripheral (docs/keyboard.md): the whole ps2_keyboard
# against the keyboard model of sim/ps2/ps2_kbd.h, the receiver's formal
# proof, and the host's set-2 decoder.
#   make test-ps2 test-ps2-overflow test-formal-ps2 test-kbd-decode
# PS2_SEED=N reruns the benches with another seed.
PS2_SEED ?= 1

# At the boards' 12 MHz; and at 2 MHz for the long overflow run (10,000
# events at 30 a second: 333 s of simulated time).
$(eval $(call VTB,ps2_keyboard,ps2_keyboard,rtl/ps2_keyboard.v rtl/ps2_host.v rtl/ps2_kbd_ctrl.v rtl/ps2_kbd_buf.v rtl/ps2_kbd_regs.v rtl/chan_buf.v,tests/rtl/ps2_keyboard_tb.cpp,-GCLK_HZ=12000000 -GDEPTH=2048 -CFLAGS -DTB_CLK_HZ=12000000 -CFLAGS -DTB_DEPTH=2048 -CFLAGS -I$(abspath sim)))
$(eval $(call VTB,ps2_keyboard_2m,ps2_keyboard,rtl/ps2_keyboard.v rtl/ps2_host.v rtl/ps2_kbd_ctrl.v rtl/ps2_kbd_buf.v rtl/ps2_kbd_regs.v rtl/chan_buf.v,tests/rtl/ps2_keyboard_tb.cpp,-GCLK_HZ=2000000 -GDEPTH=2048 -CFLAGS -DTB_CLK_HZ=2000000 -CFLAGS -DTB_DEPTH=2048 -CFLAGS -I$(abspath sim)))
$(BUILD)/tb/ps2_keyboard/Vps2_keyboard $(BUILD)/tb/ps2_keyboard_2m/Vps2_keyboard: sim/ps2/ps2_kbd.h mk/ps2.mk

PS2_TB    := $(BUILD)/tb/ps2_keyboard/Vps2_keyboard
PS2_TB_2M := $(BUILD)/tb/ps2_keyboard_2m/Vps2_keyboard

TESTS += test-ps2 test-ps2-overflow test-formal-ps2 test-kbd-decode
.PHONY: test-ps2 test-ps2-overflow test-formal-ps2 test-kbd-decode

test-ps2: $(PS2_TB)
	@scripts/runtest ps2 sh -c 'for m in proto faults tx noise; do $< $$m $(PS2_SEED) || exit 1; done'

test-ps2-overflow: $(PS2_TB_2M)
	@scripts/runtest ps2-overflow $< overflow $(PS2_SEED)

test-formal-ps2:
	@scripts/runtest formal-ps2 tests/formal/ps2_formal

# The set-2 decoder against its own list of the keys (by HID usage, Linux
# codes from <linux/input-event-codes.h>), under the sanitizers.
$(BUILD)/tests/test_kbd_decode: tests/host/test_kbd_decode.c host/src/kbd_decode.c host/src/kbd_decode.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_WFLAGS) -O1 -g $(SAN_FLAGS) -Ihost/src -o $@ tests/host/test_kbd_decode.c host/src/kbd_decode.c
# ... and a copy with two keys' codes swapped must fail it.
$(BUILD)/tests/test_kbd_decode_broken: tests/host/test_kbd_decode.c host/src/kbd_decode.c host/src/kbd_decode.h
	@mkdir -p $(BUILD)/tests/kbd_broken
	sed 's/{0, 0x1C, P_KBD, 0x04, 30, "A"}, {0, 0x32, P_KBD, 0x05, 48, "B"}/{0, 0x32, P_KBD, 0x04, 30, "A"}, {0, 0x1C, P_KBD, 0x05, 48, "B"}/' \
	    host/src/kbd_decode.c >$(BUILD)/tests/kbd_broken/kbd_decode.c
	! cmp -s host/src/kbd_decode.c $(BUILD)/tests/kbd_broken/kbd_decode.c
	$(CC) $(HOST_WFLAGS) -O1 -Ihost/src -o $@ tests/host/test_kbd_decode.c $(BUILD)/tests/kbd_broken/kbd_decode.c
test-kbd-decode: $(BUILD)/tests/test_kbd_decode $(BUILD)/tests/test_kbd_decode_broken
	@scripts/runtest kbd-decode sh -c '$< && if $(BUILD)/tests/test_kbd_decode_broken >/dev/null 2>&1; \
	    then echo "a table with two keys swapped passed"; exit 1; else echo "broken table caught"; fi'
