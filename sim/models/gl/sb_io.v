// SB_IO — gate-level simulation model of the iCE40 I/O cell, as the boards use it
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Stands in for Yosys's SB_IO model (cells_sim.v), whose registered paths
// the Verilator build cannot take at a top-level inout pin. Two uses are
// modelled: the combinational open-drain of rtl/ice40/ice40_od_io.v,
// PIN_TYPE 6'b101001 (output tristated by OUTPUT_ENABLE, input not
// registered), and the DDR output of rtl/ice40/ice40_ddr_out.v, 6'b010001
// (D_OUT_0 registered on OUTPUT_CLK's rising edge and driven while it is
// high, D_OUT_1 on its falling edge and driven while it is low); any other
// PIN_TYPE stops the simulation at start rather than run unmodelled.
`resetall
`default_nettype none

module SB_IO #(
    parameter [5:0] PIN_TYPE = 6'b000000,   // output and input modes (iCE40 Technology Library)
    parameter [0:0] PULLUP = 1'b0,          // weak pull-up (the harness models the line's level)
    parameter [0:0] NEG_TRIGGER = 1'b0,     // registered paths only: unused here
    parameter IO_STANDARD = "SB_LVCMOS"     // unused in simulation
) (
    inout  wire PACKAGE_PIN,                // the pin
    input  wire LATCH_INPUT_VALUE,          // unused
    input  wire CLOCK_ENABLE,               // unused: no registered path
    input  wire INPUT_CLK,                  // unused
    input  wire OUTPUT_CLK,                 // DDR: the output clock
    input  wire OUTPUT_ENABLE /*verilator public_flat_rd*/,  // drive D_OUT_0 while 1
    input  wire D_OUT_0,                    // the level driven (DDR: after the rising edge)
    input  wire D_OUT_1,                    // DDR: the level after the falling edge
    output wire D_IN_0,                     // the pin's level
    output wire D_IN_1                      // unused (DDR): 0
);

generate
    if (PIN_TYPE == 6'b010001) begin : ddr_out
        reg q0 = 1'b0, q1 = 1'b0;
        always @(posedge OUTPUT_CLK) q0 <= D_OUT_0;
        always @(negedge OUTPUT_CLK) q1 <= D_OUT_1;
        assign PACKAGE_PIN = OUTPUT_CLK ? q0 : q1;
        wire unused = &{1'b0, LATCH_INPUT_VALUE, CLOCK_ENABLE, INPUT_CLK, OUTPUT_ENABLE, PULLUP, NEG_TRIGGER};
    end else begin : open_drain
        initial if (PIN_TYPE != 6'b101001) begin
            $display("SB_IO model: PIN_TYPE %b is not modelled (only 6'b101001 and 6'b010001)", PIN_TYPE);
            $finish;
        end
        assign PACKAGE_PIN = OUTPUT_ENABLE ? D_OUT_0 : 1'bz;
        wire unused = &{1'b0, LATCH_INPUT_VALUE, CLOCK_ENABLE, INPUT_CLK, OUTPUT_CLK, D_OUT_1, PULLUP, NEG_TRIGGER};
    end
endgenerate
assign D_IN_0 = PACKAGE_PIN;
assign D_IN_1 = 1'b0;

endmodule

`resetall
