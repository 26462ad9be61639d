//! Checking a Parquet footer's Thrift encoding before the Parquet reader
//! decodes it.
//!
//! The reader sizes its vectors from the element counts a list declares,
//! so one damaged count (2³¹ schema elements in a 1 KB footer) asks for
//! hundreds of gigabytes at once, which aborts the process. Every element
//! of a Thrift compact-protocol list takes at least one byte, so a count
//! larger than the bytes left cannot be honest: this walk visits every
//! value of the footer (without building anything) and refuses such a
//! count, a string longer than what is left, nesting deeper than any
//! Parquet footer uses, and a truncated value.

/// How deep structs and containers may nest: Parquet's metadata needs
/// fewer than ten levels.
const MAX_DEPTH: usize = 64;

/// Why the bytes are not a sound Thrift compact-protocol struct.
pub(crate) type Error = String;

/// Walks one struct from the start of `bytes`; returns how many bytes it took.
pub(crate) fn check_struct(bytes: &[u8]) -> Result<usize, Error> {
    let mut reader = Reader { bytes, pos: 0 };
    reader.structure(0)?;
    Ok(reader.pos)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn left(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn byte(&mut self) -> Result<u8, Error> {
        let b = *self
            .bytes
            .get(self.pos)
            .ok_or_else(|| format!("truncated at byte {}", self.pos))?;
        self.pos += 1;
        Ok(b)
    }

    fn skip(&mut self, n: usize) -> Result<(), Error> {
        if n > self.left() {
            return Err(format!(
                "a value of {n} bytes at byte {} runs past the end ({} left)",
                self.pos,
                self.left()
            ));
        }
        self.pos += n;
        Ok(())
    }

    fn varint(&mut self) -> Result<u64, Error> {
        let mut value = 0u64;
        for shift in (0..70).step_by(7) {
            let b = self.byte()?;
            if shift == 63 && b > 1 {
                return Err("a varint overflows 64 bits".into());
            }
            value |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err("a varint is longer than 10 bytes".into())
    }

    /// A container's element count, which must fit the bytes left.
    fn count(&mut self, declared: u64) -> Result<usize, Error> {
        match usize::try_from(declared) {
            Ok(n) if n <= self.left() => Ok(n),
            _ => Err(format!(
                "a list declares {declared} elements with {} bytes left",
                self.left()
            )),
        }
    }

    fn structure(&mut self, depth: usize) -> Result<(), Error> {
        if depth > MAX_DEPTH {
            return Err(format!("nesting deeper than {MAX_DEPTH}"));
        }
        loop {
            let header = self.byte()?;
            if header == 0 {
                return Ok(());
            }
            if header & 0xf0 == 0 {
                // Long form: the field id follows as a zigzag varint.
                self.varint()?;
            }
            self.value(header & 0x0f, depth)?;
        }
    }

    fn value(&mut self, kind: u8, depth: usize) -> Result<(), Error> {
        match kind {
            // Booleans live in the field header.
            1 | 2 => Ok(()),
            3 => self.skip(1),
            4..=6 => self.varint().map(drop),
            7 => self.skip(8),
            8 => {
                let len = self.varint()?;
                let len = self.count(len)?;
                self.skip(len)
            }
            9 | 10 => {
                let header = self.byte()?;
                let declared = match header >> 4 {
                    15 => self.varint()?,
                    n => u64::from(n),
                };
                let n = self.count(declared)?;
                let element = header & 0x0f;
                for _ in 0..n {
                    self.element(element, depth + 1)?;
                }
                Ok(())
            }
            11 => {
                let declared = self.varint()?;
                if declared == 0 {
                    return Ok(());
                }
                let n = self.count(declared)?;
                let types = self.byte()?;
                for _ in 0..n {
                    self.element(types >> 4, depth + 1)?;
                    self.element(types & 0x0f, depth + 1)?;
                }
                Ok(())
            }
            12 => self.structure(depth + 1),
            other => Err(format!("unknown value type {other} at byte {}", self.pos)),
        }
    }

    /// A container element: booleans take a byte here.
    fn element(&mut self, kind: u8, depth: usize) -> Result<(), Error> {
        match kind {
            1 | 2 => self.skip(1),
            other => self.value(other, depth),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honest_structs_pass_and_impossible_counts_fail() {
        // field 1: i32 (zigzag 150), field 2: list<i32> of 2, stop.
        let good = [0x15, 0xac, 0x02, 0x19, 0x25, 0x02, 0x04, 0x00];
        assert_eq!(check_struct(&good), Ok(good.len()));
        // The same list claiming 2^31 - 1 elements.
        let huge = [0x19, 0xf5, 0xff, 0xff, 0xff, 0xff, 0x07, 0x02, 0x00];
        assert!(
            check_struct(&huge)
                .unwrap_err()
                .contains("declares 2147483647 elements")
        );
        // A string longer than the buffer.
        assert!(
            check_struct(&[0x18, 0x7f, b'a', 0x00])
                .unwrap_err()
                .contains("declares 127")
        );
        // A double cut short.
        assert!(
            check_struct(&[0x17, 1, 2, 3])
                .unwrap_err()
                .contains("runs past")
        );
        // Truncated.
        assert!(check_struct(&[0x15]).unwrap_err().contains("truncated"));
        // Deep nesting.
        let deep = vec![0x1c; 200];
        assert!(check_struct(&deep).unwrap_err().contains("nesting"));
    }
}
