//! `POST /ims/token/v3`: IMS OAuth server-to-server (`client_credentials`) token issuing.

use super::errors::ApiError;
use super::state::{Shared, Token};
use axum::Json;
use axum::extract::rejection::{FormRejection, QueryRejection};
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

type Params = HashMap<String, String>;

/// Issues a token for valid client credentials. Parameters may come in the form body or the
/// query string, as IMS accepts both; the body wins.
pub(crate) async fn token(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<Params>, QueryRejection>,
    form: Result<Form<Params>, FormRejection>,
) -> Result<Json<Value>, ApiError> {
    let mut params = query.map(|Query(q)| q).unwrap_or_default();
    params.extend(form.map(|Form(f)| f).unwrap_or_default());
    let param = |name: &str| params.get(name).map(String::as_str).unwrap_or("");

    shared.lock().token_requests += 1;
    if param("grant_type") != "client_credentials" {
        return Err(ApiError::ims(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "invalid grant_type parameter",
        ));
    }
    let (client_id, secret) = (param("client_id"), param("client_secret"));
    let (id_ok, secret_ok) = match &shared.settings.credentials {
        Some((id, expected)) => (client_id == id, secret == expected),
        None => (!client_id.is_empty(), !secret.is_empty()),
    };
    if !id_ok {
        return Err(ApiError::ims(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "invalid client_id parameter",
        ));
    }
    if !secret_ok {
        return Err(ApiError::ims(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "invalid client_secret parameter",
        ));
    }
    if param("scope").is_empty() {
        return Err(ApiError::ims(
            StatusCode::BAD_REQUEST,
            "invalid_scope",
            "invalid scope parameter",
        ));
    }

    let ttl = shared.settings.faults.token_ttl;
    let access_token = format!("mock-{}", uuid::Uuid::new_v4().simple());
    let token = Token {
        client_id: client_id.to_string(),
        issued_at: Instant::now(),
    };
    let mut state = shared.lock();
    state.tokens.insert(access_token.clone(), token);
    state.tokens_issued += 1;
    Ok(Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs(),
    })))
}

/// `POST /_mock/expire-tokens`: every issued token stops working.
pub(crate) async fn expire_tokens(State(shared): State<Arc<Shared>>) -> StatusCode {
    shared.lock().tokens.clear();
    StatusCode::NO_CONTENT
}
