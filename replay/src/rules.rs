//! Choosing the rules of a run: files in order, the bundled default set by name, or the bundled
//! set when nothing is given.

use std::path::{Path, PathBuf};

use rtsec_rules::{BUNDLED_NAME, LoadOptions, RuleSet, RuleSource};

use crate::error::ReplayError;

/// The name that stands for rtsec's bundled ruleset among rules files (`--rules '<bundled>'`,
/// `rules: ['<bundled>']` in test cases), e.g. to load it before a file that extends its lists.
pub const BUNDLED: &str = BUNDLED_NAME;

/// Loads rules files in order (`<bundled>` is the bundled set, a directory its `*.yaml` and
/// `*.yml` files as with Falco's `-r`); none at all means the bundled set. Paths are used as
/// given; `base` (a case file's directory) resolves relative ones. `options` are what a
/// falco.yaml adds (see `FalcoConfig::load_options`).
pub fn load(
    paths: &[PathBuf],
    base: Option<&Path>,
    options: &LoadOptions,
) -> Result<RuleSet, ReplayError> {
    let mut sources = Vec::with_capacity(paths.len().max(1));
    if paths.is_empty() {
        sources.push(RuleSource::bundled());
    }
    for p in paths {
        if p.as_os_str() == BUNDLED {
            sources.push(RuleSource::bundled());
            continue;
        }
        let full = match base {
            Some(b) if p.is_relative() => b.join(p),
            _ => p.clone(),
        };
        sources
            .extend(RuleSource::from_path(&full).map_err(|e| ReplayError::Rules(e.to_string()))?);
    }
    rtsec_rules::load_with(&sources, options).map_err(|e| ReplayError::Rules(e.error.to_string()))
}
