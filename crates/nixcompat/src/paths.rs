//! How Nix 2.8 computes store paths (`makeStorePath` and friends): text paths
//! (`toFile`, `.drv` files), source and fixed-output paths, input-addressed
//! output paths, and output placeholders.

use std::collections::BTreeSet;
use std::fmt;

use thiserror::Error;

use crate::hash::{compress_hash, sha256, sha256_parts, Hash, HashAlgo, HashEncoding};
use crate::nixbase32;
use crate::store_path::{StoreDir, StorePath, StorePathError, DIGEST_LEN};

/// Why a path could not be computed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PathError {
    #[error(transparent)]
    StorePath(#[from] StorePathError),
    #[error("a fixed-output path of type '{0}' cannot have references (only sha256 recursive paths can)")]
    ReferencesNotAllowed(String),
}

/// How a file system object is turned into bytes to hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FileIngestionMethod {
    /// The file's contents (a regular file only).
    Flat,
    /// The NAR serialisation of the whole tree.
    Recursive,
}

impl FileIngestionMethod {
    /// The prefix Nix writes before the algorithm (`r:` or nothing).
    pub fn prefix(self) -> &'static str {
        match self {
            FileIngestionMethod::Flat => "",
            FileIngestionMethod::Recursive => "r:",
        }
    }
}

/// A fixed-output hash with its ingestion method: `outputHashMode` + `outputHash`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FixedOutputHash {
    pub method: FileIngestionMethod,
    pub hash: Hash,
}

impl FixedOutputHash {
    /// `r:sha256` / `sha1`: the `hashAlgo` field of a `.drv` output.
    pub fn method_algo(&self) -> String {
        format!("{}{}", self.method.prefix(), self.hash.algo())
    }
}

impl fmt::Display for FixedOutputHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.method_algo(), self.hash.to_base16())
    }
}

/// Nix's `makeStorePath`: the path for `<type>:sha256:<hex>:<store dir>:<name>`.
/// `hash` is printed in base16 with its algorithm, whatever the algorithm.
pub fn make_store_path(
    dir: &StoreDir,
    path_type: &str,
    hash: &Hash,
    name: &str,
) -> Result<StorePath, StorePathError> {
    make_store_path_of(dir, path_type, "", hash, name)
}

/// `make_store_path` of the type `type_head` followed by `type_tail` (`output:` and the
/// output's name). The fingerprint is hashed part by part, never put together:
/// formatting it cost a chain of derivations as much as hashing it did (callgrind,
/// bench/eval derivations).
fn make_store_path_of(
    dir: &StoreDir,
    type_head: &str,
    type_tail: &str,
    hash: &Hash,
    name: &str,
) -> Result<StorePath, StorePathError> {
    let mut buf = [0u8; 128];
    let hex = crate::hash::hex_into(hash.as_bytes(), &mut buf);
    let fingerprint = sha256_parts(&[
        type_head,
        type_tail,
        ":",
        hash.algo().name(),
        ":",
        hex,
        ":",
        dir.as_str(),
        ":",
        name,
    ]);
    let digest = compress_hash(fingerprint.as_bytes(), DIGEST_LEN);
    let mut fixed = [0u8; DIGEST_LEN];
    fixed.copy_from_slice(&digest);
    StorePath::from_digest(&fixed, name)
}

/// Nix's `makeType`: `<kind>` followed by `:<absolute path>` per reference (sorted)
/// and `:self` for a self-reference.
pub fn make_type(
    dir: &StoreDir,
    kind: &str,
    references: &BTreeSet<StorePath>,
    self_reference: bool,
) -> String {
    let mut s =
        String::with_capacity(kind.len() + references.len() * (dir.as_str().len() + 48) + 5);
    s.push_str(kind);
    for r in references {
        s.push(':');
        s.push_str(&dir.print(r));
    }
    if self_reference {
        s.push_str(":self");
    }
    s
}

/// A text path (what `builtins.toFile` and `.drv` files get) from the SHA-256 of its contents.
pub fn make_text_path(
    dir: &StoreDir,
    name: &str,
    content_hash: &Hash,
    references: &BTreeSet<StorePath>,
) -> Result<StorePath, StorePathError> {
    make_store_path(
        dir,
        &make_type(dir, "text", references, false),
        content_hash,
        name,
    )
}

/// The path `builtins.toFile name contents` gets; `references` are the store
/// paths in the string context of `contents` (plain paths only).
pub fn text_path(
    dir: &StoreDir,
    name: &str,
    contents: &[u8],
    references: &BTreeSet<StorePath>,
) -> Result<StorePath, StorePathError> {
    make_text_path(dir, name, &sha256(contents), references)
}

