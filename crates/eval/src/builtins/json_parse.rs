//! The JSON reader behind `builtins.fromJSON`, written to accept and reject what Nix
//! 2.8's parser (nlohmann/json 3.x in strict mode) does, with its error messages and
//! its `line L, column C` positions, which users see verbatim in `error:` lines.

use crate::value::Value;

/// A token, named as the reference parser names them in messages.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok {
    True,
    False,
    Null,
    Str,
    Unsigned,
    Integer,
    Float,
    BeginArray,
    BeginObject,
    EndArray,
    EndObject,
    NameSep,
    ValueSep,
    ParseError,
    EndOfInput,
    /// Only used as an expectation: "'[', '{', or a literal".
    LiteralOrValue,
}

impl Tok {
    fn name(self) -> &'static str {
        match self {
            Tok::True => "true literal",
            Tok::False => "false literal",
            Tok::Null => "null literal",
            Tok::Str => "string literal",
            Tok::Unsigned | Tok::Integer | Tok::Float => "number literal",
            Tok::BeginArray => "'['",
            Tok::BeginObject => "'{'",
            Tok::EndArray => "']'",
            Tok::EndObject => "'}'",
            Tok::NameSep => "':'",
            Tok::ValueSep => "','",
            Tok::ParseError => "<parse error>",
            Tok::EndOfInput => "end of input",
            Tok::LiteralOrValue => "'[', '{', or a literal",
        }
    }
}

/// The reference lexer counts a read of the end of input as a character, and
/// "ungets" one lookahead character after numbers; positions in messages depend on
/// both, so the lexer reproduces them.
struct Lexer<'a> {
    input: &'a [u8],
    next: usize,
    current: Option<u8>,
    next_unget: bool,
    chars_total: usize,
    lines: usize,
    col: usize,
    /// Raw characters of the current token (for "last read: '…'").
    token_string: Vec<u8>,
    /// Decoded contents of the last string token.
    buffer: Vec<u8>,
    number: String,
    error: String,
    int_value: i64,
    float_value: f64,
}

const CONTROL_NAMES: [&str; 32] = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR",
    "SO", "SI", "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC",
    "FS", "GS", "RS", "US",
];

