//! The Arrow IPC structure check ([`mltest_kernels::ipc`]) on a table
//! file, its findings worded as the catalog's data errors.

use std::path::Path;

use mltest_kernels::ipc::IpcError;

use super::DataError;

/// Refuses a file whose declared sizes do not fit it, or that would decode
/// to more than `max_decoded` bytes.
pub(crate) fn check(path: &Path, size: u64, max_decoded: u64) -> Result<(), DataError> {
    let file = super::table_file(path)?;
    let read = |offset: u64, len: u64| crate::files::read_at(&file, offset, len);
    mltest_kernels::ipc::check(&read, size, max_decoded).map_err(|e| match e {
        IpcError::Corrupt(m) => {
            DataError::corrupt(path, format!("not a valid Arrow IPC file: {m}"))
        }
        IpcError::TooLarge => DataError::corrupt(
            path,
            format!(
                "its compressed buffers decode to more than the {} limit ([limits] max_table_size)",
                bytesize::ByteSize(max_decoded).display().iec()
            ),
        ),
    })
}
