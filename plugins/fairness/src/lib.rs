//! The `fairness` check: does the model treat groups alike?
//!
//! Metrics follow fairlearn's definitions (`fairlearn.metrics`), computed
//! from confusion counts the host gathers per intersection of all sensitive
//! attributes in one pass; each attribute's groups are sums of those cells.
//!
//! - demographic parity: selection rate P(ŷ=1) per group;
//! - equal opportunity: true positive rate per group;
//! - equalized odds: true and false positive rates per group (the worse of the two);
//! - `_difference` is max − min over groups, `_ratio` is min / max.
//!
//! Groups smaller than `min_group_size` are reported and excluded, never
//! silently dropped. A rate a group cannot have (TPR without positives) is
//! left out of that metric for that group, and said so.

use std::collections::BTreeMap;

use mltest_sdk::kernels::{self, ConfusionCell, ConfusionRequest};
use mltest_sdk::{ArtifactName, Check, Finding, Result, artifacts, bail};
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// Artifact name of the table with labels, predictions and sensitive attributes.
    table: ArtifactName,
    /// The true label column.
    label: String,
    /// The predicted label column. Give this or `score`.
    #[serde(default)]
    prediction: Option<String>,
    /// A score column, thresholded at `threshold` to predict.
    #[serde(default)]
    score: Option<String>,
    /// With `score`: predict positive when the score is at least this.
    #[serde(default = "default_threshold")]
    threshold: f64,
    /// The positive class as it appears in the label (and prediction) columns.
    #[serde(default = "default_positive")]
    positive: Scalar,
    /// Sensitive attribute columns.
    sensitive: Vec<String>,
    /// Also evaluate intersections: `true` (default) for all attributes
    /// together, `false`, or a list of attribute lists.
    #[serde(default)]
    intersections: Intersections,
    /// Bounds per metric: `{ max = 0.1 }` for differences, `{ min = 0.8 }` for ratios.
    #[serde(default)]
    metrics: BTreeMap<Metric, Bound>,
    /// `four_fifths`: demographic parity ratio at least 0.8 (the four-fifths rule).
    #[serde(default)]
    preset: Option<Preset>,
    /// Groups with fewer rows are reported and excluded from the metrics.
    #[serde(default = "default_min_group")]
    min_group_size: u64,
}

fn default_threshold() -> f64 {
    0.5
}

fn default_positive() -> Scalar {
    Scalar::Number(1.0)
}

fn default_min_group() -> u64 {
    30
}

#[derive(Deserialize, JsonSchema, Clone)]
#[serde(untagged)]
pub enum Scalar {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl Scalar {
    fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(n) => n.to_string(),
            Scalar::Text(t) => t.clone(),
        }
    }
}

#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Intersections {
    All(bool),
    Lists(Vec<Vec<String>>),
}

impl Default for Intersections {
    fn default() -> Self {
        Intersections::All(true)
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    DemographicParityDifference,
    DemographicParityRatio,
    EqualizedOddsDifference,
    EqualizedOddsRatio,
    EqualOpportunityDifference,
    EqualOpportunityRatio,
}

impl Metric {
    fn as_str(self) -> &'static str {
        match self {
            Metric::DemographicParityDifference => "demographic_parity_difference",
            Metric::DemographicParityRatio => "demographic_parity_ratio",
            Metric::EqualizedOddsDifference => "equalized_odds_difference",
            Metric::EqualizedOddsRatio => "equalized_odds_ratio",
            Metric::EqualOpportunityDifference => "equal_opportunity_difference",
            Metric::EqualOpportunityRatio => "equal_opportunity_ratio",
        }
    }

    /// The per-group rates the metric compares.
    fn rates(self) -> &'static [Rate] {
        match self {
            Metric::DemographicParityDifference | Metric::DemographicParityRatio => {
                &[Rate::Selection]
            }
            Metric::EqualizedOddsDifference | Metric::EqualizedOddsRatio => {
                &[Rate::TruePositive, Rate::FalsePositive]
            }
            Metric::EqualOpportunityDifference | Metric::EqualOpportunityRatio => {
                &[Rate::TruePositive]
            }
        }
    }

    fn is_ratio(self) -> bool {
        matches!(
            self,
            Metric::DemographicParityRatio
                | Metric::EqualizedOddsRatio
                | Metric::EqualOpportunityRatio
        )
    }
}

