#!/bin/sh
# A key's latency while the stream channel runs flat out (tests/e2e/
# kbd_latency.c), on each virtual board with the keyboard: the iCEstick
# (3 Mbaud, built with KEYBOARD=1, which its HX1K has no room for) and the
# iCEBreaker (12 Mbaud). The model types keys at spread-out times and logs
# each byte's stop bit (--kbd-log); the host loops the stream back at full
# speed and reads the keys in the same event loop.
# The iCEstick's simulator is paced at 0.1 x real time: unpaced it runs at
# about 0.2 x, and a host descheduled for 20 ms of wall time on a busy
# machine would miss 4 ms of board time, which is the machine's latency,
# not the link's. The iCEBreaker's runs at 0.04 x unpaced.
# Run from the repository root: scripts/runtest kbd-latency tests/e2e/kbd_latency.sh
# Environment: BOUND_MS (worst latency allowed, 5), BENCH (set: print make
# bench's lines, prefixed kbd_latency_BOARD), ICESTICK_KEYS and
# ICEBREAKER_KEYS (keys typed, 100 and 40; 0 leaves the board out),
# ICESTICK_PACE and ICEBREAKER_PACE (the simulator's pace, "--speed 0.1"
# and --fast).
set -u
. "$(dirname "$0")/../../scripts/sim-listen.sh"
b=${BUILD:-build}
prog=$b/tests/kbd_latency
bound=${BOUND_MS:-5}
tmp=$(mktemp -d)
simpid=
trap '[ -n "$simpid" ] && kill $simpid 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# board simulator keys pace [attempt]
run() {
    name=$1 sim=$2 keys=$3 pace=$4 attempt=${5:-1}
    "$prog" script "$keys" 3 >"$tmp/$name.keys" || { fail "$name: no key script"; return; }
    if ! sim_listen "$tmp/sim.out" "$tmp/sim.err" "$sim" --once $pace --stats --seed 11 \
            --keys "$tmp/$name.keys" --kbd-log "$tmp/$name.log"; then
        fail "$name: icebuf-sim did not start: $(cat "$tmp/sim.err")"
        kill $simpid 2>/dev/null; wait $simpid; simpid=
        return
    fi
    echo "== $name: $sim $pace, $keys keys"
    ICEBUF_DEVICE=sim://127.0.0.1:$port BENCH=${BENCH:+kbd_latency_$name} timeout 600 \
        "$prog" run "$tmp/$name.log" "$keys" "$bound"
    rc=$?
    kill -INT $simpid 2>/dev/null; wait $simpid; simpid=
    sed 's/^/  sim: /' "$tmp/sim.err"
    # Over the bound while the host stood still (a busy machine): once more.
    if [ $rc = 3 ] && [ "$attempt" = 1 ]; then
        echo "== $name: the host was descheduled during the run; again"
        run "$@" 2
        return
    fi
    [ $rc = 0 ] || fail "$name: kbd_latency"
}
[ "${ICESTICK_KEYS:-100}" = 0 ] ||
    run icestick $b/tests/icebuf-sim-icestick-kbd "${ICESTICK_KEYS:-100}" "${ICESTICK_PACE:---speed 0.1}"
[ "${ICEBREAKER_KEYS:-40}" = 0 ] ||
    run icebreaker $b/bin/icebuf-sim-icebreaker "${ICEBREAKER_KEYS:-40}" "${ICEBREAKER_PACE:---fast}"
echo "keyboard latency: $fails failed"
[ $fails = 0 ]
