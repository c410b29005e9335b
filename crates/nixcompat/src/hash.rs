//! Hash algorithms and digests as Nix names, prints and parses them
//! (base16, nixbase32, base64, SRI), plus Nix's XOR-folding truncation.

use std::fmt;
use std::str::FromStr;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha512};
use thiserror::Error;

use crate::{base64, nixbase32};

/// A hash algorithm Nix knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HashAlgo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgo {
    /// Digest size in bytes.
    pub fn size(self) -> usize {
        match self {
            HashAlgo::Md5 => 16,
            HashAlgo::Sha1 => 20,
            HashAlgo::Sha256 => 32,
            HashAlgo::Sha512 => 64,
        }
    }

    /// The name Nix prints (`sha256`).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Md5 => "md5",
            HashAlgo::Sha1 => "sha1",
            HashAlgo::Sha256 => "sha256",
            HashAlgo::Sha512 => "sha512",
        }
    }

    /// Parses an algorithm name (`md5`, `sha1`, `sha256`, `sha512`).
    pub fn parse(s: &str) -> Result<HashAlgo, HashError> {
        match s {
            "md5" => Ok(HashAlgo::Md5),
            "sha1" => Ok(HashAlgo::Sha1),
            "sha256" => Ok(HashAlgo::Sha256),
            "sha512" => Ok(HashAlgo::Sha512),
            _ => Err(HashError::UnknownAlgo(s.to_owned())),
        }
    }

    /// Hashes `data` in one go.
    pub fn digest(self, data: impl AsRef<[u8]>) -> Hash {
        let mut h = Hasher::new(self);
        h.update(data.as_ref());
        h.finish()
    }
}

impl fmt::Display for HashAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for HashAlgo {
    type Err = HashError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        HashAlgo::parse(s)
    }
}

/// Text encodings of a digest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashEncoding {
    Base16,
    Nixbase32,
    Base64,
    /// `sha256-<base64>`; always carries the algorithm.
    Sri,
}

/// Why a hash string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HashError {
    #[error("unknown hash algorithm '{0}'")]
    UnknownAlgo(String),
    #[error("hash '{0}' does not include a type, nor is the type otherwise known from context")]
    MissingAlgo(String),
    #[error("hash '{hash}' should have type '{expected}'")]
    AlgoMismatch { hash: String, expected: HashAlgo },
    #[error("hash '{hash}' has wrong length for hash type '{algo}'")]
    WrongLength { hash: String, algo: HashAlgo },
    #[error("invalid base-16 hash '{0}'")]
    InvalidBase16(String),
    #[error("invalid base-32 hash '{0}'")]
    InvalidBase32(String),
    #[error("invalid base-64 hash '{0}'")]
    InvalidBase64(String),
    #[error("invalid SRI hash '{0}'")]
    InvalidSri(String),
}

/// A digest together with its algorithm.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Hash {
    algo: HashAlgo,
    bytes: [u8; 64],
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({})", self.to_sri())
    }
}

impl PartialOrd for Hash {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Hash {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.algo, self.as_bytes()).cmp(&(other.algo, other.as_bytes()))
    }
}

impl Hash {
    /// Wraps a digest; `None` when the length does not fit the algorithm.
    pub fn from_bytes(algo: HashAlgo, digest: &[u8]) -> Option<Hash> {
        if digest.len() != algo.size() {
            return None;
        }
        let mut bytes = [0u8; 64];
        bytes[..digest.len()].copy_from_slice(digest);
        Some(Hash { algo, bytes })
    }

    /// The all-zero digest Nix substitutes for an empty `outputHash`.
    pub fn zero(algo: HashAlgo) -> Hash {
        Hash {
            algo,
            bytes: [0u8; 64],
        }
    }

