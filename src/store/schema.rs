//! Versioned migrations: `PRAGMA user_version` counts the steps applied.

use super::StoreError;
use rusqlite::{Connection, TransactionBehavior};
use std::path::Path;

/// Migration steps, applied in order; step `n` (from 1) brings the schema to version `n`.
/// Append new steps; never edit a step that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: the send journal, its attempts, and the tracked activities.
    "CREATE TABLE sends (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        created_ms       INTEGER NOT NULL,
        pid              INTEGER NOT NULL,
        profile          TEXT NOT NULL,
        campaign         TEXT NOT NULL,
        activity         TEXT NOT NULL,
        event            TEXT NOT NULL,
        request_id       TEXT NOT NULL,
        endpoint         TEXT NOT NULL,
        request_body     TEXT NOT NULL,
        dry_run          INTEGER NOT NULL,
        status           TEXT NOT NULL,
        http_status      INTEGER,
        response_headers TEXT NOT NULL DEFAULT '[]',
        response_body    TEXT,
        attempts         INTEGER NOT NULL DEFAULT 0,
        latency_ms       INTEGER,
        execution_id     TEXT,
        error            TEXT,
        completed_ms     INTEGER
    );
    CREATE INDEX sends_by_activity ON sends (campaign, activity, id);
    CREATE INDEX sends_pending ON sends (status) WHERE status = 'pending';
    CREATE TABLE attempts (
        send_id     INTEGER NOT NULL REFERENCES sends (id) ON DELETE CASCADE,
        number      INTEGER NOT NULL,
        started_ms  INTEGER NOT NULL,
        latency_ms  INTEGER,
        http_status INTEGER,
        error       TEXT,
        retry_in_ms INTEGER,
        PRIMARY KEY (send_id, number)
    );
    CREATE TABLE activities (
        campaign           TEXT NOT NULL,
        id                 TEXT NOT NULL,
        recipient          TEXT,
        lifecycle          TEXT NOT NULL,
        updates            INTEGER NOT NULL DEFAULT 0,
        last_timestamp     INTEGER,
        last_content_state TEXT,
        started_ms         INTEGER,
        ended_ms           INTEGER,
        dismissal_date     INTEGER,
        stale_date         INTEGER,
        updated_ms         INTEGER NOT NULL,
        PRIMARY KEY (campaign, id)
    );
    CREATE INDEX activities_by_update ON activities (updated_ms);",
    // 2: what AJO reported of accepted broadcasts afterwards (schedules, execution status).
    "CREATE TABLE runs (
        send_id      INTEGER PRIMARY KEY REFERENCES sends (id) ON DELETE CASCADE,
        schedule_id  TEXT,
        schedule     TEXT,
        execution_id TEXT,
        execution    TEXT,
        checked_ms   INTEGER
    );
    CREATE INDEX runs_by_schedule ON runs (schedule_id) WHERE schedule_id IS NOT NULL;
    CREATE INDEX runs_by_execution ON runs (execution_id) WHERE execution_id IS NOT NULL;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database at `path` to [`SCHEMA_VERSION`], refusing one from a newer liveact.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    apply(conn, MIGRATIONS).map_err(|e| match e {
        Failure::Newer(found) => StoreError(format!(
            "the state database at {} has schema version {found}, written by a newer liveact \
             (this one knows up to {SCHEMA_VERSION}); upgrade liveact or pass another --state-dir",
            path.display()
        )),
        Failure::Foreign(found) => StoreError(format!(
            "the state database at {} has schema version {found}, which liveact never writes; \
             move the file aside or pass another --state-dir",
            path.display()
        )),
        Failure::Sqlite(e) => StoreError::sqlite(path, "migrate the schema", &e),
    })
}

enum Failure {
    /// A version past the last step this build knows.
    Newer(i64),
    /// A negative version: not a liveact database.
    Foreign(i64),
    Sqlite(rusqlite::Error),
}

/// Applies the steps past the stored version in one immediate transaction, so concurrent
/// openers migrate once and a failing step leaves the database as it was.
fn apply(conn: &mut Connection, steps: &[&str]) -> Result<(), Failure> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(Failure::Sqlite)?;
    let version: i64 = tx
        .pragma_query_value(None, "user_version", |row| row.get(0))
        .map_err(Failure::Sqlite)?;
    let known = steps.len();
    match usize::try_from(version) {
        Ok(v) if v == known => return Ok(()),
        Ok(v) if v < known => {
            for step in &steps[v..] {
                tx.execute_batch(step).map_err(Failure::Sqlite)?;
            }
        }
        Ok(_) => return Err(Failure::Newer(version)),
        Err(_) => return Err(Failure::Foreign(version)),
    }
    tx.pragma_update(None, "user_version", known as i64)
        .map_err(Failure::Sqlite)?;
    tx.commit().map_err(Failure::Sqlite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(conn: &Connection) -> i64 {
        conn.pragma_query_value(None, "user_version", |row| row.get(0))
            .unwrap()
    }

    #[test]
    fn steps_apply_in_order_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps = ["CREATE TABLE a (x)", "ALTER TABLE a ADD COLUMN y"];
        assert!(apply(&mut conn, &steps[..1]).is_ok());
        assert_eq!(version(&conn), 1);
        // Only the second step runs now; rerunning the first would fail (table exists).
        assert!(apply(&mut conn, &steps).is_ok());
        assert!(apply(&mut conn, &steps).is_ok());
        assert_eq!(version(&conn), 2);
        conn.execute("INSERT INTO a (x, y) VALUES (1, 2)", [])
            .unwrap();
    }

    #[test]
    fn a_failing_step_leaves_the_database_as_it_was() {
        let mut conn = Connection::open_in_memory().unwrap();
        let steps = ["CREATE TABLE a (x)", "this is not SQL"];
        assert!(matches!(apply(&mut conn, &steps), Err(Failure::Sqlite(_))));
        assert_eq!(version(&conn), 0);
        let tables: i64 = conn
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .unwrap();
        assert_eq!(tables, 0);
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 7).unwrap();
        assert!(matches!(
            apply(&mut conn, &["SELECT 1"]),
            Err(Failure::Newer(7))
        ));
        conn.pragma_update(None, "user_version", -1).unwrap();
        assert!(matches!(
            apply(&mut conn, &["SELECT 1"]),
            Err(Failure::Foreign(-1))
        ));
    }
}
