// fifo_async — dual-clock first-word-fall-through FIFO in block RAM
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// The write side (s_clk) and the read side (m_clk) each keep a binary
// pointer and its Gray code in a register; each side sees the other's Gray
// pointer through a two-flop synchroniser. A Gray pointer changes one bit
// per step, so a synchroniser that samples it mid-change yields either the
// old or the new value, never a third one; either is safe, as a stale
// pointer only makes a side see the FIFO fuller (writer) or emptier (reader)
// than it is.
//
// The read side is fifo_sync's: the block RAM's read register is the output
// stage and holds its word until m_ready. The write side counts a word as
// gone only once the reader has taken it from the output stage, so the FIFO
// holds DEPTH words, the one on m_data included, and both levels stay
// within 0..DEPTH.
//
// Timing: s_ready = !full (a register). A word written in s_clk cycle n
// reaches the read side's synchroniser in the next s_clk cycle and shows on
// m_data 4 to 5 m_clk edges later. A word taken frees its slot for the
// writer 3 to 4 s_clk edges later. Both sides move one word per clock of
// their own when the other keeps up.
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
// block, Verilator and Icarus cannot find the module named after the error.
generate
    if (WIDTH < 1 || DEPTH < 2 || (1 << AW) != DEPTH) begin : illegal_parameter
        initial begin
            $display("ERROR: fifo_async: WIDTH must be >= 1 and DEPTH a power of two >= 2 (WIDTH %0d, DEPTH %0d)",
                     WIDTH, DEPTH);
            $finish;
        end
        fifo_async_error_depth_must_be_a_power_of_two_at_least_2 u_error();
    end
endgenerate

function [AW:0] bin2gray;
    input [AW:0] b;
    bin2gray = b ^ (b >> 1);
endfunction

function [AW:0] gray2bin;
    input [AW:0] g;
    integer i;
    begin
        gray2bin[AW] = g[AW];
        for (i = AW - 1; i >= 0; i = i - 1)
            gray2bin[i] = gray2bin[i + 1] ^ g[i];
    end
endfunction

(* no_rw_check *)
reg [WIDTH-1:0] mem [0:DEPTH-1];

// write side (s_clk)
reg [AW:0]      wr_ptr_reg;                 // words written
reg [AW:0]      wr_ptr_gray_reg;            // bin2gray(wr_ptr_reg)
reg [AW:0]      rd_ptr_gray_sync1_reg;      // the reader's rd_ptr_gray_reg, first flop
reg [AW:0]      rd_ptr_gray_sync2_reg;      // second flop: safe to use
reg [AW:0]      rd_ptr_sync_reg;            // gray2bin(rd_ptr_gray_sync2_reg)
reg [AW:0]      s_level_reg;                // wr_ptr_reg - the synchronised rd_ptr
reg             full_reg;                   // s_level_reg == DEPTH

// read side (m_clk)
reg [AW:0]      rd_ptr_reg;                 // words taken by the consumer
reg [AW:0]      rd_ptr_gray_reg;            // bin2gray(rd_ptr_reg), what the writer sees
reg [AW:0]      fetch_ptr_reg;              // words fetched from the memory (rd_ptr_reg + m_valid)
reg [AW:0]      wr_ptr_gray_sync1_reg;      // the writer's wr_ptr_gray_reg, first flop
reg [AW:0]      wr_ptr_gray_sync2_reg;      // second flop: safe to use
reg [AW:0]      wr_ptr_sync_reg;            // gray2bin(wr_ptr_gray_sync2_reg)
reg [AW:0]      m_level_reg;                // the synchronised wr_ptr - rd_ptr_reg
reg             mem_empty_reg;              // every word the reader sees has been fetched
reg             out_valid_reg;              // the output stage holds a word
reg [WIDTH-1:0] out_data_reg;               // the output stage: the memory's read register

// ---- write side -----------------------------------------------------------
wire        s_fire = s_valid && !full_reg;
wire [AW:0] wr_ptr_inc = wr_ptr_reg + 1'b1;
// Words held as of the synchronised read pointer, before this edge's write.
wire [AW:0] s_level_now = wr_ptr_reg - rd_ptr_sync_reg;

