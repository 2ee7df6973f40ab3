//! The console's pure `update`: every key and every dispatcher event, as state and commands.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use liveact::activity::{Endpoint, Event, Lifecycle};
use liveact::ajo::{Answer, problem};
use liveact::config::{self, Config};
use liveact::dispatch::{Outcome, Outgoing, Progress};
use liveact::store::{ActivityRecord, AttemptRecord, SendId, SendRecord, SendStatus};
use liveact::tui::app::{App, Cmd, LogRow, Modal, Msg, Pane, ProfileInfo, update};
use liveact::tui::form::{Input, Section};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Duration;

/// 2025-12-04T20:00:00Z.
const NOW: i64 = 1_764_878_400;

fn config() -> Config {
    config::parse(config::EXAMPLE, Path::new("x.toml"), false).unwrap()
}

fn profile(production: bool) -> ProfileInfo {
    ProfileInfo {
        name: "demo".into(),
        sandbox: if production { "prod" } else { "demo" }.into(),
        production,
    }
}

/// `id-1`, `id-2`, …
fn ids() -> Box<dyn FnMut() -> String + Send> {
    let mut n = 0;
    Box::new(move || {
        n += 1;
        format!("id-{n}")
    })
}

fn app_for(production: bool) -> App {
    App::new(
        config().campaigns.clone(),
        profile(production),
        Box::new(|| NOW),
        ids(),
    )
}

fn app() -> App {
    app_for(false)
}

fn key_with(app: &mut App, code: KeyCode, modifiers: KeyModifiers) -> Vec<Cmd> {
    update(app, Msg::Key(KeyEvent::new(code, modifiers)))
}

fn press(app: &mut App, code: KeyCode) -> Vec<Cmd> {
    key_with(app, code, KeyModifiers::NONE)
}

fn ch(app: &mut App, c: char) -> Vec<Cmd> {
    press(app, KeyCode::Char(c))
}

/// Types `text` one key at a time; typing never yields a command.
fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        assert_eq!(ch(app, c), [], "typing {c:?}");
    }
}

fn ms(unix: i64) -> i64 {
    unix * 1000
}

fn record(id: &str, lifecycle: Lifecycle) -> ActivityRecord {
    let (updates, started, ended) = match lifecycle {
        Lifecycle::Draft => (0, None, None),
        Lifecycle::Active { updates } => (updates, Some(ms(NOW - 600)), None),
        Lifecycle::Stale => (0, Some(ms(NOW - 600)), None),
        Lifecycle::Ended | Lifecycle::Dismissed => (4, Some(ms(NOW - 600)), Some(ms(NOW - 60))),
    };
    ActivityRecord {
        campaign: "food-delivery".into(),
        id: id.into(),
        recipient: Some("testemail@gmail.com (email)".into()),
        lifecycle,
        updates,
        last_timestamp: started.map(|_| NOW - 60),
        last_content_state: None,
        started_ms: started,
        ended_ms: ended,
        dismissal_date: None,
        stale_date: None,
        updated_ms: ms(NOW - 60),
        last_send_status: Some(SendStatus::Accepted),
    }
}

fn answer(status: u16, body: &str) -> Answer {
    Answer {
        status,
        headers: vec![],
        body: body.into(),
        latency: Duration::from_millis(5),
    }
}

fn accepted() -> Answer {
    answer(202, r#"{"executionId":"MOCK-1"}"#)
}

const NOT_FOUND: &str = r#"{"type":"https://ns.adobe.com/aep/errors/MSG-000052-404","title":"Cannot find the Campaign","status":404,"report":{"additionalContext":{"requestId":"r-1","campaignId":"c-9"}}}"#;

fn submitted(app: &mut App, id: SendId, event: Event, activity: &str) {
    let cmds = update(
        app,
        Msg::Submitted {
            id,
            event,
            activity: activity.into(),
        },
    );
    assert_eq!(cmds, []);
}

fn progress(app: &mut App, progress: Progress) -> Vec<Cmd> {
    update(app, Msg::Progress(progress))
}

/// The one `Submit` of `cmds`.
fn the_submit(cmds: Vec<Cmd>) -> Outgoing {
    match <[Cmd; 1]>::try_from(cmds) {
        Ok([Cmd::Submit(send)]) => *send,
        other => panic!("expected exactly one Submit, got {other:?}"),
    }
}

fn aps(send: &Outgoing) -> &Value {
    send.body
        .pointer("/recipients/0/context/requestPayload/aps")
        .unwrap_or_else(|| panic!("no aps in {}", send.body))
}

fn raw(app: &App) -> String {
    app.form.raw.lines().join("\n")
}

fn order_status(app: &App) -> String {
    app.form.content_state[0].text_value()
}

fn alert_title(app: &App) -> String {
    app.form.alert[0].text_value()
}

/// Adds `id` through the add box.
fn add(app: &mut App, id: &str) {
    assert_eq!(ch(app, 'a'), []);
    type_text(app, id);
    assert_eq!(press(app, KeyCode::Enter), []);
    assert!(app.modal.is_none());
}

/// Puts the editor on `section` (focus Editor, field 0).
fn goto_section(app: &mut App, section: Section) {
    for _ in 0..Section::ALL.len() {
        if app.section == section {
            break;
        }
        assert_eq!(ch(app, ']'), []);
    }
    assert_eq!(app.section, section);
    if app.focus != Pane::Editor {
        assert_eq!(ch(app, ']'), []);
        assert_eq!(ch(app, '['), []);
    }
    assert_eq!(app.focus, Pane::Editor);
    assert_eq!(app.field, 0);
}

/// Sets orderStatus to Ordered with →.
fn set_ordered(app: &mut App) {
    goto_section(app, Section::ContentState);
    assert_eq!(press(app, KeyCode::Right), []);
    assert_eq!(order_status(app), "Ordered");
}

/// Types `text` into the selected text field: Enter, keys, Enter.
fn edit_field(app: &mut App, text: &str) {
    assert_eq!(press(app, KeyCode::Enter), []);
    assert!(app.editing);
    type_text(app, text);
    assert_eq!(press(app, KeyCode::Enter), []);
    assert!(!app.editing);
}

/// orderStatus Ordered and an alert "Hi" / "There": a valid start.
fn fill_start(app: &mut App) {
    set_ordered(app);
    goto_section(app, Section::Alert);
    edit_field(app, "Hi");
    assert_eq!(ch(app, 'j'), []);
    edit_field(app, "There");
}

/// An app with `order-1` in the journal at `lifecycle`, selected.
fn app_with(lifecycle: Lifecycle) -> App {
    let mut app = app();
    assert_eq!(
        update(
            &mut app,
            Msg::Activities(vec![record("order-1", lifecycle)])
        ),
        []
    );
    assert_eq!(app.selected_activity().unwrap().0, "order-1");
    app
}

/// Opens the raw JSON tab for editing, the cursor just inside the `{}` of an empty content-state.
fn raw_inside_empty_content_state(app: &mut App) {
    goto_section(app, Section::Raw);
    assert_eq!(
        app.form.raw.lines()[1],
        r#"  "content-state": {},"#,
        "{}",
        raw(app)
    );
    assert_eq!(press(app, KeyCode::Enter), []);
    assert!(app.editing);
    for code in [KeyCode::Down, KeyCode::End, KeyCode::Left, KeyCode::Left] {
        assert_eq!(press(app, code), []);
    }
}

fn send_record(id: SendId) -> SendRecord {
    SendRecord {
        id,
        created_ms: ms(NOW),
        profile: "demo".into(),
        campaign: "food-delivery".into(),
        activity: "order-1".into(),
        event: Event::Start,
        request_id: "id-1".into(),
        endpoint: "/im/executions/unitary".into(),
        request_body: json!({"requestId": "id-1"}),
        dry_run: false,
        status: SendStatus::Accepted,
        http_status: Some(202),
        response_headers: vec![],
        response_body: Some(r#"{"executionId":"MOCK-1"}"#.into()),
        attempts: 1,
        latency_ms: Some(5),
        execution_id: Some("MOCK-1".into()),
        error: None,
        completed_ms: Some(ms(NOW)),
        attempt_log: vec![AttemptRecord {
            number: 1,
            started_ms: ms(NOW),
            latency_ms: Some(5),
            http_status: Some(202),
            error: None,
            retry_in_ms: None,
        }],
    }
}

// ---------------------------------------------------------------------------------------------
// Quitting, help, key releases

#[test]
fn q_quits() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'q'), []);
    assert!(app.quit);
    assert!(app.modal.is_none());
}

