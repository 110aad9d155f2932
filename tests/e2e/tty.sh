#!/bin/sh
# tty: end to end. socat links a pseudo-terminal to a virtual board's socket,
# and the library talks to it through termios exactly as to ftdi_sio's
# /dev/ttyUSB1: raw mode, the baud rate (termios2), exclusive access, reads
# that find nothing yet, a port that goes away.
set -u
. "$(dirname "$0")/../../scripts/sim-listen.sh"
bin=${BUILD:-build}/bin
e2e=${BUILD:-build}/tests/e2e
tmp=$(mktemp -d)
simpid=; socatpid=
trap 'kill $socatpid $simpid 2>/dev/null; rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

sim_listen "$tmp/sim.out" "$tmp/sim.out" "$bin/icebuf-sim" || { echo "FAIL: icebuf-sim did not start"; exit 1; }

# One socat per session: it ends when the program closes the terminal.
link() {
    socat PTY,link="$tmp/tty",raw,echo=0 TCP:127.0.0.1:$port 2>"$tmp/socat.err" &
    socatpid=$!
    for i in $(seq 50); do [ -e "$tmp/tty" ] && break; sleep 0.1; done
    [ -e "$tmp/tty" ] || { echo "FAIL: socat made no terminal: $(cat "$tmp/socat.err")"; exit 1; }
}
unlink_tty() { kill $socatpid 2>/dev/null; wait $socatpid 2>/dev/null; socatpid=; rm -f "$tmp/tty"; }

link
ICEBUF_DEVICE=tty:$tmp/tty "$e2e" info || fail "e2e info over tty:"
unlink_tty

link
"$bin/icebuf" -q --device "tty:$tmp/tty" loopback --bytes 200k >"$tmp/loop" || fail "loopback over tty:"
cat "$tmp/loop"
unlink_tty

# Exclusive: a second program is refused while the first has the port.
link
"$bin/icebuf" -q --device "tty:$tmp/tty" loopback --bytes 2M >/dev/null 2>&1 &
first=$!
# Until the first one holds the terminal (an open descriptor on it), up to 10 s.
pts=$(readlink -f "$tmp/tty")
for i in $(seq 100); do ls -l /proc/$first/fd 2>/dev/null | grep -q " $pts\$" && break; sleep 0.1; done
sleep 0.2
"$bin/icebuf" --device "tty:$tmp/tty" info >/dev/null 2>"$tmp/err" && fail "a second program opened the port"
grep -q "in use by another program" "$tmp/err" || fail "no clear message for a busy port: $(cat "$tmp/err")"
# The port goes away under the first program: a clear error, soon.
unlink_tty
start=$(date +%s)
wait $first; rc=$?
took=$(( $(date +%s) - start ))
[ $rc -ne 0 ] || fail "the tool exited 0 when its port went away"
[ $took -le 10 ] || fail "took $took s to notice the port went away"

echo "tty tests: $fails failed"
[ $fails = 0 ]
