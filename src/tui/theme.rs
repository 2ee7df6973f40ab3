//! Themes: semantic roles (text, focus, errors, JSON tokens, HTTP status classes…) read from
//! TOML and resolved once into ready [`Style`]s for the terminal's colour depth. A theme file is
//! a patch on the default; a broken one never stops the console: what is wrong keeps the
//! default and becomes a warning for the status bar. Views use [`Styles`] and never name a
//! colour.

use crate::config::Pos;
use ratatui::style::{Color, Modifier, Style};
use std::borrow::Cow;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// The themes built into the binary, by name. `default` is the base every theme patches.
pub const SHIPPED: [(&str, &str); 4] = [
    ("default", include_str!("../../themes/default.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
];

/// The environment variable that names a theme (after `--theme`, before the config's `theme`).
pub const THEME_ENV: &str = "LIVEACT_THEME";

/// `--color`: how many colours the console draws with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// No colour if NO_COLOR is set; truecolor if COLORTERM says so, 256 if TERM does, else 16.
    #[default]
    Auto,
    /// Modifiers only: reversed selection, bold focus, bold and underlined errors.
    Never,
    /// The 16 named ANSI colours; other colours become the nearest of them.
    #[value(name = "16")]
    Ansi16,
    /// The xterm 256-colour palette; hex colours become the nearest of it.
    #[value(name = "256")]
    Ansi256,
    /// Hex colours as written.
    Truecolor,
}

/// The colours a terminal shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorDepth {
    NoColor,
    Ansi16,
    Ansi256,
    TrueColor,
}

impl ColorChoice {
    /// The depth to draw with. An explicit choice wins over `NO_COLOR`, as no-color.org asks.
    pub fn depth(self, env: &dyn Fn(&str) -> Option<String>) -> ColorDepth {
        let var = |name: &str| env(name).filter(|value| !value.is_empty());
        match self {
            ColorChoice::Never => ColorDepth::NoColor,
            ColorChoice::Ansi16 => ColorDepth::Ansi16,
            ColorChoice::Ansi256 => ColorDepth::Ansi256,
            ColorChoice::Truecolor => ColorDepth::TrueColor,
            ColorChoice::Auto if var("NO_COLOR").is_some() => ColorDepth::NoColor,
            ColorChoice::Auto
                if var("COLORTERM")
                    .is_some_and(|v| v.contains("truecolor") || v.contains("24bit")) =>
            {
                ColorDepth::TrueColor
            }
            ColorChoice::Auto if var("TERM").is_some_and(|v| v.contains("256color")) => {
                ColorDepth::Ansi256
            }
            ColorChoice::Auto => ColorDepth::Ansi16,
        }
    }
}

impl ColorDepth {
    /// `color` as this depth shows it: the nearest available colour, or `Reset` without colour.
    pub fn map(self, color: Color) -> Color {
        match (self, color) {
            (ColorDepth::NoColor, _) => Color::Reset,
            (ColorDepth::Ansi16, Color::Rgb(r, g, b)) => nearest_16([r, g, b]),
            (ColorDepth::Ansi16, Color::Indexed(i)) if usize::from(i) < ANSI.len() => {
                ANSI[usize::from(i)].0
            }
            (ColorDepth::Ansi16, Color::Indexed(i)) => nearest_16(indexed_rgb(i)),
            (ColorDepth::Ansi256, Color::Rgb(r, g, b)) => nearest_256([r, g, b]),
            (_, color) => color,
        }
    }
}

/// The 16 named colours in ANSI order, with xterm's default values.
const ANSI: [(Color, [u8; 3]); 16] = [
    (Color::Black, [0, 0, 0]),
    (Color::Red, [205, 0, 0]),
    (Color::Green, [0, 205, 0]),
    (Color::Yellow, [205, 205, 0]),
    (Color::Blue, [0, 0, 238]),
    (Color::Magenta, [205, 0, 205]),
    (Color::Cyan, [0, 205, 205]),
    (Color::Gray, [229, 229, 229]),
    (Color::DarkGray, [127, 127, 127]),
    (Color::LightRed, [255, 0, 0]),
    (Color::LightGreen, [0, 255, 0]),
    (Color::LightYellow, [255, 255, 0]),
    (Color::LightBlue, [92, 92, 255]),
    (Color::LightMagenta, [255, 0, 255]),
    (Color::LightCyan, [0, 255, 255]),
    (Color::White, [255, 255, 255]),
];

