//! What becomes of an accepted audience execution: its status over time
//! (`GET /im/executions/audience/{id}`), and schedules that fire at their time or are cancelled
//! (`GET` and `DELETE /im/executions/schedules/{id}`).
//!
//! Time is read when a call arrives: a due schedule fires (its push reaches the device) before
//! anything else is answered, so every observer sees the same order of events.

use super::MockSettings;
use super::device::activity_id;
use super::errors::{ApiError, Code, ErrorContext};
use super::gateway::{authenticate, require_org_and_sandbox};
use super::state::{AudienceRun, Schedule, Shared, State};
use crate::config::CampaignKind;
use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State as Extract};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Profiles a mock broadcast reaches: the one simulated device.
const TARGETED_PROFILES: u64 = 1;

/// Starts an audience execution now: its push reaches the device.
pub(crate) fn run(
    state: &mut State,
    settings: &MockSettings,
    execution_id: String,
    campaign_id: &str,
    audience_id: &str,
    push: Option<&Value>,
    at: jiff::Timestamp,
) {
    let campaign = (settings.campaigns.iter())
        .chain(&state.added)
        .find(|c| c.id == campaign_id)
        .cloned();
    if let Some(campaign) = campaign {
        state.device.apply(&campaign, push);
    }
    let text = |key: &str| push?.get(key)?.as_str().map(str::to_string);
    let run = AudienceRun {
        campaign_id: campaign_id.to_string(),
        audience_id: audience_id.to_string(),
        channel: push
            .and_then(|aps| activity_id(aps, CampaignKind::Marketing))
            .map(str::to_string),
        event: text("event"),
        created: at,
    };
    state.audience_runs.insert(execution_id, run);
}

/// Fires every schedule whose time has come, earliest first.
pub(crate) fn fire_due(state: &mut State, settings: &MockSettings, now: jiff::Timestamp) {
    let mut due: Vec<(jiff::Timestamp, String)> = state
        .schedules
        .iter()
        .filter(|(_, s)| s.execution_id.is_none() && s.execute_at <= now)
        .map(|(id, s)| (s.execute_at, id.clone()))
        .collect();
    due.sort();
    for (at, id) in due {
        let execution_id = format!("{id}-RUN");
        let Some(schedule) = state.schedules.get_mut(&id) else {
            continue;
        };
        schedule.execution_id = Some(execution_id.clone());
        let (campaign, audience, push) = (
            schedule.campaign_id.clone(),
            schedule.audience_id.clone(),
            schedule.push.clone(),
        );
        run(
            state,
            settings,
            execution_id,
            &campaign,
            &audience,
            push.as_ref(),
            at,
        );
    }
}

/// `executionStatusResponse` of one execution, with `executionLifecycle` when the channel has
/// had updates or ends.
pub(crate) fn execution_status(
    state: &State,
    settings: &MockSettings,
    id: &str,
    now: jiff::Timestamp,
) -> Option<Value> {
    let (index, _, run) = state.audience_runs.get_full(id)?;
    let done = run.created + settings.faults.execution_delay <= now;
    let mut body = json!({
        "executionId": id,
        "status": if done { "Succeeded" } else { "InProgress" },
        "campaignId": run.campaign_id,
        "audienceId": run.audience_id,
        "createdAt": run.created.to_string(),
    });
    if done {
        body["targetedProfileCount"] = json!(TARGETED_PROFILES);
    }
    // Controls sent on this channel up to this execution.
    let (mut updates, mut ends, mut last) = (0u64, 0u64, None);
    for (_, earlier) in state.audience_runs.iter().take(index + 1) {
        if earlier.campaign_id != run.campaign_id || earlier.channel != run.channel {
            continue;
        }
        match earlier.event.as_deref() {
            Some("update") => updates += 1,
            Some("end") => ends += 1,
            _ => continue,
        }
        last = Some(earlier.created);
    }
    if let Some(last) = last {
        body["executionLifecycle"] = json!({
            "lastControlAt": last.to_string(),
            "controlBreakdown": { "update": updates, "end": ends },
        });
    }
    Some(body)
}

