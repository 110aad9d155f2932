#!/bin/bash
# video_ffmpeg.sh PIPE OUTDIR: ffmpeg's test source through the host's video
# pipeline (tests/host/video_pipe.c): every frame converted, encoded, decoded
# back equal, at 160x120 and 320x240, from a pipe and through the ffmpeg
# child; and the errors when ffmpeg is missing or fails, or y4m is cut short.
# Leaves PNGs of the first frames in OUTDIR to look at.
# SPDX-License-Identifier: MIT
set -u
pipe=$1 out=$2
fail=0
mkdir -p "$out"
rm -f "$out"/*.ppm "$out"/*.png
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
command -v ffmpeg >/dev/null || { echo "ffmpeg is not installed: make deps"; exit 1; }

src() { ffmpeg -nostdin -loglevel error -f lavfi -i testsrc=size=320x240:rate=30 -t "$1" -pix_fmt yuv420p \
        -f yuv4mpegpipe -; }

src 2 | "$pipe" - --min-frames 60 --ppm "$out" --frames 3 >"$out/160.log" 2>&1
rc=$?
cat "$out/160.log"
check "160x120 from a pipe: exit 0" "[ $rc -eq 0 ]"
check "160x120: 60 frames, 2 s, none bad" "grep -q '^60 frames, .* 2.000 s, .* 0 bad' '$out/160.log'"
check "160x120: every frame RLE (smaller)" "grep -q '^60 frames, 60 RLE' '$out/160.log'"

src 2 | "$pipe" - --size 320x240 --min-frames 60 >"$out/320.log" 2>&1
rc=$?
tail -n 1 "$out/320.log"
check "320x240 from a pipe: 60 frames, none bad" "[ $rc -eq 0 ] && grep -q '^60 frames, .* 2.000 s, .* 0 bad' '$out/320.log'"

# Any video through the ffmpeg child: a lossless .mkv of the same source.
ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=320x240:rate=25 -t 1 -c:v ffv1 "$out/clip.mkv"
"$pipe" "$out/clip.mkv" --min-frames 25 >"$out/mkv.log" 2>&1
rc=$?
tail -n 1 "$out/mkv.log"
check "an .mkv through ffmpeg: 25 frames at 25 fps" "[ $rc -eq 0 ] && grep -q '^25 frames, .* 1.000 s, .* 0 bad' '$out/mkv.log'"

ICEBUF_FFMPEG=/nonexistent/ffmpeg "$pipe" "$out/clip.mkv" >"$out/missing.log" 2>&1
rc=$?
cat "$out/missing.log"
check "ffmpeg missing: exit 1, says to install it" "[ $rc -eq 1 ] && grep -q 'not installed' '$out/missing.log'"

: >"$out/junk.bin"   # empty: no demuxer takes it
"$pipe" "$out/junk.bin" >"$out/junk.log" 2>&1
rc=$?
cat "$out/junk.log"
check "not a video: ffmpeg fails, exit 1, says so" "[ $rc -eq 1 ] && grep -q 'ffmpeg failed' '$out/junk.log'"

src 1 | head -c 400000 | "$pipe" - >"$out/cut.log" 2>&1
rc=$?
tail -n 2 "$out/cut.log"
check "y4m cut short: exit 1, names the frame" "[ $rc -eq 1 ] && grep -q 'input ends inside frame 4' '$out/cut.log'"

for f in "$out"/frame*.ppm; do
	ffmpeg -nostdin -loglevel error -y -i "$f" -vf scale=iw*4:ih*4:flags=neighbor "${f%.ppm}.png" || fail=1
done
exit $fail
