#!/bin/sh
# trace.sh SIM: --trace on a board built for speed (no waveform code of its
# own) runs its traced twin SIM-trace, which writes the waveform; with the
# twin gone, --trace is refused with a message that names it and the make
# target, and no file is written.
set -eu
sim=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

"$sim" --fast --cycles 20000 --trace "$dir/a.fst" --trace-start 10000 >/dev/null 2>"$dir/err" ||
    fail "--trace exited $?: $(cat "$dir/err")"
[ -s "$dir/a.fst" ] || fail "--trace wrote no waveform"
# An FST file starts with its header block (type 0) of 329 bytes.
[ "$(od -An -tx1 -N1 "$dir/a.fst" | tr -d ' ')" = 00 ] || fail "$dir/a.fst is not an FST file"
echo "ok  --trace: $(wc -c <"$dir/a.fst") bytes of FST from ${sim}-trace"

# The fast board alone, copied where it has no twin.
cp "$sim" "$dir/board"
rc=0
"$dir/board" --fast --cycles 20000 --trace "$dir/b.fst" >/dev/null 2>"$dir/err" || rc=$?
[ $rc -eq 2 ] || fail "--trace without the twin exited $rc, not 2"
grep -q "board-trace" "$dir/err" && grep -q "make sim-trace" "$dir/err" ||
    fail "--trace without the twin says: $(cat "$dir/err")"
[ ! -e "$dir/b.fst" ] || fail "--trace without the twin wrote $dir/b.fst"
echo "ok  --trace without the twin: exit 2, '$(cat "$dir/err")'"
