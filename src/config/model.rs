//! The loaded configuration: profiles (where sends go) and campaigns (what they carry).

use super::error::{ConfigError, ConfigErrors, Pos};
use super::secret::{Secret, SecretSource};
use crate::activity::{Alert, Event, Schema};
use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::PathBuf;
use std::time::Duration;

/// AJO's documented ceiling: 500 API-triggered calls a second per organisation.
pub const MAX_RATE_PER_SECOND: f64 = 500.0;
/// The identity liveact uses with its embedded mock (not secrets: the mock accepts any pair).
pub const MOCK_CLIENT_ID: &str = "liveact-demo";
/// See [`MOCK_CLIENT_ID`].
pub const MOCK_CLIENT_SECRET: &str = "liveact-demo";
/// The org id sent to the embedded mock.
pub const MOCK_ORG_ID: &str = "LIVEACTDEMO@AdobeOrg";
/// The sandbox name sent to the embedded mock.
pub const MOCK_SANDBOX: &str = "demo";
/// AJO's production API root.
pub const DEFAULT_BASE_URL: &str = "https://platform.adobe.io/ajo";
/// Adobe IMS OAuth server-to-server token endpoint.
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com/ims/token/v3";
/// The scopes AJO's "first API call" page lists for OAuth server-to-server credentials.
pub const DEFAULT_SCOPES: &str =
    "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session";

/// A whole config file, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file it was read from.
    pub path: PathBuf,
    /// The `campaigns.d/*.toml` files loaded after it, in order.
    pub extra_files: Vec<PathBuf>,
    pub default_profile: Option<String>,
    /// The console's theme: a shipped or user theme's name, or a TOML file (relative to this
    /// file's directory). `--theme` and `$LIVEACT_THEME` win over it.
    pub theme: Option<String>,
    /// The wait between two steps of a console walk (`N`); default 5 s.
    pub walk_interval: Duration,
    /// The console's keys: `[keys]` over the defaults.
    pub keys: crate::keymap::Keymap,
    pub profiles: IndexMap<String, Profile>,
    pub campaigns: Vec<Campaign>,
    /// Findings that did not stop loading (literal secrets, unknown preview fields).
    pub warnings: Vec<super::ConfigWarning>,
}

/// Where sends go and with which credentials.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub pos: Pos,
    pub kind: ProfileKind,
    pub sending: Sending,
}

/// How a profile paces, retries and times out its sends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sending {
    /// Calls in flight at once (default 4).
    pub concurrency: usize,
    /// Call starts per second (default 10, at most 500: AJO's documented ceiling).
    pub rate_limit: f64,
    /// Attempts per send, the first included (default 3).
    pub max_attempts: u32,
    /// Default 10 s.
    pub connect_timeout: Duration,
    /// The whole call; default 60 s, AJO's own limit.
    pub timeout: Duration,
}

impl Default for Sending {
    fn default() -> Self {
        Sending {
            concurrency: 4,
            rate_limit: 10.0,
            max_attempts: 3,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(60),
        }
    }
}

/// Faults a mock profile's embedded server injects, for tests and demos.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MockFaults {
    /// Share of execution calls answered 500.
    pub fail_rate: f64,
    pub latency: Duration,
    /// Status every execution call gets (or the first `status_count`).
    pub status: Option<u16>,
    pub status_count: Option<u32>,
    /// `Retry-After` seconds sent with `status`.
    pub retry_after: Option<u64>,
    /// Lifetime of issued tokens (default: IMS's 24 h).
    pub token_ttl: Option<Duration>,
    /// How long an audience execution stays `InProgress` (default 3 s).
    pub execution_delay: Option<Duration>,
}

/// The kind of a profile with its settings.
#[derive(Debug, Clone)]
pub enum ProfileKind {
    /// The embedded mock AJO: no credentials, no network.
    Mock(MockFaults),
    /// Adobe's real API through IMS OAuth server-to-server.
    Ajo(Box<AjoProfile>),
}

/// Settings of an `ajo` profile.
#[derive(Debug, Clone)]
pub struct AjoProfile {
    pub base_url: String,
    pub ims_url: String,
    pub org_id: String,
    pub sandbox: String,
    pub client_id: Setting,
    pub auth: AuthSetting,
    pub scopes: String,
    /// Sends from the console ask the user to type the sandbox name first.
    pub production: bool,
}

/// A value that may come from `env:`, `file:` or the file itself, with where it was written.
#[derive(Debug, Clone)]
pub struct Setting {
    pub source: SecretSource,
    pub pos: Pos,
    /// The file it is written in (the main config or a `campaigns.d` file).
    pub file: PathBuf,
}

