//! Following a trace while it is written (`rtsec replay --follow`): the blocks already in the
//! file are judged, then each new one as the writer (`rtsec capture` cuts a block at least
//! every second) puts it in the file, until the writer finishes it, the run is stopped, or the
//! trace passes the end of the time window. Alerts come out block by block, in order, as in
//! any replay: a followed trace gives the same output as a replay of the finished file.
//!
//! A trace whose writer is gone without finishing it (killed, crashed: the writer's lock on
//! the file is free) ends the follow as a replay of the file would report it.
//!
//! A directory is followed as the series of files a rotating capture writes into it
//! (`rtsec capture --rotate-every`): its `.rts` files in name order (which is time order for
//! a capture's files), each followed to its end, then the next, waiting for it to appear.
//! Such a capture begins its next file before it finishes the current one, so when a file it
//! finished has no next one, the capture stopped, and so does the follow, if it saw that
//! capture at work (a follower started after it stopped, a service's, waits for the next
//! capture's files). Files of other writers (or of captures before this kind was recorded in
//! the header) are waited for until Ctrl-C.
//! With a `+DURATION` window, the duration counts from the start of the first file judged.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rtsec_format::interfaces::Interfaces;
use rtsec_format::{Followed, RawBlock, TraceFollower};

use crate::error::ReplayError;
use crate::follow_state::{FollowState, StateFile};
use crate::inputs::{Input, TRACE_EXTENSION};
use crate::judge::Job;
use crate::pipeline::Collector;
use crate::summary::{FollowEnd, Resumed};
use crate::window::{Span, TimeWindow};

/// How to follow (see the module docs).
#[derive(Clone, Debug)]
pub struct Follow {
    /// How long to wait before looking again when the trace has nothing new.
    pub poll: Duration,
    /// Stops following when set (by a signal handler, say): what was judged is reported.
    pub stop: &'static AtomicBool,
    /// Where the follow's state is saved (see [`crate::follow_state`]): each block's result
    /// carries it ([`crate::BlockResult::follow_state`]) for the caller to save.
    pub state: Option<StateFile>,
    /// Where an earlier follow of the same input stopped: its blocks up to there are passed
    /// over.
    pub resume: Option<FollowState>,
}

impl Follow {
    /// Looking every 50 ms (a stat of the file), stopped by `stop`.
    pub fn new(stop: &'static AtomicBool) -> Follow {
        Follow {
            poll: Duration::from_millis(50),
            stop,
            state: None,
            resume: None,
        }
    }

    /// Saves the follow's state of `input` in `file` as it goes, and takes up where the state
    /// already there says an earlier follow of `input` stopped. A state of another trace or
    /// directory is an error: each follow needs its own.
    pub fn with_state(mut self, file: StateFile, input: &Path) -> Result<Follow, ReplayError> {
        let resume = file.load()?;
        if let Some(r) = &resume {
            let here = full_path(input);
            let ours = match input.is_dir() {
                true => r.trace.parent() == Some(here.as_path()),
                false => r.trace == here,
            };
            if !ours {
                return Err(ReplayError::State(format!(
                    "{}: the state of following {}, not {}: give each follow its own --state \
                     file",
                    file.path().display(),
                    r.trace.display(),
                    input.display()
                )));
            }
        }
        self.resume = resume;
        self.state = Some(file);
        Ok(self)
    }

    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// What following needs besides the file: where blocks go, and the state that runs across
/// the files of a directory.
struct Session<'a, 'c> {
    window: &'a TimeWindow,
    follow: &'a Follow,
    col: &'a mut Collector<'c>,
    submit: &'a mut dyn FnMut(u64, Job, &mut Collector<'c>),
    idle: &'a mut dyn FnMut(&mut Collector<'c>),
    seq: u64,
    /// The window's ends, once the first block says when the trace starts.
    span: Option<Span>,
    /// Whether a file was seen while its writer was still at it: a capture at work.
    saw_writer: bool,
}

/// Follows `input` (the run's only one, a trace or a directory): submits its blocks as they
/// come, calls `idle` (which waits for the blocks submitted) before each wait, and fills the
/// reports.
pub(crate) fn follow_input<'c>(
    input: &Input,
    window: &TimeWindow,
    follow: &Follow,
    col: &mut Collector<'c>,
    submit: &mut dyn FnMut(u64, Job, &mut Collector<'c>),
    idle: &mut dyn FnMut(&mut Collector<'c>),
) {
    let mut s = Session {
        window,
        follow,
        col,
        submit,
        idle,
        seq: 0,
        span: None,
        saw_writer: false,
    };
    if input.path.is_dir() {
        s.follow_dir(&input.path);
    } else {
        let (end, _) = s.follow_file(0, input.name(), follow.resume.clone());
        s.col.reports[0].followed = Some(end);
    }
}

/// `path` made absolute, through symbolic links (a trace not written yet: its directory).
fn full_path(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (dir.canonicalize(), path.file_name()) {
        (Ok(d), Some(name)) => d.join(name),
        _ => std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf()),
    }
}

