//! Drift statistics from two profiles (a table side is profiled on the
//! fly with the other side's parameters, so both share one bucket grid).
//!
//! Counts over bins whose edges are bucket bounds are exact, so chi-square,
//! z, and PSI, KL, Jensen–Shannon and Hellinger are exact from profiles
//! (bin edges are snapped down to the bucket bounds they fall in). KS and
//! Wasserstein need the values inside a bucket, so they are bracketed: the
//! empirical CDFs are known exactly at every bucket bound, and between
//! them lie within the bucket's mass, which bounds the statistic on both
//! sides. A lossless profile (single-value buckets) gives an empty
//! bracket, computed with the same operations as the table kernels, so
//! the results are those kernels' to the bit.

use super::{ColumnProfile, Params};
use crate::drift::{
    DriftRequest, DriftResult, Kind, Method, binned_distance, categorical, empty_error,
};
use crate::sample::{CategoryCounts, Ranked, shared_edges, shares_over};
use crate::stats::Compensated;
use crate::{KernelError, ks};

/// The most values a lossless profile's standard deviation is taken over
/// one by one (as the table kernel does, for the same bits); past it, from
/// the exact sums. A file's counts are its word: the cost stays bounded.
const EXPANDED_STD_LIMIT: u64 = 200_000_000;

/// Whether a statistic is the full-data value or a bracket around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exactness {
    Exact,
    Bracketed,
}

/// A statistic from profiles: `result` holds the bracket's low end (the
/// least drift the data allow) and its p-value.
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub result: DriftResult,
    pub exactness: Exactness,
    /// `[low, high]`; equal when exact.
    pub statistic: (f64, f64),
    /// `[p(high), p(low)]` for tests.
    pub p_value: Option<(f64, f64)>,
}

impl Estimate {
    /// A full-data result, as an estimate with empty bounds.
    pub fn exact(result: DriftResult) -> Estimate {
        Estimate {
            statistic: (result.statistic, result.statistic),
            p_value: result.p_value.map(|p| (p, p)),
            exactness: Exactness::Exact,
            result,
        }
    }
}

/// The statistic `request` asks for, from two profiles on the grid `params`.
pub fn estimate(
    reference: &ColumnProfile,
    current: &ColumnProfile,
    params: &Params,
    request: &DriftRequest,
) -> Result<Estimate, KernelError> {
    request.method.check_kind(request.kind)?;
    match request.kind {
        Kind::Numerical => {
            for side in [reference, current] {
                if !side.numeric() {
                    return Err(crate::views::not_numerical(&side.data_type));
                }
            }
            numerical(reference, current, params, request)
        }
        Kind::Categorical => {
            if reference.numeric() != current.numeric() {
                return Err(KernelError(
                    "a numeric and a text column compare as categories only as two tables (a profile keeps numbers as numbers)".into(),
                ));
            }
            categories(reference, current, request)
        }
    }
}

/// One side's finite values as runs over the common grid: a run per
/// occupied bucket, its cumulative count, and its smallest possible value
/// (the value itself when lossless).
struct Runs {
    low: Vec<f64>,
    /// Values up to and including each run.
    cumulative: Vec<u64>,
    /// The exact extremes, for the first and last rank.
    min: f64,
    max: f64,
}

impl Runs {
    fn new(p: &ColumnProfile, params: &Params) -> Runs {
        let mut total = 0;
        let (low, cumulative) = p
            .buckets
            .iter()
            .map(|(key, n)| {
                total += n;
                (params.bucket_range(*key).0, total)
            })
            .unzip();
        Runs {
            low,
            cumulative,
            min: p.min.unwrap_or(f64::NAN),
            max: p.max.unwrap_or(f64::NAN),
        }
    }
}

impl Ranked for Runs {
    fn len(&self) -> usize {
        self.cumulative.last().copied().unwrap_or(0) as usize
    }
    fn at(&self, rank: usize) -> f64 {
        if rank == 0 {
            return self.min;
        }
        if rank + 1 == self.len() {
            return self.max;
        }
        let run = self.cumulative.partition_point(|c| *c as usize <= rank);
        self.low[run.min(self.low.len() - 1)]
    }
    fn below(&self, bound: f64, inclusive: bool) -> usize {
        let runs = match inclusive {
            true => self.low.partition_point(|v| *v <= bound),
            false => self.low.partition_point(|v| *v < bound),
        };
        match runs {
            0 => 0,
            k => self.cumulative[k - 1] as usize,
        }
    }
}

