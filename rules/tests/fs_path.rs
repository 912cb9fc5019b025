//! `fs.path.*` as libsinsp's `sinsp_filter_check_fspath` extracts them: the path, source and
//! target of the filesystem calls in its table, for calls that succeeded by its test; the
//! resolved flavours join a relative path to the cwd (not the dirfd) and normalize it.

mod common;

use std::sync::Arc;

use common::*;
use rtsec_format::{AT_FDCWD, Args, Block, Kind, PathArg, ProcessInfo};

fn leak(s: &str) -> &'static [u8] {
    Box::leak(s.as_bytes().to_vec().into_boxed_slice())
}

fn proc_in(cwd: &str) -> Arc<ProcessInfo> {
    P::new("mv").cwd(cwd).build()
}

fn one_path(kind: Kind, p: &Arc<ProcessInfo>, dirfd: i64, path: &str, res: i64) -> Block {
    block(
        kind,
        p,
        None,
        Args::Path {
            dirfd,
            path: PathArg::same(leak(path)),
            flags: 0,
            mode: 0o755,
        },
        res,
    )
}

fn two_paths(kind: Kind, p: &Arc<ProcessInfo>, old: &str, new: &str) -> Block {
    block(
        kind,
        p,
        None,
        Args::TwoPaths {
            olddirfd: AT_FDCWD,
            oldpath: PathArg::same(leak(old)),
            newdirfd: AT_FDCWD,
            newpath: PathArg::same(leak(new)),
            flags: 0,
        },
        0,
    )
}

fn open(kind: Kind, p: &Arc<ProcessInfo>, path: &str, res: i64) -> Block {
    let fd = (res >= 0).then(|| file_fd(res, path, 0));
    block(
        kind,
        p,
        fd.as_ref(),
        Args::Open {
            dirfd: 7,
            path: PathArg::same(leak(path)),
            flags: 0,
            mode: 0,
            resolve: 0,
            dev: 0,
            ino: 0,
        },
        res,
    )
}

#[test]
fn a_relative_path_is_joined_to_the_cwd_not_to_the_dirfd() {
    let p = proc_in("/home/u");
    let b = one_path(Kind::Mkdirat, &p, 3, "new/./dir/", 0);
    assert!(holds(&b, "fs.path.name = /home/u/new/dir"));
    assert!(holds(&b, "fs.path.nameraw = new/./dir/"));
    assert!(holds(
        &b,
        "not fs.path.source exists and not fs.path.target exists"
    ));
    let abs = one_path(Kind::Unlinkat, &p, 3, "//tmp/a/../b", 0);
    assert!(holds(&abs, "fs.path.name = /tmp/b"));
    assert!(holds(&abs, "fs.path.nameraw = //tmp/a/../b"));
}

#[test]
fn only_calls_that_succeeded_have_paths() {
    let p = proc_in("/");
    assert!(!holds(
        &one_path(Kind::Mkdir, &p, AT_FDCWD, "/x", -17),
        "fs.path.name exists"
    ));
    // An open counts as failed only when its fd is -1 (EPERM): a missing file still has its
    // path, as libsinsp's test `evt.rawarg.fd != -1` gives.
    assert!(holds(
        &open(Kind::Openat, &p, "/etc/missing", -2),
        "fs.path.name = /etc/missing"
    ));
    assert!(!holds(
        &open(Kind::Openat, &p, "/etc/shadow", -1),
        "fs.path.name exists"
    ));
    assert!(holds(
        &open(Kind::Openat2, &p, "etc/passwd", 4),
        "fs.path.name = /etc/passwd"
    ));
}