impl Session<'_, '_> {
    /// Follows the files of `dir` one after the other (see the module docs).
    fn follow_dir(&mut self, dir: &Path) {
        let mut last: Option<PathBuf> = None;
        // Whether a file was followed (the first takes the directory's report).
        let mut started = false;
        let mut report = 0;
        // Resuming: the files before the one the state names were judged; that one is taken
        // up where it stopped, or, if it is gone, the files after it are followed.
        let mut resume = self.follow.resume.clone();
        let mut first = None;
        if let Some(r) = &resume {
            match r.trace.is_file() {
                true => first = Some(r.trace.clone()),
                false => {
                    self.col.reports[0].resumed = Some(Resumed {
                        events: 0,
                        note: Some(format!(
                            "{}, where the earlier follow stopped after event {}, is gone: \
                             what was written to it after that was not judged",
                            r.trace.display(),
                            r.last_event
                        )),
                    });
                    last = Some(r.trace.clone());
                    resume = None;
                }
            }
        }
        loop {
            let Some(next) = first.take().or_else(|| next_file(dir, last.as_deref())) else {
                (self.idle)(self.col);
                self.col.idle_progress();
                if self.follow.stopped() {
                    // Waiting for a next file: the files before ended as they say.
                    if !started {
                        self.col.reports[report].followed = Some(FollowEnd::Stopped);
                    }
                    return;
                }
                std::thread::sleep(self.follow.poll);
                continue;
            };
            match std::mem::replace(&mut started, true) {
                // The first file takes the directory's report.
                false => self.col.reports[report].path = next.clone(),
                true => report = self.col.add_trace(next.clone()),
            }
            let (end, rotating) = self.follow_file(report, &next, resume.take());
            let end = match end {
                // A rotating capture begins its next file before it finishes this one.
                FollowEnd::Finished
                    if rotating && self.saw_writer && next_file(dir, Some(&next)).is_none() =>
                {
                    FollowEnd::CaptureStopped
                }
                end => end,
            };
            self.col.reports[report].followed = Some(end);
            match end {
                FollowEnd::Finished | FollowEnd::Failed | FollowEnd::Abandoned => {}
                FollowEnd::Stopped | FollowEnd::PastWindow | FollowEnd::CaptureStopped => return,
            }
            last = Some(next);
        }
    }

    /// Follows the trace `path` into report `report` until it ends, passing over the blocks
    /// up to `resume`'s; and whether it is a file of a rotating capture.
    fn follow_file(
        &mut self,
        report: usize,
        path: &Path,
        resume: Option<FollowState>,
    ) -> (FollowEnd, bool) {
        let mut file = FollowedFile {
            report,
            follower: TraceFollower::new(path),
            trace: Arc::from(path.display().to_string().as_str()),
            full_path: full_path(path),
            hostname: None,
            interfaces: Arc::default(),
            before: None,
            judged_any: false,
            resume,
            first_block_crc: 0,
        };
        let end = self.follow_blocks(&mut file);
        self.note_losses_before(&mut file);
        let rotating = file.follower.header().is_some_and(|h| h.settings.rotates());
        (end, rotating)
    }

