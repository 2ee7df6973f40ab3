//! From a parsed curl call to the campaign and profile entries.

use super::args::CurlCall;
use super::{ImportError, Imported, excerpt, is_placeholder, redact, render};
use crate::activity::jsonc;
use crate::config::{self, CampaignKind, Config, ProfileKind};
use serde_json::{Map, Value};
use std::fmt::Write;
use std::path::Path;

/// What the attributes type is set to when the payload does not say (an update or end).
const UNKNOWN_TYPE: &str = "TODO";

pub(super) fn infer(call: CurlCall, config: Option<&Config>) -> Result<Imported, ImportError> {
    let mut warnings = Vec::new();
    let url = call.url.as_ref().ok_or_else(|| {
        ImportError::new("no URL in the command").hint(
            "AJO's cURL posts to https://platform.adobe.io/ajo/im/executions/unitary or …/audience",
        )
    })?;
    let (kind, base_url) = endpoint(&url.text)?;
    if let Some(method) = call
        .method
        .as_deref()
        .filter(|m| !m.eq_ignore_ascii_case("POST"))
    {
        return Err(ImportError::new(format!(
            "the request method is {method}: an execution call is a POST"
        )));
    }
    let mut secrets: Vec<String> = Vec::new();
    for dropped in &call.dropped {
        warnings.push(format!(
            "dropped {}: secrets are never printed or saved; the profile reads \
             client_secret from $AJO_CLIENT_SECRET",
            dropped.what
        ));
        secrets.push(dropped.value.clone());
    }
    for option in &call.ignored {
        warnings.push(format!("ignored the unknown option {option}"));
    }
    let headers = read_headers(&call.headers, &mut warnings, &mut secrets);

    let body = call
        .body
        .as_ref()
        .filter(|b| !b.text.trim().is_empty())
        .ok_or_else(|| {
            ImportError::new("no body: the command has no -d/--data")
                .hint("paste the whole cURL, with the example payload AJO shows after -d")
        })?;
    let body = parse_body(&body.text)?;
    let id = match body.get("campaignId") {
        Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
        _ => {
            return Err(ImportError::new("the body has no campaignId")
                .hint("copy the cURL from the activated campaign: its body names the campaign"));
        }
    };
    if is_placeholder(&id) {
        warnings.push(format!(
            "campaignId `{id}` looks like a placeholder: write the Campaign ID AJO shows for \
             the activated campaign"
        ));
    }

    let mut entry = String::from("[[campaigns]]\n");
    let (target, aps) = match kind {
        CampaignKind::Transactional => recipient(&body, &mut warnings)?,
        CampaignKind::Marketing => audience(&body)?,
    };
    let attributes_type = match aps.get("attributes-type") {
        Some(Value::String(t)) if !t.trim().is_empty() => Some(t.clone()),
        _ => {
            warnings.push(format!(
                "the payload has no aps.attributes-type (an update or end?): attributes_type is \
                 \"{UNKNOWN_TYPE}\"; write the Swift ActivityAttributes type name"
            ));
            None
        }
    };
    let name = campaign_name(attributes_type.as_deref(), &id, config);
    if let Some(known) = config.and_then(|c| c.campaigns.iter().find(|c| c.id == id)) {
        warnings.push(format!(
            "campaign `{}` of the config already has the id `{id}`",
            known.name
        ));
    }
    let _ = writeln!(entry, "name = {}", render::string(&name));
    let _ = writeln!(entry, "id = {}", render::string(&id));
    let _ = writeln!(entry, "kind = \"{kind}\"");
    match &attributes_type {
        Some(t) => {
            let _ = writeln!(entry, "attributes_type = {}", render::string(t));
        }
        None => {
            let _ = writeln!(
                entry,
                "attributes_type = \"{UNKNOWN_TYPE}\"  # not in the cURL: the Swift ActivityAttributes type name"
            );
        }
    }
    entry.push_str(&target);
    fields(
        &mut entry,
        "attributes",
        aps.get("attributes"),
        &mut warnings,
    );
    fields(
        &mut entry,
        "content_state",
        aps.get("content-state"),
        &mut warnings,
    );

    let profile_toml = profile(&headers, &base_url, config, &mut warnings);
    let text = super::file_text(&id, profile_toml.as_deref(), &entry);
    let leaked = secrets
        .iter()
        .filter(|s| s.len() >= 4)
        .any(|s| text.contains(s.as_str()) || warnings.iter().any(|w| w.contains(s.as_str())));
    if leaked {
        return Err(ImportError::new(
            "a credential of the command also appears in its body: refusing to import it",
        )
        .hint("take the secret out of the body and paste the command again"));
    }
    let loaded = config::parse(&text, Path::new("(imported)"), false).map_err(|errors| {
        ImportError::new(format!(
            "the imported entry does not load (a bug): {errors}"
        ))
    })?;
    let campaign = loaded
        .campaigns
        .into_iter()
        .next()
        .ok_or_else(|| ImportError::new("the imported entry has no campaign (a bug)"))?;
    Ok(Imported {
        campaign,
        campaign_toml: entry,
        profile_toml,
        warnings,
    })
}

