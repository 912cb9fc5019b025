//! What a replay saw: events, hits by rule and priority, and for every trace whether it was
//! judged whole. A verdict on a lossy trace must say so: drops, skipped records, truncation and
//! damage are always part of the summary and of the exit code.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::Duration;

use rtsec_format::{Losses, Notice};
use rtsec_rules::Priority;

use crate::window::TimeWindow;

/// Exit code: every trace was judged whole.
pub const EXIT_OK: u8 = 0;
/// Exit code: at least one input could not be judged at all (missing, not a trace, unreadable).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: everything was judged, but at least one trace is incomplete (kernel drops,
/// skipped records, truncated or damaged file, no footer): verdicts may miss what was lost.
pub const EXIT_INCOMPLETE: u8 = 3;

/// One trace of a run.
#[derive(Clone, Debug, Default)]
pub struct TraceReport {
    pub path: PathBuf,
    pub hostname: String,
    /// Why the trace could not be judged at all (nothing else is meaningful then).
    pub error: Option<String>,
    pub blocks: u64,
    pub events: u64,
    pub hits: u64,
    /// Blocks that could not be decoded and were skipped: why.
    pub damaged_blocks: Vec<String>,
    /// The run was interrupted before this trace was read to its end (or begun).
    pub interrupted: bool,
    /// What the reader noticed: truncation, no footer, skipped damage, a damaged footer.
    pub notices: Vec<Notice>,
    /// The trace's own record of what it lost (from the footer, or the last block read).
    pub losses: Losses,
    /// Whether the trace has its footer (a finished recording).
    pub finished: bool,
    /// Events the footer says the trace holds (absent without a footer).
    pub footer_events: Option<u64>,
    /// Events not judged because they are outside the run's time window.
    pub outside_window: u64,
    /// Blocks not read because all their events are outside the window.
    pub blocks_unread: u64,
    /// How following the trace ended, if it was followed (`--follow`).
    pub followed: Option<FollowEnd>,
    /// A follow that took up where an earlier one stopped (`--follow --state`).
    pub resumed: Option<Resumed>,
    /// Enabled rules that watch syscalls the trace's capture did not record.
    pub unseen: Vec<UnseenRule>,
    /// Enabled rules that compare `fd.*.name` fields with names the trace has no recorded
    /// answer for: rule, names (sorted).
    pub unresolved: Vec<(String, Vec<String>)>,
}

/// A rule that watches event types a trace's capture did not record (`rtsec capture
/// --syscalls`): it cannot fire on those events of the trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnseenRule {
    pub rule: String,
    /// The event types it watches that the trace cannot hold (Falco names).
    pub types: Vec<String>,
    /// The syscalls to record for them (kernel names, as `--syscalls` takes them).
    pub syscalls: Vec<String>,
    /// None of its event types is recorded: it cannot fire on the trace at all.
    pub all: bool,
}

/// How a follow took up where an earlier one stopped.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Resumed {
    /// Events the earlier follow judged, passed over.
    pub events: u64,
    /// Why it could not take up exactly where the state says, or what it could not judge.
    pub note: Option<String>,
}

/// How following a trace ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FollowEnd {
    /// Its writer finished it.
    Finished,
    /// Its writer, a rotating capture, finished it as its last file: the capture stopped, and
    /// following its directory ended.
    CaptureStopped,
    /// The run was stopped (a signal) first: the events written after were not judged. They
    /// are not lost: a replay of the trace judges them.
    Stopped,
    /// It went past the end of the time window.
    PastWindow,
    /// Its writer is gone without finishing it (killed, crashed).
    Abandoned,
    /// Reading it failed (see the trace's error or damage).
    Failed,
}

