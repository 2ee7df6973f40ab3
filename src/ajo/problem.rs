//! What went wrong, in words a marketer can act on: AJO's error bodies, the Adobe I/O gateway's,
//! IMS's, and a hint for each status.

use serde_json::Value;

/// An error answer, summarised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// One line: AJO's `title`, the gateway's `message`, or the HTTP reason.
    pub title: String,
    /// The error code and AJO's report (`requestId=…, campaignId=…`), when given.
    pub detail: Option<String>,
    /// What to do about it.
    pub hint: &'static str,
}

/// Reads an error answer of any of the shapes AJO's stack sends.
pub fn describe(status: u16, body: &str) -> Problem {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let field = |key: &str| {
        json.as_ref()
            .and_then(|j| j.get(key))
            .and_then(Value::as_str)
            .map(clean)
    };
    let (title, detail) = if let Some(title) = field("title") {
        // AJO: {type, title, status, report.additionalContext}
        let mut parts: Vec<String> = Vec::new();
        if let Some(code) = field("type").and_then(|t| t.rsplit('/').next().map(str::to_string)) {
            parts.push(code);
        }
        if let Some(context) = json
            .as_ref()
            .and_then(|j| j.pointer("/report/additionalContext"))
            .and_then(Value::as_object)
        {
            for (key, value) in context {
                let value = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_string);
                parts.push(format!("{key}={}", clean(&value)));
            }
        }
        (title, (!parts.is_empty()).then(|| parts.join(", ")))
    } else if let Some(message) = field("message") {
        // Adobe I/O gateway: {error_code, message}
        let code = json
            .as_ref()
            .and_then(|j| j.get("error_code"))
            .map(|c| match c.as_str() {
                Some(s) => clean(s),
                None => c.to_string(),
            });
        (message, code.map(|c| format!("error_code {c}")))
    } else if let Some(error) = field("error") {
        // IMS: {error, error_description}
        (
            field("error_description").unwrap_or_else(|| error.clone()),
            Some(error),
        )
    } else {
        let snippet = clean(body.trim());
        let snippet: String = snippet.chars().take(200).collect();
        (
            reason(status).to_string(),
            (!snippet.is_empty()).then_some(snippet),
        )
    };
    Problem {
        title,
        detail,
        hint: hint(status),
    }
}

/// The hint for an HTTP status.
pub fn hint(status: u16) -> &'static str {
    match status {
        400 => {
            "AJO refused the request body: read the report; `liveact validate` catches most of these before sending"
        }
        401 => {
            "the credentials were refused: check the profile's client_id and client_secret (or access_token); liveact already fetched a fresh token once"
        }
        403 => {
            "the API key, org or permissions do not match: x-api-key must be the credential's client id, x-gw-ims-org-id its org, and its product profile must allow AJO campaigns"
        }
        404 => {
            "the campaign is unknown or not active: copy the Campaign ID of the activated campaign and check its start and end dates"
        }
        408 | 504 => {
            "the call timed out: liveact retries; if it keeps happening, raise the profile's timeout"
        }
        413 => "the body is too large: keep the context under 200 KB",
        415 => "AJO expects Content-Type: application/json",
        429 => {
            "AJO is slowing you down: liveact waits as asked and retries; lower the profile's rate_limit"
        }
        500..=599 => {
            "AJO had a problem on its side: liveact retries; if it persists, try again later"
        }
        _ => "see the answer's body for details",
    }
}

/// The standard reason phrase for a status.
pub fn reason(status: u16) -> &'static str {
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Unknown status")
}

/// Removes control characters (escape sequences included) from text that came off the network.
pub fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() && c != '\n' { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ajo_error_shape() {
        let body = r#"{"type":"https://ns.adobe.com/aep/errors/MSG-000052-404","title":"Cannot find the Campaign","status":404,
                       "report":{"additionalContext":{"requestId":"r-1","campaignId":"c-9"}}}"#;
        let p = describe(404, body);
        assert_eq!(p.title, "Cannot find the Campaign");
        assert_eq!(
            p.detail.as_deref(),
            Some("MSG-000052-404, requestId=r-1, campaignId=c-9")
        );
        assert!(p.hint.starts_with("the campaign is unknown or not active"));
    }

    #[test]
    fn gateway_and_ims_shapes() {
        let p = describe(
            403,
            r#"{"error_code":"403003","message":"Api Key is invalid"}"#,
        );
        assert_eq!(
            (p.title.as_str(), p.detail.as_deref()),
            ("Api Key is invalid", Some("error_code 403003"))
        );
        let p = describe(
            401,
            r#"{"error":"invalid_client","error_description":"invalid client_secret parameter"}"#,
        );
        assert_eq!(
            (p.title.as_str(), p.detail.as_deref()),
            ("invalid client_secret parameter", Some("invalid_client"))
        );
    }

    #[test]
    fn anything_else_falls_back_to_the_reason_and_a_clean_snippet() {
        let p = describe(502, "<html>\x1b[31mbad gateway</html>");
        assert_eq!(p.title, "Bad Gateway");
        assert_eq!(p.detail.as_deref(), Some("<html> [31mbad gateway</html>"));
        assert!(p.hint.contains("retries"));
        assert_eq!(describe(429, "").detail, None);
    }
}
