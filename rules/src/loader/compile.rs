//! Compiling what was collected (`rule_loader_compiler.cpp`): lists expanded one level, list
//! names substituted into condition text, macros parsed and resolved with definition-order
//! visibility, exceptions turned into condition text, rules compiled and indexed by event type.

use rustc_hash::FxHashMap;

use super::collector::{Collector, Entry, ExceptionInfo, Pos};
use super::texts::{Cond, Origin, Registry, quote_item};
use super::{CompiledRule, ExceptionSite, Inner, LoadOptions};
use crate::RuleInfo;
use crate::condition::{self, Expr, FieldExpr, Rhs, Span};
use crate::error::{Diagnostic, ItemKind, ItemRef, RulesError, Warning};
use crate::evttype;
use crate::filter::compile::{CompileError, compile};
use crate::output::{Format, apply_append_output};
use crate::source::SourceFile;

/// Errors that `skip-if-unknown-filter: true` turns into a warning.
fn is_unknown_filter_error(m: &str) -> bool {
    m.contains("nonexistent field")
        || m.contains(crate::fields::UNSUPPORTED_MARK)
        || m.contains("invalid formatting token")
        || m.contains("unknown event type")
        || m.contains("unknown filter:")
}

/// The warning for a rule `skip-if-unknown-filter` skipped: for a field Falco has but rtsec
/// does not evaluate, it says that Falco would have run the rule (verdicts differ).
fn skipped(message: String) -> String {
    if message.contains(crate::fields::UNSUPPORTED_MARK) {
        format!("{message}; the rule is skipped (skip-if-unknown-filter), but Falco would run it")
    } else {
        message
    }
}

pub(crate) struct Compiler<'a> {
    pub files: &'a [SourceFile],
    pub warnings: Vec<Warning>,
    pub registry: Registry,
    /// What falco.yaml adds: `append_output` and `static_fields`.
    pub options: &'a LoadOptions,
}

type R<T> = Result<T, RulesError>;

impl<'a> Compiler<'a> {
    fn file_diag(&self, pos: Pos, item: Option<ItemRef>, message: String) -> Box<Diagnostic> {
        let f = &self.files[pos.file];
        let (line, column) = f.line_col(pos.byte);
        Box::new(Diagnostic {
            file: f.name.clone(),
            line,
            column,
            item,
            message,
            snippet: Some(f.snippet(pos.byte)),
        })
    }

    fn warn_at(&mut self, pos: Pos, item: Option<ItemRef>, message: impl Into<String>) {
        let mut d = *self.file_diag(pos, item, message.into());
        d.snippet = None;
        self.warnings.push(d);
    }

    fn span_diag(&self, at: Span, item: Option<ItemRef>, message: String) -> Box<Diagnostic> {
        Box::new(self.registry.diagnostic(self.files, at, item, message))
    }

