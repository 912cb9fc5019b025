//! `rtsec replay --follow`: the checks before following, Ctrl-C, waiting for the trace to be
//! created, and losses reported as they happen.

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Result, bail};
use rtsec_format::TraceFollower;
use rtsec_replay::follow::next_file;
use rtsec_replay::follow_state::StateFile;
use rtsec_replay::summary::group;
use rtsec_replay::{BlockResult, Follow, Input};

/// What to follow, once it has begun.
pub struct Started {
    pub follow: Follow,
    /// The trace, or a directory of them.
    pub input: Input,
    /// The first trace: its header has the DNS answers the rules use.
    pub first: PathBuf,
}

/// Checks that `traces` is one trace or directory that can be followed (and that `state`, if
/// given, is a state of following it), installs the Ctrl-C handler, and waits until the
/// (first) trace has its header (the rules read DNS answers recorded there). `None` if
/// stopped first.
pub fn start(traces: &[PathBuf], state: Option<&Path>) -> Result<Option<Started>> {
    let [path] = traces else {
        bail!(
            "--follow takes one trace or directory, not {}: follow each in its own \
             `rtsec replay --follow`",
            traces.len()
        );
    };
    let name = path.to_string_lossy();
    if rtsec_replay::inputs::is_stdin(path) {
        bail!(
            "standard input cannot be followed: follow the trace file `rtsec capture -o` \
             writes (rtsec replay -f FILE)"
        );
    }
    if name.ends_with(".scap") || name.ends_with(".scap.gz") {
        bail!(
            "{}: a capture cannot be followed (it is imported whole first); follow the .rts \
             trace of `rtsec capture -o`",
            path.display()
        );
    }
    // The first Ctrl-C ends the follow cleanly; a second ends the process at once.
    let stop = crate::interrupt::stop_flag();
    let mut follow = Follow::new(stop);
    if let Some(state) = state {
        // Found at the first save, after the first block's alerts, and named after its
        // temporary file, a state that cannot be written would be less clear.
        crate::output::check_output_file(state, "follow state", "follow.state")?;
        follow = follow.with_state(StateFile::new(state), path)?;
    }
    let dir = path.is_dir();
    let mut told = false;
    let mut f: Option<TraceFollower> = None;
    loop {
        if f.is_none() {
            f = match dir {
                false => Some(TraceFollower::new(path)),
                true => next_file(path, None).map(TraceFollower::new),
            };
        }
        if let Some(f) = f.as_mut()
            && f.poll_header()?.is_some()
        {
            break;
        }
        if stop.load(Ordering::Acquire) {
            eoutln!(
                "rtsec: stopped before {} had a trace header: nothing judged",
                path.display()
            );
            return Ok(None);
        }
        if !told {
            match dir {
                false => eoutln!(
                    "rtsec: waiting for {} to be written (rtsec capture -o {0})",
                    path.display()
                ),
                true => {
                    eoutln!(
                        "rtsec: waiting for a trace in {} (rtsec capture -o {0}/NAME.rts \
                         --rotate-every ...)",
                        path.display()
                    );
                    let misnamed = rtsec_replay::inputs::traces_by_another_name(path);
                    if let Some(files) = rtsec_replay::inputs::first_and_more(&misnamed) {
                        eoutln!(
                            "rtsec: note: {} holds rtsec traces by another name ({files}): a \
                             follower reads only its *.rts files",
                            path.display(),
                        );
                    }
                }
            }
            told = true;
        }
        std::thread::sleep(follow.poll.max(Duration::from_millis(10)));
    }
    let first = f.expect("found above").path().to_path_buf();
    Ok(Some(Started {
        follow,
        input: Input::new(path),
        first,
    }))
}

/// Reports on stderr, as blocks are judged, when the trace records new losses: alerts on what
/// was lost are missing, and the user watching live should know at once, not at the end.
#[derive(Default)]
pub struct LossWatch {
    /// The file of a followed directory the counts are of (each file counts its own).
    input: usize,
    dropped: u64,
    skipped: u64,
    events: u64,
}

impl LossWatch {
    pub fn block(&mut self, r: &BlockResult, input: &Input) {
        if r.input != self.input {
            *self = LossWatch {
                input: r.input,
                ..LossWatch::default()
            };
        }
        self.events += r.events + r.outside;
        let dropped = r.losses.kernel_drops();
        let skipped = r.losses.records_lost();
        let name = input.name().display();
        if dropped > self.dropped {
            eoutln!(
                "rtsec: {name}: the kernel dropped {} more events ({} in all) by event {}: \
                 alerts on them are missing",
                group(dropped - self.dropped),
                group(dropped),
                group(self.events)
            );
            self.dropped = dropped;
        }
        if skipped > self.skipped {
            eoutln!(
                "rtsec: {name}: {} more source records skipped or kept incomplete ({} in all) by \
                 event {}",
                group(skipped - self.skipped),
                group(skipped),
                group(self.events)
            );
            self.skipped = skipped;
        }
    }
}
