//! Reading one rules file into the collector (`rule_loader_reader.cpp`): the document must be a
//! sequence of maps; each map is an engine/plugin requirement, a list, a macro or a rule.

use std::collections::BTreeSet;

use super::collector::{
    Collector, Entry, ExceptionInfo, ListInfo, MacroInfo, Pos, RuleInfo, RuleUpdate, Version,
};
use super::texts::Cond;
use crate::error::{Diagnostic, ItemKind, ItemRef, RulesError, Warning};
use crate::fields::StaticFields;
use crate::priority::Priority;
use crate::source::SourceFile;
use crate::yaml::{self, Node};

/// The Falco rules engine version rtsec implements.
pub const ENGINE_VERSION: &str = "0.63.0";

/// The plugins whose fields rtsec provides natively, with the version it stands for.
pub const PROVIDED_PLUGINS: &[(&str, &str)] = &[("container", "0.7.1")];

pub(crate) struct Reader<'a> {
    pub files: &'a [SourceFile],
    pub fid: usize,
    pub warnings: &'a mut Vec<Warning>,
    /// falco.yaml's `static_fields`, which exceptions may name.
    pub statics: &'a StaticFields,
}

type R<T> = Result<T, RulesError>;

impl Reader<'_> {
    fn diag(
        &self,
        byte: usize,
        item: Option<ItemRef>,
        message: impl Into<String>,
    ) -> Box<Diagnostic> {
        let f = &self.files[self.fid];
        let (line, column) = f.line_col(byte);
        Box::new(Diagnostic {
            file: f.name.clone(),
            line,
            column,
            item,
            message: message.into(),
            snippet: Some(f.snippet(byte)),
        })
    }

    fn schema(
        &self,
        node: &Node,
        item: &Option<ItemRef>,
        message: impl Into<String>,
    ) -> RulesError {
        RulesError::Schema(self.diag(node.start, item.clone(), message))
    }

    fn warn(&mut self, node: &Node, item: &Option<ItemRef>, message: impl Into<String>) {
        let mut d = *self.diag(node.start, item.clone(), message);
        d.snippet = None;
        self.warnings.push(d);
    }

    fn pos(&self, node: &Node) -> Pos {
        Pos {
            file: self.fid,
            byte: node.start,
        }
    }

    pub fn read(&mut self, col: &mut Collector) -> R<()> {
        let f = &self.files[self.fid];
        let docs =
            yaml::parse(f).map_err(|e| RulesError::Yaml(self.diag(e.offset, None, e.message)))?;
        for doc in &docs {
            if doc.is_null() {
                continue;
            }
            let Some(items) = doc.as_seq() else {
                let msg = if doc.as_map().is_some() {
                    "Rules content is not yaml array of objects"
                } else {
                    "Rules content is not yaml"
                };
                return Err(self.schema(doc, &None, msg));
            };
            for item in items {
                if !item.is_null() {
                    self.read_item(col, item)?;
                }
            }
        }
        Ok(())
    }

    fn read_item(&mut self, col: &mut Collector, item: &Node) -> R<()> {
        if item.as_map().is_none() {
            return Err(self.schema(
                item,
                &None,
                "Unexpected element type. Each element should be a yaml associative array.",
            ));
        }
        if item.get("required_engine_version").is_some() {
            self.engine_version(col, item)
        } else if item.get("required_plugin_versions").is_some() {
            self.plugin_versions(item)
        } else if item.get("list").is_some() {
            self.list(col, item)
        } else if item.get("macro").is_some() {
            self.macro_item(col, item)
        } else if item.get("rule").is_some() {
            self.rule(col, item)
        } else {
            let it = Some(ItemRef {
                kind: ItemKind::Item,
                name: String::new(),
            });
            self.warn(item, &it, "Unknown top level item");
            Ok(())
        }
    }

    fn unknown_keys(&mut self, item: &Node, known: &[&str], it: &Option<ItemRef>) {
        let map = item.as_map().unwrap_or(&[]);
        for (i, (k, _)) in map.iter().enumerate() {
            let Some(name) = k.as_scalar() else { continue };
            if !known.contains(&name) {
                self.warn(
                    k,
                    it,
                    format!("Unknown key '{name}'. The key will be ignored."),
                );
            } else if map[..i].iter().any(|(e, _)| e.as_scalar() == Some(name)) {
                self.warn(
                    k,
                    it,
                    format!(
                        "Duplicate key '{name}'. Only its first value is used (as Falco's \
                         YAML parser does); this one is ignored."
                    ),
                );
            }
        }
    }

    /// A required, non-empty scalar.
    fn req_str<'n>(
        &self,
        item: &'n Node,
        key: &str,
        it: &Option<ItemRef>,
    ) -> R<(&'n str, &'n Node)> {
        match self.opt_str(item, key, it)? {
            Some(v) => Ok(v),
            None => Err(self.schema(item, it, format!("Item has no mapping for key '{key}'"))),
        }
    }

    fn opt_str<'n>(
        &self,
        item: &'n Node,
        key: &str,
        it: &Option<ItemRef>,
    ) -> R<Option<(&'n str, &'n Node)>> {
        let Some(v) = item.get(key) else {
            return Ok(None);
        };
        if v.is_null() {
            return Err(self.schema(v, it, format!("Mapping for key '{key}' is empty")));
        }
        let Some(s) = v.as_scalar() else {
            return Err(self.schema(
                v,
                it,
                format!(
                    "Value for key '{key}' is not a scalar value (it is {})",
                    v.type_name()
                ),
            ));
        };
        if s.is_empty() {
            return Err(self.schema(v, it, format!("Value for key '{key}' must be non-empty")));
        }
        Ok(Some((s, v)))
    }

    fn opt_bool(&self, item: &Node, key: &str, it: &Option<ItemRef>) -> R<Option<bool>> {
        let Some((s, n)) = self.opt_str(item, key, it)? else {
            return Ok(None);
        };
        match s {
            "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "y" | "Y" | "on" | "On" | "ON" => {
                Ok(Some(true))
            }
            "false" | "False" | "FALSE" | "no" | "No" | "NO" | "n" | "N" | "off" | "Off"
            | "OFF" => Ok(Some(false)),
            _ => Err(self.schema(
                n,
                it,
                format!("Can't decode YAML scalar value for key '{key}': '{s}' is not a boolean"),
            )),
        }
    }

    fn engine_version(&mut self, col: &mut Collector, item: &Node) -> R<()> {
        let it = Some(ItemRef {
            kind: ItemKind::RequiredEngineVersion,
            name: String::new(),
        });
        self.unknown_keys(item, &["required_engine_version"], &it);
        let (s, n) = self.req_str(item, "required_engine_version", &it)?;
        let v = match s.parse::<u32>() {
            Ok(minor) => Version(0, minor as u64, 0),
            Err(_) => Version::parse(s).ok_or_else(|| {
                self.schema(
                    n,
                    &it,
                    format!(
                        "Unable to parse engine version '{s}' as a semver string. Expected \"x.y.z\" semver format."
                    ),
                )
            })?,
        };
        let engine = Version::parse(ENGINE_VERSION).expect("valid engine version");
        if !engine.compatible_with(v) {
            return Err(self.schema(
                n,
                &it,
                format!("Rules require engine version {v}, but engine version is {engine}"),
            ));
        }
        col.require_engine_version(v);
        Ok(())
    }

    fn plugin_versions(&mut self, item: &Node) -> R<()> {
        let it = Some(ItemRef {
            kind: ItemKind::RequiredPluginVersions,
            name: String::new(),
        });
        self.unknown_keys(item, &["required_plugin_versions"], &it);
        let reqs = item.get("required_plugin_versions").unwrap();
        let Some(reqs) = reqs.as_seq() else {
            return Err(self.schema(
                reqs,
                &it,
                "Value of required_plugin_versions must be a sequence",
            ));
        };
        for plugin in reqs {
            if plugin.as_map().is_none() {
                return Err(self.schema(plugin, &it, "Plugin version must be a mapping"));
            }
            let mut alts = Vec::new();
            let (name, _) = self.req_str(plugin, "name", &it)?;
            let (ver, vn) = self.req_str(plugin, "version", &it)?;
            alts.push((name.to_string(), ver.to_string(), vn));
            if let Some(a) = plugin.get("alternatives") {
                let Some(a) = a.as_seq() else {
                    return Err(self.schema(
                        a,
                        &it,
                        "Value of plugin version alternatives must be a sequence",
                    ));
                };
                for req in a {
                    if req.as_map().is_none() {
                        return Err(self.schema(
                            req,
                            &it,
                            "Plugin version alternative must be a mapping",
                        ));
                    }
                    let (n, _) = self.req_str(req, "name", &it)?;
                    let (v, vn) = self.req_str(req, "version", &it)?;
                    alts.push((n.to_string(), v.to_string(), vn));
                }
            }
            let mut seen = BTreeSet::new();
            for (n, v, vn) in &alts {
                if Version::parse(v).is_none() {
                    return Err(self.schema(
                        vn,
                        &it,
                        format!("Invalid required version '{v}' for plugin '{n}'"),
                    ));
                }
                if !seen.insert(n.clone()) {
                    return Err(self.schema(
                        plugin,
                        &it,
                        format!(
                            "Defined multiple alternative version requirements for plugin '{n}'"
                        ),
                    ));
                }
            }
            let ok = alts.iter().any(|(n, v, _)| {
                PROVIDED_PLUGINS.iter().any(|(pn, pv)| {
                    pn == n
                        && Version::parse(pv)
                            .zip(Version::parse(v))
                            .is_some_and(|(have, want)| have.compatible_with(want))
                })
            });
            if !ok {
                let wanted: Vec<String> = alts.iter().map(|(n, v, _)| format!("{n} {v}")).collect();
                let have: Vec<String> = PROVIDED_PLUGINS
                    .iter()
                    .map(|(n, v)| format!("{n} {v}"))
                    .collect();
                return Err(self.schema(
                    plugin,
                    &it,
                    format!(
                        "Plugin requirement not satisfied: the rules need {}, rtsec provides {}",
                        wanted.join(" or "),
                        have.join(", ")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `override:` → (keys to append, keys to replace).
    fn overrides(
        &self,
        item: &Node,
        appendable: &[&str],
        replaceable: &[&str],
        it: &Option<ItemRef>,
    ) -> R<(BTreeSet<String>, BTreeSet<String>)> {
        let (mut app, mut rep) = (BTreeSet::new(), BTreeSet::new());
        let Some(ov) = item.get("override") else {
            return Ok((app, rep));
        };
        let Some(map) = ov.as_map() else {
            return Err(self.schema(
                ov,
                it,
                "Value of 'override' must be a mapping of key: append|replace",
            ));
        };
        for (k, v) in map {
            let key = k.as_scalar().unwrap_or("");
            let op = v.as_scalar().unwrap_or("");
            let can_app = appendable.contains(&key);
            let can_rep = replaceable.contains(&key);
            match op {
                "append" => {
                    if !can_app {
                        return Err(self.schema(
                            k,
                            it,
                            format!("Key '{key}' cannot be appended to, use 'replace' instead"),
                        ));
                    }
                    app.insert(key.to_string());
                }
                "replace" => {
                    if !can_rep {
                        return Err(self.schema(k, it, format!("Key '{key}' cannot be replaced")));
                    }
                    rep.insert(key.to_string());
                }
                _ => {
                    let mut allowed = String::new();
                    if can_app {
                        allowed.push_str("append ");
                    }
                    if can_rep {
                        allowed.push_str("replace ");
                    }
                    return Err(self.schema(
                        v,
                        it,
                        format!(
                            "Invalid override operation for key '{key}': '{op}'. Allowed values are: {}",
                            allowed.trim_end()
                        ),
                    ));
                }
            }
        }
        Ok((app, rep))
    }

    fn list(&mut self, col: &mut Collector, item: &Node) -> R<()> {
        let mut it = Some(ItemRef {
            kind: ItemKind::List,
            name: String::new(),
        });
        let (name, _) = self.req_str(item, "list", &it)?;
        it.as_mut().unwrap().name = name.to_string();
        self.unknown_keys(item, &["list", "items", "append", "override"], &it);
        if !is_barestr(name) {
            self.warn(item, &it, "List name is not a valid bare string: lists named with spaces, quotes, parentheses, '=' or ',' cannot be used in conditions");
        }
        let items_node = item
            .get("items")
            .ok_or_else(|| self.schema(item, &it, "Item has no mapping for key 'items'"))?;
        let Some(seq) = items_node.as_seq() else {
            return Err(self.schema(items_node, &it, "Value for key 'items' is not a sequence"));
        };
        let mut items = Vec::with_capacity(seq.len());
        for v in seq {
            match v.as_scalar() {
                Some(s) => items.push(s.to_string()),
                None => return Err(self.schema(v, &it, "sequence value is not scalar")),
            }
        }
        let append = self.opt_bool(item, "append", &it)?.unwrap_or(false);
        if append {
            self.warn(item, &it, WARNING_APPEND);
        }
        let (app, rep) = self.overrides(item, &["items"], &["items"], &it)?;
        if append && !(app.is_empty() && rep.is_empty()) {
            return Err(self.schema(item, &it, ERROR_OVERRIDE_APPEND));
        }
        let info = ListInfo {
            name: name.to_string(),
            items,
            index: 0,
            visibility: 0,
            pos: self.pos(item),
        };
        if append || app.contains("items") {
            col.append_list(info).map_err(|e| self.schema(item, &it, e))
        } else {
            col.define_list(info);
            Ok(())
        }
    }

    fn macro_item(&mut self, col: &mut Collector, item: &Node) -> R<()> {
        let mut it = Some(ItemRef {
            kind: ItemKind::Macro,
            name: String::new(),
        });
        let (name, _) = self.req_str(item, "macro", &it)?;
        it.as_mut().unwrap().name = name.to_string();
        self.unknown_keys(item, &["macro", "condition", "append", "override"], &it);
        if !is_identifier(name) {
            self.warn(item, &it, "Macro name is not a valid identifier ([a-zA-Z]+[a-zA-Z0-9_]*): it cannot be used in conditions");
        }
        let (cond, cn) = self.req_str(item, "condition", &it)?;
        let append = self.opt_bool(item, "append", &it)?.unwrap_or(false);
        if append {
            self.warn(item, &it, WARNING_APPEND);
        }
        let (app, rep) = self.overrides(item, &["condition"], &["condition"], &it)?;
        if append && !(app.is_empty() && rep.is_empty()) {
            return Err(self.schema(item, &it, ERROR_OVERRIDE_APPEND));
        }
        let info = MacroInfo {
            name: name.to_string(),
            cond: Cond::scalar(self.fid, cn, cond),
            index: 0,
            visibility: 0,
            pos: self.pos(item),
        };
        if append || app.contains("condition") {
            col.append_macro(info)
                .map_err(|e| self.schema(item, &it, e))
        } else {
            col.define_macro(info);
            Ok(())
        }
    }

    fn rule(&mut self, col: &mut Collector, item: &Node) -> R<()> {
        let mut it = Some(ItemRef {
            kind: ItemKind::Rule,
            name: String::new(),
        });
        let (name, _) = self.req_str(item, "rule", &it)?;
        it.as_mut().unwrap().name = name.to_string();
        self.unknown_keys(
            item,
            &[
                "rule",
                "condition",
                "output",
                "desc",
                "priority",
                "source",
                "enabled",
                "tags",
                "exceptions",
                "append",
                "override",
                "warn_evttypes",
                "skip-if-unknown-filter",
                "capture",
                "capture_duration",
            ],
            &it,
        );
        let has_append = self.opt_bool(item, "append", &it)?.unwrap_or(false);
        if has_append {
            self.warn(item, &it, WARNING_APPEND);
        }
        const APPENDABLE: &[&str] = &["condition", "output", "desc", "tags", "exceptions"];
        const REPLACEABLE: &[&str] = &[
            "condition",
            "output",
            "desc",
            "priority",
            "tags",
            "exceptions",
            "enabled",
            "warn_evttypes",
            "skip-if-unknown-filter",
            "capture",
            "capture_duration",
        ];
        let (app, rep) = self.overrides(item, APPENDABLE, REPLACEABLE, &it)?;
        if has_append && !(app.is_empty() && rep.is_empty()) {
            return Err(self.schema(item, &it, ERROR_OVERRIDE_APPEND));
        }
        if !app.is_empty() || !rep.is_empty() {
            let mut expected: BTreeSet<&str> = APPENDABLE
                .iter()
                .chain(REPLACEABLE)
                .copied()
                .filter(|k| item.get(k).is_some())
                .collect();
            for (keys, kind) in [(&app, "append"), (&rep, "replace")] {
                if keys.is_empty() {
                    continue;
                }
                for k in keys.iter() {
                    if !expected.remove(k.as_str()) {
                        return Err(self.schema(
                            item,
                            &it,
                            format!("An {kind} override for '{k}' was specified but '{k}' is not defined"),
                        ));
                    }
                }
                let u = self.rule_update(item, keys, &it)?;
                if kind == "append" {
                    col.append_rule(name, u).map_err(|(e, p)| match p {
                        Some(p) => RulesError::Schema(self.diag(p.byte, it.clone(), e)),
                        None => self.schema(item, &it, e),
                    })?;
                } else {
                    col.replace_rule(name, u)
                        .map_err(|e| self.schema(item, &it, e))?;
                }
            }
            if let Some(k) = expected.into_iter().next() {
                let n = item.get(k).unwrap();
                return Err(self.schema(
                    n,
                    &it,
                    format!(
                        "Unexpected key '{k}': no corresponding entry under 'override' is defined."
                    ),
                ));
            }
            return Ok(());
        }
        if has_append {
            let mut u = RuleUpdate::default();
            if let Some((c, n)) = self.opt_str(item, "condition", &it)? {
                u.cond = Some((Cond::scalar(self.fid, n, c), self.pos(n)));
            }
            if item.get("exceptions").is_some() {
                u.exceptions = Some(self.exceptions(item, true, &it)?);
            }
            return col.append_rule(name, u).map_err(|(e, p)| match p {
                Some(p) => RulesError::Schema(self.diag(p.byte, it.clone(), e)),
                None => self.schema(item, &it, e),
            });
        }
        if ["condition", "output", "desc", "priority"]
            .iter()
            .all(|k| item.get(k).is_none())
        {
            let Some(en) = self.opt_bool(item, "enabled", &it)? else {
                return Err(self.schema(item, &it, "Item has no mapping for key 'condition'"));
            };
            self.warn(item, &it, WARNING_ENABLED);
            return col
                .enable_rule(name, en)
                .map_err(|e| self.schema(item, &it, e));
        }
        let (cond, cn) = self.req_str(item, "condition", &it)?;
        let (output, on) = self.req_str(item, "output", &it)?;
        let (desc, _) = self.req_str(item, "desc", &it)?;
        let (prio, pn) = self.req_str(item, "priority", &it)?;
        let priority = Priority::parse(prio).ok_or_else(|| {
            self.schema(
                pn,
                &it,
                format!(
                    "Invalid priority '{prio}' (one of: emergency, alert, critical, error, warning, notice, informational, debug)"
                ),
            )
        })?;
        let source = self
            .opt_str(item, "source", &it)?
            .map_or("syscall", |(s, _)| s)
            .to_string();
        let unknown_source = source != "syscall";
        if unknown_source {
            self.warn(item, &it, format!("Unknown source {source}, skipping"));
        }
        let exceptions = self.exceptions(item, false, &it)?;
        if !unknown_source {
            for ex in &exceptions {
                self.validate_exception(ex, &it)?;
            }
        }
        let info = RuleInfo {
            name: name.to_string(),
            cond: Cond::scalar(self.fid, cn, cond),
            cond_pos: self.pos(cn),
            output: output.trim().to_string(),
            output_pos: self.pos(on),
            desc: desc.to_string(),
            priority,
            source,
            enabled: self.opt_bool(item, "enabled", &it)?.unwrap_or(true),
            tags: self.tags(item, &it)?.unwrap_or_default(),
            exceptions,
            warn_evttypes: self.opt_bool(item, "warn_evttypes", &it)?.unwrap_or(true),
            skip_if_unknown_filter: self
                .opt_bool(item, "skip-if-unknown-filter", &it)?
                .unwrap_or(false),
            capture: self.opt_bool(item, "capture", &it)?.unwrap_or(false),
            capture_duration: self.opt_u64(item, "capture_duration", &it)?.unwrap_or(0),
            index: 0,
            visibility: 0,
            pos: self.pos(item),
            unknown_source,
        };
        col.define_rule(info).map_err(|e| self.schema(item, &it, e))
    }

    fn opt_u64(&self, item: &Node, key: &str, it: &Option<ItemRef>) -> R<Option<u64>> {
        let Some((s, n)) = self.opt_str(item, key, it)? else {
            return Ok(None);
        };
        s.parse().map(Some).map_err(|_| {
            self.schema(
                n,
                it,
                format!("Can't decode YAML scalar value for key '{key}': '{s}' is not a number"),
            )
        })
    }

    fn tags(&self, item: &Node, it: &Option<ItemRef>) -> R<Option<BTreeSet<String>>> {
        let Some(t) = item.get("tags") else {
            return Ok(None);
        };
        let Some(seq) = t.as_seq() else {
            return Err(self.schema(t, it, "Value for key 'tags' is not a sequence"));
        };
        let mut out = BTreeSet::new();
        for v in seq {
            match v.as_scalar() {
                Some(s) => {
                    out.insert(s.to_string());
                }
                None => return Err(self.schema(v, it, "sequence value is not scalar")),
            }
        }
        Ok(Some(out))
    }

    fn rule_update(
        &mut self,
        item: &Node,
        keys: &BTreeSet<String>,
        it: &Option<ItemRef>,
    ) -> R<RuleUpdate> {
        let mut u = RuleUpdate::default();
        for k in keys {
            match k.as_str() {
                "condition" => {
                    let (c, n) = self.req_str(item, "condition", it)?;
                    u.cond = Some((Cond::scalar(self.fid, n, c), self.pos(n)));
                }
                "output" => {
                    let (o, n) = self.req_str(item, "output", it)?;
                    u.output = Some((o.trim().to_string(), self.pos(n)));
                }
                "desc" => u.desc = Some(self.req_str(item, "desc", it)?.0.to_string()),
                "tags" => u.tags = self.tags(item, it)?,
                "exceptions" => u.exceptions = Some(self.exceptions(item, true, it)?),
                "priority" => {
                    let (p, pn) = self.req_str(item, "priority", it)?;
                    u.priority =
                        Some(Priority::parse(p).ok_or_else(|| {
                            self.schema(pn, it, format!("Invalid priority '{p}'"))
                        })?);
                }
                "enabled" => u.enabled = self.opt_bool(item, "enabled", it)?,
                "warn_evttypes" => u.warn_evttypes = self.opt_bool(item, "warn_evttypes", it)?,
                "skip-if-unknown-filter" => {
                    u.skip_if_unknown_filter = self.opt_bool(item, "skip-if-unknown-filter", it)?
                }
                "capture" => u.capture = self.opt_bool(item, "capture", it)?,
                "capture_duration" => {
                    u.capture_duration = self.opt_u64(item, "capture_duration", it)?
                }
                _ => {}
            }
        }
        Ok(u)
    }

    fn entry(&self, n: &Node, key: &str, it: &Option<ItemRef>) -> R<Entry> {
        match &n.kind {
            yaml::NodeKind::Scalar(s) => {
                if s.is_empty() {
                    return Err(self.schema(n, it, format!("Value for '{key}' must be non-empty")));
                }
                Ok(Entry::Scalar(s.clone(), self.pos(n)))
            }
            yaml::NodeKind::Seq(v) => Ok(Entry::List(
                v.iter()
                    .map(|x| self.entry(x, key, it))
                    .collect::<R<Vec<_>>>()?,
                self.pos(n),
            )),
            _ => Err(self.schema(
                n,
                it,
                format!("Value for '{key}' must be a scalar or a sequence"),
            )),
        }
    }

    fn exceptions(
        &mut self,
        item: &Node,
        append: bool,
        it: &Option<ItemRef>,
    ) -> R<Vec<ExceptionInfo>> {
        let Some(exs) = item.get("exceptions") else {
            return Ok(Vec::new());
        };
        if exs.is_null() {
            return Ok(Vec::new());
        }
        let Some(seq) = exs.as_seq() else {
            return Err(self.schema(exs, it, "Rule exceptions must be a sequence"));
        };
        let mut out: Vec<ExceptionInfo> = Vec::new();
        for ex in seq {
            if ex.as_map().is_none() {
                return Err(self.schema(ex, it, "Rule exception must be a mapping"));
            }
            let (name, _) = self.req_str(ex, "name", it)?;
            if out.iter().any(|e| e.name == name) {
                return Err(self.schema(
                    ex,
                    it,
                    format!(
                        "Exception '{name}': exceptions names in the same object must be unique"
                    ),
                ));
            }
            for (k, _) in ex.as_map().unwrap() {
                if let Some(kn) = k.as_scalar()
                    && !["name", "fields", "comps", "values"].contains(&kn)
                {
                    self.warn(
                        k,
                        it,
                        format!("Unknown key '{kn}'. The key will be ignored."),
                    );
                }
            }
            let fields = match ex.get("fields") {
                Some(f) => Some(self.entry(f, "fields", it)?),
                None if append => None,
                None => {
                    return Err(self.schema(
                        ex,
                        it,
                        format!("Exception '{name}': item has no mapping for key 'fields'"),
                    ));
                }
            };
            let comps = ex
                .get("comps")
                .map(|c| self.entry(c, "comps", it))
                .transpose()?;
            let mut values = Vec::new();
            match ex.get("values") {
                Some(v) if !v.is_null() => {
                    let Some(vs) = v.as_seq() else {
                        return Err(self.schema(
                            v,
                            it,
                            format!("Exception '{name}': rule exception values must be a sequence"),
                        ));
                    };
                    for x in vs {
                        values.push(self.entry(x, "values", it)?);
                    }
                }
                _ => {
                    if append {
                        self.warn(ex, it, "Overriding/appending exception with no values");
                    }
                }
            }
            out.push(ExceptionInfo {
                name: name.to_string(),
                fields,
                comps,
                values,
                pos: self.pos(ex),
            });
        }
        Ok(out)
    }

    /// `validate_exception_info`: field names, operators and list lengths.
    pub(crate) fn validate_exception(&self, ex: &ExceptionInfo, it: &Option<ItemRef>) -> R<()> {
        validate_exception(ex, self.statics).map_err(|(msg, p)| {
            RulesError::Schema(self.diag(
                p.byte,
                it.clone(),
                format!("Exception '{}': {msg}", ex.name),
            ))
        })
    }
}

/// Checks an exception and fills in nothing: the default comps are applied when the text is
/// built. Errors carry the position of the offending part.
pub(crate) fn validate_exception(
    ex: &ExceptionInfo,
    statics: &StaticFields,
) -> Result<(), (String, Pos)> {
    let Some(fields) = &ex.fields else {
        return Err((
            "Rule exception item must have fields property with a list of fields".into(),
            ex.pos,
        ));
    };
    match fields {
        Entry::List(fs, _) => {
            if let Some(c) = &ex.comps {
                let Entry::List(cs, cp) = c else {
                    return Err((
                        "Fields and comps lists must have equal length".into(),
                        c.pos(),
                    ));
                };
                if cs.len() != fs.len() {
                    return Err(("Fields and comps lists must have equal length".into(), *cp));
                }
                for c in cs {
                    match c {
                        Entry::Scalar(op, p) => {
                            if crate::condition::Op::from_comp(op).is_none() {
                                return Err((
                                    format!("'{op}' is not a supported comparison operator"),
                                    *p,
                                ));
                            }
                        }
                        Entry::List(_, p) => {
                            return Err(("comps entries must be operator strings".into(), *p));
                        }
                    }
                }
            }
            for f in fs {
                match f {
                    Entry::Scalar(name, p) => check_field(name, *p, statics)?,
                    Entry::List(_, p) => {
                        return Err(("fields entries must be field names".into(), *p));
                    }
                }
            }
        }
        Entry::Scalar(name, p) => {
            if let Some(c) = &ex.comps {
                let Entry::Scalar(op, cp) = c else {
                    return Err(("Fields and comps must both be strings".into(), c.pos()));
                };
                let ok = matches!(
                    crate::condition::Op::from_comp(op),
                    Some((o, m)) if o.is_list_op() || m.is_some()
                );
                if !ok {
                    return Err((
                        "When fields is a single value, comps must be one of (in, pmatch, intersects)".into(),
                        *cp,
                    ));
                }
            }
            check_field(name, *p, statics)?;
        }
    }
    Ok(())
}

fn check_field(name: &str, p: Pos, statics: &StaticFields) -> Result<(), (String, Pos)> {
    let (n, arg) = match name.find('[') {
        Some(i) if name.ends_with(']') => (&name[..i], Some(&name[i + 1..name.len() - 1])),
        _ => (name, None),
    };
    crate::fields::resolve(n, arg, statics)
        .map(|_| ())
        .map_err(|_| (format!("'{name}' is not a supported filter field"), p))
}

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

fn is_barestr(s: &str) -> bool {
    !s.is_empty()
        && !s
            .chars()
            .any(|c| c.is_whitespace() || "()\"'=,".contains(c))
}

pub(crate) const WARNING_APPEND: &str = "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
pub(crate) const WARNING_ENABLED: &str = "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').";
pub(crate) const ERROR_OVERRIDE_APPEND: &str = "Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.";
