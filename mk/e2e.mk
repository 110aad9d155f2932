# End-to-end tests: written once against libicebuf, run on the virtual board
# by `make test` and on a real board by `make test-hw ICEBUF_DEVICE=ftdi://`.

E2E_BIN := $(BUILD)/tests/e2e
SIMS    := $(BUILD)/bin/icebuf-sim $(BUILD)/tests/icebuf-sim-badver $(BUILD)/tests/icebuf-sim-badid

# The checks (check_open(), check_reg()) are tests/e2e/fakeboard.c's.
$(E2E_BIN): tests/e2e/e2e.c tests/e2e/fakeboard.c tests/e2e/fakeboard.h $(LIBICEBUF_A) host/include/icebuf.h \
            host/src/icebuf_private.h mk/e2e.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ tests/e2e/e2e.c tests/e2e/fakeboard.c $(LIBICEBUF_A) $(HOST_LIBS)

E2E_HW := info loopback corrupt traffic
TESTS += $(addprefix test-e2e-,$(E2E_HW)) test-e2e-gateware test-cli
$(addprefix test-e2e-,$(filter-out traffic,$(E2E_HW))): test-e2e-%: $(E2E_BIN) $(SIMS)
	@ICEBUF_DEVICE=sim scripts/runtest e2e-$* $(E2E_BIN) $*
# The test modes on the iCEstick top that has them, then their absence
# (TRAFFIC refused, loopback intact) on the one that is the bitstream.
test-e2e-traffic: $(E2E_BIN) $(SIMS) $(BUILD)/bin/icebuf-sim-testmodes
	@ICEBUF_DEVICE=sim scripts/runtest e2e-traffic sh -c \
	    'ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-testmodes ICEBUF_TEST_MODES=1 $< traffic && ICEBUF_TEST_MODES=0 $< traffic'
test-e2e-gateware: $(E2E_BIN) $(SIMS)
	@scripts/runtest e2e-gateware $(E2E_BIN) gateware
test-cli: $(BUILD)/bin/icebuf $(SIMS)
	@scripts/runtest cli tests/e2e/cli.sh

# The same tests on a real board: make test-hw ICEBUF_DEVICE=ftdi://
test-hw: $(E2E_BIN)
	@[ -n "$(ICEBUF_DEVICE)" ] || { echo "test-hw: say which board: make test-hw ICEBUF_DEVICE=ftdi://" >&2; exit 2; }
	@rm -rf $(BUILD)/tests/results
	@for t in $(E2E_HW); do ICEBUF_DEVICE="$(ICEBUF_DEVICE)" scripts/runtest e2e-$$t $(E2E_BIN) $$t; done
	@scripts/testsummary $(addprefix e2e-,$(E2E_HW))
.PHONY: test-hw test-e2e-16m

# The same end-to-end tests on the iCEBreaker's top: PLL, two clock domains,
# 12 Mbaud.
TESTS += test-e2e-icebreaker
test-e2e-icebreaker: $(E2E_BIN) $(BUILD)/bin/icebuf-sim-icebreaker $(BUILD)/bin/icebuf-sim-icebreaker-testmodes
	@ICEBUF_DEVICE=sim ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-icebreaker scripts/runtest e2e-icebreaker \
	    sh -c '$< info && ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-icebreaker-testmodes ICEBUF_TEST_MODES=1 $< traffic && \
	           $< corrupt && $< loopback'
.PHONY: test-e2e-icebreaker

# tty: through a pseudo-terminal that socat joins to a virtual board.
TESTS += test-tty
test-tty: $(E2E_BIN) $(BUILD)/bin/icebuf $(BUILD)/bin/icebuf-sim
	@scripts/runtest tty tests/e2e/tty.sh
.PHONY: test-tty

TESTS += test-e2e-faults test-e2e-16m
test-e2e-16m: $(BUILD)/bin/icebuf $(BUILD)/bin/icebuf-sim
	@scripts/runtest e2e-16m tests/e2e/long.sh
test-e2e-faults: $(E2E_BIN) $(BUILD)/bin/icebuf $(BUILD)/bin/icebuf-sim
	@scripts/runtest e2e-faults tests/e2e/faults.sh

# The link engine under AddressSanitizer and UndefinedBehaviorSanitizer:
# the end-to-end tests built with the library's sources instrumented.
$(BUILD)/tests/e2e_asan: tests/e2e/e2e.c tests/e2e/fakeboard.c tests/e2e/fakeboard.h $(LIB_SRCS) $(LIB_HDRS) mk/e2e.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) $(SAN_FLAGS) -o $@ tests/e2e/e2e.c tests/e2e/fakeboard.c $(LIB_SRCS) $(HOST_LIBS)
TESTS += test-e2e-asan
test-e2e-asan: $(BUILD)/tests/e2e_asan $(SIMS) $(BUILD)/bin/icebuf-sim-testmodes
	@ICEBUF_DEVICE=sim scripts/runtest e2e-asan sh -c '$< info && $< corrupt && $< traffic && $< gateware && $< loopback && \
	    ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-testmodes ICEBUF_TEST_MODES=1 $< traffic'
