//! Turns config text into a validated [`Config`], reporting every problem at its line.
//!
//! A config is its main file plus, in file-name order, every `campaigns.d/*.toml` next to it.
//! Those extra files hold `[[campaigns]]` and `[profiles.NAME]` only; each error points at the
//! file it is in.

use super::error::{ConfigError, ConfigErrors, Pos};
use super::model::*;
use super::raw::*;
use super::secret::SecretSource;
use crate::activity::{Event, FieldSpec, FieldType, Schema, dates};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// The folder next to the main config whose `*.toml` files are loaded with it.
pub const EXTRA_DIR: &str = "campaigns.d";

/// One config file as read: its path, its text, and whether other users can read it.
#[derive(Debug, Clone)]
pub struct ConfigFile {
    pub path: PathBuf,
    pub text: String,
    pub loose_permissions: bool,
}

/// Reads and validates a config file and the `campaigns.d/*.toml` files next to it.
pub fn load_file(path: &Path) -> Result<Config, ConfigErrors> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        ConfigError::new(path, None, format!("cannot read the config file: {e}"))
            .hint("check the path, or run `liveact config init` to write an example")
    })?;
    let extras = read_extra_files(path)?;
    parse_with_extras(&text, path, others_can_read(path), &extras)
}

/// The `campaigns.d` folder next to the config file `config`.
pub fn extra_dir(config: &Path) -> PathBuf {
    match config.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.join(EXTRA_DIR),
        None => PathBuf::from(EXTRA_DIR),
    }
}

/// Reads `campaigns.d/*.toml` next to `config`, in file-name order; none if the folder is
/// missing. Hidden files (editor leftovers such as `.#x.toml`) are skipped.
pub fn read_extra_files(config: &Path) -> Result<Vec<ConfigFile>, ConfigErrors> {
    let dir = extra_dir(config);
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let cannot = |path: &Path, e: std::io::Error| {
        ConfigErrors::from(ConfigError::new(path, None, format!("cannot read: {e}")))
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(&dir).map_err(|e| cannot(&dir, e))? {
        let path = entry.map_err(|e| cannot(&dir, e))?.path();
        let visible = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.starts_with('.'));
        if visible && path.extension().is_some_and(|e| e == "toml") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| cannot(&path, e))?;
            let loose_permissions = others_can_read(&path);
            Ok(ConfigFile {
                path,
                text,
                loose_permissions,
            })
        })
        .collect()
}

/// Validates config text. `loose_permissions` says other users can read the file, which turns
/// the warning about a literal secret into a louder one.
pub fn parse(text: &str, path: &Path, loose_permissions: bool) -> Result<Config, ConfigErrors> {
    parse_with_extras(text, path, loose_permissions, &[])
}

