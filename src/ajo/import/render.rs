//! TOML text for the imported entries: quoted strings, keys and inline values.

use serde_json::Value;
use std::fmt::Write;

/// A TOML basic string.
pub(super) fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when it can be, quoted otherwise.
pub(super) fn key(name: &str) -> String {
    let bare = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare { name.to_string() } else { string(name) }
}

/// A JSON value as an inline TOML value; `None` when TOML cannot hold it (a null, an integer
/// above `i64::MAX`).
pub(super) fn value(json: &Value) -> Option<String> {
    Some(match json {
        Value::Null => return None,
        Value::Bool(b) => b.to_string(),
        Value::Number(n) if n.is_f64() => {
            let text = n.to_string();
            if text.contains(['.', 'e', 'E']) {
                text
            } else {
                format!("{text}.0")
            }
        }
        Value::Number(n) => n.as_i64()?.to_string(),
        Value::String(s) => string(s),
        Value::Array(items) => {
            let items: Option<Vec<String>> = items.iter().map(value).collect();
            format!("[{}]", items?.join(", "))
        }
        Value::Object(map) if map.is_empty() => "{}".to_string(),
        Value::Object(map) => {
            let pairs: Option<Vec<String>> = map
                .iter()
                .map(|(k, v)| value(v).map(|v| format!("{} = {v}", key(k))))
                .collect();
            format!("{{ {} }}", pairs?.join(", "))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_read_back_as_the_same_json() {
        let json = json!({
            "s": "a \"q\" \\ é\n\u{1}",
            "i": -3,
            "f": 2.5,
            "whole": 2.0,
            "b": true,
            "list": [1, "two", {"x": []}],
            "odd key": {}
        });
        let text = format!("v = {}", value(&json).unwrap());
        let table: toml::Table = toml::from_str(&text).unwrap();
        let back = serde_json::to_value(&table["v"]).unwrap();
        assert_eq!(back, json);
        assert_eq!(value(&json!(null)), None);
        assert_eq!(value(&json!([1, null])), None);
        assert_eq!(value(&json!(u64::MAX)), None);
        assert_eq!(key("a-b_c1"), "a-b_c1");
        assert_eq!(key("a.b"), "\"a.b\"");
    }
}
