//! `RcSlice<H, T>`: a thin reference-counted pointer to a header and a run of items in
//! one allocation (the evaluator's frames: the parent frame and the variable slots).

use std::alloc::{self, Layout, LayoutError};
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::panic::{RefUnwindSafe, UnwindSafe};
use std::ptr::{self, NonNull};

/// The start of the allocation; the `len` items follow at `RcSlice::ITEMS_OFFSET`.
#[repr(C)]
pub(crate) struct Head<H> {
    count: Cell<u32>,
    len: u32,
    header: H,
}

/// A single-threaded reference-counted pointer to one allocation holding a header `H` and
/// `len` items `T`, laid out as `{ count: u32, len: u32, header: H, items: [T; len] }`.
///
/// The pointer is thin: `RcSlice` and `Option<RcSlice>` are 8 bytes, where an `Rc` of a
/// struct ending in a slice is a 16-byte fat pointer. The count and the length are 32
/// bits: a slice has at most `u32::MAX` items, and a count that would pass `u32::MAX`
/// aborts the process.
///
/// The header may itself hold an `RcSlice` of the same type (a frame and its parent
/// frame); dropping the last reference to the head of such a chain drops the chain
/// recursively, a few stack frames per link, so a chain of hundreds of thousands of
/// links can overflow the stack (as with std's `Rc`).
///
/// Items are shared and immutable unless they have interior mutability (`OnceCell`,
/// `Cell`): [`get_mut`](RcSlice::get_mut) gives mutable access only to a unique pointer.
///
/// ```
/// use nest_rc::RcSlice;
/// use std::cell::OnceCell;
///
/// /// A frame of variables: its parent frame, then slots filled once.
/// #[derive(Clone)]
/// struct Env(RcSlice<Option<Env>, OnceCell<i64>>);
///
/// let outer = Env(RcSlice::new(None, 1, |_| OnceCell::from(7)));
/// let inner = Env(RcSlice::new(Some(outer.clone()), 2, |_| OnceCell::new()));
/// inner.0.items()[0].set(1).unwrap();
/// let parent = inner.0.header().as_ref().unwrap();
/// assert_eq!(parent.0.items()[0].get(), Some(&7));
/// assert_eq!(outer.0.strong_count(), 2);
/// assert_eq!(size_of::<Option<Env>>(), 8);
/// ```
pub struct RcSlice<H, T> {
    ptr: NonNull<Head<H>>,
    // Tells drop check that dropping an `RcSlice` may drop an `H` and `T`s.
    _owns: PhantomData<(Head<H>, T)>,
}

// `NonNull` already makes `RcSlice` neither `Send` nor `Sync` (the count is not atomic).

// An `RcSlice` is a pointer: moving it never moves the header or the items.
impl<H, T> Unpin for RcSlice<H, T> {}

// As for `Rc`: shared references are all an `RcSlice` hands out without `&mut`.
impl<H: RefUnwindSafe, T: RefUnwindSafe> UnwindSafe for RcSlice<H, T> {}
impl<H: RefUnwindSafe, T: RefUnwindSafe> RefUnwindSafe for RcSlice<H, T> {}

// The pointer is thin for every `H` and `T`; these check a few, the tests more.
const _: () = assert!(size_of::<RcSlice<u8, u8>>() == 8);
const _: () = assert!(size_of::<Option<RcSlice<u8, u8>>>() == 8);
const _: () = assert!(size_of::<Option<RcSlice<(), ()>>>() == 8);
const _: () = assert!(size_of::<Option<RcSlice<[u64; 4], u128>>>() == 8);

/// Drops the header and the first `items` items of a block being built or freed, then
/// frees it. A guard, so that a panic in `init` or in a `Drop` of the header still drops
/// the rest and frees the memory.
struct Cleanup<H, T> {
    ptr: NonNull<Head<H>>,
    layout: Layout,
    /// Whether the header is written and not yet dropped.
    header: bool,
    /// How many items from the start are written and not yet dropped.
    items: usize,
    _types: PhantomData<(H, T)>,
}

