//! Samples prepared for two-sample statistics: finite values sorted once
//! (KS, Wasserstein, quantiles and histograms all read the sorted form), or
//! category counts. Also the binning rules that turn a numerical pair into
//! two share vectors, restating NumPy's `histogram_bin_edges`, `histogram`
//! and `quantile` exactly.

use std::collections::HashMap;

use arrow::array::{Array, AsArray};
use arrow::datatypes::DataType;

use super::KernelError;
use super::chunks::{Chunks, One, sort_floats};
use super::stats::Compensated;
use super::views::{counts, float_key, not_numerical, numbers, numeric_view, text_view};

/// The finite values of a numeric column, sorted, and what was left out.
#[derive(Debug, Clone, Default)]
pub struct NumericSample {
    pub sorted: Vec<f64>,
    pub nulls: u64,
    pub nans: u64,
    pub infinities: u64,
    /// Stored as integers with no nulls: NumPy's bin-width rules round
    /// widths up to 1 for integer arrays.
    pub integer: bool,
    /// What a summary of the column also needs, gathered in the same pass
    /// and in row order (so it is the summary `summarize` gives).
    pub seen: Seen,
}

/// Facts of a numeric column's pass beyond its sorted values.
#[derive(Debug, Clone, Copy, Default)]
pub struct Seen {
    pub rows: u64,
    pub positive_infinities: u64,
    /// Folded with `f64::min` / `f64::max` in row order.
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The finite values' compensated sum, in row order.
    pub sum: Compensated,
}

impl NumericSample {
    pub fn from_array(array: &dyn Array) -> Result<Self, KernelError> {
        Self::from_chunks(&One(array))
    }

    /// Reads the column chunk by chunk: only the finite values are kept,
    /// as f64, then sorted in place.
    pub fn from_chunks(column: &dyn Chunks) -> Result<Self, KernelError> {
        if !super::views::is_numeric(column.value_type()) {
            return Err(not_numerical(column.value_type()));
        }
        let mut sample = NumericSample {
            integer: column.value_type().is_integer(),
            ..Default::default()
        };
        sample.seen.rows = column.rows();
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        // One allocation for the whole column when it can be had: growing
        // by doubling would hold one and a half columns at the copy. The
        // row count is the file's word, so a failed reservation is not an
        // abort.
        let mut finite: Vec<f64> = Vec::new();
        if finite
            .try_reserve_exact(usize::try_from(column.rows()).unwrap_or(usize::MAX))
            .is_err()
        {
            finite.reserve(1 << 16);
        }
        column.scan(&mut |chunk| {
            let values = numbers(chunk)?;
            sample.nulls += values.null_count() as u64;
            for v in values.iter().flatten() {
                if v.is_nan() {
                    sample.nans += 1;
                } else if v.is_infinite() {
                    sample.infinities += 1;
                    sample.seen.positive_infinities += (v > 0.0) as u64;
                } else {
                    min = min.min(v);
                    max = max.max(v);
                    sample.seen.sum.add(v);
                    finite.push(v);
                }
            }
            Ok(())
        })?;
        if !finite.is_empty() {
            (sample.seen.min, sample.seen.max) = (Some(min), Some(max));
        }
        sample.integer &= sample.nulls == 0;
        sample.sorted = sort_floats(finite);
        Ok(sample)
    }

    /// Values left out of the statistics: nulls, NaN and infinities.
    pub fn dropped(&self) -> u64 {
        self.nulls + self.nans + self.infinities
    }

    /// Rows with a value, finite or not (NaN is a missing value, as in pandas).
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }
}

/// A category's identity: numbers compare as numbers (so `1` and `1.0` are
/// one category), everything else by its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Number(u64),
    Text(String),
}

impl Category {
    pub fn render(&self) -> String {
        match self {
            Category::Number(bits) => f64::from_bits(*bits).to_string(),
            Category::Text(text) => text.clone(),
        }
    }
}

/// Counts per category of one column; nulls (and, for numbers, NaN and
/// infinities) are counted apart as missing.
#[derive(Debug, Clone, Default)]
pub struct CategoryCounts {
    pub counts: HashMap<Category, u64>,
    pub nulls: u64,
}

