//! Falco's "Falco internal: syscall event drop" alert, for the kernel drops a trace recorded.
//!
//! A live Falco checks its driver's counters once a second (of event time) and, when events
//! were dropped in that second and more than `syscall_event_drops.threshold` of them, takes the
//! configured actions, `alert` among them: an alert of priority Debug, rule "Falco internal:
//! syscall event drop", with the second's counts as output fields, at most as often as the
//! token bucket of `rate` and `max_burst` allows (falco `event_drops.cpp`, `falco_outputs::
//! handle_msg`). Falco reading a capture file does not, for it has no counters then. A trace
//! keeps its capture's cumulative drop counts with every block, so the replay knows them at
//! block granularity: Falco checks at the first event past its next check time, before that
//! event is judged; [`DropAlerts`] checks before the first block that starts past it, with
//! the counts of the blocks before, so the alert comes between their alerts and that block's.
//! And once more at the end of each trace, where Falco would leave the last second's drops
//! unreported.

use std::sync::Arc;

use rtsec_format::Losses;
use rtsec_rules::{clock_text, iso8601_text};

use crate::judge::{BlockResult, LineFormat};

/// The rule name and the start of the message, as Falco writes them.
pub const RULE: &str = "Falco internal: syscall event drop";

const SECOND: u64 = 1_000_000_000;

/// A falco.yaml's `syscall_event_drops`, as far as alerts go.
#[derive(Clone, Debug, PartialEq)]
pub struct DropAlertSettings {
    /// Its `actions` include `alert` (Falco's shipped falco.yaml lists `log` and `alert`).
    pub alert: bool,
    /// They include `exit`, which stops a live Falco (not applied to a replay).
    pub exit: bool,
    /// Drops per event (dropped and recorded) a second must exceed: `threshold`, 0 to 1.
    pub threshold: f64,
    /// Alerts a second the bucket refills with (`rate`), and most it holds (`max_burst`).
    pub rate: f64,
    pub max_burst: f64,
}

impl Default for DropAlertSettings {
    /// Falco's defaults (`falco_configuration::load_yaml`), with the shipped falco.yaml's
    /// actions.
    fn default() -> Self {
        DropAlertSettings {
            alert: true,
            exit: false,
            threshold: 0.1,
            rate: 0.03333,
            max_burst: 1.0,
        }
    }
}

/// What [`DropAlerts`] did over a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DropAlertCounts {
    /// Alerts written.
    pub alerts: u64,
    /// Checks that found drops above the threshold when the bucket was empty.
    pub rate_limited: u64,
    /// Checks that found drops, but not more than the threshold.
    pub below_threshold: u64,
}

/// Falco's token bucket (`token_bucket.cpp`) over event time.
#[derive(Clone, Debug)]
struct TokenBucket {
    rate: f64,
    max: f64,
    tokens: f64,
    last_seen: u64,
}

impl TokenBucket {
    fn new(rate: f64, max: f64, now: u64) -> TokenBucket {
        TokenBucket {
            rate,
            max,
            tokens: max,
            last_seen: now,
        }
    }

    fn claim(&mut self, now: u64) -> bool {
        let gained = self.rate * (now.saturating_sub(self.last_seen) as f64 / SECOND as f64);
        self.last_seen = now;
        self.tokens = (self.tokens + gained).min(self.max);
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }
}

/// One trace's counters as the checks see them.
struct TraceDrops {
    input: usize,
    hostname: Arc<str>,
    /// The block whose results are coming in.
    block: u32,
    /// Cumulative losses at the last check, and as of the latest block.
    checked: Losses,
    latest: Losses,
    /// Events (recorded) since the last check.
    events: u64,
    /// The latest block's last event time.
    last_ts: u64,
    next_check: u64,
    bucket: TokenBucket,
}

/// Writes Falco's drop alert where a run's traces recorded kernel drops (see the module docs).
pub struct DropAlerts {
    settings: DropAlertSettings,
    format: LineFormat,
    trace: Option<TraceDrops>,
    counts: DropAlertCounts,
}

impl DropAlerts {
    pub fn new(settings: DropAlertSettings, format: LineFormat) -> DropAlerts {
        DropAlerts {
            settings,
            format,
            trace: None,
            counts: DropAlertCounts::default(),
        }
    }

