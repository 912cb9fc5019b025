//! The settings of a Falco configuration file (`falco.yaml`) that decide verdicts and alerts,
//! so that a replay judges as that Falco deployment would: its rules files, minimum priority,
//! `rule_matching`, `rules:` enable/disable commands, `static_fields` (`statics`),
//! `json_output` and the shape of the alerts (`time_format_iso_8601`,
//! `json_include_*_property`, `buffer_format_base64`, `append_output`), where it sends them
//! (`*_output`, used with `--falco-outputs`: [`crate::outputs`]), when it alerts on kernel
//! drops (`syscall_event_drops`, used with `--drop-alerts`: [`crate::drop_alerts`]), and the
//! capture a replay engine judges. Settings of the live daemon (drivers, webserver, …) do not
//! apply to a replay and are left alone; those that would change the alerts but are not
//! applied, and keys Falco does not know, are listed, never dropped silently (`keys`). As in
//! Falco, `${VAR}` in any value is the environment variable's value (`$${` is a literal `${`),
//! the files `config_files` names are merged in first (`include`), and `-o KEY=VALUE` options
//! are applied after them (`options`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rtsec_rules::{
    AlertFormat, AppendOutput, LoadOptions, Priority, RuleCommand, RuleMatching, RuleTarget,
    StaticFields,
};
use serde_json::{Map, Value};

use crate::drop_alerts::DropAlertSettings;
use crate::error::ReplayError;

mod append;
mod drops;
mod env;
mod include;
mod keys;
mod options;
mod statics;

use append::append_output;
use env::expand_env;
use statics::static_fields;

/// How [`FalcoConfig::from_options`] names where its settings come from.
pub const OPTIONS_ORIGIN: &str = "the -o options";

/// What a falco.yaml says about judging and printing alerts (absent keys: `None`, so that the
/// command line and rtsec's defaults decide).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FalcoConfig {
    pub path: PathBuf,
    /// `rules_files` (or the older `rules_file`): files and directories in load order.
    /// Directories that do not exist are left out, as Falco leaves them out.
    pub rules_files: Option<Vec<PathBuf>>,
    pub priority: Option<Priority>,
    pub rule_matching: Option<RuleMatching>,
    pub json_output: Option<bool>,
    /// `rules:`, in order.
    pub commands: Vec<RuleCommand>,
    /// `time_format_iso_8601`, the `json_include_*_property` keys and `buffer_format_base64`.
    pub format: AlertFormat,
    /// `append_output`, in order: `None` without a configuration file (Falco's default
    /// falco.yaml's then), empty if the file has none.
    pub append_output: Option<Vec<AppendOutput>>,
    /// `static_fields`: `static.NAME` fields for conditions and outputs (Falco ≥ 0.41).
    pub static_fields: StaticFields,
    /// `engine.replay.capture_file` when `engine.kind` is `replay`: the capture that Falco
    /// judges with this file (`rtsec replay -c` judges it when no trace is named).
    pub capture_file: Option<PathBuf>,
    /// Where the Falco of this file sends alerts (sent there with `--falco-outputs`).
    pub outputs: crate::outputs::OutputsConfig,
    /// `syscall_event_drops`: when its drop alert is written (with `--drop-alerts`).
    pub syscall_event_drops: DropAlertSettings,
    /// Settings that would change the alerts and that this replay does not apply, each with
    /// what it does instead; and `rules_files` entries left out.
    pub notes: Vec<String>,
}

impl FalcoConfig {
    /// Reads `path` and the files its `config_files` names. A key of the wrong shape is an
    /// error naming the file it comes from and the key.
    pub fn load(path: &Path) -> Result<FalcoConfig, ReplayError> {
        Self::load_with(path, &[])
    }