/// The campaign kind and the base URL (origin and path prefix) of an execution URL.
fn endpoint(url: &str) -> Result<(CampaignKind, String), ImportError> {
    let path = url
        .split(['?', '#'])
        .next()
        .unwrap_or(url)
        .trim_end_matches('/');
    let not_ajo = || {
        ImportError::new(format!(
            "`{}` is not an AJO execution endpoint",
            redact(url)
        ))
        .hint(
            "expected …/im/executions/unitary (transactional) or …/im/executions/audience \
             (marketing), e.g. https://platform.adobe.io/ajo/im/executions/unitary",
        )
    };
    let host = path
        .strip_prefix("https://")
        .or_else(|| path.strip_prefix("http://"))
        .ok_or_else(not_ajo)?;
    let (kind, prefix) = if let Some(base) = path.strip_suffix("/im/executions/unitary") {
        (CampaignKind::Transactional, base)
    } else if let Some(base) = path.strip_suffix("/im/executions/audience") {
        (CampaignKind::Marketing, base)
    } else {
        return Err(not_ajo());
    };
    if host.starts_with(['/', '{', '<', '$']) || host.starts_with("im/") {
        return Err(not_ajo());
    }
    Ok((kind, prefix.to_string()))
}

/// The headers that say where the call goes and as whom.
#[derive(Default)]
struct Headers {
    api_key: Option<String>,
    org_id: Option<String>,
    sandbox: Option<String>,
}

