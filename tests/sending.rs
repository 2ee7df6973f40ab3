//! The sending stack over real loopback HTTP: the AJO client with IMS tokens, the dispatcher's
//! retries, order and cancellation, and the journal, against the embedded mock.

use liveact::activity::{Alert, Draft, Endpoint, Event, Target, build_request};
use liveact::ajo::{AjoClient, Auth, Timeouts};
use liveact::config::{self, Config, Recipient, Secret};
use liveact::dispatch::{Dispatcher, Outcome, Outgoing, Progress, RetryPolicy, Settings};
use liveact::mock::{Faults, MockServer, MockSettings};
use liveact::store::{SendFilter, SendStatus, Store};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

fn example() -> Config {
    config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap()
}

struct Harness {
    mock: MockServer,
    dispatcher: Dispatcher,
    progress: UnboundedReceiver<Progress>,
    store: Arc<Store>,
    _state: tempfile::TempDir,
    config: Config,
}

/// Fast retries so tests finish quickly; everything else as shipped.
fn quick(max_attempts: u32) -> Settings {
    Settings {
        concurrency: 4,
        rate_per_second: None,
        retry: RetryPolicy {
            max_attempts,
            base: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            ..RetryPolicy::default()
        },
        follow: None,
    }
}

async fn harness(faults: Faults, settings: Settings, timeouts: Timeouts) -> Harness {
    let config = example();
    let mock = MockServer::start(
        "127.0.0.1:0".parse().unwrap(),
        MockSettings {
            campaigns: config.campaigns.clone(),
            credentials: Some(("cid".into(), "csecret".into())),
            faults,
        },
    )
    .await
    .unwrap();
    let client = client_for(&mock.base_url(), &mock.ims_url(), timeouts);
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(state.path()).unwrap());
    let (dispatcher, progress) = Dispatcher::new(client, Arc::clone(&store), "test", settings);
    Harness {
        mock,
        dispatcher,
        progress,
        store,
        _state: state,
        config,
    }
}

fn client_for(base_url: &str, ims_url: &str, timeouts: Timeouts) -> AjoClient {
    let target = liveact::ajo::Target {
        base_url: base_url.into(),
        org_id: "ORG@AdobeOrg".into(),
        sandbox: "prod".into(),
        client_id: Secret::new("cid"),
    };
    let auth = Auth::Ims {
        url: ims_url.into(),
        client_secret: Secret::new("csecret"),
        scopes: "openid".into(),
    };
    AjoClient::new(target, auth, timeouts).unwrap()
}

impl Harness {
    /// A food-delivery push for `activity` whose requestId is `request_id`.
    fn outgoing(&self, activity: &str, event: Event, request_id: &str) -> Outgoing {
        let campaign = self.config.campaign("food-delivery").unwrap();
        let now = liveact::activity::dates::unix_now();
        let mut draft = Draft::from_campaign(campaign, event, now);
        draft.set(campaign, "orderStatus=Preparing", now).unwrap();
        draft.alert = Some(Alert {
            title: "t".into(),
            body: "b".into(),
            sound: None,
        });
        let recipients = [Recipient {
            user_id: "u@example.com".into(),
            namespace: "email".into(),
        }];
        let request = build_request(
            campaign,
            Target::Recipients(&recipients),
            activity,
            &draft,
            request_id,
            now,
        );
        Outgoing {
            campaign: campaign.name.clone(),
            activity: activity.into(),
            event,
            endpoint: Endpoint::Unitary,
            request_id: request_id.into(),
            body: request.body,
            recipient: Some("u@example.com (email)".into()),
        }
    }

    /// Collects events until `count` sends have finished (each test bounds its own runtime).
    async fn finish(&mut self, count: usize) -> Vec<Progress> {
        let mut events = Vec::new();
        let mut finals = 0;
        while finals < count {
            let event = tokio::time::timeout(Duration::from_secs(30), self.progress.recv())
                .await
                .expect("the dispatcher reports within 30 s")
                .expect("the channel stays open");
            finals += usize::from(event.is_final());
            events.push(event);
        }
        events
    }

