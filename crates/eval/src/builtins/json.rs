//! `toJSON`, `fromJSON`, `fromTOML` and `toXML`.

use crate::error::{err, EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::prim;
use crate::source::Pos;
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Context, NixString, PrimOp, StrOut, TextOut, ThunkState, Value};

pub static OPS: &[PrimOp] = &[
    prim!("toJSON", 1, to_json),
    prim!("fromJSON", 1, from_json),
    prim!("toXML", 1, to_xml),
    prim!("fromTOML", 1, from_toml),
];

fn to_json(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let mut out = StrOut::new();
    let mut ctx = Context::default();
    value_to_json(ev, &a[0], pos, &mut out, &mut ctx)?;
    Ok(Value::String(NixString::from_buf(out, ctx)))
}

const LOW_BYTES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// A flag in the high bit of every byte of `w` (little-endian) that `toJSON` escapes:
/// below 0x20, `"` or `\`. Borrows only travel upwards, so the lowest flag is exact
/// (the ones above it may be spurious); that is all the scan below uses.
#[inline]
fn json_special_bytes(w: u64) -> u64 {
    let below_space = w.wrapping_sub(LOW_BYTES * 0x20) & !w;
    let quote = w ^ (LOW_BYTES * b'"' as u64);
    let backslash = w ^ (LOW_BYTES * b'\\' as u64);
    let is_quote = quote.wrapping_sub(LOW_BYTES) & !quote;
    let is_backslash = backslash.wrapping_sub(LOW_BYTES) & !backslash;
    (below_space | is_quote | is_backslash) & HIGH_BITS
}

/// The same test as `json_special_bytes` for one byte, as a table: the tail of a
/// string (and all of most attribute names) is shorter than a word.
static JSON_SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 0x20 {
        t[c] = true;
        c += 1;
    }
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t
};

/// The index of the first byte at or after `i` that `toJSON` escapes, or `b.len()`.
/// Eight bytes are tested at a time: most strings need no escape at all.
#[inline]
fn next_json_special(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let m = json_special_bytes(u64::from_le_bytes(w));
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if JSON_SPECIAL[c as usize] {
            break;
        }
        i += 1;
    }
    i
}

/// Appends `s` as a JSON string the way Nix 2.8 writes it: `"`, `\`, newline, return
/// and tab get their short escapes, the other control characters `\u00xx` (lower-case
/// hex), everything else (DEL and UTF-8 included) is copied as it is.
#[inline]
pub fn json_escape(s: &str, out: &mut impl TextOut) {
    json_escape_bytes(s.as_bytes(), out)
}

/// `json_escape` of a string's bytes: bytes that are not UTF-8 are written as they
/// are, as Nix 2.8 does.
pub fn json_escape_bytes(b: &[u8], out: &mut impl TextOut) {
    let first = next_json_special(b, 0);
    out.reserve(b.len() + 2);
    out.push('"');
    if first == b.len() {
        out.push_bytes(b);
    } else {
        json_escape_from(b, first, out);
    }
    out.push('"');
}

/// The rest of `json_escape` once a byte to escape was found at `i`: out of line, so
/// that the common case (nothing to escape) stays small.
#[cold]
#[inline(never)]
fn json_escape_from(b: &[u8], mut i: usize, out: &mut impl TextOut) {
    let mut run = 0;
    loop {
        out.push_bytes(&b[run..i]);
        let Some(&c) = b.get(i) else { break };
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(c >> 4) as usize]));
                out.push(char::from(HEX[(c & 15) as usize]));
            }
        }
        run = i + 1;
        i = next_json_special(b, run);
    }
}

/// Appends the decimal form of `i` without a temporary `String`.
pub fn push_int(out: &mut impl TextOut, i: i64) {
    super::strings::IntText::new(i).push_to(out);
}

/// Serialises a value as Nix's `toJSON` does (forcing everything it reaches).
pub fn value_to_json(
    ev: &mut Eval,
    v: &Value,
    pos: Pos,
    out: &mut impl TextOut,
    ctx: &mut Context,
) -> EResult<()> {
    value_to_json_opt(ev, v, pos, out, ctx, true)
}

