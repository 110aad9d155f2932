// ice40_pll_2pad — simulation model of rtl/ice40/ice40_pll_2pad.v
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A cycle simulator cannot multiply a clock, so the virtual board makes the
// PLL's clock itself: clk_ref is the pad (driven at the oscillator's rate),
// clk_pll is harness_clk, a register the harness (sim/icebuf_sim.cpp) finds
// by its name and toggles at the PLL's rate, F_pad × (DIVF+1) / ((DIVR+1) ×
// 2^DIVQ), with each edge at its exact time relative to the pad's edges:
// 12 MHz × 67 / 16 = 50.25 MHz has 16 pad clocks in every 67 PLL clocks.
// The harness reads the ratio from harness_mul / harness_div. lock rises
// after a few pad clocks.
`resetall
`default_nettype none

module ice40_pll_2pad #(
    parameter [3:0] DIVR         = 4'd0,
    parameter [6:0] DIVF         = 7'd63,
    parameter [2:0] DIVQ         = 3'd4,
    parameter [2:0] FILTER_RANGE = 3'd1
) (
    input  wire pad,
    output wire clk_ref,
    output wire clk_pll,
    output wire lock
);

localparam integer F1 = {25'd0, DIVF} + 1;
localparam integer RQ = ({28'd0, DIVR} + 1) * (1 << DIVQ);

reg        harness_clk /*verilator public_flat_rw*/ = 1'b0;
wire [31:0] harness_mul /*verilator public_flat_rd*/ = F1;
wire [31:0] harness_div /*verilator public_flat_rd*/ = RQ;
reg [3:0]  lock_count = 4'd0;
wire       unused = &{1'b0, FILTER_RANGE, harness_mul, harness_div};

always @(posedge pad)
    if (lock_count != 4'd15)
        lock_count <= lock_count + 4'd1;

assign clk_ref = pad;
assign clk_pll = harness_clk;
assign lock    = lock_count == 4'd15;

endmodule

`resetall
