//! The 0.1 adapter: serves `mltest:plugin@0.1.0` components, unchanged,
//! on top of the current contract's host implementation.
//!
//! Every 0.1 import calls its 0.2 counterpart and converts the records:
//! typed errors become their message, `bins: 0` becomes Sturges, a key list
//! becomes an alignment, a capped distinct count becomes `limit + 1`. Only
//! this module knows 0.1 exists; a new contract version adds a module like
//! it and leaves the host's implementation alone.

use wasmtime::component::Resource;

use super::bindings::current::mltest::plugin::{
    artifacts, compare, drift, log, profile, quality, types,
};
use super::bindings::v0_1::mltest::plugin::{
    artifacts as old_artifacts, kernels as old, log as old_log, types as old_types,
};
use super::bindings::{Finding, WitError};
use super::limits::ContractViolation;
use super::state::{CheckState, ColumnHandle, TableHandle};

/// A conversion between the two versions' records of the same thing.
trait Adapt<T> {
    fn adapt(self) -> T;
}

macro_rules! same {
    ($($t:ty),*) => {$(
        impl Adapt<$t> for $t {
            fn adapt(self) -> $t {
                self
            }
        }
    )*};
}

same!(u32, u64, f64, bool, String);

impl<T: 'static> Adapt<Resource<T>> for Resource<T> {
    fn adapt(self) -> Resource<T> {
        self
    }
}

impl<A: Adapt<B>, B> Adapt<Vec<B>> for Vec<A> {
    fn adapt(self) -> Vec<B> {
        self.into_iter().map(Adapt::adapt).collect()
    }
}

impl<A: Adapt<B>, B> Adapt<Option<B>> for Option<A> {
    fn adapt(self) -> Option<B> {
        self.map(Adapt::adapt)
    }
}

impl<A: Adapt<C>, B: Adapt<D>, C, D> Adapt<(C, D)> for (A, B) {
    fn adapt(self) -> (C, D) {
        (self.0.adapt(), self.1.adapt())
    }
}

/// 0.1 errors are text: the typed error's message.
impl<A: Adapt<B>, B> Adapt<Result<B, String>> for Result<A, WitError> {
    fn adapt(self) -> Result<B, String> {
        self.map(Adapt::adapt).map_err(|e| e.message().to_string())
    }
}

/// A record whose fields are the same in both versions (up to adaptation).
macro_rules! record {
    ($from:ident => $to:ident :: $t:ident { $($field:ident),* $(,)? }) => {
        impl Adapt<$to::$t> for $from::$t {
            fn adapt(self) -> $to::$t {
                $to::$t { $($field: self.$field.adapt()),* }
            }
        }
    };
}

/// An enum whose cases are the same in both versions.
macro_rules! cases {
    ($from:ident => $to:ident :: $t:ident { $($case:ident),* $(,)? }) => {
        impl Adapt<$to::$t> for $from::$t {
            fn adapt(self) -> $to::$t {
                match self { $($from::$t::$case => $to::$t::$case),* }
            }
        }
    };
}

// What a 0.1 plugin sends: requests, log levels, its findings.
cases!(old => drift::DriftMethod { Ks, ChiSquare, ChiSquareGof, Z, Psi, KlDiv, JensenShannon, Hellinger, Wasserstein, WassersteinNormed });
cases!(old => drift::ColumnKind { Numerical, Categorical });
cases!(old => drift::BinEdges { Both, Reference, ReferenceQuantiles });
cases!(old => quality::Task { Binary, Multiclass, Regression });
cases!(old_log => log::Level { Debug, Info, Warn, Error });
cases!(old_types => types::Outcome { Pass, Warn, Fail, Skip, Error });
record!(old => drift::DriftRequest { column, method, kind, binning });
record!(old => quality::ConfusionRequest { label, prediction, positive, threshold, groups });
record!(old => compare::Tolerance { rtol, atol, max_ulp });
record!(old => quality::Predictions { score, prediction, probabilities });
record!(old => quality::Resampling { resamples, seed, metrics });
record!(old => quality::QualityRequest {
    task, label, positive, threshold, beta, ece_bins, top_k, candidate, champion, weight,
    metrics, slices, min_slice_size, bootstrap, paired_tests,
});
record!(old_types => types::Finding { name, outcome, message, details, observed, threshold, properties });

impl Adapt<drift::Smoothing> for old::Smoothing {
    fn adapt(self) -> drift::Smoothing {
        match self {
            old::Smoothing::None => drift::Smoothing::None,
            old::Smoothing::Evidently => drift::Smoothing::Evidently,
            old::Smoothing::Floor(v) => drift::Smoothing::Floor(v),
        }
    }
}

