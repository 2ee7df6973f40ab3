//! AJO's Interactive Message Execution endpoints: unitary and audience executions, run now or
//! scheduled, with fault injection. What becomes of them afterwards is in `runs`.

use super::contract;
use super::device::activity_id;
use super::errors::{ApiError, Code, ErrorContext};
use super::gateway::{authenticate, require_json, require_org_and_sandbox};
use super::runs;
use super::state::{ExecutionLog, Schedule, Shared};
use crate::activity::Endpoint;
use crate::config::{Campaign, CampaignKind};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::borrow::Cow;
use std::sync::Arc;

/// Largest request body accepted, in bytes.
pub(crate) const MAX_BODY: usize = 1024 * 1024;

/// `POST /im/executions/unitary`.
pub(crate) async fn unitary(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    execute(&shared, Endpoint::Unitary, &headers, body).await
}

/// `POST /im/executions/audience`.
pub(crate) async fn audience(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    execute(&shared, Endpoint::Audience, &headers, body).await
}

/// Authenticates, logs the call for `/_mock/stats`, answers it and logs the status.
async fn execute(
    shared: &Shared,
    endpoint: Endpoint,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let received_at_ms = jiff::Timestamp::now().as_millisecond();
    if let Err(refused) = authenticate(shared, headers) {
        return refused.into_response();
    }
    let json = body.map(|bytes| serde_json::from_slice::<Value>(&bytes));
    let seq = {
        let mut state = shared.lock();
        let seq = state.executions.len() as u64 + 1;
        let parsed = match &json {
            Ok(Ok(value)) => Some(value),
            _ => None,
        };
        state
            .executions
            .push(log_line(seq, endpoint, parsed, received_at_ms));
        seq
    };
    let response = match answer(shared, endpoint, headers, json, seq).await {
        Ok(accepted) => (StatusCode::ACCEPTED, Json(accepted)).into_response(),
        Err(refused) => refused.into_response(),
    };
    if let Some(line) = shared.lock().executions.get_mut(seq as usize - 1) {
        line.status = Some(response.status().as_u16());
    }
    response
}

/// Faults first, then the contract, then the campaign; an accepted push reaches the device.
async fn answer(
    shared: &Shared,
    endpoint: Endpoint,
    headers: &HeaderMap,
    json: Result<serde_json::Result<Value>, BytesRejection>,
    seq: u64,
) -> Result<Value, ApiError> {
    let context = match &json {
        Ok(Ok(body)) => error_context(body),
        _ => ErrorContext::default(),
    };
    inject_faults(shared, seq, &context).await?;
    require_org_and_sandbox(headers, &context)?;
    require_json(headers, &context)?;
    let body = match json {
        Ok(Ok(body)) => body,
        Ok(Err(e)) => {
            return Err(ApiError::ajo(
                StatusCode::BAD_REQUEST,
                Code::InvalidJson,
                format!("The request body is not valid JSON: {e}"),
                &context,
            ));
        }
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(ApiError::ajo(
                StatusCode::PAYLOAD_TOO_LARGE,
                Code::BodyTooLarge,
                format!("The request body is larger than {MAX_BODY} bytes"),
                &context,
            ));
        }
        Err(rejection) => {
            return Err(ApiError::ajo(
                StatusCode::BAD_REQUEST,
                Code::InvalidBody,
                rejection.body_text(),
                &context,
            ));
        }
    };
    let refused =
        |title| ApiError::ajo(StatusCode::BAD_REQUEST, Code::InvalidBody, title, &context);
    let execution_id = format!("MOCK-{seq}");
    let now = jiff::Timestamp::now();
    let request_id = match endpoint {
        Endpoint::Unitary => {
            let call = contract::unitary(&body).map_err(refused)?;
            let campaign = campaign(
                shared,
                call.campaign_id,
                CampaignKind::Transactional,
                &context,
            )?;
            let mut state = shared.lock();
            for (i, push) in call.pushes.iter().enumerate() {
                // One device per activity: recipients carrying the same push count once.
                if !call.pushes[..i].contains(push) {
                    state.device.apply(&campaign, *push);
                }
            }
            Some(call.request_id)
        }
        Endpoint::Audience => {
            let call = contract::audience(&body).map_err(refused)?;
            campaign(shared, call.campaign_id, CampaignKind::Marketing, &context)?;
            let settings = &shared.settings;
            let mut state = shared.lock();
            runs::fire_due(&mut state, settings, now);
            if let Some(at) = call.execute_at {
                if at <= now {
                    return Err(refused(format!(
                        "schedule.executeAt {at} is in the past; schedule a time to come, or drop `schedule` to run now"
                    )));
                }
                let entry = Schedule {
                    campaign_id: call.campaign_id.to_string(),
                    audience_id: call.audience_id.to_string(),
                    execute_at: at,
                    push: call.push.cloned(),
                    execution_id: None,
                };
                let id = format!("MOCK-SCHEDULE-{seq}");
                let mut answer = runs::schedule(&mut state, settings, id, entry, now);
                answer["requestId"] = json!(call.request_id);
                return Ok(answer);
            }
            let (campaign_id, audience_id) = (call.campaign_id, call.audience_id);
            let id = execution_id.clone();
            runs::run(
                &mut state,
                settings,
                id,
                campaign_id,
                audience_id,
                call.push,
                now,
            );
            call.request_id
        }
    };
    Ok(json!({
        "executionId": execution_id,
        "requestId": request_id,
        "createdAt": now.to_string(),
    }))
}