#[derive(Deserialize, JsonSchema, Default, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    #[serde(default)]
    min: Option<f64>,
    #[serde(default)]
    max: Option<f64>,
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    FourFifths,
}

#[derive(Clone, Copy, PartialEq)]
enum Rate {
    Selection,
    TruePositive,
    FalsePositive,
}

impl Rate {
    fn name(self) -> &'static str {
        match self {
            Rate::Selection => "selection_rate",
            Rate::TruePositive => "true_positive_rate",
            Rate::FalsePositive => "false_positive_rate",
        }
    }

    fn of(self, g: &Group) -> Option<f64> {
        let ratio = |a: u64, b: u64| (b > 0).then(|| a as f64 / b as f64);
        match self {
            Rate::Selection => ratio(g.tp + g.fp, g.n),
            Rate::TruePositive => ratio(g.tp, g.tp + g.fn_),
            Rate::FalsePositive => ratio(g.fp, g.fp + g.tn),
        }
    }
}

/// One group of one attribute (or intersection): summed cells.
#[derive(Default, Clone)]
struct Group {
    label: String,
    n: u64,
    tp: u64,
    fp: u64,
    tn: u64,
    fn_: u64,
}

impl Group {
    fn add(&mut self, c: &ConfusionCell) {
        self.n += c.n;
        self.tp += c.tp;
        self.fp += c.fp;
        self.tn += c.tn;
        self.fn_ += c.fn_;
    }

    fn accuracy(&self) -> f64 {
        (self.tp + self.tn) as f64 / self.n as f64
    }
}

struct Fairness;

impl Check for Fairness {
    type Params = Params;
    const NAME: &'static str = "fairness";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");
    const SUMMARY: &'static str = "group fairness (fairlearn definitions): demographic parity, equalized odds, equal opportunity, per group and intersection";

    fn run(params: Params) -> Result<Vec<Finding>> {
        let mut metrics = params.metrics.clone();
        if let Some(Preset::FourFifths) = params.preset {
            metrics
                .entry(Metric::DemographicParityRatio)
                .or_insert(Bound {
                    min: Some(0.8),
                    max: None,
                });
        }
        if metrics.is_empty() {
            bail!(
                "no metrics to check: add `metrics.<name> = {{ max = ... }}` or `preset = \"four_fifths\"`"
            );
        }
        if let Some((m, _)) = metrics
            .iter()
            .find(|(_, b)| b.min.is_none() && b.max.is_none())
        {
            bail!("metric `{}` sets neither `min` nor `max`", m.as_str());
        }
        if params.sensitive.is_empty() {
            bail!("no sensitive attributes: list the columns in `sensitive`");
        }
        let (prediction, threshold) = match (&params.prediction, &params.score) {
            (Some(p), None) => (p.clone(), None),
            (None, Some(s)) => (s.clone(), Some(params.threshold)),
            _ => bail!("give exactly one of `prediction` and `score`"),
        };
        let attribute_sets = attribute_sets(&params)?;
        let table = artifacts::table(&params.table)?;
        let confusion = kernels::confusion_by_group(
            &table,
            &ConfusionRequest {
                label: params.label.clone(),
                prediction,
                positive: params.positive.text(),
                threshold,
                groups: params.sensitive.clone(),
            },
        )?;
        let mut findings = Vec::new();
        if confusion.skipped > 0 {
            findings.push(
                Finding::warn(
                    "fairness.missing",
                    format!(
                        "{} rows have no label or prediction and were left out",
                        confusion.skipped
                    ),
                )
                .observed(confusion.skipped as f64),
            );
        }
        for set in &attribute_sets {
            let groups = groups(&params.sensitive, set, &confusion.cells);
            let attribute = set.join("&");
            for (metric, bound) in &metrics {
                let finding = evaluate(*metric, bound, &attribute, &groups, params.min_group_size);
                // The rule the suite wrote, or the preset that implied it.
                findings.push(if params.metrics.contains_key(metric) {
                    finding.param(format!("/metrics/{}", metric.as_str()))
                } else {
                    finding.param("/preset")
                });
            }
        }
        Ok(findings)
    }
}

