//! The pre-send validation rules, one group of tests per rule of the issue (`ruleN_…`).
//!
//! Each test builds a valid body for an example campaign, breaks one thing, and checks the
//! diagnostic's code, severity and path; a negative case shows the rule stays silent on a
//! valid input. Time is fixed at `NOW`; the wall clock is never read.

use liveact::activity::dates::SWIFT_REFERENCE_OFFSET;
use liveact::activity::{
    ActivityHistory, Alert, Context, Diagnostic, Draft, Event, Lifecycle, Severity, Target,
    build_aps, build_request, validate_body,
};
use liveact::config::{self, Campaign, CampaignKind, Config, Recipient};
use serde_json::{Map, Value, json};
use std::path::Path;

/// 2025-12-04T20:00:00Z.
const NOW: i64 = 1_764_878_400;
const ACTIVITY: &str = "order-42";
/// Where the aps of a unitary (transactional) body is.
const T_APS: &str = "recipients[0].context.requestPayload.aps";
/// Where the aps of an audience (marketing) body is.
const M_APS: &str = "context.requestPayload.aps";

fn example() -> Config {
    config::parse(config::EXAMPLE, Path::new("example.toml"), false)
        .expect("the example config parses")
}

fn campaign<'a>(config: &'a Config, name: &str) -> &'a Campaign {
    config.campaign(name).expect("the campaign exists")
}

/// A draft that validates cleanly: defaults, every required field, an alert on start.
fn draft(campaign: &Campaign, event: Event) -> Draft {
    let mut draft = Draft::from_campaign(campaign, event, NOW);
    if campaign.name == "food-delivery" {
        draft.set(campaign, "orderStatus=Ordered", NOW).unwrap();
    }
    if event == Event::Start {
        draft.alert = Some(Alert {
            title: "Order placed".into(),
            body: "The kitchen has it.".into(),
            sound: None,
        });
    }
    draft
}

/// The AJO body for `draft`, sent to the campaign's own recipient or audience.
fn body_for(campaign: &Campaign, draft: &Draft) -> Value {
    body_at(campaign, draft, NOW)
}

/// Like [`body_for`], stamped at `now`.
fn body_at(campaign: &Campaign, draft: &Draft, now: i64) -> Value {
    let target = match campaign.kind {
        CampaignKind::Transactional => {
            Target::Recipients(std::slice::from_ref(campaign.recipient.as_ref().unwrap()))
        }
        CampaignKind::Marketing => Target::Audience(campaign.audience_id.as_deref().unwrap()),
    };
    build_request(campaign, target, ACTIVITY, draft, "request-1", now).body
}

fn body(campaign: &Campaign, event: Event) -> Value {
    body_for(campaign, &draft(campaign, event))
}

/// The (first) aps dictionary of a unitary or audience body, to break.
fn aps(body: &mut Value) -> &mut Map<String, Value> {
    let pointer = if body.get("recipients").is_some() {
        "/recipients/0/context/requestPayload/aps"
    } else {
        "/context/requestPayload/aps"
    };
    body.pointer_mut(pointer)
        .and_then(Value::as_object_mut)
        .expect("the body has an aps")
}

fn validate(
    body: &Value,
    campaign: Option<&Campaign>,
    history: Option<&ActivityHistory>,
) -> Vec<Diagnostic> {
    validate_body(
        body,
        &Context {
            campaign,
            now: NOW,
            history,
        },
    )
}

fn history(lifecycle: Lifecycle, last_timestamp: Option<i64>) -> ActivityHistory {
    ActivityHistory {
        lifecycle,
        last_timestamp,
    }
}

/// The one diagnostic with `code`, after checking its severity and path.
#[track_caller]
fn expect<'a>(
    diagnostics: &'a [Diagnostic],
    code: &str,
    severity: Severity,
    path: &str,
) -> &'a Diagnostic {
    let found: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.code == code).collect();
    assert_eq!(found.len(), 1, "expected one `{code}` in {diagnostics:#?}");
    let d = found[0];
    assert_eq!(d.severity, severity, "severity of {d:#?}");
    assert_eq!(d.path, path, "path of {d:#?}");
    d
}

/// Like [`expect`], and nothing else was reported.
#[track_caller]
fn expect_only<'a>(
    diagnostics: &'a [Diagnostic],
    code: &str,
    severity: Severity,
    path: &str,
) -> &'a Diagnostic {
    assert_eq!(
        diagnostics.len(),
        1,
        "expected only `{code}`: {diagnostics:#?}"
    );
    expect(diagnostics, code, severity, path)
}

#[track_caller]
fn assert_message(d: &Diagnostic, part: &str) {
    assert!(
        d.message.contains(part),
        "message {:?} lacks {part:?}",
        d.message
    );
}

#[track_caller]
fn assert_clean(diagnostics: &[Diagnostic]) {
    assert!(
        diagnostics.is_empty(),
        "expected no diagnostics: {diagnostics:#?}"
    );
}

