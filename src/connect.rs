//! From a profile to a ready AJO client: the embedded mock for `mock` profiles, Adobe (or any
//! AJO-compatible server) for `ajo` profiles.

use crate::ajo::{AjoClient, Auth, CallError, Target, Timeouts};
use crate::config::{self, Config, ConfigErrors, MockFaults, Profile, ProfileKind, Secret};
use crate::dispatch::{RetryPolicy, Settings};
use crate::mock::{Faults, MockServer, MockSettings};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

/// A client for a profile, and the in-process mock serving it when there is one.
pub struct Connection {
    pub client: AjoClient,
    /// Kept alive as long as the connection; `None` for `ajo` profiles.
    pub mock: Option<MockServer>,
}

/// Why a profile could not be connected.
#[derive(Debug)]
pub enum ConnectError {
    /// A secret did not resolve (exit 2, with `file:line:column`).
    Config(ConfigErrors),
    /// The mock could not start or the HTTP client could not be built.
    Setup(String),
}

impl fmt::Display for ConnectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectError::Config(errors) => write!(f, "{errors}"),
            ConnectError::Setup(message) => f.write_str(message),
        }
    }
}

/// Connects `profile`: starts the embedded mock on an ephemeral loopback port for `mock`
/// profiles, resolves credentials (`env`, injected for tests) for `ajo` ones.
pub async fn connect(
    config: &Config,
    profile: &Profile,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Connection, ConnectError> {
    let timeouts = Timeouts {
        connect: profile.sending.connect_timeout,
        total: profile.sending.timeout,
    };
    let setup = |e: CallError| ConnectError::Setup(e.to_string());
    match &profile.kind {
        ProfileKind::Mock(faults) => {
            let settings = MockSettings {
                campaigns: config.campaigns.clone(),
                credentials: None,
                faults: mock_faults(faults),
            };
            let listen = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
            let mock = MockServer::start(listen, settings).await.map_err(|e| {
                ConnectError::Setup(format!("cannot start the embedded mock AJO: {e}"))
            })?;
            let target = Target {
                base_url: mock.base_url(),
                org_id: config::MOCK_ORG_ID.into(),
                sandbox: config::MOCK_SANDBOX.into(),
                client_id: Secret::new(config::MOCK_CLIENT_ID),
            };
            let auth = Auth::Ims {
                url: mock.ims_url(),
                client_secret: Secret::new(config::MOCK_CLIENT_SECRET),
                scopes: "openid".into(),
            };
            let client = AjoClient::new(target, auth, timeouts).map_err(setup)?;
            Ok(Connection {
                client,
                mock: Some(mock),
            })
        }
        ProfileKind::Ajo(ajo) => {
            let credentials = ajo.credentials(env).map_err(ConnectError::Config)?;
            let target = Target {
                base_url: ajo.base_url.clone(),
                org_id: ajo.org_id.clone(),
                sandbox: ajo.sandbox.clone(),
                client_id: credentials.client_id,
            };
            let auth = match credentials.auth {
                config::Auth::AccessToken(token) => Auth::Token(token),
                config::Auth::ClientSecret(secret) => Auth::Ims {
                    url: ajo.ims_url.clone(),
                    client_secret: secret,
                    scopes: ajo.scopes.clone(),
                },
            };
            let client = AjoClient::new(target, auth, timeouts).map_err(setup)?;
            Ok(Connection { client, mock: None })
        }
    }
}

/// The dispatcher settings a profile asks for.
pub fn dispatch_settings(profile: &Profile) -> Settings {
    let sending = profile.sending;
    Settings {
        concurrency: sending.concurrency,
        rate_per_second: Some(sending.rate_limit),
        retry: RetryPolicy {
            max_attempts: sending.max_attempts,
            ..RetryPolicy::default()
        },
        follow: None,
    }
}

/// A mock profile's faults as the mock server takes them.
pub fn mock_faults(faults: &MockFaults) -> Faults {
    let mut out = Faults {
        fail_rate: faults.fail_rate,
        latency: faults.latency,
        status: faults.status,
        status_count: faults.status_count,
        retry_after: faults.retry_after,
        ..Faults::default()
    };
    if let Some(ttl) = faults.token_ttl {
        out.token_ttl = ttl;
    }
    if let Some(delay) = faults.execution_delay {
        out.execution_delay = delay;
    }
    out
}
