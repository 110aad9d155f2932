// ice40_od_io — simulation model of rtl/ice40/ice40_od_io.v
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Open drain: the pin is driven 0 while oe is 1 and high-Z otherwise; the
// pull-up makes a released, undriven pin read 1. Under Verilator the board
// top's inout becomes the pin's level in (driven by the harness, which
// ANDs the board's pull-down with the keyboard model's) and __en/__out.
`resetall
`default_nettype none

module ice40_od_io (
    inout  wire pad,
    input  wire oe /*verilator public_flat_rd*/,   // public: the harness reads the pull-down
    output wire in
);

assign pad = oe ? 1'b0 : 1'bz;
assign in  = pad;

endmodule

`resetall
