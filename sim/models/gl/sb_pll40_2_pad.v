// SB_PLL40_2_PAD — simulation model of the iCE40 primitive, for the
// gate-level virtual board (mk/gl.mk)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Yosys's own cell library leaves this primitive empty. Like the RTL model
// (sim/models/ice40_pll_2pad.v), the virtual board drives the pad at the
// PLL's output rate: PLLOUTGLOBALB is the pad, PLLOUTGLOBALA (the pad clock
// in hardware) the pad divided by (DIVF+1) / ((DIVR+1) × 2^DIVQ), an even
// integer. LOCK rises after a few clocks. Only the ports icebuf uses do
// anything; the others are there so that any netlist instance binds.
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

localparam integer F1    = {25'd0, DIVF} + 1;
localparam integer R1    = {28'd0, DIVR} + 1;
localparam integer Q2    = 1 << DIVQ;
localparam integer RATIO = F1 / (R1 * Q2);
localparam integer HALF  = RATIO / 2;

generate
    if (RATIO < 2 || RATIO % 2 != 0 || RATIO * R1 * Q2 != F1) begin : illegal_ratio
        sb_pll40_2_pad_model_needs_an_even_integer_ratio u_error();
    end
endgenerate

reg [7:0] div = 8'd0;
reg       ref_q = 1'b0;
reg [3:0] lock_count = 4'd0;

always @(posedge PACKAGEPIN) begin
    div <= (div == HALF[7:0] - 8'd1) ? 8'd0 : div + 8'd1;
    if (div == HALF[7:0] - 8'd1)
        ref_q <= !ref_q;
    if (lock_count != 4'd15)
        lock_count <= lock_count + 4'd1;
end

assign PLLOUTGLOBALA = ref_q;
assign PLLOUTCOREA   = ref_q;
assign PLLOUTGLOBALB = PACKAGEPIN;
assign PLLOUTCOREB   = PACKAGEPIN;
assign LOCK          = lock_count == 4'd15;
assign SDO           = 1'b0;

endmodule

`resetall
