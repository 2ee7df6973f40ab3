//! The status bar: profile, sandbox (PROD stands out), token age, sends in flight, then the last
//! error, a toast or a theme warning.

use super::fit;
use crate::ajo::problem::clean;
use crate::tui::app::App;
use crate::tui::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let styles = &theme.styles;
    let mut spans = Vec::new();
    if app.present {
        spans.push(Span::styled(
            " PRESENTING · ids masked ",
            styles
                .warning
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
        ));
    }
    spans.push(Span::styled(
        format!(" {} ", app.profile.name),
        Style::new().add_modifier(Modifier::REVERSED),
    ));
    if app.profile.production {
        spans.push(Span::styled(
            format!(" PROD {} ", app.profile.sandbox),
            styles
                .error
                .add_modifier(Modifier::REVERSED | Modifier::BOLD),
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
        styles.warning.add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    spans.push(Span::styled(format!("· {in_flight} in flight "), style));
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = (area.width as usize).saturating_sub(used + 12);
    let message = if let Some(error) = &app.last_error {
        Some((clean(error), styles.error))
    } else if let Some(toast) = &app.toast {
        Some((toast.clone(), styles.success))
    } else {
        theme_warning(theme).map(|warning| (warning, styles.warning))
    };
    if let Some((text, style)) = message {
        spans.push(Span::styled(format!("· {} ", fit(&text, room)), style));
    }
    spans.push(Span::styled("· ? help", styles.muted));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The first problem with the theme and how many more there are (stderr lists them all).
fn theme_warning(theme: &Theme) -> Option<String> {
    let first = clean(theme.warnings.first()?);
    Some(match theme.warnings.len() {
        1 => first,
        n => format!("{first} (+{} more)", n - 1),
    })
}