/// `strict = false` is `nix-instantiate --json` without `--strict`: values not yet
/// evaluated are an error, as in Nix 2.8.
pub fn value_to_json_opt(
    ev: &mut Eval,
    v: &Value,
    pos: Pos,
    out: &mut impl TextOut,
    ctx: &mut Context,
    strict: bool,
) -> EResult<()> {
    ev.check_stack()?;
    // Only a thunk's value is a new reference; anything else is read where it is.
    let forced;
    let v = match v {
        Value::Thunk(t) => {
            forced = if strict {
                ev.force_thunk(t)?
            } else {
                match t.value() {
                    Some(x) => x,
                    None => return Err(not_json(v, pos)),
                }
            };
            &forced
        }
        v => v,
    };
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => push_int(out, *i),
        Value::Float(f) => out.push_str(&crate::print::format_float(*f)),
        Value::String(s) => {
            json_escape_bytes(s.as_bytes(), out);
            ctx.extend(s.ctx());
        }
        Value::Path(_) => {
            let (s, c) = ev.coerce_to_string(v, pos, false, true)?;
            json_escape(&s, out);
            ctx.extend(&c);
        }
        Value::Attrs(a) => {
            if a.get(ev.syms.to_string).is_some() {
                let (s, c) = ev.coerce_to_string(v, pos, false, true)?;
                json_escape(&s, out);
                ctx.extend(&c);
                return Ok(());
            }
            if let Some(p) = a.get_attr(ev.syms.out_path) {
                let ppos = p.pos().or(pos);
                let pv = if strict { ev.force_attr(p)? } else { p.value() };
                return value_to_json_opt(ev, &pv, ppos, out, ctx, strict);
            }
            out.push('{');
            for (i, at) in a.entries().iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_escape_bytes(at.name.as_bytes(), out);
                out.push(':');
                let apos = at.pos().or(pos);
                // On an error the object is still closed: `nix-instantiate --json`
                // prints what it wrote so far (`{"a":1,"b":}`) before the error.
                let r = match at.ready_ref() {
                    // Evaluated already: read in place, without a new reference.
                    Some(v) => value_to_json_opt(ev, v, apos, out, ctx, strict),
                    None if strict => ev
                        .force_attr(at)
                        .and_then(|v| value_to_json_opt(ev, &v, apos, out, ctx, strict)),
                    None => value_to_json_opt(ev, &at.value(), apos, out, ctx, strict),
                };
                if let Err(e) = r {
                    out.push('}');
                    return Err(e);
                }
            }
            out.push('}');
        }
        Value::List(l) => {
            out.push('[');
            for (i, x) in l.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                if let Err(e) = value_to_json_opt(ev, x, pos, out, ctx, strict) {
                    out.push(']');
                    return Err(e);
                }
            }
            out.push(']');
        }
        o => return Err(not_json(o, pos)),
    }
    Ok(())
}

#[cfg(test)]
mod escape_tests {
    use super::{json_escape, push_int};

    /// The escaper as Nix 2.8's `escapeJSON` is written: one character at a time. The
    /// test oracle for the run-copying one.
    fn oracle(s: &str) -> String {
        let mut out = String::from("\"");
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    }

    fn check(s: &str) {
        let mut out = String::from("prefix");
        json_escape(s, &mut out);
        assert_eq!(&out["prefix".len()..], oracle(s), "input {s:?}");
    }

