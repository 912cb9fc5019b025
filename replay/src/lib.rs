//! rtsec's replay side: judging recorded traces against Falco rules, fast and reproducibly.
//!
//! # Replay
//!
//! [`replay`] takes a compiled [`rtsec_rules::Engine`], the traces ([`inputs::expand`] turns
//! files and directories into [`Input`]s) and [`ReplayOptions`]. Blocks of all inputs are
//! judged in parallel on a rayon pool (each worker decodes a block and runs the rules on its
//! events with its own [`rtsec_rules::Scratch`]); results come back to the caller's `on_block`
//! in input order, then block order, so every output is byte-identical for every thread
//! count. At most `max_in_flight` blocks are alive at once, and no new one starts while
//! finished blocks hold more than `max_waiting_bytes` of output: memory does not grow with the
//! inputs. What each hit produces is chosen with [`Produce`]: Falco's text or JSON lines
//! ([`LineFormat`]), Parquet rows ([`HitRows`], written with [`ParquetFile`]), or [`Hit`]s
//! kept in memory.
//!
//! The [`Summary`] counts events, hits by rule and by priority, and says for every trace
//! whether it was judged whole: kernel drops, skipped records, truncation and damaged blocks
//! are never silent ([`Summary::exit_code`]: [`EXIT_OK`], [`EXIT_FAILED`], [`EXIT_INCOMPLETE`]).
//!
//! # Parquet
//!
//! Hits: one row per alert, schema in [`hits`]. Events: [`export::export`] writes every event
//! with its resolved fields, schema in [`export`]. Both are zstd-compressed and written in row
//! groups as rows arrive; the file appears under its name only when complete. Each hit is
//! rendered once ([`rtsec_rules::AlertBuf`]) for its text line, JSON and row; a worker that
//! made many rows for a block also encodes them (into pages for hits, [`hits_encoder`]; into
//! row groups for events, [`RowGroupEncoder`]), so that the file's thread only assembles and
//! writes them ([`BlockResult::write_rows`]).
//!
//! [`ReplayOptions::window`] limits a run to a time window ([`window`]): blocks wholly outside
//! it are not read, events outside it in the others are not judged.
//!
//! # Comparing rule sets
//!
//! [`compare::compare`] judges the same traces with two rule sets in one pass (each block
//! decoded once) and reports the hits only one of them has, and those whose alert differs.
//!
//! # Regression tests of rule sets
//!
//! [`harness`] runs YAML case files (traces + rules + expected hits) and reports pass/fail with
//! a readable diff, JUnit XML, and `--update` for the golden-file workflow.

pub mod blind;
pub mod compare;
mod decimal;
pub mod drop_alerts;
pub mod error;
pub mod explain;
pub mod export;
pub mod falco_config;
pub mod fields;
pub mod follow;
pub mod follow_state;
pub mod harness;
pub mod hit_rows;
pub mod hits;
pub mod hits_encoder;
pub mod inputs;
mod judge;
pub mod memory;
pub mod metrics;
pub mod metrics_server;
pub mod outputs;
mod parquet_delta;
pub mod parquet_file;
mod parquet_pages;
pub mod parquet_series;
mod pipeline;
pub mod rules;
pub mod summary;
mod text_buffers;
pub mod window;

pub use error::ReplayError;
pub use fields::{AlertFields, FieldReader};
pub use follow::Follow;
pub use hit_rows::{HitRows, HitSource, RowsSize, RuleCatalog};
pub use hits::hits_schema;
pub use inputs::Input;
pub use judge::{BlockResult, Hit, LineFormat, Produce, thread_cpu_ns};
pub use memory::keep_freed_memory;
pub use parquet_file::{
    EncodedRowGroup, ParquetFile, ParquetStats, PartialFileHook, RowGroupEncoder, on_partial_files,
};
pub use pipeline::{PIECE_BYTES, Progress, ReplayOptions, replay};
pub use summary::{
    EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, FollowEnd, Resumed, RuleHits, Summary, TraceReport,
    UnseenRule,
};
pub use window::{TimeBound, TimeWindow};
