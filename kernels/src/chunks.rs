//! Columns as a sequence of chunks, so a kernel never needs a column whole.
//!
//! A table file is read a batch at a time; a column that is kept in memory
//! is one chunk. Kernels that can
//! work chunk by chunk take [`Chunks`], and a column of 100M rows then
//! costs them a batch of memory, not the column. Kernels that sort keep
//! only the finite values as f64 ([`crate::NumericSample`]), never the
//! Arrow column beside them.

use arrow::array::Array;
use arrow::datatypes::DataType;

use super::{KernelError, Summary};

/// What a chunk visitor returns: an error stops the scan.
pub type Visit<'f> = dyn FnMut(&dyn Array) -> Result<(), KernelError> + 'f;

/// A column that can be read, in order, as one or more arrays; possibly
/// several times (a scan is a fresh read).
pub trait Chunks: Sync {
    /// The column's declared type. Chunks have it too, or are dictionaries
    /// of it (strings as Parquet stores them).
    fn value_type(&self) -> &DataType;
    /// Rows over all chunks.
    fn rows(&self) -> u64;
    /// Calls `visit` on each chunk in order.
    fn scan(&self, visit: &mut Visit<'_>) -> Result<(), KernelError>;
    /// The column's summary, if an earlier read already gave it.
    fn known_summary(&self) -> Option<Summary> {
        None
    }
    /// Told the summary whenever a kernel had every value in hand anyway
    /// (a sort for drift or quantiles), so asking for it later costs no
    /// second pass.
    fn learn_summary(&self, _summary: &Summary) {}
}

/// Any array is a column of one chunk.
impl<T: Array> Chunks for T {
    fn value_type(&self) -> &DataType {
        self.data_type()
    }
    fn rows(&self) -> u64 {
        self.len() as u64
    }
    fn scan(&self, visit: &mut Visit<'_>) -> Result<(), KernelError> {
        visit(self)
    }
}

/// A borrowed array as a column of one chunk (`&dyn Array` is unsized, so
/// it cannot be a `&dyn Chunks` itself).
pub struct One<'a>(pub &'a dyn Array);

impl Chunks for One<'_> {
    fn value_type(&self) -> &DataType {
        self.0.data_type()
    }
    fn rows(&self) -> u64 {
        self.0.len() as u64
    }
    fn scan(&self, visit: &mut Visit<'_>) -> Result<(), KernelError> {
        visit(self.0)
    }
}

/// Arrays taken as consecutive chunks of one column (tests, and callers
/// that hold a column's batches).
pub struct Batches<'a> {
    data_type: DataType,
    batches: &'a [arrow::array::ArrayRef],
}

impl<'a> Batches<'a> {
    /// `data_type` is used when there are no batches.
    pub fn new(data_type: DataType, batches: &'a [arrow::array::ArrayRef]) -> Self {
        Batches { data_type, batches }
    }
}

impl Chunks for Batches<'_> {
    fn value_type(&self) -> &DataType {
        &self.data_type
    }
    fn rows(&self) -> u64 {
        self.batches.iter().map(|b| b.len() as u64).sum()
    }
    fn scan(&self, visit: &mut Visit<'_>) -> Result<(), KernelError> {
        self.batches.iter().try_for_each(|b| visit(b.as_ref()))
    }
}

