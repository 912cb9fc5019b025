#!/usr/bin/env bash
# Servers reading credentials after their start, with near misses: what Falco's stable rules
# tell apart by the reader's name and age (proc.duration).
# Record: bash testdata/scenarios/record.sh server   (root)
. ../lib.sh

nginx=$(named nginx "$PY")
sshd=$(named sshd "$PY")

# Near miss for "Trusted after startup": sshd reads /etc/shadow 5.5 s after its start, as it
# does on every login (the rule exempts it; so does "Read sensitive file untrusted").
"$sshd" -c 'import time; time.sleep(5.5); open("/etc/shadow").close()' &
sshd_pid=$!

# Read sensitive file trusted after startup (Falco): a web server (python named nginx) reads
# /etc/shadow 5.5 s after its start (proc.duration > 5 s: not proc_is_new).
# Near miss: its read right at its start, while a server reads its configuration. Falco's
# rule leaves it out; "Read sensitive file untrusted", which comes later in the file and does
# not exempt servers, flags it instead (one alert per event: rule_matching first).
"$nginx" -c 'import time; open("/etc/shadow").close(); time.sleep(5.5); open("/etc/shadow").close()'
wait $sshd_pid