    /// Takes in a block's result (or a part of its alert lines), in run order, before its
    /// lines are written: appends to `out` the alert lines due before them.
    pub fn block(&mut self, r: &BlockResult, out: &mut Vec<u8>) {
        if self.trace.as_ref().is_some_and(|t| t.input != r.input) {
            self.finish(out);
        }
        let settings = &self.settings;
        let t = self.trace.get_or_insert_with(|| TraceDrops {
            input: r.input,
            hostname: r.hostname.clone(),
            block: r.block,
            checked: Losses::default(),
            latest: Losses::default(),
            events: 0,
            last_ts: r.ts_min,
            next_check: r.ts_min.saturating_add(SECOND),
            bucket: TokenBucket::new(settings.rate, settings.max_burst, r.ts_min),
        });
        if t.block != r.block {
            // The first result of a new block.
            t.block = r.block;
            if r.ts_min > t.next_check {
                t.next_check = r.ts_min.saturating_add(SECOND);
                self.check(r.ts_min, out);
            }
        }
        if r.piece || r.damage.is_some() {
            return;
        }
        let Some(t) = self.trace.as_mut() else { return };
        if t.hostname.is_empty() {
            t.hostname = r.hostname.clone();
        }
        // In a time window, only a block with events judged carries the window's counts (the
        // pipeline's `losses_before`); the counts only grow.
        if r.events > 0 && r.losses.kernel_drops() >= t.latest.kernel_drops() {
            t.latest = r.losses.clone();
        }
        t.events += r.events + r.outside;
        t.last_ts = t.last_ts.max(r.ts_max);
    }

    /// Ends the current trace: its drops since the last check are checked now.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if let Some(t) = &self.trace {
            let ts = t.last_ts;
            self.check(ts, out);
        }
        self.trace = None;
    }

    pub fn counts(&self) -> DropAlertCounts {
        self.counts
    }

    fn check(&mut self, ts: u64, out: &mut Vec<u8>) {
        let Some(t) = self.trace.as_mut() else { return };
        let delta = t.latest.since(&t.checked);
        t.checked = t.latest.clone();
        let drops = delta.kernel_drops();
        // Falco's `n_evts` counts the dropped events too.
        let events = std::mem::take(&mut t.events) + drops;
        if drops == 0 || !self.settings.alert {
            return;
        }
        if drops as f64 / events as f64 <= self.settings.threshold {
            self.counts.below_threshold += 1;
            return;
        }
        if !t.bucket.claim(ts) {
            self.counts.rate_limited += 1;
            return;
        }
        self.counts.alerts += 1;
        let fields = output_fields(&delta, events);
        write_alert(self.format, ts, &t.hostname, drops, &fields, out);
    }
}

/// Falco's drop category fields (`n_drops_buffer_*_exit`), by the names a trace counts drops
/// under (`Losses::kernel_drops_by_type`: syscalls, `fork (lifecycle)`, `exec (lifecycle)`,
/// `procexit`), as the drivers' `compute_event_types_stats` sorts exit events.
fn category(name: &str) -> Option<&'static str> {
    Some(match name {
        "open" | "creat" | "openat" | "openat2" | "open_by_handle_at" => "n_drops_buffer_open_exit",
        "dup" | "chmod" | "fchmod" | "fchmodat" | "chown" | "lchown" | "fchown" | "fchownat"
        | "link" | "linkat" | "mkdir" | "mkdirat" | "mount" | "umount" | "umount2" | "rename"
        | "renameat" | "renameat2" | "rmdir" | "symlink" | "symlinkat" | "unlink" | "unlinkat" => {
            "n_drops_buffer_dir_file_exit"
        }
        "clone" | "clone3" | "fork" | "vfork" | "fork (lifecycle)" => {
            "n_drops_buffer_clone_fork_exit"
        }
        "execve" | "execveat" | "exec (lifecycle)" => "n_drops_buffer_execve_exit",
        "connect" => "n_drops_buffer_connect_exit",
        "bpf" | "setpgid" | "ptrace" | "seccomp" | "setns" | "setresgid" | "setresuid"
        | "setsid" | "unshare" | "capset" => "n_drops_buffer_other_interest_exit",
        "close" => "n_drops_buffer_close_exit",
        "procexit" => "n_drops_buffer_proc_exit",
        _ => return None,
    })
}

/// The output fields of Falco's alert, sorted by name as its JSON object keeps them: the
/// buffer drops by category, all drops, and the events of the interval. rtsec's probe is
/// eBPF, and has no scratch-map, page-fault or bug drops of the kind Falco's drivers count
/// apart (an argument it could not read is recorded as such, not dropped).
fn output_fields(delta: &Losses, events: u64) -> Vec<(&'static str, u64)> {
    let drops = delta.kernel_drops();
    let mut fields = vec![
        ("ebpf_enabled", 1),
        ("n_drops", drops),
        ("n_drops_buffer_clone_fork_exit", 0),
        ("n_drops_buffer_close_exit", 0),
        ("n_drops_buffer_connect_exit", 0),
        ("n_drops_buffer_dir_file_exit", 0),
        ("n_drops_buffer_execve_exit", 0),
        ("n_drops_buffer_open_exit", 0),
        ("n_drops_buffer_other_interest_exit", 0),
        ("n_drops_buffer_proc_exit", 0),
        ("n_drops_buffer_total", drops),
        ("n_drops_bug", 0),
        ("n_drops_page_faults", 0),
        ("n_drops_scratch_map", 0),
        ("n_evts", events),
    ];
    for (name, n) in &delta.kernel_drops_by_type {
        if let Some(c) = category(name)
            && let Some(slot) = fields.iter_mut().find(|(k, _)| *k == c)
        {
            slot.1 += n;
        }
    }
    fields
}

