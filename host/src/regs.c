/*
 * regs.c — libicebuf's register client: requests and responses on the
 * control channel (docs/protocol.md §7).
 * SPDX-License-Identifier: MIT
 *
 * It owns icebuf_reg_read() and icebuf_reg_write() with the extension of
 * the board's 16-bit counters, the check of the gateware at open
 * (ib_check_gateware) and ib_ctrl_transact() for the peripherals' calls.
 * The requests go out through icebuf_write() like any data; the responses
 * are taken from the control channel's ring as ib_pump() fills it.
 */
#include "link.h"

#define CTRL_RELEASE_MS 50.0     /* a register call waits this long before it releases unread frames */

/* Send control requests, then collect one response per request. */
static int ctrl_transact(icebuf *dev, const uint8_t *req, size_t req_len, size_t nresp,
                         uint8_t (*resp)[6], int timeout_ms)
{
	double deadline = ib_deadline_of(dev, timeout_ms), started = now_ms();
	long w = icebuf_write(dev, ICEBUF_CHAN_CONTROL, req, req_len, timeout_ms);
	if (w < 0)
		return (int)w;
	if ((size_t)w < req_len)
		return ib_fail(dev, ICEBUF_ERR_TIMEOUT, "the board took no register request within the time-out");
	struct ring *r = &dev->rx[ICEBUF_CHAN_CONTROL];
	for (size_t i = 0; i < nresp; i++) {
		for (;;) {
			if (r->len >= 1) {
				uint8_t op = r->buf[r->head];
				size_t need = op == 0x81 ? 6 : 2;
				if (op != 0x81 && op != 0x82 && op != 0xE1 && op != 0xE2 && op != 0xE3 &&
				    op != 0xEF) {
					r->len = 0;
					r->head = 0;
					return ib_fail(dev, ICEBUF_ERR_PROTOCOL,
					               "unexpected byte 0x%02X on the control channel", op);
				}
				if (r->len >= need) {
					ib_ring_get(r, resp[i], need);
					break;
				}
			}
			if (now_ms() >= deadline)
				return ib_fail(dev, ICEBUF_ERR_TIMEOUT, "no register response from the board within the time-out");
			/* Unread frames of other channels fill the board's window and
			 * hold back the response: the handle takes them over (they
			 * stay readable here, no longer on the board). */
			if (now_ms() - started > CTRL_RELEASE_MS)
				ib_release_held(dev);
			int e = ib_pump(dev, remaining(deadline) < 10 ? remaining(deadline) : 10);
			if (e)
				return e;
		}
	}
	return 0;
}
int ib_ctrl_transact(icebuf *dev, const uint8_t *req, size_t len, size_t n, uint8_t (*resp)[6], int t) { return ctrl_transact(dev, req, len, n, resp, t); }

static int reg_error(icebuf *dev, const uint8_t *resp, uint8_t addr)
{
	switch (resp[0]) {
	case 0xE1:
		return ib_fail(dev, ICEBUF_ERR_REGISTER, "register 0x%02X does not exist on this gateware", addr);
	case 0xE2:
		return ib_fail(dev, ICEBUF_ERR_REGISTER, "register 0x%02X is read-only", addr);
	case 0xE3:
		return ib_fail(dev, ICEBUF_ERR_BUSY, "register 0x%02X cannot change while the stream buffer holds data",
		               addr);
	case 0xEF:
		return ib_fail(dev, ICEBUF_ERR_PROTOCOL, "the board did not understand request op 0x%02X", resp[1]);
	default:
		if (resp[1] != addr)
			return ib_fail(dev, ICEBUF_ERR_PROTOCOL, "the board answered for register 0x%02X, asked 0x%02X",
			               resp[1], addr);
		return 0;
	}
}

int icebuf_reg_read(icebuf *dev, uint8_t addr, uint32_t *value, int timeout_ms)
{
	if (!dev || !value)
		return ICEBUF_ERR_ARG;
	uint8_t req[2] = { 0x01, addr }, resp[1][6];
	int r = ctrl_transact(dev, req, 2, 1, resp, timeout_ms);
	if (r)
		return r;
	if ((r = reg_error(dev, resp[0], addr)))
		return r;
	if (resp[0][0] != 0x81)
		return ib_fail(dev, ICEBUF_ERR_PROTOCOL, "unexpected response 0x%02X to a read", resp[0][0]);
	uint32_t v = (uint32_t)resp[0][2] << 24 | (uint32_t)resp[0][3] << 16 | (uint32_t)resp[0][4] << 8 | resp[0][5];
	/* The counters are 16 bits on the board and wrap: a read lower than
	 * the last one on this handle is a wrap (docs/protocol.md §7). */
	int ctr = addr == ICEBUF_REG_STREAM_OVERFLOW || addr == ICEBUF_REG_STREAM_UNDERFLOW ||
	          (addr >= ICEBUF_REG_RX_FRAMES && addr <= ICEBUF_REG_UART_OVERRUN);
	if (ctr && v <= 0xFFFF) {
		unsigned i = addr & 31u;
		if ((dev->ctr_seen >> i & 1) && v < dev->ctr_last[i])
			dev->ctr_high[i] += 0x10000;
		dev->ctr_seen |= 1u << i;
		dev->ctr_last[i] = (uint16_t)v;
		v += dev->ctr_high[i];
	}
	*value = v;
	return 0;
}

