//! Tests of `Rc`: counts, unique access, unwrapping, drops exactly once, layout.

use super::{Rc, RcBox};
use crate::testutil::{assert_aborts, Drops};
use std::alloc::Layout;
use std::borrow::Borrow;
use std::collections::hash_map::DefaultHasher;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

const _: () = assert!(size_of::<Rc<[u8; 32]>>() == 8);
const _: () = assert!(size_of::<Option<Rc<u8>>>() == 8);

#[test]
fn pointer_is_8_bytes_and_option_uses_the_niche() {
    assert_eq!(size_of::<Rc<u8>>(), 8);
    assert_eq!(size_of::<Option<Rc<u8>>>(), 8);
    assert_eq!(size_of::<Rc<[u64; 100]>>(), 8);
    assert_eq!(size_of::<Option<Rc<[u64; 100]>>>(), 8);
    assert_eq!(size_of::<Option<Rc<()>>>(), 8);
    assert_eq!(size_of::<Option<Rc<u128>>>(), 8);
}

/// The allocation is the 4-byte count and the value: the value at the count's end
/// rounded up to its alignment, the whole rounded up to the larger of 4 and `T`'s
/// alignment.
fn expected_block(size: usize, align: usize) -> (usize, usize) {
    let align = align.max(4);
    let offset = 4usize.next_multiple_of(align);
    ((offset + size).next_multiple_of(align), offset)
}

fn check_layout<T>(value: T) {
    let layout = Layout::new::<RcBox<T>>();
    let (size, offset) = expected_block(size_of::<T>(), align_of::<T>());
    assert_eq!(layout.size(), size, "{}", std::any::type_name::<T>());
    assert_eq!(layout.align(), align_of::<T>().max(4));
    let rc = Rc::new(value);
    let base = rc.ptr.as_ptr() as usize;
    assert_eq!(Rc::as_ptr(&rc) as usize - base, offset);
    assert_eq!(Rc::as_ptr(&rc) as usize % align_of::<T>(), 0);
}

#[test]
fn allocation_is_one_count_and_the_value() {
    assert_eq!(Layout::new::<RcBox<[u8; 32]>>().size(), 36);
    assert_eq!(Layout::new::<RcBox<u64>>().size(), 16);
    assert_eq!(Layout::new::<RcBox<u8>>().size(), 8);
    assert_eq!(Layout::new::<RcBox<()>>().size(), 4);
    assert_eq!(Layout::new::<RcBox<u128>>().size(), 32);
    // std's: two 8-byte counts.
    assert_eq!(
        Layout::new::<RcBox<[u8; 32]>>().size() + 12,
        8 + 8 + size_of::<[u8; 32]>()
    );
    check_layout([7u8; 32]);
    check_layout(5u8);
    check_layout(());
    check_layout(9u64);
    check_layout(1u128 << 100);
    check_layout([1u16; 3]);
    check_layout(String::from("x"));
}

#[test]
fn unwind_safe_as_std_rc_is() {
    fn unwind_safe<T: std::panic::UnwindSafe + std::panic::RefUnwindSafe>() {}
    unwind_safe::<Rc<u8>>();
    unwind_safe::<std::rc::Rc<u8>>();
    unwind_safe::<crate::RcSlice<u8, String>>();
}

#[test]
fn clone_and_drop_change_the_count() {
    let a = Rc::new(5);
    assert_eq!(Rc::strong_count(&a), 1);
    let b = a.clone();
    assert_eq!(Rc::strong_count(&a), 2);
    assert_eq!(Rc::strong_count(&b), 2);
    let c = Rc::clone(&b);
    assert_eq!(Rc::strong_count(&a), 3);
    drop(b);
    assert_eq!(Rc::strong_count(&a), 2);
    drop(c);
    assert_eq!(Rc::strong_count(&a), 1);
    assert_eq!(*a, 5);
}

#[test]
fn value_is_dropped_once_when_the_last_reference_goes() {
    let drops = Drops::new();
    let a = Rc::new(drops.make("v"));
    let b = a.clone();
    let c = a.clone();
    drop(a);
    drop(c);
    assert_eq!(drops.count(), 0);
    assert_eq!(b.name, "v");
    drop(b);
    assert_eq!(drops.count(), 1);
    assert_eq!(drops.log(), ["v"]);
}

#[test]
fn deref_as_ref_and_borrow_reach_the_value() {
    let a = Rc::new(String::from("abc"));
    assert_eq!(a.len(), 3);
    let r: &String = a.as_ref();
    assert_eq!(r, "abc");
    let b: &String = a.borrow();
    assert!(std::ptr::eq(b, Rc::as_ptr(&a)));
    // Borrow lets maps keyed by `Rc<K>` be searched with a `&K`.
    let mut map = HashMap::new();
    map.insert(Rc::new(String::from("k")), 1);
    assert_eq!(map.get(&String::from("k")), Some(&1));
}

