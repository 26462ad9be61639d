//! The guest SDK for mltest check plugins.
//!
//! A check is a type implementing [`Check`] with typed, serde-deserialised
//! parameters; [`export_check!`] wires it to the WIT world. Plugin code never
//! touches the raw bindings: tables, columns and kernels are reached through
//! [`artifacts`] and the methods on [`Column`], findings through [`Finding`].
//!
//! ```text
//! use mltest_sdk::{Check, Finding, Result};
//!
//! #[derive(serde::Deserialize, schemars::JsonSchema)]
//! struct Params { table: String }
//!
//! struct RowCount;
//! impl Check for RowCount {
//!     type Params = Params;
//!     const NAME: &'static str = "row-count";
//!     const VERSION: &'static str = env!("CARGO_PKG_VERSION");
//!     const SUMMARY: &'static str = "the table is not empty";
//!     fn run(params: Params) -> Result<Vec<Finding>> {
//!         let rows = mltest_sdk::artifacts::table(&params.table)?.num_rows()?;
//!         Ok(vec![Finding::check("rows", rows > 0, format!("{rows} rows")).observed(rows as f64)])
//!     }
//! }
//! mltest_sdk::export_check!(RowCount);
//! ```

use std::fmt;

use serde::de::DeserializeOwned;

#[doc(hidden)]
pub mod bindings {
    wit_bindgen::generate!({
        path: "wit",
        world: "check",
        pub_export_macro: true,
        export_macro_name: "__export_check_world",
        default_bindings_module: "mltest_sdk::bindings",
    });
}

use bindings::mltest::plugin::{
    artifacts as wit_artifacts, compare as wit_compare, drift as wit_drift, log as wit_log,
    profile as wit_profile, quality as wit_quality, sandbox as wit_sandbox, types,
};

pub use bindings::mltest::plugin::artifacts::{ArtifactKind, Column, CommandRun, Table};
pub use bindings::mltest::plugin::profile::{
    ColumnStats, DistinctCount, UnseenValues, ValueCount, ValueCounts,
};
pub use bindings::mltest::plugin::types::{
    Capability, ColumnSpec, DataType, Field, ModelSignature, Outcome,
};
pub use mltest_report::metric;
pub use mltest_report::number;
pub use mltest_report::{Plot, Series};
/// The versions the SDK was built with, for plugins to derive against.
pub use schemars;
pub use serde;
pub use serde_json;

/// Whether the suite granted this check `capability` (one its
/// [`Check::CAPABILITIES`] declares). Without it the sandbox's stand-ins
/// apply: a clock at the Unix epoch, a fixed random stream.
pub fn granted(capability: Capability) -> bool {
    wit_sandbox::granted().contains(&capability)
}

/// The worse of two outcomes, in the order the host ranks them
/// (`mltest-report`'s `Outcome`): skip < pass < warn < fail < error.
pub fn worst(a: Outcome, b: Outcome) -> Outcome {
    let rank = |o: Outcome| match o {
        Outcome::Skip => mltest_report::Outcome::Skip,
        Outcome::Pass => mltest_report::Outcome::Pass,
        Outcome::Warn => mltest_report::Outcome::Warn,
        Outcome::Fail => mltest_report::Outcome::Fail,
        Outcome::Error => mltest_report::Outcome::Error,
    };
    if rank(b) > rank(a) { b } else { a }
}

/// The name of an artifact declared in the suite's `[artifacts]`.
///
/// Use it for parameters that name artifacts: its schema carries
/// `"format": "mltest-artifact"`, so the runner checks the name exists and
/// points at the suite file when it does not, before any check runs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct ArtifactName(pub String);

impl std::ops::Deref for ArtifactName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ArtifactName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl schemars::JsonSchema for ArtifactName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "ArtifactName".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "mltest-artifact",
            "description": "the name of an artifact declared in [artifacts]"
        })
    }
}

/// The name of a command declared in the suite's `[commands]`.
///
/// Its schema carries `"format": "mltest-command"`, so `mltest validate`
/// refuses an undeclared command at the suite file's span, as it does an
/// undeclared [`ArtifactName`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct CommandName(pub String);

impl std::ops::Deref for CommandName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CommandName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl schemars::JsonSchema for CommandName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "CommandName".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "mltest-command",
            "description": "the name of a command declared in [commands]"
        })
    }
}

