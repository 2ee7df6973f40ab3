//! What AJO reports of an audience execution and of a schedule, read leniently: unknown
//! fields are ignored, a missing one is `None`, so a newer AJO answer still reads.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// `GET /im/executions/audience/{executionId}`, as far as liveact uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionReport {
    pub execution_id: Option<String>,
    /// `InProgress`, `Succeeded` or `Failed` (or whatever else AJO says).
    pub status: String,
    pub targeted: Option<u64>,
    /// `executionLifecycle.controlBreakdown`: controls sent on the channel, by event.
    pub controls: Option<Vec<(String, u64)>>,
    pub last_control_at: Option<String>,
}

/// `GET /im/executions/schedules/{scheduleId}` (or the answer that created it).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleReport {
    pub schedule_id: String,
    /// `Scheduled` or `Triggered`; liveact writes `Cancelled` once it deleted one.
    pub status: String,
    pub execute_at: Option<String>,
    /// `executionDetails`, once triggered.
    pub execution: Option<ExecutionReport>,
}

/// The schedule status liveact records after deleting a schedule.
pub const CANCELLED: &str = "Cancelled";

impl ExecutionReport {
    /// Reads a status body; `None` when it is not a JSON object with a `status`.
    pub fn read(body: &str) -> Option<ExecutionReport> {
        Self::from_value(&serde_json::from_str(body).ok()?)
    }

    fn from_value(value: &Value) -> Option<ExecutionReport> {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let lifecycle = value.get("executionLifecycle");
        let controls = lifecycle
            .and_then(|l| l.get("controlBreakdown"))
            .and_then(Value::as_object)
            .map(|counts| {
                counts
                    .iter()
                    .filter_map(|(event, n)| Some((event.clone(), n.as_u64()?)))
                    .collect()
            });
        Some(ExecutionReport {
            execution_id: text(value.get("executionId")),
            status: text(value.get("status"))?,
            targeted: value.get("targetedProfileCount").and_then(count),
            controls,
            last_control_at: text(lifecycle.and_then(|l| l.get("lastControlAt"))),
        })
    }

    /// `Succeeded` or `Failed`: nothing more will change.
    pub fn is_final(&self) -> bool {
        is_final(&self.status)
    }

    pub fn succeeded(&self) -> bool {
        self.status.eq_ignore_ascii_case("succeeded")
    }
}

/// A final execution status.
pub fn is_final(status: &str) -> bool {
    ["succeeded", "failed"]
        .iter()
        .any(|s| status.eq_ignore_ascii_case(s))
}

/// `targetedProfileCount`: the spec's example is a string ("2"), real answers a number.
fn count(value: &Value) -> Option<u64> {
    value
        .as_u64()
        .or_else(|| value.as_str()?.trim().parse().ok())
}

impl fmt::Display for ExecutionReport {
    /// `Succeeded · 1 profile targeted · update 2, end 1`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.status)?;
        if let Some(n) = self.targeted {
            let s = if n == 1 { "" } else { "s" };
            write!(f, " · {n} profile{s} targeted")?;
        }
        if let Some(controls) = self.controls.as_ref().filter(|c| !c.is_empty()) {
            let list: Vec<String> = controls.iter().map(|(e, n)| format!("{e} {n}")).collect();
            write!(f, " · {}", list.join(", "))?;
        }
        Ok(())
    }
}

impl ScheduleReport {
    /// Reads a schedule body; `None` without `scheduleId` and `scheduleStatus`.
    pub fn read(body: &str) -> Option<ScheduleReport> {
        let value: Value = serde_json::from_str(body).ok()?;
        let text = |key: &str| value.get(key).and_then(Value::as_str).map(str::to_string);
        Some(ScheduleReport {
            schedule_id: text("scheduleId")?,
            status: text("scheduleStatus")?,
            execute_at: text("executeAt"),
            execution: value
                .get("executionDetails")
                .and_then(ExecutionReport::from_value),
        })
    }

    /// The execution it started, if it has fired.
    pub fn execution_id(&self) -> Option<&str> {
        self.execution.as_ref()?.execution_id.as_deref()
    }
}

impl fmt::Display for ScheduleReport {
    /// `Scheduled for 2026-12-04T20:00:00Z`, `Triggered → MOCK-3 Succeeded · …`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.status)?;
        if self.execution.is_none()
            && let Some(at) = &self.execute_at
        {
            write!(f, " for {at}")?;
        }
        if let Some(run) = &self.execution {
            write!(
                f,
                " → {} {run}",
                run.execution_id.as_deref().unwrap_or("execution")
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_execution_status_reads_with_its_counts() {
        let body = r#"{"executionId":"CMA-1","status":"Succeeded","targetedProfileCount":"2",
            "createdAt":"2026-12-04T20:00:00Z","campaignId":"c","extra":true,
            "executionLifecycle":{"lastControlAt":"2026-12-04T20:01:00Z",
            "controlBreakdown":{"update":3,"end":1}}}"#;
        let report = ExecutionReport::read(body).unwrap();
        assert_eq!(report.execution_id.as_deref(), Some("CMA-1"));
        assert_eq!(report.targeted, Some(2));
        assert!(report.is_final() && report.succeeded());
        assert_eq!(
            report.to_string(),
            "Succeeded · 2 profiles targeted · update 3, end 1"
        );
        let running = ExecutionReport::read(r#"{"status":"InProgress"}"#).unwrap();
        assert!(!running.is_final());
        assert_eq!(running.to_string(), "InProgress");
        let failed = ExecutionReport::read(r#"{"status":"Failed","targetedProfileCount":1}"#);
        assert_eq!(failed.unwrap().to_string(), "Failed · 1 profile targeted");
        for body in ["", "[]", r#"{"executionId":"x"}"#, r#"{"status":3}"#] {
            assert_eq!(ExecutionReport::read(body), None, "{body}");
        }
    }

    #[test]
    fn a_schedule_reads_before_and_after_it_fires() {
        let waiting = ScheduleReport::read(
            r#"{"scheduleId":"S-1","scheduleStatus":"Scheduled","executeAt":"2026-12-04T20:00:00Z"}"#,
        )
        .unwrap();
        assert_eq!(waiting.execution_id(), None);
        assert_eq!(waiting.to_string(), "Scheduled for 2026-12-04T20:00:00Z");
        let fired = ScheduleReport::read(
            r#"{"scheduleId":"S-1","scheduleStatus":"Triggered","executeAt":"2026-12-04T20:00:00Z",
                "executionDetails":{"executionId":"S-1-RUN","status":"InProgress"}}"#,
        )
        .unwrap();
        assert_eq!(fired.execution_id(), Some("S-1-RUN"));
        assert_eq!(fired.to_string(), "Triggered → S-1-RUN InProgress");
        assert_eq!(ScheduleReport::read(r#"{"scheduleId":"S-1"}"#), None);
    }
}
