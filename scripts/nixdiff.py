#!/usr/bin/env python3
"""Differential test of `nest eval` against `nix-instantiate --eval` (Nix 2.8).

Generates many small expressions over builtins and operators (wrong argument types,
edge values, error paths), runs both programs on each with the same flags in the same
clean environment as crates/cli/tests/lang.rs, and compares stdout, stderr and exit
status. Prints a summary grouped by what differs and by builtin/operator, and writes
every difference as one JSON object per line to --out.

    scripts/nixdiff.py --nest target/release/nest            # the full run
    scripts/nixdiff.py --only 'substring|split' --show 5     # a subset, more examples
    scripts/nixdiff.py --expr '1 + "a"' --flags '--json'     # one case, both outputs

Classes of difference, most serious first: `rc` (exit status), `stdout`, `msg` (the
`error:` block), `loc` (the first `at FILE:LINE:COL:` line), `stderr` (anything else:
source excerpts, traces). Cases are deterministic for a given --seed.

Known and accepted: `builtins.nestElfInfo` (nest's own builtin) makes `builtins` one
attribute longer than Nix's, so expressions listing `builtins` are left out.
"""

import argparse
import concurrent.futures as cf
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile

# Values as Nix source: edge numbers, strings, containers, functions, paths, errors.
VALUES = [
    "0", "1", "-1", "7", "9223372036854775807", "(-9223372036854775807 - 1)",
    "-9223372036854775808", "4611686018427387904",
    "0.0", "-0.0", "0.1", "1.5", "-2.5", "1e300", "1.0e300", "1.0e-300", "123456789.0", "1.0e6",
    "0.333333333", "(1.0 / 3)",
    '""', '"a"', '"abc"', '"ab\\ncd"', '"héllo ✓ 日本"',
    # Strings that are not UTF-8 (half of "é"; the tail of "é" and half of "✓").
    '(builtins.substring 0 1 "é")', '(builtins.substring 1 3 "é✓")', '"${"x"}y"', "''  indented\n  text''",
    '"1.2.3"', '"foo-1.0pre2"', '"/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-x"', '"a,b,,c"',
    '(builtins.concatStringsSep "" (builtins.genList (_: "abcdefgh") 500))',
    "[]", "[ 1 2 3 ]", '[ "b" "a" "c" ]', "[ [ ] [ 1 ] ]", "[ 1 \"a\" null ]", "[ 3 1 2 ]",
    "(builtins.genList (x: x) 200)", "[ [ [ [ [ [ [ [ 1 ] ] ] ] ] ] ] ]",
    "{ }", "{ a = 1; b = \"x\"; }", "{ name = \"n\"; value = 2; }", "{ a.b.c = 1; }",
    "{ __toString = self: \"ts\"; }", "{ outPath = \"/some/out\"; }", "{ type = \"derivation\"; name = \"d\"; }",
    "rec { a = 1; b = a; }",
    # A large set, and large sets updated with a few names (layered in nest).
    '(builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 100))',
    '(builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 100) // { k5 = "o"; a = 1; })',
    '(builtins.foldl\' (s: i: s // { "k${toString (i * 7)}" = -i; "n${toString i}" = i; }) (builtins.listToAttrs (builtins.genList (i: { name = "k${toString i}"; value = i; }) 100)) (builtins.genList (x: x) 12))',
    "null", "true", "false",
    "./.", "./file.txt", "/nonexistent-nixdiff", "./dir",
    "(x: x)", "({ a, b ? 2 }: a)", "builtins.add", "builtins.map", "(builtins.add 1)",
    '(throw "boom")', '(abort "stop")', "(assert false; 1)", "({ }).missing",
    "undefinedVariable",
]

NUMBERS = ["0", "1", "-1", "2", "3", "-3", "9223372036854775807", "(-9223372036854775807 - 1)",
           "0.0", "-0.0", "0.1", "2.5", "-2.5", "1.0e300", "1.0e308", "1.0e-300", "1e3"]

