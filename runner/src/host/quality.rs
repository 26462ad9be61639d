//! The host side of the `quality` kernel: reads the holdout's columns (in
//! parallel), bounds what the request may make the host compute and
//! return, and translates the report into the contract's records.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::ArrayRef;
use rayon::prelude::*;

use super::bindings::WitError;
use super::bindings::current::mltest::plugin::quality as wit;
use super::limits::{ContractViolation, MAX_GROUPS, at_most};
use crate::catalog::Table;
use mltest_kernels::quality::holdout as q;
use mltest_kernels::quality::{BinaryOptions, Undefined};

/// Most slicings one request may ask for.
pub(crate) const MAX_SLICINGS: usize = 64;
/// Most bootstrap resamples.
pub(crate) const MAX_RESAMPLES: usize = 100_000;
/// Most slices a report may hold (crossing high-cardinality columns is a
/// mistake, never a finer answer).
pub(crate) const MAX_SLICES: usize = 10_000;
/// Most bootstrap differences one report may return (8 bytes each).
pub(crate) const MAX_DIFFERENCES: usize = 4_000_000;
/// Most metrics or classes named in one request.
pub(crate) const MAX_NAMES: usize = 1_000;

/// Checks the request's sizes before anything is read.
pub(crate) fn check(request: &wit::QualityRequest) -> wasmtime::Result<()> {
    at_most("quality slicings", request.slices.len(), MAX_SLICINGS)?;
    for slicing in &request.slices {
        at_most("columns in one slicing", slicing.len(), MAX_GROUPS)?;
        if slicing.is_empty() {
            return Err(ContractViolation("a slicing names no column".into()).into());
        }
    }
    at_most("quality metrics", request.metrics.len(), MAX_NAMES)?;
    for p in std::iter::once(&request.candidate).chain(request.champion.as_ref()) {
        at_most("probability columns", p.probabilities.len(), MAX_NAMES)?;
    }
    if let Some(b) = &request.bootstrap {
        at_most("bootstrap resamples", b.resamples as usize, MAX_RESAMPLES)?;
        at_most("bootstrap metrics", b.metrics.len(), MAX_NAMES)?;
    }
    at_most(
        "ece bins",
        request.ece_bins as usize,
        mltest_kernels::MAX_BINS,
    )?;
    Ok(())
}

/// Reads the columns and measures; an `Err` is the check's data error.
pub(crate) fn evaluate(
    data: &Arc<Table>,
    request: wit::QualityRequest,
    deadline: Instant,
    read: impl Fn(&Table, &str) -> Result<ArrayRef, WitError> + Sync,
) -> Result<wit::QualityReport, WitError> {
    let mut names: BTreeSet<&str> = BTreeSet::new();
    names.insert(&request.label);
    names.extend(request.weight.as_deref());
    for p in std::iter::once(&request.candidate).chain(request.champion.as_ref()) {
        names.extend(p.score.as_deref());
        names.extend(p.prediction.as_deref());
        names.extend(p.probabilities.iter().map(|(_, c)| c.as_str()));
    }
    names.extend(request.slices.iter().flatten().map(String::as_str));
    let names: Vec<&str> = names.into_iter().collect();
    let arrays: Vec<ArrayRef> = names
        .par_iter()
        .map(|n| read(data, n))
        .collect::<Result<_, _>>()?;
    let column = |name: &str| -> q::Column {
        let i = names
            .binary_search(&name)
            .expect("every named column was read");
        (name.to_string(), arrays[i].clone())
    };
    let predictions = |p: &wit::Predictions| q::Predictions {
        score: p.score.as_deref().map(column),
        prediction: p.prediction.as_deref().map(column),
        probabilities: p
            .probabilities
            .iter()
            .map(|(class, c)| (class.clone(), column(c)))
            .collect(),
    };
    let task = match request.task {
        wit::Task::Binary => q::Task::Binary {
            positive: request.positive.clone(),
            options: BinaryOptions {
                threshold: request.threshold,
                beta: request.beta,
                ece_bins: request.ece_bins.max(1),
            },
        },
        wit::Task::Multiclass => q::Task::Multiclass {
            k: request.top_k.max(1),
        },
        wit::Task::Regression => q::Task::Regression,
    };
    let kernel_request = q::Request {
        task,
        label: column(&request.label),
        candidate: predictions(&request.candidate),
        champion: request.champion.as_ref().map(predictions),
        weight: request.weight.as_deref().map(column),
        metrics: request.metrics.clone(),
        slicings: request
            .slices
            .iter()
            .map(|s| s.iter().map(|c| column(c)).collect())
            .collect(),
        min_slice_size: request.min_slice_size,
        bootstrap: request.bootstrap.as_ref().map(|b| q::BootstrapRequest {
            resamples: b.resamples,
            seed: b.seed,
            metrics: b.metrics.clone(),
        }),
        tests: request.paired_tests,
        deadline: Some(deadline),
    };
    let report = mltest_kernels::backend()
        .quality(&kernel_request)
        .map_err(|e| WitError::data(data.path(), None, e))?;
    if report.slices.len() > MAX_SLICES {
        return Err(WitError::Limit(format!(
            "{}: the slicings make {} slices, more than {MAX_SLICES}: slice by fewer or coarser columns",
            data.path().display(),
            report.slices.len()
        )));
    }
    let differences: usize = report
        .slices
        .iter()
        .flat_map(|s| &s.bootstrap)
        .map(|(_, b)| b.differences.len())
        .sum();
    if differences > MAX_DIFFERENCES {
        return Err(WitError::Limit(format!(
            "the bootstrap would return {differences} differences, more than {MAX_DIFFERENCES}: fewer resamples, metrics or slices"
        )));
    }
    Ok(wit::QualityReport {
        slices: report.slices.into_iter().map(slice).collect(),
        classes: report.classes,
        unlabelled: report.unlabelled,
    })
}

fn values(v: q::Values) -> Vec<wit::MetricValue> {
    v.into_iter()
        .map(|(metric, value)| wit::MetricValue {
            metric,
            value: value.map_err(|Undefined(why)| WitError::Unsupported(why)),
        })
        .collect()
}

fn slice(s: q::Slice) -> wit::SliceQuality {
    wit::SliceQuality {
        key: s.key,
        rows: s.rows,
        weight: s.weight,
        positives: s.positives,
        too_small: s.too_small,
        candidate: values(s.candidate),
        champion: s.champion.map(values),
        bootstrap: s
            .bootstrap
            .into_iter()
            .map(|(metric, b)| wit::Resampled {
                metric,
                differences: b.differences,
                invalid: b.invalid,
            })
            .collect(),
        delong: s.delong.map(|d| {
            d.map(|d| wit::DelongTest {
                auc_champion: d.auc_champion,
                auc_candidate: d.auc_candidate,
                var_champion: d.var_champion,
                var_candidate: d.var_candidate,
                covariance: d.covariance,
                var_difference: d.var_difference,
            })
            .map_err(|Undefined(why)| WitError::Unsupported(why))
        }),
        mcnemar: s.mcnemar.map(|m| {
            m.map(|m| wit::McnemarTest {
                both_right: m.both_right,
                champion_only: m.champion_only,
                candidate_only: m.candidate_only,
                both_wrong: m.both_wrong,
                exact_statistic: m.exact_statistic,
                exact_p_value: m.exact_p_value,
                chi2_statistic: m.chi2.map(|c| c.0),
                chi2_p_value: m.chi2.map(|c| c.1),
            })
            .map_err(|Undefined(why)| WitError::Unsupported(why))
        }),
    }
}
