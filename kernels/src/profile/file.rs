//! The profile file (`.mltp`): one Arrow IPC file, a row per column, whose
//! schema metadata records the format version, the producer, the sources
//! and the parameters. Readers check everything they rely on, so a
//! damaged or hostile file is an error, never a wrong answer.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, Float64Array, ListArray, ListBuilder, RecordBatch,
    StringArray, StringBuilder, UInt64Array, UInt64Builder,
};
use arrow::datatypes::{DataType, Field, Schema, UInt64Type};
use arrow::ipc::reader::FileReader;
use arrow::ipc::writer::FileWriter;

use super::{Categories, ColumnProfile, Moments, Params, Profile};
use crate::KernelError;
use crate::sample::Category;

/// The longest data type name read (nested types are short; a hostile
/// one is not).
const MAX_TYPE_NAME: usize = 256;

/// The format this code writes and reads.
pub const FORMAT_VERSION: &str = "1";

/// Where a profile's rows came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Source {
    /// A file path or a table name.
    pub path: String,
    /// The source file's sha256, when it is a file.
    pub sha256: Option<String>,
    /// A table snapshot or version, when the source has them.
    pub snapshot: Option<String>,
    /// A row filter applied, in the engine's SQL.
    pub filter: Option<String>,
    pub rows: u64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Meta {
    /// `mltest <version>`.
    pub producer: String,
    pub params: Params,
    pub sources: Vec<Source>,
}

fn err(message: impl std::fmt::Display) -> KernelError {
    KernelError(message.to_string())
}

fn schema(meta: &Meta) -> Schema {
    let list = |name: &str, item: DataType| {
        Field::new(
            name,
            DataType::List(Arc::new(Field::new("item", item, false))),
            false,
        )
    };
    let fields = vec![
        Field::new("name", DataType::Utf8, false),
        Field::new("data_type", DataType::Utf8, false),
        Field::new("rows", DataType::UInt64, false),
        Field::new("nulls", DataType::UInt64, false),
        Field::new("nans", DataType::UInt64, false),
        Field::new("positive_infinities", DataType::UInt64, false),
        Field::new("negative_infinities", DataType::UInt64, false),
        Field::new("min", DataType::Float64, true),
        Field::new("max", DataType::Float64, true),
        Field::new("sum_positive", DataType::Binary, false),
        Field::new("sum_negative", DataType::Binary, false),
        Field::new("sum_squares", DataType::Binary, false),
        list("bucket_keys", DataType::UInt64),
        list("bucket_counts", DataType::UInt64),
        list("category_values", DataType::Utf8),
        list("category_counts", DataType::UInt64),
        Field::new("category_remainder", DataType::UInt64, false),
    ];
    let mut m: HashMap<String, String> = HashMap::new();
    m.insert("mltest.profile.format".into(), FORMAT_VERSION.into());
    m.insert("mltest.profile.producer".into(), meta.producer.clone());
    m.insert(
        "mltest.profile.mantissa_bits".into(),
        meta.params.mantissa_bits.to_string(),
    );
    m.insert(
        "mltest.profile.category_cap".into(),
        meta.params.category_cap.to_string(),
    );
    m.insert(
        "mltest.profile.sources".into(),
        meta.sources.len().to_string(),
    );
    for (i, s) in meta.sources.iter().enumerate() {
        let key = |k: &str| format!("mltest.profile.source.{i}.{k}");
        m.insert(key("path"), s.path.clone());
        m.insert(key("rows"), s.rows.to_string());
        for (k, v) in [
            ("sha256", &s.sha256),
            ("snapshot", &s.snapshot),
            ("filter", &s.filter),
        ] {
            if let Some(v) = v {
                m.insert(key(k), v.clone());
            }
        }
    }
    Schema::new_with_metadata(fields, m)
}

fn category_text(c: &Category) -> String {
    c.render()
}