/// `ScheduledExecutionResponse` of one schedule.
pub(crate) fn schedule_status(
    state: &State,
    settings: &MockSettings,
    id: &str,
    now: jiff::Timestamp,
) -> Option<Value> {
    let schedule = state.schedules.get(id)?;
    let mut body = Map::new();
    body.insert("scheduleId".into(), json!(id));
    body.insert("campaignId".into(), json!(schedule.campaign_id));
    body.insert("audience".into(), json!({ "id": schedule.audience_id }));
    body.insert("executeAt".into(), json!(schedule.execute_at.to_string()));
    let status = if schedule.execution_id.is_some() {
        "Triggered"
    } else {
        "Scheduled"
    };
    body.insert("scheduleStatus".into(), json!(status));
    if let Some(details) = schedule
        .execution_id
        .as_deref()
        .and_then(|run| execution_status(state, settings, run, now))
    {
        body.insert("executionDetails".into(), details);
    }
    Some(Value::Object(body))
}

/// Records a schedule and answers as AJO does when it accepts one.
pub(crate) fn schedule(
    state: &mut State,
    settings: &MockSettings,
    schedule_id: String,
    entry: Schedule,
    now: jiff::Timestamp,
) -> Value {
    state.schedules.insert(schedule_id.clone(), entry);
    schedule_status(state, settings, &schedule_id, now).unwrap_or_default()
}

/// `GET /im/executions/audience/{executionId}`.
pub(crate) async fn get_execution(
    Extract(shared): Extract<Arc<Shared>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let not_found = |context: &ErrorContext| {
        let title = "Cannot find the Execution";
        ApiError::ajo(
            StatusCode::NOT_FOUND,
            Code::ExecutionNotFound,
            title,
            context,
        )
    };
    status_call(&shared, &headers, id, execution_status, not_found)
}

/// `GET /im/executions/schedules/{scheduleId}`.
pub(crate) async fn get_schedule(
    Extract(shared): Extract<Arc<Shared>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    status_call(&shared, &headers, id, schedule_status, schedule_not_found)
}

/// A status call: the gateway's checks, due schedules fired, then `status` of the id.
fn status_call(
    shared: &Shared,
    headers: &HeaderMap,
    id: Result<Path<String>, PathRejection>,
    status: fn(&State, &MockSettings, &str, jiff::Timestamp) -> Option<Value>,
    not_found: impl Fn(&ErrorContext) -> ApiError,
) -> Result<Json<Value>, ApiError> {
    let context = checked(shared, headers)?;
    let now = jiff::Timestamp::now();
    let mut state = shared.lock();
    fire_due(&mut state, &shared.settings, now);
    id.ok()
        .and_then(|Path(id)| status(&state, &shared.settings, &id, now))
        .map(Json)
        .ok_or_else(|| not_found(&context))
}

/// `DELETE /im/executions/schedules/{scheduleId}`: only before it fires.
pub(crate) async fn delete_schedule(
    Extract(shared): Extract<Arc<Shared>>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Json<Value>, ApiError> {
    let context = checked(&shared, &headers)?;
    let mut state = shared.lock();
    fire_due(&mut state, &shared.settings, jiff::Timestamp::now());
    let Ok(Path(id)) = id else {
        return Err(schedule_not_found(&context));
    };
    match state.schedules.get(&id) {
        None => Err(schedule_not_found(&context)),
        Some(schedule) if schedule.execution_id.is_some() => Err(ApiError::ajo(
            StatusCode::BAD_REQUEST,
            Code::ScheduleTriggered,
            format!(
                "Schedule {id} was already triggered at {}; it can no longer be deleted",
                schedule.execute_at
            ),
            &context,
        )),
        Some(_) => {
            state.schedules.remove(&id);
            Ok(Json(json!({})))
        }
    }
}

/// The gateway's checks of a status call.
fn checked(shared: &Shared, headers: &HeaderMap) -> Result<ErrorContext, ApiError> {
    authenticate(shared, headers)?;
    let context = ErrorContext::default();
    require_org_and_sandbox(headers, &context)?;
    Ok(context)
}

fn schedule_not_found(context: &ErrorContext) -> ApiError {
    ApiError::ajo(
        StatusCode::NOT_FOUND,
        Code::ScheduleNotFound,
        "Cannot find the Schedule",
        context,
    )
}
