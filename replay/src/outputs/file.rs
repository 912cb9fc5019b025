//! `file_output`: alerts appended to a file, as Falco appends them.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use super::{FileConfig, Sink};
use crate::error::ReplayError;

pub(super) struct FileSink {
    path: PathBuf,
    /// Open for the whole run with `keep_alive`.
    file: Option<File>,
    keep_alive: bool,
}

impl FileSink {
    /// Opens the file once to check it can be written (a wrong path fails the run at once,
    /// not at the first alert).
    pub fn open(config: &FileConfig) -> Result<FileSink, ReplayError> {
        let file = append(&config.filename).map_err(|e| {
            ReplayError::Config(format!(
                "file_output.filename {}: cannot open it to append alerts: {e}",
                config.filename.display()
            ))
        })?;
        Ok(FileSink {
            path: config.filename.clone(),
            file: config.keep_alive.then_some(file),
            keep_alive: config.keep_alive,
        })
    }
}

fn append(path: &PathBuf) -> std::io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

impl Sink for FileSink {
    fn send(&mut self, lines: &[u8]) -> (u64, Option<String>) {
        let alerts = lines.iter().filter(|&&b| b == b'\n').count() as u64;
        let written = match self.file.as_mut() {
            Some(f) => f.write_all(lines),
            // Opened for each block's alerts: a log rotation can move the file between.
            None => append(&self.path).and_then(|mut f| f.write_all(lines)),
        };
        match written {
            Ok(()) => (alerts, None),
            Err(e) => {
                if self.keep_alive {
                    // Opened again for the next alerts (the disk may have room by then).
                    self.file = append(&self.path).ok();
                }
                (0, Some(e.to_string()))
            }
        }
    }

    fn close(&mut self) -> Result<(), String> {
        match self.file.take() {
            Some(f) => f.sync_data().map_err(|e| e.to_string()),
            None => Ok(()),
        }
    }
}