/// Each attribute alone, then the intersections asked for.
fn attribute_sets(params: &Params) -> Result<Vec<Vec<String>>> {
    let mut sets: Vec<Vec<String>> = params.sensitive.iter().map(|a| vec![a.clone()]).collect();
    match &params.intersections {
        Intersections::All(true) if params.sensitive.len() > 1 => {
            sets.push(params.sensitive.clone())
        }
        Intersections::All(_) => {}
        Intersections::Lists(lists) => {
            for list in lists {
                if let Some(a) = list.iter().find(|a| !params.sensitive.contains(a)) {
                    bail!("intersection attribute `{a}` is not in `sensitive`");
                }
                if list.len() < 2 {
                    bail!("an intersection needs at least two attributes");
                }
                sets.push(list.clone());
            }
        }
    }
    Ok(sets)
}

/// Groups of one attribute set, from the full intersection cells.
fn groups(sensitive: &[String], set: &[String], cells: &[ConfusionCell]) -> Vec<Group> {
    let positions: Vec<usize> = set
        .iter()
        .filter_map(|a| sensitive.iter().position(|s| s == a))
        .collect();
    let mut by_label: BTreeMap<String, Group> = BTreeMap::new();
    for cell in cells {
        let label = positions
            .iter()
            .map(|&i| cell.group[i].clone().unwrap_or_else(|| "null".into()))
            .collect::<Vec<_>>()
            .join("&");
        let group = by_label.entry(label.clone()).or_insert_with(|| Group {
            label,
            ..Default::default()
        });
        group.add(cell);
    }
    by_label.into_values().collect()
}

fn evaluate(
    metric: Metric,
    bound: &Bound,
    attribute: &str,
    groups: &[Group],
    min_size: u64,
) -> Finding {
    let name = format!("fairness.{}[{attribute}]", metric.as_str());
    let (eligible, small): (Vec<&Group>, Vec<&Group>) =
        groups.iter().partition(|g| g.n >= min_size);
    let mut notes = Vec::new();
    if !small.is_empty() {
        let list: Vec<String> = small
            .iter()
            .map(|g| format!("{} (n={})", g.label, g.n))
            .collect();
        notes.push(format!(
            "excluded, fewer than {min_size} rows: {}",
            list.join(", ")
        ));
    }
    // Per rate: (min, max) over the groups that have it.
    let mut value: Option<f64> = None;
    for rate in metric.rates() {
        let rated: Vec<(&Group, f64)> = eligible
            .iter()
            .filter_map(|g| rate.of(g).map(|r| (*g, r)))
            .collect();
        let undefined: Vec<&str> = eligible
            .iter()
            .filter(|g| rate.of(g).is_none())
            .map(|g| g.label.as_str())
            .collect();
        if !undefined.is_empty() {
            notes.push(format!(
                "{} undefined (left out) for: {}",
                rate.name(),
                undefined.join(", ")
            ));
        }
        if rated.len() < 2 {
            continue;
        }
        let min = rated.iter().map(|(_, r)| *r).fold(f64::INFINITY, f64::min);
        let max = rated
            .iter()
            .map(|(_, r)| *r)
            .fold(f64::NEG_INFINITY, f64::max);
        // fairlearn: ratio min/max (1 when both are 0: nothing to tell apart).
        let v = if metric.is_ratio() {
            if max == 0.0 { 1.0 } else { min / max }
        } else {
            max - min
        };
        // Equalized odds takes the worse of its two rates.
        value = Some(match value {
            None => v,
            Some(prev) if metric.is_ratio() => prev.min(v),
            Some(prev) => prev.max(v),
        });
    }
    let table = group_table(groups, min_size);
    let mut finding = match value {
        None => Finding::skip(
            name,
            format!(
                "fewer than two groups of `{attribute}` with at least {min_size} rows and a defined rate"
            ),
        ),
        Some(v) => {
            let low = bound.min.is_some_and(|m| v < m);
            let high = bound.max.is_some_and(|m| v > m);
            let limit = match (bound.min, bound.max) {
                (Some(min), Some(max)) => format!("allowed {min} to {max}"),
                (Some(min), None) => format!("minimum {min}"),
                (None, Some(max)) => format!("maximum {max}"),
                (None, None) => String::new(),
            };
            let mut f = Finding::check(
                name,
                !(low || high),
                format!(
                    "{} = {:.4} over {} groups of `{attribute}` ({limit})",
                    metric.as_str(),
                    v,
                    eligible.len()
                ),
            )
            .observed(v);
            if let Some(t) = if low {
                bound.min
            } else {
                bound.max.or(bound.min)
            } {
                f = f.threshold(t);
            }
            f
        }
    };
    if !notes.is_empty() {
        finding.message = format!("{}; {}", finding.message, notes.join("; "));
    }
    finding = finding
        .property("metric", metric.as_str())
        .property("attribute", attribute)
        .property("groups", eligible.len())
        .property("excluded_groups", small.len())
        .property("min_group_size", min_size);
    for g in groups {
        let prefix = format!("group.{}", g.label);
        finding = finding
            .property(format!("{prefix}.count"), g.n)
            .property(format!("{prefix}.excluded"), g.n < min_size);
        for rate in [Rate::Selection, Rate::TruePositive, Rate::FalsePositive] {
            if let Some(r) = rate.of(g) {
                finding = finding.property(format!("{prefix}.{}", rate.name()), r);
            }
        }
        if g.n > 0 {
            finding = finding.property(format!("{prefix}.accuracy"), g.accuracy());
        }
    }
    if let Some(plot) = plot(metric, bound, &eligible) {
        finding = finding.plot(&plot);
    }
    finding.details(table)
}

