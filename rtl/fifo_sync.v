// fifo_sync — synchronous FIFO in block RAM, first-word-fall-through
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// One word per clock in and out at once, from empty and at full alike. The
// block RAM's own output register is the FIFO's output stage: a word is
// fetched whenever that register is empty or being emptied, so m_valid and
// m_data come straight from flip-flops.
`resetall
`default_nettype none

module fifo_sync #(
    parameter WIDTH = 8,                // bits per word
    parameter DEPTH = 512,              // words, a power of two >= 2
    parameter AW    = $clog2(DEPTH)     // address width (derived, do not set)
) (
    input  wire             clk,        // clock
    input  wire             rst,        // synchronous reset, active high: empties the FIFO
    input  wire [WIDTH-1:0] s_data,     // word in
    input  wire             s_valid,    // s_data is valid
    output wire             s_ready,    // a word is taken when s_valid && s_ready
    output wire [WIDTH-1:0] m_data,     // word out, valid with m_valid
    output wire             m_valid,    // a word is offered
    input  wire             m_ready,    // the word is taken when m_valid && m_ready
    output wire [AW:0]      level       // words held, the output register's included
);

generate
    if (DEPTH < 2 || (1 << AW) != DEPTH) begin : illegal_parameter
        fifo_sync_error_depth_must_be_a_power_of_two_at_least_2 u_error();
    end
endgenerate

reg [WIDTH-1:0] mem [0:DEPTH-1];
reg [AW:0]      wptr, rptr;             // memory write and fetch pointers
reg [AW:0]      count;                  // words held
reg [WIDTH-1:0] out_reg;                // the RAM's output register
reg             out_valid;

wire s_fire = s_valid && s_ready;
wire m_fire = m_valid && m_ready;
// Fetch when the RAM holds a word and the output register is free next clock.
wire fetch  = wptr != rptr && (!out_valid || m_ready);

assign s_ready = count != DEPTH[AW:0];
assign m_valid = out_valid;
assign m_data  = out_reg;
assign level   = count;

always @(posedge clk) begin
    if (s_fire)
        mem[wptr[AW-1:0]] <= s_data;
    if (fetch)
        out_reg <= mem[rptr[AW-1:0]];
end

always @(posedge clk) begin
    if (rst) begin
        wptr      <= 0;
        rptr      <= 0;
        count     <= 0;
        out_valid <= 1'b0;
    end else begin
        if (s_fire)
            wptr <= wptr + 1'b1;
        if (fetch)
            rptr <= rptr + 1'b1;
        if (fetch)
            out_valid <= 1'b1;
        else if (m_ready)
            out_valid <= 1'b0;
        count <= count + {{AW{1'b0}}, s_fire} - {{AW{1'b0}}, m_fire};
    end
end

`ifdef FORMAL
// Properties proven with Yosys `sat -tempinduct` (tests/formal/fifo_sync.ys:
// every register starts undefined, rst is high in the first step).
reg f_started;                                      // a reset has happened
always @(posedge clk) f_started <= rst ? 1'b1 : f_started;

// The environment's count of words in minus words out.
reg [AW+1:0] f_count;
always @(posedge clk)
    if (rst) f_count <= 0;
    else     f_count <= f_count + s_fire - m_fire;

// One word, at an arbitrary position of the stream, with an arbitrary value:
// undriven wires that the proof script turns into inputs (setundef -expose),
// held constant by assumption.
wire [AW:0]      f_idx;
wire [WIDTH-1:0] f_val;
reg  [AW:0]      f_idx_q;
reg  [WIDTH-1:0] f_val_q;
always @(posedge clk) begin
    f_idx_q <= f_idx;
    f_val_q <= f_val;
end
always @(*) if (f_started) assume(f_idx == f_idx_q && f_val == f_val_q);
always @(*) if (s_fire && wptr == f_idx) assume(s_data == f_val);

wire [AW:0] f_mem_used = wptr - rptr;
wire [AW:0] f_from_r   = f_idx - rptr;
wire [AW:0] f_out_ptr  = rptr - 1'b1;

// Each property is one flat implication (nested ifs around assert are not
// imported faithfully by `sat`).
wire f_on = f_started && !rst;
always @(*) begin
    assert(!f_on || level == f_count);                  // level = writes - reads
    assert(!f_on || level <= DEPTH);
    assert(!f_on || !(s_ready && level == DEPTH));      // no write taken when full
    assert(!f_on || !(m_valid && level == 0));          // no read offered when empty
    assert(!f_on || level == f_mem_used + out_valid);   // where the words are
    // The chosen word, once written and until read, sits in the RAM at its
    // address, or in the output register, and leaves in order, intact.
    assert(!(f_on && f_from_r < f_mem_used) || mem[f_idx[AW-1:0]] == f_val);
    assert(!(f_on && out_valid && f_out_ptr == f_idx) || out_reg == f_val);
end
`endif

endmodule

`resetall
