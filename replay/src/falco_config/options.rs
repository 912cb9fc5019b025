//! Falco's `-o KEY=VALUE` options: a setting of the configuration replaced (or added) from
//! the command line, after `config_files` are merged and before the settings are read, as
//! `falco -o` does (options on `config_files` itself also before, so that they choose what is
//! merged). Values are not `${VAR}`-expanded: Falco expands files as it reads them, and sets
//! options as given (`set_cmdline_option`). KEY is a path into the configuration: `json_output`,
//! `http_output.url`, `rules_files[0]`, `append_output[]` (`[]` appends to a list). VALUE is
//! taken as text, or as a YAML map if it is written `{…}`.

use serde_json::{Map, Value};

/// One step of a KEY path.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Key(String),
    /// `[N]`, or `[]` for a new last item.
    Index(Option<usize>),
}

/// Applies `option` (`KEY=VALUE`) to `root`.
pub(super) fn apply(root: &mut Map<String, Value>, option: &str) -> Result<(), String> {
    let form = "expected KEY=VALUE, with KEY as `a.b`, `list[2]` or `list[]`";
    let (key, value) = option
        .split_once('=')
        .ok_or_else(|| format!("-o {option}: {form}"))?;
    let steps = steps(key).map_err(|e| format!("-o {option}: {e}: {form}"))?;
    let value = if value.starts_with('{') && value.ends_with('}') {
        serde_saphyr::from_str::<Value>(value)
            .map_err(|e| format!("-o {option}: the value is not a YAML map: {e}"))?
    } else {
        Value::String(value.to_string())
    };
    let Some((Step::Key(first), rest)) = steps.split_first() else {
        return Err(format!("-o {option}: KEY must start with a name: {form}"));
    };
    let mut node = root.entry(first.clone()).or_insert(Value::Null);
    for step in rest {
        node = match step {
            Step::Key(k) => {
                if node.is_null() {
                    *node = Value::Object(Map::new());
                }
                match node {
                    Value::Object(m) => m.entry(k.clone()).or_insert(Value::Null),
                    _ => {
                        return Err(format!(
                            "-o {option}: `{k}` is under a setting that is not a map"
                        ));
                    }
                }
            }
            Step::Index(i) => {
                if node.is_null() {
                    *node = Value::Array(Vec::new());
                }
                let Value::Array(a) = node else {
                    return Err(format!(
                        "-o {option}: an index into a setting that is not a list"
                    ));
                };
                let i = match i {
                    Some(i) if *i < a.len() => *i,
                    Some(i) => {
                        return Err(format!(
                            "-o {option}: index {i} is past the end of the list ({} items; \
                             `[]` appends)",
                            a.len()
                        ));
                    }
                    None => {
                        a.push(Value::Null);
                        a.len() - 1
                    }
                };
                &mut a[i]
            }
        };
    }
    *node = value;
    Ok(())
}

/// `a.b[2].c[]` as steps.
fn steps(key: &str) -> Result<Vec<Step>, String> {
    let mut steps = Vec::new();
    let mut rest = key;
    while !rest.is_empty() {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let (name, tail) = rest.split_at(end);
        if name.is_empty() && !matches!(steps.last(), Some(Step::Index(_))) {
            return Err(format!("an empty name in `{key}`"));
        }
        if !name.is_empty() {
            steps.push(Step::Key(name.to_string()));
        }
        rest = tail;
        while let Some(inner) = rest.strip_prefix('[') {
            let close = inner
                .find(']')
                .ok_or_else(|| format!("a `[` without `]` in `{key}`"))?;
            let index = &inner[..close];
            steps.push(Step::Index(match index {
                "" => None,
                n => Some(
                    n.parse()
                        .map_err(|_| format!("`[{n}]` is not an index in `{key}`"))?,
                ),
            }));
            rest = &inner[close + 1..];
        }
        if let Some(after) = rest.strip_prefix('.') {
            if after.is_empty() {
                return Err(format!("`{key}` ends with `.`"));
            }
            rest = after;
        }
    }
    if steps.is_empty() {
        return Err("an empty KEY".into());
    }
    Ok(steps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn applied(start: Value, options: &[&str]) -> Result<Value, String> {
        let Value::Object(mut root) = start else {
            panic!("a map")
        };
        for o in options {
            apply(&mut root, o)?;
        }
        Ok(Value::Object(root))
    }

    #[test]
    fn options_set_replace_and_append_as_falco_o_does() {
        let start = json!({"json_output": false, "rules_files": ["a.yaml", "b.yaml"],
                           "http_output": {"enabled": false}});
        let got = applied(
            start,
            &[
                "json_output=true",
                "rules_files[1]=c.yaml",
                "rules_files[]=d.yaml",
                "http_output.enabled=true",
                "http_output.url=http://h:2801/?a=b",
                "append_output[]={match: {rule: R}, extra_output: 'x=%proc.name'}",
                "new.deep.key=1",
            ],
        )
        .unwrap();
        assert_eq!(
            got,
            json!({
                "json_output": "true",
                "rules_files": ["a.yaml", "c.yaml", "d.yaml"],
                "http_output": {"enabled": "true", "url": "http://h:2801/?a=b"},
                "append_output": [{"match": {"rule": "R"}, "extra_output": "x=%proc.name"}],
                "new": {"deep": {"key": "1"}},
            })
        );
    }

    #[test]
    fn malformed_options_say_what_is_expected() {
        let start = || json!({"json_output": true, "list": [1]});
        for (option, want) in [
            ("json_output", "expected KEY=VALUE"),
            ("=x", "an empty KEY"),
            ("a..b=x", "an empty name"),
            ("a.=x", "ends with `.`"),
            ("list[x]=1", "`[x]` is not an index"),
            ("list[5]=1", "index 5 is past the end of the list (1 items"),
            ("list[0=1", "a `[` without `]`"),
            (
                "json_output.x=1",
                "`x` is under a setting that is not a map",
            ),
            (
                "json_output[]=1",
                "an index into a setting that is not a list",
            ),
            ("x={a: [}", "the value is not a YAML map"),
        ] {
            let e = applied(start(), &[option]).unwrap_err();
            assert!(e.contains(want), "{option}: {e}");
        }
    }
}
