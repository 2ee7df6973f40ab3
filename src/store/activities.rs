//! Tracked activities, and how an accepted send moves one along its lifecycle.

use super::sends::SendStatus;
use super::{conversion_error, exec, json_column};
use crate::activity::{ActivityHistory, Event, Lifecycle};
use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::{Map, Value};
use std::time::Duration;

/// Without a `dismissal-date`, the system removes an ended activity after up to four hours.
const DEFAULT_DISMISSAL_S: i64 = 4 * 60 * 60;

/// One tracked Live Activity, as its accepted sends left it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActivityRecord {
    /// The campaign name.
    pub campaign: String,
    /// The `liveActivityID`, or the channel id of a broadcast.
    pub id: String,
    /// `user (namespace)` or the audience id, from the latest send that named one.
    pub recipient: Option<String>,
    /// As stored: `Draft`, `Active { updates }` or `Ended`; see [`Self::lifecycle_at`].
    pub lifecycle: Lifecycle,
    /// Accepted updates since the last start.
    pub updates: u32,
    /// The `timestamp` of the last accepted push, Unix seconds.
    pub last_timestamp: Option<i64>,
    pub last_content_state: Option<Value>,
    /// When the last start was accepted, Unix milliseconds.
    pub started_ms: Option<i64>,
    /// When the end was accepted, Unix milliseconds.
    pub ended_ms: Option<i64>,
    /// The `dismissal-date` of the end, Unix seconds.
    pub dismissal_date: Option<i64>,
    /// The `stale-date` of the last accepted push, Unix seconds.
    pub stale_date: Option<i64>,
    /// Unix milliseconds.
    pub updated_ms: i64,
    /// The status of the newest send that was not a dry run (`unknown` needs attention).
    pub last_send_status: Option<SendStatus>,
}

impl ActivityRecord {
    /// What validation needs to know about earlier sends.
    pub fn history(&self) -> ActivityHistory {
        ActivityHistory {
            lifecycle: self.lifecycle,
            last_timestamp: self.last_timestamp,
        }
    }

    /// The lifecycle at `now` (Unix seconds): `Stale` once an active activity's stale date
    /// has come, `Dismissed` once an ended one's dismissal date has come (by default four
    /// hours after the end).
    pub fn lifecycle_at(&self, now: i64) -> Lifecycle {
        match self.lifecycle {
            Lifecycle::Active { .. } if self.stale_date.is_some_and(|stale| now >= stale) => {
                Lifecycle::Stale
            }
            Lifecycle::Ended => {
                let dismissal = self.dismissal_date.or_else(|| {
                    self.ended_ms
                        .map(|ms| ms.div_euclid(1000).saturating_add(DEFAULT_DISMISSAL_S))
                });
                if dismissal.is_some_and(|date| now >= date) {
                    Lifecycle::Dismissed
                } else {
                    Lifecycle::Ended
                }
            }
            lifecycle => lifecycle,
        }
    }

    /// How long ago the last start was accepted, for Apple's 8 h (active) and 12 h (on
    /// screen) limits; `None` if it never started.
    pub fn age_of_start(&self, now_ms: i64) -> Option<Duration> {
        let age = now_ms.saturating_sub(self.started_ms?);
        Some(Duration::from_millis(u64::try_from(age).unwrap_or(0)))
    }
}

/// What an accepted push can change on the device, read once from its request body.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Push {
    pub(crate) event: Event,
    timestamp: Option<i64>,
    stale_date: Option<i64>,
    dismissal_date: Option<i64>,
    /// The `content-state`, as JSON text.
    content_state: Option<String>,
}

impl Push {
    /// The push an `event` with this request body (unitary, audience or bare) delivers.
    pub(crate) fn read(event: Event, body: &Value) -> Push {
        let aps = find_aps(body);
        let field = |name: &str| aps.and_then(|aps| aps.get(name));
        Push {
            event,
            timestamp: field("timestamp").and_then(unix_seconds),
            stale_date: field("stale-date").and_then(unix_seconds),
            dismissal_date: field("dismissal-date").and_then(unix_seconds),
            content_state: field("content-state").map(Value::to_string),
        }
    }
}

/// The lifecycle columns of one activity: what an accepted push reads and moves.
#[derive(Debug, Clone, PartialEq)]
struct State {
    lifecycle: Lifecycle,
    updates: u32,
    last_timestamp: Option<i64>,
    started_ms: Option<i64>,
    ended_ms: Option<i64>,
    dismissal_date: Option<i64>,
    stale_date: Option<i64>,
}

impl State {
    /// An activity no accepted push has reached.
    const DRAFT: State = State {
        lifecycle: Lifecycle::Draft,
        updates: 0,
        last_timestamp: None,
        started_ms: None,
        ended_ms: None,
        dismissal_date: None,
        stale_date: None,
    };

