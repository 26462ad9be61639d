//! The run stage: select checks, run them concurrently, collect results.
//!
//! Each check runs in its own store on a worker thread; one check's trap,
//! timeout or exhausted memory never touches another's. Results keep the
//! suite's order whatever order the checks finish in.

mod result;

pub(crate) use result::finish;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

pub(crate) use mltest_report::{CheckResult, ErrorKind, FindingResult, Outcome, RunResult};

use crate::catalog::Catalog;
use crate::host::{Failure, Host, Plugin};
use crate::suite::{CheckSpec, Suite};

/// Told as checks start and finish (from the checks' threads), for a
/// progress display.
pub(crate) trait Progress: Sync {
    fn started(&self, total: usize);
    fn check_started(&self, id: &str);
    fn check_finished(&self, id: &str, outcome: Outcome);
    fn finished(&self);
}

/// No progress display: the gate, and runs whose output is not a terminal.
pub(crate) struct Quiet;

impl Progress for Quiet {
    fn started(&self, _: usize) {}
    fn check_started(&self, _: &str) {}
    fn check_finished(&self, _: &str, _: Outcome) {}
    fn finished(&self) {}
}

/// Which checks to run, by glob patterns over check ids.
#[derive(Debug, Default, Clone)]
pub(crate) struct Selection {
    pub(crate) only: Vec<glob::Pattern>,
    pub(crate) skip: Vec<glob::Pattern>,
}

impl Selection {
    pub(crate) fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| p.matches(id)))
            && !self.skip.iter().any(|p| p.matches(id))
    }
}

/// Runs the selected checks of `suite`. `plugins` must hold every plugin the
/// suite names (validation guarantees it).
pub(crate) fn run(
    suite: &Suite,
    catalog: Arc<Catalog>,
    host: &Host,
    plugins: &BTreeMap<String, Arc<Plugin>>,
    selection: &Selection,
    progress: &dyn Progress,
) -> RunResult {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string();
    let selected: Vec<&CheckSpec> = suite
        .checks
        .iter()
        .filter(|c| selection.includes(&c.id))
        .collect();
    progress.started(selected.len());
    let run_all = || -> Vec<CheckResult> {
        selected
            .par_iter()
            .map(|check| {
                progress.check_started(&check.id);
                let result = run_check(check, catalog.clone(), host, plugins.get(&check.plugin));
                progress.check_finished(&check.id, result.outcome);
                result
            })
            .collect()
    };
    // Checks run on a pool of their own. A check's thread waits while its
    // host calls run (with a deadline, on threads of their own), and those
    // calls fan out on rayon's global pool: were the checks on the global
    // pool too, waiting checks would hold every worker their kernels need.
    let checks = match rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("mltest-check-{i}"))
        .build()
    {
        Ok(pool) => pool.install(run_all),
        Err(_) => run_all(),
    };
    progress.finished();
    let mut result = RunResult::new(suite.name.clone(), started.elapsed(), checks);
    result.mltest_version = env!("CARGO_PKG_VERSION").to_string();
    result.started_at = started_at;
    result
}

fn run_check(
    check: &CheckSpec,
    catalog: Arc<Catalog>,
    host: &Host,
    plugin: Option<&Arc<Plugin>>,
) -> CheckResult {
    let started = Instant::now();
    let mut result = CheckResult::new(&check.id, &check.plugin, check.severity);
    result.grants = check.grants.clone();
    result.location = Some(check.location.clone());
    let Some(plugin) = plugin else {
        result.error = Some(ErrorKind::Internal);
        result.findings.push(FindingResult::check_error(
            ErrorKind::Internal,
            format!("plugin `{}` is not loaded", check.plugin),
        ));
        return result::finish(result);
    };
    result.plugin_version = plugin.version.clone();
    result.plugin_digest = plugin.digest.clone();
    result.plugin_contract = plugin.contract.version().to_string();
    result.plugin_capabilities = plugin.capabilities.iter().map(|c| c.to_string()).collect();

    // The host never panics on purpose; if an edge case in a dependency
    // does, it costs this check (an internal error), not the run.
    let execution = crate::panics::contain(|| host.execute(plugin, catalog, check));
    let outcome = match execution {
        Ok(execution) => {
            result.instantiate_us = execution.instantiate.as_micros() as u64;
            result.logs = execution.logs;
            result.truncated.logs_dropped = execution.logs_dropped;
            result.truncated.output_truncated = execution.output_truncated;
            result.stdout = execution.stdout;
            result.stderr = execution.stderr;
            execution.outcome.map_err(|failure| {
                let kind = match failure {
                    Failure::Plugin(_) => ErrorKind::Plugin,
                    Failure::Timeout(_) => ErrorKind::Timeout,
                    Failure::Memory(_) => ErrorKind::Memory,
                    Failure::Trap(_) => ErrorKind::Trap,
                    Failure::Contract(_) => ErrorKind::Contract,
                    Failure::Internal(_) => ErrorKind::Internal,
                };
                (kind, failure.to_string())
            })
        }
        Err(message) => Err((
            ErrorKind::Internal,
            format!("internal error in the runner: {message}"),
        )),
    };
    match outcome {
        Ok(findings) => {
            result.findings = result::findings(findings, &mut result.truncated);
            result::place(&mut result.findings, check, &mut result.logs);
            // A plugin may report findings it could not evaluate: the check
            // then could not be fully evaluated, and says so like any other.
            for finding in result
                .findings
                .iter_mut()
                .filter(|f| f.outcome == Outcome::Error)
            {
                result.error = Some(ErrorKind::Plugin);
                finding
                    .properties
                    .entry("error".into())
                    .or_insert_with(|| ErrorKind::Plugin.as_str().into());
            }
        }
        Err((kind, message)) => {
            result.error = Some(kind);
            result
                .findings
                .push(FindingResult::check_error(kind, message));
        }
    }
    result.duration_ms = started.elapsed();
    result::finish(result)
}
