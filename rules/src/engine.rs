//! The engine: enabled rules indexed by event type, evaluated per event in definition order.

use std::sync::Arc;

use rtsec_format::{Block, EventView};
use rustc_hash::FxHashMap;

use crate::dns::HostTable;
use crate::evttype::{self, KeySet, NUM_KEYS};
use crate::fields::extract::Env;
use crate::fields::local::LocalAddrs;
use crate::filter::program::{self, Checks, Code};
use crate::filter::refuted::{Dim, MAX_RULES};
use crate::filter::{Bufs, Node};
use crate::loader::{Inner, RuleInfo, RuleSet};
use crate::output::{AlertBuf, AlertFormat, OutputValue, time};
use crate::priority::Priority;

/// Falco's `rule_matching`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum RuleMatching {
    /// Stop at the first matching rule: at most one alert per event (Falco's default).
    #[default]
    First,
    /// Every matching rule fires.
    All,
}

/// How an [`Engine`] is built from a [`RuleSet`].
#[derive(Clone, Debug)]
pub struct EngineOptions {
    pub rule_matching: RuleMatching,
    /// Rules less severe than this are not enabled (Falco's `priority`, default `debug`).
    pub min_priority: Priority,
    /// Recorded DNS answers for `fd.*.name` (see [`HostTable`]).
    pub hosts: HostTable,
    /// Which rules run, by tag (Falco's `-t` and `-T`).
    pub tags: TagSelection,
    /// falco.yaml's `rules:` commands, applied in order to each rule's `enabled` before the
    /// priority and tag selections.
    pub commands: Vec<RuleCommand>,
    /// falco.yaml's settings of the alert line and the JSON alert.
    pub format: AlertFormat,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            rule_matching: RuleMatching::First,
            min_priority: Priority::Debug,
            hosts: HostTable::new(),
            tags: TagSelection::default(),
            commands: Vec::new(),
            format: AlertFormat::default(),
        }
    }
}

/// Rules selected by their tags, as Falco's `-t TAG` and `-T TAG` select them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TagSelection {
    /// If not empty, only rules with at least one of these tags run (`-t`).
    pub only: Vec<String>,
    /// Rules with any of these tags do not run (`-T`).
    pub skip: Vec<String>,
}

impl TagSelection {
    /// True if a rule with `tags` runs.
    pub fn admits(&self, tags: &[String]) -> bool {
        (self.only.is_empty() || tags.iter().any(|t| self.only.contains(t)))
            && !tags.iter().any(|t| self.skip.contains(t))
    }
}

/// One entry of falco.yaml's `rules:` list (Falco ≥ 0.38): enable or disable every loaded rule
/// whose name matches a pattern (`*` for any run of characters, as Falco's wildcards) or that
/// carries a tag. Commands apply in order, starting from each rule's `enabled`, so an `enable`
/// can turn on a rule its file disables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleCommand {
    pub enable: bool,
    pub target: RuleTarget,
}

/// What a [`RuleCommand`] applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleTarget {
    /// Rules whose name matches this wildcard pattern.
    Name(String),
    /// Rules with this tag.
    Tag(String),
}

impl RuleCommand {
    /// Whether `rule` is enabled after this command, given whether it was before.
    pub fn apply(&self, rule: &RuleInfo, enabled: bool) -> bool {
        let hit = match &self.target {
            RuleTarget::Name(p) => matches_wildcard(p, &rule.name),
            RuleTarget::Tag(t) => rule.tags.iter().any(|x| x == t),
        };
        if hit { self.enable } else { enabled }
    }
}

