//! Profiling aid: encodes a synthetic trace in memory, then decodes it N times.
//! `cargo build --release -p rtsec-format --example decode_loop && valgrind --tool=callgrind target/release/examples/decode_loop`
use rtsec_format::builder::BlockBuilder;
use rtsec_format::{RawBlock, encode_block, synth};

fn main() {
    let mut b = BlockBuilder::default();
    synth::generate(80_000, 1, |ev| b.push(ev).unwrap());
    let block = b.take();
    let mut z = zstd::bulk::Compressor::new(6).unwrap();
    let (frame, payload) = encode_block(&block, &mut z).unwrap();
    let raw = RawBlock {
        index: 0,
        offset: 0,
        frame,
        payload,
    };
    let n: usize = std::env::args().nth(1).map_or(3, |a| a.parse().unwrap());
    let mut total = 0;
    let mut block = rtsec_format::Block::default();
    for _ in 0..n {
        raw.decode_into(&mut block).unwrap();
        total += block.events.len();
    }
    println!("{total}");
}
