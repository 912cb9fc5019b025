//! Imports of the 28 public captures of `shared/scap/`: the trace holds every exit event the
//! scap reader yields (which match sysdig's, see `scap/tests/captures.rs`), the skipped counts
//! are stored in it, and state-dependent fields agree with sysdig 0.29.3 on Falco-style
//! conditions.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rtsec_format::{Args, Kind, TraceReader, syscalls};
use rtsec_scap::{Direction, Item, ScapReader};

use super::*;

fn captures_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/scap");
    assert!(
        dir.is_dir(),
        "the public captures are expected in {}",
        dir.display()
    );
    dir
}

fn captures() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "scap") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&captures_dir(), &mut out);
    out.sort();
    out
}

fn import_to_temp(input: &Path) -> (tempfile::TempDir, PathBuf, ImportSummary) {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("out.rts");
    let opts = ImportOptions {
        output: output.clone(),
        force: false,
        created_by: "test".into(),
        input_name: None,
    };
    let summary =
        import(input, &opts, &mut |_| {}).unwrap_or_else(|e| panic!("{}: {e}", input.display()));
    (dir, output, summary)
}

/// One event of a trace, reduced to what the checks below look at.
struct Seen {
    name: &'static str,
    comm: Vec<u8>,
    euid: Option<u32>,
    fd_name: Vec<u8>,
    server_ip: Option<std::net::IpAddr>,
    container: Option<Vec<u8>>,
}

fn trace_events(path: &Path) -> (Vec<Seen>, rtsec_format::Losses) {
    let reader = TraceReader::open(path).unwrap();
    let mut out = Vec::new();
    reader
        .for_each_block(false, |block| {
            for ev in block.events() {
                let p = ev.process();
                out.push(Seen {
                    name: ev.type_name(),
                    comm: p.map(|p| ev.str(p.comm).to_vec()).unwrap_or_default(),
                    euid: p.map(|p| p.euid),
                    fd_name: ev.fd().map(|f| ev.str(f.name).to_vec()).unwrap_or_default(),
                    server_ip: ev.fd().and_then(|f| f.server).map(|s| s.ip()),
                    container: ev.container().map(|c| ev.str(c.container_id).to_vec()),
                });
                assert!(
                    ev.args().fits(ev.kind()) || matches!(ev.args(), Args::None),
                    "{:?}",
                    ev.kind()
                );
            }
        })
        .unwrap();
    (out, reader.footer().expect("finished trace").losses.clone())
}

/// Exit events per `evt.type` as the scap reader yields them, plus procexit events.
fn scap_exits(path: &Path) -> BTreeMap<&'static str, u64> {
    let mut reader = ScapReader::open(path).unwrap();
    let mut counts = BTreeMap::new();
    while let Some(item) = reader.next_item() {
        if let Item::Event(e) = item.unwrap()
            && (e.direction() == Direction::Exit || e.name() == "procexit")
        {
            *counts.entry(e.type_name()).or_default() += 1;
        }
    }
    counts
}