/// Validates a main config and its extra files (see [`read_extra_files`]) as one config.
pub fn parse_with_extras(
    text: &str,
    path: &Path,
    loose_permissions: bool,
    extras: &[ConfigFile],
) -> Result<Config, ConfigErrors> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| syntax_error(text, path, &e))?;
    let mut raw_extras = Vec::new();
    let mut syntax = Vec::new();
    for extra in extras {
        match toml::from_str::<RawExtra>(&extra.text) {
            Ok(parsed) => raw_extras.push((extra, parsed)),
            Err(e) => {
                let mut error = syntax_error(&extra.text, &extra.path, &e);
                if e.message().starts_with("unknown field") {
                    error = error.hint(format!(
                        "a {EXTRA_DIR} file holds only [[campaigns]] and [profiles.NAME]; \
                         other settings go in {}",
                        path.display()
                    ));
                }
                syntax.push(error);
            }
        }
    }
    if !syntax.is_empty() {
        return Err(ConfigErrors(syntax));
    }
    let mut loader = Loader {
        text,
        path,
        loose_permissions,
        errors: Vec::new(),
        warnings: Vec::new(),
        campaign_names: HashMap::new(),
        campaign_ids: HashMap::new(),
    };
    let mut profiles: IndexMap<String, Profile> = IndexMap::new();
    let mut profile_files: HashMap<String, PathBuf> = HashMap::new();
    let mut add_profiles = |loader: &mut Loader, raws: IndexMap<String, Spanned<RawProfile>>| {
        for (name, raw) in raws {
            if let Some(first) = profiles.get(&name) {
                let first_file = profile_files.get(&name).map_or(path, PathBuf::as_path);
                loader.error(
                    raw.span(),
                    format!(
                        "profile `{name}` is already defined at {}:{}:{}",
                        first_file.display(),
                        first.pos.line,
                        first.pos.column
                    ),
                    Some("every profile needs its own name".into()),
                );
                continue;
            }
            if let Some(profile) = loader.profile(&name, raw) {
                profile_files.insert(name.clone(), loader.path.to_path_buf());
                profiles.insert(name, profile);
            }
        }
    };
    add_profiles(&mut loader, raw.profiles);
    for (extra, parsed) in &mut raw_extras {
        loader.switch_to(extra);
        add_profiles(&mut loader, std::mem::take(&mut parsed.profiles));
    }
    loader.switch_back(text, path, loose_permissions);
    let default_profile = raw.default_profile.map(|name| {
        if !profiles.contains_key(name.get_ref()) {
            let known: Vec<&str> = profiles.keys().map(String::as_str).collect();
            loader.error(
                name.span(),
                format!(
                    "default_profile `{}` is not a defined profile",
                    name.get_ref()
                ),
                Some(format!(
                    "define [profiles.{}] or pick one of: {}",
                    name.get_ref(),
                    known.join(", ")
                )),
            );
        }
        name.into_inner()
    });
    let mut campaigns = loader.campaigns(raw.campaigns);
    for (extra, parsed) in raw_extras {
        loader.switch_to(extra);
        campaigns.extend(loader.campaigns(parsed.campaigns));
    }
    loader.switch_back(text, path, loose_permissions);
    let theme = raw.theme.and_then(|theme| {
        if theme.get_ref().trim().is_empty() {
            loader.warn(
                theme.span(),
                "theme is empty: the default theme is used",
                "name a theme (default, light, high-contrast, mono) or a TOML file, or remove the key",
            );
            return None;
        }
        Some(theme.into_inner())
    });
    let keys = loader.keys(raw.keys);
    let walk_interval = loader
        .duration(raw.walk_interval)
        .unwrap_or(Duration::from_secs(5));
    if loader.errors.is_empty() {
        Ok(Config {
            path: path.to_path_buf(),
            extra_files: extras.iter().map(|e| e.path.clone()).collect(),
            default_profile,
            theme,
            walk_interval,
            keys,
            profiles,
            campaigns,
            warnings: loader.warnings,
        })
    } else {
        Err(ConfigErrors(loader.errors))
    }
}

fn syntax_error(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let pos = e.span().map(|s| Pos::of(text, s.start));
    ConfigError::new(path, pos, e.message().trim_end().to_string())
}

#[cfg(unix)]
fn others_can_read(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.permissions().mode() & 0o044 != 0)
}

#[cfg(not(unix))]
fn others_can_read(_: &Path) -> bool {
    false
}

struct Loader<'a> {
    /// The file being read: the main one or an extra one.
    text: &'a str,
    path: &'a Path,
    loose_permissions: bool,
    errors: Vec<ConfigError>,
    warnings: Vec<ConfigError>,
    /// Campaign names and ids seen so far, in any file, with where.
    campaign_names: HashMap<String, (PathBuf, Pos)>,
    campaign_ids: HashMap<String, (PathBuf, Pos)>,
}

impl<'a> Loader<'a> {
    /// Reads `file` from now on: positions and findings point into it.
    fn switch_to(&mut self, file: &'a ConfigFile) {
        self.switch_back(&file.text, &file.path, file.loose_permissions);
    }

    fn switch_back(&mut self, text: &'a str, path: &'a Path, loose_permissions: bool) {
        self.text = text;
        self.path = path;
        self.loose_permissions = loose_permissions;
    }

    fn pos(&self, span: Range<usize>) -> Pos {
        Pos::of(self.text, span.start)
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>, hint: Option<String>) {
        let mut error = ConfigError::new(self.path, Some(self.pos(span)), message);
        error.hint = hint;
        self.errors.push(error);
    }

