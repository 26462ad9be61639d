//! Two-sample tests and distances on prepared inputs: category counts,
//! probability vectors and sorted samples. Each function restates the SciPy
//! routine named in its doc, so results match it to rounding; the reference
//! tests in `reference.rs` hold them to that.

use statrs::distribution::{ChiSquared, ContinuousCDF, Normal};

/// A test's statistic and p-value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Test {
    pub statistic: f64,
    pub p_value: f64,
    /// Degrees of freedom for chi-square tests; 0 otherwise.
    pub dof: u64,
}

/// Survival function of the chi-square distribution; `dof == 0` is a point
/// mass at zero (SciPy returns p = 1 for a one-category table).
fn chi2_sf(statistic: f64, dof: u64) -> f64 {
    if dof == 0 || statistic.is_nan() {
        return if statistic.is_nan() { f64::NAN } else { 1.0 };
    }
    if statistic == f64::INFINITY {
        return 0.0;
    }
    match ChiSquared::new(dof as f64) {
        Ok(distribution) => distribution.sf(statistic),
        Err(_) => f64::NAN,
    }
}

/// Pearson's chi-square on a 2×k table whose rows are the reference and
/// current category counts: `scipy.stats.chi2_contingency([reference,
/// current])` with its default Yates correction when dof is 1. Categories
/// empty on both rows must be removed first (SciPy refuses them).
pub fn chi2_contingency(reference: &[u64], current: &[u64]) -> Test {
    let k = reference.len().min(current.len());
    let dof = k.saturating_sub(1) as u64;
    let rows = [
        reference.iter().sum::<u64>() as f64,
        current.iter().sum::<u64>() as f64,
    ];
    let total = rows[0] + rows[1];
    let mut terms = Vec::with_capacity(2 * k);
    for (row, counts) in [reference, current].into_iter().enumerate() {
        for (i, &count) in counts.iter().enumerate().take(k) {
            let column = (reference[i] + current[i]) as f64;
            let expected = rows[row] * column / total;
            let mut observed = count as f64;
            if dof == 1 {
                // Yates: move each count half a unit towards its expectation,
                // never past it (scipy gh-13875).
                let diff = expected - observed;
                observed += diff.signum() * diff.abs().min(0.5);
            }
            terms.push((observed - expected).powi(2) / expected);
        }
    }
    let statistic = if dof == 0 { 0.0 } else { pairwise_sum(&terms) };
    Test {
        statistic,
        p_value: chi2_sf(statistic, dof),
        dof,
    }
}

/// Goodness of fit of the current counts to the reference proportions, the
/// reference taken as exact: `scipy.stats.chisquare(current, reference *
/// n_current / n_reference)`. This is Evidently's chi-square; a category the
/// reference never saw makes the statistic infinite.
pub fn chi2_goodness_of_fit(reference: &[u64], current: &[u64]) -> Test {
    let n_reference = reference.iter().sum::<u64>() as f64;
    let n_current = current.iter().sum::<u64>() as f64;
    let scale = n_current / n_reference;
    let terms: Vec<f64> = reference
        .iter()
        .zip(current)
        .map(|(&r, &c)| {
            let expected = r as f64 * scale;
            let observed = c as f64;
            if expected == 0.0 {
                if observed == 0.0 { 0.0 } else { f64::INFINITY }
            } else {
                (observed - expected).powi(2) / expected
            }
        })
        .collect();
    let dof = terms.len().saturating_sub(1) as u64;
    let statistic = pairwise_sum(&terms);
    Test {
        statistic,
        p_value: chi2_sf(statistic, dof),
        dof,
    }
}

/// Pooled two-proportion z-test, two-sided: z = (p_ref − p_cur) /
/// sqrt(P(1−P)(1/n_ref + 1/n_cur)), p = 2·sf(|z|). Equal single-valued
/// samples (P ∈ {0, 1}) give z = 0, p = 1, as Evidently reports them.
pub fn z_test(
    reference_successes: u64,
    reference_n: u64,
    current_successes: u64,
    current_n: u64,
) -> Test {
    let (n1, n2) = (reference_n as f64, current_n as f64);
    let (p1, p2) = (
        reference_successes as f64 / n1,
        current_successes as f64 / n2,
    );
    let pooled = (reference_successes + current_successes) as f64 / (n1 + n2);
    let variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2);
    if variance == 0.0 {
        return Test {
            statistic: 0.0,
            p_value: 1.0,
            dof: 0,
        };
    }
    let statistic = (p1 - p2) / variance.sqrt();
    let p_value = match Normal::new(0.0, 1.0) {
        Ok(normal) => 2.0 * normal.sf(statistic.abs()),
        Err(_) => f64::NAN,
    };
    Test {
        statistic,
        p_value,
        dof: 0,
    }
}

