//! Damaged and unusual inputs, made from the real captures: truncations, corrupt lengths, foreign
//! files, unknown blocks and event types, concatenations. Everything before the damage is
//! yielded, the error names where it is, and every skip is counted.

mod common;

use std::io::Write;

use common::{block_spans, capture, plain_bytes, read_all, read_bytes};
use rtsec_scap::{Item, ScapError, ScapReader, Skip, Value};

const FILES: &str = "sysflow-telemetry-sf-collector/tests/files/files.scap"; // plain, SHB 1.2
const CAT_WRITE: &str = "falcosecurity-falco/test/trace_files/cat_write.scap"; // gzip, v1 events
const CONNECT: &str = "falcosecurity-falco/test/trace_files/connect_localhost.scap"; // gzip

const EVENT_V2: u32 = 0x216;

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn block_type(bytes: &[u8], start: usize) -> u32 {
    u32::from_le_bytes(bytes[start..start + 4].try_into().unwrap())
}

/// The records of the blocks before `boundary` (a block start), read from a clean cut there.
fn records_before(bytes: &[u8], boundary: usize) -> Vec<String> {
    let out = read_bytes(bytes[..boundary].to_vec(), true);
    assert!(
        out.error.is_none(),
        "a cut at a block boundary is a clean end"
    );
    out.records
}

#[test]
fn truncated_plain_capture_yields_everything_before_the_cut() {
    let bytes = plain_bytes(&capture(FILES));
    let full = read_bytes(bytes.clone(), true);
    let spans = block_spans(&bytes);
    assert_eq!(spans.last().unwrap().1, bytes.len());
    let process_list = spans
        .iter()
        .find(|(s, _)| block_type(&bytes, *s) == 0x215)
        .copied()
        .unwrap();
    let middle_event = spans[spans.len() / 2];
    assert_eq!(block_type(&bytes, middle_event.0), EVENT_V2);
    let cuts = [
        (process_list.0 + 100, process_list.0), // inside the process list
        (middle_event.0 + 3, middle_event.0),   // inside a block header
        (middle_event.0 + 30, middle_event.0),  // inside an event
        (middle_event.1 - 1, middle_event.0),   // one byte short of the trailer's end
    ];
    for (cut, block_start) in cuts {
        let out = read_bytes(bytes[..cut].to_vec(), true);
        let err = out.error.expect("a truncated file ends with an error");
        assert!(matches!(err, ScapError::Truncated { .. }), "{err}");
        assert_eq!(err.position().unwrap().offset, block_start as u64, "{err}");
        assert!(err.to_string().contains("truncated at byte"), "{err}");
        let expected = records_before(&bytes, block_start);
        assert_eq!(out.records, expected, "cut at {cut}");
        assert_eq!(
            &full.records[..expected.len()],
            &expected[..],
            "a prefix of the full read"
        );
    }
    // A cut exactly between blocks is a complete (shorter) capture.
    let out = read_bytes(bytes[..middle_event.0].to_vec(), true);
    assert!(out.error.is_none());
    assert!(out.stats.events_yielded > 100);
}

#[test]
fn truncated_gzip_capture_yields_everything_before_the_cut() {
    let gz = std::fs::read(capture(CAT_WRITE)).unwrap();
    let full = read_bytes(gz.clone(), true);
    let out = read_bytes(gz[..gz.len() * 2 / 3].to_vec(), true);
    let err = out.error.expect("error");
    assert!(matches!(err, ScapError::Truncated { .. }), "{err}");
    assert!(
        err.to_string().contains("of the uncompressed stream"),
        "{err}"
    );
    assert!(
        out.records.len() > 100,
        "{} records before the cut",
        out.records.len()
    );
    assert_eq!(&full.records[..out.records.len()], &out.records[..]);
}

#[test]
fn corrupt_block_length_is_an_error_at_that_block() {
    let bytes = plain_bytes(&capture(FILES));
    let spans = block_spans(&bytes);
    let (start, end) = spans[spans.len() / 3];
    assert_eq!(block_type(&bytes, start), EVENT_V2);
    for bogus in [(end - start + 8) as u32, 5, 0xFFFF_FFF0] {
        let mut damaged = bytes.clone();
        damaged[start + 4..start + 8].copy_from_slice(&bogus.to_le_bytes());
        let out = read_bytes(damaged, true);
        let err = out.error.expect("error");
        assert!(matches!(err, ScapError::Corrupt { .. }), "{err}");
        assert_eq!(err.position().unwrap().offset, start as u64, "{err}");
        assert_eq!(out.records, records_before(&bytes, start));
    }
}

