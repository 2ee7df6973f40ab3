//! The embedded mock AJO + IMS over real loopback HTTP: IMS tokens, gateway checks, AJO's
//! request contract and error shapes, the simulated device, fault injection and `/_mock/*`.

use liveact::activity::{Alert, Draft, Event, Target, build_request, new_request_id};
use liveact::config::{self, Campaign, Recipient};
use liveact::mock::{Faults, MockServer, MockSettings};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "client-id-1";
const SECRET: &str = "client-secret-1";
const NOW: i64 = 1_764_878_400;
const SCOPES: &str = "openid,AdobeID,read_organizations";

fn campaign(name: &str) -> Campaign {
    let config = config::parse(config::EXAMPLE, Path::new("config.example.toml"), false)
        .expect("the example config loads");
    config.campaign(name).expect("example campaign").clone()
}

/// The example's transactional campaign (unitary endpoint, `orderStatus` enum).
fn food() -> Campaign {
    campaign("food-delivery")
}

/// The example's marketing campaign (audience endpoint, broadcast channel).
fn match_score() -> Campaign {
    campaign("match-score")
}

fn recipient(user_id: &str) -> Recipient {
    Recipient {
        user_id: user_id.into(),
        namespace: "email".into(),
    }
}

/// A draft of `campaign` for `event`, with an alert on start and a dismissal date on end.
fn draft(campaign: &Campaign, event: Event, ts: i64, sets: &[&str]) -> Draft {
    let mut draft = Draft::from_campaign(campaign, event, ts);
    for set in sets {
        draft.set(campaign, set, ts).expect("valid --set");
    }
    if event == Event::Start {
        draft.alert = Some(Alert {
            title: "Started".into(),
            body: "It has begun.".into(),
            sound: None,
        });
    }
    if event == Event::End {
        draft.dismissal_date = Some(ts + 900);
    }
    draft
}

/// A unitary body for the food-delivery campaign.
fn food_body(activity: &str, draft: &Draft, ts: i64) -> Value {
    let recipients = [recipient("testemail@gmail.com")];
    build_request(
        &food(),
        Target::Recipients(&recipients),
        activity,
        draft,
        &new_request_id(),
        ts,
    )
    .body
}

/// A unitary body setting `orderStatus`.
fn food_push(activity: &str, event: Event, status: &str, ts: i64) -> Value {
    let draft = draft(&food(), event, ts, &[&format!("orderStatus={status}")]);
    food_body(activity, &draft, ts)
}

/// An audience body for the match-score campaign on `channel`.
fn match_push(channel: &str, event: Event, sets: &[&str], ts: i64) -> Value {
    let campaign = match_score();
    let draft = draft(&campaign, event, ts, sets);
    build_request(
        &campaign,
        Target::Audience("audience-1"),
        channel,
        &draft,
        &new_request_id(),
        ts,
    )
    .body
}

/// One HTTP answer.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    /// Asserts AJO's `errorResponse` shape with this status and returns the title.
    fn ajo_error(&self, status: u16) -> String {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        let kind = self.body["type"].as_str().expect("type");
        assert!(
            kind.starts_with("https://ns.adobe.com/aep/errors/MSG-")
                && kind.ends_with(&format!("-{status}")),
            "{kind}"
        );
        assert_eq!(self.body["status"], json!(status));
        assert!(self.body["report"]["additionalContext"].is_object());
        self.body["title"].as_str().expect("title").to_string()
    }

    /// Asserts the gateway's `{error_code, message}` shape.
    fn gateway_error(&self, status: u16, code: &str, message: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.body);
        assert_eq!(self.body, json!({ "error_code": code, "message": message }));
    }
}

/// A running mock and an HTTP client that ignores proxies.
struct Mock {
    server: MockServer,
    http: Client,
}

async fn start(faults: Faults) -> Mock {
    start_with(MockSettings {
        campaigns: vec![food(), match_score()],
        credentials: Some((CLIENT_ID.into(), SECRET.into())),
        faults,
    })
    .await
}

async fn start_with(settings: MockSettings) -> Mock {
    let server = MockServer::start("127.0.0.1:0".parse().unwrap(), settings)
        .await
        .expect("the mock binds an ephemeral port");
    let http = Client::builder().no_proxy().build().expect("http client");
    Mock { server, http }
}

/// The headers a well-behaved client sends with `token`.
fn headers(token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("authorization", format!("Bearer {token}")),
        ("x-api-key", CLIENT_ID.to_string()),
        ("x-gw-ims-org-id", "ORG@AdobeOrg".to_string()),
        ("x-sandbox-name", "prod".to_string()),
        ("content-type", "application/json".to_string()),
    ]
}

