//! Interned identifiers and attribute names: a process-wide, append-only table in which
//! each distinct name has a 4-byte id.
//!
//! A 4-byte name lets an attribute (name, position, value) take 24 bytes, as Nix's
//! `Attr` does with its `Symbol` and `PosIdx`. The table is shared by every thread (tests
//! evaluate on several threads at once), and reading a name takes no lock: entries live
//! in chunks that never move once allocated, each entry published once through a
//! `OnceLock`; only adding a name takes the lock. Names are never freed (like the C++
//! evaluator's symbol table): they live as long as the evaluations that use them.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex, OnceLock, PoisonError};

/// An interned name. Equal names have the same id, so equality is an integer compare;
/// ordering is by the bytes of the names (Nix sorts attribute names that way).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Sym(u32);

struct SymData {
    /// The first 8 bytes, big-endian and zero-padded: comparing these orders most pairs
    /// of names without touching the strings (attribute sets are sorted and searched).
    prefix: u64,
    /// The name as text: the name itself when its bytes are UTF-8 (nearly always),
    /// else a copy with U+FFFD for what is not, and the bytes are in `RAW_BYTES`.
    text: &'static str,
}

/// The id bit of a name whose bytes are not UTF-8 (a Nix string need not be): its
/// bytes are kept in `RAW_BYTES`, so that every other entry stays 24 bytes (a
/// module evaluation or a JSON document interns hundreds of thousands of names).
const RAW: u32 = 1 << 31;

/// The bytes of the names with the `RAW` bit, by id (without the bit).
static RAW_BYTES: LazyLock<Mutex<HashMap<u32, &'static [u8]>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The first chunk holds `1 << FIRST_BITS` names and each next chunk twice as many as the
/// one before, so that chunk `c` starts at id `(1 << (c + FIRST_BITS)) - (1 << FIRST_BITS)`
/// and 28 chunks cover every `u32` id. Small first chunks: a short evaluation interns a
/// few hundred names.
const FIRST_BITS: u32 = 5;
const CHUNKS: usize = 33 - FIRST_BITS as usize;

type Chunk = Box<[OnceLock<SymData>]>;

static TABLE: [OnceLock<Chunk>; CHUNKS] = [const { OnceLock::new() }; CHUNKS];

/// The names already interned and the number of ids handed out; only `Sym::new` uses it.
/// Hashed with foldhash rather than SipHash: names made at run time (`removeAttrs`,
/// `listToAttrs`, `${…}` attribute names) are interned on every use, and SipHash was
/// two thirds of that cost; a hash-flooding defence buys nothing in an evaluator whose
/// input can loop forever anyway.
struct Index {
    ids: HashMap<&'static [u8], Sym, foldhash::fast::FixedState>,
    len: u64,
}

static INDEX: LazyLock<Mutex<Index>> = LazyLock::new(|| {
    Mutex::new(Index {
        ids: HashMap::with_hasher(foldhash::fast::FixedState::default()),
        len: 0,
    })
});

/// Where id `id` lives: (chunk, index in the chunk).
#[inline(always)]
fn locate(id: u32) -> (usize, usize) {
    let i = u64::from(id) + (1 << FIRST_BITS);
    let top = 63 - i.leading_zeros();
    ((top - FIRST_BITS) as usize, (i - (1 << top)) as usize)
}

/// Stands in for an entry that is not there; unreachable, since ids only come from
/// `Sym::new`, which publishes the entry before handing out the id.
static MISSING: SymData = SymData {
    prefix: 0,
    text: "",
};

