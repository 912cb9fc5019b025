#!/usr/bin/env bash
# Outbound connections from the host, each with a near miss that must not alert. The targets
# are in TEST-NET-3 (203.0.113.0/24, never routed): the non-blocking connects only start
# (EINPROGRESS), which is all the rules look at.
# Record: bash testdata/scenarios/record.sh network   (root)
. ../lib.sh

connect='import socket, sys
s = socket.socket()
s.setblocking(False)
s.connect_ex((sys.argv[1], int(sys.argv[2])))'

# Connection to a listed bad address (bundled): 203.0.113.0/24 is in rtsec_bad_networks.
"$PY" -c "$connect" 203.0.113.7 80

# Disallowed SSH Connection Non Standard Port (Falco): a program named ssh connecting out to
# port 443 (the bundled rule fires too: same bad network).
ssh=$(named ssh "$PY")
"$ssh" -c "$connect" 203.0.113.7 443
# Near miss for Falco: ssh to port 22 is standard (the bundled rule still fires).
"$ssh" -c "$connect" 203.0.113.7 22

# Near miss for the bundled rule: a connection to a local listener.
"$PY" - <<'PY'
import socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
c = socket.create_connection(l.getsockname())
c.close()
PY
