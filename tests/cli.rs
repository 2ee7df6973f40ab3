//! The headless commands end to end: the real binary, real files, every exit code.

mod common;

use common::{Sandbox, example_config};
use serde_json::Value;

const SEED: &str = include_str!("fixtures/seed-payload.jsonc");

fn example() -> &'static str {
    example_config().to_str().unwrap()
}

// ---- config path / init / check -------------------------------------------------------------

#[test]
fn config_path_follows_flag_env_cwd_then_platform() {
    let sandbox = Sandbox::new();
    let missing = sandbox.run(&["config", "path"]).expect(2);
    assert!(
        missing.stderr().contains("no config file found"),
        "{}",
        missing.stderr()
    );
    assert!(missing.stderr().contains("liveact config init"));

    let platform = sandbox.platform_config();
    std::fs::create_dir_all(platform.parent().unwrap()).unwrap();
    std::fs::write(&platform, config_text()).unwrap();
    let run = sandbox.run(&["config", "path"]).expect(0);
    assert_eq!(run.stdout().trim(), platform.to_str().unwrap());
    assert!(run.stderr().contains("platform config directory"));

    let local = sandbox.write("liveact.toml", &config_text());
    let run = sandbox.run(&["config", "path"]).expect(0);
    assert_eq!(run.stdout().trim(), local.to_str().unwrap());
    assert!(run.stderr().contains("working directory"));

    let env = Sandbox::new().env("LIVEACT_CONFIG", example());
    let run = env.run(&["config", "path"]).expect(0);
    assert_eq!(run.stdout().trim(), example());
    assert!(run.stderr().contains("$LIVEACT_CONFIG"));

    let run = env
        .run(&["--config", "/nonexistent/x.toml", "config", "path"])
        .expect(2);
    assert_eq!(run.stdout().trim(), "/nonexistent/x.toml");
    assert!(run.stderr().contains("--config, but it does not exist"));
}

fn config_text() -> String {
    std::fs::read_to_string(example_config()).unwrap()
}

#[test]
fn config_init_writes_the_example_once_and_it_checks() {
    let sandbox = Sandbox::new();
    let run = sandbox.run(&["config", "init"]).expect(0);
    let written = sandbox.platform_config();
    assert!(run.stdout().contains(written.to_str().unwrap()));
    assert_eq!(std::fs::read_to_string(&written).unwrap(), config_text());

    std::fs::write(&written, "# my edits\n").unwrap();
    let again = sandbox.run(&["config", "init"]).expect(2);
    assert!(
        again.stderr().contains("never overwrites"),
        "{}",
        again.stderr()
    );
    assert_eq!(
        std::fs::read_to_string(&written).unwrap(),
        "# my edits\n",
        "init must not touch an existing file"
    );

    let fresh = Sandbox::new();
    fresh.run(&["config", "init"]).expect(0);
    let check = fresh.run(&["config", "check"]).expect(0);
    assert!(
        check.stdout().contains("is valid; profile in use: demo"),
        "{}",
        check.stdout()
    );
    assert!(check.stdout().contains("name = \"food-delivery\""));
    assert!(check.stdout().contains("name = \"match-score\""));
}

#[test]
fn the_example_config_passes_config_check_without_warnings() {
    let run = Sandbox::new()
        .run(&["--config", example(), "config", "check"])
        .expect(0);
    assert_eq!(
        run.stderr(),
        "",
        "the example must load without a single warning"
    );
}

