//! `${VAR}` in falco.yaml values, expanded as Falco's `yaml_helper` expands them when it
//! loads a configuration file (every string value, at every depth; not keys).

use serde_json::Value;

/// Replaces `${NAME}` in every string value of `v` with `env(NAME)` (nothing if unset) and
/// `$${` with `${`, exactly as Falco's `yaml_helper` does: that includes stopping at a `$`
/// followed by neither.
pub(super) fn expand_env(v: &mut Value, env: &dyn Fn(&str) -> Option<String>) {
    match v {
        Value::String(s) if s.contains('$') => *s = expand_env_str(s, env),
        Value::Array(a) => a.iter_mut().for_each(|x| expand_env(x, env)),
        Value::Object(m) => m.values_mut().for_each(|x| expand_env(x, env)),
        _ => {}
    }
}

fn expand_env_str(s: &str, env: &dyn Fn(&str) -> Option<String>) -> String {
    let mut value = s.to_string();
    let mut at = value.find('$');
    // A value naming itself would go on forever in Falco; here it stops.
    let mut budget = 1000;
    while let Some(start) = at {
        budget -= 1;
        if budget == 0 {
            break;
        }
        let rest = &value[start..];
        if rest.starts_with("${") {
            let Some(end) = rest.find('}') else { break };
            let name = rest[2..end].to_string();
            let with = env(&name).unwrap_or_default();
            value.replace_range(start..start + end + 1, &with);
            at = value[start..].find('$').map(|i| start + i);
        } else if rest.starts_with("$${") {
            if !rest.contains('}') {
                break;
            }
            value.remove(start);
            at = value[start + 1..].find('$').map(|i| start + 1 + i);
        } else {
            break;
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_variables_are_expanded_as_falco_expands_them() {
        let env = |name: &str| match name {
            "HOME" => Some("/root".to_string()),
            "LOOP" => Some("${LOOP}".to_string()),
            _ => None,
        };
        let x = |s: &str| expand_env_str(s, &env);
        assert_eq!(x("${HOME}/falco"), "/root/falco");
        assert_eq!(x("a ${UNSET}b ${HOME}"), "a b /root");
        assert_eq!(x("$${HOME} ${HOME}"), "${HOME} /root");
        assert_eq!(x("${HOME"), "${HOME");
        // A `$` that starts neither ends the expansion, as in Falco.
        assert_eq!(x("cost $5 ${HOME}"), "cost $5 ${HOME}");
        // Falco would never finish; this stops.
        assert_eq!(x("${LOOP}"), "${LOOP}");
        let mut v: Value =
            serde_json::json!({"a": ["${HOME}", {"b": "${HOME}x"}], "c": 1, "${HOME}": "k"});
        expand_env(&mut v, &env);
        assert_eq!(
            v,
            serde_json::json!({"a": ["/root", {"b": "/rootx"}], "c": 1, "${HOME}": "k"})
        );
    }
}
