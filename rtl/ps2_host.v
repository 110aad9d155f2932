// ps2_host — PS/2 host port: receiver and transmitter on one open-drain pair
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// PS/2 is a two-wire open-collector bus: either side pulls a line low, a
// resistor pulls it high. The device always makes the clock (10-16.7 kHz,
// each half 30-50 us); the host may only hold it low ("inhibit").
//
//   device to host: 11 bits, start 0, 8 data LSB first, odd parity, stop 1.
//     The device changes data while the clock is high; the host reads it on
//     the falling edge.
//   host to device: the host holds clock low >= 100 us, pulls data low
//     (request-to-send, the start bit) and lets the clock go. The device then
//     clocks 11 pulses: on each falling edge the host puts out the next bit
//     (8 data, parity, stop = released), the device reads it while the clock
//     is high, and during the 11th pulse it pulls data low: the ACK.
//
// One shift register, one bit counter and one timer serve both directions,
// which never overlap (a transmission starts only between frames, and the
// inhibit aborts a frame the device has just begun: it sends it again).
//
// Timing is counted in ticks of 10 us: the inhibit (INHIBIT_US), the
// receiver's watchdog (WATCHDOG_US without an edge in mid-frame drops the
// frame), the device's first clock after request-to-send (FIRST_US, 15 ms in
// the PS/2 specification) and the rest of the packet with the ACK
// (PACKET_US, 2 ms). A transmission never waits forever: each limit ends it
// with tx_err.
`resetall
`default_nettype none

module ps2_host #(
    parameter CLK_HZ      = 12000000,   // system clock frequency in Hz (>= 2 MHz)
    parameter INHIBIT_US  = 120,        // clock held low before request-to-send (>= 100)
    parameter WATCHDOG_US = 1000,       // mid-frame silence that resynchronises the receiver
    parameter FIRST_US    = 15000,      // limit for the device's first clock after request-to-send
    parameter PACKET_US   = 2000,       // limit for the rest of a host-to-device packet and its ACK
    parameter FILTER      = 15          // clocks a line must hold a new level to be believed (1-15)
) (
    input  wire       clk,              // system clock
    input  wire       rst,              // synchronous reset, active high
    input  wire       ps2_clk_in,       // PS/2 clock line as the pin reads it (asynchronous)
    input  wire       ps2_data_in,      // PS/2 data line as the pin reads it (asynchronous)
    output reg        ps2_clk_oe,       // 1: pull the clock line low
    output reg        ps2_data_oe,      // 1: pull the data line low
    output wire       tick,             // strobe every 10 us (shared time base)
    // receiver
    output wire [7:0] rx_data,          // received byte, valid with rx_valid
    output reg        rx_valid,         // strobe: a byte with good start, parity and stop
    output reg        rx_perr,          // strobe: parity error, byte dropped
    output reg        rx_ferr,          // strobe: bad start or stop bit, byte dropped
    output reg        rx_tout,          // strobe: watchdog, a partial frame dropped
    output reg        rx_lost,          // strobe: a frame that had begun was lost (parity, stop, watchdog)
    output wire       rx_busy,          // a frame is being received
    // transmitter
    input  wire [7:0] tx_data,          // byte to send, read with tx_start
    input  wire       tx_start,         // strobe: send tx_data (ignored while tx_busy)
    output wire       tx_busy,          // a transmission is under way
    output reg        tx_done,          // strobe: sent and acknowledged
    output reg        tx_nack,          // strobe: sent, but the device did not pull data low to ACK
    output reg        tx_tout           // strobe: the device did not clock in time, sending abandoned
);

localparam TICK_CLKS   = CLK_HZ / 100000;
localparam PW          = $clog2(TICK_CLKS);
localparam INHIBIT_T   = (INHIBIT_US + 9) / 10;
localparam WATCHDOG_T  = WATCHDOG_US / 10;
localparam FIRST_T     = FIRST_US / 10;
localparam PACKET_T    = PACKET_US / 10;
localparam TW          = $clog2(FIRST_T + 1);

generate
    if (TICK_CLKS < 20) begin : illegal_parameter_clk
        ps2_host_error_clk_hz_below_2_mhz u_error();
    end
    if (INHIBIT_US < 100) begin : illegal_parameter_inhibit
        ps2_host_error_inhibit_below_100_us u_error();
    end
    if (FILTER < 1 || FILTER > 15) begin : illegal_parameter_filter
        ps2_host_error_filter_must_be_1_to_15 u_error();
    end
endgenerate

// ---- time base: a strobe every 10 us
reg [PW-1:0] pre;
assign tick = pre == 0;
always @(posedge clk)
    if (rst || tick) pre <= TICK_CLKS[PW-1:0] - 1'b1;
    else             pre <= pre - 1'b1;

