//! Differential tests of the fast parser against the rnix front-end: on every text the
//! rnix path accepts, the fast parser must produce the same IR (compared in printed
//! form, positions included); on every text it rejects, the fast parser must refuse.

use super::dump::dump;
use crate::io::MemIo;
use crate::source::{add_source, Origin};
use crate::symbol::Sym;
use crate::value::Value;
use crate::{Eval, EvalOptions};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

const STACK: usize = 256 << 20;

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    SameIr,
    BothReject,
    /// rnix accepts, the fast parser refuses: correct (the fallback parses it), slower.
    Refused,
    /// rnix rejects (or panics), the fast parser accepts: wrong.
    AcceptsBad,
    /// Both accept with different IR: wrong.
    Differs(String, String),
    /// rnix stops at its nesting limit (512), the fast parser goes on (to 1,800, still
    /// below Nix's own limits): correct, the fast parser is the one Nix agrees with.
    Deeper,
    /// The two disagree on a text Nix's lexer cuts where rnix's does not (`1.5e`, `0.`,
    /// `.../a`): the fast parser follows Nix (checked against nix-instantiate by the
    /// language suite's `lex-*` cases).
    NixLexes,
}

fn globals() -> HashMap<Sym, Value> {
    Eval::new(Box::new(MemIo::default()), EvalOptions::default()).globals
}

fn compare(g: &HashMap<Sym, Value>, text: &str, names: Option<&[Sym]>) -> Outcome {
    let file = add_source(Origin::File("/dir/file.nix".into()), Rc::from(text));
    // Some texts make rnix's tree walkers panic; that counts as a rejection.
    let old = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match names {
        None => crate::lower::rnix_parse_and_lower(text, file, "/dir", g),
        Some(n) => crate::lower::rnix_parse_and_lower_scoped(text, file, "/dir", g, n),
    }));
    let too_deep = matches!(&old, Ok(Err(e)) if e.msg.contains("expression nested too deeply"));
    let old = match old {
        Ok(Ok(e)) => Some(e),
        _ => None,
    };
    let new = super::parse_fast(text, file, "/dir", g, names);
    let nix_lexes = || crate::syntax_error::rnix_lexes_differently(text);
    match (old, new) {
        (None, Some(_)) if nix_lexes() => Outcome::NixLexes,
        (Some(a), Some(b)) if nix_lexes() && dump(a) != dump(b) => Outcome::NixLexes,
        (None, Some(_)) if too_deep => Outcome::Deeper,
        (Some(a), Some(b)) => {
            let (a, b) = (dump(a), dump(b));
            if a == b {
                Outcome::SameIr
            } else {
                Outcome::Differs(a, b)
            }
        }
        (None, None) => Outcome::BothReject,
        (Some(_), None) => Outcome::Refused,
        (None, Some(_)) => Outcome::AcceptsBad,
    }
}

fn on_thread(f: impl FnOnce() + Send + 'static) {
    let r = crate::with_eval_thread(STACK, move || {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|e| {
            e.downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default()
        })
    });
    match r {
        Ok(Ok(())) => {}
        Ok(Err(msg)) => panic!("{msg}"),
        Err(e) => panic!("test thread failed: {e}"),
    }
}

/// Texts both front-ends must accept with identical IR.
fn same(cases: &'static [&'static str]) {
    on_thread(move || {
        let g = globals();
        for c in cases {
            let o = compare(&g, c, None);
            assert_eq!(o, Outcome::SameIr, "text: {c:?}");
        }
    });
}

/// Texts both must reject.
fn rejected(cases: &'static [&'static str]) {
    on_thread(move || {
        let g = globals();
        for c in cases {
            assert_eq!(compare(&g, c, None), Outcome::BothReject, "text: {c:?}");
        }
    });
}

#[test]
fn literals_and_operators() {
    same(&[
        "1",
        "007",
        "1.5",
        ".5",
        "0.5e3",
        "1.5E-3",
        "1.",
        "9223372036854775807",
        "null",
        "true",
        "1 + 2 * 3 - 4 / 5",
        "1 - 2 - 3",
        "-1",
        "- - 1",
        "f: -f 1",
        "!true",
        "!!true",
        "a: !a.b or true",
        "[1] ++ [2] ++ [3]",
        "{} // {} // { a = 1; }",
        "1 < 2",
        "1 <= 2",
        "1 > 2",
        "1 >= 2",
        "1 == 2",
        "1 != 2",
        "true && false || true",
        "true -> false -> true",
        "!true == false",
        "{ a = 1; } ? a",
        "{ a.b = 1; } ? a.b",
        "{ a = 1; } ? \"a\"",
        "- { } ? a",
        "(x: x) 1",
        "((x: y: x) 1) 2",
        "(((x: y: x) 1)) 2",
        "builtins.map (x: x) [ 1 2 ]",
        "http://example.org/a?b=c",
        "x:x",
        "1 # comment\n",
        "/* block */ 1 /* another\n */",
        "1\r\n+\r\n2",
        "\t1\x0b",
    ]);
}

