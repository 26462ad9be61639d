//! Model quality from predictions: the scikit-learn metrics for binary,
//! multiclass and regression tasks, per slice, and the paired statistics
//! that compare a candidate with a champion on the same rows (bootstrap,
//! DeLong, McNemar).
//!
//! Every metric is a weighted sum or a pass over rows in score order, so
//! each score column is sorted once ([`Ranking`]) and a slice is the global
//! order filtered by membership, never a second sort. Weights are per row;
//! the bootstrap reuses the same code with weights multiplied by how often a
//! row was drawn, which is the same as repeating it.
//!
//! Where scikit-learn returns NaN, raises, or warns and returns a number,
//! [`Undefined`] says why (a metric is never a silent NaN); the documented
//! differences are listed on each function.

pub mod binary;
pub mod holdout;
pub mod multiclass;
pub mod paired;
#[cfg(test)]
mod reference;
pub mod regression;
pub(crate) mod rng;

pub use binary::{BinaryMetric, BinaryOptions, BinaryRows, Ranking};
pub use multiclass::{MulticlassMetric, MulticlassRows};
pub use paired::{Bootstrap, DeLong, McNemar, Stopped, bootstrap, delong, mcnemar};
pub use regression::{RegressionMetric, RegressionRows};

/// Why a metric has no value on these rows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Undefined(pub String);

pub(crate) fn undefined<T>(why: impl Into<String>) -> Result<T, Undefined> {
    Err(Undefined(why.into()))
}

/// `numerator / denominator`, or `zero` when the denominator is 0, as
/// scikit-learn's `zero_division` does.
#[inline]
pub(crate) fn ratio(numerator: f64, denominator: f64, zero: f64) -> f64 {
    if denominator == 0.0 {
        zero
    } else {
        numerator / denominator
    }
}

/// A metric's name, as suites and findings spell it.
pub trait Named: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn name(self) -> &'static str;
    fn parse(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|m| m.name() == name)
    }
    /// Whether a larger value is better.
    fn greater_is_better(self) -> bool;
}