    #[test]
    fn fixed_forms_as_nix_writes_them() {
        // From `nix-instantiate --eval --strict` 2.8: `/` and DEL stay as they are,
        // the other control characters are lower-case `\u00xx`.
        let mut out = String::new();
        json_escape("a\"b\\c\nd\re\tf/g\u{1}\u{8}\u{c}\u{1f}\u{7f}é", &mut out);
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\nd\\re\\tf/g\\u0001\\u0008\\u000c\\u001f\u{7f}é\""
        );
        let mut empty = String::new();
        json_escape("", &mut empty);
        assert_eq!(empty, "\"\"");
    }

    #[test]
    fn every_ascii_character_at_every_offset_of_a_word() {
        // Each character alone and at each position of the eight-byte blocks the
        // scanner reads, surrounded by text that needs no escape.
        for c in 1u8..0x80 {
            let c = c as char;
            check(&c.to_string());
            for before in 0..17 {
                for after in [0, 1, 7, 8, 9] {
                    let s = format!("{}{c}{}", "x".repeat(before), "y".repeat(after));
                    check(&s);
                }
            }
        }
    }

    #[test]
    fn non_ascii_and_long_runs() {
        check("héllo wörld ✓ 𝄞");
        check(&"ü".repeat(100));
        check(&"a".repeat(1000));
        check(&format!("{}\"{}", "a".repeat(1000), "b".repeat(999)));
        check(&"\n".repeat(33));
        check(&"\u{1}\u{2}\"\\".repeat(20));
        // Bytes just above and below the special ones, which a wrong borrow in the
        // word-at-a-time test would misread.
        check("\u{20}\u{21}\u{23}\u{5b}\u{5d}\u{1f}\u{20}\u{20}\u{20}\u{21}\u{22}");
        check("\u{80}\u{a0}\u{ff}\u{100}\u{2028}\u{ffff}");
    }

    #[test]
    fn pseudo_random_strings_match_the_oracle() {
        // A fixed linear congruential sequence: reproducible, no extra dependency.
        let alphabet: Vec<char> = "ab \"\\\n\r\t\u{0}\u{1}\u{1f}\u{7f}é✓/{}".chars().collect();
        for run in crate::tests::pseudo_random_runs(0x2545_f491_4f6c_dd1d, &alphabet, 2000) {
            check(&run.into_iter().collect::<String>());
        }
    }

    #[test]
    fn integers_as_to_string_writes_them() {
        for i in [
            0,
            1,
            -1,
            9,
            10,
            -10,
            99,
            100,
            101,
            999,
            1000,
            12345,
            -987654321,
            i64::MAX,
            i64::MIN,
            i64::MIN + 1,
        ] {
            let mut out = String::from("x");
            push_int(&mut out, i);
            assert_eq!(out, format!("x{i}"));
        }
        let mut x: u64 = 7;
        for _ in 0..10_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (x as i64) >> (x % 63);
            let mut out = String::new();
            push_int(&mut out, i);
            assert_eq!(out, i.to_string());
        }
    }
}

/// Where Nix 2.8's `Value::determinePos` places a value: a function at its lambda, a
/// delayed application at its function (when that is known), anything else at `pos`.
pub fn determine_pos(v: &Value, pos: Pos) -> Pos {
    match v {
        Value::Lambda(c) => c.lambda.pos,
        Value::Thunk(t) => {
            let next = t.peek(|s| match s {
                ThunkState::Done(x) => Some(x.clone()),
                ThunkState::Elem(m, _) => Some(m.f().clone()),
                ThunkState::Call(c) => Some(c.f.clone()),
                _ => None,
            });
            match next {
                Some(x) => determine_pos(&x, pos),
                None => pos,
            }
        }
        _ => pos,
    }
}

/// A value JSON has no form for. Nix 2.8 words a value not evaluated yet by its kind
/// and adds a placeholder trace frame ("message for the trace") at `pos`.
#[cold]
fn not_json(v: &Value, pos: Pos) -> Box<EvalError> {
    let what = match v {
        Value::Thunk(t) => t
            .peek(|s| match s {
                ThunkState::Elem(..) | ThunkState::Call(..) => "a function application",
                ThunkState::Blackhole => "a black hole",
                _ => "a thunk",
            })
            .to_string(),
        Value::Lambda(_) => "a function".to_string(),
        o => o.type_phrase().into_owned(),
    };
    let mut e = EvalError::new(
        ErrorKind::Eval,
        format!("cannot convert {what} to JSON"),
        determine_pos(v, pos),
    );
    e.add_trace(pos, "message for the trace".to_string());
    e
}

fn from_json(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string_no_ctx(&a[0], pos)?;
    super::json_parse::parse(s.as_bytes()).map_err(|msg| {
        // Nix reports the parser's message without a position of its own; the call
        // site only appears in the trace.
        let mut e = EvalError::new_lossless(ErrorKind::Eval, msg, Pos::NONE);
        e.trace
            .push((pos, "while decoding a JSON string".to_string()));
        e
    })
}

