//! A bounds-checked little-endian reader over the mapped file.
//!
//! Every read checks the remaining length first, and every count read from the
//! file is checked against the bytes that remain before anything is allocated
//! for it: a hostile count cannot make us allocate more than the file holds.
//! On top of that, every allocation the parser makes is charged against a
//! budget of twice the file size plus 16 MiB, because one byte in the file can
//! become a 32-byte [`Value`](super::Value) in memory: an array of a million
//! u8 values is a 1 MB file but 32 MB of values.

use crate::error::{Error, Result};
use std::path::Path;

pub(crate) struct Cursor<'a> {
    pub path: &'a Path,
    pub buf: &'a [u8],
    pub pos: usize,
    /// Heap bytes the parse may still allocate.
    budget: u64,
}

/// Slack on top of twice the file size for the parser's allocations.
const BUDGET_SLACK: u64 = 16 << 20;

impl<'a> Cursor<'a> {
    pub fn new(path: &'a Path, buf: &'a [u8]) -> Self {
        let budget = (buf.len() as u64).saturating_mul(2).saturating_add(BUDGET_SLACK);
        Cursor { path, buf, pos: 0, budget }
    }

    /// Charge `count` items of `item_bytes` each against the memory budget
    /// before allocating them.
    pub fn charge(&mut self, count: u64, item_bytes: usize, what: &dyn Fn() -> String) -> Result<()> {
        let bytes = count.saturating_mul(item_bytes as u64);
        if bytes > self.budget {
            return Err(Error::AbsurdCount {
                path: self.path.to_path_buf(),
                what: format!("{} (would need {bytes} bytes of memory)", what()),
                count,
                len: self.buf.len() as u64,
            });
        }
        self.budget -= bytes;
        Ok(())
    }

    pub fn remaining(&self) -> u64 {
        (self.buf.len() - self.pos) as u64
    }

    pub fn take(&mut self, n: u64, what: &dyn Fn() -> String) -> Result<&'a [u8]> {
        if n > self.remaining() {
            return Err(Error::Truncated {
                path: self.path.to_path_buf(),
                what: what(),
                needed: self.pos as u64 + n,
                len: self.buf.len() as u64,
            });
        }
        let n = n as usize; // n <= remaining, which fits in usize
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn array<const N: usize>(&mut self, what: &dyn Fn() -> String) -> Result<[u8; N]> {
        let b = self.take(N as u64, what)?;
        let mut a = [0u8; N];
        a.copy_from_slice(b);
        Ok(a)
    }

    pub fn u8(&mut self, what: &dyn Fn() -> String) -> Result<u8> {
        Ok(self.array::<1>(what)?[0])
    }
    pub fn u16(&mut self, what: &dyn Fn() -> String) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }
    pub fn u32(&mut self, what: &dyn Fn() -> String) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }
    pub fn u64(&mut self, what: &dyn Fn() -> String) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A count of items each at least `min_item_bytes` long: rejected when the
    /// rest of the file could not possibly hold that many.
    pub fn count(&mut self, min_item_bytes: u64, what: &dyn Fn() -> String) -> Result<u64> {
        let n = self.u64(what)?;
        if n.saturating_mul(min_item_bytes.max(1)) > self.remaining() {
            return Err(Error::AbsurdCount {
                path: self.path.to_path_buf(),
                what: what(),
                count: n,
                len: self.buf.len() as u64,
            });
        }
        Ok(n)
    }

    /// A GGUF string: u64 length, then UTF-8 bytes.
    pub fn string(&mut self, what: &dyn Fn() -> String) -> Result<String> {
        let n = self.count(1, what)?;
        let bytes = self.take(n, what)?;
        self.charge(n, 1, what)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Error::BadMetadata {
            path: self.path.to_path_buf(),
            key: what(),
            reason: "string is not valid UTF-8".into(),
        })
    }
}
