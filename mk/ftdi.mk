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
