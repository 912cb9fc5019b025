//! Where `rtsec replay --parquet` writes hits and `rtsec export` events: one file, finished
//! at the end; or, following with `--parquet-every` / `--every`, a series of files each
//! finished when its interval is over.

use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::output::count;
use anyhow::{Result, bail};
use arrow_schema::SchemaRef;
use rtsec_replay::export::{EVENTS_SCHEMA_VERSION, events_schema};
use rtsec_replay::follow_state::{FollowState, StateFile};
use rtsec_replay::hits::HITS_SCHEMA_VERSION;
use rtsec_replay::parquet_series::ParquetSeries;
use rtsec_replay::summary::group;
use rtsec_replay::{BlockResult, ParquetFile, ReplayError, Summary, hits_schema};

/// What the rows are.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Rows {
    Hits,
    Events,
}

impl Rows {
    fn schema(self) -> (SchemaRef, &'static str, u32) {
        match self {
            Rows::Hits => (hits_schema(), "hits", HITS_SCHEMA_VERSION),
            Rows::Events => (events_schema(), "events", EVENTS_SCHEMA_VERSION),
        }
    }
}

pub enum ParquetOut {
    File(ParquetFile, Rows),
    Series(ParquetSeries, Rows),
}

impl ParquetOut {
    /// The file `path`, or with `every` the series named after it. An existing file is
    /// replaced only with `force`. Files a killed follower left unfinished are named on
    /// stderr: their rows cannot be read.
    pub fn create(
        path: &Path,
        rows: Rows,
        every: Option<Duration>,
        force: bool,
    ) -> Result<ParquetOut> {
        let (schema, kind, version) = rows.schema();
        check_output_path(path, rows)?;
        let Some(every) = every else {
            if path.exists() && !force {
                bail!("{} exists; pass --force to replace it", path.display());
            }
            let file = ParquetFile::create(path, schema, kind, version)?;
            return Ok(ParquetOut::File(file, rows));
        };
        let series = ParquetSeries::new(path, every, (schema, kind, version), force);
        for p in series.left_partial() {
            eoutln!(
                "rtsec: {} was left unfinished by a follower that was killed: its {kind} are \
                 not in a Parquet file{}",
                p.display(),
                match rows {
                    Rows::Hits => " (they were printed as alerts)",
                    Rows::Events =>
                        " (they are in the trace; with --state they are exported again)",
                }
            );
        }
        Ok(ParquetOut::Series(series, rows))
    }