/// The value of xterm colour `index`: the 16 named ones, a 6×6×6 cube, then 24 greys.
fn indexed_rgb(index: u8) -> [u8; 3] {
    match index {
        0..=15 => ANSI[usize::from(index)].1,
        16..=231 => {
            let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            let i = index - 16;
            [level(i / 36), level(i / 6 % 6), level(i % 6)]
        }
        232..=255 => {
            let grey = 8 + 10 * (index - 232);
            [grey, grey, grey]
        }
    }
}

/// How different two colours look: the "redmean" weighted distance (squared).
fn distance(a: [u8; 3], b: [u8; 3]) -> u32 {
    let mean = (u32::from(a[0]) + u32::from(b[0])) / 2;
    let square = |i: usize| u32::from(a[i].abs_diff(b[i])).pow(2);
    (((512 + mean) * square(0)) >> 8) + 4 * square(1) + (((767 - mean) * square(2)) >> 8)
}

/// The named colour nearest to `rgb`.
fn nearest_16(rgb: [u8; 3]) -> Color {
    ANSI.iter()
        .min_by_key(|(_, value)| distance(*value, rgb))
        .map_or(Color::Reset, |(color, _)| *color)
}

/// The colour of the 256-colour palette nearest to `rgb`; the first 16 are left out because
/// terminals set them as they like.
fn nearest_256(rgb: [u8; 3]) -> Color {
    (16..=255u8)
        .min_by_key(|&i| distance(indexed_rgb(i), rgb))
        .map_or(Color::Reset, Color::Indexed)
}

/// One ready style per role of a theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Styles {
    /// The base of every pane.
    pub text: Style,
    /// Hints, drafts, empty values.
    pub muted: Style,
    /// Pane borders without the focus.
    pub border: Style,
    /// The focused pane's border and title, key names, the filter.
    pub focus: Style,
    /// The selected row, tab or field of the focused pane.
    pub selection: Style,
    pub error: Style,
    pub warning: Style,
    pub success: Style,
    /// Informational diagnostics.
    pub info: Style,
    pub json_key: Style,
    pub json_string: Style,
    pub json_number: Style,
    pub json_bool: Style,
    pub json_null: Style,
    pub http_2xx: Style,
    pub http_3xx: Style,
    pub http_4xx: Style,
    pub http_5xx: Style,
}

/// The tables that group roles in a theme file.
const SECTIONS: [&str; 2] = ["json", "http"];

/// The default theme's styles, parsed once.
static DEFAULT_STYLES: LazyLock<Styles> = LazyLock::new(|| {
    let mut styles = Styles::BLANK;
    styles.patch(SHIPPED[0].1, "`default`");
    styles
});

impl Default for Styles {
    /// The default theme, colours as written.
    fn default() -> Self {
        DEFAULT_STYLES.clone()
    }
}

impl Styles {
    const BLANK: Styles = Styles {
        text: Style::new(),
        muted: Style::new(),
        border: Style::new(),
        focus: Style::new(),
        selection: Style::new(),
        error: Style::new(),
        warning: Style::new(),
        success: Style::new(),
        info: Style::new(),
        json_key: Style::new(),
        json_string: Style::new(),
        json_number: Style::new(),
        json_bool: Style::new(),
        json_null: Style::new(),
        http_2xx: Style::new(),
        http_3xx: Style::new(),
        http_4xx: Style::new(),
        http_5xx: Style::new(),
    };