    pub fn algo(&self) -> HashAlgo {
        self.algo
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.algo.size()]
    }

    /// Lower-case hex, without the algorithm.
    pub fn to_base16(&self) -> String {
        to_hex(self.as_bytes())
    }

    /// nixbase32, without the algorithm.
    pub fn to_nixbase32(&self) -> String {
        nixbase32::encode(self.as_bytes())
    }

    /// Padded base64, without the algorithm.
    pub fn to_base64(&self) -> String {
        base64::encode(self.as_bytes())
    }

    /// `sha256-<base64>`.
    pub fn to_sri(&self) -> String {
        format!("{}-{}", self.algo, self.to_base64())
    }

    /// Nix's `Hash::to_string(base, includeType)`: `sha256:<digits>` with the
    /// algorithm, except SRI which always has it (with `-`).
    pub fn to_string_as(&self, encoding: HashEncoding, include_algo: bool) -> String {
        let digits = match encoding {
            HashEncoding::Base16 => self.to_base16(),
            HashEncoding::Nixbase32 => self.to_nixbase32(),
            HashEncoding::Base64 => self.to_base64(),
            HashEncoding::Sri => return self.to_sri(),
        };
        if include_algo {
            format!("{}:{}", self.algo, digits)
        } else {
            digits
        }
    }

    /// Parses like Nix's `Hash::parseAny`: `algo:digits`, SRI `algo-base64`, or
    /// bare digits when `algo` is given. Bare digits are base16, nixbase32 or
    /// base64, told apart by their length.
    pub fn parse_any(s: &str, algo: Option<HashAlgo>) -> Result<Hash, HashError> {
        if let Some((name, rest)) = s.split_once(':') {
            let found = HashAlgo::parse(name)?;
            check_expected(s, found, algo)?;
            return parse_digits(rest, found, false);
        }
        if let Some((name, rest)) = s.split_once('-') {
            // Like Nix: a '-' makes it SRI, so the part before must be an algorithm.
            let found = HashAlgo::parse(name)?;
            check_expected(s, found, algo)?;
            return parse_digits(rest, found, true);
        }
        match algo {
            Some(a) => parse_digits(s, a, false),
            None => Err(HashError::MissingAlgo(s.to_owned())),
        }
    }

    /// Parses an SRI hash (`sha256-<base64>`).
    pub fn parse_sri(s: &str) -> Result<Hash, HashError> {
        let (name, rest) = s
            .split_once('-')
            .ok_or_else(|| HashError::InvalidSri(s.to_owned()))?;
        let algo = HashAlgo::parse(name)?;
        parse_digits(rest, algo, true)
    }

    /// Parses bare digits of a known algorithm (base16, nixbase32 or base64 by length).
    pub fn parse_unprefixed(s: &str, algo: HashAlgo) -> Result<Hash, HashError> {
        parse_digits(s, algo, false)
    }
}

fn check_expected(s: &str, found: HashAlgo, expected: Option<HashAlgo>) -> Result<(), HashError> {
    match expected {
        Some(e) if e != found => Err(HashError::AlgoMismatch {
            hash: s.to_owned(),
            expected: e,
        }),
        _ => Ok(()),
    }
}

fn parse_digits(rest: &str, algo: HashAlgo, sri: bool) -> Result<Hash, HashError> {
    let size = algo.size();
    let bytes = rest.as_bytes();
    let digest = if !sri && bytes.len() == size * 2 {
        from_hex(bytes).ok_or_else(|| HashError::InvalidBase16(rest.to_owned()))?
    } else if !sri && bytes.len() == nixbase32::encoded_len(size) {
        nixbase32::decode_exact(bytes, size)
            .map_err(|_| HashError::InvalidBase32(rest.to_owned()))?
    } else if sri || bytes.len() == base64::encoded_len(size) {
        let d = base64::decode(bytes).map_err(|_| {
            if sri {
                HashError::InvalidSri(rest.to_owned())
            } else {
                HashError::InvalidBase64(rest.to_owned())
            }
        })?;
        if d.len() != size {
            return Err(if sri {
                HashError::InvalidSri(rest.to_owned())
            } else {
                HashError::InvalidBase64(rest.to_owned())
            });
        }
        d
    } else {
        return Err(HashError::WrongLength {
            hash: rest.to_owned(),
            algo,
        });
    };
    Hash::from_bytes(algo, &digest).ok_or(HashError::WrongLength {
        hash: rest.to_owned(),
        algo,
    })
}

/// The two lower-case hex digits of a byte.
fn hex_pair(b: u8) -> [u8; 2] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    [HEX[usize::from(b >> 4)], HEX[usize::from(b & 15)]]
}

