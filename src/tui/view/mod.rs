//! Drawing: a pure function of the state and the theme. Side by side from 100 columns, tabs
//! below, and a clear message below 60×16. Colours come from [`Styles`] only.

mod editor;
mod lists;
mod modal;
mod preview;
mod status;

use super::app::{App, Pane};
use super::theme::{Styles, Theme};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Tabs, Wrap};

/// The smallest terminal the console draws in.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;
/// From this width the panes stand side by side.
pub const WIDE: u16 = 100;

/// Draws the whole console with the default theme.
pub fn draw(frame: &mut Frame, app: &App) {
    draw_with(frame, app, &Theme::default());
}

/// Draws the whole console with `theme`; in presenter mode the finished frame is masked.
pub fn draw_with(frame: &mut Frame, app: &App, theme: &Theme) {
    draw_panes(frame, app, theme);
    if app.present {
        super::present::mask_buffer(frame.buffer_mut(), &app.secrets);
    }
}

fn draw_panes(frame: &mut Frame, app: &App, theme: &Theme) {
    let styles = &theme.styles;
    let area = frame.area();
    frame.render_widget(Block::new().style(styles.text), area);
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
        wide(frame, main, app, styles);
    } else {
        tabbed(frame, main, app, styles);
    }
    status::draw(frame, bar, app, theme);
    if let Some(modal) = &app.modal {
        modal::draw(frame, area, app, modal, styles);
    }
}

fn wide(frame: &mut Frame, area: Rect, app: &App, styles: &Styles) {
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
    pane(frame, campaigns, app, Pane::Campaigns, styles);
    pane(frame, activities, app, Pane::Activities, styles);
    pane(frame, middle, app, Pane::Editor, styles);
    pane(frame, right, app, Pane::Preview, styles);
    pane(frame, log, app, Pane::Log, styles);
}

fn tabbed(frame: &mut Frame, area: Rect, app: &App, styles: &Styles) {
    let [bar, body] = Layout::vertical([Constraint::Length(1), Constraint::Min(1)]).areas(area);
    let selected = Pane::ALL.iter().position(|p| *p == app.focus).unwrap_or(0);
    let titles: Vec<&str> = Pane::ALL.iter().map(|p| p.title()).collect();
    let tabs = Tabs::new(titles)
        .select(selected)
        .highlight_style(styles.selection.add_modifier(Modifier::BOLD))
        .divider("│");
    frame.render_widget(tabs, bar);
    pane(frame, body, app, app.focus, styles);
}

fn pane(frame: &mut Frame, area: Rect, app: &App, which: Pane, styles: &Styles) {
    let focused = app.focus == which;
    let block = block(which.title(), focused, styles);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    match which {
        Pane::Campaigns => lists::campaigns(frame, inner, app, focused, styles),
        Pane::Activities => lists::activities(frame, inner, app, focused, styles),
        Pane::Editor => editor::draw(frame, inner, app, focused, styles),
        Pane::Preview => preview::draw(frame, inner, app, styles),
        Pane::Log => lists::log(frame, inner, app, focused, styles),
    }
}

/// A pane's frame: the focus style (and a marker) when focused, the border style otherwise.
fn block(title: &str, focused: bool, styles: &Styles) -> Block<'static> {
    let style = if focused { styles.focus } else { styles.border };
    let marker = if focused { "▶ " } else { "" };
    Block::new()
        .borders(Borders::ALL)
        .border_style(style)
        .title(Line::from(vec![Span::styled(
            format!(" {marker}{title} "),
            style,
        )]))
}

/// The style of a selected row: the selection in the focused pane, bold elsewhere.
fn selected(focused: bool, styles: &Styles) -> Style {
    if focused {
        styles.selection
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
