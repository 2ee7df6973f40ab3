//! Config errors and warnings that point at `file:line:column`.

use std::fmt;
use std::path::{Path, PathBuf};

/// A 1-based line and column in a config file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    /// The line and column of byte `offset` in `text` (columns count characters).
    pub fn of(text: &str, offset: usize) -> Pos {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        Pos { line, column }
    }
}

/// One problem found in a config file, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: PathBuf,
    pub pos: Option<Pos>,
    pub message: String,
    pub hint: Option<String>,
}

impl ConfigError {
    pub fn new(file: &Path, pos: Option<Pos>, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            pos,
            message: message.into(),
            hint: None,
        }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(pos) = self.pos {
            write!(f, ":{}:{}", pos.line, pos.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// Every problem found while loading one file (at least one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

impl From<ConfigError> for ConfigErrors {
    fn from(error: ConfigError) -> Self {
        ConfigErrors(vec![error])
    }
}

/// A finding that does not stop loading (a literal secret, an unused placeholder).
pub type ConfigWarning = ConfigError;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let text = "a = 1\nbé = 2\n";
        assert_eq!(Pos::of(text, 0), Pos { line: 1, column: 1 });
        assert_eq!(Pos::of(text, 6), Pos { line: 2, column: 1 });
        // "bé = " is 6 bytes but 5 characters: the value starts at column 6.
        assert_eq!(Pos::of(text, 12), Pos { line: 2, column: 6 });
        // Inside a multi-byte character and past the end never panic.
        assert_eq!(Pos::of(text, 8), Pos { line: 2, column: 2 });
        assert_eq!(Pos::of(text, 999), Pos { line: 3, column: 1 });
    }
}
