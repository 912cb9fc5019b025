#!/usr/bin/env bash
# A Kubernetes-like node: a privileged debugging container and a pod's container, each with a
# near miss that must not alert. What only a runtime or the cluster's DNS can tell comes from
# the stand-ins of capture.sh: dockerd.py says which sandbox is privileged and which is the
# pod's, and the capture resolves kubernetes.default.svc.cluster.local to 127.0.0.77.
# Record: bash testdata/scenarios/record.sh cluster   (root)
. ../lib.sh

# The sandboxes dockerd.py knows (container.id: the first 12 digits).
PRIVILEGED=c0ffee0000021111222233334444555566667777888899990000aaaabbbbcccc
POD=c0ffee0000031111222233334444555566667777888899990000aaaabbbbcccc

# The API server: a listener at the address the capture resolved its name to, for the two
# connections below.
"$PY" -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.77", 443))
s.listen(4)
open(sys.argv[1], "w").close()
for _ in range(2):
    s.accept()[0].close()
' "$WORK/api-ready" &
api=$!
until [ -e "$WORK/api-ready" ]; do sleep 0.05; done
connect='import socket; socket.create_connection(("127.0.0.77", 443)).close()'

# Each sandbox first waits a second: the capture asks the runtime about a container when it
# first sees it, and the events before the answer have no metadata (as in Falco).

# Debugfs Launched in Privileged Container (Falco): debugfs in the privileged sandbox.
in_container $PRIVILEGED sh -c 'sleep 1; debugfs -V 2> /dev/null'

# Contact K8S API Server From Container (Falco): the pod's container connects to the API
# server. Near miss for the debugfs rule: debugfs in this container, which is not privileged.
in_container $POD sh -c 'sleep 1; debugfs -V 2> /dev/null; "$1" -c "$2"' pod "$PY" "$connect"

# Near miss for "Contact K8S API Server From Container": the same connection from the host.
"$PY" -c "$connect"
wait $api
