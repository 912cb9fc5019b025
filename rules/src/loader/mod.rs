//! Loading rules files into a [`RuleSet`]: read each file in order into the collector, compile
//! what was collected after each file (as Falco does: a file may only use what it and the files
//! before it define), keep the last compile.

mod collector;
mod compile;
mod read;
pub(crate) mod texts;

use std::path::Path;
use std::sync::Arc;

use rustc_hash::FxHashMap;

pub use read::{ENGINE_VERSION, PROVIDED_PLUGINS};

use crate::Filter;
use crate::condition::{self, Expr, Span};
use crate::error::{ItemKind, ItemRef, RulesError, Warning};
use crate::evttype::KeySet;
use crate::fields::StaticFields;
use crate::filter::Node;
use crate::filter::compile::compile as compile_node;
use crate::output::{AppendOutput, Format};
use crate::priority::Priority;
use crate::source::{RuleSource, SourceFile};
use texts::{Cond, Registry};

/// What a rule is, as loaded (everything but its compiled condition and output).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo {
    pub name: String,
    pub desc: String,
    pub priority: Priority,
    /// Sorted, unique (Falco keeps tags in a `std::set`).
    pub tags: Vec<String>,
    /// `syscall` (rules of other sources are skipped with a warning).
    pub source: String,
    pub enabled: bool,
    /// The file that first defined the rule and the line of its `- rule:`.
    pub file: String,
    pub line: u32,
    /// The condition as written (after appends; before exceptions and list substitution).
    pub condition: String,
    /// The output format, with what `append_output` adds (by default Falco's suggested
    /// container/k8s fields).
    pub output: String,
    /// The event types the rule is indexed under (Falco names), unless `all_event_types`.
    pub event_types: Vec<String>,
    /// The condition does not constrain the event type: the rule runs on every event.
    pub all_event_types: bool,
    pub capture: bool,
    pub capture_duration: u64,
}

#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub info: RuleInfo,
    pub filter: Node,
    pub format: Format,
    pub keys: KeySet,
    /// The names its condition compares `fd.*.name` fields with ([`crate::dns::names_compared`]).
    pub dns_names: Vec<String>,
    /// The condition as parsed, macros still named (with the exception clauses), and the
    /// names of the exceptions that added a clause, in order: what `explain` shows.
    pub written: Expr,
    pub exceptions: Vec<ExceptionSite>,
}

/// An exception of a rule that adds a clause to its condition, and where it is defined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExceptionSite {
    pub name: String,
    pub file: String,
    pub line: u32,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub files: Vec<SourceFile>,
    pub registry: Registry,
    pub rules: Vec<CompiledRule>,
    /// Resolved macro trees, for filters compiled later.
    pub macros: FxHashMap<String, Expr>,
    /// Macro trees as parsed, referring to other macros by name (`explain`).
    pub written_macros: FxHashMap<String, Expr>,
    /// Lists after one-level expansion, in definition order.
    pub lists: Vec<(String, Vec<String>)>,
    pub warnings: Vec<Warning>,
    pub n_macros: usize,
    pub n_lists: usize,
    pub required_engine_version: Option<String>,
    /// falco.yaml's `static_fields`, for filters compiled later.
    pub statics: StaticFields,
}

/// A loaded and compiled set of rules, with the lists and macros that conditions given later
/// (filters) may use. Cheap to clone; `Send + Sync`.
#[derive(Clone, Debug)]
pub struct RuleSet {
    pub(crate) inner: Arc<Inner>,
}

/// Loading failed: the first error (loading stops there, as in Falco) and the warnings so far.
#[derive(Debug)]
pub struct LoadFailure {
    pub error: RulesError,
    pub warnings: Vec<Warning>,
}

impl std::fmt::Display for LoadFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for LoadFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Counts of what a rule set holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Counts {
    /// Rules compiled (rules of unknown sources and skipped rules are not counted).
    pub rules: usize,
    pub macros: usize,
    pub lists: usize,
}

/// How rules are loaded besides their files: what a falco.yaml adds to their fields and
/// outputs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// `append_output`, in order (default: Falco's default falco.yaml's,
    /// `- suggested_output: true`).
    pub append_output: Vec<AppendOutput>,
    /// `static_fields`: `static.NAME` fields for conditions and outputs, and suggested
    /// output fields (default: none).
    pub static_fields: StaticFields,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            append_output: AppendOutput::falco_default(),
            static_fields: StaticFields::new(),
        }
    }
}

/// Loads rules sources in order, as Falco's default configuration does.
pub fn load(sources: &[RuleSource]) -> Result<RuleSet, LoadFailure> {
    load_with(sources, &LoadOptions::default())
}

/// Loads rules sources in order with `options`.
pub fn load_with(sources: &[RuleSource], options: &LoadOptions) -> Result<RuleSet, LoadFailure> {
    let mut files: Vec<SourceFile> = Vec::with_capacity(sources.len());
    let mut col = collector::Collector::default();
    let mut read_warnings: Vec<Warning> = Vec::new();
    let mut last: Option<Inner> = None;
    for src in sources {
        files.push(SourceFile::new(src.name.clone(), src.text.clone()));
        let fid = files.len() - 1;
        let mut reader = read::Reader {
            files: &files,
            fid,
            warnings: &mut read_warnings,
            statics: &options.static_fields,
        };
        if let Err(error) = reader.read(&mut col) {
            return Err(LoadFailure {
                error,
                warnings: read_warnings,
            });
        }
        let compiler = compile::Compiler {
            files: &files,
            warnings: Vec::new(),
            registry: Registry::default(),
            options,
        };
        match compiler.compile(&col) {
            Ok(inner) => last = Some(inner),
            Err(error) => {
                return Err(LoadFailure {
                    error,
                    warnings: read_warnings,
                });
            }
        }
    }
    let mut inner = match last {
        Some(i) => i,
        None => compile::Compiler {
            files: &files,
            warnings: Vec::new(),
            registry: Registry::default(),
            options,
        }
        .compile(&col)
        .map_err(|error| LoadFailure {
            error,
            warnings: Vec::new(),
        })?,
    };
    read_warnings.append(&mut inner.warnings);
    inner.warnings = read_warnings;
    inner.files = files;
    Ok(RuleSet {
        inner: Arc::new(inner),
    })
}

