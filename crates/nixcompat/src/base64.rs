//! Standard base64 (RFC 4648, with `=` padding), as Nix prints hashes in SRI and base-64 form.

use thiserror::Error;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Why a base64 string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Base64Error {
    #[error("invalid character in base64 string: '{}'", char::from(*.0).escape_default())]
    InvalidChar(u8),
    #[error("base64 string has a length ({0}) that is not a multiple of 4")]
    BadLength(usize),
    #[error("base64 string has misplaced padding")]
    BadPadding,
}

/// Length of the padded encoding of `n` bytes.
pub fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Encodes with padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes.len()));
    for chunk in bytes.chunks(3) {
        let b0 = chunk[0];
        let b1 = chunk.get(1).copied().unwrap_or(0);
        let b2 = chunk.get(2).copied().unwrap_or(0);
        let v = (u32::from(b0) << 16) | (u32::from(b1) << 8) | u32::from(b2);
        let digits = [(v >> 18) & 63, (v >> 12) & 63, (v >> 6) & 63, v & 63];
        let keep = chunk.len() + 1;
        for (k, d) in digits.iter().enumerate() {
            if k < keep {
                out.push(char::from(ALPHABET[*d as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn value(c: u8) -> Result<u32, Base64Error> {
    match c {
        b'A'..=b'Z' => Ok(u32::from(c - b'A')),
        b'a'..=b'z' => Ok(u32::from(c - b'a') + 26),
        b'0'..=b'9' => Ok(u32::from(c - b'0') + 52),
        b'+' => Ok(62),
        b'/' => Ok(63),
        _ => Err(Base64Error::InvalidChar(c)),
    }
}

/// Decodes a padded base64 string.
pub fn decode(s: &[u8]) -> Result<Vec<u8>, Base64Error> {
    if !s.len().is_multiple_of(4) {
        return Err(Base64Error::BadLength(s.len()));
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3);
    let chunks = s.len() / 4;
    for (idx, chunk) in s.chunks(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 2 || (pad > 0 && idx + 1 != chunks) {
            return Err(Base64Error::BadPadding);
        }
        let mut v = 0u32;
        for &c in &chunk[..4 - pad] {
            v = (v << 6) | value(c)?;
        }
        v <<= 6 * pad as u32;
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, enc) in cases {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc.as_bytes()).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn rejects() {
        assert_eq!(decode(b"Zg="), Err(Base64Error::BadLength(3)));
        assert_eq!(decode(b"Z!=="), Err(Base64Error::InvalidChar(b'!')));
        assert_eq!(decode(b"Zg==Zg=="), Err(Base64Error::BadPadding));
        assert_eq!(decode(b"Z==="), Err(Base64Error::BadPadding));
    }
}
