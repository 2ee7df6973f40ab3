//! The SQLite journal and activity lifecycle, on real database files in temporary directories.

use liveact::activity::{ActivityHistory, Event, Lifecycle};
use liveact::store::{
    AttemptRecord, Completion, NewSend, SCHEMA_VERSION, SendFilter, SendId, SendStatus, Store,
};
use serde_json::{Value, json};
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::Duration;

const HOUR_S: i64 = 60 * 60;

/// A unitary request body whose `aps` holds `event` and the `extra` fields.
fn unitary(event: Event, extra: Value) -> Value {
    let mut aps = json!({ "event": event.as_str(), "content-available": 1 });
    if let (Some(aps), Some(extra)) = (aps.as_object_mut(), extra.as_object()) {
        aps.extend(extra.clone());
    }
    json!({
        "requestId": "req",
        "campaignId": "campaign-id",
        "recipients": [{
            "type": "aep", "userId": "ann@example.com", "namespace": "email",
            "context": { "requestPayload": { "aps": aps } },
        }],
    })
}

/// An audience (broadcast) request body.
fn audience(event: Event, extra: Value) -> Value {
    let mut body = unitary(event, extra);
    let context = body["recipients"][0]["context"].take();
    json!({ "requestId": "req", "audience": { "id": "aud-1" }, "context": context })
}

struct Fixture {
    tmp: tempfile::TempDir,
    store: Store,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = Store::open(dir.path()).expect("open store");
        Fixture { tmp: dir, store }
    }

    fn dir(&self) -> &Path {
        self.tmp.path()
    }

    fn begin(
        &self,
        campaign: &str,
        activity: &str,
        event: Event,
        body: &Value,
        now_ms: i64,
    ) -> SendId {
        self.begin_with(campaign, activity, event, body, now_ms, false)
    }

    fn begin_with(
        &self,
        campaign: &str,
        activity: &str,
        event: Event,
        body: &Value,
        now_ms: i64,
        dry_run: bool,
    ) -> SendId {
        begin(
            &self.store,
            campaign,
            activity,
            event,
            body,
            now_ms,
            dry_run,
        )
    }

    fn finish(&self, id: SendId, status: SendStatus, http: Option<u16>, now_ms: i64) {
        finish(&self.store, id, status, http, now_ms).expect("complete send");
    }

    /// Begins and completes one send.
    fn sent(
        &self,
        campaign: &str,
        activity: &str,
        event: Event,
        body: &Value,
        status: SendStatus,
        now_ms: i64,
    ) -> SendId {
        let id = self.begin(campaign, activity, event, body, now_ms);
        let http = match status {
            SendStatus::Accepted => Some(202),
            SendStatus::Rejected => Some(400),
            _ => None,
        };
        self.finish(id, status, http, now_ms + 150);
        id
    }

    fn activity(&self, campaign: &str, id: &str) -> liveact::store::ActivityRecord {
        self.store
            .activity(campaign, id)
            .expect("read activity")
            .expect("activity exists")
    }

    fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.store.path()).expect("raw connection")
    }
}

fn begin(
    store: &Store,
    campaign: &str,
    activity: &str,
    event: Event,
    body: &Value,
    now_ms: i64,
    dry_run: bool,
) -> SendId {
    store
        .begin_send(&NewSend {
            profile: "mock",
            campaign,
            activity,
            event,
            request_id: "11111111-2222-3333-4444-555555555555",
            endpoint: "/im/executions/unitary",
            body,
            recipient: Some("ann@example.com (email)"),
            dry_run,
            now_ms,
        })
        .expect("begin send")
}

fn finish(
    store: &Store,
    id: SendId,
    status: SendStatus,
    http_status: Option<u16>,
    now_ms: i64,
) -> Result<(), liveact::store::StoreError> {
    store.complete_send(
        id,
        &Completion {
            status,
            http_status,
            response_headers: &[],
            response_body: None,
            attempts: 1,
            latency_ms: Some(150),
            execution_id: None,
            error: None,
            now_ms,
        },
    )
}

#[test]
fn the_store_is_shareable_between_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Store>();
}

