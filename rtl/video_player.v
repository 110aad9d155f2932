// video_player — plays the frame queue at the stream's rate, with its registers
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// On each vsync (a strobe from the pixel domain, already in clk) the player
// adds 20 to a playhead in units of 1/1200 s; when it reaches the duration of
// the frame on screen the next queued frame takes its place and the playhead
// keeps the remainder, so 25 and 24 fps come out as cadences (3,2,3,2 and
// 3,2,2,3,2 vsyncs) and nothing drifts. Frames change only here, in the
// vertical blanking after vsync (the pixel domain's rows are fetched during
// the active lines only), so no frame is torn or shown in part.
//
//   IDLE      nothing played yet: starts once START frames are queued
//   PLAY      playing
//   BUFFERING the queue ran dry: the last frame stays with the indicator;
//             resumes at the resume goal, which rises by STEP after each
//             underrun, capped one below what the queue can hold (the
//             goal must be reachable), and falls back by STEP after CALM
//             vsyncs played without an underrun, down to the base
//   ENDED     an end-of-stream record was played out: the last frame stays;
//             the next frames are a new stream, started as from IDLE
//
// A queued end-of-stream record makes every threshold moot (play out what
// is queued), so the end is never an underrun. Pause holds the playhead;
// flush drops the queue and the picture. Register window (0x30 + offset),
// docs/video.md: 0 CTRL/STATUS, 1 FRAMES, 2 UNDERRUNS, 3 STALLED, 4 LATE,
// 5 LEVEL, 6 START, 7 RESUME, 8 ADAPT, 9 STARTUP, 10 VSYNCS, 11 ERRORS,
// 12 ENDS.
`resetall
`default_nettype none

module video_player #(
    parameter LW = 15,                      // width of the queue's record count
    parameter [7:0]  START_DEF  = 8'd4,     // default start threshold, frames
    parameter [7:0]  RESUME_DEF = 8'd8,     // default base resume threshold, frames
    parameter [7:0]  STEP_DEF   = 8'd2,     // default rise of the resume goal an underrun
    parameter [15:0] CALM_DEF   = 16'd600   // default vsyncs without underrun before it falls a step
) (
    input  wire        clk,                 // system clock
    input  wire        rst,                 // synchronous reset, active high
    input  wire        vsync,               // one clock: the pixel domain began a vsync
    // the queue
    input  wire [LW-1:0] level,             // complete records queued
    input  wire [LW-1:0] eos_level,         // of which end-of-stream records
    input  wire [16:0] head_ptr,            // the oldest queued record
    output reg         pop,                 // take it ...
    output reg  [17:0] pop_len,             // ... this long
    output reg         pop_eos,             // it was an end-of-stream record
    output reg         release_en,          // free the ring before ...
    output wire [16:0] release_ptr,         // ... this record (the head, with pop)
    output reg         flush,               // drop everything queued
    output wire        rq_valid,            // read port of the queue
    output wire [15:0] rq_addr,
    input  wire        rq_ready,
    input  wire        rs_valid,
    input  wire [15:0] rs_data,
    input  wire [15:0] q_bad,               // the queue's malformed records
    input  wire [15:0] q_dropped,           // the queue's refused bytes
    // the pixel domain: row requests in, the line buffer and picture out
    input  wire        row_req,             // one clock: fetch row ...
    input  wire [6:0]  row,                 // ... of the picture (0 .. 4 × height4 - 1) into half row[0]
    output wire        lb_we,               // line buffer write
    output wire [6:0]  lb_addr,             // {half, word 0..39}
    output wire [15:0] lb_data,             // four pixels, the left one in the low nibble
    output wire        pal_we,              // palette write (the take, in the vertical blanking):
    output wire [3:0]  pal_idx,             // ... entry ...
    output wire [11:0] pal_data,            // ... becomes 0x0RGB
    output reg  [7:0]  width4,              // the frame's width / 4 (0: nothing to show)
    output reg  [7:0]  height4,             // the frame's height / 4
    output wire        buffering,           // draw the buffering indicator
    // registers, window 0x30 of the peripheral contract
    input  wire        reg_sel,             // one-clock strobe: a request for reg_addr
    input  wire        reg_we,              // with reg_sel: a write of reg_wdata
    input  wire [3:0]  reg_addr,            // register offset in the window
    input  wire [31:0] reg_wdata,           // write data
    output wire [31:0] reg_rdata,           // read data, the clock after reg_sel
    output reg         reg_err              // with reg_rdata: no such register / read-only
);

