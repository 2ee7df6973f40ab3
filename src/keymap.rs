//! The console's actions by name, their default keys, and the user's `[keys]` remapping.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::fmt;

/// Everything the console does from a key (pane movement keys aside).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    Quit,
    Help,
    Palette,
    NextPane,
    PreviousPane,
    SendStart,
    SendUpdate,
    SendEnd,
    NextStep,
    Walk,
    AddActivity,
    Filter,
    PreviousTab,
    NextTab,
    Export,
    CopyRequest,
    CopyPayload,
    Present,
    EditExternally,
    ImportCurl,
}

impl Action {
    pub const ALL: [Action; 20] = [
        Action::SendStart,
        Action::SendUpdate,
        Action::SendEnd,
        Action::NextStep,
        Action::Walk,
        Action::AddActivity,
        Action::Filter,
        Action::NextPane,
        Action::PreviousPane,
        Action::PreviousTab,
        Action::NextTab,
        Action::Export,
        Action::CopyRequest,
        Action::CopyPayload,
        Action::Present,
        Action::EditExternally,
        Action::ImportCurl,
        Action::Palette,
        Action::Help,
        Action::Quit,
    ];

    /// The name used in `[keys]` and the palette.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Palette => "palette",
            Action::NextPane => "next-pane",
            Action::PreviousPane => "previous-pane",
            Action::SendStart => "send-start",
            Action::SendUpdate => "send-update",
            Action::SendEnd => "send-end",
            Action::NextStep => "next-step",
            Action::Walk => "walk",
            Action::AddActivity => "add-activity",
            Action::Filter => "filter",
            Action::PreviousTab => "previous-tab",
            Action::NextTab => "next-tab",
            Action::Export => "export",
            Action::CopyRequest => "copy-request",
            Action::CopyPayload => "copy-payload",
            Action::Present => "present",
            Action::EditExternally => "edit-json",
            Action::ImportCurl => "import-curl",
        }
    }

    /// What it does, for help and the palette.
    pub fn describe(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "this help",
            Action::Palette => "every action by name",
            Action::NextPane => "next pane",
            Action::PreviousPane => "previous pane",
            Action::SendStart => "send start",
            Action::SendUpdate => "send update",
            Action::SendEnd => "send end",
            Action::NextStep => "send the next scripted step",
            Action::Walk => "walk the remaining steps (again: stop)",
            Action::AddActivity => "add an activity",
            Action::Filter => "filter activities",
            Action::PreviousTab => "previous editor tab",
            Action::NextTab => "next editor tab",
            Action::Export => "export the timeline (Markdown)",
            Action::CopyRequest => "copy the request as cURL",
            Action::CopyPayload => "copy the payload",
            Action::Present => "presenter mode: mask ids",
            Action::EditExternally => "edit the draft as JSON in $VISUAL / $EDITOR",
            Action::ImportCurl => "import a campaign: paste AJO's cURL",
        }
    }

    fn defaults(self) -> &'static [&'static str] {
        match self {
            Action::Quit => &["q"],
            Action::Help => &["?"],
            Action::Palette => &[":", "ctrl-p"],
            Action::NextPane => &["tab"],
            Action::PreviousPane => &["shift-tab"],
            Action::SendStart => &["s"],
            Action::SendUpdate => &["u"],
            Action::SendEnd => &["e"],
            Action::NextStep => &["n"],
            Action::Walk => &["N"],
            Action::AddActivity => &["a"],
            Action::Filter => &["/"],
            Action::PreviousTab => &["["],
            Action::NextTab => &["]"],
            Action::Export => &["x"],
            Action::CopyRequest => &["y"],
            Action::CopyPayload => &["Y"],
            Action::Present => &["P"],
            Action::EditExternally => &["E"],
            Action::ImportCurl => &["i"],
        }
    }

    fn by_name(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == name)
    }
}

/// One key with its modifiers, as written in `[keys]`: `x`, `N`, `ctrl-p`, `shift-tab`, `f2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    code: KeyCode,
    modifiers: KeyModifiers,
}

