//! Tables from Parquet, CSV and Arrow IPC files, one column at a time.
//!
//! Opening reads what describes the table once: Parquet's footer (kept and
//! reused for every column, so a 10,000-column file is not re-parsed per
//! column), a CSV's inferred schema, an Arrow IPC file's footer after its
//! structure has been checked against the file ([`super::ipc`]). A column
//! is either read whole and kept in the run's memory budget
//! ([`super::memory`]), or, when it would not fit, streamed a batch at a
//! time to the kernel that asked, on every request ([`Table::scan`]). A CSV
//! is tokenised once, for all its columns together, and kept whole: it has
//! no column index, so reading one column costs a pass over every row.
//! Data at scale belongs in Parquet or Arrow IPC.
//!
//! Decoders can panic on corrupt input; each read runs contained, and the
//! panic becomes an error that names the file and the column.

use std::collections::HashMap;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::compute::concat;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};

use mltest_kernels::profile::{ColumnProfile as Profiled, Params, Profile};

use super::DataError;
use super::memory::Memory;
use crate::files;
use crate::panics::contain;
use crate::suite::{ArtifactSpec, Format, SizeLimits};

/// Rows per decoded batch: large batches keep per-batch overhead negligible.
const BATCH_ROWS: usize = 64 * 1024;

/// What is kept from opening, per format, for reading columns later.
enum Reader {
    /// The parsed footer.
    Parquet(ArrowReaderMetadata),
    /// Every column, decoded together on the first request.
    Csv(OnceLock<Result<Vec<ArrayRef>, DataError>>),
    Arrow,
    /// A profile: summaries only, read whole at opening.
    Profile(Arc<Profile>),
}

/// An opened table: schema and row count known, columns loaded on demand.
pub(crate) struct Table {
    pub(crate) name: String,
    path: PathBuf,
    delimiter: u8,
    schema: SchemaRef,
    num_rows: u64,
    reader: Reader,
    /// This table's part of the cache keys in `memory`.
    serial: usize,
    /// Column profiles made for drift against a profile, by column and
    /// grid: small, and asked for by every check comparing the column.
    profiles: Mutex<HashMap<(usize, u8, u32), Arc<Profiled>>>,
    memory: Arc<Memory>,
}

/// Tables opened by this process, for cache keys.
static SERIALS: AtomicUsize = AtomicUsize::new(0);

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish()
    }
}

/// Why a [`Table::scan`] stopped: the file, or the visitor.
#[derive(Debug)]
pub(crate) enum ScanError<E> {
    Data(DataError),
    Visit(E),
}

impl Table {
    /// Reads the schema and row count. Empty tables are refused here, so no
    /// check can pass on data that is not there; so are tables with two
    /// columns of the same name, whose second column no check could read.
    pub(crate) fn open(
        spec: &ArtifactSpec,
        sizes: &SizeLimits,
        memory: Arc<Memory>,
    ) -> Result<Table, DataError> {
        let path = &spec.path;
        let size = files::check_size(path, sizes.max_table_bytes, "[limits] max_table_size")
            .map_err(|e| DataError::file(path, e))?;
        let opened = contain(|| open_format(spec, size, sizes)).unwrap_or_else(|panic| {
            Err(DataError::corrupt(
                path,
                format!("corrupt file (the decoder failed: {panic})"),
            ))
        });
        let (schema, num_rows, reader) = opened?;
        if num_rows == 0 || schema.fields().is_empty() {
            return Err(DataError::Empty { path: path.clone() });
        }
        let mut seen = HashMap::new();
        for (i, field) in schema.fields().iter().enumerate() {
            if let Some(first) = seen.insert(field.name().as_str(), i) {
                return Err(DataError::BadColumn {
                    path: path.clone(),
                    column: field.name().clone(),
                    message: format!(
                        "the name is used by two columns ({} and {}); every column needs its own name",
                        first + 1,
                        i + 1
                    ),
                });
            }
        }
        Ok(Table {
            name: spec.name.clone(),
            path: path.clone(),
            delimiter: spec.delimiter,
            schema,
            num_rows,
            reader,
            serial: SERIALS.fetch_add(1, Ordering::Relaxed),
            profiles: Mutex::new(HashMap::new()),
            memory,
        })
    }

