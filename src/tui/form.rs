//! The editor's form, generated from a campaign's schema: one field per content-state and
//! attribute, the alert, the dates, and the same draft as raw JSON.

use crate::activity::dates::{self, SWIFT_REFERENCE_OFFSET};
use crate::activity::{Alert, Diagnostic, Draft, Event, FieldSpec, FieldType, Severity};
use crate::config::{Campaign, CampaignKind, Step};
use ratatui_textarea::TextArea;
use serde_json::{Map, Value};

/// The editor's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    ContentState,
    Alert,
    Attributes,
    Dates,
    Raw,
}

impl Section {
    pub const ALL: [Section; 5] = [
        Section::ContentState,
        Section::Alert,
        Section::Attributes,
        Section::Dates,
        Section::Raw,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::ContentState => "content-state",
            Section::Alert => "alert",
            Section::Attributes => "attributes",
            Section::Dates => "dates",
            Section::Raw => "raw JSON",
        }
    }

    /// The next (or previous) tab, wrapping.
    pub fn cycle(self, forward: bool) -> Section {
        let i = Section::ALL.iter().position(|s| *s == self).unwrap_or(0);
        let n = Section::ALL.len();
        Section::ALL[if forward {
            (i + 1) % n
        } else {
            (i + n - 1) % n
        }]
    }
}

/// How a field is edited.
#[derive(Debug, Clone)]
pub enum Input {
    /// Typed text, one line.
    Text(Box<TextArea<'static>>),
    /// One of a list, cycled with ←/→ (`None`: not set).
    Choice {
        values: Vec<String>,
        index: Option<usize>,
    },
}

/// One form field.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: String,
    /// The schema of a content-state or attribute field; `None` for alert and date fields.
    pub spec: Option<FieldSpec>,
    pub input: Input,
}

impl Field {
    fn text(name: &str, spec: Option<FieldSpec>, value: &str) -> Field {
        Field {
            name: name.into(),
            spec,
            input: Input::Text(Box::new(line(value))),
        }
    }

    fn for_spec(name: &str, spec: &FieldSpec) -> Field {
        let input = match spec.ty {
            FieldType::Enum => Input::Choice {
                values: spec.values.clone(),
                index: None,
            },
            FieldType::Bool => Input::Choice {
                values: vec!["true".into(), "false".into()],
                index: None,
            },
            _ => Input::Text(Box::new(line(""))),
        };
        let mut field = Field {
            name: name.into(),
            spec: Some(spec.clone()),
            input,
        };
        if let Some(default) = &spec.default {
            field.set_value(default);
        }
        field
    }

    /// The text as typed, or the chosen value; empty when unset.
    pub fn text_value(&self) -> String {
        match &self.input {
            Input::Text(area) => area.lines().join(""),
            Input::Choice { values, index } => index
                .and_then(|i| values.get(i))
                .cloned()
                .unwrap_or_default(),
        }
    }

    /// Sets the field from a JSON value as it would be sent (dates shown as RFC 3339).
    pub fn set_value(&mut self, value: &Value) {
        let text = match (self.spec.as_ref().map(|s| s.ty), value) {
            (Some(FieldType::Date), Value::Number(n)) => n
                .as_f64()
                .map_or_else(String::new, dates::format_swift_date),
            (Some(FieldType::UnixDate), Value::Number(n)) => {
                n.as_i64().map_or_else(String::new, dates::format_unix)
            }
            (Some(FieldType::Json), v) => v.to_string(),
            (_, Value::String(s)) => s.clone(),
            (_, Value::Null) => String::new(),
            (_, v) => v.to_string(),
        };
        self.set_text(&text);
    }

    /// Sets the text (or picks the choice equal to it).
    pub fn set_text(&mut self, text: &str) {
        match &mut self.input {
            Input::Text(area) => **area = line(text),
            Input::Choice { values, index } => *index = values.iter().position(|v| v == text),
        }
    }

    /// Cycles a choice; false for text fields.
    pub fn cycle(&mut self, forward: bool) -> bool {
        let Input::Choice { values, index } = &mut self.input else {
            return false;
        };
        let n = values.len();
        if n == 0 {
            return false;
        }
        *index = Some(match (*index, forward) {
            (None, true) => 0,
            (None, false) => n - 1,
            (Some(i), true) => (i + 1) % n,
            (Some(i), false) => (i + n - 1) % n,
        });
        true
    }

