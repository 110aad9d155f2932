// link_rx — frame receiver: COBS decoding, CRC check, header, sequence check
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Takes the bytes of the downstream wire (docs/protocol.md §1–3) one at a
// time, needs one clock per byte and never stalls. Payload bytes go straight
// into the channel's buffer as tentative writes, four bytes late (the last
// four decoded bytes are the CRC, known only at the delimiter); at the
// delimiter the frame is committed or aborted as a whole.
`resetall
`default_nettype none

module link_rx #(
    parameter NCHAN = 2,                // downstream channels 0 .. NCHAN-1
    parameter MTU   = 512               // largest payload in bytes
) (
    input  wire             clk,        // clock
    input  wire             rst,        // synchronous reset, active high
    input  wire [7:0]       s_data,     // byte from the UART
    input  wire             s_valid,    // strobe: s_data is a new byte
    // channel buffers (write sides)
    output wire [7:0]       dn_data,    // payload byte
    output wire [NCHAN-1:0] dn_valid,   // write dn_data into channel i
    output wire [NCHAN-1:0] dn_commit,  // frame accepted: commit channel i
    output wire [NCHAN-1:0] dn_abort,   // frame refused: abort channel i
    input  wire [NCHAN-1:0] dn_full,    // channel i has no room left (wr_free == 0)
    // what the transmitter needs to know
    output reg              hdr_valid,  // strobe: a frame with a good CRC arrived, fields below valid
    output wire [3:0]       hdr_type,   // its type (1 DATA, 2 ACK, 3 NAK, 4 SYNC)
    output wire [7:0]       hdr_ack,    // its ack field
    output wire [3:0]       hdr_cchan,  // its credit channel
    output wire [15:0]      hdr_credit, // its credit (valid with hdr_valid, until the next frame)
    output wire [7:0]       ack_seq,    // last DATA seq accepted in order (0xFF: none since SYNC)
    output reg              ack_owed,   // strobe: an ACK should be sent
    output reg              nak_owed,   // strobe: a NAK should be sent
    // counter events (strobes)
    output reg              ev_frame,   // good frame received
    output reg              ev_bad_crc, // frame dropped: bad CRC
    output reg              ev_bad_frame, // frame dropped: malformed
    output reg              ev_seq_err, // good frame dropped: unexpected seq
    output reg              ev_overflow, // DATA frame refused: no room
    output wire [3:0]       ev_chan     // channel of ev_overflow (valid with it)
);

// The byte count runs from -10: it is the payload index of the next decoded
// byte, so its sign says "still header", and MTU+1 values past zero fit.
localparam PW = ((MTU < 16) ? 4 : $clog2(MTU + 1)) + 1;
localparam [PW-1:0] P_START = -10;
localparam [PW-1:0] P_MTU   = MTU;
localparam [PW-1:0] P_SIGN  = {1'b1, {(PW-1){1'b0}}};

generate
    if (NCHAN < 1 || NCHAN > 16 || MTU < 1) begin : illegal_parameter
        link_rx_error_nchan_1_to_16_and_mtu_at_least_1 u_error();
    end
endgenerate
`include "icebuf_regs.vh"          // T_DATA, T_ACK, T_NAK, T_SYNC (regs/icebuf.tab)

// ---- COBS decoder -------------------------------------------------------
reg [7:0]  code_left;                   // data bytes left in the current block
reg        zero_pending;                // the current block ends with an implied zero

wire       delim   = s_valid && s_data == 8'h00;
wire       is_code = code_left == 8'd0;
// A decoded byte: either a data byte, or the zero that the previous block
// implied, emitted when this next code byte shows the frame goes on.
wire       d_valid = s_valid && !delim && (!is_code || zero_pending);
wire [7:0] d_byte  = is_code ? 8'h00 : s_data;

// ---- frame fields -------------------------------------------------------
reg [PW-1:0] pos;                       // decoded bytes so far - 10 (saturates at MTU)
reg          body;                      // decoded bytes so far > 10
reg [7:0]    kind, ack_f;
reg [3:0]    cchan;                     // channel numbers are 4 bits wide
reg [31:0]   crc;
reg          too_long;
reg          overflowed;
reg [7:0]    acked;                     // last DATA seq accepted (expected - 1)
reg          seq_ok;                    // this frame's seq is the expected one
reg          seq_behind;                // ... or one of the 128 before it (a duplicate)
reg          nak_sent;                  // a NAK for the expected seq went out already
reg          in_session;                // a SYNC arrived since reset: frames mean something
reg          got_byte;                  // a byte arrived since the last delimiter

`include "crc32.vh"                 // crc32_step: the CRC of a decoded byte, below

