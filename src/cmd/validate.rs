//! `rtsec validate`: load rules files like `falco -V` and report OK, warnings and errors with
//! their positions. Exit status 1 if the rules do not load.

use crate::output::count;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

/// Check rules files: syntax, fields, macros, lists, outputs.
#[derive(clap::Args)]
pub struct Args {
    /// Rules files or directories of them, loaded in order as Falco would (default: rtsec's
    /// bundled rules).
    #[arg(long = "rules", short = 'r', num_args = 1.., value_name = "FILE|DIR")]
    pub rules: Vec<PathBuf>,
    /// More rules files or directories, after those of --rules (`rtsec validate rules.yaml`).
    #[arg(value_name = "FILE|DIR")]
    pub files: Vec<PathBuf>,
    /// A Falco configuration (falco.yaml), as `falco -c … -V`: its `rules_files` when no
    /// --rules are given, and the `append_output` and `static_fields` the rules are compiled
    /// with (outputs and conditions may name its static fields).
    #[arg(short = 'c', long = "falco-config", value_name = "FALCO_YAML")]
    pub falco_config: Option<PathBuf>,
    #[command(flatten)]
    pub falco_options: crate::rule_selection::FalcoOptions,
}

pub fn run(mut args: Args) -> Result<ExitCode> {
    args.rules.append(&mut args.files);
    let config =
        crate::rule_selection::config(args.falco_config.as_deref(), &args.falco_options.options)?;
    if args.rules.is_empty()
        && let Some(files) = &config.rules_files
    {
        if files.is_empty() {
            anyhow::bail!(
                "{}: `rules_files` names no rules file that exists; pass --rules",
                config.path.display()
            );
        }
        args.rules = files.clone();
    }
    let options = config.load_options();
    let names: Vec<String> = if args.rules.is_empty() {
        vec![rtsec_rules::BUNDLED_NAME.to_string()]
    } else {
        // A directory is named by the files it contributes (an unreadable one as given: the
        // load below reports why).
        args.rules
            .iter()
            .flat_map(|p| rtsec_rules::rules_files(p).unwrap_or_else(|_| vec![p.clone()]))
            .map(|p| p.display().to_string())
            .collect()
    };
    let result = if args.rules.is_empty() {
        rtsec_rules::load_with(&[rtsec_rules::RuleSource::bundled()], &options)
    } else {
        rtsec_rules::load_files_with(&args.rules, &options)
    };
    let mut out = String::from("Validating rules file(s):\n");
    for n in &names {
        out.push_str(&format!("   {n}\n"));
    }
    let (warnings, code) = match &result {
        Ok(set) => {
            let c = set.counts();
            out.push_str(&format!(
                "{}: Ok{} ({}, {}, {})\n",
                names.join(", "),
                if set.warnings().is_empty() {
                    ""
                } else {
                    ", with warnings"
                },
                count(c.rules as u64, "rule", "rules"),
                count(c.macros as u64, "macro", "macros"),
                count(c.lists as u64, "list", "lists"),
            ));
            (set.warnings(), ExitCode::SUCCESS)
        }
        Err(f) => {
            out.push_str(&format!("{}: Invalid\n", names.join(", ")));
            out.push_str(&format!("1 Error:\n{}\n", indent(&f.error.to_string())));
            (&f.warnings[..], ExitCode::from(1))
        }
    };
    if !warnings.is_empty() {
        out.push_str(&format!("{} Warning(s):\n", warnings.len()));
        for w in warnings {
            out.push_str(&format!("  {}\n", w.headline()));
        }
    }
    print_stdout(&out)?;
    Ok(code)
}

fn indent(s: &str) -> String {
    s.lines()
        .map(|l| format!("  {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Writes to stdout; a closed pipe (`| head`) is not an error.
pub fn print_stdout(s: &str) -> Result<()> {
    let mut o = std::io::stdout().lock();
    match o.write_all(s.as_bytes()).and_then(|_| o.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        r => r.context("writing to stdout"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(c: ExitCode) -> String {
        format!("{c:?}")
    }

    #[test]
    fn bundled_rules_validate_and_malformed_ones_do_not() {
        let args = |rules: Vec<PathBuf>| Args {
            rules,
            files: Vec::new(),
            falco_config: None,
            falco_options: Default::default(),
        };
        let ok = run(args(vec![])).unwrap();
        assert_eq!(code(ok), code(ExitCode::SUCCESS));
        let stable = PathBuf::from("../shared/falco-rules/falco_rules.yaml");
        assert_eq!(
            code(run(args(vec![stable])).unwrap()),
            code(ExitCode::SUCCESS)
        );
        let bad = PathBuf::from("rules/tests/malformed/05_unclosed_parenthesis.yaml");
        assert_eq!(code(run(args(vec![bad])).unwrap()), code(ExitCode::from(1)));
    }

    #[test]
    fn rules_list_runs_on_falco_and_bundled_rules() {
        use crate::cmd::rules::{Args as RArgs, Command, ListArgs, run as rules_run};
        for rules in [
            vec![],
            vec![PathBuf::from("../shared/falco-rules/falco_rules.yaml")],
        ] {
            let a = RArgs {
                command: Command::List(ListArgs {
                    rules,
                    files: Vec::new(),
                    json: false,
                    falco_config: None,
                    falco_options: Default::default(),
                }),
            };
            assert_eq!(code(rules_run(a).unwrap()), code(ExitCode::SUCCESS));
        }
        let a = RArgs {
            command: Command::List(ListArgs {
                rules: Vec::new(),
                files: vec![PathBuf::from("/nonexistent.yaml")],
                json: true,
                falco_config: None,
                falco_options: Default::default(),
            }),
        };
        let e = rules_run(a).unwrap_err().to_string();
        assert!(e.contains("/nonexistent.yaml"), "{e}");
    }
}
