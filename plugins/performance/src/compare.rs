//! Candidate against champion on the same rows: an interval of the metric
//! difference at a confidence level, and the one-sided p-value of the
//! non-inferiority (or superiority) hypothesis, by one of three methods.
//!
//! Everything is computed on the raw difference d = candidate − champion and
//! then turned into `gain` (positive is better), so one rule reads the same
//! for a loss and for a score: non-inferior when the interval's worst end
//! of the gain lies above −δ, superior when it lies above +δ. The two-sided
//! interval at confidence c and the one-sided test at (1 − c)/2 agree.

use mltest_sdk::kernels::{DelongTest, McnemarTest, Resampled};
use statrs::distribution::{ContinuousCDF, Normal};

use crate::params::Method;

/// An interval of the gain and what it rests on.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Interval {
    pub(crate) method: Method,
    /// candidate − champion, the point estimate on these rows.
    pub(crate) difference: f64,
    /// The two-sided interval of candidate − champion.
    pub(crate) low: f64,
    pub(crate) high: f64,
    /// What to repeat the interval with: resamples, seed, counts.
    pub(crate) properties: Vec<(&'static str, String)>,
    /// How the p-value is computed for a shift of the null hypothesis.
    test: Test,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    /// Resampled gains, ascending.
    Resampled(Vec<f64>),
    /// A normal approximation: the estimate's standard error.
    Normal(f64),
}

/// Which way is better, for a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Direction(pub(crate) bool);

impl Direction {
    fn sign(self) -> f64 {
        if self.0 { 1.0 } else { -1.0 }
    }
}

impl Interval {
    /// The interval's worst end of the gain (candidate's advantage).
    pub(crate) fn worst_gain(&self, direction: Direction) -> f64 {
        if direction.0 { self.low } else { -self.high }
    }

    /// One-sided p-value of H0: gain ≤ `bound` against gain > `bound`.
    /// From resamples it can be 0: then it is below 1 / resamples.
    pub(crate) fn p_value(&self, direction: Direction, bound: f64) -> f64 {
        let gain = direction.sign() * self.difference;
        match &self.test {
            Test::Resampled(gains) => {
                // The share of resampled gains at or below the bound: the
                // p-value that goes with the percentile interval (the two
                // agree up to the interpolation between adjacent resamples).
                let at_most = gains.partition_point(|&g| g <= bound);
                at_most as f64 / gains.len() as f64
            }
            // The survival function keeps tiny p-values (z = 15) exact.
            Test::Normal(se) if *se > 0.0 => standard().sf((gain - bound) / se),
            Test::Normal(_) => {
                if gain > bound {
                    0.0
                } else {
                    1.0
                }
            }
        }
    }
}

fn standard() -> Normal {
    Normal::standard()
}

/// z with Φ(z) = (1 + c) / 2.
fn critical(confidence: f64) -> f64 {
    standard().inverse_cdf(0.5 + confidence / 2.0)
}

/// Percentile interval of the paired bootstrap, by numpy's linear quantile.
pub(crate) fn bootstrap(
    draws: &Resampled,
    difference: f64,
    direction: Direction,
    confidence: f64,
    resamples: u32,
    seed: u64,
) -> Result<Interval, String> {
    let d = &draws.differences;
    if d.is_empty() {
        return Err(format!(
            "the metric is undefined on all {} resamples",
            draws.invalid
        ));
    }
    let alpha = 1.0 - confidence;
    let mut gains: Vec<f64> = d.iter().map(|x| direction.sign() * x).collect();
    if !direction.0 {
        gains.reverse();
    }
    Ok(Interval {
        method: Method::Bootstrap,
        difference,
        low: quantile(d, alpha / 2.0),
        high: quantile(d, 1.0 - alpha / 2.0),
        properties: vec![
            ("resamples", resamples.to_string()),
            ("seed", seed.to_string()),
            ("invalid_resamples", draws.invalid.to_string()),
        ],
        test: Test::Resampled(gains),
    })
}

