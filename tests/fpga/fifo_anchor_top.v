// fifo_anchor_top — another project's asynchronous FIFO between registers
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The same harness as fifo_fmax_top (every port through a flip-flop to or
// from a pin, both clocks on one pin) around the asynchronous FIFOs
// fifo_async is measured against. Their sources are not part of icebuf:
// tests/fpga/fifo_anchor_fmax reads them from clones given on its command
// line. CORE 0 is ZipCPU's afifo (wb2axip, registered reads), 1 is
// verilog-axis's axis_async_fifo with no keep, last or user fields (its
// status outputs left open, as icebuf's s_level is in fifo_fmax_top).
`resetall
`default_nettype none

module fifo_anchor_top #(
    parameter CORE  = 0,                    // 0 ZipCPU afifo, 1 verilog-axis axis_async_fifo
    parameter WIDTH = 8,                    // bits per word
    parameter DEPTH = 512                   // words
) (
    input  wire             clk,            // clock, both sides
    input  wire             rst,            // synchronous reset, active high
    input  wire [WIDTH-1:0] s_data,         // word to write
    input  wire             s_valid,        // write request
    output reg              s_ready,        // write accepted / not full
    output reg  [WIDTH-1:0] m_data,         // word read
    output reg              m_valid,        // read data valid / not empty
    input  wire             m_ready         // read request
);

reg             s_rst_reg, m_rst_reg, s_valid_reg, m_ready_reg;   // one reset flop a side, as apart
reg [WIDTH-1:0] s_data_reg;
wire            s_ready_w, m_valid_w;
wire [WIDTH-1:0] m_data_w;

always @(posedge clk) begin
    s_rst_reg   <= rst;
    s_valid_reg <= s_valid;
    s_data_reg  <= s_data;
    s_ready     <= s_ready_w;
end
always @(posedge clk) begin
    m_rst_reg   <= rst;
    m_ready_reg <= m_ready;
    m_valid     <= m_valid_w;
    m_data      <= m_data_w;
end

generate
    if (CORE == 0) begin : core_afifo
        wire full, empty;
        afifo #(.LGFIFO($clog2(DEPTH)), .WIDTH(WIDTH), .OPT_REGISTER_READS(1'b1)) u_fifo (
            .i_wclk(clk), .i_wr_reset_n(!s_rst_reg), .i_wr(s_valid_reg), .i_wr_data(s_data_reg),
            .o_wr_full(full),
            .i_rclk(clk), .i_rd_reset_n(!m_rst_reg), .i_rd(m_ready_reg), .o_rd_data(m_data_w),
            .o_rd_empty(empty));
        assign s_ready_w = !full;
        assign m_valid_w = !empty;
    end else begin : core_axis
        axis_async_fifo #(.DEPTH(DEPTH), .DATA_WIDTH(WIDTH), .KEEP_ENABLE(0), .LAST_ENABLE(0),
                          .USER_ENABLE(0)) u_fifo (
            .s_clk(clk), .s_rst(s_rst_reg),
            .s_axis_tdata(s_data_reg), .s_axis_tkeep(1'b1), .s_axis_tvalid(s_valid_reg),
            .s_axis_tready(s_ready_w), .s_axis_tlast(1'b1), .s_axis_tid(8'd0), .s_axis_tdest(8'd0),
            .s_axis_tuser(1'b0),
            .m_clk(clk), .m_rst(m_rst_reg),
            .m_axis_tdata(m_data_w), .m_axis_tkeep(), .m_axis_tvalid(m_valid_w),
            .m_axis_tready(m_ready_reg), .m_axis_tlast(), .m_axis_tid(), .m_axis_tdest(), .m_axis_tuser(),
            .s_pause_req(1'b0), .s_pause_ack(), .m_pause_req(1'b0), .m_pause_ack(),
            .s_status_depth(), .s_status_depth_commit(), .s_status_overflow(), .s_status_bad_frame(),
            .s_status_good_frame(), .m_status_depth(), .m_status_depth_commit(), .m_status_overflow(),
            .m_status_bad_frame(), .m_status_good_frame());
    end
endgenerate

endmodule

`default_nettype wire
`resetall