    /// Every role with its name in a theme file.
    fn roles_mut(&mut self) -> [(&'static str, &mut Style); 18] {
        [
            ("text", &mut self.text),
            ("muted", &mut self.muted),
            ("border", &mut self.border),
            ("focus", &mut self.focus),
            ("selection", &mut self.selection),
            ("error", &mut self.error),
            ("warning", &mut self.warning),
            ("success", &mut self.success),
            ("info", &mut self.info),
            ("json.key", &mut self.json_key),
            ("json.string", &mut self.json_string),
            ("json.number", &mut self.json_number),
            ("json.bool", &mut self.json_bool),
            ("json.null", &mut self.json_null),
            ("http.2xx", &mut self.http_2xx),
            ("http.3xx", &mut self.http_3xx),
            ("http.4xx", &mut self.http_4xx),
            ("http.5xx", &mut self.http_5xx),
        ]
    }

    /// The style of an HTTP status by its class.
    pub fn http(&self, status: u16) -> Style {
        match status {
            200..=299 => self.http_2xx,
            300..=399 => self.http_3xx,
            400..=499 => self.http_4xx,
            500.. => self.http_5xx,
            _ => self.text,
        }
    }

    /// The default theme patched with theme file `text`; `label` names the file in warnings.
    /// Colours stay as written (see [`Styles::for_depth`]).
    pub fn parse(text: &str, label: &str) -> (Styles, Vec<String>) {
        let mut styles = Styles::default();
        let warnings = styles.patch(text, label);
        (styles, warnings)
    }

    /// Applies the roles written in `text`. A syntax error changes nothing; a bad role keeps
    /// its current style. Returns what went wrong.
    fn patch(&mut self, text: &str, label: &str) -> Vec<String> {
        let line = |span: Range<usize>| Pos::of(text, span.start).line;
        let root = match DeTable::parse(text) {
            Ok(root) => root.into_inner(),
            Err(e) => {
                let at = e
                    .span()
                    .map_or(String::new(), |span| format!("line {}: ", line(span)));
                let message = e.message().trim_end().replace('\n', " ");
                return vec![format!(
                    "theme {label}: {at}{message}; using the default theme"
                )];
            }
        };
        let mut warnings = Vec::new();
        let mut set = |name: &str, key: &Spanned<Cow<'_, str>>, value: &Spanned<DeValue>| {
            if let Err((span, message)) = self.set(name, key, value) {
                warnings.push(format!(
                    "theme {label}: line {}: {message}; using the default for it",
                    line(span)
                ));
            }
        };
        for (key, value) in &root {
            let name: &str = key.get_ref();
            match value.get_ref() {
                DeValue::Table(table) if SECTIONS.contains(&name) => {
                    for (inner, value) in table {
                        set(&format!("{name}.{}", inner.get_ref()), inner, value);
                    }
                }
                _ => set(name, key, value),
            }
        }
        warnings
    }

    /// Sets role `name` from its value; on error, where it is and what is wrong.
    fn set(
        &mut self,
        name: &str,
        key: &Spanned<Cow<'_, str>>,
        value: &Spanned<DeValue>,
    ) -> Result<(), (Range<usize>, String)> {
        if SECTIONS.contains(&name) {
            let roles: Vec<&str> = self
                .roles_mut()
                .into_iter()
                .filter_map(|(role, _)| role.strip_prefix(name)?.strip_prefix('.'))
                .collect();
            return Err((
                value.span(),
                format!(
                    "`{name}` is a table of roles ({}), not a role",
                    roles.join(", ")
                ),
            ));
        }
        let Some((_, slot)) = self.roles_mut().into_iter().find(|(role, _)| *role == name) else {
            return Err((key.span(), format!("unknown role `{name}`")));
        };
        *slot = role(value.get_ref())
            .map_err(|message| (value.span(), format!("role `{name}`: {message}")))?;
        Ok(())
    }

    /// These styles as `depth` shows them. Without colour every colour is `Reset` and each role
    /// gains the `mono` theme's modifiers, so selection, focus and errors still stand out.
    pub fn for_depth(mut self, depth: ColorDepth) -> Styles {
        let mut mono = if depth == ColorDepth::NoColor {
            Styles::parse(shipped("mono"), "`mono`").0
        } else {
            Styles::BLANK
        };
        for ((_, style), (_, plain)) in self.roles_mut().into_iter().zip(mono.roles_mut()) {
            style.fg = style.fg.map(|color| depth.map(color));
            style.bg = style.bg.map(|color| depth.map(color));
            *style = style.add_modifier(plain.add_modifier);
        }
        self
    }
}