impl<'a> Lexer<'a> {
    fn new(input: &'a [u8]) -> Lexer<'a> {
        Lexer {
            input,
            next: 0,
            current: None,
            next_unget: false,
            chars_total: 0,
            lines: 0,
            col: 0,
            token_string: Vec::new(),
            buffer: Vec::new(),
            number: String::new(),
            error: String::new(),
            int_value: 0,
            float_value: 0.0,
        }
    }

    fn get(&mut self) -> Option<u8> {
        self.chars_total += 1;
        self.col += 1;
        if self.next_unget {
            self.next_unget = false;
        } else {
            self.current = self.input.get(self.next).copied();
            if self.current.is_some() {
                self.next += 1;
            }
        }
        if let Some(c) = self.current {
            self.token_string.push(c);
            if c == b'\n' {
                self.lines += 1;
                self.col = 0;
            }
        }
        self.current
    }

    fn unget(&mut self) {
        self.next_unget = true;
        self.chars_total -= 1;
        if self.col == 0 {
            self.lines = self.lines.saturating_sub(1);
        } else {
            self.col -= 1;
        }
        if self.current.is_some() {
            self.token_string.pop();
        }
    }

    fn reset(&mut self) {
        self.buffer.clear();
        self.token_string.clear();
        if let Some(c) = self.current {
            self.token_string.push(c);
        }
    }

    fn position(&self) -> String {
        format!("line {}, column {}", self.lines + 1, self.col)
    }

    fn token_string(&self) -> String {
        let mut out = Vec::new();
        for &c in &self.token_string {
            if c <= 0x1f {
                out.extend_from_slice(format!("<U+{c:04X}>").as_bytes());
            } else {
                out.push(c);
            }
        }
        // The error quotes the bytes as they are (see `EvalError::new_lossless`).
        crate::text::lossless(&out).into_owned()
    }

    /// The last string token's contents. Nix keeps strings as C strings, so an
    /// escaped NUL (`\u0000`) ends them.
    fn text(&self) -> String {
        let b = &self.buffer;
        let end = b.iter().position(|c| *c == 0).unwrap_or(b.len());
        String::from_utf8_lossy(&b[..end]).into_owned()
    }

    fn fail(&mut self, msg: impl Into<String>) -> Tok {
        self.error = msg.into();
        Tok::ParseError
    }

    fn scan(&mut self) -> Tok {
        if self.chars_total == 0 {
            // A UTF-8 byte order mark is skipped; anything else starting with 0xEF is not.
            if self.get() == Some(0xef) {
                if self.get() != Some(0xbb) || self.get() != Some(0xbf) {
                    return self.fail("invalid BOM; must be 0xEF 0xBB 0xBF if given");
                }
            } else {
                self.unget();
            }
        }
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.get() {}
        match self.current {
            Some(b'[') => Tok::BeginArray,
            Some(b']') => Tok::EndArray,
            Some(b'{') => Tok::BeginObject,
            Some(b'}') => Tok::EndObject,
            Some(b':') => Tok::NameSep,
            Some(b',') => Tok::ValueSep,
            Some(b't') => self.literal(b"true", Tok::True),
            Some(b'f') => self.literal(b"false", Tok::False),
            Some(b'n') => self.literal(b"null", Tok::Null),
            Some(b'"') => self.string(),
            Some(b'-' | b'0'..=b'9') => self.number(),
            None | Some(0) => Tok::EndOfInput,
            Some(_) => self.fail("invalid literal"),
        }
    }

    fn literal(&mut self, text: &[u8], tok: Tok) -> Tok {
        for &want in &text[1..] {
            if self.get() != Some(want) {
                return self.fail("invalid literal");
            }
        }
        tok
    }

    fn hex4(&mut self) -> Option<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let d = match self.get() {
                Some(c @ b'0'..=b'9') => c - b'0',
                Some(c @ b'a'..=b'f') => c - b'a' + 10,
                Some(c @ b'A'..=b'F') => c - b'A' + 10,
                _ => return None,
            };
            v = v * 16 + u32::from(d);
        }
        Some(v)
    }

    fn string(&mut self) -> Tok {
        self.reset();
        const HEX4: &str = "invalid string: '\\u' must be followed by 4 hex digits";
        const HIGH: &str =
            "invalid string: surrogate U+D800..U+DBFF must be followed by U+DC00..U+DFFF";
        loop {
            match self.get() {
                None => return self.fail("invalid string: missing closing quote"),
                Some(b'"') => return Tok::Str,
                Some(b'\\') => {
                    let simple = match self.get() {
                        Some(b'"') => Some(b'"'),
                        Some(b'\\') => Some(b'\\'),
                        Some(b'/') => Some(b'/'),
                        Some(b'b') => Some(0x08),
                        Some(b'f') => Some(0x0c),
                        Some(b'n') => Some(b'\n'),
                        Some(b'r') => Some(b'\r'),
                        Some(b't') => Some(b'\t'),
                        Some(b'u') => None,
                        _ => {
                            return self.fail("invalid string: forbidden character after backslash")
                        }
                    };
                    if let Some(c) = simple {
                        self.buffer.push(c);
                        continue;
                    }
                    let Some(cp1) = self.hex4() else {
                        return self.fail(HEX4);
                    };
                    let cp = if (0xd800..=0xdbff).contains(&cp1) {
                        if self.get() != Some(b'\\') || self.get() != Some(b'u') {
                            return self.fail(HIGH);
                        }
                        let Some(cp2) = self.hex4() else {
                            return self.fail(HEX4);
                        };
                        if !(0xdc00..=0xdfff).contains(&cp2) {
                            return self.fail(HIGH);
                        }
                        0x10000 + ((cp1 - 0xd800) << 10) + (cp2 - 0xdc00)
                    } else if (0xdc00..=0xdfff).contains(&cp1) {
                        return self.fail(
                            "invalid string: surrogate U+DC00..U+DFFF must follow U+D800..U+DBFF",
                        );
                    } else {
                        cp1
                    };
                    let ch = char::from_u32(cp).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut b = [0u8; 4];
                    self.buffer
                        .extend_from_slice(ch.encode_utf8(&mut b).as_bytes());
                }
                Some(c) if c <= 0x1f => {
                    let short = match c {
                        0x08 => " or \\b",
                        0x09 => " or \\t",
                        0x0a => " or \\n",
                        0x0c => " or \\f",
                        0x0d => " or \\r",
                        _ => "",
                    };
                    let msg = format!(
                        "invalid string: control character U+{c:04X} ({}) must be escaped to \\u{c:04X}{short}",
                        CONTROL_NAMES[usize::from(c)]
                    );
                    return self.fail(msg);
                }
                Some(c) if c < 0x80 => self.buffer.push(c),
                // A multi-byte character, checked as the reader Nix uses checks it
                // (RFC 3629's ranges): a Nix string may hold any bytes, JSON may not.
                Some(c) => {
                    let rest: &[(u8, u8)] = match c {
                        0xc2..=0xdf => &[(0x80, 0xbf)],
                        0xe0 => &[(0xa0, 0xbf), (0x80, 0xbf)],
                        0xe1..=0xec | 0xee..=0xef => &[(0x80, 0xbf), (0x80, 0xbf)],
                        0xed => &[(0x80, 0x9f), (0x80, 0xbf)],
                        0xf0 => &[(0x90, 0xbf), (0x80, 0xbf), (0x80, 0xbf)],
                        0xf1..=0xf3 => &[(0x80, 0xbf), (0x80, 0xbf), (0x80, 0xbf)],
                        0xf4 => &[(0x80, 0x8f), (0x80, 0xbf), (0x80, 0xbf)],
                        _ => return self.fail("invalid string: ill-formed UTF-8 byte"),
                    };
                    self.buffer.push(c);
                    for &(lo, hi) in rest {
                        match self.get() {
                            Some(d) if (lo..=hi).contains(&d) => self.buffer.push(d),
                            _ => return self.fail("invalid string: ill-formed UTF-8 byte"),
                        }
                    }
                }
            }
        }
    }

    fn digits(&mut self) -> Option<u8> {
        loop {
            match self.get() {
                Some(c @ b'0'..=b'9') => self.number.push(char::from(c)),
                other => return other,
            }
        }
    }

    fn number(&mut self) -> Tok {
        self.reset();
        self.number.clear();
        let first = self.current.unwrap_or(b'0');
        self.number.push(char::from(first));
        let mut is_float = false;
        let mut c = if first == b'-' {
            match self.get() {
                Some(b'0') => {
                    self.number.push('0');
                    self.get()
                }
                Some(d @ b'1'..=b'9') => {
                    self.number.push(char::from(d));
                    self.digits()
                }
                _ => return self.fail("invalid number; expected digit after '-'"),
            }
        } else if first == b'0' {
            self.get()
        } else {
            self.digits()
        };
        if c == Some(b'.') {
            is_float = true;
            self.number.push('.');
            match self.get() {
                Some(d @ b'0'..=b'9') => self.number.push(char::from(d)),
                _ => return self.fail("invalid number; expected digit after '.'"),
            }
            c = self.digits();
        }
        if matches!(c, Some(b'e' | b'E')) {
            is_float = true;
            self.number.push('e');
            match self.get() {
                Some(s @ (b'+' | b'-')) => {
                    self.number.push(char::from(s));
                    match self.get() {
                        Some(d @ b'0'..=b'9') => self.number.push(char::from(d)),
                        _ => {
                            return self.fail("invalid number; expected digit after exponent sign")
                        }
                    }
                }
                Some(d @ b'0'..=b'9') => self.number.push(char::from(d)),
                _ => {
                    return self.fail("invalid number; expected '+', '-', or digit after exponent")
                }
            }
            self.digits();
        }
        self.unget();
        if !is_float {
            if first == b'-' {
                if let Ok(i) = self.number.parse::<i64>() {
                    self.int_value = i;
                    return Tok::Integer;
                }
            } else if let Ok(u) = self.number.parse::<u64>() {
                // Nix keeps the 64 bits of an unsigned number as its (signed) integer.
                self.int_value = u as i64;
                return Tok::Unsigned;
            }
        }
        self.float_value = self.number.parse::<f64>().unwrap_or(f64::INFINITY);
        Tok::Float
    }
}

