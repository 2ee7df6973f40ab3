//! `liveact status` and `liveact schedules`: what became of broadcasts after AJO accepted them.

use super::send_cmd::{EXIT_FAULT, EXIT_REJECTED};
use super::{
    Cli, EXIT_OK, EXIT_USAGE, Output, SchedulesArgs, StatusArgs, load_config, open_store,
    pick_profile, process_env, report,
};
use crate::activity::dates;
use crate::ajo::problem::clean;
use crate::ajo::{AjoClient, ScheduleReport};
use crate::config::ProfileKind;
use crate::connect::{self, ConnectError};
use crate::dispatch::follow::{self, CancelError, Cancelled, FollowError, FollowPolicy, Followed};
use crate::store::{RunRecord, Store};
use serde_json::json;
use std::io::Write;
use std::sync::Arc;

/// What a `mock` profile's user should know when AJO does not know an id.
const FRESH_MOCK: &str = "note: a `mock` profile starts a fresh mock for each command, which knows \
    no earlier execution or schedule; run `liveact mock` and point an `ajo` profile at it";

pub fn status(cli: &Cli, args: &StatusArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let bound = match dates::parse_std_duration(&args.timeout) {
        Ok(bound) => bound,
        Err(message) => {
            let _ = writeln!(err, "error: --timeout: {message}");
            return EXIT_USAGE;
        }
    };
    let policy = FollowPolicy {
        bound,
        ..FollowPolicy::default()
    };
    let id = args.execution_id.trim();
    if id.is_empty() {
        let _ = writeln!(err, "error: the execution id is empty");
        return EXIT_USAGE;
    }
    with_client(cli, err, async |client, store, mock, err| {
        let text = args.output == Output::Text;
        // --no-wait: one poll (a bound of zero gives up after the first answer).
        let policy = if args.no_wait {
            FollowPolicy {
                bound: std::time::Duration::ZERO,
                ..policy
            }
        } else {
            policy
        };
        let mut last = None;
        let result = follow::execution(client, id, &policy, |seen| {
            if let Followed::Execution(report) = seen {
                record(store, id, report, err);
                if text {
                    let _ = writeln!(out, "execution {id}: {report}");
                }
                last = Some(report.clone());
            }
        })
        .await;
        let report = match (result, last) {
            (Ok(report), _) => report,
            (Err(FollowError::GaveUp { .. }), Some(report)) if args.no_wait => report,
            (Err(error), _) => return stopped(&error, mock, err),
        };
        if !text {
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&report).unwrap_or_default()
            );
        }
        match report.is_final() {
            true if report.succeeded() => EXIT_OK,
            true => EXIT_REJECTED,
            // --no-wait: what it is now.
            false => EXIT_OK,
        }
    })
}

pub fn schedules(cli: &Cli, args: &SchedulesArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if args.offline {
        let store = match open_store(cli, err) {
            Ok(store) => store,
            Err(code) => return code,
        };
        return match store.runs(true, 100) {
            Ok(runs) => list(&runs, args.output, out),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                EXIT_USAGE
            }
        };
    }
    with_client(cli, err, async |client, store, mock, err| {
        if let Some(id) = &args.cancel {
            return match follow::cancel(client, store, id).await {
                Ok(Cancelled { report, unrecorded }) => {
                    if let Some(why) = unrecorded {
                        let _ = writeln!(err, "warning: cancelled, but not journaled: {why}");
                    }
                    match args.output {
                        Output::Text => {
                            let _ = writeln!(out, "schedule {id}: {report}");
                        }
                        Output::Json => {
                            let json = serde_json::to_string_pretty(&report).unwrap_or_default();
                            let _ = writeln!(out, "{json}");
                        }
                    }
                    EXIT_OK
                }
                Err(error) => {
                    let message = format!("schedule {id} not cancelled: {error}");
                    let _ = writeln!(err, "error: {}", clean(&message));
                    if mock {
                        let _ = writeln!(err, "{FRESH_MOCK}");
                    }
                    match error {
                        CancelError::Unreachable(_) => EXIT_FAULT,
                        CancelError::Refused(_) => EXIT_REJECTED,
                    }
                }
            };
        }
        let runs = match store.runs(true, 100) {
            Ok(runs) => runs,
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return EXIT_USAGE;
            }
        };
        // Ask AJO about every schedule that can still change.
        for run in runs.iter().filter(|run| !run.is_settled()) {
            let Some(id) = &run.schedule_id else { continue };
            match refresh(client, id).await {
                Ok(report) => {
                    if let Err(e) = store.schedule_reported(&report) {
                        let _ = writeln!(err, "warning: {e}");
                    }
                }
                Err(why) => {
                    let _ = writeln!(err, "warning: schedule {id}: {}", clean(&why));
                }
            }
        }
        match store.runs(true, 100) {
            Ok(runs) => list(&runs, args.output, out),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                EXIT_USAGE
            }
        }
    })
}