// The last decoded bytes and the credit, in block RAM (16-bit words):
// decoded byte k in the low half of word (k - 10) mod 8, except the credit
// (bytes 4 and 5), which goes to word 10, high half then low half. Each
// decoded byte reads the one three before it, which is the one due for the
// buffer when the next byte arrives; a delimiter reads the credit, for
// hdr_valid in the next clock.
(* ram_style = "block" *)
reg  [15:0]  hist [0:10];
reg  [15:0]  hist_q;                    // the word read: a decoded byte (low half) or the credit

wire         header  = pos[PW-1];       // fewer than 10 bytes decoded
// Header byte k (0 .. 5) arrives at pos -10 + k; while the count is
// negative it is -10 .. -1, told apart by its low four bits.
wire [3:0]   hpos    = pos[3:0];
wire         at_max  = (pos & (P_MTU | P_SIGN)) == P_MTU;   // pos == MTU (pos <= MTU)
wire [7:0]   seq_diff = d_byte + ~acked;                     // at the seq byte: seq - expected
wire         cr_byte = header && hpos[3:1] == 3'b101;        // byte 4 or 5: the credit
wire         cr_hi   = header && hpos == 4'd10;              // byte 4
wire [3:0]   h_waddr = {cr_byte, pos[2:1], pos[0] && !cr_byte};
wire [3:0]   h_raddr = delim ? 4'd10 : {1'b0, pos[2:0] - 3'd3};

wire [3:0] f_type  = kind[7:4];
wire [3:0] f_chan  = kind[3:0];
wire       chan_ok = f_chan < NCHAN;
wire       is_data = f_type == T_DATA;
// Payload byte k (k >= 0) is written when decoded byte k + 10 arrives; a
// frame longer than the MTU writes no more (and is aborted at its end).
wire       wr_now  = d_valid && !header && !at_max && is_data && chan_ok;
reg  [NCHAN-1:0] chan_sel;             // the frame's channel, one-hot
integer k;
always @(*)
    for (k = 0; k < NCHAN; k = k + 1)
        chan_sel[k] = f_chan == k[3:0];