    fn warn(&mut self, span: Range<usize>, message: impl Into<String>, hint: impl Into<String>) {
        let warning = ConfigError::new(self.path, Some(self.pos(span)), message).hint(hint);
        self.warnings.push(warning);
    }

    /// The keymap with `[keys]` applied; a bad action, key or a clash is an error at its line.
    fn keys(&mut self, raw: IndexMap<String, Spanned<RawKeys>>) -> crate::keymap::Keymap {
        let mut overrides: Vec<(String, Vec<String>, Range<usize>)> = Vec::new();
        for (action, keys) in raw {
            let span = keys.span();
            let keys = match keys.into_inner() {
                RawKeys::One(key) => vec![key],
                RawKeys::Many(keys) => keys,
            };
            overrides.push((action, keys, span));
        }
        // Check each override alone first, so an error points at its own line.
        for (action, keys, span) in &overrides {
            if let Err(message) =
                crate::keymap::Keymap::with_overrides([(action.as_str(), &keys[..])])
                && !message.starts_with("key `")
            {
                self.error(span.clone(), format!("[keys] {action}: {message}"), None);
                return crate::keymap::Keymap::default();
            }
        }
        let all = overrides.iter().map(|(a, k, _)| (a.as_str(), &k[..]));
        match crate::keymap::Keymap::with_overrides(all) {
            Ok(map) => map,
            Err(message) => {
                let span = overrides
                    .iter()
                    .find(|(action, _, _)| message.contains(&format!("`{action}`")))
                    .map_or(0..0, |(_, _, span)| span.clone());
                self.error(
                    span,
                    format!("[keys]: {message}"),
                    Some("give each key to one action only".into()),
                );
                crate::keymap::Keymap::default()
            }
        }
    }

    fn profile(&mut self, name: &str, raw: Spanned<RawProfile>) -> Option<Profile> {
        let pos = self.pos(raw.span());
        let span = raw.span();
        let mut raw = raw.into_inner();
        let sending = self.sending(&mut raw);
        let kind = match raw.kind {
            RawProfileKind::Mock => {
                let ajo_only = [
                    ("base_url", raw.base_url.as_ref().map(Spanned::span)),
                    ("ims_url", raw.ims_url.as_ref().map(Spanned::span)),
                    ("org_id", raw.org_id.as_ref().map(Spanned::span)),
                    ("sandbox", raw.sandbox.as_ref().map(Spanned::span)),
                    ("client_id", raw.client_id.as_ref().map(Spanned::span)),
                    (
                        "client_secret",
                        raw.client_secret.as_ref().map(Spanned::span),
                    ),
                    ("scopes", raw.scopes.as_ref().map(Spanned::span)),
                    ("access_token", raw.access_token.as_ref().map(Spanned::span)),
                    ("production", raw.production.as_ref().map(Spanned::span)),
                ];
                self.misplaced(name, "ajo", "mock", &ajo_only);
                ProfileKind::Mock(self.faults(&mut raw))
            }
            RawProfileKind::Ajo => {
                let mock_only = [
                    ("fail_rate", raw.fail_rate.as_ref().map(Spanned::span)),
                    ("latency", raw.latency.as_ref().map(Spanned::span)),
                    ("status", raw.status.as_ref().map(Spanned::span)),
                    ("status_count", raw.status_count.as_ref().map(Spanned::span)),
                    ("retry_after", raw.retry_after.as_ref().map(Spanned::span)),
                    ("token_ttl", raw.token_ttl.as_ref().map(Spanned::span)),
                    (
                        "execution_delay",
                        raw.execution_delay.as_ref().map(Spanned::span),
                    ),
                ];
                self.misplaced(name, "mock", "ajo", &mock_only);
                ProfileKind::Ajo(Box::new(self.ajo_profile(name, span, raw)?))
            }
        };
        Some(Profile {
            name: name.to_string(),
            pos,
            kind,
            sending,
        })
    }

