//! The console's scripted walk (`N`) and timeline export (`x`), through `update` with a clock
//! the test moves.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use liveact::activity::Event;
use liveact::ajo::Answer;
use liveact::config;
use liveact::dispatch::{Outcome, Progress};
use liveact::tui::app::{App, Cmd, Msg, ProfileInfo, update};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

const NOW: i64 = 1_764_878_400;

/// An app whose clock the test sets, with one activity selected.
fn app() -> (App, Arc<AtomicI64>) {
    let clock = Arc::new(AtomicI64::new(NOW));
    let time = Arc::clone(&clock);
    let mut n = 0;
    let config = config::parse(config::EXAMPLE, Path::new("x.toml"), false).unwrap();
    let profile = ProfileInfo {
        name: "demo".into(),
        sandbox: "demo".into(),
        production: false,
    };
    let mut app = App::new(
        config.campaigns,
        profile,
        Box::new(move || time.load(Ordering::SeqCst)),
        Box::new(move || {
            n += 1;
            format!("id-{n}")
        }),
    );
    press(&mut app, KeyCode::Char('a'));
    for c in "order-1".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Enter);
    (app, clock)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    update(app, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// The event of the one Submit in `cmds`.
fn submitted(cmds: &[Cmd]) -> Event {
    match cmds {
        [Cmd::Submit(send)] => send.event,
        other => panic!("expected one submit, got {other:?}"),
    }
}

/// Plays the dispatcher: the send is journaled as `id` and answered `status`.
fn answer(app: &mut App, id: i64, event: Event, status: u16) -> Vec<Cmd> {
    update(
        app,
        Msg::Submitted {
            id,
            event,
            activity: "order-1".into(),
        },
    );
    let answer = Answer {
        status,
        headers: vec![],
        body: r#"{"executionId":"MOCK"}"#.into(),
        latency: Duration::from_millis(3),
    };
    let outcome = if status < 300 {
        Outcome::Accepted(answer)
    } else {
        Outcome::Rejected(answer)
    };
    update(
        app,
        Msg::Progress(Progress::Done {
            id,
            attempts: 1,
            total: Duration::from_millis(3),
            outcome,
        }),
    )
}

#[test]
fn n_walks_the_rest_one_step_per_interval() {
    let (mut app, clock) = app();
    assert_eq!(
        submitted(&press(&mut app, KeyCode::Char('N'))),
        Event::Start,
        "the first step goes at once"
    );
    assert!(
        app.walk.as_ref().is_some_and(|w| w.next_at.is_none()),
        "waiting for the answer"
    );
    answer(&mut app, 1, Event::Start, 202);
    assert_eq!(
        app.next_wake(),
        Some(NOW + 5),
        "the next step waits the interval"
    );
    assert!(update(&mut app, Msg::Tick).is_empty(), "not yet");
    clock.store(NOW + 5, Ordering::SeqCst);
    assert_eq!(submitted(&update(&mut app, Msg::Tick)), Event::Update);
    assert_eq!(
        app.form.content_state[0].text_value(),
        "Preparing",
        "step 2 is on the form"
    );
}

#[test]
fn a_rejected_step_stops_the_walk_and_says_why() {
    let (mut app, _) = app();
    press(&mut app, KeyCode::Char('N'));
    answer(&mut app, 1, Event::Start, 404);
    assert!(app.walk.is_none());
    assert!(
        app.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("walk stopped: 404")),
        "{:?}",
        app.last_error
    );
    assert_eq!(app.next_wake(), None);
}

#[test]
fn n_again_stops_the_walk() {
    let (mut app, clock) = app();
    press(&mut app, KeyCode::Char('N'));
    answer(&mut app, 1, Event::Start, 202);
    assert!(press(&mut app, KeyCode::Char('N')).is_empty());
    assert!(app.walk.is_none());
    assert_eq!(app.toast.as_deref(), Some("walk stopped"));
    clock.store(NOW + 60, Ordering::SeqCst);
    assert!(
        update(&mut app, Msg::Tick).is_empty(),
        "nothing more is sent"
    );
}