impl TraceReport {
    /// Reasons the verdict on this trace may be incomplete (empty if it was judged whole).
    pub fn incompleteness(&self) -> Vec<String> {
        let mut r = Vec::new();
        if self.error.is_some() {
            return r;
        }
        let drops = self.losses.kernel_drops();
        if drops > 0 {
            let per_cpu: Vec<String> = self
                .losses
                .kernel_drops_per_cpu
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(cpu, n)| format!("cpu{cpu} {n}"))
                .collect();
            r.push(format!(
                "the kernel dropped {drops} events ({})",
                per_cpu.join(", ")
            ));
        } else {
            let by_type: u64 = self
                .losses
                .kernel_drops_by_type
                .iter()
                .map(|(_, n)| n)
                .sum();
            if by_type > 0 {
                r.push(format!("the kernel dropped {by_type} events"));
            }
        }
        let skipped = self
            .losses
            .skipped_lost()
            .map(|(why, n)| (why.as_str(), *n));
        r.extend(records_line(skipped, "skipped"));
        let kept = self.losses.kept_incomplete();
        r.extend(records_line(kept, "judged with parts the source lacked"));
        for n in &self.notices {
            r.push(n.to_string());
        }
        for d in &self.damaged_blocks {
            r.push(format!("damaged block skipped: {d}"));
        }
        let resumed = self.resumed.as_ref().map_or(0, |r| r.events);
        if self.interrupted {
            // Not a loss in the trace: the summary's INTERRUPTED line says it.
            return r;
        }
        if let Some(f) = self.footer_events
            && f > self.events + self.outside_window + resumed
            && self.damaged_blocks.is_empty()
            && self.notices.is_empty()
        {
            r.push(format!(
                "the footer counts {f} events but {} were read",
                self.events
            ));
        }
        r
    }

    /// Records of the source that a live capture does not record either (enter and meta events
    /// of an imported capture): shown, not counted as incomplete.
    pub fn not_recorded(&self) -> u64 {
        self.losses.skipped_by_design().map(|(_, n)| n).sum()
    }

    /// Values the capture cut to fit (long strings, argv): shown, not counted as incomplete.
    pub fn values_cut(&self) -> u64 {
        self.losses.truncated.iter().map(|(_, n)| n).sum()
    }
}

/// Hits of one rule.
#[derive(Clone, Debug)]
pub struct RuleHits {
    pub rule: String,
    pub priority: Priority,
    pub hits: u64,
}

/// Everything a replay reports at the end.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub traces: Vec<TraceReport>,
    /// Rules that fired, in rule (evaluation) order.
    pub rules: Vec<RuleHits>,
    pub events: u64,
    pub hits: u64,
    pub blocks: u64,
    pub threads: usize,
    pub elapsed: Duration,
    /// CPU time the workers spent decoding and evaluating, summed over blocks.
    pub decode_ns: u64,
    pub eval_ns: u64,
    /// Bytes of compressed blocks read.
    pub bytes_read: u64,
    /// The time window the run judged (unbounded: every event).
    pub window: TimeWindow,
}

