//! Parse speed on the largest public captures, in events (records of event blocks) per second.
//! Input comes from memory, so this measures the reader, not the disk.
//!
//! `cargo bench -p rtsec-scap --bench parse`

use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtsec_scap::{Item, ReadOptions, ScapReader};

const LARGEST: [&str; 3] = [
    "sysflow-telemetry-sf-collector/tests/mpm-preforked/full_capture.scap",
    "sysflow-telemetry-sf-collector/tests/objectstore/download.scap",
    "sysflow-telemetry-sf-collector/tests/alpine/alpine.scap",
];

fn load(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/scap")
        .join(rel);
    let raw = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
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

/// Reads everything; with `decode`, also decodes every parameter of every event.
fn read(bytes: &'static [u8], normalize: bool, decode: bool) -> u64 {
    let mut reader = ScapReader::from_reader(Cursor::new(bytes), "bench")
        .unwrap()
        .with_options(ReadOptions { normalize });
    let mut acc = 0u64;
    while let Some(item) = reader.next_item() {
        if let Item::Event(e) = item.unwrap() {
            acc = acc.wrapping_add(e.ts ^ e.nparams() as u64);
            if decode {
                for (_, v) in e.params() {
                    acc = acc.wrapping_add(v.as_i64().unwrap_or(0) as u64);
                }
            }
        }
    }
    black_box(acc);
    reader.stats().events_read
}

fn events_in(bytes: &'static [u8]) -> u64 {
    read(bytes, false, false)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("scap");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for rel in LARGEST {
        // Leaked once so that every iteration reads the same bytes without copying them.
        let bytes: &'static [u8] = load(rel).leak();
        let name = Path::new(rel)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        group.throughput(Throughput::Elements(events_in(bytes)));
        group.bench_function(format!("normalized/{name}"), |b| {
            b.iter(|| read(bytes, true, false))
        });
        group.bench_function(format!("raw/{name}"), |b| {
            b.iter(|| read(bytes, false, false))
        });
        group.bench_function(format!("normalized+decode/{name}"), |b| {
            b.iter(|| read(bytes, true, true))
        });
    }
    // 10 sections: the largest file concatenated with itself, plain and gzip.
    let big: &'static [u8] = load(LARGEST[0]).repeat(10).leak();
    group.throughput(Throughput::Elements(events_in(big)));
    group.bench_function("normalized/full_capture_x10", |b| {
        b.iter(|| read(big, true, false))
    });
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(big).unwrap();
    let gz: &'static [u8] = gz.finish().unwrap().leak();
    group.bench_function("normalized/full_capture_x10.gz", |b| {
        b.iter(|| read(gz, true, false))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
