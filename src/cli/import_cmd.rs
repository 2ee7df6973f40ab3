//! `liveact import-curl FILE|-`: a campaign entry from the cURL AJO shows, printed or written.

use super::validate_cmd::read_input;
use super::{Cli, EXIT_OK, EXIT_USAGE, ImportCurlArgs, load_config, locate};
use crate::ajo::import::{import_curl, write_imported};
use std::io::Write;

pub fn run(cli: &Cli, args: &ImportCurlArgs, out: &mut dyn Write, err: &mut dyn Write) -> u8 {
    let text = match read_input(&args.file) {
        Ok(text) => text,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    // Printing works without a config; writing needs one to put the file next to.
    let config = match locate(cli) {
        Ok(_) => match load_config(cli, err) {
            Ok(config) => Some(config),
            Err(code) => return code,
        },
        Err(missing) if args.write => {
            let _ = writeln!(
                err,
                "error: --write puts the entry next to the config: {missing}"
            );
            return EXIT_USAGE;
        }
        Err(_) => {
            let _ = writeln!(
                err,
                "note: no config file found: names are not checked against one"
            );
            None
        }
    };
    let imported = match import_curl(&text, config.as_ref()) {
        Ok(imported) => imported,
        Err(error) => {
            let _ = writeln!(err, "error: {error}");
            return EXIT_USAGE;
        }
    };
    for warning in &imported.warnings {
        let _ = writeln!(err, "warning: {warning}");
    }
    match config.filter(|_| args.write) {
        Some(config) => match write_imported(&imported, &config) {
            Ok(path) => {
                let _ = writeln!(out, "wrote {}", path.display());
                let _ = writeln!(err, "next: liveact config check");
                EXIT_OK
            }
            Err(error) => {
                let _ = writeln!(err, "error: {error}");
                EXIT_USAGE
            }
        },
        None => {
            let _ = write!(out, "{}", imported.toml());
            EXIT_OK
        }
    }
}
