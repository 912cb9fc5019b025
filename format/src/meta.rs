//! What a trace says about itself: the header at the start, losses, and the footer at the end.
//!
//! Compatibility rule: a newer *minor* format version may only append fields at the end of these
//! structs (they are length-prefixed on disk and readers ignore trailing bytes); anything else
//! bumps the major version, which older readers refuse.

use bincode::{Decode, Encode};
use serde::Serialize;

/// Written once at the start of a trace.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Header {
    /// The program that wrote the trace, e.g. `rtsec 0.1.0`.
    pub created_by: String,
    /// How the events were obtained: `capture`, `import`, `synthetic`, …
    pub source: String,
    pub hostname: String,
    pub kernel_release: String,
    /// Wall-clock time of the machine's boot, ns since the epoch (0 if unknown).
    pub boot_time_ns: u64,
    /// Wall-clock time when recording started, ns since the epoch.
    pub start_ns: u64,
    pub settings: CaptureSettings,
    /// DNS answers recorded at capture start (format 1.1; empty in 1.0 traces).
    pub hosts: crate::hosts::HostAnswers,
    /// The host's interface addresses at capture start (format 1.2; unknown before).
    pub interfaces: crate::interfaces::Interfaces,
}

/// How the recording was made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct CaptureSettings {
    /// Names of the syscalls recorded (empty: not applicable, e.g. an import).
    pub syscalls: Vec<String>,
    /// Kernel ring buffer size in bytes.
    pub buffer_bytes: u64,
    /// Filters applied while recording (`--pid`, `--container`, …), as `key=value`.
    pub filters: Vec<String>,
    /// Longest string argument kept, in bytes; longer ones are cut and flagged.
    pub max_string: u32,
    /// Most argv entries kept per exec.
    pub max_args: u32,
    /// Anything else worth knowing, as `key=value`.
    pub extra: Vec<String>,
}

impl CaptureSettings {
    /// The [`CaptureSettings::extra`] key of a file of a capture that starts a new file now
    /// and then (`rtsec capture --rotate-every`/`--rotate-size`): `rotation=every 1h, size
    /// 1073741824 bytes`. Such a capture begins its next file before it finishes this one, so
    /// a finished file with no next one beside it is the last: the capture stopped.
    pub const ROTATION: &'static str = "rotation";

    /// Whether the trace is a file of a rotating capture (see [`CaptureSettings::ROTATION`]).
    pub fn rotates(&self) -> bool {
        self.extra.iter().any(|e| {
            e.strip_prefix(Self::ROTATION)
                .is_some_and(|rest| rest.starts_with('='))
        })
    }
}

/// Beginnings of [`Losses::skipped`] reasons for records a live capture does not record either:
/// enter events (rtsec records exits, which carry the enter arguments) and meta events
/// (procinfo, switch, …). An imported trace without other skips has every event rtsec records,
/// so these are reported but do not make a verdict incomplete. `rtsec import` writes them.
pub mod not_recorded {
    /// An enter event whose arguments the converter moved into its exit (libs' STORE action).
    pub const ENTER_MERGED: &str = "enter event merged into its exit";
    /// An old enter event version that libs' converter drops too (its exit carries everything).
    pub const OLD_ENTER: &str = "old enter event dropped";
    /// An enter event of a syscall whose exit is recorded.
    pub const ENTER: &str = "enter event (rtsec records exits)";
    /// A non-syscall event (procinfo, switch, signaldeliver, …).
    pub const META: &str = "meta event rtsec does not record";
    pub const ALL: [&str; 4] = [ENTER_MERGED, OLD_ENTER, ENTER, META];

    /// Whether a skip `reason` is one of these.
    pub fn is_by_design(reason: &str) -> bool {
        ALL.iter().any(|p| reason.starts_with(p))
    }
}

