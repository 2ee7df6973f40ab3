//! The console's state and its pure `update`: every key and every dispatcher event becomes a
//! change of state and a list of commands for the event loop to run.

use super::form::{Form, Input, Section, line};
use super::preview::{self, Preview};
use crate::activity::{ActivityHistory, Event, Lifecycle, Severity};
use crate::ajo::import::Imported;
use crate::ajo::problem;
use crate::config::{Campaign, CampaignKind};
use crate::dispatch::{Followed, Outcome, Outgoing, Progress};
use crate::keymap::{Action, Keymap};
use crate::store::{ActivityRecord, RunRecord, SendId, SendRecord, SendStatus};
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui_textarea::TextArea;
use std::collections::HashMap;
use std::time::Duration;

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Campaigns,
    Activities,
    Editor,
    Preview,
    Log,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Campaigns,
        Pane::Activities,
        Pane::Editor,
        Pane::Preview,
        Pane::Log,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Campaigns => "Campaigns",
            Pane::Activities => "Activities",
            Pane::Editor => "Editor",
            Pane::Preview => "Preview",
            Pane::Log => "Log",
        }
    }

    fn cycle(self, forward: bool) -> Pane {
        let i = Pane::ALL.iter().position(|p| *p == self).unwrap_or(0);
        let n = Pane::ALL.len();
        Pane::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// A dialog over the panes; it takes the keys while open.
#[derive(Debug)]
pub enum Modal {
    /// AJO's cURL pasted here becomes a campaign: previewed as typed, added with Ctrl-S.
    Import {
        input: TextArea<'static>,
        /// The entry the text gives, or what is wrong with it; `None` before any text.
        preview: Option<Result<Box<Imported>, String>>,
    },
    /// The keys as bound, filtered by what is typed.
    Help { query: String },
    /// Every action by name, filtered as typed; Enter runs the selected one.
    Palette {
        input: TextArea<'static>,
        selected: usize,
    },
    /// Typing a new activity id (empty: generated).
    AddActivity(TextArea<'static>),
    /// Typing the activities filter (applied as typed).
    Filter(TextArea<'static>),
    /// The push has warnings: send anyway?
    ConfirmWarnings {
        send: Box<Outgoing>,
        warnings: Vec<String>,
    },
    /// A production profile: type the sandbox name to send.
    ConfirmProduction {
        send: Box<Outgoing>,
        input: TextArea<'static>,
        mismatch: bool,
    },
    /// Sends are in flight: quit anyway?
    ConfirmQuit,
    /// One send's request, response and attempts, and what became of a broadcast.
    Detail {
        record: Box<SendRecord>,
        run: Option<Box<RunRecord>>,
        scroll: u16,
    },
}

/// The profile as the status bar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub name: String,
    pub sandbox: String,
    pub production: bool,
}

/// One send in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogRow {
    pub id: SendId,
    /// Unix seconds when it was queued.
    pub time: i64,
    pub event: Event,
    pub activity: String,
    /// queued, sending, retrying, accepted, rejected, failed, cancelled.
    pub status: String,
    pub http: Option<u16>,
    pub latency_ms: Option<u128>,
    /// executionId (a broadcast's schedule or execution status), or what went wrong.
    pub result: String,
    pub finished: bool,
    /// The schedule this broadcast created, while it has not fired: `c` cancels it.
    pub schedule: Option<String>,
}

/// What happened: input, or news from the dispatcher and the journal.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    /// The terminal was resized; only a redraw is needed.
    Resize,
    /// Time passed (ages on screen may change).
    Tick,
    Progress(Progress),
    /// The journal's activities, reloaded.
    Activities(Vec<ActivityRecord>),
    /// A send was journaled and queued.
    Submitted {
        id: SendId,
        event: Event,
        activity: String,
    },
    /// A send could not be journaled; nothing was sent.
    SubmitFailed(String),
    /// A send from the journal, with its broadcast's schedule and execution if tracked.
    Detail(Option<Box<SendRecord>>, Option<Box<RunRecord>>),
    TokenAge(Option<Duration>),
    /// A timeline export was written (the path) or failed (why).
    Exported(Result<String, String>),
    /// The editor gave the draft's JSON back (or could not run).
    Edited(Result<String, String>),
    /// Text went to the clipboard (what, how many bytes) or could not (why).
    Copied(Result<(String, usize), String>),
    /// What the import box's text gives.
    ImportPreview(Result<Box<Imported>, String>),
    /// A campaign was added (with what happened to it) or could not be (why).
    Imported(Result<(Box<Campaign>, String), String>),
}

/// What the event loop must do.
#[derive(Debug, Clone, PartialEq)]
pub enum Cmd {
    Submit(Box<Outgoing>),
    Cancel(SendId),
    /// Delete the schedule broadcast `id` created, before it fires.
    CancelSchedule {
        id: SendId,
        schedule: String,
    },
    LoadActivities,
    LoadDetail(SendId),
    TokenAge,
    /// Write the timeline of one activity of one campaign to a file.
    Export {
        campaign: String,
        activity: String,
    },
    /// Put text on the terminal's clipboard (OSC 52), with `mask` hidden first.
    Copy {
        label: String,
        text: String,
        mask: Vec<String>,
    },
    /// Open this JSON in the user's editor, the console suspended meanwhile.
    EditExternally(String),
    /// Read this text as AJO's cURL against the config: answered by [`Msg::ImportPreview`].
    PreviewImport(String),
    /// Import this cURL's campaign for good (written to campaigns.d/, known to the embedded
    /// mock): answered by [`Msg::Imported`].
    AddImported(String),
    /// Put the request as a cURL script (secrets as shell variables) on the clipboard.
    CopyCurl {
        request: Box<crate::activity::Request>,
        mask: Vec<String>,
    },
}

