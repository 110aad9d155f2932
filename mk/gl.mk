# The gate-level virtual boards: the netlist that goes into each bitstream
# (Yosys's output, build/BOARD/icebuf.json, as Verilog), with Yosys's own
# simulation models of the iCE40 cells, under the same harness as the RTL
# virtual board. The end-to-end tests run on it, so what synthesis made of the
# RTL (block RAM inference, constant registers, initial values) is tested, not
# assumed. About 30 times slower than the RTL board.
#   make sim-gl BOARD=icestick|icebreaker    build/bin/icebuf-sim-gl-BOARD

YOSYS_DATDIR ?= /usr/share/yosys
GL := $(BUILD)/gl

# Yosys's cell library, less the PLL it leaves empty and the SB_IO whose
# registered paths Verilator cannot take at a top-level inout (sim/models/gl/
# has both).
$(GL)/cells_sim.v: $(YOSYS_DATDIR)/ice40/cells_sim.v mk/gl.mk
	@mkdir -p $(dir $@)
	@awk '/^module (SB_PLL40_2_PAD|SB_IO)[ (]/ { skip = 1 } !skip { print } skip && /^endmodule/ { skip = 0 }' $< >$@.tmp
	@grep -q '^module SB_RAM40_4K' $@.tmp && ! grep -qE '^module (SB_PLL40_2_PAD|SB_IO)[ (]' $@.tmp && mv $@.tmp $@

$(GL)/%_netlist.v: $(BUILD)/%/icebuf.json
	@mkdir -p $(dir $@)
	@yosys -q -p "read_json $<; write_verilog -noattr $@"

# Netlist and cell models are not ours to lint: warnings off. No keyboard
# model (SIM_PS2): it reads the RTL model's open-drain enables, which a
# netlist does not have; the PS/2 lines stay idle.
$(BUILD)/bin/icebuf-sim-gl-%: $(GL)/%_netlist.v $(GL)/cells_sim.v sim/models/gl/sb_pll40_2_pad.v sim/models/gl/sb_io.v sim/models/ice40_pll_2pad.v \
                          $(wildcard sim/*.cpp sim/*.h) mk/gl.mk
	@mkdir -p $(GL)/obj-$* $(dir $@)
	@echo "  VERILATE $@"
	@$(VERILATOR) -Wno-fatal -Wno-lint -Wno-style -Wno-TIMESCALEMOD -Wno-MULTIDRIVEN $(SIM_VFLAGS) $(SIM_TRACE) \
	    -MAKEFLAGS "OPT_FAST=-O2 OPT_GLOBAL=-O2 OPT_SLOW=-O1" --cc --exe --build -j $(JOBS) -Mdir $(GL)/obj-$* --prefix Vtop --top-module $*_top \
	    -DNO_ICE40_DEFAULT_ASSIGNMENTS $(GL)/cells_sim.v sim/models/gl/sb_pll40_2_pad.v sim/models/gl/sb_io.v \
	    sim/models/ice40_pll_2pad.v $< \
	    $(abspath $(wildcard sim/*.cpp)) -o $(abspath $@) -CFLAGS "-O2 -std=c++17 $(filter-out -DSIM_PS2,$(SIM_DEFS_$*))" \
	    >$(GL)/obj-$*/build.log 2>&1 || { tail -30 $(GL)/obj-$*/build.log; exit 1; }

sim-gl: check-board
	@$(MAKE) --no-print-directory $(BUILD)/bin/icebuf-sim-gl-$(BOARD)

# On each board's netlist: the e2e info test (registers, errors, a clean
# line), then a 1 MB loopback, as on the RTL board. A netlist runs at a few
# percent of real time, but the host times out on the board's clock
# (docs/sim.md), so the link's time-outs are those of a real board.
TESTS += test-gl-icestick test-gl-icebreaker
test-gl-%: $(BUILD)/bin/icebuf-sim-gl-% $(E2E_BIN) $(BUILD)/bin/icebuf
	@ICEBUF_DEVICE=sim ICEBUF_SIM=$< ICEBUF_SIM_ARGS=--fast scripts/runtest gl-$* \
	    sh -c '$(E2E_BIN) info && $(BUILD)/bin/icebuf loopback --bytes 1000000'

.PHONY: sim-gl
