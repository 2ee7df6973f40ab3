//! Bad config: each mistake names the file, `line:column` and what was expected.

use liveact::config::{self, ConfigErrors, ProfileKind};
use std::path::Path;

const EXAMPLE: &str = config::EXAMPLE;

/// Loads `text` and returns its errors as displayed, one per line.
fn errors(text: &str) -> Vec<String> {
    match config::parse(text, Path::new("liveact.toml"), false) {
        Ok(_) => panic!("expected the config to be rejected:\n{text}"),
        Err(ConfigErrors(errors)) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

/// Asserts that exactly one error starts with `liveact.toml:{at}: {message}`; an `at` of
/// `"LINE:"` accepts any column on that line.
fn assert_one(text: &str, at: &str, message: &str) {
    let errors = errors(text);
    let found = errors.len() == 1
        && errors[0]
            .strip_prefix(&format!("liveact.toml:{at}"))
            .is_some_and(|rest| {
                let rest = if at.ends_with(':') {
                    rest.trim_start_matches(|c: char| c.is_ascii_digit())
                } else {
                    rest
                };
                rest.starts_with(&format!(": {message}"))
            });
    assert!(
        found,
        "expected one error at {at} `{message}…`, got {errors:#?}"
    );
}

/// The line number (1-based) of the first line containing `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).expect(needle) + 1
}

const CAMPAIGN: &str = r#"
[[campaigns]]
name = "food-delivery"
id = "c1"
kind = "transactional"
attributes_type = "FoodDeliveryLiveActivityAttributes"

[campaigns.content_state]
orderStatus = { type = "enum", values = ["Ordered", "Delivered"], required = true }
eta = { type = "date" }
"#;

#[test]
fn the_issue_sample_loads_exactly_as_written() {
    let sample = r#"default_profile = "demo"

[profiles.demo]
kind = "mock"

[profiles.stage]
kind = "ajo"
org_id = "0123456789ABCDEF01234567@AdobeOrg"
sandbox = "prod"
client_id = "env:AJO_CLIENT_ID"
client_secret = "env:AJO_CLIENT_SECRET"
scopes = "openid,AdobeID,read_organizations,additional_info.projectedProductContext,session"

[[campaigns]]
name = "food-delivery"
id = "your-campaign-id"
kind = "transactional"
attributes_type = "FoodDeliveryLiveActivityAttributes"
recipient = { user_id = "testemail@gmail.com", namespace = "email" }
preview = "{restaurantName}: {orderStatus}"

[campaigns.attributes]
restaurantName = { type = "string", default = "Pizza" }

[campaigns.content_state]
orderStatus = { type = "enum", values = ["Ordered", "Preparing", "OnTheWay", "Delivered"], required = true }

[[campaigns.steps]]
event = "start"
content_state = { orderStatus = "Ordered" }
alert = { title = "Order placed", body = "The kitchen has it." }
"#;
    let config = config::parse(sample, Path::new("sample.toml"), false).expect("the sample loads");
    assert!(config.warnings.is_empty(), "{:?}", config.warnings);
    assert_eq!(config.profile(None).unwrap().name, "demo");
    let ProfileKind::Ajo(stage) = &config.profiles["stage"].kind else {
        panic!("stage is ajo")
    };
    assert_eq!(stage.base_url, "https://platform.adobe.io/ajo");
    assert_eq!(stage.ims_url, "https://ims-na1.adobelogin.com/ims/token/v3");
    assert_eq!(stage.sandbox, "prod");
    let campaign = config.campaign("food-delivery").unwrap();
    assert_eq!(campaign.content_state["orderStatus"].values.len(), 4);
    assert_eq!(
        campaign.attributes["restaurantName"].default,
        Some(serde_json::json!("Pizza"))
    );
    assert_eq!(campaign.steps.len(), 1);
    // Campaigns can also be found by id.
    assert_eq!(
        config.campaign("your-campaign-id").unwrap().name,
        "food-delivery"
    );
}

#[test]
fn the_example_loads_with_both_campaigns_and_every_step() {
    let config = config::parse(EXAMPLE, Path::new("config.example.toml"), false).unwrap();
    assert!(config.warnings.is_empty());
    let food = config.campaign("food-delivery").unwrap();
    let walk: Vec<String> = food
        .steps
        .iter()
        .map(|s| {
            format!(
                "{} {}",
                s.event,
                s.content_state["orderStatus"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        walk,
        [
            "start Ordered",
            "update Preparing",
            "update OnTheWay",
            "update Delivered",
            "end Delivered"
        ]
    );
    assert_eq!(food.steps[4].dismiss_in, Some(900));
    let broadcast = config.campaign("match-score").unwrap();
    assert_eq!(broadcast.kind, config::CampaignKind::Marketing);
    assert_eq!(broadcast.audience_id.as_deref(), Some("your-audience-id"));
}

#[test]
fn syntax_errors_point_at_the_line() {
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nname = \n",
        "3:8",
        "string values must be quoted",
    );
}

#[test]
fn unknown_keys_name_the_key_and_what_was_expected() {
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nkidn = 1\n",
        "3:1",
        "unknown field `kidn`, expected one of",
    );
    let text = CAMPAIGN.replace(
        "kind = \"transactional\"",
        "kind = \"transactional\"\npreveiw = \"x\"",
    );
    let line = line_of(&text, "preveiw");
    assert_one(
        &text,
        &format!("{line}:1"),
        "unknown field `preveiw`, expected one of `name`, `id`, `kind`",
    );
    assert_one(
        "colours = 1\n",
        "1:1",
        "unknown field `colours`, expected one of `default_profile`, `profiles`, `campaigns`",
    );
}

#[test]
fn wrong_types_say_what_was_found_and_expected() {
    assert_one(
        "[profiles.stage]\nkind = \"ajo\"\norg_id = 5\n",
        "3:10",
        "invalid type: integer `5`, expected a string",
    );
    let text = CAMPAIGN.replace("required = true }", "required = \"yes\" }");
    let line = line_of(&text, "orderStatus =");
    assert_one(
        &text,
        &format!("{line}:"),
        "invalid type: string \"yes\", expected a boolean",
    );
    let text = CAMPAIGN.replace(
        "eta = { type = \"date\" }",
        "eta = { type = \"date\", default = true }",
    );
    let line = line_of(&text, "eta =");
    assert_one(
        &text,
        &format!("{line}:"),
        "default of `eta`: expected a Swift date",
    );
}

#[test]
fn bad_enum_values_list_the_allowed_ones() {
    assert_one(
        "[profiles.demo]\nkind = \"mocked\"\n",
        "2:8",
        "unknown variant `mocked`, expected `mock` or `ajo`",
    );
    let text = CAMPAIGN.replace("kind = \"transactional\"", "kind = \"broadcast\"");
    let line = line_of(&text, "broadcast");
    assert_one(
        &text,
        &format!("{line}:8"),
        "unknown variant `broadcast`, expected `transactional` or `marketing`",
    );
    let text = CAMPAIGN.replace("type = \"date\"", "type = \"datetime\"");
    let line = line_of(&text, "datetime");
    assert_one(
        &text,
        &format!("{line}:"),
        "unknown variant `datetime`, expected one of `string`, `int`",
    );
    let text = format!("{CAMPAIGN}[[campaigns.steps]]\nevent = \"stop\"\n");
    assert_one(
        &text,
        &format!("{}:9", line_of(&text, "\"stop\"")),
        "unknown variant `stop`, expected one of `start`, `update`, `end`",
    );
}

#[test]
fn duplicate_campaign_names_and_ids_point_at_the_second_one() {
    let second = CAMPAIGN.replace("id = \"c1\"", "id = \"c2\"");
    let text = format!("{CAMPAIGN}{second}");
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("name ="))
        .nth(1)
        .unwrap()
        .0
        + 1;
    let first = line_of(&text, "name =");
    assert_one(
        &text,
        &format!("{line}:8"),
        &format!("campaign name `food-delivery` is already used at line {first}"),
    );

    let second = CAMPAIGN.replace("name = \"food-delivery\"", "name = \"other\"");
    let text = format!("{CAMPAIGN}{second}");
    let line = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.starts_with("id ="))
        .nth(1)
        .unwrap()
        .0
        + 1;
    assert_one(
        &text,
        &format!("{line}:6"),
        "campaign id `c1` is already used at line",
    );
}

