//! The keys of a falco.yaml that rtsec does not read: those that only matter to a running
//! Falco (driver, plugins, webserver, metrics, logging) pass silently; any other key is named
//! in a note, with the known key it most resembles. Falco takes such a key silently too (its
//! schema validation only logs it), so a misspelled `json_ouput` would quietly change
//! nothing; here it is said.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

/// Top-level keys rtsec reads (see `FalcoConfig::from_root` and `OutputsConfig`).
const READ: &[&str] = &[
    "rules_files",
    "rules_file",
    "priority",
    "rule_matching",
    "json_output",
    "json_include_output_property",
    "json_include_output_fields_property",
    "json_include_tags_property",
    "json_include_message_property",
    "time_format_iso_8601",
    "buffer_format_base64",
    "rules",
    "append_output",
    "static_fields",
    "config_files",
    "stdout_output",
    "syslog_output",
    "file_output",
    "program_output",
    "http_output",
    "grpc_output",
    "syscall_event_drops",
];

/// Top-level keys of Falco 0.32 to 0.42 that change how a running Falco captures, loads
/// plugins, serves, logs or paces its outputs, and not which alerts a trace gives or how
/// they read.
const RUNTIME_ONLY: &[&str] = &[
    "engine",
    "load_plugins",
    "plugins",
    "plugins_hostinfo",
    "watch_config_files",
    "buffered_outputs",
    "outputs_queue",
    "output_timeout",
    "outputs",
    "webserver",
    "grpc",
    "log_stderr",
    "log_syslog",
    "log_level",
    "libs_logger",
    "syscall_event_timeouts",
    "metrics",
    "base_syscalls",
    "falco_libs",
    "container_engines",
    "metadata_download",
    "capture",
    "modern_bpf",
    "syscall_buf_size_preset",
    "syscall_drop_failed_exit",
];

/// The settings of the sections rtsec reads (drop alerts, outputs).
const SECTIONS: &[(&str, &[&str])] = &[
    (
        "syscall_event_drops",
        &[
            "actions",
            "threshold",
            "rate",
            "max_burst",
            "simulate_drops",
        ],
    ),
    ("stdout_output", &["enabled"]),
    ("syslog_output", &["enabled"]),
    ("grpc_output", &["enabled"]),
    ("file_output", &["enabled", "keep_alive", "filename"]),
    ("program_output", &["enabled", "keep_alive", "program"]),
    (
        "http_output",
        &[
            "enabled",
            "url",
            "user_agent",
            "insecure",
            "ca_cert",
            "ca_bundle",
            "ca_path",
            "mtls",
            "client_cert",
            "client_key",
            "echo",
            "compress_uploads",
            "keep_alive",
            "max_consecutive_timeouts",
        ],
    ),
];

/// Notes on the keys of `root` that neither rtsec nor Falco reads, and on runtime settings
/// whose effect on the alerts a replay does not have. `origins` names the file of a key
/// that an included file or an option set; other keys are `main`'s.
pub(super) fn notes(
    main: &Path,
    root: &Map<String, Value>,
    origins: &HashMap<String, PathBuf>,
    notes: &mut Vec<String>,
) {
    let file = |key: &str| origins.get(key).map_or(main, PathBuf::as_path).display();
    let known: Vec<&str> = READ.iter().chain(RUNTIME_ONLY).copied().collect();
    for key in root.keys() {
        if !known.contains(&key.as_str()) {
            notes.push(format!(
                "{}: `{key}` is not a Falco setting{}: ignored",
                file(key),
                resembles(key, &known)
            ));
        }
    }
    for (section, settings) in SECTIONS {
        let Some(Value::Object(m)) = root.get(*section) else {
            continue;
        };
        for key in m.keys() {
            if !settings.contains(&key.as_str()) {
                notes.push(format!(
                    "{}: `{section}.{key}` is not a setting of {section}{}: ignored",
                    file(section),
                    resembles(key, settings)
                ));
            }
        }
    }
    let rate = root.get("outputs").and_then(|o| o.get("rate"));
    if rate.and_then(rate_value).is_some_and(|r| r > 0.0) {
        notes.push(format!(
            "{}: `outputs.rate` is not applied: every alert is given, where a Falco that reads \
             it (it was deprecated in 0.36) drops alerts beyond `rate` per second after a burst \
             of `max_burst`",
            file("outputs")
        ));
    }
}

fn rate_value(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// " (a misspelling of `X`?)" for the known key closest to `key`, if one is close.
fn resembles(key: &str, known: &[&str]) -> String {
    known
        .iter()
        .map(|k| (edit_distance(key, k), *k))
        .filter(|(d, k)| *d <= 2.max(k.len() / 5))
        .min()
        .map_or(String::new(), |(_, k)| {
            format!(" (a misspelling of `{k}`?)")
        })
}

/// Levenshtein distance over bytes (keys are ASCII).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut row = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitute = prev[j] + usize::from(ca != cb);
            row[j + 1] = substitute.min(prev[j + 1] + 1).min(row[j] + 1);
        }
        std::mem::swap(&mut prev, &mut row);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn notes_of(text: &str) -> Vec<String> {
        let root: Map<String, Value> = serde_saphyr::from_str(text).unwrap();
        let mut out = Vec::new();
        notes(Path::new("falco.yaml"), &root, &HashMap::new(), &mut out);
        out
    }

    #[test]
    fn unknown_keys_are_named_with_what_they_resemble() {
        assert_eq!(
            notes_of(
                "json_ouput: true\nprioirty: error\nfrobnicate: 1\n\
                 http_output:\n  enabled: false\n  urll: http://x\n  keep_alive: true\n\
                 engine: {kind: modern_ebpf}\nwebserver: {enabled: true}\nmetrics: {}\n\
                 stdout_output: {enabled: true}\n"
            ),
            [
                "falco.yaml: `frobnicate` is not a Falco setting: ignored",
                "falco.yaml: `json_ouput` is not a Falco setting (a misspelling of \
                 `json_output`?): ignored",
                "falco.yaml: `prioirty` is not a Falco setting (a misspelling of `priority`?): \
                 ignored",
                "falco.yaml: `http_output.urll` is not a setting of http_output (a misspelling \
                 of `url`?): ignored",
            ]
        );
        assert!(notes_of("").is_empty());
    }

    #[test]
    fn runtime_settings_that_would_change_alerts_are_noted() {
        // `buffer_format_base64` is applied (it was noted as not applied before).
        let n = notes_of("buffer_format_base64: true\noutputs: {rate: 1, max_burst: 10}\n");
        assert_eq!(n.len(), 1, "{n:?}");
        assert!(n[0].contains("`outputs.rate` is not applied"), "{n:?}");
        assert!(notes_of("buffer_format_base64: false\noutputs: {rate: 0}\n").is_empty());
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("json_ouput", "json_output"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
