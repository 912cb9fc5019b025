//! A block matcher remembers the verdicts of string checks per string of the block: the same
//! string in different roles (a file's name, a directory's name, a failed open's path, a
//! program name) must still give each check its own answer, exactly as `Engine::matches`.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::builder::BlockBuilder;
use rtsec_format::{Args, FdInfo, FdType, Kind, NewEvent, PathArg, ProcessInfo};
use rtsec_rules::RuleMatching;

const RULES: &str = r#"
- rule: dir_is_etc
  desc: d
  condition: evt.type = openat and fd.directory in (/etc)
  output: "%fd.name"
  priority: WARNING
- rule: dir_starts_etc_ssh
  desc: d
  condition: evt.type = openat and fd.directory startswith /etc/ssh
  output: "%fd.name"
  priority: WARNING
- rule: file_is_ssh
  desc: d
  condition: evt.type = openat and fd.filename in (ssh, sshd_config)
  output: "%fd.name"
  priority: WARNING
- rule: name_pmatch
  desc: d
  condition: evt.type = openat and fd.name pmatch (/etc/ssh)
  output: "%fd.name"
  priority: WARNING
- rule: raw_has_dots
  desc: d
  condition: evt.type = openat and fd.nameraw contains ".."
  output: "%fd.name"
  priority: WARNING
- rule: prog_in
  desc: d
  condition: evt.type = openat and proc.name in (/etc/ssh, cat)
  output: "%proc.name"
  priority: WARNING
- rule: ancestor_in
  desc: d
  condition: evt.type = openat and proc.aname in (/etc/ssh)
  output: "%proc.name"
  priority: WARNING
- rule: exe_glob
  desc: d
  condition: evt.type = openat and proc.exe glob "/etc/*"
  output: "%proc.name"
  priority: WARNING
"#;

fn fd(num: i64, ty: FdType, name: &str, raw: &str) -> Arc<FdInfo> {
    Arc::new(FdInfo {
        id: IDS.next(),
        num,
        ty,
        name: name.into(),
        nameraw: raw.into(),
        ..Default::default()
    })
}

fn push(
    b: &mut BlockBuilder,
    p: &Arc<ProcessInfo>,
    fd: Option<&Arc<FdInfo>>,
    path: &'static str,
    res: i64,
) {
    b.push(&NewEvent {
        ts: TS,
        tid: p.pid,
        cpu: 0,
        kind: Kind::Openat,
        flags: 0,
        res,
        proc: Some(p),
        fd,
        args: Args::Open {
            dirfd: rtsec_format::AT_FDCWD,
            path: PathArg::same(path.as_bytes()),
            flags: 0,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
    })
    .unwrap();
}

#[test]
fn one_string_in_many_roles() {
    let e = engine_of(RULES, RuleMatching::All);
    // "/etc/ssh" is a directory, then a file (a different fd), a failed open's path, a
    // program name and its parent's name: each role asks different questions of the string.
    let parent = P::new("/etc/ssh").exe("/usr/bin/x").build();
    let strange = P::new("/etc/ssh").exe("/etc/ssh").parent(&parent).build();
    let cat = P::new("cat").parent(&strange).build();
    let mut b = BlockBuilder::default();
    let dir = fd(3, FdType::Directory, "/etc/ssh", "/etc/ssh");
    let file = fd(4, FdType::File, "/etc/ssh", "/etc/../etc/ssh");
    let conf = fd(5, FdType::File, "/etc/ssh/sshd_config", "/etc/ssh");
    for _ in 0..2 {
        push(&mut b, &cat, Some(&dir), "/etc/ssh", 3);
        push(&mut b, &cat, Some(&file), "/etc/../etc/ssh", 4);
        push(&mut b, &cat, None, "/etc/ssh", -2);
        push(&mut b, &strange, Some(&conf), "/etc/ssh", 5);
        push(&mut b, &parent, Some(&file), "/etc/ssh", 4);
    }
    let mut block = b.take();
    block.first_event_num = 1;

    let mut plain = e.scratch();
    let names =
        |ids: &[u32]| -> Vec<String> { ids.iter().map(|&i| e.rule(i).name.clone()).collect() };
    let want: Vec<Vec<String>> = block
        .events()
        .map(|ev| names(e.matches(&ev, &mut plain)))
        .collect();
    let mut sc = e.scratch();
    let mut m = e.block_matcher(&block, &mut sc);
    let got: Vec<Vec<String>> = block.events().map(|ev| names(m.matches(&ev))).collect();
    assert_eq!(got, want);
    // The roles really differ (the expectations follow libsinsp's field definitions).
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        want[0],
        s(&[
            "dir_starts_etc_ssh",
            "name_pmatch",
            "prog_in",
            "ancestor_in"
        ]),
        "directory fd"
    );
    assert_eq!(
        want[1],
        s(&[
            "dir_is_etc",
            "file_is_ssh",
            "name_pmatch",
            "raw_has_dots",
            "prog_in",
            "ancestor_in"
        ]),
        "file fd"
    );
    assert_eq!(
        want[2],
        s(&["dir_is_etc", "name_pmatch", "prog_in", "ancestor_in"]),
        "failed open: no fd.filename"
    );
    assert_eq!(
        want[3],
        s(&[
            "dir_starts_etc_ssh",
            "file_is_ssh",
            "name_pmatch",
            "prog_in",
            "ancestor_in",
            "exe_glob"
        ]),
        "program named like the path"
    );
    assert_eq!(
        want[4],
        s(&[
            "dir_is_etc",
            "file_is_ssh",
            "name_pmatch",
            "raw_has_dots",
            "prog_in"
        ]),
        "no ancestor named so"
    );
    assert_eq!(
        &want[5..],
        &want[..5],
        "the same again (cached) gives the same"
    );
}

