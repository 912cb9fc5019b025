//! The replay crate's errors.

use std::path::PathBuf;

/// Everything that stops a replay, an export or a test case.
///
/// Damage *inside* a trace (truncation, corrupt blocks, drops) is not an error: it is reported
/// in the [`Summary`](crate::Summary) while the rest is judged.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// A rules file could not be loaded (the message carries file, line, column and snippet).
    #[error("{0}")]
    Rules(String),
    /// An output file could not be created or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Writing Parquet failed (disk full, invalid data for the schema, …).
    #[error("{path}: cannot write Parquet: {message}")]
    Parquet { path: PathBuf, message: String },
    /// An output given to a replay (stdout, a file) refused data; the replay stopped.
    #[error("output failed: {0}")]
    Output(String),
    /// A test case file is malformed: where, and what to do.
    #[error("{path}:{line}:{column}: {message}")]
    Case {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A Falco configuration file (falco.yaml) could not be read: which file, which key.
    #[error("{0}")]
    Config(String),
    /// A trace could not be read where one event of it was looked for (`explain`).
    #[error("{path}: {message}")]
    Trace { path: PathBuf, message: String },
    /// A follow's state file (`--state`) cannot be read or is of another trace: which file,
    /// and what to do.
    #[error("{0}")]
    State(String),
    /// Nothing to judge: no inputs were given.
    #[error("no traces given")]
    NoInputs,
    /// The metrics endpoint (`--listen`) could not listen on its address.
    #[error("--listen {addr}: {source}")]
    Listen {
        addr: String,
        source: std::io::Error,
    },
}

impl ReplayError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        ReplayError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn parquet(path: impl Into<PathBuf>, e: impl std::fmt::Display) -> Self {
        // The parquet crate wraps I/O errors as `External: …`, which says nothing to a user.
        let message = e.to_string();
        ReplayError::Parquet {
            path: path.into(),
            message: message
                .strip_prefix("External: ")
                .unwrap_or(&message)
                .to_string(),
        }
    }
}
