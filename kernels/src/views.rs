//! Shared views of a column, below every kernel: the canonical numeric
//! form (f64: integers, floats, decimals; booleans as 0/1; temporal values
//! as seconds since the epoch), the text rendering, float hash keys and
//! counts by text. A leaf module, so `describe` and `sample` both build on
//! it without depending on each other.

use std::collections::HashMap;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit};

use super::KernelError;

/// Whether the column has a numeric view (see the module docs).
pub fn is_numeric(data_type: &DataType) -> bool {
    match data_type {
        DataType::Dictionary(_, values) => is_numeric(values),
        t => t.is_numeric() || t.is_temporal() || matches!(t, DataType::Boolean),
    }
}

/// The column as f64, with nulls kept; `None` for non-numeric columns.
pub fn numeric_view(array: &dyn Array) -> Result<Option<Float64Array>, KernelError> {
    let data_type = match array.data_type() {
        DataType::Dictionary(_, values) => values.as_ref().clone(),
        t => t.clone(),
    };
    if !is_numeric(&data_type) {
        return Ok(None);
    }
    // Seconds per unit of the integer a temporal value is stored as.
    let scale = match &data_type {
        DataType::Timestamp(unit, _)
        | DataType::Duration(unit)
        | DataType::Time64(unit)
        | DataType::Time32(unit) => Some(match unit {
            TimeUnit::Second => 1.0,
            TimeUnit::Millisecond => 1e-3,
            TimeUnit::Microsecond => 1e-6,
            TimeUnit::Nanosecond => 1e-9,
        }),
        DataType::Date32 => Some(86_400.0),
        DataType::Date64 => Some(1e-3),
        _ => None,
    };
    let values = match scale {
        None => cast(array, &DataType::Float64)?,
        Some(scale) => {
            let plain = match &data_type {
                DataType::Timestamp(..)
                | DataType::Date64
                | DataType::Duration(_)
                | DataType::Time64(_) => cast(&cast(array, &data_type)?, &DataType::Int64)?,
                _ => cast(&cast(array, &data_type)?, &DataType::Int32)?,
            };
            let ints = cast(&plain, &DataType::Int64)?;
            let ints = ints.as_primitive::<Int64Type>();
            let scaled: Float64Array = ints.iter().map(|v| v.map(|v| v as f64 * scale)).collect();
            return Ok(Some(scaled));
        }
    };
    Ok(Some(values.as_primitive::<Float64Type>().clone()))
}

/// A chunk's numeric view, or the error for a column that has none.
pub(crate) fn numbers(chunk: &dyn Array) -> Result<Float64Array, KernelError> {
    numeric_view(chunk)?.ok_or_else(|| not_numerical(chunk.data_type()))
}

/// The error for a numeric kernel on a column without a numeric view.
pub(crate) fn not_numerical(data_type: &DataType) -> KernelError {
    KernelError(format!("column of type {data_type} is not numerical"))
}

/// The column as text, nulls kept.
pub(crate) fn text_view(array: &dyn Array) -> Result<ArrayRef, KernelError> {
    Ok(cast(array, &DataType::Utf8)?)
}

/// Canonical hash key of a float: all NaNs alike, -0.0 equal to 0.0.
pub(crate) fn float_key(v: f64) -> u64 {
    if v.is_nan() {
        f64::NAN.to_bits()
    } else if v == 0.0 {
        0
    } else {
        v.to_bits()
    }
}

/// Counts of each distinct value, by its text rendering.
pub(crate) fn counts(text: &ArrayRef) -> HashMap<&str, u64> {
    let mut counts: HashMap<&str, u64> = HashMap::new();
    for v in text.as_string::<i32>().iter().flatten() {
        *counts.entry(v).or_default() += 1;
    }
    counts
}