BUILTINS = {
    "abort": 1, "add": 2, "addErrorContext": 2, "all": 2, "any": 2, "attrNames": 1,
    "attrValues": 1, "baseNameOf": 1, "bitAnd": 2, "bitOr": 2, "bitXor": 2, "catAttrs": 2,
    "ceil": 1, "compareVersions": 2, "concatLists": 1, "concatMap": 2, "concatStringsSep": 2,
    "deepSeq": 2, "dirOf": 1, "div": 2, "elem": 2, "elemAt": 2, "filter": 2, "floor": 1,
    "foldl'": 3, "fromJSON": 1, "fromTOML": 1, "functionArgs": 1, "genList": 2,
    "genericClosure": 1, "getAttr": 2, "getContext": 1, "groupBy": 2, "hasAttr": 2,
    "hasContext": 1, "hashString": 2, "head": 1, "intersectAttrs": 2, "isAttrs": 1,
    "isBool": 1, "isFloat": 1, "isFunction": 1, "isInt": 1, "isList": 1, "isNull": 1,
    "isPath": 1, "isString": 1, "length": 1, "lessThan": 2, "listToAttrs": 1, "map": 2,
    "mapAttrs": 2, "match": 2, "mul": 2, "parseDrvName": 1, "partition": 2, "pathExists": 1,
    "readDir": 1, "readFile": 1, "removeAttrs": 2, "replaceStrings": 3, "seq": 2, "sort": 2,
    "split": 2, "splitVersion": 1, "stringLength": 1, "sub": 2, "substring": 3, "tail": 1,
    "throw": 1, "toJSON": 1, "toString": 1, "toXML": 1, "trace": 2, "tryEval": 1,
    "typeOf": 1, "unsafeDiscardStringContext": 1, "unsafeGetAttrPos": 2, "zipAttrsWith": 2,
    "appendContext": 2, "unsafeDiscardOutputDependency": 1, "placeholder": 1, "toFile": 2,
    "storePath": 1, "hashFile": 2, "findFile": 2, "toPath": 1, "import": 1, "scopedImport": 2,
    "derivationStrict": 1, "path": 1, "filterSource": 2,
}

