//! Printing diagnostics and config findings.

use crate::activity::{Diagnostic, Severity, has_errors};
use crate::config::ConfigError;
use serde_json::json;
use std::io::Write;

/// Prints diagnostics one per line (with hints), then a summary line.
pub fn diagnostics_text(out: &mut dyn Write, diagnostics: &[Diagnostic]) {
    for d in diagnostics {
        let _ = writeln!(out, "{d}");
    }
    let count = |s: Severity| diagnostics.iter().filter(|d| d.severity == s).count();
    let (errors, warnings) = (count(Severity::Error), count(Severity::Warning));
    let verdict = if errors > 0 {
        "nothing would be sent"
    } else {
        "ready to send"
    };
    let _ = writeln!(out, "{errors} error(s), {warnings} warning(s): {verdict}");
}

/// Prints diagnostics as one JSON document.
pub fn diagnostics_json(out: &mut dyn Write, diagnostics: &[Diagnostic]) {
    let document = json!({
        "valid": !has_errors(diagnostics),
        "diagnostics": diagnostics,
    });
    let _ = writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(&document).unwrap_or_default()
    );
}

/// Prints config errors or warnings, each prefixed with its kind.
pub fn config_findings(out: &mut dyn Write, label: &str, findings: &[ConfigError]) {
    for finding in findings {
        let _ = writeln!(out, "{label}: {finding}");
    }
}
