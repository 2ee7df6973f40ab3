//! Background sending: bounded concurrency, an even rate limit, per-activity order, retries
//! that keep the same `requestId`, cancellation, and progress events for the UI and the CLI.
//!
//! Every send is journaled before it leaves and completed when it answers.

pub mod follow;
mod journal;
mod rate;
mod retry;

pub use follow::{FollowPolicy, Followed};
pub use rate::RateLimiter;
pub use retry::RetryPolicy;

use crate::activity::{Endpoint, Event};
use crate::ajo::{AjoClient, Answer, CallError, ScheduleReport};
use crate::store::{AttemptRecord, Push, SendId, SendStatus, Store, StoreError};
use journal::{Finished, Journal, PendingSend, Sent};
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::{Semaphore, mpsc, watch};

/// How the dispatcher paces and retries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Calls in flight at once.
    pub concurrency: usize,
    /// Call starts per second (`None`: no limit).
    pub rate_per_second: Option<f64>,
    pub retry: RetryPolicy,
    /// Follow accepted broadcasts (their schedule, then their execution) until they end;
    /// `None`: only record what the answer said.
    pub follow: Option<FollowPolicy>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            concurrency: 4,
            rate_per_second: Some(10.0),
            retry: RetryPolicy::default(),
            follow: None,
        }
    }
}

/// One request to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Campaign name.
    pub campaign: String,
    pub activity: String,
    pub event: Event,
    pub endpoint: Endpoint,
    pub request_id: String,
    pub body: serde_json::Value,
    /// `user (namespace)` or the audience id, for the journal.
    pub recipient: Option<String>,
}

/// How a send ended when the server answered it for good.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 2xx.
    Accepted(Answer),
    /// A 4xx (or 3xx) that another try would not change.
    Rejected(Answer),
}

/// Progress of one send, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    Queued {
        id: SendId,
    },
    AttemptStarted {
        id: SendId,
        attempt: u32,
    },
    Answered {
        id: SendId,
        attempt: u32,
        status: u16,
        latency: Duration,
    },
    /// An attempt that got no HTTP answer (timeout, refused connection, IMS refusal).
    Unanswered {
        id: SendId,
        attempt: u32,
        error: String,
    },
    RetryScheduled {
        id: SendId,
        attempt: u32,
        delay: Duration,
        reason: String,
    },
    /// The server answered for good; `total` runs from the first attempt to the answer.
    Done {
        id: SendId,
        attempts: u32,
        total: Duration,
        outcome: Outcome,
    },
    /// Gave up after faults (network, timeouts, 429/5xx).
    Failed {
        id: SendId,
        attempts: u32,
        reason: String,
        last: Option<Answer>,
    },
    Cancelled {
        id: SendId,
        in_flight: bool,
    },
    /// The send happened but its journal entry could not be completed.
    JournalFailed {
        id: SendId,
        error: String,
    },
    /// News of an accepted broadcast: its schedule, or its execution's status (after `Done`).
    Followed {
        id: SendId,
        followed: Followed,
    },
    /// Following a broadcast ended without a final status.
    FollowStopped {
        id: SendId,
        reason: String,
    },
    /// AJO did not delete the broadcast's schedule (it fired already, or is unknown).
    ScheduleNotCancelled {
        id: SendId,
        reason: String,
    },
}

impl Progress {
    /// The send this event is about.
    pub fn id(&self) -> SendId {
        match self {
            Progress::Queued { id }
            | Progress::AttemptStarted { id, .. }
            | Progress::Answered { id, .. }
            | Progress::Unanswered { id, .. }
            | Progress::RetryScheduled { id, .. }
            | Progress::Done { id, .. }
            | Progress::Failed { id, .. }
            | Progress::Cancelled { id, .. }
            | Progress::JournalFailed { id, .. }
            | Progress::Followed { id, .. }
            | Progress::FollowStopped { id, .. }
            | Progress::ScheduleNotCancelled { id, .. } => *id,
        }
    }

    /// True for the event that ends a send (a broadcast may still be followed after it).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            Progress::Done { .. } | Progress::Failed { .. } | Progress::Cancelled { .. }
        )
    }
}

