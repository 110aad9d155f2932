// video_core — test top: the frame queue and the player without the pixel domain
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// tests/video/video_core_tb.cpp plays the pixel domain itself (vsync
// strobes, row requests, the line buffer), so a test runs thousands of
// vsyncs in seconds.
`resetall
`default_nettype none

module video_core (
    input  wire         clk,              // system clock
    input  wire         rst,              // synchronous reset, active high
    input  wire         reg_sel,          // register port, as video_out's
    input  wire         reg_we,           // register write
    input  wire [3:0]   reg_addr,         // register offset
    input  wire [31:0]  reg_wdata,        // write data
    output wire [31:0]  reg_rdata,        // read data
    output wire         reg_err,          // no such register / read-only
    input  wire [7:0]   dn_data,          // downstream channel byte
    input  wire         dn_valid,         // tentative byte
    input  wire         dn_commit,        // commit
    input  wire         dn_abort,         // abort
    output wire         dn_full,          // no room
    output wire [15:0]  dn_free,          // credit
    output wire         dn_news,          // credit changed
    input  wire         vsync,            // vsync strobe
    input  wire         row_req,          // row request strobe
    input  wire [6:0]   row,              // requested row
    output wire         lb_we,            // line buffer write
    output wire [6:0]   lb_addr,          // line buffer address
    output wire [15:0]  lb_data,          // line buffer data
    output wire [191:0] palette,          // palette on screen
    output wire [7:0]   width4,           // width / 4 on screen
    output wire [7:0]   height4,          // height / 4 on screen
    output wire         buffering         // indicator
);

wire [14:0] level, eos_level;
wire [16:0] head_ptr, release_ptr;
wire        pop, pop_eos, release_en, flush, rq_valid, rq_ready, rs_valid;
wire [17:0] pop_len;
wire [15:0] rq_addr, rs_data, q_bad, q_dropped;
wire        pal_we;
wire [3:0]  pal_idx;
wire [11:0] pal_data;

// the palette as the scanout's block RAM holds it, flattened for the bench
reg [191:0] pal_q;
assign palette = pal_q;
always @(posedge clk)
    if (rst) pal_q <= 192'd0;
    else if (pal_we) pal_q[pal_idx * 12 +: 12] <= pal_data;

video_queue u_queue (
    .clk(clk), .rst(rst),
    .dn_data(dn_data), .dn_valid(dn_valid), .dn_commit(dn_commit), .dn_abort(dn_abort),
    .dn_full(dn_full), .dn_free(dn_free), .dn_news(dn_news),
    .level(level), .eos_level(eos_level), .head_ptr(head_ptr),
    .pop(pop), .pop_len(pop_len), .pop_eos(pop_eos),
    .release_en(release_en), .release_ptr(release_ptr), .flush(flush),
    .rq_valid(rq_valid), .rq_addr(rq_addr), .rq_ready(rq_ready),
    .rs_valid(rs_valid), .rs_data(rs_data), .bad(q_bad), .dropped(q_dropped));

video_player u_player (
    .clk(clk), .rst(rst), .vsync(vsync),
    .level(level), .eos_level(eos_level), .head_ptr(head_ptr),
    .pop(pop), .pop_len(pop_len), .pop_eos(pop_eos),
    .release_en(release_en), .release_ptr(release_ptr), .flush(flush),
    .rq_valid(rq_valid), .rq_addr(rq_addr), .rq_ready(rq_ready),
    .rs_valid(rs_valid), .rs_data(rs_data), .q_bad(q_bad), .q_dropped(q_dropped),
    .row_req(row_req), .row(row), .lb_we(lb_we), .lb_addr(lb_addr), .lb_data(lb_data),
.pal_we(pal_we), .pal_idx(pal_idx), .pal_data(pal_data), .width4(width4), .height4(height4), .buffering(buffering),
    .reg_sel(reg_sel), .reg_we(reg_we), .reg_addr(reg_addr), .reg_wdata(reg_wdata),
    .reg_rdata(reg_rdata), .reg_err(reg_err));

endmodule

`resetall
