# nextpnr-ice40 --pre-pack: clock targets of the iCEBreaker top that
# --freq (one figure for every clock) cannot give. The link runs on the
# 12 MHz pad clock (PLL port A), the UART on the PLL's 48 MHz (port B):
# see rtl/boards/icebreaker_top.v.
ctx.addClock("clk_sys", 12)
ctx.addClock("clk_uart", 48)
