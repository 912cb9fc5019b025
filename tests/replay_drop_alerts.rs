//! `rtsec replay --drop-alerts`: Falco's "Falco internal: syscall event drop" alert where a
//! trace recorded kernel drops, after the alerts of the block that recorded them, under the
//! `syscall_event_drops` settings of a falco.yaml or `-o`.

mod replay_support;

use std::path::{Path, PathBuf};

use replay_support::*;
use rtsec_format::{Losses, synth};

const DROP_TEXT: &str =
    ": Debug Falco internal: syscall event drop. 7 system calls dropped in last second. (";

/// Every open, with its event number.
const RULES: &str = "- rule: Every open
  desc: every open
  condition: evt.type in (open, openat, openat2)
  output: open num=%evt.num
  priority: WARNING
";

/// A trace of 6 000 events in blocks of 2 000, each block 2 s after the one before (Falco
/// checks its counters once a second), the first recording 7 kernel drops; and the rules
/// file.
fn lossy(dir: &Path) -> (PathBuf, PathBuf) {
    let trace = dir.join("lossy.rts");
    let mut w = writer_cut_by_hand(&trace);
    let mut count = 0u64;
    synth::generate(6000, 21, |ev| {
        let mut ev = ev.clone();
        ev.ts += count / 2000 * 2_000_000_000;
        w.push(&ev).unwrap();
        count += 1;
        if count == 2000 {
            w.set_losses(Losses {
                kernel_drops_per_cpu: vec![0, 7],
                ..Default::default()
            });
        }
        if count.is_multiple_of(2000) {
            w.cut().unwrap();
        }
    });
    w.finish().unwrap();
    let rules = dir.join("opens.yaml");
    std::fs::write(&rules, RULES).unwrap();
    (trace, rules)
}

fn replay(args: &[&str], trace: &Path, rules: &Path) -> std::process::Output {
    let mut all = vec!["replay", "-r", rules.to_str().unwrap()];
    all.extend_from_slice(args);
    all.push(trace.to_str().unwrap());
    rtsec(&all)
}

#[test]
fn the_drop_alert_follows_the_alerts_of_the_block_with_the_drops() {
    let dir = tempdir();
    let (trace, rules) = lossy(dir.path());
    let args = ["--drop-alerts", "-o", "syscall_event_drops.threshold=0"];
    let o = replay(&args, &trace, &rules);
    assert_eq!(
        code(&o),
        3,
        "drops make the trace incomplete: {}",
        stderr(&o)
    );
    let out = stdout(&o);
    let lines: Vec<&str> = out.lines().collect();
    let at: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains(DROP_TEXT))
        .collect();
    assert_eq!(at.len(), 1, "one drop alert: {out}");
    let num = |l: &str| -> u64 {
        let n = l.split("num=").nth(1).and_then(|r| r.split(' ').next());
        let n = n.unwrap_or_default();
        n.parse()
            .unwrap_or_else(|_| panic!("no event number in {l:?}"))
    };
    assert!(
        lines[..at[0]].iter().all(|l| num(l) <= 2000) && at[0] > 0,
        "after the first block's alerts"
    );
    assert!(
        lines[at[0] + 1..].iter().all(|l| num(l) > 2000) && at[0] + 1 < lines.len(),
        "before the next block's"
    );
    assert!(
        lines[at[0]].ends_with(
            "n_drops_buffer_total=\"7\" n_drops_bug=\"0\" n_drops_page_faults=\"0\" \
             n_drops_scratch_map=\"0\" n_evts=\"2007\")"
        ),
        "{}",
        lines[at[0]]
    );
    assert!(stderr(&o).contains("drop alerts: 1\n"), "{}", stderr(&o));

    // The same bytes at every -j, and as JSON.
    for j in ["1", "2", "8"] {
        let again = replay(&[&args[..], &["-j", j]].concat(), &trace, &rules);
        assert_eq!(stdout(&again), out, "-j {j}");
    }
    let o = replay(&[&args[..], &["--format", "json"]].concat(), &trace, &rules);
    let drop: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|v: &serde_json::Value| v["source"] == "internal")
        .collect();
    assert_eq!(drop.len(), 1, "{}", stdout(&o));
    assert_eq!(drop[0]["rule"], "Falco internal: syscall event drop");
    assert_eq!(drop[0]["priority"], "Debug");
    assert_eq!(drop[0]["hostname"], "synth-host");
    assert_eq!(drop[0]["output_fields"]["n_drops"], "7");
    assert_eq!(drop[0]["output_fields"]["n_evts"], "2007");
}

