//! String builtins: `toString stringLength substring concatStringsSep replaceStrings split
//! match baseNameOf dirOf parseDrvName compareVersions splitVersion hashString` and the
//! string-context builtins.

use super::make_attrs;
use crate::error::{err, EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::prim;
use crate::source::Pos;
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Context, NixString, PrimOp, StrOut, Value};
use nest_nixcompat::HashAlgo;
use nest_rc::Rc;
use std::cmp::Ordering;

pub static OPS: &[PrimOp] = &[
    prim!("toString", 1, strict 0b1, to_string),
    prim!("stringLength", 1, strict 0b1, string_length),
    prim!("substring", 3, substring),
    prim!("concatStringsSep", 2, strict 0b1, concat_strings_sep),
    prim!("replaceStrings", 3, replace_strings),
    prim!("split", 2, split),
    prim!("match", 2, match_),
    prim!("baseNameOf", 1, strict 0b1, base_name_of),
    prim!("dirOf", 1, strict 0b1, dir_of),
    prim!("parseDrvName", 1, parse_drv_name),
    prim!("compareVersions", 2, compare_versions),
    prim!("splitVersion", 1, split_version),
    prim!("hashString", 2, hash_string),
    prim!("getContext", 1, get_context),
    prim!("hasContext", 1, has_context),
    prim!("appendContext", 2, append_context),
    prim!("unsafeDiscardStringContext", 1, discard_context),
    prim!(
        "unsafeDiscardOutputDependency",
        1,
        discard_output_dependency
    ),
];

/// A string argument after coercion: the string value itself when it already is one
/// (strings are immutable, so there is no need to copy its text), else the coerced text.
enum Coerced {
    Shared(NixString),
    Owned(Vec<u8>, Context),
}

impl Coerced {
    fn as_bytes(&self) -> &[u8] {
        match self {
            Coerced::Shared(s) => s.as_bytes(),
            Coerced::Owned(s, _) => s,
        }
    }
    fn ctx(&self) -> &Context {
        match self {
            Coerced::Shared(s) => s.ctx(),
            Coerced::Owned(_, c) => c,
        }
    }
    fn into_value(self) -> Value {
        match self {
            Coerced::Shared(s) => Value::String(s),
            Coerced::Owned(s, c) => Value::string_bytes(s, c),
        }
    }
}

/// `coerce_to_string` without the copy when `v` is a string.
fn coerce(ev: &mut Eval, v: &Value, pos: Pos, coerce_more: bool) -> EResult<Coerced> {
    let v = ev.force(v)?;
    if let Value::String(s) = &v {
        return Ok(Coerced::Shared(s.clone()));
    }
    let (s, ctx) = ev.coerce_to_bytes(&v, pos, coerce_more, false)?;
    Ok(Coerced::Owned(s, ctx))
}

/// Two decimal digits per entry: half as many divisions as one digit at a time.
const DIGIT_PAIRS: &[u8; 200] = b"\
0001020304050607080910111213141516171819\
2021222324252627282930313233343536373839\
4041424344454647484950515253545556575859\
6061626364656667686970717273747576777879\
8081828384858687888990919293949596979899";

/// The decimal form of an integer, written on the stack: what `toString`, `toJSON` and
/// `coerce_to_string` need, without `i64::to_string`'s heap buffer (which would then be
/// copied again into the string being built, or shrunk).
pub struct IntText {
    buf: [u8; 20],
    start: u8,
}

impl IntText {
    pub fn new(i: i64) -> IntText {
        let mut buf = [0u8; 20];
        let mut n = i.unsigned_abs();
        let mut p = buf.len();
        while n >= 100 {
            let d = (n % 100) as usize * 2;
            n /= 100;
            p -= 2;
            buf[p] = DIGIT_PAIRS[d];
            buf[p + 1] = DIGIT_PAIRS[d + 1];
        }
        if n >= 10 {
            let d = n as usize * 2;
            p -= 2;
            buf[p] = DIGIT_PAIRS[d];
            buf[p + 1] = DIGIT_PAIRS[d + 1];
        } else {
            p -= 1;
            buf[p] = b'0' + n as u8;
        }
        if i < 0 {
            p -= 1;
            buf[p] = b'-';
        }
        IntText {
            buf,
            start: p as u8,
        }
    }

