#!/bin/sh
# ftdi:// through the virtual FT2232H (icebuf-ftdi-sim): the icebuf tool's
# info, loopback, send and recv; a device chosen by serial number and by
# index; and each way of not getting a board, with its message and the error
# code icebuf.h promises: a wrong serial, no device, a busy one, a permission
# error, one unplugged mid-stream; and the handle's descriptor
# (icebuf_fileno) driving a loopback on both boards. $1: the icebuf tool,
# $2: ftdi_open (tests/e2e/ftdi_open.c; ftdi_poll, tests/e2e/ftdi_poll.c,
# is the program beside it named alike: ftdi_open_asan, ftdi_poll_asan),
# $3...: options for icebuf-ftdi-sim.
set -u
bin=${BUILD:-build}/bin
icebuf=$1 opener=$2; shift 2
poller=$(dirname "$opener")/$(basename "$opener" | sed 's/ftdi_open/ftdi_poll/')
fsim="$bin/icebuf-ftdi-sim $*"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS PATTERN CMD...: CMD exits with STATUS and says PATTERN (stdout or stderr).
expect() {
    want=$1; pat=$2; shift 2
    "$@" >"$tmp/out" 2>&1; got=$?
    [ "$got" = "$want" ] || fail "$* exited $got, expected $want: $(cat "$tmp/out")"
    grep -q -- "$pat" "$tmp/out" || fail "$* did not say '$pat': $(cat "$tmp/out")"
    sed 's/^/    /' "$tmp/out" | grep -v '^    loopback: [0-9]*/' | head -5
}

echo "== info, loopback, send/recv over ftdi://"
expect 0 '"ICEB"' $fsim -- "$icebuf" --device ftdi:// info
expect 0 "0 errors" $fsim -- "$icebuf" -q --device ftdi:// loopback --bytes 100000
head -c 3000 /dev/urandom >"$tmp/in.bin"
$fsim -- sh -c "'$icebuf' -q --device ftdi:// send '$tmp/in.bin' &&
    '$icebuf' -q --device ftdi:// recv --bytes 3000 '$tmp/back.bin'" || fail "send then recv"
cmp -s "$tmp/in.bin" "$tmp/back.bin" || fail "send then recv: the file came back different"

echo "== the descriptor: a loopback that waits only in poll() on icebuf_fileno()"
expect 0 "bytes back through descriptor" $fsim -- "$poller" ftdi:// 200000
expect 0 "bytes back through descriptor" $fsim --board icebreaker -- "$poller" ftdi:// 200000

echo "== choosing the device"
expect 0 '"ICEB"' $fsim --serial FT9XK2QB -- "$icebuf" --device ftdi://FT9XK2QB info
expect 0 '"ICEB"' $fsim -- "$icebuf" --device 'ftdi://?index=0' info
expect 0 "^ftdi://WRONG: not found" $fsim --serial FT9XK2QB -- "$opener" ftdi://WRONG "not found"
expect 0 "serial 'WRONG' found" $fsim --serial FT9XK2QB -- "$opener" ftdi://WRONG "not found"
expect 0 "not found.*at that index" $fsim -- "$opener" 'ftdi://?index=1' "not found"

echo "== no device, a busy one, no permission, one unplugged mid-stream"
expect 0 "not found.*is the board plugged in" $fsim --no-device -- "$opener" ftdi:// "not found"
expect 1 "no FT2232H" $fsim --no-device -- "$icebuf" --device ftdi:// info
expect 0 "device busy.*another program" $fsim -- sh -c "
    '$icebuf' -q --device ftdi:// loopback --bytes 100M >/dev/null 2>&1 & holder=\$!
    sleep 2; '$opener' ftdi:// 'device busy'; rc=\$?; kill \$holder; wait \$holder; exit \$rc"
expect 0 "permission denied.*udev rule" $fsim --deny-access -- "$opener" ftdi:// "permission denied"
start=$(date +%s)
expect 1 "device went away" $fsim --unplug-after 3000 -- "$icebuf" -q --device ftdi:// loopback --bytes 100M
took=$(( $(date +%s) - start ))
[ $took -le 20 ] || fail "an unplugged device took $took s to notice"

echo "ftdi tests: $fails failed"
[ $fails = 0 ]
