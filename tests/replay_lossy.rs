//! Verdicts on lossy and damaged inputs say so: a live recording with kernel drops, a
//! truncated trace, a trace without its footer, a corrupt block in the middle, a missing file
//! and a file that is no trace. The summary names each problem, everything readable is still
//! judged, and the exit code tells (3: incomplete, 1: an input could not be judged).

mod replay_support;

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use replay_support::*;
use rtsec_format::{Losses, TraceReader};

/// Records, with a 64 KiB ring, a shell that reads /etc/shadow, lets the capture drain the
/// ring, then makes 2 × 300k getppid calls as fast as it can, one storm per core, so that the
/// consumer cannot keep up however idle the machine is: part of the storm is dropped by the
/// kernel. (cargo's LD_LIBRARY_PATH is left out: it makes every exec probe hundreds of paths,
/// a burst that could drop the shadow read itself.)
fn record_with_drops(out: &Path) {
    let script = "read -r _; cat /etc/shadow > /dev/null; sleep 0.3; \
                  storm() { /usr/bin/python3 -c 'import os\nfor _ in range(300000): os.getppid()'; }; \
                  storm & storm; wait";
    let mut shell = Command::new("sh")
        .env_remove("LD_LIBRARY_PATH")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .spawn()
        .expect("start the scenario shell");
    let pid = shell.id().to_string();
    let mut cap = Command::new(RTSEC)
        .args([
            "capture",
            "-o",
            out.to_str().unwrap(),
            "--force",
            "--pid",
            &pid,
        ])
        .args(["--buffer-size", "64K", "--syscalls", "default,getppid"])
        .args(["--", "tail", &format!("--pid={pid}"), "-f", "/dev/null"])
        .stderr(Stdio::piped())
        .spawn()
        .expect("start rtsec capture");
    let mut lines = BufReader::new(cap.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    loop {
        let l = lines
            .next()
            .unwrap_or_else(|| panic!("capture ended before it started: {seen:?}"))
            .unwrap();
        let ready = l.starts_with("rtsec: capturing to");
        seen.push(l);
        if ready {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines.by_ref() {});
    shell.stdin.take().unwrap().write_all(b"go\n").unwrap();
    assert!(shell.wait().unwrap().success());
    assert!(cap.wait().unwrap().success(), "capture failed: {seen:?}");
}

#[test]
fn a_recording_with_kernel_drops_is_judged_and_flagged_incomplete() {
    if !can_capture() {
        return;
    }
    let dir = tempdir();
    let t = dir.path().join("drops.rts");
    record_with_drops(&t);
    let drops = TraceReader::open(&t)
        .unwrap()
        .footer()
        .expect("finished")
        .losses
        .kernel_drops();
    assert!(drops > 0, "the storm must overflow a 64 KiB ring");

    let o = rtsec(&["replay", t.to_str().unwrap()]);
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("the kernel dropped {drops} events (cpu")),
        "{err}"
    );
    assert!(err.contains("INCOMPLETE"), "{err}");
    assert!(
        err.contains("WARNING: 1 of 1 trace is incomplete: the verdict may miss what was lost"),
        "{err}"
    );
    // What was recorded is still judged.
    assert!(
        stdout(&o).contains("Sensitive file opened for reading (file=/etc/shadow"),
        "{}",
        stdout(&o)
    );

    // A regression case on it fails for the loss, unless the case allows it.
    let case = dir.path().join("drops.case.yaml");
    let body = "traces: [drops.rts]\nexpect:\n  counts:\n    \"Sensitive file read\": 1\n";
    std::fs::write(&case, body).unwrap();
    let o = rtsec(&["test", case.to_str().unwrap()]);
    assert_eq!(code(&o), 1);
    assert!(
        stdout(&o).contains("trace drops.rts is incomplete (set `allow_incomplete: true`"),
        "{}",
        stdout(&o)
    );
    std::fs::write(&case, format!("allow_incomplete: true\n{body}")).unwrap();
    let o = rtsec(&["test", case.to_str().unwrap()]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
}

/// Offsets of the block frames of a trace and its footer offset.
fn layout(path: &Path) -> (Vec<u64>, u64) {
    let r = TraceReader::open(path).unwrap();
    let f = r.footer().unwrap();
    let offsets: Vec<u64> = f.blocks.iter().map(|b| b.offset).collect();
    let end = f.blocks.last().map(|b| b.offset + b.len as u64).unwrap();
    (offsets, end)
}

#[test]
fn truncated_unfinished_and_corrupt_traces_are_judged_as_far_as_they_go() {
    let dir = tempdir();
    let whole = dir.path().join("whole.rts");
    synthetic_trace(&whole, 20_000, 5, Losses::default());
    let (blocks, data_end) = layout(&whole);
    assert!(blocks.len() >= 4, "{} blocks", blocks.len());
    let bytes = std::fs::read(&whole).unwrap();
    let last = *blocks.last().unwrap();

    // Cut inside the last block.
    let truncated = dir.path().join("truncated.rts");
    std::fs::write(&truncated, &bytes[..(last + 200) as usize]).unwrap();
    // Cut after the last complete block: no footer.
    let unfinished = dir.path().join("unfinished.rts");
    std::fs::write(&unfinished, &bytes[..data_end as usize]).unwrap();
    // A flipped byte inside the second block's payload.
    let corrupt = dir.path().join("corrupt.rts");
    let mut c = bytes.clone();
    c[(blocks[1] + 100) as usize] ^= 0xff;
    std::fs::write(&corrupt, &c).unwrap();
    // Cut inside the last block, and its writer is alive (it holds the lock): in progress,
    // not damaged.
    let writing = dir.path().join("writing.rts");
    let mut w = Writing::start(&writing);
    w.append(&bytes[..(last + 200) as usize]);

    let full = rtsec(&["replay", "-q", whole.to_str().unwrap()]);
    assert_eq!(code(&full), 0, "{}", stderr(&full));
    let total: u64 = 20_000;
    assert!(stderr(&full).contains("20,000 events"), "{}", stderr(&full));

    for (path, expect, all_judged) in [
        (
            &truncated,
            "truncated: the file ends inside a block;",
            false,
        ),
        (
            &unfinished,
            "unfinished: no footer (its writer was killed or crashed)",
            true,
        ),
        (&corrupt, "damaged block skipped: block 1 at offset", false),
        (
            &writing,
            "still being written (a running capture holds it)",
            false,
        ),
    ] {
        let o = rtsec(&["replay", "-q", "-j", "2", path.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(code(&o), 3, "{}: {err}", path.display());
        assert!(err.contains(expect), "{}: {err}", path.display());
        assert!(err.contains("INCOMPLETE"), "{err}");
        assert!(err.contains("WARNING: 1 of 1 trace is incomplete"), "{err}");
        assert_eq!(
            err.contains("what was lost or is not written yet"),
            path == &writing,
            "{err}"
        );
        // Judged as far as it goes: every event of the unfinished trace (only its footer is
        // missing), fewer for the others, but not none.
        let judged: u64 = err
            .lines()
            .find_map(|l| l.split(" judged, ").nth(1))
            .and_then(|r| r.split(' ').next())
            .map(|n| n.replace(',', "").parse().unwrap())
            .unwrap();
        if all_judged {
            assert_eq!(judged, total, "{err}");
        } else {
            assert!(judged > 0 && judged < total, "{judged} events: {err}");
        }
    }
}

#[test]
fn missing_and_foreign_inputs_fail_the_run_but_the_rest_is_judged() {
    let dir = tempdir();
    let foreign = dir.path().join("notes.rts");
    std::fs::write(&foreign, "this is not a trace\n").unwrap();
    let missing = dir.path().join("missing.rts");
    let empty_dir = dir.path().join("empty");
    std::fs::create_dir(&empty_dir).unwrap();
    let good = scenario("credentials");
    let o = rtsec(&[
        "replay",
        missing.to_str().unwrap(),
        foreign.to_str().unwrap(),
        empty_dir.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("{}: NOT JUDGED: ", missing.display()))
            && err.contains("No such file or directory"),
        "{err}"
    );
    assert!(
        err.contains(&format!("{}: NOT JUDGED: ", foreign.display()))
            && err.contains("not an rtsec trace"),
        "{err}"
    );
    assert!(
        err.contains("no .rts traces or .scap captures in this directory"),
        "{err}"
    );
    assert!(
        err.contains("ERROR: 3 of 4 inputs could not be judged"),
        "{err}"
    );
    assert!(
        stdout(&o).contains("Sensitive file opened for reading (file=/etc/shadow"),
        "the good trace is judged: {}",
        stdout(&o)
    );
    // Rules that do not load: one clear line, exit 1.
    let bad_rules = dir.path().join("bad.yaml");
    std::fs::write(&bad_rules, "- rule: x\n  condition: proc.name =\n").unwrap();
    let o = rtsec(&[
        "replay",
        "--rules",
        bad_rules.to_str().unwrap(),
        good.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), 1);
    let first = stderr(&o).lines().next().unwrap_or("").to_string();
    assert!(
        first.starts_with("error: ") && first.contains("bad.yaml:1:3:"),
        "{}",
        stderr(&o)
    );
}
