//! Broadcasts after AJO accepts them, over real loopback HTTP against the embedded mock: the
//! dispatcher follows an execution to Succeeded, a schedule to its firing, and cancels one; the
//! journal keeps what AJO said; the CLI's `send --at/--follow`, `status` and `schedules`.

mod common;

use common::{ExternalMock, Sandbox, example_config};
use liveact::activity::{Draft, Event, Target, build_request, dates, push_timestamp};
use liveact::ajo::{AjoClient, Auth, Timeouts};
use liveact::config::{self, Config, Secret};
use liveact::dispatch::{
    Dispatcher, FollowPolicy, Followed, Outcome, Outgoing, Progress, RetryPolicy, Settings,
};
use liveact::mock::{Faults, MockServer, MockSettings};
use liveact::store::Store;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

const CHANNEL: &str = "match-1";

fn example() -> Config {
    config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap()
}

/// Polls quickly so a test waits for the mock, not for the policy.
fn quick_follow() -> FollowPolicy {
    FollowPolicy {
        first: Duration::from_millis(20),
        max: Duration::from_millis(100),
        bound: Duration::from_secs(20),
    }
}

struct Harness {
    mock: MockServer,
    dispatcher: Dispatcher,
    progress: UnboundedReceiver<Progress>,
    store: Arc<Store>,
    _state: tempfile::TempDir,
    config: Config,
}

async fn harness(execution_delay: Duration) -> Harness {
    let config = example();
    let faults = Faults {
        execution_delay,
        ..Faults::default()
    };
    let settings = MockSettings {
        campaigns: config.campaigns.clone(),
        credentials: None,
        faults,
    };
    let mock = MockServer::start("127.0.0.1:0".parse().unwrap(), settings)
        .await
        .unwrap();
    let target = liveact::ajo::Target {
        base_url: mock.base_url(),
        org_id: "ORG@AdobeOrg".into(),
        sandbox: "prod".into(),
        client_id: Secret::new("cid"),
    };
    let auth = Auth::Ims {
        url: mock.ims_url(),
        client_secret: Secret::new("csecret"),
        scopes: "openid".into(),
    };
    let client = AjoClient::new(target, auth, Timeouts::default()).unwrap();
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(state.path()).unwrap());
    let settings = Settings {
        concurrency: 4,
        rate_per_second: None,
        retry: RetryPolicy::default(),
        follow: Some(quick_follow()),
    };
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

impl Harness {
    /// A match-score push on [`CHANNEL`], scheduled `schedule_in` seconds from now if given.
    fn broadcast(&self, event: Event, schedule_in: Option<i64>) -> Outgoing {
        let campaign = self.config.campaign("match-score").unwrap();
        let now = dates::unix_now();
        let mut draft = Draft::from_campaign(campaign, event, now);
        draft.schedule_at = schedule_in.map(|s| now + s);
        if event == Event::Start {
            draft.alert = Some(liveact::activity::Alert {
                title: "Kick-off".into(),
                body: "It has begun.".into(),
                sound: None,
            });
        }
        let stamp = push_timestamp(now, None, draft.schedule_at);
        let request_id = liveact::activity::new_request_id();
        let target = Target::Audience("audience-1");
        let request = build_request(campaign, target, CHANNEL, &draft, &request_id, stamp);
        Outgoing {
            campaign: campaign.name.clone(),
            activity: CHANNEL.into(),
            event,
            endpoint: request.endpoint,
            request_id,
            body: request.body,
            recipient: Some("audience-1".into()),
        }
    }

    /// The next event of send `id`, within 30 s.
    async fn next(&mut self) -> Progress {
        tokio::time::timeout(Duration::from_secs(30), self.progress.recv())
            .await
            .expect("the dispatcher reports within 30 s")
            .expect("the channel stays open")
    }

    /// Events until one matches `done`; returns them all.
    async fn until(&mut self, done: impl Fn(&Progress) -> bool) -> Vec<Progress> {
        let mut events = Vec::new();
        loop {
            let event = self.next().await;
            let stop = done(&event);
            events.push(event);
            if stop {
                return events;
            }
        }
    }

    async fn device(&self) -> Value {
        let url = format!("http://{}/_mock/device", self.mock.addr());
        serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap()
    }
}

fn final_execution(event: &Progress) -> bool {
    matches!(event, Progress::Followed { followed: Followed::Execution(r), .. } if r.is_final())
}

