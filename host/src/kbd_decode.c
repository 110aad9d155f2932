/*
 * kbd_decode.c — the keyboard channel's records to key events (kbd_decode.h).
 * SPDX-License-Identifier: MIT
 *
 * The table lists every key of scan code set 2 by its make code: the 104 keys
 * of a US keyboard, the extra keys of ISO and Japanese layouts, and the E0
 * multimedia, browser and power keys, each with its USB HID usage and
 * Linux key code. (tests/host/test_kbd_decode.c checks it against a list of
 * its own, kept by HID usage, and against <linux/input-event-codes.h>.)
 */
#include "kbd_decode.h"

#include <string.h>

enum { P_KBD = 0x07, P_CONS = 0x0C, P_DESK = 0x01 };

struct key {
	uint8_t prefix, code;   /* set-2 make code */
	uint16_t page, usage;   /* USB HID */
	uint16_t linux_code;    /* Linux input */
	const char *name;
};

static const struct key keys[] = {
	/* letters */
	{0, 0x1C, P_KBD, 0x04, 30, "A"}, {0, 0x32, P_KBD, 0x05, 48, "B"}, {0, 0x21, P_KBD, 0x06, 46, "C"},
	{0, 0x23, P_KBD, 0x07, 32, "D"}, {0, 0x24, P_KBD, 0x08, 18, "E"}, {0, 0x2B, P_KBD, 0x09, 33, "F"},
	{0, 0x34, P_KBD, 0x0A, 34, "G"}, {0, 0x33, P_KBD, 0x0B, 35, "H"}, {0, 0x43, P_KBD, 0x0C, 23, "I"},
	{0, 0x3B, P_KBD, 0x0D, 36, "J"}, {0, 0x42, P_KBD, 0x0E, 37, "K"}, {0, 0x4B, P_KBD, 0x0F, 38, "L"},
	{0, 0x3A, P_KBD, 0x10, 50, "M"}, {0, 0x31, P_KBD, 0x11, 49, "N"}, {0, 0x44, P_KBD, 0x12, 24, "O"},
	{0, 0x4D, P_KBD, 0x13, 25, "P"}, {0, 0x15, P_KBD, 0x14, 16, "Q"}, {0, 0x2D, P_KBD, 0x15, 19, "R"},
	{0, 0x1B, P_KBD, 0x16, 31, "S"}, {0, 0x2C, P_KBD, 0x17, 20, "T"}, {0, 0x3C, P_KBD, 0x18, 22, "U"},
	{0, 0x2A, P_KBD, 0x19, 47, "V"}, {0, 0x1D, P_KBD, 0x1A, 17, "W"}, {0, 0x22, P_KBD, 0x1B, 45, "X"},
	{0, 0x35, P_KBD, 0x1C, 21, "Y"}, {0, 0x1A, P_KBD, 0x1D, 44, "Z"},
	/* digits */
	{0, 0x16, P_KBD, 0x1E, 2, "1"}, {0, 0x1E, P_KBD, 0x1F, 3, "2"}, {0, 0x26, P_KBD, 0x20, 4, "3"},
	{0, 0x25, P_KBD, 0x21, 5, "4"}, {0, 0x2E, P_KBD, 0x22, 6, "5"}, {0, 0x36, P_KBD, 0x23, 7, "6"},
	{0, 0x3D, P_KBD, 0x24, 8, "7"}, {0, 0x3E, P_KBD, 0x25, 9, "8"}, {0, 0x46, P_KBD, 0x26, 10, "9"},
	{0, 0x45, P_KBD, 0x27, 11, "0"},
	/* main block */
	{0, 0x5A, P_KBD, 0x28, 28, "Enter"}, {0, 0x76, P_KBD, 0x29, 1, "Escape"},
	{0, 0x66, P_KBD, 0x2A, 14, "Backspace"}, {0, 0x0D, P_KBD, 0x2B, 15, "Tab"},
	{0, 0x29, P_KBD, 0x2C, 57, "Space"}, {0, 0x4E, P_KBD, 0x2D, 12, "Minus"},
	{0, 0x55, P_KBD, 0x2E, 13, "Equal"}, {0, 0x54, P_KBD, 0x2F, 26, "Left Bracket"},
	{0, 0x5B, P_KBD, 0x30, 27, "Right Bracket"}, {0, 0x5D, P_KBD, 0x31, 43, "Backslash"},
	{0, 0x4C, P_KBD, 0x33, 39, "Semicolon"}, {0, 0x52, P_KBD, 0x34, 40, "Apostrophe"},
	{0, 0x0E, P_KBD, 0x35, 41, "Grave"}, {0, 0x41, P_KBD, 0x36, 51, "Comma"},
	{0, 0x49, P_KBD, 0x37, 52, "Period"}, {0, 0x4A, P_KBD, 0x38, 53, "Slash"},
	{0, 0x58, P_KBD, 0x39, 58, "Caps Lock"},
	/* function keys */
	{0, 0x05, P_KBD, 0x3A, 59, "F1"}, {0, 0x06, P_KBD, 0x3B, 60, "F2"}, {0, 0x04, P_KBD, 0x3C, 61, "F3"},
	{0, 0x0C, P_KBD, 0x3D, 62, "F4"}, {0, 0x03, P_KBD, 0x3E, 63, "F5"}, {0, 0x0B, P_KBD, 0x3F, 64, "F6"},
	{0, 0x83, P_KBD, 0x40, 65, "F7"}, {0, 0x0A, P_KBD, 0x41, 66, "F8"}, {0, 0x01, P_KBD, 0x42, 67, "F9"},
	{0, 0x09, P_KBD, 0x43, 68, "F10"}, {0, 0x78, P_KBD, 0x44, 87, "F11"}, {0, 0x07, P_KBD, 0x45, 88, "F12"},
	/* Print Screen (Alt+Print Screen sends 84: SysRq), Scroll Lock, Pause
	 * (Ctrl+Pause sends E0 7E: Break) */
	{1, 0x7C, P_KBD, 0x46, 99, "Print Screen"}, {0, 0x84, P_KBD, 0x46, 99, "Print Screen"},
	{0, 0x7E, P_KBD, 0x47, 70, "Scroll Lock"},
	{2, 0x14, P_KBD, 0x48, 119, "Pause"}, {1, 0x7E, P_KBD, 0x48, 119, "Pause"},
	/* navigation */
	{1, 0x70, P_KBD, 0x49, 110, "Insert"}, {1, 0x6C, P_KBD, 0x4A, 102, "Home"},
	{1, 0x7D, P_KBD, 0x4B, 104, "Page Up"}, {1, 0x71, P_KBD, 0x4C, 111, "Delete"},
	{1, 0x69, P_KBD, 0x4D, 107, "End"}, {1, 0x7A, P_KBD, 0x4E, 109, "Page Down"},
	{1, 0x74, P_KBD, 0x4F, 106, "Right"}, {1, 0x6B, P_KBD, 0x50, 105, "Left"},
	{1, 0x72, P_KBD, 0x51, 108, "Down"}, {1, 0x75, P_KBD, 0x52, 103, "Up"},
	/* keypad */
	{0, 0x77, P_KBD, 0x53, 69, "Num Lock"}, {1, 0x4A, P_KBD, 0x54, 98, "Keypad Slash"},
	{0, 0x7C, P_KBD, 0x55, 55, "Keypad Asterisk"}, {0, 0x7B, P_KBD, 0x56, 74, "Keypad Minus"},
	{0, 0x79, P_KBD, 0x57, 78, "Keypad Plus"}, {1, 0x5A, P_KBD, 0x58, 96, "Keypad Enter"},
	{0, 0x69, P_KBD, 0x59, 79, "Keypad 1"}, {0, 0x72, P_KBD, 0x5A, 80, "Keypad 2"},
	{0, 0x7A, P_KBD, 0x5B, 81, "Keypad 3"}, {0, 0x6B, P_KBD, 0x5C, 75, "Keypad 4"},
	{0, 0x73, P_KBD, 0x5D, 76, "Keypad 5"}, {0, 0x74, P_KBD, 0x5E, 77, "Keypad 6"},
	{0, 0x6C, P_KBD, 0x5F, 71, "Keypad 7"}, {0, 0x75, P_KBD, 0x60, 72, "Keypad 8"},
	{0, 0x7D, P_KBD, 0x61, 73, "Keypad 9"}, {0, 0x70, P_KBD, 0x62, 82, "Keypad 0"},
	{0, 0x71, P_KBD, 0x63, 83, "Keypad Period"}, {0, 0x0F, P_KBD, 0x67, 117, "Keypad Equal"},
	{0, 0x6D, P_KBD, 0x85, 121, "Keypad Comma"},
	/* ISO and Japanese keys */
	{0, 0x61, P_KBD, 0x64, 86, "Non-US Backslash"}, {0, 0x51, P_KBD, 0x87, 89, "Ro"},
	{0, 0x13, P_KBD, 0x88, 93, "Katakana Hiragana"}, {0, 0x6A, P_KBD, 0x89, 124, "Yen"},
	{0, 0x64, P_KBD, 0x8A, 92, "Henkan"}, {0, 0x67, P_KBD, 0x8B, 94, "Muhenkan"},
	/* Windows keys */
	{1, 0x2F, P_KBD, 0x65, 127, "Menu"}, {1, 0x1F, P_KBD, 0xE3, 125, "Left GUI"},
	{1, 0x27, P_KBD, 0xE7, 126, "Right GUI"},
	/* modifiers */
	{0, 0x14, P_KBD, 0xE0, 29, "Left Ctrl"}, {0, 0x12, P_KBD, 0xE1, 42, "Left Shift"},
	{0, 0x11, P_KBD, 0xE2, 56, "Left Alt"}, {1, 0x14, P_KBD, 0xE4, 97, "Right Ctrl"},
	{0, 0x59, P_KBD, 0xE5, 54, "Right Shift"}, {1, 0x11, P_KBD, 0xE6, 100, "Right Alt"},
	/* multimedia and browser keys: the consumer page */
	{1, 0x4D, P_CONS, 0x0B5, 163, "Next Track"}, {1, 0x15, P_CONS, 0x0B6, 165, "Previous Track"},
	{1, 0x3B, P_CONS, 0x0B7, 166, "Stop"}, {1, 0x34, P_CONS, 0x0CD, 164, "Play Pause"},
	{1, 0x23, P_CONS, 0x0E2, 113, "Mute"}, {1, 0x32, P_CONS, 0x0E9, 115, "Volume Up"},
	{1, 0x21, P_CONS, 0x0EA, 114, "Volume Down"}, {1, 0x50, P_CONS, 0x183, 226, "Media Select"},
	{1, 0x48, P_CONS, 0x18A, 155, "Mail"}, {1, 0x2B, P_CONS, 0x192, 140, "Calculator"},
	{1, 0x40, P_CONS, 0x194, 157, "My Computer"}, {1, 0x10, P_CONS, 0x221, 217, "WWW Search"},
	{1, 0x3A, P_CONS, 0x223, 172, "WWW Home"}, {1, 0x38, P_CONS, 0x224, 158, "WWW Back"},
	{1, 0x30, P_CONS, 0x225, 159, "WWW Forward"}, {1, 0x28, P_CONS, 0x226, 128, "WWW Stop"},
	{1, 0x20, P_CONS, 0x227, 173, "WWW Refresh"}, {1, 0x18, P_CONS, 0x22A, 156, "WWW Favorites"},
	/* power keys: generic desktop */
	{1, 0x37, P_DESK, 0x81, 116, "Power"}, {1, 0x3F, P_DESK, 0x82, 142, "Sleep"},
	{1, 0x5E, P_DESK, 0x83, 143, "Wake"},
};
#define NKEYS (int)(sizeof keys / sizeof keys[0])

