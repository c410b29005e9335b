//! `Slot<V, P, Q, B>`: a cell that is either ready, holding a `V` for good, or not yet:
//! holding one of two kinds of pending work (`P`, `Q`), or busy (`B`) while that work
//! runs. It is `OnceCell` with states before the value: like `OnceCell`, it hands out
//! `&V` through a shared reference, and it can do so because a ready slot never changes
//! again (only dropping it, or `&mut` access, ends the value).
//!
//! The evaluator keeps a set literal's attribute in one: its frame while not evaluated
//! (`P`), or the shared record of a `mapAttrs` result (`Q`), the value once evaluated
//! (`V`), and while it is being evaluated, the thunk handed out meanwhile, if any (`B`).
//! With pointer-sized `P`, `Q` and `B` the slot takes no more room than `V` when `V` has
//! spare tag values (a 16-byte `Value` gives a 16-byte slot).

use std::cell::UnsafeCell;
use std::fmt;
use std::ptr;

enum State<V, P, Q, B> {
    Ready(V),
    P(P),
    Q(Q),
    Busy(B),
}

/// Which state a [`Slot`] is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Holds its value for good.
    Ready,
    /// Holds pending work of the first kind.
    P,
    /// Holds pending work of the second kind.
    Q,
    /// Its work was taken out by [`Slot::start`] and has not ended.
    Busy,
}

/// What [`Slot::start`] found.
pub enum Started<'a, V, P, Q> {
    /// The slot was ready.
    Ready(&'a V),
    /// The slot held this work; it is busy now.
    P(P),
    /// The slot held this work; it is busy now.
    Q(Q),
    /// The slot was already busy.
    Busy,
}

/// A cell that becomes ready once and then stays so; see the [module](self) docs.
///
/// ```
/// use nest_rc::{Slot, Started};
///
/// let s: Slot<String, u32, (), ()> = Slot::p(7);
/// assert!(s.get().is_none());
/// let Started::P(n) = s.start(()) else { unreachable!() };
/// assert!(matches!(s.start(()), Started::Busy));
/// assert!(s.finish(format!("{n}")).is_ok());
/// let v: &String = s.get().unwrap();
/// assert_eq!(v, "7");
/// // A ready slot refuses every change, so `v` stays valid.
/// assert!(s.finish("8".to_owned()).is_err());
/// assert!(s.restore_p(1).is_err());
/// assert_eq!(v, "7");
/// ```
pub struct Slot<V, P, Q, B>(UnsafeCell<State<V, P, Q, B>>);

impl<V, P, Q, B> Slot<V, P, Q, B> {
    /// A slot holding `v` for good.
    #[inline]
    pub const fn ready(v: V) -> Self {
        Slot(UnsafeCell::new(State::Ready(v)))
    }

    /// A slot holding work `p`.
    #[inline]
    pub const fn p(p: P) -> Self {
        Slot(UnsafeCell::new(State::P(p)))
    }

    /// A slot holding work `q`.
    #[inline]
    pub const fn q(q: Q) -> Self {
        Slot(UnsafeCell::new(State::Q(q)))
    }

    /// A slot busy with `b` from the start: no work to take out, it waits for
    /// [`Slot::finish`] (a value computed later, once).
    #[inline]
    pub const fn busy(b: B) -> Self {
        Slot(UnsafeCell::new(State::Busy(b)))
    }

    #[inline(always)]
    fn state(&self) -> &State<V, P, Q, B> {
        // SAFETY: the only writes to the state are the `replace`s below, each made with
        // no reference into the state alive: they happen only in a state that is not
        // `Ready` (so no `&V` handed out by `get` points into it, as only a `Ready`
        // state hands one out and a `Ready` state is never replaced), and the
        // references `state` makes inside this module end before any `replace`. The
        // type is not `Sync`, so no other thread is writing.
        unsafe { &*self.0.get() }
    }

