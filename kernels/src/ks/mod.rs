//! Pure-Rust port of `scipy.stats.ks_2samp(a, b)` with its default arguments
//! (`alternative='two-sided'`, `method='auto'`), SciPy 1.17.1.
//!
//! Sources ported (SciPy 1.17.1 unless noted):
//! * `scipy/stats/_stats_py.py`: `ks_2samp`, `_attempt_exact_2kssamp`,
//!   `_compute_prob_outside_square`;
//! * `scipy/stats/_stats_pythran.py`: `_compute_outer_prob_inside_method`
//!   (compiled with Pythran in SciPy, so not visible in an installed tree);
//! * `scipy/stats/_ksstats.py`: `_kolmogn` and helpers (module [`kstwo`]);
//! * xsf `include/xsf/cephes/kolmogorov.h` and `dd_real.h` at the commit
//!   pinned by SciPy 1.17.1: `smirnov` (module [`smirnov`]).
//!
//! The one-sided alternatives (and therefore `_count_paths_outside_method`,
//! which only they use) are not part of this port.
//!
//! # Agreement with SciPy
//!
//! The statistic, both exact algorithms, the fallback from exact to
//! asymptotic, and most `kstwo.sf` branches (Ruben–Gambino, Pelz–Good,
//! `smirnov`) reproduce SciPy's floating-point operations one for one and
//! agree bit for bit on the reference cases (`testdata/ks-cases.json` from
//! `testdata/generate_ks.py`, checked in `scipy_cases.rs`).
//! Known, intentional deviations:
//!
//! * `_kolmogn_DMTW` / `_kolmogn_Pomeranz` call BLAS `matmul` / `np.convolve`,
//!   whose internal summation order (and FMA use) is not reproducible, and
//!   NumPy silently promotes their rescaling loops to `long double`; plain
//!   `f64` loops here agree to ~1e-15.
//! * `smirnov` sums O(n) terms, each costing ~8 libm `pow` calls in xsf
//!   (~0.45 s in SciPy at n = 5e5). For sums longer than 20 000 terms this
//!   port steps between exactly computed anchor terms (every 32nd) with a
//!   cheap term ratio; the relative difference is bounded by ~6e-14 and was
//!   measured at <= 5e-16, making 10^6-vs-10^6 samples take tens of ms.
//! * Outside the input contract: an empty sample gives NaN (SciPy raises),
//!   and NaN input gives NaN (as SciPy's default `nan_policy='propagate'`).

// Numeric constants are copied verbatim from the SciPy / cephes sources, digits
// beyond f64 precision included, so that they are recognisably the same.
#![allow(clippy::excessive_precision)]

mod dd;
pub mod kstwo;
pub mod smirnov;

pub(crate) use dd::{DD, ldexp};
pub use kstwo::{KolmognBranch, kstwo_sf, kstwo_sf_branch};

#[cfg(test)]
mod scipy_cases;

/// Which p-value computation scipy's method="auto" picked.
///
/// `Exact` when `max(n1, n2) <= 10000` and the exact computation succeeded;
/// `Asymptotic` otherwise, including the (rare) case where SciPy falls back
/// from a failed exact attempt with "Exact calculation unsuccessful".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KsMethod {
    Exact,
    Asymptotic,
}

impl KsMethod {
    /// How a drift result's `detail` names it.
    pub fn label(self) -> &'static str {
        match self {
            KsMethod::Exact => "exact",
            KsMethod::Asymptotic => "asymptotic",
        }
    }
}

/// Result of [`ks_2samp_sorted`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KsTwoSample {
    /// The KS statistic `D = sup |F1 - F2|`. In the exact branch SciPy
    /// replaces it by `round(D * lcm(n1, n2)) / lcm(n1, n2)`, and so does this.
    pub statistic: f64,
    /// Two-sided p-value, clipped to [0, 1].
    pub p_value: f64,
    /// Which computation produced `p_value`.
    pub method: KsMethod,
}

/// `MAX_AUTO_N` in `ks_2samp`: 'auto' is exact iff `max(n1, n2) <= 10000`.
const MAX_AUTO_N: usize = 10_000;

