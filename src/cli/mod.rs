//! The headless commands. Each writes to the given streams and returns its exit code.

mod args;
mod config_cmd;
mod console_cmd;
mod curl_cmd;
mod draft;
mod export;
mod import_cmd;
mod journal_cmd;
mod mock_cmd;
mod report;
mod runs_cmd;
mod send_cmd;
mod validate_cmd;
mod walk_cmd;

pub use args::{
    Cli, Command, ConfigAction, DraftArgs, Export, HistoryArgs, ImportCurlArgs, ListArgs, MockArgs,
    Output, SchedulesArgs, SendArgs, StatusArgs, ValidateArgs, WalkArgs,
};
pub use send_cmd::{EXIT_FAULT, EXIT_REJECTED};

use crate::config::{self, Config, paths};
use crate::store::Store;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// Success; for `validate`, no error found.
pub const EXIT_OK: u8 = 0;
/// Validation found an error: nothing was (or would be) sent.
pub const EXIT_INVALID: u8 = 1;
/// Usage or config error.
pub const EXIT_USAGE: u8 = 2;

/// Runs one parsed command line.
pub fn run(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    if cli.demo && cli.command.is_some() {
        let _ = writeln!(
            err,
            "error: --demo opens the console and cannot be used with a command; drop one of them"
        );
        return EXIT_USAGE;
    }
    match &cli.command {
        None => console_cmd::run(cli, err),
        Some(Command::Config { action }) => config_cmd::run(cli, action, out, err),
        Some(Command::Validate(args)) => validate_cmd::run(cli, args, out, err),
        Some(Command::Curl(args)) => curl_cmd::run(cli, args, out, err),
        Some(Command::ImportCurl(args)) => import_cmd::run(cli, args, out, err),
        Some(Command::Send(args)) => send_cmd::run(cli, args, out, err),
        Some(Command::Walk(args)) => walk_cmd::run(cli, args, out, err),
        Some(Command::History(args)) => journal_cmd::history(cli, args, out, err),
        Some(Command::Activities(args)) => journal_cmd::activities(cli, args, out, err),
        Some(Command::Status(args)) => runs_cmd::status(cli, args, out, err),
        Some(Command::Schedules(args)) => runs_cmd::schedules(cli, args, out, err),
        Some(Command::Mock(args)) => mock_cmd::run(cli, args, out, err),
    }
}

/// Where the config file is, following `--config`, `$LIVEACT_CONFIG`, `./liveact.toml`, platform.
fn locate(cli: &Cli) -> Result<paths::Located, paths::NotFound> {
    let env = std::env::var(paths::CONFIG_ENV).ok();
    let cwd = std::env::current_dir().unwrap_or_default();
    paths::locate(
        cli.config.as_deref(),
        env.as_deref(),
        &cwd,
        paths::platform_config_file(),
    )
}

/// Finds and loads the config, printing its warnings; on failure prints why and gives the exit code.
fn load_config(cli: &Cli, err: &mut dyn Write) -> Result<Config, u8> {
    let located = locate(cli).map_err(|missing| {
        let _ = writeln!(err, "error: {missing}");
        EXIT_USAGE
    })?;
    match config::load_file(&located.path) {
        Ok(config) => {
            report::config_findings(err, "warning", &config.warnings);
            Ok(config)
        }
        Err(errors) => {
            report::config_findings(err, "error", &errors.0);
            Err(EXIT_USAGE)
        }
    }
}

/// The profile to use (`--profile`, else the config's default), or prints why not and gives the
/// exit code.
fn pick_profile<'c>(
    config: &'c Config,
    cli: &Cli,
    err: &mut dyn Write,
) -> Result<&'c crate::config::Profile, u8> {
    config.profile(cli.profile.as_deref()).map_err(|message| {
        let _ = writeln!(err, "error: {message}");
        EXIT_USAGE
    })
}

/// Looks up a process environment variable (the seam where tests inject none).
fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

/// The state directory: `--state-dir`, `$LIVEACT_STATE_DIR`, then the platform data dir.
fn state_dir(cli: &Cli) -> Option<PathBuf> {
    cli.state_dir.clone().or_else(|| {
        directories::ProjectDirs::from("", "", "liveact").map(|dirs| dirs.data_dir().to_path_buf())
    })
}

/// Opens the journal, or says why not and gives the exit code.
fn open_store(cli: &Cli, err: &mut dyn Write) -> Result<Arc<Store>, u8> {
    let Some(dir) = state_dir(cli) else {
        let _ = writeln!(
            err,
            "error: no home directory for the journal; pass --state-dir DIR"
        );
        return Err(EXIT_USAGE);
    };
    Store::open(&dir).map(Arc::new).map_err(|e| {
        let _ = writeln!(err, "error: {e}");
        EXIT_USAGE
    })
}
