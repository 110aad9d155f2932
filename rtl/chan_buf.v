// chan_buf — a channel's byte buffer in block RAM, transactional on both sides
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The link writes a frame's payload tentatively and commits it only when the
// frame's CRC and sequence number check out (or aborts it). It reads data out
// tentatively too: bytes sent upstream stay in the buffer until the host
// acknowledges them (release) and are read again after a rewind. So no frame
// is ever copied into a second buffer.
//
//   rc <= rt <= wc <= wt <= rc + DEPTH      (pointers one bit wider than addresses)
//   rc: committed read   rt: tentative read   wc: committed write   wt: tentative write
`resetall
`default_nettype none

module chan_buf #(
    parameter DEPTH = 512,              // bytes, a power of two >= 4
    parameter AW    = $clog2(DEPTH)     // address width (derived, do not set)
) (
    input  wire        clk,             // clock
    input  wire        rst,             // synchronous reset, active high: empties the buffer
    // write side
    input  wire [7:0]  wr_data,         // byte to write at the tentative write pointer
    input  wire        wr_valid,        // write wr_data (ignored, and flagged, when wr_free == 0)
    input  wire        wr_commit,       // make every tentative write (one this cycle included) readable
    input  wire        wr_abort,        // discard every tentative write (one this cycle included)
    output wire [AW:0] wr_free,         // bytes that may still be written
    output wire [AW:0] free,            // DEPTH - level: the credit the far end is told
    // read side: first-word-fall-through at the tentative read pointer
    output wire [7:0]  rd_data,         // byte at the tentative read pointer
    output wire        rd_valid,        // rd_data is valid
    input  wire        rd_ready,        // take rd_data, advance the tentative read pointer
    input  wire        rd_release,      // retire rd_release_len bytes at the committed read pointer
    input  wire [AW:0] rd_release_len,  // bytes retired by rd_release (<= rd_inflight)
    input  wire        rd_rewind,       // tentative read pointer := committed read pointer
    output wire [AW:0] rd_avail,        // committed bytes not yet read (rd_data's included)
    output wire [AW:0] rd_inflight,     // bytes read but not yet released
    output wire [AW:0] level,           // committed bytes not yet released
    output wire        overflow,        // strobe: wr_valid while wr_free == 0
    output wire        underflow        // strobe: rd_ready while !rd_valid
);

generate
    if (DEPTH < 4 || (1 << AW) != DEPTH) begin : illegal_parameter
        chan_buf_error_depth_must_be_a_power_of_two_at_least_4 u_error();
    end
endgenerate

reg [7:0]  mem [0:DEPTH-1];
reg [AW:0] wt, wc, rt, rc;
reg [7:0]  rd_data_reg;
reg        rd_valid_reg;

wire do_write = wr_valid && wr_free != 0;
wire do_read  = rd_ready && rd_valid_reg;
wire [AW:0] wt_inc = wt + {{AW{1'b0}}, do_write};
wire [AW:0] rc_next = rd_release ? rc + rd_release_len : rc;

assign wr_free     = DEPTH[AW:0] - (wt - rc);
assign level       = wc - rc;
assign free        = DEPTH[AW:0] - level;
assign rd_avail    = wc - rt;
assign rd_inflight = rt - rc;
assign rd_data     = rd_data_reg;
assign rd_valid    = rd_valid_reg;
assign overflow    = wr_valid && wr_free == 0;
assign underflow   = rd_ready && !rd_valid_reg;

always @(posedge clk) begin
    if (do_write)
        mem[wt[AW-1:0]] <= wr_data;
    // The block RAM is read every clock at the tentative read pointer. A byte
    // becomes valid one clock after the pointer settles on committed data, and
    // stays valid while it waits: committed, unreleased data is never
    // overwritten (the writer's room ends at rc + DEPTH).
    rd_data_reg <= mem[rt[AW-1:0]];
end

always @(posedge clk) begin
    if (rst) begin
        wt <= 0; wc <= 0; rt <= 0; rc <= 0;
        rd_valid_reg <= 1'b0;
    end else begin
        wt <= wr_abort ? wc : wt_inc;
        if (wr_commit && !wr_abort)
            wc <= wt_inc;
        rc <= rc_next;
        if (rd_rewind) begin
            rt <= rc_next;
            rd_valid_reg <= 1'b0;
        end else if (do_read) begin
            rt <= rt + 1'b1;
            rd_valid_reg <= 1'b0;
        end else begin
            rd_valid_reg <= rt != wc;
        end
    end
end

endmodule

`resetall
