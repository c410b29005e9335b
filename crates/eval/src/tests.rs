//! Snapshot-style tests of the evaluator: `check(expr, printed)` compares with what
//! `nix-instantiate --eval --strict` 2.8 prints (expected values were taken from it).

use crate::io::MemIo;

const STACK: usize = 256 << 20;

fn run(expr: &str, strict: bool) -> Result<String, String> {
    let e = expr.to_string();
    crate::with_eval_thread(STACK, move || {
        let mut io = MemIo::default();
        io.files.insert(
            "/lib/default.nix".into(),
            b"{ x = 1; f = a: a + 1; }".to_vec(),
        );
        io.files.insert("/lib/two.nix".into(), b"2".to_vec());
        crate::eval_string(Box::new(io), &e, strict, STACK)
    })
    .unwrap_or_else(|_| Err("thread failed".into()))
}

#[track_caller]
fn check(expr: &str, expected: &str) {
    match run(expr, true) {
        Ok(out) => assert_eq!(out, expected, "expression: {expr}"),
        Err(e) => panic!("expression {expr} failed:\n{e}"),
    }
}

#[track_caller]
fn check_lazy(expr: &str, expected: &str) {
    assert_eq!(
        run(expr, false).as_deref(),
        Ok(expected),
        "expression: {expr}"
    );
}

#[track_caller]
fn check_err(expr: &str, expected: &str) {
    match run(expr, true) {
        Ok(out) => panic!("expression {expr} succeeded with {out}"),
        Err(e) => assert_eq!(e, expected, "expression: {expr}"),
    }
}

#[test]
fn literals_and_printing() {
    check("1", "1");
    check("-5", "-5");
    check("1.0", "1");
    check(
        "[ 2.5 100000000.0 0.000012345 (1.0 / 3) ]",
        "[ 2.5 1e+08 1.2345e-05 0.333333 ]",
    );
    check("\"a\\nb\\t\\\"${\"$\"}{x}\"", "\"a\\nb\\t\\\"\\${x}\"");
    check(
        "{ b = 1; a = { c = null; }; \"x y\" = true; }",
        "{ a = { c = null; }; b = 1; \"x y\" = true; }",
    );
    check("[ ]", "[ ]");
    check("{ }", "{ }");
    check("x: x", "<LAMBDA>");
    check("builtins.add", "<PRIMOP>");
    check("builtins.add 1", "<PRIMOP-APP>");
    check("let x = [ 1 ]; in [ x x ]", "[ [ 1 ] «repeated» ]");
    check("let x = [ ]; in [ x x ]", "[ [ ] [ ] ]");
}

#[test]
fn lazy_printing_shows_code() {
    check_lazy(
        "{ a = 1; b = 1 + 1; f = x: x; }",
        "{ a = 1; b = <CODE>; f = <CODE>; }",
    );
}

#[test]
fn float_formatting() {
    use crate::print::{float_to_string, format_float};
    assert_eq!(format_float(0.1), "0.1");
    assert_eq!(format_float(123456.0), "123456");
    assert_eq!(format_float(1234567.0), "1.23457e+06");
    assert_eq!(format_float(-0.0001), "-0.0001");
    assert_eq!(format_float(0.00001), "1e-05");
    assert_eq!(float_to_string(1.5), "1.500000");
    check("toString 1.5", "\"1.500000\"");
}

#[test]
fn arithmetic_and_overflow() {
    check("9223372036854775807 + 1", "-9223372036854775808");
    check("7 / 2", "3");
    check("7 / 2.0", "3.5");
    check("builtins.div 7 2", "3");
    check("2 * 3 + 4", "10");
    check_err("1 / 0", "error: division by zero\n\n       at «string»:1:1:\n\n            1| 1 / 0\n             | ^");
}

#[test]
fn strings_and_paths() {
    check("\"a${toString 1}b\"", "\"a1b\"");
    check("''\n  a\n    b\n''", "\"a\\n  b\\n\"");
    check("''a''${x}''", "\"a\\${x}\"");
    check("./foo + \"/bar\"", "/foo/bar");
    check("/a/b/../c/./d", "/a/c/d");
}

