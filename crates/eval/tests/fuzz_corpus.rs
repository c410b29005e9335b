//! Feeds the fuzz seed corpus and every language-suite case through parse+eval and
//! requires that nothing panics (errors are fine). Runs in the normal test suite, so the
//! corpus stays crash-free even where cargo-fuzz is not installed.

use std::path::{Path, PathBuf};

/// The fuzz target's stack (fuzz/fuzz_targets/parse_eval.rs); the CLI gives evaluation 1 GiB.
const STACK: usize = 64 << 20;

fn inputs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    for dir in [
        "fuzz/corpus/parse_eval",
        "tests/lang",
        "tests/lang/notyetpassing",
    ] {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_file() {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if dir.starts_with("fuzz") || name.ends_with(".nix") {
                    out.push(p);
                }
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus_never_panics() {
    let files = inputs();
    assert!(!files.is_empty(), "no fuzz corpus found");
    let mut panicked = Vec::new();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        if std::env::var_os("NEST_FUZZ_VERBOSE").is_some() {
            eprintln!("input: {}", f.display());
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let r = nest_eval::with_eval_thread(STACK, move || {
            let io = nest_eval::io::MemIo::default();
            let _ = nest_eval::eval_string(Box::new(io), &text, true, STACK);
        });
        if r.is_err() {
            panicked.push(f.display().to_string());
        }
    }
    assert!(panicked.is_empty(), "evaluation panicked on: {panicked:#?}");
}

/// The fuzz target's second check on the same inputs: a file lowered a binding at a
/// time gives the IR of the whole-file path (most inputs do not stream; those that do
/// must agree).
#[test]
fn corpus_lowers_the_same_streamed_and_whole() {
    let files = inputs();
    let mut differ = Vec::new();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let r = nest_eval::with_eval_thread(STACK, move || {
            nest_eval::parse::stream::agrees_with_whole(&text)
        });
        if !matches!(r, Ok(true)) {
            differ.push(f.display().to_string());
        }
    }
    assert!(
        differ.is_empty(),
        "streamed and whole differ on: {differ:#?}"
    );
}
