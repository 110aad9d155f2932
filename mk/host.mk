# libicebuf (static and shared) and its pkg-config file.

ICEBUF_VERSION := 1.0.0
PREFIX      ?= /usr/local
HOST_WFLAGS := -std=c11 -Wall -Wextra -Werror -D_GNU_SOURCE
FTDI_CFLAGS := $(shell pkg-config --cflags libftdi1 2>/dev/null)
FTDI_LIBS   := $(shell pkg-config --libs libftdi1 2>/dev/null)
HOST_CFLAGS := $(HOST_WFLAGS) -O2 -g -Ihost/include -Ihost/src
HOST_LIBS   := $(FTDI_LIBS)
LIB_SRCS    := $(wildcard host/src/*.c)
LIB_HDRS    := $(wildcard host/src/*.h) host/include/icebuf.h host/include/icebuf_regs.h
LIBICEBUF_A := $(BUILD)/lib/libicebuf.a
LIBICEBUF_SO := $(BUILD)/lib/libicebuf.so.1
LIB_OBJS    := $(patsubst host/src/%.c,$(BUILD)/obj/lib/%.o,$(LIB_SRCS))

$(BUILD)/obj/lib/%.o: host/src/%.c $(LIB_HDRS) mk/host.mk
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) -fPIC -fvisibility=hidden -c $< -o $@

$(LIBICEBUF_A): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(LIBICEBUF_SO): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -Wl,-soname,libicebuf.so.1 -o $@ $^ $(HOST_LIBS)
	ln -sf libicebuf.so.1 $(BUILD)/lib/libicebuf.so

$(BUILD)/lib/pkgconfig/icebuf.pc: host/icebuf.pc.in mk/host.mk
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(ICEBUF_VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(HOST_LIBS)|' $< >$@

host-lib: $(LIBICEBUF_A) $(LIBICEBUF_SO) $(BUILD)/lib/pkgconfig/icebuf.pc
host: host-lib
.PHONY: host host-lib

install: host sim
	install -d $(DESTDIR)$(PREFIX)/lib/pkgconfig $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin
	install -m 644 $(LIBICEBUF_A) $(DESTDIR)$(PREFIX)/lib/
	install -m 755 $(LIBICEBUF_SO) $(DESTDIR)$(PREFIX)/lib/
	ln -sf libicebuf.so.1 $(DESTDIR)$(PREFIX)/lib/libicebuf.so
	install -m 644 host/include/icebuf.h host/include/icebuf_regs.h $(DESTDIR)$(PREFIX)/include/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(ICEBUF_VERSION)|' \
	    -e 's|@LIBS_PRIVATE@|$(HOST_LIBS)|' host/icebuf.pc.in >$(DESTDIR)$(PREFIX)/lib/pkgconfig/icebuf.pc
	install -m 755 $(BUILD)/bin/icebuf $(BUILD)/bin/icebuf-sim $(DESTDIR)$(PREFIX)/bin/

# ---- host unit tests, plain and under AddressSanitizer + UndefinedBehaviorSanitizer
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
$(BUILD)/tests/host_unit: tests/host/test_unit.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) -o $@ tests/host/test_unit.c $(LIB_SRCS) $(HOST_LIBS)
$(BUILD)/tests/host_unit_asan: tests/host/test_unit.c $(LIB_SRCS) $(LIB_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) $(FTDI_CFLAGS) $(SAN_FLAGS) -o $@ tests/host/test_unit.c $(LIB_SRCS) $(HOST_LIBS)
$(BUILD)/tests/fuzz_frame: tests/host/fuzz_frame.c host/src/codec.c host/src/codec.h
	@mkdir -p $(dir $@)
	clang $(HOST_WFLAGS) -O1 -g -Ihost/src -fsanitize=fuzzer,address,undefined -o $@ tests/host/fuzz_frame.c host/src/codec.c

TESTS += test-host-unit test-host-unit-asan test-host-fuzz
test-host-unit: $(BUILD)/tests/host_unit
	@scripts/runtest host-unit $<
test-host-unit-asan: $(BUILD)/tests/host_unit_asan
	@scripts/runtest host-unit-asan $<
test-host-fuzz: $(BUILD)/tests/fuzz_frame
	@mkdir -p $(BUILD)/fuzz/corpus
	@scripts/runtest host-fuzz $< -max_total_time=20 -seed=1 -max_len=2100 $(BUILD)/fuzz/corpus

fuzz: $(BUILD)/tests/fuzz_frame
	@mkdir -p $(BUILD)/fuzz/corpus
	$< -max_total_time=600 -max_len=2100 $(BUILD)/fuzz/corpus
.PHONY: fuzz
