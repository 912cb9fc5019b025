#!/usr/bin/env bash
# The demo (testdata/demo.sh, `just demo`): a few benign processes on the host, then, in a
# container-like sandbox (container.id de0000000001), the container runtime (a stand-in bash
# named runc) starts an interactive shell (with a terminal, from script) that reads the
# password hashes in /etc/shadow.
# Record: bash testdata/scenarios/record.sh demo   (root)
. ../lib.sh

# Benign: what a host does all day.
uname -a > /dev/null
ls /etc > /dev/null
date > /dev/null
cat /etc/os-release > /dev/null

# The incident.
runc=$(named runc /bin/bash)
in_container de00000000010000000000000000000000000000000000000000000000000000 \
  script -qec "$runc -c 'sh -c \"hostname web-1; ls / > /dev/null; cat /etc/shadow > /dev/null; id > /dev/null\"; exit 0'" /dev/null > /dev/null

# Benign again.
ls "$WORK" > /dev/null
