//! The run stage: select checks, run them concurrently, collect results.
//!
//! Each check runs in its own store on a worker thread; one check's trap,
//! timeout or exhausted memory never touches another's. Results keep the
//! suite's order whatever order the checks finish in.

mod result;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use rayon::prelude::*;

pub use result::{CHECK_FINDING, CheckResult, ErrorKind, FindingResult, Outcome, RunResult};

use crate::catalog::Catalog;
use crate::host::{Failure, Host, Plugin};
use crate::suite::{CheckSpec, Suite};

/// Which checks to run, by glob patterns over check ids.
#[derive(Debug, Default, Clone)]
pub struct Selection {
    pub only: Vec<glob::Pattern>,
    pub skip: Vec<glob::Pattern>,
}

impl Selection {
    pub fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| p.matches(id)))
            && !self.skip.iter().any(|p| p.matches(id))
    }
}

/// Runs the selected checks of `suite`. `plugins` must hold every plugin the
/// suite names (validation guarantees it).
pub fn run(
    suite: &Suite,
    catalog: Arc<Catalog>,
    host: &Host,
    plugins: &BTreeMap<String, Arc<Plugin>>,
    selection: &Selection,
) -> RunResult {
    let started = Instant::now();
    let selected: Vec<&CheckSpec> = suite
        .checks
        .iter()
        .filter(|c| selection.includes(&c.id))
        .collect();
    let checks: Vec<CheckResult> = selected
        .par_iter()
        .map(|check| run_check(check, catalog.clone(), host, plugins.get(&check.plugin)))
        .collect();
    RunResult {
        suite: suite.name.clone(),
        outcome: Outcome::worst(checks.iter().map(|c| c.outcome)),
        duration_ms: started.elapsed(),
        checks,
    }
}

fn run_check(
    check: &CheckSpec,
    catalog: Arc<Catalog>,
    host: &Host,
    plugin: Option<&Arc<Plugin>>,
) -> CheckResult {
    let started = Instant::now();
    let mut result = CheckResult {
        id: check.id.clone(),
        plugin: check.plugin.clone(),
        plugin_version: String::new(),
        plugin_digest: String::new(),
        severity: check.severity,
        outcome: Outcome::Error,
        duration_ms: Default::default(),
        instantiate_us: 0,
        error: None,
        findings: Vec::new(),
        logs: Vec::new(),
        stdout: String::new(),
        stderr: String::new(),
    };
    let Some(plugin) = plugin else {
        result.error = Some(ErrorKind::Internal);
        result.findings.push(FindingResult::check_error(
            ErrorKind::Internal,
            format!("plugin `{}` is not loaded", check.plugin),
        ));
        return result.finish();
    };
    result.plugin_version = plugin.version.clone();
    result.plugin_digest = plugin.digest.clone();

    // The host never panics on purpose; if an edge case in a dependency
    // does, it costs this check (an internal error), not the run.
    let execution = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        host.execute(plugin, catalog, &check.params, &check.limits)
    }));
    let outcome = match execution {
        Ok(execution) => {
            result.instantiate_us = execution.instantiate.as_micros() as u64;
            result.logs = execution.logs;
            result.stdout = execution.stdout;
            result.stderr = execution.stderr;
            execution.outcome.map_err(|failure| {
                let kind = match failure {
                    Failure::Plugin(_) => ErrorKind::Plugin,
                    Failure::Timeout(_) => ErrorKind::Timeout,
                    Failure::Memory(_) => ErrorKind::Memory,
                    Failure::Trap(_) => ErrorKind::Trap,
                    Failure::Internal(_) => ErrorKind::Internal,
                };
                (kind, failure.to_string())
            })
        }
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err((
                ErrorKind::Internal,
                format!("internal error in the runner: {message}"),
            ))
        }
    };
    match outcome {
        Ok(findings) => {
            result.findings = findings.into_iter().map(FindingResult::from).collect();
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
    result.finish()
}
