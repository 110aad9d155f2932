# sim-listen.sh: sourced by the end-to-end tests and scripts/bench-link,
# which each run a virtual board as a server.
#   sim_listen OUT ERR SIM [ARG...]
# runs `SIM --listen 127.0.0.1:0 ARG...` in the background, its standard
# output to OUT and its standard error to ERR (one file if the two are the
# same path), and waits up to 10 s for its "listening on 127.0.0.1:PORT"
# line. Sets simpid (the process: the caller's trap or kill ends it) and
# port (empty when it did not start); returns 1 if it did not start.
sim_listen() {
    _sl_out=$1 _sl_err=$2 _sl_sim=$3
    shift 3
    : >"$_sl_out"                       # there before the server writes to it
    if [ "$_sl_out" = "$_sl_err" ]; then
        "$_sl_sim" --listen 127.0.0.1:0 "$@" >"$_sl_out" 2>&1 &
    else
        "$_sl_sim" --listen 127.0.0.1:0 "$@" >"$_sl_out" 2>"$_sl_err" &
    fi
    simpid=$!
    _sl_i=0
    while [ $_sl_i -lt 100 ] && ! grep -q listening "$_sl_out" && kill -0 $simpid 2>/dev/null; do
        sleep 0.1
        _sl_i=$((_sl_i + 1))
    done
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$_sl_out")
    [ -n "$port" ]
}