# Arguments that make sense for a builtin's parameters, so calls get past the type checks.
TYPICAL = {
    "all": [["(x: x > 1)", "(x: x)"], ["[ 1 2 3 ]", "[ ]", "[ true (throw \"t\") ]"]],
    "any": [["(x: x > 1)", "(x: x)"], ["[ 1 2 3 ]", "[ ]", "[ false true ]"]],
    "catAttrs": [['"a"', '"x"'], ["[ { a = 1; } { b = 2; } { a = 3; } ]", "[ ]", "[ 1 ]"]],
    "compareVersions": [['"1.0"', '"1.0pre"', '"2.3.4"', '""', '"a"'], ['"1.0"', '"1.0.1"', '"1.0a"', '""']],
    "concatMap": [["(x: [ x x ])", "(x: x)"], ["[ 1 2 ]", "[ [ 1 ] ]", "[ ]"]],
    "concatStringsSep": [['", "', '""'], ['[ "a" "b" ]', "[ ]", "[ 1 ]", '[ ./file.txt "x" ]']],
    "elem": [["1", '"a"', "null"], ["[ 1 2 ]", '[ "a" ]', "[ ]"]],
    "elemAt": [["[ 1 2 3 ]", "[ ]"], ["0", "2", "3", "-1", "9223372036854775807", "1.0"]],
    "filter": [["(x: x > 1)", "(x: 1)"], ["[ 1 2 3 ]", "[ ]"]],
    "foldl'": [["(a: b: a + b)", "(a: b: b)", "builtins.sub"], ["0", '""', "[ ]"], ["[ 1 2 3 ]", "[ ]", '[ "a" ]']],
    "genList": [["(x: x * 2)", "(x: throw \"g\")"], ["0", "3", "-1", "1.5"]],
    "getAttr": [['"a"', '"z"', '""', '(builtins.substring 0 1 "é")'],
                ["{ a = 1; }", "{ }", '{ ${builtins.substring 0 1 "é"} = 1; "é" = 2; }']],
    "groupBy": [["(x: if x > 1 then \"big\" else \"small\")", "(x: x)"], ["[ 1 2 3 ]", "[ ]"]],
    "hasAttr": [['"a"', '"z"', '(builtins.substring 0 1 "é")'],
                ["{ a = 1; }", "{ }", '{ ${builtins.substring 0 1 "é"} = 1; }']],
    "hashString": [['"md5"', '"sha1"', '"sha256"', '"sha512"', '"sha3"', '""'], ['""', '"abc"', '"héllo"']],
    "intersectAttrs": [["{ a = 1; }", "{ }"], ["{ a = 2; b = 3; }", "{ }"]],
    "lessThan": [["1", "1.5", '"a"', "[ 1 ]", "null"], ["2", "1.5", '"b"', "[ 2 ]", "null"]],
    "map": [["(x: x + 1)", "(x: [ x ])"], ["[ 1 2 ]", "[ ]", '[ "a" ]']],
    "mapAttrs": [["(n: v: v + 1)", "(n: v: n)"], ["{ a = 1; b = 2; }", "{ }"]],
    "match": [['"a(b)c"', '"(.*)"', '"[a-"', '"a|"', '""', '"(a)|b"', '"\\\\d+"', '"[[:digit:]]+"',
               '"(.)"', '"([é])(.*)"', '"(é)"', '"[[:w:]]+"', '"^*a"', '"(?i)a"', '"[[:word:]]"'],
              ['"abc"', '""', '"123"', '"ab\\nc"', '"é"', '(builtins.substring 0 1 "é")']],
    "partition": [["(x: x > 1)"], ["[ 1 2 3 ]", "[ ]"]],
    "removeAttrs": [["{ a = 1; b = 2; }", "{ }"], ['[ "a" ]', "[ ]", "[ 1 ]"]],
    "replaceStrings": [['[ "a" ]', '[ "" ]', '[ "a" "b" ]', "[ ]"], ['[ "x" ]', '[ "" ]', '[ "x" "y" ]', "[ ]"],
                       ['"abc"', '""', '"aaa"', '"héllo"', '(builtins.substring 0 1 "é")']],
    "sort": [["(a: b: a < b)", "builtins.lessThan", "(a: b: true)"], ["[ 3 1 2 ]", "[ ]", '[ "b" "a" ]']],
    "split": [['"(,)"', '","', '""', '"(a)|b"', '"[a-"', '"x*"', '"(.)"', '"é"'],
              ['"a,b,c"', '""', '"abba"', '"aéb"', '(builtins.substring 0 1 "é")']],
    "substring": [["0", "1", "-1", "3", "9223372036854775807"], ["0", "1", "-1", "2", "100"],
                  ['"hello"', '""', '"héllo"', '"✓"']],
    "trace": [['"msg"', "1", "{ a = 1; }", "[ 1 ]", "null"], ["1", '"r"']],
    "unsafeGetAttrPos": [['"a"', '"z"'], ["{ a = 1; }", "{ }"]],
    "zipAttrsWith": [["(n: vs: vs)", "(n: vs: n)"], ["[ { a = 1; } { a = 2; b = 3; } ]", "[ ]", "[ 1 ]"]],
    "genericClosure": [["{ startSet = [ { key = 1; } ]; operator = x: [ ]; }",
                        "{ startSet = [ { key = 1; } ]; operator = x: if x.key < 5 then [ { key = x.key + 1; } ] else [ ]; }",
                        "{ startSet = [ { key = 1; } { key = \"a\"; } ]; operator = x: [ ]; }",
                        "{ startSet = [ { } ]; operator = x: [ ]; }",
                        "{ startSet = [ ]; }", "{ operator = x: [ ]; }"]],
    "listToAttrs": [["[ { name = \"a\"; value = 1; } { name = \"a\"; value = 2; } ]", "[ { name = 1; value = 2; } ]",
                     "[ { value = 1; } ]", "[ { name = \"b\"; } ]", "[ 1 ]"]],
    "fromJSON": [['"{\\"a\\": [1, 2.5, null, true]}"', '"1e400"', '"-0"', '"[1,]"', '""', '"\\"\\\\u00e9\\""',
                  '"9223372036854775808"', '"-9223372036854775809"', '"0.1"', '"{\\"a\\":1,\\"a\\":2}"', '"1 2"']],
    "fromTOML": [['"a = 1"', '"a = 1.5\\nb = \\"x\\""', '"[t]\\nx = [1, 2]"', '"a ="', '""', '"a = 9223372036854775808"',
                  '"d = 1979-05-27"', '"a.b = 1\\na.c = 2"', '"a = [1 2]"', '"[a]\\nb = 1\\n[a]"',
                  '"a = { b = 1, }"', '"a = 0x"', '"a = 1e400"', '"a = \\"x"', '"a.b = 1\\n[a]"', '"x = 1\\tz"']],
    "toJSON": [["1.5", "0.1", "1e300", "-0.0", "123456789.0", '"a\\"b\\\\c\\n\\t\\u0001"', "{ a = [ null true ]; }",
                "./file.txt", "(x: x)", "{ outPath = \"/o\"; }", "{ __toString = s: \"ts\"; }", "1e-7"]],
    "toXML": [["1.5", '"<&>\\""', "{ a = [ null true ]; }", "(x: x)", "({ a, b ? 1, ... }@c: a)", "./file.txt", "-0.0"]],
    "toString": [["1.5", "0.1", "1e300", "-0.0", "123456789.0", "[ 1 [ 2 null ] true false \"s\" ]", "null", "true",
                  "1e-7", "100000.0", "1000000.0"]],
    "parseDrvName": [['"hello-1.0"', '"hello"', '"a-b-2c-d"', '"-1"', '""', '"x-"']],
    "splitVersion": [['"1.2.3pre4"', '""', '"a.b-c_d"', '"1..2"']],
    "baseNameOf": [['"/a/b/"', '"a"', '""', '"/"', "./file.txt", '"//x//"']],
    "dirOf": [['"/a/b/"', '"a"', '""', '"/"', "./file.txt", '"a/b"', '"//x//"']],
    "functionArgs": [["({ a, b ? 1 }: a)", "(x: x)", "builtins.add", "({ ... }: 1)"]],
    "tryEval": [['(throw "t")', "(assert false; 1)", '(abort "a")', "1", "({ }).x", '{ a = throw "x"; }']],
    "deepSeq": [['{ a = throw "deep"; }', "[ (throw \"l\") ]", "1"], ["2"]],
    "seq": [['{ a = throw "deep"; }', "(throw \"s\")", "1"], ["2"]],
    "readFile": [["./file.txt", '"/nonexistent-nixdiff"', "./dir", "./."]],
    "readDir": [["./dir", "./file.txt", '"/nonexistent-nixdiff"', "./."]],
    "pathExists": [["./file.txt", "./nope", '"/nonexistent-nixdiff"', '"relative"']],
    "placeholder": [['"out"', '""', '"dev"']],
    "getContext": [['"${./file.txt}"', '"x"', '"${builtins.toFile "f" "c"}"']],
    "hasContext": [['"${./file.txt}"', '"x"']],
    "toFile": [['"f"', '"a/b"', '""', '"f.txt"'], ['"content"', '""', '"${./file.txt}"']],
    "toPath": [['"/a/../b"', '"rel"', '""', '"/a//b/./c"']],
    "derivationStrict": [['{ name = "d"; system = "x"; builder = "/b"; }', '{ name = "d"; }', '{ }',
                          '{ name = "d"; system = "x"; builder = "/b"; outputs = [ "a" "a" ]; }',
                          '{ name = "d d"; system = "x"; builder = "/b"; }']],
}

