//! What the mock remembers between calls, behind one mutex that is never held across an await.

use super::MockSettings;
use super::device::Device;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

/// Settings plus mutable state, shared by every handler.
pub(crate) struct Shared {
    pub settings: MockSettings,
    state: Mutex<State>,
}

/// The mutable part.
#[derive(Default)]
pub(crate) struct State {
    /// Issued access tokens.
    pub tokens: HashMap<String, Token>,
    pub token_requests: u64,
    pub tokens_issued: u64,
    /// Every execution call that passed authentication, in arrival order.
    pub executions: Vec<ExecutionLog>,
    /// Accepted audience executions by `executionId`.
    pub audience_runs: HashMap<String, AudienceRun>,
    pub device: Device,
}

/// One issued access token.
pub(crate) struct Token {
    pub client_id: String,
    /// It expires `Faults::token_ttl` later.
    pub issued_at: Instant,
}

/// What `GET /_mock/stats` answers.
#[derive(Serialize)]
pub(crate) struct Stats<'a> {
    pub token_requests: u64,
    pub tokens_issued: u64,
    pub executions: &'a [ExecutionLog],
}

/// One line of `/_mock/stats`.
#[derive(Debug, Serialize)]
pub(crate) struct ExecutionLog {
    pub seq: u64,
    #[serde(rename = "requestId")]
    pub request_id: Option<String>,
    #[serde(rename = "campaignId")]
    pub campaign_id: Option<String>,
    /// `liveActivityID` (unitary, first recipient) or `channelID` (audience).
    pub activity: Option<String>,
    pub event: Option<String>,
    /// The status answered; `null` while the answer is still pending (latency).
    pub status: Option<u16>,
    pub received_at_ms: i64,
}

/// An accepted audience execution, for `GET /im/executions/audience/{id}`.
pub(crate) struct AudienceRun {
    pub campaign_id: String,
    pub audience_id: String,
    pub created_at: String,
}

impl Shared {
    pub fn new(settings: MockSettings) -> Shared {
        Shared {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// Locks the state; a handler that panicked while holding it does not poison the mock.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