#[test]
fn attribute_sets() {
    check("{ a.b = 1; a.c = 2; }", "{ a = { b = 1; c = 2; }; }");
    check("rec { a = 1; b = a + 1; }", "{ a = 1; b = 2; }");
    check("let a = 1; in { inherit a; }", "{ a = 1; }");
    check("{ inherit ({ x = 5; }) x; }", "{ x = 5; }");
    check("{ ${\"a\" + \"b\"} = 1; }", "{ ab = 1; }");
    check("{ a = 1; } // { b = 2; a = 3; }", "{ a = 3; b = 2; }");
    check("{ a.b.c = 1; } ? a.b.c", "true");
    check("{ a = 1; }.b or 7", "7");
    check("let { x = 1; body = x + 1; }", "2");
}

#[test]
fn functions_and_scopes() {
    check(
        "({ a, b ? a + 1, ... }@args: [ a b (args ? c) ]) { a = 1; c = 3; }",
        "[ 1 2 true ]",
    );
    check("with { a = 1; }; with { a = 2; }; a", "2");
    check("let a = 1; in with { a = 2; }; a", "1");
    check("{ __functor = self: x: x + self.n; n = 10; } 5", "15");
    check("toString { __toString = s: \"hi\"; }", "\"hi\"");
    check(
        "let f = x: x; in [ ([ f ] == [ f ]) (f == f) ]",
        "[ true false ]",
    );
}

#[test]
fn imports() {
    check("(import /lib).x", "1");
    check("import /lib/two.nix", "2");
    check("(import /lib).f 1", "2");
    check("(scopedImport { y = 5; } /lib/two.nix)", "2");
}

#[test]
fn builtins_basic() {
    check("builtins.sort builtins.lessThan [ 3 1 2 ]", "[ 1 2 3 ]");
    check("builtins.map (x: x * 2) [ 1 2 ]", "[ 2 4 ]");
    check("builtins.attrNames { b = 1; a = 2; }", "[ \"a\" \"b\" ]");
    check(
        "builtins.tryEval (throw \"x\")",
        "{ success = false; value = false; }",
    );
    check(
        "builtins.tryEval (assert false; 1)",
        "{ success = false; value = false; }",
    );
    check(
        "builtins.toJSON { a = [ 1 \"x\" null ]; }",
        "\"{\\\"a\\\":[1,\\\"x\\\",null]}\"",
    );
    check(
        "builtins.fromJSON ''{\"a\": [1, 2.5]}''",
        "{ a = [ 1 2.5 ]; }",
    );
    check(
        "builtins.split \"(a)\" \"xay\"",
        "[ \"x\" [ \"a\" ] \"y\" ]",
    );
    check("builtins.compareVersions \"1.2\" \"1.10\"", "-1");
    check(
        "builtins.parseDrvName \"hello-2.1\"",
        "{ name = \"hello\"; version = \"2.1\"; }",
    );
    check(
        "builtins.replaceStrings [ \"a\" ] [ \"b\" ] \"aca\"",
        "\"bcb\"",
    );
}

#[test]
fn derivation_paths_match_nix() {
    check(
        "(derivation { name = \"x\"; system = \"y\"; builder = \"/bin/sh\"; }).drvPath",
        "\"/nix/store/8r26l1pmjgczh2asasxjk8vc1bfix9xw-x.drv\"",
    );
    check(
        "builtins.toFile \"a\" \"hello\"",
        "\"/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a\"",
    );
}

#[test]
fn scope_errors_render_like_nix() {
    check_err(
        "let a = 1; in b",
        "error: undefined variable 'b'\n\n       at «string»:1:15:\n\n            1| let a = 1; in b\n             |               ^",
    );
    check_err(
        "{ a.b = 1; a.b = 2; }",
        "error: attribute 'a.b' already defined at (string):1:3\n\n       at «string»:1:12:\n\n            1| { a.b = 1; a.b = 2; }\n             |            ^",
    );
    check_err(
        "{a, a}: 1",
        "error: duplicate formal function argument 'a'\n\n       at «string»:1:5:\n\n            1| {a, a}: 1\n             |     ^",
    );
    check_err(
        "1 +",
        "error: syntax error, unexpected end of file\n\n       at «string»:1:3:\n\n            1| 1 +\n             |   ^",
    );
}

#[test]
fn caret_rendering_multiline() {
    check_err(
        "let\n  a = 1;\n  b = c;\nin\n  b",
        "error: undefined variable 'c'\n\n       at «string»:3:7:\n\n            2|   a = 1;\n            3|   b = c;\n             |       ^\n            4| in",
    );
}

