#!/bin/sh
# The keyboard end to end on the virtual iCEBreaker (tests/e2e/kbd.c): the
# model types "hello world" once the keyboard is initialised and a host is
# connected; the test reads and decodes channel 2's records, reads the
# window's registers and writes the LEDs, which the harness must report; then
# a keyboard unplugged and plugged back in is initialised again.
# Run from the repository root: scripts/runtest kbd-e2e tests/e2e/kbd.sh
set -u
. "$(dirname "$0")/../../scripts/sim-listen.sh"
sim=${BUILD:-build}/bin/icebuf-sim-icebreaker
kbd=${BUILD:-build}/tests/kbd_e2e
tmp=$(mktemp -d)
simpid=
trap '[ -n "$simpid" ] && kill $simpid 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

start_sim() {
    sim_listen "$tmp/sim.out" "$tmp/sim.err" "$sim" --once --fast --stats "$@" ||
        { fail "icebuf-sim did not start: $(cat "$tmp/sim.err")"; exit 1; }
}
stop_sim() {
    kill -INT $simpid 2>/dev/null; wait $simpid; simpid=
    sed 's/^/  sim: /' "$tmp/sim.err"
}

# Typed text, registers, LEDs.
start_sim --type "hello world" --seed 5
ICEBUF_DEVICE=sim://127.0.0.1:$port timeout 900 "$kbd" type "hello world" || fail "kbd type"
stop_sim
grep -q "keyboard types 11 characters" "$tmp/sim.err" || fail "the model did not type"
grep -q "keyboard LEDs 0x5 (scroll caps)" "$tmp/sim.err" || fail "the LED write did not reach the model"
grep -q "keyboard: LEDs 0x5 (scroll caps)" "$tmp/sim.err" || fail "--stats does not show the model's LEDs"

# The same text from a key script (--keys), at the slowest keyboard clock:
# typed from 100 ms of board time on, whether or not a host is there yet.
printf '# a key script\n100 type hello world\n' >"$tmp/keys"
start_sim --keys "$tmp/keys" --kbd-clock 10000 --seed 7
ICEBUF_DEVICE=sim://127.0.0.1:$port timeout 900 "$kbd" type "hello world" || fail "kbd type from --keys"
stop_sim

# Unplugged at 0.3 s, plugged back in at 1.6 s of board time.
start_sim --kbd-unplug-at 300 --kbd-replug-at 1600 --seed 6
ICEBUF_DEVICE=sim://127.0.0.1:$port timeout 900 "$kbd" replug || fail "kbd replug"
stop_sim
grep -q "keyboard unplugged at 0.300" "$tmp/sim.err" || fail "not unplugged"
grep -q "keyboard plugged in at 1.600" "$tmp/sim.err" || fail "not plugged in again"
# LEDs 0x2 set before the unplug, sent again after it.
[ "$(grep -c 'keyboard LEDs 0x2 (num)' "$tmp/sim.err")" -ge 1 ] || fail "LEDs not restored on the model"

# Bad options: a clear message and exit 2.
"$sim" --kbd-faults bogus >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "kbd-faults" "$tmp/err" || fail "--kbd-faults bogus: exit $rc, $(cat "$tmp/err")"
"$sim" --keys /nonexistent >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "cannot open" "$tmp/err" || fail "--keys /nonexistent: exit $rc, $(cat "$tmp/err")"
"$sim" --kbd-log /nonexistent/kbd.log >/dev/null 2>"$tmp/err"; rc=$?
[ $rc = 2 ] && grep -q "kbd-log: cannot write" "$tmp/err" || fail "--kbd-log /nonexistent/kbd.log: exit $rc, $(cat "$tmp/err")"
echo "keyboard e2e: $fails failed"
[ $fails = 0 ]
