#!/bin/sh
# The link under faults on the wire: a virtual board that flips bits, drops
# and inserts bytes (seeded, reproducible) must still deliver every byte once,
# in order, intact; a board that dies mid-stream must give a clear error
# within seconds.
set -u
. "$(dirname "$0")/../../scripts/sim-listen.sh"
bin=${BUILD:-build}/bin
e2e=${BUILD:-build}/tests/e2e
tmp=$(mktemp -d); trap 'kill $simpid 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

start_sim() {
    sim_listen "$tmp/sim.out" "$tmp/sim.err" "$bin/icebuf-sim" --stats "$@" || { fail "icebuf-sim did not start"; exit 1; }
}

# Every byte of a 1 MB loopback through a faulty wire.
start_sim --ber 1e-5 --drop 1e-5 --garbage 1e-5 --seed 3
ICEBUF_DEVICE=sim://127.0.0.1:$port "$e2e" loopback || fail "loopback through faults"
kill -INT $simpid; wait $simpid
grep "faults:" "$tmp/sim.err"
grep -q "bits flipped [1-9]" "$tmp/sim.err" || fail "no faults were injected"

# The virtual board dies mid-stream: the tool stops within seconds, saying so.
start_sim
start=$(date +%s)
"$bin/icebuf" -q --device sim://127.0.0.1:$port loopback --bytes 100M >/dev/null 2>"$tmp/err" &
cli=$!
sleep 2
kill -9 $simpid
wait $cli; rc=$?
took=$(( $(date +%s) - start ))
[ $rc -ne 0 ] || fail "the tool exited 0 after the board died"
grep -q "closed the connection" "$tmp/err" || fail "no clear message: $(cat "$tmp/err")"
[ $took -le 10 ] || fail "took $took s to notice"
echo "board killed: the tool said: $(cat "$tmp/err")"

# The board is power-cycled mid-stream (everything on it starts afresh): it
# falls silent until a new session, and the host says so within seconds.
# Timed from the reset itself (the simulator reports it), not from the
# start: a loaded machine runs the board slower than real time before it.
start_sim --power-cycle 24000000
"$bin/icebuf" -q --device sim://127.0.0.1:$port loopback --bytes 100M >/dev/null 2>"$tmp/err" &
cli=$!
while kill -0 $cli 2>/dev/null && ! grep -q "power cycled" "$tmp/sim.err"; do sleep 0.1; done
start=$(date +%s)
wait $cli; rc=$?
took=$(( $(date +%s) - start ))
kill $simpid; wait $simpid 2>/dev/null
grep -q "power cycled" "$tmp/sim.err" || fail "the board was not power-cycled (the tool stopped first: $(cat "$tmp/err"))"
[ $rc -ne 0 ] || fail "the tool exited 0 across a board reset"
grep -q "stopped acknowledging" "$tmp/err" || fail "no clear message after the reset: $(cat "$tmp/err")"
# How long the host waited is in its message, on the board's clock (a loaded
# machine stretches wall time, not that); the wall bound only catches a hang.
quiet=$(sed -n 's/.*retransmissions over \([0-9.]*\) s of board time.*/\1/p' "$tmp/err")
[ -n "$quiet" ] || fail "the message does not say how long on the board's clock: $(cat "$tmp/err")"
awk -v q="${quiet:-99}" 'BEGIN { exit !(q <= 8) }' || fail "took $quiet s of board time to notice the reset"
[ $took -le 120 ] || fail "took $took s of wall time after the reset to notice it"
echo "board reset: the tool said: $(cat "$tmp/err")"
echo "fault tests: $fails failed"
[ $fails = 0 ]