/// Lower-case hex of up to 64 bytes (a digest), written into `buf`; the text written.
pub fn hex_into<'a>(bytes: &[u8], buf: &'a mut [u8; 128]) -> &'a str {
    let n = bytes.len().min(64);
    for (d, b) in buf.chunks_exact_mut(2).zip(&bytes[..n]) {
        d.copy_from_slice(&hex_pair(*b));
    }
    // Only ASCII hex digits were written.
    std::str::from_utf8(&buf[..2 * n]).unwrap_or_default()
}

/// Lower-case hex of arbitrary bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let [hi, lo] = hex_pair(*b);
        s.push(char::from(hi));
        s.push(char::from(lo));
    }
    s
}

fn from_hex(s: &[u8]) -> Option<Vec<u8>> {
    fn nibble(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.chunks(2)
        .map(|p| Some((nibble(p[0])? << 4) | nibble(p[1])?))
        .collect()
}

/// Nix's `compressHash`: folds a digest into `size` bytes by XOR-ing byte
/// `i` into position `i % size`. Store path hashes are SHA-256 folded to 20.
pub fn compress_hash(digest: &[u8], size: usize) -> Vec<u8> {
    let mut out = vec![0u8; size];
    if size == 0 {
        return out;
    }
    for (i, b) in digest.iter().enumerate() {
        out[i % size] ^= b;
    }
    out
}

enum Inner {
    Md5(Md5),
    Sha1(Sha1),
    Sha256(Sha256),
    Sha512(Sha512),
}

/// An incremental hasher, also usable as an `std::io::Write` sink (for NAR hashing).
pub struct Hasher {
    inner: Inner,
    len: u64,
}

impl Hasher {
    pub fn new(algo: HashAlgo) -> Hasher {
        let inner = match algo {
            HashAlgo::Md5 => Inner::Md5(Md5::new()),
            HashAlgo::Sha1 => Inner::Sha1(Sha1::new()),
            HashAlgo::Sha256 => Inner::Sha256(Sha256::new()),
            HashAlgo::Sha512 => Inner::Sha512(Sha512::new()),
        };
        Hasher { inner, len: 0 }
    }

    pub fn update(&mut self, data: &[u8]) {
        self.len += data.len() as u64;
        match &mut self.inner {
            Inner::Md5(h) => h.update(data),
            Inner::Sha1(h) => h.update(data),
            Inner::Sha256(h) => h.update(data),
            Inner::Sha512(h) => h.update(data),
        }
    }

    /// Bytes hashed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn finish(self) -> Hash {
        // The digest is copied straight from the hasher's array (no `Vec` between).
        let mut bytes = [0u8; 64];
        let algo = match self.inner {
            Inner::Md5(h) => {
                bytes[..16].copy_from_slice(&h.finalize());
                HashAlgo::Md5
            }
            Inner::Sha1(h) => {
                bytes[..20].copy_from_slice(&h.finalize());
                HashAlgo::Sha1
            }
            Inner::Sha256(h) => {
                bytes[..32].copy_from_slice(&h.finalize());
                HashAlgo::Sha256
            }
            Inner::Sha512(h) => {
                bytes.copy_from_slice(&h.finalize());
                HashAlgo::Sha512
            }
        };
        Hash { algo, bytes }
    }
}

impl std::io::Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// SHA-256 of `data`, the hash almost every store path computation uses.
pub fn sha256(data: impl AsRef<[u8]>) -> Hash {
    HashAlgo::Sha256.digest(data)
}