impl<H, T> Drop for Cleanup<H, T> {
    fn drop(&mut self) {
        // Frees the block last, even if dropping the header or an item panics.
        struct Free(NonNull<u8>, Layout);
        impl Drop for Free {
            fn drop(&mut self) {
                // SAFETY: the block was allocated by `alloc::alloc` with this layout and
                // nothing refers to it once its contents are dropped.
                unsafe { alloc::dealloc(self.0.as_ptr(), self.1) }
            }
        }
        let _free = Free(self.ptr.cast(), self.layout);
        let items = ptr::slice_from_raw_parts_mut(
            RcSlice::<H, T>::items_ptr(self.ptr).as_ptr(),
            self.items,
        );
        // Drops the items even if the header's drop panics: locals are dropped in reverse
        // order, also when unwinding, so the order is header, items, then the block.
        struct DropItems<T>(*mut [T]);
        impl<T> Drop for DropItems<T> {
            // Inlined into `drop_slow`, the one place a block is freed, which is out of
            // line already: a call less per dropped set, list or frame.
            #[inline(always)]
            fn drop(&mut self) {
                // SAFETY: these are the first `items` items, initialized and dropped only
                // here.
                unsafe { ptr::drop_in_place(self.0) }
            }
        }
        let _items = DropItems(items);
        if self.header {
            // SAFETY: the header is initialized, and dropped only here.
            unsafe { ptr::drop_in_place(&raw mut (*self.ptr.as_ptr()).header) }
        }
    }
}

impl<H, T> RcSlice<H, T> {
    /// Where the items start, from the start of the allocation: after the head, rounded
    /// up to the items' alignment (the same for every length).
    pub(crate) const ITEMS_OFFSET: usize = size_of::<Head<H>>().next_multiple_of(align_of::<T>());

    /// The allocation for `len` items.
    pub(crate) fn layout(len: usize) -> Result<Layout, LayoutError> {
        let (layout, offset) = Layout::new::<Head<H>>().extend(Layout::array::<T>(len)?)?;
        debug_assert_eq!(offset, Self::ITEMS_OFFSET);
        Ok(layout.pad_to_align())
    }

    /// Where the items start in the block `ptr` points to.
    #[inline]
    fn items_ptr(ptr: NonNull<Head<H>>) -> NonNull<T> {
        // SAFETY: `ITEMS_OFFSET` is at most the size of the block (`layout` puts the items
        // there), so the result stays in the allocation or one past its end when there
        // are no items; pointer arithmetic keeps `ptr`'s provenance over the whole block.
        unsafe { ptr.cast::<u8>().add(Self::ITEMS_OFFSET).cast::<T>() }
    }

    /// A new allocation holding `header` and the items `init(0)`, …, `init(len - 1)`,
    /// made in that order, with a count of 1.
    ///
    /// # Panics
    ///
    /// If `len` is more than `u32::MAX`, or the allocation would be larger than
    /// `isize::MAX` bytes; and if `init` panics, after dropping the header and the items
    /// made so far and freeing the memory. Aborts if memory is exhausted, as `Box` does.
    #[inline]
    pub fn new(header: H, len: usize, mut init: impl FnMut(usize) -> T) -> Self {
        let Some((layout, len32)) = Self::checked_layout(len) else {
            panic!(
                "RcSlice::new: {len} items of {} bytes is too many",
                size_of::<T>()
            );
        };
        let mut building = Self::allocate(layout, len32, header);
        let items = Self::items_ptr(building.ptr);
        for i in 0..len {
            let item = init(i);
            // SAFETY: `i < len`, so the slot is inside the block; it is unwritten, and
            // `building.items` now covers it only after the write.
            unsafe { items.add(i).write(item) };
            building.items = i + 1;
        }
        Self::finish(building)
    }

    /// [`new`](RcSlice::new), or `None` (nothing made, `init` never called, the header
    /// dropped) if the memory for `len` items is not there: for lengths a program asks
    /// for, which may be too large for the machine.
    ///
    /// # Panics
    ///
    /// As `new`, but for exhausted memory.
    #[inline]
    pub fn try_new(header: H, len: usize, mut init: impl FnMut(usize) -> T) -> Option<Self> {
        let Some((layout, len32)) = Self::checked_layout(len) else {
            panic!(
                "RcSlice::try_new: {len} items of {} bytes is too many",
                size_of::<T>()
            );
        };
        let mut building = Self::try_allocate(layout, len32, header).ok()?;
        let items = Self::items_ptr(building.ptr);
        for i in 0..len {
            let item = init(i);
            // SAFETY: as in `new`: `i < len`, the slot is inside the block and unwritten.
            unsafe { items.add(i).write(item) };
            building.items = i + 1;
        }
        Some(Self::finish(building))
    }

    /// A new allocation holding `header` and the items of `items` (moved, in order),
    /// with a count of 1.
    ///
    /// # Panics
    ///
    /// As [`new`](RcSlice::new), if `items` has more than `u32::MAX` items.
    pub fn from_vec(header: H, mut items: Vec<T>) -> Self {
        let len = items.len();
        let Some((layout, len32)) = Self::checked_layout(len) else {
            panic!(
                "RcSlice::from_vec: {len} items of {} bytes is too many",
                size_of::<T>()
            );
        };
        let mut building = Self::allocate(layout, len32, header);
        // SAFETY: the vector's first `len` items are initialized; the block has room for
        // `len` items at `items_ptr`, in a different allocation. The vector forgets them
        // (its length is set to 0) right after the copy, with nothing in between that can
        // panic, so each item has one owner, then the block.
        unsafe {
            ptr::copy_nonoverlapping(items.as_ptr(), Self::items_ptr(building.ptr).as_ptr(), len);
            items.set_len(0);
        }
        building.items = len;
        // Frees only the vector's buffer.
        drop(items);
        Self::finish(building)
    }

