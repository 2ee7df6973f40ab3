//! Campaign field schemas: the types a `content-state` or `attributes` field can have, how
//! user input becomes the JSON the app decodes, and how a JSON value is checked against them.

use super::dates::{self, SWIFT_REFERENCE_OFFSET};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Number, Value};
use std::fmt;

/// The type of one field, named as in the config (`type = "enum"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    String,
    Int,
    Number,
    Bool,
    Enum,
    /// Swift `Date` with the default decoder: seconds since 2001-01-01.
    Date,
    /// Unix seconds, for apps that decode dates themselves.
    UnixDate,
    /// Any JSON value (objects, arrays).
    Json,
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FieldType::String => "string",
            FieldType::Int => "int",
            FieldType::Number => "number",
            FieldType::Bool => "bool",
            FieldType::Enum => "enum",
            FieldType::Date => "date",
            FieldType::UnixDate => "unix_date",
            FieldType::Json => "json",
        })
    }
}

/// One field of a campaign schema.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub ty: FieldType,
    /// Allowed values of an `enum` field, in the order the form cycles through them.
    pub values: Vec<String>,
    pub required: bool,
    /// The default as written in the config; date expressions are evaluated at build time.
    pub default: Option<Value>,
}

/// Fields in the order the config lists them.
pub type Schema = IndexMap<String, FieldSpec>;

impl FieldSpec {
    /// Turns text typed by a user (CLI `--set`, a form field) into the JSON to send.
    pub fn from_text(&self, text: &str, now: i64) -> Result<Value, String> {
        match self.ty {
            FieldType::String => Ok(Value::String(text.to_string())),
            FieldType::Int => text
                .trim()
                .parse::<i64>()
                .map(Value::from)
                .map_err(|_| format!("`{text}` is not a whole number")),
            FieldType::Number => text
                .trim()
                .parse::<f64>()
                .ok()
                .and_then(Number::from_f64)
                .map(number_value)
                .ok_or_else(|| format!("`{text}` is not a number")),
            FieldType::Bool => match text.trim() {
                "true" => Ok(Value::Bool(true)),
                "false" => Ok(Value::Bool(false)),
                _ => Err(format!("`{text}` is not a bool: use true or false")),
            },
            FieldType::Enum => self.enum_value(text),
            FieldType::Date => {
                dates::parse_time(text, now).map(|t| Value::from(t - SWIFT_REFERENCE_OFFSET))
            }
            FieldType::UnixDate => dates::parse_time(text, now).map(Value::from),
            FieldType::Json => serde_json::from_str(text).map_err(|e| {
                format!("`{text}` is not JSON ({e}); quote strings like \"\\\"text\\\"\"")
            }),
        }
    }

    /// Turns a typed value written in the config (a default, a step) into the JSON to send.
    ///
    /// Strict: a string is only accepted for string and enum fields, and as a time expression
    /// (`now`, `+15m`, RFC 3339) for date fields.
    pub fn from_value(&self, value: &Value, now: i64) -> Result<Value, String> {
        match (self.ty, value) {
            (FieldType::Date | FieldType::UnixDate, Value::String(text)) => {
                self.from_text(text, now)
            }
            (FieldType::Enum, Value::String(text)) => self.enum_value(text),
            _ => self.check(value).map(|()| value.clone()),
        }
    }

    /// Checks a JSON value about to be sent against this field's type.
    pub fn check(&self, value: &Value) -> Result<(), String> {
        let ok = match self.ty {
            FieldType::String => value.is_string(),
            FieldType::Int | FieldType::UnixDate => is_integral(value),
            FieldType::Number | FieldType::Date => value.is_number(),
            FieldType::Bool => value.is_boolean(),
            FieldType::Enum => {
                return match value.as_str() {
                    Some(text) => self.enum_value(text).map(|_| ()),
                    None => Err(format!(
                        "expected one of {} (a string), found {}",
                        self.values.join(", "),
                        describe(value)
                    )),
                };
            }
            FieldType::Json => true,
        };
        if ok {
            Ok(())
        } else {
            Err(format!(
                "expected {}, found {}",
                self.expected(),
                describe(value)
            ))
        }
    }

