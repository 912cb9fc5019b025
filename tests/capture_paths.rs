//! Issue 4, test 7 (second half): relative paths, `..`, openat with a dirfd and very long paths
//! resolve as Falco resolves them (libsinsp's `concatenate_paths`: joined with the cwd or the
//! dirfd's path, `.`/`..` and repeated `/` removed, `/DIR_TOO_LONG/FILENAME_TOO_LONG` past
//! 1024 bytes). The probe loading and passing the verifier is `capture/tests/probe.rs`.

mod capture_support;

use std::ffi::CString;

use capture_support::*;

const TOO_LONG: &str = "/DIR_TOO_LONG/FILENAME_TOO_LONG";
/// Directory names of the deep tree: 12 levels of 100 bytes take the cwd past 1024 bytes.
const DEEP: &str = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd";

fn c(p: &str) -> CString {
    CString::new(p).unwrap()
}

fn open_at(dirfd: i32, p: &str) -> i32 {
    // SAFETY: valid C string; the fd is closed by the caller or at exit.
    unsafe { libc::openat(dirfd, c(p).as_ptr(), libc::O_RDONLY) }
}

fn chdir(p: &str) {
    // SAFETY: valid C string.
    assert_eq!(unsafe { libc::chdir(c(p).as_ptr()) }, 0, "chdir {p}");
}

/// Runs inside the capture under `RTSEC_BASE`: opens files through every kind of path.
#[test]
#[ignore = "helper process of paths_resolve_like_falco"]
fn helper_paths() {
    if !in_helper() {
        return;
    }
    let base = std::env::var("RTSEC_BASE").unwrap();
    std::fs::create_dir_all(format!("{base}/a/b")).unwrap();
    std::fs::write(format!("{base}/x.txt"), "x").unwrap();
    std::fs::write(format!("{base}/a/f.txt"), "f").unwrap();
    chdir(&format!("{base}/a"));
    open_at(libc::AT_FDCWD, "f.txt");
    open_at(libc::AT_FDCWD, "../x.txt");
    open_at(libc::AT_FDCWD, "./b/../f.txt");
    open_at(libc::AT_FDCWD, "b//.//..//..//x.txt");
    open_at(
        libc::AT_FDCWD,
        "../../../../../../../../../../../../etc/hostname",
    );
    open_at(libc::AT_FDCWD, "missing-file");
    // Plain open(2), relative.
    // SAFETY: valid C string.
    unsafe { libc::syscall(libc::SYS_open, c("b/../f.txt").as_ptr(), libc::O_RDONLY) };
    // openat with a directory fd.
    // SAFETY: valid C string.
    let dirfd = unsafe { libc::open(c(&base).as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY) };
    open_at(dirfd, "a/f.txt");
    open_at(dirfd, "a/b/../../x.txt");
    open_at(dirfd, "/etc/hostname");
    // fchdir to it, then relative again.
    // SAFETY: plain syscall on our fd.
    unsafe { libc::fchdir(dirfd) };
    open_at(libc::AT_FDCWD, "a/f.txt");
    // chdir with ".." and relative opens from there.
    chdir("a/b/..");
    open_at(libc::AT_FDCWD, "f.txt");
    // A tree deeper than 1024 bytes, made with relative steps.
    for _ in 0..12 {
        std::fs::create_dir(DEEP).unwrap();
        chdir(DEEP);
    }
    std::fs::write("leaf.txt", "leaf").unwrap();
    let deep = std::env::current_dir().unwrap().display().to_string();
    assert!(deep.len() > 1024);
    chdir(&format!("{base}/a"));
    // A relative path that only becomes too long once joined with the cwd.
    let rel = format!("{}leaf.txt", format!("{DEEP}/").repeat(12));
    open_at(libc::AT_FDCWD, &rel);
    // An absolute path longer than 1024 bytes.
    open_at(libc::AT_FDCWD, &format!("{deep}/leaf.txt"));
    // A cwd longer than 1024 bytes becomes the placeholder (with its trailing /), and what is
    // relative to it builds on that, as in libsinsp.
    chdir(&deep);
    open_at(libc::AT_FDCWD, "leaf.txt");
    // Renames and mkdir relative to a dirfd and to that cwd.
    // SAFETY: valid C strings.
    unsafe {
        libc::mkdirat(dirfd, c("a/newdir").as_ptr(), 0o755);
        libc::renameat(
            dirfd,
            c("x.txt").as_ptr(),
            libc::AT_FDCWD,
            c("../y.txt").as_ptr(),
        );
    }
    // For fs.path.*: a rename, a link and a symlink relative to a plain cwd.
    chdir(&base);
    std::fs::write("fsp.txt", "f").unwrap();
    // SAFETY: valid C strings.
    unsafe {
        libc::rename(c("fsp.txt").as_ptr(), c("fsp2.txt").as_ptr());
        libc::link(c("fsp2.txt").as_ptr(), c("fsp3.txt").as_ptr());
        libc::symlink(c("fsp2.txt").as_ptr(), c("fsp4.txt").as_ptr());
    }
    println!("HELPER_PID {}", std::process::id());
}

