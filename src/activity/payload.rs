//! Builds the `aps` dictionary of a Live Activity push and the whole AJO request body.

use super::draft::Draft;
use crate::config::{Campaign, CampaignKind, Recipient};
use serde_json::{Map, Value, json};

/// Which AJO execution endpoint a request goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /im/executions/unitary`: transactional campaigns, 1 to 20 recipients.
    Unitary,
    /// `POST /im/executions/audience`: marketing (broadcast) campaigns.
    Audience,
}

impl Endpoint {
    /// The path below the profile's base URL.
    pub fn path(self) -> &'static str {
        match self {
            Endpoint::Unitary => "/im/executions/unitary",
            Endpoint::Audience => "/im/executions/audience",
        }
    }

    /// The endpoint a campaign of this kind uses.
    pub fn for_kind(kind: CampaignKind) -> Endpoint {
        match kind {
            CampaignKind::Transactional => Endpoint::Unitary,
            CampaignKind::Marketing => Endpoint::Audience,
        }
    }
}

/// Who receives a request: recipients for unitary calls, an audience for broadcasts.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    Recipients(&'a [Recipient]),
    Audience(&'a str),
}

/// One request ready to send: where and what.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub endpoint: Endpoint,
    pub request_id: String,
    pub body: Value,
}

/// Builds the `aps` dictionary for one activity.
///
/// `activity_id` is the `liveActivityID` of a transactional campaign, or the broadcast
/// channel id of a marketing campaign (then also sent as `input-push-channel`).
pub fn build_aps(
    campaign: &Campaign,
    activity_id: &str,
    draft: &Draft,
    now: i64,
) -> Map<String, Value> {
    let mut aps = Map::new();
    aps.insert("content-available".into(), json!(1));
    aps.insert("timestamp".into(), json!(now));
    if let Some(date) = draft.dismissal_date {
        aps.insert("dismissal-date".into(), json!(date));
    }
    if let Some(date) = draft.stale_date {
        aps.insert("stale-date".into(), json!(date));
    }
    aps.insert("event".into(), json!(draft.event.as_str()));
    aps.insert(
        "content-state".into(),
        Value::Object(draft.content_state.clone()),
    );
    aps.insert("attributes-type".into(), json!(campaign.attributes_type));
    let mut attributes = draft.attributes.clone();
    let data = match campaign.kind {
        CampaignKind::Transactional => json!({ "liveActivityID": activity_id }),
        CampaignKind::Marketing => json!({ "channelID": activity_id }),
    };
    attributes.insert("liveActivityData".into(), data);
    aps.insert("attributes".into(), Value::Object(attributes));
    if let Some(alert) = &draft.alert {
        let mut object = Map::new();
        object.insert("title".into(), json!(alert.title));
        object.insert("body".into(), json!(alert.body));
        if let Some(sound) = &alert.sound {
            object.insert("sound".into(), json!(sound));
        }
        aps.insert("alert".into(), Value::Object(object));
    }
    if let Some(score) = draft.relevance_score {
        aps.insert("relevance-score".into(), json!(score));
    }
    if campaign.kind == CampaignKind::Marketing {
        aps.insert("input-push-channel".into(), json!(activity_id));
    }
    aps
}

/// Builds the whole AJO request: unitary body for recipients, audience body for a broadcast.
pub fn build_request(
    campaign: &Campaign,
    target: Target<'_>,
    activity_id: &str,
    draft: &Draft,
    request_id: &str,
    now: i64,
) -> Request {
    let aps = Value::Object(build_aps(campaign, activity_id, draft, now));
    let context = json!({ "requestPayload": { "aps": aps } });
    let (endpoint, body) = match target {
        Target::Recipients(recipients) => {
            let recipients: Vec<Value> = recipients
                .iter()
                .map(|r| {
                    json!({
                        "type": "aep",
                        "userId": r.user_id,
                        "namespace": r.namespace,
                        "context": context,
                    })
                })
                .collect();
            let body = json!({
                "requestId": request_id,
                "campaignId": campaign.id,
                "recipients": recipients,
            });
            (Endpoint::Unitary, body)
        }
        Target::Audience(audience_id) => {
            let body = json!({
                "requestId": request_id,
                "campaignId": campaign.id,
                "audience": { "id": audience_id },
                "context": context,
            });
            (Endpoint::Audience, body)
        }
    };
    let mut body = body;
    if let Some(at) = draft.schedule_at {
        // Unitary calls cannot be scheduled: kept in the body so validation says so.
        body["schedule"] = json!({ "executeAt": super::dates::format_unix(at) });
    }
    Request {
        endpoint,
        request_id: request_id.to_string(),
        body,
    }
}

/// The `aps.timestamp` of a push built at `now`: newer than the last one sent (the device
/// ignores a push that is not), and for a scheduled broadcast its time, when it reaches the
/// device.
pub fn push_timestamp(now: i64, last_sent: Option<i64>, schedule_at: Option<i64>) -> i64 {
    let at = schedule_at.map_or(now, |at| at.max(now));
    last_sent.map_or(at, |last| at.max(last.saturating_add(1)))
}

/// A fresh `requestId`: a random UUID.
pub fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}
