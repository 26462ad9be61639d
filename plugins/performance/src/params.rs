//! The check's parameters: the holdout's columns, the slicings, and rules
//! per metric in the `metrics` check's vocabulary, plus non-inferiority and
//! superiority against the champion and rules over slices.

use std::collections::BTreeMap;

use mltest_sdk::ArtifactName;
use schemars::JsonSchema;
use serde::Deserialize;

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    /// Artifact name of the holdout table: the label, each model's
    /// predictions of the same rows, and the slicing columns.
    pub(crate) table: ArtifactName,
    /// What the model predicts.
    #[serde(default)]
    pub(crate) task: Task,
    /// The true label column.
    pub(crate) label: String,
    /// Binary: the positive class as it appears in the label column.
    #[serde(default = "default_positive")]
    pub(crate) positive: Scalar,
    /// Binary: a score at least this predicts the positive class.
    #[serde(default = "default_threshold")]
    pub(crate) threshold: f64,
    /// F-beta's β.
    #[serde(default = "default_beta")]
    pub(crate) beta: f64,
    /// Equal-width bins of the expected calibration error (`ece`).
    #[serde(default = "default_ece_bins")]
    pub(crate) ece_bins: u32,
    /// Multiclass: k of `top_k_accuracy`.
    #[serde(default = "default_top_k")]
    pub(crate) top_k: u32,
    /// The candidate's predictions: a column name (the score for binary and
    /// regression, the predicted label for multiclass) or a table of columns.
    pub(crate) candidate: Model,
    /// The champion's predictions of the same rows, as `candidate`.
    #[serde(default)]
    pub(crate) champion: Option<Model>,
    /// A metrics document for the rules against the champion when there are
    /// no champion predictions (only overall values: it has no slices).
    #[serde(default)]
    pub(crate) baseline: Option<ArtifactName>,
    /// A column of non-negative row weights.
    #[serde(default)]
    pub(crate) weight: Option<String>,
    /// Slicings: a column, or a list of columns whose value combinations
    /// are the slices (`["region", ["region", "age_band"]]`).
    #[serde(default)]
    pub(crate) slices: Vec<Slicing>,
    /// Slices with fewer rows are reported, with their size, and not measured.
    #[serde(default = "default_min_slice_size")]
    pub(crate) min_slice_size: u64,
    /// Two-sided confidence level of the intervals the comparison rules use.
    #[serde(default = "default_confidence")]
    pub(crate) confidence: f64,
    /// The paired bootstrap behind `method = "bootstrap"`.
    #[serde(default)]
    pub(crate) bootstrap: Bootstrap,
    /// Rules per metric (scikit-learn's names: roc_auc, accuracy, f1, rmse…).
    pub(crate) metrics: BTreeMap<String, Rule>,
}

#[derive(Deserialize, JsonSchema, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Task {
    #[default]
    Binary,
    Multiclass,
    Regression,
}

#[derive(Deserialize, JsonSchema, Clone)]
#[serde(untagged)]
pub(crate) enum Scalar {
    Bool(bool),
    Number(f64),
    Text(String),
}

impl Scalar {
    pub(crate) fn text(&self) -> String {
        match self {
            Scalar::Bool(b) => b.to_string(),
            Scalar::Number(n) => n.to_string(),
            Scalar::Text(t) => t.clone(),
        }
    }
}

#[derive(Deserialize, JsonSchema, Clone)]
#[serde(untagged)]
pub(crate) enum Model {
    Column(String),
    Columns(Columns),
}

#[derive(Deserialize, JsonSchema, Clone, Default)]
#[serde(deny_unknown_fields)]
pub(crate) struct Columns {
    /// Binary: the positive class's score; regression: the prediction.
    #[serde(default)]
    pub(crate) score: Option<String>,
    /// Binary or multiclass: the predicted label.
    #[serde(default)]
    pub(crate) prediction: Option<String>,
    /// Multiclass: each class's probability column, by class.
    #[serde(default)]
    pub(crate) probabilities: BTreeMap<String, String>,
}

#[derive(Deserialize, JsonSchema, Clone)]
#[serde(untagged)]
pub(crate) enum Slicing {
    Column(String),
    Cross(Vec<String>),
}

impl Slicing {
    pub(crate) fn columns(&self) -> Vec<String> {
        match self {
            Slicing::Column(c) => vec![c.clone()],
            Slicing::Cross(cs) => cs.clone(),
        }
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub(crate) struct Bootstrap {
    /// Resamples of the paired bootstrap (at most 100000).
    #[serde(default = "default_resamples")]
    pub(crate) resamples: u32,
    /// The seed: the same seed gives the same resamples, on any machine.
    #[serde(default)]
    pub(crate) seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: default_resamples(),
            seed: 0,
        }
    }
}

