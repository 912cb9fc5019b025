//! An explanation as indented text lines.

use super::{NameKind, Step, StepKind};

/// A value longer than this is cut (with `…`) in text lines.
const VALUE_CHARS: usize = 120;

impl Step {
    /// The step and what is below it, one line per part, two spaces more per level from
    /// `depth`: `✓` (holds) or `✗`, what the part is, and for a check the values it read.
    /// Unless `full`, only the parts that decide the result are shown: of an `and` that fails,
    /// the parts that fail; of an `or` that holds, the parts that hold; a line counts the rest.
    pub fn write_text(&self, full: bool, depth: usize, out: &mut String) {
        let (label, inner) = label_of(self);
        out.push_str(&"  ".repeat(depth));
        out.push_str(if self.holds { "✓ " } else { "✗ " });
        out.push_str(&label);
        for (i, (field, value)) in inner.values.iter().enumerate() {
            out.push_str(if i == 0 { "    [" } else { "; " });
            out.push_str(field);
            out.push_str(": ");
            push_cut(value, out);
            if i + 1 == inner.values.len() {
                out.push(']');
            }
        }
        out.push('\n');
        let decisive = |c: &&Step| match inner.kind {
            StepKind::And if !inner.holds => !c.holds,
            StepKind::Or if inner.holds => c.holds,
            _ => true,
        };
        let mut hidden = 0;
        for c in &inner.children {
            if full || decisive(&c) {
                c.write_text(full, depth + 1, out);
            } else {
                hidden += 1;
            }
        }
        if hidden > 0 {
            out.push_str(&"  ".repeat(depth + 1));
            let what = if inner.holds { "do not hold" } else { "hold" };
            out.push_str(&format!("… {hidden} more that {what}, not shown\n"));
        }
    }
}

/// The line of a step and the step whose values and children go with it: a `not`, a macro
/// or an exception shares its line with what it names.
fn label_of(step: &Step) -> (String, &Step) {
    match &step.kind {
        StepKind::And => ("and".into(), step),
        StepKind::Or => ("or".into(), step),
        StepKind::Check(t) => (t.clone(), step),
        StepKind::Not => {
            let (label, inner) = label_of(&step.children[0]);
            match label.as_str() {
                "and" | "or" => (format!("not ({label})"), inner),
                _ => (format!("not {label}"), inner),
            }
        }
        StepKind::Named(kind, name) => {
            let prefix = match kind {
                NameKind::Macro => name.clone(),
                NameKind::Exception => format!("exception {name}"),
                NameKind::Condition => "condition".to_string(),
            };
            let body = &step.children[0];
            match &body.kind {
                StepKind::And => (format!("{prefix} (and)"), body),
                StepKind::Or => (format!("{prefix} (or)"), body),
                StepKind::Check(t) => (format!("{prefix}: {t}"), body),
                _ => (prefix, step),
            }
        }
    }
}

fn push_cut(value: &str, out: &mut String) {
    match value.char_indices().nth(VALUE_CHARS) {
        Some((at, _)) => {
            out.push_str(&value[..at]);
            out.push('…');
        }
        None => out.push_str(value),
    }
}