/// Where an `ajo` profile's bearer token comes from, as configured.
#[derive(Debug, Clone)]
pub enum AuthSetting {
    /// `client_secret`: IMS client credentials.
    ClientSecret(Setting),
    /// `access_token`: a ready token (it wins over a client secret).
    AccessToken(Setting),
}

/// Credentials of an `ajo` profile, resolved from their sources.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub client_id: Secret,
    pub auth: Auth,
}

/// How an `ajo` profile gets its bearer token.
#[derive(Debug, Clone)]
pub enum Auth {
    /// IMS client credentials: the token is fetched and cached.
    ClientSecret(Secret),
    /// A ready bearer token; IMS is skipped.
    AccessToken(Secret),
}

impl AjoProfile {
    /// Resolves the client id and the secret or token; every failure points at its line.
    pub fn credentials(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Credentials, ConfigErrors> {
        let resolve = |setting: &Setting, key: &str| {
            setting.source.resolve(env).map_err(|message| {
                let hint = match &setting.source {
                    SecretSource::Env(name) => {
                        format!("export {name}=… before running liveact, or use file:PATH")
                    }
                    _ => "check the path and its permissions".to_string(),
                };
                ConfigError::new(
                    &setting.file,
                    Some(setting.pos),
                    format!("{key}: {message}"),
                )
                .hint(hint)
            })
        };
        let client_id = resolve(&self.client_id, "client_id");
        let auth = match &self.auth {
            AuthSetting::AccessToken(token) => {
                resolve(token, "access_token").map(Auth::AccessToken)
            }
            AuthSetting::ClientSecret(secret) => {
                resolve(secret, "client_secret").map(Auth::ClientSecret)
            }
        };
        match (client_id, auth) {
            (Ok(client_id), Ok(auth)) => Ok(Credentials { client_id, auth }),
            (a, b) => Err(ConfigErrors(a.err().into_iter().chain(b.err()).collect())),
        }
    }
}

/// Transactional campaigns use the unitary endpoint; marketing ones broadcast to an audience.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignKind {
    Transactional,
    Marketing,
}

impl std::fmt::Display for CampaignKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            CampaignKind::Transactional => "transactional",
            CampaignKind::Marketing => "marketing",
        })
    }
}

/// One AEP profile that receives a transactional push.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recipient {
    pub user_id: String,
    pub namespace: String,
}

/// An AJO API-triggered campaign as configured.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub name: String,
    pub id: String,
    pub kind: CampaignKind,
    /// The Swift `ActivityAttributes` type name, e.g. `FoodDeliveryLiveActivityAttributes`.
    pub attributes_type: String,
    /// Default recipient of a transactional campaign.
    pub recipient: Option<Recipient>,
    /// Audience of a marketing campaign.
    pub audience_id: Option<String>,
    /// Lock-screen template such as `{restaurantName}: {orderStatus}`.
    pub preview: Option<String>,
    pub attributes: Schema,
    pub content_state: Schema,
    pub steps: Vec<Step>,
}

/// One scripted step of a campaign's walk.
#[derive(Debug, Clone)]
pub struct Step {
    pub name: Option<String>,
    pub event: Event,
    /// Changes to the content-state, as written (dates still as expressions).
    pub content_state: Map<String, Value>,
    pub alert: Option<Alert>,
    /// Seconds from the send to the dismissal date (end steps).
    pub dismiss_in: Option<i64>,
    /// Seconds from the send to the stale date.
    pub stale_in: Option<i64>,
}

impl Config {
    /// The profile named, else `default_profile`, else the only profile.
    pub fn profile(&self, name: Option<&str>) -> Result<&Profile, String> {
        let names = || self.profiles.keys().cloned().collect::<Vec<_>>().join(", ");
        match name.or(self.default_profile.as_deref()) {
            Some(name) => self.profiles.get(name).ok_or_else(|| {
                format!(
                    "no profile `{name}` in {} (profiles: {})",
                    self.path.display(),
                    names()
                )
            }),
            None if self.profiles.len() == 1 => Ok(&self.profiles[0]),
            None if self.profiles.is_empty() => {
                Err(format!("{} defines no profile", self.path.display()))
            }
            None => Err(format!(
                "{} has several profiles and no default_profile; pass --profile ({})",
                self.path.display(),
                names()
            )),
        }
    }

    /// The campaign with this name (or id).
    pub fn campaign(&self, name: &str) -> Result<&Campaign, String> {
        self.campaigns
            .iter()
            .find(|c| c.name == name)
            .or_else(|| self.campaigns.iter().find(|c| c.id == name))
            .ok_or_else(|| {
                let names: Vec<&str> = self.campaigns.iter().map(|c| c.name.as_str()).collect();
                format!(
                    "no campaign `{name}` in {} (campaigns: {})",
                    self.path.display(),
                    names.join(", ")
                )
            })
    }
}
