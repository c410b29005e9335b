//! Measures what each pointer type asks the allocator for, against `std::rc::Rc` holding
//! the same data, with a global allocator that records the requests of the test's thread.

use nest_rc::{Rc, RcSlice};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Recording;

thread_local! {
    // Const-initialized and without destructors: reading them never allocates, so the
    // allocator can use them.
    static RECORDING: Cell<bool> = const { Cell::new(false) };
    static BYTES: Cell<usize> = const { Cell::new(0) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is passed on to `System` unchanged; the recording only reads and
// writes thread-locals, which neither allocate nor unwind.
unsafe impl GlobalAlloc for Recording {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if RECORDING.get() {
            BYTES.set(BYTES.get() + layout.size());
            COUNT.set(COUNT.get() + 1);
        }
        // SAFETY: the caller's guarantees about `layout` are `System`'s.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOC: Recording = Recording;

/// The bytes and number of allocations `make` asks for on this thread.
fn measure<R>(make: impl FnOnce() -> R) -> (R, usize, usize) {
    BYTES.set(0);
    COUNT.set(0);
    RECORDING.set(true);
    let r = make();
    RECORDING.set(false);
    (r, BYTES.get(), COUNT.get())
}

#[test]
fn rc_of_32_bytes_takes_12_bytes_less_than_std() {
    let (ours, ours_bytes, ours_count) = measure(|| Rc::new([7u8; 32]));
    let (std, std_bytes, std_count) = measure(|| std::rc::Rc::new([7u8; 32]));
    assert_eq!((ours_count, std_count), (1, 1));
    // One 4-byte count; std has two 8-byte ones.
    assert_eq!(ours_bytes, 36);
    assert_eq!(std_bytes, 48);
    assert_eq!(size_of_val(&ours), 8);
    assert_eq!(size_of_val(&std), 8);
    assert_eq!(*ours, *std);
}

/// A frame as std's `Rc` holds one: the parent pointer, then unsized slots.
struct StdFrame<S: ?Sized> {
    _parent: Option<std::rc::Rc<StdFrame<[[u64; 2]]>>>,
    slots: S,
}

struct Frame(RcSlice<Option<Frame>, [u64; 2]>);

#[test]
fn frame_of_3_slots_takes_16_bytes_less_than_std_and_a_thin_pointer() {
    let (ours, ours_bytes, ours_count) =
        measure(|| Frame(RcSlice::new(None, 3, |i| [i as u64; 2])));
    let (std, std_bytes, std_count) = measure(|| {
        let sized = std::rc::Rc::new(StdFrame {
            _parent: None,
            slots: [[0u64; 2], [1; 2], [2; 2]],
        });
        let unsized_: std::rc::Rc<StdFrame<[[u64; 2]]>> = sized;
        unsized_
    });
    assert_eq!((ours_count, std_count), (1, 1));
    // count + len (8), parent (8), 3 slots (48).
    assert_eq!(ours_bytes, 64);
    // strong + weak (16), parent (16: a fat pointer), 3 slots (48).
    assert_eq!(std_bytes, 80);
    assert_eq!(size_of_val(&ours), 8);
    assert_eq!(size_of::<Option<Frame>>(), 8);
    assert_eq!(size_of_val(&std), 16);
    assert_eq!(ours.0.items(), &std.slots);
}
