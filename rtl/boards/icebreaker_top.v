// icebreaker_top — icebuf on the 1BitSquared iCEBreaker (iCE40UP5K-SG48)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Clocks (docs/video.md, "Clocks"). The UP5K has one PLL; as
// SB_PLL40_2_PAD it passes the pad clock on port A and makes one clock on
// port B (Lattice TN1251, iCE40 sysCLOCK PLL Design and Usage Guide):
//   clk_sys  12 MHz, the oscillator on pin 35 (port A): the link, the
//            keyboard and the video player;
//   clk_uart 50.25 MHz = 12 MHz × 67 / 16 (port B; VCO 804 MHz, inside
//            TN1251's 533-1066 MHz): the UART samples the FT2232H's
//            12 Mbaud (DS_FT2232H: the UART's top rate) at 67/16 = 4.1875
//            clocks a bit through a fractional bit timer (rtl/uart_rx.v);
//   clk_pix  25.125 MHz = clk_uart / 2, from a flop: the pixel clock of
//            640×480 at 59.8 Hz, −0.2 % from VESA DMT's 25.175 MHz (its
//            tolerance ±0.5 %), inside DVI 1.0's 25-165 MHz.
// The three are crossed as unrelated clocks (fifo_async, toggles through
// two flops, a dual-clock block RAM). The virtual board can build this top
// too (build/bin/icebuf-sim-icebreaker).
// With KEYBOARD, a Digilent PmodPS2 on P2 (pins 27 data, 21 clock,
// constraints/icebreaker.pcf) through open-drain SB_IOs (rtl/ice40/
// ice40_od_io.v); the PS/2 bus is 5 V and needs a level shifter.
`resetall
`default_nettype none

module icebreaker_top #(
    parameter [31:0] ID      = 32'h49434542,   // ID register
    parameter [31:0] VERSION = 32'h00020000,   // VERSION register
    // The stream channel's test modes (sink, source: TRAFFIC, ~250 logic
    // cells) leave room for the video in the bitstream; the virtual board
    // that measures the link builds them in (icebuf-sim-icebreaker-testmodes).
    parameter        TEST_MODES = 0,
    parameter        KEYBOARD   = 1,           // the PS/2 keyboard (channel 2; FEATURES bit 1)
    parameter        VIDEO      = 1            // the video player (channel 3; FEATURES bit 2)
) (
    input  wire clk,                           // 12 MHz oscillator, pin 35
    input  wire rx,                            // FT2232H B TXD -> FPGA, pin 6
    output wire tx,                            // FPGA -> FT2232H B RXD, pin 9
    output wire led_r_n,                       // red LED, pin 11, active low
    output wire led_g_n,                       // green LED, pin 37, active low
    input  wire btn_n,                         // user button, pin 10, active low: reset
    inout  wire ps2_clk,                       // PS/2 clock, P2 pin 3 (FPGA pin 21), open drain
    inout  wire ps2_data,                      // PS/2 data, P2 pin 1 (FPGA pin 27), open drain
    output wire [3:0] dvi_r,                   // 1BitSquared DVI PMOD on P1A+P1B (constraints/icebreaker.pcf)
    output wire [3:0] dvi_g,
    output wire [3:0] dvi_b,
    output wire dvi_hs,                        // horizontal sync, active low
    output wire dvi_vs,                        // vertical sync, active low
    output wire dvi_de,                        // data enable
    output wire dvi_clk                        // pixel clock, DDR through SB_IO
);

localparam SYS_HZ  = 12000000;
localparam UART_HZ = 50250000;                 // icepll -i 12 -o 50.25: DIVR 0, DIVF 66, DIVQ 4, FILTER 1
localparam BAUD    = 12000000;

wire clk_sys, clk_uart, pll_lock;

ice40_pll_2pad #(.DIVR(4'd0), .DIVF(7'd66), .DIVQ(3'd4), .FILTER_RANGE(3'd1)) u_pll (
    .pad(clk), .clk_ref(clk_sys), .clk_pll(clk_uart), .lock(pll_lock));

// The button and the PLL's lock are asynchronous: two flops each into
// clk_sys, then reset_por holds rst for 16 clocks after both are well.
reg [1:0] hold_sync = 2'b11;
always @(posedge clk_sys) hold_sync <= {hold_sync[0], !btn_n || !pll_lock};

wire rst;
reset_por #(.CYCLES(16)) u_por (.clk(clk_sys), .rst_in(hold_sync[1]), .rst(rst));

// The UART's reset is rst seen through two flops of clk_uart: it overlaps
// rst by far more than the two clk_sys cycles fifo_async asks for.
reg [1:0] uart_rst_sync = 2'b11;
always @(posedge clk_uart) uart_rst_sync <= {uart_rst_sync[0], rst};

// The pixel clock and its reset (rst through two flops of clk_pix). nextpnr
// puts clk_pix on a global buffer; constraints/icebreaker.pre.py gives it
// its 25.125 MHz target.
wire clk_pix, pix_rst;
generate
    if (VIDEO != 0) begin : pixel_clock
        reg pix_div = 1'b0;
        always @(posedge clk_uart) pix_div <= !pix_div;
        assign clk_pix = pix_div;
        reg [1:0] pix_rst_sync = 2'b11;
        always @(posedge clk_pix) pix_rst_sync <= {pix_rst_sync[0], rst};
        assign pix_rst = pix_rst_sync[1];
    end else begin : no_pixel_clock
        assign {clk_pix, pix_rst} = 2'b01;
    end
endgenerate

wire [3:0] status;
wire       ps2_clk_in, ps2_data_in, ps2_clk_oe, ps2_data_oe;

// Without the keyboard the pins are still open-drain inputs, never driven.
ice40_od_io u_ps2_clk  (.pad(ps2_clk),  .oe(ps2_clk_oe),  .in(ps2_clk_in));
ice40_od_io u_ps2_data (.pad(ps2_data), .oe(ps2_data_oe), .in(ps2_data_in));

icebuf_core #(
    .CLK_HZ(SYS_HZ), .BAUD(BAUD), .UART_CLK_HZ(UART_HZ), .BOARD_ID(2), .STREAM_DEPTH(8192),
    .TEST_MODES(TEST_MODES), .KEYBOARD(KEYBOARD), .VIDEO(VIDEO), .ID(ID), .VERSION(VERSION)
) u_core (
    .clk(clk_sys), .rst(rst), .uart_clk(clk_uart), .uart_rst(uart_rst_sync[1]),
    .uart_rx(rx), .uart_tx(tx), .status(status),
    .ps2_clk_in(ps2_clk_in), .ps2_data_in(ps2_data_in), .ps2_clk_oe(ps2_clk_oe), .ps2_data_oe(ps2_data_oe),
    .pix_clk(clk_pix), .pix_rst(pix_rst),
    .dvi_r(dvi_r), .dvi_g(dvi_g), .dvi_b(dvi_b), .dvi_hs(dvi_hs), .dvi_vs(dvi_vs), .dvi_de(dvi_de),
    .dvi_clk(dvi_clk));

// Green: link up, blinking off with traffic; red: an error was counted.
assign led_g_n = !(status[0] && !(status[1] || status[2]));
assign led_r_n = !status[3];

endmodule

`resetall