/// Population stability index, Σ (p − q)·ln(p / q), on the shares as given
/// (Evidently's `psi`; zero shares need smoothing first or give ∞/NaN).
pub fn psi(reference: &[f64], current: &[f64]) -> f64 {
    let terms: Vec<f64> = reference
        .iter()
        .zip(current)
        .map(|(p, q)| (p - q) * (p / q).ln())
        .collect();
    pairwise_sum(&terms)
}

/// `scipy.special.rel_entr`: x·ln(x/y), 0 when x = 0, ∞ when y = 0 < x.
fn rel_entr(x: f64, y: f64) -> f64 {
    if x > 0.0 && y > 0.0 {
        x * (x / y).ln()
    } else if x == 0.0 && y >= 0.0 {
        0.0
    } else {
        f64::INFINITY
    }
}

fn normalized(values: &[f64]) -> Vec<f64> {
    let total = pairwise_sum(values);
    values.iter().map(|v| v / total).collect()
}

/// Kullback–Leibler divergence KL(reference ‖ current), natural log:
/// `scipy.stats.entropy(reference, current)`, which normalises both first.
pub fn kl_divergence(reference: &[f64], current: &[f64]) -> f64 {
    let (p, q) = (normalized(reference), normalized(current));
    let terms: Vec<f64> = p.iter().zip(&q).map(|(&x, &y)| rel_entr(x, y)).collect();
    pairwise_sum(&terms)
}

/// Jensen–Shannon distance (the square root of the divergence), natural log:
/// `scipy.spatial.distance.jensenshannon(reference, current)`.
pub fn jensen_shannon(reference: &[f64], current: &[f64]) -> f64 {
    let (p, q) = (normalized(reference), normalized(current));
    let m: Vec<f64> = p.iter().zip(&q).map(|(x, y)| (x + y) / 2.0).collect();
    let left: Vec<f64> = p.iter().zip(&m).map(|(&x, &y)| rel_entr(x, y)).collect();
    let right: Vec<f64> = q.iter().zip(&m).map(|(&x, &y)| rel_entr(x, y)).collect();
    // A divergence that rounds below zero is zero (SciPy returns NaN there).
    ((pairwise_sum(&left) + pairwise_sum(&right)) / 2.0)
        .max(0.0)
        .sqrt()
}

/// Hellinger distance, sqrt(Σ (√p − √q)²) / √2, on the shares as given,
/// over the same bins as the other distances (Evidently bins its Hellinger
/// differently; see ARCHITECTURE.md).
pub fn hellinger(reference: &[f64], current: &[f64]) -> f64 {
    let terms: Vec<f64> = reference
        .iter()
        .zip(current)
        .map(|(p, q)| (p.sqrt() - q.sqrt()).powi(2))
        .collect();
    pairwise_sum(&terms).sqrt() / std::f64::consts::SQRT_2
}

/// First Wasserstein distance between two sorted samples:
/// `scipy.stats.wasserstein_distance(u, v)`, the area between the two
/// empirical CDFs, walked in one merge pass.
pub fn wasserstein(u: &[f64], v: &[f64]) -> f64 {
    if u.is_empty() || v.is_empty() {
        return f64::NAN;
    }
    let (nu, nv) = (u.len() as f64, v.len() as f64);
    let (mut i, mut j) = (0usize, 0usize);
    let mut x = u[0].min(v[0]);
    let mut sum = Compensated::default();
    loop {
        while i < u.len() && u[i] <= x {
            i += 1;
        }
        while j < v.len() && v[j] <= x {
            j += 1;
        }
        let next = match (u.get(i), v.get(j)) {
            (Some(a), Some(b)) => a.min(*b),
            (Some(a), None) => *a,
            (None, Some(b)) => *b,
            (None, None) => break,
        };
        sum.add((i as f64 / nu - j as f64 / nv).abs() * (next - x));
        x = next;
    }
    sum.total()
}

