//! The process fields libsinsp has beyond names and pids of ancestors: `proc.acmdline`,
//! `proc.exeline`, `proc.loginshellid`, `proc.pvpid`, `proc.pid.ts`, `proc.ppid.ts` and
//! `proc.pidns_init_start_ts`, in conditions and outputs.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_rules::RuleMatching;

/// sshd → bash (login shell) → sh → curl, with start times and argv.
fn lineage() -> Arc<rtsec_format::ProcessInfo> {
    let sshd = P::new("sshd").args(&["-D"]).build();
    let mut bash = P::new("bash").parent(&sshd);
    bash.start_ts = TS - 60_000_000_000;
    let bash = bash.build();
    let sh = P::new("sh").args(&["-c", "curl x"]).parent(&bash).build();
    let curl = P::new("curl").args(&["-s", "http://x"]).parent(&sh).build();
    let mut c = (*curl).clone();
    c.pidns_init_start_ts = 1_000;
    c.vpid = 7;
    Arc::new(c)
}

#[test]
fn ancestors_command_lines_in_conditions() {
    let b = exec(&lineage());
    assert!(holds(&b, "proc.acmdline[0] = \"curl -s http://x\""));
    assert!(holds(&b, "proc.acmdline[1] = \"sh -c curl x\""));
    assert!(holds(&b, "proc.acmdline[3] = \"sshd -D\""));
    assert!(!holds(&b, "proc.acmdline[4] exists"));
    // Without an index: any ancestor, not the process itself.
    assert!(holds(&b, "proc.acmdline contains \"-c curl\""));
    assert!(holds(&b, "proc.acmdline = \"sshd -D\""));
    assert!(!holds(&b, "proc.acmdline contains http"));
}

#[test]
fn exeline_shells_and_times() {
    let p = lineage();
    let b = exec(&p);
    assert!(holds(&b, "proc.exeline = \"/usr/bin/curl -s http://x\""));
    let sh = p.parent.as_ref().unwrap();
    let bash = sh.parent.as_ref().unwrap();
    // The oldest shell among the process and its ancestors: bash, not sh.
    assert!(holds(&b, &format!("proc.loginshellid = {}", bash.pid)));
    assert!(!holds(
        &exec(&P::new("sshd").build()),
        "proc.loginshellid exists"
    ));
    assert!(holds(&b, &format!("proc.pvpid = {}", sh.vpid)));
    assert!(holds(&b, &format!("proc.pid.ts = {}", p.start_ts)));
    assert!(holds(&b, &format!("proc.ppid.ts = {}", sh.start_ts)));
    assert!(holds(&b, "proc.pidns_init_start_ts = 1000"));
    let mut unknown = (*P::new("x").build()).clone();
    unknown.start_ts = 0;
    unknown.pidns_init_start_ts = 0;
    let unknown = exec(&Arc::new(unknown));
    assert!(!holds(&unknown, "proc.pid.ts exists"));
    assert!(!holds(&unknown, "proc.pidns_init_start_ts exists"));
}

#[test]
fn in_outputs() {
    const RULES: &str = r#"
- rule: lineage
  desc: d
  condition: evt.type = execve
  output: "[%proc.acmdline[2]] [%proc.acmdline] [%proc.exeline]"
  priority: NOTICE
"#;
    let e = engine_of(RULES, RuleMatching::First);
    let (alert, _) = checked_alert(&e, &exec(&lineage()));
    assert!(
        alert
            .output
            .starts_with("[bash] [sh -c curl x bash sshd -D] [/usr/bin/curl -s http://x]"),
        "{}",
        alert.output
    );
}
