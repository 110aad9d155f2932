# Link cores: the frame receiver against a model built on the host's codec
# (linked in as the library's own object file, compiled as C).

$(eval $(call VTB,link_rx,link_rx,rtl/link_rx.v rtl/crc16.v,tests/rtl/link_rx_tb.cpp,-CFLAGS -I$(abspath host/src) -LDFLAGS $(abspath $(BUILD)/obj/lib/codec.o)))
$(BUILD)/tb/link_rx/Vlink_rx: $(BUILD)/obj/lib/codec.o
TESTS += test-link-rx
test-link-rx: $(BUILD)/tb/link_rx/Vlink_rx
	@scripts/runtest link-rx $< 20000