#[test]
fn a_send_round_trips_from_pending_through_attempts_to_its_answer() {
    let f = Fixture::new();
    assert_eq!(f.store.path(), f.dir().join("liveact.db"));
    let body = unitary(Event::Start, json!({ "timestamp": 1_700_000_000 }));
    let id = f.begin("Trip", "act-1", Event::Start, &body, 1_000);

    let pending = f
        .store
        .send(id)
        .unwrap()
        .expect("journaled before it leaves");
    assert_eq!(pending.status, SendStatus::Pending);
    assert_eq!(pending.created_ms, 1_000);
    assert_eq!(pending.request_body, body);
    assert_eq!(
        (
            pending.profile.as_str(),
            pending.campaign.as_str(),
            pending.activity.as_str()
        ),
        ("mock", "Trip", "act-1")
    );
    assert_eq!(pending.event, Event::Start);
    assert_eq!(pending.endpoint, "/im/executions/unitary");
    assert_eq!(pending.completed_ms, None);
    assert!(pending.attempt_log.is_empty());

    let first = AttemptRecord {
        number: 1,
        started_ms: 1_010,
        latency_ms: Some(80),
        http_status: Some(503),
        error: None,
        retry_in_ms: Some(500),
    };
    let second = AttemptRecord {
        number: 2,
        started_ms: 1_600,
        latency_ms: Some(90),
        http_status: Some(202),
        error: None,
        retry_in_ms: None,
    };
    f.store.record_attempt(id, &first).unwrap();
    assert_eq!(
        f.store.send(id).unwrap().unwrap().attempts,
        1,
        "attempts count while pending"
    );
    f.store.record_attempt(id, &second).unwrap();

    let headers = vec![("x-request-id".to_string(), "abc".to_string())];
    f.store
        .complete_send(
            id,
            &Completion {
                status: SendStatus::Accepted,
                http_status: Some(202),
                response_headers: &headers,
                response_body: Some(r#"{"executionId":"exec-9"}"#),
                attempts: 2,
                latency_ms: Some(700),
                execution_id: Some("exec-9"),
                error: None,
                now_ms: 1_700,
            },
        )
        .unwrap();

    let done = f.store.send(id).unwrap().unwrap();
    assert_eq!(done.status, SendStatus::Accepted);
    assert_eq!(done.http_status, Some(202));
    assert_eq!(done.response_headers, headers);
    assert_eq!(
        done.response_body.as_deref(),
        Some(r#"{"executionId":"exec-9"}"#)
    );
    assert_eq!((done.attempts, done.latency_ms), (2, Some(700)));
    assert_eq!(done.execution_id.as_deref(), Some("exec-9"));
    assert_eq!(done.completed_ms, Some(1_700));
    assert_eq!(done.attempt_log, vec![first, second]);
    assert_eq!(
        f.store.sends(&SendFilter::default()).unwrap(),
        vec![done.clone()]
    );

    // Serialised for `--output json`, statuses read as their names.
    let json = serde_json::to_value(&done).unwrap();
    assert_eq!(json["status"], "accepted");
    assert_eq!(json["event"], "start");
}

#[test]
fn mistakes_in_the_journal_are_refused_with_a_reason() {
    let f = Fixture::new();
    let body = unitary(Event::Start, json!({}));
    let attempt = AttemptRecord {
        number: 1,
        started_ms: 0,
        latency_ms: None,
        http_status: None,
        error: Some("connection refused".into()),
        retry_in_ms: None,
    };
    let err = f
        .store
        .record_attempt(404, &attempt)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no send #404"), "{err}");
    let err = finish(&f.store, 404, SendStatus::Accepted, Some(202), 0)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no send #404"), "{err}");
    assert_eq!(f.store.send(404).unwrap(), None);

    let id = f.begin("C", "a", Event::Start, &body, 0);
    let err = finish(&f.store, id, SendStatus::Pending, None, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot be completed as pending"), "{err}");
    let err = finish(&f.store, id, SendStatus::DryRun, None, 1)
        .unwrap_err()
        .to_string();
    assert!(err.contains("cannot be completed as dry-run"), "{err}");
    f.finish(id, SendStatus::Accepted, Some(202), 1);
    let err = finish(&f.store, id, SendStatus::Rejected, Some(400), 2)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already accepted"), "{err}");
    assert_eq!(
        f.store.send(id).unwrap().unwrap().status,
        SendStatus::Accepted
    );
    assert_eq!(
        f.activity("C", "a").lifecycle,
        Lifecycle::Active { updates: 0 }
    );
}

#[test]
fn accepted_sends_walk_an_activity_from_start_through_updates_to_its_end() {
    let f = Fixture::new();
    let id = f.begin(
        "Match",
        "m-1",
        Event::Start,
        &unitary(Event::Start, json!({})),
        500,
    );
    let drafted = f.activity("Match", "m-1");
    assert_eq!(
        drafted.lifecycle,
        Lifecycle::Draft,
        "created before any answer"
    );
    assert_eq!(
        drafted.recipient.as_deref(),
        Some("ann@example.com (email)")
    );
    assert_eq!(drafted.last_send_status, Some(SendStatus::Pending));
    f.store
        .complete_send(
            id,
            &Completion {
                status: SendStatus::Accepted,
                http_status: Some(200),
                response_headers: &[],
                response_body: None,
                attempts: 1,
                latency_ms: None,
                execution_id: None,
                error: None,
                now_ms: 1_000_000,
            },
        )
        .unwrap();
    // The start carried no dates: nothing but the lifecycle moved.
    let started = f.activity("Match", "m-1");
    assert_eq!(started.lifecycle, Lifecycle::Active { updates: 0 });
    assert_eq!(started.started_ms, Some(1_000_000));
    assert_eq!(started.last_timestamp, None);
    assert_eq!(
        started.age_of_start(1_000_000 + 8 * 3_600_000),
        Some(Duration::from_secs(8 * 3_600))
    );

    let update = |ts: i64, score: i64, now_ms: i64| {
        let body = unitary(
            Event::Update,
            json!({
                "timestamp": ts, "stale-date": 5_000, "content-state": { "score": score },
            }),
        );
        f.sent(
            "Match",
            "m-1",
            Event::Update,
            &body,
            SendStatus::Accepted,
            now_ms,
        );
    };
    update(2_000, 1, 2_000_000);
    assert_eq!(
        f.activity("Match", "m-1").lifecycle,
        Lifecycle::Active { updates: 1 }
    );
    update(2_100, 2, 2_100_000);
    let active = f.activity("Match", "m-1");
    assert_eq!(active.lifecycle, Lifecycle::Active { updates: 2 });
    assert_eq!(active.updates, 2);
    assert_eq!(active.last_timestamp, Some(2_100));
    assert_eq!(active.last_content_state, Some(json!({ "score": 2 })));
    assert_eq!(active.stale_date, Some(5_000));
    assert_eq!(active.started_ms, Some(1_000_000), "updates keep the start");
    assert_eq!(active.last_send_status, Some(SendStatus::Accepted));
    assert_eq!(active.lifecycle_at(4_999), Lifecycle::Active { updates: 2 });
    assert_eq!(active.lifecycle_at(5_000), Lifecycle::Stale);
    assert_eq!(
        active.history(),
        ActivityHistory {
            lifecycle: Lifecycle::Active { updates: 2 },
            last_timestamp: Some(2_100)
        }
    );

    let end = unitary(
        Event::End,
        json!({
            "timestamp": 2_200, "dismissal-date": 9_000, "content-state": { "score": 3 },
        }),
    );
    f.sent(
        "Match",
        "m-1",
        Event::End,
        &end,
        SendStatus::Accepted,
        2_200_000,
    );
    let ended = f.activity("Match", "m-1");
    assert_eq!(ended.lifecycle, Lifecycle::Ended);
    assert_eq!(ended.updates, 2);
    assert_eq!(ended.ended_ms, Some(2_200_150));
    assert_eq!(ended.dismissal_date, Some(9_000));
    assert_eq!(ended.stale_date, None, "the end carried no stale date");
    assert_eq!(ended.last_content_state, Some(json!({ "score": 3 })));
    assert_eq!(
        ended.history(),
        ActivityHistory {
            lifecycle: Lifecycle::Ended,
            last_timestamp: Some(2_200)
        }
    );
    assert_eq!(ended.lifecycle_at(8_999), Lifecycle::Ended);
    assert_eq!(ended.lifecycle_at(9_000), Lifecycle::Dismissed);
}

#[test]
fn an_ended_activity_without_a_dismissal_date_is_dismissed_four_hours_later() {
    let f = Fixture::new();
    let start = audience(Event::Start, json!({ "timestamp": 10 }));
    f.sent(
        "Broadcast",
        "channel-1",
        Event::Start,
        &start,
        SendStatus::Accepted,
        7_000_000,
    );
    let end = audience(Event::End, json!({ "timestamp": 20 }));
    f.sent(
        "Broadcast",
        "channel-1",
        Event::End,
        &end,
        SendStatus::Accepted,
        9_999_850,
    );
    let ended = f.activity("Broadcast", "channel-1");
    assert_eq!(
        ended.lifecycle,
        Lifecycle::Ended,
        "the audience body's aps was read"
    );
    assert_eq!(ended.last_timestamp, Some(20));
    assert_eq!(ended.ended_ms, Some(10_000_000));
    assert_eq!(ended.dismissal_date, None);
    assert_eq!(
        ended.lifecycle_at(10_000 + 4 * HOUR_S - 1),
        Lifecycle::Ended
    );
    assert_eq!(
        ended.lifecycle_at(10_000 + 4 * HOUR_S),
        Lifecycle::Dismissed
    );
}

#[test]
fn only_accepted_answers_move_the_lifecycle() {
    let f = Fixture::new();
    let start = unitary(
        Event::Start,
        json!({ "timestamp": 100, "content-state": { "v": 0 } }),
    );
    f.sent("C", "a", Event::Start, &start, SendStatus::Accepted, 1_000);
    let before = f.activity("C", "a");

    let update = unitary(
        Event::Update,
        json!({ "timestamp": 200, "content-state": { "v": 1 } }),
    );
    let end = unitary(Event::End, json!({ "timestamp": 300 }));
    let cases = [
        (Event::Update, &update, SendStatus::Rejected),
        (Event::Update, &update, SendStatus::Failed),
        (Event::End, &end, SendStatus::Cancelled),
        (Event::End, &end, SendStatus::Unknown),
    ];
    for (n, (event, body, status)) in cases.into_iter().enumerate() {
        let now = 2_000 + n as i64 * 1_000;
        f.sent("C", "a", event, body, status, now);
        let after = f.activity("C", "a");
        assert_eq!(after.lifecycle, before.lifecycle, "{status}");
        assert_eq!(after.last_timestamp, Some(100), "{status}");
        assert_eq!(
            after.last_content_state, before.last_content_state,
            "{status}"
        );
        assert_eq!(after.ended_ms, None, "{status}");
        assert_eq!(
            after.last_send_status,
            Some(status),
            "the console sees the newest send"
        );
        assert_eq!(
            after.updated_ms,
            now + 150,
            "the answer still counts as activity"
        );
    }
}

#[test]
fn dry_runs_are_journaled_but_never_move_the_lifecycle() {
    let f = Fixture::new();
    let start = unitary(Event::Start, json!({ "timestamp": 100 }));
    let dry = f.begin_with("C", "a", Event::Start, &start, 1_000, true);
    let err = finish(&f.store, dry, SendStatus::Accepted, Some(202), 1_001)
        .unwrap_err()
        .to_string();
    assert!(err.contains("dry run"), "{err}");
    f.finish(dry, SendStatus::DryRun, None, 1_001);
    let journaled = f.store.send(dry).unwrap().unwrap();
    assert!(journaled.dry_run);
    assert_eq!(journaled.status, SendStatus::DryRun);
    assert_eq!(serde_json::to_value(journaled.status).unwrap(), "dry-run");
    let drafted = f.activity("C", "a");
    assert_eq!(
        drafted.lifecycle,
        Lifecycle::Draft,
        "a dry run only drafts the activity"
    );
    assert_eq!(
        drafted.last_send_status, None,
        "dry runs are not sends on the wire"
    );

    f.sent("C", "a", Event::Start, &start, SendStatus::Accepted, 2_000);
    let started = f.activity("C", "a");
    let end = unitary(Event::End, json!({ "timestamp": 200 }));
    let dry = f.begin_with("C", "a", Event::End, &end, 3_000, true);
    f.finish(dry, SendStatus::DryRun, None, 3_001);
    assert_eq!(
        f.activity("C", "a"),
        started,
        "lifecycle, status and update time unchanged"
    );
}

/// Sets the pid recorded with a send, as if another process had written it.
fn set_pid(f: &Fixture, id: SendId, pid: i64) {
    let changed = f
        .raw()
        .execute("UPDATE sends SET pid = ?1 WHERE id = ?2", (pid, id))
        .unwrap();
    assert_eq!(changed, 1);
}

#[test]
fn a_pending_send_of_a_dead_process_becomes_unknown_at_the_next_open() {
    let f = Fixture::new();
    let body = unitary(Event::Start, json!({ "timestamp": 100 }));
    let orphan = f.begin("C", "orphan", Event::Start, &body, 1_000);
    let live = f.begin("C", "live", Event::Start, &body, 1_000);
    // Far above any pid_max: no process can have it.
    set_pid(&f, orphan, 4_000_000_000);

    // A second store on the same state, while the first is open.
    let second = Store::open(f.dir()).expect("second open");
    let lost = second.send(orphan).unwrap().unwrap();
    assert_eq!(lost.status, SendStatus::Unknown);
    let why = lost.error.unwrap_or_default();
    assert!(
        why.contains("outcome unknown") && why.contains("4000000000"),
        "{why}"
    );
    assert!(lost.completed_ms.is_some());
    assert_eq!(
        second.send(live).unwrap().unwrap().status,
        SendStatus::Pending,
        "this process is alive"
    );
    let orphan_activity = f.activity("C", "orphan");
    assert_eq!(orphan_activity.last_send_status, Some(SendStatus::Unknown));
    assert_eq!(orphan_activity.lifecycle, Lifecycle::Draft);

    // The live send's answer still lands; so does a late answer to the unknown one.
    f.finish(live, SendStatus::Accepted, Some(202), 2_000);
    f.finish(orphan, SendStatus::Accepted, Some(202), 2_000);
    assert_eq!(
        f.activity("C", "orphan").lifecycle,
        Lifecycle::Active { updates: 0 }
    );
    assert_eq!(
        f.activity("C", "live").lifecycle,
        Lifecycle::Active { updates: 0 }
    );
}

#[test]
fn secrets_in_response_headers_never_reach_the_database_file() {
    let f = Fixture::new();
    let id = f.begin("C", "a", Event::Start, &unitary(Event::Start, json!({})), 0);
    let headers: Vec<(String, String)> = [
        ("Authorization", "Bearer SECRET-BEARER-1"),
        ("proxy-authorization", "Basic SECRET-PROXY-2"),
        ("Cookie", "sid=SECRET-COOKIE-3"),
        ("set-cookie", "sid=SECRET-SETCOOKIE-4; HttpOnly"),
        ("X-Api-Key", "SECRET-APIKEY-5"),
        ("x-request-id", "VISIBLE-REQUEST-ID"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect();
    f.store
        .complete_send(
            id,
            &Completion {
                status: SendStatus::Rejected,
                http_status: Some(401),
                response_headers: &headers,
                response_body: Some("{}"),
                attempts: 1,
                latency_ms: None,
                execution_id: None,
                error: Some("unauthorised"),
                now_ms: 1,
            },
        )
        .unwrap();
    let stored = f.store.send(id).unwrap().unwrap().response_headers;
    assert_eq!(
        stored,
        vec![("x-request-id".into(), "VISIBLE-REQUEST-ID".into())]
    );

    // Every byte SQLite wrote: the database, its WAL and its shared memory.
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(f.dir()).unwrap() {
        bytes.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let contains = |needle: &str| bytes.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains("VISIBLE-REQUEST-ID"),
        "the search can find what was stored"
    );
    for secret in [
        "SECRET-BEARER-1",
        "SECRET-PROXY-2",
        "SECRET-COOKIE-3",
        "SECRET-SETCOOKIE-4",
        "SECRET-APIKEY-5",
    ] {
        assert!(!contains(secret), "{secret} reached the state directory");
    }
}

#[test]
fn two_stores_write_concurrently_without_losing_anything() {
    const PER_THREAD: usize = 200;
    let dir = tempfile::tempdir().unwrap();
    let first = Store::open(dir.path()).unwrap();
    let start = unitary(Event::Start, json!({ "timestamp": 1 }));
    let id = begin(&first, "C", "shared", Event::Start, &start, 0, false);
    finish(&first, id, SendStatus::Accepted, Some(202), 0).unwrap();
    let stores = [Arc::new(first), Arc::new(Store::open(dir.path()).unwrap())];

    let barrier = Arc::new(Barrier::new(stores.len()));
    let workers: Vec<_> = stores
        .iter()
        .enumerate()
        .map(|(t, store)| {
            let (store, barrier) = (Arc::clone(store), Arc::clone(&barrier));
            std::thread::spawn(move || -> Result<Vec<SendId>, String> {
                let update = unitary(Event::Update, json!({ "timestamp": 2 }));
                barrier.wait();
                let mut ids = Vec::new();
                for n in 0..PER_THREAD {
                    let own = format!("t{t}-{n}");
                    // Alternate a send to an activity of our own and one to the shared one.
                    let activity = if n % 2 == 0 { own.as_str() } else { "shared" };
                    let now = (t * 10_000 + n) as i64;
                    let id = store
                        .begin_send(&NewSend {
                            profile: "mock",
                            campaign: "C",
                            activity,
                            event: Event::Update,
                            request_id: &own,
                            endpoint: "/im/executions/unitary",
                            body: &update,
                            recipient: None,
                            dry_run: false,
                            now_ms: now,
                        })
                        .map_err(|e| e.to_string())?;
                    finish(&store, id, SendStatus::Accepted, Some(202), now)
                        .map_err(|e| e.to_string())?;
                    ids.push(id);
                }
                Ok(ids)
            })
        })
        .collect();
    let mut ids: Vec<SendId> = Vec::new();
    for worker in workers {
        ids.extend(worker.join().expect("no panic").expect("no store error"));
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 2 * PER_THREAD, "every send got its own id");

    let all = stores[0]
        .sends(&SendFilter {
            limit: 10_000,
            ..SendFilter::default()
        })
        .unwrap();
    assert_eq!(all.len(), 2 * PER_THREAD + 1);
    assert!(all.iter().all(|s| s.status == SendStatus::Accepted));
    for t in 0..2 {
        for n in 0..PER_THREAD {
            let request_id = format!("t{t}-{n}");
            assert!(
                all.iter().any(|s| s.request_id == request_id),
                "{request_id} is missing"
            );
        }
    }
    // Each accepted update to the shared activity was counted once: no lost update.
    let shared = stores[1].activity("C", "shared").unwrap().unwrap();
    assert_eq!(
        shared.lifecycle,
        Lifecycle::Active {
            updates: PER_THREAD as u32
        }
    );
}

#[test]
fn migrations_run_once_and_a_newer_schema_is_refused() {
    let f = Fixture::new();
    let version = |conn: &rusqlite::Connection| -> i64 {
        conn.query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap()
    };
    const { assert!(SCHEMA_VERSION >= 1) };
    assert_eq!(version(&f.raw()), i64::from(SCHEMA_VERSION));
    let journal_mode: String = f
        .raw()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(journal_mode, "wal");

    let id = f.begin("C", "a", Event::Start, &unitary(Event::Start, json!({})), 0);
    f.finish(id, SendStatus::Accepted, Some(202), 1);
    for _ in 0..2 {
        let again = Store::open(f.dir()).expect("reopening does not migrate twice");
        assert_eq!(
            again.send(id).unwrap().unwrap().status,
            SendStatus::Accepted
        );
        assert_eq!(version(&f.raw()), i64::from(SCHEMA_VERSION));
    }

    f.raw()
        .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    let err = Store::open(f.dir()).unwrap_err().to_string();
    assert!(err.contains("newer liveact"), "{err}");
    assert!(
        err.contains(&f.dir().join("liveact.db").display().to_string()),
        "{err}"
    );
    assert!(err.contains("--state-dir"), "{err}");
}

#[test]
fn an_unusable_state_directory_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let err = Store::open(&file).unwrap_err().to_string();
    assert!(
        err.contains("cannot create the state directory") && err.contains("--state-dir"),
        "{err}"
    );

    std::fs::write(dir.path().join("liveact.db"), vec![b'z'; 4096]).unwrap();
    let err = Store::open(dir.path()).unwrap_err().to_string();
    assert!(err.contains("not a liveact database"), "{err}");
}

#[test]
fn sends_are_listed_newest_first_filtered_and_limited() {
    let f = Fixture::new();
    let body = unitary(Event::Update, json!({}));
    let plan = [
        ("Alpha", "a1"),
        ("Alpha", "a2"),
        ("Beta", "a1"),
        ("Alpha", "a1"),
        ("Beta", "b1"),
    ];
    let ids: Vec<SendId> = plan
        .iter()
        .enumerate()
        .map(|(n, (campaign, activity))| {
            f.begin(campaign, activity, Event::Update, &body, n as i64)
        })
        .collect();
    let list = |activity: Option<&str>, campaign: Option<&str>, limit: usize| -> Vec<SendId> {
        let filter = SendFilter {
            activity: activity.map(str::to_string),
            campaign: campaign.map(str::to_string),
            limit,
        };
        f.store
            .sends(&filter)
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect()
    };
    assert_eq!(SendFilter::default().limit, 50);
    assert_eq!(
        list(None, None, 50),
        vec![ids[4], ids[3], ids[2], ids[1], ids[0]]
    );
    assert_eq!(list(None, None, 2), vec![ids[4], ids[3]]);
    assert_eq!(list(None, None, 0), Vec::<SendId>::new());
    assert_eq!(list(Some("a1"), None, 50), vec![ids[3], ids[2], ids[0]]);
    assert_eq!(list(None, Some("Alpha"), 50), vec![ids[3], ids[1], ids[0]]);
    assert_eq!(list(Some("a1"), Some("Alpha"), 1), vec![ids[3]]);
    assert_eq!(list(Some("a1"), Some("Gamma"), 50), Vec::<SendId>::new());
    // Hostile filter text is data, not SQL.
    assert_eq!(list(Some("' OR 1=1 --"), None, 50), Vec::<SendId>::new());
}

#[test]
fn activities_are_listed_most_recently_updated_first() {
    let f = Fixture::new();
    let body = unitary(Event::Start, json!({}));
    f.sent("C", "old", Event::Start, &body, SendStatus::Accepted, 1_000);
    f.sent("C", "new", Event::Start, &body, SendStatus::Accepted, 2_000);
    let order = |f: &Fixture| -> Vec<String> {
        f.store
            .activities()
            .unwrap()
            .into_iter()
            .map(|a| a.id)
            .collect()
    };
    assert_eq!(order(&f), ["new", "old"]);
    f.sent(
        "C",
        "old",
        Event::Update,
        &unitary(Event::Update, json!({})),
        SendStatus::Rejected,
        3_000,
    );
    assert_eq!(order(&f), ["old", "new"]);
    assert_eq!(f.store.activity("C", "missing").unwrap(), None);
    assert_eq!(
        f.store.activity("Other", "old").unwrap(),
        None,
        "activities belong to a campaign"
    );
}

#[test]
fn an_activity_deleted_behind_the_journals_back_is_rebuilt_by_its_next_accepted_send() {
    let f = Fixture::new();
    let start = unitary(
        Event::Start,
        json!({ "timestamp": 100, "content-state": { "v": 0 } }),
    );
    let id = begin(&f.store, "C", "a", Event::Start, &start, 1_000, false);
    let deleted = f
        .raw()
        .execute(
            "DELETE FROM activities WHERE campaign = 'C' AND id = 'a'",
            [],
        )
        .unwrap();
    assert_eq!(deleted, 1);
    finish(&f.store, id, SendStatus::Accepted, Some(202), 1_150).unwrap();
    let activity = f.activity("C", "a");
    assert_eq!(activity.lifecycle, Lifecycle::Active { updates: 0 });
    assert_eq!(activity.last_timestamp, Some(100));
    assert_eq!(activity.last_content_state, Some(json!({ "v": 0 })));
    assert_eq!(activity.started_ms, Some(1_150));
    assert_eq!(activity.updated_ms, 1_150);
}
