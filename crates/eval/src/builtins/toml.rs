//! The TOML reader behind `builtins.fromTOML`: the grammar, the error messages and the
//! quirks of toml11 3.7, the library Nix 2.8 links (integers and floats saturate instead
//! of failing, a table made implicitly by a dotted key may be opened again with `[t]`).
//!
//! Why not a TOML crate: `fromTOML` must fail where Nix fails and with the same text,
//! and toml11's messages quote the offending line with its own underline format. The
//! parser keeps toml11's order of attempts because which message wins depends on it.

use std::collections::HashMap;

/// A parsed value with the byte range of the source text it came from (toml11 reports
/// positions of existing values when a key is defined twice).
#[derive(Debug, Clone)]
pub struct Node {
    pub val: TVal,
    reg: (usize, usize),
}

#[derive(Debug, Clone)]
pub enum TVal {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Dates and times parse but Nix 2.8 refuses to convert them; the name is toml11's
    /// type name, used in messages about conflicting definitions.
    Date(&'static str),
    Array(Vec<Node>),
    Table(HashMap<String, Node>),
}

impl TVal {
    fn type_name(&self) -> &'static str {
        match self {
            TVal::Str(_) => "string",
            TVal::Int(_) => "integer",
            TVal::Float(_) => "floating",
            TVal::Bool(_) => "boolean",
            TVal::Date(n) => n,
            TVal::Array(_) => "array",
            TVal::Table(_) => "table",
        }
    }
}

/// toml11 distinguishes failures that let the caller try another rule (`Soft`) from
/// exceptions that end the parse at once (`Hard`); both carry the finished message.
enum Fail {
    Soft(String),
    Hard(String),
}

type R<T> = Result<T, Fail>;

/// Where an underline goes: a single position (`^---`) or a region (`~~~`).
#[derive(Clone, Copy)]
enum Mark {
    At(usize),
    Reg(usize, usize),
}

const FLOAT_HINTS: &[&str] = &[
    "pass: +1.0, -2e-2, 3.141_592_653_589, inf, nan",
    "fail: .0, 1., _1.0, 1.0_, 1_.0, 1.0__0",
];
const INT_HINTS: &[&str] = &[
    "pass: -42, 1_000, 1_2_3_4_5, 0xC0FFEE, 0b0010, 0o755",
    "fail: 1__000, 0123",
];
const KEY_HINTS: &[&str] = &[
    "bare keys  : non-empty strings composed only of [A-Za-z0-9_-].",
    "quoted keys: same as \"basic strings\" or 'literal strings'.",
    "dotted keys: sequence of bare or quoted keys joined with a dot.",
];
const TIME_PASS: &str = "pass: 1979-05-27T07:32:00, 1979-05-27 07:32:00.999999";

struct P<'a> {
    s: &'a [u8],
}

/// Parses `text` as `fromTOML` does (its bytes: a column counts bytes, as in Nix; an
/// excerpt in an error keeps them, in `text::lossless` form); the error is the text Nix prints after
/// `while parsing a TOML string: `.
pub fn parse(text: &[u8]) -> Result<HashMap<String, Node>, String> {
    let mut buf = text.to_vec();
    // toml11 appends a newline so that the last line is terminated like the others.
    if let Some(&last) = buf.last() {
        if last != b'\n' && last != b'\r' {
            buf.push(b'\n');
        }
    }
    let p = P { s: &buf };
    let mut pos = 0;
    if buf.starts_with(&[0xEF, 0xBB, 0xBF]) {
        pos = 3;
    }
    match p.file(&mut pos) {
        Ok(t) => Ok(t),
        Err(Fail::Soft(m)) | Err(Fail::Hard(m)) => Err(m),
    }
}

impl<'a> P<'a> {
    fn at(&self, i: usize) -> Option<u8> {
        self.s.get(i).copied()
    }
    fn is(&self, i: usize, c: u8) -> bool {
        self.at(i) == Some(c)
    }

    // ---- messages -------------------------------------------------------------------

