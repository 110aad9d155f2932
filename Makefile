# icebuf — the one entry point. `make help` lists the targets.
#
# Each part of the project keeps its rules in mk/*.mk; this file holds what
# they share. A test is a phony target named test-* that runs its command
# through scripts/runtest and is added to TESTS; `make test` runs them all
# (make -k, so one failure does not hide the others) and ends with the line
# "N passed, N failed".

SHELL       := /bin/bash
BUILD       ?= build
export BUILD
JOBS        ?= $(shell nproc 2>/dev/null || echo 2)
BOARD       ?= icestick

VERILATOR   ?= verilator
# -Wall everywhere; warnings we accept on purpose are waived, with reasons, in
# rtl/verilator.vlt rather than scattered through the sources.
VFLAGS      := -Wall --x-assign unique --x-initial unique -Irtl rtl/verilator.vlt \
               -CFLAGS "-O2 -std=c++17" --Wno-fatal
VLINT       := $(VERILATOR) --lint-only -Wall -Irtl rtl/verilator.vlt

CC          ?= cc
CXX         ?= c++

TESTS       :=
BENCHES     :=

.PHONY: all help deps demo test test-hw bench fuzz sim bitstream prog install clean lint
all: host sim

help:
	@echo "make deps                      install the Debian packages icebuf needs"
	@echo "make demo                      build everything and run it on the virtual board"
	@echo "make test                      every test (unit, test benches, formal, lint, e2e on the virtual board, bitstreams)"
	@echo "make test-hw ICEBUF_DEVICE=ftdi://   the end-to-end tests on a real board"
	@echo "make bitstream BOARD=icestick|icebreaker   build build/BOARD/icebuf.bin"
	@echo "make prog BOARD=…              program the board with iceprog"
	@echo "make sim                       build the virtual boards: build/bin/icebuf-sim (iCEstick top),"
	@echo "                               build/bin/icebuf-sim-icebreaker (iCEBreaker top: 12 Mbaud, keyboard,"
	@echo "                               video on a virtual monitor: --frames DIR, --window)"
	@echo "make sim-gl BOARD=…            build/bin/icebuf-sim-gl-BOARD: the virtual board around the bitstream's netlist"
	@echo "make host                      build libicebuf and build/bin/icebuf"
	@echo "make bench                     benchmarks, table + build/bench/results.json"
	@echo "make fuzz                      10 minutes of libFuzzer on the host's frame decoder"
	@echo "make lint                      verilator --lint-only -Wall and iverilog on every module"
	@echo "make install PREFIX=…          install library, header, pkg-config file and tools"

# A Verilator C++ test bench: $(eval $(call VTB,name,top,rtl files,c++ files,extra flags))
# builds $(BUILD)/tb/name/Vtop.
define VTB
$(BUILD)/tb/$(1)/V$(2): $(3) $(4) rtl/verilator.vlt
	@mkdir -p $(BUILD)/tb/$(1)
	@echo "  VERILATE $(1)"
	@$(VERILATOR) $(VFLAGS) --cc --exe --build -j $(JOBS) -Mdir $(BUILD)/tb/$(1) \
	    --top-module $(2) $(5) $(3) $(abspath $(4)) -o V$(2) \
	    >$(BUILD)/tb/$(1)/build.log 2>&1 || { cat $(BUILD)/tb/$(1)/build.log; exit 1; }
endef

include mk/deps.mk
include mk/host.mk
include $(filter-out mk/deps.mk mk/host.mk,$(wildcard mk/*.mk))


test: deps
	@rm -rf $(BUILD)/tests/results
	@$(MAKE) --no-print-directory -k -j$(JOBS) $(TESTS) || true
	@scripts/testsummary $(TESTS)

clean:
	rm -rf $(BUILD)
