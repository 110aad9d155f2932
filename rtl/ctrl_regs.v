// ctrl_regs — the control channel: register reads and writes, counters
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Executes the request byte stream of docs/protocol.md §7 as the frame that
// carries it arrives, before its CRC is known: responses go into the upstream
// control buffer as tentative writes and a SCRATCH write into a tentative
// copy; the frame's commit makes both real, its abort drops both and the
// half-parsed request. (A response is out 7 clocks after the request's last
// byte; the link delivers a byte at most every 10 clocks and commits one
// byte-time after the last.) s_ready is low only while the response buffer
// is full: a byte arriving then makes the link refuse the frame.
//
// Everything a response sends comes from one block RAM, a byte a clock
// from its output register: each register's upper and lower 16-bit halves
// (the event counters, the constants, SCRATCH, 0 for the others), and a
// word written as the request's address arrives with the response's first
// two bytes. Only inputs (STREAM_LEVEL; with TEST_MODES also TRAFFIC,
// SINK_BYTES, SINK_CRC) are sampled into a register, as the read's data
// bytes start: a read's value is one sample.
//
// Counters are incremented read-modify-write one at a time, two clocks
// each: an event is remembered in a pending bit until its turn. A read's
// response holds the RAM's read port for 6 clocks in a row (while the
// response buffer takes its bytes; when it is full the counters go first
// and the word is read again). UART_FRAME_ERR, the one event that can recur
// within a frame (once a byte, 10 clocks at the fastest: 12 Mbaud with a
// 12 MHz clock), goes first: it waits at most for those 6 clocks and the
// increment under way, and its own increment starts within 8 clocks,
// before it can recur. The others recur at most once a frame, and at most
// four are ever pending together (a received frame's one verdict,
// TX_FRAMES, TX_RETRANSMIT, STREAM_UNDERFLOW): each starts within 2 frame
// errors, a read and the 3 others, under 20 clocks. Counters start at 0
// when the FPGA is configured and wrap.
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
    parameter [31:0] FEATURES     = 0,            // FEATURES register: the peripherals built in
    parameter        NEV          = 10,           // counted events, in register order (below)
    parameter        TEST_MODES   = 1,            // 0: no TRAFFIC, SINK_BYTES, SINK_CRC registers
    parameter        WINDOWS      = 0             // 1: requests for 0x20-0x4F go out on x_* (reg_windows)
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
    input  wire [31:0]    traffic,      // TRAFFIC register as it is now (TEST_MODES)
    input  wire [31:0]    sink_bytes,   // SINK_BYTES register (TEST_MODES)
    input  wire [15:0]    sink_crc,     // SINK_CRC register (TEST_MODES)
    output wire           traffic_set,  // strobe: a committed write of TRAFFIC ... (TEST_MODES)
    output wire [31:0]    traffic_value, // ... of this value
    input  wire [NEV-1:0] events,       // counter strobes
    output wire           x_sel,        // WINDOWS: one-clock strobe, a request for register x_addr
    output wire           x_we,         // ... a write of x_wdata (else a read)
    output wire [7:0]     x_addr,       // ... its address (0x20-0x4F)
    output wire [31:0]    x_wdata,      // ... the data of a write
    input  wire [31:0]    x_rdata,      // the clock after x_sel: the value read
    input  wire           x_err,        // ... or no such register / read-only (E1)
    output reg            err_seen      // a trouble counter has counted since reset
);

