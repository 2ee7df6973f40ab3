//! Imports a campaign from the cURL request AJO shows once an API-triggered campaign is
//! activated: the URL gives the kind, the headers the org and sandbox, the body the campaign
//! id, recipient or audience, attributes type and the fields' types.
//!
//! [`import_curl`] does no I/O (the console calls it on a paste); [`write_imported`] writes
//! its result as a new file in `campaigns.d/` next to the config file. Credentials in the
//! command (a real bearer token, a client secret) are dropped with a warning: they never reach
//! the output.

mod args;
mod infer;
mod render;
mod shell;

use crate::config::{self, Campaign, Config};
use std::fmt;
use std::io::Write;
use std::path::PathBuf;

/// A campaign (and maybe a profile) read from a cURL command.
#[derive(Debug, Clone)]
pub struct Imported {
    /// The campaign as the config loader reads the TOML back.
    pub campaign: Campaign,
    /// The `[[campaigns]]` entry.
    pub campaign_toml: String,
    /// A `[profiles.NAME]` entry for the cURL's org id and sandbox, when no profile of the
    /// config has them; commented out when the cURL has placeholders for them.
    pub profile_toml: Option<String>,
    /// What was guessed, dropped or left to fill in, one sentence each.
    pub warnings: Vec<String>,
}

impl Imported {
    /// The whole TOML text: a header comment, the profile if any, then the campaign.
    pub fn toml(&self) -> String {
        file_text(
            &self.campaign.id,
            self.profile_toml.as_deref(),
            &self.campaign_toml,
        )
    }
}

fn file_text(id: &str, profile: Option<&str>, campaign: &str) -> String {
    let mut text =
        format!("# Imported by `liveact import-curl` from AJO's cURL for campaign {id}.\n\n");
    if let Some(profile) = profile {
        text.push_str(profile);
        text.push('\n');
    }
    text.push_str(campaign);
    text
}

/// Why a command could not be imported, quoting the part of it at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub message: String,
    pub hint: Option<String>,
}

impl ImportError {
    fn new(message: impl Into<String>) -> ImportError {
        ImportError {
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> ImportError {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportError {}

/// Reads a cURL command (multi-line, quoted as a shell would) and infers the campaign.
///
/// With `config`, the campaign and profile names are picked so they are new to it, and a
/// profile is only proposed when none has the cURL's org id and sandbox. No I/O.
pub fn import_curl(command: &str, config: Option<&Config>) -> Result<Imported, ImportError> {
    let words = shell::split(command)?;
    let call = args::parse(command, &words)?;
    infer::infer(call, config)
}

/// Why [`write_imported`] wrote nothing.
#[derive(Debug)]
pub enum WriteError {
    /// The config already has a campaign with this id or name.
    Duplicate(String),
    /// The file exists (nothing is ever overwritten) or cannot be written.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Duplicate(message) => f.write_str(message),
            WriteError::Io(path, e) if e.kind() == std::io::ErrorKind::AlreadyExists => write!(
                f,
                "{} already exists; nothing is overwritten (move it away or edit it)",
                path.display()
            ),
            WriteError::Io(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for WriteError {}

/// Writes `imported` as a new file `campaigns.d/<name>.toml` next to `config`'s file and
/// returns its path. Refuses when `config` already has the campaign's id or name, and never
/// overwrites a file.
pub fn write_imported(imported: &Imported, config: &Config) -> Result<PathBuf, WriteError> {
    let campaign = &imported.campaign;
    if let Some(known) = config
        .campaigns
        .iter()
        .find(|c| c.id == campaign.id || c.name == campaign.name)
    {
        let what = if known.id == campaign.id {
            format!("id `{}`", campaign.id)
        } else {
            format!("name `{}`", campaign.name)
        };
        return Err(WriteError::Duplicate(format!(
            "campaign `{}` already has the {what} (in {} or its {}/); nothing written",
            known.name,
            config.path.display(),
            config::EXTRA_DIR
        )));
    }
    let dir = config::extra_dir(&config.path);
    std::fs::create_dir_all(&dir).map_err(|e| WriteError::Io(dir.clone(), e))?;
    let path = dir.join(format!("{}.toml", campaign.name));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| WriteError::Io(path.clone(), e))?;
    file.write_all(imported.toml().as_bytes())
        .map_err(|e| WriteError::Io(path.clone(), e))?;
    Ok(path)
}

/// True for the stand-ins documentation writes instead of a value: `{ACCESS_TOKEN}`,
/// `<API_KEY>`, `$TOKEN`, `YOUR_…`, `your-…`, `xxxx` and empty.
pub(crate) fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    let lower = value.to_ascii_lowercase();
    value.is_empty()
        || (value.starts_with('{') && value.ends_with('}'))
        || (value.starts_with('<') && value.ends_with('>'))
        || value.starts_with('$')
        || lower.starts_with("your")
        || value
            .chars()
            .all(|c| matches!(c, 'x' | 'X' | '*' | '.' | '…'))
}

/// The command from byte `at` to the end of its line, secrets masked, cut after 32 characters.
fn excerpt(command: &str, at: usize) -> String {
    let rest = command.get(at..).unwrap_or_default();
    let line = rest.lines().next().unwrap_or_default().trim_end();
    let line = redact(line);
    let mut shown: String = line.chars().take(32).collect();
    if shown.len() < line.len() {
        shown.push('…');
    }
    shown
}

/// `text` with credential values masked: what follows `Bearer ` or `client_secret` (the
/// console shows a pasted cURL through it).
pub fn redact(text: &str) -> String {
    const MARKERS: [&str; 4] = [
        "bearer ",
        "client_secret=",
        "client_secret\":",
        "client_secret:",
    ];
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut next = 0;
    for (i, c) in text.char_indices() {
        if i < next {
            continue;
        }
        let Some(marker) = MARKERS.iter().find(|m| lower[i..].starts_with(**m)) else {
            out.push(c);
            continue;
        };
        let after = i + marker.len();
        let value_start = text.len() - text[after..].trim_start_matches([' ', '"', '\'']).len();
        let end = text[value_start..]
            .find(|c: char| c.is_whitespace() || "'\"&,".contains(c))
            .map_or(text.len(), |e| value_start + e);
        out.push_str(&text[i..value_start]);
        let value = &text[value_start..end];
        out.push_str(if is_placeholder(value) { value } else { "****" });
        next = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for value in [
            "{ACCESS_TOKEN}",
            "<API_KEY>",
            "$TOKEN",
            "${TOKEN}",
            "YOUR_API_KEY",
            "your-campaign-id",
            "",
            "xxxx",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["eyJhbGciOi.abc", "0123ABCD@AdobeOrg", "prod", "p8e-x"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn redaction_masks_credentials_only() {
        assert_eq!(
            redact("-H 'Authorization: Bearer eyJhbG.x.y' -d 'client_id=a&client_secret=p8e-1'"),
            "-H 'Authorization: Bearer ****' -d 'client_id=a&client_secret=****'"
        );
        assert_eq!(
            redact("{\"client_secret\": \"p8e\"} Bearer {ACCESS_TOKEN}"),
            "{\"client_secret\": \"****\"} Bearer {ACCESS_TOKEN}"
        );
        assert_eq!(excerpt("curl 'Bearer abc", 5), "'Bearer ****");
        assert_eq!(excerpt("x é", 2), "é");
    }
}
