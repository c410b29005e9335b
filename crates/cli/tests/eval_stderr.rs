//! Whole-stderr cases of `nest eval`: what the language suite (`lang.rs`) leaves out of
//! its matching (the `(use '--show-trace' …)` hint, trace frames, the `--help` hint of
//! usage errors), and nix-instantiate mode's answer to an unknown flag.
//!
//! Cases are `tests/lang/stderr/eval-fail-*.nix`, each with `<case>.err.exp`: the exact,
//! normalised stderr of `nix-instantiate --eval --strict [flags] <case>.nix` (Nix 2.8),
//! which must exit with status 1. `<case>.flags` holds extra arguments separated by
//! whitespace, without quoting (`--no-strict` drops `--strict`); `tests/lang/tools/mkexp.sh`
//! writes the expectations. Other `.nix` files in that directory are files the
//! cases import. Both programs run from the repository root in the cleared environment
//! of `lang.rs` (a fresh temp dir for Nix's state), and the absolute repository root
//! followed by `/` is removed from their output. nest must match `.err.exp` byte for
//! byte; when nix-instantiate is installed, the expectations are re-checked against it
//! (under `CI` it must be installed).

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    match manifest.ancestors().nth(2) {
        Some(p) => p.to_path_buf(),
        None => panic!("no repository root above {}", manifest.display()),
    }
}

struct Case {
    name: String,
    rel: String,
    args: Vec<String>,
    expected: String,
}

fn cases(root: &Path) -> Vec<Case> {
    let dir = root.join("tests/lang/stderr");
    let rd = match std::fs::read_dir(&dir) {
        Ok(rd) => rd,
        Err(e) => panic!("cannot read {}: {e}", dir.display()),
    };
    let mut out = Vec::new();
    for ent in rd.flatten() {
        let name = ent.file_name().to_string_lossy().into_owned();
        let Some(stem) = name.strip_suffix(".nix") else {
            continue;
        };
        if !stem.starts_with("eval-fail-") {
            continue;
        }
        let read = |ext: &str| std::fs::read_to_string(dir.join(format!("{stem}{ext}")));
        let expected = match read(".err.exp") {
            Ok(s) => s,
            Err(e) => panic!("{stem}: no .err.exp: {e}"),
        };
        let mut strict = true;
        let mut flags = Vec::new();
        if let Ok(f) = read(".flags") {
            for l in f.split_whitespace() {
                if l == "--no-strict" {
                    strict = false;
                } else {
                    flags.push(l.to_string());
                }
            }
        }
        let mut args = Vec::new();
        if strict {
            args.push("--strict".to_string());
        }
        args.extend(flags);
        let rel = format!("tests/lang/stderr/{name}");
        args.push(rel.clone());
        out.push(Case {
            name: stem.to_string(),
            rel,
            args,
            expected,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Nix's state, config and store root in a temp dir, nothing else from the caller.
fn clean_env(cmd: &mut Command, tmp: &Path) {
    let p = |s: &str| {
        let d = tmp.join(s);
        if let Err(e) = std::fs::create_dir_all(&d) {
            panic!("cannot create {}: {e}", d.display());
        }
        d.into_os_string()
    };
    let mut remote = OsString::from("local?root=");
    remote.push(p("root"));
    cmd.env_clear()
        .env(
            "PATH",
            std::env::var_os("PATH").unwrap_or_else(|| "/usr/bin:/bin".into()),
        )
        .env("HOME", "/homeless-shelter")
        .env("NIX_STORE_DIR", "/nix/store")
        .env("NIX_PATH", "")
        .env("NIX_REMOTE", remote)
        .env("NIX_STATE_DIR", p("state"))
        .env("NIX_LOG_DIR", p("log"))
        .env("NIX_CONF_DIR", p("conf"))
        .env("XDG_CONFIG_HOME", p("config"))
        .env("XDG_CACHE_HOME", p("cache"))
        .env("XDG_DATA_HOME", p("data"))
        .env("TMPDIR", tmp)
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("LC_ALL", "C");
}

fn run(program: &Path, pre: &[&str], args: &[String], root: &Path) -> Output {
    let tmp = match tempfile::Builder::new().prefix("nest-stderr-").tempdir() {
        Ok(d) => d,
        Err(e) => panic!("cannot create a temp dir: {e}"),
    };
    let mut cmd = Command::new(program);
    cmd.args(pre).args(args).current_dir(root);
    clean_env(&mut cmd, tmp.path());
    match cmd.output() {
        Ok(o) => o,
        Err(e) => panic!("cannot run {}: {e}", program.display()),
    }
}

fn normalise(bytes: &[u8], root: &Path) -> String {
    let s = String::from_utf8_lossy(bytes);
    s.replace(&format!("{}/", root.display()), "")
}

fn nix_instantiate() -> Option<PathBuf> {
    let prog = std::env::var_os("NEST_NIX_INSTANTIATE").unwrap_or_else(|| "nix-instantiate".into());
    let found = Command::new(&prog)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if found {
        return Some(PathBuf::from(prog));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "nix-instantiate is needed under CI to re-check tests/lang/stderr"
    );
    eprintln!("skipping the oracle re-check: nix-instantiate is not installed");
    None
}

#[test]
fn whole_stderr_matches_under_nest() {
    let root = repo_root();
    let nest = PathBuf::from(env!("CARGO_BIN_EXE_nest"));
    let all = cases(&root);
    assert!(
        all.len() >= 10,
        "only {} cases in tests/lang/stderr",
        all.len()
    );
    let mut failures = Vec::new();
    for c in &all {
        let o = run(&nest, &["eval"], &c.args, &root);
        let err = normalise(&o.stderr, &root);
        if o.status.code() != Some(1) || err != c.expected {
            failures.push(format!(
                "{} ({}): exit {:?}\n--- expected\n{}--- nest\n{}",
                c.name,
                c.rel,
                o.status.code(),
                c.expected,
                err
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn expectations_match_nix_instantiate() {
    let Some(nix) = nix_instantiate() else {
        return;
    };
    let root = repo_root();
    let mut failures = Vec::new();
    for c in cases(&root) {
        let o = run(&nix, &["--eval"], &c.args, &root);
        let err = normalise(&o.stderr, &root);
        if o.status.code() != Some(1) || err != c.expected {
            failures.push(format!(
                "{}: exit {:?}\n--- checked in\n{}--- nix-instantiate\n{}",
                c.name,
                o.status.code(),
                c.expected,
                err
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// nix-instantiate answers a word starting with `-` that is not one of its flags (as in
/// `-E -1`) with its own message and exit status 1, not clap's usage error.
#[test]
fn unknown_flag_in_nix_instantiate_mode() {
    let root = repo_root();
    let nest = PathBuf::from(env!("CARGO_BIN_EXE_nest"));
    let expected =
        "error: unrecognised flag '-1'\nTry 'nix-instantiate --help' for more information.\n";
    let args: Vec<String> = ["--eval", "-E", "-1"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let o = run(&nest, &["nix-instantiate"], &args, &root);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(normalise(&o.stderr, &root), expected);
    assert!(o.stdout.is_empty());
    let eval_args: Vec<String> = ["-E", "-1"].iter().map(|s| s.to_string()).collect();
    let o = run(&nest, &["eval"], &eval_args, &root);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(normalise(&o.stderr, &root), expected);
    if let Some(nix) = nix_instantiate() {
        let o = run(&nix, &[], &args, &root);
        assert_eq!(o.status.code(), Some(1));
        assert_eq!(normalise(&o.stderr, &root), expected);
    }
}
