//! How the judging commands (replay, diff) make an engine of rules files, a Falco
//! configuration and the command line's selection: the command line wins over the
//! configuration, which wins over the defaults (Falco's).

use std::path::{Path, PathBuf};

use anyhow::Result;
use rtsec_replay::Input;
use rtsec_replay::falco_config::FalcoConfig;
use rtsec_replay::inputs;
use rtsec_rules::{Engine, EngineOptions, Priority, RuleMatching, TagSelection};

/// Which rules run, as `falco` chooses them.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct SelectionArgs {
    /// Falco's rule_matching: stop at the first matching rule per event, or fire them all
    /// [default: first, or the Falco configuration's].
    #[arg(long, value_enum)]
    pub rule_matching: Option<Matching>,
    /// Load only rules at least this severe (emergency … debug) [default: debug, or the Falco
    /// configuration's `priority`].
    #[arg(long, value_name = "PRIORITY")]
    pub min_priority: Option<Priority>,
    /// Run only rules with this tag (repeatable: any of them), like `falco -t`.
    #[arg(short = 't', long = "tag", value_name = "TAG")]
    pub tags: Vec<String>,
    /// Do not run rules with this tag (repeatable), like `falco -T`.
    #[arg(short = 'T', long = "skip-tag", value_name = "TAG")]
    pub skip_tags: Vec<String>,
}

/// Falco's `-o KEY=VALUE`, for the commands that take a --falco-config.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct FalcoOptions {
    /// Set a setting of the --falco-config, as `falco -o` does (repeatable, in order):
    /// `json_output=true`, `rules[].disable.rule=NAME`, `rules_files[]=more.yaml` (`[]`
    /// appends to a list), `append_output[]={extra_output: "on=%proc.name"}`. Without
    /// --falco-config, the settings apply over Falco's defaults.
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE")]
    pub options: Vec<String>,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Matching {
    First,
    All,
}

/// The Falco configuration at `path` with `options` (`-o KEY=VALUE`) applied (without a
/// path: the options over Falco's defaults), its notes printed on stderr.
pub fn config(path: Option<&Path>, options: &[String]) -> Result<FalcoConfig> {
    let config = match path {
        Some(p) => FalcoConfig::load_with(p, options)?,
        None if options.is_empty() => FalcoConfig::default(),
        None => FalcoConfig::from_options(options)?,
    };
    for n in &config.notes {
        eoutln!("rtsec: note: {}: {n}", config.path.display());
    }
    Ok(config)
}

/// The engine of `rules` (else the configuration's `rules_files`, else the bundled rules),
/// selected by `sel`, else by `config`, for `inputs` (their recorded DNS answers). Says on
/// stderr when no rule is left enabled.
pub fn engine(
    rules: &[PathBuf],
    config: &FalcoConfig,
    sel: &SelectionArgs,
    inputs: &[Input],
) -> Result<Engine> {
    let rules = match (rules, &config.rules_files) {
        ([], Some(files)) if files.is_empty() => anyhow::bail!(
            "{}: `rules_files` names no rules file that exists; pass --rules",
            config.path.display()
        ),
        ([], Some(files)) => files.clone(),
        _ => rules.to_vec(),
    };
    let set = rtsec_replay::rules::load(&rules, None, &config.load_options())?;
    let engine = Engine::new(
        &set,
        EngineOptions {
            rule_matching: match sel.rule_matching {
                Some(Matching::First) => RuleMatching::First,
                Some(Matching::All) => RuleMatching::All,
                None => config.rule_matching.unwrap_or_default(),
            },
            min_priority: sel
                .min_priority
                .or(config.priority)
                .unwrap_or(Priority::Debug),
            hosts: inputs::recorded_hosts(inputs),
            tags: TagSelection {
                only: sel.tags.clone(),
                skip: sel.skip_tags.clone(),
            },
            commands: config.commands.clone(),
            format: config.format,
        },
    );
    if engine.enabled().is_empty() {
        eoutln!(
            "rtsec: warning: no rule is enabled ({} loaded; see --min-priority, --tag, \
             --skip-tag and the falco config's `priority` and `rules:`): nothing can match",
            set.rules().count()
        );
    }
    Ok(engine)
}
