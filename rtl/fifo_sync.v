// fifo_sync — synchronous first-word-fall-through FIFO in block RAM
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Words live in a memory with one write port and one registered read port,
// the shape Yosys maps to iCE40 block RAM (8 x 512 is one SB_RAM40_4K). The
// read register is the output stage: m_data comes straight from it, and it
// holds its word (read enable low) until the consumer takes it. A word is
// fetched from the memory whenever the output stage is empty or being
// emptied, so both sides move one word per clock at the same time, from
// empty and at full alike.
//
// Timing, exactly (the test bench's model is this list):
//   * level counts every word held, the one on m_data included;
//     0 <= level <= DEPTH. It is a register.
//   * s_ready = level < DEPTH, or m_valid && m_ready (a word leaves in the
//     same clock, so a full FIFO takes a word per clock while it is read).
//     This is the one combinational path through the FIFO: m_ready to s_ready.
//   * A fetch happens in every clock where the memory holds a word not yet
//     fetched (a word written in clock n counts from clock n + 1) and
//     (!m_valid || m_ready); m_valid is high in the clock after a fetch and
//     stays high until a clock with m_ready and no fetch.
//   * So a word written into an empty FIFO in clock n is on m_data in clock
//     n + 2 (fall-through latency 2), and a stream in at one word per clock
//     comes out at one word per clock.
//   * rst empties the FIFO; transfers offered while rst is high are dropped.
`resetall
`default_nettype none

module fifo_sync #(
    parameter WIDTH = 8,                    // bits per word, >= 1
    parameter DEPTH = 512                   // words held, a power of two >= 2
) (
    input  wire                   clk,      // clock
    input  wire                   rst,      // synchronous reset, active high: empties the FIFO
    input  wire [WIDTH-1:0]       s_data,   // word to write
    input  wire                   s_valid,  // s_data is valid
    output wire                   s_ready,  // s_data is taken in this clock (when s_valid)
    output wire [WIDTH-1:0]       m_data,   // oldest word held (when m_valid)
    output wire                   m_valid,  // m_data is valid
    input  wire                   m_ready,  // the consumer takes m_data in this clock
    output wire [$clog2(DEPTH):0] level     // words held, the one on m_data included
);

localparam AW = $clog2(DEPTH);              // memory address bits

// Illegal parameters stop elaboration in every tool: Yosys runs the initial
// block ($finish), Verilator and Icarus cannot find the module named after
// the error.
generate
    if (WIDTH < 1) begin : illegal_width
        initial begin
            $display("ERROR: fifo_sync: WIDTH must be at least 1 (it is %0d)", WIDTH);
            $finish;
        end
        fifo_sync_error_width_must_be_at_least_1 u_error();
    end
    if (DEPTH < 2 || (1 << AW) != DEPTH) begin : illegal_depth
        initial begin
            $display("ERROR: fifo_sync: DEPTH must be a power of two >= 2 (it is %0d)", DEPTH);
            $finish;
        end
        fifo_sync_error_depth_must_be_a_power_of_two_at_least_2 u_error();
    end
endgenerate

// no_rw_check: a read and a write never meet on one address in one clock
// (see below), so Yosys need not add logic that orders them.
(* no_rw_check *)
reg [WIDTH-1:0] mem [0:DEPTH-1];

reg [AW-1:0]    wr_addr_reg;                // next address written
reg [AW-1:0]    rd_addr_reg;                // next address fetched
reg [AW:0]      level_reg;                  // words held (memory + output stage)
reg             full_reg;                   // level_reg == DEPTH
reg             mem_empty_reg;              // every word in the memory has been fetched
reg             out_valid_reg;              // the output stage holds a word
reg [WIDTH-1:0] out_data_reg;               // the output stage: the memory's read register

wire m_fire = out_valid_reg && m_ready;
wire s_fire = s_valid && (!full_reg || m_fire);
wire fetch  = !mem_empty_reg && (!out_valid_reg || m_ready);

assign s_ready = !full_reg || m_fire;
assign m_data  = out_data_reg;
assign m_valid = out_valid_reg;
assign level   = level_reg;

// The memory, with no reset so that it maps to block RAM. A fetch never reads
// the address written in the same clock: that word is counted only from the
// next clock on, and a write lands on the fetch address only when the memory
// holds DEPTH unfetched words, which leaves no room to write.
always @(posedge clk)
    if (s_fire)
        mem[wr_addr_reg] <= s_data;

always @(posedge clk)
    if (fetch)
        out_data_reg <= mem[rd_addr_reg];

