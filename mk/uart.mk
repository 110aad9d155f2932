# UART test benches, at the rates the boards use and an ordinary one.

UART_CONFIGS := 12000000_3000000 48000000_12000000 50250000_12000000 12000000_115200
uart_clk  = $(word 1,$(subst _, ,$(1)))
uart_baud = $(word 2,$(subst _, ,$(1)))
$(foreach c,$(UART_CONFIGS),$(eval $(call VTB,uart_rx_$(c),uart_rx,rtl/uart_rx.v,tests/rtl/uart_rx_tb.cpp,-GCLK_HZ=$(call uart_clk,$(c)) -GBAUD=$(call uart_baud,$(c)) -CFLAGS "-I$(abspath sim) -DTB_CLK_HZ=$(call uart_clk,$(c)) -DTB_BAUD=$(call uart_baud,$(c))")))
$(foreach c,$(UART_CONFIGS),$(eval $(call VTB,uart_tx_$(c),uart_tx,rtl/uart_tx.v,tests/rtl/uart_tx_tb.cpp,-GCLK_HZ=$(call uart_clk,$(c)) -GBAUD=$(call uart_baud,$(c)) -CFLAGS "-I$(abspath sim) -DTB_CLK_HZ=$(call uart_clk,$(c)) -DTB_BAUD=$(call uart_baud,$(c))")))
# The benches also read the fraction's header and check the virtual board's
# FTDI model against the RTL.
$(foreach c,$(UART_CONFIGS),$(BUILD)/tb/uart_rx_$(c)/Vuart_rx $(BUILD)/tb/uart_tx_$(c)/Vuart_tx): \
    rtl/uart_frac.vh sim/ftdi_uart.h mk/uart.mk

TESTS += test-uart-rx test-uart-tx
test-uart-rx: $(foreach c,$(UART_CONFIGS),$(BUILD)/tb/uart_rx_$(c)/Vuart_rx)
	@scripts/runtest uart-rx sh -c '$(foreach c,$(UART_CONFIGS),$(BUILD)/tb/uart_rx_$(c)/Vuart_rx &&) true'
test-uart-tx: $(foreach c,$(UART_CONFIGS),$(BUILD)/tb/uart_tx_$(c)/Vuart_tx)
	@scripts/runtest uart-tx sh -c '$(foreach c,$(UART_CONFIGS),$(BUILD)/tb/uart_tx_$(c)/Vuart_tx &&) true'

# `make lint` lints every module at its default parameters, where BAUD
# divides CLK_HZ; the fractional timer is linted here at each configuration.
TESTS += test-uart-lint
lint: test-uart-lint
test-uart-lint:
	@scripts/runtest uart-lint sh -c '$(foreach c,$(UART_CONFIGS),$(foreach m,uart_rx uart_tx,\
	    echo "$(m) $(c)" && $(VLINT) --top-module $(m) -GCLK_HZ=$(call uart_clk,$(c)) -GBAUD=$(call uart_baud,$(c)) rtl/$(m).v && \
	    out=$$(iverilog -g2005 -Irtl -s $(m) -P$(m).CLK_HZ=$(call uart_clk,$(c)) -P$(m).BAUD=$(call uart_baud,$(c)) -o /dev/null rtl/$(m).v 2>&1) && \
	    [ -z "$$out" ] &&)) true'
.PHONY: test-uart-rx test-uart-tx test-uart-lint