fn xml_escape(s: &str, out: &mut Vec<u8>) {
    xml_escape_bytes(s.as_bytes(), out)
}

/// `xml_escape` of a string's bytes, written as they are (Nix writes the bytes of a
/// string that is not UTF-8 into its XML as they are too).
fn xml_escape_bytes(s: &[u8], out: &mut Vec<u8>) {
    for &c in s {
        match c {
            b'"' => out.extend_from_slice(b"&quot;"),
            b'<' => out.extend_from_slice(b"&lt;"),
            b'>' => out.extend_from_slice(b"&gt;"),
            b'&' => out.extend_from_slice(b"&amp;"),
            b'\n' => out.extend_from_slice(b"&#xA;"),
            c => out.push(c),
        }
    }
}

fn to_xml(ev: &mut Eval, a: &[Value], _pos: Pos) -> EResult<Value> {
    let mut out = b"<?xml version='1.0' encoding='utf-8'?>\n<expr>\n".to_vec();
    let mut ctx = Context::default();
    let opts = XmlOpts {
        location: false,
        strict: true,
    };
    let mut seen = std::collections::HashSet::new();
    value_to_xml(ev, &a[0], 1, &mut out, &mut ctx, opts, &mut seen)?;
    out.push_str("</expr>\n");
    Ok(Value::string_bytes(out, ctx))
}

fn indent(n: usize, out: &mut Vec<u8>) {
    for _ in 0..n {
        out.push_str("  ");
    }
}

fn simple(tag: &str, attr: &str, val: &str, depth: usize, out: &mut Vec<u8>) {
    simple_bytes(tag, attr, val.as_bytes(), depth, out)
}

/// `simple` with a value given as bytes (a string's, UTF-8 or not).
fn simple_bytes(tag: &str, attr: &str, val: &[u8], depth: usize, out: &mut Vec<u8>) {
    indent(depth, out);
    out.push(b'<');
    out.push_str(tag);
    if !attr.is_empty() {
        out.push(b' ');
        out.push_str(attr);
        out.push_str("=\"");
        xml_escape_bytes(val, out);
        out.push(b'"');
    }
    out.push_str(" />\n");
}

/// `location`: add `line`/`column`/`path` of attributes and functions (`--xml`);
/// `strict`: force thunks (otherwise unevaluated ones print as `<unevaluated />`).
#[derive(Clone, Copy)]
pub struct XmlOpts {
    pub location: bool,
    pub strict: bool,
}

/// XML attributes in the (alphabetical) order Nix writes them: column, line, name, path.
fn pos_attrs_xml(p: Pos, name: Option<&[u8]>, out: &mut Vec<u8>) {
    let mut attrs: Vec<(&str, Vec<u8>)> = Vec::new();
    if let Some(lc) = crate::source::resolve(p) {
        let path = match &lc.file.origin {
            crate::source::Origin::String => lc.file.text.to_string(),
            crate::source::Origin::File(f) => f.clone(),
        };
        attrs.push(("column", lc.col.to_string().into_bytes()));
        attrs.push(("line", lc.line.to_string().into_bytes()));
        attrs.push(("path", path.into_bytes()));
    }
    if let Some(n) = name {
        attrs.push(("name", n.to_vec()));
    }
    attrs.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in attrs {
        out.push(b' ');
        out.push_str(k);
        out.push_str("=\"");
        xml_escape_bytes(&v, out);
        out.push(b'"');
    }
}

/// Indentation levels of XML output past which printing stops (see `value_to_xml`).
const MAX_XML_DEPTH: usize = 8_000;

