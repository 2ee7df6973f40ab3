//! The event loop: waits for input, dispatcher news or the next minute, applies `update`, runs
//! the commands, and draws only when something changed. Generic over the backend and the input
//! stream, so tests drive the real loop with a `TestBackend` and scripted keys.

use super::app::{App, Cmd, Msg, update};
use super::importer::Importer;
use super::theme::Theme;
use super::view;
use crate::config::Profile;
use crate::dispatch::{Dispatcher, Progress};
use crate::store::Store;
use crossterm::event::Event as TermEvent;
use futures::{Stream, StreamExt};
use ratatui::Terminal;
use ratatui::backend::Backend;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc::UnboundedReceiver;

/// What the loop sends through, reads from, draws with and copies to.
pub struct Services {
    pub dispatcher: Dispatcher,
    pub progress: UnboundedReceiver<Progress>,
    pub store: Arc<Store>,
    pub theme: Theme,
    /// The profile, to render a copied request as cURL.
    pub profile: Profile,
    /// Where OSC 52 copies go: the terminal (a recorder in tests).
    pub clipboard: Box<dyn Write + Send>,
    /// Edits a text in the user's editor, the console suspended meanwhile.
    pub editor: Editor,
    /// Campaigns imported from AJO's cURL (`i`).
    pub importer: Importer,
}

/// Edits a text outside the console: the edited text, or why the editor failed.
pub type Editor = Box<dyn FnMut(&str) -> Result<String, String> + Send>;

/// Runs the console until the user quits or the input ends.
pub async fn run<B, S>(
    terminal: &mut Terminal<B>,
    app: &mut App,
    mut input: S,
    services: &mut Services,
) -> io::Result<()>
where
    B: Backend,
    S: Stream<Item = io::Result<TermEvent>> + Unpin,
{
    let mut queue: VecDeque<Msg> = VecDeque::from([load_activities(&services.store)]);
    let mut dirty = true;
    loop {
        while let Some(msg) = queue.pop_front() {
            for cmd in update(app, msg) {
                if let Cmd::EditExternally(text) = cmd {
                    let edited = (services.editor)(&text);
                    // The editor drew over the screen: repaint everything.
                    terminal
                        .clear()
                        .map_err(|e| io::Error::other(e.to_string()))?;
                    queue.push_back(Msg::Edited(edited));
                } else if let Some(msg) = execute(cmd, services).await {
                    queue.push_back(msg);
                }
            }
            dirty = true;
        }
        if app.quit {
            return Ok(());
        }
        if dirty {
            terminal
                .draw(|frame| view::draw_with(frame, app, &services.theme))
                .map_err(|e| io::Error::other(e.to_string()))?;
            dirty = false;
        }
        // Dispatcher news first: the screen is up to date before the next key is handled.
        let msg = tokio::select! {
            biased;
            Some(progress) = services.progress.recv() => Msg::Progress(progress),
            event = input.next() => match event {
                Some(Ok(event)) => match translate(event) {
                    Some(msg) => msg,
                    None => continue,
                },
                Some(Err(error)) => return Err(error),
                None => return Ok(()),
            },
            () = tokio::time::sleep(until_wake(app)) => Msg::Tick,
        };
        queue.push_back(msg);
    }
}

/// Terminal events the console reacts to.
fn translate(event: TermEvent) -> Option<Msg> {
    match event {
        TermEvent::Key(key) => Some(Msg::Key(key)),
        TermEvent::Paste(text) => Some(Msg::Paste(text)),
        TermEvent::Resize(..) => Some(Msg::Resize),
        _ => None,
    }
}

/// Ages on screen count minutes: wake when the next one starts, or sooner for a walk's step.
fn until_wake(app: &App) -> Duration {
    let now = app.now();
    let minute = 60 - now.rem_euclid(60);
    let seconds = app
        .next_wake()
        .map_or(minute, |at| (at - now).clamp(0, minute));
    Duration::from_secs(seconds as u64)
}

async fn execute(cmd: Cmd, services: &mut Services) -> Option<Msg> {
    match cmd {
        Cmd::Submit(send) => {
            let (event, activity) = (send.event, send.activity.clone());
            Some(match services.dispatcher.submit(*send).await {
                Ok(id) => Msg::Submitted {
                    id,
                    event,
                    activity,
                },
                Err(error) => Msg::SubmitFailed(error.to_string()),
            })
        }
        Cmd::Cancel(id) => {
            services.dispatcher.cancel(id);
            None
        }
        Cmd::LoadActivities => Some(load_activities(&services.store)),
        Cmd::PreviewImport(text) => Some(Msg::ImportPreview(services.importer.preview(&text))),
        Cmd::AddImported(text) => Some(Msg::Imported(services.importer.add(&text))),
        Cmd::CancelSchedule { id, schedule } => {
            services.dispatcher.cancel_schedule(id, schedule);
            None
        }
        Cmd::LoadDetail(id) => Some(Msg::Detail(
            services.store.send(id).ok().flatten().map(Box::new),
            services.store.run(id).ok().flatten().map(Box::new),
        )),
        Cmd::Export { campaign, activity } => {
            let written = crate::timeline::render(
                &services.store,
                &activity,
                Some(&campaign),
                crate::timeline::Format::Markdown,
            )
            .and_then(|(text, _)| {
                let safe: String = activity
                    .chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect();
                let stamp = crate::activity::dates::format_unix(crate::activity::dates::unix_now())
                    .replace([':', '-'], "");
                let path = std::env::current_dir()
                    .unwrap_or_default()
                    .join(format!("liveact-{safe}-{stamp}.md"));
                std::fs::write(&path, text)
                    .map(|()| path.display().to_string())
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))
            });
            Some(Msg::Exported(written))
        }
        Cmd::Copy { label, text, mask } => Some(copy(services, label, &text, &mask)),
        Cmd::EditExternally(_) => None, // handled by the loop, which owns the terminal
        Cmd::CopyCurl { request, mask } => {
            let about = format!(
                "liveact: {} to {}",
                request.endpoint.path(),
                services.profile.name
            );
            let script = crate::ajo::curl::render(&services.profile, &request, &about);
            Some(copy(services, "the request as cURL".into(), &script, &mask))
        }
        Cmd::TokenAge => {
            let age = match services.dispatcher.client().token_cache() {
                Some(cache) => cache.age().await,
                None => None,
            };
            Some(Msg::TokenAge(age))
        }
    }
}

/// Writes `text` (masked) to the clipboard as an OSC 52 sequence.
fn copy(services: &mut Services, label: String, text: &str, mask: &[String]) -> Msg {
    let text = super::present::mask_text(text, mask);
    let sent = crossterm::execute!(
        services.clipboard,
        crossterm::clipboard::CopyToClipboard::to_clipboard_from(text.as_str())
    );
    Msg::Copied(
        sent.map(|()| (label, text.len()))
            .map_err(|e| e.to_string()),
    )
}

fn load_activities(store: &Store) -> Msg {
    match store.activities() {
        Ok(records) => Msg::Activities(records),
        Err(error) => Msg::SubmitFailed(format!("cannot read the journal: {error}")),
    }
}
