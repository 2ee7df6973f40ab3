//! One HTTP answer as liveact keeps it, and why a call got none.

use serde_json::Value;
use std::fmt;
use std::time::Duration;

/// An HTTP answer: status, headers, body and how long it took.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub latency: Duration,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Worth another attempt: 429 and 5xx.
    pub fn is_retryable(&self) -> bool {
        self.status == 429 || self.status >= 500
    }

    /// The body as JSON, when it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_str(&self.body).ok()
    }

    /// A top-level string field of the JSON body (`executionId`, `requestId`, `scheduleId`).
    pub fn field(&self, key: &str) -> Option<String> {
        // Only that field is built; the rest of the body is checked and skipped.
        let mut de = serde_json::Deserializer::from_str(&self.body);
        let found = serde::de::DeserializeSeed::deserialize(TopLevelField(key), &mut de).ok()?;
        de.end().ok()?;
        match found? {
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    /// A header's value (names compare case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// `Retry-After` in seconds (the HTTP-date form is not used by AJO and is ignored).
    pub fn retry_after(&self) -> Option<Duration> {
        self.header("retry-after")?
            .trim()
            .parse::<u64>()
            .ok()
            .map(Duration::from_secs)
    }
}

/// Reads a JSON object keeping only the value of one key (the last one, as a map would).
struct TopLevelField<'k>(&'k str);

impl<'de> serde::de::DeserializeSeed<'de> for TopLevelField<'_> {
    type Value = Option<Value>;

    fn deserialize<D: serde::Deserializer<'de>>(self, de: D) -> Result<Self::Value, D::Error> {
        de.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for TopLevelField<'_> {
    type Value = Option<Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut found = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == self.0 {
                found = Some(map.next_value::<Value>()?);
            } else {
                map.next_value::<serde::de::IgnoredAny>()?;
            }
        }
        Ok(found)
    }
}

/// Why a call got no HTTP answer worth keeping.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// No answer within the timeout.
    Timeout(Duration),
    /// The connection could not be made (refused, DNS, TLS).
    Connect(String),
    /// IMS refused to issue a token; its answer says why.
    Ims(Answer),
    /// Anything else on the way (the connection dropped mid-answer).
    Transport(String),
}

impl CallError {
    /// Faults of the network are worth another attempt; a refusal by IMS is not, unless it is 429/5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            CallError::Ims(answer) => answer.is_retryable(),
            _ => true,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Timeout(after) => {
                write!(f, "no answer within {} s (timeout)", after.as_secs_f64())
            }
            CallError::Connect(why) => write!(f, "cannot connect: {why}"),
            CallError::Ims(answer) => {
                let problem = super::problem::describe(answer.status, &answer.body);
                write!(
                    f,
                    "IMS refused the token request ({}): {}",
                    answer.status, problem.title
                )
            }
            CallError::Transport(why) => write!(f, "the connection failed: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &str) -> Answer {
        Answer {
            status: 202,
            headers: Vec::new(),
            body: body.into(),
            latency: Duration::ZERO,
        }
    }

    /// What `field` returns, by way of the whole body parsed as a `Value`.
    fn through_value(body: &str, key: &str) -> Option<String> {
        match answer(body).json()?.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    #[test]
    fn a_field_reads_as_it_would_from_the_parsed_body() {
        let bodies = [
            r#"{"requestId":"r-1","executionId":"e-1"}"#,
            r#"{"executionId":12.50,"x":[1,{"executionId":"inner"}]}"#,
            r#"{"executionId":"first","executionId":"last"}"#,
            r#"{"execution\u0049d":"escaped"}"#,
            r#"{"executionId":null}"#,
            r#"{"executionId":{"nested":true}}"#,
            r#"{"executionId":"e-1"} trailing"#,
            r#"{"executionId":"e-1""#,
            r#"["executionId"]"#,
            r#""executionId""#,
            "",
            "not json",
        ];
        for body in bodies {
            assert_eq!(
                answer(body).field("executionId"),
                through_value(body, "executionId"),
                "{body}"
            );
        }
        assert_eq!(
            answer(bodies[0]).field("executionId").as_deref(),
            Some("e-1")
        );
        assert_eq!(
            answer(bodies[1]).field("executionId").as_deref(),
            Some("12.5")
        );
    }
}
