//! Tidy: conventions that hold without reviewers. Runs with the normal test suite.
//!
//! - the crate dependency direction of `shared/DESIGN.md` (what each crate must not know);
//! - every Rust source file starts with a `//!` line saying what it owns;
//! - no ignore or should_panic test attributes anywhere (tests that cannot fail are not tests);
//! - `unsafe` only in `crates/sys` and `crates/rc` (every other crate says
//!   `#![forbid(unsafe_code)]`), but for the evaluator's five listed functions in
//!   `value.rs` (`#![deny(unsafe_code)]` and an `#[allow(unsafe_code)]` on each of
//!   those, nowhere else);
//! - no `println!`/`print!` in library code: output goes through the CLI's output object.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("repo root")
}

/// For each crate (by package name), the nest crates it must not depend on, and why.
const FORBIDDEN: &[(&str, &[&str], &str)] = &[
    (
        "nest-rc",
        &[
            "nest-eval",
            "nest-nixcompat",
            "nest-sys",
            "nest-store",
            "nest-container",
            "nest-init",
            "nest-supervisor",
            "nest-build",
            "nest-glue",
        ],
        "the pointer types are a leaf: their unsafe code must be checkable alone (Miri)",
    ),
    (
        "nest-eval",
        &[
            "nest-store",
            "nest-container",
            "nest-sys",
            "nest-init",
            "nest-supervisor",
            "nest-build",
            "nest-glue",
        ],
        "the evaluator does IO only through its injected trait",
    ),
    (
        "nest-nixcompat",
        &[
            "nest-eval",
            "nest-store",
            "nest-container",
            "nest-sys",
            "nest-init",
            "nest-supervisor",
            "nest-build",
            "nest-glue",
        ],
        "formats are pure code at the bottom of the graph",
    ),
    (
        "nest-store",
        &[
            "nest-eval",
            "nest-container",
            "nest-init",
            "nest-supervisor",
            "nest-glue",
        ],
        "the store knows formats, not the language or containers",
    ),
    (
        "nest-sys",
        &[
            "nest-eval",
            "nest-nixcompat",
            "nest-store",
            "nest-container",
            "nest-init",
            "nest-supervisor",
            "nest-build",
            "nest-glue",
        ],
        "sys is syscalls only, nothing domain-specific",
    ),
    (
        "nest-container",
        &[
            "nest-eval",
            "nest-store",
            "nest-nixcompat",
            "nest-glue",
            "nest-supervisor",
            "nest-build",
        ],
        "the runtime receives host paths and knows nothing of Nix",
    ),
    (
        "nest-init",
        &[
            "nest-eval",
            "nest-store",
            "nest-nixcompat",
            "nest-glue",
            "nest-supervisor",
            "nest-build",
            "nest-container",
        ],
        "PID 1 runs inside the container and knows nothing of Nix or the host",
    ),
    (
        "nest-build",
        &["nest-eval", "nest-glue", "nest-supervisor"],
        "builds realise derivations; they do not evaluate",
    ),
    (
        "nest-supervisor",
        &["nest-eval", "nest-glue"],
        "the host-side supervisor runs specs; it does not evaluate",
    ),
];

