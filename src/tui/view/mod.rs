//! Drawing: a pure function of the state. Side by side from 100 columns, tabs below, and a
//! clear message below 60×16.

mod editor;
mod lists;
mod modal;
mod preview;
mod status;

use super::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Tabs, Wrap};

/// The smallest terminal the console draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width the panes stand side by side.
pub const WIDE: u16 = 100;

/// Draws the whole console.
pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "terminal too small ({}×{}, needs {MIN_WIDTH}×{MIN_HEIGHT})",
            area.width, area.height
        );
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    let [main, bar] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    if area.width >= WIDE {
        wide(frame, main, app);
    } else {
        tabbed(frame, main, app);
    }
    status::draw(frame, bar, app);
    if let Some(modal) = &app.modal {
        modal::draw(frame, area, app, modal);
    }
}

fn wide(frame: &mut Frame, area: Rect, app: &App) {
    let log_height = (area.height / 4).clamp(5, 12);
    let [top, log] =
        Layout::vertical([Constraint::Min(8), Constraint::Length(log_height)]).areas(area);
    let [left, middle, right] = Layout::horizontal([
        Constraint::Percentage(22),
        Constraint::Percentage(38),
        Constraint::Percentage(40),
    ])
    .areas(top);
    let campaigns_height = (app.campaigns.len() as u16 + 2).clamp(4, left.height / 2);
    let [campaigns, activities] =
        Layout::vertical([Constraint::Length(campaigns_height), Constraint::Min(3)]).areas(left);
    pane(frame, campaigns, app, Pane::Campaigns);
    pane(frame, activities, app, Pane::Activities);
    pane(frame, middle, app, Pane::Editor);
    pane(frame, right, app, Pane::Preview);
    pane(frame, log, app, Pane::Log);
}

fn tabbed(frame: &mut Frame, area: Rect, app: &App) {
    let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let selected = Pane::ALL.iter().position(|p| *p == app.focus).unwrap_or(0);
    let titles: Vec<&str> = Pane::ALL.iter().map(|p| p.title()).collect();
    let tabs = Tabs::new(titles)
        .select(selected)
        .highlight_style(Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD))
        .divider("│");
    frame.render_widget(tabs, bar);
    pane(frame, body, app, app.focus);
}

fn pane(frame: &mut Frame, area: Rect, app: &App, which: Pane) {
    let focused = app.focus == which;
    let block = block(which.title(), focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match which {
        Pane::Campaigns => lists::campaigns(frame, inner, app, focused),
        Pane::Activities => lists::activities(frame, inner, app, focused),
        Pane::Editor => editor::draw(frame, inner, app, focused),
        Pane::Preview => preview::draw(frame, inner, app),
        Pane::Log => lists::log(frame, inner, app, focused),
    }
}

/// A pane's frame: bold cyan title and border when focused.
fn block(title: &str, focused: bool) -> Block<'static> {
    let style = if focused {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    } else {
        Style::new().fg(Color::DarkGray)
    };
    let marker = if focused { "▶ " } else { "" };
    Block::new()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Line::from(vec![Span::styled(
            format!(" {marker}{title} "),
            style,
        )]))
}

/// The style of a selected row: reversed, so it shows without colour too.
fn selected(focused: bool) -> Style {
    if focused {
        Style::new().add_modifier(Modifier::REVERSED)
    } else {
        Style::new().add_modifier(Modifier::BOLD)
    }
}

/// Text cut to `width` characters with an ellipsis.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut cut: String = text.chars().take(width - 1).collect();
        cut.push('…');
        cut
    }
}
