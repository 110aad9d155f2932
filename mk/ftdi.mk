# The virtual FT2232H (sim/ftdi/): build/bin/icebuf-ftdi-sim runs a command
# with an FT2232H emulated in user space (umockdev) in front of a virtual
# board, so libftdi1 and libusb, unmodified, reach the board as ftdi://.

FTDI_SIM     := $(BUILD)/bin/icebuf-ftdi-sim
UMOCK_CFLAGS  = $(shell pkg-config --cflags umockdev-1.0 2>/dev/null)
UMOCK_LIBS    = $(shell pkg-config --libs umockdev-1.0 2>/dev/null)

$(FTDI_SIM): sim/ftdi/icebuf_ftdi_sim.c mk/ftdi.mk
	@mkdir -p $(dir $@)
	$(CC) -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE -O2 -g $(UMOCK_CFLAGS) -o $@ $< $(UMOCK_LIBS)

ftdi-sim: $(FTDI_SIM)
.PHONY: ftdi-sim

# ---- tests: the end-to-end suite (make test-hw's) and the tool over ftdi://,
# on both virtual boards, plainly and under AddressSanitizer + UBSan.
$(BUILD)/tests/ftdi_open: tests/e2e/ftdi_open.c $(LIBICEBUF_A) host/include/icebuf.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(LIBICEBUF_A) $(HOST_LIBS)
$(BUILD)/tests/ftdi_open_asan: tests/e2e/ftdi_open.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) $(SAN_FLAGS) -o $@ $< $(LIB_SRCS) $(HOST_LIBS)
$(BUILD)/tests/ftdi_poll: tests/e2e/ftdi_poll.c $(LIBICEBUF_A) host/include/icebuf.h
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(LIBICEBUF_A) $(HOST_LIBS)
$(BUILD)/tests/ftdi_poll_asan: tests/e2e/ftdi_poll.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) $(SAN_FLAGS) -o $@ $< $(LIB_SRCS) $(HOST_LIBS)
$(BUILD)/tests/icebuf_asan: $(CLI_SRCS) host/cli/keys.h host/cli/play.h $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) $(SAN_FLAGS) -o $@ $(CLI_SRCS) $(LIB_SRCS) $(HOST_LIBS)

# $(call FTDI_E2E,e2e binary,icebuf-ftdi-sim options): make test-hw's tests
# (E2E_HW) through the virtual FT2232H in front of the iCEstick top; traffic
# on the top with the test modes, then on the one without.
FTDI_E2E = $(FTDI_SIM) $(2) -- $(1) info && $(FTDI_SIM) $(2) -- $(1) corrupt && \
    $(FTDI_SIM) $(2) -- $(1) loopback && \
    ICEBUF_TEST_MODES=1 $(FTDI_SIM) $(2) --sim $(BUILD)/bin/icebuf-sim-testmodes -- $(1) traffic && \
    ICEBUF_TEST_MODES=0 $(FTDI_SIM) $(2) -- $(1) traffic
# ... and in front of the iCEBreaker top (12 Mbaud, test modes built in).
FTDI_E2E_IB = $(FTDI_SIM) --board icebreaker -- $(1) info && \
    ICEBUF_TEST_MODES=1 $(FTDI_SIM) --board icebreaker --sim $(BUILD)/bin/icebuf-sim-icebreaker-testmodes -- $(1) traffic && \
    $(FTDI_SIM) --board icebreaker -- $(1) corrupt && $(FTDI_SIM) --board icebreaker -- $(1) loopback

FTDI_SIMS := $(FTDI_SIM) $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf-sim-testmodes $(BUILD)/bin/icebuf-sim-icebreaker \
             $(BUILD)/bin/icebuf-sim-icebreaker-testmodes
TESTS += test-ftdi-e2e test-ftdi-e2e-icebreaker test-ftdi-cli test-ftdi-asan
test-ftdi-e2e: $(E2E_BIN) $(FTDI_SIMS)
	@ICEBUF_DEVICE=ftdi:// scripts/runtest ftdi-e2e sh -c '$(call FTDI_E2E,$(E2E_BIN))'
test-ftdi-e2e-icebreaker: $(E2E_BIN) $(FTDI_SIMS)
	@ICEBUF_DEVICE=ftdi:// scripts/runtest ftdi-e2e-icebreaker sh -c '$(call FTDI_E2E_IB,$(E2E_BIN))'
test-ftdi-cli: $(BUILD)/bin/icebuf $(BUILD)/tests/ftdi_open $(BUILD)/tests/ftdi_poll $(FTDI_SIMS)
	@scripts/runtest ftdi-cli tests/e2e/ftdi.sh $(BUILD)/bin/icebuf $(BUILD)/tests/ftdi_open
test-ftdi-asan: $(BUILD)/tests/e2e_asan $(BUILD)/tests/icebuf_asan $(BUILD)/tests/ftdi_open_asan \
               $(BUILD)/tests/ftdi_poll_asan $(FTDI_SIMS)
	@ICEBUF_DEVICE=ftdi:// scripts/runtest ftdi-asan sh -c '$(call FTDI_E2E,$(BUILD)/tests/e2e_asan) && \
	    $(FTDI_SIM) --board icebreaker -- $(BUILD)/tests/e2e_asan loopback && \
	    tests/e2e/ftdi.sh $(BUILD)/tests/icebuf_asan $(BUILD)/tests/ftdi_open_asan'

# Longer, not in `make test`: 16 MB through bit errors at 1e-5 over ftdi://.
test-ftdi-16m: $(BUILD)/bin/icebuf $(FTDI_SIMS)
	@scripts/runtest ftdi-16m $(FTDI_SIM) --ber 1e-5 --seed 5 --stats -- $(BUILD)/bin/icebuf -q \
	    --device ftdi:// loopback --bytes 16M
.PHONY: test-ftdi-e2e test-ftdi-e2e-icebreaker test-ftdi-cli test-ftdi-asan test-ftdi-16m

# make bench: ftdi:// link efficiency beside bench-link's sim:// figures.
BENCHES += bench-ftdi
bench-ftdi: $(BUILD)/bin/icebuf $(FTDI_SIMS)
	@mkdir -p $(BENCH_PARTS) && scripts/bench-ftdi >$(BENCH_PARTS)/ftdi.txt