/// The order-preserving integer of a float: sorting these sorts the
/// floats as `f64::total_cmp` does (-0.0 before 0.0), and back again is
/// exact, so a radix sort on them gives the same array bit for bit.
pub(crate) fn order_key(v: f64) -> u64 {
    let bits = v.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

pub(crate) fn from_order_key(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Sorts floats (no NaN) as `sort_unstable_by(f64::total_cmp)` would, as
/// integers: comparing order keys is cheaper than `total_cmp`, and the
/// sort is in place, so the column's values are the only buffer.
pub(crate) fn sort_floats(values: Vec<f64>) -> Vec<f64> {
    // Both maps reuse the allocation (same size and alignment).
    let mut keys: Vec<u64> = values.into_iter().map(order_key).collect();
    keys.sort_unstable();
    keys.into_iter().map(from_order_key).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_keys_sort_like_total_cmp_and_round_trip() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            f64::MIN_POSITIVE,
            -f64::MIN_POSITIVE,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            2.0,
            2.0f64.next_up(),
            2.0f64.next_down(),
            -2.0,
            -2.0f64.next_up(),
        ];
        for v in &values {
            assert_eq!(from_order_key(order_key(*v)).to_bits(), v.to_bits());
        }
        let sorted = sort_floats(values.clone());
        values.sort_unstable_by(f64::total_cmp);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&sorted), bits(&values));
    }

    #[test]
    fn a_large_shuffled_column_sorts_as_the_comparison_sort_does() {
        // A fixed LCG: every sign, many exponents, repeats.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut values: Vec<f64> = (0..200_000)
            .map(|i| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let v = f64::from_bits(state);
                if v.is_nan() || i % 7 == 0 {
                    (i % 13) as f64 - 6.0
                } else {
                    v
                }
            })
            .collect();
        let sorted = sort_floats(values.clone());
        values.sort_unstable_by(f64::total_cmp);
        assert!(
            sorted
                .iter()
                .zip(&values)
                .all(|(a, b)| a.to_bits() == b.to_bits())
        );
    }
}

/// Every streaming kernel gives the same answer, bit for bit, whatever
/// the chunks a column arrives in.
#[cfg(test)]
mod split_invariance {
    use super::*;
    use crate::{Binning, Bins, DriftRequest, Edges, Kind, Method, Smoothing, backend};
    use arrow::array::{ArrayRef, Float64Array, StringArray};
    use std::sync::Arc;

    /// The column cut at the given row offsets.
    fn split(array: &ArrayRef, cuts: &[usize]) -> Vec<ArrayRef> {
        let mut out = Vec::new();
        let mut start = 0;
        for &cut in cuts.iter().chain([array.len()].iter()) {
            out.push(array.slice(start, cut - start));
            start = cut;
        }
        out
    }

