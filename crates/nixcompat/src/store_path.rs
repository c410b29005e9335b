//! Store directories and store paths (`<nixbase32 hash>-<name>`) with Nix 2.8's
//! validation rules; printing a path always goes through a [`StoreDir`].

use std::fmt;

use thiserror::Error;

use crate::nixbase32;

/// Length of the hash part of a store path, in nixbase32 digits (20 bytes).
pub const HASH_PART_LEN: usize = 32;
/// Bytes in the digest behind the hash part.
pub const DIGEST_LEN: usize = 20;
/// Longest name Nix accepts (so that a base name fits in 255 bytes with room for `.drv` and lock suffixes).
pub const MAX_NAME_LEN: usize = 211;

/// Why a store path, name or directory was rejected. Messages follow Nix's wording.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorePathError {
    #[error("'{0}' is too short to be a valid store path")]
    TooShort(String),
    #[error("store path '{path}' contains illegal base-32 character '{}'", char::from(*.byte).escape_default())]
    BadHashChar { path: String, byte: u8 },
    #[error("store path '{0}' lacks the '-' between hash and name")]
    MissingDash(String),
    #[error("store path '{0}' has an empty name")]
    EmptyName(String),
    #[error("store path '{0}' has a name longer than {MAX_NAME_LEN} characters")]
    NameTooLong(String),
    /// An ASCII character is shown as it is (a newline too), as Nix shows it; another
    /// byte, which Nix writes raw, escaped.
    #[error("store path '{path}' contains illegal character '{}'", shown_byte(*.byte))]
    BadNameChar { path: String, byte: u8 },
    #[error("path '{path}' is not in the Nix store '{store_dir}'")]
    NotInStore { path: String, store_dir: String },
    #[error("store directory '{0}' is not an absolute path")]
    BadStoreDir(String),
}

impl StorePathError {
    /// The message as Nix writes it: a name's illegal byte that is not ASCII as it is
    /// (`Display` makes text, so it escapes that byte); every other message as `Display`
    /// gives it.
    pub fn message_bytes(&self) -> Vec<u8> {
        let text = self.to_string();
        if let StorePathError::BadNameChar { byte, .. } = self {
            // The byte is the message's last quoted character.
            let shown = format!("{}'", shown_byte(*byte));
            if let Some(head) = text.strip_suffix(&shown).filter(|_| !byte.is_ascii()) {
                let mut out = head.as_bytes().to_vec();
                out.push(*byte);
                out.push(b'\'');
                return out;
            }
        }
        text.into_bytes()
    }
}

fn shown_byte(b: u8) -> String {
    if b.is_ascii() {
        char::from(b).to_string()
    } else {
        char::from(b).escape_default().to_string()
    }
}

/// Checks a store path name (the part after `<hash>-`) as Nix 2.8's `checkName`
/// does. `context` is what errors name (the base name, or the name alone).
/// Nix 2.8 accepts names that start with `.` (later versions do not), and so do we.
fn check_name(context: &str, name: &str) -> Result<(), StorePathError> {
    if name.is_empty() {
        return Err(StorePathError::EmptyName(context.to_owned()));
    }
    if name.len() > MAX_NAME_LEN {
        return Err(StorePathError::NameTooLong(context.to_owned()));
    }
    if let Some(&byte) = name.as_bytes().iter().find(|&&c| !is_name_char(c)) {
        return Err(StorePathError::BadNameChar {
            path: context.to_owned(),
            byte,
        });
    }
    Ok(())
}

/// Whether `c` may appear in a store path name.
pub fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b'_' | b'?' | b'=')
}

/// Validates a name on its own (what `toFile`, `path` and `derivation` check before computing a path).
pub fn validate_name(name: &str) -> Result<(), StorePathError> {
    check_name(name, name)
}

/// A store path's base name, `<32 nixbase32 digits>-<name>`, valid by construction.
/// Ordered like Nix orders store paths (by base name), which is also the order
/// of their printed forms within one store directory.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct StorePath {
    base: String,
}

impl StorePath {
    /// Parses a base name (`<hash>-<name>`, no directory).
    pub fn from_base_name(base: &str) -> Result<StorePath, StorePathError> {
        if base.len() < HASH_PART_LEN + 1 {
            return Err(StorePathError::TooShort(base.to_owned()));
        }
        let bytes = base.as_bytes();
        if let Some(&byte) = bytes[..HASH_PART_LEN]
            .iter()
            .find(|&&c| !nixbase32::is_digit(c))
        {
            return Err(StorePathError::BadHashChar {
                path: base.to_owned(),
                byte,
            });
        }
        if bytes[HASH_PART_LEN] != b'-' {
            return Err(StorePathError::MissingDash(base.to_owned()));
        }
        check_name(base, &base[HASH_PART_LEN + 1..])?;
        Ok(StorePath {
            base: base.to_owned(),
        })
    }