#[test]
fn a_step_that_breaks_the_schema_is_rejected() {
    let step = |body: &str| format!("{CAMPAIGN}\n[[campaigns.steps]]\n{body}\n");
    let text = step("event = \"update\"\ncontent_state = { orderStatus = \"Lost\" }");
    let line = line_of(&text, "Lost");
    assert_one(
        &text,
        &format!("{line}:33"),
        "step 1 of `food-delivery`: orderStatus: `Lost` is not one of Ordered, Delivered",
    );

    let text =
        step("event = \"update\"\ncontent_state = { orderStatus = \"Ordered\", colour = \"red\" }");
    assert_one(
        &text,
        &format!("{}:", line_of(&text, "colour")),
        "step 1 of `food-delivery`: `colour` is not a content_state field",
    );

    let text = step(
        "event = \"update\"\ncontent_state = { orderStatus = \"Ordered\", eta = \"tomorrow\" }",
    );
    assert_one(
        &text,
        &format!("{}:", line_of(&text, "tomorrow")),
        "step 1 of `food-delivery`: eta: `tomorrow` is not a time",
    );

    let text = step("event = \"update\"\ncontent_state = { eta = \"+15m\" }");
    assert_one(
        &text,
        &format!("{}:1", line_of(&text, "[[campaigns.steps]]")),
        "step 1 of `food-delivery`: required field `orderStatus` has no value",
    );

    let text = step("event = \"start\"\ncontent_state = { orderStatus = \"Ordered\" }");
    assert_one(
        &text,
        &format!("{}:1", line_of(&text, "[[campaigns.steps]]")),
        "step 1 of `food-delivery` starts the activity but has no alert",
    );

    let text = step(
        "event = \"end\"\ncontent_state = { orderStatus = \"Delivered\" }\ndismiss_in = \"soon\"",
    );
    assert_one(
        &text,
        &format!("{}:14", line_of(&text, "soon")),
        "step 1 of `food-delivery`: `soon` is not a duration",
    );
}

