//! The status bar: profile, sandbox (PROD stands out), token age, sends in flight, last error.

use super::fit;
use crate::ajo::problem::clean;
use crate::tui::app::App;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let mut spans = vec![Span::styled(
        format!(" {} ", app.profile.name),
        Style::new().add_modifier(Modifier::REVERSED),
    )];
    if app.profile.production {
        spans.push(Span::styled(
            format!(" PROD {} ", app.profile.sandbox),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ));
    } else {
        spans.push(Span::raw(format!(" sandbox {} ", app.profile.sandbox)));
    }
    let token = app.token_age.map_or("token -".to_string(), |age| {
        format!("token {}m", age.as_secs() / 60)
    });
    spans.push(Span::raw(format!("· {token} ")));
    let in_flight = app.in_flight();
    let style = if in_flight > 0 {
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    spans.push(Span::styled(format!("· {in_flight} in flight "), style));
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(used + 12);
    if let Some(error) = &app.last_error {
        spans.push(Span::styled(
            format!("· {} ", fit(&clean(error), room)),
            Style::new().fg(Color::Red),
        ));
    } else if let Some(toast) = &app.toast {
        spans.push(Span::styled(
            format!("· {} ", fit(toast, room)),
            Style::new().fg(Color::Green),
        ));
    }
    spans.push(Span::styled("· ? help", Style::new().fg(Color::DarkGray)));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
