//! Triggers: what a failed check sets off, after the run is reported.
//!
//! A suite's `[[trigger]]` POSTs a signed JSON body (see [`crate::signing`])
//! for each failed check it matches: typically drift starting a retraining
//! pipeline. It runs the same from `mltest run` (a scheduled monitoring job)
//! and from the gate. A trigger that cannot be delivered is reported; it
//! never changes the verdict.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::json;

use crate::run::{Outcome, RunResult};
use crate::suite::Suite;

/// What happened to one trigger.
#[derive(Debug, Clone, serde::Serialize)]
pub(crate) struct Fired {
    pub(crate) check: String,
    pub(crate) url: String,
    /// The HTTP status the receiver answered, or why nothing was delivered.
    pub(crate) result: Result<u16, String>,
}

/// The model version a run evaluated, when it came from a registry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Subject<'a> {
    pub(crate) name: &'a str,
    pub(crate) version: &'a str,
}

/// Sends every trigger that a failed check of `result` matches. Delivery
/// ids are `{key}-{n}`: the gate passes its job, so a resent trigger keeps
/// its id and a receiver can drop the duplicate.
pub(crate) fn fire(
    suite: &Suite,
    result: &RunResult,
    model: Option<Subject<'_>>,
    key: &str,
) -> Vec<Fired> {
    let mut fired = Vec::new();
    for trigger in &suite.triggers {
        for check in result
            .checks
            .iter()
            .filter(|c| c.outcome == Outcome::Fail && trigger.on.matches(&c.id))
        {
            let columns: Vec<&str> = check
                .findings
                .iter()
                .filter(|f| matches!(f.outcome, Outcome::Fail | Outcome::Warn))
                .filter_map(|f| f.properties.get("column").map(String::as_str))
                .collect();
            let failed: Vec<_> = check
                .findings
                .iter()
                .filter(|f| f.outcome == Outcome::Fail)
                .take(100)
                .map(|f| json!({"name": f.name, "message": f.message}))
                .collect();
            let body = json!({
                "event": "check.failed",
                "suite": {"name": suite.name, "sha256": suite.digest},
                "model": model.map(|m| json!({"name": m.name, "version": m.version})),
                "check": {"id": check.id, "plugin": check.plugin, "outcome": check.outcome},
                "drifted_columns": columns,
                "failed_findings": failed,
                "mltest_version": env!("CARGO_PKG_VERSION"),
            });
            let result = match std::env::var(&trigger.secret_env) {
                Ok(secret) if !secret.is_empty() => {
                    let id = format!("{key}-{}", fired.len());
                    post(&trigger.url, &secret, &body, trigger.timeout, &id)
                }
                _ => Err(format!(
                    "not sent: ${} (the signing secret) is not set",
                    trigger.secret_env
                )),
            };
            fired.push(Fired {
                check: check.id.clone(),
                url: trigger.url.clone(),
                result,
            });
        }
    }
    fired
}

/// POSTs once, retrying connection failures and 5xx twice with backoff.
fn post(
    url: &str,
    secret: &str,
    body: &serde_json::Value,
    timeout: Duration,
    id: &str,
) -> Result<u16, String> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let timestamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        .to_string();
    let signature = crate::signing::sign(secret, id, &timestamp, &bytes);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(timeout))
        .max_redirects(0)
        .build()
        .into();
    let mut last = String::new();
    for attempt in 0..3u32 {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        // Retries resend the same bytes, id and signature, so a receiver
        // can drop duplicates by delivery id.
        match agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("X-Mltest-Delivery-Id", id)
            .header("X-Mltest-Timestamp", &timestamp)
            .header("X-Mltest-Signature", &signature)
            .send(&bytes[..])
        {
            Ok(r) if r.status().is_server_error() => {
                last = format!("the receiver answered {}", r.status().as_u16())
            }
            Ok(r) if r.status().is_success() => return Ok(r.status().as_u16()),
            Ok(r) => return Err(format!("the receiver answered {}", r.status().as_u16())),
            Err(e) => last = format!("cannot deliver: {e}"),
        }
    }
    Err(last)
}
