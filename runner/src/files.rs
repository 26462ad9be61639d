//! Opening files the runner does not control: suites, artifacts, plugins,
//! command outputs and cache entries.
//!
//! Only regular files are read. A FIFO would block the opening thread
//! forever and a device such as `/dev/zero` never ends, so both are
//! refused before a byte is read: the file is opened non-blocking and its
//! type checked on the open handle (no window between check and open).
//! Whole-file reads are bounded: a file larger than its cap is refused with
//! a message that says which cap and how to raise it.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum FileError {
    #[error("{0}")]
    Io(String),
    #[error("not a regular file (a {0}); only regular files are read")]
    NotRegular(&'static str),
    #[error("the file is {size}, more than the {limit} limit ({setting})")]
    TooLarge {
        size: String,
        limit: String,
        setting: &'static str,
    },
}

fn kind_of(file_type: std::fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if file_type.is_dir() {
        "directory"
    } else if file_type.is_fifo() {
        "FIFO"
    } else if file_type.is_char_device() {
        "character device"
    } else if file_type.is_block_device() {
        "block device"
    } else if file_type.is_socket() {
        "socket"
    } else {
        "special file"
    }
}

/// Opens a regular file for reading, never blocking on a FIFO.
pub(crate) fn open(path: &Path) -> Result<File, FileError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| FileError::Io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| FileError::Io(e.to_string()))?;
    if !meta.is_file() {
        return Err(FileError::NotRegular(kind_of(meta.file_type())));
    }
    Ok(file)
}

/// Checks that `path` is a regular file of at most `limit` bytes, without
/// reading it; returns its size.
pub(crate) fn check_size(path: &Path, limit: u64, setting: &'static str) -> Result<u64, FileError> {
    let file = open(path)?;
    let size = file
        .metadata()
        .map_err(|e| FileError::Io(e.to_string()))?
        .len();
    within(size, limit, setting)?;
    Ok(size)
}

fn within(size: u64, limit: u64, setting: &'static str) -> Result<(), FileError> {
    if size > limit {
        return Err(FileError::TooLarge {
            size: bytesize::ByteSize(size).display().iec().to_string(),
            limit: bytesize::ByteSize(limit).display().iec().to_string(),
            setting,
        });
    }
    Ok(())
}

/// Reads a whole regular file of at most `limit` bytes. The read itself is
/// bounded too, so a file that grows while it is read cannot exceed it.
pub(crate) fn read(path: &Path, limit: u64, setting: &'static str) -> Result<Vec<u8>, FileError> {
    let file = open(path)?;
    let size = file
        .metadata()
        .map_err(|e| FileError::Io(e.to_string()))?
        .len();
    within(size, limit, setting)?;
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| FileError::Io(e.to_string()))?;
    within(bytes.len() as u64, limit, setting)?;
    Ok(bytes)
}

/// [`read`], as UTF-8 text.
pub(crate) fn read_text(
    path: &Path,
    limit: u64,
    setting: &'static str,
) -> Result<String, FileError> {
    String::from_utf8(read(path, limit, setting)?)
        .map_err(|e| FileError::Io(format!("not UTF-8 text: {e}")))
}

/// `len` bytes at `offset`, for the format checks that read only headers
/// (an Arrow IPC footer, a Parquet footer) before a reader trusts them.
/// `len` comes from the file, so the caller has bounded it by the file's size.
pub(crate) fn read_at(file: &File, offset: u64, len: u64) -> Result<Vec<u8>, String> {
    use std::os::unix::fs::FileExt;
    let n = usize::try_from(len).map_err(|_| format!("a length of {len} bytes does not fit"))?;
    let mut buf = vec![0u8; n];
    file.read_exact_at(&mut buf, offset)
        .map_err(|e| format!("cannot read {len} bytes at {offset}: {e}"))?;
    Ok(buf)
}

/// Whether `s` is a sha256 digest's 64 hex digits (either case).
pub(crate) fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Writes `bytes` to `path` through a temporary file in the same folder
/// and one rename, so a concurrent reader sees the old file or the new
/// one, never half of one.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    // What is written here is for others to read (lockfiles, profiles),
    // not the temporary file's private 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))?;
    }
    file.persist(path).map_err(|e| e.error)?;
    Ok(())
}

/// Lowercase hex sha256 of some bytes.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// sha256 of a regular file, streamed: a large artifact is hashed without
/// being held in memory.
pub(crate) fn sha256_file(path: &Path) -> Result<String, FileError> {
    let mut file = open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| FileError::Io(e.to_string()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// `a/./b/../c` → `a/c`, without touching the filesystem (`absolute`
/// keeps `..`, which would throw off prefix and relative-path arithmetic).
pub(crate) fn normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_and_devices_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a node.
        assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
        assert_eq!(
            read(&fifo, 1 << 20, "x").unwrap_err(),
            FileError::NotRegular("FIFO")
        );
        assert_eq!(
            read(Path::new("/dev/zero"), 1 << 20, "x").unwrap_err(),
            FileError::NotRegular("character device")
        );
        assert_eq!(
            read(dir.path(), 1 << 20, "x").unwrap_err(),
            FileError::NotRegular("directory")
        );
    }

    #[test]
    fn reads_are_capped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, vec![b'x'; 2048]).unwrap();
        assert_eq!(read(&path, 4096, "x").unwrap().len(), 2048);
        let e = read(&path, 1024, "[limits] max_document_size").unwrap_err();
        assert_eq!(
            e.to_string(),
            "the file is 2.0 KiB, more than the 1.0 KiB limit ([limits] max_document_size)"
        );
        assert_eq!(sha256_file(&path).unwrap(), sha256_hex(&[b'x'; 2048]));
    }
}
