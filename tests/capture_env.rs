//! `proc.env`: the environment of every exec, bounded like argv (`MAX_ENV_BYTES`) and flagged
//! when cut (`proc_flags::ENV_TRUNCATED`, counted in the trace's losses).

mod capture_support;

use capture_support::*;
use rtsec_format::record::proc_flags::ENV_TRUNCATED;

#[test]
fn exec_records_the_environment_and_flags_a_cut_one() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let out = dir.path().join("t.rts");
    let truebin = which("true");
    let t = truebin.to_str().unwrap();
    let big = "x".repeat(6000);
    let script = format!(
        "env -i RTSEC_MARK=small FOO='bar baz' {t} small; \
         env -i RTSEC_MARK=big BIG={big} AFTER=lost {t} big"
    );
    let o = capture(&out, &[], &["sh", "-c", &script]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{stderr}");
    let t = read(&out);
    let exec = |label: &str| {
        t.events
            .iter()
            .find(|e| {
                e.ty == "execve" && e.res == 0 && e.args.first().map(String::as_str) == Some(label)
            })
            .unwrap_or_else(|| panic!("no execve of true {label}"))
    };
    let small = exec("small");
    assert_eq!(
        small.env,
        vec!["RTSEC_MARK=small".to_string(), "FOO=bar baz".to_string()]
    );
    assert_eq!(small.proc_flags & ENV_TRUNCATED, 0);

    let big = exec("big");
    assert_eq!(big.env[0], "RTSEC_MARK=big");
    assert!(
        big.env[1].starts_with("BIG=xxxx"),
        "{:?}",
        &big.env[1][..10]
    );
    let kept: usize = big.env.iter().map(|e| e.len() + 1).sum();
    assert!(
        (4000..=4096).contains(&kept),
        "the environment is cut at 4 KiB: {kept} bytes kept"
    );
    assert!(!big.env.iter().any(|e| e == "AFTER=lost"));
    assert_ne!(big.proc_flags & ENV_TRUNCATED, 0, "the cut is flagged");
    assert!(
        t.losses
            .truncated
            .iter()
            .any(|(w, n)| w == "env" && *n >= 1),
        "losses name the cut environment: {:?}",
        t.losses.truncated
    );
    assert!(stderr.contains("truncated: 1 env"), "{stderr}");
}