    fn line_begin(&self, i: usize) -> usize {
        self.s[..i.min(self.s.len())]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |p| p + 1)
    }
    fn line_end(&self, i: usize) -> usize {
        let i = i.min(self.s.len());
        self.s[i..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(self.s.len(), |p| p + i)
    }

    /// (line number, line text, column, size) as toml11's `source_location` has them.
    fn describe(&self, m: Mark) -> (usize, String, usize, usize) {
        let (first, last, size) = match m {
            Mark::At(i) => (i, i, 1),
            Mark::Reg(f, l) => (f, l, l - f),
        };
        let lb = self.line_begin(first);
        let line_no = 1 + self.s[..first.min(self.s.len())]
            .iter()
            .filter(|&&c| c == b'\n')
            .count();
        // A region spanning lines shows only its first line.
        let le = match self.s[first..last].iter().position(|&c| c == b'\n') {
            Some(p) => first + p,
            None => self.line_end(last),
        };
        let line = crate::text::lossless(&self.s[lb..le]).into_owned();
        (line_no, line, first - lb + 1, size)
    }

    fn msg(&self, message: &str, marks: &[(Mark, &str)], hints: &[&str]) -> String {
        let described: Vec<_> = marks.iter().map(|(m, c)| (self.describe(*m), *c)).collect();
        let width = described
            .iter()
            .map(|((l, ..), _)| l.to_string().len())
            .max()
            .unwrap_or(1)
            .max(1);
        let mut out = format!(
            "[error] {message}\n --> fromTOML\n{} |\n",
            " ".repeat(width + 1)
        );
        for (n, ((line_no, line, col, size), comment)) in described.iter().enumerate() {
            if n > 0 {
                out.push_str("\n ...\n");
            }
            out.push_str(&format!(" {line_no:>width$} | {line}\n"));
            out.push_str(&" ".repeat(width + 1));
            out.push_str(" | ");
            out.push_str(&" ".repeat(col - 1));
            if *size == 1 {
                out.push_str("^---");
            } else {
                out.push_str(&"~".repeat((*size).min(line.len())));
            }
            out.push(' ');
            out.push_str(comment);
        }
        if !hints.is_empty() {
            out.push('\n');
            out.push_str(&" ".repeat(width + 1));
            out.push_str(" |");
            for h in hints {
                out.push_str("\nHint: ");
                out.push_str(h);
            }
        }
        out
    }
    fn soft<T>(&self, message: &str, m: Mark, comment: &str) -> R<T> {
        Err(Fail::Soft(self.msg(message, &[(m, comment)], &[])))
    }
    fn hard<T>(&self, message: &str, marks: &[(Mark, &str)]) -> R<T> {
        Err(Fail::Hard(self.msg(message, marks, &[])))
    }

    // ---- lexers: each returns the end of its match at `i`, or None ---------------------

    fn ch(&self, i: usize, c: u8) -> Option<usize> {
        self.is(i, c).then_some(i + 1)
    }
    fn digit(&self, i: usize) -> Option<usize> {
        self.at(i).filter(u8::is_ascii_digit).map(|_| i + 1)
    }
    fn ws(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while matches!(self.at(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        (j > i).then_some(j)
    }
    fn opt_ws(&self, i: usize) -> usize {
        self.ws(i).unwrap_or(i)
    }
    fn newline(&self, i: usize) -> Option<usize> {
        match self.at(i) {
            Some(b'\n') => Some(i + 1),
            Some(b'\r') if self.is(i + 1, b'\n') => Some(i + 2),
            _ => None,
        }
    }
    /// One UTF-8 sequence of 2 to 4 bytes, checked as toml11 checks it.
    fn utf8_multi(&self, i: usize) -> Option<usize> {
        let b0 = self.at(i)?;
        let cont = |j: usize, lo: u8, hi: u8| self.at(j).filter(|c| (lo..=hi).contains(c));
        match b0 {
            0xC2..=0xDF => cont(i + 1, 0x80, 0xBF).map(|_| i + 2),
            0xE0..=0xEF => {
                let (lo, hi) = match b0 {
                    0xE0 => (0xA0, 0xBF),
                    0xED => (0x80, 0x9F),
                    _ => (0x80, 0xBF),
                };
                cont(i + 1, lo, hi)?;
                cont(i + 2, 0x80, 0xBF).map(|_| i + 3)
            }
            0xF0..=0xF4 => {
                let (lo, hi) = match b0 {
                    0xF0 => (0x90, 0xBF),
                    0xF4 => (0x80, 0x8F),
                    _ => (0x80, 0xBF),
                };
                cont(i + 1, lo, hi)?;
                cont(i + 2, 0x80, 0xBF)?;
                cont(i + 3, 0x80, 0xBF).map(|_| i + 4)
            }
            _ => None,
        }
    }
    fn comment(&self, i: usize) -> Option<usize> {
        let mut j = self.ch(i, b'#')?;
        loop {
            match self.at(j) {
                Some(b'\t' | 0x20..=0x7E) => j += 1,
                Some(_) => match self.utf8_multi(j) {
                    Some(k) => j = k,
                    None => break,
                },
                None => break,
            }
        }
        Some(j)
    }
    /// `ws? comment? newline`
    fn blank_line(&self, i: usize) -> Option<usize> {
        let j = self.opt_ws(i);
        let j = self.comment(j).unwrap_or(j);
        self.newline(j)
    }
    fn skip_lines(&self, i: usize) -> Option<usize> {
        let mut j = self.blank_line(i)?;
        while let Some(k) = self.blank_line(j) {
            j = k;
        }
        Some(j)
    }
    /// `(wschar | newline | comment)*`
    fn ws_comment_newline(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            if matches!(self.at(j), Some(b' ' | b'\t')) {
                j += 1;
            } else if let Some(k) = self.newline(j).or_else(|| self.comment(j)) {
                j = k;
            } else {
                return j;
            }
        }
    }
    /// `d (d | _ d)*` with `d` accepted by `dig`.
    fn digits_(&self, i: usize, dig: impl Fn(u8) -> bool) -> Option<usize> {
        let ok = |j: usize| self.at(j).is_some_and(&dig);
        if !ok(i) {
            return None;
        }
        let mut j = i + 1;
        loop {
            if ok(j) {
                j += 1;
            } else if self.is(j, b'_') && ok(j + 1) {
                j += 2;
            } else {
                return Some(j);
            }
        }
    }
    fn sign(&self, i: usize) -> usize {
        if matches!(self.at(i), Some(b'+' | b'-')) {
            i + 1
        } else {
            i
        }
    }
    fn dec_int(&self, i: usize) -> Option<usize> {
        let j = self.sign(i);
        // nonzero (digit | _ digit)+, else a single digit
        if matches!(self.at(j), Some(b'1'..=b'9')) {
            if let Some(k) = self.digits_(j, |c| c.is_ascii_digit()) {
                if k > j + 1 {
                    return Some(k);
                }
            }
        }
        self.digit(j)
    }
    fn prefixed_int(&self, i: usize, p: u8, dig: impl Fn(u8) -> bool) -> Option<usize> {
        let j = self.ch(self.ch(i, b'0')?, p)?;
        self.digits_(j, dig)
    }
    fn bin_int(&self, i: usize) -> Option<usize> {
        self.prefixed_int(i, b'b', |c| matches!(c, b'0' | b'1'))
    }
    fn oct_int(&self, i: usize) -> Option<usize> {
        self.prefixed_int(i, b'o', |c| matches!(c, b'0'..=b'7'))
    }
    fn hex_int(&self, i: usize) -> Option<usize> {
        self.prefixed_int(i, b'x', |c| c.is_ascii_hexdigit())
    }
    fn integer(&self, i: usize) -> Option<usize> {
        self.bin_int(i)
            .or_else(|| self.oct_int(i))
            .or_else(|| self.hex_int(i))
            .or_else(|| self.dec_int(i))
    }
    fn lit(&self, i: usize, w: &[u8]) -> Option<usize> {
        self.s
            .get(i..i + w.len())
            .filter(|s| *s == w)
            .map(|_| i + w.len())
    }
    fn exponent(&self, i: usize) -> Option<usize> {
        let j = self.ch(i, b'e').or_else(|| self.ch(i, b'E'))?;
        self.digits_(self.sign(j), |c| c.is_ascii_digit())
    }
    fn float(&self, i: usize) -> Option<usize> {
        let j = self.sign(i);
        if let Some(k) = self.lit(j, b"inf").or_else(|| self.lit(j, b"nan")) {
            return Some(k);
        }
        let j = self.dec_int(i)?;
        if let Some(k) = self.exponent(j) {
            return Some(k);
        }
        let k = self.digits_(self.ch(j, b'.')?, |c| c.is_ascii_digit())?;
        Some(self.exponent(k).unwrap_or(k))
    }
    fn boolean(&self, i: usize) -> Option<usize> {
        self.lit(i, b"true").or_else(|| self.lit(i, b"false"))
    }
    fn n_digits(&self, i: usize, n: usize) -> Option<usize> {
        (0..n).try_fold(i, |j, _| self.digit(j))
    }
    fn full_date(&self, i: usize) -> Option<usize> {
        let j = self.ch(self.n_digits(i, 4)?, b'-')?;
        let j = self.ch(self.n_digits(j, 2)?, b'-')?;
        self.n_digits(j, 2)
    }
    fn partial_time(&self, i: usize) -> Option<usize> {
        let j = self.ch(self.n_digits(i, 2)?, b':')?;
        let j = self.ch(self.n_digits(j, 2)?, b':')?;
        let j = self.n_digits(j, 2)?;
        Some(self.secfrac(j).unwrap_or(j))
    }
    fn secfrac(&self, i: usize) -> Option<usize> {
        let mut j = self.digit(self.ch(i, b'.')?)?;
        while let Some(k) = self.digit(j) {
            j = k;
        }
        Some(j)
    }
    fn time_delim(&self, i: usize) -> Option<usize> {
        matches!(self.at(i), Some(b'T' | b't' | b' ')).then_some(i + 1)
    }
    fn numoffset(&self, i: usize) -> Option<usize> {
        if !matches!(self.at(i), Some(b'+' | b'-')) {
            return None;
        }
        let j = self.ch(self.n_digits(i + 1, 2)?, b':')?;
        self.n_digits(j, 2)
    }
    fn local_date_time(&self, i: usize) -> Option<usize> {
        self.partial_time(self.time_delim(self.full_date(i)?)?)
    }
    fn offset_date_time(&self, i: usize) -> Option<usize> {
        let j = self.local_date_time(i)?;
        self.ch(j, b'Z')
            .or_else(|| self.ch(j, b'z'))
            .or_else(|| self.numoffset(j))
    }
    fn escaped(&self, i: usize) -> Option<usize> {
        let j = self.ch(i, b'\\')?;
        match self.at(j)? {
            b'"' | b'\\' | b'b' | b'f' | b'n' | b'r' | b't' => Some(j + 1),
            b'u' => self.hex_n(j + 1, 4),
            b'U' => self.hex_n(j + 1, 8),
            _ => None,
        }
    }
    fn hex_n(&self, i: usize, n: usize) -> Option<usize> {
        (0..n).try_fold(i, |j, _| {
            self.at(j).filter(u8::is_ascii_hexdigit).map(|_| j + 1)
        })
    }
    /// Any byte but the control characters (tab excepted), DEL and `extra`.
    fn plain(&self, i: usize, extra: &[u8]) -> bool {
        match self.at(i) {
            Some(c) => !((c <= 0x1F && c != b'\t') || c == 0x7F || extra.contains(&c)),
            None => false,
        }
    }
    fn basic_string(&self, i: usize) -> Option<usize> {
        let mut j = self.ch(i, b'"')?;
        loop {
            if self.plain(j, b"\"\\") {
                j += 1;
            } else if let Some(k) = self.escaped(j) {
                j = k;
            } else {
                return self.ch(j, b'"');
            }
        }
    }
    fn literal_string(&self, i: usize) -> Option<usize> {
        let mut j = self.ch(i, b'\'')?;
        while self.plain(j, b"'") {
            j += 1;
        }
        self.ch(j, b'\'')
    }
    /// A closing delimiter of 3 to 5 quotes `q`.
    fn ml_close(&self, i: usize, q: u8) -> Option<usize> {
        let mut j = self.lit(i, &[q, q, q])?;
        for _ in 0..2 {
            j = self.ch(j, q).unwrap_or(j);
        }
        Some(j)
    }
    fn ml_escaped_newline(&self, i: usize) -> Option<usize> {
        let j = self.opt_ws(self.ch(i, b'\\')?);
        let mut j = self.newline(j)?;
        while let Some(k) = self.ws(j).or_else(|| self.newline(j)) {
            j = k;
        }
        Some(j)
    }
    fn ml_basic_body(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            if self.plain(j, b"\\") && self.lit(j, b"\"\"\"").is_none() {
                j += 1;
            } else if let Some(k) = self
                .escaped(j)
                .or_else(|| self.newline(j))
                .or_else(|| self.ml_escaped_newline(j))
            {
                j = k;
            } else {
                return j;
            }
        }
    }
    fn ml_basic_string(&self, i: usize) -> Option<usize> {
        let j = self.lit(i, b"\"\"\"")?;
        self.ml_close(self.ml_basic_body(j), b'"')
    }
    fn ml_literal_body(&self, i: usize) -> usize {
        let mut j = i;
        loop {
            if self.plain(j, b"") && self.lit(j, b"'''").is_none() {
                j += 1;
            } else if let Some(k) = self.newline(j) {
                j = k;
            } else {
                return j;
            }
        }
    }
    fn ml_literal_string(&self, i: usize) -> Option<usize> {
        let j = self.lit(i, b"'''")?;
        self.ml_close(self.ml_literal_body(j), b'\'')
    }
    fn unquoted_key(&self, i: usize) -> Option<usize> {
        let mut j = i;
        while matches!(self.at(j), Some(c) if c.is_ascii_alphanumeric() || c == b'-' || c == b'_') {
            j += 1;
        }
        (j > i).then_some(j)
    }
    fn lex_simple_key(&self, i: usize) -> Option<usize> {
        self.unquoted_key(i)
            .or_else(|| self.basic_string(i))
            .or_else(|| self.literal_string(i))
    }
    fn dot_sep(&self, i: usize) -> Option<usize> {
        let j = self.ch(self.opt_ws(i), b'.')?;
        Some(self.opt_ws(j))
    }
    fn dotted_key(&self, i: usize) -> Option<usize> {
        let mut j = self.lex_simple_key(i)?;
        let mut n = 0;
        while let Some(k) = self.dot_sep(j).and_then(|k| self.lex_simple_key(k)) {
            j = k;
            n += 1;
        }
        (n > 0).then_some(j)
    }
    fn lex_key(&self, i: usize) -> Option<usize> {
        self.dotted_key(i).or_else(|| self.lex_simple_key(i))
    }
    fn keyval_sep(&self, i: usize) -> Option<usize> {
        let j = self.ch(self.opt_ws(i), b'=')?;
        Some(self.opt_ws(j))
    }
    fn std_table(&self, i: usize) -> Option<usize> {
        let j = self.opt_ws(self.ch(i, b'[')?);
        let j = self.opt_ws(self.lex_key(j)?);
        self.ch(j, b']')
    }
    fn array_table(&self, i: usize) -> Option<usize> {
        let j = self.opt_ws(self.lit(i, b"[[")?);
        let j = self.opt_ws(self.lex_key(j)?);
        self.lit(j, b"]]")
    }

    // ---- parsers ------------------------------------------------------------------------

    fn file(&self, pos: &mut usize) -> R<HashMap<String, Node>> {
        let mut root = self.ml_table(pos)?;
        while *pos < self.s.len() {
            if let Some((keys, reg)) = self.table_key(pos, true)? {
                let tab = self.ml_table(pos)?;
                let v = Node {
                    val: TVal::Table(tab),
                    reg,
                };
                self.insert(&mut root, v, &keys, reg, true)?;
                continue;
            }
            if let Some((keys, reg)) = self.table_key(pos, false)? {
                let tab = self.ml_table(pos)?;
                let v = Node {
                    val: TVal::Table(tab),
                    reg,
                };
                self.insert(&mut root, v, &keys, reg, false)?;
                continue;
            }
            return self.soft(
                "toml::parse_toml_file: unknown line appeared",
                Mark::At(*pos),
                "unknown format",
            );
        }
        Ok(root)
    }

    /// The key-value lines up to the next table header.
    fn ml_table(&self, pos: &mut usize) -> R<HashMap<String, Node>> {
        let mut tab = HashMap::new();
        if *pos >= self.s.len() {
            return Ok(tab);
        }
        *pos = self.skip_lines(*pos).unwrap_or(*pos);
        *pos = self.opt_ws(*pos);
        while *pos < self.s.len() {
            *pos = self.opt_ws(*pos);
            let before = *pos;
            if self.table_key(pos, true)?.is_some() || self.table_key(pos, false)?.is_some() {
                *pos = before;
                return Ok(tab);
            }
            let (keys, key_reg, val) = self.key_value(pos)?;
            self.insert(&mut tab, val, &keys, key_reg, false)?;
            *pos = self.opt_ws(*pos);
            *pos = self.comment(*pos).unwrap_or(*pos);
            match self.skip_lines(*pos) {
                Some(j) => *pos = j,
                None if *pos < self.s.len() => {
                    let j = self.opt_ws(*pos);
                    let got = show_char(self.s.get(j).copied().unwrap_or(0));
                    return self.soft(
                        "toml::parse_table: invalid line format",
                        Mark::At(j),
                        &format!("expected newline, but got '{got}'."),
                    );
                }
                None => {}
            }
            *pos = self.opt_ws(*pos);
            *pos = self.comment(*pos).unwrap_or(*pos);
        }
        Ok(tab)
    }

    /// `[a.b]` (or `[[a.b]]` when `array`): Ok(None) when the line is not one.
    #[allow(clippy::type_complexity)]
    fn table_key(&self, pos: &mut usize, array: bool) -> R<Option<(Vec<String>, (usize, usize))>> {
        let (end, open) = if array {
            (self.array_table(*pos), 2)
        } else {
            (self.std_table(*pos), 1)
        };
        let Some(end) = end else {
            return Ok(None);
        };
        let mut k = self.opt_ws(*pos + open);
        let keys = match self.key(&mut k) {
            Ok((keys, _)) => keys,
            Err(e) => return Err(e),
        };
        let reg = (*pos, end);
        *pos = end;
        if *pos < self.s.len() {
            match self.blank_line(*pos) {
                Some(j) => *pos = j,
                None => {
                    let what = if array {
                        "toml::parse_array_table_key: newline required after [[table.key]]"
                    } else {
                        "toml::parse_table_key: newline required after [table.key]"
                    };
                    return self.hard(what, &[(Mark::At(*pos), "expected newline")]);
                }
            }
        }
        Ok(Some((keys, reg)))
    }

    fn key(&self, pos: &mut usize) -> R<(Vec<String>, (usize, usize))> {
        let first = *pos;
        if let Some(end) = self.dotted_key(first) {
            let mut keys = Vec::new();
            let mut i = first;
            while i < end {
                i = self.opt_ws(i);
                let (k, _) = self.simple_key(&mut i)?;
                keys.push(k);
                i = self.opt_ws(i);
                if i < end {
                    // the lexer matched, so this is the `.`
                    i += 1;
                }
            }
            *pos = end;
            return Ok((keys, (first, end)));
        }
        if let Some((k, reg)) = self.simple_key_opt(pos)? {
            return Ok((vec![k], reg));
        }
        Err(Fail::Soft(self.msg(
            "toml::parse_key: an invalid key appeared.",
            &[(Mark::At(first), "is not a valid key")],
            KEY_HINTS,
        )))
    }

    fn simple_key(&self, pos: &mut usize) -> R<(String, (usize, usize))> {
        match self.simple_key_opt(pos)? {
            Some(k) => Ok(k),
            None => self.soft(
                "toml::parse_simple_key: ",
                Mark::At(*pos),
                "the next token is not a simple key",
            ),
        }
    }

    fn simple_key_opt(&self, pos: &mut usize) -> R<Option<(String, (usize, usize))>> {
        let first = *pos;
        let quoted = match self.at(first) {
            Some(b'"') => self.basic_string_val(pos),
            Some(b'\'') => self.literal_string_val(pos),
            _ => {
                return Ok(self.unquoted_key(first).map(|end| {
                    *pos = end;
                    let k = String::from_utf8_lossy(&self.s[first..end]).into_owned();
                    (k, (first, end))
                }))
            }
        };
        match quoted {
            Ok(s) => Ok(Some((s, (first, *pos)))),
            Err(Fail::Soft(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn key_value(&self, pos: &mut usize) -> R<(Vec<String>, (usize, usize), Node)> {
        let first = *pos;
        let (keys, key_reg) = match self.key(pos) {
            Ok(k) => k,
            Err(Fail::Soft(m)) => {
                if self.keyval_sep(*pos).is_some() {
                    *pos = first;
                    return self.soft(
                        "toml::parse_key_value_pair: empty key is not allowed.",
                        Mark::At(first),
                        "key expected before '='",
                    );
                }
                return Err(Fail::Soft(m));
            }
            Err(e) => return Err(e),
        };
        let Some(after) = self.keyval_sep(*pos) else {
            let line_end = self.line_end(*pos);
            let r = if self.s[*pos..line_end].contains(&b'=') {
                Err(Fail::Soft(self.msg(
                    "toml::parse_key_value_pair: invalid format for key",
                    &[(Mark::At(*pos), "invalid character in key")],
                    &[
                        "Did you forget '.' to separate dotted-key?",
                        "Allowed characters for bare key are [0-9a-zA-Z_-].",
                    ],
                )))
            } else {
                self.soft(
                    "toml::parse_key_value_pair: missing key-value separator `=`",
                    Mark::At(*pos),
                    "should be `=`",
                )
            };
            *pos = first;
            return r;
        };
        *pos = after;
        match self.value(pos) {
            Ok(v) => Ok((keys, key_reg, v)),
            Err(Fail::Soft(m)) => {
                *pos = first;
                if self.blank_line(after).is_some() {
                    return self.soft(
                        "toml::parse_key_value_pair: missing value after key-value separator '='",
                        Mark::At(after),
                        "expected value, but got nothing",
                    );
                }
                Err(Fail::Soft(m))
            }
            Err(e) => Err(e),
        }
    }

    fn value(&self, pos: &mut usize) -> R<Node> {
        let first = *pos;
        let Some(c) = self.at(first) else {
            return self.soft("toml::parse_value: input is empty", Mark::At(first), "");
        };
        let val = match c {
            b'"' | b'\'' => TVal::Str(self.string_val(pos)?),
            b't' | b'f' => match self.boolean(first) {
                Some(end) => {
                    *pos = end;
                    TVal::Bool(c == b't')
                }
                None => {
                    return self.soft(
                        "toml::parse_boolean: ",
                        Mark::At(first),
                        "the next token is not a boolean",
                    )
                }
            },
            b'[' => TVal::Array(self.array(pos)?),
            b'{' => TVal::Table(self.inline_table(pos)?),
            b'i' | b'n' => TVal::Float(self.float_val(pos)?),
            _ => match self.guess_number(first)? {
                Num::Float => TVal::Float(self.float_val(pos)?),
                Num::Int => TVal::Int(self.int_val(pos)?),
                Num::Date(name, end) => {
                    self.check_date(name, first, end)?;
                    *pos = end;
                    TVal::Date(name)
                }
            },
        };
        Ok(Node {
            val,
            reg: (first, *pos),
        })
    }

    fn guess_number(&self, i: usize) -> R<Num> {
        let fail = |m: &str, at: usize, c: &str, hints: &[&str]| {
            Err(Fail::Soft(self.msg(m, &[(Mark::At(at), c)], hints)))
        };
        if let Some(e) = self.offset_date_time(i) {
            return Ok(Num::Date("offset_datetime", e));
        }
        if let Some(e) = self.local_date_time(i) {
            if matches!(self.at(e), Some(b'+' | b'-' | b'Z' | b'z')) {
                return fail(
                    "bad offset: should be [+-]HH:MM or Z",
                    e,
                    "[+-]HH:MM or Z",
                    &["pass: +09:00, -05:30", "fail: +9:00, -5:30"],
                );
            }
            return Ok(Num::Date("local_datetime", e));
        }
        if let Some(e) = self.full_date(i) {
            match self.at(e) {
                Some(b'T' | b't') => {
                    return fail(
                        "bad time: should be HH:MM:SS.subsec",
                        e,
                        "HH:MM:SS.subsec",
                        &[TIME_PASS, "fail: 1979-05-27T7:32:00, 1979-05-27 17:32"],
                    )
                }
                Some(b'0'..=b'9') => {
                    return fail(
                        "bad time: missing T",
                        e,
                        "T or space required here",
                        &[TIME_PASS, "fail: 1979-05-27T7:32:00, 1979-05-27 7:32"],
                    )
                }
                Some(b' ') if self.digit(e + 1).is_some() => {
                    return fail(
                        "bad time: should be HH:MM:SS.subsec",
                        e + 1,
                        "HH:MM:SS.subsec",
                        &[TIME_PASS, "fail: 1979-05-27T7:32:00, 1979-05-27 7:32"],
                    )
                }
                _ => return Ok(Num::Date("local_date", e)),
            }
        }
        if let Some(e) = self.partial_time(i) {
            return Ok(Num::Date("local_time", e));
        }
        if let Some(e) = self.float(i) {
            if self.is(e, b'_') {
                return fail(
                    "bad float: `_` should be surrounded by digits",
                    e,
                    "here",
                    FLOAT_HINTS,
                );
            }
            return Ok(Num::Float);
        }
        if let Some(e) = self.integer(i) {
            match self.at(e) {
                Some(b'_') => {
                    return fail(
                        "bad integer: `_` should be surrounded by digits",
                        e,
                        "here",
                        INT_HINTS,
                    )
                }
                Some(b'0'..=b'9') => {
                    return fail("bad integer: leading zero", e - 1, "here", INT_HINTS)
                }
                Some(b':' | b'-') => {
                    return fail(
                        "bad datetime: invalid format",
                        e,
                        "here",
                        &[
                            "pass: 1979-05-27T07:32:00-07:00, 1979-05-27 07:32:00.999999Z",
                            "fail: 1979-05-27T7:32:00-7:00, 1979-05-27 7:32-00:30",
                        ],
                    )
                }
                Some(b'.' | b'e' | b'E') => {
                    return fail("bad float: invalid format", e, "here", FLOAT_HINTS)
                }
                _ => return Ok(Num::Int),
            }
        }
        match self.at(i) {
            Some(b'.') => fail(
                "bad float: invalid format",
                i,
                "integer part required before this",
                FLOAT_HINTS,
            ),
            Some(b'_') => fail(
                "bad number: `_` should be surrounded by digits",
                i,
                "`_` is not surrounded by digits",
                INT_HINTS,
            ),
            _ => fail("bad format: unknown value appeared", i, "here", &[]),
        }
    }

    /// toml11 checks the calendar of a date or time it has lexed. A date-time is
    /// checked on a copy of its own text, so the excerpt of such an error is that text.
    fn check_date(&self, kind: &str, first: usize, end: usize) -> R<()> {
        match kind {
            "local_date" => self.check_ymd(first, end),
            "local_time" => self.check_hms(first, end),
            "local_datetime" => {
                let sub = P {
                    s: &self.s[first..end],
                };
                sub.check_ymd(0, 10)?;
                sub.check_hms(11, end - first)
            }
            _ => {
                let ldt = self.local_date_time(first).unwrap_or(end);
                let sub = P {
                    s: &self.s[first..ldt],
                };
                sub.check_ymd(0, 10)?;
                sub.check_hms(11, ldt - first)?;
                if self.numoffset(ldt).is_some() {
                    let (h, m) = (self.num(ldt + 1, 2), self.num(ldt + 4, 2));
                    if h > 23 || m > 59 {
                        return self.hard(
                            "toml::parse_offset_datetime: invalid offset: it does not conform RFC3339.",
                            &[(Mark::At(end), "month should be 01-12, day should be 01-28,29,30,31, depending on month/year.")],
                        );
                    }
                }
                Ok(())
            }
        }
    }
    fn num(&self, a: usize, n: usize) -> i64 {
        std::str::from_utf8(&self.s[a..a + n])
            .ok()
            .and_then(|t| t.parse::<i64>().ok())
            .unwrap_or(0)
    }
    /// The date at `first`; an error points at `at`.
    fn check_ymd(&self, first: usize, at: usize) -> R<()> {
        let (y, m, d) = (
            self.num(first, 4),
            self.num(first + 5, 2),
            self.num(first + 8, 2),
        );
        let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
        let max_day = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if !(1..=12).contains(&m) || d < 1 || d > max_day {
            return self.hard(
                "toml::parse_date: invalid date: it does not conform RFC3339.",
                &[(
                    Mark::At(at),
                    "month should be 01-12, day should be 01-28,29,30,31, depending on month/year.",
                )],
            );
        }
        Ok(())
    }
    fn check_hms(&self, t: usize, at: usize) -> R<()> {
        let (h, mi, s) = (self.num(t, 2), self.num(t + 3, 2), self.num(t + 6, 2));
        if h > 23 || mi > 59 || s > 60 {
            return self.hard(
                "toml::parse_time: invalid time: it does not conform RFC3339.",
                &[(Mark::At(at), "hour should be 00-23, minute should be 00-59, second should be 00-60 (depending on the leap second rules.)")],
            );
        }
        Ok(())
    }

    fn int_val(&self, pos: &mut usize) -> R<i64> {
        let first = *pos;
        if self.is(first, b'0') {
            match self.at(first + 1) {
                Some(b'b') => {
                    let Some(end) = self.bin_int(first) else {
                        return self.soft(
                            "toml::parse_binary_integer:",
                            Mark::At(first),
                            "the next token is not an integer",
                        );
                    };
                    *pos = end;
                    // toml11 accumulates in a signed 64-bit integer without a check.
                    let mut v: i64 = 0;
                    let mut base: i64 = 1;
                    for &c in self.s[first + 2..end].iter().rev() {
                        if c == b'_' {
                            continue;
                        }
                        if c == b'1' {
                            v = v.wrapping_add(base);
                        }
                        base = base.wrapping_mul(2);
                    }
                    return Ok(v);
                }
                Some(p @ (b'o' | b'x')) => {
                    let (end, radix, name) = if p == b'o' {
                        (self.oct_int(first), 8, "toml::parse_octal_integer:")
                    } else {
                        (self.hex_int(first), 16, "toml::parse_hexadecimal_integer")
                    };
                    let Some(end) = end else {
                        return self.soft(
                            name,
                            Mark::At(first),
                            "the next token is not an integer",
                        );
                    };
                    *pos = end;
                    return Ok(saturating_int(&self.s[first + 2..end], radix));
                }
                Some(b'0'..=b'9') => {
                    return self.soft(
                        "toml::parse_integer: leading zero in an Integer is not allowed.",
                        Mark::At(first),
                        "leading zero",
                    )
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    return self.soft(
                        "toml::parse_integer: unknown integer prefix appeared.",
                        Mark::At(first),
                        "none of 0x, 0o, 0b",
                    )
                }
                _ => {}
            }
        }
        let Some(end) = self.dec_int(first) else {
            return self.soft(
                "toml::parse_integer: ",
                Mark::At(first),
                "the next token is not an integer",
            );
        };
        *pos = end;
        Ok(saturating_int(&self.s[first..end], 10))
    }

    fn float_val(&self, pos: &mut usize) -> R<f64> {
        let first = *pos;
        let Some(end) = self.float(first) else {
            return self.soft(
                "toml::parse_floating: ",
                Mark::At(first),
                "the next token is not a float",
            );
        };
        *pos = end;
        let text: String = self.s[first..end]
            .iter()
            .filter(|&&c| c != b'_')
            .map(|&c| c as char)
            .collect();
        Ok(match text.as_str() {
            "inf" | "+inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            "nan" | "+nan" => f64::NAN,
            "-nan" => -f64::NAN,
            // the C++ stream stores the largest finite value on overflow
            t => match t.parse::<f64>() {
                Ok(v) if v.is_infinite() => f64::MAX.copysign(v),
                Ok(v) => v,
                Err(_) => 0.0,
            },
        })
    }

    fn string_val(&self, pos: &mut usize) -> R<String> {
        let i = *pos;
        if self.is(i, b'"') {
            if self.lit(i, b"\"\"\"").is_some() {
                self.ml_basic_string_val(pos)
            } else {
                self.basic_string_val(pos)
            }
        } else if self.lit(i, b"'''").is_some() {
            let Some(end) = self.ml_literal_string(i) else {
                return self.soft(
                    "toml::parse_ml_literal_string: the next token is not a valid multiline literal string",
                    Mark::At(i),
                    "here",
                );
            };
            *pos = end;
            let mut j = i + 3;
            j = self.newline(j).unwrap_or(j);
            let body_end = self.ml_literal_body(j);
            let mut out = String::from_utf8_lossy(&self.s[j..body_end]).into_owned();
            for _ in 0..(end - body_end - 3) {
                out.push('\'');
            }
            Ok(out)
        } else {
            self.literal_string_val(pos)
        }
    }

    fn literal_string_val(&self, pos: &mut usize) -> R<String> {
        let i = *pos;
        let Some(end) = self.literal_string(i) else {
            return self.soft(
                "toml::parse_literal_string: the next token is not a valid literal string",
                Mark::At(i),
                "here",
            );
        };
        *pos = end;
        Ok(String::from_utf8_lossy(&self.s[i + 1..end - 1]).into_owned())
    }

    fn basic_string_val(&self, pos: &mut usize) -> R<String> {
        let i = *pos;
        let Some(end) = self.basic_string(i) else {
            return self.soft(
                "toml::parse_basic_string: the next token is not a valid string",
                Mark::At(i),
                "here",
            );
        };
        let mut out = Vec::new();
        let mut j = i + 1;
        while j < end - 1 {
            if self.s[j] == b'\\' {
                j = self.unescape(j, &mut out)?;
            } else {
                out.push(self.s[j]);
                j += 1;
            }
        }
        *pos = end;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    fn ml_basic_string_val(&self, pos: &mut usize) -> R<String> {
        let i = *pos;
        let Some(end) = self.ml_basic_string(i) else {
            return self.soft(
                "toml::parse_ml_basic_string: the next token is not a valid multiline string",
                Mark::At(i),
                "here",
            );
        };
        let mut j = i + 3;
        j = self.newline(j).unwrap_or(j);
        let body_end = self.ml_basic_body(j);
        let mut out = Vec::new();
        while j < body_end {
            if self.s[j] == b'\\' {
                if self.escaped(j).is_some() {
                    j = self.unescape(j, &mut out)?;
                } else if let Some(k) = self.ml_escaped_newline(j) {
                    j = k;
                } else {
                    // the lexer admitted the body, so this cannot happen; keep the byte
                    out.push(b'\\');
                    j += 1;
                }
            } else {
                out.push(self.s[j]);
                j += 1;
            }
        }
        out.resize(out.len() + (end - body_end - 3), b'"');
        *pos = end;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// Decodes the escape at `j` (already lexed) into `out`; returns the index after it.
    fn unescape(&self, j: usize, out: &mut Vec<u8>) -> R<usize> {
        let c = self.s[j + 1];
        let simple = match c {
            b'\\' => Some(b'\\'),
            b'"' => Some(b'"'),
            b'b' => Some(0x08),
            b't' => Some(b'\t'),
            b'n' => Some(b'\n'),
            b'f' => Some(0x0C),
            b'r' => Some(b'\r'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            return Ok(j + 2);
        }
        let n = if c == b'u' { 4 } else { 8 };
        let end = j + 2 + n;
        let hex = std::str::from_utf8(&self.s[j + 2..end]).unwrap_or("0");
        let cp = u32::from_str_radix(hex, 16).unwrap_or(0);
        if (0xD800..=0xDFFF).contains(&cp) {
            return self.hard(
                "toml::read_utf8_codepoint: codepoints in the range [0xD800, 0xDFFF] are not valid UTF-8.",
                &[(Mark::At(end), "not a valid UTF-8 codepoint")],
            );
        }
        match char::from_u32(cp) {
            Some(ch) => {
                let mut b = [0; 4];
                out.extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                Ok(end)
            }
            None => self.hard(
                "toml::read_utf8_codepoint: input codepoint is too large.",
                &[(Mark::At(end), "should be in [0x00..0x10FFFF]")],
            ),
        }
    }

    fn array(&self, pos: &mut usize) -> R<Vec<Node>> {
        let first = *pos;
        *pos += 1;
        let mut out = Vec::new();
        while *pos < self.s.len() {
            *pos = self.ws_comment_newline(*pos);
            if self.is(*pos, b']') {
                *pos += 1;
                return Ok(out);
            }
            match self.value(pos) {
                Ok(v) => out.push(v),
                Err(Fail::Soft(_)) => {
                    return self.hard(
                        "toml::parse_array: value having invalid format appeared in an array",
                        &[
                            (Mark::At(first), "array starts here"),
                            (Mark::At(*pos), "it is not a valid value."),
                        ],
                    )
                }
                Err(e) => return Err(e),
            }
            let j = self.ws_comment_newline(*pos);
            if self.is(j, b',') {
                *pos = j + 1;
            } else {
                *pos = j;
                if self.is(*pos, b']') {
                    *pos += 1;
                    return Ok(out);
                }
                return self.hard(
                    "toml::parse_array: missing array separator `,` after a value",
                    &[
                        (Mark::At(first), "array starts here"),
                        (Mark::At(*pos), "should be `,`"),
                    ],
                );
            }
        }
        self.hard(
            "toml::parse_array: array did not closed by `]`",
            &[(Mark::At(first), "should be closed")],
        )
    }

    fn inline_table(&self, pos: &mut usize) -> R<HashMap<String, Node>> {
        let first = *pos;
        let mut tab = HashMap::new();
        *pos = self.opt_ws(first + 1);
        if self.is(*pos, b'}') {
            *pos += 1;
            return Ok(tab);
        }
        while *pos < self.s.len() {
            let (keys, key_reg, val) = self.key_value(pos)?;
            self.insert(&mut tab, val, &keys, key_reg, false)?;
            let j = self.opt_ws(*pos);
            if self.is(j, b',') {
                *pos = self.opt_ws(j + 1);
                if self.is(*pos, b'}') {
                    return self.hard(
                        "toml::parse_inline_table: trailing comma is not allowed in an inline table",
                        &[(Mark::At(*pos), "should be `}`")],
                    );
                }
            } else {
                *pos = j;
                match self.at(j) {
                    None => {
                        return self.hard(
                            "toml::parse_inline_table: missing table separator `}` ",
                            &[(Mark::At(j), "should be `}`")],
                        )
                    }
                    Some(b'}') => {
                        *pos = j + 1;
                        return Ok(tab);
                    }
                    Some(b'#' | b'\r' | b'\n') => {
                        return self.hard(
                            "toml::parse_inline_table: missing curly brace `}`",
                            &[(Mark::At(j), "should be `}`")],
                        )
                    }
                    Some(_) => {
                        return self.hard(
                            "toml::parse_inline_table: missing table separator `,` ",
                            &[(Mark::At(j), "should be `,`")],
                        )
                    }
                }
            }
        }
        self.hard(
            "toml::parse_inline_table: inline table did not closed by `}`",
            &[(Mark::At(first), "should be closed")],
        )
    }

    fn reg_of(n: &Node) -> Mark {
        Mark::Reg(n.reg.0, n.reg.1)
    }

    /// toml11's `insert_nested_key`: puts `v` at `keys` below `root`, creating the tables
    /// on the way, with its rules for reopening tables and appending to arrays of tables.
    fn insert(
        &self,
        root: &mut HashMap<String, Node>,
        v: Node,
        keys: &[String],
        key_reg: (usize, usize),
        array_of_tables: bool,
    ) -> R<()> {
        let dotted = |n: usize| keys[..n].join(".");
        let mut tab = root;
        for (idx, k) in keys.iter().enumerate() {
            let last = idx + 1 == keys.len();
            if last {
                if array_of_tables {
                    let Some(existing) = tab.get_mut(k) else {
                        let reg = key_reg;
                        tab.insert(
                            k.clone(),
                            Node {
                                val: TVal::Array(vec![v]),
                                reg,
                            },
                        );
                        return Ok(());
                    };
                    let name = dotted(keys.len());
                    let ex_reg = Self::reg_of(existing);
                    let ex_type = existing.val.type_name();
                    match &mut existing.val {
                        TVal::Table(_) => {
                            let m = format!(
                                "toml::insert_value: array of table (\"{name}\") cannot be defined"
                            );
                            let conflict = "this conflicts with the previous table";
                            return self.hard(
                                &m,
                                &[
                                    (ex_reg, "table already defined"),
                                    (Self::reg_of(&v), conflict),
                                ],
                            );
                        }
                        TVal::Array(a) => {
                            let first_is_table = matches!(
                                a.first(),
                                Some(Node {
                                    val: TVal::Table(_),
                                    ..
                                })
                            );
                            if !first_is_table {
                                let c = format!("this {ex_type} value already exists");
                                return self.hard(
                                    &format!("toml::insert_value: array of table (\"{name}\") collides with existing value"),
                                    &[(ex_reg, &c), (Self::reg_of(&v), "while inserting this array-of-tables")],
                                );
                            }
                            let front = a[0].reg;
                            if !self.s[front.0..front.1].starts_with(b"[[") {
                                let c = format!("this {ex_type} value has static size");
                                return self.hard(
                                    &format!("toml::insert_value: array of table (\"{name}\") collides with existing array-of-tables"),
                                    &[(ex_reg, &c), (Self::reg_of(&v), "appending it to the statically sized array")],
                                );
                            }
                            a.push(v);
                            return Ok(());
                        }
                        _ => {
                            let c = format!("this {ex_type} value already exists");
                            return self.hard(
                                &format!("toml::insert_value: array of table (\"{name}\") collides with existing value"),
                                &[(ex_reg, &c), (Self::reg_of(&v), "while inserting this array-of-tables")],
                            );
                        }
                    }
                }
                let Some(existing) = tab.get_mut(k) else {
                    tab.insert(k.clone(), v);
                    return Ok(());
                };
                let name = dotted(keys.len());
                let ex_reg = Self::reg_of(existing);
                match (&mut existing.val, &v.val) {
                    (TVal::Table(t), TVal::Table(new)) => {
                        if !self.forward_ok(existing.reg, v.reg, keys, idx) {
                            return self.hard(
                                &format!("toml::insert_value: table (\"{name}\") already exists."),
                                &[
                                    (ex_reg, "table already exists here"),
                                    (Self::reg_of(&v), "table defined twice"),
                                ],
                            );
                        }
                        for (nk, nv) in new {
                            if let Some(old) = t.get(nk) {
                                return self.hard(
                                    &format!(
                                        "toml::insert_value: value (\"{name}\") already exists."
                                    ),
                                    &[
                                        (Self::reg_of(old), "already exists here"),
                                        (Self::reg_of(&v), "this defined twice"),
                                    ],
                                );
                            }
                            t.insert(nk.clone(), nv.clone());
                        }
                        existing.reg = key_reg;
                        return Ok(());
                    }
                    (TVal::Array(a), TVal::Table(_))
                        if matches!(
                            a.first(),
                            Some(Node {
                                val: TVal::Table(_),
                                ..
                            })
                        ) =>
                    {
                        return self.hard(
                            &format!(
                                "toml::insert_value: array of tables (\"{name}\") already exists."
                            ),
                            &[
                                (ex_reg, "array of tables defined here"),
                                (
                                    Self::reg_of(&v),
                                    "table conflicts with the previous array of table",
                                ),
                            ],
                        );
                    }
                    _ => {
                        return self.hard(
                            &format!("toml::insert_value: value (\"{name}\") already exists."),
                            &[
                                (ex_reg, "value already exists here"),
                                (Self::reg_of(&v), "value defined twice"),
                            ],
                        );
                    }
                }
            }
            let node = tab.entry(k.clone()).or_insert_with(|| Node {
                val: TVal::Table(HashMap::new()),
                reg: key_reg,
            });
            let node_reg = Self::reg_of(node);
            let node_type = node.val.type_name();
            let starts_brace = self.is(node.reg.0, b'{') && node.reg.1 > node.reg.0;
            match &mut node.val {
                TVal::Table(t) => {
                    if starts_brace {
                        return self.hard(
                            &format!(
                                "toml::insert_value: inserting to an inline table ({}) but inline tables are immutable",
                                dotted(idx + 1)
                            ),
                            &[(node_reg, "inline tables are immutable"), (Self::reg_of(&v), "inserting this")],
                        );
                    }
                    tab = t;
                }
                TVal::Array(a) => match a.last_mut() {
                    Some(Node {
                        val: TVal::Table(t),
                        ..
                    }) => tab = t,
                    other => {
                        let (r, ty) = match &other {
                            Some(n) => (Self::reg_of(n), n.val.type_name()),
                            None => (node_reg, "array"),
                        };
                        let c = format!("actual type is {ty}");
                        return self.hard(
                            &format!(
                                "toml::insert_value: target ({}) is neither table nor an array of tables",
                                dotted(idx + 1)
                            ),
                            &[(r, &c), (Self::reg_of(&v), "inserting this")],
                        );
                    }
                },
                _ => {
                    let c = format!("actual type is {node_type}");
                    return self.hard(
                        &format!(
                            "toml::insert_value: target ({}) is neither table nor an array of tables",
                            dotted(idx + 1)
                        ),
                        &[(node_reg, &c), (Self::reg_of(&v), "inserting this")],
                    );
                }
            }
        }
        Ok(())
    }

    /// toml11's `is_valid_forward_table_definition`: may the table at `fwd` (a region of
    /// the source) be extended by the table `new`, defined at `keys` (the current key
    /// being `keys[cur]`)? It reads the two regions again to see how each was written.
    fn forward_ok(
        &self,
        fwd: (usize, usize),
        new: (usize, usize),
        keys: &[String],
        cur: usize,
    ) -> bool {
        let new_src = P {
            s: &self.s[new.0..new.1],
        };
        let mut p = 0;
        if new_src.is(0, b'{') && new_src.inline_table(&mut p).is_ok() {
            return false;
        }
        let fwd_src = P {
            s: &self.s[fwd.0..fwd.1],
        };
        let mut p = 0;
        if let Ok(Some((tks, _))) = fwd_src.table_key(&mut p, false) {
            return tks.as_slice() != keys;
        }
        let mut p = 0;
        if let Ok((dks, _)) = fwd_src.key(&mut p) {
            return dks.as_slice() != &keys[cur..];
        }
        false
    }
}

enum Num {
    Int,
    Float,
    Date(&'static str, usize),
}

/// What `std::istream >> long long` stores: the value, or the nearest bound when it does
/// not fit.
fn saturating_int(digits: &[u8], radix: u32) -> i64 {
    let mut neg = false;
    let mut v: i128 = 0;
    for &c in digits {
        match c {
            b'-' => neg = true,
            b'+' | b'_' => {}
            _ => {
                let d = (c as char).to_digit(radix).unwrap_or(0) as i128;
                v = (v * radix as i128 + d).min(i128::from(u64::MAX) + 1);
            }
        }
    }
    let v = if neg { -v } else { v };
    v.clamp(i64::MIN as i128, i64::MAX as i128) as i64
}

/// toml11's `show_char`: printable ASCII as itself, anything else as `0x..`.
fn show_char(c: u8) -> String {
    if c.is_ascii_graphic() {
        (c as char).to_string()
    } else {
        format!("0x{c:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        match parse(s.as_bytes()) {
            Ok(_) => panic!("{s:?} parsed"),
            Err(e) => e,
        }
    }

    #[test]
    fn missing_separator_points_after_the_key() {
        assert_eq!(
            err("abc"),
            "[error] toml::parse_key_value_pair: missing key-value separator `=`\n --> fromTOML\n   |\n 1 | abc\n   |    ^--- should be `=`"
        );
    }

    #[test]
    fn integers_saturate_and_binary_wraps() {
        let t = parse(b"a = 9223372036854775808\nb = -9223372036854775809\nc = 0b11")
            .unwrap_or_default();
        assert!(matches!(
            t.get("a").map(|n| &n.val),
            Some(TVal::Int(i64::MAX))
        ));
        assert!(matches!(
            t.get("b").map(|n| &n.val),
            Some(TVal::Int(i64::MIN))
        ));
        assert!(matches!(t.get("c").map(|n| &n.val), Some(TVal::Int(3))));
    }

    #[test]
    fn dotted_key_table_may_be_reopened() {
        assert!(parse(b"a.b = 1\n[a]\nc = 2").is_ok());
        assert!(parse(b"[a]\nb = 1\n[a]").is_err());
    }
}
