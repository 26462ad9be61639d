//! Per-check store state: the sandbox (WASI with nothing granted), the
//! resource table for data handles, the memory limiter and captured output.

use std::sync::{Arc, OnceLock};

use arrow::array::ArrayRef;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::WitError;
use crate::catalog::{Catalog, ColumnFailure, Table, TableColumn};
use mltest_kernels::{Chunks, KernelError};

/// Most values a windowed read returns at once.
pub(crate) const MAX_WINDOW: u32 = 65_536;

/// Guest stdout/stderr kept per check; beyond this the plugin's writes fail.
pub(crate) const OUTPUT_CAPACITY: usize = 1024 * 1024;

/// A table handle held by a plugin.
// `pub`: the generated bindings re-export the handle types.
#[allow(unreachable_pub)]
pub struct TableHandle {
    pub(crate) table: Arc<Table>,
}

/// A column handle held by a plugin: the data stays host-side. Kernels
/// stream the column from the catalog; a windowed read loads it whole, once
/// per handle. Cheap to clone, so kernel work can take it to another
/// thread.
#[derive(Clone)]
#[allow(unreachable_pub)]
pub struct ColumnHandle {
    pub(crate) column: TableColumn,
    /// The whole column, loaded by the first windowed read.
    whole: Arc<OnceLock<Result<ArrayRef, WitError>>>,
}

impl ColumnHandle {
    pub(crate) fn new(column: TableColumn) -> Self {
        ColumnHandle {
            column,
            whole: Arc::default(),
        }
    }

    pub(crate) fn name(&self) -> &str {
        self.column.name()
    }

    pub(crate) fn data_type(&self) -> &arrow::datatypes::DataType {
        self.column.value_type()
    }

    /// An error about this column, naming its file and the column.
    pub(crate) fn error(&self, e: impl std::fmt::Display) -> WitError {
        WitError::data(self.column.table().path(), Some(self.name()), e)
    }

    /// A kernel's outcome on this column: the read failure, or the
    /// kernel's error about the values.
    pub(crate) fn finish<T>(&self, result: Result<T, KernelError>) -> Result<T, WitError> {
        self.column.finish(result).map_err(|e| match e {
            ColumnFailure::Data(e) => e.into(),
            ColumnFailure::Kernel(e) => self.error(e),
        })
    }

    /// The message of an error about this column, for the cases that are not
    /// data errors (a window outside it, a view its type lacks).
    pub(crate) fn message(&self, e: impl std::fmt::Display) -> String {
        crate::catalog::column_error(self.column.table().path(), self.name(), e)
    }

    /// Whether a windowed read has loaded the whole column already.
    pub(crate) fn loaded(&self) -> bool {
        self.whole.get().is_some()
    }

    /// A slice of at most [`MAX_WINDOW`] values starting at `offset`.
    pub(crate) fn window(&self, offset: u64, len: u32) -> Result<ArrayRef, WitError> {
        let array = self
            .whole
            .get_or_init(|| self.column.whole().map_err(WitError::from))
            .clone()?;
        let rows = array.len();
        let offset = usize::try_from(offset)
            .ok()
            .filter(|o| *o <= rows)
            .ok_or_else(|| {
                WitError::InvalidArgument(
                    self.message(format!("window {offset}+{len} is outside its {rows} rows")),
                )
            })?;
        let len = (len.min(MAX_WINDOW) as usize).min(rows - offset);
        Ok(array.slice(offset, len))
    }
}

pub(crate) struct CheckState {
    pub(crate) wasi: WasiCtx,
    pub(crate) table: ResourceTable,
    pub(crate) catalog: Arc<Catalog>,
    pub(crate) limiter: MemoryLimiter,
    pub(crate) logs: Vec<String>,
    pub(crate) log_bytes: usize,
    /// Log lines past the caps, counted instead of kept.
    pub(crate) logs_dropped: u64,
    /// Table and column handles the plugin holds now.
    pub(crate) handles: usize,
    /// When the check's time is up, before time spent on commands is
    /// given back: host calls give up here too ([`super::limits::bounded`]).
    deadline: std::time::Instant,
    /// What the suite granted this check ([`super::clocks`]).
    pub(crate) grants: super::clocks::Grants,
    /// When the check's monotonic clock reads zero.
    pub(crate) clock_start: std::time::Instant,
    pub(crate) stdout: MemoryOutputPipe,
    pub(crate) stderr: MemoryOutputPipe,
    /// Time spent running suite commands for this check, which the
    /// check's timeout does not count.
    pub(crate) command_time: std::time::Duration,
    /// How much of `command_time` the deadline has been extended by.
    pub(crate) command_time_granted: std::time::Duration,
}

impl CheckState {
    /// A sandbox that grants nothing: no preopened directories, no
    /// environment, no arguments, no network, no name lookup.
    pub(crate) fn new(
        catalog: Arc<Catalog>,
        memory_bytes: u64,
        timeout: std::time::Duration,
        grants: super::clocks::Grants,
        seed_from: &str,
    ) -> Self {
        let clock_start = std::time::Instant::now();
        let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
        let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
        let mut builder = wasmtime_wasi::WasiCtxBuilder::new();
        builder
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false);
        super::clocks::configure(&mut builder, grants, clock_start, seed_from);
        let wasi = builder.build();
        CheckState {
            wasi,
            table: ResourceTable::new(),
            catalog,
            limiter: MemoryLimiter {
                limit: memory_bytes,
                exceeded: false,
            },
            logs: Vec::new(),
            log_bytes: 0,
            logs_dropped: 0,
            handles: 0,
            deadline: clock_start + timeout,
            grants,
            clock_start,
            stdout,
            stderr,
            command_time: Default::default(),
            command_time_granted: Default::default(),
        }
    }
}

impl CheckState {
    /// The check's deadline, with the time it waited for commands added.
    pub(crate) fn deadline(&self) -> std::time::Instant {
        self.deadline + self.command_time
    }

    /// Gives the plugin a handle, within [`super::limits::MAX_HANDLES`].
    pub(crate) fn push<T: Send + 'static>(
        &mut self,
        value: T,
    ) -> wasmtime::Result<wasmtime::component::Resource<T>> {
        super::limits::at_most("open handles", self.handles + 1, super::limits::MAX_HANDLES)?;
        let handle = self.table.push(value)?;
        self.handles += 1;
        Ok(handle)
    }

    /// Takes a handle back.
    pub(crate) fn delete<T: 'static>(
        &mut self,
        handle: wasmtime::component::Resource<T>,
    ) -> wasmtime::Result<()> {
        self.table.delete(handle)?;
        self.handles = self.handles.saturating_sub(1);
        Ok(())
    }
}

/// Host calls that can fail for data reasons return `Ok(Err(error))` to
/// the plugin, typed so it can tell a missing column from a corrupt file;
/// a trap (`Err`) is for contract violations and limits.
pub(crate) type Fallible<T> = wasmtime::Result<Result<T, WitError>>;

impl WasiView for CheckState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps guest linear memory. Remembers that the cap was hit, so a trap that
/// follows (Rust's allocator aborts when memory cannot grow) is reported as
/// what it is: the memory limit.
pub(crate) struct MemoryLimiter {
    pub(crate) limit: u64,
    pub(crate) exceeded: bool,
}

impl wasmtime::ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.limit {
            self.exceeded = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= 1_000_000)
    }
}