/// `%evt.type %fs.path.source %fs.path.target` of the helper's renames, links and symlinks,
/// as `rtsec replay` prints them.
fn fs_paths(trace: &std::path::Path, pid: i64, dir: &std::path::Path) -> Vec<String> {
    let rules = dir.join("fs.yaml");
    std::fs::write(
        &rules,
        format!(
            "- rule: fs\n  desc: d\n  condition: evt.type in (rename, renameat, renameat2, link, linkat, symlink, symlinkat) and proc.pid = {pid}\n  output: \"%evt.type %fs.path.source %fs.path.target %fs.path.sourceraw\"\n  priority: NOTICE\n"
        ),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rtsec"))
        .args(["replay", "--rules"])
        .arg(&rules)
        .arg(trace)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_once("Notice ").map(|(_, rest)| rest))
        .map(|rest| rest.split(' ').take(4).collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn paths_resolve_like_falco() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let base = std::fs::canonicalize(dir.path()).unwrap().join("tree");
    let base_s = base.to_str().unwrap().to_string();
    let out = dir.path().join("t.rts");
    let pid = capture_helper(&out, "helper_paths", &[("RTSEC_BASE", &base_s)]);
    let t = read(&out);
    let mine: Vec<&Ev> = t.events.iter().filter(|e| e.pid == pid).collect();
    let resolved = |ty: &str, raw: &str| -> Vec<String> {
        mine.iter()
            .filter(|e| e.ty == ty && e.paths.first().is_some_and(|p| p.0 == raw))
            .map(|e| e.paths[0].1.clone())
            .collect()
    };
    let one = |ty: &str, raw: &str| -> String {
        let r = resolved(ty, raw);
        assert!(!r.is_empty(), "no {ty} of {raw:?}");
        r[0].clone()
    };
    let b = &base_s;
    assert_eq!(one("openat", "f.txt"), format!("{b}/a/f.txt"));
    assert_eq!(one("openat", "../x.txt"), format!("{b}/x.txt"));
    assert_eq!(one("openat", "./b/../f.txt"), format!("{b}/a/f.txt"));
    assert_eq!(one("openat", "b//.//..//..//x.txt"), format!("{b}/x.txt"));
    assert_eq!(
        one("openat", "../../../../../../../../../../../../etc/hostname"),
        "/etc/hostname",
        "`..` stops at /"
    );
    assert_eq!(one("openat", "missing-file"), format!("{b}/a/missing-file"));
    let failed = mine
        .iter()
        .find(|e| e.ty == "openat" && e.paths[0].0 == "missing-file")
        .unwrap();
    assert!(failed.res < 0);
    assert_eq!(failed.fd_num, Some(-1), "a failed open has fd.num -1");
    assert_eq!(
        failed.fd_name.as_deref(),
        Some(format!("{b}/a/missing-file").as_str())
    );
    assert_eq!(one("open", "b/../f.txt"), format!("{b}/a/f.txt"));
    // dirfd-relative: one from `a` (cwd), one from the tree's root after fchdir, both via dirfd.
    let via_dirfd = resolved("openat", "a/f.txt");
    assert!(
        via_dirfd.len() >= 2 && via_dirfd.iter().all(|r| r == &format!("{b}/a/f.txt")),
        "{via_dirfd:?}"
    );
    assert_eq!(one("openat", "a/b/../../x.txt"), format!("{b}/x.txt"));
    assert!(
        resolved("openat", "/etc/hostname")
            .iter()
            .all(|r| r == "/etc/hostname")
    );
    // After chdir("a/b/.."), cwd is the tree's a/ and "f.txt" resolves there again.
    let fs = resolved("openat", "f.txt");
    assert_eq!(fs.len(), 2, "{fs:?}");
    assert!(fs.iter().all(|r| r == &format!("{b}/a/f.txt")));
    let chdir = mine
        .iter()
        .find(|e| e.ty == "chdir" && e.paths[0].0 == "a/b/..")
        .expect("chdir a/b/..");
    assert_eq!(chdir.paths[0].1, format!("{b}/a"));
    // Past 1024 bytes: Falco's placeholder, whatever the raw path.
    let rel = format!("{}leaf.txt", format!("{DEEP}/").repeat(12));
    assert_eq!(
        one("openat", &rel),
        TOO_LONG,
        "relative, too long once joined"
    );
    let long_abs: Vec<&&Ev> = mine
        .iter()
        .filter(|e| e.ty == "openat" && e.paths[0].0.len() > 1024 && e.paths[0].0.starts_with('/'))
        .collect();
    assert_eq!(long_abs.len(), 1);
    assert_eq!(long_abs[0].paths[0].1, TOO_LONG);
    assert!(long_abs[0].res >= 0, "the kernel opened it");
    assert_eq!(long_abs[0].fd_name.as_deref(), Some(TOO_LONG));
    let deep_chdir = mine
        .iter()
        .find(|e| e.ty == "chdir" && e.paths[0].0.len() > 1024)
        .expect("chdir into the deep tree");
    assert_eq!(deep_chdir.paths[0].1, TOO_LONG);
    // (The first "leaf.txt" is the helper creating the file while walking down, relative to
    // a cwd that had already become the placeholder.)
    let leaf = resolved("openat", "leaf.txt");
    assert_eq!(leaf.last(), Some(&format!("{TOO_LONG}/leaf.txt")));
    assert_eq!(one("mkdirat", "a/newdir"), format!("{b}/a/newdir"));
    let rename = mine.iter().find(|e| e.ty == "renameat").expect("renameat");
    assert_eq!(rename.paths[0].1, format!("{b}/x.txt"));
    assert_eq!(rename.cwd, format!("{TOO_LONG}/"));
    assert_eq!(rename.paths[1].1, "/DIR_TOO_LONG/y.txt");
    // fs.path.* of the real events: a rename's old and new paths, a link's *new* and old
    // paths, a symlink's link path and what it points to, joined to the cwd as libsinsp does;
    // the renameat relative to a dirfd is joined to the cwd (the placeholder), not the dirfd.
    let fs = fs_paths(&out, pid, dir.path());
    let want = |ty: &str, src: &str, tgt: &str, raw: &str| {
        let line = format!("{src} {tgt} {raw}");
        assert!(
            fs.iter().any(|l| l
                .split_once(' ')
                .is_some_and(|(t, rest)| t.starts_with(ty) && rest == line)),
            "no {ty} with {line:?} in {fs:?}"
        );
    };
    want(
        "renameat",
        &format!("{TOO_LONG}/x.txt"),
        "/DIR_TOO_LONG/y.txt",
        "x.txt",
    );
    want(
        "rename",
        &format!("{b}/fsp.txt"),
        &format!("{b}/fsp2.txt"),
        "fsp.txt",
    );
    want(
        "link",
        &format!("{b}/fsp3.txt"),
        &format!("{b}/fsp2.txt"),
        "fsp3.txt",
    );
    want(
        "symlink",
        &format!("{b}/fsp4.txt"),
        &format!("{b}/fsp2.txt"),
        "fsp4.txt",
    );
}
