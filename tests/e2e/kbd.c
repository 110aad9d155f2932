/*
 * The keyboard end to end on the virtual iCEBreaker, before the library's
 * key calls: channel 2's raw records read with icebuf_read() and decoded
 * with the library's private decoder (host/src/kbd_decode.h).
 *   kbd type TEXT      FEATURES has KEYBOARD; the keyboard initialised; TEXT
 *                      (typed by icebuf-sim --type or --keys) arrives in order, times
 *                      increasing, KBD_EVENTS counts it; KBD_LEDS written 5
 *   kbd replug         initialised, then absent (unplugged), then
 *                      initialised again (plugged back), LEDs 2 restored
 * The device is ICEBUF_DEVICE (tests/e2e/kbd.sh: sim://HOST:PORT of an
 * icebuf-sim it started with the keyboard's options).
 * SPDX-License-Identifier: MIT
 */
#include "icebuf.h"
#include "kbd_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;
#define CHECK(cond, ...) do { if (!(cond)) { failures++; printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
	printf(__VA_ARGS__); printf("\n"); } } while (0)

static uint32_t reg(icebuf *dev, uint8_t addr)
{
	uint32_t v = 0;
	int r = icebuf_reg_read(dev, addr, &v, -1);
	CHECK(r == 0, "reading register 0x%02X: %s", addr, icebuf_last_error(dev));
	return v;
}

static double now_ms(icebuf *dev) { return icebuf_time_ms(dev, NULL); }

/* Waits (board time) until (KBD_STATUS & mask) == want; 0 on time-out. */
static int wait_status(icebuf *dev, uint32_t mask, uint32_t want, double ms)
{
	double end = now_ms(dev) + ms;
	while (now_ms(dev) < end) {
		if ((reg(dev, ICEBUF_REG_KBD_STATUS) & mask) == want) return 1;
		uint8_t b;
		(void)icebuf_peek(dev, 2, &b, 1, 20);   /* let board time pass */
	}
	return 0;
}

static char key_char(const struct kbd_event *e)
{
	const char *n = kbd_key_name(e->page, e->usage);
	if (!n) return '?';
	if (!strcmp(n, "Space")) return ' ';
	if (strlen(n) == 1) return (char)(n[0] >= 'A' && n[0] <= 'Z' ? n[0] - 'A' + 'a' : n[0]);
	return '?';
}

