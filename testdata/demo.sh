#!/usr/bin/env bash
# The main job (`just demo`): a quick tour on the sample trace. Replaced by a live capture and
# replay once those land.
set -euo pipefail
cd "$(dirname "$0")/.."
RTSEC=${RTSEC:-target/release/rtsec}
"$RTSEC" inspect testdata/sample.rts
"$RTSEC" events testdata/sample.rts --limit 12