/// Two-sample two-sided Kolmogorov–Smirnov test, reproducing
/// `scipy.stats.ks_2samp(a, b)` (SciPy 1.17.1, default arguments).
///
/// `a` and `b` are sorted ascending, finite, non-empty. Outside that
/// contract: an empty sample (SciPy raises `ValueError`) or a NaN anywhere
/// (SciPy's default `nan_policy='propagate'`) gives NaN statistic and
/// p-value; infinities are handled like any other value, as in SciPy.
pub fn ks_2samp_sorted(a: &[f64], b: &[f64]) -> KsTwoSample {
    let (n1, n2) = (a.len(), b.len());
    let auto_method = if n1.max(n2) <= MAX_AUTO_N {
        KsMethod::Exact
    } else {
        KsMethod::Asymptotic
    };
    if n1 == 0 || n2 == 0 || a.iter().chain(b).any(|x| x.is_nan()) {
        return KsTwoSample {
            statistic: f64::NAN,
            p_value: f64::NAN,
            method: auto_method,
        };
    }
    finish(statistic(a, b), n1, n2)
}

/// The test from its statistic and the sample sizes: SciPy's exact
/// distribution up to 10⁴ values per side (after rounding `d` to the
/// lattice of attainable values), the asymptotic one beyond.
pub(crate) fn finish(mut d: f64, n1: usize, n2: usize) -> KsTwoSample {
    if n1.max(n2) <= MAX_AUTO_N {
        // `_attempt_exact_2kssamp` (two-sided). With n1, n2 <= 10^4 the lcm
        // fits comfortably in an i64 (SciPy's int32 guard applies only to an
        // explicit method='exact').
        let g = gcd(n1, n2);
        let lcm = ((n1 / g) * n2) as i64;
        let h = (d * lcm as f64).round_ties_even() as i64; // np.round: half to even
        d = h as f64 / lcm as f64;
        if h == 0 {
            return KsTwoSample {
                statistic: d,
                p_value: 1.0,
                method: KsMethod::Exact,
            };
        }
        let prob = if n1 == n2 {
            prob_outside_square(n1 as i64, h)
        } else {
            outer_prob_inside_method(n1 as i64, n2 as i64, g as i64, h)
        };
        // `if not (0 <= prob <= 1): return False, ...` -> switch to 'asymp'
        // (SciPy warns "Exact calculation unsuccessful"). The overflow /
        // FloatingPointError route cannot trigger for the two-sided
        // computations, which use Python floats / Pythran, not NumPy ops.
        if (0.0..=1.0).contains(&prob) {
            return KsTwoSample {
                statistic: d,
                p_value: prob,
                method: KsMethod::Exact,
            };
        }
    }

    // Asymptotic: kstwo.sf(d, round(en)) with en = m n / (m + n), computed in
    // floating point with m >= n as SciPy does.
    let (m, n) = if n1 >= n2 {
        (n1 as f64, n2 as f64)
    } else {
        (n2 as f64, n1 as f64)
    };
    let en = m * n / (m + n);
    let prob = kstwo_sf(en.round_ties_even(), d);
    KsTwoSample {
        statistic: d,
        p_value: kstwo::clip_prob(prob),
        method: KsMethod::Asymptotic,
    }
}

/// The two-sided statistic exactly as `ks_2samp` computes it:
/// `cdf1 = searchsorted(a, all, 'right') / n1`, likewise `cdf2`, then
/// `max(max(cdf1 - cdf2), clip(-min(cdf1 - cdf2), 0, 1))`, preferring the
/// positive side on ties.
///
/// Every element of the concatenated data yields the same difference as the
/// other copies of its value, so a linear merge over distinct values visits
/// exactly the set of differences SciPy takes the extrema of, and evaluates
/// each with the same two divisions and one subtraction.
fn statistic(a: &[f64], b: &[f64]) -> f64 {
    let (n1, n2) = (a.len(), b.len());
    let mut ext = Extrema::new(n1, n2);
    let (mut i, mut j) = (0usize, 0usize);
    // Both samples non-exhausted. The next distinct value is the smaller
    // head; heads equal to it are consumed without branches, further copies
    // (ties) in a rarely taken branch. Since the data are sorted and no
    // element is below `v`, "<= v" (searchsorted side='right') is "== v".
    while i < n1 && j < n2 {
        let (x, y) = (a[i], b[j]);
        let v = if x <= y { x } else { y };
        if x != v && y != v {
            // Only possible with NaN input (outside the contract): stop
            // rather than loop forever.
            break;
        }
        i += usize::from(x == v);
        j += usize::from(y == v);
        if (i < n1 && a[i] == v) || (j < n2 && b[j] == v) {
            while i < n1 && a[i] == v {
                i += 1;
            }
            while j < n2 && b[j] == v {
                j += 1;
            }
        }
        ext.visit(i, j);
    }
    // One sample exhausted: the other's remaining distinct values.
    while i < n1 {
        let v = a[i];
        i += 1;
        while i < n1 && a[i] == v {
            i += 1;
        }
        ext.visit(i, j);
    }
    while j < n2 {
        let v = b[j];
        j += 1;
        while j < n2 && b[j] == v {
            j += 1;
        }
        ext.visit(i, j);
    }
    ext.statistic()
}

