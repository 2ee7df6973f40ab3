//! Renders a request as a shell script: the IMS token call and the execution call, with every
//! secret read from a shell variable and never written into the script.

use crate::activity::Request;
use crate::config::{self, AuthSetting, Profile, ProfileKind, SecretSource, Setting};
use std::fmt::Write;

/// The variable a mock profile's script reads the mock's address from.
pub const MOCK_URL_VAR: &str = "LIVEACT_MOCK_URL";
const BODY_MARKER: &str = "LIVEACT_BODY";
const IMS_PATH: &str = "/ims/token/v3";

/// A shell word: text written as is, or a variable expanded when the script runs.
enum Word {
    Text(String),
    Var(String),
}

impl Word {
    /// `prefix`, the word and `suffix` as one safely quoted shell word.
    fn quoted(&self, prefix: &str, suffix: &str) -> String {
        match self {
            Word::Text(text) => quote(&format!("{prefix}{text}{suffix}")),
            Word::Var(name) => format!(
                "\"{}${{{name}}}{}\"",
                escape_double(prefix),
                escape_double(suffix)
            ),
        }
    }
}

/// Where the requests go and with which credentials, as shell words.
struct Target {
    ims_url: Word,
    ims_suffix: &'static str,
    base_url: Word,
    base_suffix: &'static str,
    client_id: Word,
    /// `None` when the profile has a ready access token.
    client_secret: Option<Word>,
    scopes: String,
    org_id: String,
    sandbox: String,
}

/// A shell script that sends `request` with `profile`'s endpoints and credentials.
///
/// `about` becomes the script's leading comment (one `#` line per line of text).
pub fn render(profile: &Profile, request: &Request, about: &str) -> String {
    let mut s = String::from("#!/bin/sh\n");
    for line in about.lines() {
        let _ = writeln!(s, "# {line}");
    }
    s.push_str("set -eu\n\n");
    let target = match &profile.kind {
        ProfileKind::Mock(_) => {
            let _ = writeln!(
                s,
                ": \"${{{MOCK_URL_VAR}:?set {MOCK_URL_VAR} to the mock's address, e.g. http://127.0.0.1:8787}}\""
            );
            Target {
                ims_url: Word::Var(MOCK_URL_VAR.into()),
                ims_suffix: IMS_PATH,
                base_url: Word::Var(MOCK_URL_VAR.into()),
                base_suffix: "/ajo",
                client_id: Word::Text(config::MOCK_CLIENT_ID.into()),
                client_secret: Some(Word::Text(config::MOCK_CLIENT_SECRET.into())),
                scopes: "openid".into(),
                org_id: config::MOCK_ORG_ID.into(),
                sandbox: config::MOCK_SANDBOX.into(),
            }
        }
        ProfileKind::Ajo(ajo) => {
            let client_id = Word::Var(variable(&mut s, &ajo.client_id, "AJO_CLIENT_ID"));
            let client_secret = match &ajo.auth {
                AuthSetting::ClientSecret(secret) => {
                    Some(Word::Var(variable(&mut s, secret, "AJO_CLIENT_SECRET")))
                }
                AuthSetting::AccessToken(token) => {
                    let name = variable(&mut s, token, "ACCESS_TOKEN");
                    if name != "ACCESS_TOKEN" {
                        let _ = writeln!(s, "ACCESS_TOKEN=\"${name}\"");
                    }
                    None
                }
            };
            Target {
                ims_url: Word::Text(ajo.ims_url.clone()),
                ims_suffix: "",
                base_url: Word::Text(ajo.base_url.clone()),
                base_suffix: "",
                client_id,
                client_secret,
                scopes: ajo.scopes.clone(),
                org_id: ajo.org_id.clone(),
                sandbox: ajo.sandbox.clone(),
            }
        }
    };
    s.push('\n');
    if let Some(secret) = &target.client_secret {
        token_request(&mut s, &target, secret);
    }
    execution(&mut s, &target, request);
    s
}

/// Declares where a configured value comes from and returns the shell variable holding it.
fn variable(s: &mut String, setting: &Setting, default_name: &str) -> String {
    match &setting.source {
        SecretSource::Env(name) => {
            let _ = writeln!(s, ": \"${{{name}:?export {name} first}}\"");
            name.clone()
        }
        SecretSource::File(path) => {
            let _ = writeln!(
                s,
                "{default_name}=$(cat {})",
                quote(&path.display().to_string())
            );
            default_name.to_string()
        }
        SecretSource::Literal(_) => {
            let _ = writeln!(
                s,
                ": \"${{{default_name}:?export {default_name} first: the config file holds it and liveact never prints it}}\""
            );
            default_name.to_string()
        }
    }
}

fn token_request(s: &mut String, t: &Target, secret: &Word) {
    let _ = writeln!(
        s,
        "IMS_ANSWER=$(curl -sS -X POST {} \\",
        t.ims_url.quoted("", t.ims_suffix)
    );
    s.push_str("  -H 'Content-Type: application/x-www-form-urlencoded' \\\n");
    s.push_str("  --data-urlencode 'grant_type=client_credentials' \\\n");
    let _ = writeln!(
        s,
        "  --data-urlencode {} \\",
        t.client_id.quoted("client_id=", "")
    );
    let _ = writeln!(
        s,
        "  --data-urlencode {} \\",
        secret.quoted("client_secret=", "")
    );
    let _ = writeln!(
        s,
        "  --data-urlencode {})",
        quote(&format!("scope={}", t.scopes))
    );
    s.push_str(concat!(
        "ACCESS_TOKEN=$(printf '%s' \"$IMS_ANSWER\" | sed -n 's/.*\"access_token\" *: *\"\\([^\"]*\\)\".*/\\1/p')\n",
        "if [ -z \"$ACCESS_TOKEN\" ]; then\n",
        "  echo \"IMS gave no access_token; check the client id and secret. IMS said: $IMS_ANSWER\" >&2\n",
        "  exit 1\n",
        "fi\n\n",
    ));
}

fn execution(s: &mut String, t: &Target, request: &Request) {
    let suffix = format!("{}{}", t.base_suffix, request.endpoint.path());
    let body = serde_json::to_string_pretty(&request.body).unwrap_or_default();
    let _ = writeln!(
        s,
        "curl -sS -i -X POST {} \\",
        t.base_url.quoted("", &suffix)
    );
    s.push_str("  -H \"Authorization: Bearer ${ACCESS_TOKEN}\" \\\n");
    let _ = writeln!(s, "  -H {} \\", t.client_id.quoted("x-api-key: ", ""));
    let _ = writeln!(
        s,
        "  -H {} \\",
        quote(&format!("x-gw-ims-org-id: {}", t.org_id))
    );
    let _ = writeln!(
        s,
        "  -H {} \\",
        quote(&format!("x-sandbox-name: {}", t.sandbox))
    );
    s.push_str("  -H 'Content-Type: application/json' \\\n");
    let _ = writeln!(
        s,
        "  --data-binary @- <<'{BODY_MARKER}'\n{body}\n{BODY_MARKER}"
    );
}

/// Single-quotes a shell word.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

fn escape_double(text: &str) -> String {
    text.chars()
        .flat_map(|c| match c {
            '"' | '\\' | '$' | '`' => vec!['\\', c],
            _ => vec![c],
        })
        .collect()
}
