//! Where `rtsec replay --parquet` writes hits: one file, finished at the end; or, following
//! with `--parquet-every`, a series of files each finished when its interval is over.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Result, bail};
use rtsec_replay::hits::HITS_SCHEMA_VERSION;
use rtsec_replay::parquet_series::ParquetSeries;
use rtsec_replay::summary::group;
use rtsec_replay::{BlockResult, ParquetFile, ReplayError, hits_schema};

pub enum ParquetOut {
    File(ParquetFile),
    Series(ParquetSeries),
}

impl ParquetOut {
    /// The file `path`, or with `every` the series named after it. An existing file is
    /// replaced only with `force`. Files a killed follower left unfinished are named on
    /// stderr: their hits cannot be read.
    pub fn create(path: &Path, every: Option<Duration>, force: bool) -> Result<ParquetOut> {
        let Some(every) = every else {
            if path.exists() && !force {
                bail!("{} exists; pass --force to replace it", path.display());
            }
            let file = ParquetFile::create(path, hits_schema(), "hits", HITS_SCHEMA_VERSION)?;
            return Ok(ParquetOut::File(file));
        };
        let series = ParquetSeries::new(path, every, hits_schema(), HITS_SCHEMA_VERSION, force);
        for p in series.left_partial() {
            eprintln!(
                "rtsec: {} was left unfinished by a follower that was killed: its hits are \
                 not in a Parquet file (they were printed as alerts)",
                p.display()
            );
        }
        Ok(ParquetOut::Series(series))
    }

    /// Writes the rows of `r` (a block, or a part of one).
    pub fn write(&mut self, r: &mut BlockResult) -> Result<(), ReplayError> {
        match self {
            ParquetOut::File(f) => r.write_rows(f),
            ParquetOut::Series(s) => {
                if !r.piece {
                    s.tick(r.ts_min)?;
                }
                match r.has_rows() {
                    true => r.write_rows(s.file_for(r.ts_min)?),
                    false => Ok(()),
                }
            }
        }
    }

    /// While a followed trace has nothing new: a file whose interval is over is finished.
    pub fn tick(&mut self) -> Result<(), ReplayError> {
        match self {
            ParquetOut::File(_) => Ok(()),
            ParquetOut::Series(s) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos() as u64);
                s.tick(now)
            }
        }
    }

    /// Finishes the output: the summary's line about it.
    pub fn finish(self, base: &Path) -> Result<String> {
        Ok(match self {
            ParquetOut::File(f) => {
                let path = f.path().to_path_buf();
                let stats = f.finish()?;
                format!(
                    "Parquet: {} hits in {} row groups → {} ({} bytes)\n",
                    group(stats.rows),
                    stats.row_groups,
                    path.display(),
                    group(stats.bytes)
                )
            }
            ParquetOut::Series(s) => {
                let stats = s.finish()?;
                format!(
                    "Parquet: {} hits in {} files → {} ({} bytes)\n",
                    group(stats.rows),
                    stats.files,
                    series_glob(base).display(),
                    group(stats.bytes)
                )
            }
        })
    }

    pub fn abandon(self) {
        match self {
            ParquetOut::File(f) => f.abandon(),
            ParquetOut::Series(s) => s.abandon(),
        }
    }
}

/// `STEM-*.parquet` beside `base`: what a reader of the series globs.
fn series_glob(base: &Path) -> PathBuf {
    let stem = base
        .file_stem()
        .map_or("hits".into(), |s| s.to_string_lossy());
    base.with_file_name(format!("{stem}-*.parquet"))
}
