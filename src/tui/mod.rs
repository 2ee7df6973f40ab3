//! The terminal console: campaigns, activities, a form editor with a live preview, background
//! sends and their log. `update` is pure, `view` draws, `run` is the loop.

pub mod app;
pub mod external;
pub mod form;
pub mod importer;
pub mod keys;
pub mod present;
pub mod preview;
pub mod run;
mod terminal;
pub mod theme;
pub mod view;

use crate::config::{Config, Profile, ProfileKind};
use crate::connect::{self, ConnectError};
use crate::dispatch::Dispatcher;
use crate::store::Store;
use app::{App, ProfileInfo};
use std::io::{IsTerminal, Write};
use std::sync::Arc;

/// The profile as the status bar shows it.
pub fn profile_info(profile: &Profile) -> ProfileInfo {
    match &profile.kind {
        ProfileKind::Mock(_) => ProfileInfo {
            name: profile.name.clone(),
            sandbox: crate::config::MOCK_SANDBOX.into(),
            production: false,
        },
        ProfileKind::Ajo(ajo) => ProfileInfo {
            name: profile.name.clone(),
            sandbox: ajo.sandbox.clone(),
            production: ajo.production,
        },
    }
}

/// The profile's org id and client id, which presenter mode hides besides the user ids.
fn identifiers(profile: &Profile) -> Vec<String> {
    match &profile.kind {
        ProfileKind::Mock(_) => vec![
            crate::config::MOCK_ORG_ID.into(),
            crate::config::MOCK_CLIENT_ID.into(),
        ],
        ProfileKind::Ajo(ajo) => {
            let mut values = vec![ajo.org_id.clone()];
            if let Ok(credentials) = ajo.credentials(&|name| std::env::var(name).ok()) {
                values.push(credentials.client_id.expose().to_string());
            }
            values
        }
    }
}

/// Runs the console on the real terminal with `theme`; returns the process exit code.
pub fn run_console(
    config: &Config,
    profile: &Profile,
    store: Arc<Store>,
    theme: theme::Theme,
    present: bool,
    err: &mut dyn Write,
) -> u8 {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        let _ = writeln!(
            err,
            "error: the console needs a terminal; for scripts use the headless commands (liveact send, history, validate, curl; see liveact --help)"
        );
        return 2;
    }
    // An explicit --color wins over NO_COLOR, which crossterm would otherwise apply itself.
    if theme.depth != theme::ColorDepth::NoColor {
        crossterm::style::force_color_output(true);
    }

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = writeln!(err, "error: cannot start the async runtime: {e}");
            return 2;
        }
    };
    let result = runtime.block_on(async {
        let connection =
            connect::connect(config, profile, &|name| std::env::var(name).ok()).await?;
        // The console follows every accepted broadcast until its execution ends.
        let settings = crate::dispatch::Settings {
            follow: Some(crate::dispatch::FollowPolicy::default()),
            ..connect::dispatch_settings(profile)
        };
        let (dispatcher, progress) = Dispatcher::new(
            connection.client,
            Arc::clone(&store),
            &profile.name,
            settings,
        );
        // Imports are written next to a config read from a file (not the built-in demo's).
        let importer = importer::Importer::new(
            config.clone(),
            config.path.is_file(),
            connection
                .mock
                .as_ref()
                .map(crate::mock::MockServer::campaigns),
        );
        let mut services = run::Services {
            importer,
            dispatcher,
            progress,
            store,
            theme,
            profile: profile.clone(),
            clipboard: Box::new(std::io::stdout()),
            editor: Box::new(|text: &str| {
                terminal::suspended(|| external::edit_with(&external::editor_command(), text))
            }),
        };
        let mut app = App::new(
            config.campaigns.clone(),
            profile_info(profile),
            Box::new(crate::activity::dates::unix_now),
            Box::new(crate::activity::new_request_id),
        );
        app.present = present;
        app.keymap = config.keys.clone();
        app.walk_interval = config.walk_interval.as_secs() as i64;
        app.hide(identifiers(profile));
        let mut guard = terminal::TerminalGuard::enter()
            .map_err(|e| ConnectError::Setup(format!("cannot use the terminal: {e}")))?;
        let input = crossterm::event::EventStream::new();
        let outcome = run::run(&mut guard.terminal, &mut app, input, &mut services).await;
        drop(guard);
        if let Some(mock) = connection.mock {
            mock.shutdown().await;
        }
        outcome.map_err(|e| ConnectError::Setup(format!("the terminal failed: {e}")))
    });
    match result {
        Ok(()) => 0,
        Err(ConnectError::Config(errors)) => {
            let _ = writeln!(err, "{errors}");
            2
        }
        Err(ConnectError::Setup(message)) => {
            let _ = writeln!(err, "error: {message}");
            1
        }
    }
}
