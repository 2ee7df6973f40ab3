//! One activity's timeline for a bug report or a QA sign-off: every send with its request,
//! answer, attempts, latency and the lifecycle it led to, as Markdown or JSON lines.

use crate::activity::{Event, dates};
use crate::ajo::problem::{self, clean};
use crate::store::{SendFilter, SendRecord, SendStatus, Store};
use serde_json::json;
use std::fmt::Write as _;

/// Timeline formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table, then every request and response.
    Markdown,
    /// One JSON record per line.
    JsonLines,
}

impl Format {
    /// The file extension for this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::JsonLines => "jsonl",
        }
    }
}

/// The timeline of `activity` (optionally of one campaign), oldest send first, and how many
/// sends it holds. `Err` says why there is none.
pub fn render(
    store: &Store,
    activity: &str,
    campaign: Option<&str>,
    format: Format,
) -> Result<(String, usize), String> {
    let filter = SendFilter {
        activity: Some(activity.to_string()),
        campaign: campaign.map(str::to_string),
        limit: usize::MAX,
    };
    let mut sends = store.sends(&filter).map_err(|e| e.to_string())?;
    if sends.is_empty() {
        return Err(format!("the journal has no send to activity `{activity}`"));
    }
    sends.reverse();
    let text = match format {
        Format::Markdown => markdown(activity, &sends),
        Format::JsonLines => jsonl(&sends),
    };
    Ok((text, sends.len()))
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