    pub fn width(&self) -> usize {
        self.buf.len() - self.start as usize
    }

    /// The digits (ASCII).
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start as usize..]
    }

    /// Appends the digits. They are pushed as ASCII characters: a `&str` of them would
    /// cost a UTF-8 validation (safe code only here), more than the pushes; the mask
    /// (a no-op on digits) lets the compiler see that each is one byte.
    #[inline]
    pub fn push_to(&self, out: &mut impl crate::value::TextOut) {
        out.reserve(self.width());
        for &d in &self.buf[self.start as usize..] {
            out.push(char::from(d & 0x7f));
        }
    }
}

fn to_string(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let v = ev.force(&a[0])?;
    match v {
        Value::String(_) => Ok(v),
        // The common case of a number in a string: one allocation of the exact size.
        // One allocation: the string's own, of the digits' exact size.
        Value::Int(i) => Ok(Value::string_bytes(
            IntText::new(i).as_bytes(),
            Context::default(),
        )),
        _ => {
            let (s, ctx) = ev.coerce_to_bytes(&v, pos, true, false)?;
            Ok(Value::string_bytes(s, ctx))
        }
    }
}

/// Like `coerce`, with paths copied to the store: Nix 2.8's `coerceToString` defaults,
/// used by `stringLength`, `substring` and the context-discarding builtins.
fn coerce_copy(ev: &mut Eval, v: &Value, pos: Pos) -> EResult<Coerced> {
    let v = ev.force(v)?;
    if let Value::String(s) = &v {
        return Ok(Coerced::Shared(s.clone()));
    }
    let (s, ctx) = ev.coerce_to_bytes(&v, pos, false, true)?;
    Ok(Coerced::Owned(s, ctx))
}

fn string_length(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = coerce_copy(ev, &a[0], pos)?;
    Ok(Value::Int(s.as_bytes().len() as i64))
}

/// Bytes `start..start + len` of `b`, clamped to its end. Nix counts in bytes and may
/// cut a character in two; the halves are kept as they are, so that pasting them back
/// together (`stringToCharacters`, then `concatStrings`) gives the original.
fn byte_slice(b: &[u8], start: usize, len: usize) -> &[u8] {
    let start = start.min(b.len());
    let end = start.saturating_add(len).min(b.len());
    &b[start..end]
}

fn substring(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    // Nix 2.8 keeps both numbers in a C `int` (truncated).
    let start = ev.expect_int(&a[0], pos)? as i32;
    let len = ev.expect_int(&a[1], pos)? as i32;
    let s = coerce_copy(ev, &a[2], pos)?;
    if start < 0 {
        return err("negative start position in 'substring'", pos);
    }
    let len = if len < 0 { usize::MAX } else { len as usize };
    if start == 0 && len >= s.as_bytes().len() {
        return Ok(s.into_value());
    }
    Ok(Value::string_bytes(
        byte_slice(s.as_bytes(), start as usize, len),
        s.ctx().clone(),
    ))
}