/// The whole console state.
pub struct App {
    pub campaigns: Vec<Campaign>,
    pub profile: ProfileInfo,
    pub campaign: usize,
    /// Edits of campaigns not on screen, kept until the user comes back.
    saved_forms: HashMap<String, Form>,
    pub form: Form,
    pub section: Section,
    pub field: usize,
    /// A text field (or the raw JSON) is being edited: keys go to it.
    pub editing: bool,
    pub records: Vec<ActivityRecord>,
    /// Activities added in this session and not yet in the journal: (campaign, id).
    pub added: Vec<(String, String)>,
    pub activity: usize,
    pub filter: String,
    pub preview: Preview,
    pub preview_scroll: u16,
    pub log: Vec<LogRow>,
    pub log_selected: usize,
    pub focus: Pane,
    pub modal: Option<Modal>,
    pub last_error: Option<String>,
    pub toast: Option<String>,
    pub token_age: Option<Duration>,
    pub quit: bool,
    clock: Box<dyn Fn() -> i64 + Send>,
    ids: Box<dyn FnMut() -> String + Send>,
    /// The timestamp of the last push prepared per activity, so quick successive sends get
    /// newer timestamps before the journal has caught up.
    stamps: HashMap<String, i64>,
    /// A scripted walk in progress (`N`).
    pub walk: Option<Walk>,
    /// Seconds between two steps of a walk.
    pub walk_interval: i64,
    /// Which key runs which action (the config's `[keys]` over the defaults).
    pub keymap: Keymap,
    /// Presenter mode: the values in `secrets` are masked on screen and in what is copied.
    pub present: bool,
    /// User ids, org id, client id: what presenter mode hides.
    pub secrets: Vec<String>,
}

/// A walk through the rest of a campaign's steps for one activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Walk {
    pub campaign: String,
    pub activity: String,
    /// The step (0-based) the walk sends next.
    pub step: usize,
    /// When the next step goes (Unix seconds); `None` while a step is on its way.
    pub next_at: Option<i64>,
}

impl App {
    /// A console over `campaigns`; `clock` gives Unix seconds and `ids` fresh ids (both fixed in tests).
    pub fn new(
        campaigns: Vec<Campaign>,
        profile: ProfileInfo,
        clock: Box<dyn Fn() -> i64 + Send>,
        ids: Box<dyn FnMut() -> String + Send>,
    ) -> App {
        let now = clock();
        let form = campaigns
            .first()
            .map_or_else(empty_form, |c| Form::new(c, now));
        let mut app = App {
            campaigns,
            profile,
            campaign: 0,
            saved_forms: HashMap::new(),
            form,
            section: Section::ContentState,
            field: 0,
            editing: false,
            records: Vec::new(),
            added: Vec::new(),
            activity: 0,
            filter: String::new(),
            preview: empty_preview(),
            preview_scroll: 0,
            log: Vec::new(),
            log_selected: 0,
            focus: Pane::Campaigns,
            modal: None,
            last_error: None,
            toast: None,
            token_age: None,
            quit: false,
            clock,
            ids,
            stamps: HashMap::new(),
            walk: None,
            walk_interval: 5,
            keymap: Keymap::default(),
            present: false,
            secrets: Vec::new(),
        };
        let user_ids: Vec<String> = app
            .campaigns
            .iter()
            .filter_map(|c| c.recipient.as_ref().map(|r| r.user_id.clone()))
            .collect();
        app.hide(user_ids);
        app.refresh();
        app
    }

    pub fn now(&self) -> i64 {
        (self.clock)()
    }

    pub fn current_campaign(&self) -> Option<&Campaign> {
        self.campaigns.get(self.campaign)
    }

    /// Sends queued or in flight.
    pub fn in_flight(&self) -> usize {
        self.log.iter().filter(|r| !r.finished).count()
    }

    /// The activities of the current campaign, filtered: (id, journal record if any).
    pub fn visible_activities(&self) -> Vec<(String, Option<&ActivityRecord>)> {
        let Some(campaign) = self.current_campaign() else {
            return Vec::new();
        };
        let mut rows: Vec<(String, Option<&ActivityRecord>)> = self
            .records
            .iter()
            .filter(|r| r.campaign == campaign.name)
            .map(|r| (r.id.clone(), Some(r)))
            .collect();
        for (c, id) in &self.added {
            if *c == campaign.name && !rows.iter().any(|(known, _)| known == id) {
                rows.push((id.clone(), None));
            }
        }
        rows.retain(|(id, _)| self.filter.is_empty() || id.contains(&self.filter));
        rows
    }

    /// The selected activity's id and record.
    pub fn selected_activity(&self) -> Option<(String, Option<ActivityRecord>)> {
        self.visible_activities()
            .get(self.activity)
            .map(|(id, record)| (id.clone(), record.cloned()))
    }

    /// The event a send would most likely be next: start, then update.
    fn natural_event(record: Option<&ActivityRecord>, now: i64) -> Event {
        match record.map(|r| r.lifecycle_at(now)) {
            None | Some(Lifecycle::Draft) => Event::Start,
            Some(Lifecycle::Ended | Lifecycle::Dismissed) => Event::End,
            Some(_) => Event::Update,
        }
    }