    /// [`FalcoConfig::load`] with Falco's `-o KEY=VALUE` options applied, in order, after
    /// the included files (see `options`). As in Falco (`load_cmdline_config_files`), options
    /// on `config_files` are applied first too, so that they choose what is included.
    pub fn load_with(path: &Path, options: &[String]) -> Result<FalcoConfig, ReplayError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReplayError::io(path, e))?;
        let mut doc_notes = Vec::new();
        let mut root = document(path, &text, &mut doc_notes)?;
        let (origins, notes) = Self::merge(path, &mut root, options)?;
        doc_notes.extend(notes);
        Self::from_root(path, &root, &origins, doc_notes)
    }

    /// Merges the files `config_files` names into `root` (after applying the options on
    /// `config_files`, which choose them), then applies every option: the file that set each
    /// key, and the notes of the merge.
    fn merge(
        path: &Path,
        root: &mut Map<String, Value>,
        options: &[String],
    ) -> Result<(HashMap<String, PathBuf>, Vec<String>), ReplayError> {
        let mut origins = HashMap::new();
        let mut notes = Vec::new();
        for o in options.iter().filter(|o| o.starts_with("config_files")) {
            options::apply(root, o).map_err(ReplayError::Config)?;
        }
        include::merge_config_files(path, root, &mut origins, &mut notes)?;
        for o in options {
            options::apply(root, o).map_err(ReplayError::Config)?;
            let key = o.split(['=', '.', '[']).next().unwrap_or_default();
            origins.insert(key.to_string(), PathBuf::from(format!("-o {o}")));
        }
        Ok((origins, notes))
    }

    /// Falco's `-o KEY=VALUE` options without a configuration file: those settings over
    /// Falco's defaults (its default falco.yaml's `append_output` unless an option sets one),
    /// reported as [`OPTIONS_ORIGIN`]. `config_files` options are merged in as from a file in
    /// the working directory.
    pub fn from_options(options: &[String]) -> Result<FalcoConfig, ReplayError> {
        let path = Path::new(OPTIONS_ORIGIN);
        let mut root = Map::new();
        let (origins, notes) = Self::merge(path, &mut root, options)?;
        let mut c = Self::from_root(path, &root, &origins, notes)?;
        if !root.contains_key("append_output") {
            c.append_output = None;
            // Not the note on a file without one: there is no file.
            c.notes
                .retain(|n| !n.starts_with("no `append_output` entry"));
        }
        Ok(c)
    }

    /// [`FalcoConfig::load`] of `text`, reported as `path`, without the files its
    /// `config_files` names.
    pub fn parse(path: &Path, text: &str) -> Result<FalcoConfig, ReplayError> {
        let mut notes = Vec::new();
        let root = document(path, text, &mut notes)?;
        Self::from_root(path, &root, &HashMap::new(), notes)
    }

    /// The settings of a configuration's merged top-level map; `origins` names the file of
    /// each key that an included file set.
    fn from_root(
        path: &Path,
        root: &Map<String, Value>,
        origins: &HashMap<String, PathBuf>,
        notes: Vec<String>,
    ) -> Result<FalcoConfig, ReplayError> {
        let bad = |key: &str, what: String| {
            let top = key.split('.').next().unwrap_or(key);
            let file = origins.get(top).map_or(path, PathBuf::as_path);
            ReplayError::Config(format!("{}: `{key}`: {what}", file.display()))
        };
        if root.contains_key("rules_files") && root.contains_key("rules_file") {
            return Err(bad(
                "rules_file",
                "both `rules_files` and `rules_file` are set: keep `rules_files` (Falco \
                 refuses both too)"
                    .into(),
            ));
        }
        let mut c = FalcoConfig {
            path: path.to_path_buf(),
            notes,
            ..Default::default()
        };
        keys::notes(path, root, origins, &mut c.notes);
        for key in ["rules_files", "rules_file"] {
            let Some(v) = root.get(key) else { continue };
            let entries = strings(v).ok_or_else(|| bad(key, "expected a list of paths".into()))?;
            let mut files = Vec::new();
            // Falco keeps only the entries that exist (its default falco.yaml names
            // falco_rules.local.yaml and rules.d, which not every installation has); rtsec
            // names each one left out, and refuses a list of which none exists.
            for e in entries {
                let p = PathBuf::from(e);
                if !p.exists() {
                    c.notes.push(format!(
                        "{key} entry {} does not exist: left out (as Falco does)",
                        p.display()
                    ));
                    continue;
                }
                files.push(p);
            }
            c.rules_files = Some(files);
            break;
        }
        if let Some(v) = root.get("priority") {
            let s = v
                .as_str()
                .ok_or_else(|| bad("priority", "expected a priority name".into()))?;
            c.priority = Some(s.parse().map_err(|e: String| bad("priority", e))?);
        }
        if let Some(v) = root.get("rule_matching") {
            c.rule_matching = Some(match v.as_str().map(str::to_ascii_lowercase).as_deref() {
                Some("first") => RuleMatching::First,
                Some("all") => RuleMatching::All,
                _ => return Err(bad("rule_matching", "expected `first` or `all`".into())),
            });
        }
        if let Some(v) = root.get("json_output") {
            c.json_output =
                Some(flag(v).ok_or_else(|| bad("json_output", "expected true or false".into()))?);
        }
        if let Some(v) = root.get("rules") {
            c.commands = commands(v).map_err(|e| bad("rules", e))?;
        }
        let f = &mut c.format;
        for (key, setting) in [
            ("time_format_iso_8601", &mut f.time_format_iso_8601),
            (
                "json_include_output_property",
                &mut f.json_include_output_property,
            ),
            (
                "json_include_output_fields_property",
                &mut f.json_include_output_fields_property,
            ),
            (
                "json_include_tags_property",
                &mut f.json_include_tags_property,
            ),
            (
                "json_include_message_property",
                &mut f.json_include_message_property,
            ),
            ("buffer_format_base64", &mut f.buffer_format_base64),
        ] {
            if let Some(v) = root.get(key) {
                *setting = flag(v).ok_or_else(|| bad(key, "expected true or false".into()))?;
            }
        }
        c.outputs = crate::outputs::OutputsConfig::from_yaml(root, bad)?;
        c.capture_file = capture_file(root).map_err(|(key, e)| bad(key, e))?;
        if let Some(v) = root.get("syscall_event_drops") {
            c.syscall_event_drops = drops::syscall_event_drops(v)
                .map_err(|(key, e)| bad(&format!("syscall_event_drops{key}"), e))?;
        }
        if let Some(v) = root.get("static_fields") {
            c.static_fields =
                static_fields(v, &mut c.notes).map_err(|e| bad("static_fields", e))?;
        }
        c.append_output = Some(match root.get("append_output") {
            None | Some(Value::Null) => Vec::new(),
            Some(v) => append_output(v, &c.static_fields).map_err(|e| bad("append_output", e))?,
        });
        c.note_append_output();
        Ok(c)
    }

    /// How rules load under this configuration: its `append_output` (Falco's default
    /// falco.yaml's without a file) and `static_fields`.
    pub fn load_options(&self) -> LoadOptions {
        let mut options = LoadOptions {
            static_fields: self.static_fields.clone(),
            ..LoadOptions::default()
        };
        if let Some(a) = &self.append_output {
            options.append_output = a.clone();
        }
        options
    }

    /// Notes on `append_output` that would surprise: no entry at all (a falco.yaml from before
    /// Falco 0.41), or an entry for a rule and tags.
    fn note_append_output(&mut self) {
        let Some(entries) = &self.append_output else {
            return;
        };
        if !entries.iter().any(|e| e.suggested_output) {
            self.notes.push(
                "no `append_output` entry has `suggested_output: true`: as in that Falco, \
                 alerts get no container or k8s fields the rules do not name"
                    .into(),
            );
        }
        for (i, e) in entries.iter().enumerate() {
            if let Some(rule) = e.rule.as_ref().filter(|_| !e.tags.is_empty()) {
                self.notes.push(format!(
                    "`append_output` entry {}: both a rule ({rule}) and tags ({}): it applies \
                     only if that rule has all those tags",
                    i + 1,
                    e.tags.join(", ")
                ));
            }
        }
    }
}