fn without(mut headers: Vec<(&'static str, String)>, name: &str) -> Vec<(&'static str, String)> {
    headers.retain(|(n, _)| *n != name);
    headers
}

impl Mock {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr())
    }

    async fn ims(&self, form: &[(&str, &str)]) -> Answer {
        let response = self
            .http
            .post(self.server.ims_url())
            .form(form)
            .send()
            .await
            .expect("IMS answers");
        answer(response).await
    }

    /// A token for the configured credentials.
    async fn token(&self) -> String {
        let answer = self
            .ims(&[
                ("grant_type", "client_credentials"),
                ("client_id", CLIENT_ID),
                ("client_secret", SECRET),
                ("scope", SCOPES),
            ])
            .await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, String)],
        body: Option<Vec<u8>>,
    ) -> Answer {
        let url = format!("{}{path}", self.server.base_url());
        let mut request = self.http.request(method, url);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        if let Some(body) = body {
            request = request.body(body);
        }
        answer(request.send().await.expect("the mock answers")).await
    }

    /// `POST` of a JSON body below the AJO base URL.
    async fn post(&self, path: &str, headers: &[(&str, String)], body: &Value) -> Answer {
        let bytes = serde_json::to_vec(body).expect("JSON");
        self.send(Method::POST, path, headers, Some(bytes)).await
    }

    async fn unitary(&self, token: &str, body: &Value) -> Answer {
        self.post("/im/executions/unitary", &headers(token), body)
            .await
    }

    async fn audience(&self, token: &str, body: &Value) -> Answer {
        self.post("/im/executions/audience", &headers(token), body)
            .await
    }

    async fn mock_get(&self, path: &str) -> Value {
        let response = self.http.get(self.url(path)).send().await.expect("answer");
        assert_eq!(response.status(), StatusCode::OK);
        answer(response).await.body
    }

    async fn device(&self) -> Value {
        self.mock_get("/_mock/device").await
    }

    async fn stats(&self) -> Value {
        self.mock_get("/_mock/stats").await
    }

    /// Polls `GET path` (below the AJO base URL) until `key` reads `value`; returns that body.
    async fn poll_until(&self, token: &str, path: &str, key: &str, value: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let answer = self.send(Method::GET, path, &headers(token), None).await;
            assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
            if answer.body[key] == value {
                return answer.body;
            }
            assert!(
                Instant::now() < deadline,
                "{key} never became {value}: {}",
                answer.body
            );
            // Each poll is a round trip to the mock: no pause is needed between them.
            tokio::task::yield_now().await;
        }
    }

    async fn execution_until(&self, token: &str, id: &str, status: &str) -> Value {
        let path = format!("/im/executions/audience/{id}");
        self.poll_until(token, &path, "status", status).await
    }

    async fn schedule_until(&self, token: &str, id: &str, status: &str) -> Value {
        let path = format!("/im/executions/schedules/{id}");
        self.poll_until(token, &path, "scheduleStatus", status)
            .await
    }
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    };
    Answer {
        status,
        headers,
        body,
    }
}

/// The `dropped` reasons of the device, in order.
fn dropped_reasons(device: &Value) -> Vec<String> {
    device["dropped"]
        .as_array()
        .expect("dropped")
        .iter()
        .map(|d| d["reason"].as_str().expect("reason").to_string())
        .collect()
}

#[tokio::test]
async fn token_is_issued_and_accepted() {
    let mock = start(Faults::default()).await;
    let answer = mock
        .ims(&[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("scope", SCOPES),
        ])
        .await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body["token_type"], "bearer");
    assert_eq!(answer.body["expires_in"], 86_399);
    let token = answer.body["access_token"].as_str().unwrap().to_string();
    assert!(!token.is_empty());
    assert_ne!(mock.token().await, token, "every token is fresh");

    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    let accepted = mock.unitary(&token, &body).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    assert_eq!(accepted.body["executionId"], "MOCK-1");
    assert_eq!(accepted.body["requestId"], body["requestId"]);
    let created = accepted.body["createdAt"].as_str().unwrap();
    assert!(created.parse::<jiff::Timestamp>().is_ok(), "{created}");
}

#[tokio::test]
async fn ims_refuses_wrong_credentials_and_grants() {
    let mock = start(Faults::default()).await;
    let form = |grant: &'static str, id: &'static str, secret: &'static str| {
        [
            ("grant_type", grant),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", SCOPES),
        ]
    };
    let wrong_secret = mock
        .ims(&form("client_credentials", CLIENT_ID, "nope"))
        .await;
    assert_eq!(wrong_secret.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong_secret.body,
        json!({"error": "invalid_client", "error_description": "invalid client_secret parameter"})
    );
    let wrong_id = mock.ims(&form("client_credentials", "other", SECRET)).await;
    assert_eq!(wrong_id.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong_id.body["error"], "invalid_client");
    let wrong_grant = mock.ims(&form("password", CLIENT_ID, SECRET)).await;
    assert_eq!(wrong_grant.status, StatusCode::BAD_REQUEST);
    assert!(wrong_grant.body["error_description"].is_string());
    let no_grant = mock
        .ims(&[("client_id", CLIENT_ID), ("client_secret", SECRET)])
        .await;
    assert_eq!(no_grant.status, StatusCode::BAD_REQUEST);
    mock.token().await;

    let stats = mock.stats().await;
    assert_eq!(stats["token_requests"], 5);
    assert_eq!(stats["tokens_issued"], 1);
}

