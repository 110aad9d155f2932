# FIFO cores: test benches, formal proof, block-RAM and Fmax check.

FIFO_SYNC_DEPTHS := 2 4 16 512
$(foreach d,$(FIFO_SYNC_DEPTHS),$(eval $(call VTB,fifo_sync_$(d),fifo_sync,rtl/fifo_sync.v,tests/rtl/fifo_sync_tb.cpp,-GDEPTH=$(d) -GWIDTH=8 -CFLAGS -DTB_DEPTH=$(d))))

TESTS += test-fifo-sync
test-fifo-sync: $(foreach d,$(FIFO_SYNC_DEPTHS),$(BUILD)/tb/fifo_sync_$(d)/Vfifo_sync)
	@scripts/runtest fifo-sync sh -c '$(foreach d,$(FIFO_SYNC_DEPTHS),$(BUILD)/tb/fifo_sync_$(d)/Vfifo_sync 1000000 &&) true'

$(eval $(call VTB,fifo_async,fifo_async,rtl/fifo_async.v,tests/rtl/fifo_async_tb.cpp,-GDEPTH=16 -CFLAGS -DTB_DEPTH=16))
TESTS += test-fifo-async
test-fifo-async: $(BUILD)/tb/fifo_async/Vfifo_async
	@scripts/runtest fifo-async $<

TESTS += test-formal-fifo-sync
test-formal-fifo-sync:
	@scripts/runtest formal-fifo-sync scripts/formal-fifo-sync

TESTS += test-fifo-bram-fmax
test-fifo-bram-fmax:
	@scripts/runtest fifo-bram-fmax scripts/fifo-bram-fmax
