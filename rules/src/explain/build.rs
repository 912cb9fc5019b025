//! A rule's condition as written, for explaining: macros and exceptions keep their names,
//! and each check is compiled on its own so that it can be evaluated alone.

use rustc_hash::FxHashMap;

use crate::condition::{self, Expr, FieldExpr, Modifier, Rhs, Span};
use crate::fields::StaticFields;
use crate::filter::Node;
use crate::filter::compile::compile;
use crate::loader::CompiledRule;
use crate::loader::texts::Registry;
use crate::output::Format;

/// A list on the right of `in` is shown with at most this many items.
const LIST_ITEMS_SHOWN: usize = 8;

/// What a named part of a condition is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameKind {
    Macro,
    /// An exception of the rule (its clause is negated: `and not (…)`).
    Exception,
    /// The rule's own condition, apart from its exceptions.
    Condition,
}

/// A condition tree to explain.
#[derive(Debug)]
pub(crate) enum Why {
    And(Vec<Why>),
    Or(Vec<Why>),
    Not(Box<Why>),
    Named {
        kind: NameKind,
        name: String,
        body: Box<Why>,
    },
    Check {
        /// The check as written (lists substituted, long ones shortened).
        text: String,
        node: Node,
        /// The fields it reads, each with the format that renders it as outputs do.
        shows: Vec<(String, Format)>,
    },
}

/// Where a tree's conditions come from: the set's macros as parsed, and its texts (to show
/// lists by the names they were written with).
pub(crate) struct Sources<'a> {
    pub macros: &'a FxHashMap<String, Expr>,
    pub registry: &'a Registry,
    /// falco.yaml's `static_fields`, which conditions may name.
    pub statics: &'a StaticFields,
}

/// The tree of `rule` (see the module docs).
pub(crate) fn rule_tree(rule: &CompiledRule, macros: &Sources<'_>) -> Why {
    let n = rule.exceptions.len();
    match &rule.written {
        Expr::And(v) if n > 0 && v.len() == n + 1 => {
            let mut parts = vec![Why::Named {
                kind: NameKind::Condition,
                name: rule.info.name.clone(),
                body: Box::new(tree(&v[0], macros)),
            }];
            for (site, e) in rule.exceptions.iter().zip(&v[1..]) {
                let inner = match e {
                    Expr::Not(x) => x,
                    other => {
                        // Not the shape exceptions are built with: show it as it is.
                        parts.push(tree(other, macros));
                        continue;
                    }
                };
                parts.push(Why::Not(Box::new(Why::Named {
                    kind: NameKind::Exception,
                    name: site.name.clone(),
                    body: Box::new(tree(inner, macros)),
                })));
            }
            Why::And(parts)
        }
        e => tree(e, macros),
    }
}

/// The tree of a condition (for filters and macros).
pub(crate) fn tree(e: &Expr, macros: &Sources<'_>) -> Why {
    match e {
        Expr::And(v) => Why::And(v.iter().map(|x| tree(x, macros)).collect()),
        Expr::Or(v) => Why::Or(v.iter().map(|x| tree(x, macros)).collect()),
        Expr::Not(x) => Why::Not(Box::new(tree(x, macros))),
        Expr::Macro { name, .. } => Why::Named {
            kind: NameKind::Macro,
            name: name.clone(),
            // The set compiled, so every macro a rule refers to exists.
            body: Box::new(match macros.macros.get(name) {
                Some(m) => tree(m, macros),
                None => Why::Check {
                    text: format!("{name} (undefined macro)"),
                    node: Node::Const(false),
                    shows: Vec::new(),
                },
            }),
        },
        Expr::Check(c) => {
            let node = compile(e, macros.statics).unwrap_or(Node::Const(false));
            let mut shows = Vec::new();
            show(&c.lhs, macros.statics, &mut shows);
            if let Rhs::Field(f) = &c.rhs {
                show(f, macros.statics, &mut shows);
            }
            Why::Check {
                text: check_text(c, macros.registry),
                node,
                shows,
            }
        }
    }
}

fn show(f: &FieldExpr, statics: &StaticFields, out: &mut Vec<(String, Format)>) {
    let text = f.text();
    if let Ok(format) = Format::compile_with(&format!("%{text}"), &[], statics) {
        out.push((text, format));
    }
}

fn check_text(c: &condition::Check, registry: &Registry) -> String {
    let mut s = format!("{} {}", c.lhs.text(), c.op.as_str());
    if let Some(m) = c.modifier {
        s.push_str(match m {
            Modifier::OneOf => " oneof",
            Modifier::AnyOf => " anyof",
            Modifier::AllOf => " allof",
        });
    }
    match &c.rhs {
        Rhs::None => {}
        Rhs::Value(v, _) => {
            s.push(' ');
            s.push_str(&value_text(v));
        }
        Rhs::List(items, _) => {
            let parts = list_as_written(items, registry);
            s.push_str(" (");
            for (i, p) in parts.iter().take(LIST_ITEMS_SHOWN).enumerate() {
                if i > 0 {
                    s.push_str(", ");
                }
                s.push_str(p);
            }
            if parts.len() > LIST_ITEMS_SHOWN {
                s.push_str(&format!(", … {} more", parts.len() - LIST_ITEMS_SHOWN));
            }
            s.push(')');
        }
        Rhs::ListRef(name, _) => {
            s.push(' ');
            s.push_str(name);
        }
        Rhs::Field(f) => {
            s.push_str(&format!(" val({})", f.text()));
        }
    }
    s
}

/// The items of a list as the condition wrote them: the items that a list's name stood for
/// give way to that name (`shell_binaries`), once; the others are shown as values.
fn list_as_written(items: &[(String, Span)], registry: &Registry) -> Vec<String> {
    let mut parts = Vec::new();
    let mut last_name_at: Option<*const u8> = None;
    for (v, at) in items {
        let written = registry.written_at(*at).unwrap_or("");
        let quoted = written.starts_with(['"', '\'']);
        let token_len = written
            .find(|c: char| c.is_whitespace() || "(),=".contains(c))
            .unwrap_or(written.len());
        let token = &written[..token_len];
        if quoted || token.is_empty() || token == v {
            parts.push(value_text(v));
            last_name_at = None;
        } else if last_name_at != Some(token.as_ptr()) {
            parts.push(token.to_string());
            last_name_at = Some(token.as_ptr());
        }
    }
    parts
}

/// A value as it could be written in a condition: quoted when it has to be.
fn value_text(v: &str) -> String {
    let plain = !v.is_empty()
        && !v
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '(' | ')' | ',' | '"' | '\'' | '='));
    if plain {
        v.to_string()
    } else {
        format!("{v:?}")
    }
}
