//! Turns `DraftArgs` into a validated request: shared by `curl` and the sending commands.

use super::DraftArgs;
use crate::activity::{
    ActivityHistory, Alert, Context, Diagnostic, Draft, Event, Request, Severity, Target,
    build_request, dates, new_request_id, push_timestamp, validate_body,
};
use crate::config::{Campaign, CampaignKind, Config, Recipient};

/// A request built from the command line, with its findings.
pub struct Built<'a> {
    pub campaign: &'a Campaign,
    pub request: Request,
    /// Validation findings; when any is an error, nothing may be sent.
    pub diagnostics: Vec<Diagnostic>,
    /// Who receives it, for the journal: `user (namespace)` or the audience id.
    pub recipient: String,
}

/// Who a push goes to: the activity, and the flags' overrides of the campaign's recipient or
/// audience.
pub struct Addressing<'x> {
    pub activity: &'x str,
    pub user: Option<&'x str>,
    pub namespace: Option<&'x str>,
    pub audience: Option<&'x str>,
    pub request_id: String,
}

/// Builds the request the flags describe. `Err` is a usage error (exit 2); field values that
/// do not fit the schema come back as error diagnostics instead (exit 1).
pub fn build<'a>(
    config: &'a Config,
    args: &DraftArgs,
    now: i64,
    history: Option<&ActivityHistory>,
) -> Result<Built<'a>, String> {
    let campaign = config.campaign(&args.campaign)?;
    let event: Event = args.event.parse()?;
    if args.activity.trim().is_empty() {
        return Err("--activity is empty".into());
    }
    let mut draft = Draft::from_campaign(campaign, event, now);
    let mut input_errors = Vec::new();
    for assignment in &args.set {
        if let Err(message) = draft.set(campaign, assignment, now) {
            let key = assignment
                .split_once('=')
                .map_or(assignment.as_str(), |(k, _)| k);
            let path = match key.strip_prefix("attributes.") {
                Some(attr) => format!("aps.attributes.{attr}"),
                None => format!("aps.content-state.{key}"),
            };
            input_errors.push(Diagnostic::new(
                Severity::Error,
                "field-input",
                path,
                message,
            ));
        }
    }
    if let (Some(title), Some(body)) = (&args.alert_title, &args.alert_body) {
        draft.alert = Some(Alert {
            title: title.clone(),
            body: body.clone(),
            sound: args.alert_sound.clone(),
        });
    }
    draft.dismiss(args.dismiss_in.as_deref(), args.dismiss_at.as_deref(), now)?;
    if let Some(stale) = &args.stale_in {
        draft.stale_date = Some(dates::after(now, stale)?);
    }
    if let Some(at) = &args.at {
        if campaign.kind == CampaignKind::Transactional {
            return Err(format!(
                "--at schedules a broadcast; `{}` is transactional and runs at once",
                campaign.name
            ));
        }
        draft.schedule_at = Some(dates::parse_time(at, now).map_err(|e| format!("--at: {e}"))?);
    }
    if let Some(score) = args.relevance_score {
        if !score.is_finite() {
            return Err("--relevance-score must be a finite number".into());
        }
        draft.relevance_score = Some(score);
    }
    let addressing = Addressing {
        activity: &args.activity,
        user: args.user.as_deref(),
        namespace: args.namespace.as_deref(),
        audience: args.audience.as_deref(),
        request_id: args.request_id.clone().unwrap_or_else(new_request_id),
    };
    let mut built = request(campaign, &draft, addressing, now, history)?;
    if !input_errors.is_empty() {
        built.diagnostics = input_errors;
    }
    Ok(built)
}

/// Builds and validates the request for a ready draft. `Err` is a usage error (exit 2).
pub fn request<'a>(
    campaign: &'a Campaign,
    draft: &Draft,
    to: Addressing<'_>,
    now: i64,
    history: Option<&ActivityHistory>,
) -> Result<Built<'a>, String> {
    let recipients;
    let recipient;
    let target = match campaign.kind {
        CampaignKind::Transactional => {
            if to.audience.is_some() {
                return Err(format!(
                    "--audience is for marketing campaigns; `{}` is transactional",
                    campaign.name
                ));
            }
            let default = campaign.recipient.as_ref();
            let user_id = to
                .user
                .map(str::to_string)
                .or_else(|| default.map(|r| r.user_id.clone()));
            let namespace = to
                .namespace
                .map(str::to_string)
                .or_else(|| default.map(|r| r.namespace.clone()));
            let (Some(user_id), Some(namespace)) = (user_id, namespace) else {
                return Err(format!(
                    "campaign `{}` has no default recipient: pass --user ID --namespace NS",
                    campaign.name
                ));
            };
            recipient = format!("{user_id} ({namespace})");
            recipients = [Recipient { user_id, namespace }];
            Target::Recipients(&recipients)
        }
        CampaignKind::Marketing => {
            if to.user.is_some() || to.namespace.is_some() {
                return Err(format!(
                    "--user and --namespace are for transactional campaigns; `{}` broadcasts to an audience",
                    campaign.name
                ));
            }
            let audience = to
                .audience
                .or(campaign.audience_id.as_deref())
                .ok_or_else(|| {
                    format!(
                        "campaign `{}` has no audience_id: pass --audience ID",
                        campaign.name
                    )
                })?;
            recipient = audience.to_string();
            Target::Audience(audience)
        }
    };
    // The device ignores a push that is not newer than the last one: two sends within the same
    // second get consecutive timestamps.
    let stamp = push_timestamp(
        now,
        history.and_then(|h| h.last_timestamp),
        draft.schedule_at,
    );
    let request = build_request(campaign, target, to.activity, draft, &to.request_id, stamp);
    let diagnostics = validate_body(
        &request.body,
        &Context {
            campaign: Some(campaign),
            now,
            history,
        },
    );
    Ok(Built {
        campaign,
        request,
        diagnostics,
        recipient,
    })
}
