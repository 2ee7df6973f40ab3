//! The preview pane: lock-screen card, byte meter, diagnostics and the highlighted request.

use super::fit;
use crate::activity::Severity;
use crate::tui::app::App;
use crate::tui::preview::PAYLOAD_LIMIT;
use crate::tui::theme::Styles;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, styles: &Styles) {
    let p = &app.preview;
    let card_height = (p.card.lines.len() as u16 + if p.card.alert.is_some() { 3 } else { 2 })
        .min(area.height / 3)
        .max(3);
    let shown = p.diagnostics.len().min(4) as u16;
    let [card, meter, diagnostics, json] = Layout::vertical([
        Constraint::Length(card_height),
        Constraint::Length(1),
        Constraint::Length(shown + 1),
        Constraint::Min(1),
    ])
    .areas(area);
    lock_card(frame, card, app, styles);
    let ratio = (p.payload_bytes as f64 / PAYLOAD_LIMIT as f64).min(1.0);
    let meter_style = if p.payload_bytes > PAYLOAD_LIMIT {
        styles.error
    } else if ratio > 0.8 {
        styles.warning
    } else {
        styles.success
    };
    let label = format!(
        "{} / {PAYLOAD_LIMIT} bytes · {} ▸ {}",
        p.payload_bytes,
        p.event,
        activity_label(app)
    );
    frame.render_widget(
        Gauge::default()
            .ratio(ratio)
            .label(label)
            .gauge_style(meter_style),
        meter,
    );
    let mut lines = vec![Line::from(Span::styled(
        format!("{} error(s), {} warning(s)", p.errors(), p.warnings()),
        Style::new().add_modifier(Modifier::BOLD),
    ))];
    for d in p.diagnostics.iter().take(shown as usize) {
        let (mark, style) = match d.severity {
            Severity::Error => ("✗", styles.error),
            Severity::Warning => ("!", styles.warning),
            Severity::Info => ("i", styles.info),
        };
        let path = d.path.rsplit("aps.").next().unwrap_or(&d.path);
        let text = fit(
            &format!("{mark} {path}: {}", d.message),
            diagnostics.width as usize,
        );
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(Paragraph::new(lines), diagnostics);
    frame.render_widget(
        Paragraph::new(highlight(&p.json, styles)).scroll((app.preview_scroll, 0)),
        json,
    );
}

fn activity_label(app: &App) -> String {
    app.selected_activity()
        .map_or_else(|| "(no activity)".to_string(), |(id, _)| id)
}

fn lock_card(frame: &mut Frame, area: Rect, app: &App, styles: &Styles) {
    let card = &app.preview.card;
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(styles.border)
        .title(Span::styled(
            format!(" {} ", card.app),
            Style::new().add_modifier(Modifier::BOLD),
        ));
    let mut lines = Vec::new();
    if let Some((title, body)) = &card.alert {
        lines.push(Line::from(vec![
            Span::styled(title.clone(), Style::new().add_modifier(Modifier::BOLD)),
            Span::raw(" "),
            Span::raw(body.clone()),
        ]));
    }
    for line in &card.lines {
        lines.push(Line::from(Span::styled(
            line.clone(),
            Style::new().add_modifier(Modifier::BOLD),
        )));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Styles a pretty-printed JSON text: keys, strings, numbers, booleans and null.
pub fn highlight(json: &str, styles: &Styles) -> Vec<Line<'static>> {
    json.lines()
        .map(|line| highlight_line(line, styles))
        .collect()
}

fn highlight_line(line: &str, styles: &Styles) -> Line<'static> {
    let mut spans = Vec::new();
    let mut rest = line;
    while !rest.is_empty() {
        let start = rest
            .find(|c: char| !c.is_whitespace() && !matches!(c, '{' | '}' | '[' | ']' | ',' | ':'))
            .unwrap_or(rest.len());
        if start > 0 {
            spans.push(Span::raw(rest[..start].to_string()));
            rest = &rest[start..];
            continue;
        }
        let (token, style) = if rest.starts_with('"') {
            let end = string_end(rest);
            let token = &rest[..end];
            let is_key = rest[end..].trim_start().starts_with(':');
            (
                token,
                if is_key {
                    styles.json_key
                } else {
                    styles.json_string
                },
            )
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || matches!(c, ',' | '}' | ']'))
                .unwrap_or(rest.len());
            let token = &rest[..end];
            let style = match token {
                "true" | "false" => styles.json_bool,
                "null" => styles.json_null,
                _ => styles.json_number,
            };
            (token, style)
        };
        spans.push(Span::styled(token.to_string(), style));
        rest = &rest[token.len().max(1).min(rest.len())..];
    }
    Line::from(spans)
}

/// The byte length of the JSON string at the start of `text` (quotes included).
fn string_end(text: &str) -> usize {
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match (escaped, c) {
            (true, _) => escaped = false,
            (false, '\\') => escaped = true,
            (false, '"') => return i + 1,
            _ => {}
        }
    }
    text.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    #[test]
    fn keys_strings_numbers_and_literals_get_their_colours() {
        let line = highlight_line(
            r#"  "a": "x\"y", "n": 12, "t": true, "z": null"#,
            &Styles::default(),
        );
        let styled: Vec<(String, Option<Color>)> = line
            .spans
            .iter()
            .map(|s| (s.content.to_string(), s.style.fg))
            .filter(|(t, _)| !t.trim().is_empty() && t.trim() != ":" && t.trim() != ",")
            .collect();
        assert_eq!(
            styled,
            [
                ("\"a\"".into(), Some(Color::Cyan)),
                ("\"x\\\"y\"".into(), Some(Color::Green)),
                ("\"n\"".into(), Some(Color::Cyan)),
                ("12".into(), Some(Color::Magenta)),
                ("\"t\"".into(), Some(Color::Cyan)),
                ("true".into(), Some(Color::Yellow)),
                ("\"z\"".into(), Some(Color::Cyan)),
                ("null".into(), Some(Color::DarkGray)),
            ]
        );
        let text: String = line.spans.iter().map(|s| s.content.to_string()).collect();
        assert_eq!(
            text, r#"  "a": "x\"y", "n": 12, "t": true, "z": null"#,
            "nothing is lost"
        );
    }
}
