#!/usr/bin/env bash
# Activity inside a container-like sandbox (new pid/mount/uts namespaces, docker-style cgroup:
# container.id c0ffee000001), each with a near miss that must not alert; see in-container.sh.
# Record: bash testdata/scenarios/record.sh container   (root)
. ../lib.sh

named runc /bin/bash > /dev/null
named nc /bin/true > /dev/null
export WORK PY
in_container c0ffee000001aaaabbbbccccddddeeeeffff0000111122223333444455556666 \
  bash ./in-container.sh

# Near miss for "Package manager run in a container": dpkg on the host.
dpkg --version > /dev/null