/// The serialized size of a JSON value, as the validator counts it.
fn bytes(value: &Value) -> usize {
    serde_json::to_vec(value).unwrap().len()
}

// Clean bodies.

#[test]
fn fresh_start_body_of_each_example_campaign_is_clean() {
    let config = example();
    for campaign in &config.campaigns {
        let body = body(campaign, Event::Start);
        assert_clean(&validate(&body, Some(campaign), None));
        let never_started = history(Lifecycle::Draft, None);
        assert_clean(&validate(&body, Some(campaign), Some(&never_started)));
    }
}

#[test]
fn bare_aps_body_is_validated_with_aps_paths() {
    let config = example();
    for name in ["food-delivery", "match-score"] {
        let campaign = campaign(&config, name);
        let draft = draft(campaign, Event::Start);
        let mut bare = json!({ "aps": build_aps(campaign, ACTIVITY, &draft, NOW) });
        // Body-level AJO rules (campaignId, requestId, recipients) do not apply to a bare aps.
        assert_clean(&validate(&bare, Some(campaign), None));
        assert_clean(&validate(&bare, None, None));

        bare["aps"]["event"] = json!("begin");
        bare["aps"]["content-available"] = json!(0);
        let diagnostics = validate(&bare, Some(campaign), None);
        expect(&diagnostics, "event", Severity::Error, "aps.event");
        expect(
            &diagnostics,
            "content-available",
            Severity::Error,
            "aps.content-available",
        );
        assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
        assert!(diagnostics.iter().all(|d| d.path.starts_with("aps.")));
    }

    // The campaign's kind still drives the broadcast rule on a bare aps.
    let campaign = campaign(&config, "match-score");
    let draft = draft(campaign, Event::Update);
    let mut bare = json!({ "aps": build_aps(campaign, ACTIVITY, &draft, NOW) });
    bare["aps"]["input-push-channel"] = json!("another-channel");
    expect_only(
        &validate(&bare, Some(campaign), None),
        "broadcast-channel",
        Severity::Error,
        "aps.input-push-channel",
    );
}

// Rule 1: event and content-available.

#[test]
fn rule1_event_must_be_start_update_or_end() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.event");
    for (event, message) in [
        (json!("begin"), "`begin` is not an event"),
        (json!("Start"), "`Start` is not an event"),
        (json!(1), "found the number 1"),
        (Value::Null, "found null"),
    ] {
        let mut body = body(campaign, Event::Update);
        aps(&mut body).insert("event".into(), event);
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "event", Severity::Error, &path);
        assert_message(d, message);
    }

    let mut body = body(campaign, Event::Update);
    aps(&mut body).remove("event");
    let diagnostics = validate(&body, Some(campaign), None);
    assert_message(
        expect_only(&diagnostics, "event", Severity::Error, &path),
        "no event",
    );
}

#[test]
fn rule1_every_event_is_accepted() {
    let config = example();
    for campaign in &config.campaigns {
        for event in [Event::Start, Event::Update, Event::End] {
            assert_clean(&validate(&body(campaign, event), Some(campaign), None));
        }
    }
}

#[test]
fn rule1_content_available_must_be_1() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let path = format!("{M_APS}.content-available");
    for (value, message) in [
        (Some(json!(0)), "content-available must be 1 (the number 0)"),
        (Some(json!("1")), "(the string \"1\")"),
        (Some(json!(true)), "(the bool true)"),
        (None, "(it is missing)"),
    ] {
        let mut body = body(campaign, Event::Update);
        match value {
            Some(value) => aps(&mut body).insert("content-available".into(), value),
            None => aps(&mut body).remove("content-available"),
        };
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "content-available", Severity::Error, &path);
        assert_message(d, message);
    }
}

// Rule 2: timestamp.

fn with_timestamp(campaign: &Campaign, timestamp: Value) -> Value {
    let mut body = body(campaign, Event::Update);
    aps(&mut body).insert("timestamp".into(), timestamp);
    body
}

#[test]
fn rule2_timestamp_must_be_integral_unix_seconds() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.timestamp");
    for (value, message) in [
        (
            json!(1_764_878_400.5),
            "whole Unix seconds, found the number 1764878400.5",
        ),
        (json!("1764878400"), "whole Unix seconds, found the string"),
        (json!(0), "timestamp 0 is not a Unix time"),
        (json!(-5), "timestamp -5 is not a Unix time"),
    ] {
        let body = with_timestamp(campaign, value);
        let diagnostics = validate(&body, Some(campaign), None);
        assert_message(
            expect_only(&diagnostics, "timestamp", Severity::Error, &path),
            message,
        );
    }

    let mut body = body(campaign, Event::Update);
    aps(&mut body).remove("timestamp");
    let diagnostics = validate(&body, Some(campaign), None);
    assert_message(
        expect_only(&diagnostics, "timestamp", Severity::Error, &path),
        "no timestamp",
    );

    // An integral float is still whole seconds.
    let body = with_timestamp(campaign, json!(NOW as f64));
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule2_thirteen_digit_timestamp_is_milliseconds() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.timestamp");
    let body = with_timestamp(campaign, json!(NOW * 1000));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "timestamp-milliseconds",
        Severity::Error,
        &path,
    );
    assert_message(d, "milliseconds?");
    assert!(d.hint.as_deref().unwrap().contains(&NOW.to_string()));

    // Microseconds are named as such, and the hint divides by a million.
    let body = with_timestamp(campaign, json!(NOW * 1_000_000));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "timestamp-milliseconds",
        Severity::Error,
        &path,
    );
    assert_message(d, "has 16 digits: microseconds?");
    assert_eq!(
        d.hint.as_deref(),
        Some(format!("Apple expects seconds: {NOW}").as_str())
    );

    // 12 digits are not milliseconds: just far ahead.
    let body = with_timestamp(campaign, json!(999_999_999_999_i64));
    let diagnostics = validate(&body, Some(campaign), None);
    assert!(
        diagnostics
            .iter()
            .all(|d| d.code != "timestamp-milliseconds")
    );
    expect_only(&diagnostics, "timestamp-future", Severity::Warning, &path);
}