#[test]
fn damaged_metadata_trailer_is_an_error() {
    let bytes = plain_bytes(&capture(FILES));
    let spans = block_spans(&bytes);
    let (start, end) = spans[1]; // machine info
    let mut damaged = bytes.clone();
    damaged[end - 1] ^= 0x40;
    let out = read_bytes(damaged, true);
    let err = out.error.expect("error");
    assert!(matches!(err, ScapError::Corrupt { .. }), "{err}");
    assert_eq!(err.position().unwrap().offset, start as u64);
    assert_eq!(out.records.len(), 1, "only the section header before it");
}

#[test]
fn damaged_event_trailer_alone_is_counted_not_fatal() {
    let bytes = plain_bytes(&capture(FILES));
    let spans = block_spans(&bytes);
    let (_, end) = spans[spans.len() / 2];
    let mut damaged = bytes.clone();
    damaged[end - 2] ^= 0x01;
    let out = read_bytes(damaged, true);
    assert!(out.error.is_none());
    let original = read_bytes(bytes, true);
    assert_eq!(out.records, original.records);
    let mut expected = original.stats.degraded();
    expected.push((rtsec_scap::Degraded::BadTrailer, 1));
    assert_eq!(out.stats.degraded(), expected);
}

#[test]
fn foreign_and_empty_inputs_are_not_scap() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("text", b"this is not a capture, just some text\n".to_vec()),
        ("gzip of text", gzip(b"hello\n")),
        ("short", vec![0x0A, 0x0D, 0x0D]),
        (
            "pcap",
            vec![0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
        ),
    ];
    for (what, bytes) in cases {
        let out = read_bytes(bytes, true);
        let err = out.error.unwrap_or_else(|| panic!("{what}: no error"));
        assert!(matches!(err, ScapError::NotScap { .. }), "{what}: {err}");
        assert!(out.records.is_empty());
    }
    // A section header block with the wrong magic.
    let mut bytes = plain_bytes(&capture(FILES));
    bytes[8..12].copy_from_slice(&0x4D3C_2B1Au32.to_le_bytes());
    let err = read_bytes(bytes, true).error.unwrap();
    assert!(err.to_string().contains("big-endian"), "{err}");
}

#[test]
fn newer_major_version_is_refused() {
    let mut bytes = plain_bytes(&capture(FILES));
    bytes[12..14].copy_from_slice(&2u16.to_le_bytes());
    let out = read_bytes(bytes, true);
    let err = out.error.unwrap();
    assert!(
        matches!(err, ScapError::UnsupportedVersion { major: 2, .. }),
        "{err}"
    );
    assert_eq!(err.position().unwrap().offset, 0);
}

/// A well-framed block of an unknown type.
fn unknown_block(ty: u32) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&ty.to_le_bytes());
    b.extend_from_slice(&20u32.to_le_bytes());
    b.extend_from_slice(b"payload!");
    b.extend_from_slice(&20u32.to_le_bytes());
    b
}

#[test]
fn unknown_blocks_are_skipped_and_counted() {
    let bytes = plain_bytes(&capture(FILES));
    let spans = block_spans(&bytes);
    let shb_end = spans[0].1;
    let middle = spans[spans.len() / 2].0;
    let mut with_unknown = bytes[..shb_end].to_vec();
    with_unknown.extend(unknown_block(0x1234_5678));
    with_unknown.extend_from_slice(&bytes[shb_end..middle]);
    with_unknown.extend(unknown_block(0x1234_5678));
    with_unknown.extend_from_slice(&bytes[middle..]);
    let out = read_bytes(with_unknown, true);
    assert!(out.error.is_none());
    let original = read_bytes(bytes, true);
    // Same records, except that block offsets after the insertions moved.
    assert_eq!(out.records.len(), original.records.len());
    assert_eq!(out.stats.events_yielded, original.stats.events_yielded);
    let skipped = out.stats.skipped();
    let unknown = skipped
        .iter()
        .find(|(k, _)| {
            *k == Skip::UnknownBlock {
                block_type: 0x1234_5678,
            }
        })
        .unwrap();
    assert_eq!(unknown.1.count, 2);
    assert_eq!(unknown.1.first_offset, shb_end as u64);
}

