//! Per-check store state: the sandbox (WASI with nothing granted), the
//! resource table for data handles, the memory limiter and captured output.

use std::sync::Arc;

use arrow::array::ArrayRef;
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::catalog::{Catalog, Table};

/// Most values a windowed read returns at once.
pub const MAX_WINDOW: u32 = 65_536;

/// Guest stdout/stderr kept per check; beyond this the plugin's writes fail.
pub const OUTPUT_CAPACITY: usize = 1024 * 1024;

/// A table handle held by a plugin.
pub struct TableHandle {
    pub table: Arc<Table>,
}

/// A column handle held by a plugin: the loaded array stays host-side.
pub struct ColumnHandle {
    pub name: String,
    pub array: ArrayRef,
    /// The file it came from, for error messages.
    pub source: String,
}

impl ColumnHandle {
    /// An error about this column, naming its file and the column.
    pub fn error(&self, e: impl std::fmt::Display) -> String {
        format!("{}: column `{}`: {e}", self.source, self.name)
    }

    /// A slice of at most [`MAX_WINDOW`] values starting at `offset`.
    pub fn window(&self, offset: u64, len: u32) -> Result<ArrayRef, String> {
        let rows = self.array.len();
        let offset = usize::try_from(offset)
            .ok()
            .filter(|o| *o <= rows)
            .ok_or_else(|| {
                self.error(format!("window {offset}+{len} is outside its {rows} rows"))
            })?;
        let len = (len.min(MAX_WINDOW) as usize).min(rows - offset);
        Ok(self.array.slice(offset, len))
    }
}

pub struct CheckState {
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub catalog: Arc<Catalog>,
    pub limiter: MemoryLimiter,
    pub logs: Vec<String>,
    pub log_bytes: usize,
    pub stdout: MemoryOutputPipe,
    pub stderr: MemoryOutputPipe,
    /// Time spent running suite commands for this check, which the
    /// check's timeout does not count.
    pub command_time: std::time::Duration,
    /// How much of `command_time` the deadline has been extended by.
    pub command_time_granted: std::time::Duration,
}

impl CheckState {
    /// A sandbox that grants nothing: no preopened directories, no
    /// environment, no arguments, no network, no name lookup.
    pub fn new(catalog: Arc<Catalog>, memory_bytes: u64) -> Self {
        let stdout = MemoryOutputPipe::new(OUTPUT_CAPACITY);
        let stderr = MemoryOutputPipe::new(OUTPUT_CAPACITY);
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
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
            stdout,
            stderr,
            command_time: Default::default(),
            command_time_granted: Default::default(),
        }
    }
}

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
pub struct MemoryLimiter {
    pub limit: u64,
    pub exceeded: bool,
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