#[test]
fn strings_and_indented_strings() {
    same(&[
        r#""""#,
        r#""a\nb\tc\rd\"e\\f\$g""#,
        r#""a${"b"}c""#,
        r#""$${x}""#,
        r#""a$""#,
        r#""a$b""#,
        r#"let x = "1"; in "a${x}b${x}""#,
        r#""${"a"}${"b"}""#,
        "\"é ü ${\"ß\"} \\é\"",
        "''''",
        "''\n  a\n  b\n''",
        "''\n    a\n  b\n    c\n''",
        "''  \n  a\n''",
        "''a ''' b''",
        "''a ''${b} c''",
        "''a ''\\n b ''\\t''",
        "''a ' b''",
        "''$$''",
        "let b = \"x\"; in ''\n  a ${b}\n    c\n  ''",
        "let b = \"x\"; in ''${b}\n  a''",
        "let b = \"x\"; in ''\n  ${b}\n''",
        "''\n\n  a\n\n  b\n\n''",
        "''  a\n   b''",
        "''\r\n  a\r\n''",
        "''\n\tx\n''",
    ]);
}

#[test]
fn paths_and_uris() {
    same(&[
        "./a",
        "./a/b.nix",
        "../a",
        "a/b",
        "/abs/path",
        "~/x/y",
        "<nixpkgs>",
        "<nixpkgs/lib>",
        "let x = \"b\"; in ./a/${x}",
        "let x = \"b\"; in ./a/${x}/c",
        "let x = \"b\"; in /${x}",
        "let x = \"b\"; in /a${x}.nix",
        "let x = \"b\"; in ./a/${x}${x}",
        "1/2",
        "x: x/2",
        "2 / 3",
        "a: a //{ }",
        "a: [ a/* c */ ]",
        "https://x.org",
        "x: y: x:y",
        "<a> < <b>",
        "1 < 2",
    ]);
}

#[test]
fn bindings() {
    same(&[
        "{ a = 1; b = 2; }",
        "rec { a = 1; b = a; }",
        "{ a.b.c = 1; a.b.d = 2; }",
        "{ a = { b = 1; }; a.c = 2; }",
        "let x = { y = 1; }; in { a.c = 2; a = { b = 1; inherit (x) y; z = 3; }; }",
        "{ \"a b\" = 1; ${\"c\"} = 2; }",
        "let k = \"k\"; in { ${k} = 1; \"${k}2\" = 2; ${k + \"3\"}.x = 3; }",
        "let a = 1; in { inherit a; }",
        "let a = 1; in rec { inherit a; b = a; }",
        "let s = { a = 1; b = 2; }; in { inherit (s) a b; }",
        "let s = { a = 1; }; in { inherit (s) \"a\"; }",
        "let { body = 1; }",
        "let { x = 1; body = x; }",
        "let a = 1; b = a; in b",
        "let inherit ({ a = 1; }) a; in a",
        "let f = x: x; in f",
        "{ f = x: x; g = { a }: a; h.i = y: y; }",
        "let k = \"k\"; in { ${k} = x: x; }",
        "{ or = 1; }",
        "{ a = 1; }.or or 2",
        "x: with x; x or",
        "f: a: with a; f a or",
        "{ a = 1; }.a",
        "{ a = 1; }.\"a\"",
        "let k = \"a\"; in { a = 1; }.${k}",
        "let k = \"a\"; in { a = 1; }.\"${k}\"",
        "{ a = 1; }.b or 2",
        "{ a.b = 1; }.a.b",
        "{ __curPos = 1; }",
        "__curPos",
        "let __curPos = 1; in __curPos",
        "{ inherit; }",
        "let ${\"a\"} = 1; in a",
        "let in 1",
        "{ }",
        "rec { }",
        "{ a = 1; b = 2; c = 3; d = 4; e = 5; f = 6; g = 7; h = 8; i = 9; j.x = 1; j.y = 2; }",
        "{ a = 1; b = 2; c = 3; d = 4; e = 5; f = 6; g = 7; h = 8; i = 9; j = { x = 1; }; j.y = 2; }",
        "let s = { }; in { a = 1; b = 2; c = 3; d = 4; e = 5; f = 6; g = 7; h = 8; i = 9; inherit (s) j k; }",
    ]);
}

