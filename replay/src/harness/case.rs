//! Case files: what to replay and what to expect, in YAML.
//!
//! ```yaml
//! description: cat reads /etc/shadow in a fake container   # optional
//! traces: [../../scenarios/sensitive-read/trace.rts]        # relative to this file; a
//!                                 # directory: its traces and captures, recursively, sorted
//! rules: ['<bundled>']            # files relative to this file; default: the bundled set
//! falco_config: falco.yaml        # optional, relative to this file: a Falco configuration's
//!                                 # rules_files (if `rules` is not given; its paths are
//!                                 # taken as Falco takes them), priority, rule_matching,
//!                                 # `rules:` commands, alert shape, append_output and
//!                                 # static_fields; the keys here win
//! falco_options: [json_output=true] # optional: `falco -o KEY=VALUE` settings of the
//!                                 # falco_config, in order
//! rule_matching: first            # first (default) | all
//! min_priority: debug             # rules less severe are not loaded (default: debug)
//! tags: [container]               # only rules with one of these tags run (falco -t)
//! skip_tags: [maturity_sandbox]   # rules with one of these tags do not run (falco -T)
//! since: +2s                      # optional time window, as `rtsec replay --since/--until`:
//! until: 2026-11-29T19:50:44Z     # RFC 3339, @SECONDS, or +DURATION from each trace's start
//! allow_incomplete: false         # pass even if a trace has drops or is truncated
//! expect:
//!   counts:                       # hits per rule; rules not named are not checked...
//!     Sensitive file read: 1
//!   hits:                         # ...specific hits, each matching a different actual hit
//!     - rule: Sensitive file read
//!       trace: ../../scenarios/sensitive-read/trace.rts  # optional, as written in traces
//!       event: 1234               # optional evt.num
//!       time: 2026-11-29T19:50:43.123456789Z            # optional (or ns since the epoch)
//!       fields: {proc.name: cat, fd.name: /etc/shadow}   # optional output_fields values
//!   no_other_hits: true           # ...unless this is set: then every hit must be expected
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rtsec_rules::{AlertFormat, OutputValue, Priority, RuleCommand, RuleMatching, TagSelection};
use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::ReplayError;

/// A parsed case file.
#[derive(Clone, Debug)]
pub struct Case {
    pub path: PathBuf,
    pub description: Option<String>,
    /// As written in the file, and resolved against the file's directory.
    pub traces: Vec<(String, PathBuf)>,
    /// Rules files resolved against the file's directory (`<bundled>` kept as is).
    pub rules: Vec<PathBuf>,
    pub rule_matching: RuleMatching,
    pub min_priority: Priority,
    /// Rules selected by tag (`tags`, `skip_tags`).
    pub tags: TagSelection,
    /// The `falco_config`'s `rules:` commands and alert shape (none and Falco's defaults
    /// without one).
    pub commands: Vec<RuleCommand>,
    pub format: AlertFormat,
    /// The `falco_config`'s `append_output` and `static_fields` (Falco's defaults without one).
    pub load_options: rtsec_rules::LoadOptions,
    /// What the `falco_config` sets that is not applied, or leaves out.
    pub notes: Vec<String>,
    pub allow_incomplete: bool,
    /// Only the events of this window are judged (`since`, `until`).
    pub window: crate::window::TimeWindow,
    pub expect: Expect,
    /// Whether the file has an `expect:` section (`--update` adds one if not).
    pub has_expect: bool,
}

/// What a case expects.
#[derive(Clone, Debug, Default)]
pub struct Expect {
    /// Hits per rule name, in file order.
    pub counts: Vec<(String, u64)>,
    pub hits: Vec<ExpectedHit>,
    pub no_other_hits: bool,
}

impl Expect {
    /// Whether nothing is expected: no counts (a 0 count is an expectation), no hits, and
    /// other hits allowed. Such a case passes whatever the rules do.
    pub fn is_nothing(&self) -> bool {
        self.counts.is_empty() && self.hits.is_empty() && !self.no_other_hits
    }
}

/// A hit that must be among the actual ones.
#[derive(Clone, Debug, Default)]
pub struct ExpectedHit {
    pub rule: String,
    pub trace: Option<String>,
    pub event: Option<u64>,
    pub time: Option<TimeSpec>,
    pub fields: Vec<(String, FieldValue)>,
    /// Line of the entry in the case file.
    pub line: usize,
}

