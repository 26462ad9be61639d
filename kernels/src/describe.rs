//! Describing columns: summaries, value counts, unseen values, histograms,
//! quantiles and the profile of a column pair.
//!
//! Numeric statistics use one canonical form: f64 (integers, floats,
//! decimals; booleans as 0/1; temporal values as seconds since the epoch).
//! Value comparisons (`unseen`) use it when both columns are numeric, and the
//! text rendering otherwise; value counts are by text rendering.

use std::collections::{HashMap, HashSet};

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;

use super::KernelError;
use super::chunks::Chunks;
use super::sample::{NumericSample, quantile};
use super::views::{
    counts, float_key, is_numeric, not_numerical, numbers, numeric_view, text_view,
};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    pub count: u64,
    pub nulls: u64,
    pub nans: u64,
    pub infinities: u64,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub mean: Option<f64>,
    pub distinct: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ValueCounts {
    pub top: Vec<(String, u64)>,
    pub distinct: u64,
    pub nulls: u64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Unseen {
    pub rows: u64,
    pub distinct: u64,
    pub examples: Vec<(String, u64)>,
}

pub fn summarize(column: &dyn Chunks) -> Result<Summary, KernelError> {
    if let Some(known) = column.known_summary() {
        return Ok(known);
    }
    let summary = if is_numeric(column.value_type()) {
        // Sorted, the distinct values are the runs: an f64 a row, where a
        // hash set of 100M floats would take gigabytes.
        summary_of(&NumericSample::from_chunks(column)?)
    } else {
        let mut summary = Summary {
            count: column.rows(),
            ..Summary::default()
        };
        let mut distinct: HashSet<String> = HashSet::new();
        column.scan(&mut |chunk| {
            summary.nulls += chunk.logical_null_count() as u64;
            for_each_text(chunk, &mut |value, _| {
                if !distinct.contains(value) {
                    distinct.insert(value.to_string());
                }
            })
        })?;
        summary.distinct = distinct.len() as u64;
        summary
    };
    column.learn_summary(&summary);
    Ok(summary)
}

/// The summary of a numeric column from its sample: what `summarize` has
/// always given, bit for bit (the mean and range folded in row order).
pub(crate) fn summary_of(sample: &NumericSample) -> Summary {
    let seen = &sample.seen;
    let finite = sample.sorted.len() as u64;
    // -0.0 and 0.0 are one value (`float_key`); every NaN is one value.
    let runs = sample.sorted.chunk_by(|a, b| a == b).count() as u64;
    let negative_infinities = sample.infinities - seen.positive_infinities;
    Summary {
        count: seen.rows,
        nulls: sample.nulls,
        nans: sample.nans,
        infinities: sample.infinities,
        min: seen.min,
        max: seen.max,
        mean: (finite > 0).then(|| seen.sum.total() / finite as f64),
        distinct: runs
            + (sample.nans > 0) as u64
            + (seen.positive_infinities > 0) as u64
            + (negative_infinities > 0) as u64,
    }
}

/// Calls `visit` with each distinct text of a chunk and how many rows
/// have it (nulls left out). Dictionary chunks, as Parquet stores
/// strings, are counted by key: their values are looked at once each.
pub(crate) fn for_each_text(
    chunk: &dyn Array,
    visit: &mut dyn FnMut(&str, u64),
) -> Result<(), KernelError> {
    if let DataType::Dictionary(_, values) = chunk.data_type()
        && !is_numeric(values)
    {
        let dictionary = chunk.as_any_dictionary();
        let names = text_view(dictionary.values().as_ref())?;
        let names = names.as_string::<i32>();
        let mut by_key = vec![0u64; names.len()];
        let keys = arrow::compute::cast(dictionary.keys(), &DataType::UInt64)?;
        for key in keys
            .as_primitive::<arrow::datatypes::UInt64Type>()
            .iter()
            .flatten()
        {
            if let Some(n) = by_key.get_mut(key as usize) {
                *n += 1;
            }
        }
        for (key, n) in by_key.into_iter().enumerate() {
            if n > 0 && names.is_valid(key) {
                visit(names.value(key), n);
            }
        }
        return Ok(());
    }
    for (value, n) in counts(&text_view(chunk)?) {
        visit(value, n);
    }
    Ok(())
}

/// Most frequent first; ties broken by value so results are deterministic.
fn top(counts: impl IntoIterator<Item = (String, u64)>, limit: usize) -> Vec<(String, u64)> {
    let mut all: Vec<(String, u64)> = counts.into_iter().collect();
    all.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    all.truncate(limit);
    all
}

pub fn value_counts(column: &dyn Chunks, limit: usize) -> Result<ValueCounts, KernelError> {
    let mut all: HashMap<String, u64> = HashMap::new();
    let mut nulls = 0u64;
    column.scan(&mut |chunk| {
        nulls += chunk.logical_null_count() as u64;
        for_each_text(chunk, &mut |value, n| match all.get_mut(value) {
            Some(total) => *total += n,
            None => {
                all.insert(value.to_string(), n);
            }
        })
    })?;
    Ok(ValueCounts {
        distinct: all.len() as u64,
        nulls,
        top: top(all, limit),
    })
}

/// Values of `current` never seen in `reference`: as numbers when both
/// columns have a numeric view (so `1` and `1.0` are the same value), as
/// text otherwise.
pub fn unseen(
    reference: &dyn Array,
    current: &dyn Array,
    limit: usize,
) -> Result<Unseen, KernelError> {
    // Booleans keep their text form, so examples read `true`, not `1`.
    let as_number = |a: &dyn Array| match a.data_type() {
        DataType::Boolean => Ok(None),
        _ => numeric_view(a),
    };
    let new: Vec<(String, u64)> = match (as_number(reference)?, as_number(current)?) {
        (Some(reference), Some(current)) => {
            let known: HashSet<u64> = reference.iter().flatten().map(float_key).collect();
            let mut counts: HashMap<u64, (f64, u64)> = HashMap::new();
            for v in current
                .iter()
                .flatten()
                .filter(|v| !known.contains(&float_key(*v)))
            {
                counts.entry(float_key(v)).or_insert((v, 0)).1 += 1;
            }
            counts
                .into_values()
                .map(|(v, n)| (v.to_string(), n))
                .collect()
        }
        _ => {
            let reference_text = text_view(reference)?;
            let known: HashSet<&str> = reference_text.as_string::<i32>().iter().flatten().collect();
            let current_text = text_view(current)?;
            counts(&current_text)
                .into_iter()
                .filter(|(value, _)| !known.contains(value))
                .map(|(k, v)| (k.to_string(), v))
                .collect()
        }
    };
    Ok(Unseen {
        rows: new.iter().map(|(_, n)| n).sum(),
        distinct: new.len() as u64,
        examples: top(new, limit),
    })
}

/// Finite values strictly below `low` or above `high`.
pub fn count_outside(column: &dyn Chunks, low: f64, high: f64) -> Result<u64, KernelError> {
    if !is_numeric(column.value_type()) {
        return Err(not_numerical(column.value_type()));
    }
    let mut outside = 0u64;
    column.scan(&mut |chunk| {
        let values = numbers(chunk)?;
        outside += values
            .iter()
            .flatten()
            .filter(|v| v.is_finite() && (*v < low || *v > high))
            .count() as u64;
        Ok(())
    })?;
    Ok(outside)
}

/// Counts per bin, as `numpy.histogram(values, edges)`: finite values only,
/// half-open bins except the last, values outside not counted. Counted
/// chunk by chunk, so the column is never held.
pub(crate) fn histogram(column: &dyn Chunks, edges: &[f64]) -> Result<Vec<u64>, KernelError> {
    if edges.len() < 2 || edges.windows(2).any(|w| w[0] >= w[1]) || edges.iter().any(|e| e.is_nan())
    {
        return Err(KernelError(
            "bin edges must be at least two, increasing".into(),
        ));
    }
    if !is_numeric(column.value_type()) {
        return Err(not_numerical(column.value_type()));
    }
    let (first, last) = (edges[0], edges[edges.len() - 1]);
    let mut bins = vec![0u64; edges.len() - 1];
    let last_bin = bins.len() - 1;
    column.scan(&mut |chunk| {
        let values = numbers(chunk)?;
        for v in values.iter().flatten() {
            if !v.is_finite() || v < first || v > last {
                continue;
            }
            // The bin whose left edge is the last one at or below v; the
            // last edge closes the last bin.
            let bin = edges.partition_point(|e| *e <= v).saturating_sub(1);
            bins[bin.min(last_bin)] += 1;
        }
        Ok(())
    })?;
    Ok(bins)
}

/// `numpy.quantile` (linear) of the finite values; `None` for a column
/// without any, or a `q` outside [0, 1].
pub(crate) fn quantiles(column: &dyn Chunks, q: &[f64]) -> Result<Vec<Option<f64>>, KernelError> {
    let sample = NumericSample::from_chunks(column)?;
    column.learn_summary(&summary_of(&sample));
    Ok(q.iter().map(|q| quantile(&sample.sorted, *q)).collect())
}

/// Row counts of one side of a column pair.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SideProfile {
    pub rows: u64,
    pub nulls: u64,
    pub nans: u64,
    pub infinities: u64,
}

