//! `syscall_event_drops`: when a live Falco alerts on kernel drops (`rtsec replay
//! --drop-alerts`), read as Falco's `falco_configuration::load_yaml` reads it.

use serde_json::Value;

use crate::drop_alerts::DropAlertSettings;

/// The section's settings; an error names the key (below `syscall_event_drops`) and why, in
/// Falco's words where it refuses the same.
pub(super) fn syscall_event_drops(v: &Value) -> Result<DropAlertSettings, (String, String)> {
    let mut s = DropAlertSettings::default();
    let Some(m) = v.as_object() else {
        return match v {
            Value::Null => Ok(s),
            _ => Err((String::new(), "expected a map of settings".into())),
        };
    };
    let bad = |key: &str, what: &str| (format!(".{key}"), what.to_string());
    if let Some(actions) = m.get("actions") {
        let list: Vec<&str> = match actions {
            Value::Null => Vec::new(),
            Value::Array(a) => a
                .iter()
                .map(|x| x.as_str().ok_or_else(|| bad("actions", "expected names")))
                .collect::<Result<_, _>>()?,
            _ => return Err(bad("actions", "expected a list")),
        };
        for a in &list {
            if !["ignore", "log", "alert", "exit"].contains(a) {
                return Err(bad(
                    "actions",
                    "available actions for syscall event drops are \"ignore\", \"log\", \
                     \"alert\", and \"exit\"",
                ));
            }
        }
        if list.contains(&"ignore")
            && let Some(other) = list.iter().find(|a| ["log", "alert"].contains(a))
        {
            return Err(bad(
                "actions",
                &format!(
                    "syscall event drop action \"{other}\" does not make sense with the \
                     \"ignore\" action"
                ),
            ));
        }
        // Falco's default is the empty list's: ignore.
        s.alert = list.contains(&"alert");
        s.exit = list.contains(&"exit");
    }
    let number = |key: &str| -> Result<Option<f64>, (String, String)> {
        match m.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => Ok(n.as_f64()),
            Some(Value::String(t)) => t
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| bad(key, "expected a number")),
            Some(_) => Err(bad(key, "expected a number")),
        }
    };
    if let Some(t) = number("threshold")? {
        if !(0.0..=1.0).contains(&t) {
            return Err(bad(
                "threshold",
                "syscall event drops threshold must be a double in the range [0, 1]",
            ));
        }
        s.threshold = t;
    }
    if let Some(r) = number("rate")? {
        s.rate = r;
    }
    if let Some(b) = number("max_burst")? {
        s.max_burst = b;
    }
    Ok(s)
}