    pub(crate) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub(crate) fn num_rows(&self) -> u64 {
        self.num_rows
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// A column's index, or the error naming it.
    pub(crate) fn index_of(&self, name: &str) -> Result<usize, DataError> {
        self.schema.index_of(name).map_err(|_| DataError::NoColumn {
            path: self.path.clone(),
            column: name.to_string(),
        })
    }

    /// One column, whole: kept in the memory budget while it fits there,
    /// so checks that ask again share one read.
    pub(crate) fn column(&self, name: &str) -> Result<ArrayRef, DataError> {
        self.column_at(self.index_of(name)?)
    }

    /// The column as declared in the table's schema.
    fn column_at(&self, index: usize) -> Result<ArrayRef, DataError> {
        let array = self.kept_or_read(index)?;
        let declared = self.schema.field(index).data_type();
        if array.data_type() == declared {
            return Ok(array);
        }
        arrow::compute::cast(&array, declared).map_err(|e| self.bad(index, arrow_message(&e)))
    }

    /// The column as it is read (string columns of Parquet files as
    /// dictionaries), kept when the budget allows.
    fn kept_or_read(&self, index: usize) -> Result<ArrayRef, DataError> {
        self.values(index)?;
        if let Reader::Csv(all) = &self.reader {
            let all = all.get_or_init(|| self.read_csv());
            return match all {
                Ok(columns) => Ok(columns[index].clone()),
                Err(e) => Err(e.clone()),
            };
        }
        let key = (self.serial, index);
        if let Some(array) = self.memory.get(key) {
            return Ok(array);
        }
        let array = contain(|| self.read_column(index))
            .unwrap_or_else(|panic| Err(self.panicked(index, &panic)))?;
        self.memory.keep(key, &array);
        Ok(array)
    }

    /// The column's profile on the grid `params`, made by `make` the
    /// first time it is asked for.
    pub(crate) fn profiled<E>(
        &self,
        index: usize,
        params: &Params,
        make: impl FnOnce() -> Result<Profiled, E>,
    ) -> Result<Arc<Profiled>, E> {
        let key = (index, params.mantissa_bits, params.category_cap);
        let kept = self.profiles.lock().ok().and_then(|m| m.get(&key).cloned());
        if let Some(p) = kept {
            return Ok(p);
        }
        let made = Arc::new(make()?);
        if let Ok(mut m) = self.profiles.lock() {
            m.insert(key, made.clone());
        }
        Ok(made)
    }

    /// The profile a profile artifact holds.
    pub(crate) fn profile(&self) -> Option<&Arc<Profile>> {
        match &self.reader {
            Reader::Profile(p) => Some(p),
            _ => None,
        }
    }

    /// Refuses to read values from a profile, naming the column.
    fn values(&self, index: usize) -> Result<(), DataError> {
        match self.reader {
            Reader::Profile(_) => Err(DataError::ProfileValues {
                path: self.path.clone(),
                column: self.schema.field(index).name().clone(),
            }),
            _ => Ok(()),
        }
    }

    /// A summary of the column learned earlier in the run.
    pub(crate) fn summary(&self, index: usize) -> Option<mltest_kernels::Summary> {
        self.memory.summary((self.serial, index))
    }

    pub(crate) fn learn_summary(&self, index: usize, summary: &mltest_kernels::Summary) {
        self.memory.learn_summary((self.serial, index), summary);
    }

    /// Calls `visit` on the column's values in order: the kept column, or
    /// the file's batches as they are decoded. A column that turns out
    /// small enough is kept on the way; a larger one is never held, only
    /// the batch in hand. `visit`'s error stops the scan and is returned as
    /// it is.
    pub(crate) fn scan<E>(
        &self,
        index: usize,
        visit: &mut dyn FnMut(&dyn Array) -> Result<(), E>,
    ) -> Result<(), ScanError<E>> {
        self.values(index).map_err(ScanError::Data)?;
        let key = (self.serial, index);
        let kept = match &self.reader {
            Reader::Csv(_) => Some(self.kept_or_read(index).map_err(ScanError::Data)?),
            _ => self.memory.get(key),
        };
        if let Some(array) = kept {
            return visit(array.as_ref()).map_err(ScanError::Visit);
        }
        let bad = |message: String| ScanError::Data(self.bad(index, message));
        let mut batches: Box<dyn Iterator<Item = Result<RecordBatch, ArrowError>>> =
            match &self.reader {
                Reader::Parquet(metadata) => {
                    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(
                        open(&self.path).map_err(ScanError::Data)?,
                        metadata.clone(),
                    );
                    let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
                    Box::new(
                        builder
                            .with_projection(mask)
                            .with_batch_size(BATCH_ROWS)
                            .build()
                            .map_err(|e| bad(e.to_string()))?,
                    )
                }
                _ => Box::new(
                    arrow::ipc::reader::FileReader::try_new(
                        open(&self.path).map_err(ScanError::Data)?,
                        Some(vec![index]),
                    )
                    .map_err(|e| bad(arrow_message(&e)))?,
                ),
            };
        let mut rows = 0u64;
        // The batches so far, while they would be worth keeping together.
        let (mut keeping, mut bytes) = (Some(Vec::new()), 0u64);
        loop {
            let next = contain(|| batches.next())
                .map_err(|panic| ScanError::Data(self.panicked(index, &panic)))?;
            let Some(batch) = next else { break };
            let batch = batch.map_err(|e| bad(arrow_message(&e)))?;
            rows += batch.num_rows() as u64;
            let column = batch.column(0);
            visit(column.as_ref()).map_err(ScanError::Visit)?;
            bytes = bytes.saturating_add(column.get_array_memory_size() as u64);
            match &mut keeping {
                Some(kept) if self.memory.would_keep(bytes) => kept.push(column.clone()),
                _ => keeping = None,
            }
        }
        if rows != self.num_rows {
            return Err(bad(format!(
                "has {rows} values but the table has {} rows",
                self.num_rows
            )));
        }
        if let Some(kept) = keeping {
            let parts: Vec<&dyn Array> = kept.iter().map(|a| a.as_ref()).collect();
            self.memory
                .keep(key, &self.joined(index, &parts).map_err(ScanError::Data)?);
        }
        Ok(())
    }

    fn panicked(&self, index: usize, panic: &str) -> DataError {
        DataError::BadColumn {
            path: self.path.clone(),
            column: self.schema.field(index).name().clone(),
            message: format!("corrupt data (the decoder failed: {panic})"),
        }
    }

    fn bad(&self, index: usize, message: String) -> DataError {
        DataError::BadColumn {
            path: self.path.clone(),
            column: self.schema.field(index).name().clone(),
            message,
        }
    }

    fn read_column(&self, index: usize) -> Result<ArrayRef, DataError> {
        let bad = |message: String| self.bad(index, message);
        let batches: Vec<RecordBatch> = match &self.reader {
            Reader::Parquet(metadata) => {
                let file = open(&self.path)?;
                let builder =
                    ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata.clone());
                let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
                builder
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| bad(e.to_string()))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(arrow_message(&e)))?
            }
            Reader::Arrow => {
                arrow::ipc::reader::FileReader::try_new(open(&self.path)?, Some(vec![index]))
                    .map_err(|e| bad(arrow_message(&e)))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(arrow_message(&e)))?
            }
            // Served by `read_csv`; refused by `values`.
            Reader::Csv(_) | Reader::Profile(_) => Vec::new(),
        };
        let column: Vec<&dyn Array> = batches.iter().map(|b| b.column(0).as_ref()).collect();
        self.joined(index, &column)
    }

    /// Every column of a CSV file, from one pass over its rows.
    fn read_csv(&self) -> Result<Vec<ArrayRef>, DataError> {
        let decode = || -> Result<Vec<ArrayRef>, DataError> {
            let batches: Vec<RecordBatch> = arrow::csv::ReaderBuilder::new(self.schema.clone())
                .with_format(csv_format(self.delimiter))
                .with_batch_size(BATCH_ROWS)
                .build(BufReader::new(open(&self.path)?))
                .map_err(|e| DataError::corrupt(&self.path, arrow_message(&e)))?
                .collect::<Result<_, _>>()
                .map_err(|e| DataError::corrupt(&self.path, arrow_message(&e)))?;
            (0..self.schema.fields().len())
                .map(|i| {
                    let column: Vec<&dyn Array> =
                        batches.iter().map(|b| b.column(i).as_ref()).collect();
                    self.joined(i, &column)
                })
                .collect()
        };
        contain(decode).unwrap_or_else(|panic| {
            Err(DataError::corrupt(
                &self.path,
                format!("corrupt CSV (the decoder failed: {panic})"),
            ))
        })
    }

    /// One array from a column's batches, checked against the row count.
    fn joined(&self, index: usize, batches: &[&dyn Array]) -> Result<ArrayRef, DataError> {
        let array = match batches {
            [] => arrow::array::new_empty_array(self.schema.field(index).data_type()),
            [one] => arrow::array::make_array(one.to_data()),
            many => concat(many).map_err(|e| self.bad(index, arrow_message(&e)))?,
        };
        if array.len() as u64 != self.num_rows {
            return Err(self.bad(
                index,
                format!(
                    "has {} values but the table has {} rows",
                    array.len(),
                    self.num_rows
                ),
            ));
        }
        Ok(array)
    }
}

