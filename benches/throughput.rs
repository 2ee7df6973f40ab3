//! Sending throughput: liveact's dispatcher (journal on, rate limit off) against a plain HTTP
//! load tool, `oha`, both posting to the same standalone mock at the same concurrency.
//!
//! Run: `cargo bench --bench throughput` (needs `oha` on PATH: `cargo install oha`).
//! Settings: LIVEACT_BENCH_SENDS (5000), LIVEACT_BENCH_CONCURRENCY (32).
//!
//! On Linux it also prints the CPU time per send of liveact's threads (journal writer, runtime
//! workers, the thread submitting and counting) and of the mock, which shows where the time
//! goes and is less sensitive than sends/s to whatever else the machine runs.

use futures::StreamExt;
use liveact::activity::{Draft, Endpoint, Event, Target, build_request, dates};
use liveact::ajo::{AjoClient, Auth, Timeouts};
use liveact::config::{self, Recipient, Secret};
use liveact::dispatch::{Dispatcher, Outgoing, Progress, RetryPolicy, Settings};
use liveact::store::Store;
use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The release `liveact` binary next to this bench.
fn liveact_binary() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("bench path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target dir")
        .join("liveact")
}

/// CPU time used so far by the threads of process `pid`, by thread name (Linux `schedstat`):
/// the cost of a send whatever else the machine runs. Empty where `/proc` is missing.
fn cpu_by_thread(pid: u32) -> HashMap<String, Duration> {
    let mut by_name = HashMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return by_name;
    };
    for task in tasks.flatten() {
        let read = |file: &str| std::fs::read_to_string(task.path().join(file)).ok();
        let (Some(name), Some(stat)) = (read("comm"), read("schedstat")) else {
            continue;
        };
        let nanos = stat
            .split_whitespace()
            .next()
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        *by_name.entry(name.trim().to_string()).or_default() += Duration::from_nanos(nanos);
    }
    by_name
}

/// CPU microseconds per send spent by threads named `name` (all threads: `None`) between
/// two [`cpu_by_thread`] readings (names as the kernel keeps them: at most 15 bytes).
fn per_send(
    before: &HashMap<String, Duration>,
    after: &HashMap<String, Duration>,
    name: Option<&str>,
    sends: usize,
) -> f64 {
    let sum = |map: &HashMap<String, Duration>| -> Duration {
        map.iter()
            .filter(|(n, _)| name.is_none_or(|name| n.starts_with(name)))
            .map(|(_, d)| *d)
            .sum()
    };
    sum(after).saturating_sub(sum(before)).as_secs_f64() * 1e6 / sends as f64
}

