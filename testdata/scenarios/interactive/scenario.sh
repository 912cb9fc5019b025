#!/usr/bin/env bash
# Shells and commands under server processes on the host, each with a near miss that must not
# alert. Server binaries are stand-ins: symlinks named nginx/sshd to bash (proc.name is the
# name executed).
# Record: bash testdata/scenarios/record.sh interactive   (root)
. ../lib.sh

# Run shell untrusted (Falco): a web server spawns a shell.
nginx=$(named nginx /bin/bash)
"$nginx" -c 'sh -c "exit 0"; exit 0'
# Near miss: python spawning a shell (python is not a protected server).
"$PY" -c 'import subprocess; subprocess.run(["sh", "-c", "exit 0"])'

# System user interactive (Falco): under a login daemon (sshd), a system user runs a command.
sshd=$(named sshd /bin/bash)
"$sshd" -c 'setpriv --reuid=daemon --regid=daemon --clear-groups /bin/true; exit 0'
# Near miss: the same system user, not under a login daemon.
setpriv --reuid=daemon --regid=daemon --clear-groups /bin/true