#[test]
fn ctrl_c_quits_even_while_editing() {
    let mut app = app();
    assert_eq!(
        key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL),
        []
    );
    assert!(app.quit);

    let mut app = app_for(false);
    goto_section(&mut app, Section::Alert);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert!(app.editing);
    assert_eq!(
        key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL),
        []
    );
    assert!(app.quit);
    assert_eq!(alert_title(&app), "", "Ctrl-C is not typed into the field");
}

#[test]
fn a_plain_c_does_not_quit() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'c'), []);
    assert!(!app.quit);
}

#[test]
fn q_with_a_send_in_flight_asks_and_y_quits() {
    let mut app = app();
    submitted(&mut app, 1, Event::Start, "order-1");
    assert_eq!(app.in_flight(), 1);
    assert_eq!(ch(&mut app, 'q'), []);
    assert!(!app.quit);
    assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
    assert_eq!(ch(&mut app, 'y'), []);
    assert!(app.quit);
}

#[test]
fn q_with_a_send_in_flight_asks_and_n_stays() {
    let mut app = app();
    submitted(&mut app, 1, Event::Start, "order-1");
    assert_eq!(ch(&mut app, 'q'), []);
    assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
    assert_eq!(ch(&mut app, 'n'), []);
    assert!(!app.quit);
    assert!(app.modal.is_none());
    assert_eq!(app.in_flight(), 1, "nothing was cancelled");
}

#[test]
fn ctrl_c_with_a_send_in_flight_asks_then_a_second_ctrl_c_quits() {
    let mut app = app();
    submitted(&mut app, 1, Event::Start, "order-1");
    assert_eq!(
        key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL),
        []
    );
    assert!(!app.quit);
    assert!(matches!(app.modal, Some(Modal::ConfirmQuit)));
    assert_eq!(
        key_with(&mut app, KeyCode::Char('c'), KeyModifiers::CONTROL),
        []
    );
    assert!(app.quit);
}

#[test]
fn q_quits_without_asking_once_every_send_finished() {
    let mut app = app();
    submitted(&mut app, 1, Event::Start, "order-1");
    progress(
        &mut app,
        Progress::Cancelled {
            id: 1,
            in_flight: false,
        },
    );
    assert_eq!(app.in_flight(), 0);
    assert_eq!(ch(&mut app, 'q'), []);
    assert!(app.quit);
    assert!(app.modal.is_none());
}

#[test]
fn question_mark_opens_help_and_esc_closes_it() {
    let mut app = app();
    assert_eq!(ch(&mut app, '?'), []);
    assert!(matches!(&app.modal, Some(Modal::Help { query }) if query.is_empty()));
    assert_eq!(ch(&mut app, 'x'), [], "typing searches the help");
    assert!(matches!(&app.modal, Some(Modal::Help { query }) if query == "x"));
    assert_eq!(ch(&mut app, 's'), [], "no send from behind the help");
    assert!(matches!(&app.modal, Some(Modal::Help { query }) if query == "xs"));
    assert_eq!(press(&mut app, KeyCode::Backspace), []);
    assert!(matches!(&app.modal, Some(Modal::Help { query }) if query == "x"));
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.modal.is_none());
    assert!(!app.quit);

    assert_eq!(ch(&mut app, '?'), []);
    assert_eq!(ch(&mut app, '?'), [], "? toggles");
    assert!(app.modal.is_none());
}

#[test]
fn key_releases_change_nothing() {
    let mut app = app();
    add(&mut app, "order-1");
    fill_start(&mut app);
    let focus = app.focus;
    let section = app.section;
    let field = app.field;
    let raw_before = raw(&app);
    for code in [
        KeyCode::Char('q'),
        KeyCode::Char('s'),
        KeyCode::Char('n'),
        KeyCode::Char('a'),
        KeyCode::Char('?'),
        KeyCode::Char(']'),
        KeyCode::Tab,
        KeyCode::Right,
        KeyCode::Down,
        KeyCode::Enter,
    ] {
        let release = KeyEvent::new_with_kind(code, KeyModifiers::NONE, KeyEventKind::Release);
        assert_eq!(update(&mut app, Msg::Key(release)), [], "{code:?}");
    }
    let ctrl_c = KeyEvent::new_with_kind(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
        KeyEventKind::Release,
    );
    assert_eq!(update(&mut app, Msg::Key(ctrl_c)), []);
    assert!(!app.quit);
    assert!(app.modal.is_none());
    assert!(!app.editing);
    assert_eq!((app.focus, app.section, app.field), (focus, section, field));
    assert_eq!(raw(&app), raw_before);
    assert_eq!(order_status(&app), "Ordered");
    assert!(app.log.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Focus and campaigns

#[test]
fn tab_and_shift_tab_cycle_the_five_panes_and_wrap() {
    let mut app = app();
    assert_eq!(app.focus, Pane::Campaigns);
    let mut seen = Vec::new();
    for _ in 0..5 {
        assert_eq!(press(&mut app, KeyCode::Tab), []);
        seen.push(app.focus);
    }
    assert_eq!(
        seen,
        [
            Pane::Activities,
            Pane::Editor,
            Pane::Preview,
            Pane::Log,
            Pane::Campaigns
        ]
    );
    let mut back = Vec::new();
    for _ in 0..5 {
        assert_eq!(
            key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT),
            []
        );
        back.push(app.focus);
    }
    assert_eq!(
        back,
        [
            Pane::Log,
            Pane::Preview,
            Pane::Editor,
            Pane::Activities,
            Pane::Campaigns
        ]
    );
}

#[test]
fn j_k_and_arrows_select_campaigns() {
    let mut app = app();
    assert_eq!(app.campaign, 0);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.campaign, 1);
    assert_eq!(app.current_campaign().unwrap().name, "match-score");
    assert_eq!(app.form.content_state[0].name, "homeScore");
    assert_eq!(ch(&mut app, 'j'), [], "stops at the last");
    assert_eq!(app.campaign, 1);
    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(app.campaign, 0);
    assert_eq!(ch(&mut app, 'k'), [], "stops at the first");
    assert_eq!(app.campaign, 0);
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert_eq!(app.campaign, 1);
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(app.campaign, 0);
    assert_eq!(app.form.content_state[0].name, "orderStatus");
}

#[test]
fn switching_campaign_and_back_keeps_unsaved_edits() {
    let mut app = app();
    fill_start(&mut app);
    let raw_edited = raw(&app);
    assert!(raw_edited.contains(r#""title": "Hi""#), "{raw_edited}");
    for _ in 0..2 {
        assert_eq!(
            key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT),
            []
        );
    }
    assert_eq!(app.focus, Pane::Campaigns);

    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.campaign, 1);
    assert_eq!(app.form.content_state[0].name, "homeScore");
    assert_eq!(alert_title(&app), "", "the other campaign has its own form");
    assert_eq!(app.field, 0);

    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(app.campaign, 0);
    assert_eq!(order_status(&app), "Ordered");
    assert_eq!(alert_title(&app), "Hi");
    assert_eq!(app.form.alert[1].text_value(), "There");
    assert_eq!(raw(&app), raw_edited);
}

// ---------------------------------------------------------------------------------------------
// Activities

#[test]
fn a_then_an_id_then_enter_adds_and_selects_it() {
    let mut app = app();
    add(&mut app, "order-1");
    add(&mut app, "order-2");
    let visible: Vec<String> = app
        .visible_activities()
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(visible, ["order-1", "order-2"]);
    assert_eq!(app.activity, 1);
    assert_eq!(app.selected_activity(), Some(("order-2".into(), None)));
    assert_eq!(
        app.added,
        [
            ("food-delivery".to_string(), "order-1".to_string()),
            ("food-delivery".to_string(), "order-2".to_string())
        ]
    );
    assert_eq!(
        app.toast.as_deref(),
        Some("activity order-2 added: s starts it")
    );

    add(&mut app, "order-1");
    assert_eq!(app.added.len(), 2, "an id already there is not added twice");
    assert_eq!(app.activity, 0, "but it is selected");
}

#[test]
fn the_add_box_takes_q_and_s_as_text() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'a'), []);
    type_text(&mut app, "qs");
    assert!(!app.quit);
    assert!(matches!(app.modal, Some(Modal::AddActivity(_))));
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(app.selected_activity().unwrap().0, "qs");
}