impl Sym {
    pub fn new(s: &str) -> Sym {
        Sym::from_bytes(s.as_bytes())
    }
    /// The symbol of a name given as bytes (a Nix string, not necessarily UTF-8).
    pub fn from_bytes(s: &[u8]) -> Sym {
        // A panic while the lock was held cannot leave the index half-updated (the
        // entry is published before the id is recorded), so a poisoned lock is usable.
        let mut index = INDEX.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(x) = index.ids.get(s) {
            return *x;
        }
        // Memory runs out long before 2^31 distinct names exist (each is at least a
        // 16-byte leaked string plus its entries); saturating keeps this total anyway.
        let id = u32::try_from(index.len).unwrap_or(RAW - 1).min(RAW - 1);
        let (bytes, text, raw): (&'static [u8], &'static str, bool) = match std::str::from_utf8(s) {
            Ok(t) => {
                let t: &'static str = Box::leak(t.to_owned().into_boxed_str());
                (t.as_bytes(), t, false)
            }
            Err(_) => {
                let b: &'static [u8] = Box::leak(s.to_vec().into_boxed_slice());
                let t = Box::leak(String::from_utf8_lossy(s).into_owned().into_boxed_str());
                RAW_BYTES
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(id, b);
                (b, t, true)
            }
        };
        let mut head = [0u8; 8];
        let n = bytes.len().min(8);
        head[..n].copy_from_slice(&bytes[..n]);
        let (c, i) = locate(id);
        let chunk = TABLE[c].get_or_init(|| {
            (0..1usize << (c as u32 + FIRST_BITS))
                .map(|_| OnceLock::new())
                .collect()
        });
        if let Some(slot) = chunk.get(i) {
            let _ = slot.set(SymData {
                prefix: u64::from_be_bytes(head),
                text,
            });
        }
        let sym = Sym(if raw { id | RAW } else { id });
        index.ids.insert(bytes, sym);
        index.len += 1;
        sym
    }
    #[inline(always)]
    fn data(self) -> &'static SymData {
        let (c, i) = locate(self.0 & !RAW);
        match TABLE.get(c).and_then(|t| t.get()).and_then(|t| t.get(i)) {
            Some(e) => e.get().unwrap_or(&MISSING),
            None => &MISSING,
        }
    }
    /// The name as text (U+FFFD for bytes that are not UTF-8; see `as_bytes`).
    #[inline]
    pub fn as_str(self) -> &'static str {
        self.data().text
    }
    /// The name's bytes, exactly.
    #[inline]
    pub fn as_bytes(self) -> &'static [u8] {
        if self.0 & RAW == 0 {
            self.data().text.as_bytes()
        } else {
            self.raw_bytes()
        }
    }
    #[cold]
    fn raw_bytes(self) -> &'static [u8] {
        let raw = RAW_BYTES.lock().unwrap_or_else(PoisonError::into_inner);
        raw.get(&(self.0 & !RAW)).copied().unwrap_or(b"")
    }
    /// The id: dense from 0 in the order names were first interned.
    #[inline]
    pub fn id(self) -> u32 {
        self.0 & !RAW
    }
}

/// A name with its ordering data fetched once: searching a sorted set compares one name
/// against many, and each fetch from the table is a few loads and checks.
#[derive(Clone, Copy)]
pub struct SymKey {
    sym: Sym,
    prefix: u64,
    bytes: &'static [u8],
}

impl Sym {
    #[inline]
    pub fn key(self) -> SymKey {
        let d = self.data();
        SymKey {
            sym: self,
            prefix: d.prefix,
            bytes: if self.0 & RAW == 0 {
                d.text.as_bytes()
            } else {
                self.raw_bytes()
            },
        }
    }
}

impl SymKey {
    #[inline]
    pub fn sym(&self) -> Sym {
        self.sym
    }
    /// `s.cmp(&self.sym())`, fetching only `s`.
    #[inline]
    pub fn order_of(&self, s: Sym) -> Ordering {
        if s == self.sym {
            return Ordering::Equal;
        }
        s.key().cmp_key(self)
    }
    /// `self.sym().cmp(&other.sym())`, fetching nothing.
    #[inline]
    pub fn cmp_key(&self, other: &SymKey) -> Ordering {
        if self.sym == other.sym {
            return Ordering::Equal;
        }
        // Zero padding makes "a" and "a\0" share a prefix; the full compare settles ties.
        match self.prefix.cmp(&other.prefix) {
            Ordering::Equal => self.bytes.cmp(other.bytes),
            o => o,
        }
    }
}

impl PartialOrd for Sym {
    fn partial_cmp(&self, other: &Sym) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Sym {
    #[inline]
    fn cmp(&self, other: &Sym) -> Ordering {
        if self.0 == other.0 {
            return Ordering::Equal;
        }
        self.key().cmp_key(&other.key())
    }
}
impl std::hash::Hash for Sym {
    #[inline]
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // One word, not `write_u32`: `SymHasher` mixes a whole word per call.
        h.write_usize(self.0 as usize)
    }
}
impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.as_str())
    }
}
impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Hashes a `Sym` (a small integer) with a multiply instead of SipHash: symbol maps are
/// hot in lowering (every variable resolution) and their keys are not attacker-chosen in
/// any meaningful sense. Also used for store paths (`derivation`'s table of known
/// derivations), where SipHash cost 2 % of a chain of derivations' CPU time.
#[derive(Default, Clone, Copy)]
pub struct SymHasher(u64);

