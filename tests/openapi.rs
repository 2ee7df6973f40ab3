//! The request bodies liveact builds, checked against Adobe's official OpenAPI file for the
//! execution API (`tests/data/ajo-messaging.openapi.yaml`): unitary and audience bodies, with
//! and without a schedule, for start, update and end.
//!
//! The checker covers the part of JSON Schema the file uses (`$ref`, `type`, `required`,
//! `properties`, `additionalProperties`, `items`, `minItems`/`maxItems`, `oneOf` with its
//! `discriminator`, `enum`,
//! `format: date-time`), and is strict where the file is silent: a property the schema does not
//! name is reported, so liveact sends nothing AJO does not document.

use liveact::activity::{Alert, Draft, Event, Target, build_request};
use liveact::config::{self, Campaign, Config, Recipient};
use serde_json::{Map, Value, json};
use std::path::Path;

const NOW: i64 = 1_764_878_400;

fn spec() -> Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/ajo-messaging.openapi.yaml"
    );
    let text = std::fs::read_to_string(path).expect("the OpenAPI file is in tests/data");
    serde_yaml_ng::from_str(&text).expect("the OpenAPI file is YAML")
}

/// The request body schema of `POST {path}`.
fn request_schema<'s>(spec: &'s Value, path: &str) -> &'s Value {
    &spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
}

/// Every way `value` breaks `schema`, as `path: why`.
fn check(spec: &Value, schema: &Value, value: &Value, path: &str, out: &mut Vec<String>) {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.trim_start_matches("#/components/schemas/");
        let target = &spec["components"]["schemas"][name];
        assert!(target.is_object(), "unresolved {reference}");
        return check(spec, target, value, path, out);
    }
    // OpenAPI's discriminator picks the oneOf option by a property's value.
    if let Some(mapping) = schema
        .pointer("/discriminator/mapping")
        .and_then(Value::as_object)
    {
        let property = schema["discriminator"]["propertyName"]
            .as_str()
            .unwrap_or_default();
        let tag = value
            .get(property)
            .and_then(Value::as_str)
            .unwrap_or_default();
        match mapping.get(tag) {
            Some(reference) => check(spec, &json!({ "$ref": reference }), value, path, out),
            None => out.push(format!(
                "{path}.{property}: `{tag}` is not one of {:?}",
                mapping.keys().collect::<Vec<_>>()
            )),
        }
        return;
    }
    if let Some(options) = schema.get("oneOf").and_then(Value::as_array) {
        let passing = options
            .iter()
            .filter(|option| {
                let mut errors = Vec::new();
                check(spec, option, value, path, &mut errors);
                errors.is_empty()
            })
            .count();
        if passing != 1 {
            out.push(format!(
                "{path}: matches {passing} of oneOf, not exactly one"
            ));
        }
        return;
    }
    let kind = schema.get("type").and_then(Value::as_str);
    let fits = match kind {
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        _ => true,
    };
    if !fits {
        out.push(format!(
            "{path}: expected {}, found {value}",
            kind.unwrap_or("?")
        ));
        return;
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        out.push(format!("{path}: {value} is not one of {allowed:?}"));
    }
    if schema.get("format").and_then(Value::as_str) == Some("date-time")
        && value
            .as_str()
            .is_some_and(|s| s.parse::<jiff::Timestamp>().is_err())
    {
        out.push(format!("{path}: {value} is not a date-time"));
    }
    if let Value::Object(object) = value {
        check_object(spec, schema, object, path, out);
    }
    if let Value::Array(items) = value {
        let count = items.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|min| count < min)
        {
            out.push(format!("{path}: {count} items, fewer than minItems"));
        }
        if schema
            .get("maxItems")
            .and_then(Value::as_u64)
            .is_some_and(|max| count > max)
        {
            out.push(format!("{path}: {count} items, more than maxItems"));
        }
        if let Some(item) = schema.get("items") {
            for (i, value) in items.iter().enumerate() {
                check(spec, item, value, &format!("{path}[{i}]"), out);
            }
        }
    }
}

