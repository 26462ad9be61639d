//! The host side of the kernel imports (`profile`, `drift`, `compare`,
//! `quality`): translates between the plugin contract's records and the
//! `mltest-kernels` crate, and fans batch
//! requests out over columns in parallel. Column reads (the Parquet decode)
//! run inside the parallel section too, so a table pair is read on every
//! core.
//!
//! Every argument that sizes an allocation is bounded before anything is
//! allocated, and every call runs within the check's deadline
//! ([`super::limits`]).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use arrow::array::ArrayRef;
use rayon::prelude::*;
use wasmtime::component::Resource;

use super::bindings::WitError;
use super::bindings::current::mltest::plugin::{compare, drift, profile, quality};
use super::imports::data_type;
use super::limits::{
    ContractViolation, MAX_BATCH, MAX_DISTINCT_LIMIT, MAX_EDGES, MAX_EXAMPLES, MAX_GROUPS,
    MAX_QUANTILES, at_most, bounded,
};
use super::state::{CheckState, ColumnHandle, Fallible, TableHandle};
use crate::catalog::{Memory, Table, TableColumn};
use mltest_kernels as k;
use mltest_kernels::Chunks;
use mltest_kernels::profile::{ColumnProfile, Params as ProfileParams};

/// The handle's column, cloned (cheaply) so the work can move to a thread.
fn column(state: &CheckState, handle: &Resource<ColumnHandle>) -> wasmtime::Result<ColumnHandle> {
    Ok(state.table.get(handle)?.clone())
}

/// Bounds a binning's bin count before the kernel allocates its edges.
fn check_binning(binning: &drift::Binning) -> wasmtime::Result<()> {
    match binning.bins {
        drift::BinCount::Count(n) => at_most("binning bins", n as usize, k::MAX_BINS),
        drift::BinCount::Sturges => Ok(()),
    }
}

fn table(state: &CheckState, handle: &Resource<TableHandle>) -> wasmtime::Result<Arc<Table>> {
    Ok(state.table.get(handle)?.table.clone())
}

/// An error about a column of a table, naming its file.
fn column_error(table: &Table, column: &str, e: impl std::fmt::Display) -> WitError {
    WitError::data(table.path(), Some(column), e)
}

fn read(table: &Table, column: &str) -> Result<ArrayRef, WitError> {
    table.column(column).map_err(WitError::from)
}

/// A handle's column, whole, for the kernels that need every value at once.
fn whole(handle: &ColumnHandle) -> Result<ArrayRef, WitError> {
    handle.column.whole().map_err(WitError::from)
}

/// The column of that name in each table.
fn pair(
    reference: &Arc<Table>,
    current: &Arc<Table>,
    name: &str,
) -> Result<(TableColumn, TableColumn), WitError> {
    Ok((
        TableColumn::new(reference.clone(), name)?,
        TableColumn::new(current.clone(), name)?,
    ))
}

/// A pair kernel's outcome: a read failure on either side (the
/// reference's first), else the kernel's error, reported against the
/// current side.
fn pair_finish<T>(
    reference: &TableColumn,
    current: &TableColumn,
    result: Result<T, k::KernelError>,
) -> Result<T, WitError> {
    let (r, c) = (reference.take_failure(), current.take_failure());
    if let Some(e) = r.or(c) {
        return Err(e.into());
    }
    result.map_err(|e| column_error(current.table(), current.name(), e))
}

/// Runs `work` on every item, on as many threads as there are cores, in
/// item order. Each item first reserves its working memory (`bytes`) from
/// the run's budget, so items that sort big columns run as many at once as
/// memory allows, and one larger than the budget runs alone. These are
/// plain threads, not rayon's: a reservation may wait, and a rayon worker
/// waiting there could hold up the very work it waits for.
fn fan_out<I: Sync, T: Send>(
    memory: &Arc<Memory>,
    items: &[I],
    bytes: impl Fn(&I) -> u64 + Sync,
    work: impl Fn(&I) -> T + Sync,
) -> Vec<T> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len())
        .max(1);
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, T)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        let _working = memory.reserve(bytes(item));
                        mine.push((i, work(item)));
                    }
                    mine
                })
            })
            .collect();
        workers
            .into_iter()
            // A worker's panic goes on up, for `bounded` to report.
            .flat_map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, t)| t).collect()
}

fn counts(pairs: Vec<(String, u64)>) -> Vec<profile::ValueCount> {
    pairs
        .into_iter()
        .map(|(value, count)| profile::ValueCount { value, count })
        .collect()
}

