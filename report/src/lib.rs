//! The report model: what one `mltest run` produced, as every renderer
//! (JUnit, JSON, the terminal, and later the gate, CI outputs and HTML)
//! reads it.
//!
//! The JSON form of [`RunResult`] is a public contract. Fields are only ever
//! added, never renamed or removed; `report.schema.json` beside this crate is
//! generated from these types (and a test keeps it current), so consumers
//! can validate what they read. The structs and [`ErrorKind`] are
//! `#[non_exhaustive]` so that adding a field or a kind is not a breaking
//! change for Rust users either: build them with the constructors, then
//! set fields.

pub mod exit_code;
pub mod metric;
pub mod number;
pub mod partition;
pub mod plot;
pub mod text;

pub use partition::{MergeError, Partition, Scheme, merge};
pub use plot::{Plot, Series};

use std::collections::BTreeMap;
use std::time::Duration;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The verdict of a finding, a check, or a whole run. Ordered by severity,
/// so a check's outcome is the maximum of its findings' ([`Outcome::worst`]).
/// A skip ranks below a pass: a check with one passing and one skipped
/// finding passed.
///
/// Exhaustive on purpose, as is [`Severity`]: a new verdict would change
/// what every consumer gates on, which is a new major version of the
/// report, not an addition. Renderers match on it without a wildcard.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
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

/// How a check's failing findings count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// A failing finding fails the run.
    Error,
    /// A failing finding is reported as a warning and does not gate.
    Warn,
}

/// Why a check (or one finding) could not be evaluated; the kind is in the
/// JSON and is the JUnit `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The plugin returned `err` (bad data, bad parameters, its own refusal).
    Plugin,
    /// A wasm trap other than the limits below, e.g. a panic.
    Trap,
    Timeout,
    Memory,
    /// The plugin broke the contract: no findings, output past its caps,
    /// kernel arguments out of bounds, a capability it was not granted.
    Contract,
    /// The runner could not set the check up (instantiation, I/O), or
    /// failed itself.
    Internal,
}

impl ErrorKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Plugin => "plugin",
            ErrorKind::Trap => "trap",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Memory => "memory",
            ErrorKind::Contract => "contract",
            ErrorKind::Internal => "internal",
        }
    }
}

/// Name of the finding that stands for the check as a whole (an error, or
/// a plugin that reported nothing).
pub const CHECK_FINDING: &str = "check";

/// Where in the suite file a check, or the suite key a finding comes from,
/// is written: what JUnit `file`/`line`, CI annotations and Code Quality
/// entries point at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Location {
    /// The suite file, as the run named it (relative to the directory the
    /// run started in, when it was given that way).
    pub file: String,
    /// 1-based.
    pub line: u32,
    /// 1-based, in characters.
    pub column: u32,
    /// The JSON pointer of the parameter a finding comes from (e.g.
    /// `/thresholds/auc`); absent for a check's own location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Location {
    pub fn new(file: impl Into<String>, line: u32, column: u32) -> Self {
        Location {
            file: file.into(),
            line,
            column,
            key: None,
        }
    }
}

/// The property a plugin sets to name the parameter (a JSON pointer into
/// its params, e.g. `/thresholds/auc`) a finding comes from; the runner
/// turns it into the finding's [`Location`].
pub const PARAM_PROPERTY: &str = "mltest.param";

/// How many checks or findings ended each way.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Tally {
    pub total: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
    pub skip: usize,
}

impl Tally {
    pub fn of(outcomes: impl IntoIterator<Item = Outcome>) -> Tally {
        let mut t = Tally::default();
        for o in outcomes {
            t.total += 1;
            *match o {
                Outcome::Pass => &mut t.pass,
                Outcome::Warn => &mut t.warn,
                Outcome::Fail => &mut t.fail,
                Outcome::Error => &mut t.error,
                Outcome::Skip => &mut t.skip,
            } += 1;
        }
        t
    }

    pub fn get(&self, outcome: Outcome) -> usize {
        match outcome {
            Outcome::Pass => self.pass,
            Outcome::Warn => self.warn,
            Outcome::Fail => self.fail,
            Outcome::Error => self.error,
            Outcome::Skip => self.skip,
        }
    }
}

