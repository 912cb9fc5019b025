#!/usr/bin/env bash
# Tampering with the host's files, each with a near miss that must not alert. Files created in
# system directories are removed right away.
# Record: bash testdata/scenarios/record.sh tampering   (root)
. ../lib.sh

# Write below /etc (bundled): a new file in /etc.
touch /etc/rtsec-scenario-tampering
rm -f /etc/rtsec-scenario-tampering
# Near miss: the same in a scratch directory.
touch "$WORK/not-etc"

# Write below a binary directory (bundled): a program dropped into /usr/local/bin.
cp /bin/true /usr/local/bin/rtsec-scenario-true
rm -f /usr/local/bin/rtsec-scenario-true
# Near miss: reading a program there (cp opens it for reading).
cp /bin/true "$WORK/true-copy"

# Clear Log Activities (Falco): a log file opened with O_TRUNC.
log=/var/log/rtsec-scenario-tampering.log
echo "line" >> "$log"
: > "$log"
# Near miss: appending to it (no O_TRUNC).
echo "line" >> "$log"
rm -f "$log"

# Remove Bulk Data from Disk (Falco): shred.
echo "secret" > "$WORK/data"
shred -u "$WORK/data"
# Near miss: a plain rm.
echo "secret" > "$WORK/data2"
rm -f "$WORK/data2"
