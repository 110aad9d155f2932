// ice40_pll_2f_pad — the iCE40 PLL on a clock pad, two outputs from the VCO
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A thin wrapper around SB_PLL40_2F_PAD. Where SB_PLL40_2_PAD passes the
// pad's own clock to port A, the 2F variant drives both ports from the PLL:
// each port selects GENCLK (F_pad × (DIVF+1) / ((DIVR+1) × 2^DIVQ) with
// FEEDBACK_PATH "SIMPLE"), GENCLK_HALF (that divided by two, in phase),
// SHIFTREG_0deg or SHIFTREG_90deg (Lattice TN1251, iCE40 sysCLOCK PLL
// Design and Usage Guide; the PLLOUT_SELECT_PORTA/PORTB bits in icestorm's
// io_tile documentation). The VCO, F_pad × (DIVF+1) / (DIVR+1), must lie in
// 533–1066 MHz (TN1251). Port A here is GENCLK (clk_a), port B GENCLK_HALF
// (clk_b): on the iCEBreaker, 12 MHz × 67 / 16 = 50.25 MHz for the UART and
// 25.125 MHz for pixels and the system. sim/models/ice40_pll_2f_pad.v
// stands in for it under Verilator.
`resetall
`default_nettype none

module ice40_pll_2f_pad #(
    parameter [3:0] DIVR         = 4'd0,   // reference divider - 1
    parameter [6:0] DIVF         = 7'd66,  // feedback divider - 1
    parameter [2:0] DIVQ         = 3'd4,   // output divider, log2
    parameter [2:0] FILTER_RANGE = 3'd1    // loop filter, from icepll
) (
    input  wire pad,                       // the clock pad (a PLL input pin)
    output wire clk_a,                     // GENCLK, global
    output wire clk_b,                     // GENCLK_HALF, global
    output wire lock                       // the PLL is locked (asynchronous)
);

SB_PLL40_2F_PAD #(
    .FEEDBACK_PATH("SIMPLE"),
    .PLLOUT_SELECT_PORTA("GENCLK"),
    .PLLOUT_SELECT_PORTB("GENCLK_HALF"),
    .DIVR(DIVR),
    .DIVF(DIVF),
    .DIVQ(DIVQ),
    .FILTER_RANGE(FILTER_RANGE)
) u_pll (
    .PACKAGEPIN(pad),
    .PLLOUTGLOBALA(clk_a),
    .PLLOUTGLOBALB(clk_b),
    .LOCK(lock),
    .RESETB(1'b1),
    .BYPASS(1'b0)
);

endmodule

`resetall