/// `toXML` / `--xml` output in the layout Nix 2.8 writes.
#[allow(clippy::too_many_arguments)]
pub fn value_to_xml(
    ev: &mut Eval,
    v: &Value,
    depth: usize,
    out: &mut Vec<u8>,
    ctx: &mut Context,
    opts: XmlOpts,
    drvs_seen: &mut std::collections::HashSet<String>,
) -> EResult<()> {
    ev.check_stack()?;
    // Each level indents every line below it, so the text grows with the square of the
    // depth: a cyclic value (`let x = { y = x; }; in x`) would fill the memory long before
    // the stack. Nix 2.8 streams such a document until its stack overflows (some 100,000
    // levels, gigabytes later); nest stops with the same error at a depth whose text
    // still fits comfortably.
    if depth > MAX_XML_DEPTH {
        return Err(EvalError::new(
            ErrorKind::StackOverflow,
            "stack overflow (possible infinite recursion)",
            Pos::NONE,
        ));
    }
    let v = if opts.strict {
        ev.force(v)?
    } else {
        match v {
            Value::Thunk(t) => match t.value() {
                Some(x) => x,
                None => {
                    simple("unevaluated", "", "", depth, out);
                    return Ok(());
                }
            },
            other => other.clone(),
        }
    };
    match &v {
        Value::Null => simple("null", "", "", depth, out),
        Value::Bool(b) => simple(
            "bool",
            "value",
            if *b { "true" } else { "false" },
            depth,
            out,
        ),
        Value::Int(i) => simple("int", "value", &i.to_string(), depth, out),
        Value::Float(f) => simple(
            "float",
            "value",
            &crate::print::format_float(*f),
            depth,
            out,
        ),
        Value::String(s) => {
            ctx.extend(s.ctx());
            simple_bytes("string", "value", s.as_bytes(), depth, out)
        }
        Value::Path(p) => simple("path", "value", p, depth, out),
        Value::Attrs(a) => {
            let is_drv = ev.is_derivation(a)?;
            if is_drv {
                // The element's attributes are computed before it is written, so an
                // error there leaves nothing half-written.
                let mut head = Vec::new();
                indent(depth, &mut head);
                head.push_str("<derivation");
                let mut drv_path = None;
                for key in ["drvPath", "outPath"] {
                    if let Some(x) = a.get(Sym::new(key)) {
                        // Without --strict, only what is already evaluated is shown.
                        let x = if opts.strict {
                            ev.force(&x)?
                        } else {
                            match &x {
                                Value::Thunk(t) => t.value().unwrap_or(Value::Null),
                                o => o.clone(),
                            }
                        };
                        if let Value::String(s) = &x {
                            head.push_str(&format!(" {key}=\""));
                            xml_escape_bytes(s.as_bytes(), &mut head);
                            head.push(b'"');
                            if key == "drvPath" {
                                drv_path = Some(s.to_str().into_owned());
                            }
                        }
                    }
                }
                out.extend_from_slice(&head);
                out.push_str(">\n");
                // A derivation already printed (e.g. through its own `all`) is not
                // descended into again; nor, as in Nix 2.8, one whose drvPath is not
                // (yet) a string.
                let fresh = match drv_path {
                    Some(p) if !p.is_empty() => drvs_seen.insert(p),
                    _ => false,
                };
                {
                    if !fresh {
                        simple("repeated", "", "", depth + 1, out);
                        indent(depth, out);
                        out.push_str("</derivation>\n");
                        return Ok(());
                    }
                }
            } else {
                indent(depth, out);
                out.push_str("<attrs>\n");
            }
            for at in a.entries().iter() {
                indent(depth + 1, out);
                out.push_str("<attr");
                if opts.location {
                    pos_attrs_xml(at.pos(), Some(at.name.as_bytes()), out);
                } else {
                    out.push_str(" name=\"");
                    xml_escape_bytes(at.name.as_bytes(), out);
                    out.push(b'"');
                }
                out.push_str(">\n");
                let r = value_to_xml(ev, &at.value(), depth + 2, out, ctx, opts, drvs_seen);
                indent(depth + 1, out);
                out.push_str("</attr>\n");
                // On an error the open elements are still closed, as Nix's writer
                // closes them while the error unwinds (`nix-instantiate --xml` prints
                // the partial document).
                if let Err(e) = r {
                    indent(depth, out);
                    out.push_str(if is_drv {
                        "</derivation>\n"
                    } else {
                        "</attrs>\n"
                    });
                    return Err(e);
                }
            }
            indent(depth, out);
            out.push_str(if is_drv {
                "</derivation>\n"
            } else {
                "</attrs>\n"
            });
        }
        Value::List(l) => {
            indent(depth, out);
            out.push_str("<list>\n");
            for x in l.iter() {
                if let Err(e) = value_to_xml(ev, x, depth + 1, out, ctx, opts, drvs_seen) {
                    indent(depth, out);
                    out.push_str("</list>\n");
                    return Err(e);
                }
            }
            indent(depth, out);
            out.push_str("</list>\n");
        }
        Value::Lambda(c) => {
            indent(depth, out);
            out.push_str("<function");
            if opts.location {
                pos_attrs_xml(c.lambda.pos, None, out);
            }
            out.push_str(">\n");
            if let Some(f) = &c.lambda.formals {
                indent(depth + 1, out);
                out.push_str("<attrspat");
                if f.ellipsis {
                    out.push_str(" ellipsis=\"1\"");
                }
                if f.at.is_some() {
                    if let Some(n) = c.lambda.at_name {
                        out.push_str(" name=\"");
                        xml_escape(n.as_str(), out);
                        out.push(b'"');
                    }
                }
                out.push_str(">\n");
                for fe in f.entries.iter() {
                    simple("attr", "name", fe.name.as_str(), depth + 2, out);
                }
                indent(depth + 1, out);
                out.push_str("</attrspat>\n");
            } else {
                let name = c.lambda.at_name.map_or("", |n| n.as_str());
                simple("varpat", "name", name, depth + 1, out);
            }
            indent(depth, out);
            out.push_str("</function>\n");
        }
        Value::PrimOp(_) | Value::PrimOpApp(_) | Value::Thunk(_) => {
            simple("unevaluated", "", "", depth, out)
        }
    }
    Ok(())
}

