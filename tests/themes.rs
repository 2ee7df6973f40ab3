//! Themes: the resolved styles, where a theme is found and in which order, what a broken theme
//! falls back to, colour depths and nearest-colour mapping, and no panic on any theme text.

mod common;

use common::Sandbox;
use liveact::config;
use liveact::tui::theme::{ColorChoice, ColorDepth, SHIPPED, Sources, Styles, Theme};
use proptest::prelude::*;
use ratatui::style::{Color, Modifier, Style};
use std::path::Path;

/// An environment with only these variables.
fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: Vec<(String, String)> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
}

/// The shipped theme `name` as `depth` draws it.
fn shipped(name: &str, depth: ColorDepth) -> Styles {
    let theme = Theme::load(
        &Sources {
            flag: Some(name),
            ..Sources::default()
        },
        depth,
    );
    assert_eq!(theme.warnings, Vec::<String>::new(), "{name}");
    theme.styles
}

/// Every colour a `Styles` sets, foreground and background.
fn colours(styles: &Styles) -> Vec<Color> {
    let all = [
        styles.text,
        styles.muted,
        styles.border,
        styles.focus,
        styles.selection,
        styles.error,
        styles.warning,
        styles.success,
        styles.info,
        styles.json_key,
        styles.json_string,
        styles.json_number,
        styles.json_bool,
        styles.json_null,
        styles.http_2xx,
        styles.http_3xx,
        styles.http_4xx,
        styles.http_5xx,
    ];
    all.iter()
        .flat_map(|style| style.fg.into_iter().chain(style.bg))
        .collect()
}

#[test]
fn the_default_theme_resolves_to_these_styles() {
    let theme = Theme::load(&Sources::default(), ColorDepth::Ansi16);
    assert!(theme.warnings.is_empty());
    assert_eq!(theme.styles, Styles::default());
    insta::assert_debug_snapshot!("default_styles", theme.styles);
    // Only the 16 named colours and reset: it follows the terminal's palette.
    assert!(
        colours(&theme.styles)
            .iter()
            .all(|c| !matches!(c, Color::Rgb(..) | Color::Indexed(_))),
    );
    // Named colours are the same at every depth that has colour.
    for depth in [ColorDepth::Ansi256, ColorDepth::TrueColor] {
        assert_eq!(Theme::load(&Sources::default(), depth).styles, theme.styles);
    }
}

#[test]
fn no_color_draws_with_modifiers_only() {
    let depth = ColorChoice::Auto.depth(&env(&[("NO_COLOR", "1"), ("TERM", "xterm-256color")]));
    assert_eq!(depth, ColorDepth::NoColor);
    let styles = Theme::load(&Sources::default(), depth).styles;
    insta::assert_debug_snapshot!("no_color_styles", styles);
    assert!(colours(&styles).iter().all(|c| *c == Color::Reset));
    assert!(styles.selection.add_modifier.contains(Modifier::REVERSED));
    assert!(styles.focus.add_modifier.contains(Modifier::BOLD));
    assert!(
        styles
            .error
            .add_modifier
            .contains(Modifier::BOLD | Modifier::UNDERLINED)
    );
    // --color never is the same, and so is every shipped theme: no colour, highlights kept.
    assert_eq!(ColorChoice::Never.depth(&env(&[])), ColorDepth::NoColor);
    for (name, _) in SHIPPED {
        let styles = shipped(name, ColorDepth::NoColor);
        assert!(
            colours(&styles).iter().all(|c| *c == Color::Reset),
            "{name}"
        );
        assert!(
            styles.selection.add_modifier.contains(Modifier::REVERSED),
            "{name}"
        );
    }
}

#[test]
fn every_shipped_theme_loads_cleanly_and_mono_has_no_colour() {
    for (name, _) in SHIPPED {
        for depth in [
            ColorDepth::NoColor,
            ColorDepth::Ansi16,
            ColorDepth::Ansi256,
            ColorDepth::TrueColor,
        ] {
            shipped(name, depth);
        }
    }
    let mono = shipped("mono", ColorDepth::TrueColor);
    assert_eq!(colours(&mono), Vec::<Color>::new());
    assert_eq!(mono, shipped("mono", ColorDepth::NoColor));
    assert_ne!(shipped("light", ColorDepth::Ansi16), Styles::default());
    assert_ne!(
        shipped("high-contrast", ColorDepth::Ansi16),
        Styles::default()
    );
}

