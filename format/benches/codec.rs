//! Encode and decode throughput (events/s, one core) and bytes/event on the synthetic mix
//! (`rtsec_format::synth`: 70 % opens/closes, 15 % execs, 10 % connects/accepts, 5 % other).
//!
//! `cargo bench -p rtsec-format --bench codec`; the compressed size per event is printed first.

use std::sync::Arc;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rtsec_format::builder::BlockBuilder;
use rtsec_format::{
    Args, FdInfo, Kind, NewEvent, ProcessInfo, RawBlock, WriterOptions, encode_block, synth,
};

const EVENTS: usize = 400_000;

/// A synthetic event held as owned values, so that generating the mix is not timed.
struct Owned {
    ts: u64,
    tid: i64,
    cpu: u16,
    kind: Kind,
    res: i64,
    proc: Option<Arc<ProcessInfo>>,
    fd: Option<Arc<FdInfo>>,
    args: Args<Vec<u8>>,
}

fn mix() -> Vec<Owned> {
    let mut v = Vec::with_capacity(EVENTS);
    synth::generate(EVENTS, 1, |ev| {
        v.push(Owned {
            ts: ev.ts,
            tid: ev.tid,
            cpu: ev.cpu,
            kind: ev.kind,
            res: ev.res,
            proc: ev.proc.cloned(),
            fd: ev.fd.cloned(),
            args: ev.args.map(|s| s.to_vec()),
        })
    });
    v
}

/// What `TraceWriter` does per block, on one thread: build, encode, compress.
fn blocks(events: &[Owned], level: i32) -> Vec<RawBlock> {
    // Cut exactly as the writer would, by its default block size.
    let target = WriterOptions::default().block_bytes;
    let mut b = BlockBuilder::default();
    let mut raws = Vec::new();
    let mut z = zstd::bulk::Compressor::new(level).unwrap();
    let mut flush = |b: &mut BlockBuilder, raws: &mut Vec<RawBlock>| {
        let block = b.take();
        let (frame, payload) = encode_block(&block, &mut z).unwrap();
        raws.push(RawBlock {
            index: raws.len() as u32,
            offset: 0,
            frame,
            payload,
        });
    };
    for e in events {
        b.push(&NewEvent {
            ts: e.ts,
            tid: e.tid,
            cpu: e.cpu,
            kind: e.kind,
            flags: 0,
            res: e.res,
            proc: e.proc.as_ref(),
            fd: e.fd.as_ref(),
            args: e.args.map(|s| &s[..]),
        })
        .unwrap();
        if b.approx_bytes() >= target {
            flush(&mut b, &mut raws);
        }
    }
    flush(&mut b, &mut raws);
    raws
}

fn codec(c: &mut Criterion) {
    let level = WriterOptions::default().zstd_level;
    let events = mix();
    let raws = blocks(&events, level);
    let bytes: usize = raws.iter().map(|r| r.payload.len() + 52).sum();
    let raw: u32 = raws.iter().map(|r| r.frame.raw_len).sum();
    eprintln!(
        "synthetic mix, zstd level {level}: {} blocks, {:.2} bytes/event compressed, {:.1} bytes/event before zstd",
        raws.len(),
        bytes as f64 / EVENTS as f64,
        raw as f64 / EVENTS as f64
    );

    for r in &raws {
        eprintln!(
            "  block {}: {} events, {:.2} bytes/event",
            r.index,
            r.frame.events,
            (r.payload.len() + 52) as f64 / r.frame.events as f64
        );
    }
    let mut g = c.benchmark_group("codec");
    g.throughput(Throughput::Elements(EVENTS as u64));
    g.sample_size(10);
    g.bench_function("encode (build + bincode + zstd)", |bench| {
        bench.iter(|| blocks(&events, level).len())
    });
    g.bench_function("decompress only (zstd)", |bench| {
        bench.iter(|| {
            raws.iter()
                .map(|r| {
                    zstd::bulk::decompress(&r.payload, r.frame.raw_len as usize)
                        .unwrap()
                        .len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("decode_into a reused block", |bench| {
        let mut block = rtsec_format::Block::default();
        bench.iter(|| {
            raws.iter()
                .map(|r| {
                    r.decode_into(&mut block).unwrap();
                    block.events.len()
                })
                .sum::<usize>()
        })
    });
    g.bench_function("decode (crc + zstd + columns)", |bench| {
        bench.iter(|| {
            raws.iter()
                .map(|r| r.decode().unwrap().events.len())
                .sum::<usize>()
        })
    });
    g.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
