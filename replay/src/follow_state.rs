//! Where a follow got to (`rtsec replay --follow --state FILE`, `rtsec export --follow
//! --state`), so that a follower restarted (a reboot, an upgrade, a crash) judges what was
//! written meanwhile and nothing twice: the file names the trace and its last block whose
//! output is safe.
//!
//! Each block's result carries the state after it ([`crate::BlockResult::follow_state`]);
//! the caller saves it once the block's output is safe: a replay once its alerts are flushed,
//! an export once the Parquet file with its rows is finished. Saving writes a temporary file
//! and renames it over the old one: a follower killed at any moment leaves the old state or
//! the new one, never a torn one. A follower killed between making a block's output safe and
//! saving the state writes that output again when restarted (at least once, never lost).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::ReplayError;

/// Bumped when the state's meaning changes; an unknown version is refused, not guessed at.
const STATE_VERSION: u32 = 1;

/// The last block of a followed trace whose alerts were written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowState {
    pub version: u32,
    /// The trace, as an absolute path.
    pub trace: PathBuf,
    /// Which recording the path held (a path may be written again): the trace header's host
    /// and start, and the checksum of its first block.
    pub hostname: String,
    pub start_ns: u64,
    pub first_block_crc: u32,
    /// The block's position in the trace and its byte offset (checked on resuming).
    pub block: u32,
    pub offset: u64,
    /// `evt.num` of the block's last event.
    pub last_event: u64,
}

impl FollowState {
    pub fn new(
        trace: PathBuf,
        (hostname, start_ns, first_block_crc): (String, u64, u32),
        block: u32,
        offset: u64,
        last_event: u64,
    ) -> FollowState {
        FollowState {
            version: STATE_VERSION,
            trace,
            hostname,
            start_ns,
            first_block_crc,
            block,
            offset,
            last_event,
        }
    }

    /// Whether this state is of the recording whose header has `hostname` and `start_ns` and
    /// whose first block has the checksum `first_block_crc` (not of another trace written at
    /// the same path).
    pub fn is_of(&self, hostname: &str, start_ns: u64, first_block_crc: u32) -> bool {
        self.hostname == hostname
            && self.start_ns == start_ns
            && self.first_block_crc == first_block_crc
    }
}

/// The file a follow's state is kept in.
#[derive(Clone, Debug)]
pub struct StateFile {
    path: PathBuf,
    tmp: PathBuf,
}

impl StateFile {
    pub fn new(path: &Path) -> StateFile {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        StateFile {
            path: path.to_path_buf(),
            tmp: PathBuf::from(tmp),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The state saved by an earlier follow; `None` if the file does not exist (a first run).
    pub fn load(&self) -> Result<Option<FollowState>, ReplayError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(ReplayError::io(&self.path, e)),
        };
        let bad = |what: String| {
            ReplayError::State(format!(
                "{}: {what}; delete it to follow from the start",
                self.path.display()
            ))
        };
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| bad(format!("not a follow state written by rtsec ({e})")))?;
        let version = value.get("version").and_then(|v| v.as_u64());
        if version != Some(STATE_VERSION as u64) {
            return Err(bad(format!(
                "a follow state of version {}, this rtsec reads version {STATE_VERSION}",
                version.map_or("(none)".to_string(), |v| v.to_string())
            )));
        }
        let state: FollowState = serde_json::from_value(value)
            .map_err(|e| bad(format!("not a follow state written by rtsec ({e})")))?;
        Ok(Some(state))
    }

    /// Replaces the saved state with `state` (see the module docs).
    pub fn save(&self, state: &FollowState) -> Result<(), ReplayError> {
        let mut text = serde_json::to_vec_pretty(state)
            .map_err(|e| ReplayError::State(format!("{}: {e}", self.path.display())))?;
        text.push(b'\n');
        // Named after the file the user gave: the `.tmp` one is ours.
        let failed = |e: std::io::Error| {
            let _ = std::fs::remove_file(&self.tmp);
            ReplayError::State(format!(
                "{}: cannot save the follow state (written first to {}): {e}",
                self.path.display(),
                self.tmp.display()
            ))
        };
        std::fs::write(&self.tmp, &text).map_err(failed)?;
        std::fs::rename(&self.tmp, &self.path).map_err(failed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_loads_back_and_a_missing_file_is_a_first_run() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(&dir.path().join("follow.state"));
        assert_eq!(file.load().unwrap(), None);
        let s = FollowState::new("/t/a.rts".into(), ("h".into(), 7, 99), 3, 4096, 1200);
        file.save(&s).unwrap();
        assert_eq!(file.load().unwrap(), Some(s.clone()));
        assert!(s.is_of("h", 7, 99));
        assert!(!s.is_of("h", 8, 99) && !s.is_of("g", 7, 99) && !s.is_of("h", 7, 98));
        assert!(!dir.path().join("follow.state.tmp").exists());
    }

    #[test]
    fn a_file_that_is_not_a_state_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.json");
        for text in ["not json", "{\"version\": 9}", "{\"version\": 1}"] {
            std::fs::write(&path, text).unwrap();
            let e = StateFile::new(&path).load().unwrap_err().to_string();
            assert!(e.contains("s.json") && e.contains("delete it"), "{e}");
        }
        std::fs::write(&path, "{\"version\": 9}").unwrap();
        let e = StateFile::new(&path).load().unwrap_err().to_string();
        assert!(e.contains("version 9"), "{e}");
    }
}
