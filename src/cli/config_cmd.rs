//! `liveact config path | check | init`.

use super::{Cli, ConfigAction, EXIT_OK, EXIT_USAGE, load_config, locate, process_env, report};
use crate::activity::FieldSpec;
use crate::config::{self, AuthSetting, Config, ConfigError, Profile, ProfileKind, Setting, paths};
use std::fmt::Write as _;
use std::io::Write;

pub fn run(cli: &Cli, action: &ConfigAction, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match action {
        ConfigAction::Path => path(cli, out, err),
        ConfigAction::Check => check(cli, out, err),
        ConfigAction::Init => init(cli, out, err),
    }
}

fn path(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    match locate(cli) {
        Ok(located) => {
            let exists = if located.path.is_file() {
                ""
            } else {
                ", but it does not exist"
            };
            let _ = writeln!(out, "{}", located.path.display());
            let _ = writeln!(err, "{}{exists}", located.reason);
            if exists.is_empty() {
                EXIT_OK
            } else {
                EXIT_USAGE
            }
        }
        Err(missing) => {
            let _ = writeln!(err, "error: {missing}");
            EXIT_USAGE
        }
    }
}

fn check(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let config = match load_config(cli, err) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let active = match config.profile(cli.profile.as_deref()) {
        Ok(profile) => profile.name.clone(),
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    let mut failed = false;
    for profile in config.profiles.values() {
        let ProfileKind::Ajo(ajo) = &profile.kind else {
            continue;
        };
        if let Err(errors) = ajo.credentials(&process_env) {
            if profile.name == active {
                report::config_findings(err, "error", &errors.0);
                failed = true;
            } else {
                let label = format!("warning (profile `{}` is not in use)", profile.name);
                report::config_findings(err, &label, &errors.0);
            }
        }
    }
    if failed {
        return EXIT_USAGE;
    }
    let _ = write!(out, "{}", describe(&config, &active));
    EXIT_OK
}

/// The resolved config as TOML-like text; secrets appear only as where they come from.
fn describe(config: &Config, active: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# {} is valid; profile in use: {active}",
        config.path.display()
    );
    for file in &config.extra_files {
        let _ = writeln!(s, "# also loaded: {}", file.display());
    }
    for profile in config.profiles.values() {
        describe_profile(&mut s, profile);
    }
    for c in &config.campaigns {
        let _ = writeln!(s, "\n[[campaigns]]");
        let _ = writeln!(
            s,
            "name = {:?}\nid = {:?}\nkind = \"{}\"",
            c.name, c.id, c.kind
        );
        let _ = writeln!(s, "attributes_type = {:?}", c.attributes_type);
        if let Some(r) = &c.recipient {
            let _ = writeln!(
                s,
                "recipient = {{ user_id = {:?}, namespace = {:?} }}",
                r.user_id, r.namespace
            );
        }
        if let Some(audience) = &c.audience_id {
            let _ = writeln!(s, "audience_id = {audience:?}");
        }
        if let Some(preview) = &c.preview {
            let _ = writeln!(s, "preview = {preview:?}");
        }
        for (table, schema) in [
            ("attributes", &c.attributes),
            ("content_state", &c.content_state),
        ] {
            if !schema.is_empty() {
                let _ = writeln!(s, "[campaigns.{table}]");
                for (name, spec) in schema {
                    let _ = writeln!(s, "{name} = {}", describe_field(spec));
                }
            }
        }
        for (i, step) in c.steps.iter().enumerate() {
            let state = serde_json::Value::Object(step.content_state.clone());
            let _ = write!(s, "# step {}: {} {state}", i + 1, step.event);
            if let Some(alert) = &step.alert {
                let _ = write!(s, ", alert {:?}", alert.title);
            }
            if let Some(seconds) = step.dismiss_in {
                let _ = write!(s, ", dismissed {seconds} s after it is sent");
            }
            s.push('\n');
        }
    }
    s
}

