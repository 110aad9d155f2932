// reset_por — power-on reset: rst high for CYCLES clocks after configuration
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
`resetall
`default_nettype none

module reset_por #(
    parameter CYCLES = 16               // clocks rst stays high, at least 2
) (
    input  wire clk,                    // free-running clock
    input  wire rst_in,                 // external reset, active high (re-arms)
    output wire rst                     // synchronous reset for the design
);

localparam CW = $clog2(CYCLES + 1);

generate
    if (CYCLES < 2) begin : illegal_parameter
        reset_por_error_cycles_below_2 u_error();
    end
endgenerate

// iCE40 flip-flops come out of configuration at 0; the initializer says the
// same to Verilator (which would otherwise randomise it) and to Yosys.
reg [CW-1:0] cnt = {CW{1'b0}};
assign rst = cnt != CYCLES[CW-1:0];

always @(posedge clk) begin
    if (rst_in)
        cnt <= {CW{1'b0}};
    else if (rst)
        cnt <= cnt + 1'b1;
end

endmodule

`resetall