    /// Recomputes the preview from the form and the selection.
    pub fn refresh(&mut self) {
        let now = self.now();
        let Some(campaign) = self.current_campaign() else {
            return;
        };
        let selected = self.selected_activity();
        let record = selected.as_ref().and_then(|(_, r)| r.as_ref());
        let history = record.map(ActivityRecord::history);
        let event = App::natural_event(record, now);
        self.preview = preview::compute(&preview::Inputs {
            campaign,
            form: &self.form,
            activity: selected.as_ref().map(|(id, _)| id.as_str()),
            event,
            history: history.as_ref(),
            last_stamp: history.and_then(|h| h.last_timestamp),
            now,
            request_id: "(new for each send)",
        });
    }

    /// Builds a send of `event` for the selected activity, or says why not.
    fn prepare(&mut self, event: Event) -> Result<(Outgoing, Vec<String>), String> {
        let now = self.now();
        let (activity, record) = self
            .selected_activity()
            .ok_or("no activity selected: add one with a")?;
        let campaign = self.current_campaign().ok_or("no campaign")?.clone();
        let stamp_key = format!("{}/{activity}", campaign.name);
        let local = self.stamps.get(&stamp_key).copied();
        let history: Option<ActivityHistory> = record.as_ref().map(ActivityRecord::history);
        let last_stamp = history.and_then(|h| h.last_timestamp).max(local);
        let request_id = (self.ids)();
        let built = preview::compute(&preview::Inputs {
            campaign: &campaign,
            form: &self.form,
            activity: Some(&activity),
            event,
            history: history.as_ref(),
            last_stamp,
            now,
            request_id: &request_id,
        });
        if let Some(first) = built
            .diagnostics
            .iter()
            .find(|d| d.severity == Severity::Error)
        {
            let path = if first.path.is_empty() {
                String::new()
            } else {
                format!("{}: ", first.path)
            };
            return Err(format!(
                "{event} not sent, {} error(s): {path}{}",
                built.errors(),
                first.message
            ));
        }
        let stamped = [
            "/recipients/0/context/requestPayload/aps/timestamp",
            "/context/requestPayload/aps/timestamp",
        ]
        .iter()
        .find_map(|pointer| {
            built
                .body
                .pointer(pointer)
                .and_then(serde_json::Value::as_i64)
        });
        if let Some(stamped) = stamped {
            self.stamps.insert(stamp_key, stamped);
        }
        let warnings = built
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .map(|d| format!("{}: {}", d.path, d.message))
            .collect();
        let recipient = match campaign.kind {
            CampaignKind::Transactional => campaign
                .recipient
                .as_ref()
                .map(|r| format!("{} ({})", r.user_id, r.namespace)),
            CampaignKind::Marketing => campaign.audience_id.clone(),
        };
        let outgoing = Outgoing {
            campaign: campaign.name.clone(),
            activity,
            event,
            endpoint: crate::activity::Endpoint::for_kind(campaign.kind),
            request_id,
            body: built.body,
            recipient,
        };
        Ok((outgoing, warnings))
    }

    fn send(&mut self, event: Event) -> Vec<Cmd> {
        match self.prepare(event) {
            Err(message) => {
                self.last_error = Some(message);
                Vec::new()
            }
            Ok((outgoing, warnings)) if !warnings.is_empty() => {
                self.modal = Some(Modal::ConfirmWarnings {
                    send: Box::new(outgoing),
                    warnings,
                });
                Vec::new()
            }
            Ok((outgoing, _)) => self.confirm_production(outgoing),
        }
    }

    fn confirm_production(&mut self, outgoing: Outgoing) -> Vec<Cmd> {
        if self.profile.production {
            self.modal = Some(Modal::ConfirmProduction {
                send: Box::new(outgoing),
                input: line(""),
                mismatch: false,
            });
            Vec::new()
        } else {
            vec![Cmd::Submit(Box::new(outgoing))]
        }
    }

    /// `n`: loads the next scripted step for the selected activity into the form and sends it.
    fn next_step(&mut self) -> Vec<Cmd> {
        let Some(campaign) = self.current_campaign().cloned() else {
            return Vec::new();
        };
        let Some((activity, record)) = self.selected_activity() else {
            self.last_error = Some("no activity selected: add one with a".into());
            return Vec::new();
        };
        let done = steps_done(&campaign, record.as_ref());
        let pending = self
            .log
            .iter()
            .filter(|r| !r.finished && r.activity == activity)
            .count();
        self.send_step(done + pending)
    }

    /// Loads step `index` (0-based) of the current campaign into the form and sends it.
    fn send_step(&mut self, index: usize) -> Vec<Cmd> {
        let Some(campaign) = self.current_campaign().cloned() else {
            return Vec::new();
        };
        let Some(step) = campaign.steps.get(index) else {
            self.last_error = Some(format!(
                "`{}` has no step {} (it has {})",
                campaign.name,
                index + 1,
                campaign.steps.len()
            ));
            return Vec::new();
        };
        let now = self.now();
        self.form.apply_step(step, now);
        self.toast = Some(format!(
            "step {} of {}: {}",
            index + 1,
            campaign.steps.len(),
            step.event
        ));
        self.refresh();
        self.send(step.event)
    }

    fn select_campaign(&mut self, index: usize) {
        if index == self.campaign || index >= self.campaigns.len() {
            return;
        }
        let now = self.now();
        let old = self.campaigns[self.campaign].name.clone();
        let next = self.campaigns[index].clone();
        let form = self
            .saved_forms
            .remove(&next.name)
            .unwrap_or_else(|| Form::new(&next, now));
        let previous = std::mem::replace(&mut self.form, form);
        self.saved_forms.insert(old, previous);
        self.campaign = index;
        self.activity = 0;
        self.field = 0;
        self.editing = false;
    }

