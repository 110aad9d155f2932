// link_rx test bench: random frames, good, corrupted, truncated, too long
// and plain noise, fed one byte every 10 clocks (the fastest the UART
// delivers); the receiver's verdict on every frame, its sequence tracking
// and the payload it writes are compared with a model built on the host
// library's own codec (host/src/codec.c).
// SPDX-License-Identifier: MIT
#include "Vlink_rx.h"
#include "verilated.h"

extern "C" {
#include "codec.h"
}

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

static const int NCHAN = 2, MTU = 512;
static uint64_t rng = 0x452821E638D01377ull;
static uint32_t rnd() { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return (uint32_t)rng; }

enum Verdict { NONE, BAD_FRAME, BAD_CRC, SEQ_ERR, GOOD, OVERFLOW };

struct Model {
    bool in_session = false;
    uint8_t expected = 0;
    // What the receiver must make of one frame's encoded bytes.
    Verdict judge(const std::vector<uint8_t> &enc, bool full, bool &commit, std::vector<uint8_t> &payload,
                  int &chan) {
        commit = false;
        chan = -1;
        payload.clear();
        if (enc.empty()) return NONE;
        std::vector<uint8_t> dec(enc.size() + 2);
        long n = ib_cobs_decode(enc.data(), enc.size(), dec.data());
        if (n < IB_HDR_LEN + IB_CRC_LEN) return BAD_FRAME;
        if (ib_crc32(0xFFFFFFFFu, dec.data(), (size_t)n) != 0) return BAD_CRC;
        int type = dec[0] >> 4, ch = dec[0] & 15;
        const long H = IB_HDR_LEN + IB_CRC_LEN;
        bool shape = type == IB_T_DATA ? (n > H && n <= H + MTU && ch < NCHAN)
                                       : (n == H && type >= IB_T_ACK && type <= IB_T_SYNC);
        if (!shape) return BAD_FRAME;
        if (type != IB_T_SYNC && !in_session) return SEQ_ERR;
        if (type == IB_T_SYNC) { in_session = true; expected = 0; return GOOD; }
        if (type != IB_T_DATA) return GOOD;
        if (dec[1] != expected) return SEQ_ERR;
        chan = ch;
        payload.assign(dec.begin() + IB_HDR_LEN, dec.begin() + n - IB_CRC_LEN);
        if (full) return OVERFLOW;
        commit = true;
        expected++;
        return GOOD;
    }
};