/// Falco's `matches_wildcard`: `*` stands for any run of characters, everything else for
/// itself.
pub fn matches_wildcard(pattern: &str, s: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or("");
    let Some(mut rest) = s.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty(); // no `*` at all
    };
    for p in middle {
        match rest.find(p) {
            Some(i) => rest = &rest[i + p.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Index of a rule in its [`RuleSet`] (its position in [`RuleSet::rules`]).
pub type RuleId = u32;

/// Compiled, enabled rules ready to evaluate. `Send + Sync`: share one engine across threads,
/// give each thread its own [`Scratch`].
#[derive(Debug)]
pub struct Engine {
    set: Arc<Inner>,
    /// Per event key, the enabled rules to run, in definition order, with the entry of the
    /// program to run in `code`.
    index: Vec<Box<[(RuleId, u32)]>>,
    /// Condition programs: rules with few event types get one per type, specialized (the
    /// `evt.type` checks folded away); others share one.
    code: Code,
    /// The distinct checks of all programs (one memo slot each per event).
    checks: Checks,
    /// Per event key: the string its rules are refuted by in a block matcher, and the key's
    /// slot in `filter::refuted`.
    key_dims: Vec<Option<(Dim, u32)>>,
    dim_slots: u32,
    enabled: Vec<RuleId>,
    options: EngineOptions,
}

/// Per-thread working memory for evaluation: buffers fields are read into, the rules matched
/// by the last event, and what the events' trace says of its machine: the hostname for
/// `evt.hostname` and alerts, the interface addresses for which end of a socket is local.
#[derive(Debug, Default)]
pub struct Scratch {
    pub(crate) bufs: Bufs,
    hits: Vec<RuleId>,
    pub(crate) hostname: String,
    pub(crate) local: LocalAddrs,
    /// Reused by [`Engine::alert`].
    pub(crate) alert: AlertBuf,
}

impl Scratch {
    pub fn new() -> Self {
        Self::default()
    }

    /// The hostname of the machine the events come from (`evt.hostname`): replay passes the
    /// trace header's.
    pub fn set_hostname(&mut self, hostname: &str) {
        self.hostname.clear();
        self.hostname.push_str(hostname);
    }

    pub fn hostname(&self) -> &str {
        &self.hostname
    }

    /// The interface addresses of the machine the events come from (`fd.lport`, `fd.rip`,
    /// `fd.is_server`, …): replay passes the trace header's.
    pub fn set_interfaces(&mut self, interfaces: &rtsec_format::interfaces::Interfaces) {
        self.local.set(interfaces);
    }

    /// The machine the events come from, as the trace's header records it: its hostname and
    /// its interface addresses.
    pub fn set_machine(&mut self, header: &rtsec_format::Header) {
        self.set_hostname(&header.hostname);
        self.set_interfaces(&header.interfaces);
    }
}

/// One rule firing on one event, ready to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alert<'e> {
    pub rule: &'e RuleInfo,
    /// The event's timestamp (ns since the epoch).
    pub ts: u64,
    /// The rule's output with fields substituted (without the time and priority prefix).
    pub output: String,
    /// Every field of the output as written (`proc.aname[2]`) with its typed value, plus
    /// `evt.time` (ns), sorted by key. Transformer tokens are left out, as in Falco.
    pub output_fields: Vec<(String, OutputValue)>,
    /// Falco's `hostname` for the JSON line.
    pub hostname: String,
    /// Falco's text line (see [`Alert::text_line`]).
    pub line: String,
    /// The engine's alert settings.
    pub format: AlertFormat,
}

impl Alert<'_> {
    /// Falco's text line: `HH:MM:SS.nnnnnnnnn: Priority output` (local time), or with the
    /// ISO 8601 time of `time_format_iso_8601`.
    pub fn text_line(&self) -> String {
        self.line.clone()
    }

    /// The event time as Falco's JSON `time` (UTC, ISO-8601 with ns).
    pub fn time_iso8601(&self) -> String {
        time::iso8601_text(self.ts)
    }

    /// Falco's JSON alert (`json_output: true`), keys in alphabetical order.
    pub fn json(&self) -> serde_json::Value {
        // Insert in sorted order so the result is sorted whatever map serde_json uses.
        let mut fields = serde_json::Map::new();
        for (k, v) in &self.output_fields {
            fields.insert(k.clone(), v.to_json());
        }
        let f = self.format;
        let mut m = serde_json::Map::new();
        m.insert("hostname".into(), self.hostname.clone().into());
        if f.json_include_message_property {
            m.insert("message".into(), self.output.clone().into());
        }
        if f.json_include_output_property {
            m.insert("output".into(), self.text_line().into());
        }
        if f.json_include_output_fields_property {
            m.insert("output_fields".into(), serde_json::Value::Object(fields));
        }
        m.insert("priority".into(), self.rule.priority.as_str().into());
        m.insert("rule".into(), self.rule.name.clone().into());
        m.insert("source".into(), self.rule.source.clone().into());
        if f.json_include_tags_property {
            m.insert(
                "tags".into(),
                serde_json::Value::Array(self.rule.tags.iter().map(|t| t.clone().into()).collect()),
            );
        }
        m.insert("time".into(), self.time_iso8601().into());
        serde_json::Value::Object(m)
    }

    /// [`Alert::json`] on one line.
    pub fn json_line(&self) -> String {
        self.json().to_string()
    }
}

impl Engine {
    pub fn new(set: &RuleSet, options: EngineOptions) -> Engine {
        /// Rules with more event types than this share one general tree.
        const SPECIALIZE_MAX: usize = 64;
        let inner = set.inner.clone();
        let mut index: Vec<Vec<(RuleId, u32)>> = vec![Vec::new(); NUM_KEYS];
        let mut code = Code::default();
        let mut checks = Checks::default();
        // Per key, the instruction ranges of its programs (for memo elision).
        let mut ranges: Vec<Vec<std::ops::Range<usize>>> = vec![Vec::new(); NUM_KEYS];
        let mut compile = |mut n: Node, dim: Option<Dim>| {
            n.reorder(dim);
            let start = code.instrs.len();
            let entry = code.emit(&n, &mut checks, program::TRUE, program::FALSE);
            (entry, start..code.instrs.len())
        };
        let mut enabled = Vec::new();
        // Per key, its rules' conditions specialized for it (`None`: the rule's shared program).
        let mut by_key: Vec<Vec<(RuleId, Option<Node>)>> = vec![Vec::new(); NUM_KEYS];
        let mut shared: FxHashMap<RuleId, (u32, std::ops::Range<usize>)> = Default::default();
        for (i, r) in inner.rules.iter().enumerate() {
            let on = options
                .commands
                .iter()
                .fold(r.info.enabled, |on, c| c.apply(&r.info, on));
            if !on || r.info.priority > options.min_priority || !options.tags.admits(&r.info.tags) {
                continue;
            }
            let id = i as RuleId;
            enabled.push(id);
            if r.keys.len() > SPECIALIZE_MAX {
                shared.insert(id, compile(r.filter.clone(), None));
                for k in r.keys.iter() {
                    by_key[k].push((id, None));
                }
                continue;
            }
            for k in r.keys.iter() {
                let name = evttype::key_name(k);
                let node = r.filter.specialize(&name, !evttype::is_procexit(k));
                if !matches!(node, Node::Const(false)) {
                    by_key[k].push((id, Some(node)));
                }
            }
        }
        let mut key_dims = vec![None; NUM_KEYS];
        let mut dim_slots = 0;
        for (k, rules) in by_key.into_iter().enumerate() {
            let dim = choose_dim(&rules);
            if dim.is_some() {
                key_dims[k] = dim.map(|d| (d, dim_slots));
                dim_slots += 1;
            }
            for (id, node) in rules {
                let (entry, range) = match node {
                    Some(n) => compile(n, dim),
                    None => shared[&id].clone(),
                };
                index[k].push((id, entry));
                ranges[k].push(range);
            }
        }
        code.elide_memo(&ranges, checks.list.len());
        Engine {
            set: inner,
            index: index.into_iter().map(Vec::into_boxed_slice).collect(),
            code,
            checks,
            key_dims,
            dim_slots,
            enabled,
            options,
        }
    }

    /// A scratch value for one thread.
    pub fn scratch(&self) -> Scratch {
        Scratch::default()
    }

    /// The enabled rules, in evaluation order.
    pub fn enabled(&self) -> &[RuleId] {
        &self.enabled
    }

    pub(crate) fn inner(&self) -> &Inner {
        &self.set
    }

    /// The rule set the engine was made of (for filters that use its lists and macros).
    pub fn rule_set(&self) -> RuleSet {
        RuleSet {
            inner: self.set.clone(),
        }
    }

    /// Every rule of the set the engine was made of, enabled or not ([`Engine::rule`]).
    pub fn rule_count(&self) -> usize {
        self.set.rules.len()
    }

    /// Why rule `id` is not enabled in this engine (`None`: it is), as a phrase.
    pub fn not_enabled_because(&self, id: RuleId) -> Option<String> {
        let info = self.rule(id);
        let o = &self.options;
        let on = o
            .commands
            .iter()
            .fold(info.enabled, |on, c| c.apply(info, on));
        if !on {
            return Some(if o.commands.is_empty() {
                "it is disabled (enabled: false)".to_string()
            } else {
                "it is disabled (enabled: false, or the configuration's `rules:` commands)"
                    .to_string()
            });
        }
        if info.priority > o.min_priority {
            return Some(format!(
                "its priority {} is below the minimum, {}",
                info.priority.as_str(),
                o.min_priority.as_str()
            ));
        }
        if !o.tags.admits(&info.tags) {
            return Some("the tag selection (-t/-T) leaves it out".to_string());
        }
        None
    }

    /// Whether the engine runs rule `id` on events like `ev` (it is enabled, and its condition
    /// can match the event's type).
    pub fn runs_on(&self, id: RuleId, ev: &EventView<'_>) -> bool {
        self.entry_for(id, ev).is_some()
    }

    /// The program entry of rule `id` for events like `ev`, if the engine runs it on them.
    fn entry_for(&self, id: RuleId, ev: &EventView<'_>) -> Option<u32> {
        let (_, rules) = self.rules_for(ev)?;
        rules
            .iter()
            .find(|(r, _)| *r == id)
            .map(|&(_, entry)| entry)
    }

    /// Whether rule `id`'s condition holds on `ev` as the engine evaluates it (the rule's
    /// compiled program, alone): `None` if the engine does not run the rule on events of this
    /// type (it is not enabled, or its condition cannot match the type).
    pub fn condition_holds(
        &self,
        id: RuleId,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
    ) -> Option<bool> {
        let entry = self.entry_for(id, ev)?;
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &self.options.hosts,
            local: &scratch.local,
            buffers: self.options.format.buffers(),
            rendering: false,
        };
        scratch.bufs.begin_event(self.checks.list.len());
        Some(
            self.code
                .run(entry, &self.checks, ev, &env, &mut scratch.bufs),
        )
    }

    pub fn rule(&self, id: RuleId) -> &RuleInfo {
        &self.set.rules[id as usize].info
    }

    pub fn options(&self) -> &EngineOptions {
        &self.options
    }

    /// The event key of `ev` and the enabled rules to run for it (`None` if there are none).
    #[inline]
    fn rules_for(&self, ev: &EventView<'_>) -> Option<(usize, &[(RuleId, u32)])> {
        let key = evttype::key(ev);
        let rules = self.index.get(key)?;
        (!rules.is_empty()).then_some((key, &rules[..]))
    }

    /// The rules matching `ev`, in definition order (at most one with
    /// [`RuleMatching::First`]). Nothing is allocated or formatted for an event that matches
    /// nothing once the scratch buffers have grown.
    #[inline]
    pub fn matches<'s>(&self, ev: &EventView<'_>, scratch: &'s mut Scratch) -> &'s [RuleId] {
        scratch.hits.clear();
        let Some((_, rules)) = self.rules_for(ev) else {
            return &scratch.hits;
        };
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &self.options.hosts,
            local: &scratch.local,
            buffers: self.options.format.buffers(),
            rendering: false,
        };
        prefetch_records(ev);
        scratch.bufs.begin_event(self.checks.list.len());
        for &(id, entry) in rules.iter() {
            if self
                .code
                .run(entry, &self.checks, ev, &env, &mut scratch.bufs)
            {
                scratch.hits.push(id);
                if self.options.rule_matching == RuleMatching::First {
                    break;
                }
            }
        }
        &scratch.hits
    }

    /// [`Engine::matches`] for an event of the block a [`BlockMatcher`] was made for: skips
    /// the rules already refuted by the event's string (`filter::refuted`) and records those
    /// it refutes.
    #[inline]
    fn matches_in_block<'s>(&self, ev: &EventView<'_>, scratch: &'s mut Scratch) -> &'s [RuleId] {
        scratch.hits.clear();
        let Some((key, rules)) = self.rules_for(ev) else {
            return &scratch.hits;
        };
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &self.options.hosts,
            local: &scratch.local,
            buffers: self.options.format.buffers(),
            rendering: false,
        };
        prefetch_records(ev);
        let bufs = &mut scratch.bufs;
        bufs.begin_event(self.checks.list.len());
        let keyed = self.key_dims[key].and_then(|(d, slot)| Some((d.sid(ev)?, slot, d.bit())));
        let refuted = keyed.map_or(0, |(sid, slot, _)| bufs.refuted.get(slot, sid));
        let mut newly = 0u64;
        for (i, &(id, entry)) in rules.iter().enumerate() {
            let bit = if i < MAX_RULES { 1u64 << i } else { 0 };
            if refuted & bit != 0 {
                continue;
            }
            let hit = match keyed {
                Some((_, _, dim)) if bit != 0 => {
                    let (hit, pure) =
                        self.code
                            .run_tracked(entry, &self.checks, ev, &env, bufs, dim);
                    if !hit && pure {
                        newly |= bit;
                    }
                    hit
                }
                _ => self.code.run(entry, &self.checks, ev, &env, bufs),
            };
            if hit {
                scratch.hits.push(id);
                if self.options.rule_matching == RuleMatching::First {
                    break;
                }
            }
        }
        if let Some((sid, slot, _)) = keyed
            && newly != 0
        {
            bufs.refuted.add(slot, sid, newly);
        }
        &scratch.hits
    }

    /// Formats the alert of rule `id` for `ev` (call it for the ids [`Engine::matches`] gave).
    pub fn alert<'e>(&'e self, id: RuleId, ev: &EventView<'_>, scratch: &mut Scratch) -> Alert<'e> {
        let mut buf = std::mem::take(&mut scratch.alert);
        self.render(id, ev, scratch, &mut buf);
        let alert = Alert {
            rule: self.rule(id),
            ts: buf.ts(),
            output: buf.output().to_string(),
            output_fields: buf
                .fields()
                .map(|(k, v)| (k.to_string(), v.to_owned()))
                .collect(),
            hostname: scratch.hostname.clone(),
            line: buf.line().to_string(),
            format: self.options.format,
        };
        scratch.alert = buf;
        alert
    }

    /// The `output_fields` keys of rule `id`'s alerts, in the order alerts give them.
    pub fn output_keys(&self, id: RuleId) -> impl Iterator<Item = &str> {
        self.set.rules[id as usize].format.keys()
    }

    /// Renders the alert of rule `id` for `ev` into `out`: what [`Engine::alert`] gives
    /// ([`AlertBuf::output`], [`AlertBuf::fields`], [`AlertBuf::line`],
    /// [`AlertBuf::write_json`]), with no allocation once `out` has grown.
    pub fn render(
        &self,
        id: RuleId,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
        out: &mut AlertBuf,
    ) {
        self.render_into(id, ev, scratch, out, true);
        let info = &self.set.rules[id as usize].info;
        out.finish_line(info.priority.as_str(), self.options.format);
        out.prepare_json(info);
    }

    /// Only the `output_fields` values of [`Engine::render`]: no text is written (neither
    /// [`AlertBuf::output`] nor [`AlertBuf::line`] means anything after it), so numbers are
    /// not formatted and literals not copied. For readers of field values, which never print
    /// the alert (Parquet columns).
    pub fn render_fields(
        &self,
        id: RuleId,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
        out: &mut AlertBuf,
    ) {
        self.render_into(id, ev, scratch, out, false);
    }

    fn render_into(
        &self,
        id: RuleId,
        ev: &EventView<'_>,
        scratch: &mut Scratch,
        out: &mut AlertBuf,
        text: bool,
    ) {
        let r = &self.set.rules[id as usize];
        let env = Env {
            hostname: &scratch.hostname,
            hosts: &self.options.hosts,
            local: &scratch.local,
            buffers: self.options.format.buffers(),
            rendering: true,
        };
        r.format.render_into(ev, &env, &mut scratch.bufs, out, text);
        out.rule = id;
    }

    /// Evaluation of the events of `block` with caches that hold for that block only: a costly
    /// string check (`fd.name in (…)`, `proc.name in (…)`, `fd.nameraw contains …`, …) is
    /// computed once per distinct string of the block and looked up for every other event
    /// with the same string, and rules refuted by an event's file or program name are skipped
    /// for the following events with the same name. The verdicts are exactly those of
    /// [`Engine::matches`]; events of another block are evaluated without the caches. The
    /// block cannot change while the matcher borrows it.
    pub fn block_matcher<'a>(
        &'a self,
        block: &'a Block,
        scratch: &'a mut Scratch,
    ) -> BlockMatcher<'a> {
        let bufs = &mut scratch.bufs;
        bufs.verdicts
            .begin_block(block.strings.len(), self.checks.columns as usize);
        bufs.refuted
            .begin_block(block.strings.len(), self.dim_slots as usize);
        BlockMatcher {
            engine: self,
            block,
            scratch,
        }
    }

    /// Evaluates `ev` and formats an alert for every match (convenience over
    /// [`Engine::matches`] + [`Engine::alert`]).
    pub fn alerts<'e>(&'e self, ev: &EventView<'_>, scratch: &mut Scratch) -> Vec<Alert<'e>> {
        let ids = self.matches(ev, scratch).to_vec();
        ids.into_iter()
            .map(|id| self.alert(id, ev, scratch))
            .collect()
    }
}

