//! `liveact send`: validate, journal, send with retries, and print every attempt.

use super::{
    Cli, EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, SendArgs, draft, load_config, open_store,
    pick_profile, process_env, report,
};
use crate::activity::Endpoint;
use crate::activity::{dates, has_errors};
use crate::ajo::ScheduleReport;
use crate::ajo::problem;
use crate::config::CampaignKind;
use crate::connect::{self, ConnectError};
use crate::dispatch::{Dispatcher, FollowPolicy, Followed, Outcome, Outgoing, Progress, now_ms};
use crate::store::{Completion, NewSend, SendId, SendStatus, Store};
use std::io::Write;
use std::sync::Arc;

/// The server refused the push (4xx).
pub const EXIT_REJECTED: u8 = 3;
/// Gave up on faults: network, timeouts, 5xx or 429 after retries.
pub const EXIT_FAULT: u8 = 4;

pub fn run(cli: &Cli, args: &SendArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
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
    let campaign_name = config
        .campaign(&args.draft.campaign)
        .map(|c| c.name.clone())
        .unwrap_or_default();
    // An activity the journal has never seen was never started by liveact.
    let history = Some(
        store
            .activity(&campaign_name, &args.draft.activity)
            .ok()
            .flatten()
            .map_or(crate::activity::ActivityHistory::NEVER_SENT, |a| {
                a.history()
            }),
    );
    let now = dates::unix_now();
    let built = match draft::build(&config, &args.draft, now, history.as_ref()) {
        Ok(built) => built,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    if args.follow && built.campaign.kind == CampaignKind::Transactional {
        let _ = writeln!(
            err,
            "error: --follow waits for a broadcast's execution; `{}` is transactional and AJO \
             reports no execution status for unitary calls",
            built.campaign.name
        );
        return EXIT_USAGE;
    }
    if has_errors(&built.diagnostics) {
        match args.output {
            Output::Text => report::diagnostics_text(err, &built.diagnostics),
            Output::Json => report::diagnostics_json(out, &built.diagnostics),
        }
        return EXIT_INVALID;
    }
    if !built.diagnostics.is_empty() && args.output == Output::Text {
        report::diagnostics_text(err, &built.diagnostics);
    }
    let event = match args.draft.event.parse() {
        Ok(event) => event,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let outgoing = Outgoing {
        campaign: built.campaign.name.clone(),
        activity: args.draft.activity.clone(),
        event,
        endpoint: built.request.endpoint,
        request_id: built.request.request_id.clone(),
        body: built.request.body.clone(),
        recipient: Some(built.recipient.clone()),
    };
    if args.dry_run {
        return dry_run(&store, &profile.name, &outgoing, args.output, out, err);
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return EXIT_FAULT;
        }
    };
    let result = runtime.block_on(async {
        let connection = connect::connect(&config, profile, &process_env).await?;
        let mut settings = connect::dispatch_settings(profile);
        settings.follow = args.follow.then(FollowPolicy::default);
        let (dispatcher, mut progress) = Dispatcher::new(
            connection.client,
            Arc::clone(&store),
            &profile.name,
            settings,
        );
        let sent =
            send_and_follow(&dispatcher, &mut progress, outgoing, args.output, out, err).await;
        if let Some(mock) = connection.mock {
            mock.shutdown().await;
        }
        sent
    });
    match result {
        Ok((id, code)) => {
            if args.output == Output::Json {
                print_record(&store, id, out);
            }
            code
        }
        Err(ConnectError::Config(errors)) => {
            report::config_findings(err, "error", &errors.0);
            EXIT_USAGE
        }
        Err(ConnectError::Setup(message)) => {
            let _ = writeln!(err, "error: {message}");
            EXIT_FAULT
        }
    }
}

/// Submits one send and prints its progress (text output) until it ends (and, when the
/// dispatcher follows broadcasts, until the broadcast's execution ends); gives its journal id
/// and the exit code its outcome means.
pub(super) async fn send_and_follow(
    dispatcher: &Dispatcher,
    progress: &mut tokio::sync::mpsc::UnboundedReceiver<Progress>,
    outgoing: Outgoing,
    output: Output,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(SendId, u8), ConnectError> {
    let broadcast = outgoing.endpoint == Endpoint::Audience;
    let id = dispatcher
        .submit(outgoing)
        .await
        .map_err(|e| ConnectError::Setup(e.to_string()))?;
    let mut following = false;
    while let Some(event) = progress.recv().await {
        if following && event.id() == id {
            if output == Output::Text {
                print_progress(out, &event);
            }
            match &event {
                Progress::Followed {
                    followed: Followed::Execution(report),
                    ..
                } if report.is_final() => {
                    let code = if report.succeeded() {
                        EXIT_OK
                    } else {
                        EXIT_REJECTED
                    };
                    return Ok((id, code));
                }
                Progress::FollowStopped { .. } => return Ok((id, EXIT_FAULT)),
                _ => continue,
            }
        }
        if output == Output::Text {
            print_progress(out, &event);
        }
        if let Progress::JournalFailed { error, .. } = &event {
            let _ = writeln!(
                err,
                "warning: the journal could not record this send: {error}"
            );
        }
        if event.is_final() && event.id() == id {
            let tracked = match &event {
                Progress::Done {
                    outcome: Outcome::Accepted(answer),
                    ..
                } if broadcast => {
                    let schedule = ScheduleReport::read(&answer.body);
                    let execution = answer.field("executionId");
                    if output == Output::Text && !dispatcher.follows() {
                        print_broadcast_hint(out, schedule.as_ref(), execution.as_deref());
                    }
                    schedule.is_some() || execution.is_some()
                }
                _ => false,
            };
            if tracked && dispatcher.follows() {
                following = true;
                continue;
            }
            return Ok((id, exit_code(&event)));
        }
    }
    Ok((id, EXIT_FAULT))
}

/// Journals the send as a dry run; nothing leaves the machine.
fn dry_run(
    store: &Store,
    profile: &str,
    send: &Outgoing,
    output: Output,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    match journal_dry_run(store, profile, send) {
        Ok(id) => {
            match output {
                Output::Text => {
                    let _ = writeln!(
                        out,
                        "dry run: valid, journaled as send #{id}; nothing was sent"
                    );
                }
                Output::Json => print_record(store, id, out),
            }
            EXIT_OK
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            EXIT_USAGE
        }
    }
}

/// Journals a send as a dry run (pending, then completed as such) and gives its id.
pub(super) fn journal_dry_run(
    store: &Store,
    profile: &str,
    send: &Outgoing,
) -> Result<SendId, crate::store::StoreError> {
    store
        .begin_send(&NewSend {
            profile,
            campaign: &send.campaign,
            activity: &send.activity,
            event: send.event,
            request_id: &send.request_id,
            endpoint: send.endpoint.path(),
            body: &send.body,
            recipient: send.recipient.as_deref(),
            dry_run: true,
            now_ms: now_ms(),
        })
        .and_then(|id| {
            let done = Completion {
                status: SendStatus::DryRun,
                http_status: None,
                response_headers: &[],
                response_body: None,
                attempts: 0,
                latency_ms: None,
                execution_id: None,
                error: None,
                now_ms: now_ms(),
            };
            store.complete_send(id, &done).map(|()| id)
        })
}

/// How to follow or cancel an accepted broadcast.
fn print_broadcast_hint(
    out: &mut dyn Write,
    schedule: Option<&ScheduleReport>,
    execution: Option<&str>,
) {
    let line = match (schedule, execution) {
        (Some(schedule), _) => format!(
            "schedule {id}: {schedule}\n  liveact schedules lists it, liveact schedules --cancel {id} cancels it",
            id = schedule.schedule_id
        ),
        (None, Some(execution)) => format!("  follow it: liveact status {execution}"),
        (None, None) => return,
    };
    let _ = writeln!(out, "{line}");
}

fn print_progress(out: &mut dyn Write, event: &Progress) {
    let line = match event {
        Progress::Answered {
            attempt,
            status,
            latency,
            ..
        } => {
            format!(
                "attempt {attempt}: {status} {} in {} ms",
                problem::reason(*status),
                latency.as_millis()
            )
        }
        Progress::Unanswered { attempt, error, .. } => format!("attempt {attempt}: {error}"),
        Progress::RetryScheduled { delay, .. } => {
            format!("  retrying in {:.1} s", delay.as_secs_f64())
        }
        Progress::Done {
            outcome: Outcome::Accepted(answer),
            total,
            ..
        } => {
            let execution = answer
                .field("executionId")
                .map(|id| format!(", executionId {id}"))
                .unwrap_or_default();
            let request = answer
                .field("requestId")
                .map(|id| format!(", requestId {id}"))
                .unwrap_or_default();
            format!(
                "accepted: {} {} in {} ms{execution}{request}",
                answer.status,
                problem::reason(answer.status),
                total.as_millis()
            )
        }
        Progress::Done {
            outcome: Outcome::Rejected(answer),
            total,
            ..
        } => {
            let p = problem::describe(answer.status, &answer.body);
            let detail = p.detail.map(|d| format!("\n  {d}")).unwrap_or_default();
            format!(
                "rejected: {} {} in {} ms{detail}\n  hint: {}",
                answer.status,
                p.title,
                total.as_millis(),
                p.hint
            )
        }
        Progress::Failed { reason, last, .. } => {
            let hint = match last {
                Some(answer) => problem::hint(answer.status),
                None => "check the network and the profile's base_url; liveact retried already",
            };
            format!("failed: {reason}\n  hint: {hint}")
        }
        Progress::Cancelled { in_flight, .. } => {
            format!(
                "cancelled{}",
                if *in_flight {
                    " in flight: AJO may have received it"
                } else {
                    ""
                }
            )
        }
        Progress::Followed {
            followed: Followed::Schedule(schedule),
            ..
        } => format!("schedule {}: {schedule}", schedule.schedule_id),
        Progress::Followed {
            followed: Followed::Execution(report),
            ..
        } => format!(
            "execution {}: {report}",
            report.execution_id.as_deref().unwrap_or("?")
        ),
        Progress::FollowStopped { reason, .. } => format!("stopped following: {reason}"),
        Progress::ScheduleNotCancelled { reason, .. } => reason.clone(),
        Progress::Queued { .. }
        | Progress::AttemptStarted { .. }
        | Progress::JournalFailed { .. } => return,
    };
    let _ = writeln!(out, "{line}");
}

fn exit_code(event: &Progress) -> u8 {
    match event {
        Progress::Done {
            outcome: Outcome::Accepted(_),
            ..
        } => EXIT_OK,
        Progress::Done {
            outcome: Outcome::Rejected(_),
            ..
        } => EXIT_REJECTED,
        _ => EXIT_FAULT,
    }
}

/// Prints the journal's record of a send as JSON.
pub(super) fn print_record(store: &Store, id: SendId, out: &mut dyn Write) {
    if let Ok(Some(record)) = store.send(id) {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(&record).unwrap_or_default()
        );
    }
}