#[tokio::test]
async fn without_configured_credentials_any_non_empty_pair_gets_a_token() {
    let mock = start_with(MockSettings {
        campaigns: vec![food()],
        credentials: None,
        faults: Faults::default(),
    })
    .await;
    let pair = |id: &'static str, secret: &'static str| {
        [
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
            ("scope", SCOPES),
        ]
    };
    assert_eq!(
        mock.ims(&pair("anyone", "anything")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        mock.ims(&pair("anyone", "")).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        mock.ims(&pair("", "anything")).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn missing_unknown_and_expired_tokens_are_401() {
    let mock = start(Faults::default()).await;
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    let missing = mock
        .post(
            "/im/executions/unitary",
            &without(headers("x"), "authorization"),
            &body,
        )
        .await;
    missing.gateway_error(401, "401013", "Oauth token is not valid");
    let unknown = mock.unitary("not-a-token-it-issued", &body).await;
    unknown.gateway_error(401, "401013", "Oauth token is not valid");
    let basic = mock
        .post(
            "/im/executions/unitary",
            &[
                ("authorization", "Basic abc".to_string()),
                ("x-api-key", CLIENT_ID.to_string()),
            ],
            &body,
        )
        .await;
    basic.gateway_error(401, "401013", "Oauth token is not valid");

    let short_lived = start(Faults {
        token_ttl: Duration::ZERO,
        ..Faults::default()
    })
    .await;
    let expired = short_lived.token().await;
    let answer = short_lived.unitary(&expired, &body).await;
    answer.gateway_error(401, "401013", "Oauth token is not valid");

    // Calls refused by the gateway never reach AJO: nothing logged, nothing on the device.
    assert_eq!(mock.stats().await["executions"], json!([]));
    assert_eq!(short_lived.stats().await["executions"], json!([]));
    assert_eq!(mock.device().await["activities"], json!({}));
}

#[tokio::test]
async fn api_key_missing_or_not_the_tokens_client_is_403() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    let missing = mock
        .post(
            "/im/executions/unitary",
            &without(headers(&token), "x-api-key"),
            &body,
        )
        .await;
    missing.gateway_error(403, "403000", "Api Key is required");
    let mut foreign = without(headers(&token), "x-api-key");
    foreign.push(("x-api-key", "someone-else".into()));
    let foreign = mock.post("/im/executions/unitary", &foreign, &body).await;
    foreign.gateway_error(403, "403003", "Api Key is invalid");
}

#[tokio::test]
async fn missing_org_or_sandbox_and_wrong_content_type_are_refused() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    for header in ["x-sandbox-name", "x-gw-ims-org-id"] {
        let answer = mock
            .post(
                "/im/executions/unitary",
                &without(headers(&token), header),
                &body,
            )
            .await;
        let title = answer.ajo_error(400);
        assert!(title.contains(header), "{title}");
        assert_eq!(
            answer.body["report"]["additionalContext"]["requestId"],
            body["requestId"]
        );
    }
    let mut text = without(headers(&token), "content-type");
    text.push(("content-type", "text/plain".into()));
    mock.post("/im/executions/unitary", &text, &body)
        .await
        .ajo_error(415);
    let mut charset = without(headers(&token), "content-type");
    charset.push(("content-type", "application/json; charset=utf-8".into()));
    let answer = mock.post("/im/executions/unitary", &charset, &body).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
}

#[tokio::test]
async fn unknown_campaign_is_404_in_ajo_shape() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let mut body = food_push("order-1", Event::Start, "Ordered", NOW);
    body["campaignId"] = json!("no-such-campaign");
    let answer = mock.unitary(&token, &body).await;
    assert_eq!(answer.ajo_error(404), "Cannot find the Campaign");
    assert_eq!(
        answer.body["report"]["additionalContext"],
        json!({ "requestId": body["requestId"], "campaignId": "no-such-campaign" })
    );
}

#[tokio::test]
async fn campaigns_only_run_on_the_endpoint_of_their_kind() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let mut broadcast = match_push("chan-1", Event::Start, &[], NOW);
    broadcast["campaignId"] = json!(food().id);
    mock.audience(&token, &broadcast).await.ajo_error(400);
    let mut unitary = food_push("order-1", Event::Start, "Ordered", NOW);
    unitary["campaignId"] = json!(match_score().id);
    mock.unitary(&token, &unitary).await.ajo_error(400);
    assert_eq!(mock.device().await["activities"], json!({}));
}

