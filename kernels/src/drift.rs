//! Two-sample drift statistics for one column pair: the method is the
//! plugin's choice, the numbers are computed here. Nulls, NaN and
//! infinities are left out of every statistic (and counted), as Evidently
//! and SciPy users expect.

use super::sample::{
    Binned, Binning, CategoryCounts, NumericSample, aligned_counts, binned_shares, category_shares,
};
use super::{Chunks, KernelError, ks, stats};

/// A drift statistic. Tests give a p-value; distances give only a statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Two-sample Kolmogorov–Smirnov (`scipy.stats.ks_2samp`).
    Ks,
    /// Chi-square contingency test, both samples random (`chi2_contingency`).
    ChiSquare,
    /// Chi-square goodness of fit to the reference proportions (Evidently's).
    ChiSquareGof,
    /// Pooled two-proportion z-test, for at most two categories.
    Z,
    Psi,
    KlDiv,
    JensenShannon,
    Hellinger,
    /// Wasserstein-1 distance in the column's units.
    Wasserstein,
    /// Wasserstein-1 divided by max(reference std, 0.001) (Evidently's).
    WassersteinNormed,
}

impl Method {
    pub fn needs_numbers(self) -> bool {
        matches!(
            self,
            Method::Ks | Method::Wasserstein | Method::WassersteinNormed
        )
    }

    pub fn needs_categories(self) -> bool {
        matches!(self, Method::ChiSquare | Method::ChiSquareGof | Method::Z)
    }

    /// Refuses a method asked of the wrong kind of comparison.
    pub(crate) fn check_kind(self, kind: Kind) -> Result<(), KernelError> {
        match kind {
            Kind::Numerical if self.needs_categories() => Err(KernelError(format!(
                "{self:?} compares categories; ask for the categorical kind"
            ))),
            Kind::Categorical if self.needs_numbers() => Err(KernelError(format!(
                "{self:?} compares numbers; ask for the numerical kind"
            ))),
            _ => Ok(()),
        }
    }
}