fn concat_strings_sep(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let sep = ev.expect_string(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut out = StrOut::new();
    let mut ctx = sep.ctx().clone();
    for (i, x) in l.iter().enumerate() {
        if i > 0 {
            out.push_bytes(sep.as_bytes());
        }
        ev.coerce_to_string_into(x, pos, false, true, &mut out, &mut ctx)?;
    }
    Ok(Value::String(NixString::from_buf(out, ctx)))
}

fn replace_strings(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let from = ev.expect_list(&a[0], pos)?;
    let to = ev.expect_list(&a[1], pos)?;
    if from.len() != to.len() {
        return err(
            "'from' and 'to' arguments to 'replaceStrings' have different lengths",
            pos,
        );
    }
    // Nix 2.8 forces every pattern, then every replacement (used or not), then the
    // string: that order decides which error shows.
    let mut froms = Vec::with_capacity(from.len());
    for f in from.iter() {
        froms.push(ev.expect_string(f, pos)?);
    }
    let mut tos = Vec::with_capacity(to.len());
    for t in to.iter() {
        tos.push(ev.expect_string(t, pos)?);
    }
    let s = ev.expect_string(&a[2], pos)?;
    let mut out = StrOut::with_capacity(s.len());
    let mut ctx = s.ctx().clone();
    let bytes = s.as_bytes();
    // Where a match can start: the first bytes of the patterns; the text between two
    // candidates is copied in one piece. An empty pattern matches everywhere (before
    // every byte, as in Nix, which works on bytes).
    let starts = PatternStarts::new(froms.iter().map(|f| f.as_bytes()));
    let any_empty = froms.iter().any(|f| f.is_empty());
    let mut p = 0;
    while p <= bytes.len() {
        if !any_empty {
            let run = starts.next(bytes, p) - p;
            out.push_bytes(&bytes[p..p + run]);
            p += run;
            if p == bytes.len() {
                break;
            }
        }
        let mut matched = false;
        let here = bytes.get(p);
        for (i, f) in froms.iter().enumerate() {
            // The first byte alone rules out most patterns without a `memcmp`.
            let fb = f.as_bytes();
            if (fb.is_empty() || fb.first() == here) && bytes[p..].starts_with(fb) {
                let t = &tos[i];
                out.push_bytes(t.as_bytes());
                ctx.extend(t.ctx());
                if f.is_empty() {
                    p += copy_byte(bytes, p, &mut out);
                } else {
                    p += f.len();
                }
                matched = true;
                break;
            }
        }
        if !matched {
            p += copy_byte(bytes, p, &mut out);
        }
    }
    Ok(Value::String(NixString::from_buf(out, ctx)))
}

/// Copies byte `p` of `s` (if there is one) to `out`; how far to advance (1, also past
/// the end, which ends `replaceStrings`' scan).
fn copy_byte(s: &[u8], p: usize, out: &mut StrOut) -> usize {
    if let Some(b) = s.get(p..p + 1) {
        out.push_bytes(b);
    }
    1
}

const LOW_BYTES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The first bytes of `replaceStrings`' patterns, to find where a match can start.
struct PatternStarts {
    table: [bool; 256],
    /// Up to three first bytes (repeated to fill the array), tested a word at a time;
    /// `None` when there are more.
    few: Option<[u8; 3]>,
}

impl PatternStarts {
    fn new<'a>(patterns: impl Iterator<Item = &'a [u8]>) -> PatternStarts {
        let mut table = [false; 256];
        let mut distinct = [0u8; 3];
        let mut n = 0;
        for p in patterns {
            if let Some(&b) = p.first() {
                if !table[b as usize] {
                    table[b as usize] = true;
                    if let Some(slot) = distinct.get_mut(n) {
                        *slot = b;
                    }
                    n += 1;
                }
            }
        }
        let few = match n {
            1 => Some([distinct[0]; 3]),
            2 => Some([distinct[0], distinct[1], distinct[1]]),
            3 => Some(distinct),
            _ => None,
        };
        PatternStarts { table, few }
    }

    /// The index of the first byte at or after `i` that starts a pattern, or `b.len()`.
    /// Borrows in the word test only travel upwards, so its lowest flag is exact.
    #[inline]
    fn next(&self, b: &[u8], mut i: usize) -> usize {
        if let Some(few) = self.few {
            while let Some(chunk) = b.get(i..i + 8) {
                let mut w = [0u8; 8];
                w.copy_from_slice(chunk);
                let w = u64::from_le_bytes(w);
                let mut m = 0;
                for c in few {
                    let x = w ^ (LOW_BYTES * c as u64);
                    m |= x.wrapping_sub(LOW_BYTES) & !x;
                }
                m &= HIGH_BITS;
                if m != 0 {
                    return i + (m.trailing_zeros() / 8) as usize;
                }
                i += 8;
            }
        }
        while let Some(&c) = b.get(i) {
            if self.table[c as usize] {
                break;
            }
            i += 1;
        }
        i
    }
}

/// A compiled expression and the number of groups the pattern has: `match` and `split`
/// give one element per group, as Nix does, also for a group the `regex` crate
/// dropped because it cannot take part (`(a){0}` at the end of a pattern).
struct Compiled {
    re: regex::bytes::Regex,
    groups: usize,
}

impl Compiled {
    /// One element per group of the pattern: its text, or null where it took no part.
    fn groups(&self, c: &regex::bytes::Captures) -> Value {
        Value::list(
            (1..=self.groups)
                .map(|i| match c.get(i) {
                    Some(m) => Value::string_bytes(m.as_bytes(), Context::default()),
                    None => Value::Null,
                })
                .collect(),
        )
    }
}

