//! Tests of `RcSlice`: layout, counts, unique access, drops exactly once and in order
//! (also when building panics), and a recursive frame type like the evaluator's.

use super::{Head, RcSlice};
use crate::testutil::{assert_aborts, Counted, Drops};
use std::alloc::Layout;
use std::cell::OnceCell;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[test]
fn pointer_is_thin_and_option_uses_the_niche() {
    assert_eq!(size_of::<RcSlice<u8, u8>>(), 8);
    assert_eq!(size_of::<Option<RcSlice<u8, u8>>>(), 8);
    assert_eq!(size_of::<Option<RcSlice<String, u128>>>(), 8);
    assert_eq!(size_of::<Option<RcSlice<(), ()>>>(), 8);
    assert_eq!(size_of::<Option<Env>>(), 8);
    // What it replaces: an `Rc` of a struct ending in a slice is a fat pointer.
    assert_eq!(size_of::<std::rc::Rc<(u64, [u64])>>(), 16);
}

fn items_offset<H, T>(s: &RcSlice<H, T>) -> usize {
    s.items().as_ptr() as usize - s.as_ptr() as usize
}

#[test]
fn layout_is_head_then_items() {
    // Header `Option<_>` of a thin pointer (8 bytes), three `[u64; 2]` items: 8 + 8 + 48.
    let s = RcSlice::<Option<RcSlice<(), ()>>, [u64; 2]>::new(None, 3, |i| [i as u64; 2]);
    assert_eq!(
        RcSlice::<Option<RcSlice<(), ()>>, [u64; 2]>::layout(3).map(|l| l.size()),
        Ok(64)
    );
    assert_eq!(items_offset(&s), 16);
    assert_eq!(s.items(), [[0, 0], [1, 1], [2, 2]]);

    // A header of alignment 1 and items of alignment 16: the items start at 16.
    let s = RcSlice::<u8, u128>::new(0xAB, 2, |i| u128::MAX - i as u128);
    assert_eq!(*s.header(), 0xAB);
    assert_eq!(s.items(), [u128::MAX, u128::MAX - 1]);
    assert_eq!(items_offset(&s), 16);
    assert_eq!(s.items().as_ptr() as usize % 16, 0);
    assert_eq!(s.as_ptr() as usize % 16, 0);
    let l = RcSlice::<u8, u128>::layout(2).expect("small");
    assert_eq!((l.size(), l.align()), (48, 16));

    // The head: two u32s then the header, padded to 4 as `repr(C)` does; the items
    // follow the padded head.
    assert_eq!(Layout::new::<Head<u8>>().size(), 12);
    assert_eq!(RcSlice::<u8, u8>::layout(3).map(|l| l.size()), Ok(16));
    assert_eq!(RcSlice::<u8, u8>::ITEMS_OFFSET, 12);
    assert_eq!(RcSlice::<[u8; 3], u16>::ITEMS_OFFSET, 12);
    assert_eq!(RcSlice::<(), u64>::ITEMS_OFFSET, 8);
    assert_eq!(RcSlice::<u64, u8>::ITEMS_OFFSET, 16);
}

#[test]
fn new_calls_init_in_order_and_keeps_everything() {
    let mut seen = Vec::new();
    let s = RcSlice::new("hdr", 5, |i| {
        seen.push(i);
        i * 10
    });
    assert_eq!(seen, [0, 1, 2, 3, 4]);
    assert_eq!(*s.header(), "hdr");
    assert_eq!(s.items(), [0, 10, 20, 30, 40]);
    assert_eq!(s.len(), 5);
    assert!(!s.is_empty());
    assert_eq!(s.strong_count(), 1);
}

#[test]
fn clone_and_drop_change_the_count() {
    let a = RcSlice::new((), 2, |i| i);
    let b = a.clone();
    assert_eq!(a.strong_count(), 2);
    let c = b.clone();
    assert_eq!(c.strong_count(), 3);
    assert!(a.ptr_eq(&c));
    assert_eq!(a.as_ptr(), c.as_ptr());
    drop(a);
    assert_eq!(b.strong_count(), 2);
    drop(c);
    assert_eq!(b.strong_count(), 1);
    assert_eq!(b.items(), [0, 1]);
    let other = RcSlice::new((), 2, |i| i);
    assert!(!b.ptr_eq(&other));
    assert_ne!(b.as_ptr(), other.as_ptr());
}