#[test]
fn the_flag_wins_then_the_environment_then_the_config() {
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("config.toml");
    let load = |flag, env, config: Option<&str>| {
        Theme::load(
            &Sources {
                flag,
                env,
                config: config.map(|spec| (spec, config_file.as_path())),
                user_dir: None,
            },
            ColorDepth::Ansi16,
        )
        .styles
    };
    let [mono, light, contrast] =
        ["mono", "light", "high-contrast"].map(|name| shipped(name, ColorDepth::Ansi16));
    assert_eq!(
        load(Some("mono"), Some("light"), Some("high-contrast")),
        mono
    );
    assert_eq!(load(None, Some("light"), Some("high-contrast")), light);
    assert_eq!(load(None, None, Some("high-contrast")), contrast);
    assert_eq!(load(None, None, None), Styles::default());
    // Empty values count as not given.
    assert_eq!(load(Some(""), Some(""), Some("light")), light);
}

#[test]
fn paths_are_read_and_config_paths_start_at_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("looks")).unwrap();
    std::fs::write(dir.path().join("looks/mine.toml"), "muted = \"#808080\"\n").unwrap();
    let config_file = dir.path().join("config.toml");
    let theme = Theme::load(
        &Sources {
            config: Some(("looks/mine.toml", &config_file)),
            ..Sources::default()
        },
        ColorDepth::Ansi256,
    );
    assert!(theme.warnings.is_empty(), "{:?}", theme.warnings);
    assert_eq!(theme.styles.muted, Style::new().fg(Color::Indexed(244)));
    assert_eq!(theme.styles.text, Styles::default().text, "a patch");

    let path = dir.path().join("looks/mine.toml");
    let theme = Theme::load(
        &Sources {
            flag: path.to_str(),
            ..Sources::default()
        },
        ColorDepth::Ansi16,
    );
    assert_eq!(theme.styles.muted, Style::new().fg(Color::DarkGray));
}

#[test]
fn user_themes_in_the_config_dir_are_found_by_name_before_shipped_ones() {
    let dir = tempfile::tempdir().unwrap();
    let themes = dir.path().join("themes");
    std::fs::create_dir(&themes).unwrap();
    std::fs::write(themes.join("ocean.toml"), "focus = \"blue\"\n").unwrap();
    std::fs::write(themes.join("light.toml"), "focus = \"red\"\n").unwrap();
    let load = |name| {
        Theme::load(
            &Sources {
                env: Some(name),
                user_dir: Some(&themes),
                ..Sources::default()
            },
            ColorDepth::TrueColor,
        )
    };
    assert_eq!(load("ocean").styles.focus, Style::new().fg(Color::Blue));
    assert_eq!(load("light").styles.focus, Style::new().fg(Color::Red));
    assert_eq!(
        load("mono").styles,
        shipped("mono", ColorDepth::TrueColor),
        "shipped themes remain"
    );
    let missing = load("sunset");
    assert_eq!(missing.styles, Styles::default());
    assert_eq!(
        missing.warnings,
        [format!(
            "theme `sunset`: no such theme (shipped: default, light, high-contrast, mono or {}); using the default theme",
            themes.join("sunset.toml").display()
        )]
    );
}

#[test]
fn a_file_with_a_syntax_error_falls_back_to_the_default_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.toml");
    std::fs::write(&path, "text = \"red\"\nmuted = \"gray\"\nfocus = {\n").unwrap();
    let theme = Theme::load(
        &Sources {
            flag: path.to_str(),
            ..Sources::default()
        },
        ColorDepth::Ansi16,
    );
    assert_eq!(
        theme.styles,
        Styles::default(),
        "nothing of the file is used"
    );
    assert_eq!(theme.warnings.len(), 1);
    let warning = &theme.warnings[0];
    let prefix = format!("theme {}: line 3: ", path.display());
    assert!(warning.starts_with(&prefix), "{warning}");
    assert!(warning.ends_with("; using the default theme"), "{warning}");

    let missing = dir.path().join("missing.toml");
    let theme = Theme::load(
        &Sources {
            flag: missing.to_str(),
            ..Sources::default()
        },
        ColorDepth::Ansi16,
    );
    assert_eq!(theme.styles, Styles::default());
    assert!(
        theme.warnings[0].starts_with(&format!("theme {}: cannot read it: ", missing.display())),
        "{:?}",
        theme.warnings
    );
}

#[test]
fn bad_roles_keep_the_default_and_say_where_and_why() {
    let text = r##"# a user theme
muted = "white"
boarder = "red"
error = "reddish"
focus = { fg = "blue", blink = true }
warning = { bold = "yes" }
success = [1, 2]
info = 300
http = "red"

[json]
key = "#5fafff"
kee = "red"
"##;
    let (styles, warnings) = Styles::parse(text, "/path/x.toml");
    insta::assert_snapshot!("bad_roles", warnings.join("\n"));
    let default = Styles::default();
    assert_eq!(
        styles.muted,
        Style::new().fg(Color::White),
        "good roles apply"
    );
    assert_eq!(
        styles.json_key,
        Style::new().fg(Color::Rgb(0x5f, 0xaf, 0xff))
    );
    for (bad, fallback) in [
        (styles.error, default.error),
        (styles.focus, default.focus),
        (styles.warning, default.warning),
        (styles.success, default.success),
        (styles.info, default.info),
    ] {
        assert_eq!(bad, fallback);
    }
}

