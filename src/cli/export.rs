//! `liveact history --activity ID --export md|jsonl [--out FILE]`.

use super::{EXIT_OK, EXIT_USAGE, Export};
use crate::store::Store;
use crate::timeline::{self, Format};
use std::io::Write;
use std::path::Path;

pub fn run(
    store: &Store,
    activity: &str,
    campaign: Option<&str>,
    format: Export,
    to: Option<&Path>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> u8 {
    let format = match format {
        Export::Md => Format::Markdown,
        Export::Jsonl => Format::JsonLines,
    };
    let (text, count) = match timeline::render(store, activity, campaign, format) {
        Ok(rendered) => rendered,
        Err(message) => {
            let _ = writeln!(err, "error: {message}");
            return EXIT_USAGE;
        }
    };
    match to {
        Some(path) => match std::fs::write(path, text) {
            Ok(()) => {
                let _ = writeln!(
                    err,
                    "wrote {count} send(s) of {activity} to {}",
                    path.display()
                );
                EXIT_OK
            }
            Err(e) => {
                let _ = writeln!(err, "error: cannot write {}: {e}", path.display());
                EXIT_USAGE
            }
        },
        None => {
            let _ = out.write_all(text.as_bytes());
            EXIT_OK
        }
    }
}