/// What a plugin needs to choose a drift method for a column pair, cheaply:
/// distinct counts stop at a limit, so high-cardinality columns cost little.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct PairProfile {
    pub reference: SideProfile,
    pub current: SideProfile,
    /// Distinct non-null, non-NaN values in the reference; `limit + 1`
    /// means "more than the limit".
    pub distinct_reference: u64,
    pub distinct_current: u64,
    /// The same over both columns together.
    pub distinct_both: u64,
}

/// Distinct keys, up to `cap` of them: past the cap, "more".
struct Capped<K> {
    seen: HashSet<K>,
    cap: usize,
}

impl<K: std::hash::Hash + Eq> Capped<K> {
    fn new(cap: usize) -> Self {
        Capped {
            seen: HashSet::new(),
            cap,
        }
    }
    fn full(&self) -> bool {
        self.seen.len() >= self.cap
    }
    /// |self ∪ other|, capped: past the cap on either side the union is
    /// past it too.
    fn union_len(&self, other: &Capped<K>) -> usize {
        (self.seen.len()
            + other
                .seen
                .iter()
                .filter(|k| !self.seen.contains(*k))
                .count())
        .min(self.cap)
    }
}

/// One side of a pair: its row counts and capped distinct values, from one
/// pass. `numeric` says whether values compare as numbers (both sides
/// have a numeric view) or by their text.
fn side(
    column: &dyn Chunks,
    numeric: bool,
    cap: usize,
) -> Result<(SideProfile, Capped<u64>, Capped<String>), KernelError> {
    let mut profile = SideProfile {
        rows: column.rows(),
        ..Default::default()
    };
    let (mut numbers, mut texts) = (Capped::new(cap), Capped::new(cap));
    column.scan(&mut |chunk| {
        profile.nulls += chunk.logical_null_count() as u64;
        let values = numeric_view(chunk)?;
        for v in values.iter().flat_map(|values| values.iter().flatten()) {
            profile.nans += v.is_nan() as u64;
            profile.infinities += v.is_infinite() as u64;
            // Like every statistic, distinct counts leave NaN and
            // infinities out, so the method choice never counts them as
            // values.
            if numeric && v.is_finite() && !numbers.full() {
                numbers.seen.insert(float_key(v));
            }
        }
        if !numeric && !texts.full() {
            for_each_text(chunk, &mut |v, _| {
                if !texts.full() && !texts.seen.contains(v) {
                    texts.seen.insert(v.to_string());
                }
            })?;
        }
        Ok(())
    })?;
    Ok((profile, numbers, texts))
}