fn method(m: drift::DriftMethod) -> k::Method {
    use drift::DriftMethod as W;
    match m {
        W::Ks => k::Method::Ks,
        W::ChiSquare => k::Method::ChiSquare,
        W::ChiSquareGof => k::Method::ChiSquareGof,
        W::Z => k::Method::Z,
        W::Psi => k::Method::Psi,
        W::KlDiv => k::Method::KlDiv,
        W::JensenShannon => k::Method::JensenShannon,
        W::Hellinger => k::Method::Hellinger,
        W::Wasserstein => k::Method::Wasserstein,
        W::WassersteinNormed => k::Method::WassersteinNormed,
    }
}

fn request(
    m: drift::DriftMethod,
    kind: drift::ColumnKind,
    binning: drift::Binning,
) -> k::DriftRequest {
    k::DriftRequest {
        method: method(m),
        kind: match kind {
            drift::ColumnKind::Numerical => k::Kind::Numerical,
            drift::ColumnKind::Categorical => k::Kind::Categorical,
        },
        binning: k::Binning {
            edges: match binning.edges {
                drift::BinEdges::Both => k::Edges::Both,
                drift::BinEdges::Reference => k::Edges::Reference,
                drift::BinEdges::ReferenceQuantiles => k::Edges::ReferenceQuantiles,
            },
            bins: match binning.bins {
                drift::BinCount::Sturges => k::Bins::Sturges,
                drift::BinCount::Count(n) => k::Bins::Count(n),
            },
            smoothing: match binning.smoothing {
                drift::Smoothing::None => k::Smoothing::None,
                drift::Smoothing::Evidently => k::Smoothing::Evidently,
                drift::Smoothing::Floor(v) => k::Smoothing::Floor(v),
            },
        },
    }
}

fn drift_result(r: k::DriftResult) -> drift::DriftResult {
    drift::DriftResult {
        statistic: r.statistic,
        p_value: r.p_value,
        detail: r.detail,
        n_reference: r.n_reference,
        n_current: r.n_current,
        missing_reference: r.missing_reference,
        missing_current: r.missing_current,
        bins: r.bins,
        new_categories: r.new_categories.map(|n| profile::UnseenValues {
            rows: n.rows,
            distinct: n.distinct,
            examples: counts(n.examples),
        }),
    }
}

/// The kernel stops counting one past the limit; the contract says so in a variant.
fn distinct(count: u64, limit: u32) -> profile::DistinctCount {
    match count > u64::from(limit) {
        true => profile::DistinctCount::MoreThan(limit.into()),
        false => profile::DistinctCount::Exact(count),
    }
}

fn side(s: k::SideProfile) -> profile::SideProfile {
    profile::SideProfile {
        rows: s.rows,
        nulls: s.nulls,
        nans: s.nans,
        infinities: s.infinities,
    }
}

fn to_tolerance(t: &compare::Tolerance) -> k::Tolerance {
    k::Tolerance {
        rtol: t.rtol,
        atol: t.atol,
        max_ulp: t.max_ulp,
    }
}

fn column_diff(name: String, d: k::ColumnDiff, labels: Option<&[String]>) -> compare::ColumnDiff {
    compare::ColumnDiff {
        column: name,
        compared: d.compared,
        mismatches: d.mismatches,
        max_abs_diff: d.max_abs_diff,
        max_rel_diff: d.max_rel_diff,
        max_ulp: d.max_ulp,
        first: d
            .first
            .into_iter()
            .map(|m| compare::Mismatch {
                row: match labels {
                    Some(labels) => labels[m.row as usize].clone(),
                    None => m.row.to_string(),
                },
                actual: m.actual,
                expected: m.expected,
            })
            .collect(),
    }
}

impl profile::Host for CheckState {
    fn summarize(&mut self, col: Resource<ColumnHandle>) -> Fallible<profile::ColumnStats> {
        let col = column(self, &col)?;
        let memory = self.catalog.memory().clone();
        bounded(self.deadline(), move || {
            // Distinct values are counted by sorting a key per row.
            let _working = memory.reserve(col.column.sort_bytes());
            let summary = k::backend().summarize(&col.column);
            col.finish(summary).map(|s| profile::ColumnStats {
                count: s.count,
                nulls: s.nulls,
                nans: s.nans,
                infinities: s.infinities,
                min: s.min,
                max: s.max,
                mean: s.mean,
                distinct: s.distinct,
            })
        })
    }

