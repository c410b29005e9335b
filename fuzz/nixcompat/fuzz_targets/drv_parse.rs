//! Fuzzes the `.drv` ATerm parser: no panic, and print + parse is a fixed point.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nest_nixcompat::{Derivation, StoreDir};

fuzz_target!(|data: &[u8]| {
    let dir = StoreDir::default();
    if let Ok(d) = Derivation::parse(&dir, data, "fuzz") {
        let text = d.to_aterm(&dir);
        let again = Derivation::parse(&dir, text.as_bytes(), "fuzz").expect("printed derivation must parse");
        assert_eq!(again, d);
        let _ = d.drv_path(&dir);
    }
});
