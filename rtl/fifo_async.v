// fifo_async — dual-clock first-word-fall-through FIFO in block RAM
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Each side counts its words in a binary register (the writer words written,
// nw; the reader words taken, nr) and shows the other side a Gray code of
// its count in a register, which crosses through a two-flop synchroniser
// (two plain flops, the first fed straight from the other side's Gray
// register). A Gray code changes one bit per step, so a synchroniser that
// samples it mid-change yields either the old or the new value, never a
// third one; either is safe, as a stale count only makes a side see the
// FIFO fuller (writer) or emptier (reader) than it is.
//
// The writer shows bin2gray(nw) of the clock before (a register loaded from
// its count every clock: no adder in front of it); the reader shows
// bin2gray(-nr), loaded on the clock that takes a word from ~nr == -(nr + 1)
// (again no adder). Each level is then one carry chain from a count and the
// other side's synchronised Gray code through the Gray-to-binary XORs, with
// the handshake added as a bit below both operands:
//   s_level <= nw + gray2bin(sync of -nr) + s_fire
//   m_level <= ~((nr + m_fire) + ~gray2bin(sync of nw))   (== nw - nr - m_fire)
// "Full" is s_level's top bit (the level never exceeds DEPTH): no
// comparator, no second adder.
//
// The output stage is the block RAM's read register, with no read enable:
// it reads, every clock, the slot of the word to show on the next one (nr,
// or nr + 1 on a clock that takes word nr), so no fetch counter is kept.
// m_valid is a register, high for the next clock when the reader's level
// counts a word beyond the one being taken. The writer counts a word as gone
// only once the reader has taken it, so the FIFO holds DEPTH words, the one
// on m_data included, and both levels stay within 0..DEPTH.
//
// Timing: s_ready = !s_level[AW], a register. A word written into an empty
// FIFO raises m_valid on the 4th m_clk edge after the s_clk edge that
// follows the one that took it (that edge loads the writer's Gray register;
// then two synchroniser flops, the level, m_valid). A word taken from a
// full FIFO raises s_ready on the 3rd s_clk edge after the m_clk edge that
// took it (two synchroniser flops and the level). Both sides move one word
// per clock of their own when the other keeps up and DEPTH covers that
// round trip (16 words did at every clock ratio the test bench runs).
//
// Levels: s_level counts from the synchronised read count, so it is never
// below the true level (and s_ready == (s_level != DEPTH)); m_level counts
// from the synchronised write count, so it is never above it. Both are
// registers; when both sides idle they settle on the true level.
//
// Reset: each side has its own synchronous reset, and a side must never be
// reset alone while the other runs: assert s_rst and m_rst together and
// release neither before the other side has seen its reset on at least one
// edge of its own clock (e.g. hold both for two cycles of the slower clock).
// The order of release does not matter. Transfers offered during reset are
// dropped.
`resetall
`default_nettype none

module fifo_async #(
    parameter WIDTH = 8,                    // bits per word, >= 1
    parameter DEPTH = 512                   // words held, a power of two >= 2
) (
    // write side, s_clk
    input  wire                   s_clk,    // write clock
    input  wire                   s_rst,    // synchronous reset, active high (see Reset above)
    input  wire [WIDTH-1:0]       s_data,   // word to write
    input  wire                   s_valid,  // s_data is valid
    output wire                   s_ready,  // s_data is taken on this s_clk edge (when s_valid)
    output wire [$clog2(DEPTH):0] s_level,  // words held as the writer sees it (>= the true level)
    // read side, m_clk
    input  wire                   m_clk,    // read clock
    input  wire                   m_rst,    // synchronous reset, active high (see Reset above)
    output wire [WIDTH-1:0]       m_data,   // oldest word held (when m_valid)
    output wire                   m_valid,  // m_data is valid
    input  wire                   m_ready,  // the consumer takes m_data on this m_clk edge
    output wire [$clog2(DEPTH):0] m_level   // words held as the reader sees it (<= the true level)
);

