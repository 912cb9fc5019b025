//! One module per subcommand: its arguments (`Args`) and `run`.

pub mod capture;
pub mod diff;
pub mod events;
pub mod explain;
pub mod export;
pub mod fields;
pub mod import;
pub mod inspect;
mod parquet_out;
pub mod replay;
pub mod rules;
pub mod test;
pub mod validate;

/// The worker threads for `-j N`: N, or every core without it.
pub fn worker_threads(jobs: Option<usize>) -> usize {
    jobs.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1)
}
