# rtsec tasks. `just --list` shows them all.
# Everything assumes root on Linux with BTF (capture loads eBPF); `just setup` installs the rest.

set shell := ["bash", "-euo", "pipefail", "-c"]

# List the recipes.
default:
    @just --list

# Install what building and testing needs (apt packages, bpf-linker, nightly rust-src, just,
# a Python venv with pyarrow and duckdb). Idempotent.
setup:
    bash .ci/setup

# Build the rtsec binary (release).
build:
    cargo build --release --bin rtsec

# The main job: record a scripted scenario, judge it, show the alerts and the trace.
demo: build
    bash testdata/demo.sh

# Every test: formatting, lints, unit/integration tests (eBPF ones as root), fuzz targets build.
test: lint
    cargo test --workspace --exclude rtsec-ebpf
    just check-fuzz

# Formatting and lints, host crates and the eBPF crate.
lint:
    cargo fmt --all -- --check
    cargo clippy --workspace --exclude rtsec-ebpf --all-targets -- -D warnings
    cargo +nightly clippy -p rtsec-ebpf --release --target bpfel-unknown-none -Z build-std=core -- -D warnings

# The fuzz targets compile (running them: `just fuzz TARGET`).
check-fuzz:
    cd fuzz && cargo +nightly build --quiet

# Run one fuzz target for a while (needs `cargo install cargo-fuzz`): just fuzz trace_reader 300
fuzz target seconds="120":
    cd fuzz && cargo +nightly fuzz run {{target}} -- -max_total_time={{seconds}}

# Every fuzz target for a while each, seeded with the project's traces, Falco's rules and
# captures and the test cases (fuzz/campaign.sh): just fuzz-all 300, or only some targets:
# just fuzz-all 600 rules_file condition_parser
fuzz-all seconds="300" *targets:
    bash fuzz/campaign.sh {{seconds}} {{targets}}

# All benchmarks.
bench: bench-format bench-rules

# Trace encode/decode throughput and bytes/event (criterion).
bench-format:
    cargo bench -p rtsec-format --bench codec

# Rules evaluation ns/event and compile time (criterion).
bench-rules:
    cargo bench -p rtsec-rules

# Capture overhead on syscall loops (root).
bench-capture:
    bash capture/bench/bench-capture.sh

# Replay events/s at -j 1 and -j 2 with Falco's stable rules, peak RSS, Parquet hits/s, export events/s
# (EVENTS=6000000 RUNS=3; BIG=5G adds a 5 GB trace for peak RSS).
bench-replay:
    bash replay/bench/bench-replay.sh

# Live latency of `rtsec replay --follow` behind `rtsec capture` (root).
bench-follow:
    bash replay/bench/follow-latency.sh

# Regenerate testdata/sample.rts (the synthetic sample trace).
gen-sample:
    cargo run -p rtsec-format --example gen_sample -- testdata/sample.rts
