//! The keys of each pane, as `?` lists them.

use super::app::Pane;

/// Keys that work everywhere outside a text field.
pub const GLOBAL: &[(&str, &str)] = &[
    ("Tab / Shift-Tab", "next / previous pane"),
    ("s u e", "send start / update / end"),
    ("n", "send the next scripted step"),
    ("N", "walk the remaining steps, 5 s apart (N stops)"),
    ("x", "export the activity's timeline (Markdown)"),
    ("a", "add an activity (Enter alone: generated id)"),
    ("y / Y", "copy request as cURL / payload (OSC 52)"),
    ("P", "presenter mode: mask ids and tokens"),
    ("[ ]", "previous / next editor tab"),
    ("?", "this help"),
    ("q  Ctrl-C", "quit"),
];

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
