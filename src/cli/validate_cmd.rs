//! `liveact validate FILE|-`: every rule on a hand-written or copied body.

use super::{Cli, EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, ValidateArgs, load_config, report};
use crate::activity::{Context, Diagnostic, Severity, dates, has_errors, jsonc, validate_body};
use std::io::{Read, Write};

pub fn run(cli: &Cli, args: &ValidateArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let text = match read_input(&args.file) {
        Ok(text) => text,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let config = match &args.campaign {
        Some(_) => match load_config(cli, err) {
            Ok(config) => Some(config),
            Err(code) => return code,
        },
        None => None,
    };
    let campaign = match (&config, &args.campaign) {
        (Some(config), Some(name)) => match config.campaign(name) {
            Ok(campaign) => Some(campaign),
            Err(message) => {
                let _ = writeln!(err, "error: {message}");
                return EXIT_USAGE;
            }
        },
        _ => None,
    };
    let diagnostics = check(&text, campaign);
    match args.output {
        Output::Text => report::diagnostics_text(out, &diagnostics),
        Output::Json => report::diagnostics_json(out, &diagnostics),
    }
    if has_errors(&diagnostics) {
        EXIT_INVALID
    } else {
        EXIT_OK
    }
}

/// The text of `file`, or of standard input for `-`.
pub(super) fn read_input(file: &str) -> Result<String, String> {
    if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(text)
    } else {
        std::fs::read_to_string(file).map_err(|e| format!("cannot read {file}: {e}"))
    }
}

/// Parses (comments allowed, with a warning) and validates the text.
fn check(text: &str, campaign: Option<&crate::config::Campaign>) -> Vec<Diagnostic> {
    let (plain, had_comments) = jsonc::strip_comments(text);
    let body = match serde_json::from_str(&plain) {
        Ok(body) => body,
        Err(e) => {
            return vec![
                Diagnostic::new(
                    Severity::Error,
                    "json-syntax",
                    "",
                    format!(
                        "not valid JSON at line {}, column {}: {e}",
                        e.line(),
                        e.column()
                    ),
                )
                .hint("fix the syntax; `liveact curl` builds a valid body for you"),
            ];
        }
    };
    let mut diagnostics = Vec::new();
    if had_comments {
        diagnostics.push(
            Diagnostic::new(
                Severity::Warning,
                "json-comments",
                "",
                "the body has // or /* */ comments",
            )
            .hint("AJO expects plain JSON: remove them before sending (checked here without them)"),
        );
    }
    let ctx = Context {
        campaign,
        now: dates::unix_now(),
        history: None,
    };
    diagnostics.extend(validate_body(&body, &ctx));
    diagnostics
}
