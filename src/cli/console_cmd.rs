//! `liveact` with no command: the console, on the config in use or (`--demo`) on the built-in
//! demo.

use super::{Cli, EXIT_USAGE, load_config, open_store, process_env};
use crate::ajo::problem::clean;
use crate::config::{self, Config};
use crate::store::Store;
use crate::tui::theme::{self, Theme};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub fn run(cli: &Cli, err: &mut dyn Write) -> u8 {
    let config = if cli.demo {
        match config::parse(config::EXAMPLE, Path::new("(built-in demo)"), false) {
            Ok(config) => config,
            Err(errors) => {
                let _ = writeln!(err, "error: {errors}");
                return EXIT_USAGE;
            }
        }
    } else {
        match load_config(cli, err) {
            Ok(config) => config,
            Err(code) => return code,
        }
    };
    let profile_name = if cli.demo {
        Some(cli.profile.as_deref().unwrap_or("demo"))
    } else {
        cli.profile.as_deref()
    };
    let profile = match config.profile(profile_name) {
        Ok(profile) => profile,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    // The demo keeps its journal in a temporary directory unless told otherwise.
    let temporary = if cli.demo && cli.state_dir.is_none() {
        match tempfile::Builder::new().prefix("liveact-demo-").tempdir() {
            Ok(dir) => Some(dir),
            Err(e) => {
                let _ = writeln!(
                    err,
                    "error: cannot create a temporary state directory: {e}; pass --state-dir"
                );
                return EXIT_USAGE;
            }
        }
    } else {
        None
    };
    let store = match &temporary {
        Some(dir) => match Store::open(dir.path()) {
            Ok(store) => Arc::new(store),
            Err(e) => {
                let _ = writeln!(err, "error: {e}");
                return EXIT_USAGE;
            }
        },
        None => match open_store(cli, err) {
            Ok(store) => store,
            Err(code) => return code,
        },
    };
    let theme = load_theme(cli, &config, &process_env);
    for warning in &theme.warnings {
        let _ = writeln!(err, "warning: {}", clean(warning));
    }
    crate::tui::run_console(&config, profile, store, theme, cli.present, err)
}

/// The theme from `--theme`, `$LIVEACT_THEME` or the config, for `--color` and the terminal.
fn load_theme(cli: &Cli, config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Theme {
    let named = env(theme::THEME_ENV);
    let user_dir = theme::user_dir();
    let sources = theme::Sources {
        flag: cli.theme.as_deref(),
        env: named.as_deref(),
        config: config
            .theme
            .as_deref()
            .map(|spec| (spec, config.path.as_path())),
        user_dir: user_dir.as_deref(),
    };
    Theme::load(&sources, cli.color.depth(env))
}
