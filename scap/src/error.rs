//! Errors of the reader. Every error that concerns the file's content names the byte offset where
//! reading stopped; everything before it has been yielded.

use std::fmt;

/// Where in the input something happened. For gzip files the offset counts bytes of the
/// *uncompressed* stream (the compressed position of a byte is not meaningful).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub offset: u64,
    pub compressed: bool,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.compressed {
            write!(f, "byte {} of the uncompressed stream", self.offset)
        } else {
            write!(f, "byte {}", self.offset)
        }
    }
}

/// What went wrong while reading a capture. After an error the reader yields nothing more.
#[derive(Debug, thiserror::Error)]
pub enum ScapError {
    /// The file could not be opened or read for a reason outside its content.
    #[error("{file}: {source}")]
    Io {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// The input does not start like a .scap capture (wrong first block type or magic).
    #[error(
        "{file}: not a .scap capture: {what} (at {at}); expected a Falco/sysdig capture, plain or gzip"
    )]
    NotScap {
        file: String,
        at: Position,
        what: String,
    },
    /// The input ends in the middle of a block; everything before `at` was read.
    #[error("{file}: truncated at {at}: {what}; the events before it were read")]
    Truncated {
        file: String,
        at: Position,
        what: String,
    },
    /// A block or entry whose lengths or markers contradict each other.
    #[error("{file}: corrupt at {at}: {what}; the events before it were read")]
    Corrupt {
        file: String,
        at: Position,
        what: String,
    },
    /// A section header of a format version this reader does not know.
    #[error(
        "{file}: unsupported .scap version {major}.{minor} at {at}; this reader knows major version 1"
    )]
    UnsupportedVersion {
        file: String,
        at: Position,
        major: u16,
        minor: u16,
    },
    /// The gzip stream is damaged (bad deflate data or checksum).
    #[error("{file}: damaged gzip stream at {at}: {source}; the events before it were read")]
    Gzip {
        file: String,
        at: Position,
        #[source]
        source: std::io::Error,
    },
}

impl ScapError {
    /// Where reading stopped, if the error concerns the file's content.
    pub fn position(&self) -> Option<Position> {
        match self {
            ScapError::Io { .. } => None,
            ScapError::NotScap { at, .. }
            | ScapError::Truncated { at, .. }
            | ScapError::Corrupt { at, .. }
            | ScapError::UnsupportedVersion { at, .. }
            | ScapError::Gzip { at, .. } => Some(*at),
        }
    }
}
