//! Any text as a rules file, alone or (first byte odd) loaded after rtsec's bundled rules, so
//! that it can append to, override and disable theirs, and (second bit of the first byte)
//! with an `append_output` that adds text and extra fields: read, compiled, turned into an engine,
//! which then judges a few synthetic events and renders each alert as text and JSON. Must
//! never panic or hang; load errors are fine, and each one renders.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rtsec_format::Block;
use rtsec_rules::{
    AppendOutput, Engine, EngineOptions, ExtraField, LoadOptions, RuleMatching, RuleSource,
    Scratch, load_with,
};

fn events() -> &'static Block {
    static B: OnceLock<Block> = OnceLock::new();
    B.get_or_init(|| rtsec_format::synth::block(64, 11))
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let file = RuleSource::new("fuzz.yaml", text);
    let sources = match pick & 1 {
        1 => vec![RuleSource::bundled(), file],
        _ => vec![file],
    };
    let mut options = LoadOptions::default();
    if pick & 2 != 0 {
        options
            .static_fields
            .insert("cluster".into(), "prod".into());
        options.append_output.push(AppendOutput {
            suggested_output: true,
            extra_output: "on=%proc.name %5fd.name".into(),
            extra_fields: vec![
                ExtraField::Formatted {
                    key: "proc.name".into(),
                    format: "[%proc.name] %3proc.cmdline %evt.time".into(),
                },
                ExtraField::Raw("evt.num".into()),
                ExtraField::Raw("toupper(proc.name)".into()),
            ],
            ..AppendOutput::default()
        });
    }
    let set = match load_with(&sources, &options) {
        Ok(set) => set,
        Err(failure) => {
            let _ = failure.to_string();
            for w in &failure.warnings {
                let _ = w.to_string();
            }
            return;
        }
    };
    for w in set.warnings() {
        let _ = w.to_string();
    }
    let engine = Engine::new(
        &set,
        EngineOptions {
            rule_matching: RuleMatching::All,
            ..EngineOptions::default()
        },
    );
    let mut scratch = Scratch::new();
    for ev in events().events() {
        let ids = engine.matches(&ev, &mut scratch).to_vec();
        for id in ids {
            let _ = engine.alert(id, &ev, &mut scratch).json_line();
        }
    }
});
