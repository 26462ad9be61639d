//! Multiclass metrics from class indices (and optionally one probability
//! column per class), as scikit-learn defines them with `labels` set to
//! every class and `zero_division=0`.
//!
//! Top-k accuracy breaks ties among scores as `top_k_accuracy_score` does
//! (a stable ascending sort, reversed): a tied class with a larger index
//! ranks first. Log loss clips to [ε, 1 − ε] and does not renormalise rows.

use super::binary::Sum;
use super::{Named, Undefined, ratio, undefined};

/// A multiclass task's rows: class indices into the task's class list.
#[derive(Debug, Clone, Copy)]
pub struct MulticlassRows<'a> {
    pub classes: usize,
    pub truth: &'a [u32],
    pub prediction: &'a [u32],
    /// One column per class, when the model gives probabilities.
    pub probabilities: Option<&'a [Vec<f64>]>,
    pub weight: Option<&'a [f64]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MulticlassMetric {
    Accuracy,
    PrecisionMacro,
    RecallMacro,
    F1Macro,
    PrecisionMicro,
    RecallMicro,
    F1Micro,
    PrecisionWeighted,
    RecallWeighted,
    F1Weighted,
    LogLoss,
    TopKAccuracy,
}

impl Named for MulticlassMetric {
    const ALL: &'static [Self] = &[
        Self::Accuracy,
        Self::PrecisionMacro,
        Self::RecallMacro,
        Self::F1Macro,
        Self::PrecisionMicro,
        Self::RecallMicro,
        Self::F1Micro,
        Self::PrecisionWeighted,
        Self::RecallWeighted,
        Self::F1Weighted,
        Self::LogLoss,
        Self::TopKAccuracy,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
            Self::PrecisionMacro => "precision_macro",
            Self::RecallMacro => "recall_macro",
            Self::F1Macro => "f1_macro",
            Self::PrecisionMicro => "precision_micro",
            Self::RecallMicro => "recall_micro",
            Self::F1Micro => "f1_micro",
            Self::PrecisionWeighted => "precision_weighted",
            Self::RecallWeighted => "recall_weighted",
            Self::F1Weighted => "f1_weighted",
            Self::LogLoss => "log_loss",
            Self::TopKAccuracy => "top_k_accuracy",
        }
    }

    fn greater_is_better(self) -> bool {
        self != Self::LogLoss
    }
}

impl MulticlassMetric {
    fn probabilistic(self) -> bool {
        matches!(self, Self::LogLoss | Self::TopKAccuracy)
    }
}

/// The index of the first largest value (`numpy.argmax`).
pub fn argmax(values: impl Iterator<Item = f64>) -> u32 {
    let mut best = (0, f64::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 || i == 0 {
            best = (i, v);
        }
    }
    best.0 as u32
}

/// Every wanted metric over the rows in `order`; `k` is top-k's k.
pub fn evaluate(
    rows: &MulticlassRows<'_>,
    order: &[u32],
    k: u32,
    wanted: &[MulticlassMetric],
) -> Vec<Result<f64, Undefined>> {
    let c = rows.classes;
    let probabilistic = wanted.iter().any(|m| m.probabilistic());
    let (mut tp, mut predicted, mut actual) = (
        vec![Sum::default(); c],
        vec![Sum::default(); c],
        vec![Sum::default(); c],
    );
    let (mut total, mut correct, mut log_loss, mut top_k) = (
        Sum::default(),
        Sum::default(),
        Sum::default(),
        Sum::default(),
    );
    let mut in_unit_interval = true;
    for &row in order {
        let i = row as usize;
        let w = rows.weight.map_or(1.0, |w| w[i]);
        let (t, p) = (rows.truth[i] as usize, rows.prediction[i] as usize);
        total.add(w);
        actual[t].add(w);
        predicted[p].add(w);
        if t == p {
            tp[t].add(w);
            correct.add(w);
        }
        if let (true, Some(proba)) = (probabilistic, rows.probabilities) {
            let own = proba[t][i];
            if proba.iter().any(|col| !(0.0..=1.0).contains(&col[i])) {
                in_unit_interval = false;
            }
            log_loss.add(w * -own.clamp(f64::EPSILON, 1.0 - f64::EPSILON).ln());
            let rank = (0..c)
                .filter(|&j| {
                    let s = proba[j][i];
                    s > own || (s == own && j > t)
                })
                .count();
            if rank < k as usize {
                top_k.add(w);
            }
        }
    }
    let total = total.get();
    let get = |v: &[Sum]| v.iter().map(Sum::get).collect::<Vec<f64>>();
    let (tp, predicted, actual) = (get(&tp), get(&predicted), get(&actual));
    let precision: Vec<f64> = (0..c).map(|j| ratio(tp[j], predicted[j], 0.0)).collect();
    let recall: Vec<f64> = (0..c).map(|j| ratio(tp[j], actual[j], 0.0)).collect();
    let f1: Vec<f64> = (0..c)
        .map(|j| ratio(2.0 * tp[j], actual[j] + predicted[j], 0.0))
        .collect();
    let macro_ = |v: &[f64]| v.iter().sum::<f64>() / c as f64;
    let support: f64 = actual.iter().sum();
    let weighted = |v: &[f64]| {
        let s: f64 = v.iter().zip(&actual).map(|(v, w)| v * w).sum();
        ratio(s, support, 0.0)
    };
    let (tp_sum, predicted_sum): (f64, f64) = (tp.iter().sum(), predicted.iter().sum());
    wanted
        .iter()
        .map(|&m| {
            if total <= 0.0 {
                return undefined("no rows (or no weight) to measure");
            }
            if m.probabilistic() {
                if rows.probabilities.is_none() {
                    return undefined("needs a probability column per class");
                }
                if !in_unit_interval {
                    return undefined("probabilities outside [0, 1]");
                }
            }
            Ok(match m {
                MulticlassMetric::Accuracy => correct.get() / total,
                MulticlassMetric::PrecisionMacro => macro_(&precision),
                MulticlassMetric::RecallMacro => macro_(&recall),
                MulticlassMetric::F1Macro => macro_(&f1),
                MulticlassMetric::PrecisionMicro => ratio(tp_sum, predicted_sum, 0.0),
                MulticlassMetric::RecallMicro => ratio(tp_sum, support, 0.0),
                MulticlassMetric::F1Micro => ratio(2.0 * tp_sum, support + predicted_sum, 0.0),
                MulticlassMetric::PrecisionWeighted => weighted(&precision),
                MulticlassMetric::RecallWeighted => weighted(&recall),
                MulticlassMetric::F1Weighted => weighted(&f1),
                MulticlassMetric::LogLoss => log_loss.get() / total,
                MulticlassMetric::TopKAccuracy => top_k.get() / total,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argmax_takes_the_first_maximum() {
        assert_eq!(argmax([0.2, 0.4, 0.4].into_iter()), 1);
        assert_eq!(argmax([0.5].into_iter()), 0);
    }
}