localparam [1:0] S_IDLE = 2'd0, S_PLAY = 2'd1, S_BUF = 2'd2, S_END = 2'd3;

reg [1:0]  state;
reg        paused;
reg [15:0] ph;                              // playhead within the frame, 1/1200 s
reg [15:0] dur;                             // the frame on screen's duration
reg        showing;                         // a frame is on screen
reg [15:0] data_w;                          // word address of its pixels

// settings
reg [7:0]  start_thr, resume_base, step;
reg [15:0] calm;
// adaptive state
reg [7:0]  resume_cur;                      // the current resume goal
reg [15:0] calm_cnt;
reg [7:0]  cap;                             // frames the queue can hold beside the one shown
// counters
// The counters (FRAMES, UNDERRUNS, STALLED, LATE, VSYNCS, ENDS) and
// STARTUP live in a block RAM of 16-bit words at their register offsets:
// the counters wrap at 2^16 (libicebuf extends them), STARTUP saturates at
// 65535 vsyncs. Events set a pending bit; a read-modify-write takes two
// clocks a counter, in the clocks the register port leaves the RAM free.
reg [15:0] startup_run;
reg        startup_on;
reg [7:0]  lvl_min, lvl_max;

wire [31:0] level32 = {{(32-LW){1'b0}}, level};
wire [7:0]  lvl8 = level32 > 32'd255 ? 8'hFF : level32[7:0];
// Thresholds as applied: at least 1, at most what can be reached.
wire [7:0] cap_m1     = cap == 8'd0 ? 8'd0 : cap - 8'd1;
wire [7:0] start_eff  = start_thr > cap ? cap : start_thr;
wire [7:0] resume_eff = resume_cur > cap_m1 ? cap_m1 : resume_cur;
wire       start_ok   = level != 0 && (eos_level != 0 || lvl8 >= start_eff);
wire       resume_ok  = level != 0 && (eos_level != 0 || lvl8 >= resume_eff);
assign buffering = state == S_BUF;

// ---- the read sequencer: header, palette or a row, one job at a time -------
localparam [1:0] J_NONE = 2'd0, J_HDR = 2'd1, J_PAL = 2'd2, J_ROW = 2'd3;
reg [1:0]  job;
reg [15:0] j_addr;                          // next word to request
reg [5:0]  j_left;                          // words still to request
reg [5:0]  j_idx;                           // index of the next word to arrive
reg [5:0]  j_n;                             // words in the job
reg        j_half;
// A row's first word, data_w + row × width4, by shift and add: m_r (the
// row's bits still to add) and m_w (width4 shifted) walk seven clocks at
// most before the first request, one adder serving both this and the
// request count.
reg [6:0]  m_r;
reg [14:0] m_w;
wire       m_busy   = m_r != 7'd0;
assign rq_valid = job != J_NONE && j_left != 6'd0 && !m_busy;
wire [15:0] j_step  = m_busy ? (m_r[0] ? {1'b0, m_w} : 16'd0) : {15'd0, rq_valid && rq_ready};
assign rq_addr  = j_addr;
wire   j_last   = rs_valid && j_idx == j_n - 6'd1;
assign lb_we    = job == J_ROW && rs_valid;
assign lb_addr  = {j_half, j_idx};
assign lb_data  = rs_data;
assign release_ptr = head_ptr;             // the queue moves it the clock after
assign pal_we   = job == J_PAL && rs_valid;
assign pal_idx  = j_idx[3:0];
assign pal_data = rs_data[11:0];

// the header being read
// the header being read: a frame's fields go straight to the registers of
// the frame on screen once word 0 says it is a frame (the take runs in the
// vertical blanking and always ends with that frame shown, or a flush)
reg        h_f5, h_e5, h_raw;               // magic 0xF5, 0xE5; format 0
wire [15:0] rs_even = rs_data + {15'd0, rs_data[0]};

// a take is asked at vsync and done by the sequencer
reg        take_go;                         // pending: read the head's header (set at vsync)
reg        take_resume;                     // the playhead restarts at 0
reg [15:0] take_ph;                         // the playhead the new frame starts with
reg        row_pend;
reg [6:0]  row_q;
// capacity: how many records of the current length fit beside it
reg        cap_run;
reg [17:0] cap_acc;

wire [15:0] t_next = ph + 16'd20;
wire [8:0]  raised = {1'b0, resume_cur} + {1'b0, step};       // the goal after an underrun
wire [8:0]  floor_step = {1'b0, resume_base} + {1'b0, step};  // above this it can fall a step

// ---- registers: commands ---------------------------------------------------
wire wr_ctrl = reg_sel && reg_we && reg_addr == 4'd0;
wire cmd_pause  = wr_ctrl && reg_wdata[0];
wire cmd_resume = wr_ctrl && reg_wdata[1];
wire cmd_flush  = wr_ctrl && reg_wdata[2];
wire cmd_clear  = wr_ctrl && reg_wdata[3];
wire unused_wdata = &{1'b0, reg_wdata[15:8]};  // ADAPT's bits 15:8 are reserved

always @(posedge clk) begin
    pop <= 1'b0; pop_eos <= 1'b0; release_en <= 1'b0; flush <= 1'b0;
    if (rst) begin
        state <= S_IDLE; paused <= 1'b0; ph <= 16'd0; dur <= 16'd0; showing <= 1'b0;
        data_w <= 16'd0; width4 <= 8'd0; height4 <= 8'd0;
        start_thr <= START_DEF; resume_base <= RESUME_DEF; step <= STEP_DEF; calm <= CALM_DEF;
        resume_cur <= RESUME_DEF; calm_cnt <= 16'd0; cap <= 8'hFF;
        startup_run <= 16'd0;
        startup_on <= 1'b0; lvl_min <= 8'hFF; lvl_max <= 8'd0;
        job <= J_NONE; j_left <= 6'd0; j_idx <= 6'd0; j_n <= 6'd0; j_addr <= 16'd0; j_half <= 1'b0;
        m_r <= 7'd0; m_w <= 15'd0;
        take_go <= 1'b0; take_resume <= 1'b0; take_ph <= 16'd0; row_pend <= 1'b0; row_q <= 7'd0;
        cap_run <= 1'b0; cap_acc <= 18'd0;
        h_f5 <= 1'b0; h_e5 <= 1'b0; h_raw <= 1'b0;
        pop_len <= 18'd0;
    end else begin
        // settings
        if (reg_sel && reg_we) begin
            case (reg_addr)
            4'd6: start_thr <= reg_wdata[7:0];
            4'd7: begin resume_base <= reg_wdata[7:0]; resume_cur <= reg_wdata[7:0]; end
            4'd8: begin step <= reg_wdata[7:0]; calm <= reg_wdata[31:16]; end
            default: ;
            endcase
        end
        if (cmd_pause)  paused <= 1'b1;
        if (cmd_resume) paused <= 1'b0;

        // the level's extremes: max always, min while playing
        if (lvl8 > lvl_max) lvl_max <= lvl8;
        if (state == S_PLAY && lvl8 < lvl_min) lvl_min <= lvl8;

        // startup delay: vsyncs from the first queued record to the first frame
        if ((state == S_IDLE || state == S_END) && level != 0 && eos_level == 0 && !startup_on) begin
            startup_on <= 1'b1; startup_run <= 16'd0;
        end

        // row requests wait for the sequencer
        if (row_req) begin row_pend <= 1'b1; row_q <= row; end

        // ---- vsync: the only place frames change ----
        if (vsync) begin
            if (startup_on && startup_run != 16'hFFFF) startup_run <= startup_run + 16'd1;
            if (!paused) begin
                case (state)
                S_IDLE, S_END: if (start_ok) begin
                    take_go <= 1'b1; take_resume <= 1'b1; take_ph <= 16'd0;
                end
                S_PLAY: begin
                    if (calm_cnt >= calm && calm != 16'd0) begin
                        calm_cnt <= 16'd0;
                        resume_cur <= {1'b0, resume_cur} > floor_step ? resume_cur - step : resume_base;
                    end else begin
                        calm_cnt <= calm_cnt + 16'd1;
                    end
                    if (t_next >= dur) begin
                        if (level != 0) begin
                            take_go <= 1'b1; take_resume <= 1'b0; take_ph <= t_next - dur;
                        end else begin
                            state <= S_BUF; ph <= dur;
                            calm_cnt <= 16'd0;
                            resume_cur <= raised > {1'b0, cap_m1} ? cap_m1 : raised[7:0];
                        end
                    end else begin
                        ph <= t_next;
                    end
                end
                default: begin      // S_BUF
                    if (resume_ok) begin
                        take_go <= 1'b1; take_resume <= 1'b1; take_ph <= 16'd0;
                    end
                end
                endcase
            end
        end

        // flush: nothing queued, nothing shown, back to IDLE (the sequencer
        // is idle at vsync only, so a flush mid-take waits for it)
        if (cmd_flush) begin
            flush <= 1'b1; state <= S_IDLE; showing <= 1'b0; width4 <= 8'd0;
            startup_on <= 1'b0; row_pend <= 1'b0; take_go <= 1'b0;
        end

        // ---- the sequencer ----
        j_addr <= j_addr + j_step;
        if (rq_valid && rq_ready) j_left <= j_left - 6'd1;
        if (m_busy) begin m_r <= m_r >> 1; m_w <= m_w << 1; end
        if (job == J_NONE) begin
            if (take_go && !cmd_flush) begin
                take_go <= 1'b0;
                job <= J_HDR; j_addr <= head_ptr[16:1]; j_left <= 6'd4; j_n <= 6'd4; j_idx <= 6'd0;
                m_r <= 7'd0;
            end else if (row_pend && !row_req) begin
                row_pend <= 1'b0;       // with nothing on screen, nothing to fetch
                if (showing && {3'b000, row_q} < {height4, 2'b00} && width4 != 8'd0) begin
                    job <= J_ROW; j_half <= row_q[0]; j_idx <= 6'd0;
                    j_addr <= data_w; m_r <= row_q; m_w <= {7'd0, width4};
                    j_n    <= width4 > 8'd40 ? 6'd40 : width4[5:0];
                    j_left <= width4 > 8'd40 ? 6'd40 : width4[5:0];
                end
            end
        end else if (cmd_flush) begin
            job <= J_NONE;          // a word still in flight arrives to no job
            m_r <= 7'd0;
        end else if (rs_valid) begin
            j_idx <= j_idx + 6'd1;
            if (job == J_HDR) begin
                case (j_idx[1:0])
                2'd0: begin
                    h_f5 <= rs_data[7:0] == 8'hF5; h_e5 <= rs_data[7:0] == 8'hE5;
                    h_raw <= rs_data[15:8] == 8'd0;
                    pop_len <= 18'd8;           // an end-of-stream or bad record
                end
                2'd1: if (h_f5) dur <= rs_data;
                2'd2: if (h_f5) pop_len <= {2'b00, rs_even} + 18'd40;
                default: if (h_f5) begin
                    width4 <= h_raw ? rs_data[7:0] : 8'd0; height4 <= rs_data[15:8];
                end
                endcase
            end
            if (j_last) begin
                job <= J_NONE;
                if (job == J_HDR) begin
                    if (h_f5) begin
                        job <= J_PAL; j_left <= 6'd16; j_n <= 6'd16; j_idx <= 6'd0;
                    end else begin
                        // end of stream, or a bad record: take it, keep the picture
                        pop <= 1'b1; pop_eos <= h_e5;
                        if (h_e5) begin
                            state <= S_END;
                        end
                    end
                end
                if (job == J_PAL) begin
                    // the new frame is on screen from the next active line
                    pop <= 1'b1;
                    release_en <= 1'b1;
                    showing <= 1'b1; state <= S_PLAY;
                    data_w <= j_addr;       // past the header's 4 words and the palette's 16
                    ph <= take_ph;
                    if (startup_on && take_resume && (state == S_IDLE || state == S_END)) begin
                        startup_on <= 1'b0;
                    end
                    cap_run <= 1'b1; cap_acc <= {pop_len[16:0], 1'b0}; cap <= 8'd0;
                end
            end
        end

        // clear counters: last, so it wins over a count in the same clock
        if (cmd_clear) begin
            lvl_min <= 8'hFF; lvl_max <= 8'd0;
        end

        // capacity, a subtraction-free division: count the records of this
        // length (pop_len, which holds until the next take, a vsync later)
        // that fit in the ring beside the one on screen
        if (cap_run) begin
            if (cap_acc > 18'h20000 || cap == 8'hFF) cap_run <= 1'b0;   // beyond the ring's 2^17 bytes
            else begin cap <= cap + 8'd1; cap_acc <= cap_acc + pop_len; end
        end
    end
end

// ---- counters ----------------------------------------------------------------
// the events, each at most once a vsync or a take
wire vs_run   = vsync && !paused;
wire ev_vsync = vsync;
wire ev_stall = vs_run && state == S_BUF;
wire ev_under = vs_run && state == S_PLAY && t_next >= dur && level == 0;
wire take_end = job != J_NONE && !cmd_flush && rs_valid && j_last;
wire ev_frame = take_end && job == J_PAL;
wire ev_late  = ev_frame && take_ph >= dur;
wire ev_end   = take_end && job == J_HDR && !h_f5 && h_e5;
wire ev_start = ev_frame && startup_on && take_resume && (state == S_IDLE || state == S_END);
// pending bits by register offset: 1 frames, 2 underruns, 3 stalled,
// 4 late, 9 startup (a write of startup_run), 10 vsyncs, 12 ends
reg  [12:0] pend;
wire [12:0] ev = {ev_end, 1'b0, ev_vsync, ev_start, 4'd0, ev_late, ev_stall, ev_under, ev_frame, 1'b0};
reg  [15:0] cnt [0:15];
reg  [15:0] cnt_q;
reg  [3:0]  u_addr;                         // the counter being updated
reg         u_rd;                           // its old value arrives this clock
reg         u_clr;                          // a sweep writing zeros (reset, clear)
reg  [3:0]  u_sweep;
// the lowest pending counter
wire [3:0]  u_next = pend[1] ? 4'd1 : pend[2] ? 4'd2 : pend[3] ? 4'd3 : pend[4] ? 4'd4 :
                     pend[9] ? 4'd9 : pend[10] ? 4'd10 : 4'd12;
wire        u_go   = !u_clr && !u_rd && pend != 13'd0 && !reg_sel;
wire [3:0]  c_raddr = reg_sel ? reg_addr : u_next;
wire        c_we   = u_clr || u_rd;
wire [3:0]  c_waddr = u_clr ? u_sweep : u_addr;
wire [15:0] c_wdata = u_clr ? 16'd0 : (u_addr == 4'd9 ? startup_run : cnt_q + 16'd1);
always @(posedge clk) begin
    if (c_we) cnt[c_waddr] <= c_wdata;
    cnt_q <= cnt[c_raddr];
end
always @(posedge clk) begin
    if (rst || cmd_clear) begin
        pend <= 13'd0; u_rd <= 1'b0; u_clr <= 1'b1; u_sweep <= 4'd0; u_addr <= 4'd0;
    end else begin
        u_rd <= u_go;
        if (u_go) u_addr <= u_next;
        if (u_clr) begin
            u_sweep <= u_sweep + 4'd1;
            if (u_sweep == 4'd15) u_clr <= 1'b0;
        end
        // a new event wins over the update it would follow
        pend <= (pend & ~({12'd0, u_go} << u_next)) | ev;
    end
end

// ---- register reads ---------------------------------------------------------
reg        rd_cnt;                          // the answer is the counter RAM's word
reg [31:0] rd_q;
assign reg_rdata = rd_cnt ? {16'd0, cnt_q} : rd_q;
always @(posedge clk) begin
    reg_err <= 1'b0;
    rd_cnt <= 1'b0;
    if (reg_sel) begin
        reg_err <= reg_we ? !(reg_addr == 4'd0 || reg_addr == 4'd6 || reg_addr == 4'd7 || reg_addr == 4'd8)
                          : reg_addr > 4'd12;
        rd_cnt <= reg_addr == 4'd1 || reg_addr == 4'd2 || reg_addr == 4'd3 || reg_addr == 4'd4 ||
                  reg_addr == 4'd9 || reg_addr == 4'd10 || reg_addr == 4'd12;
        case (reg_addr)
        4'd0:  rd_q <= {level32[15:0], 8'd0, 3'd0, showing, paused, 1'b0, state};
        4'd5:  rd_q <= {cap, lvl_max, lvl_min, lvl8};
        4'd6:  rd_q <= {24'd0, start_thr};
        4'd7:  rd_q <= {8'd0, resume_eff, resume_cur, resume_base};
        4'd8:  rd_q <= {calm, 8'd0, step};
        4'd11: rd_q <= {q_dropped, q_bad};
        default: rd_q <= 32'd0;
        endcase
    end
end

endmodule

`resetall