    pub fn compile(mut self, col: &Collector) -> R<Inner> {
        let statics = &self.options.static_fields;
        // 1. Lists: an item naming a list defined earlier is replaced by that list's items.
        let mut lists: Vec<(String, Vec<String>)> = Vec::with_capacity(col.lists.len());
        let mut list_used = vec![false; col.lists.len()];
        for l in &col.lists.items {
            let mut items = Vec::with_capacity(l.items.len());
            for it in &l.items {
                match col.lists.get(it) {
                    Some(r) if r.index < l.visibility => {
                        list_used[col.lists.position(it).unwrap()] = true;
                        items.extend(r.items.iter().cloned());
                    }
                    _ => items.push(it.clone()),
                }
            }
            lists.push((l.name.clone(), items));
        }

        // 2. Macros: parse each, then resolve references with definition-order visibility.
        let mut parsed: Vec<Expr> = Vec::with_capacity(col.macros.len());
        for m in &col.macros.items {
            let owner = ItemRef {
                kind: ItemKind::Macro,
                name: m.name.clone(),
            };
            let id = self
                .registry
                .add(m.cond.clone(), &lists, &mut list_used, Some(owner.clone()));
            let e = condition::parse(self.registry.text(id), id).map_err(|e| {
                RulesError::Syntax(self.span_diag(
                    Span {
                        text: id,
                        off: e.off as u32,
                    },
                    Some(owner.clone()),
                    e.message,
                ))
            })?;
            parsed.push(e);
        }
        let mut mr = MacroResolver {
            col,
            parsed: &parsed,
            resolved: vec![None; parsed.len()],
            used: vec![false; parsed.len()],
            stack: Vec::new(),
        };
        for i in 0..parsed.len() {
            mr.resolve_macro(i).map_err(|(at, msg)| {
                let owner = ItemRef {
                    kind: ItemKind::Macro,
                    name: col.macros.items[i].name.clone(),
                };
                RulesError::Compile(self.span_diag(at, Some(owner), msg))
            })?;
        }

        // 3. Rules.
        let mut rules = Vec::with_capacity(col.rules.len());
        for r in &col.rules.items {
            if r.unknown_source {
                continue;
            }
            let item = Some(ItemRef {
                kind: ItemKind::Rule,
                name: r.name.clone(),
            });
            let mut cond = r.cond.clone();
            let mut exception_names = Vec::new();
            if !r.exceptions.is_empty() {
                for ex in &r.exceptions {
                    super::read::validate_exception(ex, statics).map_err(|(m, p)| {
                        RulesError::Schema(self.file_diag(
                            p,
                            item.clone(),
                            format!("Exception '{}': {m}", ex.name),
                        ))
                    })?;
                }
                (cond, exception_names) = build_exceptions(&r.exceptions, cond, r.cond_pos)
                    .map_err(|(m, p)| RulesError::Schema(self.file_diag(p, item.clone(), m)))?;
            }

            let mut output = r.output.clone();
            let extras = apply_append_output(
                &self.options.append_output,
                statics,
                &r.name,
                &r.source,
                &r.tags,
                &mut output,
            );
            if output.contains("%container.info") {
                self.warn_at(
                    r.pos,
                    item.clone(),
                    "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0. The container plugin will automatically add required fields to the output message.",
                );
                output = output.replace("%container.info", "");
            }
            let format = match Format::compile_with(&output, &extras, statics) {
                Ok(f) => f,
                Err(e) => {
                    if r.skip_if_unknown_filter && is_unknown_filter_error(&e.message) {
                        self.warn_at(r.output_pos, item.clone(), skipped(e.message));
                        continue;
                    }
                    let f = &self.files[r.output_pos.file];
                    let off = crate::yaml::value_offset_to_file(
                        f,
                        r.output_pos.byte,
                        &r.output,
                        e.off.min(r.output.len()),
                    );
                    return Err(RulesError::Output(self.file_diag(
                        Pos {
                            file: r.output_pos.file,
                            byte: off,
                        },
                        item,
                        e.message,
                    )));
                }
            };

            let id = self
                .registry
                .add(cond, &lists, &mut list_used, item.clone());
            let ast = condition::parse(self.registry.text(id), id).map_err(|e| {
                RulesError::Syntax(self.span_diag(
                    Span {
                        text: id,
                        off: e.off as u32,
                    },
                    item.clone(),
                    e.message,
                ))
            })?;
            let written = ast;
            let ast = mr
                .resolve(&written, u32::MAX)
                .map_err(|(at, msg)| RulesError::Compile(self.span_diag(at, item.clone(), msg)))?;
            self.expr_warnings(&ast, &item);
            let node = match compile(&ast, statics) {
                Ok(n) => n,
                Err(CompileError { at, message }) => {
                    if r.skip_if_unknown_filter && is_unknown_filter_error(&message) {
                        let d = self.span_diag(at, item.clone(), skipped(message));
                        let mut d = *d;
                        d.snippet = None;
                        self.warnings.push(d);
                        continue;
                    }
                    return Err(RulesError::Compile(self.span_diag(at, item, message)));
                }
            };
            let keys = evttype::infer(&ast);
            // Falco counts the event types rtsec never records: a rule on `switch` alone
            // matches one type there, not none.
            let unrecorded = evttype::unrecorded_names(&ast);
            if r.warn_evttypes && ((keys.len() == 0 && unrecorded.is_empty()) || keys.len() > 100) {
                self.warn_at(
                    r.pos,
                    item.clone(),
                    "Rule matches too many evt.type values. This has a significant performance penalty.",
                );
            }
            if !unrecorded.is_empty() {
                let never = if keys.len() == 0 {
                    ": the rule can never fire on an rtsec trace"
                } else {
                    ""
                };
                self.warn_at(
                    r.pos,
                    item.clone(),
                    format!(
                        "names event types rtsec does not record ({}), which its condition never matches{never}",
                        unrecorded.join(", ")
                    ),
                );
            }
            let (line, _) = self.files[r.pos.file].line_col(r.pos.byte);
            let event_types = if keys.is_all() {
                Vec::new()
            } else {
                keys.iter().map(evttype::key_name).collect()
            };
            rules.push(CompiledRule {
                info: RuleInfo {
                    name: r.name.clone(),
                    desc: r.desc.clone(),
                    priority: r.priority,
                    tags: r.tags.iter().cloned().collect(),
                    source: r.source.clone(),
                    enabled: r.enabled,
                    file: self.files[r.pos.file].name.clone(),
                    line,
                    condition: r.cond.text.clone(),
                    output,
                    event_types,
                    all_event_types: keys.is_all(),
                    capture: r.capture,
                    capture_duration: r.capture_duration,
                },
                filter: node,
                format,
                keys,
                dns_names: crate::dns::names_compared(&ast),
                written,
                exceptions: exception_names
                    .into_iter()
                    .map(|(name, pos)| {
                        let f = &self.files[pos.file];
                        ExceptionSite {
                            name,
                            file: f.name.clone(),
                            line: f.line_col(pos.byte).0,
                        }
                    })
                    .collect(),
            });
        }

        // 4. Unused macros and lists.
        for (i, m) in col.macros.items.iter().enumerate() {
            if !mr.used[i] {
                let it = Some(ItemRef {
                    kind: ItemKind::Macro,
                    name: m.name.clone(),
                });
                self.warn_at(m.pos, it, "Macro not referred to by any other rule/macro");
            }
        }
        for (i, l) in col.lists.items.iter().enumerate() {
            if !list_used[i] {
                let it = Some(ItemRef {
                    kind: ItemKind::List,
                    name: l.name.clone(),
                });
                self.warn_at(l.pos, it, "List not referred to by any other rule/macro");
            }
        }

        let macros: FxHashMap<String, Expr> = col
            .macros
            .items
            .iter()
            .zip(mr.resolved)
            .filter_map(|(m, e)| e.map(|e| (m.name.clone(), e)))
            .collect();
        let written_macros: FxHashMap<String, Expr> = col
            .macros
            .items
            .iter()
            .zip(parsed)
            .map(|(m, e)| (m.name.clone(), e))
            .collect();
        Ok(Inner {
            files: Vec::new(),
            registry: self.registry,
            rules,
            macros,
            written_macros,
            lists,
            warnings: self.warnings,
            n_macros: col.macros.len(),
            n_lists: col.lists.len(),
            required_engine_version: col.required_engine_version.map(|v| v.to_string()),
            statics: statics.clone(),
        })
    }

