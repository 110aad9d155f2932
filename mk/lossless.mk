# "Nothing is lost" (tests/e2e/lossless.c): unread data stays on the board,
# hostile peers, time-outs. Each case is a test of its own.

LOSSLESS_BIN := $(BUILD)/tests/lossless
LOSSLESS     := partial killed stdclosed nakflood smallmtu busy spawn tty counters

# The fake boards' protocol and the shared checks: tests/e2e/fakeboard.c.
$(LOSSLESS_BIN): tests/e2e/lossless.c tests/e2e/fakeboard.c tests/e2e/fakeboard.h $(LIBICEBUF_A) host/include/icebuf.h \
                 host/src/icebuf_private.h host/src/codec.h mk/lossless.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ tests/e2e/lossless.c tests/e2e/fakeboard.c $(LIBICEBUF_A) $(HOST_LIBS)

TESTS += $(addprefix test-lossless-,$(LOSSLESS))
$(addprefix test-lossless-,$(LOSSLESS)): test-lossless-%: $(LOSSLESS_BIN) $(BUILD)/bin/icebuf-sim $(BUILD)/bin/icebuf
	@ICEBUF_SIM=$(BUILD)/bin/icebuf-sim ICEBUF_CLI=$(BUILD)/bin/icebuf scripts/runtest lossless-$* $(LOSSLESS_BIN) $*
.PHONY: $(addprefix test-lossless-,$(LOSSLESS))

# link_tx never releases a frame it has not sent whole, whatever the host
# acknowledges (Yosys `sat` k-induction, tests/formal/link_tx.ys).
TESTS += test-formal-link-tx
.PHONY: test-formal-link-tx
test-formal-link-tx:
	@scripts/runtest formal-link-tx tests/formal/link_tx_formal