# Binary operators, with a few unary forms and selection syntax.
BINOPS = ["+", "-", "*", "/", "++", "//", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "->"]

# Hand-written expressions: syntax errors, scope errors, printing, laziness.
EXTRA = [
    "let x = x; in x", "rec { a = b; b = a; }.a", "let f = x: f x; in f 1", "{ a = 1; a = 2; }",
    "{ a.b = 1; a.b = 2; }", "({ a, a }: 1)", "x: y", "1 +", "(", "[ 1 2", "{ a = 1 }", "\"unterminated",
    "''unterminated", "let in 1", "let { body = 1; }", "{ inherit a; }", "let a = 1; in { inherit a; }",
    "with { a = 1; }; a", "with 1; a", "with { }; a", "assert 1; 2", "if 1 then 2 else 3", "!1", "-\"a\"",
    "{ a = 1; }.a.b", "{ a = 1; } ? a.b", "{ a = { b = 1; }; } ? a.b", "{ }.a or 5", "1.a or 2",
    "builtins.foo",
    "__curPos", "{ x = __curPos; }", "let f = { a ? throw \"d\" }: a; in f { }",
    "(x: x) 1 2", "1 2", "\"a\" 1", "null.x", "{ \"${null}\" = 1; }", "{ ${\"a\"} = 1; }",
    "{ ${\"a\"} = 1; a = 2; }", "let a = { }; in a.\"b\"", "rec { a = 1; \"${\"b\"}\" = a; }",
    "9223372036854775807 + 1", "(-9223372036854775807 - 1) - 1", "9223372036854775807 * 2",
    "(-9223372036854775807 - 1) / -1", "1 / 0", "1.0 / 0", "0.0 / 0", "1 / 0.0", "-1 / 0.0",
    "builtins.div 7 (-2)", "builtins.div (-7) 2", "7 / -2",
    "[ (1.0 / 3) 1e21 1e-5 123456.7 1234567.0 0.1 -0.0 1e300 5e-324 ]", "1e309", "0.00001", "100.0",
    "99999999999999999999", "0x10", "1.", ".5", "1e", "01", "1_000",
    "\"\\u00e9\"", "\"a\\tb\\rc\"", "''a\n  ''${b}\n'''\n''\\n''", "''\n  a\n    b\n''", "''\t a''",
    "\"${1}\"", "\"${1.5}\"", "\"${null}\"", "\"${[ ]}\"", "\"${{ }}\"", "\"${./file.txt}\"", "\"${x: x}\"",
    "./file.txt + \"/x\"", "\"x\" + ./file.txt", "./. + ./file.txt", "/a + /b", "./a/../b", "~/x",
    "<nixpkgs>", "<nope/x>", "./file.txt/", "a/b", "./.././../x",
    "{ a = 1; } == { a = 1; }", "(x: x) == (x: x)", "{ f = x: x; } == { f = x: x; }",
    "let f = x: x; in [ f ] == [ f ]", "let f = x: x; in { a = f; } == { a = f; }", "1 == 1.0",
    "[ 1 ] < [ 1 2 ]", "[ 1 \"a\" ] < [ 1 2 ]", "[ ] < [ ]", "null < null", "./a < ./b",
    "builtins.genList (x: x) 100000 == builtins.genList (x: x) 100000",
    "let l = builtins.genList (x: [ x ]) 10; in l", "{ a = { }; b = [ ]; c = \"\"; }",
    "{ a = x: x; b = builtins.add; c = builtins.add 1; }",
    "let d = derivation { name = \"n\"; system = \"s\"; builder = \"/b\"; }; in d",
    "let d = derivation { name = \"n\"; system = \"s\"; builder = \"/b\"; }; in [ d d ]",
    "let d = derivation { name = \"n\"; system = \"s\"; builder = \"/b\"; }; in d.drvPath",
    "let d = derivation { name = \"n\"; system = \"s\"; builder = \"/b\"; }; in { inherit d; e = d; }",
    "let s = { a = 1; }; in [ s s ]", "let s = [ 1 ]; in { a = s; b = s; }",
    "let x = { y = x; }; in x", "rec { a = { b = a; }; }", "let l = [ l ]; l2 = l; in l",
    "{ __functor = self: x: x + 1; } 2", "{ __functor = 1; } 2", "{ __toString = 1; } + \"\"",
    "\"${{ __toString = s: 1; }}\"", "toString { __toString = s: 1; }", "toString { outPath = 1; }",
    "builtins.toJSON { __toString = s: \"x\"; outPath = \"y\"; }",
    "let a = 1; in let a = 2; in a", "let x = 1; in with { x = 2; }; x", "with { x = 1; }; with { x = 2; }; x",
    "(import ./dir)", "import ./file.txt", "import ./nope.nix", "scopedImport { x = 1; } ./file.txt",
    "builtins.unsafeGetAttrPos \"a\" { a = 1; }", "builtins.toXML { a = x: x; }",
    "builtins.addErrorContext \"ctx\" (throw \"inner\")", "builtins.tryEval (builtins.addErrorContext \"c\" (throw \"i\"))",
    "throw 1", "throw { }", "abort [ ]", "throw \"multi\nline\"", "abort \"\"", "throw \"\"",
    "assert 1 == 2; 3", "assert (throw \"a\"); 1", "let f = { a }: a; in f { b = 1; }", "let f = { a }: a; in f { }",
    "let f = { a }: a; in f 1", "let f = { a, ... }: a; in f { a = 1; b = 2; }", "({ a ? 1 }@args: args) { }",
    "({ a ? 1, ... }@args: args.a) { a = 2; }", "(args@{ a ? 1 }: args) { }",
    "builtins.elemAt [ ] 0", "builtins.head [ ]", "builtins.tail [ ]", "builtins.length 1",
    "builtins.getAttr \"x\" { }", "{ }.x", "let a = { b = { }; }; in a.b.c", "let a = { b = { }; }; in a.b.c.d",
    "builtins.genList (x: x) (-1)", "builtins.substring (-1) 1 \"a\"", "builtins.substring 1 (-1) \"abc\"",
    "builtins.replaceStrings [ \"a\" ] [ ] \"a\"", "builtins.toString (x: x)", "builtins.toString { }",
    "builtins.concatStringsSep \",\" [ { } ]", "builtins.hashString \"md4\" \"\"",
    "builtins.match \"(\" \"\"", "builtins.split \"(\" \"\"", "builtins.fromJSON \"{\"", "builtins.fromJSON \"nul\"",
    "builtins.sort (a: b: throw \"cmp\") [ 1 2 ]", "builtins.sort (a: b: 1) [ 1 2 ]",
    "builtins.seq (throw \"s\") 1", "builtins.deepSeq [ (throw \"d\") ] 1",
    "builtins.foldl' (a: b: throw \"f\") 0 [ 1 ]", "builtins.map (x: x) 1", "builtins.map 1 [ 1 ]",
    "builtins.filter (x: 1) [ 1 ]", "builtins.all (x: 1) [ 1 ]", "builtins.concatLists [ 1 ]",
    "builtins.listToAttrs [ { name = \"a\"; } ]", "builtins.attrNames [ ]", "builtins.mapAttrs 1 { a = 1; }",
    "builtins.mapAttrs (x: x) { a = 1; }", "builtins.removeAttrs { } [ 1 ]", "builtins.elem 1 1",
    "builtins.typeOf (x: x)", "builtins.typeOf builtins.add", "builtins.typeOf ./.", "builtins.typeOf 1.0",
    "builtins.isFunction builtins.add", "builtins.functionArgs builtins.add",
    "builtins.langVersion", "builtins.nixVersion", "builtins.storeDir", "builtins.currentSystem",
    "builtins.nixPath", "builtins.getEnv \"HOME\"", "builtins.getEnv \"\"", "builtins.true", "builtins.null",
    "builtins.builtins.true", "builtins.attrNames builtins.builtins == builtins.attrNames builtins",
    "true.x or 1", "let or = 1; in or", "{ or = 1; }.or", "[ or ]", "let __curPos = 1; in __curPos",
    "let true = false; in true", "let null = 1; in null", "let builtins = 1; in builtins",
]

