/*
 * icebuf.h — libicebuf, the host side of an icebuf board.
 * SPDX-License-Identifier: MIT
 *
 * One opaque handle per board. The board is named by a device string:
 *
 *   "sim"                  spawn the virtual board (icebuf-sim) on a free
 *                          local port and connect to it (within the time-out);
 *                          it exits on close, and when the thread that
 *                          opened the handle dies (so a killed program
 *                          leaves none behind)
 *   "sim://HOST:PORT"      connect to an icebuf-sim already listening there
 *   "tty:/dev/ttyUSB1"     the kernel's ftdi_sio driver through termios
 *   "ftdi://"              libftdi1 directly: FT2232H 0403:6010, interface B
 *   "ftdi://SERIAL"        … the one with that USB serial number
 *   "ftdi://?index=N"      … the N-th matching device (0 is the first)
 *                          further options: interface=A|B, vid=0x…, pid=0x…,
 *                          latency=MS (1…255), joined with '&'
 *
 * Data moves on numbered channels (see docs/protocol.md): 0 is the control
 * channel (registers), 1 the stream buffer. Every byte written is delivered
 * once, in order, intact, or the call reports an error: the link checks,
 * acknowledges and retransmits frames and never overruns a buffer.
 *
 * Errors: every call returns ICEBUF_OK (0) or a byte count (> 0) on success
 * and a negative enum icebuf_error on failure. icebuf_strerror() names the
 * code; icebuf_last_error() gives the detail of the last failure on a handle
 * (what happened and what to do). Out-pointers are left untouched on error.
 *
 * Time-outs: every call that waits takes timeout_ms; a negative value means
 * the handle's default (icebuf_options.timeout_ms). Nothing blocks forever.
 *
 * Threads: a handle may be used by one thread at a time; separate handles
 * are independent. icebuf_strerror() is thread-safe.
 */
#ifndef ICEBUF_H
#define ICEBUF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The library is built with hidden symbols; these are its interface. */
#if defined(__GNUC__)
#define ICEBUF_EXPORT __attribute__((visibility("default")))
#else
#define ICEBUF_EXPORT
#endif

/** Version of the link protocol this library speaks; the board's VERSION
 *  register must have the same major number. */
#define ICEBUF_PROTOCOL_MAJOR 2
/** Value of the board's ID register ("ICEB"). */
#define ICEBUF_ID_MAGIC 0x49434542u

/* Channels, registers, FEATURES bits and wire constants: generated from
 * regs/icebuf.tab (docs/protocol.md §6, §7). */
#include "icebuf_regs.h"

/** Error codes: small, negative, stable. */
enum icebuf_error {
	ICEBUF_OK = 0,
	ICEBUF_ERR_ARG = -1,        /**< bad argument or device string */
	ICEBUF_ERR_NOMEM = -2,      /**< out of memory */
	ICEBUF_ERR_NOT_FOUND = -3,  /**< no such device, port or program */
	ICEBUF_ERR_ACCESS = -4,     /**< permission denied (see README: udev rule) */
	ICEBUF_ERR_BUSY = -5,       /**< device in use by another program */
	ICEBUF_ERR_IO = -6,         /**< I/O error on the transport */
	ICEBUF_ERR_TIMEOUT = -7,    /**< the board did not answer in time */
	ICEBUF_ERR_CLOSED = -8,     /**< the board or simulator went away */
	ICEBUF_ERR_PROTOCOL = -9,   /**< the board broke the protocol */
	ICEBUF_ERR_GATEWARE = -10,  /**< wrong gateware: ID or major version */
	ICEBUF_ERR_REGISTER = -11,  /**< no such register, or it is read-only */
	ICEBUF_ERR_UNSUPPORTED = -12, /**< not available on this transport/build, or the board's
	                               *   gateware lacks the peripheral (icebuf_features()) */
	ICEBUF_ERR_STALLED = -13,   /**< a virtual board's clock stopped advancing
	                                 (the simulator hung or was stopped) for
	                                 5 s of wall time ($ICEBUF_SIM_STALL_MS) */
};