#[test]
fn functions_and_scopes() {
    same(&[
        "x: x",
        "{ a, b ? a }: a",
        "{ a, ... }: a",
        "{ ... }: 1",
        "{ }: 1",
        "{ a ? 1, b ? a, }: b",
        "args@{ a, ... }: args",
        "{ a }@args: args",
        "{ }@args: args",
        "x: y: z: x y z",
        "with builtins; map",
        "with { a = 1; }; with { b = 2; }; a + b",
        "x: with x; y",
        "let a = 1; in with { a = 2; }; a",
        "if true then 1 else 2",
        "assert true; 1",
        "assert 1 < 2 && !(3 > 4) || [ 1 ] == [ 1 ] -> { } ? a; 1",
        "assert (x: x) 1 == 1; 1",
        "assert { a = 1; }.a or 2 == 1; 1",
        "assert -1 <= 2 - 3 * 4 / 5; 1",
        "assert ({ a = 1; }).a == 1; 1",
        "assert [ 1 (2) ] != [ ]; 1",
        "assert if true then true else false; 1",
        "assert x: x; 1",
        "assert 1 >= 2 ++ 3 // 4; 1",
        "a: b: d: a b.c or d",
        "f: f (f 1) (f 2)",
        "x: x.a.b or x.c",
        "f: f { } [ ] ( 1 ) \"s\" ./p <q> http://u 1 1.5 rec { }",
        "f: -f 1",
        // rnix takes any token, even an error token, as the closing parenthesis.
        "x: [ (x $ x ]",
        "x: [ (x ~y x ]",
        "x: [ (x ./a/ x ]",
        "x: (x /* unterminated",
        "x: (x ]",
    ]);
}

/// Where Nix's lexer cuts tokens unlike rnix's, the fast parser reads the text as Nix
/// does (the language suite's `lex-*` cases hold Nix's results), and the rnix path
/// reports Nix's error for a text Nix rejects instead of reading its own tree.
#[test]
fn tokens_nix_cuts_unlike_rnix() {
    on_thread(|| {
        let g = globals();
        for text in [
            "let e = 1; in [ 1.5e ]",
            "e: .5e",
            "e-: 1.5e-",
            "{ }: 0.a or 1",
            ".../a",
            "[ ...a/b ]",
            ".../${\"a\"}",
        ] {
            assert_eq!(compare(&g, text, None), Outcome::NixLexes, "{text}");
        }
        for text in [
            "[ 1.5e3 1.5e+2 .5 1. 00.5 ]",
            "{ ... }: 1",
            "{ a, ... }@x: x",
        ] {
            assert_eq!(compare(&g, text, None), Outcome::SameIr, "{text}");
        }
        for (text, msg) in [
            ("[ 0. ]", "syntax error, unexpected ']'"),
            ("[ 1.0 1.0e400 ]", "invalid float '1.0e400'"),
            ("[ 1.0e-320 ]", "invalid float '1.0e-320'"),
            ("[ 0.0e-400 1e-400 1.0e-400 ]", "invalid float '1.0e-400'"),
        ] {
            assert_eq!(compare(&g, text, None), Outcome::BothReject, "{text}");
            let file = add_source(Origin::File("/dir/file.nix".into()), Rc::from(text));
            let Err(e) = crate::lower::parse_and_lower(text, file, "/dir", &g) else {
                panic!("{text}: accepted");
            };
            assert!(e.msg.starts_with(msg), "{text}: {}", e.msg);
        }
        assert!(super::parse_fast("0.0e-400", 0, "/dir", &g, None).is_some());
    });
}

/// The resolver's table of innermost bindings is kept for the next text on the thread:
/// bindings of a text that failed inside its scopes (or of a scoped import's outer
/// frame) must not be seen by the next one.
#[test]
fn bindings_do_not_leak_into_the_next_text() {
    on_thread(|| {
        let g = globals();
        // Fails with `zq1` (the text's first binding) and `x` in scope.
        assert_eq!(
            compare(&g, "let zq1 = 1; in x: undefinedQ", None),
            Outcome::BothReject
        );
        // A stale entry for `zq1` would point at `p`'s binding here.
        assert_eq!(compare(&g, "let p = 1; in zq1", None), Outcome::BothReject);
        assert_eq!(compare(&g, "let p = 1; in p: x", None), Outcome::BothReject);
        assert_eq!(compare(&g, "let zq1 = 2; in zq1", None), Outcome::SameIr);
        let names = [Sym::new("zq2")];
        assert_eq!(compare(&g, "zq2", Some(&names)), Outcome::SameIr);
        assert_eq!(compare(&g, "let p = 1; in zq2", None), Outcome::BothReject);
    });
}

#[test]
fn scoped_import_frame() {
    on_thread(|| {
        let g = globals();
        let names = [Sym::new("a"), Sym::new("b")];
        for t in ["a", "b", "x: a", "let c = 1; in b", "{ inherit a; }"] {
            assert_eq!(compare(&g, t, Some(&names)), Outcome::SameIr, "{t}");
        }
        // An empty outer frame still counts as a scope level.
        assert_eq!(compare(&g, "x: x", Some(&[])), Outcome::SameIr);
        assert_eq!(compare(&g, "c", Some(&names)), Outcome::BothReject);
    });
}

