//! Binary classification metrics from a truth column, a score column and
//! optional weights, as scikit-learn defines them.
//!
//! One pass over the rows in descending score order gives every metric:
//! the confusion counts at the threshold, the ROC and precision–recall
//! curves (tied scores form one point, as `_binary_clf_curve` makes them),
//! log loss, the Brier score and the calibration bins. Sums are
//! compensated (Neumaier), so long columns lose no precision.
//!
//! Intentional differences from scikit-learn, each where it would return
//! NaN or raise: ROC AUC with one class present (or no weight on one) is
//! [`Undefined`], as is every metric on rows of zero total weight, and
//! balanced accuracy when no class has weight. Log loss, Brier and ECE on
//! scores outside [0, 1] are [`Undefined`] (scikit-learn raises).

use rayon::slice::ParallelSliceMut;

use super::{Named, Undefined, ratio, undefined};

/// A binary task's rows. `truth[i]` is whether row `i` is the positive class.
#[derive(Debug, Clone, Copy)]
pub struct BinaryRows<'a> {
    pub truth: &'a [bool],
    pub score: &'a [f64],
    pub weight: Option<&'a [f64]>,
}

/// What the threshold metrics and the calibration error are taken at.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BinaryOptions {
    /// A row is predicted positive when its score is at least this.
    pub threshold: f64,
    /// The β of F-beta.
    pub beta: f64,
    /// Equal-width bins over [0, 1] for the expected calibration error.
    pub ece_bins: u32,
}

