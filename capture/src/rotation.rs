//! The files of a capture that starts a new trace now and then (`--rotate-size`,
//! `--rotate-every`), as tcpdump and sysdig rotate theirs, so that a capture can run for weeks:
//! each file is a whole trace (its own header, blocks and footer, its events numbered from 1,
//! its own losses), named after the time it starts so that a directory's files sort in time
//! order (`rtsec replay DIR` judges them in that order), and only the newest `--keep` are kept.
//!
//! Nothing is lost between files: the capture switches files between two blocks, and every
//! block carries the process, container and file records its events refer to.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// When to start a new file, and how many to keep.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Start a new file once the current one holds about this many bytes.
    pub max_bytes: Option<u64>,
    /// Start a new file once the current one has recorded this long.
    pub every: Option<Duration>,
    /// Keep only the newest this many files of this capture (older ones are deleted).
    pub keep: Option<usize>,
}

impl Rotation {
    /// Whether files rotate at all.
    pub fn is_on(&self) -> bool {
        self.max_bytes.is_some() || self.every.is_some()
    }
}

/// The files written so far and the one being written.
pub(crate) struct Series {
    rotation: Rotation,
    /// Where the names come from: `DIR/NAME.rts` gives `DIR/NAME-<start>.rts`.
    base: PathBuf,
    /// Files of this capture still on disk, oldest first (the last is being written).
    kept: VecDeque<PathBuf>,
    opened_at: Instant,
    /// Files started, and deleted as beyond `keep`.
    pub started: u64,
    pub deleted: u64,
    /// Files that could not be deleted, and why.
    pub delete_errors: Vec<String>,
}

impl Series {
    pub fn new(base: &Path, rotation: Rotation) -> Series {
        Series {
            rotation,
            base: base.to_path_buf(),
            kept: VecDeque::new(),
            opened_at: Instant::now(),
            started: 0,
            deleted: 0,
            delete_errors: Vec::new(),
        }
    }

    /// The name of a file whose first events are from `start_ns` (ns since the epoch):
    /// `NAME-20261130T104400.123Z.rts`. UTC to the millisecond: names sort as the files' times.
    pub fn name_at(&self, start_ns: u64) -> PathBuf {
        let stem = self
            .base
            .file_stem()
            .map_or("trace".into(), |s| s.to_string_lossy());
        let ext = self
            .base
            .extension()
            .map_or("rts".into(), |e| e.to_string_lossy());
        let when = chrono::DateTime::from_timestamp_nanos(start_ns as i64)
            .format("%Y%m%dT%H%M%S%.3fZ")
            .to_string();
        self.base.with_file_name(format!("{stem}-{when}.{ext}"))
    }

    /// Whether the file being written, now `bytes` long, should be the last of its series.
    pub fn due(&self, bytes: u64) -> bool {
        self.rotation.max_bytes.is_some_and(|m| bytes >= m)
            || self
                .rotation
                .every
                .is_some_and(|e| self.opened_at.elapsed() >= e)
    }

    /// Notes that `path` is being written from now on, and deletes the oldest files beyond
    /// `keep`.
    pub fn opened(&mut self, path: PathBuf) {
        self.kept.push_back(path);
        self.opened_at = Instant::now();
        self.started += 1;
        let keep = self.rotation.keep.unwrap_or(usize::MAX).max(1);
        while self.kept.len() > keep {
            let old = self.kept.pop_front().expect("longer than keep");
            match std::fs::remove_file(&old) {
                Ok(()) => self.deleted += 1,
                Err(e) => self.delete_errors.push(format!("{}: {e}", old.display())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_as_the_files_start() {
        let s = Series::new(Path::new("/var/lib/rtsec/host.rts"), Rotation::default());
        let a = s.name_at(1_796_018_400_000_000_000);
        let b = s.name_at(1_796_018_400_123_456_789);
        let c = s.name_at(1_796_104_800_000_000_000);
        assert_eq!(a, Path::new("/var/lib/rtsec/host-20261130T060000.000Z.rts"));
        assert_eq!(b, Path::new("/var/lib/rtsec/host-20261130T060000.123Z.rts"));
        assert!(a < b && b < c);
        let bare = Series::new(Path::new("out"), Rotation::default());
        assert_eq!(bare.name_at(0), Path::new("out-19700101T000000.000Z.rts"));
    }

    #[test]
    fn a_file_is_due_by_size_or_age_and_only_the_newest_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Series::new(
            &dir.path().join("t.rts"),
            Rotation {
                max_bytes: Some(1000),
                every: Some(Duration::from_millis(50)),
                keep: Some(2),
            },
        );
        let files: Vec<PathBuf> = (0..4)
            .map(|i| dir.path().join(format!("t-{i}.rts")))
            .collect();
        std::fs::write(&files[0], b"x").unwrap();
        s.opened(files[0].clone());
        assert!(!s.due(999));
        assert!(s.due(1000));
        std::thread::sleep(Duration::from_millis(60));
        assert!(s.due(0), "old enough");
        for f in &files[1..] {
            std::fs::write(f, b"x").unwrap();
            s.opened(f.clone());
        }
        let left: Vec<bool> = files.iter().map(|f| f.exists()).collect();
        assert_eq!(left, [false, false, true, true]);
        assert_eq!((s.started, s.deleted), (4, 2));
        // A file already gone is reported, not fatal.
        std::fs::remove_file(&files[2]).unwrap();
        let f = dir.path().join("t-4.rts");
        std::fs::write(&f, b"x").unwrap();
        s.opened(f);
        assert_eq!(s.deleted, 2);
        assert_eq!(s.delete_errors.len(), 1, "{:?}", s.delete_errors);
        assert!(s.delete_errors[0].contains("t-2.rts"));
    }
}