#[test]
fn rule2_timestamp_older_than_last_sent_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.timestamp");
    let body = with_timestamp(campaign, json!(NOW - 40));
    let active = history(Lifecycle::Active { updates: 2 }, Some(NOW - 30));
    let diagnostics = validate(&body, Some(campaign), Some(&active));
    let d = expect_only(&diagnostics, "timestamp-older", Severity::Error, &path);
    assert_message(
        d,
        &format!(
            "older than the last one sent to this activity ({})",
            NOW - 30
        ),
    );

    // The same timestamp again only warns.
    let body = with_timestamp(campaign, json!(NOW - 30));
    let diagnostics = validate(&body, Some(campaign), Some(&active));
    expect_only(&diagnostics, "timestamp-repeated", Severity::Warning, &path);

    // Newer than the last one, or no last one known: silent.
    let body = with_timestamp(campaign, json!(NOW));
    assert_clean(&validate(&body, Some(campaign), Some(&active)));
    let unknown = history(Lifecycle::Active { updates: 2 }, None);
    let body = with_timestamp(campaign, json!(NOW - 40));
    assert_clean(&validate(&body, Some(campaign), Some(&unknown)));
}

#[test]
fn rule2_timestamp_more_than_60s_in_the_past_warns() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let path = format!("{M_APS}.timestamp");
    let body = with_timestamp(campaign, json!(NOW - 61));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(&diagnostics, "timestamp-past", Severity::Warning, &path);
    assert_message(d, "1m 1s in the past (2025-12-04T19:58:59Z)");

    let body = with_timestamp(campaign, json!(NOW - 60));
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule2_timestamp_more_than_8h_ahead_warns() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let path = format!("{M_APS}.timestamp");
    let body = with_timestamp(campaign, json!(NOW + 8 * 3600 + 1));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(&diagnostics, "timestamp-future", Severity::Warning, &path);
    assert_message(d, "ahead (2025-12-05T04:00:01Z)");

    let body = with_timestamp(campaign, json!(NOW + 8 * 3600));
    assert_clean(&validate(&body, Some(campaign), None));
}

// Rule 3: content-state against the campaign schema.

fn with_state(campaign: &Campaign, key: &str, value: Option<Value>) -> Value {
    let mut body = body(campaign, Event::Update);
    let state = aps(&mut body)["content-state"].as_object_mut().unwrap();
    match value {
        Some(value) => state.insert(key.into(), value),
        None => state.remove(key),
    };
    body
}

#[test]
fn rule3_content_state_must_be_an_object() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.content-state");
    let mut body = body(campaign, Event::Update);
    aps(&mut body).insert("content-state".into(), json!(["Ordered"]));
    let diagnostics = validate(&body, Some(campaign), None);
    assert_message(
        expect_only(&diagnostics, "content-state", Severity::Error, &path),
        "must be an object, found an array",
    );

    aps(&mut body).remove("content-state");
    let diagnostics = validate(&body, Some(campaign), None);
    assert_message(
        expect_only(&diagnostics, "content-state", Severity::Error, &path),
        "no content-state",
    );
}

#[test]
fn rule3_missing_required_field_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let body = with_state(campaign, "orderStatus", None);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "content-state-missing",
        Severity::Error,
        &format!("{T_APS}.content-state.orderStatus"),
    );
    assert_message(d, "required field `orderStatus` is missing");
}

