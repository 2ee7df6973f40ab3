//! The console in a real terminal: tmux runs `liveact --demo`, keys go in with send-keys and
//! the screen comes back with capture-pane. `.ci/run` installs tmux when it is missing.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// A private tmux server with one shell session, killed on drop.
struct Tmux {
    socket: String,
}

impl Tmux {
    fn start(name: &str, width: u16, height: u16, dir: &Path) -> Tmux {
        let tmux = Tmux {
            socket: format!("liveact-{name}-{}", std::process::id()),
        };
        let status = tmux
            .command()
            .args([
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
                "-c",
            ])
            .arg(dir)
            .arg("sh")
            .status()
            .expect("tmux is installed (.ci/run installs it)");
        assert!(status.success());
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket]).env_remove("TMUX");
        command
    }

    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `check` holds (20 s at most).
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if check(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what}; the screen is:\n{screen}"
            );
            std::thread::yield_now();
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

#[test]
fn the_demo_sends_in_a_real_terminal_and_quitting_restores_it() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("demo", 120, 40, dir.path());
    let command = format!(
        "{} --demo --state-dir {}",
        env!("CARGO_BIN_EXE_liveact"),
        dir.path().join("state").display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for("the console", |s| {
        s.contains("Campaigns") && s.contains("no sends yet")
    });
    tmux.keys(&["a"]);
    tmux.wait_for("the add box", |s| s.contains("New activity id"));
    tmux.keys(&["order-1", "Enter"]);
    tmux.wait_for("the activity", |s| s.contains("order-1"));
    tmux.keys(&["n"]);
    let screen = tmux.wait_for("the start to be accepted", |s| s.contains("accepted"));
    assert!(
        screen.contains("start") && screen.contains("MOCK-1"),
        "{screen}"
    );
    tmux.keys(&["n"]);
    tmux.wait_for("the update to be accepted", |s| {
        s.matches("accepted").count() == 2
    });

    tmux.keys(&["q"]);
    tmux.wait_for("the shell again", |s| !s.contains("Campaigns"));
    // Cooked mode is back: the terminal echoes and reads lines again.
    tmux.keys(&[
        "echo MODE $(stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo)",
        "Enter",
    ]);
    // The answer line, not the typed command that also holds "MODE"; a prompt may precede it.
    let answer = |l: &&str| l.contains("MODE ") && !l.contains("echo MODE");
    let screen = tmux.wait_for("stty", |s| s.lines().any(|l| answer(&l)));
    let line = screen.lines().find(answer).unwrap();
    let modes = line.split("MODE ").nth(1).unwrap_or_default().trim_end();
    assert_eq!(modes, "icanon echo", "raw mode was not undone");
}

#[test]
fn narrow_terminals_get_tabs_and_tiny_ones_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("narrow", 80, 24, dir.path());
    let command = format!(
        "{} --demo --state-dir {}",
        env!("CARGO_BIN_EXE_liveact"),
        dir.path().join("state").display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for("tabs", |s| {
        s.contains("Campaigns │ Activities │ Editor │ Preview │ Log")
    });
    let status = tmux
        .command()
        .args(["resize-window", "-t", "t", "-x", "50", "-y", "12"])
        .status()
        .unwrap();
    assert!(status.success());
    tmux.wait_for("the size message", |s| {
        s.contains("terminal too small (50×12, needs 60×16)")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the shell again", |s| !s.contains("too small"));
}

/// The pane with its escape sequences, as `capture-pane -e` renders them.
fn escaped_screen(tmux: &Tmux) -> String {
    let out = tmux
        .command()
        .args(["capture-pane", "-e", "-p", "-t", "t"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the SGR sequences (`ESC [ … m`) in `text` do: (set a colour, set reverse video).
/// Colours are 30–38 and 90–97 (foreground), 40–48 and 100–107 (background); 39 and 49 only
/// go back to the terminal's defaults.
fn sgr_effects(text: &str) -> (bool, bool) {
    let (mut colour, mut reversed) = (false, false);
    for rest in text.split("\x1b[").skip(1) {
        let end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == ';'))
            .unwrap_or(rest.len());
        if !rest[end..].starts_with('m') {
            continue;
        }
        let mut params = rest[..end]
            .split(';')
            .map(|p| p.parse::<u16>().unwrap_or(0));
        while let Some(param) = params.next() {
            match param {
                7 => reversed = true,
                30..=37 | 40..=47 | 90..=97 | 100..=107 => colour = true,
                // 38/48/58;5;N and 38/48/58;2;R;G;B: skip the arguments (58 is an underline colour).
                38 | 48 | 58 => {
                    colour |= param != 58;
                    match params.next() {
                        Some(5) => {
                            params.next();
                        }
                        Some(2) => {
                            params.nth(2);
                        }
                        _ => {}
                    }
                }
                _ => {}
            }
        }
    }
    (colour, reversed)
}

#[test]
fn sgr_effects_tell_colours_from_reverse_video() {
    assert_eq!(
        sgr_effects("\x1b[7mA\x1b[0m\x1b[39m\x1b[49m"),
        (false, true)
    );
    assert_eq!(sgr_effects("\x1b[38;2;7;7;7mA"), (true, false));
    assert_eq!(sgr_effects("\x1b[1;36mA"), (true, false));
    assert_eq!(sgr_effects("\x1b[38;5;9mA\x1b[1;7mB"), (true, true));
    assert_eq!(sgr_effects("\x1b[2J\x1b[107m"), (true, false));
}

#[test]
fn no_color_draws_the_highlights_without_a_colour_code() {
    let dir = tempfile::tempdir().unwrap();
    let capture = |name: &str, env: &str| {
        let tmux = Tmux::start(name, 120, 40, dir.path());
        let command = format!(
            "{env} {} --demo --state-dir {}",
            env!("CARGO_BIN_EXE_liveact"),
            dir.path().join(name).display()
        );
        tmux.keys(&[&command, "Enter"]);
        // The status bar is the last line drawn.
        tmux.wait_for("the console", |s| {
            s.contains("Campaigns") && s.contains("? help")
        });
        let screen = escaped_screen(&tmux);
        tmux.keys(&["q"]);
        tmux.wait_for("the shell again", |s| !s.contains("Campaigns"));
        screen
    };
    let plain = capture("nocolor", "NO_COLOR=1");
    assert_eq!(
        sgr_effects(&plain),
        (false, true),
        "no colour, a reversed selection:\n{plain:?}"
    );
    let coloured = capture("color", "env -u NO_COLOR");
    assert_eq!(
        sgr_effects(&coloured),
        (true, true),
        "colours without NO_COLOR:\n{coloured:?}"
    );
}

#[test]
fn capital_e_edits_the_draft_in_the_editor_and_the_console_comes_back() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("editor", 120, 40, dir.path());
    let command = format!(
        "EDITOR='sed -i s/Pizza/Sushi/' {} --demo --state-dir {}",
        env!("CARGO_BIN_EXE_liveact"),
        dir.path().join("state").display()
    );
    tmux.keys(&[&command, "Enter"]);
    tmux.wait_for("the console", |s| s.contains("Pizza: {orderStatus}"));
    tmux.keys(&["E"]);
    let screen = tmux.wait_for("the edited draft", |s| {
        s.contains("draft updated from the editor")
    });
    assert!(
        screen.contains("Sushi: {orderStatus}"),
        "the card follows the edit:\n{screen}"
    );
    assert!(
        screen.contains("Campaigns"),
        "the console is back:\n{screen}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the shell again", |s| !s.contains("Campaigns"));
}
