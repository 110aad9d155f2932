// ps2_kbd_buf — the keyboard buffer: key bytes to timestamped event records
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Scan code set 2 sends an event as a code byte led by prefixes: F0 (break),
// E0 (extended key), E1 (Pause). The prefixes are folded into flags here, so
// that one event is one record and a full buffer drops whole events, never
// half a sequence; what the codes mean is decoded on the host
// (host/src/kbd_decode.c), where the table costs no logic cells.
//
// A record is 4 bytes, little-endian 32 bits (docs/keyboard.md):
//   [7:0]   code: the byte after the prefixes (or the marker's kind)
//   [8]     break: led by F0
//   [10:9]  prefix: 0 none, 1 E0, 2 E1, 3 marker (code 0: overflow, events
//           were dropped here; code 1: all keys up)
//   [31:11] time in ms, modulo 2^21 (35 minutes)
//
// Records go into the channel's chan_buf, committed whole. Two records'
// room is kept back: when an event finds no room for itself beyond that, it
// is dropped and counted, and the reserve takes an overflow marker and an
// all-keys-up marker in its place (the host releases every key it holds, as
// evdev's SYN_DROPPED asks). Later events are dropped and counted too until
// RESUME bytes are free again. So the newest events are the ones lost, the
// host learns where, and no key is left held.
`resetall
`default_nettype none

module ps2_kbd_buf #(
    parameter DEPTH  = 2048,            // buffer bytes, a power of two >= 32 (4 bytes an event)
    parameter RESUME = 32,              // free bytes at which events are taken again after an overflow (>= 12)
    parameter AW     = $clog2(DEPTH)    // address width (derived, do not set)
) (
    input  wire        clk,             // system clock
    input  wire        rst,             // synchronous reset, active high: empties the buffer
    input  wire        ms,              // strobe once a millisecond: the timestamps' clock
    input  wire [7:0]  key_data,        // key byte, valid with key_valid
    input  wire        key_valid,       // strobe: a byte of the key stream (>= 8 clocks apart)
    input  wire        all_up,          // strobe: put an all-keys-up marker in the stream
    output wire [20:0] now_ms,          // the timestamps' clock
    output reg         ev_written,      // strobe: an event record was committed
    output reg         ev_dropped,      // strobe: an event was dropped (overflow)
    output reg         dropping,        // events are being dropped
    // upstream read side (chan_buf's)
    output wire [7:0]  rd_data,         // byte at the read pointer
    output wire        rd_valid,        // rd_data is valid
    input  wire        rd_ready,        // take rd_data
    output wire        rd_more,         // a committed byte follows the one in rd_data
    input  wire        rd_release,      // retire rd_release_len bytes (acknowledged)
    input  wire [AW:0] rd_release_len,  // bytes retired by rd_release
    input  wire        rd_rewind,       // read again from the released pointer
    output wire [AW:0] rd_inflight      // bytes read but not yet released
);

generate
    if (DEPTH < 32 || RESUME < 12 || RESUME > DEPTH) begin : illegal_parameter
        ps2_kbd_buf_error_depth_at_least_32_resume_12_to_depth u_error();
    end
endgenerate

// ---- the clock of the timestamps. While a record is being written the
// count holds (the tick waits in ms_due), so no record's four bytes carry
// two different times.
reg [20:0] ms_cnt;
reg        ms_due;
assign now_ms = ms_cnt;

// ---- prefixes
reg brk, e0, e1;                        // seen since the last code byte
wire is_prefix = key_data == 8'hF0 || key_data == 8'hE0 || key_data == 8'hE1;

// ---- the record being written: its code and flags are held, its time is
// the clock itself (held still while writing), and the byte written is
// chosen by nbyte, so no 32-bit record register is needed.
reg [7:0]  r_code;
reg [2:0]  r_flags;                     // {prefix, break}
reg [1:0]  nbyte;                       // byte of the record being written
reg        writing;
reg        second;                      // the all-keys-up marker follows this record
reg        up_due;                      // an all-keys-up marker is waiting
reg        key_due;                     // an event record is waiting in r_code, r_flags
wire [AW:0] free;
reg [7:0]  wr_byte;
always @(*) begin
    case (nbyte)
    2'd0:    wr_byte = r_code;
    2'd1:    wr_byte = {ms_cnt[4:0], r_flags};
    2'd2:    wr_byte = ms_cnt[12:5];
    default: wr_byte = ms_cnt[20:13];
    endcase
