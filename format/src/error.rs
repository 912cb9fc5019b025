//! The format crate's errors.

use std::path::PathBuf;

/// Everything that can go wrong reading or writing a trace.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be opened, read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file does not start with the trace magic.
    #[error(
        "{path}: not an rtsec trace (no rtsec header at offset 0); record one with `rtsec capture` or convert a .scap with `rtsec import`"
    )]
    NotATrace { path: PathBuf },
    /// The file was written by a newer, incompatible rtsec.
    #[error(
        "{path}: trace format {major}.{minor} is newer than this rtsec understands ({supported}.x); upgrade rtsec to read it"
    )]
    NewerVersion {
        path: PathBuf,
        major: u16,
        minor: u16,
        supported: u16,
    },
    /// The header is damaged.
    #[error("{path}: trace header is corrupt at offset {offset}: {reason}")]
    CorruptHeader {
        path: PathBuf,
        offset: u64,
        reason: String,
    },
    /// A block failed its checksum or could not be decoded.
    #[error("block {block} at offset {offset} is corrupt: {reason}")]
    CorruptBlock {
        block: u32,
        offset: u64,
        reason: String,
    },
    /// A followed trace got shorter: it was replaced or truncated while followed.
    #[error(
        "{path}: the trace shrank from {from} to {to} bytes while followed (replaced or truncated); follow the new file with a new command"
    )]
    Shrank { path: PathBuf, from: u64, to: u64 },
    /// Another process is writing the output file (it holds the writer's lock).
    #[error(
        "{path} is being written by another process (a running rtsec capture?); write another file or stop that one"
    )]
    Busy { path: PathBuf },
    /// The output file exists and overwriting was not asked for.
    #[error("{path} exists; pass --force to replace it")]
    Exists { path: PathBuf },
    /// An event's arguments do not have the shape its kind is recorded with.
    #[error("event of kind {kind} has arguments of another kind")]
    ArgsMismatch { kind: &'static str },
    /// The background block writer stopped.
    #[error("trace writer failed: {0}")]
    Writer(String),
    /// A value could not be encoded.
    #[error("encoding failed: {0}")]
    Encode(#[from] bincode::error::EncodeError),
}

impl FormatError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        FormatError::Io {
            path: path.into(),
            source,
        }
    }
}