/// An error that stops a check: it becomes the check's JUnit `<error>`.
///
/// Host calls fail with one of the contract's typed cases, so a plugin can
/// tell an absent column ([`Error::NotFound`]) from a corrupt file
/// ([`Error::Data`]) without reading the message; a plugin's own failures
/// (`bail!`, `?` on its parsing) are [`Error::Other`].
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    NotFound(String),
    Data {
        message: String,
        file: Option<String>,
        column: Option<String>,
    },
    Unsupported(String),
    Limit(String),
    InvalidArgument(String),
    Other(String),
}

impl Error {
    /// The whole message, as the report shows it.
    pub fn message(&self) -> &str {
        match self {
            Error::NotFound(m)
            | Error::Unsupported(m)
            | Error::Limit(m)
            | Error::InvalidArgument(m)
            | Error::Other(m) => m,
            Error::Data { message, .. } => message,
        }
    }

    fn into_wit(self) -> types::Error {
        match self {
            Error::NotFound(m) => types::Error::NotFound(m),
            Error::Data {
                message,
                file,
                column,
            } => types::Error::Data(types::DataError {
                message,
                file,
                column,
            }),
            Error::Unsupported(m) => types::Error::Unsupported(m),
            Error::Limit(m) => types::Error::Limit(m),
            Error::InvalidArgument(m) => types::Error::InvalidArgument(m),
            Error::Other(m) => types::Error::Other(m),
        }
    }
}

impl From<&types::Error> for Error {
    fn from(e: &types::Error) -> Self {
        e.clone().into()
    }
}

impl From<types::Error> for Error {
    fn from(e: types::Error) -> Self {
        match e {
            types::Error::NotFound(m) => Error::NotFound(m),
            types::Error::Data(d) => Error::Data {
                message: d.message,
                file: d.file,
                column: d.column,
            },
            types::Error::Unsupported(m) => Error::Unsupported(m),
            types::Error::Limit(m) => Error::Limit(m),
            types::Error::InvalidArgument(m) => Error::InvalidArgument(m),
            types::Error::Other(m) => Error::Other(m),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for Error {}

impl From<String> for Error {
    fn from(message: String) -> Self {
        Error::Other(message)
    }
}

impl From<&str> for Error {
    fn from(message: &str) -> Self {
        Error::Other(message.to_string())
    }
}

/// `?` on the errors a plugin meets most: its own JSON, number parsing,
/// formatting, and glob patterns.
macro_rules! error_from {
    ($($source:ty => $what:literal),* $(,)?) => {$(
        impl From<$source> for Error {
            fn from(e: $source) -> Self {
                Error::Other(format!(concat!($what, ": {}"), e))
            }
        }
    )*};
}

error_from! {
    serde_json::Error => "invalid JSON",
    std::num::ParseIntError => "not an integer",
    std::num::ParseFloatError => "not a number",
    std::fmt::Error => "cannot format",
    std::io::Error => "i/o error",
    glob::PatternError => "invalid glob pattern",
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Returns early with an [`Error`] built like `format!`.
#[macro_export]
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::Error::Other(format!($($arg)*))) };
}

/// A check plugin: policy over host-side data and kernels.
pub trait Check {
    /// The `params` table from the suite file. Its JSON Schema (from
    /// `schemars`) is published by `describe`, so the runner rejects bad
    /// parameters before any check runs, pointing at the suite file.
    type Params: DeserializeOwned + schemars::JsonSchema;
    const NAME: &'static str;
    const VERSION: &'static str;
    const SUMMARY: &'static str;
    /// What `run` may use beyond its data; the suite grants any of them,
    /// and [`granted`] says which.
    const CAPABILITIES: &'static [Capability] = &[];
    fn run(params: Self::Params) -> Result<Vec<Finding>>;
}

/// Exports a [`Check`] implementation as the plugin's WIT world.
#[macro_export]
macro_rules! export_check {
    ($check:ty) => {
        struct __MltestPlugin;
        impl $crate::bindings::Guest for __MltestPlugin {
            fn describe() -> $crate::bindings::mltest::plugin::types::PluginInfo {
                $crate::describe::<$check>()
            }
            fn run(
                params: String,
            ) -> Result<
                Vec<$crate::bindings::mltest::plugin::types::Finding>,
                $crate::bindings::mltest::plugin::types::Error,
            > {
                $crate::run::<$check>(&params)
            }
        }
        $crate::bindings::__export_check_world!(__MltestPlugin with_types_in $crate::bindings);
    };
}

#[doc(hidden)]
pub fn describe<C: Check>() -> types::PluginInfo {
    let schema = schemars::schema_for!(C::Params);
    types::PluginInfo {
        name: C::NAME.to_string(),
        version: C::VERSION.to_string(),
        summary: C::SUMMARY.to_string(),
        params_schema: serde_json::to_string(&schema).unwrap_or_else(|_| "{}".into()),
        capabilities: C::CAPABILITIES.to_vec(),
    }
}

#[doc(hidden)]
pub fn run<C: Check>(params: &str) -> Result<Vec<types::Finding>, types::Error> {
    let params: C::Params = serde_json::from_str(params)
        .map_err(|e| types::Error::InvalidArgument(format!("invalid params: {e}")))?;
    C::run(params)
        .map(|findings| findings.into_iter().map(Finding::into_wit).collect())
        .map_err(Error::into_wit)
}

/// One finding: one JUnit testcase.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub name: String,
    pub outcome: Outcome,
    pub message: String,
    pub details: String,
    pub observed: Option<f64>,
    pub threshold: Option<f64>,
    pub properties: Vec<(String, String)>,
}