    /// Warnings about a rule's resolved condition (Falco's warning visitor).
    fn expr_warnings(&mut self, e: &Expr, item: &Option<ItemRef>) {
        let mut found: Vec<(Span, String)> = Vec::new();
        let statics = &self.options.static_fields;
        walk_checks(e, &mut |c| {
            if let FieldExpr::Field { name, .. } = &c.lhs
                && name == "evt.dir"
            {
                found.push((
                    c.at,
                    "'evt.dir = <' always evaluates to true, and 'evt.dir = >' always evaluates to false".into(),
                ));
            }
            if let Rhs::Value(v, at) = &c.rhs
                && v.contains('.')
                && v.chars().next().is_some_and(|ch| ch.is_ascii_alphabetic())
                && crate::fields::resolve(v, None, statics).is_ok()
            {
                found.push((
                    *at,
                    format!(
                        "string '{v}' may be a valid field wrongly interpreted as a string value"
                    ),
                ));
            }
        });
        for (at, m) in found {
            let mut d = *self.span_diag(at, item.clone(), m);
            d.snippet = None;
            if !self.warnings.contains(&d) {
                self.warnings.push(d);
            }
        }
    }
}

pub(crate) fn walk_checks(e: &Expr, f: &mut impl FnMut(&condition::Check)) {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().for_each(|x| walk_checks(x, f)),
        Expr::Not(x) => walk_checks(x, f),
        Expr::Check(c) => f(c),
        Expr::Macro { .. } => {}
    }
}

/// Resolves macro references with visibility (a macro sees macros defined before it).
pub(crate) struct MacroResolver<'c> {
    pub col: &'c Collector,
    pub parsed: &'c [Expr],
    pub resolved: Vec<Option<Expr>>,
    pub used: Vec<bool>,
    stack: Vec<usize>,
}

impl MacroResolver<'_> {
    fn resolve_macro(&mut self, i: usize) -> Result<Expr, (Span, String)> {
        if let Some(e) = &self.resolved[i] {
            return Ok(e.clone());
        }
        if self.stack.contains(&i) {
            let name = &self.col.macros.items[i].name;
            return Err((Span::default(), format!("Macro '{name}' refers to itself")));
        }
        self.stack.push(i);
        let vis = self.col.macros.items[i].visibility;
        let r = self.resolve(&self.parsed[i].clone(), vis);
        self.stack.pop();
        let e = r?;
        self.resolved[i] = Some(e.clone());
        Ok(e)
    }

    /// `e` with every macro reference replaced by the macro's (resolved) tree.
    pub fn resolve(&mut self, e: &Expr, visibility: u32) -> Result<Expr, (Span, String)> {
        Ok(match e {
            Expr::And(v) => Expr::And(
                v.iter()
                    .map(|x| self.resolve(x, visibility))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Or(v) => Expr::Or(
                v.iter()
                    .map(|x| self.resolve(x, visibility))
                    .collect::<Result<_, _>>()?,
            ),
            Expr::Not(x) => Expr::Not(Box::new(self.resolve(x, visibility)?)),
            Expr::Check(c) => Expr::Check(c.clone()),
            Expr::Macro { name, at } => {
                let visible = self
                    .col
                    .macros
                    .position(name)
                    .filter(|&j| self.col.macros.items[j].index < visibility);
                let Some(j) = visible else {
                    return Err((*at, format!("Undefined macro '{name}' used in filter.")));
                };
                self.used[j] = true;
                self.resolve_macro(j).map_err(|(sp, m)| {
                    if sp == Span::default() {
                        (*at, m)
                    } else {
                        (sp, m)
                    }
                })?
            }
        })
    }
}

