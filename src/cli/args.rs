//! Command-line arguments (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Terminal console for iOS Live Activities sent through Adobe Journey Optimizer.
#[derive(Debug, Parser)]
#[command(name = "liveact", version, about)]
pub struct Cli {
    /// Config file (default: $LIVEACT_CONFIG, ./liveact.toml, then the platform config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile to use (default: the config's default_profile).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Where the journal and activities live (default: the platform data dir).
    #[arg(long, global = true, value_name = "DIR", env = "LIVEACT_STATE_DIR")]
    pub state_dir: Option<PathBuf>,
    /// The console's theme: default, light, high-contrast, mono, a theme in the config dir's
    /// themes/, or a TOML file (default: $LIVEACT_THEME, then the config's `theme`).
    #[arg(long, global = true, value_name = "NAME|PATH")]
    pub theme: Option<String>,
    /// The console's colours.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t)]
    pub color: crate::tui::theme::ColorChoice,
    /// Presenter mode: mask user ids, org id, client id and tokens on screen and in copies.
    #[arg(long)]
    pub present: bool,
    /// Open the console on the built-in demo: the example campaigns, the embedded mock AJO, a
    /// temporary journal (unless --state-dir). No config, no credentials, no network.
    #[arg(long)]
    pub demo: bool,
    /// Without a command, liveact opens the console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
#[allow(clippy::large_enum_variant)] // parsed once per run; boxing buys nothing
pub enum Command {
    /// Find, check or create the config file.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Check an AJO request body (or a bare {"aps": …}) against every Live Activity rule.
    Validate(ValidateArgs),
    /// Print a shell script that sends one push with cURL (secrets stay in shell variables).
    Curl(DraftArgs),
    /// Read the cURL AJO shows for an activated campaign; print it as a config entry.
    ImportCurl(ImportCurlArgs),
    /// Send one push: validate, journal, send with retries, and print every attempt.
    Send(SendArgs),
    /// Walk an activity through the campaign's scripted steps, one send per step.
    Walk(WalkArgs),
    /// The journal: every send with its answer, newest first.
    History(HistoryArgs),
    /// Tracked activities and where each stands.
    Activities(ListArgs),
    /// Follow an audience execution until it succeeds or fails (status, targeted profiles,
    /// controls sent).
    Status(StatusArgs),
    /// Scheduled broadcasts: their status, refreshed from AJO; --cancel deletes one.
    Schedules(SchedulesArgs),
    /// Run the embedded mock AJO + IMS server until Ctrl-C.
    Mock(MockArgs),
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Print which config file is used and why.
    Path,
    /// Load and validate the config; print it resolved, with every secret masked.
    Check,
    /// Write the example config to the default path (never overwrites).
    Init,
}

/// Text for people, JSON for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The JSON file to check, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
    /// Check content-state and attributes against this campaign's schema.
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ImportCurlArgs {
    /// The file holding the cURL command, or - for standard input.
    #[arg(value_name = "FILE|-")]
    pub file: String,
    /// Write the entry to campaigns.d/NAME.toml next to the config file instead of printing it
    /// (a new file; refused when the config already has the campaign).
    #[arg(long)]
    pub write: bool,
}

/// What one push carries: shared by `curl` and the sending commands.
#[derive(Debug, Args)]
pub struct DraftArgs {
    /// Campaign name (or id) from the config.
    #[arg(long, value_name = "NAME")]
    pub campaign: String,
    /// The activity: liveActivityID (transactional) or broadcast channel id (marketing).
    #[arg(long, value_name = "ID")]
    pub activity: String,
    #[arg(long, value_parser = ["start", "update", "end"])]
    pub event: String,
    /// A content-state field (key=value) or an attribute (attributes.key=value). Repeatable.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    #[arg(long, value_name = "TEXT", requires = "alert_body")]
    pub alert_title: Option<String>,
    #[arg(long, value_name = "TEXT", requires = "alert_title")]
    pub alert_body: Option<String>,
    /// Sound file name played with the alert, e.g. chime.aiff.
    #[arg(long, value_name = "NAME", requires = "alert_title")]
    pub alert_sound: Option<String>,
    /// Dismissal date as a duration from now (end only), e.g. 10m.
    #[arg(long, value_name = "DURATION", conflicts_with = "dismiss_at")]
    pub dismiss_in: Option<String>,
    /// Dismissal date: now, +10m, RFC 3339 or Unix seconds.
    #[arg(long, value_name = "TIME")]
    pub dismiss_at: Option<String>,
    /// Stale date as a duration from now, e.g. 30m.
    #[arg(long, value_name = "DURATION")]
    pub stale_in: Option<String>,
    /// Relevance score: the highest score leads the Dynamic Island.
    #[arg(long, value_name = "NUMBER")]
    pub relevance_score: Option<f64>,
    /// Recipient user id (transactional; default: the campaign's recipient).
    #[arg(long, value_name = "ID")]
    pub user: Option<String>,
    /// Recipient identity namespace, e.g. email (default: the campaign's).
    #[arg(long, value_name = "NS")]
    pub namespace: Option<String>,
    /// Audience id (marketing; default: the campaign's audience_id).
    #[arg(long, value_name = "ID")]
    pub audience: Option<String>,
    /// Schedule the broadcast (marketing): +10m, RFC 3339 or Unix seconds.
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// requestId to send (default: a fresh UUID).
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct SendArgs {
    #[command(flatten)]
    pub draft: DraftArgs,
    /// Validate and journal as a dry run; nothing goes on the network.
    #[arg(long)]
    pub dry_run: bool,
    /// For a broadcast: wait for its schedule to fire and its execution to end, printing each
    /// status (exit 0 succeeded, 3 failed, 4 gave up).
    #[arg(long, conflicts_with = "dry_run")]
    pub follow: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only sends to this activity.
    #[arg(long, value_name = "ID")]
    pub activity: Option<String>,
    /// Only sends of this campaign (name).
    #[arg(long, value_name = "NAME")]
    pub campaign: Option<String>,
    /// At most this many sends.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
    /// Write the activity's timeline (needs --activity) for a bug report or a QA sign-off.
    #[arg(long, value_enum, requires = "activity")]
    pub export: Option<Export>,
    /// Where the export goes (default: standard output).
    #[arg(long, value_name = "FILE", requires = "export")]
    pub out: Option<PathBuf>,
}

/// Timeline formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Export {
    /// Markdown: a table and every request and response.
    Md,
    /// One JSON record per line, oldest first.
    Jsonl,
}

#[derive(Debug, Args)]
pub struct WalkArgs {
    /// Campaign name (or id) from the config.
    #[arg(long, value_name = "NAME")]
    pub campaign: String,
    /// The activity: liveActivityID (transactional) or broadcast channel id (marketing).
    #[arg(long, value_name = "ID")]
    pub activity: String,
    /// Wait between two steps, e.g. 5s or 500ms.
    #[arg(long, value_name = "DURATION", default_value = "5s")]
    pub interval: String,
    /// First step to send (1-based); earlier steps' content-state still carries over.
    #[arg(long, value_name = "STEP", default_value_t = 1)]
    pub from: usize,
    /// Validate and journal every step as a dry run; nothing goes on the network.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// The executionId AJO answered to an audience (broadcast) send.
    #[arg(value_name = "EXECUTION_ID")]
    pub execution_id: String,
    /// Print the current status once instead of waiting for Succeeded or Failed.
    #[arg(long)]
    pub no_wait: bool,
    /// Give up after this long without a final status, e.g. 10m.
    #[arg(long, value_name = "DURATION", default_value = "10m")]
    pub timeout: String,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct SchedulesArgs {
    /// Delete this schedule (before it fires) instead of listing.
    #[arg(long, value_name = "SCHEDULE_ID")]
    pub cancel: Option<String>,
    /// List what the journal knows without asking AJO.
    #[arg(long, conflicts_with = "cancel")]
    pub offline: bool,
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[arg(long, value_enum, default_value_t = Output::Text)]
    pub output: Output,
}

#[derive(Debug, Args)]
pub struct MockArgs {
    /// Address to listen on (loopback).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8787")]
    pub listen: std::net::SocketAddr,
    /// Share of execution calls answered 500, 0.0 to 1.0.
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    pub fail_rate: f64,
    /// Delay before every execution answer, e.g. 200ms.
    #[arg(long, value_name = "DURATION")]
    pub latency: Option<String>,
    /// Answer execution calls with this status, e.g. 429.
    #[arg(long, value_name = "CODE")]
    pub status: Option<u16>,
    /// Only the first N execution calls get --status.
    #[arg(long, value_name = "N", requires = "status")]
    pub status_count: Option<u32>,
    /// Retry-After seconds sent with --status.
    #[arg(long, value_name = "SECONDS", requires = "status")]
    pub retry_after: Option<u64>,
    /// Lifetime of issued tokens, e.g. 10m (default 24 h).
    #[arg(long, value_name = "DURATION")]
    pub token_ttl: Option<String>,
    /// How long an audience execution stays InProgress before it succeeds (default 3s).
    #[arg(long, value_name = "DURATION")]
    pub execution_delay: Option<String>,
}