struct Parser<'a> {
    lex: Lexer<'a>,
    depth: usize,
}

/// Nesting deeper than this is refused instead of exhausting the stack.
const MAX_DEPTH: usize = 512;

impl Parser<'_> {
    fn syntax_error(&self, last: Tok, expected: Option<Tok>, context: &str) -> String {
        let mut msg = format!(
            "[json.exception.parse_error.101] parse error at {}: syntax error while parsing {context} - ",
            self.lex.position()
        );
        if last == Tok::ParseError {
            msg.push_str(&format!(
                "{}; last read: '{}'",
                self.lex.error,
                self.lex.token_string()
            ));
        } else {
            msg.push_str(&format!("unexpected {}", last.name()));
        }
        if let Some(e) = expected {
            msg.push_str(&format!("; expected {}", e.name()));
        }
        msg
    }

    fn value(&mut self, tok: Tok) -> Result<Value, String> {
        match tok {
            Tok::True => Ok(Value::Bool(true)),
            Tok::False => Ok(Value::Bool(false)),
            Tok::Null => Ok(Value::Null),
            Tok::Integer | Tok::Unsigned => Ok(Value::Int(self.lex.int_value)),
            Tok::Float => {
                if !self.lex.float_value.is_finite() {
                    return Err(format!(
                        "[json.exception.out_of_range.406] number overflow parsing '{}'",
                        self.lex.token_string()
                    ));
                }
                Ok(Value::Float(self.lex.float_value))
            }
            Tok::Str => Ok(Value::string(self.lex.text())),
            Tok::BeginArray => self.nested(|p| p.array()),
            Tok::BeginObject => self.nested(|p| p.object()),
            Tok::ParseError => Err(self.syntax_error(tok, None, "value")),
            _ => Err(self.syntax_error(tok, Some(Tok::LiteralOrValue), "value")),
        }
    }

    fn nested(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<Value, String>,
    ) -> Result<Value, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "JSON nested more than {MAX_DEPTH} levels deep at {}",
                self.lex.position()
            ));
        }
        self.depth += 1;
        let r = f(self);
        self.depth -= 1;
        r
    }

    fn array(&mut self) -> Result<Value, String> {
        let mut items = Vec::new();
        let mut t = self.lex.scan();
        if t == Tok::EndArray {
            return Ok(Value::list(items));
        }
        loop {
            items.push(self.value(t)?);
            match self.lex.scan() {
                Tok::ValueSep => t = self.lex.scan(),
                Tok::EndArray => return Ok(Value::list(items)),
                other => return Err(self.syntax_error(other, Some(Tok::EndArray), "array")),
            }
        }
    }

    fn object(&mut self) -> Result<Value, String> {
        let mut entries: Vec<(String, Value)> = Vec::new();
        let mut index = std::collections::HashMap::new();
        let mut t = self.lex.scan();
        if t == Tok::EndObject {
            return Ok(super::make_attrs(Vec::new()));
        }
        loop {
            if t != Tok::Str {
                return Err(self.syntax_error(t, Some(Tok::Str), "object key"));
            }
            // Attribute names are not C strings in Nix: a NUL stays.
            let key = String::from_utf8_lossy(&self.lex.buffer).into_owned();
            let t2 = self.lex.scan();
            if t2 != Tok::NameSep {
                return Err(self.syntax_error(t2, Some(Tok::NameSep), "object separator"));
            }
            let t3 = self.lex.scan();
            let v = self.value(t3)?;
            // A repeated key keeps its last value, as in Nix.
            match index.get(&key) {
                Some(&i) => entries[i] = (key, v),
                None => {
                    index.insert(key.clone(), entries.len());
                    entries.push((key, v));
                }
            }
            match self.lex.scan() {
                Tok::ValueSep => t = self.lex.scan(),
                Tok::EndObject => break,
                other => return Err(self.syntax_error(other, Some(Tok::EndObject), "object")),
            }
        }
        Ok(super::make_attrs(
            entries
                .iter()
                .map(|(k, v)| (k.as_str(), v.clone()))
                .collect(),
        ))
    }
}