impl CategoryCounts {
    /// Counts of every chunk, added up.
    pub fn from_chunks(column: &dyn Chunks, as_numbers: bool) -> Result<Self, KernelError> {
        let mut total = CategoryCounts::default();
        column.scan(&mut |chunk| {
            let part = Self::from_array(chunk, as_numbers)?;
            total.nulls += part.nulls;
            if total.counts.is_empty() {
                total.counts = part.counts;
            } else {
                for (category, n) in part.counts {
                    *total.counts.entry(category).or_default() += n;
                }
            }
            Ok(())
        })?;
        Ok(total)
    }

    pub fn from_array(array: &dyn Array, as_numbers: bool) -> Result<Self, KernelError> {
        let mut out = CategoryCounts::default();
        if as_numbers && let Some(values) = numeric_view(array)? {
            out.nulls = values.null_count() as u64;
            // NaN and infinities are missing values here as in every
            // statistic, not categories of their own.
            for v in values.iter().flatten() {
                if !v.is_finite() {
                    out.nulls += 1;
                } else {
                    *out.counts
                        .entry(Category::Number(float_key(v)))
                        .or_default() += 1;
                }
            }
            return Ok(out);
        }
        if let DataType::Dictionary(..) = array.data_type() {
            return Self::from_dictionary(array);
        }
        let text = text_view(array)?;
        out.nulls = text.null_count() as u64;
        out.counts = counts(&text)
            .into_iter()
            .map(|(k, v)| (Category::Text(k.to_string()), v))
            .collect();
        Ok(out)
    }

    /// Dictionary-encoded strings (how Parquet stores categories): count
    /// the keys, then name them once each.
    fn from_dictionary(array: &dyn Array) -> Result<Self, KernelError> {
        let dictionary = array.as_any_dictionary();
        let keys = arrow::compute::cast(dictionary.keys(), &DataType::UInt64)?;
        let keys = keys.as_primitive::<arrow::datatypes::UInt64Type>();
        let names = text_view(dictionary.values().as_ref())?;
        let names = names.as_string::<i32>();
        let mut by_key = vec![0u64; names.len()];
        let mut nulls = 0u64;
        for key in keys.iter() {
            match key {
                Some(k) if names.is_valid(k as usize) => by_key[k as usize] += 1,
                _ => nulls += 1,
            }
        }
        let mut counts: HashMap<Category, u64> = HashMap::new();
        for (k, n) in by_key.into_iter().enumerate().filter(|(_, n)| *n > 0) {
            *counts
                .entry(Category::Text(names.value(k).to_string()))
                .or_default() += n;
        }
        Ok(CategoryCounts { counts, nulls })
    }

    pub fn total(&self) -> u64 {
        self.counts.values().sum()
    }
}

/// The categories of two samples, in one order (sorted, so results never
/// depend on hashing), with each side's count.
pub fn aligned_counts(
    reference: &CategoryCounts,
    current: &CategoryCounts,
) -> (Vec<Category>, Vec<u64>, Vec<u64>) {
    let mut keys: Vec<&Category> = reference
        .counts
        .keys()
        .chain(
            current
                .counts
                .keys()
                .filter(|k| !reference.counts.contains_key(*k)),
        )
        .collect();
    keys.sort();
    let count = |side: &CategoryCounts, k: &Category| side.counts.get(k).copied().unwrap_or(0);
    let r = keys.iter().map(|k| count(reference, k)).collect();
    let c = keys.iter().map(|k| count(current, k)).collect();
    (keys.into_iter().cloned().collect(), r, c)
}

/// How many bins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Bins {
    Count(u32),
    /// NumPy's `"sturges"`: width = range / (log2(n) + 1).
    Sturges,
}

/// Where bin edges come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edges {
    /// Equal width over the range of both samples together (Evidently).
    Both,
    /// Equal width over the reference range; the outer bins are open, so
    /// current values beyond it still count.
    Reference,
    /// Reference quantiles (equal-frequency bins), outer bins open.
    ReferenceQuantiles,
}