/// The profile as an Arrow IPC file's bytes. The same profile always
/// gives the same bytes.
pub fn encode(profile: &Profile) -> Result<Vec<u8>, KernelError> {
    let schema = Arc::new(schema(&profile.meta));
    let cols = &profile.columns;
    let u64s = |f: fn(&ColumnProfile) -> u64| -> ArrayRef {
        Arc::new(UInt64Array::from_iter_values(cols.iter().map(f)))
    };
    let f64s = |f: fn(&ColumnProfile) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from_iter(cols.iter().map(f)))
    };
    // Little-endian, without the high zero bytes: one form per value.
    let binary = |f: &dyn Fn(&ColumnProfile) -> Vec<u8>| -> Result<ArrayRef, KernelError> {
        let trimmed: Vec<Vec<u8>> = cols
            .iter()
            .map(|c| {
                let mut b = f(c);
                while b.last() == Some(&0) {
                    b.pop();
                }
                b
            })
            .collect();
        Ok(Arc::new(BinaryArray::from_iter_values(trimmed)))
    };
    let u64_lists = |f: &dyn Fn(&ColumnProfile) -> Vec<u64>| -> ArrayRef {
        let mut b = ListBuilder::new(UInt64Builder::new()).with_field(Arc::new(Field::new(
            "item",
            DataType::UInt64,
            false,
        )));
        for c in cols {
            b.values().append_slice(&f(c));
            b.append(true);
        }
        Arc::new(b.finish())
    };
    let mut values = ListBuilder::new(StringBuilder::new()).with_field(Arc::new(Field::new(
        "item",
        DataType::Utf8,
        false,
    )));
    for c in cols {
        for (category, _) in &c.categories.kept {
            values.values().append_value(category_text(category));
        }
        values.append(true);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(
            cols.iter().map(|c| c.name.as_str()),
        )),
        Arc::new(StringArray::from_iter_values(
            cols.iter().map(|c| c.data_type.to_string()),
        )),
        u64s(|c| c.rows),
        u64s(|c| c.nulls),
        u64s(|c| c.nans),
        u64s(|c| c.positive_infinities),
        u64s(|c| c.negative_infinities),
        f64s(|c| c.min),
        f64s(|c| c.max),
        binary(&|c| c.moments.to_bytes().0)?,
        binary(&|c| c.moments.to_bytes().1)?,
        binary(&|c| c.moments.to_bytes().2)?,
        u64_lists(&|c| c.buckets.iter().map(|b| b.0).collect()),
        u64_lists(&|c| c.buckets.iter().map(|b| b.1).collect()),
        Arc::new(values.finish()),
        u64_lists(&|c| c.categories.kept.iter().map(|k| k.1).collect()),
        u64s(|c| c.categories.remainder),
    ];
    let batch = RecordBatch::try_new(schema.clone(), columns)?;
    let mut out = Vec::new();
    // Uncompressed: a compressed buffer declares the size it decodes to,
    // which a damaged file could make anything.
    let mut writer = FileWriter::try_new(&mut out, &schema)?;
    writer.write(&batch)?;
    writer.finish()?;
    drop(writer);
    Ok(out)
}

/// Reads a profile file's bytes, checking its format, parameters and every
/// count it relies on.
pub fn decode(bytes: &[u8]) -> Result<Profile, KernelError> {
    // Arrow's IPC reader can panic on a damaged file; that is a corrupt
    // profile, not a crash.
    std::panic::catch_unwind(|| decode_checked(bytes)).unwrap_or_else(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        Err(err(format!(
            "corrupt profile (the Arrow IPC decoder failed: {why})"
        )))
    })
}

fn decode_checked(bytes: &[u8]) -> Result<Profile, KernelError> {
    // Nothing is compressed, so the file decodes to at most its own size.
    crate::ipc::check_bytes(bytes, bytes.len() as u64).map_err(|e| match e {
        crate::ipc::IpcError::Corrupt(m) => err(format!("not an Arrow IPC file: {m}")),
        crate::ipc::IpcError::TooLarge => err("not a profile: compressed buffers"),
    })?;
    let reader = FileReader::try_new(std::io::Cursor::new(bytes), None)
        .map_err(|e| err(format!("not an Arrow IPC file: {e}")))?;
    let schema = reader.schema();
    let meta = read_meta(schema.metadata())?;
    let expected = self::schema(&meta);
    if schema.fields() != expected.fields() {
        return Err(err(
            "not a profile: the columns are not those of format version 1",
        ));
    }
    let mut columns = Vec::new();
    for batch in reader {
        let batch = batch.map_err(|e| err(format!("corrupt profile: {e}")))?;
        columns.extend(read_batch(&batch, &meta.params)?);
    }
    if columns.is_empty() {
        return Err(err("the profile has no columns"));
    }
    let rows = columns[0].rows;
    if let Some(c) = columns.iter().find(|c| c.rows != rows) {
        return Err(err(format!(
            "column `{}`: {} rows, but `{}` has {rows}",
            c.name, c.rows, columns[0].name
        )));
    }
    let sources: u64 = meta.sources.iter().map(|s| s.rows).sum();
    if sources != rows {
        return Err(err(format!(
            "the sources add up to {sources} rows, the columns have {rows}"
        )));
    }
    let mut names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    if let Some(w) = names.windows(2).find(|w| w[0] == w[1]) {
        return Err(err(format!("column `{}` appears twice", w[0])));
    }
    Ok(Profile { meta, columns })
}

