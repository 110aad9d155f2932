// ice40_pll_2f_pad — simulation model of rtl/ice40/ice40_pll_2f_pad.v
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The virtual board drives the pad at the GENCLK rate (a cycle simulator
// cannot multiply a clock); clk_a is the pad, clk_b the pad divided by two,
// as GENCLK_HALF. lock rises after a few clocks.
`resetall
`default_nettype none

module ice40_pll_2f_pad #(
    parameter [3:0] DIVR         = 4'd0,
    parameter [6:0] DIVF         = 7'd66,
    parameter [2:0] DIVQ         = 3'd4,
    parameter [2:0] FILTER_RANGE = 3'd1
) (
    input  wire pad,
    output wire clk_a,
    output wire clk_b,
    output wire lock
);

reg       half = 1'b0;
reg [3:0] lock_count = 4'd0;
wire      unused_params = &{1'b0, DIVR, DIVF, DIVQ, FILTER_RANGE};

always @(posedge pad) begin
    half <= !half;
    if (lock_count != 4'd15)
        lock_count <= lock_count + 4'd1;
end

assign clk_a = pad;
assign clk_b = half;
assign lock  = lock_count == 4'd15;

endmodule

`resetall
