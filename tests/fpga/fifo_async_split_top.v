// fifo_async_split_top — fifo_async between registers, each side on its own clock pin
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// fifo_fmax_top's harness (every port through a flip-flop to or from a pin)
// with s_clk and m_clk on two pins, so that nextpnr reports each clock's
// Fmax on its own: the paths inside each side, with the crossing paths
// (into the first synchroniser flops) cut, as they are between unrelated
// clocks. Each side has its own reset flop from the one rst pin.
`resetall
`default_nettype none

module fifo_async_split_top #(
    parameter WIDTH = 8,                    // bits per word
    parameter DEPTH = 512                   // words
) (
    input  wire                   s_clk,    // write clock
    input  wire                   m_clk,    // read clock
    input  wire                   rst,      // reset, active high (sampled on both clocks)
    input  wire [WIDTH-1:0]       s_data,   // word to write
    input  wire                   s_valid,  // write request
    output reg                    s_ready,  // write accepted / not full
    output reg  [$clog2(DEPTH):0] s_level,  // fill level, write side
    output reg  [WIDTH-1:0]       m_data,   // word read
    output reg                    m_valid,  // read data valid / not empty
    input  wire                   m_ready,  // read request
    output reg  [$clog2(DEPTH):0] m_level   // fill level, read side
);

localparam LW = $clog2(DEPTH) + 1;          // level bits

reg             s_rst_reg, s_valid_reg, m_rst_reg, m_ready_reg;
reg [WIDTH-1:0] s_data_reg;
wire            s_ready_w, m_valid_w;
wire [WIDTH-1:0] m_data_w;
wire [LW-1:0]   s_level_w, m_level_w;

always @(posedge s_clk) begin
    s_rst_reg   <= rst;
    s_valid_reg <= s_valid;
    s_data_reg  <= s_data;
    s_ready     <= s_ready_w;
    s_level     <= s_level_w;
end

always @(posedge m_clk) begin
    m_rst_reg   <= rst;
    m_ready_reg <= m_ready;
    m_valid     <= m_valid_w;
    m_data      <= m_data_w;
    m_level     <= m_level_w;
end

fifo_async #(.WIDTH(WIDTH), .DEPTH(DEPTH)) u_fifo (
    .s_clk(s_clk), .s_rst(s_rst_reg),
    .s_data(s_data_reg), .s_valid(s_valid_reg), .s_ready(s_ready_w), .s_level(s_level_w),
    .m_clk(m_clk), .m_rst(m_rst_reg),
    .m_data(m_data_w), .m_valid(m_valid_w), .m_ready(m_ready_reg), .m_level(m_level_w));

endmodule

`default_nettype wire
`resetall
