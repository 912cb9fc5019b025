# Sourced by record.sh before the capture of this scenario starts ($1: a private directory,
# removed after the recording). What a Kubernetes node has and this machine lacks, as
# stand-ins the capture asks as it would ask the real ones:
# - a container runtime (dockerd.py, a Docker Engine API on a unix socket): the metadata of
#   the scenario's sandboxes (privileged, image, pod);
# - a cluster DNS that resolves kubernetes.default.svc.cluster.local (a hosts file the
#   capture resolves names with): the API server's address, 127.0.0.77 here.
/usr/bin/python3 "$(dirname "${BASH_SOURCE[0]}")/dockerd.py" "$1/docker.sock" &
HELPERS+=($!)
for _ in $(seq 200); do [ -S "$1/docker.sock" ] && break; sleep 0.05; done
[ -S "$1/docker.sock" ] || { echo "cluster/capture.sh: dockerd.py did not start" >&2; return 1; }
CAPTURE_ARGS+=(--runtime-socket "$1/docker.sock")
{ cat /etc/hosts; echo "127.0.0.77 kubernetes.default.svc.cluster.local"; } > "$1/hosts"
HOSTS_FILE=$1/hosts
