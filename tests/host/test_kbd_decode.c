/*
 * test_kbd_decode.c — unit tests of host/src/kbd_decode.c: every key of a
 * 104-key keyboard and the E0 multimedia keys, pressed and released, with
 * and without Shift and Num Lock (the fake shifts), Print Screen and Pause
 * in all their forms, overrun codes, overflow and all-keys-up markers, key
 * names.
 * SPDX-License-Identifier: MIT
 *
 * The list below is a second source, kept apart from the decoder's table:
 * ordered by USB HID usage as the HID Usage Tables (keyboard page 0x07,
 * consumer page 0x0C, generic desktop 0x01) and Microsoft's "USB HID to PS/2
 * scan code translation table" give the keys, with each key's complete make
 * and break byte sequence as the keyboard sends them, and its Linux key code
 * by name from <linux/input-event-codes.h>, the kernel's own header.
 */
#include "kbd_decode.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define CHECK(c, ...) do { if (!(c)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
	fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } } while (0)

struct ref {
	uint16_t page, usage;
	int linux_code;
	const char *make;       /* bytes, hex */
	const char *brk;
};

static const struct ref refs[] = {
	{7, 0x04, KEY_A, "1C", "F0 1C"}, {7, 0x05, KEY_B, "32", "F0 32"}, {7, 0x06, KEY_C, "21", "F0 21"},
	{7, 0x07, KEY_D, "23", "F0 23"}, {7, 0x08, KEY_E, "24", "F0 24"}, {7, 0x09, KEY_F, "2B", "F0 2B"},
	{7, 0x0A, KEY_G, "34", "F0 34"}, {7, 0x0B, KEY_H, "33", "F0 33"}, {7, 0x0C, KEY_I, "43", "F0 43"},
	{7, 0x0D, KEY_J, "3B", "F0 3B"}, {7, 0x0E, KEY_K, "42", "F0 42"}, {7, 0x0F, KEY_L, "4B", "F0 4B"},
	{7, 0x10, KEY_M, "3A", "F0 3A"}, {7, 0x11, KEY_N, "31", "F0 31"}, {7, 0x12, KEY_O, "44", "F0 44"},
	{7, 0x13, KEY_P, "4D", "F0 4D"}, {7, 0x14, KEY_Q, "15", "F0 15"}, {7, 0x15, KEY_R, "2D", "F0 2D"},
	{7, 0x16, KEY_S, "1B", "F0 1B"}, {7, 0x17, KEY_T, "2C", "F0 2C"}, {7, 0x18, KEY_U, "3C", "F0 3C"},
	{7, 0x19, KEY_V, "2A", "F0 2A"}, {7, 0x1A, KEY_W, "1D", "F0 1D"}, {7, 0x1B, KEY_X, "22", "F0 22"},
	{7, 0x1C, KEY_Y, "35", "F0 35"}, {7, 0x1D, KEY_Z, "1A", "F0 1A"},
	{7, 0x1E, KEY_1, "16", "F0 16"}, {7, 0x1F, KEY_2, "1E", "F0 1E"}, {7, 0x20, KEY_3, "26", "F0 26"},
	{7, 0x21, KEY_4, "25", "F0 25"}, {7, 0x22, KEY_5, "2E", "F0 2E"}, {7, 0x23, KEY_6, "36", "F0 36"},
	{7, 0x24, KEY_7, "3D", "F0 3D"}, {7, 0x25, KEY_8, "3E", "F0 3E"}, {7, 0x26, KEY_9, "46", "F0 46"},
	{7, 0x27, KEY_0, "45", "F0 45"},
	{7, 0x28, KEY_ENTER, "5A", "F0 5A"}, {7, 0x29, KEY_ESC, "76", "F0 76"},
	{7, 0x2A, KEY_BACKSPACE, "66", "F0 66"}, {7, 0x2B, KEY_TAB, "0D", "F0 0D"},
	{7, 0x2C, KEY_SPACE, "29", "F0 29"}, {7, 0x2D, KEY_MINUS, "4E", "F0 4E"},
	{7, 0x2E, KEY_EQUAL, "55", "F0 55"}, {7, 0x2F, KEY_LEFTBRACE, "54", "F0 54"},
	{7, 0x30, KEY_RIGHTBRACE, "5B", "F0 5B"}, {7, 0x31, KEY_BACKSLASH, "5D", "F0 5D"},
	{7, 0x33, KEY_SEMICOLON, "4C", "F0 4C"}, {7, 0x34, KEY_APOSTROPHE, "52", "F0 52"},
	{7, 0x35, KEY_GRAVE, "0E", "F0 0E"}, {7, 0x36, KEY_COMMA, "41", "F0 41"},
	{7, 0x37, KEY_DOT, "49", "F0 49"}, {7, 0x38, KEY_SLASH, "4A", "F0 4A"},
	{7, 0x39, KEY_CAPSLOCK, "58", "F0 58"},
	{7, 0x3A, KEY_F1, "05", "F0 05"}, {7, 0x3B, KEY_F2, "06", "F0 06"}, {7, 0x3C, KEY_F3, "04", "F0 04"},
	{7, 0x3D, KEY_F4, "0C", "F0 0C"}, {7, 0x3E, KEY_F5, "03", "F0 03"}, {7, 0x3F, KEY_F6, "0B", "F0 0B"},
	{7, 0x40, KEY_F7, "83", "F0 83"}, {7, 0x41, KEY_F8, "0A", "F0 0A"}, {7, 0x42, KEY_F9, "01", "F0 01"},
	{7, 0x43, KEY_F10, "09", "F0 09"}, {7, 0x44, KEY_F11, "78", "F0 78"}, {7, 0x45, KEY_F12, "07", "F0 07"},
	{7, 0x46, KEY_SYSRQ, "E0 12 E0 7C", "E0 F0 7C E0 F0 12"},
	{7, 0x47, KEY_SCROLLLOCK, "7E", "F0 7E"},
	{7, 0x48, KEY_PAUSE, "E1 14 77 E1 F0 14 F0 77", ""},
	{7, 0x49, KEY_INSERT, "E0 70", "E0 F0 70"}, {7, 0x4A, KEY_HOME, "E0 6C", "E0 F0 6C"},
	{7, 0x4B, KEY_PAGEUP, "E0 7D", "E0 F0 7D"}, {7, 0x4C, KEY_DELETE, "E0 71", "E0 F0 71"},
	{7, 0x4D, KEY_END, "E0 69", "E0 F0 69"}, {7, 0x4E, KEY_PAGEDOWN, "E0 7A", "E0 F0 7A"},
	{7, 0x4F, KEY_RIGHT, "E0 74", "E0 F0 74"}, {7, 0x50, KEY_LEFT, "E0 6B", "E0 F0 6B"},
	{7, 0x51, KEY_DOWN, "E0 72", "E0 F0 72"}, {7, 0x52, KEY_UP, "E0 75", "E0 F0 75"},
	{7, 0x53, KEY_NUMLOCK, "77", "F0 77"}, {7, 0x54, KEY_KPSLASH, "E0 4A", "E0 F0 4A"},
	{7, 0x55, KEY_KPASTERISK, "7C", "F0 7C"}, {7, 0x56, KEY_KPMINUS, "7B", "F0 7B"},
	{7, 0x57, KEY_KPPLUS, "79", "F0 79"}, {7, 0x58, KEY_KPENTER, "E0 5A", "E0 F0 5A"},
	{7, 0x59, KEY_KP1, "69", "F0 69"}, {7, 0x5A, KEY_KP2, "72", "F0 72"}, {7, 0x5B, KEY_KP3, "7A", "F0 7A"},
	{7, 0x5C, KEY_KP4, "6B", "F0 6B"}, {7, 0x5D, KEY_KP5, "73", "F0 73"}, {7, 0x5E, KEY_KP6, "74", "F0 74"},
	{7, 0x5F, KEY_KP7, "6C", "F0 6C"}, {7, 0x60, KEY_KP8, "75", "F0 75"}, {7, 0x61, KEY_KP9, "7D", "F0 7D"},
	{7, 0x62, KEY_KP0, "70", "F0 70"}, {7, 0x63, KEY_KPDOT, "71", "F0 71"},
	{7, 0x64, KEY_102ND, "61", "F0 61"}, {7, 0x65, KEY_COMPOSE, "E0 2F", "E0 F0 2F"},
	{7, 0x67, KEY_KPEQUAL, "0F", "F0 0F"}, {7, 0x85, KEY_KPCOMMA, "6D", "F0 6D"},
	{7, 0x87, KEY_RO, "51", "F0 51"}, {7, 0x88, KEY_KATAKANAHIRAGANA, "13", "F0 13"},
	{7, 0x89, KEY_YEN, "6A", "F0 6A"}, {7, 0x8A, KEY_HENKAN, "64", "F0 64"},
	{7, 0x8B, KEY_MUHENKAN, "67", "F0 67"},
	{7, 0xE0, KEY_LEFTCTRL, "14", "F0 14"}, {7, 0xE1, KEY_LEFTSHIFT, "12", "F0 12"},
	{7, 0xE2, KEY_LEFTALT, "11", "F0 11"}, {7, 0xE3, KEY_LEFTMETA, "E0 1F", "E0 F0 1F"},
	{7, 0xE4, KEY_RIGHTCTRL, "E0 14", "E0 F0 14"}, {7, 0xE5, KEY_RIGHTSHIFT, "59", "F0 59"},
	{7, 0xE6, KEY_RIGHTALT, "E0 11", "E0 F0 11"}, {7, 0xE7, KEY_RIGHTMETA, "E0 27", "E0 F0 27"},
	{0x0C, 0x0B5, KEY_NEXTSONG, "E0 4D", "E0 F0 4D"}, {0x0C, 0x0B6, KEY_PREVIOUSSONG, "E0 15", "E0 F0 15"},
	{0x0C, 0x0B7, KEY_STOPCD, "E0 3B", "E0 F0 3B"}, {0x0C, 0x0CD, KEY_PLAYPAUSE, "E0 34", "E0 F0 34"},
	{0x0C, 0x0E2, KEY_MUTE, "E0 23", "E0 F0 23"}, {0x0C, 0x0E9, KEY_VOLUMEUP, "E0 32", "E0 F0 32"},
	{0x0C, 0x0EA, KEY_VOLUMEDOWN, "E0 21", "E0 F0 21"}, {0x0C, 0x183, KEY_MEDIA, "E0 50", "E0 F0 50"},
	{0x0C, 0x18A, KEY_MAIL, "E0 48", "E0 F0 48"}, {0x0C, 0x192, KEY_CALC, "E0 2B", "E0 F0 2B"},
	{0x0C, 0x194, KEY_COMPUTER, "E0 40", "E0 F0 40"}, {0x0C, 0x221, KEY_SEARCH, "E0 10", "E0 F0 10"},
	{0x0C, 0x223, KEY_HOMEPAGE, "E0 3A", "E0 F0 3A"}, {0x0C, 0x224, KEY_BACK, "E0 38", "E0 F0 38"},
	{0x0C, 0x225, KEY_FORWARD, "E0 30", "E0 F0 30"}, {0x0C, 0x226, KEY_STOP, "E0 28", "E0 F0 28"},
	{0x0C, 0x227, KEY_REFRESH, "E0 20", "E0 F0 20"}, {0x0C, 0x22A, KEY_BOOKMARKS, "E0 18", "E0 F0 18"},
	{0x01, 0x81, KEY_POWER, "E0 37", "E0 F0 37"}, {0x01, 0x82, KEY_SLEEP, "E0 3F", "E0 F0 3F"},
	{0x01, 0x83, KEY_WAKEUP, "E0 5E", "E0 F0 5E"},
};
#define NREFS (int)(sizeof refs / sizeof refs[0])

