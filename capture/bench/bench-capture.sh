#!/usr/bin/env bash
# Capture overhead benchmark (`just bench-capture`), as root.
#
# Two loops, each timed as the median of five rounds (capture/examples/syscall_loop.rs):
#   getppid    outside the recorded set: the cost of the hook and the bitmap test
#   open+close inside it: the cost of recording (openat + close per iteration)
# under four conditions:
#   none       nothing attached
#   floor      rtsec's do-nothing sys_exit program attached (capture/examples/noop_probe.rs)
#   rtsec      `rtsec capture` recording everything to a file (default syscall set)
#   bpftrace   bpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf(...) }' (open+close)
# and reports ns/syscall, overheads, and for rtsec the bytes/event and drops of the trace.
#
# Environment: N_PPID (default 5000000), N_OPEN (default 400000) iterations; BENCH_DIR for the
# trace (default a temp dir). Keep runs short: the machine is shared.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then
  echo "bench-capture: needs root (it loads eBPF programs)" >&2
  exit 1
fi
N_PPID=${N_PPID:-5000000}
N_OPEN=${N_OPEN:-400000}
DIR=${BENCH_DIR:-$(mktemp -d)}
TRACE="$DIR/bench.rts"

echo "bench-capture: building (release)" >&2
cargo build --release -q -p rtsec
cargo build --release -q -p rtsec-capture --examples
RTSEC=target/release/rtsec
LOOP=target/release/examples/syscall_loop
NOOP=target/release/examples/noop_probe

loops() { # prints "getppid X" and "openclose Y" (ns/syscall)
  "$LOOP" getppid "$N_PPID" | awk '{print $1, $2}'
  "$LOOP" openclose "$N_OPEN" | awk '{print $1, $2}'
}
val() { awk -v k="$1" '$1 == k {print $2}' <<<"$2"; }

wait_for() { # file pattern
  for _ in $(seq 1 600); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  echo "bench-capture: timed out waiting for '$2' in $1" >&2
  cat "$1" >&2
  return 1
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs, kernel $(uname -r)"

none=$(loops)

# Floor: the do-nothing program on the same hook.
coproc NOOPP { "$NOOP"; }
read -r line <&"${NOOPP[0]}"
echo "floor probe: $line"
floor=$(loops)
eval "exec ${NOOPP[1]}>&-"
wait "$NOOPP_PID" || true

# rtsec capture, system-wide, default syscall set.
rm -f "$TRACE"
"$RTSEC" capture -o "$TRACE" --force 2>"$DIR/capture.err" &
CAP=$!
wait_for "$DIR/capture.err" "rtsec: capturing to"
rtsec=$(loops)
kill -INT "$CAP"
wait "$CAP" || true

# bpftrace printing every openat.
bpftrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args->filename)); }' \
  >"$DIR/bpftrace.out" 2>&1 &
BPF=$!
wait_for "$DIR/bpftrace.out" "Attaching"
bpft=$("$LOOP" openclose "$N_OPEN" | awk '{print $1, $2}')
kill -INT "$BPF"
wait "$BPF" 2>/dev/null || true

report() { # label key
  printf '%-10s %-9s %8s ns' "$1" "$2" "$(val "$2" "$3")"
  if [ "$1" != none ]; then
    awk -v a="$(val "$2" "$3")" -v b="$(val "$2" "$none")" \
      'BEGIN { printf "   (+%.1f ns, %.2fx of none)", a - b, a / b }'
  fi
  echo
}
echo
echo "ns per syscall (median of 5 rounds; getppid ${N_PPID}, open+close ${N_OPEN} iterations)"
report none getppid "$none"
report floor getppid "$floor"
report rtsec getppid "$rtsec"
report none openclose "$none"
report floor openclose "$floor"
report rtsec openclose "$rtsec"
report bpftrace openclose "$bpft"
awk -v r="$(val getppid "$rtsec")" -v f="$(val getppid "$floor")" \
  'BEGIN { printf "getppid: rtsec - floor = %.1f ns (target <= 10 ns)\n", r - f }'
awk -v r="$(val openclose "$rtsec")" -v n="$(val openclose "$none")" \
  'BEGIN { printf "open+close: rtsec / none = %.2fx (target <= 1.5x)\n", r / n }'
echo
echo "rtsec capture:"
grep -E "^rtsec: (wrote|0 events|DROPPED)" "$DIR/capture.err" || cat "$DIR/capture.err"
"$RTSEC" inspect --quick "$TRACE" | grep -E "^(size|events|drops|DROPS)"
echo "(trace and logs in $DIR)"
