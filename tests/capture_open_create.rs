//! `evt.is_open_create` and `O_F_CREATED` come from the kernel: an open that created its file
//! is flagged (the file's `FMODE_CREATED`, as libs' drivers read it), an `O_CREAT` open of a
//! file that already exists is not, and an `O_TMPFILE` file counts as created (libsinsp).

mod capture_support;

use std::ffi::CString;
use std::process::Command;

use capture_support::*;

fn c(p: &str) -> CString {
    CString::new(p).unwrap()
}

/// Runs inside the capture under `RTSEC_BASE`: opens that create files and opens that do not.
#[test]
#[ignore = "helper process of an_open_that_created_its_file_is_flagged"]
fn helper_open_create() {
    if !in_helper() {
        return;
    }
    let base = std::env::var("RTSEC_BASE").unwrap();
    std::fs::create_dir_all(&base).unwrap();
    let path = |name: &str| c(&format!("{base}/{name}"));
    // SAFETY: valid C strings; the fds are closed at exit.
    unsafe {
        // open(2): a new file, then the same file again.
        libc::syscall(
            libc::SYS_open,
            path("new").as_ptr(),
            libc::O_CREAT | libc::O_WRONLY,
            0o755,
        );
        libc::syscall(
            libc::SYS_open,
            path("new").as_ptr(),
            libc::O_CREAT | libc::O_WRONLY,
            0o644,
        );
        // openat(2) of a new file, and of an existing one without O_CREAT.
        libc::openat(
            libc::AT_FDCWD,
            path("new-at").as_ptr(),
            libc::O_CREAT | libc::O_RDWR | libc::O_EXCL,
            0o600,
        );
        libc::openat(libc::AT_FDCWD, path("new-at").as_ptr(), libc::O_RDONLY);
        // openat2(2) of a new file.
        // struct open_how { u64 flags; u64 mode; u64 resolve; }
        let how: [u64; 3] = [(libc::O_CREAT | libc::O_WRONLY) as u64, 0o600, 0];
        libc::syscall(
            libc::SYS_openat2,
            libc::AT_FDCWD,
            path("new-at2").as_ptr(),
            how.as_ptr(),
            std::mem::size_of_val(&how),
        );
        // An unnamed temporary file in the directory.
        libc::openat(
            libc::AT_FDCWD,
            c(&base).as_ptr(),
            libc::O_TMPFILE | libc::O_RDWR,
            0o600,
        );
    }
    println!("HELPER_PID {}", std::process::id());
}

#[test]
fn an_open_that_created_its_file_is_flagged() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let base = std::fs::canonicalize(dir.path()).unwrap().join("files");
    let base_s = base.to_str().unwrap().to_string();
    let out = dir.path().join("t.rts");
    let pid = capture_helper(&out, "helper_open_create", &[("RTSEC_BASE", &base_s)]);
    // The helper's opens under the base, as `rtsec events` prints them.
    let events = |condition: &str| -> Vec<String> {
        let o = Command::new(env!("CARGO_BIN_EXE_rtsec"))
            .arg("events")
            .arg(&out)
            .arg("--filter")
            .arg(format!(
                "proc.pid = {pid} and evt.type in (open, openat, openat2) and fd.name startswith \
                 {base_s} and {condition}"
            ))
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect()
    };
    let all = events("evt.num > 0");
    assert_eq!(all.len(), 6, "{all:#?}");
    let created = events("evt.is_open_create = true");
    let names: Vec<&str> = created
        .iter()
        .map(|l| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix("name="))
                .unwrap_or("")
        })
        .collect();
    let b = &base_s;
    assert_eq!(
        names,
        [
            format!("{b}/new"),
            format!("{b}/new-at"),
            format!("{b}/new-at2"),
            b.to_string(),
        ],
        "{created:#?}"
    );
    // The kernel's answer is in the flags, as libs prints it; the tmpfile's comes from its
    // O_TMPFILE, not from the kernel.
    for line in &created[..3] {
        assert!(line.contains("|O_F_CREATED)"), "{line}");
    }
    let not_created = events("evt.is_open_create = false");
    assert_eq!(not_created.len(), 2, "{not_created:#?}");
    for line in &not_created {
        assert!(!line.contains("O_F_CREATED"), "{line}");
    }
    assert!(
        not_created[0].contains("O_CREAT"),
        "the second O_CREAT open of the same file: {}",
        not_created[0]
    );
}
