// crc32 — CRC-32/MPEG-2 of a byte, or of BITS bits (poly 0x04C11DB7, MSB first)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The frames' check (docs/protocol.md §2): init 0xFFFFFFFF, no reflection, no
// final xor, so the CRC run over a body and its big-endian CRC is 0.
`resetall
`default_nettype none

module crc32 #(
    parameter BITS = 8                  // bits taken at once, MSB first
) (
    input  wire [31:0]     crc_in,      // CRC so far (0xFFFFFFFF at the start of a frame)
    input  wire [BITS-1:0] data,        // next bits
    output reg  [31:0]     crc_out      // CRC including data
);

// BITS steps of the bit-serial shift register, unrolled; synthesis reduces
// each output bit to one XOR of inputs.
integer i;
always @(*) begin
    crc_out = crc_in;
    for (i = BITS - 1; i >= 0; i = i - 1)
        crc_out = {crc_out[30:0], 1'b0} ^ ((crc_out[31] ^ data[i]) ? 32'h04C11DB7 : 32'h00000000);
end

endmodule

`resetall
