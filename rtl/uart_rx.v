// uart_rx — 8N1 UART receiver with input synchroniser and framing check
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
`resetall
`default_nettype none

module uart_rx #(
    parameter CLK_HZ = 12000000,        // system clock frequency in Hz
    parameter BAUD   = 3000000          // line rate in bits per second
) (
    input  wire       clk,              // system clock
    input  wire       rst,              // synchronous reset, active high
    input  wire       rx,               // serial input, asynchronous (board pin)
    output wire [7:0] m_data,           // received byte, valid with m_valid (and until the next start bit)
    output reg        m_valid,          // one-cycle strobe per good byte
    output reg        frame_err         // one-cycle strobe: stop bit was 0, byte dropped
);

// NUM/DEN: clocks per bit in lowest terms (rtl/uart_frac.vh).
`include "uart_frac.vh"

localparam integer NUM = frac_part(CLK_HZ, BAUD, 0);
localparam integer DEN = frac_part(CLK_HZ, BAUD, 1);
// A bit is Q or Q+1 clocks: Q + 1 when adding R to the fraction `frac`
// (in DENths of a clock) carries. Every DEN bits take exactly NUM clocks.
localparam integer Q   = NUM / DEN;
localparam integer R   = NUM % DEN;
// Sample k (0 start, 1..8 data, 9 stop) is taken floor((2k + 1) * NUM /
// (2 * DEN)) clocks after the start edge is seen: the first Q0 clocks after
// it, leaving a fraction of F0 DENths of a clock (the remainder, counted in
// 2*DENths, halved and rounded down) to go on from. With DEN 1 that is
// NUM/2 clocks to the first sample and NUM from one to the next.
localparam integer Q0  = NUM / (2 * DEN);
localparam integer F0  = (NUM % (2 * DEN)) / 2;
localparam integer CW  = $clog2(Q + 1);
localparam integer FW  = DEN > 1 ? $clog2(DEN) : 1;

generate
    if (NUM < 4 * DEN) begin : illegal_parameter
        uart_rx_error_fewer_than_4_clocks_per_bit u_error();
    end
endgenerate

// Two-flop synchroniser: the pin changes at any time relative to clk. Both
// flops start high (idle line) so that configuration does not look like a
// start bit.
reg rx_sync1_reg = 1'b1;
reg rx_sync2_reg = 1'b1;
always @(posedge clk) begin
    rx_sync1_reg <= rx;
    rx_sync2_reg <= rx_sync1_reg;
end

localparam [1:0] S_IDLE = 2'd0,     // waiting for the falling edge of a start bit
                 S_BITS = 2'd1,     // sampling start, data and stop bits
                 S_WAIT = 2'd2;     // after a framing error: wait for the line to go high

reg [1:0]    state;
reg [CW-1:0] cnt;                   // clocks to the next sample
reg [3:0]    bitn;                  // 0 start, 1..8 data, 9 stop
reg [7:0]    shift;
assign m_data = shift;

// The fractional part of the bit timer: a phase accumulator stepped once a
// bit. `carry` says the bit after this sample is Q + 1 clocks long. With
// DEN 1 (BAUD divides CLK_HZ) there is no fraction and no logic for it.
wire carry;
generate
    if (DEN > 1) begin : g_frac
        reg  [FW-1:0] frac;
        assign carry = frac >= DEN[FW-1:0] - R[FW-1:0];    // frac + R >= DEN
        always @(posedge clk) begin
            if (state == S_IDLE)
                frac <= F0[FW-1:0];
            else if (state == S_BITS && cnt == 0)
                // frac + R modulo DEN (computed in FW bits: with DEN a
                // power of two, DEN[FW-1:0] is 0 and the wrap is free)
                frac <= (carry && DEN != 1 << FW) ? frac - (DEN[FW-1:0] - R[FW-1:0]) : frac + R[FW-1:0];
        end
    end else begin : g_whole
        assign carry = 1'b0;
    end
endgenerate

always @(posedge clk) begin
    m_valid   <= 1'b0;
    frame_err <= 1'b0;
    if (rst) begin
        state <= S_IDLE;
        cnt   <= 0;
        bitn  <= 4'd0;
    end else begin
        case (state)
        S_IDLE: begin
            // The pin is sampled into the synchroniser 0 to 1 clock after
            // the edge, and every sample goes through the same two flops:
            // sample k reads the pin floor((2k + 1) * NUM / (2 * DEN)) + [0, 1)
            // clocks after the edge, within 1 clock of the middle of bit k
            // (at 67/16: 27/32 clock early to 31/32 late, -0.20 to +0.23
            // bit; at 4/1: 0 to 1 clock late). A sender with B' clocks a
            // bit is read right if every sample falls inside its bit:
            // k * B' <= floor(...) and floor(...) + 1 <= (k + 1) * B' for
            // k = 0..9. That is a sender 3.3 % slow to 4.6 % fast at 67/16
            // (50.25 MHz, 12 Mbaud), 5.2 % slow to 2.5 % fast at 4/1 (12 MHz,
            // 3 Mbaud; 48 MHz, 12 Mbaud), as `Vuart_rx sweep`
            // (tests/rtl/uart_rx_tb.cpp) measures.
            if (!rx_sync2_reg) begin
                state <= S_BITS;
                cnt   <= Q0[CW-1:0] - 1'b1;
                bitn  <= 4'd0;
            end
        end
        S_BITS: begin
            if (cnt != 0) begin
                cnt <= cnt - 1'b1;
            end else begin
                cnt  <= carry ? Q[CW-1:0] : Q[CW-1:0] - 1'b1;
                bitn <= bitn + 1'b1;
                if (bitn == 4'd0) begin
                    // Mid start bit: a line that is high again was a glitch.
                    if (rx_sync2_reg)
                        state <= S_IDLE;
                end else if (bitn != 4'd9) begin
                    shift <= {rx_sync2_reg, shift[7:1]};     // LSB first
                end else begin
                    // Mid stop bit: look for the next start edge from here on,
                    // so back-to-back bytes lose no time.
                    if (rx_sync2_reg) begin
                        m_valid <= 1'b1;
                        state   <= S_IDLE;
                    end else begin
                        frame_err <= 1'b1;
                        state     <= S_WAIT;
                    end
                end
            end
        end
        default: begin
            // A stop bit of 0 is noise, a wrong baud rate or a break; a new
            // frame can only start after the line has been high.
            if (rx_sync2_reg)
                state <= S_IDLE;
        end
        endcase
    end
end

endmodule

`resetall
