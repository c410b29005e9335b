//! The parser's table of the names met in one text: an identifier's bytes in the source
//! map to its interned `Sym` without building a string, hashing a word at a time.
//! Most identifiers repeat, so nearly every lookup ends here instead of in the global
//! symbol table.

use crate::symbol::Sym;

const K: u64 = 0x51_7c_c1_b7_27_22_0a_95;

#[derive(Clone, Copy)]
struct Slot {
    hash: u64,
    /// The name's first 8 bytes, zero-padded: with the length, the whole key of a short
    /// name.
    head: u64,
    len: u32,
    sym: Option<Sym>,
}

const EMPTY: Slot = Slot {
    hash: 0,
    head: 0,
    len: 0,
    sym: None,
};

/// Open addressing with linear probing; at most half full.
pub struct Names {
    slots: Vec<Slot>,
    used: usize,
}

impl Default for Names {
    fn default() -> Self {
        Names {
            // Small: most texts are small modules with a few dozen names.
            slots: vec![EMPTY; 128],
            used: 0,
        }
    }
}

/// Up to 8 bytes of `b` from `i` (only `n` of them when `n < 8`), zero-padded,
/// little-endian.
#[inline]
fn word(b: &[u8], i: usize, n: usize) -> u64 {
    if let Some(w) = b.get(i..i + 8) {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        let w = u64::from_le_bytes(a);
        if n >= 8 {
            w
        } else {
            w & ((1u64 << (n * 8)) - 1)
        }
    } else {
        let mut w = 0u64;
        for (k, &c) in b
            .get(i..)
            .unwrap_or_default()
            .iter()
            .take(n.min(8))
            .enumerate()
        {
            w |= u64::from(c) << (8 * k);
        }
        w
    }
}

thread_local! {
    /// The table of the last text parsed on this thread: symbols are never freed, so
    /// what it maps stays true, and the next text (the next of a thousand module files)
    /// finds its common names here at once instead of zeroing a new table and interning
    /// them again.
    static SPARE: std::cell::Cell<Option<Names>> = const { std::cell::Cell::new(None) };
}

impl Names {
    /// This thread's table (empty if another parse on the thread holds it); give it
    /// back with `give_back`.
    pub fn for_thread() -> Names {
        SPARE.take().unwrap_or_default()
    }

    /// Keeps the table for the next parse on this thread, leaving an empty one (not to
    /// be used) in its place.
    pub fn give_back(&mut self) {
        let slots = std::mem::take(&mut self.slots);
        if !slots.is_empty() {
            SPARE.set(Some(Names {
                slots,
                used: std::mem::take(&mut self.used),
            }));
        }
    }

    /// The symbol for `src[start..end]` (which must lie on character boundaries).
    pub fn get(&mut self, src: &str, start: usize, end: usize) -> Sym {
        let b = src.as_bytes();
        let len = end.saturating_sub(start);
        let head = word(b, start, len);
        let mut h = (head ^ len as u64).wrapping_mul(K);
        let mut i = start + 8;
        while i < end {
            h = (h.rotate_left(5) ^ word(b, i, end - i)).wrapping_mul(K);
            i += 8;
        }
        // The low bits of a product only see the low bits of its input.
        let h = h ^ (h >> 32);
        let mask = self.slots.len() - 1;
        let mut at = h as usize & mask;
        loop {
            let s = self.slots[at];
            match s.sym {
                None => break,
                Some(sym)
                    if s.hash == h
                        && s.head == head
                        && s.len as usize == len
                        && (len <= 8
                            || sym.as_str().as_bytes().get(8..) == b.get(start + 8..end)) =>
                {
                    return sym;
                }
                Some(_) => at = (at + 1) & mask,
            }
        }
        let sym = Sym::new(src.get(start..end).unwrap_or_default());
        self.slots[at] = Slot {
            hash: h,
            head,
            len: len as u32,
            sym: Some(sym),
        };
        self.used += 1;
        if self.used * 2 > self.slots.len() {
            self.grow();
        }
        sym
    }

    fn grow(&mut self) {
        let bigger = vec![EMPTY; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for s in old.into_iter().filter(|s| s.sym.is_some()) {
            let mut at = s.hash as usize & mask;
            while self.slots[at].sym.is_some() {
                at = (at + 1) & mask;
            }
            self.slots[at] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_same_symbol_at_any_offset() {
        let src = "abc abcdefgh abcdefghi abcdefghijklmnopq x abcdefghijklmnopr abc";
        let mut n = Names::default();
        let mut seen = Vec::new();
        let mut at = 0;
        for w in src.split(' ') {
            let s = n.get(src, at, at + w.len());
            assert_eq!(s.as_str(), w);
            assert_eq!(s, Sym::new(w));
            seen.push(s);
            at += w.len() + 1;
        }
        assert_eq!(seen[0], seen[6]);
        assert!(seen[4] != seen[5]);
    }

    #[test]
    fn a_table_given_back_serves_the_next_text() {
        std::thread::spawn(|| {
            let first = "alpha betagammadelta alpha";
            let mut n = Names::for_thread();
            let a = n.get(first, 0, 5);
            let long = n.get(first, 6, 20);
            let used = n.used;
            n.give_back();
            assert!(n.slots.is_empty());
            // Same names at other offsets, a name that shares a long one's first 8
            // bytes, and a new one: found or added in the kept table.
            let second = "x betagammadeltb betagammadelta alpha alphb";
            let mut m = Names::for_thread();
            assert_eq!(m.used, used, "the kept table is handed out again");
            let near = m.get(second, 2, 16);
            assert_eq!(near.as_str(), "betagammadeltb");
            assert_eq!(m.get(second, 17, 31), long);
            assert_eq!(m.get(second, 32, 37), a);
            assert_eq!(m.get(second, 38, 43).as_str(), "alphb");
            assert_eq!(m.used, used + 2);
            // Taken: a second parse on the thread meanwhile gets a table of its own.
            assert_eq!(Names::for_thread().used, 0);
        })
        .join()
        .unwrap();
    }

    #[test]
    fn names_at_the_end_of_the_text_and_growth() {
        let mut src = String::new();
        for i in 0..5000 {
            src.push_str(&format!("n{i} "));
        }
        src.push_str("tail");
        let mut n = Names::default();
        for round in 0..2 {
            let mut at = 0;
            for w in src.split(' ') {
                let s = n.get(&src, at, at + w.len());
                assert_eq!(s.as_str(), w, "round {round}");
                at += w.len() + 1;
            }
        }
        assert_eq!(n.used, 5001);
    }
}
