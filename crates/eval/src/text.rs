//! Bytes that may not be UTF-8, carried through text (`String`) without loss.
//!
//! Nix strings are bytes, and Nix writes them as they are into its error messages
//! (`throw`, `abort`, a missing attribute's name, an unknown hash algorithm, a JSON
//! token). The messages here are built as text with `format!`; the bytes of a Nix
//! string go in as [`lossless`] text, and [`decode`] gives the exact bytes back when
//! the message is made (`EvalError::new_lossless`).
//!
//! The encoding: a byte that is not part of valid UTF-8 becomes the character
//! U+10FF00 + byte (U+10FF80 to U+10FFFF: private use, plane 16). So that decoding is
//! exact, a character of that range that was in the bytes as valid UTF-8 is itself
//! written as its four bytes, each so encoded. Everything else is kept as it is, and
//! valid UTF-8 without those characters (nearly every string) is borrowed unchanged.

use std::borrow::Cow;

/// The first of the 128 characters that stand for single bytes.
const BASE: u32 = 0x10_FF00;

/// Whether `c` is one of the characters that stand for a byte.
fn is_escape(c: char) -> bool {
    (BASE + 0x80..=BASE + 0xFF).contains(&(c as u32))
}

fn push_byte(out: &mut String, b: u8) {
    out.push(char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER));
}

/// `bytes` as text that [`decode`] turns back into exactly `bytes`.
pub fn lossless(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        if !s.chars().any(is_escape) {
            return Cow::Borrowed(s);
        }
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if is_escape(c) {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    push_byte(&mut out, b);
                }
            } else {
                out.push(c);
            }
        }
        for &b in chunk.invalid() {
            push_byte(&mut out, b);
        }
    }
    Cow::Owned(out)
}

/// The bytes `text` stands for (see [`lossless`]).
pub fn decode(text: &str) -> Cow<'_, [u8]> {
    if !text.chars().any(is_escape) {
        return Cow::Borrowed(text.as_bytes());
    }
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if is_escape(c) {
            out.push((c as u32 - BASE) as u8);
        } else {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_bytes_come_back_exactly() {
        let cases: &[&[u8]] = &[
            b"",
            b"plain",
            "caf\u{e9} \u{2713}".as_bytes(),
            b"\xff",
            b"a\xc3",                                     // a character cut in two
            b"\xc3\xa9\xe2\x9c",                          // one whole, one cut
            b"\xed\xa0\x80",                              // a surrogate's encoding: not UTF-8
            "\u{10ff80}\u{10ffff}\u{10ff7f}x".as_bytes(), // the escapes' own range, and next to it
            b"\xf4\x8f\xbe",                              // the start of an escape's encoding, cut
        ];
        for &b in cases {
            let t = lossless(b);
            assert_eq!(&*decode(&t), b, "{b:?} via {t:?}");
        }
        // Every byte, and every pair of bytes.
        for x in 0..=255u8 {
            assert_eq!(&*decode(&lossless(&[x])), [x]);
            for y in [0x00, 0x41, 0x80, 0xa9, 0xbf, 0xc3, 0xff] {
                assert_eq!(&*decode(&lossless(&[x, y])), [x, y]);
            }
        }
    }

    #[test]
    fn utf8_text_is_left_as_it_is() {
        assert!(matches!(
            lossless("caf\u{e9}".as_bytes()),
            Cow::Borrowed("caf\u{e9}")
        ));
        assert!(matches!(decode("caf\u{e9}"), Cow::Borrowed(_)));
        // A byte that is not UTF-8 is one character, whatever is around it.
        assert_eq!(lossless(b"a\xffb").chars().count(), 3);
        assert_eq!(lossless("\u{10ffff}".as_bytes()).chars().count(), 4);
    }
}