#[test]
fn rule3_wrong_type_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let path = format!("{M_APS}.content-state.homeScore");
    for (value, message) in [
        (
            json!("1"),
            "expected a whole number, found the string \"1\"",
        ),
        (json!(1.5), "expected a whole number, found the number 1.5"),
        (Value::Null, "expected a whole number, found null"),
    ] {
        let body = with_state(campaign, "homeScore", Some(value));
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "content-state-type", Severity::Error, &path);
        assert_message(d, message);
    }
    let body = with_state(campaign, "homeScore", Some(json!(3)));
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule3_unknown_enum_value_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.content-state.orderStatus");
    let body = with_state(campaign, "orderStatus", Some(json!("Lost")));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(&diagnostics, "content-state-type", Severity::Error, &path);
    assert_message(
        d,
        "`Lost` is not one of Ordered, Preparing, OnTheWay, Delivered",
    );

    // Enum values are case-sensitive; a listed value is fine.
    let body = with_state(campaign, "orderStatus", Some(json!("delivered")));
    expect_only(
        &validate(&body, Some(campaign), None),
        "content-state-type",
        Severity::Error,
        &path,
    );
    let body = with_state(campaign, "orderStatus", Some(json!("Delivered")));
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule3_unknown_key_warns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let body = with_state(campaign, "eta", Some(json!(5)));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "content-state-unknown-key",
        Severity::Warning,
        &format!("{T_APS}.content-state.eta"),
    );
    assert_message(d, "`eta` is not in the campaign's content-state schema");

    // Without a campaign there is no schema to check against.
    assert_clean(&validate(&body, None, None));
}

// Rule 4: start needs attributes-type, attributes with liveActivityData, and an alert.

#[test]
fn rule4_start_attributes_type_must_be_the_campaigns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.attributes-type");
    let mut body = body(campaign, Event::Start);
    aps(&mut body).insert("attributes-type".into(), json!("FoodDeliveryAttributes"));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(&diagnostics, "attributes-type-name", Severity::Error, &path);
    assert_message(
        d,
        "`FoodDeliveryAttributes` is not the campaign's `FoodDeliveryLiveActivityAttributes`",
    );

    aps(&mut body).remove("attributes-type");
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(&diagnostics, "attributes-type-name", Severity::Error, &path);
    assert_message(d, "start needs attributes-type");

    // An update may leave it out.
    let mut body = self::body(campaign, Event::Update);
    aps(&mut body).remove("attributes-type");
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule4_transactional_start_needs_live_activity_id() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.attributes.liveActivityData.liveActivityID");
    for data in [
        None,
        Some(json!({})),
        Some(json!({ "liveActivityID": " " })),
    ] {
        let mut body = body(campaign, Event::Start);
        let attributes = aps(&mut body)["attributes"].as_object_mut().unwrap();
        match data {
            Some(data) => attributes.insert("liveActivityData".into(), data),
            None => attributes.remove("liveActivityData"),
        };
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "live-activity-data", Severity::Error, &path);
        assert_message(
            d,
            "attributes.liveActivityData.liveActivityID must be a non-empty string",
        );
    }

    let mut body = body(campaign, Event::Start);
    aps(&mut body).remove("attributes");
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "attributes",
        Severity::Error,
        &format!("{T_APS}.attributes"),
    );
    assert_message(d, "start needs attributes holding liveActivityData");

    // An update may leave the attributes out.
    let mut body = self::body(campaign, Event::Update);
    aps(&mut body).remove("attributes");
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule4_marketing_start_needs_channel_id() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let mut body = body(campaign, Event::Start);
    aps(&mut body)["attributes"]["liveActivityData"] = json!({ "liveActivityID": ACTIVITY });
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "live-activity-data",
        Severity::Error,
        &format!("{M_APS}.attributes.liveActivityData.channelID"),
    );
    assert_message(
        d,
        "attributes.liveActivityData.channelID must be a non-empty string",
    );
}

#[test]
fn rule4_attribute_of_the_wrong_type_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let mut body = body(campaign, Event::Start);
    aps(&mut body)["attributes"]["homeTeam"] = json!(7);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "attributes-type-mismatch",
        Severity::Error,
        &format!("{M_APS}.attributes.homeTeam"),
    );
    assert_message(d, "expected a string, found the number 7");
}

#[test]
fn rule4_start_needs_alert_with_title_and_body() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let mut body = body(campaign, Event::Start);
    aps(&mut body).remove("alert");
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "start-alert",
        Severity::Error,
        &format!("{T_APS}.alert"),
    );
    assert_message(d, "start needs an alert with title and body");

    for (key, value) in [
        ("title", None),
        ("body", Some(json!(""))),
        ("body", Some(json!(3))),
    ] {
        let mut body = self::body(campaign, Event::Start);
        let alert = aps(&mut body)["alert"].as_object_mut().unwrap();
        match value {
            Some(value) => alert.insert(key.into(), value),
            None => alert.remove(key),
        };
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(
            &diagnostics,
            "start-alert",
            Severity::Error,
            &format!("{T_APS}.alert.{key}"),
        );
        assert_message(d, &format!("start needs alert.{key}"));
    }

    // A localized alert counts.
    let mut body = self::body(campaign, Event::Start);
    aps(&mut body)["alert"] = json!({
        "title": { "loc-key": "ORDER_TITLE" },
        "body": { "loc-key": "ORDER_BODY", "loc-args": ["Pizza"] },
    });
    assert_clean(&validate(&body, Some(campaign), None));
    // Updates and ends need no alert.
    for event in [Event::Update, Event::End] {
        let body = self::body(campaign, event);
        assert!(aps(&mut body.clone()).get("alert").is_none());
        assert_clean(&validate(&body, Some(campaign), None));
    }
}

