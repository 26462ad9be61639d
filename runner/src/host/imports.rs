//! The host side of the plugin imports: artifacts and log (kernels are in
//! `kernels.rs`).
//!
//! Data errors are returned to the plugin as typed `err`s (it decides what
//! they mean); a misuse of handles traps.

use arrow::array::AsArray;
use arrow::datatypes::DataType as ArrowType;
use wasmtime::component::Resource;

use super::bindings::WitError;
use super::bindings::current::mltest::plugin::{artifacts, log, sandbox, types};
use super::limits::bounded;
use super::state::{CheckState, ColumnHandle, Fallible, TableHandle};
use crate::catalog::{self, DataError, TableColumn};
use mltest_kernels as k;
use mltest_kernels::Chunks;

fn data<T>(result: Result<T, DataError>) -> Result<T, WitError> {
    result.map_err(WitError::from)
}

/// Arrow's type, in the plugin contract's vocabulary.
pub(crate) fn data_type(t: &ArrowType) -> types::DataType {
    use types::DataType as D;
    match t {
        ArrowType::Boolean => D::Boolean,
        ArrowType::Int8 => D::Int8,
        ArrowType::Int16 => D::Int16,
        ArrowType::Int32 => D::Int32,
        ArrowType::Int64 => D::Int64,
        ArrowType::UInt8 => D::Uint8,
        ArrowType::UInt16 => D::Uint16,
        ArrowType::UInt32 => D::Uint32,
        ArrowType::UInt64 => D::Uint64,
        ArrowType::Float16 => D::Float16,
        ArrowType::Float32 => D::Float32,
        ArrowType::Float64 => D::Float64,
        ArrowType::Decimal32(..)
        | ArrowType::Decimal64(..)
        | ArrowType::Decimal128(..)
        | ArrowType::Decimal256(..) => D::Decimal,
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => D::String,
        ArrowType::Binary
        | ArrowType::LargeBinary
        | ArrowType::BinaryView
        | ArrowType::FixedSizeBinary(_) => D::Binary,
        ArrowType::Date32 | ArrowType::Date64 => D::Date,
        ArrowType::Timestamp(_, None) => D::Datetime,
        ArrowType::Timestamp(_, Some(_)) => D::DatetimeTz,
        ArrowType::Duration(_) => D::Duration,
        ArrowType::Null => D::Null,
        ArrowType::Dictionary(_, values) => data_type(values),
        _ => D::Other,
    }
}

impl types::Host for CheckState {}

impl artifacts::Host for CheckState {
    fn kind(&mut self, name: String) -> Fallible<artifacts::ArtifactKind> {
        Ok(data(self.catalog.get(&name)).map(|a| match a.kind() {
            catalog::Kind::Table => artifacts::ArtifactKind::Table,
            catalog::Kind::Document => artifacts::ArtifactKind::Document,
            catalog::Kind::Model => artifacts::ArtifactKind::Model,
            catalog::Kind::Absent => artifacts::ArtifactKind::Absent,
        }))
    }

    fn open_table(&mut self, name: String) -> Fallible<Resource<TableHandle>> {
        let catalog = self.catalog.clone();
        match bounded(self.deadline(), move || catalog.table(&name))? {
            Ok(table) => Ok(Ok(self.push(TableHandle { table })?)),
            Err(e) => Ok(Err(e.into())),
        }
    }

    fn document(&mut self, name: String) -> Fallible<String> {
        let catalog = self.catalog.clone();
        Ok(data(bounded(self.deadline(), move || {
            catalog.document(&name)
        })?))
    }

    fn signature(&mut self, name: String) -> Fallible<types::ModelSignature> {
        let spec = |c: catalog::ColumnSpec| types::ColumnSpec {
            name: c.name,
            mlflow_type: c.mlflow_type,
            required: c.required,
        };
        Ok(
            data(self.catalog.signature(&name)).map(|s| types::ModelSignature {
                inputs: s.inputs.into_iter().map(spec).collect(),
                outputs: s.outputs.into_iter().map(spec).collect(),
            }),
        )
    }

    fn digest(&mut self, name: String) -> Fallible<String> {
        let catalog = self.catalog.clone();
        Ok(data(bounded(self.deadline(), move || {
            catalog.digest(&name)
        })?))
    }

    fn command_runs(&mut self, name: String) -> Fallible<Vec<artifacts::CommandRun>> {
        let started = std::time::Instant::now();
        let runs = self.catalog.command_runs(&name).map(|runs| {
            runs.iter()
                .map(|run| artifacts::CommandRun {
                    index: run.index,
                    outputs: run
                        .outputs
                        .iter()
                        .map(|(output, artifact)| (output.clone(), artifact.spec.name.clone()))
                        .collect(),
                    duration_ms: run.duration.as_millis() as u64,
                })
                .collect()
        });
        // Runs have their own timeout; they do not use up the check's.
        self.command_time += started.elapsed();
        Ok(data(runs))
    }
}

