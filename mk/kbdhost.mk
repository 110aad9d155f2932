# The keyboard's host side (docs/keyboard.md, docs/cli.md): libicebuf's key
# calls, `icebuf keys` / `leds` / `info`, and `keys --uinput` against an
# emulated /dev/uinput (an LD_PRELOAD shim, tests/kbd/uinput_shim.c), all on
# a fake board with the keyboard (tests/kbd/kbd_e2e.c); the library and the
# tool under AddressSanitizer and UBSan.
#   make test-kbd-host

KBD_E2E   := $(BUILD)/tests/kbd_e2e_asan
KBD_SHIM  := $(BUILD)/tests/uinput_shim.so
KBD_CLI_ASAN := $(BUILD)/tests/icebuf_asan       # mk/ftdi.mk's rule: the tool, sanitized
KBD_CASES := decode lossless unsupported leds cli uinput

# The fake board's link and register replies, and the checks: tests/e2e/fakeboard.c.
KBD_FAKEBOARD := tests/e2e/fakeboard.c tests/e2e/fakeboard.h

$(KBD_E2E): tests/kbd/kbd_e2e.c $(KBD_FAKEBOARD) $(LIB_SRCS) $(LIB_HDRS) mk/kbdhost.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -Itests/e2e $(FTDI_CFLAGS) $(SAN_FLAGS) -o $@ tests/kbd/kbd_e2e.c tests/e2e/fakeboard.c \
	    $(LIB_SRCS) $(HOST_LIBS)
$(KBD_SHIM): tests/kbd/uinput_shim.c mk/kbdhost.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_WFLAGS) -O1 -fPIC -shared -o $@ $< -ldl

# The tool runs under ASan with the shim preloaded: the shim goes after
# ASan's runtime (LD_PRELOAD lists both), and ASan's check that it comes
# first is off.
KBD_ENV := ICEBUF_CLI=$(KBD_CLI_ASAN) ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=1

# A copy of the library that releases a record after its first event, not
# its last, must fail `lossless`.
KBD_BROKEN := $(BUILD)/tests/kbd_broken/kbd_e2e
$(KBD_BROKEN): tests/kbd/kbd_e2e.c $(KBD_FAKEBOARD) $(LIB_SRCS) $(LIB_HDRS) mk/kbdhost.mk
	@mkdir -p $(dir $@)
	sed 's/if (k->ipend == k->npend) {/if (k->ipend == 1) {/' host/src/keyboard.c >$(dir $@)keyboard.c
	! cmp -s host/src/keyboard.c $(dir $@)keyboard.c
	$(CC) $(HOST_CFLAGS) -Itests/e2e $(FTDI_CFLAGS) -o $@ tests/kbd/kbd_e2e.c tests/e2e/fakeboard.c \
	    $(filter-out host/src/keyboard.c,$(LIB_SRCS)) $(dir $@)keyboard.c $(HOST_LIBS)

TESTS += test-kbd-host
test-kbd-host: $(KBD_E2E) $(KBD_CLI_ASAN) $(KBD_SHIM) $(KBD_BROKEN)
	@$(KBD_ENV) scripts/runtest kbd-host sh -c 'for t in $(filter-out uinput,$(KBD_CASES)); do $(KBD_E2E) $$t || exit 1; done; \
	    $(KBD_E2E) uinput "$$($(CC) -print-file-name=libasan.so):$(abspath $(KBD_SHIM))" || exit 1; \
	    if $(KBD_BROKEN) lossless >/dev/null 2>&1; then echo "a library releasing records early passed"; exit 1; \
	    else echo "a library releasing records early: caught"; fi'
.PHONY: test-kbd-host