FLAGSETS_ALL = [["--strict"], [], ["--strict", "--json"], ["--json"], ["--strict", "--xml"], ["--xml"]]


def generate(rng):
    """Yields (key, expr, flags) triples."""
    cases = []
    # Printing of each value in every output format.
    for v in VALUES:
        for fl in FLAGSETS_ALL:
            cases.append(("value", "(" + v + ")" if v.startswith("-") else v, fl))
    for e in EXTRA:
        for fl in [["--strict"], [], ["--strict", "--json"], ["--strict", "--xml"]]:
            cases.append(("extra", e, fl))
    # Builtins: every value for unary ones, typical argument combinations, random ones.
    for name, arity in sorted(BUILTINS.items()):
        f = "builtins." + name
        seen = set()
        def add(args, flags=("--strict",)):
            e = f + "".join(" " + (a if re.fullmatch(r"[\w.\"'-]+", a) and a[0] != "-" else "(" + a + ")") for a in args)
            if e not in seen:
                seen.add(e)
                cases.append((name, e, list(flags)))
        if name in ("import", "scopedImport", "readFile", "readDir", "path", "filterSource",
                    "storePath", "hashFile", "findFile", "toFile", "derivationStrict"):
            pool = [v for v in VALUES if not v.startswith("./")] + ["./file.txt"]
        else:
            pool = VALUES
        typ = TYPICAL.get(name)
        if typ:
            combos = [[]]
            for slot in typ:
                combos = [c + [a] for c in combos for a in slot]
            if len(typ) < arity:
                combos = [c + [rng.choice(pool) for _ in range(arity - len(typ))] for c in combos]
            rng.shuffle(combos)
            for c in combos[:60]:
                add(c)
        if arity == 1:
            for v in pool:
                add([v])
        else:
            for _ in range(40):
                add([rng.choice(pool) for _ in range(arity)])
            if typ:
                # One argument wrong, the others typical.
                for _ in range(20):
                    c = [rng.choice(slot) for slot in typ] + [rng.choice(pool) for _ in range(arity - len(typ))]
                    c[rng.randrange(arity)] = rng.choice(pool)
                    add(c)
    for op in BINOPS:
        pairs = set()
        if op in ("+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!="):
            pairs.update((a, b) for a in NUMBERS for b in NUMBERS)
        for _ in range(120):
            pairs.add((rng.choice(VALUES), rng.choice(VALUES)))
        for a, b in sorted(pairs):
            cases.append((op, "(" + a + ") " + op + " (" + b + ")", ["--strict"]))
    for v in VALUES:
        # In parentheses: an `-E` argument starting with `-` is taken for a flag.
        cases.append(("unary-", "(-(" + v + "))", ["--strict"]))
        cases.append(("unary!", "!(" + v + ")", ["--strict"]))
        cases.append(("select", "(" + v + ").a", ["--strict"]))
        cases.append(("select", "(" + v + ").a or 1", ["--strict"]))
        # A found attribute whose value fails, or a path that fails after one was found:
        # Nix 2.8 adds a trace frame (the `--show-trace` hint) in both cases.
        cases.append(("select-found", "{ a = " + v + "; }.a", ["--strict"]))
        cases.append(("select-found", "{ a = { b = " + v + "; }; }.a.b.c", ["--strict"]))
        cases.append(("hasattr", "(" + v + ") ? a", ["--strict"]))
        cases.append(("interp", '"${' + v + '}"', ["--strict"]))
        cases.append(("call", "(" + v + ") 1", ["--strict"]))
        cases.append(("if", "if " + v + " then 1 else 2", ["--strict"]))
        cases.append(("with", "with " + v + "; 1", ["--strict"]))
        cases.append(("list", "[ (" + v + ") ]", ["--strict", "--json"]))
        cases.append(("set", "{ x = " + v + "; }", ["--strict", "--xml"]))
        # `--show-trace`: the frames of calls (named, anonymous, curried, through a
        # builtin) and of selections around an error caused by the value.
        cases.append(("trace-call", "let f = x: x + 1; in f (" + v + ")", ["--strict", "--show-trace"]))
        cases.append(("trace-call", "builtins.map (x: x.a) [ (" + v + ") ]", ["--strict", "--show-trace"]))
        cases.append(("trace-call", "let f = { a }: b: a + b; in f { a = " + v + "; } 1",
                      ["--strict", "--show-trace"]))
        cases.append(("trace-call", "builtins.foldl' (a: b: b a) 0 [ (" + v + ") ]", ["--strict", "--show-trace"]))
        cases.append(("trace-select", "{ a = { b = " + v + "; }; }.a.b.c", ["--strict", "--show-trace"]))
    return cases