    /// Builds a path from a 20-byte digest and a name.
    pub fn from_digest(digest: &[u8; DIGEST_LEN], name: &str) -> Result<StorePath, StorePathError> {
        let mut base = String::with_capacity(HASH_PART_LEN + 1 + name.len());
        nixbase32::encode_into(digest, &mut base);
        base.push('-');
        base.push_str(name);
        check_name(&base, name)?;
        Ok(StorePath { base })
    }

    /// The base name, `<hash>-<name>`.
    pub fn base_name(&self) -> &str {
        &self.base
    }

    /// The 32 nixbase32 digits.
    pub fn hash_part(&self) -> &str {
        &self.base[..HASH_PART_LEN]
    }

    /// The part after the hash and `-`.
    pub fn name(&self) -> &str {
        &self.base[HASH_PART_LEN + 1..]
    }

    /// The 20-byte digest the hash part encodes.
    pub fn digest(&self) -> [u8; DIGEST_LEN] {
        let mut out = [0u8; DIGEST_LEN];
        // Construction checked every digit; a padding-bit error cannot be
        // reported as anything better than zeros, and is impossible for 32
        // digits encoding 20 bytes (160 bits exactly).
        if let Ok(v) = nixbase32::decode_exact(self.hash_part().as_bytes(), DIGEST_LEN) {
            out.copy_from_slice(&v);
        }
        out
    }

    /// Whether this is a store derivation (`*.drv`).
    pub fn is_derivation(&self) -> bool {
        self.name().ends_with(".drv")
    }
}

impl fmt::Debug for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StorePath({})", self.base)
    }
}

/// Displays the base name; use [`StoreDir::print`] for the absolute path.
impl fmt::Display for StorePath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.base)
    }
}

/// A store directory such as `/nix/store`: absolute, without a trailing slash.
/// It is part of every store path hash, so it must be the same one Nix is given.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct StoreDir {
    dir: String,
}

impl fmt::Debug for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StoreDir({})", self.dir)
    }
}

impl fmt::Display for StoreDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.dir)
    }
}

impl Default for StoreDir {
    /// `/nix/store`, Nix's default, which the oracle tests use.
    fn default() -> Self {
        StoreDir {
            dir: "/nix/store".to_owned(),
        }
    }
}

