//! `rtsec rules list`: the rules a set of rules files defines, in evaluation order.

use crate::output::count;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use rtsec_rules::{Engine, EngineOptions, Priority, RuleSet};

/// Inspect rules files.
#[derive(clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(clap::Subcommand)]
pub enum Command {
    /// List the rules: name, priority, event types, enabled, source file.
    List(ListArgs),
}

#[derive(clap::Args)]
pub struct ListArgs {
    /// Rules files or directories of them, loaded in order (default: rtsec's bundled rules).
    #[arg(long = "rules", short = 'r', num_args = 1.., value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// More rules files or directories, after those of --rules (`rtsec rules list r.yaml`).
    #[arg(value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// One JSON object per rule instead of a table.
    #[arg(long)]
    pub json: bool,
    /// A Falco configuration (falco.yaml): its `rules_files` when no --rules are given, and
    /// ENABLED as its `priority` and `rules:` enable/disable commands leave each rule.
    #[arg(short = 'c', long = "falco-config", value_name = "FALCO_YAML")]
    pub falco_config: Option<PathBuf>,
    #[command(flatten)]
    pub falco_options: crate::rule_selection::FalcoOptions,
}

/// Loads `--rules` files in order, or the bundled set when there are none. Load errors keep
/// their position and caret snippet.
pub fn load(paths: &[PathBuf]) -> Result<RuleSet> {
    let r = if paths.is_empty() {
        RuleSet::bundled()
    } else {
        rtsec_rules::load_files(paths)
    };
    r.map_err(|e| anyhow::anyhow!("{}", e.error))
}

/// Loads `--rules` files, or an empty set (no lists or macros) when there are none.
pub fn load_or_empty(paths: &[PathBuf]) -> Result<RuleSet> {
    if paths.is_empty() {
        Ok(RuleSet::empty())
    } else {
        load(paths)
    }
}

pub fn run(args: Args) -> Result<ExitCode> {
    match args.command {
        Command::List(a) => list(a),
    }
}

fn list(mut a: ListArgs) -> Result<ExitCode> {
    a.rules.append(&mut a.files);
    let config =
        crate::rule_selection::config(a.falco_config.as_deref(), &a.falco_options.options)?;
    let rules = match (&a.rules[..], &config.rules_files) {
        ([], Some(files)) => files,
        _ => &a.rules,
    };
    let set = rtsec_replay::rules::load(rules, None, &config.load_options())?;
    // Enabled as a replay would run them: the file's `enabled`, then the configuration.
    let engine = Engine::new(
        &set,
        EngineOptions {
            min_priority: config.priority.unwrap_or(Priority::Debug),
            commands: config.commands.clone(),
            ..Default::default()
        },
    );
    let mut enabled = vec![false; set.rules().count()];
    for &id in engine.enabled() {
        enabled[id as usize] = true;
    }
    let types = |r: &rtsec_rules::RuleInfo| {
        if r.all_event_types {
            "(all)".to_string()
        } else if r.event_types.is_empty() {
            "(none)".to_string()
        } else {
            r.event_types.join(",")
        }
    };
    let file = |r: &rtsec_rules::RuleInfo| {
        let name = Path::new(&r.file)
            .file_name()
            .map_or(r.file.clone(), |f| f.to_string_lossy().into_owned());
        format!("{name}:{}", r.line)
    };
    let mut out = String::new();
    if a.json {
        for (i, r) in set.rules().enumerate() {
            let v = serde_json::json!({
                "name": r.name,
                "priority": r.priority.as_str(),
                "event_types": if r.all_event_types { None } else { Some(&r.event_types) },
                "enabled": enabled[i],
                "tags": r.tags,
                "source": r.source,
                "file": r.file,
                "line": r.line,
            });
            out.push_str(&v.to_string());
            out.push('\n');
        }
    } else {
        let rows: Vec<[String; 5]> = set
            .rules()
            .enumerate()
            .map(|(i, r)| {
                [
                    r.name.clone(),
                    r.priority.to_string(),
                    types(r),
                    if enabled[i] { "yes" } else { "no" }.to_string(),
                    file(r),
                ]
            })
            .collect();
        let head = ["NAME", "PRIORITY", "EVENT TYPES", "ENABLED", "FILE"].map(String::from);
        let mut w = [0usize; 5];
        for row in std::iter::once(&head).chain(&rows) {
            for (i, c) in row.iter().enumerate() {
                w[i] = w[i].max(c.chars().count());
            }
        }
        for row in std::iter::once(&head).chain(&rows) {
            let mut line = String::new();
            for (i, c) in row.iter().enumerate() {
                if i + 1 < row.len() {
                    line.push_str(&format!("{c:<width$}  ", width = w[i]));
                } else {
                    line.push_str(c);
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        let c = set.counts();
        out.push_str(&format!(
            "{} ({} enabled), {}, {}\n",
            count(c.rules as u64, "rule", "rules"),
            engine.enabled().len(),
            count(c.macros as u64, "macro", "macros"),
            count(c.lists as u64, "list", "lists"),
        ));
    }
    crate::cmd::validate::print_stdout(&out)?;
    Ok(ExitCode::SUCCESS)
}