    fn numbers(n: usize, seed: u64) -> ArrayRef {
        let mut state = seed;
        Arc::new(Float64Array::from_iter((0..n).map(|i| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            match i % 50 {
                0 => None,
                1 => Some(f64::NAN),
                2 => Some(f64::INFINITY),
                3 => Some(-0.0),
                4 => Some(0.0),
                _ => Some(((state >> 11) as f64 / (1u64 << 53) as f64 - 0.3) * 40.0),
            }
        })))
    }

    fn words(n: usize) -> ArrayRef {
        Arc::new(StringArray::from_iter(
            (0..n).map(|i| (i % 17 != 0).then(|| format!("w{}", (i * 7919) % 23))),
        ))
    }

    #[test]
    fn results_do_not_depend_on_the_chunks() {
        let (r, c) = (numbers(5000, 1), numbers(4000, 2));
        let (rw, cw) = (words(3000), words(2500));
        let cuts: [&[usize]; 3] = [&[], &[1, 2, 999, 2500], &[4999]];
        let k = backend();
        for r_cuts in cuts {
            let c_cuts: Vec<usize> = r_cuts.iter().copied().filter(|c| *c < 4000).collect();
            let (rb, cb) = (split(&r, r_cuts), split(&c, &c_cuts));
            let (rs, cs) = (
                Batches::new(r.data_type().clone(), &rb),
                Batches::new(c.data_type().clone(), &cb),
            );
            assert_eq!(k.summarize(&rs).unwrap(), k.summarize(&r).unwrap());
            assert_eq!(
                k.profile(&rs, &cs, 100).unwrap(),
                k.profile(&r, &c, 100).unwrap()
            );
            let edges = [-20.0, -3.0, 0.0, 0.5, 9.0, 30.0];
            assert_eq!(
                k.histogram(&rs, &edges).unwrap(),
                k.histogram(&r, &edges).unwrap()
            );
            assert_eq!(
                k.quantiles(&rs, &[0.1, 0.5, 0.99]).unwrap(),
                k.quantiles(&r, &[0.1, 0.5, 0.99]).unwrap()
            );
            assert_eq!(
                k.count_outside(&rs, -1.0, 1.0).unwrap(),
                k.count_outside(&r, -1.0, 1.0).unwrap()
            );
            for method in [
                Method::Ks,
                Method::Wasserstein,
                Method::WassersteinNormed,
                Method::Psi,
                Method::JensenShannon,
            ] {
                let request = DriftRequest {
                    method,
                    kind: Kind::Numerical,
                    binning: Binning {
                        edges: Edges::ReferenceQuantiles,
                        bins: Bins::Sturges,
                        smoothing: Smoothing::Evidently,
                    },
                };
                let whole = k.two_sample(&r, &c, &request).unwrap();
                let chunked = k.two_sample(&rs, &cs, &request).unwrap();
                assert_eq!(whole.statistic.to_bits(), chunked.statistic.to_bits());
                assert_eq!(whole, chunked, "{method:?}");
            }
            let (rwb, cwb) = (
                split(&rw, &[7, 1500]),
                split(&cw, r_cuts.first().map_or(&[][..], |_| &[3, 4][..])),
            );
            let (rws, cws) = (
                Batches::new(rw.data_type().clone(), &rwb),
                Batches::new(cw.data_type().clone(), &cwb),
            );
            assert_eq!(
                k.value_counts(&rws, 5).unwrap(),
                k.value_counts(&rw, 5).unwrap()
            );
            // Strings as Parquet stores them (dictionaries, one per chunk)
            // count the same as plain strings.
            let dictionary = arrow::datatypes::DataType::Dictionary(
                Box::new(arrow::datatypes::DataType::Int32),
                Box::new(arrow::datatypes::DataType::Utf8),
            );
            let as_dictionary = |batches: &[ArrayRef]| -> Vec<ArrayRef> {
                batches
                    .iter()
                    .map(|b| arrow::compute::cast(b, &dictionary).unwrap())
                    .collect()
            };
            let (rwd, cwd) = (as_dictionary(&rwb), as_dictionary(&cwb));
            let (rds, cds) = (
                Batches::new(rw.data_type().clone(), &rwd),
                Batches::new(cw.data_type().clone(), &cwd),
            );
            assert_eq!(
                k.value_counts(&rds, 5).unwrap(),
                k.value_counts(&rw, 5).unwrap()
            );
            assert_eq!(k.summarize(&rds).unwrap(), k.summarize(&rw).unwrap());
            assert_eq!(
                k.profile(&rds, &cds, 10).unwrap(),
                k.profile(&rw, &cw, 10).unwrap()
            );
            let chi = DriftRequest {
                method: Method::ChiSquare,
                kind: Kind::Categorical,
                binning: Binning::default(),
            };
            assert_eq!(
                k.two_sample(&rds, &cds, &chi).unwrap(),
                k.two_sample(&rw, &cw, &chi).unwrap()
            );
            assert_eq!(k.summarize(&rws).unwrap(), k.summarize(&rw).unwrap());
            assert_eq!(
                k.profile(&rws, &cws, 10).unwrap(),
                k.profile(&rw, &cw, 10).unwrap()
            );
            for method in [Method::ChiSquare, Method::JensenShannon, Method::Psi] {
                let request = DriftRequest {
                    method,
                    kind: Kind::Categorical,
                    binning: Binning::default(),
                };
                assert_eq!(
                    k.two_sample(&rws, &cws, &request).unwrap(),
                    k.two_sample(&rw, &cw, &request).unwrap()
                );
            }
        }
    }
}
