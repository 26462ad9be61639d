//! What a run produces: the input of every report.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

use crate::suite::Severity;

/// The verdict of a finding, a check, or a whole run. Ordered by severity,
/// so a check's outcome is the maximum of its findings'.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Skip,
    Pass,
    Warn,
    Fail,
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Skip => "skip",
            Outcome::Pass => "pass",
            Outcome::Warn => "warn",
            Outcome::Fail => "fail",
            Outcome::Error => "error",
        }
    }

    /// The worst of `outcomes`; `Skip` when every one was skipped or there are none.
    pub fn worst(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
        outcomes.into_iter().max().unwrap_or(Outcome::Skip)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct FindingResult {
    pub name: String,
    pub outcome: Outcome,
    pub message: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub details: String,
    pub observed: Option<f64>,
    pub threshold: Option<f64>,
    pub properties: BTreeMap<String, String>,
}

impl FindingResult {
    /// The finding that stands for a check which could not be evaluated;
    /// its `error` property (the JUnit error `type`) says why.
    pub fn check_error(kind: ErrorKind, message: String) -> Self {
        FindingResult {
            name: CHECK_FINDING.to_string(),
            outcome: Outcome::Error,
            message,
            details: String::new(),
            observed: None,
            threshold: None,
            properties: BTreeMap::from([("error".to_string(), kind.as_str().to_string())]),
        }
    }
}

impl From<crate::host::Finding> for FindingResult {
    fn from(f: crate::host::Finding) -> Self {
        use crate::host::WitOutcome as W;
        FindingResult {
            name: f.name,
            outcome: match f.outcome {
                W::Pass => Outcome::Pass,
                W::Warn => Outcome::Warn,
                W::Fail => Outcome::Fail,
                W::Skip => Outcome::Skip,
                W::Error => Outcome::Error,
            },
            message: f.message,
            details: f.details,
            observed: f.observed,
            threshold: f.threshold,
            properties: f.properties.into_iter().collect(),
        }
    }
}

/// Name of the finding that stands for the check as a whole (an error, or
/// a plugin that reported nothing).
pub const CHECK_FINDING: &str = "check";

/// Why a check could not be evaluated; the kind is in the JSON and JUnit `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorKind {
    /// The plugin returned `err` (bad data, bad parameters, its own refusal).
    Plugin,
    /// A wasm trap other than the limits below, e.g. a panic.
    Trap,
    Timeout,
    Memory,
    /// The runner could not set the check up (instantiation, I/O).
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Plugin => "plugin",
            ErrorKind::Trap => "trap",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Memory => "memory",
            ErrorKind::Internal => "internal",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub id: String,
    pub plugin: String,
    pub plugin_version: String,
    pub plugin_digest: String,
    pub severity: Severity,
    pub outcome: Outcome,
    #[serde(serialize_with = "millis")]
    pub duration_ms: Duration,
    /// Time to create the check's store and instantiate its plugin.
    pub instantiate_us: u64,
    pub error: Option<ErrorKind>,
    pub findings: Vec<FindingResult>,
    /// Lines the plugin wrote through the `log` interface, as `level: message`.
    pub logs: Vec<String>,
    pub stdout: String,
    pub stderr: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunResult {
    pub suite: String,
    pub outcome: Outcome,
    #[serde(serialize_with = "millis")]
    pub duration_ms: Duration,
    pub checks: Vec<CheckResult>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl CheckResult {
    /// Applies the check's severity and derives its outcome from its findings.
    pub fn finish(mut self) -> Self {
        if self.findings.is_empty() {
            self.findings.push(FindingResult {
                name: CHECK_FINDING.into(),
                outcome: Outcome::Skip,
                message: "the plugin reported no findings".into(),
                details: String::new(),
                observed: None,
                threshold: None,
                properties: BTreeMap::new(),
            });
        }
        if self.severity == Severity::Warn {
            for finding in &mut self.findings {
                if finding.outcome == Outcome::Fail {
                    finding.outcome = Outcome::Warn;
                }
            }
        }
        dedupe_names(&mut self.findings);
        self.outcome = Outcome::worst(self.findings.iter().map(|f| f.outcome));
        self
    }
}

/// Finding names must be unique within a check (GitLab keeps only the first
/// of two cases with the same name); later duplicates get `#2`, `#3`, ….
fn dedupe_names(findings: &mut [FindingResult]) {
    let mut taken: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for finding in findings {
        let mut name = finding.name.clone();
        let mut n = 1;
        while taken.contains(&name) {
            n += 1;
            name = format!("{}#{n}", finding.name);
        }
        taken.insert(name.clone());
        finding.name = name;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_outcome_orders_error_over_fail_over_warn() {
        use Outcome::*;
        assert_eq!(Outcome::worst([Pass, Warn, Skip]), Warn);
        assert_eq!(Outcome::worst([Fail, Error, Pass]), Error);
        assert_eq!(Outcome::worst([Skip, Skip]), Skip);
        assert_eq!(Outcome::worst([]), Skip);
    }

    #[test]
    fn duplicate_finding_names_are_suffixed() {
        let f = |name: &str| FindingResult::check_error(ErrorKind::Internal, name.to_string());
        let mut findings = vec![f("a"), f("a"), f("b"), f("a"), f("a#2")];
        for (finding, name) in findings.iter_mut().zip(["a", "a", "b", "a", "a#2"]) {
            finding.name = name.into();
        }
        dedupe_names(&mut findings);
        let names: Vec<_> = findings.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a", "a#2", "b", "a#3", "a#2#2"]);
    }
}