/// Running max/min of `fl(fl(i/n1) - fl(j/n2))` over the visited `(i, j)`:
/// the same two int-to-float divisions and subtraction as NumPy's
/// `searchsorted(...) / n1 - searchsorted(...) / n2`.
pub(crate) struct Extrema {
    n1f: f64,
    n2f: f64,
    fmax: f64,
    fmin: f64,
}

impl Extrema {
    pub(crate) fn new(n1: usize, n2: usize) -> Self {
        Extrema {
            n1f: n1 as f64,
            n2f: n2 as f64,
            fmax: f64::NEG_INFINITY,
            fmin: f64::INFINITY,
        }
    }

    /// `max(max(d), clip(-min(d), 0, 1))`, preferring the positive side on ties.
    pub(crate) fn statistic(&self) -> f64 {
        let min_s = (-self.fmin).clamp(0.0, 1.0);
        let max_s = self.fmax;
        if min_s > max_s { min_s } else { max_s }
    }

    #[inline]
    pub(crate) fn visit(&mut self, i: usize, j: usize) {
        let d = i as f64 / self.n1f - j as f64 / self.n2f;
        self.fmax = self.fmax.max(d);
        self.fmin = self.fmin.min(d);
    }
}

fn gcd(mut a: usize, mut b: usize) -> usize {
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

/// `_compute_prob_outside_square(n, h)`: `Pr(D_{n,n} >= h/n)` for equal
/// sample sizes,
/// `2 * (binom(2n, n-h) - binom(2n, n-2h) + ...) / binom(2n, n)`,
/// evaluated with SciPy's Horner-like scheme
/// `2 A0 (1 - A1 (1 - A2 (1 - ...)))` to avoid subtractive cancellation.
/// Python float arithmetic: each step is `(int * p1) / int`.
fn prob_outside_square(n: i64, h: i64) -> f64 {
    let mut p = 0.0;
    let mut k = (n as f64 / h as f64).floor() as i64;
    while k >= 0 {
        let mut p1 = 1.0;
        for j in 0..h {
            p1 = (n - k * h - j) as f64 * p1 / (n + k * h + j + 1) as f64;
        }
        p = p1 * (1.0 - p);
        k -= 1;
    }
    2.0 * p
}

/// `_compute_outer_prob_inside_method(m, n, g, h)` (`_stats_pythran.py`):
/// the proportion of lattice paths from (0,0) to (m,n) that do *not* stay
/// strictly inside `|x/m - y/n| < h/lcm(m,n)`, via Viehmann's recursion for
/// `1 - p`, keeping one sliding-window column of the path-count matrix.
fn outer_prob_inside_method(m: i64, n: i64, g: i64, h: i64) -> f64 {
    // Symmetric in m, n; the computation assumes m >= n.
    let (m, n) = if m < n { (n, m) } else { (m, n) };
    let mg = m / g;
    let ng = n / g;

    // Pythran follows Python 3 semantics: `/` on ints is true division.
    let mut minj: i64 = 0;
    let mut maxj: i64 = ((h as f64 / mg as f64).ceil() as i64).min(n + 1);
    let mut curlen = maxj - minj;
    // Long enough for the widest window needed.
    let len_a = (2 * maxj + 2).min(n + 1) as usize;
    let mut a = vec![1.0f64; len_a];
    // Initialise the first column: A[minj:maxj] = 0.
    for e in a.iter_mut().take(maxj.max(0) as usize) {
        *e = 0.0;
    }
    for i in 1..=m {
        // Sliding window of the next column.
        let (lastminj, lastlen) = (minj, curlen);
        minj = (((ng * i - h) as f64 / mg as f64).floor() as i64 + 1).max(0);
        minj = minj.min(n);
        maxj = (((ng * i + h) as f64 / mg as f64).ceil() as i64).min(n + 1);
        if maxj <= minj {
            return 1.0;
        }
        // Fill in the values (a cumulative sum with rescaling, in place).
        let fi = i as f64;
        let mut val = if minj == 0 { 0.0 } else { 1.0 };
        for jj in 0..(maxj - minj) {
            let j = jj + minj;
            // In bounds: jj + minj - lastminj < maxj - lastminj
            // < (2h + ng)/mg + 1 <= 2 ceil(h/mg) + 2 (or <= n + 1), i.e. len_a,
            // with exact floor/ceil as all operands are integers < 2^52.
            // `outer_prob_inside_indices_in_bounds` exercises this.
            val = (a[(jj + minj - lastminj) as usize] * fi + val * j as f64) / (fi + j as f64);
            a[jj as usize] = val;
        }
        curlen = maxj - minj;
        if lastlen > curlen {
            // Set some carried-over elements to 1 (slice assignment clips).
            let s = ((maxj - minj) as usize).min(len_a);
            let e = ((maxj - minj + (lastlen - curlen)) as usize).min(len_a);
            for x in &mut a[s..e] {
                *x = 1.0;
            }
        }
    }
    a[(maxj - minj - 1) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The read index `jj + minj - lastminj` and the result index stay
    /// inside the window buffer for every (m, n, h) in a broad grid, so the
    /// direct indexing in `outer_prob_inside_method` cannot panic.
    #[test]
    fn outer_prob_inside_indices_in_bounds() {
        for m in 1..=30i64 {
            for n in 1..=30i64 {
                if m == n {
                    continue;
                }
                let g = gcd(m as usize, n as usize) as i64;
                let lcm = m / g * n;
                for h in 1..=lcm {
                    let p = outer_prob_inside_method(m, n, g, h);
                    assert!(p.is_finite(), "m={m} n={n} h={h}");
                }
            }
        }
        for &(m, n) in &[(1000i64, 999i64), (10000, 3), (1, 10000), (10000, 7001)] {
            let g = gcd(m as usize, n as usize) as i64;
            let lcm = m / g * n;
            for h in [
                1,
                2,
                lcm / 1000 + 1,
                lcm / 7,
                lcm / 3,
                lcm / 2,
                lcm - 1,
                lcm,
            ] {
                let p = outer_prob_inside_method(m, n, g, h);
                assert!(p.is_finite());
            }
        }
    }

    #[test]
    fn statistic_with_ties() {
        // cdf diffs at 1, 2, 3: (1/3 - 0), (2/3 - 2/2), (1 - 1). In floating
        // point 2/3 - 1 = -0.33333333333333337, whose negation beats 1/3.
        let d = statistic(&[1.0, 2.0, 3.0], &[2.0, 2.0]);
        assert_eq!(d, 0.33333333333333337);
        // The exact branch then rounds it onto the lattice h / lcm = 2 / 6.
        assert_eq!(
            ks_2samp_sorted(&[1.0, 2.0, 3.0], &[2.0, 2.0]).statistic,
            2.0 / 6.0
        );
        assert_eq!(statistic(&[1.0, 2.0], &[1.0, 2.0]), 0.0);
    }

    #[test]
    fn empty_or_nan_input_is_nan() {
        let r = ks_2samp_sorted(&[], &[1.0]);
        assert!(r.statistic.is_nan() && r.p_value.is_nan());
        let r = ks_2samp_sorted(&[1.0, f64::NAN], &[2.0, 3.0]);
        assert!(r.statistic.is_nan() && r.p_value.is_nan());
    }

    #[test]
    fn infinities_like_scipy() {
        // scipy: ks_2samp([1, inf], [2, 3, -inf]) -> (0.5, 0.9)
        let r = ks_2samp_sorted(&[1.0, f64::INFINITY], &[f64::NEG_INFINITY, 2.0, 3.0]);
        assert_eq!((r.statistic, r.method), (0.5, KsMethod::Exact));
        assert!((r.p_value - 0.9).abs() < 1e-15);
    }
}
