//! `nest eval`'s first allocator arena (crates/sys/src/startup.rs): mapped before
//! `main`, huge pages advised except at the start of each 32 MiB segment, and used by
//! mimalloc. Read from the evaluator's own `/proc/self/smaps`: the advice shows in
//! `VmFlags` (`hg`, `nh`) whatever the machine's transparent huge page setting.

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

#[test]
fn the_first_pages_of_each_segment_are_small_pages_and_in_use() {
    let vmas = smaps_of(&["eval"]);
    let nh = |v: &&Vma| v.flags.iter().any(|f| f == "nh");
    let hg = |v: &&Vma| v.flags.iter().any(|f| f == "hg");
    // The main thread's segment: its first 4 MiB in small pages, and allocated from.
    let first = vmas
        .iter()
        .filter(nh)
        .find(|v| v.size_kb == 4096)
        .expect("a 4 MiB mapping advised MADV_NOHUGEPAGE");
    assert!(first.rss_kb > 0, "mimalloc does not use the arena");
    // Every other segment: 2 MiB of small pages, then 30 MiB of huge ones.
    assert_eq!(
        vmas.iter().filter(nh).filter(|v| v.size_kb == 2048).count(),
        31
    );
    assert_eq!(
        vmas.iter()
            .filter(hg)
            .filter(|v| v.size_kb == 30 * 1024)
            .count(),
        31
    );
    assert_eq!(
        vmas.iter()
            .filter(hg)
            .filter(|v| v.size_kb == 28 * 1024)
            .count(),
        1
    );
}

#[test]
fn nix_instantiate_gets_the_arena_too() {
    let vmas = smaps_of(&["nix-instantiate", "--eval"]);
    assert!(vmas
        .iter()
        .any(|v| v.size_kb == 4096 && v.flags.iter().any(|f| f == "nh")));
}
