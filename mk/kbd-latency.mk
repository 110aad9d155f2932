# A key's latency while the stream channel runs flat out (tests/e2e/
# kbd_latency.sh): on the virtual iCEstick built with the keyboard (3 Mbaud)
# and on the virtual iCEBreaker (12 Mbaud); worst, median and mean from the
# keyboard model's stop bits (icebuf-sim --kbd-log) to icebuf_key_read().

$(BUILD)/tests/kbd_latency: tests/e2e/kbd_latency.c $(LIBICEBUF_A) host/include/icebuf.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(LIBICEBUF_A) $(HOST_LIBS)

KBD_LATENCY_DEPS := $(BUILD)/tests/kbd_latency $(BUILD)/tests/icebuf-sim-icestick-kbd \
                    $(BUILD)/bin/icebuf-sim-icebreaker

TESTS += test-kbd-latency
test-kbd-latency: $(KBD_LATENCY_DEPS)
	@scripts/runtest kbd-latency tests/e2e/kbd_latency.sh
.PHONY: test-kbd-latency

# The same runs for make bench (a run again after a busy host counts last).
BENCHES += bench-kbd-latency
bench-kbd-latency: $(KBD_LATENCY_DEPS)
	@mkdir -p $(BENCH_PARTS) $(BUILD)/bench
	@BENCH=1 BOUND_MS=1000 tests/e2e/kbd_latency.sh >$(BUILD)/bench/kbd-latency.log 2>&1; \
	    awk '/^kbd_latency_/ { if (!($$1 in v)) k[n++] = $$1; v[$$1] = $$0 } \
	         END { for (i = 0; i < n; i++) print v[k[i]]; exit n == 0 }' \
	        $(BUILD)/bench/kbd-latency.log >$(BENCH_PARTS)/kbd-latency.txt
.PHONY: bench-kbd-latency
