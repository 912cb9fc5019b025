//! The capture crate's errors.

use std::path::PathBuf;

/// Everything that can stop a capture, each naming what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    /// Loading eBPF programs needs root (or CAP_BPF + CAP_PERFMON).
    #[error("live capture needs root (or CAP_BPF and CAP_PERFMON): run it with sudo")]
    NotRoot,
    /// The kernel's BTF could not be read or parsed.
    #[error(
        "cannot read kernel BTF from {path}: {reason}; live capture needs a kernel built with \
         CONFIG_DEBUG_INFO_BTF=y"
    )]
    Btf { path: PathBuf, reason: String },
    /// The probe object could not be parsed or its maps created.
    #[error("loading the eBPF probe failed: {0}")]
    Load(String),
    /// The verifier rejected a program (the tail of its log is included).
    #[error("the kernel rejected eBPF program {program}: {reason}")]
    Verifier { program: String, reason: String },
    /// A program could not be attached to its hook.
    #[error(
        "cannot attach {program} to {hook}: {reason} (the kernel needs raw tracepoint support)"
    )]
    Attach {
        program: String,
        hook: String,
        reason: String,
    },
    /// A map operation failed.
    #[error("eBPF map {map}: {reason}")]
    Map { map: String, reason: String },
    /// `--syscalls` named a syscall this machine does not have.
    #[error(
        "unknown syscall {0:?} in --syscalls (use names from `man 2 syscalls`, or default/all)"
    )]
    UnknownSyscall(String),
    /// Writing the trace failed.
    #[error(transparent)]
    Format(#[from] rtsec_format::FormatError),
    /// An I/O error on a named file.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// Starting the command to record failed.
    #[error("cannot run {cmd}: {source}")]
    Spawn { cmd: String, source: std::io::Error },
    /// A capture thread stopped unexpectedly.
    #[error("capture thread failed: {0}")]
    Thread(String),
}
