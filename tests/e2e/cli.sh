#!/bin/sh
# The icebuf tool end to end: bad arguments get a message and exit 2; a file
# sent into the board's buffer by one run comes back out in another; wrong
# gateware is refused with exit 1. Uses its own virtual board.
set -u
. "$(dirname "$0")/../../scripts/sim-listen.sh"
bin=${BUILD:-build}/bin
tmp=$(mktemp -d); trap 'kill $simpid 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS PATTERN CMD...: CMD exits with STATUS and says PATTERN on stderr.
expect() {
    want=$1; pat=$2; shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"; got=$?
    [ "$got" = "$want" ] || fail "$* exited $got, expected $want: $(cat "$tmp/err")"
    grep -q -- "$pat" "$tmp/err" || fail "$* did not say '$pat': $(cat "$tmp/err")"
}

unset ICEBUF_DEVICE
expect 2 "no device" "$bin/icebuf" info
expect 2 "unknown command" "$bin/icebuf" --device sim frobnicate
expect 2 "unknown or incomplete option" "$bin/icebuf" --frob info
expect 2 "no command" "$bin/icebuf" --device sim
expect 2 "--bytes" "$bin/icebuf" --device sim loopback
expect 2 "positive count" "$bin/icebuf" --device sim loopback --bytes -5
expect 2 "positive count" "$bin/icebuf" --device sim loopback --bytes 12xyz
# Blanks before a sign do not slip past the check (strtoull skips them).
expect 2 "positive count" "$bin/icebuf" --device sim loopback --bytes " -1"
expect 2 "positive count" "$bin/icebuf" --device sim recv --bytes " -1" -
expect 2 "not a 32-bit number" "$bin/icebuf" --device sim reg write SCRATCH " -18446744073709551615"
expect 2 "not a 32-bit number" "$bin/icebuf" --device sim reg write SCRATCH " 5"
expect 2 "milliseconds" "$bin/icebuf" --timeout " -18446744073709551615" --device sim info
expect 2 "baud" "$bin/icebuf" --baud " -1" --device sim info
expect 2 "baud" "$bin/icebuf" --device sim --baud fast info
expect 2 "cannot open" "$bin/icebuf" --device sim send "$tmp/missing"
touch "$tmp/exists"
expect 2 "--force" "$bin/icebuf" --device sim recv "$tmp/exists"
expect 2 "say how much" "$bin/icebuf" --device sim sink
expect 2 "from 1 to 536870911" "$bin/icebuf" --device sim source --bytes 600M
expect 2 "random or zeros" "$bin/icebuf" --device sim duplex --bytes 1k --pattern ones
expect 2 "source: takes no --seed" "$bin/icebuf" --device sim source --bytes 1k --seed 3
expect 2 "neither a register name" "$bin/icebuf" --device sim reg read NOPE
expect 2 "bad device" "$bin/icebuf" --device usb://x info
expect 2 "bad device" "$bin/icebuf" --device "sim://127.0.0.1: 4000" info
# A board that cannot be opened leaves no file behind, and the retry works.
expect 1 "cannot connect" "$bin/icebuf" --device sim://127.0.0.1:1 recv "$tmp/never.bin"
[ -e "$tmp/never.bin" ] && fail "a failed recv left '$tmp/never.bin' behind"
[ "$(grep -o 'sim://127.0.0.1:1' "$tmp/err" | wc -l)" = 1 ] || fail "the device is named more than once: $(cat "$tmp/err")"

expect 1 "has no test modes" "$bin/icebuf" --device sim sink --bytes 1k
"$bin/icebuf" --help >/dev/null || fail "--help"
"$bin/icebuf" loopback --help >/dev/null || fail "loopback --help"
for c in sink source duplex; do "$bin/icebuf" $c --help | grep -q "usage: icebuf $c" || fail "$c --help"; done