/// Population standard deviation (`numpy.std`, ddof 0), two-pass.
pub fn std_dev(values: &[f64]) -> f64 {
    std_dev_of(values.len(), &|| values.iter().copied())
}

/// [`std_dev`] of `n` values an iterator gives in order (twice: once per
/// pass), so values stored as runs need not be expanded.
pub(crate) fn std_dev_of<I: Iterator<Item = f64>>(n: usize, values: &dyn Fn() -> I) -> f64 {
    if n == 0 {
        return f64::NAN;
    }
    let mean = numpy_pairwise(n, &mut values(), &|v| v) / n as f64;
    (numpy_pairwise(n, &mut values(), &|v| (v - mean).powi(2)) / n as f64).sqrt()
}

/// Sum in the order NumPy's `add.reduce` uses, so totals agree with
/// SciPy's to the last bit more often than not, and to rounding always.
pub fn pairwise_sum(values: &[f64]) -> f64 {
    numpy_pairwise(values.len(), &mut values.iter().copied(), &|v| v)
}

/// NumPy's `pairwise_sum` (blocks of 128, an 8-way unrolled accumulator)
/// of `term(v)` over `n` values taken in order: the same additions as
/// summing a vector of the terms, without the vector (a column's worth of
/// memory at scale). The blocks are visited left to right, so the values
/// can come from an iterator.
fn numpy_pairwise(
    n: usize,
    values: &mut impl Iterator<Item = f64>,
    term: &impl Fn(f64) -> f64,
) -> f64 {
    const BLOCK: usize = 128;
    let mut next = || values.next().map_or(0.0, term);
    if n < 8 {
        return (0..n).fold(0.0, |acc, _| acc + next());
    }
    if n <= BLOCK {
        let mut r = [0.0f64; 8];
        for slot in r.iter_mut() {
            *slot = next();
        }
        let mut i = 8;
        while i + 8 <= n {
            for slot in r.iter_mut() {
                *slot += next();
            }
            i += 8;
        }
        let mut total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for _ in i..n {
            total += next();
        }
        return total;
    }
    let mut half = n / 2;
    half -= half % 8;
    let left = numpy_pairwise(half, values, term);
    left + numpy_pairwise(n - half, values, term)
}

/// Neumaier-compensated running sum, for streams too long to buffer.
#[derive(Debug, Default, Clone, Copy)]
pub struct Compensated {
    sum: f64,
    compensation: f64,
}

impl Compensated {
    pub fn add(&mut self, v: f64) {
        let t = self.sum + v;
        self.compensation += if self.sum.abs() >= v.abs() {
            (self.sum - t) + v
        } else {
            (v - t) + self.sum
        };
        self.sum = t;
    }

    pub fn total(&self) -> f64 {
        self.sum + self.compensation
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairwise_sum_matches_naive_on_small_inputs() {
        assert_eq!(pairwise_sum(&[]), 0.0);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
        let many: Vec<f64> = (0..1000).map(f64::from).collect();
        assert_eq!(pairwise_sum(&many), 499_500.0);
    }

    #[test]
    fn one_category_tables_do_not_drift() {
        let t = chi2_contingency(&[10], &[20]);
        assert_eq!((t.statistic, t.p_value, t.dof), (0.0, 1.0, 0));
        assert_eq!(z_test(5, 5, 9, 9).p_value, 1.0);
    }

    #[test]
    fn unseen_category_makes_goodness_of_fit_infinite() {
        let t = chi2_goodness_of_fit(&[10, 0], &[5, 5]);
        assert_eq!((t.statistic, t.p_value), (f64::INFINITY, 0.0));
    }

    #[test]
    fn wasserstein_of_shifted_samples_is_the_shift() {
        let u = [0.0, 1.0, 2.0];
        let v = [0.5, 1.5, 2.5];
        assert!((wasserstein(&u, &v) - 0.5).abs() < 1e-15);
        assert_eq!(wasserstein(&u, &u), 0.0);
    }
}
