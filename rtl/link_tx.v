// link_tx — frame transmitter: rCOBS encoding, CRC, go-back-N, credits
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Builds upstream frames (docs/protocol.md) byte by byte into the UART with
// no frame buffer: the rCOBS encoding needs no lookahead, and DATA payloads
// are read straight out of the channel buffers. A sent frame's bytes stay in
// its buffer until the host acknowledges the frame (release); a NAK or a
// time-out rewinds every buffer to its last released byte and the frames are
// sent again, go-back-N. The window table remembers only (channel, length)
// of each unacknowledged frame.
`resetall
`default_nettype none

module link_tx #(
    parameter NUP         = 2,          // upstream channels 0 .. NUP-1
    parameter NDN         = 2,          // downstream channels whose credit is reported
    parameter MTU         = 512,        // largest payload in bytes
    parameter WINDOW      = 8,          // unacknowledged frames at most, a power of two
    parameter RETX_CYCLES = 240000,     // retransmission time-out in clocks
    parameter ADAPT_MTU   = 1           // 1: frame size adapts to the line (below); 0: always up to MTU
) (
    input  wire             clk,            // clock
    input  wire             rst,            // synchronous reset, active high
    // to the UART
    output reg  [7:0]       m_data,         // wire byte
    output reg              m_valid,        // m_data is valid
    input  wire             m_ready,        // the UART takes m_data
    // from link_rx
    input  wire             hdr_valid,      // strobe: good frame received, hdr_* valid
    input  wire [3:0]       hdr_type,       // its type
    input  wire [7:0]       hdr_ack,        // its ack
    input  wire [3:0]       hdr_cchan,      // its credit channel
    input  wire [15:0]      hdr_credit,     // its credit
    input  wire [7:0]       ack_seq,        // our ack field: last downstream seq accepted
    input  wire             ack_owed,       // strobe: send an ack soon
    input  wire             nak_owed,       // strobe: send a NAK soon
    // downstream buffers: their room, reported as credit
    input  wire [NDN*16-1:0] dn_free,       // free bytes of downstream channel i
    input  wire [NDN-1:0]    dn_news,       // strobe: dn_free of channel i changes (by the next clock)
    // upstream buffers (read sides)
    input  wire [NUP*8-1:0]  up_data,       // byte of channel i
    input  wire [NUP-1:0]    up_valid,      // up_data of channel i is valid
    output wire [NUP-1:0]    up_ready,      // take a byte from channel i
    output wire [NUP-1:0]    up_release,    // retire up_release_len bytes of channel i
    output wire [15:0]       up_release_len, // bytes retired
    output wire [NUP-1:0]    up_rewind,     // rewind channel i to its last released byte
    input  wire [NUP-1:0]    up_more,       // channel i has a committed byte after up_data
    // events
    output reg              ev_frame,       // strobe: a frame was sent
    output reg              ev_retransmit,  // strobe: go-back-N rewind
    output reg              synced,         // a SYNC has been answered since reset
    output wire             sync_start      // strobe: a new session starts (between frames)
);