#[test]
fn config_check_masks_secrets_and_fails_on_the_profile_in_use() {
    let sandbox = Sandbox::new()
        .env("AJO_CLIENT_ID", "client-123")
        .env("STAGE_SECRET", "s3cr3t-value");
    let config = sandbox.write(
        "c.toml",
        r#"default_profile = "stage"
[profiles.stage]
kind = "ajo"
org_id = "ORG@AdobeOrg"
sandbox = "prod"
client_id = "env:AJO_CLIENT_ID"
client_secret = "env:STAGE_SECRET"
[profiles.other]
kind = "ajo"
org_id = "ORG@AdobeOrg"
sandbox = "dev"
client_id = "env:AJO_CLIENT_ID"
client_secret = "env:UNSET_SECRET"
"#,
    );
    let run = sandbox
        .run(&["--config", config.to_str().unwrap(), "config", "check"])
        .expect(0);
    assert!(
        run.stdout()
            .contains("client_secret = \"env:STAGE_SECRET\"  # resolves"),
        "{}",
        run.stdout()
    );
    assert!(!run.stdout().contains("s3cr3t-value") && !run.stderr().contains("s3cr3t-value"));
    assert!(
        run.stderr()
            .contains("warning (profile `other` is not in use)"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("c.toml:13:17: client_secret: environment variable UNSET_SECRET is not set")
    );

    let run = sandbox
        .run(&[
            "--config",
            config.to_str().unwrap(),
            "--profile",
            "other",
            "config",
            "check",
        ])
        .expect(2);
    assert!(run.stderr().contains("error: "), "{}", run.stderr());
    assert!(
        run.stderr()
            .contains("c.toml:13:17: client_secret: environment variable UNSET_SECRET is not set")
    );
    assert_eq!(run.stdout(), "", "a failed check prints no resolved config");

    let run = sandbox
        .run(&[
            "--config",
            config.to_str().unwrap(),
            "--profile",
            "nope",
            "config",
            "check",
        ])
        .expect(2);
    assert!(
        run.stderr().contains("no profile `nope`"),
        "{}",
        run.stderr()
    );
}

#[test]
fn a_literal_secret_warns_and_louder_when_others_can_read_the_file() {
    use std::os::unix::fs::PermissionsExt;
    let sandbox = Sandbox::new();
    let text = "[profiles.p]\nkind = \"ajo\"\norg_id = \"O@AdobeOrg\"\nsandbox = \"prod\"\nclient_id = \"cid\"\nclient_secret = \"literal-s3cret\"\n";
    let config = sandbox.write("c.toml", text);
    let path = config.to_str().unwrap();

    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
    let quiet = sandbox
        .run(&["--config", path, "config", "check"])
        .expect(0);
    assert!(
        quiet
            .stderr()
            .contains("c.toml:6:17: client_secret is written in the config file"),
        "{}",
        quiet.stderr()
    );
    assert!(!quiet.stderr().contains("other users"));

    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o644)).unwrap();
    let loud = sandbox
        .run(&["--config", path, "config", "check"])
        .expect(0);
    assert!(
        loud.stderr().contains("other users can read"),
        "{}",
        loud.stderr()
    );
    assert!(loud.stderr().contains("chmod 600"));
    for output in [quiet.stdout(), quiet.stderr(), loud.stdout(), loud.stderr()] {
        assert!(
            !output.contains("literal-s3cret"),
            "the secret leaked: {output}"
        );
    }
}

#[test]
fn a_broken_config_exits_2_with_file_line_and_column() {
    let sandbox = Sandbox::new();
    let config = sandbox.write(
        "broken.toml",
        "[profiles.demo]\nkind = \"mock\"\ncolour = \"blue\"\n",
    );
    let run = sandbox
        .run(&["--config", config.to_str().unwrap(), "config", "check"])
        .expect(2);
    assert!(
        run.stderr()
            .contains("broken.toml:3:1: unknown field `colour`"),
        "{}",
        run.stderr()
    );
    // Every command that needs the config stops the same way.
    let run = sandbox
        .run(&[
            "--config",
            config.to_str().unwrap(),
            "curl",
            "--campaign",
            "x",
            "--activity",
            "a",
            "--event",
            "start",
        ])
        .expect(2);
    assert!(run.stderr().contains("broken.toml:3:1"));
    assert_eq!(run.stdout(), "");
}

// ---- validate ---------------------------------------------------------------------------------

#[test]
fn validate_accepts_the_seed_payload_with_warnings() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("seed.json", SEED);
    let run = sandbox.run(&["validate", file.to_str().unwrap()]).expect(0);
    let out = run.stdout();
    assert!(out.contains("the body has // or /* */ comments"), "{out}");
    assert!(
        out.contains("aps.timestamp: timestamp is"),
        "the 2025 timestamp is stale: {out}"
    );
    // The page puts a dismissal-date on an update, where Apple ignores it.
    assert!(
        out.contains("aps.dismissal-date: dismissal-date is only honoured on end"),
        "{out}"
    );
    assert!(
        out.ends_with("0 error(s), 3 warning(s): ready to send\n"),
        "{out}"
    );
}

#[test]
fn validate_exits_1_on_an_error_and_reports_json() {
    let sandbox = Sandbox::new();
    let broken = SEED.replace("1756984054", "1756984054000");
    let run = sandbox
        .run_with_stdin(&["validate", "-", "--output", "json"], &broken)
        .expect(1);
    let report: Value = serde_json::from_str(&run.stdout()).expect("--output json prints JSON");
    assert_eq!(report["valid"], false);
    let error = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["severity"] == "error")
        .expect("one error");
    assert_eq!(error["code"], "timestamp-milliseconds");
    assert_eq!(
        error["path"],
        "recipients[0].context.requestPayload.aps.timestamp"
    );
}

