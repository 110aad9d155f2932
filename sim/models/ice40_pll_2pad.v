// ice40_pll_2pad — simulation model of rtl/ice40/ice40_pll_2pad.v
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A cycle simulator cannot multiply a clock, so the virtual board drives the
// pad at the PLL's output rate and the model divides it back down: clk_pll
// is the pad, clk_ref the pad divided by the PLL's ratio (DIVF+1) /
// ((DIVR+1) × 2^DIVQ), which must be an even integer. The two clocks keep
// the hardware's frequency ratio; their phase is one the hardware may also
// have (the design treats them as unrelated). lock rises after a few clocks.
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

localparam integer F1    = {25'd0, DIVF} + 1;
localparam integer R1    = {28'd0, DIVR} + 1;
localparam integer Q2    = 1 << DIVQ;
localparam integer RATIO = F1 / (R1 * Q2);
localparam integer HALF  = RATIO / 2;

generate
    if (RATIO < 2 || RATIO % 2 != 0 || RATIO * R1 * Q2 != F1) begin : illegal_ratio
        ice40_pll_2pad_model_needs_an_even_integer_ratio u_error();
    end
endgenerate

reg [7:0] div = 8'd0;
reg       ref_q = 1'b0;
reg [3:0] lock_count = 4'd0;
wire      unused_filter = &{1'b0, FILTER_RANGE};

always @(posedge pad) begin
    div <= (div == HALF[7:0] - 8'd1) ? 8'd0 : div + 8'd1;
    if (div == HALF[7:0] - 8'd1)
        ref_q <= !ref_q;
    if (lock_count != 4'd15)
        lock_count <= lock_count + 4'd1;
end

assign clk_pll = pad;
assign clk_ref = ref_q;
assign lock    = lock_count == 4'd15;

endmodule

`resetall
