//! Fuzz-style robustness over the real captures: random truncations, bit flips and garbage, in
//! the plain and in the gzip stream. The reader must never panic or loop, and everything it
//! yields before the first damaged block must be exactly what the intact file yields.
//! `RTSEC_FUZZ_CASES=20000 cargo test -p rtsec-scap --release --test robustness` runs it longer.

mod common;

use std::sync::OnceLock;

use common::{block_spans, capture, plain_bytes, read_bytes};
use proptest::prelude::*;

/// Small captures of every vintage: v1 events with PL_V6/V7/V5, v2 events with PL_V9, 2023 files.
const SEEDS: [&str; 6] = [
    "falcosecurity-falco/test/trace_files/cat_write.scap",
    "falcosecurity-falco/test/trace_files/connect_localhost.scap",
    "falcosecurity-libs/test/libsinsp_e2e/resources/captures/test_ipv6_client.scap",
    "falcosecurity-falco/test/trace_files/ping_sendto.scap",
    "falcosecurity-libs/userspace/libsinsp/test/resources/sample.scap",
    "sysflow-telemetry-sf-collector/tests/rename/rename2at.scap",
];

/// Cases per property: 192 by default; `RTSEC_FUZZ_CASES=100000` for a long run.
fn fuzz_cases() -> u32 {
    std::env::var("RTSEC_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(192)
}

struct Seed {
    plain: Vec<u8>,
    gzip: Vec<u8>,
    spans: Vec<(usize, usize)>,
    full: Vec<String>,
}

fn seeds() -> &'static [Seed] {
    static SEEDS_READ: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS_READ.get_or_init(|| {
        SEEDS
            .iter()
            .map(|rel| {
                let path = capture(rel);
                let plain = plain_bytes(&path);
                let raw = std::fs::read(&path).unwrap();
                let gzip = if raw.starts_with(&[0x1f, 0x8b]) {
                    raw
                } else {
                    gzip(&plain)
                };
                let spans = block_spans(&plain);
                let full = read_bytes(plain.clone(), true).records;
                Seed {
                    plain,
                    gzip,
                    spans,
                    full,
                }
            })
            .collect()
    })
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Start of the block that contains byte `pos`.
fn block_start(seed: &Seed, pos: usize) -> usize {
    seed.spans
        .iter()
        .find(|(s, e)| *s <= pos && pos < *e)
        .map_or(seed.plain.len(), |s| s.0)
}

/// The records of the intact blocks before `boundary` are yielded first, unchanged.
fn assert_intact_prefix(seed: &Seed, out: &[String], boundary: usize) {
    let expected = read_bytes(seed.plain[..boundary].to_vec(), true).records;
    assert!(
        out.len() >= expected.len(),
        "{} records, {} intact before byte {boundary}",
        out.len(),
        expected.len()
    );
    assert_eq!(
        &out[..expected.len()],
        &expected[..],
        "records before the damage at byte {boundary}"
    );
    assert_eq!(&seed.full[..expected.len()], &expected[..]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: fuzz_cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn truncation_keeps_the_prefix(seed in 0..SEEDS.len(), frac in 0.0f64..1.0) {
        let seed = &seeds()[seed];
        let cut = (seed.plain.len() as f64 * frac) as usize;
        let out = read_bytes(seed.plain[..cut].to_vec(), true);
        let start = block_start(seed, cut);
        if cut == start || cut == seed.plain.len() {
            prop_assert!(out.error.is_none() || cut < 28, "clean cut at {cut}: {:?}", out.error);
        } else {
            let err = out.error.as_ref().expect("truncation must be reported");
            prop_assert_eq!(err.position().map(|p| p.offset), Some(start as u64), "{}", err);
        }
        if cut >= 28 {
            assert_intact_prefix(seed, &out.records, start);
        }
    }

    #[test]
    fn bit_flips_never_panic_and_keep_the_prefix(
        seed in 0..SEEDS.len(),
        flips in proptest::collection::vec((0.0f64..1.0, 0u8..8), 1..6),
        head_only in any::<bool>(),
        normalize in any::<bool>(),
    ) {
        let seed = &seeds()[seed];
        // Half of the cases aim at the metadata blocks at the head of the file.
        let metadata_end = seed.spans.iter().find(|(s, _)| {
            let ty = u32::from_le_bytes(seed.plain[*s..*s + 4].try_into().unwrap());
            matches!(ty, 0x204 | 0x216 | 0x221)
        }).map_or(seed.plain.len(), |s| s.0);
        let range = if head_only { metadata_end } else { seed.plain.len() };
        let mut bytes = seed.plain.clone();
        let mut first = usize::MAX;
        for (frac, bit) in &flips {
            let pos = ((range as f64 * frac) as usize).min(bytes.len() - 1);
            bytes[pos] ^= 1 << bit;
            first = first.min(pos);
        }
        let out = read_bytes(bytes, normalize);
        if normalize {
            assert_intact_prefix(seed, &out.records, block_start(seed, first));
        }
    }

    #[test]
    fn garbage_in_the_middle_never_panics(
        seed in 0..SEEDS.len(),
        at in 0.0f64..1.0,
        garbage in proptest::collection::vec(any::<u8>(), 1..200),
    ) {
        let seed = &seeds()[seed];
        let pos = (seed.plain.len() as f64 * at) as usize;
        let mut bytes = seed.plain[..pos].to_vec();
        bytes.extend_from_slice(&garbage);
        bytes.extend_from_slice(&seed.plain[pos..]);
        let out = read_bytes(bytes, true);
        assert_intact_prefix(seed, &out.records, block_start(seed, pos));
    }

    #[test]
    fn damaged_gzip_never_panics(
        seed in 0..SEEDS.len(),
        flips in proptest::collection::vec((0.0f64..1.0, 0u8..8), 0..4),
        cut in 0.0f64..1.0,
    ) {
        let seed = &seeds()[seed];
        let mut bytes = seed.gzip.clone();
        for (frac, bit) in &flips {
            let pos = ((bytes.len() as f64 * frac) as usize).min(bytes.len() - 1);
            bytes[pos] ^= 1 << bit;
        }
        if cut < 0.5 {
            bytes.truncate((bytes.len() as f64 * (0.5 + cut)) as usize);
        }
        let damaged = !flips.is_empty() || cut < 0.5;
        let out = read_bytes(bytes, true);
        // Damaged: whatever comes out, without a panic. Undamaged: everything.
        if !damaged {
            prop_assert!(out.error.is_none());
            prop_assert_eq!(&out.records, &seed.full);
        }
    }
}