    fn add_activity(&mut self, typed: &str) {
        let Some(name) = self.current_campaign().map(|c| c.name.clone()) else {
            return;
        };
        let id = match typed.trim() {
            "" => format!(
                "{name}-{}",
                (self.ids)().chars().take(8).collect::<String>()
            ),
            id => id.to_string(),
        };
        if !self
            .visible_activities()
            .iter()
            .any(|(known, _)| *known == id)
        {
            self.added.push((name, id.clone()));
        }
        self.filter.clear();
        self.activity = self
            .visible_activities()
            .iter()
            .position(|(known, _)| *known == id)
            .unwrap_or(0);
        self.toast = Some(format!("activity {id} added: s starts it"));
    }

    /// Adds values presenter mode hides (the profile's org id and client id, say).
    pub fn hide(&mut self, values: impl IntoIterator<Item = String>) {
        for value in values {
            if !value.is_empty() && !self.secrets.contains(&value) {
                self.secrets.push(value);
            }
        }
    }

    /// What presenter mode hides right now (nothing when it is off).
    pub fn mask(&self) -> Vec<String> {
        if self.present {
            self.secrets.clone()
        } else {
            Vec::new()
        }
    }

    /// `y`: the preview's request, with a fresh requestId, as a cURL script.
    fn copy_request(&mut self) -> Vec<Cmd> {
        let Some(kind) = self.current_campaign().map(|c| c.kind) else {
            return Vec::new();
        };
        let request_id = (self.ids)();
        let mut body = self.preview.body.clone();
        body["requestId"] = serde_json::Value::String(request_id.clone());
        let request = crate::activity::Request {
            endpoint: crate::activity::Endpoint::for_kind(kind),
            request_id,
            body,
        };
        if self.preview.errors() > 0 {
            self.last_error = Some(format!(
                "copied with {} error(s): fix them before running it",
                self.preview.errors()
            ));
        }
        vec![Cmd::CopyCurl {
            request: Box::new(request),
            mask: self.mask(),
        }]
    }

    /// How many of the current campaign's steps an activity has done, and how many there are.
    pub fn step_of(&self, record: Option<&ActivityRecord>) -> Option<(usize, usize)> {
        let campaign = self.current_campaign().filter(|c| !c.steps.is_empty())?;
        Some((
            steps_done(campaign, record).min(campaign.steps.len()),
            campaign.steps.len(),
        ))
    }

    /// When the console must wake up for its own sake (the next step of a walk), Unix seconds.
    pub fn next_wake(&self) -> Option<i64> {
        self.walk.as_ref().and_then(|w| w.next_at)
    }

    /// `N`: walks the selected activity through the rest of the steps, one every
    /// `walk_interval` seconds, stopping at the first error. `N` again stops it.
    fn toggle_walk(&mut self) -> Vec<Cmd> {
        if self.walk.take().is_some() {
            self.toast = Some("walk stopped".into());
            return Vec::new();
        }
        let (Some(campaign), Some((activity, record))) =
            (self.current_campaign(), self.selected_activity())
        else {
            self.last_error = Some("no activity selected: add one with a".into());
            return Vec::new();
        };
        // Start where `n` would: after the steps the journal shows done and those on their way.
        let pending = self
            .log
            .iter()
            .filter(|r| !r.finished && r.activity == activity)
            .count();
        let step = steps_done(campaign, record.as_ref()) + pending;
        self.walk = Some(Walk {
            campaign: campaign.name.clone(),
            activity,
            step,
            next_at: None,
        });
        self.walk_step()
    }

    /// Sends the walk's next step, or ends the walk when there is none or it cannot go.
    fn walk_step(&mut self) -> Vec<Cmd> {
        let Some(walk) = self.walk.clone() else {
            return Vec::new();
        };
        let selected = (
            self.current_campaign().map(|c| c.name.clone()),
            self.selected_activity().map(|(id, _)| id),
        );
        if selected != (Some(walk.campaign.clone()), Some(walk.activity.clone())) {
            self.walk = None;
            self.last_error = Some(format!(
                "walk of {} stopped: another activity is selected",
                walk.activity
            ));
            return Vec::new();
        }
        if self
            .current_campaign()
            .is_some_and(|c| walk.step >= c.steps.len())
        {
            self.walk = None;
            self.toast = Some("walk finished: every step was sent".into());
            return Vec::new();
        }
        let cmds = self.send_step(walk.step);
        if cmds.is_empty() && self.modal.is_none() {
            self.walk = None; // the step could not go; last_error says why
        } else if let Some(walk) = self.walk.as_mut() {
            walk.next_at = None;
        }
        cmds
    }

    /// A send of the walking activity ended: schedule the next step, or stop on a failure.
    fn walk_after(&mut self, activity: &str, accepted: bool) {
        let now = self.now();
        let interval = self.walk_interval;
        let Some(walk) = self
            .walk
            .as_mut()
            .filter(|w| w.activity == activity && w.next_at.is_none())
        else {
            return;
        };
        if accepted {
            walk.step += 1;
            walk.next_at = Some(now + interval);
        } else {
            self.walk = None;
            self.last_error = Some(format!(
                "walk stopped: {}",
                self.last_error.clone().unwrap_or_default()
            ));
        }
    }

    /// Changes the activities filter, keeping the selected activity when it stays visible.
    fn set_filter(&mut self, filter: String) {
        let selected = self.selected_activity().map(|(id, _)| id);
        self.filter = filter;
        self.activity = selected
            .and_then(|id| {
                self.visible_activities()
                    .iter()
                    .position(|(known, _)| *known == id)
            })
            .unwrap_or(0);
    }

    fn field_count(&self) -> usize {
        self.form.fields(self.section).len()
    }