#[test]
fn a_later_step_may_rely_on_values_set_earlier() {
    let text = format!(
        "{CAMPAIGN}\n[[campaigns.steps]]\nevent = \"start\"\ncontent_state = {{ orderStatus = \"Ordered\" }}\n\
         alert = {{ title = \"t\", body = \"b\" }}\n[[campaigns.steps]]\nevent = \"update\"\ncontent_state = {{ eta = \"+15m\" }}\n"
    );
    let config = config::parse(&text, Path::new("liveact.toml"), false).unwrap();
    assert_eq!(config.campaigns[0].steps.len(), 2);
}

#[test]
fn profile_and_campaign_consistency() {
    assert_one(
        "default_profile = \"prod\"\n[profiles.demo]\nkind = \"mock\"\n",
        "1:19",
        "default_profile `prod` is not a defined profile",
    );
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nsandbox = \"prod\"\n",
        "3:11",
        "`sandbox` belongs to kind = \"ajo\" profiles",
    );
    assert_one(
        "[profiles.stage]\nkind = \"ajo\"\norg_id = \"O\"\nsandbox = \"prod\"\nclient_id = \"c\"\n",
        "1:1",
        "profile `stage` (kind = \"ajo\") needs client_secret or access_token",
    );
    assert_one(
        "[profiles.stage]\nkind = \"ajo\"\norg_id = \"O\"\nsandbox = \"prod\"\nclient_id = \"c\"\nclient_secret = \"env:NOT-A-NAME\"\n",
        "6:17",
        "`NOT-A-NAME` is not an environment variable name",
    );
    assert_one(
        "[profiles.stage]\nkind = \"ajo\"\norg_id = \"O\"\nsandbox = \"prod\"\nclient_id = \"c\"\naccess_token = \"env:T\"\nbase_url = \"platform.adobe.io\"\n",
        "7:12",
        "`platform.adobe.io` is not an http(s) URL",
    );
    let text = CAMPAIGN.replace(
        "kind = \"transactional\"",
        "kind = \"transactional\"\naudience_id = \"fans\"",
    );
    assert_one(
        &text,
        &format!("{}:15", line_of(&text, "audience_id")),
        "campaign `food-delivery` is transactional",
    );
    let text = CAMPAIGN.replace("values = [\"Ordered\", \"Delivered\"], ", "");
    assert_one(
        &text,
        &format!("{}:", line_of(&text, "orderStatus =")),
        "enum field `orderStatus` needs values",
    );
    let text =
        format!("{CAMPAIGN}[campaigns.attributes]\nliveActivityData = {{ type = \"json\" }}\n");
    assert_one(
        &text,
        &format!("{}:", line_of(&text, "liveActivityData")),
        "liveActivityData is filled in by liveact",
    );
}

