// ice40_ddr_out — one output pin driven on both clock edges
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A thin wrapper around SB_IO with PIN_TYPE 6'b010001: output DDR
// (PIN_OUTPUT_DDR, bits [5:2] = 0100), input simple (bits [1:0] = 01), per
// the iCE Technology Library's SB_IO. d0 is registered on the rising edge of
// clk and drives the pin while clk is high, d1 on the falling edge while clk
// is low. Used for the DVI PMOD's pixel clock, so that it leaves the chip
// through the same IO register path as the data it qualifies.
// sim/models/ice40_ddr_out.v stands in for it under Verilator and Icarus.
`resetall
`default_nettype none

module ice40_ddr_out (
    input  wire clk,                      // output clock
    input  wire d0,                       // the pin's value after the rising edge
    input  wire d1,                       // the pin's value after the falling edge
    output wire pin                       // the package pin
);

SB_IO #(
    .PIN_TYPE(6'b010001)
) u_io (
    .PACKAGE_PIN(pin),
    .OUTPUT_CLK(clk),
    .D_OUT_0(d0),
    .D_OUT_1(d1),
    .OUTPUT_ENABLE(1'b1)
);

endmodule

`resetall