/// The rates the metric compares, per eligible group, each with the rate a
/// group must reach (ratios: the best group's rate times the minimum) or
/// stay within (differences: the best group's rate less the maximum).
fn plot(metric: Metric, bound: &Bound, eligible: &[&Group]) -> Option<mltest_sdk::Plot> {
    if eligible.is_empty() {
        return None;
    }
    let eligible = &eligible[..eligible.len().min(256)];
    let series = metric
        .rates()
        .iter()
        .map(|rate| {
            let values: Vec<Option<f64>> = eligible.iter().map(|g| rate.of(g)).collect();
            let best = values
                .iter()
                .flatten()
                .copied()
                .fold(f64::NEG_INFINITY, f64::max);
            let bound = best.is_finite().then_some(best).and_then(|best| {
                if metric.is_ratio() {
                    bound.min.map(|m| best * m)
                } else {
                    bound.max.map(|m| best - m)
                }
            });
            mltest_sdk::Series::new(rate.name(), values, bound)
        })
        .collect();
    Some(mltest_sdk::Plot::Groups {
        metric: metric.as_str().to_string(),
        groups: eligible
            .iter()
            .map(|g| g.label.chars().take(48).collect())
            .collect(),
        series,
    })
}

/// A fixed-width table of every group's numbers.
fn group_table(groups: &[Group], min_size: u64) -> String {
    let cell = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.4}"));
    let mut lines = vec![format!(
        "{:<24} {:>8} {:>10} {:>8} {:>8} {:>9}",
        "group", "count", "selection", "tpr", "fpr", "accuracy"
    )];
    for g in groups {
        lines.push(format!(
            "{:<24} {:>8} {:>10} {:>8} {:>8} {:>9}{}",
            g.label,
            g.n,
            cell(Rate::Selection.of(g)),
            cell(Rate::TruePositive.of(g)),
            cell(Rate::FalsePositive.of(g)),
            cell((g.n > 0).then(|| g.accuracy())),
            if g.n < min_size {
                "  (excluded: too small)"
            } else {
                ""
            }
        ));
    }
    lines.join("\n")
}

mltest_sdk::export_check!(Fairness);
