//! Pre-send validation: every mistake AJO or the device would reject or silently drop.
//!
//! Works on the JSON body (built by liveact or written by hand), so `liveact validate` and the
//! live preview share one set of rules. Body-level rules (AJO's) live here; the `aps` rules
//! live in [`aps`].

mod aps;

use super::diagnostic::{Diagnostic, Severity};
use super::lifecycle::ActivityHistory;
use crate::config::{Campaign, CampaignKind};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// AJO's documented limit on the contextual data of one call ("cannot exceed 200kb").
pub const MAX_CONTEXT_BYTES: usize = 200 * 1024;
/// AJO's limit on recipients of one unitary call.
pub const MAX_RECIPIENTS: usize = 20;

/// What validation knows beyond the body itself.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The campaign whose schema the body must follow, when known.
    pub campaign: Option<&'a Campaign>,
    /// Unix seconds, for the timestamp and date rules.
    pub now: i64,
    /// Earlier sends to this activity; `None` when unknown (no lifecycle checks then).
    pub history: Option<&'a ActivityHistory>,
}

/// Validates a full AJO body (unitary or audience) or a bare `{"aps": …}`.
pub fn validate_body(body: &Value, ctx: &Context<'_>) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let Some(object) = body.as_object() else {
        out.push(Diagnostic::new(
            Severity::Error,
            "body-not-object",
            "",
            "the body must be a JSON object",
        ));
        return out;
    };
    if let Some(aps) = object.get("aps") {
        let kind = ctx.campaign.map(|c| c.kind);
        aps::check(aps, "aps", kind, ctx, &mut out);
        return out;
    }
    let kind = match ctx.campaign {
        Some(campaign) => campaign.kind,
        None if object.contains_key("audience") => CampaignKind::Marketing,
        None if object.contains_key("context") && !object.contains_key("recipients") => {
            CampaignKind::Marketing
        }
        None => CampaignKind::Transactional,
    };
    check_ids(object, ctx, &mut out);
    check_schedule(object.get("schedule"), kind, ctx, &mut out);
    match kind {
        CampaignKind::Transactional => check_unitary(object, ctx, &mut out),
        CampaignKind::Marketing => check_audience(object, ctx, &mut out),
    }
    out
}

/// `schedule.executeAt`: broadcasts only, a date-time to come.
fn check_schedule(
    schedule: Option<&Value>,
    kind: CampaignKind,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(schedule) = schedule else {
        return;
    };
    if kind == CampaignKind::Transactional {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "schedule-unitary",
                "schedule",
                "a transactional (unitary) call runs at once and cannot be scheduled",
            )
            .hint("only marketing campaigns (the audience endpoint) take schedule.executeAt"),
        );
        return;
    }
    let at = schedule.get("executeAt");
    let Some(Ok(at)) = at
        .and_then(Value::as_str)
        .map(str::parse::<jiff::Timestamp>)
    else {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "schedule-time",
                "schedule.executeAt",
                format!(
                    "executeAt must be a date-time string, found {}",
                    at.map_or("nothing".to_string(), Value::to_string)
                ),
            )
            .hint("e.g. 2026-12-04T20:00:00Z; drop `schedule` to run at once"),
        );
        return;
    };
    if at.as_second() <= ctx.now {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "schedule-past",
                "schedule.executeAt",
                format!("{at} is not in the future: AJO refuses a schedule in the past"),
            )
            .hint("pick a time to come, or clear the schedule to run at once"),
        );
    }
}

fn check_ids(body: &Map<String, Value>, ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    match body.get("campaignId") {
        Some(Value::String(id)) if !id.trim().is_empty() => {
            if let Some(campaign) = ctx.campaign
                && campaign.id != *id
            {
                out.push(
                    Diagnostic::new(
                        Severity::Warning,
                        "campaign-id-mismatch",
                        "campaignId",
                        format!(
                            "`{id}` is not the id of campaign {} (`{}`)",
                            campaign.name, campaign.id
                        ),
                    )
                    .hint("copy the Campaign ID from the activated campaign in AJO"),
                );
            }
        }
        _ => out.push(
            Diagnostic::new(
                Severity::Error,
                "campaign-id",
                "campaignId",
                "campaignId must be a non-empty string",
            )
            .hint("copy the Campaign ID from the activated campaign's cURL panel in AJO"),
        ),
    }
    match body.get("requestId") {
        None => out.push(
            Diagnostic::new(
                Severity::Warning,
                "request-id-missing",
                "requestId",
                "no requestId",
            )
            .hint("AJO's API requires one per call; liveact sends a fresh UUID"),
        ),
        Some(Value::String(id)) if !id.trim().is_empty() => {}
        Some(_) => out.push(Diagnostic::new(
            Severity::Error,
            "request-id",
            "requestId",
            "requestId must be a non-empty string",
        )),
    }
}