#[test]
fn errors_are_refused() {
    rejected(&[
        "",
        "   ",
        "1 +",
        "(1",
        "{ a = 1 }",
        "{ a = 1; a = 2; }",
        "{ a.b = 1; a.b = 2; }",
        "{ a = 1; a.b = 2; }",
        "let a = 1; a = 2; in a",
        "{ a, a }: a",
        "a@{ a }: a",
        "x",
        "let in y",
        "1 < 2 < 3",
        "1 == 2 == 3",
        "\"abc",
        "''abc",
        "./a/",
        "./a//b",
        "~",
        "a@{ }@b: 1",
        "{ inherit ${\"a\"}; }",
        "1 |> 2",
        "1 <| 2",
        "1.5e",
        "99999999999999999999",
        "{ a = 1; } ? ",
        "with 1;",
        "if 1 then 2",
        "assert 1",
        "[ -1 ]",
        "or",
        "x: x or or",
        "{ a = 1; }.",
        "let x = 1; in",
        "/* unterminated",
        "$",
        "&",
        "{ ...,a }: 1",
        "let inherit x; in 1",
        "x.${",
        "{ a = 1; b = 2; c = 3; d = 4; e = 5; f = 6; g = 7; h = 8; i = 9; j = 1; a = 2; }",
        "{ a = 1; b = 2; c = 3; d = 4; e = 5; f = 6; g = 7; h = 8; i = 9; j = 1; j.x = 2; }",
        "let s = { }; in { a = 1; b = 2; c = 3; d = 4; e = 5; f = 6; g = 7; h = 8; i = 9; inherit (s) j i; }",
        "let or = 1; in or",
        "''a '' ''",
    ]);
}

/// Every `.nix` file under these directories of the repository.
fn repo_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut stack: Vec<PathBuf> = ["tests", "nix", "bench", "examples"]
        .iter()
        .map(|d| root.join(d))
        .collect();
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "nix") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn every_repo_file_agrees() {
    on_thread(|| {
        let g = globals();
        let files = repo_files();
        assert!(files.len() > 1000, "found only {} files", files.len());
        let mut same = 0;
        let mut rejected = 0;
        let mut bad = Vec::new();
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            match compare(&g, &text, None) {
                Outcome::SameIr | Outcome::Deeper | Outcome::NixLexes => same += 1,
                Outcome::BothReject => rejected += 1,
                o => bad.push(format!("{}: {o:?}", f.display())),
            }
        }
        assert!(
            bad.is_empty(),
            "{} disagreements:\n{}",
            bad.len(),
            bad.join("\n")
        );
        // The repository's files are mostly valid; the eval-fail parse cases are not.
        assert!(
            same > 1000 && rejected > 10,
            "same {same}, rejected {rejected}"
        );
    });
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INSERTS: &[&str] = &[
    "{", "}", "[", "]", "(", ")", "\"", "''", ";", ":", ".", "=", "${", "$", "'", "/", "\n", " ",
    "#", "/*", "*/", "<", ">", "-", "+", "!", "?", "@", ",", "x", "or", "rec", "let", "in",
    "inherit", "...", "1", ".5", "~/", "./", "\\", "''$", "'''", "''\\n", "//", "e", "\r\n",
    "__curPos", "with", "if", "then", "else", "assert", "a:", "http:",
];

fn mutate(rng: &mut Rng, text: &str) -> Option<String> {
    let mut b = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(b.len() + 1);
        match rng.below(3) {
            0 if !b.is_empty() => {
                let at = at.min(b.len() - 1);
                let n = (1 + rng.below(3)).min(b.len() - at);
                b.drain(at..at + n);
            }
            1 if !b.is_empty() => {
                let from = rng.below(b.len());
                let n = (1 + rng.below(12)).min(b.len() - from);
                let piece = b[from..from + n].to_vec();
                b.splice(at..at, piece);
            }
            _ => {
                let s = INSERTS[rng.below(INSERTS.len())];
                b.splice(at..at, s.bytes());
            }
        }
    }
    String::from_utf8(b).ok()
}

#[test]
fn mutated_repo_files_agree() {
    on_thread(|| {
        let g = globals();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut counts: HashMap<&'static str, usize> = HashMap::new();
        let mut bad = Vec::new();
        let mut refused = Vec::new();
        for f in repo_files() {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            if text.len() > 20_000 {
                continue;
            }
            for _ in 0..8 {
                let Some(m) = mutate(&mut rng, &text) else {
                    continue;
                };
                let o = compare(&g, &m, None);
                let key = match &o {
                    Outcome::SameIr => "same",
                    Outcome::BothReject => "rejected",
                    Outcome::Refused => "refused",
                    Outcome::AcceptsBad => "accepts-bad",
                    Outcome::Differs(..) => "differs",
                    Outcome::Deeper => "deeper",
                    Outcome::NixLexes => "nix-lexes",
                };
                *counts.entry(key).or_default() += 1;
                match o {
                    Outcome::SameIr | Outcome::BothReject | Outcome::Deeper | Outcome::NixLexes => {
                    }
                    Outcome::Refused => refused.push(format!("{}: {m:?}", f.display())),
                    o => bad.push(format!("{}: {o:?}\n{m:?}", f.display())),
                }
            }
        }
        bad.truncate(5);
        assert!(
            bad.is_empty(),
            "counts {counts:?}; first:\n{}",
            bad.join("\n\n")
        );
        // A refusal is only slower (rnix parses the text instead), and a few rnix
        // oddities are left to it on purpose (see the lexer); they must stay rare.
        assert!(
            refused.len() <= 5,
            "counts {counts:?}; refused but rnix accepts:\n{}",
            refused[..5].join("\n\n")
        );
        assert!(
            counts.get("same").copied().unwrap_or(0) > 1000,
            "{counts:?}"
        );
        assert!(
            counts.get("rejected").copied().unwrap_or(0) > 1000,
            "{counts:?}"
        );
    });
}