/// Both sides' bucket counts over the union of their buckets, ascending.
fn merged(reference: &ColumnProfile, current: &ColumnProfile) -> Vec<(u64, u64, u64)> {
    let (a, b) = (&reference.buckets, &current.buckets);
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    loop {
        let next = match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                i += 1;
                j += 1;
                (x.0, x.1, y.1)
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                i += 1;
                (x.0, x.1, 0)
            }
            (Some(x), None) => {
                i += 1;
                (x.0, x.1, 0)
            }
            (_, Some(y)) => {
                j += 1;
                (y.0, 0, y.1)
            }
            (None, None) => break,
        };
        out.push(next);
    }
    out
}

fn numerical(
    reference: &ColumnProfile,
    current: &ColumnProfile,
    params: &Params,
    request: &DriftRequest,
) -> Result<Estimate, KernelError> {
    let (nr, nc) = (reference.finite(), current.finite());
    empty_error(nr, nc)?;
    let mut result = DriftResult {
        n_reference: nr,
        n_current: nc,
        missing_reference: reference.rows - nr,
        missing_current: current.rows - nc,
        ..Default::default()
    };
    let lossless = params.lossless();
    let runs = merged(reference, current);
    match request.method {
        Method::Ks => {
            let (mut low, mut high) = (
                ks::Extrema::new(nr as usize, nc as usize),
                ks::Extrema::new(nr as usize, nc as usize),
            );
            let (mut i, mut j) = (0usize, 0usize);
            for &(_, a, b) in &runs {
                let (i0, j0) = (i, j);
                (i, j) = (i + a as usize, j + b as usize);
                low.visit(i, j);
                high.visit(i, j);
                // Inside a bucket both sides fill, the CDFs may part by
                // up to one side's whole mass before the other's.
                if !lossless && a > 0 && b > 0 {
                    high.visit(i, j0);
                    high.visit(i0, j);
                }
            }
            let at_low = ks::finish(low.statistic(), nr as usize, nc as usize);
            let at_high = ks::finish(high.statistic(), nr as usize, nc as usize);
            result.statistic = at_low.statistic;
            result.p_value = Some(at_low.p_value);
            result.detail = at_low.method.label().into();
            if at_high.statistic == at_low.statistic {
                return Ok(Estimate::exact(result));
            }
            result.detail += &format!(
                "; D in [{:.6}, {:.6}] from {} buckets",
                at_low.statistic,
                at_high.statistic,
                runs.len()
            );
            Ok(Estimate {
                result,
                exactness: super::Exactness::Bracketed,
                statistic: (at_low.statistic, at_high.statistic),
                p_value: Some((at_high.p_value, at_low.p_value)),
            })
        }
        Method::Wasserstein | Method::WassersteinNormed => {
            let (mut low, mut high) = wasserstein(&runs, nr, nc, params);
            if request.method == Method::WassersteinNormed {
                let std = match lossless && nr <= EXPANDED_STD_LIMIT {
                    // The sorted values are the runs expanded: NumPy's
                    // two passes over them, as the table kernel takes.
                    true => crate::stats::std_dev_of(nr as usize, &|| {
                        reference.buckets.iter().flat_map(|&(key, n)| {
                            std::iter::repeat_n(params.bucket_range(key).0, n as usize)
                        })
                    }),
                    false => reference.moments.variance(nr).sqrt(),
                };
                if std.is_nan() {
                    return Err(KernelError(
                        "the reference's values are too large (|Σx| past 1e150) for a standard deviation from the profile's sums; compare the table itself".into(),
                    ));
                }
                low /= std.max(0.001);
                high /= std.max(0.001);
                result.detail = format!("reference std {std}");
            }
            result.statistic = low;
            if low == high {
                return Ok(Estimate::exact(result));
            }
            result.detail = format!(
                "{}W in [{low:.6}, {high:.6}] from {} buckets",
                if result.detail.is_empty() {
                    String::new()
                } else {
                    format!("{}; ", result.detail)
                },
                runs.len()
            );
            Ok(Estimate {
                result,
                exactness: super::Exactness::Bracketed,
                statistic: (low, high),
                p_value: None,
            })
        }
        method => {
            let binned = binned(reference, current, params, &request.binning)?;
            binned_distance(method, &binned, &mut result);
            if !lossless {
                result.detail += ", edges on bucket bounds";
            }
            Ok(Estimate::exact(result))
        }
    }
}