/// The alert as `falco_outputs::handle_msg` writes it: text `TIME: Debug MSG (k="v" ...)`,
/// or a JSON object with its keys sorted (nlohmann's), output field values as strings.
fn write_alert(
    format: LineFormat,
    ts: u64,
    hostname: &str,
    drops: u64,
    fields: &[(&str, u64)],
    out: &mut Vec<u8>,
) {
    use std::io::Write;
    let message = format!("{RULE}. {drops} system calls dropped in last second.");
    match format {
        LineFormat::Text => {
            let _ = write!(out, "{}: Debug {message} (", clock_text(ts));
            for (i, (k, v)) in fields.iter().enumerate() {
                let sep = if i == 0 { "" } else { " " };
                let _ = write!(out, "{sep}{k}=\"{v}\"");
            }
            out.extend_from_slice(b")\n");
        }
        LineFormat::Json => {
            let json = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let _ = write!(
                out,
                "{{\"hostname\":{},\"output\":{},\"output_fields\":{{",
                json(hostname),
                json(&message)
            );
            for (i, (k, v)) in fields.iter().enumerate() {
                let sep = if i == 0 { "" } else { "," };
                let _ = write!(out, "{sep}\"{k}\":\"{v}\"");
            }
            let _ = writeln!(
                out,
                "}},\"priority\":\"Debug\",\"rule\":{},\"source\":\"internal\",\"time\":\"{}\"}}",
                json(RULE),
                iso8601_text(ts)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_764_000_000 * SECOND;

    fn settings(threshold: f64) -> DropAlertSettings {
        DropAlertSettings {
            threshold,
            ..DropAlertSettings::default()
        }
    }

    /// Block `n` of `events` events from `from` to `to` seconds after T0, whose trace had
    /// dropped `drops` (type, count) events in all by its end.
    fn block(
        (input, n): (usize, u32),
        from: u64,
        to: u64,
        events: u64,
        drops: &[(&str, u64)],
    ) -> BlockResult {
        let mut r = BlockResult::new(input, n);
        r.ts_min = T0 + from * SECOND;
        r.ts_max = T0 + to * SECOND;
        r.events = events;
        r.hostname = Arc::from("host-1");
        r.losses = Losses {
            kernel_drops_per_cpu: vec![drops.iter().map(|d| d.1).sum()],
            kernel_drops_by_type: drops.iter().map(|(t, n)| (t.to_string(), *n)).collect(),
            ..Losses::default()
        };
        r
    }

    fn run(a: &mut DropAlerts, blocks: &[BlockResult]) -> String {
        let mut out = Vec::new();
        for b in blocks {
            a.block(b, &mut out);
        }
        a.finish(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_text_alert_is_falcos_with_the_drops_by_category() {
        let mut a = DropAlerts::new(settings(0.0), LineFormat::Text);
        let drops = [("fork (lifecycle)", 2), ("getppid", 4), ("openat", 3)];
        let text = run(&mut a, &[block((0, 1), 0, 3, 91, &drops)]);
        let want = format!(
            "{}: Debug Falco internal: syscall event drop. 9 system calls dropped in last \
             second. (ebpf_enabled=\"1\" n_drops=\"9\" n_drops_buffer_clone_fork_exit=\"2\" \
             n_drops_buffer_close_exit=\"0\" n_drops_buffer_connect_exit=\"0\" \
             n_drops_buffer_dir_file_exit=\"0\" n_drops_buffer_execve_exit=\"0\" \
             n_drops_buffer_open_exit=\"3\" n_drops_buffer_other_interest_exit=\"0\" \
             n_drops_buffer_proc_exit=\"0\" n_drops_buffer_total=\"9\" n_drops_bug=\"0\" \
             n_drops_page_faults=\"0\" n_drops_scratch_map=\"0\" n_evts=\"100\")\n",
            clock_text(T0 + 3 * SECOND)
        );
        assert_eq!(text, want);
        assert_eq!(a.counts().alerts, 1);
    }

    #[test]
    fn the_json_alert_has_falcos_keys_in_its_order() {
        let mut a = DropAlerts::new(settings(0.0), LineFormat::Json);
        let text = run(&mut a, &[block((0, 2), 0, 3, 10, &[("close", 5)])]);
        assert!(
            text.starts_with(
                "{\"hostname\":\"host-1\",\"output\":\"Falco internal: syscall event drop. 5 \
                 system calls dropped in last second.\",\"output_fields\":{\"ebpf_enabled\":\"1\",\
                 \"n_drops\":\"5\",\"n_drops_buffer_clone_fork_exit\":\"0\",\
                 \"n_drops_buffer_close_exit\":\"5\","
            ),
            "{text}"
        );
        assert!(
            text.ends_with(
                "\"n_evts\":\"15\"},\"priority\":\"Debug\",\"rule\":\"Falco internal: syscall \
                 event drop\",\"source\":\"internal\",\
                 \"time\":\"2025-11-24T16:00:03.000000000Z\"}\n"
            ),
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(v["output_fields"]["n_drops_buffer_total"], "5");
    }

    #[test]
    fn drops_within_the_threshold_make_no_alert() {
        // 10 dropped of 100 is not more than Falco's default 0.1; 11 of 101 is.
        let mut a = DropAlerts::new(DropAlertSettings::default(), LineFormat::Text);
        assert_eq!(
            run(&mut a, &[block((0, 3), 0, 3, 90, &[("openat", 10)])]),
            ""
        );
        assert_eq!(a.counts().below_threshold, 1);
        let mut a = DropAlerts::new(DropAlertSettings::default(), LineFormat::Text);
        assert_ne!(
            run(&mut a, &[block((0, 4), 0, 3, 90, &[("openat", 11)])]),
            ""
        );
    }

    #[test]
    fn the_token_bucket_paces_the_alerts_in_event_time() {
        // Falco's default: one token, refilled at 0.03333 a second (one per 30 s).
        let mut a = DropAlerts::new(settings(0.0), LineFormat::Text);
        let blocks = [
            block((0, 5), 0, 2, 10, &[("openat", 1)]),
            block((0, 6), 2, 12, 10, &[("openat", 2)]),
            block((0, 7), 12, 40, 10, &[("openat", 3)]),
        ];
        let text = run(&mut a, &blocks);
        assert_eq!(text.lines().count(), 2, "{text}");
        assert_eq!(
            a.counts(),
            DropAlertCounts {
                alerts: 2,
                rate_limited: 1,
                below_threshold: 0
            }
        );
        assert!(
            text.lines()
                .nth(1)
                .unwrap()
                .contains(" 1 system calls dropped")
        );
    }

    #[test]
    fn blocks_within_a_second_are_checked_together_and_the_last_at_the_end() {
        let mut a = DropAlerts::new(
            DropAlertSettings {
                max_burst: 10.0,
                ..settings(0.0)
            },
            LineFormat::Text,
        );
        // Checked before the first block that starts past T0 + 1 s, with the 4 drops of the
        // blocks before; the last block's drops at the end of the trace.
        let blocks = [
            block((0, 8), 0, 0, 10, &[("openat", 1)]),
            block((0, 9), 0, 2, 10, &[("openat", 4)]),
            block((0, 10), 2, 2, 10, &[("openat", 6)]),
        ];
        let text = run(&mut a, &blocks);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].contains(" 4 system calls") && lines[0].contains("n_evts=\"24\""));
        assert!(lines[1].contains(" 2 system calls") && lines[1].contains("n_evts=\"12\""));
    }

    #[test]
    fn the_check_comes_before_the_first_part_of_a_block() {
        let mut a = DropAlerts::new(settings(0.0), LineFormat::Text);
        let mut out = Vec::new();
        a.block(&block((0, 1), 0, 0, 10, &[("openat", 3)]), &mut out);
        assert!(out.is_empty());
        // Alert lines of block 2 handed on while it is judged: its losses are not known yet.
        let part = BlockResult::new_piece(0, 2, T0 + 5 * SECOND, b"alert\n".to_vec());
        a.block(&part, &mut out);
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains(" 3 system calls dropped"), "{text}");
        assert!(text.starts_with(&clock_text(T0 + 5 * SECOND)), "{text}");
    }

    #[test]
    fn each_trace_counts_its_own_drops() {
        let mut a = DropAlerts::new(settings(0.0), LineFormat::Text);
        let blocks = [
            block((0, 11), 0, 3, 10, &[("openat", 5)]),
            block((1, 12), 100, 103, 10, &[("openat", 2)]),
        ];
        let text = run(&mut a, &blocks);
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[1].contains(" 2 system calls"), "{text}");
    }

    #[test]
    fn without_the_alert_action_nothing_is_written() {
        let mut a = DropAlerts::new(
            DropAlertSettings {
                alert: false,
                ..settings(0.0)
            },
            LineFormat::Text,
        );
        assert_eq!(
            run(&mut a, &[block((0, 13), 0, 3, 10, &[("openat", 5)])]),
            ""
        );
    }
}