/// SHA-256 of the concatenation of `parts`, without concatenating them.
pub fn sha256_parts(parts: &[&str]) -> Hash {
    let mut h = Hasher::new(HashAlgo::Sha256);
    for p in parts {
        h.update(p.as_bytes());
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values printed by `nix-hash --type T --to-base32 <hex>` (Nix 2.8).
    const EMPTY: [(HashAlgo, &str, &str); 4] = [
        (HashAlgo::Md5, "d41d8cd98f00b204e9800998ecf8427e", "3y8bwfr609h3lh9ch0izcqq7fl"),
        (HashAlgo::Sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709", "143xibwh31h9bvxzalr0sjvbbvpa6ffs"),
        (
            HashAlgo::Sha256,
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73",
        ),
        (
            HashAlgo::Sha512,
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e",
            "0zdl9zrg8r3i9c1g90lgg9ip5ijzv3yhz91i0zzn3r8ap9ws784gkp9dk9j3aglhgf1amqb0pj21mh7h1nxcl18akqvvf7ggqsy30yg",
        ),
    ];

    #[test]
    fn digests_of_empty_input_in_every_encoding() {
        for (algo, hex, b32) in EMPTY {
            let h = algo.digest(b"");
            assert_eq!(h.to_base16(), hex);
            assert_eq!(h.to_nixbase32(), b32);
            for text in [
                hex.to_owned(),
                b32.to_owned(),
                h.to_base64(),
                hex.to_uppercase(),
            ] {
                assert_eq!(Hash::parse_unprefixed(&text, algo).unwrap(), h, "{text}");
                assert_eq!(Hash::parse_any(&format!("{algo}:{text}"), None).unwrap(), h);
            }
            assert_eq!(Hash::parse_sri(&h.to_sri()).unwrap(), h);
            assert_eq!(Hash::parse_any(&h.to_sri(), Some(algo)).unwrap(), h);
        }
    }

    #[test]
    fn sri_and_prefixed_printing() {
        let h = sha256(b"");
        assert_eq!(
            h.to_sri(),
            "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
        assert_eq!(
            h.to_string_as(HashEncoding::Base16, true),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            h.to_string_as(HashEncoding::Nixbase32, false),
            "0mdqa9w1p6cmli6976v4wi0sw9r4p5prkj7lzfd1877wk11c9c73"
        );
        assert_eq!(h.to_string_as(HashEncoding::Sri, false), h.to_sri());
    }

    #[test]
    fn parse_errors_are_clear() {
        let e = |s: &str, a: Option<HashAlgo>| Hash::parse_any(s, a).unwrap_err().to_string();
        assert_eq!(
            e("abc", Some(HashAlgo::Sha256)),
            "hash 'abc' has wrong length for hash type 'sha256'"
        );
        assert_eq!(e("sha3:abc", None), "unknown hash algorithm 'sha3'");
        assert_eq!(
            e("abc", None),
            "hash 'abc' does not include a type, nor is the type otherwise known from context"
        );
        assert_eq!(
            e(
                "sha1:143xibwh31h9bvxzalr0sjvbbvpa6ffs",
                Some(HashAlgo::Sha256)
            ),
            "hash 'sha1:143xibwh31h9bvxzalr0sjvbbvpa6ffs' should have type 'sha256'"
        );
        let bad32 = "e".repeat(52);
        assert_eq!(
            e(&bad32, Some(HashAlgo::Sha256)),
            format!("invalid base-32 hash '{bad32}'")
        );
        let bad16 = "g".repeat(64);
        assert_eq!(
            e(&bad16, Some(HashAlgo::Sha256)),
            format!("invalid base-16 hash '{bad16}'")
        );
        assert_eq!(e("sha256-AAAA", None), "invalid SRI hash 'AAAA'");
        assert_eq!(
            e("foo-AAAA", Some(HashAlgo::Sha256)),
            "unknown hash algorithm 'foo'"
        );
    }

    #[test]
    fn compress_hash_folds_with_xor() {
        let digest: Vec<u8> = (1..=32).collect();
        let c = compress_hash(&digest, 20);
        assert_eq!(c.len(), 20);
        for (i, b) in c.iter().enumerate() {
            let expected = if i < 12 {
                (i as u8 + 1) ^ (i as u8 + 21)
            } else {
                i as u8 + 1
            };
            assert_eq!(*b, expected, "byte {i}");
        }
        assert_eq!(compress_hash(&[1, 2, 3], 5), vec![1, 2, 3, 0, 0]);
    }

    #[test]
    fn hasher_as_writer_counts_bytes() {
        use std::io::Write;
        let mut h = Hasher::new(HashAlgo::Sha256);
        h.write_all(b"hello ").unwrap();
        h.write_all(b"world").unwrap();
        assert_eq!(h.len(), 11);
        assert_eq!(h.finish(), sha256(b"hello world"));
    }
}
