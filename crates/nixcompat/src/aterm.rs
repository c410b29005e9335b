//! The ATerm text of `.drv` files, exactly as Nix 2.8 writes it, and a strict
//! parser for it (strict: it accepts what Nix writes, not every ATerm).

use thiserror::Error;

/// Why a `.drv` text could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AtermError {
    #[error("derivation text: expected {expected} at byte {offset}")]
    Expected { expected: String, offset: usize },
    #[error("derivation text: unterminated string starting at byte {0}")]
    UnterminatedString(usize),
    #[error("derivation text: string at byte {0} is not valid UTF-8")]
    NotUtf8(usize),
    #[error("derivation text: trailing data at byte {0}")]
    Trailing(usize),
}

/// Appends `s` quoted, escaping `"` `\` and the three control characters Nix escapes.
pub fn write_string(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    write_escaped(out, s);
    out.push('"');
}

/// Appends `s` escaped as inside a quoted string, without the quotes (so that a
/// string made of several pieces, like a store path, needs no temporary copy).
pub fn write_escaped(out: &mut String, s: &str) {
    let b = s.as_bytes();
    // Copy runs between the (ASCII, so char-boundary) bytes that need escaping.
    let mut start = 0;
    loop {
        let i = next_special(b, start);
        out.push_str(&s[start..i]);
        let Some(&c) = b.get(i) else { break };
        out.push_str(match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            // Tab: `next_special` stops at nothing else.
            _ => "\\t",
        });
        start = i + 1;
    }
}

/// The bytes `write_escaped` changes: `"`, `\`, newline, return, tab.
static SPECIAL: [bool; 256] = {
    let mut t = [false; 256];
    t[b'"' as usize] = true;
    t[b'\\' as usize] = true;
    t[b'\n' as usize] = true;
    t[b'\r' as usize] = true;
    t[b'\t' as usize] = true;
    t
};

const LOW_BYTES: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The index of the first byte at or after `i` in `SPECIAL`, or `b.len()`. Eight bytes
/// are tested at a time for `"`, `\` or anything below 0x0e (which covers the three
/// control characters; the others below it are rare and re-checked in the table).
/// Borrows in the subtractions only travel upwards, so the lowest flag of a word is
/// exact; flags above it may be spurious and are not used.
fn next_special(b: &[u8], mut i: usize) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let mut w = [0u8; 8];
        w.copy_from_slice(chunk);
        let w = u64::from_le_bytes(w);
        let quote = w ^ (LOW_BYTES * b'"' as u64);
        let backslash = w ^ (LOW_BYTES * b'\\' as u64);
        let m = (w.wrapping_sub(LOW_BYTES * 0x0e) & !w
            | quote.wrapping_sub(LOW_BYTES) & !quote
            | backslash.wrapping_sub(LOW_BYTES) & !backslash)
            & HIGH_BITS;
        if m == 0 {
            i += 8;
            continue;
        }
        let j = i + (m.trailing_zeros() / 8) as usize;
        if matches!(b.get(j), Some(&c) if SPECIAL[c as usize]) {
            return j;
        }
        i = j + 1;
    }
    while let Some(&c) = b.get(i) {
        if SPECIAL[c as usize] {
            break;
        }
        i += 1;
    }
    i
}

/// Appends a list of quoted strings: `["a","b"]`.
pub fn write_string_list<'a>(out: &mut String, items: impl IntoIterator<Item = &'a str>) {
    out.push('[');
    for (i, s) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, s);
    }
    out.push(']');
}

