//! `liveact walk` and `liveact history --export`: a scripted delivery end to end against the
//! mock, and the timeline a QA engineer attaches to a bug report.

mod common;

use common::{ExternalMock, Sandbox, example_config};
use liveact::config;
use serde_json::Value;
use std::path::Path;

fn campaigns() -> Vec<config::Campaign> {
    config::parse(config::EXAMPLE, Path::new("x.toml"), false)
        .unwrap()
        .campaigns
}

/// A sandbox whose default profile talks to `mock`, and its state dir.
fn sandbox_for(mock: &ExternalMock) -> Sandbox {
    let example = std::fs::read_to_string(example_config())
        .unwrap()
        .replace("default_profile = \"demo\"", "default_profile = \"local\"");
    let sandbox = Sandbox::new()
        .env("AJO_CLIENT_ID", "cid")
        .env("AJO_CLIENT_SECRET", "secret");
    let state = sandbox.path("state");
    let sandbox = sandbox.env("LIVEACT_STATE_DIR", state.to_str().unwrap());
    sandbox.write(
        "liveact.toml",
        &format!(
            "{example}\n{}",
            mock.profile("client_secret = \"env:AJO_CLIENT_SECRET\"")
        ),
    );
    sandbox
}

const WALK: &[&str] = &[
    "walk",
    "--campaign",
    "food-delivery",
    "--activity",
    "order-5",
    "--interval",
    "0s",
];

fn device_activity(mock: &ExternalMock, id: &str) -> Value {
    let device = mock.get("/_mock/device");
    device["activities"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.contains(id))
        .map(|(_, v)| v.clone())
        .unwrap_or(Value::Null)
}

#[test]
fn a_walk_sends_every_step_and_the_device_ends_delivered() {
    let mock = ExternalMock::start(campaigns(), None);
    let sandbox = sandbox_for(&mock);
    let run = sandbox.run(WALK).expect(0);
    let out = run.stdout();
    for (n, event) in ["start", "update", "update", "update", "end"]
        .iter()
        .enumerate()
    {
        assert!(out.contains(&format!("step {}/5 {event}", n + 1)), "{out}");
    }
    assert_eq!(out.matches("accepted: 202").count(), 5, "{out}");
    let device = device_activity(&mock, "order-5");
    assert_eq!(device["state"], "ended", "{device}");
    assert_eq!(device["content_state"]["orderStatus"], "Delivered");
    assert_eq!(
        mock.get("/_mock/device")["dropped"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    let run = sandbox.run(&["activities", "--output", "json"]).expect(0);
    let activities: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(activities[0]["lifecycle"]["state"], "ended", "{activities}");
    assert_eq!(activities[0]["updates"], 3);
}

#[test]
fn from_starts_later_and_carries_earlier_state() {
    let mock = ExternalMock::start(campaigns(), None);
    let sandbox = sandbox_for(&mock);
    let mut args = WALK.to_vec();
    args.extend(["--from", "4", "--output", "json"]);
    let run = sandbox.run(&args).expect(0);
    let records: Value = serde_json::from_str(&run.stdout()).expect("--output json is one array");
    let events: Vec<&str> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["update", "end"]);
    let state = &records[0]["request_body"]["recipients"][0]["context"]["requestPayload"]["aps"]["content-state"];
    assert_eq!(state["orderStatus"], "Delivered");
    assert!(
        run.stderr().contains("never started"),
        "update before start warns: {}",
        run.stderr()
    );
    let run = sandbox.run(&[WALK, &["--from", "6"]].concat()).expect(2);
    assert!(
        run.stderr()
            .contains("--from 6 is not a step of `food-delivery` (1 to 5)"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_dry_run_walk_journals_every_step_and_sends_nothing() {
    let mock = ExternalMock::start(campaigns(), None);
    let sandbox = sandbox_for(&mock);
    let run = sandbox.run(&[WALK, &["--dry-run"]].concat()).expect(0);
    assert_eq!(
        run.stdout()
            .matches("dry run: valid, journaled as send #")
            .count(),
        5,
        "{}",
        run.stdout()
    );
    assert_eq!(
        mock.get("/_mock/stats")["executions"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
    assert_eq!(
        mock.get("/_mock/stats")["token_requests"],
        0,
        "no network at all"
    );
}

#[test]
fn a_walk_stops_at_the_first_failure_with_sends_exit_code() {
    let mock = ExternalMock::start(Vec::new(), None); // knows no campaign: 404 on the first step
    let sandbox = sandbox_for(&mock);
    let run = sandbox.run(WALK).expect(3);
    assert!(
        run.stdout()
            .contains("rejected: 404 Cannot find the Campaign"),
        "{}",
        run.stdout()
    );
    assert!(
        !run.stdout().contains("step 2/5"),
        "it stops: {}",
        run.stdout()
    );
}

#[test]
fn the_timeline_exports_as_markdown_and_jsonl() {
    let mock = ExternalMock::start(campaigns(), None);
    let sandbox = sandbox_for(&mock);
    sandbox.run(WALK).expect(0);
    let md = sandbox
        .run(&["history", "--activity", "order-5", "--export", "md"])
        .expect(0)
        .stdout();
    assert!(
        md.starts_with("# Live Activity `order-5` — campaign `food-delivery`"),
        "{md}"
    );
    assert!(md.contains("| # | time (UTC) | event | status | http | attempts | latency | executionId / error | lifecycle after |"));
    for state in [
        "| active |",
        "| active (1 update) |",
        "| active (3 updates) |",
        "| ended |",
    ] {
        assert!(md.contains(state), "missing {state}: {md}");
    }
    assert_eq!(md.matches("\n## #").count(), 5);
    assert!(
        md.contains("\"orderStatus\": \"OnTheWay\""),
        "the request bodies are in: {md}"
    );
    assert!(md.contains("Response: 202 Accepted"));
    assert!(
        !md.contains("secret") && !md.contains("Bearer"),
        "no credential in an export"
    );

    let file = sandbox.path("timeline.jsonl");
    let run = sandbox
        .run(&[
            "history",
            "--activity",
            "order-5",
            "--export",
            "jsonl",
            "--out",
            file.to_str().unwrap(),
        ])
        .expect(0);
    assert!(run.stderr().contains("wrote 5 send(s) of order-5"));
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(lines[0]["event"], "start", "oldest first");
    assert_eq!(lines[4]["lifecycle_after"], "ended");
    assert_eq!(lines[1]["attempt_log"][0]["http_status"], 202);

    let run = sandbox.run(&["history", "--export", "md"]).expect(2);
    assert!(run.stderr().contains("--activity"), "{}", run.stderr());
    let run = sandbox
        .run(&["history", "--activity", "nobody", "--export", "md"])
        .expect(2);
    assert!(run.stderr().contains("no send to activity `nobody`"));
}
