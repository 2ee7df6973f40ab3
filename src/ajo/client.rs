//! The AJO execution API client: headers, timeouts, one token refresh on 401.

use super::answer::{Answer, CallError};
use super::ims::TokenCache;
use crate::activity::Endpoint;
use crate::config::Secret;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, Url};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Timeouts of every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub connect: Duration,
    /// The whole call; AJO's own limit is 60 s.
    pub total: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            total: Duration::from_secs(60),
        }
    }
}

/// Where the bearer token comes from.
pub enum Tokens {
    /// A ready token from the profile.
    Fixed(Secret),
    /// IMS client credentials.
    Ims(TokenCache),
}

/// Where to call and as whom.
pub struct Target {
    /// API root, e.g. `https://platform.adobe.io/ajo`.
    pub base_url: String,
    pub org_id: String,
    pub sandbox: String,
    /// Sent as `x-api-key`.
    pub client_id: Secret,
}

/// Calls AJO's execution API.
pub struct AjoClient {
    http: reqwest::Client,
    target: Target,
    tokens: Tokens,
    timeouts: Timeouts,
    /// What every call carries, built once: the key, org and sandbox headers, and the URLs of
    /// the execution endpoints. `None` when the base URL or a header value is invalid: each
    /// call then builds its request and reports the problem.
    prepared: Option<Prepared>,
    /// The headers of a call with a body under the last token used (its `Authorization`
    /// included), so that they are not rebuilt per call.
    headers: Mutex<Option<(Secret, HeaderMap)>>,
}

struct Prepared {
    headers: HeaderMap,
    unitary: Url,
    audience: Url,
}

impl Prepared {
    fn new(target: &Target) -> Option<Prepared> {
        let url =
            |endpoint: Endpoint| Url::parse(&format!("{}{}", target.base_url, endpoint.path()));
        let value = |text: &str| HeaderValue::from_str(text).ok();
        let mut key = value(target.client_id.expose())?;
        key.set_sensitive(true);
        let mut headers = HeaderMap::with_capacity(5);
        headers.insert(HeaderName::from_static("x-api-key"), key);
        headers.insert(
            HeaderName::from_static("x-gw-ims-org-id"),
            value(&target.org_id)?,
        );
        headers.insert(
            HeaderName::from_static("x-sandbox-name"),
            value(&target.sandbox)?,
        );
        Some(Prepared {
            headers,
            unitary: url(Endpoint::Unitary).ok()?,
            audience: url(Endpoint::Audience).ok()?,
        })
    }
}

impl AjoClient {
    /// A client whose tokens come from `ims_url` with the client credentials, or a fixed token.
    pub fn new(target: Target, auth: Auth, timeouts: Timeouts) -> Result<AjoClient, CallError> {
        let http = reqwest::Client::builder()
            .connect_timeout(timeouts.connect)
            .timeout(timeouts.total)
            .pool_max_idle_per_host(64)
            .build()
            .map_err(|e| CallError::Transport(format!("cannot set up HTTP: {e}")))?;
        let tokens = match auth {
            Auth::Token(token) => Tokens::Fixed(token),
            Auth::Ims {
                url,
                client_secret,
                scopes,
            } => Tokens::Ims(TokenCache::new(
                http.clone(),
                &url,
                target.client_id.clone(),
                client_secret,
                &scopes,
            )),
        };
        Ok(AjoClient {
            http,
            prepared: Prepared::new(&target),
            target,
            tokens,
            timeouts,
            headers: Mutex::new(None),
        })
    }

    /// The token cache, when tokens come from IMS.
    pub fn token_cache(&self) -> Option<&TokenCache> {
        match &self.tokens {
            Tokens::Ims(cache) => Some(cache),
            Tokens::Fixed(_) => None,
        }
    }

    /// `POST` a request body to an execution endpoint.
    pub async fn execute(&self, endpoint: Endpoint, body: &[u8]) -> Result<Answer, CallError> {
        self.call(Method::POST, endpoint.path(), Some(body)).await
    }

    /// `GET /im/executions/audience/{executionId}`.
    pub async fn audience_status(&self, execution_id: &str) -> Result<Answer, CallError> {
        let path = format!("/im/executions/audience/{}", encode(execution_id));
        self.call(Method::GET, &path, None).await
    }

    /// `GET /im/executions/schedules/{scheduleId}`.
    pub async fn schedule(&self, schedule_id: &str) -> Result<Answer, CallError> {
        let path = format!("/im/executions/schedules/{}", encode(schedule_id));
        self.call(Method::GET, &path, None).await
    }