/// Sends in the background. Cheap to clone; every clone feeds the same queues.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

struct Inner {
    client: AjoClient,
    store: Arc<Store>,
    follow: Option<FollowPolicy>,
    /// Broadcasts being followed, to stop when their schedule is cancelled.
    follows: Mutex<HashMap<SendId, tokio::task::AbortHandle>>,
    journal: Journal,
    profile: Arc<str>,
    retry: RetryPolicy,
    limiter: Option<RateLimiter>,
    permits: Semaphore,
    /// Waiting sends per activity; a key is present while a worker serves that activity.
    queues: Mutex<HashMap<String, VecDeque<Job>>>,
    cancels: Mutex<HashMap<SendId, watch::Sender<bool>>>,
    events: mpsc::UnboundedSender<Progress>,
    /// The length of the last serialised body.
    body_size: AtomicUsize,
}

struct Job {
    id: SendId,
    sent: Arc<Sent>,
    cancel: watch::Receiver<bool>,
}

impl Dispatcher {
    /// A dispatcher sending with `client` and journaling in `store` under `profile`'s name.
    /// Must be created inside a tokio runtime.
    pub fn new(
        client: AjoClient,
        store: Arc<Store>,
        profile: &str,
        settings: Settings,
    ) -> (Dispatcher, mpsc::UnboundedReceiver<Progress>) {
        let (events, receiver) = mpsc::unbounded_channel();
        let inner = Inner {
            client,
            journal: Journal::start(Arc::clone(&store)),
            store,
            follow: settings.follow,
            follows: Mutex::new(HashMap::new()),
            profile: profile.into(),
            retry: settings.retry,
            limiter: settings.rate_per_second.map(RateLimiter::new),
            permits: Semaphore::new(settings.concurrency.max(1)),
            queues: Mutex::new(HashMap::new()),
            cancels: Mutex::new(HashMap::new()),
            events,
            body_size: AtomicUsize::new(0),
        };
        (
            Dispatcher {
                inner: Arc::new(inner),
            },
            receiver,
        )
    }

    /// Whether accepted broadcasts are followed until they end.
    pub fn follows(&self) -> bool {
        self.inner.follow.is_some()
    }

    /// The client, for status calls and the token's age.
    pub fn client(&self) -> &AjoClient {
        &self.inner.client
    }

    /// Journals the send as pending and queues it behind earlier sends to the same activity.
    /// Nothing is sent when the journal cannot be written.
    pub async fn submit(&self, send: Outgoing) -> Result<SendId, StoreError> {
        let inner = &self.inner;
        let key = format!("{}\u{0}{}", send.campaign, send.activity);
        // Serialised once: the journal keeps the very text that goes on the wire.
        let sent = Arc::new(Sent {
            push: Push::read(send.event, &send.body),
            body: inner.serialize(&send.body),
            endpoint: send.endpoint,
            campaign: send.campaign,
            activity: send.activity,
        });
        let id = inner
            .journal
            .begin(PendingSend {
                profile: Arc::clone(&inner.profile),
                sent: Arc::clone(&sent),
                request_id: send.request_id,
                endpoint: send.endpoint.path(),
                recipient: send.recipient,
                now_ms: now_ms(),
            })
            .await?;
        let (cancel_tx, cancel) = watch::channel(false);
        lock(&inner.cancels).insert(id, cancel_tx);
        let _ = inner.events.send(Progress::Queued { id });
        let job = Job { id, sent, cancel };
        let start_worker = {
            let mut queues = lock(&inner.queues);
            match queues.get_mut(&key) {
                Some(queue) => {
                    queue.push_back(job);
                    false
                }
                None => {
                    queues.insert(key.clone(), VecDeque::from([job]));
                    true
                }
            }
        };
        if start_worker {
            let inner = Arc::clone(&self.inner);
            tokio::spawn(inner.serve(key));
        }
        Ok(id)
    }

