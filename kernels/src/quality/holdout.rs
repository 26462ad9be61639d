//! A holdout table as the quality kernels see it: the label, the
//! candidate's (and optionally the champion's) predictions, weights and
//! slicing columns, read from Arrow once, then measured overall and per
//! slice, with the paired statistics where a champion is present.
//!
//! Rows with a null label are left out and counted. A null, NaN or
//! infinite score, a negative or non-finite weight, or a label the task
//! cannot read is an error that names the column: a gate must never
//! measure around bad data.

use std::collections::HashMap;
use std::time::Instant;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};

use super::binary::{self, BinaryMetric, BinaryOptions, BinaryRows, Ranking};
use super::multiclass::{self, MulticlassMetric, MulticlassRows};
use super::paired::{self, Bootstrap, DeLong, McNemar, Stopped};
use super::regression::{self, RegressionMetric, RegressionRows};
use super::{Named, Undefined};
use crate::KernelError;
use crate::confusion::truth;
use crate::views::{numeric_view, text_view};
use mltest_report::metric::canonical;

/// A named column.
pub type Column = (String, ArrayRef);

#[derive(Debug, Clone)]
pub enum Task {
    Binary {
        /// The positive label, as text (compared as a number for numeric labels).
        positive: String,
        options: BinaryOptions,
    },
    Multiclass {
        /// Top-k accuracy's k.
        k: u32,
    },
    Regression,
}

/// One model's predictions.
#[derive(Debug, Clone, Default)]
pub struct Predictions {
    /// Binary: the positive class's score; regression: the prediction.
    pub score: Option<Column>,
    /// Binary or multiclass: the predicted label.
    pub prediction: Option<Column>,
    /// Multiclass: one probability column per class.
    pub probabilities: Vec<(String, Column)>,
}

#[derive(Debug, Clone)]
pub struct BootstrapRequest {
    pub resamples: u32,
    pub seed: u64,
    /// The metrics to resample (names, as in `metrics`).
    pub metrics: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub task: Task,
    pub label: Column,
    pub candidate: Predictions,
    pub champion: Option<Predictions>,
    pub weight: Option<Column>,
    pub metrics: Vec<String>,
    /// Each slicing is one or more columns; their crosses are its slices.
    pub slicings: Vec<Vec<Column>>,
    /// Slices with fewer rows are reported with their size and not measured.
    pub min_slice_size: u64,
    pub bootstrap: Option<BootstrapRequest>,
    /// The paired tests: DeLong (binary, with scores) and McNemar.
    pub tests: bool,
    pub deadline: Option<Instant>,
}

/// A metric's value per model.
pub type Values = Vec<(String, Result<f64, Undefined>)>;

