//! Profiles: a table's columns summarised once, exactly, so drift can be
//! judged against them many times without the table ("profile once,
//! compare many").
//!
//! A column's profile holds exact counts (rows, nulls, NaN, ±∞), min and
//! max, exact sums ([`Moments`]), exact counts over deterministic buckets of
//! the finite values, and exact category counts. Every part is a function
//! of the multiset of values alone, and merging adds, so profiling data in
//! any partition and merging gives the same profile, byte for byte.
//!
//! Buckets are the order-preserving IEEE-754 bits of a value (the order key
//! sorting uses) truncated to sign, exponent and the top `m` mantissa bits:
//! no data-dependent boundaries, so two profiles with the same `m` share
//! one grid. At `m = 52` every bucket is a single value and the profile is
//! lossless. Categories are the `cap` with the smallest hashes, with exact
//! counts, and the exact count of the rest: a bottom-k selection, unlike a
//! top-k by frequency, merges exactly (a category among the k smallest
//! hashes of the whole is among the k smallest of every part it is in).

mod estimate;
mod exact;
pub mod file;

use std::collections::{BinaryHeap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};

use arrow::array::Array;
use arrow::datatypes::DataType;

use crate::chunks::{Chunks, from_order_key, order_key};
use crate::sample::{Category, CategoryCounts};
use crate::views::{float_key, numbers};
use crate::{KernelError, is_numeric};

pub use estimate::{Estimate, Exactness, estimate};
pub use exact::Moments;
pub use file::{Meta, Source};

/// What a profile keeps: how fine its buckets are and how many categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Params {
    /// Mantissa bits kept in a bucket key, 0..=52; 52 is lossless.
    pub mantissa_bits: u8,
    /// Categories counted by name; the rest are counted together.
    pub category_cap: u32,
}

impl Default for Params {
    /// 2⁻¹² relative bucket width: a KS bracket narrower than the critical
    /// value at 10⁸ rows for smooth data, a few hundred thousand buckets.
    fn default() -> Self {
        Params {
            mantissa_bits: 12,
            category_cap: 10_000,
        }
    }
}

impl Params {
    pub const LOSSLESS_BITS: u8 = 52;
    pub const MAX_CATEGORY_CAP: u32 = 1_000_000;

    pub fn lossless(&self) -> bool {
        self.mantissa_bits == Self::LOSSLESS_BITS
    }

    pub fn check(&self) -> Result<(), KernelError> {
        if self.mantissa_bits > Self::LOSSLESS_BITS {
            return Err(KernelError(format!(
                "mantissa bits must be at most {}, not {}",
                Self::LOSSLESS_BITS,
                self.mantissa_bits
            )));
        }
        if self.category_cap == 0 || self.category_cap > Self::MAX_CATEGORY_CAP {
            return Err(KernelError(format!(
                "the category cap must be between 1 and {}, not {}",
                Self::MAX_CATEGORY_CAP,
                self.category_cap
            )));
        }
        Ok(())
    }

    /// Bits dropped from an order key.
    fn shift(&self) -> u32 {
        u32::from(Self::LOSSLESS_BITS - self.mantissa_bits)
    }

    /// The bucket of a finite value (−0 is 0).
    pub fn bucket(&self, v: f64) -> u64 {
        order_key(v + 0.0) >> self.shift()
    }

    /// The smallest and largest doubles a bucket can hold.
    pub fn bucket_range(&self, bucket: u64) -> (f64, f64) {
        let shift = self.shift();
        let low = bucket << shift;
        let high = low | ((1u64 << shift) - 1);
        // The bucket of 0 starts at -0 (the key below +0's), which is 0.
        (from_order_key(low) + 0.0, from_order_key(high) + 0.0)
    }

    /// The common, coarser grid of two profiles.
    pub fn common(&self, other: &Params) -> Params {
        Params {
            mantissa_bits: self.mantissa_bits.min(other.mantissa_bits),
            category_cap: self.category_cap.min(other.category_cap),
        }
    }
}

/// One column, summarised.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnProfile {
    pub name: String,
    pub data_type: DataType,
    pub rows: u64,
    pub nulls: u64,
    pub nans: u64,
    pub positive_infinities: u64,
    pub negative_infinities: u64,
    /// Of the finite values; −0 is 0.
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub moments: Moments,
    /// (bucket, count) of the finite values, ascending, no empty bucket.
    pub buckets: Vec<(u64, u64)>,
    pub categories: Categories,
}

/// Category counts, exact: the `cap` categories with the smallest hashes
/// and the rows of all others.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Categories {
    /// Ascending by (hash, category).
    pub kept: Vec<(Category, u64)>,
    /// Rows of the categories past the cap.
    pub remainder: u64,
}