impl Key {
    /// Reads a key as written in the config.
    pub fn parse(text: &str) -> Result<Key, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
        while let Some((prefix, tail)) = rest
            .split_once('-')
            .filter(|(p, t)| !p.is_empty() && !t.is_empty())
        {
            modifiers |= match prefix.to_ascii_lowercase().as_str() {
                "ctrl" => KeyModifiers::CONTROL,
                "alt" => KeyModifiers::ALT,
                "shift" => KeyModifiers::SHIFT,
                _ => break,
            };
            rest = tail;
        }
        let code = match rest.to_ascii_lowercase().as_str() {
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
            "tab" => KeyCode::Tab,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "space" => KeyCode::Char(' '),
            "backspace" => KeyCode::Backspace,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            f if f.len() > 1
                && f.starts_with('f')
                && f[1..].parse::<u8>().is_ok_and(|n| (1..=12).contains(&n)) =>
            {
                KeyCode::F(f[1..].parse().unwrap_or(1))
            }
            _ if rest.chars().count() == 1 => KeyCode::Char(rest.chars().next().unwrap_or(' ')),
            _ => {
                return Err(format!(
                    "`{text}` is not a key: use a character (x, N, :), ctrl-/alt-/shift- with it, or tab, enter, esc, space, up, down, left, right, f1…f12"
                ));
            }
        };
        Ok(Key { code, modifiers }.normal())
    }

    /// The key a terminal event stands for.
    pub fn of(event: &KeyEvent) -> Key {
        Key {
            code: event.code,
            modifiers: event.modifiers,
        }
        .normal()
    }

    /// Shift is part of the character (`N`) or of BackTab; it is not compared separately.
    fn normal(self) -> Key {
        match self.code {
            KeyCode::Char(_) | KeyCode::BackTab => Key {
                modifiers: self.modifiers - KeyModifiers::SHIFT,
                ..self
            },
            _ => self,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCode::Char(' ') => f.write_str("space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::BackTab => f.write_str("shift-tab"),
            KeyCode::F(n) => write!(f, "f{n}"),
            other => write!(f, "{}", format!("{other:?}").to_ascii_lowercase()),
        }
    }
}

/// Which key runs which action.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    bindings: Vec<(Key, Action)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Action::ALL
            .iter()
            .flat_map(|a| {
                a.defaults()
                    .iter()
                    .filter_map(move |k| Key::parse(k).ok().map(|key| (key, *a)))
            })
            .collect();
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `overrides` (action name → its keys) in their place. A key bound to
    /// two actions is an error naming both.
    pub fn with_overrides<'a>(
        overrides: impl IntoIterator<Item = (&'a str, &'a [String])>,
    ) -> Result<Keymap, String> {
        let mut map = Keymap::default();
        for (name, keys) in overrides {
            let action = Action::by_name(name).ok_or_else(|| {
                let names: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                format!("`{name}` is not an action; actions: {}", names.join(", "))
            })?;
            map.bindings.retain(|(_, a)| *a != action);
            for key in keys {
                map.bindings.push((Key::parse(key)?, action));
            }
        }
        for (i, (key, action)) in map.bindings.iter().enumerate() {
            if let Some((_, other)) = map.bindings[..i]
                .iter()
                .find(|(k, a)| k == key && a != action)
            {
                return Err(format!(
                    "key `{key}` is bound to both `{}` and `{}`",
                    other.name(),
                    action.name()
                ));
            }
        }
        Ok(map)
    }

    /// The action a key event runs, if any.
    pub fn action(&self, event: &KeyEvent) -> Option<Action> {
        let key = Key::of(event);
        self.bindings
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, a)| *a)
    }

    /// The keys bound to an action, as written in the config (`ctrl-p`).
    pub fn keys_of(&self, action: Action) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, a)| *a == action)
            .map(|(k, _)| k.to_string())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_and_key_names() {
        let map = Keymap::default();
        assert_eq!(
            map.action(&event(KeyCode::Char('s'), KeyModifiers::NONE)),
            Some(Action::SendStart)
        );
        assert_eq!(
            map.action(&event(KeyCode::Char('N'), KeyModifiers::SHIFT)),
            Some(Action::Walk)
        );
        assert_eq!(
            map.action(&event(KeyCode::Char('p'), KeyModifiers::CONTROL)),
            Some(Action::Palette)
        );
        assert_eq!(
            map.action(&event(KeyCode::BackTab, KeyModifiers::SHIFT)),
            Some(Action::PreviousPane)
        );
        assert_eq!(
            map.action(&event(KeyCode::Char('e'), KeyModifiers::CONTROL)),
            None,
            "ctrl-e is not e"
        );
        assert_eq!(map.keys_of(Action::Palette), [":", "ctrl-p"]);
        assert_eq!(Key::parse("f2").unwrap().to_string(), "f2");
        assert!(
            Key::parse("hyper-x").is_err() && Key::parse("").is_err() && Key::parse("f13").is_err()
        );
    }

    #[test]
    fn overrides_replace_an_actions_keys_and_conflicts_name_both() {
        let keys = ["ctrl-s".to_string(), "S".to_string()];
        let map = Keymap::with_overrides([("send-start", &keys[..])]).unwrap();
        assert_eq!(
            map.action(&event(KeyCode::Char('s'), KeyModifiers::NONE)),
            None
        );
        assert_eq!(
            map.action(&event(KeyCode::Char('s'), KeyModifiers::CONTROL)),
            Some(Action::SendStart)
        );
        let clash = ["q".to_string()];
        assert_eq!(
            Keymap::with_overrides([("export", &clash[..])]).unwrap_err(),
            "key `q` is bound to both `quit` and `export`"
        );
        assert!(
            Keymap::with_overrides([("launch", &clash[..])])
                .unwrap_err()
                .starts_with("`launch` is not an action")
        );
    }
}
