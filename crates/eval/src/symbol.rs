//! Interned identifiers and attribute names: one leaked `&'static str` per distinct name.
//!
//! Interning lets attribute lookups compare names by pointer first; leaking is deliberate
//! because names live as long as the evaluation (like the C++ evaluator's symbol table).

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;

/// An interned name. Equal names are the same pointer, so equality is a pointer compare;
/// ordering is by the string (Nix sorts attribute names lexicographically by bytes).
/// A thin pointer, so that an attribute (name, value, position) takes 32 bytes.
#[derive(Clone, Copy)]
pub struct Sym(&'static SymData);

pub struct SymData {
    /// The first 8 bytes, big-endian and zero-padded: comparing these orders most pairs
    /// of names without touching the strings (attribute sets are sorted and searched).
    prefix: u64,
    text: &'static str,
}

thread_local! {
    static TABLE: RefCell<HashMap<&'static str, Sym>> = RefCell::new(HashMap::new());
}

impl Sym {
    pub fn new(s: &str) -> Sym {
        TABLE.with(|t| {
            let mut t = t.borrow_mut();
            if let Some(x) = t.get(s) {
                return *x;
            }
            let text: &'static str = Box::leak(s.to_owned().into_boxed_str());
            let mut head = [0u8; 8];
            let n = text.len().min(8);
            head[..n].copy_from_slice(&text.as_bytes()[..n]);
            let sym = Sym(Box::leak(Box::new(SymData {
                prefix: u64::from_be_bytes(head),
                text,
            })));
            t.insert(text, sym);
            sym
        })
    }
    #[inline]
    pub fn as_str(self) -> &'static str {
        self.0.text
    }
}

impl PartialEq for Sym {
    #[inline]
    fn eq(&self, other: &Sym) -> bool {
        std::ptr::eq(self.0, other.0)
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
            return Ordering::Equal;
        }
        // Zero padding makes "a" and "a\0" share a prefix; the full compare settles ties.
        match self.0.prefix.cmp(&other.0.prefix) {
            Ordering::Equal => self.0.text.as_bytes().cmp(other.0.text.as_bytes()),
            o => o,
        }
    }
}
impl std::hash::Hash for Sym {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.0 as *const SymData as usize).hash(h)
    }
}
impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0.text)
    }
}
impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.text)
    }
}

/// Hashes a `Sym` (one pointer) with a multiply instead of SipHash: symbol maps are hot
/// in lowering (every variable resolution) and their keys are not attacker-chosen
/// pointers in any meaningful sense.
#[derive(Default, Clone, Copy)]
pub struct SymHasher(u64);

impl std::hash::Hasher for SymHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The low bits of a product only depend on the low bits of the pointer, which
        // alignment makes zero; bring the well-mixed high bits down.
        self.0.rotate_left(26)
    }
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 =
                (self.0.rotate_left(5) ^ u64::from(*b)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// A map keyed by symbols, with `SymHasher`.
pub type SymMap<V> = std::collections::HashMap<Sym, V, std::hash::BuildHasherDefault<SymHasher>>;
