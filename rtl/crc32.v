// crc32 — CRC-32/MPEG-2 of a byte, or of BITS bits (poly 0x04C11DB7, MSB first)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The frames' check (docs/protocol.md §2): init 0xFFFFFFFF, no reflection, no
// final xor, so the CRC run over a body and its big-endian CRC is 0.
`resetall
`default_nettype none

module crc32 #(
    parameter BITS = 8                  // bits taken at once, MSB first (1 .. 8)
) (
    input  wire [31:0]     crc_in,      // CRC so far (0xFFFFFFFF at the start of a frame)
    input  wire [BITS-1:0] data,        // next bits
    output reg  [31:0]     crc_out      // CRC including data
);

`include "crc32.vh"

generate
    if (BITS < 1 || BITS > 8) begin : illegal_parameter
        crc32_error_bits_not_1_to_8 u_error();
    end
endgenerate

always @(*)
    crc_out = crc32_step(crc_in, {{(8-BITS){1'b0}}, data}, BITS);

endmodule

`resetall