/// In a time window, the drops the trace recorded in it.
#[test]
fn a_window_alerts_on_its_own_drops() {
    let dir = tempdir();
    let (trace, rules) = lossy(dir.path());
    let args = ["--drop-alerts", "-o", "syscall_event_drops.threshold=0"];
    let o = replay(&[&args[..], &["--until", "+1s"]].concat(), &trace, &rules);
    assert_eq!(stdout(&o).matches(DROP_TEXT).count(), 1, "{}", stdout(&o));
    let o = replay(&[&args[..], &["--since", "+1s"]].concat(), &trace, &rules);
    assert!(!stdout(&o).contains("syscall event drop"), "{}", stdout(&o));
    assert!(stderr(&o).contains("drop alerts: 0\n"), "{}", stderr(&o));
}

#[test]
fn falcos_settings_decide_whether_drops_alert() {
    let dir = tempdir();
    let (trace, rules) = lossy(dir.path());
    // Falco's default threshold: 7 drops of 2 007 events are not more than a tenth.
    let o = replay(&["--drop-alerts"], &trace, &rules);
    assert!(!stdout(&o).contains("syscall event drop"), "{}", stdout(&o));
    assert!(
        stderr(&o).contains(
            "drop alerts: 0; seconds with drops but no alert: 1 at or below \
             syscall_event_drops.threshold"
        ),
        "{}",
        stderr(&o)
    );
    // Without --drop-alerts, none (Falco reading a capture writes none).
    let o = replay(&["-o", "syscall_event_drops.threshold=0"], &trace, &rules);
    assert!(!stdout(&o).contains("syscall event drop"));
    assert!(!stderr(&o).contains("drop alerts"));

    // A falco.yaml without the alert action: none, and a note says why.
    let yaml = dir.path().join("falco.yaml");
    std::fs::write(
        &yaml,
        "syscall_event_drops:\n  threshold: 0\n  actions:\n    - log\n",
    )
    .unwrap();
    let o = replay(
        &["--drop-alerts", "-c", yaml.to_str().unwrap()],
        &trace,
        &rules,
    );
    assert!(!stdout(&o).contains("syscall event drop"));
    assert!(
        stderr(&o).contains("`syscall_event_drops.actions` has no `alert`"),
        "{}",
        stderr(&o)
    );
    // `exit` stops a live Falco; a replay says it does not.
    std::fs::write(&yaml, "syscall_event_drops:\n  actions: [alert, exit]\n").unwrap();
    let o = replay(
        &["--drop-alerts", "-c", yaml.to_str().unwrap()],
        &trace,
        &rules,
    );
    assert!(
        stderr(&o).contains("`syscall_event_drops.actions` has `exit`, which stops a live Falco"),
        "{}",
        stderr(&o)
    );
    // With `alert`, the alert; the file's output gets it too.
    let alerts = dir.path().join("alerts.txt");
    std::fs::write(
        &yaml,
        format!(
            "syscall_event_drops:\n  threshold: 0\n  actions: [log, alert]\n\
             file_output:\n  enabled: true\n  filename: {}\n",
            alerts.display()
        ),
    )
    .unwrap();
    let o = replay(
        &[
            "--drop-alerts",
            "-c",
            yaml.to_str().unwrap(),
            "--falco-outputs",
        ],
        &trace,
        &rules,
    );
    assert!(
        !stdout(&o).contains(DROP_TEXT),
        "printed only where the falco.yaml's stdout_output is enabled"
    );
    let written = std::fs::read_to_string(&alerts).unwrap();
    assert_eq!(
        written.lines().filter(|l| l.contains(DROP_TEXT)).count(),
        1,
        "{written}"
    );

    // Settings Falco refuses are refused, with the file and key.
    std::fs::write(&yaml, "syscall_event_drops:\n  threshold: 2\n").unwrap();
    let o = replay(
        &["--drop-alerts", "-c", yaml.to_str().unwrap()],
        &trace,
        &rules,
    );
    assert_eq!(code(&o), 1);
    assert!(
        stderr(&o).contains(&format!(
            "{}: `syscall_event_drops.threshold`: syscall event drops threshold must be a \
             double in the range [0, 1]",
            yaml.display()
        )),
        "{}",
        stderr(&o)
    );
    std::fs::write(&yaml, "syscall_event_drops:\n  actions: [ignore, alert]\n").unwrap();
    let o = replay(
        &["--drop-alerts", "-c", yaml.to_str().unwrap()],
        &trace,
        &rules,
    );
    assert!(
        stderr(&o).contains(
            "`syscall_event_drops.actions`: syscall event drop action \"alert\" does not make \
             sense with the \"ignore\" action"
        ),
        "{}",
        stderr(&o)
    );
}