#[test]
fn last_reference_drops_header_then_items_once() {
    let drops = Drops::new();
    let a = RcSlice::new(drops.make("h"), 3, |i| drops.make(format!("i{i}")));
    let b = a.clone();
    drop(a);
    assert_eq!(drops.count(), 0);
    assert_eq!(b.header().name, "h");
    assert_eq!(b.items()[2].name, "i2");
    drop(b);
    assert_eq!(drops.log(), ["h", "i0", "i1", "i2"]);
}

#[test]
fn a_panic_in_init_drops_what_was_made() {
    let drops = Drops::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        RcSlice::new(drops.make("h"), 5, |i| {
            if i == 3 {
                panic!("init {i}");
            }
            drops.make(format!("i{i}"))
        })
    }));
    assert!(r.is_err());
    // Each made once, dropped once; Miri reports a leak if the block was not freed.
    assert_eq!(drops.log(), ["h", "i0", "i1", "i2"]);

    let drops = Drops::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        RcSlice::<Counted, Counted>::new(drops.make("h"), 2, |_| panic!("first"))
    }));
    assert!(r.is_err());
    assert_eq!(drops.log(), ["h"]);
}

#[test]
fn a_panicking_header_drop_still_drops_the_items_and_frees() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("header");
        }
    }
    let drops = Drops::new();
    let s = RcSlice::new(Bomb, 2, |i| drops.make(format!("i{i}")));
    let r = catch_unwind(AssertUnwindSafe(move || drop(s)));
    assert!(r.is_err());
    assert_eq!(drops.log(), ["i0", "i1"]);
}

#[test]
fn a_panicking_item_drop_still_drops_the_others_and_frees() {
    struct Item<'a>(usize, &'a Drops);
    impl Drop for Item<'_> {
        fn drop(&mut self) {
            let _ = self.1.make(format!("i{}", self.0));
            if self.0 == 1 {
                panic!("item");
            }
        }
    }
    let drops = Drops::new();
    let s = RcSlice::new(drops.make("h"), 3, |i| Item(i, &drops));
    let r = catch_unwind(AssertUnwindSafe(move || drop(s)));
    assert!(r.is_err());
    assert_eq!(drops.log(), ["h", "i0", "i1", "i2"]);
}

#[test]
fn too_many_items_panics_before_allocating() {
    let drops = Drops::new();
    let r = catch_unwind(AssertUnwindSafe(|| {
        RcSlice::new(drops.make("h"), u32::MAX as usize + 1, |_| ())
    }));
    assert!(r.is_err());
    assert_eq!(drops.log(), ["h"]);

    // No `new` with items of 4 GiB here: its stack frame would hold one. The layout
    // check alone: 2^31 items of 2^32 bytes overflow `isize`.
    assert!(RcSlice::<(), [u8; 1 << 32]>::checked_layout(1 << 31).is_none());
    assert!(RcSlice::<(), u8>::checked_layout(u32::MAX as usize + 1).is_none());
    assert!(RcSlice::<(), ()>::checked_layout(u32::MAX as usize).is_some());
}

#[test]
fn from_vec_moves_the_items() {
    let drops = Drops::new();
    let v: Vec<Counted> = (0..4).map(|i| drops.make(format!("i{i}"))).collect();
    let s = RcSlice::from_vec(drops.make("h"), v);
    assert_eq!(drops.count(), 0);
    let names: Vec<&str> = s.items().iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["i0", "i1", "i2", "i3"]);
    drop(s);
    assert_eq!(drops.log(), ["h", "i0", "i1", "i2", "i3"]);

    // A vector with spare capacity and an empty one.
    let mut v = Vec::with_capacity(10);
    v.push(String::from("a"));
    let s = RcSlice::from_vec(1u8, v);
    assert_eq!(s.items(), ["a"]);
    let s = RcSlice::<(), String>::from_vec((), Vec::new());
    assert!(s.is_empty());
}

#[test]
fn get_mut_only_when_unique() {
    let mut a = RcSlice::new(String::from("h"), 3, |i| i as u32);
    {
        let (h, items) = a.get_mut().expect("unique");
        h.push('!');
        items[1] = 7;
    }
    assert_eq!(a.header(), "h!");
    assert_eq!(a.items(), [0, 7, 2]);
    let b = a.clone();
    assert!(a.get_mut().is_none());
    drop(b);
    assert!(a.get_mut().is_some());
}

