//! Builds large traces for replay benchmarks (`just bench-replay`).
//!
//! ```text
//! big_trace synth N OUT [SEED]      N events of rtsec_format::synth's realistic mix
//! big_trace repeat SRC OUT BYTES    SRC's blocks repeated until OUT is at least BYTES long
//! ```
//!
//! `repeat` copies SRC's header and compressed blocks as they are (renumbering events so that
//! `evt.num` keeps counting) and writes a footer: a multi-gigabyte trace in the time it takes
//! to write it, with SRC's event mix. Timestamps repeat with each copy.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::time::Instant;

use rtsec_format::file::{FOOTER_MAGIC, TRAILER_MAGIC};
use rtsec_format::meta::BlockIndexEntry;
use rtsec_format::{
    CaptureSettings, Footer, Header, TraceReader, TraceWriter, WriterOptions, synth,
};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: big_trace synth N OUT [SEED] | big_trace repeat SRC OUT BYTES";
    match args.first().map(String::as_str) {
        Some("synth") if args.len() >= 3 => {
            let n: usize = args[1].parse().expect(usage);
            let seed = args.get(3).map_or(42, |s| s.parse().expect(usage));
            synth_trace(n, &args[2], seed);
        }
        Some("repeat") if args.len() == 4 => {
            repeat(&args[1], &args[2], parse_bytes(&args[3]).expect(usage));
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}

fn parse_bytes(s: &str) -> Option<u64> {
    let (num, mult) = match s.chars().last()? {
        'G' => (&s[..s.len() - 1], 1u64 << 30),
        'M' => (&s[..s.len() - 1], 1 << 20),
        'K' => (&s[..s.len() - 1], 1 << 10),
        _ => (s, 1),
    };
    Some(num.parse::<u64>().ok()? * mult)
}

fn synth_trace(n: usize, out: &str, seed: u64) {
    let t = Instant::now();
    let header = Header {
        created_by: "rtsec-replay big_trace".into(),
        source: "synthetic".into(),
        hostname: "bench-host".into(),
        kernel_release: "6.18.0-bench".into(),
        start_ns: 1_764_000_000_000_000_000,
        settings: CaptureSettings::default(),
        ..Default::default()
    };
    let opts = WriterOptions {
        overwrite: true,
        ..Default::default()
    };
    let mut w = TraceWriter::create(out, &header, opts).expect("create");
    synth::generate(n, seed, |ev| w.push(ev).expect("push"));
    let (s, _) = w.finish().expect("finish");
    eprintln!(
        "{out}: {} events in {} blocks, {} bytes ({:.1} bytes/event) in {:.1} s",
        s.events,
        s.blocks,
        s.bytes,
        s.bytes as f64 / s.events as f64,
        t.elapsed().as_secs_f64()
    );
}

fn repeat(src: &str, out: &str, target: u64) {
    let t = Instant::now();
    let reader = TraceReader::open(src).expect("open source");
    let footer = reader
        .footer()
        .expect("the source must be finished")
        .clone();
    let data_start = footer.blocks.first().expect("the source has blocks").offset;
    let mut prefix = vec![0u8; data_start as usize];
    File::open(src)
        .and_then(|mut f| f.read_exact(&mut prefix))
        .expect("read header");
    let raws: Vec<_> = reader
        .blocks(false)
        .map(|r| r.expect("source block"))
        .collect();
    let mut w = BufWriter::with_capacity(4 << 20, File::create(out).expect("create"));
    w.write_all(&prefix).unwrap();
    let mut offset = data_start;
    let mut next_num = 1u64;
    let mut index = Vec::new();
    let mut copies = 0u64;
    while offset < target {
        for raw in &raws {
            let mut frame = raw.frame;
            frame.first_event_num = next_num;
            let head = frame.to_bytes();
            w.write_all(&head).unwrap();
            w.write_all(&raw.payload).unwrap();
            let len = (head.len() + raw.payload.len()) as u32;
            index.push(BlockIndexEntry {
                offset,
                len,
                events: frame.events,
                first_event_num: next_num,
                ts_min: frame.ts_min,
                ts_max: frame.ts_max,
            });
            offset += len as u64;
            next_num += frame.events as u64;
        }
        copies += 1;
    }
    let new_footer = Footer {
        blocks: index,
        events: next_num - 1,
        events_by_type: footer
            .events_by_type
            .iter()
            .map(|(k, n)| (k.clone(), n * copies))
            .collect(),
        end_ns: footer.end_ns,
        ..footer
    };
    let body = bincode::encode_to_vec(&new_footer, bincode::config::standard()).unwrap();
    w.write_all(&FOOTER_MAGIC).unwrap();
    w.write_all(&(body.len() as u32).to_le_bytes()).unwrap();
    w.write_all(&crc32fast::hash(&body).to_le_bytes()).unwrap();
    w.write_all(&body).unwrap();
    w.write_all(&offset.to_le_bytes()).unwrap();
    w.write_all(&TRAILER_MAGIC).unwrap();
    w.flush().unwrap();
    eprintln!(
        "{out}: {copies} copies of {src}: {} events in {} blocks, {} bytes in {:.1} s",
        new_footer.events,
        new_footer.blocks.len(),
        offset,
        t.elapsed().as_secs_f64()
    );
}