/// Schema, row count and the kept reader state of a table file.
fn open_format(
    spec: &ArtifactSpec,
    size: u64,
    sizes: &SizeLimits,
) -> Result<(SchemaRef, u64, Reader), DataError> {
    let path = &spec.path;
    match spec.format {
        Format::Parquet => {
            check_parquet_footer(path, size)?;
            let metadata = ArrowReaderMetadata::load(&open(path)?, ArrowReaderOptions::new())
                .map_err(|e| DataError::corrupt(path, format!("not a valid Parquet file: {e}")))?;
            let rows = metadata.metadata().file_metadata().num_rows();
            // The footer's count is the file's word: it must be the row
            // groups' own, or readers would size buffers from a lie.
            let groups = metadata
                .metadata()
                .row_groups()
                .iter()
                .try_fold(0i64, |sum, g| sum.checked_add(g.num_rows()));
            if groups != Some(rows) || rows < 0 {
                return Err(DataError::corrupt(
                    path,
                    format!(
                        "not a valid Parquet file: the footer says {rows} rows, its row groups {}",
                        groups.map_or("more than can be counted".into(), |g| g.to_string())
                    ),
                ));
            }
            let schema = metadata.schema().clone();
            let metadata = dictionary_strings(metadata);
            Ok((
                schema,
                u64::try_from(rows).unwrap_or(0),
                Reader::Parquet(metadata),
            ))
        }
        Format::Csv => {
            let (schema, rows) = csv_format(spec.delimiter)
                .infer_schema(BufReader::new(open(path)?), None)
                .map_err(|e| {
                    DataError::corrupt(path, format!("invalid CSV: {}", arrow_message(&e)))
                })?;
            Ok((Arc::new(schema), rows as u64, Reader::Csv(OnceLock::new())))
        }
        Format::Arrow => {
            super::ipc::check(path, size, sizes.max_table_bytes)?;
            let reader = arrow::ipc::reader::FileReader::try_new(open(path)?, Some(vec![]))
                .map_err(|e| {
                    DataError::corrupt(
                        path,
                        format!("not a valid Arrow IPC file: {}", arrow_message(&e)),
                    )
                })?;
            let schema = reader.schema();
            let mut rows = 0u64;
            for batch in reader {
                let batch = batch.map_err(|e| DataError::corrupt(path, arrow_message(&e)))?;
                rows += batch.num_rows() as u64;
            }
            Ok((schema, rows, Reader::Arrow))
        }
        Format::Profile => {
            let bytes = files::read(path, sizes.max_table_bytes, "[limits] max_table_size")
                .map_err(|e| DataError::file(path, e))?;
            // The pin holds for the bytes decoded, not only for a read
            // before them.
            if let Some(expected) = &spec.sha256 {
                let actual = files::sha256_hex(&bytes);
                if &actual != expected {
                    return Err(DataError::DigestMismatch {
                        path: path.clone(),
                        expected: expected.clone(),
                        actual,
                    });
                }
            }
            let profile = mltest_kernels::profile::file::decode(&bytes)
                .map_err(|e| DataError::corrupt(path, format!("not a valid profile: {e}")))?;
            let fields: Vec<arrow::datatypes::Field> = profile
                .columns
                .iter()
                .map(|c| arrow::datatypes::Field::new(&c.name, c.data_type.clone(), true))
                .collect();
            Ok((
                Arc::new(arrow::datatypes::Schema::new(fields)),
                profile.rows(),
                Reader::Profile(Arc::new(profile)),
            ))
        }
        Format::Json | Format::Mlmodel => Err(DataError::WrongKind {
            name: spec.name.clone(),
            actual: "document",
            wanted: "table",
        }),
    }
}

