//! Byte-level reading and writing for Ingia's compact binary formats (tokens, manifests).
//! Invariant: every reader method either consumes exactly what it returns or fails with a typed
//! [`WireError`]; nothing here panics on hostile input.

use alloc::string::String;
use alloc::vec::Vec;

/// Why a byte string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WireError {
    /// The input ended before the structure did.
    Truncated,
    /// A variable-length integer was longer than its type allows or not minimally encoded.
    BadVarint,
    /// A text field was not valid UTF-8.
    BadUtf8,
    /// A length or count is larger than the rest of the input could hold.
    BadLength,
    /// Bytes were left over after the structure ended.
    TrailingBytes,
    /// A field held a value the format does not define (the field's name).
    BadValue(&'static str),
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            WireError::Truncated => f.write_str("input ends too early"),
            WireError::BadVarint => f.write_str("bad variable-length integer"),
            WireError::BadUtf8 => f.write_str("text is not UTF-8"),
            WireError::BadLength => f.write_str("length exceeds input"),
            WireError::TrailingBytes => f.write_str("unexpected bytes after the end"),
            WireError::BadValue(field) => write!(f, "invalid value in field `{field}`"),
        }
    }
}

/// Appends fields to a byte vector.
#[derive(Default)]
pub struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn u8(&mut self, v: u8) -> &mut Self {
        self.buf.push(v);
        self
    }
    pub fn u32_be(&mut self, v: u32) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn u64_be(&mut self, v: u64) -> &mut Self {
        self.buf.extend_from_slice(&v.to_be_bytes());
        self
    }
    pub fn bytes(&mut self, v: &[u8]) -> &mut Self {
        self.buf.extend_from_slice(v);
        self
    }
    /// Unsigned LEB128.
    pub fn varint(&mut self, mut v: u64) -> &mut Self {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(byte);
                return self;
            }
            self.buf.push(byte | 0x80);
        }
    }
    /// A varint byte length followed by UTF-8 bytes.
    pub fn str(&mut self, s: &str) -> &mut Self {
        self.varint(s.len() as u64);
        self.bytes(s.as_bytes())
    }
    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// Reads fields from a byte slice, front to back.
pub struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }
    pub fn remaining(&self) -> usize {
        self.rest.len()
    }
    pub fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.rest.len() < n {
            return Err(WireError::Truncated);
        }
        let (head, tail) = self.rest.split_at(n);
        self.rest = tail;
        Ok(head)
    }
    pub fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }
    pub fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    pub fn u32_be(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }
    pub fn u64_be(&mut self) -> Result<u64, WireError> {
        Ok(u64::from_be_bytes(self.array()?))
    }
    /// Unsigned LEB128, at most 10 bytes, minimally encoded.
    pub fn varint(&mut self) -> Result<u64, WireError> {
        let mut value: u64 = 0;
        for i in 0..10 {
            let byte = self.u8()?;
            let bits = (byte & 0x7f) as u64;
            if i == 9 && bits > 1 {
                return Err(WireError::BadVarint);
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                if byte == 0 && i > 0 {
                    return Err(WireError::BadVarint);
                }
                return Ok(value);
            }
        }
        Err(WireError::BadVarint)
    }
    pub fn varint_u32(&mut self) -> Result<u32, WireError> {
        u32::try_from(self.varint()?).map_err(|_| WireError::BadVarint)
    }
    /// A count of items that each take at least `min_item_bytes`; refuses counts the rest of the
    /// input cannot hold, so a hostile count never causes a huge allocation.
    pub fn count(&mut self, min_item_bytes: usize) -> Result<usize, WireError> {
        let n = self.varint()?;
        let fits = (self.rest.len() / min_item_bytes.max(1)) as u64;
        if n > fits {
            return Err(WireError::BadLength);
        }
        Ok(n as usize)
    }
    pub fn str(&mut self) -> Result<String, WireError> {
        let len = self.varint()?;
        if len > self.rest.len() as u64 {
            return Err(WireError::BadLength);
        }
        let bytes = self.take(len as usize)?;
        core::str::from_utf8(bytes).map(String::from).map_err(|_| WireError::BadUtf8)
    }
    pub fn finish(self) -> Result<(), WireError> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(WireError::TrailingBytes)
        }
    }
}