def make_workdir():
    d = tempfile.mkdtemp(prefix="nixdiff-")
    with open(os.path.join(d, "file.txt"), "w") as f:
        f.write("file contents\n")
    os.mkdir(os.path.join(d, "dir"))
    with open(os.path.join(d, "dir", "default.nix"), "w") as f:
        f.write("{ imported = 1; }\n")
    os.mkdir(os.path.join(d, "dir", "sub"))
    # Nix's state lives outside the directory, or `./.` would hash differently per run.
    state = tempfile.mkdtemp(prefix="nixdiff-state-")
    for sub in ("conf", "state", "log", "config", "cache", "data", "root"):
        os.makedirs(os.path.join(state, sub))
    return d, state


def env_for(state):
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": "/homeless-shelter",
        "NIX_STORE_DIR": "/nix/store",
        "NIX_PATH": "",
        "NIX_REMOTE": "local?root=" + os.path.join(state, "root"),
        "NIX_STATE_DIR": os.path.join(state, "state"),
        "NIX_LOG_DIR": os.path.join(state, "log"),
        "NIX_CONF_DIR": os.path.join(state, "conf"),
        "XDG_CONFIG_HOME": os.path.join(state, "config"),
        "XDG_CACHE_HOME": os.path.join(state, "cache"),
        "XDG_DATA_HOME": os.path.join(state, "data"),
        "TMPDIR": state,
        "NO_COLOR": "1",
        "TZ": "UTC",
        "LC_ALL": "C",
    }