/// The dimension the rules of one event key are most often refuted by (`filter::refuted`):
/// the one by which the most of its first [`MAX_RULES`] rules can come out false.
fn choose_dim(rules: &[(RuleId, Option<Node>)]) -> Option<Dim> {
    let (n, dim) = Dim::ALL
        .iter()
        .map(|&d| {
            let n = rules
                .iter()
                .take(MAX_RULES)
                .filter(|(_, node)| node.as_ref().is_some_and(|n| n.decided_by(d).0))
                .count();
            (n, d)
        })
        .max_by_key(|&(n, d)| (n, std::cmp::Reverse(d as u8)))?;
    (n > 0).then_some(dim)
}

/// An [`Engine`] evaluating the events of one block (from [`Engine::block_matcher`]).
pub struct BlockMatcher<'a> {
    engine: &'a Engine,
    block: &'a Block,
    scratch: &'a mut Scratch,
}

impl<'a> BlockMatcher<'a> {
    /// The rules matching `ev`, as [`Engine::matches`] gives them.
    #[inline]
    pub fn matches(&mut self, ev: &EventView<'_>) -> &[RuleId] {
        if !std::ptr::eq(ev.block, self.block) {
            return self.engine.matches(ev, self.scratch);
        }
        self.scratch.bufs.verdicts.set_active(true);
        self.engine.matches_in_block(ev, self.scratch);
        self.scratch.bufs.verdicts.set_active(false);
        &self.scratch.hits
    }

