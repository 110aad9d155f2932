// uart_tx — 8N1 UART transmitter, back-to-back bytes at the full line rate
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
`resetall
`default_nettype none

module uart_tx #(
    parameter CLK_HZ = 12000000,        // system clock frequency in Hz
    parameter BAUD   = 3000000          // line rate in bits per second
) (
    input  wire       clk,              // system clock
    input  wire       rst,              // synchronous reset, active high
    input  wire [7:0] s_data,           // byte to send
    input  wire       s_valid,          // s_data is valid
    output wire       s_ready,          // the byte is taken this cycle
    output reg        tx                // serial output, idles high
);

localparam CLKS = (CLK_HZ + BAUD / 2) / BAUD;   // clocks per bit, as uart_rx
localparam ERR  = (CLKS * BAUD > CLK_HZ) ? CLKS * BAUD - CLK_HZ : CLK_HZ - CLKS * BAUD;
localparam CW   = $clog2(CLKS + 1);

generate
    if (CLKS < 2) begin : illegal_parameter
        uart_tx_error_fewer_than_2_clocks_per_bit u_error();
    end
    if (ERR * 50 > CLK_HZ) begin : illegal_parameter_rate
        uart_tx_error_baud_rate_more_than_2_percent_off u_error();
    end
endgenerate

reg [CW-1:0] cnt;                   // clocks left in the current bit, minus one
reg [3:0]    bits;                  // bits left to send after the current one
reg [8:0]    shift;                 // {stop, data[7:1..]} still to send
reg          busy;

// The next byte is taken in the last clock of the stop bit, so its start bit
// follows with no idle time between them.
wire last = busy && cnt == 0 && bits == 0;
assign s_ready = !busy || last;

always @(posedge clk) begin
    if (rst) begin
        busy <= 1'b0;
        tx   <= 1'b1;
        cnt  <= 0;
        bits <= 4'd0;
    end else if (s_valid && s_ready) begin
        busy  <= 1'b1;
        tx    <= 1'b0;                              // start bit
        shift <= {1'b1, s_data};
        bits  <= 4'd9;
        cnt   <= CLKS[CW-1:0] - 1'b1;
    end else if (busy) begin
        if (cnt != 0) begin
            cnt <= cnt - 1'b1;
        end else if (bits != 0) begin
            tx    <= shift[0];
            shift <= {1'b1, shift[8:1]};
            bits  <= bits - 1'b1;
            cnt   <= CLKS[CW-1:0] - 1'b1;
        end else begin
            busy <= 1'b0;                           // stop bit done, line idles high
        end
    end
end

endmodule

`resetall
