# Link cores: the frame receiver against a model built on the host's codec
# (linked in as the library's own object file, compiled as C).

$(eval $(call VTB,link_rx,link_rx,rtl/link_rx.v,tests/rtl/link_rx_tb.cpp,-CFLAGS -I$(abspath host/src) -LDFLAGS $(abspath $(BUILD)/obj/lib/codec.o)))
$(BUILD)/tb/link_rx/Vlink_rx: $(BUILD)/obj/lib/codec.o rtl/crc32.vh rtl/icebuf_regs.vh
TESTS += test-link-rx
test-link-rx: $(BUILD)/tb/link_rx/Vlink_rx
	@scripts/runtest link-rx $< 20000

# The channel buffer against a model of its four pointers, at two depths.
CHAN_BUF_DEPTHS := 16 4096
$(foreach d,$(CHAN_BUF_DEPTHS),$(eval $(call VTB,chan_buf_$(d),chan_buf,rtl/chan_buf.v,tests/rtl/chan_buf_tb.cpp,-GDEPTH=$(d) -CFLAGS -DTB_DEPTH=$(d))))
TESTS += test-chan-buf
test-chan-buf: $(foreach d,$(CHAN_BUF_DEPTHS),$(BUILD)/tb/chan_buf_$(d)/Vchan_buf)
	@scripts/runtest chan-buf sh -c '$(foreach d,$(CHAN_BUF_DEPTHS),$(BUILD)/tb/chan_buf_$(d)/Vchan_buf 1000000 &&) true'

# The frame transmitter between a channel-buffer model and a host model.
$(eval $(call VTB,link_tx,link_tx,rtl/link_tx.v,tests/rtl/link_tx_tb.cpp,-GRETX_CYCLES=20000 -CFLAGS -I$(abspath host/src) -LDFLAGS $(abspath $(BUILD)/obj/lib/codec.o)))
$(BUILD)/tb/link_tx/Vlink_tx: $(BUILD)/obj/lib/codec.o rtl/crc32.vh rtl/icebuf_regs.vh
TESTS += test-link-tx
test-link-tx: $(BUILD)/tb/link_tx/Vlink_tx
	@scripts/runtest link-tx $< 3000000

# The frame receiver proven against a reference model of the protocol
# (Yosys `sat` k-induction, tests/formal/link_rx.ys), then shown to fail on
# broken copies of it.
TESTS += test-formal-link-rx
.PHONY: test-formal-link-rx
test-formal-link-rx:
	@scripts/runtest formal-link-rx tests/formal/link_rx_formal