/** Static, thread-safe name of an error code ("timeout", …). Never NULL. */
ICEBUF_EXPORT const char *icebuf_strerror(int err);

/** Options for icebuf_open(). Zeroed fields take the defaults shown. */
struct icebuf_options {
	unsigned baud;       /**< UART baud rate (tty:, ftdi://); 0: try 3000000 (iCEstick),
	                          *   then 12000000 (iCEBreaker), half a second each */
	int timeout_ms;      /**< default time-out of every call; 0: 2000 */
	int skip_check;      /**< nonzero: do not check ID/VERSION on open */
};

typedef struct icebuf icebuf;

/**
 * Open the board named by @device (see the top of this file), start a link
 * session (SYNC) and check the gateware's ID and major version.
 * On success stores a new handle in *@out and returns ICEBUF_OK.
 * Errors: ARG (bad device string or options), NOT_FOUND, ACCESS, BUSY, IO,
 * TIMEOUT (no answer to SYNC), GATEWARE (wrong ID or version: the message
 * from icebuf_open_error() names both versions), NOMEM, UNSUPPORTED (e.g.
 * ftdi:// in a build without libftdi1). Since no handle exists on failure,
 * the detail of the failure is in icebuf_open_error().
 * @opt may be NULL for the defaults.
 */
ICEBUF_EXPORT int icebuf_open(icebuf **out, const char *device, const struct icebuf_options *opt);

/** Detail of the last icebuf_open() failure in this thread. Never NULL. */
ICEBUF_EXPORT const char *icebuf_open_error(void);

/** Close the link and free the handle (a spawned simulator is stopped).
 *  Unsent data is discarded; call icebuf_flush() first to keep it. NULL is ok. */
ICEBUF_EXPORT void icebuf_close(icebuf *dev);

/** Detail of the last failure on @dev ("" if none). Valid until the next
 *  call on @dev. Never NULL. */
ICEBUF_EXPORT const char *icebuf_last_error(const icebuf *dev);

/** The TRAFFIC register (docs/protocol.md §7): the stream channel's test
 *  modes, flags that combine; 0 is loopback. */
enum icebuf_traffic {
	ICEBUF_TRAFFIC_LOOPBACK = 0,          /**< what the host writes comes back */
	ICEBUF_TRAFFIC_SOURCE = 1u << 31,     /**< the board sends bits 28..0 bytes of a pattern */
	ICEBUF_TRAFFIC_SINK = 1u << 30,       /**< the board counts, CRCs and drops the host's bytes */
	ICEBUF_TRAFFIC_ZEROS = 1u << 29,      /**< the source's pattern is 0x00 bytes, not pseudo-random */
};
/** Largest count of a source (TRAFFIC bits 28..0). */
#define ICEBUF_TRAFFIC_MAX_BYTES 0x1FFFFFFFu

/** Read register @addr into *@value. The board's counters (0x0A, 0x0B,
 *  0x10 … 0x17) are 16 bits and wrap; this handle extends them: a value
 *  lower than the same counter's last read on it counts as a wrap, so the
 *  count goes on past 65535 as long as it is read at least once every 65536
 *  events (docs/protocol.md §7). Errors: REGISTER, TIMEOUT, CLOSED, IO,
 *  PROTOCOL. */
ICEBUF_EXPORT int icebuf_reg_read(icebuf *dev, uint8_t addr, uint32_t *value, int timeout_ms);

/** Write @value to register @addr. Errors: REGISTER (no such or read-only
 *  register), BUSY (TRAFFIC written while the stream buffer holds data),
 *  TIMEOUT, CLOSED, IO, PROTOCOL. */
ICEBUF_EXPORT int icebuf_reg_write(icebuf *dev, uint8_t addr, uint32_t value, int timeout_ms);