static int do_type(icebuf *dev, const char *text)
{
	CHECK(reg(dev, ICEBUF_REG_FEATURES) & ICEBUF_FEAT_KEYBOARD, "FEATURES shows no keyboard");
	CHECK(wait_status(dev, 3, 3, 3000), "keyboard not present and initialised: KBD_STATUS 0x%X",
	      reg(dev, ICEBUF_REG_KBD_STATUS));
	struct kbd_decoder d;
	kbd_decoder_init(&d);
	static struct kbd_event ev[KBD_MAX_EVENTS];
	char got[256] = "";
	size_t ngot = 0, records = 0, want = strlen(text);
	uint32_t last_ms = 0;
	double end = now_ms(dev) + 1000 + 100.0 * (double)want;
	while ((ngot < want || records < 2 * want) && now_ms(dev) < end) {
		uint8_t b[KBD_RECORD_LEN];
		long n = icebuf_read(dev, 2, b, sizeof b, 200);
		if (n == ICEBUF_ERR_TIMEOUT || n == 0) continue;
		CHECK(n == KBD_RECORD_LEN, "read %ld: %s", n, n < 0 ? icebuf_last_error(dev) : "short");
		if (n != KBD_RECORD_LEN) break;
		struct kbd_record r;
		kbd_record_unpack(b, &r);
		CHECK(records == 0 || r.ms > last_ms, "record %zu at %u ms, not after %u ms", records, r.ms, last_ms);
		last_ms = r.ms;
		records++;
		int k = kbd_decode(&d, &r, ev);
		for (int i = 0; i < k; i++) {
			CHECK(ev[i].type == KBD_EV_KEY, "event of type %d", ev[i].type);
			if (ev[i].type == KBD_EV_KEY && ev[i].pressed && ngot + 1 < sizeof got) got[ngot++] = key_char(&ev[i]);
		}
	}
	got[ngot] = 0;
	CHECK(!strcmp(got, text), "typed '%s', decoded '%s'", text, got);
	/* Each character a press and a release (no shifted ones in the test). */
	uint32_t events = reg(dev, ICEBUF_REG_KBD_EVENTS);
	CHECK(events == records && records == 2 * want, "KBD_EVENTS %u, records read %zu, characters %zu",
	      events, records, want);
	CHECK(reg(dev, ICEBUF_REG_KBD_OVERFLOWS) == 0 && reg(dev, ICEBUF_REG_KBD_PARITY_ERR) == 0 &&
	      reg(dev, ICEBUF_REG_KBD_FRAME_ERR) == 0, "error counters not 0");
	/* LEDs: Scroll + Caps; icebuf-sim reports the model's (kbd.sh checks). */
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_KBD_LEDS, 5, -1) == 0, "%s", icebuf_last_error(dev));
	CHECK(reg(dev, ICEBUF_REG_KBD_LEDS) == 5, "KBD_LEDS reads back 0x%X", reg(dev, ICEBUF_REG_KBD_LEDS));
	CHECK(wait_status(dev, 0x700, 0x500, 500), "KBD_STATUS LEDs 0x%X", reg(dev, ICEBUF_REG_KBD_STATUS));
	uint8_t b;
	(void)icebuf_peek(dev, 2, &b, 1, 100);          /* the model takes the byte */
	printf("kbd type: '%s' in %zu records, last at %u ms\n", got, records, last_ms);
	return 0;
}

static int do_replug(icebuf *dev)
{
	CHECK(wait_status(dev, 3, 3, 3000), "not initialised: KBD_STATUS 0x%X", reg(dev, ICEBUF_REG_KBD_STATUS));
	CHECK(icebuf_reg_write(dev, ICEBUF_REG_KBD_LEDS, 2, -1) == 0, "%s", icebuf_last_error(dev));
	double t = now_ms(dev);
	CHECK(wait_status(dev, 1, 0, 4000), "never absent: KBD_STATUS 0x%X", reg(dev, ICEBUF_REG_KBD_STATUS));
	printf("kbd replug: absent at %.0f ms\n", now_ms(dev));
	CHECK(wait_status(dev, 3, 3, 4000), "not initialised again: KBD_STATUS 0x%X", reg(dev, ICEBUF_REG_KBD_STATUS));
	printf("kbd replug: initialised again at %.0f ms (waited from %.0f)\n", now_ms(dev), t);
	CHECK((reg(dev, ICEBUF_REG_KBD_STATUS) & 0x700) == 0x200, "LEDs not restored: 0x%X",
	      reg(dev, ICEBUF_REG_KBD_STATUS));
	return 0;
}

int main(int argc, char **argv)
{
	const char *devname = getenv("ICEBUF_DEVICE");
	if (argc < 2 || !devname) {
		fprintf(stderr, "usage: ICEBUF_DEVICE=sim://HOST:PORT kbd type TEXT | replug\n");
		return 2;
	}
	icebuf *dev;
	int r = icebuf_open(&dev, devname, NULL);
	if (r) {
		printf("FAIL: cannot open %s: %s\n", devname, icebuf_open_error());
		return 1;
	}
	if (!strcmp(argv[1], "type") && argc == 3) do_type(dev, argv[2]);
	else if (!strcmp(argv[1], "replug")) do_replug(dev);
	else { fprintf(stderr, "kbd: unknown test\n"); return 2; }
	icebuf_close(dev);
	printf("%s\n", failures ? "FAIL" : "PASS");
	return failures ? 1 : 0;
}