/// Regression: rnix's path accessors panicked on a blank between a path and `${`.
#[test]
fn blank_before_path_interpolation_is_nix_syntax_error() {
    let r = crate::with_eval_thread(STACK, || {
        let io = Box::new(MemIo::default());
        crate::eval_string(io, "./a ${\"x\"}", false, STACK)
    });
    let Ok(Err(msg)) = r else {
        panic!("expected an evaluation error, got {r:?}");
    };
    assert!(
        msg.starts_with("error: syntax error, unexpected DOLLAR_CURLY, expecting end of file"),
        "{msg}"
    );
    assert!(msg.contains("«string»:1:5:"), "{msg}");
}

/// Identifiers are scanned once for both the identifier and rnix's path/URI look-ahead;
/// these sit on the edges of that look-ahead.
#[test]
fn identifiers_next_to_paths_and_uris() {
    same(&[
        "a/b",
        // Words inside a dotted run share its look-ahead (`plain_until`).
        "x: x.y.z x.y.z/w",
        "x: [ x.y.z.w x.ab.c:d x.y z.q/r ]",
        "x: x.a'.b x.b'c.d/e",
        "x: w: x.y.z + w",
        "a.b.c/d",
        "a.b+c/d",
        "a.b.c:d",
        "x: [ x.y.ab:c ]",
        "a.b/c",
        "a+b/c",
        "a-b/c",
        "a_b/c",
        "a': a'/b",
        "x: x/ 2",
        "x: x /2",
        "x: x//x",
        "x: x/*c*/",
        "x: x.y",
        "x: x.y.z or x",
        "x: x+1",
        "x: x - 1",
        "x: x -1",
        "x-1: x-1",
        "x': x'",
        "x'': x''.y",
        "x: x'y: x'y",
        "a:b",
        "ab:c",
        "a_b:a_b",
        "x: a_b:x",
        "ab:c/d?e=f&g",
        "ab:'q",
        "x: x:x",
        "x: x.or",
        "x: { or = x.or or 1; }.or",
        "{ a.or = 1; }",
        "let or' = 1; in or'",
        "{ inherit' = 1; }",
        "let in' = 1; rec' = 2; in in' + rec'",
        "let assert_ = 1; with_ = 2; if_ = 3; in assert_ + with_ + if_",
        "_: _",
        "__a: __a",
        "x: [ x.a/b ]",
        "x: [ x.a /b ]",
        "x: x.a or /b",
        "x: with x; x or x",
        // Tokens inside a run found plain skip the look-ahead of their own: numbers,
        // dots and operators there, then paths, URIs and `<…>` right after the run.
        "x: (x.y - 1.5) + x.y+2.0e3",
        "x: x.y.0",
        "x: x.y+2 + x.a-b.c",
        "x: x.y+2 / x.a-b.c",
        "x: [ x.y.z <nixpkgs> (x.a >x.b) ]",
        "x: [ x.y-1 ./a.b x.c ]",
        "x: [ x.y x.a.b-c ab:c.d ]",
        "x: [ x.a .5 ]",
        "x: x.y+.5",
        "x: x.y-.5/2",
        "x: [ x.y.z<nixpkgs> x.a<b> ]",
        "x: [ x.y~/a ]",
    ]);
    same(&["{ a = 1; }.a/2"]);
    rejected(&["x: x or x", "a/", "a/b/", "x: x.y/", "a_b:c:"]);
}

#[test]
fn unicode_and_line_endings() {
    same(&[
        "\"héllo ✓\"",
        "# ünïcödé comment\n1",
        "/* ü\n ✓ */ 1",
        "''\n  ü\n  ✓ ${\"ß\"}\n''",
        "{ \"ü\" = 1; }.\"ü\"",
        "\"\\ü\"",
        "let\r\n  a = 1;\r\nin\r\n  a\r\n",
        "{\r\n  a = ''\r\n    x\r\n  '';\r\n}\r\n",
        "1 # comment at the end without a newline",
        "1 # comment\r\n",
    ]);
    rejected(&["ü", "x: ü", "{ ü = 1; }"]);
}