impl artifacts::HostTable for CheckState {
    fn name(&mut self, this: Resource<TableHandle>) -> wasmtime::Result<String> {
        Ok(self.table.get(&this)?.table.name.clone())
    }

    fn schema(&mut self, this: Resource<TableHandle>) -> Fallible<Vec<types::Field>> {
        let table = &self.table.get(&this)?.table;
        Ok(Ok(table
            .schema()
            .fields()
            .iter()
            .map(|f| types::Field {
                name: f.name().clone(),
                data_type: data_type(f.data_type()),
                type_name: f.data_type().to_string(),
                nullable: f.is_nullable(),
            })
            .collect()))
    }

    fn num_rows(&mut self, this: Resource<TableHandle>) -> Fallible<u64> {
        Ok(Ok(self.table.get(&this)?.table.num_rows()))
    }

    fn column(
        &mut self,
        this: Resource<TableHandle>,
        name: String,
    ) -> Fallible<Resource<ColumnHandle>> {
        let table = self.table.get(&this)?.table.clone();
        // Only the name is checked here: kernels read the data when asked.
        match TableColumn::new(table, &name) {
            Ok(column) => Ok(Ok(self.push(ColumnHandle::new(column))?)),
            Err(e) => Ok(Err(e.into())),
        }
    }

    fn drop(&mut self, this: Resource<TableHandle>) -> wasmtime::Result<()> {
        self.delete(this)
    }
}

impl CheckState {
    /// A window of a column handle's values, and the handle. The first
    /// window reads the column, within the check's deadline.
    fn window(
        &self,
        this: &Resource<ColumnHandle>,
        offset: u64,
        len: u32,
    ) -> wasmtime::Result<(ColumnHandle, Result<arrow::array::ArrayRef, WitError>)> {
        let column = self.table.get(this)?.clone();
        let window = if column.loaded() {
            column.window(offset, len)
        } else {
            let reader = column.clone();
            bounded(self.deadline(), move || reader.window(offset, len))?
        };
        Ok((column, window))
    }
}

impl artifacts::HostColumn for CheckState {
    fn name(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<String> {
        Ok(self.table.get(&this)?.name().to_string())
    }

    fn data_type(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<types::DataType> {
        Ok(data_type(self.table.get(&this)?.data_type()))
    }

    fn len(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<u64> {
        Ok(self.table.get(&this)?.column.rows())
    }

    fn read_f64(
        &mut self,
        this: Resource<ColumnHandle>,
        offset: u64,
        len: u32,
    ) -> Fallible<Vec<Option<f64>>> {
        let (column, window) = self.window(&this, offset, len)?;
        let window = match window {
            Ok(window) => window,
            Err(e) => return Ok(Err(e)),
        };
        Ok(match k::numeric_view(window.as_ref()) {
            Ok(Some(values)) => Ok(values.iter().collect()),
            Ok(None) => Err(WitError::Unsupported(
                column.message(format!("type {} has no numeric view", column.data_type())),
            )),
            Err(e) => Err(column.error(e)),
        })
    }

    fn read_string(
        &mut self,
        this: Resource<ColumnHandle>,
        offset: u64,
        len: u32,
    ) -> Fallible<Vec<Option<String>>> {
        let (column, window) = self.window(&this, offset, len)?;
        let window = match window {
            Ok(window) => window,
            Err(e) => return Ok(Err(e)),
        };
        Ok(match arrow::compute::cast(&window, &ArrowType::Utf8) {
            Ok(text) => Ok(text
                .as_string::<i32>()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()),
            Err(e) => Err(column.error(e)),
        })
    }

    fn drop(&mut self, this: Resource<ColumnHandle>) -> wasmtime::Result<()> {
        self.delete(this)
    }
}

/// Most log bytes kept per check (as for stdout): a plugin cannot flood the
/// report or the host's memory. Each line costs its length plus
/// [`LINE_COST`], so empty lines are not free; lines past the caps are
/// counted (the report says how many), not kept.
const MAX_LOG_BYTES: usize = super::state::OUTPUT_CAPACITY;
/// Most log lines kept per check.
const MAX_LOG_LINES: usize = 10_000;
/// What a kept line costs besides its text: its entry and level prefix.
const LINE_COST: usize = 32;

impl sandbox::Host for CheckState {
    fn granted(&mut self) -> wasmtime::Result<Vec<types::Capability>> {
        Ok(self.grants.capabilities())
    }
}

impl log::Host for CheckState {
    fn write(&mut self, level: log::Level, message: String) -> wasmtime::Result<()> {
        let cost = message.len() + LINE_COST;
        if self.logs.len() >= MAX_LOG_LINES || self.log_bytes + cost > MAX_LOG_BYTES {
            self.logs_dropped += 1;
        } else {
            self.log_bytes += cost;
            let level = match level {
                log::Level::Debug => "debug",
                log::Level::Info => "info",
                log::Level::Warn => "warn",
                log::Level::Error => "error",
            };
            self.logs.push(format!("{level}: {message}"));
        }
        Ok(())
    }
}
