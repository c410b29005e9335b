//! Fuzz target: any byte string is parsed and evaluated strictly; errors are fine,
//! panics and crashes are bugs, and so is a difference between the two ways a file is
//! lowered (a binding at a time, and whole).
#![no_main]

use libfuzzer_sys::fuzz_target;

const STACK: usize = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    // Large files are lowered a binding at a time when their shape allows; that path
    // must give the IR of the whole-file one (inputs here are small, so it is called
    // directly).
    let t = text.clone();
    let same = nest_eval::with_eval_thread(STACK, move || {
        nest_eval::parse::stream::agrees_with_whole(&t)
    });
    assert!(matches!(same, Ok(true)), "streamed and whole-file lowering differ");
    let r = nest_eval::with_eval_thread(STACK, move || {
        let io = nest_eval::io::MemIo::default();
        let _ = nest_eval::eval_string(Box::new(io), &text, true, STACK);
    });
    assert!(r.is_ok(), "evaluation panicked");
});
