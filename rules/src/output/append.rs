//! Falco's `append_output` (falco.yaml): what is added to the alerts of the rules an entry
//! matches. `extra_output` and `suggested_output` extend the output text (and so its
//! `output_fields`), `extra_fields` adds `output_fields` entries that only JSON alerts show.
//! Falco applies them when it compiles the rules (`rule_loader_compiler.cpp`); so does
//! [`crate::load_with`].

use std::collections::BTreeSet;
use std::fmt::Write;

use super::{Format, SUGGESTED_SUFFIX};
use crate::fields::{STATIC_PREFIX, StaticFields};

/// One `append_output` entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppendOutput {
    /// `match.source`: only rules of this source.
    pub source: Option<String>,
    /// `match.tags`: only rules that have every one of these tags.
    pub tags: Vec<String>,
    /// `match.rule`: only the rule of this name.
    pub rule: Option<String>,
    /// `extra_output`: appended to the output after a space (empty: nothing).
    pub extra_output: String,
    /// `suggested_output`: the fields the container plugin suggests (container and k8s).
    pub suggested_output: bool,
    /// `extra_fields`, in order (a later entry's key replaces an earlier one's).
    pub extra_fields: Vec<ExtraField>,
}

/// An `extra_fields` item: an `output_fields` entry of JSON alerts, not shown in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExtraField {
    /// `- key: "format"`: the format rendered as rule outputs are (`${VAR}` already expanded).
    Formatted { key: String, format: String },
    /// `- field.name`: the field's value, typed as the other `output_fields` are.
    Raw(String),
}

impl ExtraField {
    pub fn key(&self) -> &str {
        match self {
            ExtraField::Formatted { key, .. } | ExtraField::Raw(key) => key,
        }
    }
}

impl AppendOutput {
    /// What Falco's default falco.yaml appends: `- suggested_output: true`.
    pub fn falco_default() -> Vec<AppendOutput> {
        vec![AppendOutput {
            suggested_output: true,
            ..AppendOutput::default()
        }]
    }

    /// Whether the entry applies to the rule `name` of `source` with `tags`.
    pub(crate) fn matches(&self, name: &str, source: &str, tags: &BTreeSet<String>) -> bool {
        self.source.as_deref().is_none_or(|s| s == source)
            && self.rule.as_deref().is_none_or(|r| r == name)
            && self.tags.iter().all(|t| tags.contains(t))
    }
}

/// What the entries of `append` that match a rule add to its `output`: the output text, and
/// the extra fields by key (the last entry's wins, as in Falco's map). `statics` are suggested
/// output too: libsinsp flags every static field so, and Falco lists them before the
/// container plugin's fields (its filterchecks are added first), in name order.
pub(crate) fn apply<'a>(
    append: &'a [AppendOutput],
    statics: &StaticFields,
    name: &str,
    source: &str,
    tags: &BTreeSet<String>,
    output: &mut String,
) -> Vec<&'a ExtraField> {
    let mut extras: Vec<&ExtraField> = Vec::new();
    for a in append.iter().filter(|a| a.matches(name, source, tags)) {
        if !a.extra_output.is_empty() {
            output.push(' ');
            output.push_str(&a.extra_output);
        }
        if a.suggested_output {
            for key in statics.keys() {
                // `static.a.b` shows as `static_a_b=`, as Falco's `format_suggested_field`.
                let shown = format!("{STATIC_PREFIX}{key}").replace('.', "_");
                write!(output, " {shown}=%{STATIC_PREFIX}{key}").expect("writing to a String");
            }
            output.push_str(SUGGESTED_SUFFIX);
        }
        for f in &a.extra_fields {
            extras.retain(|e| e.key() != f.key());
            extras.push(f);
        }
    }
    extras
}

/// Checks an `extra_output` or an `extra_fields` format as rule outputs are checked, with
/// the `static.NAME` fields of `statics`: the error says which token is wrong.
pub fn check_format(format: &str, statics: &StaticFields) -> Result<(), String> {
    Format::compile_with(format, &[], statics)
        .map(drop)
        .map_err(|e| e.message)
}

/// Checks a raw `extra_fields` item: a field that rule outputs can show.
pub fn check_field(field: &str, statics: &StaticFields) -> Result<(), String> {
    super::raw_field(field, statics).map(drop)
}