#[tokio::test]
async fn recipients_are_checked_like_the_openapi_file_says() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let campaign = food();
    let draft = draft(&campaign, Event::Start, NOW, &["orderStatus=Ordered"]);
    let body_for = |recipients: &[Recipient]| {
        build_request(
            &campaign,
            Target::Recipients(recipients),
            "order-1",
            &draft,
            &new_request_id(),
            NOW,
        )
        .body
    };
    let many: Vec<Recipient> = (0..21).map(|i| recipient(&format!("u{i}@x.com"))).collect();
    let title = mock.unitary(&token, &body_for(&many)).await.ajo_error(400);
    assert!(title.contains("21"), "{title}");
    let title = mock
        .unitary(
            &token,
            &body_for(&[recipient("a@x.com"), recipient("a@x.com")]),
        )
        .await
        .ajo_error(400);
    assert!(title.contains("duplicate"), "{title}");
    let title = mock.unitary(&token, &body_for(&[])).await.ajo_error(400);
    assert!(title.contains("recipients"), "{title}");

    let mut bad_type = body_for(&[recipient("a@x.com")]);
    bad_type["recipients"][0]["type"] = json!("crm");
    mock.unitary(&token, &bad_type).await.ajo_error(400);
    let mut no_namespace = body_for(&[recipient("a@x.com")]);
    no_namespace["recipients"][0]["namespace"] = json!("");
    mock.unitary(&token, &no_namespace).await.ajo_error(400);
    let mut no_request_id = body_for(&[recipient("a@x.com")]);
    no_request_id.as_object_mut().unwrap().remove("requestId");
    mock.unitary(&token, &no_request_id).await.ajo_error(400);
    let mut numeric_context = body_for(&[recipient("a@x.com")]);
    numeric_context["recipients"][0]["context"]["n"] = json!(3);
    mock.unitary(&token, &numeric_context).await.ajo_error(400);
    assert_eq!(mock.device().await["activities"], json!({}));

    // Twenty unique recipients of the same push: accepted and applied once to the activity.
    let twenty = &many[..20];
    let answer = mock.unitary(&token, &body_for(twenty)).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    let device = mock.device().await;
    assert_eq!(device["activities"]["order-1"]["starts"], 1);
    assert_eq!(device["dropped"], json!([]));
}

#[tokio::test]
async fn malformed_bodies_get_ajo_errors() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let raw = |bytes: &[u8]| Some(bytes.to_vec());
    for body in [
        raw(b"{not json"),
        raw(b""),
        raw(&[0xff, 0xfe, 0x00]),
        raw(&b"[".repeat(10_000)),
    ] {
        let answer = mock
            .send(
                Method::POST,
                "/im/executions/unitary",
                &headers(&token),
                body,
            )
            .await;
        assert!(answer.ajo_error(400).contains("JSON"));
    }
    for body in [json!([1, 2]), json!(42), json!({"campaignId": 7})] {
        mock.unitary(&token, &body).await.ajo_error(400);
        mock.audience(&token, &body).await.ajo_error(400);
    }
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let answer = mock
        .send(
            Method::POST,
            "/im/executions/unitary",
            &headers(&token),
            Some(huge.into_bytes()),
        )
        .await;
    answer.ajo_error(413);
    // Still serving after all that.
    let fine = mock
        .unitary(&token, &food_push("order-1", Event::Start, "Ordered", NOW))
        .await;
    assert_eq!(fine.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn unitary_walk_leaves_the_device_in_the_final_state() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let steps = [
        (Event::Start, "Ordered"),
        (Event::Update, "Preparing"),
        (Event::Update, "OnTheWay"),
        (Event::End, "Delivered"),
    ];
    for (i, (event, status)) in steps.into_iter().enumerate() {
        let body = food_push("order-42", event, status, NOW + i as i64);
        let answer = mock.unitary(&token, &body).await;
        assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
    }
    let device = mock.device().await;
    let activity = &device["activities"]["order-42"];
    assert_eq!(activity["campaign"], food().id);
    assert_eq!(activity["state"], "ended");
    assert_eq!(
        activity["content_state"],
        json!({ "orderStatus": "Delivered" })
    );
    assert_eq!(activity["attributes"]["restaurantName"], "Pizza");
    assert_eq!(activity["updates"], 2);
    assert_eq!(activity["starts"], 1);
    assert_eq!(activity["last_timestamp"], NOW + 3);
    assert_eq!(activity["dismissal_date"], NOW + 3 + 900);
    assert_eq!(activity["last_alert"]["title"], "Started");
    assert_eq!(activity["dropped"], json!([]));
    assert_eq!(device["dropped"], json!([]));
}