/// `numpy.quantile(sorted, q)` with the default linear interpolation.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    let h = (sorted.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A normal interval: difference ± z·se, with `se` behind the p-value too.
fn normal(
    method: Method,
    difference: f64,
    variance: f64,
    confidence: f64,
    mut properties: Vec<(&'static str, String)>,
) -> Interval {
    let se = variance.max(0.0).sqrt();
    let z = critical(confidence);
    properties.insert(0, ("standard_error", mltest_sdk::number::short(se)));
    Interval {
        method,
        difference,
        low: difference - z * se,
        high: difference + z * se,
        properties,
        test: Test::Normal(se),
    }
}

/// DeLong's normal interval of the AUC difference.
pub(crate) fn delong(test: &DelongTest, confidence: f64) -> Interval {
    normal(
        Method::Delong,
        test.auc_candidate - test.auc_champion,
        test.var_difference,
        confidence,
        vec![
            ("auc_champion", test.auc_champion.to_string()),
            ("auc_candidate", test.auc_candidate.to_string()),
        ],
    )
}

/// The Wald interval of a paired difference of proportions (accuracy):
/// d = (c − b) / n, var = (b + c − (c − b)² / n) / n², with b the rows only
/// the champion gets right and c those only the candidate does. McNemar's
/// exact p-value (of no difference at all) comes with it.
pub(crate) fn mcnemar(test: &McnemarTest, confidence: f64) -> Interval {
    let n = (test.both_right + test.champion_only + test.candidate_only + test.both_wrong) as f64;
    let (b, c) = (test.champion_only as f64, test.candidate_only as f64);
    let (difference, variance) = if n > 0.0 {
        ((c - b) / n, ((b + c) - (c - b).powi(2) / n) / (n * n))
    } else {
        (0.0, 0.0)
    };
    normal(
        Method::Mcnemar,
        difference,
        variance,
        confidence,
        vec![
            ("champion_only_right", test.champion_only.to_string()),
            ("candidate_only_right", test.candidate_only.to_string()),
            (
                "mcnemar_exact_p_value",
                mltest_sdk::number::short(test.exact_p_value),
            ),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const UP: Direction = Direction(true);
    const DOWN: Direction = Direction(false);

    #[test]
    fn quantiles_interpolate_as_numpy_does() {
        let x = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1, 2, 3, 4], [0.025, 0.5, 0.975]) = 1.075, 2.5, 3.925
        assert!((quantile(&x, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&x, 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&x, 0.975) - 3.925).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.3), 7.0);
    }

    #[test]
    fn critical_values_are_the_normal_quantiles() {
        assert!((critical(0.95) - 1.959963984540054).abs() < 1e-9);
        assert!((critical(0.90) - 1.6448536269514722).abs() < 1e-9);
    }

    #[test]
    fn delong_intervals_and_p_values() {
        let test = DelongTest {
            auc_champion: 0.80,
            auc_candidate: 0.79,
            var_champion: 1e-4,
            var_candidate: 1e-4,
            covariance: 0.5e-4,
            var_difference: 1e-4,
        };
        let i = delong(&test, 0.95);
        assert!((i.difference + 0.01).abs() < 1e-12);
        assert!((i.low - (-0.01 - 1.959963984540054 * 0.01)).abs() < 1e-9);
        // H0: gain ≤ −0.02, z = (−0.01 + 0.02) / 0.01 = 1: p = 1 − Φ(1).
        assert!((i.p_value(UP, -0.02) - 0.15865525393145707).abs() < 1e-9);
        assert!((i.worst_gain(UP) - i.low).abs() < 1e-15);
    }

    #[test]
    fn mcnemar_interval_is_the_paired_wald_interval() {
        let test = McnemarTest {
            both_right: 80,
            champion_only: 5,
            candidate_only: 10,
            both_wrong: 5,
            exact_statistic: 5.0,
            exact_p_value: 0.3,
            chi2_statistic: None,
            chi2_p_value: None,
        };
        let i = mcnemar(&test, 0.95);
        assert!((i.difference - 0.05).abs() < 1e-12);
        // var = (15 − 25 / 100) / 100² = 0.001475
        let se = 0.001475f64.sqrt();
        assert!((i.high - (0.05 + 1.959963984540054 * se)).abs() < 1e-9);
    }

    #[test]
    fn bootstrap_p_values_count_resamples_at_or_below_the_bound() {
        let draws = Resampled {
            metric: "log_loss".into(),
            differences: vec![-0.03, -0.02, -0.01, 0.0, 0.01],
            invalid: 0,
        };
        // A loss: gain = −difference, so gains are 0.03 … −0.01.
        let i = bootstrap(&draws, -0.01, DOWN, 0.5, 5, 7).unwrap();
        assert!((i.low - quantile(&draws.differences, 0.25)).abs() < 1e-15);
        assert!((i.worst_gain(DOWN) + i.high).abs() < 1e-15);
        // gains ≤ 0: 0.0 and −0.01, so p = 2 / 5.
        assert!((i.p_value(DOWN, 0.0) - 0.4).abs() < 1e-12);
        assert_eq!(i.p_value(DOWN, -1.0), 0.0);
        let none = Resampled {
            metric: "log_loss".into(),
            differences: vec![],
            invalid: 5,
        };
        assert!(bootstrap(&none, 0.0, DOWN, 0.95, 5, 7).is_err());
    }
}