/// An expected time: ns since the epoch, or Falco's JSON `time` text.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum TimeSpec {
    Ns(u64),
    Iso(String),
}

/// Whether `name` names a field, as an alert's output fields name it: `proc.name`,
/// `proc.aname[2]`, `evt.arg.fd`, `container.label.app`, `static.env`, or one of Falco's that
/// rtsec does not evaluate.
fn is_a_field(name: &str) -> bool {
    let base = name.split('[').next().unwrap_or(name);
    name.starts_with("static.")
        || rtsec_rules::is_field(name)
        || rtsec_rules::unsupported_fields().any(|(n, _)| n == base)
}

impl TimeSpec {
    /// The time in ns since the epoch: an `Iso` text is any RFC 3339 time (Falco's JSON
    /// `time`, another offset or fraction), else an error saying what is wanted.
    pub fn ns(&self) -> Result<u64, String> {
        let text = match self {
            TimeSpec::Ns(n) => return Ok(*n),
            TimeSpec::Iso(s) => s,
        };
        match text.parse::<crate::window::TimeBound>() {
            Ok(crate::window::TimeBound::At(ns)) if !text.trim().starts_with("now") => Ok(ns),
            _ => Err(format!(
                "time `{text}` is not a time: write Falco's JSON `time` \
                 (2026-11-30T06:00:00.123456789Z) or ns since the epoch"
            )),
        }
    }
}

/// An expected field value.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Str(String),
    Null(()),
}

impl FieldValue {
    /// True if the actual value is this one. Numbers also match their text and text also
    /// matches a number printed the same way (YAML may or may not quote `80`); `null` matches a
    /// missing value.
    pub fn matches(&self, v: &OutputValue) -> bool {
        match (self, v) {
            (FieldValue::Null(()), OutputValue::Null) => true,
            (FieldValue::Bool(a), OutputValue::Bool(b)) => a == b,
            (FieldValue::Str(a), b) => b.to_text().as_deref() == Some(a.as_str()),
            (FieldValue::Int(a), b) => b.to_text() == Some(a.to_string()),
            (FieldValue::UInt(a), b) => b.to_text() == Some(a.to_string()),
            _ => false,
        }
    }

    /// The value as YAML.
    pub fn to_yaml(&self) -> String {
        match self {
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Int(x) => x.to_string(),
            FieldValue::UInt(x) => x.to_string(),
            FieldValue::Str(s) => yaml_string(s),
            FieldValue::Null(()) => "null".into(),
        }
    }
}

/// Text of a value as rule outputs print it (`None` for a missing value).
pub(crate) trait ValueText {
    fn to_text(&self) -> Option<String>;
}

impl ValueText for OutputValue {
    fn to_text(&self) -> Option<String> {
        match self {
            OutputValue::Null => None,
            OutputValue::String(s) => Some(s.clone()),
            OutputValue::Int(x) => Some(x.to_string()),
            OutputValue::UInt(x) => Some(x.to_string()),
            OutputValue::Bool(b) => Some(b.to_string()),
        }
    }
}

