//! Rules on the `aps` dictionary: event, timestamp, content-state, start requirements, dates,
//! size, the broadcast channel, the Swift date trap, and the activity's lifecycle.

use super::Context;
use crate::activity::dates::{self, SWIFT_REFERENCE_OFFSET};
use crate::activity::diagnostic::{Diagnostic, Severity};
use crate::activity::draft::Event;
use crate::activity::lifecycle::Lifecycle;
use crate::activity::schema::{FieldType, Schema, describe, is_integral};
use crate::config::CampaignKind;
use serde_json::{Map, Value};

/// Apple's limit on a Live Activity push payload, `{"aps":…}` included.
pub const MAX_PAYLOAD_BYTES: usize = 4096;
/// What `{"aps":` and the closing `}` add around the `aps` dictionary.
const PAYLOAD_WRAPPER_BYTES: usize = 8;
/// ActivityKit's limit on static plus dynamic data of one activity.
pub const MAX_ACTIVITY_DATA_BYTES: usize = 4096;
/// How far in the past a timestamp may be before the device is likely to ignore it.
const STALE_TIMESTAMP_SECONDS: i64 = 60;
/// Timestamps further ahead than this are dropped by the device.
const FUTURE_TIMESTAMP_SECONDS: i64 = 8 * 3600;
/// Apple keeps an ended activity on the Lock Screen at most this long.
const MAX_DISMISSAL_SECONDS: i64 = 4 * 3600;
/// Keys Apple documents for Live Activity pushes, plus AJO's `content-available`.
const KNOWN_KEYS: &[&str] = &[
    "content-available",
    "timestamp",
    "event",
    "content-state",
    "attributes-type",
    "attributes",
    "alert",
    "stale-date",
    "dismissal-date",
    "relevance-score",
    "input-push-token",
    "input-push-channel",
];

/// Runs every `aps` rule on `aps`, found at `path`.
pub(super) fn check(
    aps: &Value,
    path: &str,
    kind: Option<CampaignKind>,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(aps) = aps.as_object() else {
        out.push(Diagnostic::new(
            Severity::Error,
            "aps-not-object",
            path,
            "aps must be a JSON object",
        ));
        return;
    };
    let at = |key: &str| format!("{path}.{key}");
    let event = check_event(aps, path, out);
    check_content_available(aps, path, out);
    let timestamp = check_timestamp(aps, path, ctx, out);
    check_content_state(aps, path, ctx, out);
    check_attributes(aps, path, event, kind, ctx, out);
    if event == Some(Event::Start) {
        check_start_alert(aps, path, out);
    }
    check_dates(aps, path, event, timestamp, ctx.now, out);
    check_size(aps, path, out);
    if kind == Some(CampaignKind::Marketing) {
        check_channel(aps, path, out);
    }
    if let Some(score) = aps.get("relevance-score")
        && !score.is_number()
    {
        out.push(Diagnostic::new(
            Severity::Error,
            "relevance-score",
            at("relevance-score"),
            format!(
                "relevance-score must be a number, found {}",
                describe(score)
            ),
        ));
    }
    for key in aps.keys().filter(|k| !KNOWN_KEYS.contains(&k.as_str())) {
        out.push(
            Diagnostic::new(
                Severity::Warning,
                "aps-unknown-key",
                at(key),
                format!("`{key}` is not a Live Activity key; APNs ignores it"),
            )
            .hint("put app data in content-state or attributes"),
        );
    }
    if let (Some(event), Some(history)) = (event, ctx.history) {
        check_lifecycle(event, history.lifecycle, &at("event"), out);
    }
}

// Rule 1: event and content-available.
fn check_event(aps: &Map<String, Value>, path: &str, out: &mut Vec<Diagnostic>) -> Option<Event> {
    let path = format!("{path}.event");
    match aps.get("event") {
        Some(Value::String(text)) => match text.parse::<Event>() {
            Ok(event) => return Some(event),
            Err(message) => out.push(Diagnostic::new(Severity::Error, "event", path, message)),
        },
        Some(other) => out.push(Diagnostic::new(
            Severity::Error,
            "event",
            path,
            format!(
                "event must be \"start\", \"update\" or \"end\", found {}",
                describe(other)
            ),
        )),
        None => out.push(Diagnostic::new(
            Severity::Error,
            "event",
            path,
            "no event: use \"start\", \"update\" or \"end\"",
        )),
    }
    None
}