/// Latency, then an injected status (the first `status_count` calls), then random failures.
async fn inject_faults(shared: &Shared, seq: u64, context: &ErrorContext) -> Result<(), ApiError> {
    let faults = &shared.settings.faults;
    if !faults.latency.is_zero() {
        tokio::time::sleep(faults.latency).await;
    }
    if let Some(status) = faults.status
        && faults.status_count.is_none_or(|n| seq <= u64::from(n))
    {
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let error = match status {
            StatusCode::TOO_MANY_REQUESTS => {
                ApiError::gateway(status, "429050", "Too many requests")
            }
            StatusCode::UNAUTHORIZED => {
                ApiError::gateway(status, "401013", "Oauth token is not valid")
            }
            StatusCode::FORBIDDEN => ApiError::gateway(status, "403003", "Api Key is invalid"),
            _ => ApiError::ajo(
                status,
                Code::Injected,
                status.canonical_reason().unwrap_or("An error has occurred"),
                context,
            ),
        };
        return Err(error.retry_after(faults.retry_after));
    }
    if fastrand::f64() < faults.fail_rate {
        return Err(ApiError::ajo(
            StatusCode::INTERNAL_SERVER_ERROR,
            Code::Injected,
            "An error has occurred",
            context,
        ));
    }
    Ok(())
}

/// The configured campaign with this id, used on the endpoint of its kind.
fn campaign<'a>(
    shared: &'a Shared,
    id: &str,
    kind: CampaignKind,
    context: &ErrorContext,
) -> Result<Cow<'a, Campaign>, ApiError> {
    let campaign = shared.campaign(id).ok_or_else(|| {
        ApiError::ajo(
            StatusCode::NOT_FOUND,
            Code::CampaignNotFound,
            "Cannot find the Campaign",
            context,
        )
    })?;
    if campaign.kind != kind {
        let (endpoint, expected) = match campaign.kind {
            CampaignKind::Transactional => ("unitary", "transactional"),
            CampaignKind::Marketing => ("audience", "marketing"),
        };
        return Err(ApiError::ajo(
            StatusCode::BAD_REQUEST,
            Code::WrongEndpoint,
            format!(
                "Campaign {id} is {}; a {expected} campaign is triggered with /im/executions/{endpoint}",
                campaign.kind
            ),
            context,
        ));
    }
    Ok(campaign)
}

/// `requestId` and `campaignId` of a body, read leniently for error reports.
fn error_context(body: &Value) -> ErrorContext {
    let text = |key: &str| body.get(key).and_then(Value::as_str).map(str::to_string);
    ErrorContext {
        request_id: text("requestId"),
        campaign_id: text("campaignId"),
    }
}

/// The stats line of a call, read leniently from whatever body arrived.
fn log_line(
    seq: u64,
    endpoint: Endpoint,
    body: Option<&Value>,
    received_at_ms: i64,
) -> ExecutionLog {
    let context = body.map(error_context).unwrap_or_default();
    let (aps, kind) = match endpoint {
        Endpoint::Unitary => (
            body.and_then(|b| b.get("recipients"))
                .and_then(|r| r.get(0))
                .and_then(|r| contract::push(r.get("context"))),
            CampaignKind::Transactional,
        ),
        Endpoint::Audience => (
            body.and_then(|b| contract::push(b.get("context"))),
            CampaignKind::Marketing,
        ),
    };
    ExecutionLog {
        seq,
        request_id: context.request_id,
        campaign_id: context.campaign_id,
        activity: aps
            .and_then(|aps| activity_id(aps, kind))
            .map(str::to_string),
        event: aps
            .and_then(|aps| aps.get("event"))
            .and_then(Value::as_str)
            .map(str::to_string),
        status: None,
        received_at_ms,
    }
}
