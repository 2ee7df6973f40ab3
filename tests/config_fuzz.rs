//! No input text makes config loading panic, and every error it reports points inside the file.

use liveact::config::{self, ConfigErrors};
use proptest::prelude::*;
use std::path::Path;

/// Loads `text` and checks the invariants of whatever comes back.
fn load_never_panics(text: &str) {
    match config::parse(text, Path::new("fuzz.toml"), false) {
        Ok(config) => {
            for warning in &config.warnings {
                assert!(!warning.message.is_empty());
            }
        }
        Err(ConfigErrors(errors)) => {
            assert!(!errors.is_empty(), "an Err carries at least one error");
            let lines = text.lines().count() + 1;
            for error in errors {
                assert!(
                    !error.message.trim().is_empty(),
                    "empty message for {text:?}"
                );
                if let Some(pos) = error.pos {
                    assert!(
                        pos.line >= 1 && pos.line <= lines,
                        "{pos:?} outside {lines} lines"
                    );
                    assert!(pos.column >= 1);
                }
            }
        }
    }
}

/// TOML fragments that reach deep into the model when spliced into the example.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[[campaigns]]\n".to_string()),
        Just("[[campaigns.steps]]\nevent = \"start\"\n".to_string()),
        Just("[campaigns.content_state]\n".to_string()),
        Just("x = { type = \"enum\", values = [] }\n".to_string()),
        Just("default = 1e999\n".to_string()),
        Just("content_state = { orderStatus = [1, {a = 2}] }\n".to_string()),
        Just("[profiles.p]\nkind = \"ajo\"\n".to_string()),
        Just("client_secret = \"env:\"\n".to_string()),
        Just("when = 1979-05-27T07:32:00Z\n".to_string()),
        Just("dismiss_in = \"+-9999999999999999999d\"\n".to_string()),
        Just("é = \"ü\"\n".to_string()),
        "[a-z_]{1,12} = (\"[^\"\\\\\n]{0,12}\"|[0-9]{1,20}|true|\\[\\]|\\{\\})\n",
        "\\PC{0,40}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text(text in "\\PC{0,300}") {
        load_never_panics(&text);
    }

    #[test]
    fn arbitrary_toml_like_lines(lines in prop::collection::vec(fragment(), 0..12)) {
        load_never_panics(&lines.concat());
    }

    #[test]
    fn the_example_with_a_fragment_spliced_in(at in 0usize..5_000, cut in 0usize..80, insert in fragment()) {
        let example = config::EXAMPLE;
        let mut at = at % (example.len() + 1);
        while !example.is_char_boundary(at) { at -= 1; }
        let mut end = (at + cut).min(example.len());
        while !example.is_char_boundary(end) { end -= 1; }
        let text = format!("{}{}{}", &example[..at], insert, &example[end..]);
        load_never_panics(&text);
    }
}

/// Any JSON value, nested a few levels.
fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop_oneof![
            Just("start".to_string()),
            Just("end".to_string()),
            "\\PC{0,8}"
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 64, 8, |inner| {
        let keys = prop_oneof![
            Just("aps".to_string()),
            Just("recipients".to_string()),
            Just("context".to_string()),
            Just("requestPayload".to_string()),
            Just("timestamp".to_string()),
            Just("event".to_string()),
            Just("content-state".to_string()),
            Just("attributes".to_string()),
            Just("dismissal-date".to_string()),
            Just("stale-date".to_string()),
            Just("liveActivityData".to_string()),
            Just("orderStatus".to_string()),
            "[a-z]{1,6}",
        ];
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::Array),
            prop::collection::vec((keys, inner), 0..6)
                .prop_map(|pairs| serde_json::Value::Object(pairs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Validation takes bodies pasted by users: any JSON gives findings, never a panic.
    #[test]
    fn validation_never_panics(body in json(), now in any::<i64>(), last in proptest::option::of(any::<i64>())) {
        use liveact::activity::{ActivityHistory, Context, Lifecycle, validate_body};
        let config = config::parse(config::EXAMPLE, Path::new("example.toml"), false).unwrap();
        let history = ActivityHistory { lifecycle: Lifecycle::Active { updates: 1 }, last_timestamp: last };
        for campaign in [None, config.campaigns.first(), config.campaigns.get(1)] {
            let now = now.clamp(-(1 << 50), 1 << 50);
            let _ = validate_body(&body, &Context { campaign, now, history: Some(&history) });
            let _ = validate_body(&serde_json::json!({ "aps": body.clone() }), &Context { campaign, now, history: None });
        }
    }
}