/// 0.1's sentinel: zero bins meant NumPy's Sturges rule.
impl Adapt<drift::Binning> for old::Binning {
    fn adapt(self) -> drift::Binning {
        drift::Binning {
            edges: self.edges.adapt(),
            bins: match self.bins {
                0 => drift::BinCount::Sturges,
                n => drift::BinCount::Count(n),
            },
            smoothing: self.smoothing.adapt(),
        }
    }
}

/// 0.1's sentinel: no key columns meant alignment by position.
impl Adapt<compare::TableDiffRequest> for old::TableDiffRequest {
    fn adapt(self) -> compare::TableDiffRequest {
        compare::TableDiffRequest {
            align: match self.key.is_empty() {
                true => compare::Alignment::ByPosition,
                false => compare::Alignment::ByKey(self.key),
            },
            columns: self.columns.adapt(),
            limit: self.limit,
        }
    }
}

// What the host answers.
cases!(types => old_types::DataType {
    Boolean, Int8, Int16, Int32, Int64, Uint8, Uint16, Uint32, Uint64, Float16, Float32,
    Float64, Decimal, String, Binary, Date, Datetime, DatetimeTz, Duration, Null, Other,
});
cases!(artifacts => old_artifacts::ArtifactKind { Table, Document, Model, Absent });
record!(types => old_types::Field { name, data_type, type_name, nullable });
record!(types => old_types::ColumnSpec { name, mlflow_type, required });
record!(types => old_types::ModelSignature { inputs, outputs });
record!(artifacts => old_artifacts::CommandRun { index, outputs, duration_ms });
record!(profile => old::ColumnStats { count, nulls, nans, infinities, min, max, mean, distinct });
record!(profile => old::ValueCount { value, count });
record!(profile => old::ValueCounts { top, distinct, nulls });
record!(profile => old::UnseenValues { rows, distinct, examples });
record!(profile => old::SideProfile { rows, nulls, nans, infinities });
record!(drift => old::DriftResult {
    statistic, p_value, detail, n_reference, n_current, missing_reference, missing_current,
    bins, new_categories,
});
record!(quality => old::ConfusionCell { group, n, tp, fp, tn, fn_ });
record!(quality => old::Confusion { cells, skipped });
record!(compare => old::Mismatch { row, actual, expected });
record!(compare => old::ColumnDiff { column, compared, mismatches, max_abs_diff, max_rel_diff, max_ulp, first });
record!(compare => old::TableDiff {
    rows_actual, rows_expected, missing_keys, extra_keys, missing_examples, extra_examples,
    duplicate_keys, columns,
});
record!(quality => old::MetricValue { metric, value });
record!(quality => old::Resampled { metric, differences, invalid });
record!(quality => old::DelongTest { auc_champion, auc_candidate, var_champion, var_candidate, covariance, var_difference });
record!(quality => old::McnemarTest {
    both_right, champion_only, candidate_only, both_wrong, exact_statistic, exact_p_value,
    chi2_statistic, chi2_p_value,
});
record!(quality => old::SliceQuality {
    key, rows, weight, positives, too_small, candidate, champion, bootstrap, delong, mcnemar,
});
record!(quality => old::QualityReport { slices, classes, unlabelled });

/// 0.1's sentinel: `distinct-limit + 1` meant "more than the limit".
fn distinct(count: profile::DistinctCount) -> u64 {
    match count {
        profile::DistinctCount::Exact(n) => n,
        profile::DistinctCount::MoreThan(limit) => limit.saturating_add(1),
    }
}

impl Adapt<old::PairProfile> for profile::PairProfile {
    fn adapt(self) -> old::PairProfile {
        old::PairProfile {
            reference_type: self.reference_type.adapt(),
            current_type: self.current_type.adapt(),
            reference: self.reference.adapt(),
            current: self.current.adapt(),
            distinct_reference: distinct(self.distinct_reference),
            distinct_current: distinct(self.distinct_current),
            distinct_both: distinct(self.distinct_both),
        }
    }
}

/// A 0.1 plugin's `run` result, in the current contract: its error text is
/// a failure of its own.
pub(super) fn run_result(
    result: Result<Vec<old_types::Finding>, String>,
) -> Result<Vec<Finding>, WitError> {
    result.map(Adapt::adapt).map_err(WitError::Other)
}

type Old<T> = wasmtime::Result<Result<T, String>>;

/// Adapts a current host call's answer for a 0.1 plugin.
fn answer<A: Adapt<B>, B>(result: wasmtime::Result<Result<A, WitError>>) -> Old<B> {
    Ok(result?.adapt())
}