/// A reader whose reads never fail half-way: the first error is kept and reads return defaults
/// from then on; [`Sticky::finish`] gives the value or that error. Decoders written with it have
/// no error branch per field (much smaller code in the browser than `?` after every read), and
/// are as strict: any bad or missing byte refuses the whole value.
pub struct Sticky<'a> {
    r: Reader<'a>,
    bad: Option<WireError>,
}

impl<'a> Sticky<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Sticky { r: Reader::new(bytes), bad: None }
    }
    /// Records `e` unless an earlier error is already kept.
    pub fn fail(&mut self, e: WireError) {
        self.bad.get_or_insert(e);
    }
    fn ok<T: Default>(&mut self, v: Result<T, WireError>) -> T {
        v.unwrap_or_else(|e| {
            self.fail(e);
            T::default()
        })
    }
    pub fn u8(&mut self) -> u8 {
        let v = self.r.u8();
        self.ok(v)
    }
    pub fn u64_be(&mut self) -> u64 {
        let v = self.r.u64_be();
        self.ok(v)
    }
    pub fn varint(&mut self) -> u64 {
        let v = self.r.varint();
        self.ok(v)
    }
    pub fn u32(&mut self) -> u32 {
        let v = self.r.varint_u32();
        self.ok(v)
    }
    pub fn str(&mut self) -> String {
        let v = self.r.str();
        self.ok(v)
    }
    /// A count of items of at least `min_item_bytes` each (see [`Reader::count`]).
    pub fn count(&mut self, min_item_bytes: usize) -> usize {
        let v = self.r.count(min_item_bytes);
        self.ok(v)
    }
    /// `n` bytes (empty after an error).
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let v = self.r.take(n);
        v.unwrap_or_else(|e| {
            self.fail(e);
            &[]
        })
    }
    /// A length-prefixed (varint) byte string.
    pub fn bytes(&mut self) -> &'a [u8] {
        let n = self.count(1);
        self.take(n)
    }
    /// `0` or `1`.
    pub fn flag(&mut self) -> bool {
        match self.u8() {
            0 => false,
            1 => true,
            _ => {
                self.fail(WireError::BadValue("flag"));
                false
            }
        }
    }
    /// A value's code through `from_code`, or `what` is bad.
    pub fn code<T: Default>(&mut self, from_code: fn(u8) -> Option<T>, what: &'static str) -> T {
        let c = self.u8();
        from_code(c).unwrap_or_else(|| {
            self.fail(WireError::BadValue(what));
            T::default()
        })
    }
    /// `value`, if every read succeeded and nothing is left over.
    pub fn finish<T>(self, value: T) -> Result<T, WireError> {
        match self.bad {
            Some(e) => Err(e),
            None => self.r.finish().map(|()| value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trips_and_rejects_overlong() {
        for v in [0u64, 1, 127, 128, 300, u32::MAX as u64, u64::MAX] {
            let mut w = Writer::new();
            w.varint(v);
            let mut r = Reader::new(&w.buf);
            assert_eq!(r.varint(), Ok(v));
            assert_eq!(r.finish(), Ok(()));
        }
        // 0 written in two bytes is not minimal.
        assert_eq!(Reader::new(&[0x80, 0x00]).varint(), Err(WireError::BadVarint));
        // 11 continuation bytes.
        assert_eq!(Reader::new(&[0xff; 11]).varint(), Err(WireError::BadVarint));
        assert_eq!(Reader::new(&[0x80]).varint(), Err(WireError::Truncated));
    }

    #[test]
    fn hostile_counts_and_lengths_are_refused() {
        let mut w = Writer::new();
        w.varint(1 << 40);
        assert_eq!(Reader::new(&w.buf).count(1), Err(WireError::BadLength));
        assert_eq!(Reader::new(&w.buf).str(), Err(WireError::BadLength));
        assert_eq!(Reader::new(&[2, 0xff, 0xfe]).str(), Err(WireError::BadUtf8));
    }
}
