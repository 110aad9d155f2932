// ps2_kbd_ctrl — PS/2 keyboard controller: reset, LEDs, typematic, presence
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// Sits between ps2_host and the key stream. It resets the keyboard at
// power-up and whenever the keyboard announces a self-test of its own (AA:
// plugged in, or reset by itself), then sets its LEDs and typematic rate;
// later LED and typematic settings from the host are sent when they change.
// One command is under way at a time, and it waits for the keyboard's
// answer: FA goes on to the next byte, FE sends the byte again (at most
// RETRIES times). Answers (FA, FE, EE, AA, FC) never reach the key stream;
// key bytes that arrive before the answer do, in order.
//
// A byte received with a parity, framing or time-out error is asked for
// again with FE (the keyboard keeps its last byte for that), in mid-command
// too: the keyboard then repeats its answer.
//
// Presence: a command that gets no clock, no ACK, or no answer in time marks
// the keyboard absent. An absent keyboard is sent FF about once a second (one
// that stays silent until reset is found that way); a present, initialised
// one is sent EE about once a second, so unplugging is noticed within ~1 s.
`resetall
`default_nettype none

module ps2_kbd_ctrl #(
    parameter       RESP_MS   = 25,     // limit for an answer (the keyboard has 20 ms)
    parameter       BAT_MS    = 1000,   // limit for the self-test result after FF (< 1024)
    parameter       RETRIES   = 3       // FE answers accepted per byte before giving up (1-3)
) (
    input  wire       clk,              // system clock
    input  wire       rst,              // synchronous reset, active high
    input  wire       ms,               // strobe once a millisecond
    // ps2_host
    input  wire [7:0] rx_data,          // received byte
    input  wire       rx_valid,         // strobe: rx_data good
    input  wire       rx_err,           // strobe: a byte was lost to a parity, framing or time-out error
    input  wire       rx_busy,          // a frame is arriving: do not start a command now
    output wire [7:0] tx_data,          // byte to send, valid with tx_start
    output reg        tx_start,         // strobe: send tx_data
    input  wire       tx_busy,          // ps2_host is sending
    input  wire       tx_done,          // strobe: sent and acknowledged
    input  wire       tx_fail,          // strobe: not acknowledged, or the device did not clock
    // settings
    input  wire [2:0] leds,             // LED byte: [0] Scroll, [1] Num, [2] Caps Lock
    input  wire       leds_set,         // strobe: leds changed, send them
    input  wire [6:0] typematic,        // typematic byte (F3's argument)
    input  wire       typematic_set,    // strobe: typematic changed, send it
    // key stream
    output wire [7:0] key_data,         // key byte (scan code set 2), valid with key_valid
    output reg        key_valid,        // strobe: a byte of the key stream
    output reg        all_up,           // strobe: the keyboard was reset or lost: no key is held
    // status and counted events
    output reg        present,          // a keyboard answers
    output reg        initialised,      // ... and has been reset and set up
    output reg        resend,           // strobe: a byte was sent again (FE from or to the keyboard)
    output reg        no_answer         // strobe: a command got no answer in time
);

// Command steps. A step sends one byte and waits for its answer.
localparam [3:0] C_IDLE  = 4'd0,
                 C_RESET = 4'd1,    // FF, answer FA
                 C_BAT   = 4'd2,    // (nothing to send) waiting for AA
                 C_LEDC  = 4'd3,    // ED, answer FA
                 C_LEDA  = 4'd4,    // the LED byte, answer FA
                 C_TYPC  = 4'd5,    // F3, answer FA
                 C_TYPA  = 4'd6,    // the typematic byte, answer FA
                 C_ECHO  = 4'd7;    // EE, answer EE
localparam [1:0] P_SEND = 2'd0,     // the step's byte is to be sent
                 P_TX   = 2'd1,     // ps2_host is sending it
                 P_WAIT = 2'd2;     // waiting for the answer

(* fsm_encoding = "none" *)
reg [3:0] step;
(* fsm_encoding = "none" *)
reg [1:0] phase;
reg [1:0] tries;                    // FE answers to this byte
reg       setup;                    // the steps run as the initialisation sequence
reg       want_leds, want_typ;      // a setting changed: send it when idle
reg       want_fe;                  // a byte was lost: ask for it again
reg       fe_tx;                    // FE is being sent
reg [9:0] mst;                      // ms since the phase began (saturates)

wire answer_wait = phase == P_WAIT;
wire is_answer   = rx_data == 8'hFA || rx_data == 8'hFE || rx_data == 8'hEE ||
                   rx_data == 8'hAA || rx_data == 8'hFC;
wire can_tx      = !tx_busy && !rx_busy && !tx_start;
wire limit       = step == C_BAT ? mst >= BAT_MS[9:0] : mst >= RESP_MS[9:0];

