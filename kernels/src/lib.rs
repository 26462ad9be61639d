//! Host-side kernels: statistics over Arrow arrays that plugins reach through
//! column and table handles. The data never enters guest memory; only small
//! results do.
//!
//! Every kernel is a plain function of Arrow arrays; [`Backend`] is the seam
//! a faster implementation (a GPU one, behind a cargo feature) plugs into.
//! Its default methods are the CPU implementation, which is the reference:
//! another backend overrides what it accelerates and must give the same
//! answers, checked against the same reference values (`reference.rs`).

mod chunks;
pub mod compare;
pub mod confusion;
mod describe;
pub mod drift;
pub mod ipc;
pub mod ks;
pub mod profile;
pub mod quality;
pub mod sample;
pub mod stats;
mod views;

#[cfg(test)]
mod reference;

use arrow::array::{Array, ArrayRef};

pub use chunks::{Batches, Chunks, One, Visit};
pub use compare::{Alignment, ColumnDiff, Mismatch, Tolerance};
pub use confusion::{Cell, Confusion, Positive};
pub use describe::{
    PairProfile, SideProfile, Summary, Unseen, ValueCounts, count_outside, summarize, unseen,
    value_counts,
};
pub use drift::{DriftRequest, DriftResult, Kind, Method, NewCategories};
pub use sample::{Binning, Bins, Edges, Smoothing};
pub use views::{is_numeric, numeric_view};

/// The most bins any binning may make: each costs a count and an edge per
/// sample, and more than this many is a mistake, never a finer answer.
pub const MAX_BINS: usize = 100_000;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct KernelError(pub String);

impl From<arrow::error::ArrowError> for KernelError {
    fn from(e: arrow::error::ArrowError) -> Self {
        KernelError(e.to_string())
    }
}

/// The kernels a plugin can call. Each default method is the CPU reference
/// implementation.
pub trait Backend: Send + Sync {
    fn name(&self) -> &'static str;

    fn summarize(&self, column: &dyn Chunks) -> Result<Summary, KernelError> {
        describe::summarize(column)
    }

    fn value_counts(&self, column: &dyn Chunks, limit: usize) -> Result<ValueCounts, KernelError> {
        describe::value_counts(column, limit)
    }

    fn unseen(
        &self,
        reference: &dyn Array,
        current: &dyn Array,
        limit: usize,
    ) -> Result<Unseen, KernelError> {
        describe::unseen(reference, current, limit)
    }

    fn count_outside(&self, column: &dyn Chunks, low: f64, high: f64) -> Result<u64, KernelError> {
        describe::count_outside(column, low, high)
    }

    fn histogram(&self, column: &dyn Chunks, edges: &[f64]) -> Result<Vec<u64>, KernelError> {
        describe::histogram(column, edges)
    }

    fn quantiles(&self, column: &dyn Chunks, q: &[f64]) -> Result<Vec<Option<f64>>, KernelError> {
        describe::quantiles(column, q)
    }

    fn profile(
        &self,
        reference: &dyn Chunks,
        current: &dyn Chunks,
        distinct_limit: u64,
    ) -> Result<PairProfile, KernelError> {
        describe::profile(reference, current, distinct_limit)
    }

    fn two_sample(
        &self,
        reference: &dyn Chunks,
        current: &dyn Chunks,
        request: &DriftRequest,
    ) -> Result<DriftResult, KernelError> {
        drift::two_sample(reference, current, request)
    }

    fn confusion_by_group(
        &self,
        label: &dyn Array,
        prediction: &dyn Array,
        positive: &Positive,
        groups: &[ArrayRef],
    ) -> Result<Confusion, KernelError> {
        confusion::confusion_by_group(label, prediction, positive, groups)
    }

    fn compare_columns(
        &self,
        actual: &dyn Array,
        expected: &dyn Array,
        tolerance: &Tolerance,
        limit: usize,
    ) -> Result<ColumnDiff, KernelError> {
        compare::compare_columns(actual, expected, tolerance, limit)
    }

    /// Model quality from holdout predictions, per slice, with the paired
    /// statistics against a champion.
    fn quality(
        &self,
        request: &quality::holdout::Request,
    ) -> Result<quality::holdout::Report, quality::holdout::HoldoutError> {
        quality::holdout::evaluate(request)
    }

    /// Pairs two tables' rows by their key columns (table comparison).
    fn align_by_key(
        &self,
        actual: &[ArrayRef],
        expected: &[ArrayRef],
        limit: usize,
    ) -> Result<Alignment, KernelError> {
        compare::align_by_key(actual, expected, limit)
    }

    /// One column pair of a table comparison: aligned by key when there is
    /// an alignment, else by position.
    fn compare_aligned(
        &self,
        actual: &dyn Array,
        expected: &dyn Array,
        alignment: Option<&Alignment>,
        tolerance: &Tolerance,
        limit: usize,
    ) -> Result<ColumnDiff, KernelError> {
        match alignment {
            Some(a) => {
                let actual = compare::take(actual, &a.actual_rows)?;
                let expected = compare::take(expected, &a.expected_rows)?;
                self.compare_columns(actual.as_ref(), expected.as_ref(), tolerance, limit)
            }
            None => self.compare_columns(actual, expected, tolerance, limit),
        }
    }
}

/// The reference implementation: every default method, on the CPU.
pub struct Cpu;

impl Backend for Cpu {
    fn name(&self) -> &'static str {
        "cpu"
    }
}

/// The backend this build uses.
pub fn backend() -> &'static dyn Backend {
    &Cpu
}