fn from_toml(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string_no_ctx(&a[0], pos)?;
    match super::toml::parse(s.as_bytes()) {
        Ok(table) => toml_table_to_value(&table, pos),
        Err(msg) => Err(EvalError::new_lossless(
            ErrorKind::Eval,
            format!("while parsing a TOML string: {msg}"),
            pos,
        )),
    }
}

fn toml_table_to_value(
    t: &std::collections::HashMap<String, super::toml::Node>,
    pos: Pos,
) -> EResult<Value> {
    let mut out = Vec::with_capacity(t.len());
    for (k, v) in t {
        out.push(Attr::new(
            Sym::new(k),
            toml_to_value(&v.val, pos)?,
            Pos::NONE,
        ));
    }
    Ok(Value::attrs(Attrs::from_unsorted(out)))
}

fn toml_to_value(t: &super::toml::TVal, pos: Pos) -> EResult<Value> {
    use super::toml::TVal;
    Ok(match t {
        TVal::Str(s) => Value::string(s.as_str()),
        TVal::Int(i) => Value::Int(*i),
        TVal::Float(f) => Value::Float(*f),
        TVal::Bool(b) => Value::Bool(*b),
        TVal::Date(_) => {
            return err(
                "while parsing a TOML string: Dates and times are not supported",
                pos,
            )
        }
        TVal::Array(a) => {
            let mut out = Vec::with_capacity(a.len());
            for x in a {
                out.push(toml_to_value(&x.val, pos)?);
            }
            Value::list(out)
        }
        TVal::Table(t) => toml_table_to_value(t, pos)?,
    })
}

#[cfg(test)]
mod tests {
    const STACK: usize = 256 << 20;

    fn run(expr: &str) -> Result<String, String> {
        crate::tests::eval_in_memory(expr, STACK)
    }

    #[test]
    fn xml_of_a_cyclic_set_stops_with_a_stack_overflow() {
        let r = run("builtins.stringLength (builtins.toXML (let x = { y = x; }; in x))");
        match r {
            Ok(out) => panic!("succeeded with {out}"),
            Err(e) => assert!(
                e.starts_with("error: stack overflow (possible infinite recursion)"),
                "{e}"
            ),
        }
    }

    #[test]
    fn deep_but_finite_xml_is_written() {
        // 1,000 nested sets: well below the limit.
        let r = run(
            "builtins.stringLength (builtins.toXML (builtins.foldl' (a: _: { y = a; }) 1 (builtins.genList (x: x) 1000)))",
        );
        assert!(r.is_ok(), "{r:?}");
    }
}
