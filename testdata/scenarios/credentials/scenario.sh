#!/usr/bin/env bash
# Credential access on the host, each with a near miss that must not alert.
# Record: bash testdata/scenarios/record.sh credentials   (root)
. ../lib.sh

# Sensitive file read (bundled) / Read sensitive file untrusted (Falco): cat reads /etc/shadow.
cat /etc/shadow > /dev/null
# Near miss: /etc/passwd is not a credential file.
cat /etc/passwd > /dev/null

# Directory traversal monitored file read (Falco): a non-shell parent (python) runs cat on a
# path that climbs out with ../ twice.
"$PY" -c 'import subprocess; subprocess.run(["cat", "/tmp/../etc/../etc/hostname"], stdout=subprocess.DEVNULL)'
# Near miss: the same from a shell (the rule exempts shell parents).
cat /tmp/../etc/../etc/hostname > /dev/null

# Search Private Keys or Passwords (Falco): grep for a private key header, find for id_rsa.
mkdir -p "$WORK/keys"
echo "nothing here" > "$WORK/keys/notes.txt"
grep -rl "BEGIN RSA PRIVATE KEY" "$WORK/keys" > /dev/null || true
find "$WORK/keys" -name id_rsa > /dev/null
# Near miss: grep for a certificate.
grep -rl "BEGIN CERTIFICATE" "$WORK/keys" > /dev/null || true

# Find AWS Credentials (Falco): grep for the key name.
grep -r aws_secret_access_key "$WORK/keys" > /dev/null || true
# Near miss: grep for something harmless.
grep -r region "$WORK/keys" > /dev/null || true

# Create Symlink Over Sensitive Files (Falco): a link to /etc/shadow.
ln -s /etc/shadow "$WORK/shadow-link"
# Near miss: a link to /etc/hostname.
ln -s /etc/hostname "$WORK/hostname-link"

# Create Hardlink Over Sensitive Files (Falco): a hard link to /etc/shadow, attempted across
# file systems (/dev/shm) so that it fails and no link is left behind; the rule looks at the
# attempt.
ln /etc/shadow /dev/shm/rtsec-shadow-hardlink 2> /dev/null || true
# Near miss: the same with /etc/hostname.
ln /etc/hostname /dev/shm/rtsec-hostname-hardlink 2> /dev/null || true