#[test]
fn sources_and_targets_follow_libsinsps_table() {
    let p = proc_in("/srv");
    let mv = two_paths(Kind::Renameat2, &p, "a.txt", "/tmp/b.txt");
    assert!(holds(
        &mv,
        "fs.path.source = /srv/a.txt and fs.path.target = /tmp/b.txt and fs.path.sourceraw = a.txt"
    ));
    assert!(holds(&mv, "not fs.path.name exists"));
    // A link's source is its new path, its target the existing one.
    let ln = two_paths(Kind::Linkat, &p, "/etc/shadow", "s");
    assert!(holds(
        &ln,
        "fs.path.source = /srv/s and fs.path.target = /etc/shadow"
    ));
    let sym = block(
        Kind::Symlinkat,
        &p,
        None,
        Args::Symlink {
            target: leak("../etc/passwd"),
            linkdirfd: AT_FDCWD,
            linkpath: PathArg::same(leak("pw")),
        },
        0,
    );
    assert!(holds(
        &sym,
        "fs.path.source = /srv/pw and fs.path.target = /etc/passwd and fs.path.targetraw = ../etc/passwd"
    ));
    let mount = block(
        Kind::Mount,
        &p,
        None,
        Args::Mount {
            source: leak("/dev/sda1"),
            target: PathArg::same(leak("/mnt")),
            fstype: leak("ext4"),
            flags: 0,
        },
        0,
    );
    assert!(holds(
        &mount,
        "fs.path.source = /dev/sda1 and fs.path.target = /mnt"
    ));
}

#[test]
fn fd_calls_use_the_fd_name_and_calls_outside_the_table_have_none() {
    let p = proc_in("/");
    let fd = file_fd(5, "/var/log/app.log", 0);
    let fchmod = block(
        Kind::Fchmod,
        &p,
        Some(&fd),
        Args::Path {
            dirfd: 5,
            path: PathArg::same(b""),
            flags: 0,
            mode: 0o777,
        },
        0,
    );
    assert!(holds(&fchmod, "fs.path.name = /var/log/app.log"));
    // creat is not in libsinsp's table, nor are chdir and the like.
    assert!(!holds(
        &open(Kind::Creat, &p, "/tmp/x", 3),
        "fs.path.name exists"
    ));
    assert!(!holds(
        &one_path(Kind::Chdir, &p, AT_FDCWD, "/tmp", 0),
        "fs.path.name exists"
    ));
}

#[test]
fn fs_path_prints_in_outputs() {
    let e = engine_of(
        r#"
- rule: r
  desc: d
  condition: evt.type = rename
  output: "from=%fs.path.source to=%fs.path.target name=%fs.path.name"
  priority: NOTICE
"#,
        rtsec_rules::RuleMatching::First,
    );
    let b = two_paths(Kind::Rename, &proc_in("/root"), "x", "y/z");
    let (alert, _) = checked_alert(&e, &b);
    assert!(
        alert
            .output
            .contains("from=/root/x to=/root/y/z name=<NA> "),
        "{}",
        alert.output
    );
}

#[test]
fn libsinsps_fspath_test_vectors() {
    // From libsinsp's fspath unit tests (cwd /root).
    let p = proc_in("/root");
    for (raw, resolved) in [
        (
            "/tmp/random/dir.../..//../filename.txt",
            "/tmp/filename.txt",
        ),
        ("tmp/filename.txt", "/root/tmp/filename.txt"),
        ("../\\.../../tmp/filename_complex", "/tmp/filename_complex"),
        ("nopath", "/root/nopath"),
        ("tmp/random/dir...///../../name/", "/root/tmp/name"),
    ] {
        let b = one_path(Kind::Fchmodat, &p, AT_FDCWD, raw, 0);
        let e = engine_of(
            "- rule: r\n  desc: d\n  condition: evt.type = fchmodat\n  output: \"[%fs.path.name] [%fs.path.nameraw]\"\n  priority: NOTICE\n",
            rtsec_rules::RuleMatching::First,
        );
        let (alert, _) = checked_alert(&e, &b);
        assert!(
            alert.output.contains(&format!("[{resolved}] [{raw}]")),
            "{raw}: {}",
            alert.output
        );
    }
}