/// An exception's name and where it is defined.
type NamedAt = (String, Pos);

/// Builds the exception text (`build_rule_exception_infos`):
/// `(<cond>) and not ((f1 c1 v1 and f2 c2 v2) or (…))`, and the names of the exceptions that
/// added a clause (those with values), in order.
fn build_exceptions(
    exceptions: &[ExceptionInfo],
    cond: Cond,
    cond_pos: Pos,
) -> Result<(Cond, Vec<NamedAt>), (String, Pos)> {
    let mut names = Vec::new();
    let start = Origin::At {
        file: cond_pos.file,
        byte: cond_pos.byte,
    };
    let mut out = Cond::default();
    out.push("(", start.clone());
    out.push_cond(&cond);
    out.push(")", start);
    for ex in exceptions {
        let at = |p: Pos| Origin::At {
            file: p.file,
            byte: p.byte,
        };
        let mut ic = Cond::default();
        match &ex.fields {
            Some(Entry::Scalar(field, _)) => {
                let comp = match &ex.comps {
                    Some(Entry::Scalar(c, _)) => c.clone(),
                    _ => "in".to_string(),
                };
                for v in &ex.values {
                    let Entry::Scalar(val, vp) = v else {
                        return Err((
                            "Expected values array to contain a list of strings".into(),
                            v.pos(),
                        ));
                    };
                    if ic.text.is_empty() {
                        ic.push(&format!("({field} {comp} ("), at(ex.pos));
                    } else {
                        ic.push(", ", at(*vp));
                    }
                    ic.push(&quote_item(val), at(*vp));
                }
                if !ic.text.is_empty() {
                    ic.push("))", at(ex.pos));
                }
            }
            Some(Entry::List(fields, _)) => {
                let comps: Vec<String> = match &ex.comps {
                    Some(Entry::List(cs, _)) => cs
                        .iter()
                        .map(|c| match c {
                            Entry::Scalar(s, _) => s.clone(),
                            Entry::List(..) => "=".into(),
                        })
                        .collect(),
                    _ => vec!["=".to_string(); fields.len()],
                };
                ic.push("(", at(ex.pos));
                let mut first = true;
                for values in &ex.values {
                    let Entry::List(items, vp) = values else {
                        return Err((
                            "Fields and values lists must have equal length".into(),
                            values.pos(),
                        ));
                    };
                    if items.len() != fields.len() {
                        return Err(("Fields and values lists must have equal length".into(), *vp));
                    }
                    if !first {
                        ic.push(" or ", at(*vp));
                    }
                    first = false;
                    ic.push("(", at(*vp));
                    for (k, field) in fields.iter().enumerate() {
                        let Entry::Scalar(field, _) = field else {
                            continue;
                        };
                        if k > 0 {
                            ic.push(" and ", at(*vp));
                        }
                        let comp = &comps[k];
                        let istr = match &items[k] {
                            Entry::List(vs, _) => {
                                let mut s = String::from("(");
                                for (i, v) in vs.iter().enumerate() {
                                    if i > 0 {
                                        s.push_str(", ");
                                    }
                                    if let Entry::Scalar(v, _) = v {
                                        s.push_str(&quote_item(v));
                                    }
                                }
                                s.push(')');
                                s
                            }
                            Entry::Scalar(v, _) => {
                                let list_op = matches!(
                                    crate::condition::Op::from_comp(comp),
                                    Some((o, m)) if o.is_list_op() || m.is_some()
                                );
                                if list_op {
                                    if v.starts_with('(') {
                                        v.clone()
                                    } else {
                                        format!("({v})")
                                    }
                                } else {
                                    quote_item(v)
                                }
                            }
                        };
                        ic.push(&format!(" {field} {comp} {istr}"), at(items[k].pos()));
                    }
                    ic.push(")", at(*vp));
                }
                ic.push(")", at(ex.pos));
                if ic.text == "()" {
                    ic = Cond::default();
                }
            }
            None => {}
        }
        if !ic.text.is_empty() {
            out.push(" and not ", at(ex.pos));
            out.push_cond(&ic);
            names.push((ex.name.clone(), ex.pos));
        }
    }
    Ok((out, names))
}
