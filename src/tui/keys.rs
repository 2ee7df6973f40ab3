//! The keys of each pane, as `?` lists them.

use super::app::Pane;
use crate::keymap::{Action, Keymap};

/// The help's lines for the focused pane and every action as bound, whose key or text contains
/// `query` (case-insensitive): (keys, what they do).
pub fn help(pane_focus: Pane, keymap: &Keymap, query: &str) -> Vec<(String, String)> {
    let query = query.to_lowercase();
    let pane_keys = pane(pane_focus)
        .iter()
        .map(|(k, what)| (k.to_string(), what.to_string()));
    let actions = Action::ALL.iter().map(|a| {
        let keys = keymap.keys_of(*a);
        let keys = if keys.is_empty() {
            "(unbound)".to_string()
        } else {
            keys.join(" ")
        };
        (keys, format!("{} ({})", a.describe(), a.name()))
    });
    pane_keys
        .chain(std::iter::once((
            "Ctrl-C".to_string(),
            "quit, always".to_string(),
        )))
        .chain(actions)
        .filter(|(k, what)| {
            query.is_empty()
                || k.to_lowercase().contains(&query)
                || what.to_lowercase().contains(&query)
        })
        .collect()
}

/// Keys of one pane.
pub fn pane(pane: Pane) -> &'static [(&'static str, &'static str)] {
    match pane {
        Pane::Campaigns => &[(
            "↑ ↓  j k",
            "pick a campaign: loads its schema, defaults and steps",
        )],
        Pane::Activities => &[
            ("↑ ↓  j k", "pick an activity"),
            ("/", "filter activities by id"),
            ("Enter", "edit its next push"),
        ],
        Pane::Editor => &[
            ("↑ ↓  j k", "pick a field"),
            ("← →  h l", "cycle an enum or bool field"),
            (
                "Enter",
                "edit the field (Enter or Esc ends); in raw JSON, edit the whole draft",
            ),
            ("Ctrl-V / paste", "inserts text into the field being edited"),
        ],
        Pane::Preview => &[("↑ ↓  j k", "scroll the request")],
        Pane::Log => &[
            ("↑ ↓  j k", "pick a send"),
            ("Enter", "open its request, response and attempts"),
            ("c", "cancel it if queued or in flight"),
            ("y in detail", "copy the response body"),
        ],
    }
}
