//! Nix's base-32 encoding ("nixbase32"): its own alphabet (no `e o t u`) and a
//! bit order that reads the input from its last byte, so it is not RFC 4648.

use thiserror::Error;

/// The 32 digits, in value order. Letters that could spell words (`e o t u`) are left out.
pub const ALPHABET: &[u8; 32] = b"0123456789abcdfghijklmnpqrsvwxyz";

/// Why a nixbase32 string could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Base32Error {
    #[error("invalid nixbase32 character '{}' at position {position}", char::from(*.byte).escape_default())]
    InvalidChar { byte: u8, position: usize },
    #[error(
        "nixbase32 string of length {got} cannot encode {expected} bytes (need length {need})"
    )]
    BadLength {
        got: usize,
        expected: usize,
        need: usize,
    },
    #[error("nixbase32 string has non-zero padding bits")]
    NonZeroPadding,
}

/// Length of the encoding of `n` bytes.
pub fn encoded_len(n: usize) -> usize {
    if n == 0 {
        0
    } else {
        (n * 8 - 1) / 5 + 1
    }
}

/// The number of bytes a string of `len` digits decodes to (floor); the
/// inverse of [`encoded_len`] for every length that function produces.
pub fn decoded_len(len: usize) -> usize {
    len * 5 / 8
}

/// Encodes bytes. The first output digit holds the highest bits of the last byte.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(encoded_len(bytes.len()));
    encode_into(bytes, &mut out);
    out
}

/// `encode`, appended to `out`.
pub fn encode_into(bytes: &[u8], out: &mut String) {
    let len = encoded_len(bytes.len());
    out.reserve(len);
    for n in (0..len).rev() {
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let low = u16::from(bytes[i]) >> j;
        let high = if i + 1 < bytes.len() {
            u16::from(bytes[i + 1]) << (8 - j)
        } else {
            0
        };
        out.push(char::from(ALPHABET[usize::from((low | high) & 0x1f)]));
    }
}

fn digit_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        _ => ALPHABET
            .iter()
            .position(|&a| a == c)
            .and_then(|p| u8::try_from(p).ok()),
    }
}

/// Whether `c` is a nixbase32 digit.
pub fn is_digit(c: u8) -> bool {
    digit_value(c).is_some()
}

/// Decodes a string of exactly [`encoded_len`]`(expected)` digits into `expected` bytes.
pub fn decode_exact(s: &[u8], expected: usize) -> Result<Vec<u8>, Base32Error> {
    let need = encoded_len(expected);
    if s.len() != need {
        return Err(Base32Error::BadLength {
            got: s.len(),
            expected,
            need,
        });
    }
    decode_into(s, expected)
}

/// Decodes a string of any valid length (one produced by [`encode`]).
pub fn decode(s: &[u8]) -> Result<Vec<u8>, Base32Error> {
    let n = decoded_len(s.len());
    if encoded_len(n) != s.len() {
        return Err(Base32Error::BadLength {
            got: s.len(),
            expected: n,
            need: encoded_len(n),
        });
    }
    decode_into(s, n)
}

fn decode_into(s: &[u8], size: usize) -> Result<Vec<u8>, Base32Error> {
    let mut out = vec![0u8; size];
    for (position, &c) in s.iter().enumerate() {
        let digit = digit_value(c).ok_or(Base32Error::InvalidChar { byte: c, position })?;
        let n = s.len() - position - 1;
        let b = n * 5;
        let i = b / 8;
        let j = b % 8;
        let wide = u16::from(digit) << j;
        // `i < size` holds because `s.len() == encoded_len(size)`.
        out[i] |= (wide & 0xff) as u8;
        let carry = (wide >> 8) as u8;
        if i + 1 < size {
            out[i + 1] |= carry;
        } else if carry != 0 {
            return Err(Base32Error::NonZeroPadding);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths() {
        assert_eq!(encoded_len(16), 26);
        assert_eq!(encoded_len(20), 32);
        assert_eq!(encoded_len(32), 52);
        assert_eq!(encoded_len(64), 103);
        for n in 0..100 {
            assert_eq!(decoded_len(encoded_len(n)), n, "n = {n}");
        }
    }

    #[test]
    fn known_vectors() {
        // sha256("") in nixbase32, as printed by `nix-hash --type sha256 --to-base32`.
        let hex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
        let bytes: Vec<u8> = (0..32)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).unwrap())
            .collect();
        assert_eq!(
            encode(&bytes),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
        assert_eq!(encode(&[]), "");
        assert_eq!(encode(&[0x00]), "00");
        assert_eq!(encode(&[0xff]), "7z");
        assert_eq!(encode(&[0x01]), "01");
        assert_eq!(encode(&[0x1f]), "0z");
        assert_eq!(encode(&[0x20]), "10");
    }

    #[test]
    fn round_trip() {
        for n in 0..70usize {
            let bytes: Vec<u8> = (0..n).map(|i| (i * 37 + 11) as u8).collect();
            let s = encode(&bytes);
            assert_eq!(decode(s.as_bytes()).unwrap(), bytes);
            assert_eq!(decode_exact(s.as_bytes(), n).unwrap(), bytes);
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(
            decode(b"0e"),
            Err(Base32Error::InvalidChar {
                byte: b'e',
                position: 1
            })
        );
        assert!(matches!(decode(b"0"), Err(Base32Error::BadLength { .. })));
        assert!(matches!(
            decode_exact(b"00", 2),
            Err(Base32Error::BadLength { .. })
        ));
        // "8z" would need a ninth bit in a one-byte value.
        assert_eq!(decode(b"8z"), Err(Base32Error::NonZeroPadding));
        assert_eq!(
            decode(b"0u").unwrap_err().to_string(),
            "invalid nixbase32 character 'u' at position 1"
        );
    }
}