impl Finding {
    pub fn new(name: impl Into<String>, outcome: Outcome, message: impl Into<String>) -> Self {
        Finding {
            name: name.into(),
            outcome,
            message: message.into(),
            details: String::new(),
            observed: None,
            threshold: None,
            properties: Vec::new(),
        }
    }
    pub fn pass(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Outcome::Pass, message)
    }
    pub fn warn(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Outcome::Warn, message)
    }
    pub fn fail(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Outcome::Fail, message)
    }
    pub fn skip(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Outcome::Skip, message)
    }
    pub fn error(name: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(name, Outcome::Error, message)
    }
    /// Pass when `ok`, otherwise fail; the message describes what was seen either way.
    pub fn check(name: impl Into<String>, ok: bool, message: impl Into<String>) -> Self {
        Self::new(
            name,
            if ok { Outcome::Pass } else { Outcome::Fail },
            message,
        )
    }
    pub fn observed(mut self, value: f64) -> Self {
        self.observed = Some(value);
        self
    }
    pub fn threshold(mut self, value: f64) -> Self {
        self.threshold = Some(value);
        self
    }
    pub fn details(mut self, details: impl Into<String>) -> Self {
        self.details = details.into();
        self
    }
    pub fn property(mut self, key: impl Into<String>, value: impl ToString) -> Self {
        self.properties.push((key.into(), value.to_string()));
        self
    }
    /// Names the parameter this finding comes from, as a JSON pointer into
    /// the check's params (`/thresholds/auc`): reports point at the line of
    /// the suite file where it is written.
    pub fn param(self, pointer: impl Into<String>) -> Self {
        self.property(mltest_report::PARAM_PROPERTY, pointer.into())
    }
    /// Attaches binned data for the HTML report to draw.
    pub fn plot(self, plot: &Plot) -> Self {
        match serde_json::to_string(plot) {
            Ok(json) => self.property(mltest_report::plot::PLOT_PROPERTY, json),
            Err(_) => self,
        }
    }
    fn into_wit(self) -> types::Finding {
        types::Finding {
            name: self.name,
            outcome: self.outcome,
            message: self.message,
            details: self.details,
            observed: self.observed,
            threshold: self.threshold,
            properties: self.properties,
        }
    }
}

/// The artifacts the suite declared, by name.
pub mod artifacts {
    use super::*;

    pub fn kind(name: &str) -> Result<ArtifactKind> {
        Ok(wit_artifacts::kind(name)?)
    }
    pub fn table(name: &str) -> Result<Table> {
        Ok(wit_artifacts::open_table(name)?)
    }
    /// A JSON document, parsed.
    pub fn document(name: &str) -> Result<serde_json::Value> {
        let text = wit_artifacts::document(name)?;
        serde_json::from_str(&text).map_err(|e| Error::Data {
            message: format!("artifact `{name}`: invalid JSON: {e}"),
            file: None,
            column: None,
        })
    }
    pub fn signature(name: &str) -> Result<ModelSignature> {
        Ok(wit_artifacts::signature(name)?)
    }
    pub fn digest(name: &str) -> Result<String> {
        Ok(wit_artifacts::digest(name)?)
    }
    /// Runs the suite's command `name` (once per mltest run) and names each
    /// run's outputs as artifacts.
    pub fn command_runs(name: &str) -> Result<Vec<CommandRun>> {
        Ok(wit_artifacts::command_runs(name)?)
    }
}

