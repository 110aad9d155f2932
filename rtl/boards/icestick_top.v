// icestick_top — icebuf on the Lattice iCEstick (iCE40HX1K-TQ144)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// 12 MHz oscillator straight into the core (no PLL needed at 3 Mbaud: 4
// clocks per bit). The virtual board (sim/) simulates this very module.
//
// The HX1K has no room for the keyboard, and the board no PS/2 port: with
// ICESTICK_PS2_PINS defined (a virtual iCEstick built with KEYBOARD=1,
// mk/sim.mk) the top has the two open-drain PS/2 lines the iCEBreaker's
// has; without it (the bitstream) the keyboard's inputs idle high.
`resetall
`default_nettype none

module icestick_top #(
    parameter [31:0] ID      = 32'h49434542,   // ID register (tests build a wrong one)
    parameter [31:0] VERSION = 32'h00020000,   // VERSION register (tests build a wrong one)
    // The stream channel's test modes (sink, source: TRAFFIC) need ~330 logic
    // cells the HX1K does not have; the virtual board that measures the link
    // builds them in (docs/boards.md).
    parameter        TEST_MODES = 0,
    parameter        KEYBOARD   = 0,           // the PS/2 keyboard (channel 2; FEATURES bit 1)
    parameter        VIDEO      = 0            // the video player (channel 3; FEATURES bit 2)
) (
    input  wire       clk,                     // 12 MHz oscillator, pin 21
    input  wire       rx,                      // FT2232H B TXD -> FPGA, pin 9
    output wire       tx,                      // FPGA -> FT2232H B RXD, pin 8
    output wire [4:0] led                      // D1..D5, pins 99..95, active high
`ifdef ICESTICK_PS2_PINS
    ,
    inout  wire       ps2_clk,                 // PS/2 clock, open drain (virtual board only)
    inout  wire       ps2_data                 // PS/2 data, open drain (virtual board only)
`endif
);

wire rst;
wire [3:0] status;

`ifdef ICESTICK_PS2_PINS
wire ps2_clk_in, ps2_data_in, ps2_clk_oe, ps2_data_oe;
ice40_od_io u_ps2_clk  (.pad(ps2_clk),  .oe(ps2_clk_oe),  .in(ps2_clk_in));
ice40_od_io u_ps2_data (.pad(ps2_data), .oe(ps2_data_oe), .in(ps2_data_in));
`endif

reset_por #(.CYCLES(16)) u_por (.clk(clk), .rst_in(1'b0), .rst(rst));

icebuf_core #(
    .CLK_HZ(12000000), .BAUD(3000000), .BOARD_ID(1), .STREAM_DEPTH(4096),
    .TEST_MODES(TEST_MODES), .KEYBOARD(KEYBOARD), .VIDEO(VIDEO), .ID(ID), .VERSION(VERSION)
) u_core (
    .clk(clk), .rst(rst), .uart_clk(clk), .uart_rst(rst),
    .uart_rx(rx), .uart_tx(tx), .status(status),
`ifdef ICESTICK_PS2_PINS
    .ps2_clk_in(ps2_clk_in), .ps2_data_in(ps2_data_in), .ps2_clk_oe(ps2_clk_oe), .ps2_data_oe(ps2_data_oe),
`else
    // No keyboard on the HX1K (docs/boards.md: it does not fit): lines idle.
    .ps2_clk_in(1'b1), .ps2_data_in(1'b1), .ps2_clk_oe(), .ps2_data_oe(),
`endif
    // No video either (8 KiB of block RAM in all, no room for frames).
    .pix_clk(1'b0), .pix_rst(1'b1),
    .dvi_r(), .dvi_g(), .dvi_b(), .dvi_hs(), .dvi_vs(), .dvi_de(), .dvi_clk());

// D1..D4 (red, around the edge): link up, rx, tx, error; D5 (green, centre): power/alive.
assign led = {!rst, status[3], status[2], status[1], status[0]};

endmodule

`resetall
