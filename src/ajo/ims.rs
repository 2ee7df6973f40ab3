//! Adobe IMS OAuth server-to-server: one token, cached until shortly before it expires, shared
//! by every concurrent send.

use super::answer::{Answer, CallError};
use super::client::read_answer;
use crate::config::Secret;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// A token is renewed this long before IMS says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(300);

/// Fetches and caches IMS access tokens for one credential.
pub struct TokenCache {
    http: reqwest::Client,
    url: String,
    client_id: Secret,
    client_secret: Secret,
    scopes: String,
    current: Mutex<Option<Cached>>,
    fetches: AtomicU64,
}

struct Cached {
    token: Secret,
    fetched: Instant,
    renew_at: Instant,
}

impl TokenCache {
    pub fn new(
        http: reqwest::Client,
        url: &str,
        client_id: Secret,
        client_secret: Secret,
        scopes: &str,
    ) -> TokenCache {
        TokenCache {
            http,
            url: url.to_string(),
            client_id,
            client_secret,
            scopes: scopes.to_string(),
            current: Mutex::new(None),
            fetches: AtomicU64::new(0),
        }
    }

    /// A valid token: the cached one, or a new one. Concurrent callers wait for one request.
    pub async fn token(&self) -> Result<Secret, CallError> {
        let mut current = self.current.lock().await;
        if let Some(cached) = current.as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let (token, lifetime) = self.fetch().await?;
        let now = Instant::now();
        let renew_at = now + lifetime.saturating_sub(EXPIRY_MARGIN.min(lifetime / 2));
        *current = Some(Cached {
            token: token.clone(),
            fetched: now,
            renew_at,
        });
        Ok(token)
    }

    /// Forgets `used` (AJO refused it) so the next call fetches a new token; a token another
    /// send already renewed is kept.
    pub async fn invalidate(&self, used: &Secret) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| c.token == *used) {
            *current = None;
        }
    }

    /// How long ago the cached token was fetched (`None` before the first).
    pub async fn age(&self) -> Option<Duration> {
        self.current
            .lock()
            .await
            .as_ref()
            .map(|c| c.fetched.elapsed())
    }

    /// How many token requests were made.
    pub fn fetches(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    async fn fetch(&self) -> Result<(Secret, Duration), CallError> {
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.expose()),
            ("client_secret", self.client_secret.expose()),
            ("scope", self.scopes.as_str()),
        ];
        let started = Instant::now();
        let answer = read_answer(self.http.post(&self.url).form(&form), started).await?;
        if !answer.is_success() {
            return Err(CallError::Ims(answer));
        }
        parse_token(&answer).ok_or_else(|| {
            CallError::Ims(Answer {
                status: 502,
                body: "IMS answered without an access_token".into(),
                ..answer
            })
        })
    }
}

fn parse_token(answer: &Answer) -> Option<(Secret, Duration)> {
    let json = answer.json()?;
    let token = json
        .get("access_token")?
        .as_str()
        .filter(|t| !t.is_empty())?;
    let seconds = json
        .get("expires_in")
        .and_then(|e| e.as_u64())
        .unwrap_or(3_600);
    Some((Secret::new(token), Duration::from_secs(seconds)))
}
