//! What AJO reported of an accepted broadcast afterwards: its schedule (if it had one) and the
//! status of the execution it ran, one row per send.

use super::{SendId, WriteError, exec, json_column};
use crate::ajo::{ExecutionReport, ScheduleReport};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;

/// One accepted audience send and what became of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    pub send_id: SendId,
    pub campaign: String,
    pub activity: String,
    pub schedule_id: Option<String>,
    /// The schedule as last reported (`Cancelled` once liveact deleted it).
    pub schedule: Option<ScheduleReport>,
    pub execution_id: Option<String>,
    /// The execution as last reported.
    pub execution: Option<ExecutionReport>,
    pub checked_ms: Option<i64>,
}

impl RunRecord {
    /// Nothing more will change: the execution ended, or the schedule was cancelled.
    pub fn is_settled(&self) -> bool {
        self.execution
            .as_ref()
            .is_some_and(ExecutionReport::is_final)
            || self
                .schedule
                .as_ref()
                .is_some_and(|s| s.status == crate::ajo::execution::CANCELLED)
    }

    /// One line: the schedule's state, else the execution's, else what is known.
    pub fn summary(&self) -> String {
        match (&self.schedule, &self.execution) {
            (Some(schedule), None) => schedule.to_string(),
            (_, Some(execution)) => execution.to_string(),
            (None, None) => "accepted; no status yet".into(),
        }
    }
}

const SELECT_RUN: &str = "SELECT runs.send_id, sends.campaign, sends.activity, runs.schedule_id,
    runs.schedule, runs.execution_id, runs.execution, runs.checked_ms
    FROM runs JOIN sends ON sends.id = runs.send_id";

/// Starts tracking an accepted audience send: the schedule it created, or its execution.
pub(super) fn track(
    tx: &Connection,
    send_id: SendId,
    schedule: Option<&ScheduleReport>,
    execution_id: Option<&str>,
    now_ms: i64,
) -> Result<(), WriteError> {
    exec(
        tx,
        "INSERT INTO runs (send_id, schedule_id, schedule, execution_id, checked_ms)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (send_id) DO UPDATE SET schedule_id = excluded.schedule_id,
            schedule = excluded.schedule, execution_id = excluded.execution_id,
            checked_ms = excluded.checked_ms",
        params![
            send_id,
            schedule.map(|s| s.schedule_id.as_str()),
            schedule.map(json),
            execution_id,
            now_ms
        ],
    )?;
    Ok(())
}

/// Records a schedule's latest report (and the execution it started); false if untracked.
pub(super) fn schedule_reported(
    tx: &Connection,
    report: &ScheduleReport,
    now_ms: i64,
) -> Result<bool, WriteError> {
    let execution = report.execution.as_ref();
    let changed = exec(
        tx,
        "UPDATE runs SET schedule = ?2, checked_ms = ?3,
            execution_id = coalesce(?4, execution_id), execution = coalesce(?5, execution)
         WHERE schedule_id = ?1",
        params![
            report.schedule_id,
            json(report),
            now_ms,
            report.execution_id(),
            execution.map(json),
        ],
    )?;
    Ok(changed > 0)
}

/// Records an execution's latest report; false if untracked.
pub(super) fn execution_reported(
    tx: &Connection,
    execution_id: &str,
    report: &ExecutionReport,
    now_ms: i64,
) -> Result<bool, WriteError> {
    let changed = exec(
        tx,
        "UPDATE runs SET execution = ?2, checked_ms = ?3 WHERE execution_id = ?1",
        params![execution_id, json(report), now_ms],
    )?;
    Ok(changed > 0)
}

/// Tracked broadcasts, newest first; only those with a schedule when `scheduled`.
pub(super) fn list(
    tx: &Connection,
    scheduled: bool,
    limit: usize,
) -> rusqlite::Result<Vec<RunRecord>> {
    let sql = format!(
        "{SELECT_RUN} WHERE ?1 = 0 OR runs.schedule_id IS NOT NULL ORDER BY runs.send_id DESC LIMIT ?2"
    );
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = tx.prepare_cached(&sql)?;
    let rows = statement.query_map(params![scheduled, limit], read)?;
    rows.collect()
}

/// The tracked broadcast of one send.
pub(super) fn get(tx: &Connection, send_id: SendId) -> rusqlite::Result<Option<RunRecord>> {
    let sql = format!("{SELECT_RUN} WHERE runs.send_id = ?1");
    tx.prepare_cached(&sql)?
        .query_row(params![send_id], read)
        .optional()
}

/// The tracked broadcast with this schedule id.
pub(super) fn by_schedule(
    tx: &Connection,
    schedule_id: &str,
) -> rusqlite::Result<Option<RunRecord>> {
    let sql = format!("{SELECT_RUN} WHERE runs.schedule_id = ?1");
    tx.prepare_cached(&sql)?
        .query_row(params![schedule_id], read)
        .optional()
}

fn read(row: &Row<'_>) -> rusqlite::Result<RunRecord> {
    Ok(RunRecord {
        send_id: row.get(0)?,
        campaign: row.get(1)?,
        activity: row.get(2)?,
        schedule_id: row.get(3)?,
        schedule: json_column(row, 4)?,
        execution_id: row.get(5)?,
        execution: json_column(row, 6)?,
        checked_ms: row.get(7)?,
    })
}

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".into())
}