#[test]
fn every_error_is_reported_not_only_the_first() {
    let text = CAMPAIGN.replace(
        "attributes_type = \"FoodDeliveryLiveActivityAttributes\"",
        "attributes_type = \"\"",
    ) + "[[campaigns.steps]]\nevent = \"update\"\ncontent_state = { orderStatus = \"Lost\" }\n";
    assert_eq!(errors(&text).len(), 2, "{:#?}", errors(&text));
}

#[test]
fn a_missing_env_var_points_at_the_setting() {
    let text = "[profiles.stage]\nkind = \"ajo\"\norg_id = \"O\"\nsandbox = \"prod\"\nclient_id = \"env:CID\"\nclient_secret = \"env:SECRET\"\n";
    let config = config::parse(text, Path::new("liveact.toml"), false).unwrap();
    let ProfileKind::Ajo(ajo) = &config.profiles["stage"].kind else {
        panic!()
    };
    let env = |name: &str| (name == "CID").then(|| "client".to_string());
    let errors = ajo.credentials(&env).unwrap_err();
    let shown: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
    assert_eq!(shown.len(), 1);
    assert!(
        shown[0].starts_with(
            "liveact.toml:6:17: client_secret: environment variable SECRET is not set"
        ),
        "{shown:?}"
    );
    let env = |name: &str| Some(format!("value-of-{name}"));
    let credentials = ajo.credentials(&env).unwrap();
    assert_eq!(credentials.client_id.expose(), "value-of-CID");
    assert!(
        !format!("{credentials:?}").contains("value-of-SECRET"),
        "Debug must mask secrets"
    );
}