/// Reads and loads rules files (or directories of them, see [`RuleSource::from_path`]) in order.
pub fn load_files<P: AsRef<Path>>(paths: &[P]) -> Result<RuleSet, LoadFailure> {
    load_files_with(paths, &LoadOptions::default())
}

/// [`load_files`] with `options`.
pub fn load_files_with<P: AsRef<Path>>(
    paths: &[P],
    options: &LoadOptions,
) -> Result<RuleSet, LoadFailure> {
    let mut sources = Vec::with_capacity(paths.len());
    for p in paths {
        match RuleSource::from_path(p) {
            Ok(s) => sources.extend(s),
            Err(error) => {
                return Err(LoadFailure {
                    error,
                    warnings: Vec::new(),
                });
            }
        }
    }
    load_with(&sources, options)
}

/// The name filters are reported under in diagnostics.
pub const FILTER_NAME: &str = "<filter>";

impl RuleSet {
    /// rtsec's bundled default ruleset.
    pub fn bundled() -> Result<RuleSet, LoadFailure> {
        load(&[RuleSource::bundled()])
    }

    /// An empty rule set (no rules, lists or macros): for filters without `--rules`.
    pub fn empty() -> RuleSet {
        load(&[]).expect("an empty rule set always compiles")
    }

    /// The compiled rules in evaluation order (definition order; redefinitions keep their
    /// first position), disabled ones included.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &RuleInfo> + '_ {
        self.inner.rules.iter().map(|r| &r.info)
    }

    /// Warnings of loading (unknown keys, unused lists and macros, deprecated forms, …).
    pub fn warnings(&self) -> &[Warning] {
        &self.inner.warnings
    }

    pub fn counts(&self) -> Counts {
        Counts {
            rules: self.inner.rules.len(),
            macros: self.inner.n_macros,
            lists: self.inner.n_lists,
        }
    }

    /// The highest `required_engine_version` of the files, as `x.y.z`.
    pub fn required_engine_version(&self) -> Option<&str> {
        self.inner.required_engine_version.as_deref()
    }

    /// The names of the loaded files, in load order.
    pub fn files(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner.files.iter().map(|f| f.name.as_str())
    }

    /// Compiles a condition that may use this set's lists and macros (all of them are visible),
    /// e.g. for `rtsec events --filter`. Errors point into the condition (file `<filter>`).
    pub fn filter(&self, condition: &str) -> Result<Filter, RulesError> {
        let inner = &self.inner;
        // The filter's text lives in a registry of its own, after the set's texts, so that
        // positions inside macros still resolve through the set's registry.
        let mut reg = Registry {
            entries: Vec::new(),
        };
        let base = inner.registry.entries.len() as u32;
        let mut used = vec![false; inner.lists.len()];
        let owner = Some(ItemRef {
            kind: ItemKind::Filter,
            name: String::new(),
        });
        reg.add(
            Cond::free(condition),
            &inner.lists,
            &mut used,
            owner.clone(),
        );
        let text = reg.entries[0].text.clone();
        let diag = |at: Span, msg: String| {
            if at.text >= base {
                reg.diagnostic(
                    &inner.files,
                    Span {
                        text: at.text - base,
                        off: at.off,
                    },
                    owner.clone(),
                    msg,
                )
            } else {
                inner
                    .registry
                    .diagnostic(&inner.files, at, owner.clone(), msg)
            }
        };
        let ast = condition::parse(&text, base).map_err(|e| {
            RulesError::Syntax(Box::new(diag(
                Span {
                    text: base,
                    off: e.off as u32,
                },
                e.message,
            )))
        })?;
        let ast = resolve_all(&ast, &inner.macros)
            .map_err(|(at, m)| RulesError::Compile(Box::new(diag(at, m))))?;
        let node = compile_node(&ast, &inner.statics)
            .map_err(|e| RulesError::Compile(Box::new(diag(e.at, e.message))))?;
        Ok(Filter::new(node, crate::evttype::infer(&ast)))
    }
}

/// Replaces macro references with the (already resolved) macro trees of a set.
fn resolve_all(e: &Expr, macros: &FxHashMap<String, Expr>) -> Result<Expr, (Span, String)> {
    Ok(match e {
        Expr::And(v) => Expr::And(
            v.iter()
                .map(|x| resolve_all(x, macros))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Expr::Or(
            v.iter()
                .map(|x| resolve_all(x, macros))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(x) => Expr::Not(Box::new(resolve_all(x, macros)?)),
        Expr::Check(c) => Expr::Check(c.clone()),
        Expr::Macro { name, at } => match macros.get(name) {
            Some(m) => m.clone(),
            None => return Err((*at, format!("Undefined macro '{name}' used in filter."))),
        },
    })
}
