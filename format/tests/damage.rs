//! Damaged traces: truncated anywhere, bytes flipped, foreign files, newer versions. Never a
//! panic; always everything intact before the damage, and a notice or an error that says where.

use std::path::Path;

mod common;

use rtsec_format::{FormatError, Header, Notice, TraceReader, TraceWriter, WriterOptions, synth};

/// A small trace with several blocks; returns its bytes and the events per block.
fn small_trace(dir: &Path) -> (Vec<u8>, Vec<u64>) {
    let path = dir.join("t.rts");
    common::multi_block_trace(&path, 3000, 9);
    let bytes = std::fs::read(&path).unwrap();
    let r = TraceReader::open(&path).unwrap();
    let per_block = r
        .footer()
        .unwrap()
        .blocks
        .iter()
        .map(|b| b.events as u64)
        .collect();
    (bytes, per_block)
}

/// Reads a whole file: events of complete blocks and notices, or the error.
fn read_all(path: &Path, salvage: bool) -> Result<(u64, Vec<Notice>), FormatError> {
    let r = TraceReader::open(path)?;
    let mut events = 0;
    let notices = r.for_each_block(salvage, |b| events += b.events.len() as u64)?;
    Ok((events, notices))
}

#[test]
fn truncation_at_every_offset_of_the_last_block_keeps_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, per_block) = small_trace(dir.path());
    assert!(
        per_block.len() >= 3,
        "want several blocks, got {per_block:?}"
    );
    let r = TraceReader::open(dir.path().join("t.rts")).unwrap();
    let last = *r.footer().unwrap().blocks.last().unwrap();
    let before_last: u64 = per_block[..per_block.len() - 1].iter().sum();
    let all: u64 = per_block.iter().sum();
    let cut = dir.path().join("cut.rts");
    // Every offset from the start of the last block to the end of the file (footer included).
    for len in last.offset as usize..bytes.len() {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        let (events, notices) =
            read_all(&cut, false).unwrap_or_else(|e| panic!("cut at {len}: unexpected error {e}"));
        let inside_last_block = len < (last.offset + last.len as u64) as usize;
        let expect = if inside_last_block { before_last } else { all };
        assert_eq!(events, expect, "cut at {len}");
        let truncated = notices.iter().find_map(|n| match n {
            Notice::Truncated {
                after_events,
                bytes_lost,
            } => Some((*after_events, *bytes_lost)),
            _ => None,
        });
        let footer_end = (last.offset + last.len as u64) as usize;
        match truncated {
            Some((after, lost)) => {
                assert_eq!(after, expect, "cut at {len}");
                assert!(lost > 0, "cut at {len}");
            }
            // Cut inside the footer: every block is there; the footer is what is damaged.
            None if len > footer_end => assert!(
                notices.iter().any(|n| matches!(n,
                    Notice::FooterCorrupt { offset, .. } if *offset == footer_end as u64)),
                "cut at {len}: {notices:?}"
            ),
            // Cut exactly at a block boundary: nothing is partial, but the footer is missing.
            None => assert!(
                notices.contains(&Notice::Unfinished {
                    after_events: expect
                }),
                "cut at {len}: {notices:?}"
            ),
        }
    }
}

#[test]
fn truncation_anywhere_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, _) = small_trace(dir.path());
    let cut = dir.path().join("cut.rts");
    // Coarser steps over the whole file, header included.
    for len in (0..bytes.len()).step_by(97) {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        match read_all(&cut, false) {
            Ok(_) => {}
            Err(FormatError::NotATrace { .. } | FormatError::CorruptHeader { .. }) => {
                assert!(len < 200, "cut at {len} lost the header")
            }
            Err(e) => panic!("cut at {len}: {e}"),
        }
    }
}

#[test]
fn a_flipped_byte_names_the_damaged_block() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, per_block) = small_trace(dir.path());
    let r = TraceReader::open(dir.path().join("t.rts")).unwrap();
    let blocks = r.footer().unwrap().blocks.clone();
    let bad = dir.path().join("bad.rts");
    for (i, b) in blocks.iter().enumerate() {
        // One byte in the middle of the compressed payload.
        let at = (b.offset + 52 + (b.len as u64 - 52) / 2) as usize;
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x20;
        std::fs::write(&bad, &damaged).unwrap();
        match read_all(&bad, false) {
            Err(FormatError::CorruptBlock {
                block,
                offset,
                reason,
            }) => {
                assert_eq!(block as usize, i);
                assert_eq!(offset, b.offset);
                assert!(reason.contains("checksum"), "{reason}");
                let msg = FormatError::CorruptBlock {
                    block,
                    offset,
                    reason,
                }
                .to_string();
                assert!(msg.contains(&format!("block {i}")), "{msg}");
                assert!(msg.contains(&format!("offset {}", b.offset)), "{msg}");
            }
            other => panic!("block {i}: expected a checksum error, got {other:?}"),
        }
        // Salvage reads every other block and reports the one it skipped.
        let (events, notices) = read_all(&bad, true).unwrap();
        let expect: u64 = per_block.iter().sum::<u64>() - per_block[i];
        assert_eq!(events, expect);
        assert!(
            notices
                .iter()
                .any(|n| matches!(n, Notice::Skipped { block, .. } if *block as usize == i)),
            "{notices:?}"
        );
    }
}

