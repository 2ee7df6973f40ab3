//! The send journal: one row per send, written before it leaves, plus its attempts.

use super::activities::{self, Push};
use super::{SendId, WriteError, exec, json_column, text_column};
use crate::activity::Event;
use rusqlite::{Connection, OptionalExtension, Row, ToSql, params};
use serde::Serialize;
use serde_json::Value;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// How a send ended, or that it has not yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SendStatus {
    /// Journaled; no answer recorded yet.
    Pending,
    /// Answered with a 2xx: the only status that moves an activity's lifecycle.
    Accepted,
    /// Answered with a non-2xx status.
    Rejected,
    /// No usable answer (network error, timeout) after the last attempt.
    Failed,
    /// Cancelled by the user before it was answered.
    Cancelled,
    /// Its process ended before the answer was recorded: it may or may not have arrived.
    Unknown,
    /// Built and journaled but never put on the wire.
    DryRun,
}

impl SendStatus {
    /// The name stored and shown: `pending`, `accepted`, …, `dry-run`.
    pub fn as_str(self) -> &'static str {
        match self {
            SendStatus::Pending => "pending",
            SendStatus::Accepted => "accepted",
            SendStatus::Rejected => "rejected",
            SendStatus::Failed => "failed",
            SendStatus::Cancelled => "cancelled",
            SendStatus::Unknown => "unknown",
            SendStatus::DryRun => "dry-run",
        }
    }
}

impl fmt::Display for SendStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SendStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "pending" => SendStatus::Pending,
            "accepted" => SendStatus::Accepted,
            "rejected" => SendStatus::Rejected,
            "failed" => SendStatus::Failed,
            "cancelled" => SendStatus::Cancelled,
            "unknown" => SendStatus::Unknown,
            "dry-run" => SendStatus::DryRun,
            _ => {
                return Err(format!(
                    "`{s}` is not a send status: use pending, accepted, rejected, failed, \
                     cancelled, unknown or dry-run"
                ));
            }
        })
    }
}

/// A send about to leave. Request headers are deliberately absent: they hold secrets.
#[derive(Debug, Clone)]
pub struct NewSend<'a> {
    /// The profile name (`mock`, `ajo`, …).
    pub profile: &'a str,
    /// The campaign name.
    pub campaign: &'a str,
    /// The activity id (`liveActivityID`, or the channel id of a broadcast).
    pub activity: &'a str,
    pub event: Event,
    pub request_id: &'a str,
    /// The endpoint path, e.g. `/im/executions/unitary`.
    pub endpoint: &'a str,
    /// The whole request body.
    pub body: &'a Value,
    /// `user (namespace)` or the audience id.
    pub recipient: Option<&'a str>,
    pub dry_run: bool,
    pub now_ms: i64,
}

/// One try on the wire of a send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttemptRecord {
    /// 1 for the first try.
    pub number: u32,
    pub started_ms: i64,
    pub latency_ms: Option<i64>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    /// The wait before the next try, when one follows.
    pub retry_in_ms: Option<i64>,
}

/// How a send ended.
#[derive(Debug, Clone)]
pub struct Completion<'a> {
    /// Any status but `Pending`; `DryRun` exactly for dry runs.
    pub status: SendStatus,
    pub http_status: Option<u16>,
    /// Stored without `authorization`, `proxy-authorization`, `cookie`, `set-cookie` and
    /// `x-api-key`.
    pub response_headers: &'a [(String, String)],
    pub response_body: Option<&'a str>,
    pub attempts: u32,
    pub latency_ms: Option<i64>,
    pub execution_id: Option<&'a str>,
    pub error: Option<&'a str>,
    pub now_ms: i64,
}

/// Which sends to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFilter {
    /// Only sends to this activity id.
    pub activity: Option<String>,
    /// Only sends of this campaign (by name).
    pub campaign: Option<String>,
    /// At most this many, newest first.
    pub limit: usize,
}

