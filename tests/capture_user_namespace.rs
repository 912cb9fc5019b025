//! A process that creates a user namespace holds every capability in it from then on, and the
//! trace says so: libsinsp gives it the kernel's full set at `unshare(CLONE_NEWUSER)`, and
//! Falco's stable rule on the `release_agent` container escape checks
//! `thread.cap_effective contains CAP_SYS_ADMIN` on what such a process does next.

mod capture_support;

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use capture_support::*;

#[test]
fn a_process_holds_every_capability_after_unshare_newuser() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = dir.path().join("t.rts");
    let before = dir.path().join("before");
    let after = dir.path().join("after");
    for f in [&before, &after] {
        std::fs::write(f, b"x").unwrap();
        std::fs::set_permissions(f, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    // Become nobody and exec (the exec leaves no capabilities), open one file, create a user
    // namespace (syscall 272 is x86_64's unshare, 0x10000000 CLONE_NEWUSER), open the other.
    // (A setuid alone would not do: libsinsp, like rtsec, keeps the capabilities it last
    // read, at exec, until the next exec.)
    let perl = which("perl");
    let drop = "$( = 65534; $) = '65534 65534'; $< = $> = 65534; exec $^X, '-e', @ARGV";
    let script = "open(my $a, '<', $ARGV[0]) or die \"$ARGV[0]: $!\"; \
                  syscall(272, 0x10000000) == 0 or die \"unshare: $!\"; \
                  open(my $b, '<', $ARGV[1]) or die \"$ARGV[1]: $!\"";
    let (b, a) = (before.to_str().unwrap(), after.to_str().unwrap());
    let o = capture(
        &out,
        &[],
        &[perl.to_str().unwrap(), "-e", drop, script, b, a],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        format!(
            "- rule: capable open\n  desc: an open by a process holding CAP_SYS_ADMIN\n  \
             condition: evt.type in (open, openat) and fd.name in ({b}, {a}) \
             and thread.cap_effective contains CAP_SYS_ADMIN\n  \
             output: \"opened %fd.name uid=%user.uid\"\n  priority: WARNING\n"
        ),
    )
    .unwrap();
    let r = Command::new(RTSEC)
        .args(["replay", "--rules"])
        .arg(&rules)
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(
        r.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&r.stderr)
    );
    let hits: Vec<&str> = stdout.lines().collect();
    assert_eq!(hits.len(), 1, "only the open after unshare: {stdout}");
    assert!(
        hits[0].contains(&format!("opened {a} uid=65534")),
        "{stdout}"
    );
}
