//! Where a tracked activity stands, as far as validation needs to know.

use serde::{Deserialize, Serialize};

/// The lifecycle of one Live Activity, as liveact has seen it answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "state")]
pub enum Lifecycle {
    /// Known locally but never started.
    Draft,
    Active {
        updates: u32,
    },
    Stale,
    Ended,
    Dismissed,
}

/// What earlier sends to one activity tell the validator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActivityHistory {
    pub lifecycle: Lifecycle,
    /// The `timestamp` of the last accepted push, Unix seconds.
    pub last_timestamp: Option<i64>,
}

impl ActivityHistory {
    /// An activity the journal has never seen.
    pub const NEVER_SENT: ActivityHistory = ActivityHistory {
        lifecycle: Lifecycle::Draft,
        last_timestamp: None,
    };
}
