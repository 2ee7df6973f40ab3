//! The journal writer: one thread that groups the dispatcher's journal writes into shared
//! transactions (group commit), so journaling every send keeps up with the network.

use super::Progress;
use crate::activity::Endpoint;
use crate::ajo::Answer;
use crate::store::{
    AttemptRecord, Batch, Completion, Dispatched, Known, Push, SendId, SendStatus, Store,
    StoreError,
};
use std::sync::Arc;
use std::sync::mpsc;
use tokio::sync::{mpsc::UnboundedSender, oneshot};

/// The most writes one transaction takes.
const MAX_BATCH: usize = 512;

/// What the dispatcher keeps of a send from its journaling to its completion.
pub(super) struct Sent {
    pub campaign: String,
    pub activity: String,
    /// The event and what it does to the activity once accepted.
    pub push: Push,
    /// The request body as put on the wire, and as journaled.
    pub body: String,
    pub endpoint: Endpoint,
}

/// A send to journal, owned so it can cross to the writer thread.
pub(super) struct PendingSend {
    pub profile: Arc<str>,
    pub sent: Arc<Sent>,
    pub request_id: String,
    pub endpoint: &'static str,
    pub recipient: Option<String>,
    pub now_ms: i64,
}

/// How a send ended, owned; see [`Completion`].
pub(super) struct Finished {
    pub sent: Arc<Sent>,
    /// The attempt that ended it, written with the completion (one write instead of two).
    pub last_attempt: Option<AttemptRecord>,
    pub status: SendStatus,
    /// The last answer, if any; shared with the dispatcher, which reports it once journaled.
    pub answer: Option<Arc<Answer>>,
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

/// What one write of a group returned.
enum Written {
    Begin(Result<SendId, StoreError>),
    Attempt(Result<(), StoreError>),
    Complete(Result<(), StoreError>),
}

/// Writes a group in one transaction, then answers each write.
fn write(store: &Store, group: Vec<Op>) {
    let committed =
        store.batch(|batch| group.iter().map(|op| apply(batch, op)).collect::<Vec<_>>());
    let (results, committed) = match committed {
        Ok(results) => (results, Ok(())),
        Err(error) => (Vec::new(), Err(error)),
    };
    let mut results = results.into_iter();
    for op in group {
        let written = results.next();
        match op {
            Op::Begin(_, answer) => {
                let result = match written {
                    Some(Written::Begin(result)) => result,
                    _ => Err(unwritten(&committed)),
                };
                let _ = answer.send(result);
            }
            Op::Attempt(id, _, events) => {
                let result = match written {
                    Some(Written::Attempt(result)) => result,
                    _ => Err(unwritten(&committed)),
                };
                if let Err(error) = result {
                    let _ = events.send(Progress::JournalFailed {
                        id,
                        error: error.to_string(),
                    });
                }
            }
            Op::Complete(_, done, answer) => {
                let result = match written {
                    Some(Written::Complete(result)) => result,
                    _ => Err(unwritten(&committed)),
                };
                // Let go of the answer first: the dispatcher takes it back once answered.
                drop(done);
                let _ = answer.send(result);
            }
        }
    }
}

/// Why a write has no result: the group did not commit.
fn unwritten(committed: &Result<(), StoreError>) -> StoreError {
    match committed {
        Err(error) => error.clone(),
        Ok(()) => StoreError::from_message("the journal lost a write"),
    }
}

fn apply(batch: &mut Batch<'_>, op: &Op) -> Written {
    match op {
        Op::Begin(send, _) => Written::Begin(batch.begin_dispatched(&Dispatched {
            profile: &send.profile,
            campaign: &send.sent.campaign,
            activity: &send.sent.activity,
            event: send.sent.push.event,
            request_id: &send.request_id,
            endpoint: send.endpoint,
            body: &send.sent.body,
            recipient: send.recipient.as_deref(),
            now_ms: send.now_ms,
        })),
        Op::Attempt(id, attempt, _) => Written::Attempt(batch.record_attempt(*id, attempt)),
        Op::Complete(id, done, _) => Written::Complete(batch.complete_dispatched(
            *id,
            &Completion {
                status: done.status,
                http_status: done.answer.as_ref().map(|a| a.status),
                response_headers: done.answer.as_ref().map_or(&[], |a| &a.headers),
                response_body: done.answer.as_ref().map(|a| a.body.as_str()),
                attempts: done.attempts,
                latency_ms: done.latency_ms,
                execution_id: done.execution_id.as_deref(),
                error: done.error.as_deref(),
                now_ms: done.now_ms,
            },
            done.last_attempt.as_ref(),
            Known {
                campaign: &done.sent.campaign,
                activity: &done.sent.activity,
                push: &done.sent.push,
            },
        )),
    }
}