/// Compiled expressions by pattern, one map for `match` (anchored) and one for
/// `split`: a module evaluation matches the same few patterns thousands of times, and
/// a lookup by the pattern's bytes allocates nothing.
type RegexCache = [std::collections::HashMap<Vec<u8>, Rc<Compiled>>; 2];

thread_local! {
    static REGEX_CACHE: std::cell::RefCell<RegexCache> = Default::default();
}

fn compile_regex(re: &[u8], pos: Pos, anchored: bool) -> EResult<Rc<Compiled>> {
    let which = usize::from(anchored);
    if let Some(r) = REGEX_CACHE.with(|c| c.borrow()[which].get(re).cloned()) {
        return Ok(r);
    }
    let shown = String::from_utf8_lossy(re);
    let Some((rust, groups)) = posix_to_rust(re) else {
        return err(format!("invalid regular expression '{shown}'"), pos);
    };
    // POSIX `.` matches a newline too.
    let pat = if anchored {
        format!("(?s)^(?:{rust})$")
    } else {
        format!("(?s){rust}")
    };
    // Bytes, as Nix's regular expressions see a string: `.` is one byte, and a
    // character outside ASCII is its bytes (see `posix_to_rust`).
    match regex::bytes::RegexBuilder::new(&pat).unicode(false).build() {
        Ok(r) => {
            let r = Rc::new(Compiled { re: r, groups });
            REGEX_CACHE.with(|c| c.borrow_mut()[which].insert(re.to_vec(), r.clone()));
            Ok(r)
        }
        Err(_) => err(format!("invalid regular expression '{shown}'"), pos),
    }
}

/// Rewrites a POSIX extended regular expression, as Nix's C++ library reads it, into
/// the `regex` crate's syntax, or `None` when that library rejects it: a backslash
/// outside brackets may only escape one of `.[\()*+?{|^$` (Nix is built in strict
/// ISO C++ mode, where escaping an ordinary character is an error), and inside
/// brackets a backslash, `[` or `&` is an ordinary character, while the `regex`
/// crate would read escapes, nested classes or set operations there. Also gives the
/// number of groups (every `(` outside brackets opens one).
fn posix_to_rust(re: &[u8]) -> Option<(String, usize)> {
    const ESCAPABLE: &[u8] = b".[\\()*+?{|^$";
    let chars = re;
    let mut out = String::with_capacity(re.len() + 8);
    let mut groups = 0;
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            // A repetition of an anchor (`^*`, `$+`) is an error there, and `(?` starts
            // no group (the `regex` crate would read flags or a non-capturing group).
            b'^' | b'$' if matches!(chars.get(i + 1), Some(b'*' | b'+' | b'?' | b'{')) => {
                return None
            }
            b'(' if chars.get(i + 1) == Some(&b'?') => return None,
            b'\\' => {
                let c = *chars.get(i + 1)?;
                if !ESCAPABLE.contains(&c) {
                    return None;
                }
                out.push('\\');
                out.push(char::from(c));
                i += 2;
            }
            b'[' => i = bracket(chars, i + 1, &mut out)?,
            c => {
                groups += usize::from(c == b'(');
                push_byte(c, &mut out);
                i += 1;
            }
        }
    }
    Some((out, groups))
}

/// Appends byte `c` of a pattern to one for `regex::bytes` without Unicode: itself if
/// ASCII, else as a `\xHH` escape, which matches that byte. Nix's expressions work on
/// bytes: "é" in a pattern is two, and `[é]` is a set of two.
fn push_byte(c: u8, out: &mut String) {
    if c.is_ascii() {
        out.push(char::from(c));
    } else {
        out.push_str(&format!("\\x{c:02X}"));
    }
}