#[derive(Deserialize, JsonSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct Rule {
    /// The candidate's value on all rows must be at least this.
    #[serde(default)]
    pub(crate) min: Option<f64>,
    /// The candidate's value on all rows must be at most this.
    #[serde(default)]
    pub(crate) max: Option<f64>,
    /// Largest allowed regression against the champion, in the metric's units.
    #[serde(default)]
    pub(crate) max_regression: Option<f64>,
    /// Largest allowed regression against the champion, as a fraction of its value.
    #[serde(default)]
    pub(crate) max_relative_regression: Option<f64>,
    /// Smallest required improvement over the champion, in the metric's units.
    #[serde(default)]
    pub(crate) min_improvement: Option<f64>,
    /// Whether larger values are better; known metric names set it.
    #[serde(default)]
    pub(crate) greater_is_better: Option<bool>,
    /// The candidate is not worse than the champion by more than `margin`,
    /// at the suite's confidence: the interval of the difference lies above −margin.
    #[serde(default)]
    pub(crate) non_inferior: Option<Margin>,
    /// The candidate is better than the champion by at least `margin`, at
    /// the suite's confidence.
    #[serde(default)]
    pub(crate) superior: Option<Margin>,
    /// Rules each measured slice must meet, and the gap between slices.
    #[serde(default)]
    pub(crate) slices: Option<SliceRule>,
}

impl Rule {
    /// Whether any rule applies to all rows (as opposed to slices).
    pub(crate) fn overall(&self) -> bool {
        self.min.is_some()
            || self.max.is_some()
            || self.max_regression.is_some()
            || self.max_relative_regression.is_some()
            || self.min_improvement.is_some()
            || self.non_inferior.is_some()
            || self.superior.is_some()
    }
}

#[derive(Deserialize, JsonSchema, Default, Clone)]
#[serde(deny_unknown_fields)]
pub(crate) struct SliceRule {
    /// Every measured slice's value must be at least this (the worst slice).
    #[serde(default)]
    pub(crate) min: Option<f64>,
    /// Every measured slice's value must be at most this.
    #[serde(default)]
    pub(crate) max: Option<f64>,
    /// Largest allowed difference between the best and the worst slice of a slicing.
    #[serde(default)]
    pub(crate) max_gap: Option<f64>,
    /// Largest allowed regression against the champion on each slice.
    #[serde(default)]
    pub(crate) max_regression: Option<f64>,
    /// Non-inferiority to the champion on each slice.
    #[serde(default)]
    pub(crate) non_inferior: Option<Margin>,
}

impl SliceRule {
    /// Whether a rule applies to each slice (as opposed to the gap).
    pub(crate) fn per_slice(&self) -> bool {
        self.min.is_some()
            || self.max.is_some()
            || self.max_regression.is_some()
            || self.non_inferior.is_some()
    }
}

#[derive(Deserialize, JsonSchema, Clone, Copy)]
#[serde(deny_unknown_fields)]
pub(crate) struct Margin {
    /// δ, in the metric's units (0 asks for the interval to exclude any loss).
    pub(crate) margin: f64,
    /// How the interval is computed. Defaults: `delong` for roc_auc,
    /// `mcnemar` for accuracy, `bootstrap` for every other metric.
    #[serde(default)]
    pub(crate) method: Option<Method>,
}

#[derive(Deserialize, JsonSchema, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Method {
    /// Percentile interval of the seeded paired bootstrap: any metric.
    Bootstrap,
    /// DeLong's variance of the AUC difference (Sun & Xu): roc_auc only, unweighted.
    Delong,
    /// The paired difference of proportions, with McNemar's test: accuracy only, unweighted.
    Mcnemar,
}

impl Method {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Bootstrap => "bootstrap",
            Method::Delong => "delong",
            Method::Mcnemar => "mcnemar",
        }
    }
}

fn default_positive() -> Scalar {
    Scalar::Number(1.0)
}
fn default_threshold() -> f64 {
    0.5
}
fn default_beta() -> f64 {
    1.0
}
fn default_ece_bins() -> u32 {
    10
}
fn default_top_k() -> u32 {
    3
}
fn default_min_slice_size() -> u64 {
    100
}
fn default_confidence() -> f64 {
    0.95
}
fn default_resamples() -> u32 {
    1000
}
