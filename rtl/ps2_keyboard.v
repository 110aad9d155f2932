// ps2_keyboard — a PS/2 keyboard port, its controller, buffer and registers
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// One instance is the whole keyboard peripheral (docs/keyboard.md):
//   pins ─► ps2_host ─► ps2_kbd_ctrl ─► ps2_kbd_buf (chan_buf) ─► rd_* (link_tx)
//                                 ▲
//   reg_* (window 0x20) ─► ps2_kbd_regs: status, counters, LEDs, typematic
// The open-drain outputs are enables: the board top drives each pin low
// while its _oe is 1 and lets it float (pulled up to 5 V through the level
// shifter) otherwise.
`resetall
`default_nettype none

module ps2_keyboard #(
    parameter CLK_HZ      = 12000000,   // system clock frequency in Hz
    parameter DEPTH       = 2048,       // buffer bytes (4 an event), a power of two >= 32
    parameter CNT_W       = 16,         // width of the event and error counters
    parameter INHIBIT_US  = 120,        // host-to-device clock inhibit (>= 100)
    parameter BAT_MS      = 1000,       // limit for the keyboard's self-test after reset
    parameter AW          = $clog2(DEPTH) // buffer address width (derived, do not set)
) (
    input  wire        clk,             // system clock
    input  wire        rst,             // synchronous reset, active high
    // PS/2 pins (open drain)
    input  wire        clk_in,          // PS/2 clock as the pin reads it
    input  wire        data_in,         // PS/2 data as the pin reads it
    output wire        clk_oe,          // 1: pull PS/2 clock low
    output wire        data_oe,         // 1: pull PS/2 data low
    // register window
    input  wire        reg_sel,         // one-clock strobe: a request for register reg_addr of this window
    input  wire        reg_we,          // with reg_sel: a write of reg_wdata (else a read)
    input  wire [3:0]  reg_addr,        // register offset in the window
    input  wire [31:0] reg_wdata,       // data of a write
    output wire [31:0] reg_rdata,       // valid the clock after reg_sel (registered)
    output wire        reg_err,         // with reg_rdata: no such register / read-only
    // upstream channel: the buffer's read side (chan_buf's)
    output wire [7:0]  rd_data,         // byte at the read pointer
    output wire        rd_valid,        // rd_data is valid
    input  wire        rd_ready,        // take rd_data
    output wire        rd_more,         // a committed byte follows the one in rd_data
    input  wire        rd_release,      // retire rd_release_len bytes (acknowledged)
    input  wire [AW:0] rd_release_len,  // bytes retired by rd_release
    input  wire        rd_rewind,       // read again from the released pointer
    output wire [AW:0] rd_inflight      // bytes read but not yet released
);

wire       tick;
wire [7:0] rx_data, tx_data, key_data;
wire       rx_valid, rx_perr, rx_ferr, rx_tout, rx_lost, rx_busy;
wire       tx_start, tx_busy, tx_done, tx_nack, tx_tout;
wire       key_valid, all_up, present, initialised, resend, no_answer;
wire       ev_written, ev_dropped, dropping;
wire [2:0] leds;
wire [6:0] typematic;
wire       leds_set, typematic_set;
wire [20:0] now_ms;

// A millisecond from 100 ticks of 10 us.
reg [6:0] ms_pre;
wire      ms = tick && ms_pre == 0;
always @(posedge clk)
    if (rst)       ms_pre <= 7'd99;
    else if (tick) ms_pre <= ms_pre == 0 ? 7'd99 : ms_pre - 1'b1;

ps2_host #(.CLK_HZ(CLK_HZ), .INHIBIT_US(INHIBIT_US)) u_host (
    .clk(clk), .rst(rst),
    .ps2_clk_in(clk_in), .ps2_data_in(data_in), .ps2_clk_oe(clk_oe), .ps2_data_oe(data_oe),
    .tick(tick),
    .rx_data(rx_data), .rx_valid(rx_valid), .rx_perr(rx_perr), .rx_ferr(rx_ferr),
    .rx_tout(rx_tout), .rx_lost(rx_lost), .rx_busy(rx_busy),
    .tx_data(tx_data), .tx_start(tx_start), .tx_busy(tx_busy),
    .tx_done(tx_done), .tx_nack(tx_nack), .tx_tout(tx_tout));

ps2_kbd_ctrl #(.BAT_MS(BAT_MS)) u_ctrl (
    .clk(clk), .rst(rst), .ms(ms),
    .rx_data(rx_data), .rx_valid(rx_valid), .rx_err(rx_lost), .rx_busy(rx_busy),
    .tx_data(tx_data), .tx_start(tx_start), .tx_busy(tx_busy), .tx_done(tx_done),
    .tx_fail(tx_nack || tx_tout),
    .leds(leds), .leds_set(leds_set), .typematic(typematic), .typematic_set(typematic_set),
    .key_data(key_data), .key_valid(key_valid), .all_up(all_up),
    .present(present), .initialised(initialised), .resend(resend), .no_answer(no_answer));

ps2_kbd_buf #(.DEPTH(DEPTH)) u_buf (
    .clk(clk), .rst(rst), .ms(ms),
    .key_data(key_data), .key_valid(key_valid), .all_up(all_up),
    .now_ms(now_ms), .ev_written(ev_written), .ev_dropped(ev_dropped), .dropping(dropping),
    .rd_data(rd_data), .rd_valid(rd_valid), .rd_ready(rd_ready), .rd_more(rd_more),
    .rd_release(rd_release), .rd_release_len(rd_release_len), .rd_rewind(rd_rewind),
    .rd_inflight(rd_inflight));

ps2_kbd_regs #(.CNT_W(CNT_W)) u_regs (
    .clk(clk), .rst(rst),
    .reg_sel(reg_sel), .reg_we(reg_we), .reg_addr(reg_addr), .reg_wdata(reg_wdata),
    .reg_rdata(reg_rdata), .reg_err(reg_err),
    .present(present), .initialised(initialised), .dropping(dropping), .now_ms(now_ms),
    .ev_written(ev_written), .ev_dropped(ev_dropped),
    .parity_err(rx_perr), .frame_err(rx_ferr || tx_nack), .timeout(rx_tout || tx_tout || no_answer),
    .resend(resend),
    .leds(leds), .leds_set(leds_set), .typematic(typematic), .typematic_set(typematic_set));

endmodule

`resetall