/// The `regex` crate's form of the character class `[:name:]` in a bracket expression:
/// the POSIX classes and the C++ library's `d`, `s` and `w`, with the name's case
/// ignored as that library ignores it; `None` for any other name (an error in Nix).
fn char_class(name: &[u8]) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_slice() {
        b"alnum" => "[:alnum:]",
        b"alpha" => "[:alpha:]",
        b"blank" => "[:blank:]",
        b"cntrl" => "[:cntrl:]",
        b"digit" | b"d" => "[:digit:]",
        b"graph" => "[:graph:]",
        b"lower" => "[:lower:]",
        b"print" => "[:print:]",
        b"punct" => "[:punct:]",
        b"space" | b"s" => "[:space:]",
        b"upper" => "[:upper:]",
        b"xdigit" => "[:xdigit:]",
        b"w" => "[:word:]",
        _ => return None,
    })
}

/// Translates the bracket expression starting after its `[` at `chars[i]`; returns
/// the index after its closing `]`.
fn bracket(chars: &[u8], mut i: usize, out: &mut String) -> Option<usize> {
    let lit = |c: u8, out: &mut String| {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        push_byte(c, out);
    };
    out.push('[');
    if chars.get(i) == Some(&b'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if c == b']' && !first {
            out.push(']');
            return Some(i + 1);
        }
        first = false;
        if c == b'[' && matches!(chars.get(i + 1), Some(b':' | b'=' | b'.')) {
            let kind = chars[i + 1];
            let start = i + 2;
            let mut j = start;
            while !(chars.get(j) == Some(&kind) && chars.get(j + 1) == Some(&b']')) {
                if j >= chars.len() {
                    return None;
                }
                j += 1;
            }
            let name = &chars[start..j];
            match (kind, name) {
                (b':', _) => out.push_str(char_class(name)?),
                // Collating elements and equivalence classes of one character are
                // that character; longer names are locale features not supported.
                (_, &[c]) => lit(c, out),
                _ => return None,
            }
            i = j + 2;
            // A class cannot start a range.
            if kind == b':'
                && chars.get(i) == Some(&b'-')
                && chars.get(i + 1).is_some_and(|e| *e != b']')
            {
                return None;
            }
            continue;
        }
        // A range `a-z`, unless the `-` is the last character before `]`.
        if chars.get(i + 1) == Some(&b'-') && chars.get(i + 2).is_some_and(|e| *e != b']') {
            let end = chars[i + 2];
            // Nor end one.
            if end < c || (end == b'[' && chars.get(i + 3) == Some(&b':')) {
                return None;
            }
            lit(c, out);
            out.push('-');
            lit(end, out);
            i += 3;
            continue;
        }
        lit(c, out);
        i += 1;
    }
}

fn match_(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let re = ev.expect_string_no_ctx(&a[0], pos)?;
    // Nix 2.8 compiles the expression before it looks at the string.
    let r = compile_regex(re.as_bytes(), pos, true)?;
    let s = ev.expect_string(&a[1], pos)?;
    match r.re.captures(s.as_bytes()) {
        None => Ok(Value::Null),
        Some(c) => Ok(r.groups(&c)),
    }
}

fn split(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let re = ev.expect_string_no_ctx(&a[0], pos)?;
    // Nix 2.8 compiles the expression before it looks at the string.
    let r = compile_regex(re.as_bytes(), pos, false)?;
    let s = ev.expect_string(&a[1], pos)?;
    let text = s.as_bytes();
    let mut out = Vec::new();
    let mut last = 0;
    let mut start = 0;
    // Like std::regex_iterator: an empty match is followed by a search one character on.
    while start <= text.len() {
        let Some(c) = r.re.captures_at(text, start) else {
            break;
        };
        let Some(m) = c.get(0) else { break };
        out.push(Value::string_bytes(
            &text[last..m.start()],
            Context::default(),
        ));
        out.push(r.groups(&c));
        last = m.end();
        if m.start() == m.end() {
            if m.end() >= text.len() {
                break;
            }
            // One byte on: Nix's regular expressions work on bytes.
            start = m.end() + 1;
        } else {
            start = m.end();
        }
    }
    out.push(Value::string_bytes(&text[last..], Context::default()));
    Ok(Value::list(out))
}

fn base_name_of(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = coerce(ev, &a[0], pos, false)?;
    let t = s.as_bytes();
    let t = t.strip_suffix(b"/").unwrap_or(t);
    let base = match t.iter().rposition(|&c| c == b'/') {
        Some(i) => &t[i + 1..],
        None => t,
    };
    Ok(Value::string_bytes(base, s.ctx().clone()))
}

