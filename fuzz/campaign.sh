#!/usr/bin/env bash
# Every fuzz target (or the TARGETs named) for SECS seconds each (default 300), one after the
# other, seeded with what the project has of each input: `just fuzz-all [SECS [TARGET...]]`.
# Needs cargo-fuzz (installed if missing) and the nightly toolchain.
#
# Seeds (made fresh in fuzz/seeds/, kept out of git): the recorded traces of testdata/ for
# the trace reader; ../shared/scap's small captures for the .scap reader; each list, macro
# and rule of Falco's rules files (alone or after the bundled rules) for the rules loader; the
# rules' conditions for the condition parser; the test cases for the YAML configuration
# files. The corpus each run grows stays in fuzz/corpus/TARGET, so later campaigns start from
# it; a crash is written to fuzz/artifacts/TARGET/ and fails the campaign (exit 1) after the
# other targets have run.
set -euo pipefail
cd "$(dirname "$0")"
SECS=${1:-300}
SHARED=../../shared
ALL=(block_body trace_reader scap_reader rules_file condition_parser config_files)
TARGETS=("${@:2}")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
  [[ " ${ALL[*]} " == *" $t "* ]] || { echo "campaign: no fuzz target '$t' (targets: ${ALL[*]})" >&2; exit 2; }
done

command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz

rm -rf seeds
for t in "${ALL[@]}"; do mkdir -p "seeds/$t" "corpus/$t" "artifacts/$t"; done
find ../testdata -name '*.rts' -size -2M -print0 |
  while IFS= read -r -d '' f; do cp "$f" "seeds/trace_reader/$(echo "${f#../}" | tr / _)"; done
if [ -d "$SHARED/scap" ]; then
  find "$SHARED/scap" -name '*.scap' -size -256k -print0 |
    while IFS= read -r -d '' f; do cp "$f" "seeds/scap_reader/$(basename "$f")"; done
fi
# The first byte of a rules seed picks how it is loaded (see rules_file.rs), of a
# configuration seed which file it is (odd: a test case).
python3 - "$SHARED/falco-rules" <<'PY'
import glob, re, sys
n = 0
for path in sorted(glob.glob(sys.argv[1] + "/*.yaml")):
    text = open(path).read()
    for item in re.split(r"\n(?=- (?:rule|macro|list):)", text):
        n += 1
        with open(f"seeds/rules_file/{n}.yaml", "w") as f:
            f.write(chr(n % 4) + item)
        m = re.search(r"\n  condition: *>?\n?((?:.*\n)+?)(?=  \w+:|\Z)", item + "\n")
        if m:
            with open(f"seeds/condition_parser/{n}.txt", "w") as f:
                f.write(m.group(1))
for i, path in enumerate(sorted(glob.glob("../testdata/cases/**/*.case.yaml", recursive=True))):
    with open(f"seeds/config_files/{i}.yaml", "w") as f:
        f.write("\x01" + open(path).read())
PY

failed=()
for t in "${TARGETS[@]}"; do
  echo "== $t: ${SECS}s ($(ls "seeds/$t" | wc -l) seeds, $(ls "corpus/$t" | wc -l) in the corpus)"
  if cargo +nightly fuzz run -O "$t" "corpus/$t" "seeds/$t" -- \
      -max_total_time="$SECS" -max_len=262144 -rss_limit_mb=2048 -timeout=20 \
      -artifact_prefix="artifacts/$t/" > "fuzz-$t.log" 2>&1; then
    grep -E '^#[0-9]+.*DONE' "fuzz-$t.log" | tail -1
  else
    failed+=("$t")
    echo "   FAILED: see fuzz/fuzz-$t.log and fuzz/artifacts/$t/"
    grep -E 'panicked|ERROR: libFuzzer|SUMMARY' "fuzz-$t.log" | head -5
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "campaign: crashes in ${failed[*]}"; exit 1; }
echo "campaign: no crash in ${#TARGETS[@]} targets"
