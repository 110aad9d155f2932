// top_tb — a board top under Icarus Verilog for the simulation-speed
// comparison (scripts/bench-sim): idle UART line, CYCLES clocks of the clock
// the virtual board drives. The iCEstick top by default (12 MHz); with
// -DTOP_ICEBREAKER the iCEBreaker top, its pad driven at the PLL's 48 MHz as
// the virtual board drives it (sim/models/ice40_pll_2pad.v divides it).
// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
module top_tb;
reg clk = 1'b0;
reg rx = 1'b1;
wire tx;
`ifdef TOP_ICEBREAKER
localparam real HALF_NS = 10.417;
wire led_r_n, led_g_n;
icebreaker_top dut (.clk(clk), .rx(rx), .tx(tx), .led_r_n(led_r_n), .led_g_n(led_g_n), .btn_n(1'b1));
`else
localparam real HALF_NS = 41.667;
wire [4:0] led;
icestick_top dut (.clk(clk), .rx(rx), .tx(tx), .led(led));
`endif
integer cycles, i;
initial begin
    if (!$value$plusargs("cycles=%d", cycles)) cycles = 100000;
    for (i = 0; i < cycles; i = i + 1) begin
        #HALF_NS clk = 1'b1;
        #HALF_NS clk = 1'b0;
    end
    $finish;
end
endmodule