#[test]
fn a_damaged_frame_header_is_skipped_in_salvage_mode() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, per_block) = small_trace(dir.path());
    let r = TraceReader::open(dir.path().join("t.rts")).unwrap();
    let b1 = r.footer().unwrap().blocks[1];
    let mut damaged = bytes.clone();
    damaged[b1.offset as usize + 5] ^= 0xff; // the payload length
    let bad = dir.path().join("bad.rts");
    std::fs::write(&bad, &damaged).unwrap();
    assert!(matches!(
        read_all(&bad, false),
        Err(FormatError::CorruptBlock { block: 1, .. })
    ));
    let (events, notices) = read_all(&bad, true).unwrap();
    assert_eq!(events, per_block.iter().sum::<u64>() - per_block[1]);
    assert!(
        notices
            .iter()
            .any(|n| matches!(n, Notice::Skipped { offset, .. } if *offset == b1.offset))
    );
}

#[test]
fn a_damaged_footer_falls_back_to_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let (bytes, per_block) = small_trace(dir.path());
    let n = bytes.len();
    // Inside the footer body, then in the trailer (the file's last bytes, which say where the
    // footer is): every event is read, and the notice is the footer's, not a truncation.
    for at in [n - 20, n - 2] {
        let mut bytes = bytes.clone();
        bytes[at] ^= 0x01;
        let bad = dir.path().join("bad.rts");
        std::fs::write(&bad, &bytes).unwrap();
        let r = TraceReader::open(&bad).unwrap();
        assert!(r.footer().is_none());
        let (events, notices) = read_all(&bad, false).unwrap();
        assert_eq!(events, per_block.iter().sum::<u64>());
        assert!(
            matches!(notices[..], [Notice::FooterCorrupt { .. }]),
            "byte {at}: {notices:?}"
        );
    }
}

#[test]
fn foreign_files_are_not_traces() {
    let dir = tempfile::tempdir().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89";
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    for (name, content) in [
        ("empty", &b""[..]),
        ("png", &png[..]),
        ("random", &random[..]),
        ("text", &b"hello, this is not a trace at all\n"[..]),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        match TraceReader::open(&p) {
            Err(e @ FormatError::NotATrace { .. }) => {
                assert!(e.to_string().contains("not an rtsec trace"), "{e}")
            }
            other => panic!("{name}: {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn a_newer_major_version_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let (mut bytes, _) = small_trace(dir.path());
    bytes[8] = 9; // major version 9
    let p = dir.path().join("new.rts");
    std::fs::write(&p, &bytes).unwrap();
    match TraceReader::open(&p) {
        Err(e @ FormatError::NewerVersion { major: 9, .. }) => {
            assert!(e.to_string().contains("upgrade rtsec"), "{e}")
        }
        other => panic!("{:?}", other.map(|_| ())),
    }
}

#[test]
fn a_trace_without_footer_is_read_by_scanning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unfinished.rts");
    let opts = WriterOptions {
        block_bytes: 16 << 10,
        ..Default::default()
    };
    let mut w = TraceWriter::create(&path, &Header::default(), opts).unwrap();
    synth::generate(2000, 4, |ev| w.push(ev).unwrap());
    w.cut().unwrap();
    let written = w.events();
    // While the writer holds the file, its missing footer is not damage: the trace is being
    // written, and the reader says so. (Blocks are written on the writer's own thread: wait
    // for the last one.)
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let (events, notices) = loop {
        let (events, notices) = read_all(&path, false).unwrap();
        if events == written || std::time::Instant::now() > deadline {
            break (events, notices);
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    };
    assert_eq!(events, written);
    assert_eq!(
        notices,
        vec![Notice::BeingWritten {
            after_events: written
        }]
    );
    // Dropping without finish() leaves what a killed writer leaves once its queue drained.
    drop(w);
    let (events, notices) = read_all(&path, false).unwrap();
    assert_eq!(events, written);
    assert_eq!(
        notices,
        vec![Notice::Unfinished {
            after_events: written
        }]
    );
}

#[test]
fn existing_files_are_not_overwritten_without_asking() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.rts");
    std::fs::write(&p, b"precious").unwrap();
    let err = TraceWriter::create(&p, &Header::default(), WriterOptions::default())
        .err()
        .unwrap();
    assert!(err.to_string().contains("--force"), "{err}");
    assert_eq!(std::fs::read(&p).unwrap(), b"precious");
    let opts = WriterOptions {
        overwrite: true,
        ..Default::default()
    };
    TraceWriter::create(&p, &Header::default(), opts)
        .unwrap()
        .finish()
        .unwrap();
    use std::os::unix::fs::PermissionsExt;
    let fresh = dir.path().join("fresh.rts");
    TraceWriter::create(&fresh, &Header::default(), WriterOptions::default())
        .unwrap()
        .finish()
        .unwrap();
    let mode = std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}
