//! Editing the draft's raw JSON in the user's own editor (`$VISUAL`, `$EDITOR`, else `vi`).

use std::io::Write;
use std::process::Command;

/// The editor command the user asked for.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string())
}

/// Writes `text` to a temporary `.json` file, runs `command FILE` (through `sh -c`, so
/// `code --wait` works) and gives back the file's text once the editor exits successfully.
pub fn edit_with(command: &str, text: &str) -> Result<String, String> {
    let mut file = tempfile::Builder::new()
        .prefix("liveact-draft-")
        .suffix(".json")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("cannot write the temporary file: {e}"))?;
    let path = file.path().to_path_buf();
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{command} \"$1\""))
        .arg("liveact-editor")
        .arg(&path)
        .status()
        .map_err(|e| format!("cannot run `{command}`: {e}"))?;
    if !status.success() {
        return Err(format!(
            "`{command}` exited with {status}; the draft is unchanged"
        ));
    }
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_editor_edits_the_file_and_a_failing_editor_changes_nothing() {
        assert_eq!(
            edit_with("sed -i s/Ordered/Delivered/", "{\"s\": \"Ordered\"}").unwrap(),
            "{\"s\": \"Delivered\"}"
        );
        let err = edit_with("false", "{}").unwrap_err();
        assert!(err.starts_with("`false` exited with"), "{err}");
    }
}