    /// The JSON this field sends, `None` when empty, or why its text does not fit.
    pub fn json(&self, now: i64) -> Result<Option<Value>, String> {
        let text = self.text_value();
        if text.trim().is_empty() {
            return Ok(None);
        }
        match &self.spec {
            Some(spec) => spec.from_text(&text, now).map(Some),
            None => Ok(Some(Value::String(text))),
        }
    }

    /// What a date field's text stands for, e.g. `→ 2026-12-04T20:15:00Z (sends 786571200)`.
    pub fn resolved(&self, now: i64) -> Option<String> {
        let spec = self.spec.as_ref()?;
        if !matches!(spec.ty, FieldType::Date | FieldType::UnixDate) {
            return None;
        }
        let text = self.text_value();
        if text.trim().is_empty() {
            return None;
        }
        Some(match dates::parse_time(&text, now) {
            Ok(unix) => {
                let sent = if spec.ty == FieldType::Date {
                    unix - SWIFT_REFERENCE_OFFSET
                } else {
                    unix
                };
                format!("→ {} (sends {sent})", dates::format_unix(unix))
            }
            Err(message) => message,
        })
    }
}

/// A single-line text area holding `text`.
pub fn line(text: &str) -> TextArea<'static> {
    let mut area = TextArea::new(vec![text.replace(['\n', '\r'], " ")]);
    area.move_cursor(ratatui_textarea::CursorMove::End);
    area
}

/// Everything the user edits for one campaign.
#[derive(Debug, Clone)]
pub struct Form {
    pub content_state: Vec<Field>,
    pub attributes: Vec<Field>,
    /// title, body, sound.
    pub alert: Vec<Field>,
    /// dismissal date, stale date, relevance score, and for a broadcast its schedule.
    pub dates: Vec<Field>,
    /// content-state keys from the raw JSON that the schema does not know (sent, and warned about).
    pub extra_state: Map<String, Value>,
    pub raw: TextArea<'static>,
    /// Why the raw JSON does not apply, with its line and column.
    pub raw_error: Option<String>,
}

const DISMISSAL: &str = "dismissal-date";
const STALE: &str = "stale-date";
const RELEVANCE: &str = "relevance-score";
/// When a broadcast runs (`schedule.executeAt`); empty runs it at once.
const SCHEDULE: &str = "schedule";

impl Form {
    /// A form holding the campaign's defaults.
    pub fn new(campaign: &Campaign, now: i64) -> Form {
        let schema_fields = |schema: &crate::activity::Schema| {
            schema.iter().map(|(n, s)| Field::for_spec(n, s)).collect()
        };
        let mut form = Form {
            content_state: schema_fields(&campaign.content_state),
            attributes: schema_fields(&campaign.attributes),
            alert: vec![
                Field::text("title", None, ""),
                Field::text("body", None, ""),
                Field::text("sound", None, ""),
            ],
            dates: vec![
                Field::text(DISMISSAL, None, ""),
                Field::text(STALE, None, ""),
                Field::text(RELEVANCE, Some(number_spec()), ""),
            ],
            extra_state: Map::new(),
            raw: TextArea::default(),
            raw_error: None,
        };
        if campaign.kind == CampaignKind::Marketing {
            form.dates.push(Field::text(SCHEDULE, None, ""));
        }
        form.sync_raw(now);
        form
    }

    pub fn fields(&self, section: Section) -> &[Field] {
        match section {
            Section::ContentState => &self.content_state,
            Section::Alert => &self.alert,
            Section::Attributes => &self.attributes,
            Section::Dates => &self.dates,
            Section::Raw => &[],
        }
    }

    pub fn fields_mut(&mut self, section: Section) -> &mut [Field] {
        match section {
            Section::ContentState => &mut self.content_state,
            Section::Alert => &mut self.alert,
            Section::Attributes => &mut self.attributes,
            Section::Dates => &mut self.dates,
            Section::Raw => &mut [],
        }
    }