    fn count_values(
        &mut self,
        col: Resource<ColumnHandle>,
        limit: u32,
    ) -> Fallible<profile::ValueCounts> {
        at_most("count-values limit", limit as usize, MAX_EXAMPLES)?;
        let col = column(self, &col)?;
        bounded(self.deadline(), move || {
            let found = k::backend().value_counts(&col.column, limit as usize);
            col.finish(found).map(|c| profile::ValueCounts {
                top: counts(c.top),
                distinct: c.distinct,
                nulls: c.nulls,
            })
        })
    }

    fn find_unseen(
        &mut self,
        reference: Resource<ColumnHandle>,
        current: Resource<ColumnHandle>,
        limit: u32,
    ) -> Fallible<profile::UnseenValues> {
        at_most("find-unseen limit", limit as usize, MAX_EXAMPLES)?;
        let reference = column(self, &reference)?;
        let current = column(self, &current)?;
        bounded(self.deadline(), move || {
            let (r, c) = (whole(&reference)?, whole(&current)?);
            k::backend()
                .unseen(r.as_ref(), c.as_ref(), limit as usize)
                .map(|u| profile::UnseenValues {
                    rows: u.rows,
                    distinct: u.distinct,
                    examples: counts(u.examples),
                })
                .map_err(|e| current.error(e))
        })
    }

    fn count_outside(&mut self, col: Resource<ColumnHandle>, low: f64, high: f64) -> Fallible<u64> {
        let col = column(self, &col)?;
        bounded(self.deadline(), move || {
            col.finish(k::backend().count_outside(&col.column, low, high))
        })
    }

    fn histogram(&mut self, col: Resource<ColumnHandle>, edges: Vec<f64>) -> Fallible<Vec<u64>> {
        at_most("histogram edges", edges.len(), MAX_EDGES)?;
        let col = column(self, &col)?;
        bounded(self.deadline(), move || {
            col.finish(k::backend().histogram(&col.column, &edges))
        })
    }

    fn quantiles(
        &mut self,
        col: Resource<ColumnHandle>,
        q: Vec<f64>,
    ) -> Fallible<Vec<Option<f64>>> {
        at_most("quantiles asked for", q.len(), MAX_QUANTILES)?;
        let col = column(self, &col)?;
        let memory = self.catalog.memory().clone();
        bounded(self.deadline(), move || {
            let _working = memory.reserve(col.column.sort_bytes());
            col.finish(k::backend().quantiles(&col.column, &q))
        })
    }

    fn profile_pairs(
        &mut self,
        reference: Resource<TableHandle>,
        current: Resource<TableHandle>,
        columns: Vec<String>,
        distinct_limit: u32,
    ) -> Fallible<Vec<Result<profile::PairProfile, WitError>>> {
        at_most("profile-pairs columns", columns.len(), MAX_BATCH)?;
        at_most(
            "distinct limit",
            distinct_limit as usize,
            MAX_DISTINCT_LIMIT,
        )?;
        let (reference, current) = (table(self, &reference)?, table(self, &current)?);
        let memory = self.catalog.memory().clone();
        let grid = profile_grid(&reference, &current);
        bounded(self.deadline(), move || {
            Ok(fan_out(
                &memory,
                &columns,
                |_| 0,
                |name| {
                    if let Some(grid) = &grid {
                        let a = column_profile(&reference, name, grid)?;
                        let b = column_profile(&current, name, grid)?;
                        return Ok(pair_from_profiles(&a, &b, distinct_limit));
                    }
                    let (r, c) = pair(&reference, &current, name)?;
                    let p = k::backend().profile(&r, &c, distinct_limit.into());
                    let p = pair_finish(&r, &c, p)?;
                    Ok(profile::PairProfile {
                        reference_type: data_type(r.value_type()),
                        current_type: data_type(c.value_type()),
                        reference: side(p.reference),
                        current: side(p.current),
                        distinct_reference: distinct(p.distinct_reference, distinct_limit),
                        distinct_current: distinct(p.distinct_current, distinct_limit),
                        distinct_both: distinct(p.distinct_both, distinct_limit),
                    })
                },
            ))
        })
    }
}

