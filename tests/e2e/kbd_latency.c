/*
 * A key's latency while the stream channel runs flat out, on a virtual board
 * with the keyboard (tests/e2e/kbd_latency.sh).
 *   kbd_latency script N SEED     prints a key script for icebuf-sim --keys:
 *                                 N letter keys, pressed from FIRST_MS on at
 *                                 spread-out times, each released 5-15 ms later
 *   kbd_latency run LOG N MAX_MS  on ICEBUF_DEVICE: a loopback on the stream
 *                                 channel (as `icebuf loopback`) and, in the
 *                                 same event loop, the key events
 *                                 (icebuf_key_read() with a time-out of 0
 *                                 after icebuf_poll()); LOG is the model's
 *                                 --kbd-log. Each of the 2 N events must come,
 *                                 in order, and its latency be at most MAX_MS.
 * Latency: from the clock edge of the stop bit of a key's last scan-code byte
 * (the model's log) to the return of icebuf_key_read() with its event, both
 * in board time (icebuf_time_ms() on the simulator's published clock).
 * Prints "latency: worst W ms, median M ms, mean A ms" and the loopback's
 * rate while the keys came; with BENCH=PREFIX in the environment also
 * "PREFIX_... value unit description" lines for make bench. The bound
 * applies to the events on whose way (stop bit to return) no turn of the
 * loop was held up by the machine (HELD_MS); with fewer than 1/4 of them
 * left the run fails with exit status 3 (too busy: the shell runs it
 * again), other failures 1.
 * SPDX-License-Identifier: MIT
 */
