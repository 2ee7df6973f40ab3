//! Request bodies checked as AJO's OpenAPI file describes them (`imExecutionRequestUnitary`,
//! `imExecutionRequestAudience`), plus the Live Activity needs (`audience.id`).

use crate::activity::schema::describe;
use serde_json::{Map, Value};
use std::collections::HashSet;

/// At most this many recipients per unitary call.
pub(crate) const MAX_RECIPIENTS: usize = 20;

/// A valid unitary body.
pub(crate) struct Unitary<'a> {
    pub request_id: &'a str,
    pub campaign_id: &'a str,
    /// Each recipient's `context.requestPayload.aps`, if it has one.
    pub pushes: Vec<Option<&'a Value>>,
}

/// A valid audience body.
pub(crate) struct Audience<'a> {
    pub request_id: Option<&'a str>,
    pub campaign_id: &'a str,
    pub audience_id: &'a str,
    /// `context.requestPayload.aps`, if present.
    pub push: Option<&'a Value>,
    /// `schedule.executeAt`: run it then instead of now.
    pub execute_at: Option<jiff::Timestamp>,
}

/// A body check: the reason of a refusal is the error's title.
type Checked<T> = Result<T, String>;

/// Checks a unitary body.
pub(crate) fn unitary(body: &Value) -> Checked<Unitary<'_>> {
    let body = object(body, "the body")?;
    let request_id = required_string(body, "requestId")?;
    let campaign_id = required_string(body, "campaignId")?;
    let recipients = match body.get("recipients") {
        Some(Value::Array(items)) => items,
        Some(other) => {
            return invalid(format!(
                "recipients: expected an array, found {}",
                describe(other)
            ));
        }
        None => return invalid("recipients is required"),
    };
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        return invalid(format!(
            "recipients: {} recipients, 1 to {MAX_RECIPIENTS} are allowed",
            recipients.len()
        ));
    }
    let mut user_ids = HashSet::new();
    let mut pushes = Vec::with_capacity(recipients.len());
    for (i, recipient) in recipients.iter().enumerate() {
        let at = |field: &str| format!("recipients[{i}].{field}");
        let recipient = object(recipient, &format!("recipients[{i}]"))?;
        let kind = recipient.get("type").and_then(Value::as_str);
        if !matches!(kind, Some("aep" | "external")) {
            return invalid(format!("{}: must be \"aep\" or \"external\"", at("type")));
        }
        let user_id = non_empty(recipient, "userId", &at("userId"))?;
        non_empty(recipient, "namespace", &at("namespace"))?;
        for field in ["mergePolicyName", "mergePolicySchema"] {
            optional_string(recipient, field, &at(field))?;
        }
        if let Some(data) = recipient.get("channelData") {
            object(data, &at("channelData"))?;
        }
        for field in ["profile", "context"] {
            string_or_object_map(recipient.get(field), &at(field))?;
        }
        if !user_ids.insert(user_id) {
            return invalid(format!(
                "{}: duplicate user id `{user_id}`; each recipient must be unique",
                at("userId")
            ));
        }
        pushes.push(push(recipient.get("context")));
    }
    Ok(Unitary {
        request_id,
        campaign_id,
        pushes,
    })
}

/// Checks an audience body.
pub(crate) fn audience(body: &Value) -> Checked<Audience<'_>> {
    let body = object(body, "the body")?;
    let request_id = optional_string(body, "requestId", "requestId")?;
    let campaign_id = required_string(body, "campaignId")?;
    let audience_id = match body.get("audience") {
        Some(audience) => non_empty(object(audience, "audience")?, "id", "audience.id")?,
        None => return invalid("audience.id is required for a Live Activity broadcast"),
    };
    string_or_object_map(body.get("context"), "context")?;
    let execute_at = match body.get("schedule") {
        None => None,
        Some(schedule) => {
            let at = non_empty(
                object(schedule, "schedule")?,
                "executeAt",
                "schedule.executeAt",
            )?;
            let at = at.parse::<jiff::Timestamp>().map_err(|e| {
                format!(
                    "schedule.executeAt: `{at}` is not a date-time such as 2026-08-29T09:12:33.001Z ({e})"
                )
            })?;
            Some(at)
        }
    };
    Ok(Audience {
        request_id,
        campaign_id,
        audience_id,
        push: push(body.get("context")),
        execute_at,
    })
}

/// `context.requestPayload.aps`, where AJO carries the Live Activity push.
pub(crate) fn push(context: Option<&Value>) -> Option<&Value> {
    context?.get("requestPayload")?.get("aps")
}

fn invalid<T>(message: impl Into<String>) -> Checked<T> {
    Err(message.into())
}

fn object<'a>(value: &'a Value, what: &str) -> Checked<&'a Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| format!("{what}: expected an object, found {}", describe(value)))
}

fn required_string<'a>(map: &'a Map<String, Value>, field: &str) -> Checked<&'a str> {
    non_empty(map, field, field)
}

fn non_empty<'a>(map: &'a Map<String, Value>, field: &str, path: &str) -> Checked<&'a str> {
    match map.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s),
        Some(Value::String(_)) | None => invalid(format!("{path} is required")),
        Some(other) => invalid(format!(
            "{path}: expected a string, found {}",
            describe(other)
        )),
    }
}

fn optional_string<'a>(
    map: &'a Map<String, Value>,
    field: &str,
    path: &str,
) -> Checked<Option<&'a str>> {
    match map.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => invalid(format!(
            "{path}: expected a string, found {}",
            describe(other)
        )),
    }
}

/// `profile` and `context`: objects whose values are strings or objects.
fn string_or_object_map(value: Option<&Value>, path: &str) -> Checked<()> {
    let Some(value) = value else { return Ok(()) };
    for (key, item) in object(value, path)? {
        if !(item.is_string() || item.is_object()) {
            return invalid(format!(
                "{path}.{key}: expected a string or an object, found {}",
                describe(item)
            ));
        }
    }
    Ok(())
}