always @(posedge clk) begin
    if (rst) begin
        wr_addr_reg   <= {AW{1'b0}};
        rd_addr_reg   <= {AW{1'b0}};
        level_reg     <= {(AW + 1){1'b0}};
        full_reg      <= 1'b0;
        mem_empty_reg <= 1'b1;
        out_valid_reg <= 1'b0;
    end else begin
        if (s_fire)
            wr_addr_reg <= wr_addr_reg + 1'b1;
        if (fetch)
            rd_addr_reg <= rd_addr_reg + 1'b1;

        // The flags are kept beside the counters, from the counters' old
        // values, so that no clock waits for a counter to settle.
        if (s_fire && !m_fire) begin
            level_reg <= level_reg + 1'b1;
            full_reg  <= level_reg == DEPTH[AW:0] - 1'b1;
        end else if (m_fire && !s_fire) begin
            level_reg <= level_reg - 1'b1;
            full_reg  <= 1'b0;
        end

        // The memory holds level_reg - out_valid_reg words not yet fetched.
        if (s_fire)
            mem_empty_reg <= 1'b0;
        else if (fetch)
            mem_empty_reg <= out_valid_reg ? level_reg == 2 : level_reg == 1;

        if (fetch)
            out_valid_reg <= 1'b1;
        else if (m_fire)
            out_valid_reg <= 1'b0;
    end
end

`ifdef FORMAL
// Properties, proved with Yosys `sat -tempinduct` (tests/formal/fifo_sync.ys).
// A shadow FIFO, a plain shift register of DEPTH words, follows the same
// handshakes; every word the FIFO hands out must be the shadow's head, and
// the memory's contents must match the shadow word for word, which is what
// lets induction close.
reg             f_past_valid = 1'b0;
reg [AW+1:0]    f_count;                    // writes - reads, one bit wider than level
reg [WIDTH-1:0] f_q [0:DEPTH-1];            // the shadow FIFO, head at 0
integer         f_i;
wire [AW:0]     f_mem_count = level_reg - {{AW{1'b0}}, out_valid_reg};   // words not yet fetched

always @(posedge clk)
    f_past_valid <= 1'b1;

always @(posedge clk) begin
    if (rst)
        f_count <= 0;
    else
        f_count <= f_count + {{(AW + 1){1'b0}}, s_fire} - {{(AW + 1){1'b0}}, m_fire};
end

always @(posedge clk) begin
    for (f_i = 0; f_i < DEPTH - 1; f_i = f_i + 1)
        if (m_fire)
            f_q[f_i] <= f_q[f_i + 1];
    if (s_fire)
        f_q[f_count[AW:0] - {{AW{1'b0}}, m_fire}] <= s_data;
end

always @(*) begin
    if (f_past_valid && !rst) begin
        // The counters agree with the formal count and with each other.
        assert(f_count <= DEPTH);
        assert(level_reg == f_count[AW:0]);
        assert(full_reg == (level_reg == DEPTH));
        assert(level_reg >= {{AW{1'b0}}, out_valid_reg});
        assert(mem_empty_reg == (f_mem_count == 0));
        assert(wr_addr_reg - rd_addr_reg == f_mem_count[AW-1:0]);
        // No write is taken when full unless a word leaves in the same
        // clock; nothing is handed out when empty.
        if (s_valid && s_ready)
            assert(level_reg < DEPTH || m_fire);
        if (m_valid)
            assert(level_reg != 0);
        // In order: the output stage holds the shadow's head, and the
        // memory holds the words after it.
        if (out_valid_reg)
            assert(out_data_reg == f_q[0]);
    end
end

genvar f_k;
generate
    for (f_k = 0; f_k < DEPTH; f_k = f_k + 1) begin : f_mem_matches
        wire [AW-1:0] f_addr = rd_addr_reg + f_k;
        always @(*)
            if (f_past_valid && !rst && f_k < f_mem_count)
                assert(mem[f_addr] == f_q[f_k + out_valid_reg]);
    end
endgenerate

// Covers, for a tool that checks them (Yosys `sat` cannot import them;
// tests/formal/fifo_formal shows full is reached by failing a "never full"
// property instead).
`ifdef FORMAL_COVER
always @(*) begin
    cover(f_past_valid && !rst && full_reg && s_valid && s_ready && m_valid && m_ready);
    cover(f_past_valid && !rst && out_valid_reg && level_reg == 1 && s_valid && s_ready && m_ready);
end
`endif
`endif

endmodule

`default_nettype wire
`resetall
