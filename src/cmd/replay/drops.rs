//! `replay --drop-alerts`: the drop alerts written where the block's alerts go, the notes on
//! settings, and the summary's line.

use std::io::Write;

use rtsec_replay::drop_alerts::{DropAlertCounts, DropAlerts};
use rtsec_replay::falco_config::FalcoConfig;
use rtsec_replay::outputs::Outputs;
use rtsec_replay::summary::group;
use rtsec_replay::{LineFormat, ReplayError};

/// The drop alerts of a run, after notes on the settings that keep them from being written or
/// are not applied.
pub(super) fn start(config: &FalcoConfig, format: LineFormat) -> DropAlerts {
    let s = &config.syscall_event_drops;
    if !s.alert {
        eoutln!(
            "rtsec: note: {}: `syscall_event_drops.actions` has no `alert`: --drop-alerts \
             writes none",
            config.path.display()
        );
    }
    if s.exit {
        eoutln!(
            "rtsec: note: {}: `syscall_event_drops.actions` has `exit`, which stops a live \
             Falco: not applied, the traces are judged whole (exit code 3 says they had drops)",
            config.path.display()
        );
    }
    DropAlerts::new(s.clone(), format)
}

/// Writes drop alert lines where the block's alerts go.
pub(super) fn write(
    lines: &[u8],
    print: bool,
    out: &mut impl Write,
    outputs: Option<&mut Outputs>,
) -> Result<(), ReplayError> {
    if lines.is_empty() {
        return Ok(());
    }
    if print {
        out.write_all(lines)
            .map_err(|e| ReplayError::Output(format!("stdout: {e}")))?;
    }
    if let Some(o) = outputs {
        o.send(lines);
    }
    Ok(())
}

/// The summary's line: alerts written, and the seconds with drops that wrote none.
pub(super) fn summary_line(c: DropAlertCounts) -> String {
    let mut line = format!("drop alerts: {}", group(c.alerts));
    let mut not = Vec::new();
    if c.rate_limited > 0 {
        not.push(format!(
            "{} held back by the rate limit (syscall_event_drops.rate, max_burst)",
            group(c.rate_limited)
        ));
    }
    if c.below_threshold > 0 {
        not.push(format!(
            "{} at or below syscall_event_drops.threshold",
            group(c.below_threshold)
        ));
    }
    if !not.is_empty() {
        line.push_str(&format!(
            "; seconds with drops but no alert: {}",
            not.join(", ")
        ));
    }
    line.push('\n');
    line
}