/** What the board says about itself (registers read once at open). */
struct icebuf_info {
	uint32_t id;            /**< ICEBUF_ID_MAGIC */
	uint32_t version;       /**< major<<16 | minor<<8 | patch */
	uint32_t board;         /**< 1 iCEstick, 2 iCEBreaker */
	uint32_t clk_hz;        /**< system clock */
	uint32_t baud;          /**< UART rate the gateware was built for */
	uint32_t mtu;           /**< payload bytes per frame */
	uint32_t window;        /**< frames the board keeps unacknowledged */
	uint32_t channels;      /**< channel count */
	uint32_t stream_depth;  /**< stream buffer bytes */
};

/** Fill *@info from what was read at open. Errors: ARG. */
ICEBUF_EXPORT int icebuf_info(icebuf *dev, struct icebuf_info *info);

/** The board's FEATURES register as read at open (enum icebuf_feature bits:
 *  the peripherals its gateware was built with); 0 for gateware older than
 *  the register, and for a NULL handle. A call for a peripheral the board
 *  lacks fails with ICEBUF_ERR_UNSUPPORTED and a message (icebuf_last_error())
 *  that names the gateware that has it. */
ICEBUF_EXPORT uint32_t icebuf_features(const icebuf *dev);

/** Name of one FEATURES bit ("keyboard", …), NULL for a bit with none. */
ICEBUF_EXPORT const char *icebuf_feature_name(uint32_t feature);

/** Name of a board code ("iCEstick", …, "unknown"). Never NULL. */
ICEBUF_EXPORT const char *icebuf_board_name(uint32_t board);

/**
 * Write @len bytes to channel @chan. Returns the number of bytes the link
 * has taken (all of @len unless the time-out ran out first: then fewer,
 * possibly 0, and no error). Bytes taken are sent and retransmitted as
 * needed; icebuf_flush() waits until the board has acknowledged them.
 * On the control channel (0) the bytes go out in one frame or not at all,
 * since register requests must not straddle frames: use icebuf_reg_read()
 * and icebuf_reg_write() rather than writing it directly.
 * Errors: ARG (a channel the gateware does not have), CLOSED, IO, PROTOCOL.
 */
ICEBUF_EXPORT long icebuf_write(icebuf *dev, unsigned chan, const void *buf, size_t len, int timeout_ms);

/**
 * Read up to @len bytes from channel @chan. Waits until at least one byte is
 * there or the time-out runs out; returns the count (0 on time-out).
 * The first read on a channel grants the board credit to send on it
 * (docs/protocol.md §4): until then its data stays on the board.
 *
 * Nothing unread is lost: the handle acknowledges a frame from the board
 * only once the application has consumed every byte of it (icebuf_read(),
 * icebuf_consume()). A frame received but not consumed when the handle is
 * closed, or its program dies, stays in the board's buffer and comes again
 * to the next reader. Frames are up to the board's MTU: a reader that stops
 * inside one (it read part of it) leaves all of it on the board, so the next
 * reader gets the part this one read again — at least once, never lost.
 * One exception: a register call (icebuf_reg_read/_write) that waits more
 * than 50 ms behind unread frames, which fill the board's window, takes
 * them over (acknowledges them; they stay readable on this handle only).
 * Errors: ARG (a channel the gateware does not have), CLOSED, IO, PROTOCOL.
 */
ICEBUF_EXPORT long icebuf_read(icebuf *dev, unsigned chan, void *buf, size_t len, int timeout_ms);

/**
 * Like icebuf_read() but leaves the bytes in the handle: a second peek sees
 * them again. Release them with icebuf_consume() once they are safe
 * elsewhere (written out), so that a failing writer loses nothing: what was
 * never consumed stays on the board. Errors: as icebuf_read().
 */
ICEBUF_EXPORT long icebuf_peek(icebuf *dev, unsigned chan, void *buf, size_t len, int timeout_ms);