`include "icebuf_regs.vh"

// Which registers 0x00-0x1F exist comes from regs/icebuf.tab (bit a:
// register a; 0x1F never, its upper word is the response's). Writes are
// not table-driven: SCRATCH and TRAFFIC each have a write path of their
// own, and the response ops are built from their bit patterns (below), so
// a table that changes either stops the build here.
localparam       TM = (TEST_MODES != 0);
localparam       WIN = (WINDOWS != 0);
localparam [31:0] R_EXISTS = R_EXISTS_ALL | (TM ? R_EXISTS_TEST_MODES : 32'd0);
generate
    if (NEV != 10) begin : illegal_parameter
        ctrl_regs_error_nev_must_be_10 u_error();
    end
    if (R_WRITABLE_ALL != (32'd1 << R_SCRATCH) || R_WRITABLE_TEST_MODES != (32'd1 << R_TRAFFIC) ||
        R_EXISTS[31] || OP_READ != 8'h01 || OP_WRITE != 8'h02 || RESP_READ_OK != 8'h81 ||
        RESP_WRITE_OK != 8'h82 || RESP_NO_REG != 8'hE1 || RESP_READ_ONLY != 8'hE2 ||
        RESP_BUSY != 8'hE3 || RESP_BAD_OP != 8'hEF) begin : table_mismatch
        ctrl_regs_error_table_needs_a_new_write_path_or_op_decode u_error();
    end
endgenerate

// Event i counts into register address ev_addr(i): STREAM_OVERFLOW,
// STREAM_UNDERFLOW, then RX_FRAMES .. UART_OVERRUN.
function [4:0] ev_addr;
    input integer i;
    ev_addr = (i < 2) ? 5'h0A + i[4:0] : 5'h0E + i[4:0];
endfunction
localparam       EV_FRAME_ERR = 8;

// ---- register words in block RAM -------------------------------------------------
// Word {1, a} holds the upper half of register a, word {0, a} the lower:
// a counter's value, a constant's halves, 0 for the others. Word 0x3F
// (no register's) holds the response's first two bytes. SCRATCH lives
// in two lower words, 0x06 and 0x0E: one holds its committed value, the
// other this frame's writes (their upper words are 0); like the counters
// it starts at 0 when the FPGA is configured. Only address bits [4:0]
// matter: every register lives below 0x1F, and the RAM's words for any
// other address are never sent (it has no register).
// no_rw_check: a read whose word is used never meets a write on its
// address (below), so Yosys need not add logic that orders them.
(* no_rw_check *)
reg  [15:0] cram [0:255];
reg  [15:0] cram_q;
integer i;

initial begin
    for (i = 0; i < 256; i = i + 1) cram[i] = 16'd0;
    cram[8'h00] = ID[15:0];           cram[8'h20] = ID[31:16];
    cram[8'h01] = VERSION[15:0];      cram[8'h21] = VERSION[31:16];
    cram[8'h02] = BOARD_ID[15:0];     cram[8'h22] = BOARD_ID[31:16];
    cram[8'h03] = CLK_HZ[15:0];       cram[8'h23] = CLK_HZ[31:16];
    cram[8'h04] = BAUD[15:0];         cram[8'h24] = BAUD[31:16];
    cram[8'h05] = LINK[15:0];         cram[8'h25] = LINK[31:16];
    cram[8'h08] = STREAM_DEPTH[15:0]; cram[8'h28] = STREAM_DEPTH[31:16];
    cram[{3'd0, R_FEATURES[4:0]}] = FEATURES[15:0];
    cram[{3'd1, R_FEATURES[4:0]}] = FEATURES[31:16];
end

// ---- event counters ----------------------------------------------------------------
// UART_FRAME_ERR goes first, then the others in register order.
reg  [NEV-1:0] pending;
reg         inc_phase;                  // 0: read a pending counter, 1: write it back + 1
reg  [4:0]  inc_addr;
wire        p_hold;                     // the response needs the read port, or its word kept
wire        p_rd;                       // the response reads a word now ...
wire [5:0]  p_addr;                     // ... this one
wire        s_wr;                       // a SCRATCH byte is written now
wire        r_wr;                       // the response word is written now
wire [7:0]  r_op;                       // ... with this op byte

// The event that goes next, one-hot (ev_grant), and its counter's address
// (ev_pick): UART_FRAME_ERR first, then the others in register order. They
// are called only where a counter starts (start_inc): the same logic as a
// search wired to the registers, and a simulator evaluates it only in those
// clocks, not every clock (docs/sim.md, speed).
function [NEV-1:0] ev_grant;
    input [NEV-1:0] p;
    integer j;
    begin
        ev_grant = {NEV{1'b0}};
        for (j = NEV - 1; j >= 0; j = j - 1)
            if (p[j] && j != EV_FRAME_ERR) begin
                ev_grant    = {NEV{1'b0}};
                ev_grant[j] = 1'b1;
            end
        if (p[EV_FRAME_ERR]) begin
            ev_grant = {NEV{1'b0}};
            ev_grant[EV_FRAME_ERR] = 1'b1;
        end
    end
endfunction
function [4:0] ev_pick;
    input [NEV-1:0] p;
    integer j;
    begin
        ev_pick = 5'd0;
        for (j = NEV - 1; j >= 0; j = j - 1)
            if (p[j] && j != EV_FRAME_ERR) ev_pick = ev_addr(j);
        if (p[EV_FRAME_ERR]) ev_pick = ev_addr(EV_FRAME_ERR);
    end
endfunction
wire pick_ok = pending != {NEV{1'b0}};

wire start_inc = !inc_phase && pick_ok && !p_hold;

// A byte write (SCRATCH, the response word) delays the write-back by a
// clock, one in which the parser takes a request byte and reads nothing,
// so cram_q is kept. A response's read of a lower
// word waits for the write-back instead (p_wait), so no read meets a write
// on its address.
wire inc_write = inc_phase && !s_wr && !r_wr;

always @(posedge clk) begin
    if (rst) begin
        pending   <= {NEV{1'b0}};
        inc_phase <= 1'b0;
        err_seen  <= 1'b0;
    end else begin
        if (start_inc) begin
            pending   <= (pending & ~ev_grant(pending)) | events;
            inc_phase <= 1'b1;
            inc_addr  <= ev_pick(pending);
            // RX_FRAMES (0x10) and TX_FRAMES (0x14) count traffic, the others trouble.
            if (!(ev_pick(pending) == 5'h10 || ev_pick(pending) == 5'h14)) err_seen <= 1'b1;
        end else begin
            pending <= pending | events;
            if (inc_write) inc_phase <= 1'b0;
        end
    end
end

// ---- RAM ports -----------------------------------------------------------------------
// The write port takes a counter + 1, or a request byte: SCRATCH's data, or
// the response word's address byte with its op byte. (The sum's carries
// are don't-care when a byte is written: each bit is one carry-chain cell.)
reg  s_cur = 1'b0;
reg  s_dirty;
wire s_rword = s_cur ^ s_dirty;         // SCRATCH reads this word
wire        byte_wr = s_wr || r_wr;
wire [15:0] inc_value = cram_q + {{15{byte_wr}}, 1'b1};
(* keep *) wire [7:0] wbyte_hi;       // a LUT of its own: each sum bit stays one cell
assign wbyte_hi = s_wr ? s_data : r_op;
wire [15:0] wdata = byte_wr ? {wbyte_hi, s_data} : inc_value;
wire [5:0]  waddr = s_wr ? {2'b00, !s_cur, 3'b110} : r_wr ? 6'h3F : {1'b0, inc_addr};
wire        wr_hi, wr_lo;               // which halves of SCRATCH's word are written

always @(posedge clk)
    if (start_inc || p_rd)
        cram_q <= cram[{2'd0, p_rd ? p_addr : {1'b0, ev_pick(pending)}}];
// No write while in reset: the registers that enable one may come out of
// configuration with any value on another FPGA (and do in simulation, which
// randomises them), and a word written then would read as garbage.
always @(posedge clk) begin
    if (!rst && (inc_write || r_wr || (s_wr && wr_hi)))
        cram[{2'd0, waddr}][15:8] <= wdata[15:8];
    if (!rst && (inc_write || r_wr || (s_wr && wr_lo)))
        cram[{2'd0, waddr}][7:0] <= wdata[7:0];
end

// ---- request parser and responses ----------------------------------------------------
// The response word is written as the request's address byte arrives (the
// op byte for an unknown op). A response is that word's two bytes, then for
// a read the upper and the lower word of the register, each read while the
// byte before it is sent. A word is kept while the next byte needs it,
// except when the response buffer is full: then a counter may take the
// port, and the word is read again before its byte is sent.
localparam [1:0] S_OP = 2'd0, S_ADDR = 2'd1, S_WDATA = 2'd2, S_RESP = 2'd3;
reg  [1:0] state;
reg        wr;                          // the request is a write
reg        rlong;                       // 6-byte response (a read), else 2
reg        w_scratch;                   // a write of SCRATCH
reg        w_traffic;                   // a write of TRAFFIC
reg        w_win;                       // a request for a window's register (WINDOWS)
wire       sd_win = WIN && s_data >= W_KEYBOARD_BASE && s_data <= W_CONSOLE_LAST;
wire       win_long;                    // the window's answer is a value (81 + 4 bytes)
wire       win_ready;                   // the window's response is ready to send
wire [7:0] win_byte;                    // its next byte
wire       rl = w_win ? win_long : rlong;   // a 6-byte response
reg  [4:0] addr;                        // the register's word (SCRATCH's: the one it reads)
reg  [2:0] ri;                          // response byte being sent; write data byte 4..7
reg        q_ok;                        // cram_q holds the word byte ri is sent from

assign s_ready = !(state == S_RESP && m_full);
wire take = s_valid && s_ready;

// The op byte: 81, 82, E1, E2, E3, EF are 1ee0ffcc (E3 is 82 | 61).
wire sd_exists = s_data[7:5] == 3'd0 && R_EXISTS[s_data[4:0]];
wire sd_scratch = s_data == R_SCRATCH;
wire sd_traffic = TM && s_data == R_TRAFFIC;
wire op_f = state == S_OP;
wire op_e = op_f || (wr ? !sd_scratch && !sd_traffic : !sd_exists);
assign r_op = {1'b1, op_e, op_e, 1'b0, op_f, op_f,
               op_f || (wr && sd_exists), op_f || !wr || !sd_exists};
assign r_wr = take && !state[1];

wire [2:0] tp = ri + {2'd0, q_ok};      // the byte whose word is read
wire unused_tp = tp[0];
wire   p_wait  = inc_phase && tp[2];       // a lower word waits for the counter's write
assign m_valid = state == S_RESP && !m_full && (w_win ? win_ready : q_ok && !p_wait);
assign p_rd    = state == S_RESP && !p_wait && (!q_ok || (m_valid && rlong && ri[0] && !ri[2]));
assign p_hold  = p_rd || (m_valid && !ri[0]);
assign p_addr = !tp[2] && !tp[1] ? 6'h3F :
                {!tp[2], addr};

// Inputs: a sample taken as the data bytes start, shifted out under them.
localparam LW = TM ? 32 : 16;
reg  [LW-1:0] live;
wire [31:0] live_in = (addr == R_STREAM_LEVEL[4:0] ? {16'd0, stream_level} : 32'd0)
                    | (TM && addr == R_TRAFFIC[4:0] ? traffic : 32'd0)
                    | (TM && addr == R_SINK_BYTES[4:0] ? sink_bytes : 32'd0)
                    | (TM && addr == R_SINK_CRC[4:0] ? {16'd0, sink_crc} : 32'd0);
always @(posedge clk)
    if (rst || sess_rst || f_abort)
        live <= {LW{1'b0}};
    else if (m_valid && (TM ? rlong && ri == 3'd1 : ri == 3'd3))
        live <= live_in[LW-1:0];
    else if (m_valid)
        live <= live << 8;
wire tr_busy;                           // a TRAFFIC write refused: E3, not 82

assign m_data = w_win ? win_byte :
                (ri[0] ? cram_q[7:0] : cram_q[15:8]) | live[LW-1:LW-8]
              | (ri == 3'd0 && tr_busy ? 8'h61 : 8'h00);

assign s_wr  = !f_abort && !f_commit && state == S_WDATA && take && ri[2:1] == 2'b11 && w_scratch;
assign wr_hi = !ri[0];
assign wr_lo = ri[0];

always @(posedge clk) begin
    if (rst || f_abort) begin
        s_dirty <= 1'b0;
    end else if (f_commit) begin
        s_cur   <= s_rword;
        s_dirty <= 1'b0;
    end else if (s_wr) begin
        // The upper byte goes into the frame's copy first: until the lower
        // one follows, that copy is not a value (a frame cut here keeps
        // SCRATCH as it was before the frame).
        s_dirty <= wr_lo;
    end
    if (p_rd)
        q_ok <= 1'b1;
    else if (start_inc || r_wr)
        q_ok <= 1'b0;
    // A request ends with its frame: a committed frame that stops inside a
    // request drops what arrived of it (the next frame starts with an op).
    if (rst || sess_rst || f_abort || (f_commit && state != S_RESP)) begin
        state <= S_OP;
        ri    <= 3'd0;
        w_win <= 1'b0;
    end else begin
        case (state)
        S_OP: if (take) begin
            wr    <= s_data == 8'h02;
            rlong <= 1'b0;
            w_win <= 1'b0;                          // an unknown op's response is ours
            state <= (s_data == 8'h01 || s_data == 8'h02) ? S_ADDR : S_RESP;
        end
        S_ADDR: if (take) begin
            // SCRATCH (0x06; 0x0E has no register) reads the word that
            // holds its value; nothing changes it before the read is sent.
            addr      <= (!s_data[4] && s_data[2:0] == 3'b110) ?
                         {1'b0, s_rword, 3'b110} : s_data[4:0];
            rlong     <= !wr && sd_exists;
            w_scratch <= sd_scratch;
            w_traffic <= sd_traffic;
            w_win     <= sd_win;
            ri        <= {wr, 2'b00};
            state     <= wr ? S_WDATA : S_RESP;
        end
        S_WDATA: if (take) begin
            ri <= ri + 1'b1;                        // 7 wraps to 0
            if (ri == 3'd7) state <= S_RESP;
        end
        default: if (m_valid) begin
            ri <= ri + 1'b1;
            if (ri == (rl ? 3'd5 : 3'd1)) begin
                ri    <= 3'd0;
                state <= S_OP;
            end
        end
        endcase
    end
end

// ---- register windows (WINDOWS) ------------------------------------------------
// A request for 0x20-0x4F goes out on x_* as its last byte arrives (a
// read's address, a write's last data byte); the answer, registered by the
// window a clock later, is taken the clock after that into the response's
// six bytes. Unlike SCRATCH and TRAFFIC a window's write takes effect then,
// not with the frame's commit: a frame refused after it and sent again
// writes again, so a window's writable registers are settings (writing one
// twice is writing it once) and its reads have no side effects.
generate
    if (WIN) begin : windows
        reg [23:0] wbuf;                        // a write's first three data bytes
        reg [31:0] wd;
        reg [7:0]  a;
        reg        sel, we, pend, ready, long;
        reg [47:0] sh;                          // the response, sent from its top byte
        assign x_sel = sel;  assign x_we = we;  assign x_addr = a;  assign x_wdata = wd;
        assign win_long = long;  assign win_ready = ready;  assign win_byte = sh[47:40];
        always @(posedge clk) begin
            sel  <= 1'b0;
            pend <= sel;
            if (state == S_WDATA && take) wbuf <= {wbuf[15:0], s_data};
            if (state == S_ADDR && take) begin
                a  <= s_data;
                we <= wr;
            end
            if (state == S_WDATA && take && ri == 3'd7) wd <= {wbuf, s_data};
            if (rst || sess_rst || f_abort) begin
                ready <= 1'b0;
            end else begin
                if (state == S_ADDR && take && sd_win && !wr) sel <= 1'b1;
                if (state == S_WDATA && take && ri == 3'd7 && w_win) sel <= 1'b1;
                if (state == S_ADDR && take) ready <= 1'b0;
                if (pend) begin
                    ready <= 1'b1;
                    long  <= !we && !x_err;
                    sh    <= {x_err ? RESP_NO_REG : we ? RESP_WRITE_OK : RESP_READ_OK, a, x_rdata};
                end else if (m_valid && w_win) begin
                    sh <= sh << 8;
                end
            end
        end
    end else begin : no_windows
        assign {x_sel, x_we, x_addr, x_wdata} = 42'd0;
        assign {win_long, win_ready, win_byte} = 10'd0;
        wire unused_window_inputs = &{1'b0, x_rdata, x_err, sd_win};
    end
endgenerate

// ---- TRAFFIC (TEST_MODES) --------------------------------------------------------
// A TRAFFIC write takes effect when its frame commits, and only while the
// stream buffer is empty (a mode change never mixes two kinds of data).
generate
    if (TM) begin : test_modes
        reg [23:0] wbuf;                        // a write's first three data bytes
        reg        tr_pend;
        reg        busy, set;
        reg [31:0] value;
        assign tr_busy       = busy;
        assign traffic_set   = set;
        assign traffic_value = value;
        wire       last = state == S_WDATA && take && ri == 3'd7;
        always @(posedge clk) begin
            if (state == S_WDATA && take) wbuf <= {wbuf[15:0], s_data};
            if (take && state == S_OP) busy <= 1'b0;
            else if (last) busy <= w_traffic && stream_level != 16'd0;
            set <= 1'b0;
            if (rst || sess_rst || f_abort) begin
                tr_pend <= 1'b0;
            end else if (f_commit) begin
                set     <= tr_pend;
                tr_pend <= 1'b0;
            end else if (last && w_traffic && stream_level == 16'd0) begin
                tr_pend <= 1'b1;
                value   <= {wbuf, s_data};
            end
        end
    end else begin : no_test_modes
        assign tr_busy       = 1'b0;
        assign traffic_set   = 1'b0;
        assign traffic_value = 32'd0;
        wire unused_test_inputs = &{1'b0, traffic, sink_bytes, sink_crc, w_traffic, live_in[31:16]};
    end
endgenerate

endmodule

`resetall
