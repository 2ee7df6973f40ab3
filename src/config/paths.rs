//! Where the config file is found: `--config`, `$LIVEACT_CONFIG`, `./liveact.toml`, then the
//! platform config dir.

use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that names the config file.
pub const CONFIG_ENV: &str = "LIVEACT_CONFIG";
/// The config file looked for in the working directory.
pub const LOCAL_FILE: &str = "liveact.toml";

/// Why a config file was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reason {
    Flag,
    Env,
    WorkingDir,
    Platform,
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Reason::Flag => "given with --config",
            Reason::Env => "named by $LIVEACT_CONFIG",
            Reason::WorkingDir => "found as ./liveact.toml in the working directory",
            Reason::Platform => "found in the platform config directory",
        })
    }
}

/// The config file in use and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub path: PathBuf,
    pub reason: Reason,
}

/// No config file exists at any of the places looked at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    pub searched: Vec<PathBuf>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no config file found (looked for ")?;
        for (i, path) in self.searched.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}", path.display())?;
        }
        write!(
            f,
            ")\n  hint: run `liveact config init` to write the example, or pass --config FILE"
        )
    }
}

/// `…/liveact/config.toml` in the platform config dir (XDG on Linux), if a home is known.
pub fn platform_config_file() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "liveact")
        .map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Picks the config file: the flag, then the environment variable, then `./liveact.toml`,
/// then the platform file. The first two are used even if missing (loading reports it).
pub fn locate(
    flag: Option<&Path>,
    env: Option<&str>,
    cwd: &Path,
    platform: Option<PathBuf>,
) -> Result<Located, NotFound> {
    if let Some(path) = flag {
        return Ok(Located {
            path: path.to_path_buf(),
            reason: Reason::Flag,
        });
    }
    if let Some(path) = env.filter(|p| !p.is_empty()) {
        return Ok(Located {
            path: PathBuf::from(path),
            reason: Reason::Env,
        });
    }
    let local = cwd.join(LOCAL_FILE);
    if local.is_file() {
        return Ok(Located {
            path: local,
            reason: Reason::WorkingDir,
        });
    }
    if let Some(path) = platform.as_ref().filter(|p| p.is_file()) {
        return Ok(Located {
            path: path.clone(),
            reason: Reason::Platform,
        });
    }
    Err(NotFound {
        searched: std::iter::once(local).chain(platform).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_flag_env_cwd_platform() {
        let dir = tempfile::tempdir().unwrap();
        let platform = dir.path().join("platform.toml");
        let flag = Path::new("/x/flag.toml");
        let found = locate(
            Some(flag),
            Some("/x/env.toml"),
            dir.path(),
            Some(platform.clone()),
        )
        .unwrap();
        assert_eq!(found.reason, Reason::Flag);
        let found = locate(
            None,
            Some("/x/env.toml"),
            dir.path(),
            Some(platform.clone()),
        )
        .unwrap();
        assert_eq!(
            (found.path.as_path(), found.reason),
            (Path::new("/x/env.toml"), Reason::Env)
        );
        let missing = locate(None, None, dir.path(), Some(platform.clone())).unwrap_err();
        assert_eq!(
            missing.searched,
            vec![dir.path().join(LOCAL_FILE), platform.clone()]
        );
        std::fs::write(&platform, "").unwrap();
        assert_eq!(
            locate(None, Some(""), dir.path(), Some(platform.clone()))
                .unwrap()
                .reason,
            Reason::Platform
        );
        std::fs::write(dir.path().join(LOCAL_FILE), "").unwrap();
        assert_eq!(
            locate(None, None, dir.path(), Some(platform))
                .unwrap()
                .reason,
            Reason::WorkingDir
        );
    }
}
