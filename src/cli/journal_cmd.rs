//! `liveact history` and `liveact activities`: what the journal knows.

use super::{Cli, EXIT_OK, EXIT_USAGE, HistoryArgs, ListArgs, Output, export, open_store};
use crate::activity::{Lifecycle, dates};
use crate::ajo::problem::clean;
use crate::dispatch::now_ms;
use crate::store::SendFilter;
use std::io::Write;

pub fn history(cli: &Cli, args: &HistoryArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let store = match open_store(cli, err) {
        Ok(store) => store,
        Err(code) => return code,
    };
    if let (Some(format), Some(activity)) = (args.export, &args.activity) {
        return export::run(
            &store,
            activity,
            args.campaign.as_deref(),
            format,
            args.out.as_deref(),
            out,
            err,
        );
    }
    let filter = SendFilter {
        activity: args.activity.clone(),
        campaign: args.campaign.clone(),
        limit: args.limit,
    };
    let sends = match store.sends(&filter) {
        Ok(sends) => sends,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    if args.output == Output::Json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&sends).unwrap_or_default()
        );
        return EXIT_OK;
    }
    if sends.is_empty() {
        let _ = writeln!(out, "no sends yet");
        return EXIT_OK;
    }
    let _ = writeln!(
        out,
        "{:>5}  {:<20}  {:<16}  {:<16}  {:<6}  {:<9}  {:>4}  {:>7}  result",
        "#", "time (UTC)", "campaign", "activity", "event", "status", "http", "latency"
    );
    for send in &sends {
        let time = dates::format_unix(send.created_ms / 1000);
        let http = send.http_status.map_or("-".into(), |s| s.to_string());
        let latency = send.latency_ms.map_or("-".into(), |ms| format!("{ms} ms"));
        let result = send
            .execution_id
            .clone()
            .or_else(|| send.error.clone())
            .map(|text| clean(&text))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>5}  {:<20}  {:<16}  {:<16}  {:<6}  {:<9}  {:>4}  {:>7}  {}",
            send.id,
            time,
            send.campaign,
            send.activity,
            send.event.as_str(),
            send.status.as_str(),
            http,
            latency,
            result
        );
    }
    EXIT_OK
}

pub fn activities(cli: &Cli, args: &ListArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let store = match open_store(cli, err) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let activities = match store.activities() {
        Ok(activities) => activities,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            return EXIT_USAGE;
        }
    };
    if args.output == Output::Json {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&activities).unwrap_or_default()
        );
        return EXIT_OK;
    }
    if activities.is_empty() {
        let _ = writeln!(out, "no activities yet");
        return EXIT_OK;
    }
    let now = dates::unix_now();
    let _ = writeln!(
        out,
        "{:<16}  {:<20}  {:<16}  {:>7}  {:>10}  last send",
        "campaign", "activity", "state", "updates", "started"
    );
    for activity in &activities {
        let state = match activity.lifecycle_at(now) {
            Lifecycle::Draft => "draft",
            Lifecycle::Active { .. } => "active",
            Lifecycle::Stale => "stale",
            Lifecycle::Ended => "ended",
            Lifecycle::Dismissed => "dismissed",
        };
        let state = match activity.last_send_status.map(|s| s.as_str()) {
            Some("unknown") => "outcome unknown",
            _ => state,
        };
        let started = activity.age_of_start(now_ms()).map_or("-".into(), |age| {
            format!(
                "{}h{:02}m ago",
                age.as_secs() / 3600,
                age.as_secs() % 3600 / 60
            )
        });
        let last = activity.last_send_status.map_or("-", |s| s.as_str());
        let _ = writeln!(
            out,
            "{:<16}  {:<20}  {:<16}  {:>7}  {:>10}  {}",
            activity.campaign, activity.id, state, activity.updates, started, last
        );
    }
    EXIT_OK
}