fn dir_of(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let v = ev.force(&a[0])?;
    let is_path = matches!(v, Value::Path(_));
    let (s, ctx) = ev.coerce_to_string(&v, pos, false, false)?;
    let dir = match s.rfind('/') {
        None => ".".to_string(),
        Some(0) => "/".to_string(),
        Some(i) => s[..i].to_string(),
    };
    if is_path {
        Ok(Value::path(dir))
    } else {
        Ok(Value::string_ctx(dir, ctx))
    }
}

fn parse_drv_name(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string_no_ctx(&a[0], pos)?;
    let b = s.as_bytes();
    let split_at = (0..b.len())
        .find(|&i| b[i] == b'-' && b.get(i + 1).is_some_and(|c| !c.is_ascii_alphabetic()));
    let (name, version): (&[u8], &[u8]) = match split_at {
        Some(i) => (&b[..i], &b[i + 1..]),
        None => (b, b""),
    };
    Ok(make_attrs(vec![
        ("name", Value::string_bytes(name, Context::default())),
        ("version", Value::string_bytes(version, Context::default())),
    ]))
}

/// Splits a version like Nix's `nextComponent`: runs of digits, runs of other
/// non-separator bytes; `.` and `-` separate.
fn version_components(b: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        while i < b.len() && (b[i] == b'.' || b[i] == b'-') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let start = i;
        if b[i].is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else {
            while i < b.len() && !b[i].is_ascii_digit() && b[i] != b'.' && b[i] != b'-' {
                i += 1;
            }
        }
        out.push(&b[start..i]);
    }
    out
}

fn component_less(a: &[u8], b: &[u8]) -> bool {
    let an = !a.is_empty() && a.iter().all(|c| c.is_ascii_digit());
    let bn = !b.is_empty() && b.iter().all(|c| c.is_ascii_digit());
    if an && bn {
        let trim = |x: &[u8]| -> usize { x.iter().take_while(|c| **c == b'0').count() };
        let (x, y) = (&a[trim(a)..], &b[trim(b)..]);
        return (x.len(), x) < (y.len(), y);
    }
    if a.is_empty() && bn {
        return true;
    }
    if a == b"pre" && b != b"pre" {
        return true;
    }
    if b == b"pre" {
        return false;
    }
    if bn {
        return true;
    }
    if an {
        return false;
    }
    a < b
}

pub fn compare_version_strings(a: &[u8], b: &[u8]) -> Ordering {
    let ca = version_components(a);
    let cb = version_components(b);
    let n = ca.len().max(cb.len());
    for i in 0..n {
        let x = ca.get(i).copied().unwrap_or(b"");
        let y = cb.get(i).copied().unwrap_or(b"");
        if component_less(x, y) {
            return Ordering::Less;
        }
        if component_less(y, x) {
            return Ordering::Greater;
        }
    }
    Ordering::Equal
}

fn compare_versions(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let x = ev.expect_string_no_ctx(&a[0], pos)?;
    let y = ev.expect_string_no_ctx(&a[1], pos)?;
    Ok(Value::Int(
        match compare_version_strings(x.as_bytes(), y.as_bytes()) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        },
    ))
}

fn split_version(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string_no_ctx(&a[0], pos)?;
    Ok(Value::list(
        version_components(s.as_bytes())
            .into_iter()
            .map(|c| Value::string_bytes(c, Context::default()))
            .collect(),
    ))
}

/// The algorithm named as `builtins.hashString` and `hashFile` take it. Nix 2.8 checks
/// the name before it looks at the data, and an unknown name is a usage error there (no
/// position, the `--help` hint).
pub fn hash_algo(name: &[u8]) -> EResult<HashAlgo> {
    let text = crate::text::lossless(name);
    HashAlgo::parse(&text).map_err(|_| {
        EvalError::new_lossless(
            ErrorKind::Usage,
            format!("unknown hash algorithm '{text}'"),
            Pos::NONE,
        )
    })
}

fn hash_string(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let algo = hash_algo(ev.expect_string_no_ctx(&a[0], pos)?.as_bytes())?;
    let s = ev.expect_string(&a[1], pos)?;
    Ok(Value::string(algo.digest(s.as_bytes()).to_base16()))
}

