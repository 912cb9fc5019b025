//! `--since` and `--until`: the time window of the commands that judge or export traces.

use rtsec_replay::{TimeBound, TimeWindow};

#[derive(clap::Args, Clone, Debug, Default)]
pub struct WindowArgs {
    /// Only events at or after this time: 2026-11-30T06:00:00Z (RFC 3339; without a zone,
    /// local time), @SECONDS since the epoch, +DURATION from the start of each trace (+90s,
    /// +5m, +1h30m), or now, now-DURATION (now-10m). Blocks wholly outside the window are not
    /// read.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub since: Option<TimeBound>,
    /// Only events at or before this time (as --since).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub until: Option<TimeBound>,
}

impl WindowArgs {
    /// The window; one that ends before it starts is refused.
    pub fn window(&self) -> anyhow::Result<TimeWindow> {
        let window = TimeWindow {
            since: self.since,
            until: self.until,
        };
        if let Some((a, b)) = window.inverted() {
            anyhow::bail!("--since {a} is after --until {b}: no event can be in that window");
        }
        Ok(window)
    }
}