/// Host-side kernels over table pairs: the host reads and computes the
/// columns in parallel, so prefer these batch forms to per-column calls.
/// The contract splits them by concern (`profile`, `drift`, `compare`,
/// `quality`); this module gathers them for plugin code.
pub mod kernels {
    /// The contract's error as kernel results carry it (a metric undefined
    /// on a slice, a column of a batch); [`Error`] converts from it.
    pub use super::types::{DataError, Error as HostError};
    pub use super::wit_compare::{
        Alignment, ColumnDiff, Mismatch, TableDiff, TableDiffRequest, Tolerance,
    };
    pub use super::wit_drift::{
        BinCount, BinEdges, Binning, Bounds, ColumnKind, DriftEstimate, DriftMethod, DriftRequest,
        DriftResult, Exactness, Smoothing,
    };
    pub use super::wit_profile::{DistinctCount, PairProfile, SideProfile};
    pub use super::wit_quality::{
        Confusion, ConfusionCell, ConfusionRequest, DelongTest, McnemarTest, MetricValue,
        Predictions, QualityReport, QualityRequest, Resampled, Resampling, SliceQuality, Task,
    };
    use super::*;

    fn each<T>(results: Vec<std::result::Result<T, types::Error>>) -> Vec<Result<T>> {
        results
            .into_iter()
            .map(|r| r.map_err(Error::from))
            .collect()
    }

    /// Column pair profiles (types, null/NaN/inf counts, distinct counts up
    /// to `distinct_limit`), one result per column.
    pub fn profile_pairs(
        reference: &Table,
        current: &Table,
        columns: &[String],
        distinct_limit: u32,
    ) -> Result<Vec<Result<PairProfile>>> {
        Ok(each(wit_profile::profile_pairs(
            reference,
            current,
            columns,
            distinct_limit,
        )?))
    }

    /// Drift statistics, one result per request.
    pub fn drift(
        reference: &Table,
        current: &Table,
        requests: &[DriftRequest],
    ) -> Result<Vec<Result<DriftResult>>> {
        Ok(each(wit_drift::drift(reference, current, requests)?))
    }

    /// Drift statistics where either table may be a profile: each result
    /// says whether it is exact or a bracket around the full-data value.
    pub fn drift_estimates(
        reference: &Table,
        current: &Table,
        requests: &[DriftRequest],
    ) -> Result<Vec<Result<DriftEstimate>>> {
        Ok(each(wit_drift::drift_estimates(
            reference, current, requests,
        )?))
    }

    /// n, TP, FP, TN, FN per intersection of the grouping columns.
    pub fn confusion_by_group(table: &Table, request: &ConfusionRequest) -> Result<Confusion> {
        Ok(wit_quality::confusion_by_group(table, request)?)
    }

    /// Model quality from holdout predictions: metrics on all rows and per
    /// slice, and the paired comparison with the champion.
    pub fn quality(table: &Table, request: &QualityRequest) -> Result<QualityReport> {
        Ok(wit_quality::quality(table, request)?)
    }

    /// Element-wise comparison of two tables, aligned by key or position.
    pub fn compare_tables(
        actual: &Table,
        expected: &Table,
        request: &TableDiffRequest,
    ) -> Result<TableDiff> {
        Ok(wit_compare::compare_tables(actual, expected, request)?)
    }
}

/// Host-side kernels, as methods on column handles.
impl Column {
    pub fn stats(&self) -> Result<ColumnStats> {
        Ok(wit_profile::summarize(self)?)
    }
    pub fn value_counts(&self, limit: u32) -> Result<ValueCounts> {
        Ok(wit_profile::count_values(self, limit)?)
    }
    /// Values of `self` that `reference` never had.
    pub fn unseen_in(&self, reference: &Column, limit: u32) -> Result<UnseenValues> {
        Ok(wit_profile::find_unseen(reference, self, limit)?)
    }
    /// Finite values strictly outside `[low, high]`.
    pub fn count_outside(&self, low: f64, high: f64) -> Result<u64> {
        Ok(wit_profile::count_outside(self, low, high)?)
    }
    /// Counts per bin (`numpy.histogram` semantics).
    pub fn histogram(&self, edges: &[f64]) -> Result<Vec<u64>> {
        Ok(wit_profile::histogram(self, edges)?)
    }
    /// `numpy.quantile` (linear) of the finite values.
    pub fn quantiles(&self, q: &[f64]) -> Result<Vec<Option<f64>>> {
        Ok(wit_profile::quantiles(self, q)?)
    }
    /// One drift statistic of `self` (current) against `reference`.
    pub fn drift_from(
        &self,
        reference: &Column,
        method: kernels::DriftMethod,
        kind: kernels::ColumnKind,
        binning: kernels::Binning,
    ) -> Result<kernels::DriftResult> {
        Ok(wit_drift::drift_pair(
            reference, self, method, kind, binning,
        )?)
    }
    /// Element-wise comparison of `self` (actual) with `expected`, by position.
    pub fn compare_to(
        &self,
        expected: &Column,
        tolerance: kernels::Tolerance,
        limit: u32,
    ) -> Result<kernels::ColumnDiff> {
        Ok(wit_compare::compare_columns(
            self, expected, tolerance, limit,
        )?)
    }
}

