// ice40_ddr_out — simulation model of rtl/ice40/ice40_ddr_out.v
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// d0 registered on the rising edge drives the pin while clk is high, d1
// registered on the falling edge while clk is low, as SB_IO's DDR output.
`resetall
`default_nettype none

module ice40_ddr_out (
    input  wire clk,
    input  wire d0,
    input  wire d1,
    output wire pin
);

reg q0 = 1'b0;
reg q1 = 1'b0;
always @(posedge clk) q0 <= d0;
always @(negedge clk) q1 <= d1;
assign pin = clk ? q0 : q1;

endmodule

`resetall
