// icebuf_core — the board's link and buffers, everything but pins and clocks
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
//  uart_rx ─► link_rx ─┬─► ctrl_in (chan 0) ─► ctrl_regs ─► ctrl_out (chan 0) ─┐
//                      └─► stream  (chan 1) ──────────────────────────────────┤
//                                  traffic (sink/source test modes) ─┘
//  uart_tx ◄─ link_tx ◄────────────────────────────────────────────────────────┘
//
// Channel 1 is one buffer written by link_rx and read by link_tx: the host's
// stream comes back to it (loopback). New channels (keyboard, console, video)
// are new columns of the dn_*/up_* buses.
`resetall
`default_nettype none

module icebuf_core #(
    parameter CLK_HZ       = 12000000,      // system clock in Hz
    parameter BAUD         = 3000000,       // UART rate
    parameter UART_CLK_HZ  = 0,             // uart_clk in Hz; 0: the UART runs on clk
    parameter BOARD_ID     = 1,             // 1 iCEstick, 2 iCEBreaker
    parameter STREAM_DEPTH = 4096,          // stream buffer bytes, a power of two
    parameter TEST_MODES   = 1,             // 1: the stream channel's sink and source (traffic)
    parameter KEYBOARD     = 0,             // 1: the PS/2 keyboard (channel 2, registers 0x20-0x2F)
    parameter VIDEO        = 0,             // 1: the video player (channel 3, registers 0x30-0x3F)
    parameter [31:0] ID      = 32'h49434542, // ID register ("ICEB")
    parameter [31:0] VERSION = 32'h00020000  // VERSION register (2.0.0)
) (
    input  wire       clk,                  // system clock
    input  wire       rst,                  // synchronous reset, active high
    input  wire       uart_clk,             // the UART's clock when UART_CLK_HZ != 0
    input  wire       uart_rst,             // its reset: rst synchronised to uart_clk
    input  wire       uart_rx,              // from the FTDI (asynchronous)
    output wire       uart_tx,              // to the FTDI
    output wire [3:0] status,               // LEDs: link up, rx, tx, error seen
    input  wire       ps2_clk_in,           // PS/2 clock as its pin reads it (KEYBOARD; else unused)
    input  wire       ps2_data_in,          // PS/2 data as its pin reads it (KEYBOARD; else unused)
    output wire       ps2_clk_oe,           // 1: pull the PS/2 clock low (open drain; 0 without KEYBOARD)
    output wire       ps2_data_oe,          // 1: pull the PS/2 data low (open drain; 0 without KEYBOARD)
    input  wire       pix_clk,              // the pixel clock (VIDEO; else unused)
    input  wire       pix_rst,              // rst synchronised to pix_clk (VIDEO)
    output wire [3:0] dvi_r,                // the DVI PMOD's pins (VIDEO; else 0)
    output wire [3:0] dvi_g,
    output wire [3:0] dvi_b,
    output wire       dvi_hs,               // horizontal sync, active low
    output wire       dvi_vs,               // vertical sync, active low
    output wire       dvi_de,               // data enable
    output wire       dvi_clk               // pixel clock to the TFP410
);

