#!/bin/bash
# A loopback through the real host library while the virtual FTDI's side
# toward the host stalls at random (icebuf-sim --stall): every byte must come
# back intact, and the harness must have stalled (its --stats say so).
# Run from the repository root: scripts/runtest sim-stall tests/sim/stall.sh
set -u
bin=${BUILD:-build}/bin
bytes=300000
tmp=$(mktemp -d)
simpid= lbpid=
cleanup() {
    for p in $lbpid $simpid; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
die() { echo "FAIL: $*"; [ -s "$tmp/sim.err" ] && sed 's/^/  sim: /' "$tmp/sim.err"; exit 1; }

for f in "$bin/icebuf-sim" "$bin/icebuf"; do [ -x "$f" ] || die "$f is not built"; done

"$bin/icebuf-sim" --listen 127.0.0.1:0 --stall --stats --seed 3 >"$tmp/sim.out" 2>"$tmp/sim.err" &
simpid=$!
for _ in $(seq 100); do
    [ -s "$tmp/sim.out" ] && break
    kill -0 "$simpid" 2>/dev/null || die "icebuf-sim exited before listening"
    sleep 0.1
done
line=$(head -n 1 "$tmp/sim.out")
[[ $line =~ ^icebuf-sim:\ listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] || die "no port line from icebuf-sim: '$line'"
port=${BASH_REMATCH[1]}
echo "icebuf-sim --stall listening on port $port"

start=$(date +%s)
# In the background, so that a signal to this script is handled at once.
timeout 25 "$bin/icebuf" --device "sim://127.0.0.1:$port" loopback --bytes "$bytes" >"$tmp/lb.out" 2>"$tmp/lb.err" &
lbpid=$!
wait $lbpid; rc=$?
lbpid=
took=$(( $(date +%s) - start ))
cat "$tmp/lb.out"
[ $rc = 0 ] || die "icebuf loopback --bytes $bytes exited $rc after ${took}s: $(tail -n 3 "$tmp/lb.err")"
# The summary line: N bytes in S s, R B/s, E errors, T retransmissions.
grep -Eq "^loopback: $bytes bytes in .*, 0 errors" "$tmp/lb.out" || die "unexpected summary: $(cat "$tmp/lb.out")"

kill -TERM "$simpid"
for _ in $(seq 50); do kill -0 "$simpid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$simpid" 2>/dev/null && die "icebuf-sim still running 5 s after SIGTERM"
wait "$simpid"; simrc=$?
simpid=
[ $simrc = 0 ] || die "icebuf-sim exited $simrc after SIGTERM"
cat "$tmp/sim.err"
stalls=$(sed -n 's/.*stalls \([0-9][0-9]*\) (.*/\1/p' "$tmp/sim.err")
[ -n "$stalls" ] || die "no stall count in icebuf-sim --stats"
[ "$stalls" -gt 0 ] || die "icebuf-sim --stall did not stall (stalls $stalls)"
up=$(sed -n 's/.*board->host \([0-9][0-9]*\),.*/\1/p' "$tmp/sim.err")
[ -n "$up" ] && [ "$up" -ge $bytes ] || die "the board sent ${up:-?} bytes to the host, fewer than the $bytes looped"
echo "sim-stall: $bytes bytes looped back intact in ${took}s through $stalls stalls"
