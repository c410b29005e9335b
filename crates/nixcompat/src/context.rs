//! String context elements as Nix 2.8 encodes them (`/nix/store/…` for a
//! plain path, `!out!/nix/store/….drv` for one output, `=/nix/store/….drv`
//! for a derivation and its whole closure), and how they become `.drv` inputs.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::derivation::DerivationRequest;
use crate::store_path::{StoreDir, StorePath, StorePathError};

/// Why a context element was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ContextError {
    #[error(transparent)]
    StorePath(#[from] StorePathError),
    #[error("invalid string context element '{0}'")]
    Malformed(String),
    /// What Nix says for `=` context when the derivation is not in the store
    /// (always so in a dry run: `.drv` files are never written then).
    #[error("path '{0}' is not valid")]
    NotValid(String),
}

/// One element of a string's context.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ContextElem {
    /// A store path used as is (`toFile`, `path`, `"${./src}"`).
    Plain(StorePath),
    /// Output `output` of derivation `drv` (`"${drv.dev}"`).
    Output { drv: StorePath, output: String },
    /// A `.drv` path itself (`drv.drvPath`): the derivation and its closure.
    AllOutputs(StorePath),
}

impl ContextElem {
    /// Parses the encoded form.
    pub fn parse(dir: &StoreDir, s: &str) -> Result<ContextElem, ContextError> {
        if let Some(rest) = s.strip_prefix('=') {
            return Ok(ContextElem::AllOutputs(dir.parse(rest)?));
        }
        if let Some(rest) = s.strip_prefix('!') {
            let (output, path) = rest
                .split_once('!')
                .ok_or_else(|| ContextError::Malformed(s.to_owned()))?;
            if output.is_empty() {
                return Err(ContextError::Malformed(s.to_owned()));
            }
            return Ok(ContextElem::Output {
                drv: dir.parse(path)?,
                output: output.to_owned(),
            });
        }
        Ok(ContextElem::Plain(dir.parse(s)?))
    }

    /// The encoded form.
    pub fn encode(&self, dir: &StoreDir) -> String {
        match self {
            ContextElem::Plain(p) => dir.print(p),
            ContextElem::Output { drv, output } => format!("!{output}!{}", dir.print(drv)),
            ContextElem::AllOutputs(p) => format!("={}", dir.print(p)),
        }
    }
}

impl DerivationRequest {
    /// Adds one context element of an attribute to the inputs, as
    /// `derivationStrict` does. `=` elements need the store (the closure of
    /// the `.drv`); without one they fail as Nix fails in a dry run — a caller
    /// with a store adds the closure with [`DerivationRequest::add_input_src`]
    /// and [`DerivationRequest::add_input_drv`] instead.
    pub fn add_context(&mut self, dir: &StoreDir, elem: &ContextElem) -> Result<(), ContextError> {
        match elem {
            ContextElem::Plain(p) => {
                self.input_srcs.insert(p.clone());
            }
            ContextElem::Output { drv, output } => {
                self.input_drvs
                    .entry(drv.clone())
                    .or_default()
                    .insert(output.clone());
            }
            ContextElem::AllOutputs(p) => return Err(ContextError::NotValid(dir.print(p))),
        }
        Ok(())
    }

    pub fn add_input_src(&mut self, path: StorePath) {
        self.input_srcs.insert(path);
    }

    pub fn add_input_drv(&mut self, drv: StorePath, outputs: impl IntoIterator<Item = String>) {
        self.input_drvs.entry(drv).or_default().extend(outputs);
    }
}

/// The references of a `toFile` text: every context element must be a plain
/// path (Nix: "the file … cannot refer to derivation outputs"), `Err` holds
/// the first one that is not.
pub fn plain_references<'a>(
    elems: impl IntoIterator<Item = &'a ContextElem>,
) -> Result<BTreeSet<StorePath>, &'a ContextElem> {
    let mut out = BTreeSet::new();
    for e in elems {
        match e {
            ContextElem::Plain(p) => {
                out.insert(p.clone());
            }
            other => return Err(other),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_encode() {
        let dir = StoreDir::default();
        for s in [
            "/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a",
            "!dev!/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv",
            "=/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv",
        ] {
            assert_eq!(ContextElem::parse(&dir, s).unwrap().encode(&dir), s);
        }
        assert_eq!(
            ContextElem::parse(&dir, "!dev/nix/store/x")
                .unwrap_err()
                .to_string(),
            "invalid string context element '!dev/nix/store/x'"
        );
        assert!(ContextElem::parse(&dir, "/tmp/x").is_err());
    }

    #[test]
    fn context_becomes_inputs() {
        let dir = StoreDir::default();
        let mut req = DerivationRequest::default();
        let src =
            ContextElem::parse(&dir, "/nix/store/vmg5na96ajnh1v932j9jdzfc3022vbh9-a").unwrap();
        let dev = ContextElem::parse(
            &dir,
            "!dev!/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv",
        )
        .unwrap();
        let out = ContextElem::parse(
            &dir,
            "!out!/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv",
        )
        .unwrap();
        for e in [&src, &dev, &out] {
            req.add_context(&dir, e).unwrap();
        }
        assert_eq!(req.input_srcs.len(), 1);
        assert_eq!(req.input_drvs.values().next().unwrap().len(), 2);
        let all =
            ContextElem::parse(&dir, "=/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv").unwrap();
        assert_eq!(
            req.add_context(&dir, &all).unwrap_err().to_string(),
            "path '/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv' is not valid"
        );
        assert_eq!(plain_references([&src]).unwrap().len(), 1);
        assert_eq!(plain_references([&src, &dev]).unwrap_err(), &dev);
    }
}
