/*
 * fakeboard.h — what the host's end-to-end tests share: their checks, and a
 * fake board, a child process on a loopback socket (a sim:// device) that
 * speaks the link protocol of docs/protocol.md from the board's side, as
 * well or as badly as a test makes it.
 *
 * The library here carries the protocol's mechanics: the frame encoder and
 * decoder, sequence numbers and acks, the SYNC answer, register requests and
 * their replies, the board's process. What a board does with its channels
 * (loopback, a video player, a keyboard, a flood of NAKs) is the test's: it
 * gives fb_start() a function that serves one connection.
 *
 *   static void serve(void *ctx, int fd)
 *   {
 *       struct fb_link l;
 *       struct ib_frame f;
 *       fb_link_init(&l);
 *       fb_link_attach(&l, fd);
 *       while (fb_read(&l) > 0)
 *           while (fb_next(&l, &f))
 *               if (f.type == IB_T_SYNC) fb_sync(&l);
 *               else if (f.type == IB_T_DATA && f.seq == l.expect) {
 *                   l.expect++;
 *                   if (f.chan == ICEBUF_CHAN_CONTROL) fb_control(&l, &f, &regs);
 *               }
 *   }
 *   ...
 *   fb_start(&board, 1, serve, NULL);    then icebuf_open(&dev, board.dev, ...)
 *   fb_stop(&board);
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef FAKEBOARD_H
#define FAKEBOARD_H

#include "codec.h"
#include "icebuf.h"

#include <stdint.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/types.h>

/* ---- checks ------------------------------------------------------------- */

/* Checks that failed in this program; its exit status is 1 if any did. */
extern int check_failures;
/* Non-zero: passing checks print an "ok" line too. */
extern int check_verbose;

#define CHECK(cond, ...) do { if (!(cond)) { check_failures++; printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
	printf(__VA_ARGS__); printf("\n"); } else if (check_verbose) { printf("ok   "); printf(__VA_ARGS__); printf("\n"); } \
	} while (0)

/* Open @dev with the default options, or say why not, call @cleanup (if
 * any: a board to stop) and exit(1). */
icebuf *check_open(const char *dev, void (*cleanup)(void));

/* Register @addr (waiting as long as the handle's time-out), a failed
 * check if it cannot be read (then 0). */
uint32_t check_reg(icebuf *dev, uint8_t addr);

/* ---- frames --------------------------------------------------------------- */

/* Send one frame upstream (rCOBS, docs/protocol.md §1) on @fd, whole:
 * 0, or -1 if the socket failed. @credit above 65535 is sent as 65535. */
int fb_send_raw(int fd, uint8_t type, uint8_t chan, uint8_t seq, uint8_t ack, uint8_t cchan, uint32_t credit,
                const uint8_t *p, size_t n);

/* One connection's link state, board side: the deframer of what the host
 * sends (COBS) and the two sequence numbers. */
struct fb_link {
	int fd;
	uint8_t expect;                  /* seq of the next DATA frame the board accepts */
	uint8_t up_seq;                  /* seq of the next DATA frame the board sends */
	uint8_t in[8192];                /* bytes read, not yet deframed from in_pos on */
	size_t in_len, in_pos;
	uint8_t frame[IB_WIRE_MAX];      /* the frame arriving, up to its delimiter */
	size_t flen;
	uint8_t scratch[IB_WIRE_MAX];    /* the decoded body of the last frame fb_next() gave */
};

/* A link with both sequence numbers at 0 and no socket yet. */
void fb_link_init(struct fb_link *l);

/* Serve a new connection @fd: what an earlier one left half-read goes; the
 * sequence numbers stay until the host's SYNC (fb_sync()) resets them. */
void fb_link_attach(struct fb_link *l, int fd);

/* Send a frame: a DATA frame takes the seq up_seq (and advances it), every
 * other type seq 0; ack is expect - 1 (0xFF for nothing yet); the SYNC
 * answer's ack is 0xFF. 0, or -1 if the socket failed. */