    /// Replaces a state that is not `Ready` (the caller checked) and returns the old
    /// one, to be dropped by the caller after this returns.
    #[inline(always)]
    fn replace_unready(&self, new: State<V, P, Q, B>) -> State<V, P, Q, B> {
        debug_assert!(!matches!(self.state(), State::Ready(_)));
        // SAFETY: the state is not `Ready`, so no `&V` points into it, and no other
        // reference into it is alive (see `state`); the old state is moved out, not
        // dropped here, so no user code runs while the cell is being written.
        unsafe { ptr::replace(self.0.get(), new) }
    }

    /// The value, if the slot is ready.
    #[inline(always)]
    pub fn get(&self) -> Option<&V> {
        match self.state() {
            State::Ready(v) => Some(v),
            _ => None,
        }
    }

    /// The slot's state.
    #[inline]
    pub fn kind(&self) -> Kind {
        match self.state() {
            State::Ready(_) => Kind::Ready,
            State::P(_) => Kind::P,
            State::Q(_) => Kind::Q,
            State::Busy(_) => Kind::Busy,
        }
    }

    /// Takes pending work out, leaving the slot busy with `busy`; a ready slot gives its
    /// value and a busy one stays as it is (`busy` is dropped in both cases).
    #[inline]
    pub fn start(&self, busy: B) -> Started<'_, V, P, Q> {
        match self.state() {
            State::Ready(v) => return Started::Ready(v),
            State::Busy(_) => return Started::Busy,
            State::P(_) | State::Q(_) => {}
        }
        match self.replace_unready(State::Busy(busy)) {
            State::P(p) => Started::P(p),
            State::Q(q) => Started::Q(q),
            State::Ready(_) | State::Busy(_) => unreachable_state(),
        }
    }

    /// Replaces a busy slot's state with `wrap(x)` and returns what it was busy with;
    /// any other slot is left as it is and `x` is handed back.
    #[inline]
    fn leave_busy<T>(&self, x: T, wrap: impl FnOnce(T) -> State<V, P, Q, B>) -> Result<B, T> {
        if !matches!(self.state(), State::Busy(_)) {
            return Err(x);
        }
        match self.replace_unready(wrap(x)) {
            State::Busy(b) => Ok(b),
            _ => unreachable_state(),
        }
    }

    /// Makes a busy slot ready with `v` and returns what it was busy with; any other slot
    /// is left as it is and `v` is handed back.
    #[inline]
    pub fn finish(&self, v: V) -> Result<B, V> {
        self.leave_busy(v, State::Ready)
    }

    /// Puts work `p` back into a busy slot and returns what it was busy with; any other
    /// slot is left as it is and `p` is handed back.
    #[inline]
    pub fn restore_p(&self, p: P) -> Result<B, P> {
        self.leave_busy(p, State::P)
    }

    /// Puts work `q` back into a busy slot and returns what it was busy with; any other
    /// slot is left as it is and `q` is handed back.
    #[inline]
    pub fn restore_q(&self, q: Q) -> Result<B, Q> {
        self.leave_busy(q, State::Q)
    }

    /// Swaps what a busy slot is busy with; any other slot is left as it is and `b` is
    /// handed back.
    #[inline]
    pub fn swap_busy(&self, b: B) -> Result<B, B> {
        self.leave_busy(b, State::Busy)
    }
}

/// The arm that cannot be reached: after a checked `replace_unready`, the old state is
/// the one checked just before (nothing ran in between).
#[cold]
fn unreachable_state<T>() -> T {
    unreachable!("nest_rc::Slot: the state changed between its check and its replacement")
}

impl<V: fmt::Debug, P, Q, B> fmt::Debug for Slot<V, P, Q, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.get() {
            Some(v) => f.debug_tuple("Slot::Ready").field(v).finish(),
            None => write!(f, "Slot::{:?}", self.kind()),
        }
    }
}

#[cfg(test)]
mod tests;