#[test]
fn a_role_is_a_colour_or_a_table_of_colours_and_modifiers() {
    let text = r##"
selection = { fg = "black", bg = "#ffd700", bold = true, italic = true, underlined = true, reversed = false, dim = true }
muted = "Bright Black"
border = "8"
http.2xx = 10
"##;
    let (styles, warnings) = Styles::parse(text, "t");
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        styles.selection,
        Style::new()
            .fg(Color::Black)
            .bg(Color::Rgb(255, 215, 0))
            .add_modifier(Modifier::BOLD | Modifier::ITALIC | Modifier::UNDERLINED | Modifier::DIM)
    );
    assert_eq!(styles.muted, Style::new().fg(Color::DarkGray));
    assert_eq!(styles.border, Style::new().fg(Color::Indexed(8)));
    assert_eq!(styles.http_2xx, Style::new().fg(Color::Indexed(10)));
    assert_eq!(styles.http(204), styles.http_2xx);
    assert_eq!(styles.http(503), styles.http_5xx);
    // A role written replaces the default's whole style: focus loses its bold.
    let (styles, _) = Styles::parse("focus = \"red\"", "t");
    assert_eq!(styles.focus, Style::new().fg(Color::Red));
}

#[test]
fn hex_and_indexed_colours_become_what_the_terminal_can_show() {
    let gold = Color::Rgb(255, 215, 0);
    assert_eq!(ColorDepth::TrueColor.map(gold), gold);
    assert_eq!(ColorDepth::Ansi256.map(gold), Color::Indexed(220));
    assert_eq!(ColorDepth::Ansi16.map(gold), Color::LightYellow);
    assert_eq!(ColorDepth::NoColor.map(gold), Color::Reset);
    assert_eq!(ColorDepth::Ansi16.map(Color::Indexed(1)), Color::Red);
    assert_eq!(ColorDepth::Ansi16.map(Color::Indexed(196)), Color::LightRed);
    assert_eq!(ColorDepth::Ansi16.map(Color::Indexed(244)), Color::DarkGray);
    assert_eq!(
        ColorDepth::Ansi256.map(Color::Indexed(244)),
        Color::Indexed(244)
    );
    assert_eq!(ColorDepth::Ansi16.map(Color::Cyan), Color::Cyan);
    assert_eq!(ColorDepth::NoColor.map(Color::Cyan), Color::Reset);

    let (styles, _) = Styles::parse("error = { fg = \"#d70000\", bg = 19 }", "t");
    let at = |depth| styles.clone().for_depth(depth).error;
    assert_eq!(
        at(ColorDepth::TrueColor),
        Style::new()
            .fg(Color::Rgb(0xd7, 0, 0))
            .bg(Color::Indexed(19))
    );
    assert_eq!(
        at(ColorDepth::Ansi256),
        Style::new().fg(Color::Indexed(160)).bg(Color::Indexed(19))
    );
    assert_eq!(
        at(ColorDepth::Ansi16),
        Style::new().fg(Color::Red).bg(Color::Blue)
    );
}

#[test]
fn auto_follows_no_color_colorterm_and_term_and_a_choice_wins() {
    let auto = |vars: &[(&str, &str)]| ColorChoice::Auto.depth(&env(vars));
    assert_eq!(auto(&[]), ColorDepth::Ansi16);
    assert_eq!(auto(&[("TERM", "xterm")]), ColorDepth::Ansi16);
    assert_eq!(auto(&[("TERM", "tmux-256color")]), ColorDepth::Ansi256);
    assert_eq!(
        auto(&[("COLORTERM", "truecolor"), ("TERM", "xterm")]),
        ColorDepth::TrueColor
    );
    assert_eq!(auto(&[("COLORTERM", "24bit")]), ColorDepth::TrueColor);
    assert_eq!(
        auto(&[("NO_COLOR", "1"), ("COLORTERM", "truecolor")]),
        ColorDepth::NoColor
    );
    assert_eq!(
        auto(&[("NO_COLOR", ""), ("TERM", "xterm-256color")]),
        ColorDepth::Ansi256,
        "empty is unset"
    );
    let no_color = env(&[("NO_COLOR", "1")]);
    assert_eq!(ColorChoice::Ansi16.depth(&no_color), ColorDepth::Ansi16);
    assert_eq!(ColorChoice::Ansi256.depth(&no_color), ColorDepth::Ansi256);
    assert_eq!(
        ColorChoice::Truecolor.depth(&no_color),
        ColorDepth::TrueColor
    );
}

