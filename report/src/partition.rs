//! Sharded runs: which shard a report is (`mltest run --partition`), and
//! merging the shards' reports into the suite's one verdict
//! (`mltest report merge`).
//!
//! A shard's report records every check the run selected before it was
//! partitioned, so a merge can tell a missing shard or a check run twice
//! from a complete set: it refuses both rather than give a verdict on part
//! of the suite.

use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::RunResult;

/// How checks are dealt out to shards, as in cargo-nextest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    /// By a hash of the check id: a check stays in its shard whatever
    /// checks are added or removed around it.
    Hash,
    /// Round-robin over the selected checks in suite order: shards of
    /// equal size, but adding a check can move others.
    Count,
}

/// One shard of a partitioned run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Partition {
    pub scheme: Scheme,
    /// 1-based.
    pub shard: u32,
    pub total: u32,
    /// Every check the run selected before partitioning, in suite order.
    pub selected: Vec<String>,
}

impl Partition {
    pub fn new(scheme: Scheme, shard: u32, total: u32, selected: Vec<String>) -> Self {
        Partition {
            scheme,
            shard,
            total,
            selected,
        }
    }

    /// `hash:k/n` or `count:k/n`.
    pub fn spec(&self) -> String {
        let scheme = match self.scheme {
            Scheme::Hash => "hash",
            Scheme::Count => "count",
        };
        format!("{scheme}:{}/{}", self.shard, self.total)
    }
}

/// Why shards' reports do not make one run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("no reports to merge")]
    Empty,
    #[error("report {0} is not a shard (it was not run with --partition)")]
    NotAShard(usize),
    #[error("report {index} is of suite `{found}`, report 1 of `{expected}`")]
    OtherSuite {
        index: usize,
        found: String,
        expected: String,
    },
    #[error(
        "report {index} is shard {found} and report 1 is {expected}: shards of different partitions"
    )]
    OtherPartition {
        index: usize,
        found: String,
        expected: String,
    },
    #[error(
        "report {index} selected other checks than report 1 (a different suite file, or --only/--skip)"
    )]
    OtherSelection { index: usize },
    #[error("shard {0} is given twice")]
    DuplicateShard(u32),
    #[error("report {index} says it is shard {shard} of {total}")]
    ShardOutOfRange {
        index: usize,
        shard: u32,
        total: u32,
    },
    #[error("report 1 lists check `{0}` twice among the selected checks")]
    DuplicateSelected(String),
    #[error("shards {missing} of {total} are missing: {checks} checks have no result")]
    MissingShards {
        missing: String,
        total: u32,
        checks: usize,
    },
    #[error("check `{0}` has results in two reports")]
    DuplicateCheck(String),
    #[error("check `{id}` is in shard {shard}'s report but the run did not select it")]
    UnknownCheck { id: String, shard: u32 },
    #[error("check `{0}` has no result in any shard")]
    MissingCheck(String),
}