end

localparam [AW:0] NEED = 12;            // one event and the two markers' reserve

always @(posedge clk) begin
    ev_written <= 1'b0; ev_dropped <= 1'b0;
    if (ms) ms_due <= 1'b1;
    if (rst) begin
        ms_cnt <= 0; ms_due <= 1'b0; brk <= 1'b0; e0 <= 1'b0; e1 <= 1'b0;
        nbyte <= 0; writing <= 1'b0; second <= 1'b0; up_due <= 1'b0; key_due <= 1'b0;
        dropping <= 1'b0;
    end else begin
        if (ms_due && !writing && !ms) begin
            ms_cnt <= ms_cnt + 1'b1; ms_due <= 1'b0;
        end
        if (all_up) up_due <= 1'b1;
        if (key_valid) begin
            if (key_data == 8'hF0)      brk <= 1'b1;
            else if (key_data == 8'hE0) e0 <= 1'b1;
            else if (key_data == 8'hE1) e1 <= 1'b1;
            if (!is_prefix) begin
                // A code byte ends the event: it waits for the writer (the
                // next byte is at least a PS/2 frame away).
                r_code <= key_data; r_flags <= {e1 ? 2'd2 : e0 ? 2'd1 : 2'd0, brk};
                key_due <= 1'b1; brk <= 1'b0; e0 <= 1'b0; e1 <= 1'b0;
            end
        end
        if (writing) begin
            nbyte <= nbyte + 1'b1;
            if (nbyte == 2'd3) begin
                if (second) begin
                    second <= 1'b0;
                    r_code <= 8'd1;                         // marker 1: all keys up
                end else begin
                    writing <= 1'b0;
                end
            end
        end else if (key_due && !key_valid) begin
            key_due <= 1'b0;
            if (!dropping && free >= NEED || dropping && free >= RESUME[AW:0]) begin
                writing <= 1'b1; dropping <= 1'b0; ev_written <= 1'b1;
            end else begin
                ev_dropped <= 1'b1;
                if (!dropping) begin
                    // The first event lost: the reserve takes the markers.
                    dropping <= 1'b1; writing <= 1'b1; second <= 1'b1; up_due <= 1'b0;
                    r_code <= 8'd0; r_flags <= 3'b110;      // marker 0: overflow
                end
            end
        end else if (up_due && !key_valid && !key_due) begin
            up_due <= 1'b0;
            // While dropping, the overflow's own all-keys-up marker has it.
            if (!dropping && free >= NEED) begin
                writing <= 1'b1;
                r_code <= 8'd1; r_flags <= 3'b110;
            end else if (!dropping) begin
                dropping <= 1'b1; writing <= 1'b1; second <= 1'b1;
                r_code <= 8'd0; r_flags <= 3'b110;
            end
        end
    end
end

chan_buf #(.DEPTH(DEPTH), .TXN_WR(1), .TXN_RD(1)) u_buf (
    .clk(clk), .rst(rst),
    .wr_data(wr_byte), .wr_valid(writing), .wr_commit(writing && nbyte == 2'd3), .wr_abort(1'b0),
    .wr_full(), .free(free),
    .rd_data(rd_data), .rd_valid(rd_valid), .rd_ready(rd_ready), .rd_more(rd_more),
    .rd_release(rd_release), .rd_release_len(rd_release_len), .rd_rewind(rd_rewind),
    .rd_inflight(rd_inflight), .level(), .overflow(), .underflow());

`ifdef FORMAL
// Properties (tests/formal/ps2_buf.ys): the buffer is never written beyond
// its room. A record is started only with room for it, and the second
// marker finds the room the first left: between records, unless dropping,
// 8 bytes are always free. The inputs keep the module's promises: key bytes
// at most one per record written, releases no larger than what was read.
reg f_past = 1'b0;
always @(posedge clk) f_past <= 1'b1;
always @(*) begin
    if (rd_release) assume(rd_release_len <= rd_inflight);
    if (key_valid)  assume(!writing && !key_due);
    if (f_past && !rst) begin
        if (writing) assert(free >= (second ? 8 : 4));
        if (!writing && !dropping) assert(free >= 8);
        assert(!(writing && free < 4));
    end
end
`endif

endmodule

`resetall
