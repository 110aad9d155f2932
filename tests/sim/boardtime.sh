#!/bin/bash
# The host on the board's clock (docs/sim.md): the verdict of the end-to-end
# tests must not depend on how fast the simulator runs.
#   slow     a simulator throttled to 0.05 x real time (--speed 0.05): the
#            e2e info, corrupt and gateware tests, a loopback, and a loopback
#            through faults at 1e-4; every time-out is board time, so none
#            fires early
#   crowd    six virtual boards at once on the machine's cores, three of them
#            with faults at 1e-4: every loopback intact
#   sigstop  a simulator frozen with SIGSTOP mid-transfer: the tool fails
#            within a bounded wall time, saying the board's clock stopped
# Run from the repository root: scripts/runtest sim-boardtime tests/sim/boardtime.sh MODE
set -u
bin=${BUILD:-build}/bin
e2e=${BUILD:-build}/tests/e2e
mode=${1:?usage: boardtime.sh slow|crowd|sigstop}
tmp=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill -CONT "$p" 2>/dev/null; kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
export ICEBUF_DEVICE=sim ICEBUF_SIM=$bin/icebuf-sim

# loop NAME BYTES [SIM OPTIONS…]: a loopback on a spawned board, intact, its
# rate in board time.
loop() {
    local name=$1 bytes=$2; shift 2
    ICEBUF_SIM_ARGS="$*" "$bin/icebuf" -q --device sim loopback --bytes "$bytes" >"$tmp/$name.out" 2>"$tmp/$name.err"
    local rc=$?
    echo "$name ($*): $(cat "$tmp/$name.out") $(tail -n 2 "$tmp/$name.err")"
    [ $rc = 0 ] || { fail "$name: exit $rc"; return; }
    grep -Eq "^loopback: $bytes bytes in .*, 0 errors, .*\(board time\)$" "$tmp/$name.out" ||
        fail "$name: unexpected summary"
}

case $mode in
slow)
    for t in info corrupt gateware; do
        ICEBUF_SIM_ARGS="--speed 0.05" "$e2e" $t || fail "e2e $t at 0.05 x real time"
    done
    loop slow 60000 --speed 0.05
    loop slow-faults 20000 --speed 0.05 --ber 1e-4 --drop 1e-4 --garbage 1e-4 --seed 7
    ;;
crowd)
    bytes=200000
    for i in 1 2 3 4 5 6; do
        if [ $i -le 3 ]; then
            loop crowd$i $((bytes / 4)) --fast --ber 1e-4 --drop 1e-4 --garbage 1e-4 --seed $i &
        else
            loop crowd$i $bytes --speed 1 &
        fi
        pids="$pids $!"
    done
    for p in $pids; do wait "$p"; done
    pids=
    # The subshells' verdicts are in their output.
    for i in 1 2 3 4 5 6; do
        [ $i -le 3 ] && n=$((bytes / 4)) || n=$bytes
        grep -Eq "^loopback: $n bytes in .*, 0 errors, .*\(board time\)$" "$tmp/crowd$i.out" ||
            fail "crowd$i did not finish intact"
    done
    ;;
sigstop)
    "$bin/icebuf-sim" --listen 127.0.0.1:0 >"$tmp/sim.out" 2>"$tmp/sim.err" &
    simpid=$!
    pids=$simpid
    for _ in $(seq 100); do [ -s "$tmp/sim.out" ] && break; sleep 0.1; done
    port=$(sed -n 's/^icebuf-sim: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/sim.out")
    [ -n "$port" ] || { fail "icebuf-sim did not start"; exit 1; }
    [ -e /dev/shm/icebuf-sim-127.0.0.1-$port ] || fail "no clock page /dev/shm/icebuf-sim-127.0.0.1-$port"
    "$bin/icebuf" -q --device sim://127.0.0.1:$port loopback --bytes 100M >/dev/null 2>"$tmp/err" &
    cli=$!
    sleep 2
    kill -STOP $simpid
    start=$(date +%s)
    wait $cli; rc=$?
    took=$(( $(date +%s) - start ))
    echo "frozen board: exit $rc after $took s: $(cat "$tmp/err")"
    [ $rc -ne 0 ] || fail "the tool exited 0 on a frozen board"
    grep -q "clock has not moved for .* is stopped" "$tmp/err" || fail "no clear message"
    # 5 s without a clock tick, plus slack for a loaded machine.
    [ $took -le 15 ] || fail "took $took s to notice"
    kill -CONT $simpid; kill $simpid; wait $simpid
    pids=
    [ -e /dev/shm/icebuf-sim-127.0.0.1-$port ] && fail "the clock page outlived the simulator"
    ;;
*) echo "unknown mode $mode"; exit 2 ;;
esac
[ $fails = 0 ] && echo "boardtime $mode: ok"
exit $((fails > 0))
