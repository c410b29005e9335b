//! Bytes from the OS that are not UTF-8 reach Nix code as they are, as in Nix:
//! `builtins.getEnv` of such a value, and `builtins.readDir` of a directory holding
//! such a file name. Checked against literal expectations, and against nix-instantiate
//! whenever it is installed (always under CI).

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Output};

const NEST: &str = env!("CARGO_BIN_EXE_nest");

fn have_nix() -> bool {
    let have = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok();
    if !have && std::env::var_os("CI").is_some() {
        panic!("nix-instantiate is not installed, and CI is set");
    }
    have
}

fn run(program: &str, expr: &str, env: &[(&str, &[u8])]) -> Output {
    let mut c = Command::new(program);
    if program == NEST {
        c.arg("eval");
    } else {
        c.arg("--eval");
    }
    let state = tempfile::tempdir().unwrap();
    c.args(["--strict", "-E", expr])
        .env("NIX_STORE_DIR", "/nix/store")
        .env("NIX_STATE_DIR", state.path())
        .env("NIX_PATH", "");
    for (k, v) in env {
        c.env(k, OsStr::from_bytes(v));
    }
    c.output().expect("run the evaluator")
}

#[test]
fn get_env_gives_the_value_as_it_is() {
    let value: &[u8] = b"caf\xe9 \xff-\xc3\xa9";
    let expr = "let v = builtins.getEnv \"NEST_TEST_BYTES\"; in [ v (builtins.stringLength v) (builtins.substring 3 1 v) ]";
    let o = run(NEST, expr, &[("NEST_TEST_BYTES", value)]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut want = b"[ \"".to_vec();
    want.extend_from_slice(value);
    want.extend_from_slice(b"\" 9 \"\xe9\" ]\n");
    assert_eq!(o.stdout, want, "{}", String::from_utf8_lossy(&o.stdout));
    if have_nix() {
        let n = run("nix-instantiate", expr, &[("NEST_TEST_BYTES", value)]);
        assert_eq!(o.stdout, n.stdout, "nest and nix-instantiate differ");
    }
}

#[test]
fn read_dir_gives_names_as_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let names: [&[u8]; 3] = [b"caf\xe9", b"plain", b"\xff\xfe"];
    for n in names {
        std::fs::write(dir.path().join(OsStr::from_bytes(n)), b"x").unwrap();
    }
    std::fs::create_dir(dir.path().join(OsStr::from_bytes(b"sub\xe9"))).unwrap();
    let expr = format!(
        "let d = builtins.readDir {}; in [ (builtins.attrNames d) (builtins.attrValues d) ]",
        dir.path().display()
    );
    let o = run(NEST, &expr, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // Names sorted by their bytes; quoted, with their bytes as they are.
    let mut want = b"[ [ \"caf\xe9\" \"plain\" \"sub\xe9\" \"\xff\xfe\" ]".to_vec();
    want.extend_from_slice(b" [ \"regular\" \"regular\" \"directory\" \"regular\" ] ]\n");
    assert_eq!(o.stdout, want, "{}", String::from_utf8_lossy(&o.stdout));
    if have_nix() {
        let n = run("nix-instantiate", &expr, &[]);
        assert_eq!(o.stdout, n.stdout, "nest and nix-instantiate differ");
    }
}
