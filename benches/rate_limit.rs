//! Rate limiter accuracy: at 100 sends a second, how many calls start in 10 seconds?
//! The goal is 1,000 within 2 %.
//!
//! Run: `cargo bench --bench rate_limit`

use liveact::activity::{Endpoint, Event};
use liveact::ajo::{AjoClient, Auth, Timeouts};
use liveact::config::{self, Secret};
use liveact::dispatch::{Dispatcher, Outgoing, RetryPolicy, Settings};
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
        let settings = Settings { concurrency: 32, rate_per_second: Some(RATE), retry: RetryPolicy::default(), follow: None };
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
                    .await
                    .unwrap(),
            );
        }
        // Let the limiter run past the window, then count arrivals at the server.
        let deadline = Instant::now() + WINDOW + Duration::from_secs(2);
        while Instant::now() < deadline {
            let _ = tokio::time::timeout(deadline - Instant::now(), progress.recv()).await;
        }
        for id in ids {
            dispatcher.cancel(id);
        }
        let stats = reqwest::get(format!("http://{}/_mock/stats", mock.addr())).await.unwrap().text().await.unwrap();
        let stats: serde_json::Value = serde_json::from_str(&stats).unwrap();
        let mut arrivals: Vec<i64> = stats["executions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["received_at_ms"].as_i64())
            .collect();
        arrivals.sort_unstable();
        let first = arrivals[0];
        let window_ms = WINDOW.as_millis() as i64;
        let in_window = arrivals.iter().filter(|t| **t < first + window_ms).count();
        let expected = RATE * WINDOW.as_secs_f64();
        let error = (in_window as f64 - expected) / expected * 100.0;
        println!(
            "rate limit {RATE}/s for {} s: {in_window} calls reached the server (goal {expected:.0} ± 2 %): {error:+.2} %",
            WINDOW.as_secs()
        );
        mock.shutdown().await;
    });
}
