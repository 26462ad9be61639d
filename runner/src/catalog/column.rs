//! A table's column as the kernels read it: [`mltest_kernels::Chunks`]
//! over [`Table::scan`], so a kernel streams a column the budget cannot
//! keep, and reads a kept one in place.
//!
//! A read failure is a data error (it names the file and the column);
//! the kernel only learns that the scan stopped, and [`TableColumn::finish`]
//! gives the data error back instead of the kernel's.

use std::sync::{Arc, Mutex};

use arrow::array::{Array, ArrayRef};
use arrow::datatypes::DataType;
use mltest_kernels::{Chunks, KernelError, Summary, Visit};

use super::table::ScanError;
use super::{DataError, Table};

/// One column of an opened table.
#[derive(Debug)]
pub(crate) struct TableColumn {
    table: Arc<Table>,
    index: usize,
    name: String,
    failure: Mutex<Option<DataError>>,
}

impl Clone for TableColumn {
    fn clone(&self) -> Self {
        TableColumn {
            table: self.table.clone(),
            index: self.index,
            name: self.name.clone(),
            failure: Mutex::new(None),
        }
    }
}

/// Why a kernel over a column failed.
#[derive(Debug)]
pub(crate) enum ColumnFailure {
    /// Reading the file failed.
    Data(DataError),
    /// The kernel refused the values.
    Kernel(KernelError),
}

impl TableColumn {
    /// The column named `name`; an unknown name is a data error.
    pub(crate) fn new(table: Arc<Table>, name: &str) -> Result<TableColumn, DataError> {
        let index = table.index_of(name)?;
        Ok(TableColumn {
            table,
            index,
            name: name.to_string(),
            failure: Mutex::new(None),
        })
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn table(&self) -> &Table {
        &self.table
    }

    /// The whole column (kept in the budget while it fits there).
    pub(crate) fn whole(&self) -> Result<ArrayRef, DataError> {
        self.table.column(&self.name)
    }

    /// Working memory a kernel that sorts this column's values needs: an
    /// f64 per row.
    pub(crate) fn sort_bytes(&self) -> u64 {
        self.table.num_rows().saturating_mul(8)
    }

    /// The read failure that stopped the last scan, if one did.
    pub(crate) fn take_failure(&self) -> Option<DataError> {
        self.failure
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The kernel's result, or the read failure that stopped it.
    pub(crate) fn finish<T>(&self, result: Result<T, KernelError>) -> Result<T, ColumnFailure> {
        match (result, self.take_failure()) {
            (_, Some(e)) => Err(ColumnFailure::Data(e)),
            (Ok(v), None) => Ok(v),
            (Err(e), None) => Err(ColumnFailure::Kernel(e)),
        }
    }
}

impl Chunks for TableColumn {
    fn value_type(&self) -> &DataType {
        self.table.schema().field(self.index).data_type()
    }

    fn rows(&self) -> u64 {
        self.table.num_rows()
    }

    fn known_summary(&self) -> Option<Summary> {
        self.table.summary(self.index)
    }

    fn learn_summary(&self, summary: &Summary) {
        self.table.learn_summary(self.index, summary);
    }

    fn scan(&self, visit: &mut Visit<'_>) -> Result<(), KernelError> {
        let mut visit = |chunk: &dyn Array| visit(chunk);
        match self.table.scan(self.index, &mut visit) {
            Ok(()) => Ok(()),
            Err(ScanError::Visit(e)) => Err(e),
            Err(ScanError::Data(e)) => {
                let message = e.to_string();
                *self.failure.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                Err(KernelError(message))
            }
        }
    }
}