/* Every key needs a bit in held[] and a slot in one all-keys-up answer. */
_Static_assert(sizeof keys / sizeof keys[0] <= 256 && sizeof keys / sizeof keys[0] <= KBD_MAX_EVENTS,
               "the key table outgrew held[] or KBD_MAX_EVENTS");

void kbd_record_unpack(const uint8_t b[KBD_RECORD_LEN], struct kbd_record *r)
{
	uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
	r->code = (uint8_t)w;
	r->brk = w >> 8 & 1;
	r->prefix = w >> 9 & 3;
	r->ms = w >> 11;
}

int kbd_assemble(struct kbd_assembler *a, uint8_t byte, uint32_t ms, struct kbd_record *r)
{
	if (byte == 0xF0) { a->brk = 1; return 0; }
	if (byte == 0xE0) { a->e0 = 1; return 0; }
	if (byte == 0xE1) { a->e1 = 1; return 0; }
	r->code = byte;
	r->brk = a->brk;
	r->prefix = a->e1 ? KBD_P_E1 : a->e0 ? KBD_P_E0 : KBD_P_NONE;
	r->ms = ms;
	a->brk = a->e0 = a->e1 = 0;
	return 1;
}

/* The table index of a key; duplicates (two codes for one key) resolve to
 * the first, so that a key has one held bit. */