/// Nix's `makeFixedOutputPath`. SHA-256 over a NAR is a `source` path (and
/// may have references); anything else hashes `fixed:out:<method><algo>:<hex>:`
/// into an `output:out` path.
pub fn make_fixed_output_path(
    dir: &StoreDir,
    fixed: &FixedOutputHash,
    name: &str,
    references: &BTreeSet<StorePath>,
    self_reference: bool,
) -> Result<StorePath, PathError> {
    if fixed.hash.algo() == HashAlgo::Sha256 && fixed.method == FileIngestionMethod::Recursive {
        return Ok(make_store_path(
            dir,
            &make_type(dir, "source", references, self_reference),
            &fixed.hash,
            name,
        )?);
    }
    if !references.is_empty() || self_reference {
        return Err(PathError::ReferencesNotAllowed(fixed.method_algo()));
    }
    let inner = format!(
        "fixed:out:{}{}:",
        fixed.method.prefix(),
        fixed.hash.to_string_as(HashEncoding::Base16, true)
    );
    Ok(make_store_path(
        dir,
        "output:out",
        &sha256(inner.as_bytes()),
        name,
    )?)
}

/// The path of a source tree added with `path`, `filterSource` or by
/// interpolating a path: `nar_sha256` is the SHA-256 of its (filtered) NAR.
pub fn source_path(dir: &StoreDir, name: &str, nar_sha256: &Hash) -> Result<StorePath, PathError> {
    make_fixed_output_path(
        dir,
        &FixedOutputHash {
            method: FileIngestionMethod::Recursive,
            hash: *nar_sha256,
        },
        name,
        &BTreeSet::new(),
        false,
    )
}

/// The name of output `output` of a derivation named `drv_name`: `out` keeps
/// the name, others get `-<output>` appended.
pub fn output_path_name(drv_name: &str, output: &str) -> String {
    if output == "out" {
        drv_name.to_owned()
    } else {
        format!("{drv_name}-{output}")
    }
}

/// Nix's `makeOutputPath`: an input-addressed output path from the
/// derivation's modulo hash.
pub fn make_output_path(
    dir: &StoreDir,
    output: &str,
    drv_hash: &Hash,
    drv_name: &str,
) -> Result<StorePath, StorePathError> {
    make_store_path_of(
        dir,
        "output:",
        output,
        drv_hash,
        &output_path_name(drv_name, output),
    )
}

/// `builtins.placeholder output`: `/` and the nixbase32 SHA-256 of `nix-output:<output>`.
pub fn placeholder(output: &str) -> String {
    format!(
        "/{}",
        nixbase32::encode(sha256(format!("nix-output:{output}")).as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_file_matches_nix() {
        // nix-instantiate --eval -E 'builtins.toFile "a" "hello"' with NIX_STORE_DIR=/nix/store
        let p = text_path(&StoreDir::default(), "a", b"hello", &BTreeSet::new()).unwrap();
        assert_eq!(p.base_name(), "vmg5na96ajnh1v932j9jdzfc3022vbh9-a");
        let dotted = text_path(&StoreDir::default(), ".a", b"hello", &BTreeSet::new()).unwrap();
        assert_eq!(dotted.base_name(), "40f7dy52bs36disbschzajhkvaqkr0qn-.a");
    }

    #[test]
    fn placeholder_matches_nix() {
        assert_eq!(
            placeholder("out"),
            "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"
        );
    }

    #[test]
    fn output_names() {
        assert_eq!(output_path_name("hello", "out"), "hello");
        assert_eq!(output_path_name("hello", "dev"), "hello-dev");
    }

    #[test]
    fn flat_fixed_output_rejects_references() {
        let dir = StoreDir::default();
        let mut refs = BTreeSet::new();
        refs.insert(StorePath::from_base_name("vmg5na96ajnh1v932j9jdzfc3022vbh9-a").unwrap());
        let f = FixedOutputHash {
            method: FileIngestionMethod::Flat,
            hash: sha256(b""),
        };
        assert_eq!(
            make_fixed_output_path(&dir, &f, "x", &refs, false).unwrap_err().to_string(),
            "a fixed-output path of type 'sha256' cannot have references (only sha256 recursive paths can)"
        );
        let r = FixedOutputHash {
            method: FileIngestionMethod::Recursive,
            hash: sha256(b""),
        };
        assert!(make_fixed_output_path(&dir, &r, "x", &refs, true).is_ok());
    }

    #[test]
    fn bad_names_are_rejected() {
        // Nix's messages for `builtins.toFile "a b" "x"` and `builtins.toFile "" "x"`.
        let e = text_path(&StoreDir::default(), "a b", b"x", &BTreeSet::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "store path 'dm85kbl5cy82j2dzvy1874s14y3salv3-a b' contains illegal character ' '"
        );
        let e = text_path(&StoreDir::default(), "", b"x", &BTreeSet::new()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "store path '9r1mh2rc3s3i33vpdw86kqqyvy9i1y4w-' has an empty name"
        );
    }
}