#[test]
fn indented_strings_edges() {
    same(&[
        "''''",
        "'' ''",
        "''\n''",
        "''a''",
        "''''' ''",
        "'''''$''",
        "''''\\'''",
        "''$''",
        "''${\"a\"}''",
        "'' ${\"a\"} ''",
        "''\n  a\n\n    b\n''",
        "''\n  a ''${b}\n  c\n''",
        "''\n\t a\n''",
        "''\n  ''\\t a\n''",
        "''\n  a\n  ''",
        "x: ''\n  ${x}\n    y\n''",
        "x: ''${x}''",
        "''\n  a '' + ''\n    b\n  ''",
    ]);
    rejected(&["''", "'''", "''${''", "''a'' ''"]);
}

/// Texts longer than a few lexer batches: the parser drops consumed tokens as it goes,
/// and a refusal near the end must still reach the caller.
#[test]
fn long_texts_stream_through_the_lexer() {
    on_thread(|| {
        let g = globals();
        let mut body = String::from("rec {\n");
        for i in 0..3000 {
            body.push_str(&format!(
                "  a{i} = x: {{ b = x.c or [ 1 2 ]; d = \"s${{toString x}}\"; e = ./p/q{i}; }};\n"
            ));
        }
        let ok = format!("{body}}}");
        assert_eq!(compare(&g, &ok, None), Outcome::SameIr);
        // An error token right at the end (`$` alone), and a syntax error there.
        let lex_err = format!("{body}  z = $; }}");
        assert_eq!(compare(&g, &lex_err, None), Outcome::BothReject);
        let syntax_err = format!("{body}  z = ; }}");
        assert_eq!(compare(&g, &syntax_err, None), Outcome::BothReject);
        let unbound = format!("{body}  z = nope; }}");
        assert_eq!(compare(&g, &unbound, None), Outcome::BothReject);
    });
}

/// The on-demand lexer cuts the same tokens as lexing the whole text at once, for
/// every file of the repository.
#[test]
fn streamed_tokens_match_whole_text_lexing() {
    use super::lex::{lex, Lexer};
    let mut files = 0;
    for f in repo_files() {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let Ok(all) = lex(&text) else { continue };
        let mut lx = Lexer::new(&text).expect("short text");
        let mut streamed = Vec::new();
        loop {
            lx.fill(7).expect("whole-text lexing accepted it");
            streamed.append(&mut lx.out);
            if lx.done {
                break;
            }
        }
        let key = |t: &super::lex::Tok| (t.k, t.start, t.end, t.trivia_before);
        assert_eq!(
            all.iter().map(key).collect::<Vec<_>>(),
            streamed.iter().map(key).collect::<Vec<_>>(),
            "{}",
            f.display()
        );
        files += 1;
    }
    assert!(files > 1000, "{files}");
}

/// Operator chains the precedence climbing must group (or refuse) exactly as rnix's
/// one-function-per-level grammar does.
#[test]
fn operator_chains() {
    same(&[
        "1 + 2 * 3 ++ 4 // 5 == 6 && 7 || 8 -> 9",
        "1 -> 2 || 3 && 4 == 5 < 6 // 7 + 8 * 9 ++ 10",
        "1 - 2 + 3 - 4",
        "1 / 2 * 3 / 4",
        "[1] ++ [2] ++ [3] ++ [4]",
        "{} // {} // {}",
        "true -> false -> true -> false",
        "!true || !false && !true",
        "!true // {}",
        "{} // !true",
        "!!!true == false",
        "1 == !true",
        "1 < 2 == true",
        "true == 1 < 2",
        "1 < 2 && 3 < 4 || 5 > 6",
        "1 == 1 && 2 == 2 && 3 != 4",
        "!1 + 2 == 3",
        "-1 - -2 * -3",
        "- -1 ? a",
        "{ } ? a && { } ? b.c",
        "x: x ? a == x ? b",
        "x: -x.a or 1 + 2",
        "(1 == 2) == (3 == 4)",
        "a: b: c: a -> b == c",
        "[ (1 + 2) (3 * 4) ]",
    ]);
    rejected(&[
        "1 == 2 == 3",
        "1 < 2 < 3",
        "1 < 2 > 3",
        "1 != 2 == 3",
        "true && 1 == 2 == 3",
        "1 == 2 < 3 == 4",
        "true -> 1 < 2 < 3",
        "1 + !true",
        "1 * !true",
        "[1] ++ !true",
        "!",
        "1 +",
        "1 + * 2",
        "1 -> -> 2",
    ]);
}

/// rnix takes any token as a closing parenthesis; around operator chains the fast
/// parser must still agree (same IR, or both reject).
#[test]
fn odd_parentheses_agree() {
    on_thread(|| {
        let g = globals();
        for t in [
            "x: (x == x == x)",
            "x: [ (x == x == x) ]",
            "x: [ (x < x < x ]",
            "x: [ (x -> x ++ ]",
            "x: [ (!x // x ]",
            "x: [ (x + x == ]",
            "x: (x.a or x ? b == x)",
        ] {
            let o = compare(&g, t, None);
            assert!(
                matches!(o, Outcome::SameIr | Outcome::BothReject),
                "{t}: {o:?}"
            );
        }
    });
}