    fn expected(&self) -> &'static str {
        match self.ty {
            FieldType::String => "a string",
            FieldType::Int => "a whole number",
            FieldType::Number => "a number",
            FieldType::Bool => "true or false",
            FieldType::Enum => "an enum value",
            FieldType::Date => "a Swift date (seconds since 2001-01-01, a number)",
            FieldType::UnixDate => "Unix seconds (a whole number)",
            FieldType::Json => "any JSON value",
        }
    }

    fn enum_value(&self, text: &str) -> Result<Value, String> {
        if self.values.iter().any(|v| v == text) {
            Ok(Value::String(text.to_string()))
        } else {
            Err(format!("`{text}` is not one of {}", self.values.join(", ")))
        }
    }
}

/// Integral numbers stay integers in JSON (`3`, not `3.0`).
fn number_value(n: Number) -> Value {
    match n.as_f64() {
        Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Value::from(f as i64),
        _ => Value::Number(n),
    }
}

/// True for a JSON number without a fractional part.
pub fn is_integral(value: &Value) -> bool {
    match value {
        Value::Number(n) => {
            n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// A short description of a JSON value for error messages: `the string "x"`, `a bool`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("the bool {b}"),
        Value::Number(n) => format!("the number {n}"),
        Value::String(s) if s.chars().count() > 40 => "a long string".into(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(ty: FieldType) -> FieldSpec {
        FieldSpec {
            ty,
            values: vec!["Ordered".into(), "Delivered".into()],
            required: false,
            default: None,
        }
    }

    const NOW: i64 = 1_764_878_400;

    #[test]
    fn text_input_per_type() {
        assert_eq!(
            spec(FieldType::String).from_text("Pizza", NOW),
            Ok(json!("Pizza"))
        );
        assert_eq!(spec(FieldType::Int).from_text("42", NOW), Ok(json!(42)));
        assert!(spec(FieldType::Int).from_text("4.2", NOW).is_err());
        assert_eq!(
            spec(FieldType::Number).from_text("4.5", NOW),
            Ok(json!(4.5))
        );
        assert_eq!(spec(FieldType::Number).from_text("4", NOW), Ok(json!(4)));
        assert_eq!(
            spec(FieldType::Bool).from_text("true", NOW),
            Ok(json!(true))
        );
        assert!(spec(FieldType::Bool).from_text("1", NOW).is_err());
        assert_eq!(
            spec(FieldType::Enum).from_text("Delivered", NOW),
            Ok(json!("Delivered"))
        );
        assert!(spec(FieldType::Enum).from_text("delivered", NOW).is_err());
        assert_eq!(
            spec(FieldType::Date).from_text("+15m", NOW),
            Ok(json!(NOW + 900 - SWIFT_REFERENCE_OFFSET))
        );
        assert_eq!(
            spec(FieldType::UnixDate).from_text("now", NOW),
            Ok(json!(NOW))
        );
        assert_eq!(
            spec(FieldType::Json).from_text("[1,2]", NOW),
            Ok(json!([1, 2]))
        );
        assert!(spec(FieldType::Json).from_text("hello", NOW).is_err());
    }

    #[test]
    fn config_values_are_strict() {
        assert!(spec(FieldType::Int).from_value(&json!("42"), NOW).is_err());
        assert!(spec(FieldType::Bool).from_value(&json!(1), NOW).is_err());
        assert_eq!(
            spec(FieldType::Date).from_value(&json!("now"), NOW),
            Ok(json!(NOW - SWIFT_REFERENCE_OFFSET))
        );
        assert_eq!(
            spec(FieldType::Date).from_value(&json!(12.5), NOW),
            Ok(json!(12.5))
        );
    }

    #[test]
    fn checks_name_what_was_found() {
        let err = spec(FieldType::Int).check(&json!(1.5)).unwrap_err();
        assert_eq!(err, "expected a whole number, found the number 1.5");
        assert!(spec(FieldType::Int).check(&json!(2.0)).is_ok());
        let err = spec(FieldType::Enum).check(&json!("Lost")).unwrap_err();
        assert_eq!(err, "`Lost` is not one of Ordered, Delivered");
    }
}
