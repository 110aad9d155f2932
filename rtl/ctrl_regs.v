// ctrl_regs — the control channel: register reads and writes, counters
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Executes the request byte stream of docs/protocol.md §7 as the frame that
// carries it arrives, before its CRC is known: responses go into the upstream
// control buffer as tentative writes and a SCRATCH write into a tentative
// copy; the frame's commit makes both real, its abort drops both and the
// half-parsed request. (The engine needs at most 8 clocks a request byte;
// the link delivers one at most every 10 clocks and commits one byte-time
// after the last.) s_ready is low only while the response buffer is full:
// a byte arriving then makes the link refuse the frame.
//
// The 16-bit event counters live in one block RAM, addressed by their
// register address, with the constant registers' low halves and SCRATCH.
// Counters are incremented read-modify-write one at a time, lowest event
// number first, two clocks each: an event is remembered in a pending bit
// until its turn. A request byte that needs the RAM (an address to read, a
// SCRATCH write) holds the counters back one clock, once a byte-time at
// most. Only a UART framing error can recur within a frame, once a byte
// (10 clocks at the fastest, 12 Mbaud with a 12 MHz clock); at most four
// other events are ever pending with it (a received frame's one verdict,
// TX_FRAMES, TX_RETRANSMIT, STREAM_UNDERFLOW), so it is counted within
// 4 * 2 + 1 clocks, before it can recur. Counters start at 0 when the FPGA
// is configured and wrap.
//
// A response leaves one byte a clock from registers loaded when the request
// is read: a read's value is one sample, and constant bytes and inputs tied
// to 0 cost next to no logic.
`resetall
`default_nettype none

module ctrl_regs #(
    parameter [31:0] ID           = 32'h49434542, // ID register ("ICEB")
    parameter [31:0] VERSION      = 32'h00020000, // VERSION register
    parameter [31:0] BOARD_ID     = 1,            // BOARD register
    parameter [31:0] CLK_HZ       = 12000000,     // CLK_HZ register
    parameter [31:0] BAUD         = 3000000,      // BAUD register
    parameter [31:0] LINK         = 0,            // LINK register: channels, window, MTU
    parameter [31:0] STREAM_DEPTH = 4096,         // STREAM_DEPTH register
    parameter        NEV          = 10            // counted events, in register order (below)
) (
    input  wire           clk,          // clock
    input  wire           rst,          // synchronous reset, active high
    input  wire           sess_rst,     // new session: drop a half-parsed request
    input  wire           f_commit,     // the frame's requests are good: keep their effects
    input  wire           f_abort,      // the frame was refused: undo its effects
    input  wire [7:0]     s_data,       // request byte
    input  wire           s_valid,      // s_data valid
    output wire           s_ready,      // s_data taken
    output wire [7:0]     m_data,       // response byte
    output wire           m_valid,      // write m_data into the response buffer
    input  wire           m_full,       // the response buffer is full
    input  wire [15:0]    stream_level, // STREAM_LEVEL register
    input  wire [31:0]    traffic,      // TRAFFIC register as it is now
    input  wire [31:0]    sink_bytes,   // SINK_BYTES register
    input  wire [15:0]    sink_crc,     // SINK_CRC register
    output reg            traffic_set,  // strobe: a committed write of TRAFFIC ...
    output reg  [31:0]    traffic_value, // ... of this value
    input  wire [NEV-1:0] events,       // counter strobes
    output reg            err_seen      // a trouble counter has counted since reset
);

generate
    if (NEV != 10) begin : illegal_parameter
        ctrl_regs_error_nev_must_be_10 u_error();
    end
endgenerate

// Event i counts into register address ev_addr(i): STREAM_OVERFLOW,
// STREAM_UNDERFLOW, then RX_FRAMES .. UART_OVERRUN.
function [4:0] ev_addr;
    input [3:0] i;
    ev_addr = (i < 2) ? 5'h0A + {1'd0, i} : 5'h0E + {1'd0, i};
endfunction
// RX_FRAMES (2) and TX_FRAMES (6) count traffic, the others trouble.
localparam [9:0] ERR_MASK = 10'b11_1011_1011;
localparam [7:0] A_SCRATCH = 8'h06;
localparam [7:0] A_TRAFFIC = 8'h07;

