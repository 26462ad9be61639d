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
use mltest_report::{Partition, Scheme};

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

/// Which checks to run, by glob patterns over check ids, and which shard of
/// them when CI jobs share a suite (`--partition`).
#[derive(Debug, Default, Clone)]
pub(crate) struct Selection {
    pub(crate) only: Vec<glob::Pattern>,
    pub(crate) skip: Vec<glob::Pattern>,
    pub(crate) shard: Option<Shard>,
}

impl Selection {
    /// Whether `--only` and `--skip` let the check run (before sharding).
    pub(crate) fn includes(&self, id: &str) -> bool {
        (self.only.is_empty() || self.only.iter().any(|p| p.matches(id)))
            && !self.skip.iter().any(|p| p.matches(id))
    }

    /// The checks this run executes, in suite order, and the partition it
    /// is a shard of.
    fn select<'a>(&self, checks: &'a [CheckSpec]) -> (Vec<&'a CheckSpec>, Option<Partition>) {
        let selected: Vec<&CheckSpec> = checks.iter().filter(|c| self.includes(&c.id)).collect();
        let Some(shard) = self.shard else {
            return (selected, None);
        };
        let partition = Partition::new(
            shard.scheme,
            shard.shard,
            shard.total,
            selected.iter().map(|c| c.id.clone()).collect(),
        );
        let mine = selected
            .into_iter()
            .enumerate()
            .filter(|(i, c)| shard.holds(*i, &c.id))
            .map(|(_, c)| c)
            .collect();
        (mine, Some(partition))
    }
}

/// `--partition hash:k/n` or `count:k/n`, as cargo-nextest reads it: shard
/// k (from 1) of n.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Shard {
    scheme: Scheme,
    shard: u32,
    total: u32,
}

impl Shard {
    /// Whether the `index`-th selected check, `id`, is this shard's: by
    /// xxHash64 of the id, or round-robin by position.
    fn holds(&self, index: usize, id: &str) -> bool {
        let slot = match self.scheme {
            Scheme::Hash => twox_hash::XxHash64::oneshot(0, id.as_bytes()),
            Scheme::Count => index as u64,
        };
        slot % u64::from(self.total) == u64::from(self.shard - 1)
    }
}

impl std::str::FromStr for Shard {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage =
            || format!("invalid partition `{text}`: write hash:K/N or count:K/N, with 1 ≤ K ≤ N");
        let (scheme, rest) = text.split_once(':').ok_or_else(usage)?;
        let scheme = match scheme {
            "hash" => Scheme::Hash,
            "count" => Scheme::Count,
            _ => return Err(usage()),
        };
        let (k, n) = rest.split_once('/').ok_or_else(usage)?;
        let (shard, total) = (k.parse::<u32>(), n.parse::<u32>());
        match (shard, total) {
            (Ok(shard), Ok(total)) if 1 <= shard && shard <= total => Ok(Shard {
                scheme,
                shard,
                total,
            }),
            _ => Err(usage()),
        }
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
    let (selected, partition) = selection.select(&suite.checks);
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
    result.partition = partition;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_parse_as_nextest_writes_them() {
        let shard: Shard = "hash:2/3".parse().unwrap();
        assert_eq!(
            (shard.scheme, shard.shard, shard.total),
            (Scheme::Hash, 2, 3)
        );
        assert_eq!("count:1/1".parse::<Shard>().unwrap().scheme, Scheme::Count);
        for bad in [
            "hash:0/3",
            "hash:4/3",
            "hash:1/0",
            "slice:1/2",
            "hash:1",
            "1/2",
            "hash:a/b",
        ] {
            let e = bad.parse::<Shard>().unwrap_err();
            assert!(e.contains(&format!("`{bad}`")), "{e}");
        }
    }

    /// Every check lands in exactly one shard, under both schemes, and a
    /// check's hash shard does not depend on the other checks.
    #[test]
    fn every_check_is_in_exactly_one_shard() {
        let ids: Vec<String> = (0..50).map(|i| format!("check-{i}")).collect();
        for scheme in ["hash", "count"] {
            let shards: Vec<Shard> = (1..=4)
                .map(|k| format!("{scheme}:{k}/4").parse().unwrap())
                .collect();
            let mut sizes = [0; 4];
            for (i, id) in ids.iter().enumerate() {
                let owners: Vec<usize> = (0..4).filter(|s| shards[*s].holds(i, id)).collect();
                assert_eq!(owners.len(), 1, "{scheme}: {id} in {owners:?}");
                sizes[owners[0]] += 1;
            }
            assert!(sizes.iter().all(|n| *n > 0), "{scheme}: {sizes:?}");
        }
        let hash: Shard = "hash:1/4".parse().unwrap();
        assert_eq!(hash.holds(0, "check-7"), hash.holds(99, "check-7"));
    }
}