#include "icebuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Keys begin this late in board time: the host has connected, granted the
 * keyboard's credit and started the loopback by then (checked). 100 ms, or
 * $KBD_LATENCY_FIRST_MS for both the script and the run (ftdi:// behind the
 * virtual FT2232H opens in about 500 ms of a --fast board's time). */
static double first_ms(void)
{
	const char *e = getenv("KBD_LATENCY_FIRST_MS");
	if (!e || !*e)
		return 100.0;
	char *end;
	double ms = strtod(e, &end);
	if (*end || !(ms > 0 && ms < 1e6)) {
		fprintf(stderr, "kbd_latency: KBD_LATENCY_FIRST_MS='%s': not a time in ms (0 to 1000000)\n", e);
		exit(2);
	}
	return ms;
}
#define FIRST_MS first_ms()
#define MAX_KEYS 512
/* A turn of the loop in which the process waited this long (wall time, ms)
 * beyond its CPU time and its 1 ms poll was held up by the machine: on a
 * busy one the simulator runs on meanwhile, and the board time that passes
 * is the machine's latency, not the link's. */
#define HELD_MS 5.0
#define MAX_HELD 4096

static double clock_ms(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* xorshift64: the script's times and the loopback's data. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The keys: letters, one press and one release each (no shift, so every
 * record of the keyboard is one event). */
static int do_script(int n, uint64_t seed)
{
	uint64_t s = seed * 0x9E3779B97F4A7C15ULL | 1;
	double t = FIRST_MS;
	printf("# %d keys from %.0f ms, held 4-12 ms, 2-10 ms between a release and the next press\n", n,
	       FIRST_MS);
	for (int i = 0; i < n; i++) {
		char key = (char)('A' + rnd(&s) % 26);
		double hold = 4 + (double)(rnd(&s) % 800) / 100.0;
		printf("%.2f press %c\n%.2f release %c\n", t, key, t + hold, key);
		t += hold + 2 + (double)(rnd(&s) % 800) / 100.0;
	}
	return 0;
}

/* A record the keyboard sent, from the log: its bytes and the stop bit of
 * the last one. */
struct rec {
	uint8_t scan[3];
	unsigned len;
	double stop_ms;
};

static int read_log(const char *path, struct rec *r, int max)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		printf("FAIL: cannot read %s\n", path);
		return -1;
	}
	char line[256];
	int n = 0;
	struct rec cur = { .len = 0 };
	while (fgets(line, sizeof line, f)) {
		unsigned long long clock;
		double ms;
		unsigned byte;
		char kind[32], bad[8] = "";
		if (line[0] == '#')
			continue;
		if (sscanf(line, "%llu %lf %x %31s %7s", &clock, &ms, &byte, kind, bad) < 4) {
			printf("FAIL: %s: bad line '%s'\n", path, line);
			fclose(f);
			return -1;
		}
		if (strcmp(kind, "key"))
			continue;                /* answers to the controller's commands */
		if (bad[0]) {
			printf("FAIL: %s: a byte sent corrupted (no faults were asked for)\n", path);
			fclose(f);
			return -1;
		}
		if (cur.len < 3)
			cur.scan[cur.len++] = (uint8_t)byte;
		if (byte == 0xE0 || byte == 0xE1 || byte == 0xF0)
			continue;                /* a prefix: the record goes on */
		cur.stop_ms = ms;
		if (n < max)
			r[n++] = cur;
		cur.len = 0;
	}
	fclose(f);
	return n;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

struct ev {
	uint8_t scan[3];
	unsigned len;
	double got_ms;               /* icebuf_time_ms() when icebuf_key_read() returned it */
	int64_t board_ms;            /* the board's stamp (KBD_TIME) */
};

static int do_run(const char *log, int nkeys, double max_ms)
{
	const char *devname = getenv("ICEBUF_DEVICE"), *bench = getenv("BENCH");
	if (bench && !*bench)
		bench = NULL;
	int want = 2 * nkeys, failures = 0;
	if (!devname || nkeys < 1 || want > MAX_KEYS) {
		fprintf(stderr, "kbd_latency: ICEBUF_DEVICE unset or N out of range (1..%d)\n", MAX_KEYS / 2);
		return 2;
	}
	icebuf *dev;
	if (icebuf_open(&dev, devname, NULL)) {
		printf("FAIL: cannot open %s: %s\n", devname, icebuf_open_error());
		return 1;
	}
	int board = 0;
	(void)icebuf_time_ms(dev, &board);
	struct icebuf_info info;
	icebuf_info(dev, &info);
	if (!board || !(icebuf_features(dev) & ICEBUF_FEAT_KEYBOARD)) {
		printf("FAIL: %s: %s\n", devname, !board ? "no board clock (not a virtual board?)" : "no keyboard");
		icebuf_close(dev);
		return 1;
	}
	/* The first key call grants the keyboard's credit (a register round
	 * trip): before the loopback, as an application starts up. */
	struct icebuf_key_event ke;
	static struct ev evs[MAX_KEYS];
	int nev = 0;
	if (icebuf_key_read(dev, &ke, 0) < 0) {
		printf("FAIL: icebuf_key_read: %s\n", icebuf_last_error(dev));
		icebuf_close(dev);
		return 1;
	}
	double start = icebuf_time_ms(dev, NULL);
	if (start >= FIRST_MS - 20) {
		printf("FAIL: the loopback starts at %.1f ms of board time, after the first key (%.0f ms)\n", start,
		       FIRST_MS);
		icebuf_close(dev);
		return 1;
	}
	uint64_t ws = 0x5DEECE66DULL, rs = ws;
	uint8_t out[4096], in[4096];
	size_t pending = 0, off = 0;
	unsigned long long sent = 0, got = 0, errors = 0, got_at_first = 0;
	double first_key = 0, end = FIRST_MS + 20.0 * nkeys + 1000;   /* the script ends by FIRST_MS + 20 N */
	int err = 0;
	/* The loop's longest turn in board time: a host that was not running
	 * (descheduled on a busy machine) while the simulator ran on. */
	double prev = start, loop_worst = 0;
	double wall_prev = clock_ms(CLOCK_MONOTONIC), cpu_prev = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
	static double held_from[MAX_HELD], held_to[MAX_HELD];
	int nheld = 0;
	for (;;) {
		double now = icebuf_time_ms(dev, NULL);
		double wall = clock_ms(CLOCK_MONOTONIC), cpu = clock_ms(CLOCK_PROCESS_CPUTIME_ID);
		if (now - prev > loop_worst && nev > 0)
			loop_worst = now - prev;
		if ((wall - wall_prev) - (cpu - cpu_prev) > HELD_MS + 1 && nheld < MAX_HELD) {
			held_from[nheld] = prev;
			held_to[nheld++] = now;
		}
		prev = now;
		wall_prev = wall;
		cpu_prev = cpu;
		if (nev == want || now > end)
			break;
		if ((err = icebuf_poll(dev, 1)) < 0)
			break;
		/* The stream: as much as the link takes, as much as came back. */
		for (;;) {
			if (!pending) {
				for (size_t i = 0; i < sizeof out; i++)
					out[i] = (uint8_t)rnd(&ws);
				pending = sizeof out;
				off = 0;
			}
			long w = icebuf_write(dev, ICEBUF_CHAN_STREAM, out + off, pending, 0);
			if (w < 0) {
				err = (int)w;
				break;
			}
			off += (size_t)w;
			pending -= (size_t)w;
			sent += (unsigned long long)w;
			if (pending)
				break;
		}
		if (err)
			break;
		long n;
		while ((n = icebuf_read(dev, ICEBUF_CHAN_STREAM, in, sizeof in, 0)) > 0) {
			for (long i = 0; i < n; i++)
				if (in[i] != (uint8_t)rnd(&rs))
					errors++;
			got += (unsigned long long)n;
		}
		if (n < 0) {
			err = (int)n;
			break;
		}
		/* The keys, every one there is. */
		int k;
		while ((k = icebuf_key_read(dev, &ke, 0)) == 1) {
			double t = icebuf_time_ms(dev, NULL);
			if (nev == 0) {
				first_key = t;
				got_at_first = got;
			}
			if (nev < MAX_KEYS) {
				evs[nev].len = ke.scan_len;
				memcpy(evs[nev].scan, ke.scan, sizeof ke.scan);
				evs[nev].got_ms = t;
				evs[nev].board_ms = ke.ms;
				if (ke.kind != ICEBUF_KEY_PRESS && ke.kind != ICEBUF_KEY_RELEASE) {
					printf("FAIL: event %d is a %s\n", nev, icebuf_key_kind_name(ke.kind));
					failures++;
				}
			}
			nev++;
		}
		if (k < 0) {
			err = k;
			break;
		}
	}
	double last = icebuf_time_ms(dev, NULL);
	/* The model logs a byte when its frame ends, the clock's high half
	 * after the stop bit's fall (60 us at most): the board may deliver the
	 * last key before that. Let board time pass 2 ms beyond it (a wall
	 * guard of 10 s for a simulator that stopped) so the log is whole. */
	for (double w0 = clock_ms(CLOCK_MONOTONIC);
	     !err && icebuf_time_ms(dev, NULL) < last + 2.0 && clock_ms(CLOCK_MONOTONIC) - w0 < 10e3;)
		err = icebuf_poll(dev, 1);
	if (err) {
		printf("FAIL: the link: %s\n", icebuf_last_error(dev));
		failures++;
	}
	struct icebuf_stats st;
	icebuf_get_stats(dev, &st);
	icebuf_close(dev);

	static struct rec recs[MAX_KEYS + 1];
	int nrec = read_log(log, recs, MAX_KEYS + 1);
	if (nrec < 0)
		return 1;
	if (nev != want || nrec != want) {
		printf("FAIL: %d key events read, %d records in the model's log, %d wanted\n", nev, nrec, want);
		failures++;
	}
	int n = nev < nrec ? nev : nrec;
	static double lat[MAX_KEYS];
	double worst = 0, sum = 0, stamp_lo = 1e9, stamp_hi = -1e9, worst_free = 0;
	int worst_i = 0, nfree = 0;
	for (int i = 0; i < n; i++) {
		if (evs[i].len != recs[i].len || memcmp(evs[i].scan, recs[i].scan, recs[i].len)) {
			printf("FAIL: event %d is not the keyboard's record %d (out of order or lost)\n", i, i);
			failures++;
			break;
		}
		lat[i] = evs[i].got_ms - recs[i].stop_ms;
		sum += lat[i];
		/* The bound is for the keys whose way the machine did not hold up. */
		int held = 0;
		for (int h = 0; h < nheld && !held; h++)
			held = held_from[h] < evs[i].got_ms && held_to[h] > recs[i].stop_ms;
		if (!held) {
			nfree++;
			if (lat[i] > worst_free)
				worst_free = lat[i];
		}
		if (lat[i] > worst) {
			worst = lat[i];
			worst_i = i;
		}
		/* The board's stamp (whole ms of its clock) against the model's. */
		double stamp = (double)evs[i].board_ms - recs[i].stop_ms;
		stamp_lo = stamp < stamp_lo ? stamp : stamp_lo;
		stamp_hi = stamp > stamp_hi ? stamp : stamp_hi;
	}
	if (!n) {
		printf("FAIL: no key came\n");
		return 1;
	}
	const char *dump = getenv("KBD_LATENCY_DUMP");     /* one line an event, for a closer look */
	FILE *df = dump && *dump ? fopen(dump, "w") : NULL;
	for (int i = 0; df && i < n; i++)
		fprintf(df, "%d %.6f %.6f %.6f\n", i, recs[i].stop_ms, evs[i].got_ms, lat[i]);
	if (df)
		fclose(df);
	qsort(lat, (size_t)n, sizeof lat[0], cmp_double);
	double median = n % 2 ? lat[n / 2] : (lat[n / 2 - 1] + lat[n / 2]) / 2;
	double span = last - first_key;
	double rate = span > 0 ? (double)(got - got_at_first) / span * 1e3 : 0;
	double line = info.baud / 10.0;
	printf("kbd_latency: %s at %u baud, %d keys (%d events) from %.1f to %.1f ms of board time "
	       "(the loopback from %.1f ms)\n", icebuf_board_name(info.board), info.baud, nkeys, nev, recs[0].stop_ms,
	       recs[nrec - 1].stop_ms, start);
	printf("latency: worst %.3f ms (event %d), 90th percentile %.3f ms, median %.3f ms, mean %.3f ms "
	       "(all events)\n", worst, worst_i, lat[n * 9 / 10], median, sum / n);
	printf("latency: the host loop's longest turn %.3f ms of board time; %d turns held up by the machine "
	       "(waiting more than %.0f ms of wall time beyond CPU and poll)\n", loop_worst, nheld, HELD_MS);
	printf("latency: %d of %d events came with no such turn on their way: worst %.3f ms (the bound's)\n", nfree, n,
	       worst_free);
	printf("latency: the board's stamps (KBD_TIME) %+.3f to %+.3f ms off the stop bits\n", stamp_lo, stamp_hi);
	printf("loopback: %llu bytes back while the keys came (%.1f ms), %.0f B/s, %.3f of the line's %.0f B/s; "
	       "%llu bytes in all, %llu errors, %llu retransmissions\n",
	       got - got_at_first, span, rate, rate / line, line, got, errors, (unsigned long long)st.retransmits);
	if (errors) {
		printf("FAIL: %llu loopback bytes came back wrong\n", errors);
		failures++;
	}
	/* Flat out: the payload each way near the line rate (the link's
	 * framing and acks take a few per cent). */
	if (rate < 0.85 * line) {
		printf("FAIL: the loopback ran at %.3f of the line rate, not flat out\n", rate / line);
		failures++;
	}
	/* Over the bound while the host loop stood still (descheduled while
	 * the simulator ran on): the machine's latency more than the link's. */
	int busy = 0;
	if (worst_free > max_ms) {
		printf("FAIL: worst latency %.3f ms above the bound %.1f ms\n", worst_free, max_ms);
		failures++;
	}
	if (nfree < n / 4) {
		printf("FAIL: the machine held the host up on the way of %d of %d events: too busy to measure\n",
		       n - nfree, n);
		busy = 1;
		failures++;
	}
	if (bench) {
		printf("%s_worst_ms %.3f ms worst key latency (stop bit to icebuf_key_read; host not held up), stream flat out\n",
		       bench, worst_free);
		printf("%s_median_ms %.3f ms median key latency, same run\n", bench, median);
		printf("%s_mean_ms %.3f ms mean key latency, same run\n", bench, sum / n);
		printf("%s_loopback_Bps %.0f B/s loopback payload while the keys came (line %.0f B/s)\n", bench, rate,
		       line);
	}
	printf("%s\n", failures ? "FAIL" : "PASS");
	return !failures ? 0 : busy && failures == 1 ? 3 : 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "script"))
		return do_script(atoi(argv[2]), strtoull(argv[3], NULL, 10));
	if (argc == 5 && !strcmp(argv[1], "run"))
		return do_run(argv[2], atoi(argv[3]), atof(argv[4]));
	fprintf(stderr, "usage: kbd_latency script N SEED | ICEBUF_DEVICE=sim://HOST:PORT kbd_latency run LOG N MAX_MS\n");
	return 2;
}
