//! Jobs: evaluate a version (run its step's suite, write the verdict back,
//! promote on a pass), and guard a protected alias.
//!
//! Every registry fact is read when the job runs, never taken from the
//! webhook. Each write-back step is recorded before the next (verdict
//! stored → tags written → alias moved), so a job that was killed resumes
//! where it stopped instead of evaluating or promoting twice.

use std::time::{Duration, Instant, SystemTime};

use tracing::{info, warn};

use super::Gate;
use super::config::{Guard, Model, Step};
use super::store::{Evaluation, Job, Kind, NewJob, Phase};
use crate::pipeline::{self, RegistryRun};
use crate::registry::{RegistryError, Versions};
use crate::run::{Outcome, RunResult, Selection};

/// How often one job re-runs because the champion moved under it.
const MAX_ROUNDS: u32 = 3;
/// Longest wait between retries of a job whose registry was unreachable.
const MAX_BACKOFF: Duration = Duration::from_secs(600);

#[derive(Debug)]
pub(crate) enum JobError {
    /// The registry (or the store) was unavailable: try again later.
    Transient(String),
    /// Nothing a retry would fix.
    Fatal(String),
}

impl From<RegistryError> for JobError {
    fn from(e: RegistryError) -> Self {
        if e.is_transient() {
            JobError::Transient(e.to_string())
        } else {
            JobError::Fatal(e.to_string())
        }
    }
}

impl From<super::store::StoreError> for JobError {
    fn from(e: super::store::StoreError) -> Self {
        JobError::Transient(e.to_string())
    }
}

type Result<T> = std::result::Result<T, JobError>;

/// A worker thread: claims due jobs until the gate stops.
pub(crate) fn work(gate: &Gate) {
    while !gate.stopping() {
        match gate.store.claim(gate.config.lease.as_secs() as i64) {
            Ok(Some(job)) => run(gate, job),
            Ok(None) => gate.wait(Duration::from_secs(1)),
            Err(e) => {
                warn!(error = %e, "cannot claim a job");
                gate.wait(Duration::from_secs(1));
            }
        }
    }
}

fn run(gate: &Gate, job: Job) {
    let span = tracing::info_span!("job", job_id = job.id, model = %job.model, version = job.version.as_deref().unwrap_or(""), step = %job.step, kind = ?job.kind, delivery_id = job.delivery_id.as_deref().unwrap_or(""));
    let _entered = span.enter();
    info!(attempt = job.attempts, reason = %job.reason, "job started");
    let started = Instant::now();
    let done = std::sync::atomic::AtomicBool::new(false);
    let outcome = std::thread::scope(|scope| {
        // The lease is renewed while the job runs, so a long suite is not
        // mistaken for a dead one.
        let renew_every = (gate.config.lease / 3).max(Duration::from_secs(1));
        let done = &done;
        scope.spawn(move || {
            let mut last = Instant::now();
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                if last.elapsed() >= renew_every {
                    let _ = gate.store.renew(job.id, gate.config.lease.as_secs() as i64);
                    last = Instant::now();
                }
            }
        });
        let outcome = crate::panics::contain(|| match job.kind {
            Kind::Evaluate => evaluate(gate, &job),
            Kind::Guard => guard(gate, &job),
        })
        .unwrap_or_else(|panic| Err(JobError::Fatal(format!("internal error: {panic}"))));
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        outcome
    });
    gate.metrics
        .job_seconds
        .observe(started.elapsed().as_secs_f64());
    let result = match outcome {
        Ok(()) => gate.store.finish(job.id, "done", None),
        Err(JobError::Transient(e)) if job.attempts < gate.config.max_attempts => {
            let backoff = gate
                .config
                .retry_backoff
                .saturating_mul(1 << job.attempts.saturating_sub(1).min(16))
                .min(MAX_BACKOFF);
            warn!(error = %e, retry_in_s = backoff.as_secs(), "job will be retried");
            gate.store.retry(job.id, backoff.as_secs() as i64, &e)
        }
        Err(JobError::Transient(e) | JobError::Fatal(e)) => {
            warn!(error = %e, "job failed");
            if job.kind == Kind::Evaluate {
                gate.metrics.verdict("error");
                if let (Some(version), Some(step)) = (&job.version, gate.step(&job)) {
                    // Best effort: the registry may be the thing that is down.
                    let _ = write_tags(gate, &job, version, step, "error", &short(&e), None, None);
                }
            }
            gate.store.finish(job.id, "error", Some(&e))
        }
    };
    if let Err(e) = result {
        warn!(error = %e, "cannot record the job's end");
    }
    info!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "job ended"
    );
}

