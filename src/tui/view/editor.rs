//! The editor pane: a tab per section, a line per field, or the raw JSON.

use super::fit;
use crate::tui::app::App;
use crate::tui::form::{Input, Section};
use crate::tui::theme::Styles;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Tabs};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool, styles: &Styles) {
    let [tabs, body, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let selected = Section::ALL
        .iter()
        .position(|s| *s == app.section)
        .unwrap_or(0);
    let titles: Vec<&str> = Section::ALL.iter().map(|s| s.title()).collect();
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(styles.selection)
            .divider("│"),
        tabs,
    );
    let hint = match (app.editing, app.section) {
        (true, Section::Raw) => "editing JSON · Esc applies",
        (true, _) => "editing · Enter or Esc ends",
        (false, Section::Raw) => "Enter edits the draft as JSON · [ ] tabs",
        (false, _) => "↑↓ field · ←→ choice · Enter edit · [ ] tabs",
    };
    frame.render_widget(Paragraph::new(hint).style(styles.muted), help);
    if app.section == Section::Raw {
        raw(frame, body, app, focused, styles);
    } else {
        fields(frame, body, app, focused, styles);
    }
}

fn fields(frame: &mut Frame, area: Rect, app: &App, focused: bool, styles: &Styles) {
    let fields = app.form.fields(app.section);
    if fields.is_empty() {
        let text = format!("this campaign has no {} fields", app.section.title());
        frame.render_widget(Paragraph::new(text).style(styles.muted), area);
        return;
    }
    let label_width = fields
        .iter()
        .map(|f| f.name.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(4, 20) as u16
        + 2;
    let now = app.now();
    let mut y = area.y;
    let bottom = area.y + area.height;
    // Keep the selected field on screen: skip fields above it when they would push it off.
    let first = app
        .field
        .saturating_sub(area.height.saturating_sub(1) as usize / 2);
    for (index, field) in fields.iter().enumerate().skip(first) {
        if y >= bottom {
            break;
        }
        let is_selected = index == app.field;
        let required = field.spec.as_ref().is_some_and(|s| s.required);
        let label = format!("{}{}", field.name, if required { "*" } else { "" });
        let label_style = if is_selected && focused {
            styles.selection
        } else {
            styles.json_key
        };
        let label_area = Rect {
            x: area.x,
            y,
            width: label_width.min(area.width),
            height: 1,
        };
        frame.render_widget(
            Paragraph::new(Span::styled(
                fit(&label, label_width as usize - 1),
                label_style,
            )),
            label_area,
        );
        let value_area = Rect {
            x: area.x + label_area.width,
            y,
            width: area.width.saturating_sub(label_area.width),
            height: 1,
        };
        match &field.input {
            Input::Text(text) if is_selected && app.editing => {
                frame.render_widget(&**text, value_area)
            }
            Input::Text(text) => {
                let value = text.lines().join("");
                let shown = if value.is_empty() {
                    Span::styled("·", styles.muted)
                } else {
                    Span::raw(value)
                };
                frame.render_widget(Paragraph::new(shown), value_area);
            }
            Input::Choice { values, index } => {
                let value = index
                    .and_then(|i| values.get(i))
                    .map_or("(not set)", String::as_str);
                let line = Line::from(vec![
                    Span::raw("‹ "),
                    Span::styled(value.to_string(), Style::new().add_modifier(Modifier::BOLD)),
                    Span::raw(" ›"),
                ]);
                frame.render_widget(Paragraph::new(line), value_area);
            }
        }
        y += 1;
        if let Some(resolved) = field.resolved(now)
            && y < bottom
        {
            let hint_area = Rect {
                x: value_area.x,
                y,
                width: value_area.width,
                height: 1,
            };
            frame.render_widget(Paragraph::new(resolved).style(styles.muted), hint_area);
            y += 1;
        }
    }
}

fn raw(frame: &mut Frame, area: Rect, app: &App, focused: bool, styles: &Styles) {
    let error_height = u16::from(app.form.raw_error.is_some());
    let [text, error] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(error_height)]).areas(area);
    if app.editing && focused {
        frame.render_widget(&app.form.raw, text);
    } else {
        let lines: Vec<Line> = app
            .form
            .raw
            .lines()
            .iter()
            .map(|l| Line::from(l.clone()))
            .collect();
        frame.render_widget(Paragraph::new(lines), text);
    }
    if let Some(message) = &app.form.raw_error {
        frame.render_widget(
            Paragraph::new(fit(message, error.width as usize)).style(styles.error),
            error,
        );
    }
}