int icebuf_reg_write(icebuf *dev, uint8_t addr, uint32_t value, int timeout_ms)
{
	if (!dev)
		return ICEBUF_ERR_ARG;
	uint8_t req[6] = { 0x02, addr, (uint8_t)(value >> 24), (uint8_t)(value >> 16), (uint8_t)(value >> 8),
	                   (uint8_t)value };
	uint8_t resp[1][6];
	int r = ctrl_transact(dev, req, 6, 1, resp, timeout_ms);
	if (r)
		return r;
	if ((r = reg_error(dev, resp[0], addr)))
		return r;
	if (resp[0][0] != 0x82)
		return ib_fail(dev, ICEBUF_ERR_PROTOCOL, "unexpected response 0x%02X to a write", resp[0][0]);
	return 0;
}

/* Read what the board says about itself and check it is gateware we speak to. */
int ib_check_gateware(icebuf *dev, int skip_check)
{
	static const uint8_t regs[] = { ICEBUF_REG_ID, ICEBUF_REG_VERSION, ICEBUF_REG_BOARD, ICEBUF_REG_CLK_HZ,
	                                ICEBUF_REG_BAUD, ICEBUF_REG_LINK, ICEBUF_REG_STREAM_DEPTH,
	                                ICEBUF_REG_FEATURES };
	enum { N = sizeof regs };
	uint8_t req[2 * N], resp[N][6];
	uint32_t v[N];
	for (size_t i = 0; i < N; i++) {
		req[2 * i] = 0x01;
		req[2 * i + 1] = regs[i];
	}
	/* LINK first, alone (a request fits any frame): it says how long a
	 * frame may be, and a register request must fit in one (§7). */
	enum { LINK_I = 5, REQ_MAX = 6 };
	int r = ctrl_transact(dev, req + 2 * LINK_I, 2, 1, resp + LINK_I, -1);
	if (r)
		return r;
	if (resp[LINK_I][0] == 0x81 && resp[LINK_I][1] == ICEBUF_REG_LINK) {
		unsigned mtu = (unsigned)resp[LINK_I][4] << 8 | resp[LINK_I][5];
		if (mtu < REQ_MAX)
			return ib_fail(dev, ICEBUF_ERR_GATEWARE,
			               "the board announces frames of %u bytes (LINK register), too small for a register "
			               "request (up to %d bytes, one frame each): it cannot be driven; is its gateware "
			               "built with a broken MTU?", mtu, REQ_MAX);
		if (mtu < dev->mtu)
			dev->mtu = dev->cur_mtu = mtu;
	}
	/* The others in one frame where it holds them, else one by one. */
	for (size_t i = 0; i < N;) {
		size_t n = dev->mtu >= 2 * N ? N : 1;
		if (i == LINK_I) {
			i++;
			continue;
		}
		if (n > 1) {
			r = ctrl_transact(dev, req, sizeof req, N, resp, -1);
			i = N;
		} else {
			r = ctrl_transact(dev, req + 2 * i, 2, 1, resp + i, -1);
			i++;
		}
		if (r)
			return r;
	}
	for (size_t i = 0; i < N; i++) {
		if (resp[i][0] != 0x81 || resp[i][1] != regs[i]) {
			/* Gateware older than FEATURES has none of the peripherals. */
			if (skip_check || (regs[i] == ICEBUF_REG_FEATURES && resp[i][0] == ICEBUF_RESP_NO_REG &&
			                   resp[i][1] == regs[i])) {
				v[i] = 0;
				continue;
			}
			return ib_fail(dev, ICEBUF_ERR_GATEWARE,
			               "the board could not tell its register 0x%02X: is this an icebuf bitstream?", regs[i]);
		}
		v[i] = (uint32_t)resp[i][2] << 24 | (uint32_t)resp[i][3] << 16 | (uint32_t)resp[i][4] << 8 | resp[i][5];
	}
	struct icebuf_info *in = &dev->info;
	in->id = v[0];
	in->version = v[1];
	in->board = v[2];
	in->clk_hz = v[3];
	in->baud = v[4];
	in->mtu = v[5] & 0xFFFF;
	in->window = (v[5] >> 16) & 0xFF;
	in->channels = v[5] >> 24;
	in->stream_depth = v[6];
	dev->features = v[7];
	if (skip_check)
		return 0;
	if (in->id != ICEBUF_ID_MAGIC)
		return ib_fail(dev, ICEBUF_ERR_GATEWARE,
		               "device answered with ID 0x%08X, expected 0x%08X (\"ICEB\"): is this an icebuf bitstream?",
		               in->id, ICEBUF_ID_MAGIC);
	if ((in->version >> 16) != ICEBUF_PROTOCOL_MAJOR)
		return ib_fail(dev, ICEBUF_ERR_GATEWARE,
		               "gateware version %u.%u.%u is not compatible with this libicebuf (protocol %d.x): "
		               "rebuild and program the bitstream (make bitstream prog BOARD=...) or update icebuf",
		               in->version >> 16, (in->version >> 8) & 0xFF, in->version & 0xFF, ICEBUF_PROTOCOL_MAJOR);
	if (in->mtu == 0 || in->mtu > IB_MAX_MTU)
		return ib_fail(dev, ICEBUF_ERR_GATEWARE, "the board reports a frame size of %u bytes; this libicebuf "
		               "handles 1 to %d", in->mtu, IB_MAX_MTU);
	dev->mtu = in->mtu;
	dev->cur_mtu = in->mtu;
	return 0;
}
