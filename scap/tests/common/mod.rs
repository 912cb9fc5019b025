//! Helpers shared by the integration tests: where the public captures are, and reading a
//! capture into comparable records.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rtsec_scap::{Direction, Item, ReadOptions, ScapError, ScapReader, Stats};

/// `../shared/scap/` next to the checkout (never copied into the repository).
pub fn captures_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/scap");
    assert!(
        dir.is_dir(),
        "the public captures are expected in {} (see shared/scap/SOURCE.txt)",
        dir.display()
    );
    dir
}

/// All `.scap` files below `captures_dir()`, sorted.
pub fn all_captures() -> Vec<PathBuf> {
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
    assert_eq!(
        out.len(),
        28,
        "expected the 28 public captures of shared/scap"
    );
    out
}

pub fn capture(rel: &str) -> PathBuf {
    captures_dir().join(rel)
}

/// One record reduced to something comparable: metadata as its debug text, events as their
/// block offset and full rendering.
pub fn fingerprint(item: &Item<rtsec_scap::Event<'_>>) -> String {
    match item {
        Item::Event(e) => format!("@{} {e:?}", e.offset),
        other => format!("{other:?}"),
    }
}

/// Everything a reader yields: the records, the error that ended it (if any), the counters.
pub struct Readout {
    pub records: Vec<String>,
    pub error: Option<ScapError>,
    pub stats: Stats,
}

pub fn read_all(mut reader: ScapReader) -> Readout {
    let mut records = Vec::new();
    let mut error = None;
    while let Some(item) = reader.next_item() {
        match item {
            Ok(item) => records.push(fingerprint(&item)),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(
        reader.next_item().is_none(),
        "the reader must stay finished"
    );
    Readout {
        records,
        error,
        stats: reader.stats().clone(),
    }
}

pub fn read_bytes(bytes: Vec<u8>, normalize: bool) -> Readout {
    let reader = ScapReader::from_reader(std::io::Cursor::new(bytes), "test input")
        .map(|r| r.with_options(ReadOptions { normalize }));
    match reader {
        Ok(r) => read_all(r),
        Err(e) => Readout {
            records: Vec::new(),
            error: Some(e),
            stats: Stats::default(),
        },
    }
}

/// Exit events per `evt.type`, as Falco names them.
pub fn exit_counts(path: &Path, normalize: bool) -> BTreeMap<String, u64> {
    let mut reader = ScapReader::open(path)
        .unwrap()
        .with_options(ReadOptions { normalize });
    let mut counts = BTreeMap::new();
    while let Some(item) = reader.next_item() {
        if let Item::Event(e) = item.unwrap_or_else(|e| panic!("{e}"))
            && e.direction() == Direction::Exit
        {
            *counts.entry(e.type_name().to_string()).or_default() += 1;
        }
    }
    counts
}

/// Exit events per raw event type id (no normalisation).
pub fn raw_exit_type_counts(path: &Path) -> BTreeMap<u16, u64> {
    let mut reader = ScapReader::open(path)
        .unwrap()
        .with_options(ReadOptions { normalize: false });
    let mut counts = BTreeMap::new();
    while let Some(item) = reader.next_item() {
        if let Item::Event(e) = item.unwrap()
            && e.direction() == Direction::Exit
        {
            *counts.entry(e.event_type()).or_default() += 1;
        }
    }
    counts
}

/// Decompresses gzip files, returns plain ones as they are.
pub fn plain_bytes(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(path).unwrap();
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(&raw[..])
            .read_to_end(&mut out)
            .unwrap();
        out
    } else {
        raw
    }
}

/// (start, end) of every block of a plain capture.
pub fn block_spans(bytes: &[u8]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut pos = 0;
    while pos + 8 <= bytes.len() {
        let len = u32::from_le_bytes(bytes[pos + 4..pos + 8].try_into().unwrap()) as usize;
        spans.push((pos, pos + len));
        pos += len;
    }
    spans
}