// The byte to send is chosen, not stored: ps2_host takes it with tx_start,
// and neither the step nor fe_tx changes in between. A key byte is
// ps2_host's own, which holds it until the next frame.
assign tx_data  = fe_tx ? 8'hFE : step_byte;
assign key_data = rx_data;
reg [7:0] step_byte;
always @(*) begin
    case (step)
    C_RESET: step_byte = 8'hFF;
    C_LEDC:  step_byte = 8'hED;
    C_LEDA:  step_byte = {5'd0, leds};
    C_TYPC:  step_byte = 8'hF3;
    C_TYPA:  step_byte = {1'b0, typematic};
    default: step_byte = 8'hEE;
    endcase
end

always @(posedge clk) begin
    tx_start <= 1'b0; key_valid <= 1'b0; all_up <= 1'b0; resend <= 1'b0; no_answer <= 1'b0;
    if (ms && !(&mst)) mst <= mst + 1'b1;
    if (leds_set)      want_leds <= 1'b1;
    if (typematic_set) want_typ  <= 1'b1;
    if (rst) begin
        // Power-up: reset the keyboard at once.
        step <= C_RESET; phase <= P_SEND; setup <= 1'b1; tries <= 0; mst <= 0;
        want_leds <= 1'b0; want_typ <= 1'b0; want_fe <= 1'b0; fe_tx <= 1'b0;
        present <= 1'b0; initialised <= 1'b0;
    end else begin
        // ---- bytes from the keyboard
        if (rx_err) begin
            want_fe <= 1'b1;
        end else if (rx_valid) begin
            present <= 1'b1;
            if (!is_answer) begin
                key_valid <= 1'b1;
            end else if (answer_wait && step == C_BAT) begin
                if (rx_data == 8'hAA) begin
                    step <= C_LEDC; phase <= P_SEND; tries <= 0;
                end else if (rx_data == 8'hFC) begin
                    present <= 1'b0; step <= C_IDLE; phase <= P_SEND; mst <= 0;
                end
            end else if (answer_wait && rx_data == 8'hFE) begin
                // The keyboard did not understand: send the byte again.
                if (tries == RETRIES[1:0]) begin
                    present <= 1'b0; initialised <= 1'b0; step <= C_IDLE; phase <= P_SEND; mst <= 0;
                    no_answer <= 1'b1;
                end else begin
                    tries <= tries + 1'b1; phase <= P_SEND; resend <= 1'b1;
                end
            end else if (answer_wait && ((rx_data == 8'hFA && step != C_ECHO) ||
                                         (rx_data == 8'hEE && step == C_ECHO))) begin
                phase <= P_SEND; tries <= 0; mst <= 0;
                case (step)
                C_RESET: begin step <= C_BAT; phase <= P_WAIT; end
                C_LEDC:  step <= C_LEDA;
                C_LEDA:  step <= setup ? C_TYPC : C_IDLE;
                C_TYPC:  step <= C_TYPA;
                C_TYPA:  begin step <= C_IDLE; setup <= 1'b0; initialised <= 1'b1; end
                default: step <= C_IDLE;
                endcase
            end else if (rx_data == 8'hAA && !(step == C_RESET && answer_wait)) begin
                // A self-test result nobody asked for: a keyboard was plugged
                // in or reset itself. Whatever it held is released; reset it
                // and set it up again.
                all_up <= initialised; initialised <= 1'b0;
                step <= C_RESET; phase <= P_SEND; setup <= 1'b1; tries <= 0;
            end
        end

        // ---- bytes to the keyboard
        if (fe_tx) begin
            if (tx_done || tx_fail) begin
                fe_tx <= 1'b0; mst <= 0;
            end
        end else if (want_fe && phase != P_TX && !tx_busy && !tx_start) begin
            // At once, even while the keyboard has begun its next byte: the
            // inhibit makes it keep that byte for later, and FE makes it
            // send the lost one first. (Waiting for a quiet line would let
            // it go on; after a lost clock edge the receiver is out of step
            // with it until then.)
            want_fe <= 1'b0; fe_tx <= 1'b1; resend <= 1'b1; tx_start <= 1'b1;
        end else if (phase == P_TX) begin
            if (tx_done) begin
                phase <= P_WAIT; mst <= 0;
            end else if (tx_fail) begin
                // No keyboard clocked our byte in, or it did not ACK it.
                all_up <= initialised;
                present <= 1'b0; initialised <= 1'b0; step <= C_IDLE; phase <= P_SEND; mst <= 0;
            end
        end else if (phase == P_WAIT) begin
            if (limit && !rx_valid) begin
                all_up <= initialised; no_answer <= 1'b1;
                present <= 1'b0; initialised <= 1'b0; step <= C_IDLE; phase <= P_SEND; mst <= 0;
            end
        end else if (step == C_IDLE) begin
            if (!present || !initialised) begin
                // Absent (or lost mid-setup): try a reset about once a second.
                if (&mst) begin
                    step <= C_RESET; setup <= 1'b1; tries <= 0;
                end
            end else if (want_leds && can_tx) begin
                want_leds <= leds_set; step <= C_LEDC; setup <= 1'b0; tries <= 0;
            end else if (want_typ && can_tx) begin
                want_typ <= typematic_set; step <= C_TYPC; tries <= 0;
            end else if (&mst) begin
                step <= C_ECHO; tries <= 0;
            end
        end else if (can_tx && !want_fe && !(rx_valid || rx_err)) begin
            // P_SEND of a step with a byte to send.
            tx_start <= 1'b1; phase <= P_TX;
            if (step == C_LEDA) want_leds <= leds_set;
            if (step == C_TYPA) want_typ  <= typematic_set;
        end
    end
end

endmodule

`resetall