/// A batch refused as a whole: 0.1 had no way to say so but a trap.
fn batch<A: Adapt<B>, B>(
    result: wasmtime::Result<Result<Vec<Result<A, WitError>>, WitError>>,
) -> wasmtime::Result<Vec<Result<B, String>>> {
    match result? {
        Ok(each) => Ok(each.adapt()),
        Err(e) => Err(ContractViolation(e.message().to_string()).into()),
    }
}

impl old_types::Host for CheckState {}

impl old_artifacts::Host for CheckState {
    fn kind(&mut self, name: String) -> Old<old_artifacts::ArtifactKind> {
        answer(artifacts::Host::kind(self, name))
    }
    fn open_table(&mut self, name: String) -> Old<Resource<TableHandle>> {
        answer(artifacts::Host::open_table(self, name))
    }
    fn document(&mut self, name: String) -> Old<String> {
        answer(artifacts::Host::document(self, name))
    }
    fn signature(&mut self, name: String) -> Old<old_types::ModelSignature> {
        answer(artifacts::Host::signature(self, name))
    }
    fn digest(&mut self, name: String) -> Old<String> {
        answer(artifacts::Host::digest(self, name))
    }
    fn command_runs(&mut self, name: String) -> Old<Vec<old_artifacts::CommandRun>> {
        answer(artifacts::Host::command_runs(self, name))
    }
}

impl old_artifacts::HostTable for CheckState {
    fn name(&mut self, this: Resource<TableHandle>) -> wasmtime::Result<String> {
        artifacts::HostTable::name(self, this)
    }
    fn schema(&mut self, this: Resource<TableHandle>) -> Old<Vec<old_types::Field>> {
        answer(artifacts::HostTable::schema(self, this))
    }
    fn num_rows(&mut self, this: Resource<TableHandle>) -> Old<u64> {
        answer(artifacts::HostTable::num_rows(self, this))
    }
    fn column(&mut self, this: Resource<TableHandle>, name: String) -> Old<Resource<ColumnHandle>> {
        answer(artifacts::HostTable::column(self, this, name))
    }
    fn drop(&mut self, this: Resource<TableHandle>) -> wasmtime::Result<()> {
        artifacts::HostTable::drop(self, this)
    }
}

