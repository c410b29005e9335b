//! `RcStr<H>`: a thin reference-counted string with a header, in one allocation.

use crate::RcSlice;
use std::alloc::{self, Layout};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// A single-threaded reference-counted string and a header `H` in one allocation, laid
/// out as [`RcSlice<H, u8>`](RcSlice) is: `{ count: u32, len: u32, header: H, bytes }`.
/// The pointer is thin (8 bytes).
///
/// The evaluator's strings: a string and its context cost one allocation of 16 bytes
/// plus the text, where an `Rc` of a `Box<str>` and a context cost two (a 32-byte one
/// and the text's).
///
/// The text is bytes, as Nix's strings are: usually UTF-8, but a string cut inside a
/// character, or read from a file, holds whatever bytes it got.
///
/// ```
/// use nest_rc::RcStr;
///
/// let s = RcStr::new(7u64, "héllo");
/// assert_eq!(s.to_str(), "héllo");
/// assert_eq!(*s.header(), 7);
/// let t = RcStr::concat(0u64, &["ab", "", "cd"]);
/// assert_eq!(t.as_bytes(), b"abcd");
/// let u = RcStr::from_bytes(0u64, &s.as_bytes()[..2]);
/// assert_eq!(u.as_bytes(), b"h\xc3");
/// assert_eq!(u.to_str(), "h\u{fffd}");
/// assert_eq!(size_of::<Option<RcStr<u64>>>(), 8);
/// ```
pub struct RcStr<H>(RcSlice<H, u8>);

impl<H> RcStr<H> {
    /// A new string holding `header` and a copy of `s`.
    ///
    /// # Panics
    ///
    /// If `s` is longer than `u32::MAX` bytes (see [`RcStr::MAX_LEN`]).
    #[inline]
    pub fn new(header: H, s: &str) -> Self {
        RcStr(RcSlice::copy_from(header, s.as_bytes()))
    }

    /// A new string holding `header` and a copy of the bytes `b`.
    ///
    /// # Panics
    ///
    /// If `b` is longer than `u32::MAX` bytes (see [`RcStr::MAX_LEN`]).
    #[inline]
    pub fn from_bytes(header: H, b: &[u8]) -> Self {
        RcStr(RcSlice::copy_from(header, b))
    }

    /// A new string holding `header` and the concatenation of `parts`, copied once.
    ///
    /// # Panics
    ///
    /// If the result is longer than `u32::MAX` bytes (see [`RcStr::MAX_LEN`]).
    pub fn concat(header: H, parts: &[&str]) -> Self {
        RcStr(RcSlice::concat(header, parts.iter().map(|p| p.as_bytes())))
    }

    /// A new string holding `header` and the concatenation of the byte strings `parts`.
    ///
    /// # Panics
    ///
    /// If the result is longer than `u32::MAX` bytes (see [`RcStr::MAX_LEN`]).
    pub fn concat_bytes(header: H, parts: &[&[u8]]) -> Self {
        RcStr(RcSlice::concat(header, parts.iter().copied()))
    }

    /// The longest string an `RcStr` holds, in bytes.
    pub const MAX_LEN: usize = u32::MAX as usize;

    /// The text's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.items()
    }

    /// The text as UTF-8: borrowed when it is, else with each invalid sequence replaced
    /// by U+FFFD.
    #[inline]
    pub fn to_str(&self) -> Cow<'_, str> {
        // `from_utf8` first: it checks valid text faster than the lossy pass does.
        match std::str::from_utf8(self.0.items()) {
            Ok(s) => Cow::Borrowed(s),
            Err(_) => String::from_utf8_lossy(self.0.items()),
        }
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> &H {
        self.0.header()
    }

    /// The length of the text in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the text is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `self` and `other` point to the same allocation.
    #[inline]
    pub fn ptr_eq(&self, other: &Self) -> bool {
        self.0.ptr_eq(&other.0)
    }

    /// The address of the allocation, to identify it (valid while a reference lives).
    #[inline]
    pub fn as_ptr(&self) -> *const () {
        self.0.as_ptr()
    }

    /// How many `RcStr`s point to this allocation.
    #[inline]
    pub fn strong_count(&self) -> usize {
        self.0.strong_count()
    }

    /// The allocation's count, to add a reference without making an `RcStr` (see
    /// [`crate::Count`]).
    #[inline(always)]
    pub fn count(&self) -> crate::Count<'_> {
        self.0.count()
    }
}

impl<H> Clone for RcStr<H> {
    /// Another reference to the same allocation; aborts the process if the count would
    /// pass `u32::MAX`.
    #[inline]
    fn clone(&self) -> Self {
        RcStr(self.0.clone())
    }
}

impl<H: fmt::Debug> fmt::Debug for RcStr<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RcStr")
            .field("header", self.header())
            .field("text", &self.to_str())
            .finish()
    }
}

/// A growable string written straight into the block of the [`RcStr<H>`] it becomes:
/// [`finish`](StrBuf::finish) shrinks the block to the text and writes the header in
/// front of it, without copying the text. Building a large string (a `toJSON` result)
/// as a `String` and copying it would hold it twice at the peak.
///
/// ```
/// use nest_rc::StrBuf;
/// use std::fmt::Write;
///
/// let mut b = StrBuf::<u64>::new();
/// b.push_str("n = ");
/// write!(b, "{}", 42).unwrap();
/// b.push('!');
/// b.push_bytes(b"\xff");
/// assert_eq!(b.as_bytes(), b"n = 42!\xff");
/// let s = b.finish(7);
/// assert_eq!((s.as_bytes(), *s.header()), (&b"n = 42!\xff"[..], 7));
/// ```
pub struct StrBuf<H> {
    /// The block, laid out for `cap` items of an `RcSlice<H, u8>`; dangling when `cap`
    /// is 0 (nothing allocated).
    ptr: NonNull<u8>,
    cap: usize,
    len: usize,
    _header: PhantomData<H>,
}

