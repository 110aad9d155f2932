// fifo_fmax_top — one FIFO between registers, for place-and-route timing
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Every FIFO port goes through a flip-flop to or from a pin, so that the
// post-route Fmax covers the FIFO's paths from and to its neighbours (inside
// a design its inputs come from registers), not only its inner ones. CORE
// picks the FIFO: 0 fifo_sync, 1 naive_fifo, 2 fifo_async (both of its
// clocks on clk, so that its clock's Fmax covers both sides).
`resetall
`default_nettype none

module fifo_fmax_top #(
    parameter CORE  = 0,                    // 0 fifo_sync, 1 naive_fifo, 2 fifo_async
    parameter WIDTH = 8,                    // bits per word
    parameter DEPTH = 512                   // words
) (
    input  wire                   clk,      // clock
    input  wire                   rst,      // synchronous reset, active high
    input  wire [WIDTH-1:0]       s_data,   // word to write
    input  wire                   s_valid,  // write request
    output reg                    s_ready,  // write accepted / not full
    output reg  [WIDTH-1:0]       m_data,   // word read
    output reg                    m_valid,  // read data valid / not empty
    input  wire                   m_ready,  // read request
    output reg  [$clog2(DEPTH):0] level     // fill level (0 for naive_fifo)
);

localparam LW = $clog2(DEPTH) + 1;          // level bits

reg             rst_reg, s_valid_reg, m_ready_reg;
reg [WIDTH-1:0] s_data_reg;
wire            s_ready_w, m_valid_w;
wire [WIDTH-1:0] m_data_w;
wire [LW-1:0]   level_w;

always @(posedge clk) begin
    rst_reg     <= rst;
    s_valid_reg <= s_valid;
    s_data_reg  <= s_data;
    m_ready_reg <= m_ready;
    s_ready     <= s_ready_w;
    m_valid     <= m_valid_w;
    m_data      <= m_data_w;
    level       <= level_w;
end

generate
    if (CORE == 0) begin : core_sync
        fifo_sync #(.WIDTH(WIDTH), .DEPTH(DEPTH)) u_fifo (
            .clk(clk), .rst(rst_reg),
            .s_data(s_data_reg), .s_valid(s_valid_reg), .s_ready(s_ready_w),
            .m_data(m_data_w), .m_valid(m_valid_w), .m_ready(m_ready_reg),
            .level(level_w));
    end else if (CORE == 1) begin : core_naive
        wire full, empty;
        naive_fifo #(.WIDTH(WIDTH), .DEPTH(DEPTH)) u_fifo (
            .clk(clk), .rst(rst_reg),
            .din(s_data_reg), .wr_en(s_valid_reg), .rd_en(m_ready_reg),
            .dout(m_data_w), .full(full), .empty(empty));
        assign s_ready_w = !full;
        assign m_valid_w = !empty;
        assign level_w   = {LW{1'b0}};
    end else begin : core_async
        fifo_async #(.WIDTH(WIDTH), .DEPTH(DEPTH)) u_fifo (
            .s_clk(clk), .s_rst(rst_reg),
            .s_data(s_data_reg), .s_valid(s_valid_reg), .s_ready(s_ready_w),
            .s_level(),
            .m_clk(clk), .m_rst(rst_reg),
            .m_data(m_data_w), .m_valid(m_valid_w), .m_ready(m_ready_reg),
            .m_level(level_w));
    end
endgenerate

endmodule

`default_nettype wire
`resetall