impl Default for SendFilter {
    /// Every send, the newest 50.
    fn default() -> Self {
        SendFilter {
            activity: None,
            campaign: None,
            limit: 50,
        }
    }
}

/// One journaled send, as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SendRecord {
    pub id: SendId,
    pub created_ms: i64,
    pub profile: String,
    pub campaign: String,
    pub activity: String,
    pub event: Event,
    pub request_id: String,
    pub endpoint: String,
    pub request_body: Value,
    pub dry_run: bool,
    pub status: SendStatus,
    pub http_status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    pub attempts: u32,
    pub latency_ms: Option<i64>,
    pub execution_id: Option<String>,
    pub error: Option<String>,
    pub completed_ms: Option<i64>,
    /// The tries, in order.
    pub attempt_log: Vec<AttemptRecord>,
}

/// Response headers that may carry secrets; never stored.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Without an answer after this long, a pending send of a process we cannot check is
/// considered orphaned (where `/proc` is unavailable).
const ORPHAN_AFTER_MS: i64 = 10 * 60 * 1000;

const SELECT_SEND: &str = "SELECT id, created_ms, profile, campaign, activity, event, request_id,
    endpoint, request_body, dry_run, status, http_status, response_headers, response_body,
    attempts, latency_ms, execution_id, error, completed_ms FROM sends";

/// A send as the dispatcher journals it: never a dry run, its body already serialised (the
/// very text it puts on the wire).
#[derive(Debug, Clone)]
pub(crate) struct Dispatched<'a> {
    pub profile: &'a str,
    pub campaign: &'a str,
    pub activity: &'a str,
    pub event: Event,
    pub request_id: &'a str,
    pub endpoint: &'a str,
    /// The request body as JSON text.
    pub body: &'a str,
    pub recipient: Option<&'a str>,
    pub now_ms: i64,
}

/// What the process that journaled a send still knows of it, so that completing it needs
/// no read-back of its row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known<'a> {
    pub campaign: &'a str,
    pub activity: &'a str,
    /// The event and what it does to the activity, read from the body when it was journaled.
    pub push: &'a Push,
}

pub(super) fn begin(tx: &Connection, send: &NewSend<'_>) -> Result<SendId, WriteError> {
    begin_dispatched(
        tx,
        &Dispatched {
            profile: send.profile,
            campaign: send.campaign,
            activity: send.activity,
            event: send.event,
            request_id: send.request_id,
            endpoint: send.endpoint,
            body: &send.body.to_string(),
            recipient: send.recipient,
            now_ms: send.now_ms,
        },
        send.dry_run,
    )
}

/// [`begin`] with the body already serialised.
pub(super) fn begin_dispatched(
    tx: &Connection,
    send: &Dispatched<'_>,
    dry_run: bool,
) -> Result<SendId, WriteError> {
    exec(
        tx,
        "INSERT INTO sends (created_ms, pid, profile, campaign, activity, event, request_id,
            endpoint, request_body, dry_run, status)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            send.now_ms,
            std::process::id(),
            send.profile,
            send.campaign,
            send.activity,
            send.event.as_str(),
            send.request_id,
            send.endpoint,
            send.body,
            dry_run,
            SendStatus::Pending.as_str(),
        ],
    )?;
    let id = tx.last_insert_rowid();
    activities::ensure(
        tx,
        send.campaign,
        send.activity,
        send.recipient,
        dry_run,
        send.now_ms,
    )?;
    Ok(id)
}

pub(super) fn record_attempt(
    tx: &Connection,
    id: SendId,
    attempt: &AttemptRecord,
) -> Result<(), WriteError> {
    let found = exec(
        tx,
        "UPDATE sends SET attempts = max(attempts, ?2) WHERE id = ?1",
        params![id, attempt.number],
    )?;
    if found == 0 {
        return Err(no_such_send(id));
    }
    insert_attempt(tx, id, attempt)
}

