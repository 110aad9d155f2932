// video_queue — the frame queue: a byte ring of video records in 128 KiB of SPRAM
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The video channel's bytes (docs/video.md, the record format of the
// peripheral contract) are written into a ring of 2^17 bytes held by four
// SPRAMs (rtl/ice40/spram_256k.v), a byte a clock, tentatively: dn_commit
// keeps what arrived since the last commit, dn_abort drops it. Three
// pointers walk the ring, each with a wrap bit (18 bits):
//
//   rd_ptr   the oldest byte still needed (the frame on screen, or the head)
//   head_ptr the oldest complete record the player has not taken
//   parse_ptr the record the parser is waiting for
//   cm_ptr   the end of the committed bytes      wr_ptr  the next byte
//
// The parser reads each record's header once its 8 bytes are committed and
// counts the record as queued (level) only when all of it is committed: the
// player never sees part of a frame. The player reads records through the
// read port, takes the head with pop (giving its length: the same rule as
// the parser's, rec_len below), and frees the ring up to release_ptr. The
// credit is dn_free = 2^17 - (cm_ptr - rd_ptr): room for committed bytes,
// so tentative bytes that are then aborted never cost the host credit.
//
// Records start at even byte addresses (headers are 8 bytes, palettes 32,
// data lengths even), so every header field and palette entry is one 16-bit
// word. An odd length is rounded up; a record whose magic is neither 0xF5 nor
// 0xE5, or longer than the ring, is counted in bad and taken as an 8-byte one.
`resetall
`default_nettype none

module video_queue #(
    parameter LW = 15                       // width of the record count (level)
) (
    input  wire        clk,                 // system clock
    input  wire        rst,                 // synchronous reset, active high
    // downstream channel (link -> queue), as the peripheral contract
    input  wire [7:0]  dn_data,             // a byte of the video channel
    input  wire        dn_valid,            // dn_data is a tentative byte
    input  wire        dn_commit,           // keep the bytes since the last commit
    input  wire        dn_abort,            // drop the bytes since the last commit
    output wire        dn_full,             // the ring has no room for another byte
    output reg  [15:0] dn_free,             // committed room in bytes, saturating at 65535
    output reg         dn_news,             // one clock: dn_free changed
    // the player's side
    output reg  [LW-1:0] level,             // complete records queued (not taken)
    output reg  [LW-1:0] eos_level,         // of which end-of-stream records
    output wire [16:0] head_ptr,            // byte address of the oldest queued record
    input  wire        pop,                 // take the head record ...
    input  wire [17:0] pop_len,             // ... of this many bytes
    input  wire        pop_eos,             // with pop: it is an end-of-stream record
    input  wire        release_en,          // free the ring up to ...
    input  wire [16:0] release_ptr,         // ... this byte address (a record start)
    input  wire        flush,               // drop every queued record, free everything
    // read port: a word a request, the data the clock after it is granted
    input  wire        rq_valid,            // read the word at rq_addr
    input  wire [15:0] rq_addr,             // word address in the ring
    output wire        rq_ready,            // the request is granted this clock
    output reg         rs_valid,            // rs_data is the word granted last clock
    output wire [15:0] rs_data,             // the word read
    // counters
    output reg  [15:0] bad,                 // malformed records seen
    output reg  [15:0] dropped              // bytes offered while dn_full (refused)
);

// The ring is 2^17 bytes: pointers carry a wrap bit (bit 17), so SIZE is
// that bit alone in the full and credit arithmetic below.
reg [17:0] wr_ptr, cm_ptr, rd_ptr, hd_ptr, pa_ptr;
assign head_ptr = hd_ptr[16:0];

wire [17:0] avail   = cm_ptr - pa_ptr;        // committed bytes from the parse point
// full: wr_ptr a whole ring ahead of rd_ptr (same address, other wrap bit)
assign dn_full = wr_ptr == {!rd_ptr[17], rd_ptr[16:0]};

// ---- SPRAM port: writes first, then the player, then the parser ----------
wire        wr_go = dn_valid && !dn_full;
reg         pa_rq;                            // the parser wants word pa_addr
reg  [15:0] pa_addr;
assign rq_ready = rq_valid && !wr_go;
wire        pa_go = pa_rq && !wr_go && !rq_valid;

wire [15:0] waddr = wr_go ? wr_ptr[16:1] : (rq_valid ? rq_addr : pa_addr);
wire        ram_cs_any = wr_go || rq_valid || pa_rq;
reg  [1:0]  bank_q;                           // the bank read last clock
reg         pa_rs;                            // the parser's word arrives this clock
wire [15:0] dout [0:3];

genvar gi;
generate
    for (gi = 0; gi < 4; gi = gi + 1) begin : ram
        spram_256k u_ram (
            .clk(clk),
            .cs(ram_cs_any && waddr[15:14] == gi),
            .we(wr_go),
            .addr(waddr[13:0]),
            .din({dn_data, dn_data}),
            .mask(wr_ptr[0] ? 4'b1100 : 4'b0011),   // little-endian: even byte low
            .dout(dout[gi]));
    end
endgenerate
assign rs_data = dout[bank_q];

always @(posedge clk) begin
    bank_q   <= waddr[15:14];
    rs_valid <= rq_ready;
    pa_rs    <= pa_go;
