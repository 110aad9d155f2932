# The icebuf command-line tool and `make demo`.

CLI_SRCS := host/cli/icebuf.c host/cli/keys.c host/cli/play.c

$(BUILD)/bin/icebuf: $(CLI_SRCS) host/cli/keys.h host/cli/play.h host/cli/regnames.h host/include/icebuf.h host/include/icebuf_regs.h $(LIBICEBUF_A)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $(CLI_SRCS) $(LIBICEBUF_A) $(HOST_LIBS)

host: $(BUILD)/bin/icebuf

# make demo: the main job on the virtual board, explained.
demo: deps
	@$(MAKE) --no-print-directory host sim
	@echo; echo "== icebuf --device sim info"; echo
	@$(BUILD)/bin/icebuf --device sim info | tee $(BUILD)/demo-info.txt
	@echo; echo "== icebuf --device sim loopback --bytes 1000000"; echo
	@$(BUILD)/bin/icebuf --device sim loopback --bytes 1000000 | tee $(BUILD)/demo-loopback.txt
	@scripts/demo-explain $(BUILD)/demo-info.txt $(BUILD)/demo-loopback.txt
	@echo; echo "== a virtual iCEBreaker whose PS/2 keyboard types 'icebuf': icebuf --device sim keys"; echo
	@ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-icebreaker ICEBUF_SIM_ARGS="--type icebuf" \
	    $(BUILD)/bin/icebuf --device sim keys --count 12
.PHONY: demo
