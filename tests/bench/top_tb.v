// top_tb — a board top under Icarus Verilog for the simulation-speed
// comparison (scripts/bench-sim): idle UART line, CYCLES clocks of the clock
// the virtual board drives. The iCEstick top by default (12 MHz); with
// -DTOP_ICEBREAKER the iCEBreaker top, its pad at 12 MHz and its PLL's
// 50.25 MHz clock driven beside it, as the virtual board drives them.
// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
module top_tb;
integer cycles, i;
reg clk = 1'b0;
reg rx = 1'b1;
wire tx;
`ifdef TOP_ICEBREAKER
// cycles counts the PLL's 50.25 MHz clocks, as the Verilator harness does;
// the pad runs at 12 MHz beside it (16 pad clocks in 67 PLL clocks, each
// edge at its own time, sim/models/ice40_pll_2pad.v).
localparam real HALF_NS = 500.0 / 50.25;
localparam real PAD_HALF_NS = 500.0 / 12.0;
wire led_r_n, led_g_n;
wire [3:0] dvi_r, dvi_g, dvi_b;
wire dvi_hs, dvi_vs, dvi_de, dvi_clk;
wire ps2_clk = 1'b1, ps2_data = 1'b1;
icebreaker_top dut (.clk(clk), .rx(rx), .tx(tx), .led_r_n(led_r_n), .led_g_n(led_g_n), .btn_n(1'b1),
    .ps2_clk(ps2_clk), .ps2_data(ps2_data), .dvi_r(dvi_r), .dvi_g(dvi_g), .dvi_b(dvi_b),
    .dvi_hs(dvi_hs), .dvi_vs(dvi_vs), .dvi_de(dvi_de), .dvi_clk(dvi_clk));
always #PAD_HALF_NS clk = !clk;
initial begin
    if (!$value$plusargs("cycles=%d", cycles)) cycles = 100000;
    for (i = 0; i < cycles; i = i + 1) begin
        #HALF_NS dut.u_pll.harness_clk = 1'b1;
        #HALF_NS dut.u_pll.harness_clk = 1'b0;
    end
    $finish;
end
`else
localparam real HALF_NS = 41.667;
wire [4:0] led;
icestick_top dut (.clk(clk), .rx(rx), .tx(tx), .led(led));
initial begin
    if (!$value$plusargs("cycles=%d", cycles)) cycles = 100000;
    for (i = 0; i < cycles; i = i + 1) begin
        #HALF_NS clk = 1'b1;
        #HALF_NS clk = 1'b0;
    end
    $finish;
end
`endif
endmodule
