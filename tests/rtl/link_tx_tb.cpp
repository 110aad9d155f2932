// link_tx test bench: the transmitter between two models. Below it, two
// channel buffers that behave as chan_buf does (tentative read pointer,
// release, rewind); above it, a host that decodes every frame with the host
// library's codec, accepts DATA in sequence, acknowledges late or not at all,
// sends NAKs and small credits. Checked: every payload byte is the channel's
// next byte, never a byte is released before the host acknowledged it,
// nothing is read from an empty buffer, and every byte committed is
// delivered in the end.
// SPDX-License-Identifier: MIT
#include "Vlink_tx.h"
#include "verilated.h"

extern "C" {
#include "codec.h"
}

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

static const int NUP = 2, MTU = 512;
static uint64_t rng = 0x3F84D5B5B5470917ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }
static uint8_t byte_at(int ch, uint64_t pos) { uint64_t x = pos * 0x9E3779B97F4A7C15ull + (uint64_t)ch * 77; return (uint8_t)((x >> 29) ^ (ch ? 0 : pos)); }

struct Chan {                  // what chan_buf's read side does, clock by clock
    uint64_t wc = 0, rt = 0, rc = 0;
    bool valid = false;
};

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vlink_tx> t{new Vlink_tx{ctx.get()}};
    const uint64_t cycles = argc > 1 ? strtoull(argv[1], nullptr, 0) : 3000000;
    Chan ch[NUP];
    uint64_t next_pos[NUP] = {0, 0}, acked_pos[NUP] = {0, 0}, errors = 0, frames = 0, data_frames = 0;
    uint64_t naks = 0, retx = 0, delivered = 0, bogus_acks = 0;
    uint8_t expected = 0;                  // host: next board seq it takes
    bool session = false;
    std::vector<uint8_t> wire;
    struct Ack { int delay; int chan; bool small; };
    std::vector<Ack> pending_acks;           // frames the host will send, each acking all it has
    int fresh = 0;                           // channels taken data on since their credit was reported
    int starved = 0;                         // channels last given a credit too small to send on
    uint64_t next_host_frame = 0;
    auto fail = [&](uint64_t c, const char *what) { if (errors++ < 10) fprintf(stderr, "cycle %llu: %s\n", (unsigned long long)c, what); };

    t->rst = 1; t->m_ready = 0; t->hdr_valid = 0; t->ack_owed = 0; t->nak_owed = 0; t->ack_seq = 0xFF;
    t->dn_free = 0;
    t->dn_news = 0;
    // The downstream channels' room: it changes now and then, in the clock
    // dn_news says so or in the next; the last credit the board reports for
    // each must be its room at the end.
    uint16_t room[2] = {0, 0};
    int change_next = 0;
    int reported[2] = {-1, -1};
    for (int i = 0; i < 4; i++) { t->clk = 1; t->eval(); t->clk = 0; t->eval(); }
    t->rst = 0;
    int uart_busy = 0;
    uint64_t sync_at = 20;

    for (uint64_t c = 0; c < cycles; c++) {
        // The board's producers commit data now and then (channel 1 in bulk).
        if (c < cycles - 400000) {
            if (rnd() % 200 == 0) ch[0].wc += 1 + rnd() % 6;
            if (rnd() % 4 == 0) ch[1].wc += 1 + rnd() % 16;
            for (int i = 0; i < NUP; i++) if (ch[i].wc - ch[i].rc > 4096) ch[i].wc = ch[i].rc + 4096;
        }
        // Inputs from the channel models.
        t->up_valid = 0; t->up_more = 0; t->up_data = 0;
        for (int i = 0; i < NUP; i++) {
            if (ch[i].valid) {
                t->up_valid |= 1 << i;
                t->up_data |= (uint32_t)byte_at(i, ch[i].rt) << (8 * i);
            }
            if (ch[i].rt + 1 < ch[i].wc) t->up_more |= 1 << i;
        }
        t->dn_news = 0;
        for (int i = 0; i < 2; i++)
            if (change_next >> i & 1) room[i] = (uint16_t)rnd();
        change_next = 0;
        if (c < cycles - 400000)
            for (int i = 0; i < 2; i++)
                if (rnd() % 64 == 0) {
                    t->dn_news |= 1 << i;
                    if (rnd() % 2) room[i] = (uint16_t)rnd();
                    else change_next |= 1 << i;
                }
        t->dn_free = (uint32_t)room[0] | (uint32_t)room[1] << 16;
        // The host's frames reach the board as link_rx would pass them on.
        t->hdr_valid = 0;
        bool bogus_now = false;
        if (c == sync_at) {
            t->hdr_valid = 1; t->hdr_type = IB_T_SYNC; t->hdr_ack = 0xFF; t->hdr_cchan = 1; t->hdr_credit = 65535;
        } else if (session && c >= next_host_frame && rnd() % 20000 == 0) {
            // A hostile host: an ack for a frame the board never sent (at
            // least WINDOW ahead of what it received), or a stale one from
            // far behind. The board must ignore it, and count it.
            next_host_frame = c + 100;
            t->hdr_valid = 1;
            t->hdr_type = IB_T_ACK;
            t->hdr_ack = (uint8_t)(rnd() % 2 ? expected - 1 + 9 + rnd() % 100 : expected - 2 - 8 - rnd() % 100);
            t->hdr_cchan = 0;
            t->hdr_credit = 60000;
            bogus_acks++;
            bogus_now = true;
        } else if (!pending_acks.empty() && pending_acks.front().delay <= 0 && c >= next_host_frame) {
            next_host_frame = c + 100;               // a frame takes at least 9 bytes on the wire
            Ack a = pending_acks.front();
            pending_acks.erase(pending_acks.begin());
            t->hdr_valid = 1;
            t->hdr_type = rnd() % 25 == 0 ? IB_T_NAK : IB_T_ACK;
            if (t->hdr_type == IB_T_NAK) naks++;
            t->hdr_ack = (uint8_t)(expected - 1);
            // Like the host library: the credit of a channel data came in on
            // since it last reported one rides on the ack, one per frame.
            // So does the credit of a channel last told it had too little.
            int cc = a.chan;
            for (int i = NUP - 1; i >= 0; i--) if (starved & (1 << i)) cc = i;
            for (int i = NUP - 1; i >= 0; i--) if (fresh & (1 << i)) cc = i;
            fresh &= ~(1 << cc);
            bool small = a.small && !(starved & (1 << cc));
            starved = small ? starved | (1 << cc) : starved & ~(1 << cc);
            if (fresh || starved) pending_acks.insert(pending_acks.begin(), {starved && !fresh ? (int)(rnd() % 5000) : 0, 0, false});
            t->hdr_cchan = cc;
            t->hdr_credit = small ? 100 : 60000;
            for (int i = 0; i < NUP; i++) acked_pos[i] = next_pos[i];
        }
        for (auto &p : pending_acks) p.delay--;
        // The UART takes a byte every 10 clocks (12 Mbaud at 48 MHz).
        t->m_ready = uart_busy == 0;
        t->eval();

        // Model of what the board's channel buffers see at this edge.
        bool take = t->m_valid && t->m_ready;
        uint8_t out = t->m_data;
        for (int i = 0; i < NUP; i++) {
            uint64_t rc_next = ch[i].rc + ((t->up_release >> i) & 1 ? t->up_release_len : 0);
            if ((t->up_release >> i) & 1) {
                if (rc_next > acked_pos[i]) fail(c, "released data the host has not acknowledged");
                // (A release may pass the read pointer while a frame the
                // host already holds is being sent again: harmless, the host
                // drops that copy; the end of the run checks they meet.)
            }
            if ((t->up_rewind >> i) & 1) { ch[i].rt = rc_next; ch[i].valid = false; }
            else if (((t->up_ready >> i) & 1) && ch[i].valid) { ch[i].rt++; ch[i].valid = false; }
            else if ((t->up_ready >> i) & 1) fail(c, "read from a channel with nothing to offer");
            else ch[i].valid = ch[i].rt != ch[i].wc;
            ch[i].rc = rc_next;
        }
        if (t->ev_retransmit) retx++;
        t->clk = 1; t->eval(); t->clk = 0; t->eval();
        if (bogus_now && !t->ev_retransmit) fail(c, "an ack outside the window was not counted");
        if (uart_busy) uart_busy--;
        if (!take) continue;
        uart_busy = 9;

        // The host side: collect the wire, decode frames.
        if (out != 0) { wire.push_back(out); continue; }
        uint8_t scratch[IB_WIRE_MAX];
        struct ib_frame f;
        int r = ib_frame_parse(wire.data(), wire.size(), 1, MTU, scratch, &f);
        wire.clear();
        if (r != IB_PARSE_OK) { fail(c, "the board sent a frame that does not parse"); continue; }
        frames++;
        if (f.cchan < 2) reported[f.cchan] = f.credit;
        if (f.type == IB_T_SYNC) {
            session = true; expected = 0;
            for (int i = 0; i < NUP; i++) next_pos[i] = acked_pos[i] = ch[i].rc;
            fresh = 0;
            starved = 0;
            pending_acks.push_back({10, 0, false});  // the host grants channel 0 too
            continue;
        }
        if (!session) { fail(c, "the board spoke before SYNC"); continue; }
        if (f.type != IB_T_DATA) continue;
        data_frames++;
        if (f.chan >= NUP) { fail(c, "DATA on a channel that does not exist"); continue; }
        if (f.seq != expected) {
            // A retransmission we already have: say again what we have.
            pending_acks.push_back({(int)(rnd() % 300), f.chan, false});
            continue;
        }
        for (size_t i = 0; i < f.len; i++)
            if (f.payload[i] != byte_at(f.chan, next_pos[f.chan] + i)) { fail(c, "payload is not the channel's next bytes"); break; }
        next_pos[f.chan] += f.len;
        delivered += f.len;
        fresh |= 1 << f.chan;
        expected++;
        // Acknowledge, with this channel's credit (sometimes too small to
        // send on), mostly soon, sometimes late, sometimes never (a later
        // ack or the time-out covers it).
        if (rnd() % 8 != 0)
            pending_acks.push_back({(int)(rnd() % 3000), f.chan, rnd() % 10 == 0});
    }
    t->final();
    for (int i = 0; i < NUP; i++)
        if (ch[i].rc != ch[i].wc || ch[i].rt != ch[i].wc) {
            if (errors++ < 10) fprintf(stderr, "channel %d: released %llu, read %llu, committed %llu at the end\n", i,
                                       (unsigned long long)ch[i].rc, (unsigned long long)ch[i].rt, (unsigned long long)ch[i].wc);
        }
    for (int i = 0; i < NUP; i++)
        if (next_pos[i] != ch[i].wc) {
            if (errors++ < 10) fprintf(stderr, "channel %d: %llu of %llu committed bytes delivered\n", i,
                                       (unsigned long long)next_pos[i], (unsigned long long)ch[i].wc);
        }
    for (int i = 0; i < 2; i++)
        if (reported[i] != room[i] && errors++ < 10)
            fprintf(stderr, "channel %d: last credit reported %d, its room is %u\n", i, reported[i], room[i]);
    if (bogus_acks == 0 && errors++ < 10) fprintf(stderr, "the run sent no ack outside the window\n");
    printf("link_tx: %llu frames (%llu DATA), %llu payload bytes delivered in order, %llu NAKs, %llu acks outside "
           "the window, %llu go-back-N rewinds or ignored acks, %llu errors\n", (unsigned long long)frames,
           (unsigned long long)data_frames, (unsigned long long)delivered, (unsigned long long)naks,
           (unsigned long long)bogus_acks, (unsigned long long)retx, (unsigned long long)errors);
    return errors ? 1 : 0;
}