localparam AW = $clog2(DEPTH);              // memory address bits

// Illegal parameters stop elaboration in every tool: Yosys runs the initial
// block ($finish), Verilator and Icarus cannot find the module named after
// the error.
generate
    if (WIDTH < 1) begin : illegal_width
        initial begin
            $display("ERROR: fifo_async: WIDTH must be at least 1 (it is %0d)", WIDTH);
            $finish;
        end
        fifo_async_error_width_must_be_at_least_1 u_error();
    end
    if (DEPTH < 2 || (1 << AW) != DEPTH) begin : illegal_depth
        initial begin
            $display("ERROR: fifo_async: DEPTH must be a power of two >= 2 (it is %0d)", DEPTH);
            $finish;
        end
        fifo_async_error_depth_must_be_a_power_of_two_at_least_2 u_error();
    end
endgenerate

function [AW:0] bin2gray;
    input [AW:0] b;
    bin2gray = b ^ (b >> 1);
endfunction


// no_rw_check: the reader only uses a word read from a slot once the
// writer's count, synchronised, has passed it, and the writer only writes a
// slot once the reader's, synchronised, has passed the word it held; a read
// of a slot being written is read again before it is used.
(* no_rw_check *)
reg [WIDTH-1:0] mem [0:DEPTH-1];            // word k lives in slot k mod DEPTH

// write side (s_clk)
reg [AW:0]      wr_cnt_reg;                 // nw: words written
reg [AW:0]      wr_gray_reg;                // bin2gray(nw) as of the clock before: what the reader sees
reg [AW:0]      rd_gray_sync1_reg;          // the reader's rd_gray_reg, first flop
reg [AW:0]      rd_gray_sync2_reg;          // second flop: safe to use
reg [AW:0]      s_level_reg;                // nw - the synchronised nr

// read side (m_clk)
reg [AW:0]      rd_cnt_reg;                 // nr: words taken
reg [AW:0]      rd_gray_reg;                // bin2gray(-nr): what the writer sees
reg [AW:0]      wr_gray_sync1_reg;          // the writer's wr_gray_reg, first flop
reg [AW:0]      wr_gray_sync2_reg;          // second flop: safe to use
reg [AW:0]      m_level_reg;                // the synchronised nw - nr
reg             out_valid_reg;              // m_valid: the output stage shows word nr
reg [WIDTH-1:0] out_data_reg;               // the memory's read register: word nr

// ---- Gray to binary -------------------------------------------------------
// Binary bit i is the XOR of the Gray bits from i up. Each side converts
// the other's synchronised Gray code on its way into a level's carry chain,
// on the longest paths, so both conversions are written net by net and the
// nets marked keep, which steers synthesis to one LUT a bit (a LUT that
// feeds the writer's unused level bits shares a logic cell with the chain).
//
// Reader's side, nw, inverted for m_level: every third bit from the top is
// a net of its own and the bits below it are taken from it (one LUT a bit,
// three deep).
wire [AW:0] wr_bin_seen_n;                  // ~gray2bin(wr_gray_sync2_reg)
genvar gi;
generate
    for (gi = 0; gi <= AW; gi = gi + 1) begin : g2b_m
        if (gi == AW) begin : top
            assign wr_bin_seen_n[gi] = !wr_gray_sync2_reg[gi];
        end else if ((AW - gi) % 3 == 0) begin : kept
            (* keep *) wire wr_b_n;
            assign wr_b_n = wr_gray_sync2_reg[gi] ^ wr_bin_seen_n[gi + 1];
            assign wr_bin_seen_n[gi] = wr_b_n;
        end else begin : free
            assign wr_bin_seen_n[gi] = wr_gray_sync2_reg[gi] ^ wr_bin_seen_n[gi + 1];
        end
    end