fn check_content_available(aps: &Map<String, Value>, path: &str, out: &mut Vec<Diagnostic>) {
    if aps.get("content-available").and_then(Value::as_f64) != Some(1.0) {
        let found = aps
            .get("content-available")
            .map_or("it is missing".into(), describe);
        out.push(
            Diagnostic::new(
                Severity::Error,
                "content-available",
                format!("{path}.content-available"),
                format!("content-available must be 1 ({found})"),
            )
            .hint("AJO requires \"content-available\": 1 on every Live Activity push"),
        );
    }
}

// Rule 2: timestamp.
fn check_timestamp(
    aps: &Map<String, Value>,
    path: &str,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) -> Option<i64> {
    let path = format!("{path}.timestamp");
    let Some(value) = aps.get("timestamp") else {
        out.push(
            Diagnostic::new(Severity::Error, "timestamp", path, "no timestamp")
                .hint("send the current Unix time in seconds; liveact stamps it when it sends"),
        );
        return None;
    };
    if !is_integral(value) {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "timestamp",
                path,
                format!(
                    "timestamp must be whole Unix seconds, found {}",
                    describe(value)
                ),
            )
            .hint("use the current Unix time in seconds, e.g. date +%s"),
        );
        return None;
    }
    let ts = value.as_f64().unwrap_or_default() as i64;
    if ts >= 1_000_000_000_000 {
        let (unit, divisor) = match ts {
            1_000_000_000_000..1_000_000_000_000_000 => ("milliseconds", 1_000),
            1_000_000_000_000_000..1_000_000_000_000_000_000 => ("microseconds", 1_000_000),
            _ => ("nanoseconds", 1_000_000_000),
        };
        let digits = ts.to_string().len();
        out.push(
            Diagnostic::new(
                Severity::Error,
                "timestamp-milliseconds",
                path,
                format!("timestamp {ts} has {digits} digits: {unit}?"),
            )
            .hint(format!("Apple expects seconds: {}", ts / divisor)),
        );
        return None;
    }
    if ts <= 0 {
        out.push(Diagnostic::new(
            Severity::Error,
            "timestamp",
            path,
            format!("timestamp {ts} is not a Unix time in seconds"),
        ));
        return None;
    }
    if let Some(last) = ctx.history.and_then(|h| h.last_timestamp) {
        if ts < last {
            out.push(
                Diagnostic::new(
                    Severity::Error,
                    "timestamp-older",
                    path.clone(),
                    format!(
                        "timestamp {ts} is older than the last one sent to this activity ({last}); the device ignores it"
                    ),
                )
                .hint("send the current time; liveact stamps it when it sends"),
            );
        } else if ts == last {
            out.push(Diagnostic::new(
                Severity::Warning,
                "timestamp-repeated",
                path.clone(),
                format!("timestamp {ts} equals the last one sent to this activity; the device may ignore it"),
            ));
        }
    }
    let age = ctx.now - ts;
    if age > STALE_TIMESTAMP_SECONDS {
        out.push(
            Diagnostic::new(
                Severity::Warning,
                "timestamp-past",
                path,
                format!("timestamp is {} in the past ({})", human(age), dates::format_unix(ts)),
            )
            .hint("the device may ignore an old update; liveact stamps the current time when it sends"),
        );
    } else if -age > FUTURE_TIMESTAMP_SECONDS {
        out.push(Diagnostic::new(
            Severity::Warning,
            "timestamp-future",
            path,
            format!(
                "timestamp is {} ahead ({}); the device drops pushes over 8 h ahead",
                human(-age),
                dates::format_unix(ts)
            ),
        ));
    }
    Some(ts)
}

// Rule 3 (and 8 for date fields): content-state against the campaign schema.
fn check_content_state(
    aps: &Map<String, Value>,
    path: &str,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let path = format!("{path}.content-state");
    match aps.get("content-state") {
        Some(Value::Object(state)) => {
            if let Some(campaign) = ctx.campaign {
                check_fields(
                    state,
                    &campaign.content_state,
                    &path,
                    true,
                    "content-state",
                    ctx.now,
                    out,
                );
            }
        }
        Some(other) => out.push(Diagnostic::new(
            Severity::Error,
            "content-state",
            path,
            format!("content-state must be an object, found {}", describe(other)),
        )),
        None => out.push(
            Diagnostic::new(Severity::Error, "content-state", path, "no content-state")
                .hint("every push carries the full ContentState the app decodes"),
        ),
    }
}