#[tokio::test]
async fn device_drops_what_an_iphone_would_drop() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let campaign = food();
    let send = |body: Value| {
        let mock = &mock;
        let token = &token;
        async move {
            let answer = mock.unitary(token, &body).await;
            // AJO accepts all of these: the device drops them silently.
            assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
        }
    };
    send(food_push("order-7", Event::Update, "Preparing", NOW)).await;
    send(food_push("order-7", Event::Start, "Ordered", NOW + 10)).await;
    send(food_push("order-7", Event::Update, "Preparing", NOW + 5)).await;
    send(food_push("order-7", Event::Update, "Preparing", NOW + 10)).await;
    let mut lost = draft(&campaign, Event::Update, NOW + 11, &[]);
    lost.content_state
        .insert("orderStatus".into(), json!("Lost"));
    send(food_body("order-7", &lost, NOW + 11)).await;
    let mut number = draft(&campaign, Event::Update, NOW + 12, &[]);
    number.content_state.insert("orderStatus".into(), json!(3));
    send(food_body("order-7", &number, NOW + 12)).await;
    let mut empty = draft(&campaign, Event::Update, NOW + 13, &[]);
    empty.content_state.clear();
    send(food_body("order-7", &empty, NOW + 13)).await;
    // Unknown keys are fine: the app ignores them.
    let mut extra = draft(
        &campaign,
        Event::Update,
        NOW + 14,
        &["orderStatus=OnTheWay"],
    );
    extra.content_state.insert("riderName".into(), json!("Sam"));
    send(food_body("order-7", &extra, NOW + 14)).await;
    send(food_push("order-7", Event::End, "Delivered", NOW + 15)).await;
    send(food_push("order-7", Event::Update, "Delivered", NOW + 16)).await;

    let device = mock.device().await;
    let reasons = dropped_reasons(&device);
    assert_eq!(reasons.len(), 7, "{reasons:?}");
    assert_eq!(reasons[0], "never started");
    assert_eq!(reasons[1], "timestamp not newer");
    assert_eq!(reasons[2], "timestamp not newer");
    assert!(
        reasons[3].starts_with("cannot decode content-state: orderStatus:")
            && reasons[3].contains("Lost"),
        "{}",
        reasons[3]
    );
    assert!(reasons[4].starts_with("cannot decode content-state: orderStatus: expected"));
    assert!(reasons[5].starts_with("cannot decode content-state: missing field `orderStatus`"));
    assert_eq!(reasons[6], "ended");
    assert_eq!(device["dropped"][0]["activity"], "order-7");
    assert_eq!(device["dropped"][0]["event"], "update");

    let activity = &device["activities"]["order-7"];
    assert_eq!(activity["state"], "ended");
    assert_eq!(activity["updates"], 1);
    assert_eq!(activity["content_state"]["orderStatus"], "Delivered");
    // The activity's own list holds the six drops that happened once it existed.
    let own: Vec<&str> = activity["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["reason"].as_str().unwrap())
        .collect();
    assert_eq!(own.len(), 6, "{own:?}");
    assert_eq!(own[5], "ended");
}

#[tokio::test]
async fn a_second_start_restarts_the_activity_and_is_recorded() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let walk = [
        (Event::Start, NOW),
        (Event::Start, NOW), // a duplicate of a running activity's start: not newer
        (Event::Update, NOW + 1),
        (Event::End, NOW + 2),
        (Event::Start, NOW + 3),
    ];
    for (event, ts) in walk {
        let body = food_push("order-9", event, "Preparing", ts);
        assert_eq!(
            mock.unitary(&token, &body).await.status,
            StatusCode::ACCEPTED
        );
    }
    let device = mock.device().await;
    let activity = &device["activities"]["order-9"];
    assert_eq!(activity["starts"], 2);
    assert_eq!(activity["state"], "active");
    assert_eq!(activity["updates"], 0);
    assert_eq!(activity["last_timestamp"], NOW + 3);
    assert_eq!(activity["dismissal_date"], Value::Null);
    assert_eq!(dropped_reasons(&device), ["timestamp not newer"]);
    assert_eq!(device["dropped"][0]["event"], "start");
}