    /// Reports keys that belong to the other kind of profile.
    fn misplaced(
        &mut self,
        name: &str,
        owner: &str,
        kind: &str,
        keys: &[(&str, Option<Range<usize>>)],
    ) {
        for (key, span) in keys {
            if let Some(span) = span {
                self.error(
                    span.clone(),
                    format!("`{key}` belongs to kind = \"{owner}\" profiles; profile `{name}` is kind = \"{kind}\""),
                    Some(format!("remove it, or set kind = \"{owner}\"")),
                );
            }
        }
    }

    fn sending(&mut self, raw: &mut RawProfile) -> Sending {
        let defaults = Sending::default();
        Sending {
            concurrency: self
                .bounded(raw.concurrency.take(), "concurrency", 1, 256)
                .map_or(defaults.concurrency, |n| n as usize),
            rate_limit: match raw.rate_limit.take() {
                Some(rate) if *rate.get_ref() > 0.0 && *rate.get_ref() <= MAX_RATE_PER_SECOND => {
                    rate.into_inner()
                }
                Some(rate) => {
                    self.error(
                        rate.span(),
                        format!(
                            "rate_limit {} is outside 0 < rate ≤ 500 per second",
                            rate.get_ref()
                        ),
                        Some("AJO accepts at most 500 calls a second per organisation".into()),
                    );
                    defaults.rate_limit
                }
                None => defaults.rate_limit,
            },
            max_attempts: self
                .bounded(raw.max_attempts.take(), "max_attempts", 1, 10)
                .map_or(defaults.max_attempts, |n| n as u32),
            connect_timeout: self
                .duration(raw.connect_timeout.take())
                .unwrap_or(defaults.connect_timeout),
            timeout: self
                .duration(raw.timeout.take())
                .unwrap_or(defaults.timeout),
        }
    }

    fn faults(&mut self, raw: &mut RawProfile) -> MockFaults {
        let fail_rate = match raw.fail_rate.take() {
            Some(rate) if (0.0..=1.0).contains(rate.get_ref()) => rate.into_inner(),
            Some(rate) => {
                self.error(
                    rate.span(),
                    "fail_rate is a share between 0.0 and 1.0",
                    None,
                );
                0.0
            }
            None => 0.0,
        };
        MockFaults {
            fail_rate,
            latency: self.duration(raw.latency.take()).unwrap_or_default(),
            status: self
                .bounded(raw.status.take(), "status", 100, 599)
                .map(|s| s as u16),
            status_count: self
                .bounded(
                    raw.status_count.take(),
                    "status_count",
                    0,
                    i64::from(u32::MAX),
                )
                .map(|n| n as u32),
            retry_after: self
                .bounded(raw.retry_after.take(), "retry_after", 0, 86_400)
                .map(|n| n as u64),
            token_ttl: self.duration(raw.token_ttl.take()),
            execution_delay: self.duration(raw.execution_delay.take()),
        }
    }

    fn bounded(
        &mut self,
        value: Option<Spanned<i64>>,
        key: &str,
        min: i64,
        max: i64,
    ) -> Option<i64> {
        let value = value?;
        if (min..=max).contains(value.get_ref()) {
            Some(value.into_inner())
        } else {
            self.error(
                value.span(),
                format!("{key} must be between {min} and {max}"),
                None,
            );
            None
        }
    }

    /// A positive duration such as `500ms`, `10s` or `2m`.
    fn duration(&mut self, value: Option<Spanned<String>>) -> Option<Duration> {
        let value = value?;
        match dates::parse_std_duration(value.get_ref()) {
            Ok(duration) => Some(duration),
            Err(message) => {
                self.error(value.span(), message, None);
                None
            }
        }
    }