/** Consume the first @len bytes of @chan that icebuf_peek() showed (at most
 *  icebuf_available()); the frames they complete are acknowledged.
 *  Errors: ARG (more than the handle holds), CLOSED, IO, PROTOCOL. */
ICEBUF_EXPORT int icebuf_consume(icebuf *dev, unsigned chan, size_t len);

/** Wait until every byte written so far is acknowledged by the board.
 *  Errors: TIMEOUT, CLOSED, IO, PROTOCOL. */
ICEBUF_EXPORT int icebuf_flush(icebuf *dev, int timeout_ms);

/*
 * Event loops. Every waiting call above drives the link while it waits. A
 * program that also waits for other things (a socket, a pipe, a GUI) can
 * instead poll the handle's descriptor with its own and, whenever it is
 * readable or a few milliseconds have passed, call icebuf_poll() with a
 * time-out of 0, then icebuf_read()/icebuf_write() with time-out 0 as far as
 * icebuf_available()/icebuf_writable() allow. Same thread rule as above.
 */

/** The descriptor to poll for input from the board (POLLIN), or
 *  ICEBUF_ERR_UNSUPPORTED where the transport has none. On ftdi:// it is an
 *  epoll descriptor holding libusb's (the device's, which signals a
 *  completed USB transfer, and libusb's own event and timer descriptors):
 *  readable whenever libusb has something to handle, which icebuf_poll()
 *  does; the FT2232H ends a read transfer every latency period (1 ms), so it
 *  becomes readable that often while the board is connected. Errors: ARG. */
ICEBUF_EXPORT int icebuf_fileno(icebuf *dev);

/** Drive the link once: send what is queued, wait up to @timeout_ms for
 *  the transport, take in what arrived, retransmit and acknowledge as due.
 *  Returns 0. Errors: TIMEOUT (the board stopped acknowledging), CLOSED,
 *  IO, PROTOCOL. */
ICEBUF_EXPORT int icebuf_poll(icebuf *dev, int timeout_ms);

/** Bytes icebuf_read() on @chan returns at once. Reading a channel for the
 *  first time grants the board credit: until then this is 0. Errors: ARG. */
ICEBUF_EXPORT long icebuf_available(icebuf *dev, unsigned chan);

/** Bytes icebuf_write() on @chan takes at once (the board's credit, the
 *  send window and the cap on unacknowledged bytes, three quarters of the
 *  board's WINDOW x MTU, allow them). Errors: ARG. */
ICEBUF_EXPORT long icebuf_writable(icebuf *dev, unsigned chan);

/** Host-side link counters. */
struct icebuf_stats {
	uint64_t tx_bytes;        /**< bytes put on the wire */
	uint64_t rx_bytes;        /**< bytes taken off the wire */
	uint64_t tx_frames;       /**< frames sent, retransmissions included */
	uint64_t rx_frames;       /**< good frames received */
	uint64_t tx_payload;      /**< payload bytes acknowledged by the board */
	uint64_t rx_payload;      /**< payload bytes accepted from the board */
	uint64_t retransmits;     /**< go-back-N rewinds by the host */
	uint64_t rx_bad_crc;      /**< frames dropped for a bad CRC */
	uint64_t rx_bad_frame;    /**< frames dropped as malformed */
	uint64_t rx_seq_err;      /**< good frames dropped for an unexpected seq */
	uint64_t rx_refused;      /**< frames refused: more than the credit we gave */
};

/** Copy the host-side counters into *@stats. Errors: ARG. */
ICEBUF_EXPORT int icebuf_get_stats(icebuf *dev, struct icebuf_stats *stats);

/** Milliseconds on the clock every time-out of @dev runs on, origin
 *  arbitrary: on a virtual board (sim, sim://) the board's simulated clock,
 *  which the simulator publishes (docs/sim.md), so a time-out means the same
 *  at any simulation speed; on tty: and ftdi:// the wall clock
 *  (CLOCK_MONOTONIC). *@board (if not NULL) is set to 1 for board time, 0 for
 *  wall time. Rates measured with it are in that clock. */