// Rule 5: dismissal-date and stale-date.

fn with_dates(
    campaign: &Campaign,
    event: Event,
    dismissal: Option<i64>,
    stale: Option<i64>,
) -> Value {
    let mut draft = draft(campaign, event);
    draft.dismissal_date = dismissal;
    draft.stale_date = stale;
    body_for(campaign, &draft)
}

#[test]
fn rule5_dismissal_date_outside_end_warns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let path = format!("{T_APS}.dismissal-date");
    for event in [Event::Start, Event::Update] {
        let body = with_dates(campaign, event, Some(NOW + 900), None);
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "dismissal-not-end", Severity::Warning, &path);
        assert_message(d, "only honoured on end");
    }
    let body = with_dates(campaign, Event::End, Some(NOW + 900), None);
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule5_past_dismissal_date_on_end_is_info() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let body = with_dates(campaign, Event::End, Some(NOW - 1), None);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "dismissal-now",
        Severity::Info,
        &format!("{M_APS}.dismissal-date"),
    );
    assert_message(
        d,
        "dismissal-date 2025-12-04T19:59:59Z is in the past: the activity is removed at once",
    );

    // A dismissal date equal to now is "now" too; one second later is a normal dismissal.
    let body = with_dates(campaign, Event::End, Some(NOW), None);
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(
        &diagnostics,
        "dismissal-now",
        Severity::Info,
        &format!("{M_APS}.dismissal-date"),
    );
    let body = with_dates(campaign, Event::End, Some(NOW + 1), None);
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule5_dismissal_more_than_4h_after_end_warns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let body = with_dates(campaign, Event::End, Some(NOW + 4 * 3600 + 60), None);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "dismissal-too-late",
        Severity::Warning,
        &format!("{T_APS}.dismissal-date"),
    );
    assert_message(d, "dismissal-date is 4h 1m after the end");

    let body = with_dates(campaign, Event::End, Some(NOW + 4 * 3600), None);
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule5_dates_must_be_whole_seconds() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let mut body = body(campaign, Event::End);
    aps(&mut body).insert("dismissal-date".into(), json!("+15m"));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "date-type",
        Severity::Error,
        &format!("{T_APS}.dismissal-date"),
    );
    assert_message(d, "dismissal-date must be whole Unix seconds");
}

#[test]
fn rule5_stale_date_before_timestamp_warns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let body = with_dates(campaign, Event::Update, None, Some(NOW - 1));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "stale-before-timestamp",
        Severity::Warning,
        &format!("{T_APS}.stale-date"),
    );
    assert_message(d, "stale-date 2025-12-04T19:59:59Z is before the timestamp");

    for stale in [NOW, NOW + 1800] {
        let body = with_dates(campaign, Event::Update, None, Some(stale));
        assert_clean(&validate(&body, Some(campaign), None));
    }
}

// Rule 6: sizes.

/// A food-delivery start whose `restaurantName` is padded so that `measure` gives `target`.
fn padded_start(
    campaign: &Campaign,
    target: usize,
    measure: fn(&Map<String, Value>) -> usize,
) -> Value {
    let mut body = body(campaign, Event::Start);
    let aps = aps(&mut body);
    aps["attributes"]["restaurantName"] = json!("");
    let pad = target - measure(aps);
    aps["attributes"]["restaurantName"] = json!("x".repeat(pad));
    assert_eq!(measure(aps), target);
    body
}

/// The size of the whole push payload `{"aps":…}`, which Apple's 4096-byte limit counts.
fn aps_bytes(aps: &Map<String, Value>) -> usize {
    bytes(&json!({ "aps": aps }))
}

fn activity_data_bytes(aps: &Map<String, Value>) -> usize {
    bytes(&aps["attributes"]) + bytes(&aps["content-state"])
}

#[test]
fn rule6_aps_over_4096_bytes_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let body = padded_start(campaign, 4097, aps_bytes);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(&diagnostics, "aps-size", Severity::Error, T_APS);
    assert_message(
        d,
        "the push payload {\"aps\":…} is 4097 bytes; Apple accepts at most 4096",
    );

    let body = padded_start(campaign, 4096, aps_bytes);
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn rule6_attributes_and_content_state_over_4096_bytes_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let body = padded_start(campaign, 4097, activity_data_bytes);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect(&diagnostics, "activity-data-size", Severity::Error, T_APS);
    assert_message(d, "attributes and content-state are 4097 bytes together");
    // The whole aps holds both, so it is over its own limit as well.
    expect(&diagnostics, "aps-size", Severity::Error, T_APS);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");

    let body = padded_start(campaign, 4096, activity_data_bytes);
    let diagnostics = validate(&body, Some(campaign), None);
    assert!(diagnostics.iter().all(|d| d.code != "activity-data-size"));
}

// Rule 7: AJO's body rules.

