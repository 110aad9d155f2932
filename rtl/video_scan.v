// video_scan — the pixel domain: 640×480 scanout of a 160×120 picture, ×4
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Each row of the picture (width/4 words of four 4-bit pixels) is fetched by
// the player (clk domain) into one half of a two-row line buffer (a block
// RAM written in clk and read in pix_clk): row r+1 is asked for on the first
// of row r's four lines, so it has four lines (~128 µs) to arrive, and row 0
// on line 524, after the vertical blanking in which the player changed the
// frame. The requests and the start of each vsync cross into clk as
// toggles through two flops; the row number beside a request is held for
// four lines, long after the toggle arrives. The palette (a second block
// RAM, 16 entries written in clk, read in pix_clk), the size and the
// buffering flag are written by the player only in the vertical blanking
// (flush aside), so they are read here without synchronisers.
//
// Pipeline: timing (stage 0) -> line buffer read (1) -> palette read (2) ->
// colour (3, the output registers); the syncs are delayed to match.
`resetall
`default_nettype none

module video_scan (
    input  wire         pix_clk,           // pixel clock, 25.125 MHz
    input  wire         pix_rst,           // synchronous reset in pix_clk, active high
    input  wire         clk,               // system clock (line buffer writes, events)
    input  wire         rst,               // synchronous reset in clk, active high
    // clk domain
    input  wire         lb_we,             // line buffer write
    input  wire [6:0]   lb_addr,           // {half, word}
    input  wire [15:0]  lb_data,           // four pixels, left one low
    input  wire         pal_we,            // palette write
    input  wire [3:0]   pal_idx,           // entry
    input  wire [11:0]  pal_data,          // 0x0RGB
    output reg          vsync_ev,          // one clock: a vsync began
    output reg          row_req,           // one clock: fetch row ...
    output wire [6:0]   row,               // ... into half row[0]
    // quasi-static, from clk registers
    input  wire [7:0]   width4,            // picture width / 4 (0: black)
    input  wire [7:0]   height4,           // picture height / 4
    input  wire         buffering,         // draw the buffering indicator
    // pixel domain outputs, registered
    output reg  [3:0]   r,                 // red
    output reg  [3:0]   g,                 // green
    output reg  [3:0]   b,                 // blue
    output reg          hsync_n,           // horizontal sync, active low
    output reg          vsync_n,           // vertical sync, active low
    output reg          de                 // data enable
);

wire [9:0] x, y;
wire       t_hs, t_vs, t_de, t_fs;
video_timing u_timing (
    .clk(pix_clk), .rst(pix_rst), .x(x), .y(y),
    .hsync_n(t_hs), .vsync_n(t_vs), .de(t_de), .frame_start(t_fs));

// ---- line buffer: written in clk, read in pix_clk ----
reg [15:0] lb [0:127];
reg [15:0] lb_q;
always @(posedge clk)
    if (lb_we) lb[lb_addr] <= lb_data;
wire [6:0] prow = y[8:2];                  // picture row of this line
always @(posedge pix_clk)
    lb_q <= lb[{prow[0], x[9:4]}];

// ---- palette: written in clk, read in pix_clk ----
reg [11:0] pal [0:15];
reg [11:0] pal_q;
always @(posedge clk)
    if (pal_we) pal[pal_idx] <= pal_data;

// ---- requests to clk ----
reg       req_tgl, vs_tgl;
reg [6:0] req_row;
assign row = req_row;
always @(posedge pix_clk) begin
    if (pix_rst) begin
        req_tgl <= 1'b0; vs_tgl <= 1'b0; req_row <= 7'd0;
    end else if (x == 10'd0) begin
        if (y < 10'd476 && y[1:0] == 2'd0) begin
            req_row <= prow + 7'd1; req_tgl <= !req_tgl;
        end else if (y == 10'd524) begin
            req_row <= 7'd0; req_tgl <= !req_tgl;
        end
        if (y == 10'd490)
            vs_tgl <= !vs_tgl;
    end
end

reg [2:0] req_s, vs_s;
always @(posedge clk) begin
    if (rst) begin
        req_s <= 3'd0; vs_s <= 3'd0; row_req <= 1'b0; vsync_ev <= 1'b0;
    end else begin
        req_s    <= {req_s[1:0], req_tgl};
        vs_s     <= {vs_s[1:0], vs_tgl};
        row_req  <= req_s[2] != req_s[1];
        vsync_ev <= vs_s[2] != vs_s[1];
    end
end

// ---- the indicator: an animated bar across the lower middle of the screen ----
reg [4:0] phase;                           // moves the stripes a pixel a frame
always @(posedge pix_clk)
    if (pix_rst) phase <= 5'd0;
    else if (t_fs) phase <= phase + 5'd1;

// The bar's box, x in [160, 480) and y in [440, 456), and the inside of its
// border, x in [162, 478) and y in [442, 454), as flags of the current
// (x, y) set and cleared on the pixel before each edge: equalities, not
// range compares.
reg  hb, he, vb, ve;
wire x_last = x == 10'd799;
always @(posedge pix_clk)
    if (pix_rst) begin
        hb <= 1'b0; he <= 1'b0; vb <= 1'b0; ve <= 1'b0;
    end else begin
        if (x == 10'd159) hb <= 1'b1; else if (x == 10'd479) hb <= 1'b0;
        if (x == 10'd161) he <= 1'b1; else if (x == 10'd477) he <= 1'b0;
        if (x_last) begin
            if (y == 10'd439) vb <= 1'b1; else if (y == 10'd455) vb <= 1'b0;
            if (y == 10'd441) ve <= 1'b1; else if (y == 10'd453) ve <= 1'b0;
        end
    end

// ---- pipeline ----
reg [1:0] nib1;
reg       in1, bar1, stripe1, edge1;
reg       hs1, vs1, de1;
wire [4:0] xs = x[4:0] - phase;            // stripes 16 px wide, moving right
wire       unused_xs = &{1'b0, xs[3:0]};
always @(posedge pix_clk) begin
    // stage 1: the line buffer word arrives
    nib1    <= x[3:2];
    in1     <= {2'b00, x[9:4]} < width4 && {3'b000, prow} < {height4, 2'b00};
    bar1    <= buffering && hb && vb;
    edge1   <= !(he && ve);
    stripe1 <= xs[4];
    hs1 <= t_hs; vs1 <= t_vs; de1 <= t_de;
end

wire [3:0] pix = lb_q[{nib1, 2'b00} +: 4];
reg        in2, bar2, stripe2, edge2;
reg        hs2, vs2, de2;
always @(posedge pix_clk) begin
    // stage 2: the palette entry arrives
    pal_q <= pal[pix];
    in2 <= in1; bar2 <= bar1; stripe2 <= stripe1; edge2 <= edge1;
    hs2 <= hs1; vs2 <= vs1; de2 <= de1;
end

always @(posedge pix_clk) begin
    // stage 3: colour, registered outputs
    hsync_n <= hs2; vsync_n <= vs2; de <= de2;
    if (!de2)
        {r, g, b} <= 12'h000;
    else if (bar2)
        {r, g, b} <= edge2 ? 12'hFFF : (stripe2 ? 12'hFC0 : 12'h222);
    else if (in2)
        {r, g, b} <= pal_q;
    else
        {r, g, b} <= 12'h000;
end

endmodule

`resetall
