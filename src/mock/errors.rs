//! Error answers in the three shapes a client meets: AJO's `errorResponse`, the Adobe I/O
//! gateway's `{error_code, message}` and IMS's OAuth `{error, error_description}`.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// An error answer, ready to be sent.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    body: Value,
    retry_after: Option<u64>,
}

/// AJO error codes (`MSG-000xxx-<status>`); Adobe publishes no catalogue, these are the mock's.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Code {
    MissingHeader = 1,
    InvalidJson = 2,
    InvalidBody = 3,
    CampaignNotFound = 4,
    WrongEndpoint = 5,
    ExecutionNotFound = 6,
    ScheduleNotFound = 7,
    UnsupportedMediaType = 8,
    BodyTooLarge = 9,
    Injected = 10,
    NotFound = 11,
    MethodNotAllowed = 12,
    ScheduleTriggered = 13,
}

/// `requestId` and `campaignId` echoed in `report.additionalContext`, when known.
#[derive(Debug, Clone, Default)]
pub(crate) struct ErrorContext {
    pub request_id: Option<String>,
    pub campaign_id: Option<String>,
}

impl ApiError {
    /// AJO's `errorResponse`.
    pub fn ajo(
        status: StatusCode,
        code: Code,
        title: impl Into<String>,
        context: &ErrorContext,
    ) -> Self {
        let mut additional = Map::new();
        if let Some(id) = &context.request_id {
            additional.insert("requestId".into(), json!(id));
        }
        if let Some(id) = &context.campaign_id {
            additional.insert("campaignId".into(), json!(id));
        }
        let body = json!({
            "type": format!(
                "https://ns.adobe.com/aep/errors/MSG-{:06}-{}",
                code as u16,
                status.as_u16()
            ),
            "title": title.into(),
            "status": status.as_u16(),
            "report": { "additionalContext": additional },
        });
        ApiError::new(status, body)
    }

    /// The Adobe I/O gateway's shape, e.g. `401013 Oauth token is not valid`.
    pub fn gateway(status: StatusCode, code: &str, message: &str) -> Self {
        ApiError::new(status, json!({ "error_code": code, "message": message }))
    }

    /// IMS's OAuth error shape.
    pub fn ims(status: StatusCode, error: &str, description: &str) -> Self {
        ApiError::new(
            status,
            json!({ "error": error, "error_description": description }),
        )
    }

    /// Adds a `Retry-After` header (seconds).
    pub fn retry_after(mut self, seconds: Option<u64>) -> Self {
        self.retry_after = seconds;
        self
    }

    fn new(status: StatusCode, body: Value) -> Self {
        ApiError {
            status,
            body,
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

/// Any path the mock does not serve.
pub(crate) async fn not_found() -> ApiError {
    ApiError::ajo(
        StatusCode::NOT_FOUND,
        Code::NotFound,
        "No such endpoint",
        &ErrorContext::default(),
    )
}

/// A served path called with the wrong method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::ajo(
        StatusCode::METHOD_NOT_ALLOWED,
        Code::MethodNotAllowed,
        "Method not allowed on this endpoint",
        &ErrorContext::default(),
    )
}