`include "icebuf_regs.vh"          // T_DATA, T_ACK, T_NAK, T_SYNC (regs/icebuf.tab)
localparam WB = $clog2(WINDOW);
localparam LW = $clog2(MTU + 1);
localparam UB = (NUP > 1) ? $clog2(NUP) : 1;    // bits of an upstream channel number

generate
    if ((1 << WB) != WINDOW || WINDOW > 64) begin : illegal_parameter
        link_tx_error_window_must_be_a_power_of_two_up_to_64 u_error();
    end
    if ((1 << $clog2(MTU)) != MTU || MTU < 64) begin : illegal_parameter_mtu
        link_tx_error_mtu_must_be_a_power_of_two_at_least_64 u_error();
    end
    if (WINDOW * MTU > 32768) begin : illegal_parameter_window_bytes
        link_tx_error_window_of_bytes_above_32k u_error();
    end
    if (NUP > 16 || NDN > 16) begin : illegal_parameter_chan
        link_tx_error_at_most_16_channels u_error();
    end
endgenerate

// ---- window: sequence numbers and the table of unacknowledged frames -----
reg [7:0]    next_seq;                  // seq of the next new DATA frame
reg [7:0]    una;                       // oldest unacknowledged seq
reg [7:0]    ack_to;                    // highest ack the host has sent
// (channel, length) of each frame. Two copies written alike, each with one
// read port (the release engine's, the resend's), so each fits a block RAM
// instead of flip-flops. Both are read as a block RAM reads, one clock after
// the address: rel_ent is the entry at una, rs_ent the entry at next_seq
// between frames and at h_slot (the frame on the wire) during one.
// no_rw_check: where a read meets a write on one address, either the word
// read is not used (a new frame's entry) or the word written is the word
// already there (a frame sent again).
(* no_rw_check *)
reg [LW+UB-1:0] tab [0:WINDOW-1];
(* no_rw_check *)
reg [LW+UB-1:0] tab_rs [0:WINDOW-1];
reg [UB-1:0] tab_chan_w;                // channel of the frame being sent
reg [WB:0]   ahead;                     // seqs from next_seq up that were sent before
// After a rewind, the seqs sent before are sent again exactly as the first
// time: same channel, same length. The host may already hold the first
// copy; only identical frames keep its byte count and ours in step. New
// frames go out only with nothing ahead and fewer than WINDOW out, so
// ahead + outstanding never passes WINDOW: a rewind adds them in WB+1 bits.
wire          resend   = ahead != 0;
reg  [LW+UB-1:0] rs_ent;
wire [UB-1:0] rs_chan  = rs_ent[LW+UB-1:LW];
wire [LW-1:0] rs_last  = rs_ent[LW-1:0];     // its length - 1

localparam [2:0] S_IDLE = 3'd0, S_BODY = 3'd1, S_FF = 3'd2, S_FINAL = 3'd3, S_DELIM = 3'd4;
localparam [1:0] P_HDR = 2'd0, P_PAY = 2'd1, P_CRC = 2'd2;

// At most WINDOW frames are out: WB+1 bits count them.
wire [WB:0] outstanding = next_seq[WB:0] - una[WB:0];
wire [7:0]  ack_span    = ack_to - una;
// An ack may only name a frame we have sent whole: one from una up, below
// una + outstanding + ahead (the frames sent before a rewind count: the host
// may hold them), less a new frame still on the wire (its table entry is
// written at its payload's end). Any other ack names a frame we never sent,
// or a previous session's: trusting it would release bytes the host never
// got (and a later go-back-N would resend the wrong ones), so it is ignored
// and counted (ev_retransmit: TX_RETRANSMIT, docs/protocol.md §3). An ack of
// una - 1 says nothing new and leaves ack_to as it is.
reg             resend_h;               // the frame on the wire is a resend
reg  [2:0]      state;
reg  [1:0]      phase;
reg             h_data;                 // the frame is DATA
wire            pend_new  = state != S_IDLE && h_data && !resend_h && phase != P_CRC;
// outstanding + ahead never passes WINDOW: WB+1 bits hold it.
wire [WB:0]     sent_done = outstanding + ahead - {{WB{1'b0}}, pend_new};
wire [7:0]      hdr_span  = hdr_ack - una;
wire            ack_in    = hdr_span[7:WB+1] == 0 && hdr_span[WB:0] < sent_done;
wire            ack_stale = hdr_span == 8'hFF;
// Release the oldest frame, one per clock, while the host's ack covers it.
wire        rel_now     = ack_span[7:WB+1] == 0 && ack_span[WB:0] < outstanding;
reg  [LW+UB-1:0] rel_ent;
wire [UB-1:0] rel_chan  = rel_ent[LW+UB-1:LW];

reg [NUP-1:0] rel_sel;
integer k;
always @(*)
    for (k = 0; k < NUP; k = k + 1)
        rel_sel[k] = rel_now && rel_chan == k[UB-1:0];
assign up_release     = rel_sel;
assign up_release_len = {{(16-LW){1'b0}}, rel_ent[LW-1:0]};

// ---- credits from the host -----------------------------------------------
// The board never has more than WINDOW frames of MTU bytes unacknowledged,
// so it may send on a channel while the host's credit for it covers a whole
// window: open[c]. A credit counts from the frames its ack covers, so it is
// applied once the release engine has caught up with that ack; releasing a
// channel's frames without a fresh credit for it closes it again (the host's
// room shrank by what it accepted).
localparam integer WINDOW_BYTES_I = WINDOW * MTU;
localparam WBB = $clog2(WINDOW_BYTES_I);    // a power of two: a credit covers it if a bit from WBB up is set
wire           unused_credit_bits = &{1'b0, hdr_credit[WBB-1:0]};   // below a window: closed either way
reg  [NUP-1:0] open;
reg            pc_valid;                // a credit waits to be applied
reg  [NUP-1:0] pc_sel;                  // ... for this channel
reg            pc_open;                 // ... and covers a window
reg  [NUP-1:0] can_send;
integer c;
always @(*)
    for (c = 0; c < NUP; c = c + 1)
        can_send[c] = up_valid[c] && open[c];

// Channels with something to send take turns: the first after the one that
// sent last, so neither a busy control channel nor bulk data starves the
// other.
reg  [UB-1:0] pick;
reg           pick_ok;
reg  [UB-1:0] last_ch;
always @(*) begin
    pick    = {UB{1'b0}};
    pick_ok = 1'b0;
    for (c = NUP - 1; c >= 0; c = c - 1)
        if (can_send[c] && c[UB-1:0] <= last_ch) begin
            pick    = c[UB-1:0];
            pick_ok = 1'b1;
        end
    for (c = NUP - 1; c >= 0; c = c - 1)
        if (can_send[c] && c[UB-1:0] > last_ch) begin
            pick    = c[UB-1:0];
            pick_ok = 1'b1;
        end
end

// ---- credit reports and keep-alive ---------------------------------------
// Each frame reports one downstream channel's credit: the next one in turn
// whose credit changed since it was last reported (a busy channel hears of
// its room in every frame, not every NDN-th), or the next in turn if none
// did. When nothing else is sent, an ACK goes out every KEEPALIVE ticks (and
// NDN-1 of them right after a SYNC, which makes every credit news again) so
// the host hears of room that opened up.
localparam TICK_W       = 12;                               // a tick is 4096 clocks
localparam RETX_TICKS   = (RETX_CYCLES >> TICK_W) + 1;
localparam KEEPALIVE    = 15;                               // ticks: 5 ms at 12 MHz
localparam RTW          = $clog2(RETX_TICKS + 1);
reg [TICK_W-1:0] presc;
wire             tick = presc == 0;
localparam RB = (NDN > 1) ? $clog2(NDN) : 1;     // bits of a channel number below NDN
localparam integer NDN_LAST = NDN - 1;
reg [RB-1:0]     rot;                   // credit channel of the next frame, unless another changed
// A channel's credit is news from the clock its room changes (dn_news) or
// a SYNC until a frame's header takes its value; a change in that very
// clock keeps it news.
reg [NDN-1:0]    credit_news;           // channels whose credit the host has not heard
// cc_pick(credit_news): the credit channel the next frame reports. A
// function, called where a frame starts: the same logic as a wire, and a
// simulator evaluates it only in that clock (docs/sim.md, speed).
function [3:0] cc_pick;
    input [NDN-1:0] news;
    integer j;
    begin
        cc_pick = {{(4-RB){1'b0}}, rot};
        for (j = NDN - 1; j >= 0; j = j - 1)
            if (news[j] && j < rot)
                cc_pick = j[3:0];
        for (j = NDN - 1; j >= 0; j = j - 1)
            if (news[j] && j >= rot)
                cc_pick = j[3:0];
    end
endfunction
// The turn after that channel's.
function [RB-1:0] rot_next;
    input [NDN-1:0] news;
    reg   [3:0]     ch;
    begin
        ch       = cc_pick(news);
        rot_next = (ch == NDN_LAST[3:0]) ? {RB{1'b0}} : ch[RB-1:0] + 1'b1;
    end
endfunction
reg [3:0]        quiet;                 // ticks since the last frame started
reg [RB-1:0]     sync_acks;             // ACKs still owed after a SYNC

// ---- frame state ------------------------------------------------------------

reg [2:0]    hi;                        // header byte index, then CRC byte index
reg [LW-1:0] plen;                      // payload bytes sent so far
reg          body_done;                 // the body's last byte is fetched
reg [7:0]    code;                      // rCOBS: non-zero bytes since the last code, plus one
reg          ff_due;                    // a code 0xFF follows the byte on offer
reg [31:0]   crc;
// Each body byte is fetched into m_data, run into the CRC two bits a clock,
// encoded (a zero becomes its code), then offered to the UART: 6 clocks a
// byte at the least, where the UART takes one per 10 at the most.
reg [2:0]    bs;                        // 0 m_data empty, 1..4 into the CRC, 5 on offer
reg [WB-1:0] h_slot;                    // the frame's entry in the tables
reg [3:0]    h_cchan;
reg [7:0]    h_hold;                    // the seq byte, then the low credit byte, latched with the high one
// Header fields are read as they are sent: the ack before the credit, never
// after. A frame accepted in between makes the credit smaller than the ack
// says (the host then counts that frame twice): safe. The credit's two bytes
// are one sample.
reg [15:0]   credit_now;
always @(*) begin
    credit_now = 16'd0;
    for (k = 0; k < NDN; k = k + 1)
        if (h_cchan == k[3:0]) credit_now = dn_free[k*16 +: 16];
end

reg          ack_pending, nak_pending, sync_pending, rewind_pending;
reg [RTW-1:0] timer;                    // ticks without ack progress

// The frame's channel, one-hot, and its byte.
reg [NUP-1:0] h_sel;
reg [7:0]     pay_byte;
reg           pay_ok;
always @(*) begin
    pay_byte = 8'd0;
    pay_ok   = 1'b0;
    for (k = 0; k < NUP; k = k + 1) begin
        pay_byte = pay_byte | (up_data[k*8 +: 8] & {8{h_sel[k]}});
        pay_ok   = pay_ok | (up_valid[k] & h_sel[k]);
    end
end

// The next body byte and whether it is there yet.
reg [7:0] b;
reg       b_ok;
always @(*) begin
    b_ok = 1'b1;
    case (phase)
    P_HDR:
        case (hi)
        3'd1: b = h_hold;
        3'd2: b = ack_seq;
        3'd3: b = {4'd0, h_cchan};
        3'd4: b = credit_now[15:8];
        default: b = h_hold;
        endcase
    P_PAY: begin
        b    = pay_byte;
        b_ok = pay_ok;
    end
    default: b = crc[31:24];               // P_CRC: MSB first
    endcase
end


always @(*)
    case (state)
    S_BODY:  m_valid = bs == 3'd5;
    S_IDLE:  m_valid = 1'b0;
    default: m_valid = 1'b1;
    endcase

wire take     = state == S_BODY && m_valid && m_ready;
wire fetch    = state == S_BODY && bs == 3'd0 && b_ok;
wire fetch_pay = fetch && phase == P_PAY;
// The payload ends at the MTU, at the credit's end, or when the buffer has
// nothing more committed.
reg  more_ok;
always @(*) begin
    more_ok = 1'b0;
    for (c = 0; c < NUP; c = c + 1)
        if (h_sel[c]) more_ok = up_more[c];
end
// New frames are at most mtu_last + 1 long: halved (down to 64) on every
// go-back-N rewind, doubled again (up to MTU) after 16 frames acknowledged
// in a row. On a noisy line short frames get through where long ones would
// be hit, and a rewind costs less.
localparam MIN_MTU = 64;
localparam MB = $clog2(MIN_MTU);        // mtu_last has this bit set while above MIN_MTU
localparam integer MTU_LAST = MTU - 1;
reg [LW-1:0] mtu_last;                  // the current largest payload - 1: a mask of ones
reg [3:0]    clean;                     // frames acknowledged since the last rewind, modulo 16
// Without ADAPT_MTU every frame may be MTU long: legal frames all the same,
// for a smaller board.
wire [LW-1:0] mtu_now = (ADAPT_MTU != 0) ? mtu_last : MTU_LAST[LW-1:0];
wire pay_end = resend_h ? plen == rs_last : (!more_ok || plen == mtu_now);
reg  rs_ok;                             // the resent frame's channel offers its data
always @(*) begin
    rs_ok = 1'b0;
    for (c = 0; c < NUP; c = c + 1)
        if (rs_chan == c[UB-1:0]) rs_ok = up_valid[c];
end
wire apply_credit = pc_valid && !rel_now && !sync_pending;
assign up_ready = fetch_pay ? h_sel : {NUP{1'b0}};

// Rewinds and SYNC are applied only between frames, so a frame on the wire
// is always finished whole.
wire idle      = state == S_IDLE;
wire do_sync   = idle && sync_pending;
wire do_rewind = idle && !sync_pending && rewind_pending && !rel_now;
assign up_rewind = (do_sync || do_rewind) ? {NUP{1'b1}} : {NUP{1'b0}};
assign sync_start = do_sync;

// The next una and the table address of the frame that may start next.
wire [WB-1:0] una_at = do_sync ? {WB{1'b0}} : una[WB-1:0] + {{(WB-1){1'b0}}, rel_now};
wire [WB-1:0] rs_at  = !(idle || state == S_DELIM) ? h_slot :
                       do_sync ? {WB{1'b0}} : do_rewind ? una[WB-1:0] : next_seq[WB-1:0];
always @(posedge clk) begin
    rel_ent <= tab[una_at];
    rs_ent  <= tab_rs[rs_at];
end

// Until the first SYNC the board says nothing: a board that was reset must
// not answer a host whose session it does not know.
wire start_nak  = idle && synced && !sync_pending && !do_rewind && !rewind_pending && nak_pending;
wire start_data = idle && synced && !sync_pending && !rewind_pending && !nak_pending
                  && (resend ? rs_ok : pick_ok && !outstanding[WB]);
wire [UB-1:0] data_chan = resend ? rs_chan : pick;
wire start_ack  = idle && synced && !sync_pending && !rewind_pending && !nak_pending && !start_data
                  && (ack_pending || sync_acks != 0 || quiet == KEEPALIVE);
wire start      = do_sync || start_nak || start_data || start_ack;

// The CRC register starts each frame at all ones and takes every body byte
// before it is offered, two bits a clock from the top. In P_CRC the
// byte is the register's own top byte, and the update is then a plain shift
// by 8: no special case.
wire        crc_en = bs != 3'd0 && bs != 3'd5;
reg  [1:0]  crc_bits;                   // bs 1, 2, 3, 4: m_data[7:6], [5:4], [3:2], [1:0]
always @(*)
    case (bs[1:0])
    2'd1:    crc_bits = m_data[7:6];
    2'd2:    crc_bits = m_data[5:4];
    2'd3:    crc_bits = m_data[3:2];
    default: crc_bits = m_data[1:0];
    endcase
`include "crc32.vh"
always @(posedge clk)
    if (start) crc <= 32'hFFFFFFFF;
    else if (crc_en) crc <= crc32_step(crc, {6'd0, crc_bits}, 2);

// m_data: the kind byte when a frame starts (the first byte of the body);
// each fetched byte; its code once it is in the CRC, if it is a zero; 0xFF
// after the byte that ends 254 without a zero; the final code; the
// delimiter.
wire [7:0] kind    = do_sync ? {T_SYNC, 4'd0} : start_nak ? {T_NAK, 4'd0} :
                     start_data ? {T_DATA, {(4-UB){1'b0}}, data_chan} : {T_ACK, 4'd0};
wire       md_code = (bs == 3'd4 && m_data == 8'h00) || (body_done && m_ready &&
                     ((state == S_BODY && bs == 3'd5 && !ff_due) || state == S_FF));
wire       md_ff   = take && ff_due;
wire       md_end  = state == S_FINAL && m_ready;
always @(posedge clk)
    if (start)        m_data <= kind;
    else if (md_end)  m_data <= 8'h00;
    else if (fetch)   m_data <= b;
    else if (md_code) m_data <= code;
    else if (md_ff)   m_data <= 8'hFF;

always @(posedge clk) begin
    ev_frame      <= 1'b0;
    ev_retransmit <= 1'b0;
    // The reset comes last and overrides: registers without a reset value
    // stay out of it, which keeps their logic free of it.
    // -- what the host told us --------------------------------------
    if (hdr_valid) begin
        pc_valid <= 1'b1;
        for (c = 0; c < NUP; c = c + 1)
            pc_sel[c] <= hdr_cchan == c[3:0];
        pc_open  <= |hdr_credit[15:WBB];
        if (hdr_type == T_SYNC) begin
            sync_pending <= 1'b1;
        end else begin
            if (ack_in)
                ack_to <= hdr_ack;
            else if (!ack_stale)
                ev_retransmit <= 1'b1;      // an ack outside the window: counted, ignored
            if (hdr_type == T_NAK)
                rewind_pending <= 1'b1;
        end
    end else if (apply_credit) begin
        pc_valid <= 1'b0;
    end
    for (c = 0; c < NUP; c = c + 1) begin
        if (do_sync)
            open[c] <= 1'b0;
        else if (apply_credit && pc_sel[c])
            open[c] <= pc_open;
        else if (rel_sel[c])
            open[c] <= 1'b0;
    end
    if (ack_owed) ack_pending <= 1'b1;
    if (nak_owed) nak_pending <= 1'b1;

    // -- acknowledged frames leave the window ------------------------
    if (rel_now) begin
        una <= una + 1'b1;
        clean <= clean + 1'b1;
        if (clean == 4'd15 && !mtu_last[LW-2])
            mtu_last <= {mtu_last[LW-2:0], 1'b1};
    end

    // -- retransmission time-out and keep-alive, in ticks ------------
    presc <= presc + 1'b1;
    if (outstanding == 0 || rel_now)
        timer <= 0;
    else if (tick && timer == RETX_TICKS[RTW-1:0])
        rewind_pending <= 1'b1;
    else if (tick)
        timer <= timer + 1'b1;
    if (tick && quiet != KEEPALIVE)
        quiet <= quiet + 1'b1;

    // -- between frames ----------------------------------------------
    if (do_sync) begin
        sync_pending   <= 1'b0;
        rewind_pending <= 1'b0;
        nak_pending    <= 1'b0;
        next_seq       <= 8'd0;
        ahead          <= 0;
        una            <= 8'd0;
        ack_to         <= 8'hFF;
        synced         <= 1'b1;
        // A new host knows none of our credits: report every one.
        sync_acks      <= NDN_LAST[RB-1:0];
    end
    if (do_rewind) begin
        rewind_pending <= 1'b0;
        next_seq       <= una;
        ahead          <= ahead + outstanding;
        timer          <= 0;
        ev_retransmit  <= 1'b1;
        clean          <= 4'd0;
        if (mtu_last[MB])
            mtu_last <= mtu_last >> 1;
    end
    if (start) begin
        state     <= S_BODY;
        bs        <= 3'd1;                  // the kind byte is in m_data
        phase     <= P_HDR;
        hi        <= 3'd1;
        h_data    <= start_data;
        body_done <= 1'b0;
        code      <= 8'd1;
        ff_due    <= 1'b0;
        h_cchan   <= cc_pick(credit_news);
        quiet     <= 4'd0;
        if (start_ack && sync_acks != 0) sync_acks <= sync_acks - 1'b1;
        rot       <= rot_next(credit_news);
        if (!ack_owed) ack_pending <= 1'b0;   // every frame carries the ack
        h_hold    <= 8'd0;
        plen      <= 0;
        if (start_nak) begin
            if (!nak_owed) nak_pending <= 1'b0;
        end else if (start_data) begin
            h_hold   <= next_seq;
            h_slot   <= next_seq[WB-1:0];
            for (c = 0; c < NUP; c = c + 1)
                h_sel[c] <= data_chan == c[UB-1:0];
            tab_chan_w <= data_chan;
            resend_h   <= resend;
            next_seq   <= next_seq + 1'b1;
            if (resend)
                ahead   <= ahead - 1'b1;
            else
                last_ch <= data_chan;
        end
    end

    // -- the frame on the wire ---------------------------------------
    if (fetch) begin
        bs     <= 3'd1;
        case (phase)
        P_HDR: begin
                   if (hi == 3'd4)
                       h_hold <= credit_now[7:0];
                   if (hi == 3'd5) begin
                       phase <= h_data ? P_PAY : P_CRC;
                       hi    <= 3'd0;
                   end else begin
                       hi <= hi + 1'b1;
                   end
               end
        P_PAY: begin
                   plen <= plen + 1'b1;
                   if (pay_end) begin
                       phase <= P_CRC;
                       tab[h_slot]    <= {tab_chan_w, plen + 1'b1};
                       tab_rs[h_slot] <= {tab_chan_w, plen};
                   end
               end
        default: begin
                   hi <= hi + 1'b1;
                   if (hi == 3'd3)
                       body_done <= 1'b1;
               end
        endcase
    end else if (crc_en) begin
        bs <= bs + 1'b1;
        if (bs == 3'd4) begin               // in the CRC: encode it
            if (m_data == 8'h00) begin
                code   <= 8'd1;
            end else if (code == 8'd254) begin
                code   <= 8'd1;             // 254 bytes without a zero: a code of its own
                ff_due <= 1'b1;
            end else begin
                code   <= code + 1'b1;
            end
        end
    end
    case (state)
    S_BODY: if (take) begin
        bs <= 3'd0;
        if (ff_due) begin
            state  <= S_FF;
            ff_due <= 1'b0;
        end else if (body_done) begin
            state  <= S_FINAL;
        end
    end
    S_FF:    if (m_ready) state <= body_done ? S_FINAL : S_BODY;
    S_FINAL: if (m_ready) state <= S_DELIM;
    S_DELIM: if (m_ready) begin
                 state    <= S_IDLE;
                 ev_frame <= 1'b1;
             end
    default: ;
    endcase
    for (c = 0; c < NDN; c = c + 1)
        if (do_sync || dn_news[c])
            credit_news[c] <= 1'b1;
        else if (fetch && phase == P_HDR && hi == 3'd4 && h_cchan == c[3:0])
            credit_news[c] <= 1'b0;
    if (rst) begin
        ev_frame       <= 1'b0;
        ev_retransmit  <= 1'b0;
        state          <= S_IDLE;
        next_seq       <= 8'd0;
        ahead          <= 0;
        last_ch        <= {UB{1'b0}};
        mtu_last       <= MTU_LAST[LW-1:0];
        clean          <= 4'd0;
        una            <= 8'd0;
        ack_to         <= 8'hFF;
        ack_pending    <= 1'b0;
        nak_pending    <= 1'b0;
        sync_pending   <= 1'b0;
        rewind_pending <= 1'b0;
        timer          <= 0;
        presc          <= 0;
        quiet          <= 4'd0;
        sync_acks      <= {RB{1'b0}};
        rot            <= {RB{1'b0}};
        credit_news    <= {NDN{1'b1}};
        synced         <= 1'b0;
        open           <= {NUP{1'b0}};
        pc_valid       <= 1'b0;
    end
end

`ifdef FORMAL
// Property, proved with Yosys `sat -tempinduct` (tests/formal/link_tx.ys):
// link_tx never releases a frame, hence a byte, it has not sent whole in
// this lap of the window. A ghost bit per table slot is cleared when a new
// frame takes the slot and set when its payload's last byte is fetched; a
// release must find its slot's bit set, whatever the host says (every input
// is free: acks of any value at any time, NAKs, SYNCs, credits, resets).
// The invariants that let induction close: the frames sent whole from una
// up (sent_done) all have their bit set, the ack never lies beyond them,
// and a new frame on the wire is the last of the window (-DNO_INV leaves
// them out: a broken copy must break the property itself).
reg              f_past_valid = 1'b0;
reg [WINDOW-1:0] f_sent;                 // slot i: its frame was sent whole
integer          f_k;
wire [WB+1:0]    f_span = {1'b0, outstanding} + {1'b0, ahead};

always @(posedge clk)
    f_past_valid <= 1'b1;

always @(posedge clk) begin
    if (start_data && !resend)
        f_sent[next_seq[WB-1:0]] <= 1'b0;
    if (fetch_pay && pay_end)
        f_sent[h_slot] <= 1'b1;
end

always @(*) begin
    if (f_past_valid && !rst) begin
        // The property.
        if (rel_now)
            assert(f_sent[una[WB-1:0]]);
`ifndef NO_INV
        // The invariants. The frame on the wire is in a real state, and
        // one that is ending has fetched its body (a DATA frame's payload
        // end, where its table entry is written, comes before its CRC).
        assert(state <= S_DELIM);
        if (state != S_IDLE)
            assert(phase != 2'd3);
        if (state == S_FINAL || state == S_DELIM)
            assert(body_done);
        if (state != S_IDLE && body_done)
            assert(phase == P_CRC);
        assert(f_span <= WINDOW);
        if (pend_new)
            assert(ahead == 0 && outstanding != 0 && h_slot == next_seq[WB-1:0] - 1'b1);
        assert(ack_span == 8'hFF || (ack_span[7:WB+1] == 0 && ack_span[WB:0] < sent_done));
        for (f_k = 0; f_k < WINDOW; f_k = f_k + 1)
            if (f_k < sent_done)
                assert(f_sent[una[WB-1:0] + f_k[WB-1:0]]);
`endif
    end
end
`endif

endmodule

`resetall