int main(int argc, char **argv) {
    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(argc, argv);
    const std::unique_ptr<Vlink_rx> r{new Vlink_rx{ctx.get()}};
    const int frames = argc > 1 ? atoi(argv[1]) : 20000;
    Model m;
    uint64_t errors = 0, counts[6] = {0}, bytes_written = 0;
    auto tick = [&]() { r->clk = 1; r->eval(); r->clk = 0; r->eval(); };
    r->rst = 1; r->s_valid = 0; r->dn_full = 0;
    for (int i = 0; i < 4; i++) tick();
    r->rst = 0;

    for (int k = 0; k < frames; k++) {
        // Build the next frame.
        uint8_t payload[IB_MAX_MTU + 64];
        struct ib_frame f = {};
        int kind = rnd() % 100;
        f.type = kind < 5 ? IB_T_SYNC : kind < 70 ? IB_T_DATA : kind < 85 ? IB_T_ACK : kind < 92 ? IB_T_NAK : rnd() % 16;
        f.chan = rnd() % 8 == 0 ? rnd() % 16 : rnd() % NCHAN;
        f.seq = rnd() % 4 == 0 ? (uint8_t)rnd() : (uint8_t)(m.expected + (rnd() % 3 == 0 ? rnd() % 3 : 0));
        f.ack = (uint8_t)rnd(); f.cchan = rnd() % 4; f.credit = (uint16_t)rnd();
        f.len = f.type == IB_T_DATA ? 1 + rnd() % (rnd() % 20 == 0 ? MTU + 40 : MTU) : 0;
        for (size_t i = 0; i < f.len; i++) payload[i] = rnd() % 5 == 0 ? 0 : (uint8_t)rnd();
        f.payload = payload;
        uint8_t body[IB_BODY_MAX + 64], wire[IB_WIRE_MAX + 64];
        size_t bn = ib_frame_body(&f, body);
        std::vector<uint8_t> enc(wire, wire + ib_cobs_encode(body, bn, wire));
        int damage = rnd() % 100;
        if (damage < 10) {                           // flip bits, never making a delimiter
            for (int j = 1 + rnd() % 3; j > 0; j--) {
                size_t at = rnd() % enc.size();
                uint8_t v = enc[at] ^ (uint8_t)(1 << (rnd() % 8));
                if (v) enc[at] = v;
            }
        } else if (damage < 16) {                    // truncated
            enc.resize(rnd() % enc.size());
        } else if (damage < 24) {                    // noise
            enc.resize(rnd() % 40);
            for (auto &b : enc) b = 1 + rnd() % 255;
        }
        bool full = rnd() % 20 == 0;
        bool commit;
        int chan;
        std::vector<uint8_t> want_payload;
        Verdict want = m.judge(enc, full, commit, want_payload, chan);
        counts[want]++;

        // Feed it, a byte every 10 clocks, then the delimiter.
        std::vector<uint8_t> written;
        r->dn_full = full ? 3 : 0;
        Verdict got = NONE;
        bool got_commit = false, got_abort = false;
        enc.push_back(0);
        for (size_t i = 0; i < enc.size(); i++) {
            r->s_data = enc[i]; r->s_valid = 1;
            for (int c = 0; c < 10; c++) {
                r->eval();
                if (r->dn_valid && !full) written.push_back(r->dn_data);
                if (r->dn_commit) got_commit = true;
                if (r->dn_abort) got_abort = true;
                tick();
                r->s_valid = 0;
                if (r->ev_bad_frame) got = BAD_FRAME;
                if (r->ev_bad_crc) got = BAD_CRC;
                if (r->ev_seq_err) got = SEQ_ERR;
                if (r->ev_overflow) got = OVERFLOW;
                if (r->hdr_valid && got == NONE) got = GOOD;
            }
        }
        if (got != want && errors++ < 10)
            fprintf(stderr, "frame %d: verdict %d, model says %d (type %d, %zu bytes)\n", k, got, want, f.type, enc.size());
        if (got_commit != commit && errors++ < 10)
            fprintf(stderr, "frame %d: commit %d, model says %d\n", k, got_commit, commit);
        if (want != NONE && !commit && !got_abort && errors++ < 10)
            fprintf(stderr, "frame %d: a refused frame was not aborted\n", k);
        if (commit) {
            if (written != want_payload && errors++ < 10)
                fprintf(stderr, "frame %d: wrote %zu bytes, payload is %zu\n", k, written.size(), want_payload.size());
            bytes_written += written.size();
            if (r->dn_commit != 0 && errors++ < 10) fprintf(stderr, "commit stuck\n");
        }
        if (written.size() > (size_t)MTU && errors++ < 10)
            fprintf(stderr, "frame %d: %zu bytes written, more than the MTU\n", k, written.size());
        if (m.in_session && r->ack_seq != (uint8_t)(m.expected - 1) && errors++ < 10)
            fprintf(stderr, "frame %d: ack_seq %u, expected %u\n", k, r->ack_seq, (uint8_t)(m.expected - 1));
    }
    r->final();
    printf("link_rx: %d frames: %llu good, %llu bad CRC, %llu malformed, %llu out of sequence, %llu refused "
           "for room, %llu payload bytes committed; %llu errors\n", frames, (unsigned long long)counts[GOOD],
           (unsigned long long)counts[BAD_CRC], (unsigned long long)counts[BAD_FRAME],
           (unsigned long long)counts[SEQ_ERR], (unsigned long long)counts[OVERFLOW],
           (unsigned long long)bytes_written, (unsigned long long)errors);
    return errors ? 1 : 0;
}
