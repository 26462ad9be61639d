//! Regression metrics, as scikit-learn defines them with `sample_weight`
//! (and `force_finite=True` for R² and explained variance: a constant
//! truth scores 1 when predicted perfectly, else 0).
//!
//! The median absolute error is the weighted "averaged inverted CDF"
//! percentile scikit-learn uses (`_weighted_percentile(average=True)`),
//! which with unit weights is `numpy.median`, and with bootstrap counts as
//! weights is the median of the resample. It needs rows in ascending
//! absolute-error order: the caller sorts that column once ([`error_order`]).

use super::binary::{Ranking, Sum};
use super::{Named, Undefined, undefined};

#[derive(Debug, Clone, Copy)]
pub struct RegressionRows<'a> {
    pub truth: &'a [f64],
    pub prediction: &'a [f64],
    pub weight: Option<&'a [f64]>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RegressionMetric {
    Mae,
    Mse,
    Rmse,
    R2,
    Mape,
    ExplainedVariance,
    MedianAbsoluteError,
}

impl Named for RegressionMetric {
    const ALL: &'static [Self] = &[
        Self::Mae,
        Self::Mse,
        Self::Rmse,
        Self::R2,
        Self::Mape,
        Self::ExplainedVariance,
        Self::MedianAbsoluteError,
    ];

    fn name(self) -> &'static str {
        match self {
            Self::Mae => "mae",
            Self::Mse => "mse",
            Self::Rmse => "rmse",
            Self::R2 => "r2",
            Self::Mape => "mape",
            Self::ExplainedVariance => "explained_variance",
            Self::MedianAbsoluteError => "median_absolute_error",
        }
    }

    fn greater_is_better(self) -> bool {
        matches!(self, Self::R2 | Self::ExplainedVariance)
    }
}

/// Rows in descending absolute-error order (iterate reversed for ascending).
pub fn error_order(rows: &RegressionRows<'_>) -> Ranking {
    let errors: Vec<f64> = rows
        .truth
        .iter()
        .zip(rows.prediction)
        .map(|(y, p)| (p - y).abs())
        .collect();
    Ranking::new(&errors)
}

/// 1 − numerator/denominator, with scikit-learn's `force_finite`.
fn explained(numerator: f64, denominator: f64) -> f64 {
    if denominator == 0.0 {
        if numerator == 0.0 { 1.0 } else { 0.0 }
    } else {
        1.0 - numerator / denominator
    }
}

/// Every wanted metric over `order` (descending absolute error when the
/// median is wanted; any order otherwise).
pub fn evaluate(
    rows: &RegressionRows<'_>,
    order: &[u32],
    wanted: &[RegressionMetric],
) -> Vec<Result<f64, Undefined>> {
    let weight = |i: usize| rows.weight.map_or(1.0, |w| w[i]);
    let [mut total, mut abs, mut sq, mut ape, mut y_sum, mut d_sum] = [Sum::default(); 6];
    for &row in order {
        let i = row as usize;
        let (y, p, w) = (rows.truth[i], rows.prediction[i], weight(i));
        let e = y - p;
        total.add(w);
        abs.add(w * e.abs());
        sq.add(w * e * e);
        ape.add(w * (e.abs() / y.abs().max(f64::EPSILON)));
        y_sum.add(w * y);
        d_sum.add(w * e);
    }
    let total = total.get();
    let needs_spread = wanted.iter().any(|m| {
        matches!(
            m,
            RegressionMetric::R2 | RegressionMetric::ExplainedVariance
        )
    });
    // Second pass about the weighted means, as `r2_score` and
    // `explained_variance_score` compute them.
    let (mut ss_tot, mut ss_diff) = (Sum::default(), Sum::default());
    if needs_spread && total > 0.0 {
        let (y_mean, d_mean) = (y_sum.get() / total, d_sum.get() / total);
        for &row in order {
            let i = row as usize;
            let (y, p, w) = (rows.truth[i], rows.prediction[i], weight(i));
            ss_tot.add(w * (y - y_mean) * (y - y_mean));
            let d = y - p - d_mean;
            ss_diff.add(w * d * d);
        }
    }
    wanted
        .iter()
        .map(|&m| {
            if total <= 0.0 {
                return undefined("no rows (or no weight) to measure");
            }
            Ok(match m {
                RegressionMetric::Mae => abs.get() / total,
                RegressionMetric::Mse => sq.get() / total,
                RegressionMetric::Rmse => (sq.get() / total).sqrt(),
                RegressionMetric::R2 if order.len() < 2 => {
                    return undefined("R² needs at least two rows");
                }
                RegressionMetric::R2 => explained(sq.get(), ss_tot.get()),
                RegressionMetric::Mape => ape.get() / total,
                RegressionMetric::ExplainedVariance => {
                    explained(ss_diff.get() / total, ss_tot.get() / total)
                }
                RegressionMetric::MedianAbsoluteError => median_error(rows, order),
            })
        })
        .collect()
}

/// `_weighted_percentile(|y − ŷ|, w, 50, average=True)` over rows given in
/// descending error order.
fn median_error(rows: &RegressionRows<'_>, order: &[u32]) -> f64 {
    let ascending: Vec<(f64, f64)> = order
        .iter()
        .rev()
        .map(|&r| {
            let i = r as usize;
            let w = rows.weight.map_or(1.0, |w| w[i]);
            ((rows.truth[i] - rows.prediction[i]).abs(), w)
        })
        .collect();
    // A plain running sum, as `cumulative_sum`: the ε test below is on it.
    let mut cdf = Vec::with_capacity(ascending.len());
    let mut running = 0.0;
    for &(_, w) in &ascending {
        running += w;
        cdf.push(running);
    }
    let target = 0.5 * running;
    let last = ascending.len() - 1;
    let at = cdf.partition_point(|&c| c < target).min(last);
    if cdf[at] - target > f64::EPSILON {
        return ascending[at].0;
    }
    let next = (at + 1..=last)
        .find(|&j| ascending[j].1 != 0.0)
        .unwrap_or(at);
    (ascending[at].0 + ascending[next].0) / 2.0
}