/// Starts `liveact mock` on an ephemeral port and returns it with its address.
fn start_mock() -> (Child, String) {
    let mut child = Command::new(liveact_binary())
        .args([
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"),
            "mock",
            "--listen",
            "127.0.0.1:0",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("build it first: cargo build --release");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("the mock says where it listens");
    let addr = line
        .trim()
        .rsplit("http://")
        .next()
        .expect("an address")
        .to_string();
    (child, addr)
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return; // built by `cargo test --all-targets`; only `cargo bench` runs it
    }
    let sends = setting("LIVEACT_BENCH_SENDS", 5_000);
    let concurrency = setting("LIVEACT_BENCH_CONCURRENCY", 32);
    let status = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--bin", "liveact"])
        .status();
    assert!(
        status.is_ok_and(|s| s.success()),
        "cargo build --release failed"
    );
    let (mut mock, addr) = start_mock();
    let runtime = tokio::runtime::Runtime::new().unwrap();

    let config = config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap();
    let campaign = config.campaign("food-delivery").unwrap();
    let now = dates::unix_now();
    let recipients = [Recipient {
        user_id: "bench@example.com".into(),
        namespace: "email".into(),
    }];
    let bodies: Vec<(String, serde_json::Value)> = (0..sends)
        .map(|i| {
            let mut draft = Draft::from_campaign(campaign, Event::Update, now);
            draft.set(campaign, "orderStatus=Preparing", now).unwrap();
            let activity = format!("bench-{}", i % 500);
            let request = build_request(
                campaign,
                Target::Recipients(&recipients),
                &activity,
                &draft,
                &format!("req-{i}"),
                now + i as i64,
            );
            (activity, request.body)
        })
        .collect();
    let sample_body = serde_json::to_string(&bodies[0].1).unwrap();

    let state = tempfile::tempdir().unwrap();
    let (own, mock_pid) = (std::process::id(), mock.id());
    let (elapsed, token, cpu_before, cpu_after) = runtime.block_on(async {
        let target = liveact::ajo::Target {
            base_url: format!("http://{addr}/ajo"),
            org_id: config::MOCK_ORG_ID.into(),
            sandbox: config::MOCK_SANDBOX.into(),
            client_id: Secret::new(config::MOCK_CLIENT_ID),
        };
        let auth = Auth::Ims {
            url: format!("http://{addr}/ims/token/v3"),
            client_secret: Secret::new(config::MOCK_CLIENT_SECRET),
            scopes: "openid".into(),
        };
        let client = AjoClient::new(target, auth, Timeouts::default()).unwrap();
        let token = client.token_cache().unwrap().token().await.unwrap();
        let store = Arc::new(Store::open(state.path()).unwrap());
        let settings = Settings {
            concurrency,
            rate_per_second: None,
            retry: RetryPolicy::default(),
            follow: None,
        };
        let (dispatcher, mut progress) =
            Dispatcher::new(client, Arc::clone(&store), "bench", settings);
        let cpu_before = (cpu_by_thread(own), cpu_by_thread(mock_pid));
        let started = Instant::now();
        // Submissions from many tasks at once, as from many users: the journal groups them.
        let submitting =
            futures::stream::iter(bodies).for_each_concurrent(concurrency, |(activity, body)| {
                let dispatcher = dispatcher.clone();
                let campaign = campaign.name.clone();
                async move {
                    let send = Outgoing {
                        campaign,
                        activity,
                        event: Event::Update,
                        endpoint: Endpoint::Unitary,
                        request_id: String::new(),
                        body,
                        recipient: None,
                    };
                    dispatcher.submit(send).await.unwrap();
                }
            });
        let (mut done, mut accepted) = (0, 0);
        let counting = async {
            while done < sends {
                let event = progress.recv().await.unwrap();
                if event.is_final() {
                    done += 1;
                    accepted += usize::from(matches!(
                        event,
                        Progress::Done {
                            outcome: liveact::dispatch::Outcome::Accepted(_),
                            ..
                        }
                    ));
                }
            }
        };
        tokio::join!(submitting, counting);
        let elapsed = started.elapsed();
        // Read before the dispatcher is dropped: the journal thread ends with it.
        let cpu_after = (cpu_by_thread(own), cpu_by_thread(mock_pid));
        assert_eq!(
            accepted, sends,
            "every send must be accepted for the figure to mean anything"
        );
        // Close the journal before oha runs: its last checkpoint must not take oha's CPU.
        drop(dispatcher);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Arc::strong_count(&store) > 1 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        drop(store);
        (elapsed, token, cpu_before, cpu_after)
    });
    let liveact_rps = sends as f64 / elapsed.as_secs_f64();
    println!(
        "liveact: {sends} sends, concurrency {concurrency}, journal on, rate limit off: {:.2} s, {liveact_rps:.0} sends/s",
        elapsed.as_secs_f64()
    );
    if !cpu_after.0.is_empty() {
        let (before, after) = (&cpu_before.0, &cpu_after.0);
        let part = |name| per_send(before, after, Some(name), sends);
        println!(
            "cpu:     {:.1} µs per send in liveact (journal thread {:.1}, runtime workers {:.1}, \
             submitting and counting thread {:.1}), {:.1} µs in the mock",
            per_send(before, after, None, sends),
            part("liveact-journal"),
            part("tokio-rt-worker"),
            part("throughput"),
            per_send(&cpu_before.1, &cpu_after.1, None, sends),
        );
    }

    let body_file = state.path().join("body.json");
    std::fs::write(&body_file, &sample_body).unwrap();
    let mock_before_oha = cpu_by_thread(mock_pid);
    let oha = Command::new("oha")
        .args([
            "-n",
            &sends.to_string(),
            "-c",
            &concurrency.to_string(),
            "--no-tui",
            "--output-format",
            "json",
            "-m",
            "POST",
        ])
        .args(["-H", &format!("Authorization: Bearer {}", token.expose())])
        .args(["-H", &format!("x-api-key: {}", config::MOCK_CLIENT_ID)])
        .args(["-H", &format!("x-gw-ims-org-id: {}", config::MOCK_ORG_ID)])
        .args(["-H", &format!("x-sandbox-name: {}", config::MOCK_SANDBOX)])
        .args(["-H", "Content-Type: application/json", "-D"])
        .arg(&body_file)
        .arg(format!("http://{addr}/ajo/im/executions/unitary"))
        .output();
    match oha {
        Ok(output) if output.status.success() => {
            let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
            let oha_rps = report["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0);
            let ok = report["statusCodeDistribution"]["202"]
                .as_u64()
                .unwrap_or(0);
            println!(
                "oha:     {sends} requests, concurrency {concurrency}: {oha_rps:.0} requests/s ({ok} answered 202)"
            );
            let mock_after_oha = cpu_by_thread(mock_pid);
            if !mock_after_oha.is_empty() {
                println!(
                    "cpu:     {:.1} µs per request in the mock",
                    per_send(&mock_before_oha, &mock_after_oha, None, sends)
                );
            }
            println!(
                "ratio:   liveact reaches {:.0} % of oha (goal: at least 50 %)",
                100.0 * liveact_rps / oha_rps
            );
        }
        Ok(output) => println!("oha failed: {}", String::from_utf8_lossy(&output.stderr)),
        Err(_) => println!("oha is not on PATH: `cargo install oha` to compare"),
    }
    let _ = mock.kill();
    let _ = mock.wait();
}
