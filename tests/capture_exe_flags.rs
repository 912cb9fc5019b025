//! `proc.is_exe_writable` (`EXE_WRITABLE`): the executable is writable by the process that runs
//! it, judged at exec as Falco judges it (owner/group/other write bit for the fsuid/fsgid, or
//! `CAP_DAC_OVERRIDE`; never on a read-only filesystem or an immutable file).

mod capture_support;

use std::os::unix::fs::PermissionsExt;

use capture_support::*;
use rtsec_format::record::exe_flags::WRITABLE;

#[test]
fn exe_writable_follows_the_mode_bits_and_capabilities() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("t.rts");
    let truebin = which("true");
    let open = dir.path().join("open-true");
    let closed = dir.path().join("closed-true");
    std::fs::copy(&truebin, &open).unwrap();
    std::fs::copy(&truebin, &closed).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).unwrap();
    let nobody = "setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all";
    let script = format!(
        "{nobody} {o} as-nobody; {nobody} {c} as-nobody; {c} as-root",
        o = open.display(),
        c = closed.display()
    );
    let o = capture(&out, &[], &["sh", "-c", &script]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let t = read(&out);
    let flags = |exe: &std::path::Path, label: &str| {
        t.events
            .iter()
            .find(|e| {
                e.ty == "execve"
                    && e.res == 0
                    && e.exepath == exe.to_str().unwrap()
                    && e.args.first().map(String::as_str) == Some(label)
            })
            .unwrap_or_else(|| panic!("no execve of {} {label}", exe.display()))
            .exe_flags
    };
    assert_ne!(
        flags(&open, "as-nobody") & WRITABLE,
        0,
        "mode 777: writable by others"
    );
    assert_eq!(
        flags(&closed, "as-nobody") & WRITABLE,
        0,
        "mode 755 root-owned: not for nobody"
    );
    assert_ne!(
        flags(&closed, "as-root") & WRITABLE,
        0,
        "root writes anything (CAP_DAC_OVERRIDE)"
    );
}
