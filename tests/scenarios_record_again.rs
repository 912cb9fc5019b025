//! The scenario recordings in `testdata/` can be made again, by this build's capture and the
//! committed scripts (`testdata/scenarios/record.sh`), and every case still passes on the new
//! recordings: the scripts, the capture and the expectations agree, not only the traces that
//! happen to be committed.

mod capture_support;

use std::path::Path;
use std::process::Command;

use capture_support::*;

#[test]
fn recorded_again_the_scenarios_pass_their_cases() {
    if !can_capture() {
        return;
    }
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = repo
        .join("../shared")
        .canonicalize()
        .expect("../shared beside the project");
    let dir = tempdir();
    let mut scenarios = Vec::new();
    for entry in std::fs::read_dir(repo.join("testdata/scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.join("scenario.sh").exists() {
            scenarios.push(path);
        }
    }
    scenarios.sort();
    assert!(scenarios.len() >= 9, "{scenarios:?}");
    for s in &scenarios {
        let name = s.file_name().unwrap().to_str().unwrap();
        let out = dir.path().join(format!("{name}.rts"));
        let o = Command::new("bash")
            .arg(repo.join("testdata/scenarios/record.sh"))
            .arg("--to")
            .arg(&out)
            .arg(s)
            .env("RTSEC", RTSEC)
            // As on CI, which has no SHELL: record.sh must not depend on the caller's environment.
            .env_remove("SHELL")
            .output()
            .unwrap();
        assert!(
            o.status.success() && out.exists(),
            "recording {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    // The cases, pointed at the new recordings (and at ../shared by its absolute path).
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    let mut n = 0;
    for set in ["bundled", "falco-stable"] {
        for entry in std::fs::read_dir(repo.join("testdata/cases").join(set)).unwrap() {
            let path = entry.unwrap().path();
            let file = path.file_name().unwrap().to_str().unwrap().to_string();
            if !file.ends_with(".case.yaml") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert!(text.contains("../../scenarios/"), "{file}: traces moved?");
            let text = text
                .replace("../../scenarios/", &format!("{}/", dir.path().display()))
                .replace("/trace.rts", ".rts")
                .replace("../../../../shared/", &format!("{}/", shared.display()));
            std::fs::write(cases.join(format!("{set}-{file}")), text).unwrap();
            n += 1;
        }
    }
    assert!(n >= 18, "{n} cases");
    let o = Command::new(RTSEC)
        .arg("test")
        .arg(&cases)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(&format!("{n} cases: {n} passed")),
        "{stdout}"
    );
}
