//! What the rules files define, collected in order with Falco's define / append / override
//! semantics (`rule_loader_collector.cpp`): a redefinition keeps its original position; every
//! item gets a visibility stamp from one counter shared by lists, macros and rules.

use std::collections::BTreeSet;

use rustc_hash::FxHashMap;

use super::texts::Cond;
use crate::priority::Priority;

/// A position in a loaded file: file index and byte offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    pub file: usize,
    pub byte: usize,
}

/// A vector with lookup by name.
#[derive(Debug)]
pub(crate) struct Indexed<T> {
    pub items: Vec<T>,
    by_name: FxHashMap<String, usize>,
}

impl<T> Default for Indexed<T> {
    fn default() -> Self {
        Indexed {
            items: Vec::new(),
            by_name: FxHashMap::default(),
        }
    }
}

impl<T> Indexed<T> {
    pub fn get(&self, name: &str) -> Option<&T> {
        self.by_name.get(name).map(|&i| &self.items[i])
    }
    pub fn get_mut(&mut self, name: &str) -> Option<&mut T> {
        self.by_name.get(name).map(|&i| &mut self.items[i])
    }
    pub fn position(&self, name: &str) -> Option<usize> {
        self.by_name.get(name).copied()
    }
    fn insert(&mut self, name: String, v: T) {
        self.by_name.insert(name, self.items.len());
        self.items.push(v);
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ListInfo {
    pub name: String,
    pub items: Vec<String>,
    pub index: u32,
    pub visibility: u32,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub(crate) struct MacroInfo {
    pub name: String,
    pub cond: Cond,
    pub index: u32,
    pub visibility: u32,
    pub pos: Pos,
}

/// An exception entry: a scalar or a list of entries.
#[derive(Clone, Debug)]
pub(crate) enum Entry {
    Scalar(String, Pos),
    List(Vec<Entry>, Pos),
}

impl Entry {
    pub fn pos(&self) -> Pos {
        match self {
            Entry::Scalar(_, p) | Entry::List(_, p) => *p,
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct ExceptionInfo {
    pub name: String,
    pub fields: Option<Entry>,
    pub comps: Option<Entry>,
    pub values: Vec<Entry>,
    pub pos: Pos,
}

#[derive(Clone, Debug)]
pub(crate) struct RuleInfo {
    pub name: String,
    pub cond: Cond,
    pub cond_pos: Pos,
    pub output: String,
    pub output_pos: Pos,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub enabled: bool,
    pub tags: BTreeSet<String>,
    pub exceptions: Vec<ExceptionInfo>,
    pub warn_evttypes: bool,
    pub skip_if_unknown_filter: bool,
    pub capture: bool,
    pub capture_duration: u64,
    pub index: u32,
    pub visibility: u32,
    pub pos: Pos,
    pub unknown_source: bool,
}

/// A rule update from `append: true` or `override:`; only the keys given are set.
#[derive(Clone, Debug, Default)]
pub(crate) struct RuleUpdate {
    pub cond: Option<(Cond, Pos)>,
    pub output: Option<(String, Pos)>,
    pub desc: Option<String>,
    pub tags: Option<BTreeSet<String>>,
    pub exceptions: Option<Vec<ExceptionInfo>>,
    pub priority: Option<Priority>,
    pub enabled: Option<bool>,
    pub warn_evttypes: Option<bool>,
    pub skip_if_unknown_filter: Option<bool>,
    pub capture: Option<bool>,
    pub capture_duration: Option<u64>,
}

impl RuleUpdate {
    pub fn has_any_value(&self) -> bool {
        self.cond.is_some()
            || self.output.is_some()
            || self.desc.is_some()
            || self.tags.is_some()
            || self.exceptions.is_some()
            || self.priority.is_some()
            || self.enabled.is_some()
            || self.warn_evttypes.is_some()
            || self.skip_if_unknown_filter.is_some()
            || self.capture.is_some()
            || self.capture_duration.is_some()
    }
}

/// A semantic version `major.minor.patch`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Version(pub u64, pub u64, pub u64);

impl Version {
    pub fn parse(s: &str) -> Option<Version> {
        let s = s.trim();
        let core = s.split(['-', '+']).next()?;
        let mut it = core.split('.');
        let v = Version(
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
            it.next()?.parse().ok()?,
        );
        if it.next().is_some() {
            return None;
        }
        Some(v)
    }
    /// `sinsp_version::compatible_with`: same major, and at least `req`.
    pub fn compatible_with(self, req: Version) -> bool {
        self.0 == req.0 && self >= req
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.0, self.1, self.2)
    }
}

#[derive(Debug, Default)]
pub(crate) struct Collector {
    pub lists: Indexed<ListInfo>,
    pub macros: Indexed<MacroInfo>,
    pub rules: Indexed<RuleInfo>,
    cur_index: u32,
    pub required_engine_version: Option<Version>,
}

/// Why a collector operation failed.
pub(crate) type CollectError = String;

pub(crate) const ERROR_NO_PREVIOUS_LIST: &str =
    "List has 'append' key or an append override but no list by that name already exists";
pub(crate) const ERROR_NO_PREVIOUS_MACRO: &str =
    "Macro has 'append' key or an append override but no macro by that name already exists";
pub(crate) const ERROR_NO_PREVIOUS_RULE_APPEND: &str =
    "Rule has 'append' key or an append override but no rule by that name already exists";
pub(crate) const ERROR_NO_PREVIOUS_RULE_REPLACE: &str =
    "An replace to a rule was requested but no rule by that name already exists";

impl Collector {
    fn next_index(&mut self) -> u32 {
        let i = self.cur_index;
        self.cur_index += 1;
        i
    }

    pub fn define_list(&mut self, mut info: ListInfo) {
        let id = self.next_index();
        info.visibility = id;
        match self.lists.get_mut(&info.name) {
            Some(prev) => {
                info.index = prev.index;
                *prev = info;
            }
            None => {
                info.index = id;
                self.lists.insert(info.name.clone(), info);
            }
        }
    }

    pub fn append_list(&mut self, info: ListInfo) -> Result<(), CollectError> {
        let id = self.next_index();
        let prev = self
            .lists
            .get_mut(&info.name)
            .ok_or(ERROR_NO_PREVIOUS_LIST)?;
        prev.items.extend(info.items);
        prev.visibility = id;
        Ok(())
    }

    pub fn define_macro(&mut self, mut info: MacroInfo) {
        let id = self.next_index();
        info.visibility = id;
        match self.macros.get_mut(&info.name) {
            Some(prev) => {
                info.index = prev.index;
                *prev = info;
            }
            None => {
                info.index = id;
                self.macros.insert(info.name.clone(), info);
            }
        }
    }

    pub fn append_macro(&mut self, info: MacroInfo) -> Result<(), CollectError> {
        let id = self.next_index();
        let prev = self
            .macros
            .get_mut(&info.name)
            .ok_or(ERROR_NO_PREVIOUS_MACRO)?;
        prev.cond.push(
            " ",
            super::texts::Origin::At {
                file: info.pos.file,
                byte: info.pos.byte,
            },
        );
        prev.cond.push_cond(&info.cond);
        prev.visibility = id;
        Ok(())
    }

    pub fn define_rule(&mut self, mut info: RuleInfo) -> Result<(), CollectError> {
        if let Some(prev) = self.rules.get(&info.name)
            && prev.source != info.source
        {
            return Err("Rule has been re-defined with a different source".into());
        }
        let id = self.next_index();
        info.visibility = id;
        match self.rules.get_mut(&info.name) {
            Some(prev) => {
                info.index = prev.index;
                *prev = info;
            }
            None => {
                info.index = id;
                self.rules.insert(info.name.clone(), info);
            }
        }
        Ok(())
    }

    /// `append: true` or `override: {key: append}`. Exceptions are merged by name.
    pub fn append_rule(
        &mut self,
        name: &str,
        u: RuleUpdate,
    ) -> Result<(), (CollectError, Option<Pos>)> {
        let id = self.next_index();
        let prev = self
            .rules
            .get_mut(name)
            .ok_or((ERROR_NO_PREVIOUS_RULE_APPEND.to_string(), None))?;
        if !u.has_any_value() {
            return Err((
                "Appended rule must have exceptions or condition property".into(),
                None,
            ));
        }
        if let Some((c, pos)) = u.cond
            && !c.text.is_empty()
        {
            prev.cond.push(
                " ",
                super::texts::Origin::At {
                    file: pos.file,
                    byte: pos.byte,
                },
            );
            prev.cond.push_cond(&c);
        }
        if let Some((o, _)) = u.output
            && !o.is_empty()
        {
            prev.output.push(' ');
            prev.output.push_str(&o);
        }
        if let Some(d) = u.desc
            && !d.is_empty()
        {
            prev.desc.push(' ');
            prev.desc.push_str(&d);
        }
        if let Some(t) = u.tags {
            prev.tags.extend(t);
        }
        if let Some(exs) = u.exceptions {
            for ex in exs {
                match prev.exceptions.iter_mut().find(|e| e.name == ex.name) {
                    None => {
                        if ex.fields.is_none() {
                            return Err((
                                "Rule exception must have fields property with a list of fields"
                                    .into(),
                                Some(ex.pos),
                            ));
                        }
                        if ex.values.is_empty() {
                            return Err((
                                "Rule exception must have values property with a list of values"
                                    .into(),
                                Some(ex.pos),
                            ));
                        }
                        prev.exceptions.push(ex);
                    }
                    Some(pe) => {
                        if ex.fields.is_some() {
                            return Err((
                                "Can not append exception fields to existing exception, only values"
                                    .into(),
                                Some(ex.pos),
                            ));
                        }
                        if ex.comps.is_some() {
                            return Err((
                                "Can not append exception comps to existing exception, only values"
                                    .into(),
                                Some(ex.pos),
                            ));
                        }
                        pe.values.extend(ex.values);
                    }
                }
            }
        }
        prev.visibility = id;
        Ok(())
    }

    /// `override: {key: replace}`.
    pub fn replace_rule(&mut self, name: &str, u: RuleUpdate) -> Result<(), CollectError> {
        let id = self.next_index();
        let prev = self
            .rules
            .get_mut(name)
            .ok_or(ERROR_NO_PREVIOUS_RULE_REPLACE)?;
        if !u.has_any_value() {
            return Err("The rule must have at least one field that can be replaced".into());
        }
        if let Some((c, pos)) = u.cond {
            prev.cond = c;
            prev.cond_pos = pos;
        }
        if let Some((o, pos)) = u.output {
            prev.output = o;
            prev.output_pos = pos;
        }
        if let Some(d) = u.desc {
            prev.desc = d;
        }
        if let Some(t) = u.tags {
            prev.tags = t;
        }
        if let Some(e) = u.exceptions {
            prev.exceptions = e;
        }
        if let Some(p) = u.priority {
            prev.priority = p;
        }
        if let Some(e) = u.enabled {
            prev.enabled = e;
        }
        if let Some(w) = u.warn_evttypes {
            prev.warn_evttypes = w;
        }
        if let Some(s) = u.skip_if_unknown_filter {
            prev.skip_if_unknown_filter = s;
        }
        if let Some(c) = u.capture {
            prev.capture = c;
        }
        if let Some(c) = u.capture_duration {
            prev.capture_duration = c;
        }
        prev.visibility = id;
        Ok(())
    }

    /// The deprecated standalone `enabled:` item.
    pub fn enable_rule(&mut self, name: &str, enabled: bool) -> Result<(), CollectError> {
        let prev = self
            .rules
            .get_mut(name)
            .ok_or("Rule has 'enabled' key but no rule by that name already exists")?;
        prev.enabled = enabled;
        Ok(())
    }

    pub fn require_engine_version(&mut self, v: Version) {
        if self.required_engine_version.is_none_or(|r| r < v) {
            self.required_engine_version = Some(v);
        }
    }
}