    async fn stats(&self) -> Value {
        let url = format!("http://{}/_mock/stats", self.mock.addr());
        serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap()
    }
}

fn executions(stats: &Value) -> Vec<Value> {
    stats["executions"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn fifty_concurrent_sends_share_one_token() {
    let mut h = harness(
        Faults::default(),
        Settings {
            concurrency: 16,
            ..quick(3)
        },
        Timeouts::default(),
    )
    .await;
    for i in 0..50 {
        h.dispatcher
            .submit(h.outgoing(
                &format!("order-{}", i % 10),
                Event::Update,
                &format!("r-{i}"),
            ))
            .await
            .unwrap();
    }
    let events = h.finish(50).await;
    let accepted = events
        .iter()
        .filter(|e| {
            matches!(
                e,
                Progress::Done {
                    outcome: Outcome::Accepted(_),
                    ..
                }
            )
        })
        .count();
    assert_eq!(accepted, 50);
    assert_eq!(h.stats().await["token_requests"], 1);
    assert_eq!(h.dispatcher.client().token_cache().unwrap().fetches(), 1);
    let journal = h
        .store
        .sends(&SendFilter {
            limit: 100,
            ..SendFilter::default()
        })
        .unwrap();
    assert_eq!(journal.len(), 50);
    assert!(
        journal
            .iter()
            .all(|s| s.status == SendStatus::Accepted && s.execution_id.is_some())
    );
}

#[tokio::test]
async fn a_401_fetches_one_new_token_and_retries_once() {
    let mut h = harness(Faults::default(), quick(1), Timeouts::default()).await;
    h.dispatcher
        .submit(h.outgoing("order-1", Event::Start, "first"))
        .await
        .unwrap();
    h.finish(1).await;
    let expire = format!("http://{}/_mock/expire-tokens", h.mock.addr());
    assert!(
        reqwest::Client::new()
            .post(expire)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    h.dispatcher
        .submit(h.outgoing("order-1", Event::Update, "second"))
        .await
        .unwrap();
    let events = h.finish(1).await;
    assert!(
        matches!(
            events.last(),
            Some(Progress::Done {
                attempts: 1,
                outcome: Outcome::Accepted(_),
                ..
            })
        ),
        "the refresh happens inside the one attempt: {events:?}"
    );
    assert_eq!(h.stats().await["token_requests"], 2);
}

#[tokio::test]
async fn a_429_waits_as_long_as_retry_after_says() {
    let faults = Faults {
        status: Some(429),
        status_count: Some(1),
        retry_after: Some(1),
        ..Faults::default()
    };
    let mut h = harness(faults, quick(3), Timeouts::default()).await;
    h.dispatcher
        .submit(h.outgoing("order-1", Event::Update, "req-429"))
        .await
        .unwrap();
    let events = h.finish(1).await;
    let scheduled: Vec<Duration> = events
        .iter()
        .filter_map(|e| match e {
            Progress::RetryScheduled { delay, .. } => Some(*delay),
            _ => None,
        })
        .collect();
    assert_eq!(
        scheduled,
        [Duration::from_secs(1)],
        "Retry-After wins over the 10 ms backoff"
    );
    assert!(matches!(
        events.last(),
        Some(Progress::Done {
            attempts: 2,
            outcome: Outcome::Accepted(_),
            ..
        })
    ));
    let calls = executions(&h.stats().await);
    assert_eq!(calls.len(), 2);
    let gap =
        calls[1]["received_at_ms"].as_i64().unwrap() - calls[0]["received_at_ms"].as_i64().unwrap();
    assert!(
        gap >= 1_000,
        "the second call came {gap} ms after the first"
    );
}

#[tokio::test]
async fn server_errors_are_retried_with_the_same_request_id() {
    let faults = Faults {
        status: Some(503),
        status_count: Some(2),
        ..Faults::default()
    };
    let mut h = harness(faults, quick(3), Timeouts::default()).await;
    let id = h
        .dispatcher
        .submit(h.outgoing("order-1", Event::Update, "same-id"))
        .await
        .unwrap();
    h.finish(1).await;
    let calls = executions(&h.stats().await);
    let statuses: Vec<i64> = calls
        .iter()
        .map(|c| c["status"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, [503, 503, 202]);
    assert!(
        calls.iter().all(|c| c["requestId"] == "same-id"),
        "{calls:?}"
    );
    let record = h.store.send(id).unwrap().unwrap();
    assert_eq!(
        (record.status, record.attempts, record.attempt_log.len()),
        (SendStatus::Accepted, 3, 3)
    );
    assert_eq!(record.attempt_log[0].http_status, Some(503));
    assert!(record.attempt_log[0].retry_in_ms.is_some());
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    let faults = Faults {
        status: Some(400),
        ..Faults::default()
    };
    let mut h = harness(faults, quick(3), Timeouts::default()).await;
    let id = h
        .dispatcher
        .submit(h.outgoing("order-1", Event::Update, "bad"))
        .await
        .unwrap();
    let events = h.finish(1).await;
    assert!(matches!(
        events.last(),
        Some(Progress::Done {
            attempts: 1,
            outcome: Outcome::Rejected(_),
            ..
        })
    ));
    assert_eq!(executions(&h.stats().await).len(), 1);
    let record = h.store.send(id).unwrap().unwrap();
    assert_eq!(
        (record.status, record.http_status),
        (SendStatus::Rejected, Some(400))
    );
}

#[tokio::test]
async fn a_timeout_is_retried_then_given_up() {
    let faults = Faults {
        latency: Duration::from_secs(5),
        ..Faults::default()
    };
    let timeouts = Timeouts {
        connect: Duration::from_secs(2),
        total: Duration::from_millis(300),
    };
    let mut h = harness(faults, quick(2), timeouts).await;
    let id = h
        .dispatcher
        .submit(h.outgoing("order-1", Event::Update, "slow"))
        .await
        .unwrap();
    let events = h.finish(1).await;
    match events.last() {
        Some(Progress::Failed {
            attempts: 2,
            reason,
            last: None,
            ..
        }) => assert!(reason.contains("timeout"), "{reason}"),
        other => panic!("expected a failure after 2 attempts, got {other:?}"),
    }
    let record = h.store.send(id).unwrap().unwrap();
    assert_eq!(record.status, SendStatus::Failed);
    assert!(
        record
            .attempt_log
            .iter()
            .all(|a| a.error.as_deref().is_some_and(|e| e.contains("timeout")))
    );
}

#[tokio::test]
async fn a_refused_connection_is_a_fault() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = client_for(
        &format!("http://127.0.0.1:{port}/ajo"),
        &format!("http://127.0.0.1:{port}/ims"),
        Timeouts::default(),
    );
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(state.path()).unwrap());
    let (dispatcher, mut progress) = Dispatcher::new(client, Arc::clone(&store), "test", quick(2));
    let h_out = {
        let config = example();
        let campaign = config.campaign("food-delivery").unwrap().clone();
        Outgoing {
            campaign: campaign.name,
            activity: "a".into(),
            event: Event::Update,
            endpoint: Endpoint::Unitary,
            request_id: "r".into(),
            body: serde_json::json!({"requestId": "r"}),
            recipient: None,
        }
    };
    let id = dispatcher.submit(h_out).await.unwrap();
    let last = loop {
        let event = tokio::time::timeout(Duration::from_secs(30), progress.recv())
            .await
            .unwrap()
            .unwrap();
        if event.is_final() {
            break event;
        }
    };
    match last {
        Progress::Failed {
            attempts: 2,
            reason,
            ..
        } => assert!(reason.contains("cannot connect"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.send(id).unwrap().unwrap().status, SendStatus::Failed);
}

#[tokio::test]
async fn sends_to_one_activity_never_overtake_each_other() {
    // Random failures force retries; with 8 calls in flight, only per-activity order keeps order.
    let faults = Faults {
        fail_rate: 0.3,
        latency: Duration::from_millis(2),
        ..Faults::default()
    };
    let settings = Settings {
        concurrency: 8,
        ..quick(20)
    };
    let mut h = harness(faults, settings, Timeouts::default()).await;
    for n in 0..12 {
        for activity in ["a", "b", "c", "d", "e"] {
            h.dispatcher
                .submit(h.outgoing(activity, Event::Update, &format!("{activity}-{n:02}")))
                .await
                .unwrap();
        }
    }
    let events = h.finish(60).await;
    assert!(
        events.iter().all(|e| !matches!(e, Progress::Failed { .. })),
        "20 attempts are plenty"
    );
    let calls = executions(&h.stats().await);
    let mut last: HashMap<String, String> = HashMap::new();
    for call in &calls {
        let activity = call["activity"].as_str().unwrap().to_string();
        let request = call["requestId"].as_str().unwrap().to_string();
        if let Some(previous) = last.get(&activity) {
            assert!(
                *previous <= request,
                "{request} reached AJO after {previous}"
            );
        }
        last.insert(activity, request);
    }
    let retried = calls.iter().filter(|c| c["status"] == 500).count();
    assert!(retried > 0, "the test needs retries to mean something");
}

#[tokio::test]
async fn a_queued_send_can_be_cancelled_and_is_never_sent() {
    let faults = Faults {
        latency: Duration::from_millis(300),
        ..Faults::default()
    };
    let mut h = harness(faults, quick(1), Timeouts::default()).await;
    let first = h
        .dispatcher
        .submit(h.outgoing("order-1", Event::Start, "first"))
        .await
        .unwrap();
    let second = h
        .dispatcher
        .submit(h.outgoing("order-1", Event::Update, "second"))
        .await
        .unwrap();
    assert!(h.dispatcher.cancel(second));
    let events = h.finish(2).await;
    assert!(
        events.contains(&Progress::Cancelled {
            id: second,
            in_flight: false
        }),
        "{events:?}"
    );
    assert_eq!(
        h.store.send(first).unwrap().unwrap().status,
        SendStatus::Accepted
    );
    assert_eq!(
        h.store.send(second).unwrap().unwrap().status,
        SendStatus::Cancelled
    );
    let ids: Vec<Value> = executions(&h.stats().await)
        .iter()
        .map(|c| c["requestId"].clone())
        .collect();
    assert_eq!(ids, ["first"]);
    assert!(
        !h.dispatcher.cancel(first),
        "a finished send cannot be cancelled"
    );
}

#[tokio::test]
async fn an_in_flight_send_can_be_cancelled() {
    let faults = Faults {
        latency: Duration::from_secs(10),
        ..Faults::default()
    };
    let mut h = harness(faults, quick(1), Timeouts::default()).await;
    let id = h
        .dispatcher
        .submit(h.outgoing("order-1", Event::Start, "slow"))
        .await
        .unwrap();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(10), h.progress.recv())
            .await
            .unwrap()
            .unwrap();
        if matches!(event, Progress::AttemptStarted { .. }) {
            break;
        }
    }
    assert!(h.dispatcher.cancel(id));
    let events = h.finish(1).await;
    assert_eq!(
        events.last(),
        Some(&Progress::Cancelled {
            id,
            in_flight: true
        })
    );
    let record = h.store.send(id).unwrap().unwrap();
    assert_eq!(record.status, SendStatus::Cancelled);
    assert!(record.error.unwrap().contains("may have received it"));
}
