//! The simulated device: one Live Activity per campaign and activity id, applying Apple's rules
//! to each accepted push and recording the pushes it drops, as an iPhone would do silently.

use crate::activity::schema::{describe, is_integral};
use crate::activity::{Event, Schema};
use crate::config::{Campaign, CampaignKind};
use indexmap::IndexMap;
use serde::Serialize;
use serde_json::{Map, Value};

/// Every activity the device has seen, and every push it dropped.
#[derive(Debug, Default)]
pub(crate) struct Device {
    /// Keyed by (campaign id, activity id), in order of first start.
    activities: IndexMap<(String, String), Activity>,
    dropped: Vec<Dropped>,
}

/// One Live Activity as the device shows it.
#[derive(Debug, Serialize)]
struct Activity {
    campaign: String,
    state: Phase,
    content_state: Map<String, Value>,
    attributes: Map<String, Value>,
    last_alert: Option<Value>,
    last_timestamp: i64,
    /// Applied `update` pushes since the last start.
    updates: u32,
    /// Applied `start` pushes; more than one means it was started again.
    starts: u32,
    dismissal_date: Option<i64>,
    dropped: Vec<Rejected>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Phase {
    Active,
    Ended,
}

/// A dropped push, in an activity's own list.
#[derive(Debug, Serialize)]
struct Rejected {
    event: Option<String>,
    reason: String,
}

/// A dropped push, in the device-wide list.
#[derive(Debug, Serialize)]
struct Dropped {
    campaign: String,
    activity: Option<String>,
    event: Option<String>,
    reason: String,
}

/// What `GET /_mock/device` answers.
#[derive(Serialize)]
pub(crate) struct DeviceView<'a> {
    activities: IndexMap<String, &'a Activity>,
    dropped: &'a [Dropped],
}

/// The activity id a push addresses: `liveActivityID` for transactional campaigns, `channelID`
/// for broadcasts, both under `attributes.liveActivityData`.
pub(crate) fn activity_id(aps: &Value, kind: CampaignKind) -> Option<&str> {
    aps.get("attributes")?
        .get("liveActivityData")?
        .get(id_key(kind))?
        .as_str()
        .filter(|id| !id.is_empty())
}

fn id_key(kind: CampaignKind) -> &'static str {
    match kind {
        CampaignKind::Transactional => "liveActivityID",
        CampaignKind::Marketing => "channelID",
    }
}

impl Device {
    /// Applies one push (`aps`) sent through `campaign`, or records why the device drops it.
    pub fn apply(&mut self, campaign: &Campaign, aps: Option<&Value>) {
        let Some(aps) = aps.filter(|aps| aps.is_object()) else {
            self.drop_push(
                campaign,
                None,
                None,
                "no aps dictionary in context.requestPayload",
            );
            return;
        };
        let event = aps.get("event").and_then(Value::as_str);
        let Some(id) = activity_id(aps, campaign.kind) else {
            let reason = format!(
                "attributes.liveActivityData.{} is missing",
                id_key(campaign.kind)
            );
            self.drop_push(campaign, None, event, &reason);
            return;
        };
        let key = (campaign.id.clone(), id.to_string());
        if let Err(reason) = self.try_apply(campaign, &key, aps) {
            if let Some(activity) = self.activities.get_mut(&key) {
                activity.dropped.push(Rejected {
                    event: event.map(str::to_string),
                    reason: reason.clone(),
                });
            }
            self.drop_push(campaign, Some(id), event, &reason);
        }
    }