fn evaluate(gate: &Gate, job: &Job) -> Result<()> {
    let model = gate.model(job)?;
    let step = gate.step(job).ok_or_else(|| {
        JobError::Fatal(format!("step `{}` is no longer in the gate file", job.step))
    })?;
    let version = job
        .version
        .clone()
        .ok_or_else(|| JobError::Fatal("an evaluation without a version".into()))?;
    if let Some(required) = &step.requires
        && gate
            .store
            .approval(&model.name, required, &version)?
            .is_none()
    {
        let summary = format!(
            "refused: version {version} has not passed `{required}`, which `{}` requires",
            step.alias
        );
        info!(%summary);
        write_tags(gate, job, &version, step, "failed", &summary, None, None)?;
        gate.store.event(job.id, &summary)?;
        gate.metrics.verdict("failed");
        return Ok(());
    }
    let mut phase = job.phase;
    let mut champion = job.champion.clone().filter(|c| c != "none");
    let mut verdict = job.verdict.clone().unwrap_or_default();
    let mut summary = job.summary.clone().unwrap_or_default();
    let mut rounds = 0;
    // Set when the champion kept moving: the verdict is written, but it
    // answers an old question, so it promotes nothing.
    let mut stale = false;
    let mut report = None;
    loop {
        if phase == Phase::New {
            rounds += 1;
            gate.client
                .set_tag(&model.name, &version, &step.tag("verdict"), "running")?;
            let e = run_suite(gate, job, model, step, &version)?;
            champion = e.champion.clone();
            verdict = e.verdict.clone();
            summary = e.summary.clone();
            gate.store.save_evaluation(job.id, &e)?;
            report = Some(e.report_json.clone());
            gate.store.event(
                job.id,
                &format!(
                    "evaluated against champion {}: {verdict}: {summary}",
                    champion.as_deref().unwrap_or("none")
                ),
            )?;
            phase = Phase::Evaluated;
        }
        if phase >= Phase::Tagged {
            break;
        }
        // Just before writing: the champion this verdict compared with must
        // still be the champion, or the verdict answers an old question.
        let now = gate.client.aliases(&model.name)?.get(&step.alias).cloned();
        if now != champion && now.as_deref() != Some(version.as_str()) {
            let moved = format!(
                "the champion moved from {} to {} during the run: evaluating again",
                champion.as_deref().unwrap_or("none"),
                now.as_deref().unwrap_or("none")
            );
            if rounds >= MAX_ROUNDS {
                stale = true;
                gate.store.event(job.id, &format!("{moved} (not again: {MAX_ROUNDS} rounds); the verdict is written and promotes nothing"))?;
                break;
            }
            info!("{moved}");
            gate.store.event(job.id, &moved)?;
            gate.store.reset_phase(job.id)?;
            phase = Phase::New;
            continue;
        }
        break;
    }
    if phase < Phase::Tagged {
        write_tags(
            gate,
            job,
            &version,
            step,
            &verdict,
            &summary,
            champion.as_deref(),
            job.suite_sha256
                .as_deref()
                .or(Some(&gate.suite_digest(model, step))),
        )?;
        gate.store.set_phase(job.id, Phase::Tagged)?;
        phase = Phase::Tagged;
    }
    let passed = verdict == "passed" && !stale;
    // The approval is recorded before the alias moves, so the guard never
    // mistakes the gate's own promotion for a violation; a later run that
    // does not pass withdraws it.
    let approver = if passed {
        gate.store
            .approve(&model.name, &step.alias, &version, job.id)?;
        gate.store
            .approval(&model.name, &step.alias, &version)?
            .unwrap_or(job.id)
    } else {
        gate.store.revoke(&model.name, &step.alias, &version)?;
        job.id
    };
    if phase < Phase::Promoted {
        // Triggers fire once per job: after the tags, before the phase that
        // ends the job, under an id a receiver can deduplicate by.
        let suite = &gate.prepared(model, step).suite;
        if verdict == "failed" && !suite.triggers.is_empty() {
            let text = match report.take() {
                Some(r) => Some(r),
                None => gate.store.job(job.id)?.and_then(|d| d.report_json),
            };
            if let Some(result) = text.as_deref().and_then(|t| RunResult::from_json(t).ok()) {
                let subject = crate::notify::Subject {
                    name: &model.name,
                    version: &version,
                };
                for fired in crate::notify::fire(
                    suite,
                    &result,
                    Some(subject),
                    &format!("mltest-job-{}", job.id),
                ) {
                    let what = match &fired.result {
                        Ok(status) => format!(
                            "trigger for `{}` delivered to {} ({status})",
                            fired.check, fired.url
                        ),
                        Err(e) => format!("trigger for `{}` to {}: {e}", fired.check, fired.url),
                    };
                    info!("{what}");
                    gate.store.event(job.id, &what)?;
                }
            }
        }
        if passed {
            promote(gate, job, model, step, &version)?;
        }
        gate.store.set_phase(job.id, Phase::Promoted)?;
    }
    if passed {
        // The next steps of a chain that need this one.
        let next: Vec<NewJob> = model
            .steps
            .iter()
            .filter(|s| s.requires.as_deref() == Some(step.alias.as_str()))
            .map(|s| NewJob {
                kind: Kind::Evaluate,
                model: model.name.clone(),
                version: Some(version.clone()),
                step: s.alias.clone(),
                reason: format!("passed {}", step.alias),
                key: format!(
                    "eval:{}:{version}:{}:after:{}:{approver}",
                    model.name, s.alias, step.alias
                ),
            })
            .collect();
        if !gate.store.enqueue(&next)?.is_empty() {
            gate.wake();
        }
    }
    gate.metrics.verdict(&verdict);
    info!(%verdict, %summary, "verdict written");
    Ok(())
}

