// traffic — the stream channel's test modes: sink and source
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// In loopback (mode 0) the stream buffer is written by the link and read by
// the link, and this module stands aside. The other modes measure and check
// one direction of the link at a time (docs/protocol.md, TRAFFIC register):
//
//   SINK (1)     the module reads the buffer instead of the link: each byte
//                the host sent is counted and run through a CRC, then
//                dropped; nothing goes back upstream.
//   SOURCE (2,3) the module writes the buffer instead of the link: `left`
//                bytes of a pattern (2: pseudo-random, 3: all 0x00), each
//                committed at once; the link sends them upstream as it
//                would the host's own data, retransmissions included.
//
// The pattern is a 16-bit Galois LFSR (taps 0xB400, x^16+x^14+x^13+x^11+1)
// from 0xACE1, stepped eight times per byte; the byte is the low half of
// the state after the eighth step. A new mode restarts the pattern, the
// sink's count and its CRC (CRC-16/CCITT-FALSE, like the frames').
`resetall
`default_nettype none

module traffic (
    input  wire        clk,             // clock
    input  wire        rst,             // synchronous reset, active high: loopback
    input  wire        mode_set,        // strobe: a committed write of the TRAFFIC register
    input  wire [31:0] mode_value,       // its value: [31:30] mode, [29:0] bytes to generate
    output reg  [1:0]  mode,            // 0 loopback, 1 sink, 2 source random, 3 source zeros
    output reg  [29:0] left,            // source: bytes still to generate
    // sink: the read side of the stream buffer
    input  wire [7:0]  rd_data,         // byte at the buffer's read pointer
    input  wire        rd_valid,        // rd_data is valid
    output wire        rd_take,         // take (and release) it
    output reg  [31:0] sink_bytes,      // bytes sunk since the mode was set
    output reg  [15:0] sink_crc,        // their CRC-16/CCITT-FALSE
    // source: the write side of the stream buffer
    output wire [7:0]  wr_data,         // pattern byte
    output wire        wr_valid,        // write (and commit) it
    input  wire        wr_full          // the buffer has no room
);

localparam [15:0] LFSR_SEED = 16'hACE1;
localparam [15:0] LFSR_TAPS = 16'hB400;

reg  [15:0] lfsr;
reg  [15:0] lfsr_next;
integer i;
always @(*) begin
    lfsr_next = lfsr;
    for (i = 0; i < 8; i = i + 1)
        lfsr_next = {1'b0, lfsr_next[15:1]} ^ (lfsr_next[0] ? LFSR_TAPS : 16'h0000);
end

wire source = mode[1];
assign wr_valid = source && left != 30'd0 && !wr_full;
assign wr_data  = mode[0] ? 8'h00 : lfsr_next[7:0];
assign rd_take  = mode == 2'd1 && rd_valid;

wire [15:0] crc_next;
crc16 u_crc (.crc_in(sink_crc), .data(rd_data), .crc_out(crc_next));

always @(posedge clk) begin
    if (rst || mode_set) begin
        mode       <= rst ? 2'd0 : mode_value[31:30];
        left       <= rst ? 30'd0 : mode_value[29:0];
        lfsr       <= LFSR_SEED;
        sink_bytes <= 32'd0;
        sink_crc   <= 16'hFFFF;
    end else begin
        if (wr_valid) begin
            left <= left - 1'b1;
            lfsr <= lfsr_next;
        end
        if (rd_take) begin
            sink_bytes <= sink_bytes + 1'b1;
            sink_crc   <= crc_next;
        end
    end
end

endmodule

`resetall