/// One side of a drift pair as a profile on the grid `params`: the
/// profile's own column, or the table's column profiled in one pass.
/// Kept by the table, so the checks of a run profile a column once.
fn column_profile(
    table: &Arc<Table>,
    name: &str,
    params: &ProfileParams,
) -> Result<Arc<ColumnProfile>, WitError> {
    if let Some(profile) = table.profile() {
        let column = profile.column(name).ok_or_else(|| {
            WitError::from(crate::catalog::DataError::NoColumn {
                path: table.path().to_path_buf(),
                column: name.to_string(),
            })
        })?;
        return Ok(Arc::new(column.coarsened(&profile.meta.params, params)));
    }
    let index = table.index_of(name)?;
    table.profiled(index, params, || {
        let column = TableColumn::new(table.clone(), name)?;
        let profiled = ColumnProfile::of(name, &column, params);
        if let Some(e) = column.take_failure() {
            return Err(e.into());
        }
        profiled.map_err(|e| column_error(table, name, e))
    })
}

/// A pair's profile (types, counts, capped distinct counts) from column
/// profiles: distinct counts are exact below the category cap.
fn pair_from_profiles(a: &ColumnProfile, b: &ColumnProfile, limit: u32) -> profile::PairProfile {
    // Past the cap a side has more distinct values than it kept: "more
    // than" that (or the limit, if smaller), never a guess beyond.
    let count = |p: &ColumnProfile| match p.categories.remainder {
        0 => distinct(p.categories.kept.len() as u64, limit),
        _ => more_than(p.categories.kept.len() as u64, limit),
    };
    let mut all: Vec<&k::sample::Category> = a
        .categories
        .kept
        .iter()
        .chain(&b.categories.kept)
        .map(|(c, _)| c)
        .collect();
    all.sort_unstable();
    all.dedup();
    let both = match a.categories.remainder == 0 && b.categories.remainder == 0 {
        true => distinct(all.len() as u64, limit),
        false => more_than(all.len() as u64, limit),
    };
    let side = |p: &ColumnProfile| profile::SideProfile {
        rows: p.rows,
        nulls: p.nulls,
        nans: p.nans,
        infinities: p.infinities(),
    };
    profile::PairProfile {
        reference_type: data_type(&a.data_type),
        current_type: data_type(&b.data_type),
        reference: side(a),
        current: side(b),
        distinct_reference: count(a),
        distinct_current: count(b),
        distinct_both: both,
    }
}

fn more_than(known: u64, limit: u32) -> profile::DistinctCount {
    profile::DistinctCount::MoreThan(known.min(limit.into()))
}

/// The common bucket grid of a pair with a profile side, if it has one.
fn profile_grid(reference: &Table, current: &Table) -> Option<ProfileParams> {
    let params = |t: &Table| t.profile().map(|p| p.meta.params);
    match (params(reference), params(current)) {
        (Some(a), Some(b)) => Some(a.common(&b)),
        (a, b) => a.or(b),
    }
}

/// Drift statistics for a table pair, either of which may be a profile:
/// two tables take the exact kernels, a pair with a profile compares two
/// profiles on a common grid. One path for `drift` and `drift-estimates`.
/// Each result through `answer`, in the contract's terms.
fn estimates<T>(
    state: &CheckState,
    reference: &Resource<TableHandle>,
    current: &Resource<TableHandle>,
    requests: Vec<drift::DriftRequest>,
    answer: impl Fn(k::profile::Estimate) -> Result<T, WitError>,
) -> Fallible<Vec<Result<T, WitError>>> {
    Ok(estimated(state, reference, current, requests)?
        .map(|all| all.into_iter().map(|e| e.and_then(&answer)).collect()))
}

fn estimated(
    state: &CheckState,
    reference: &Resource<TableHandle>,
    current: &Resource<TableHandle>,
    requests: Vec<drift::DriftRequest>,
) -> Fallible<Vec<Result<k::profile::Estimate, WitError>>> {
    at_most("drift requests", requests.len(), MAX_BATCH)?;
    for r in &requests {
        check_binning(&r.binning)?;
    }
    let (reference, current) = (table(state, reference)?, table(state, current)?);
    let memory = state.catalog.memory().clone();
    let grid = profile_grid(&reference, &current);
    bounded(state.deadline(), move || {
        let working = |r: &drift::DriftRequest| match (r.kind, grid) {
            // Numbers are sorted, an f64 per row on each side.
            (drift::ColumnKind::Numerical, None) => {
                (reference.num_rows().saturating_add(current.num_rows())).saturating_mul(8)
            }
            // A table side profiled on the fly holds its bucket map: at
            // most a bucket per row, or per key of the grid (~32 bytes each).
            (_, Some(grid)) => [&reference, &current]
                .iter()
                .filter(|t| t.profile().is_none())
                .map(|t| {
                    let keys = 1u64
                        .checked_shl(12 + u32::from(grid.mantissa_bits))
                        .unwrap_or(u64::MAX);
                    t.num_rows().min(keys).saturating_mul(32)
                })
                .fold(0u64, u64::saturating_add),
            _ => 0,
        };
        Ok(fan_out(&memory, &requests, working, |r| {
            let wanted = request(r.method, r.kind, r.binning);
            if let Some(grid) = &grid {
                let a = column_profile(&reference, &r.column, grid)?;
                let b = column_profile(&current, &r.column, grid)?;
                let failed = |e| {
                    let side = if current.profile().is_some() {
                        &reference
                    } else {
                        &current
                    };
                    column_error(side, &r.column, e)
                };
                return k::profile::estimate(&a, &b, grid, &wanted).map_err(failed);
            }
            let (a, b) = pair(&reference, &current, &r.column)?;
            let result = k::backend().two_sample(&a, &b, &wanted);
            pair_finish(&a, &b, result).map(k::profile::Estimate::exact)
        }))
    })
}