    /// Writes the rows of `r` (a block, or a part of one).
    pub fn write(&mut self, r: &mut BlockResult) -> Result<(), ReplayError> {
        match self {
            ParquetOut::File(f, _) => r.write_rows(f),
            ParquetOut::Series(s, _) => {
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

    /// Files of a series finished so far (their rows are safe).
    pub fn finished_files(&self) -> u64 {
        match self {
            ParquetOut::File(..) => 0,
            ParquetOut::Series(s, _) => s.finished_files(),
        }
    }

    /// While a followed trace has nothing new: a file whose interval is over is finished.
    pub fn tick(&mut self) -> Result<(), ReplayError> {
        match self {
            ParquetOut::File(..) => Ok(()),
            ParquetOut::Series(s, _) => {
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
            ParquetOut::File(f, rows) => {
                let path = f.path().to_path_buf();
                let stats = f.finish()?;
                format!(
                    "Parquet: {} {} in {} → {} ({} bytes)\n",
                    group(stats.rows),
                    rows.schema().1,
                    count(stats.row_groups, "row group", "row groups"),
                    path.display(),
                    group(stats.bytes)
                )
            }
            ParquetOut::Series(s, rows) => {
                let stats = s.finish()?;
                format!(
                    "Parquet: {} {} in {} → {} ({} bytes)\n",
                    group(stats.rows),
                    rows.schema().1,
                    count(stats.files, "file", "files"),
                    series_glob(base).display(),
                    group(stats.bytes)
                )
            }
        })
    }

    pub fn abandon(self) {
        match self {
            ParquetOut::File(f, _) => f.abandon(),
            ParquetOut::Series(s, _) => s.abandon(),
        }
    }
}

/// A Parquet output shared by a run's two callbacks: each block's rows are written, and
/// while a followed trace has nothing new a series' file whose interval is over is finished.
/// A failure then stops the run at its next block, or at its end.
///
/// With a follow's state file, the state is saved only once the rows of its block are in a
/// finished file: a follower killed with rows in an unfinished file writes them again when
/// it starts again (`rtsec export --follow --state`).
pub struct SharedParquet {
    out: RefCell<Option<ParquetOut>>,
    idle_error: RefCell<Option<ReplayError>>,
    state: Option<StateFile>,
    /// The state after the last block written, saved once its file is finished.
    pending: RefCell<Option<FollowState>>,
}

impl SharedParquet {
    pub fn new(out: Option<ParquetOut>) -> SharedParquet {
        SharedParquet {
            out: RefCell::new(out),
            idle_error: RefCell::new(None),
            state: None,
            pending: RefCell::new(None),
        }
    }

    /// Saves the follow's state in `state` as the rows become safe (see the type's docs).
    pub fn with_state(mut self, state: Option<StateFile>) -> SharedParquet {
        self.state = state;
        self
    }

    /// Writes the rows of `r`; fails with an error the idle follower met, if any.
    pub fn write(&self, r: &mut BlockResult) -> Result<(), ReplayError> {
        if let Some(e) = self.idle_error.borrow_mut().take() {
            return Err(e);
        }
        let mut out = self.out.borrow_mut();
        let Some(out) = out.as_mut() else {
            return Ok(());
        };
        let finished = out.finished_files();
        out.write(r)?;
        // A file finished before this block's rows: those of the blocks before are safe.
        if out.finished_files() > finished {
            self.save_pending()?;
        }
        if self.state.is_some()
            && let Some(s) = r.follow_state.take()
        {
            *self.pending.borrow_mut() = Some(s);
        }
        Ok(())
    }

    /// Called with each progress report: when it says the run is idle, see [`ParquetOut::tick`].
    pub fn progress(&self, p: &rtsec_replay::Progress) {
        if !p.idle {
            return;
        }
        let mut out = self.out.borrow_mut();
        let Some(out) = out.as_mut() else {
            return;
        };
        let finished = out.finished_files();
        let ticked = out
            .tick()
            .and_then(|()| match out.finished_files() > finished {
                true => self.save_pending(),
                false => Ok(()),
            });
        if let Err(e) = ticked {
            self.idle_error.borrow_mut().get_or_insert(e);
        }
    }

    fn save_pending(&self) -> Result<(), ReplayError> {
        match (&self.state, self.pending.borrow_mut().take()) {
            (Some(file), Some(s)) => file.save(&s),
            _ => Ok(()),
        }
    }

    /// Finishes the output (the summary's line about it) and saves the state of its last
    /// block; `result` is the run's, unless the idle follower met an error. The output of a
    /// run that failed, was interrupted (its rows are of part of the input, under the name
    /// of the whole), or could judge none of its inputs, is removed.
    pub fn finish(
        self,
        base: &Path,
        result: Result<Summary, ReplayError>,
    ) -> (Result<Summary, ReplayError>, Result<String>) {
        let result = match self.idle_error.into_inner() {
            Some(e) => Err(e),
            None => result,
        };
        let Some(out) = self.out.into_inner() else {
            return (result, Ok(String::new()));
        };
        if let Err(e) = result {
            out.abandon();
            let e = match e {
                ReplayError::Parquet { path, message } => ReplayError::Parquet {
                    path,
                    message: format!(
                        "{message}; the run stopped there, and the unfinished Parquet file \
                         was removed"
                    ),
                },
                e => e,
            };
            return (Err(e), Ok(String::new()));
        }
        if result.as_ref().is_ok_and(Summary::interrupted) {
            out.abandon();
            let line = format!(
                "Parquet: {} not written: the run was interrupted\n",
                base.display()
            );
            return (result, Ok(line));
        }
        // An empty file would look like a result (a job that reads it finds no rows, not
        // an error); with some inputs judged, their rows are written.
        if let Ok(s) = &result
            && !s.traces.is_empty()
            && s.failed().count() == s.traces.len()
        {
            out.abandon();
            let line = format!(
                "Parquet: {} not written: no input could be judged\n",
                base.display()
            );
            return (result, Ok(line));
        }
        let line = out
            .finish(base)
            .map_err(|e| anyhow::anyhow!("{e:#}; the unfinished Parquet file was removed"))
            .and_then(|line| {
                if let (Some(file), Some(s)) = (&self.state, self.pending.into_inner()) {
                    file.save(&s)?;
                }
                Ok(line)
            });
        (result, line)
    }
}

/// Refuses a path that cannot become the Parquet file before any work: found at the rename
/// of the finished file, or named after the `.partial` file written first, it would be less
/// clear.
fn check_output_path(path: &Path, rows: Rows) -> Result<()> {
    let example = match rows {
        Rows::Hits => "hits.parquet",
        Rows::Events => "events.parquet",
    };
    crate::output::check_output_file(path, "Parquet file", example)
}

/// `STEM-*.parquet` beside `base`: what a reader of the series globs.
fn series_glob(base: &Path) -> PathBuf {
    let stem = base
        .file_stem()
        .map_or("rows".into(), |s| s.to_string_lossy());
    base.with_file_name(format!("{stem}-*.parquet"))
}