#[test]
fn validate_checks_the_schema_of_a_named_campaign() {
    let sandbox = Sandbox::new();
    let body = SEED.replace("\"Delivered\"", "\"Lost\"");
    let without = sandbox.run_with_stdin(&["validate", "-"], &body).expect(0);
    assert!(!without.stdout().contains("Lost"));
    let with = sandbox
        .run_with_stdin(
            &[
                "--config",
                example(),
                "validate",
                "-",
                "--campaign",
                "food-delivery",
            ],
            &body,
        )
        .expect(1);
    assert!(
        with.stdout().contains("aps.content-state.orderStatus: `Lost` is not one of Ordered, Preparing, OnTheWay, Delivered"),
        "{}",
        with.stdout()
    );
    let unknown = sandbox
        .run_with_stdin(
            &["--config", example(), "validate", "-", "--campaign", "nope"],
            &body,
        )
        .expect(2);
    assert!(unknown.stderr().contains("no campaign `nope`"));
}

#[test]
fn validate_reports_bad_json_with_its_position_and_missing_files_as_usage() {
    let sandbox = Sandbox::new();
    let run = sandbox
        .run_with_stdin(&["validate", "-"], "{\n  \"aps\": {,\n}")
        .expect(1);
    assert!(
        run.stdout().contains("not valid JSON at line 2, column"),
        "{}",
        run.stdout()
    );
    let run = sandbox
        .run(&["validate", "/nonexistent/body.json"])
        .expect(2);
    assert!(run.stderr().contains("cannot read /nonexistent/body.json"));
    let run = sandbox
        .run_with_stdin(&["validate", "-"], "[1, 2]")
        .expect(1);
    assert!(run.stdout().contains("must be a JSON object"));
}

// ---- curl ---------------------------------------------------------------------------------------

fn curl_args<'a>(extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "curl",
        "--campaign",
        "food-delivery",
        "--activity",
        "order-42",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn curl_prints_a_script_that_parses_and_carries_the_body() {
    let sandbox = Sandbox::new();
    let mut args = vec!["--config", example()];
    args.extend(curl_args(&[
        "--event",
        "start",
        "--set",
        "orderStatus=Ordered",
        "--alert-title",
        "Order placed",
        "--alert-body",
        "It's cooking",
    ]));
    let run = sandbox.run(&args).expect(0);
    let script = run.stdout();
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    let syntax = std::process::Command::new("sh")
        .arg("-n")
        .arg(sandbox.write("s.sh", &script))
        .output()
        .unwrap();
    assert!(
        syntax.status.success(),
        "sh -n: {}",
        String::from_utf8_lossy(&syntax.stderr)
    );
    let body = body_of(&script);
    assert_eq!(body["campaignId"], "your-campaign-id");
    let aps = &body["recipients"][0]["context"]["requestPayload"]["aps"];
    assert_eq!(aps["event"], "start");
    assert_eq!(
        aps["attributes"]["liveActivityData"]["liveActivityID"],
        "order-42"
    );
    assert_eq!(aps["alert"]["body"], "It's cooking");
    assert_eq!(run.stderr(), "", "a clean start has nothing to report");
}

/// The JSON between the heredoc markers of a generated script.
fn body_of(script: &str) -> Value {
    let start = script.find("<<'LIVEACT_BODY'\n").expect("heredoc") + "<<'LIVEACT_BODY'\n".len();
    let end = script[start..].find("\nLIVEACT_BODY").unwrap() + start;
    serde_json::from_str(&script[start..end]).unwrap()
}

#[test]
fn curl_refuses_an_invalid_push_with_exit_1_and_prints_nothing_to_run() {
    let sandbox = Sandbox::new();
    let mut args = vec!["--config", example()];
    args.extend(curl_args(&[
        "--event",
        "start",
        "--set",
        "orderStatus=Ordered",
    ])); // no alert on start
    let run = sandbox.run(&args).expect(1);
    assert_eq!(run.stdout(), "");
    assert!(
        run.stderr().contains("start-alert") || run.stderr().contains("start needs an alert"),
        "{}",
        run.stderr()
    );

    let mut args = vec!["--config", example()];
    args.extend(curl_args(&[
        "--event",
        "update",
        "--set",
        "orderStatus=Lost",
    ]));
    let run = sandbox.run(&args).expect(1);
    assert!(
        run.stderr()
            .contains("aps.content-state.orderStatus: orderStatus: `Lost` is not one of"),
        "{}",
        run.stderr()
    );
    assert_eq!(run.stdout(), "");
}