ICEBUF_EXPORT double icebuf_time_ms(icebuf *dev, int *board);

/*
 * The keyboard (gateware with ICEBUF_FEAT_KEYBOARD: docs/keyboard.md). A
 * PS/2 keyboard on the board; the board buffers every key event with its
 * time and sends it on channel 2 (ICEBUF_CHAN_KEYBOARD), the library decodes
 * scan code set 2. Every call below first checks FEATURES: on gateware
 * without the keyboard it fails with ICEBUF_ERR_UNSUPPORTED, before anything
 * goes on the wire, and icebuf_last_error() names the gateware that has it.
 *
 * Nothing is lost: a record of channel 2 is released (acknowledged, so the
 * board frees it) only once every event decoded from it has been returned by
 * icebuf_key_read(); what a program never got stays on the board for the
 * next. Do not read channel 2 with icebuf_read() on a handle that uses these.
 *
 * Event loops: icebuf_key_read() with a time-out of 0 returns an event or 0
 * at once; call it until it returns 0 whenever icebuf_fileno() is readable
 * or after icebuf_poll(). (Its first call grants the board credit on channel
 * 2 and reads KBD_TIME once, a register round trip; until then the board
 * keeps its events.)
 */

/** What a key event is. */
enum icebuf_key_kind {
	ICEBUF_KEY_PRESS = 1,     /**< a key went down */
	ICEBUF_KEY_RELEASE = 2,   /**< a key went up */
	ICEBUF_KEY_REPEAT = 3,    /**< the keyboard's typematic repeat of a key held down */
	ICEBUF_KEY_OVERFLOW = 4,  /**< marker: the board's buffer was full, events were dropped here
	                           *   (KBD_OVERFLOWS counts them); an ALL_UP follows */
	ICEBUF_KEY_ALL_UP = 5,    /**< marker: every key is up (after an overflow, or the keyboard was
	                           *   reset or unplugged). Decoded, the release of every key held
	                           *   comes just before it, so no key is left stuck */
	ICEBUF_KEY_OVERRUN = 6,   /**< the keyboard's own buffer overran (it sent 00 or FF) */
	ICEBUF_KEY_UNKNOWN = 7,   /**< a scan code no key has (scan[] holds it) */
	ICEBUF_KEY_RAW = 8,       /**< raw mode: one record as the board sent it */
};

/** One key event. */
struct icebuf_key_event {
	enum icebuf_key_kind kind;
	uint16_t page;            /**< USB HID usage page: 0x07 keyboard, 0x0C consumer (media keys),
	                           *   0x01 generic desktop (power keys); 0 for a marker */
	uint16_t usage;           /**< the HID usage on that page (0x04 = A …) */
	uint16_t code;            /**< Linux input key code (KEY_A = 30 …; <linux/input-event-codes.h>) */
	uint8_t brk;              /**< the record was a break (F0) code */
	uint8_t scan_len;         /**< bytes in scan[]: the record as set-2 bytes, e.g. E0 F0 7C */
	uint8_t scan[3];
	int64_t ms;               /**< board time in ms: the board's 21-bit clock (KBD_TIME), extended
	                           *   by the handle past its wrap (every 35 min) while it reads; 0 at
	                           *   the board's reset if the handle opened within 35 min of it.
	                           *   Events in order never go back in time */
};

/** Read the next key event into *@ev, waiting up to @timeout_ms (0: do not
 *  wait). Returns 1 with an event, 0 on time-out. In raw mode
 *  (icebuf_key_set_raw()) every record comes as it was sent: kind RAW
 *  (page, usage, code filled in when the scan code is a key's, with no
 *  decoding state: fake shifts and Pause's parts come as they are), or
 *  OVERFLOW / ALL_UP for the markers. Errors: UNSUPPORTED (no keyboard in
 *  the gateware), ARG, TIMEOUT, CLOSED, IO, PROTOCOL, REGISTER. */
