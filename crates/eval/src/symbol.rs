//! Interned identifiers and attribute names: one leaked `&'static str` per distinct name.
//!
//! Interning lets attribute lookups compare names by pointer first; leaking is deliberate
//! because names live as long as the evaluation (like the C++ evaluator's symbol table).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt;

/// An interned name. Equal names are the same pointer, so equality is a pointer compare;
/// ordering is by the string (Nix sorts attribute names lexicographically by bytes).
#[derive(Clone, Copy)]
pub struct Sym(&'static str);

thread_local! {
    static TABLE: RefCell<HashSet<&'static str>> = RefCell::new(HashSet::new());
}

impl Sym {
    pub fn new(s: &str) -> Sym {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(x) = t.get(s) {
                return Sym(x);
            }
            let leaked: &'static str = Box::leak(s.to_owned().into_boxed_str());
            t.insert(leaked);
            Sym(leaked)
        })
    }
    #[inline]
    pub fn as_str(self) -> &'static str {
        self.0
    }
}

impl PartialEq for Sym {
    #[inline]
    fn eq(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0.as_ptr(), other.0.as_ptr()) && self.0.len() == other.0.len()
    }
}
impl Eq for Sym {}
impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Sym {
    #[inline]
    fn cmp(&self, other: &Sym) -> Ordering {
        if self == other {
            Ordering::Equal
        } else {
            self.0.as_bytes().cmp(other.0.as_bytes())
        }
    }
}
impl std::hash::Hash for Sym {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.0.as_ptr() as usize).hash(h)
    }
}
impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}
