//! The config file as serde reads it, with the spans that error messages point at.

use super::model::{CampaignKind, Recipient};
use crate::activity::{Alert, Event, FieldType};
use indexmap::IndexMap;
use serde::Deserialize;
use toml::Spanned;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub default_profile: Option<Spanned<String>>,
    #[serde(default)]
    pub profiles: IndexMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    pub campaigns: Vec<Spanned<RawCampaign>>,
    pub theme: Option<Spanned<String>>,
    /// Seconds between two steps of a console walk (`N`), e.g. "5s".
    pub walk_interval: Option<Spanned<String>>,
    /// `[keys]`: action name = key or list of keys.
    #[serde(default)]
    pub keys: IndexMap<String, Spanned<RawKeys>>,
}

/// A `campaigns.d/*.toml` file: campaigns and profiles only.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawExtra {
    #[serde(default)]
    pub profiles: IndexMap<String, Spanned<RawProfile>>,
    #[serde(default)]
    pub campaigns: Vec<Spanned<RawCampaign>>,
}

/// One action's keys: `"x"` or `["x", "ctrl-x"]`.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawKeys {
    One(String),
    Many(Vec<String>),
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(super) enum RawProfileKind {
    Mock,
    Ajo,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawProfile {
    pub kind: RawProfileKind,
    pub base_url: Option<Spanned<String>>,
    pub ims_url: Option<Spanned<String>>,
    pub org_id: Option<Spanned<String>>,
    pub sandbox: Option<Spanned<String>>,
    pub client_id: Option<Spanned<String>>,
    pub client_secret: Option<Spanned<String>>,
    pub scopes: Option<Spanned<String>>,
    pub access_token: Option<Spanned<String>>,
    pub production: Option<Spanned<bool>>,
    // Sending, for both kinds.
    pub concurrency: Option<Spanned<i64>>,
    pub rate_limit: Option<Spanned<f64>>,
    pub max_attempts: Option<Spanned<i64>>,
    pub connect_timeout: Option<Spanned<String>>,
    pub timeout: Option<Spanned<String>>,
    // Fault injection, for mock profiles.
    pub fail_rate: Option<Spanned<f64>>,
    pub latency: Option<Spanned<String>>,
    pub status: Option<Spanned<i64>>,
    pub status_count: Option<Spanned<i64>>,
    pub retry_after: Option<Spanned<i64>>,
    pub token_ttl: Option<Spanned<String>>,
    pub execution_delay: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCampaign {
    pub name: Spanned<String>,
    pub id: Spanned<String>,
    pub kind: CampaignKind,
    pub attributes_type: Spanned<String>,
    pub recipient: Option<Spanned<Recipient>>,
    pub audience_id: Option<Spanned<String>>,
    pub preview: Option<Spanned<String>>,
    #[serde(default)]
    pub attributes: IndexMap<String, Spanned<RawField>>,
    #[serde(default)]
    pub content_state: IndexMap<String, Spanned<RawField>>,
    #[serde(default)]
    pub steps: Vec<Spanned<RawStep>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawField {
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub values: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    pub required: bool,
    pub default: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawStep {
    pub name: Option<String>,
    pub event: Event,
    #[serde(default)]
    pub content_state: IndexMap<String, Spanned<toml::Value>>,
    pub alert: Option<Alert>,
    pub dismiss_in: Option<Spanned<String>>,
    pub stale_in: Option<Spanned<String>>,
}
