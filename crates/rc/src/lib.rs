//! Single-threaded reference-counted pointers for the evaluator's hottest allocations
//! (thunks, frames, sets, lists, closures: millions of them alive in one module evaluation).
//!
//! This crate owns exactly two pointer types (and a string made of one) and one cell, and the `unsafe` that
//! implements them, nothing else; it is, with `crates/sys`, one of the two crates of nest
//! allowed `unsafe`.
//!
//! - [`Rc<T>`] is `std::rc::Rc<T>` for sized `T` without the weak count: nest never makes a
//!   `Weak`, and its count is 32 bits, so each allocation is 8 to 12 bytes smaller (`{ count, value }` instead of
//!   `{ strong, weak, value }`). Its API has std's names and meanings, so
//!   `use nest_rc::Rc;` replaces `use std::rc::Rc;` where `T` is sized.
//! - [`RcSlice<H, T>`] is a *thin* (8-byte) pointer to one allocation holding a count, a
//!   length, a header and `len` items, where `Rc<Header<[T]>>` would be a 16-byte fat
//!   pointer: 8 bytes less in every thunk and closure that keeps a frame.
//!
//! - [`RcStr<H>`] is an `RcSlice<H, u8>` that holds UTF-8 text: a string and its header
//!   (the evaluator's string context) in one allocation; [`StrBuf<H>`] builds one in
//!   place.
//!
//! - [`Count`] lends any of their counts, to add a reference without making a pointer
//!   (the evaluator's `Value` clone counts every kind with one instruction through it).
//!
//! - [`Slot<V, P, Q, B>`] is a cell that is ready (a `V` for good, lent out as `&V` like
//!   `OnceCell`'s value) or holds pending work of one of two kinds, or is busy while that
//!   work runs: a set literal's attribute evaluated in place.
//!
//! Both pointers keep std's code shape, which was measured to cost no more instructions than std's
//! `Rc`: the count is changed inline and the last reference's drop and deallocation are in
//! a separate function that is never inlined.
//!
//! Neither type is `Send` or `Sync`:
//!
//! ```compile_fail
//! fn send<T: Send>(_: T) {}
//! send(nest_rc::Rc::new(1));
//! ```
//! ```compile_fail
//! fn sync<T: Sync>(_: T) {}
//! sync(nest_rc::RcSlice::new((), 1, |_| 1));
//! ```
//!
//! Overflowing a count aborts the process, as std does (it can only happen when
//! references are leaked with `mem::forget`). Dropping a long
//! chain of pointers (a frame whose header holds its parent frame, and so on) recurses
//! once per link, as with std's `Rc`, so a chain of some hundred thousand links can
//! overflow the stack; the evaluator bounds the depth of what it builds.
//!
//! Every `unsafe` block says why it is sound in a `// SAFETY:` comment, and the tests run
//! under Miri: `cargo +nightly miri test -p nest-rc`.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

mod rc;
mod slice;
mod slot;
mod str;
#[cfg(test)]
mod testutil;

pub use rc::Rc;
pub use slice::RcSlice;
pub use slot::{Kind, Slot, Started};
pub use str::{RcStr, StrBuf};

/// The count of one counted allocation ([`Rc`], [`RcSlice`], [`RcStr`]), lent by their
/// `count` to add a reference without making a pointer. All three counts are 32 bits at
/// the start of their allocation, so code that counts a reference to one of several
/// kinds of pointer (the evaluator's `Value` clone) compiles to one instruction for all.
pub struct Count<'a>(&'a std::cell::Cell<u32>);

impl Count<'_> {
    /// Adds one to the count, as a clone that is then forgotten would: the reference it
    /// stands for is leaked unless a copy of the pointer takes it over. Aborts the
    /// process if the count would overflow.
    #[inline(always)]
    pub fn add_one(self) {
        let count = self.0.get().wrapping_add(1);
        self.0.set(count);
        if count == 0 {
            count_overflow();
        }
    }
}

/// Stops the process when a reference count would overflow. A count can only get there
/// through leaked references; unwinding instead would let the leaking code run on with
/// a count that no longer matches (and std aborts too).
#[cold]
#[inline(never)]
fn count_overflow() -> ! {
    std::process::abort()
}
