//! rtsec's Falco-compatible rules engine: loads Falco rules files, compiles their conditions and
//! outputs, and evaluates them on events of rtsec traces.
//!
//! The specification is `../shared/reference/falco-rules-language.md` (Falco rules language and
//! libsinsp semantics); differences from Falco are bugs or the documented choices below.
//!
//! # API
//!
//! **Load** — [`load`] takes [`RuleSource`]s in order (files via [`RuleSource::from_file`] or
//! [`load_files`]; [`RuleSource::bundled`] is rtsec's default ruleset) and gives a [`RuleSet`]
//! with its [`RuleSet::warnings`], or a [`LoadFailure`] with the first error. Errors
//! ([`RulesError`]) carry a [`Diagnostic`]: file, line, column, the item (rule / macro / list
//! name) and, for conditions, a caret snippet of the YAML line.
//!
//! **Evaluate** — [`Engine::new`]`(&set, `[`EngineOptions`]`)` indexes the enabled rules (and
//! those at least as severe as `min_priority`) by the event types their conditions can match.
//! An `Engine` is `Send + Sync`; each thread keeps a [`Scratch`] (from [`Engine::scratch`]) and
//! calls [`Engine::matches`]`(&event, &mut scratch)`, which returns the matching [`RuleId`]s in
//! definition order — at most one under [`RuleMatching::First`] (Falco's default), all of them
//! under [`RuleMatching::All`]. Evaluation allocates and formats nothing for events that match
//! nothing (once the scratch buffers have grown). To judge a decoded block, prefer
//! [`Engine::block_matcher`]`(&block, &mut scratch)`: the same verdicts, faster (see below).
//!
//! **Alerts** — for each hit, [`Engine::alert`] gives an [`Alert`]: the rule's [`RuleInfo`]
//! (name, priority, tags, source, desc, file), the formatted output, the typed
//! `output_fields` ([`OutputValue`]: string, int, uint, bool or null, plus `evt.time` in ns),
//! [`Alert::text_line`] (`HH:MM:SS.nnnnnnnnn: Priority output`, local time, like Falco) and
//! [`Alert::json_line`] (Falco's JSON: `hostname`, `output`, `output_fields`, `priority`,
//! `rule`, `source`, `tags`, `time`). The hostname comes from [`Scratch::set_hostname`]
//! (replay passes the trace header's).
//!
//! **Explanations** — [`Engine::explainer`]`(id)` gives an [`Explainer`] whose
//! [`Explainer::explain`] evaluates the rule's condition as written on one event, every part
//! of it: a tree of [`Step`]s (`and`, `or`, `not`, macros and exceptions by name, checks with
//! the values of the fields they read, as outputs print them), as text
//! ([`Step::write_text`], optionally only the parts that decide) or JSON. It uses the
//! reference evaluator, not the engine's programs; [`Engine::condition_holds`] gives the
//! engine's verdict for one rule to compare (`rtsec explain` does for every explanation).
//!
//! **Filters** — [`RuleSet::filter`] compiles a condition using the set's lists and macros into
//! a [`Filter`] (`rtsec events --filter`, import checks); [`RuleSet::empty`] for none.
//!
//! **Fields** — [`field_list`] lists every field rtsec knows ([`FieldInfo`]: name, argument,
//! type, one line about it), as `rtsec fields` prints them.
//!
//! # How evaluation is made fast
//!
//! [`Engine::new`] compiles every enabled rule once per event type it can match: checks on
//! `evt.type` (and Falco's `never_true`) fold to constants, `and`/`or` children are reordered by
//! a static estimate of cost and selectivity (conditions have no side effects, so verdicts do
//! not change), and the tree becomes a branch program (each check jumps to a true or a false
//! successor; `not` is free). Identical checks of all rules share one table entry whose result
//! is memoized per event where it can be asked twice. Checks on the hottest fields (`proc.name`,
//! `fd.name`, `fd.num`, …) are closures that read the field and test it in one call; costly
//! strings (`proc.cmdline`, `proc.args`, …) are built once per event into the [`Scratch`]. A unit
//! test checks the engine against plain evaluation of every rule on the synthetic event mix.
//!
//! A block stores every distinct string once, so a costly string check on a record's string
//! (`fd.name in (…)`, `fd.directory`, `proc.name in (…)`, `proc.aname`, `fd.nameraw contains …`)
//! answers the same for every event whose field is the same string of the block.
//! [`Engine::block_matcher`] (what replay uses) evaluates the events of one block remembering
//! those verdicts per string, a byte per string and check, cleared for each block; the block is
//! borrowed meanwhile, so the cache cannot outlive it. The matcher also skips rules refuted by
//! one string: each event type is keyed by the string most of its rules' conditions start with
//! (the opened file's name, the program's name); a rule that came out false having run only
//! checks decided by that string comes out false for every event of the type with the same
//! string, so it is skipped for them for the rest of the block. Conditions are reordered so
//! that such checks come first. Tests check the matcher against [`Engine::matches`] on the
//! synthetic mix, on every stable-rule test event, with one string in several roles, and with
//! rules that also read other fields. `cargo bench -p rtsec-rules` measures ns/event both ways.
//!
//! # Documented choices
//!
//! - Events are rtsec's exit-only events; `evt.dir` is always `<`.
//! - `fd.sip.name` and the other `fd.*.name` fields never use live DNS: comparisons use the
//!   answers in [`EngineOptions::hosts`] ([`HostTable`]), recorded at capture time or given by
//!   the caller; a name that is not in the table matches nothing. Outputs print the table's name
//!   for the address, else `<NA>`.
//! - `proc.cwd` ends with `/` (libsinsp keeps it so); `proc.aname` without an index matches any
//!   ancestor in conditions and prints all ancestors (parent first) in outputs.
//! - User and group names come from the records the capture resolved; without one, `root` for
//!   id 0 and `<NA>` otherwise (§6.7). `evt.arg.uid` resolves only uids the event's process
//!   records name.
//! - `evt.type` of generic syscalls uses Falco's names where they differ from the kernel's
//!   (`pread`, `pwrite`, `prlimit`). Event types Falco knows but rtsec never records
//!   (`container`, `signaldeliver`, …) are accepted and match nothing.
//! - Loading compiles after every file, as Falco does: a file may only use lists and macros of
//!   itself and earlier files. Warnings are those of the final compile plus each file's reading.
//! - The container plugin's fields are built in (`required_plugin_versions` for `container` is
//!   satisfied up to 0.7.1); other plugins are not available and requiring them is an error.
//! - Transformers `tolower`, `toupper`, `b64`, `basename`, `len` and `val()` are supported;
//!   `join`, `concat` and `getopt` are rejected with an error naming them.
//! - Text output escapes control characters the way a JSON encoder does; invalid UTF-8 is
//!   replaced (U+FFFD).