/// The schedule's status now, with its execution's if it fired.
async fn refresh(client: &AjoClient, id: &str) -> Result<ScheduleReport, String> {
    let answer = client.schedule(id).await.map_err(|e| e.to_string())?;
    if !answer.is_success() {
        return Err(FollowError::Refused(answer).to_string());
    }
    let mut report = ScheduleReport::read(&answer.body)
        .ok_or_else(|| FollowError::Unreadable(answer.body.clone()).to_string())?;
    // The execution's own status carries the counts the schedule's details may lack.
    if let Some(run) = report.execution_id().map(str::to_string)
        && let Ok(answer) = client.audience_status(&run).await
        && answer.is_success()
        && let Some(mut execution) = crate::ajo::ExecutionReport::read(&answer.body)
    {
        execution.execution_id.get_or_insert(run);
        report.execution = Some(execution);
    }
    Ok(report)
}

fn list(runs: &[RunRecord], output: Output, out: &mut dyn Write) -> u8 {
    if output == Output::Json {
        let json = serde_json::to_string_pretty(&json!(runs)).unwrap_or_default();
        let _ = writeln!(out, "{json}");
        return EXIT_OK;
    }
    if runs.is_empty() {
        let _ = writeln!(out, "no scheduled broadcasts yet (send one with --at TIME)");
        return EXIT_OK;
    }
    let _ = writeln!(
        out,
        "{:>5}  {:<24}  {:<16}  {:<16}  {:<20}  status",
        "#", "schedule", "campaign", "channel", "runs at (UTC)"
    );
    for run in runs {
        let schedule = run.schedule.as_ref();
        let at = schedule
            .and_then(|s| s.execute_at.as_deref())
            .unwrap_or("-");
        let _ = writeln!(
            out,
            "{:>5}  {:<24}  {:<16}  {:<16}  {:<20}  {}",
            run.send_id,
            clean(run.schedule_id.as_deref().unwrap_or("-")),
            clean(&run.campaign),
            clean(&run.activity),
            clean(at),
            clean(&run.summary()),
        );
    }
    EXIT_OK
}

/// Records an execution's status in the journal when a tracked send ran it.
fn record(store: &Store, id: &str, report: &crate::ajo::ExecutionReport, err: &mut dyn Write) {
    if let Err(e) = store.execution_reported(id, report) {
        let _ = writeln!(err, "warning: {e}");
    }
}

/// Prints why following stopped and gives the exit code.
fn stopped(error: &FollowError, mock: bool, err: &mut dyn Write) -> u8 {
    let _ = writeln!(err, "error: {}", clean(&error.to_string()));
    match error {
        FollowError::Refused(answer) => {
            if mock && answer.status == 404 {
                let _ = writeln!(err, "{FRESH_MOCK}");
            }
            EXIT_REJECTED
        }
        FollowError::Unreadable(_) | FollowError::GaveUp { .. } => EXIT_FAULT,
    }
}

/// Loads the config, opens the journal, connects the profile and runs `work` with the client;
/// `work` also learns whether the profile is an in-process mock.
fn with_client(
    cli: &Cli,
    err: &mut dyn Write,
    work: impl AsyncFnOnce(&AjoClient, &Arc<Store>, bool, &mut dyn Write) -> u8,
) -> u8 {
    let config = match load_config(cli, err) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let profile = match pick_profile(&config, cli, err) {
        Ok(profile) => profile,
        Err(code) => return code,
    };
    let store = match open_store(cli, err) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return EXIT_FAULT;
        }
    };
    let mock = matches!(profile.kind, ProfileKind::Mock(_));
    runtime.block_on(async {
        let connection = match connect::connect(&config, profile, &process_env).await {
            Ok(connection) => connection,
            Err(ConnectError::Config(errors)) => {
                report::config_findings(err, "error", &errors.0);
                return EXIT_USAGE;
            }
            Err(ConnectError::Setup(message)) => {
                let _ = writeln!(err, "error: {message}");
                return EXIT_FAULT;
            }
        };
        let code = work(&connection.client, &store, mock, err).await;
        if let Some(mock) = connection.mock {
            mock.shutdown().await;
        }
        code
    })
}