/// The text of a shipped theme.
fn shipped(name: &str) -> &'static str {
    SHIPPED
        .iter()
        .find(|(shipped, _)| *shipped == name)
        .map_or("", |(_, text)| text)
}

/// A role: a colour (the foreground) or a table of colours and modifiers.
fn role(value: &DeValue) -> Result<Style, String> {
    let DeValue::Table(table) = value else {
        return color(value).map(|color| Style::new().fg(color));
    };
    let mut style = Style::new();
    for (key, value) in table {
        let key: &str = key.get_ref();
        let modifier = match key {
            "fg" => {
                style = style.fg(color(value.get_ref())?);
                continue;
            }
            "bg" => {
                style = style.bg(color(value.get_ref())?);
                continue;
            }
            "bold" => Modifier::BOLD,
            "italic" => Modifier::ITALIC,
            "underlined" => Modifier::UNDERLINED,
            "reversed" => Modifier::REVERSED,
            "dim" => Modifier::DIM,
            _ => {
                return Err(format!(
                    "unknown attribute `{key}` (fg, bg, bold, italic, underlined, reversed, dim)"
                ));
            }
        };
        match value.get_ref() {
            DeValue::Boolean(true) => style = style.add_modifier(modifier),
            DeValue::Boolean(false) => {}
            _ => return Err(format!("`{key}` is true or false")),
        }
    }
    Ok(style)
}

/// A colour: a name such as `lightblue`, `#rrggbb`, or 0-255 (as a number or a string).
fn color(value: &DeValue) -> Result<Color, String> {
    match value {
        DeValue::String(text) => text.parse().map_err(|_| {
            format!("`{text}` is not a colour (a name such as lightblue, #rrggbb, or 0-255)")
        }),
        DeValue::Integer(n) => u8::from_str_radix(n.as_str(), n.radix())
            .map(Color::Indexed)
            .map_err(|_| format!("{n} is not a colour index (0-255)")),
        _ => Err(
            "expected a colour such as \"cyan\" or \"#5fafff\", or a table such as { fg = \"cyan\", bold = true }"
                .into(),
        ),
    }
}

/// What the console draws with: the resolved styles and what went wrong loading them.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub styles: Styles,
    pub depth: ColorDepth,
    /// One line per problem, naming the theme file.
    pub warnings: Vec<String>,
}

impl Default for Theme {
    /// The default theme in 16 colours.
    fn default() -> Self {
        Theme {
            styles: Styles::default(),
            depth: ColorDepth::Ansi16,
            warnings: Vec::new(),
        }
    }
}

/// Where a theme may be named, highest precedence first: `--theme`, `$LIVEACT_THEME`, the
/// config's `theme`. Each is a shipped name, a user theme's name, or a path to a TOML file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sources<'a> {
    pub flag: Option<&'a str>,
    pub env: Option<&'a str>,
    /// The config's `theme` and the config file: relative paths start at its directory.
    pub config: Option<(&'a str, &'a Path)>,
    /// Where user themes live (see [`user_dir`]).
    pub user_dir: Option<&'a Path>,
}

impl Theme {
    /// Finds, reads and resolves the theme for `depth`. Never fails: a missing or broken theme
    /// falls back to the default, with warnings.
    pub fn load(sources: &Sources<'_>, depth: ColorDepth) -> Theme {
        fn given(spec: Option<&str>) -> Option<&str> {
            spec.filter(|s| !s.trim().is_empty())
        }
        let chosen = given(sources.flag)
            .or(given(sources.env))
            .map(|spec| (spec, None))
            .or_else(|| {
                let (spec, file) = sources.config?;
                Some((given(Some(spec))?, file.parent()))
            });
        let (styles, warnings) = match chosen {
            None => (Styles::default(), Vec::new()),
            Some((spec, base)) => match find(spec, base, sources.user_dir) {
                Ok((text, label)) => Styles::parse(&text, &label),
                Err(message) => (Styles::default(), vec![message]),
            },
        };
        Theme {
            styles: styles.for_depth(depth),
            depth,
            warnings,
        }
    }
}

