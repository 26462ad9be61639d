//! The `performance` check: model quality measured from holdout
//! predictions, on all rows and per slice, and compared with the champion's
//! predictions of the same rows with a statistic, not a bare difference.
//!
//! The host computes every metric, slice, bootstrap resample and paired
//! test in one `kernels.quality` call; this plugin holds only the policy:
//! which rules apply where, and what passes. Rules use the `metrics`
//! check's vocabulary (`min`, `max`, `max_regression`,
//! `max_relative_regression`, `min_improvement`), plus `non_inferior` and
//! `superior` (an interval of candidate − champion at `confidence`) and
//! rules over `slices` (each slice, and the gap between the best and worst).
//!
//! Findings are named `performance.<metric>[all]`, `[<column>=<value>,…]`
//! for a slice and `[gap:<columns>]` for a slicing, with the slice's size in
//! the properties. A slice below `min_slice_size` is a skip finding with its
//! size: reported, not measured, never dropped.

mod compare;
mod judge;
mod params;

use std::collections::BTreeMap;

use mltest_sdk::kernels::{self, Predictions, QualityRequest, Resampling};
use mltest_sdk::metric::canonical;
use mltest_sdk::{ArtifactKind, Check, Finding, Result, artifacts, bail};

use crate::compare::Direction;
use crate::params::{Margin, Method, Model, Params, Rule, Task};

struct Performance;

impl Check for Performance {
    type Params = Params;
    const NAME: &'static str = "performance";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "model quality measured on a holdout, per slice, against the champion with confidence intervals";

    fn run(params: Params) -> Result<Vec<Finding>> {
        let plan = Plan::new(&params)?;
        let table = artifacts::table(&params.table)?;
        let report = kernels::quality(&table, &plan.request(&params))?;
        let baseline = baseline(&params)?;
        Ok(judge::findings(&params, &plan, &report, baseline.as_ref()))
    }
}

mltest_sdk::export_check!(Performance);

/// One metric's rules, resolved: its direction and where its values sit
/// in the kernel's report.
pub(crate) struct Metric<'a> {
    pub(crate) name: &'a str,
    pub(crate) rule: &'a Rule,
    pub(crate) direction: Direction,
    /// Index into each slice's metric values.
    pub(crate) index: usize,
    /// Index into each slice's bootstrap draws, when one of its rules needs them.
    pub(crate) resampled: Option<usize>,
    /// The comparison rules with their methods resolved and checked:
    /// `non_inferior`, `superior`, and `slices.non_inferior`.
    pub(crate) non_inferior: Option<Comparison>,
    pub(crate) superior: Option<Comparison>,
    pub(crate) slice_non_inferior: Option<Comparison>,
}

/// A margin and the method that decides it.
#[derive(Clone, Copy)]
pub(crate) struct Comparison {
    pub(crate) margin: f64,
    pub(crate) method: Method,
}

/// The validated rules and the kernel request they need.
pub(crate) struct Plan<'a> {
    pub(crate) metrics: Vec<Metric<'a>>,
    resampled: Vec<String>,
    tests: bool,
}