#[test]
fn get_mut_only_when_unique() {
    let mut a = Rc::new(1);
    *Rc::get_mut(&mut a).expect("unique") += 1;
    assert_eq!(*a, 2);
    let b = a.clone();
    assert!(Rc::get_mut(&mut a).is_none());
    drop(b);
    *Rc::get_mut(&mut a).expect("unique again") += 1;
    assert_eq!(*a, 3);
}

#[test]
fn make_mut_writes_in_place_when_unique() {
    let drops = Drops::new();
    let mut a = Rc::new(drops.make("v"));
    let before = Rc::as_ptr(&a);
    Rc::make_mut(&mut a).name.push('!');
    assert_eq!(Rc::as_ptr(&a), before);
    assert_eq!(a.name, "v!");
    assert_eq!(drops.count(), 0);
}

#[test]
fn make_mut_copies_a_shared_value() {
    let drops = Drops::new();
    let mut a = Rc::new(drops.make("v"));
    let b = a.clone();
    Rc::make_mut(&mut a).name.push('!');
    assert!(!Rc::ptr_eq(&a, &b));
    assert_eq!(a.name, "v'!");
    assert_eq!(b.name, "v");
    assert_eq!(Rc::strong_count(&a), 1);
    assert_eq!(Rc::strong_count(&b), 1);
    assert_eq!(drops.count(), 0);
    drop(a);
    drop(b);
    assert_eq!(drops.log(), ["v'!", "v"]);
}

#[test]
fn try_unwrap_takes_a_unique_value_and_returns_a_shared_one() {
    let drops = Drops::new();
    let a = Rc::new(drops.make("v"));
    let b = a.clone();
    let a = Rc::try_unwrap(a).expect_err("shared");
    assert_eq!(Rc::strong_count(&a), 2);
    drop(b);
    let v = Rc::try_unwrap(a).expect("unique");
    assert_eq!(drops.count(), 0);
    assert_eq!(v.name, "v");
    drop(v);
    assert_eq!(drops.count(), 1);
}

#[test]
fn into_inner_gives_the_value_to_the_last_reference_only() {
    let drops = Drops::new();
    let a = Rc::new(drops.make("v"));
    let b = a.clone();
    assert!(Rc::into_inner(a).is_none());
    assert_eq!(Rc::strong_count(&b), 1);
    let v = Rc::into_inner(b).expect("last reference");
    assert_eq!(drops.count(), 0);
    drop(v);
    assert_eq!(drops.count(), 1);
}

#[test]
fn unwrap_or_clone_clones_only_a_shared_value() {
    let drops = Drops::new();
    let a = Rc::new(drops.make("v"));
    let b = a.clone();
    let copy = Rc::unwrap_or_clone(a);
    assert_eq!(copy.name, "v'");
    assert_eq!(Rc::strong_count(&b), 1);
    let own = Rc::unwrap_or_clone(b);
    assert_eq!(own.name, "v");
    assert_eq!(drops.count(), 0);
}

#[test]
fn ptr_eq_and_as_ptr_identify_the_allocation() {
    let a = Rc::new(1);
    let b = a.clone();
    let c = Rc::new(1);
    assert!(Rc::ptr_eq(&a, &b));
    assert!(!Rc::ptr_eq(&a, &c));
    assert_eq!(Rc::as_ptr(&a), Rc::as_ptr(&b));
    assert!(std::ptr::eq(&*a, Rc::as_ptr(&a)));
    assert_eq!(format!("{a:p}"), format!("{:p}", Rc::as_ptr(&a)));
}

#[test]
fn traits_delegate_to_the_value() {
    let a: Rc<Vec<u8>> = Rc::default();
    assert!(a.is_empty());
    let b: Rc<i32> = Rc::from(3);
    assert_eq!(format!("{b:?}"), "3");
    assert_eq!(format!("{b}"), "3");
    assert_eq!(format!("{:?}", Rc::new("s")), "\"s\"");
    assert_eq!(Rc::new(2), Rc::new(2));
    assert_ne!(Rc::new(2), Rc::new(3));
    assert!(Rc::new(2) < Rc::new(3));
    assert_eq!(Rc::new(2).cmp(&Rc::new(1)), std::cmp::Ordering::Greater);
    // PartialEq is the value's, even against itself.
    let nan = Rc::new(f64::NAN);
    assert!(nan != nan.clone());
    assert_eq!(nan.partial_cmp(&nan), None);
    let hash = |h: &dyn Fn(&mut DefaultHasher)| {
        let mut s = DefaultHasher::new();
        h(&mut s);
        s.finish()
    };
    assert_eq!(
        hash(&|s| Rc::new(String::from("h")).hash(s)),
        hash(&|s| String::from("h").hash(s))
    );
}

