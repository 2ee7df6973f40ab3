//! Following an audience execution, or a schedule and then the execution it starts, until AJO
//! says it succeeded or failed: polls with a growing wait, and gives up after a bound.

use crate::ajo::execution::CANCELLED;
use crate::ajo::{AjoClient, Answer, CallError, ExecutionReport, ScheduleReport};
use crate::store::Store;
use std::fmt;
use std::time::Duration;
use tokio::time::Instant;

/// How often and how long to poll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FollowPolicy {
    /// The first wait between two polls; each wait is half as long again as the one before.
    pub first: Duration,
    /// The longest wait between two polls.
    pub max: Duration,
    /// Give up after this long without a final status (after the run time, for a schedule).
    pub bound: Duration,
}

impl Default for FollowPolicy {
    /// 1 s growing to 15 s, for at most 10 minutes.
    fn default() -> Self {
        FollowPolicy {
            first: Duration::from_secs(1),
            max: Duration::from_secs(15),
            bound: Duration::from_secs(600),
        }
    }
}

/// Something new learned while following.
#[derive(Debug, Clone, PartialEq)]
pub enum Followed {
    Schedule(ScheduleReport),
    Execution(ExecutionReport),
}

/// Why following ended without a final status.
#[derive(Debug, Clone, PartialEq)]
pub enum FollowError {
    /// AJO refused the status call (404: unknown or deleted id; 401/403: credentials).
    Refused(Answer),
    /// A 2xx whose body is not a status.
    Unreadable(String),
    /// The bound passed; the last fault, if the last polls got no answer.
    GaveUp {
        waited: Duration,
        fault: Option<String>,
    },
}

impl fmt::Display for FollowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FollowError::Refused(answer) => {
                let problem = crate::ajo::problem::describe(answer.status, &answer.body);
                let hint = match answer.status {
                    404 => "AJO does not know this id: check it, or the schedule was deleted",
                    _ => problem.hint,
                };
                write!(f, "HTTP {}: {} ({hint})", answer.status, problem.title)
            }
            FollowError::Unreadable(body) => {
                write!(f, "the status answer is not one AJO documents: {body}")
            }
            FollowError::GaveUp { waited, fault } => {
                write!(f, "no final status after {}s", waited.as_secs())?;
                if let Some(fault) = fault {
                    write!(f, "; last poll: {fault}")?;
                }
                Ok(())
            }
        }
    }
}

/// Polls `GET /im/executions/audience/{id}` until `Succeeded` or `Failed`; `seen` hears each
/// change of status or counts.
pub async fn execution(
    client: &AjoClient,
    id: &str,
    policy: &FollowPolicy,
    mut seen: impl FnMut(&Followed),
) -> Result<ExecutionReport, FollowError> {
    let mut poll = Poll::new(policy, Instant::now() + policy.bound);
    let mut last: Option<ExecutionReport> = None;
    loop {
        if let Some(body) = poll.answer(client.audience_status(id).await)? {
            let mut report =
                ExecutionReport::read(&body).ok_or(FollowError::Unreadable(body.clone()))?;
            report.execution_id.get_or_insert_with(|| id.to_string());
            if last.as_ref() != Some(&report) {
                seen(&Followed::Execution(report.clone()));
            }
            if report.is_final() {
                return Ok(report);
            }
            last = Some(report);
        }
        poll.wait(None).await?;
    }
}

/// Polls `GET /im/executions/schedules/{id}` until it fires (waiting for its time first), then
/// follows the execution it started. `known` is the report already seen (not heard again).
pub async fn schedule(
    client: &AjoClient,
    known: &ScheduleReport,
    policy: &FollowPolicy,
    mut seen: impl FnMut(&Followed),
) -> Result<ExecutionReport, FollowError> {
    let id = known.schedule_id.as_str();
    // The bound starts counting at the run time, once that is known.
    let mut poll = Poll::new(policy, Instant::now() + policy.bound);
    let mut last = Some(known.clone());
    if let Some(left) = until(known) {
        poll.deadline = poll.deadline.max(Instant::now() + left + policy.bound);
    }
    poll.wait(until(known)).await?;
    loop {
        if let Some(body) = poll.answer(client.schedule(id).await)? {
            let report =
                ScheduleReport::read(&body).ok_or(FollowError::Unreadable(body.clone()))?;
            if last.as_ref() != Some(&report) {
                seen(&Followed::Schedule(report.clone()));
            }
            if let Some(run) = &report.execution {
                if run.is_final() {
                    // Its end is news of the execution too.
                    seen(&Followed::Execution(run.clone()));
                    return Ok(run.clone());
                }
                if let Some(run) = run.execution_id.clone() {
                    return execution(client, &run, policy, seen).await;
                }
            }
            let left = until(&report);
            if let Some(left) = left {
                poll.deadline = poll.deadline.max(Instant::now() + left + policy.bound);
            }
            last = Some(report);
            poll.wait(left).await?;
        } else {
            poll.wait(None).await?;
        }
    }
}

