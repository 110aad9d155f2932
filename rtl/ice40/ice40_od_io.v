// ice40_od_io — one open-drain pin with a pull-up (a PS/2 line)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// A thin wrapper around SB_IO with PIN_TYPE 6'b101001: output tristate with
// its enable (PIN_OUTPUT_TRISTATE, bits [5:2] = 1010), input simple (bits
// [1:0] = 01), per the iCE Technology Library's SB_IO; D_OUT_0 is 0, so the
// pin is pulled low while oe is 1 and floats otherwise, held high by the
// weak internal pull-up and the bus's own pull-up. A PS/2 bus is pulled up
// to 5 V: on a board, the pin reaches it only through a level shifter.
// sim/models/ice40_od_io.v stands in for it under Verilator and Icarus.
`resetall
`default_nettype none

module ice40_od_io (
    inout  wire pad,                      // the package pin
    input  wire oe,                       // 1: drive the pin low; 0: release it
    output wire in                        // the pin's level (asynchronous)
);

SB_IO #(
    .PIN_TYPE(6'b101001),
    .PULLUP(1'b1)
) u_io (
    .PACKAGE_PIN(pad),
    .OUTPUT_ENABLE(oe),
    .D_OUT_0(1'b0),
    .D_IN_0(in)
);

endmodule

`resetall
