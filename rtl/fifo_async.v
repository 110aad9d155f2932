// fifo_async — dual-clock FIFO in block RAM, Gray-coded pointers
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Each side keeps its pointer in binary and in Gray code; only the Gray code
// crosses to the other clock, through two flip-flops, so a pointer seen
// mid-change is off by at most one step and errs on the safe side (the
// writer sees the FIFO fuller, the reader emptier, than it is). Reset both
// sides together (s_rst and m_rst high for a few clocks of both clocks).
`resetall
`default_nettype none

module fifo_async #(
    parameter WIDTH = 8,                // bits per word
    parameter DEPTH = 512,              // words, a power of two >= 4
    parameter AW    = $clog2(DEPTH)     // address width (derived, do not set)
) (
    input  wire             s_clk,      // write clock
    input  wire             s_rst,      // write-side reset, synchronous to s_clk
    input  wire [WIDTH-1:0] s_data,     // word in
    input  wire             s_valid,    // s_data is valid
    output wire             s_ready,    // taken when s_valid && s_ready
    output wire [AW:0]      s_level,    // words held, as the writer sees it (may be high)
    input  wire             m_clk,      // read clock
    input  wire             m_rst,      // read-side reset, synchronous to m_clk
    output wire [WIDTH-1:0] m_data,     // word out
    output wire             m_valid,    // a word is offered
    input  wire             m_ready,    // taken when m_valid && m_ready
    output wire [AW:0]      m_level     // words held, as the reader sees it (may be low)
);

generate
    if (DEPTH < 4 || (1 << AW) != DEPTH) begin : illegal_parameter
        fifo_async_error_depth_must_be_a_power_of_two_at_least_4 u_error();
    end
endgenerate

function [AW:0] bin2gray;
    input [AW:0] b;
    bin2gray = b ^ (b >> 1);
endfunction

function [AW:0] gray2bin;
    input [AW:0] g;
    integer i;
    begin
        gray2bin[AW] = g[AW];
        for (i = AW - 1; i >= 0; i = i - 1)
            gray2bin[i] = gray2bin[i + 1] ^ g[i];
    end
endfunction

reg [WIDTH-1:0] mem [0:DEPTH-1];

// ---- write side -------------------------------------------------------------
reg  [AW:0] wptr_reg, wptr_gray_reg;
reg  [AW:0] rptr_gray_sync1_reg, rptr_gray_sync2_reg;
wire [AW:0] rptr_s = gray2bin(rptr_gray_sync2_reg);
wire        full   = wptr_reg[AW] != rptr_s[AW] && wptr_reg[AW-1:0] == rptr_s[AW-1:0];
wire        s_fire = s_valid && !full;
wire [AW:0] wptr_next = wptr_reg + 1'b1;

assign s_ready = !full;
assign s_level = wptr_reg - rptr_s;

always @(posedge s_clk) begin
    if (s_fire)
        mem[wptr_reg[AW-1:0]] <= s_data;
    rptr_gray_sync1_reg <= rptr_gray_reg;
    rptr_gray_sync2_reg <= rptr_gray_sync1_reg;
    if (s_rst) begin
        wptr_reg      <= 0;
        wptr_gray_reg <= 0;
    end else if (s_fire) begin
        wptr_reg      <= wptr_next;
        wptr_gray_reg <= bin2gray(wptr_next);
    end
end

// ---- read side ----------------------------------------------------------------
reg  [AW:0] rptr_reg, rptr_gray_reg;      // next word to fetch from the RAM
reg  [AW:0] wptr_gray_sync1_reg, wptr_gray_sync2_reg;
reg  [WIDTH-1:0] out_reg;                 // the RAM's output register: the FIFO's output
reg         out_valid;
wire [AW:0] wptr_m = gray2bin(wptr_gray_sync2_reg);
wire        fetch  = rptr_reg != wptr_m && (!out_valid || m_ready);
wire [AW:0] rptr_next = rptr_reg + 1'b1;

assign m_valid = out_valid;
assign m_data  = out_reg;
assign m_level = wptr_m - rptr_reg + {{AW{1'b0}}, out_valid};

always @(posedge m_clk) begin
    if (fetch)
        out_reg <= mem[rptr_reg[AW-1:0]];
    wptr_gray_sync1_reg <= wptr_gray_reg;
    wptr_gray_sync2_reg <= wptr_gray_sync1_reg;
    if (m_rst) begin
        rptr_reg      <= 0;
        rptr_gray_reg <= 0;
        out_valid     <= 1'b0;
    end else begin
        if (fetch) begin
            rptr_reg      <= rptr_next;
            rptr_gray_reg <= bin2gray(rptr_next);
        end
        if (fetch)
            out_valid <= 1'b1;
        else if (m_ready)
            out_valid <= 1'b0;
    end
end

endmodule

`resetall