#[tokio::test]
async fn audience_broadcast_updates_the_channel_and_reports_its_status() {
    let mock = start(Faults {
        execution_delay: Duration::from_millis(300),
        ..Faults::default()
    })
    .await;
    let token = mock.token().await;
    let start = match_push("chan-1", Event::Start, &[], NOW);
    let started = mock.audience(&token, &start).await;
    assert_eq!(started.status, StatusCode::ACCEPTED, "{}", started.body);
    let goal = match_push(
        "chan-1",
        Event::Update,
        &["homeScore=1", "period=Half time"],
        NOW + 1,
    );
    let updated = mock.audience(&token, &goal).await;
    assert_eq!(updated.status, StatusCode::ACCEPTED, "{}", updated.body);
    let mut wrong_channel = match_push("chan-1", Event::Update, &["homeScore=2"], NOW + 2);
    wrong_channel["context"]["requestPayload"]["aps"]["input-push-channel"] = json!("chan-2");
    assert_eq!(
        mock.audience(&token, &wrong_channel).await.status,
        StatusCode::ACCEPTED
    );

    let device = mock.device().await;
    let channel = &device["activities"]["chan-1"];
    assert_eq!(channel["campaign"], match_score().id);
    assert_eq!(channel["state"], "active");
    assert_eq!(channel["updates"], 1);
    assert_eq!(
        channel["content_state"],
        json!({ "homeScore": 1, "awayScore": 0, "period": "Half time" })
    );
    assert_eq!(
        dropped_reasons(&device),
        ["input-push-channel must equal liveActivityData.channelID"]
    );

    let id = updated.body["executionId"].as_str().unwrap();
    let path = format!("/im/executions/audience/{id}");
    let first = mock.send(Method::GET, &path, &headers(&token), None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.body["status"], "InProgress", "{}", first.body);
    assert!(first.body.get("targetedProfileCount").is_none());
    let status = mock.execution_until(&token, id, "Succeeded").await;
    assert_eq!(status["executionId"], id);
    assert_eq!(status["campaignId"], match_score().id);
    assert_eq!(status["audienceId"], "audience-1");
    assert_eq!(status["targetedProfileCount"], 1);
    assert!(status["createdAt"].is_string());
    // Controls on the channel up to this execution: the start is not one, the goal is.
    assert_eq!(
        status["executionLifecycle"]["controlBreakdown"],
        json!({ "update": 1, "end": 0 })
    );
    let start_id = started.body["executionId"].as_str().unwrap();
    let start_status = mock.execution_until(&token, start_id, "Succeeded").await;
    assert!(start_status.get("executionLifecycle").is_none());

    let unknown = mock
        .send(
            Method::GET,
            "/im/executions/audience/MOCK-999",
            &headers(&token),
            None,
        )
        .await;
    unknown.ajo_error(404);
}

#[tokio::test]
async fn audience_requires_an_audience_id_and_a_schedule_to_come() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let mut no_audience = match_push("chan-1", Event::Start, &[], NOW);
    no_audience.as_object_mut().unwrap().remove("audience");
    let title = mock.audience(&token, &no_audience).await.ajo_error(400);
    assert!(title.contains("audience.id"), "{title}");
    for (at, says) in [
        ("tomorrow", "is not a date-time"),
        ("2020-01-01T00:00:00Z", "is in the past"),
    ] {
        let mut scheduled = match_push("chan-1", Event::Start, &[], NOW);
        scheduled["schedule"] = json!({ "executeAt": at });
        let title = mock.audience(&token, &scheduled).await.ajo_error(400);
        assert!(
            title.contains("schedule.executeAt") && title.contains(says),
            "{title}"
        );
    }
    assert_eq!(mock.device().await["activities"], json!({}));
}

/// An RFC 3339 time `millis` from now.
fn in_millis(millis: i64) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_millis(millis);
    at.to_string()
}

#[tokio::test]
async fn a_schedule_fires_at_its_time_and_reports_its_execution() {
    let mock = start(Faults {
        execution_delay: Duration::ZERO,
        ..Faults::default()
    })
    .await;
    let token = mock.token().await;
    let mut body = match_push("chan-1", Event::Start, &[], NOW);
    let at = in_millis(800);
    body["schedule"] = json!({ "executeAt": at });
    let accepted = mock.audience(&token, &body).await;
    assert_eq!(accepted.status, StatusCode::ACCEPTED, "{}", accepted.body);
    let id = accepted.body["scheduleId"]
        .as_str()
        .expect("scheduleId")
        .to_string();
    assert_eq!(accepted.body["scheduleStatus"], "Scheduled");
    assert_eq!(accepted.body["requestId"], body["requestId"]);
    assert_eq!(accepted.body["audience"], json!({ "id": "audience-1" }));
    assert_eq!(
        accepted.body["executeAt"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        at.parse::<jiff::Timestamp>().unwrap()
    );
    assert_eq!(
        mock.device().await["activities"],
        json!({}),
        "not before its time"
    );

    let fired = mock.schedule_until(&token, &id, "Triggered").await;
    let details = &fired["executionDetails"];
    assert_eq!(details["status"], "Succeeded", "{fired}");
    assert_eq!(details["campaignId"], match_score().id);
    assert_eq!(
        mock.device().await["activities"]["chan-1"]["state"],
        "active"
    );
    let run = details["executionId"].as_str().unwrap();
    mock.execution_until(&token, run, "Succeeded").await;

    let path = format!("/im/executions/schedules/{id}");
    let late = mock
        .send(Method::DELETE, &path, &headers(&token), None)
        .await;
    let title = late.ajo_error(400);
    assert!(title.contains("already triggered"), "{title}");
}

#[tokio::test]
async fn a_cancelled_schedule_never_fires() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let schedule = |channel: &str, millis| {
        let mut body = match_push(channel, Event::Start, &[], NOW);
        body["schedule"] = json!({ "executeAt": in_millis(millis) });
        body
    };
    let cancelled = mock.audience(&token, &schedule("chan-1", 500)).await;
    let kept = mock.audience(&token, &schedule("chan-2", 700)).await;
    let cancelled = cancelled.body["scheduleId"].as_str().unwrap().to_string();
    let path = format!("/im/executions/schedules/{cancelled}");
    let deleted = mock
        .send(Method::DELETE, &path, &headers(&token), None)
        .await;
    assert_eq!(
        (deleted.status, &deleted.body),
        (StatusCode::OK, &json!({}))
    );
    for method in [Method::GET, Method::DELETE] {
        mock.send(method, &path, &headers(&token), None)
            .await
            .ajo_error(404);
    }
    // Once the later one has fired, the cancelled one's time has passed too.
    let kept = kept.body["scheduleId"].as_str().unwrap();
    mock.schedule_until(&token, kept, "Triggered").await;
    let device = mock.device().await;
    let channels: Vec<&String> = device["activities"].as_object().unwrap().keys().collect();
    assert_eq!(channels, ["chan-2"]);
}

