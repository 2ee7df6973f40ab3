//! The state database: a journal of every send and the lifecycle of every activity.
//!
//! One SQLite file, `liveact.db`, in the state directory. Several liveact processes may use it
//! at once (WAL mode, a busy timeout, writes in immediate transactions). A send is journaled
//! `pending` before it leaves and completed when it answers; a pending send whose process is
//! gone becomes `unknown` at the next open, never dropped and never resent. Request headers
//! are never given to the store, and secret response headers are dropped before storing.

mod activities;
mod schema;
mod sends;

pub use activities::ActivityRecord;
pub use schema::SCHEMA_VERSION;
pub use sends::{AttemptRecord, Completion, NewSend, SendFilter, SendRecord, SendStatus};

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
    pub fn batch<T>(&self, writes: impl FnOnce(&mut Batch<'_>) -> T) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let doing = "write the journal";
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| self.error(doing, e))?;
        let mut batch = Batch { tx, store: self };
        let value = writes(&mut batch);
        batch.tx.commit().map_err(|e| self.error(doing, e))?;
        Ok(value)
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

    /// Runs one write in its own savepoint, so its failure undoes only itself.
    fn each<T>(
        &mut self,
        doing: &str,
        f: impl FnOnce(&Connection) -> Result<T, WriteError>,
    ) -> Result<T, StoreError> {
        let store = self.store;
        let run = |tx: &mut Transaction<'_>| {
            let savepoint = tx.savepoint()?;
            let value = f(&savepoint)?;
            savepoint.commit()?;
            Ok(value)
        };
        run(&mut self.tx).map_err(|e| match e {
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