    /// The scratch, for alerts ([`Engine::alert`]) and other reads of the event.
    pub fn scratch(&mut self) -> &mut Scratch {
        self.scratch
    }

    /// The engine.
    pub fn engine(&self) -> &'a Engine {
        self.engine
    }
}

/// Starts loading the records an event's checks will read (its process and fd, the process's
/// parent and strings' table entries), so their cache misses overlap instead of following one
/// another. A hint only.
#[inline(always)]
fn prefetch_records(ev: &EventView<'_>) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let b = ev.block;
        let touch = |p: *const u8| {
            // SAFETY: prefetching is a hint; it never faults, even on a bad address.
            unsafe { _mm_prefetch(p as *const i8, _MM_HINT_T0) }
        };
        if let Some(r) = ev.event.proc {
            touch(b.processes.as_ptr().wrapping_add(r as usize) as *const u8);
        }
        if let Some(r) = ev.event.fd {
            touch(b.fds.as_ptr().wrapping_add(r as usize) as *const u8);
        }
    }
}

/// A compiled condition on its own (`rtsec events --filter`, checks of imports).
#[derive(Debug)]
pub struct Filter {
    code: Code,
    checks: Checks,
    entry: u32,
    pub(crate) keys: KeySet,
}

impl Filter {
    /// True if `ev` satisfies the condition. `hosts` answers `fd.*.name` comparisons.
    pub fn matches(&self, ev: &EventView<'_>, scratch: &mut Scratch, hosts: &HostTable) -> bool {
        if !self.keys.contains(evttype::key(ev)) {
            return false;
        }
        let env = Env {
            hostname: &scratch.hostname,
            hosts,
            local: &scratch.local,
            buffers: Default::default(),
            rendering: false,
        };
        scratch.bufs.begin_event(self.checks.list.len());
        self.code
            .run(self.entry, &self.checks, ev, &env, &mut scratch.bufs)
    }

