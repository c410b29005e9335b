//! Nix-compatible formats: nixbase32, hashes, store paths and how Nix 2.8
//! computes them, string context, `.drv` ATerm and `hashDerivationModulo`, and
//! NAR. Pure code: the only file system access is [`nar::FsSource`].
//!
//! Every path computation takes the [`StoreDir`] explicitly: it is part of
//! every hash, so it must be the one Nix would be given (`NIX_STORE_DIR`).
//!
//! | module | what |
//! | --- | --- |
//! | [`nixbase32`], [`base64`], [`hash`] | encodings, digests, Nix's hash syntax (`sha256:…`, SRI), `compress_hash` |
//! | [`store_path`] | [`StorePath`] (validated base name) and [`StoreDir`] (printing, parsing) |
//! | [`paths`] | `makeStorePath` and friends: text, source, fixed-output, output paths, placeholders |
//! | [`context`] | string context elements and how they become derivation inputs |
//! | [`derivation`] | [`Derivation`], ATerm, modulo hash, `.drv` path, [`derivation::instantiate`] (`derivationStrict`) |
//! | [`nar`] | NAR writing from a [`nar::NarSource`], hashing, parsing, restoring |
//!
//! # How the evaluator uses it
//!
//! ```
//! use std::collections::{BTreeMap, BTreeSet};
//! use nest_nixcompat::{paths, derivation::{self, DerivationRequest, DrvHashCache}};
//! use nest_nixcompat::{ContextElem, StoreDir};
//!
//! let dir = StoreDir::new("/nix/store").unwrap();
//!
//! // builtins.toFile "a" "hello": references are the plain paths of the
//! // text's context (context::plain_references rejects derivation outputs).
//! let p = paths::text_path(&dir, "a", b"hello", &BTreeSet::new()).unwrap();
//! assert_eq!(dir.print(&p), "/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a");
//!
//! // builtins.placeholder "out"
//! assert_eq!(paths::placeholder("out"), "/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9");
//!
//! // derivationStrict: coerce the attributes to strings (all but `args`) and
//! // feed their context to the request; `instantiate` fills in the paths.
//! let mut cache = DrvHashCache::new(); // lives as long as the evaluator
//! let mut env = BTreeMap::new();
//! // (derivation { name = "x"; builder = "/bin/sh"; system = "x86_64-linux";
//! //               src = builtins.toFile "a" "hello"; }).drvPath
//! let src = dir.print(&p);
//! for (k, v) in [("name", "x"), ("builder", "/bin/sh"), ("system", "x86_64-linux"), ("src", &src)] {
//!     env.insert(k.to_owned(), v.to_owned());
//! }
//! let mut req = DerivationRequest {
//!     name: "x".into(), outputs: vec!["out".into()], env,
//!     builder: "/bin/sh".into(), system: "x86_64-linux".into(),
//!     ..Default::default()
//! };
//! req.add_context(&dir, &ContextElem::parse(&dir, &src).unwrap()).unwrap(); // context of `src`
//! let d = derivation::instantiate(&dir, req, |p| cache.lookup(&dir, p)).unwrap();
//! assert_eq!(dir.print(&d.drv_path), "/nix/store/iv957mvwn7qx8cfl3a8z0cvifrdwq716-x.drv");
//! cache.insert(d.drv_path.clone(), d.drv_hash.clone()); // so dependents can be hashed
//! let out_path = &d.output_paths["out"];                // `outPath`, context `!out!<drvPath>`
//! let drv_file: String = d.drv.to_aterm(&dir);          // the .drv contents, if writing
//! # let _ = (out_path, drv_file);
//! ```
//!
//! `builtins.path`, `filterSource` and `"${./dir}"`: implement
//! [`nar::NarSource`] over the evaluator's IO (its `include` method is the
//! filter; the root is never filtered), then
//!
//! ```no_run
//! # use nest_nixcompat::{nar, paths, HashAlgo, StoreDir};
//! # fn f(dir: &StoreDir, src: &mut nar::FsSource) -> Result<(), Box<dyn std::error::Error>> {
//! let (nar_sha256, _nar_size) = nar::nar_hash(src, "/some/dir".as_ref(), HashAlgo::Sha256)?;
//! let store_path = paths::source_path(dir, "dir", &nar_sha256)?;
//! # Ok(()) }
//! ```
//!
//! `builtins.path { recursive = false; }` hashes the file's bytes and uses
//! [`paths::make_fixed_output_path`] with [`FileIngestionMethod::Flat`].

#![forbid(unsafe_code)]

pub mod aterm;
pub mod base64;
pub mod context;
pub mod derivation;
pub mod hash;
pub mod nar;
pub mod nixbase32;
pub mod paths;
pub mod store_path;

pub use context::ContextElem;
pub use derivation::{Derivation, DerivationError, DerivationOutput, DrvHash, DrvHashCache};
pub use hash::{Hash, HashAlgo, HashEncoding, HashError};
pub use paths::{FileIngestionMethod, FixedOutputHash, PathError};
pub use store_path::{StoreDir, StorePath, StorePathError};
