//! The journal writer: one thread that groups the dispatcher's journal writes into shared
//! transactions (group commit), so journaling every send keeps up with the network.

use super::Progress;
use crate::activity::Event;
use crate::store::{
    AttemptRecord, Batch, Completion, NewSend, SendId, SendStatus, Store, StoreError,
};
use serde_json::Value;
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::{mpsc::UnboundedSender, oneshot};

/// The most writes one transaction takes.
const MAX_BATCH: usize = 512;

/// A send to journal, owned so it can cross to the writer thread.
pub(super) struct PendingSend {
    pub profile: String,
    pub campaign: String,
    pub activity: String,
    pub event: Event,
    pub request_id: String,
    pub endpoint: &'static str,
    pub body: Value,
    pub recipient: Option<String>,
    pub now_ms: i64,
}

/// How a send ended, owned; see [`Completion`].
pub(super) struct Finished {
    /// The attempt that ended it, written with the completion (one write instead of two).
    pub last_attempt: Option<AttemptRecord>,
    pub status: SendStatus,
    pub http_status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
    pub attempts: u32,
    pub latency_ms: Option<i64>,
    pub execution_id: Option<String>,
    pub error: Option<String>,
    pub now_ms: i64,
}

enum Op {
    Begin(
        Box<PendingSend>,
        oneshot::Sender<Result<SendId, StoreError>>,
    ),
    Attempt(SendId, AttemptRecord, UnboundedSender<Progress>),
    Complete(
        SendId,
        Box<Finished>,
        oneshot::Sender<Result<(), StoreError>>,
    ),
}

/// A handle on the writer thread; the thread ends when the last handle is dropped.
pub(super) struct Journal {
    ops: mpsc::Sender<Op>,
}

impl Journal {
    pub fn start(store: Arc<Store>) -> Journal {
        let (ops, inbox) = mpsc::channel::<Op>();
        std::thread::Builder::new()
            .name("liveact-journal".into())
            .spawn(move || {
                while let Ok(first) = inbox.recv() {
                    let mut group = vec![first];
                    while group.len() < MAX_BATCH {
                        match inbox.try_recv() {
                            Ok(op) => group.push(op),
                            Err(_) => break,
                        }
                    }
                    write(&store, group);
                }
            })
            .map(|_| ())
            .unwrap_or_else(|e| eprintln!("liveact: cannot start the journal thread: {e}"));
        Journal { ops }
    }

    /// Journals a send as pending; resolves once it is committed.
    pub async fn begin(&self, send: PendingSend) -> Result<SendId, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.ops
            .send(Op::Begin(Box::new(send), reply))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }

    /// Records an attempt; a failure is reported on `events` as [`Progress::JournalFailed`].
    pub fn attempt(&self, id: SendId, attempt: AttemptRecord, events: UnboundedSender<Progress>) {
        let _ = self.ops.send(Op::Attempt(id, attempt, events));
    }

    /// Completes a send; resolves once it is committed.
    pub async fn complete(&self, id: SendId, finished: Finished) -> Result<(), StoreError> {
        let (reply, answer) = oneshot::channel();
        self.ops
            .send(Op::Complete(id, Box::new(finished), reply))
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StoreError {
    StoreError::from_message("the journal writer stopped")
}

enum Reply {
    Begin(
        oneshot::Sender<Result<SendId, StoreError>>,
        Result<SendId, StoreError>,
    ),
    Attempt(SendId, UnboundedSender<Progress>, Result<(), StoreError>),
    Complete(
        oneshot::Sender<Result<(), StoreError>>,
        Result<(), StoreError>,
    ),
}

/// Writes a group in one transaction, then answers each write.
fn write(store: &Store, group: Vec<Op>) {
    let mut replies = Vec::with_capacity(group.len());
    let committed = store.batch(|batch| {
        for op in group {
            replies.push(apply(batch, op));
        }
    });
    for reply in replies {
        match reply {
            Reply::Begin(answer, result) => {
                let _ = answer.send(settle(&committed, result));
            }
            Reply::Attempt(id, events, result) => {
                if let Err(error) = settle(&committed, result) {
                    let _ = events.send(Progress::JournalFailed {
                        id,
                        error: error.to_string(),
                    });
                }
            }
            Reply::Complete(answer, result) => {
                let _ = answer.send(settle(&committed, result));
            }
        }
    }
}

/// One write's result, unless the whole group failed to commit.
fn settle<T>(
    committed: &Result<(), StoreError>,
    result: Result<T, StoreError>,
) -> Result<T, StoreError> {
    match committed {
        Ok(()) => result,
        Err(error) => Err(error.clone()),
    }
}

fn apply(batch: &mut Batch<'_>, op: Op) -> Reply {
    match op {
        Op::Begin(send, answer) => {
            let result = batch.begin_send(&NewSend {
                profile: &send.profile,
                campaign: &send.campaign,
                activity: &send.activity,
                event: send.event,
                request_id: &send.request_id,
                endpoint: send.endpoint,
                body: &send.body,
                recipient: send.recipient.as_deref(),
                dry_run: false,
                now_ms: send.now_ms,
            });
            Reply::Begin(answer, result)
        }
        Op::Attempt(id, attempt, events) => {
            Reply::Attempt(id, events, batch.record_attempt(id, &attempt))
        }
        Op::Complete(id, done, answer) => {
            if let Some(attempt) = &done.last_attempt
                && let Err(error) = batch.record_attempt(id, attempt)
            {
                return Reply::Complete(answer, Err(error));
            }
            let result = batch.complete_send(
                id,
                &Completion {
                    status: done.status,
                    http_status: done.http_status,
                    response_headers: &done.headers,
                    response_body: done.body.as_deref(),
                    attempts: done.attempts,
                    latency_ms: done.latency_ms,
                    execution_id: done.execution_id.as_deref(),
                    error: done.error.as_deref(),
                    now_ms: done.now_ms,
                },
            );
            Reply::Complete(answer, result)
        }
    }
}