    fn ajo_profile(
        &mut self,
        name: &str,
        span: Range<usize>,
        raw: RawProfile,
    ) -> Option<AjoProfile> {
        let mut required =
            |value: Option<Spanned<String>>, key: &str, hint: &str| -> Option<Spanned<String>> {
                match value {
                    Some(v) if !v.get_ref().trim().is_empty() => Some(v),
                    Some(v) => {
                        self.error(v.span(), format!("{key} is empty"), Some(hint.into()));
                        None
                    }
                    None => {
                        self.error(
                            span.clone(),
                            format!("profile `{name}` (kind = \"ajo\") needs {key}"),
                            Some(hint.into()),
                        );
                        None
                    }
                }
            };
        let org_id = required(
            raw.org_id,
            "org_id",
            "the IMS org id, like 0123456789ABCDEF01234567@AdobeOrg",
        );
        let sandbox = required(
            raw.sandbox,
            "sandbox",
            "the sandbox name in lower case, e.g. prod",
        );
        let client_id = required(
            raw.client_id,
            "client_id",
            "the Developer Console credential's client id, e.g. env:AJO_CLIENT_ID",
        );
        let base_url = self.url(raw.base_url, DEFAULT_BASE_URL);
        let ims_url = self.url(raw.ims_url, DEFAULT_IMS_URL);
        let auth = match (raw.access_token, raw.client_secret) {
            (Some(token), _) => Some(AuthSetting::AccessToken(self.secret(token, "access_token"))),
            (None, Some(secret)) => Some(AuthSetting::ClientSecret(
                self.secret(secret, "client_secret"),
            )),
            (None, None) => {
                self.error(
                    span,
                    format!(
                        "profile `{name}` (kind = \"ajo\") needs client_secret or access_token"
                    ),
                    Some(
                        "client_secret = \"env:AJO_CLIENT_SECRET\" fetches tokens from IMS".into(),
                    ),
                );
                None
            }
        };
        let client_id = client_id.map(|id| self.setting(&id));
        Some(AjoProfile {
            base_url: base_url?,
            ims_url: ims_url?,
            org_id: org_id?.into_inner(),
            sandbox: sandbox?.into_inner(),
            client_id: client_id?,
            auth: auth?,
            scopes: raw
                .scopes
                .map_or_else(|| DEFAULT_SCOPES.to_string(), Spanned::into_inner),
            production: raw.production.is_some_and(Spanned::into_inner),
        })
    }

    fn url(&mut self, value: Option<Spanned<String>>, default: &str) -> Option<String> {
        let Some(value) = value else {
            return Some(default.to_string());
        };
        let url = value.get_ref().trim_end_matches('/');
        if url.starts_with("https://") || url.starts_with("http://") {
            Some(url.to_string())
        } else {
            self.error(
                value.span(),
                format!("`{url}` is not an http(s) URL"),
                Some(format!("for example {default}")),
            );
            None
        }
    }

