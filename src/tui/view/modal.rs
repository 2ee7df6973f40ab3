//! Dialogs drawn over the panes: help, inputs, confirmations and a send's detail.

use super::fit;
use crate::ajo::import::{self, Imported};
use crate::ajo::problem::{self, clean};
use crate::store::{RunRecord, SendRecord};
use crate::tui::app::{App, Modal};
use crate::tui::keys;
use crate::tui::theme::Styles;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, modal: &Modal, styles: &Styles) {
    match modal {
        Modal::Import { input, preview } => import(frame, area, input, preview.as_ref(), styles),
        Modal::Help { query } => {
            let title = if query.is_empty() {
                " Keys · type to search · Esc closes ".to_string()
            } else {
                format!(" Keys matching `{query}` · Esc closes ")
            };
            let lines: Vec<Line> = keys::help(app.focus, &app.keymap, query)
                .iter()
                .map(|(k, what)| key_line(k, what, styles))
                .collect();
            let lines = if lines.is_empty() {
                vec![Line::styled("no key matches", styles.muted)]
            } else {
                lines
            };
            boxed(frame, area, &title, lines, 80, 0, styles);
        }
        Modal::Palette { input, selected } => {
            let matches = crate::tui::app::palette_matches(&input.lines().join(""));
            let spot = centred(
                area,
                70,
                (matches.len() as u16 + 3)
                    .min(area.height.saturating_sub(2))
                    .max(4),
            );
            frame.render_widget(Clear, spot);
            let block = Block::new()
                .borders(Borders::ALL)
                .border_style(styles.focus)
                .title(" Run an action (↑↓ Enter, Esc) ");
            let inner = block.inner(spot);
            frame.render_widget(block, spot);
            let [line, list] =
                Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
            frame.render_widget(input, line);
            let rows: Vec<Line> = matches
                .iter()
                .enumerate()
                .map(|(i, action)| {
                    let keys = app.keymap.keys_of(*action).join(" ");
                    let text = format!("{:<14} {:<12} {}", action.name(), keys, action.describe());
                    let style = if i == *selected {
                        styles.selection
                    } else {
                        styles.text
                    };
                    Line::styled(fit(&text, list.width as usize), style)
                })
                .collect();
            frame.render_widget(Paragraph::new(rows), list);
        }
        Modal::AddActivity(input) => input_box(
            frame,
            area,
            " New activity id (Enter: generate one) ",
            input,
            None,
            styles,
        ),
        Modal::Filter(input) => input_box(frame, area, " Filter activities ", input, None, styles),
        Modal::ConfirmProduction {
            send,
            input,
            mismatch,
        } => {
            let title = format!(
                " PRODUCTION: type `{}` to send {} to {} ",
                app.profile.sandbox, send.event, send.activity
            );
            let error =
                mismatch.then(|| format!("that is not `{}`; Esc cancels", app.profile.sandbox));
            input_box(frame, area, &title, input, error, styles);
        }
        Modal::ConfirmWarnings { send, warnings } => {
            let mut lines = vec![heading(&format!(
                "{} to {} has {} warning(s):",
                send.event,
                send.activity,
                warnings.len()
            ))];
            lines.extend(
                warnings
                    .iter()
                    .map(|w| Line::styled(format!("! {w}"), styles.warning)),
            );
            lines.push(Line::raw(""));
            lines.push(Line::raw("Send anyway? y / Enter sends, n / Esc does not"));
            boxed(frame, area, " Warnings ", lines, 90, 0, styles);
        }
        Modal::ConfirmQuit => {
            let lines = vec![
                Line::raw(format!(
                    "{} send(s) still queued or in flight.",
                    app.in_flight()
                )),
                Line::raw("Quit anyway? Their outcome will show as unknown. y / n"),
            ];
            boxed(frame, area, " Quit ", lines, 70, 0, styles);
        }
        Modal::Detail {
            record,
            run,
            scroll,
        } => boxed(
            frame,
            area,
            &format!(" Send #{} ", record.id),
            detail(record, run.as_deref(), app, styles),
            100,
            *scroll,
            styles,
        ),
    }
}

fn heading(text: &str) -> Line<'static> {
    Line::styled(text.to_string(), Style::new().add_modifier(Modifier::BOLD))
}

fn key_line(key: &str, what: &str, styles: &Styles) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{key:<16}"), styles.focus),
        Span::raw(what.to_string()),
    ])
}