/// The whole suite's run from its shards' reports, in any order: checks in
/// suite order, the verdict and counts recomputed from them, started when
/// the first shard started, and as long as the longest shard (they ran side
/// by side).
pub fn merge(shards: Vec<RunResult>) -> Result<RunResult, MergeError> {
    let first = shards.first().ok_or(MergeError::Empty)?;
    let partition = first.partition.clone().ok_or(MergeError::NotAShard(1))?;
    // Counted in sets sized by the input, never by a number it states.
    let selected: std::collections::HashSet<&String> = partition.selected.iter().collect();
    if selected.len() != partition.selected.len() {
        let mut seen = std::collections::HashSet::new();
        let twice = partition.selected.iter().find(|id| !seen.insert(*id));
        return Err(MergeError::DuplicateSelected(
            twice.cloned().unwrap_or_default(),
        ));
    }
    let mut seen_shards = std::collections::BTreeSet::new();
    for (i, shard) in shards.iter().enumerate() {
        let index = i + 1;
        let p = shard
            .partition
            .as_ref()
            .ok_or(MergeError::NotAShard(index))?;
        if shard.suite != first.suite {
            return Err(MergeError::OtherSuite {
                index,
                found: shard.suite.clone(),
                expected: first.suite.clone(),
            });
        }
        if p.scheme != partition.scheme || p.total != partition.total {
            return Err(MergeError::OtherPartition {
                index,
                found: p.spec(),
                expected: partition.spec(),
            });
        }
        if p.selected != partition.selected {
            return Err(MergeError::OtherSelection { index });
        }
        if p.shard == 0 || p.shard > p.total {
            return Err(MergeError::ShardOutOfRange {
                index,
                shard: p.shard,
                total: p.total,
            });
        }
        if !seen_shards.insert(p.shard) {
            return Err(MergeError::DuplicateShard(p.shard));
        }
    }
    let mut checks = Vec::with_capacity(partition.selected.len());
    let mut by_id = std::collections::BTreeMap::new();
    for shard in &shards {
        let number = shard.partition.as_ref().map_or(0, |p| p.shard);
        for check in &shard.checks {
            if !selected.contains(&check.id) {
                return Err(MergeError::UnknownCheck {
                    id: check.id.clone(),
                    shard: number,
                });
            }
            if by_id.insert(check.id.clone(), check.clone()).is_some() {
                return Err(MergeError::DuplicateCheck(check.id.clone()));
            }
        }
    }
    if seen_shards.len() != partition.total as usize {
        // At most ten named: `total` is the input's word.
        let missing: Vec<String> = (1..=partition.total)
            .filter(|k| !seen_shards.contains(k))
            .take(10)
            .map(|k| k.to_string())
            .collect();
        let more = partition.total as usize - seen_shards.len() - missing.len();
        return Err(MergeError::MissingShards {
            missing: match more {
                0 => missing.join(", "),
                more => format!("{} and {more} more", missing.join(", ")),
            },
            total: partition.total,
            checks: partition
                .selected
                .iter()
                .filter(|id| !by_id.contains_key(*id))
                .count(),
        });
    }
    for id in &partition.selected {
        checks.push(
            by_id
                .remove(id)
                .ok_or_else(|| MergeError::MissingCheck(id.clone()))?,
        );
    }
    let duration = shards
        .iter()
        .map(|s| s.duration_ms)
        .max()
        .unwrap_or(Duration::ZERO);
    let mut merged = RunResult::new(first.suite.clone(), duration, checks);
    merged.mltest_version = first.mltest_version.clone();
    merged.started_at = shards
        .iter()
        .map(|s| s.started_at.clone())
        .filter(|s| !s.is_empty())
        .min()
        .unwrap_or_default();
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CheckResult, FindingResult, Outcome, Severity};

    fn check(id: &str, outcome: Outcome) -> CheckResult {
        let mut c = CheckResult::new(id, "p", Severity::Error);
        c.findings.push(FindingResult::new(id, outcome, "m"));
        c.outcome = outcome;
        c
    }

    fn shard(k: u32, n: u32, checks: Vec<CheckResult>) -> RunResult {
        let selected = ["a", "b", "c"].map(String::from).to_vec();
        let mut r = RunResult::new("s", Duration::from_millis(10 * u64::from(k)), checks);
        r.partition = Some(Partition::new(Scheme::Hash, k, n, selected));
        r.started_at = format!("2026-01-0{k}T00:00:00Z");
        r
    }

    #[test]
    fn shards_merge_into_the_suites_verdict_in_suite_order() {
        let merged = merge(vec![
            shard(2, 2, vec![check("b", Outcome::Fail)]),
            shard(
                1,
                2,
                vec![check("c", Outcome::Pass), check("a", Outcome::Pass)],
            ),
        ])
        .unwrap();
        let ids: Vec<&str> = merged.checks.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(merged.outcome, Outcome::Fail);
        assert_eq!(merged.exit_code(), crate::exit_code::FAILED);
        assert_eq!(merged.counts.checks.total, 3);
        assert_eq!(merged.duration_ms, Duration::from_millis(20));
        assert_eq!(merged.started_at, "2026-01-01T00:00:00Z");
        assert_eq!(merged.partition, None);
    }

    #[test]
    fn an_incomplete_or_inconsistent_set_of_shards_is_refused() {
        let one = || {
            shard(
                1,
                2,
                vec![check("a", Outcome::Pass), check("c", Outcome::Pass)],
            )
        };
        let two = || shard(2, 2, vec![check("b", Outcome::Pass)]);
        assert_eq!(merge(vec![]), Err(MergeError::Empty));
        assert!(matches!(
            merge(vec![one()]),
            Err(MergeError::MissingShards { ref missing, total: 2, checks: 1 }) if missing == "2"
        ));
        assert_eq!(
            merge(vec![one(), one()]),
            Err(MergeError::DuplicateShard(1))
        );
        let mut twice = two();
        twice.checks.push(check("a", Outcome::Pass));
        assert_eq!(
            merge(vec![one(), twice]),
            Err(MergeError::DuplicateCheck("a".into()))
        );
        let mut other = two();
        other.suite = "t".into();
        assert!(matches!(
            merge(vec![one(), other]),
            Err(MergeError::OtherSuite { index: 2, .. })
        ));
        let mut three = two();
        three.partition.as_mut().unwrap().total = 3;
        assert!(matches!(
            merge(vec![one(), three]),
            Err(MergeError::OtherPartition { index: 2, .. })
        ));
        let mut plain = two();
        plain.partition = None;
        assert_eq!(merge(vec![one(), plain]), Err(MergeError::NotAShard(2)));
        let mut zero = two();
        zero.partition.as_mut().unwrap().shard = 0;
        assert!(matches!(
            merge(vec![one(), zero]),
            Err(MergeError::ShardOutOfRange {
                index: 2,
                shard: 0,
                total: 2
            })
        ));
        let mut huge = one();
        huge.partition.as_mut().unwrap().total = u32::MAX;
        assert!(matches!(
            merge(vec![huge]),
            Err(MergeError::MissingShards { ref missing, .. }) if missing.ends_with("and 4294967284 more")
        ));
        let mut doubled = one();
        doubled
            .partition
            .as_mut()
            .unwrap()
            .selected
            .push("a".into());
        assert_eq!(
            merge(vec![doubled]),
            Err(MergeError::DuplicateSelected("a".into()))
        );
        let mut lost = two();
        lost.checks.clear();
        assert_eq!(
            merge(vec![one(), lost]),
            Err(MergeError::MissingCheck("b".into()))
        );
    }
}
