//! The dictionaries of the hits file's dictionary-encoded columns. They are the same for the
//! whole run: made once from the enabled rules (rule, priority, source, tags, output-field
//! keys), and per input for host and trace. So pages encoded by any worker use the same
//! indices, and the file puts pages of consecutive blocks into one column chunk under one
//! dictionary page, never hashing a row's values.

use std::collections::HashMap;
use std::sync::Arc;

use super::stats::TextRange;
use super::{KEYS, PRIORITY, RULE, SOURCE, TAGS};
use rtsec_rules::Engine;

use crate::hit_rows::push_plain;

/// The distinct strings of a column, in the order first met.
#[derive(Debug, Default)]
pub(crate) struct Dictionary {
    entries: Vec<Box<str>>,
    index: HashMap<Box<str>, u32>,
    plain: Vec<u8>,
}

impl Dictionary {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.entries.len() as u32;
        self.entries.push(s.into());
        self.index.insert(s.into(), i);
        push_plain(&mut self.plain, s.as_bytes());
        i
    }

    /// The dictionary page's PLAIN values and their count. A column without values (no rule
    /// has tags) still gets a one-entry dictionary: readers need one for its pages.
    pub fn page(&self) -> (&[u8], usize) {
        const EMPTY: &[u8] = &[0, 0, 0, 0];
        if self.entries.is_empty() {
            (EMPTY, 1)
        } else {
            (&self.plain, self.entries.len())
        }
    }

    /// Min and max of the entries `used`.
    pub fn range(&self, used: impl Iterator<Item = u32>) -> TextRange {
        let mut r = TextRange::default();
        for i in used {
            r.add(self.entries[i as usize].as_bytes());
        }
        r
    }
}

/// A rule's indices in the dictionaries.
#[derive(Debug)]
pub(crate) struct RuleIds {
    pub rule: u32,
    pub priority: u32,
    pub source: u32,
    pub tags: Vec<u32>,
    pub keys: Vec<u32>,
}

impl RuleIds {
    /// The rule's indices in the dictionary of column `leaf`.
    pub fn of(&self, leaf: usize) -> &[u32] {
        match leaf {
            RULE => std::slice::from_ref(&self.rule),
            PRIORITY => std::slice::from_ref(&self.priority),
            SOURCE => std::slice::from_ref(&self.source),
            TAGS => &self.tags,
            KEYS => &self.keys,
            _ => &[],
        }
    }
}

/// The dictionaries that follow from the rules.
#[derive(Debug, Default)]
pub(crate) struct RuleDictionaries {
    rule: Dictionary,
    priority: Dictionary,
    source: Dictionary,
    tags: Dictionary,
    keys: Dictionary,
    /// Per rule id, if enabled.
    rules: Vec<Option<RuleIds>>,
}

impl RuleDictionaries {
    /// The dictionaries of the rules enabled in `engine`, in rule id order.
    pub fn new(engine: &Engine) -> RuleDictionaries {
        let mut d = RuleDictionaries::default();
        let mut enabled = engine.enabled().to_vec();
        enabled.sort_unstable();
        for id in enabled {
            let info = engine.rule(id);
            let ids = RuleIds {
                rule: d.rule.id(&info.name),
                priority: d.priority.id(info.priority.as_str()),
                source: d.source.id(&info.source),
                tags: info.tags.iter().map(|t| d.tags.id(t)).collect(),
                keys: engine.output_keys(id).map(|k| d.keys.id(k)).collect(),
            };
            let slot = id as usize;
            if d.rules.len() <= slot {
                d.rules.resize_with(slot + 1, || None);
            }
            d.rules[slot] = Some(ids);
        }
        d
    }

    /// The indices of enabled rule `id`.
    pub fn rule(&self, id: u32) -> &RuleIds {
        self.rules
            .get(id as usize)
            .and_then(Option::as_ref)
            .expect("hit rows are made only for enabled rules")
    }

    /// The dictionary of column `leaf` (one of rule, priority, source, tags, keys).
    pub fn column(&self, leaf: usize) -> &Dictionary {
        match leaf {
            RULE => &self.rule,
            PRIORITY => &self.priority,
            SOURCE => &self.source,
            TAGS => &self.tags,
            KEYS => &self.keys,
            _ => unreachable!("column {leaf} has no rule dictionary"),
        }
    }
}

/// Host and trace file of each input (index: the input's position in the run), as far as
/// the file has seen them: their dictionaries hold an entry per input.
#[derive(Debug, Default)]
pub(crate) struct InputTable {
    inputs: Vec<Option<(Arc<str>, Arc<str>)>>,
}

impl InputTable {
    pub fn note(&mut self, input: u32, hostname: &Arc<str>, trace: &Arc<str>) {
        let i = input as usize;
        if self.inputs.len() <= i {
            self.inputs.resize(i + 1, None);
        }
        if self.inputs[i].is_none() {
            self.inputs[i] = Some((hostname.clone(), trace.clone()));
        }
    }

    /// The dictionary of hosts (`trace` false) or trace files of inputs `0..=max`.
    pub fn dictionary(&self, max: u32, trace: bool) -> Dictionary {
        let mut plain = Vec::new();
        let mut entries = Vec::new();
        for i in 0..=max as usize {
            let s: &str = match self.inputs.get(i).and_then(Option::as_ref) {
                Some((h, t)) => {
                    if trace {
                        t
                    } else {
                        h
                    }
                }
                None => "",
            };
            push_plain(&mut plain, s.as_bytes());
            entries.push(s.into());
        }
        Dictionary {
            entries,
            index: HashMap::new(),
            plain,
        }
    }
}
