//! The seed page's example payload (AJO's "Créer une activité en direct") is reproduced exactly
//! by the builder from the same inputs.

use liveact::activity::{Alert, Draft, Event, Target, build_request, jsonc};
use liveact::config::{self, Recipient};
use serde_json::Value;
use std::path::Path;

const SEED: &str = include_str!("fixtures/seed-payload.jsonc");

#[test]
fn builder_reproduces_the_seed_payload() {
    let (plain, had_comments) = jsonc::strip_comments(SEED);
    assert!(had_comments, "the seed is annotated with // comments");
    let expected: Value =
        serde_json::from_str(&plain).expect("the seed payload is JSON once comments go");

    let config = config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap();
    let campaign = config.campaign("food-delivery").unwrap();
    let now = 1_756_984_054;
    let mut draft = Draft::from_campaign(campaign, Event::Update, now);
    draft.set(campaign, "orderStatus=Delivered", now).unwrap();
    draft.dismiss(None, Some("1756984084"), now).unwrap();
    draft.alert = Some(Alert {
        title: "Order Delivered!".into(),
        body: "Your pizza has arrived.".into(),
        sound: None,
    });
    let recipients = [Recipient {
        user_id: "testemail@gmail.com".into(),
        namespace: "email".into(),
    }];

    let request = build_request(
        campaign,
        Target::Recipients(&recipients),
        "orderId1",
        &draft,
        "your-request-id",
        now,
    );

    assert_eq!(request.body, expected);
    // Same keys in the same order as the page, so a diff against AJO's example stays readable.
    assert_eq!(
        serde_json::to_string(&request.body).unwrap(),
        serde_json::to_string(&expected).unwrap()
    );
    assert_eq!(request.endpoint.path(), "/im/executions/unitary");
}