/// The stable hash categories are ordered by (xxHash64, seed 0, of the
/// text's bytes or of a number's canonical bits).
pub fn category_hash(category: &Category) -> u64 {
    match category {
        Category::Number(bits) => twox_hash::XxHash64::oneshot(0, &bits.to_le_bytes()),
        Category::Text(text) => twox_hash::XxHash64::oneshot(0, text.as_bytes()),
    }
}

/// A fast hasher for bucket keys (already well spread in their low bits
/// only by accident, so mixed).
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, k: u64) {
        let z = (k ^ (k >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 = z ^ (z >> 31);
    }
}

type KeyMap<V> = HashMap<u64, V, BuildHasherDefault<KeyHasher>>;

/// The bottom-k selection of categories while counting.
struct BottomK {
    cap: usize,
    counts: HashMap<Category, (u64, u64)>,
    /// (hash, category) of the kept, largest on top.
    order: BinaryHeap<(u64, Category)>,
    remainder: u64,
}

impl BottomK {
    fn new(cap: u32) -> Self {
        BottomK {
            cap: cap as usize,
            counts: HashMap::new(),
            order: BinaryHeap::new(),
            remainder: 0,
        }
    }

    fn add(&mut self, category: Category, n: u64) {
        let hash = category_hash(&category);
        if self.counts.len() == self.cap
            && let Some((top, top_category)) = self.order.peek()
            && (hash, &category) > (*top, top_category)
        {
            // Past the largest kept: cannot be kept, now or later.
            self.remainder = self.remainder.saturating_add(n);
            return;
        }
        if let Some(entry) = self.counts.get_mut(&category) {
            entry.1 = entry.1.saturating_add(n);
            return;
        }
        if self.counts.len() == self.cap
            && let Some((_, evicted)) = self.order.pop()
        {
            let evicted = self.counts.remove(&evicted).map_or(0, |(_, n)| n);
            self.remainder = self.remainder.saturating_add(evicted);
        }
        self.counts.insert(category.clone(), (hash, n));
        self.order.push((hash, category));
    }

    fn finish(self) -> Categories {
        let mut kept: Vec<(u64, Category, u64)> = self
            .counts
            .into_iter()
            .map(|(c, (h, n))| (h, c, n))
            .collect();
        kept.sort_unstable();
        Categories {
            kept: kept.into_iter().map(|(_, c, n)| (c, n)).collect(),
            remainder: self.remainder,
        }
    }
}

impl Categories {
    /// Rows counted, kept or not.
    pub fn total(&self) -> u64 {
        self.kept
            .iter()
            .fold(self.remainder, |total, (_, n)| total.saturating_add(*n))
    }

    /// Merges exactly (see the module doc), keeping at most `cap`.
    fn merged(&self, other: &Categories, cap: u32) -> Categories {
        let mut k = BottomK::new(cap);
        k.remainder = self.remainder + other.remainder;
        for (c, n) in self.kept.iter().chain(&other.kept) {
            k.add(c.clone(), *n);
        }
        k.finish()
    }
}

impl ColumnProfile {
    /// Profiles a column in one streaming pass.
    pub fn of(name: &str, column: &dyn Chunks, params: &Params) -> Result<Self, KernelError> {
        params.check()?;
        // Parquet strings are read as dictionaries; the profile records
        // the logical type, as the table's schema does.
        let data_type = match column.value_type() {
            DataType::Dictionary(_, values) => values.as_ref().clone(),
            other => other.clone(),
        };
        let mut p = ColumnProfile {
            name: name.to_string(),
            data_type: data_type.clone(),
            rows: column.rows(),
            nulls: 0,
            nans: 0,
            positive_infinities: 0,
            negative_infinities: 0,
            min: None,
            max: None,
            moments: Moments::default(),
            buckets: Vec::new(),
            categories: Categories::default(),
        };
        let mut categories = BottomK::new(params.category_cap);
        if !is_numeric(&data_type) {
            column.scan(&mut |chunk| {
                let counts = CategoryCounts::from_array(chunk, false)?;
                p.nulls += counts.nulls;
                for (category, n) in counts.counts {
                    categories.add(category, n);
                }
                Ok(())
            })?;
            p.categories = categories.finish();
            return Ok(p);
        }
        let mut buckets: KeyMap<u64> = KeyMap::default();
        let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
        column.scan(&mut |chunk| {
            let values = numbers(chunk)?;
            p.nulls += values.null_count() as u64;
            for v in values.iter().flatten() {
                if v.is_nan() {
                    p.nans += 1;
                } else if v == f64::INFINITY {
                    p.positive_infinities += 1;
                } else if v == f64::NEG_INFINITY {
                    p.negative_infinities += 1;
                } else {
                    let v = v + 0.0;
                    min = min.min(v);
                    max = max.max(v);
                    p.moments.add(v);
                    *buckets.entry(params.bucket(v)).or_default() += 1;
                    categories.add(Category::Number(float_key(v)), 1);
                }
            }
            Ok(())
        })?;
        if min <= max {
            (p.min, p.max) = (Some(min), Some(max));
        }
        p.buckets = buckets.into_iter().collect();
        p.buckets.sort_unstable();
        p.categories = categories.finish();
        Ok(p)
    }

    pub fn numeric(&self) -> bool {
        is_numeric(&self.data_type)
    }

    /// Finite values: what the numerical statistics use.
    pub fn finite(&self) -> u64 {
        self.rows - self.nulls - self.nans - self.infinities()
    }

    pub fn infinities(&self) -> u64 {
        self.positive_infinities + self.negative_infinities
    }

    /// Stored as integers with no nulls (NumPy's bin-width rule).
    pub fn integer(&self) -> bool {
        self.data_type.is_integer() && self.nulls == 0
    }

    /// Adds another part of the same column.
    pub fn merge(&mut self, other: &ColumnProfile, params: &Params) -> Result<(), KernelError> {
        if self.name != other.name || self.data_type != other.data_type {
            return Err(KernelError(format!(
                "cannot merge column `{}` ({}) with `{}` ({})",
                self.name, self.data_type, other.name, other.data_type
            )));
        }
        // Counts a file declares: two of them may not add up in a u64.
        let add = |a: u64, b: u64| {
            a.checked_add(b).ok_or_else(|| {
                KernelError(format!(
                    "column `{}`: the merged counts pass 2^64",
                    self.name
                ))
            })
        };
        self.rows = add(self.rows, other.rows)?;
        self.nulls = add(self.nulls, other.nulls)?;
        self.nans = add(self.nans, other.nans)?;
        self.positive_infinities = add(self.positive_infinities, other.positive_infinities)?;
        self.negative_infinities = add(self.negative_infinities, other.negative_infinities)?;
        self.min = fold(self.min, other.min, f64::min);
        self.max = fold(self.max, other.max, f64::max);
        self.moments.merge(&other.moments);
        self.buckets = add_buckets(&self.buckets, &other.buckets);
        self.categories = self
            .categories
            .merged(&other.categories, params.category_cap);
        Ok(())
    }

    /// The same column on a coarser grid (fewer mantissa bits, fewer
    /// categories): exact, since coarse buckets are unions of fine ones.
    pub fn coarsened(&self, from: &Params, to: &Params) -> ColumnProfile {
        let mut out = self.clone();
        let extra = u32::from(from.mantissa_bits.saturating_sub(to.mantissa_bits));
        if extra > 0 {
            let mut buckets: Vec<(u64, u64)> = Vec::with_capacity(self.buckets.len());
            for (key, n) in &self.buckets {
                match buckets.last_mut() {
                    Some((k, total)) if *k == key >> extra => *total += n,
                    _ => buckets.push((key >> extra, *n)),
                }
            }
            out.buckets = buckets;
        }
        if to.category_cap < from.category_cap {
            out.categories = self
                .categories
                .merged(&Categories::default(), to.category_cap);
        }
        out
    }
}

fn fold(a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    }
}