    /// Deletes the schedule broadcast `id` created, in the background, and stops following
    /// it: reported as [`Progress::Followed`] (status `Cancelled`) or
    /// [`Progress::ScheduleNotCancelled`].
    pub fn cancel_schedule(&self, id: SendId, schedule_id: String) {
        let inner = Arc::clone(&self.inner);
        tokio::spawn(async move {
            let event = match follow::cancel(&inner.client, &inner.store, &schedule_id).await {
                Ok(cancelled) => {
                    if let Some(task) = lock(&inner.follows).remove(&id) {
                        task.abort();
                    }
                    if let Some(error) = cancelled.unrecorded {
                        let _ = inner.events.send(Progress::JournalFailed { id, error });
                    }
                    let followed = Followed::Schedule(cancelled.report);
                    Progress::Followed { id, followed }
                }
                Err(error) => {
                    let reason = format!("schedule {schedule_id} not cancelled: {error}");
                    Progress::ScheduleNotCancelled { id, reason }
                }
            };
            let _ = inner.events.send(event);
        });
    }

    /// Cancels a queued or in-flight send; false when it already finished.
    pub fn cancel(&self, id: SendId) -> bool {
        match lock(&self.inner.cancels).get(&id) {
            Some(cancel) => cancel.send(true).is_ok(),
            None => false,
        }
    }
}

impl Inner {
    /// The body as compact JSON, in a buffer sized like the previous one (bodies of a run
    /// are alike: no regrowing from a small buffer on every send).
    fn serialize(&self, body: &serde_json::Value) -> String {
        let mut text = Vec::with_capacity(self.body_size.load(Ordering::Relaxed));
        if serde_json::to_writer(&mut text, body).is_err() {
            text.clear();
        }
        self.body_size.store(text.len(), Ordering::Relaxed);
        // serde_json writes UTF-8 only.
        String::from_utf8(text).unwrap_or_default()
    }

    /// Sends one activity's queue in order, then retires.
    async fn serve(self: Arc<Self>, key: String) {
        loop {
            let job = {
                let mut queues = lock(&self.queues);
                match queues.get_mut(&key).and_then(VecDeque::pop_front) {
                    Some(job) => job,
                    None => {
                        queues.remove(&key);
                        return;
                    }
                }
            };
            let id = job.id;
            self.send(job).await;
            lock(&self.cancels).remove(&id);
        }
    }

