//! The byte stream under a capture: a plain file or a gzip stream (several concatenated gzip
//! members read as one, as zlib's `gzopen` does), with the count of bytes consumed so far.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;

use crate::error::{Position, ScapError};

const BUFFER: usize = 256 * 1024;

/// Result of trying to fill a buffer completely.
pub(crate) enum Fill {
    /// The buffer is full.
    Full,
    /// The input ended after `got` bytes.
    Eof { got: usize },
    /// Reading failed after `got` bytes.
    Failed { got: usize, error: io::Error },
}

pub(crate) struct Input {
    inner: Box<dyn Read + Send>,
    /// Bytes consumed from the (uncompressed) stream.
    pub offset: u64,
    pub compressed: bool,
    pub name: String,
}

impl Input {
    pub fn open(path: &Path) -> Result<Input, ScapError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|source| ScapError::Io {
            file: name.clone(),
            source,
        })?;
        Input::from_reader(file, name)
    }

    /// Wraps any reader, detecting gzip by its magic bytes `1f 8b`.
    pub fn from_reader<R: Read + Send + 'static>(
        reader: R,
        name: String,
    ) -> Result<Input, ScapError> {
        let mut buffered = BufReader::with_capacity(BUFFER, reader);
        let head = loop {
            match buffered.fill_buf() {
                Ok(head) => break head,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(source) => return Err(ScapError::Io { file: name, source }),
            }
        };
        let compressed = head.starts_with(&[0x1f, 0x8b]);
        let inner: Box<dyn Read + Send> = if compressed {
            Box::new(BufReader::with_capacity(
                BUFFER,
                MultiGzDecoder::new(buffered),
            ))
        } else {
            Box::new(buffered)
        };
        Ok(Input {
            inner,
            offset: 0,
            compressed,
            name,
        })
    }

    pub fn position(&self) -> Position {
        Position {
            offset: self.offset,
            compressed: self.compressed,
        }
    }

    pub fn position_at(&self, offset: u64) -> Position {
        Position {
            offset,
            compressed: self.compressed,
        }
    }

    /// Reads until `buf` is full, the input ends or an error occurs.
    pub fn fill(&mut self, buf: &mut [u8]) -> Fill {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => {
                    self.offset += got as u64;
                    return Fill::Eof { got };
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => {
                    self.offset += got as u64;
                    return Fill::Failed { got, error };
                }
            }
        }
        self.offset += got as u64;
        Fill::Full
    }

    /// Appends exactly `n` bytes to `out`, growing it only as data arrives, so that a corrupt
    /// length cannot make us allocate more than the input holds.
    pub fn append(&mut self, out: &mut Vec<u8>, n: usize) -> Fill {
        const STEP: usize = 1 << 20;
        let mut done = 0;
        while done < n {
            let step = (n - done).min(STEP);
            let start = out.len();
            out.resize(start + step, 0);
            match self.fill(&mut out[start..]) {
                Fill::Full => done += step,
                Fill::Eof { got } => {
                    out.truncate(start + got);
                    return Fill::Eof { got: done + got };
                }
                Fill::Failed { got, error } => {
                    out.truncate(start + got);
                    return Fill::Failed {
                        got: done + got,
                        error,
                    };
                }
            }
        }
        Fill::Full
    }
}