#[test]
fn enter_on_an_empty_add_box_generates_an_id() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'a'), []);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(
        app.selected_activity(),
        Some(("food-delivery-id-1".into(), None))
    );

    // Only the first 8 characters of the fresh id are used.
    let mut long = App::new(
        config().campaigns.clone(),
        profile(false),
        Box::new(|| NOW),
        Box::new(|| "0123456789abcdef".to_string()),
    );
    assert_eq!(ch(&mut long, 'a'), []);
    type_text(&mut long, "  ");
    assert_eq!(
        press(&mut long, KeyCode::Enter),
        [],
        "blank counts as empty"
    );
    assert_eq!(
        long.selected_activity().unwrap().0,
        "food-delivery-01234567"
    );
}

#[test]
fn esc_cancels_the_add_box() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'a'), []);
    type_text(&mut app, "order-9");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.modal.is_none());
    assert!(app.added.is_empty());
    assert!(app.visible_activities().is_empty());
    assert!(!app.quit);
}

fn three_records() -> Vec<ActivityRecord> {
    let mut other = record("alpha-other", Lifecycle::Draft);
    other.campaign = "match-score".into();
    vec![
        record("alpha-1", Lifecycle::Draft),
        record("beta-2", Lifecycle::Draft),
        record("alpha-3", Lifecycle::Draft),
        other,
    ]
}

fn visible(app: &App) -> Vec<String> {
    app.visible_activities()
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

#[test]
fn slash_filters_as_typed_and_esc_clears() {
    let mut app = app();
    assert_eq!(update(&mut app, Msg::Activities(three_records())), []);
    assert_eq!(visible(&app), ["alpha-1", "beta-2", "alpha-3"]);
    assert_eq!(ch(&mut app, '/'), []);
    assert_eq!(app.focus, Pane::Activities);
    assert!(matches!(app.modal, Some(Modal::Filter(_))));
    type_text(&mut app, "alp");
    assert_eq!(app.filter, "alp");
    assert_eq!(visible(&app), ["alpha-1", "alpha-3"]);
    type_text(&mut app, "ha-3");
    assert_eq!(visible(&app), ["alpha-3"]);
    assert_eq!(app.selected_activity().unwrap().0, "alpha-3");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.modal.is_none());
    assert_eq!(app.filter, "");
    assert_eq!(visible(&app), ["alpha-1", "beta-2", "alpha-3"]);
}

#[test]
fn enter_keeps_the_filter() {
    let mut app = app();
    assert_eq!(update(&mut app, Msg::Activities(three_records())), []);
    assert_eq!(ch(&mut app, '/'), []);
    type_text(&mut app, "beta");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert!(app.modal.is_none());
    assert_eq!(app.filter, "beta");
    assert_eq!(visible(&app), ["beta-2"]);
}

#[test]
fn j_k_select_activities_and_a_reload_keeps_the_selection() {
    let mut app = app();
    assert_eq!(update(&mut app, Msg::Activities(three_records())), []);
    assert_eq!(press(&mut app, KeyCode::Tab), []);
    assert_eq!(app.focus, Pane::Activities);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(ch(&mut app, 'j'), [], "stops at the last");
    assert_eq!(app.selected_activity().unwrap().0, "alpha-3");
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(app.selected_activity().unwrap().0, "beta-2");
    let mut reordered = three_records();
    reordered.reverse();
    assert_eq!(update(&mut app, Msg::Activities(reordered)), []);
    assert_eq!(app.selected_activity().unwrap().0, "beta-2");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(app.focus, Pane::Editor);
}

// ---------------------------------------------------------------------------------------------
// Editor

#[test]
fn brackets_cycle_the_five_sections_and_wrap() {
    let mut app = app();
    assert_eq!(app.section, Section::ContentState);
    let mut seen = Vec::new();
    for _ in 0..5 {
        assert_eq!(ch(&mut app, ']'), []);
        assert_eq!(app.focus, Pane::Editor);
        seen.push(app.section);
    }
    assert_eq!(
        seen,
        [
            Section::Alert,
            Section::Attributes,
            Section::Dates,
            Section::Raw,
            Section::ContentState
        ]
    );
    let mut back = Vec::new();
    for _ in 0..5 {
        assert_eq!(ch(&mut app, '['), []);
        back.push(app.section);
    }
    assert_eq!(
        back,
        [
            Section::Raw,
            Section::Dates,
            Section::Attributes,
            Section::Alert,
            Section::ContentState
        ]
    );
}

#[test]
fn j_k_select_fields_and_a_section_change_resets_the_field() {
    let mut app = app();
    goto_section(&mut app, Section::Alert);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.field, 1);
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert_eq!(app.field, 2);
    assert_eq!(ch(&mut app, 'j'), [], "stops at sound");
    assert_eq!(app.field, 2);
    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(app.field, 1);
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(app.field, 0);
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert_eq!(ch(&mut app, ']'), []);
    assert_eq!(app.section, Section::Attributes);
    assert_eq!(app.field, 0);
}