/// How long until a schedule's run time, if it is to come.
fn until(report: &ScheduleReport) -> Option<Duration> {
    let at = report
        .execute_at
        .as_deref()?
        .parse::<jiff::Timestamp>()
        .ok()?;
    Duration::try_from(at.duration_since(jiff::Timestamp::now())).ok()
}

/// A schedule AJO deleted.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancelled {
    /// Its report, status `Cancelled`.
    pub report: ScheduleReport,
    /// Why the journal could not record it; the schedule is cancelled all the same.
    pub unrecorded: Option<String>,
}

/// Why a schedule was not cancelled.
#[derive(Debug, Clone, PartialEq)]
pub enum CancelError {
    /// No answer from AJO (network, timeout, IMS).
    Unreachable(String),
    /// AJO refused (it fired already, or the id is unknown).
    Refused(Answer),
}

impl fmt::Display for CancelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CancelError::Unreachable(why) => write!(f, "cannot reach AJO: {why}"),
            CancelError::Refused(answer) => {
                write!(f, "AJO refused: {}", FollowError::Refused(answer.clone()))
            }
        }
    }
}

/// Deletes a schedule that has not fired (`DELETE /im/executions/schedules/{id}`) and records
/// it as cancelled in the journal.
pub async fn cancel(
    client: &AjoClient,
    store: &Store,
    schedule_id: &str,
) -> Result<Cancelled, CancelError> {
    let answer = client
        .cancel_schedule(schedule_id)
        .await
        .map_err(|e| CancelError::Unreachable(e.to_string()))?;
    if !answer.is_success() {
        return Err(CancelError::Refused(answer));
    }
    let known = store.run_by_schedule(schedule_id).ok().flatten();
    let report = ScheduleReport {
        schedule_id: schedule_id.to_string(),
        status: CANCELLED.to_string(),
        execute_at: known
            .and_then(|run| run.schedule)
            .and_then(|schedule| schedule.execute_at),
        execution: None,
    };
    let unrecorded = store
        .schedule_reported(&report)
        .err()
        .map(|e| e.to_string());
    Ok(Cancelled { report, unrecorded })
}

/// The waits of one follow.
struct Poll {
    next: Duration,
    max: Duration,
    started: Instant,
    deadline: Instant,
    fault: Option<String>,
}

impl Poll {
    fn new(policy: &FollowPolicy, deadline: Instant) -> Poll {
        Poll {
            next: policy.first,
            max: policy.max.max(policy.first),
            started: Instant::now(),
            deadline,
            fault: None,
        }
    }

    /// The body of a 2xx; `None` after a fault worth polling through (no answer, 429, 5xx).
    fn answer(&mut self, result: Result<Answer, CallError>) -> Result<Option<String>, FollowError> {
        match result {
            Ok(answer) if answer.is_success() => {
                self.fault = None;
                Ok(Some(answer.body))
            }
            Ok(answer) if answer.is_retryable() => {
                self.fault = Some(format!("HTTP {}", answer.status));
                Ok(None)
            }
            Ok(answer) => Err(FollowError::Refused(answer)),
            Err(error) => {
                self.fault = Some(error.to_string());
                Ok(None)
            }
        }
    }

    /// Sleeps until the next poll (sooner when `until` comes first), or gives up at the
    /// deadline.
    async fn wait(&mut self, until: Option<Duration>) -> Result<(), FollowError> {
        let now = Instant::now();
        if now >= self.deadline {
            return Err(FollowError::GaveUp {
                waited: now - self.started,
                fault: self.fault.take(),
            });
        }
        let mut wait = self.next;
        if let Some(until) = until.filter(|u| !u.is_zero()) {
            wait = wait.max(until.min(self.max));
        }
        tokio::time::sleep(wait.min(self.deadline - now)).await;
        self.next = self.next.mul_f64(1.5).min(self.max);
        Ok(())
    }
}
