//! rtsec's kernel programs live in the `rtsec-probe` binary (`src/main.rs`), built for
//! `bpfel-unknown-none` by `capture/build.rs`. This empty library only lets the capture crate
//! name this package as a build dependency, so that Cargo rebuilds it when the probe changes.
#![no_std]
