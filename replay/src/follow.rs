//! Following a trace while it is written (`rtsec replay --follow`): the blocks already in the
//! file are judged, then each new one as the writer (`rtsec capture` cuts a block at least
//! every second) puts it in the file, until the writer finishes it, the run is stopped, or the
//! trace passes the end of the time window. Alerts come out block by block, in order, as in
//! any replay: a followed trace gives the same output as a replay of the finished file.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rtsec_format::{Followed, TraceFollower};

use crate::inputs::Input;
use crate::judge::Job;
use crate::pipeline::Collector;
use crate::summary::FollowEnd;
use crate::window::TimeWindow;

/// How to follow (see the module docs).
#[derive(Clone, Debug)]
pub struct Follow {
    /// How long to wait before looking again when the trace has nothing new.
    pub poll: Duration,
    /// Stops following when set (by a signal handler, say): what was judged is reported.
    pub stop: &'static AtomicBool,
}

impl Follow {
    /// Looking every 100 ms, stopped by `stop`.
    pub fn new(stop: &'static AtomicBool) -> Follow {
        Follow {
            poll: Duration::from_millis(100),
            stop,
        }
    }
}

/// Follows `input` (the run's only one): submits its blocks as they come, calls `idle` (which
/// waits for the blocks submitted) before each wait, and fills its report.
pub(crate) fn follow_input(
    input: &Input,
    window: &TimeWindow,
    follow: &Follow,
    col: &mut Collector<'_>,
    submit: &mut dyn FnMut(u64, Job, &mut Collector<'_>),
    idle: &mut dyn FnMut(&mut Collector<'_>),
) {
    let mut f = TraceFollower::new(&input.path);
    let trace: Arc<str> = Arc::from(input.name().display().to_string().as_str());
    let mut hostname: Option<Arc<str>> = None;
    // The window's ends, once the first block says when the trace starts.
    let mut span = None;
    let mut seq = 0u64;
    let end = loop {
        if col.error.is_some() {
            break FollowEnd::Stopped;
        }
        if follow.stop.load(Ordering::Relaxed) {
            break FollowEnd::Stopped;
        }
        let step = match f.poll() {
            Ok(s) => s,
            Err(e) => {
                let rep = &mut col.reports[0];
                if f.header().is_none() {
                    rep.error = Some(e.to_string());
                } else {
                    rep.damaged_blocks.push(format!("reading stopped: {e}"));
                }
                break FollowEnd::Failed;
            }
        };
        match step {
            Followed::Waiting => {
                idle(col);
                if follow.stop.load(Ordering::Relaxed) {
                    break FollowEnd::Stopped;
                }
                std::thread::sleep(follow.poll);
            }
            Followed::Notice(n) => col.reports[0].notices.push(n),
            Followed::Finished(footer) => {
                let rep = &mut col.reports[0];
                rep.finished = footer.is_some();
                rep.footer_events = footer.as_ref().map(|f| f.events);
                col.footer_losses[0] = footer.map(|f| f.losses);
                break FollowEnd::Finished;
            }
            Followed::Block(raw) => {
                let host = hostname.get_or_insert_with(|| {
                    let h = f.header().map_or("", |h| h.hostname.as_str());
                    col.reports[0].hostname = h.to_string();
                    Arc::from(h)
                });
                let span = *span.get_or_insert_with(|| window.span(raw.frame.ts_min));
                let rep = &mut col.reports[0];
                if raw.frame.ts_min > span.last {
                    // Past the window's end: nothing later is in it.
                    rep.outside_window += raw.frame.events as u64;
                    rep.blocks_unread += 1;
                    break FollowEnd::PastWindow;
                }
                if !span.meets(raw.frame.ts_min, raw.frame.ts_max) {
                    rep.outside_window += raw.frame.events as u64;
                    rep.blocks_unread += 1;
                    continue;
                }
                col.bytes_read += raw.payload.len() as u64;
                let job = Job {
                    input: 0,
                    raw,
                    hostname: host.clone(),
                    trace: trace.clone(),
                    span,
                };
                submit(seq, job, col);
                seq += 1;
            }
        }
    };
    col.reports[0].followed = Some(end);
}
