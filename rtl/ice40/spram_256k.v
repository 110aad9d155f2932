// spram_256k — one UP5K single-port RAM, 16K words of 16 bits
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A thin wrapper around SB_SPRAM256KA (Lattice iCE40 SPRAM Usage Guide,
// TN1314; iCE Technology Library): a 14-bit word address, a write mask per
// nibble, the read word on dout one clock after a read (cs && !we). During
// a write dout is undefined, so a reader must take its word in the clock
// right after its read. The RAM is always powered and awake.
// sim/models/spram_256k.v stands in for it under Verilator and Icarus.
`resetall
`default_nettype none

module spram_256k (
    input  wire        clk,               // RAM clock
    input  wire        cs,                // a read or write this clock
    input  wire        we,                // with cs: write (else read)
    input  wire [13:0] addr,              // word address
    input  wire [15:0] din,               // write data
    input  wire [3:0]  mask,              // with we: nibble i of din is written when mask[i]
    output wire [15:0] dout               // read data, the clock after the read
);

SB_SPRAM256KA u_ram (
    .ADDRESS(addr),
    .DATAIN(din),
    .MASKWREN(mask),
    .WREN(we),
    .CHIPSELECT(cs),
    .CLOCK(clk),
    .STANDBY(1'b0),
    .SLEEP(1'b0),
    .POWEROFF(1'b1),
    .DATAOUT(dout)
);

endmodule

`resetall