fn bounds((low, high): (f64, f64)) -> drift::Bounds {
    drift::Bounds { low, high }
}

impl drift::Host for CheckState {
    fn drift(
        &mut self,
        reference: Resource<TableHandle>,
        current: Resource<TableHandle>,
        requests: Vec<drift::DriftRequest>,
    ) -> Fallible<Vec<Result<drift::DriftResult, WitError>>> {
        estimates(self, &reference, &current, requests, |e| {
            match e.exactness {
                k::profile::Exactness::Exact => Ok(drift_result(e.result)),
                k::profile::Exactness::Bracketed => Err(WitError::Unsupported(format!(
                    "from a profile this statistic is only bracketed ({}); ask with drift-estimates (mltest:plugin@0.2.1)",
                    e.result.detail
                ))),
            }
        })
    }

    fn drift_estimates(
        &mut self,
        reference: Resource<TableHandle>,
        current: Resource<TableHandle>,
        requests: Vec<drift::DriftRequest>,
    ) -> Fallible<Vec<Result<drift::DriftEstimate, WitError>>> {
        estimates(self, &reference, &current, requests, |e| {
            Ok(drift::DriftEstimate {
                exactness: match e.exactness {
                    k::profile::Exactness::Exact => drift::Exactness::Exact,
                    k::profile::Exactness::Bracketed => drift::Exactness::Bracketed,
                },
                statistic: bounds(e.statistic),
                p_value: e.p_value.map(bounds),
                value: drift_result(e.result),
            })
        })
    }

    fn drift_pair(
        &mut self,
        reference: Resource<ColumnHandle>,
        current: Resource<ColumnHandle>,
        method: drift::DriftMethod,
        kind: drift::ColumnKind,
        binning: drift::Binning,
    ) -> Fallible<drift::DriftResult> {
        check_binning(&binning)?;
        let reference = column(self, &reference)?;
        let current = column(self, &current)?;
        let memory = self.catalog.memory().clone();
        bounded(self.deadline(), move || {
            let _working = match kind {
                drift::ColumnKind::Numerical => {
                    memory.reserve(reference.column.sort_bytes() + current.column.sort_bytes())
                }
                drift::ColumnKind::Categorical => memory.reserve(0),
            };
            let result = k::backend().two_sample(
                &reference.column,
                &current.column,
                &request(method, kind, binning),
            );
            pair_finish(&reference.column, &current.column, result).map(drift_result)
        })
    }
}

impl quality::Host for CheckState {
    fn confusion_by_group(
        &mut self,
        data: Resource<TableHandle>,
        request: quality::ConfusionRequest,
    ) -> Fallible<quality::Confusion> {
        at_most("confusion group columns", request.groups.len(), MAX_GROUPS)?;
        let data = table(self, &data)?;
        bounded(self.deadline(), move || {
            let mut names = vec![request.label.clone(), request.prediction.clone()];
            names.extend(request.groups.iter().cloned());
            let arrays = names
                .par_iter()
                .map(|n| read(&data, n))
                .collect::<Result<Vec<ArrayRef>, WitError>>()?;
            let positive = k::Positive {
                value: request.positive,
                threshold: request.threshold,
            };
            k::backend()
                .confusion_by_group(
                    arrays[0].as_ref(),
                    arrays[1].as_ref(),
                    &positive,
                    &arrays[2..],
                )
                .map(|c| quality::Confusion {
                    cells: c
                        .cells
                        .into_iter()
                        .map(|c| quality::ConfusionCell {
                            group: c.group,
                            n: c.n,
                            tp: c.tp,
                            fp: c.fp,
                            tn: c.tn,
                            fn_: c.fn_,
                        })
                        .collect(),
                    skipped: c.skipped,
                })
                .map_err(|e| WitError::data(data.path(), None, e))
        })
    }

