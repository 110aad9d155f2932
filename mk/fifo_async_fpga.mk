# fifo_async on the HX1K: LCs and post-route Fmax with both clocks tied (the
# way tests/fpga/fifo_bram_fmax measures the FIFOs) and with each clock on a
# pin of its own (each clock's Fmax).
#   make bench-fpga-fifo-async     (part of `make bench`)
#   tests/fpga/fifo_async_fmax --anchors WB2AXIP_DIR VERILOG_AXIS_DIR
#                                  (the comparison in docs/fifo.md)
BENCHES += bench-fpga-fifo-async
.PHONY: bench-fpga-fifo-async
bench-fpga-fifo-async:
	@mkdir -p $(BUILD)/bench/parts
	@tests/fpga/fifo_async_fmax --bench $(BUILD)/bench/parts/fpga-fifo-async.txt