# send and recv through one virtual board, in separate runs.
sim_listen "$tmp/sim.out" "$tmp/sim.out" "$bin/icebuf-sim" || { fail "icebuf-sim did not start"; exit 1; }
dev=sim://127.0.0.1:$port
head -c 3000 /dev/urandom >"$tmp/in.bin"
"$bin/icebuf" -q --device "$dev" send "$tmp/in.bin" || fail "send"
level=$("$bin/icebuf" --device "$dev" reg read STREAM_LEVEL | awk '{print $2}')
[ "$level" = 3000 ] || fail "the board holds $level bytes, expected 3000"
# A writer that fails loses nothing: what it could not write stays on the board.
expect 1 "stays in the board's buffer" "$bin/icebuf" --device "$dev" recv --force /dev/full
level=$("$bin/icebuf" --device "$dev" reg read STREAM_LEVEL | awk '{print $2}')
[ "$level" = 3000 ] || fail "after a failing recv the board holds $level bytes, expected 3000"
"$bin/icebuf" -q --device "$dev" recv --bytes 3000 "$tmp/out.bin" || fail "recv"
cmp -s "$tmp/in.bin" "$tmp/out.bin" || fail "the file came back different"
# Bytes left in the buffer: loopback refuses and says what to do, touching
# nothing; --drain or `icebuf drain` empties it; an interrupted loopback
# takes its own bytes back.
stream_level() { "$bin/icebuf" --device "$dev" reg read STREAM_LEVEL | awk '{print $2}'; }
head -c 100 /dev/urandom >"$tmp/stray.bin"
"$bin/icebuf" -q --device "$dev" send "$tmp/stray.bin" || fail "send stray"
expect 1 "icebuf drain" "$bin/icebuf" -q --device "$dev" loopback --bytes 10000
[ "$(stream_level)" = 100 ] || fail "a refused loopback changed the buffer: $(stream_level) bytes"
"$bin/icebuf" -q --device "$dev" loopback --drain --bytes 10000 >"$tmp/out" 2>&1 || fail "loopback --drain: $(cat "$tmp/out")"
grep -q " 0 errors" "$tmp/out" || fail "loopback --drain: $(cat "$tmp/out")"
"$bin/icebuf" -q --device "$dev" loopback --bytes 100M >/dev/null 2>"$tmp/err" &
lp=$!
sleep 1
kill -INT $lp
wait $lp; rc=$?
[ $rc = 130 ] || fail "interrupted loopback exited $rc: $(cat "$tmp/err")"
grep -q "interrupted" "$tmp/err" || fail "interrupted loopback said: $(cat "$tmp/err")"
[ "$(stream_level)" = 0 ] || fail "an interrupted loopback left $(stream_level) bytes"
"$bin/icebuf" -q --device "$dev" send "$tmp/stray.bin" || fail "send stray"
"$bin/icebuf" --device "$dev" drain | grep -q "100 bytes discarded" || fail "drain"
[ "$(stream_level)" = 0 ] || fail "drain left $(stream_level) bytes"
# More than the buffer holds, with nobody reading: a clear error, exit 1.
head -c 10000 /dev/urandom >"$tmp/big.bin"
expect 1 "nobody is reading" "$bin/icebuf" --timeout 500 --device "$dev" send "$tmp/big.bin"
# ... which `icebuf copy` moves through the board in one program.
"$bin/icebuf" -q --device "$dev" drain >/dev/null || fail "drain after the refused send"
"$bin/icebuf" -q --device "$dev" copy "$tmp/big.bin" "$tmp/big.out" || fail "copy"
cmp -s "$tmp/big.bin" "$tmp/big.out" || fail "copy: the file came back different"
[ "$(stream_level)" = 0 ] || fail "copy left $(stream_level) bytes on the board"
expect 2 "--force" "$bin/icebuf" --device "$dev" copy "$tmp/big.bin" "$tmp/big.out"
kill $simpid

# Wrong gateware, through the tool.
ICEBUF_SIM=${BUILD:-build}/tests/icebuf-sim-badver expect 1 "gateware version 3.0.0" "$bin/icebuf" --device sim info
ICEBUF_SIM=${BUILD:-build}/tests/icebuf-sim-badid expect 1 "0x12345678" "$bin/icebuf" --device sim info
echo "cli tests: $fails failed"
[ $fails = 0 ]