    /// Moves as the device would on receiving `push` accepted at `now_ms`. Changes nothing
    /// and returns false when the device would drop the push: an update or end after the
    /// end, or one older than the last accepted push.
    fn apply(&mut self, push: &Push, now_ms: i64) -> bool {
        if push.event != Event::Start {
            let older = matches!(
                (push.timestamp, self.last_timestamp),
                (Some(t), Some(last)) if t < last
            );
            if older || self.lifecycle == Lifecycle::Ended {
                return false;
            }
        }
        match push.event {
            Event::Start => {
                self.updates = 0;
                self.lifecycle = Lifecycle::Active { updates: 0 };
                self.started_ms = Some(now_ms);
                self.ended_ms = None;
                self.dismissal_date = None;
            }
            Event::Update => {
                self.updates = self.updates.saturating_add(1);
                self.lifecycle = Lifecycle::Active {
                    updates: self.updates,
                };
            }
            Event::End => {
                self.lifecycle = Lifecycle::Ended;
                self.ended_ms = Some(now_ms);
                self.dismissal_date = push.dismissal_date;
            }
        }
        if push.timestamp.is_some() {
            self.last_timestamp = push.timestamp;
        }
        self.stale_date = push.stale_date;
        true
    }
}

/// The `aps` of a request body: unitary (first recipient), audience, or bare.
/// (Walked key by key: `Value::pointer` allocates for every segment of its path.)
fn find_aps(body: &Value) -> Option<&Map<String, Value>> {
    fn aps(context: &Value) -> Option<&Map<String, Value>> {
        context.get("requestPayload")?.get("aps")?.as_object()
    }
    let first_recipient = match body.get("recipients") {
        Some(Value::Array(recipients)) => recipients.first(),
        Some(Value::Object(recipients)) => recipients.get("0"),
        _ => None,
    };
    first_recipient
        .and_then(|recipient| aps(recipient.get("context")?))
        .or_else(|| aps(body.get("context")?))
        .or_else(|| body.get("aps")?.as_object())
}

/// A date field in Unix seconds; a float is truncated, anything else ignored.
fn unix_seconds(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        value
            .as_f64()
            .filter(|f| f.is_finite())
            .map(|f| f.trunc() as i64)
    })
}

/// Creates the activity of a new send as a draft if it is missing. A real send also marks
/// the activity updated and records its recipient; a dry run leaves an existing one alone.
pub(super) fn ensure(
    tx: &Connection,
    campaign: &str,
    id: &str,
    recipient: Option<&str>,
    dry_run: bool,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let params = params![campaign, id, recipient, now_ms];
    // Most sends go to an activity that exists: a plain update finds it with one lookup,
    // where an upsert first tries to insert it.
    if !dry_run
        && exec(
            tx,
            "UPDATE activities SET recipient = coalesce(?3, recipient), updated_ms = ?4
             WHERE campaign = ?1 AND id = ?2",
            params,
        )? > 0
    {
        return Ok(());
    }
    exec(
        tx,
        "INSERT INTO activities (campaign, id, recipient, lifecycle, updated_ms)
         VALUES (?1, ?2, ?3, 'draft', ?4)
         ON CONFLICT (campaign, id) DO NOTHING",
        params,
    )?;
    Ok(())
}

/// Marks an activity updated at `now_ms` without moving its lifecycle.
pub(super) fn touch(
    tx: &Connection,
    campaign: &str,
    id: &str,
    now_ms: i64,
) -> rusqlite::Result<()> {
    exec(
        tx,
        "UPDATE activities SET updated_ms = ?3 WHERE campaign = ?1 AND id = ?2",
        params![campaign, id, now_ms],
    )?;
    Ok(())
}