ICEBUF_EXPORT int icebuf_key_read(icebuf *dev, struct icebuf_key_event *ev, int timeout_ms);

/** Raw mode on (@raw nonzero) or off. Takes effect at the next record (the
 *  events of one already decoded are returned first); switching forgets the
 *  keys the decoder holds down. Errors: UNSUPPORTED, ARG. */
ICEBUF_EXPORT int icebuf_key_set_raw(icebuf *dev, int raw);

/** Name of a key by HID page and usage ("A", "Left Shift", "Volume Up"),
 *  NULL if no key of the table has it. Thread-safe, static strings. */
ICEBUF_EXPORT const char *icebuf_key_name(uint16_t page, uint16_t usage);

/** The @index-th key (0, 1, ...) of the library's set-2 table: its HID page
 *  and usage and Linux code (any pointer may be NULL). Returns 1, or 0 past
 *  the end. A key with two scan codes (Print Screen, Pause) comes twice.
 *  (`icebuf keys --uinput` gives its device these key codes.) */
ICEBUF_EXPORT int icebuf_key_at(unsigned index, uint16_t *page, uint16_t *usage, uint16_t *code);

/** Name of an event kind ("press", "release", "repeat", "overflow",
 *  "all-up", "overrun", "unknown", "raw"). Never NULL. */
ICEBUF_EXPORT const char *icebuf_key_kind_name(enum icebuf_key_kind kind);

/** The keyboard's LEDs, as register KBD_LEDS holds them. */
enum icebuf_kbd_led {
	ICEBUF_LED_SCROLL = 1u << 0,
	ICEBUF_LED_NUM = 1u << 1,
	ICEBUF_LED_CAPS = 1u << 2,
};

/** Set the keyboard's LEDs to @leds (enum icebuf_kbd_led bits; the board
 *  sends them to the keyboard, and again whenever it is plugged in).
 *  Errors: UNSUPPORTED, ARG (other bits), REGISTER, TIMEOUT, CLOSED, IO,
 *  PROTOCOL. */
ICEBUF_EXPORT int icebuf_kbd_set_leds(icebuf *dev, unsigned leds, int timeout_ms);

/** Set the keyboard's typematic delay and repeat period: the nearest of
 *  set 2's settings (delay 250, 500, 750 or 1000 ms; period 33.4 to 500 ms,
 *  32 steps) is sent. Errors: UNSUPPORTED, ARG (delay or period <= 0),
 *  REGISTER, TIMEOUT, CLOSED, IO, PROTOCOL. */
ICEBUF_EXPORT int icebuf_kbd_set_typematic(icebuf *dev, int delay_ms, int period_ms, int timeout_ms);

/** The delay and period (ms, period rounded) of a typematic byte (F3's
 *  argument, register KBD_TYPEMATIC). Either pointer may be NULL. */
ICEBUF_EXPORT void icebuf_kbd_typematic_ms(unsigned byte, int *delay_ms, int *period_ms);

/** The keyboard's registers (window 0x20; docs/keyboard.md). */
struct icebuf_kbd_status {
	int present;              /**< a keyboard answers */
	int initialised;          /**< reset, LEDs and typematic sent since it was plugged in */
	int dropping;             /**< the buffer is full: new events are dropped and counted */
	unsigned leds;            /**< enum icebuf_kbd_led bits */
	unsigned typematic;       /**< the typematic byte (icebuf_kbd_typematic_ms()) */
	uint32_t events;          /**< event records buffered since reset */
	uint32_t overflows;       /**< events dropped, buffer full */
	uint32_t parity_errors, frame_errors, timeouts, resends;  /**< the PS/2 line's counters */
	uint32_t time_ms;         /**< KBD_TIME: the board's 21-bit ms clock */
};

