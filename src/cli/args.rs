//! Command-line arguments (clap).

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Terminal console for iOS Live Activities sent through Adobe Journey Optimizer.
#[derive(Debug, Parser)]
#[command(name = "liveact", version, about, arg_required_else_help = true)]
pub struct Cli {
    /// Config file (default: $LIVEACT_CONFIG, ./liveact.toml, then the platform config dir).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile to use (default: the config's default_profile).
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    #[command(subcommand)]
    pub command: Command,
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
    /// requestId to send (default: a fresh UUID).
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,
}