impl DistinctCount {
    /// The count, or one past the limit when counting stopped there: what a
    /// rule like "more than five distinct values" compares.
    pub fn at_least(self) -> u64 {
        match self {
            DistinctCount::Exact(n) => n,
            DistinctCount::MoreThan(limit) => limit.saturating_add(1),
        }
    }
}

impl fmt::Display for DistinctCount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DistinctCount::Exact(n) => write!(f, "{n}"),
            DistinctCount::MoreThan(limit) => write!(f, "more than {limit}"),
        }
    }
}

impl DataType {
    pub fn is_integer(self) -> bool {
        use DataType::*;
        matches!(
            self,
            Int8 | Int16 | Int32 | Int64 | Uint8 | Uint16 | Uint32 | Uint64
        )
    }
    pub fn is_float(self) -> bool {
        matches!(
            self,
            DataType::Float16 | DataType::Float32 | DataType::Float64
        )
    }
    pub fn is_numeric(self) -> bool {
        self.is_integer() || self.is_float() || self == DataType::Decimal
    }
}

/// Column selection by names or glob patterns, as checks take it in params.
///
/// Patterns are compiled once, and an invalid glob is an error that names
/// it: a typo in a suite must not silently select nothing.
pub mod columns {
    use super::{Error, Result};

    /// Names and glob patterns; a name matches when it equals one or one
    /// matches it as a glob.
    #[derive(Debug, Clone)]
    pub struct Patterns(Vec<(String, glob::Pattern)>);

    impl Patterns {
        pub fn new(patterns: &[String]) -> Result<Patterns> {
            patterns
                .iter()
                .map(|p| {
                    glob::Pattern::new(p).map(|g| (p.clone(), g)).map_err(|e| {
                        Error::InvalidArgument(format!("invalid column pattern `{p}`: {e}"))
                    })
                })
                .collect::<Result<Vec<_>>>()
                .map(Patterns)
        }

        pub fn matches(&self, name: &str) -> bool {
            self.0.iter().any(|(p, g)| p == name || g.matches(name))
        }

        pub fn is_empty(&self) -> bool {
            self.0.is_empty()
        }
    }

    /// Included (every name when `include` is empty) and not excluded.
    #[derive(Debug, Clone)]
    pub struct Selection {
        include: Patterns,
        exclude: Patterns,
    }

    impl Selection {
        pub fn new(include: &[String], exclude: &[String]) -> Result<Selection> {
            Ok(Selection {
                include: Patterns::new(include)?,
                exclude: Patterns::new(exclude)?,
            })
        }

        pub fn selected(&self, name: &str) -> bool {
            (self.include.is_empty() || self.include.matches(name)) && !self.exclude.matches(name)
        }
    }

    /// [`Patterns::matches`] for a one-off test.
    pub fn matches(patterns: &[String], name: &str) -> Result<bool> {
        Ok(Patterns::new(patterns)?.matches(name))
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn invalid_globs_are_errors_not_misses() {
            let e = matches(&["income[".into()], "income[").unwrap_err();
            assert!(
                e.message().contains("invalid column pattern `income[`"),
                "{e}"
            );
            assert!(Selection::new(&[], &["**x[".into()]).is_err());
        }

        #[test]
        fn selects_by_name_or_glob() {
            let s = Selection::new(&["feat_*".into(), "age".into()], &["feat_id".into()]).unwrap();
            assert!(s.selected("feat_income") && s.selected("age"));
            assert!(!s.selected("feat_id") && !s.selected("label"));
            let all = Selection::new(&[], &[]).unwrap();
            assert!(all.selected("anything"));
            assert!(matches(&["a?c".into()], "abc").unwrap());
        }
    }
}

/// Log lines go to the check's report (JUnit `system-out`, JSON, terminal with `-v`).
pub mod log {
    use super::wit_log::{Level, write};
    pub fn debug(message: &str) {
        write(Level::Debug, message)
    }
    pub fn info(message: &str) {
        write(Level::Info, message)
    }
    pub fn warn(message: &str) {
        write(Level::Warn, message)
    }
    pub fn error(message: &str) {
        write(Level::Error, message)
    }
}