/// Beginning of a [`Losses::skipped`] reason for records the source had only in part (an
/// import's exit event whose enter event came before the capture started): they are in the
/// trace, with what was missing left empty, and judged. A rule on what is missing may still
/// not fire, so they make a verdict incomplete as skipped records do. `rtsec import` writes
/// them.
pub const KEPT_INCOMPLETE: &str = "kept incomplete: ";

/// The [`Losses::truncated`] entry of the events whose data (`evt.buffer`) was kept only in
/// part: its first snaplen bytes (`DATA_TRUNCATED`), as Falco's drivers keep it.
pub const DATA_CUT: &str = "data beyond the snaplen (evt.buffer holds the first part)";

/// Everything a source knows it lost. Cumulative: the last value written wins.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Losses {
    /// Events the kernel could not hand over (ring buffer full), per CPU.
    pub kernel_drops_per_cpu: Vec<u64>,
    /// The same drops by event type name.
    pub kernel_drops_by_type: Vec<(String, u64)>,
    /// Records a source read but could not convert, by reason (e.g. an import's unknown events;
    /// some are not recorded by design, see [`not_recorded`]).
    pub skipped: Vec<(String, u64)>,
    /// Values that were cut to fit (strings, argv, data), by what was cut.
    pub truncated: Vec<(String, u64)>,
}

impl Losses {
    /// Total events dropped by the kernel.
    pub fn kernel_drops(&self) -> u64 {
        self.kernel_drops_per_cpu.iter().sum()
    }

    /// Total records skipped by the source.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.iter().map(|(_, n)| n).sum()
    }

    /// Skipped records a live capture would have recorded, by reason: losses.
    pub fn skipped_lost(&self) -> impl Iterator<Item = &(String, u64)> {
        self.skipped.iter().filter(|(why, n)| {
            *n > 0 && !not_recorded::is_by_design(why) && !why.starts_with(KEPT_INCOMPLETE)
        })
    }

    /// Records in the trace with parts the source did not have ([`KEPT_INCOMPLETE`]), by
    /// reason (without that beginning): losses too.
    pub fn kept_incomplete(&self) -> impl Iterator<Item = (&str, u64)> {
        self.skipped
            .iter()
            .filter(|(_, n)| *n > 0)
            .filter_map(|(why, n)| Some((why.strip_prefix(KEPT_INCOMPLETE)?, *n)))
    }

    /// Records skipped or kept incomplete: what makes a verdict incomplete besides drops.
    pub fn records_lost(&self) -> u64 {
        self.skipped_lost().map(|(_, n)| n).sum::<u64>()
            + self.kept_incomplete().map(|(_, n)| n).sum::<u64>()
    }

    /// Skipped records a live capture does not record either ([`not_recorded`]), by reason.
    pub fn skipped_by_design(&self) -> impl Iterator<Item = &(String, u64)> {
        self.skipped
            .iter()
            .filter(|(why, n)| *n > 0 && not_recorded::is_by_design(why))
    }

    /// What was lost after `earlier` (an earlier value of the same cumulative counters): the
    /// losses of one file of a capture that starts a new file now and then.
    pub fn since(&self, earlier: &Losses) -> Losses {
        let per_cpu = self
            .kernel_drops_per_cpu
            .iter()
            .enumerate()
            .map(|(i, n)| {
                n.saturating_sub(earlier.kernel_drops_per_cpu.get(i).copied().unwrap_or(0))
            })
            .collect();
        let by_name = |now: &[(String, u64)], then: &[(String, u64)]| {
            now.iter()
                .filter_map(|(what, n)| {
                    let before = then.iter().find(|(w, _)| w == what).map_or(0, |(_, b)| *b);
                    (*n > before).then(|| (what.clone(), n - before))
                })
                .collect()
        };
        Losses {
            kernel_drops_per_cpu: per_cpu,
            kernel_drops_by_type: by_name(
                &self.kernel_drops_by_type,
                &earlier.kernel_drops_by_type,
            ),
            skipped: by_name(&self.skipped, &earlier.skipped),
            truncated: by_name(&self.truncated, &earlier.truncated),
        }
    }

    /// True if nothing was lost, skipped or cut.
    pub fn is_empty(&self) -> bool {
        self.kernel_drops() == 0
            && self.kernel_drops_by_type.iter().all(|(_, n)| *n == 0)
            && self.skipped_total() == 0
            && self.truncated.iter().all(|(_, n)| *n == 0)
    }
}