`include "icebuf_regs.vh"

// Channels 0 control, 1 stream, then one a peripheral up to the last one
// built (regs/icebuf.tab): link_rx counts a frame for a channel beyond
// NCHAN as a bad frame; one below it whose peripheral is absent refuses
// its frames (credit 0).
localparam NCHAN  = (VIDEO != 0) ? 4 : (KEYBOARD != 0) ? 3 : 2;   // CH_VIDEO + 1, CH_KEYBOARD + 1, CH_STREAM + 1
localparam [31:0] FEATURES = ((TEST_MODES != 0 ? 32'd1 : 32'd0) << F_TEST_MODES)
                           | ((KEYBOARD != 0 ? 32'd1 : 32'd0) << F_KEYBOARD)
                           | ((VIDEO != 0 ? 32'd1 : 32'd0) << F_VIDEO);
localparam MTU    = 1024;                   // payload bytes per frame, at most
// Unacknowledged upstream bytes at most: WINDOW × MTU, the stream buffer's
// size (the board never holds more unacknowledged data than that buffer).
// Acks reach the board behind whatever the host has queued toward it, up to
// the FT2232H's 4 KiB: a window smaller than a few of those would idle the
// line while waiting for them.
localparam WINDOW = STREAM_DEPTH / MTU;
// With a 4 KiB stream buffer the board's own frames are shorter: in
// loopback, where that one buffer holds both directions' bytes, a byte goes
// back up (and its room is free again) sooner; with 1 KiB frames the
// loopback would idle the line for a third of the time (0.73 of the line
// rate against 0.97, `icebuf loopback` on the virtual board). 8 KiB leave
// room for full-size frames both ways.
localparam UP_MTU    = (STREAM_DEPTH >= 8192) ? 1024 : 512;
localparam UP_WINDOW = WINDOW * MTU / UP_MTU;
localparam CTRL_DEPTH = 512;                // one block RAM each way
localparam SW = $clog2(STREAM_DEPTH);
localparam CW = $clog2(CTRL_DEPTH);
localparam [31:0] LINK = (NCHAN << 24) | (WINDOW << 16) | MTU;
// Retransmit when no acknowledgement came for 20 ms, or for one and a half
// windows of frames at the line rate if that is longer (4 KiB at 3 Mbaud:
// 14 ms), so a window in flight plus the FT2232H's latency timer never
// times out.
localparam integer WINDOW_CYCLES = (WINDOW * MTU + UP_WINDOW * 16) * 10 * (CLK_HZ / BAUD);
localparam integer RETX_CYCLES   = (CLK_HZ / 50 > WINDOW_CYCLES * 3 / 2) ? CLK_HZ / 50 : WINDOW_CYCLES * 3 / 2;

// The UART samples at 4 clocks a bit or more; the link takes a byte per 10
// clocks at the most (ctrl_regs needs 8 per request byte).
localparam integer UART_HZ = (UART_CLK_HZ == 0) ? CLK_HZ : UART_CLK_HZ;
generate
    if (CH_STREAM != 4'd1 || CH_KEYBOARD != 4'd2 || CH_VIDEO != 4'd3) begin : table_mismatch
        icebuf_core_error_channel_numbers_differ_from_regs_table u_error();
    end
    if (STREAM_DEPTH < MTU || UART_HZ < 4 * BAUD || CLK_HZ < BAUD) begin : illegal_parameter
        icebuf_core_error_depth_below_mtu_or_clocks_too_slow_for_baud u_error();
    end
endgenerate

// ---- UART ----------------------------------------------------------------
// On clk, or in a faster clock domain of its own (a UART samples at 4 clocks
// a bit or more: 12 Mbaud needs 48 MHz, more than the link logic meets)
// with a fifo_async each way and a toggle for the framing-error event.
wire [7:0] rx_data;
wire       rx_valid, rx_frame_err;
wire [7:0] tx_data;
wire       tx_valid, tx_ready;

generate
    if (UART_CLK_HZ == 0) begin : uart_same_clock
        uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_uart_rx (
            .clk(clk), .rst(rst), .rx(uart_rx),
            .m_data(rx_data), .m_valid(rx_valid), .frame_err(rx_frame_err));

        uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_uart_tx (
            .clk(clk), .rst(rst),
            .s_data(tx_data), .s_valid(tx_valid), .s_ready(tx_ready), .tx(uart_tx));

        wire unused_uart_clock = &{1'b0, uart_clk, uart_rst};
    end else begin : uart_own_clock
        wire [7:0] u_rx_data, u_tx_data;
        wire       u_rx_valid, u_rx_err, u_tx_valid, u_tx_ready, rx_fifo_ready;

        uart_rx #(.CLK_HZ(UART_CLK_HZ), .BAUD(BAUD)) u_uart_rx (
            .clk(uart_clk), .rst(uart_rst), .rx(uart_rx),
            .m_data(u_rx_data), .m_valid(u_rx_valid), .frame_err(u_rx_err));

        // link_rx takes a byte every clock, so the FIFO never holds more
        // than the few bytes in flight through its synchronisers.
        fifo_async #(.WIDTH(8), .DEPTH(16)) u_rx_fifo (
            .s_clk(uart_clk), .s_rst(uart_rst),
            .s_data(u_rx_data), .s_valid(u_rx_valid), .s_ready(rx_fifo_ready), .s_level(),
            .m_clk(clk), .m_rst(rst),
            .m_data(rx_data), .m_valid(rx_valid), .m_ready(1'b1), .m_level());
        wire unused_rx_ready = &{1'b0, rx_fifo_ready};

        fifo_async #(.WIDTH(8), .DEPTH(16)) u_tx_fifo (
            .s_clk(clk), .s_rst(rst),
            .s_data(tx_data), .s_valid(tx_valid), .s_ready(tx_ready), .s_level(),
            .m_clk(uart_clk), .m_rst(uart_rst),
            .m_data(u_tx_data), .m_valid(u_tx_valid), .m_ready(u_tx_ready), .m_level());

        uart_tx #(.CLK_HZ(UART_CLK_HZ), .BAUD(BAUD)) u_uart_tx (
            .clk(uart_clk), .rst(uart_rst),
            .s_data(u_tx_data), .s_valid(u_tx_valid), .s_ready(u_tx_ready), .tx(uart_tx));

        // A framing error (at most one a byte time) flips a toggle; clk sees
        // each flip through two flops.
        reg       err_toggle;
        reg [2:0] err_sync;
        always @(posedge uart_clk)
            if (uart_rst) err_toggle <= 1'b0;
            else if (u_rx_err) err_toggle <= !err_toggle;
        always @(posedge clk)
            if (rst) err_sync <= 3'b000;
            else err_sync <= {err_sync[1:0], err_toggle};
        assign rx_frame_err = err_sync[2] != err_sync[1];
    end
endgenerate

// ---- link -------------------------------------------------------------------
wire [7:0]       dn_data;
wire [NCHAN-1:0] dn_valid, dn_commit, dn_abort, dn_full;
wire [NCHAN*16-1:0] dn_free;
wire [NCHAN-1:0] dn_news;                  // dn_free changes: a commit, a release, a reset, a mode
wire [NCHAN*8-1:0]  up_data;
wire [NCHAN-1:0] up_valid, up_ready, up_more, up_release, up_rewind;
wire [15:0]      up_release_len;

wire        hdr_valid, ack_owed, nak_owed;
wire [3:0]  hdr_type, hdr_cchan;
wire [7:0]  hdr_ack, ack_seq;
wire [15:0] hdr_credit;
wire        ev_rx_frame, ev_bad_crc, ev_bad_frame, ev_seq_err, ev_overflow;
wire [3:0]  ev_chan;
wire        ev_tx_frame, ev_retransmit, synced, sync_start;
// Control requests and responses belong to the session that made them: a
// new session (SYNC) starts the control channel afresh, while the data
// channels keep their contents.
reg         ctrl_rst;
always @(posedge clk) ctrl_rst <= rst || sync_start;

link_rx #(.NCHAN(NCHAN), .MTU(MTU)) u_link_rx (
    .clk(clk), .rst(rst), .s_data(rx_data), .s_valid(rx_valid),
    .dn_data(dn_data), .dn_valid(dn_valid), .dn_commit(dn_commit), .dn_abort(dn_abort),
    .dn_full(dn_full),
    .hdr_valid(hdr_valid), .hdr_type(hdr_type), .hdr_ack(hdr_ack), .hdr_cchan(hdr_cchan),
    .hdr_credit(hdr_credit), .ack_seq(ack_seq), .ack_owed(ack_owed), .nak_owed(nak_owed),
    .ev_frame(ev_rx_frame), .ev_bad_crc(ev_bad_crc), .ev_bad_frame(ev_bad_frame),
    .ev_seq_err(ev_seq_err), .ev_overflow(ev_overflow), .ev_chan(ev_chan));

link_tx #(.NUP(NCHAN), .NDN(NCHAN), .MTU(UP_MTU), .WINDOW(UP_WINDOW), .RETX_CYCLES(RETX_CYCLES)) u_link_tx (
    .clk(clk), .rst(rst), .m_data(tx_data), .m_valid(tx_valid), .m_ready(tx_ready),
    .hdr_valid(hdr_valid), .hdr_type(hdr_type), .hdr_ack(hdr_ack), .hdr_cchan(hdr_cchan),
    .hdr_credit(hdr_credit), .ack_seq(ack_seq), .ack_owed(ack_owed), .nak_owed(nak_owed),
    .dn_free(dn_free), .dn_news(dn_news),
    .up_data(up_data), .up_valid(up_valid), .up_ready(up_ready),
    .up_release(up_release), .up_release_len(up_release_len), .up_rewind(up_rewind),
    .up_more(up_more),
    .ev_frame(ev_tx_frame), .ev_retransmit(ev_retransmit), .synced(synced),
    .sync_start(sync_start));

// ---- channel 0: control ------------------------------------------------------
// Requests go straight from link_rx into ctrl_regs; responses are written
// tentatively into ctrl_out and committed with the frame that asked.
wire [7:0]  resp_data;
wire        req_ready, resp_valid, resp_full;
wire [CW:0] cout_free;

chan_buf #(.DEPTH(CTRL_DEPTH)) u_ctrl_out (
    .clk(clk), .rst(ctrl_rst),
    .wr_data(resp_data), .wr_valid(resp_valid), .wr_commit(dn_commit[0]), .wr_abort(dn_abort[0]),
    .wr_full(resp_full), .free(cout_free),
    .rd_data(up_data[7:0]), .rd_valid(up_valid[0]), .rd_ready(up_ready[0]), .rd_more(up_more[0]),
    .rd_release(up_release[0]), .rd_release_len(up_release_len[CW:0]), .rd_rewind(up_rewind[0]),
    .rd_inflight(), .level(), .overflow(), .underflow());

// A request of n bytes makes at most 3n bytes of response: the credit for
// requests is a quarter of the room for responses.
assign dn_full[0]    = !req_ready;
assign dn_free[15:0] = {{(17-CW){1'b0}}, cout_free[CW:2]};
assign dn_news[0]    = dn_commit[0] || up_release[0] || ctrl_rst;
wire   unused_free_bits = &{1'b0, cout_free[1:0]};

// ---- channel 1: stream (loopback, or the test modes of traffic) -------------
// Loopback: link_rx writes the buffer, link_tx reads it. SINK: the host's
// bytes go to traffic instead, and the channel always has room. SOURCE:
// traffic writes the buffer; without SINK the host's frames for the
// channel are refused (its credit reads 0).
wire [SW:0] s_free, s_level;
wire        s_full, s_underflow;
wire [31:0] t_mode, t_value, t_sink_bytes;
wire        t_sink, t_source, t_set, t_wr_valid;
wire [15:0] t_sink_crc;
wire [7:0]  t_wr_data;

generate
    if (TEST_MODES != 0) begin : test_modes
        traffic u_traffic (
            .clk(clk), .rst(ctrl_rst), .mode_set(t_set), .mode_value(t_value),
            .mode(t_mode), .source(t_source), .sink(t_sink),
            .dn_data(dn_data), .dn_valid(dn_valid[1]), .dn_commit(dn_commit[1]), .dn_abort(dn_abort[1]),
            .sink_bytes(t_sink_bytes), .sink_crc(t_sink_crc),
            .wr_data(t_wr_data), .wr_valid(t_wr_valid), .wr_full(s_full));
    end else begin : no_test_modes
        // Loopback only: the registers of the test modes do not exist.
        assign {t_mode, t_source, t_sink, t_sink_bytes, t_sink_crc, t_wr_data, t_wr_valid} = 0;
        wire unused_traffic = &{1'b0, t_set, t_value};
    end
endgenerate

chan_buf #(.DEPTH(STREAM_DEPTH)) u_stream (
    .clk(clk), .rst(rst),
    .wr_data(t_source ? t_wr_data : dn_data),
    .wr_valid(t_source ? t_wr_valid : dn_valid[1] && !t_sink),
    .wr_commit(t_source ? t_wr_valid : dn_commit[1] && !t_sink),
    .wr_abort(!t_source && !t_sink && dn_abort[1]),
    .wr_full(s_full), .free(s_free),
    .rd_data(up_data[15:8]), .rd_valid(up_valid[1]), .rd_ready(up_ready[1]), .rd_more(up_more[1]),
    .rd_release(up_release[1]), .rd_release_len(up_release_len[SW:0]), .rd_rewind(up_rewind[1]),
    .rd_inflight(), .level(s_level), .overflow(), .underflow(s_underflow));

assign dn_full[1]         = t_sink ? 1'b0 : (s_full || t_source);
wire   unused_len_bits    = &{1'b0, up_release_len[15:SW+1]};   // frames are shorter than the buffer
assign dn_free[31:16]     = t_sink   ? STREAM_DEPTH[15:0] :
                            t_source ? 16'd0 : {{(15-SW){1'b0}}, s_free};
assign dn_news[1]         = dn_commit[1] || up_release[1] || t_wr_valid || t_set || ctrl_rst;

// ---- channels 2 and up: peripherals -------------------------------------------
// One chan_ep a channel; a peripheral connects to its p_* columns (the
// contract: /work/brief/peripherals.md). Upstream buffers are PERIPH_UP_DEPTH
// bytes each; link_tx's release lengths are as wide as the stream's.
localparam PERIPH_UP_DEPTH = 512;
localparam PW = $clog2(PERIPH_UP_DEPTH);
wire [NCHAN*8-1:0]  p_dn_data;              // peripheral side: column c is channel c
wire [NCHAN-1:0]    p_dn_valid, p_dn_commit, p_dn_abort, p_dn_full, p_dn_news;
wire [NCHAN*16-1:0] p_dn_free;
wire [NCHAN*8-1:0]  p_up_data;
wire [NCHAN-1:0]    p_up_valid, p_up_commit, p_up_abort, p_up_full, p_up_overflow;
wire [NCHAN*(PW+1)-1:0] p_up_free;

// Register windows (regs/icebuf.tab): window 0 keyboard (0x20-0x2F),
// 1 video (0x30-0x3F), 2 console (0x40-0x4F). A peripheral owns its column
// of w_* (the contract's reg_sel .. reg_err); a window without its
// peripheral answers no register (E1), and without any ctrl_regs builds no
// window logic at all.
localparam NWIN = 3;
localparam [NWIN-1:0] WIN_PRESENT = {1'b0, VIDEO != 0, KEYBOARD != 0};
wire            x_sel, x_we, x_err;
wire [7:0]      x_addr;
wire [31:0]     x_wdata, x_rdata;
wire [NWIN-1:0] w_sel, w_err;
wire            w_we;
wire [3:0]      w_addr;
wire [31:0]     w_wdata;
wire [NWIN*32-1:0] w_rdata;
wire [31:0]     kbd_rdata;                  // window 0 from ps2_keyboard (KEYBOARD)
wire            kbd_err;
wire [31:0]     vid_rdata;                  // window 1 from video_out (VIDEO)
wire            vid_err;

reg_windows #(.NWIN(NWIN), .PRESENT(WIN_PRESENT)) u_windows (
    .clk(clk), .rst(rst),
    .x_sel(x_sel), .x_we(x_we), .x_addr(x_addr), .x_wdata(x_wdata), .x_rdata(x_rdata), .x_err(x_err),
    .reg_sel(w_sel), .reg_we(w_we), .reg_addr(w_addr), .reg_wdata(w_wdata),
    .reg_rdata(w_rdata), .reg_err(w_err));

genvar c;
generate
    // Until a peripheral's instance takes its window: no register there.
    if (KEYBOARD != 0) begin : keyboard_regs
        // Window 0 is the keyboard's: ps2_keyboard (in the channel loop
        // below) drives kbd_rdata/kbd_err from w_sel[0] and the shared
        // w_we/w_addr/w_wdata.
        assign {w_rdata[31:0], w_err[0]} = {kbd_rdata, kbd_err};
    end else begin : no_keyboard_regs
        assign {w_rdata[31:0], w_err[0]} = {32'd0, 1'b1};
        assign {ps2_clk_oe, ps2_data_oe} = 2'b00;
        wire unused_ps2 = &{1'b0, ps2_clk_in, ps2_data_in, kbd_rdata, kbd_err};
        assign {kbd_rdata, kbd_err} = 33'd0;
    end
    if (VIDEO != 0) begin : video_regs
        // Window 1 is the video player's: video_out (in the channel loop
        // below) drives vid_rdata/vid_err from w_sel[1].
        assign {w_rdata[63:32], w_err[1]} = {vid_rdata, vid_err};
    end else begin : no_video_regs
        assign {w_rdata[63:32], w_err[1]} = {32'd0, 1'b1};
        assign {dvi_r, dvi_g, dvi_b, dvi_hs, dvi_vs, dvi_de, dvi_clk} = {12'd0, 4'b1100};
        assign {vid_rdata, vid_err} = 33'd0;
        wire unused_video = &{1'b0, pix_clk, pix_rst, vid_rdata, vid_err};
    end
    assign {w_rdata[95:64], w_err[2]} = {32'd0, 1'b1};  // console: not yet
    for (c = 2; c < NCHAN; c = c + 1) begin : periph
        // Which directions the channel has (the contract): the keyboard
        // sends upstream, the video takes downstream.
        localparam HAS = (c == CH_KEYBOARD) ? (KEYBOARD != 0) : (c == CH_VIDEO) ? (VIDEO != 0) : 0;
        // The keyboard brings its own chan_buf (ps2_kbd_buf writes whole
        // records into it), so its link_tx side is connected straight to
        // ps2_keyboard's rd_* and chan_ep builds no second buffer (UP 0).
        localparam DN  = HAS && c == CH_VIDEO;
        localparam UP  = 0;
        wire [7:0] ep_up_data;              // chan_ep's upstream (unused while it has none)
        wire       ep_up_valid, ep_up_more;
        chan_ep #(.DN(DN), .UP(UP), .UP_DEPTH(PERIPH_UP_DEPTH)) u_ep (
            .clk(clk), .rst(rst),
            .l_dn_data(dn_data), .l_dn_valid(dn_valid[c]), .l_dn_commit(dn_commit[c]),
            .l_dn_abort(dn_abort[c]), .l_dn_full(dn_full[c]), .l_dn_free(dn_free[16*c +: 16]),
            .l_dn_news(dn_news[c]),
            .l_up_data(ep_up_data), .l_up_valid(ep_up_valid), .l_up_ready(up_ready[c]),
            .l_up_more(ep_up_more), .l_up_release(up_release[c]), .l_up_release_len(up_release_len),
            .l_up_rewind(up_rewind[c]),
            .dn_data(p_dn_data[8*c +: 8]), .dn_valid(p_dn_valid[c]), .dn_commit(p_dn_commit[c]),
            .dn_abort(p_dn_abort[c]), .dn_full(p_dn_full[c]), .dn_free(p_dn_free[16*c +: 16]),
            .dn_news(p_dn_news[c]),
            .up_data(p_up_data[8*c +: 8]), .up_valid(p_up_valid[c]), .up_commit(p_up_commit[c]),
            .up_abort(p_up_abort[c]), .up_full(p_up_full[c]), .up_free(p_up_free[(PW+1)*c +: PW+1]),
            .up_overflow(p_up_overflow[c]));

        if (c == CH_KEYBOARD && KEYBOARD != 0) begin : keyboard
            // Key event records (docs/keyboard.md) from the keyboard's own
            // chan_buf of KBD_DEPTH bytes straight to link_tx; its
            // registers on window 0; its pins through icebuf_core's ps2_*.
            localparam KBD_DEPTH = 2048;    // 510 events and the overflow reserve (2 block RAMs)
            localparam KW = $clog2(KBD_DEPTH);
            ps2_keyboard #(.CLK_HZ(CLK_HZ), .DEPTH(KBD_DEPTH)) u_keyboard (
                .clk(clk), .rst(rst),
                .clk_in(ps2_clk_in), .data_in(ps2_data_in), .clk_oe(ps2_clk_oe), .data_oe(ps2_data_oe),
                .reg_sel(w_sel[0]), .reg_we(w_we), .reg_addr(w_addr), .reg_wdata(w_wdata),
                .reg_rdata(kbd_rdata), .reg_err(kbd_err),
                .rd_data(up_data[8*c +: 8]), .rd_valid(up_valid[c]), .rd_ready(up_ready[c]),
                .rd_more(up_more[c]), .rd_release(up_release[c]),
                .rd_release_len(up_release_len[KW:0]),     // a release is one frame, shorter than the buffer
                .rd_rewind(up_rewind[c]), .rd_inflight());
            assign {p_up_data[8*c +: 8], p_up_valid[c], p_up_commit[c], p_up_abort[c]} = 11'd0;
            wire unused_ep_up = &{1'b0, ep_up_data, ep_up_valid, ep_up_more};
        end else begin : chan_ep_up
            assign up_data[8*c +: 8] = ep_up_data;
            assign {up_valid[c], up_more[c]} = {ep_up_valid, ep_up_more};
        end
        if (c == CH_VIDEO && VIDEO != 0) begin : video
            // Frame records downstream through chan_ep's p_dn_*[c] into
            // the frame queue (its credit is the queue's committed room),
            // the player's registers on window 1, the scanout on pix_clk.
            video_out u_video (
                .clk(clk), .rst(rst), .pix_clk(pix_clk), .pix_rst(pix_rst),
                .reg_sel(w_sel[1]), .reg_we(w_we), .reg_addr(w_addr), .reg_wdata(w_wdata),
                .reg_rdata(vid_rdata), .reg_err(vid_err),
                .dn_data(p_dn_data[8*c +: 8]), .dn_valid(p_dn_valid[c]), .dn_commit(p_dn_commit[c]),
                .dn_abort(p_dn_abort[c]), .dn_full(p_dn_full[c]), .dn_free(p_dn_free[16*c +: 16]),
                .dn_news(p_dn_news[c]),
                .dvi_r(dvi_r), .dvi_g(dvi_g), .dvi_b(dvi_b), .dvi_hs(dvi_hs), .dvi_vs(dvi_vs),
                .dvi_de(dvi_de), .dvi_clk(dvi_clk));
        end
        if (!(c == CH_KEYBOARD && KEYBOARD != 0)) begin : no_up
            assign {p_up_data[8*c +: 8], p_up_valid[c], p_up_commit[c], p_up_abort[c]} = 11'd0;
        end
        if (!(c == CH_VIDEO && VIDEO != 0)) begin : no_dn
            assign {p_dn_full[c], p_dn_free[16*c +: 16], p_dn_news[c]} = 18'd0;
        end
    end
    // Columns 0 and 1 of the p_* buses are not channels of chan_ep.
    assign {p_dn_data[15:0], p_dn_valid[1:0], p_dn_commit[1:0], p_dn_abort[1:0]} = 22'd0;
    assign {p_dn_full[1:0], p_dn_free[31:0], p_dn_news[1:0]} = 36'd0;
    assign {p_up_data[15:0], p_up_valid[1:0], p_up_commit[1:0], p_up_abort[1:0]} = 22'd0;
    assign {p_up_full[1:0], p_up_free[2*(PW+1)-1:0], p_up_overflow[1:0]} = {(2*PW+6){1'b0}};
endgenerate
wire unused_periph = &{1'b0, p_dn_data, p_dn_valid, p_dn_commit, p_dn_abort, p_dn_full, p_dn_free,
                       p_dn_news, p_up_data, p_up_valid, p_up_commit, p_up_abort, p_up_full, p_up_free,
                       p_up_overflow, w_sel, w_we, w_addr, w_wdata};

// ---- registers -----------------------------------------------------------------
wire err_seen;
wire [9:0] events = {
    1'b0,                                   // 9 UART_OVERRUN: link_rx takes a byte every clock
    rx_frame_err,                           // 8 UART_FRAME_ERR
    ev_retransmit,                          // 7 TX_RETRANSMIT
    ev_tx_frame,                            // 6 TX_FRAMES
    ev_seq_err,                             // 5 RX_SEQ_ERR
    ev_bad_frame,                           // 4 RX_BAD_FRAME
    ev_bad_crc,                             // 3 RX_BAD_CRC
    ev_rx_frame,                            // 2 RX_FRAMES
    s_underflow,                            // 1 STREAM_UNDERFLOW
    ev_overflow && ev_chan == 4'd1          // 0 STREAM_OVERFLOW
};

ctrl_regs #(
    .ID(ID), .VERSION(VERSION), .BOARD_ID(BOARD_ID), .CLK_HZ(CLK_HZ), .BAUD(BAUD),
    .LINK(LINK), .STREAM_DEPTH(STREAM_DEPTH), .FEATURES(FEATURES), .NEV(10), .TEST_MODES(TEST_MODES),
    .WINDOWS(KEYBOARD != 0 || VIDEO != 0)
) u_ctrl (
    .clk(clk), .rst(rst), .sess_rst(ctrl_rst),
    .f_commit(dn_commit[0]), .f_abort(dn_abort[0]),
    .s_data(dn_data), .s_valid(dn_valid[0]), .s_ready(req_ready),
    .m_data(resp_data), .m_valid(resp_valid), .m_full(resp_full),
    .stream_level({{(15-SW){1'b0}}, s_level}),
    .traffic(t_mode), .sink_bytes(t_sink_bytes), .sink_crc(t_sink_crc),
    .traffic_set(t_set), .traffic_value(t_value),
    .events(events),
    .x_sel(x_sel), .x_we(x_we), .x_addr(x_addr), .x_wdata(x_wdata), .x_rdata(x_rdata), .x_err(x_err),
    .err_seen(err_seen));

// ---- status LEDs: activity held for 2^19..2^20 clocks (44-87 ms at 12 MHz)
reg [19:0] blink_div;
reg        rx_seen, tx_seen, rx_led, tx_led;
always @(posedge clk) begin
    if (rst) begin
        blink_div <= 0;
        {rx_seen, tx_seen, rx_led, tx_led} <= 4'b0;
    end else begin
        blink_div <= blink_div + 1'b1;
        if (blink_div == 0) begin
            rx_led  <= rx_seen;
            tx_led  <= tx_seen;
            rx_seen <= rx_valid;
            tx_seen <= tx_valid && tx_ready;
        end else begin
            rx_seen <= rx_seen || rx_valid;
            tx_seen <= tx_seen || (tx_valid && tx_ready);
        end
    end
end
assign status = {err_seen, tx_led, rx_led, synced};

endmodule

`resetall
