# FIFO cores: Verilator benches against C++ models (several depths each),
# formal proofs with Yosys `sat`, and the block-RAM / Fmax check against a
# naive FIFO.
#   make test-fifo-sync test-fifo-async test-formal-fifo-sync
#        test-formal-fifo-async test-fifo-bram-fmax
#   make bench-fpga-fifo     (part of `make bench`)
# FIFO_SEED=N reruns the benches with another seed.

FIFO_DEPTHS := 2 4 16 512
FIFO_SEED   ?= 1

# One bench binary per DEPTH: $(BUILD)/tb/fifo_sync_dN/Vfifo_sync and
# $(BUILD)/tb/fifo_async_dN/Vfifo_async.
define FIFO_TBS
$$(eval $$(call VTB,fifo_$(1)_d$(2),fifo_$(1),rtl/fifo_$(1).v,tests/rtl/fifo_$(1)_tb.cpp,-GDEPTH=$(2) -CFLAGS -DFIFO_DEPTH=$(2)))
$(BUILD)/tb/fifo_$(1)_d$(2)/Vfifo_$(1): tests/rtl/fifo_tb_util.h mk/fifo.mk
endef
$(foreach d,$(FIFO_DEPTHS),$(eval $(call FIFO_TBS,sync,$(d))))
$(foreach d,$(FIFO_DEPTHS),$(eval $(call FIFO_TBS,async,$(d))))

FIFO_SYNC_TBS  := $(foreach d,$(FIFO_DEPTHS),$(BUILD)/tb/fifo_sync_d$(d)/Vfifo_sync)
FIFO_ASYNC_TBS := $(foreach d,$(FIFO_DEPTHS),$(BUILD)/tb/fifo_async_d$(d)/Vfifo_async)

TESTS += test-fifo-sync test-fifo-async test-formal-fifo-sync test-formal-fifo-async test-fifo-bram-fmax
.PHONY: test-fifo-sync test-fifo-async test-formal-fifo-sync test-formal-fifo-async \
        test-fifo-bram-fmax bench-fpga-fifo

# The benches at every depth, then the parameter checks (illegal WIDTH or
# DEPTH must stop Yosys, Verilator and Icarus at elaboration).
test-fifo-sync: $(FIFO_SYNC_TBS)
	@scripts/runtest fifo-sync sh -c 'for t in $(FIFO_SYNC_TBS); do $$t --seed $(FIFO_SEED) || exit 1; done \
	    && tests/rtl/fifo_param_check sync'

test-fifo-async: $(FIFO_ASYNC_TBS)
	@scripts/runtest fifo-async sh -c 'for t in $(FIFO_ASYNC_TBS); do $$t --seed $(FIFO_SEED) || exit 1; done \
	    && tests/rtl/fifo_param_check async'

test-formal-fifo-sync:
	@scripts/runtest formal-fifo-sync tests/formal/fifo_formal sync

test-formal-fifo-async:
	@scripts/runtest formal-fifo-async tests/formal/fifo_formal async

test-fifo-bram-fmax:
	@scripts/runtest fifo-bram-fmax tests/fpga/fifo_bram_fmax

# LCs, block RAMs and Fmax of both FIFOs (8 x 512) on the HX1K.
BENCHES += bench-fpga-fifo
bench-fpga-fifo:
	@mkdir -p $(BUILD)/bench/parts
	@tests/fpga/fifo_bram_fmax --bench $(BUILD)/bench/parts/fpga-fifo.txt
