//! Champion against candidate on the same rows: a paired bootstrap of any
//! metric's difference, DeLong's test for two correlated ROC AUCs and
//! McNemar's test for two classifiers' accuracy.
//!
//! Differences are always candidate − champion.

use std::time::Instant;

use rayon::prelude::*;
use statrs::distribution::{Binomial, ChiSquared, ContinuousCDF, DiscreteCDF};

use super::rng::SplitMix64;
use super::{Undefined, undefined};

/// The bootstrap distribution of one metric's difference.
#[derive(Debug, Clone, PartialEq)]
pub struct Bootstrap {
    /// The valid resamples' differences, ascending.
    pub differences: Vec<f64>,
    /// Resamples where the metric was undefined (one class drawn, say).
    pub invalid: u32,
}

/// The deadline passed before the resamples were done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the bootstrap stopped at the check's deadline")]
pub struct Stopped;

/// The paired bootstrap: `resamples` times, draw `n` of the `n` rows with
/// replacement (seeded, see `rng`), weigh each row by how often it was
/// drawn times its own `weight`, and ask `difference` for each metric's
/// candidate − champion on those weights.
///
/// Rows are the slice's own, numbered 0..n: the weights `difference`
/// receives are that short and dense, so a caller can lay its data out in
/// the order it reads it (a million-row resample must not miss the cache on
/// every row). Resamples run in parallel and each depends only on its
/// index, so the result is the same on any number of threads.
pub fn bootstrap<F>(
    n: usize,
    weight: Option<&[f64]>,
    resamples: u32,
    seed: u64,
    metrics: usize,
    deadline: Option<Instant>,
    difference: F,
) -> Result<Vec<Bootstrap>, Stopped>
where
    F: Fn(&[f64]) -> Vec<Option<f64>> + Sync,
{
    let draws: Vec<Option<Vec<Option<f64>>>> = (0..resamples)
        .into_par_iter()
        .map_init(
            || vec![0.0f64; n],
            |buf, r| {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return None;
                }
                let mut rng = SplitMix64::for_resample(seed, r);
                for _ in 0..n {
                    buf[rng.below(n as u64) as usize] += 1.0;
                }
                if let Some(w) = weight {
                    for (b, w) in buf.iter_mut().zip(w) {
                        *b *= w;
                    }
                }
                let out = difference(buf);
                buf.fill(0.0);
                Some(out)
            },
        )
        .collect();
    let mut out = vec![
        Bootstrap {
            differences: Vec::with_capacity(resamples as usize),
            invalid: 0,
        };
        metrics
    ];
    for draw in draws {
        for (metric, d) in draw.ok_or(Stopped)?.into_iter().enumerate() {
            match d {
                Some(d) if d.is_finite() => out[metric].differences.push(d),
                _ => out[metric].invalid += 1,
            }
        }
    }
    for b in &mut out {
        b.differences.sort_by(f64::total_cmp);
    }
    Ok(out)
}

/// Two correlated ROC AUCs and the covariance of their estimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DeLong {
    pub auc_champion: f64,
    pub auc_candidate: f64,
    pub var_champion: f64,
    pub var_candidate: f64,
    pub covariance: f64,
    /// Var(AUC_candidate − AUC_champion).
    pub var_difference: f64,
}

/// Each row's structural component (placement): for a positive, the share
/// of negatives scored below it (ties half); for a negative, the share of
/// positives scored above it. One pass over rows in descending score order:
/// Sun & Xu's midrank algorithm without the three sorts.
fn placements(truth: &[bool], score: &[f64], order: &[u32], len: usize) -> (Vec<f64>, f64) {
    let m = order.iter().filter(|&&r| truth[r as usize]).count() as f64;
    let n = order.len() as f64 - m;
    let mut v = vec![0.0; len];
    let (mut pos_above, mut neg_above) = (0.0, 0.0);
    let mut auc = 0.0;
    let mut start = 0;
    while start < order.len() {
        let s = score[order[start] as usize];
        let end = start
            + order[start..]
                .iter()
                .take_while(|&&r| score[r as usize] == s)
                .count();
        let group = &order[start..end];
        let gp = group.iter().filter(|&&r| truth[r as usize]).count() as f64;
        let gn = group.len() as f64 - gp;
        for &r in group {
            let r = r as usize;
            v[r] = if truth[r] {
                let x = (n - neg_above - gn + 0.5 * gn) / n;
                auc += x;
                x
            } else {
                (pos_above + 0.5 * gp) / m
            };
        }
        pos_above += gp;
        neg_above += gn;
        start = end;
    }
    (v, auc / m)
}