use super::table_file as open;

/// The reader for a Parquet file with its string columns read as
/// dictionaries, which is how Parquet stores them: a kept string column
/// is then a key per row, and counting it is counting keys. The table's
/// schema keeps the declared types; [`Table::column`] gives those.
fn dictionary_strings(metadata: ArrowReaderMetadata) -> ArrowReaderMetadata {
    use arrow::datatypes::{DataType, Field, Schema};
    let declared = metadata.schema();
    let fields: Vec<Field> = declared
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            t @ (DataType::Utf8 | DataType::LargeUtf8) => f.as_ref().clone().with_data_type(
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(t.clone())),
            ),
            _ => f.as_ref().clone(),
        })
        .collect();
    if fields
        .iter()
        .zip(declared.fields())
        .all(|(a, b)| a == b.as_ref())
    {
        return metadata;
    }
    let hinted = Arc::new(Schema::new_with_metadata(
        fields,
        declared.metadata().clone(),
    ));
    // A file the hint does not fit is read as declared.
    ArrowReaderMetadata::try_new(
        metadata.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hinted),
    )
    .unwrap_or(metadata)
}

/// Refuses a Parquet file whose footer is not sound Thrift before the
/// reader sizes anything from it ([`super::thrift`]).
fn check_parquet_footer(path: &Path, size: u64) -> Result<(), DataError> {
    let corrupt = |m: String| DataError::corrupt(path, format!("not a valid Parquet file: {m}"));
    let file = open(path)?;
    let read = |offset: u64, len: u64| files::read_at(&file, offset, len).map_err(corrupt);
    if size < 12 {
        return Err(corrupt(format!("{size} bytes is too short")));
    }
    let tail = read(size - 8, 8)?;
    if &tail[4..] != b"PAR1" {
        return Err(corrupt(
            "it does not end with PAR1 (an encrypted footer is not read)".into(),
        ));
    }
    let len = u64::from(u32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]));
    if len + 12 > size {
        return Err(corrupt(format!(
            "footer length {len} does not fit the file"
        )));
    }
    // The footer fits a file within the size limit, so it fits memory.
    let footer = read(size - 8 - len, len)?;
    super::thrift::check_struct(&footer).map_err(|e| corrupt(format!("damaged footer: {e}")))?;
    Ok(())
}

