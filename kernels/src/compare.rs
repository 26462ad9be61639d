//! Element-wise comparison of two columns (determinism: candidate against
//! golden output, run against run), and row alignment by key.
//!
//! Discrete values (integers, strings, booleans, dates) must be equal.
//! Floating-point values match when `|actual − expected| ≤ atol + rtol·|expected|`
//! (NumPy's `isclose`, the expected value as the scale) or, when `max_ulp`
//! is set, when they are at most that many representable doubles apart.
//! NaN matches NaN, null matches null, and -0.0 matches 0.0.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, UInt64Array};
use arrow::datatypes::DataType;

use super::KernelError;
use super::views::{numeric_view, text_view};

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
    pub max_ulp: Option<u64>,
}

/// One differing row.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// The row's position in the actual column.
    pub row: u64,
    pub actual: Option<String>,
    pub expected: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ColumnDiff {
    /// Row pairs compared.
    pub compared: u64,
    pub mismatches: u64,
    /// Over pairs where both values are finite; absent for discrete columns.
    pub max_abs_diff: Option<f64>,
    /// |a − e| / |e| over finite pairs with e ≠ 0.
    pub max_rel_diff: Option<f64>,
    pub max_ulp: Option<u64>,
    /// The first mismatching rows, in row order.
    pub first: Vec<Mismatch>,
}

fn is_float(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(_, values) => is_float(values),
        t => t.is_floating() || matches!(t, DataType::Decimal128(..) | DataType::Decimal256(..)),
    }
}

/// Distance in units in the last place, as `numpy.testing`'s `nulp_diff`
/// counts it (sign-magnitude bits mapped onto a monotone integer line).
pub fn ulp_distance(a: f64, b: f64) -> u64 {
    let line = |x: f64| -> i128 {
        let bits = x.to_bits() as i64;
        if bits < 0 {
            i64::MIN as i128 - bits as i128
        } else {
            bits as i128
        }
    };
    (line(a) - line(b)).unsigned_abs().min(u64::MAX as u128) as u64
}

/// Compares by position over the shorter of the two columns; the caller
/// reports a difference in length.
pub fn compare_columns(
    actual: &dyn Array,
    expected: &dyn Array,
    tolerance: &Tolerance,
    limit: usize,
) -> Result<ColumnDiff, KernelError> {
    let rows = actual.len().min(expected.len());
    let (actual, expected) = (actual.slice(0, rows), expected.slice(0, rows));
    let render = |array: &ArrayRef, row: usize| -> Result<Option<String>, KernelError> {
        let text = text_view(array.slice(row, 1).as_ref())?;
        let text = text.as_string::<i32>();
        Ok(text.is_valid(0).then(|| text.value(0).to_string()))
    };
    let mut diff = ColumnDiff {
        compared: rows as u64,
        ..Default::default()
    };
    let mut mismatched_rows = Vec::new();
    let floats = (is_float(actual.data_type()) || is_float(expected.data_type()))
        .then(|| Ok::<_, KernelError>((numeric_view(&actual)?, numeric_view(&expected)?)))
        .transpose()?;
    match floats {
        Some((Some(a), Some(e))) => {
            let (mut max_abs, mut max_rel, mut max_ulp) = (0.0f64, 0.0f64, 0u64);
            let mut finite_pairs = false;
            for row in 0..rows {
                let same = match (a.is_valid(row), e.is_valid(row)) {
                    (false, false) => true,
                    (true, true) => {
                        let (x, y) = (a.value(row), e.value(row));
                        if x.is_finite() && y.is_finite() {
                            finite_pairs = true;
                            let abs = (x - y).abs();
                            let ulp = ulp_distance(x, y);
                            max_abs = max_abs.max(abs);
                            if y != 0.0 {
                                max_rel = max_rel.max(abs / y.abs());
                            }
                            max_ulp = max_ulp.max(ulp);
                            abs <= tolerance.atol + tolerance.rtol * y.abs()
                                || tolerance.max_ulp.is_some_and(|m| ulp <= m)
                        } else {
                            x == y || (x.is_nan() && y.is_nan())
                        }
                    }
                    _ => false,
                };
                if !same {
                    mismatched_rows.push(row);
                }
            }
            if finite_pairs {
                diff.max_abs_diff = Some(max_abs);
                diff.max_rel_diff = Some(max_rel);
                diff.max_ulp = Some(max_ulp);
            }
        }
        _ => {
            let (a, e) = (text_view(&actual)?, text_view(&expected)?);
            let (a, e) = (a.as_string::<i32>(), e.as_string::<i32>());
            for row in 0..rows {
                let same = match (a.is_valid(row), e.is_valid(row)) {
                    (false, false) => true,
                    (true, true) => a.value(row) == e.value(row),
                    _ => false,
                };
                if !same {
                    mismatched_rows.push(row);
                }
            }
        }
    }
    diff.mismatches = mismatched_rows.len() as u64;
    for &row in mismatched_rows.iter().take(limit) {
        diff.first.push(Mismatch {
            row: row as u64,
            actual: render(&actual, row)?,
            expected: render(&expected, row)?,
        });
    }
    Ok(diff)
}

