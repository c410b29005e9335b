//! `Rc<T>`: std's single-threaded reference count for sized values, without the weak count.

use std::borrow::Borrow;
use std::cell::Cell;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::ops::Deref;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::ptr::NonNull;

/// The one allocation behind an [`Rc`]: the count first, so that a value of alignment up to
/// 4 sits right after it (`4 + size_of::<T>()`), one of alignment 8 after 4 bytes of padding.
/// The count is 32 bits, as [`crate::RcSlice`]'s: every counted pointer of the evaluator
/// then has the same count at the same place, so that cloning a value whatever its kind
/// is one instruction (`incl (ptr)`), without a jump per kind.
#[repr(C)]
pub(crate) struct RcBox<T> {
    count: Cell<u32>,
    value: T,
}

/// A single-threaded reference-counted pointer to a sized `T`, as `std::rc::Rc<T>` but with
/// no weak count (there is no `Weak`) and a 32-bit count: the allocation is 8 to 12 bytes
/// smaller.
///
/// Functions that std's `Rc` has as associated functions (`Rc::get_mut(&mut rc)`,
/// `Rc::ptr_eq(&a, &b)`, …) are associated functions here too, so that they never shadow
/// a method of `T` reached through [`Deref`].
///
/// Like std's, a cycle of `Rc`s is never freed.
///
/// ```
/// use nest_rc::Rc;
///
/// let mut a = Rc::new(vec![1, 2]);
/// let b = Rc::clone(&a);
/// assert_eq!(Rc::strong_count(&a), 2);
/// Rc::make_mut(&mut a).push(3); // shared: `a` gets its own copy
/// assert_eq!(*a, [1, 2, 3]);
/// assert_eq!(*b, [1, 2]);
/// assert_eq!(Rc::try_unwrap(b), Ok(vec![1, 2]));
/// assert_eq!(size_of::<Option<Rc<u64>>>(), 8);
/// ```
pub struct Rc<T> {
    ptr: NonNull<RcBox<T>>,
    // Tells drop check that dropping an `Rc<T>` may drop a `T`.
    _owns: PhantomData<RcBox<T>>,
}

// The count is not atomic: `NonNull` already makes `Rc` neither `Send` nor `Sync`.

// An `Rc` is a pointer: moving it never moves the value.
impl<T> Unpin for Rc<T> {}

// As std's: a panic that leaves `T` half-updated is visible through a clone only if `T`
// itself lets shared references see it, which `RefUnwindSafe` rules out. The count's
// `Cell` would otherwise deny both; a count left by a panic is still right.
impl<T: RefUnwindSafe> UnwindSafe for Rc<T> {}
impl<T: RefUnwindSafe> RefUnwindSafe for Rc<T> {}

impl<T> Rc<T> {
    /// Puts `value` in a new allocation with a count of 1.
    #[inline]
    pub fn new(value: T) -> Rc<T> {
        let boxed = Box::new(RcBox {
            count: Cell::new(1),
            value,
        });
        Rc {
            ptr: NonNull::from(Box::leak(boxed)),
            _owns: PhantomData,
        }
    }

    #[inline]
    fn inner(&self) -> &RcBox<T> {
        // SAFETY: `ptr` came from `Box::leak` and the allocation lives while any `Rc` to it
        // does (this one, borrowed for the returned lifetime). Only shared references to
        // the box are ever made while more than one `Rc` exists; `get_mut` makes a unique
        // one to the value only when this is the only `Rc`, and it borrows that `Rc`
        // mutably, so it cannot overlap with this borrow.
        unsafe { self.ptr.as_ref() }
    }

    /// Returns a mutable reference to the value if `this` is its only reference.
    #[inline]
    pub fn get_mut(this: &mut Self) -> Option<&mut T> {
        if this.inner().count.get() == 1 {
            // SAFETY: no other `Rc` points here, and every reference derived from `this`
            // borrows it, so the `&mut this` held here excludes them all.
            Some(unsafe { &mut (*this.ptr.as_ptr()).value })
        } else {
            None
        }
    }

    /// Returns a mutable reference to the value, first replacing `this` by a new
    /// allocation holding a clone of the value if other references share it (they keep
    /// the old value).
    #[inline]
    pub fn make_mut(this: &mut Self) -> &mut T
    where
        T: Clone,
    {
        if this.inner().count.get() != 1 {
            *this = Rc::new(T::clone(this));
        }
        // SAFETY: the count is 1 here (checked, or `this` is the fresh allocation made
        // above), so as in `get_mut` the borrow of `this` is the only path to the value.
        unsafe { &mut (*this.ptr.as_ptr()).value }
    }

    /// Whether `a` and `b` point to the same allocation.
    #[inline]
    pub fn ptr_eq(a: &Self, b: &Self) -> bool {
        a.ptr == b.ptr
    }

    /// A pointer to the value, valid while any reference to it lives.
    #[inline]
    pub fn as_ptr(this: &Self) -> *const T {
        // SAFETY: `ptr` points to a live `RcBox<T>` (see `inner`); taking the address of a
        // field creates no reference.
        unsafe { &raw const (*this.ptr.as_ptr()).value }
    }

