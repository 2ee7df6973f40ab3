//! The state database: a journal of every send and the lifecycle of every activity.
//!
//! One SQLite file, `liveact.db`, in the state directory. Several liveact processes may use it
//! at once (WAL mode, a busy timeout, writes in immediate transactions). A send is journaled
//! `pending` before it leaves and completed when it answers; a pending send whose process is
//! gone becomes `unknown` at the next open, never dropped and never resent. Request headers
//! are never given to the store, and secret response headers are dropped before storing.

mod activities;
mod runs;
mod schema;
mod sends;

pub use activities::ActivityRecord;
pub(crate) use activities::Push;
pub use runs::RunRecord;
pub use schema::SCHEMA_VERSION;
pub use sends::{AttemptRecord, Completion, NewSend, SendFilter, SendRecord, SendStatus};
pub(crate) use sends::{Dispatched, Known};

use crate::ajo::{ExecutionReport, ScheduleReport};
use rusqlite::types::Type;
use rusqlite::{Connection, ErrorCode, Row, Transaction, TransactionBehavior};
use serde::de::DeserializeOwned;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The id of one journaled send.
pub type SendId = i64;

/// The file name of the state database inside the state directory.
const FILE_NAME: &str = "liveact.db";

/// How long a write waits for another liveact process to release the database.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Log pages between automatic checkpoints (SQLite's default is 1000).
const WAL_AUTOCHECKPOINT_PAGES: i64 = 4000;

/// A store operation that failed, with what to do about it.
#[derive(Debug, Clone)]
pub struct StoreError(String);

impl StoreError {
    /// An error with this message (for callers that relay the journal's failures).
    pub fn from_message(message: impl Into<String>) -> StoreError {
        StoreError(message.into())
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreError {}

impl StoreError {
    /// An SQLite failure while `doing` something on the database at `path`, with a hint.
    fn sqlite(path: &Path, doing: &str, error: &rusqlite::Error) -> StoreError {
        let hint = match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                "; another program kept the database locked for more than 5 s: \
                 close other liveact windows or retry"
            }
            Some(
                ErrorCode::CannotOpen
                | ErrorCode::PermissionDenied
                | ErrorCode::ReadOnly
                | ErrorCode::SystemIoFailure,
            ) => "; check the directory is writable or pass --state-dir",
            Some(ErrorCode::DiskFull) => "; free some disk space and retry",
            Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => {
                "; the file is not a liveact database or is damaged: move it aside \
                 or pass --state-dir"
            }
            _ => "",
        };
        StoreError(format!(
            "cannot {doing} in the state database at {}: {error}{hint}",
            path.display()
        ))
    }
}

/// The state database of one state directory. Cheap to share between threads.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    path: PathBuf,
}