fn read_headers(raw: &[String], warnings: &mut Vec<String>, secrets: &mut Vec<String>) -> Headers {
    let mut headers = Headers::default();
    for header in raw {
        let Some((name, value)) = header.split_once(':') else {
            warnings.push(format!("ignored the header `{}` (no `:`)", redact(header)));
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
        let first = |slot: &mut Option<String>| {
            slot.get_or_insert_with(|| value.to_string());
        };
        match name.as_str() {
            "authorization" => {
                let token = value
                    .strip_prefix("Bearer ")
                    .or_else(|| value.strip_prefix("bearer "))
                    .unwrap_or(value)
                    .trim();
                if !is_placeholder(token) {
                    secrets.push(token.to_string());
                    warnings.push(
                        "dropped the Authorization header's token: tokens are never printed \
                         or saved; the profile fetches its own from IMS with client_secret \
                         from $AJO_CLIENT_SECRET"
                            .into(),
                    );
                }
            }
            "x-api-key" => first(&mut headers.api_key),
            "x-gw-ims-org-id" => first(&mut headers.org_id),
            "x-sandbox-name" => first(&mut headers.sandbox),
            "content-type" if !value.to_ascii_lowercase().contains("json") => {
                warnings.push(format!(
                    "Content-Type is `{value}`: AJO expects application/json"
                ));
            }
            other
                if ["secret", "token", "password"]
                    .iter()
                    .any(|s| other.contains(s))
                    && !is_placeholder(value) =>
            {
                secrets.push(value.to_string());
                warnings.push(format!(
                    "dropped the {other} header: secrets are never printed or saved"
                ));
            }
            _ => {}
        }
    }
    headers
}

/// The body as JSON (comments allowed, as in AJO's examples), or where it breaks.
fn parse_body(text: &str) -> Result<Map<String, Value>, ImportError> {
    let (plain, _) = jsonc::strip_comments(text);
    match serde_json::from_str(&plain) {
        Ok(Value::Object(body)) => Ok(body),
        Ok(_) => Err(ImportError::new("the body is JSON but not an object")
            .hint("an execution body is {\"requestId\": …, \"campaignId\": …, …}")),
        Err(e) => {
            // Point at the line and column inside the body, and show the text there.
            let offset: usize = text
                .split_inclusive('\n')
                .take(e.line().saturating_sub(1))
                .map(str::len)
                .sum();
            let line = text.get(offset..).unwrap_or_default();
            let column = line
                .char_indices()
                .nth(e.column().saturating_sub(1))
                .map_or(line.len(), |(i, _)| i);
            let what = e.to_string();
            let what = what.split(" at line ").next().unwrap_or(&what);
            Err(ImportError::new(format!(
                "the body is not JSON: {what} at line {} column {} of the body, at: {}",
                e.line(),
                e.column(),
                excerpt(text, offset + column)
            )))
        }
    }
}

/// The recipient line and the `aps` of a unitary body.
fn recipient<'b>(
    body: &'b Map<String, Value>,
    warnings: &mut Vec<String>,
) -> Result<(String, &'b Map<String, Value>), ImportError> {
    let recipients = match body.get("recipients") {
        Some(Value::Array(list)) if !list.is_empty() => list,
        _ => {
            let hint = if body.contains_key("audience") {
                "this is a broadcast body: its URL ends in /im/executions/audience"
            } else {
                "a unitary call names its recipients: \"recipients\": [{\"type\": \"aep\", …}]"
            };
            return Err(ImportError::new("the body has no recipients").hint(hint));
        }
    };
    let first = &recipients[0];
    if recipients.len() > 1 {
        warnings.push(format!(
            "the body has {} recipients: the campaign's recipient is the first; the others \
             are left out",
            recipients.len()
        ));
    }
    let text = |key: &str| first.get(key).and_then(Value::as_str).map(str::to_string);
    let line = match (text("userId"), text("namespace")) {
        (Some(user), Some(namespace)) => format!(
            "recipient = {{ user_id = {}, namespace = {} }}\n",
            render::string(&user),
            render::string(&namespace)
        ),
        _ => {
            warnings.push(
                "recipients[0] has no userId and namespace: the campaign has no default \
                 recipient (pass --user and --namespace when sending)"
                    .into(),
            );
            String::new()
        }
    };
    let aps = aps_at(
        first.get("context"),
        "recipients[0].context.requestPayload.aps",
    )?;
    Ok((line, aps))
}

/// The audience line and the `aps` of a broadcast body.
fn audience(body: &Map<String, Value>) -> Result<(String, &Map<String, Value>), ImportError> {
    let id = body
        .get("audience")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
        .filter(|id| !id.trim().is_empty())
        .ok_or_else(|| {
            let hint = if body.contains_key("recipients") {
                "this is a unitary body: its URL ends in /im/executions/unitary"
            } else {
                "a broadcast names its audience: \"audience\": {\"id\": \"…\"}"
            };
            ImportError::new("the audience body has no audience.id").hint(hint)
        })?;
    let line = format!("audience_id = {}\n", render::string(id));
    Ok((
        line,
        aps_at(body.get("context"), "context.requestPayload.aps")?,
    ))
}

/// The `aps` under a `context`, or an error naming where it was looked for.
fn aps_at<'v>(
    context: Option<&'v Value>,
    path: &str,
) -> Result<&'v Map<String, Value>, ImportError> {
    context
        .and_then(|c| c.get("requestPayload"))
        .and_then(|p| p.get("aps"))
        .and_then(Value::as_object)
        .ok_or_else(|| {
            ImportError::new(format!(
                "the body has no {path}: it is not a Live Activity push"
            ))
            .hint("copy the cURL of a campaign whose action is a Live Activity")
        })
}