#[test]
fn arrows_and_h_l_cycle_an_enum_and_the_raw_json_follows() {
    let mut app = app();
    goto_section(&mut app, Section::ContentState);
    assert_eq!(order_status(&app), "", "orderStatus has no default");
    let mut seen = Vec::new();
    for code in [
        KeyCode::Right,
        KeyCode::Char('l'),
        KeyCode::Right,
        KeyCode::Right,
        KeyCode::Right,
        KeyCode::Left,
        KeyCode::Char('h'),
    ] {
        assert_eq!(press(&mut app, code), []);
        seen.push(order_status(&app));
    }
    assert_eq!(
        seen,
        [
            "Ordered",
            "Preparing",
            "OnTheWay",
            "Delivered",
            "Ordered",
            "Delivered",
            "OnTheWay"
        ]
    );
    assert!(
        raw(&app).contains(r#""orderStatus": "OnTheWay""#),
        "{}",
        raw(&app)
    );
    assert!(!app.editing, "a choice is not typed into");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert!(!app.editing, "Enter does not edit a choice");

    let mut app = app_for(false);
    goto_section(&mut app, Section::ContentState);
    assert_eq!(press(&mut app, KeyCode::Left), []);
    assert_eq!(
        order_status(&app),
        "Delivered",
        "← from unset picks the last"
    );
}

#[test]
fn enter_edits_a_text_field_and_enter_ends() {
    let mut app = app();
    goto_section(&mut app, Section::Alert);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert!(app.editing);
    // Keys that mean something elsewhere are text here.
    type_text(&mut app, "qsn]? je");
    assert!(!app.quit);
    assert!(app.modal.is_none());
    assert_eq!(app.section, Section::Alert);
    assert_eq!(app.field, 0);
    assert_eq!(alert_title(&app), "qsn]? je");
    assert_eq!(
        app.preview.card.alert,
        Some(("qsn]? je".into(), String::new()))
    );
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert!(!app.editing);
    assert_eq!(alert_title(&app), "qsn]? je", "Enter is not typed");
    assert!(
        raw(&app).contains(r#""title": "qsn]? je""#),
        "{}",
        raw(&app)
    );
}

#[test]
fn down_ends_editing_and_moves_to_the_next_field() {
    let mut app = app();
    goto_section(&mut app, Section::Alert);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    type_text(&mut app, "Hi");
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert!(!app.editing);
    assert_eq!(app.field, 1);
    assert!(raw(&app).contains(r#""title": "Hi""#), "{}", raw(&app));
}

#[test]
fn an_edit_of_the_raw_json_shows_in_the_fields() {
    let mut app = app();
    raw_inside_empty_content_state(&mut app);
    type_text(&mut app, r#""orderStatus":"OnTheWay""#);
    assert!(app.editing);
    assert_eq!(order_status(&app), "OnTheWay", "fields follow as typed");
    assert_eq!(app.form.raw_error, None);
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(!app.editing);
    assert_eq!(order_status(&app), "OnTheWay");
    assert_eq!(app.form.raw_error, None);
    assert_eq!(app.last_error, None);
}

#[test]
fn enter_in_the_raw_json_is_a_new_line() {
    let mut app = app();
    raw_inside_empty_content_state(&mut app);
    let lines = app.form.raw.lines().len();
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert!(app.editing, "Enter does not end a raw edit");
    assert_eq!(app.form.raw.lines().len(), lines + 1);
    assert_eq!(app.form.raw_error, None, "still valid JSON");
}

#[test]
fn a_raw_json_syntax_error_keeps_the_fields() {
    let mut app = app();
    set_ordered(&mut app);
    goto_section(&mut app, Section::Raw);
    assert_eq!(app.form.raw.lines()[1], r#"  "content-state": {"#);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    for code in [KeyCode::Down, KeyCode::End] {
        assert_eq!(press(&mut app, code), []);
    }
    type_text(&mut app, ",");
    let error = app.form.raw_error.clone().expect("a syntax error");
    assert!(error.starts_with("line 2, column "), "{error}");
    assert_eq!(order_status(&app), "Ordered");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(!app.editing);
    assert_eq!(order_status(&app), "Ordered", "a bad edit loses nothing");
    assert!(
        app.form
            .raw_error
            .as_deref()
            .unwrap()
            .starts_with("line 2, column ")
    );
    assert_eq!(
        app.last_error.as_deref(),
        Some(format!("raw JSON not applied: {error}").as_str())
    );
}

#[test]
fn paste_into_a_selected_text_field() {
    let mut app = app();
    goto_section(&mut app, Section::Alert);
    assert_eq!(update(&mut app, Msg::Paste("Order\nplaced".into())), []);
    assert_eq!(alert_title(&app), "Order placed");
    assert!(app.editing, "the paste leaves the field in edit");
    assert!(
        raw(&app).contains(r#""title": "Order placed""#),
        "{}",
        raw(&app)
    );
    type_text(&mut app, "!");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(alert_title(&app), "Order placed!");
}

#[test]
fn paste_goes_nowhere_outside_a_text_field() {
    let mut app = app();
    assert_eq!(app.focus, Pane::Campaigns);
    assert_eq!(update(&mut app, Msg::Paste("Hello".into())), []);
    assert!(!app.editing);
    assert!(app.form.alert.iter().all(|f| f.text_value().is_empty()));

    goto_section(&mut app, Section::ContentState);
    assert!(matches!(
        app.form.content_state[0].input,
        Input::Choice { .. }
    ));
    assert_eq!(update(&mut app, Msg::Paste("OnTheWay".into())), []);
    assert!(!app.editing);
    assert_eq!(order_status(&app), "", "a choice is not pasted into");
}

#[test]
fn paste_into_the_add_box_and_the_filter() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'a'), []);
    assert_eq!(update(&mut app, Msg::Paste("order-\n7".into())), []);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(app.selected_activity().unwrap().0, "order-7");

    let mut app = app_for(false);
    assert_eq!(update(&mut app, Msg::Activities(three_records())), []);
    assert_eq!(ch(&mut app, '/'), []);
    assert_eq!(update(&mut app, Msg::Paste("beta".into())), []);
    assert_eq!(app.filter, "beta");
    assert_eq!(visible(&app), ["beta-2"]);
}

// ---------------------------------------------------------------------------------------------
// Sending

#[test]
fn s_without_an_activity_sends_nothing() {
    let mut app = app();
    fill_start(&mut app);
    assert_eq!(ch(&mut app, 's'), []);
    assert_eq!(
        app.last_error.as_deref(),
        Some("no activity selected: add one with a")
    );
    assert!(app.modal.is_none());
}

#[test]
fn s_with_an_error_in_the_preview_sends_nothing() {
    // orderStatus unset (and no alert).
    let mut app = app();
    add(&mut app, "order-1");
    assert!(app.preview.errors() > 0);
    assert_eq!(ch(&mut app, 's'), []);
    let error = app.last_error.clone().unwrap();
    assert!(error.starts_with("start not sent, "), "{error}");
    assert!(error.contains("orderStatus"), "{error}");
    assert!(app.modal.is_none());

    // orderStatus set, no alert on a start.
    let mut app = app_for(false);
    add(&mut app, "order-1");
    set_ordered(&mut app);
    assert_eq!(ch(&mut app, 's'), []);
    let error = app.last_error.clone().unwrap();
    assert!(error.starts_with("start not sent, 1 error(s): "), "{error}");
    assert!(error.contains("alert"), "{error}");
    assert!(app.modal.is_none());
}

#[test]
fn s_with_a_valid_start_submits_it() {
    let mut app = app();
    add(&mut app, "order-1");
    fill_start(&mut app);
    assert_eq!(app.preview.errors(), 0, "{:?}", app.preview.diagnostics);
    let send = the_submit(ch(&mut app, 's'));
    assert_eq!(send.event, Event::Start);
    assert_eq!(send.activity, "order-1");
    assert_eq!(send.campaign, "food-delivery");
    assert_eq!(send.endpoint, Endpoint::Unitary);
    assert_eq!(send.request_id, "id-1");
    assert_eq!(
        send.recipient.as_deref(),
        Some("testemail@gmail.com (email)")
    );
    assert_eq!(send.body["requestId"], "id-1");
    let aps = aps(&send);
    assert_eq!(aps["event"], "start");
    assert_eq!(aps["timestamp"], NOW);
    assert_eq!(aps["content-state"], json!({"orderStatus": "Ordered"}));
    assert_eq!(aps["alert"]["title"], "Hi");
    assert_eq!(aps["alert"]["body"], "There");
    assert_eq!(app.last_error, None);
    assert!(app.modal.is_none());
    assert!(app.log.is_empty(), "the row comes with Submitted");

    let again = the_submit(ch(&mut app, 's'));
    assert_eq!(again.request_id, "id-2", "a fresh requestId for each send");
}

#[test]
fn u_and_e_on_an_active_activity() {
    let mut app = app_with(Lifecycle::Active { updates: 1 });
    assert_eq!(app.preview.event, Event::Update);
    set_ordered(&mut app);
    let send = the_submit(ch(&mut app, 'u'));
    assert_eq!(send.event, Event::Update);
    assert_eq!(send.activity, "order-1");
    assert_eq!(aps(&send)["event"], "update");
    assert_eq!(send.request_id, "id-1");

    let send = the_submit(ch(&mut app, 'e'));
    assert_eq!(send.event, Event::End);
    assert_eq!(aps(&send)["event"], "end");
    assert_eq!(send.request_id, "id-2");
    assert_eq!(app.last_error, None);
}

#[test]
fn u_on_an_ended_activity_sends_nothing() {
    let mut app = app_with(Lifecycle::Ended);
    set_ordered(&mut app);
    assert_eq!(ch(&mut app, 'u'), []);
    let error = app.last_error.clone().unwrap();
    assert!(error.starts_with("update not sent"), "{error}");
    assert!(error.contains("has ended"), "{error}");
}

/// An unknown content-state key typed in the raw JSON, on an active activity.
fn app_with_unknown_key() -> App {
    let mut app = app_with(Lifecycle::Active { updates: 0 });
    raw_inside_empty_content_state(&mut app);
    type_text(&mut app, r#""orderStatus":"Ordered","driver":"Sam""#);
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert_eq!(order_status(&app), "Ordered");
    assert_eq!(app.form.extra_state["driver"], "Sam");
    app
}

fn warnings_of(app: &App) -> Vec<String> {
    match &app.modal {
        Some(Modal::ConfirmWarnings { warnings, .. }) => warnings.clone(),
        other => panic!("expected the warnings confirmation, got {other:?}"),
    }
}

#[test]
fn warnings_ask_first_and_n_or_esc_cancel() {
    for cancel in [KeyCode::Char('n'), KeyCode::Esc] {
        let mut app = app_with_unknown_key();
        assert_eq!(ch(&mut app, 'u'), []);
        let warnings = warnings_of(&app);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("`driver`"), "{warnings:?}");
        assert!(
            warnings[0].contains("content-state.driver: "),
            "{warnings:?}"
        );
        assert_eq!(press(&mut app, cancel), [], "{cancel:?}");
        assert!(app.modal.is_none());
        assert!(!app.quit);
    }
}

#[test]
fn other_keys_keep_the_warnings_open() {
    let mut app = app_with_unknown_key();
    assert_eq!(ch(&mut app, 'u'), []);
    assert_eq!(ch(&mut app, 's'), []);
    assert_eq!(warnings_of(&app).len(), 1);
}

#[test]
fn warnings_then_y_submits() {
    let mut app = app_with_unknown_key();
    assert_eq!(ch(&mut app, 'u'), []);
    warnings_of(&app);
    let send = the_submit(ch(&mut app, 'y'));
    assert!(app.modal.is_none());
    assert_eq!(send.event, Event::Update);
    assert_eq!(
        aps(&send)["content-state"],
        json!({"orderStatus": "Ordered", "driver": "Sam"})
    );
}

#[test]
fn a_dismissal_date_on_an_update_asks_first() {
    let mut app = app_with(Lifecycle::Active { updates: 0 });
    set_ordered(&mut app);
    goto_section(&mut app, Section::Dates);
    assert_eq!(app.form.dates[0].name, "dismissal-date");
    edit_field(&mut app, "+900s");
    assert_eq!(ch(&mut app, 'u'), []);
    let warnings = warnings_of(&app);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("dismissal-date is only honoured on end"),
        "{warnings:?}"
    );
    let send = the_submit(press(&mut app, KeyCode::Enter));
    assert_eq!(aps(&send)["dismissal-date"], NOW + 900);
}

fn production_modal(app: &App) -> (String, bool, &Outgoing) {
    match &app.modal {
        Some(Modal::ConfirmProduction {
            send,
            input,
            mismatch,
        }) => (input.lines().join(""), *mismatch, send),
        other => panic!("expected the production confirmation, got {other:?}"),
    }
}

fn production_app() -> App {
    let mut app = app_for(true);
    add(&mut app, "order-1");
    fill_start(&mut app);
    assert_eq!(ch(&mut app, 's'), []);
    let (input, mismatch, send) = production_modal(&app);
    assert_eq!((input.as_str(), mismatch), ("", false));
    assert_eq!(send.event, Event::Start);
    app
}

#[test]
fn production_wants_the_sandbox_name() {
    let mut app = production_app();
    type_text(&mut app, "demo");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    let (input, mismatch, _) = production_modal(&app);
    assert_eq!((input.as_str(), mismatch), ("demo", true));

    for _ in 0..4 {
        assert_eq!(press(&mut app, KeyCode::Backspace), []);
    }
    let (input, mismatch, _) = production_modal(&app);
    assert_eq!((input.as_str(), mismatch), ("", false));
    // y and q are letters of a name here, not answers.
    type_text(&mut app, "yq");
    assert!(!app.quit);
    assert_eq!(production_modal(&app).0, "yq");
    assert_eq!(press(&mut app, KeyCode::Backspace), []);
    assert_eq!(press(&mut app, KeyCode::Backspace), []);

    type_text(&mut app, "prod");
    let send = the_submit(press(&mut app, KeyCode::Enter));
    assert!(app.modal.is_none());
    assert_eq!(send.event, Event::Start);
    assert_eq!(send.request_id, "id-1");
}

#[test]
fn esc_cancels_the_production_confirmation() {
    let mut app = production_app();
    type_text(&mut app, "pro");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.modal.is_none());
    assert!(!app.quit);
}

#[test]
fn production_after_warnings_still_asks_for_the_sandbox() {
    let mut app = App::new(
        config().campaigns.clone(),
        profile(true),
        Box::new(|| NOW),
        ids(),
    );
    assert_eq!(
        update(
            &mut app,
            Msg::Activities(vec![record("order-1", Lifecycle::Active { updates: 0 })])
        ),
        []
    );
    raw_inside_empty_content_state(&mut app);
    type_text(&mut app, r#""orderStatus":"Ordered","x":1"#);
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert_eq!(ch(&mut app, 'u'), []);
    warnings_of(&app);
    assert_eq!(ch(&mut app, 'y'), []);
    assert_eq!(production_modal(&app).2.event, Event::Update);
    type_text(&mut app, "prod");
    let send = the_submit(press(&mut app, KeyCode::Enter));
    assert_eq!(send.event, Event::Update);
}

// ---------------------------------------------------------------------------------------------
// n: the campaign's steps

#[test]
fn n_without_a_record_sends_step_1() {
    let mut app = app();
    add(&mut app, "order-1");
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(order_status(&app), "Ordered");
    assert_eq!(alert_title(&app), "Order placed");
    assert_eq!(app.form.alert[1].text_value(), "The kitchen has it.");
    assert_eq!(app.toast.as_deref(), Some("step 1 of 5: start"));
    assert_eq!(send.event, Event::Start);
    assert_eq!(send.activity, "order-1");
    assert_eq!(send.request_id, "id-1");
    let aps = aps(&send);
    assert_eq!(aps["event"], "start");
    assert_eq!(aps["content-state"], json!({"orderStatus": "Ordered"}));
    assert_eq!(aps["alert"]["title"], "Order placed");
}

#[test]
fn n_without_an_activity_sends_nothing() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'n'), []);
    assert_eq!(
        app.last_error.as_deref(),
        Some("no activity selected: add one with a")
    );
    assert_eq!(order_status(&app), "", "the form is untouched");
}

