//! Checking an Arrow IPC file's structure before Arrow's reader sees it.
//!
//! The reader trusts the lengths a file declares: a block's body length
//! sizes one allocation, and a compressed buffer's 8-byte prefix sizes its
//! decompression buffer. One flipped byte can ask for exabytes, which
//! aborts the process. So every declared length is checked here first, by
//! reading only the footer and the messages' headers: blocks must lie
//! inside the file, buffers inside their block's body, and what compressed
//! buffers decode to must stay within a limit. Tables (the catalog) and
//! profiles both pass through it.

use arrow::ipc::{Block, Message, root_as_footer, root_as_message};

/// Reads `len` bytes at `offset` of the file being checked.
pub type Read<'a> = dyn Fn(u64, u64) -> Result<Vec<u8>, String> + 'a;

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IpcError {
    /// The structure is broken; the message says where.
    Corrupt(String),
    /// The compressed buffers would decode to more than the limit.
    TooLarge,
}

const MAGIC: &[u8; 6] = b"ARROW1";
/// Leading magic plus padding, and trailing footer length plus magic.
const HEAD: u64 = 8;
const TAIL: u64 = 10;
/// The continuation marker that starts an encapsulated message.
const CONTINUATION: [u8; 4] = [0xff; 4];

/// Refuses a file of `size` bytes whose declared sizes do not fit it, or
/// that would decode to more than `max_decoded` bytes.
pub fn check(read: &Read<'_>, size: u64, max_decoded: u64) -> Result<(), IpcError> {
    let corrupt = |m: String| IpcError::Corrupt(m);
    let read = |offset: u64, len: u64| read(offset, len).map_err(corrupt);
    if size < HEAD + TAIL {
        return Err(corrupt(format!("{size} bytes is too short")));
    }
    if &read(0, 6)?[..] != MAGIC {
        return Err(corrupt("it does not start with ARROW1".into()));
    }
    let tail = read(size - TAIL, TAIL)?;
    if &tail[4..] != MAGIC {
        return Err(corrupt("it does not end with ARROW1".into()));
    }
    let footer_len = i32::from_le_bytes([tail[0], tail[1], tail[2], tail[3]]);
    let footer_len = u64::try_from(footer_len)
        .ok()
        .filter(|len| *len > 0 && *len <= size - HEAD - TAIL)
        .ok_or_else(|| corrupt(format!("footer length {footer_len} does not fit the file")))?;
    let footer_start = size - TAIL - footer_len;
    let footer_bytes = read(footer_start, footer_len)?;
    let footer = root_as_footer(&footer_bytes).map_err(|e| corrupt(format!("bad footer: {e}")))?;
    let blocks = footer
        .dictionaries()
        .into_iter()
        .flatten()
        .chain(footer.recordBatches().into_iter().flatten());
    let mut decoded = 0u64;
    for block in blocks {
        decoded = decoded.saturating_add(check_block(block, footer_start, &read, &corrupt)?);
        if decoded > max_decoded {
            return Err(IpcError::TooLarge);
        }
    }
    Ok(())
}

/// [`check`] over bytes in memory.
pub fn check_bytes(bytes: &[u8], max_decoded: u64) -> Result<(), IpcError> {
    let read = |offset: u64, len: u64| -> Result<Vec<u8>, String> {
        usize::try_from(offset)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(o, l)| bytes.get(o..o.checked_add(l)?))
            .map(<[u8]>::to_vec)
            .ok_or_else(|| format!("{len} bytes at {offset} lie past the end"))
    };
    check(&read, bytes.len() as u64, max_decoded)
}

/// Checks one block; returns what its compressed buffers decode to.
fn check_block(
    block: &Block,
    end: u64,
    read: &dyn Fn(u64, u64) -> Result<Vec<u8>, IpcError>,
    corrupt: &dyn Fn(String) -> IpcError,
) -> Result<u64, IpcError> {
    let (offset, meta, body) = (block.offset(), block.metaDataLength(), block.bodyLength());
    let fits = u64::try_from(offset)
        .ok()
        .zip(u64::try_from(meta).ok())
        .zip(u64::try_from(body).ok());
    let Some(((offset, meta), body)) = fits.filter(|((o, m), b)| {
        *o >= HEAD
            && *m >= 8
            && o.checked_add(*m)
                .and_then(|x| x.checked_add(*b))
                .is_some_and(|e| e <= end)
    }) else {
        return Err(corrupt(format!(
            "a block (offset {offset}, metadata {meta}, body {body} bytes) does not fit the file"
        )));
    };
    let header = read(offset, meta)?;
    let message_bytes = if header[..4] == CONTINUATION {
        &header[8..]
    } else {
        &header[4..]
    };
    let message: Message =
        root_as_message(message_bytes).map_err(|e| corrupt(format!("bad message: {e}")))?;
    let batch = match (
        message.header_as_record_batch(),
        message.header_as_dictionary_batch(),
    ) {
        (Some(batch), _) => batch,
        (None, Some(dictionary)) => dictionary
            .data()
            .ok_or_else(|| corrupt("a dictionary batch has no data".into()))?,
        (None, None) => return Err(corrupt("a block holds no record batch".into())),
    };
    if batch.length() < 0 {
        return Err(corrupt(format!("a batch has {} rows", batch.length())));
    }
    for node in batch.nodes().into_iter().flatten() {
        if node.length() < 0 || node.null_count() < 0 || node.null_count() > node.length() {
            return Err(corrupt(format!(
                "a column declares {} values with {} nulls",
                node.length(),
                node.null_count()
            )));
        }
    }
    let compressed = batch.compression().is_some();
    let body_start = offset + meta;
    let mut decoded = 0u64;
    for buffer in batch.buffers().into_iter().flatten() {
        let (b_offset, b_len) = (buffer.offset(), buffer.length());
        let inside = u64::try_from(b_offset)
            .ok()
            .zip(u64::try_from(b_len).ok())
            .filter(|(o, l)| o.checked_add(*l).is_some_and(|e| e <= body));
        let Some((b_offset, b_len)) = inside else {
            return Err(corrupt(format!(
                "a buffer (offset {b_offset}, {b_len} bytes) lies outside its batch"
            )));
        };
        if compressed && b_len >= 8 {
            let prefix = read(body_start + b_offset, 8)?;
            let length = i64::from_le_bytes(prefix.try_into().unwrap_or([0; 8]));
            // -1 marks a buffer stored uncompressed.
            match length {
                -1 => decoded = decoded.saturating_add(b_len - 8),
                n if n >= 0 => decoded = decoded.saturating_add(n as u64),
                n => return Err(corrupt(format!("a compressed buffer declares {n} bytes"))),
            }
        } else {
            decoded = decoded.saturating_add(b_len);
        }
    }
    Ok(decoded)
}
