#!/bin/sh
# 16 MB through a faulty wire: bit errors, lost and inserted bytes at 1e-6
# each, both ways (seeded). Every byte must come back once, in order,
# intact; the tool's last line reports the host's retransmissions, the
# simulator's stats the faults, and the board's counter its own rewinds.
set -u
. "$(dirname "$0")/../../scripts/sim-listen.sh"
bin=${BUILD:-build}/bin
tmp=$(mktemp -d); trap 'kill $simpid 2>/dev/null; rm -rf "$tmp"' EXIT
sim_listen "$tmp/sim.out" "$tmp/sim.err" "$bin/icebuf-sim" --stats --ber 1e-6 --drop 1e-6 --garbage 1e-6 --seed 11 ||
    { echo "FAIL: icebuf-sim did not start"; exit 1; }
dev=sim://127.0.0.1:$port
"$bin/icebuf" -q --device "$dev" loopback --bytes 16M --seed 16
rc=$?
retx=$("$bin/icebuf" --device "$dev" reg read TX_RETRANSMIT | awk '{print $2}')
kill -INT $simpid; wait $simpid
simpid=
grep "faults:" "$tmp/sim.err"
echo "board go-back-N rewinds: $retx"
[ $rc = 0 ] || { echo "FAIL: the 16 MB loopback did not come back intact"; exit 1; }
grep -q "bits flipped [1-9]" "$tmp/sim.err" || { echo "FAIL: no faults were injected"; exit 1; }
