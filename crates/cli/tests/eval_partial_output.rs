//! Output details of `nest eval -E` that follow nix-instantiate's quirks. Positions in
//! an expression given as text name the text itself as their file. And what
//! `nest eval --json`/`--xml` prints on stdout when printing fails half-way: like
//! `nix-instantiate`, which writes JSON and XML while forcing them, what was written
//! before the error with the open objects, lists and elements closed; the plain format
//! prints nothing. Checked against literal expectations, and against nix-instantiate
//! whenever it is installed (always under CI).

use std::process::Command;

const NEST: &str = env!("CARGO_BIN_EXE_nest");

/// (flags, expression, expected stdout)
const CASES: &[(&[&str], &str, &str)] = &[
    (
        &["--strict", "--json"],
        "{ a = 1; b = { c = [ 1 2 (throw \"q\") ]; }; d = 3; }",
        "{\"a\":1,\"b\":{\"c\":[1,2,]}}",
    ),
    (&["--strict", "--json"], "[ [ 1 ] { x = [ (throw \"deep\") ]; } ]", "[[1],{\"x\":[]}]"),
    (&["--json"], "{ a = 1; b = throw \"x\"; }", "{\"a\":1,\"b\":}"),
    (
        &["--strict", "--xml"],
        "{ a = 1; b = [ 1 (throw \"q\") ]; }",
        "<?xml version='1.0' encoding='utf-8'?>\n<expr>\n  <attrs>\n    <attr column=\"3\" line=\"1\" name=\"a\" path=\"{ a = 1; b = [ 1 (throw &quot;q&quot;) ]; }\">\n      <int value=\"1\" />\n    </attr>\n    <attr column=\"10\" line=\"1\" name=\"b\" path=\"{ a = 1; b = [ 1 (throw &quot;q&quot;) ]; }\">\n      <list>\n        <int value=\"1\" />\n      </list>\n    </attr>\n  </attrs>\n</expr>\n",
    ),
    (&["--strict"], "{ a = 1; b = throw \"x\"; }", ""),
];

fn run(program: &str, flags: &[&str], expr: &str) -> Option<(String, String, Option<i32>)> {
    let o = Command::new(program)
        .args(if program == NEST {
            &["eval"][..]
        } else {
            &["--eval"][..]
        })
        .args(flags)
        .args(["-E", expr])
        .env("NIX_STORE_DIR", "/nix/store")
        .env("NIX_PATH", "")
        .output()
        .ok()?;
    Some((
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
        o.status.code(),
    ))
}

#[test]
fn a_failed_print_leaves_what_nix_leaves_on_stdout() {
    let have_nix = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok();
    if !have_nix && std::env::var_os("CI").is_some() {
        panic!("nix-instantiate is not installed, and CI is set");
    }
    for (flags, expr, want) in CASES {
        let (out, err, code) = run(NEST, flags, expr).expect("run nest");
        assert_eq!(code, Some(1), "{flags:?} {expr}: {err}");
        assert!(err.starts_with("error: "), "{flags:?} {expr}: {err}");
        assert_eq!(&out, want, "{flags:?} {expr}");
        if have_nix {
            let (nix_out, _, nix_code) = run("nix-instantiate", flags, expr).expect("run nix");
            assert_eq!(nix_code, Some(1), "{flags:?} {expr}");
            assert_eq!(
                out, nix_out,
                "{flags:?} {expr}: nest and nix-instantiate differ"
            );
        }
    }
}

/// Errors from inside `derivation` name the attribute and the derivation, and point into
/// `//builtin/derivation.nix` without source lines (it is not a file), as Nix does.
#[test]
fn derivation_errors_are_traced_like_nix() {
    let have_nix = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .is_ok();
    let cases: &[(&[&str], &str, &[&str])] = &[
        (
            &["--strict", "--show-trace"],
            "(derivation { name = \"a\"; system = \"x\"; builder = \"/bin/sh\"; extra = throw \"e\"; }).outPath",
            &["error: e\n", "… while evaluating the attribute 'extra' of the derivation 'a'"],
        ),
        (
            &["--json"],
            "derivation { name = \"a\"; system = \"x\"; builder = \"/bin/sh\"; }",
            &["error: cannot convert a thunk to JSON\n\n       at //builtin/derivation.nix:19:9:\n"],
        ),
    ];
    for (flags, expr, needles) in cases {
        let (_, err, code) = run(NEST, flags, expr).expect("run nest");
        assert_eq!(code, Some(1), "{flags:?} {expr}: {err}");
        for n in *needles {
            assert!(err.contains(n), "{flags:?} {expr}: no {n:?} in {err}");
        }
        assert!(
            !err.contains("drvAttrs @"),
            "no source lines of the built-in file: {err}"
        );
        if have_nix {
            let (_, nix_err, _) = run("nix-instantiate", flags, expr).expect("run nix");
            for n in *needles {
                assert!(
                    nix_err.contains(n),
                    "nix-instantiate says otherwise: {nix_err}"
                );
            }
        }
    }
}

/// `__curPos` and `unsafeGetAttrPos` in `-E` text: Nix 2.8 gives the text as the file.
#[test]
fn positions_in_expression_text_name_the_text() {
    let (out, err, code) = run(
        NEST,
        &["--strict"],
        "[ __curPos (builtins.unsafeGetAttrPos \"a\" { a = 1; }) ]",
    )
    .expect("run nest");
    assert_eq!(code, Some(0), "{err}");
    let text = "[ __curPos (builtins.unsafeGetAttrPos \\\"a\\\" { a = 1; }) ]";
    assert_eq!(
        out,
        format!("[ {{ column = 3; file = \"{text}\"; line = 1; }} {{ column = 45; file = \"{text}\"; line = 1; }} ]\n")
    );
}