pub(crate) fn profile(
    reference: &dyn Chunks,
    current: &dyn Chunks,
    limit: u64,
) -> Result<PairProfile, KernelError> {
    let cap = limit as usize + 1;
    let numeric = is_numeric(reference.value_type()) && is_numeric(current.value_type());
    let (reference, rn, rt) = side(reference, numeric, cap)?;
    let (current, cn, ct) = side(current, numeric, cap)?;
    let (distinct_reference, distinct_current, distinct_both) = if numeric {
        (rn.seen.len(), cn.seen.len(), rn.union_len(&cn))
    } else {
        (rt.seen.len(), ct.seen.len(), rt.union_len(&ct))
    };
    Ok(PairProfile {
        reference,
        current,
        distinct_reference: distinct_reference as u64,
        distinct_current: distinct_current as u64,
        distinct_both: distinct_both as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{
        ArrayRef, BooleanArray, Float64Array, Int32Array, StringArray, TimestampSecondArray,
    };
    use std::sync::Arc;

    #[test]
    fn profile_distinct_counts_leave_infinities_out() {
        let r = Float64Array::from(vec![1.0, 2.0, f64::INFINITY, f64::NEG_INFINITY, f64::NAN]);
        let c = Float64Array::from(vec![2.0, 3.0, f64::INFINITY]);
        let p = profile(&r, &c, 100).unwrap();
        assert_eq!(
            (p.distinct_reference, p.distinct_current, p.distinct_both),
            (2, 2, 3)
        );
        assert_eq!((p.reference.infinities, p.current.infinities), (2, 1));
    }

    #[test]
    fn summarizes_floats_with_nulls_nans_and_infinities() {
        let a = Float64Array::from(vec![
            Some(1.0),
            None,
            Some(f64::NAN),
            Some(3.0),
            Some(f64::INFINITY),
            Some(-0.0),
            Some(0.0),
        ]);
        let s = summarize(&a).unwrap();
        assert_eq!((s.count, s.nulls, s.nans, s.infinities), (7, 1, 1, 1));
        assert_eq!((s.min, s.max), (Some(-0.0), Some(3.0)));
        assert_eq!(s.mean, Some(1.0));
        // 1, NaN, 3, inf, 0 (both zeros alike)
        assert_eq!(s.distinct, 5);
    }

    #[test]
    fn summarizes_strings_booleans_and_timestamps() {
        let s = summarize(&StringArray::from(vec![
            Some("a"),
            Some("b"),
            None,
            Some("a"),
        ]))
        .unwrap();
        assert_eq!((s.distinct, s.nulls, s.min), (2, 1, None));
        let b = summarize(&BooleanArray::from(vec![true, false, true, true])).unwrap();
        assert_eq!((b.min, b.max, b.mean), (Some(0.0), Some(1.0), Some(0.75)));
        let t = summarize(&TimestampSecondArray::from(vec![10, 20])).unwrap();
        assert_eq!((t.min, t.max), (Some(10.0), Some(20.0)));
    }

    #[test]
    fn mean_is_compensated() {
        let mut values = vec![1e16];
        values.extend(std::iter::repeat_n(1.0, 10_000));
        values.push(-1e16);
        let s = summarize(&Float64Array::from(values)).unwrap();
        assert_eq!(s.mean, Some(10_000.0 / 10_002.0));
    }

    #[test]
    fn counts_values_most_frequent_first() {
        let a = StringArray::from(vec![
            Some("x"),
            Some("y"),
            Some("x"),
            None,
            Some("z"),
            Some("y"),
            Some("x"),
        ]);
        let c = value_counts(&a, 2).unwrap();
        assert_eq!(c.top, vec![("x".into(), 3), ("y".into(), 2)]);
        assert_eq!((c.distinct, c.nulls), (3, 1));
    }

    #[test]
    fn finds_unseen_values_across_types() {
        let reference: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 3]));
        let current: ArrayRef = Arc::new(Int32Array::from(vec![
            Some(1),
            Some(4),
            Some(4),
            Some(5),
            None,
        ]));
        let u = unseen(&reference, &current, 1).unwrap();
        assert_eq!((u.rows, u.distinct), (3, 2));
        assert_eq!(u.examples, vec![("4".into(), 2)]);
        // Numbers compare as numbers across types: 1 (int) is 1.0 (float).
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 2.0, -0.0]));
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![1, 2, 0, 7]));
        let u = unseen(&floats, &ints, 5).unwrap();
        assert_eq!((u.rows, u.distinct), (1, 1));
        assert_eq!(u.examples, vec![("7".into(), 1)]);
        let seen: ArrayRef = Arc::new(BooleanArray::from(vec![true]));
        let now: ArrayRef = Arc::new(BooleanArray::from(vec![true, false]));
        assert_eq!(
            unseen(&seen, &now, 5).unwrap().examples,
            vec![("false".into(), 1)]
        );
    }

    #[test]
    fn counts_outside_range_ignoring_nan_and_null() {
        let a = Float64Array::from(vec![
            Some(-1.0),
            Some(0.5),
            Some(2.0),
            None,
            Some(f64::NAN),
            Some(1.0),
        ]);
        assert_eq!(count_outside(&a, 0.0, 1.0).unwrap(), 2);
        assert!(count_outside(&StringArray::from(vec!["a"]), 0.0, 1.0).is_err());
    }
}