// ---- input conditioning
// Two flops per line against metastability, then a filter: a line's new
// level is believed only after FILTER clocks in a row (1.25 us at 12 MHz).
// A PS/2 half period is at least 30 us, so real edges pass, only late; a
// spike on a long cable (crosstalk when the other line switches) does not.
// Both lines go through the same filter, so the data bit keeps its place
// relative to the clock edge: the device sets data >= 5 us before the
// falling edge and holds it until after the rising edge.
reg [1:0] clk_sync = 2'b11, dat_sync = 2'b11;
reg       clk_f = 1'b1, dat_f = 1'b1;     // filtered levels
reg [3:0] clk_cnt, dat_cnt;
always @(posedge clk) begin
    clk_sync <= {clk_sync[0], ps2_clk_in};
    dat_sync <= {dat_sync[0], ps2_data_in};
    if (rst) begin
        clk_f <= 1'b1; dat_f <= 1'b1; clk_cnt <= 0; dat_cnt <= 0;
    end else begin
        if (clk_sync[1] == clk_f)            clk_cnt <= 0;
        else if (clk_cnt == FILTER[3:0] - 1) begin clk_f <= clk_sync[1]; clk_cnt <= 0; end
        else                                 clk_cnt <= clk_cnt + 1'b1;
        if (dat_sync[1] == dat_f)            dat_cnt <= 0;
        else if (dat_cnt == FILTER[3:0] - 1) begin dat_f <= dat_sync[1]; dat_cnt <= 0; end
        else                                 dat_cnt <= dat_cnt + 1'b1;
    end
end
reg  clk_f_d = 1'b1;
always @(posedge clk) clk_f_d <= clk_f;
wire fall = clk_f_d && !clk_f;            // a filtered falling edge of the clock

// ---- the shared engine
localparam [2:0] S_RX      = 3'd0,  // idle or receiving (bitn counts sampled bits)
                 S_INHIBIT = 3'd1,  // clock held low
                 S_RTS     = 3'd2,  // data low too, clock about to be let go
                 S_FIRST   = 3'd3,  // waiting for the device's first clock
                 S_BITS    = 3'd4,  // device clocking our bits out; ACK on the 11th edge
                 S_RELEASE = 3'd5;  // waiting for the device to release both lines

(* fsm_encoding = "none" *)
reg [2:0]    state;
reg [3:0]    bitn;                  // falling edges seen in this frame
reg [7:0]    shift;                 // rx: bits arrive at the top; tx: bits leave at the bottom
reg          par;                   // running XOR of the data bits (and, rx, the parity bit)
reg [TW-1:0] tmr;                   // ticks since the last edge (rx) or since the phase began (tx)
wire         tmr_full = &tmr;

assign rx_data = shift;
assign rx_busy = state == S_RX && bitn != 0;
assign tx_busy = state != S_RX;

