//! Reading a fixed list of Falco fields from events (the Parquet columns of hits and exports).
//!
//! The values come from the rules engine's own output formatting: a one-rule set whose output
//! names the fields, rendered with [`Engine::alert`]. So a column holds exactly what a rule
//! output or Falco's `output_fields` would show for that field (`container.id` is `host` on
//! the host, `user.name` of an unknown uid is `<NA>`, a missing value is null), and rtsec has
//! one definition of every field, in `rtsec-rules`.

use rtsec_format::EventView;
use rtsec_rules::{
    AlertBuf, Engine, EngineOptions, FieldValue, OutputValue, Priority, RuleId, RuleSource, Scratch,
};

use crate::error::ReplayError;

/// Name of the internal rule whose output lists the fields.
const RULE_NAME: &str = "rtsec-replay field reader";

/// Reads the values of a fixed list of fields.
#[derive(Debug)]
pub struct FieldReader {
    engine: Engine,
    rule: RuleId,
    fields: Vec<String>,
    /// Per field, its position in the rendered `output_fields` (sorted by key).
    order: Vec<usize>,
}

impl FieldReader {
    /// A reader of `fields` (Falco names, e.g. `proc.name`, `proc.aname[2]`).
    pub fn new(fields: &[&str]) -> Result<FieldReader, ReplayError> {
        let output: Vec<String> = fields.iter().map(|f| format!("%{f}")).collect();
        let text = format!(
            "- rule: {RULE_NAME}\n  desc: reads fields for Parquet columns\n  \
             condition: evt.num > 0\n  output: \"{}\"\n  priority: DEBUG\n",
            output.join(" ")
        );
        let set = rtsec_rules::load(&[RuleSource::new("<rtsec-replay fields>", text)])
            .map_err(|e| ReplayError::Rules(format!("internal field list: {}", e.error)))?;
        let engine = Engine::new(
            &set,
            EngineOptions {
                min_priority: Priority::Debug,
                ..Default::default()
            },
        );
        let rule = *engine
            .enabled()
            .first()
            .ok_or_else(|| ReplayError::Rules("internal field list compiled no rule".into()))?;
        let keys: Vec<&str> = engine.output_keys(rule).collect();
        let order = fields
            .iter()
            .map(|f| keys.iter().position(|k| k == f).unwrap_or(usize::MAX))
            .collect();
        Ok(FieldReader {
            engine,
            rule,
            fields: fields.iter().map(|f| f.to_string()).collect(),
            order,
        })
    }

    /// Renders the fields' values for `ev` into `buf` (read them with
    /// [`FieldReader::values`]): [`FieldReader::read`] without an allocation per event.
    pub fn render(&self, ev: &EventView<'_>, scratch: &mut Scratch, buf: &mut AlertBuf) {
        self.engine.render(self.rule, ev, scratch, buf);
    }

    /// The values of a [`FieldReader::render`], in [`FieldReader::fields`] order.
    pub fn values<'a>(&'a self, buf: &'a AlertBuf) -> impl Iterator<Item = FieldValue<'a>> + 'a {
        self.order
            .iter()
            .map(move |&i| buf.field(i).map_or(FieldValue::Null, |(_, v)| v))
    }

    /// The fields, in the order [`FieldReader::read`] gives their values.
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// Replaces `out` with the values of the fields for `ev`, in [`FieldReader::fields`] order.
    pub fn read(&self, ev: &EventView<'_>, scratch: &mut Scratch, out: &mut Vec<OutputValue>) {
        let mut alert = self.engine.alert(self.rule, ev, scratch);
        out.clear();
        // `output_fields` is sorted by key with one entry per field.
        for f in &self.fields {
            let v = match alert
                .output_fields
                .binary_search_by(|(k, _)| k.as_str().cmp(f))
            {
                Ok(i) => std::mem::replace(&mut alert.output_fields[i].1, OutputValue::Null),
                Err(_) => OutputValue::Null,
            };
            out.push(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_typed_values_in_the_order_asked() {
        let r = FieldReader::new(&["proc.pid", "evt.type", "container.id", "fd.name"]).unwrap();
        let block = rtsec_format::synth::block(50, 3);
        let mut scratch = Scratch::new();
        let mut v = Vec::new();
        let ev = block.events().next().unwrap();
        r.read(&ev, &mut scratch, &mut v);
        assert_eq!(v.len(), 4);
        let p = ev.process().unwrap();
        assert_eq!(v[0], OutputValue::Int(p.pid));
        assert_eq!(
            v[1],
            OutputValue::String(rtsec_rules::event_type(&ev).into())
        );
        assert!(matches!(v[2], OutputValue::String(_)));
    }

    #[test]
    fn rendered_values_are_the_values_read() {
        let r = FieldReader::new(&crate::hits::HIT_EVENT_FIELDS).unwrap();
        let block = rtsec_format::synth::block(2000, 5);
        let mut scratch = Scratch::new();
        let mut buf = AlertBuf::new();
        let mut v = Vec::new();
        for ev in block.events() {
            r.read(&ev, &mut scratch, &mut v);
            r.render(&ev, &mut scratch, &mut buf);
            let got: Vec<OutputValue> = r.values(&buf).map(|x| x.to_owned()).collect();
            assert_eq!(got, v, "event {}", ev.num);
        }
    }

    #[test]
    fn an_unknown_field_is_an_error_not_a_panic() {
        let e = FieldReader::new(&["proc.nonsense"]).unwrap_err();
        assert!(e.to_string().contains("proc.nonsense"), "{e}");
    }
}