#[test]
fn the_config_names_a_theme_at_the_top_level() {
    let text = format!("theme = \"light\"\n{}", config::EXAMPLE);
    let loaded = config::parse(&text, Path::new("liveact.toml"), false).unwrap();
    assert_eq!(loaded.theme.as_deref(), Some("light"));
    let text = format!("theme = \" \"\n{}", config::EXAMPLE);
    let loaded = config::parse(&text, Path::new("liveact.toml"), false).unwrap();
    assert_eq!(loaded.theme, None);
    assert!(
        loaded.warnings.iter().any(|w| w
            .to_string()
            .starts_with("liveact.toml:1:9: theme is empty")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn the_console_prints_theme_warnings_and_rejects_a_bad_color() {
    let sandbox = Sandbox::new();
    std::fs::create_dir_all(sandbox.path("xdg-config/liveact/themes")).unwrap();
    let user = sandbox.write(
        "xdg-config/liveact/themes/ocean.toml",
        "boarder = \"blue\"\n",
    );
    // No terminal here: the console refuses to start, after saying what is wrong with the theme.
    let run = sandbox
        .run(&["--demo", "--theme", "ocean", "--color", "never"])
        .expect(2);
    assert!(
        run.stderr().contains(&format!(
            "warning: theme {}: line 1: unknown role `boarder`; using the default for it",
            user.display()
        )),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr().contains("the console needs a terminal"),
        "{}",
        run.stderr()
    );
    let run = Sandbox::new()
        .env("LIVEACT_THEME", "nope")
        .run(&["--demo"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("warning: theme `nope`: no such theme"),
        "{}",
        run.stderr()
    );
    let run = Sandbox::new()
        .run(&["--demo", "--color", "purple"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("[possible values: auto, never, 16, 256, truecolor]"),
        "{}",
        run.stderr()
    );
}

/// Theme-shaped lines: real and misspelt roles and sections, good and bad values.
fn theme_line() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("text".to_string()),
        Just("focus".to_string()),
        Just("json".to_string()),
        Just("json.key".to_string()),
        Just("http.5xx".to_string()),
        Just("\"2xx\"".to_string()),
        "[a-z_.]{1,10}",
    ];
    let value = prop_oneof![
        Just("\"cyan\"".to_string()),
        Just("\"#5fafff\"".to_string()),
        Just("\"#zzzzzz\"".to_string()),
        Just("\"é\u{301}\"".to_string()),
        Just("{ fg = \"red\", bold = true }".to_string()),
        Just("{ fg = 1, bg = -1, dim = 3 }".to_string()),
        Just("{ nested = { fg = \"red\" } }".to_string()),
        Just("1979-05-27T07:32:00Z".to_string()),
        "-?[0-9]{1,4}",
        "\"[^\"\\\\\n]{0,10}\"",
        Just("[]".to_string()),
        Just("{}".to_string()),
    ];
    prop_oneof![
        (key, value).prop_map(|(k, v)| format!("{k} = {v}\n")),
        Just("[json]\n".to_string()),
        Just("[http]\n".to_string()),
        Just("[focus]\n".to_string()),
        "\\PC{0,20}\n",
    ]
}

/// Parses `text` and resolves it at every depth; checks the warnings' shape.
fn parse_never_panics(text: &str) {
    let (styles, warnings) = Styles::parse(text, "/t.toml");
    for warning in &warnings {
        assert!(warning.starts_with("theme /t.toml: "), "{warning}");
        assert!(warning.contains("; using the default"), "{warning}");
    }
    for depth in [
        ColorDepth::NoColor,
        ColorDepth::Ansi16,
        ColorDepth::Ansi256,
        ColorDepth::TrueColor,
    ] {
        let resolved = styles.clone().for_depth(depth);
        if depth == ColorDepth::NoColor {
            assert!(colours(&resolved).iter().all(|c| *c == Color::Reset));
        }
        if depth == ColorDepth::Ansi16 {
            assert!(
                colours(&resolved)
                    .iter()
                    .all(|c| !matches!(c, Color::Rgb(..) | Color::Indexed(_)))
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_theme_text(text in "\\PC{0,200}") {
        parse_never_panics(&text);
    }

    #[test]
    fn theme_shaped_text(lines in prop::collection::vec(theme_line(), 0..12)) {
        parse_never_panics(&lines.concat());
    }

    #[test]
    fn every_rgb_maps_into_the_palette(r: u8, g: u8, b: u8) {
        prop_assert!(matches!(ColorDepth::Ansi256.map(Color::Rgb(r, g, b)), Color::Indexed(16..=255)));
        prop_assert!(!matches!(
            ColorDepth::Ansi16.map(Color::Rgb(r, g, b)),
            Color::Rgb(..) | Color::Indexed(_) | Color::Reset
        ));
    }
}