#[test]
fn unknown_event_types_and_malformed_events_are_skipped_and_counted() {
    let bytes = plain_bytes(&capture(FILES));
    let spans = block_spans(&bytes);
    let events: Vec<usize> = spans
        .iter()
        .map(|s| s.0)
        .filter(|s| block_type(&bytes, *s) == EVENT_V2)
        .collect();
    let (a, b) = (events[events.len() / 4], events[events.len() / 2]);
    let mut damaged = bytes.clone();
    // Event type (body: cpu u16, then ts, tid, len, type).
    damaged[a + 8 + 2 + 20..a + 8 + 2 + 22].copy_from_slice(&999u16.to_le_bytes());
    // First parameter length far beyond the event.
    damaged[b + 8 + 2 + 26..b + 8 + 2 + 28].copy_from_slice(&0xFFFFu16.to_le_bytes());
    let out = read_bytes(damaged, false);
    let original = read_bytes(bytes, false);
    assert!(out.error.is_none());
    assert_eq!(out.stats.events_read, original.stats.events_read);
    assert_eq!(out.stats.events_yielded, original.stats.events_yielded - 2);
    let skipped: Vec<Skip> = out.stats.skipped().into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        skipped,
        vec![
            Skip::UnknownEventType { event_type: 999 },
            Skip::MalformedEvent
        ]
    );
    let (offset, what) = out.stats.first_malformed.clone().unwrap();
    assert_eq!(offset, b as u64);
    assert!(what.contains("runs past the event"), "{what}");
}

#[test]
fn concatenated_captures_read_as_sections() {
    let a = plain_bytes(&capture(CAT_WRITE));
    let b = plain_bytes(&capture(CONNECT));
    let (ra, rb) = (read_bytes(a.clone(), true), read_bytes(b.clone(), true));
    let plain = read_bytes([a.clone(), b.clone()].concat(), true);
    assert!(plain.error.is_none());
    assert_eq!(plain.stats.sections, 2);
    assert_eq!(
        plain.stats.events_yielded,
        ra.stats.events_yielded + rb.stats.events_yielded
    );
    assert_eq!(&plain.records[..ra.records.len()], &ra.records[..]);
    // gzip members concatenated with `cat` read as one stream.
    let gz = [
        std::fs::read(capture(CAT_WRITE)).unwrap(),
        std::fs::read(capture(CONNECT)).unwrap(),
    ]
    .concat();
    let out = read_bytes(gz, true);
    assert!(out.error.is_none());
    assert_eq!(out.records, plain.records);
}

#[test]
fn container_events_of_every_version_become_json() {
    // 2017 capture (container JSON v1, id 272) and 2023 capture (JSON v2 in a LARGE block).
    for (file, n) in [
        (
            "falcosecurity-falco/test/trace_files/open-multiple-files.scap",
            3,
        ),
        ("sysflow-telemetry-sf-collector/tests/rename/rename.scap", 1),
    ] {
        let mut reader = ScapReader::open(capture(file)).unwrap();
        let mut found = 0;
        while let Some(item) = reader.next_item() {
            if let Item::Event(e) = item.unwrap()
                && e.name() == "container"
            {
                assert_eq!(
                    e.event_type(),
                    rtsec_scap::table::ids::PPME_CONTAINER_JSON_2_E
                );
                let Value::Str(json) = e.param_by_name("json") else {
                    panic!("{e:?}")
                };
                assert!(json.starts_with(b"{\"container\":{"), "{e:?}");
                found += 1;
            }
        }
        assert_eq!(found, n, "{file}");
    }
}

#[test]
fn owned_iterator_matches_the_lending_reader() {
    let path = capture(CAT_WRITE);
    let lent = read_all(ScapReader::open(&path).unwrap());
    let owned: Vec<String> = ScapReader::open(&path)
        .unwrap()
        .into_owned()
        .map(|item| match item.unwrap() {
            Item::Event(e) => format!("@{} {e:?}", e.offset),
            other => format!("{:?}", other.map_event(|_| ())),
        })
        .collect();
    assert_eq!(owned, lent.records);
}