/// Moves the activity of an accepted `push` along its lifecycle; reads only the lifecycle
/// columns (not the last content state, nor the last send's status).
pub(super) fn accept(
    tx: &Connection,
    campaign: &str,
    id: &str,
    push: &Push,
    now_ms: i64,
) -> rusqlite::Result<()> {
    let state = tx
        .prepare_cached(
            "SELECT lifecycle, updates, last_timestamp, started_ms, ended_ms, dismissal_date,
                stale_date
             FROM activities WHERE campaign = ?1 AND id = ?2",
        )?
        .query_row([campaign, id], |row| {
            Ok(State {
                lifecycle: lifecycle_column(row, 0, 1)?,
                updates: row.get(1)?,
                last_timestamp: row.get(2)?,
                started_ms: row.get(3)?,
                ended_ms: row.get(4)?,
                dismissal_date: row.get(5)?,
                stale_date: row.get(6)?,
            })
        })
        .optional()?;
    let exists = state.is_some();
    // `begin` always creates it; rebuild it if it was deleted behind our back.
    let mut state = state.unwrap_or(State::DRAFT);
    let content_state = if state.apply(push, now_ms) {
        push.content_state.as_deref()
    } else {
        None
    };
    let lifecycle = match state.lifecycle {
        Lifecycle::Draft => "draft",
        Lifecycle::Active { .. } | Lifecycle::Stale => "active",
        Lifecycle::Ended | Lifecycle::Dismissed => "ended",
    };
    // The row was just read: update it in place rather than through an upsert.
    let sql = if exists {
        "UPDATE activities SET lifecycle = ?3, updates = ?4, last_timestamp = ?5,
            last_content_state = coalesce(?6, last_content_state), started_ms = ?7,
            ended_ms = ?8, dismissal_date = ?9, stale_date = ?10, updated_ms = ?11
         WHERE campaign = ?1 AND id = ?2"
    } else {
        "INSERT INTO activities (campaign, id, lifecycle, updates, last_timestamp,
            last_content_state, started_ms, ended_ms, dismissal_date, stale_date, updated_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    };
    exec(
        tx,
        sql,
        params![
            campaign,
            id,
            lifecycle,
            state.updates,
            state.last_timestamp,
            content_state,
            state.started_ms,
            state.ended_ms,
            state.dismissal_date,
            state.stale_date,
            now_ms,
        ],
    )?;
    Ok(())
}

const SELECT_ACTIVITY: &str = "SELECT a.campaign, a.id, a.recipient, a.lifecycle, a.updates,
    a.last_timestamp, a.last_content_state, a.started_ms, a.ended_ms, a.dismissal_date,
    a.stale_date, a.updated_ms,
    (SELECT s.status FROM sends s
     WHERE s.campaign = a.campaign AND s.activity = a.id AND NOT s.dry_run
     ORDER BY s.id DESC LIMIT 1)
    FROM activities a";

pub(super) fn list(conn: &Connection) -> rusqlite::Result<Vec<ActivityRecord>> {
    conn.prepare_cached(&format!(
        "{SELECT_ACTIVITY} ORDER BY a.updated_ms DESC, a.rowid DESC"
    ))?
    .query_map([], read_activity)?
    .collect()
}

pub(super) fn get(
    conn: &Connection,
    campaign: &str,
    id: &str,
) -> rusqlite::Result<Option<ActivityRecord>> {
    conn.prepare_cached(&format!(
        "{SELECT_ACTIVITY} WHERE a.campaign = ?1 AND a.id = ?2"
    ))?
    .query_row([campaign, id], read_activity)
    .optional()
}

/// The stored lifecycle in column `idx`, with its update count from column `updates`.
fn lifecycle_column(row: &Row<'_>, idx: usize, updates: usize) -> rusqlite::Result<Lifecycle> {
    Ok(match row.get_ref(idx)?.as_str()? {
        "draft" => Lifecycle::Draft,
        "active" => Lifecycle::Active {
            updates: row.get(updates)?,
        },
        "ended" => Lifecycle::Ended,
        other => {
            return Err(conversion_error(
                idx,
                format!("`{other}` is not a lifecycle"),
            ));
        }
    })
}