static int find(uint8_t prefix, uint8_t code)
{
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].prefix == prefix && keys[i].code == code) {
			for (int j = 0; j < i; j++)
				if (keys[j].page == keys[i].page && keys[j].usage == keys[i].usage)
					return j;
			return i;
		}
	return -1;
}

int kbd_lookup(uint8_t prefix, uint8_t code, uint16_t *page, uint16_t *usage, uint16_t *linux_code)
{
	int i = find(prefix, code);
	if (i < 0)
		return 0;
	*page = keys[i].page;
	*usage = keys[i].usage;
	*linux_code = keys[i].linux_code;
	return 1;
}

int kbd_key_at(int i, uint16_t *page, uint16_t *usage, uint16_t *linux_code)
{
	if (i < 0 || i >= NKEYS)
		return 0;
	*page = keys[i].page;
	*usage = keys[i].usage;
	*linux_code = keys[i].linux_code;
	return 1;
}

const char *kbd_key_name(uint16_t page, uint16_t usage)
{
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].page == page && keys[i].usage == usage)
			return keys[i].name;
	return NULL;
}

uint16_t kbd_usage_to_linux(uint16_t page, uint16_t usage)
{
	for (int i = 0; i < NKEYS; i++)
		if (keys[i].page == page && keys[i].usage == usage)
			return keys[i].linux_code;
	return 0;
}