    /// The draft these fields describe; fields whose text does not fit their type come back as
    /// error diagnostics (path under `aps.`) and are left out.
    pub fn draft(&self, event: Event, now: i64) -> (Draft, Vec<Diagnostic>) {
        let mut problems = Vec::new();
        let mut collect = |fields: &[Field], prefix: Option<&str>| {
            let mut map = Map::new();
            for field in fields {
                match field.json(now) {
                    Ok(Some(value)) => {
                        map.insert(field.name.clone(), value);
                    }
                    Ok(None) => {}
                    Err(message) => problems.push(Diagnostic::new(
                        Severity::Error,
                        "field-input",
                        match prefix {
                            Some(prefix) => format!("aps.{prefix}.{}", field.name),
                            None => format!("aps.{}", field.name),
                        },
                        format!("{}: {message}", field.name),
                    )),
                }
            }
            map
        };
        let mut content_state = collect(&self.content_state, Some("content-state"));
        for (key, value) in &self.extra_state {
            content_state
                .entry(key.clone())
                .or_insert_with(|| value.clone());
        }
        let attributes = collect(&self.attributes, Some("attributes"));
        let alert = collect(&self.alert, Some("alert"));
        let dates_map = collect(self.dates.get(2..3).unwrap_or_default(), None);
        let mut time = |index: usize| -> Option<i64> {
            let field = self.dates.get(index)?;
            let text = field.text_value();
            if text.trim().is_empty() {
                return None;
            }
            match dates::parse_time(&text, now) {
                Ok(t) => Some(t),
                Err(message) => {
                    let path = match field.name.as_str() {
                        SCHEDULE => "schedule.executeAt".to_string(),
                        name => format!("aps.{name}"),
                    };
                    problems.push(Diagnostic::new(
                        Severity::Error,
                        "field-input",
                        path,
                        message,
                    ));
                    None
                }
            }
        };
        let dismissal_date = time(0);
        let stale_date = time(1);
        let schedule_at = time(3);
        let text = |key: &str| alert.get(key).and_then(Value::as_str).map(str::to_string);
        let alert = match (text("title"), text("body")) {
            (None, None) => None,
            (title, body) => Some(Alert {
                title: title.unwrap_or_default(),
                body: body.unwrap_or_default(),
                sound: text("sound"),
            }),
        };
        let draft = Draft {
            event,
            content_state,
            attributes,
            alert,
            dismissal_date,
            stale_date,
            relevance_score: dates_map.get(RELEVANCE).and_then(Value::as_f64),
            schedule_at,
        };
        (draft, problems)
    }

    /// Rewrites the raw JSON tab from the fields.
    pub fn sync_raw(&mut self, now: i64) {
        let (draft, _) = self.draft(Event::Update, now);
        let mut object = Map::new();
        object.insert("content-state".into(), Value::Object(draft.content_state));
        object.insert("attributes".into(), Value::Object(draft.attributes));
        if let Some(alert) = draft.alert {
            object.insert(
                "alert".into(),
                serde_json::to_value(alert).unwrap_or(Value::Null),
            );
        }
        for (key, value) in [
            (DISMISSAL, draft.dismissal_date),
            (STALE, draft.stale_date),
            (SCHEDULE, draft.schedule_at),
        ] {
            if let Some(value) = value {
                object.insert(key.into(), Value::from(value));
            }
        }
        if let Some(score) = draft.relevance_score {
            object.insert(RELEVANCE.into(), Value::from(score));
        }
        let text = serde_json::to_string_pretty(&Value::Object(object)).unwrap_or_default();
        self.raw = TextArea::new(text.lines().map(str::to_string).collect());
        self.raw_error = None;
    }