    fn follow_blocks(&mut self, file: &mut FollowedFile) -> FollowEnd {
        let report = file.report;
        loop {
            if self.col.error.is_some() || self.follow.stopped() {
                return FollowEnd::Stopped;
            }
            let step = match file.follower.poll() {
                Ok(s) => s,
                Err(e) => {
                    let rep = &mut self.col.reports[report];
                    if file.follower.header().is_none() {
                        rep.error = Some(e.to_string());
                    } else {
                        rep.damaged_blocks.push(format!("reading stopped: {e}"));
                    }
                    return FollowEnd::Failed;
                }
            };
            match step {
                Followed::Waiting => {
                    self.saw_writer |= file.follower.header().is_some();
                    (self.idle)(self.col);
                    self.col.idle_progress();
                    if self.follow.stopped() {
                        return FollowEnd::Stopped;
                    }
                    std::thread::sleep(self.follow.poll);
                }
                Followed::Abandoned(n) => {
                    // As a replay of the file reports it: truncated or unfinished.
                    self.col.reports[report].notices.push(n);
                    return FollowEnd::Abandoned;
                }
                Followed::Notice(n) => self.col.reports[report].notices.push(n),
                Followed::Finished(footer) => {
                    let rep = &mut self.col.reports[report];
                    rep.finished = footer.is_some();
                    rep.footer_events = footer.as_ref().map(|f| f.events);
                    self.col.footer_losses[report] = footer.map(|f| f.losses);
                    return FollowEnd::Finished;
                }
                Followed::Block(raw) => {
                    if file.hostname.is_none() {
                        let h = file.follower.header().map_or("", |h| h.hostname.as_str());
                        self.col.reports[report].hostname = h.to_string();
                        file.hostname = Some(Arc::from(h));
                        if let Some(header) = file.follower.header() {
                            file.interfaces = Arc::new(header.interfaces.clone());
                            self.col.note_recorded(report, header);
                        }
                        file.first_block_crc = raw.frame.payload_crc;
                        file.check_resume(&mut self.col.reports[report].resumed);
                    }
                    let span = *self
                        .span
                        .get_or_insert_with(|| self.window.span(raw.frame.ts_min));
                    if let Some(r) = &file.resume
                        && raw.index <= r.block
                    {
                        let resumed = self.col.reports[report]
                            .resumed
                            .get_or_insert_with(Resumed::default);
                        resumed.events += raw.frame.events as u64;
                        if raw.index == r.block && raw.offset != r.offset {
                            resumed.note = Some(format!(
                                "its block {} is at byte {}, not at {} as the state says: the \
                                 file was changed, its blocks after it are judged",
                                raw.index, raw.offset, r.offset
                            ));
                        }
                        // Its losses were reported by the earlier follow: those of this one
                        // are the ones after it (as of a window's).
                        if !file.judged_any {
                            file.before = Some(raw);
                        }
                        continue;
                    }
                    let rep = &mut self.col.reports[report];
                    if raw.frame.ts_min > span.last {
                        // Past the window's end: nothing later is in it.
                        rep.outside_window += raw.frame.events as u64;
                        rep.blocks_unread += 1;
                        return FollowEnd::PastWindow;
                    }
                    if !span.meets(raw.frame.ts_min, raw.frame.ts_max) {
                        rep.outside_window += raw.frame.events as u64;
                        rep.blocks_unread += 1;
                        if raw.frame.ts_max < span.first && !file.judged_any {
                            file.before = Some(raw);
                        }
                        continue;
                    }
                    self.note_losses_before(file);
                    file.judged_any = true;
                    self.col.bytes_read += raw.payload.len() as u64;
                    if self.follow.state.is_some() {
                        let state = file.state_after(&raw);
                        self.col.mark(self.seq, state);
                    }
                    let job = Job {
                        input: report,
                        raw,
                        hostname: file.hostname.clone().unwrap_or_else(|| Arc::from("")),
                        interfaces: file.interfaces.clone(),
                        trace: file.trace.clone(),
                        span,
                    };
                    (self.submit)(self.seq, job, self.col);
                    self.seq += 1;
                }
            }
        }
    }

    /// Records the losses of the last block before the window, if one was kept.
    fn note_losses_before(&mut self, file: &mut FollowedFile) {
        if let Some(b) = file.before.take()
            && let Ok(b) = b.decode()
        {
            self.col.losses_before[file.report] = Some(b.losses);
        }
    }
}

/// One trace being followed.
struct FollowedFile {
    report: usize,
    follower: TraceFollower,
    trace: Arc<str>,
    hostname: Option<Arc<str>>,
    /// The header's interface addresses, read with its hostname.
    interfaces: Arc<Interfaces>,
    /// The last block before the window, while none in it came.
    before: Option<RawBlock>,
    /// Whether a block of it was judged.
    judged_any: bool,
    /// The absolute path a follow state names it by.
    full_path: PathBuf,
    /// Where an earlier follow of it stopped.
    resume: Option<FollowState>,
    /// The checksum of its first block (with the header, which recording it is).
    first_block_crc: u32,
}

impl FollowedFile {
    /// Once the header is read: a state of an older recording at the same path is not
    /// taken up (the trace is judged from its start, and the report says why).
    fn check_resume(&mut self, resumed: &mut Option<Resumed>) {
        let (Some(r), Some(h)) = (&self.resume, self.follower.header()) else {
            return;
        };
        if !r.is_of(&h.hostname, h.start_ns, self.first_block_crc) {
            *resumed = Some(Resumed {
                events: 0,
                note: Some(format!(
                    "not the recording the state names (that was of {}, started at {} ns): \
                     judged from its start",
                    r.hostname, r.start_ns
                )),
            });
            self.resume = None;
        } else {
            *resumed = Some(Resumed::default());
        }
    }

    /// The state to save once `raw`'s alerts are written.
    fn state_after(&self, raw: &RawBlock) -> FollowState {
        let (hostname, start_ns) = self
            .follower
            .header()
            .map_or((String::new(), 0), |h| (h.hostname.clone(), h.start_ns));
        let last_event = raw.frame.first_event_num + (raw.frame.events as u64).saturating_sub(1);
        FollowState::new(
            self.full_path.clone(),
            (hostname, start_ns, self.first_block_crc),
            raw.index,
            raw.offset,
            last_event,
        )
    }
}

/// The first `.rts` file of `dir` (not its subdirectories) after `after` in name order.
pub fn next_file(dir: &Path, after: Option<&Path>) -> Option<PathBuf> {
    std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == TRACE_EXTENSION)
                && p.is_file()
                && after.is_none_or(|a| p.as_path() > a)
        })
        .min()
}