impl Store {
    /// Opens (creating if needed) `dir/liveact.db`, migrates it to the current schema and
    /// marks the pending sends of processes that are gone as `unknown`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            let hint = if dir.is_file() {
                "it is a file: pass --state-dir with a directory"
            } else {
                "check the directory is writable or pass --state-dir"
            };
            StoreError(format!(
                "cannot create the state directory {}: {e}; {hint}",
                dir.display()
            ))
        })?;
        let path = dir.join(FILE_NAME);
        let err = |doing: &str, e: rusqlite::Error| StoreError::sqlite(&path, doing, &e);
        let mut conn = Connection::open(&path).map_err(|e| err("open the file", e))?;
        conn.busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| err("set the busy timeout", e))?;
        wal_mode(&conn).map_err(|e| err("switch to WAL mode", e))?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| err("set synchronous mode", e))?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(|e| err("enable foreign keys", e))?;
        // Checkpoint every 16 MiB of log instead of every 4: the journal rewrites the same
        // index and activity pages in every transaction, and each checkpoint copies them again.
        conn.pragma_update(None, "wal_autocheckpoint", WAL_AUTOCHECKPOINT_PAGES)
            .map_err(|e| err("set the checkpoint interval", e))?;
        schema::migrate(&mut conn, &path)?;
        let store = Store {
            conn: Mutex::new(conn),
            path,
        };
        store.write("recover unfinished sends", |tx| {
            sends::recover_pending(tx, now_ms())
        })?;
        Ok(store)
    }

    /// The path of the database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Journals a send as `pending` with this process's id, before it leaves, and creates
    /// its activity (as a draft) if it is new.
    pub fn begin_send(&self, send: &NewSend<'_>) -> Result<SendId, StoreError> {
        self.write("journal a new send", |tx| sends::begin(tx, send))
    }

    /// Adds one attempt to a send's log (replacing an attempt of the same number).
    pub fn record_attempt(&self, id: SendId, attempt: &AttemptRecord) -> Result<(), StoreError> {
        self.write("record an attempt", |tx| {
            sends::record_attempt(tx, id, attempt)
        })
    }

    /// Records how a send ended and, if it was accepted, moves its activity's lifecycle, in
    /// one transaction.
    pub fn complete_send(&self, id: SendId, done: &Completion<'_>) -> Result<(), StoreError> {
        self.write("complete a send", |tx| sends::complete(tx, id, done))
    }

    /// Journaled sends matching `filter`, newest first, each with its attempts.
    pub fn sends(&self, filter: &SendFilter) -> Result<Vec<SendRecord>, StoreError> {
        self.read("read the send journal", |tx| sends::list(tx, filter))
    }

    /// One journaled send, with its attempts.
    pub fn send(&self, id: SendId) -> Result<Option<SendRecord>, StoreError> {
        self.read("read a send", |tx| sends::get(tx, id))
    }

    /// Starts tracking an accepted broadcast: the schedule it created, or its execution.
    pub fn track_run(
        &self,
        send_id: SendId,
        schedule: Option<&ScheduleReport>,
        execution_id: Option<&str>,
    ) -> Result<(), StoreError> {
        self.write("track a broadcast", |tx| {
            runs::track(tx, send_id, schedule, execution_id, now_ms())
        })
    }

    /// Records a schedule's latest report; `false` when no tracked send made it.
    pub fn schedule_reported(&self, report: &ScheduleReport) -> Result<bool, StoreError> {
        self.write("record a schedule's status", |tx| {
            runs::schedule_reported(tx, report, now_ms())
        })
    }

    /// Records an execution's latest report; `false` when no tracked send ran it.
    pub fn execution_reported(
        &self,
        execution_id: &str,
        report: &ExecutionReport,
    ) -> Result<bool, StoreError> {
        self.write("record an execution's status", |tx| {
            runs::execution_reported(tx, execution_id, report, now_ms())
        })
    }

    /// Tracked broadcasts, newest first: all, or those with a schedule.
    pub fn runs(&self, scheduled_only: bool, limit: usize) -> Result<Vec<RunRecord>, StoreError> {
        self.read("read the tracked broadcasts", |tx| {
            runs::list(tx, scheduled_only, limit)
        })
    }

    /// The tracked broadcast of one send.
    pub fn run(&self, send_id: SendId) -> Result<Option<RunRecord>, StoreError> {
        self.read("read a tracked broadcast", |tx| runs::get(tx, send_id))
    }

    /// The tracked broadcast that created this schedule.
    pub fn run_by_schedule(&self, schedule_id: &str) -> Result<Option<RunRecord>, StoreError> {
        self.read("read a tracked schedule", |tx| {
            runs::by_schedule(tx, schedule_id)
        })
    }

    /// All tracked activities, most recently updated first.
    pub fn activities(&self) -> Result<Vec<ActivityRecord>, StoreError> {
        self.read("read the activities", activities::list)
    }

    /// One tracked activity of a campaign.
    pub fn activity(&self, campaign: &str, id: &str) -> Result<Option<ActivityRecord>, StoreError> {
        self.read("read an activity", |tx| activities::get(tx, campaign, id))
    }

    /// Runs several journal writes in one transaction (group commit): each succeeds or fails
    /// on its own, and the whole group costs one commit. Outer `Err`: the group did not commit.
    ///
    /// `writes` runs once without savepoints (each would cost two more statements per write);
    /// if one of its writes fails, that attempt is rolled back and `writes` runs again with
    /// each write in its own savepoint, so the failing write fails alone.
    pub fn batch<T>(&self, mut writes: impl FnMut(&mut Batch<'_>) -> T) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let doing = "write the journal";
        for savepoints in [false, true] {
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .map_err(|e| self.error(doing, e))?;
            let mut batch = Batch {
                tx,
                store: self,
                savepoints,
                failed: false,
            };
            let value = writes(&mut batch);
            if batch.failed && !savepoints {
                continue; // dropping the transaction rolls it back
            }
            batch.tx.commit().map_err(|e| self.error(doing, e))?;
            return Ok(value);
        }
        unreachable!("the pass with savepoints always returns")
    }

    /// The connection; a panic elsewhere cannot leave a transaction open, so a poisoned
    /// lock is still safe to use.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn error(&self, doing: &str, error: rusqlite::Error) -> StoreError {
        StoreError::sqlite(&self.path, doing, &error)
    }

    /// Runs `f` on one consistent snapshot of the database.
    fn read<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let run = || {
            let tx = conn.transaction()?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run().map_err(|e| self.error(doing, e))
    }

    /// Runs `f` in an immediate (write-locked) transaction and commits it.
    fn write<T>(
        &self,
        doing: &str,
        f: impl FnOnce(&Transaction<'_>) -> Result<T, WriteError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let run = || {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let value = f(&tx)?;
            tx.commit()?;
            Ok(value)
        };
        run().map_err(|e| match e {
            WriteError::Sqlite(e) => self.error(doing, e),
            WriteError::Refused(why) => StoreError(format!("cannot {doing}: {why}")),
        })
    }
}

