//! falco.yaml's `append_output`, read as Falco's `configuration.cpp` reads it; the formats and
//! fields it names (static fields too) are checked here, so that a bad one is reported against
//! this file.

use rtsec_rules::{AppendOutput, ExtraField, StaticFields};
use serde_json::Value;

use super::{flag, strings};

/// `append_output`: a list of entries with `match` (`source`, `tags`, `rule`),
/// `extra_output`, `extra_fields` (`- key: format` or `- field.name`) and `suggested_output`.
/// Formats and fields are checked here, so that a bad one names this file.
pub(super) fn append_output(
    v: &Value,
    statics: &StaticFields,
) -> Result<Vec<AppendOutput>, String> {
    let Some(items) = v.as_array() else {
        return Err(
            "expected a list of entries (match, extra_output, extra_fields, \
                    suggested_output)"
                .into(),
        );
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let Some(m) = item.as_object() else {
            return Err(format!("entry {n}: expected a map"));
        };
        let text = |key: &str, v: &Value| {
            scalar_text(v).ok_or_else(|| format!("entry {n}: `{key}`: expected a string"))
        };
        let mut e = AppendOutput::default();
        for (key, v) in m {
            match key.as_str() {
                "match" => {
                    let Some(cond) = v.as_object() else {
                        return Err(format!("entry {n}: `match`: expected a map"));
                    };
                    for (k, v) in cond {
                        match k.as_str() {
                            "source" => e.source = Some(text("match.source", v)?),
                            "rule" => e.rule = Some(text("match.rule", v)?),
                            "tags" => {
                                e.tags = strings(v).ok_or_else(|| {
                                    format!("entry {n}: `match.tags`: expected a list of tags")
                                })?
                            }
                            other => {
                                return Err(format!(
                                    "entry {n}: `match.{other}`: expected source, tags or rule"
                                ));
                            }
                        }
                    }
                }
                "extra_output" => {
                    e.extra_output = text(key, v)?;
                    rtsec_rules::check_format(&e.extra_output, statics)
                        .map_err(|m| format!("entry {n}: `extra_output`: {m}"))?;
                }
                "suggested_output" => {
                    e.suggested_output = flag(v).ok_or_else(|| {
                        format!("entry {n}: `suggested_output`: expected true or false")
                    })?
                }
                "extra_fields" => e.extra_fields = extra_fields(v, n, statics)?,
                other => {
                    return Err(format!(
                        "entry {n}: `{other}`: expected match, extra_output, extra_fields or \
                         suggested_output"
                    ));
                }
            }
        }
        out.push(e);
    }
    Ok(out)
}

/// An entry's `extra_fields`.
fn extra_fields(v: &Value, n: usize, statics: &StaticFields) -> Result<Vec<ExtraField>, String> {
    let Some(items) = v.as_array() else {
        return Err(format!(
            "entry {n}: `extra_fields`: expected a list of `name: format` or field names"
        ));
    };
    let mut fields: Vec<ExtraField> = Vec::with_capacity(items.len());
    for item in items {
        let field = match item {
            Value::String(name) => {
                rtsec_rules::check_field(name, statics)
                    .map_err(|m| format!("entry {n}: `extra_fields`: {m}"))?;
                ExtraField::Raw(name.clone())
            }
            Value::Object(m) if m.len() == 1 => {
                let (key, v) = m.iter().next().expect("one entry");
                let format = scalar_text(v).ok_or_else(|| {
                    format!("entry {n}: `extra_fields`: `{key}`: expected a format string")
                })?;
                rtsec_rules::check_format(&format, statics)
                    .map_err(|m| format!("entry {n}: `extra_fields`: `{key}`: {m}"))?;
                ExtraField::Formatted {
                    key: key.clone(),
                    format,
                }
            }
            _ => {
                return Err(format!(
                    "entry {n}: `extra_fields`: expected `name: format` or a field name"
                ));
            }
        };
        // As Falco: a key given twice in one entry is an error.
        if fields.iter().any(|f| f.key() == field.key()) {
            return Err(format!(
                "entry {n}: `extra_fields`: `{}` is given twice",
                field.key()
            ));
        }
        fields.push(field);
    }
    Ok(fields)
}

/// A YAML scalar as text (yaml-cpp reads `5` or `true` as a string where one is asked for).
pub(super) fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(x) => Some(x.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}