endgenerate
// Writer's side, -nr: groups of four bits from the top; the XOR of each
// group (a) and the running XOR of the groups down to it (c, the binary bit
// at the group's bottom) are nets of their own, and every other bit is the
// XOR of at most three Gray bits of its group and c of the group above (two
// LUTs deep for DEPTH up to 512).
localparam NG = AW / 4 + 1;                 // groups of four Gray bits
(* keep *) wire [NG-1:0] rd_g2b_a, rd_g2b_c;
wire [AW:0] rd_bin_seen;                    // gray2bin(rd_gray_sync2_reg)

generate
    for (gi = 0; gi < NG; gi = gi + 1) begin : g2b_group
        localparam T = AW - 4 * gi, BOT = T >= 3 ? T - 3 : 0;
        assign rd_g2b_a[gi] = ^rd_gray_sync2_reg[T:BOT];
        if (gi == 0) begin : first
            assign rd_g2b_c[gi] = rd_g2b_a[gi];
        end else begin : next
            assign rd_g2b_c[gi] = rd_g2b_a[gi] ^ rd_g2b_c[gi - 1];
        end
    end
    for (gi = 0; gi <= AW; gi = gi + 1) begin : g2b_bit
        localparam J = (AW - gi) / 4, T = AW - 4 * J, BOT = T >= 3 ? T - 3 : 0;
        if (gi == BOT) begin : bottom
            assign rd_bin_seen[gi]   = rd_g2b_c[J];
        end else if (J == 0) begin : top
            assign rd_bin_seen[gi]   = ^rd_gray_sync2_reg[T:gi];
        end else begin : inner
            assign rd_bin_seen[gi]   = ^rd_gray_sync2_reg[T:gi] ^ rd_g2b_c[J - 1];
        end
    end
endgenerate

// ---- write side -----------------------------------------------------------
// s_level_reg never exceeds DEPTH, so its top bit alone says "full".
wire s_fire = s_valid && !s_level_reg[AW];

assign s_ready = !s_level_reg[AW];
assign s_level = s_level_reg;

// nw - nr + s_fire: the count plus the synchronised -nr in one carry chain,
// with s_fire added as a bit below both operands (its carry is s_fire, in a
// logic cell that also makes s_fire, where a carry-in would need a cell of
// its own).
wire [AW+1:0] s_level_sum = {wr_cnt_reg, s_fire} + {rd_bin_seen, s_fire};

always @(posedge s_clk)
    if (s_fire)
        mem[wr_cnt_reg[AW-1:0]] <= s_data;

