//! Runs the real `liveact` binary in a clean environment.

#![allow(dead_code)] // each test crate uses part of this module

use liveact::config;
use liveact::mock::{Faults, MockServer, MockSettings};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A sandbox: a working directory and a platform config home of its own, nothing inherited.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("xdg-config")).unwrap();
        Sandbox {
            dir,
            env: Vec::new(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file in the sandbox and returns its path.
    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    pub fn env(mut self, key: &str, value: &str) -> Sandbox {
        self.env.push((key.into(), value.into()));
        self
    }

    /// The platform config file `liveact config init` writes (XDG on Linux).
    pub fn platform_config(&self) -> PathBuf {
        self.path("xdg-config/liveact/config.toml")
    }

    pub fn run(&self, args: &[&str]) -> Run {
        self.run_with_stdin(args, "")
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: &str) -> Run {
        let mut command = Command::new(env!("CARGO_BIN_EXE_liveact"));
        command
            .args(args)
            .current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            command.env(key, value);
        }
        let mut child = command.spawn().expect("liveact runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        Run(child.wait_with_output().unwrap())
    }
}

/// The outcome of one run.
pub struct Run(pub Output);

impl Run {
    pub fn code(&self) -> i32 {
        self.0.status.code().expect("exited")
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.0.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.0.stderr).into_owned()
    }
    /// Asserts the exit code, showing both streams when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code(),
            code,
            "stdout:\n{}\nstderr:\n{}",
            self.stdout(),
            self.stderr()
        );
        self
    }
}

/// The example config shipped in the repository.
pub fn example_config() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
}

/// A mock AJO served from this test, for `ajo` profiles; the runtime keeps it running.
pub struct ExternalMock {
    pub runtime: tokio::runtime::Runtime,
    pub server: MockServer,
}

impl ExternalMock {
    pub fn start(
        campaigns: Vec<config::Campaign>,
        credentials: Option<(&str, &str)>,
    ) -> ExternalMock {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let settings = MockSettings {
            campaigns,
            credentials: credentials.map(|(a, b)| (a.to_string(), b.to_string())),
            faults: Faults::default(),
        };
        let server = runtime
            .block_on(MockServer::start("127.0.0.1:0".parse().unwrap(), settings))
            .unwrap();
        ExternalMock { runtime, server }
    }

    pub fn profile(&self, extra: &str) -> String {
        format!(
            "[profiles.local]\nkind = \"ajo\"\nbase_url = \"{}\"\nims_url = \"{}\"\norg_id = \"ORG@AdobeOrg\"\nsandbox = \"prod\"\nclient_id = \"env:AJO_CLIENT_ID\"\n{extra}\n",
            self.server.base_url(),
            self.server.ims_url()
        )
    }

    pub fn get(&self, path: &str) -> Value {
        let url = format!("http://{}{path}", self.server.addr());
        self.runtime.block_on(async {
            serde_json::from_str(&reqwest::get(url).await.unwrap().text().await.unwrap()).unwrap()
        })
    }
}