/// Adds (or replaces) an attempt row, leaving the send's attempt count alone.
fn insert_attempt(tx: &Connection, id: SendId, attempt: &AttemptRecord) -> Result<(), WriteError> {
    exec(
        tx,
        "INSERT INTO attempts (send_id, number, started_ms, latency_ms, http_status, error,
            retry_in_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (send_id, number) DO UPDATE SET started_ms = excluded.started_ms,
            latency_ms = excluded.latency_ms, http_status = excluded.http_status,
            error = excluded.error, retry_in_ms = excluded.retry_in_ms",
        params![
            id,
            attempt.number,
            attempt.started_ms,
            attempt.latency_ms,
            attempt.http_status,
            attempt.error,
            attempt.retry_in_ms,
        ],
    )?;
    Ok(())
}

/// Records how send `?1` ended (see [`update_completion`]).
const COMPLETE: &str = "UPDATE sends SET status = ?2, http_status = ?3, response_headers = ?4,
    response_body = ?5, attempts = ?6, latency_ms = ?7, execution_id = ?8, error = ?9,
    completed_ms = ?10
    WHERE id = ?1";

/// [`COMPLETE`], only while send `?1` is open, not a dry run, and of campaign `?11`, activity
/// `?12` and event `?13`.
const COMPLETE_OPEN: &str = "UPDATE sends SET status = ?2, http_status = ?3,
    response_headers = ?4, response_body = ?5, attempts = ?6, latency_ms = ?7,
    execution_id = ?8, error = ?9, completed_ms = ?10
    WHERE id = ?1 AND status IN ('pending', 'unknown') AND NOT dry_run
        AND campaign = ?11 AND activity = ?12 AND event = ?13";

pub(super) fn complete(
    tx: &Connection,
    id: SendId,
    done: &Completion<'_>,
) -> Result<(), WriteError> {
    let Some(send) = row(tx, id)? else {
        return Err(no_such_send(id));
    };
    check_completion(&send, done.status).map_err(WriteError::Refused)?;
    update_completion(tx, COMPLETE, id, done, &[])?;
    if done.status == SendStatus::Accepted {
        let push = Push::read(send.event, &send.request_body);
        activities::accept(tx, &send.campaign, &send.activity, &push, done.now_ms)?;
    } else if !send.dry_run {
        activities::touch(tx, &send.campaign, &send.activity, done.now_ms)?;
    }
    Ok(())
}

/// [`complete`] for a send this process journaled (not a dry run), with the attempt that
/// ended it: the row is not read back when the send is still open and is the one `known`
/// describes. Anything else goes the checked way of [`record_attempt`] and [`complete`].
pub(super) fn complete_dispatched(
    tx: &Connection,
    id: SendId,
    done: &Completion<'_>,
    last_attempt: Option<&AttemptRecord>,
    known: Known<'_>,
) -> Result<(), WriteError> {
    let checked = |tx: &Connection| {
        if let Some(attempt) = last_attempt {
            record_attempt(tx, id, attempt)?;
        }
        complete(tx, id, done)
    };
    if matches!(done.status, SendStatus::Pending | SendStatus::DryRun) {
        return checked(tx);
    }
    let (campaign, activity, event) = (known.campaign, known.activity, known.push.event.as_str());
    if update_completion(tx, COMPLETE_OPEN, id, done, &[&campaign, &activity, &event])? == 0 {
        return checked(tx);
    }
    if let Some(attempt) = last_attempt {
        // The completion above set the attempt count.
        insert_attempt(tx, id, attempt)?;
    }
    if done.status == SendStatus::Accepted {
        activities::accept(tx, campaign, activity, known.push, done.now_ms)?;
    } else {
        activities::touch(tx, campaign, activity, done.now_ms)?;
    }
    Ok(())
}