impl<'a> Plan<'a> {
    fn new(params: &'a Params) -> Result<Plan<'a>> {
        if params.metrics.is_empty() {
            bail!("no metrics given: add at least one `[metrics.<metric>]` rule");
        }
        if !(params.confidence > 0.0 && params.confidence < 1.0) {
            bail!(
                "confidence must lie strictly between 0 and 1, not {}",
                params.confidence
            );
        }
        if params.bootstrap.resamples == 0 {
            bail!("bootstrap.resamples must be at least 1");
        }
        let mut plan = Plan {
            metrics: Vec::new(),
            resampled: Vec::new(),
            tests: false,
        };
        for (index, (name, rule)) in params.metrics.iter().enumerate() {
            let slice_rule = rule.slices.as_ref();
            let per_slice = slice_rule.is_some_and(|s| s.per_slice() || s.max_gap.is_some());
            if !rule.overall() && !per_slice {
                bail!(
                    "the rule for `{name}` sets no limit: give it min, max, max_regression, max_relative_regression, min_improvement, non_inferior, superior or slices"
                );
            }
            if slice_rule.is_some() && params.slices.is_empty() {
                bail!("`metrics.{name}.slices` has rules, but no `slices` are given to measure");
            }
            let resolve = |margin: Option<&Margin>| -> Result<Option<Comparison>> {
                margin
                    .map(|m| {
                        Ok(Comparison {
                            margin: m.margin,
                            method: method(name, m, params)?,
                        })
                    })
                    .transpose()
            };
            let non_inferior = resolve(rule.non_inferior.as_ref())?;
            let superior = resolve(rule.superior.as_ref())?;
            let slice_non_inferior = resolve(slice_rule.and_then(|s| s.non_inferior.as_ref()))?;
            let mut bootstrapped = false;
            for c in [non_inferior, superior, slice_non_inferior]
                .iter()
                .flatten()
            {
                match c.method {
                    Method::Bootstrap => bootstrapped = true,
                    Method::Delong | Method::Mcnemar => plan.tests = true,
                }
            }
            let resampled = bootstrapped.then(|| {
                plan.resampled.push(name.clone());
                plan.resampled.len() - 1
            });
            plan.metrics.push(Metric {
                name,
                rule,
                direction: Direction(rule.greater_is_better.unwrap_or_else(|| direction(name))),
                index,
                resampled,
                non_inferior,
                superior,
                slice_non_inferior,
            });
        }
        Ok(plan)
    }

    pub(crate) fn request(&self, params: &Params) -> QualityRequest {
        let champion = params
            .champion
            .as_ref()
            .map(|m| predictions(m, params.task));
        let paired = champion.is_some();
        // A slicing given twice would name every slice twice.
        let mut slicings: Vec<Vec<String>> = Vec::new();
        for columns in params.slices.iter().map(|s| s.columns()) {
            if !slicings.contains(&columns) {
                slicings.push(columns);
            }
        }
        QualityRequest {
            task: match params.task {
                Task::Binary => kernels::Task::Binary,
                Task::Multiclass => kernels::Task::Multiclass,
                Task::Regression => kernels::Task::Regression,
            },
            label: params.label.clone(),
            positive: params.positive.text(),
            threshold: params.threshold,
            beta: params.beta,
            ece_bins: params.ece_bins,
            top_k: params.top_k,
            candidate: predictions(&params.candidate, params.task),
            champion,
            weight: params.weight.clone(),
            metrics: self.metrics.iter().map(|m| m.name.to_string()).collect(),
            slices: slicings,
            min_slice_size: params.min_slice_size,
            bootstrap: (paired && !self.resampled.is_empty()).then(|| Resampling {
                resamples: params.bootstrap.resamples,
                seed: params.bootstrap.seed,
                metrics: self.resampled.clone(),
            }),
            paired_tests: paired && self.tests,
        }
    }
}

/// The method a comparison rule uses, checked against the metric and the
/// holdout: DeLong and McNemar count rows, so they refuse weights.
fn method(metric: &str, margin: &Margin, params: &Params) -> Result<Method> {
    if !(margin.margin.is_finite() && margin.margin >= 0.0) {
        bail!(
            "`metrics.{metric}`: a margin must be a non-negative number, not {}",
            margin.margin
        );
    }
    let canonical = canonical(metric);
    let method = margin.method.unwrap_or(match canonical {
        "roc_auc" if params.task == Task::Binary => Method::Delong,
        "accuracy" if params.task != Task::Regression => Method::Mcnemar,
        _ => Method::Bootstrap,
    });
    match method {
        Method::Delong if canonical != "roc_auc" || params.task != Task::Binary => bail!(
            "`metrics.{metric}`: method \"delong\" compares binary ROC AUCs only; use \"bootstrap\""
        ),
        Method::Mcnemar if canonical != "accuracy" || params.task == Task::Regression => bail!(
            "`metrics.{metric}`: method \"mcnemar\" compares accuracies only; use \"bootstrap\""
        ),
        Method::Delong | Method::Mcnemar if params.weight.is_some() => bail!(
            "`metrics.{metric}`: method \"{}\" counts rows and cannot use `weight`; use \"bootstrap\"",
            method.name()
        ),
        _ => Ok(method),
    }
}

/// Every metric the kernels compute is a score unless it is one of these.
fn direction(name: &str) -> bool {
    const LOWER_IS_BETTER: &[&str] = &[
        "log_loss",
        "brier",
        "ece",
        "fp",
        "fn",
        "mae",
        "mse",
        "rmse",
        "mape",
        "median_absolute_error",
    ];
    !LOWER_IS_BETTER.contains(&canonical(name))
}

fn predictions(model: &Model, task: Task) -> Predictions {
    match model {
        Model::Column(column) => Predictions {
            score: (task != Task::Multiclass).then(|| column.clone()),
            prediction: (task == Task::Multiclass).then(|| column.clone()),
            probabilities: Vec::new(),
        },
        Model::Columns(c) => Predictions {
            score: c.score.clone(),
            prediction: c.prediction.clone(),
            probabilities: c
                .probabilities
                .iter()
                .map(|(class, column)| (class.clone(), column.clone()))
                .collect(),
        },
    }
}

/// The baseline metrics document, or why the rules against it are skipped.
fn baseline(params: &Params) -> Result<std::result::Result<BTreeMap<String, f64>, String>> {
    Ok(match &params.baseline {
        None if params.champion.is_some() => Err(String::new()),
        None => Err("no champion predictions or baseline metrics given".to_string()),
        Some(name) if matches!(artifacts::kind(name)?, ArtifactKind::Absent) => {
            let reason = match artifacts::document(name) {
                Err(e) => e.to_string(),
                Ok(_) => format!("artifact `{name}` is absent"),
            };
            Err(format!("no baseline: {reason}"))
        }
        Some(name) => Ok(mltest_sdk::metric::parse(&artifacts::document(name)?)
            .map_err(|e| format!("artifact `{name}`: {e}"))?),
    })
}