/// What happens to empty bins before a distance is taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Smoothing {
    None,
    /// Evidently's rule: an empty bin gets min(non-empty share)/10⁶ when
    /// that minimum is at most 10⁻⁴, else 10⁻⁴. Shares are not renormalised.
    Evidently,
    /// An empty bin gets this share. Shares are not renormalised.
    Floor(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Binning {
    pub edges: Edges,
    pub bins: Bins,
    pub smoothing: Smoothing,
}

impl Default for Binning {
    fn default() -> Self {
        Binning {
            edges: Edges::Both,
            bins: Bins::Sturges,
            smoothing: Smoothing::Evidently,
        }
    }
}

/// `numpy.histogram_bin_edges(values, bins)`, where the values are the
/// sorted, finite samples taken together (only their range and count
/// matter, so they are never merged).
pub fn bin_edges(samples: &[&[f64]], bins: Bins, integer: bool) -> Result<Vec<f64>, KernelError> {
    let ranked: Vec<&dyn Ranked> = samples.iter().map(|s| s as &dyn Ranked).collect();
    edges_over(&ranked, bins, integer)
}

/// Sorted finite values, as the binning rules read them: by rank, and by
/// how many lie below a bound. A sorted slice is one; so is a lossless
/// profile's runs of equal values.
pub trait Ranked {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The value of this rank (0-based), `rank < len`.
    fn at(&self, rank: usize) -> f64;
    /// How many values are `< bound` (`<= bound` when `inclusive`).
    fn below(&self, bound: f64, inclusive: bool) -> usize;
}

impl Ranked for &[f64] {
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    fn at(&self, rank: usize) -> f64 {
        self[rank]
    }
    fn below(&self, bound: f64, inclusive: bool) -> usize {
        match inclusive {
            true => self.partition_point(|v| *v <= bound),
            false => self.partition_point(|v| *v < bound),
        }
    }
}

/// [`bin_edges`] over any ranked samples.
pub(crate) fn edges_over(
    samples: &[&dyn Ranked],
    bins: Bins,
    integer: bool,
) -> Result<Vec<f64>, KernelError> {
    let present = || samples.iter().filter(|s| !s.is_empty());
    let min = present().map(|s| s.at(0)).reduce(f64::min);
    let max = present().map(|s| s.at(s.len() - 1)).reduce(f64::max);
    let (Some(min), Some(max)) = (min, max) else {
        return Err(KernelError("no finite values to bin".into()));
    };
    let n: usize = samples.iter().map(|s| s.len()).sum();
    let (first, last) = if min == max {
        (min - 0.5, max + 0.5)
    } else {
        (min, max)
    };
    let count = match bins {
        Bins::Count(n) if n > 0 => n as usize,
        Bins::Count(_) => return Err(KernelError("bin count must be positive".into())),
        Bins::Sturges => {
            let mut width = (max - min) / ((n as f64).log2() + 1.0);
            if integer && width < 1.0 && width != 0.0 {
                width = 1.0;
            }
            if width == 0.0 {
                1
            } else {
                ((last - first) / width).ceil() as usize
            }
        }
    };
    if count > crate::MAX_BINS {
        return Err(KernelError(format!(
            "{count} bins asked for, at most {} are allowed",
            crate::MAX_BINS
        )));
    }
    Ok(linspace(first, last, count + 1))
}

/// `numpy.linspace(start, stop, num)` with the endpoint, step form.
fn linspace(start: f64, stop: f64, num: usize) -> Vec<f64> {
    if num == 1 {
        return vec![start];
    }
    let step = (stop - start) / (num - 1) as f64;
    let mut out: Vec<f64> = (0..num)
        .map(|i| {
            if step == 0.0 {
                i as f64 / (num - 1) as f64 * (stop - start) + start
            } else {
                i as f64 * step + start
            }
        })
        .collect();
    out[num - 1] = stop;
    out
}

/// Counts per bin of sorted values, as `numpy.histogram(values, edges)`:
/// bins are half-open except the last, values outside are not counted.
pub fn histogram(sorted: &[f64], edges: &[f64]) -> Vec<u64> {
    histogram_of(&sorted, edges)
}

pub(crate) fn histogram_of(sorted: &dyn Ranked, edges: &[f64]) -> Vec<u64> {
    let below = |edge: f64| sorted.below(edge, false);
    let at_or_below = |edge: f64| sorted.below(edge, true);
    let last = edges.len().saturating_sub(1);
    (0..last)
        .map(|i| {
            let end = if i + 1 == last {
                at_or_below(edges[i + 1])
            } else {
                below(edges[i + 1])
            };
            end.saturating_sub(below(edges[i])) as u64
        })
        .collect()
}

/// `numpy.quantile(values, q)` (method "linear") on sorted values.
pub fn quantile(sorted: &[f64], q: f64) -> Option<f64> {
    quantile_of(&sorted, q)
}

fn quantile_of(sorted: &dyn Ranked, q: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 || !(0.0..=1.0).contains(&q) {
        return None;
    }
    // NumPy 2's virtual index for the linear method: (n − 1)·q.
    let virtual_index = ((n - 1) as f64 * q).clamp(0.0, (n - 1) as f64);
    let previous = virtual_index.floor();
    let gamma = virtual_index - previous;
    let below = sorted.at(previous as usize);
    let above = sorted.at((previous as usize + 1).min(n - 1));
    let diff = above - below;
    Some(if gamma >= 0.5 {
        above - diff * (1.0 - gamma)
    } else {
        below + diff * gamma
    })
}

/// Replaces empty shares according to `smoothing`.
pub fn smooth(shares: &mut [f64], smoothing: Smoothing) {
    let fill = match smoothing {
        Smoothing::None => return,
        Smoothing::Floor(value) => value,
        Smoothing::Evidently => {
            let min = shares
                .iter()
                .copied()
                .filter(|s| *s != 0.0)
                .fold(f64::INFINITY, f64::min);
            if min <= 1e-4 { min / 1e6 } else { 1e-4 }
        }
    };
    for share in shares.iter_mut().filter(|s| **s == 0.0) {
        *share = fill;
    }
}

/// Share vectors of two samples over common bins.
pub struct Binned {
    pub reference: Vec<f64>,
    pub current: Vec<f64>,
    pub edges: Vec<f64>,
}

/// The two samples as share vectors over common bins, per `binning`.
pub fn binned_shares(
    reference: &NumericSample,
    current: &NumericSample,
    binning: &Binning,
) -> Result<Binned, KernelError> {
    let (r, c) = (reference.sorted.as_slice(), current.sorted.as_slice());
    let edges = shared_edges(&r, &c, reference.integer, current.integer, binning)?;
    Ok(shares_over(&r, &c, edges, binning.smoothing))
}

/// The bin edges `binning` asks for, outer bins open unless over both.
pub(crate) fn shared_edges(
    reference: &dyn Ranked,
    current: &dyn Ranked,
    reference_integer: bool,
    current_integer: bool,
    binning: &Binning,
) -> Result<Vec<f64>, KernelError> {
    let sturges_count = |n: usize| ((n as f64).log2() + 1.0).ceil().max(1.0) as usize;
    let mut edges = match binning.edges {
        Edges::Both => edges_over(
            &[reference, current],
            binning.bins,
            reference_integer && current_integer,
        )?,
        Edges::Reference => edges_over(&[reference], binning.bins, reference_integer)?,
        Edges::ReferenceQuantiles => {
            let count = match binning.bins {
                Bins::Count(n) => n.max(1) as usize,
                Bins::Sturges => sturges_count(reference.len()),
            };
            if count > crate::MAX_BINS {
                return Err(KernelError(format!(
                    "{count} bins asked for, at most {} are allowed",
                    crate::MAX_BINS
                )));
            }
            let mut edges: Vec<f64> = (0..=count)
                .filter_map(|i| quantile_of(reference, i as f64 / count as f64))
                .collect();
            edges.dedup();
            if edges.len() < 2 {
                return Err(KernelError("no finite reference values to bin".into()));
            }
            edges
        }
    };
    if binning.edges != Edges::Both {
        let last = edges.len() - 1;
        edges[0] = f64::NEG_INFINITY;
        edges[last] = f64::INFINITY;
    }
    Ok(edges)
}

/// Both samples' shares over `edges`, smoothed.
pub(crate) fn shares_over(
    reference: &dyn Ranked,
    current: &dyn Ranked,
    edges: Vec<f64>,
    smoothing: Smoothing,
) -> Binned {
    let shares = |sample: &dyn Ranked| -> Vec<f64> {
        let n = sample.len() as f64;
        let mut s: Vec<f64> = histogram_of(sample, &edges)
            .into_iter()
            .map(|c| c as f64 / n)
            .collect();
        smooth(&mut s, smoothing);
        s
    };
    Binned {
        reference: shares(reference),
        current: shares(current),
        edges,
    }
}

/// Category shares over the union of categories, smoothed.
pub fn category_shares(
    reference: &[u64],
    current: &[u64],
    smoothing: Smoothing,
) -> (Vec<f64>, Vec<f64>) {
    let shares = |counts: &[u64]| {
        let n: u64 = counts.iter().sum();
        let mut s: Vec<f64> = counts.iter().map(|c| *c as f64 / n as f64).collect();
        smooth(&mut s, smoothing);
        s
    };
    (shares(reference), shares(current))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{DictionaryArray, Float64Array, Int32Array, StringArray};
    use arrow::datatypes::Int32Type;

    #[test]
    fn numeric_sample_sorts_finite_values_and_counts_the_rest() {
        let a = Float64Array::from(vec![
            Some(3.0),
            None,
            Some(f64::NAN),
            Some(-1.0),
            Some(f64::INFINITY),
        ]);
        let s = NumericSample::from_array(&a).unwrap();
        assert_eq!(s.sorted, vec![-1.0, 3.0]);
        assert_eq!((s.nulls, s.nans, s.infinities, s.dropped()), (1, 1, 1, 3));
        assert!(NumericSample::from_array(&StringArray::from(vec!["x"])).is_err());
        assert!(
            NumericSample::from_array(&Int32Array::from(vec![1, 2]))
                .unwrap()
                .integer
        );
    }

    #[test]
    fn dictionary_and_plain_strings_count_alike() {
        let plain = StringArray::from(vec![Some("a"), Some("b"), None, Some("a")]);
        let dict: DictionaryArray<Int32Type> = vec![Some("a"), Some("b"), None, Some("a")]
            .into_iter()
            .collect();
        for array in [&plain as &dyn Array, &dict] {
            let c = CategoryCounts::from_array(array, false).unwrap();
            assert_eq!(c.counts[&Category::Text("a".into())], 2);
            assert_eq!((c.nulls, c.total()), (1, 3));
        }
    }

    #[test]
    fn infinities_are_missing_values_not_categories() {
        let a = Float64Array::from(vec![
            Some(1.0),
            Some(f64::INFINITY),
            Some(f64::NEG_INFINITY),
            Some(f64::NAN),
            None,
            Some(1.0),
            Some(2.0),
        ]);
        let counts = CategoryCounts::from_array(&a, true).unwrap();
        assert_eq!(counts.counts.len(), 2, "only 1 and 2 are categories");
        assert_eq!(
            counts.nulls, 4,
            "a null, NaN and both infinities are missing"
        );
    }

    #[test]
    fn numbers_as_categories_ignore_representation() {
        let ints = Int32Array::from(vec![1, 1, 2]);
        let floats = Float64Array::from(vec![1.0, 2.0, f64::NAN]);
        let (keys, r, c) = aligned_counts(
            &CategoryCounts::from_array(&ints, true).unwrap(),
            &CategoryCounts::from_array(&floats, true).unwrap(),
        );
        assert_eq!(keys.len(), 2);
        assert_eq!((r, c), (vec![2, 1], vec![1, 1]));
    }

    #[test]
    fn open_outer_bins_keep_current_values_beyond_the_reference_range() {
        let reference = NumericSample {
            sorted: vec![0.0, 1.0, 2.0, 3.0],
            ..Default::default()
        };
        let current = NumericSample {
            sorted: vec![-10.0, 10.0],
            ..Default::default()
        };
        let binning = Binning {
            edges: Edges::Reference,
            bins: Bins::Count(2),
            smoothing: Smoothing::None,
        };
        let binned = binned_shares(&reference, &current, &binning).unwrap();
        assert_eq!(binned.edges, vec![f64::NEG_INFINITY, 1.5, f64::INFINITY]);
        assert_eq!(binned.current, vec![0.5, 0.5]);
    }
}