/// The response headers as stored: JSON `[[name, value], …]` without the secret ones.
fn stored_headers(headers: &[(String, String)]) -> String {
    let kept: Vec<[&str; 2]> = headers
        .iter()
        .filter(|(name, _)| !is_secret_header(name))
        .map(|(name, value)| [name.as_str(), value.as_str()])
        .collect();
    serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into())
}

/// Runs `sql` ([`COMPLETE`] or [`COMPLETE_OPEN`]) with the send's id as `?1`, the completion
/// as `?2` to `?10` and `more` after them; returns how many rows it changed.
fn update_completion(
    tx: &Connection,
    sql: &str,
    id: SendId,
    done: &Completion<'_>,
    more: &[&dyn ToSql],
) -> rusqlite::Result<usize> {
    let headers = stored_headers(done.response_headers);
    let status = done.status.as_str();
    let mut params: Vec<&dyn ToSql> = vec![
        &id,
        &status,
        &done.http_status,
        &headers,
        &done.response_body,
        &done.attempts,
        &done.latency_ms,
        &done.execution_id,
        &done.error,
        &done.now_ms,
    ];
    params.extend_from_slice(more);
    tx.prepare_cached(sql)?.execute(params.as_slice())
}

/// Why `send` cannot be completed as `status`, if it cannot.
fn check_completion(send: &SendRecord, status: SendStatus) -> Result<(), String> {
    let id = send.id;
    if !matches!(send.status, SendStatus::Pending | SendStatus::Unknown) {
        return Err(format!("send #{id} is already {}", send.status));
    }
    match (status, send.dry_run) {
        (SendStatus::Pending, _) => Err(format!("send #{id} cannot be completed as pending")),
        (SendStatus::Accepted, true) => Err(format!(
            "send #{id} is a dry run: complete it as dry-run, not accepted"
        )),
        (SendStatus::DryRun, false) => Err(format!(
            "send #{id} went on the wire: it cannot be completed as dry-run"
        )),
        _ => Ok(()),
    }
}

/// Marks `unknown` every pending send whose process is gone.
pub(super) fn recover_pending(tx: &Connection, now_ms: i64) -> Result<(), WriteError> {
    let pending: Vec<(SendId, i64, i64)> = tx
        .prepare("SELECT id, pid, created_ms FROM sends WHERE status = 'pending'")?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (id, pid, created_ms) in pending {
        if process_alive(pid, created_ms, now_ms) {
            continue;
        }
        let why = format!(
            "outcome unknown: the liveact process that sent it (pid {pid}) ended before the \
             answer was recorded; check the campaign in AJO before resending"
        );
        exec(
            tx,
            "UPDATE sends SET status = ?2, error = ?3, completed_ms = ?4
             WHERE id = ?1 AND status = 'pending'",
            params![id, SendStatus::Unknown.as_str(), why, now_ms],
        )?;
    }
    Ok(())
}

/// Whether the process that journaled a pending send may still answer it: on Linux, whether
/// `/proc/<pid>` exists; elsewhere, whether the send is younger than ten minutes.
fn process_alive(pid: i64, created_ms: i64, now_ms: i64) -> bool {
    if pid == i64::from(std::process::id()) {
        return true;
    }
    if cfg!(target_os = "linux") && Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    now_ms.saturating_sub(created_ms) < ORPHAN_AFTER_MS
}

fn is_secret_header(name: &str) -> bool {
    let name = name.trim();
    SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s))
}

fn no_such_send(id: SendId) -> WriteError {
    WriteError::Refused(format!(
        "there is no send #{id} in the journal; it may belong to another state directory"
    ))
}

