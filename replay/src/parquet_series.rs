//! The rows of a long follow as a series of Parquet files (`rtsec replay --follow --parquet
//! hits.parquet --parquet-every 10m`, `rtsec export --follow --every 1h`): one file per
//! interval of the trace's time, each made visible under its name
//! (`hits-20261130T104400.123Z.parquet`, the time of its first block with rows, UTC) once it
//! is finished. A reader (DuckDB `read_parquet('hits-*.parquet')`)
//! sees whole files only, while the follow runs, and a follower killed at any moment loses
//! only the rows of the file being written (its `.partial` is named when the next one starts).
//!
//! A file is finished when a block starts an interval after the file's first, or, while the
//! trace has nothing new, once the clock passes the end of its interval (live, the trace's
//! time is the clock's).

use std::path::{Path, PathBuf};
use std::time::Duration;

use arrow_schema::SchemaRef;

use crate::error::ReplayError;
use crate::parquet_file::ParquetFile;

/// What the files of a series hold, once it is finished.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SeriesStats {
    pub files: u64,
    pub rows: u64,
    pub row_groups: u64,
    pub bytes: u64,
}

/// Rows written file after file (see the module docs).
pub struct ParquetSeries {
    base: PathBuf,
    every: Duration,
    schema: SchemaRef,
    /// What the files hold (`hits`, `events`) and the version of its schema.
    kind: &'static str,
    version: u32,
    force: bool,
    /// The file being written and the trace time (ns since the epoch) its interval starts at.
    current: Option<(ParquetFile, u64)>,
    stats: SeriesStats,
}

impl ParquetSeries {
    /// A series of files of `kind` rows (`hits`, `events`) of `schema` named after `base`
    /// (`STEM-TIME.parquet` beside it), each holding `every` of the trace's time. With
    /// `force`, files of those names are replaced.
    pub fn new(
        base: &Path,
        every: Duration,
        (schema, kind, version): (SchemaRef, &'static str, u32),
        force: bool,
    ) -> ParquetSeries {
        ParquetSeries {
            base: base.to_path_buf(),
            every,
            schema,
            kind,
            version,
            force,
            current: None,
            stats: SeriesStats::default(),
        }
    }

    /// The name of a file whose first block starts at `ts` (ns since the epoch).
    pub fn name_at(&self, ts: u64) -> PathBuf {
        let stem = self
            .base
            .file_stem()
            .map_or(self.kind.into(), |s| s.to_string_lossy());
        let when = chrono::DateTime::from_timestamp_nanos(ts as i64)
            .format("%Y%m%dT%H%M%S%.3fZ")
            .to_string();
        self.base.with_file_name(format!("{stem}-{when}.parquet"))
    }

    /// Files left by an earlier follow that was killed before finishing them: `STEM-*.parquet
    /// .partial` beside the base, in name order. Their rows cannot be read.
    pub fn left_partial(&self) -> Vec<PathBuf> {
        let stem = self
            .base
            .file_stem()
            .map_or(self.kind.into(), |s| s.to_string_lossy());
        let dir = match self.base.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let prefix = format!("{stem}-");
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.starts_with(&prefix) && n.ends_with(".parquet.partial")
                })
            })
            .collect();
        found.sort();
        found
    }

    /// The file for the rows of a block that starts at `ts`: the current one, unless the
    /// block is past its interval (it is finished, and a new one started).
    pub fn file_for(&mut self, ts: u64) -> Result<&mut ParquetFile, ReplayError> {
        if self
            .current
            .as_ref()
            .is_some_and(|(_, start)| ts >= self.end_of(*start))
        {
            self.finish_current()?;
        }
        if self.current.is_none() {
            let path = self.name_at(ts);
            if path.exists() && !self.force {
                return Err(ReplayError::Output(format!(
                    "{} exists; pass --force to replace it",
                    path.display()
                )));
            }
            let file = ParquetFile::create(&path, self.schema.clone(), self.kind, self.version)?;
            self.current = Some((file, ts));
        }
        Ok(&mut self.current.as_mut().expect("opened above").0)
    }

    /// While the trace has nothing new: finishes the current file once `now` (ns since the
    /// epoch) is past its interval, so that it can be read without waiting for more hits.
    pub fn tick(&mut self, now: u64) -> Result<(), ReplayError> {
        match &self.current {
            Some((_, start)) if now >= self.end_of(*start) => self.finish_current(),
            _ => Ok(()),
        }
    }

    /// Files finished so far.
    pub fn finished_files(&self) -> u64 {
        self.stats.files
    }

    /// Finishes the file being written; what the series holds.
    pub fn finish(mut self) -> Result<SeriesStats, ReplayError> {
        self.finish_current()?;
        Ok(self.stats)
    }

    /// Removes the file being written (the run failed).
    pub fn abandon(mut self) {
        if let Some((f, _)) = self.current.take() {
            f.abandon();
        }
    }

    fn end_of(&self, start: u64) -> u64 {
        start.saturating_add(self.every.as_nanos().min(u64::MAX as u128) as u64)
    }

    fn finish_current(&mut self) -> Result<(), ReplayError> {
        if let Some((f, _)) = self.current.take() {
            let s = f.finish()?;
            self.stats.files += 1;
            self.stats.rows += s.rows;
            self.stats.row_groups += s.row_groups;
            self.stats.bytes += s.bytes;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NS: u64 = 1_000_000_000;
    /// 2026-11-30T10:44:00Z.
    const T0: u64 = 1_796_035_440 * NS;

    fn series(dir: &Path) -> ParquetSeries {
        ParquetSeries::new(
            &dir.join("hits.parquet"),
            Duration::from_secs(600),
            (
                crate::hits_schema(),
                "hits",
                crate::hits::HITS_SCHEMA_VERSION,
            ),
            false,
        )
    }

    #[test]
    fn files_are_named_after_their_first_block_and_finished_after_their_interval() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = series(dir.path());
        assert_eq!(
            s.name_at(T0 + 123_000_000),
            dir.path().join("hits-20261130T104400.123Z.parquet")
        );
        s.file_for(T0).unwrap();
        s.file_for(T0 + 599 * NS).unwrap();
        assert!(s.left_partial().len() == 1, "one file being written");
        s.file_for(T0 + 600 * NS).unwrap();
        s.tick(T0 + 1199 * NS).unwrap();
        assert!(
            dir.path()
                .join("hits-20261130T104400.000Z.parquet")
                .exists()
        );
        assert!(
            !dir.path()
                .join("hits-20261130T105400.000Z.parquet")
                .exists()
        );
        s.tick(T0 + 1200 * NS).unwrap();
        assert!(
            dir.path()
                .join("hits-20261130T105400.000Z.parquet")
                .exists()
        );
        assert!(s.left_partial().is_empty());
        assert_eq!(s.finish().unwrap().files, 2);
    }

    #[test]
    fn an_existing_file_is_not_replaced_without_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hits-20261130T104400.000Z.parquet"), "x").unwrap();
        let e = series(dir.path()).file_for(T0).err().unwrap().to_string();
        assert!(e.contains("exists; pass --force"), "{e}");
    }
}