/// Both sides' shares over the bins `binning` asks for. When lossy, every
/// edge but the closing one moves down to the bound of its bucket, so
/// whole buckets fall on one side of it and the counts are exact.
pub(crate) fn binned(
    reference: &ColumnProfile,
    current: &ColumnProfile,
    params: &Params,
    binning: &crate::sample::Binning,
) -> Result<crate::sample::Binned, KernelError> {
    let (r, c) = (Runs::new(reference, params), Runs::new(current, params));
    let mut edges = shared_edges(&r, &c, reference.integer(), current.integer(), binning)?;
    if !params.lossless() {
        let last = edges.len() - 1;
        for e in edges[..last].iter_mut().filter(|e| e.is_finite()) {
            *e = params.bucket_range(params.bucket(*e)).0;
        }
        edges.dedup();
        if edges.len() < 2 {
            return Err(KernelError(
                "the bins collapse into one bucket; profile with more mantissa bits".into(),
            ));
        }
    }
    Ok(shares_over(&r, &c, edges, binning.smoothing))
}

/// Bounds of the Wasserstein-1 distance from bucket counts. Between
/// occupied buckets both CDFs are known; inside a bucket of width w,
/// where they run from a0→a1 and c0→c1, the area lies in
/// w·[max(0, c0 − a1, a0 − c1), max(|a1 − c0|, |c1 − a0|)]. Lossless
/// buckets have no inside, and the gaps are summed as
/// `stats::wasserstein` sums them, so the result is its result.
fn wasserstein(runs: &[(u64, u64, u64)], nr: u64, nc: u64, params: &Params) -> (f64, f64) {
    let (nu, nv) = (nr as f64, nc as f64);
    let (mut low, mut high) = (Compensated::default(), Compensated::default());
    let (mut i, mut j) = (0u64, 0u64);
    let mut inside = false;
    for (k, &(key, a, b)) in runs.iter().enumerate() {
        let (lo, hi) = params.bucket_range(key);
        let (a0, c0) = (i as f64 / nu, j as f64 / nv);
        (i, j) = (i + a, j + b);
        let (a1, c1) = (i as f64 / nu, j as f64 / nv);
        if !params.lossless() && hi > lo {
            inside = true;
            let w = hi - lo;
            low.add(w * (c0 - a1).max(a0 - c1).max(0.0));
            high.add(w * (a1 - c0).abs().max((c1 - a0).abs()));
        }
        if let Some(&(next, _, _)) = runs.get(k + 1) {
            let gap = params.bucket_range(next).0 - hi;
            let d = (i as f64 / nu - j as f64 / nv).abs() * gap;
            low.add(d);
            high.add(d);
        }
    }
    let (low, high) = (low.total(), high.total());
    if !inside {
        return (low, high);
    }
    // Rounding: both sums and the full-data sum carry a few ulps of
    // error each; widen so the bracket holds the computed value too.
    (low * (1.0 - 1e-12), high * (1.0 + 1e-12))
}

fn categories(
    reference: &ColumnProfile,
    current: &ColumnProfile,
    request: &DriftRequest,
) -> Result<Estimate, KernelError> {
    // Past either side's cap only the categories below both caps' hash
    // thresholds are known on both sides; the rest is one category.
    let threshold = |p: &ColumnProfile| {
        (p.categories.remainder > 0)
            .then(|| {
                p.categories
                    .kept
                    .last()
                    .map(|(c, _)| (super::category_hash(c), c.clone()))
            })
            .flatten()
    };
    let limit = match (threshold(reference), threshold(current)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    let capped = reference.categories.remainder > 0 || current.categories.remainder > 0;
    let counts = |p: &ColumnProfile| -> (CategoryCounts, u64) {
        let mut out = CategoryCounts {
            nulls: p.rows - p.categories.total(),
            ..Default::default()
        };
        let mut kept = 0;
        for (c, n) in &p.categories.kept {
            let below = match &limit {
                Some(l) => (super::category_hash(c), c) <= (l.0, &l.1),
                None => true,
            };
            if below {
                out.counts.insert(c.clone(), *n);
                kept += n;
            }
        }
        (out, p.categories.total() - kept)
    };
    let ((r, r_rest), (c, c_rest)) = (counts(reference), counts(current));
    let rest = capped.then_some((r_rest, c_rest));
    let mut result = categorical(&r, &c, request, rest)?;
    if capped {
        result.detail += &format!(
            "; past the category cap, {r_rest} reference and {c_rest} current rows counted as one category"
        );
    }
    Ok(Estimate::exact(result))
}