// ---- counters, constants and SCRATCH in block RAM ----------------------------------
// Word a of the RAM is counter a's value, or the low half of constant
// register a. SCRATCH lives in two words, 0x06 and 0x0E: one holds its
// committed value, the other this frame's writes; word 0x1E stays 0 and is
// read for a SCRATCH zeroed by reset. Words of the other registers are 0.
// Only address bits [4:0] matter: every register lives below 0x18, and the
// RAM's value for any other address is never used (it has no register).
// no_rw_check: a read whose word is used never meets a write on its
// address (below), so Yosys need not add logic that orders them.
(* no_rw_check *)
reg  [15:0] cram [0:255];
reg  [15:0] cram_q;
reg  [4:0]  cram_raddr;
reg  [NEV-1:0] pending;
reg         inc_phase;                  // 0: read a pending counter, 1: write it back + 1
reg  [4:0]  inc_addr;
reg  [3:0]  pick;
reg         pick_ok;
wire        ctrl_read;                  // the request parser needs the read port now
integer i;

initial begin
    for (i = 0; i < 256; i = i + 1) cram[i] = 16'd0;
    cram[8'h00] = ID[15:0];
    cram[8'h01] = VERSION[15:0];
    cram[8'h02] = BOARD_ID[15:0];
    cram[8'h03] = CLK_HZ[15:0];
    cram[8'h04] = BAUD[15:0];
    cram[8'h05] = LINK[15:0];
    cram[8'h08] = STREAM_DEPTH[15:0];
end

always @(*) begin
    pick    = 4'd0;
    pick_ok = 1'b0;
    for (i = NEV - 1; i >= 0; i = i - 1)
        if (pending[i]) begin
            pick    = i[3:0];
            pick_ok = 1'b1;
        end
end

wire start_inc = !inc_phase && pick_ok && !ctrl_read;

// SCRATCH: s_cur is the word (0x06, 0x0E) of the committed value, s_dirty
// says this frame wrote the other one, s_zero that none was committed
// since reset.
reg  s_cur, s_dirty, s_zero;
wire s_write;                           // write data[15:0] as SCRATCH now
wire s_rzero = s_zero && !s_dirty;      // SCRATCH reads 0
wire s_rword = s_cur ^ s_dirty;         // ... or this word
// The request's address byte: SCRATCH (0x06; 0x0E has no register) is
// redirected to the word that holds its value.
wire a_scratch = !addr_next[4] && addr_next[2:0] == 3'b110;
wire [4:0] ctrl_raddr = a_scratch ? {s_rzero, s_rzero || s_rword, 3'b110} : addr_next[4:0];

always @(*)
    cram_raddr = start_inc ? ev_addr(pick) : ctrl_raddr;

// cram_q changes only when a read is wanted. A request reading the very
// counter that is due to be written back, or a SCRATCH write, delays the
// write by a clock: the read returns the old value, the word cram_q
// already holds, and the new one is still cram_q + 1 a clock later.
wire inc_write = inc_phase && !s_write && !(ctrl_read && addr_next[4:0] == inc_addr);

always @(posedge clk)
    if (start_inc || ctrl_read)
        cram_q <= cram[{3'd0, cram_raddr}];
always @(posedge clk)
    if (inc_write)
        cram[{3'd0, inc_addr}] <= cram_q + 1'b1;
    else if (s_write)
        cram[{4'b0, !s_cur, 3'b110}] <= data[15:0];

always @(posedge clk) begin
    if (rst) begin
        pending   <= {NEV{1'b0}};
        inc_phase <= 1'b0;
        err_seen  <= 1'b0;
    end else begin
        pending <= (pending & ~({{(NEV-1){1'b0}}, start_inc} << pick)) | events;
        if (start_inc) begin
            inc_phase <= 1'b1;
            inc_addr  <= ev_addr(pick);
        end else if (inc_write) begin
            inc_phase <= 1'b0;
        end
        if ((events & ERR_MASK) != 0) err_seen <= 1'b1;
    end
end

// ---- request parser and responses ----------------------------------------------
localparam [2:0] S_OP = 3'd0, S_RADDR = 3'd1, S_WADDR = 3'd2, S_WDATA = 3'd3,
                 S_READ = 3'd4, S_EXEC = 3'd5, S_RESP = 3'd6;

// A response is op, then the chain {addr, data} shifted up a byte for each
// further byte sent: m_data is op or addr.
reg [2:0]  state;
reg [7:0]  op;                          // the response's first byte
reg [7:0]  addr;                        // the register address, then the next byte
reg [31:0] data;                        // write data, or read data d3 d2 d1 d0
reg [2:0]  ri;                          // response byte being sent
reg        rlong;                       // 6-byte response (a read), else 2
reg [1:0]  wcount;

assign s_ready = !(state == S_RESP && m_full);
wire take = s_valid && s_ready;
// The counter RAM is read at the address byte as it arrives.
wire [7:0] addr_next = s_data;
assign ctrl_read = take && state == S_RADDR;
wire unused_addr_bits = &{1'b0, addr_next[7:5]};

// Whether register `addr` exists; the upper halves of the constant ones.
wire rexists = addr[7:5] == 3'd0 && (addr[4] ? !addr[3] : addr[3:0] <= 4'hD);
reg [15:0] khi;
always @(*) begin
    case (addr[4:0])
    5'h00:   khi = ID[31:16];
    5'h01:   khi = VERSION[31:16];
    5'h02:   khi = BOARD_ID[31:16];
    5'h03:   khi = CLK_HZ[31:16];
    5'h04:   khi = BAUD[31:16];
    5'h05:   khi = LINK[31:16];
    5'h08:   khi = STREAM_DEPTH[31:16];
    default: khi = 16'd0;
    endcase
end

// The value a read returns: the RAM word (a counter, a constant's low
// half, 0 for the registers below) or'ed with the register's input.
wire [4:0] a5 = addr[4:0];
wire [31:0] rval = {khi, cram_q}
                 | (a5 == 5'h07 ? traffic : 32'd0)
                 | (a5 == 5'h09 ? {16'd0, stream_level} : 32'd0)
                 | (a5 == 5'h0C ? sink_bytes : 32'd0)
                 | (a5 == 5'h0D ? {16'd0, sink_crc} : 32'd0);

assign m_valid = state == S_RESP && !m_full;
assign m_data  = ri == 3'd0 ? op : addr;

// A TRAFFIC write takes effect when its frame commits, and only while the
// stream buffer is empty (a mode change never mixes two kinds of data).
wire traffic_idle = stream_level == 16'd0;
reg  tr_pend;
always @(posedge clk) begin
    traffic_set <= 1'b0;
    if (rst || sess_rst || f_abort) begin
        tr_pend <= 1'b0;
    end else if (f_commit) begin
        traffic_set <= tr_pend;
        tr_pend     <= 1'b0;
    end else if (state == S_EXEC && addr == A_TRAFFIC && traffic_idle) begin
        tr_pend       <= 1'b1;
        traffic_value <= data;
    end
end

assign s_write = !rst && !f_abort && !f_commit && state == S_EXEC && addr == A_SCRATCH;
always @(posedge clk) begin
    if (rst) begin
        s_cur   <= 1'b0;
        s_dirty <= 1'b0;
        s_zero  <= 1'b1;
    end else if (f_abort) begin
        s_dirty <= 1'b0;
    end else if (f_commit) begin
        s_cur   <= s_rword;
        s_dirty <= 1'b0;
        s_zero  <= s_rzero;
    end else if (s_write) begin
        s_dirty <= 1'b1;
    end
    if (rst || sess_rst || f_abort) begin
        state <= S_OP;
        ri    <= 3'd0;
    end else begin
        case (state)
        S_OP: if (take) begin
            if (s_data == 8'h01) begin
                state <= S_RADDR;
            end else if (s_data == 8'h02) begin
                state <= S_WADDR;
            end else begin
                op    <= 8'hEF;                     // unknown op: "EF op"
                addr  <= s_data;
                rlong <= 1'b0;
                state <= S_RESP;
            end
        end
        S_RADDR: if (take) begin
            addr  <= s_data;
            state <= S_READ;                        // the counter RAM answers next clock
        end
        S_READ: begin
            op    <= rexists ? 8'h81 : 8'hE1;
            rlong <= rexists;
            data  <= rval;
            state <= S_RESP;
        end
        S_WADDR: if (take) begin
            addr   <= s_data;
            wcount <= 2'd3;
            state  <= S_WDATA;
        end
        S_WDATA: if (take) begin
            data   <= {data[23:0], s_data};
            wcount <= wcount - 1'b1;
            if (wcount == 2'd0) state <= S_EXEC;
        end
        S_EXEC: begin
            op    <= (addr == A_SCRATCH) ? 8'h82 :
                     (addr == A_TRAFFIC) ? (traffic_idle ? 8'h82 : 8'hE3) :
                     rexists ? 8'hE2 : 8'hE1;
            rlong <= 1'b0;
            state <= S_RESP;
        end
        default: if (m_valid) begin
            if (ri != 3'd0) {addr, data} <= {data, s_data};
            ri <= ri + 1'b1;
            if (ri == (rlong ? 3'd5 : 3'd1)) begin
                ri    <= 3'd0;
                state <= S_OP;
            end
        end
        endcase
    end
end

endmodule

`resetall