/// Where one block is and what it holds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct BlockIndexEntry {
    /// File offset of the block's frame header.
    pub offset: u64,
    /// Frame header plus compressed payload, in bytes.
    pub len: u32,
    pub events: u32,
    pub first_event_num: u64,
    pub ts_min: u64,
    pub ts_max: u64,
}

/// Written by `TraceWriter::finish`: a summary that saves readers a scan.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode, Serialize)]
pub struct Footer {
    pub blocks: Vec<BlockIndexEntry>,
    pub events: u64,
    /// Events per `evt.type` name, sorted by name.
    pub events_by_type: Vec<(String, u64)>,
    /// Distinct process records (versions, and threads' records: `proc_flags::THREAD`) and
    /// containers the events refer to.
    pub processes: u64,
    pub containers: u64,
    pub ts_min: u64,
    pub ts_max: u64,
    pub losses: Losses,
    /// Wall-clock time when the trace was finished, ns since the epoch.
    pub end_ns: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rotating_capture_is_known_by_its_rotation_key() {
        let with = |extra: &[&str]| CaptureSettings {
            extra: extra.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        assert!(with(&["file_ids=true", "rotation=every 1s"]).rotates());
        assert!(with(&["rotation=size 1073741824 bytes"]).rotates());
        assert!(!with(&["file_ids=true"]).rotates());
        assert!(!with(&["rotations=3"]).rotates());
    }

    #[test]
    fn skipped_records_split_into_losses_kept_incomplete_and_not_recorded_by_design() {
        let l = Losses {
            skipped: vec![
                ("meta event rtsec does not record: procinfo".into(), 260),
                (
                    "kept incomplete: exit without its enter event, arguments left empty: execve"
                        .into(),
                    1,
                ),
                ("enter event merged into its exit: mmap".into(), 10),
                ("unknown event type 9999".into(), 0),
                ("unknown event type 7".into(), 2),
            ],
            ..Losses::default()
        };
        let lost: Vec<_> = l.skipped_lost().map(|(w, n)| (w.as_str(), *n)).collect();
        assert_eq!(lost, [("unknown event type 7", 2)]);
        let kept: Vec<_> = l.kept_incomplete().collect();
        assert_eq!(
            kept,
            [(
                "exit without its enter event, arguments left empty: execve",
                1
            )]
        );
        assert_eq!(l.records_lost(), 3);
        let by_design: u64 = l.skipped_by_design().map(|(_, n)| n).sum();
        assert_eq!(by_design, 270);
        assert!(!l.is_empty());
    }

    #[test]
    fn losses_since_an_earlier_count_are_the_difference() {
        let then = Losses {
            kernel_drops_per_cpu: vec![3, 0],
            kernel_drops_by_type: vec![("openat".into(), 3)],
            skipped: vec![("malformed kernel records".into(), 1)],
            truncated: vec![("argv".into(), 2)],
        };
        let now = Losses {
            kernel_drops_per_cpu: vec![5, 4],
            kernel_drops_by_type: vec![("execve".into(), 4), ("openat".into(), 5)],
            skipped: vec![("malformed kernel records".into(), 1)],
            truncated: vec![("argv".into(), 7), ("strings".into(), 1)],
        };
        assert_eq!(
            now.since(&then),
            Losses {
                kernel_drops_per_cpu: vec![2, 4],
                kernel_drops_by_type: vec![("execve".into(), 4), ("openat".into(), 2)],
                skipped: vec![],
                truncated: vec![("argv".into(), 5), ("strings".into(), 1)],
            }
        );
        assert!(now.since(&now).is_empty());
        assert_eq!(now.since(&Losses::default()), now);
    }
}
