//! Reference scanning: which candidate store paths a file tree mentions, found by
//! searching its NAR serialisation for their 32-character hash parts (as Nix does).

use nest_nixcompat::{nixbase32, StorePath};
use std::collections::{BTreeSet, HashMap};
use std::io::Write;

const HASH_LEN: usize = 32;

/// A `Write` sink that records which candidates' hash parts appear in what is written,
/// including across write boundaries.
pub struct RefScanner {
    candidates: HashMap<[u8; HASH_LEN], StorePath>,
    found: BTreeSet<StorePath>,
    tail: Vec<u8>,
}

impl RefScanner {
    pub fn new<'a>(candidates: impl IntoIterator<Item = &'a StorePath>) -> RefScanner {
        let mut map = HashMap::new();
        for c in candidates {
            let mut k = [0u8; HASH_LEN];
            let h = c.hash_part().as_bytes();
            if h.len() == HASH_LEN {
                k.copy_from_slice(h);
                map.insert(k, c.clone());
            }
        }
        RefScanner {
            candidates: map,
            found: BTreeSet::new(),
            tail: Vec::new(),
        }
    }

    fn scan(&mut self, buf: &[u8]) {
        let mut i = 0;
        while i + HASH_LEN <= buf.len() {
            // Checking the window from its end lets one bad byte skip the whole
            // window up to it.
            let mut bad = None;
            for j in (0..HASH_LEN).rev() {
                if !nixbase32::is_digit(buf[i + j]) {
                    bad = Some(j);
                    break;
                }
            }
            if let Some(j) = bad {
                i += j + 1;
                continue;
            }
            if let Some(p) = self.candidates.get(&buf[i..i + HASH_LEN]) {
                self.found.insert(p.clone());
            }
            i += 1;
        }
    }

    pub fn finish(self) -> BTreeSet<StorePath> {
        self.found
    }
}

impl Write for RefScanner {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.candidates.is_empty() {
            return Ok(data.len());
        }
        // Windows that start in the previous write's tail end within the first
        // HASH_LEN - 1 bytes of this one: only those are scanned joined, the rest in
        // place (copying every write into one buffer cost a memcpy per NAR chunk).
        let mut joint = std::mem::take(&mut self.tail);
        joint.extend_from_slice(&data[..data.len().min(HASH_LEN - 1)]);
        self.scan(&joint);
        self.scan(data);
        if data.len() >= HASH_LEN - 1 {
            joint.clear();
            joint.extend_from_slice(&data[data.len() - (HASH_LEN - 1)..]);
        } else {
            let drop = joint.len().saturating_sub(HASH_LEN - 1);
            joint.drain(..drop);
        }
        self.tail = joint;
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Scans bytes in one go.
pub fn scan_bytes<'a>(
    data: &[u8],
    candidates: impl IntoIterator<Item = &'a StorePath>,
) -> BTreeSet<StorePath> {
    let mut s = RefScanner::new(candidates);
    let _ = s.write(data);
    s.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sp(s: &str) -> StorePath {
        StorePath::from_base_name(s).expect("valid")
    }

    #[test]
    fn finds_hash_parts_anywhere_and_only_candidates() {
        let a = sp("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-a");
        let b = sp("1ndm6an7kwhf0vaq4wypy7bd2fgz77i6-b");
        let text =
            b"prefix/0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-a/bin and 2222222222222222222222222222222z";
        let found = scan_bytes(text, [&a, &b]);
        assert_eq!(found.into_iter().collect::<Vec<_>>(), vec![a]);
    }

    #[test]
    fn finds_across_write_boundaries() {
        let a = sp("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-a");
        let text = b"xx0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6yy";
        for split in 0..text.len() {
            let mut s = RefScanner::new([&a]);
            s.write_all(&text[..split]).expect("write");
            s.write_all(&text[split..]).expect("write");
            assert_eq!(s.finish().len(), 1, "split at {split}");
        }
    }

    #[test]
    fn finds_a_hash_spread_over_many_short_writes() {
        let a = sp("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-a");
        let text = b"xx0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6yy";
        for chunk in 1..8 {
            let mut s = RefScanner::new([&a]);
            for c in text.chunks(chunk) {
                s.write_all(c).expect("write");
            }
            assert_eq!(s.finish().len(), 1, "chunks of {chunk}");
        }
        // Near misses are not found whatever the split.
        let mut s = RefScanner::new([&a]);
        for c in b"0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy 0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy".chunks(5) {
            s.write_all(c).expect("write");
        }
        assert!(s.finish().is_empty());
    }

    #[test]
    fn a_hash_with_an_invalid_character_is_not_a_reference() {
        let a = sp("0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmy6-a");
        // 'e' is not a nixbase32 digit.
        assert!(scan_bytes(b"0c5bh0sqfy4h3a1xzp0mb0yi0bp4cmye", [&a]).is_empty());
    }
}
