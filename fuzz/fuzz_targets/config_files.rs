//! Any text as one of the YAML files users hand rtsec besides rules: the first byte picks
//! a falco.yaml (`replay -c`) or an `rtsec test` case file, the rest is its text. Must never
//! panic or hang; errors are fine, and each one renders.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use rtsec_replay::falco_config::FalcoConfig;
use rtsec_replay::harness::Case;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let err = if pick & 1 == 0 {
        FalcoConfig::parse(Path::new("/fuzz/falco.yaml"), text).err()
    } else {
        Case::parse(Path::new("/fuzz/case.yaml"), text).err()
    };
    if let Some(e) = err {
        let _ = e.to_string();
    }
});
