//! Fuzzes the NAR parser: no panic, and whatever parses re-serialises to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nest_nixcompat::nar;

fuzz_target!(|data: &[u8]| {
    if let Ok(tree) = nar::parse_bytes(data) {
        assert_eq!(tree.to_nar(), data, "NAR is canonical: parse + write must give the input back");
    }
});
