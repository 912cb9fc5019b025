#!/usr/bin/env bash
# Import speed and size on the largest public captures, then rtsec replay with Falco's stable
# rules vs sysdig 0.29.3 filtering the same data (issue 6's benchmark). Reports, asserts nothing.
#
#   bash scap/bench/import-vs-sysdig.sh [ROUNDS]     # from the repository root
#
# The replay data: ROUNDS (default 41) copies of full_capture.scap + download.scap concatenated
# into one multi-section capture (libscap and rtsec read sections back to back), ~1.01M exit
# events for 41 rounds. rtsec imports it once, then judges the trace; sysdig reads the .scap each
# time. sysdig loads no rules files: the stable rules' conditions are expanded (lists, macros)
# by falco_conditions.py and the ones sysdig 0.29.3 can compile are OR-ed into one filter.
# Needs: sysdig, python3 with PyYAML, GNU time. Prints the 1-minute load average with each
# measurement (the machine is shared).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:-41}
SCAP=../shared/scap/sysflow-telemetry-sf-collector/tests
RULES=../shared/falco-rules/falco_rules.yaml
BENCH=$(dirname "$0")
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cargo build --release --quiet --bin rtsec
cp target/release/rtsec "$W/rtsec"   # a copy: others may rebuild target/ meanwhile
R=$W/rtsec

measure() { # label, command...
  local label=$1 load
  shift
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %U %S %M" -o "$W/time" "$@" >"$W/out" 2>"$W/err" || true
  read -r wall user sys rss < <(tail -1 "$W/time")
  printf '%-58s wall %6.2fs  user %6.2fs  sys %5.2fs  rss %4d MB  load1 %s\n' \
    "$label" "$wall" "$user" "$sys" $((rss / 1024)) "$load"
}

echo "## import: largest captures (3 runs each) and sizes"
echo "capture: uncompressed .scap bytes (total / event blocks / exit-event blocks) -> .rts bytes"
for f in mpm-preforked/full_capture objectstore/download alpine/alpine namespaces/setns; do
  name=$(basename $f)
  for i in 1 2 3; do measure "rtsec import $name.scap #$i" "$R" import "$SCAP/$f.scap" -o "$W/$name.rts" --force; done
  head -1 "$W/out"
  read -r _ total events exits _ _ < <(python3 "$BENCH/scap_bytes.py" "$SCAP/$f.scap")
  rts=$(stat -c %s "$W/$name.rts")
  awk -v n="$name" -v t="$total" -v e="$events" -v x="$exits" -v r="$rts" 'BEGIN {
    printf "%s: %d / %d / %d -> %d bytes = %.1f%% / %.1f%% / %.1f%%\n", n, t, e, x, r,
      100 * r / t, 100 * r / e, 100 * r / x }'
done

echo "## $ROUNDS x (full_capture + download) concatenated"
for _ in $(seq "$ROUNDS"); do cat "$SCAP/mpm-preforked/full_capture.scap" "$SCAP/objectstore/download.scap"; done >"$W/big.scap"
for i in 1 2; do measure "rtsec import big.scap #$i" "$R" import "$W/big.scap" -o "$W/big.rts" --force; done
head -1 "$W/out"
read -r _ total events exits nev nexit < <(python3 "$BENCH/scap_bytes.py" "$W/big.scap")
rts=$(stat -c %s "$W/big.rts")
awk -v t="$total" -v e="$events" -v x="$exits" -v r="$rts" -v n="$nev" -v nx="$nexit" 'BEGIN {
  printf "big.scap: %d event blocks (%d exits); %d / %d / %d bytes -> %d = %.1f%% / %.1f%% / %.1f%%\n",
    n, nx, t, e, x, r, 100 * r / t, 100 * r / e, 100 * r / x }'

echo "## replay with the stable rules vs sysdig"
python3 "$BENCH/falco_conditions.py" "$RULES" >"$W/rules.tsv"
: >"$W/ok.txt"
: >"$W/disable.yaml"
probe=../shared/scap/falcosecurity-falco/test/trace_files/cat_write.scap
while IFS=$'\t' read -r name cond; do
  if sysdig -r "$probe" -q "$cond" >/dev/null 2>&1; then
    printf '(%s)\n' "$cond" >>"$W/ok.txt"
  else
    echo "sysdig 0.29.3 cannot compile: $name"
    printf -- '- rule: %s\n  enabled: false\n\n' "$name" >>"$W/disable.yaml"
  fi
done <"$W/rules.tsv"
COND=$(paste -sd'|' "$W/ok.txt" | sed 's/|/ or /g')
echo "$(wc -l <"$W/ok.txt") of $(wc -l <"$W/rules.tsv") rules in the sysdig filter"
printf '%s\n' "$COND" >"$W/cond.txt"
for i in 1 2; do
  measure "rtsec replay -q -j 2 --rules falco_rules.yaml #$i" "$R" replay -q -j 2 --rules "$RULES" "$W/big.rts"
  measure "rtsec replay -q -j 1 --rules falco_rules.yaml #$i" "$R" replay -q -j 1 --rules "$RULES" "$W/big.rts"
  measure "rtsec replay -q -j 1, the same rules as sysdig #$i" "$R" replay -q -j 1 --rules "$RULES" --rules "$W/disable.yaml" "$W/big.rts"
  measure "sysdig -r big.scap -q (no filter) #$i" sysdig -r "$W/big.scap" -q
  measure "sysdig -r big.scap -q 'COND' #$i" sysdig -r "$W/big.scap" -q "$COND"
  # The same filter after parsing (Falco's order), through a counting chisel.
  cat >"$W/count.lua" <<'LUA'
description = "counts events matching $COND_FILE"
short_description = "count"
category = "Misc"
args = {}
local n = 0
function on_init()
  local f = io.open(os.getenv("COND_FILE"))
  chisel.set_filter(f:read("*a"))
  f:close()
  return true
end
function on_event() n = n + 1 return true end
function on_capture_end() print("matches " .. n) end
LUA
  COND_FILE=$W/cond.txt measure "sysdig -r big.scap -c count.lua (COND after parsing) #$i" sysdig -r "$W/big.scap" -c "$W/count.lua"
done
echo "sysdig matches (after parsing): $(cat "$W/out")"
"$R" replay -q -j 1 --rules "$RULES" "$W/big.rts" 2>&1 | grep -m1 '^Hits' || true
