// spram_256k — simulation model of rtl/ice40/spram_256k.v
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// 16K words of 16 bits with a nibble write mask and one clock of read
// latency, as SB_SPRAM256KA. dout keeps the last word read through writes
// (the hardware's is undefined then: the design never uses it), and the
// contents start as zero (the hardware's are unknown after power-up).
`resetall
`default_nettype none

module spram_256k (
    input  wire        clk,
    input  wire        cs,
    input  wire        we,
    input  wire [13:0] addr,
    input  wire [15:0] din,
    input  wire [3:0]  mask,
    output reg  [15:0] dout
);

reg [15:0] mem [0:16383];
integer i;
initial begin
    for (i = 0; i < 16384; i = i + 1)
        mem[i] = 16'd0;
    dout = 16'd0;
end

always @(posedge clk) begin
    if (cs && !we)
        dout <= mem[addr];
    if (cs && we) begin
        if (mask[0]) mem[addr][3:0]   <= din[3:0];
        if (mask[1]) mem[addr][7:4]   <= din[7:4];
        if (mask[2]) mem[addr][11:8]  <= din[11:8];
        if (mask[3]) mem[addr][15:12] <= din[15:12];
    end
end

endmodule

`resetall