/// Checks an object against a schema. `required` turns on the missing-field rule.
fn check_fields(
    object: &Map<String, Value>,
    schema: &Schema,
    path: &str,
    required: bool,
    what: &'static str,
    now: i64,
    out: &mut Vec<Diagnostic>,
) {
    let (missing, wrong, unknown) = match what {
        "content-state" => (
            "content-state-missing",
            "content-state-type",
            "content-state-unknown-key",
        ),
        _ => (
            "attributes-missing",
            "attributes-type-mismatch",
            "attributes-unknown-key",
        ),
    };
    for (name, spec) in schema {
        let field_path = format!("{path}.{name}");
        match object.get(name) {
            None if required && spec.required => out.push(
                Diagnostic::new(
                    Severity::Error,
                    missing,
                    field_path,
                    format!("required field `{name}` is missing"),
                )
                .hint("the app cannot decode the state without it; the device drops the push"),
            ),
            None => {}
            Some(value) => match spec.check(value) {
                Err(message) => {
                    out.push(Diagnostic::new(Severity::Error, wrong, field_path, message))
                }
                Ok(()) if spec.ty == FieldType::Date => {
                    check_swift_date(value, &field_path, now, out)
                }
                Ok(()) => {}
            },
        }
    }
    for key in object.keys().filter(|k| !schema.contains_key(*k)) {
        if what == "attributes" && key == "liveActivityData" {
            continue;
        }
        out.push(
            Diagnostic::new(
                Severity::Warning,
                unknown,
                format!("{path}.{key}"),
                format!("`{key}` is not in the campaign's {what} schema; the app ignores it"),
            )
            .hint("check the spelling: keys are the Swift property names, case-sensitive"),
        );
    }
}

// Rule 8: a Unix time in a Swift Date field shows about 31 years late.
fn check_swift_date(value: &Value, path: &str, now: i64, out: &mut Vec<Diagnostic>) {
    let Some(v) = value.as_f64() else { return };
    // Unix seconds within ten years of now; a Swift date that far ahead is no Live Activity's.
    const TEN_YEARS: f64 = 10.0 * 365.25 * 86_400.0;
    if (v - now as f64).abs() < TEN_YEARS {
        out.push(
            Diagnostic::new(
                Severity::Warning,
                "date-unix-seconds",
                path,
                format!(
                    "{v} looks like Unix seconds, but a Swift Date counts from 2001: the device would show {}",
                    dates::format_swift_date(v)
                ),
            )
            .hint(format!(
                "send {} (that moment in Swift Date seconds), or declare the field unix_date if the app decodes Unix time",
                (v as i64).saturating_sub(SWIFT_REFERENCE_OFFSET)
            )),
        );
    }
}

// Rule 4: start needs attributes-type, attributes with liveActivityData, and an alert.
fn check_attributes(
    aps: &Map<String, Value>,
    path: &str,
    event: Option<Event>,
    kind: Option<CampaignKind>,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let start = event == Some(Event::Start);
    let type_path = format!("{path}.attributes-type");
    match (aps.get("attributes-type"), ctx.campaign) {
        (Some(Value::String(ty)), Some(campaign)) if *ty != campaign.attributes_type => out.push(
            Diagnostic::new(
                Severity::Error,
                "attributes-type-name",
                type_path,
                format!(
                    "attributes-type `{ty}` is not the campaign's `{}`",
                    campaign.attributes_type
                ),
            )
            .hint("it must be the exact Swift ActivityAttributes type name, case-sensitive"),
        ),
        (Some(Value::String(ty)), _) if !ty.trim().is_empty() => {}
        (None, _) if !start => {}
        (Some(found), _) if !start => out.push(Diagnostic::new(
            Severity::Error,
            "attributes-type-name",
            type_path,
            format!(
                "attributes-type must be the Swift type name (a non-empty string), found {}",
                describe(found)
            ),
        )),
        (found, _) => out.push(
            Diagnostic::new(
                Severity::Error,
                "attributes-type-name",
                type_path,
                format!(
                    "start needs attributes-type, the Swift ActivityAttributes type name ({})",
                    found.map_or("it is missing".into(), describe)
                ),
            )
            .hint("without it the device cannot start the activity"),
        ),
    }
    let attr_path = format!("{path}.attributes");
    let attributes = match aps.get("attributes") {
        Some(Value::Object(attributes)) => attributes,
        None if !start => return,
        found => {
            out.push(Diagnostic::new(
                Severity::Error,
                "attributes",
                attr_path,
                format!(
                    "start needs attributes holding liveActivityData ({})",
                    found.map_or("they are missing".into(), describe)
                ),
            ));
            return;
        }
    };
    if let Some(campaign) = ctx.campaign {
        check_fields(
            attributes,
            &campaign.attributes,
            &attr_path,
            start,
            "attributes",
            ctx.now,
            out,
        );
    }
    let data = attributes.get("liveActivityData");
    let id_key = match kind {
        Some(CampaignKind::Marketing) => "channelID",
        Some(CampaignKind::Transactional) => "liveActivityID",
        None if data.and_then(|d| d.get("channelID")).is_some() => "channelID",
        None => "liveActivityID",
    };
    let id_ok = data
        .and_then(|d| d.get(id_key))
        .and_then(Value::as_str)
        .is_some_and(|id| !id.trim().is_empty());
    if !id_ok && (start || data.is_some()) {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "live-activity-data",
                format!("{attr_path}.liveActivityData.{id_key}"),
                format!("attributes.liveActivityData.{id_key} must be a non-empty string"),
            )
            .hint(match id_key {
                "channelID" => "a broadcast names its APNs channel id here",
                _ => "the Adobe SDK tracks the activity by this id (your order or ride reference)",
            }),
        );
    }
}