/** Read the keyboard's registers into *@st. The board's 16-bit counters are
 *  extended by the handle as icebuf_reg_read() does the link's (a read
 *  lower than the last counts as a wrap). Errors: UNSUPPORTED, ARG,
 *  REGISTER, TIMEOUT, CLOSED, IO, PROTOCOL. */
ICEBUF_EXPORT int icebuf_kbd_status(icebuf *dev, struct icebuf_kbd_status *st, int timeout_ms);

/**
 * Video (channel 3, registers 0x30-0x3F; docs/video.md): the board plays
 * the records written to ICEBUF_CHAN_VIDEO. These calls need gateware built
 * with VIDEO=1 (icebuf_features() & ICEBUF_FEAT_VIDEO): on other gateware
 * they fail with ICEBUF_ERR_UNSUPPORTED before anything goes on the wire.
 */

/** The player's state (VID_CTRL read, bits 1..0). */
enum icebuf_video_state {
	ICEBUF_VIDEO_IDLE = 0,        /**< waiting for the start threshold */
	ICEBUF_VIDEO_PLAY = 1,        /**< playing */
	ICEBUF_VIDEO_BUFFERING = 2,   /**< the queue ran dry: waiting for the resume goal */
	ICEBUF_VIDEO_ENDED = 3,       /**< an end-of-stream record was played out */
};

/** Commands written to VID_CTRL (combine). */
enum icebuf_video_cmd {
	ICEBUF_VIDEO_PAUSE = 1u << 0,
	ICEBUF_VIDEO_RESUME = 1u << 1,
	ICEBUF_VIDEO_FLUSH = 1u << 2,   /**< drop every queued record and the picture; back to idle */
	ICEBUF_VIDEO_CLEAR = 1u << 3,   /**< clear the counters */
};

/** The video window's registers, decoded. */
struct icebuf_video_status {
	uint32_t state;            /**< enum icebuf_video_state */
	int paused, showing;       /**< paused; a frame is on screen */
	uint32_t queued;           /**< complete records queued (STATUS [31:16]) */
	uint32_t frames;           /**< frames shown */
	uint32_t underruns;        /**< times the queue ran dry before the end of the stream */
	uint32_t stalled;          /**< vsyncs spent buffering */
	uint32_t late;             /**< frames shown after their end time */
	uint32_t level, level_min, level_max, capacity;  /**< frames queued now, min while playing, max; room */
	uint32_t start;            /**< start threshold, frames */
	uint32_t resume_base, resume_goal, resume_applied;  /**< resume threshold: base, now, as applied */
	uint32_t step, calm;       /**< goal step per underrun; calm vsyncs before it falls */
	uint32_t startup;          /**< vsyncs from the first queued record to the first frame shown */
	uint32_t vsyncs;           /**< since reset or clear */
	uint32_t bad_records, refused_bytes;  /**< malformed records; bytes offered while full */
	uint32_t ends;             /**< end-of-stream records played */
};

/** Read the video window into *@st (one request frame where the MTU allows).
 *  Errors: UNSUPPORTED (no VIDEO in the gateware), REGISTER, TIMEOUT, CLOSED,
 *  IO, PROTOCOL, ARG. */
ICEBUF_EXPORT int icebuf_video_status(icebuf *dev, struct icebuf_video_status *st, int timeout_ms);

/** Write enum icebuf_video_cmd bits to VID_CTRL. Errors: as icebuf_video_status(). */
ICEBUF_EXPORT int icebuf_video_control(icebuf *dev, uint32_t cmds, int timeout_ms);

/** Set the start and base resume thresholds in frames (1..255; a negative
 *  value leaves that one as it is). The board applies them capped by what its
 *  queue can hold (icebuf_video_status: resume_applied). Errors: ARG (out of
 *  range), and as icebuf_video_status(). */
ICEBUF_EXPORT int icebuf_video_thresholds(icebuf *dev, int start, int resume, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif /* ICEBUF_H */
