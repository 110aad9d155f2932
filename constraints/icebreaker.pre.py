# nextpnr-ice40 --pre-pack: clock targets of the iCEBreaker top that
# --freq (one figure for every clock) cannot give: the link on the 12 MHz
# pad clock (PLL port A), the UART on the PLL's 50.25 MHz (port B) and,
# with video, the pixel clock, 50.25 MHz divided by two in a flop (see
# rtl/boards/icebreaker_top.v).
ctx.addClock("clk_sys", 12)
ctx.addClock("clk_uart", 50.25)
if "clk_pix" in ctx.nets:
    ctx.addClock("clk_pix", 25.125)