#[test]
fn n_after_one_update_sends_step_3() {
    let mut app = app_with(Lifecycle::Active { updates: 1 });
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(app.toast.as_deref(), Some("step 3 of 5: update"));
    assert_eq!(send.event, Event::Update);
    assert_eq!(order_status(&app), "OnTheWay");
    let aps = aps(&send);
    assert_eq!(aps["event"], "update");
    assert_eq!(aps["content-state"], json!({"orderStatus": "OnTheWay"}));
    assert_eq!(aps["alert"]["title"], "On the way");
}

#[test]
fn n_on_the_last_update_sends_the_end_step() {
    let mut app = app_with(Lifecycle::Active { updates: 3 });
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(app.toast.as_deref(), Some("step 5 of 5: end"));
    assert_eq!(send.event, Event::End);
    assert_eq!(aps(&send)["dismissal-date"], NOW + 900);
}

#[test]
fn n_past_the_last_step_sends_nothing() {
    for lifecycle in [Lifecycle::Ended, Lifecycle::Active { updates: 4 }] {
        let mut app = app_with(lifecycle);
        assert_eq!(ch(&mut app, 'n'), [], "{lifecycle:?}");
        assert_eq!(
            app.last_error.as_deref(),
            Some("`food-delivery` has no step 6 (it has 5)")
        );
        assert!(app.modal.is_none());
    }
}

#[test]
fn n_while_a_step_is_in_flight_picks_the_following_one() {
    let mut app = app_with(Lifecycle::Active { updates: 0 });
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(aps(&send)["content-state"]["orderStatus"], "Preparing");
    submitted(&mut app, 1, Event::Update, "order-1");
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(app.toast.as_deref(), Some("step 3 of 5: update"));
    assert_eq!(aps(&send)["content-state"]["orderStatus"], "OnTheWay");
    submitted(&mut app, 2, Event::Update, "order-1");
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(aps(&send)["content-state"]["orderStatus"], "Delivered");

    // A rejected step is no longer pending: n tries it again.
    progress(
        &mut app,
        Progress::Done {
            id: 2,
            attempts: 1,
            total: Duration::from_millis(5),
            outcome: Outcome::Rejected(answer(400, "{}")),
        },
    );
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(aps(&send)["content-state"]["orderStatus"], "OnTheWay");
}

#[test]
fn n_twice_on_a_new_activity_queues_start_then_update() {
    let mut app = app();
    add(&mut app, "order-1");
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(send.event, Event::Start);
    submitted(&mut app, 1, Event::Start, "order-1");
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(send.event, Event::Update);
    assert_eq!(aps(&send)["content-state"]["orderStatus"], "Preparing");
    assert_eq!(app.form.alert[0].text_value(), "", "step 2 has no alert");
}

#[test]
fn n_ignores_sends_in_flight_to_other_activities() {
    let mut app = app_with(Lifecycle::Active { updates: 0 });
    submitted(&mut app, 1, Event::Update, "order-2");
    let send = the_submit(ch(&mut app, 'n'));
    assert_eq!(aps(&send)["content-state"]["orderStatus"], "Preparing");
}

// ---------------------------------------------------------------------------------------------
// Dispatcher events

fn row(app: &App, id: SendId) -> &LogRow {
    app.log
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

/// An app with send 7 (an update of order-1) queued.
fn queued() -> App {
    let mut app = app();
    submitted(&mut app, 7, Event::Update, "order-1");
    app
}

#[test]
fn submitted_adds_a_queued_row_at_the_top() {
    let mut app = queued();
    assert_eq!(
        app.log,
        [LogRow {
            id: 7,
            time: NOW,
            event: Event::Update,
            activity: "order-1".into(),
            status: "queued".into(),
            http: None,
            latency_ms: None,
            result: String::new(),
            finished: false,
            schedule: None,
        }]
    );
    submitted(&mut app, 8, Event::End, "order-2");
    let ids: Vec<SendId> = app.log.iter().map(|r| r.id).collect();
    assert_eq!(ids, [8, 7]);
    assert_eq!(app.log_selected, 0);
    assert_eq!(app.in_flight(), 2);
}

#[test]
fn submit_failed_says_so() {
    let mut app = app();
    assert_eq!(update(&mut app, Msg::SubmitFailed("disk full".into())), []);
    assert_eq!(app.last_error.as_deref(), Some("not sent: disk full"));
    assert!(app.log.is_empty());
}

#[test]
fn queued_and_attempt_started() {
    let mut app = queued();
    assert_eq!(progress(&mut app, Progress::Queued { id: 7 }), []);
    assert_eq!(row(&app, 7).status, "queued");
    assert_eq!(
        progress(&mut app, Progress::AttemptStarted { id: 7, attempt: 1 }),
        []
    );
    assert_eq!(row(&app, 7).status, "sending");
    assert_eq!(
        progress(&mut app, Progress::AttemptStarted { id: 7, attempt: 2 }),
        []
    );
    assert_eq!(row(&app, 7).status, "sending (2)");
    assert!(!row(&app, 7).finished);
}

#[test]
fn answered_sets_http_and_latency() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::Answered {
            id: 7,
            attempt: 1,
            status: 503,
            latency: Duration::from_millis(42),
        },
    );
    assert_eq!(cmds, []);
    let row = row(&app, 7);
    assert_eq!(row.http, Some(503));
    assert_eq!(row.latency_ms, Some(42));
    assert!(!row.finished);
}

