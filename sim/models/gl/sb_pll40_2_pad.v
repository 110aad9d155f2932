// SB_PLL40_2_PAD — simulation model of the iCE40 primitive, for the
// gate-level virtual board (mk/gl.mk)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Yosys's own cell library leaves this primitive empty. This one hands its
// clocks to the RTL model of the wrapper (sim/models/ice40_pll_2pad.v): the
// virtual board drives the pad at the PLL's output rate, PLLOUTGLOBALB is
// the pad, PLLOUTGLOBALA (the pad clock in hardware) the pad divided back
// down. Only the ports icebuf uses do anything; the others are there so
// that any netlist instance binds.
`resetall
`default_nettype none

module SB_PLL40_2_PAD #(
    parameter FEEDBACK_PATH = "SIMPLE",
    parameter DELAY_ADJUSTMENT_MODE_FEEDBACK = "FIXED",
    parameter DELAY_ADJUSTMENT_MODE_RELATIVE = "FIXED",
    parameter SHIFTREG_DIV_MODE = 1'b0,
    parameter FDA_FEEDBACK = 4'b0000,
    parameter FDA_RELATIVE = 4'b0000,
    parameter PLLOUT_SELECT_PORTB = "GENCLK",
    parameter [3:0] DIVR = 4'b0000,
    parameter [6:0] DIVF = 7'b0000000,
    parameter [2:0] DIVQ = 3'b000,
    parameter [2:0] FILTER_RANGE = 3'b000,
    parameter ENABLE_ICEGATE_PORTA = 1'b0,
    parameter ENABLE_ICEGATE_PORTB = 1'b0,
    parameter TEST_MODE = 1'b0,
    parameter EXTERNAL_DIVIDE_FACTOR = 1
) (
    input  wire       PACKAGEPIN,
    output wire       PLLOUTCOREA,
    output wire       PLLOUTGLOBALA,
    output wire       PLLOUTCOREB,
    output wire       PLLOUTGLOBALB,
    input  wire       EXTFEEDBACK,
    input  wire [7:0] DYNAMICDELAY,
    output wire       LOCK,
    input  wire       BYPASS,
    input  wire       RESETB,
    input  wire       LATCHINPUTVALUE,
    output wire       SDO,
    input  wire       SDI,
    input  wire       SCLK
);

// The clocks themselves: the RTL model of icebuf's PLL wrapper.
ice40_pll_2pad #(.DIVR(DIVR), .DIVF(DIVF), .DIVQ(DIVQ), .FILTER_RANGE(FILTER_RANGE)) u_model (
    .pad(PACKAGEPIN), .clk_ref(PLLOUTGLOBALA), .clk_pll(PLLOUTGLOBALB), .lock(LOCK));

assign PLLOUTCOREA = PLLOUTGLOBALA;
assign PLLOUTCOREB = PLLOUTGLOBALB;
assign SDO         = 1'b0;

endmodule

`resetall
