//! `nest eval --eval-profiler flamegraph`: the profile file holds one folded stack per
//! call path that took time, with the functions' definitions and names as frames and
//! builtins as `primop NAME`; it is written for a failed evaluation too, replaced
//! atomically, and a profile that cannot be written is an error. Without the flag no
//! file appears.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

fn nest(dir: &Path, args: &[&str]) -> Output {
    Command::new(NEST)
        .current_dir(dir)
        .arg("eval")
        .args(args)
        .env("NIX_STORE_DIR", "/nix/store")
        .env("NIX_PATH", "")
        .output()
        .expect("run nest")
}

/// The profile's lines as call path → weight; every line must be `FRAMES WEIGHT`.
fn folded(path: &Path) -> BTreeMap<String, u64> {
    let text = std::fs::read_to_string(path).expect("the profile was written");
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let (stack, weight) = line.rsplit_once(' ').expect("a weight after the frames");
        let w: u64 = weight.parse().expect("an integer weight");
        assert!(w > 0, "a line of no time: {line}");
        assert!(
            out.insert(stack.to_string(), w).is_none(),
            "a call path twice: {stack}"
        );
    }
    out
}

const PROGRAM: &str = "let
  leaf = n: builtins.length (builtins.genList (i: i * 2) n);
  twice = n: leaf n + leaf (n + 1);
  outer = { k }: builtins.foldl' (acc: i: acc + twice i) 0 (builtins.genList (i: i + k) 200);
in outer { k = 3; }
";

#[test]
fn the_profile_has_a_folded_stack_per_call_path() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.nix"), PROGRAM).unwrap();
    let o = nest(
        dir.path(),
        &["--strict", "--eval-profiler", "flamegraph", "p.nix"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // The value is the same as without the profiler.
    let plain = nest(dir.path(), &["--strict", "p.nix"]);
    assert_eq!(o.stdout, plain.stdout);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "41200");

    let p = folded(&dir.path().join("nest.profile"));
    let file = dir.path().join("p.nix");
    let file = std::fs::canonicalize(file).unwrap();
    let f = file.display();
    let outer = format!("{f}:4:11:outer");
    let twice = format!("{f}:3:11:twice");
    let leaf = format!("{f}:2:10:leaf");
    // `acc: i: …` called with both arguments at once is one call of its inner function.
    let fold = format!("{f}:4:40:«lambda»");
    // Every path starts at the top, and the calls nest as the program nests them.
    for stack in p.keys() {
        let first = stack.split(';').next().unwrap_or("");
        assert!(
            first == outer || first == "«top»" || first.starts_with("primop "),
            "a path that does not start at the top: {stack}"
        );
    }
    let want_inside = format!("{outer};primop foldl';{fold};{twice};{leaf};primop length");
    assert!(
        p.keys().any(|k| k.starts_with(&want_inside)),
        "no path {want_inside} in:\n{:#?}",
        p.keys().collect::<Vec<_>>()
    );
    // A strict builtin's argument is evaluated before the builtin is entered.
    let gen = format!("{twice};{leaf};primop genList");
    assert!(
        p.keys().any(|k| k.contains(&gen)),
        "no path with {gen} in:\n{:#?}",
        p.keys().collect::<Vec<_>>()
    );
    assert!(p.keys().all(|k| !k.contains(";;")), "an empty frame");
}

#[test]
fn a_failed_evaluation_still_writes_its_profile() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("out").join("fail.folded");
    let o = nest(
        dir.path(),
        &[
            "--eval-profiler",
            "flamegraph",
            "--eval-profile-file",
            profile.to_str().unwrap(),
            "-E",
            "let f = x: if x == 0 then throw \"stop\" else f (x - 1); in f 20",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("stop"), "{err}");
    let p = folded(&profile);
    // The deepest path is the 21 nested calls of `f`, written by the frame.
    let deepest = p.keys().map(|k| k.matches(":f").count()).max().unwrap_or(0);
    assert_eq!(deepest, 21, "{:#?}", p.keys().collect::<Vec<_>>());
    // Nothing is left beside it (the file was written under another name and moved).
    let names: Vec<_> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["fail.folded"]);
}

#[test]
fn without_the_flag_there_is_no_profile_and_a_bad_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let o = nest(dir.path(), &["-E", "1 + 1"]);
    assert!(o.status.success());
    assert!(!dir.path().join("nest.profile").exists());
    let o = nest(dir.path(), &["--eval-profiler", "disabled", "-E", "1 + 1"]);
    assert!(o.status.success());
    assert!(!dir.path().join("nest.profile").exists());

    // A directory where the file should be: the value is printed, then the error.
    std::fs::create_dir(dir.path().join("nest.profile")).unwrap();
    let o = nest(
        dir.path(),
        &["--eval-profiler", "flamegraph", "-E", "1 + 1"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "2\n");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("writing the profile to nest.profile"), "{err}");

    let o = nest(dir.path(), &["--eval-profiler", "perf", "-E", "1"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "an unknown profiler is a usage error"
    );
}
