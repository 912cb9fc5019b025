//! Any file handed to the trace reader: open, iterate blocks (salvage on), decode each.
//! Must never panic, hang or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtsec_format::TraceReader;

fuzz_target!(|data: &[u8]| {
    // The reader works on files; tmpfs keeps this cheap.
    let path = std::env::temp_dir().join(format!("rtsec-fuzz-{}.rts", std::process::id()));
    std::fs::write(&path, data).unwrap();
    if let Ok(r) = TraceReader::open(&path) {
        for raw in r.blocks(true).flatten() {
            if let Ok(b) = raw.decode() {
                for ev in b.events() {
                    let _ = (ev.process(), ev.fd(), ev.container(), ev.type_name());
                }
            }
        }
    }
});