    /// The JSON view. Activities are keyed by their id, or `campaign/id` when two campaigns
    /// use the same id.
    pub fn view(&self) -> DeviceView<'_> {
        let shared = |id: &str| {
            self.activities
                .keys()
                .filter(|(_, other)| other == id)
                .count()
                > 1
        };
        let activities = self
            .activities
            .iter()
            .map(|((campaign, id), activity)| {
                let key = if shared(id) {
                    format!("{campaign}/{id}")
                } else {
                    id.clone()
                };
                (key, activity)
            })
            .collect();
        DeviceView {
            activities,
            dropped: &self.dropped,
        }
    }

    fn try_apply(
        &mut self,
        campaign: &Campaign,
        key: &(String, String),
        aps: &Value,
    ) -> Result<(), String> {
        let event: Event = aps
            .get("event")
            .and_then(Value::as_str)
            .ok_or("event is missing")?
            .parse()?;
        let timestamp = aps
            .get("timestamp")
            .filter(|t| is_integral(t))
            .and_then(Value::as_f64)
            .map(|t| t as i64)
            .ok_or("timestamp is missing or not whole Unix seconds")?;
        if campaign.kind == CampaignKind::Marketing {
            let channel = aps.get("input-push-channel").and_then(Value::as_str);
            if channel != Some(key.1.as_str()) {
                return Err("input-push-channel must equal liveActivityData.channelID".into());
            }
        }
        if event == Event::Start {
            return self.start(campaign, key, aps, timestamp);
        }
        let activity = self.activities.get_mut(key).ok_or("never started")?;
        if activity.state == Phase::Ended {
            return Err("ended".into());
        }
        if timestamp <= activity.last_timestamp {
            return Err("timestamp not newer".into());
        }
        // `end` may leave the content-state out and keep the one shown.
        let content_state = match (event, aps.get("content-state")) {
            (Event::End, None) => None,
            (_, value) => Some(decode_content_state(&campaign.content_state, value)?),
        };
        if let Some(content_state) = content_state {
            activity.content_state = content_state;
        }
        if let Some(alert) = aps.get("alert") {
            activity.last_alert = Some(alert.clone());
        }
        activity.last_timestamp = timestamp;
        if event == Event::End {
            activity.state = Phase::Ended;
            activity.dismissal_date = aps
                .get("dismissal-date")
                .filter(|d| is_integral(d))
                .and_then(Value::as_f64)
                .map(|d| d as i64);
        } else {
            activity.updates += 1;
        }
        Ok(())
    }

    /// Push-to-start: creates the activity, or starts it again (a new instance on a real
    /// device) when it already exists.
    fn start(
        &mut self,
        campaign: &Campaign,
        key: &(String, String),
        aps: &Value,
        timestamp: i64,
    ) -> Result<(), String> {
        let previous = self.activities.get_mut(key);
        if let Some(previous) = &previous
            && previous.state == Phase::Active
            && timestamp <= previous.last_timestamp
        {
            return Err("timestamp not newer".into());
        }
        let attributes_type = aps.get("attributes-type").and_then(Value::as_str);
        if attributes_type != Some(campaign.attributes_type.as_str()) {
            return Err(format!(
                "attributes-type is not the app's {}",
                campaign.attributes_type
            ));
        }
        let attributes = decode(&campaign.attributes, aps.get("attributes"))
            .map_err(|e| format!("cannot decode attributes: {e}"))?;
        let content_state =
            decode_content_state(&campaign.content_state, aps.get("content-state"))?;
        let (starts, dropped) = match previous {
            Some(previous) => (previous.starts, std::mem::take(&mut previous.dropped)),
            None => (0, Vec::new()),
        };
        let activity = Activity {
            campaign: campaign.id.clone(),
            state: Phase::Active,
            content_state,
            attributes,
            last_alert: aps.get("alert").cloned(),
            last_timestamp: timestamp,
            updates: 0,
            starts: starts + 1,
            dismissal_date: None,
            dropped,
        };
        self.activities.insert(key.clone(), activity);
        Ok(())
    }

    fn drop_push(
        &mut self,
        campaign: &Campaign,
        activity: Option<&str>,
        event: Option<&str>,
        reason: &str,
    ) {
        self.dropped.push(Dropped {
            campaign: campaign.id.clone(),
            activity: activity.map(str::to_string),
            event: event.map(str::to_string),
            reason: reason.to_string(),
        });
    }
}

fn decode_content_state(
    schema: &Schema,
    value: Option<&Value>,
) -> Result<Map<String, Value>, String> {
    decode(schema, value).map_err(|e| format!("cannot decode content-state: {e}"))
}

/// Decodes like Swift's default `JSONDecoder`: required fields present and well typed,
/// optional ones absent, `null` or well typed, unknown keys ignored.
fn decode(schema: &Schema, value: Option<&Value>) -> Result<Map<String, Value>, String> {
    let map = match value {
        Some(Value::Object(map)) => map,
        Some(other) => return Err(format!("expected an object, found {}", describe(other))),
        None => return Err("it is missing".into()),
    };
    for (name, spec) in schema {
        match map.get(name) {
            None | Some(Value::Null) if !spec.required => {}
            None => return Err(format!("missing field `{name}`")),
            Some(value) => spec.check(value).map_err(|e| format!("{name}: {e}"))?,
        }
    }
    Ok(map.clone())
}