# What one program may write and map. Some cases make Nix print without end (the XML of
# a cyclic value: 19.5 GB before it fails); captured in memory, that output once filled
# the machine and the kernel killed this script. Output goes to files capped by
# RLIMIT_FSIZE (the program dies of SIGXFSZ at the cap), and the address space is
# capped too, so two programs at once stay well inside the machine's memory.
OUTPUT_LIMIT = 64 << 20
MEMORY_LIMIT = 6 << 30


def limit_child():
    resource.setrlimit(resource.RLIMIT_FSIZE, (OUTPUT_LIMIT, OUTPUT_LIMIT))
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def run(cmd, cwd, env, timeout):
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        try:
            p = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=err,
                               timeout=timeout, preexec_fn=limit_child)
        except subprocess.TimeoutExpired:
            return "timeout", b"", b""
        out.seek(0)
        err.seek(0)
        return p.returncode, out.read(OUTPUT_LIMIT), err.read(OUTPUT_LIMIT)


def error_block(err):
    lines = err.decode("utf-8", "replace").split("\n")
    for i, l in enumerate(lines):
        if l.startswith("error:"):
            out = [l]
            for m in lines[i + 1:]:
                if m.startswith(" ") and m.strip():
                    out.append(m)
                else:
                    break
            return "\n".join(out)
    return None


def first_loc(err):
    m = re.search(r"^\s*at (.*:\d+:\d+):$", err.decode("utf-8", "replace"), re.M)
    return m.group(1) if m else None


