// ps2_kbd_regs — the keyboard's register window (0x20-0x2F)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Offsets in the window (docs/keyboard.md); every counter starts at 0 at
// reset and wraps at CNT_W bits:
//   0 KBD_STATUS     ro  [0] present [1] initialised [2] dropping (buffer full) [10:8] LEDs
//   1 KBD_EVENTS     ro  event records buffered
//   2 KBD_OVERFLOWS  ro  events dropped because the buffer was full
//   3 KBD_PARITY_ERR ro  bytes received with a parity error
//   4 KBD_FRAME_ERR  ro  bad start or stop bit received; bytes sent but not ACKed
//   5 KBD_TIMEOUTS   ro  receiver watchdog; device clock late; a command unanswered
//   6 KBD_RESENDS    ro  bytes sent again (FE from the keyboard, or FE sent to it)
//   7 KBD_LEDS       rw  [0] Scroll [1] Num [2] Caps Lock; a write sends them
//   8 KBD_TYPEMATIC  rw  [6:0] F3's argument (rate and delay); a write sends it
// (a write with bits set beyond the field answers reg_err and changes nothing)
//   9 KBD_TIME       ro  [20:0] the timestamps' clock, ms
// Others, and writes to read-only ones, answer reg_err.
`resetall
`default_nettype none

module ps2_kbd_regs #(
    parameter       CNT_W     = 16,         // width of each counter (1-32)
    parameter [6:0] TYPEMATIC = 7'h2B       // typematic at reset (10.9 /s after 500 ms, the keyboard's own)
) (
    input  wire        clk,                 // system clock
    input  wire        rst,                 // synchronous reset, active high
    input  wire        reg_sel,             // one-clock strobe: a request for register reg_addr of this window
    input  wire        reg_we,              // with reg_sel: a write of reg_wdata (else a read)
    input  wire [3:0]  reg_addr,            // register offset in the window
    input  wire [31:0] reg_wdata,           // data of a write
    output reg  [31:0] reg_rdata,           // valid the clock after reg_sel (registered)
    output reg         reg_err,             // with reg_rdata: no such register / read-only
    input  wire        present,             // status: a keyboard answers
    input  wire        initialised,         // status: it is set up
    input  wire        dropping,            // status: the buffer is full, events are dropped
    input  wire [20:0] now_ms,              // the timestamps' clock
    input  wire        ev_written,          // strobe: count an event
    input  wire        ev_dropped,          // strobe: count an overflow
    input  wire        parity_err,          // strobe: count a parity error
    input  wire        frame_err,           // strobe: count a framing error
    input  wire        timeout,             // strobe: count a time-out
    input  wire        resend,              // strobe: count a resend
    output reg  [2:0]  leds,                // LED setting
    output reg         leds_set,            // strobe: leds written
    output reg  [6:0]  typematic,           // typematic setting
    output reg         typematic_set        // strobe: typematic written
);

generate
    if (CNT_W < 1 || CNT_W > 32) begin : illegal_parameter
        ps2_kbd_regs_error_cnt_w_must_be_1_to_32 u_error();
    end
endgenerate

reg [CNT_W-1:0] c_ev, c_ovf, c_par, c_frm, c_tout, c_res;
always @(posedge clk) begin
    if (rst) begin
        c_ev <= 0; c_ovf <= 0; c_par <= 0; c_frm <= 0; c_tout <= 0; c_res <= 0;
    end else begin
        if (ev_written) c_ev   <= c_ev + 1'b1;
        if (ev_dropped) c_ovf  <= c_ovf + 1'b1;
        if (parity_err) c_par  <= c_par + 1'b1;
        if (frame_err)  c_frm  <= c_frm + 1'b1;
        if (timeout)    c_tout <= c_tout + 1'b1;
        if (resend)     c_res  <= c_res + 1'b1;
    end
end

function [31:0] cnt32;
    input [CNT_W-1:0] c;
    begin
        cnt32 = 32'd0;
        cnt32[CNT_W-1:0] = c;
    end
endfunction

always @(posedge clk) begin
    leds_set <= 1'b0; typematic_set <= 1'b0;
    reg_err <= 1'b0;
    if (rst) begin
        leds <= 3'd0; typematic <= TYPEMATIC; reg_rdata <= 32'd0;
    end else if (reg_sel) begin
        reg_rdata <= 32'd0;
        case (reg_addr)
        4'd0: reg_rdata <= {21'd0, leds, 5'd0, dropping, initialised, present};
        4'd1: reg_rdata <= cnt32(c_ev);
        4'd2: reg_rdata <= cnt32(c_ovf);
        4'd3: reg_rdata <= cnt32(c_par);
        4'd4: reg_rdata <= cnt32(c_frm);
        4'd5: reg_rdata <= cnt32(c_tout);
        4'd6: reg_rdata <= cnt32(c_res);
        4'd7: reg_rdata <= {29'd0, leds};
        4'd8: reg_rdata <= {25'd0, typematic};
        4'd9: reg_rdata <= {11'd0, now_ms};
        default: reg_err <= 1'b1;
        endcase
        if (reg_we) begin
            // A value with bits beyond the field is refused, not cut.
            if (reg_addr == 4'd7 && reg_wdata[31:3] == 29'd0) begin
                leds <= reg_wdata[2:0]; leds_set <= 1'b1; reg_rdata <= {29'd0, reg_wdata[2:0]};
            end else if (reg_addr == 4'd8 && reg_wdata[31:7] == 25'd0) begin
                typematic <= reg_wdata[6:0]; typematic_set <= 1'b1; reg_rdata <= {25'd0, reg_wdata[6:0]};
            end else begin
                reg_err <= 1'b1;
            end
        end
    end
end

endmodule

`resetall
