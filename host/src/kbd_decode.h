/*
 * kbd_decode.h — the keyboard channel's records to key events (scan code set 2).
 * SPDX-License-Identifier: MIT
 * Private to libicebuf; pure C, no I/O. docs/keyboard.md describes the
 * records the gateware (rtl/ps2_kbd_buf.v) sends.
 *
 * The gateware folds set 2's prefixes (F0 break, E0 extended, E1 Pause) into
 * each record's flags, so a record is one make or break code; this module
 * turns records into key events with the USB HID usage (keyboard page 0x07;
 * consumer page 0x0C or generic desktop 0x01 for the multimedia and power
 * keys, which page 0x07 lacks) and the Linux key code, drops the fake shifts
 * that set 2 puts around Print Screen and the navigation keys, folds Pause's
 * E1 sequence into one key, reports the keyboard's overrun codes (00, FF) and
 * the buffer's overflow markers, and releases every held key when the
 * gateware marks "all keys up" (after an overflow, or when the keyboard was
 * reset or unplugged).
 */
#ifndef ICEBUF_KBD_DECODE_H
#define ICEBUF_KBD_DECODE_H

#include <stddef.h>
#include <stdint.h>

/* A record of the keyboard channel: 4 bytes, little-endian. */
#define KBD_RECORD_LEN 4
enum kbd_prefix { KBD_P_NONE = 0, KBD_P_E0 = 1, KBD_P_E1 = 2, KBD_P_MARKER = 3 };
enum kbd_marker { KBD_M_OVERFLOW = 0, KBD_M_ALL_UP = 1 };

struct kbd_record {
	uint8_t code;           /* the byte after the prefixes, or the marker's kind */
	uint8_t brk;            /* 1: led by F0 */
	uint8_t prefix;         /* enum kbd_prefix */
	uint32_t ms;            /* board time in ms, modulo 2^21 */
};

void kbd_record_unpack(const uint8_t b[KBD_RECORD_LEN], struct kbd_record *r);

/* Set-2 bytes to records, by the gateware's rule (for raw input and tests):
 * returns 1 and fills *r when byte completes a record, else 0. */
struct kbd_assembler { uint8_t brk, e0, e1; };
int kbd_assemble(struct kbd_assembler *a, uint8_t byte, uint32_t ms, struct kbd_record *r);

enum kbd_event_type {
	KBD_EV_KEY = 1,         /* a key pressed (also a typematic repeat) or released */
	KBD_EV_OVERFLOW,        /* the board's buffer was full: events were dropped here */
	KBD_EV_OVERRUN,         /* the keyboard's own buffer overran (00 or FF) */
	KBD_EV_UNKNOWN          /* a code no key of the table has */
};

struct kbd_event {
	enum kbd_event_type type;
	uint8_t pressed;        /* KBD_EV_KEY: 1 press, 0 release */
	uint8_t repeat;         /* KBD_EV_KEY: a press of a key already held (typematic) */
	uint16_t page;          /* HID usage page: 0x07 keyboard, 0x0C consumer, 0x01 desktop */
	uint16_t usage;         /* HID usage on that page */
	uint16_t linux_code;    /* Linux input key code (KEY_*) */
	uint32_t ms;            /* the record's board time */
	uint8_t prefix, code;   /* the record's scan code */
};

/* The most events one record can yield: all-keys-up releases every key. */
#define KBD_MAX_EVENTS 160

struct kbd_decoder {
	uint8_t held[32];       /* keys held, by table index */
	uint8_t pause;          /* step within Pause's sequence */
};

void kbd_decoder_init(struct kbd_decoder *d);
/* Decodes one record into out[] (room for KBD_MAX_EVENTS); returns the
 * number of events. */
int kbd_decode(struct kbd_decoder *d, const struct kbd_record *r, struct kbd_event *out);

/* The table: a key by its set-2 make code (prefix KBD_P_NONE or KBD_P_E0).
 * Returns 0 when no key has that code. */
int kbd_lookup(uint8_t prefix, uint8_t code, uint16_t *page, uint16_t *usage, uint16_t *linux_code);
/* The table's @i-th entry (0 ...); 0 past its end. A key with two codes
 * (Print Screen, Pause) comes twice. */
int kbd_key_at(int i, uint16_t *page, uint16_t *usage, uint16_t *linux_code);
/* A key's name ("A", "Left Shift", "Volume Up"), by page and usage; NULL if
 * none. */
const char *kbd_key_name(uint16_t page, uint16_t usage);
/* Linux key code of a keyboard-page usage; 0 if none. */
uint16_t kbd_usage_to_linux(uint16_t page, uint16_t usage);

#endif
