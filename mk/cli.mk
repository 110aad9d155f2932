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
	@echo; echo "== a virtual iCEBreaker plays 4 s of video on its DVI output: icebuf --device sim play"; echo
	@rm -rf $(BUILD)/demo && mkdir -p $(BUILD)/demo/frames
	@ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc2=size=320x240:rate=30 -t 4 -pix_fmt yuv420p \
	    -f yuv4mpegpipe $(BUILD)/demo/clip.y4m
	@ICEBUF_SIM=$(BUILD)/bin/icebuf-sim-icebreaker \
	    ICEBUF_SIM_ARGS="--fast --frames $(BUILD)/demo/frames --frame-log $(BUILD)/demo/frames.log" \
	    $(BUILD)/bin/icebuf --device sim play $(BUILD)/demo/clip.y4m
	@ffmpeg -nostdin -loglevel error -y -pattern_type glob -i '$(BUILD)/demo/frames/*.png' \
	    -vf "select='gte(n\,1)*not(mod(n-1\,10))',scale=320:240:flags=neighbor,tile=4x3:padding=4:color=white" \
	    -frames:v 1 $(BUILD)/demo/contact-sheet.png
	@ffmpeg -nostdin -loglevel error -y -pattern_type glob -framerate 30 -i '$(BUILD)/demo/frames/*.png' \
	    -vf "scale=320:240:flags=neighbor,split[a][b];[a]palettegen[p];[b][p]paletteuse" $(BUILD)/demo/playback.gif
	@echo; echo "The monitor on the DVI pins kept $$(ls $(BUILD)/demo/frames | wc -l) pictures, each as it first"
	@echo "appeared (named by its simulated time, in µs): $(BUILD)/demo/frames/, logged in"
	@echo "$(BUILD)/demo/frames.log (the first picture is the screen before the first frame)."
	@echo "At a glance: $(BUILD)/demo/contact-sheet.png (every tenth frame),"
	@echo "$(BUILD)/demo/playback.gif (all of them, at 30 fps)."
.PHONY: demo