/// A cursor over ATerm text.
pub struct Parser<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Parser<'a> {
    pub fn new(input: &'a [u8]) -> Parser<'a> {
        Parser { input, pos: 0 }
    }

    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Consumes `lit` or fails naming it.
    pub fn expect(&mut self, lit: &str) -> Result<(), AtermError> {
        if self.input[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(AtermError::Expected {
                expected: format!("'{lit}'"),
                offset: self.pos,
            })
        }
    }

    /// Consumes `lit` if it is next.
    pub fn eat(&mut self, lit: &str) -> bool {
        if self.input[self.pos..].starts_with(lit.as_bytes()) {
            self.pos += lit.len();
            true
        } else {
            false
        }
    }

    /// Reads a quoted string, undoing Nix's escapes (`\x` is `x` for any other `x`).
    pub fn string(&mut self) -> Result<String, AtermError> {
        let start = self.pos;
        if !self.eat("\"") {
            return Err(AtermError::Expected {
                expected: "a string".to_owned(),
                offset: start,
            });
        }
        let mut bytes = Vec::new();
        loop {
            let Some(&c) = self.input.get(self.pos) else {
                return Err(AtermError::UnterminatedString(start));
            };
            self.pos += 1;
            match c {
                b'"' => break,
                b'\\' => {
                    let Some(&e) = self.input.get(self.pos) else {
                        return Err(AtermError::UnterminatedString(start));
                    };
                    self.pos += 1;
                    bytes.push(match e {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        other => other,
                    });
                }
                other => bytes.push(other),
            }
        }
        String::from_utf8(bytes).map_err(|_| AtermError::NotUtf8(start))
    }

    /// Reads `[item,item,...]` with `item` parsing one element.
    pub fn list<T>(
        &mut self,
        mut item: impl FnMut(&mut Self) -> Result<T, AtermError>,
    ) -> Result<Vec<T>, AtermError> {
        self.expect("[")?;
        let mut out = Vec::new();
        if self.eat("]") {
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            if self.eat("]") {
                return Ok(out);
            }
            self.expect(",")?;
        }
    }

    /// Fails unless all input was consumed.
    pub fn finish(&self) -> Result<(), AtermError> {
        if self.pos == self.input.len() {
            Ok(())
        } else {
            Err(AtermError::Trailing(self.pos))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_nix() {
        let mut s = String::new();
        write_string(&mut s, "a\"b\\c\nd\re\tf\u{1}g$h");
        assert_eq!(s, "\"a\\\"b\\\\c\\nd\\re\\tf\u{1}g$h\"");
        let back = Parser::new(s.as_bytes()).string().unwrap();
        assert_eq!(back, "a\"b\\c\nd\re\tf\u{1}g$h");
    }

    /// The escaper one character at a time, as Nix 2.8's `printString` is written: the
    /// oracle for the run-copying one.
    fn oracle(s: &str) -> String {
        let mut out = String::new();
        for c in s.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c => out.push(c),
            }
        }
        out
    }

    fn check(s: &str) {
        let mut out = String::from("x");
        write_escaped(&mut out, s);
        assert_eq!(&out[1..], oracle(s), "input {s:?}");
        assert_eq!(
            Parser::new(format!("\"{}\"", &out[1..]).as_bytes())
                .string()
                .as_deref(),
            Ok(s)
        );
    }

    #[test]
    fn every_ascii_character_at_every_offset_of_a_word() {
        check("");
        for c in 0u8..0x80 {
            let c = c as char;
            for before in 0..17 {
                for after in [0, 1, 7, 8, 9] {
                    check(&format!("{}{c}{}", "a".repeat(before), "b".repeat(after)));
                }
            }
        }
    }

    #[test]
    fn runs_control_characters_and_non_ascii() {
        check(&"x".repeat(1000));
        check(&format!("{}\"{}", "x".repeat(999), "y".repeat(1000)));
        // Characters below 0x0e that are not escaped, next to ones that are: the word
        // test flags both kinds.
        check("\u{1}\u{8}\u{b}\u{c}\n\u{0}\u{d}\r\t\u{e}\u{f}\u{1f}abcdefgh\u{7}\"");
        check(&"\u{b}\u{c}\u{1}\u{2}\u{3}\u{4}\u{5}\u{6}".repeat(5));
        check("héllo wörld ✓ 𝄞 \u{80}\u{ff}\u{2028}");
        let alphabet: Vec<char> = "ab\"\\\n\r\t\u{0}\u{b}\u{e}é✓$".chars().collect();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let len = (x >> 58) as usize;
            let mut s = String::new();
            for _ in 0..len {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                s.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            check(&s);
        }
    }

    #[test]
    fn lists() {
        let mut s = String::new();
        write_string_list(&mut s, ["x", "y"]);
        assert_eq!(s, "[\"x\",\"y\"]");
        let mut p = Parser::new(s.as_bytes());
        assert_eq!(p.list(|p| p.string()).unwrap(), vec!["x", "y"]);
        p.finish().unwrap();
        assert_eq!(
            Parser::new(b"[]").list(|p| p.string()).unwrap(),
            Vec::<String>::new()
        );
        assert!(Parser::new(b"[\"x\",]").list(|p| p.string()).is_err());
        assert!(matches!(
            Parser::new(b"\"abc").string(),
            Err(AtermError::UnterminatedString(0))
        ));
    }
}
