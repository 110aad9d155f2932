# The virtual boards: build/bin/icebuf-sim, Verilator around icestick_top, and
# build/bin/icebuf-sim-icebreaker around icebreaker_top.
#
# The board's clock and baud rate, for the harness, set here and nowhere else
# on the C++ side; they must be those icestick_top gives icebuf_core (the
# harness self-test reads the gateware's CLK_HZ and BAUD registers and checks).
SIM_CLK_HZ  := 12000000
SIM_BAUD    := 3000000
# What the harness is compiled with for each board (clock, baud, top's inputs).
SIM_DEFS_icestick   := -DSIM_CLK_HZ=$(SIM_CLK_HZ) -DSIM_BAUD=$(SIM_BAUD)
# The iCEBreaker: the pad at 12 MHz, the PLL's 50.25 MHz (the UART's clock,
# the harness's) driven beside it (sim/icebuf_sim.cpp), a keyboard model on
# the PS/2 pins and the virtual monitor on the DVI pins.
SIM_DEFS_icebreaker := -DSIM_CLK_HZ=50250000 -DSIM_PAD_HZ=12000000 -DSIM_BAUD=12000000 -DSIM_TOP_ICEBREAKER -DSIM_PS2

SIM_RTL     := $(wildcard rtl/*.v) $(wildcard rtl/boards/*.v) $(wildcard sim/models/*.v)
SIM_CPP     := $(wildcard sim/*.cpp)
SIM_HDR     := $(wildcard sim/*.h) $(wildcard sim/ps2/*.h)
# Verilator's own optimiser at -O3; the generated C++ at -O2 (Verilator's
# makefile would otherwise compile the model at -Os, about 30 % slower).
SIM_VFLAGS  := --trace-fst -O3 \
               -MAKEFLAGS "OPT_FAST=-O2 OPT_GLOBAL=-O2 OPT_SLOW=-O1"
SIM_DEPS    := $(SIM_RTL) $(SIM_CPP) $(SIM_HDR) rtl/verilator.vlt mk/sim.mk

# The virtual monitor (sim/video/), built into the tops with video: libpng
# for its frames, SDL2 for its window where pkg-config finds it.
SIM_MON_SDL    := $(shell pkg-config --exists sdl2 2>/dev/null && echo yes)
SIM_MON_CFLAGS := -DSIM_VIDEO $(shell pkg-config --cflags libpng 2>/dev/null) \
                  $(if $(SIM_MON_SDL),-DHAVE_SDL2 $(shell pkg-config --cflags sdl2))
SIM_MON_LIBS   := $(shell pkg-config --libs libpng 2>/dev/null) $(if $(SIM_MON_SDL),$(shell pkg-config --libs sdl2))
SIM_MON_CPP    := sim/video/monitor.cpp
SIM_DEPS       += $(SIM_MON_CPP) sim/video/monitor.h

# $(call SIM_BUILD,output,dir,extra verilator flags[,top module[,C++ defines[,C++ sources, libraries]]])
define SIM_BUILD
	@mkdir -p $(2) $(dir $(1))
	@echo "  VERILATE $(1)"
	@$(VERILATOR) $(VFLAGS) $(SIM_VFLAGS) $(3) --cc --exe --build -j $(JOBS) -Mdir $(2) --prefix Vtop \
	    --top-module $(or $(4),icestick_top) $(SIM_RTL) $(abspath $(SIM_CPP) $(6)) -o $(abspath $(1)) \
	    -CFLAGS "$(or $(5),$(SIM_DEFS_icestick))" $(if $(7),-LDFLAGS "$(7)") \
	    >$(2)/build.log 2>&1 || { cat $(2)/build.log; exit 1; }
endef

$(BUILD)/bin/icebuf-sim: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj)

# Gateware with the wrong version and the wrong ID (top-level parameters of
# icestick_top), for the tests that check the host refuses it.
$(BUILD)/tests/icebuf-sim-badver: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-badver,-GVERSION=32\'h00030000)

$(BUILD)/tests/icebuf-sim-badid: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-badid,-GID=32\'h12345678)

# The iCEstick top with the stream channel's test modes (sink, source) that
# its HX1K build leaves out: the link's one-way efficiencies at 3 Mbaud are
# measured on it (make bench), and the test modes tested.
$(BUILD)/bin/icebuf-sim-testmodes: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-testmodes,-GTEST_MODES=1)

# The iCEBreaker top: its pad clock driven at the PLL's 48 MHz (the PLL model
# divides it back to 12 MHz for the link, sim/models/), the UART at 12 Mbaud.
$(BUILD)/bin/icebuf-sim-icebreaker: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-icebreaker,,icebreaker_top,$(SIM_DEFS_icebreaker) $(SIM_MON_CFLAGS),$(SIM_MON_CPP),$(SIM_MON_LIBS))

# The iCEBreaker top with the test modes its bitstream leaves out (for the
# video's room): the link's tests and benchmarks at 12 Mbaud use them.
$(BUILD)/bin/icebuf-sim-icebreaker-testmodes: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-icebreaker-testmodes,-GTEST_MODES=1,icebreaker_top,$(SIM_DEFS_icebreaker) $(SIM_MON_CFLAGS),$(SIM_MON_CPP),$(SIM_MON_LIBS))

# The iCEstick top with the keyboard its HX1K has no room for, on two PS/2
# lines the top has only under ICESTICK_PS2_PINS: the keyboard's latency at
# 3 Mbaud is measured on it (mk/kbd-latency.mk).
SIM_DEFS_icestick_kbd := $(SIM_DEFS_icestick) -DSIM_PS2
$(BUILD)/tests/icebuf-sim-icestick-kbd: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-icestick-kbd,-GKEYBOARD=1 +define+ICESTICK_PS2_PINS,icestick_top,$(SIM_DEFS_icestick_kbd))

sim: $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf-sim-icebreaker $(BUILD)/bin/icebuf-sim-testmodes \
     $(BUILD)/bin/icebuf-sim-icebreaker-testmodes
.PHONY: sim

# ---- self-tests of the harness (tests/sim/)

SIM_TESTS := $(BUILD)/tests/sim

# The FTDI model alone, against itself and its specification: no Verilator.
$(SIM_TESTS)/ftdi_uart_test: tests/sim/ftdi_uart_test.cpp sim/ftdi_uart.h mk/sim.mk
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -O1 -g $(SAN_FLAGS) -Isim -o $@ $<

# A client of the real binaries: options, the port line, connections, bytes
# through the real gateware, faults, exit paths.
$(SIM_TESTS)/harness_test: tests/sim/harness_test.c mk/sim.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_WFLAGS) -O1 -g $(SAN_FLAGS) -o $@ $<

TESTS += test-sim-uart test-sim-harness test-sim-stall
test-sim-uart: $(SIM_TESTS)/ftdi_uart_test
	@scripts/runtest sim-uart $<
test-sim-harness: $(SIM_TESTS)/harness_test $(BUILD)/bin/icebuf-sim $(BUILD)/tests/icebuf-sim-badver \
                  $(BUILD)/tests/icebuf-sim-badid
	@scripts/runtest sim-harness $< $(BUILD)/bin/icebuf-sim $(BUILD)/tests/icebuf-sim-badver \
	    $(BUILD)/tests/icebuf-sim-badid
# A loopback through the real host library while the FTDI's host side stalls.
test-sim-stall: $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf
	@scripts/runtest sim-stall tests/sim/stall.sh
.PHONY: test-sim-uart test-sim-harness test-sim-stall

# The host on the board's clock (tests/sim/boardtime.sh): the e2e tests on a
# board throttled to 0.05 x real time, six boards at once, a board frozen
# with SIGSTOP.
BOARDTIME_MODES := slow crowd sigstop
TESTS += $(addprefix test-sim-,$(BOARDTIME_MODES))
$(addprefix test-sim-,$(BOARDTIME_MODES)): test-sim-%: $(E2E_BIN) $(SIMS) $(BUILD)/bin/icebuf
	@scripts/runtest sim-$* tests/sim/boardtime.sh $*
.PHONY: $(addprefix test-sim-,$(BOARDTIME_MODES))