    fn apply_progress(&mut self, progress: Progress) -> Vec<Cmd> {
        let id = progress.id();
        let final_event = progress.is_final();
        let Some(row) = self.log.iter_mut().find(|r| r.id == id) else {
            return Vec::new();
        };
        match progress {
            Progress::Queued { .. } => row.status = "queued".into(),
            Progress::AttemptStarted { attempt, .. } => {
                row.status = if attempt == 1 {
                    "sending".into()
                } else {
                    format!("sending ({attempt})")
                }
            }
            Progress::Answered {
                status, latency, ..
            } => {
                row.http = Some(status);
                row.latency_ms = Some(latency.as_millis());
            }
            Progress::Unanswered { error, .. } => row.result = problem::clean(&error),
            Progress::RetryScheduled { delay, .. } => {
                row.status = format!("retry in {:.1}s", delay.as_secs_f64())
            }
            Progress::Done { outcome, total, .. } => {
                row.latency_ms = Some(total.as_millis());
                match outcome {
                    Outcome::Accepted(answer) => {
                        row.status = "accepted".into();
                        row.http = Some(answer.status);
                        row.result =
                            problem::clean(&answer.field("executionId").unwrap_or_default());
                    }
                    Outcome::Rejected(answer) => {
                        let p = problem::describe(answer.status, &answer.body);
                        row.status = "rejected".into();
                        row.http = Some(answer.status);
                        row.result = p.title.clone();
                        self.last_error = Some(format!(
                            "{} {}: {} — {}",
                            answer.status, p.title, row.activity, p.hint
                        ));
                    }
                }
            }
            Progress::Failed { reason, .. } => {
                row.status = "failed".into();
                row.result = problem::clean(&reason);
                self.last_error = Some(format!("{}: {}", row.activity, problem::clean(&reason)));
            }
            Progress::Cancelled { in_flight, .. } => {
                row.status = "cancelled".into();
                row.result = if in_flight {
                    "AJO may have received it".into()
                } else {
                    String::new()
                };
            }
            Progress::JournalFailed { error, .. } => {
                self.last_error = Some(format!("journal: {error}"))
            }
            Progress::Followed {
                followed: Followed::Schedule(report),
                ..
            } => {
                row.schedule = (report.status == "Scheduled").then(|| report.schedule_id.clone());
                row.result = problem::clean(&format!("{} {report}", report.schedule_id));
            }
            Progress::Followed {
                followed: Followed::Execution(report),
                ..
            } => {
                row.schedule = None;
                let run = report.execution_id.as_deref().unwrap_or_default();
                row.result = problem::clean(&format!("{run} {report}"));
            }
            Progress::FollowStopped { reason, .. } => {
                self.last_error = Some(format!("{}: {}", row.activity, problem::clean(&reason)));
            }
            Progress::ScheduleNotCancelled { reason, .. } => {
                self.last_error = Some(problem::clean(&reason));
            }
        }
        if final_event {
            let mut ended = None;
            if let Some(row) = self.log.iter_mut().find(|r| r.id == id) {
                row.finished = true;
                ended = Some((row.activity.clone(), row.status == "accepted"));
            }
            if let Some((activity, accepted)) = ended {
                self.walk_after(&activity, accepted);
            }
            return vec![Cmd::LoadActivities, Cmd::TokenAge];
        }
        Vec::new()
    }
}

/// How many of the campaign's steps the journal shows done for an activity.
fn steps_done(campaign: &Campaign, record: Option<&ActivityRecord>) -> usize {
    match record.map(|r| r.lifecycle) {
        None | Some(Lifecycle::Draft) => 0,
        Some(Lifecycle::Active { updates }) => 1 + updates as usize,
        Some(Lifecycle::Stale) => 1 + record.map_or(0, |r| r.updates as usize),
        Some(Lifecycle::Ended | Lifecycle::Dismissed) => campaign.steps.len(),
    }
}

