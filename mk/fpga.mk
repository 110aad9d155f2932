# Bitstreams: yosys -> nextpnr-ice40 -> icepack, with a report that fails the
# build when the design does not fit or misses timing.
#   make bitstream BOARD=icestick|icebreaker     build/BOARD/icebuf.bin
#   make prog BOARD=...                          program it with iceprog

BOARDS := icestick icebreaker
NEXTPNR_icestick   := --hx1k --package tq144
NEXTPNR_icebreaker := --up5k --package sg48
CLK_MHZ_icestick   := 12
CLK_MHZ_icebreaker := 12
SEED ?= 1
# Yosys's technology mapping: the iCEBreaker's with ABC9, which maps for
# delay: its 50.25 MHz UART domain had 43.7-54.8 MHz post-route over seeds
# 1-4 with the default mapping (failing at two of them), 58.7 MHz at each
# with ABC9, and the 12 MHz system domain 15-17 against 21-21.7 MHz, in the
# same number of cells (about 4640 of 5280). The iCEstick's, which must fit
# the HX1K and has a single 12 MHz clock, with the default.
SYNTH_icestick   :=
SYNTH_icebreaker := -abc9
# Sources each top is synthesised from. The iCEstick's has no UART clock
# domain (fifo_async), no keyboard and no video: reading those files anyway
# changes how ABC maps the rest of a design that fills the HX1K (Yosys 0.23,
# on one version of the design: 1241 LCs without them; 1274, and no legal
# placement, with them; ABC's result moves by some 20 LCs either way with
# any change to the sources).
FPGA_RTL_SKIP_icestick := rtl/fifo_async.v $(wildcard rtl/ps2_*.v rtl/video_*.v)
FPGA_RTL = $(filter-out $(FPGA_RTL_SKIP_$(1)),$(wildcard rtl/*.v)) rtl/boards/$(1)_top.v $(wildcard rtl/ice40/*.v)

define BOARD_RULES
$(BUILD)/$(1)/icebuf.json: $(call FPGA_RTL,$(1)) $(wildcard rtl/*.vh) mk/fpga.mk
	@mkdir -p $$(dir $$@)
	@echo "  YOSYS    $$@"
	@yosys -q -l $(BUILD)/$(1)/yosys.log -p "read_verilog -Irtl $(call FPGA_RTL,$(1)); synth_ice40 $(SYNTH_$(1)) -top $(1)_top -json $$@" \
	    || { tail -20 $(BUILD)/$(1)/yosys.log; exit 1; }

$(BUILD)/$(1)/icebuf.asc: $(BUILD)/$(1)/icebuf.json constraints/$(1).pcf $(wildcard constraints/$(1).pre.py)
	@echo "  NEXTPNR  $$@"
	@nextpnr-ice40 -q $(NEXTPNR_$(1)) --pcf constraints/$(1).pcf --freq $(CLK_MHZ_$(1)) --seed $(SEED) \
	    $(if $(wildcard constraints/$(1).pre.py),--pre-pack constraints/$(1).pre.py) \
	    --json $$< --asc $$@.tmp --report $(BUILD)/$(1)/report.json -l $(BUILD)/$(1)/nextpnr.log \
	    || { tail -20 $(BUILD)/$(1)/nextpnr.log; echo "bitstream: $(1): place and route failed (does the design fit?)"; exit 1; }
	@mv $$@.tmp $$@

$(BUILD)/$(1)/icebuf.bin: $(BUILD)/$(1)/icebuf.asc scripts/fpga-report
	@scripts/fpga-report $(1) $(BUILD)/$(1)

	@icepack $$< $$@
	@echo "bitstream: $$@"
endef
$(foreach b,$(BOARDS),$(eval $(call BOARD_RULES,$(b))))
.SECONDARY:

check-board:
	@case " $(BOARDS) " in *" $(BOARD) "*) ;; \
	 *) echo "unknown BOARD '$(BOARD)': choose one of: $(BOARDS)" >&2; exit 2;; esac

bitstream: check-board
	@$(MAKE) --no-print-directory $(BUILD)/$(BOARD)/icebuf.bin

prog: bitstream
	iceprog $(BUILD)/$(BOARD)/icebuf.bin

# Both bitstreams build, fit and meet timing (scripts/fpga-report fails the
# build otherwise).
TESTS += test-bitstream-icestick test-bitstream-icebreaker
test-bitstream-%:
	@scripts/runtest bitstream-$* $(MAKE) --no-print-directory bitstream BOARD=$*

.PHONY: bitstream prog check-board