    async fn send(self: &Arc<Self>, mut job: Job) {
        let id = job.id;
        let first_start = Instant::now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let ready = async {
                if let Some(limiter) = &self.limiter {
                    limiter.acquire().await;
                }
                self.permits.acquire().await
            };
            // Cancellation wins over a free slot: a cancelled send never starts.
            let permit = tokio::select! {
                biased;
                () = until_cancelled(&mut job.cancel) => return self.cancelled(&job.sent, id, attempt - 1, false).await,
                permit = ready => permit,
            };
            let _ = self.events.send(Progress::AttemptStarted { id, attempt });
            let started_ms = now_ms();
            let result = tokio::select! {
                biased;
                () = until_cancelled(&mut job.cancel) => return self.cancelled(&job.sent, id, attempt, true).await,
                result = self.client.execute(job.sent.endpoint, job.sent.body.as_bytes()) => result,
            };
            drop(permit);
            let delay = (retryable(&result) && attempt < self.retry.max_attempts)
                .then(|| self.retry.delay(attempt, retry_after(&result)))
                .flatten();
            let mut record = AttemptRecord {
                number: attempt,
                started_ms,
                latency_ms: None,
                http_status: None,
                error: None,
                retry_in_ms: delay.map(|d| d.as_millis() as i64),
            };
            match &result {
                Ok(answer) => {
                    record.latency_ms = Some(answer.latency.as_millis() as i64);
                    record.http_status = Some(answer.status);
                    let _ = self.events.send(Progress::Answered {
                        id,
                        attempt,
                        status: answer.status,
                        latency: answer.latency,
                    });
                }
                Err(error) => {
                    record.error = Some(error.to_string());
                    let _ = self.events.send(Progress::Unanswered {
                        id,
                        attempt,
                        error: error.to_string(),
                    });
                }
            }
            if let Some(delay) = delay {
                self.journal.attempt(id, record, self.events.clone());
                let reason = match &result {
                    Ok(answer) => format!(
                        "{} {}",
                        answer.status,
                        crate::ajo::problem::reason(answer.status)
                    ),
                    Err(error) => error.to_string(),
                };
                let _ = self.events.send(Progress::RetryScheduled {
                    id,
                    attempt,
                    delay,
                    reason,
                });
                tokio::select! {
                    () = tokio::time::sleep(delay) => continue,
                    () = until_cancelled(&mut job.cancel) => return self.cancelled(&job.sent, id, attempt, false).await,
                }
            }
            return self
                .finish(
                    &job.sent,
                    id,
                    attempt,
                    first_start.elapsed(),
                    result,
                    record,
                )
                .await;
        }
    }

    /// Journals and reports the final state of a send.
    async fn finish(
        self: &Arc<Self>,
        sent: &Arc<Sent>,
        id: SendId,
        attempts: u32,
        total: Duration,
        result: Result<Answer, CallError>,
        last_attempt: AttemptRecord,
    ) {
        let latency_ms = Some(total.as_millis() as i64);
        let (retryable, retry_after) = (retryable(&result), retry_after(&result));
        let (answer, reason) = match result {
            Ok(answer) => (answer, None),
            Err(CallError::Ims(answer)) => {
                (answer, Some("IMS refused the token request".to_string()))
            }
            Err(error) => {
                let reason = format!("gave up after {attempts} attempt(s): {error}");
                let done = Finished {
                    sent: Arc::clone(sent),
                    last_attempt: Some(last_attempt),
                    status: SendStatus::Failed,
                    answer: None,
                    attempts,
                    latency_ms,
                    execution_id: None,
                    error: Some(reason.clone()),
                    now_ms: now_ms(),
                };
                self.complete(id, done).await;
                let _ = self.events.send(Progress::Failed {
                    id,
                    attempts,
                    reason,
                    last: None,
                });
                return;
            }
        };
        let status = if answer.is_success() {
            SendStatus::Accepted
        } else if retryable {
            SendStatus::Failed
        } else {
            SendStatus::Rejected
        };
        let error = match status {
            SendStatus::Accepted => None,
            _ => Some(reason.unwrap_or_else(|| {
                crate::ajo::problem::describe(answer.status, &answer.body).title
            })),
        };
        let execution_id = answer.field("executionId");
        let answer = Arc::new(answer);
        let done = Finished {
            sent: Arc::clone(sent),
            last_attempt: Some(last_attempt),
            status,
            answer: Some(Arc::clone(&answer)),
            attempts,
            latency_ms,
            execution_id,
            error,
            now_ms: now_ms(),
        };
        self.complete(id, done).await;
        // The journal has let go of it by now (a clone otherwise).
        let answer = Arc::try_unwrap(answer).unwrap_or_else(|shared| (*shared).clone());
        let broadcast = (status == SendStatus::Accepted && sent.endpoint == Endpoint::Audience)
            .then(|| {
                (
                    ScheduleReport::read(&answer.body),
                    answer.field("executionId"),
                )
            });
        // Journaled before `Done` goes out: whoever reads the journal then finds it.
        if let Some((schedule, execution)) = &broadcast {
            self.record_run(id, schedule.clone(), execution.clone())
                .await;
        }
        let event = match status {
            SendStatus::Accepted => Progress::Done {
                id,
                attempts,
                total,
                outcome: Outcome::Accepted(answer),
            },
            SendStatus::Rejected => Progress::Done {
                id,
                attempts,
                total,
                outcome: Outcome::Rejected(answer),
            },
            _ => {
                let waited = retry_after
                    .filter(|after| *after > self.retry.max_retry_after)
                    .map(|after| format!("; the server asked to wait {} s", after.as_secs()))
                    .unwrap_or_default();
                let reason = format!(
                    "gave up after {attempts} attempt(s): {} {}{waited}",
                    answer.status,
                    crate::ajo::problem::reason(answer.status)
                );
                Progress::Failed {
                    id,
                    attempts,
                    reason,
                    last: Some(answer),
                }
            }
        };
        let _ = self.events.send(event);
        if let Some((schedule, execution)) = broadcast {
            if let Some(schedule) = &schedule {
                let followed = Followed::Schedule(schedule.clone());
                let _ = self.events.send(Progress::Followed { id, followed });
            }
            if let Some(policy) = self.follow {
                let inner = Arc::clone(self);
                // Held while spawning, so the task cannot remove its entry before it is in.
                let mut follows = lock(&self.follows);
                let task = tokio::spawn(async move {
                    inner.follow_run(id, schedule, execution, policy).await;
                    lock(&inner.follows).remove(&id);
                });
                follows.insert(id, task.abort_handle());
            }
        }
    }

    /// Journals what an accepted broadcast's answer said: the schedule it created, or the
    /// execution it started.
    async fn record_run(
        &self,
        id: SendId,
        schedule: Option<ScheduleReport>,
        execution: Option<String>,
    ) {
        if schedule.is_none() && execution.is_none() {
            return;
        }
        let store = Arc::clone(&self.store);
        let tracked = tokio::task::spawn_blocking(move || {
            store.track_run(id, schedule.as_ref(), execution.as_deref())
        })
        .await;
        let error = match tracked {
            Ok(Ok(())) => return,
            Ok(Err(error)) => error.to_string(),
            Err(error) => error.to_string(),
        };
        let _ = self.events.send(Progress::JournalFailed { id, error });
    }

    /// Polls a broadcast's schedule or execution, journaling and reporting each change.
    async fn follow_run(
        &self,
        id: SendId,
        schedule: Option<ScheduleReport>,
        execution: Option<String>,
        policy: FollowPolicy,
    ) {
        let seen = |followed: &Followed| {
            let recorded = match followed {
                Followed::Schedule(report) => self.store.schedule_reported(report),
                Followed::Execution(report) => {
                    let run = report.execution_id.as_deref().unwrap_or_default();
                    self.store.execution_reported(run, report)
                }
            };
            if let Err(error) = recorded {
                let error = error.to_string();
                let _ = self.events.send(Progress::JournalFailed { id, error });
            }
            let followed = followed.clone();
            let _ = self.events.send(Progress::Followed { id, followed });
        };
        let result = match (schedule, execution) {
            (Some(schedule), _) => follow::schedule(&self.client, &schedule, &policy, seen).await,
            (None, Some(run)) => follow::execution(&self.client, &run, &policy, seen).await,
            (None, None) => return,
        };
        if let Err(error) = result {
            let reason = error.to_string();
            let _ = self.events.send(Progress::FollowStopped { id, reason });
        }
    }

    async fn cancelled(&self, sent: &Arc<Sent>, id: SendId, attempts: u32, in_flight: bool) {
        let note = if in_flight {
            "cancelled while in flight: AJO may have received it"
        } else {
            "cancelled before it was sent"
        };
        let done = Finished {
            sent: Arc::clone(sent),
            last_attempt: None,
            status: SendStatus::Cancelled,
            answer: None,
            attempts,
            latency_ms: None,
            execution_id: None,
            error: Some(note.into()),
            now_ms: now_ms(),
        };
        self.complete(id, done).await;
        let _ = self.events.send(Progress::Cancelled { id, in_flight });
    }

    /// Completes a send in the journal (committed before the final event goes out).
    async fn complete(&self, id: SendId, done: Finished) {
        if let Err(error) = self.journal.complete(id, done).await {
            let _ = self.events.send(Progress::JournalFailed {
                id,
                error: error.to_string(),
            });
        }
    }
}

/// Whether another attempt could change the outcome: 429, 5xx and network faults.
fn retryable(result: &Result<Answer, CallError>) -> bool {
    match result {
        Ok(answer) => answer.is_retryable(),
        Err(error) => error.is_retryable(),
    }
}

/// How long the server asked to wait, if it did.
fn retry_after(result: &Result<Answer, CallError>) -> Option<Duration> {
    match result {
        Ok(answer) | Err(CallError::Ims(answer)) => answer.retry_after(),
        Err(_) => None,
    }
}

/// Resolves once the send is cancelled (never, if its handle is gone).
async fn until_cancelled(cancel: &mut watch::Receiver<bool>) {
    if cancel.wait_for(|c| *c).await.is_err() {
        std::future::pending::<()>().await;
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Milliseconds since the Unix epoch, for the journal.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}