/// Journal writes sharing one transaction; see [`Store::batch`].
pub struct Batch<'a> {
    tx: Transaction<'a>,
    store: &'a Store,
    /// Each write in its own savepoint (the second pass, after a write failed).
    savepoints: bool,
    /// A write failed in the pass without savepoints: the pass is void.
    failed: bool,
}

impl Batch<'_> {
    /// [`Store::begin_send`], inside the batch.
    pub fn begin_send(&mut self, send: &NewSend<'_>) -> Result<SendId, StoreError> {
        self.each("journal a new send", |c| sends::begin(c, send))
    }

    /// [`Store::record_attempt`], inside the batch.
    pub fn record_attempt(
        &mut self,
        id: SendId,
        attempt: &AttemptRecord,
    ) -> Result<(), StoreError> {
        self.each("record an attempt", |c| {
            sends::record_attempt(c, id, attempt)
        })
    }

    /// [`Store::complete_send`], inside the batch.
    pub fn complete_send(&mut self, id: SendId, done: &Completion<'_>) -> Result<(), StoreError> {
        self.each("complete a send", |c| sends::complete(c, id, done))
    }

    /// [`Batch::begin_send`] of a send that is not a dry run, its body already serialised.
    pub(crate) fn begin_dispatched(&mut self, send: &Dispatched<'_>) -> Result<SendId, StoreError> {
        self.each("journal a new send", |c| {
            sends::begin_dispatched(c, send, false)
        })
    }

    /// [`Batch::record_attempt`] of the attempt that ended a send (if any) and
    /// [`Batch::complete_send`] in one write, for a send this process journaled: what `known`
    /// says of it spares reading its row back.
    pub(crate) fn complete_dispatched(
        &mut self,
        id: SendId,
        done: &Completion<'_>,
        last_attempt: Option<&AttemptRecord>,
        known: Known<'_>,
    ) -> Result<(), StoreError> {
        self.each("complete a send", |c| {
            sends::complete_dispatched(c, id, done, last_attempt, known)
        })
    }

    /// Runs one write: in its own savepoint, so that its failure undoes only itself, or, in
    /// the first pass, directly, where a failure voids the pass (later writes do nothing).
    fn each<T>(
        &mut self,
        doing: &str,
        f: impl FnOnce(&Connection) -> Result<T, WriteError>,
    ) -> Result<T, StoreError> {
        let store = self.store;
        let result = if self.savepoints {
            let savepoint = self.tx.savepoint().map_err(WriteError::Sqlite);
            savepoint.and_then(|savepoint| {
                let value = f(&savepoint)?;
                savepoint.commit()?;
                Ok(value)
            })
        } else if self.failed {
            Err(WriteError::Refused(
                "an earlier write of the group failed".into(),
            ))
        } else {
            f(&self.tx)
        };
        if result.is_err() && !self.savepoints {
            self.failed = true;
        }
        result.map_err(|e| match e {
            WriteError::Sqlite(e) => store.error(doing, e),
            WriteError::Refused(why) => StoreError(format!("cannot {doing}: {why}")),
        })
    }
}

/// Why a write failed: SQLite, or the store refused it (unknown send, wrong status…).
enum WriteError {
    Sqlite(rusqlite::Error),
    Refused(String),
}

impl From<rusqlite::Error> for WriteError {
    fn from(e: rusqlite::Error) -> Self {
        WriteError::Sqlite(e)
    }
}

/// Switches to WAL. SQLite answers "busy" at once, without the busy handler, while another
/// process holds the file during its own first open: wait for it like the busy timeout would.
fn wal_mode(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.pragma_update(None, "journal_mode", "WAL") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5 + fastrand::u64(0..20)));
            }
            result => return result,
        }
    }
}