/// Counts at both levels: checks are what gates, findings what to fix.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Counts {
    pub checks: Tally,
    pub findings: Tally,
}

/// One verdict inside a check: one JUnit testcase.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct FindingResult {
    /// Stable and unique within the check, e.g. `drift[age]`.
    pub name: String,
    pub outcome: Outcome,
    pub message: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub details: String,
    pub observed: Option<f64>,
    pub threshold: Option<f64>,
    #[serde(default)]
    pub properties: BTreeMap<String, String>,
    /// The suite key this finding comes from; absent when it comes from
    /// the check as a whole (then the check's location applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Binned data to draw, for the HTML report.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plot: Option<Plot>,
}

impl FindingResult {
    pub fn new(name: impl Into<String>, outcome: Outcome, message: impl Into<String>) -> Self {
        FindingResult {
            name: name.into(),
            outcome,
            message: message.into(),
            details: String::new(),
            observed: None,
            threshold: None,
            properties: BTreeMap::new(),
            location: None,
            plot: None,
        }
    }

    /// The finding that stands for a check which could not be evaluated;
    /// its `error` property (the JUnit error `type`) says why.
    pub fn check_error(kind: ErrorKind, message: impl Into<String>) -> Self {
        let mut finding = FindingResult::new(CHECK_FINDING, Outcome::Error, message);
        finding
            .properties
            .insert("error".to_string(), kind.as_str().to_string());
        finding
    }
}

/// What was cut from a check's output because it passed a cap, so a reader
/// knows the report is not the whole story.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct Truncation {
    /// Log lines dropped past the log caps.
    #[serde(default)]
    pub logs_dropped: u64,
    /// Guest stdout or stderr reached its cap; later writes were refused.
    #[serde(default)]
    pub output_truncated: bool,
    /// Findings dropped past the findings cap.
    #[serde(default)]
    pub findings_dropped: u64,
    /// Findings whose name, message, details or properties were shortened.
    #[serde(default)]
    pub findings_shortened: u64,
}

impl Truncation {
    pub fn is_empty(&self) -> bool {
        *self == Truncation::default()
    }
}

/// One check: one JUnit testsuite.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct CheckResult {
    pub id: String,
    pub plugin: String,
    pub plugin_version: String,
    pub plugin_digest: String,
    /// The `mltest:plugin` contract version the plugin was built against.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub plugin_contract: String,
    /// Capabilities the plugin declares it may use (0.2 plugins and later).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub plugin_capabilities: Vec<String>,
    pub severity: Severity,
    pub outcome: Outcome,
    #[serde(with = "millis")]
    #[schemars(with = "u64")]
    pub duration_ms: Duration,
    /// Time to create the check's store and instantiate its plugin.
    pub instantiate_us: u64,
    pub error: Option<ErrorKind>,
    pub findings: Vec<FindingResult>,
    /// Lines the plugin wrote through the `log` interface, as `level: message`.
    pub logs: Vec<String>,
    pub stdout: String,
    pub stderr: String,
    /// Capabilities the suite granted this check (e.g. `clock`, `random`);
    /// empty: the plugin saw a frozen clock and a fixed random stream.
    #[serde(default)]
    pub grants: Vec<String>,
    /// What was cut from the plugin's output; absent when nothing was.
    #[serde(default, skip_serializing_if = "Truncation::is_empty")]
    pub truncated: Truncation,
    /// Where the check is declared (its `id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
}

impl CheckResult {
    /// A check that has not produced anything yet: outcome `error` until
    /// findings say otherwise.
    pub fn new(id: impl Into<String>, plugin: impl Into<String>, severity: Severity) -> Self {
        CheckResult {
            id: id.into(),
            plugin: plugin.into(),
            plugin_version: String::new(),
            plugin_digest: String::new(),
            plugin_contract: String::new(),
            plugin_capabilities: Vec::new(),
            severity,
            outcome: Outcome::Error,
            duration_ms: Duration::ZERO,
            instantiate_us: 0,
            error: None,
            findings: Vec::new(),
            logs: Vec::new(),
            stdout: String::new(),
            stderr: String::new(),
            grants: Vec::new(),
            truncated: Truncation::default(),
            location: None,
        }
    }

