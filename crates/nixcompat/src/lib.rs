//! Nix-compatible formats: nixbase32, hashes, store paths and how Nix 2.8
//! computes them, `.drv` ATerm and `hashDerivationModulo`, and NAR.
//! Pure code: the only file system access is [`nar::FsSource`].
//!
//! # How the evaluator uses it
//!
//! ```
//! use std::collections::{BTreeMap, BTreeSet};
//! use nest_nixcompat::{paths, derivation::{self, DerivationRequest, DrvHashCache}, StoreDir};
//!
//! let dir = StoreDir::new("/nix/store").unwrap();
//!
//! // builtins.toFile "a" "hello" (references = store paths in the string's context)
//! let p = paths::text_path(&dir, "a", b"hello", &BTreeSet::new()).unwrap();
//! assert_eq!(dir.print(&p), "/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a");
//!
//! // builtins.placeholder "out"
//! assert_eq!(paths::placeholder("out"), "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");
//!
//! // derivationStrict: collect attributes, then let `instantiate` fill in paths.
//! let mut cache = DrvHashCache::new();
//! let mut env = BTreeMap::new();
//! for (k, v) in [("name", "x"), ("builder", "/bin/sh"), ("system", "x86_64-linux")] {
//!     env.insert(k.to_owned(), v.to_owned());
//! }
//! let req = DerivationRequest {
//!     name: "x".into(), outputs: vec!["out".into()], env,
//!     builder: "/bin/sh".into(), system: "x86_64-linux".into(),
//!     ..Default::default()
//! };
//! let d = derivation::instantiate(&dir, req, |p| cache.lookup(&dir, p)).unwrap();
//! assert_eq!(dir.print(&d.drv_path), "/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv");
//! cache.insert(d.drv_path.clone(), d.drv_hash.clone()); // so dependents can hash
//! let _aterm: String = d.drv.to_aterm(&dir);             // the .drv file contents
//! ```
//!
//! `builtins.path`/`filterSource`/`"${./dir}"`: implement [`nar::NarSource`]
//! over the evaluator's IO (its `include` is the filter), get
//! `nar::nar_hash(&mut src, path, HashAlgo::Sha256)`, then
//! `paths::source_path(&dir, name, &hash)`. For `builtins.path { recursive = false; }`
//! hash the file's contents and use `paths::make_fixed_output_path` with `Flat`.

#![forbid(unsafe_code)]

pub mod aterm;
pub mod base64;
pub mod derivation;
pub mod hash;
pub mod nar;
pub mod nixbase32;
pub mod paths;
pub mod store_path;

pub use derivation::{Derivation, DerivationError, DerivationOutput, DrvHash, DrvHashCache};
pub use hash::{Hash, HashAlgo, HashEncoding, HashError};
pub use paths::{FileIngestionMethod, FixedOutputHash, PathError};
pub use store_path::{StoreDir, StorePath, StorePathError};
