//! What the user is editing: event, content-state, attributes, alert and dates.

use super::dates;
use super::schema::Schema;
use crate::config::Campaign;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;
use std::str::FromStr;

/// The Live Activity event of a push.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Event {
    Start,
    Update,
    End,
}

impl Event {
    pub fn as_str(self) -> &'static str {
        match self {
            Event::Start => "start",
            Event::Update => "update",
            Event::End => "end",
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Event {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "start" => Ok(Event::Start),
            "update" => Ok(Event::Update),
            "end" => Ok(Event::End),
            _ => Err(format!("`{s}` is not an event: use start, update or end")),
        }
    }
}

/// The alert shown with a push; required on `start`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    pub title: String,
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound: Option<String>,
}

/// Everything the user chooses for one push, already converted to the JSON to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub event: Event,
    pub content_state: Map<String, Value>,
    /// Static attributes, without `liveActivityData` (the builder adds it).
    pub attributes: Map<String, Value>,
    pub alert: Option<Alert>,
    /// Unix seconds.
    pub dismissal_date: Option<i64>,
    /// Unix seconds.
    pub stale_date: Option<i64>,
    pub relevance_score: Option<f64>,
    /// Unix seconds: run the broadcast then (`schedule.executeAt`) instead of now.
    pub schedule_at: Option<i64>,
}

impl Draft {
    /// A draft holding the campaign's defaults for `content-state` and `attributes`.
    ///
    /// Defaults were type-checked when the config loaded; a date default that no longer
    /// parses is left out and reported by validation as a missing field.
    pub fn from_campaign(campaign: &Campaign, event: Event, now: i64) -> Draft {
        Draft {
            event,
            content_state: defaults(&campaign.content_state, now),
            attributes: defaults(&campaign.attributes, now),
            alert: None,
            dismissal_date: None,
            stale_date: None,
            relevance_score: None,
            schedule_at: None,
        }
    }

    /// Step `index` (0-based) of the campaign's walk: the defaults, then the content-state of
    /// every step up to this one (a step lists what changes), this step's alert and dates.
    pub fn for_step(campaign: &Campaign, index: usize, now: i64) -> Result<Draft, String> {
        let step = campaign.steps.get(index).ok_or_else(|| {
            format!(
                "`{}` has no step {} (it has {})",
                campaign.name,
                index + 1,
                campaign.steps.len()
            )
        })?;
        let mut draft = Draft::from_campaign(campaign, step.event, now);
        for earlier in &campaign.steps[..=index] {
            for (key, value) in &earlier.content_state {
                let resolved = match campaign.content_state.get(key) {
                    Some(spec) => spec
                        .from_value(value, now)
                        .map_err(|e| format!("step {}: {key}: {e}", index + 1))?,
                    None => value.clone(),
                };
                draft.content_state.insert(key.clone(), resolved);
            }
        }
        draft.alert = step.alert.clone();
        let offset = |seconds: Option<i64>| seconds.and_then(|s| now.checked_add(s));
        draft.dismissal_date = offset(step.dismiss_in);
        draft.stale_date = offset(step.stale_in);
        Ok(draft)
    }

    /// Applies `--set key=value`: `key` is a content-state field, `attributes.key` an attribute.
    pub fn set(&mut self, campaign: &Campaign, assignment: &str, now: i64) -> Result<(), String> {
        let (key, text) = assignment
            .split_once('=')
            .ok_or_else(|| format!("`{assignment}` is not key=value"))?;
        let (schema, map, key) = match key.strip_prefix("attributes.") {
            Some(attr) => (&campaign.attributes, &mut self.attributes, attr),
            None => (&campaign.content_state, &mut self.content_state, key),
        };
        if key.is_empty() {
            return Err(format!("`{assignment}` has no field name before ="));
        }
        if key == "liveActivityData" || key.starts_with("liveActivityData.") {
            // The builder writes it from the activity; a value here would be overwritten.
            return Err(
                "liveActivityData is written from --activity (liveActivityID, or channelID and \
                 input-push-channel for a broadcast); set the activity instead"
                    .into(),
            );
        }
        let value = match schema.get(key) {
            Some(spec) => spec
                .from_text(text, now)
                .map_err(|e| format!("{key}: {e}"))?,
            // Not in the schema: JSON if it parses, else a string. Validation warns about it.
            None => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string())),
        };
        map.insert(key.to_string(), value);
        Ok(())
    }

    /// Sets the dismissal date from `--dismiss-in` (a duration) or `--dismiss-at` (a time).
    pub fn dismiss(&mut self, in_: Option<&str>, at: Option<&str>, now: i64) -> Result<(), String> {
        if let Some(d) = in_ {
            self.dismissal_date = Some(dates::after(now, d)?);
        }
        if let Some(t) = at {
            self.dismissal_date = Some(dates::parse_time(t, now)?);
        }
        Ok(())
    }
}

fn defaults(schema: &Schema, now: i64) -> Map<String, Value> {
    schema
        .iter()
        .filter_map(|(name, spec)| {
            let default = spec.default.as_ref()?;
            spec.from_value(default, now)
                .ok()
                .map(|v| (name.clone(), v))
        })
        .collect()
}