#[test]
fn unanswered_and_retry_scheduled() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::Unanswered {
            id: 7,
            attempt: 1,
            error: "timed out\u{1b}[31m".into(),
        },
    );
    assert_eq!(cmds, []);
    assert_eq!(
        row(&app, 7).result,
        "timed out [31m",
        "control characters go"
    );
    let cmds = progress(
        &mut app,
        Progress::RetryScheduled {
            id: 7,
            attempt: 1,
            delay: Duration::from_millis(1500),
            reason: "503".into(),
        },
    );
    assert_eq!(cmds, []);
    assert_eq!(row(&app, 7).status, "retry in 1.5s");
    assert!(!row(&app, 7).finished);
    assert_eq!(app.in_flight(), 1);
}

#[test]
fn done_accepted() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::Done {
            id: 7,
            attempts: 1,
            total: Duration::from_millis(12),
            outcome: Outcome::Accepted(accepted()),
        },
    );
    assert_eq!(cmds, [Cmd::LoadActivities, Cmd::TokenAge]);
    let row = row(&app, 7);
    assert_eq!(row.status, "accepted");
    assert_eq!(row.http, Some(202));
    assert_eq!(row.latency_ms, Some(12));
    assert_eq!(row.result, "MOCK-1");
    assert!(row.finished);
    assert_eq!(app.in_flight(), 0);
    assert_eq!(app.last_error, None);
}

#[test]
fn done_rejected() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::Done {
            id: 7,
            attempts: 1,
            total: Duration::from_millis(9),
            outcome: Outcome::Rejected(answer(404, NOT_FOUND)),
        },
    );
    assert_eq!(cmds, [Cmd::LoadActivities, Cmd::TokenAge]);
    let row = row(&app, 7);
    assert_eq!(row.status, "rejected");
    assert_eq!(row.http, Some(404));
    assert_eq!(row.result, "Cannot find the Campaign");
    assert!(row.finished);
    assert_eq!(
        app.last_error,
        Some(format!(
            "404 Cannot find the Campaign: order-1 — {}",
            problem::hint(404)
        ))
    );
    assert!(
        app.last_error
            .as_deref()
            .unwrap()
            .contains("copy the Campaign ID")
    );
}

#[test]
fn failed() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::Failed {
            id: 7,
            attempts: 3,
            reason: "503 after 3 attempts".into(),
            last: Some(answer(503, "")),
        },
    );
    assert_eq!(cmds, [Cmd::LoadActivities, Cmd::TokenAge]);
    let row = row(&app, 7);
    assert_eq!(row.status, "failed");
    assert_eq!(row.result, "503 after 3 attempts");
    assert!(row.finished);
    assert_eq!(
        app.last_error.as_deref(),
        Some("order-1: 503 after 3 attempts")
    );
}

#[test]
fn cancelled() {
    let mut app = queued();
    submitted(&mut app, 8, Event::End, "order-1");
    let cmds = progress(
        &mut app,
        Progress::Cancelled {
            id: 7,
            in_flight: false,
        },
    );
    assert_eq!(cmds, [Cmd::LoadActivities, Cmd::TokenAge]);
    assert_eq!(row(&app, 7).status, "cancelled");
    assert_eq!(row(&app, 7).result, "");
    assert!(row(&app, 7).finished);
    let cmds = progress(
        &mut app,
        Progress::Cancelled {
            id: 8,
            in_flight: true,
        },
    );
    assert_eq!(cmds, [Cmd::LoadActivities, Cmd::TokenAge]);
    assert_eq!(row(&app, 8).status, "cancelled");
    assert_eq!(row(&app, 8).result, "AJO may have received it");
    assert_eq!(app.in_flight(), 0);
}

#[test]
fn journal_failed_sets_the_error_only() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::JournalFailed {
            id: 7,
            error: "database is locked".into(),
        },
    );
    assert_eq!(cmds, []);
    assert_eq!(
        app.last_error.as_deref(),
        Some("journal: database is locked")
    );
    assert_eq!(row(&app, 7).status, "queued");
    assert!(!row(&app, 7).finished);
}

#[test]
fn progress_of_an_unknown_send_is_ignored() {
    let mut app = queued();
    let cmds = progress(
        &mut app,
        Progress::Done {
            id: 99,
            attempts: 1,
            total: Duration::from_millis(1),
            outcome: Outcome::Accepted(accepted()),
        },
    );
    assert_eq!(cmds, []);
    assert_eq!(app.log.len(), 1);
    assert_eq!(row(&app, 7).status, "queued");
}

#[test]
fn in_flight_counts_unfinished_rows() {
    let mut app = app();
    assert_eq!(app.in_flight(), 0);
    for id in 1..=3 {
        submitted(&mut app, id, Event::Update, "order-1");
    }
    assert_eq!(app.in_flight(), 3);
    progress(&mut app, Progress::AttemptStarted { id: 2, attempt: 1 });
    assert_eq!(app.in_flight(), 3, "sending is still in flight");
    progress(
        &mut app,
        Progress::Done {
            id: 2,
            attempts: 1,
            total: Duration::from_millis(5),
            outcome: Outcome::Accepted(accepted()),
        },
    );
    assert_eq!(app.in_flight(), 2);
    progress(
        &mut app,
        Progress::Failed {
            id: 1,
            attempts: 1,
            reason: "refused".into(),
            last: None,
        },
    );
    assert_eq!(app.in_flight(), 1);
}

#[test]
fn the_whole_life_of_one_send() {
    let mut app = app();
    add(&mut app, "order-1");
    fill_start(&mut app);
    let send = the_submit(ch(&mut app, 's'));
    submitted(&mut app, 1, send.event, &send.activity);
    let steps: Vec<(Progress, &str, Vec<Cmd>)> = vec![
        (Progress::Queued { id: 1 }, "queued", vec![]),
        (
            Progress::AttemptStarted { id: 1, attempt: 1 },
            "sending",
            vec![],
        ),
        (
            Progress::Answered {
                id: 1,
                attempt: 1,
                status: 202,
                latency: Duration::from_millis(5),
            },
            "sending",
            vec![],
        ),
        (
            Progress::Done {
                id: 1,
                attempts: 1,
                total: Duration::from_millis(6),
                outcome: Outcome::Accepted(accepted()),
            },
            "accepted",
            vec![Cmd::LoadActivities, Cmd::TokenAge],
        ),
    ];
    for (event, status, cmds) in steps {
        assert_eq!(progress(&mut app, event.clone()), cmds, "{event:?}");
        assert_eq!(row(&app, 1).status, status, "{event:?}");
    }
    assert_eq!(row(&app, 1).activity, "order-1");
    assert_eq!(row(&app, 1).event, Event::Start);
    assert_eq!(row(&app, 1).latency_ms, Some(6));

    let mut started = record("order-1", Lifecycle::Active { updates: 0 });
    started.last_timestamp = Some(NOW);
    assert_eq!(update(&mut app, Msg::Activities(vec![started])), []);
    assert_eq!(app.selected_activity().unwrap().0, "order-1");
    assert_eq!(app.preview.event, Event::Update);
    assert_eq!(
        update(&mut app, Msg::TokenAge(Some(Duration::from_secs(30)))),
        []
    );
    assert_eq!(app.token_age, Some(Duration::from_secs(30)));
}

// ---------------------------------------------------------------------------------------------
// Log pane and the detail

/// Two sends (2 on top of 1), focus on the log.
fn log_app() -> App {
    let mut app = app();
    submitted(&mut app, 1, Event::Start, "order-1");
    submitted(&mut app, 2, Event::Update, "order-1");
    assert_eq!(
        key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT),
        []
    );
    assert_eq!(app.focus, Pane::Log);
    app
}

