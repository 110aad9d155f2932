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

// Clocks per bit, rounded to the nearest integer. The sampling point drifts by
// the rounding error on every bit; over the ten bits of a frame it must stay
// well inside the bit, so more than 2 % error is refused at elaboration.
localparam CLKS = (CLK_HZ + BAUD / 2) / BAUD;
localparam ERR  = (CLKS * BAUD > CLK_HZ) ? CLKS * BAUD - CLK_HZ : CLK_HZ - CLKS * BAUD;
localparam CW   = $clog2(CLKS + 1);
// The first sample is taken HALF clocks after the start edge is seen, every
// later one CLKS clocks after the previous.
localparam HALF = CLKS / 2 - 1;

generate
    if (CLKS < 4) begin : illegal_parameter
        uart_rx_error_fewer_than_4_clocks_per_bit u_error();
    end
    if (ERR * 50 > CLK_HZ) begin : illegal_parameter_rate
        uart_rx_error_baud_rate_more_than_2_percent_off u_error();
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
            // The edge is seen here between 0 and 1 clock after it happened
            // (in synchronised time): sampling HALF+1 clocks later lands
            // between CLKS/2 - 1 and CLKS/2 clocks into the bit. At 4 clocks
            // per bit that is 1..2 clocks into it, leaving at least 2 clocks
            // (one half bit) of margin at the stop bit for ±2.5 % rate error.
            if (!rx_sync2_reg) begin
                state <= S_BITS;
                cnt   <= HALF[CW-1:0];
                bitn  <= 4'd0;
            end
        end
        S_BITS: begin
            if (cnt != 0) begin
                cnt <= cnt - 1'b1;
            end else begin
                cnt  <= CLKS[CW-1:0] - 1'b1;
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
