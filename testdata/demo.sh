#!/usr/bin/env bash
# The main job, end to end (`just demo`; root, after `bash .ci/setup`):
#   1. record a scripted scenario with `rtsec capture`: benign processes on the host, then a
#      shell in a container-like sandbox that reads /etc/shadow (testdata/scenarios/demo),
#      judged live while it is recorded (`rtsec replay --follow`);
#   2. judge the recording with rtsec's bundled rules (the same alerts as live);
#   3. judge it with Falco's stable rules, writing every hit to Parquet;
#   4. read the Parquet file back with DuckDB;
#   5. compare the two rule sets' verdicts on it, alert by alert (`rtsec diff`);
#   6. explain why Falco's "Terminal shell in container" fires on one shell with a terminal
#      and not on the other (`rtsec explain`);
#   7. show what the trace holds (`rtsec inspect`).
# Everything is written to $OUT (default target/demo); nothing in the repository changes.
set -euo pipefail
cd "$(dirname "$0")/.."
RTSEC=${RTSEC:-target/release/rtsec}
OUT=${OUT:-target/demo}
FALCO_RULES=${FALCO_RULES:-../shared/falco-rules/falco_rules.yaml}
PY=${RTSEC_VENV:-/opt/rtsec-venv}/bin/python
mkdir -p "$OUT"
trace=$OUT/demo.rts
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
# rtsec replay exits 3 when a trace is incomplete (e.g. kernel drops): the demo goes on and
# says so.
judged() {
  local rc=0
  "$@" || rc=$?
  case $rc in
    0) ;;
    3) echo "(exit 3: a trace is incomplete; the summary above says why)" >&2 ;;
    *) echo "demo: '$*' failed with exit $rc" >&2; exit $rc ;;
  esac
}

step "1. Record testdata/scenarios/demo/scenario.sh with rtsec capture (its process tree only), judged live"
grep -v '^#' testdata/scenarios/demo/scenario.sh | grep -v '^\s*$' | sed 's/^/    /'
# A follower started before the capture judges each block as the capture writes it (one at
# least every second) and ends when the capture finishes the trace. Each alert is stamped
# with the time it was printed.
rm -f "$trace"
# If the recording fails, the follower would wait for the trace's end forever.
trap 'pkill -TERM -f -- "replay --follow $trace" 2>/dev/null || true' EXIT
"$RTSEC" replay --follow "$trace" 2> "$OUT/live.err" \
  | while IFS= read -r line; do printf '%s  %s\n' "$(date +%T.%3N)" "$line"; done \
  > "$OUT/live.txt" &
follower=$!
bash testdata/scenarios/record.sh --to "$trace" testdata/scenarios/demo
wait "$follower" || true
echo "Printed live by 'rtsec replay --follow $trace' while it was recorded (printed at, alert):"
sed 's/^/    /' "$OUT/live.txt"
grep -E '^(Followed|Hits:)' "$OUT/live.err" | sed 's/^/    /'

step "2. rtsec replay $trace   (rtsec's bundled rules)"
judged "$RTSEC" replay "$trace" | tee "$OUT/replayed.txt"
if cmp -s <(cut -c15- "$OUT/live.txt") "$OUT/replayed.txt"; then
  echo "(the same alerts, byte for byte, as the live follower printed in step 1)"
else
  echo "demo: the live follower's alerts differ from the replay's" >&2
  exit 1
fi

step "3. rtsec replay --rules falco_rules.yaml --parquet $OUT/hits.parquet $trace"
judged "$RTSEC" replay --rules "$FALCO_RULES" --parquet "$OUT/hits.parquet" --force "$trace"

step "4. The hits, read back from Parquet with DuckDB"
"$PY" - "$OUT/hits.parquet" <<'PY'
import sys, duckdb
rows = duckdb.sql(f"""
    select strftime(time, '%H:%M:%S') as time, priority, rule, proc_name, proc_pname,
           fd_name, container_id
    from read_parquet('{sys.argv[1]}') order by time""").fetchall()
cols = ["time", "priority", "rule", "proc_name", "proc_pname", "fd_name", "container_id"]
print("  " + " | ".join(cols))
for r in rows:
    print("  " + " | ".join("" if v is None else str(v) for v in r))
PY

step "5. rtsec diff --old '<bundled>' --new falco_rules.yaml $trace"
rc=0
"$RTSEC" diff --old '<bundled>' --new "$FALCO_RULES" "$trace" || rc=$?
case $rc in
  0) echo "(exit 0: the same verdicts)" ;;
  4) echo "(exit 4: the verdicts differ, as listed above)" ;;
  3) echo "(exit 3: a trace is incomplete; the summary above says why)" ;;
  *) echo "demo: rtsec diff failed with exit $rc" >&2; exit $rc ;;
esac

step "6. rtsec explain: why \"Terminal shell in container\" fires on one shell with a terminal, not the other"
"$RTSEC" explain --rules "$FALCO_RULES" --rule "Terminal shell in container" \
  --filter 'spawned_process and container and shell_procs and proc.tty != 0' "$trace"

step "7. rtsec inspect $trace"
"$RTSEC" inspect "$trace"
