//! What the live preview does on every keystroke: build the request for the seed campaign's
//! update, validate it, and serialize it for display.
//!
//! Run: `cargo bench --bench payload`

use criterion::{Criterion, criterion_group, criterion_main};
use liveact::activity::{
    ActivityHistory, Alert, Context, Draft, Event, Lifecycle, Target, build_request, validate_body,
};
use liveact::config::{self, Recipient};
use std::hint::black_box;
use std::path::Path;

fn payload(c: &mut Criterion) {
    let config = config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap();
    let campaign = config.campaign("food-delivery").unwrap();
    let now = 1_756_984_054;
    let recipients = [Recipient {
        user_id: "testemail@gmail.com".into(),
        namespace: "email".into(),
    }];
    let history = ActivityHistory {
        lifecycle: Lifecycle::Active { updates: 2 },
        last_timestamp: Some(now - 30),
    };
    let mut draft = Draft::from_campaign(campaign, Event::Update, now);
    draft.set(campaign, "orderStatus=Delivered", now).unwrap();
    draft.alert = Some(Alert {
        title: "Order Delivered!".into(),
        body: "Your pizza has arrived.".into(),
        sound: None,
    });

    c.bench_function("payload: build + validate + serialize (seed update)", |b| {
        b.iter(|| {
            let request = build_request(
                campaign,
                Target::Recipients(&recipients),
                black_box("orderId1"),
                black_box(&draft),
                "your-request-id",
                now,
            );
            let diagnostics = validate_body(
                &request.body,
                &Context {
                    campaign: Some(campaign),
                    now,
                    history: Some(&history),
                },
            );
            let text = serde_json::to_string_pretty(&request.body).unwrap();
            black_box((diagnostics, text))
        })
    });
}

criterion_group!(benches, payload);
criterion_main!(benches);
