//! `nest eval`'s first allocator arena (crates/sys/src/startup.rs): mapped before
//! `main`, one GiB advised against transparent huge pages, and used by mimalloc.
//! Read from the evaluator's own `/proc/self/smaps`: the advice shows in `VmFlags`
//! (`hg`, `nh`) whatever the machine's transparent huge page setting.

use std::process::Command;

/// One mapping of `/proc/self/smaps`: size and resident set in KiB, and its flags.
struct Vma {
    size_kb: u64,
    rss_kb: u64,
    flags: Vec<String>,
}

fn smaps_of(args: &[&str]) -> Vec<Vma> {
    let out = Command::new(env!("CARGO_BIN_EXE_nest"))
        .args(args)
        .args(["--json", "-E", "builtins.readFile \"/proc/self/smaps\""])
        .output()
        .expect("run nest");
    assert!(
        out.status.success(),
        "nest failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text: String = serde_json::from_slice(&out.stdout).expect("a JSON string");
    let mut vmas = Vec::new();
    let mut cur: Option<Vma> = None;
    let kb = |line: &str| -> u64 {
        line.split_whitespace()
            .nth(1)
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    };
    for line in text.lines() {
        let first = line.split_whitespace().next().unwrap_or("");
        if first.contains('-') && !first.ends_with(':') {
            if let Some(v) = cur.take() {
                vmas.push(v);
            }
            cur = Some(Vma {
                size_kb: 0,
                rss_kb: 0,
                flags: Vec::new(),
            });
        } else if let Some(v) = cur.as_mut() {
            match first {
                "Size:" => v.size_kb = kb(line),
                "Rss:" => v.rss_kb = kb(line),
                "VmFlags:" => v.flags = line.split_whitespace().skip(1).map(String::from).collect(),
                _ => {}
            }
        }
    }
    vmas.extend(cur);
    vmas
}

const ARENA_KB: u64 = 1 << 20;

#[test]
fn the_arena_is_in_small_pages_and_in_use() {
    let vmas = smaps_of(&["eval"]);
    let nh = |v: &&Vma| v.flags.iter().any(|f| f == "nh");
    let arena = vmas
        .iter()
        .filter(nh)
        .find(|v| v.size_kb == ARENA_KB)
        .expect("a 1 GiB mapping advised MADV_NOHUGEPAGE");
    assert!(arena.rss_kb > 0, "mimalloc does not use the arena");
    // Nothing of it (nor anything else the evaluator maps) asks for huge pages.
    assert!(!vmas.iter().any(|v| v.flags.iter().any(|f| f == "hg")));
}

#[test]
fn nix_instantiate_gets_the_arena_too() {
    let vmas = smaps_of(&["nix-instantiate", "--eval"]);
    assert!(vmas
        .iter()
        .any(|v| v.size_kb == ARENA_KB && v.flags.iter().any(|f| f == "nh")));
}