impl Default for BinaryOptions {
    fn default() -> Self {
        BinaryOptions {
            threshold: 0.5,
            beta: 1.0,
            ece_bins: 10,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BinaryMetric {
    Accuracy,
    BalancedAccuracy,
    Precision,
    Recall,
    F1,
    FBeta,
    Mcc,
    RocAuc,
    AveragePrecision,
    LogLoss,
    Brier,
    Ece,
    /// The confusion matrix at the threshold, as weighted counts.
    Tp,
    Fp,
    Tn,
    Fn,
}

impl Named for BinaryMetric {
    const ALL: &'static [Self] = &[
        Self::Accuracy,
        Self::BalancedAccuracy,
        Self::Precision,
        Self::Recall,
        Self::F1,
        Self::FBeta,
        Self::Mcc,
        Self::RocAuc,
        Self::AveragePrecision,
        Self::LogLoss,
        Self::Brier,
        Self::Ece,
        Self::Tp,
        Self::Fp,
        Self::Tn,
        Self::Fn,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Accuracy => "accuracy",
            Self::BalancedAccuracy => "balanced_accuracy",
            Self::Precision => "precision",
            Self::Recall => "recall",
            Self::F1 => "f1",
            Self::FBeta => "fbeta",
            Self::Mcc => "mcc",
            Self::RocAuc => "roc_auc",
            Self::AveragePrecision => "average_precision",
            Self::LogLoss => "log_loss",
            Self::Brier => "brier",
            Self::Ece => "ece",
            Self::Tp => "tp",
            Self::Fp => "fp",
            Self::Tn => "tn",
            Self::Fn => "fn",
        }
    }

    fn greater_is_better(self) -> bool {
        !matches!(
            self,
            Self::LogLoss | Self::Brier | Self::Ece | Self::Fp | Self::Fn
        )
    }
}

impl BinaryMetric {
    fn ranked(self) -> bool {
        matches!(self, Self::RocAuc | Self::AveragePrecision)
    }
    fn probabilistic(self) -> bool {
        matches!(self, Self::LogLoss | Self::Brier | Self::Ece)
    }
}

/// Rows in descending score order: sorted once per score column, then
/// filtered for each slice. Ties are adjacent, in row order.
#[derive(Debug, Clone)]
pub struct Ranking {
    order: Vec<u32>,
}

/// An order-preserving integer key of a float (NaN excluded by callers).
#[inline]
pub(crate) fn ordered_bits(v: f64) -> u64 {
    let v = if v == 0.0 { 0.0 } else { v };
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

impl Ranking {
    pub fn new(score: &[f64]) -> Ranking {
        let mut keyed: Vec<(u64, u32)> = score
            .iter()
            .enumerate()
            .map(|(row, &s)| (!ordered_bits(s), row as u32))
            .collect();
        keyed.par_sort_unstable();
        Ranking {
            order: keyed.into_iter().map(|(_, row)| row).collect(),
        }
    }

    pub fn order(&self) -> &[u32] {
        &self.order
    }

    /// The rows for which `member` holds, still in score order.
    pub fn restrict(&self, member: impl Fn(u32) -> bool) -> Vec<u32> {
        self.order.iter().copied().filter(|&r| member(r)).collect()
    }
}

/// A compensated (Neumaier) sum: exact to about one rounding whatever the
/// number of terms, so a 10-million-row sum agrees with NumPy's pairwise one.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sum {
    sum: f64,
    carry: f64,
}

impl Sum {
    #[inline]
    pub(crate) fn add(&mut self, v: f64) {
        let t = self.sum + v;
        if self.sum.abs() >= v.abs() {
            self.carry += (self.sum - t) + v;
        } else {
            self.carry += (v - t) + self.sum;
        }
        self.sum = t;
    }
    #[inline]
    pub(crate) fn get(&self) -> f64 {
        self.sum + self.carry
    }
}

/// What one pass gathers.
#[derive(Default)]
struct Pass {
    tp: Sum,
    fp: Sum,
    tn: Sum,
    fn_: Sum,
    positives: Sum,
    negatives: Sum,
    /// Weighted trapezoid area under the unnormalised ROC curve.
    area: Sum,
    /// Σ Δtp · precision over the distinct thresholds.
    ap: Sum,
    log_loss: Sum,
    brier: Sum,
    /// Per calibration bin: weight, Σ w·y, Σ w·p.
    bins: Vec<[Sum; 3]>,
    in_unit_interval: bool,
}

/// Every wanted metric over `order` (rows in descending score order when a
/// ranked metric is wanted; any order otherwise).
pub fn evaluate(
    rows: &BinaryRows<'_>,
    order: &[u32],
    options: &BinaryOptions,
    wanted: &[BinaryMetric],
) -> Vec<Result<f64, Undefined>> {
    let ranked = wanted.iter().any(|m| m.ranked());
    let probabilistic = wanted.iter().any(|m| m.probabilistic());
    let precision = wanted.contains(&BinaryMetric::AveragePrecision);
    let pass = pass(rows, order, options, ranked, precision, probabilistic);
    wanted.iter().map(|&m| finish(m, &pass, options)).collect()
}

fn pass(
    rows: &BinaryRows<'_>,
    order: &[u32],
    options: &BinaryOptions,
    ranked: bool,
    precision: bool,
    probabilistic: bool,
) -> Pass {
    let bins = options.ece_bins.max(1) as usize;
    let edges: Vec<f64> = (1..bins).map(|i| i as f64 * (1.0 / bins as f64)).collect();
    let mut p = Pass {
        bins: if probabilistic {
            vec![[Sum::default(); 3]; bins]
        } else {
            Vec::new()
        },
        in_unit_interval: true,
        ..Pass::default()
    };
    // Cumulative weights of the curve point before the current tie group.
    let (mut tp_before, mut fp_before) = (0.0, 0.0);
    let (mut tp_cum, mut fp_cum) = (Sum::default(), Sum::default());
    let mut previous: Option<f64> = None;
    let close_group =
        |p: &mut Pass, tp_cum: &Sum, fp_cum: &Sum, tp_before: &mut f64, fp_before: &mut f64| {
            let (tp, fp) = (tp_cum.get(), fp_cum.get());
            p.area.add((fp - *fp_before) * (tp + *tp_before) / 2.0);
            // The precision curve costs a division per distinct score: only
            // when average precision is asked for.
            if precision {
                p.ap.add((tp - *tp_before) * ratio(tp, tp + fp, 0.0));
            }
            (*tp_before, *fp_before) = (tp, fp);
        };
    for &row in order {
        let i = row as usize;
        let (y, s) = (rows.truth[i], rows.score[i]);
        let w = rows.weight.map_or(1.0, |w| w[i]);
        if ranked {
            if previous.is_some_and(|prev| prev != s) {
                close_group(&mut p, &tp_cum, &fp_cum, &mut tp_before, &mut fp_before);
            }
            previous = Some(s);
            if y {
                tp_cum.add(w);
            } else {
                fp_cum.add(w);
            }
        }
        let predicted = s >= options.threshold;
        match (y, predicted) {
            (true, true) => p.tp.add(w),
            (false, true) => p.fp.add(w),
            (false, false) => p.tn.add(w),
            (true, false) => p.fn_.add(w),
        }
        if y {
            p.positives.add(w);
        } else {
            p.negatives.add(w);
        }
        if probabilistic {
            if !(0.0..=1.0).contains(&s) {
                p.in_unit_interval = false;
                continue;
            }
            let (t, q) = (if y { 1.0 } else { 0.0 }, 1.0 - s);
            // scikit-learn stacks [1 − p, p], clips each to [ε, 1 − ε]
            // and takes −Σ y·ln p over the two columns.
            let clip = |v: f64| v.clamp(f64::EPSILON, 1.0 - f64::EPSILON);
            p.log_loss
                .add(w * -(if y { clip(s).ln() } else { clip(q).ln() }));
            p.brier.add(w * (((1.0 - t) - q).powi(2) + (t - s).powi(2)));
            // `numpy.searchsorted(edges[1:-1], p)`, as `calibration_curve`.
            let bin = edges.partition_point(|&e| e < s);
            let b = &mut p.bins[bin];
            b[0].add(w);
            b[1].add(w * t);
            b[2].add(w * s);
        }
    }
    if ranked && previous.is_some() {
        close_group(&mut p, &tp_cum, &fp_cum, &mut tp_before, &mut fp_before);
    }
    p
}

fn finish(metric: BinaryMetric, p: &Pass, options: &BinaryOptions) -> Result<f64, Undefined> {
    let (tp, fp, tn, fn_) = (p.tp.get(), p.fp.get(), p.tn.get(), p.fn_.get());
    let (positives, negatives) = (p.positives.get(), p.negatives.get());
    let total = positives + negatives;
    if total <= 0.0 {
        return undefined("no rows (or no weight) to measure");
    }
    if metric.probabilistic() && !p.in_unit_interval {
        return undefined("scores outside [0, 1] are not probabilities");
    }
    let beta2 = options.beta * options.beta;
    Ok(match metric {
        BinaryMetric::Accuracy => (tp + tn) / total,
        BinaryMetric::BalancedAccuracy => {
            let recalls: Vec<f64> = [(tp, positives), (tn, negatives)]
                .into_iter()
                .filter(|&(_, support)| support > 0.0)
                .map(|(hit, support)| hit / support)
                .collect();
            if recalls.is_empty() {
                return undefined("no class has weight");
            }
            recalls.iter().sum::<f64>() / recalls.len() as f64
        }
        BinaryMetric::Precision => ratio(tp, tp + fp, 0.0),
        BinaryMetric::Recall => ratio(tp, positives, 0.0),
        BinaryMetric::F1 => ratio(2.0 * tp, positives + (tp + fp), 0.0),
        BinaryMetric::FBeta => ratio((1.0 + beta2) * tp, beta2 * positives + (tp + fp), 0.0),
        BinaryMetric::Mcc => {
            // `matthews_corrcoef` over the 2×2 matrix, term for term.
            // Row and column sums of the same cells, as scikit-learn's `C.sum(axis)`.
            let (t, q) = ([tn + fp, fn_ + tp], [tn + fn_, fp + tp]);
            let n = q[0] + q[1];
            let cov_ytyp = (tp + tn) * n - (t[0] * q[0] + t[1] * q[1]);
            let cov_ypyp = n * n - (q[0] * q[0] + q[1] * q[1]);
            let cov_ytyt = n * n - (t[0] * t[0] + t[1] * t[1]);
            if cov_ypyp * cov_ytyt == 0.0 {
                0.0
            } else {
                cov_ytyp / (cov_ytyt * cov_ypyp).sqrt()
            }
        }
        BinaryMetric::RocAuc => {
            if positives <= 0.0 || negatives <= 0.0 {
                return undefined(
                    "only one class present (ROC AUC needs positive and negative rows)",
                );
            }
            p.area.get() / (positives * negatives)
        }
        // With no positives scikit-learn sets recall to 1 everywhere, and
        // the sum is 0; so is ours.
        BinaryMetric::AveragePrecision => ratio(p.ap.get(), positives, 0.0),
        BinaryMetric::LogLoss => p.log_loss.get() / total,
        BinaryMetric::Brier => p.brier.get() / total * 0.5,
        BinaryMetric::Ece => p
            .bins
            .iter()
            .filter(|b| b[0].get() != 0.0)
            .map(|b| {
                let w = b[0].get();
                (w / total) * (b[1].get() / w - b[2].get() / w).abs()
            })
            .sum(),
        BinaryMetric::Tp => tp,
        BinaryMetric::Fp => fp,
        BinaryMetric::Tn => tn,
        BinaryMetric::Fn => fn_,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_bits_preserve_order_and_merge_zeros() {
        let values = [
            f64::NEG_INFINITY,
            -1.0,
            -1e-300,
            0.0,
            1e-300,
            1.0,
            f64::INFINITY,
        ];
        for pair in values.windows(2) {
            assert!(ordered_bits(pair[0]) < ordered_bits(pair[1]));
        }
        assert_eq!(ordered_bits(-0.0), ordered_bits(0.0));
    }

    #[test]
    fn ranking_is_descending_with_ties_in_row_order() {
        let r = Ranking::new(&[0.2, 0.9, 0.2, 0.5]);
        assert_eq!(r.order(), &[1, 3, 0, 2]);
        assert_eq!(r.restrict(|row| row != 3), vec![1, 0, 2]);
    }

    #[test]
    fn compensated_sums_keep_small_terms() {
        let mut s = Sum::default();
        s.add(1e16);
        for _ in 0..1000 {
            s.add(1.0);
        }
        s.add(-1e16);
        assert_eq!(s.get(), 1000.0);
    }
}