fn check_object(
    spec: &Value,
    schema: &Value,
    object: &Map<String, Value>,
    path: &str,
    out: &mut Vec<String>,
) {
    for required in schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let name = required.as_str().unwrap_or_default();
        if !object.contains_key(name) {
            out.push(format!("{path}: `{name}` is required"));
        }
    }
    let properties = schema.get("properties").and_then(Value::as_object);
    for (name, value) in object {
        let at = format!("{path}.{name}");
        match (
            properties.and_then(|p| p.get(name)),
            schema.get("additionalProperties"),
        ) {
            (Some(property), _) => check(spec, property, value, &at, out),
            (None, Some(Value::Bool(false))) => out.push(format!("{at}: not allowed")),
            (None, Some(Value::Bool(true))) => {}
            (None, Some(additional)) => check(spec, additional, value, &at, out),
            // Strict where the file is silent: nothing undocumented is sent.
            (None, None) if properties.is_some() => out.push(format!("{at}: not in the spec")),
            (None, None) => {}
        }
    }
}

fn violations(spec: &Value, path: &str, body: &Value) -> Vec<String> {
    let mut out = Vec::new();
    check(spec, request_schema(spec, path), body, "body", &mut out);
    out
}

fn example() -> Config {
    config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap()
}

fn body(campaign: &Campaign, event: Event, schedule_at: Option<i64>) -> Value {
    let mut draft = Draft::from_campaign(campaign, event, NOW);
    draft.alert = Some(Alert {
        title: "Title".into(),
        body: "Body".into(),
        sound: Some("chime.aiff".into()),
    });
    if event == Event::End {
        draft.dismissal_date = Some(NOW + 600);
    }
    draft.stale_date = Some(NOW + 1800);
    draft.relevance_score = Some(50.0);
    draft.schedule_at = schedule_at;
    let recipients = [
        Recipient {
            user_id: "a@example.com".into(),
            namespace: "email".into(),
        },
        Recipient {
            user_id: "b@example.com".into(),
            namespace: "email".into(),
        },
    ];
    let target = match campaign.kind {
        config::CampaignKind::Transactional => Target::Recipients(&recipients),
        config::CampaignKind::Marketing => Target::Audience("audience-1"),
    };
    build_request(campaign, target, "activity-1", &draft, "request-1", NOW).body
}

#[test]
fn every_body_liveact_builds_follows_the_openapi_file() {
    let spec = spec();
    let config = example();
    let food = config.campaign("food-delivery").unwrap();
    let matches = config.campaign("match-score").unwrap();
    for event in [Event::Start, Event::Update, Event::End] {
        let unitary = body(food, event, None);
        let found = violations(&spec, "/im/executions/unitary", &unitary);
        assert_eq!(found, Vec::<String>::new(), "unitary {event}: {unitary:#}");
        for schedule in [None, Some(NOW + 3600)] {
            let audience = body(matches, event, schedule);
            let found = violations(&spec, "/im/executions/audience", &audience);
            assert_eq!(
                found,
                Vec::<String>::new(),
                "audience {event}: {audience:#}"
            );
        }
    }
}

#[test]
fn the_checker_catches_what_the_file_forbids() {
    let spec = spec();
    let config = example();
    let good = body(
        config.campaign("match-score").unwrap(),
        Event::Update,
        Some(NOW + 60),
    );
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut body = good.clone();
        edit(&mut body);
        violations(&spec, "/im/executions/audience", &body)
    };
    assert_eq!(
        broken(&|b| b["audience"] = json!({})),
        ["body.audience: `id` is required"]
    );
    assert_eq!(
        broken(&|b| b["schedule"]["executeAt"] = json!("in an hour")),
        ["body.schedule.executeAt: \"in an hour\" is not a date-time"]
    );
    assert_eq!(
        broken(&|b| b["executeAt"] = json!("2026-01-01T00:00:00Z")),
        ["body.executeAt: not in the spec"]
    );
    assert_eq!(
        broken(&|b| {
            b.as_object_mut().unwrap().remove("campaignId");
        }),
        ["body: `campaignId` is required"]
    );
    assert_eq!(
        broken(&|b| b["context"]["requestPayload"] = json!(3)),
        ["body.context.requestPayload: matches 0 of oneOf, not exactly one"]
    );
    let food = body(
        config.campaign("food-delivery").unwrap(),
        Event::Update,
        None,
    );
    let mut crowd = food.clone();
    let one = crowd["recipients"][0].clone();
    crowd["recipients"] = Value::Array(vec![one; 21]);
    let found = violations(&spec, "/im/executions/unitary", &crowd);
    assert_eq!(found, ["body.recipients: 21 items, more than maxItems"]);
    let mut bogus = food;
    bogus["recipients"][0]["type"] = json!("bogus");
    let found = violations(&spec, "/im/executions/unitary", &bogus);
    assert_eq!(
        found,
        [r#"body.recipients[0].type: `bogus` is not one of ["aep", "external"]"#]
    );
}