#[test]
fn zero_length_slices() {
    let drops = Drops::new();
    let s = RcSlice::<_, Counted>::new(drops.make("h"), 0, |_| unreachable!("no items"));
    assert!(s.is_empty());
    assert_eq!(s.len(), 0);
    assert!(s.items().is_empty());
    let mut t = s.clone();
    drop(s);
    assert!(t.get_mut().is_some_and(|(_, items)| items.is_empty()));
    drop(t);
    assert_eq!(drops.log(), ["h"]);
    // Zero items of an over-aligned type: the pointer is one past the head, aligned.
    let z = RcSlice::<u8, u128>::new(1, 0, |_| 0);
    assert_eq!(z.items().as_ptr() as usize % 16, 0);
    assert_eq!(RcSlice::<u8, u128>::layout(0).map(|l| l.size()), Ok(16));
}

#[test]
fn zero_sized_items_and_header() {
    thread_local! {
        static ZST_DROPS: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
    }
    // Zero-sized, so its drops are counted in a thread-local (tests run on threads).
    struct Zst;
    impl Drop for Zst {
        fn drop(&mut self) {
            ZST_DROPS.with(|d| d.set(d.get() + 1));
        }
    }
    assert_eq!(size_of::<Zst>(), 0);
    let n = if cfg!(miri) { 50 } else { 1000 };
    let s = RcSlice::new((), n, |_| Zst);
    assert_eq!(s.len(), n);
    assert_eq!(RcSlice::<(), Zst>::layout(n).map(|l| l.size()), Ok(8));
    let c = s.clone();
    drop(s);
    assert_eq!(ZST_DROPS.with(|d| d.get()), 0);
    drop(c);
    assert_eq!(ZST_DROPS.with(|d| d.get()), n);

    let s = RcSlice::new((), 3, |_| ());
    assert_eq!(s.items().len(), 3);
}

#[test]
fn debug_shows_header_and_items() {
    let s = RcSlice::new("h", 2, |i| i);
    assert_eq!(
        format!("{s:?}"),
        r#"RcSlice { header: "h", items: [0, 1] }"#
    );
}

#[test]
fn clones_and_drops_in_a_loop() {
    let n = if cfg!(miri) { 200 } else { 1_000_000 };
    let root = RcSlice::new(0u64, 4, |i| i as u64);
    let mut held = Vec::new();
    for i in 0..n {
        let c = root.clone();
        if i % 3 == 0 {
            held.push(c);
        }
        if i % 7 == 0 {
            held.pop();
        }
    }
    assert_eq!(root.strong_count(), 1 + held.len());
    held.clear();
    assert_eq!(root.strong_count(), 1);
    for i in 0..n / 100 {
        let s = RcSlice::new(i, i % 17, |j| root.clone().items()[j % 4] + j as u64);
        assert_eq!(s.len(), i % 17);
    }
    assert_eq!(root.strong_count(), 1);
}

#[test]
fn clone_at_the_largest_count_aborts() {
    let a = RcSlice::new((), 1, |_| 1u8);
    a.set_count_for_test(u32::MAX - 1);
    let b = a.clone();
    assert_eq!(a.strong_count(), u32::MAX as usize);
    drop(b);
    a.set_count_for_test(1);
    let child = assert_aborts("slice::tests::clone_at_the_largest_count_aborts", || {
        let a = RcSlice::new((), 1, |_| 1u8);
        a.set_count_for_test(u32::MAX);
        let b = a.clone();
        // Not reached: the clone aborts.
        std::mem::forget(b);
    });
    assert_eq!(child, !cfg!(miri));
}

// The evaluator's frames: the header is the parent frame, the items are slots filled
// once, and a slot may hold a value that keeps another frame (a closure).
#[derive(Clone)]
struct Env(RcSlice<Option<Env>, OnceCell<Value>>);

#[derive(Clone)]
enum Value {
    Int(i64),
    Closure(Env),
}

impl Env {
    fn new(parent: Option<Env>, n: usize) -> Env {
        Env(RcSlice::new(parent, n, |_| OnceCell::new()))
    }
    /// The value `up` frames out, in slot `i`.
    fn lookup(&self, up: usize, i: usize) -> Option<&Value> {
        let mut env = self;
        for _ in 0..up {
            env = env.0.header().as_ref()?;
        }
        env.0.items().get(i)?.get()
    }
}

