//! The console end to end in memory: the real event loop on a `TestBackend` with scripted keys
//! against the embedded mock, snapshots of the main screens, and every terminal size.

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use futures::channel::mpsc::{UnboundedSender, unbounded};
use liveact::ajo::Answer;
use liveact::config::{self, Config};
use liveact::dispatch::{Dispatcher, Outcome, Progress, RetryPolicy, Settings};
use liveact::store::{SendFilter, SendStatus, Store};
use liveact::tui::app::{App, Msg, ProfileInfo, update};
use liveact::tui::importer::Importer;
use liveact::tui::run::{Services, run};
use liveact::tui::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 2025-12-04T20:00:00Z.
const NOW: i64 = 1_764_878_400;

fn example() -> Config {
    config::parse(config::EXAMPLE, Path::new("config.example.toml"), false).unwrap()
}

fn demo_profile() -> ProfileInfo {
    ProfileInfo {
        name: "demo".into(),
        sandbox: "demo".into(),
        production: false,
    }
}

/// An app with a fixed clock and ids `id-1`, `id-2`, …
fn app_at(now: i64) -> App {
    let mut n = 0;
    let ids = Box::new(move || {
        n += 1;
        format!("id-{n}")
    });
    App::new(
        example().campaigns,
        demo_profile(),
        Box::new(move || now),
        ids,
    )
}

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        update(app, key(KeyCode::Char(c)));
    }
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| view::draw(frame, app)).unwrap();
    terminal.backend().to_string()
}

/// An app with an activity, a filled form and three sends in the log.
fn busy_app() -> App {
    let mut app = app_at(NOW);
    update(&mut app, key(KeyCode::Char('a')));
    type_text(&mut app, "order-42");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Char(']')));
    update(&mut app, key(KeyCode::Char('[')));
    update(&mut app, key(KeyCode::Right));
    update(&mut app, key(KeyCode::Char(']')));
    update(&mut app, key(KeyCode::Enter));
    type_text(&mut app, "Order placed");
    update(&mut app, key(KeyCode::Enter));
    update(&mut app, key(KeyCode::Down));
    update(&mut app, key(KeyCode::Enter));
    type_text(&mut app, "The kitchen has it.");
    update(&mut app, key(KeyCode::Enter));
    let answer = |status: u16, body: &str| Answer {
        status,
        headers: vec![],
        body: body.into(),
        latency: Duration::from_millis(12),
    };
    for (id, event) in [
        (1, liveact::activity::Event::Start),
        (2, liveact::activity::Event::Update),
        (3, liveact::activity::Event::Update),
    ] {
        update(
            &mut app,
            Msg::Submitted {
                id,
                event,
                activity: "order-42".into(),
            },
        );
    }
    let done = |id, outcome| {
        Msg::Progress(Progress::Done {
            id,
            attempts: 1,
            total: Duration::from_millis(14),
            outcome,
        })
    };
    update(
        &mut app,
        done(
            1,
            Outcome::Accepted(answer(202, r#"{"executionId":"MOCK-1"}"#)),
        ),
    );
    update(
        &mut app,
        done(
            2,
            Outcome::Rejected(answer(
                404,
                r#"{"title":"Cannot find the Campaign","status":404}"#,
            )),
        ),
    );
    update(
        &mut app,
        Msg::Progress(Progress::AttemptStarted { id: 3, attempt: 1 }),
    );
    app
}

#[test]
fn snapshots_of_the_main_screens() {
    let empty = app_at(NOW);
    insta::assert_snapshot!("empty_160x48", screen(&empty, 160, 48));
    insta::assert_snapshot!("empty_80x24", screen(&empty, 80, 24));
    let mut busy = busy_app();
    insta::assert_snapshot!("busy_160x48", screen(&busy, 160, 48));
    update(&mut busy, key(KeyCode::Tab));
    update(&mut busy, key(KeyCode::Tab));
    insta::assert_snapshot!("busy_log_80x24", screen(&busy, 80, 24));
    update(&mut busy, key(KeyCode::Char('?')));
    insta::assert_snapshot!("help_80x24", screen(&busy, 80, 24));
    insta::assert_snapshot!("too_small", screen(&empty, 59, 16));
}

#[test]
fn no_size_panics_and_small_ones_say_what_is_needed() {
    let mut app = busy_app();
    for (w, h) in [(1, 1), (59, 40), (120, 15)] {
        let text = screen(&app, w.max(1), h);
        if w >= 40 {
            assert!(
                text.contains(&format!("terminal too small ({w}×{h}, needs 60×16)")),
                "{text}"
            );
        }
    }
    // Every size up to 120×40 with the help open (the panes draw under it), then the add box.
    update(&mut app, key(KeyCode::Char('?')));
    for width in 1..=120u16 {
        for height in 1..=40u16 {
            screen(&app, width, height);
        }
    }
    update(&mut app, key(KeyCode::Esc));
    update(&mut app, key(KeyCode::Char('a')));
    for width in 1..=120u16 {
        for height in [1, 2, 3, 5, 15, 16, 17, 24] {
            screen(&app, width, height);
        }
    }
}

#[test]
fn the_lock_card_and_the_byte_meter_follow_the_form() {
    let app = busy_app();
    let text = screen(&app, 160, 48);
    assert!(
        text.contains("Pizza: Ordered"),
        "the card fills the preview template: {text}"
    );
    assert!(
        text.contains("Order placed The kitchen has it."),
        "the alert banner shows: {text}"
    );
    assert!(text.contains("/ 4096 bytes · start ▸ order-42"), "{text}");
}

/// Drives the real loop: keys go in through a channel, like a terminal's event stream.
struct Driver {
    keys: UnboundedSender<std::io::Result<TermEvent>>,
}

impl Driver {
    fn press(&self, code: KeyCode) {
        self.keys
            .unbounded_send(Ok(TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE))))
            .unwrap();
    }

    fn type_text(&self, text: &str) {
        text.chars().for_each(|c| self.press(KeyCode::Char(c)));
    }

    fn paste(&self, text: &str) {
        self.keys
            .unbounded_send(Ok(TermEvent::Paste(text.into())))
            .unwrap();
    }

    fn ctrl(&self, c: char) {
        let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
        self.keys.unbounded_send(Ok(TermEvent::Key(key))).unwrap();
    }
}