    /// Applies the raw JSON tab to the fields; on a syntax or shape error the fields stay and
    /// the error (with its line and column) is kept for display.
    pub fn apply_raw(&mut self) -> bool {
        let text = self.raw.lines().join("\n");
        let value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(e) => {
                self.raw_error = Some(format!("line {}, column {}: {e}", e.line(), e.column()));
                return false;
            }
        };
        let Some(object) = value.as_object() else {
            self.raw_error = Some("the draft must be a JSON object".into());
            return false;
        };
        let empty = Map::new();
        let section = |key: &str| object.get(key).and_then(Value::as_object).unwrap_or(&empty);
        // A choice field cannot hold a value outside its list: say so rather than drop it.
        for (key, fields) in [
            ("content-state", &self.content_state),
            ("attributes", &self.attributes),
        ] {
            for field in fields {
                let Input::Choice { values, .. } = &field.input else {
                    continue;
                };
                let value = section(key).get(&field.name);
                let text = match value {
                    None | Some(Value::Null) => continue,
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                };
                if !values.contains(&text) {
                    self.raw_error = Some(format!(
                        "{key}.{}: `{text}` is not one of {}",
                        field.name,
                        values.join(", ")
                    ));
                    return false;
                }
            }
        }
        let state = section("content-state");
        for field in &mut self.content_state {
            field.set_value(state.get(&field.name).unwrap_or(&Value::Null));
        }
        let known: Vec<String> = self.content_state.iter().map(|f| f.name.clone()).collect();
        self.extra_state = state
            .iter()
            .filter(|(k, _)| !known.contains(k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let attributes = section("attributes");
        for field in &mut self.attributes {
            field.set_value(attributes.get(&field.name).unwrap_or(&Value::Null));
        }
        let alert = section("alert");
        for field in &mut self.alert {
            field.set_value(alert.get(&field.name).unwrap_or(&Value::Null));
        }
        for field in &mut self.dates {
            let value = object.get(&field.name).cloned().unwrap_or(Value::Null);
            match (field.name.as_str(), value.as_i64()) {
                (DISMISSAL | STALE | SCHEDULE, Some(unix)) => {
                    field.set_text(&dates::format_unix(unix))
                }
                _ => field.set_value(&value),
            }
        }
        self.raw_error = None;
        true
    }

    /// Loads a scripted step: its content-state over the current one, its alert and dates.
    pub fn apply_step(&mut self, step: &Step, now: i64) {
        for (key, value) in &step.content_state {
            if let Some(field) = self.content_state.iter_mut().find(|f| f.name == *key) {
                let resolved = field
                    .spec
                    .as_ref()
                    .and_then(|s| s.from_value(value, now).ok())
                    .unwrap_or_else(|| value.clone());
                field.set_value(&resolved);
            }
        }
        let alert = step.alert.as_ref();
        let texts = [
            alert.map(|a| a.title.clone()),
            alert.map(|a| a.body.clone()),
            alert.and_then(|a| a.sound.clone()),
        ];
        for (field, text) in self.alert.iter_mut().zip(texts) {
            field.set_text(&text.unwrap_or_default());
        }
        let offset = |seconds: Option<i64>| {
            seconds
                .map(|s| format!("{}{}s", if s < 0 { "-" } else { "+" }, s.abs()))
                .unwrap_or_default()
        };
        for (field, seconds) in self.dates.iter_mut().zip([step.dismiss_in, step.stale_in]) {
            field.set_text(&offset(seconds));
        }
        self.sync_raw(now);
    }
}

fn number_spec() -> FieldSpec {
    FieldSpec {
        ty: FieldType::Number,
        values: Vec::new(),
        required: false,
        default: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config;
    use serde_json::json;
    use std::path::Path;

    const NOW: i64 = 1_764_878_400;

    fn campaign() -> Campaign {
        let text = format!(
            "{}\n[campaigns.content_state.eta]\ntype = \"date\"\n",
            config::EXAMPLE.split("# A match followed").next().unwrap()
        );
        config::parse(&text, Path::new("t.toml"), false)
            .unwrap()
            .campaigns
            .remove(0)
    }

    #[test]
    fn defaults_fill_the_form_and_the_draft() {
        let form = Form::new(&campaign(), NOW);
        let (draft, problems) = form.draft(Event::Start, NOW);
        assert!(problems.is_empty());
        assert_eq!(
            draft.attributes,
            json!({"restaurantName": "Pizza"})
                .as_object()
                .unwrap()
                .clone()
        );
        assert!(draft.content_state.is_empty(), "orderStatus has no default");
        assert_eq!(draft.alert, None);
    }

    #[test]
    fn enum_cycles_and_dates_resolve() {
        let mut form = Form::new(&campaign(), NOW);
        assert!(form.content_state[0].cycle(true));
        assert!(form.content_state[0].cycle(true));
        assert_eq!(form.content_state[0].text_value(), "Preparing");
        assert!(form.content_state[0].cycle(false) && form.content_state[0].cycle(false));
        assert_eq!(form.content_state[0].text_value(), "Delivered", "← wraps");
        form.content_state[1].set_text("+15m");
        assert_eq!(
            form.content_state[1].resolved(NOW).unwrap(),
            format!(
                "→ 2025-12-04T20:15:00Z (sends {})",
                NOW + 900 - SWIFT_REFERENCE_OFFSET
            )
        );
        let (draft, problems) = form.draft(Event::Update, NOW);
        assert!(problems.is_empty());
        assert_eq!(
            draft.content_state["eta"],
            json!(NOW + 900 - SWIFT_REFERENCE_OFFSET)
        );
    }

    #[test]
    fn bad_text_is_a_diagnostic_at_its_path() {
        let mut form = Form::new(&campaign(), NOW);
        form.content_state[1].set_text("tomorrow");
        form.dates[0].set_text("soon");
        let (_, problems) = form.draft(Event::End, NOW);
        let paths: Vec<&str> = problems.iter().map(|d| d.path.as_str()).collect();
        assert_eq!(paths, ["aps.content-state.eta", "aps.dismissal-date"]);
    }

    #[test]
    fn raw_json_round_trips_and_keeps_the_fields_on_errors() {
        let mut form = Form::new(&campaign(), NOW);
        form.content_state[0].set_text("OnTheWay");
        form.content_state[1].set_text("2025-12-04T21:00:00Z");
        form.alert[0].set_text("Hi");
        form.alert[1].set_text("There");
        form.dates[0].set_text("2025-12-04T22:00:00Z");
        form.sync_raw(NOW);
        let before = form.draft(Event::Update, NOW).0;
        let mut copy = form.clone();
        assert!(copy.apply_raw());
        assert_eq!(
            copy.draft(Event::Update, NOW).0,
            before,
            "fields → raw → fields keeps the draft"
        );

        let text = copy
            .raw
            .lines()
            .join("\n")
            .replace("\"OnTheWay\"", "\"Delivered\"")
            .replace("}\n}", "},\n\"x\": 1\n}");
        copy.raw = TextArea::new(text.lines().map(str::to_string).collect());
        assert!(copy.apply_raw());
        assert_eq!(copy.content_state[0].text_value(), "Delivered");

        copy.raw = TextArea::new(vec!["{".into(), "  \"content-state\": {,".into()]);
        assert!(!copy.apply_raw());
        assert!(
            copy.raw_error
                .as_deref()
                .unwrap()
                .starts_with("line 2, column"),
            "{:?}",
            copy.raw_error
        );
        assert_eq!(
            copy.content_state[0].text_value(),
            "Delivered",
            "a bad edit loses nothing"
        );
    }

    #[test]
    fn unknown_raw_keys_are_kept_and_sent() {
        let mut form = Form::new(&campaign(), NOW);
        form.raw = TextArea::new(vec![
            r#"{"content-state": {"orderStatus": "Ordered", "driver": "Sam"}}"#.into(),
        ]);
        assert!(form.apply_raw());
        let (draft, _) = form.draft(Event::Update, NOW);
        assert_eq!(draft.content_state["driver"], "Sam");
    }

    #[test]
    fn a_step_loads_over_the_form() {
        let config = config::parse(config::EXAMPLE, Path::new("x.toml"), false).unwrap();
        let campaign = config.campaign("food-delivery").unwrap();
        let mut form = Form::new(campaign, NOW);
        form.apply_step(&campaign.steps[4], NOW);
        assert_eq!(form.content_state[0].text_value(), "Delivered");
        assert_eq!(form.dates[0].text_value(), "+900s");
        assert_eq!(form.alert[0].text_value(), "");
        let (draft, _) = form.draft(Event::End, NOW);
        assert_eq!(draft.dismissal_date, Some(NOW + 900));
    }
}