/// The text of theme `spec` and its label for warnings. A spec with a `/` or ending in `.toml`
/// is a path (relative to `base` if given); a name is looked up in `user_dir`, then among the
/// shipped themes.
fn find(
    spec: &str,
    base: Option<&Path>,
    user_dir: Option<&Path>,
) -> Result<(String, String), String> {
    let read = |path: &Path| {
        std::fs::read_to_string(path)
            .map(|text| (text, path.display().to_string()))
            .map_err(|e| {
                format!(
                    "theme {}: cannot read it: {e}; using the default theme",
                    path.display()
                )
            })
    };
    if spec.contains(['/', '\\']) || spec.ends_with(".toml") {
        return read(&base.map_or_else(|| PathBuf::from(spec), |base| base.join(spec)));
    }
    if let Some(path) = user_dir
        .map(|dir| dir.join(format!("{spec}.toml")))
        .filter(|path| path.is_file())
    {
        return read(&path);
    }
    match SHIPPED.iter().find(|(name, _)| *name == spec) {
        Some((name, text)) => Ok((text.to_string(), format!("`{name}`"))),
        None => {
            let names: Vec<&str> = SHIPPED.iter().map(|(name, _)| *name).collect();
            let user = user_dir.map_or(String::new(), |dir| {
                format!(" or {}", dir.join(format!("{spec}.toml")).display())
            });
            Err(format!(
                "theme `{spec}`: no such theme (shipped: {}{user}); using the default theme",
                names.join(", ")
            ))
        }
    }
}

/// Where user themes live: `themes/` next to the platform `config.toml`.
pub fn user_dir() -> Option<PathBuf> {
    crate::config::paths::platform_config_file()
        .and_then(|file| file.parent().map(|dir| dir.join("themes")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_colours_map_to_the_nearest_of_16() {
        let cases = [
            ([0, 0, 0], Color::Black),
            ([255, 0, 0], Color::LightRed),
            ([200, 10, 10], Color::Red),
            ([128, 128, 128], Color::DarkGray),
            ([250, 250, 250], Color::White),
            ([0x5f, 0xaf, 0xff], Color::LightBlue),
            ([0xaf, 0x5f, 0x00], Color::Red),
        ];
        for (rgb, expected) in cases {
            assert_eq!(nearest_16(rgb), expected, "{rgb:?}");
        }
    }

    #[test]
    fn hex_colours_map_to_the_nearest_of_256() {
        let cases = [
            ([255, 0, 0], 196),
            ([0x5f, 0xaf, 0xff], 75),
            ([0xaf, 0x5f, 0x00], 130),
            ([128, 128, 128], 244),
            ([0, 0, 0], 16),
            ([250, 250, 250], 231),
            ([0x12, 0x12, 0x12], 233),
        ];
        for (rgb, expected) in cases {
            assert_eq!(nearest_256(rgb), Color::Indexed(expected), "{rgb:?}");
        }
    }

    #[test]
    fn every_palette_colour_maps_to_itself() {
        for i in 16..=255u8 {
            assert_eq!(nearest_256(indexed_rgb(i)), Color::Indexed(i));
        }
        for (color, rgb) in ANSI {
            assert_eq!(nearest_16(rgb), color);
        }
    }

    #[test]
    fn the_cube_and_the_greys_have_xterm_values() {
        assert_eq!(indexed_rgb(16), [0, 0, 0]);
        assert_eq!(indexed_rgb(75), [0x5f, 0xaf, 0xff]);
        assert_eq!(indexed_rgb(231), [255, 255, 255]);
        assert_eq!(indexed_rgb(232), [8, 8, 8]);
        assert_eq!(indexed_rgb(255), [238, 238, 238]);
    }
}
