//! The embedded mock of AJO's execution API and Adobe IMS, with a simulated device.
//!
//! An `ajo` profile whose `base_url` is [`MockServer::base_url`] and `ims_url` is
//! [`MockServer::ims_url`] talks to it exactly as to Adobe: IMS client credentials, gateway
//! checks, AJO's request contract and error shapes. Accepted pushes reach a simulated device
//! that applies Apple's Live Activity rules. Test hooks live under `/_mock/`:
//! `GET /_mock/device`, `GET /_mock/stats`, `POST /_mock/expire-tokens`. Audience executions
//! stay `InProgress` for [`Faults::execution_delay`], then succeed; schedules fire at their time.

mod contract;
mod device;
mod errors;
mod executions;
mod gateway;
mod ims;
mod runs;
mod state;

use crate::config::Campaign;
use axum::Json;
use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use state::Shared;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// What the mock knows and how it misbehaves.
#[derive(Debug, Clone, Default)]
pub struct MockSettings {
    /// The campaigns it accepts executions for (usually the config's).
    pub campaigns: Vec<Campaign>,
    /// The only `client_id`/`client_secret` pair that gets tokens; `None` accepts any
    /// non-empty pair.
    pub credentials: Option<(String, String)>,
    /// Misbehaviour of execution calls and token lifetime.
    pub faults: Faults,
}

/// Faults injected into execution calls (`POST …/unitary`, `POST …/audience`) after
/// authentication, in this order: latency, `status`, `fail_rate`.
#[derive(Debug, Clone)]
pub struct Faults {
    /// Share (0.0 to 1.0) of execution calls answered 500 in AJO's error shape.
    pub fail_rate: f64,
    /// Delay before every answer of an execution call.
    pub latency: Duration,
    /// Answer execution calls with this status: 401, 403 and 429 in the gateway's shape,
    /// others in AJO's (an invalid code becomes 500).
    pub status: Option<u16>,
    /// Only the first N execution calls get `status`; `None` means all of them.
    pub status_count: Option<u32>,
    /// Seconds sent as `Retry-After` with `status`.
    pub retry_after: Option<u64>,
    /// `expires_in` of issued tokens; they stop working after it.
    pub token_ttl: Duration,
    /// How long an audience execution (or a fired schedule's) stays `InProgress`.
    pub execution_delay: Duration,
}

impl Default for Faults {
    /// No faults; tokens live 86399 s, as IMS's do; audience executions succeed after 3 s.
    fn default() -> Self {
        Faults {
            fail_rate: 0.0,
            latency: Duration::ZERO,
            status: None,
            status_count: None,
            retry_after: None,
            token_ttl: Duration::from_secs(86_399),
            execution_delay: Duration::from_secs(3),
        }
    }
}

/// A running mock server; it stops on [`MockServer::shutdown`] or when dropped.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Binds `listen` (use `127.0.0.1:0` for an ephemeral port) and serves in a tokio task.
    pub async fn start(listen: SocketAddr, settings: MockSettings) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = oneshot::channel::<()>();
        let shared = Arc::new(Shared::new(settings));
        let app = router(Arc::clone(&shared));
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                // A dropped sender stops the server as well.
                let _ = stopped.await;
            });
            // axum retries failed accepts itself: serving only ends at shutdown.
            let _ = serve.await;
        });
        Ok(MockServer {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// A handle that makes campaigns known to this mock while it runs.
    pub fn campaigns(&self) -> MockCampaigns {
        MockCampaigns(Arc::clone(&self.shared))
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The AJO base URL, `http://ADDR/ajo` (an unspecified listen address becomes loopback).
    pub fn base_url(&self) -> String {
        format!("http://{}/ajo", self.url_addr())
    }

    /// The IMS token URL, `http://ADDR/ims/token/v3`.
    pub fn ims_url(&self) -> String {
        format!("http://{}/ims/token/v3", self.url_addr())
    }

    /// Stops serving: no new connections; calls in flight finish first.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn url_addr(&self) -> SocketAddr {
        let ip = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        SocketAddr::new(ip, self.addr.port())
    }
}

/// Adds campaigns to a running mock (one imported in the console, say).
#[derive(Clone)]
pub struct MockCampaigns(Arc<Shared>);

impl MockCampaigns {
    /// Makes `campaign` known from now on, replacing one added earlier with the same id.
    pub fn add(&self, campaign: Campaign) {
        let mut state = self.0.lock();
        state.added.retain(|c| c.id != campaign.id);
        state.added.push(campaign);
    }
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish()
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/ims/token/v3", post(ims::token))
        .route("/ajo/im/executions/unitary", post(executions::unitary))
        .route("/ajo/im/executions/audience", post(executions::audience))
        .route("/ajo/im/executions/audience/{id}", get(runs::get_execution))
        .route(
            "/ajo/im/executions/schedules/{id}",
            get(runs::get_schedule).delete(runs::delete_schedule),
        )
        .route("/_mock/device", get(device_view))
        .route("/_mock/stats", get(stats))
        .route("/_mock/expire-tokens", post(ims::expire_tokens))
        .fallback(errors::not_found)
        .method_not_allowed_fallback(errors::method_not_allowed)
        .layer(DefaultBodyLimit::max(executions::MAX_BODY))
        .with_state(shared)
}

/// `GET /_mock/device`: the simulated device's activities and dropped pushes.
async fn device_view(State(shared): State<Arc<Shared>>) -> Response {
    let mut state = shared.lock();
    runs::fire_due(&mut state, &shared.settings, jiff::Timestamp::now());
    Json(state.device.view()).into_response()
}

/// `GET /_mock/stats`: token counters and every authenticated execution call, in order.
async fn stats(State(shared): State<Arc<Shared>>) -> Response {
    let state = shared.lock();
    Json(state::Stats {
        token_requests: state.token_requests,
        tokens_issued: state.tokens_issued,
        executions: &state.executions,
    })
    .into_response()
}