#[test]
fn runtime_errors() {
    check_err(
        "let x = x; in x",
        "error: infinite recursion encountered\n\n       at «string»:1:9:\n\n            1| let x = x; in x\n             |         ^",
    );
    check_err(
        "{ a = 1; }.b",
        "error: attribute 'b' missing\n\n       at «string»:1:1:\n\n            1| { a = 1; }.b\n             | ^\n       Did you mean a?",
    );
    check_err(
        "assert 1 == 2; 1",
        "error: assertion '(1 == 2)' failed\n\n       at «string»:1:1:\n\n            1| assert 1 == 2; 1\n             | ^",
    );
    let deep = run("let f = x: f x; in f 1", true);
    assert_eq!(
        deep,
        Err("error: stack overflow (possible infinite recursion)".to_string())
    );
}

/// A list nested 200,000 deep is built without recursion (`foldl'`), so only printing
/// it recurses: with a 4 MiB evaluation stack limit (on a thread that has far more, so
/// dropping the value afterwards is safe) printing must stop with the evaluator's
/// stack-overflow error instead of running past the limit.
#[test]
fn printing_a_value_deeper_than_the_stack_is_an_error_not_a_crash() {
    let text = "builtins.foldl' (acc: x: [ acc ]) [ ] (builtins.genList (x: x) 200000)";
    let r = crate::with_eval_thread(STACK, move || {
        crate::eval_string(Box::new(MemIo::default()), text, false, 4 << 20)
    })
    .expect("evaluation thread");
    let e = r.expect_err("printing should stop at the stack limit");
    assert!(e.contains("stack overflow"), "{e}");
    // Shallow enough, the same value prints (as nix-instantiate 2.8 prints it: the
    // initial accumulator is never forced).
    let small = "builtins.foldl' (acc: x: [ acc ]) [ ] (builtins.genList (x: x) 3)";
    let r = crate::with_eval_thread(STACK, move || {
        crate::eval_string(Box::new(MemIo::default()), small, false, 4 << 20)
    })
    .expect("evaluation thread");
    assert_eq!(r.as_deref(), Ok("[ [ [ <CODE> ] ] ]"));
}

/// `count` reproducible pseudo-random sequences of 0–63 items drawn from `alphabet` (a
/// fixed linear congruential generator seeded with `seed`): inputs for tests that compare
/// a fast routine with a simple oracle.
pub(crate) fn pseudo_random_runs<T: Copy>(seed: u64, alphabet: &[T], count: usize) -> Vec<Vec<T>> {
    let mut x = seed;
    let mut step = || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x
    };
    (0..count)
        .map(|_| {
            let len = (step() >> 58) as usize;
            (0..len)
                .map(|_| alphabet[(step() >> 33) as usize % alphabet.len()])
                .collect()
        })
        .collect()
}

/// `expr` evaluated strictly with an empty in-memory file system on a thread with a
/// `stack`-byte stack: the printed value, or the error message.
pub(crate) fn eval_in_memory(expr: &str, stack: usize) -> Result<String, String> {
    let e = expr.to_string();
    crate::with_eval_thread(stack, move || {
        let io = MemIo::default();
        crate::eval_string(Box::new(io), &e, true, stack)
    })
    .unwrap_or_else(|_| Err("thread failed".into()))
}

#[test]
fn the_evaluation_thread_for_exit_hands_over_its_result_or_its_panic() {
    let v = crate::on_eval_thread_then_exit(1 << 20, || 6 * 7).expect("a result");
    assert_eq!(v, 42);
    // The thread is left waiting; a second one works all the same.
    let s = crate::on_eval_thread_then_exit(1 << 20, || String::from("again")).expect("again");
    assert_eq!(s, "again");
    let r = crate::on_eval_thread_then_exit(1 << 20, || -> u8 { panic!("inside") });
    assert!(r.is_err(), "a panic is an error, not a hang");
}

/// `builtins.builtins` is the set itself, already a value: printed lazily, the inner
/// one is `«repeated»` (nix-instantiate --eval -E builtins), not `<CODE>` nor a second
/// copy of the whole set.
#[test]
fn builtins_inside_builtins_prints_as_repeated() {
    let out = run("builtins", false).expect("evaluates");
    assert!(out.contains(" builtins = «repeated»; "), "{out}");
    assert_eq!(out.matches("abort = <PRIMOP>").count(), 1, "{out}");
    check("builtins.builtins.builtins.length [ 1 ]", "1");
}
