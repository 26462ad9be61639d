//! Receiving MLflow deliveries: verify, then turn an event into jobs.
//!
//! Payloads are hints, never the truth: MLflow sends them after the change,
//! late, out of order, and sometimes not at all. So an event only says
//! *what to look at*; the job reads the registry when it runs.

use serde_json::Value;

use super::config::{Config, Model};
use super::store::{Kind, NewJob};

/// How far a delivery's timestamp may be from now (replay protection).
pub(crate) const MAX_SKEW_SECS: i64 = 300;
/// The largest body accepted; MLflow's payloads are a few hundred bytes.
pub(crate) const MAX_BODY_BYTES: usize = 1 << 20;
/// How long a delivery's body may take to arrive.
pub(crate) const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Why a delivery was refused, as counted in `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Rejection {
    MissingSignature,
    BadSignature,
    Replay,
    TooLarge,
    /// The body did not arrive in time.
    Slow,
    Malformed,
}

impl Rejection {
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Rejection::MissingSignature => "missing_signature",
            Rejection::BadSignature => "bad_signature",
            Rejection::Replay => "replay",
            Rejection::TooLarge => "too_large",
            Rejection::Slow => "slow_body",
            Rejection::Malformed => "malformed",
        }
    }
}

/// The headers MLflow signs with.
pub(crate) struct Headers<'a> {
    pub(crate) delivery_id: Option<&'a str>,
    pub(crate) timestamp: Option<&'a str>,
    pub(crate) signature: Option<&'a str>,
}

/// Checks the signature on the raw bytes, then the timestamp.
pub(crate) fn verify(
    secrets: &[String],
    headers: &Headers<'_>,
    body: &[u8],
    now: i64,
) -> Result<String, Rejection> {
    let (Some(id), Some(timestamp), Some(signature)) =
        (headers.delivery_id, headers.timestamp, headers.signature)
    else {
        return Err(Rejection::MissingSignature);
    };
    if id.is_empty() || id.len() > 200 {
        return Err(Rejection::Malformed);
    }
    if !crate::signing::verify(secrets, id, timestamp, body, signature) {
        return Err(Rejection::BadSignature);
    }
    let sent: i64 = timestamp.trim().parse().map_err(|_| Rejection::Malformed)?;
    if now.abs_diff(sent) > MAX_SKEW_SECS as u64 {
        return Err(Rejection::Replay);
    }
    Ok(id.to_string())
}

/// What a verified event means for the gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) event: String,
    pub(crate) model: Option<String>,
    pub(crate) version: Option<String>,
    /// `queued`, or why nothing was queued (`ignored: ...`).
    pub(crate) outcome: String,
    pub(crate) jobs: Vec<NewJob>,
}

/// Turns an event into jobs. `own_alias_write` says whether the gate made
/// an alias change itself (those events are ignored).
pub(crate) fn plan(
    config: &Config,
    body: &[u8],
    delivery_id: &str,
    own_alias_write: impl Fn(&str, &str, &str) -> bool,
) -> Result<Plan, Rejection> {
    let v: Value = serde_json::from_slice(body).map_err(|_| Rejection::Malformed)?;
    let entity = v.get("entity").and_then(Value::as_str).unwrap_or("");
    let action = v.get("action").and_then(Value::as_str).unwrap_or("");
    let event = format!("{entity}.{action}");
    let data = v.get("data").cloned().unwrap_or(Value::Null);
    let text = |k: &str| {
        data.get(k).and_then(|x| {
            x.as_str()
                .map(str::to_string)
                .or_else(|| x.as_i64().map(|n| n.to_string()))
        })
    };
    let name = text("name");
    let version = text("version");
    let mut plan = Plan {
        event: event.clone(),
        model: name.clone(),
        version: version.clone(),
        outcome: String::new(),
        jobs: Vec::new(),
    };
    let ignore = |mut plan: Plan, why: &str| {
        plan.outcome = format!("ignored: {why}");
        Ok(plan)
    };
    let Some(model) = name.as_deref().and_then(|n| config.models.get(n)) else {
        return ignore(plan, "not a model this gate is configured for");
    };
    let evaluate = |step: &str, version: &str, why: &str, key: String| NewJob {
        kind: Kind::Evaluate,
        model: model.name.clone(),
        version: Some(version.to_string()),
        step: step.to_string(),
        reason: why.to_string(),
        key,
    };
    match event.as_str() {
        "model_version.created" => {
            let Some(version) = version else {
                return Err(Rejection::Malformed);
            };
            if !model.on_created {
                return ignore(plan, "on_created is off for this model");
            }
            plan.jobs.push(evaluate(
                &model.steps[0].alias,
                &version,
                "created",
                created_key(model, &version),
            ));
        }
        "model_version_tag.set" => {
            let Some(version) = version else {
                return Err(Rejection::Malformed);
            };
            let key = text("key").unwrap_or_default();
            let value = text("value").unwrap_or_default();
            let Some(step) = request_step(model, &key) else {
                return ignore(
                    plan,
                    if key.starts_with("mltest.") {
                        "the gate's own tag"
                    } else {
                        "not a gate tag"
                    },
                );
            };
            let step = step.alias.clone();
            plan.jobs.push(evaluate(
                &step,
                &version,
                "request",
                format!("eval:{}:{version}:{step}:request:{value}", model.name),
            ));
        }
        "model_version_alias.created" => {
            let Some(version) = version else {
                return Err(Rejection::Malformed);
            };
            let alias = text("alias").unwrap_or_default();
            if own_alias_write(&model.name, &alias, &version) {
                return ignore(plan, "the gate's own alias write");
            }
            if model.step(&alias).is_some() {
                plan.jobs.push(NewJob {
                    kind: Kind::Guard,
                    model: model.name.clone(),
                    version: Some(version.clone()),
                    step: alias.clone(),
                    reason: "alias moved".into(),
                    key: format!("guard:{}:{alias}:{delivery_id}", model.name),
                });
            }
            if model.on_alias.contains(&alias) {
                let first = model.steps[0].alias.clone();
                plan.jobs.push(evaluate(
                    &first,
                    &version,
                    "alias",
                    format!("eval:{}:{version}:{first}:alias:{alias}", model.name),
                ));
            }
            if plan.jobs.is_empty() {
                return ignore(plan, "an alias the gate neither protects nor watches");
            }
        }
        _ => return ignore(plan, "an event the gate does not act on"),
    }
    plan.outcome = "queued".into();
    Ok(plan)
}

/// The key of a version's first evaluation: the same for the webhook and
/// for reconciliation, so whichever comes second queues nothing.
pub(crate) fn created_key(model: &Model, version: &str) -> String {
    format!(
        "eval:{}:{version}:{}:created",
        model.name, model.steps[0].alias
    )
}

/// `mltest.request` asks for the first step again; `mltest.request.<alias>`
/// for that step of a chain.
fn request_step<'m>(model: &'m Model, key: &str) -> Option<&'m super::config::Step> {
    let rest = key.strip_prefix("mltest.request")?;
    if rest.is_empty() {
        return model.steps.first();
    }
    model.step(rest.strip_prefix('.')?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::sign;

    fn config() -> Config {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gate.toml");
        std::fs::write(
            &path,
            "[mlflow]\nurl = \"http://x\"\n[webhook]\nsecret_env = \"S\"\n[models.m]\nsuite = \"s.toml\"\non_alias = [\"challenger\"]\n",
        )
        .unwrap();
        Config::load(&path).unwrap()
    }

    #[test]
    fn verification_refuses_what_it_should() {
        let secrets = vec!["s".to_string()];
        let body = br#"{"a": 1}"#;
        let sig = sign("s", "d", "1000", body);
        let h = |id, ts, sig| Headers {
            delivery_id: id,
            timestamp: ts,
            signature: sig,
        };
        assert_eq!(
            verify(
                &secrets,
                &h(Some("d"), Some("1000"), Some(&sig)),
                body,
                1100
            ),
            Ok("d".into())
        );
        assert_eq!(
            verify(&secrets, &h(Some("d"), Some("1000"), None), body, 1000),
            Err(Rejection::MissingSignature)
        );
        assert_eq!(
            verify(
                &secrets,
                &h(Some("d"), Some("1000"), Some(&sig)),
                b"{}",
                1000
            ),
            Err(Rejection::BadSignature)
        );
        assert_eq!(
            verify(
                &secrets,
                &h(Some("d"), Some("1000"), Some(&sig)),
                body,
                1000 + 301
            ),
            Err(Rejection::Replay)
        );
        assert_eq!(
            verify(
                &secrets,
                &h(Some("d"), Some("1000"), Some(&sig)),
                body,
                1000 - 301
            ),
            Err(Rejection::Replay)
        );
    }

    #[test]
    fn events_become_jobs() {
        let c = config();
        let body = |e: &str, a: &str, data: &str| {
            format!(r#"{{"entity": "{e}", "action": "{a}", "timestamp": "t", "data": {data}}}"#)
        };
        let p = plan(
            &c,
            body(
                "model_version",
                "created",
                r#"{"name": "m", "version": "3", "run_id": null}"#,
            )
            .as_bytes(),
            "d",
            |_, _, _| false,
        )
        .unwrap();
        assert_eq!(p.jobs[0].key, "eval:m:3:champion:created");
        let p = plan(
            &c,
            body(
                "model_version",
                "created",
                r#"{"name": "example_model", "version": "1"}"#,
            )
            .as_bytes(),
            "d",
            |_, _, _| false,
        )
        .unwrap();
        assert!(p.outcome.starts_with("ignored") && p.jobs.is_empty());
        let p = plan(
            &c,
            body(
                "model_version_tag",
                "set",
                r#"{"name": "m", "version": "3", "key": "mltest.verdict", "value": "passed"}"#,
            )
            .as_bytes(),
            "d",
            |_, _, _| false,
        )
        .unwrap();
        assert!(p.jobs.is_empty(), "own tags are ignored");
        let p = plan(
            &c,
            body(
                "model_version_tag",
                "set",
                r#"{"name": "m", "version": "3", "key": "mltest.request", "value": "r2"}"#,
            )
            .as_bytes(),
            "d",
            |_, _, _| false,
        )
        .unwrap();
        assert_eq!(p.jobs[0].key, "eval:m:3:champion:request:r2");
        let p = plan(
            &c,
            body(
                "model_version_alias",
                "created",
                r#"{"name": "m", "version": "3", "alias": "champion"}"#,
            )
            .as_bytes(),
            "d9",
            |_, _, _| false,
        )
        .unwrap();
        assert_eq!(
            (p.jobs[0].kind, p.jobs[0].key.as_str()),
            (Kind::Guard, "guard:m:champion:d9")
        );
        let p = plan(
            &c,
            body(
                "model_version_alias",
                "created",
                r#"{"name": "m", "version": "3", "alias": "champion"}"#,
            )
            .as_bytes(),
            "d9",
            |_, _, _| true,
        )
        .unwrap();
        assert!(p.jobs.is_empty(), "own alias writes are ignored");
        let p = plan(
            &c,
            body(
                "model_version_alias",
                "created",
                r#"{"name": "m", "version": "4", "alias": "challenger"}"#,
            )
            .as_bytes(),
            "d",
            |_, _, _| false,
        )
        .unwrap();
        assert_eq!(p.jobs[0].key, "eval:m:4:champion:alias:challenger");
        assert_eq!(
            plan(&c, b"not json", "d", |_, _, _| false),
            Err(Rejection::Malformed)
        );
    }
}