/// Nodes are moved by value through every parser return and make up most of a large
/// file's tree; keep them at 24 bytes.
#[test]
fn tree_nodes_stay_small() {
    assert!(std::mem::size_of::<super::ast::Node>() <= 24);
    assert!(std::mem::size_of::<super::ast::Kind>() <= 16);
}

#[test]
fn nesting_past_rnix_limit_parses_up_to_ours() {
    on_thread(|| {
        let g = globals();
        let parens = |n: usize| format!("{}1{}", "(".repeat(n), ")".repeat(n));
        let lets = |n: usize| format!("{}a", "let a = 1; in ".repeat(n));
        assert_eq!(compare(&g, &parens(500), None), Outcome::SameIr);
        assert_eq!(compare(&g, &parens(1000), None), Outcome::Deeper);
        assert_eq!(compare(&g, &lets(1700), None), Outcome::Deeper);
        // Past our limit the text goes to rnix, which reports it.
        assert_eq!(compare(&g, &parens(2000), None), Outcome::BothReject);
    });
}

/// `text` lowered a binding at a time and as a whole: `(streamed, whole)` dumps.
fn streamed_and_whole(g: &HashMap<Sym, Value>, text: &str) -> (Option<String>, Option<String>) {
    let file = add_source(Origin::File("/dir/file.nix".into()), Rc::from(text));
    let input = super::Input {
        text,
        file,
        base_dir: "/dir",
        globals: g,
        names: None,
    };
    let streamed = super::stream::parse_streamed(&input).map(dump);
    let whole = super::parse_whole(&input).map(dump);
    (streamed, whole)
}

/// The repository's files that parse on their own, as expressions to bind.
fn valid_repo_texts(g: &HashMap<Sym, Value>) -> Vec<String> {
    repo_files()
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter(|t| {
            let file = add_source(Origin::File("/dir/file.nix".into()), Rc::from(t.as_str()));
            super::parse_whole(&super::Input {
                text: t,
                file,
                base_dir: "/dir",
                globals: g,
                names: None,
            })
            .is_some()
        })
        .collect()
}

#[test]
fn streamed_lowering_matches_whole_file_lowering() {
    on_thread(|| {
        let g = globals();
        let texts = valid_repo_texts(&g);
        assert!(texts.len() > 1000, "only {} valid files", texts.len());
        // Every file of the repository in the set under several outsides: names from
        // the heads, the `with` and outside all of them, inherits, quoted names.
        // Each outside with names its bindings may use (under a `with`, any name).
        let heads = [
            ("", "map"),
            ("self: ", "self map"),
            ("{ lib, pkgs ? null, ... }@args: ", "lib pkgs args"),
            ("args @ { lib, x ? lib }: with lib; ", "lib x args map y"),
            ("{ lib }: self: with lib; with self; ", "lib self map z"),
            (
                "{ lib }: let inherit (lib) a; b = c: a c; c = b; in x: let d = x; in ",
                "lib a b c d x",
            ),
        ];
        let mut streamed = 0;
        for (h, (head, names)) in heads.iter().enumerate() {
            for chunk in texts.chunks(97) {
                let mut text = format!("{head}{{\n  inherit (builtins) map;\n");
                for (i, t) in chunk.iter().enumerate() {
                    text.push_str(&format!("  \"f-{h}-{i}\" = (\n{t}\n);\n"));
                    if i % 10 == 0 {
                        text.push_str(&format!("  g{i} = [ {names} ];\n"));
                    }
                }
                text.push_str("}\n");
                let (s, w) = streamed_and_whole(&g, &text);
                let w = w.unwrap_or_else(|| panic!("the whole text refused: {text}"));
                let s = s.unwrap_or_else(|| panic!("not streamed: {text}"));
                assert!(s == w, "streamed and whole IR differ for {text}");
                streamed += 1;
            }
        }
        assert!(streamed >= 50, "{streamed}");
    });
}

