// top_tb — the iCEstick board top under Icarus Verilog for the simulation-
// speed comparison: 12 MHz clock, idle UART line, CYCLES clocks.
// SPDX-License-Identifier: MIT
`timescale 1ns / 1ps
module top_tb;
reg clk = 1'b0;
reg rx = 1'b1;
wire tx;
wire [4:0] led;
icestick_top dut (.clk(clk), .rx(rx), .tx(tx), .led(led));
integer cycles, i;
initial begin
    if (!$value$plusargs("cycles=%d", cycles)) cycles = 100000;
    for (i = 0; i < cycles; i = i + 1) begin
        #41.667 clk = 1'b1;
        #41.667 clk = 1'b0;
    end
    $finish;
end
endmodule