/// Applies one message; returns what the loop must do next.
pub fn update(app: &mut App, msg: Msg) -> Vec<Cmd> {
    let cmds = match msg {
        Msg::Key(key) if key.kind == KeyEventKind::Press => on_key(app, key),
        Msg::Tick if app.next_wake().is_some_and(|at| at <= app.now()) => app.walk_step(),
        Msg::Key(_) | Msg::Resize | Msg::Tick => Vec::new(),
        Msg::Paste(text) => on_paste(app, &text),
        Msg::Progress(progress) => app.apply_progress(progress),
        Msg::Activities(records) => {
            let selected = app.selected_activity().map(|(id, _)| id);
            app.records = records;
            if let Some(id) = selected {
                app.activity = app
                    .visible_activities()
                    .iter()
                    .position(|(known, _)| *known == id)
                    .unwrap_or(0);
            }
            Vec::new()
        }
        Msg::Submitted {
            id,
            event,
            activity,
        } => {
            let now = app.now();
            app.log.insert(
                0,
                LogRow {
                    id,
                    time: now,
                    event,
                    activity,
                    status: "queued".into(),
                    http: None,
                    latency_ms: None,
                    result: String::new(),
                    finished: false,
                    schedule: None,
                },
            );
            app.log_selected = 0;
            Vec::new()
        }
        Msg::SubmitFailed(error) => {
            app.last_error = Some(format!("not sent: {error}"));
            Vec::new()
        }
        Msg::Detail(record, run) => {
            match record {
                Some(record) => {
                    app.modal = Some(Modal::Detail {
                        record,
                        run,
                        scroll: 0,
                    })
                }
                None => app.last_error = Some("that send is no longer in the journal".into()),
            }
            Vec::new()
        }
        Msg::TokenAge(age) => {
            app.token_age = age;
            Vec::new()
        }
        Msg::Edited(result) => {
            match result {
                Ok(text) => {
                    // The text lands in the raw JSON tab whatever it holds: a bad file is shown,
                    // with its error, never thrown away.
                    app.form.raw = TextArea::new(text.lines().map(str::to_string).collect());
                    app.section = Section::Raw;
                    app.focus = Pane::Editor;
                    if app.form.apply_raw() {
                        app.toast = Some("draft updated from the editor".into());
                    } else {
                        app.last_error = Some(format!(
                            "the edited JSON does not apply: {}",
                            app.form.raw_error.clone().unwrap_or_default()
                        ));
                    }
                }
                Err(error) => app.last_error = Some(error),
            }
            Vec::new()
        }
        Msg::ImportPreview(result) => {
            if let Some(Modal::Import { preview, .. }) = &mut app.modal {
                *preview = Some(result);
            }
            Vec::new()
        }
        Msg::Imported(result) => {
            match result {
                Ok((campaign, message)) => {
                    app.modal = None;
                    let index = match app.campaigns.iter().position(|c| c.id == campaign.id) {
                        Some(index) => index,
                        None => {
                            app.campaigns.push(*campaign);
                            app.campaigns.len() - 1
                        }
                    };
                    app.select_campaign(index);
                    app.focus = Pane::Campaigns;
                    app.toast = Some(message);
                }
                Err(why) => app.last_error = Some(format!("import: {}", first_line(&why))),
            }
            Vec::new()
        }
        Msg::Copied(result) => {
            match result {
                Ok((what, bytes)) => {
                    app.toast = Some(format!(
                        "copied {what} ({bytes} bytes) via OSC 52: your terminal's clipboard (in tmux: set-clipboard on)"
                    ))
                }
                Err(error) => app.last_error = Some(format!("copy failed: {error}")),
            }
            Vec::new()
        }
        Msg::Exported(result) => {
            match result {
                Ok(path) => app.toast = Some(format!("timeline written to {path}")),
                Err(error) => app.last_error = Some(format!("export failed: {error}")),
            }
            Vec::new()
        }
    };
    app.refresh();
    cmds
}

fn on_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && key.code == KeyCode::Char('c') {
        return quit(app);
    }
    if app.modal.is_some() {
        return on_modal_key(app, key);
    }
    if app.editing {
        on_edit_key(app, key);
        return Vec::new();
    }
    // Ctrl or Alt only reach what is bound with them: Ctrl-E must not send an end by habit.
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
        && app.keymap.action(&key).is_none()
    {
        return Vec::new();
    }
    app.toast = None;
    match app.keymap.action(&key) {
        Some(action) => run_action(app, action),
        None => on_pane_key(app, key),
    }
}

/// Runs one named action (from its key or from the palette).
pub fn run_action(app: &mut App, action: Action) -> Vec<Cmd> {
    match action {
        Action::Quit => return quit(app),
        Action::Help => {
            app.modal = Some(Modal::Help {
                query: String::new(),
            })
        }
        Action::Palette => {
            app.modal = Some(Modal::Palette {
                input: line(""),
                selected: 0,
            })
        }
        Action::NextPane => app.focus = app.focus.cycle(true),
        Action::PreviousPane => app.focus = app.focus.cycle(false),
        Action::SendStart => return app.send(Event::Start),
        Action::SendUpdate => return app.send(Event::Update),
        Action::SendEnd => return app.send(Event::End),
        Action::NextStep => return app.next_step(),
        Action::Walk => return app.toggle_walk(),
        Action::CopyRequest => return app.copy_request(),
        Action::CopyPayload => {
            let aps = [
                "/recipients/0/context/requestPayload/aps",
                "/context/requestPayload/aps",
            ]
            .iter()
            .find_map(|pointer| app.preview.body.pointer(pointer));
            let text = aps.map(|aps| {
                serde_json::to_string_pretty(&serde_json::json!({ "aps": aps })).unwrap_or_default()
            });
            return vec![Cmd::Copy {
                label: "the payload".into(),
                text: text.unwrap_or_default(),
                mask: app.mask(),
            }];
        }
        Action::EditExternally => {
            return vec![Cmd::EditExternally(app.form.raw.lines().join("\n"))];
        }
        Action::ImportCurl => {
            app.modal = Some(Modal::Import {
                input: TextArea::default(),
                preview: None,
            });
        }
        Action::Present => {
            app.present = !app.present;
            app.toast = Some(
                if app.present {
                    "presenter mode: ids and tokens are masked"
                } else {
                    "presenter mode off"
                }
                .into(),
            );
        }
        Action::Export => match (app.current_campaign(), app.selected_activity()) {
            (Some(campaign), Some((activity, _))) => {
                return vec![Cmd::Export {
                    campaign: campaign.name.clone(),
                    activity,
                }];
            }
            _ => app.last_error = Some("no activity selected: add one with a".into()),
        },
        Action::AddActivity => app.modal = Some(Modal::AddActivity(line(""))),
        Action::Filter => {
            app.focus = Pane::Activities;
            app.modal = Some(Modal::Filter(line(&app.filter)));
        }
        Action::PreviousTab => switch_section(app, false),
        Action::NextTab => switch_section(app, true),
    }
    Vec::new()
}

/// Actions whose name or description contains `query` (case-insensitive), in palette order.
pub fn palette_matches(query: &str) -> Vec<Action> {
    let query = query.to_lowercase();
    Action::ALL
        .into_iter()
        .filter(|a| a.name().contains(&query) || a.describe().to_lowercase().contains(&query))
        .collect()
}

fn quit(app: &mut App) -> Vec<Cmd> {
    if app.in_flight() > 0 && !matches!(app.modal, Some(Modal::ConfirmQuit)) {
        app.modal = Some(Modal::ConfirmQuit);
    } else {
        app.quit = true;
    }
    Vec::new()
}

