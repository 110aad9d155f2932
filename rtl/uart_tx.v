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

// NUM/DEN: clocks per bit in lowest terms (rtl/uart_frac.vh).
`include "uart_frac.vh"

localparam integer NUM = frac_part(CLK_HZ, BAUD, 0);
localparam integer DEN = frac_part(CLK_HZ, BAUD, 1);
// A bit is Q or Q+1 clocks: Q + 1 when adding R to the fraction `frac`
// (in DENths of a clock) carries. Every DEN bits take exactly NUM clocks.
// A byte sent after idle time starts the fraction at half a clock (F0), so
// that bit edge k of a run of back-to-back bytes falls k * NUM/DEN clocks
// after the run's first start edge rounded to the nearest clock (a half
// up): within half a clock of ideal, with no error that grows along the run.
localparam integer Q   = NUM / DEN;
localparam integer R   = NUM % DEN;
localparam integer F0  = DEN / 2;
localparam integer CW  = $clog2(Q + 1);
localparam integer FW  = DEN > 1 ? $clog2(DEN) : 1;

generate
    if (NUM < 2 * DEN) begin : illegal_parameter
        uart_tx_error_fewer_than_2_clocks_per_bit u_error();
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

// Each bit's length is chosen as it starts: Q + carry clocks. The fraction
// goes on from the last bit within a run of bytes, from F0 after idle time.
wire carry;
generate
    if (DEN > 1) begin : g_frac
        reg  [FW-1:0] frac;
        wire [FW-1:0] base = busy ? frac : F0[FW-1:0];
        assign carry = base >= DEN[FW-1:0] - R[FW-1:0];    // base + R >= DEN
        always @(posedge clk) begin
            if ((s_valid && s_ready) || (busy && cnt == 0 && bits != 0))
                // base + R modulo DEN (computed in FW bits: with DEN a
                // power of two, DEN[FW-1:0] is 0 and the wrap is free)
                frac <= (carry && DEN != 1 << FW) ? base - (DEN[FW-1:0] - R[FW-1:0]) : base + R[FW-1:0];
        end
    end else begin : g_whole
        assign carry = 1'b0;
    end
endgenerate
wire [CW-1:0] bit_cnt = carry ? Q[CW-1:0] : Q[CW-1:0] - 1'b1;   // clocks of the new bit, minus one

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
        cnt   <= bit_cnt;
    end else if (busy) begin
        if (cnt != 0) begin
            cnt <= cnt - 1'b1;
        end else if (bits != 0) begin
            tx    <= shift[0];
            shift <= {1'b1, shift[8:1]};
            bits  <= bits - 1'b1;
            cnt   <= bit_cnt;
        end else begin
            busy <= 1'b0;                           // stop bit done, line idles high
        end
    end
end

endmodule

`resetall
