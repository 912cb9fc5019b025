//! Dictionaries of a row group's dictionary-encoded columns, filled from the rules and inputs
//! of its rows (never by hashing row values).

use std::collections::HashMap;

use super::stats::TextRange;
use super::{DICTIONARY, HOSTNAME, KEYS, PRIORITY, RULE, SOURCE, TAGS, TRACE};
use crate::hit_rows::{HitRows, RuleCatalog, push_plain};

/// Distinct strings of a dictionary-encoded column, in first-use order (PLAIN).
#[derive(Default)]
pub(super) struct Dict {
    index: HashMap<Box<str>, u32>,
    plain: Vec<u8>,
}

impl Dict {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.index.len() as u32;
        self.index.insert(s.into(), i);
        push_plain(&mut self.plain, s.as_bytes());
        i
    }

    /// The smallest and largest entry.
    pub fn range(&self) -> TextRange {
        let mut r = TextRange::default();
        r.add_plain(&self.plain);
        r
    }

    /// The dictionary page's values and their count. A column without values (only empty
    /// tag lists) still gets a one-entry dictionary: readers need one for its pages.
    pub fn page(&mut self) -> (&[u8], usize) {
        if self.index.is_empty() {
            self.id("");
        }
        (&self.plain, self.index.len())
    }
}

/// A rule's dictionary indices in a row group.
pub(super) struct RuleIds {
    pub rule: u32,
    pub priority: u32,
    pub source: u32,
    pub tags: Vec<u32>,
    pub keys: Vec<u32>,
}

#[derive(Default)]
pub(super) struct Dicts {
    columns: [Dict; DICTIONARY.len()],
    rules: Vec<Option<RuleIds>>,
    /// Per input seen: (input, hostname index, trace index).
    inputs: Vec<(u32, u32, u32)>,
}

impl Dicts {
    pub fn column(&mut self, leaf: usize) -> &mut Dict {
        let i = DICTIONARY
            .iter()
            .position(|&c| c == leaf)
            .expect("a dictionary column");
        &mut self.columns[i]
    }

    /// Makes sure the rules and inputs of `rows` have their indices.
    pub fn learn(&mut self, rows: &HitRows) {
        for &id in &rows.rule {
            if self.rules.get(id as usize).is_none_or(Option::is_none) {
                self.learn_rule(&rows.catalog, id);
            }
        }
        for s in &rows.sources {
            if !self.inputs.iter().any(|(i, _, _)| *i == s.input) {
                let host = self.column(HOSTNAME).id(&s.hostname);
                let trace = self.column(TRACE).id(&s.trace);
                self.inputs.push((s.input, host, trace));
            }
        }
    }

    #[cold]
    fn learn_rule(&mut self, catalog: &RuleCatalog, id: u32) {
        let e = catalog.get(id);
        let ids = RuleIds {
            rule: self.column(RULE).id(&e.name),
            priority: self.column(PRIORITY).id(e.priority),
            source: self.column(SOURCE).id(&e.source),
            tags: e.tags.iter().map(|t| self.column(TAGS).id(t)).collect(),
            keys: e.keys.iter().map(|k| self.column(KEYS).id(k)).collect(),
        };
        let slot = id as usize;
        if self.rules.len() <= slot {
            self.rules.resize_with(slot + 1, || None);
        }
        self.rules[slot] = Some(ids);
    }

    pub fn rule(&self, id: u32) -> &RuleIds {
        self.rules[id as usize].as_ref().expect("learned")
    }

    pub fn input(&self, input: u32) -> (u32, u32) {
        let (_, h, t) = self
            .inputs
            .iter()
            .find(|(i, _, _)| *i == input)
            .expect("learned");
        (*h, *t)
    }
}