assign dn_data  = hist_q[7:0];
// The header fields (and the channel of ev_overflow) stay until the next
// frame's first decoded byte at least.
assign hdr_type   = f_type;
assign hdr_ack    = ack_f;
assign hdr_cchan  = cchan;
assign hdr_credit = hist_q;
assign ev_chan    = f_chan;
assign dn_valid = wr_now ? chan_sel : {NCHAN{1'b0}};
assign ack_seq  = acked;

// Frame verdict at the delimiter.
wire       f_empty   = !got_byte;       // two delimiters in a row: not a frame
wire       f_short   = header;          // fewer than 10 bytes
wire       f_badenc  = code_left != 0;  // the last block ran past the delimiter
wire       f_crc_ok  = crc == 32'h00000000;
wire       f_shape_ok = (f_type == T_DATA) ? (body && chan_ok && !too_long)
                                            : (!body && (f_type == T_ACK || f_type == T_NAK || f_type == T_SYNC));
wire       f_good    = !f_short && !f_badenc && f_crc_ok && f_shape_ok;
wire       accept    = f_good && is_data && seq_ok && !overflowed && in_session;
wire       fin       = delim && !f_empty;

assign dn_commit = (fin && accept) ? chan_sel : {NCHAN{1'b0}};
assign dn_abort  = (fin && !accept) ? {NCHAN{1'b1}} : {NCHAN{1'b0}};

always @(posedge clk) begin
    hdr_valid    <= 1'b0;
    ack_owed     <= 1'b0;
    nak_owed     <= 1'b0;
    ev_frame     <= 1'b0;
    ev_bad_crc   <= 1'b0;
    ev_bad_frame <= 1'b0;
    ev_seq_err   <= 1'b0;
    ev_overflow  <= 1'b0;
    if (rst) begin
        acked        <= 8'hFF;
        nak_sent     <= 1'b0;
        in_session   <= 1'b0;
    end else if (delim) begin
        // End of frame: judge it, then start afresh.
        if (!f_empty) begin
            if (f_short || f_badenc) begin
                ev_bad_frame <= 1'b1;
            end else if (!f_crc_ok) begin
                ev_bad_crc <= 1'b1;
                if (!nak_sent && in_session) begin
                    nak_owed <= 1'b1;
                    nak_sent <= 1'b1;
                end
            end else if (!f_shape_ok) begin
                ev_bad_frame <= 1'b1;
            end else if (f_type != T_SYNC && !in_session) begin
                // Before a SYNC nothing but SYNC means anything: after a
                // reset, the host's sequence numbers and acks are not ours.
                ev_seq_err <= 1'b1;
            end else begin
                ev_frame   <= 1'b1;
                hdr_valid  <= 1'b1;
                if (f_type == T_SYNC) begin
                    acked      <= 8'hFF;
                    nak_sent   <= 1'b0;
                    in_session <= 1'b1;
                end else if (is_data) begin
                    if (!seq_ok) begin
                        ev_seq_err <= 1'b1;
                        if (!seq_behind) begin
                            // A frame went missing before this one.
                            if (!nak_sent) begin
                                nak_owed <= 1'b1;
                                nak_sent <= 1'b1;
                            end
                        end else begin
                            ack_owed <= 1'b1;       // a duplicate: repeat the ack
                        end
                    end else if (overflowed) begin
                        ev_overflow <= 1'b1;
                    end else begin
                        acked    <= acked + 1'b1;
                        nak_sent <= 1'b0;
                        ack_owed <= 1'b1;
                    end
                end
            end
        end
    end
end

// The decoder's per-frame state starts afresh after every delimiter.
always @(posedge clk) begin
    if (rst || delim) begin
        code_left    <= 8'd0;
        zero_pending <= 1'b0;
        pos          <= P_START;
        body         <= 1'b0;
        got_byte     <= 1'b0;
        crc          <= 32'hFFFFFFFF;
        too_long     <= 1'b0;
        overflowed   <= 1'b0;
    end else if (s_valid) begin
        got_byte <= 1'b1;
        if (is_code) begin
            code_left    <= s_data - 1'b1;
            zero_pending <= s_data != 8'hFF;
        end else begin
            code_left <= code_left - 1'b1;
        end
        if (d_valid) begin
            crc <= crc32_step(crc, d_byte, 8);
            if (at_max)
                too_long <= 1'b1;
            else
                pos <= pos + 1'b1;
            if (!header)
                body <= 1'b1;
            // The sequence number is judged as it arrives: the expected
            // one changes only at delimiters.
            if (header) begin
                case (hpos)
                4'd6:  kind <= d_byte;
                4'd7:  begin seq_ok <= seq_diff == 8'd0; seq_behind <= seq_diff[7]; end
                4'd8:  ack_f <= d_byte;
                4'd9:  cchan <= d_byte[3:0];
                default: ;
                endcase
            end
            if (wr_now && (dn_full & chan_sel) != 0)
                overflowed <= 1'b1;
        end
    end
end

// The byte history has no reset: bytes count only after ten of a frame.
always @(posedge clk) begin
    if (d_valid && cr_hi)
        hist[h_waddr][15:8] <= d_byte;
    if (d_valid && !cr_hi)
        hist[h_waddr][7:0] <= d_byte;
    if (d_valid || delim)
        hist_q <= hist[h_raddr];
end

endmodule

`resetall
