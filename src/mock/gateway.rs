//! The checks in front of every AJO call: API key and bearer token (Adobe I/O gateway shape),
//! then the org and sandbox headers (AJO shape).

use super::errors::{ApiError, Code, ErrorContext};
use super::state::Shared;
use axum::http::{HeaderMap, StatusCode, header};

/// A header's value, if present, valid text and not blank.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// Checks `x-api-key` and `Authorization: Bearer`: the token must be one the mock issued, not
/// expired, to the client whose id is the API key.
pub(crate) fn authenticate(shared: &Shared, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(api_key) = header(headers, "x-api-key") else {
        return Err(ApiError::gateway(
            StatusCode::FORBIDDEN,
            "403000",
            "Api Key is required",
        ));
    };
    let invalid_token = || {
        ApiError::gateway(
            StatusCode::UNAUTHORIZED,
            "401013",
            "Oauth token is not valid",
        )
    };
    let token = header(headers, header::AUTHORIZATION.as_str())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(invalid_token)?;
    let ttl = shared.settings.faults.token_ttl;
    let state = shared.lock();
    let issued = state
        .tokens
        .get(token)
        .filter(|t| t.issued_at.elapsed() < ttl)
        .ok_or_else(invalid_token)?;
    if issued.client_id != api_key {
        return Err(ApiError::gateway(
            StatusCode::FORBIDDEN,
            "403003",
            "Api Key is invalid",
        ));
    }
    Ok(())
}

/// Checks that `x-gw-ims-org-id` and `x-sandbox-name` are present.
pub(crate) fn require_org_and_sandbox(
    headers: &HeaderMap,
    context: &ErrorContext,
) -> Result<(), ApiError> {
    for name in ["x-gw-ims-org-id", "x-sandbox-name"] {
        if header(headers, name).is_none() {
            return Err(ApiError::ajo(
                StatusCode::BAD_REQUEST,
                Code::MissingHeader,
                format!("Missing required header {name}"),
                context,
            ));
        }
    }
    Ok(())
}

/// Checks that the body is declared as `application/json` (parameters such as charset allowed).
pub(crate) fn require_json(headers: &HeaderMap, context: &ErrorContext) -> Result<(), ApiError> {
    let is_json = header(headers, header::CONTENT_TYPE.as_str())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::ajo(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType,
            "Content-Type must be application/json",
            context,
        ))
    }
}