    fn quality(
        &mut self,
        data: Resource<TableHandle>,
        request: quality::QualityRequest,
    ) -> Fallible<quality::QualityReport> {
        super::quality::check(&request)?;
        let data = table(self, &data)?;
        let deadline = self.deadline();
        bounded(deadline, move || {
            super::quality::evaluate(&data, request, deadline, read)
        })
    }
}

impl compare::Host for CheckState {
    fn compare_tables(
        &mut self,
        actual: Resource<TableHandle>,
        expected: Resource<TableHandle>,
        request: compare::TableDiffRequest,
    ) -> Fallible<compare::TableDiff> {
        at_most("compared columns", request.columns.len(), MAX_BATCH)?;
        if let compare::Alignment::ByKey(key) = &request.align {
            at_most("key columns", key.len(), MAX_GROUPS)?;
            // No key would align no rows: a comparison that always passes.
            if key.is_empty() {
                return Err(ContractViolation(
                    "by-key alignment names no key column (use by-position)".into(),
                )
                .into());
            }
        }
        at_most("compare-tables limit", request.limit as usize, MAX_EXAMPLES)?;
        let (actual, expected) = (table(self, &actual)?, table(self, &expected)?);
        bounded(self.deadline(), move || {
            compare_tables(&actual, &expected, &request)
        })
    }

    fn compare_columns(
        &mut self,
        actual: Resource<ColumnHandle>,
        expected: Resource<ColumnHandle>,
        tolerance: compare::Tolerance,
        limit: u32,
    ) -> Fallible<compare::ColumnDiff> {
        at_most("compare-columns limit", limit as usize, MAX_EXAMPLES)?;
        let expected = column(self, &expected)?;
        let actual = column(self, &actual)?;
        bounded(self.deadline(), move || {
            let (a, e) = (whole(&actual)?, whole(&expected)?);
            k::backend()
                .compare_columns(
                    a.as_ref(),
                    e.as_ref(),
                    &to_tolerance(&tolerance),
                    limit as usize,
                )
                .map(|d| column_diff(actual.name().to_string(), d, None))
                .map_err(|e| actual.error(e))
        })
    }
}

/// Reads both tables' columns (in parallel, as the catalog decodes them);
/// the backend aligns the rows (by key, or by position) and compares.
fn compare_tables(
    actual: &Table,
    expected: &Table,
    request: &compare::TableDiffRequest,
) -> Result<compare::TableDiff, WitError> {
    let limit = request.limit as usize;
    let mut diff = compare::TableDiff {
        rows_actual: actual.num_rows(),
        rows_expected: expected.num_rows(),
        missing_keys: 0,
        extra_keys: 0,
        missing_examples: Vec::new(),
        extra_examples: Vec::new(),
        duplicate_keys: 0,
        columns: Vec::new(),
    };
    let alignment = match &request.align {
        compare::Alignment::ByPosition => None,
        compare::Alignment::ByKey(key) => {
            let keys = |t: &Table| -> Result<Vec<ArrayRef>, WitError> {
                key.iter().map(|k| read(t, k)).collect()
            };
            let a = k::backend()
                .align_by_key(&keys(actual)?, &keys(expected)?, limit)
                .map_err(|e| WitError::data(actual.path(), None, e))?;
            diff.missing_keys = a.missing.0;
            diff.extra_keys = a.extra.0;
            diff.missing_examples = a.missing.1.clone();
            diff.extra_examples = a.extra.1.clone();
            diff.duplicate_keys = a.duplicates;
            Some(a)
        }
    };
    diff.columns = request
        .columns
        .par_iter()
        .map(|(name, t)| {
            let (a, e) = rayon::join(|| read(actual, name), || read(expected, name));
            let (a, e) = (a?, e?);
            k::backend()
                .compare_aligned(
                    a.as_ref(),
                    e.as_ref(),
                    alignment.as_ref(),
                    &to_tolerance(t),
                    limit,
                )
                .map(|d| {
                    column_diff(
                        name.clone(),
                        d,
                        alignment.as_ref().map(|a| a.keys.as_slice()),
                    )
                })
                .map_err(|err| column_error(actual, name, err))
        })
        .collect();
    Ok(diff)
}
