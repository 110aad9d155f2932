// naive_fifo — the plainest block-RAM FIFO, a yardstick for fifo_sync's Fmax
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Not first-word-fall-through: dout is valid the clock after rd_en.
`resetall
`default_nettype none

module naive_fifo #(
    parameter WIDTH = 8,                    // bits per word
    parameter DEPTH = 512                   // words, a power of two
) (
    input  wire             clk,            // clock
    input  wire             rst,            // synchronous reset, active high
    input  wire [WIDTH-1:0] din,            // word to write
    input  wire             wr_en,          // write din (ignored when full)
    input  wire             rd_en,          // read a word into dout (ignored when empty)
    output reg  [WIDTH-1:0] dout,           // word read
    output wire             full,           // DEPTH words held
    output wire             empty           // no word held
);

localparam AW = $clog2(DEPTH);              // address bits

reg [WIDTH-1:0] mem [0:DEPTH-1];
reg [AW:0]      wr_ptr, rd_ptr;             // one bit more than the address: full vs empty

assign empty = wr_ptr == rd_ptr;
assign full  = wr_ptr == {~rd_ptr[AW], rd_ptr[AW-1:0]};

always @(posedge clk) begin
    if (wr_en && !full)
        mem[wr_ptr[AW-1:0]] <= din;
    if (rd_en && !empty)
        dout <= mem[rd_ptr[AW-1:0]];
end

always @(posedge clk) begin
    if (rst) begin
        wr_ptr <= 0;
        rd_ptr <= 0;
    end else begin
        if (wr_en && !full)
            wr_ptr <= wr_ptr + 1'b1;
        if (rd_en && !empty)
            rd_ptr <= rd_ptr + 1'b1;
    end
end

endmodule

`default_nettype wire
`resetall