fn crate_manifests(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in fs::read_dir(root.join("crates")).expect("crates/") {
        let p = entry.expect("dir entry").path().join("Cargo.toml");
        if p.exists() {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// A tiny reader for what we need from Cargo.toml: the package name and the
/// `nest-*` names in the `[dependencies]` and `[build-dependencies]` tables.
fn read_manifest(path: &Path) -> (String, Vec<String>) {
    let text = fs::read_to_string(path).expect("read Cargo.toml");
    let mut name = String::new();
    let mut deps = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.trim_matches(|c| c == '[' || c == ']').to_string();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = key.trim();
        if section == "package" && key == "name" {
            name = value.trim().trim_matches('"').to_string();
        }
        if (section == "dependencies" || section == "build-dependencies") && key.starts_with("nest")
        {
            deps.push(key.to_string());
        }
    }
    (name, deps)
}

#[test]
fn crate_dependency_direction() {
    let root = repo_root();
    let forbidden: BTreeMap<&str, (&[&str], &str)> = FORBIDDEN
        .iter()
        .map(|(c, f, why)| (*c, (*f, *why)))
        .collect();
    let mut errors = Vec::new();
    for manifest in crate_manifests(&root) {
        let (name, deps) = read_manifest(&manifest);
        if let Some((bad, why)) = forbidden.get(name.as_str()) {
            for dep in &deps {
                if bad.contains(&dep.as_str()) {
                    errors.push(format!("{name} depends on {dep}, but must not: {why}"));
                }
            }
        }
    }
    assert!(
        errors.is_empty(),
        "dependency direction violated:\n{}",
        errors.join("\n")
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn all_crate_sources(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for manifest in crate_manifests(root) {
        let dir = manifest.parent().expect("crate dir");
        rust_files(&dir.join("src"), &mut files);
        rust_files(&dir.join("tests"), &mut files);
        rust_files(&dir.join("benches"), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_source_file_has_module_docs() {
    let root = repo_root();
    let missing: Vec<String> = all_crate_sources(&root)
        .into_iter()
        .filter(|f| {
            let text = fs::read_to_string(f).unwrap_or_default();
            !text.trim_start().starts_with("//!")
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(&f).display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a leading `//!` doc line:\n{}",
        missing.join("\n")
    );
}

#[test]
fn no_ignored_or_should_panic_tests() {
    let root = repo_root();
    let (ignore, panic) = (concat!("#[", "ignore"), concat!("#[", "should_panic"));
    let bad: Vec<String> = all_crate_sources(&root)
        .into_iter()
        .filter(|f| {
            let text = fs::read_to_string(f).unwrap_or_default();
            text.contains(ignore) || text.contains(panic)
        })
        .map(|f| f.strip_prefix(&root).unwrap_or(&f).display().to_string())
        .collect();
    assert!(
        bad.is_empty(),
        "ignored or should_panic tests in:\n{}",
        bad.join("\n")
    );
}

/// The crates allowed `unsafe`: the syscalls, and the evaluator's reference-counted
/// pointers (ARCHITECTURE.md says why each exists).
const UNSAFE_CRATES: &[&str] = &["nest-sys", "nest-rc"];

/// The exceptions: nest-eval denies `unsafe` and allows it on five functions of
/// `value.rs`: `Value`'s clone, which copies a value as one 16-byte move,
/// `Thunk::value`, which reads an evaluated thunk in place, and `Value::int`,
/// `Value::bool` and `Value::whole`, which write a value with one store
/// (ARCHITECTURE.md, "Unsafe blocks in the evaluator"): the crate, the file, and the
/// function that follows each allow.
const EVAL_EXCEPTION: (&str, &str, &[&str]) = (
    "nest-eval",
    "src/value.rs",
    &[
        "fn clone(&self) -> Value {",
        "pub fn value(&self) -> Option<Value> {",
        "pub fn int(i: i64) -> Value {",
        "pub fn bool(b: bool) -> Value {",
        "pub fn whole(v: Value) -> Value {",
    ],
);

#[test]
fn unsafe_only_in_sys_and_rc() {
    let root = repo_root();
    let mut errors = Vec::new();
    for manifest in crate_manifests(&root) {
        let dir = manifest.parent().expect("crate dir");
        let (name, _) = read_manifest(&manifest);
        if UNSAFE_CRATES.contains(&name.as_str()) {
            continue;
        }
        let exception = name == EVAL_EXCEPTION.0;
        for entry in ["src/lib.rs", "src/main.rs"] {
            let p = dir.join(entry);
            if let Ok(text) = fs::read_to_string(&p) {
                let want = if exception {
                    "#![deny(unsafe_code)]"
                } else {
                    "#![forbid(unsafe_code)]"
                };
                if !text.contains(want) {
                    errors.push(format!(
                        "{} lacks {want}",
                        p.strip_prefix(&root).unwrap_or(&p).display()
                    ));
                }
            }
        }
        if exception {
            errors.extend(eval_allows(&root, dir));
        }
    }
    assert!(
        errors.is_empty(),
        "unsafe code is allowed only in crates/sys and crates/rc (and nest-eval's listed exceptions):\n{}",
        errors.join("\n")
    );
}

/// Every `allow(unsafe_code)` in nest-eval's sources but the allowed ones.
fn eval_allows(root: &Path, dir: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    let mut found = 0;
    let mut files = Vec::new();
    rust_files(&dir.join("src"), &mut files);
    for p in files {
        let text = fs::read_to_string(&p).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if !line.contains("allow(unsafe_code)") {
                continue;
            }
            let next = lines.get(i + 1).map(|l| l.trim()).unwrap_or("");
            if p.ends_with(EVAL_EXCEPTION.1) && EVAL_EXCEPTION.2.contains(&next) {
                found += 1;
            } else {
                errors.push(format!(
                    "{}:{}: allow(unsafe_code) outside the functions listed in EVAL_EXCEPTION",
                    p.strip_prefix(root).unwrap_or(&p).display(),
                    i + 1
                ));
            }
        }
    }
    if found != EVAL_EXCEPTION.2.len() {
        errors.push(format!(
            "expected {} allow(unsafe_code) in {} ({}), found {found}",
            EVAL_EXCEPTION.2.len(),
            EVAL_EXCEPTION.1,
            EVAL_EXCEPTION.2.join(" / ")
        ));
    }
    errors
}

#[test]
fn no_print_macros_in_library_code() {
    let root = repo_root();
    let mut bad = Vec::new();
    for manifest in crate_manifests(&root) {
        let dir = manifest.parent().expect("crate dir");
        let mut files = Vec::new();
        rust_files(&dir.join("src"), &mut files);
        for f in files {
            if f.ends_with("cli/src/output.rs") {
                continue;
            }
            let text = fs::read_to_string(&f).unwrap_or_default();
            // Code after a `#[cfg(test)]` marker is test code and may print.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, line) in code.lines().enumerate() {
                let l = line.trim_start();
                if l.starts_with("//") {
                    continue;
                }
                let prints =
                    l.contains("println!(") || (l.contains("print!(") && !l.contains("eprint"));
                if prints {
                    bad.push(format!(
                        "{}:{}: {}",
                        f.strip_prefix(&root).unwrap_or(&f).display(),
                        i + 1,
                        l
                    ));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "print macros outside crates/cli/src/output.rs:\n{}",
        bad.join("\n")
    );
}