    fn checked_layout(len: usize) -> Option<(Layout, u32)> {
        let len32 = u32::try_from(len).ok()?;
        Some((Self::layout(len).ok()?, len32))
    }

    /// Allocates the block and writes the count (1), the length and the header.
    fn allocate(layout: Layout, len: u32, header: H) -> Cleanup<H, T> {
        match Self::try_allocate(layout, len, header) {
            Ok(c) => c,
            Err(_) => alloc::handle_alloc_error(layout),
        }
    }

    /// `allocate`, giving the header back if the memory is exhausted.
    fn try_allocate(layout: Layout, len: u32, header: H) -> Result<Cleanup<H, T>, H> {
        // SAFETY: the layout is not zero-sized: it holds at least the two `u32`s.
        let raw = unsafe { alloc::alloc(layout) };
        let Some(ptr) = NonNull::new(raw.cast::<Head<H>>()) else {
            return Err(header);
        };
        // SAFETY: the block is fresh, large enough and aligned for a `Head<H>` (the
        // layout starts with one).
        unsafe {
            ptr.write(Head {
                count: Cell::new(1),
                len,
                header,
            })
        };
        Ok(Cleanup {
            ptr,
            layout,
            header: true,
            items: 0,
            _types: PhantomData,
        })
    }

    /// Takes over a block allocated with `layout(len)` whose `len` items are written:
    /// writes the count (1), the length and the header.
    ///
    /// # Safety
    ///
    /// `ptr` was allocated by the global allocator with `Self::layout(len)`, its `len`
    /// items are initialized, nothing else owns it, and `len <= u32::MAX`.
    pub(crate) unsafe fn from_written(ptr: NonNull<u8>, len: usize, header: H) -> Self {
        let ptr = ptr.cast::<Head<H>>();
        // SAFETY: the block is large enough and aligned for a `Head<H>` (the caller's
        // layout starts with one), and the head's bytes are not part of the items.
        unsafe {
            ptr.write(Head {
                count: Cell::new(1),
                len: len as u32,
                header,
            })
        };
        RcSlice {
            ptr,
            _owns: PhantomData,
        }
    }

    /// Hands a completely written block to a new `RcSlice`.
    fn finish(building: Cleanup<H, T>) -> Self {
        let ptr = building.ptr;
        std::mem::forget(building);
        RcSlice {
            ptr,
            _owns: PhantomData,
        }
    }

    #[inline]
    fn head(&self) -> &Head<H> {
        // SAFETY: the block lives while any `RcSlice` to it does (this one, borrowed for the
        // returned lifetime) and its head is initialized. Shared references only are made
        // while several `RcSlice`s exist; `get_mut` makes unique ones only while this is
        // the only one and it is borrowed mutably. The reference covers the head only, so
        // the items keep the provenance of `ptr`.
        unsafe { self.ptr.as_ref() }
    }

    /// The header.
    #[inline]
    pub fn header(&self) -> &H {
        &self.head().header
    }

    /// The items.
    #[inline]
    pub fn items(&self) -> &[T] {
        // SAFETY: the block holds `len` initialized items from `items_ptr`, which stay
        // alive and are not mutated through another path while `self` is borrowed (see
        // `head`).
        unsafe { std::slice::from_raw_parts(Self::items_ptr(self.ptr).as_ptr(), self.len()) }
    }

    /// The number of items.
    #[inline]
    pub fn len(&self) -> usize {
        self.head().len as usize
    }

