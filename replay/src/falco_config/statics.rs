//! falco.yaml's `static_fields` (Falco ≥ 0.41): names and values of the `static.NAME` fields
//! that rules' conditions and outputs may use, read as text as Falco's
//! `get_scalar<std::map<std::string, std::string>>` reads them.

use rtsec_rules::StaticFields;
use serde_json::Value;

use super::append::scalar_text;

/// `static_fields`: a map of names to text values (`${VAR}` already expanded). A name must
/// be one that conditions can write after `static.`: words of letters, digits and `_`, each
/// starting with a letter, joined by dots. Falco takes any name; rtsec refuses one that no
/// rule could write (`my-cluster`), rather than add a field nothing can name to every
/// suggested output.
///
/// A plain YAML number that is not an integer is read as a number, whose text may differ from
/// what was written (`1.10` reads `1.1`); a note says so.
pub(super) fn static_fields(v: &Value, notes: &mut Vec<String>) -> Result<StaticFields, String> {
    let m = match v {
        Value::Null => return Ok(StaticFields::new()),
        Value::Object(m) => m,
        _ => return Err("expected a map of names to values".into()),
    };
    let word = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_alphabetic())
            && w.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let mut statics = StaticFields::new();
    for (name, v) in m {
        if !name.split('.').all(word) {
            return Err(format!(
                "`{name}` cannot be a field name: use words of letters, digits and `_`, each \
                 starting with a letter, joined by dots (`static.{name}` is what rules write)"
            ));
        }
        let value = scalar_text(v).ok_or_else(|| format!("`{name}`: expected a text value"))?;
        if v.as_number().is_some_and(|n| n.is_f64()) {
            notes.push(format!(
                "`static_fields.{name}` is a plain YAML number, read as `{value}`: if it was \
                 written otherwise (`1.10`, `1e3`), quote it; Falco keeps the text as written"
            ));
        }
        statics.insert(name.clone(), value);
    }
    Ok(statics)
}
