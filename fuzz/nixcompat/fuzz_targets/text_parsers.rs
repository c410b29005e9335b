//! Fuzzes the small text parsers: hashes, store paths, context elements, nixbase32.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nest_nixcompat::{nixbase32, ContextElem, Hash, HashAlgo, StoreDir, StorePath};

fuzz_target!(|data: &[u8]| {
    let dir = StoreDir::default();
    if let Ok(bytes) = nixbase32::decode(data) {
        assert_eq!(nixbase32::encode(&bytes).as_bytes(), data);
    }
    let Ok(s) = std::str::from_utf8(data) else { return };
    for algo in [None, Some(HashAlgo::Sha256), Some(HashAlgo::Md5)] {
        if let Ok(h) = Hash::parse_any(s, algo) {
            assert_eq!(Hash::parse_sri(&h.to_sri()).ok(), Some(h));
        }
    }
    if let Ok(p) = StorePath::from_base_name(s) {
        assert_eq!(p.base_name(), s);
        assert_eq!(StorePath::from_digest(&p.digest(), p.name()).ok(), Some(p));
    }
    if let Ok(e) = ContextElem::parse(&dir, s) {
        assert_eq!(e.encode(&dir), s);
    }
});
