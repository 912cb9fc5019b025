//! Errors and warnings of loading and compiling rules, with the position they refer to.

use std::fmt;

/// What kind of rules-file item a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ItemKind {
    Rule,
    Macro,
    List,
    Exception,
    RequiredEngineVersion,
    RequiredPluginVersions,
    /// A top-level element that is none of the above.
    Item,
    /// A condition given outside a rules file (`rtsec events --filter`).
    Filter,
}

impl ItemKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Rule => "rule",
            ItemKind::Macro => "macro",
            ItemKind::List => "list",
            ItemKind::Exception => "exception",
            ItemKind::RequiredEngineVersion => "required_engine_version",
            ItemKind::RequiredPluginVersions => "required_plugin_versions",
            ItemKind::Item => "item",
            ItemKind::Filter => "filter",
        }
    }
}

/// The item a diagnostic belongs to: `rule 'Terminal shell in container'`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ItemRef {
    pub kind: ItemKind,
    pub name: String,
}

/// One message about a place in a rules file (or in a filter string).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Diagnostic {
    /// The rules file (its path as given, `<bundled>` for the built-in set, `<filter>` for a
    /// command-line condition).
    pub file: String,
    /// 1-based line and column (in characters); 0 when unknown.
    pub line: u32,
    pub column: u32,
    pub item: Option<ItemRef>,
    pub message: String,
    /// The source line with a caret under the problem (two lines, no trailing newline).
    pub snippet: Option<String>,
}

impl Diagnostic {
    /// `file:line:col: rule 'x': message` on one line, without the snippet.
    pub fn headline(&self) -> String {
        let mut s = self.file.clone();
        if self.line > 0 {
            s.push_str(&format!(":{}:{}", self.line, self.column));
        }
        s.push_str(": ");
        if let Some(it) = &self.item {
            if it.name.is_empty() {
                s.push_str(&format!("{}: ", it.kind.as_str()));
            } else {
                s.push_str(&format!("{} '{}': ", it.kind.as_str(), it.name));
            }
        }
        s.push_str(&self.message);
        s
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let Some(sn) = &self.snippet {
            write!(f, "\n{sn}")?;
        }
        Ok(())
    }
}

/// A warning: loading goes on (unknown keys, unused lists and macros, deprecated forms, …).
pub type Warning = Diagnostic;

/// Everything that can go wrong loading rules or compiling a condition.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    /// A rules file could not be read from disk.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML.
    #[error("{0}")]
    Yaml(Box<Diagnostic>),
    /// The YAML is valid but an item does not follow the rules-file schema (missing key, bad
    /// priority, wrong value type, append without a previous definition, …).
    #[error("{0}")]
    Schema(Box<Diagnostic>),
    /// A condition does not parse.
    #[error("{0}")]
    Syntax(Box<Diagnostic>),
    /// A condition parses but does not compile: unknown field, undefined macro, an operator the
    /// field does not support, a value of the wrong type, an unknown event type.
    #[error("{0}")]
    Compile(Box<Diagnostic>),
    /// A rule's output format is invalid.
    #[error("{0}")]
    Output(Box<Diagnostic>),
}

impl RulesError {
    /// The diagnostic with the position, when there is one (every variant but `Io`).
    pub fn diagnostic(&self) -> Option<&Diagnostic> {
        match self {
            RulesError::Io { .. } => None,
            RulesError::Yaml(d)
            | RulesError::Schema(d)
            | RulesError::Syntax(d)
            | RulesError::Compile(d)
            | RulesError::Output(d) => Some(d),
        }
    }

    /// One line: the headline of the diagnostic, or the I/O error.
    pub fn headline(&self) -> String {
        match self.diagnostic() {
            Some(d) => d.headline(),
            None => self.to_string(),
        }
    }
}