fn check_start_alert(aps: &Map<String, Value>, path: &str, out: &mut Vec<Diagnostic>) {
    let path = format!("{path}.alert");
    let Some(alert) = aps.get("alert").and_then(Value::as_object) else {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "start-alert",
                path,
                "start needs an alert with title and body",
            )
            .hint("without an alert a remote start is a silent push and nothing appears"),
        );
        return;
    };
    for key in ["title", "body"] {
        let ok = match alert.get(key) {
            Some(Value::String(text)) => !text.trim().is_empty(),
            Some(Value::Object(loc)) => loc.get("loc-key").is_some_and(Value::is_string),
            _ => false,
        };
        if !ok {
            out.push(
                Diagnostic::new(
                    Severity::Error,
                    "start-alert",
                    format!("{path}.{key}"),
                    format!("start needs alert.{key}: a non-empty string or a loc-key object"),
                )
                .hint("without it a remote start may not alert anyone"),
            );
        }
    }
}

// Rule 5: dismissal-date and stale-date.
fn check_dates(
    aps: &Map<String, Value>,
    path: &str,
    event: Option<Event>,
    timestamp: Option<i64>,
    now: i64,
    out: &mut Vec<Diagnostic>,
) {
    let mut read = |key: &str| -> Option<i64> {
        let value = aps.get(key)?;
        if is_integral(value) {
            return value.as_f64().map(|f| f as i64);
        }
        out.push(Diagnostic::new(
            Severity::Error,
            "date-type",
            format!("{path}.{key}"),
            format!(
                "{key} must be whole Unix seconds, found {}",
                describe(value)
            ),
        ));
        None
    };
    let dismissal = read("dismissal-date");
    let stale = read("stale-date");
    if let Some(dismissal) = dismissal {
        let at = format!("{path}.dismissal-date");
        if event.is_some_and(|e| e != Event::End) {
            out.push(
                Diagnostic::new(
                    Severity::Warning,
                    "dismissal-not-end",
                    at,
                    "dismissal-date is only honoured on end; it is ignored here",
                )
                .hint("set it on the end event"),
            );
        } else if let (Some(Event::End), Some(ts)) = (event, timestamp) {
            // The device compares with its own clock, so "past" means before now.
            if dismissal <= now.max(ts) {
                out.push(Diagnostic::new(
                    Severity::Info,
                    "dismissal-now",
                    at,
                    format!(
                        "dismissal-date {} is in the past: the activity is removed at once",
                        dates::format_unix(dismissal)
                    ),
                ));
            } else if dismissal - ts > MAX_DISMISSAL_SECONDS {
                out.push(Diagnostic::new(
                    Severity::Warning,
                    "dismissal-too-late",
                    at,
                    format!("dismissal-date is {} after the end; Apple removes the activity after 4 h at most", human(dismissal - ts)),
                ));
            }
        }
    }
    if let (Some(stale), Some(ts)) = (stale, timestamp)
        && stale < ts
    {
        out.push(
            Diagnostic::new(
                Severity::Warning,
                "stale-before-timestamp",
                format!("{path}.stale-date"),
                format!(
                    "stale-date {} is before the timestamp: the activity shows as stale at once",
                    dates::format_unix(stale)
                ),
            )
            .hint("use a time after now, e.g. --stale-in 30m"),
        );
    }
}

