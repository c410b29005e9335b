//! Tests of `Slot`: states, refused changes, and that every value is dropped once.

use super::*;
use std::cell::Cell;
use std::rc::Rc as StdRc;

/// Counts its drops, to check that every value is dropped exactly once.
struct Noisy(StdRc<Cell<u32>>, u32);

impl Drop for Noisy {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

type S = Slot<Noisy, Noisy, Noisy, Option<Noisy>>;

fn noisy(c: &StdRc<Cell<u32>>, n: u32) -> Noisy {
    Noisy(c.clone(), n)
}

#[test]
fn a_ready_slot_lends_its_value_and_refuses_every_change() {
    let drops = StdRc::new(Cell::new(0));
    let s: S = Slot::ready(noisy(&drops, 1));
    let v = s.get().map(|n| n.1);
    assert_eq!(v, Some(1));
    assert_eq!(s.kind(), Kind::Ready);
    assert!(matches!(s.start(Some(noisy(&drops, 9))), Started::Ready(n) if n.1 == 1));
    assert!(s.finish(noisy(&drops, 2)).is_err());
    assert!(s.restore_p(noisy(&drops, 3)).is_err());
    assert!(s.restore_q(noisy(&drops, 4)).is_err());
    assert!(s.swap_busy(None).is_err());
    // Each refused value came back to the caller and was dropped there.
    assert_eq!(drops.get(), 4);
    assert_eq!(s.get().map(|n| n.1), Some(1));
    drop(s);
    assert_eq!(drops.get(), 5);
}

#[test]
fn work_goes_out_busy_and_comes_back_ready_or_pending() {
    let drops = StdRc::new(Cell::new(0));
    let s: S = Slot::p(noisy(&drops, 10));
    assert!(s.get().is_none());
    assert_eq!(s.kind(), Kind::P);
    let Started::P(p) = s.start(None) else {
        panic!("expected the P work")
    };
    assert_eq!(p.1, 10);
    assert_eq!(s.kind(), Kind::Busy);
    assert!(matches!(s.start(None), Started::Busy));
    // Busy with a waiter, then the work fails and goes back.
    assert!(matches!(s.swap_busy(Some(noisy(&drops, 11))), Ok(None)));
    let back = s.restore_p(p);
    assert!(matches!(&back, Ok(Some(w)) if w.1 == 11));
    drop(back);
    assert_eq!(drops.get(), 1);
    assert_eq!(s.kind(), Kind::P);
    // Second try succeeds.
    let Started::P(p) = s.start(None) else {
        panic!("expected the P work again")
    };
    assert_eq!(drops.get(), 1);
    drop(p);
    assert!(matches!(s.finish(noisy(&drops, 12)), Ok(None)));
    assert_eq!(s.get().map(|n| n.1), Some(12));
    drop(s);
    assert_eq!(drops.get(), 3);
}

#[test]
fn the_second_kind_of_work_is_kept_apart() {
    let drops = StdRc::new(Cell::new(0));
    let s: S = Slot::q(noisy(&drops, 20));
    assert_eq!(s.kind(), Kind::Q);
    let Started::Q(q) = s.start(None) else {
        panic!("expected the Q work")
    };
    assert!(s.restore_q(q).is_ok());
    assert_eq!(s.kind(), Kind::Q);
    drop(s);
    assert_eq!(drops.get(), 1);
}

#[test]
fn a_slot_made_busy_waits_for_its_value_and_then_keeps_it() {
    let drops = StdRc::new(Cell::new(0));
    let s: S = Slot::busy(Some(noisy(&drops, 30)));
    assert_eq!(s.kind(), Kind::Busy);
    assert!(s.get().is_none());
    assert!(matches!(s.start(None), Started::Busy));
    // `finish` hands back what it was busy with, and the value stays.
    let was = s.finish(noisy(&drops, 31));
    assert!(matches!(&was, Ok(Some(w)) if w.1 == 30));
    drop(was);
    assert_eq!(
        drops.get(),
        1,
        "what it was busy with, given back and dropped"
    );
    assert_eq!(s.get().map(|n| n.1), Some(31));
    assert!(s.finish(noisy(&drops, 32)).is_err());
    assert_eq!(s.get().map(|n| n.1), Some(31));
    drop(s);
    assert_eq!(drops.get(), 3);
}

#[test]
fn a_busy_slot_dropped_drops_what_it_is_busy_with() {
    let drops = StdRc::new(Cell::new(0));
    let s: S = Slot::p(noisy(&drops, 1));
    let Started::P(p) = s.start(Some(noisy(&drops, 2))) else {
        panic!("expected the P work")
    };
    drop(p);
    drop(s);
    assert_eq!(drops.get(), 2);
}

#[test]
fn pointer_sized_work_fits_beside_a_value_with_spare_tags() {
    #[allow(dead_code)]
    enum Value {
        A(u8),
        B(i64),
        C(Box<u8>),
        D(StdRc<u8>),
    }
    assert_eq!(size_of::<Value>(), 16);
    assert_eq!(
        size_of::<Slot<Value, Box<u8>, StdRc<u8>, Option<Box<u8>>>>(),
        16
    );
}