/// What AJO shows after activating a transactional campaign, with a real token pasted in.
const PASTED_CURL: &str = r#"curl -X POST 'https://platform.adobe.io/ajo/im/executions/unitary' \
  -H 'Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.real-token-value' \
  -H 'x-api-key: {API_KEY}' \
  -H 'x-gw-ims-org-id: {ORG_ID}' \
  -H 'x-sandbox-name: prod' \
  -H 'Content-Type: application/json' \
  -d '{
  "requestId": "your-request-id",
  "campaignId": "imported-campaign-id",
  "recipients": [{
    "type": "aep", "userId": "rider@example.com", "namespace": "email",
    "context": { "requestPayload": { "aps": {
      "content-available": 1, "timestamp": 1756984054, "event": "update",
      "content-state": { "eta": 12, "driver": "Sam" },
      "attributes-type": "RideLiveActivityAttributes",
      "attributes": { "liveActivityData": { "liveActivityID": "ride-1" }, "city": "Lyon" }
    } } }
  }]
}'"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_curl_becomes_a_campaign_the_mock_accepts() {
    let editor = Box::new(|_: &str| Err("no editor in this test".to_string()));
    let Demo {
        mut services,
        store,
        mock,
        mut app,
        _state,
    } = demo(Recorder::default(), editor).await;
    let (keys, input) = unbounded();
    let driver = Driver { keys };
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let script = async {
        driver.press(KeyCode::Char('i'));
        driver.paste(PASTED_CURL);
        driver.ctrl('s');
        driver.press(KeyCode::Char('a'));
        driver.type_text("ride-1");
        driver.press(KeyCode::Enter);
        driver.press(KeyCode::Char('u'));
        // An update to an activity never started: confirm the warning.
        driver.press(KeyCode::Char('y'));
        accepted(&store, 1).await;
        driver.press(KeyCode::Char('q'));
    };
    let (looped, ()) = tokio::join!(run(&mut terminal, &mut app, input, &mut services), script);
    looped.unwrap();

    let added = app.campaigns.last().unwrap();
    assert_eq!(
        (added.name.as_str(), added.id.as_str()),
        ("ride", "imported-campaign-id")
    );
    assert_eq!(
        app.campaigns[app.campaign].id, "imported-campaign-id",
        "it is selected"
    );
    let sends = store.sends(&SendFilter::default()).unwrap();
    assert_eq!(
        (sends[0].campaign.as_str(), sends[0].status),
        ("ride", SendStatus::Accepted)
    );
    assert_eq!(
        sends[0].request_body["recipients"][0]["context"]["requestPayload"]["aps"]["content-state"],
        serde_json::json!({ "eta": 12, "driver": "Sam" })
    );
    let stats: Value = serde_json::from_str(
        &reqwest::get(format!("http://{}/_mock/stats", mock.addr()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(stats["executions"][0]["campaignId"], "imported-campaign-id");
    assert_eq!(stats["executions"][0]["status"], 202);
}

#[test]
fn the_import_box_previews_the_entry_and_never_draws_a_pasted_token() {
    let mut app = app_at(NOW);
    update(&mut app, key(KeyCode::Char('i')));
    update(&mut app, Msg::Paste(PASTED_CURL.into()));
    let importer = Importer::new(example(), false, None);
    let text = match &app.modal {
        Some(liveact::tui::app::Modal::Import { input, .. }) => input.lines().join("\n"),
        other => panic!("expected the import box, got {other:?}"),
    };
    assert_eq!(text, PASTED_CURL, "the paste keeps its lines");
    update(&mut app, Msg::ImportPreview(importer.preview(&text)));
    let shown = screen(&app, 120, 40);
    assert!(!shown.contains("real-token-value"), "{shown}");
    assert!(shown.contains("Bearer ****"), "{shown}");
    assert!(shown.contains("id = \"imported-campaign-id\""), "{shown}");
    assert!(shown.contains("Ctrl-S adds"), "{shown}");
}

/// Waits until the journal holds `count` accepted sends.
async fn accepted(store: &Store, count: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let sends = store.sends(&SendFilter::default()).unwrap();
        if sends
            .iter()
            .filter(|s| s.status == SendStatus::Accepted)
            .count()
            >= count
        {
            return;
        }
        assert!(Instant::now() < deadline, "only {sends:?}");
        tokio::task::yield_now().await;
    }
}

/// The console's services on the demo profile (the embedded mock on an ephemeral loopback
/// port, as `liveact --demo`), a fresh journal, and an app with real time and ids.
struct Demo {
    services: Services,
    store: Arc<Store>,
    mock: liveact::mock::MockServer,
    app: App,
    _state: tempfile::TempDir,
}

async fn demo(clipboard: Recorder, editor: liveact::tui::run::Editor) -> Demo {
    let config = example();
    let profile = config.profile(Some("demo")).unwrap();
    let connection = liveact::connect::connect(&config, profile, &|_| None)
        .await
        .unwrap();
    let mock = connection
        .mock
        .expect("a mock profile runs the embedded mock");
    let state = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(state.path()).unwrap());
    let settings = Settings {
        concurrency: 4,
        rate_per_second: None,
        retry: RetryPolicy::default(),
        follow: Some(liveact::dispatch::FollowPolicy::default()),
    };
    let (dispatcher, progress) =
        Dispatcher::new(connection.client, Arc::clone(&store), "demo", settings);
    let services = Services {
        dispatcher,
        progress,
        store: Arc::clone(&store),
        theme: liveact::tui::theme::Theme::default(),
        profile: profile.clone(),
        clipboard: Box::new(clipboard),
        editor,
        importer: Importer::new(config.clone(), false, Some(mock.campaigns())),
    };
    let app = App::new(
        config.campaigns.clone(),
        demo_profile(),
        Box::new(liveact::activity::dates::unix_now),
        Box::new(liveact::activity::new_request_id),
    );
    Demo {
        services,
        store,
        mock,
        app,
        _state: state,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_real_loop_walks_one_delivery_start_two_updates_end() {
    let clipboard = Recorder::default();
    // A scripted editor: the driver's E turns OnTheWay into Delivered in the raw JSON.
    let editor = Box::new(|text: &str| {
        liveact::tui::external::edit_with("sed -i s/OnTheWay/Delivered/", text)
    });
    let Demo {
        mut services,
        store,
        mock,
        mut app,
        _state,
    } = demo(clipboard.clone(), editor).await;
    let (keys, input) = unbounded();
    let driver = Driver { keys };

    let script = async {
        driver.press(KeyCode::Char('a'));
        driver.type_text("order-9");
        driver.press(KeyCode::Enter);
        driver.press(KeyCode::Char('n')); // step 1: start, Ordered, with its alert
        accepted(&store, 1).await;
        driver.press(KeyCode::Char('n')); // step 2: update, Preparing
        accepted(&store, 2).await;
        driver.press(KeyCode::Char('n')); // step 3: update, OnTheWay
        accepted(&store, 3).await;
        driver.press(KeyCode::Char('E')); // the scripted editor sets Delivered
        driver.press(KeyCode::Char('e')); // end with what the form holds
        accepted(&store, 4).await;
        // Copy the request as cURL, then again in presenter mode: the recipient is masked.
        driver.press(KeyCode::Char('y'));
        driver.press(KeyCode::Char('P'));
        driver.press(KeyCode::Char('y'));
        driver.press(KeyCode::Char('q'));
    };
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    let (looped, ()) = tokio::join!(run(&mut terminal, &mut app, input, &mut services), script);
    looped.unwrap();

    let statuses: Vec<(String, String)> = app
        .log
        .iter()
        .rev()
        .map(|r| (r.event.to_string(), r.status.clone()))
        .collect();
    let expected: Vec<(String, String)> = ["start", "update", "update", "end"]
        .iter()
        .map(|e| (e.to_string(), "accepted".to_string()))
        .collect();
    assert_eq!(statuses, expected);
    let shown = terminal.backend().to_string();
    assert_eq!(
        shown.matches("accepted").count(),
        4,
        "the log shows four accepted sends:\n{shown}"
    );

    let device: Value = serde_json::from_str(
        &reqwest::get(format!("http://{}/_mock/device", mock.addr()))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let activity = device["activities"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.contains("order-9"))
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(activity["state"], "ended", "{device}");
    assert_eq!(
        activity["content_state"]["orderStatus"], "Delivered",
        "the edit made in $EDITOR was sent: {device}"
    );
    assert_eq!(
        device["dropped"].as_array().map(Vec::len),
        Some(0),
        "nothing was dropped: {device}"
    );
    let copies = clipboard.copies();
    assert_eq!(copies.len(), 2, "two OSC 52 sequences");
    assert!(copies[0].starts_with("#!/bin/sh\n"), "{}", copies[0]);
    assert!(
        copies[0].contains("\"userId\": \"testemail@gmail.com\""),
        "{}",
        copies[0]
    );
    assert!(
        !copies[1].contains("testemail@gmail.com"),
        "presenter mode masks what is copied: {}",
        copies[1]
    );
    assert!(
        copies[1].contains("\"userId\": \"•••••••••••••••••••\""),
        "{}",
        copies[1]
    );
    mock.shutdown().await;
}

/// Records what the console writes to the clipboard channel.
#[derive(Clone, Default)]
struct Recorder(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Recorder {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Recorder {
    /// The texts of the OSC 52 sequences written (`ESC ] 52 ; c ; BASE64 BEL`), decoded.
    fn copies(&self) -> Vec<String> {
        use base64::Engine;
        let bytes = self.0.lock().unwrap().clone();
        let text = String::from_utf8(bytes).unwrap();
        text.split("\x1b]52;c;")
            .skip(1)
            .map(|part| {
                let encoded = part.split(['\x07', '\x1b']).next().unwrap();
                String::from_utf8(
                    base64::engine::general_purpose::STANDARD
                        .decode(encoded)
                        .unwrap(),
                )
                .unwrap()
            })
            .collect()
    }
}

#[test]
fn presenter_mode_leaves_no_id_on_any_screen() {
    let mut app = busy_app();
    app.hide(["LIVEACTDEMO@AdobeOrg".to_string()]);
    update(&mut app, key(KeyCode::Char('P')));
    for (width, height) in [(160, 48), (80, 24), (100, 30)] {
        for focus in 0..5 {
            let text = screen(&app, width, height);
            assert!(!text.contains("testemail"), "{width}x{height}:\n{text}");
            assert!(text.contains("PRESENTING"), "the banner shows");
            update(&mut app, key(KeyCode::Tab));
            let _ = focus;
        }
    }
    insta::assert_snapshot!("presenting_160x48", screen(&app, 160, 48));
}

/// The screen drawn with `theme`, styles included.
fn themed(
    app: &App,
    theme: &liveact::tui::theme::Theme,
    width: u16,
    height: u16,
) -> ratatui::buffer::Buffer {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view::draw_with(frame, app, theme))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The style of the first cell of the first `text` on screen (one cell per character).
fn style_of(buffer: &ratatui::buffer::Buffer, text: &str) -> ratatui::style::Style {
    let area = buffer.area;
    for y in area.top()..area.bottom() {
        let row: Vec<&str> = (area.left()..area.right())
            .map(|x| buffer[(x, y)].symbol())
            .collect();
        let line = row.concat();
        if let Some(at) = line.find(text) {
            let column = line[..at].chars().count() as u16;
            return buffer[(area.left() + column, y)].style();
        }
    }
    panic!("`{text}` is not on screen");
}

#[test]
fn no_color_draws_without_any_colour_and_keeps_the_highlights() {
    use liveact::tui::theme::{ColorDepth, Sources, Theme};
    use ratatui::style::{Color, Modifier};
    let theme = Theme::load(&Sources::default(), ColorDepth::NoColor);
    let mut app = busy_app();
    let mut screens = vec![themed(&app, &theme, 160, 48), themed(&app, &theme, 80, 24)];
    update(&mut app, key(KeyCode::Char('?')));
    screens.push(themed(&app, &theme, 80, 24));
    for buffer in &screens {
        for cell in &buffer.content {
            assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
        }
        assert!(
            buffer
                .content
                .iter()
                .any(|c| c.modifier.contains(Modifier::REVERSED)),
            "a selection shows"
        );
    }
    let wide = &screens[0];
    assert!(
        style_of(wide, "▶ Editor")
            .add_modifier
            .contains(Modifier::BOLD)
    );
    assert!(
        style_of(wide, "rejected")
            .add_modifier
            .contains(Modifier::BOLD | Modifier::UNDERLINED)
    );
}

#[test]
fn the_default_theme_colours_each_role_and_leaves_the_text_alone() {
    use liveact::tui::theme::Theme;
    use ratatui::style::{Color, Modifier};
    let app = busy_app();
    let buffer = themed(&app, &Theme::default(), 160, 48);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    assert_eq!(
        &buffer,
        terminal.backend().buffer(),
        "draw uses the default theme"
    );
    let focus = style_of(&buffer, "▶ Editor");
    assert_eq!(focus.fg, Some(Color::Cyan));
    assert!(focus.add_modifier.contains(Modifier::BOLD));
    assert_eq!(style_of(&buffer, "Campaigns").fg, Some(Color::DarkGray));
    assert_eq!(style_of(&buffer, "accepted").fg, Some(Color::Green));
    assert_eq!(style_of(&buffer, "rejected").fg, Some(Color::Red));
    assert_eq!(style_of(&buffer, "202").fg, Some(Color::Green), "2xx");
    assert_eq!(style_of(&buffer, "404").fg, Some(Color::Yellow), "4xx");
    assert_eq!(
        style_of(&buffer, "\"requestId\"").fg,
        Some(Color::Cyan),
        "json key"
    );
}

#[test]
fn theme_warnings_show_in_the_status_bar_when_nothing_else_does() {
    use liveact::tui::theme::Theme;
    use ratatui::style::Color;
    let theme = Theme {
        warnings: vec![
            "theme /x.toml: line 3: unknown role `boarder`; using the default for it".into(),
            "theme /x.toml: line 4: role `error`: `reddish` is not a colour".into(),
        ],
        ..Theme::default()
    };
    let mut app = app_at(NOW);
    let buffer = themed(&app, &theme, 160, 48);
    let warning =
        "theme /x.toml: line 3: unknown role `boarder`; using the default for it (+1 more)";
    assert_eq!(style_of(&buffer, warning).fg, Some(Color::Yellow));
    update(&mut app, Msg::SubmitFailed("the journal is locked".into()));
    let buffer = themed(&app, &theme, 160, 48);
    assert_eq!(
        style_of(&buffer, "not sent: the journal is locked").fg,
        Some(Color::Red),
        "an error comes first"
    );
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal
        .draw(|frame| view::draw_with(frame, &app, &theme))
        .unwrap();
    assert!(!terminal.backend().to_string().contains("unknown role"));
}

#[test]
fn a_broadcast_s_detail_shows_its_schedule_and_execution_from_the_journal() {
    use liveact::activity::Event;
    use liveact::ajo::{ExecutionReport, ScheduleReport};
    use liveact::store::{Completion, NewSend};
    let state = tempfile::tempdir().unwrap();
    let store = Store::open(state.path()).unwrap();
    let body = serde_json::json!({ "campaignId": "c", "audience": { "id": "a" } });
    let id = store
        .begin_send(&NewSend {
            profile: "demo",
            campaign: "match-score",
            activity: "chan-1",
            event: Event::Update,
            request_id: "r-1",
            endpoint: "/im/executions/audience",
            body: &body,
            recipient: Some("a"),
            dry_run: false,
            now_ms: NOW * 1000,
        })
        .unwrap();
    let answer =
        r#"{"scheduleId":"S-1","scheduleStatus":"Scheduled","executeAt":"2025-12-04T21:00:00Z"}"#;
    store
        .complete_send(
            id,
            &Completion {
                status: SendStatus::Accepted,
                http_status: Some(202),
                response_headers: &[],
                response_body: Some(answer),
                attempts: 1,
                latency_ms: Some(4),
                execution_id: None,
                error: None,
                now_ms: NOW * 1000 + 4,
            },
        )
        .unwrap();
    let scheduled = ScheduleReport::read(answer).unwrap();
    store.track_run(id, Some(&scheduled), None).unwrap();
    let run = ExecutionReport {
        execution_id: Some("S-1-RUN".into()),
        status: "Succeeded".into(),
        targeted: Some(3),
        controls: Some(vec![("update".into(), 2), ("end".into(), 0)]),
        last_control_at: Some("2025-12-04T21:00:01Z".into()),
    };
    let fired = ScheduleReport {
        status: "Triggered".into(),
        execution: Some(run.clone()),
        ..scheduled
    };
    assert!(store.schedule_reported(&fired).unwrap());
    assert!(store.execution_reported("S-1-RUN", &run).unwrap());
    assert!(!store.execution_reported("unknown", &run).unwrap());

    let mut app = app_at(NOW);
    let record = store.send(id).unwrap().map(Box::new);
    let tracked = store.run(id).unwrap().map(Box::new);
    update(&mut app, Msg::Detail(record, tracked));
    let mut terminal = Terminal::new(TestBackend::new(120, 80)).unwrap();
    terminal.draw(|frame| view::draw(frame, &app)).unwrap();
    let shown = terminal.backend().to_string();
    for expected in [
        "Broadcast",
        "schedule S-1: Triggered, runs at 2025-12-04T21:00:00Z",
        "execution S-1-RUN",
        "status: Succeeded",
        "targeted profiles: 3",
        "update controls: 2",
        "last control at 2025-12-04T21:00:01Z",
    ] {
        assert!(shown.contains(expected), "{expected} missing:\n{shown}");
    }
}
