//! Builds the eBPF probe (`rtsec-ebpf`, bin `rtsec-probe`) with the nightly toolchain for
//! `bpfel-unknown-none` and puts the object in `OUT_DIR` for `include_bytes!`.
//!
//! The nested build uses one target dir shared by every outer profile (`target/ebpf`), so
//! `check`, `build`, `test` and `bench` reuse one probe build (see
//! `../shared/reference/crates.md`, aya pitfall 4). Its output is shown only when it fails.
//! `RTSEC_EBPF_TOOLCHAIN` picks another toolchain than `nightly`.

use std::env;
use std::path::PathBuf;
use std::process::Command;

const BIN: &str = "rtsec-probe";

fn main() {
    let manifest = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let root = manifest
        .parent()
        .expect("capture/ is inside the workspace")
        .to_path_buf();
    let out = PathBuf::from(env::var("OUT_DIR").expect("set by cargo"));
    for p in [
        "ebpf/src",
        "ebpf/Cargo.toml",
        "ebpf/common/src",
        "ebpf/common/Cargo.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(p).display());
    }
    println!("cargo:rerun-if-env-changed=RTSEC_EBPF_TOOLCHAIN");

    let toolchain = env::var("RTSEC_EBPF_TOOLCHAIN").unwrap_or_else(|_| "nightly".into());
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("ebpf");
    let mut cmd = Command::new("rustup");
    cmd.args([
        "run",
        &toolchain,
        "cargo",
        "build",
        "--package",
        "rtsec-ebpf",
        "--bin",
        BIN,
    ])
    .args([
        "--release",
        "--target",
        "bpfel-unknown-none",
        "-Z",
        "build-std=core",
    ])
    .arg("--target-dir")
    .arg(&target_dir)
    .current_dir(&root)
    .env(
        "CARGO_ENCODED_RUSTFLAGS",
        [
            "--cfg=bpf_target_arch=\"x86_64\"",
            "-Cdebuginfo=2",
            "-Clink-arg=--btf",
        ]
        .join("\x1f"),
    );
    // The outer cargo's settings must not leak into the nested build.
    for (k, _) in env::vars_os() {
        let k = k.to_string_lossy().into_owned();
        if k == "RUSTC"
            || k == "RUSTC_WORKSPACE_WRAPPER"
            || k == "RUSTC_WRAPPER"
            || k == "RUSTFLAGS"
            || k == "CARGO_TARGET_DIR"
            || k == "CARGO_BUILD_TARGET"
            || k.starts_with("CARGO_PROFILE_")
            || k.starts_with("CARGO_FEATURE_")
            || k.starts_with("CARGO_CFG_")
        {
            cmd.env_remove(&k);
        }
    }
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!(
            "could not run `rustup run {toolchain} cargo` to build the eBPF probe: {e}. \
             Install the toolchain with `.ci/setup` (nightly + rust-src, bpf-linker)."
        ),
    };
    if !output.status.success() {
        panic!(
            "building the eBPF probe failed (rustup run {toolchain} cargo build -p rtsec-ebpf \
             --target bpfel-unknown-none); needs nightly + rust-src and bpf-linker \
             (`.ci/setup`):\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let built = target_dir.join("bpfel-unknown-none/release").join(BIN);
    std::fs::copy(&built, out.join(BIN))
        .unwrap_or_else(|e| panic!("copying {}: {e}", built.display()));
}