/// Fetches the candidate (and champion), runs the suite, stores nothing.
fn run_suite(
    gate: &Gate,
    job: &Job,
    model: &Model,
    step: &Step,
    version: &str,
) -> Result<Evaluation> {
    let candidate = gate.client.model_version(&model.name, version)?;
    let champion = gate.client.alias(&model.name, &step.alias)?;
    let champion_version = champion.as_ref().map(|c| c.version.clone());
    let versions = Versions {
        candidate,
        champion,
        champion_alias: step.alias.clone(),
    };
    let prepared = gate.prepared(model, step);
    let job_dir = gate.config.state_dir.join("jobs").join(job.id.to_string());
    let _ = std::fs::remove_dir_all(&job_dir);
    std::fs::create_dir_all(&job_dir)
        .map_err(|e| JobError::Transient(format!("cannot create {}: {e}", job_dir.display())))?;
    let executed = pipeline::execute(
        prepared,
        &gate.host,
        &Selection::default(),
        Some(RegistryRun {
            client: &gate.client,
            versions: &versions,
            job_dir: &job_dir,
        }),
        &crate::run::Quiet,
    );
    let _ = std::fs::remove_dir_all(&job_dir);
    let digest = prepared.suite.digest.clone();
    let executed = match executed {
        Ok(e) => e,
        Err(e) if e.source.is_transient() => return Err(JobError::Transient(e.to_string())),
        // The version's files are wrong (missing, too large, outside the
        // job folder): that is the verdict, not a reason to retry.
        Err(e) => {
            return Ok(Evaluation {
                verdict: "error".into(),
                summary: short(&format!("cannot fetch: {e}")),
                champion: champion_version,
                suite_sha256: digest,
                report_json: String::new(),
                junit: String::new(),
            });
        }
    };
    let bytes: u64 = executed.fetched.iter().map(|f| f.bytes).sum();
    let manifest = serde_json::to_string(&executed.fetched).unwrap_or_default();
    gate.store.event(
        job.id,
        &format!(
            "fetched {} files ({bytes} bytes): {manifest}",
            executed.fetched.len()
        ),
    )?;
    Ok(Evaluation {
        verdict: verdict_of(&executed.result).into(),
        summary: summarise(&executed.result),
        champion: champion_version,
        suite_sha256: digest,
        report_json: executed.result.to_json(),
        junit: String::from_utf8_lossy(&crate::report::junit::render(
            &executed.result,
            crate::report::junit::Flavor::Extended,
            &crate::report::RepoPaths::default(),
        ))
        .into_owned(),
    })
}

