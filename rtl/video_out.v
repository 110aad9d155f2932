// video_out — the video buffer: frame queue, player and DVI scanout
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The video channel (3) of the link fills the queue (rtl/video_queue.v, 128
// KiB of SPRAM), the player (rtl/video_player.v) shows its frames at their
// rate and owns register window 0x30, and the scanout (rtl/video_scan.v)
// drives the 1BitSquared 12-bit DVI PMOD at 640×480, 60 Hz. clk is the
// system clock; pix_clk the pixel clock (25.125 MHz, unrelated to clk as
// far as this core is concerned). The pixel clock leaves through a DDR IO
// register (rtl/ice40/ice40_ddr_out.v) inverted: its rising edge falls in
// the middle of each pixel, half a clock after the data changed.
`resetall
`default_nettype none

module video_out (
    input  wire        clk,                 // system clock
    input  wire        rst,                 // synchronous reset in clk, active high
    input  wire        pix_clk,             // pixel clock
    input  wire        pix_rst,             // synchronous reset in pix_clk, active high
    // registers, window 0x30
    input  wire        reg_sel,             // one-clock strobe: a request for reg_addr
    input  wire        reg_we,              // with reg_sel: a write of reg_wdata
    input  wire [3:0]  reg_addr,            // register offset in the window
    input  wire [31:0] reg_wdata,           // write data
    output wire [31:0] reg_rdata,           // read data, the clock after reg_sel
    output wire        reg_err,             // with reg_rdata: no such register / read-only
    // downstream channel
    input  wire [7:0]  dn_data,             // a byte of the video channel
    input  wire        dn_valid,            // dn_data is a tentative byte
    input  wire        dn_commit,           // keep the bytes since the last commit
    input  wire        dn_abort,            // drop the bytes since the last commit
    output wire        dn_full,             // no room for another byte
    output wire [15:0] dn_free,             // committed room, saturating at 65535 (the credit)
    output wire        dn_news,             // one clock: dn_free changed
    // DVI PMOD
    output wire [3:0]  dvi_r,               // red
    output wire [3:0]  dvi_g,               // green
    output wire [3:0]  dvi_b,               // blue
    output wire        dvi_hs,              // horizontal sync, active low
    output wire        dvi_vs,              // vertical sync, active low
    output wire        dvi_de,              // data enable
    output wire        dvi_clk              // pixel clock to the TFP410
);

localparam LW = 15;

wire [LW-1:0] level, eos_level;
wire [16:0]   head_ptr, release_ptr;
wire          pop, pop_eos, release_en, flush;
wire [17:0]   pop_len;
wire          rq_valid, rq_ready, rs_valid;
wire [15:0]   rq_addr, rs_data, q_bad, q_dropped;

video_queue #(.LW(LW)) u_queue (
    .clk(clk), .rst(rst),
    .dn_data(dn_data), .dn_valid(dn_valid), .dn_commit(dn_commit), .dn_abort(dn_abort),
    .dn_full(dn_full), .dn_free(dn_free), .dn_news(dn_news),
    .level(level), .eos_level(eos_level), .head_ptr(head_ptr),
    .pop(pop), .pop_len(pop_len), .pop_eos(pop_eos),
    .release_en(release_en), .release_ptr(release_ptr), .flush(flush),
    .rq_valid(rq_valid), .rq_addr(rq_addr), .rq_ready(rq_ready),
    .rs_valid(rs_valid), .rs_data(rs_data), .bad(q_bad), .dropped(q_dropped));

wire          vsync_ev, row_req, lb_we, buffering;
wire [6:0]    row, lb_addr;
wire [15:0]   lb_data;
wire          pal_we;
wire [3:0]    pal_idx;
wire [11:0]   pal_data;
wire [7:0]    width4, height4;

video_player #(.LW(LW)) u_player (
    .clk(clk), .rst(rst), .vsync(vsync_ev),
    .level(level), .eos_level(eos_level), .head_ptr(head_ptr),
    .pop(pop), .pop_len(pop_len), .pop_eos(pop_eos),
    .release_en(release_en), .release_ptr(release_ptr), .flush(flush),
    .rq_valid(rq_valid), .rq_addr(rq_addr), .rq_ready(rq_ready),
    .rs_valid(rs_valid), .rs_data(rs_data), .q_bad(q_bad), .q_dropped(q_dropped),
    .row_req(row_req), .row(row), .lb_we(lb_we), .lb_addr(lb_addr), .lb_data(lb_data),
    .pal_we(pal_we), .pal_idx(pal_idx), .pal_data(pal_data),
    .width4(width4), .height4(height4), .buffering(buffering),
    .reg_sel(reg_sel), .reg_we(reg_we), .reg_addr(reg_addr), .reg_wdata(reg_wdata),
    .reg_rdata(reg_rdata), .reg_err(reg_err));

video_scan u_scan (
    .pix_clk(pix_clk), .pix_rst(pix_rst), .clk(clk), .rst(rst),
    .lb_we(lb_we), .lb_addr(lb_addr), .lb_data(lb_data),
    .vsync_ev(vsync_ev), .row_req(row_req), .row(row),
    .pal_we(pal_we), .pal_idx(pal_idx), .pal_data(pal_data),
    .width4(width4), .height4(height4), .buffering(buffering),
    .r(dvi_r), .g(dvi_g), .b(dvi_b), .hsync_n(dvi_hs), .vsync_n(dvi_vs), .de(dvi_de));

ice40_ddr_out u_clk_out (.clk(pix_clk), .d0(1'b0), .d1(1'b1), .pin(dvi_clk));

endmodule

`resetall
