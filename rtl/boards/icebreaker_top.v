// icebreaker_top — icebuf on the 1BitSquared iCEBreaker (iCE40UP5K-SG48)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// 12 MHz oscillator straight into the core. A PLL (SB_PLL40_PAD on pin 35,
// behind a wrapper in rtl/ice40/ with a model in sim/models/) goes here when
// the board runs faster than its oscillator.
`resetall
`default_nettype none

module icebreaker_top #(
    parameter [31:0] ID      = 32'h49434542,   // ID register
    parameter [31:0] VERSION = 32'h00020000    // VERSION register
) (
    input  wire clk,                           // 12 MHz oscillator, pin 35
    input  wire rx,                            // FT2232H B TXD -> FPGA, pin 6
    output wire tx,                            // FPGA -> FT2232H B RXD, pin 9
    output wire led_r_n,                       // red LED, pin 11, active low
    output wire led_g_n,                       // green LED, pin 37, active low
    input  wire btn_n                          // user button, pin 10, active low: reset
);

wire rst;
wire [3:0] status;

// The button is asynchronous; reset_por holds rst for 16 clocks after it,
// and the core's reset is synchronous, so one synchroniser flop suffices.
reg btn_sync_reg = 1'b0;
always @(posedge clk) btn_sync_reg <= !btn_n;

reset_por #(.CYCLES(16)) u_por (.clk(clk), .rst_in(btn_sync_reg), .rst(rst));

icebuf_core #(
    .CLK_HZ(12000000), .BAUD(3000000), .BOARD_ID(2), .STREAM_DEPTH(8192),
    .ID(ID), .VERSION(VERSION)
) u_core (
    .clk(clk), .rst(rst), .uart_rx(rx), .uart_tx(tx), .status(status));

// Green: link up, blinking off with traffic; red: an error was counted.
assign led_g_n = !(status[0] && !(status[1] || status[2]));
assign led_r_n = !status[3];

endmodule

`resetall