/// The statuses the events reported, in order: `Scheduled`, `InProgress`, `Succeeded`…
fn statuses(events: &[Progress]) -> Vec<String> {
    events
        .iter()
        .filter_map(|event| match event {
            Progress::Followed {
                followed: Followed::Schedule(s),
                ..
            } => Some(s.status.clone()),
            Progress::Followed {
                followed: Followed::Execution(e),
                ..
            } => Some(e.status.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn an_accepted_broadcast_is_followed_to_succeeded_and_journaled() {
    let mut h = harness(Duration::from_millis(300)).await;
    let id = h
        .dispatcher
        .submit(h.broadcast(Event::Start, None))
        .await
        .unwrap();
    let events = h.until(final_execution).await;
    let done = events
        .iter()
        .position(|e| matches!(e, Progress::Done { .. }));
    let execution_id = match &events[done.expect("Done comes first")] {
        Progress::Done {
            outcome: Outcome::Accepted(answer),
            ..
        } => answer.field("executionId").unwrap(),
        other => panic!("{other:?}"),
    };
    assert!(events.iter().all(|e| e.id() == id));
    // The mock holds it InProgress for 300 ms: the first poll sees that, a later one the end.
    assert_eq!(statuses(&events), ["InProgress", "Succeeded"]);
    let run = h.store.run(id).unwrap().expect("the broadcast is tracked");
    assert_eq!(run.execution_id.as_deref(), Some(execution_id.as_str()));
    assert_eq!(run.schedule, None);
    assert!(run.is_settled());
    let report = run.execution.expect("its status is journaled");
    assert_eq!(report.status, "Succeeded");
    assert_eq!(report.targeted, Some(1));
    assert_eq!(h.device().await["activities"][CHANNEL]["state"], "active");

    // An update: the channel's controls are counted.
    let update = h
        .dispatcher
        .submit(h.broadcast(Event::Update, None))
        .await
        .unwrap();
    h.until(final_execution).await;
    let report = h.store.run(update).unwrap().unwrap().execution.unwrap();
    assert_eq!(
        report.controls,
        Some(vec![("update".into(), 1), ("end".into(), 0)])
    );
}

#[tokio::test]
async fn a_scheduled_broadcast_reaches_the_device_at_its_time_and_is_followed() {
    let mut h = harness(Duration::ZERO).await;
    let id = h
        .dispatcher
        .submit(h.broadcast(Event::Start, Some(1)))
        .await
        .unwrap();
    let first = h.until(|e| matches!(e, Progress::Followed { .. })).await;
    assert!(matches!(
        &first[..],
        [
            ..,
            Progress::Done {
                outcome: Outcome::Accepted(_),
                ..
            },
            Progress::Followed { .. }
        ]
    ));
    assert_eq!(statuses(&first), ["Scheduled"]);
    let run = h.store.run(id).unwrap().unwrap();
    let schedule_id = run.schedule_id.clone().expect("the schedule is tracked");
    assert_eq!(run.schedule.unwrap().status, "Scheduled");
    assert_eq!(run.execution_id, None);
    assert_eq!(
        h.device().await["activities"],
        serde_json::json!({}),
        "not yet"
    );

    let rest = h.until(final_execution).await;
    let seen = statuses(&rest);
    assert_eq!(
        seen.first().map(String::as_str),
        Some("Triggered"),
        "{seen:?}"
    );
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Succeeded"),
        "{seen:?}"
    );
    let run = h.store.run(id).unwrap().unwrap();
    assert_eq!(run.schedule.unwrap().status, "Triggered");
    assert_eq!(
        run.execution_id.as_deref(),
        Some(format!("{schedule_id}-RUN").as_str())
    );
    assert_eq!(run.execution.unwrap().status, "Succeeded");
    assert_eq!(h.device().await["activities"][CHANNEL]["state"], "active");
}

#[tokio::test]
async fn a_schedule_is_cancelled_before_it_fires_and_refused_after() {
    let mut h = harness(Duration::ZERO).await;
    let id = h
        .dispatcher
        .submit(h.broadcast(Event::Start, Some(3600)))
        .await
        .unwrap();
    h.until(|e| matches!(e, Progress::Followed { .. })).await;
    let schedule_id = h.store.run(id).unwrap().unwrap().schedule_id.unwrap();
    h.dispatcher.cancel_schedule(id, schedule_id.clone());
    let events = h
        .until(|e| {
            matches!(
                e,
                Progress::Followed { .. } | Progress::ScheduleNotCancelled { .. }
            )
        })
        .await;
    assert_eq!(
        statuses(&events).last().map(String::as_str),
        Some("Cancelled")
    );
    let run = h.store.run(id).unwrap().unwrap();
    assert_eq!(run.schedule.as_ref().unwrap().status, "Cancelled");
    assert!(run.is_settled());
    let answer = h.dispatcher.client().schedule(&schedule_id).await.unwrap();
    assert_eq!(answer.status, 404, "AJO no longer has it");

    // A second cancel: AJO says it does not know it, and the journal keeps `Cancelled`.
    h.dispatcher.cancel_schedule(id, schedule_id.clone());
    match h.next().await {
        Progress::ScheduleNotCancelled {
            id: refused,
            reason,
        } => {
            assert_eq!(refused, id);
            assert!(reason.contains("HTTP 404"), "{reason}");
            assert!(reason.contains("AJO does not know this id"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        h.store.run(id).unwrap().unwrap().schedule.unwrap().status,
        "Cancelled"
    );

    // Once fired, a schedule can no longer be cancelled.
    let fired = h
        .dispatcher
        .submit(h.broadcast(Event::Start, Some(1)))
        .await
        .unwrap();
    h.until(final_execution).await;
    let fired_schedule = h.store.run(fired).unwrap().unwrap().schedule_id.unwrap();
    h.dispatcher.cancel_schedule(fired, fired_schedule);
    match h.next().await {
        Progress::ScheduleNotCancelled { reason, .. } => {
            assert!(reason.contains("already triggered"), "{reason}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

// The command line, against a mock served from the test (an `ajo` profile pointed at it).

fn cli_sandbox(mock: &ExternalMock) -> Sandbox {
    let sandbox = Sandbox::new();
    let state = sandbox.path("state");
    let example = std::fs::read_to_string(example_config()).unwrap();
    let profile = mock.profile("client_secret = \"env:AJO_CLIENT_SECRET\"");
    sandbox.write("liveact.toml", &format!("{example}\n{profile}"));
    sandbox
        .env("LIVEACT_STATE_DIR", state.to_str().unwrap())
        .env("AJO_CLIENT_ID", "cid")
        .env("AJO_CLIENT_SECRET", "csecret")
}

const BROADCAST: &[&str] = &[
    "--profile",
    "local",
    "send",
    "--campaign",
    "match-score",
    "--activity",
    CHANNEL,
    "--event",
    "start",
    "--alert-title",
    "Kick-off",
    "--alert-body",
    "It has begun.",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    BROADCAST.iter().chain(extra).copied().collect()
}

#[test]
fn send_follow_waits_for_the_execution_and_status_reads_it() {
    let mock = ExternalMock::start(example().campaigns, None);
    let sandbox = cli_sandbox(&mock);
    let run = sandbox.run(&with(&["--follow"])).expect(0);
    let out = run.stdout();
    assert!(out.contains("accepted: 202 Accepted"), "{out}");
    // The mock's default: InProgress for 3 s, then Succeeded.
    assert!(out.contains("execution MOCK-1: InProgress\n"), "{out}");
    assert!(
        out.contains("execution MOCK-1: Succeeded · 1 profile targeted\n"),
        "{out}"
    );
    let status = sandbox
        .run(&["--profile", "local", "status", "MOCK-1"])
        .expect(0);
    assert_eq!(
        status.stdout(),
        "execution MOCK-1: Succeeded · 1 profile targeted\n"
    );
    let json = sandbox
        .run(&["--profile", "local", "status", "MOCK-1", "--output", "json"])
        .expect(0);
    let report: Value = serde_json::from_str(&json.stdout()).unwrap();
    assert_eq!(report["status"], "Succeeded");
    assert_eq!(report["targeted"], 1);

    let unknown = sandbox
        .run(&["--profile", "local", "status", "MOCK-404"])
        .expect(3);
    let err = unknown.stderr();
    assert!(err.contains("HTTP 404: Cannot find the Execution"), "{err}");
}

#[test]
fn a_broadcast_without_follow_says_how_to_follow_it() {
    let mock = ExternalMock::start(example().campaigns, None);
    let sandbox = cli_sandbox(&mock);
    let out = sandbox.run(BROADCAST).expect(0).stdout();
    assert!(
        out.contains("  follow it: liveact status MOCK-1\n"),
        "{out}"
    );
    let now = sandbox
        .run(&["--profile", "local", "status", "MOCK-1", "--no-wait"])
        .expect(0)
        .stdout();
    assert_eq!(now, "execution MOCK-1: InProgress\n");
}

#[test]
fn schedules_are_listed_refreshed_and_cancelled_from_the_command_line() {
    let mock = ExternalMock::start(example().campaigns, None);
    let sandbox = cli_sandbox(&mock);
    let out = sandbox.run(&with(&["--at", "+1h"])).expect(0).stdout();
    assert!(
        out.contains("schedule MOCK-SCHEDULE-1: Scheduled for "),
        "{out}"
    );
    assert!(
        out.contains("liveact schedules --cancel MOCK-SCHEDULE-1 cancels it"),
        "{out}"
    );
    // The body carried schedule.executeAt, an hour ahead, and the push is stamped with it.
    let history = sandbox.run(&["history", "--output", "json"]).expect(0);
    let sends: Value = serde_json::from_str(&history.stdout()).unwrap();
    let body = &sends[0]["request_body"];
    let at: jiff::Timestamp = body["schedule"]["executeAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let ahead = at.as_second() - dates::unix_now();
    assert!((3590..=3600).contains(&ahead), "{ahead}");
    assert_eq!(
        body["context"]["requestPayload"]["aps"]["timestamp"],
        at.as_second()
    );
    assert_eq!(
        mock.get("/_mock/device")["activities"],
        serde_json::json!({})
    );

    let list = sandbox
        .run(&["--profile", "local", "schedules"])
        .expect(0)
        .stdout();
    let row = list.lines().nth(1).expect("one schedule listed");
    assert!(
        row.contains("MOCK-SCHEDULE-1") && row.contains("match-score") && row.contains(CHANNEL),
        "{list}"
    );
    assert!(row.ends_with(&format!("Scheduled for {at}")), "{list}");

    let cancel = sandbox
        .run(&[
            "--profile",
            "local",
            "schedules",
            "--cancel",
            "MOCK-SCHEDULE-1",
        ])
        .expect(0);
    assert_eq!(
        cancel.stdout(),
        format!("schedule MOCK-SCHEDULE-1: Cancelled for {at}\n")
    );
    let offline = sandbox.run(&["schedules", "--offline"]).expect(0).stdout();
    assert!(
        offline
            .lines()
            .nth(1)
            .unwrap()
            .ends_with(&format!("Cancelled for {at}")),
        "{offline}"
    );
    let again = sandbox
        .run(&[
            "--profile",
            "local",
            "schedules",
            "--cancel",
            "MOCK-SCHEDULE-1",
        ])
        .expect(3);
    assert!(
        again.stderr().contains("Cannot find the Schedule"),
        "{}",
        again.stderr()
    );
}

#[test]
fn scheduling_and_a_channel_apart_from_the_activity_are_refused_and_nothing_is_sent() {
    let mock = ExternalMock::start(example().campaigns, None);
    let sandbox = cli_sandbox(&mock);
    // A transactional update, which can be neither scheduled nor followed.
    let unitary = |extra: &[&str]| {
        let base = [
            "--profile",
            "local",
            "send",
            "--campaign",
            "food-delivery",
            "--activity",
            "o-1",
            "--event",
            "update",
            "--set",
            "orderStatus=Ordered",
        ];
        sandbox.run(&[&base[..], extra].concat()).expect(2)
    };
    let transactional = unitary(&["--at", "+10m"]);
    assert!(
        transactional
            .stderr()
            .contains("--at schedules a broadcast; `food-delivery` is transactional"),
        "{}",
        transactional.stderr()
    );
    let follow = unitary(&["--follow"]);
    assert!(
        follow
            .stderr()
            .contains("--follow waits for a broadcast's execution"),
        "{}",
        follow.stderr()
    );
    let past = sandbox.run(&with(&["--at=-1m"])).expect(1);
    assert!(
        past.stderr().contains("schedule.executeAt"),
        "{}",
        past.stderr()
    );
    assert!(
        past.stderr().contains("is not in the future"),
        "{}",
        past.stderr()
    );
    // The channel is the activity: it cannot be set apart from it.
    let channel = sandbox
        .run(&with(&[
            "--set",
            "attributes.liveActivityData.channelID=other",
        ]))
        .expect(1);
    assert!(
        channel
            .stderr()
            .contains("liveActivityData is written from --activity"),
        "{}",
        channel.stderr()
    );
    let executions = mock.get("/_mock/stats")["executions"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(executions, 0, "nothing reached AJO");
}
