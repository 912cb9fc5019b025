//! `--listen ADDR` of `replay` and `export`: Prometheus metrics and a health check served
//! while the run lasts (see `rtsec_replay::metrics`).

use std::sync::Arc;

use anyhow::Result;
use rtsec_replay::metrics::Metrics;

/// Starts serving on `addr`, if given, before anything is judged (a follower's health check
/// answers while it waits for its trace): the counters to update.
pub fn start(addr: Option<&str>, following: bool) -> Result<Option<Arc<Metrics>>> {
    let Some(addr) = addr else {
        return Ok(None);
    };
    let metrics = Arc::new(Metrics::new(following));
    let at = rtsec_replay::metrics_server::serve(addr, metrics.clone())?;
    eoutln!("rtsec: serving http://{at}/metrics and http://{at}/healthz");
    Ok(Some(metrics))
}