always @(posedge clk) begin
    rx_valid <= 1'b0; rx_perr <= 1'b0; rx_ferr <= 1'b0; rx_tout <= 1'b0; rx_lost <= 1'b0;
    tx_done  <= 1'b0; tx_nack <= 1'b0; tx_tout <= 1'b0;
    if (tick && !tmr_full)
        tmr <= tmr + 1'b1;
    if (rst) begin
        state <= S_RX; bitn <= 0; par <= 1'b0; tmr <= 0;
        ps2_clk_oe <= 1'b0; ps2_data_oe <= 1'b0;
    end else begin
        case (state)
        S_RX: begin
            if (tx_start) begin
                // Holding the clock low aborts a frame the device may have
                // started; it keeps the byte and sends it after us.
                state <= S_INHIBIT; tmr <= 0; bitn <= 0; par <= 1'b0;
                shift <= tx_data; ps2_clk_oe <= 1'b1;
            end else if (fall) begin
                tmr <= 0;
                bitn <= bitn + 1'b1;
                if (bitn == 0) begin
                    par <= 1'b0;
                    if (dat_f) begin
                        // A falling edge with data high is no start bit:
                        // noise, or we came in mid-frame. Stay in step 0.
                        bitn <= 0; rx_ferr <= 1'b1;
                    end
                end else if (bitn <= 8) begin
                    shift <= {dat_f, shift[7:1]};
                    par   <= par ^ dat_f;
                end else if (bitn == 9) begin
                    par   <= par ^ dat_f;
                end else begin
                    // Stop bit. Odd parity: the nine bits hold an odd number
                    // of ones, so the running XOR is 1.
                    bitn <= 0;
                    rx_lost <= !dat_f || !par;
                    if (!dat_f)     rx_ferr  <= 1'b1;
                    else if (!par)  rx_perr  <= 1'b1;
                    else            rx_valid <= 1'b1;
                end
            end else if (bitn != 0 && tmr >= WATCHDOG_T[TW-1:0]) begin
                // No edge for ~1 ms in mid-frame: the device gave up (it was
                // unplugged, or an edge was lost). Start afresh, so the next
                // frame is not read one bit out of step.
                bitn <= 0; rx_tout <= 1'b1; rx_lost <= 1'b1;
            end
        end
        S_INHIBIT:
            if (tmr >= INHIBIT_T[TW-1:0]) begin
                state <= S_RTS; tmr <= 0; ps2_data_oe <= 1'b1;
            end
        S_RTS:
            // One tick with both lines low, so the device sees data low
            // (the start bit) before the clock rises.
            if (tick) begin
                state <= S_FIRST; tmr <= 0; ps2_clk_oe <= 1'b0;
            end
        S_FIRST, S_BITS: begin
            if (fall) begin
                // The device's clock has just gone low: put out the next
                // bit; the device reads it while the clock is high.
                bitn <= bitn + 1'b1;
                if (state == S_FIRST) begin
                    state <= S_BITS; tmr <= 0;
                end
                if (bitn < 8) begin
                    ps2_data_oe <= !shift[0];
                    par   <= par ^ shift[0];
                    shift <= {1'b0, shift[7:1]};
                end else if (bitn == 8) begin
                    ps2_data_oe <= par;          // odd parity: pull low when the data had an odd count
                end else if (bitn == 9) begin
                    ps2_data_oe <= 1'b0;         // stop bit: release the line
                end else begin
                    // 11th falling edge: the device pulls data low as ACK.
                    state <= S_RELEASE;
                    if (dat_f) tx_nack <= 1'b1;
                end
            end
            if ((state == S_FIRST && tmr >= FIRST_T[TW-1:0]) ||
                (state == S_BITS && tmr >= PACKET_T[TW-1:0])) begin
                state <= S_RX; bitn <= 0; ps2_data_oe <= 1'b0; tx_tout <= 1'b1;
            end
        end
        default: begin // S_RELEASE
            // The ACK pulse ends with both lines high; only then may the
            // device send (or the host inhibit) again.
            if (clk_f && dat_f) begin
                state <= S_RX; bitn <= 0;
                if (!tx_nack) tx_done <= 1'b1;
            end else if (tmr >= PACKET_T[TW-1:0]) begin
                state <= S_RX; bitn <= 0; tx_tout <= 1'b1;
            end
        end
        endcase
    end
end

`ifdef FORMAL
// Properties, proved with Yosys `sat -tempinduct` (tests/formal/ps2_rx.ys):
// the receiver never delivers a byte whose frame was bad. A shadow keeps the
// last 11 bits the receiver sampled (f_bits, newest at the top) and how many
// it sampled since the last reset or transmission (f_n). A delivered byte
// must be the data of those 11 samples, with start 0, odd parity and stop 1.
// The invariants below tie the shift register, the parity and the bit count
// to the shadow in mid-frame, which is what lets induction close.
reg        f_past = 1'b0;
reg [10:0] f_bits;
reg [3:0]  f_n;
integer    f_i;
reg        f_par;
always @(posedge clk) begin
    f_past <= 1'b1;
    if (rst || state != S_RX || tx_start)
        f_n <= 0;
    else if (fall) begin
        f_bits <= {dat_f, f_bits[10:1]};
        if (f_n != 4'd15) f_n <= f_n + 1'b1;
    end
end
always @(*) begin
    if (f_past && !rst) begin
        assert(bitn <= 4'd10 || state != S_RX);
        if (state == S_RX && bitn != 0) begin
            assert(f_n >= bitn);
            assert(f_bits[11 - bitn] == 1'b0);                  // the start bit
            f_par = 1'b0;
            for (f_i = 0; f_i < 9; f_i = f_i + 1)
                if (f_i < bitn - 1) begin
                    f_par = f_par ^ f_bits[12 - bitn + f_i];
                    if (f_i < 8)
                        assert(shift[(bitn == 10 ? 0 : 9 - bitn) + f_i] == f_bits[12 - bitn + f_i]);
                end
            assert(par == f_par);
        end
        if (rx_valid) begin
            assert(state == S_RX && bitn == 0);
            assert(f_n >= 4'd11);
            assert(f_bits[0] == 1'b0);                          // start
            assert(^f_bits[9:1] == 1'b1);                       // odd parity
            assert(f_bits[10] == 1'b1);                         // stop
            assert(f_bits[8:1] == rx_data);
        end
    end
end
`endif

endmodule

`resetall
