//! `rtsec fields [PATTERN]`: the fields conditions and outputs can use, as `falco --list`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Result;
use rtsec_rules::{FieldInfo, field_list, static_field_info, unsupported_fields};

/// List the fields conditions and outputs can use, with their type and what they hold (as
/// `falco --list`).
#[derive(clap::Args)]
pub struct Args {
    /// Only fields whose name contains this (case-insensitive): `proc.`, `ip`,
    /// `proc.aname[2]`.
    pub pattern: Option<String>,
    /// One JSON object per field, one per line.
    #[arg(long)]
    pub json: bool,
    /// List instead Falco's fields that rtsec does not evaluate, and why (a rule naming one is
    /// refused, or skipped with `skip-if-unknown-filter`).
    #[arg(long)]
    pub unsupported: bool,
    /// Also list the `static.NAME` fields this Falco configuration's `static_fields` define.
    #[arg(short = 'c', long = "falco-config", value_name = "FALCO_YAML")]
    pub falco_config: Option<PathBuf>,
    #[command(flatten)]
    pub falco_options: crate::rule_selection::FalcoOptions,
}

pub fn run(args: Args) -> Result<ExitCode> {
    if args.unsupported {
        return Ok(list_unsupported(&args));
    }
    let config =
        crate::rule_selection::config(args.falco_config.as_deref(), &args.falco_options.options)?;
    let pattern = args.pattern.as_deref().unwrap_or("").to_lowercase();
    // A field as rules write it, argument included (`proc.aname[2]`, `evt.arg.fd`), finds
    // its entry (`proc.aname[N]`).
    let pattern = match pattern.split_once('[') {
        Some((name, _)) if !name.is_empty() => name.to_string(),
        _ => pattern,
    };
    let wanted = |name: &str| name.to_lowercase().contains(&pattern);
    let mut fields: Vec<(String, FieldInfo, Option<&str>)> = field_list()
        .filter(|f| wanted(f.name))
        .map(|f| (f.usage(), f, None))
        .collect();
    for (name, value) in &config.static_fields {
        let full = format!("static.{name}");
        if wanted(&full) {
            fields.push((full, static_field_info(), Some(value.as_str())));
        }
    }
    if fields.is_empty() {
        eoutln!(
            "rtsec: no field matches {:?}; `rtsec fields` lists them all",
            args.pattern.as_deref().unwrap_or("")
        );
        return Ok(ExitCode::from(1));
    }
    if args.json {
        for (usage, info, value) in &fields {
            let mut v = serde_json::to_value(info)?;
            if let Some(value) = value {
                v["name"] = usage.clone().into();
                v["value"] = (*value).into();
            }
            outln!("{v}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    let width = fields.iter().map(|(u, ..)| u.len()).max().unwrap_or(0);
    let mut class = "";
    for (usage, info, value) in &fields {
        if info.class != class {
            if !class.is_empty() {
                outln!();
            }
            class = info.class;
            outln!("{class}");
        }
        let mut about = info.description.to_string();
        if let Some(v) = value {
            about = format!("{about}: {v:?}");
        }
        if info.argument_required {
            about.push_str(" (argument required)");
        }
        outln!("  {usage:<width$}  {:<7}  {about}", info.ty);
    }
    Ok(ExitCode::SUCCESS)
}

fn list_unsupported(args: &Args) -> ExitCode {
    let pattern = args.pattern.as_deref().unwrap_or("").to_lowercase();
    let fields: Vec<_> = unsupported_fields()
        .filter(|(name, _)| name.to_lowercase().contains(&pattern))
        .collect();
    if fields.is_empty() {
        eoutln!(
            "rtsec: no unsupported field matches {:?}; `rtsec fields --unsupported` lists them all",
            args.pattern.as_deref().unwrap_or("")
        );
        return ExitCode::from(1);
    }
    if args.json {
        for (name, why) in &fields {
            outln!(
                "{}",
                serde_json::json!({ "name": name, "unsupported": why })
            );
        }
        return ExitCode::SUCCESS;
    }
    let width = fields.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
    for (name, why) in &fields {
        outln!("  {name:<width$}  {why}");
    }
    ExitCode::SUCCESS
}