/// The traces as written and resolved against the case file's directory `dir`; a directory
/// stands for the traces and captures below it (as `rtsec replay DIR` takes them: recursively,
/// sorted), each written as the directory's name joined with its path inside. A directory
/// with none stays as it is, for the run to report.
fn expand_directories(written: &[String], dir: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    for t in written {
        let resolved = dir.join(t);
        if !resolved.is_dir() {
            out.push((t.clone(), resolved));
            continue;
        }
        let found: Vec<PathBuf> = crate::inputs::expand(std::slice::from_ref(&resolved))
            .into_iter()
            .filter(|i| i.problem.is_none())
            .map(|i| i.path)
            .collect();
        for path in &found {
            let inside = path.strip_prefix(&resolved).unwrap_or(path);
            let name = Path::new(t.as_str()).join(inside);
            out.push((name.to_string_lossy().into_owned(), path.clone()));
        }
        if found.is_empty() {
            out.push((t.clone(), resolved));
        }
    }
    out
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
pub(crate) fn yaml_string(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"))
}

/// A list of paths, or one path written without brackets (`traces: t.rts`).
struct Paths(Vec<String>);

impl Paths {
    fn into_vec(self) -> Vec<String> {
        self.0
    }
}

impl<'de> Deserialize<'de> for Paths {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Paths;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a path or a list of paths")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Paths, E> {
                Ok(Paths(vec![v.to_string()]))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Paths, A::Error> {
                let mut v = Vec::new();
                while let Some(p) = seq.next_element::<String>()? {
                    v.push(p);
                }
                Ok(Paths(v))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    #[serde(default)]
    description: Option<String>,
    traces: Paths,
    #[serde(default)]
    rules: Option<Paths>,
    #[serde(default)]
    falco_config: Option<Spanned<String>>,
    #[serde(default)]
    falco_options: Vec<Spanned<String>>,
    #[serde(default)]
    rule_matching: Option<Spanned<String>>,
    #[serde(default)]
    min_priority: Option<Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    skip_tags: Vec<String>,
    #[serde(default)]
    allow_incomplete: bool,
    #[serde(default)]
    since: Option<Spanned<String>>,
    #[serde(default)]
    until: Option<Spanned<String>>,
    #[serde(default)]
    expect: Option<RawExpect>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawExpect {
    #[serde(default)]
    counts: BTreeMap<String, HitCount>,
    #[serde(default)]
    hits: Vec<Spanned<RawHit>>,
    #[serde(default)]
    no_other_hits: bool,
}

/// An expected hit count: `-1` or `two` get a message saying what is wanted, not "invalid u64".
struct HitCount(u64);

impl<'de> Deserialize<'de> for HitCount {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = HitCount;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a hit count: a whole number, 0 or more")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<HitCount, E> {
                Ok(HitCount(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<HitCount, E> {
                u64::try_from(v)
                    .map(HitCount)
                    .map_err(|_| E::custom(format!("a hit count is 0 or more, not {v}")))
            }
        }
        d.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHit {
    rule: String,
    #[serde(default)]
    trace: Option<String>,
    #[serde(default)]
    event: Option<u64>,
    #[serde(default)]
    time: Option<TimeSpec>,
    #[serde(default)]
    fields: BTreeMap<String, FieldValue>,
}

impl Case {
    /// Reads and checks a case file.
    pub fn load(path: &Path) -> Result<Case, ReplayError> {
        let text = std::fs::read_to_string(path).map_err(|e| ReplayError::io(path, e))?;
        Case::parse(path, &text)
    }

    /// Parses case text; `path` names it in errors and anchors relative paths.
    pub fn parse(path: &Path, text: &str) -> Result<Case, ReplayError> {
        let err = |line: usize, column: usize, message: String| ReplayError::Case {
            path: path.to_path_buf(),
            line,
            column,
            message,
        };
        let blank = |l: &str| l.trim().is_empty() || l.trim_start().starts_with('#');
        if text.lines().all(blank) {
            return Err(err(
                1,
                1,
                "the case file is empty: it needs `traces:` and `expect:` (see \
                 testdata/cases/README.md; `rtsec test --update` fills in `expect:`)"
                    .into(),
            ));
        }
        let raw: RawCase = serde_saphyr::from_str(text).map_err(|e| {
            let (l, c) = e
                .location()
                .map_or((1, 1), |l| (l.line() as usize, l.column() as usize));
            err(
                l,
                c,
                rtsec_rules::yaml_message(&e.without_snippet().to_string()),
            )
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let raw_traces = raw.traces.into_vec();
        // `rules: []` is not "the bundled rules" (leaving it out is): it names no file.
        let raw_rules = match raw.rules.map(Paths::into_vec) {
            Some(v) if v.is_empty() => {
                return Err(err(
                    line_of(text, "rules:"),
                    1,
                    "`rules` is empty: name the rules files (relative to this file), or leave \
                     `rules` out for the bundled rules (or the falco_config's)"
                        .into(),
                ));
            }
            v => v.unwrap_or_default(),
        };
        if raw_traces.is_empty() {
            return Err(err(
                line_of(text, "traces:"),
                1,
                "`traces` is empty: name at least one trace (relative to this file)".into(),
            ));
        }
        let options: Vec<String> = raw.falco_options.iter().map(|o| o.value.clone()).collect();
        let config = match &raw.falco_config {
            None => match raw.falco_options.first() {
                None => crate::falco_config::FalcoConfig::default(),
                // Without a falco_config: the options over Falco's defaults, as `-o` alone.
                Some(first) => {
                    crate::falco_config::FalcoConfig::from_options(&options).map_err(|e| {
                        err(
                            first.referenced.line() as usize,
                            first.referenced.column() as usize,
                            format!("falco_options: {e}"),
                        )
                    })?
                }
            },
            Some(s) => {
                let path = dir.join(&s.value);
                crate::falco_config::FalcoConfig::load_with(&path, &options).map_err(|e| {
                    err(
                        s.referenced.line() as usize,
                        s.referenced.column() as usize,
                        format!("falco_config: {e}"),
                    )
                })?
            }
        };
        let rule_matching = match &raw.rule_matching {
            None => config.rule_matching.unwrap_or_default(),
            Some(s) => match s.value.as_str() {
                "first" => RuleMatching::First,
                "all" => RuleMatching::All,
                other => {
                    return Err(err(
                        s.referenced.line() as usize,
                        s.referenced.column() as usize,
                        format!("rule_matching must be `first` or `all`, not `{other}`"),
                    ));
                }
            },
        };
        let min_priority = match &raw.min_priority {
            None => config.priority.unwrap_or(Priority::Debug),
            Some(s) => Priority::parse(&s.value).ok_or_else(|| {
                err(
                    s.referenced.line() as usize,
                    s.referenced.column() as usize,
                    format!(
                        "unknown min_priority `{}` (one of: emergency, alert, critical, error, \
                         warning, notice, informational, debug)",
                        s.value
                    ),
                )
            })?,
        };
        let bound = |b: &Option<Spanned<String>>, key: &str| match b {
            None => Ok(None),
            Some(s) => s
                .value
                .parse::<crate::window::TimeBound>()
                .map(Some)
                .map_err(|e| {
                    err(
                        s.referenced.line() as usize,
                        s.referenced.column() as usize,
                        format!("{key}: {e}"),
                    )
                }),
        };
        let window = crate::window::TimeWindow {
            since: bound(&raw.since, "since")?,
            until: bound(&raw.until, "until")?,
        };
        // Its counts of 0 would pass without judging an event.
        if let (Some(_), Some(s), Some(u)) = (window.inverted(), &raw.since, &raw.until) {
            return Err(err(
                s.referenced.line() as usize,
                s.referenced.column() as usize,
                format!(
                    "since `{}` is after until `{}`: no event can be in that window (fix one \
                     of them)",
                    s.value, u.value
                ),
            ));
        }
        let has_expect = raw.expect.is_some();
        let rx = raw.expect.unwrap_or_default();
        let hits = rx
            .hits
            .into_iter()
            .map(|h| ExpectedHit {
                line: h.referenced.line() as usize,
                rule: h.value.rule,
                trace: h.value.trace,
                event: h.value.event,
                time: h.value.time,
                fields: h.value.fields.into_iter().collect(),
            })
            .collect::<Vec<_>>();
        let traces = expand_directories(&raw_traces, dir);
        for h in &hits {
            if let Some(Err(e)) = h.time.as_ref().map(TimeSpec::ns) {
                return Err(err(h.line, 1, format!("expected hit: {e}")));
            }
            // falco.yaml's `append_output` may add output fields of any name.
            let extra = |k: &str| {
                config
                    .append_output
                    .iter()
                    .flatten()
                    .any(|a| a.extra_fields.iter().any(|f| f.key() == k))
            };
            if let Some((k, _)) = h.fields.iter().find(|(k, _)| !is_a_field(k) && !extra(k)) {
                return Err(err(
                    h.line,
                    1,
                    format!(
                        "expected hit: `{k}` is not a field (`rtsec fields` lists them; an \
                         output field is named as the rule's output writes it) nor an \
                         `extra_fields` key of the falco_config"
                    ),
                ));
            }
            if let Some(t) = &h.trace
                && !traces.iter().any(|(written, _)| written == t)
            {
                return Err(err(
                    h.line,
                    1,
                    format!("expected hit names trace `{t}`, which is not in `traces`"),
                ));
            }
        }
        // Keep the counts in file order (the map sorted them): order by first appearance.
        let mut counts: Vec<(String, u64)> = rx.counts.into_iter().map(|(r, c)| (r, c.0)).collect();
        counts.sort_by_key(|(rule, _)| find_key(text, rule));
        let load_options = config.load_options();
        Ok(Case {
            path: path.to_path_buf(),
            description: raw.description,
            traces,
            rules: if raw_rules.is_empty()
                && let Some(files) = &config.rules_files
            {
                files.clone()
            } else {
                raw_rules
                    .iter()
                    .map(|r| {
                        if r == crate::rules::BUNDLED {
                            PathBuf::from(r)
                        } else {
                            dir.join(r)
                        }
                    })
                    .collect()
            },
            rule_matching,
            min_priority,
            tags: TagSelection {
                only: raw.tags,
                skip: raw.skip_tags,
            },
            commands: config.commands,
            format: config.format,
            load_options,
            notes: config.notes,
            allow_incomplete: raw.allow_incomplete,
            window,
            expect: Expect {
                counts,
                hits,
                no_other_hits: rx.no_other_hits,
            },
            has_expect,
        })
    }
}

/// 1-based line of the first line starting with `prefix` (1 if none).
fn line_of(text: &str, prefix: &str) -> usize {
    text.lines()
        .position(|l| l.trim_start().starts_with(prefix))
        .map_or(1, |i| i + 1)
}

/// Where a counts key first appears in the text (for file order).
fn find_key(text: &str, key: &str) -> usize {
    [
        format!("{key}:"),
        yaml_string(key) + ":",
        format!("'{}':", key.replace('\'', "''")),
    ]
    .iter()
    .filter_map(|k| text.find(k.as_str()))
    .min()
    .unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CASE: &str = r#"
description: demo
traces: [a.rts, sub/b.rts]
rules: ['<bundled>', extra.yaml]
rule_matching: all
min_priority: warning
expect:
  counts:
    Zeta rule: 2
    "Alpha: rule": 0
  hits:
    - rule: Zeta rule
      trace: a.rts
      event: 12
      time: 2026-01-01T00:00:00.000000001Z
      fields: {proc.name: cat, fd.num: 3, evt.failed: false, proc.pname: null}
  no_other_hits: true
"#;

    #[test]
    fn parses_every_key_and_resolves_paths() {
        let c = Case::parse(Path::new("cases/x.case.yaml"), CASE).unwrap();
        assert_eq!(c.traces[1].1, PathBuf::from("cases/sub/b.rts"));
        assert_eq!(c.rules[0], PathBuf::from("<bundled>"));
        assert_eq!(c.rules[1], PathBuf::from("cases/extra.yaml"));
        assert_eq!(c.rule_matching, RuleMatching::All);
        assert_eq!(c.min_priority, Priority::Warning);
        // File order, not sorted order.
        assert_eq!(c.expect.counts[0], ("Zeta rule".to_string(), 2));
        assert_eq!(c.expect.counts[1], ("Alpha: rule".to_string(), 0));
        let h = &c.expect.hits[0];
        assert_eq!(h.line, 12);
        assert_eq!(h.event, Some(12));
        assert_eq!(
            h.time,
            Some(TimeSpec::Iso("2026-01-01T00:00:00.000000001Z".into()))
        );
        let f: BTreeMap<_, _> = h.fields.iter().cloned().collect();
        assert!(f["proc.name"].matches(&OutputValue::String("cat".into())));
        assert!(f["fd.num"].matches(&OutputValue::Int(3)));
        assert!(f["evt.failed"].matches(&OutputValue::Bool(false)));
        assert!(f["proc.pname"].matches(&OutputValue::Null));
        assert!(!f["proc.name"].matches(&OutputValue::Null));
        assert!(c.expect.no_other_hits);
    }

    #[test]
    fn mistakes_name_the_line_and_what_to_do() {
        let e = Case::parse(Path::new("c.yaml"), "traces: [a.rts]\nrule_matchng: all\n")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("c.yaml:2:"), "{e}");
        assert!(e.contains("rule_matchng"), "{e}");
        let e = Case::parse(
            Path::new("c.yaml"),
            "traces: [a.rts]\nrule_matching: some\n",
        )
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("c.yaml:2:") && e.contains("`first` or `all`"),
            "{e}"
        );
        let e = Case::parse(Path::new("c.yaml"), "traces: []\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("`traces` is empty"), "{e}");
        let e = Case::parse(
            Path::new("c.yaml"),
            "traces: [a.rts]\nexpect:\n  hits:\n    - rule: r\n      trace: b.rts\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("c.yaml:4:") && e.contains("`b.rts`"), "{e}");
        for text in ["", "\n# only a comment\n"] {
            let e = Case::parse(Path::new("c.yaml"), text)
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("c.yaml:1:1: the case file is empty"), "{e}");
        }
        let count = |c: &str| {
            Case::parse(
                Path::new("c.yaml"),
                &format!("traces: [a.rts]\nexpect:\n  counts:\n    r: {c}\n"),
            )
            .map(|c| c.expect.counts[0].1)
            .map_err(|e| e.to_string())
        };
        assert_eq!(count("3"), Ok(3));
        let e = count("-1").unwrap_err();
        assert!(
            e.contains("c.yaml:4:") && e.contains("0 or more, not -1"),
            "{e}"
        );
        let e = count("two").unwrap_err();
        assert!(
            e.contains("c.yaml:4:") && e.contains("a whole number, 0 or more"),
            "{e}"
        );
    }

    /// What a hit can never match is refused at its line, not reported as a failed match:
    /// a time that is not one, a field that does not exist. `rules: []` names no file (it
    /// ran the bundled rules); a single path may be written without brackets.
    #[test]
    fn expectations_that_cannot_match_are_refused() {
        let hit = |line: &str| {
            Case::parse(
                Path::new("c.yaml"),
                &format!("traces: [a.rts]\nexpect:\n  hits:\n    - rule: r\n      {line}\n"),
            )
            .map_err(|e| e.to_string())
        };
        let e = hit("time: yesterday").unwrap_err();
        assert!(
            e.contains("c.yaml:4:") && e.contains("time `yesterday` is not a time"),
            "{e}"
        );
        let e = hit("fields: {nosuch.field: x}").unwrap_err();
        assert!(
            e.contains("c.yaml:4:") && e.contains("`nosuch.field` is not a field"),
            "{e}"
        );
        for ok in [
            "time: 2026-01-01T00:00:00.000000001Z",
            "time: 2026-01-01T01:00:00.000000001+01:00",
            "time: 1767225600000000001",
            "fields: {\"proc.aname[2]\": a, evt.arg.fd: 3, container.label.app: x, static.env: y}",
            "fields: {proc.nthreads: 1}",
        ] {
            let c = hit(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            if let Some(t) = &c.expect.hits[0].time {
                assert_eq!(t.ns(), Ok(1_767_225_600_000_000_001), "{ok}");
            }
        }
        let e = Case::parse(Path::new("c.yaml"), "traces: [a.rts]\nrules: []\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.yaml:2:1") && e.contains("`rules` is empty"),
            "{e}"
        );
        let c = Case::parse(Path::new("c.yaml"), "traces: a.rts\nrules: r.yaml\n").unwrap();
        assert_eq!(c.traces, [("a.rts".to_string(), PathBuf::from("a.rts"))]);
        assert_eq!(c.rules, [PathBuf::from("r.yaml")]);
        let e = Case::parse(Path::new("c.yaml"), "traces: {a: 1}\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("c.yaml:1:") && e.contains("a path or a list of paths"),
            "{e}"
        );
    }

    /// A directory in `traces` stands for its traces and captures (recursively, sorted, as
    /// `rtsec replay DIR`), each named by the directory joined with its path inside, and an
    /// expected hit may name one of them; one with none stays, for the run to report.
    #[test]
    fn a_directory_of_traces_stands_for_the_traces_in_it() {
        let tmp = tempfile::tempdir().unwrap();
        let recs = tmp.path().join("recs");
        std::fs::create_dir_all(recs.join("sub")).unwrap();
        std::fs::create_dir_all(tmp.path().join("none")).unwrap();
        for f in ["b.rts", "a.scap", "notes.txt", "sub/c.rts"] {
            std::fs::write(recs.join(f), b"").unwrap();
        }
        let case = tmp.path().join("c.case.yaml");
        let text = "traces: [recs/, none]\nexpect:\n  hits:\n    - rule: r\n      \
                    trace: recs/sub/c.rts\n";
        let c = Case::parse(&case, text).unwrap();
        let written: Vec<&str> = c.traces.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(
            written,
            ["recs/a.scap", "recs/b.rts", "recs/sub/c.rts", "none"]
        );
        assert_eq!(c.traces[2].1, recs.join("sub/c.rts"));
        assert_eq!(c.traces[3].1, tmp.path().join("none"));
        let e = Case::parse(&case, &text.replace("recs/sub/c.rts", "recs/d.rts"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("names trace `recs/d.rts`, which is not in `traces`"),
            "{e}"
        );
    }
}