/// How the rows of two tables pair up by key.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Alignment {
    /// Row indices into actual and expected, paired; in expected order.
    pub actual_rows: Vec<u64>,
    pub expected_rows: Vec<u64>,
    /// Rendered keys of each paired row, for messages.
    pub keys: Vec<String>,
    /// Keys only in expected, only in actual (rendered; all of them counted,
    /// at most `limit` kept).
    pub missing: (u64, Vec<String>),
    pub extra: (u64, Vec<String>),
    /// Rows whose key repeats an earlier row's key, on either side.
    pub duplicates: u64,
}

fn render_keys(columns: &[ArrayRef]) -> Result<Vec<String>, KernelError> {
    let texts: Vec<ArrayRef> = columns
        .iter()
        .map(|c| text_view(c.as_ref()))
        .collect::<Result<_, _>>()?;
    let rows = columns.first().map_or(0, |c| c.len());
    Ok((0..rows)
        .map(|row| {
            texts
                .iter()
                .map(|t| {
                    let t = t.as_string::<i32>();
                    if t.is_valid(row) {
                        t.value(row)
                    } else {
                        "null"
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect())
}

/// Pairs rows by the values of the key columns.
pub fn align_by_key(
    actual: &[ArrayRef],
    expected: &[ArrayRef],
    limit: usize,
) -> Result<Alignment, KernelError> {
    let (actual_keys, expected_keys) = (render_keys(actual)?, render_keys(expected)?);
    let mut alignment = Alignment::default();
    let mut index: HashMap<&str, u64> = HashMap::with_capacity(actual_keys.len());
    for (row, key) in actual_keys.iter().enumerate() {
        if index.insert(key, row as u64).is_some() {
            alignment.duplicates += 1;
        }
    }
    let mut seen: HashMap<&str, ()> = HashMap::with_capacity(expected_keys.len());
    for (row, key) in expected_keys.iter().enumerate() {
        if seen.insert(key, ()).is_some() {
            alignment.duplicates += 1;
            continue;
        }
        match index.get(key.as_str()) {
            Some(&actual_row) => {
                alignment.actual_rows.push(actual_row);
                alignment.expected_rows.push(row as u64);
                alignment.keys.push(key.clone());
            }
            None => {
                alignment.missing.0 += 1;
                if alignment.missing.1.len() < limit {
                    alignment.missing.1.push(key.clone());
                }
            }
        }
    }
    for key in actual_keys
        .iter()
        .filter(|k| !seen.contains_key(k.as_str()))
    {
        alignment.extra.0 += 1;
        if alignment.extra.1.len() < limit {
            alignment.extra.1.push(key.clone());
        }
    }
    Ok(alignment)
}

/// The rows of `array` at `rows`, in that order.
pub fn take(array: &dyn Array, rows: &[u64]) -> Result<ArrayRef, KernelError> {
    let indices = UInt64Array::from(rows.to_vec());
    Ok(arrow::compute::take(array, &indices, None)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array, StringArray};
    use std::sync::Arc;

    #[test]
    fn floats_match_within_tolerance_and_nan_matches_nan() {
        let a = Float64Array::from(vec![
            Some(1.0),
            Some(f64::NAN),
            None,
            Some(2.0 + 1e-12),
            Some(-0.0),
        ]);
        let e = Float64Array::from(vec![Some(1.0), Some(f64::NAN), None, Some(2.0), Some(0.0)]);
        let exact = compare_columns(&a, &e, &Tolerance::default(), 5).unwrap();
        assert_eq!(exact.mismatches, 1);
        assert_eq!(exact.first[0].row, 3);
        let loose = Tolerance {
            rtol: 1e-9,
            ..Default::default()
        };
        assert_eq!(compare_columns(&a, &e, &loose, 5).unwrap().mismatches, 0);
        let ulps = Tolerance {
            max_ulp: Some(5000),
            ..Default::default()
        };
        assert_eq!(compare_columns(&a, &e, &ulps, 5).unwrap().mismatches, 0);
    }

    #[test]
    fn ulp_distance_spans_zero() {
        assert_eq!(ulp_distance(0.0, -0.0), 0);
        assert_eq!(ulp_distance(1.0, f64::from_bits(1.0f64.to_bits() + 1)), 1);
        let tiny = f64::from_bits(1);
        assert_eq!(ulp_distance(tiny, -tiny), 2);
    }

    #[test]
    fn discrete_values_must_be_equal() {
        let a = StringArray::from(vec![Some("x"), None, Some("z")]);
        let e = StringArray::from(vec![Some("x"), Some("y"), Some("z")]);
        let d = compare_columns(&a, &e, &Tolerance::default(), 5).unwrap();
        assert_eq!((d.mismatches, d.max_abs_diff), (1, None));
        assert_eq!(d.first[0].actual, None);
        assert_eq!(d.first[0].expected.as_deref(), Some("y"));
    }

    #[test]
    fn aligns_rows_by_key_and_reports_the_rest() {
        let actual: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![3, 1, 2, 2]))];
        let expected: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![1, 2, 4]))];
        let a = align_by_key(&actual, &expected, 10).unwrap();
        assert_eq!(a.actual_rows, vec![1, 3]);
        assert_eq!(a.expected_rows, vec![0, 1]);
        assert_eq!(a.missing, (1, vec!["4".to_string()]));
        assert_eq!(a.extra, (1, vec!["3".to_string()]));
        assert_eq!(a.duplicates, 1);
    }
}