const REFUTE_RULES: &str = r#"
- rule: passwd_by_bash
  desc: d
  condition: evt.type = openat and fd.name = /etc/passwd and proc.name = bash
  output: "%fd.name"
  priority: WARNING
- rule: shadow_in_etc
  desc: d
  condition: evt.type = openat and fd.directory = /etc and fd.filename = shadow
  output: "%fd.name"
  priority: WARNING
- rule: etc_not_by_cat
  desc: d
  condition: evt.type = openat and fd.name startswith /etc/ and not proc.name in (cat)
  output: "%fd.name"
  priority: WARNING
- rule: shells
  desc: d
  condition: evt.type = execve and proc.name in (bash, sh) and proc.tty != 0
  output: "%proc.name"
  priority: WARNING
"#;

/// Rules refuted by an event's file name or program name alone are skipped for later events
/// with the same string, and only then: a rule that also read another field is evaluated
/// again.
#[test]
fn refuted_rules_are_skipped_only_for_the_same_string() {
    let e = engine_of(REFUTE_RULES, RuleMatching::All);
    let cat = P::new("cat").build();
    let bash = P::new("bash").tty(34816).build();
    let bash_notty = P::new("bash").build();
    let passwd = fd(3, FdType::File, "/etc/passwd", "/etc/passwd");
    let shadow = fd(4, FdType::File, "/etc/shadow", "/etc/shadow");
    let mut b = BlockBuilder::default();
    push(&mut b, &cat, Some(&passwd), "/etc/passwd", 3);
    push(&mut b, &bash, Some(&passwd), "/etc/passwd", 3);
    push(&mut b, &cat, Some(&shadow), "/etc/shadow", 4);
    push(&mut b, &bash, Some(&shadow), "/etc/shadow", 4);
    for p in [&bash_notty, &bash, &cat, &bash] {
        let exe: &'static [u8] = Box::leak(p.exepath.clone().into_boxed_slice());
        b.push(&NewEvent {
            ts: TS,
            tid: p.pid,
            cpu: 0,
            kind: Kind::Execve,
            flags: 0,
            res: 0,
            proc: Some(p),
            fd: None,
            args: Args::Exec {
                dirfd: rtsec_format::AT_FDCWD,
                filename: PathArg::same(exe),
                flags: 0,
            },
        })
        .unwrap();
    }
    let mut block = b.take();
    block.first_event_num = 1;
    let names =
        |ids: &[u32]| -> Vec<String> { ids.iter().map(|&i| e.rule(i).name.clone()).collect() };
    let mut plain = e.scratch();
    let want: Vec<Vec<String>> = block
        .events()
        .map(|ev| names(e.matches(&ev, &mut plain)))
        .collect();
    let mut sc = e.scratch();
    let mut m = e.block_matcher(&block, &mut sc);
    let got: Vec<Vec<String>> = block.events().map(|ev| names(m.matches(&ev))).collect();
    assert_eq!(got, want);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    assert_eq!(
        want,
        vec![
            s(&[]),
            s(&["passwd_by_bash", "etc_not_by_cat"]),
            s(&["shadow_in_etc"]),
            s(&["shadow_in_etc", "etc_not_by_cat"]),
            s(&[]),
            s(&["shells"]),
            s(&[]),
            s(&["shells"]),
        ]
    );
}
