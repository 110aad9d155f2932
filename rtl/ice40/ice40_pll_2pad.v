// ice40_pll_2pad — the iCE40 PLL on a clock pad, with the pad clock kept
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A thin wrapper around SB_PLL40_2_PAD, the one vendor primitive the board
// tops use: port A (clk_ref) carries the pad's own clock onto a global
// network, port B (clk_pll) the PLL's output, F_pad × (DIVF+1) /
// ((DIVR+1) × 2^DIVQ) with FEEDBACK_PATH "SIMPLE" (Lattice TN1251, iCE40
// sysCLOCK PLL Design and Usage Guide). Parameters from `icepll -i F_pad -o
// F_out`. sim/models/ice40_pll_2pad.v stands in for it under Verilator.
`resetall
`default_nettype none

module ice40_pll_2pad #(
    parameter [3:0] DIVR         = 4'd0,   // reference divider - 1
    parameter [6:0] DIVF         = 7'd63,  // feedback divider - 1
    parameter [2:0] DIVQ         = 3'd4,   // output divider, log2
    parameter [2:0] FILTER_RANGE = 3'd1    // loop filter, from icepll
) (
    input  wire pad,                       // the clock pad (a PLL input pin)
    output wire clk_ref,                   // the pad clock, global
    output wire clk_pll,                   // the PLL clock, global
    output wire lock                       // the PLL is locked (asynchronous)
);

SB_PLL40_2_PAD #(
    .FEEDBACK_PATH("SIMPLE"),
    .PLLOUT_SELECT_PORTB("GENCLK"),
    .DIVR(DIVR),
    .DIVF(DIVF),
    .DIVQ(DIVQ),
    .FILTER_RANGE(FILTER_RANGE)
) u_pll (
    .PACKAGEPIN(pad),
    .PLLOUTGLOBALA(clk_ref),
    .PLLOUTGLOBALB(clk_pll),
    .LOCK(lock),
    .RESETB(1'b1),
    .BYPASS(1'b0)
);

endmodule

`resetall