fn recipients(n: usize) -> Vec<Recipient> {
    (0..n)
        .map(|i| Recipient {
            user_id: format!("user{i}@example.com"),
            namespace: "email".into(),
        })
        .collect()
}

fn unitary(campaign: &Campaign, recipients: &[Recipient]) -> Value {
    let draft = draft(campaign, Event::Update);
    let target = Target::Recipients(recipients);
    build_request(campaign, target, ACTIVITY, &draft, "request-1", NOW).body
}

#[test]
fn rule7_one_to_twenty_recipients() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    for n in [0, 21] {
        let body = unitary(campaign, &recipients(n));
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(
            &diagnostics,
            "recipients-count",
            Severity::Error,
            "recipients",
        );
        assert_message(d, &format!("{n} recipients: AJO takes 1 to 20 per call"));
    }
    for n in [1, 20] {
        assert_clean(&validate(
            &unitary(campaign, &recipients(n)),
            Some(campaign),
            None,
        ));
    }

    let mut body = unitary(campaign, &recipients(1));
    body.as_object_mut().unwrap().remove("recipients");
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(&diagnostics, "recipients", Severity::Error, "recipients");
}

#[test]
fn rule7_user_ids_must_be_unique() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let mut list = recipients(3);
    list[2].user_id = list[0].user_id.clone();
    let body = unitary(campaign, &list);
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "recipient-duplicate",
        Severity::Error,
        "recipients[2].userId",
    );
    assert_message(d, "userId `user0@example.com` is already recipients[0]");

    let mut body = unitary(campaign, &recipients(2));
    body["recipients"][1]["userId"] = json!("");
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(
        &diagnostics,
        "recipient-user-id",
        Severity::Error,
        "recipients[1].userId",
    );
}

#[test]
fn rule7_namespace_must_be_non_empty() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    for namespace in [Some(json!("")), Some(json!("  ")), Some(json!(5)), None] {
        let mut body = body(campaign, Event::Update);
        let recipient = body["recipients"][0].as_object_mut().unwrap();
        match namespace {
            Some(namespace) => recipient.insert("namespace".into(), namespace),
            None => recipient.remove("namespace"),
        };
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(
            &diagnostics,
            "recipient-namespace",
            Severity::Error,
            "recipients[0].namespace",
        );
        assert_message(d, "namespace must be a non-empty string");
    }
}

#[test]
fn rule7_campaign_id_is_required() {
    let config = example();
    for campaign in &config.campaigns {
        for id in [None, Some(json!("")), Some(json!(42))] {
            let mut body = body(campaign, Event::Update);
            let object = body.as_object_mut().unwrap();
            match id {
                Some(id) => object.insert("campaignId".into(), id),
                None => object.remove("campaignId"),
            };
            let diagnostics = validate(&body, Some(campaign), None);
            let d = expect_only(&diagnostics, "campaign-id", Severity::Error, "campaignId");
            assert_message(d, "campaignId must be a non-empty string");
        }
    }

    // Another campaign's id only warns: the body may be right and the config stale.
    let campaign = campaign(&config, "food-delivery");
    let mut body = body(campaign, Event::Update);
    body["campaignId"] = json!("someone-elses-id");
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(
        &diagnostics,
        "campaign-id-mismatch",
        Severity::Warning,
        "campaignId",
    );
}

#[test]
fn rule7_context_over_200kb_is_an_error() {
    let config = example();
    let limit = 200 * 1024;

    let campaign = campaign(&config, "food-delivery");
    let sized = |target: usize| {
        let mut body = body(campaign, Event::Update);
        let context = &mut body["recipients"][0]["context"];
        context["note"] = json!("");
        let pad = target - bytes(context);
        context["note"] = json!("x".repeat(pad));
        assert_eq!(bytes(context), target);
        body
    };
    let diagnostics = validate(&sized(limit + 1), Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "context-size",
        Severity::Error,
        "recipients[0].context",
    );
    assert_message(
        d,
        &format!(
            "context is {} bytes; AJO accepts at most {limit}",
            limit + 1
        ),
    );
    assert_clean(&validate(&sized(limit), Some(campaign), None));

    let campaign = self::campaign(&config, "match-score");
    let mut body = body(campaign, Event::Update);
    body["context"]["note"] = json!("x".repeat(limit));
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(&diagnostics, "context-size", Severity::Error, "context");
}

#[test]
fn rule7_broadcast_channel_must_equal_channel_id() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    let path = format!("{M_APS}.input-push-channel");
    for event in [Event::Start, Event::Update, Event::End] {
        let mut body = body(campaign, event);
        aps(&mut body).insert("input-push-channel".into(), json!("another-channel"));
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "broadcast-channel", Severity::Error, &path);
        assert_message(
            d,
            &format!(
                "input-push-channel `another-channel` differs from attributes.liveActivityData.channelID `{ACTIVITY}`"
            ),
        );

        aps(&mut body).remove("input-push-channel");
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, "broadcast-channel", Severity::Error, &path);
        assert_message(d, "a broadcast needs input-push-channel");
    }

    // A transactional push has no channel.
    let campaign = self::campaign(&config, "food-delivery");
    let body = body(campaign, Event::Start);
    assert!(aps(&mut body.clone()).get("input-push-channel").is_none());
    assert_clean(&validate(&body, Some(campaign), None));
}

