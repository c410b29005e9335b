//! Fuzz target: any byte string is parsed and evaluated strictly; errors are fine,
//! panics and crashes are bugs.
#![no_main]

use libfuzzer_sys::fuzz_target;

const STACK: usize = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let r = nest_eval::with_eval_thread(STACK, move || {
        let io = nest_eval::io::MemIo::default();
        let _ = nest_eval::eval_string(Box::new(io), &text, true, STACK);
    });
    assert!(r.is_ok(), "evaluation panicked");
});
