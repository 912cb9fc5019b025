# Helpers for scenario scripts (sourced by each scenario.sh; see README.md).
#
# Scenarios run as root under `rtsec capture --pid`, which records the scenario's own process
# tree only. Everything they touch lives in $WORK (removed at the end) unless a rule needs a
# system path, and then the file is removed right away.

set -u

WORK=$(mktemp -d /tmp/rtsec-scenario.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# Real binaries, not pyenv shims: scenarios must not depend on the user's PATH setup.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

# Where cgroup v2 is mounted.
cgroup2_root() {
  awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup2") { print $5; exit } break } }' \
    /proc/self/mountinfo
}

# Where the cgroup v1 memory hierarchy is mounted (empty if it is not).
memory_v1_root() {
  awk '{ for (i = 7; i < NF; i++) if ($i == "-") { if ($(i + 1) == "cgroup" && $(i + 3) ~ /(^|,)memory(,|$)/) { print $5; exit } break } }' \
    /proc/self/mountinfo
}

# in_container ID CMD...: runs CMD as pid 1 of new pid, mount and uts namespaces, in the
# docker-style cgroup /docker/ID (ID: 64 hex digits), like `docker run` would; rtsec's capture
# reports its events with container.id = the first 12 digits. Waits for CMD.
# Where cgroup v1 hierarchies are mounted too, the container's processes also go to the v1
# memory cgroup docker/ID, as with a real runtime: capture (like Falco) takes the container of
# a process from the first of its cgroups that names one, and the v1 ones come first.
in_container() {
  local id=$1; shift
  local cg mem
  cg="$(cgroup2_root)/docker/$id"
  mkdir -p "$cg"
  mem=$(memory_v1_root)
  if [ -n "$mem" ]; then
    mem="$mem$(awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }' /proc/self/cgroup)"
    mem="${mem%/}/docker/$id"
    mkdir -p "$mem"
  fi
  sh -c 'echo $$ > "$1/cgroup.procs" && { [ -z "$2" ] || echo $$ > "$2/cgroup.procs"; } &&
         shift 2 && exec unshare --pid --mount --uts --fork --mount-proc "$@"' \
    in-container "$cg" "$mem" "$@"
  local rc=$?
  rmdir "$cg" 2>/dev/null || true
  [ -z "$mem" ] || rmdir "$mem" 2>/dev/null || true
  return $rc
}

# named NAME TARGET: a symlink $WORK/bin/NAME → TARGET. Executing it gives a process whose
# proc.name (comm) is NAME: a stand-in for a server binary (nginx, sshd, runc) without
# installing one.
named() {
  mkdir -p "$WORK/bin"
  ln -sf "$2" "$WORK/bin/$1"
  echo "$WORK/bin/$1"
}
