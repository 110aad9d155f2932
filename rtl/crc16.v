// crc16 — CRC-16/CCITT-FALSE of one byte (poly 0x1021, MSB first)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
`resetall
`default_nettype none

module crc16 (
    input  wire [15:0] crc_in,          // CRC so far (0xFFFF at the start of a frame)
    input  wire [7:0]  data,            // next byte
    output wire [15:0] crc_out          // CRC including data
);

// Eight steps of the bit-serial shift register, unrolled; synthesis reduces
// it to one level of XORs per output bit.
function [15:0] step;
    input [15:0] c;
    input        b;
    begin
        step = {c[14:0], 1'b0} ^ ((c[15] ^ b) ? 16'h1021 : 16'h0000);
    end
endfunction

wire [15:0] c1 = step(crc_in, data[7]);
wire [15:0] c2 = step(c1, data[6]);
wire [15:0] c3 = step(c2, data[5]);
wire [15:0] c4 = step(c3, data[4]);
wire [15:0] c5 = step(c4, data[3]);
wire [15:0] c6 = step(c5, data[2]);
wire [15:0] c7 = step(c6, data[1]);
assign crc_out = step(c7, data[0]);

endmodule

`resetall