fn describe_profile(s: &mut String, profile: &Profile) {
    let _ = writeln!(s, "\n[profiles.{}]", profile.name);
    match &profile.kind {
        ProfileKind::Mock(faults) => {
            let _ = writeln!(s, "kind = \"mock\"");
            if faults.fail_rate > 0.0 {
                let _ = writeln!(s, "fail_rate = {}", faults.fail_rate);
            }
            if !faults.latency.is_zero() {
                let _ = writeln!(s, "latency = \"{}ms\"", faults.latency.as_millis());
            }
            if let Some(status) = faults.status {
                let _ = writeln!(s, "status = {status}");
            }
            if let Some(count) = faults.status_count {
                let _ = writeln!(s, "status_count = {count}");
            }
            if let Some(after) = faults.retry_after {
                let _ = writeln!(s, "retry_after = {after}");
            }
            if let Some(ttl) = faults.token_ttl {
                let _ = writeln!(s, "token_ttl = \"{}s\"", ttl.as_secs());
            }
        }
        ProfileKind::Ajo(ajo) => {
            let _ = writeln!(
                s,
                "kind = \"ajo\"\nbase_url = {:?}\nims_url = {:?}",
                ajo.base_url, ajo.ims_url
            );
            let _ = writeln!(s, "org_id = {:?}\nsandbox = {:?}", ajo.org_id, ajo.sandbox);
            let _ = writeln!(s, "client_id = {}", describe_setting(&ajo.client_id));
            match &ajo.auth {
                AuthSetting::ClientSecret(secret) => {
                    let _ = writeln!(
                        s,
                        "client_secret = {}\nscopes = {:?}",
                        describe_setting(secret),
                        ajo.scopes
                    );
                }
                AuthSetting::AccessToken(token) => {
                    let _ = writeln!(s, "access_token = {}", describe_setting(token));
                }
            }
            let _ = writeln!(s, "production = {}", ajo.production);
        }
    }
    let sending = profile.sending;
    let _ = writeln!(
        s,
        "concurrency = {}\nrate_limit = {}\nmax_attempts = {}\nconnect_timeout = \"{}ms\"\ntimeout = \"{}ms\"",
        sending.concurrency,
        sending.rate_limit,
        sending.max_attempts,
        sending.connect_timeout.as_millis(),
        sending.timeout.as_millis()
    );
}

fn describe_setting(setting: &Setting) -> String {
    let state = match setting.source.resolve(&process_env) {
        Ok(_) => "resolves",
        Err(_) => "does not resolve",
    };
    format!("\"{}\"  # {state}", setting.source)
}

fn describe_field(spec: &FieldSpec) -> String {
    let mut s = format!("{{ type = \"{}\"", spec.ty);
    if !spec.values.is_empty() {
        let _ = write!(s, ", values = {:?}", spec.values);
    }
    if spec.required {
        s.push_str(", required = true");
    }
    if let Some(default) = &spec.default {
        let _ = write!(s, ", default = {default}");
    }
    s.push_str(" }");
    s
}

fn init(cli: &Cli, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let Some(path) = cli.config.clone().or_else(paths::platform_config_file) else {
        let _ = writeln!(
            err,
            "error: no home directory to put the config in; pass --config FILE"
        );
        return EXIT_USAGE;
    };
    let fail = |err: &mut dyn Write, message: String| {
        let _ = writeln!(err, "error: {}", ConfigError::new(&path, None, message));
        EXIT_USAGE
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty())
        && let Err(e) = std::fs::create_dir_all(parent)
    {
        return fail(err, format!("cannot create {}: {e}", parent.display()));
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    match file {
        Ok(mut file) => match file.write_all(config::EXAMPLE.as_bytes()) {
            Ok(()) => {
                let _ = writeln!(out, "wrote the example config to {}", path.display());
                let _ = writeln!(out, "next: liveact config check");
                EXIT_OK
            }
            Err(e) => fail(err, format!("cannot write: {e}")),
        },
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => fail(
            err,
            "already exists; liveact config init never overwrites a config (move it away first)"
                .into(),
        ),
        Err(e) => fail(err, format!("cannot create: {e}")),
    }
}