fn read_activity(row: &Row<'_>) -> rusqlite::Result<ActivityRecord> {
    let updates: u32 = row.get(4)?;
    let lifecycle = lifecycle_column(row, 3, 4)?;
    let last_send_status = match row.get_ref(12)?.as_str_or_null()? {
        Some(text) => Some(text.parse().map_err(|e| conversion_error(12, e))?),
        None => None,
    };
    Ok(ActivityRecord {
        campaign: row.get(0)?,
        id: row.get(1)?,
        recipient: row.get(2)?,
        lifecycle,
        updates,
        last_timestamp: row.get(5)?,
        last_content_state: json_column(row, 6)?,
        started_ms: row.get(7)?,
        ended_ms: row.get(8)?,
        dismissal_date: row.get(9)?,
        stale_date: row.get(10)?,
        updated_ms: row.get(11)?,
        last_send_status,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn draft() -> ActivityRecord {
        ActivityRecord {
            campaign: "c".into(),
            id: "a".into(),
            recipient: None,
            lifecycle: Lifecycle::Draft,
            updates: 0,
            last_timestamp: None,
            last_content_state: None,
            started_ms: None,
            ended_ms: None,
            dismissal_date: None,
            stale_date: None,
            updated_ms: 0,
            last_send_status: None,
        }
    }

    /// The push of a bare body carrying `aps`.
    fn push(event: Event, aps: Value) -> Push {
        Push::read(event, &json!({ "aps": aps }))
    }

    #[test]
    fn the_aps_is_found_in_unitary_audience_and_bare_bodies() {
        let aps = json!({ "event": "start" });
        let context = json!({ "requestPayload": { "aps": aps } });
        for body in [
            json!({ "recipients": [{ "context": context }] }),
            json!({ "audience": { "id": "x" }, "context": context }),
            json!({ "aps": aps }),
        ] {
            assert_eq!(find_aps(&body), aps.as_object(), "{body}");
        }
        assert_eq!(find_aps(&json!({ "recipients": [] })), None);
        // As a JSON pointer reads it: key `0` of an object, and later paths when one fails.
        let keyed = json!({ "recipients": { "0": { "context": context } } });
        assert_eq!(find_aps(&keyed), aps.as_object());
        let fallback = json!({ "recipients": [{}], "aps": aps });
        assert_eq!(find_aps(&fallback), aps.as_object());
        assert_eq!(find_aps(&json!({ "aps": "not an object" })), None);
        assert_eq!(find_aps(&json!([1, 2])), None);
    }

    #[test]
    fn dates_are_unix_seconds_and_anything_else_is_ignored() {
        assert_eq!(unix_seconds(&json!(1700000000)), Some(1700000000));
        assert_eq!(unix_seconds(&json!(1700000000.9)), Some(1700000000));
        assert_eq!(unix_seconds(&json!(1e300)), Some(i64::MAX));
        assert_eq!(unix_seconds(&json!("1700000000")), None);
        assert_eq!(unix_seconds(&Value::Null), None);
    }

    #[test]
    fn the_device_drops_an_update_after_the_end_or_older_than_the_last_push() {
        let mut state = State::DRAFT;
        assert!(state.apply(&push(Event::Start, json!({ "timestamp": 100 })), 1));
        assert!(state.apply(&push(Event::End, json!({ "timestamp": 200 })), 2));
        let ended = state.clone();
        let late = push(Event::Update, json!({ "timestamp": 300 }));
        assert!(!state.apply(&late, 3));
        assert_eq!(state, ended, "an update after the end moves nothing");

        let mut state = State::DRAFT;
        assert!(state.apply(&push(Event::Start, json!({ "timestamp": 100 })), 1));
        let started = state.clone();
        assert!(!state.apply(&push(Event::Update, json!({ "timestamp": 99 })), 2));
        assert_eq!(state, started, "an older update moves nothing");
        assert!(state.apply(&push(Event::Update, json!({ "timestamp": 100 })), 2));
        assert_eq!(state.lifecycle, Lifecycle::Active { updates: 1 });
    }

    #[test]
    fn a_start_after_the_end_begins_again() {
        let mut state = State::DRAFT;
        state.apply(&push(Event::Start, json!({})), 1);
        state.apply(&Push::read(Event::Update, &json!({})), 2);
        state.apply(&push(Event::End, json!({ "dismissal-date": 50 })), 3);
        state.apply(&push(Event::Start, json!({ "timestamp": 1 })), 4);
        assert_eq!(state.lifecycle, Lifecycle::Active { updates: 0 });
        assert_eq!(
            (state.started_ms, state.ended_ms, state.dismissal_date),
            (Some(4), None, None)
        );
    }

    #[test]
    fn malformed_fields_move_the_lifecycle_and_are_otherwise_ignored() {
        let mut state = State::DRAFT;
        let junk = json!({ "timestamp": "soon", "stale-date": [], "content-state": 3 });
        let junk = push(Event::Update, junk);
        state.apply(&junk, 5);
        assert_eq!(state.lifecycle, Lifecycle::Active { updates: 1 });
        assert_eq!((state.last_timestamp, state.stale_date), (None, None));
        assert_eq!(junk.content_state.as_deref(), Some("3"));
    }

    #[test]
    fn a_push_reads_its_dates_and_content_state_once() {
        let body = json!({ "recipients": [{ "context": { "requestPayload": { "aps": {
            "timestamp": 10, "stale-date": 20.5, "dismissal-date": 30,
            "content-state": { "eta": 5 }
        } } } }] });
        assert_eq!(
            Push::read(Event::End, &body),
            Push {
                event: Event::End,
                timestamp: Some(10),
                stale_date: Some(20),
                dismissal_date: Some(30),
                content_state: Some(r#"{"eta":5}"#.into()),
            }
        );
    }

    #[test]
    fn age_of_start_never_goes_negative() {
        let mut record = draft();
        assert_eq!(record.age_of_start(10), None);
        record.started_ms = Some(1_000);
        assert_eq!(
            record.age_of_start(4_500),
            Some(Duration::from_millis(3_500))
        );
        assert_eq!(record.age_of_start(0), Some(Duration::ZERO));
        assert_eq!(record.age_of_start(i64::MIN), Some(Duration::ZERO));
    }
}