def classify(a, b):
    """The most serious difference between two (rc, out, err) results, or None."""
    if a[0] != b[0]:
        return "rc"
    if a[1] != b[1]:
        return "stdout"
    if error_block(a[2]) != error_block(b[2]):
        return "msg"
    if first_loc(a[2]) != first_loc(b[2]):
        return "loc"
    if a[2] != b[2]:
        return "stderr"
    return None


def compare(case, nest, nix, cwd, env, timeout):
    key, expr, flags = case
    a = run([nix, "--eval", *flags, "-E", expr], cwd, env, timeout)
    b = run([nest, "eval", *flags, "-E", expr], cwd, env, timeout)
    if a[0] == "timeout":
        return None
    cls = classify(a, b)
    if cls is None:
        return None
    return {
        "key": key, "class": cls, "expr": expr, "flags": flags,
        "nix": {"rc": a[0], "out": a[1].decode("utf-8", "replace"), "err": a[2].decode("utf-8", "replace")},
        "nest": {"rc": b[0], "out": b[1].decode("utf-8", "replace"), "err": b[2].decode("utf-8", "replace")},
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nest", default="target/release/nest")
    ap.add_argument("--nix", default="nix-instantiate")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", help="regex on the case key or expression")
    ap.add_argument("--classes", default="rc,stdout,msg,loc,stderr", help="classes to report")
    ap.add_argument("--show", type=int, default=2, help="examples printed per key and class")
    ap.add_argument("--out", default="/tmp/nixdiff.jsonl")
    ap.add_argument("--timeout", type=float, default=10)
    ap.add_argument("--expr", help="run one expression and print both results")
    ap.add_argument("--flags", default="--strict", help="flags for --expr")
    ap.add_argument("--list", action="store_true", help="print the cases and exit")
    args = ap.parse_args()

    nest = os.path.abspath(args.nest) if os.sep in args.nest else shutil.which(args.nest)
    if not nest or not os.path.exists(nest):
        sys.exit("nixdiff: nest binary not found: " + args.nest)
    if not shutil.which(args.nix):
        sys.exit("nixdiff: nix-instantiate not found")
    cwd, state = make_workdir()
    env = env_for(state)
    # A private copy, so that a rebuild during the run does not pull the binary away.
    copy = os.path.join(state, "nest")
    shutil.copy2(nest, copy)
    nest = copy
    try:
        if args.expr is not None:
            r = compare(("expr", args.expr, args.flags.split()), nest, args.nix, cwd, env, args.timeout)
            if r is None:
                print("same")
            else:
                print(json.dumps(r, indent=2, ensure_ascii=False))
            return
        cases = generate(random.Random(args.seed))
        if args.only:
            rx = re.compile(args.only)
            cases = [c for c in cases if rx.search(c[0]) or rx.search(c[1])]
        if args.list:
            for c in cases:
                print(c[0], c[2], c[1])
            return
        classes = set(args.classes.split(","))
        diffs = []
        with cf.ThreadPoolExecutor(args.jobs) as ex:
            for r in ex.map(lambda c: compare(c, nest, args.nix, cwd, env, args.timeout), cases):
                if r is not None and r["class"] in classes:
                    diffs.append(r)
        with open(args.out, "w") as f:
            for d in diffs:
                f.write(json.dumps(d, ensure_ascii=False) + "\n")
        by_class = {}
        by_key = {}
        for d in diffs:
            by_class[d["class"]] = by_class.get(d["class"], 0) + 1
            by_key.setdefault((d["key"], d["class"]), []).append(d)
        order = ["rc", "stdout", "msg", "loc", "stderr"]
        for (key, cls), ds in sorted(by_key.items(), key=lambda kv: (order.index(kv[0][1]), kv[0][0])):
            print(f"== {key} [{cls}] x{len(ds)}")
            for d in ds[:args.show]:
                print(f"  expr: {' '.join(d['flags'])} -E {d['expr']!r}")
                for who in ("nix", "nest"):
                    r = d[who]
                    msg = (r["out"].strip() + " | " + (error_block(r["err"].encode()) or r["err"].strip())).strip(" |")
                    loc = first_loc(r["err"].encode())
                    print(f"    {who:4} rc={r['rc']} {msg[:300]!r}" + (f" at {loc}" if loc else ""))
        print(f"{len(cases)} cases, {len(diffs)} differ: " +
              ", ".join(f"{c} {by_class.get(c, 0)}" for c in order) + f" (details in {args.out})")
    finally:
        shutil.rmtree(cwd, ignore_errors=True)
        shutil.rmtree(state, ignore_errors=True)


if __name__ == "__main__":
    main()