// Rule 6: sizes.
fn check_size(aps: &Map<String, Value>, path: &str, out: &mut Vec<Diagnostic>) {
    let size = |v: Option<&Value>| {
        v.and_then(|v| serde_json::to_vec(v).ok())
            .map_or(0, |b| b.len())
    };
    let payload_bytes = serde_json::to_vec(aps).map_or(0, |b| b.len()) + PAYLOAD_WRAPPER_BYTES;
    if payload_bytes > MAX_PAYLOAD_BYTES {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "aps-size",
                path,
                format!("the push payload {{\"aps\":…}} is {payload_bytes} bytes; Apple accepts at most {MAX_PAYLOAD_BYTES}"),)
            .hint("shorten strings or move data the app can fetch itself out of the push"),
        );
    }
    let data_bytes = size(aps.get("attributes")) + size(aps.get("content-state"));
    if data_bytes > MAX_ACTIVITY_DATA_BYTES {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "activity-data-size",
                path,
                format!("attributes and content-state are {data_bytes} bytes together; ActivityKit allows 4 KB ({MAX_ACTIVITY_DATA_BYTES})"),
            )
            .hint("the activity fails to start or update when its data is over 4 KB"),
        );
    }
}

// Rule 7 (broadcast part): input-push-channel equals liveActivityData.channelID.
fn check_channel(aps: &Map<String, Value>, path: &str, out: &mut Vec<Diagnostic>) {
    let channel = aps.get("input-push-channel").and_then(Value::as_str);
    let id = aps
        .get("attributes")
        .and_then(|a| a.get("liveActivityData"))
        .and_then(|d| d.get("channelID"))
        .and_then(Value::as_str);
    let at = format!("{path}.input-push-channel");
    match (channel, id) {
        (None, _) => out.push(
            Diagnostic::new(Severity::Error, "broadcast-channel", at, "a broadcast needs input-push-channel")
                .hint("set it to the APNs channel id, the same on start, update and end"),
        ),
        (Some(channel), Some(id)) if channel != id => out.push(Diagnostic::new(
            Severity::Error,
            "broadcast-channel",
            at,
            format!("input-push-channel `{channel}` differs from attributes.liveActivityData.channelID `{id}`"),
        )),
        _ => {}
    }
}

// Rule 9: what the activity's history allows.
fn check_lifecycle(event: Event, lifecycle: Lifecycle, path: &str, out: &mut Vec<Diagnostic>) {
    match (lifecycle, event) {
        (Lifecycle::Ended | Lifecycle::Dismissed, _) => out.push(
            Diagnostic::new(
                Severity::Error,
                "lifecycle-ended",
                path,
                format!("this activity has ended: no {event} reaches it any more"),
            )
            .hint("start a new activity with another id"),
        ),
        (Lifecycle::Draft, Event::Update | Event::End) => out.push(
            Diagnostic::new(
                Severity::Warning,
                "lifecycle-not-started",
                path,
                format!(
                    "this activity was never started (no accepted start in the journal); the device drops the {event} without a word"
                ),
            )
            .hint("send start first"),
        ),
        (Lifecycle::Active { .. } | Lifecycle::Stale, Event::Start) => out.push(
            Diagnostic::new(
                Severity::Warning,
                "lifecycle-restart",
                path,
                "this activity is already active; a second start may show it twice",
            )
            .hint("send update instead, or end it first"),
        ),
        _ => {}
    }
}

/// `90` → `1m 30s`, `200000` → `2d 7h`, for messages.
fn human(seconds: i64) -> String {
    let s = seconds.abs();
    match (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60) {
        (0, 0, 0, sec) => format!("{sec}s"),
        (0, 0, m, 0) => format!("{m}m"),
        (0, 0, m, sec) => format!("{m}m {sec}s"),
        (0, h, 0, _) => format!("{h}h"),
        (0, h, m, _) => format!("{h}h {m}m"),
        (d, 0, _, _) => format!("{d}d"),
        (d, h, _, _) => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_durations() {
        let cases = [
            (5, "5s"),
            (60, "1m"),
            (90, "1m 30s"),
            (7_200, "2h"),
            (5_400, "1h 30m"),
            (86_400, "1d"),
            (200_000, "2d 7h"),
        ];
        for (seconds, text) in cases {
            assert_eq!(super::human(seconds), text);
        }
    }
}