#[test]
fn recursive_frames_share_parents_and_slots() {
    let root = Env::new(None, 2);
    let _ = root.0.items()[0].set(Value::Int(1));
    let child = Env::new(Some(root.clone()), 1);
    // A slot filled through a shared frame.
    let _ = child.0.items()[0].set(Value::Closure(root.clone()));
    assert_eq!(root.0.strong_count(), 3);
    assert!(matches!(child.lookup(1, 0), Some(Value::Int(1))));
    assert!(child.lookup(1, 1).is_none());
    assert!(child.lookup(2, 0).is_none());
    let _ = root.0.items()[1].set(Value::Int(2));
    assert!(matches!(child.lookup(1, 1), Some(Value::Int(2))));
    match child.lookup(0, 0) {
        Some(Value::Closure(env)) => assert!(env.0.ptr_eq(&root.0)),
        _ => panic!("slot 0 holds the closure"),
    }
    drop(root);
    assert!(matches!(child.lookup(1, 0), Some(Value::Int(1))));
}

/// Frames that own a counted item each, to see every one freed.
struct Chain(RcSlice<Option<Chain>, Counted>);

/// A long chain of frames, each holding its parent; dropping the last reference to the
/// innermost frame frees them all (recursively: see the type's docs on deep chains).
#[test]
fn a_long_parent_chain_is_freed() {
    let n = if cfg!(miri) { 100 } else { 5_000 };
    let drops = Drops::new();
    let mut chain = Chain(RcSlice::new(None, 1, |_| drops.make("0")));
    for i in 1..n {
        chain = Chain(RcSlice::new(Some(chain), 1, |_| drops.make(i.to_string())));
    }
    let parent = match chain.0.header() {
        Some(p) => Chain(p.0.clone()),
        None => panic!("a parent"),
    };
    drop(chain);
    assert_eq!(drops.log(), [(n - 1).to_string()]);
    drop(parent);
    // Each frame drops its header (the parent) before its items, so the outermost
    // frame's items go first.
    let expected: Vec<String> = std::iter::once(n - 1)
        .chain(0..n - 1)
        .map(|i| i.to_string())
        .collect();
    assert_eq!(drops.log(), expected);

    // With `Env`, as the evaluator builds them.
    let mut env = Env::new(None, 1);
    for i in 0..n {
        let _ = env.0.items()[0].set(Value::Int(i as i64));
        env = Env::new(Some(env), 1);
    }
    assert!(matches!(env.lookup(n, 0), Some(Value::Int(0))));
    assert!(matches!(env.lookup(1, 0), Some(Value::Int(x)) if *x == n as i64 - 1));
    drop(env);
}

#[test]
fn count_add_one_adds_a_reference() {
    let s: RcSlice<(), u8> = RcSlice::new((), 3, |i| i as u8);
    s.count().add_one();
    s.count().add_one();
    assert_eq!(s.strong_count(), 3);
    s.set_count_for_test(1);
    let child = assert_aborts("slice::tests::count_add_one_adds_a_reference", || {
        let s: RcSlice<(), u8> = RcSlice::new((), 1, |_| 0);
        s.set_count_for_test(u32::MAX);
        s.count().add_one();
        s.set_count_for_test(1);
    });
    assert_eq!(child, !cfg!(miri));
}

#[test]
fn try_new_builds_as_new_or_gives_none_when_memory_is_not_there() {
    let s: RcSlice<u8, u64> = RcSlice::try_new(7, 4, |i| i as u64 * 3).expect("small");
    assert_eq!((*s.header(), s.items()), (7, &[0u64, 3, 6, 9][..]));
    if !cfg!(miri) {
        // About 281 TB: a valid layout, more than a 47-bit address space holds, so
        // no overcommit setting can grant it. (Items of 64 KiB: a debug build keeps a
        // few on the test thread's stack.)
        let drops = Drops::new();
        let mut called = false;
        let big: Option<RcSlice<Counted, [u64; 8192]>> =
            RcSlice::try_new(drops.make("header"), u32::MAX as usize, |_| {
                called = true;
                [0; 8192]
            });
        assert!(big.is_none());
        assert!(!called, "no item is made when the block is not there");
        assert_eq!(drops.count(), 1, "the header is dropped");
    }
}