/// `engine.replay.capture_file` if `engine.kind` is `replay`; an error as Falco's
/// `load_engine_config` gives it if that file is not named. Other kinds are a running Falco's
/// (`kmod`, `modern_ebpf`, `nodriver`, and `ebpf`, `gvisor` before 0.41).
fn capture_file(root: &Map<String, Value>) -> Result<Option<PathBuf>, (&'static str, String)> {
    let engine = root.get("engine");
    let kind = engine.and_then(|e| e.get("kind"));
    if kind.and_then(Value::as_str) != Some("replay") {
        return Ok(None);
    }
    match engine
        .and_then(|e| e.get("replay"))
        .and_then(|r| r.get("capture_file"))
        .and_then(Value::as_str)
    {
        Some(f) if !f.is_empty() => Ok(Some(PathBuf::from(f))),
        _ => Err((
            "engine.replay.capture_file",
            "engine.kind is `replay` but no capture file is named".into(),
        )),
    }
}

/// A configuration file's top-level map: `text` parsed as YAML (empty: no settings), with
/// `${VAR}` expanded.
fn document(
    path: &Path,
    text: &str,
    notes: &mut Vec<String>,
) -> Result<Map<String, Value>, ReplayError> {
    let invalid = |e: serde_saphyr::Error| {
        let (line, column, message) = rtsec_rules::yaml_error_at(text, &e);
        ReplayError::Config(format!(
            "{}:{line}:{column}: not valid YAML: {message}",
            path.display()
        ))
    };
    let mut doc: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        match serde_saphyr::from_str(text) {
            Ok(v) => v,
            // Falco's yaml-cpp accepts a key set twice and looks it up first-match: a
            // setting appended at the end of a falco.yaml that already has it does nothing
            // there, and nothing here either.
            Err(e) if e.to_string().contains("duplicate mapping key") => {
                let message = rtsec_rules::yaml_message(&e.without_snippet().to_string());
                let key = message
                    .strip_prefix("duplicate key: ")
                    .and_then(|k| k.split(" (").next())
                    .unwrap_or("a key");
                let (line, column) = e.location().map_or((1, 1), |l| (l.line(), l.column()));
                notes.push(format!(
                    "`{key}` is set again ({}:{line}:{column}): Falco's YAML parser takes the \
                     first value of a key set twice, and so does rtsec (for any key set twice)",
                    path.display()
                ));
                let mut options = serde_saphyr::Options::default();
                options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::FirstWins;
                serde_saphyr::from_str_with_options(text, options).map_err(invalid)?
            }
            Err(e) => return Err(invalid(e)),
        }
    };
    expand_env(&mut doc, &|name| std::env::var(name).ok());
    match doc {
        Value::Object(m) => Ok(m),
        Value::Null => Ok(Map::new()),
        _ => Err(ReplayError::Config(format!(
            "{}: expected a map of settings (a falco.yaml)",
            path.display()
        ))),
    }
}