impl Summary {
    /// Hits per priority, most severe first (priorities without hits left out).
    pub fn by_priority(&self) -> Vec<(Priority, u64)> {
        Priority::ALL
            .iter()
            .map(|&p| {
                (
                    p,
                    self.rules
                        .iter()
                        .filter(|r| r.priority == p)
                        .map(|r| r.hits)
                        .sum(),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect()
    }

    /// Whether the run was stopped ([`crate::ReplayOptions::stop`]) before it read every
    /// block.
    pub fn interrupted(&self) -> bool {
        self.traces.iter().any(|t| t.interrupted)
    }

    /// Inputs that could not be judged at all.
    pub fn failed(&self) -> impl Iterator<Item = &TraceReport> {
        self.traces.iter().filter(|t| t.error.is_some())
    }

    /// Traces judged only in part.
    pub fn incomplete(&self) -> impl Iterator<Item = &TraceReport> {
        self.traces
            .iter()
            .filter(|t| !t.incompleteness().is_empty())
    }

    /// [`EXIT_FAILED`] if an input could not be judged, else [`EXIT_INCOMPLETE`] if a trace is
    /// incomplete, else [`EXIT_OK`].
    pub fn exit_code(&self) -> u8 {
        if self.failed().next().is_some() {
            EXIT_FAILED
        } else if self.interrupted() || self.incomplete().next().is_some() {
            EXIT_INCOMPLETE
        } else {
            EXIT_OK
        }
    }

    pub fn events_per_sec(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.events as f64 / s } else { 0.0 }
    }

    /// The human summary. `detailed` adds every trace and the time split (`--stats`).
    pub fn render(&self, detailed: bool) -> String {
        let mut s = self.render_head();
        s.push_str(&self.render_hits());
        s.push_str(&self.render_traces(detailed, true));
        s
    }

    /// The summary's first line: traces judged, events, time and rate.
    pub fn render_head(&self) -> String {
        let mut s = String::new();
        let n = self.traces.len();
        // Following, the time is the writer's pace, not ours: no rate.
        let time = match self.traces.iter().any(|t| t.followed.is_some()) {
            true => format!(
                "followed for {:.2} s ({} {})",
                self.elapsed.as_secs_f64(),
                self.threads,
                plural(self.threads, "thread", "threads"),
            ),
            false => format!(
                "in {:.2} s ({}/s, {} {})",
                self.elapsed.as_secs_f64(),
                human_rate(self.events_per_sec()),
                self.threads,
                plural(self.threads, "thread", "threads"),
            ),
        };
        // Traces an interrupted run never began are not counted as judged.
        let unread = self
            .traces
            .iter()
            .filter(|t| t.interrupted && t.blocks == 0 && t.error.is_none())
            .count();
        let judged = n - self.failed().count() - unread;
        let _ = writeln!(
            s,
            "Summary: {judged} {} judged, {} events {time}",
            plural(judged, "trace", "traces"),
            group(self.events),
        );
        if !self.window.is_unbounded() {
            let outside: u64 = self.traces.iter().map(|t| t.outside_window).sum();
            let unread: u64 = self.traces.iter().map(|t| t.blocks_unread).sum();
            let _ = writeln!(
                s,
                "Window: {}: {} events outside it not judged ({} {} not read)",
                self.window,
                group(outside),
                group(unread),
                plural(unread as usize, "block", "blocks"),
            );
        }
        for t in &self.traces {
            let p = t.path.display();
            let how = match t.followed {
                None | Some(FollowEnd::Failed) => continue,
                Some(FollowEnd::Finished) => "until its writer finished it".to_string(),
                Some(FollowEnd::CaptureStopped) => "until its writer finished it, the last \
                     file of its capture: the capture stopped"
                    .to_string(),
                Some(FollowEnd::PastWindow) => "until it went past the window's end".to_string(),
                Some(FollowEnd::Abandoned) => {
                    "until its writer stopped without finishing it".to_string()
                }
                Some(FollowEnd::Stopped) => format!(
                    "until stopped, after {} events; {}",
                    group(t.events + t.outside_window + t.resumed.as_ref().map_or(0, |r| r.events)),
                    if t.finished {
                        "it is finished"
                    } else {
                        "its writer had not finished it: what it writes later is not judged \
                         here (`rtsec replay` of the trace judges it all)"
                    }
                ),
            };
            let _ = writeln!(s, "Followed {p} {how}");
        }
        for t in &self.traces {
            let p = t.path.display();
            match &t.resumed {
                None => {}
                Some(Resumed { note: Some(n), .. }) => {
                    let _ = writeln!(s, "Resumed {p}: {n}");
                }
                Some(Resumed { events, note: None }) => {
                    let _ = writeln!(
                        s,
                        "Resumed {p} where an earlier follow stopped: {} events it judged \
                         passed over",
                        group(*events)
                    );
                }
            }
        }
        s
    }

    /// Hits, by priority and by rule.
    fn render_hits(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Hits: {}", group(self.hits));
        if self.hits > 0 {
            let pr: Vec<String> = self
                .by_priority()
                .iter()
                .map(|(p, n)| format!("{p}: {}", group(*n)))
                .collect();
            let _ = writeln!(s, "  by priority: {}", pr.join(", "));
            let _ = writeln!(s, "  by rule:");
            let w = self
                .rules
                .iter()
                .map(|r| group(r.hits).len())
                .max()
                .unwrap_or(1);
            for r in &self.rules {
                let _ = writeln!(
                    s,
                    "    {:>w$}  {:<13} {}",
                    group(r.hits),
                    r.priority.as_str(),
                    r.rule
                );
            }
        }
        s
    }

    /// Every trace (if `detailed`, if there are several, or if one is in trouble) with its
    /// losses (`hits`: and its hits), the time split if `detailed`, and the closing error and
    /// warning lines.
    pub fn render_traces(&self, detailed: bool, hits: bool) -> String {
        let mut s = String::new();
        let n = self.traces.len();
        let troubled = self.traces.iter().any(|t| {
            t.error.is_some()
                || t.interrupted
                || !t.incompleteness().is_empty()
                || t.values_cut() > 0
                || !t.unseen.is_empty()
                || !t.unresolved.is_empty()
        });
        if detailed || troubled || n > 1 {
            let _ = writeln!(s, "Traces:");
            // A directory of a week's hourly traces would list each, with the same notes:
            // past LISTED_TRACES, those judged whole and without loss are counted together.
            let collapse = !detailed && n > LISTED_TRACES;
            let mut quiet = QuietTraces::default();
            for t in &self.traces {
                if collapse
                    && t.error.is_none()
                    && !t.interrupted
                    && t.incompleteness().is_empty()
                    && t.values_cut() == 0
                {
                    quiet.add(t);
                    continue;
                }
                let p = t.path.display();
                if let Some(e) = &t.error {
                    let _ = writeln!(s, "  {p}: NOT JUDGED: {e}");
                    continue;
                }
                let inc = t.incompleteness();
                let state = if !inc.is_empty() {
                    "INCOMPLETE"
                } else if t.interrupted && t.blocks == 0 {
                    "INTERRUPTED before it was read"
                } else if t.interrupted {
                    "INTERRUPTED before its end"
                } else {
                    "complete"
                };
                let hits = if hits {
                    format!("{}, ", hit_count(t.hits))
                } else {
                    String::new()
                };
                let outside = outside_window(t.outside_window);
                let _ = writeln!(
                    s,
                    "  {p}: {} events{outside}, {hits}{}{}",
                    group(t.events),
                    state,
                    if detailed {
                        format!(
                            " ({} {}, host {})",
                            t.blocks,
                            plural(t.blocks as usize, "block", "blocks"),
                            if t.hostname.is_empty() {
                                "?"
                            } else {
                                &t.hostname
                            }
                        )
                    } else {
                        String::new()
                    }
                );
                for why in inc {
                    let _ = writeln!(s, "      {why}");
                }
                write_not_recorded(&mut s, t.not_recorded());
                let cut = t.values_cut();
                if cut > 0 {
                    let what: Vec<String> = t
                        .losses
                        .truncated
                        .iter()
                        .filter(|(_, n)| *n > 0)
                        .map(|(w, n)| format!("{n} {w}"))
                        .collect();
                    let _ = writeln!(
                        s,
                        "      {cut} values were cut to fit by the capture ({})",
                        what.join(", ")
                    );
                }
                write_unseen(&mut s, &t.unseen);
                write_unresolved(&mut s, &t.unresolved);
            }
            quiet.write(&mut s, hits, quiet.traces < n);
        }
        if detailed {
            let _ = writeln!(
                s,
                "Work: {} blocks, {} compressed bytes read; CPU time of the workers: decode {:.2} s, rules {:.2} s",
                group(self.blocks),
                group(self.bytes_read),
                self.decode_ns as f64 / 1e9,
                self.eval_ns as f64 / 1e9
            );
        }
        let failed = self.failed().count();
        let incomplete = self.incomplete().count();
        if failed > 0 {
            let _ = writeln!(
                s,
                "ERROR: {failed} of {n} inputs could not be judged (see above)"
            );
        }
        if self.interrupted() {
            let _ = writeln!(
                s,
                "INTERRUPTED: stopped after {} events; the rest of the input was not read",
                group(self.events)
            );
        }
        if incomplete > 0 {
            let _ = writeln!(
                s,
                "WARNING: {incomplete} of {n} {} {} incomplete: the verdict may miss what was lost{} (see above)",
                plural(n, "trace", "traces"),
                if incomplete == 1 { "is" } else { "are" },
                if self.traces.iter().any(|t| t
                    .notices
                    .iter()
                    .any(|n| matches!(n, Notice::BeingWritten { .. })))
                {
                    " or is not written yet"
                } else {
                    ""
                }
            );
        }
        let unanswered = self
            .traces
            .iter()
            .filter(|t| !t.unresolved.is_empty())
            .count();
        if unanswered > 0 {
            let _ = writeln!(
                s,
                "WARNING: on {unanswered} of {n} {}, rules compare fd.*.name with names the trace has no answer for: those comparisons cannot match (see above)",
                plural(n, "trace", "traces"),
            );
        }
        let blind: Vec<&TraceReport> = self
            .traces
            .iter()
            .filter(|t| !t.unseen.is_empty())
            .collect();
        if !blind.is_empty() {
            let mut rules: Vec<&str> = blind
                .iter()
                .flat_map(|t| t.unseen.iter().map(|u| u.rule.as_str()))
                .collect();
            rules.sort_unstable();
            rules.dedup();
            let _ = writeln!(
                s,
                "WARNING: {} {} syscalls that {} of {n} {} not record: {} cannot fire on those events (see above)",
                rules.len(),
                plural(rules.len(), "rule watches", "rules watch"),
                blind.len(),
                plural(n, "trace did", "traces did"),
                plural(rules.len(), "it", "they"),
            );
        }
        s
    }
}

/// How many traces the summary lists one by one without `--stats`; past it, those judged
/// whole and without loss are counted together ([`QuietTraces`]).
pub const LISTED_TRACES: usize = 20;

/// The traces judged whole and without loss, counted together when there are many, with
/// their notes (rules that cannot fire, names without answers) once for each distinct text.
#[derive(Default)]
struct QuietTraces {
    traces: usize,
    events: u64,
    outside_window: u64,
    hits: u64,
    not_recorded: u64,
    /// Each distinct text of notes, with how many of the traces have it.
    notes: Vec<(String, usize)>,
}

impl QuietTraces {
    fn add(&mut self, t: &TraceReport) {
        self.traces += 1;
        self.events += t.events;
        self.outside_window += t.outside_window;
        self.hits += t.hits;
        self.not_recorded += t.not_recorded();
        let mut notes = String::new();
        write_unseen(&mut notes, &t.unseen);
        write_unresolved(&mut notes, &t.unresolved);
        if notes.is_empty() {
            return;
        }
        match self.notes.iter_mut().find(|(n, _)| *n == notes) {
            Some((_, count)) => *count += 1,
            None => self.notes.push((notes, 1)),
        }
    }

    /// `more`: other traces were listed above.
    fn write(&self, s: &mut String, hits: bool, more: bool) {
        if self.traces == 0 {
            return;
        }
        let _ = writeln!(
            s,
            "  {}{} {}, complete: {} events{}{} (`--stats` lists each)",
            if more { "and " } else { "" },
            group(self.traces as u64),
            match (more, self.traces == 1) {
                (true, true) => "other trace",
                (true, false) => "other traces",
                (false, true) => "trace",
                (false, false) => "traces",
            },
            group(self.events),
            outside_window(self.outside_window),
            if hits {
                format!(", {}", hit_count(self.hits))
            } else {
                String::new()
            },
        );
        write_not_recorded(s, self.not_recorded);
        for (notes, count) in &self.notes {
            match *count == self.traces {
                true => {
                    let _ = writeln!(s, "    on each of them:");
                }
                false => {
                    let _ = writeln!(s, "    on {count} of them:");
                }
            }
            s.push_str(notes);
        }
    }
}

/// `3 hits`.
fn hit_count(n: u64) -> String {
    format!("{} {}", group(n), plural(n as usize, "hit", "hits"))
}

/// ` (N outside the window)`, or nothing.
fn outside_window(n: u64) -> String {
    match n {
        0 => String::new(),
        n => format!(" ({} outside the window)", group(n)),
    }
}

/// The records of a source (a .scap capture) that rtsec does not record by design.
fn write_not_recorded(s: &mut String, n: u64) {
    if n > 0 {
        let _ = writeln!(
            s,
            "      {n} records of the source not recorded by design (enter events, whose \
             exits are; meta events): nothing lost"
        );
    }
}

/// How many rules a trace's list of rules that watch unrecorded syscalls names; the rest are
/// counted.
const UNSEEN_LISTED: usize = 10;

/// The rules that watch syscalls a trace's capture did not record, and what to record.
fn write_unseen(s: &mut String, unseen: &[UnseenRule]) {
    if unseen.is_empty() {
        return;
    }
    let mut syscalls: Vec<&str> = unseen
        .iter()
        .flat_map(|u| u.syscalls.iter().map(String::as_str))
        .collect();
    syscalls.sort_unstable();
    syscalls.dedup();
    let _ = writeln!(
        s,
        "      {} {} syscalls this capture did not record, and cannot fire on those events \
         (`rtsec capture --syscalls default,{}` records them, as does `--for-rules` with \
         these rules files):",
        unseen.len(),
        plural(unseen.len(), "rule watches", "rules watch"),
        syscalls.join(",")
    );
    for u in unseen.iter().take(UNSEEN_LISTED) {
        let at_all = if u.all {
            " (all it watches: it cannot fire on this trace)"
        } else {
            ""
        };
        let _ = writeln!(s, "        {}: {}{at_all}", u.rule, u.types.join(", "));
    }
    if unseen.len() > UNSEEN_LISTED {
        let _ = writeln!(s, "        … and {} more", unseen.len() - UNSEEN_LISTED);
    }
}

/// How many names of a rule the list of unresolved names shows; the rest are counted.
const NAMES_LISTED: usize = 5;

/// The rules that compare `fd.*.name` fields with names a trace has no answer for.
fn write_unresolved(s: &mut String, unresolved: &[(String, Vec<String>)]) {
    if unresolved.is_empty() {
        return;
    }
    let _ = writeln!(
        s,
        "      {} {} fd.*.name with names this trace has no recorded answer for, and cannot \
         match them (`rtsec capture --resolve NAME`, or `--for-rules` with these rules files, \
         records them):",
        unresolved.len(),
        plural(unresolved.len(), "rule compares", "rules compare"),
    );
    for (rule, names) in unresolved.iter().take(UNSEEN_LISTED) {
        let more = names.len().saturating_sub(NAMES_LISTED);
        let _ = writeln!(
            s,
            "        {rule}: {}{}",
            names[..names.len().min(NAMES_LISTED)].join(", "),
            if more > 0 {
                format!(" … and {more} more")
            } else {
                String::new()
            }
        );
    }
    if unresolved.len() > UNSEEN_LISTED {
        let _ = writeln!(s, "        … and {} more", unresolved.len() - UNSEEN_LISTED);
    }
}

pub(crate) fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 { one } else { many }
}

/// `3 source records were WHAT (2 REASON, 1 REASON)` for records counted by reason, or
/// nothing if there are none.
fn records_line<'a>(by_reason: impl Iterator<Item = (&'a str, u64)>, what: &str) -> Option<String> {
    let by_reason: Vec<(&str, u64)> = by_reason.collect();
    let n: u64 = by_reason.iter().map(|(_, n)| n).sum();
    let reasons: Vec<String> = by_reason
        .iter()
        .map(|(why, n)| format!("{n} {why}"))
        .collect();
    let records = plural(n as usize, "record was", "records were");
    (n > 0).then(|| format!("{n} source {records} {what} ({})", reasons.join(", ")))
}