#[test]
fn shapes_that_cannot_stream_are_parsed_whole() {
    on_thread(|| {
        let g = globals();
        // Each gives up (`None`), and the whole-file path decides.
        for text in [
            "rec { a = 1; b = a; }",
            "rec { a = 1; } // { }",
            "{ a.b = 1; a.c = 2; }",
            "{ a = { b = 1; }; a.c = 2; }",
            "{ a = 1; a = 2; }",
            "{ a = 1; \"a\" = 2; }",
            "x: { ${x} = 1; }",
            "{ a = 1; }.a",
            "{ a = 1; } // { b = 2; }",
            "{ a = 1; } or 2",
            "{ a = 1; } ? a",
            "{ a = 1; } { }",
            "let x = 1; in rec { a = x; }",
            "let { body = { a = 1; }; }",
            "let x = { }; in x",
            "x: ({ a = x; })",
            "x: [ x ]",
            "{ a = ; }",
            "{ a = 1; b = undefined-name; }",
            "{ a = 1;",
            "{ a = 1; } }",
            "x: x: { }.y",
            "{ x, x }: { }",
            "{ a = 1; b = \"${\"; }",
        ] {
            let (s, w) = streamed_and_whole(&g, text);
            assert_eq!(s, None, "streamed: {text}");
            // Through the public path all of them agree with rnix as before.
            let o = compare(&g, text, None);
            assert!(
                matches!(o, Outcome::SameIr | Outcome::BothReject),
                "{text}: {o:?} (whole: {w:?})"
            );
        }
        // These do stream, with the IR of the whole file.
        for text in [
            "{ }",
            "{ a = 1; }",
            "x: y: with x; { a = y; inherit (x) b c; inherit y; d = { e = 1; }; }",
            "{ a ? 1, ... }@s: { b = a; c = s; }",
            "with { z = 1; }; { a = z; b = __curPos; \"c d\" = 2; }",
            "let x = 1; in { a = x; }",
            "y: let inherit (y) x; z = x; in with z; let w = z; in { a = x; b = w; c = q; }",
        ] {
            let (s, w) = streamed_and_whole(&g, text);
            assert!(s.is_some() && s == w, "{text}: {s:?} / {w:?}");
        }
    });
}

#[test]
fn streamed_bindings_keep_the_depth_limit() {
    on_thread(|| {
        let g = globals();
        // Around the parser's nesting limit, streaming accepts and refuses exactly
        // where the whole-file parse does.
        let mut saw = (false, false);
        for n in 1790..1802 {
            let deep = format!("{}1{}", "(".repeat(n), ")".repeat(n));
            for head in ["", "x: with x; ", "{ a }: b: ", "let c = 1; in "] {
                let text = format!("{head}{{ v = {deep}; }}");
                let (s, w) = streamed_and_whole(&g, &text);
                assert_eq!(s.is_some(), w.is_some(), "{head} depth {n}");
                assert_eq!(s, w, "{head} depth {n}");
                if w.is_some() {
                    saw.0 = true;
                } else {
                    saw.1 = true;
                }
            }
        }
        assert_eq!(saw, (true, true), "both sides of the limit");
    });
}

#[test]
fn large_texts_take_the_streamed_path_and_agree_with_rnix() {
    on_thread(|| {
        let g = globals();
        let mut text = String::from("{ lib }: with lib; {\n");
        let mut i = 0;
        while text.len() < super::stream::STREAM_MIN + 1000 {
            text.push_str(&format!(
                "  p{i} = {{ a ? {i} }}: {{ x = a + {i}; y = lib.f p{i}; s = \"v${{toString a}}\"; }};\n"
            ));
            i += 1;
        }
        text.push('}');
        let (s, _) = streamed_and_whole(&g, &text);
        assert!(s.is_some(), "streamed");
        assert_eq!(compare(&g, &text, None), Outcome::SameIr);
    });
}

#[test]
fn streamed_lowering_sees_a_scoped_import_frame() {
    on_thread(|| {
        let g = globals();
        let names = [Sym::new("a"), Sym::new("b")];
        for text in [
            "{ x = a; y = b; z = map; }",
            "c: with c; { x = a; y = d; }",
            "let e = a; in { x = e; y = b; }",
        ] {
            let file = add_source(Origin::File("/dir/file.nix".into()), Rc::from(text));
            let with_frame = super::Input {
                text,
                file,
                base_dir: "/dir",
                globals: &g,
                names: Some(&names),
            };
            let s = super::stream::parse_streamed(&with_frame).map(dump);
            let w = super::parse_whole(&with_frame).map(dump);
            assert!(s.is_some() && s == w, "{text}: {s:?} / {w:?}");
            // Without the frame, `a` and `b` are undefined: both refuse.
            let without = super::Input {
                names: None,
                ..with_frame
            };
            let s = super::stream::parse_streamed(&without);
            let w = super::parse_whole(&without);
            if !text.starts_with("c:") {
                assert!(s.is_none() && w.is_none(), "{text}");
            }
        }
    });
}

/// A `rec` set is placed at its `{`, but an operator, selection or call it starts
/// begins at `rec`, as in rnix's tree and Nix's parser.
#[test]
fn rec_sets_start_their_parents_at_rec() {
    same(&[
        "rec { a = 1; } // { }",
        "rec { a = 1; }.a",
        "rec { a = 1; }.b or 2",
        "rec { a = 1; } ? a",
        "x: rec { a = x; } x",
        "[ rec { a = 1; } (rec { b = 2; }) ]",
        "rec { a = 1; } == rec { a = 1; }",
    ]);
}
