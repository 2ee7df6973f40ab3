//! Secrets in the config: `env:NAME`, `file:PATH` or (with a warning) a literal value.

use std::fmt;
use std::path::PathBuf;

/// Where a configured value comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum SecretSource {
    Env(String),
    File(PathBuf),
    Literal(Secret),
}

impl SecretSource {
    /// Reads `env:NAME`, `file:PATH` (a leading `~/` is the home dir) or a literal.
    pub fn parse(text: &str) -> SecretSource {
        if let Some(name) = text.strip_prefix("env:") {
            SecretSource::Env(name.trim().to_string())
        } else if let Some(path) = text.strip_prefix("file:") {
            SecretSource::File(expand_home(path.trim()))
        } else {
            SecretSource::Literal(Secret::new(text))
        }
    }

    /// Resolves the value. `env` looks up environment variables (injected for tests).
    pub fn resolve(&self, env: &dyn Fn(&str) -> Option<String>) -> Result<Secret, String> {
        match self {
            SecretSource::Env(name) => match env(name) {
                Some(value) if !value.is_empty() => Ok(Secret::new(value)),
                Some(_) => Err(format!("environment variable {name} is empty")),
                None => Err(format!("environment variable {name} is not set")),
            },
            SecretSource::File(path) => std::fs::read_to_string(path)
                .map(|text| Secret::new(text.trim_end_matches(['\n', '\r'])))
                .map_err(|e| format!("cannot read {}: {e}", path.display())),
            SecretSource::Literal(secret) => Ok(secret.clone()),
        }
    }
}

impl fmt::Debug for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Shows where the value comes from, never the value itself.
impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Env(name) => write!(f, "env:{name}"),
            SecretSource::File(path) => write!(f, "file:{}", path.display()),
            SecretSource::Literal(_) => f.write_str("(literal, masked)"),
        }
    }
}

/// A secret value: Debug and Display mask it; only [`Secret::expose`] reads it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for the HTTP call that needs it. Never print it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("****")
    }
}

fn expand_home(path: &str) -> PathBuf {
    match (path.strip_prefix("~/"), directories::BaseDirs::new()) {
        (Some(rest), Some(dirs)) => dirs.home_dir().join(rest),
        _ => PathBuf::from(path),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_resolve_and_never_print_values() {
        let env = |name: &str| (name == "SET").then(|| "s3cr3t".to_string());
        assert_eq!(
            SecretSource::parse("env:SET")
                .resolve(&env)
                .unwrap()
                .expose(),
            "s3cr3t"
        );
        assert_eq!(
            SecretSource::parse("env:UNSET").resolve(&env).unwrap_err(),
            "environment variable UNSET is not set"
        );
        let literal = SecretSource::parse("hunter2");
        assert_eq!(
            format!("{literal} {literal:?}"),
            "(literal, masked) (literal, masked)"
        );
        let secret = literal.resolve(&env).unwrap();
        assert_eq!(format!("{secret} {secret:?}"), "**** Secret(****)");
    }

    #[test]
    fn file_secrets_drop_the_trailing_newline() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret");
        std::fs::write(&path, "abc\n").unwrap();
        let source = SecretSource::parse(&format!("file:{}", path.display()));
        assert_eq!(source.resolve(&|_| None).unwrap().expose(), "abc");
        let missing = SecretSource::parse("file:/nonexistent/liveact-secret");
        assert!(
            missing
                .resolve(&|_| None)
                .unwrap_err()
                .starts_with("cannot read /nonexistent/liveact-secret")
        );
    }
}