    pub(crate) fn new(mut node: Node, keys: KeySet) -> Filter {
        node.reorder(None);
        let mut code = Code::default();
        let mut checks = Checks::default();
        let entry = code.emit(&node, &mut checks, program::TRUE, program::FALSE);
        Filter {
            code,
            checks,
            entry,
            keys,
        }
    }

    /// The event types the condition can match (Falco names), or `None` for all.
    pub fn event_types(&self) -> Option<Vec<String>> {
        if self.keys.is_all() {
            None
        } else {
            Some(self.keys.iter().map(evttype::key_name).collect())
        }
    }
}

/// Renders `evt.args` of an event (Falco's `name=value(resolved)` list), for `rtsec events`.
pub fn event_args(ev: &EventView<'_>) -> String {
    let mut v = Vec::new();
    crate::render::params::write_all(ev, Default::default(), &mut v);
    String::from_utf8_lossy(&v).into_owned()
}

/// Falco's `evt.type` of an event (Falco's names for generic syscalls like `pread`).
pub fn event_type(ev: &EventView<'_>) -> &'static str {
    evttype::type_name(ev)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::RuleSource;

    fn falco(name: &str) -> RuleSource {
        let p = format!(
            "{}/../../shared/falco-rules/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        RuleSource::from_file(&p).unwrap()
    }

    /// The optimized engine (per-type specialization, reordering, shared checks, compiled
    /// closures, per-event caches) gives exactly the verdicts of evaluating each rule's plain
    /// condition tree in order, on the synthetic mix.
    #[test]
    fn optimized_engine_matches_plain_evaluation() {
        let sets = [
            crate::load(&[
                falco("falco_rules.yaml"),
                falco("falco-incubating_rules.yaml"),
                falco("falco-sandbox_rules.yaml"),
            ])
            .unwrap(),
            RuleSet::bundled().unwrap(),
        ];
        for set in &sets {
            let engine = Engine::new(
                set,
                EngineOptions {
                    rule_matching: RuleMatching::All,
                    ..Default::default()
                },
            );
            let mut sc = engine.scratch();
            let mut bufs = Bufs::default();
            let hosts = HostTable::new();
            let local = LocalAddrs::default();
            let mut hits = 0;
            for seed in [1, 2, 3] {
                let block = rtsec_format::synth::block(20_000, seed);
                for ev in block.events() {
                    let got = engine.matches(&ev, &mut sc).to_vec();
                    let env = Env {
                        hostname: "",
                        hosts: &hosts,
                        local: &local,
                        buffers: Default::default(),
                        rendering: false,
                    };
                    let key = evttype::key(&ev);
                    let want: Vec<RuleId> = set
                        .inner
                        .rules
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| r.info.enabled && r.keys.contains(key))
                        .filter(|(_, r)| r.filter.eval(&ev, &env, &mut bufs))
                        .map(|(i, _)| i as RuleId)
                        .collect();
                    assert_eq!(got, want, "event {} ({})", ev.num, evttype::type_name(&ev));
                    hits += got.len();
                }
            }
            assert!(hits > 0, "the mix should fire some rules");
        }
    }

    /// Per-block verdict caches change no verdict: the block matcher agrees with plain
    /// evaluation on every event of several blocks judged one after the other with one
    /// scratch, and on events of another block than the one it was made for.
    #[test]
    fn block_matcher_matches_plain_evaluation() {
        let sets = [
            crate::load(&[
                falco("falco_rules.yaml"),
                falco("falco-incubating_rules.yaml"),
                falco("falco-sandbox_rules.yaml"),
            ])
            .unwrap(),
            RuleSet::bundled().unwrap(),
        ];
        let blocks: Vec<_> = [4, 5, 6]
            .iter()
            .map(|&seed| rtsec_format::synth::block(20_000, seed))
            .collect();
        for set in &sets {
            let engine = Engine::new(
                set,
                EngineOptions {
                    rule_matching: RuleMatching::All,
                    ..Default::default()
                },
            );
            let mut plain = engine.scratch();
            let mut sc = engine.scratch();
            let mut hits = 0;
            for (i, block) in blocks.iter().enumerate() {
                let other = &blocks[(i + 1) % blocks.len()];
                let mut m = engine.block_matcher(block, &mut sc);
                for (ev, foreign) in block.events().zip(other.events()) {
                    let want = engine.matches(&ev, &mut plain).to_vec();
                    assert_eq!(m.matches(&ev), want, "event {}", ev.num);
                    hits += want.len();
                    let want = engine.matches(&foreign, &mut plain).to_vec();
                    assert_eq!(m.matches(&foreign), want, "foreign event {}", foreign.num);
                }
            }
            assert!(hits > 0, "the mix should fire some rules");
        }
    }

    /// A rendered alert gives Falco's text line and JSON byte for byte as [`Alert`] does, for
    /// every rule of the three Falco files that fires on the synthetic mix, with one buffer
    /// reused for all of them.
    #[test]
    fn alert_buf_line_and_json_match_alert() {
        let set = crate::load(&[
            falco("falco_rules.yaml"),
            falco("falco-incubating_rules.yaml"),
            falco("falco-sandbox_rules.yaml"),
        ])
        .unwrap();
        let engine = Engine::new(
            &set,
            EngineOptions {
                rule_matching: RuleMatching::All,
                ..Default::default()
            },
        );
        let mut sc = engine.scratch();
        sc.set_hostname("host \"one\"\n");
        let mut buf = AlertBuf::new();
        let mut json = Vec::new();
        let mut rules = std::collections::BTreeSet::new();
        let block = rtsec_format::synth::block(20_000, 8);
        for ev in block.events() {
            for id in engine.matches(&ev, &mut sc).to_vec() {
                let alert = engine.alert(id, &ev, &mut sc);
                engine.render(id, &ev, &mut sc, &mut buf);
                assert_eq!(buf.line(), alert.text_line());
                assert_eq!(buf.output(), alert.output);
                json.clear();
                buf.write_json(engine.rule(id), sc.hostname(), &mut json);
                assert_eq!(String::from_utf8(json.clone()).unwrap(), alert.json_line());
                rules.insert(id);
            }
        }
        assert!(rules.len() >= 5, "only {} rules fired", rules.len());
    }
}
