//! `proc.exe_ino.ctime_duration_proc_start` and `…_pidns_start` as libsinsp computes them at
//! exec (`parsers.cpp`): the process's start minus the executable's ctime (unsigned, so it
//! wraps when the file is newer), and the ctime minus the pid namespace's start only when the
//! file is the newer; each missing when it comes out 0.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_rules::RuleMatching;

const S: u64 = 1_000_000_000;

const RULES: &str = r#"
- rule: durations
  desc: d
  condition: evt.type = execve
  output: "%proc.exe_ino.ctime_duration_proc_start %proc.exe_ino.ctime_duration_pidns_start |"
  priority: NOTICE
"#;

/// Both fields as an alert prints them, for an exec of a process started at `start` from a
/// file changed at `ctime`, in a pid namespace whose init started at `pidns`.
fn durations(start: u64, ctime: u64, pidns: u64) -> String {
    let mut p = (*P::new("app").started(start).build()).clone();
    p.exe_ino_ctime = ctime;
    p.pidns_init_start_ts = pidns;
    let e = engine_of(RULES, RuleMatching::First);
    let (alert, _) = checked_alert(&e, &exec(&Arc::new(p)));
    alert.output.split(" |").next().unwrap().to_string()
}

#[test]
fn the_file_older_than_the_process_and_newer_than_the_container() {
    // Container started at 100 s, the file written at 105 s, the process at 110 s.
    assert_eq!(
        durations(110 * S, 105 * S, 100 * S),
        "5000000000 5000000000"
    );
}

#[test]
fn a_file_older_than_the_container_has_no_pidns_duration() {
    assert_eq!(durations(110 * S, 107 * S, 108 * S), "3000000000 <NA>");
}

#[test]
fn a_file_newer_than_the_process_wraps_as_in_libsinsp() {
    // The process started at 100 s and wrote the file it then runs at 105 s.
    assert_eq!(durations(100 * S, 105 * S, 0), "18446744068709551616 <NA>");
}

#[test]
fn zero_is_missing() {
    assert_eq!(durations(100 * S, 100 * S, 90 * S), "<NA> 10000000000");
}