#[test]
fn j_k_select_log_rows() {
    let mut app = log_app();
    assert_eq!(app.log_selected, 0);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.log_selected, 1);
    assert_eq!(press(&mut app, KeyCode::Down), [], "stops at the last");
    assert_eq!(app.log_selected, 1);
    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(app.log_selected, 0);
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(app.log_selected, 0);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.log_selected, 1);
    submitted(&mut app, 3, Event::End, "order-1");
    assert_eq!(app.log_selected, 0, "a new send selects the top row");
    assert_eq!(app.log[0].id, 3);
}

#[test]
fn enter_on_a_log_row_loads_its_detail() {
    let mut app = log_app();
    assert_eq!(press(&mut app, KeyCode::Enter), [Cmd::LoadDetail(2)]);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(press(&mut app, KeyCode::Enter), [Cmd::LoadDetail(1)]);
    assert!(app.modal.is_none(), "the modal opens with the record");
}

#[test]
fn enter_on_an_empty_log_does_nothing() {
    let mut app = app();
    assert_eq!(
        key_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT),
        []
    );
    assert_eq!(app.focus, Pane::Log);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(ch(&mut app, 'c'), []);
}

#[test]
fn c_cancels_an_unfinished_row_only() {
    let mut app = log_app();
    progress(
        &mut app,
        Progress::Done {
            id: 2,
            attempts: 1,
            total: Duration::from_millis(5),
            outcome: Outcome::Accepted(accepted()),
        },
    );
    assert_eq!(app.log_selected, 0);
    assert_eq!(ch(&mut app, 'c'), [], "send 2 is finished");
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(ch(&mut app, 'c'), [Cmd::Cancel(1)]);
    assert_eq!(row(&app, 1).status, "queued", "the dispatcher says when");
}

#[test]
fn c_outside_the_log_cancels_nothing() {
    let mut app = app();
    submitted(&mut app, 1, Event::Start, "order-1");
    for _ in 0..4 {
        assert_eq!(ch(&mut app, 'c'), [], "{:?}", app.focus);
        assert_eq!(press(&mut app, KeyCode::Tab), []);
    }
    assert_eq!(app.focus, Pane::Log);
    assert_eq!(ch(&mut app, 'c'), [Cmd::Cancel(1)]);
}

#[test]
fn the_detail_opens_scrolls_and_closes() {
    let mut app = log_app();
    assert_eq!(
        update(&mut app, Msg::Detail(Some(Box::new(send_record(2))), None)),
        []
    );
    let scroll = |app: &App| match &app.modal {
        Some(Modal::Detail { record, scroll, .. }) => {
            assert_eq!(record.id, 2);
            *scroll
        }
        other => panic!("expected the detail, got {other:?}"),
    };
    assert_eq!(scroll(&app), 0);
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert_eq!(scroll(&app), 1);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(scroll(&app), 2);
    assert_eq!(press(&mut app, KeyCode::PageDown), []);
    assert_eq!(scroll(&app), 12);
    assert_eq!(press(&mut app, KeyCode::PageUp), []);
    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(press(&mut app, KeyCode::Up), [], "stops at the top");
    assert_eq!(scroll(&app), 0);
    assert_eq!(ch(&mut app, 'c'), [], "no cancel from behind the detail");
    assert_eq!(scroll(&app), 0);
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.modal.is_none());
    assert!(!app.quit);
    assert_eq!(app.focus, Pane::Log);
}

#[test]
fn a_detail_no_longer_in_the_journal() {
    let mut app = log_app();
    assert_eq!(update(&mut app, Msg::Detail(None, None)), []);
    assert!(app.modal.is_none());
    assert_eq!(
        app.last_error.as_deref(),
        Some("that send is no longer in the journal")
    );
}

// ---------------------------------------------------------------------------------------------
// Preview pane and idle messages

#[test]
fn the_preview_pane_scrolls() {
    let mut app = app();
    for _ in 0..3 {
        assert_eq!(press(&mut app, KeyCode::Tab), []);
    }
    assert_eq!(app.focus, Pane::Preview);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(press(&mut app, KeyCode::Down), []);
    assert_eq!(app.preview_scroll, 2);
    assert_eq!(ch(&mut app, 'k'), []);
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(press(&mut app, KeyCode::Up), []);
    assert_eq!(app.preview_scroll, 0);
}

#[test]
fn tick_and_resize_change_nothing() {
    let mut app = app();
    add(&mut app, "order-1");
    let preview = app.preview.clone();
    assert_eq!(update(&mut app, Msg::Tick), []);
    assert_eq!(update(&mut app, Msg::Resize), []);
    assert_eq!(app.preview, preview);
    assert!(!app.quit);
}

// ---------------------------------------------------------------------------------------------
// Known bugs in src/tui (reported, not fixed here). Each test pins today's behaviour and says
// what it should be: when the bug is fixed this test fails and must be turned around.

/// Esc clears the filter and keeps the activity that was selected (the next send goes there).
#[test]
fn esc_on_the_filter_keeps_the_selected_activity() {
    let mut app = app();
    assert_eq!(update(&mut app, Msg::Activities(three_records())), []);
    assert_eq!(ch(&mut app, '/'), []);
    type_text(&mut app, "alpha-3");
    assert_eq!(app.selected_activity().unwrap().0, "alpha-3");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert_eq!(app.filter, "");
    assert_eq!(app.selected_activity().unwrap().0, "alpha-3");
}

/// A paste into the filter narrows the list like typing does, and something stays selected.
#[test]
fn a_pasted_filter_keeps_an_activity_selected() {
    let mut app = app();
    assert_eq!(update(&mut app, Msg::Activities(three_records())), []);
    assert_eq!(press(&mut app, KeyCode::Tab), []);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.selected_activity().unwrap().0, "alpha-3");
    assert_eq!(ch(&mut app, '/'), []);
    assert_eq!(update(&mut app, Msg::Paste("beta".into())), []);
    assert_eq!(visible(&app), ["beta-2"]);
    assert_eq!(app.selected_activity().unwrap().0, "beta-2");
}

/// An enum value outside the list in the raw JSON is refused with its name, and the fields
/// keep what they had.
#[test]
fn an_unknown_enum_value_in_the_raw_json_is_refused_by_name() {
    let mut app = app();
    add(&mut app, "order-1");
    set_ordered(&mut app);
    goto_section(&mut app, Section::Raw);
    assert_eq!(app.form.raw.lines()[2], r#"    "orderStatus": "Ordered""#);
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    for code in [KeyCode::Down, KeyCode::Down, KeyCode::End, KeyCode::Left] {
        assert_eq!(press(&mut app, code), []);
    }
    type_text(&mut app, "X");
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(
        raw(&app).contains(r#""orderStatus": "OrderedX""#),
        "{}",
        raw(&app)
    );
    assert_eq!(order_status(&app), "Ordered", "the field keeps its value");
    assert_eq!(
        app.form.raw_error.as_deref(),
        Some(
            "content-state.orderStatus: `OrderedX` is not one of Ordered, Preparing, OnTheWay, Delivered"
        )
    );
    assert!(
        app.last_error
            .as_deref()
            .is_some_and(|e| e.contains("`OrderedX` is not one of"))
    );
}

/// Command keys are plain: Ctrl-E or Alt-S send nothing (Ctrl-E is "end of line" to many).
#[test]
fn ctrl_or_alt_with_a_command_key_does_nothing() {
    let mut app = app();
    add(&mut app, "order-1");
    set_ordered(&mut app);
    for code in ['e', 's', 'u', 'n', 'q', 'a'] {
        for modifiers in [KeyModifiers::CONTROL, KeyModifiers::ALT] {
            assert_eq!(
                update(
                    &mut app,
                    Msg::Key(KeyEvent::new(KeyCode::Char(code), modifiers))
                ),
                []
            );
        }
    }
    assert!(!app.quit && app.modal.is_none() && app.log.is_empty());
}

// The import box (`i`).

const CURL: &str = "curl -X POST 'https://platform.adobe.io/ajo/im/executions/unitary' \\\n  -H 'x-sandbox-name: prod' \\\n  -d '{\"campaignId\":\"c-9\",\"recipients\":[{\"userId\":\"u\",\"namespace\":\"email\",\"context\":{\"requestPayload\":{\"aps\":{\"event\":\"update\",\"attributes-type\":\"RideAttributes\",\"content-state\":{\"eta\":3}}}}}]}'";

fn import_text(app: &App) -> String {
    match &app.modal {
        Some(Modal::Import { input, .. }) => input.lines().join("\n"),
        other => panic!("expected the import box, got {other:?}"),
    }
}

fn imported_campaign() -> liveact::config::Campaign {
    liveact::ajo::import::import_curl(CURL, Some(&config()))
        .unwrap()
        .campaign
}

#[test]
fn i_opens_the_import_box_and_a_paste_keeps_its_lines_and_asks_for_a_preview() {
    let mut app = app();
    assert_eq!(ch(&mut app, 'i'), []);
    assert_eq!(import_text(&app), "");
    let cmds = update(&mut app, Msg::Paste(CURL.replace('\n', "\r\n")));
    assert_eq!(
        cmds,
        [Cmd::PreviewImport(CURL.into())],
        "CRLF pasted, LF kept"
    );
    assert_eq!(import_text(&app), CURL);
    // Typing edits the text and asks again; Enter is a new line, not a submit.
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        [Cmd::PreviewImport(format!("{CURL}\n"))]
    );
    assert_eq!(
        press(&mut app, KeyCode::Backspace),
        [Cmd::PreviewImport(CURL.into())]
    );
    assert_eq!(press(&mut app, KeyCode::Esc), []);
    assert!(app.modal.is_none());
}

#[test]
fn ctrl_s_adds_only_what_the_preview_accepted() {
    let mut app = app();
    ch(&mut app, 'i');
    assert_eq!(
        key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL),
        []
    );
    assert_eq!(
        app.toast.as_deref(),
        Some("nothing to add: paste the cURL AJO shows for the campaign first")
    );
    update(&mut app, Msg::Paste("curl 'https://example.com/x'".into()));
    update(
        &mut app,
        Msg::ImportPreview(Err("not an AJO execution URL\n  hint: …".into())),
    );
    assert_eq!(
        key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL),
        []
    );
    assert_eq!(
        app.toast.as_deref(),
        Some("nothing to add: not an AJO execution URL")
    );
    assert!(
        matches!(app.modal, Some(Modal::Import { .. })),
        "the box stays"
    );

    let preview = liveact::ajo::import::import_curl(CURL, Some(&config())).map(Box::new);
    update(
        &mut app,
        Msg::ImportPreview(preview.map_err(|e| e.to_string())),
    );
    let text = import_text(&app);
    assert_eq!(
        key_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL),
        [Cmd::AddImported(text)]
    );
}