/// The verdict a run earns: its exit code, in words.
pub(crate) fn verdict_of(result: &RunResult) -> &'static str {
    match result.exit_code() {
        mltest_report::exit_code::PASSED => "passed",
        mltest_report::exit_code::FAILED => "failed",
        _ => "error",
    }
}

/// "5 checks: 4 passed, 1 failed (metrics)".
pub(crate) fn summarise(result: &RunResult) -> String {
    let count = |o: Outcome| result.checks.iter().filter(|c| c.outcome == o).count();
    let mut parts = vec![format!("{} passed", count(Outcome::Pass))];
    for (o, word) in [
        (Outcome::Warn, "warned"),
        (Outcome::Fail, "failed"),
        (Outcome::Error, "errored"),
        (Outcome::Skip, "skipped"),
    ] {
        let ids: Vec<&str> = result
            .checks
            .iter()
            .filter(|c| c.outcome == o)
            .map(|c| c.id.as_str())
            .collect();
        if !ids.is_empty() {
            parts.push(format!("{} {word} ({})", ids.len(), ids.join(", ")));
        }
    }
    short(&format!(
        "{} checks: {}",
        result.checks.len(),
        parts.join(", ")
    ))
}

fn short(text: &str) -> String {
    let mut s: String = text.chars().take(1000).collect();
    if s.len() < text.len() {
        s.push('…');
    }
    s
}

#[allow(clippy::too_many_arguments)]
fn write_tags(
    gate: &Gate,
    job: &Job,
    version: &str,
    step: &Step,
    verdict: &str,
    summary: &str,
    champion: Option<&str>,
    suite_sha256: Option<&str>,
) -> Result<()> {
    let name = &job.model;
    let tags = [
        ("summary", summary.to_string()),
        ("champion", champion.unwrap_or("none").to_string()),
        ("suite_sha256", suite_sha256.unwrap_or("").to_string()),
        ("mltest_version", env!("CARGO_PKG_VERSION").to_string()),
        (
            "report",
            format!("{}/jobs/{}", gate.config.public_url, job.id),
        ),
        ("job", job.id.to_string()),
        ("alias", step.alias.clone()),
    ];
    for (key, value) in tags {
        gate.client.set_tag(name, version, &step.tag(key), &value)?;
    }
    // The verdict last: a reader that sees it sees the rest.
    gate.client
        .set_tag(name, version, &step.tag("verdict"), verdict)?;
    Ok(())
}

/// Moves the alias to `version`, unless a newer version already holds it.
fn promote(gate: &Gate, job: &Job, model: &Model, step: &Step, version: &str) -> Result<()> {
    let current = gate.client.aliases(&model.name)?.get(&step.alias).cloned();
    let number = |v: &str| v.parse::<u64>().unwrap_or(0);
    let what = match current.as_deref() {
        Some(c) if c == version => format!("{version} already holds `{}`", step.alias),
        Some(c) if number(c) > number(version) => {
            format!(
                "not promoted: `{}` holds version {c}, newer than {version}; the gate never demotes a newer champion",
                step.alias
            )
        }
        _ => {
            gate.store
                .alias_write(&model.name, &step.alias, version, job.id)?;
            gate.client.set_alias(&model.name, &step.alias, version)?;
            format!(
                "moved `{}` from {} to {version}",
                step.alias,
                current.as_deref().unwrap_or("nothing")
            )
        }
    };
    info!("{what}");
    gate.store.event(job.id, &what)?;
    Ok(())
}

/// A protected alias must point at a version the gate approved.
fn guard(gate: &Gate, job: &Job) -> Result<()> {
    let model = gate.model(job)?;
    let alias = &job.step;
    let step = gate
        .step(job)
        .ok_or_else(|| JobError::Fatal(format!("alias `{alias}` is no longer protected")))?;
    let Some(current) = gate.client.aliases(&model.name)?.get(alias).cloned() else {
        gate.store.event(job.id, &format!("`{alias}` is not set"))?;
        return Ok(());
    };
    if let Some(approver) = gate.store.approval(&model.name, alias, &current)? {
        gate.store.event(
            job.id,
            &format!("`{alias}` → {current}: approved by job {approver}"),
        )?;
        return Ok(());
    }
    let when = humantime::format_rfc3339_seconds(SystemTime::now());
    let message =
        format!("`{alias}` was pointed at version {current} without a gate pass (found {when})");
    warn!(violation = %message, "protected alias moved by someone else");
    gate.metrics.violations.inc();
    gate.client
        .set_tag(&model.name, &current, &step.tag("violation"), &message)?;
    gate.store.event(job.id, &message)?;
    if model.guard == Guard::Revert {
        match gate.store.last_promoted(&model.name, alias)? {
            Some(last) if last != current => {
                gate.store.alias_write(&model.name, alias, &last, job.id)?;
                gate.client.set_alias(&model.name, alias, &last)?;
                let what = format!(
                    "reverted `{alias}` from {current} to {last}, the last version the gate approved"
                );
                info!("{what}");
                gate.store.event(job.id, &what)?;
            }
            _ => gate.store.event(
                job.id,
                "nothing to revert to: the gate has promoted no version to this alias",
            )?,
        }
    }
    Ok(())
}