/// `[campaigns.<table>]` with one field per key of the example object.
fn fields(entry: &mut String, table: &str, example: Option<&Value>, warnings: &mut Vec<String>) {
    let aps_key = table.replace('_', "-");
    let Some(example) = example.and_then(Value::as_object) else {
        warnings.push(format!(
            "the payload has no aps.{aps_key} object: no {table} fields derived (write them \
             under [campaigns.{table}])"
        ));
        return;
    };
    let content_state = table == "content_state";
    let fields: Vec<_> = example
        .iter()
        .filter(|(name, _)| content_state || name.as_str() != "liveActivityData")
        .collect();
    if fields.is_empty() {
        return;
    }
    let _ = writeln!(entry, "\n[campaigns.{table}]");
    for (name, value) in fields {
        let ty = match value {
            Value::String(_) => "string",
            Value::Bool(_) => "bool",
            Value::Number(n) if n.is_i64() || n.is_u64() => "int",
            Value::Number(_) => "number",
            Value::Null | Value::Array(_) | Value::Object(_) => "json",
        };
        let _ = write!(entry, "{} = {{ type = \"{ty}\"", render::key(name));
        if content_state {
            entry.push_str(", required = true");
        }
        match render::value(value) {
            Some(default) => {
                let _ = write!(entry, ", default = {default}");
            }
            None => warnings.push(format!(
                "aps.{aps_key}.{name} holds a null or a number TOML cannot write: typed \
                 {ty}, with no default"
            )),
        }
        entry.push_str(" }\n");
    }
}

/// A `[profiles.NAME]` entry for the cURL's org and sandbox, unless the config has one.
fn profile(
    headers: &Headers,
    base_url: &str,
    config: Option<&Config>,
    warnings: &mut Vec<String>,
) -> Option<String> {
    let Some(org_id) = headers.org_id.as_deref() else {
        warnings.push("no x-gw-ims-org-id header: no profile derived".into());
        return None;
    };
    let sandbox = headers.sandbox.as_deref().unwrap_or_default();
    let placeholders: Vec<(&str, &str, &str)> = [
        ("x-gw-ims-org-id", "org_id", org_id),
        ("x-sandbox-name", "sandbox", sandbox),
    ]
    .into_iter()
    .filter(|(_, _, value)| is_placeholder(value))
    .collect();
    let missing: Vec<String> = placeholders
        .iter()
        .map(|(header, _, value)| match *value {
            "" => format!("no {header}"),
            value => format!("{header} is the placeholder {value}"),
        })
        .collect();
    let fill: Vec<&str> = placeholders.iter().map(|(_, key, _)| *key).collect();
    if missing.is_empty()
        && let Some(known) = config.and_then(|c| {
            c.profiles.values().find(|p| match &p.kind {
                ProfileKind::Ajo(ajo) => {
                    ajo.org_id.eq_ignore_ascii_case(org_id) && ajo.sandbox == sandbox
                }
                ProfileKind::Mock(_) => false,
            })
        })
    {
        warnings.push(format!(
            "profile `{}` already sends to this org id and sandbox: no profile added",
            known.name
        ));
        return None;
    }
    let slug = kebab(sandbox);
    let base = if slug.is_empty() || is_placeholder(sandbox) {
        "ajo".to_string()
    } else {
        format!("ajo-{slug}")
    };
    let name = unique(base, |n| config.is_some_and(|c| c.profiles.contains_key(n)));
    let client_id = match headers.api_key.as_deref() {
        Some(key) if !is_placeholder(key) => {
            warnings.push(format!(
                "x-api-key `{key}` is the credential's client id, kept as the profile's \
                 client_id (a client id is not a secret)"
            ));
            key.to_string()
        }
        _ => "env:AJO_CLIENT_ID".to_string(),
    };
    let mut lines = vec![
        format!("[profiles.{}]", render::key(&name)),
        "kind = \"ajo\"".to_string(),
        format!("base_url = {}", render::string(base_url)),
        format!("org_id = {}", render::string(org_id)),
        format!(
            "sandbox = {}",
            render::string(if sandbox.is_empty() { "prod" } else { sandbox })
        ),
        format!("client_id = {}", render::string(&client_id)),
        "client_secret = \"env:AJO_CLIENT_SECRET\"".to_string(),
    ];
    if !missing.is_empty() {
        let why = missing.join(" and ");
        let fill = fill.join(" and ");
        warnings.push(format!(
            "{why}: the profile `{name}` is commented out; fill in {fill}, then uncomment it"
        ));
        lines = std::iter::once(format!(
            "# {why}: fill in {fill}, then uncomment this profile."
        ))
        .chain(lines.into_iter().map(|l| format!("# {l}")))
        .collect();
    }
    Some(lines.join("\n") + "\n")
}