/// `1234567` → `1,234,567`.
pub fn group(n: u64) -> String {
    let d = n.to_string();
    let mut out = String::with_capacity(d.len() + d.len() / 3);
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12345678.0` → `12.3M`.
pub fn human_rate(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2}G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2}M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_for_people() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1000), "1,000");
        assert_eq!(group(1234567), "1,234,567");
        assert_eq!(human_rate(12_345_678.0), "12.35M");
    }

    #[test]
    fn records_by_reason_make_one_line() {
        assert_eq!(records_line([].into_iter(), "skipped"), None);
        assert_eq!(
            records_line([("malformed", 1)].into_iter(), "skipped").as_deref(),
            Some("1 source record was skipped (1 malformed)")
        );
        assert_eq!(
            records_line([("a", 2), ("b", 1), ("c", 0)].into_iter(), "kept").as_deref(),
            Some("3 source records were kept (2 a, 1 b, 0 c)")
        );
    }

    /// A directory of many traces: those judged whole are counted together, their notes
    /// once for each distinct text; a trace with losses is still listed; `--stats` lists
    /// every one.
    #[test]
    fn many_traces_judged_whole_are_counted_together() {
        let unresolved = vec![("Contact K8S API".to_string(), vec!["k8s.local".to_string()])];
        let mut traces: Vec<TraceReport> = (0..LISTED_TRACES + 4)
            .map(|i| TraceReport {
                path: format!("t{i:02}.rts").into(),
                events: 100,
                hits: 2,
                finished: true,
                unresolved: if i % 2 == 0 {
                    unresolved.clone()
                } else {
                    Vec::new()
                },
                ..Default::default()
            })
            .collect();
        traces[3].losses.kernel_drops_per_cpu = vec![5];
        let s = Summary {
            traces,
            ..Default::default()
        };
        let text = s.render(false);
        let from = text.find("Traces:").unwrap();
        let listed: Vec<&str> = text[from..].lines().collect();
        assert_eq!(
            listed[1], "  t03.rts: 100 events, 2 hits, INCOMPLETE",
            "{text}"
        );
        assert_eq!(
            listed[2], "      the kernel dropped 5 events (cpu0 5)",
            "{text}"
        );
        assert_eq!(
            listed[3],
            "  and 23 other traces, complete: 2,300 events, 46 hits (`--stats` lists each)",
            "{text}"
        );
        assert_eq!(listed[4], "    on 12 of them:", "{text}");
        assert!(
            listed[5].starts_with("      1 rule compares fd.*.name"),
            "{text}"
        );
        assert_eq!(listed[6], "        Contact K8S API: k8s.local", "{text}");
        assert!(
            listed[7].starts_with("WARNING: 1 of 24 traces is incomplete"),
            "{text}"
        );
        assert_eq!(text.matches("1 rule compares").count(), 1, "{text}");
        let all = s.render(true);
        assert_eq!(all.matches(": 100 events, 2 hits, ").count(), 24, "{all}");
    }

    #[test]
    fn drops_and_truncation_make_a_trace_incomplete_and_set_the_exit_code() {
        let mut s = Summary {
            traces: vec![TraceReport {
                path: "a.rts".into(),
                events: 10,
                ..Default::default()
            }],
            ..Default::default()
        };
        assert_eq!(s.exit_code(), EXIT_OK);
        s.traces[0].losses.kernel_drops_per_cpu = vec![0, 7];
        assert_eq!(s.exit_code(), EXIT_INCOMPLETE);
        let text = s.render(false);
        assert!(
            text.contains("the kernel dropped 7 events (cpu1 7)"),
            "{text}"
        );
        assert!(
            text.contains("WARNING: 1 of 1 trace is incomplete"),
            "{text}"
        );
        s.traces.push(TraceReport {
            path: "b.rts".into(),
            error: Some("not an rtsec trace".into()),
            ..Default::default()
        });
        assert_eq!(s.exit_code(), EXIT_FAILED);
        assert!(
            s.render(false)
                .contains("b.rts: NOT JUDGED: not an rtsec trace")
        );
    }

    #[test]
    fn one_hit_is_one_hit() {
        let s = Summary {
            traces: vec![TraceReport {
                path: "a.rts".into(),
                events: 10,
                blocks: 1,
                hits: 1,
                finished: true,
                ..Default::default()
            }],
            events: 10,
            ..Default::default()
        };
        let text = s.render(true);
        assert!(text.contains("a.rts: 10 events, 1 hit, complete"), "{text}");
    }

    #[test]
    fn an_interrupted_run_says_how_far_it_got() {
        let s = Summary {
            traces: vec![
                TraceReport {
                    path: "a.rts".into(),
                    events: 10,
                    blocks: 1,
                    footer_events: Some(30),
                    interrupted: true,
                    ..Default::default()
                },
                TraceReport {
                    path: "b.rts".into(),
                    interrupted: true,
                    ..Default::default()
                },
            ],
            events: 10,
            ..Default::default()
        };
        assert_eq!(s.exit_code(), EXIT_INCOMPLETE);
        let text = s.render(false);
        for want in [
            "Summary: 1 trace judged, 10 events",
            "a.rts: 10 events, 0 hits, INTERRUPTED before its end",
            "b.rts: 0 events, 0 hits, INTERRUPTED before it was read",
            "INTERRUPTED: stopped after 10 events; the rest of the input was not read",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        // Not a loss in the trace: no footer mismatch, no warning about losses.
        assert!(!text.contains("footer counts"), "{text}");
        assert!(!text.contains("WARNING"), "{text}");
    }
}