impl old_artifacts::HostColumn for CheckState {
    fn name(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<String> {
        artifacts::HostColumn::name(self, this)
    }
    fn data_type(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<old_types::DataType> {
        Ok(artifacts::HostColumn::data_type(self, this)?.adapt())
    }
    fn len(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<u64> {
        artifacts::HostColumn::len(self, this)
    }
    fn read_f64(
        &mut self,
        this: Resource<ColumnHandle>,
        offset: u64,
        len: u32,
    ) -> Old<Vec<Option<f64>>> {
        answer(artifacts::HostColumn::read_f64(self, this, offset, len))
    }
    fn read_string(
        &mut self,
        this: Resource<ColumnHandle>,
        offset: u64,
        len: u32,
    ) -> Old<Vec<Option<String>>> {
        answer(artifacts::HostColumn::read_string(self, this, offset, len))
    }
    fn drop(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<()> {
        artifacts::HostColumn::drop(self, this)
    }
}

impl old::Host for CheckState {
    fn profile_pairs(
        &mut self,
        reference: Resource<TableHandle>,
        current: Resource<TableHandle>,
        columns: Vec<String>,
        distinct_limit: u32,
    ) -> wasmtime::Result<Vec<Result<old::PairProfile, String>>> {
        batch(profile::Host::profile_pairs(
            self,
            reference,
            current,
            columns,
            distinct_limit,
        ))
    }
    fn drift(
        &mut self,
        reference: Resource<TableHandle>,
        current: Resource<TableHandle>,
        requests: Vec<old::DriftRequest>,
    ) -> wasmtime::Result<Vec<Result<old::DriftResult, String>>> {
        batch(drift::Host::drift(
            self,
            reference,
            current,
            requests.adapt(),
        ))
    }
    fn drift_pair(
        &mut self,
        reference: Resource<ColumnHandle>,
        current: Resource<ColumnHandle>,
        method: old::DriftMethod,
        kind: old::ColumnKind,
        binning: old::Binning,
    ) -> Old<old::DriftResult> {
        answer(drift::Host::drift_pair(
            self,
            reference,
            current,
            method.adapt(),
            kind.adapt(),
            binning.adapt(),
        ))
    }
    fn histogram(&mut self, col: Resource<ColumnHandle>, edges: Vec<f64>) -> Old<Vec<u64>> {
        answer(profile::Host::histogram(self, col, edges))
    }
    fn quantiles(&mut self, col: Resource<ColumnHandle>, q: Vec<f64>) -> Old<Vec<Option<f64>>> {
        answer(profile::Host::quantiles(self, col, q))
    }
    fn confusion_by_group(
        &mut self,
        data: Resource<TableHandle>,
        request: old::ConfusionRequest,
    ) -> Old<old::Confusion> {
        answer(quality::Host::confusion_by_group(
            self,
            data,
            request.adapt(),
        ))
    }
    fn compare_tables(
        &mut self,
        actual: Resource<TableHandle>,
        expected: Resource<TableHandle>,
        request: old::TableDiffRequest,
    ) -> Old<old::TableDiff> {
        answer(compare::Host::compare_tables(
            self,
            actual,
            expected,
            request.adapt(),
        ))
    }
    fn compare_columns(
        &mut self,
        actual: Resource<ColumnHandle>,
        expected: Resource<ColumnHandle>,
        tolerance: old::Tolerance,
        limit: u32,
    ) -> Old<old::ColumnDiff> {
        answer(compare::Host::compare_columns(
            self,
            actual,
            expected,
            tolerance.adapt(),
            limit,
        ))
    }
    fn quality(
        &mut self,
        data: Resource<TableHandle>,
        request: old::QualityRequest,
    ) -> Old<old::QualityReport> {
        answer(quality::Host::quality(self, data, request.adapt()))
    }
    fn summarize(&mut self, col: Resource<ColumnHandle>) -> Old<old::ColumnStats> {
        answer(profile::Host::summarize(self, col))
    }
    fn count_values(&mut self, col: Resource<ColumnHandle>, limit: u32) -> Old<old::ValueCounts> {
        answer(profile::Host::count_values(self, col, limit))
    }
    fn find_unseen(
        &mut self,
        reference: Resource<ColumnHandle>,
        current: Resource<ColumnHandle>,
        limit: u32,
    ) -> Old<old::UnseenValues> {
        answer(profile::Host::find_unseen(self, reference, current, limit))
    }
    fn count_outside(&mut self, col: Resource<ColumnHandle>, low: f64, high: f64) -> Old<u64> {
        answer(profile::Host::count_outside(self, col, low, high))
    }
}

impl old_log::Host for CheckState {
    fn write(&mut self, level: old_log::Level, message: String) -> wasmtime::Result<()> {
        log::Host::write(self, level.adapt(), message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 0.1 is released: its contract is frozen, byte for byte, so editing
    /// it (and the legacy test plugin built from it) cannot pass unseen.
    #[test]
    fn the_0_1_contract_is_frozen() {
        let wit = include_str!("../../../wit/since_v0.1.0/plugin.wit");
        assert_eq!(
            crate::files::sha256_hex(wit.as_bytes()),
            "e66728abc9765ebb9906def34e0b8aa9b4fbb47b151ae3e0794141536aa50826",
            "wit/since_v0.1.0 is released and must not change; changes go in a new version"
        );
    }

    #[test]
    fn the_sentinels_of_0_1_mean_what_they_meant() {
        let binning = |bins| old::Binning {
            edges: old::BinEdges::Both,
            bins,
            smoothing: old::Smoothing::Floor(0.5),
        };
        let sturges: drift::Binning = binning(0).adapt();
        assert!(matches!(sturges.bins, drift::BinCount::Sturges));
        let ten: drift::Binning = binning(10).adapt();
        assert!(matches!(ten.bins, drift::BinCount::Count(10)));
        assert!(matches!(ten.smoothing, drift::Smoothing::Floor(v) if v == 0.5));

        let by = |key: Vec<String>| -> compare::TableDiffRequest {
            old::TableDiffRequest {
                key,
                columns: vec![],
                limit: 3,
            }
            .adapt()
        };
        assert!(matches!(by(vec![]).align, compare::Alignment::ByPosition));
        assert!(matches!(by(vec!["id".into()]).align, compare::Alignment::ByKey(k) if k == ["id"]));

        assert_eq!(distinct(profile::DistinctCount::MoreThan(1000)), 1001);
        assert_eq!(distinct(profile::DistinctCount::Exact(7)), 7);
    }

    #[test]
    fn typed_errors_become_their_message() {
        let answer: Result<String, String> =
            Result::<String, WitError>::Err(WitError::NotFound("no column `x`".into())).adapt();
        assert_eq!(answer.unwrap_err(), "no column `x`");
        let failed = run_result(Err("boom".into())).unwrap_err();
        assert!(matches!(failed, WitError::Other(m) if m == "boom"));
    }
}
