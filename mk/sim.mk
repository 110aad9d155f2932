# The virtual board: build/bin/icebuf-sim, Verilator around icestick_top.

SIM_CLK_HZ  := 12000000
SIM_BAUD    := 3000000
SIM_RTL     := $(wildcard rtl/*.v) rtl/boards/icestick_top.v $(wildcard sim/models/*.v)
SIM_CPP     := sim/icebuf_sim.cpp
SIM_VFLAGS  := --trace-fst -O3 -CFLAGS "-O2 -DSIM_CLK_HZ=$(SIM_CLK_HZ) -DSIM_BAUD=$(SIM_BAUD)" -LDFLAGS -pthread

# $(call SIM_BUILD,output,dir,extra verilator flags)
define SIM_BUILD
	@mkdir -p $(2) $(dir $(1))
	@echo "  VERILATE $(1)"
	@$(VERILATOR) $(VFLAGS) $(SIM_VFLAGS) $(3) --cc --exe --build -j $(JOBS) -Mdir $(2) \
	    --top-module icestick_top $(SIM_RTL) $(abspath $(SIM_CPP)) -o $(abspath $(1)) \
	    >$(2)/build.log 2>&1 || { cat $(2)/build.log; exit 1; }
endef

$(BUILD)/bin/icebuf-sim: $(SIM_RTL) $(SIM_CPP) rtl/verilator.vlt mk/sim.mk
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj)

# Gateware with the wrong version and the wrong ID, for the tests that check
# the host refuses it.
$(BUILD)/tests/icebuf-sim-badver: $(SIM_RTL) $(SIM_CPP) rtl/verilator.vlt mk/sim.mk
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-badver,-GVERSION=32\'h00020000)

$(BUILD)/tests/icebuf-sim-badid: $(SIM_RTL) $(SIM_CPP) rtl/verilator.vlt mk/sim.mk
	$(call SIM_BUILD,$@,$(BUILD)/sim/obj-badid,-GID=32\'h12345678)

sim: $(BUILD)/bin/icebuf-sim
.PHONY: sim
