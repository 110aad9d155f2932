# make bench: benchmarks, separate from the tests. Each benchmark is a phony
# target added to BENCHES that writes "key value unit description" lines to
# $(BUILD)/bench/parts/<name>.txt; scripts/bench-report turns them into a
# table on stdout and $(BUILD)/bench/results.json.

bench: deps
	@rm -rf $(BUILD)/bench/parts; mkdir -p $(BUILD)/bench/parts
	@$(MAKE) --no-print-directory -k $(BENCHES) || true
	@scripts/bench-report $(BUILD)/bench/parts $(BUILD)/bench/results.json

BENCH_PARTS = $(BUILD)/bench/parts

$(BUILD)/tests/bench_codec: tests/host/bench_codec.c host/src/codec.c host/src/codec.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_WFLAGS) -O2 -Ihost/src -o $@ tests/host/bench_codec.c host/src/codec.c

BENCHES += bench-codec bench-sim bench-fpga bench-link
bench-codec: $(BUILD)/tests/bench_codec
	@mkdir -p $(BENCH_PARTS) && $< >$(BENCH_PARTS)/codec.txt

# Simulation speed of every virtual board, RTL and gate level, idle line:
# clocks/s under Verilator (--fast), x real time, and x Icarus on the same top
# in the same run (tests/bench/top_tb.v). The iCEBreaker's clock is its PLL's
# 50.25 MHz, which the harness drives beside the 12 MHz pad.
$(BUILD)/bench/top_tb.vvp: tests/bench/top_tb.v $(SIM_RTL) $(wildcard rtl/*.vh)
	@mkdir -p $(dir $@)
	iverilog -g2005 -Irtl -s top_tb -o $@ tests/bench/top_tb.v $(SIM_RTL)
$(BUILD)/bench/top_tb_icebreaker.vvp: tests/bench/top_tb.v $(SIM_RTL) $(wildcard rtl/*.vh)
	@mkdir -p $(dir $@)
	iverilog -g2005 -Irtl -DTOP_ICEBREAKER -s top_tb -o $@ tests/bench/top_tb.v $(SIM_RTL)
bench-sim: $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf-sim-icebreaker $(BUILD)/bench/top_tb.vvp \
           $(BUILD)/bench/top_tb_icebreaker.vvp
	@mkdir -p $(BENCH_PARTS)
	@scripts/bench-sim icestick $(BUILD)/bin/icebuf-sim $(SIM_CLK_HZ) $(BUILD)/bench/top_tb.vvp \
	    icebreaker $(BUILD)/bin/icebuf-sim-icebreaker 50250000 $(BUILD)/bench/top_tb_icebreaker.vvp \
	    >$(BENCH_PARTS)/sim.txt

# The gate-level boards (mk/gl.mk): their netlists need the bitstream flow.
BENCHES += bench-sim-gl
bench-sim-gl: $(BUILD)/bin/icebuf-sim-gl-icestick $(BUILD)/bin/icebuf-sim-gl-icebreaker
	@mkdir -p $(BENCH_PARTS)
	@scripts/bench-sim gl_icestick $(BUILD)/bin/icebuf-sim-gl-icestick $(SIM_CLK_HZ) \
	    gl_icebreaker $(BUILD)/bin/icebuf-sim-gl-icebreaker 50250000 >$(BENCH_PARTS)/sim-gl.txt

# Logic cells, block RAMs and Fmax of every board top that fits.
bench-fpga:
	@mkdir -p $(BENCH_PARTS)
	@for b in $(BOARDS); do \
	    if $(MAKE) --no-print-directory bitstream BOARD=$$b >$(BUILD)/bench/fpga-$$b.log 2>&1; then \
	        awk -v b=$$b '/^logic cells/ { split($$3, a, "/"); print "fpga_" b "_lcs", a[1], "LCs", "of", a[2] } \
	                     /^block RAMs/  { split($$3, a, "/"); print "fpga_" b "_brams", a[1], "BRAMs", "of", a[2] } \
	                     /^Fmax/        { print "fpga_" b "_fmax_mhz_" $$2, $$3, "MHz", "post-route, needs", $$6, "MHz" }' \
	            $(BUILD)/$$b/summary.txt; \
	    else \
	        lc=$$(sed -n 's/.*ICESTORM_LC: *\([0-9]*\)\/ *\([0-9]*\).*/\1/p' $(BUILD)/$$b/nextpnr.log | head -n 1); \
	        echo "fpga_$${b}_lcs $$lc LCs does not fit"; \
	    fi; \
	done >$(BENCH_PARTS)/fpga.txt

bench-link: $(BUILD)/bin/icebuf $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf-sim-testmodes \
            $(BUILD)/bin/icebuf-sim-icebreaker-testmodes
	@mkdir -p $(BENCH_PARTS) && scripts/bench-link >$(BENCH_PARTS)/link.txt