#[test]
fn sending_settings_and_mock_faults() {
    let text = "[profiles.demo]\nkind = \"mock\"\nconcurrency = 8\nrate_limit = 50.5\nmax_attempts = 5\ntimeout = \"2s\"\n\
                fail_rate = 0.25\nlatency = \"150ms\"\nstatus = 429\nstatus_count = 2\nretry_after = 1\ntoken_ttl = \"10m\"\n";
    let config = config::parse(text, Path::new("liveact.toml"), false).unwrap();
    let profile = &config.profiles["demo"];
    assert_eq!(profile.sending.concurrency, 8);
    assert_eq!(profile.sending.rate_limit, 50.5);
    assert_eq!(profile.sending.max_attempts, 5);
    assert_eq!(profile.sending.timeout, std::time::Duration::from_secs(2));
    assert_eq!(
        profile.sending.connect_timeout,
        std::time::Duration::from_secs(10),
        "default"
    );
    let ProfileKind::Mock(faults) = &profile.kind else {
        panic!("mock")
    };
    assert_eq!(faults.fail_rate, 0.25);
    assert_eq!(faults.latency, std::time::Duration::from_millis(150));
    assert_eq!(
        (faults.status, faults.status_count, faults.retry_after),
        (Some(429), Some(2), Some(1))
    );
    assert_eq!(faults.token_ttl, Some(std::time::Duration::from_secs(600)));

    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nrate_limit = 501.0\n",
        "3:14",
        "rate_limit 501 is outside 0 < rate ≤ 500 per second",
    );
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nrate_limit = 0.0\n",
        "3:14",
        "rate_limit 0 is outside",
    );
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nmax_attempts = 0\n",
        "3:16",
        "max_attempts must be between 1 and 10",
    );
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\ntimeout = \"soon\"\n",
        "3:11",
        "`soon` is not a duration",
    );
    assert_one(
        "[profiles.demo]\nkind = \"mock\"\nfail_rate = 2.0\n",
        "3:13",
        "fail_rate is a share between 0.0 and 1.0",
    );
    assert_one(
        "[profiles.stage]\nkind = \"ajo\"\norg_id = \"O\"\nsandbox = \"prod\"\nclient_id = \"c\"\naccess_token = \"env:T\"\nfail_rate = 0.5\n",
        "7:13",
        "`fail_rate` belongs to kind = \"mock\" profiles; profile `stage` is kind = \"ajo\"",
    );
}

#[test]
fn keys_remap_and_clashes_name_both_actions() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use liveact::keymap::Action;
    let config = config::parse(
        "[keys]\nsend-start = [\"S\", \"ctrl-s\"]\nexport = \"X\"\n",
        Path::new("liveact.toml"),
        false,
    )
    .unwrap();
    let key = |c, m| KeyEvent::new(KeyCode::Char(c), m);
    assert_eq!(
        config.keys.action(&key('S', KeyModifiers::SHIFT)),
        Some(Action::SendStart)
    );
    assert_eq!(
        config.keys.action(&key('s', KeyModifiers::CONTROL)),
        Some(Action::SendStart)
    );
    assert_eq!(
        config.keys.action(&key('s', KeyModifiers::NONE)),
        None,
        "s is free now"
    );
    assert_eq!(
        config.keys.action(&key('X', KeyModifiers::SHIFT)),
        Some(Action::Export)
    );

    assert_one(
        "[keys]\nexport = \"q\"\n",
        "2:10",
        "[keys]: key `q` is bound to both `quit` and `export`",
    );
    assert_one(
        "[keys]\nlaunch = \"l\"\n",
        "2:10",
        "[keys] launch: `launch` is not an action; actions: send-start",
    );
    assert_one(
        "[keys]\nexport = \"hyper-x\"\n",
        "2:10",
        "[keys] export: `hyper-x` is not a key",
    );
    assert_one(
        "[keys]\nexport = 5\n",
        "2:10",
        "data did not match any variant",
    );
}

#[test]
fn the_console_walk_interval() {
    let config = config::parse(
        "walk_interval = \"750ms\"\n",
        Path::new("liveact.toml"),
        false,
    )
    .unwrap();
    assert_eq!(config.walk_interval, std::time::Duration::from_millis(750));
    let default = config::parse("", Path::new("liveact.toml"), false).unwrap();
    assert_eq!(default.walk_interval, std::time::Duration::from_secs(5));
    assert_one(
        "walk_interval = \"soon\"\n",
        "1:17",
        "`soon` is not a duration",
    );
}

// ---- campaigns.d: extra files loaded after the main one ------------------------------------

fn extra(name: &str, text: &str) -> config::ConfigFile {
    config::ConfigFile {
        path: Path::new("campaigns.d").join(name),
        text: text.to_string(),
        loose_permissions: false,
    }
}

