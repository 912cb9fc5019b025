#!/usr/bin/env bash
# Regenerates the recordings of scenarios: `bash testdata/scenarios/record.sh [NAME...]`
# (all scenarios without names). Needs root and a built rtsec (RTSEC=path, default
# target/release/rtsec).
#
# Each scenario's script runs under `rtsec capture --pid`, so only the scenario's own process
# tree is recorded (other activity on the machine stays out of the trace): the script starts,
# blocks until the capture is ready, then runs; the capture ends when the script exits.
# Output: NAME/trace.rts next to NAME/scenario.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
RTSEC=${RTSEC:-$here/../../target/release/rtsec}
[ "$(id -u)" = 0 ] || { echo "record.sh: needs root (rtsec capture loads eBPF)" >&2; exit 1; }
[ -x "$RTSEC" ] || { echo "record.sh: no rtsec at $RTSEC (cargo build --release, or set RTSEC)" >&2; exit 1; }

# record_one DIR OUT: records DIR/scenario.sh into OUT.
record_one() {
  local dir=$1 out=$2
  local tmp
  tmp=$(mktemp -d)
  mkfifo "$tmp/go"
  # The scenario waits on the fifo, then becomes the script (same pid: exec). It first leaves
  # any v1 memory cgroup it inherited for the hierarchy's root: a host whose agent keeps every
  # process in a container-looking memory cgroup (this one's: /process_api/<32 hex>, which
  # Falco's containerd matcher takes for a container) would otherwise record the scenario's
  # host processes as in a container.
  local mem
  mem=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) { print $5; exit } break } }' /proc/self/mountinfo)
  # A fixed environment: what the scenario's programs do must not depend on who records it
  # (script(1), for one, starts $SHELL, or /bin/sh where SHELL is unset, as under CI).
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    SHELL=/bin/bash \
    bash -c '[ -z "$3" ] || echo $$ > "$3/cgroup.procs"; read -r _ < "$1"; cd "$2" && exec bash ./scenario.sh' \
    record "$tmp/go" "$dir" "$mem" > "$tmp/scenario.out" 2>&1 &
  local pid=$!
  # A scenario that needs what this machine lacks (a container runtime to ask, a name that
  # resolves) brings stand-ins in DIR/capture.sh, sourced here with a private directory: it
  # may start helpers (pids in HELPERS, stopped after the recording), add capture options to
  # CAPTURE_ARGS, and set HOSTS_FILE, a hosts file the capture alone resolves names with
  # (bind-mounted over /etc/hosts in a mount namespace of its own).
  local HELPERS=() CAPTURE_ARGS=() HOSTS_FILE="" wrap=()
  if [ -f "$dir/capture.sh" ] && ! . "$dir/capture.sh" "$tmp"; then
    kill "$pid" "${HELPERS[@]}" 2>/dev/null || true; rm -rf "$tmp"; return 1
  fi
  if [ -n "$HOSTS_FILE" ]; then
    wrap=(unshare --mount --propagation private sh -c 'mount --bind "$0" /etc/hosts && exec "$@"' "$HOSTS_FILE")
  fi
  "${wrap[@]}" "$RTSEC" capture -o "$out" --force --pid "$pid" "${CAPTURE_ARGS[@]}" -- \
    tail --pid="$pid" -f /dev/null 2> "$tmp/capture.err" &
  local cap=$!
  local n=0
  until grep -q "capturing to" "$tmp/capture.err" 2>/dev/null; do
    sleep 0.05
    n=$((n + 1))
    if [ $n -gt 1200 ] || ! kill -0 "$cap" 2>/dev/null; then
      echo "record.sh: capture did not start:" >&2; cat "$tmp/capture.err" >&2
      kill "$pid" "${HELPERS[@]}" 2>/dev/null || true; rm -rf "$tmp"; return 1
    fi
  done
  echo go > "$tmp/go"
  local rc=0
  wait "$pid" || rc=$?
  wait "$cap" || true
  [ ${#HELPERS[@]} -eq 0 ] || kill "${HELPERS[@]}" 2>/dev/null || true
  if [ $rc -ne 0 ]; then
    echo "record.sh: $dir/scenario.sh failed ($rc):" >&2; cat "$tmp/scenario.out" >&2
    rm -rf "$tmp"; return 1
  fi
  grep -v "capturing to" "$tmp/capture.err" >&2 || true
  rm -rf "$tmp"
}

if [ "${1:-}" = "--to" ]; then
  # record.sh --to OUT DIR: record one scenario into OUT (used by testdata/demo.sh).
  record_one "$(cd "$3" && pwd)" "$2"
  exit
fi

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for d in "$here"/*/; do [ -f "$d/scenario.sh" ] && names+=("$(basename "$d")"); done
fi
for name in "${names[@]}"; do
  dir="$here/$name"
  [ -f "$dir/scenario.sh" ] || { echo "record.sh: no $dir/scenario.sh" >&2; exit 1; }
  echo "recording $name" >&2
  record_one "$dir" "$dir/trace.rts"
  "$RTSEC" inspect "$dir/trace.rts" | sed -n '1,3p' >&2 || true
done