#[test]
fn zero_sized_and_overaligned_values() {
    let drops = Drops::new();
    struct Zst<'a>(&'a Drops);
    impl Drop for Zst<'_> {
        fn drop(&mut self) {
            let _ = self.0.make("zst");
        }
    }
    let a = Rc::new(Zst(&drops));
    let b = a.clone();
    drop(a);
    assert_eq!(drops.count(), 0);
    drop(b);
    assert_eq!(drops.log(), ["zst"]);

    let big = Rc::new(u128::MAX - 1);
    let c = big.clone();
    assert_eq!(*c, u128::MAX - 1);
    assert_eq!(Rc::as_ptr(&big) as usize % align_of::<u128>(), 0);
}

#[test]
fn nested_rcs_drop_inner_values() {
    let drops = Drops::new();
    let inner = Rc::new(drops.make("inner"));
    let outer = Rc::new((drops.make("outer"), inner.clone()));
    drop(inner);
    assert_eq!(drops.count(), 0);
    drop(outer);
    assert_eq!(drops.log(), ["outer", "inner"]);
}

#[test]
fn a_panicking_drop_still_frees_the_allocation() {
    struct Bomb;
    impl Drop for Bomb {
        fn drop(&mut self) {
            panic!("bomb");
        }
    }
    let a = Rc::new(Bomb);
    let b = a.clone();
    drop(a);
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || drop(b)));
    // Miri reports a leak if the allocation was not freed.
    assert!(r.is_err());
}

#[test]
fn clones_and_drops_in_a_loop() {
    let n = if cfg!(miri) { 200 } else { 1_000_000 };
    let drops = Drops::new();
    let root = Rc::new(drops.make("v"));
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
    assert_eq!(Rc::strong_count(&root), 1 + held.len());
    held.clear();
    assert_eq!(Rc::strong_count(&root), 1);
    assert_eq!(drops.count(), 0);
    drop(root);
    assert_eq!(drops.count(), 1);
}

#[test]
fn a_chain_of_rcs_is_freed_link_by_link() {
    struct Node(u32, Rc<()>, Option<Rc<Node>>);
    let n = if cfg!(miri) { 100 } else { 5_000 };
    let unit = Rc::new(());
    let mut list = None;
    for i in 0..n {
        list = Some(Rc::new(Node(i, unit.clone(), list)));
    }
    let head = list.expect("n > 0");
    let second = head.2.clone().expect("n > 1");
    assert_eq!(Rc::strong_count(&second), 2);
    assert_eq!(second.0, n - 2);
    assert!(Rc::ptr_eq(&second.1, &unit));
    assert_eq!(Rc::strong_count(&unit), n as usize + 1);
    drop(head);
    assert_eq!(Rc::strong_count(&unit), n as usize);
    drop(second);
    assert_eq!(Rc::strong_count(&unit), 1);
}

#[test]
fn clone_at_the_largest_count_aborts() {
    let a = Rc::new(1u8);
    // One below the largest count, a clone still works.
    Rc::set_count_for_test(&a, u32::MAX - 1);
    let b = a.clone();
    assert_eq!(Rc::strong_count(&a), u32::MAX as usize);
    drop(b);
    Rc::set_count_for_test(&a, 1);
    let child = assert_aborts("rc::tests::clone_at_the_largest_count_aborts", || {
        let a = Rc::new(1u8);
        Rc::set_count_for_test(&a, u32::MAX);
        let b = a.clone();
        // Not reached: the clone aborts.
        std::mem::forget(b);
    });
    assert_eq!(child, !cfg!(miri));
}

#[test]
fn count_add_one_is_a_clone_forgotten() {
    let a = Rc::new(String::from("x"));
    Rc::count(&a).add_one();
    assert_eq!(Rc::strong_count(&a), 2);
    // The reference added is owned by a copy of the pointer made from the raw parts, as
    // `Value`'s clone makes one; dropping both frees the value once.
    let b = Rc::clone(&a);
    drop(b);
    assert_eq!(Rc::strong_count(&a), 2);
    Rc::set_count_for_test(&a, 1);
    let child = assert_aborts("rc::tests::count_add_one_is_a_clone_forgotten", || {
        let a = Rc::new(1u8);
        Rc::set_count_for_test(&a, u32::MAX);
        Rc::count(&a).add_one();
        // Not reached: the count would overflow.
        Rc::set_count_for_test(&a, 1);
    });
    assert_eq!(child, !cfg!(miri));
}