always @(posedge s_clk) begin
    if (s_rst) begin
        wr_cnt_reg        <= {(AW + 1){1'b0}};
        wr_gray_reg       <= {(AW + 1){1'b0}};
        rd_gray_sync1_reg <= {(AW + 1){1'b0}};
        rd_gray_sync2_reg <= {(AW + 1){1'b0}};
        s_level_reg       <= {(AW + 1){1'b0}};
    end else begin
        rd_gray_sync1_reg <= rd_gray_reg;
        rd_gray_sync2_reg <= rd_gray_sync1_reg;
        // s_fire enters the counter as an addend (not a clock enable): a
        // counter chain that starts from a signal needs no extra cell to
        // bring its carry in.
        wr_cnt_reg  <= wr_cnt_reg + {{AW{1'b0}}, s_fire};
        // A clock behind the count: its Gray code straight from a register.
        wr_gray_reg <= bin2gray(wr_cnt_reg);
        s_level_reg <= s_level_sum[AW+1:1];
    end
end

// ---- read side ------------------------------------------------------------
// The output stage is the memory's read register. On every clock (no read
// enable) it reads the slot of the word to show next: word nr while the
// reader waits, word nr + 1 on the clock that takes word nr. m_valid rises
// only for a word the synchronised write count has passed, so that word was
// written before the clock that read it.
wire          m_fire      = out_valid_reg && m_ready;
wire [AW:0]   rd_cnt_next = rd_cnt_reg + {{AW{1'b0}}, m_fire};

assign m_data  = out_data_reg;
assign m_valid = out_valid_reg;
assign m_level = m_level_reg;

// nw - (nr + m_fire) == ~((nr + m_fire) + ~nw): one carry chain from the
// count and the synchronised nw, m_fire added as a bit below both.
wire [AW+1:0] m_level_sum = {rd_cnt_reg, m_fire} + {wr_bin_seen_n, m_fire};

always @(posedge m_clk)
    out_data_reg <= mem[rd_cnt_next[AW-1:0]];

always @(posedge m_clk) begin
    if (m_rst) begin
        rd_cnt_reg        <= {(AW + 1){1'b0}};
        rd_gray_reg       <= {(AW + 1){1'b0}};
        wr_gray_sync1_reg <= {(AW + 1){1'b0}};
        wr_gray_sync2_reg <= {(AW + 1){1'b0}};
        m_level_reg       <= {(AW + 1){1'b0}};
        out_valid_reg     <= 1'b0;
    end else begin
        wr_gray_sync1_reg <= wr_gray_reg;
        wr_gray_sync2_reg <= wr_gray_sync1_reg;
        rd_cnt_reg        <= rd_cnt_next;
        // On m_fire, -(nr + 1) == ~nr: the new Gray code comes from the
        // count's old value, with no adder in front of it. Written as a
        // masked XOR rather than an enable, which would need a logic cell to
        // let the reset through.
        rd_gray_reg <= rd_gray_reg ^ ({(AW + 1){m_fire}} & (rd_gray_reg ^ bin2gray(~rd_cnt_reg)));
        // m_valid for the next clock from this clock's level: a word is on
        // show unless the level counts none beyond the one taken. m_level
        // only grows by itself, so this never shows a word that is not
        // there; a word that arrives as the last one leaves shows a clock
        // later.
        out_valid_reg <= m_fire ? |m_level_reg[AW:1] : |m_level_reg;
        m_level_reg <= ~m_level_sum[AW+1:1];
    end
end

`ifdef FORMAL
// Properties, proved with Yosys `sat -tempinduct` after `clk2fflogic`, so
// that the two clocks tick in any interleaving (tests/formal/fifo_formal).
// The proof starts from the all-zero state a reset leaves and keeps both
// resets low; it covers the counting logic, not metastability, which the
// two-flop synchronisers and the Gray code (checked here: one bit per step)
// take care of.
//
// Every count is modulo 2^(AW+1). What a crossing Gray code stands for:
// f_cnt_r(g) = -gray2bin(g) for the reader's (a read count), f_cnt_w(g) =
// gray2bin(g) for the writer's (a write count). Each count trails the next
// in this chain, all within DEPTH of the first (f_dist(x) is x's distance
// from it):
//   f_nr_seen     the read count the writer's level was computed from
//   rd_gray_sync2_reg, rd_gray_sync1_reg
//   rd_gray_reg == rd_cnt_reg   words taken
//   f_nw_seen     the write count the reader's level was computed from
//   wr_gray_sync2_reg, wr_gray_sync1_reg
//   wr_gray_reg   (wr_cnt_reg as of the clock before: at most one behind)
//   wr_cnt_reg    words written
function [AW:0] gray2bin;
    input [AW:0] g;
    integer i;
    for (i = 0; i <= AW; i = i + 1)
        gray2bin[i] = ^(g >> i);
endfunction
function [AW:0] f_cnt_r;
    input [AW:0] g;
    f_cnt_r = -gray2bin(g);
endfunction
function [AW:0] f_cnt_w;
    input [AW:0] g;
    f_cnt_w = gray2bin(g);
endfunction

reg [AW:0] f_nr_seen = 0, f_nw_seen = 0;    // ghosts: the counts last used for the levels
reg [AW:0] f_wr_gray_prev = 0, f_rd_gray_prev = 0;

always @(posedge s_clk) begin
    f_nr_seen      <= f_cnt_r(rd_gray_sync2_reg);
    f_wr_gray_prev <= wr_gray_reg;
end
always @(posedge m_clk) begin
    f_nw_seen      <= f_cnt_w(wr_gray_sync2_reg);
    f_rd_gray_prev <= rd_gray_reg;
end

function [AW:0] f_dist;
    input [AW:0] x;
    f_dist = x - f_nr_seen;
endfunction

// Data: one word, the one written when wr_cnt_reg is f_idx (every
// 2 * DEPTH-th word), has the value f_val; both are free constants.
(* anyconst *) reg [AW:0]      f_idx;
(* anyconst *) reg [WIDTH-1:0] f_val;
always @(*)
    if (s_fire && wr_cnt_reg == f_idx)
        assume(s_data == f_val);
wire f_idx_in_mem = f_dist(f_idx) >= f_dist(rd_cnt_reg) && f_dist(f_idx) < f_dist(wr_cnt_reg);

wire [AW:0] f_level   = wr_cnt_reg - rd_cnt_reg;    // the true level
wire [AW:0] f_wr_lag  = wr_cnt_reg - f_cnt_w(wr_gray_reg);  // 0 or 1: the writer's Gray code is a clock behind
wire [AW:0] f_wr_step = wr_gray_reg ^ f_wr_gray_prev;
wire [AW:0] f_rd_step = rd_gray_reg ^ f_rd_gray_prev;

always @(*) begin
    assume(!s_rst && !m_rst);
    // The chain of counts.
    assert(f_dist(f_cnt_r(rd_gray_sync2_reg)) <= f_dist(f_cnt_r(rd_gray_sync1_reg)));
    assert(f_dist(f_cnt_r(rd_gray_sync1_reg)) <= f_dist(f_cnt_r(rd_gray_reg)));
    assert(f_cnt_r(rd_gray_reg) == rd_cnt_reg);
    assert(f_dist(rd_cnt_reg) <= f_dist(f_nw_seen));
    assert(f_dist(f_nw_seen) <= f_dist(f_cnt_w(wr_gray_sync2_reg)));
    assert(f_dist(f_cnt_w(wr_gray_sync2_reg)) <= f_dist(f_cnt_w(wr_gray_sync1_reg)));
    assert(f_dist(f_cnt_w(wr_gray_sync1_reg)) <= f_dist(f_cnt_w(wr_gray_reg)));
    assert(f_dist(f_cnt_w(wr_gray_reg)) <= f_dist(wr_cnt_reg));
    assert(f_wr_lag <= 1);
    assert(f_dist(wr_cnt_reg) <= DEPTH);
    // Each side's registers agree with each other.
    assert(s_level_reg == wr_cnt_reg - f_nr_seen);
    assert(m_level_reg == f_nw_seen - rd_cnt_reg);
    assert(!out_valid_reg || m_level_reg != 0);
    // What the ports promise: never more than DEPTH words; a write taken
    // only with room for it, a word offered only when one is held; each
    // side's level on its own side of the true one.
    assert(f_level <= DEPTH);
    assert(!(s_valid && s_ready) || f_level < DEPTH);
    assert(!m_valid || f_level != 0);
    assert(m_level <= f_level && f_level <= s_level);
    // That word sits in its memory slot from its write to its read, and
    // the output stage shows the slot of word nr whenever m_valid: every
    // word is on m_data in its turn, in order and intact.
    assert(!f_idx_in_mem || mem[f_idx[AW-1:0]] == f_val);
    assert(!out_valid_reg || out_data_reg == mem[rd_cnt_reg[AW-1:0]]);
    assert(!(out_valid_reg && rd_cnt_reg == f_idx) || out_data_reg == f_val);
    // A Gray code changes by one bit at most per clock of its side.
    assert((f_wr_step & (f_wr_step - 1'b1)) == 0);
    assert((f_rd_step & (f_rd_step - 1'b1)) == 0);
end
`endif

endmodule

`default_nettype wire
`resetall
