//! `rtsec capture --file-ids` records the device and inode of each file an open returns
//! (`fd.dev`, `fd.ino`), as Falco's drivers do: the device in the encoding `stat(2)` gives and
//! Falco reports (`new_encode_dev`: 254:0 is `0xfe00`), not the kernel's own (`0xfe00000`).
//! Without the option they are 0 (the lookup costs every open a few loads).

mod capture_support;

use std::os::unix::fs::MetadataExt;

use capture_support::*;
use rtsec_format::Args;

/// `fd.dev` and `fd.ino` of the open of `path` in the trace.
fn ids(t: &Trace, path: &str) -> (u32, u64) {
    match t.open_of(path).raw_args {
        Some(Args::Open { dev, ino, .. }) => (dev, ino),
        ref other => panic!("not an open: {other:?}"),
    }
}

#[test]
fn opened_files_have_the_device_and_inode_stat_gives() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    // A file on the disk the tests run from, and one on /proc (device 0:N).
    let file = dir.path().join("mark");
    std::fs::write(&file, b"x").unwrap();
    let path = file.to_str().unwrap().to_string();
    let proc_file = "/proc/self/status";
    let cmd = [
        "sh",
        "-c",
        "cat \"$0\" /proc/self/status > /dev/null",
        &path,
    ];
    let with = dir.path().join("with.rts");
    let o = capture(&with, &["--file-ids"], &cmd);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&with);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(ids(&t, &path), (meta.dev() as u32, meta.ino()));
    let (dev, ino) = ids(&t, proc_file);
    assert_eq!(dev >> 8, 0, "a pseudo file system's major is 0: {dev:#x}");
    assert_ne!(ino, 0);

    let without = dir.path().join("without.rts");
    let o = capture(&without, &[], &cmd);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(ids(&read(&without), &path), (0, 0));
}