pub(super) fn strings(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::String(s) => Some(vec![s.clone()]),
        Value::Array(a) => a.iter().map(|x| x.as_str().map(str::to_string)).collect(),
        Value::Null => Some(Vec::new()),
        _ => None,
    }
}

/// A YAML boolean (also written as a string, as yaml-cpp reads `"true"`).
pub(crate) fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// `rules:` entries: `- enable: {rule: PATTERN}`, `- disable: {tag: TAG}`, ….
fn commands(v: &Value) -> Result<Vec<RuleCommand>, String> {
    let Some(items) = v.as_array() else {
        return Err("expected a list of `enable:` / `disable:` entries".into());
    };
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let entry = item.as_object().filter(|m| m.len() == 1);
        let Some((verb, what)) = entry.and_then(|m| m.iter().next()) else {
            return Err(format!("entry {}: expected `enable:` or `disable:`", i + 1));
        };
        let enable = match verb.as_str() {
            "enable" => true,
            "disable" => false,
            other => {
                return Err(format!(
                    "entry {}: `{other}` is neither `enable` nor `disable`",
                    i + 1
                ));
            }
        };
        let Some(what) = what.as_object() else {
            return Err(format!(
                "entry {}: expected `rule:` or `tag:` under `{verb}`",
                i + 1
            ));
        };
        let before = out.len();
        for (k, v) in what {
            let Some(v) = v.as_str() else {
                return Err(format!("entry {}: `{k}` must be text", i + 1));
            };
            let target = match k.as_str() {
                "rule" => RuleTarget::Name(v.to_string()),
                "tag" => RuleTarget::Tag(v.to_string()),
                other => {
                    return Err(format!(
                        "entry {}: `{other}` is neither `rule` nor `tag`",
                        i + 1
                    ));
                }
            };
            out.push(RuleCommand { enable, target });
        }
        if out.len() == before {
            return Err(format!(
                "entry {}: expected `rule:` or `tag:` under `{verb}`",
                i + 1
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outputs::{HttpConfig, TlsConfig};
    use rtsec_rules::{AppendOutput, ExtraField};

    fn parse(text: &str) -> Result<FalcoConfig, String> {
        FalcoConfig::parse(Path::new("falco.yaml"), text).map_err(|e| e.to_string())
    }

    /// Falco's yaml-cpp takes the first value of a key set twice (a setting appended at the
    /// end of a falco.yaml that has it already does nothing); a note names the repeat.
    #[test]
    fn a_key_set_twice_keeps_its_first_value_with_a_note() {
        let c = parse("json_output: false\npriority: error\njson_output: true\n").unwrap();
        assert_eq!(c.json_output, Some(false));
        assert!(
            c.notes.iter().any(|n| n.starts_with(
                "`json_output` is set again (falco.yaml:3:1): Falco's YAML parser takes the \
                 first value of a key set twice"
            )),
            "{:?}",
            c.notes
        );
    }

    #[test]
    fn options_alone_keep_falcos_default_suggested_output() {
        let opts = |o: &[&str]| {
            let o: Vec<String> = o.iter().map(|s| s.to_string()).collect();
            FalcoConfig::from_options(&o).map_err(|e| e.to_string())
        };
        let c = opts(&["json_output=true", "rules[].disable.tag=network"]).unwrap();
        assert_eq!(c.json_output, Some(true));
        assert_eq!(c.commands.len(), 1);
        // None: rules load with the default falco.yaml's `append_output`.
        assert_eq!(c.append_output, None);
        assert!(c.notes.is_empty(), "{:?}", c.notes);
        let c = opts(&["append_output[]={extra_output: \"on=%proc.name\"}"]).unwrap();
        assert_eq!(c.append_output.map(|a| a.len()), Some(1));
        let e = opts(&["priority=loud"]).unwrap_err();
        assert!(e.contains("-o priority=loud: `priority`"), "{e}");
    }

    #[test]
    fn the_settings_that_decide_alerts_are_read() {
        // Falco's default list, where only the first entry exists.
        let rules = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/every_open.yaml");
        let c = parse(&format!(
            "rules_files:\n  - {rules}\n  - /nonexistent/falco_rules.local.yaml\n  \
             - /nonexistent/rules.d\n\
             priority: notice\nrule_matching: all\njson_output: true\n\
             rules:\n  - disable:\n      rule: \"*\"\n  - enable:\n      tag: network\n\
             \x20 - enable:\n      rule: Netcat*\n\
             stdout_output:\n  enabled: true\nappend_output:\n  - suggested_output: true\n",
        ))
        .unwrap();
        assert_eq!(c.rules_files, Some(vec![PathBuf::from(rules)]));
        assert_eq!(c.priority, Some(Priority::Notice));
        assert_eq!(c.rule_matching, Some(RuleMatching::All));
        assert_eq!(c.json_output, Some(true));
        let t = |enable, target| RuleCommand { enable, target };
        assert_eq!(
            c.commands,
            [
                t(false, RuleTarget::Name("*".into())),
                t(true, RuleTarget::Tag("network".into())),
                t(true, RuleTarget::Name("Netcat*".into())),
            ]
        );
        assert_eq!(c.notes.len(), 2, "{:?}", c.notes);
        assert!(
            c.notes[0].contains("/nonexistent/falco_rules.local.yaml does not exist: left out")
        );
        assert!(c.notes[1].contains("/nonexistent/rules.d does not exist: left out"));
    }

    #[test]
    fn the_alert_shape_is_read() {
        let c = parse(
            "time_format_iso_8601: true\njson_include_tags_property: false\n\
             json_include_output_property: true\njson_include_message_property: \"true\"\n\
             buffer_format_base64: true\n",
        )
        .unwrap();
        assert_eq!(
            c.format,
            AlertFormat {
                time_format_iso_8601: true,
                json_include_tags_property: false,
                json_include_message_property: true,
                buffer_format_base64: true,
                ..AlertFormat::default()
            }
        );
        assert_eq!(parse("").unwrap().format, AlertFormat::default());
    }

    #[test]
    fn static_fields_are_read_as_text_and_append_output_may_name_them() {
        // `append_output` comes first in the file; its format still sees the static field.
        let c = parse(
            "append_output:\n  - extra_output: \"c=%static.cluster\"\n\
             static_fields:\n  cluster: prod\n  replicas: 3\n  canary: true\n  eu.zone: a\n",
        )
        .unwrap();
        let text = |pairs: &[(&str, &str)]| -> StaticFields {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        assert_eq!(
            c.static_fields,
            text(&[
                ("canary", "true"),
                ("cluster", "prod"),
                ("eu.zone", "a"),
                ("replicas", "3")
            ])
        );
        assert_eq!(c.load_options().static_fields, c.static_fields);
        assert!(
            !c.notes.iter().any(|n| n.contains("static_fields")),
            "{:?}",
            c.notes
        );
        let c = parse(
            "append_output: [{suggested_output: true}]\n\
             static_fields:\n  version: 1.10\n  quoted: \"1.10\"\n",
        )
        .unwrap();
        assert_eq!(
            c.static_fields,
            text(&[("quoted", "1.10"), ("version", "1.1")])
        );
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert!(
            c.notes[0].contains("`static_fields.version` is a plain YAML number, read as `1.1`"),
            "{:?}",
            c.notes
        );
        assert_eq!(
            parse("static_fields:\n").unwrap().static_fields,
            StaticFields::new()
        );
        for (bad, want) in [
            (
                "static_fields: [a]\n",
                "`static_fields`: expected a map of names to values",
            ),
            (
                "static_fields:\n  a: [1]\n",
                "`static_fields`: `a`: expected a text value",
            ),
            ("static_fields:\n  1a: x\n", "`1a` cannot be a field name"),
            (
                "append_output:\n  - extra_output: \"%static.nope\"\n",
                "nonexistent field static.nope: static fields come from falco.yaml's",
            ),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(e.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn append_output_is_read_as_falco_reads_it() {
        let c = parse(
            "append_output:\n\
             \x20 - suggested_output: true\n\
             \x20 - match:\n      source: syscall\n      tags: [persistence, execution]\n\
             \x20   extra_output: \"gparent=%proc.aname[2]\"\n\
             \x20   extra_fields:\n      - proc.aname[3]\n      - static_field: static content\n\
             \x20 - match: {rule: some rule name, tags: [t]}\n    extra_output: \"\"\n",
        )
        .unwrap();
        let want = vec![
            AppendOutput {
                suggested_output: true,
                ..AppendOutput::default()
            },
            AppendOutput {
                source: Some("syscall".into()),
                tags: vec!["persistence".into(), "execution".into()],
                extra_output: "gparent=%proc.aname[2]".into(),
                extra_fields: vec![
                    ExtraField::Raw("proc.aname[3]".into()),
                    ExtraField::Formatted {
                        key: "static_field".into(),
                        format: "static content".into(),
                    },
                ],
                ..AppendOutput::default()
            },
            AppendOutput {
                rule: Some("some rule name".into()),
                tags: vec!["t".into()],
                ..AppendOutput::default()
            },
        ];
        assert_eq!(c.append_output, Some(want));
        assert_eq!(c.notes.len(), 1, "{:?}", c.notes);
        assert!(c.notes[0].contains("entry 3: both a rule (some rule name) and tags (t)"));

        // No file: Falco's default falco.yaml's. A file without the key: nothing, as that
        // Falco (before 0.41, or with an old falco.yaml), and a note saying so.
        assert_eq!(FalcoConfig::default().append_output, None);
        let c = parse("json_output: true\n").unwrap();
        assert_eq!(c.append_output, Some(Vec::new()));
        assert_eq!(c.notes.len(), 1);
        assert!(
            c.notes[0].contains("no container or k8s fields"),
            "{:?}",
            c.notes
        );

        for (text, want) in [
            (
                "append_output: yes\n",
                "`append_output`: expected a list of entries",
            ),
            ("append_output: [x]\n", "entry 1: expected a map"),
            (
                "append_output:\n  - extra_output: \"a=%proc.nope\"\n",
                "entry 1: `extra_output`: invalid formatting token %proc.nope",
            ),
            (
                "append_output:\n  - extra_fields: [proc.nope]\n",
                "entry 1: `extra_fields`: invalid formatting token %proc.nope",
            ),
            (
                "append_output:\n  - {}\n  - extra_fields: [{k: \"%evt.nope\"}]\n",
                "entry 2: `extra_fields`: `k`: invalid formatting token %evt.nope",
            ),
            (
                "append_output:\n  - extra_fields: [proc.name, {proc.name: x}]\n",
                "entry 1: `extra_fields`: `proc.name` is given twice",
            ),
            (
                "append_output:\n  - match: {container: x}\n",
                "entry 1: `match.container`: expected source, tags or rule",
            ),
            (
                "append_output:\n  - extra: x\n",
                "entry 1: `extra`: expected match, extra_output",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }

    #[test]
    fn http_output_tls_settings_are_read_with_falcos_defaults() {
        let tls = |text: &str| {
            let text = format!("http_output:\n  enabled: true\n  url: https://h/\n{text}");
            parse(&text).unwrap().outputs.http.unwrap().tls
        };
        assert_eq!(tls(""), TlsConfig::default());
        assert_eq!(
            TlsConfig::default().ca_path.as_deref(),
            Some(Path::new("/etc/falco/certs/"))
        );
        // Falco's default falco.yaml: empty paths are unset, mtls off leaves the client out.
        assert_eq!(
            tls("  insecure: false\n  ca_cert: \"\"\n  ca_bundle: \"\"\n  \
                 ca_path: \"/etc/falco/certs/\"\n  mtls: false\n  \
                 client_cert: \"/etc/falco/certs/client/client.crt\"\n"),
            TlsConfig::default()
        );
        assert_eq!(
            tls(
                "  insecure: true\n  ca_cert: /c.pem\n  ca_bundle: /b.pem\n  ca_path: \"\"\n  \
                 mtls: true\n  client_key: /k.pem\n"
            ),
            TlsConfig {
                insecure: true,
                ca_cert: Some("/c.pem".into()),
                ca_bundle: Some("/b.pem".into()),
                ca_path: None,
                client: Some(("/etc/falco/certs/client/client.crt".into(), "/k.pem".into())),
            }
        );
    }

    #[test]
    fn http_output_echo_and_timeouts_are_read_as_falco_reads_them() {
        let http = |text: &str| {
            let text = format!("http_output:\n  enabled: true\n  url: http://h/\n{text}");
            parse(&text).unwrap().outputs.http.unwrap()
        };
        let c = http("");
        assert_eq!((c.echo, c.max_consecutive_timeouts), (false, 5));
        assert_eq!(c, HttpConfig::new("http://h/".into()));
        let c = http("  echo: true\n  max_consecutive_timeouts: 2\n  compress_uploads: true\n");
        assert_eq!((c.echo, c.max_consecutive_timeouts), (true, 2));
        // `std::stoi(...) & 0xFF`, as Falco reads it.
        assert_eq!(
            http("  max_consecutive_timeouts: \"257\"\n").max_consecutive_timeouts,
            1
        );
        let c = parse("http_output: {enabled: true, url: http://h/, compress_uploads: true}\n")
            .unwrap();
        assert!(
            !c.notes.iter().any(|n| n.contains("compress")),
            "Falco does not compress uploads either: {:?}",
            c.notes
        );
    }

    #[test]
    fn malformed_settings_name_the_file_and_the_key() {
        for (text, want) in [
            (
                "priority: loud\n",
                "falco.yaml: `priority`: unknown priority 'loud'",
            ),
            (
                "rule_matching: some\n",
                "falco.yaml: `rule_matching`: expected `first` or `all`",
            ),
            (
                "rules:\n  - enable: {file: x}\n",
                "`rules`: entry 1: `file` is neither",
            ),
            (
                "rules:\n  - switch: {rule: x}\n",
                "`rules`: entry 1: `switch` is neither",
            ),
            (
                "rules_files: [a]\nrules_file: [b]\n",
                "falco.yaml: `rules_file`: both `rules_files` and `rules_file` are set",
            ),
            (
                "rules_files: {a: 1}\n",
                "`rules_files`: expected a list of paths",
            ),
            ("- just\n- a list\n", "expected a map of settings"),
            ("rules: [\n", "not valid YAML"),
            // Where the tab is, once, not where the scalar before it started.
            (
                "json_output: true\n\tpriority: error\n",
                "falco.yaml:2:1: not valid YAML: while scanning a plain scalar, found a tab",
            ),
            (
                "http_output: {enabled: true, url: https://h/, mtls: sometimes}\n",
                "`http_output.mtls`: expected true or false",
            ),
            (
                "http_output: {enabled: true, url: http://h/, max_consecutive_timeouts: [1]}\n",
                "`http_output.max_consecutive_timeouts`: expected a number",
            ),
            (
                "json_include_tags_property: maybe\n",
                "`json_include_tags_property`: expected true",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert!(e.contains(want), "{text:?}: {e}");
        }
    }
}
