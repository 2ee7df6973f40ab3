//! `liveact walk`: one activity through the campaign's scripted steps, with the same
//! validation, dispatcher and journal as `send`.

use super::send_cmd::{EXIT_FAULT, journal_dry_run, print_record, send_and_follow};
use super::{
    Cli, EXIT_INVALID, EXIT_OK, EXIT_USAGE, Output, WalkArgs, draft, load_config, open_store,
    pick_profile, process_env, report,
};
use crate::activity::{ActivityHistory, Draft, dates, has_errors, new_request_id};
use crate::connect::{self, ConnectError};
use crate::dispatch::{Dispatcher, Outgoing};
use crate::store::SendId;
use std::io::Write;
use std::sync::Arc;

pub fn run(cli: &Cli, args: &WalkArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let config = match load_config(cli, err) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let profile = match pick_profile(&config, cli, err) {
        Ok(profile) => profile,
        Err(code) => return code,
    };
    let usage = |err: &mut dyn Write, message: String| {
        let _ = writeln!(err, "error: {message}");
        EXIT_USAGE
    };
    let campaign = match config.campaign(&args.campaign) {
        Ok(campaign) => campaign,
        Err(message) => return usage(err, message),
    };
    let steps = campaign.steps.len();
    if steps == 0 {
        return usage(
            err,
            format!(
                "campaign `{}` has no [[campaigns.steps]] to walk",
                campaign.name
            ),
        );
    }
    if args.from == 0 || args.from > steps {
        return usage(
            err,
            format!(
                "--from {} is not a step of `{}` (1 to {steps})",
                args.from, campaign.name
            ),
        );
    }
    let interval = match dates::parse_std_duration(&args.interval) {
        Ok(interval) => interval,
        Err(message) => return usage(err, format!("--interval: {message}")),
    };
    let store = match open_store(cli, err) {
        Ok(store) => store,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(e) => return usage(err, format!("cannot start the async runtime: {e}")),
    };
    let mut ids: Vec<SendId> = Vec::new();
    let result = runtime.block_on(async {
        let mut sending = match args.dry_run {
            true => None,
            false => {
                let connection = connect::connect(&config, profile, &process_env).await?;
                let settings = connect::dispatch_settings(profile);
                let (dispatcher, progress) = Dispatcher::new(
                    connection.client,
                    Arc::clone(&store),
                    &profile.name,
                    settings,
                );
                Some((dispatcher, progress, connection.mock))
            }
        };
        let mut code = EXIT_OK;
        for index in args.from - 1..steps {
            if index > args.from - 1 && sending.is_some() {
                tokio::time::sleep(interval).await;
            }
            let now = dates::unix_now();
            let history = Some(
                store
                    .activity(&campaign.name, &args.activity)
                    .ok()
                    .flatten()
                    .map_or(ActivityHistory::NEVER_SENT, |a| a.history()),
            );
            let step = &campaign.steps[index];
            let label = format!("step {}/{steps} {}", index + 1, step.event);
            if args.output == Output::Text {
                let _ = writeln!(out, "{label}");
            }
            let built = Draft::for_step(campaign, index, now).and_then(|d| {
                let to = draft::Addressing {
                    activity: &args.activity,
                    user: None,
                    namespace: None,
                    audience: None,
                    request_id: new_request_id(),
                };
                draft::request(campaign, &d, to, now, history.as_ref())
            });
            let built = match built {
                Ok(built) => built,
                Err(message) => {
                    let _ = writeln!(err, "error: {label}: {message}");
                    code = EXIT_USAGE;
                    break;
                }
            };
            if !built.diagnostics.is_empty() {
                let _ = writeln!(err, "{label}:");
                report::diagnostics_text(err, &built.diagnostics);
            }
            if has_errors(&built.diagnostics) {
                code = EXIT_INVALID;
                break;
            }
            let outgoing = Outgoing {
                campaign: campaign.name.clone(),
                activity: args.activity.clone(),
                event: step.event,
                endpoint: built.request.endpoint,
                request_id: built.request.request_id.clone(),
                body: built.request.body.clone(),
                recipient: Some(built.recipient.clone()),
            };
            let (id, step_code) = match &mut sending {
                Some((dispatcher, progress, _)) => {
                    send_and_follow(dispatcher, progress, outgoing, args.output, out, err).await?
                }
                None => match journal_dry_run(&store, &profile.name, &outgoing) {
                    Ok(id) => {
                        if args.output == Output::Text {
                            let _ = writeln!(out, "dry run: valid, journaled as send #{id}");
                        }
                        (id, EXIT_OK)
                    }
                    Err(e) => return Err(ConnectError::Setup(e.to_string())),
                },
            };
            ids.push(id);
            if step_code != EXIT_OK {
                code = step_code;
                break;
            }
        }
        if let Some((_, _, Some(mock))) = sending {
            mock.shutdown().await;
        }
        Ok::<u8, ConnectError>(code)
    });
    if args.output == Output::Json {
        let _ = writeln!(out, "[");
        for (i, id) in ids.iter().enumerate() {
            if i > 0 {
                let _ = writeln!(out, ",");
            }
            print_record(&store, *id, out);
        }
        let _ = writeln!(out, "]");
    }
    match result {
        Ok(code) => code,
        Err(ConnectError::Config(errors)) => {
            report::config_findings(err, "error", &errors.0);
            EXIT_USAGE
        }
        Err(ConnectError::Setup(message)) => {
            let _ = writeln!(err, "error: {message}");
            EXIT_FAULT
        }
    }
}