fn check_unitary(body: &Map<String, Value>, ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if body.contains_key("audience") {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "audience-on-unitary",
                "audience",
                "a transactional (unitary) call has recipients, not an audience",
            )
            .hint("audiences belong to marketing campaigns"),
        );
    }
    let Some(recipients) = body.get("recipients").and_then(Value::as_array) else {
        out.push(Diagnostic::new(
            Severity::Error,
            "recipients",
            "recipients",
            "recipients must be an array of 1 to 20 recipients",
        ));
        return;
    };
    if recipients.is_empty() || recipients.len() > MAX_RECIPIENTS {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "recipients-count",
                "recipients",
                format!(
                    "{} recipients: AJO takes 1 to {MAX_RECIPIENTS} per call",
                    recipients.len()
                ),
            )
            .hint("split the recipients over several calls"),
        );
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    // Recipients usually share one push: check each distinct aps once, at its first recipient.
    let mut checked: Vec<&Value> = Vec::new();
    for (i, recipient) in recipients.iter().enumerate() {
        let base = format!("recipients[{i}]");
        let Some(r) = recipient.as_object() else {
            out.push(Diagnostic::new(
                Severity::Error,
                "recipient",
                base,
                "a recipient must be an object",
            ));
            continue;
        };
        match r.get("type").and_then(Value::as_str) {
            Some("aep") => {}
            other => out.push(
                Diagnostic::new(
                    Severity::Error,
                    "recipient-type",
                    format!("{base}.type"),
                    format!(
                        "type is {}, expected \"aep\"",
                        other.map_or("missing".into(), |t| format!("{t:?}"))
                    ),
                )
                .hint("Live Activity tokens live on AEP profiles, so recipients are of type aep"),
            ),
        }
        match r.get("userId").and_then(Value::as_str) {
            Some(user) if !user.trim().is_empty() => {
                if let Some(first) = seen.insert(user, i) {
                    out.push(
                        Diagnostic::new(
                            Severity::Error,
                            "recipient-duplicate",
                            format!("{base}.userId"),
                            format!("userId `{user}` is already recipients[{first}]"),
                        )
                        .hint("AJO rejects duplicate user ids in one call"),
                    );
                }
            }
            _ => out.push(Diagnostic::new(
                Severity::Error,
                "recipient-user-id",
                format!("{base}.userId"),
                "userId must be a non-empty string",
            )),
        }
        match r.get("namespace").and_then(Value::as_str) {
            Some(ns) if !ns.trim().is_empty() => {}
            _ => out.push(
                Diagnostic::new(
                    Severity::Error,
                    "recipient-namespace",
                    format!("{base}.namespace"),
                    "namespace must be a non-empty string",
                )
                .hint("use the campaign's identity type, e.g. email or ecid"),
            ),
        }
        let aps = r
            .get("context")
            .and_then(|c| c.get("requestPayload"))
            .and_then(|p| p.get("aps"));
        if let Some(aps) = aps {
            if checked.contains(&aps) {
                continue;
            }
            checked.push(aps);
        }
        check_context(
            r.get("context"),
            &format!("{base}.context"),
            CampaignKind::Transactional,
            ctx,
            out,
        );
    }
}

fn check_audience(body: &Map<String, Value>, ctx: &Context<'_>, out: &mut Vec<Diagnostic>) {
    if body.contains_key("recipients") {
        out.push(
            Diagnostic::new(
                Severity::Error,
                "recipients-on-audience",
                "recipients",
                "a marketing (audience) call has an audience, not recipients",
            )
            .hint("recipients belong to transactional campaigns"),
        );
    }
    match body
        .get("audience")
        .and_then(|a| a.get("id"))
        .and_then(Value::as_str)
    {
        Some(id) if !id.trim().is_empty() => {}
        _ => out.push(
            Diagnostic::new(
                Severity::Error,
                "audience-id",
                "audience.id",
                "audience.id must be a non-empty string",
            )
            .hint("a broadcast goes to the campaign's audience; set audience_id in the campaign"),
        ),
    }
    check_context(
        body.get("context"),
        "context",
        CampaignKind::Marketing,
        ctx,
        out,
    );
}

fn check_context(
    context: Option<&Value>,
    path: &str,
    kind: CampaignKind,
    ctx: &Context<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let Some(context) = context else {
        out.push(Diagnostic::new(
            Severity::Error,
            "context",
            path,
            "no context: the push goes in context.requestPayload.aps",
        ));
        return;
    };
    let size = serde_json::to_vec(context).map_or(0, |bytes| bytes.len());
    if size > MAX_CONTEXT_BYTES {
        out.push(Diagnostic::new(
            Severity::Error,
            "context-size",
            path,
            format!("context is {size} bytes; AJO accepts at most {MAX_CONTEXT_BYTES}"),
        ));
    }
    match context.get("requestPayload").and_then(|p| p.get("aps")) {
        Some(aps) => aps::check(
            aps,
            &format!("{path}.requestPayload.aps"),
            Some(kind),
            ctx,
            out,
        ),
        None => out.push(Diagnostic::new(
            Severity::Error,
            "aps-missing",
            format!("{path}.requestPayload.aps"),
            "no aps dictionary",
        )),
    }
}