#[test]
fn an_imported_campaign_is_added_selected_and_a_failure_keeps_the_box() {
    let mut app = app();
    let before = app.campaigns.len();
    ch(&mut app, 'i');
    update(
        &mut app,
        Msg::Imported(Err("campaign `x` already has the id `c-9`".into())),
    );
    assert_eq!(
        app.last_error.as_deref(),
        Some("import: campaign `x` already has the id `c-9`")
    );
    assert!(matches!(app.modal, Some(Modal::Import { .. })));
    assert_eq!(app.campaigns.len(), before);

    let campaign = imported_campaign();
    let message = "added campaign `ride` written to /x/campaigns.d/ride.toml".to_string();
    update(
        &mut app,
        Msg::Imported(Ok((Box::new(campaign.clone()), message.clone()))),
    );
    assert!(app.modal.is_none());
    assert_eq!(app.campaigns.len(), before + 1);
    assert_eq!(app.campaigns[app.campaign].id, "c-9");
    assert_eq!(app.focus, Pane::Campaigns);
    assert_eq!(app.toast.as_deref(), Some(message.as_str()));
    assert_eq!(
        app.form.content_state[0].name, "eta",
        "the form is the new campaign's"
    );
    // The same campaign again (another console session wrote it): selected, not doubled.
    update(&mut app, Msg::Imported(Ok((Box::new(campaign), message))));
    assert_eq!(app.campaigns.len(), before + 1);
}

#[test]
fn a_broadcast_s_schedule_field_schedules_the_send_and_stamps_it_with_its_time() {
    let mut app = app();
    assert_eq!(
        app.form.dates.len(),
        3,
        "a transactional campaign has no schedule"
    );
    assert_eq!(ch(&mut app, 'j'), []);
    assert_eq!(app.current_campaign().unwrap().name, "match-score");
    assert_eq!(ch(&mut app, 'a'), []);
    type_text(&mut app, "chan-7");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    goto_section(&mut app, Section::Dates);
    assert_eq!(app.form.dates[3].name, "schedule");
    for _ in 0..3 {
        assert_eq!(ch(&mut app, 'j'), []);
    }
    edit_field(&mut app, "+1h");
    let send = the_submit(ch(&mut app, 'u'));
    assert_eq!(send.activity, "chan-7");
    assert_eq!(
        send.body["schedule"],
        json!({ "executeAt": "2025-12-04T21:00:00Z" })
    );
    let aps = &send.body["context"]["requestPayload"]["aps"];
    assert_eq!(aps["timestamp"], NOW + 3600);
    assert_eq!(aps["input-push-channel"], "chan-7");

    // A time already past is an error: nothing is sent.
    assert_eq!((app.section, app.field), (Section::Dates, 3));
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    for _ in 0..10 {
        press(&mut app, KeyCode::Backspace);
    }
    type_text(&mut app, "-1m");
    assert_eq!(press(&mut app, KeyCode::Enter), []);
    assert_eq!(ch(&mut app, 'u'), []);
    assert!(app.modal.is_none(), "{:?}", app.modal);
    let error = app.last_error.clone().unwrap_or_default();
    assert!(error.contains("schedule.executeAt"), "{error}");
}

fn schedule(status: &str, execution: Option<liveact::ajo::ExecutionReport>) -> Progress {
    Progress::Followed {
        id: 2,
        followed: liveact::dispatch::Followed::Schedule(liveact::ajo::ScheduleReport {
            schedule_id: "S-1".into(),
            status: status.into(),
            execute_at: Some("2025-12-04T21:00:00Z".into()),
            execution,
        }),
    }
}

fn execution(status: &str) -> liveact::ajo::ExecutionReport {
    liveact::ajo::ExecutionReport {
        execution_id: Some("S-1-RUN".into()),
        status: status.into(),
        targeted: (status == "Succeeded").then_some(3),
        controls: Some(vec![("update".into(), 2), ("end".into(), 0)]),
        last_control_at: None,
    }
}

#[test]
fn a_broadcast_row_follows_its_schedule_and_execution_and_c_cancels_a_schedule() {
    let mut app = log_app();
    let done = Progress::Done {
        id: 2,
        attempts: 1,
        total: Duration::from_millis(4),
        outcome: Outcome::Accepted(answer(202, r#"{"scheduleId":"S-1"}"#)),
    };
    update(&mut app, Msg::Progress(done));
    update(&mut app, Msg::Progress(schedule("Scheduled", None)));
    assert_eq!(
        row(&app, 2).result,
        "S-1 Scheduled for 2025-12-04T21:00:00Z"
    );
    assert_eq!(row(&app, 2).schedule.as_deref(), Some("S-1"));
    // `c` on a finished row with a pending schedule cancels the schedule.
    assert_eq!(
        ch(&mut app, 'c'),
        [Cmd::CancelSchedule {
            id: 2,
            schedule: "S-1".into()
        }]
    );
    assert_eq!(app.toast.as_deref(), Some("cancelling schedule S-1…"));
    let refused = Progress::ScheduleNotCancelled {
        id: 2,
        reason: "AJO did not cancel S-1: HTTP 400: already triggered".into(),
    };
    update(&mut app, Msg::Progress(refused));
    assert_eq!(
        app.last_error.as_deref(),
        Some("AJO did not cancel S-1: HTTP 400: already triggered")
    );

    update(
        &mut app,
        Msg::Progress(schedule("Triggered", Some(execution("InProgress")))),
    );
    assert_eq!(
        row(&app, 2).schedule,
        None,
        "a fired schedule cannot be cancelled"
    );
    assert_eq!(ch(&mut app, 'c'), []);
    let run = Progress::Followed {
        id: 2,
        followed: liveact::dispatch::Followed::Execution(execution("Succeeded")),
    };
    update(&mut app, Msg::Progress(run));
    assert_eq!(
        row(&app, 2).result,
        "S-1-RUN Succeeded · 3 profiles targeted · update 2, end 0"
    );
    let stopped = Progress::FollowStopped {
        id: 2,
        reason: "no final status after 600s".into(),
    };
    update(&mut app, Msg::Progress(stopped));
    assert_eq!(
        app.last_error.as_deref(),
        Some("order-1: no final status after 600s")
    );
}