fn get_context(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string(&a[0], pos)?;
    let mut map: std::collections::BTreeMap<String, (bool, bool, Vec<String>)> = Default::default();
    for c in s.ctx().0.iter() {
        if let Some(drv) = c.strip_prefix('=') {
            map.entry(drv.to_string()).or_default().1 = true;
        } else if let Some(rest) = c.strip_prefix('!') {
            if let Some((out, drv)) = rest.split_once('!') {
                map.entry(drv.to_string())
                    .or_default()
                    .2
                    .push(out.to_string());
            }
        } else {
            map.entry(c.to_string()).or_default().0 = true;
        }
    }
    let entries = map
        .into_iter()
        .map(|(path, (plain, all, outs))| {
            let mut info = Vec::new();
            if all {
                info.push(("allOutputs", Value::Bool(true)));
            }
            if !outs.is_empty() {
                info.push((
                    "outputs",
                    Value::list(outs.into_iter().map(Value::string).collect()),
                ));
            }
            if plain {
                info.push(("path", Value::Bool(true)));
            }
            Attr::new(Sym::new(&path), make_attrs(info), Pos::NONE)
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn has_context(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string(&a[0], pos)?;
    Ok(Value::Bool(!s.ctx().is_empty()))
}

fn append_context(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_string(&a[0], pos)?;
    let c = ev.expect_attrs(&a[1], pos)?;
    let mut ctx = s.ctx().clone();
    let dir = crate::store::store_dir(ev, pos)?;
    // Nix points at the attribute of the context set that is wrong.
    let at = |p: Pos| if p.is_none() { pos } else { p };
    for e in c.entries().iter() {
        let path = e.name.as_str();
        let shown = crate::print::symbol_display(path);
        let epos = at(e.pos());
        if dir.parse(path).is_err() {
            return err(format!("Context key '{shown}' is not a store path"), epos);
        }
        let is_drv = path.ends_with(".drv");
        let info = ev.expect_attrs(&e.value(), epos)?;
        if let Some(p) = info.get_attr(Sym::new("path")).cloned() {
            if ev.expect_bool(&p.value(), at(p.pos()))? {
                ctx.insert(std::rc::Rc::from(path));
            }
        }
        if let Some(p) = info.get_attr(Sym::new("allOutputs")).cloned() {
            if ev.expect_bool(&p.value(), at(p.pos()))? {
                if !is_drv {
                    return err(
                        format!("Tried to add all-outputs context of {shown}, which is not a derivation, to a string"),
                        epos,
                    );
                }
                ctx.insert(std::rc::Rc::from(format!("={path}").as_str()));
            }
        }
        if let Some(o) = info.get_attr(Sym::new("outputs")).cloned() {
            let opos = at(o.pos());
            let outs = ev.expect_list(&o.value(), opos)?;
            if !outs.is_empty() && !is_drv {
                return err(
                    format!("Tried to add derivation output context of {shown}, which is not a derivation, to a string"),
                    epos,
                );
            }
            for out in outs.iter() {
                let out = ev.force_str(out, opos)?;
                ctx.insert(std::rc::Rc::from(format!("!{out}!{path}").as_str()));
            }
        }
    }
    Ok(Value::string_bytes(s.as_bytes(), ctx))
}

fn discard_context(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = coerce_copy(ev, &a[0], pos)?;
    if s.ctx().is_empty() {
        return Ok(s.into_value());
    }
    Ok(Value::string_bytes(s.as_bytes(), Context::default()))
}

fn discard_output_dependency(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = coerce_copy(ev, &a[0], pos)?;
    let mut ctx = Context::default();
    for c in s.ctx().0.iter() {
        match c.strip_prefix('=') {
            Some(p) => ctx.insert(std::rc::Rc::from(p)),
            None => ctx.insert(c.clone()),
        }
    }
    Ok(Value::string_bytes(s.as_bytes(), ctx))
}

#[cfg(test)]
mod tests {
    use super::{IntText, PatternStarts};

    #[test]
    fn pattern_starts_find_what_a_byte_scan_finds() {
        let alphabet = b"abc,;i\xc3\xa9\n xyz";
        let pattern_sets: &[&[&[u8]]] = &[
            &[b"i"],
            &[b"item", b","],
            &[b"a", b"b", b"c"],
            &[b"a", b"ab", b"abc"],
            &[b"a", b"b", b"c", b","],
            &[b"\xc3\xa9", b" "],
            &[b"q"],
        ];
        for (k, pats) in pattern_sets.iter().enumerate() {
            let starts = PatternStarts::new(pats.iter().copied());
            let firsts: Vec<u8> = pats.iter().filter_map(|p| p.first().copied()).collect();
            let seed = 0x1234_5678_9abc_def1 + k as u64;
            for s in crate::tests::pseudo_random_runs(seed, alphabet, 300) {
                for from in 0..=s.len() {
                    let expected = (from..s.len())
                        .find(|&i| firsts.contains(&s[i]))
                        .unwrap_or(s.len());
                    assert_eq!(
                        starts.next(&s, from),
                        expected,
                        "{pats:?} in {s:?} from {from}"
                    );
                }
            }
        }
    }

    /// `nix-instantiate --eval --strict -E` of `expr` (Nix 2.8 printed the expected
    /// values below), or its error message.
    fn eval(expr: &str) -> Result<String, String> {
        crate::tests::eval_in_memory(expr, 64 << 20)
    }

    #[test]
    fn interpolation_as_nix_does_it() {
        // Four `${}` parts are built on the stack, more by appending.
        assert_eq!(
            eval(r#""${"a"}${"b"}${"c"}${"d"}""#).as_deref(),
            Ok("\"abcd\"")
        );
        assert_eq!(
            eval(r#""${"a"}${"b"}${"c"}${"d"}${"e"}x${"f"}""#).as_deref(),
            Ok("\"abcdexf\"")
        );
        assert_eq!(eval(r#"let s = "x"; in "${s}""#).as_deref(), Ok("\"x\""));
        assert_eq!(
            eval(r#""${{ outPath = "/o"; }}-${{ __toString = s: "t"; }}""#).as_deref(),
            Ok("\"/o-t\"")
        );
        assert_eq!(
            eval(r#""n${toString 12}m${toString (-5)}${toString 9223372036854775807}""#).as_deref(),
            Ok("\"n12m-59223372036854775807\"")
        );
        // Parts are evaluated and coerced in order: the first error wins.
        let first = eval(r#""${{}}${throw "late"}""#).unwrap_err();
        assert!(first.contains("cannot coerce a set to a string"), "{first}");
        let first = eval(r#""${throw "early"}${{}}""#).unwrap_err();
        assert!(first.contains("early"), "{first}");
        let first = eval(r#""${"a"}${"b"}${"c"}${"d"}${{}}${throw "late"}""#).unwrap_err();
        assert!(first.contains("cannot coerce a set to a string"), "{first}");
    }

    #[test]
    fn replace_strings_as_nix_does_it() {
        let cases = [
            // The first pattern in the list that matches wins, even a shorter one.
            (r#"["a" "ab"] ["1" "2"] "abcab""#, r#""1bc1b""#),
            (r#"["ab" "a"] ["2" "1"] "abcaab""#, r#""2c12""#),
            // Four distinct first bytes: the table scan instead of the word test.
            (
                r#"["é" "x" "y" "z"] ["E" "X" "Y" "Z"] "héllo wörld xyz long enough to need words xyz é""#,
                r#""hEllo wörld XYZ long enough to need words XYZ E""#,
            ),
            (
                r#"["$" "\"" "`"] ["\\$" "\\\"" "\\`"] "echo \"$HOME\" `date` and a long tail without any special bytes""#,
                r#""echo \\\"\\$HOME\\\" \\`date\\` and a long tail without any special bytes""#,
            ),
        ];
        for (args, expected) in cases {
            let expr = format!("builtins.replaceStrings {args}");
            assert_eq!(eval(&expr).as_deref(), Ok(expected), "{expr}");
        }
    }

    #[test]
    fn int_text_is_the_decimal_form() {
        for i in [0, 7, -7, 10, 99, 100, -100, 12345, i64::MAX, i64::MIN] {
            let t = IntText::new(i);
            assert_eq!(t.as_bytes(), i.to_string().as_bytes());
            assert_eq!(t.width(), i.to_string().len());
            let mut s = String::from("n=");
            t.push_to(&mut s);
            assert_eq!(s, format!("n={i}"));
        }
    }
}
