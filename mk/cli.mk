# The icebuf command-line tool and `make demo`.

$(BUILD)/bin/icebuf: host/cli/icebuf.c host/include/icebuf.h $(LIBICEBUF_A)
	@mkdir -p $(dir $@)
	$(CC) $(HOST_CFLAGS) -o $@ $< $(LIBICEBUF_A) $(HOST_LIBS)

host: $(BUILD)/bin/icebuf
