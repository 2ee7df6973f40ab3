//! Rate limiter accuracy: at 100 sends a second, how many calls start in 10 seconds?
//! The goal is 1,000 within 2 %.
//!
//! Run: `cargo bench --bench rate_limit`

use liveact::activity::{Endpoint, Event};
use liveact::ajo::{AjoClient, Auth, Timeouts};
use liveact::config::{self, Secret};
use liveact::dispatch::{Dispatcher, Outgoing, Progress, RetryPolicy, Settings};
use liveact::mock::{MockServer, MockSettings};
use liveact::store::Store;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const RATE: f64 = 100.0;
const WINDOW: Duration = Duration::from_secs(10);

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // built by `cargo test --all-targets`; only `cargo bench` runs it
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let config = config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap();
        let campaign = config.campaign("food-delivery").unwrap();
        let settings = MockSettings { campaigns: config.campaigns.clone(), ..MockSettings::default() };
        let mock = MockServer::start("127.0.0.1:0".parse().unwrap(), settings).await.unwrap();
        let target = liveact::ajo::Target {
            base_url: mock.base_url(),
            org_id: config::MOCK_ORG_ID.into(),
            sandbox: config::MOCK_SANDBOX.into(),
            client_id: Secret::new(config::MOCK_CLIENT_ID),
        };
        let auth = Auth::Ims { url: mock.ims_url(), client_secret: Secret::new(config::MOCK_CLIENT_SECRET), scopes: "openid".into() };
        let client = AjoClient::new(target, auth, Timeouts::default()).unwrap();
        client.token_cache().unwrap().token().await.unwrap();
        let state = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(state.path()).unwrap());
        let settings = Settings { concurrency: 32, rate_per_second: Some(RATE), retry: RetryPolicy::default() };
        let (dispatcher, mut progress) = Dispatcher::new(client, store, "bench", settings);
        // More than the window can take, on many activities so order never holds a send back.
        let offered = (RATE * WINDOW.as_secs_f64() * 1.3) as usize;
        let mut ids = Vec::new();
        for i in 0..offered {
            let body = serde_json::json!({ "requestId": format!("r-{i}"), "campaignId": campaign.id, "recipients": [] });
            ids.push(
                dispatcher
                    .submit(Outgoing {
                        campaign: campaign.name.clone(),
                        activity: format!("a-{i}"),
                        event: Event::Update,
                        endpoint: Endpoint::Unitary,
                        request_id: format!("r-{i}"),
                        body,
                        recipient: None,
                    })
                    .unwrap(),
            );
        }
        let mut first: Option<Instant> = None;
        let mut started_in_window = 0usize;
        loop {
            let deadline = first.map_or(WINDOW * 2, |f| (f + WINDOW).saturating_duration_since(Instant::now()));
            match tokio::time::timeout(deadline, progress.recv()).await {
                Ok(Some(Progress::AttemptStarted { attempt: 1, .. })) => {
                    let now = Instant::now();
                    let start = *first.get_or_insert(now);
                    if now < start + WINDOW {
                        started_in_window += 1;
                    }
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        for id in ids {
            dispatcher.cancel(id);
        }
        let error = (started_in_window as f64 - RATE * WINDOW.as_secs_f64()) / (RATE * WINDOW.as_secs_f64()) * 100.0;
        println!(
            "rate limit {RATE}/s for {} s: {started_in_window} calls started (goal 1000 ± 2 %): {error:+.2} %",
            WINDOW.as_secs()
        );
        mock.shutdown().await;
    });
}
