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
# Verilator's own optimiser at -O3; the generated C++ at -O2 (SIM_VERILATE
# below: Verilator's makefile would otherwise compile the model at -Os,
# about 30 % slower).
SIM_VFLAGS  := -O3
# Waveform code (--trace): in every build but the profile-guided ones, which
# leave it to their traced twins (make sim-trace) for speed.
SIM_TRACE   := --trace-fst
SIM_DEPS    := $(SIM_RTL) $(wildcard rtl/*.vh) $(SIM_CPP) $(SIM_HDR) rtl/verilator.vlt mk/sim.mk

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
	@$(call SIM_VERILATE,$(1),$(2),$(SIM_TRACE) $(3),$(4),$(5),$(6),$(7),-O2,) >$(2)/build.log 2>&1 || { cat $(2)/build.log; exit 1; }
endef
# The Verilator command itself; $(8) the model's and harness's optimisation
# (Verilator's OPT_FAST), $(9) more link flags.
SIM_VERILATE = $(VERILATOR) $(VFLAGS) $(SIM_VFLAGS) $(3) -MAKEFLAGS "OPT_FAST=$(subst $(space),\$(space),$(8)) OPT_GLOBAL=-O2 OPT_SLOW=-O1" \
	    --cc --exe --build -j $(JOBS) -Mdir $(2) --prefix Vtop \
	    --top-module $(or $(4),icestick_top) $(SIM_RTL) $(abspath $(SIM_CPP) $(6)) -o $(abspath $(1)) \
	    -CFLAGS "$(or $(5),$(SIM_DEFS_icestick))" $(if $(7)$(9),-LDFLAGS "$(strip $(9) $(7))")
space := $(subst ,, )

# A profile-guided build (gcc -O3 with -fprofile-generate, then -fprofile-use) of the
# virtual boards the tests, the demo and the benchmarks run most: the model
# and the harness are built instrumented, run (scripts/sim-train: an idle
# stretch and a loopback through the real host tool), and built again with
# the profile. Without waveform code: `--trace` runs the board's traced
# twin, BINARY-trace (make sim-trace). The profile and the objects stay in
# the build directory; SIM_PGO=0 builds without the profile.
SIM_PGO ?= 1
SIM_PGO_DIR = $(abspath $(2))/pgo
define SIM_BUILD_PGO
	@mkdir -p $(2) $(dir $(1))
	@echo "  VERILATE $(1)$(if $(filter 1,$(SIM_PGO)), (profile-guided))"
	@rm -rf $(SIM_PGO_DIR) && rm -f $(2)/*.o $(2)/*.a
	@$(if $(filter 1,$(SIM_PGO)),\
	  $(call SIM_VERILATE,$(1),$(2),$(3),$(4),$(5),$(6),$(7),-O3 -fprofile-generate=$(SIM_PGO_DIR) -fprofile-update=single,-fprofile-generate) \
	    >$(2)/build.log 2>&1 || { cat $(2)/build.log; exit 1; }; \
	  scripts/sim-train $(1) $(BUILD)/bin/icebuf >$(2)/train.log 2>&1 || { cat $(2)/train.log; exit 1; }; \
	  rm -f $(2)/*.o $(2)/*.a; \
	  $(call SIM_VERILATE,$(1),$(2),$(3),$(4),$(5),$(6),$(7),-O3 -fprofile-use=$(SIM_PGO_DIR) -fprofile-partial-training -Wno-missing-profile,) \
	    >>$(2)/build.log 2>&1 || { cat $(2)/build.log; exit 1; },\
	  $(call SIM_VERILATE,$(1),$(2),$(3),$(4),$(5),$(6),$(7),-O2,) >$(2)/build.log 2>&1 || { cat $(2)/build.log; exit 1; })
endef

$(BUILD)/bin/icebuf-sim: $(SIM_DEPS) scripts/sim-train | $(BUILD)/bin/icebuf
	$(call SIM_BUILD_PGO,$@,$(BUILD)/sim/obj)

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
$(BUILD)/bin/icebuf-sim-icebreaker: $(SIM_DEPS) scripts/sim-train | $(BUILD)/bin/icebuf
	$(call SIM_BUILD_PGO,$@,$(BUILD)/sim/obj-icebreaker,,icebreaker_top,$(SIM_DEFS_icebreaker) $(SIM_MON_CFLAGS),$(SIM_MON_CPP),$(SIM_MON_LIBS))

# The iCEBreaker top with the test modes its bitstream leaves out (for the
# video's room): the link's tests and benchmarks at 12 Mbaud use them.
$(BUILD)/bin/icebuf-sim-icebreaker-testmodes: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-icebreaker-testmodes,-GTEST_MODES=1,icebreaker_top,$(SIM_DEFS_icebreaker) $(SIM_MON_CFLAGS),$(SIM_MON_CPP),$(SIM_MON_LIBS))

# Their traced twins, which `--trace` on the profile-guided boards runs.
$(BUILD)/bin/icebuf-sim-trace: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-trace)
$(BUILD)/bin/icebuf-sim-icebreaker-trace: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-icebreaker-trace,,icebreaker_top,$(SIM_DEFS_icebreaker) $(SIM_MON_CFLAGS),$(SIM_MON_CPP),$(SIM_MON_LIBS))

# The iCEstick top with the keyboard its HX1K has no room for, on two PS/2
# lines the top has only under ICESTICK_PS2_PINS: the keyboard's latency at
# 3 Mbaud is measured on it (mk/kbd-latency.mk).
SIM_DEFS_icestick_kbd := $(SIM_DEFS_icestick) -DSIM_PS2
$(BUILD)/tests/icebuf-sim-icestick-kbd: $(SIM_DEPS)
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-icestick-kbd,-GKEYBOARD=1 +define+ICESTICK_PS2_PINS,icestick_top,$(SIM_DEFS_icestick_kbd))

sim: $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf-sim-icebreaker $(BUILD)/bin/icebuf-sim-testmodes \
     $(BUILD)/bin/icebuf-sim-icebreaker-testmodes
sim-trace: $(BUILD)/bin/icebuf-sim-trace $(BUILD)/bin/icebuf-sim-icebreaker-trace
.PHONY: sim sim-trace

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

TESTS += test-sim-uart test-sim-harness test-sim-stall test-sim-trace
test-sim-uart: $(SIM_TESTS)/ftdi_uart_test
	@scripts/runtest sim-uart $<
test-sim-harness: $(SIM_TESTS)/harness_test $(BUILD)/bin/icebuf-sim $(BUILD)/tests/icebuf-sim-badver \
                  $(BUILD)/tests/icebuf-sim-badid
	@scripts/runtest sim-harness $< $(BUILD)/bin/icebuf-sim $(BUILD)/tests/icebuf-sim-badver \
	    $(BUILD)/tests/icebuf-sim-badid
# A loopback through the real host library while the FTDI's host side stalls.
test-sim-stall: $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf
	@scripts/runtest sim-stall tests/sim/stall.sh
# --trace on the fast board: its traced twin writes the waveform; without
# the twin, a clear error.
test-sim-trace: $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf-sim-trace
	@scripts/runtest sim-trace tests/sim/trace.sh $(BUILD)/bin/icebuf-sim
.PHONY: test-sim-uart test-sim-harness test-sim-stall test-sim-trace

# The host on the board's clock (tests/sim/boardtime.sh): the e2e tests on a
# board throttled to 0.05 x real time, six boards at once, a board frozen
# with SIGSTOP.
BOARDTIME_MODES := slow crowd sigstop
TESTS += $(addprefix test-sim-,$(BOARDTIME_MODES))
$(addprefix test-sim-,$(BOARDTIME_MODES)): test-sim-%: $(E2E_BIN) $(SIMS) $(BUILD)/bin/icebuf
	@scripts/runtest sim-$* tests/sim/boardtime.sh $*
.PHONY: $(addprefix test-sim-,$(BOARDTIME_MODES))