#[test]
fn a_step_that_cannot_go_stops_the_walk() {
    let (mut app, clock) = app();
    press(&mut app, KeyCode::Char('N'));
    answer(&mut app, 1, Event::Start, 202);
    // Meanwhile the journal says the activity ended (another window ended it).
    let record = liveact::store::ActivityRecord {
        campaign: "food-delivery".into(),
        id: "order-1".into(),
        recipient: None,
        lifecycle: liveact::activity::Lifecycle::Ended,
        updates: 0,
        last_timestamp: Some(NOW),
        last_content_state: None,
        started_ms: Some(NOW * 1000),
        ended_ms: Some(NOW * 1000),
        dismissal_date: None,
        stale_date: None,
        updated_ms: NOW * 1000,
        last_send_status: None,
    };
    update(&mut app, Msg::Activities(vec![record]));
    clock.store(NOW + 5, Ordering::SeqCst);
    assert!(update(&mut app, Msg::Tick).is_empty());
    assert!(app.walk.is_none());
    assert!(
        app.last_error
            .as_deref()
            .is_some_and(|e| e.contains("this activity has ended")),
        "{:?}",
        app.last_error
    );
}

#[test]
fn the_walk_ends_after_the_last_step() {
    let (mut app, clock) = app();
    let mut events = vec![submitted(&press(&mut app, KeyCode::Char('N')))];
    for id in 1..=5 {
        answer(&mut app, id, *events.last().unwrap(), 202);
        clock.store(NOW + 5 * id, Ordering::SeqCst);
        let cmds = update(&mut app, Msg::Tick);
        if id < 5 {
            events.push(submitted(&cmds));
        } else {
            assert!(cmds.is_empty());
        }
    }
    assert_eq!(
        events,
        [
            Event::Start,
            Event::Update,
            Event::Update,
            Event::Update,
            Event::End
        ]
    );
    assert!(app.walk.is_none());
    assert_eq!(
        app.toast.as_deref(),
        Some("walk finished: every step was sent")
    );
}

#[test]
fn declining_a_warning_stops_the_walk() {
    let (mut app, clock) = app();
    press(&mut app, KeyCode::Char('N'));
    answer(&mut app, 1, Event::Start, 202);
    // An unknown content-state key makes the next step warn; the user says no.
    app.form
        .extra_state
        .insert("driver".into(), serde_json::json!("Sam"));
    clock.store(NOW + 5, Ordering::SeqCst);
    assert!(
        update(&mut app, Msg::Tick).is_empty(),
        "the warning asks first"
    );
    assert!(app.modal.is_some());
    press(&mut app, KeyCode::Esc);
    assert!(app.walk.is_none(), "a declined step ends the walk");
}

#[test]
fn x_exports_the_selected_activity() {
    let (mut app, _) = app();
    assert_eq!(
        press(&mut app, KeyCode::Char('x')),
        [Cmd::Export {
            campaign: "food-delivery".into(),
            activity: "order-1".into()
        }]
    );
    update(&mut app, Msg::Exported(Ok("/tmp/t.md".into())));
    assert_eq!(app.toast.as_deref(), Some("timeline written to /tmp/t.md"));
    update(
        &mut app,
        Msg::Exported(Err("the journal has no send to activity `order-1`".into())),
    );
    assert_eq!(
        app.last_error.as_deref(),
        Some("export failed: the journal has no send to activity `order-1`")
    );
}

#[test]
fn p_toggles_presenter_mode_and_masks_user_ids() {
    let (mut app, _) = app();
    assert!(
        app.secrets.contains(&"testemail@gmail.com".to_string()),
        "campaign recipients are hidden"
    );
    app.hide(["ORG@AdobeOrg".to_string(), String::new()]);
    assert_eq!(
        liveact::tui::present::mask_text("to testemail@gmail.com in ORG@AdobeOrg", &app.mask()),
        "to testemail@gmail.com in ORG@AdobeOrg",
        "off by default"
    );
    press(&mut app, KeyCode::Char('P'));
    assert!(app.present);
    assert_eq!(
        liveact::tui::present::mask_text("to testemail@gmail.com in ORG@AdobeOrg", &app.mask()),
        format!("to {} in {}", "•".repeat(19), "•".repeat(12))
    );
    press(&mut app, KeyCode::Char('P'));
    assert!(!app.present);
}