/// Whether the values are compared as numbers or as categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Numerical,
    Categorical,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DriftRequest {
    pub method: Method,
    pub kind: Kind,
    pub binning: Binning,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DriftResult {
    pub statistic: f64,
    pub p_value: Option<f64>,
    /// How it was computed, e.g. `exact` / `asymptotic` for KS, `dof=3`.
    pub detail: String,
    /// Values that entered the statistic.
    pub n_reference: u64,
    pub n_current: u64,
    /// Rows left out: nulls, NaN, infinities.
    pub missing_reference: u64,
    pub missing_current: u64,
    /// Bins or categories compared (binned and categorical methods).
    pub bins: u64,
    /// Current values never seen in the reference (categorical kind only).
    pub new_categories: Option<NewCategories>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewCategories {
    pub rows: u64,
    pub distinct: u64,
    /// The most frequent first, at most ten.
    pub examples: Vec<(String, u64)>,
}

const EXAMPLES: usize = 10;

/// Computes `request.method` on one column pair.
pub fn two_sample(
    reference: &dyn Chunks,
    current: &dyn Chunks,
    request: &DriftRequest,
) -> Result<DriftResult, KernelError> {
    request.method.check_kind(request.kind)?;
    match request.kind {
        Kind::Numerical => {
            // Both sides read and sorted at once, one core each.
            let (r, c) = rayon::join(
                || NumericSample::from_chunks(reference),
                || NumericSample::from_chunks(current),
            );
            let (r, c) = (r?, c?);
            reference.learn_summary(&super::describe::summary_of(&r));
            current.learn_summary(&super::describe::summary_of(&c));
            numerical(&r, &c, request)
        }
        Kind::Categorical => {
            // Numbers stay numbers when both sides are numeric, so `1` and
            // `1.0` are one category.
            let as_numbers = super::views::is_numeric(reference.value_type())
                && super::views::is_numeric(current.value_type());
            let reference = CategoryCounts::from_chunks(reference, as_numbers)?;
            let current = CategoryCounts::from_chunks(current, as_numbers)?;
            categorical(&reference, &current, request, None)
        }
    }
}

pub(crate) fn empty_error(reference: u64, current: u64) -> Result<(), KernelError> {
    match (reference, current) {
        (0, 0) => Err(KernelError("both samples have no values".into())),
        (0, _) => Err(KernelError("the reference sample has no values".into())),
        (_, 0) => Err(KernelError("the current sample has no values".into())),
        _ => Ok(()),
    }
}

fn numerical(
    reference: &NumericSample,
    current: &NumericSample,
    request: &DriftRequest,
) -> Result<DriftResult, KernelError> {
    empty_error(reference.len() as u64, current.len() as u64)?;
    let mut result = DriftResult {
        n_reference: reference.len() as u64,
        n_current: current.len() as u64,
        missing_reference: reference.dropped(),
        missing_current: current.dropped(),
        ..Default::default()
    };
    let (r, c) = (&reference.sorted, &current.sorted);
    match request.method {
        Method::Ks => {
            let test = ks::ks_2samp_sorted(r, c);
            result.statistic = test.statistic;
            result.p_value = Some(test.p_value);
            result.detail = test.method.label().into();
        }
        Method::Wasserstein => result.statistic = stats::wasserstein(r, c),
        Method::WassersteinNormed => {
            let std = stats::std_dev(r);
            result.statistic = stats::wasserstein(r, c) / std.max(0.001);
            result.detail = format!("reference std {std}");
        }
        method => {
            let binned = binned_shares(reference, current, &request.binning)?;
            binned_distance(method, &binned, &mut result);
        }
    }
    Ok(result)
}

/// A binned distance over `binned`, with its bins and their range, into
/// `result` (tables and profiles alike).
pub(crate) fn binned_distance(method: Method, binned: &Binned, result: &mut DriftResult) {
    let (p, q, edges) = (&binned.reference, &binned.current, &binned.edges);
    result.bins = p.len() as u64;
    result.statistic = distance(method, p, q);
    result.detail = format!(
        "{} bins from {:.6} to {:.6}",
        p.len(),
        edges[0],
        edges[edges.len() - 1]
    );
}

pub(crate) fn distance(method: Method, p: &[f64], q: &[f64]) -> f64 {
    match method {
        Method::Psi => stats::psi(p, q),
        Method::KlDiv => stats::kl_divergence(p, q),
        Method::JensenShannon => stats::jensen_shannon(p, q),
        Method::Hellinger => stats::hellinger(p, q),
        _ => f64::NAN,
    }
}

/// `rest`: rows of categories counted together (past a profile's
/// category cap), one more category after the named ones.
pub(crate) fn categorical(
    reference: &CategoryCounts,
    current: &CategoryCounts,
    request: &DriftRequest,
    rest: Option<(u64, u64)>,
) -> Result<DriftResult, KernelError> {
    let (keys, mut r, mut c) = aligned_counts(reference, current);
    if let Some((a, b)) = rest {
        r.push(a);
        c.push(b);
    }
    let (n_reference, n_current) = (r.iter().sum(), c.iter().sum());
    empty_error(n_reference, n_current)?;
    let mut new: Vec<(String, u64)> = keys
        .iter()
        .zip(r.iter().zip(&c))
        .filter(|(_, (r, c))| **r == 0 && **c > 0)
        .map(|(k, (_, c))| (k.render(), *c))
        .collect();
    let new_rows = new.iter().map(|(_, n)| n).sum();
    let new_distinct = new.len() as u64;
    new.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    new.truncate(EXAMPLES);
    let mut result = DriftResult {
        n_reference,
        n_current,
        missing_reference: reference.nulls,
        missing_current: current.nulls,
        bins: r.len() as u64,
        new_categories: Some(NewCategories {
            rows: new_rows,
            distinct: new_distinct,
            examples: new,
        }),
        ..Default::default()
    };
    match request.method {
        Method::ChiSquare | Method::ChiSquareGof => {
            let test = if request.method == Method::ChiSquare {
                stats::chi2_contingency(&r, &c)
            } else {
                stats::chi2_goodness_of_fit(&r, &c)
            };
            result.statistic = test.statistic;
            result.p_value = Some(test.p_value);
            result.detail = format!("dof={}", test.dof);
        }
        Method::Z => {
            if r.len() > 2 {
                return Err(KernelError(format!(
                    "the z-test compares two categories; this column has {}",
                    r.len()
                )));
            }
            // The first category (in sorted order) counts as the success;
            // the p-value does not depend on which one.
            let test = stats::z_test(r[0], n_reference, c[0], n_current);
            result.statistic = test.statistic;
            result.p_value = Some(test.p_value);
            result.detail = format!("success = {}", keys[0].render());
        }
        method => {
            let (p, q) = category_shares(&r, &c, request.binning.smoothing);
            result.statistic = distance(method, &p, &q);
            result.detail = format!("{} categories", r.len());
        }
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Bins, Edges, Smoothing};
    use arrow::array::{Float64Array, StringArray};

    fn request(method: Method, kind: Kind) -> DriftRequest {
        DriftRequest {
            method,
            kind,
            binning: Binning::default(),
        }
    }

    #[test]
    fn identical_samples_do_not_drift() {
        let a = Float64Array::from((0..500).map(|i| (i % 37) as f64).collect::<Vec<_>>());
        for method in [
            Method::Ks,
            Method::Wasserstein,
            Method::WassersteinNormed,
            Method::Psi,
            Method::JensenShannon,
        ] {
            let r = two_sample(&a, &a, &request(method, Kind::Numerical)).unwrap();
            assert!(r.statistic.abs() < 1e-12, "{method:?}: {}", r.statistic);
        }
        let s = StringArray::from(vec!["a", "b", "b", "c"]);
        let r = two_sample(&s, &s, &request(Method::ChiSquare, Kind::Categorical)).unwrap();
        assert_eq!(r.p_value, Some(1.0));
    }

    #[test]
    fn new_categories_are_reported() {
        let reference = StringArray::from(vec![Some("a"), Some("b"), None]);
        let current = StringArray::from(vec!["a", "z", "z", "y"]);
        let r = two_sample(
            &reference,
            &current,
            &request(Method::JensenShannon, Kind::Categorical),
        )
        .unwrap();
        let new = r.new_categories.unwrap();
        assert_eq!((new.rows, new.distinct), (3, 2));
        assert_eq!(new.examples[0], ("z".to_string(), 2));
        assert_eq!((r.missing_reference, r.n_reference, r.bins), (1, 2, 4));
    }

    #[test]
    fn all_missing_samples_are_an_error_not_a_number() {
        let empty = Float64Array::from(vec![None, Some(f64::NAN)]);
        let full = Float64Array::from(vec![1.0, 2.0]);
        let e = two_sample(&empty, &full, &request(Method::Ks, Kind::Numerical)).unwrap_err();
        assert!(e.0.contains("reference sample has no values"), "{e}");
    }

    #[test]
    fn methods_refuse_the_wrong_kind() {
        let a = Float64Array::from(vec![1.0]);
        assert!(two_sample(&a, &a, &request(Method::Ks, Kind::Categorical)).is_err());
        assert!(two_sample(&a, &a, &request(Method::ChiSquare, Kind::Numerical)).is_err());
        let three = StringArray::from(vec!["a", "b", "c"]);
        assert!(two_sample(&three, &three, &request(Method::Z, Kind::Categorical)).is_err());
    }

    #[test]
    fn constant_columns_bin_into_one_bin() {
        let a = Float64Array::from(vec![2.0; 10]);
        let binning = Binning {
            edges: Edges::Both,
            bins: Bins::Sturges,
            smoothing: Smoothing::None,
        };
        let req = DriftRequest {
            method: Method::JensenShannon,
            kind: Kind::Numerical,
            binning,
        };
        let r = two_sample(&a, &a, &req).unwrap();
        assert_eq!((r.bins, r.statistic), (1, 0.0));
    }
}
