//! The progress bar of the commands that read traces block by block (replay, diff, export):
//! bytes of the inputs read and a message, on stderr when it is a terminal (nothing otherwise).

use std::io::IsTerminal;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rtsec_replay::Progress;

pub struct BlocksBar {
    bar: Option<ProgressBar>,
    start: Instant,
}

impl BlocksBar {
    pub fn new() -> BlocksBar {
        let bar = std::io::stderr().is_terminal().then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template(
                    "{spinner} {elapsed} {bar:30} {bytes}/{total_bytes} {msg}",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            b
        });
        BlocksBar {
            bar,
            start: Instant::now(),
        }
    }

    /// No bar, wherever stderr goes.
    pub fn hidden() -> BlocksBar {
        BlocksBar {
            bar: None,
            start: Instant::now(),
        }
    }

    /// Shows `p`, with the message `message` makes of it and the seconds since the start
    /// (called only when there is a bar: the message is not formatted for nothing).
    pub fn update(&self, p: &Progress, message: impl FnOnce(&Progress, f64) -> String) {
        if let Some(bar) = &self.bar {
            bar.set_length(p.total_bytes);
            bar.set_position(p.bytes);
            let secs = self.start.elapsed().as_secs_f64().max(1e-9);
            bar.set_message(message(p, secs));
        }
    }

    /// Removes the bar (before the summary is printed).
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