mod condition;
mod dns;
mod engine;
mod error;
mod evttype;
mod evttype_names;
mod explain;
mod fields;
mod filter;
mod glob;
mod loader;
mod output;
mod priority;
mod recorded;
mod render;
mod source;
mod yaml;

pub use dns::HostTable;
pub use engine::{
    Alert, BlockMatcher, Engine, EngineOptions, Filter, RuleCommand, RuleId, RuleMatching,
    RuleTarget, Scratch, TagSelection, event_args, event_type, matches_wildcard,
};
pub use error::{Diagnostic, ItemKind, ItemRef, RulesError, Warning};
pub use explain::{Closeness, Explainer, NameKind, Step, StepKind};
pub use fields::{
    FieldInfo, StaticFields, field_list, is_field, static_field_info, unsupported_fields,
};
pub use loader::{
    Counts, ENGINE_VERSION, ExceptionSite, FILTER_NAME, LoadFailure, LoadOptions, PROVIDED_PLUGINS,
    RuleInfo, RuleSet, load, load_files, load_files_with, load_with,
};
pub use output::time::{clock_text, iso8601_text};
pub use output::{
    AlertBuf, AlertFormat, AppendOutput, ExtraField, FieldValue, OutputValue, check_field,
    check_format,
};
pub use priority::Priority;
pub use recorded::{RecordedTypes, UnresolvedNames, UnseenTypes, WatchedSyscalls};
pub use source::{BUNDLED_NAME, BUNDLED_RULES, RuleSource, rules_files};
pub use yaml::clean_message as yaml_message;
pub use yaml::error_at as yaml_error_at;
