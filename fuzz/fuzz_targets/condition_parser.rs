//! Any text as a Falco condition: parsed, list-substituted, macro-resolved and compiled against
//! rtsec's bundled rules (their lists and macros), then evaluated on a few synthetic events.
//! Must never panic or hang; errors are fine.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rtsec_format::Block;
use rtsec_rules::{HostTable, RuleSet, Scratch};

fn fixtures() -> &'static (RuleSet, Block) {
    static F: OnceLock<(RuleSet, Block)> = OnceLock::new();
    F.get_or_init(|| {
        let set = RuleSet::bundled().expect("bundled rules load");
        (set, rtsec_format::synth::block(64, 7))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(cond) = std::str::from_utf8(data) else {
        return;
    };
    let (set, block) = fixtures();
    match set.filter(cond) {
        Ok(f) => {
            let mut sc = Scratch::new();
            let hosts = HostTable::new();
            for ev in block.events() {
                let _ = f.matches(&ev, &mut sc, &hosts);
            }
        }
        Err(e) => {
            // Every error has a position and renders.
            let _ = e.to_string();
        }
    }
});
