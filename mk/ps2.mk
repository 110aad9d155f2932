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
