// chan_buf — a channel's byte buffer in block RAM, transactional on both sides
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The link writes a frame's payload tentatively and commits it only when the
// frame's CRC and sequence number check out (or aborts it). It reads data out
// tentatively too: bytes sent upstream stay in the buffer until the host
// acknowledges them (release) and are read again after a rewind. So no frame
// is ever copied into a second buffer. A side that is not transactional
// (TXN_WR or TXN_RD 0) commits or releases every byte at once and costs no
// second pointer.
//
//   rc <= rt <= wc <= wt <= rc + DEPTH      (pointers one bit wider than addresses)
//   rc: released   rt: read   wc: committed   wt: written
`resetall
`default_nettype none

module chan_buf #(
    parameter DEPTH  = 512,             // bytes, a power of two >= 4
    parameter TXN_WR = 1,               // 1: writes wait for wr_commit; 0: each write commits
    parameter TXN_RD = 1,               // 1: reads wait for rd_release; 0: each read releases
    parameter AW     = $clog2(DEPTH)    // address width (derived, do not set)
) (
    input  wire        clk,             // clock
    input  wire        rst,             // synchronous reset, active high: empties the buffer
    // write side
    input  wire [7:0]  wr_data,         // byte to write
    input  wire        wr_valid,        // write wr_data (ignored, and flagged, when wr_full)
    input  wire        wr_commit,       // make every tentative write (one this cycle included) readable
    input  wire        wr_abort,        // discard every tentative write (one this cycle included)
    output wire        wr_full,         // no room for another write
    output wire [AW:0] free,            // DEPTH - level: the credit the far end is told
    // read side: first-word-fall-through
    output wire [7:0]  rd_data,         // byte at the read pointer
    output wire        rd_valid,        // rd_data is valid
    input  wire        rd_ready,        // take rd_data
    output wire        rd_more,         // a committed byte follows the one in rd_data (with rd_valid)
    input  wire        rd_release,      // retire rd_release_len bytes at the released pointer
    input  wire [AW:0] rd_release_len,  // bytes retired by rd_release (<= rd_inflight)
    input  wire        rd_rewind,       // read pointer := released pointer, a clock later: read again
    output wire [AW:0] rd_inflight,     // bytes read but not yet released
    output wire [AW:0] level,           // committed bytes not yet released
    output wire        overflow,        // strobe: wr_valid while wr_full
    output wire        underflow        // strobe: rd_ready while !rd_valid
);

generate
    if (DEPTH < 4 || (1 << AW) != DEPTH) begin : illegal_parameter
        chan_buf_error_depth_must_be_a_power_of_two_at_least_4 u_error();
    end
endgenerate

// The registers hold the write, committed and read pointers inverted (wt_n =
// ~wt, ...) and the released pointer as it is. On iCE40 a carry chain takes
// its operands as they are, so a - b costs an inverter per bit; with one
// operand of every difference kept inverted, each is a plain sum (a - b =
// ~(~a + b)), and the inversions left fold into the LUTs that use them.
// Bytes live at the inverted address: position p at ~p mod DEPTH.
//
// A write and the read meet at one address only when the read pointer equals
// the write pointer (a write needs wt < rc + DEPTH), and then nothing is
// committed to offer: the byte read in that clock is never marked valid.
// no_rw_check tells synthesis so, and it builds no bypass logic.
(* no_rw_check *)
reg [7:0]  mem [0:DEPTH-1];
reg [AW:0] wt_n, wc_n_reg, rt_n, rc_reg;
reg [7:0]  rd_data_reg;
reg        rd_valid_reg;
// A rewind takes effect a clock late: the read pointer is loaded from the
// released pointer's register rather than from its adder, whose output then
// feeds that register alone (an iCE40 logic cell cannot both register a
// result and pass it on). Meanwhile nothing is offered.
reg        rewinding;                   // rt := rc at this clock

wire [AW:0] wc_n = TXN_WR ? wc_n_reg : wt_n;
wire [AW:0] rc   = TXN_RD ? rc_reg : ~rt_n;
wire [AW:0] wt   = ~wt_n;

wire do_write = wr_valid && !wr_full;
wire do_read  = rd_ready && rd_valid_reg;
// ~(wt + do_write): the write pointer after this clock's write.
wire [AW:0] wt_inc_n = wt_n + {(AW + 1){do_write}};
// ~(rt + rd_valid): one past the offered byte while one is offered, else the
// read pointer. It is where a read moves the pointer, and one comparison of
// it with wc tells both that another byte follows (while one is offered) and
// that a byte can be offered (while none is).
wire [AW:0] rt_inc_n = rt_n + {(AW + 1){rd_valid_reg}};
wire        rt_inc_ne_wc = rt_inc_n != wc_n;

// Full when the writer is a whole buffer ahead of the released pointer:
// same address, other lap.
assign wr_full     = wt[AW] != rc[AW] && wt[AW-1:0] == rc[AW-1:0];
// level: rc + ~wc = rc - wc - 1 = ~(wc - rc). free: rc - wc (rc + ~wc
// with a carry in) plus DEPTH, which flips the top bit. Each is one carry
// chain of its own, so the inversion folds into the chain's LUTs.
wire [AW:0] rc_wc_n  = rc + wc_n;
wire [AW:0] rc_wc    = rc - ~wc_n;
assign level       = ~rc_wc_n;
assign free        = {~rc_wc[AW], rc_wc[AW-1:0]};
assign rd_inflight = rewinding ? {(AW + 1){1'b0}} : ~(rt_n + rc);
assign rd_data     = rd_data_reg;
assign rd_valid    = rd_valid_reg;
assign rd_more     = rt_inc_ne_wc;
assign overflow    = wr_valid && wr_full;
assign underflow   = rd_ready && !rd_valid_reg;

always @(posedge clk) begin
    if (do_write)
        mem[wt_n[AW-1:0]] <= wr_data;
    // The block RAM is read every clock at the read pointer. A byte becomes
    // valid one clock after the pointer settles on committed data, and stays
    // valid while it waits: committed, unreleased data is never overwritten.
    rd_data_reg <= mem[rt_n[AW-1:0]];
end

always @(posedge clk) begin
    if (rst) begin
        wt_n <= {(AW + 1){1'b1}}; wc_n_reg <= {(AW + 1){1'b1}};
        rt_n <= {(AW + 1){1'b1}}; rc_reg <= 0;
        rd_valid_reg <= 1'b0; rewinding <= 1'b0;
    end else begin
        wt_n <= (TXN_WR && wr_abort) ? wc_n_reg : wt_inc_n;
        if (wr_commit && !wr_abort)
            wc_n_reg <= wt_inc_n;
        rc_reg <= rd_release ? rc_reg + rd_release_len : rc_reg;
        rewinding <= TXN_RD && rd_rewind;
        if (rewinding)
            rt_n <= ~rc_reg;
        else if (do_read)
            rt_n <= rt_inc_n;
        if (TXN_RD && rd_rewind || rewinding || do_read)
            rd_valid_reg <= 1'b0;
        else
            rd_valid_reg <= rd_valid_reg || rt_inc_ne_wc;
    end
end

endmodule

`resetall