#[test]
fn schedule_is_for_broadcasts_and_must_be_a_time_to_come() {
    let config = example();
    let campaign = self::campaign(&config, "match-score");
    let mut draft = draft(campaign, Event::Update);
    draft.schedule_at = Some(NOW + 600);
    let body = body_for(campaign, &draft);
    assert_eq!(
        body["schedule"],
        json!({ "executeAt": "2025-12-04T20:10:00Z" })
    );
    // Scheduled, the push carries the time it reaches the device.
    let stamp = liveact::activity::push_timestamp(NOW, None, draft.schedule_at);
    assert_eq!(stamp, NOW + 600);
    assert_clean(&validate(
        &body_at(campaign, &draft, stamp),
        Some(campaign),
        None,
    ));

    for (at, code, says) in [
        (
            json!("2025-12-04T20:00:00Z"),
            "schedule-past",
            "is not in the future",
        ),
        (
            json!("2025-12-04T19:00:00Z"),
            "schedule-past",
            "is not in the future",
        ),
        (
            json!("tomorrow"),
            "schedule-time",
            "must be a date-time string, found \"tomorrow\"",
        ),
        (json!(1_764_879_000), "schedule-time", "found 1764879000"),
    ] {
        let mut body = body.clone();
        body["schedule"]["executeAt"] = at;
        let diagnostics = validate(&body, Some(campaign), None);
        let d = expect_only(&diagnostics, code, Severity::Error, "schedule.executeAt");
        assert_message(d, says);
    }

    let campaign = self::campaign(&config, "food-delivery");
    let mut draft = self::draft(campaign, Event::Update);
    draft.schedule_at = Some(NOW + 600);
    let body = body_for(campaign, &draft);
    expect_only(
        &validate(&body, Some(campaign), None),
        "schedule-unitary",
        Severity::Error,
        "schedule",
    );
}

// Rule 8: a Unix time in a Swift Date field.

const DATE_CONFIG: &str = r#"
[[campaigns]]
name = "ride"
id = "ride-campaign-id"
kind = "transactional"
attributes_type = "RideLiveActivityAttributes"
recipient = { user_id = "rider@example.com", namespace = "email" }

[campaigns.attributes]
bookedAt = { type = "date" }

[campaigns.content_state]
eta = { type = "date", required = true }
pickup = { type = "unix_date" }
"#;

fn ride_body(config: &Config, eta: Value) -> Value {
    let campaign = campaign(config, "ride");
    let mut draft = draft(campaign, Event::Update);
    draft.content_state.insert("eta".into(), eta);
    body_for(campaign, &draft)
}

#[test]
fn rule8_date_field_holding_unix_seconds_warns() {
    let config = config::parse(DATE_CONFIG, Path::new("ride.toml"), false).expect("parses");
    let campaign = campaign(&config, "ride");
    let body = ride_body(&config, json!(NOW + 900));
    let diagnostics = validate(&body, Some(campaign), None);
    let d = expect_only(
        &diagnostics,
        "date-unix-seconds",
        Severity::Warning,
        &format!("{T_APS}.content-state.eta"),
    );
    assert_message(d, "looks like Unix seconds");
    assert_message(d, "the device would show 2056-12-04T20:15:00Z");
    let hint = d.hint.as_deref().unwrap();
    assert!(
        hint.contains(&(NOW + 900 - SWIFT_REFERENCE_OFFSET).to_string()),
        "{hint}"
    );

    // The same trap in a date attribute.
    let mut body = ride_body(&config, json!(NOW + 900 - SWIFT_REFERENCE_OFFSET));
    aps(&mut body)["attributes"]["bookedAt"] = json!(NOW);
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(
        &diagnostics,
        "date-unix-seconds",
        Severity::Warning,
        &format!("{T_APS}.attributes.bookedAt"),
    );
}

#[test]
fn rule8_swift_dates_and_unix_date_fields_are_silent() {
    let config = config::parse(DATE_CONFIG, Path::new("ride.toml"), false).expect("parses");
    let campaign = campaign(&config, "ride");
    // A Swift Date (seconds since 2001), as liveact writes it for `eta=+15m`.
    let mut draft = draft(campaign, Event::Update);
    draft.set(campaign, "eta=+15m", NOW).unwrap();
    draft.set(campaign, "pickup=+5m", NOW).unwrap();
    draft.set(campaign, "attributes.bookedAt=now", NOW).unwrap();
    assert_eq!(
        draft.content_state["eta"],
        json!(NOW + 900 - SWIFT_REFERENCE_OFFSET)
    );
    assert_eq!(draft.content_state["pickup"], json!(NOW + 300));
    let body = body_for(campaign, &draft);
    assert_clean(&validate(&body, Some(campaign), None));
}