impl StoreDir {
    /// Accepts an absolute directory; trailing slashes and repeated slashes are
    /// removed, as Nix canonicalises `NIX_STORE_DIR`.
    pub fn new(dir: &str) -> Result<StoreDir, StorePathError> {
        if !dir.starts_with('/') {
            return Err(StorePathError::BadStoreDir(dir.to_owned()));
        }
        let parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
        if parts.is_empty() || parts.iter().any(|p| *p == "." || *p == "..") {
            return Err(StorePathError::BadStoreDir(dir.to_owned()));
        }
        Ok(StoreDir {
            dir: format!("/{}", parts.join("/")),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.dir
    }

    /// The absolute path of `path` in this store.
    pub fn print(&self, path: &StorePath) -> String {
        [self.dir.as_str(), "/", &path.base].concat()
    }

    /// Parses an absolute store path (exactly `<dir>/<hash>-<name>`).
    pub fn parse(&self, path: &str) -> Result<StorePath, StorePathError> {
        let (sp, rest) = self.split(path)?;
        if !rest.is_empty() {
            return Err(StorePathError::NotInStore {
                path: path.to_owned(),
                store_dir: self.dir.clone(),
            });
        }
        Ok(sp)
    }

    /// Splits a path inside the store, `<dir>/<hash>-<name>/sub/path`, into the
    /// store path and the rest (`/sub/path`, or empty) — what Nix's `toStorePath` does.
    pub fn split<'a>(&self, path: &'a str) -> Result<(StorePath, &'a str), StorePathError> {
        let not_in = || StorePathError::NotInStore {
            path: path.to_owned(),
            store_dir: self.dir.clone(),
        };
        let rest = path
            .strip_prefix(self.dir.as_str())
            .and_then(|r| r.strip_prefix('/'))
            .ok_or_else(not_in)?;
        let (base, sub) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        if base.is_empty() {
            return Err(not_in());
        }
        Ok((StorePath::from_base_name(base)?, sub))
    }

    /// Whether `path` lies inside a store path of this store.
    pub fn is_in_store(&self, path: &str) -> bool {
        self.split(path).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "vmg5na96ajnh1v932j9jdzfc3022vbh9-a";

    #[test]
    fn parses_and_prints() {
        let dir = StoreDir::default();
        let p = dir.parse(&format!("/nix/store/{BASE}")).unwrap();
        assert_eq!(p.hash_part(), "vmg5na96ajnh1v932j9jdzfc3022vbh9");
        assert_eq!(p.name(), "a");
        assert_eq!(dir.print(&p), format!("/nix/store/{BASE}"));
        assert_eq!(StorePath::from_digest(&p.digest(), "a").unwrap(), p);
        let inner = format!("/nix/store/{BASE}/bin/sh");
        let (q, rest) = dir.split(&inner).unwrap();
        assert_eq!((q, rest), (p, "/bin/sh"));
        assert_eq!(
            StoreDir::new("/tmp//x/store/").unwrap().as_str(),
            "/tmp/x/store"
        );
    }

    #[test]
    fn an_illegal_byte_that_is_not_ascii_is_written_raw_as_nix_does() {
        let e =
            StorePath::from_base_name("vmg5na96ajnh1v932j9jdzfc3022vbh9-caf\u{e9}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "store path 'vmg5na96ajnh1v932j9jdzfc3022vbh9-caf\u{e9}' contains illegal character '\\u{c3}'"
        );
        let mut want =
            "store path 'vmg5na96ajnh1v932j9jdzfc3022vbh9-caf\u{e9}' contains illegal character '"
                .as_bytes()
                .to_vec();
        want.extend_from_slice(b"\xc3'");
        assert_eq!(e.message_bytes(), want);
        // An ASCII one, and other errors, as `Display` has them.
        let e = StorePath::from_base_name("vmg5na96ajnh1v932j9jdzfc3022vbh9-a b").unwrap_err();
        assert_eq!(e.message_bytes(), e.to_string().into_bytes());
        let e = StorePath::from_base_name("abc").unwrap_err();
        assert_eq!(e.message_bytes(), e.to_string().into_bytes());
    }

    #[test]
    fn validation_errors_name_the_problem() {
        let err = |s: &str| StorePath::from_base_name(s).unwrap_err().to_string();
        assert_eq!(err("abc"), "'abc' is too short to be a valid store path");
        assert_eq!(
            err("emg5na96ajnh1v932j9jdzfc3022vbh9-a"),
            "store path 'emg5na96ajnh1v932j9jdzfc3022vbh9-a' contains illegal base-32 character 'e'"
        );
        assert_eq!(
            err("vmg5na96ajnh1v932j9jdzfc3022vbh9-a b"),
            "store path 'vmg5na96ajnh1v932j9jdzfc3022vbh9-a b' contains illegal character ' '"
        );
        assert_eq!(
            err("vmg5na96ajnh1v932j9jdzfc3022vbh9-"),
            "store path 'vmg5na96ajnh1v932j9jdzfc3022vbh9-' has an empty name"
        );
        assert_eq!(
            err("vmg5na96ajnh1v932j9jdzfc3022vbh9_a"),
            "store path 'vmg5na96ajnh1v932j9jdzfc3022vbh9_a' lacks the '-' between hash and name"
        );
        let long = format!("vmg5na96ajnh1v932j9jdzfc3022vbh9-{}", "x".repeat(212));
        assert_eq!(
            err(&long),
            format!("store path '{long}' has a name longer than 211 characters")
        );
        let ok = format!("vmg5na96ajnh1v932j9jdzfc3022vbh9-{}", "x".repeat(211));
        assert!(StorePath::from_base_name(&ok).is_ok());
        assert!(StorePath::from_base_name("vmg5na96ajnh1v932j9jdzfc3022vbh9-.a+b-c_d?e=f").is_ok());
        assert!(validate_name("é").is_err());
    }

    #[test]
    fn store_dir_errors() {
        let dir = StoreDir::default();
        assert_eq!(
            dir.parse("/nix/storex/abc").unwrap_err().to_string(),
            "path '/nix/storex/abc' is not in the Nix store '/nix/store'"
        );
        assert!(dir.parse(&format!("/nix/store/{BASE}/x")).is_err());
        assert!(dir.parse("/nix/store/").is_err());
        assert!(StoreDir::new("nix/store").is_err());
        assert!(StoreDir::new("/").is_err());
    }

    #[test]
    fn ordering_is_by_base_name() {
        let a = StorePath::from_base_name("0mg5na96ajnh1v932j9jdzfc3022vbh9-z").unwrap();
        let b = StorePath::from_base_name("zmg5na96ajnh1v932j9jdzfc3022vbh9-a").unwrap();
        assert!(a < b);
    }
}