fn switch_section(app: &mut App, forward: bool) {
    app.section = app.section.cycle(forward);
    app.field = 0;
    app.focus = Pane::Editor;
}

/// Up or down in a list of `len`, from `current`.
fn step(current: usize, len: usize, down: bool) -> usize {
    match (down, len) {
        (_, 0) => 0,
        (true, _) => (current + 1).min(len - 1),
        (false, _) => current.saturating_sub(1),
    }
}

fn on_pane_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let down = matches!(key.code, KeyCode::Down | KeyCode::Char('j'));
    let up = matches!(key.code, KeyCode::Up | KeyCode::Char('k'));
    match app.focus {
        Pane::Campaigns if up || down => {
            let index = step(app.campaign, app.campaigns.len(), down);
            app.select_campaign(index);
        }
        Pane::Activities if up || down => {
            app.activity = step(app.activity, app.visible_activities().len(), down)
        }
        Pane::Activities if key.code == KeyCode::Enter => app.focus = Pane::Editor,
        Pane::Editor => on_editor_key(app, key, up, down),
        Pane::Preview if down => app.preview_scroll = app.preview_scroll.saturating_add(1),
        Pane::Preview if up => app.preview_scroll = app.preview_scroll.saturating_sub(1),
        Pane::Log if up || down => app.log_selected = step(app.log_selected, app.log.len(), down),
        Pane::Log if key.code == KeyCode::Enter => {
            if let Some(row) = app.log.get(app.log_selected) {
                return vec![Cmd::LoadDetail(row.id)];
            }
        }
        Pane::Log if key.code == KeyCode::Char('c') => match app.log.get(app.log_selected) {
            Some(row) if !row.finished => return vec![Cmd::Cancel(row.id)],
            Some(LogRow {
                id,
                schedule: Some(schedule),
                ..
            }) => {
                app.toast = Some(format!("cancelling schedule {schedule}…"));
                return vec![Cmd::CancelSchedule {
                    id: *id,
                    schedule: schedule.clone(),
                }];
            }
            _ => {}
        },
        _ => {}
    }
    Vec::new()
}

fn on_editor_key(app: &mut App, key: KeyEvent, up: bool, down: bool) {
    let now = app.now();
    if app.section == Section::Raw {
        if key.code == KeyCode::Enter {
            app.editing = true;
        }
        return;
    }
    let count = app.field_count();
    let left = matches!(key.code, KeyCode::Left | KeyCode::Char('h'));
    let right = matches!(key.code, KeyCode::Right | KeyCode::Char('l'));
    if up || down {
        app.field = step(app.field, count, down);
    } else if left || right {
        if let Some(field) = app.form.fields_mut(app.section).get_mut(app.field)
            && field.cycle(right)
        {
            app.form.sync_raw(now);
        }
    } else if key.code == KeyCode::Enter
        && matches!(
            app.form
                .fields(app.section)
                .get(app.field)
                .map(|f| &f.input),
            Some(Input::Text(_))
        )
    {
        app.editing = true;
    }
}

/// Keys while a field or the raw JSON is being edited.
fn on_edit_key(app: &mut App, key: KeyEvent) {
    let now = app.now();
    let raw = app.section == Section::Raw;
    let finish = key.code == KeyCode::Esc
        || (!raw
            && matches!(
                key.code,
                KeyCode::Enter | KeyCode::Tab | KeyCode::Up | KeyCode::Down
            ));
    if finish {
        app.editing = false;
        if raw {
            if !app.form.apply_raw() {
                app.last_error = Some(format!(
                    "raw JSON not applied: {}",
                    app.form.raw_error.clone().unwrap_or_default()
                ));
            }
        } else {
            app.form.sync_raw(now);
            if matches!(key.code, KeyCode::Up | KeyCode::Down) {
                app.field = step(app.field, app.field_count(), key.code == KeyCode::Down);
            }
        }
        return;
    }
    if raw {
        app.form.raw.input(key);
        // Live: the other tabs follow every edit that parses; one that does not keeps them.
        app.form.apply_raw();
    } else if let Some(field) = app.form.fields_mut(app.section).get_mut(app.field)
        && let Input::Text(area) = &mut field.input
    {
        area.input(key);
    }
}

/// The first line of a message, for a one-line toast.
fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn on_paste(app: &mut App, text: &str) -> Vec<Cmd> {
    let now = app.now();
    if let Some(Modal::Import { input, .. }) = &mut app.modal {
        // A cURL keeps its lines: `\` continuations are part of it.
        input.insert_str(text.replace("\r\n", "\n").replace('\r', "\n"));
        return vec![Cmd::PreviewImport(input.lines().join("\n"))];
    }
    if let Some(modal) = &mut app.modal {
        if let Modal::AddActivity(area)
        | Modal::Filter(area)
        | Modal::ConfirmProduction { input: area, .. } = modal
        {
            area.insert_str(text.replace(['\n', '\r'], ""));
        }
        if let Some(Modal::Filter(area)) = &app.modal {
            let filter = area.lines().join("");
            app.set_filter(filter);
        }
        return Vec::new();
    }
    if app.focus != Pane::Editor {
        return Vec::new();
    }
    if app.section == Section::Raw {
        app.editing = true;
        app.form.raw.insert_str(text);
        app.form.apply_raw();
    } else if let Some(field) = app.form.fields_mut(app.section).get_mut(app.field)
        && let Input::Text(area) = &mut field.input
    {
        app.editing = true;
        area.insert_str(text.replace(['\n', '\r'], " "));
        app.form.sync_raw(now);
    }
    Vec::new()
}

