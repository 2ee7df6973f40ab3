//! `liveact send`, `history` and `activities` end to end: the real binary, real SQLite files,
//! real HTTP to the embedded mock, every exit code.

mod common;

use common::{ExternalMock, Sandbox, example_config};
use liveact::config;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

const SEND: &[&str] = &[
    "send",
    "--campaign",
    "food-delivery",
    "--activity",
    "order-7",
];

fn example_text() -> String {
    std::fs::read_to_string(example_config()).unwrap()
}

/// A sandbox whose config is the example plus `extra` TOML, with its own state dir.
fn sandbox_with(extra: &str) -> Sandbox {
    let sandbox = Sandbox::new();
    let state = sandbox.path("state");
    let sandbox = sandbox.env("LIVEACT_STATE_DIR", state.to_str().unwrap());
    sandbox.write("liveact.toml", &format!("{}\n{extra}", example_text()));
    sandbox
}

fn args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    SEND.iter().copied().chain(extra.iter().copied()).collect()
}

fn history(sandbox: &Sandbox) -> Vec<Value> {
    let run = sandbox.run(&["history", "--output", "json"]).expect(0);
    serde_json::from_str::<Value>(&run.stdout())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn exit_0_prints_each_attempt_and_the_execution_id() {
    let sandbox = sandbox_with("");
    let run = sandbox
        .run(&args(&[
            "--event",
            "start",
            "--set",
            "orderStatus=Ordered",
            "--alert-title",
            "Hi",
            "--alert-body",
            "Yo",
        ]))
        .expect(0);
    let out = run.stdout();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[0].starts_with("attempt 1: 202 Accepted in "), "{out}");
    assert!(lines[1].starts_with("accepted: 202 Accepted in "), "{out}");
    assert!(
        lines[1].contains(", executionId MOCK-1, requestId "),
        "{out}"
    );
    let journal = history(&sandbox);
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0]["status"], "accepted");
    assert_eq!(journal[0]["execution_id"], "MOCK-1");
}

