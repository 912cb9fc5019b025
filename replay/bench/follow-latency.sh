#!/usr/bin/env bash
# Live latency of `rtsec replay --follow` (`just bench-follow`; root): how long after a
# process reads /etc/shadow its alert is printed by a follower of the trace `rtsec capture`
# is writing, for each --block-interval. The alert's own time is the event's; the time it
# was printed is taken as each line arrives.
#
#   RUNS=20          reads per setting (one every 0.37 s, so they fall anywhere in a block)
#   INTERVALS="1s 200ms 50ms"
set -euo pipefail
cd "$(dirname "$0")/../.."
RUNS=${RUNS:-20}
INTERVALS=${INTERVALS:-1s 200ms 50ms}
RTSEC=target/release/rtsec
OUT=${OUT:-target/bench-follow}
[ "$(id -u)" = 0 ] || { echo "follow-latency: needs root (rtsec capture)" >&2; exit 1; }
cargo build --release --bin rtsec --quiet
mkdir -p "$OUT"
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (before)"
for interval in $INTERVALS; do
  trace=$OUT/live.rts
  rm -f "$trace"
  TZ=UTC "$RTSEC" replay --follow "$trace" 2> "$OUT/follow.err" \
    | while IFS= read -r line; do printf '%s %s\n' "$(date -u +%s.%N)" "$line"; done \
    > "$OUT/lines.txt" &
  follower=$!
  "$RTSEC" capture -o "$trace" --block-interval "$interval" -- \
    sh -c "for i in \$(seq $RUNS); do cat /etc/shadow > /dev/null; sleep 0.37; done" \
    > /dev/null 2> "$OUT/capture.err"
  wait "$follower" || true
  # Latency = printed - event time (the alert's HH:MM:SS.nnnnnnnnn, UTC, of today).
  grep 'Sensitive file opened for reading' "$OUT/lines.txt" | awk -v day="$(date -u +%s)" '
    {
      split($2, t, ":"); sub(/:$/, "", t[3])
      ev = day - day % 86400 + t[1] * 3600 + t[2] * 60 + t[3]
      printf "%.6f\n", $1 - ev
    }' | sort -n | awk -v interval="$interval" '
    { d[NR] = $1 }
    END {
      if (NR == 0) { print "no alerts"; exit 1 }
      printf "block interval %-6s %d alerts: latency median %.3f s, p90 %.3f s, max %.3f s\n",
        interval, NR, d[int((NR + 1) / 2)], d[int(NR * 0.9 + 0.5)], d[NR]
    }'
done
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) (after)"