/// DeLong's test components for champion and candidate scores of the same
/// rows (`order_*`: the slice's rows in each score's descending order).
/// Unweighted, as the test is defined; needs two rows of each class.
pub fn delong(
    truth: &[bool],
    champion: (&[f64], &[u32]),
    candidate: (&[f64], &[u32]),
) -> Result<DeLong, Undefined> {
    let order = champion.1;
    let m = order.iter().filter(|&&r| truth[r as usize]).count();
    let n = order.len() - m;
    if m < 2 || n < 2 {
        return undefined(format!(
            "DeLong needs at least two rows of each class, not {m} positive and {n} negative"
        ));
    }
    let len = truth.len();
    let (va, auc_a) = placements(truth, champion.0, champion.1, len);
    let (vb, auc_b) = placements(truth, candidate.0, candidate.1, len);
    // Sample covariances (ddof 1) of the placements, positives and negatives apart.
    let cov = |class: bool| {
        let rows: Vec<usize> = order
            .iter()
            .map(|&r| r as usize)
            .filter(|&r| truth[r] == class)
            .collect();
        let k = rows.len() as f64;
        let (ma, mb) = (
            rows.iter().map(|&r| va[r]).sum::<f64>() / k,
            rows.iter().map(|&r| vb[r]).sum::<f64>() / k,
        );
        let (mut aa, mut bb, mut ab) = (0.0, 0.0, 0.0);
        for &r in &rows {
            let (x, y) = (va[r] - ma, vb[r] - mb);
            aa += x * x;
            bb += y * y;
            ab += x * y;
        }
        [aa / (k - 1.0), bb / (k - 1.0), ab / (k - 1.0)]
    };
    let (sx, sy) = (cov(true), cov(false));
    let (m, n) = (m as f64, n as f64);
    let var_champion = sx[0] / m + sy[0] / n;
    let var_candidate = sx[1] / m + sy[1] / n;
    let covariance = sx[2] / m + sy[2] / n;
    Ok(DeLong {
        auc_champion: auc_a,
        auc_candidate: auc_b,
        var_champion,
        var_candidate,
        covariance,
        var_difference: var_champion + var_candidate - 2.0 * covariance,
    })
}

/// McNemar's test on the discordant pairs of two classifiers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct McNemar {
    pub both_right: u64,
    /// Rows the champion gets right and the candidate wrong.
    pub champion_only: u64,
    pub candidate_only: u64,
    pub both_wrong: u64,
    /// The exact binomial test (`statsmodels` `mcnemar(exact=True)`):
    /// statistic min(b, c), p = min(1, 2·P[Bin(b + c, ½) ≤ min(b, c)]).
    pub exact_statistic: f64,
    pub exact_p_value: f64,
    /// The chi-square test with continuity correction, (|b − c| − 1)²/(b + c);
    /// none without discordant pairs (statsmodels divides by zero there).
    pub chi2: Option<(f64, f64)>,
}

/// McNemar's test from each row's pair (champion right, candidate right).
pub fn mcnemar(pairs: impl Iterator<Item = (bool, bool)>) -> McNemar {
    let mut t = [[0u64; 2]; 2];
    for (a, b) in pairs {
        t[usize::from(!a)][usize::from(!b)] += 1;
    }
    let (b, c) = (t[0][1], t[1][0]);
    let low = b.min(c);
    let exact_p_value = if b + c == 0 {
        1.0
    } else {
        let binomial = Binomial::new(0.5, b + c).expect("p is ½ and n positive");
        (2.0 * binomial.cdf(low)).min(1.0)
    };
    let chi2 = (b + c > 0).then(|| {
        let d = b.abs_diff(c) as f64 - 1.0;
        let statistic = d * d / (b + c) as f64;
        let p = ChiSquared::new(1.0)
            .expect("one degree of freedom")
            .sf(statistic);
        (statistic, p)
    });
    McNemar {
        both_right: t[0][0],
        champion_only: b,
        candidate_only: c,
        both_wrong: t[1][1],
        exact_statistic: low as f64,
        exact_p_value,
        chi2,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bootstrap_is_the_same_for_any_thread_count() {
        let values: Vec<f64> = (0..50).map(|i| (i as f64).sin()).collect();
        let mean = |w: &[f64]| {
            let total: f64 = w.iter().sum();
            vec![Some(
                w.iter().zip(&values).map(|(w, v)| w * v).sum::<f64>() / total,
            )]
        };
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| bootstrap(50, None, 64, 7, 1, None, mean).unwrap())
        };
        assert_eq!(run(1), run(3));
        assert_eq!(run(1)[0].differences.len(), 64);
    }

    #[test]
    fn a_past_deadline_stops_the_bootstrap() {
        let past = Some(Instant::now());
        let r = bootstrap(10, None, 10, 1, 1, past, |_| vec![Some(0.0)]);
        assert_eq!(r, Err(Stopped));
    }
}
