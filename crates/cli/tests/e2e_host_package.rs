//! `pkgs.hostPackage` (nix/pkgs/host-package.nix) through the real binary: the closure
//! it follows is the host loader's (compared with `ldd`), its store path depends on
//! the files' contents only, missing or non-ELF programs are clear errors, and (root)
//! what `nest build` makes of it runs in a container whose root is empty but for the
//! store.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
mod support;
use support::privileged;

fn nix_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../nix")
}

/// The hostPackage expression for `programs` (host paths), with `name`.
fn expr(name: &str, programs: &[&str]) -> String {
    let list: Vec<String> = programs.iter().map(|p| format!("\"{p}\"")).collect();
    format!(
        "(import {}/pkgs {{ }}).hostPackage {{ name = \"{name}\"; programs = [ {} ]; }}",
        nix_dir().display(),
        list.join(" ")
    )
}

fn nest(args: &[&str], store: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nest"))
        .args(args)
        .env("NEST_STORE_DIR", store)
        .env("NIX_STORE_DIR", store)
        .output()
        .expect("run nest")
}

/// `nest eval --strict --json` of `e`: Ok(json) or Err(stderr).
fn eval(e: &str, store: &Path) -> Result<serde_json::Value, String> {
    let out = nest(&["eval", "--strict", "--json", "-E", e], store);
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The sonames `ldd` (the host loader itself) resolves for `program`, and the loader.
fn ldd_sonames(program: &str) -> Vec<String> {
    let out = Command::new("ldd")
        .arg(program)
        .output()
        .expect("ldd (libc-bin) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| !n.starts_with("linux-vdso") && !n.starts_with("linux-gate"))
        .map(|n| n.rsplit('/').next().unwrap_or(n).to_string())
        .collect();
    names.sort();
    names
}

/// The sonames hostPackage copies into lib/ (from the builder's `libs` attribute).
fn package_sonames(e: &str, store: &Path) -> Vec<String> {
    let v = eval(&format!("({e}).libs"), store).expect("evaluates");
    let mut names: Vec<String> = v
        .as_str()
        .expect("a string")
        .split_whitespace()
        .map(|entry| entry.split('=').next().unwrap_or_default().to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn the_closure_is_the_host_loaders() {
    let store = tempfile::tempdir().expect("temp dir");
    for program in ["/bin/ls", "/usr/bin/ssh-keygen"] {
        let e = expr("x", &[program]);
        assert_eq!(
            package_sonames(&e, store.path()),
            ldd_sonames(program),
            "{program}"
        );
    }
}

#[test]
fn the_store_path_follows_the_contents_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let out_path = |program: &str| {
        eval(&format!("({}).outPath", expr("ls", &[program])), &store).expect("evaluates")
    };
    let original = out_path("/bin/ls");
    assert_eq!(out_path("/bin/ls"), original, "evaluating again");
    // A byte-identical copy elsewhere (a bin/ directory, so it lands in bin/ too).
    std::fs::create_dir(dir.path().join("bin")).unwrap();
    let copy = dir.path().join("bin/ls");
    std::fs::copy("/bin/ls", &copy).unwrap();
    assert_eq!(
        out_path(copy.to_str().unwrap()),
        original,
        "a copy of the same file"
    );
    // One byte more is another program.
    let mut bytes = std::fs::read("/bin/ls").unwrap();
    bytes.push(0);
    std::fs::write(&copy, bytes).unwrap();
    assert_ne!(
        out_path(copy.to_str().unwrap()),
        original,
        "changed contents"
    );
}

#[test]
fn a_missing_or_non_elf_program_is_a_clear_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let missing = dir.path().join("no-such-program");
    let err = eval(
        &format!("({}).outPath", expr("gone", &[missing.to_str().unwrap()])),
        &store,
    )
    .expect_err("a missing program fails");
    assert!(
        err.contains(&format!(
            "pkgs.hostPackage gone: program '{}' does not exist on this host",
            missing.display()
        )),
        "{err}"
    );
    let script = dir.path().join("script");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let err = eval(
        &format!("({}).outPath", expr("s", &[script.to_str().unwrap()])),
        &store,
    )
    .expect_err("a script fails");
    assert!(err.contains("is not an ELF file"), "{err}");
    let err = eval(&format!("({}).outPath", expr("rel", &["bin/ls"])), &store)
        .expect_err("a relative path fails");
    assert!(
        err.contains("program 'bin/ls' is not an absolute path"),
        "{err}"
    );
    let err = eval(
        &format!("({}).outPath", expr("two", &["/bin/ls", "/usr/bin/ls"])),
        &store,
    )
    .expect_err("two programs with one name fail");
    assert!(
        err.contains("pkgs.hostPackage two: two programs would both be bin/ls"),
        "{err}"
    );
}

#[test]
fn elf_info_reads_what_the_loader_reads() {
    let store = tempfile::tempdir().expect("temp dir");
    let v = eval("builtins.nestElfInfo /usr/bin/ssh-keygen", store.path()).expect("evaluates");
    assert_eq!(v["type"], "dyn");
    assert_eq!(v["path"], "/usr/bin/ssh-keygen");
    let interp = v["interpreter"].as_str().expect("an interpreter");
    assert!(Path::new(interp).exists(), "{interp}");
    let needed: Vec<&str> = v["needed"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n.as_str())
        .collect();
    assert!(needed.contains(&"libc.so.6"), "{needed:?}");
    assert_eq!(
        eval("builtins.nestElfInfo /etc/passwd", store.path()).unwrap(),
        serde_json::Value::Null
    );
}

/// Root only (the build sandbox and `nest spawn`).
#[test]
fn a_built_host_package_runs_with_nothing_but_the_store() {
    if !privileged() {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (store, state, root) = (
        dir.path().join("store"),
        dir.path().join("state"),
        dir.path().join("root"),
    );
    let out = nest(
        &[
            "build",
            "--store",
            store.to_str().unwrap(),
            "--state-dir",
            state.to_str().unwrap(),
            "--no-out-link",
            "-E",
            &expr("coreutils-ls", &["/bin/ls"]),
        ],
        &store,
    );
    assert!(
        out.status.success(),
        "build failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pkg = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        pkg.starts_with(store.to_str().unwrap()) && pkg.ends_with("-coreutils-ls"),
        "{pkg}"
    );
    // The interpreter and the run path point into the package.
    for (flag, want) in [
        ("--print-interpreter", format!("{pkg}/lib/ld-linux")),
        ("--print-rpath", format!("{pkg}/lib")),
    ] {
        let o = Command::new("patchelf")
            .arg(flag)
            .arg(format!("{pkg}/bin/ls"))
            .output()
            .expect("patchelf runs");
        assert!(
            String::from_utf8_lossy(&o.stdout).starts_with(&want),
            "{flag}: {o:?}"
        );
    }
    std::fs::create_dir(&root).unwrap();
    let run_dir = dir.path().join("run");
    let out = nest(
        &[
            "spawn",
            "-D",
            root.to_str().unwrap(),
            "-M",
            "hostpkg-ls",
            "--store",
            store.to_str().unwrap(),
            "--run-dir",
            run_dir.to_str().unwrap(),
            "--",
            &format!("{pkg}/bin/ls"),
            "-1",
            &store.to_string_lossy(),
        ],
        &store,
    );
    assert!(
        out.status.success(),
        "ls in the container failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    let base = pkg.rsplit('/').next().unwrap();
    assert!(listing.lines().any(|l| l == base), "{listing}");
    // Nothing of the host's /usr or /lib was there to help.
    assert!(
        !root.join("usr").exists() && !root.join("lib").exists() && !root.join("lib64").exists()
    );
}

#[test]
fn libraries_add_what_programs_dlopen() {
    let store = tempfile::tempdir().expect("temp dir");
    let with = |libs: &str| {
        format!(
            "((import {}/pkgs {{ }}).hostPackage {{ name = \"ls\"; programs = [ \"/bin/ls\" ]; libraries = [ {libs} ]; }}).libs",
            nix_dir().display()
        )
    };
    let libs = eval(&with("\"libnss_files.so.2\""), store.path()).expect("evaluates");
    let libs = libs.as_str().unwrap();
    assert!(
        libs.split_whitespace()
            .any(|e| e.starts_with("libnss_files.so.2=")),
        "{libs}"
    );
    let err =
        eval(&with("\"libnot-there.so.7\""), store.path()).expect_err("an unknown soname fails");
    // /bin/ls as the loader sees it: /usr/bin/ls where /bin links to usr/bin.
    assert!(
        err.contains("libnot-there.so.7 (needed by ") && err.contains("/bin/ls) is in none of"),
        "{err}"
    );
}