/// Parses a whole JSON text into a Nix value, or returns the message Nix prints.
pub fn parse(text: &[u8]) -> Result<Value, String> {
    let mut p = Parser {
        lex: Lexer::new(text),
        depth: 0,
    };
    let t = p.lex.scan();
    let v = p.value(t)?;
    let end = p.lex.scan();
    if end != Tok::EndOfInput {
        return Err(p.syntax_error(end, Some(Tok::EndOfInput), "value"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    /// Random JSON-ish texts: parsing never panics, and every error names a position
    /// or an overflow like the reference parser.
    #[test]
    fn random_texts_never_panic() {
        const PIECES: &[&str] = &[
            "{", "}", "[", "]", ",", ":", "\"", "a", "\\", "\\u", "d800", "\\n", "1", "-", ".",
            "e", "+", "0", "true", "tru", "null", " ", "\n", "é", "\u{1}", "1e999",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut text = String::new();
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            for _ in 0..(seed % 10) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(PIECES[(seed % PIECES.len() as u64) as usize]);
            }
            if let Err(msg) = super::parse(text.as_bytes()) {
                assert!(msg.starts_with("[json.exception."), "{text:?}: {msg}");
            }
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        assert!(super::parse("[".repeat(100_000).as_bytes()).is_err());
    }
}