    /// How many `Rc`s point to this allocation.
    #[inline]
    pub fn strong_count(this: &Self) -> usize {
        this.inner().count.get() as usize
    }

    /// The allocation's count, to add a reference without making an `Rc` (see [`crate::Count`]).
    #[inline(always)]
    pub fn count(this: &Self) -> crate::Count<'_> {
        crate::Count(&this.inner().count)
    }

    /// Returns the value if `this` is its only reference, else gives `this` back.
    #[inline]
    pub fn try_unwrap(this: Self) -> Result<T, Self> {
        if this.inner().count.get() != 1 {
            return Err(this);
        }
        let ptr = this.ptr;
        // `this` must not decrement the count: the allocation is taken over below.
        std::mem::forget(this);
        // SAFETY: `ptr` came from `Box::leak` of a `Box<RcBox<T>>`, and the `Rc` just
        // forgotten was its only owner, so no reference to it is left.
        let boxed = unsafe { Box::from_raw(ptr.as_ptr()) };
        Ok(boxed.value)
    }

    /// Returns the value if `this` is its last reference, else drops `this` and returns
    /// `None`. Of several `Rc`s to one value each passed to `into_inner`, exactly one
    /// gets the value.
    #[inline]
    pub fn into_inner(this: Self) -> Option<T> {
        Rc::try_unwrap(this).ok()
    }

    /// Returns the value if `this` is its only reference, else a clone of it.
    #[inline]
    pub fn unwrap_or_clone(this: Self) -> T
    where
        T: Clone,
    {
        Rc::try_unwrap(this).unwrap_or_else(|rc| T::clone(&rc))
    }

    /// Drops the value and frees the allocation; the caller held the last reference.
    // Kept out of line so that the inlined `drop` is only a decrement and a test.
    #[inline(never)]
    unsafe fn drop_slow(&mut self) {
        // SAFETY: the caller brought the count to 0 from this, the last `Rc`, so the
        // allocation from `Box::leak` has no other owner and no reference into it lives.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }

    /// Sets the count, so that tests can reach the overflow without 2^32 clones.
    #[cfg(test)]
    pub(crate) fn set_count_for_test(this: &Self, count: u32) {
        this.inner().count.set(count);
    }
}

impl<T> Clone for Rc<T> {
    /// Another reference to the same value; aborts the process if the count would
    /// overflow.
    #[inline]
    fn clone(&self) -> Rc<T> {
        // Wrapping, then testing for 0, is one instruction less than testing for the
        // largest count first; the wrapped count is never used, the process aborts.
        let count = self.inner().count.get().wrapping_add(1);
        self.inner().count.set(count);
        if count == 0 {
            crate::count_overflow();
        }
        Rc {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<T> Drop for Rc<T> {
    #[inline]
    fn drop(&mut self) {
        let count = self.inner().count.get() - 1;
        self.inner().count.set(count);
        if count == 0 {
            // SAFETY: the count just reached 0 from this `Rc`, so it was the last one.
            unsafe { self.drop_slow() }
        }
    }
}

impl<T> Deref for Rc<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.inner().value
    }
}

impl<T: Default> Default for Rc<T> {
    /// An `Rc` of `T::default()`.
    #[inline]
    fn default() -> Rc<T> {
        Rc::new(T::default())
    }
}

impl<T> From<T> for Rc<T> {
    #[inline]
    fn from(value: T) -> Rc<T> {
        Rc::new(value)
    }
}

impl<T> AsRef<T> for Rc<T> {
    #[inline]
    fn as_ref(&self) -> &T {
        self
    }
}

impl<T> Borrow<T> for Rc<T> {
    #[inline]
    fn borrow(&self) -> &T {
        self
    }
}

impl<T: fmt::Debug> fmt::Debug for Rc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

impl<T: fmt::Display> fmt::Display for Rc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&**self, f)
    }
}

impl<T> fmt::Pointer for Rc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&Rc::as_ptr(self), f)
    }
}

impl<T: PartialEq> PartialEq for Rc<T> {
    /// Compares the values (two `Rc`s to one allocation compare as `T` says, even for a
    /// `T` that is not equal to itself, such as a NaN).
    #[inline]
    fn eq(&self, other: &Rc<T>) -> bool {
        **self == **other
    }
}

impl<T: Eq> Eq for Rc<T> {}

impl<T: PartialOrd> PartialOrd for Rc<T> {
    #[inline]
    fn partial_cmp(&self, other: &Rc<T>) -> Option<Ordering> {
        (**self).partial_cmp(&**other)
    }
}

impl<T: Ord> Ord for Rc<T> {
    #[inline]
    fn cmp(&self, other: &Rc<T>) -> Ordering {
        (**self).cmp(&**other)
    }
}

impl<T: Hash> Hash for Rc<T> {
    #[inline]
    fn hash<S: Hasher>(&self, state: &mut S) {
        (**self).hash(state)
    }
}

#[cfg(test)]
mod tests;
