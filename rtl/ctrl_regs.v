// ctrl_regs — the control channel: register reads and writes, counters
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Executes the request byte stream of docs/protocol.md §7 and writes the
// responses, each committed as a whole, into the upstream control buffer.
// It stalls (never drops) while that buffer is full.
`resetall
`default_nettype none

module ctrl_regs #(
    parameter [31:0] ID           = 32'h49434542, // ID register ("ICEB")
    parameter [31:0] VERSION      = 32'h00010000, // VERSION register
    parameter [31:0] BOARD_ID     = 1,            // BOARD register
    parameter [31:0] CLK_HZ       = 12000000,     // CLK_HZ register
    parameter [31:0] BAUD         = 3000000,      // BAUD register
    parameter [31:0] LINK         = 0,            // LINK register: channels, window, MTU
    parameter [31:0] STREAM_DEPTH = 4096,         // STREAM_DEPTH register
    parameter        NEV          = 10            // counted events (see EV_* below)
) (
    input  wire           clk,          // clock
    input  wire           rst,          // synchronous reset, active high
    input  wire [7:0]     s_data,       // request byte
    input  wire           s_valid,      // s_data valid
    output wire           s_ready,      // s_data taken
    output wire [7:0]     m_data,       // response byte
    output wire           m_valid,      // write m_data into the response buffer
    output wire           m_last,       // last byte of a response: commit it
    input  wire           m_full,       // the response buffer is full
    input  wire [15:0]    stream_level, // STREAM_LEVEL register
    input  wire [NEV-1:0] events,       // counter strobes, bit i counts into counter i
    output reg            err_seen      // an error counter has counted since reset
);

// Counter i ↔ register address. Counters 2 (RX_FRAMES) and 6 (TX_FRAMES)
// count traffic, all others count trouble.
localparam [NEV-1:0] ERR_MASK = 10'b11_1011_1011;

generate
    if (NEV != 10) begin : illegal_parameter
        ctrl_regs_error_nev_must_be_10 u_error();
    end
endgenerate

localparam [7:0] A_SCRATCH = 8'h06;

reg [15:0] cnt [0:NEV-1];
reg [31:0] scratch;
integer i;

always @(posedge clk) begin
    if (rst) begin
        for (i = 0; i < NEV; i = i + 1) cnt[i] <= 16'd0;
        err_seen <= 1'b0;
    end else begin
        for (i = 0; i < NEV; i = i + 1)
            if (events[i]) cnt[i] <= cnt[i] + 1'b1;
        if ((events & ERR_MASK) != 0) err_seen <= 1'b1;
    end
end

// ---- register file, read side ----------------------------------------------
reg [7:0]  addr;
reg [31:0] rval;
reg        rexists;
always @(*) begin
    rexists = 1'b1;
    case (addr)
    8'h00: rval = ID;
    8'h01: rval = VERSION;
    8'h02: rval = BOARD_ID;
    8'h03: rval = CLK_HZ;
    8'h04: rval = BAUD;
    8'h05: rval = LINK;
    8'h06: rval = scratch;
    8'h08: rval = STREAM_DEPTH;
    8'h09: rval = {16'd0, stream_level};
    8'h0A: rval = {16'd0, cnt[0]};
    8'h0B: rval = {16'd0, cnt[1]};
    8'h10: rval = {16'd0, cnt[2]};
    8'h11: rval = {16'd0, cnt[3]};
    8'h12: rval = {16'd0, cnt[4]};
    8'h13: rval = {16'd0, cnt[5]};
    8'h14: rval = {16'd0, cnt[6]};
    8'h15: rval = {16'd0, cnt[7]};
    8'h16: rval = {16'd0, cnt[8]};
    8'h17: rval = {16'd0, cnt[9]};
    default: begin rval = 32'd0; rexists = 1'b0; end
    endcase
end

// ---- request parser and response shifter --------------------------------
localparam [2:0] S_OP = 3'd0, S_RADDR = 3'd1, S_WADDR = 3'd2, S_WDATA = 3'd3,
                 S_EXEC = 3'd4, S_RESP = 3'd5;

reg [2:0]  state;
reg [1:0]  wcount;                      // data bytes of a write still to come, minus one
reg [31:0] wdata;
reg [47:0] resp;                        // response bytes, first in the top byte
reg [2:0]  rleft;                       // response bytes left

assign s_ready = state == S_OP || state == S_RADDR || state == S_WADDR || state == S_WDATA;
assign m_data  = resp[47:40];
assign m_valid = state == S_RESP && !m_full;
assign m_last  = rleft == 3'd1;

wire take = s_valid && s_ready;

always @(posedge clk) begin
    if (rst) begin
        state   <= S_OP;
        scratch <= 32'd0;
        rleft   <= 3'd0;
    end else begin
        case (state)
        S_OP: if (take) begin
            if (s_data == 8'h01) begin
                state <= S_RADDR;
            end else if (s_data == 8'h02) begin
                state <= S_WADDR;
            end else begin
                resp  <= {8'hEF, s_data, 32'd0};    // unknown op
                rleft <= 3'd2;
                state <= S_RESP;
            end
        end
        S_RADDR: if (take) begin
            addr  <= s_data;
            state <= S_EXEC;
        end
        S_WADDR: if (take) begin
            addr   <= s_data;
            wcount <= 2'd3;
            state  <= S_WDATA;
        end
        S_WDATA: if (take) begin
            wdata  <= {wdata[23:0], s_data};
            wcount <= wcount - 1'b1;
            if (wcount == 2'd0) state <= S_EXEC;
        end
        S_EXEC: begin
            state <= S_RESP;
            if (!is_write) begin
                resp  <= rexists ? {8'h81, addr, rval} : {8'hE1, addr, 32'd0};
                rleft <= rexists ? 3'd6 : 3'd2;
            end else if (addr == A_SCRATCH) begin
                scratch <= wdata;
                resp    <= {8'h82, addr, 32'd0};
                rleft   <= 3'd2;
            end else begin
                resp  <= {rexists ? 8'hE2 : 8'hE1, addr, 32'd0};
                rleft <= 3'd2;
            end
        end
        default: if (m_valid) begin
            resp  <= {resp[39:0], 8'h00};
            rleft <= rleft - 1'b1;
            if (rleft == 3'd1) state <= S_OP;
        end
        endcase
    end
end

// Whether the request being executed is a write.
reg is_write;
always @(posedge clk) begin
    if (state == S_OP && take) is_write <= s_data == 8'h02;
end

endmodule

`resetall