    /// `DELETE /im/executions/schedules/{scheduleId}`.
    pub async fn cancel_schedule(&self, schedule_id: &str) -> Result<Answer, CallError> {
        let path = format!("/im/executions/schedules/{}", encode(schedule_id));
        self.call(Method::DELETE, &path, None).await
    }

    /// One call; on 401 with IMS tokens, one new token and one more try.
    async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
    ) -> Result<Answer, CallError> {
        let token = self.token().await?;
        let answer = self.once(method.clone(), path, body, &token).await?;
        match &self.tokens {
            Tokens::Ims(cache) if answer.status == 401 => {
                cache.invalidate(&token).await;
                let fresh = cache.token().await?;
                self.once(method, path, body, &fresh).await
            }
            _ => Ok(answer),
        }
    }

    async fn token(&self) -> Result<Secret, CallError> {
        match &self.tokens {
            Tokens::Fixed(token) => Ok(token.clone()),
            Tokens::Ims(cache) => cache.token().await,
        }
    }

    async fn once(
        &self,
        method: Method,
        path: &str,
        body: Option<&[u8]>,
        token: &Secret,
    ) -> Result<Answer, CallError> {
        let request = match (&self.prepared, self.headers(token)) {
            (Some(prepared), Some(headers)) => {
                let url = match path {
                    p if p == Endpoint::Unitary.path() => prepared.unitary.clone(),
                    p if p == Endpoint::Audience.path() => prepared.audience.clone(),
                    _ => Url::parse(&format!("{}{path}", self.target.base_url))
                        .map_err(|e| CallError::Transport(format!("invalid URL: {e}")))?,
                };
                let mut request = reqwest::Request::new(method, url);
                *request.headers_mut() = headers;
                match body {
                    Some(body) => *request.body_mut() = Some(body.to_vec().into()),
                    None => drop(request.headers_mut().remove(CONTENT_TYPE)),
                }
                reqwest::RequestBuilder::from_parts(self.http.clone(), request)
            }
            // A value that cannot be a header, or a base URL that does not parse: the
            // builder reports it as the call's error.
            _ => {
                let url = format!("{}{path}", self.target.base_url);
                let mut request = self
                    .http
                    .request(method, url)
                    .bearer_auth(token.expose())
                    .header("x-api-key", self.target.client_id.expose())
                    .header("x-gw-ims-org-id", &self.target.org_id)
                    .header("x-sandbox-name", &self.target.sandbox);
                if let Some(body) = body {
                    request = request
                        .header("content-type", "application/json")
                        .body(body.to_vec());
                }
                request
            }
        };
        read_answer(request, Instant::now())
            .await
            .map_err(|e| match e {
                CallError::Timeout(_) => CallError::Timeout(self.timeouts.total),
                other => other,
            })
    }

    /// The headers of a call with a JSON body under `token`, reused while the token is;
    /// `None` when something cannot be a header value.
    fn headers(&self, token: &Secret) -> Option<HeaderMap> {
        let prepared = self.prepared.as_ref()?;
        let mut last = self.headers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((used, headers)) = last.as_ref()
            && used == token
        {
            return Some(headers.clone());
        }
        let mut bearer = HeaderValue::from_str(&format!("Bearer {}", token.expose())).ok()?;
        bearer.set_sensitive(true);
        let mut headers = prepared.headers.clone();
        headers.insert(AUTHORIZATION, bearer);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        *last = Some((token.clone(), headers.clone()));
        Some(headers)
    }
}

/// How an [`AjoClient`] authenticates.
pub enum Auth {
    Token(Secret),
    Ims {
        url: String,
        client_secret: Secret,
        scopes: String,
    },
}

/// Sends a request and reads the whole answer, naming the fault when there is none.
pub(super) async fn read_answer(
    request: reqwest::RequestBuilder,
    started: Instant,
) -> Result<Answer, CallError> {
    let response = request.send().await.map_err(fault)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_string(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body = response.text().await.map_err(fault)?;
    Ok(Answer {
        status,
        headers,
        body,
        latency: started.elapsed(),
    })
}

fn fault(error: reqwest::Error) -> CallError {
    if error.is_timeout() {
        CallError::Timeout(Duration::ZERO)
    } else if error.is_connect() {
        CallError::Connect(root_cause(&error))
    } else {
        CallError::Transport(root_cause(&error))
    }
}

/// The innermost error's text ("Connection refused (os error 111)"), without the URL.
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut source = error;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

/// Percent-encodes an id for a URL path segment.
fn encode(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
