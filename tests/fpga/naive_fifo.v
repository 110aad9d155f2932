// naive_fifo — the textbook block-RAM FIFO, the yardstick for fifo_sync's Fmax
// SPDX-License-Identifier: MIT
`default_nettype none
module naive_fifo (
    input  wire       clk, rst,
    input  wire [7:0] din,  input wire wr,  output wire full,
    output reg  [7:0] dout, input wire rd,  output wire empty
);
reg [7:0] mem [0:511];
reg [9:0] wp, rp;
assign full  = wp[9] != rp[9] && wp[8:0] == rp[8:0];
assign empty = wp == rp;
always @(posedge clk) begin
    if (wr && !full) mem[wp[8:0]] <= din;
    if (rd && !empty) dout <= mem[rp[8:0]];
    if (rst) begin wp <= 0; rp <= 0; end
    else begin
        if (wr && !full) wp <= wp + 1'b1;
        if (rd && !empty) rp <= rp + 1'b1;
    end
end
endmodule
`default_nettype wire