void kbd_decoder_init(struct kbd_decoder *d)
{
	memset(d, 0, sizeof *d);
}

static int is_held(const struct kbd_decoder *d, int i) { return d->held[i >> 3] >> (i & 7) & 1; }
static void set_held(struct kbd_decoder *d, int i, int on)
{
	if (on)
		d->held[i >> 3] |= (uint8_t)(1u << (i & 7));
	else
		d->held[i >> 3] &= (uint8_t)~(1u << (i & 7));
}

static struct kbd_event key_event(int i, int pressed, int repeat, const struct kbd_record *r)
{
	struct kbd_event e = {KBD_EV_KEY, (uint8_t)pressed, (uint8_t)repeat, keys[i].page, keys[i].usage,
	                      keys[i].linux_code, r->ms, r->prefix, r->code};
	return e;
}

/* A key's press or release; a release of a key not held (its press was
 * dropped, or all keys were released since) yields nothing. */
static int key(struct kbd_decoder *d, int i, int brk, const struct kbd_record *r, struct kbd_event *out)
{
	if (brk) {
		if (!is_held(d, i))
			return 0;
		set_held(d, i, 0);
		out[0] = key_event(i, 0, 0, r);
		return 1;
	}
	out[0] = key_event(i, 1, is_held(d, i), r);
	set_held(d, i, 1);
	return 1;
}

int kbd_decode(struct kbd_decoder *d, const struct kbd_record *r, struct kbd_event *out)
{
	int n = 0;
	struct kbd_event other = {0, 0, 0, 0, 0, 0, r->ms, r->prefix, r->code};

	if (r->prefix == KBD_P_MARKER) {
		d->pause = 0;
		if (r->code == KBD_M_OVERFLOW) {
			out[n] = other;
			out[n++].type = KBD_EV_OVERFLOW;
		} else if (r->code == KBD_M_ALL_UP) {
			for (int i = 0; i < NKEYS; i++)
				if (is_held(d, i)) {
					set_held(d, i, 0);
					out[n++] = key_event(i, 0, 0, r);
				}
		}
		return n;
	}
	/* Pause sends E1 14 77 E1 F0 14 F0 77 when pressed and nothing when
	 * released: records E1-14, 77, E1-F0-14, F0-77. Its press is the
	 * first, its release the last; the 77s are not Num Lock. */
	if (r->prefix == KBD_P_E1) {
		int i = find(KBD_P_E1, 0x14);
		if (r->code == 0x14 && !r->brk) {
			d->pause = 1;
			return key(d, i, 0, r, out);
		}
		if (r->code == 0x14 && r->brk && d->pause == 2) {
			d->pause = 3;
			return 0;
		}
		d->pause = 0;
		out[0] = other;
		out[0].type = KBD_EV_UNKNOWN;
		return 1;
	}
	if (r->prefix == KBD_P_NONE && r->code == 0x77) {
		if (d->pause == 1 && !r->brk) { d->pause = 2; return 0; }
		if (d->pause == 3 && r->brk) { d->pause = 0; return key(d, find(KBD_P_E1, 0x14), 1, r, out); }
	}
	d->pause = 0;
	/* The keyboard's own buffer overran. */
	if (r->prefix == KBD_P_NONE && (r->code == 0x00 || r->code == 0xFF)) {
		out[0] = other;
		out[0].type = KBD_EV_OVERRUN;
		return 1;
	}
	/* Fake shifts: E0 12 and E0 59 (made or broken) around Print Screen,
	 * Keypad Slash and the navigation keys, so that a set-1-minded system
	 * sees the unshifted key under Shift or Num Lock. No key has them. */
	if (r->prefix == KBD_P_E0 && (r->code == 0x12 || r->code == 0x59))
		return 0;
	int i = find(r->prefix, r->code);
	if (i < 0) {
		out[0] = other;
		out[0].type = KBD_EV_UNKNOWN;
		return 1;
	}
	return key(d, i, r->brk, r, out);
}