impl<H> StrBuf<H> {
    const TEXT: usize = RcSlice::<H, u8>::ITEMS_OFFSET;

    /// An empty buffer; allocates nothing.
    pub fn new() -> Self {
        StrBuf {
            ptr: NonNull::dangling(),
            cap: 0,
            len: 0,
            _header: PhantomData,
        }
    }

    /// An empty buffer with room for `n` bytes.
    pub fn with_capacity(n: usize) -> Self {
        let mut b = StrBuf::new();
        b.reserve(n);
        b
    }

    fn layout(cap: usize) -> Layout {
        match RcSlice::<H, u8>::layout(cap) {
            Ok(l) => l,
            Err(_) => capacity_overflow(),
        }
    }

    /// Makes room for `extra` more bytes.
    ///
    /// # Panics
    ///
    /// If the block would be larger than `isize::MAX` bytes. Aborts if memory is
    /// exhausted, as `String` does.
    #[inline]
    pub fn reserve(&mut self, extra: usize) {
        if self.cap - self.len < extra {
            self.grow(extra);
        }
    }

    #[cold]
    #[inline(never)]
    fn grow(&mut self, extra: usize) {
        let Some(need) = self.len.checked_add(extra) else {
            capacity_overflow()
        };
        let cap = need.max(self.cap.saturating_mul(2)).max(32);
        let new = Self::layout(cap);
        let raw = if self.cap == 0 {
            // SAFETY: the layout is not zero-sized (it holds the head).
            unsafe { alloc::alloc(new) }
        } else {
            // SAFETY: `ptr` was allocated with `layout(self.cap)`; the new size, from a
            // valid layout of the same alignment, is not zero.
            unsafe { alloc::realloc(self.ptr.as_ptr(), Self::layout(self.cap), new.size()) }
        };
        let Some(ptr) = NonNull::new(raw) else {
            alloc::handle_alloc_error(new)
        };
        self.ptr = ptr;
        self.cap = cap;
    }

    /// Appends `s`.
    #[inline]
    pub fn push_str(&mut self, s: &str) {
        self.push_bytes(s.as_bytes())
    }

    /// Appends the bytes `s`.
    #[inline]
    pub fn push_bytes(&mut self, s: &[u8]) {
        self.reserve(s.len());
        // SAFETY: `reserve` left room for `s.len()` bytes after the `len` written ones,
        // inside the block (which is allocated: `cap > 0` once anything is reserved,
        // and an empty `s` copies nothing); `s` lives elsewhere.
        unsafe {
            std::ptr::copy_nonoverlapping(
                s.as_ptr(),
                self.ptr.as_ptr().add(Self::TEXT + self.len),
                s.len(),
            );
        }
        self.len += s.len();
    }

    /// Appends `c`.
    #[inline]
    pub fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }

    /// The text so far.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        if self.cap == 0 {
            return b"";
        }
        // SAFETY: the first `len` bytes after the head are written.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr().add(Self::TEXT), self.len) }
    }

    /// The length of the text in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the text is empty.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The string of this text with `header`; the block is shrunk to the text (in
    /// place when the allocator can), not copied.
    ///
    /// # Panics
    ///
    /// If the text is longer than `u32::MAX` bytes ([`RcStr::MAX_LEN`]).
    pub fn finish(self, header: H) -> RcStr<H> {
        let this = std::mem::ManuallyDrop::new(self);
        if this.cap == 0 {
            return RcStr::new(header, "");
        }
        if this.len > RcStr::<H>::MAX_LEN {
            // Frees the block (`this` no longer does) before panicking.
            drop(StrBuf::<H> { ..*this });
            panic!("StrBuf::finish: {} bytes is too long", this.len);
        }
        let (old, new) = (Self::layout(this.cap), Self::layout(this.len));
        let mut ptr = this.ptr;
        if new.size() != old.size() {
            // SAFETY: `ptr` was allocated with `old`; `new` has the same alignment and
            // a non-zero size (the head).
            let raw = unsafe { alloc::realloc(ptr.as_ptr(), old, new.size()) };
            ptr = match NonNull::new(raw) {
                Some(p) => p,
                None => alloc::handle_alloc_error(new),
            };
        }
        // SAFETY: the block is now allocated with `layout(len)`, its `len` bytes of text
        // are written, `len <= u32::MAX`, and ownership passes
        // from `this` (which is not dropped) to the new string.
        RcStr(unsafe { RcSlice::from_written(ptr, this.len, header) })
    }
}

impl<H> Default for StrBuf<H> {
    fn default() -> Self {
        StrBuf::new()
    }
}

impl<H> Drop for StrBuf<H> {
    fn drop(&mut self) {
        if self.cap > 0 {
            // SAFETY: the block was allocated with `layout(cap)` and is owned by `self`.
            unsafe { alloc::dealloc(self.ptr.as_ptr(), Self::layout(self.cap)) }
        }
    }
}

impl<H> fmt::Write for StrBuf<H> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }
}

impl<H> fmt::Debug for StrBuf<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&String::from_utf8_lossy(self.as_bytes()), f)
    }
}

#[cold]
fn capacity_overflow() -> ! {
    panic!("StrBuf: capacity overflow")
}

#[cfg(test)]
mod tests;
