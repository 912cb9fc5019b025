//! Block contents after decompression (checksums and zstd bypassed, so the fuzzer reaches the
//! column decoder directly). Must never panic or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let events = u16::from_le_bytes([data[0], data[1]]) as u32;
    if let Ok(b) = rtsec_format::fuzzing::decode_body(&data[2..], events) {
        for ev in b.events() {
            let _ = (ev.process(), ev.fd(), ev.container(), ev.type_name());
        }
    }
});