/// Two ascending bucket lists, added.
fn add_buckets(a: &[(u64, u64)], b: &[(u64, u64)]) -> Vec<(u64, u64)> {
    let mut out = Vec::with_capacity(a.len().max(b.len()));
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1 + y.1));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Every column of a table, summarised with one set of parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub meta: Meta,
    pub columns: Vec<ColumnProfile>,
}

impl Profile {
    pub fn rows(&self) -> u64 {
        self.columns.first().map_or(0, |c| c.rows)
    }

    pub fn column(&self, name: &str) -> Option<&ColumnProfile> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// Adds a profile of more rows of the same table (same columns, same
    /// parameters); its sources are appended.
    pub fn merge(&mut self, other: &Profile) -> Result<(), KernelError> {
        if self.meta.params != other.meta.params {
            return Err(KernelError(format!(
                "cannot merge profiles made with different parameters ({} and {} mantissa bits, caps {} and {})",
                self.meta.params.mantissa_bits,
                other.meta.params.mantissa_bits,
                self.meta.params.category_cap,
                other.meta.params.category_cap
            )));
        }
        let names = |p: &Profile| p.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        if names(self) != names(other) {
            return Err(KernelError(format!(
                "cannot merge profiles of different columns ({} and {})",
                names(self).join(", "),
                names(other).join(", ")
            )));
        }
        let params = self.meta.params;
        for (a, b) in self.columns.iter_mut().zip(&other.columns) {
            a.merge(b, &params)?;
        }
        self.meta.sources.extend(other.meta.sources.iter().cloned());
        Ok(())
    }
}

#[cfg(test)]
mod tests;