end

// ---- the parser ----------------------------------------------------------
localparam [1:0] P_IDLE = 2'd0,               // waiting for 8 committed header bytes
                 P_W0   = 2'd1,               // reading word 0 (magic, format)
                 P_W2   = 2'd2,               // reading word 2 (data length)
                 P_BODY = 2'd3;               // waiting for the whole record
reg [1:0]  pstate;
reg [7:0]  p_magic;
reg [17:0] p_len;                             // the record's length in bytes
wire [15:0] dl_even = rs_data + {15'd0, rs_data[0]};
wire        p_done = pstate == P_BODY && avail >= p_len;
// +1, -1 (all ones) or 0: one adder a count
wire        p_eos = p_done && p_magic == 8'hE5;
wire [LW-1:0] lvl_step = p_done == pop ? {LW{1'b0}} : {{(LW-1){pop}}, 1'b1};
wire [LW-1:0] eos_step = p_eos == (pop && pop_eos) ? {LW{1'b0}} : {{(LW-1){pop && pop_eos}}, 1'b1};

// The ring pointers. Byte pointers move by lengths, all in 18 bits. The
// committed end and the release point are also wanted a clock early, for
// the credit (dn_free must count a commit from the clock after it).
wire [17:0] pa_next = p_done ? pa_ptr + p_len : pa_ptr;
wire [17:0] cm_next = dn_commit && !dn_abort ? (wr_go ? wr_ptr + 18'd1 : wr_ptr) : cm_ptr;
// release_ptr is a record start at or after rd_ptr, less than a ring
// ahead: the wrap bit flips when its address is below rd_ptr's.
wire        rel_wrap = release_ptr < rd_ptr[16:0];
wire [17:0] rd_next = flush ? pa_next
                    : release_en ? {rd_ptr[17] ^ rel_wrap, release_ptr} : rd_ptr;

always @(posedge clk) begin
    if (rst) begin
        wr_ptr <= 18'd0; cm_ptr <= 18'd0; rd_ptr <= 18'd0;
        hd_ptr <= 18'd0; pa_ptr <= 18'd0;
        level <= {LW{1'b0}}; eos_level <= {LW{1'b0}};
        pstate <= P_IDLE; pa_rq <= 1'b0;
        bad <= 16'd0; dropped <= 16'd0;
        p_magic <= 8'd0; p_len <= 18'd0; pa_addr <= 16'd0;
    end else begin
        // write side
        if (dn_abort)
            wr_ptr <= cm_ptr;
        else if (wr_go)
            wr_ptr <= wr_ptr + 18'd1;
        cm_ptr <= cm_next;
        if (dn_valid && dn_full && dropped != 16'hFFFF)
            dropped <= dropped + 16'd1;

        // parser
        case (pstate)
        P_IDLE: if (avail >= 18'd8) begin
            pa_rq <= 1'b1; pa_addr <= pa_ptr[16:1]; pstate <= P_W0;
        end
        P_W0: begin
            // One word in flight at a time: the request drops when granted.
            if (pa_go) pa_rq <= 1'b0;
            if (pa_rs) begin
                p_magic <= rs_data[7:0];
                if (rs_data[7:0] != 8'hF5) begin
                    // An end-of-stream record (or a bad one) is its header only.
                    p_len <= 18'd8; pstate <= P_BODY;
                    if (rs_data[7:0] != 8'hE5 && bad != 16'hFFFF) bad <= bad + 16'd1;
                end else begin
                    pa_rq <= 1'b1; pa_addr <= pa_addr + 16'd2; pstate <= P_W2;
                end
            end
        end
        P_W2: begin
            if (pa_go) pa_rq <= 1'b0;
            if (pa_rs) begin
                pstate <= P_BODY;
                // a record of 2^16 - 1 data bytes would round to 2^16; every
                // shorter one fits the ring beside another
                if (&rs_data) begin
                    p_len <= 18'd8; p_magic <= 8'h00;
                    if (bad != 16'hFFFF) bad <= bad + 16'd1;
                end else begin
                    p_len <= {2'b00, dl_even} + 18'd40;
                end
            end
        end
        default: if (p_done) pstate <= P_IDLE;
        endcase
        pa_ptr <= pa_next;

        // the player's side; flush drops what is queued, keeps a record in
        // progress (its bytes are still arriving)
        if (flush) begin
            level <= {LW{1'b0}}; eos_level <= {LW{1'b0}};
            hd_ptr <= pa_next;
        end else begin
            level <= level + lvl_step;
            eos_level <= eos_level + eos_step;
            if (pop)
                hd_ptr <= hd_ptr + pop_len;
        end
        rd_ptr <= rd_next;
    end
end

// ---- credit ---------------------------------------------------------------
// 2^17 - (cm_next - rd_next), by one subtraction
wire [17:0] room_n = rd_next - cm_next;
wire [17:0] room   = {!room_n[17], room_n[16:0]};
wire [15:0] free_now = room[17:16] != 2'd0 ? 16'hFFFF : room[15:0];
always @(posedge clk) begin
    if (rst) begin
        dn_free <= 16'd0;
        dn_news <= 1'b0;
    end else begin
        dn_free <= free_now;
        dn_news <= free_now != dn_free;
    end
end

endmodule

`resetall
