// chan_ep — a peripheral's link channel: its end of the link's buses
// Copyright (c) 2026 the icebuf authors
// SPDX-License-Identifier: MIT
//
// One instance a channel in icebuf_core's generate loop (channels 2 and up;
// /work/brief/peripherals.md is the contract). Downstream the link's bytes
// pass straight to the peripheral, tentatively, with the frame's commit or
// abort; the peripheral gives its room (dn_full, dn_free, dn_news), which
// link_rx checks and link_tx reports to the host as credit. Upstream the
// peripheral writes whole records into the endpoint's chan_buf (up_*:
// written tentatively, made readable by up_commit), which link_tx reads,
// releases as the host acknowledges and rewinds on go-back-N.
//
// A direction the channel does not have (DN or UP 0) costs nothing: its
// downstream refuses every frame (dn_full, credit 0: link_rx counts an
// overflow), its upstream never has a byte. A channel the gateware lacks
// entirely is beyond link_rx's NCHAN and its frames are bad frames.
`resetall
`default_nettype none

module chan_ep #(
    parameter DN       = 1,                 // 1: the channel takes downstream bytes
    parameter UP       = 1,                 // 1: the channel sends upstream, from its chan_buf
    parameter UP_DEPTH = 512,               // upstream buffer bytes, a power of two (UP)
    parameter UW       = $clog2(UP_DEPTH)   // upstream address width (derived, do not set)
) (
    input  wire        clk,                 // clock
    input  wire        rst,                 // synchronous reset, active high: empties the upstream buffer
    // link side: this channel's columns of link_rx's dn_* and link_tx's up_* buses
    input  wire [7:0]  l_dn_data,           // link_rx's byte (shared by every channel)
    input  wire        l_dn_valid,          // a tentative byte for this channel
    input  wire        l_dn_commit,         // the frame's bytes are good
    input  wire        l_dn_abort,          // drop the bytes since the last commit
    output wire        l_dn_full,           // no room for the next byte: link_rx refuses the frame
    output wire [15:0] l_dn_free,           // room, the credit link_tx reports
    output wire        l_dn_news,           // l_dn_free changed
    output wire [7:0]  l_up_data,           // to link_tx: next upstream byte
    output wire        l_up_valid,          // l_up_data valid
    input  wire        l_up_ready,          // link_tx takes l_up_data
    output wire        l_up_more,           // a committed byte follows
    input  wire        l_up_release,        // the host acknowledged l_up_release_len bytes
    input  wire [15:0] l_up_release_len,    // ... this many
    input  wire        l_up_rewind,         // go-back-N: read again from the released pointer
    // peripheral side, downstream (DN)
    output wire [7:0]  dn_data,             // byte, tentative until dn_commit
    output wire        dn_valid,            // dn_data valid
    output wire        dn_commit,           // keep what arrived since the last commit
    output wire        dn_abort,            // drop what arrived since the last commit
    input  wire        dn_full,             // the peripheral cannot take the next byte
    input  wire [15:0] dn_free,             // bytes it can still take (committed room, saturating)
    input  wire        dn_news,             // one clock when dn_free changes
    // peripheral side, upstream (UP): the write side of the channel's chan_buf
    input  wire [7:0]  up_data,             // byte to write
    input  wire        up_valid,            // write up_data (dropped, and up_overflow, when up_full)
    input  wire        up_commit,           // make the bytes written so far readable (a whole record)
    input  wire        up_abort,            // drop the bytes written since the last commit
    output wire        up_full,             // no room for another byte
    output wire [UW:0] up_free,             // room in the buffer
    output wire        up_overflow          // strobe: up_valid while up_full (count it)
);

generate
    if (DN != 0) begin : down
        assign dn_data   = l_dn_data;
        assign dn_valid  = l_dn_valid;
        assign dn_commit = l_dn_commit;
        assign dn_abort  = l_dn_abort;
        assign l_dn_full = dn_full;
        assign l_dn_free = dn_free;
        assign l_dn_news = dn_news || rst;
    end else begin : no_down
        assign {dn_data, dn_valid, dn_commit, dn_abort} = 11'd0;
        assign l_dn_full = 1'b1;
        assign l_dn_free = 16'd0;
        assign l_dn_news = rst;
        wire unused_down = &{1'b0, l_dn_data, l_dn_valid, l_dn_commit, l_dn_abort, dn_full, dn_free, dn_news};
    end

    if (UP != 0) begin : up
        chan_buf #(.DEPTH(UP_DEPTH)) u_buf (
            .clk(clk), .rst(rst),
            .wr_data(up_data), .wr_valid(up_valid), .wr_commit(up_commit), .wr_abort(up_abort),
            .wr_full(up_full), .free(up_free),
            .rd_data(l_up_data), .rd_valid(l_up_valid), .rd_ready(l_up_ready), .rd_more(l_up_more),
            .rd_release(l_up_release), .rd_release_len(l_up_release_len[UW:0]), .rd_rewind(l_up_rewind),
            .rd_inflight(), .level(), .overflow(up_overflow), .underflow());
        wire unused_len = &{1'b0, l_up_release_len[15:UW+1]};  // frames are shorter than the buffer
    end else begin : no_up
        assign {l_up_data, l_up_valid, l_up_more} = 10'd0;
        assign up_full     = 1'b1;
        assign up_free     = {(UW+1){1'b0}};
        assign up_overflow = up_valid;
        wire unused_up = &{1'b0, clk, l_up_ready, l_up_release, l_up_release_len, l_up_rewind, up_data, up_commit,
                           up_abort};
    end
endgenerate

endmodule

`resetall