fn csv_format(delimiter: u8) -> arrow::csv::reader::Format {
    arrow::csv::reader::Format::default()
        .with_header(true)
        .with_delimiter(delimiter)
}

/// Arrow's messages carry a variant prefix ("Parser error: ..."); keep the text.
fn arrow_message(e: &ArrowError) -> String {
    match e {
        ArrowError::ParseError(m)
        | ArrowError::CsvError(m)
        | ArrowError::InvalidArgumentError(m)
        | ArrowError::IpcError(m) => m.clone(),
        ArrowError::ExternalError(inner) => inner.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{AsArray, Int64Array};
    use arrow::datatypes::{Field, Int64Type, Schema};

    fn spec(path: &Path, format: Format) -> ArtifactSpec {
        ArtifactSpec {
            name: "t".into(),
            path: path.to_path_buf(),
            format,
            delimiter: b',',
            registry: None,
            absent: None,
            sha256: None,
        }
    }

    /// Every column of `table` holds `column * 1000 + row`.
    fn check_all_columns(table: &Table, columns: usize, rows: usize) {
        for c in [0, columns / 2, columns - 1] {
            let column = table.column(&format!("c{c}")).unwrap();
            let values = column.as_primitive::<Int64Type>();
            assert_eq!(values.len(), rows);
            assert_eq!(values.value(rows - 1), (c * 1000 + rows - 1) as i64);
        }
        for c in 0..columns {
            table.column(&format!("c{c}")).unwrap();
        }
    }

    /// A 1,000-column CSV used to be tokenised once per column (minutes);
    /// now once for all of them.
    #[test]
    fn a_wide_csv_is_read_in_one_pass() {
        let (columns, rows) = (1000, 500);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.csv");
        let mut text = (0..columns)
            .map(|c| format!("c{c}"))
            .collect::<Vec<_>>()
            .join(",");
        text.push('\n');
        for r in 0..rows {
            let row: Vec<String> = (0..columns).map(|c| (c * 1000 + r).to_string()).collect();
            text.push_str(&row.join(","));
            text.push('\n');
        }
        std::fs::write(&path, text).unwrap();
        let table = Table::open(
            &spec(&path, Format::Csv),
            &SizeLimits::default(),
            Memory::new(1 << 30),
        )
        .unwrap();
        check_all_columns(&table, columns, rows);
        assert!(matches!(&table.reader, Reader::Csv(all) if all.get().is_some()));
    }

    /// A 10,000-column Parquet file used to have its footer parsed once per
    /// column (over a minute); now once per table.
    #[test]
    fn a_wide_parquet_file_parses_its_footer_once() {
        let (columns, rows) = (10_000, 3);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wide.parquet");
        let fields: Vec<Field> = (0..columns)
            .map(|c| Field::new(format!("c{c}"), arrow::datatypes::DataType::Int64, false))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let arrays: Vec<ArrayRef> = (0..columns)
            .map(|c| {
                Arc::new(Int64Array::from_iter_values(
                    (0..rows).map(|r| (c * 1000 + r) as i64),
                )) as ArrayRef
            })
            .collect();
        let batch = RecordBatch::try_new(schema.clone(), arrays).unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let table = Table::open(
            &spec(&path, Format::Parquet),
            &SizeLimits::default(),
            Memory::new(1 << 30),
        )
        .unwrap();
        assert!(matches!(table.reader, Reader::Parquet(_)));
        check_all_columns(&table, columns, rows);
    }

    /// A column the budget would keep is read whole, once; one it would
    /// not is streamed a batch at a time on every scan, and never kept.
    #[test]
    fn scans_stream_what_the_budget_cannot_keep() {
        let rows = 150_000;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.parquet");
        let schema = Arc::new(Schema::new(vec![Field::new(
            "x",
            arrow::datatypes::DataType::Int64,
            false,
        )]));
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![Arc::new(Int64Array::from_iter_values(0..rows as i64))],
        )
        .unwrap();
        let file = std::fs::File::create(&path).unwrap();
        let mut writer = parquet::arrow::ArrowWriter::try_new(file, schema, None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        // Chunks seen by each of two scans, and the values' sum.
        let scan = |memory: u64| {
            let table = Table::open(
                &spec(&path, Format::Parquet),
                &SizeLimits::default(),
                Memory::new(memory),
            )
            .unwrap();
            let (mut chunks, mut sum) = (Vec::new(), 0i64);
            for _ in 0..2 {
                let mut n = 0;
                table
                    .scan(0, &mut |chunk: &dyn Array| -> Result<(), ()> {
                        n += 1;
                        sum += chunk
                            .as_primitive::<Int64Type>()
                            .iter()
                            .flatten()
                            .sum::<i64>();
                        Ok(())
                    })
                    .unwrap();
                chunks.push(n);
            }
            (chunks, sum)
        };
        let total = (0..rows as i64).sum::<i64>() * 2;
        let (kept, sum) = scan(1 << 30);
        assert_eq!(sum, total);
        assert!(
            kept[0] >= 3 && kept[1] == 1,
            "kept after the first scan: {kept:?}"
        );
        let (streamed, sum) = scan(64 << 10);
        assert_eq!(sum, total);
        assert!(
            streamed.iter().all(|n| *n >= 3),
            "streamed each time: {streamed:?}"
        );
    }

    #[test]
    fn duplicate_column_names_are_refused_with_the_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("dup.csv");
        std::fs::write(&path, "a,b,a\n1,2,3\n").unwrap();
        let e = Table::open(
            &spec(&path, Format::Csv),
            &SizeLimits::default(),
            Memory::new(1 << 30),
        )
        .unwrap_err();
        let message = e.to_string();
        assert!(
            message.contains("column `a`") && message.contains("(1 and 3)"),
            "{message}"
        );
    }
}