#[tokio::test]
async fn unknown_schedules_and_executions_are_404_and_need_a_token() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    for method in [Method::GET, Method::DELETE] {
        let answer = mock
            .send(
                method.clone(),
                "/im/executions/schedules/sched-1",
                &headers(&token),
                None,
            )
            .await;
        assert_eq!(answer.ajo_error(404), "Cannot find the Schedule");
        let anonymous = mock
            .send(
                method,
                "/im/executions/schedules/sched-1",
                &without(headers(&token), "authorization"),
                None,
            )
            .await;
        anonymous.gateway_error(401, "401013", "Oauth token is not valid");
    }
    let no_sandbox = mock
        .send(
            Method::GET,
            "/im/executions/audience/MOCK-1",
            &without(headers(&token), "x-sandbox-name"),
            None,
        )
        .await;
    no_sandbox.ajo_error(400);
}

#[tokio::test]
async fn injected_429_with_retry_after_hits_only_the_first_call() {
    let mock = start(Faults {
        status: Some(429),
        status_count: Some(1),
        retry_after: Some(7),
        ..Faults::default()
    })
    .await;
    let token = mock.token().await;
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    let first = mock.unitary(&token, &body).await;
    first.gateway_error(429, "429050", "Too many requests");
    assert_eq!(first.headers["retry-after"], "7");
    // The retry with the same body goes through and reaches the device.
    let second = mock.unitary(&token, &body).await;
    assert_eq!(second.status, StatusCode::ACCEPTED, "{}", second.body);
    assert!(second.headers.get("retry-after").is_none());
    let device = mock.device().await;
    assert_eq!(device["activities"]["order-1"]["starts"], 1);
    let statuses: Vec<Value> = mock.stats().await["executions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].clone())
        .collect();
    assert_eq!(statuses, [json!(429), json!(202)]);
}

#[tokio::test]
async fn injected_status_for_every_call_without_a_count() {
    let mock = start(Faults {
        status: Some(503),
        ..Faults::default()
    })
    .await;
    let token = mock.token().await;
    for ts in [NOW, NOW + 1, NOW + 2] {
        let body = food_push("order-1", Event::Start, "Ordered", ts);
        mock.unitary(&token, &body).await.ajo_error(503);
    }
    assert_eq!(mock.device().await["activities"], json!({}));
}

#[tokio::test]
async fn fail_rate_one_answers_500_and_nothing_reaches_the_device() {
    let mock = start(Faults {
        fail_rate: 1.0,
        ..Faults::default()
    })
    .await;
    let token = mock.token().await;
    for ts in [NOW, NOW + 1] {
        let body = food_push("order-1", Event::Start, "Ordered", ts);
        let answer = mock.unitary(&token, &body).await;
        answer.ajo_error(500);
        assert_eq!(
            answer.body["report"]["additionalContext"]["requestId"],
            body["requestId"]
        );
    }
    let broadcast = match_push("chan-1", Event::Start, &[], NOW);
    mock.audience(&token, &broadcast).await.ajo_error(500);
    assert_eq!(mock.device().await["activities"], json!({}));
    // Faults come after authentication: an unauthenticated call still gets its 401.
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    mock.unitary("unknown", &body)
        .await
        .gateway_error(401, "401013", "Oauth token is not valid");
}

#[tokio::test]
async fn latency_delays_execution_answers() {
    let latency = Duration::from_millis(300);
    let mock = start(Faults {
        latency,
        ..Faults::default()
    })
    .await;
    let token = mock.token().await;
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    let sent = Instant::now();
    let answer = mock.unitary(&token, &body).await;
    assert!(
        sent.elapsed() >= latency,
        "answered after {:?}",
        sent.elapsed()
    );
    assert_eq!(answer.status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn expire_tokens_forces_a_401_until_a_new_token() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let body = food_push("order-1", Event::Start, "Ordered", NOW);
    assert_eq!(
        mock.unitary(&token, &body).await.status,
        StatusCode::ACCEPTED
    );
    let expired = mock
        .http
        .post(mock.url("/_mock/expire-tokens"))
        .send()
        .await
        .unwrap();
    assert!(expired.status().is_success());
    let update = food_push("order-1", Event::Update, "Preparing", NOW + 1);
    mock.unitary(&token, &update)
        .await
        .gateway_error(401, "401013", "Oauth token is not valid");
    let fresh = mock.token().await;
    assert_eq!(
        mock.unitary(&fresh, &update).await.status,
        StatusCode::ACCEPTED
    );
}

#[tokio::test]
async fn stats_list_authenticated_calls_in_arrival_order() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    let start = food_push("order-1", Event::Start, "Ordered", NOW);
    let mut unknown = food_push("order-1", Event::Update, "Preparing", NOW + 1);
    unknown["campaignId"] = json!("nope");
    let broadcast = match_push("chan-1", Event::Start, &[], NOW);

    mock.unitary("not-issued", &start).await; // refused by the gateway: not listed
    mock.unitary(&token, &start).await;
    mock.unitary(&token, &unknown).await;
    mock.send(
        Method::POST,
        "/im/executions/unitary",
        &headers(&token),
        Some(b"{oops".to_vec()),
    )
    .await;
    mock.audience(&token, &broadcast).await;

    let stats = mock.stats().await;
    assert_eq!(stats["token_requests"], 1);
    assert_eq!(stats["tokens_issued"], 1);
    let executions = stats["executions"].as_array().unwrap();
    let summary: Vec<Value> = executions
        .iter()
        .map(|e| {
            json!([
                e["seq"],
                e["requestId"],
                e["campaignId"],
                e["activity"],
                e["event"],
                e["status"]
            ])
        })
        .collect();
    assert_eq!(
        summary,
        [
            json!([1, start["requestId"], food().id, "order-1", "start", 202]),
            json!([2, unknown["requestId"], "nope", "order-1", "update", 404]),
            json!([3, null, null, null, null, 400]),
            json!([
                4,
                broadcast["requestId"],
                match_score().id,
                "chan-1",
                "start",
                202
            ]),
        ]
    );
    let times: Vec<i64> = executions
        .iter()
        .map(|e| e["received_at_ms"].as_i64().unwrap())
        .collect();
    assert!(times.is_sorted(), "{times:?}");
    assert!(
        times[0] > 1_700_000_000_000,
        "Unix milliseconds: {}",
        times[0]
    );
}

#[tokio::test]
async fn unknown_paths_are_404_and_wrong_methods_405() {
    let mock = start(Faults::default()).await;
    let token = mock.token().await;
    mock.send(Method::GET, "/im/nothing-here", &headers(&token), None)
        .await
        .ajo_error(404);
    let outside = mock.http.get(mock.url("/elsewhere")).send().await.unwrap();
    assert_eq!(outside.status(), StatusCode::NOT_FOUND);
    mock.send(
        Method::GET,
        "/im/executions/unitary",
        &headers(&token),
        None,
    )
    .await
    .ajo_error(405);
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let Mock { server, http } = start(Faults::default()).await;
    let url = server.ims_url();
    let base = server.base_url();
    assert!(base.starts_with("http://127.0.0.1:") && base.ends_with("/ajo"));
    assert_eq!(url, base.replace("/ajo", "/ims/token/v3"));
    server.shutdown().await;
    assert!(http.post(&url).send().await.is_err());
}

#[tokio::test]
async fn an_activity_id_used_by_two_campaigns_is_keyed_by_campaign() {
    let mut other = food();
    other.id = "other-campaign".into();
    let mock = start_with(MockSettings {
        campaigns: vec![food(), other.clone()],
        credentials: None,
        faults: Faults::default(),
    })
    .await;
    let token = mock.token().await;
    let mut second = food_push("order-1", Event::Start, "Preparing", NOW);
    second["campaignId"] = json!(other.id);
    for body in [food_push("order-1", Event::Start, "Ordered", NOW), second] {
        assert_eq!(
            mock.unitary(&token, &body).await.status,
            StatusCode::ACCEPTED
        );
    }
    let activities = &mock.device().await["activities"];
    let first = &activities[format!("{}/order-1", food().id)];
    assert_eq!(first["content_state"]["orderStatus"], "Ordered");
    let second = &activities["other-campaign/order-1"];
    assert_eq!(second["content_state"]["orderStatus"], "Preparing");
    assert_eq!(second["campaign"], "other-campaign");
}

#[tokio::test]
async fn an_unspecified_listen_address_gives_loopback_urls() {
    let server = MockServer::start("0.0.0.0:0".parse().unwrap(), MockSettings::default())
        .await
        .expect("binds");
    assert!(server.addr().ip().is_unspecified());
    let port = server.addr().port();
    assert_eq!(server.base_url(), format!("http://127.0.0.1:{port}/ajo"));
    assert_eq!(
        server.ims_url(),
        format!("http://127.0.0.1:{port}/ims/token/v3")
    );
    server.shutdown().await;
}
