//! Damaged block contents (past the checksum, as a bug or a crafted file could produce) decode
//! to an error or to a block, never to a panic or an unbounded allocation.

use proptest::prelude::*;
use rtsec_format::builder::BlockBuilder;
use rtsec_format::{RawBlock, encode_block, fuzzing, synth};

fn body() -> (Vec<u8>, u32) {
    let mut b = BlockBuilder::default();
    synth::generate(400, 5, |ev| b.push(ev).unwrap());
    let block = b.take();
    let mut z = zstd::bulk::Compressor::new(3).unwrap();
    let (frame, payload) = encode_block(&block, &mut z).unwrap();
    let raw = RawBlock {
        index: 0,
        offset: 0,
        frame,
        payload,
    };
    assert_eq!(raw.decode().unwrap().events.len(), 400);
    let body = zstd::bulk::decompress(&raw.payload, frame.raw_len as usize).unwrap();
    (body, frame.events)
}

#[derive(Debug, Clone)]
enum Damage {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Overwrite(usize, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Vec<Damage>> {
    let one = prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(i, x)| Damage::Flip(i, x)),
        any::<usize>().prop_map(Damage::Cut),
        (
            any::<usize>(),
            proptest::collection::vec(any::<u8>(), 1..12)
        )
            .prop_map(|(i, b)| Damage::Insert(i, b)),
        (
            any::<usize>(),
            proptest::collection::vec(0xf0u8..=0xff, 1..12)
        )
            .prop_map(|(i, b)| Damage::Overwrite(i, b)),
    ];
    proptest::collection::vec(one, 1..4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn damaged_bodies_never_panic(d in damage(), events_delta in -2i64..3) {
        let (mut b, events) = body();
        for x in d {
            let n = b.len().max(1);
            match x {
                Damage::Flip(i, m) => { let i = i % n; if i < b.len() { b[i] ^= m } }
                Damage::Cut(i) => b.truncate(i % n),
                Damage::Insert(i, bytes) => { let i = i % n; b.splice(i..i, bytes); }
                Damage::Overwrite(i, bytes) => {
                    for (k, v) in bytes.into_iter().enumerate() {
                        if let Some(x) = b.get_mut((i % n) + k) { *x = v }
                    }
                }
            }
        }
        let events = (events as i64 + events_delta).max(0) as u32;
        if let Ok(block) = fuzzing::decode_body(&b, events) {
            for ev in block.events() {
                let _ = (ev.process(), ev.fd(), ev.container(), ev.type_name());
                if let Some(p) = ev.process() {
                    // Ancestor walks end: parents always come first.
                    let mut cur = Some(p);
                    let mut steps = 0;
                    while let Some(q) = cur {
                        cur = block.parent(q);
                        steps += 1;
                        prop_assert!(steps <= block.processes.len() + 1);
                    }
                }
            }
        }
    }
}