/// Finds what webhooks missed: versions without a verdict, verdicts stuck
/// in `running` with no live job, and protected aliases on unapproved
/// versions. One model's failure (say, a permission) does not stop the rest.
pub(crate) fn reconcile(gate: &Gate) -> std::result::Result<usize, JobError> {
    let mut jobs = Vec::new();
    for model in gate.config.models.values() {
        if let Err(e) = reconcile_model(gate, model, &mut jobs) {
            warn!(model = %model.name, error = ?e, "cannot reconcile this model this round");
        }
    }
    let queued = gate.store.enqueue(&jobs)?.len();
    if queued > 0 {
        gate.wake();
    }
    Ok(queued)
}

fn reconcile_model(gate: &Gate, model: &Model, jobs: &mut Vec<NewJob>) -> Result<()> {
    // A model that is not registered yet has nothing to reconcile.
    let versions = match gate.client.versions(&model.name) {
        Err(RegistryError::NotFound { .. }) => return Ok(()),
        other => other?,
    };
    for v in versions.iter().take(1000) {
        for step in &model.steps {
            let verdict = v.tags.get(&step.tag("verdict")).map(String::as_str);
            // A chain step is due once its required step approved the version.
            let approver = match &step.requires {
                None => None,
                Some(r) => match gate.store.approval(&model.name, r, &v.version)? {
                    Some(job) => Some((r, job)),
                    None => continue,
                },
            };
            if approver.is_none() && !model.on_created {
                continue;
            }
            let stuck = verdict == Some("running");
            if !(verdict.is_none() || stuck)
                || gate.store.live(&model.name, &v.version, &step.alias)?
            {
                continue;
            }
            let n = gate
                .store
                .count(Kind::Evaluate, &model.name, &v.version, &step.alias)?;
            // The first evaluation has the key the webhook (or the chain)
            // would have used, so the two never both run.
            let key = match (n, approver) {
                (0, Some((required, job))) => format!(
                    "eval:{}:{}:{}:after:{required}:{job}",
                    model.name, v.version, step.alias
                ),
                (0, None) if step.alias == model.steps[0].alias => {
                    super::hooks::created_key(model, &v.version)
                }
                _ => format!(
                    "eval:{}:{}:{}:reconcile:{n}",
                    model.name, v.version, step.alias
                ),
            };
            jobs.push(NewJob {
                kind: Kind::Evaluate,
                model: model.name.clone(),
                version: Some(v.version.clone()),
                step: step.alias.clone(),
                reason: if stuck {
                    "reconcile: stuck running".into()
                } else {
                    "reconcile: no verdict".into()
                },
                key,
            });
        }
    }
    let aliases = match gate.client.aliases(&model.name) {
        Err(RegistryError::NotFound { .. }) => return Ok(()),
        other => other?,
    };
    for step in &model.steps {
        if let Some(version) = aliases.get(&step.alias)
            && gate
                .store
                .approval(&model.name, &step.alias, version)?
                .is_none()
            && !gate.store.live(&model.name, version, &step.alias)?
        {
            // Counted, so a version that is moved back onto the alias later
            // is guarded again.
            let n = gate
                .store
                .count(Kind::Guard, &model.name, version, &step.alias)?;
            jobs.push(NewJob {
                kind: Kind::Guard,
                model: model.name.clone(),
                version: Some(version.clone()),
                step: step.alias.clone(),
                reason: "reconcile: alias on an unapproved version".into(),
                key: format!(
                    "guard:{}:{}:v{version}:reconcile:{n}",
                    model.name, step.alias
                ),
            });
        }
    }
    Ok(())
}