#[test]
fn exit_1_on_a_validation_error_sends_and_journals_nothing() {
    let sandbox = sandbox_with("");
    let run = sandbox
        .run(&args(&["--event", "update", "--set", "orderStatus=Lost"]))
        .expect(1);
    assert!(
        run.stderr().contains("`Lost` is not one of"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");
    assert!(history(&sandbox).is_empty());
}

#[test]
fn exit_2_on_usage_and_config_errors() {
    let sandbox = sandbox_with("");
    let run = sandbox
        .run(&[
            "--profile",
            "nope",
            "send",
            "--campaign",
            "food-delivery",
            "--activity",
            "a",
            "--event",
            "end",
        ])
        .expect(2);
    assert!(run.stderr().contains("no profile `nope`"));
    let missing_secret = sandbox_with(
        "[profiles.stage]\nkind = \"ajo\"\norg_id = \"O@AdobeOrg\"\nsandbox = \"prod\"\nclient_id = \"c\"\nclient_secret = \"env:NOT_SET_ANYWHERE\"\n",
    );
    let run = missing_secret
        .run(&[
            "--profile",
            "stage",
            "send",
            "--campaign",
            "food-delivery",
            "--activity",
            "a",
            "--event",
            "update",
            "--set",
            "orderStatus=Ordered",
        ])
        .expect(2);
    assert!(
        run.stderr()
            .contains("environment variable NOT_SET_ANYWHERE is not set"),
        "{}",
        run.stderr()
    );
}

#[test]
fn exit_3_when_ajo_rejects_the_push() {
    // The mock knows no campaign at all: AJO answers 404 "Cannot find the Campaign".
    let mock = ExternalMock::start(Vec::new(), None);
    let sandbox = sandbox_with(&mock.profile("client_secret = \"env:AJO_CLIENT_SECRET\""))
        .env("AJO_CLIENT_ID", "cid")
        .env("AJO_CLIENT_SECRET", "sec");
    let run = sandbox
        .run(
            &[
                &["--profile", "local"][..],
                &args(&["--event", "update", "--set", "orderStatus=Ordered"]),
            ]
            .concat(),
        )
        .expect(3);
    let out = run.stdout();
    assert!(
        out.contains("rejected: 404 Cannot find the Campaign"),
        "{out}"
    );
    assert!(
        out.contains("hint: the campaign is unknown or not active"),
        "{out}"
    );
    assert_eq!(
        mock.get("/_mock/stats")["executions"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "4xx is never retried"
    );
    assert_eq!(history(&sandbox)[0]["status"], "rejected");
}

#[test]
fn exit_4_when_faults_outlast_the_retries() {
    let sandbox =
        sandbox_with("[profiles.flaky]\nkind = \"mock\"\nfail_rate = 1.0\nmax_attempts = 2\n");
    let run = sandbox
        .run(
            &[
                &["--profile", "flaky"][..],
                &args(&["--event", "update", "--set", "orderStatus=Ordered"]),
            ]
            .concat(),
        )
        .expect(4);
    let out = run.stdout();
    assert_eq!(
        out.matches("500 Internal Server Error").count(),
        3,
        "two attempts and the verdict: {out}"
    );
    assert!(out.contains("retrying in"), "{out}");
    assert!(
        out.contains("failed: gave up after 2 attempt(s): 500 Internal Server Error"),
        "{out}"
    );
    let journal = history(&sandbox);
    assert_eq!(
        (
            journal[0]["status"].as_str(),
            journal[0]["attempts"].as_u64()
        ),
        (Some("failed"), Some(2))
    );
}

#[test]
fn json_output_is_the_journal_record() {
    let sandbox = sandbox_with("");
    let run = sandbox
        .run(&args(&[
            "--event",
            "update",
            "--set",
            "orderStatus=Ordered",
            "--output",
            "json",
        ]))
        .expect(0);
    let record: Value = serde_json::from_str(&run.stdout()).expect("one JSON document");
    assert_eq!(record["status"], "accepted");
    assert_eq!(record["http_status"], 202);
    assert_eq!(record["attempt_log"].as_array().unwrap().len(), 1);
    assert_eq!(
        record["request_body"]["recipients"][0]["context"]["requestPayload"]["aps"]["event"],
        "update"
    );
    let run = sandbox
        .run(&args(&[
            "--event",
            "update",
            "--set",
            "orderStatus=Ordered",
            "--dry-run",
            "--output",
            "json",
        ]))
        .expect(0);
    let record: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(
        (record["status"].as_str(), record["dry_run"].as_bool()),
        (Some("dry-run"), Some(true))
    );
}

#[test]
fn a_walk_moves_the_lifecycle_and_history_shows_it() {
    let sandbox = sandbox_with("");
    sandbox
        .run(&args(&[
            "--event",
            "start",
            "--set",
            "orderStatus=Ordered",
            "--alert-title",
            "a",
            "--alert-body",
            "b",
        ]))
        .expect(0);
    sandbox
        .run(&args(&[
            "--event",
            "update",
            "--set",
            "orderStatus=Preparing",
        ]))
        .expect(0);
    // The same second: liveact stamps a newer timestamp so the device does not drop it.
    sandbox
        .run(&args(&[
            "--event",
            "update",
            "--set",
            "orderStatus=OnTheWay",
        ]))
        .expect(0);
    let dry = sandbox
        .run(&args(&[
            "--event",
            "end",
            "--set",
            "orderStatus=Delivered",
            "--dismiss-in",
            "10m",
            "--dry-run",
        ]))
        .expect(0);
    assert!(
        dry.stdout()
            .starts_with("dry run: valid, journaled as send #4; nothing was sent"),
        "{}",
        dry.stdout()
    );
    let run = sandbox.run(&["activities", "--output", "json"]).expect(0);
    let activities: Value = serde_json::from_str(&run.stdout()).unwrap();
    assert_eq!(
        activities[0]["updates"], 2,
        "a dry run moves nothing: {activities}"
    );
    sandbox
        .run(&args(&[
            "--event",
            "end",
            "--set",
            "orderStatus=Delivered",
            "--dismiss-in",
            "10m",
        ]))
        .expect(0);

    let journal = history(&sandbox);
    let timestamps: Vec<i64> = journal
        .iter()
        .rev()
        .filter(|s| s["status"] == "accepted")
        .map(|s| {
            s["request_body"]["recipients"][0]["context"]["requestPayload"]["aps"]["timestamp"]
                .as_i64()
                .unwrap()
        })
        .collect();
    assert!(
        timestamps.windows(2).all(|w| w[0] < w[1]),
        "timestamps must increase: {timestamps:?}"
    );

    let table = sandbox.run(&["activities"]).expect(0).stdout();
    assert!(
        table.contains("food-delivery     order-7               ended"),
        "{table}"
    );
    let after_end = sandbox
        .run(&args(&[
            "--event",
            "update",
            "--set",
            "orderStatus=Delivered",
        ]))
        .expect(1);
    assert!(
        after_end.stderr().contains("this activity has ended"),
        "{}",
        after_end.stderr()
    );
    let text = sandbox
        .run(&["history", "--activity", "order-7", "--limit", "2"])
        .expect(0)
        .stdout();
    assert_eq!(text.lines().count(), 3, "a header and two sends: {text}");
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .contains("end     accepted    202"),
        "{text}"
    );
}

#[test]
fn a_send_left_pending_by_a_killed_process_shows_as_outcome_unknown() {
    let sandbox = sandbox_with("[profiles.slow]\nkind = \"mock\"\nlatency = \"60s\"\n");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_liveact"))
        .args(["--profile", "slow"])
        .args(args(&["--event", "update", "--set", "orderStatus=Ordered"]))
        .current_dir(sandbox.dir.path())
        .env("LIVEACT_STATE_DIR", sandbox.path("state"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let journal = history(&sandbox);
        if journal.first().is_some_and(|s| {
            s["status"] == "pending" && s["attempt_log"].as_array().is_some_and(|a| a.is_empty())
        }) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the send never showed as pending: {journal:?}"
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let journal = history(&sandbox);
    assert_eq!(journal[0]["status"], "unknown", "{journal:?}");
    let table = sandbox.run(&["activities"]).expect(0).stdout();
    assert!(table.contains("outcome unknown"), "{table}");
    // Nothing is resent: still one send.
    assert_eq!(journal.len(), 1);
}

#[test]
fn two_processes_journal_at_once() {
    let sandbox = sandbox_with("");
    let threads: Vec<_> = ["a", "b"]
        .into_iter()
        .map(|who| {
            let dir = sandbox.dir.path().to_path_buf();
            std::thread::spawn(move || {
                for n in 0..8 {
                    let output = std::process::Command::new(env!("CARGO_BIN_EXE_liveact"))
                        .args([
                            "send",
                            "--campaign",
                            "food-delivery",
                            "--activity",
                            &format!("{who}-{n}"),
                        ])
                        .args(["--event", "update", "--set", "orderStatus=Ordered"])
                        .current_dir(&dir)
                        .env("LIVEACT_STATE_DIR", dir.join("state"))
                        .output()
                        .unwrap();
                    assert!(
                        output.status.success(),
                        "{}",
                        String::from_utf8_lossy(&output.stderr)
                    );
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let journal = history(&sandbox);
    assert_eq!(journal.len(), 16);
    assert!(journal.iter().all(|s| s["status"] == "accepted"));
}

#[test]
fn secrets_appear_nowhere() {
    const SECRET: &str = "client-s3cret-value";
    let mock = ExternalMock::start(example_campaigns(), Some(("cid-123", SECRET)));
    // A token the mock issued, handed to liveact as a ready access token.
    let token: String = mock.runtime.block_on(async {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", "cid-123"),
            ("client_secret", SECRET),
            ("scope", "openid"),
        ];
        let answer = reqwest::Client::new()
            .post(mock.server.ims_url())
            .form(&form)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str::<Value>(&answer).unwrap()["access_token"]
            .as_str()
            .unwrap()
            .to_string()
    });
    let profiles = format!(
        "{}{}",
        mock.profile("client_secret = \"env:AJO_CLIENT_SECRET\""),
        mock.profile("access_token = \"env:AJO_TOKEN\"")
            .replace("[profiles.local]", "[profiles.token]")
    );
    let sandbox = sandbox_with(&profiles)
        .env("AJO_CLIENT_ID", "cid-123")
        .env("AJO_CLIENT_SECRET", SECRET)
        .env("AJO_TOKEN", &token);
    let mut outputs = Vec::new();
    for profile in ["local", "token"] {
        for extra in [
            &["--event", "update", "--set", "orderStatus=Ordered"][..],
            &[
                "--event",
                "update",
                "--set",
                "orderStatus=Ordered",
                "--output",
                "json",
            ][..],
        ] {
            let run = sandbox
                .run(&[&["--profile", profile][..], &args(extra)].concat())
                .expect(0);
            outputs.push(run.stdout());
            outputs.push(run.stderr());
        }
        for command in [
            &["history", "--output", "json"][..],
            &["activities", "--output", "json"][..],
            &["config", "check"][..],
        ] {
            let run = sandbox
                .run(&[&["--profile", profile][..], command].concat())
                .expect(0);
            outputs.push(run.stdout());
            outputs.push(run.stderr());
        }
    }
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(sandbox.path("state")).unwrap() {
        stored.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    let stored = String::from_utf8_lossy(&stored).into_owned();
    assert!(stored.contains("order-7"), "the journal was read");
    for secret in [SECRET, token.as_str()] {
        assert!(!stored.contains(secret), "a secret reached the state files");
        for output in &outputs {
            assert!(
                !output.contains(secret),
                "a secret reached the output: {output}"
            );
        }
    }
    assert_eq!(
        mock.get("/_mock/stats")["token_requests"],
        3,
        "ours, then one per client-secret send"
    );
}

fn example_campaigns() -> Vec<config::Campaign> {
    config::parse(config::EXAMPLE, Path::new("x.toml"), false)
        .unwrap()
        .campaigns
}