    /// Whether there are no items.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.head().len == 0
    }

    /// Mutable references to the header and the items if `self` is the only reference to
    /// them.
    #[inline]
    pub fn get_mut(&mut self) -> Option<(&mut H, &mut [T])> {
        if self.head().count.get() != 1 {
            return None;
        }
        let len = self.len();
        let ptr = self.ptr.as_ptr();
        // SAFETY: no other `RcSlice` points to this block, and every reference derived from
        // `self` borrows it, so the `&mut self` held here excludes them all. The header and
        // the items do not overlap, and each reference is made from the raw pointer,
        // not from a reference to the whole block.
        unsafe {
            Some((
                &mut (*ptr).header,
                std::slice::from_raw_parts_mut(Self::items_ptr(self.ptr).as_ptr(), len),
            ))
        }
    }

    /// Whether `self` and `other` point to the same allocation.
    #[inline]
    pub fn ptr_eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }

    /// The address of the allocation, to identify it (valid while a reference lives).
    #[inline]
    pub fn as_ptr(&self) -> *const () {
        self.ptr.as_ptr().cast_const().cast()
    }

    /// How many `RcSlice`s point to this allocation.
    #[inline]
    pub fn strong_count(&self) -> usize {
        self.head().count.get() as usize
    }

    /// The allocation's count, to add a reference without making an `RcSlice` (see
    /// [`crate::Count`]).
    #[inline(always)]
    pub fn count(&self) -> crate::Count<'_> {
        crate::Count(&self.head().count)
    }

    /// Drops the header, then the items, and frees the block; the caller held the last
    /// reference.
    // Kept out of line so that the inlined `drop` is only a decrement and a test.
    #[inline(never)]
    unsafe fn drop_slow(&mut self) {
        let len = self.len();
        // SAFETY: the layout was computed for this length when the block was made.
        let layout = unsafe { Self::layout(len).unwrap_unchecked() };
        drop(Cleanup::<H, T> {
            ptr: self.ptr,
            layout,
            header: true,
            items: len,
            _types: PhantomData,
        });
    }

    /// Sets the count, so that tests can reach the overflow without 2^32 clones.
    #[cfg(test)]
    pub(crate) fn set_count_for_test(&self, count: u32) {
        self.head().count.set(count);
    }
}

impl<H, T: Copy> RcSlice<H, T> {
    /// A new allocation holding `header` and a copy of `items`, with a count of 1.
    ///
    /// # Panics
    ///
    /// As [`new`](RcSlice::new), if `items` has more than `u32::MAX` items.
    #[inline]
    pub fn copy_from(header: H, items: &[T]) -> Self {
        Self::concat(header, [items])
    }

    /// A new allocation holding `header` and copies of the items of `parts`, one part
    /// after the other, with a count of 1.
    ///
    /// # Panics
    ///
    /// As [`new`](RcSlice::new), if the parts have more than `u32::MAX` items together.
    pub fn concat<'a, I>(header: H, parts: I) -> Self
    where
        I: IntoIterator<Item = &'a [T]>,
        I::IntoIter: Clone,
        T: 'a,
    {
        let parts = parts.into_iter();
        let len = parts
            .clone()
            .try_fold(0usize, |n, p| n.checked_add(p.len()))
            .unwrap_or(usize::MAX);
        let Some((layout, len32)) = Self::checked_layout(len) else {
            panic!(
                "RcSlice::concat: {len} items of {} bytes is too many",
                size_of::<T>()
            );
        };
        let mut building = Self::allocate(layout, len32, header);
        let mut at = Self::items_ptr(building.ptr).as_ptr();
        let mut left = len;
        for p in parts {
            // A second pass over the parts that yields more than the first is cut at
            // `len` items (only a misbehaving iterator does that).
            let n = p.len().min(left);
            // SAFETY: at most `left` items are copied, and `left` counts the slots of
            // the block not written yet, which start at `at`; the parts are borrowed from
            // elsewhere, so they do not overlap the fresh block. `T: Copy`: copying
            // leaves the originals valid and the copies need no drop.
            unsafe {
                ptr::copy_nonoverlapping(p.as_ptr(), at, n);
                at = at.add(n);
            }
            left -= n;
        }
        if left != 0 {
            // A second pass that yields fewer items than the first: the block would hold
            // uninitialized items. Only a misbehaving iterator does that.
            panic!("RcSlice::concat: the parts changed between two passes");
        }
        building.items = len;
        Self::finish(building)
    }
}

impl<H, T> Clone for RcSlice<H, T> {
    /// Another reference to the same allocation; aborts the process if the count would
    /// pass `u32::MAX`.
    #[inline]
    fn clone(&self) -> Self {
        // Wrapping, then testing for 0, is one instruction less than testing for the
        // largest count first; the wrapped count is never used, the process aborts.
        let count = self.head().count.get().wrapping_add(1);
        self.head().count.set(count);
        if count == 0 {
            crate::count_overflow();
        }
        RcSlice {
            ptr: self.ptr,
            _owns: PhantomData,
        }
    }
}

impl<H, T> Drop for RcSlice<H, T> {
    #[inline]
    fn drop(&mut self) {
        let count = self.head().count.get() - 1;
        self.head().count.set(count);
        if count == 0 {
            // SAFETY: the count just reached 0 from this `RcSlice`, so it was the last one.
            unsafe { self.drop_slow() }
        }
    }
}

impl<H: fmt::Debug, T: fmt::Debug> fmt::Debug for RcSlice<H, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RcSlice")
            .field("header", self.header())
            .field("items", &self.items())
            .finish()
    }
}

#[cfg(test)]
mod tests;