assign s_ready = !full_reg;
assign s_level = s_level_reg;

always @(posedge s_clk)
    if (s_fire)
        mem[wr_ptr_reg[AW-1:0]] <= s_data;

always @(posedge s_clk) begin
    if (s_rst) begin
        wr_ptr_reg            <= {(AW + 1){1'b0}};
        wr_ptr_gray_reg       <= {(AW + 1){1'b0}};
        rd_ptr_gray_sync1_reg <= {(AW + 1){1'b0}};
        rd_ptr_gray_sync2_reg <= {(AW + 1){1'b0}};
        rd_ptr_sync_reg       <= {(AW + 1){1'b0}};
        s_level_reg           <= {(AW + 1){1'b0}};
        full_reg              <= 1'b0;
    end else begin
        rd_ptr_gray_sync1_reg <= rd_ptr_gray_reg;
        rd_ptr_gray_sync2_reg <= rd_ptr_gray_sync1_reg;
        rd_ptr_sync_reg       <= gray2bin(rd_ptr_gray_sync2_reg);
        if (s_fire) begin
            wr_ptr_reg      <= wr_ptr_inc;
            wr_ptr_gray_reg <= bin2gray(wr_ptr_inc);
        end
        // The flag is decided from the level before this edge's write, so
        // that no clock waits for the adder after s_fire.
        s_level_reg <= s_level_now + {{AW{1'b0}}, s_fire};
        full_reg    <= s_fire ? s_level_now == DEPTH[AW:0] - 1'b1 : s_level_now == DEPTH[AW:0];
    end
end

// ---- read side ------------------------------------------------------------
wire        m_fire = out_valid_reg && m_ready;
wire        fetch  = !mem_empty_reg && (!out_valid_reg || m_ready);
wire [AW:0] rd_ptr_inc = rd_ptr_reg + 1'b1;
// Words held as of the synchronised write pointer, before this edge's read,
// and those of them not yet fetched from the memory.
wire [AW:0] m_level_now = wr_ptr_sync_reg - rd_ptr_reg;
wire [AW:0] unfetched   = wr_ptr_sync_reg - fetch_ptr_reg;

assign m_data  = out_data_reg;
assign m_valid = out_valid_reg;
assign m_level = m_level_reg;

// The memory's read register, with no reset so that it maps to block RAM.
// It never reads a slot being written: a slot is fetched only once the
// writer's pointer, synchronised, has passed it, and is written again only
// once the reader's, synchronised, has.
always @(posedge m_clk)
    if (fetch)
        out_data_reg <= mem[fetch_ptr_reg[AW-1:0]];

always @(posedge m_clk) begin
    if (m_rst) begin
        rd_ptr_reg            <= {(AW + 1){1'b0}};
        rd_ptr_gray_reg       <= {(AW + 1){1'b0}};
        fetch_ptr_reg         <= {(AW + 1){1'b0}};
        wr_ptr_gray_sync1_reg <= {(AW + 1){1'b0}};
        wr_ptr_gray_sync2_reg <= {(AW + 1){1'b0}};
        wr_ptr_sync_reg       <= {(AW + 1){1'b0}};
        m_level_reg           <= {(AW + 1){1'b0}};
        mem_empty_reg         <= 1'b1;
        out_valid_reg         <= 1'b0;
    end else begin
        wr_ptr_gray_sync1_reg <= wr_ptr_gray_reg;
        wr_ptr_gray_sync2_reg <= wr_ptr_gray_sync1_reg;
        wr_ptr_sync_reg       <= gray2bin(wr_ptr_gray_sync2_reg);
        if (m_fire) begin
            rd_ptr_reg      <= rd_ptr_inc;
            rd_ptr_gray_reg <= bin2gray(rd_ptr_inc);
        end
        if (fetch)
            fetch_ptr_reg <= fetch_ptr_reg + 1'b1;
        m_level_reg   <= m_level_now - {{AW{1'b0}}, m_fire};
        mem_empty_reg <= fetch ? unfetched == 1 : unfetched == 0;
        if (fetch)
            out_valid_reg <= 1'b1;
        else if (m_fire)
            out_valid_reg <= 1'b0;
    end
end

endmodule

`default_nettype wire
`resetall