/// A centred box of at most `width`% of the screen.
fn boxed(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    lines: Vec<Line<'static>>,
    width: u16,
    scroll: u16,
    styles: &Styles,
) {
    let height = (lines.len() as u16 + 2)
        .min(area.height.saturating_sub(2))
        .max(3);
    let spot = centred(area, width, height);
    frame.render_widget(Clear, spot);
    let block = Block::new()
        .borders(Borders::ALL)
        .style(styles.text)
        .title(Span::styled(
            title.to_string(),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        spot,
    );
}

fn input_box(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    input: &ratatui_textarea::TextArea<'static>,
    error: Option<String>,
    styles: &Styles,
) {
    let spot = centred(area, 70, if error.is_some() { 4 } else { 3 });
    frame.render_widget(Clear, spot);
    let block = Block::new()
        .borders(Borders::ALL)
        .style(styles.text)
        .title(fit(title, spot.width.saturating_sub(2) as usize));
    let inner = block.inner(spot);
    frame.render_widget(block, spot);
    let [line, message] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    frame.render_widget(input, line);
    if let Some(error) = error {
        frame.render_widget(Paragraph::new(error).style(styles.error), message);
    }
}

/// The import box: the pasted cURL (credentials masked) over the entry it gives.
fn import(
    frame: &mut Frame,
    area: Rect,
    input: &ratatui_textarea::TextArea<'static>,
    preview: Option<&Result<Box<Imported>, String>>,
    styles: &Styles,
) {
    let spot = centred(area, 90, area.height.saturating_sub(2).max(6));
    frame.render_widget(Clear, spot);
    let block = Block::new()
        .borders(Borders::ALL)
        .style(styles.text)
        .border_style(styles.focus)
        .title(fit(
            " Import a campaign: paste AJO's cURL · Ctrl-S adds · Esc cancels ",
            spot.width.saturating_sub(2) as usize,
        ));
    let inner = block.inner(spot);
    frame.render_widget(block, spot);
    let lines = input.lines();
    let shown = (lines.len() as u16).clamp(1, (inner.height / 3).max(1));
    let [pasted, rule, below] = Layout::vertical([
        Constraint::Length(shown),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    // The start of the command (URL and headers; a pasted token is never drawn), and how
    // many lines are not shown.
    let hidden = lines.len().saturating_sub(shown as usize);
    let text: Vec<Line> = if lines.iter().all(|l| l.is_empty()) {
        vec![Line::styled(
            "paste the cURL AJO shows after activating the campaign",
            styles.muted,
        )]
    } else {
        let mut text: Vec<Line> = lines
            .iter()
            .take(shown as usize - usize::from(hidden > 0))
            .map(|l| Line::raw(clean(&import::redact(l))))
            .collect();
        if hidden > 0 {
            let more = format!("… {} more line(s)", hidden + 1);
            text.push(Line::styled(more, styles.muted));
        }
        text
    };
    frame.render_widget(Paragraph::new(text), pasted);
    frame.render_widget(
        Paragraph::new("─".repeat(rule.width as usize)).style(styles.muted),
        rule,
    );
    let lines: Vec<Line> = match preview {
        None => vec![Line::styled(
            "the campaign entry appears here as you paste",
            styles.muted,
        )],
        Some(Err(why)) => why
            .lines()
            .map(|l| Line::styled(clean(l), styles.error))
            .collect(),
        Some(Ok(imported)) => {
            let mut lines: Vec<Line> = imported
                .warnings
                .iter()
                .map(|w| Line::styled(format!("warning: {}", clean(w)), styles.warning))
                .collect();
            // The campaign first: it is what Ctrl-S adds; a proposed profile after it.
            let entries = [
                Some(&imported.campaign_toml),
                imported.profile_toml.as_ref(),
            ];
            for entry in entries.into_iter().flatten() {
                lines.extend(entry.lines().map(|l| Line::raw(clean(l))));
                lines.push(Line::raw(""));
            }
            lines
        }
    };
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), below);
}

fn centred(area: Rect, width_percent: u16, height: u16) -> Rect {
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [spot] = Layout::horizontal([Constraint::Percentage(width_percent)])
        .flex(Flex::Center)
        .areas(row);
    spot
}

/// The request (secrets masked), the response and every attempt of one send.
fn detail(
    record: &SendRecord,
    run: Option<&RunRecord>,
    app: &App,
    styles: &Styles,
) -> Vec<Line<'static>> {
    let mut lines = vec![heading("Request")];
    lines.push(Line::raw(format!("POST {}", record.endpoint)));
    lines.push(Line::raw("Authorization: Bearer ••••••••  (masked)"));
    lines.push(Line::raw("x-api-key: ••••••••  (the profile's client id)"));
    lines.push(Line::raw(format!(
        "x-sandbox-name: {}",
        app.profile.sandbox
    )));
    lines.push(Line::raw("Content-Type: application/json"));
    lines.push(Line::raw(format!(
        "requestId: {}   status: {}",
        record.request_id,
        record.status.as_str()
    )));
    lines.extend(super::preview::highlight(
        &serde_json::to_string_pretty(&record.request_body).unwrap_or_default(),
        styles,
    ));
    lines.push(Line::raw(""));
    lines.push(heading("Attempts"));
    for attempt in &record.attempt_log {
        let (outcome, style) = match (attempt.http_status, &attempt.error) {
            (Some(status), _) => (
                format!("{status} {}", problem::reason(status)),
                styles.http(status),
            ),
            (None, Some(error)) => (clean(error), styles.error),
            (None, None) => ("no answer".into(), styles.error),
        };
        let latency = attempt
            .latency_ms
            .map_or(String::new(), |ms| format!(" in {ms} ms"));
        let retry = attempt.retry_in_ms.map_or(String::new(), |ms| {
            format!(", retried after {:.1} s", ms as f64 / 1000.0)
        });
        lines.push(Line::from(vec![
            Span::raw(format!("#{} ", attempt.number)),
            Span::styled(outcome, style),
            Span::raw(format!("{latency}{retry}")),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(heading("Response"));
    match record.http_status {
        Some(status) => lines.push(Line::styled(
            format!("{status} {}", problem::reason(status)),
            styles.http(status),
        )),
        None => lines.push(Line::styled(
            clean(record.error.as_deref().unwrap_or("no answer")),
            styles.error,
        )),
    }
    for (name, value) in &record.response_headers {
        lines.push(Line::raw(format!("{}: {}", clean(name), clean(value))));
    }
    if let Some(body) = &record.response_body {
        let pretty = serde_json::from_str::<serde_json::Value>(body)
            .ok()
            .and_then(|v| serde_json::to_string_pretty(&v).ok());
        match pretty {
            Some(pretty) => lines.extend(super::preview::highlight(&clean(&pretty), styles)),
            None => lines.extend(clean(body).lines().map(|l| Line::raw(l.to_string()))),
        }
    }
    if let (Some(status), Some(error)) = (record.http_status.filter(|s| *s >= 400), &record.error) {
        lines.push(Line::styled(
            format!("{}: {}", clean(error), problem::hint(status)),
            styles.error,
        ));
    }
    if let Some(run) = run {
        lines.push(Line::raw(""));
        lines.extend(broadcast(run));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("↑↓ scroll · Esc closes", styles.muted));
    lines
}

/// What became of a broadcast: its schedule, its execution's status and counts.
fn broadcast(run: &RunRecord) -> Vec<Line<'static>> {
    let mut lines = vec![heading("Broadcast")];
    if let Some(schedule) = &run.schedule {
        lines.push(Line::raw(clean(&format!(
            "schedule {}: {}{}",
            schedule.schedule_id,
            schedule.status,
            schedule
                .execute_at
                .as_deref()
                .map(|at| format!(", runs at {at}"))
                .unwrap_or_default()
        ))));
    }
    let id = run.execution_id.as_deref().unwrap_or("not started yet");
    lines.push(Line::raw(clean(&format!("execution {id}"))));
    match &run.execution {
        Some(report) => {
            lines.push(Line::raw(clean(&format!("  status: {}", report.status))));
            if let Some(n) = report.targeted {
                lines.push(Line::raw(format!("  targeted profiles: {n}")));
            }
            for (event, n) in report.controls.iter().flatten() {
                lines.push(Line::raw(clean(&format!("  {event} controls: {n}"))));
            }
            if let Some(at) = &report.last_control_at {
                lines.push(Line::raw(clean(&format!("  last control at {at}"))));
            }
        }
        None if run.execution_id.is_some() => lines.push(Line::raw("  status: not polled yet")),
        None => {}
    }
    lines
}
