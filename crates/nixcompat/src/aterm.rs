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
    // Copy runs between the (ASCII, so char-boundary) bytes that need escaping.
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(escaped);
        start = i + 1;
    }
    out.push_str(&s[start..]);
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