int fb_send(struct fb_link *l, uint8_t type, uint8_t chan, uint8_t cchan, uint32_t credit, const uint8_t *p, size_t n);

/* Read what the socket has (blocking until something comes): the bytes
 * read, 0 at end of file, -1 on an error. */
ssize_t fb_read(struct fb_link *l);

/* The next well-formed frame with a good CRC among the bytes read: 1 and
 * *@f (its payload valid until the next call), or 0 once they are used up.
 * Bad frames are skipped, as the board drops them. */
int fb_next(struct fb_link *l, struct ib_frame *f);

/* The host's SYNC: both sequence numbers back to 0, and the answer (SYNC,
 * ack 0xFF, control credit 1024). 0, or -1 if the socket failed. */
int fb_sync(struct fb_link *l);

/* ---- registers ---------------------------------------------------------------- */

/* A board's registers, as the test has them. */
struct fb_regs {
	/* 1 and *@v: the register exists; 0: it does not (the reply E1). */
	int (*read)(void *ctx, uint8_t addr, uint32_t *v);
	/* The reply's first byte: 0x82 written, 0xE1 no such register, 0xE2
	 * read-only, 0xE3 cannot change now. */
	uint8_t (*write)(void *ctx, uint8_t addr, uint32_t v);
	void *ctx;
};

/* The replies to the requests @req (@n bytes, docs/protocol.md §7), in
 * order, into @resp (room for @room bytes, at least 6): READ 81 addr d3..d0
 * or E1 addr, WRITE what regs->write says and addr, an unknown op EF op (and
 * on with the next byte). Stops when a reply might not fit. The length. */
size_t fb_reply(const struct fb_regs *regs, const uint8_t *req, size_t n, uint8_t *resp, size_t room);

/* A control-channel DATA frame @f the board accepted: the replies to its
 * requests, sent as one DATA frame on channel 0 (control credit 1024).
 * 0, or -1 if the socket failed. */
int fb_control(struct fb_link *l, const struct ib_frame *f, const struct fb_regs *regs);

/* What a board says about itself. */
struct fb_ident {
	uint32_t board, clk_hz, baud;    /* BOARD, CLK_HZ, BAUD */
	uint32_t mtu, window, channels;  /* LINK */
	uint32_t stream_depth;           /* STREAM_DEPTH */
};

/* ID ("ICEB"), VERSION (this library's protocol, .0.0), BOARD, CLK_HZ, BAUD,
 * LINK and STREAM_DEPTH from @id: 1 and *@v, or 0 for any other register. */
int fb_ident_reg(const struct fb_ident *id, uint8_t addr, uint32_t *v);

/* ---- the board's process --------------------------------------------------------- */

/* A socket listening on a loopback port of its own (close-on-exec), a
 * queue of @backlog connections: its descriptor, its address in *@a and
 * the device that names it ("sim://127.0.0.1:PORT") in @dev. Exits this
 * program if there is none. */
int fb_listen(int backlog, struct sockaddr_in *a, char *dev, size_t devlen);

/* Serves one connection @fd of the host's, returning when it is over (the
 * socket closed or failed, or the board gives up); runs in the board's
 * process, with the @ctx given to fb_start() (the process's own copy). */
typedef void fb_serve_fn(void *ctx, int fd);

struct fakeboard {
	pid_t pid;                       /* the board's process, 0 when none */
	char dev[64];                    /* the device to open: "sim://127.0.0.1:PORT" */
};

/* Start a fake board on a loopback port of its own: a child process that
 * accepts @clients connections one after another (0: as many as come) and
 * calls @serve for each; then it exits. Exits this program if no socket. */
void fb_start(struct fakeboard *b, unsigned clients, fb_serve_fn *serve, void *ctx);

/* Kill the board's process (SIGKILL) and wait for it; nothing if none. */
void fb_stop(struct fakeboard *b);

#endif