fn read_meta(m: &HashMap<String, String>) -> Result<Meta, KernelError> {
    let get = |k: &str| {
        m.get(&format!("mltest.profile.{k}"))
            .ok_or_else(|| err(format!("not a profile: no `mltest.profile.{k}` metadata")))
    };
    let format = get("format")?;
    if format != FORMAT_VERSION {
        return Err(err(format!(
            "profile format version {format} is not supported (this mltest reads version {FORMAT_VERSION})"
        )));
    }
    let number = |k: &str| -> Result<u64, KernelError> {
        get(k)?
            .parse()
            .map_err(|_| err(format!("metadata `mltest.profile.{k}` is not a number")))
    };
    let params = Params {
        mantissa_bits: u8::try_from(number("mantissa_bits")?).unwrap_or(u8::MAX),
        category_cap: u32::try_from(number("category_cap")?).unwrap_or(u32::MAX),
    };
    params.check()?;
    let count = number("sources")?;
    if count > 100_000 {
        return Err(err("more than 100000 sources"));
    }
    let mut sources = Vec::new();
    for i in 0..count {
        let optional = |k: &str| m.get(&format!("mltest.profile.source.{i}.{k}")).cloned();
        sources.push(Source {
            path: get(&format!("source.{i}.path"))?.clone(),
            rows: number(&format!("source.{i}.rows"))?,
            sha256: optional("sha256"),
            snapshot: optional("snapshot"),
            filter: optional("filter"),
        });
    }
    Ok(Meta {
        producer: get("producer")?.clone(),
        params,
        sources,
    })
}

fn read_batch(batch: &RecordBatch, params: &Params) -> Result<Vec<ColumnProfile>, KernelError> {
    let col = |i: usize| batch.column(i);
    let strings = |i: usize| col(i).as_string::<i32>();
    let u64s = |i: usize| col(i).as_primitive::<UInt64Type>();
    let f64s = |i: usize| col(i).as_primitive::<arrow::datatypes::Float64Type>();
    let binary = |i: usize| col(i).as_binary::<i32>();
    let lists = |i: usize| col(i).as_list::<i32>();
    for i in 0..batch.num_columns() {
        // Nulls only where the schema allows them (min and max).
        if col(i).null_count() > 0 && !matches!(i, 7 | 8) {
            return Err(err(format!(
                "corrupt profile: nulls in `{}`",
                batch.schema().field(i).name()
            )));
        }
    }
    let list_of = |list: &ListArray, row: usize| -> ArrayRef { list.value(row) };
    let mut out = Vec::with_capacity(batch.num_rows());
    for row in 0..batch.num_rows() {
        let name = strings(0).value(row).to_string();
        let bad = |what: &str| err(format!("column `{name}`: {what}"));
        // Arrow's type parser recurses on nesting: a long string of
        // `List(` would overflow the stack. No type a profile holds is
        // long.
        let type_name = strings(1).value(row);
        if type_name.len() > MAX_TYPE_NAME {
            return Err(bad("the data type's name is too long"));
        }
        let data_type: DataType = type_name.parse().map_err(|_| bad("unknown data type"))?;
        let padded = |i: usize, width: usize| -> Option<Vec<u8>> {
            let b = binary(i).value(row);
            (b.len() <= width && b.last() != Some(&0)).then(|| {
                let mut b = b.to_vec();
                b.resize(width, 0);
                b
            })
        };
        let moments = padded(9, Moments::SUM_BYTES)
            .zip(padded(10, Moments::SUM_BYTES))
            .zip(padded(11, Moments::SQUARE_BYTES))
            .and_then(|((p, n), q)| Moments::from_bytes(&p, &n, &q))
            .ok_or_else(|| bad("corrupt sums"))?;
        let keys = list_of(lists(12), row);
        let counts = list_of(lists(13), row);
        let (keys, counts) = (
            keys.as_primitive::<UInt64Type>(),
            counts.as_primitive::<UInt64Type>(),
        );
        if keys.len() != counts.len() {
            return Err(bad("bucket keys and counts differ in length"));
        }
        // Keys have 12 + m bits (sign, exponent, mantissa prefix).
        let top = 1u64
            .checked_shl(12 + u32::from(params.mantissa_bits))
            .unwrap_or(0);
        let buckets: Vec<(u64, u64)> = keys
            .values()
            .iter()
            .copied()
            .zip(counts.values().iter().copied())
            .collect();
        if buckets.windows(2).any(|w| w[0].0 >= w[1].0)
            || buckets
                .iter()
                .any(|(k, n)| (top != 0 && *k >= top) || *n == 0)
        {
            return Err(bad(
                "buckets are not ascending, non-empty keys of the profile's grid",
            ));
        }
        let values = list_of(lists(14), row);
        let counts = list_of(lists(15), row);
        let (values, counts) = (
            values.as_string::<i32>(),
            counts.as_primitive::<UInt64Type>(),
        );
        if values.len() != counts.len() || values.len() > params.category_cap as usize {
            return Err(bad(
                "category values and counts differ in length or pass the cap",
            ));
        }
        let numeric = crate::is_numeric(&data_type);
        let mut kept = Vec::with_capacity(values.len());
        for (v, n) in values.iter().flatten().zip(counts.values()) {
            let category = if numeric {
                let x: f64 = v
                    .parse()
                    .map_err(|_| bad("a numeric category is not a number"))?;
                Category::Number(crate::views::float_key(x))
            } else {
                Category::Text(v.to_string())
            };
            if *n == 0 {
                return Err(bad("a category with no rows"));
            }
            kept.push((category, *n));
        }
        let ordered = kept.windows(2).all(|w| {
            (super::category_hash(&w[0].0), &w[0].0) < (super::category_hash(&w[1].0), &w[1].0)
        });
        if !ordered {
            return Err(bad("categories are not in hash order"));
        }
        let p = ColumnProfile {
            name: name.clone(),
            data_type,
            rows: u64s(2).value(row),
            nulls: u64s(3).value(row),
            nans: u64s(4).value(row),
            positive_infinities: u64s(5).value(row),
            negative_infinities: u64s(6).value(row),
            min: f64s(7).is_valid(row).then(|| f64s(7).value(row)),
            max: f64s(8).is_valid(row).then(|| f64s(8).value(row)),
            moments,
            buckets,
            categories: Categories {
                kept,
                remainder: u64s(16).value(row),
            },
        };
        if p.categories.remainder > 0 && p.categories.kept.len() < params.category_cap as usize {
            // A bottom-k with a rest is full: otherwise the rest's
            // categories would have been kept.
            return Err(bad("categories past the cap while under it"));
        }
        check_counts(&p, params).map_err(|e| bad(&e))?;
        out.push(p);
    }
    Ok(out)
}

