#!/usr/bin/env bash
# Replay benchmarks (`just bench-replay`): events/s at -j 1 and -j 2 with Falco's stable rules
# on a large synthetic trace (format crate's realistic mix), peak RSS, and hits/s (text, JSON,
# Parquet) with a rule firing on every open, and events/s of `rtsec export` on a 1M-event trace.
#
#   EVENTS=6000000   events in the synthetic trace (generated once, kept in $OUT)
#   BIG=5G           also build a trace of that size (its blocks repeated) and replay it at
#                    -j 2, reporting peak RSS; removed afterwards
#   RUNS=3           replays per setting (the best is reported: the machine is shared)
#
# Prints the machine's load first: numbers taken on a busy machine are not comparable.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-target/bench-replay}
EVENTS=${EVENTS:-6000000}
RUNS=${RUNS:-3}
BIG=${BIG:-}
FALCO=${FALCO_RULES:-../shared/falco-rules/falco_rules.yaml}
RTSEC=target/release/rtsec
GEN=target/release/examples/big_trace
mkdir -p "$OUT"

cargo build --release --bin rtsec -p rtsec --quiet
cargo build --release -p rtsec-replay --example big_trace --quiet

echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) (before)"
trace=$OUT/synth-$EVENTS.rts
[ -f "$trace" ] || "$GEN" synth "$EVENTS" "$trace"

# run LABEL ARGS...: best of $RUNS replays: events/s from the summary, wall time, peak RSS.
run() {
  local label=$1; shift
  local best=0 line rss wall
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$RTSEC" replay -q --stats "$@" 2> "$OUT/err.txt" || true
    line=$(grep '^Summary:' "$OUT/err.txt")
    rate=$(sed -E 's/.* events in ([0-9.]+) s .*/\1/' <<< "$line")
    read -r wall rss < "$OUT/time.txt"
    ev=$(sed -E 's/.* judged, ([0-9,]+) events.*/\1/' <<< "$line" | tr -d ,)
    eps=$(awk -v e="$ev" -v s="$rate" 'BEGIN { printf "%.0f", e / s }')
    if [ "$eps" -gt "$best" ]; then
      best=$eps; best_line="$label: $(printf "%'d" "$ev") events, $(awk -v x="$eps" 'BEGIN { printf "%.2f", x / 1e6 }')M events/s (replay $rate s, wall $wall s), peak RSS $((rss / 1024)) MiB"
      work=$(grep '^Work:' "$OUT/err.txt" || true)
    fi
  done
  echo "$best_line"
  echo "    $work"
}

echo "== replay, Falco stable rules, $trace"
run "-j 1" -j 1 --rules "$FALCO" "$trace"
run "-j 2" -j 2 --rules "$FALCO" "$trace"
run "-j 2, bundled rules" -j 2 "$trace"

if [ -n "$BIG" ]; then
  big=$OUT/big.rts
  "$GEN" repeat "$trace" "$big" "$BIG"
  RUNS=1 run "-j 2, $BIG trace" -j 2 --rules "$FALCO" "$big"
  rm -f "$big"
fi

# hits LABEL ARGS...: best of $RUNS replays at -j 2 of the trace with a rule firing on every
# open (44 % of events, Falco-sized output): hits/s, wall time, peak RSS. Output to /dev/null,
# Parquet to a file removed afterwards.
hits() {
  local label=$1; shift
  local best=0 line rss wall n hps
  for _ in $(seq "$RUNS"); do
    rm -f "$OUT/hits.parquet"
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$RTSEC" replay -j 2 \
      --rules replay/bench/every_open.yaml "$@" "$trace" > /dev/null 2> "$OUT/err.txt" || true
    read -r wall rss < "$OUT/time.txt"
    n=$(grep '^Hits:' "$OUT/err.txt" | tr -dc 0-9)
    hps=$(awk -v n="$n" -v s="$wall" 'BEGIN { printf "%.0f", n / s }')
    if [ "$hps" -gt "$best" ]; then
      best=$hps
      line="$label: $(printf "%'d" "$n") hits in $wall s: $(awk -v x="$hps" 'BEGIN { printf "%.0f", x / 1e3 }')K hits/s, peak RSS $((rss / 1024)) MiB"
    fi
  done
  rm -f "$OUT/hits.parquet"
  echo "$line"
}

echo "== hits/s end to end at -j 2 (rtsec replay, wall time), $trace"
hits "text" --format text
hits "JSON" --format json
hits "Parquet (+ text)" --parquet "$OUT/hits.parquet"
hits "Parquet only (-q)" -q --parquet "$OUT/hits.parquet"

# Export: every event with its resolved fields, to Parquet, at -j 1 and -j 2 (a 1M-event trace
# of the same mix: export writes a row per event, not per hit).
small=$OUT/synth-1000000.rts
[ -f "$small" ] || "$GEN" synth 1000000 "$small"
echo "== export events/s (rtsec export, wall time), $small"
for j in 1 2; do
  best=0
  for _ in $(seq "$RUNS"); do
    rm -f "$OUT/events.parquet"
    /usr/bin/time -f "%e %M" -o "$OUT/time.txt" "$RTSEC" export -j "$j" "$small" \
      -o "$OUT/events.parquet" > /dev/null 2> "$OUT/err.txt" || true
    read -r wall rss < "$OUT/time.txt"
    eps=$(awk -v s="$wall" 'BEGIN { printf "%.0f", 1000000 / s }')
    if [ "$eps" -gt "$best" ]; then
      best=$eps
      line="-j $j: 1,000,000 events in $wall s: $(awk -v x="$eps" 'BEGIN { printf "%.0f", x / 1e3 }')K events/s, peak RSS $((rss / 1024)) MiB"
    fi
  done
  echo "$line"
done
rm -f "$OUT/events.parquet"

echo "== Parquet hits/s (criterion: time per iteration; thrpt = hits/s)"
cargo bench -p rtsec-replay --bench hits_parquet 2>&1 | grep -E "hits from|^hits_parquet|thrpt" || true
echo "machine: load average $(cut -d' ' -f1-3 /proc/loadavg) (after)"