fn extra_errors(main: &str, extras: &[config::ConfigFile]) -> Vec<String> {
    match config::parse_with_extras(main, Path::new("liveact.toml"), false, extras) {
        Ok(_) => panic!("expected the config to be rejected"),
        Err(ConfigErrors(errors)) => errors.iter().map(|e| e.to_string()).collect(),
    }
}

const PROFILE_STAGE: &str = r#"
[profiles.stage]
kind = "ajo"
org_id = "ORG@AdobeOrg"
sandbox = "prod"
client_id = "env:AJO_CLIENT_ID"
client_secret = "env:NOT_SET_ANYWHERE"
"#;

#[test]
fn extra_files_add_campaigns_and_profiles_in_order() {
    let main = "default_profile = \"stage\"\n[profiles.demo]\nkind = \"mock\"\n";
    let second = CAMPAIGN
        .replace("food-delivery", "second")
        .replace("\"c1\"", "\"c2\"");
    let config = config::parse_with_extras(
        main,
        Path::new("liveact.toml"),
        false,
        &[
            extra("a.toml", CAMPAIGN),
            extra("b.toml", &format!("{PROFILE_STAGE}{second}")),
        ],
    )
    .expect("loads");
    let names: Vec<&str> = config.campaigns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["food-delivery", "second"]);
    assert_eq!(config.profile(None).unwrap().name, "stage");
    assert_eq!(
        config.extra_files,
        [
            Path::new("campaigns.d/a.toml"),
            Path::new("campaigns.d/b.toml")
        ]
    );
    // A setting in an extra file is resolved with that file's position.
    let ProfileKind::Ajo(stage) = &config.profiles["stage"].kind else {
        panic!("stage is ajo")
    };
    let errors = stage
        .credentials(&|n| (n == "AJO_CLIENT_ID").then(|| "id".into()))
        .unwrap_err();
    assert_eq!(
        errors.to_string(),
        "campaigns.d/b.toml:7:17: client_secret: environment variable NOT_SET_ANYWHERE is not set\n  hint: export NOT_SET_ANYWHERE=… before running liveact, or use file:PATH"
    );
}

#[test]
fn extra_file_errors_point_into_that_file() {
    let bad = CAMPAIGN.replace("type = \"date\"", "type = \"dat\"");
    let errors = extra_errors("", &[extra("a.toml", &bad)]);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("campaigns.d/a.toml:10:16: unknown variant `dat`"),
        "{errors:?}"
    );
    let errors = extra_errors("", &[extra("a.toml", "theme = \"light\"\n")]);
    assert_eq!(
        errors,
        [
            "campaigns.d/a.toml:1:1: unknown field `theme`, expected `profiles` or `campaigns`\n  hint: a campaigns.d file holds only [[campaigns]] and [profiles.NAME]; other settings go in liveact.toml"
        ]
    );
    let empty_type = CAMPAIGN.replace("FoodDeliveryLiveActivityAttributes", "");
    let errors = extra_errors("", &[extra("a.toml", &empty_type)]);
    assert!(
        errors[0].starts_with("campaigns.d/a.toml:6:19: attributes_type is empty"),
        "{errors:?}"
    );
}

#[test]
fn duplicates_across_files_name_both_places() {
    let errors = extra_errors(CAMPAIGN, &[extra("a.toml", CAMPAIGN)]);
    assert_eq!(
        errors,
        [
            "campaigns.d/a.toml:3:8: campaign name `food-delivery` is already used at liveact.toml:3:8\n  hint: every campaign needs its own name",
            "campaigns.d/a.toml:4:6: campaign id `c1` is already used at liveact.toml:4:6\n  hint: every campaign needs its own id",
        ]
    );
    let errors = extra_errors(
        PROFILE_STAGE,
        &[extra("a.toml", ""), extra("b.toml", PROFILE_STAGE)],
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "campaigns.d/b.toml:2:1: profile `stage` is already defined at liveact.toml:2:1"
        ),
        "{errors:?}"
    );
}
