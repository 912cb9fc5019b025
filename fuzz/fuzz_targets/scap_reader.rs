//! Any bytes as a .scap capture (plain; gzip is only a wrapper around the same reader): every
//! record read, every event's parameters decoded, until the end or the first error. Must never
//! panic, hang or allocate without bound; errors are fine, and each one renders.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rtsec_scap::{Item, ScapReader};

fuzz_target!(|data: &[u8]| {
    let reader = ScapReader::from_reader(std::io::Cursor::new(data.to_vec()), "fuzz.scap");
    let mut reader = match reader {
        Ok(r) => r,
        Err(e) => {
            let _ = e.to_string();
            return;
        }
    };
    while let Some(item) = reader.next_item() {
        match item {
            Ok(Item::Event(e)) => {
                for (name, value) in e.params() {
                    let _ = format!("{name}={value} {value:?}");
                }
            }
            Ok(other) => {
                let _ = format!("{other:?}");
            }
            Err(e) => {
                let _ = e.to_string();
                break;
            }
        }
    }
    let _ = reader.stats().skipped_total();
});
