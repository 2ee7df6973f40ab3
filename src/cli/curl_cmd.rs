//! `liveact curl`: a ready shell script for one push, secrets kept in shell variables.

use super::{
    Cli, DraftArgs, EXIT_INVALID, EXIT_OK, EXIT_USAGE, draft, load_config, pick_profile, report,
};
use crate::activity::{dates, has_errors};
use crate::ajo::curl;
use std::io::Write;

pub fn run(cli: &Cli, args: &DraftArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let config = match load_config(cli, err) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let profile = match pick_profile(&config, cli, err) {
        Ok(profile) => profile,
        Err(code) => return code,
    };
    let now = dates::unix_now();
    let built = match draft::build(&config, args, now, None) {
        Ok(built) => built,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    if has_errors(&built.diagnostics) {
        report::diagnostics_text(err, &built.diagnostics);
        return EXIT_INVALID;
    }
    if !built.diagnostics.is_empty() {
        report::diagnostics_text(err, &built.diagnostics);
    }
    let about = format!(
        "liveact curl: campaign {} ({}), activity {}, event {}, profile {}\n\
         Generated at {}: the body's timestamp is that moment, and the device ignores stale\n\
         updates, so run this within a minute or generate it again.",
        built.campaign.name,
        built.campaign.kind,
        args.activity,
        args.event,
        profile.name,
        dates::format_unix(now),
    );
    let _ = write!(out, "{}", curl::render(profile, &built.request, &about));
    EXIT_OK
}