/// The counts of a column agree with each other.
fn check_counts(p: &ColumnProfile, params: &Params) -> Result<(), String> {
    let missing = [
        p.nulls,
        p.nans,
        p.positive_infinities,
        p.negative_infinities,
    ]
    .iter()
    .try_fold(0u64, |a, b| a.checked_add(*b))
    .filter(|m| *m <= p.rows)
    .ok_or("more missing values than rows")?;
    let finite = p.rows - missing;
    fn sum<'a>(v: impl Iterator<Item = &'a (impl Sized + 'a, u64)>) -> Option<u64> {
        v.map(|x| x.1).try_fold(0u64, |a, b| a.checked_add(b))
    }
    let in_buckets = sum(p.buckets.iter()).ok_or("bucket counts overflow")?;
    let categories = sum(p.categories.kept.iter())
        .and_then(|k| k.checked_add(p.categories.remainder))
        .ok_or("category counts overflow")?;
    if p.numeric() {
        if in_buckets != finite || categories != finite {
            return Err(format!(
                "{finite} finite values, but {in_buckets} in buckets and {categories} in categories"
            ));
        }
        let range_ok = match (p.min, p.max) {
            (Some(lo), Some(hi)) => {
                lo.is_finite()
                    && hi.is_finite()
                    && lo <= hi
                    && p.buckets.first().map(|b| b.0) == Some(params.bucket(lo))
                    && p.buckets.last().map(|b| b.0) == Some(params.bucket(hi))
            }
            (None, None) => finite == 0,
            _ => false,
        };
        if !range_ok {
            return Err("min and max disagree with the buckets".into());
        }
    } else if !p.buckets.is_empty()
        || p.min.is_some()
        || p.max.is_some()
        || p.nans > 0
        || p.positive_infinities > 0
        || p.negative_infinities > 0
        || categories != p.rows - p.nulls
    {
        return Err("a text column with numeric parts, or categories that do not add up".into());
    }
    Ok(())
}