fn on_modal_key(app: &mut App, key: KeyEvent) -> Vec<Cmd> {
    let Some(modal) = app.modal.take() else {
        return Vec::new();
    };
    let yes = matches!(key.code, KeyCode::Char('y') | KeyCode::Enter);
    let no = matches!(
        key.code,
        KeyCode::Char('n') | KeyCode::Esc | KeyCode::Char('q')
    );
    match modal {
        Modal::Help { mut query } => match key.code {
            KeyCode::Esc => {}
            KeyCode::Char('?') if query.is_empty() => {}
            KeyCode::Backspace => {
                query.pop();
                app.modal = Some(Modal::Help { query });
            }
            KeyCode::Char(c) => {
                query.push(c);
                app.modal = Some(Modal::Help { query });
            }
            _ => app.modal = Some(Modal::Help { query }),
        },
        Modal::Palette {
            mut input,
            selected,
        } => {
            let matches = palette_matches(&input.lines().join(""));
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Enter => {
                    if let Some(action) = matches.get(selected) {
                        return run_action(app, *action);
                    }
                }
                KeyCode::Down => {
                    app.modal = Some(Modal::Palette {
                        input,
                        selected: step(selected, matches.len(), true),
                    })
                }
                KeyCode::Up => {
                    app.modal = Some(Modal::Palette {
                        input,
                        selected: step(selected, matches.len(), false),
                    })
                }
                _ => {
                    input.input(key);
                    app.modal = Some(Modal::Palette { input, selected: 0 });
                }
            }
        }
        Modal::Import { mut input, preview } => {
            let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
            match key.code {
                KeyCode::Esc => {}
                KeyCode::Char('s') if ctrl => {
                    let text = input.lines().join("\n");
                    let problem = match &preview {
                        Some(Ok(_)) => None,
                        Some(Err(why)) => Some(why.clone()),
                        None => Some("paste the cURL AJO shows for the campaign first".into()),
                    };
                    app.modal = Some(Modal::Import { input, preview });
                    return match problem {
                        None => vec![Cmd::AddImported(text)],
                        Some(why) => {
                            app.toast = Some(format!("nothing to add: {}", first_line(&why)));
                            Vec::new()
                        }
                    };
                }
                _ => {
                    input.input(key);
                    let text = input.lines().join("\n");
                    app.modal = Some(Modal::Import { input, preview });
                    return vec![Cmd::PreviewImport(text)];
                }
            }
        }
        Modal::AddActivity(mut area) => match key.code {
            KeyCode::Enter => app.add_activity(&area.lines().join("")),
            KeyCode::Esc => {}
            _ => {
                area.input(key);
                app.modal = Some(Modal::AddActivity(area));
            }
        },
        Modal::Filter(mut area) => match key.code {
            KeyCode::Enter => {}
            KeyCode::Esc => app.set_filter(String::new()),
            _ => {
                area.input(key);
                app.set_filter(area.lines().join(""));
                app.modal = Some(Modal::Filter(area));
            }
        },
        Modal::ConfirmWarnings { send, warnings } => {
            if yes {
                return app.confirm_production(*send);
            } else if no {
                app.walk = None;
            } else {
                app.modal = Some(Modal::ConfirmWarnings { send, warnings });
            }
        }
        Modal::ConfirmProduction {
            send, mut input, ..
        } => match key.code {
            KeyCode::Esc => app.walk = None,
            KeyCode::Enter if input.lines().join("") == app.profile.sandbox => {
                return vec![Cmd::Submit(send)];
            }
            KeyCode::Enter => {
                app.modal = Some(Modal::ConfirmProduction {
                    send,
                    input,
                    mismatch: true,
                })
            }
            _ => {
                input.input(key);
                app.modal = Some(Modal::ConfirmProduction {
                    send,
                    input,
                    mismatch: false,
                });
            }
        },
        Modal::ConfirmQuit => {
            if yes {
                app.quit = true;
            }
        }
        Modal::Detail {
            record,
            run,
            scroll,
        } => {
            if key.code == KeyCode::Char('y') {
                let body = record.response_body.clone().unwrap_or_default();
                let mask = app.mask();
                app.modal = Some(Modal::Detail {
                    record,
                    run,
                    scroll,
                });
                return vec![Cmd::Copy {
                    label: "the response body".into(),
                    text: body,
                    mask,
                }];
            }
            let scroll = match key.code {
                KeyCode::Down | KeyCode::Char('j') => scroll.saturating_add(1),
                KeyCode::Up | KeyCode::Char('k') => scroll.saturating_sub(1),
                KeyCode::PageDown => scroll.saturating_add(10),
                KeyCode::PageUp => scroll.saturating_sub(10),
                _ if no || key.code == KeyCode::Enter => return Vec::new(),
                _ => scroll,
            };
            app.modal = Some(Modal::Detail {
                record,
                run,
                scroll,
            });
        }
    }
    Vec::new()
}

fn empty_form() -> Form {
    Form {
        content_state: Vec::new(),
        attributes: Vec::new(),
        alert: Vec::new(),
        dates: Vec::new(),
        extra_state: serde_json::Map::new(),
        raw: TextArea::default(),
        raw_error: None,
    }
}

fn empty_preview() -> Preview {
    Preview {
        event: Event::Start,
        json: String::new(),
        body: serde_json::Value::Null,
        diagnostics: Vec::new(),
        payload_bytes: 0,
        card: preview::Card {
            app: String::new(),
            lines: Vec::new(),
            alert: None,
        },
    }
}

/// Whether a send status from the journal means the outcome is unknown.
pub fn is_unknown(status: Option<SendStatus>) -> bool {
    status == Some(SendStatus::Unknown)
}
