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
        let json = self.json()?;
        match json.get(key)? {
            Value::String(s) => Some(s.clone()),
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
