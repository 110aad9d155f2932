// video_timing — 640×480 at 60 Hz, VESA DMT timing (800×525, negative syncs)
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// VESA Display Monitor Timing standard, 640×480 at 59.94 Hz (DMT ID 04h):
// pixel clock 25.175 MHz; horizontal 640 active, 16 front porch, 96 sync,
// 48 back porch (800 total); vertical 480 active, 10 front porch, 2 sync,
// 33 back porch (525 total); both syncs negative. Counters are registered
// and so are the outputs: hsync, vsync and de of pixel (x, y) leave this
// module in the same clock as x and y.
`resetall
`default_nettype none

module video_timing #(
    parameter H_ACTIVE = 640,            // active pixels a line
    parameter H_FRONT  = 16,             // horizontal front porch, pixels
    parameter H_SYNC   = 96,             // horizontal sync width, pixels
    parameter H_BACK   = 48,             // horizontal back porch, pixels
    parameter V_ACTIVE = 480,            // active lines a frame
    parameter V_FRONT  = 10,             // vertical front porch, lines
    parameter V_SYNC   = 2,              // vertical sync width, lines
    parameter V_BACK   = 33              // vertical back porch, lines
) (
    input  wire       clk,               // pixel clock
    input  wire       rst,               // synchronous reset, active high
    output reg  [9:0] x,                 // pixel counter in the line, 0 .. H total - 1
    output reg  [9:0] y,                 // line counter in the frame, 0 .. V total - 1
    output reg        hsync_n,           // horizontal sync, active low
    output reg        vsync_n,           // vertical sync, active low
    output reg        de,                // (x, y) is an active pixel
    output reg        frame_start        // one-clock strobe with x = 0, y = 0
);

localparam H_TOTAL = H_ACTIVE + H_FRONT + H_SYNC + H_BACK;
localparam V_TOTAL = V_ACTIVE + V_FRONT + V_SYNC + V_BACK;

// The next pixel's position; the outputs are functions of it, registered.
wire       h_end = x == H_TOTAL[9:0] - 10'd1;
wire       v_end = y == V_TOTAL[9:0] - 10'd1;
wire [9:0] nx    = h_end ? 10'd0 : x + 10'd1;
wire [9:0] ny    = h_end ? (v_end ? 10'd0 : y + 10'd1) : y;
// The counters only step, so the outputs toggle at equalities of the next
// position instead of range compares; hde/vde: the next position's column
// and line are active.
localparam [9:0] HS_ON = H_ACTIVE + H_FRONT, HS_OFF = H_ACTIVE + H_FRONT + H_SYNC;
localparam [9:0] VS_ON = V_ACTIVE + V_FRONT, VS_OFF = V_ACTIVE + V_FRONT + V_SYNC;
reg        hde, vde;
wire       hde_n = nx == 10'd0 ? 1'b1 : (nx == H_ACTIVE[9:0] ? 1'b0 : hde);
wire       vde_n = ny == 10'd0 ? 1'b1 : (ny == V_ACTIVE[9:0] ? 1'b0 : vde);

always @(posedge clk) begin
    if (rst) begin
        x           <= H_TOTAL[9:0] - 10'd1;
        y           <= V_TOTAL[9:0] - 10'd1;
        hsync_n     <= 1'b1;
        vsync_n     <= 1'b1;
        de          <= 1'b0;
        frame_start <= 1'b0;
        hde         <= 1'b0;
        vde         <= 1'b0;
    end else begin
        x           <= nx;
        y           <= ny;
        if (nx == HS_ON) hsync_n <= 1'b0; else if (nx == HS_OFF) hsync_n <= 1'b1;
        if (ny == VS_ON) vsync_n <= 1'b0; else if (ny == VS_OFF) vsync_n <= 1'b1;
        hde         <= hde_n;
        vde         <= vde_n;
        de          <= hde_n && vde_n;
        frame_start <= nx == 10'd0 && ny == 10'd0;
    end
end

endmodule

`resetall