#[test]
fn y_and_capital_y_copy_the_request_and_the_payload() {
    let (mut app, _) = app();
    match press(&mut app, KeyCode::Char('y')).as_slice() {
        [Cmd::CopyCurl { request, mask }] => {
            assert_eq!(
                request.body["requestId"],
                request.request_id.as_str(),
                "a fresh requestId, not the placeholder"
            );
            assert!(request.request_id.starts_with("id-"));
            assert!(mask.is_empty(), "nothing masked outside presenter mode");
        }
        other => panic!("{other:?}"),
    }
    match press(&mut app, KeyCode::Char('Y')).as_slice() {
        [Cmd::Copy { label, text, .. }] => {
            assert_eq!(label, "the payload");
            let payload: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(
                payload["aps"]["attributes"]["liveActivityData"]["liveActivityID"],
                "order-1"
            );
        }
        other => panic!("{other:?}"),
    }
    press(&mut app, KeyCode::Char('P'));
    match press(&mut app, KeyCode::Char('y')).as_slice() {
        [Cmd::CopyCurl { mask, .. }] => assert!(mask.contains(&"testemail@gmail.com".to_string())),
        other => panic!("{other:?}"),
    }
    update(&mut app, Msg::Copied(Ok(("the payload".into(), 120))));
    assert!(
        app.toast
            .as_deref()
            .is_some_and(|t| t.starts_with("copied the payload (120 bytes) via OSC 52"))
    );
    update(&mut app, Msg::Copied(Err("broken pipe".into())));
    assert_eq!(app.last_error.as_deref(), Some("copy failed: broken pipe"));
}

#[test]
fn the_palette_finds_actions_by_name_and_runs_them() {
    let (mut app, _) = app();
    assert!(press(&mut app, KeyCode::Char(':')).is_empty());
    assert!(matches!(
        app.modal,
        Some(liveact::tui::app::Modal::Palette { .. })
    ));
    for c in "exp".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    assert_eq!(
        liveact::tui::app::palette_matches("exp"),
        [liveact::keymap::Action::Export]
    );
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        [Cmd::Export {
            campaign: "food-delivery".into(),
            activity: "order-1".into()
        }]
    );
    assert!(app.modal.is_none());
    // Ctrl-P opens it too; ↓ picks the second match of "send".
    update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('p'), KeyModifiers::CONTROL)),
    );
    for c in "send".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    press(&mut app, KeyCode::Down);
    match press(&mut app, KeyCode::Enter).as_slice() {
        [] => assert!(
            app.last_error.is_some(),
            "send-update of a never-started activity is refused or asks"
        ),
        [Cmd::Submit(send)] => assert_eq!(send.event, Event::Update),
        other => panic!("{other:?}"),
    }
}

#[test]
fn remapped_keys_run_their_action_and_help_shows_them() {
    let (mut app, _) = app();
    press(&mut app, KeyCode::Char('l'));
    let keys = ["S".to_string()];
    app.keymap = liveact::keymap::Keymap::with_overrides([("send-start", &keys[..])]).unwrap();
    assert!(
        press(&mut app, KeyCode::Char('s')).is_empty(),
        "s no longer sends"
    );
    let help = liveact::tui::keys::help(app.focus, &app.keymap, "send start");
    assert_eq!(
        help,
        [("S".to_string(), "send start (send-start)".to_string())]
    );
    let cmds = update(
        &mut app,
        Msg::Key(KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT)),
    );
    assert!(
        cmds.is_empty()
            && app
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("start not sent")),
        "S runs send-start: {:?}",
        app.last_error
    );
}

#[test]
fn e_opens_the_draft_in_the_editor_and_a_bad_file_is_kept_with_its_error() {
    let (mut app, _) = app();
    match press(&mut app, KeyCode::Char('E')).as_slice() {
        [Cmd::EditExternally(text)] => assert!(text.contains("\"content-state\"")),
        other => panic!("{other:?}"),
    }
    update(
        &mut app,
        Msg::Edited(Ok(
            "{\"content-state\": {\"orderStatus\": \"Preparing\"}}".into()
        )),
    );
    assert_eq!(app.form.content_state[0].text_value(), "Preparing");
    assert_eq!(app.toast.as_deref(), Some("draft updated from the editor"));
    let broken = "{\"content-state\": {\"orderStatus\": \"Delivered\",}}";
    update(&mut app, Msg::Edited(Ok(broken.into())));
    assert_eq!(
        app.form.raw.lines().join("\n"),
        broken,
        "the user's text is kept"
    );
    assert_eq!(
        app.form.content_state[0].text_value(),
        "Preparing",
        "the fields keep the last good draft"
    );
    assert!(
        app.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("the edited JSON does not apply: line 1, column")),
        "{:?}",
        app.last_error
    );
    assert_eq!(
        app.section,
        liveact::tui::form::Section::Raw,
        "the raw tab shows it"
    );
    update(
        &mut app,
        Msg::Edited(Err(
            "`false` exited with exit status: 1; the draft is unchanged".into(),
        )),
    );
    assert!(
        app.last_error
            .as_deref()
            .is_some_and(|e| e.contains("the draft is unchanged"))
    );
}
