//! Tables from Parquet, CSV and Arrow IPC files, one column at a time.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use arrow::array::{Array, ArrayRef, RecordBatch};
use arrow::compute::concat;
use arrow::datatypes::SchemaRef;
use arrow::error::ArrowError;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::DataError;
use crate::suite::{ArtifactSpec, Format};

/// Rows per decoded batch: large batches keep per-batch overhead negligible.
const BATCH_ROWS: usize = 64 * 1024;

type ColumnSlot = Arc<OnceLock<Result<ArrayRef, DataError>>>;

/// An opened table: schema and row count known, columns loaded on demand.
pub struct Table {
    pub name: String,
    path: PathBuf,
    format: Format,
    delimiter: u8,
    schema: SchemaRef,
    num_rows: u64,
    columns: Mutex<HashMap<usize, ColumnSlot>>,
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Table")
            .field("name", &self.name)
            .field("path", &self.path)
            .finish()
    }
}

impl Table {
    /// Reads the schema and row count. Empty tables are refused here, so no
    /// check can pass on data that is not there.
    pub fn open(spec: &ArtifactSpec) -> Result<Table, DataError> {
        let path = &spec.path;
        let (schema, num_rows) = match spec.format {
            Format::Parquet => {
                let builder =
                    ParquetRecordBatchReaderBuilder::try_new(open(path)?).map_err(|e| {
                        DataError::corrupt(path, format!("not a valid Parquet file: {e}"))
                    })?;
                let rows = builder.metadata().file_metadata().num_rows();
                (builder.schema().clone(), u64::try_from(rows).unwrap_or(0))
            }
            Format::Csv => {
                let (schema, rows) = csv_format(spec.delimiter)
                    .infer_schema(BufReader::new(open(path)?), None)
                    .map_err(|e| {
                        DataError::corrupt(path, format!("invalid CSV: {}", arrow_message(&e)))
                    })?;
                (Arc::new(schema), rows as u64)
            }
            Format::Arrow => {
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
                (schema, rows)
            }
            Format::Json | Format::Mlmodel => {
                return Err(DataError::WrongKind {
                    name: spec.name.clone(),
                    actual: "document",
                    wanted: "table",
                });
            }
        };
        if num_rows == 0 || schema.fields().is_empty() {
            return Err(DataError::Empty { path: path.clone() });
        }
        Ok(Table {
            name: spec.name.clone(),
            path: path.clone(),
            format: spec.format,
            delimiter: spec.delimiter,
            schema,
            num_rows,
            columns: Mutex::new(HashMap::new()),
        })
    }

    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub fn num_rows(&self) -> u64 {
        self.num_rows
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One column, read once per run and shared by every check that asks.
    pub fn column(&self, name: &str) -> Result<ArrayRef, DataError> {
        let index = self
            .schema
            .index_of(name)
            .map_err(|_| DataError::NoColumn {
                path: self.path.clone(),
                column: name.to_string(),
            })?;
        let slot = {
            let mut columns = self
                .columns
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            columns.entry(index).or_default().clone()
        };
        slot.get_or_init(|| self.read_column(index)).clone()
    }

    fn read_column(&self, index: usize) -> Result<ArrayRef, DataError> {
        let column = self.schema.field(index).name().clone();
        let bad = |message: String| DataError::BadColumn {
            path: self.path.clone(),
            column: column.clone(),
            message,
        };
        let batches: Vec<RecordBatch> = match self.format {
            Format::Parquet => {
                let builder = ParquetRecordBatchReaderBuilder::try_new(open(&self.path)?)
                    .map_err(|e| DataError::corrupt(&self.path, e))?;
                let mask = ProjectionMask::roots(builder.parquet_schema(), [index]);
                builder
                    .with_projection(mask)
                    .with_batch_size(BATCH_ROWS)
                    .build()
                    .map_err(|e| bad(e.to_string()))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(arrow_message(&e)))?
            }
            Format::Csv => {
                let mut file = open(&self.path)?;
                file.seek(SeekFrom::Start(0))
                    .map_err(|e| DataError::io(&self.path, e))?;
                arrow::csv::ReaderBuilder::new(self.schema.clone())
                    .with_format(csv_format(self.delimiter))
                    .with_projection(vec![index])
                    .with_batch_size(BATCH_ROWS)
                    .build(BufReader::new(file))
                    .map_err(|e| bad(arrow_message(&e)))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(arrow_message(&e)))?
            }
            Format::Arrow => {
                arrow::ipc::reader::FileReader::try_new(open(&self.path)?, Some(vec![index]))
                    .map_err(|e| bad(arrow_message(&e)))?
                    .collect::<Result<_, _>>()
                    .map_err(|e| bad(arrow_message(&e)))?
            }
            // `open` refuses these, so no table of this format exists.
            Format::Json | Format::Mlmodel => Vec::new(),
        };
        let arrays: Vec<&dyn Array> = batches.iter().map(|b| b.column(0).as_ref()).collect();
        let array = match arrays.as_slice() {
            [] => arrow::array::new_empty_array(self.schema.field(index).data_type()),
            [one] => arrow::array::make_array(one.to_data()),
            many => concat(many).map_err(|e| bad(arrow_message(&e)))?,
        };
        if array.len() as u64 != self.num_rows {
            return Err(bad(format!(
                "has {} values but the table has {} rows",
                array.len(),
                self.num_rows
            )));
        }
        Ok(array)
    }
}

fn open(path: &Path) -> Result<File, DataError> {
    File::open(path).map_err(|e| DataError::io(path, e))
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