/// Runs one statement through the connection's statement cache (the journal writes the same
/// few statements thousands of times).
fn exec(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> rusqlite::Result<usize> {
    conn.prepare_cached(sql)?.execute(params)
}

/// Milliseconds since the Unix epoch, by the system clock (0 if it is before 1970).
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Column `idx` as text parsed with `FromStr` (an event, a status, …).
fn text_column<T: FromStr<Err = String>>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    row.get_ref(idx)?
        .as_str()?
        .parse()
        .map_err(|e| conversion_error(idx, e))
}

/// A column whose stored text does not decode.
fn conversion_error(
    idx: usize,
    why: impl Into<Box<dyn std::error::Error + Send + Sync>>,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, why.into())
}

/// Column `idx` as JSON text decoded into `T`; SQL `NULL` reads as JSON `null`.
fn json_column<T: DeserializeOwned>(row: &Row<'_>, idx: usize) -> rusqlite::Result<T> {
    let text = row.get_ref(idx)?.as_str_or_null()?.unwrap_or("null");
    serde_json::from_str(text).map_err(|e| conversion_error(idx, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::Event;
    use serde_json::{Value, json};

    fn body(event: Event, aps: Value) -> Value {
        let mut aps_all = json!({ "event": event.as_str() });
        if let (Some(all), Some(extra)) = (aps_all.as_object_mut(), aps.as_object()) {
            all.extend(extra.clone());
        }
        json!({ "recipients": [{ "userId": "u", "context": { "requestPayload": { "aps": aps_all } } }] })
    }

    fn new_send<'a>(activity: &'a str, event: Event, body: &'a Value, now_ms: i64) -> NewSend<'a> {
        NewSend {
            profile: "p",
            campaign: "c",
            activity,
            event,
            request_id: "r",
            endpoint: "/im/executions/unitary",
            body,
            recipient: Some("u (email)"),
            dry_run: false,
            now_ms,
        }
    }

    fn attempt(number: u32, status: u16) -> AttemptRecord {
        AttemptRecord {
            number,
            started_ms: 10,
            latency_ms: Some(3),
            http_status: Some(status),
            error: None,
            retry_in_ms: None,
        }
    }

    fn completion(status: SendStatus, http: u16, now_ms: i64) -> Completion<'static> {
        static HEADERS: std::sync::LazyLock<Vec<(String, String)>> =
            std::sync::LazyLock::new(|| {
                vec![
                    ("x-request-id".into(), "abc".into()),
                    ("Set-Cookie".into(), "secret".into()),
                ]
            });
        Completion {
            status,
            http_status: Some(http),
            response_headers: &HEADERS,
            response_body: Some(r#"{"executionId":"e"}"#),
            attempts: 2,
            latency_ms: Some(4),
            execution_id: Some("e"),
            error: (status != SendStatus::Accepted).then_some("refused"),
            now_ms,
        }
    }

    #[test]
    fn a_failing_write_fails_alone_in_its_group() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let update = body(Event::Update, json!({}));
        let mut passes = 0;
        let (first, missing, second) = store
            .batch(|batch| {
                passes += 1;
                let first = batch.begin_send(&new_send("a", Event::Update, &update, 1));
                let missing = batch.record_attempt(404, &attempt(1, 202));
                let second = batch.begin_send(&new_send("b", Event::Update, &update, 2));
                (first, missing, second)
            })
            .unwrap();
        assert_eq!(passes, 2, "the group is redone with savepoints");
        let err = missing.unwrap_err().to_string();
        assert!(err.contains("no send #404"), "{err}");
        let (first, second) = (first.unwrap(), second.unwrap());
        let sends = store.sends(&SendFilter::default()).unwrap();
        let ids: Vec<SendId> = sends.iter().map(|s| s.id).collect();
        assert_eq!(ids, [second, first], "the first pass left nothing behind");

        // A group without failures runs once.
        let mut passes = 0;
        store
            .batch(|batch| {
                passes += 1;
                batch.record_attempt(first, &attempt(1, 202)).unwrap();
            })
            .unwrap();
        assert_eq!(passes, 1);
    }

    /// Journals `steps` on two stores, completing through the public path on one and through
    /// the dispatcher's on the other, and returns both stores' sends and activities.
    fn both_ways(steps: &[(Event, Value, SendStatus, u16)]) -> [(Value, Value); 2] {
        let dirs = [tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap()];
        let stores = dirs.each_ref().map(|d| Store::open(d.path()).unwrap());
        for (i, (event, aps, status, http)) in steps.iter().enumerate() {
            let now = 1_000 * (i as i64 + 1);
            let body = body(*event, aps.clone());
            let text = body.to_string();
            let public = stores[0]
                .begin_send(&new_send("a", *event, &body, now))
                .unwrap();
            let dispatched = stores[1]
                .batch(|b| {
                    b.begin_dispatched(&Dispatched {
                        profile: "p",
                        campaign: "c",
                        activity: "a",
                        event: *event,
                        request_id: "r",
                        endpoint: "/im/executions/unitary",
                        body: &text,
                        recipient: Some("u (email)"),
                        now_ms: now,
                    })
                })
                .unwrap()
                .unwrap();
            assert_eq!(public, dispatched);
            let done = completion(*status, *http, now + 1);
            stores[0]
                .record_attempt(public, &attempt(2, *http))
                .unwrap();
            stores[0].complete_send(public, &done).unwrap();
            let push = Push::read(*event, &body);
            let known = Known {
                campaign: "c",
                activity: "a",
                push: &push,
            };
            stores[1]
                .batch(|b| {
                    b.complete_dispatched(dispatched, &done, Some(&attempt(2, *http)), known)
                })
                .unwrap()
                .unwrap();
        }
        stores.map(|store| {
            let sends = store.sends(&SendFilter::default()).unwrap();
            let activities = store.activities().unwrap();
            (json!(sends), json!(activities))
        })
    }

    #[test]
    fn the_dispatchers_completion_writes_what_the_public_one_does() {
        use SendStatus::*;
        let steps = [
            (
                Event::Start,
                json!({ "timestamp": 100, "content-state": { "s": 1 } }),
                Accepted,
                202,
            ),
            (
                Event::Update,
                json!({ "timestamp": 110, "stale-date": 999 }),
                Accepted,
                202,
            ),
            (
                Event::Update,
                json!({ "timestamp": 105, "content-state": { "s": 2 } }),
                Accepted,
                202,
            ),
            (
                Event::Update,
                json!({ "timestamp": 120, "content-state": { "s": 3 } }),
                Rejected,
                400,
            ),
            (Event::Update, json!({ "timestamp": 130 }), Failed, 503),
            (
                Event::End,
                json!({ "timestamp": 140, "dismissal-date": 2000 }),
                Accepted,
                202,
            ),
            (
                Event::Update,
                json!({ "timestamp": 150, "content-state": { "s": 4 } }),
                Accepted,
                202,
            ),
            (Event::Start, json!({ "timestamp": 160 }), Accepted, 202),
        ];
        let [public, dispatched] = both_ways(&steps);
        assert_eq!(public, dispatched);
        let activity = &public.1[0];
        assert_eq!(
            activity["lifecycle"],
            json!({ "state": "active", "updates": 0 })
        );
        assert_eq!(activity["last_content_state"], json!({ "s": 1 }));
        assert_eq!(
            public.0[0]["response_headers"],
            json!([["x-request-id", "abc"]])
        );
    }

    #[test]
    fn the_dispatchers_completion_of_a_closed_or_unknown_send_is_refused_as_usual() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let update = body(Event::Update, json!({}));
        let id = store
            .begin_send(&new_send("a", Event::Update, &update, 1))
            .unwrap();
        let push = Push::read(Event::Update, &update);
        let done = completion(SendStatus::Accepted, 202, 2);
        let complete = |id, activity| {
            let known = Known {
                campaign: "c",
                activity,
                push: &push,
            };
            store
                .batch(|b| b.complete_dispatched(id, &done, Some(&attempt(1, 202)), known))
                .unwrap()
        };
        // What the dispatcher knows is checked against the row, which wins.
        complete(id, "not-a").unwrap();
        let send = store.send(id).unwrap().unwrap();
        assert_eq!((send.status, send.attempts), (SendStatus::Accepted, 2));
        assert_eq!(send.attempt_log, [attempt(1, 202)]);
        assert!(store.activity("c", "not-a").unwrap().is_none());
        let activity = store.activity("c", "a").unwrap().unwrap();
        assert_eq!(activity.updates, 1);

        let err = complete(id, "a").unwrap_err().to_string();
        assert!(err.contains("already accepted"), "{err}");
        let err = complete(404, "a").unwrap_err().to_string();
        assert!(err.contains("no send #404"), "{err}");
        assert_eq!(store.activity("c", "a").unwrap().unwrap().updates, 1);
    }
}