pub(super) fn list(conn: &Connection, filter: &SendFilter) -> rusqlite::Result<Vec<SendRecord>> {
    let mut sql = String::from(SELECT_SEND);
    let mut args: Vec<&dyn ToSql> = Vec::new();
    let mut clauses = Vec::new();
    if let Some(activity) = &filter.activity {
        args.push(activity);
        clauses.push(format!("activity = ?{}", args.len()));
    }
    if let Some(campaign) = &filter.campaign {
        args.push(campaign);
        clauses.push(format!("campaign = ?{}", args.len()));
    }
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    let limit = i64::try_from(filter.limit).unwrap_or(i64::MAX);
    args.push(&limit);
    sql.push_str(&format!(" ORDER BY id DESC LIMIT ?{}", args.len()));
    let mut sends = conn
        .prepare(&sql)?
        .query_map(args.as_slice(), read_send)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for send in &mut sends {
        send.attempt_log = attempts(conn, send.id)?;
    }
    Ok(sends)
}

pub(super) fn get(conn: &Connection, id: SendId) -> rusqlite::Result<Option<SendRecord>> {
    let Some(mut send) = row(conn, id)? else {
        return Ok(None);
    };
    send.attempt_log = attempts(conn, id)?;
    Ok(Some(send))
}

/// The send's row without its attempts (what completing it needs).
fn row(conn: &Connection, id: SendId) -> rusqlite::Result<Option<SendRecord>> {
    conn.prepare_cached(&format!("{SELECT_SEND} WHERE id = ?1"))?
        .query_row([id], read_send)
        .optional()
}

fn attempts(conn: &Connection, id: SendId) -> rusqlite::Result<Vec<AttemptRecord>> {
    conn.prepare_cached(
        "SELECT number, started_ms, latency_ms, http_status, error, retry_in_ms
         FROM attempts WHERE send_id = ?1 ORDER BY number",
    )?
    .query_map([id], |row| {
        Ok(AttemptRecord {
            number: row.get(0)?,
            started_ms: row.get(1)?,
            latency_ms: row.get(2)?,
            http_status: row.get(3)?,
            error: row.get(4)?,
            retry_in_ms: row.get(5)?,
        })
    })?
    .collect()
}

/// A row of [`SELECT_SEND`], without its attempts.
fn read_send(row: &Row<'_>) -> rusqlite::Result<SendRecord> {
    Ok(SendRecord {
        id: row.get(0)?,
        created_ms: row.get(1)?,
        profile: row.get(2)?,
        campaign: row.get(3)?,
        activity: row.get(4)?,
        event: text_column(row, 5)?,
        request_id: row.get(6)?,
        endpoint: row.get(7)?,
        request_body: json_column(row, 8)?,
        dry_run: row.get(9)?,
        status: text_column(row, 10)?,
        http_status: row.get(11)?,
        response_headers: json_column(row, 12)?,
        response_body: row.get(13)?,
        attempts: row.get(14)?,
        latency_ms: row.get(15)?,
        execution_id: row.get(16)?,
        error: row.get(17)?,
        completed_ms: row.get(18)?,
        attempt_log: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_through_their_names() {
        use SendStatus::*;
        for status in [
            Pending, Accepted, Rejected, Failed, Cancelled, Unknown, DryRun,
        ] {
            assert_eq!(status.as_str().parse::<SendStatus>(), Ok(status));
            assert_eq!(
                serde_json::to_value(status).unwrap(),
                Value::String(status.as_str().into())
            );
        }
        assert!("Accepted".parse::<SendStatus>().is_err());
    }

    #[test]
    fn secret_headers_are_recognised_in_any_case() {
        assert!(is_secret_header("Authorization"));
        assert!(is_secret_header(" SET-COOKIE"));
        assert!(is_secret_header("x-api-key"));
        assert!(!is_secret_header("x-request-id"));
        assert!(!is_secret_header("authorization-hint"));
    }

    #[test]
    fn liveness_of_the_process_behind_a_pending_send() {
        let own = i64::from(std::process::id());
        assert!(process_alive(own, 0, i64::MAX));
        if !cfg!(target_os = "linux") {
            assert!(process_alive(-1, 0, ORPHAN_AFTER_MS - 1));
            assert!(!process_alive(-1, 0, ORPHAN_AFTER_MS));
        } else {
            assert!(!process_alive(-1, 0, 0));
        }
    }
}
