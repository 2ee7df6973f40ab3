//! `liveact` with no command: the console, on the config in use or (`--demo`) on the built-in
//! demo.

use super::{Cli, EXIT_USAGE, load_config, open_store};
use crate::config;
use crate::store::Store;
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
    crate::tui::run_console(&config, profile, store, err)
}