/// A campaign name new to `config`: from the attributes type, else from the campaign id.
fn campaign_name(attributes_type: Option<&str>, id: &str, config: Option<&Config>) -> String {
    let from_type = attributes_type.map(|t| {
        let short = ["LiveActivityAttributes", "ActivityAttributes", "Attributes"]
            .iter()
            .find_map(|suffix| t.strip_suffix(suffix).filter(|s| !s.is_empty()))
            .unwrap_or(t);
        kebab(short)
    });
    let base = match from_type.filter(|s| !s.is_empty()) {
        Some(name) => name,
        None => {
            let short: String = kebab(id).chars().take(8).collect();
            match short.trim_matches('-') {
                "" => "campaign".to_string(),
                short => format!("campaign-{short}"),
            }
        }
    };
    unique(base, |n| {
        config.is_some_and(|c| c.campaigns.iter().any(|x| x.name == n))
    })
}

/// `base`, or `base-2`, `base-3`… whichever is not taken.
fn unique(base: String, taken: impl Fn(&str) -> bool) -> String {
    if !taken(&base) {
        return base;
    }
    let mut n = 2;
    loop {
        let name = format!("{base}-{n}");
        if !taken(&name) {
            return name;
        }
        n += 1;
    }
}

/// `FoodDelivery` → `food-delivery`, `URLStatus 2` → `url-status-2`: ASCII letters and digits
/// in lower case, words joined by `-`.
fn kebab(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            continue;
        }
        if c.is_ascii_uppercase() && i > 0 && !out.is_empty() && !out.ends_with('-') {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(char::is_ascii_lowercase);
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out.trim_end_matches('-').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(kebab("FoodDelivery"), "food-delivery");
        assert_eq!(kebab("URLStatus 2"), "url-status-2");
        assert_eq!(kebab("--a__b--"), "a-b");
        assert_eq!(
            campaign_name(Some("FoodDeliveryLiveActivityAttributes"), "x", None),
            "food-delivery"
        );
        assert_eq!(campaign_name(Some("Attributes"), "x", None), "attributes");
        assert_eq!(
            campaign_name(None, "8ca2a4b5-1c2d-4e5f", None),
            "campaign-8ca2a4b5"
        );
        assert_eq!(unique("a".into(), |n| n == "a" || n == "a-2"), "a-3");
    }

    #[test]
    fn endpoints() {
        let (kind, base) =
            endpoint("https://platform.adobe.io/ajo/im/executions/unitary/").unwrap();
        assert_eq!(
            (kind, base.as_str()),
            (CampaignKind::Transactional, "https://platform.adobe.io/ajo")
        );
        let (kind, base) =
            endpoint("http://127.0.0.1:8787/ajo/im/executions/audience?x=1").unwrap();
        assert_eq!(
            (kind, base.as_str()),
            (CampaignKind::Marketing, "http://127.0.0.1:8787/ajo")
        );
        for url in [
            "https://platform.adobe.io/ajo/im/executions/highthroughput",
            "platform.adobe.io/ajo/im/executions/unitary",
            "https:///im/executions/unitary",
        ] {
            assert!(endpoint(url).is_err(), "{url}");
        }
    }
}
