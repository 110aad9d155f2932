// traffic — the stream channel's test modes: sink and source
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// In loopback (TRAFFIC = 0) the stream buffer is written by the link and
// read by the link, and this module stands aside. Its two halves measure and
// check one direction of the link each, alone or both at once
// (docs/protocol.md, TRAFFIC register):
//
//   SINK    the host's stream bytes do not go into the buffer: each byte of
//           an accepted frame is counted and run through a CRC, then
//           dropped. A frame's bytes are counted tentatively as they
//           arrive, and kept or forgotten with the frame.
//   SOURCE  the module writes `left` bytes of a pattern into the buffer
//           (pseudo-random, or 0x00 with ZEROS), each committed at once;
//           the link sends them upstream as it would the host's own data,
//           retransmissions included.
//
// The pattern is a 16-bit Galois LFSR (taps 0xB400, x^16+x^14+x^13+x^11+1)
// from 0xACE1, stepped eight times per byte; the byte is the low half of
// the state after the eighth step. A write of TRAFFIC restarts the pattern,
// the sink's count and its CRC (CRC-16/CCITT-FALSE).
`resetall
`default_nettype none

module traffic (
    input  wire        clk,             // clock
    input  wire        rst,             // synchronous reset, active high: loopback
    input  wire        mode_set,        // strobe: a committed write of the TRAFFIC register
    input  wire [31:0] mode_value,      // its value: [31] SOURCE, [30] SINK, [29] ZEROS, [28:0] bytes
    output wire [31:0] mode,            // TRAFFIC as it reads: the flags and the bytes left
    output reg         source,          // SOURCE: this module writes the buffer
    output reg         sink,            // SINK: the host's bytes end here
    // sink: the link's tentative writes into the stream channel
    input  wire [7:0]  dn_data,         // payload byte
    input  wire        dn_valid,        // a byte of the frame arriving
    input  wire        dn_commit,       // the frame is accepted
    input  wire        dn_abort,        // the frame is refused
    output reg  [31:0] sink_bytes,      // bytes of accepted frames since the mode was set
    output reg  [15:0] sink_crc,        // their CRC-16/CCITT-FALSE
    // source: the write side of the stream buffer
    output wire [7:0]  wr_data,         // pattern byte
    output wire        wr_valid,        // write (and commit) it
    input  wire        wr_full          // the buffer has no room
);

localparam [15:0] LFSR_SEED = 16'hACE1;
localparam [15:0] LFSR_TAPS = 16'hB400;

reg         zeros;
reg  [28:0] left;
reg  [15:0] lfsr;
reg  [15:0] lfsr_next;
reg  [31:0] spec_bytes;                 // the sink's count and CRC, this frame's bytes included
reg  [15:0] spec_crc;
integer i;
always @(*) begin
    lfsr_next = lfsr;
    for (i = 0; i < 8; i = i + 1)
        lfsr_next = {1'b0, lfsr_next[15:1]} ^ (lfsr_next[0] ? LFSR_TAPS : 16'h0000);
end

assign mode     = {source, sink, zeros, left};
assign wr_valid = source && left != 29'd0 && !wr_full;
assign wr_data  = zeros ? 8'h00 : lfsr_next[7:0];

wire [15:0] crc_next;
crc16 u_crc (.crc_in(spec_crc), .data(dn_data), .crc_out(crc_next));

always @(posedge clk) begin
    if (rst || mode_set) begin
        source     <= !rst && mode_value[31];
        sink       <= !rst && mode_value[30];
        zeros      <= !rst && mode_value[29];
        left       <= rst ? 29'd0 : mode_value[28:0];
        lfsr       <= LFSR_SEED;
        sink_bytes <= 32'd0;
        sink_crc   <= 16'hFFFF;
        spec_bytes <= 32'd0;
        spec_crc   <= 16'hFFFF;
    end else begin
        if (wr_valid) begin
            left <= left - 1'b1;
            lfsr <= lfsr_next;
        end
        if (sink && dn_abort) begin
            spec_bytes <= sink_bytes;
            spec_crc   <= sink_crc;
        end else if (sink && dn_commit) begin
            sink_bytes <= spec_bytes;
            sink_crc   <= spec_crc;
        end else if (sink && dn_valid) begin
            spec_bytes <= spec_bytes + 1'b1;
            spec_crc   <= crc_next;
        end
    end
end

endmodule

`resetall