#[test]
fn every_capture_imports_every_exit_event() {
    for path in captures() {
        let name = path
            .strip_prefix(captures_dir())
            .unwrap()
            .display()
            .to_string();
        let (_dir, out, summary) = import_to_temp(&path);
        assert!(summary.damage.is_none(), "{name}: {:?}", summary.damage);
        let (events, losses) = trace_events(&out);
        assert_eq!(events.len() as u64, summary.events_written, "{name}");
        let mut in_trace: BTreeMap<&str, u64> = BTreeMap::new();
        for e in &events {
            *in_trace.entry(e.name).or_default() += 1;
        }
        let (mut not_written, mut recordable_total) = (0, 0);
        for (ty, n) in scap_exits(&path) {
            // Generic events libs could not name (<unknown>) are named after their native
            // syscall number in the trace (cat_write.scap: 221, fadvise64).
            let recordable = Kind::from_name(ty).is_some()
                || syscalls::number(events::kernel_name(ty)).is_some()
                || ty == "<unknown>";
            if ty == "umount" {
                // Recorded as what the syscall was on x86_64: umount2.
                recordable_total += n;
                assert!(
                    in_trace.get("umount2").copied().unwrap_or(0) >= n,
                    "{name}: umount"
                );
            } else if recordable {
                recordable_total += n;
                if ty != "<unknown>" && ty != "umount2" {
                    // An event of a kind is named as Falco names it (pread); a generic one as
                    // the kernel names its syscall (prlimit → prlimit64).
                    let traced = match Kind::from_name(ty) {
                        Some(_) => in_trace.get(ty).copied(),
                        None => in_trace.get(events::kernel_name(ty)).copied(),
                    };
                    assert_eq!(traced.unwrap_or(0), n, "{name}: {ty}");
                }
            } else {
                assert!(!in_trace.contains_key(ty), "{name}: {ty}");
                not_written += n;
            }
        }
        let counted: u64 = summary
            .skipped
            .iter()
            .filter(|(why, _)| {
                why.starts_with("exit event of no x86_64 syscall") || why.starts_with("drop marker")
            })
            .map(|(_, n)| n)
            .sum();
        assert_eq!(
            counted, not_written,
            "{name}: exit events not in the trace are counted"
        );
        assert_eq!(
            recordable_total, summary.events_written,
            "{name}: every recordable exit is in the trace"
        );
        assert_eq!(
            losses.skipped, summary.skipped,
            "{name}: the trace stores the skipped counts"
        );
        assert!(
            summary.seeded.processes > 0 && summary.seeded.fds > 0,
            "{name}"
        );
    }
}