/* The events a byte sequence (hex text) yields, through the gateware's
 * prefix rule and the decoder. */
static struct kbd_decoder dec;
static struct kbd_assembler as;
static struct kbd_event evs[4096];
static int feed(const char *hex)
{
	int n = 0;
	unsigned b;
	int used;
	while (sscanf(hex, " %x%n", &b, &used) == 1) {
		struct kbd_record r;
		hex += used;
		if (kbd_assemble(&as, (uint8_t)b, 7, &r))
			n += kbd_decode(&dec, &r, evs + n);
	}
	return n;
}

static void expect_key(const char *what, int n, int at, const struct ref *k, int pressed)
{
	CHECK(n > at, "%s: no event", what);
	if (n <= at)
		return;
	const struct kbd_event *e = &evs[at];
	CHECK(e->type == KBD_EV_KEY && e->pressed == pressed && e->page == k->page && e->usage == k->usage &&
	      e->linux_code == k->linux_code,
	      "%s: got type %d pressed %d page %x usage %x linux %d; want %s of page %x usage %x linux %d", what,
	      e->type, e->pressed, e->page, e->usage, e->linux_code, pressed ? "press" : "release", k->page,
	      k->usage, k->linux_code);
}

static const struct ref *by_linux(int code)
{
	for (int i = 0; i < NREFS; i++)
		if (refs[i].linux_code == code)
			return &refs[i];
	return NULL;
}