    /// A value that may be `env:NAME` or `file:PATH`; NAME must be a shell variable name.
    fn setting(&mut self, value: &Spanned<String>) -> Setting {
        let source = SecretSource::parse(value.get_ref());
        if let SecretSource::Env(name) = &source {
            let valid = name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                self.error(
                    value.span(),
                    format!("`{name}` is not an environment variable name"),
                    Some("use letters, digits and _, e.g. env:AJO_CLIENT_SECRET".into()),
                );
            }
        }
        Setting {
            pos: self.pos(value.span()),
            file: self.path.to_path_buf(),
            source,
        }
    }

    fn secret(&mut self, value: Spanned<String>, key: &str) -> Setting {
        let setting = self.setting(&value);
        if matches!(setting.source, SecretSource::Literal(_)) {
            let hint = format!(
                "write {key} = \"env:NAME\" or \"file:PATH\" and keep the value out of this file"
            );
            if self.loose_permissions {
                self.warn(
                    value.span(),
                    format!(
                        "{key} is written in a config file that other users can read: anyone on this machine can use it"
                    ),
                    format!("chmod 600 {} now; better, {hint}", self.path.display()),
                );
            } else {
                self.warn(
                    value.span(),
                    format!("{key} is written in the config file"),
                    hint,
                );
            }
        }
        setting
    }

    fn campaigns(&mut self, raws: Vec<Spanned<RawCampaign>>) -> Vec<Campaign> {
        let mut campaigns = Vec::new();
        for raw in raws {
            let raw = raw.into_inner();
            self.claim(&raw.name, "name");
            self.claim(&raw.id, "id");
            if let Some(campaign) = self.campaign(raw) {
                campaigns.push(campaign);
            }
        }
        campaigns
    }

    /// Records a campaign's name or id, or reports where it was used first (in any file).
    fn claim(&mut self, value: &Spanned<String>, what: &str) {
        if value.get_ref().trim().is_empty() {
            self.error(value.span(), format!("campaign {what} is empty"), None);
            return;
        }
        let here = (self.path.to_path_buf(), self.pos(value.span()));
        let seen = if what == "id" {
            &mut self.campaign_ids
        } else {
            &mut self.campaign_names
        };
        let Some((file, first)) = seen.get(value.get_ref()).cloned() else {
            seen.insert(value.get_ref().clone(), here);
            return;
        };
        let place = if file == self.path {
            format!("line {}", first.line)
        } else {
            format!("{}:{}:{}", file.display(), first.line, first.column)
        };
        self.error(
            value.span(),
            format!(
                "campaign {what} `{}` is already used at {place}",
                value.get_ref()
            ),
            Some(format!("every campaign needs its own {what}")),
        );
    }

    fn campaign(&mut self, raw: RawCampaign) -> Option<Campaign> {
        let name = raw.name.get_ref().clone();
        if raw.attributes_type.get_ref().trim().is_empty() {
            self.error(
                raw.attributes_type.span(),
                "attributes_type is empty",
                Some("the Swift ActivityAttributes type name, e.g. FoodDeliveryLiveActivityAttributes".into()),
            );
        }
        match raw.kind {
            CampaignKind::Transactional => {
                if let Some(audience) = &raw.audience_id {
                    self.error(
                        audience.span(),
                        format!("campaign `{name}` is transactional: it has recipients, not audience_id"),
                        Some("use recipient = { user_id = \"…\", namespace = \"email\" }, or kind = \"marketing\"".into()),
                    );
                }
            }
            CampaignKind::Marketing => {
                if let Some(recipient) = &raw.recipient {
                    self.error(
                        recipient.span(),
                        format!("campaign `{name}` is marketing: it broadcasts to audience_id, not a recipient"),
                        Some("use audience_id = \"…\", or kind = \"transactional\"".into()),
                    );
                }
            }
        }
        let attributes = self.schema(raw.attributes, true);
        let content_state = self.schema(raw.content_state, false);
        if let Some(preview) = &raw.preview {
            for field in placeholders(preview.get_ref()) {
                if !content_state.contains_key(field) && !attributes.contains_key(field) {
                    self.warn(
                        preview.span(),
                        format!("preview names `{{{field}}}`, which is not a content_state or attributes field"),
                        "it shows as written on the lock-screen preview",
                    );
                }
            }
        }
        let steps = self.steps(&name, raw.steps, &content_state);
        Some(Campaign {
            name,
            id: raw.id.into_inner(),
            kind: raw.kind,
            attributes_type: raw.attributes_type.into_inner(),
            recipient: raw.recipient.map(Spanned::into_inner),
            audience_id: raw.audience_id.map(Spanned::into_inner),
            preview: raw.preview.map(Spanned::into_inner),
            attributes,
            content_state,
            steps,
        })
    }

    fn schema(&mut self, raw: IndexMap<String, Spanned<RawField>>, attributes: bool) -> Schema {
        let mut schema = Schema::new();
        for (name, field) in raw {
            let span = field.span();
            let field = field.into_inner();
            if attributes && name == "liveActivityData" {
                self.error(
                    span.clone(),
                    "liveActivityData is filled in by liveact from the activity id",
                    Some("remove this field".into()),
                );
                continue;
            }
            let values = match (field.ty, field.values) {
                (FieldType::Enum, Some(values)) if !values.get_ref().is_empty() => {
                    values.into_inner()
                }
                (FieldType::Enum, _) => {
                    self.error(
                        span.clone(),
                        format!("enum field `{name}` needs values"),
                        Some("values = [\"Ordered\", \"Preparing\"]".into()),
                    );
                    Vec::new()
                }
                (ty, Some(values)) => {
                    self.error(
                        values.span(),
                        format!("`values` is only for enum fields; `{name}` is {ty}"),
                        None,
                    );
                    Vec::new()
                }
                (_, None) => Vec::new(),
            };
            let mut spec = FieldSpec {
                ty: field.ty,
                values,
                required: field.required,
                default: None,
            };
            if let Some(default) = field.default {
                match to_json(default.get_ref())
                    .and_then(|v| spec.from_value(&v, dates::unix_now()).map(|_| v))
                {
                    Ok(value) => spec.default = Some(value),
                    Err(message) => self.error(
                        default.span(),
                        format!("default of `{name}`: {message}"),
                        None,
                    ),
                }
            }
            schema.insert(name, spec);
        }
        schema
    }

    fn steps(&mut self, campaign: &str, raws: Vec<Spanned<RawStep>>, schema: &Schema) -> Vec<Step> {
        let now = dates::unix_now();
        // Fields set so far: defaults, then each step's changes, as a walk would send them.
        let mut set: Vec<&str> = schema
            .iter()
            .filter(|(_, spec)| spec.default.is_some())
            .map(|(name, _)| name.as_str())
            .collect();
        let mut steps = Vec::new();
        for (index, raw) in raws.into_iter().enumerate() {
            let span = raw.span();
            let raw = raw.into_inner();
            let label = format!("step {} of `{campaign}`", index + 1);
            let mut content_state = Map::new();
            for (key, value) in &raw.content_state {
                let Some((name, spec)) = schema.get_key_value(key.as_str()) else {
                    let known: Vec<&str> = schema.keys().map(String::as_str).collect();
                    self.error(
                        value.span(),
                        format!("{label}: `{key}` is not a content_state field"),
                        Some(format!("fields: {}", known.join(", "))),
                    );
                    continue;
                };
                // A bad value is reported once here, not again as a missing field below.
                if !set.contains(&name.as_str()) {
                    set.push(name.as_str());
                }
                match to_json(value.get_ref()).and_then(|v| spec.from_value(&v, now).map(|_| v)) {
                    Ok(json) => {
                        content_state.insert(key.clone(), json);
                    }
                    Err(message) => {
                        self.error(value.span(), format!("{label}: {key}: {message}"), None)
                    }
                }
            }
            for (name, spec) in schema {
                if spec.required && !set.contains(&name.as_str()) {
                    self.error(
                        span.clone(),
                        format!("{label}: required field `{name}` has no value (not in this step, an earlier one, or a default)"),
                        Some(format!("add {name} to this step's content_state")),
                    );
                }
            }
            if raw.event == Event::Start && raw.alert.is_none() {
                self.error(
                    span.clone(),
                    format!("{label} starts the activity but has no alert"),
                    Some(
                        "alert = { title = \"…\", body = \"…\" }: without it the start is silent"
                            .into(),
                    ),
                );
            }
            let mut duration = |value: Option<Spanned<String>>| {
                value.and_then(|v| match dates::parse_duration(v.get_ref()) {
                    Ok(seconds) => Some(seconds),
                    Err(message) => {
                        self.error(v.span(), format!("{label}: {message}"), None);
                        None
                    }
                })
            };
            let dismiss_in = duration(raw.dismiss_in);
            let stale_in = duration(raw.stale_in);
            steps.push(Step {
                name: raw.name,
                event: raw.event,
                content_state,
                alert: raw.alert,
                dismiss_in,
                stale_in,
            });
        }
        steps
    }
}

/// The `{field}` names in a preview template.
pub fn placeholders(template: &str) -> impl Iterator<Item = &str> {
    template
        .split('{')
        .skip(1)
        .filter_map(|part| part.split_once('}').map(|(name, _)| name.trim()))
}

/// TOML values as the JSON that will be sent; TOML date-times become RFC 3339 strings.
fn to_json(value: &toml::Value) -> Result<Value, String> {
    Ok(match value {
        toml::Value::String(s) => Value::String(s.clone()),
        toml::Value::Integer(i) => Value::from(*i),
        toml::Value::Float(f) => serde_json::Number::from_f64(*f)
            .map(Value::Number)
            .ok_or_else(|| format!("{f} is not a finite number"))?,
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Datetime(d) => Value::String(d.to_string()),
        toml::Value::Array(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(table) => Value::Object(
            table
                .iter()
                .map(|(k, v)| to_json(v).map(|v| (k.clone(), v)))
                .collect::<Result<_, _>>()?,
        ),
    })
}