    /// Findings with this outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.findings
            .iter()
            .filter(|f| f.outcome == outcome)
            .count()
    }

    /// Where a finding points: its own suite key, else the check.
    pub fn location_of<'a>(&'a self, finding: &'a FindingResult) -> Option<&'a Location> {
        finding.location.as_ref().or(self.location.as_ref())
    }
}

/// A whole run: the input of every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[non_exhaustive]
pub struct RunResult {
    pub suite: String,
    pub outcome: Outcome,
    #[serde(with = "millis")]
    #[schemars(with = "u64")]
    pub duration_ms: Duration,
    pub checks: Vec<CheckResult>,
    /// Derived from `checks`, for readers that want the totals only.
    #[serde(default)]
    pub counts: Counts,
    /// The mltest that produced the report.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub mltest_version: String,
    /// When the run started, RFC 3339 in UTC.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub started_at: String,
    /// The shard this report is, for a run with `--partition`; `mltest
    /// report merge` joins the shards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
}

impl RunResult {
    /// The run's verdict is the worst of its checks'.
    pub fn new(suite: impl Into<String>, duration: Duration, checks: Vec<CheckResult>) -> Self {
        let mut run = RunResult {
            suite: suite.into(),
            outcome: Outcome::worst(checks.iter().map(|c| c.outcome)),
            duration_ms: duration,
            checks,
            counts: Counts::default(),
            mltest_version: String::new(),
            started_at: String::new(),
            partition: None,
        };
        run.counts = run.count();
        run
    }

    /// Counts from the checks themselves (a saved report's `counts` may be
    /// absent or stale).
    pub fn count(&self) -> Counts {
        Counts {
            checks: Tally::of(self.checks.iter().map(|c| c.outcome)),
            findings: Tally::of(
                self.checks
                    .iter()
                    .flat_map(|c| c.findings.iter().map(|f| f.outcome)),
            ),
        }
    }

    /// The exit code this run gives ([`exit_code`]).
    pub fn exit_code(&self) -> u8 {
        exit_code::for_outcome(self.outcome)
    }

    /// Pretty JSON, the `--json` report.
    pub fn to_json(&self) -> String {
        // Plain data with string keys: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Reads a saved JSON report back.
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}

/// The JSON Schema of [`RunResult`], as checked in beside this crate.
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(RunResult);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}

/// Durations are whole milliseconds in the JSON.
mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_outcome_orders_error_over_fail_over_warn_over_pass_over_skip() {
        use Outcome::*;
        assert_eq!(Outcome::worst([Pass, Warn, Skip]), Warn);
        assert_eq!(Outcome::worst([Fail, Error, Pass]), Error);
        assert_eq!(Outcome::worst([Skip, Pass]), Pass);
        assert_eq!(Outcome::worst([Skip, Skip]), Skip);
        assert_eq!(Outcome::worst([]), Skip);
    }

    #[test]
    fn json_round_trips() {
        let mut check = CheckResult::new("drift", "drift", Severity::Warn);
        check.duration_ms = Duration::from_millis(12);
        check
            .findings
            .push(FindingResult::check_error(ErrorKind::Timeout, "slow"));
        check.truncated.logs_dropped = 3;
        let run = RunResult::new("demo", Duration::from_millis(40), vec![check]);
        let back = RunResult::from_json(&run.to_json()).unwrap();
        assert_eq!(back, run);
        // Not finished: a check starts as an error until findings say otherwise.
        assert_eq!(back.exit_code(), exit_code::ERROR);
    }

    /// `report.schema.json` is generated; regenerate it with
    /// `MLTEST_BLESS=1 cargo test -p mltest-report`.
    #[test]
    fn checked_in_schema_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/report.schema.json");
        let generated = json_schema();
        if std::env::var_os("MLTEST_BLESS").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == generated,
            "report.schema.json is stale: run `MLTEST_BLESS=1 cargo test -p mltest-report`"
        );
    }
}
