//! The live preview, recomputed on every edit: the exact request, its diagnostics, its size
//! against Apple's limit, and the lock-screen card the device would show.

use super::form::Form;
use crate::activity::validate::{Context, validate_body};
use crate::activity::{
    ActivityHistory, Diagnostic, Event, Severity, Target, build_request, dates, push_timestamp,
};
use crate::config::{Campaign, CampaignKind, Recipient, placeholders};
use serde_json::Value;

/// Apple's limit on a Live Activity payload, `{"aps":…}` included.
pub const PAYLOAD_LIMIT: usize = 4096;

/// What the preview pane shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub event: Event,
    /// The exact body, pretty-printed.
    pub json: String,
    pub body: Value,
    pub diagnostics: Vec<Diagnostic>,
    /// Size of `{"aps":…}` as sent.
    pub payload_bytes: usize,
    pub card: Card,
}

/// The lock-screen card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    /// The attributes type, as the app's name stands on the card.
    pub app: String,
    /// The preview template filled in (or `field: value` pairs).
    pub lines: Vec<String>,
    /// The alert banner: title and body.
    pub alert: Option<(String, String)>,
}

impl Preview {
    pub fn errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }
}

/// What the preview needs beyond the form.
pub struct Inputs<'a> {
    pub campaign: &'a Campaign,
    pub form: &'a Form,
    /// The selected activity; `None` shows a placeholder and an error.
    pub activity: Option<&'a str>,
    pub event: Event,
    pub history: Option<&'a ActivityHistory>,
    /// The timestamp of the last push to this activity (journal or this session); the next
    /// one is stamped at least a second later so the device does not drop it.
    pub last_stamp: Option<i64>,
    pub now: i64,
    pub request_id: &'a str,
}

/// Builds and validates the request the form describes.
pub fn compute(inputs: &Inputs<'_>) -> Preview {
    let Inputs {
        campaign,
        form,
        activity,
        event,
        history,
        last_stamp,
        now,
        request_id,
    } = *inputs;
    let (draft, mut diagnostics) = form.draft(event, now);
    if activity.is_none() {
        diagnostics.push(
            Diagnostic::new(Severity::Error, "no-activity", "", "no activity selected")
                .hint("add one with a, or pick one in the activities list"),
        );
    }
    let activity = activity.unwrap_or("new-activity");
    let stamp = push_timestamp(now, last_stamp, draft.schedule_at);
    let recipients: Vec<Recipient> = campaign.recipient.iter().cloned().collect();
    let target = match campaign.kind {
        CampaignKind::Transactional => {
            if recipients.is_empty() {
                diagnostics.push(
                    Diagnostic::new(Severity::Error, "no-recipient", "recipients", "the campaign has no default recipient")
                        .hint("add recipient = { user_id = \"…\", namespace = \"email\" } to the campaign"),
                );
            }
            Target::Recipients(&recipients)
        }
        CampaignKind::Marketing => Target::Audience(campaign.audience_id.as_deref().unwrap_or("")),
    };
    let request = build_request(campaign, target, activity, &draft, request_id, stamp);
    let context = Context {
        campaign: Some(campaign),
        now,
        history,
    };
    diagnostics.extend(
        validate_body(&request.body, &context)
            .into_iter()
            .filter(|d| d.code != "recipients-count" || !recipients.is_empty()),
    );
    let aps = match campaign.kind {
        CampaignKind::Transactional => request
            .body
            .pointer("/recipients/0/context/requestPayload/aps"),
        CampaignKind::Marketing => request.body.pointer("/context/requestPayload/aps"),
    };
    let payload_bytes = aps.map_or(0, |aps| {
        serde_json::to_vec(&serde_json::json!({ "aps": aps })).map_or(0, |b| b.len())
    });
    let card = card(
        campaign,
        &draft.content_state,
        &draft.attributes,
        draft
            .alert
            .as_ref()
            .map(|a| (a.title.clone(), a.body.clone())),
    );
    Preview {
        event,
        json: serde_json::to_string_pretty(&request.body).unwrap_or_default(),
        body: request.body,
        diagnostics,
        payload_bytes,
        card,
    }
}

fn card(
    campaign: &Campaign,
    state: &serde_json::Map<String, Value>,
    attributes: &serde_json::Map<String, Value>,
    alert: Option<(String, String)>,
) -> Card {
    let show = |name: &str| -> Option<String> {
        let value = state.get(name).or_else(|| attributes.get(name))?;
        let ty = campaign
            .content_state
            .get(name)
            .or_else(|| campaign.attributes.get(name))
            .map(|s| s.ty);
        Some(match (ty, value) {
            (Some(crate::activity::FieldType::Date), Value::Number(n)) => {
                clock(n.as_f64()? as i64 + dates::SWIFT_REFERENCE_OFFSET)
            }
            (Some(crate::activity::FieldType::UnixDate), Value::Number(n)) => clock(n.as_i64()?),
            (_, Value::String(s)) => s.clone(),
            (_, other) => other.to_string(),
        })
    };
    let lines = match &campaign.preview {
        Some(template) => {
            let mut text = template.clone();
            for name in placeholders(template)
                .map(str::to_string)
                .collect::<Vec<_>>()
            {
                if let Some(value) = show(&name) {
                    text = text.replace(&format!("{{{name}}}"), &value);
                }
            }
            vec![text]
        }
        None => campaign
            .content_state
            .keys()
            .filter_map(|name| show(name).map(|v| format!("{name}: {v}")))
            .collect(),
    };
    Card {
        app: campaign.attributes_type.clone(),
        lines,
        alert,
    }
}

/// `HH:MM` UTC of a Unix time, as a lock screen shows a time.
fn clock(unix: i64) -> String {
    let text = dates::format_unix(unix);
    text.get(11..16).map_or(text.clone(), str::to_string)
}
