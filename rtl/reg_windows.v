// reg_windows — the register windows peripherals own (0x20–0x4F)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// ctrl_regs hands a request for an address at or above 0x20 here (x_*);
// the window it falls in gets the contract's one-clock reg_sel with the
// offset, and its registered reg_rdata/reg_err come back as x_rdata/x_err
// the clock after. Window w (0: keyboard 0x20–0x2F, 1: video 0x30–0x3F,
// 2: console 0x40–0x4F, regs/icebuf.tab) is column w of the reg_* buses; a
// window PRESENT does not claim answers E1 (x_err) without a peripheral.
// Costs nothing when PRESENT is 0: every request is then no register.
`resetall
`default_nettype none

module reg_windows #(
    parameter NWIN    = 3,                  // windows, from 0x20 up, 16 registers each
    parameter PRESENT = 0                   // bit w: window w has its peripheral
) (
    input  wire             clk,            // clock
    input  wire             rst,            // synchronous reset, active high
    input  wire             x_sel,          // one-clock strobe: a request for register x_addr (>= 0x20)
    input  wire             x_we,           // with x_sel: a write of x_wdata (else a read)
    input  wire [7:0]       x_addr,         // register address
    input  wire [31:0]      x_wdata,        // data of a write
    output wire [31:0]      x_rdata,        // the clock after x_sel: the register's value
    output wire             x_err,          // ... or 1: no such register / read-only (E1, E2 by x_we)
    output wire [NWIN-1:0]  reg_sel,        // window w's request strobe
    output wire             reg_we,         // write (shared by the windows)
    output wire [3:0]       reg_addr,       // offset in the window (shared)
    output wire [31:0]      reg_wdata,      // write data (shared)
    input  wire [NWIN*32-1:0] reg_rdata,    // window w's answer, bits [32w+31:32w]
    input  wire [NWIN-1:0]  reg_err         // window w's error
);

`include "icebuf_regs.vh"

reg  [NWIN-1:0] hit_q;                      // the window that answers this clock
reg             miss_q;                     // no window took the request
integer w;

assign reg_we    = x_we;
assign reg_addr  = x_addr[3:0];
assign reg_wdata = x_wdata;

genvar g;
generate
    for (g = 0; g < NWIN; g = g + 1) begin : window
        assign reg_sel[g] = x_sel && ((PRESENT >> g) & 1) != 0 && x_addr[7:4] == W_KEYBOARD_BASE[7:4] + g;
    end
endgenerate

always @(posedge clk) begin
    if (rst) begin
        hit_q  <= {NWIN{1'b0}};
        miss_q <= 1'b0;
    end else begin
        hit_q  <= reg_sel;
        miss_q <= x_sel && reg_sel == {NWIN{1'b0}};
    end
end

reg [31:0] rdata;
reg        err;
always @(*) begin
    rdata = 32'd0;
    err   = miss_q;
    for (w = 0; w < NWIN; w = w + 1)
        if (hit_q[w]) begin
            rdata = rdata | reg_rdata[32*w +: 32];
            err   = err | reg_err[w];
        end
end
assign x_rdata = rdata;
assign x_err   = err;
wire unused_base = &{1'b0, W_KEYBOARD_BASE[3:0]};

endmodule

`resetall
