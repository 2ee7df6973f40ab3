//! `liveact history --activity ID --export md|jsonl`: one activity's timeline, every send with
//! its request, answer, attempts, latency and the lifecycle it led to.

use super::{EXIT_OK, EXIT_USAGE, Export};
use crate::activity::{Event, dates};
use crate::ajo::problem::{self, clean};
use crate::store::{SendFilter, SendRecord, SendStatus, Store};
use serde_json::json;
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;

pub fn run(
    store: &Store,
    activity: &str,
    campaign: Option<&str>,
    format: Export,
    to: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let filter = SendFilter {
        activity: Some(activity.to_string()),
        campaign: campaign.map(str::to_string),
        limit: usize::MAX,
    };
    let mut sends = match store.sends(&filter) {
        Ok(sends) => sends,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    if sends.is_empty() {
        let _ = writeln!(
            err,
            "error: the journal has no send to activity `{activity}`"
        );
        return EXIT_USAGE;
    }
    sends.reverse();
    let text = match format {
        Export::Md => markdown(activity, &sends),
        Export::Jsonl => jsonl(&sends),
    };
    match to {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "wrote {} send(s) of {activity} to {}",
                    sends.len(),
                    path.display()
                );
                EXIT_OK
            }
            Err(e) => {
                let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
                EXIT_USAGE
            }
        },
        None => {
            let _ = out.write_all(text.as_bytes());
            EXIT_OK
        }
    }
}

/// The lifecycle after each send, replaying the accepted ones in order.
fn lifecycles(sends: &[SendRecord]) -> Vec<String> {
    let mut updates = 0;
    let mut state = String::from("draft");
    sends
        .iter()
        .map(|send| {
            if send.status == SendStatus::Accepted {
                state = match send.event {
                    Event::Start => {
                        updates = 0;
                        "active".into()
                    }
                    Event::Update if state == "ended" => state.clone(),
                    Event::Update => {
                        updates += 1;
                        format!(
                            "active ({updates} update{})",
                            if updates == 1 { "" } else { "s" }
                        )
                    }
                    Event::End => "ended".into(),
                };
            }
            state.clone()
        })
        .collect()
}

fn jsonl(sends: &[SendRecord]) -> String {
    sends
        .iter()
        .zip(lifecycles(sends))
        .map(|(send, lifecycle)| {
            let mut value = serde_json::to_value(send).unwrap_or_default();
            value["lifecycle_after"] = json!(lifecycle);
            format!("{value}\n")
        })
        .collect()
}

fn markdown(activity: &str, sends: &[SendRecord]) -> String {
    let mut s = String::new();
    let campaign = sends.first().map_or("", |send| send.campaign.as_str());
    let _ = writeln!(s, "# Live Activity `{activity}` — campaign `{campaign}`\n");
    let _ = writeln!(
        s,
        "Exported by liveact at {}. {} send(s), oldest first.\n",
        dates::format_unix(dates::unix_now()),
        sends.len()
    );
    let _ = writeln!(
        s,
        "| # | time (UTC) | event | status | http | attempts | latency | executionId / error | lifecycle after |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|");
    let states = lifecycles(sends);
    for (send, state) in sends.iter().zip(&states) {
        let result = send
            .execution_id
            .clone()
            .or_else(|| send.error.clone())
            .map(|t| cell(&t))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            send.id,
            dates::format_unix(send.created_ms / 1000),
            send.event,
            send.status.as_str(),
            send.http_status.map_or("-".into(), |h| h.to_string()),
            send.attempts,
            send.latency_ms.map_or("-".into(), |ms| format!("{ms} ms")),
            result,
            state
        );
    }
    for send in sends {
        let _ = writeln!(
            s,
            "\n## #{} {} — {}\n",
            send.id,
            send.event,
            send.status.as_str()
        );
        let _ = writeln!(
            s,
            "`POST {}` · requestId `{}` · profile `{}`\n",
            send.endpoint, send.request_id, send.profile
        );
        let body = serde_json::to_string_pretty(&send.request_body).unwrap_or_default();
        let _ = writeln!(s, "Request body:\n\n```json\n{body}\n```\n");
        if !send.attempt_log.is_empty() {
            let _ = writeln!(s, "Attempts:\n");
            for attempt in &send.attempt_log {
                let what = match (attempt.http_status, &attempt.error) {
                    (Some(status), _) => format!("{status} {}", problem::reason(status)),
                    (None, Some(error)) => clean(error),
                    (None, None) => "no answer".into(),
                };
                let latency = attempt
                    .latency_ms
                    .map_or(String::new(), |ms| format!(" in {ms} ms"));
                let retry = attempt
                    .retry_in_ms
                    .map_or(String::new(), |ms| format!(", retried after {ms} ms"));
                let _ = writeln!(
                    s,
                    "- #{} at {}: {what}{latency}{retry}",
                    attempt.number,
                    dates::format_unix(attempt.started_ms / 1000)
                );
            }
            s.push('\n');
        }
        if let Some(status) = send.http_status {
            let _ = writeln!(s, "Response: {status} {}\n", problem::reason(status));
            for (name, value) in &send.response_headers {
                let _ = writeln!(s, "    {}: {}", clean(name), clean(value));
            }
            if let Some(body) = &send.response_body {
                let pretty = serde_json::from_str::<serde_json::Value>(body)
                    .ok()
                    .and_then(|v| serde_json::to_string_pretty(&v).ok())
                    .unwrap_or_else(|| clean(body));
                let _ = writeln!(s, "\n```json\n{}\n```", clean(&pretty));
            }
        } else if let Some(error) = &send.error {
            let _ = writeln!(s, "No answer: {}", clean(error));
        }
    }
    s
}

/// Text safe inside a Markdown table cell.
fn cell(text: &str) -> String {
    clean(text).replace('|', "\\|").replace('\n', " ")
}