#[test]
fn curl_usage_errors_exit_2() {
    let sandbox = Sandbox::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["--event", "update", "--campaign-typo"],
            "unexpected argument",
        ),
        (&["--event", "resume"], "invalid value 'resume'"),
        (
            &["--event", "end", "--dismiss-in", "10x"],
            "is not a duration",
        ),
        (
            &[
                "--event",
                "end",
                "--dismiss-in",
                "10m",
                "--dismiss-at",
                "now",
            ],
            "cannot be used with",
        ),
        (
            &["--event", "update", "--alert-title", "only a title"],
            "--alert-body",
        ),
        (
            &["--event", "update", "--audience", "fans"],
            "--audience is for marketing campaigns",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["--config", example()];
        args.extend(curl_args(extra));
        let run = sandbox.run(&args).expect(2);
        assert!(
            run.stderr().contains(expected),
            "{extra:?}: {}",
            run.stderr()
        );
        assert_eq!(run.stdout(), "");
    }
    let run = sandbox
        .run(&[
            "--config",
            example(),
            "curl",
            "--campaign",
            "nope",
            "--activity",
            "a",
            "--event",
            "end",
        ])
        .expect(2);
    assert!(
        run.stderr().contains("no campaign `nope` in"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("campaigns: food-delivery, match-score")
    );
}

#[test]
fn curl_for_a_broadcast_names_the_channel_twice() {
    let sandbox = Sandbox::new();
    let args = [
        "--config",
        example(),
        "curl",
        "--campaign",
        "match-score",
        "--activity",
        "Y2hhbm5lbA==",
        "--event",
        "update",
        "--set",
        "homeScore=1",
    ];
    let run = sandbox.run(&args).expect(0);
    let script = run.stdout();
    assert!(script.contains("/ajo/im/executions/audience\""), "{script}");
    let body = body_of(&script);
    assert_eq!(body["audience"]["id"], "your-audience-id");
    let aps = &body["context"]["requestPayload"]["aps"];
    assert_eq!(aps["input-push-channel"], "Y2hhbm5lbA==");
    assert_eq!(
        aps["attributes"]["liveActivityData"]["channelID"],
        "Y2hhbm5lbA=="
    );
    assert_eq!(aps["content-state"]["homeScore"], 1);
}

/// An `ajo` profile whose secrets come from the environment and from a file.
fn ajo_sandbox() -> (Sandbox, String) {
    let sandbox = Sandbox::new()
        .env("AJO_CLIENT_ID", "client-123")
        .env("AJO_CLIENT_SECRET", "s3cr3t-value");
    let example =
        config_text().replace("default_profile = \"demo\"", "default_profile = \"stage\"");
    let text = format!(
        "{example}\n[profiles.stage]\nkind = \"ajo\"\norg_id = \"ORG@AdobeOrg\"\nsandbox = \"prod\"\n\
         client_id = \"env:AJO_CLIENT_ID\"\nclient_secret = \"env:AJO_CLIENT_SECRET\"\n\
         [profiles.token]\nkind = \"ajo\"\norg_id = \"ORG@AdobeOrg\"\nsandbox = \"dev\"\n\
         client_id = \"env:AJO_CLIENT_ID\"\naccess_token = \"file:{}\"\n",
        sandbox.path("token.txt").display()
    );
    sandbox.write("token.txt", "tok-from-file\n");
    let config = sandbox
        .write("stage.toml", &text)
        .to_str()
        .unwrap()
        .to_string();
    (sandbox, config)
}

