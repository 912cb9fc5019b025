#!/usr/bin/env bash
# Unusual ways to run code on the host, each with a near miss that must not alert.
# Record: bash testdata/scenarios/record.sh exec-tricks   (root)
. ../lib.sh

# Program executed from /dev/shm (bundled) / Execution from /dev/shm (Falco).
shm=/dev/shm/rtsec-scenario-true
cp /bin/true "$shm"
"$shm"
rm -f "$shm"
# Near miss: the same program run from a scratch directory.
cp /bin/true "$WORK/true"
"$WORK/true"

# Program executed from memory (bundled) / Fileless execution via memfd_create (Falco): python
# copies /bin/true into a memfd and executes it.
"$PY" - <<'PY'
import os
fd = os.memfd_create("payload", 0)
with open("/bin/true", "rb") as f:
    os.write(fd, f.read())
pid = os.fork()
if pid == 0:
    os.execv(f"/proc/self/fd/{fd}", ["payload"])
os.waitpid(pid, 0)
PY

# Process attached with ptrace (bundled) / PTRACE attached to process (Falco): python attaches
# to a sleeping child, reads its registers (a request no rule flags), and detaches.
"$PY" - <<'PY'
import ctypes, os, signal, time
libc = ctypes.CDLL(None, use_errno=True)
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_DETACH, PTRACE_GETREGS = 0, 16, 17, 12
child = os.fork()
if child == 0:
    time.sleep(2)
    os._exit(0)
libc.ptrace(PTRACE_ATTACH, child, None, None)
os.waitpid(child, 0)
regs = ctypes.create_string_buffer(27 * 8)
libc.ptrace(PTRACE_GETREGS, child, None, regs)
libc.ptrace(PTRACE_DETACH, child, None, None)
os.kill(child, signal.SIGKILL)
os.waitpid(child, 0)
# PTRACE anti-debug attempt (Falco): a process asks to be traced by its parent.
anti = os.fork()
if anti == 0:
    libc.ptrace(PTRACE_TRACEME, 0, None, None)
    os._exit(0)
os.waitpid(anti, 0)
PY
# Near miss for the bundled rule: a known debugger (strace) attaching.
strace -o /dev/null true

# Kernel module loaded (bundled): an attempt to load a module (from an invalid fd, so nothing
# is loaded). On the host, so Falco's container rule stays quiet.
"$PY" -c 'import ctypes; ctypes.CDLL(None).syscall(313, -1, b"", 0)'
# Near miss: listing modules loads nothing.
ls /sys/module > /dev/null
