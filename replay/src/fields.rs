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
    /// [`FieldReader::value`]): [`FieldReader::read`] without an allocation per event.
    pub fn render(&self, ev: &EventView<'_>, scratch: &mut Scratch, buf: &mut AlertBuf) {
        self.engine.render_fields(self.rule, ev, scratch, buf);
    }

    /// The value of the `i`-th field in a [`FieldReader::render`].
    #[inline]
    pub fn value<'a>(&self, buf: &'a AlertBuf, i: usize) -> FieldValue<'a> {
        match self.order.get(i) {
            Some(&k) => buf.field_value(k),
            None => FieldValue::Null,
        }
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

/// The values of a fixed list of fields for each hit: taken from the hit's rendered alert
/// where its rule's output shows the field (the same value: `output_fields` come from the
/// same code), read with a [`FieldReader`] of the rest otherwise. A Falco-sized output shows
/// most of the hits columns (file, program, command line, user, container), and rendering
/// them a second time cost a tenth of `replay --parquet`.
#[derive(Debug)]
pub struct AlertFields {
    /// Per rule id: where each field's value is, if the rule is enabled.
    plans: Vec<Option<Plan>>,
    /// One reader per distinct set of fields that some rules' outputs lack.
    readers: Vec<FieldReader>,
    /// How many fields.
    fields: usize,
}

#[derive(Debug, Clone)]
struct Plan {
    /// The reader of the fields the output lacks, if it lacks any.
    reader: Option<usize>,
    sources: Vec<Source>,
}

#[derive(Debug, Clone, Copy)]
enum Source {
    /// The `i`-th entry of the alert's `output_fields`.
    Alert(usize),
    /// The `i`-th field of the plan's reader.
    Reader(usize),
}

impl AlertFields {
    /// The fields `fields` (Falco names) for hits of the rules enabled in `engine`.
    pub fn new(engine: &Engine, fields: &[&str]) -> Result<AlertFields, ReplayError> {
        let mut plans: Vec<Option<Plan>> = Vec::new();
        let mut readers: Vec<FieldReader> = Vec::new();
        let mut missing_sets: Vec<Vec<&str>> = Vec::new();
        for &id in engine.enabled() {
            let keys: Vec<&str> = engine.output_keys(id).collect();
            let mut missing = Vec::new();
            let sources = fields
                .iter()
                .map(|f| match keys.iter().position(|k| k == f) {
                    Some(i) => Source::Alert(i),
                    None => {
                        missing.push(*f);
                        Source::Reader(missing.len() - 1)
                    }
                })
                .collect();
            let reader = if missing.is_empty() {
                None
            } else if let Some(i) = missing_sets.iter().position(|m| *m == missing) {
                Some(i)
            } else {
                readers.push(FieldReader::new(&missing)?);
                missing_sets.push(missing);
                Some(readers.len() - 1)
            };
            let slot = id as usize;
            if plans.len() <= slot {
                plans.resize(slot + 1, None);
            }
            plans[slot] = Some(Plan { reader, sources });
        }
        Ok(AlertFields {
            plans,
            readers,
            fields: fields.len(),
        })
    }

    /// Renders what `alert` (of rule `rule`, for `ev`) lacks into `buf`; read the values with
    /// [`AlertFields::for_each_value`].
    pub fn render(
        &self,
        rule: RuleId,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
        buf: &mut AlertBuf,
    ) {
        if let Some(r) = self.plan(rule).and_then(|p| p.reader) {
            self.readers[r].render(ev, scratch, buf);
        }
    }

    /// Calls `f` with the index and value of each field, in the order given to
    /// [`AlertFields::new`], for a hit of `rule` rendered into `alert` and (by
    /// [`AlertFields::render`]) `buf`; a rule that is not enabled gives nulls. A callback, not
    /// an iterator: see [`AlertBuf::for_each_field`].
    #[inline]
    pub fn for_each_value<'a>(
        &'a self,
        rule: RuleId,
        alert: &'a AlertBuf,
        buf: &'a AlertBuf,
        mut f: impl FnMut(usize, FieldValue<'a>),
    ) {
        let plan = self.plan(rule);
        let reader = plan.and_then(|p| p.reader).map(|r| &self.readers[r]);
        let sources = plan.map_or(&[][..], |p| &p.sources[..]);
        for i in 0..self.fields {
            let v = match sources.get(i) {
                Some(Source::Alert(j)) => alert.field_value(*j),
                Some(Source::Reader(j)) => reader.map_or(FieldValue::Null, |r| r.value(buf, *j)),
                None => FieldValue::Null,
            };
            f(i, v);
        }
    }

    fn plan(&self, rule: RuleId) -> Option<&Plan> {
        self.plans.get(rule as usize)?.as_ref()
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
            let got: Vec<OutputValue> = (0..r.fields().len())
                .map(|i| r.value(&buf, i).to_owned())
                .collect();
            assert_eq!(got, v, "event {}", ev.num);
        }
    }

    #[test]
    fn hit_fields_from_the_alert_are_the_fields_read() {
        // Outputs that show some of the fields (one with a width, one only through a
        // transformer, which `output_fields` leaves out), none, or all but proc.pid.
        let rules = r#"
- rule: some
  desc: d
  condition: evt.type in (open, openat)
  output: "file=%fd.name by %20proc.name %toupper(user.name) cmd=%proc.cmdline"
  priority: WARNING
- rule: none
  desc: d
  condition: evt.type = close
  output: "closed"
  priority: NOTICE
- rule: most
  desc: d
  condition: evt.type in (execve, connect, open, openat)
  output: "%evt.type %proc.name %proc.exepath %proc.cmdline %proc.pname %user.name %fd.name"
  priority: ERROR
"#;
        let set = rtsec_rules::load(&[RuleSource::new("t.yaml", rules)]).unwrap();
        let engine = Engine::new(
            &set,
            EngineOptions {
                rule_matching: rtsec_rules::RuleMatching::All,
                ..Default::default()
            },
        );
        let fields = &crate::hits::HIT_EVENT_FIELDS;
        let from_alert = AlertFields::new(&engine, fields).unwrap();
        let reader = FieldReader::new(fields).unwrap();
        let block = rtsec_format::synth::block(3000, 7);
        let mut scratch = Scratch::new();
        let (mut alert, mut buf) = (AlertBuf::new(), AlertBuf::new());
        let mut want = Vec::new();
        let mut seen = [0; 3];
        for ev in block.events() {
            let ids = engine.matches(&ev, &mut scratch).to_vec();
            for id in ids {
                seen[id as usize] += 1;
                engine.render(id, &ev, &mut scratch, &mut alert);
                from_alert.render(id, &ev, &mut scratch, &mut buf);
                let mut got = Vec::new();
                from_alert.for_each_value(id, &alert, &buf, |i, v| {
                    assert_eq!(i, got.len());
                    got.push(v.to_owned());
                });
                reader.read(&ev, &mut scratch, &mut want);
                assert_eq!(got, want, "rule {id}, event {}", ev.num);
            }
        }
        assert!(seen.iter().all(|&n| n > 0), "every rule fired: {seen:?}");
    }

    #[test]
    fn an_unknown_field_is_an_error_not_a_panic() {
        let e = FieldReader::new(&["proc.nonsense"]).unwrap_err();
        assert!(e.to_string().contains("proc.nonsense"), "{e}");
    }
}