// Rule 9: lifecycle.

#[test]
fn rule9_update_or_end_before_start_warns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let never_started = history(Lifecycle::Draft, None);
    for event in [Event::Update, Event::End] {
        let body = body(campaign, event);
        let diagnostics = validate(&body, Some(campaign), Some(&never_started));
        let d = expect_only(
            &diagnostics,
            "lifecycle-not-started",
            Severity::Warning,
            &format!("{T_APS}.event"),
        );
        assert_message(
            d,
            &format!(
                "never started (no accepted start in the journal); the device drops the {event}"
            ),
        );
    }
    let body = body(campaign, Event::Start);
    assert_clean(&validate(&body, Some(campaign), Some(&never_started)));
}

#[test]
fn rule9_anything_after_end_is_an_error() {
    let config = example();
    let campaign = campaign(&config, "match-score");
    for lifecycle in [Lifecycle::Ended, Lifecycle::Dismissed] {
        let over = history(lifecycle, Some(NOW - 10));
        for event in [Event::Start, Event::Update, Event::End] {
            let body = body(campaign, event);
            let diagnostics = validate(&body, Some(campaign), Some(&over));
            let d = expect_only(
                &diagnostics,
                "lifecycle-ended",
                Severity::Error,
                &format!("{M_APS}.event"),
            );
            assert_message(d, "this activity has ended");
            assert_message(d, &format!("no {event} reaches it any more"));
        }
    }
}

#[test]
fn rule9_second_start_on_an_active_activity_warns() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    for lifecycle in [Lifecycle::Active { updates: 0 }, Lifecycle::Stale] {
        let active = history(lifecycle, Some(NOW - 10));
        let start = body(campaign, Event::Start);
        let diagnostics = validate(&start, Some(campaign), Some(&active));
        let d = expect_only(
            &diagnostics,
            "lifecycle-restart",
            Severity::Warning,
            &format!("{T_APS}.event"),
        );
        assert_message(d, "already active");
        for event in [Event::Update, Event::End] {
            assert_clean(&validate(
                &body(campaign, event),
                Some(campaign),
                Some(&active),
            ));
        }
    }
    // Without a history there is nothing to check.
    assert_clean(&validate(
        &body(campaign, Event::Start),
        Some(campaign),
        None,
    ));
}

#[test]
fn rule9_example_walks_validate_clean_step_by_step() {
    let config = example();
    for campaign in &config.campaigns {
        let mut state = Draft::from_campaign(campaign, Event::Start, NOW).content_state;
        let mut seen = history(Lifecycle::Draft, None);
        for (i, step) in campaign.steps.iter().enumerate() {
            let now = NOW + 60 * i as i64;
            state.extend(step.content_state.clone());
            let mut draft = Draft::from_campaign(campaign, step.event, now);
            draft.content_state = state.clone();
            draft.alert = step.alert.clone();
            draft.dismissal_date = step.dismiss_in.map(|d| now + d);
            draft.stale_date = step.stale_in.map(|d| now + d);
            let body = body_at(campaign, &draft, now);
            let diagnostics = validate_body(
                &body,
                &Context {
                    campaign: Some(campaign),
                    now,
                    history: Some(&seen),
                },
            );
            assert_clean(&diagnostics);
            seen = history(
                match step.event {
                    Event::Start => Lifecycle::Active { updates: 0 },
                    Event::Update => Lifecycle::Active { updates: i as u32 },
                    Event::End => Lifecycle::Ended,
                },
                Some(now),
            );
        }
        assert_eq!(seen.lifecycle, Lifecycle::Ended, "{} ends", campaign.name);
    }
}

#[test]
fn recipients_sharing_one_push_are_reported_once() {
    let config = example();
    let campaign = campaign(&config, "food-delivery");
    let mut body = body(campaign, Event::Update);
    let first = body["recipients"][0].clone();
    let recipients = body["recipients"].as_array_mut().unwrap();
    for user in ["b@example.com", "c@example.com"] {
        let mut other = first.clone();
        other["userId"] = json!(user);
        recipients.push(other);
    }
    let ended = history(Lifecycle::Ended, Some(NOW - 10));
    let diagnostics = validate(&body, Some(campaign), Some(&ended));
    expect_only(
        &diagnostics,
        "lifecycle-ended",
        Severity::Error,
        &format!("{T_APS}.event"),
    );

    // A recipient whose push differs is checked on its own.
    body["recipients"][2]["context"]["requestPayload"]["aps"]["event"] = json!("resume");
    let diagnostics = validate(&body, Some(campaign), None);
    expect_only(
        &diagnostics,
        "event",
        Severity::Error,
        "recipients[2].context.requestPayload.aps.event",
    );
}

#[test]
fn a_body_without_recipients_or_audience_is_checked_as_unitary() {
    let diagnostics = validate(&json!({ "requestId": "r", "campaignId": "c" }), None, None);
    expect_only(&diagnostics, "recipients", Severity::Error, "recipients");
}
