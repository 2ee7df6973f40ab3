//! What the mock remembers between calls, behind one mutex that is never held across an await.

use super::MockSettings;
use super::device::Device;
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;
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
    /// Audience executions by `executionId`, in the order they ran.
    pub audience_runs: IndexMap<String, AudienceRun>,
    /// Scheduled audience executions by `scheduleId`; a cancelled one is removed.
    pub schedules: HashMap<String, Schedule>,
    pub device: Device,
    /// Campaigns made known after start ([`super::MockCampaigns::add`]).
    pub added: Vec<crate::config::Campaign>,
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

/// An audience execution, for `GET /im/executions/audience/{id}`.
pub(crate) struct AudienceRun {
    pub campaign_id: String,
    pub audience_id: String,
    /// The broadcast channel its push went to, and its event.
    pub channel: Option<String>,
    pub event: Option<String>,
    /// When it started running; it is `InProgress` for `Faults::execution_delay` after.
    pub created: jiff::Timestamp,
}

/// An audience execution waiting for its time (`schedule.executeAt`).
pub(crate) struct Schedule {
    pub campaign_id: String,
    pub audience_id: String,
    pub execute_at: jiff::Timestamp,
    /// The push it carries (`context.requestPayload.aps`), delivered when it fires.
    pub push: Option<Value>,
    /// The execution it started, once fired (`Triggered`).
    pub execution_id: Option<String>,
}

impl Shared {
    pub fn new(settings: MockSettings) -> Shared {
        Shared {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    /// The campaign with this id: configured, or added since.
    pub fn campaign(&self, id: &str) -> Option<std::borrow::Cow<'_, crate::config::Campaign>> {
        if let Some(campaign) = self.settings.campaigns.iter().find(|c| c.id == id) {
            return Some(std::borrow::Cow::Borrowed(campaign));
        }
        let state = self.lock();
        let added = state.added.iter().find(|c| c.id == id)?;
        Some(std::borrow::Cow::Owned(added.clone()))
    }

    /// Locks the state; a handler that panicked while holding it does not poison the mock.
    pub fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