impl std::hash::Hasher for SymHasher {
    #[inline]
    fn finish(&self) -> u64 {
        // The low bits of a product only depend on the low bits of the key; bring the
        // well-mixed high bits down.
        self.0.rotate_left(26)
    }
    /// Eight bytes at a time (store paths, for `derivation`'s table of known ones).
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(w));
        }
        for b in chunks.remainder() {
            self.write_u64(u64::from(*b));
        }
    }
    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// A map keyed by symbols, with `SymHasher`.
pub type SymMap<V> = std::collections::HashMap<Sym, V, std::hash::BuildHasherDefault<SymHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_map_to_chunks_without_gaps() {
        assert_eq!(locate(0), (0, 0));
        assert_eq!(locate(31), (0, 31));
        assert_eq!(locate(32), (1, 0));
        assert_eq!(locate(95), (1, 63));
        assert_eq!(locate(96), (2, 0));
        assert_eq!(locate(u32::MAX), (CHUNKS - 1, 31));
    }

    #[test]
    fn equal_names_share_an_id_and_order_is_by_bytes() {
        let a = Sym::new("sym-test-a");
        assert_eq!(a, Sym::new("sym-test-a"));
        assert_eq!(a.as_str(), "sym-test-a");
        // Same 8-byte prefix, decided by the rest; a shorter name first; "a\0" after "a".
        let mut names = vec!["sym-test-b", "sym-test-a", "sym-tes", "sym-tes\0", "", "Z"];
        let mut syms: Vec<Sym> = names.iter().map(|n| Sym::new(n)).collect();
        syms.sort();
        names.sort();
        assert_eq!(syms.iter().map(|s| s.as_str()).collect::<Vec<_>>(), names);
        for x in &syms {
            for y in &syms {
                assert_eq!(x.key().order_of(*y), y.cmp(x), "{x:?} {y:?}");
                assert_eq!(x.key().cmp_key(&y.key()), x.cmp(y), "{x:?} {y:?}");
            }
        }
    }

    #[test]
    fn names_are_bytes_and_their_text_is_lossy() {
        let e = "é".as_bytes();
        let half = Sym::from_bytes(&e[..1]);
        assert_eq!(half.as_bytes(), b"\xc3");
        assert_eq!(half.as_str(), "\u{fffd}");
        // Another name with the same text is another symbol.
        assert_ne!(half, Sym::new("\u{fffd}"));
        assert_eq!(half, Sym::from_bytes(b"\xc3"));
        assert_eq!(Sym::from_bytes(e), Sym::new("é"));
        // Ordered by bytes: 0xa9 < 0xc3 < 0xc3 0xa9.
        let mut v = [Sym::new("é"), half, Sym::from_bytes(&e[1..])];
        v.sort();
        assert_eq!(
            v.iter().map(|s| s.as_bytes()).collect::<Vec<_>>(),
            [&e[1..], &e[..1], e]
        );
    }

    #[test]
    fn threads_intern_into_one_table() {
        let words: Vec<String> = (0..3000).map(|i| format!("sym-thread-{i}")).collect();
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let words = words.clone();
                std::thread::spawn(move || {
                    let mut out: Vec<(String, u32)> = Vec::new();
                    // Each thread interns the same names in a different order.
                    for k in 0..words.len() {
                        let w = &words[(k * (t + 1) * 7) % words.len()];
                        let s = Sym::new(w);
                        assert_eq!(s.as_str(), w);
                        out.push((w.clone(), s.id()));
                    }
                    out
                })
            })
            .collect();
        let mut seen: HashMap<String, u32> = HashMap::new();
        for h in handles {
            for (w, id) in h.join().expect("interning thread") {
                assert_eq!(*seen.entry(w.clone()).or_insert(id), id, "{w}");
            }
        }
        for w in &words {
            assert_eq!(Some(&Sym::new(w).id()), seen.get(w));
        }
    }
}
