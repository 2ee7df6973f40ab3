//! The campaigns, activities and log panes.

use super::{fit, selected};
use crate::activity::Lifecycle;
use crate::ajo::problem::clean;
use crate::tui::app::{App, is_unknown};
use crate::tui::theme::Styles;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

/// Apple ends a Live Activity after this long.
const ACTIVE_LIMIT_SECONDS: i64 = 8 * 3600;

pub fn campaigns(frame: &mut Frame, area: Rect, app: &App, focused: bool, styles: &Styles) {
    // Narrow panes show the name and the kind; wide ones the id too.
    let wide = area.width >= 48;
    let rows = app.campaigns.iter().map(|c| {
        let kind = match c.kind {
            crate::config::CampaignKind::Transactional => "unitary",
            crate::config::CampaignKind::Marketing => "broadcast",
        };
        let mut cells = vec![Cell::from(c.name.clone()), Cell::from(kind)];
        if wide {
            cells.push(Cell::from(c.id.clone()));
        }
        Row::new(cells)
    });
    let widths = if wide {
        vec![
            Constraint::Fill(3),
            Constraint::Length(9),
            Constraint::Fill(2),
        ]
    } else {
        vec![Constraint::Fill(1), Constraint::Length(9)]
    };
    let table = Table::new(rows, widths).row_highlight_style(selected(focused, styles));
    let mut state = TableState::new().with_selected(Some(app.campaign));
    frame.render_stateful_widget(table, area, &mut state);
}

pub fn activities(frame: &mut Frame, area: Rect, app: &App, focused: bool, styles: &Styles) {
    let visible = app.visible_activities();
    if visible.is_empty() {
        let hint = if app.filter.is_empty() {
            "no activity yet: a adds one"
        } else {
            "no activity matches the filter (/ changes it)"
        };
        frame.render_widget(Paragraph::new(hint).style(styles.muted), area);
        return;
    }
    let now = app.now();
    // Narrow panes keep the id readable: updates and last event only from 48 columns.
    let wide = area.width >= 48;
    let rows = visible.iter().map(|(id, record)| {
        let (state, style) = match record {
            None => ("draft".to_string(), styles.muted),
            Some(r) if is_unknown(r.last_send_status) => {
                ("outcome unknown".to_string(), styles.warning)
            }
            Some(r) => match r.lifecycle_at(now) {
                Lifecycle::Draft => ("draft".into(), styles.muted),
                Lifecycle::Active { .. } => ("active".into(), styles.success),
                Lifecycle::Stale => ("stale".into(), styles.warning),
                Lifecycle::Ended => ("ended".into(), styles.text),
                Lifecycle::Dismissed => ("dismissed".into(), styles.muted),
            },
        };
        let updates = record.map_or(0, |r| r.updates);
        // The scripted step it is on, `3/5`, when the campaign has steps.
        let state = match app.step_of(*record) {
            Some((done, total)) => format!("{state} {done}/{total}"),
            None => state,
        };
        let last = app
            .log
            .iter()
            .find(|row| row.activity == *id)
            .map_or(String::new(), |row| row.event.to_string());
        let age = record
            .and_then(|r| r.started_ms)
            .map_or(String::new(), |started| {
                let seconds = (now - started / 1000).max(0);
                let mark = if seconds > ACTIVE_LIMIT_SECONDS {
                    "!"
                } else {
                    ""
                };
                format!("{}h{:02}/8h{mark}", seconds / 3600, seconds % 3600 / 60)
            });
        let mut cells = vec![
            Cell::from(id.clone()),
            Cell::from(Span::styled(state, style)),
        ];
        if wide {
            cells.extend([Cell::from(updates.to_string()), Cell::from(last)]);
        }
        cells.push(Cell::from(age));
        Row::new(cells)
    });
    let (header, widths) = if wide {
        (
            vec!["id", "state", "upd", "last", "age"],
            vec![
                Constraint::Fill(3),
                Constraint::Length(12),
                Constraint::Length(3),
                Constraint::Length(6),
                Constraint::Length(8),
            ],
        )
    } else {
        (
            vec!["id", "state", "age"],
            vec![
                Constraint::Fill(1),
                Constraint::Length(12),
                Constraint::Length(8),
            ],
        )
    };
    let header = Row::new(header).style(Style::new().add_modifier(Modifier::BOLD));
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(selected(focused, styles));
    let mut state = TableState::new().with_selected(Some(app.activity));
    frame.render_stateful_widget(table, area, &mut state);
    if !app.filter.is_empty() && area.height > 0 {
        let label = fit(&format!(" filter: {} ", app.filter), area.width as usize);
        let spot = Rect {
            y: area.y + area.height - 1,
            height: 1,
            ..area
        };
        frame.render_widget(Paragraph::new(Line::from(label)).style(styles.focus), spot);
    }
}

pub fn log(frame: &mut Frame, area: Rect, app: &App, focused: bool, styles: &Styles) {
    if app.log.is_empty() {
        let hint = "no sends yet: s start · u update · e end · n next step";
        frame.render_widget(Paragraph::new(hint).style(styles.muted), area);
        return;
    }
    let rows = app.log.iter().map(|row| {
        let status_style = match row.status.as_str() {
            "accepted" => styles.success,
            "rejected" | "failed" => styles.error.add_modifier(Modifier::BOLD),
            "cancelled" => styles.muted,
            _ => styles.warning,
        };
        let time = crate::activity::dates::format_unix(row.time);
        Row::new(vec![
            Cell::from(time.get(11..19).unwrap_or(&time).to_string()),
            Cell::from(row.event.to_string()),
            Cell::from(row.activity.clone()),
            Cell::from(Span::styled(row.status.clone(), status_style)),
            Cell::from(row.http.map_or_else(Span::default, |status| {
                Span::styled(status.to_string(), styles.http(status))
            })),
            Cell::from(
                row.latency_ms
                    .map_or(String::new(), |ms| format!("{ms} ms")),
            ),
            Cell::from(clean(&row.result)),
        ])
    });
    let header = Row::new([
        "time", "event", "activity", "status", "http", "latency", "result",
    ])
    .style(Style::new().add_modifier(Modifier::BOLD));
    let widths = [
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Fill(2),
        Constraint::Length(12),
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Fill(3),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(selected(focused, styles));
    let mut state = TableState::new().with_selected(Some(app.log_selected));
    frame.render_stateful_widget(table, area, &mut state);
}