#[derive(Debug, Clone)]
pub struct Slice {
    /// (column, value) per slicing column; empty for all rows.
    pub key: Vec<(String, Option<String>)>,
    pub rows: u64,
    pub weight: f64,
    /// Binary: the weight of positive rows.
    pub positives: Option<f64>,
    /// Whether it is below the minimum size (then nothing is measured).
    pub too_small: bool,
    pub candidate: Values,
    pub champion: Option<Values>,
    pub bootstrap: Vec<(String, Bootstrap)>,
    pub delong: Option<Result<DeLong, Undefined>>,
    pub mcnemar: Option<Result<McNemar, Undefined>>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub slices: Vec<Slice>,
    /// Multiclass: the classes, in index order.
    pub classes: Vec<String>,
    /// Rows left out because the label is null.
    pub unlabelled: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum HoldoutError {
    #[error("{0}")]
    Data(String),
    #[error(transparent)]
    Stopped(#[from] Stopped),
}

impl From<KernelError> for HoldoutError {
    fn from(e: KernelError) -> Self {
        HoldoutError::Data(e.0)
    }
}

fn data<T>(message: String) -> Result<T, HoldoutError> {
    Err(HoldoutError::Data(message))
}

/// The task's metrics, resolved from their names.
#[derive(Debug, Clone)]
enum Wanted {
    Binary(Vec<BinaryMetric>),
    Multiclass(Vec<MulticlassMetric>),
    Regression(Vec<RegressionMetric>),
}

fn resolve<M: Named>(names: &[String], task: &str) -> Result<Vec<M>, HoldoutError> {
    names
        .iter()
        .map(|n| {
            M::parse(canonical(n)).ok_or_else(|| {
                let known: Vec<&str> = M::ALL.iter().map(|m| m.name()).collect();
                HoldoutError::Data(format!(
                    "unknown {task} metric `{n}`; known: {}",
                    known.join(", ")
                ))
            })
        })
        .collect()
}

impl Wanted {
    fn new(task: &Task, names: &[String]) -> Result<Wanted, HoldoutError> {
        Ok(match task {
            Task::Binary { .. } => Wanted::Binary(resolve(names, "binary")?),
            Task::Multiclass { .. } => Wanted::Multiclass(resolve(names, "multiclass")?),
            Task::Regression => Wanted::Regression(resolve(names, "regression")?),
        })
    }
    fn names(&self) -> Vec<String> {
        fn names<M: Named>(m: &[M]) -> Vec<String> {
            m.iter().map(|m| m.name().to_string()).collect()
        }
        match self {
            Wanted::Binary(m) => names(m),
            Wanted::Multiclass(m) => names(m),
            Wanted::Regression(m) => names(m),
        }
    }
    fn len(&self) -> usize {
        match self {
            Wanted::Binary(m) => m.len(),
            Wanted::Multiclass(m) => m.len(),
            Wanted::Regression(m) => m.len(),
        }
    }
}

/// One model's predictions, decoded.
enum Model {
    /// Binary score or regression prediction, with its sort.
    Scores { values: Vec<f64>, ranking: Ranking },
    Classes {
        prediction: Vec<u32>,
        probabilities: Option<Vec<Vec<f64>>>,
    },
}

enum Truth {
    Binary(Vec<bool>),
    Classes(Vec<u32>),
    Values(Vec<f64>),
}

struct Decoded {
    truth: Truth,
    candidate: Model,
    champion: Option<Model>,
    weight: Option<Vec<f64>>,
    /// Rows with a label, ascending.
    labelled: Vec<u32>,
    classes: Vec<String>,
}

/// Finite f64 values of a numeric column, or an error naming it; rows not
/// in `labelled` may hold anything (they are never read).
fn finite(column: &Column, labelled: &[u32], what: &str) -> Result<Vec<f64>, HoldoutError> {
    let (name, array) = column;
    let Some(values) = numeric_view(array.as_ref())? else {
        return data(format!(
            "column `{name}`: a {what} must be numeric, not {}",
            array.data_type()
        ));
    };
    let mut bad = (0u64, None);
    for &row in labelled {
        let r = row as usize;
        if values.is_null(r) || !values.value(r).is_finite() {
            bad.0 += 1;
            bad.1.get_or_insert(r);
        }
    }
    if let (count @ 1.., Some(first)) = bad {
        let v = if values.is_null(first) {
            "null".to_string()
        } else {
            values.value(first).to_string()
        };
        return data(format!(
            "column `{name}`: {count} {what} value(s) are null, NaN or infinite (first at row {first}: {v})"
        ));
    }
    Ok(plain(values))
}

fn plain(values: Float64Array) -> Vec<f64> {
    let (_, buffer, _) = values.into_parts();
    buffer.to_vec()
}

/// Class labels as text, sorted as scikit-learn sorts them: numerically
/// when every label is a number.
fn sort_classes(classes: &mut [String]) {
    let numbers: Option<Vec<f64>> = classes.iter().map(|c| c.parse::<f64>().ok()).collect();
    if numbers.is_some() {
        classes.sort_by(|a, b| {
            a.parse::<f64>()
                .unwrap()
                .total_cmp(&b.parse::<f64>().unwrap())
        });
    } else {
        classes.sort();
    }
}

fn texts(column: &Column) -> Result<ArrayRef, HoldoutError> {
    Ok(text_view(column.1.as_ref())?)
}

fn decode(request: &Request) -> Result<Decoded, HoldoutError> {
    let (label_name, label) = &request.label;
    let rows = label.len();
    let all: Vec<&Column> = [Some(&request.label), request.weight.as_ref()]
        .into_iter()
        .flatten()
        .chain(model_columns(&request.candidate))
        .chain(request.champion.iter().flat_map(model_columns))
        .chain(request.slicings.iter().flatten())
        .collect();
    if let Some((name, a)) = all.iter().find(|(_, a)| a.len() != rows) {
        return data(format!(
            "column `{name}` has {} rows, the label `{label_name}` {rows}",
            a.len()
        ));
    }
    if rows > u32::MAX as usize {
        return data(format!(
            "{rows} rows is more than a holdout may have (2³² − 1)"
        ));
    }
    let labelled: Vec<u32> = (0..rows as u32)
        .filter(|&r| label.is_valid(r as usize))
        .collect();
    let weight = match &request.weight {
        None => None,
        Some(column) => {
            let w = finite(column, &labelled, "weight")?;
            if let Some(&r) = labelled.iter().find(|&&r| w[r as usize] < 0.0) {
                return data(format!(
                    "column `{}`: weights must not be negative (row {r}: {})",
                    column.0, w[r as usize]
                ));
            }
            Some(w)
        }
    };
    let mut classes = Vec::new();
    let (truth, candidate, champion) = match &request.task {
        Task::Binary { positive, .. } => {
            let t = truth(label.as_ref(), positive, None)
                .map_err(|e| HoldoutError::Data(format!("column `{label_name}`: {e}")))?;
            if let Some(&r) = labelled.iter().find(|&&r| t[r as usize].is_none()) {
                return data(format!(
                    "column `{label_name}`: the label is NaN at row {r}"
                ));
            }
            let t: Vec<bool> = t.into_iter().map(|v| v == Some(true)).collect();
            let model = |p: &Predictions| binary_model(p, positive, &labelled);
            (
                Truth::Binary(t),
                model(&request.candidate)?,
                request.champion.as_ref().map(model).transpose()?,
            )
        }
        Task::Regression => {
            let t = finite(&request.label, &labelled, "label")?;
            let model = |p: &Predictions| -> Result<Model, HoldoutError> {
                let Some(score) = p.score.as_ref().or(p.prediction.as_ref()) else {
                    return data("a regression model needs a prediction column".into());
                };
                let values = finite(score, &labelled, "prediction")?;
                let errors: Vec<f64> = values.iter().zip(&t).map(|(p, y)| (p - y).abs()).collect();
                Ok(Model::Scores {
                    ranking: Ranking::new(&errors),
                    values,
                })
            };
            let (candidate, champion) = (
                model(&request.candidate)?,
                request.champion.as_ref().map(model).transpose()?,
            );
            (Truth::Values(t), candidate, champion)
        }
        Task::Multiclass { .. } => {
            let label_text = texts(&request.label)?;
            let label_text = label_text.as_string::<i32>();
            let models: Vec<&Predictions> = std::iter::once(&request.candidate)
                .chain(request.champion.as_ref())
                .collect();
            let given: Vec<Vec<String>> = models
                .iter()
                .filter(|m| !m.probabilities.is_empty())
                .map(|m| m.probabilities.iter().map(|(c, _)| c.clone()).collect())
                .collect();
            if let Some(first) = given.first() {
                classes = first.clone();
                sort_classes(&mut classes);
                if given.iter().any(|g| {
                    let mut g = g.clone();
                    sort_classes(&mut g);
                    g != classes
                }) {
                    return data(
                        "candidate and champion give probabilities for different classes".into(),
                    );
                }
            } else {
                let mut seen: Vec<String> = labelled
                    .iter()
                    .map(|&r| label_text.value(r as usize).to_string())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                for m in &models {
                    if let Some(p) = &m.prediction {
                        let t = texts(p)?;
                        let t = t.as_string::<i32>();
                        seen.extend(
                            labelled
                                .iter()
                                .filter(|&&r| t.is_valid(r as usize))
                                .map(|&r| t.value(r as usize).to_string()),
                        );
                    }
                }
                seen.sort();
                seen.dedup();
                sort_classes(&mut seen);
                classes = seen;
            }
            let index: HashMap<&str, u32> = classes
                .iter()
                .enumerate()
                .map(|(i, c)| (c.as_str(), i as u32))
                .collect();
            let mut t = vec![0u32; rows];
            for &r in &labelled {
                let v = label_text.value(r as usize);
                t[r as usize] = *index.get(v).ok_or_else(|| {
                    HoldoutError::Data(format!(
                        "column `{label_name}`: label `{v}` (row {r}) has no probability column"
                    ))
                })?;
            }
            let model = |p: &Predictions| multiclass_model(p, &classes, &index, &labelled, rows);
            (
                Truth::Classes(t),
                model(&request.candidate)?,
                request.champion.as_ref().map(model).transpose()?,
            )
        }
    };
    Ok(Decoded {
        truth,
        candidate,
        champion,
        weight,
        labelled,
        classes,
    })
}

fn model_columns(p: &Predictions) -> impl Iterator<Item = &Column> {
    p.score
        .iter()
        .chain(p.prediction.iter())
        .chain(p.probabilities.iter().map(|(_, c)| c))
}

fn binary_model(p: &Predictions, positive: &str, labelled: &[u32]) -> Result<Model, HoldoutError> {
    let values = match (&p.score, &p.prediction) {
        (Some(score), _) => finite(score, labelled, "score")?,
        // A hard prediction scores 1 for the positive label, else 0.
        (None, Some((name, array))) => {
            let predicted = truth(array.as_ref(), positive, None)
                .map_err(|e| HoldoutError::Data(format!("column `{name}`: {e}")))?;
            if let Some(&r) = labelled.iter().find(|&&r| predicted[r as usize].is_none()) {
                return data(format!(
                    "column `{name}`: the prediction is null at row {r}"
                ));
            }
            predicted
                .into_iter()
                .map(|v| if v == Some(true) { 1.0 } else { 0.0 })
                .collect()
        }
        (None, None) => return data("a binary model needs a score or a prediction column".into()),
    };
    Ok(Model::Scores {
        ranking: Ranking::new(&values),
        values,
    })
}

fn multiclass_model(
    p: &Predictions,
    classes: &[String],
    index: &HashMap<&str, u32>,
    labelled: &[u32],
    rows: usize,
) -> Result<Model, HoldoutError> {
    let probabilities = if p.probabilities.is_empty() {
        None
    } else {
        let by_class: HashMap<&str, &Column> = p
            .probabilities
            .iter()
            .map(|(c, col)| (c.as_str(), col))
            .collect();
        Some(
            classes
                .iter()
                .map(|c| finite(by_class[c.as_str()], labelled, "probability"))
                .collect::<Result<Vec<_>, _>>()?,
        )
    };
    let prediction = match (&p.prediction, &probabilities) {
        (Some(column), _) => {
            let t = texts(column)?;
            let t = t.as_string::<i32>();
            let mut out = vec![0u32; rows];
            for &r in labelled {
                let r = r as usize;
                if t.is_null(r) {
                    return data(format!(
                        "column `{}`: the prediction is null at row {r}",
                        column.0
                    ));
                }
                out[r] = *index.get(t.value(r)).ok_or_else(|| {
                    HoldoutError::Data(format!(
                        "column `{}`: predicted class `{}` (row {r}) is not one of the classes",
                        column.0,
                        t.value(r)
                    ))
                })?;
            }
            out
        }
        (None, Some(proba)) => (0..rows)
            .map(|r| multiclass::argmax(proba.iter().map(|c| c[r])))
            .collect(),
        (None, None) => {
            return data(
                "a multiclass model needs a prediction column or probability columns".into(),
            );
        }
    };
    Ok(Model::Classes {
        prediction,
        probabilities,
    })
}

/// The slices of one slicing: key and rows (ascending), sorted by key.
type Slicing = Vec<(Vec<(String, Option<String>)>, Vec<u32>)>;

fn slices(columns: &[Column], labelled: &[u32]) -> Result<Slicing, HoldoutError> {
    let text: Vec<ArrayRef> = columns.iter().map(texts).collect::<Result<_, _>>()?;
    let mut groups: HashMap<Vec<Option<&str>>, Vec<u32>> = HashMap::new();
    for &r in labelled {
        let key: Vec<Option<&str>> = text
            .iter()
            .map(|t| {
                let t = t.as_string::<i32>();
                t.is_valid(r as usize).then(|| t.value(r as usize))
            })
            .collect();
        groups.entry(key).or_default().push(r);
    }
    let mut out: Slicing = groups
        .into_iter()
        .map(|(key, rows)| {
            let key = key
                .into_iter()
                .zip(columns)
                .map(|(v, (name, _))| (name.clone(), v.map(str::to_string)))
                .collect();
            (key, rows)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

impl Decoded {
    /// One model's metrics on a slice's rows in `order` (the model's
    /// [`Model::order`]) with these weights.
    fn measure(
        &self,
        model: &Model,
        order: &[u32],
        weight: Option<&[f64]>,
        task: &Task,
        wanted: &Wanted,
    ) -> Vec<Result<f64, Undefined>> {
        match (model, &self.truth, wanted) {
            (Model::Scores { values, .. }, Truth::Binary(t), Wanted::Binary(m)) => {
                let Task::Binary { options, .. } = task else {
                    unreachable!("binary truth comes from a binary task")
                };
                let rows = BinaryRows {
                    truth: t,
                    score: values,
                    weight,
                };
                binary::evaluate(&rows, order, options, m)
            }
            (Model::Scores { values, .. }, Truth::Values(t), Wanted::Regression(m)) => {
                let rows = RegressionRows {
                    truth: t,
                    prediction: values,
                    weight,
                };
                regression::evaluate(&rows, order, m)
            }
            (
                Model::Classes {
                    prediction,
                    probabilities,
                },
                Truth::Classes(t),
                Wanted::Multiclass(m),
            ) => {
                let Task::Multiclass { k } = task else {
                    unreachable!("class truth comes from a multiclass task")
                };
                let rows_ = MulticlassRows {
                    classes: self.classes.len(),
                    truth: t,
                    prediction,
                    probabilities: probabilities.as_deref(),
                    weight,
                };
                multiclass::evaluate(&rows_, order, *k, m)
            }
            _ => unreachable!("models are decoded for their task"),
        }
    }

    /// Whether each row is predicted right (McNemar), by model.
    fn right(&self, model: &Model, row: usize, task: &Task) -> bool {
        match (model, &self.truth, task) {
            (Model::Scores { values, .. }, Truth::Binary(t), Task::Binary { options, .. }) => {
                (values[row] >= options.threshold) == t[row]
            }
            (Model::Classes { prediction, .. }, Truth::Classes(t), _) => prediction[row] == t[row],
            _ => false,
        }
    }
}

impl Model {
    /// The slice's rows in the order the model's metrics read them: for
    /// scores, the global sort filtered (never a second sort).
    fn order(&self, rows: &[u32], member: &[bool]) -> Vec<u32> {
        match self {
            Model::Scores { ranking, .. } if rows.len() == member.len() => ranking.order().to_vec(),
            Model::Scores { ranking, .. } => ranking.restrict(|r| member[r as usize]),
            Model::Classes { .. } => rows.to_vec(),
        }
    }
}

/// A slice laid out for resampling. The bootstrap's weights are the
/// slice's own (row j of the slice at index j); binary scores are copied in
/// each model's rank order, so a resample reads label and score in sequence
/// and only gathers its weights (random reads of a million-row table's
/// columns would miss the cache on every row).
struct Layout<'a> {
    decoded: &'a Decoded,
    rows: &'a [u32],
    /// The table's row count.
    len: usize,
    identity: &'a [u32],
    task: &'a Task,
    wanted: &'a Wanted,
}

thread_local! {
    /// Each bootstrap thread's table-indexed weights for tasks that read
    /// by table row (multiclass, regression).
    static TABLE_WEIGHTS: std::cell::RefCell<Vec<f64>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// One model's data for the bootstrap.
enum Resampler<'a> {
    /// Binary scores: label and score by rank, and each rank's slice index.
    Ranked {
        truth: Vec<bool>,
        score: Vec<f64>,
        local: Vec<u32>,
    },
    /// Any other task: the weights go back to table rows.
    Rows { model: &'a Model, order: &'a [u32] },
}

impl<'a> Layout<'a> {
    fn resampler(&self, model: &'a Model, order: &'a [u32], position: &[u32]) -> Resampler<'a> {
        match (model, &self.decoded.truth, self.wanted) {
            (Model::Scores { values, .. }, Truth::Binary(t), Wanted::Binary(_)) => {
                Resampler::Ranked {
                    truth: order.iter().map(|&r| t[r as usize]).collect(),
                    score: order.iter().map(|&r| values[r as usize]).collect(),
                    local: order.iter().map(|&r| position[r as usize]).collect(),
                }
            }
            _ => Resampler::Rows { model, order },
        }
    }

    /// The model's metrics on the slice with these slice-indexed weights.
    fn measure(&self, resampler: &Resampler<'_>, w: &[f64]) -> Vec<Result<f64, Undefined>> {
        match (resampler, self.task, self.wanted) {
            (
                Resampler::Ranked {
                    truth,
                    score,
                    local,
                },
                Task::Binary { options, .. },
                Wanted::Binary(m),
            ) => {
                let weight: Vec<f64> = local.iter().map(|&j| w[j as usize]).collect();
                let rows = BinaryRows {
                    truth,
                    score,
                    weight: Some(&weight),
                };
                binary::evaluate(&rows, self.identity, options, m)
            }
            (Resampler::Rows { model, order }, ..) => TABLE_WEIGHTS.with_borrow_mut(|full| {
                // Zero outside this slice's rows between calls, so only
                // they are written and reset: no table-length fill per resample.
                full.resize(self.len, 0.0);
                for (&r, &w) in self.rows.iter().zip(w) {
                    full[r as usize] = w;
                }
                let out = self
                    .decoded
                    .measure(model, order, Some(full), self.task, self.wanted);
                for &r in self.rows {
                    full[r as usize] = 0.0;
                }
                out
            }),
            _ => unreachable!("ranked resamplers are made for binary tasks"),
        }
    }
}

/// Measures the holdout overall and per slice.
pub fn evaluate(request: &Request) -> Result<Report, HoldoutError> {
    let wanted = Wanted::new(&request.task, &request.metrics)?;
    let resampled = match &request.bootstrap {
        Some(b) if request.champion.is_some() => Some(Wanted::new(&request.task, &b.metrics)?),
        _ => None,
    };
    let decoded = decode(request)?;
    let rows = request.label.1.len();
    let mut all: Slicing = vec![(Vec::new(), decoded.labelled.clone())];
    for slicing in &request.slicings {
        all.extend(slices(slicing, &decoded.labelled)?);
    }
    let mut out = Vec::with_capacity(all.len());
    let mut member = vec![false; rows];
    for (key, slice_rows) in all {
        for &r in &slice_rows {
            member[r as usize] = true;
        }
        let weight = decoded.weight.as_deref();
        let total = slice_rows
            .iter()
            .map(|&r| weight.map_or(1.0, |w| w[r as usize]))
            .sum::<f64>();
        let positives = match &decoded.truth {
            Truth::Binary(t) => Some(
                slice_rows
                    .iter()
                    .filter(|&&r| t[r as usize])
                    .map(|&r| weight.map_or(1.0, |w| w[r as usize]))
                    .sum::<f64>(),
            ),
            _ => None,
        };
        let too_small = (slice_rows.len() as u64) < request.min_slice_size.max(1);
        let mut slice = Slice {
            key,
            rows: slice_rows.len() as u64,
            weight: total,
            positives,
            too_small,
            candidate: Vec::new(),
            champion: None,
            bootstrap: Vec::new(),
            delong: None,
            mcnemar: None,
        };
        if !too_small {
            measure_slice(
                request,
                &decoded,
                &wanted,
                resampled.as_ref(),
                &slice_rows,
                &member,
                &mut slice,
            )?;
        }
        for &r in &slice_rows {
            member[r as usize] = false;
        }
        out.push(slice);
    }
    Ok(Report {
        slices: out,
        classes: decoded.classes,
        unlabelled: (rows - decoded.labelled.len()) as u64,
    })
}

fn measure_slice(
    request: &Request,
    decoded: &Decoded,
    wanted: &Wanted,
    resampled: Option<&Wanted>,
    rows: &[u32],
    member: &[bool],
    slice: &mut Slice,
) -> Result<(), HoldoutError> {
    let task = &request.task;
    let weight = decoded.weight.as_deref();
    let names = wanted.names();
    let values = |model: &Model, order: &[u32]| {
        names
            .iter()
            .cloned()
            .zip(decoded.measure(model, order, weight, task, wanted))
            .collect::<Values>()
    };
    let candidate_order = decoded.candidate.order(rows, member);
    slice.candidate = values(&decoded.candidate, &candidate_order);
    let Some(champion) = &decoded.champion else {
        return Ok(());
    };
    let champion_order = champion.order(rows, member);
    slice.champion = Some(values(champion, &champion_order));
    if let (Some(b), Some(resampled)) = (&request.bootstrap, resampled) {
        let local_weight: Option<Vec<f64>> =
            weight.map(|w| rows.iter().map(|&r| w[r as usize]).collect());
        let mut position = vec![0u32; member.len()];
        for (j, &r) in rows.iter().enumerate() {
            position[r as usize] = j as u32;
        }
        let identity: Vec<u32> = (0..rows.len() as u32).collect();
        let layout = Layout {
            decoded,
            rows,
            len: member.len(),
            identity: &identity,
            task,
            wanted: resampled,
        };
        let candidate = layout.resampler(&decoded.candidate, &candidate_order, &position);
        let champion_ = layout.resampler(champion, &champion_order, &position);
        drop(position);
        let draws = paired::bootstrap(
            rows.len(),
            local_weight.as_deref(),
            b.resamples,
            b.seed,
            resampled.len(),
            request.deadline,
            |w| {
                let candidate = layout.measure(&candidate, w);
                let champion = layout.measure(&champion_, w);
                candidate
                    .into_iter()
                    .zip(champion)
                    .map(|(b, a)| Some(b.ok()? - a.ok()?))
                    .collect()
            },
        )?;
        slice.bootstrap = resampled.names().into_iter().zip(draws).collect();
    }
    if request.tests {
        if let (
            Truth::Binary(t),
            Model::Scores { values: a, .. },
            Model::Scores { values: b, .. },
        ) = (&decoded.truth, champion, &decoded.candidate)
        {
            slice.delong = Some(if weight.is_some() {
                Err(Undefined(
                    "DeLong's test is unweighted, and this holdout has weights".into(),
                ))
            } else {
                paired::delong(t, (a, &champion_order), (b, &candidate_order))
            });
        }
        if !matches!(decoded.truth, Truth::Values(_)) {
            slice.mcnemar = Some(if weight.is_some() {
                Err(Undefined(
                    "McNemar's test counts rows, and this holdout has weights".into(),
                ))
            } else {
                Ok(paired::mcnemar(rows.iter().map(|&r| {
                    let r = r as usize;
                    (
                        decoded.right(champion, r, task),
                        decoded.right(&decoded.candidate, r, task),
                    )
                })))
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, StringArray};
    use std::sync::Arc;

    fn col(name: &str, a: impl Array + 'static) -> Column {
        (name.to_string(), Arc::new(a))
    }

    fn request(label: Column, score: Column) -> Request {
        Request {
            task: Task::Binary {
                positive: "bad".into(),
                options: BinaryOptions::default(),
            },
            label,
            candidate: Predictions {
                score: Some(score),
                ..Predictions::default()
            },
            champion: None,
            weight: None,
            metrics: vec!["auc".into(), "accuracy".into()],
            slicings: Vec::new(),
            min_slice_size: 1,
            bootstrap: None,
            tests: false,
            deadline: None,
        }
    }

    /// A slice's bootstrap (ranked layout, slice-indexed weights) is the
    /// bootstrap of the slice as a table of its own, resample for resample.
    #[test]
    fn a_slices_bootstrap_is_the_bootstrap_of_that_slice_alone() {
        let n = 300;
        let unit = |i: usize, k: f64| ((i as f64 * k).sin() + 1.0) / 2.0;
        let truth: Vec<bool> = (0..n).map(|i| unit(i, 7.3) < 0.45).collect();
        // Rounded, so both models have ties.
        let cand: Vec<f64> = (0..n)
            .map(|i| {
                ((unit(i, 1.7) + if truth[i] { 0.2 } else { 0.0 }).min(1.0) * 20.0).round() / 20.0
            })
            .collect();
        let champ: Vec<f64> = (0..n)
            .map(|i| (unit(i, 2.9) * 50.0).round() / 50.0)
            .collect();
        let region: Vec<&str> = (0..n).map(|i| if i % 3 == 0 { "a" } else { "b" }).collect();
        let mut r = request(
            col(
                "y",
                StringArray::from(
                    truth
                        .iter()
                        .map(|&t| if t { "bad" } else { "good" })
                        .collect::<Vec<_>>(),
                ),
            ),
            col("p", Float64Array::from(cand.clone())),
        );
        r.champion = Some(Predictions {
            score: Some(col("q", Float64Array::from(champ.clone()))),
            ..Predictions::default()
        });
        r.slicings = vec![vec![col("region", StringArray::from(region.clone()))]];
        r.bootstrap = Some(BootstrapRequest {
            resamples: 40,
            seed: 11,
            metrics: vec!["roc_auc".into(), "log_loss".into()],
        });
        let report = evaluate(&r).unwrap();
        let options = BinaryOptions::default();
        let wanted = [BinaryMetric::RocAuc, BinaryMetric::LogLoss];
        for slice in &report.slices {
            let keep: Vec<usize> = (0..n)
                .filter(|&i| slice.key.is_empty() || slice.key[0].1.as_deref() == Some(region[i]))
                .collect();
            let t: Vec<bool> = keep.iter().map(|&i| truth[i]).collect();
            let a: Vec<f64> = keep.iter().map(|&i| champ[i]).collect();
            let b: Vec<f64> = keep.iter().map(|&i| cand[i]).collect();
            let (ra, rb) = (Ranking::new(&a), Ranking::new(&b));
            let expected = paired::bootstrap(keep.len(), None, 40, 11, 2, None, |w| {
                let on = |score: &[f64], rank: &Ranking| {
                    let rows = BinaryRows {
                        truth: &t,
                        score,
                        weight: Some(w),
                    };
                    binary::evaluate(&rows, rank.order(), &options, &wanted)
                };
                on(&b, &rb)
                    .into_iter()
                    .zip(on(&a, &ra))
                    .map(|(b, a)| Some(b.ok()? - a.ok()?))
                    .collect()
            })
            .unwrap();
            let got: Vec<Bootstrap> = slice.bootstrap.iter().map(|(_, b)| b.clone()).collect();
            assert_eq!(got, expected, "slice {:?}", slice.key);
        }
        assert_eq!(report.slices.len(), 3);
    }

    /// The same for a task that reads by table row (regression): a slice's
    /// bootstrap is that of a table holding only the slice's rows.
    #[test]
    fn a_regression_slices_bootstrap_is_that_of_the_slice_alone() {
        let n = 120;
        let y: Vec<f64> = (0..n).map(|i| (i as f64 * 0.7).sin() * 3.0).collect();
        let p: Vec<f64> = (0..n).map(|i| y[i] + (i as f64 * 1.3).cos()).collect();
        let q: Vec<f64> = (0..n)
            .map(|i| y[i] + (i as f64 * 2.1).sin() * 1.5)
            .collect();
        let region: Vec<&str> = (0..n).map(|i| if i % 4 == 0 { "a" } else { "b" }).collect();
        let request = |keep: &[usize], slicing: bool| {
            let pick =
                |v: &[f64]| Float64Array::from(keep.iter().map(|&i| v[i]).collect::<Vec<_>>());
            let mut r = request(col("y", pick(&y)), col("p", pick(&p)));
            r.task = Task::Regression;
            r.metrics = vec!["rmse".into()];
            r.champion = Some(Predictions {
                score: Some(col("q", pick(&q))),
                ..Predictions::default()
            });
            if slicing {
                let regions: Vec<&str> = keep.iter().map(|&i| region[i]).collect();
                r.slicings = vec![vec![col("region", StringArray::from(regions))]];
            }
            r.bootstrap = Some(BootstrapRequest {
                resamples: 30,
                seed: 5,
                metrics: vec!["rmse".into(), "median_absolute_error".into()],
            });
            r
        };
        let all: Vec<usize> = (0..n).collect();
        let report = evaluate(&request(&all, true)).unwrap();
        assert_eq!(report.slices.len(), 3);
        for slice in &report.slices[1..] {
            let keep: Vec<usize> = all
                .iter()
                .copied()
                .filter(|&i| slice.key[0].1.as_deref() == Some(region[i]))
                .collect();
            let alone = evaluate(&request(&keep, false)).unwrap();
            assert_eq!(
                slice.bootstrap, alone.slices[0].bootstrap,
                "{:?}",
                slice.key
            );
            assert_eq!(slice.bootstrap[0].1.differences.len(), 30);
        }
    }

    #[test]
    fn nan_scores_name_the_column_and_the_row() {
        let r = request(
            col("y", StringArray::from(vec!["bad", "good", "bad"])),
            col("p", Float64Array::from(vec![0.3, f64::NAN, 0.9])),
        );
        let e = evaluate(&r).unwrap_err().to_string();
        assert_eq!(
            e,
            "column `p`: 1 score value(s) are null, NaN or infinite (first at row 1: NaN)"
        );
    }

    #[test]
    fn string_labels_with_a_positive_label_and_small_slices_reported() {
        let mut r = request(
            col(
                "y",
                StringArray::from(vec![
                    Some("bad"),
                    Some("good"),
                    Some("bad"),
                    None,
                    Some("good"),
                ]),
            ),
            col("p", Float64Array::from(vec![0.8, 0.3, 0.4, f64::NAN, 0.6])),
        );
        r.slicings = vec![vec![col(
            "region",
            StringArray::from(vec!["n", "n", "n", "s", "s"]),
        )]];
        r.min_slice_size = 2;
        let report = evaluate(&r).unwrap();
        assert_eq!(report.unlabelled, 1);
        let all = &report.slices[0];
        assert_eq!((all.rows, all.positives), (4, Some(2.0)));
        // Positives 0.8, 0.4 against negatives 0.3, 0.6: 3 of 4 pairs ordered.
        assert_eq!(all.candidate[0].1, Ok(0.75));
        let south = &report.slices[2];
        assert_eq!(
            south.key,
            vec![("region".to_string(), Some("s".to_string()))]
        );
        assert!(south.too_small && south.candidate.is_empty());
        assert!(!report.slices[1].too_small);
    }

    #[test]
    fn unknown_metrics_list_the_known_ones() {
        let mut r = request(
            col("y", StringArray::from(vec!["bad"])),
            col("p", Float64Array::from(vec![0.5])),
        );
        r.metrics = vec!["rmse".into()];
        let e = evaluate(&r).unwrap_err().to_string();
        assert!(
            e.starts_with("unknown binary metric `rmse`; known: accuracy, "),
            "{e}"
        );
    }
}