#[test]
fn curl_script_runs_the_token_and_execution_calls_without_holding_a_secret() {
    let (sandbox, config) = ajo_sandbox();
    let mut args = vec!["--config", config.as_str()];
    args.extend(curl_args(&[
        "--event",
        "update",
        "--set",
        "orderStatus=Preparing",
    ]));
    let script = sandbox.run(&args).expect(0).stdout();
    for secret in ["s3cr3t-value", "client-123"] {
        assert!(
            !script.contains(secret),
            "the script holds {secret}:\n{script}"
        );
    }
    assert!(script.contains("$AJO_CLIENT_SECRET") || script.contains("${AJO_CLIENT_SECRET}"));
    assert!(script.contains("${ACCESS_TOKEN}"));

    // Run it with a stand-in `curl` that records each call and answers like IMS.
    let calls = run_script_with_fake_curl(
        &sandbox,
        &script,
        &[
            ("AJO_CLIENT_ID", "client-123"),
            ("AJO_CLIENT_SECRET", "s3cr3t-value"),
        ],
    );
    assert_eq!(calls.len(), 2, "{calls:#?}");
    assert!(
        calls[0]
            .args
            .contains(&"https://ims-na1.adobelogin.com/ims/token/v3".to_string())
    );
    assert!(
        calls[0]
            .args
            .contains(&"client_secret=s3cr3t-value".to_string()),
        "{:?}",
        calls[0].args
    );
    assert!(calls[0].args.contains(&"client_id=client-123".to_string()));
    let execution = &calls[1];
    assert!(
        execution
            .args
            .contains(&"https://platform.adobe.io/ajo/im/executions/unitary".to_string())
    );
    for header in [
        "Authorization: Bearer tok-from-ims",
        "x-api-key: client-123",
        "x-gw-ims-org-id: ORG@AdobeOrg",
        "x-sandbox-name: prod",
        "Content-Type: application/json",
    ] {
        assert!(
            execution.args.contains(&header.to_string()),
            "missing {header}: {:?}",
            execution.args
        );
    }
    let sent: Value = serde_json::from_str(&execution.stdin).unwrap();
    assert_eq!(sent, body_of(&script));
}

#[test]
fn curl_with_an_access_token_profile_skips_ims() {
    let (sandbox, config) = ajo_sandbox();
    let mut args = vec!["--config", config.as_str(), "--profile", "token"];
    args.extend(curl_args(&[
        "--event",
        "end",
        "--set",
        "orderStatus=Delivered",
        "--dismiss-in",
        "10m",
    ]));
    let script = sandbox.run(&args).expect(0).stdout();
    assert!(!script.contains("tok-from-file"), "{script}");
    assert!(!script.contains("ims/token"), "{script}");
    let calls = run_script_with_fake_curl(&sandbox, &script, &[("AJO_CLIENT_ID", "client-123")]);
    assert_eq!(calls.len(), 1);
    assert!(
        calls[0]
            .args
            .contains(&"Authorization: Bearer tok-from-file".to_string()),
        "{:?}",
        calls[0].args
    );
    assert!(calls[0].args.contains(&"x-sandbox-name: dev".to_string()));
}

#[derive(Debug)]
struct Call {
    args: Vec<String>,
    stdin: String,
}

/// Runs `script` with a `curl` on PATH that logs its arguments (one per line) and standard input.
fn run_script_with_fake_curl(sandbox: &Sandbox, script: &str, env: &[(&str, &str)]) -> Vec<Call> {
    use std::os::unix::fs::PermissionsExt;
    let bin = sandbox.path("fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = sandbox.path("calls");
    std::fs::create_dir_all(&log).unwrap();
    let fake = format!(
        "#!/bin/sh\nn=$(ls {log} | wc -l)\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > {log}/$n.args\n\
         case \"$*\" in *ims/token*) printf '{{\"access_token\":\"tok-from-ims\",\"expires_in\":86399}}' ;;\n\
         *) cat > {log}/$n.stdin; printf 'HTTP/1.1 202 Accepted\\r\\n\\r\\n{{}}' ;; esac\n",
        log = log.display()
    );
    let fake_path = bin.join("curl");
    std::fs::write(&fake_path, fake).unwrap();
    std::fs::set_permissions(&fake_path, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script_path = sandbox.write("send.sh", script);
    let output = std::process::Command::new("sh")
        .arg(&script_path)
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .envs(env.iter().copied())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut calls = Vec::new();
    for n in 0.. {
        let Ok(args) = std::fs::read_to_string(log.join(format!("{n}.args"))) else {
            break;
        };
        let stdin = std::fs::read_to_string(log.join(format!("{n}.stdin"))).unwrap_or_default();
        calls.push(Call {
            args: args.lines().map(String::from).collect(),
            stdin,
        });
    }
    calls
}

#[test]
fn the_console_needs_a_terminal_and_says_what_to_use_instead() {
    let run = Sandbox::new().run(&["--demo"]).expect(2);
    assert!(
        run.stderr().contains("the console needs a terminal"),
        "{}",
        run.stderr()
    );
    assert!(
        run.stderr()
            .contains("liveact send, history, validate, curl")
    );
    assert_eq!(run.stdout(), "", "nothing is drawn into a pipe");
    let run = Sandbox::new().run(&["--demo", "history"]).expect(2);
    assert!(
        run.stderr()
            .contains("--demo opens the console and cannot be used with a command"),
        "{}",
        run.stderr()
    );
}