/// Runs sysdig with a filter and counts the matching exit events.
fn sysdig_count(path: &Path, condition: &str) -> usize {
    let out = Command::new("sysdig")
        .arg("-r")
        .arg(path)
        .args(["-p", "%evt.num"])
        .arg(format!("evt.dir=< and ({condition})"))
        .output()
        .unwrap_or_else(|e| {
            panic!("sysdig is needed (apt-get install -y --no-install-recommends sysdig): {e}")
        });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// State the engine resolved (process names, users, fd names and addresses, containers) agrees
/// with sysdig's on the Falco test traces' conditions.
#[test]
fn resolved_fields_match_sysdig() {
    type Check = (&'static str, &'static str, fn(&Seen) -> bool);
    let checks: [Check; 7] = [
        // Falco test `syscalls`: detect_open = 2.
        (
            "falcosecurity-falco/test/trace_files/syscall.scap",
            "evt.type=open and fd.name=/dev/null",
            |e| e.name == "open" && e.fd_name == b"/dev/null",
        ),
        // detect_madvise = 2 (a generic event).
        (
            "falcosecurity-falco/test/trace_files/syscall.scap",
            "evt.type=madvise",
            |e| e.name == "madvise",
        ),
        // open_from_cat counts enter and exit: 4 exits.
        (
            "falcosecurity-falco/test/trace_files/cat_write.scap",
            "evt.type=open and proc.name=cat",
            |e| e.name == "open" && e.comm == b"cat",
        ),
        (
            "falcosecurity-falco/test/trace_files/cat_write.scap",
            "evt.type=execve and proc.name=cat",
            |e| e.name == "execve" && e.comm == b"cat",
        ),
        // in_operator_netmasks: fd.net in ("127.0.0.1/24").
        (
            "falcosecurity-falco/test/trace_files/connect_localhost.scap",
            "evt.type=connect and fd.sip=127.0.0.1",
            |e| e.name == "connect" && e.server_ip == Some("127.0.0.1".parse().unwrap()),
        ),
        // PSP user_must_run_as_non_root: a container process running as root.
        (
            "falcosecurity-falco/test/trace_files/psp/run_as_user_0_container.scap",
            "evt.type=execve and container.id!=host and user.uid=0",
            |e| e.name == "execve" && e.container.is_some() && e.euid == Some(0),
        ),
        (
            "sysflow-telemetry-sf-collector/tests/setuid/setuid.scap",
            "evt.type=setuid",
            |e| e.name == "setuid",
        ),
    ];
    for (file, condition, matches) in checks {
        let path = captures_dir().join(file);
        let expected = sysdig_count(&path, condition);
        let (_dir, out, _) = import_to_temp(&path);
        let (events, _) = trace_events(&out);
        let ours = events.iter().filter(|e| matches(e)).count();
        assert_eq!(ours, expected, "{file}: {condition}");
        assert!(expected > 0, "{file}: {condition} should match something");
    }
}

/// The capture's interface list is the trace's (libsinsp picks sockets' local ends by it);
/// the seeded connection of sshd, listed local end first by `/proc`, is turned around as
/// libsinsp's `fix_sockets_coming_from_proc` does: port 22 is a seeded listening port.
#[test]
fn interfaces_are_recorded_and_seeded_connections_are_oriented() {
    let path = captures_dir()
        .join("falcosecurity-falco/test/trace_files/psp/run_as_user_0_container.scap");
    let (_dir, out, _) = import_to_temp(&path);
    let reader = rtsec_format::TraceReader::open(&out).unwrap();
    let names: Vec<String> = reader
        .header()
        .interfaces
        .0
        .as_ref()
        .unwrap()
        .iter()
        .map(|i| format!("{} {}", i.name, i.addr))
        .collect();
    assert_eq!(names.len(), 11, "{names:?}");
    assert_eq!(names[..2], ["lo 127.0.0.1", "enp0s3 10.0.2.15"]);
    let seen = trace_events(&out).0;
    let sshd = seen
        .iter()
        .find(|e| e.fd_name == b"10.0.2.2:49289->10.0.2.15:22")
        .expect("the ssh connection, client first");
    assert_eq!(sshd.server_ip, Some("10.0.2.15".parse().unwrap()));
}

#[test]
fn existing_output_needs_force() {
    let path = captures_dir().join("falcosecurity-falco/test/trace_files/cat_write.scap");
    let (_dir, out, _) = import_to_temp(&path);
    let opts = ImportOptions {
        output: out.clone(),
        force: false,
        created_by: "test".into(),
        input_name: None,
    };
    let err = import(&path, &opts, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("exists"), "{err}");
    let opts = ImportOptions {
        force: true,
        ..opts
    };
    assert!(import(&path, &opts, &mut |_| {}).is_ok());
}

#[test]
fn damaged_capture_is_imported_up_to_the_damage() {
    let dir = tempfile::tempdir().unwrap();
    let full =
        std::fs::read(captures_dir().join("sysflow-telemetry-sf-collector/tests/files/files.scap"))
            .unwrap();
    let cut = dir.path().join("cut.scap");
    // The tables fill the first 390 KB of this 526 KB capture: cut among the events.
    std::fs::write(&cut, &full[..full.len() * 9 / 10]).unwrap();
    let opts = ImportOptions {
        output: dir.path().join("cut.rts"),
        force: false,
        created_by: "test".into(),
        input_name: None,
    };
    let summary = import(&cut, &opts, &mut |_| {}).unwrap();
    let damage = summary.damage.clone().expect("damage reported");
    assert!(damage.contains("truncated at byte"), "{damage}");
    assert!(
        summary.events_written > 50,
        "{} events",
        summary.events_written
    );
    let (events, losses) = trace_events(&opts.output);
    assert_eq!(events.len() as u64, summary.events_written);
    assert!(
        losses
            .skipped
            .iter()
            .any(|(why, _)| why.contains("capture damaged"))
    );
    // Not a capture at all: an error naming the file.
    let text = dir.path().join("text.scap");
    std::fs::write(&text, "hello").unwrap();
    let opts = ImportOptions {
        output: dir.path().join("text.rts"),
        ..opts
    };
    let err = import(&text, &opts, &mut |_| {}).unwrap_err().to_string();
    assert!(
        err.contains("text.scap") && err.contains("not a .scap capture"),
        "{err}"
    );
}

/// The reader's skips that lose nothing, and the importer's enter and meta events, are the
/// reasons a replay does not count as losses; everything else still is one.
#[test]
fn only_what_a_live_capture_does_not_record_either_is_by_design() {
    use rtsec_format::not_recorded::{self, is_by_design};
    use rtsec_scap::Skip;
    let lossless = [
        Skip::EnterMerged { event_type: 2 },
        Skip::OldEnter { event_type: 2 },
    ];
    for s in lossless {
        assert!(is_by_design(&s.to_string()), "{s}");
    }
    let losses = [
        Skip::UnknownBlock { block_type: 9 },
        Skip::UnknownEventType { event_type: 9999 },
        Skip::MalformedEvent,
        Skip::UnusedEventType { event_type: 2 },
        Skip::NoConversionRule {
            event_type: 2,
            nparams: 1,
        },
        Skip::ConversionLoop { event_type: 2 },
    ];
    for s in losses {
        assert!(!is_by_design(&s.to_string()), "{s}");
    }
    for why in [not_recorded::ENTER, not_recorded::META] {
        assert!(is_by_design(&format!("{why}: open")));
    }
    assert!(!is_by_design(
        "exit without its enter event, arguments left empty: execve"
    ));
    assert!(!is_by_design("drop marker: drop"));
}

/// A capture written by hand (section header, two `open` exits of a new-format capture, the
/// second with libs' `PPM_O_F_CREATED`): only the second is flagged as having created its file.
#[test]
fn an_open_the_capture_says_created_its_file_is_flagged() {
    fn block(ty: u32, body: &[u8]) -> Vec<u8> {
        let total = (8 + body.len() + 4).next_multiple_of(4);
        let mut b = ty.to_le_bytes().to_vec();
        b.extend_from_slice(&(total as u32).to_le_bytes());
        b.extend_from_slice(body);
        b.resize(total - 4, 0);
        b.extend_from_slice(&(total as u32).to_le_bytes());
        b
    }
    fn open_exit(ts: u64, name: &[u8], ppm_flags: u32) -> Vec<u8> {
        let params: [&[u8]; 6] = [
            &3i64.to_le_bytes(),
            name,
            &ppm_flags.to_le_bytes(),
            &0o644u32.to_le_bytes(),
            &0u32.to_le_bytes(),
            &0u64.to_le_bytes(),
        ];
        let len = 26 + params.len() * 2 + params.iter().map(|p| p.len()).sum::<usize>();
        let mut e = ts.to_le_bytes().to_vec();
        e.extend_from_slice(&7i64.to_le_bytes());
        e.extend_from_slice(&(len as u32).to_le_bytes());
        e.extend_from_slice(&rtsec_scap::table::ids::PPME_SYSCALL_OPEN_X.to_le_bytes());
        e.extend_from_slice(&(params.len() as u32).to_le_bytes());
        for p in params {
            e.extend_from_slice(&(p.len() as u16).to_le_bytes());
        }
        for p in params {
            e.extend_from_slice(p);
        }
        let mut body = 0u16.to_le_bytes().to_vec(); // cpu
        body.extend_from_slice(&e);
        block(0x216, &body)
    }
    const PPM_O_WRONLY_CREAT: u32 = 2 | 4;
    let mut section = 0x1A2B_3C4Du32.to_le_bytes().to_vec();
    section.extend_from_slice(&1u16.to_le_bytes());
    section.extend_from_slice(&2u16.to_le_bytes());
    section.extend_from_slice(&(-1i64).to_le_bytes());
    let mut bytes = block(0x0A0D_0D0A, &section);
    bytes.extend(open_exit(1_000, b"/tmp/existing\0", PPM_O_WRONLY_CREAT));
    bytes.extend(open_exit(
        2_000,
        b"/tmp/new\0",
        PPM_O_WRONLY_CREAT | ppm::F_CREATED,
    ));
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("created.scap");
    std::fs::write(&input, bytes).unwrap();
    let (_out_dir, out, summary) = import_to_temp(&input);
    assert_eq!(summary.events_written, 2, "{:?}", summary.skipped);
    let reader = TraceReader::open(&out).unwrap();
    let mut seen = Vec::new();
    reader
        .for_each_block(false, |block| {
            for ev in block.events() {
                let Args::Open { flags, path, .. } = ev.args() else {
                    panic!("{:?}", ev.args());
                };
                seen.push((
                    String::from_utf8_lossy(ev.str(path.raw)).into_owned(),
                    *flags,
                    ev.event.flags & rtsec_format::wire::event_flags::FILE_CREATED != 0,
                ));
            }
        })
        .unwrap();
    assert_eq!(
        seen,
        [
            ("/tmp/existing".to_string(), 0o101, false),
            ("/tmp/new".to_string(), 0o101, true),
        ],
        "O_WRONLY|O_CREAT in Linux terms; the creation is an event flag"
    );
}