int main(void)
{
	/* 1. every key alone: one press, one release */
	for (int i = 0; i < NREFS; i++) {
		const struct ref *k = &refs[i];
		char what[64];
		kbd_decoder_init(&dec);
		memset(&as, 0, sizeof as);
		int n = feed(k->make);
		snprintf(what, sizeof what, "make %s", k->make);
		if (k->usage == 0x48 && k->page == 7) {
			/* Pause: press and release in one sequence */
			CHECK(n == 2, "Pause: %d events, want 2", n);
			expect_key(what, n, 0, k, 1);
			expect_key(what, n, 1, k, 0);
			continue;
		}
		CHECK(n == 1, "%s: %d events, want 1", what, n);
		expect_key(what, n, 0, k, 1);
		n = feed(k->make);
		CHECK(n == 1 && evs[0].repeat == 1, "%s again: not a repeat", what);
		n = feed(k->brk);
		snprintf(what, sizeof what, "break %s", k->brk);
		CHECK(n == 1, "%s: %d events, want 1", what, n);
		expect_key(what, n, 0, k, 0);
		const char *name = kbd_key_name(k->page, k->usage);
		CHECK(name && *name, "page %x usage %x has no name", k->page, k->usage);
		CHECK(kbd_usage_to_linux(k->page, k->usage) == k->linux_code, "usage %x to Linux", k->usage);
	}
	/* names are unique */
	for (int i = 0; i < NREFS; i++)
		for (int j = 0; j < i; j++) {
			const char *a = kbd_key_name(refs[i].page, refs[i].usage), *b = kbd_key_name(refs[j].page, refs[j].usage);
			CHECK(!a || !b || strcmp(a, b), "two keys named %s", a);
		}

	/* 2. the navigation keys and Keypad Slash with fake shifts: under Num
	 * Lock (E0 12 before the make, E0 F0 12 after the break), under Left
	 * Shift (E0 F0 12 before, E0 12 after) and under Right Shift (E0 F0 59,
	 * E0 59). Only the key itself comes out, and the real Shift. */
	static const int nav[] = {KEY_INSERT, KEY_HOME, KEY_PAGEUP, KEY_DELETE, KEY_END, KEY_PAGEDOWN,
	                          KEY_RIGHT, KEY_LEFT, KEY_DOWN, KEY_UP, KEY_KPSLASH};
	for (size_t i = 0; i < sizeof nav / sizeof nav[0]; i++) {
		const struct ref *k = by_linux(nav[i]);
		char seq[128];
		int n;
		kbd_decoder_init(&dec);
		if (nav[i] != KEY_KPSLASH) {
			snprintf(seq, sizeof seq, "E0 12 %s", k->make);
			n = feed(seq);
			CHECK(n == 1, "Num Lock + %s: %d events", k->make, n);
			expect_key("num lock make", n, 0, k, 1);
			snprintf(seq, sizeof seq, "%s E0 F0 12", k->brk);
			n = feed(seq);
			CHECK(n == 1, "Num Lock + %s: %d events", k->brk, n);
			expect_key("num lock break", n, 0, k, 0);
		}
		const char *shifts[2][3] = {{"12", "E0 F0 12", "E0 12"}, {"59", "E0 F0 59", "E0 59"}};
		for (int s = 0; s < 2; s++) {
			const struct ref *sh = by_linux(s ? KEY_RIGHTSHIFT : KEY_LEFTSHIFT);
			snprintf(seq, sizeof seq, "%s %s %s %s %s F0 %s", shifts[s][0], shifts[s][1], k->make, k->brk,
			         shifts[s][2], shifts[s][0]);
			n = feed(seq);
			CHECK(n == 4, "Shift + %s: %d events, want 4 (%s)", k->make, n, seq);
			expect_key("shift", n, 0, sh, 1);
			expect_key("shifted make", n, 1, k, 1);
			expect_key("shifted break", n, 2, k, 0);
			expect_key("shift release", n, 3, sh, 0);
		}
	}

	/* 3. Print Screen under Shift or Ctrl (no fake shift), under Alt (84:
	 * SysRq), and Ctrl+Pause (E0 7E: Break) */
	{
		const struct ref *ps = by_linux(KEY_SYSRQ), *pause = by_linux(KEY_PAUSE);
		const struct ref *ctrl = by_linux(KEY_LEFTCTRL), *alt = by_linux(KEY_LEFTALT);
		int n;
		kbd_decoder_init(&dec);
		n = feed("12 E0 7C E0 F0 7C F0 12");
		CHECK(n == 4, "Shift+Print Screen: %d events", n);
		expect_key("shift+prtsc", n, 1, ps, 1);
		expect_key("shift+prtsc", n, 2, ps, 0);
		n = feed("14 E0 7C E0 F0 7C F0 14");
		CHECK(n == 4, "Ctrl+Print Screen: %d events", n);
		expect_key("ctrl", n, 0, ctrl, 1);
		expect_key("ctrl+prtsc", n, 1, ps, 1);
		n = feed("11 84 F0 84 F0 11");
		CHECK(n == 4, "Alt+SysRq: %d events", n);
		expect_key("alt", n, 0, alt, 1);
		expect_key("alt+sysrq", n, 1, ps, 1);
		expect_key("alt+sysrq", n, 2, ps, 0);
		n = feed("14 E0 7E E0 F0 7E F0 14");
		CHECK(n == 4, "Ctrl+Break: %d events", n);
		expect_key("ctrl+break", n, 1, pause, 1);
		expect_key("ctrl+break", n, 2, pause, 0);
		/* Pause twice, and Num Lock right after it is Num Lock */
		n = feed("E1 14 77 E1 F0 14 F0 77 E1 14 77 E1 F0 14 F0 77 77 F0 77");
		CHECK(n == 6, "Pause Pause NumLock: %d events", n);
		expect_key("numlock after pause", n, 4, by_linux(KEY_NUMLOCK), 1);
		expect_key("numlock after pause", n, 5, by_linux(KEY_NUMLOCK), 0);
	}

	/* 4. overrun codes, unknown codes, markers */
	{
		int n;
		kbd_decoder_init(&dec);
		n = feed("00");
		CHECK(n == 1 && evs[0].type == KBD_EV_OVERRUN, "00 is no overrun");
		n = feed("FF");
		CHECK(n == 1 && evs[0].type == KBD_EV_OVERRUN, "FF is no overrun");
		n = feed("E0 60");
		CHECK(n == 1 && evs[0].type == KBD_EV_UNKNOWN && evs[0].prefix == 1 && evs[0].code == 0x60, "E0 60 not unknown");
		n = feed("1C 12 E0 75");
		CHECK(n == 3, "three presses: %d", n);
		uint8_t rec[4] = {0x00, 0x06, 0x00, 0x10};     /* marker 0 (overflow), word 0x10000600 */
		struct kbd_record r;
		kbd_record_unpack(rec, &r);
		CHECK(r.prefix == KBD_P_MARKER && r.code == KBD_M_OVERFLOW && r.ms == (0x10000600u >> 11),
		      "record unpack: prefix %d code %d ms %u", r.prefix, r.code, r.ms);
		n = kbd_decode(&dec, &r, evs);
		CHECK(n == 1 && evs[0].type == KBD_EV_OVERFLOW, "overflow marker: %d events", n);
		r.code = KBD_M_ALL_UP;
		n = kbd_decode(&dec, &r, evs);
		CHECK(n == 3, "all keys up released %d keys, 3 held", n);
		for (int i = 0; i < n; i++) CHECK(evs[i].type == KBD_EV_KEY && !evs[i].pressed, "all-up event %d not a release", i);
		n = feed("F0 1C");
		CHECK(n == 0, "release after all keys up: %d events", n);
		n = kbd_decode(&dec, &r, evs);
		CHECK(n == 0, "all keys up with none held: %d events", n);
		/* the full record layout */
		uint8_t rec2[4] = {0x75, 0x03 | 0x80, 0x34, 0x12};  /* E0 break 75, word 0x12348375 */
		kbd_record_unpack(rec2, &r);
		CHECK(r.code == 0x75 && r.brk == 1 && r.prefix == 1 && r.ms == (0x12348375u >> 11),
		      "record unpack: code %x brk %d prefix %d ms %u", r.code, r.brk, r.prefix, r.ms);
	}

	if (failures) {
		fprintf(stderr, "kbd_decode: %d checks failed\n", failures);
		return 1;
	}
	printf("kbd_decode: %d keys pressed and released (HID usage and Linux code), fake shifts, "
	       "Print Screen, Pause, overruns, markers: pass\n", NREFS);
	return 0;
}
