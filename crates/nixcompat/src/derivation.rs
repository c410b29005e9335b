//! Store derivations: the `Derivation` struct, its `.drv` ATerm text, Nix's
//! `hashDerivationModulo`, the `.drv` path, and what `derivationStrict` does to
//! turn collected attributes into a derivation with output paths.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use thiserror::Error;

use crate::aterm::{self, AtermError, Parser};
use crate::hash::{sha256, sha256_parts, Hash, HashAlgo, HashError};
use crate::paths::{
    make_fixed_output_path, make_output_path, make_text_path, FileIngestionMethod, FixedOutputHash,
    PathError,
};
use crate::store_path::{StoreDir, StorePath, StorePathError};

/// Errors from building, parsing or hashing derivations. Messages follow Nix where Nix has one.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DerivationError {
    #[error(transparent)]
    Aterm(#[from] AtermError),
    #[error(transparent)]
    StorePath(#[from] StorePathError),
    #[error(transparent)]
    Path(#[from] PathError),
    #[error(transparent)]
    Hash(#[from] HashError),
    #[error("derivation names are not allowed to end in '.drv'")]
    NameEndsInDrv,
    #[error("derivation cannot have an empty set of outputs")]
    NoOutputs,
    #[error("invalid derivation output name 'drv'")]
    OutputNamedDrv,
    #[error("duplicate derivation output '{0}'")]
    DuplicateOutput(String),
    #[error("multiple outputs are not supported in fixed-output derivations")]
    FixedOutputMultiple,
    #[error("invalid value '{0}' for 'outputHashMode' attribute")]
    BadHashMode(String),
    #[error("empty hash requires explicit hash type")]
    EmptyHashWithoutAlgo,
    #[error("derivation '{0}' has no recorded modulo hash (it must be computed, or read, before derivations that use it)")]
    UnknownInputDerivation(String),
    #[error("derivation '{drv}' has no output '{output}'")]
    MissingOutput { drv: String, output: String },
    #[error("derivation output '{0}' is content-addressed and floating, which Nix 2.8 only allows with the ca-derivations experimental feature")]
    FloatingOutput(String),
}

/// One output of a derivation, as the four ATerm fields `(name, path, hashAlgo, hash)` encode it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DerivationOutput {
    /// `("out","/nix/store/…","","")`.
    InputAddressed { path: StorePath },
    /// `("out","/nix/store/…","r:sha256","<hex>")`. `path` is what Nix derives from the hash and name.
    Fixed {
        path: StorePath,
        hash: FixedOutputHash,
    },
    /// `("out","","r:sha256","")`: content-addressed, path not yet known (ca-derivations).
    Floating {
        method: FileIngestionMethod,
        algo: HashAlgo,
    },
    /// `("out","","","")`: path not yet known; used while hashing a derivation for its own output paths.
    Deferred,
}

impl DerivationOutput {
    /// The output path, when it is known.
    pub fn path(&self) -> Option<&StorePath> {
        match self {
            DerivationOutput::InputAddressed { path } | DerivationOutput::Fixed { path, .. } => {
                Some(path)
            }
            DerivationOutput::Floating { .. } | DerivationOutput::Deferred => None,
        }
    }
}

/// A store derivation. `name` is not part of the ATerm text; it comes from the
/// `name` attribute (or the `.drv` file name) and names the outputs and the `.drv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    pub name: String,
    pub outputs: BTreeMap<String, DerivationOutput>,
    /// `.drv` path → output names used from it.
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    pub input_srcs: BTreeSet<StorePath>,
    pub platform: String,
    pub builder: String,
    pub args: Vec<String>,
    pub env: BTreeMap<String, String>,
}

/// The modulo hash of each output of a derivation (`DrvHash` in Nix): for
/// input-addressed derivations every output has the same hash; for
/// fixed-output ones it is `sha256("fixed:out:<algo>:<hex>:<path>")`.
pub type DrvHash = BTreeMap<String, Hash>;

impl Derivation {
    /// The `.drv` text as Nix writes it.
    pub fn to_aterm(&self, dir: &StoreDir) -> String {
        self.unparse(dir, false, None)
    }

    /// Nix's `Derivation::unparse`. `mask_outputs` blanks output paths and the
    /// env entries named like outputs; `input_hashes` replaces `inputDrvs` by
    /// `(modulo hash hex, outputs)` pairs, as `hashDerivationModulo` needs.
    pub fn unparse(
        &self,
        dir: &StoreDir,
        mask_outputs: bool,
        input_hashes: Option<&BTreeMap<String, BTreeSet<String>>>,
    ) -> String {
        let mut s = String::with_capacity(1024);
        self.write_head(dir, mask_outputs, &mut s);
        match input_hashes {
            Some(map) => write_input_hashes(map, &mut s),
            None => self.write_input_paths(dir, &mut s),
        }
        self.write_tail(dir, mask_outputs, &mut s);
        s
    }

    /// `Derive([<outputs>],[`: the text before the input derivations.
    fn write_head(&self, dir: &StoreDir, mask_outputs: bool, s: &mut String) {
        s.push_str("Derive([");
        for (i, (name, out)) in self.outputs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            aterm::write_string(s, name);
            s.push(',');
            let (path, algo, hash) = match out {
                DerivationOutput::InputAddressed { path } => {
                    (Some(path), String::new(), String::new())
                }
                DerivationOutput::Fixed { path, hash } => {
                    (Some(path), hash.method_algo(), hash.hash.to_base16())
                }
                DerivationOutput::Floating { method, algo } => {
                    (None, format!("{}{}", method.prefix(), algo), String::new())
                }
                DerivationOutput::Deferred => (None, String::new(), String::new()),
            };
            match path {
                Some(p) if !mask_outputs => write_path(dir, p, s),
                _ => s.push_str("\"\""),
            }
            s.push(',');
            aterm::write_string(s, &algo);
            s.push(',');
            aterm::write_string(s, &hash);
            s.push(')');
        }
        s.push_str("],[");
    }

    /// The input derivations by `.drv` path, as a `.drv` file has them.
    fn write_input_paths(&self, dir: &StoreDir, s: &mut String) {
        for (i, (p, outs)) in self.input_drvs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            write_path(dir, p, s);
            s.push(',');
            aterm::write_string_list(s, outs.iter().map(String::as_str));
            s.push(')');
        }
    }

    /// `],<sources>,<platform>,<builder>,<args>,[<env>])`: the text after the input
    /// derivations.
    fn write_tail(&self, dir: &StoreDir, mask_outputs: bool, s: &mut String) {
        s.push_str("],[");
        for (i, p) in self.input_srcs.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            write_path(dir, p, s);
        }
        s.push_str("],");
        aterm::write_string(s, &self.platform);
        s.push(',');
        aterm::write_string(s, &self.builder);
        s.push(',');
        aterm::write_string_list(s, self.args.iter().map(String::as_str));
        s.push_str(",[");
        for (i, (k, v)) in self.env.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            s.push('(');
            aterm::write_string(s, k);
            s.push(',');
            let masked = mask_outputs && self.outputs.contains_key(k);
            aterm::write_string(s, if masked { "" } else { v });
            s.push(')');
        }
        s.push_str("])");
    }

    /// Parses `.drv` text. `name` is the derivation name (the `.drv` file name
    /// without hash and `.drv`), which the text does not contain.
    pub fn parse(dir: &StoreDir, text: &[u8], name: &str) -> Result<Derivation, DerivationError> {
        let mut p = Parser::new(text);
        p.expect("Derive(")?;
        let raw_outputs = p.list(|p| {
            p.expect("(")?;
            let id = p.string()?;
            p.expect(",")?;
            let at = p.offset();
            let path = p.string()?;
            p.expect(",")?;
            let algo = p.string()?;
            p.expect(",")?;
            let hash = p.string()?;
            p.expect(")")?;
            Ok((id, path, algo, hash, at))
        })?;
        p.expect(",")?;
        let raw_inputs = p.list(|p| {
            p.expect("(")?;
            let at = p.offset();
            let path = p.string()?;
            p.expect(",")?;
            let outs = p.list(|p| p.string())?;
            p.expect(")")?;
            Ok((path, outs, at))
        })?;
        p.expect(",")?;
        let raw_srcs = p.list(|p| p.string())?;
        p.expect(",")?;
        let platform = p.string()?;
        p.expect(",")?;
        let builder = p.string()?;
        p.expect(",")?;
        let args = p.list(|p| p.string())?;
        p.expect(",")?;
        let env_pairs = p.list(|p| {
            p.expect("(")?;
            let k = p.string()?;
            p.expect(",")?;
            let v = p.string()?;
            p.expect(")")?;
            Ok((k, v))
        })?;
        p.expect(")")?;
        p.finish()?;

        let mut outputs = BTreeMap::new();
        for (id, path, algo, hash, _) in raw_outputs {
            let out = parse_output(dir, &path, &algo, &hash)?;
            if outputs.insert(id.clone(), out).is_some() {
                return Err(DerivationError::DuplicateOutput(id));
            }
        }
        let mut input_drvs = BTreeMap::new();
        for (path, outs, _) in raw_inputs {
            input_drvs.insert(dir.parse(&path)?, outs.into_iter().collect());
        }
        let input_srcs = raw_srcs
            .iter()
            .map(|s| dir.parse(s))
            .collect::<Result<_, _>>()?;
        Ok(Derivation {
            name: name.to_owned(),
            outputs,
            input_drvs,
            input_srcs,
            platform,
            builder,
            args,
            env: env_pairs.into_iter().collect(),
        })
    }

    /// Whether every output is fixed (Nix's `CAFixed` derivation type).
    pub fn is_fixed_output(&self) -> bool {
        !self.outputs.is_empty()
            && self
                .outputs
                .values()
                .all(|o| matches!(o, DerivationOutput::Fixed { .. }))
    }

    /// The references of the `.drv` file: its input sources and input derivations.
    pub fn references(&self) -> BTreeSet<StorePath> {
        self.input_srcs
            .iter()
            .chain(self.input_drvs.keys())
            .cloned()
            .collect()
    }

    /// The `.drv` path: a text path named `<name>.drv` over [`Derivation::to_aterm`].
    pub fn drv_path(&self, dir: &StoreDir) -> Result<StorePath, DerivationError> {
        let text = self.to_aterm(dir);
        Ok(make_text_path(
            dir,
            &drv_file_name(&self.name),
            &sha256(text.as_bytes()),
            &self.references(),
        )?)
    }

    /// Nix's `hashDerivationModulo`. `lookup` gives the modulo hash of an input
    /// derivation (by `.drv` path); the evaluator keeps them in a [`DrvHashCache`].
    pub fn hash_modulo<E>(
        &self,
        dir: &StoreDir,
        mask_outputs: bool,
        mut lookup: impl FnMut(&StorePath) -> Result<DrvHash, E>,
    ) -> Result<DrvHash, E>
    where
        E: From<DerivationError>,
    {
        if self.is_fixed_output() {
            let mut hashes = DrvHash::new();
            for (name, out) in &self.outputs {
                if let DerivationOutput::Fixed { path, hash } = out {
                    let s = format!(
                        "fixed:out:{}:{}:{}",
                        hash.method_algo(),
                        hash.hash.to_base16(),
                        dir.print(path)
                    );
                    hashes.insert(name.clone(), sha256(s.as_bytes()));
                }
            }
            return Ok(hashes);
        }
        let inputs = self.modulo_inputs(dir, &mut lookup)?;
        let h = sha256(self.unparse(dir, mask_outputs, Some(&inputs)).as_bytes());
        Ok(self.outputs.keys().map(|k| (k.clone(), h)).collect())
    }

    /// What `hashDerivationModulo` puts in place of `inputDrvs`: the modulo hash (hex)
    /// of each input derivation's used outputs, with those outputs' names.
    fn modulo_inputs<E>(
        &self,
        dir: &StoreDir,
        mut lookup: impl FnMut(&StorePath) -> Result<DrvHash, E>,
    ) -> Result<BTreeMap<String, BTreeSet<String>>, E>
    where
        E: From<DerivationError>,
    {
        let mut inputs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (drv_path, outs) in &self.input_drvs {
            let hashes = lookup(drv_path)?;
            for o in outs {
                let h = hashes
                    .get(o)
                    .ok_or_else(|| DerivationError::MissingOutput {
                        drv: dir.print(drv_path),
                        output: o.clone(),
                    })?;
                inputs.entry(h.to_base16()).or_default().insert(o.clone());
            }
        }
        Ok(inputs)
    }
}

/// The input part of the text `hashDerivationModulo` hashes.
fn write_input_hashes(map: &BTreeMap<String, BTreeSet<String>>, s: &mut String) {
    for (i, (h, outs)) in map.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('(');
        aterm::write_string(s, h);
        s.push(',');
        aterm::write_string_list(s, outs.iter().map(String::as_str));
        s.push(')');
    }
}

/// A store path as a quoted ATerm string, without a temporary `String`.
fn write_path(dir: &StoreDir, p: &StorePath, s: &mut String) {
    s.push('"');
    aterm::write_escaped(s, dir.as_str());
    s.push('/');
    aterm::write_escaped(s, p.base_name());
    s.push('"');
}

fn parse_output(
    dir: &StoreDir,
    path: &str,
    algo: &str,
    hash: &str,
) -> Result<DerivationOutput, DerivationError> {
    if !algo.is_empty() {
        let (method, algo_name) = match algo.strip_prefix("r:") {
            Some(rest) => (FileIngestionMethod::Recursive, rest),
            None => (FileIngestionMethod::Flat, algo),
        };
        let algo = HashAlgo::parse(algo_name)?;
        if hash.is_empty() {
            if !path.is_empty() {
                return Err(AtermError::Expected {
                    expected: "an empty path for a floating output".to_owned(),
                    offset: 0,
                }
                .into());
            }
            return Ok(DerivationOutput::Floating { method, algo });
        }
        let hash = Hash::parse_unprefixed(hash, algo)?;
        return Ok(DerivationOutput::Fixed {
            path: dir.parse(path)?,
            hash: FixedOutputHash { method, hash },
        });
    }
    if path.is_empty() {
        return Ok(DerivationOutput::Deferred);
    }
    Ok(DerivationOutput::InputAddressed {
        path: dir.parse(path)?,
    })
}

/// Modulo hashes of derivations already seen, by `.drv` path. In read-only
/// evaluation `.drv` files are never written, so this memo is the only way to
/// hash a derivation that depends on another one (Nix keeps the same table).
#[derive(Debug, Default, Clone)]
pub struct DrvHashCache {
    map: HashMap<StorePath, DrvHash>,
}

impl DrvHashCache {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn insert(&mut self, drv_path: StorePath, hash: DrvHash) {
        self.map.insert(drv_path, hash);
    }

    pub fn get(&self, drv_path: &StorePath) -> Option<&DrvHash> {
        self.map.get(drv_path)
    }

    /// A lookup for [`Derivation::hash_modulo`] that fails on unknown derivations.
    pub fn lookup(&self, dir: &StoreDir, drv_path: &StorePath) -> Result<DrvHash, DerivationError> {
        self.map
            .get(drv_path)
            .cloned()
            .ok_or_else(|| DerivationError::UnknownInputDerivation(dir.print(drv_path)))
    }
}

/// What `derivationStrict` collected from the attribute set, before output paths are known.
#[derive(Debug, Clone, Default)]
pub struct DerivationRequest {
    /// The `name` attribute.
    pub name: String,
    /// Output names (default `["out"]`). Nix 2.8 coerces the `outputs` list to
    /// a string and splits it on whitespace, so `[ "a b" ]` means two outputs;
    /// that splitting is the caller's.
    pub outputs: Vec<String>,
    /// Every attribute as a string (`builder`, `system`, `name`, `outputs`…), except `args` and `__ignoreNulls`.
    pub env: BTreeMap<String, String>,
    pub builder: String,
    pub args: Vec<String>,
    /// The `system` attribute (the `.drv` "platform").
    pub system: String,
    pub input_drvs: BTreeMap<StorePath, BTreeSet<String>>,
    pub input_srcs: BTreeSet<StorePath>,
    /// Set when the attributes contain `outputHash`.
    pub fixed_output: Option<FixedOutputRequest>,
}

/// The raw `outputHash`, `outputHashAlgo` and `outputHashMode` attributes.
#[derive(Debug, Clone, Default)]
pub struct FixedOutputRequest {
    pub hash: String,
    /// `outputHashAlgo`; empty or absent when `hash` names its algorithm (SRI or `algo:`).
    pub algo: Option<String>,
    /// `outputHashMode`: `flat` (default) or `recursive`.
    pub mode: Option<String>,
}

/// A derivation with its paths, ready to be written (or just printed).
#[derive(Debug, Clone)]
pub struct InstantiatedDerivation {
    pub drv: Derivation,
    pub drv_path: StorePath,
    /// Output name → path (`drvPath`/`outPath` of the result attribute set).
    pub output_paths: BTreeMap<String, StorePath>,
    /// The modulo hash to record under `drv_path` in the [`DrvHashCache`].
    pub drv_hash: DrvHash,
    /// Warnings Nix would print (an empty `outputHash`).
    pub warnings: Vec<String>,
}

/// The name of a derivation's `.drv` file: `<name>.drv`.
fn drv_file_name(name: &str) -> String {
    [name, ".drv"].concat()
}

/// Does what Nix 2.8's `derivationStrict` does once the attributes are
/// collected: checks the name and outputs, computes fixed or input-addressed
/// output paths (hashing the derivation with empty output paths first), puts
/// them in `env`, and computes the `.drv` path and its modulo hash.
/// `lookup` gives the modulo hashes of `input_drvs` (see [`DrvHashCache::lookup`]).
pub fn instantiate(
    dir: &StoreDir,
    req: DerivationRequest,
    mut lookup: impl FnMut(&StorePath) -> Result<DrvHash, DerivationError>,
) -> Result<InstantiatedDerivation, DerivationError> {
    if req.name.ends_with(".drv") {
        return Err(DerivationError::NameEndsInDrv);
    }
    // An invalid name is reported when the first path is made from it, as
    // Nix does: the message then names the whole `<hash>-<name>`.
    let mut output_names = BTreeSet::new();
    for o in &req.outputs {
        if o == "drv" {
            return Err(DerivationError::OutputNamedDrv);
        }
        if !output_names.insert(o.clone()) {
            return Err(DerivationError::DuplicateOutput(o.clone()));
        }
    }
    if output_names.is_empty() {
        return Err(DerivationError::NoOutputs);
    }
    let mut drv = Derivation {
        name: req.name,
        outputs: BTreeMap::new(),
        input_drvs: req.input_drvs,
        input_srcs: req.input_srcs,
        platform: req.system,
        builder: req.builder,
        args: req.args,
        env: req.env,
    };
    let mut warnings = Vec::new();
    let mut output_paths = BTreeMap::new();
    if let Some(fixed) = req.fixed_output {
        if output_names.len() != 1 || !output_names.contains("out") {
            return Err(DerivationError::FixedOutputMultiple);
        }
        let algo = match fixed.algo.as_deref() {
            None | Some("") => None,
            // Nix's parseHashTypeOpt turns an unknown name into "no type"; parsing the hash then decides.
            Some(a) => HashAlgo::parse(a).ok(),
        };
        let hash = if fixed.hash.is_empty() {
            let a = algo.ok_or(DerivationError::EmptyHashWithoutAlgo)?;
            let h = Hash::zero(a);
            warnings.push(format!("found empty hash, assuming '{}'", h.to_sri()));
            h
        } else {
            Hash::parse_any(&fixed.hash, algo)?
        };
        let method = match fixed.mode.as_deref() {
            None | Some("flat") => FileIngestionMethod::Flat,
            Some("recursive") => FileIngestionMethod::Recursive,
            Some(other) => return Err(DerivationError::BadHashMode(other.to_owned())),
        };
        let foh = FixedOutputHash { method, hash };
        let path = make_fixed_output_path(dir, &foh, &drv.name, &BTreeSet::new(), false)?;
        drv.env.insert("out".to_owned(), dir.print(&path));
        drv.outputs.insert(
            "out".to_owned(),
            DerivationOutput::Fixed {
                path: path.clone(),
                hash: foh,
            },
        );
        output_paths.insert("out".to_owned(), path);
    } else {
        for o in &output_names {
            drv.env.insert(o.clone(), String::new());
            drv.outputs.insert(o.clone(), DerivationOutput::Deferred);
        }
        // Looked up once: the masked text and the recorded modulo hash use the
        // same input hashes.
        let inputs = drv.modulo_inputs(dir, &mut lookup)?;
        let h = sha256(drv.unparse(dir, true, Some(&inputs)).as_bytes());
        for o in &output_names {
            let path = make_output_path(dir, o, &h, &drv.name)?;
            drv.env.insert(o.clone(), dir.print(&path));
            drv.outputs.insert(
                o.clone(),
                DerivationOutput::InputAddressed { path: path.clone() },
            );
            output_paths.insert(o.clone(), path);
        }
        // The `.drv` text and the text hashed for dependents
        // (`hashDerivationModulo(drv, false)`, which Nix records under the `.drv`
        // path) differ only in the input derivations: one head and tail serve both.
        let mut head = String::with_capacity(256);
        drv.write_head(dir, false, &mut head);
        let mut tail = String::with_capacity(1024);
        drv.write_tail(dir, false, &mut tail);
        let mut by_path = String::with_capacity(128);
        drv.write_input_paths(dir, &mut by_path);
        let text_hash = sha256_parts(&[&head, &by_path, &tail]);
        let modulo = if drv.input_drvs.is_empty() {
            text_hash
        } else {
            let mut by_hash = String::with_capacity(160);
            write_input_hashes(&inputs, &mut by_hash);
            sha256_parts(&[&head, &by_hash, &tail])
        };
        let drv_path = make_text_path(
            dir,
            &drv_file_name(&drv.name),
            &text_hash,
            &drv.references(),
        )?;
        let drv_hash = drv.outputs.keys().map(|k| (k.clone(), modulo)).collect();
        return Ok(InstantiatedDerivation {
            drv,
            drv_path,
            output_paths,
            drv_hash,
            warnings,
        });
    }
    let drv_path = drv.drv_path(dir)?;
    // Dependents hash this derivation as written, with its real output paths
    // (Nix records `hashDerivationModulo(drv, false)` under the `.drv` path).
    let drv_hash = drv.hash_modulo(dir, false, &mut lookup)?;
    Ok(InstantiatedDerivation {
        drv,
        drv_path,
        output_paths,
        drv_hash,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn simple_request(name: &str) -> DerivationRequest {
        DerivationRequest {
            name: name.to_owned(),
            outputs: vec!["out".to_owned()],
            env: env(&[
                ("name", name),
                ("builder", "/bin/sh"),
                ("system", "x86_64-linux"),
            ]),
            builder: "/bin/sh".to_owned(),
            system: "x86_64-linux".to_owned(),
            ..Default::default()
        }
    }

    fn no_inputs(p: &StorePath) -> Result<DrvHash, DerivationError> {
        Err(DerivationError::UnknownInputDerivation(p.to_string()))
    }

    #[test]
    fn aterm_and_path_match_a_drv_written_by_nix() {
        // Written by `nix-instantiate --expr '(derivation {name="x"; builder="/bin/sh";
        // system="x86_64-linux"; a="q\"\n\t\\";})'` with NIX_STORE_DIR=/tmp/tmp.KHhoUBs5B9/store.
        let dir = StoreDir::new("/tmp/tmp.KHhoUBs5B9/store").unwrap();
        let mut req = simple_request("x");
        req.env.insert("a".to_owned(), "q\"\n\t\\".to_owned());
        let d = instantiate(&dir, req, no_inputs).unwrap();
        let expected = concat!(
            r#"Derive([("out","/tmp/tmp.KHhoUBs5B9/store/f3zk7x9cnc7wxjmslgya8985cpwsvhs6-x","","")],[],[],"x86_64-linux","/bin/sh",[],"#,
            r#"[("a","q\"\n\t\\"),("builder","/bin/sh"),("name","x"),("out","/tmp/tmp.KHhoUBs5B9/store/f3zk7x9cnc7wxjmslgya8985cpwsvhs6-x"),("system","x86_64-linux")])"#
        );
        assert_eq!(d.drv.to_aterm(&dir), expected);
        assert_eq!(
            d.drv_path.base_name(),
            "almv8z9p4y360dwawk61phhhm95v9l02-x.drv"
        );
        let parsed = Derivation::parse(&dir, expected.as_bytes(), "x").unwrap();
        assert_eq!(parsed, d.drv);
    }

    #[test]
    fn round_trip_every_output_kind() {
        let dir = StoreDir::default();
        let p = |s: &str| StorePath::from_base_name(s).unwrap();
        let mut outputs = BTreeMap::new();
        outputs.insert(
            "a".to_owned(),
            DerivationOutput::InputAddressed {
                path: p("vmg5na96ajnh1v932j9jdzfc3022vbh9-a"),
            },
        );
        outputs.insert(
            "b".to_owned(),
            DerivationOutput::Fixed {
                path: p("40f7dy52bs36disbschzajhkvaqkr0qn-b"),
                hash: FixedOutputHash {
                    method: FileIngestionMethod::Recursive,
                    hash: sha256(b"x"),
                },
            },
        );
        outputs.insert(
            "c".to_owned(),
            DerivationOutput::Floating {
                method: FileIngestionMethod::Flat,
                algo: HashAlgo::Sha1,
            },
        );
        outputs.insert("d".to_owned(), DerivationOutput::Deferred);
        let mut input_drvs = BTreeMap::new();
        input_drvs.insert(
            p("97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv"),
            BTreeSet::from(["dev".to_owned(), "out".to_owned()]),
        );
        let drv = Derivation {
            name: "t".to_owned(),
            outputs,
            input_drvs,
            input_srcs: BTreeSet::from([p("vmg5na96ajnh1v932j9jdzfc3022vbh9-a")]),
            platform: "x86_64-linux".to_owned(),
            builder: "/bin/sh".to_owned(),
            args: vec![
                "-c".to_owned(),
                "echo \"$out\"\r\n".to_owned(),
                String::new(),
            ],
            env: env(&[("k", "v\\"), ("uni", "✓")]),
        };
        let text = drv.to_aterm(&dir);
        assert!(text.contains(r#"("b","/nix/store/40f7dy52bs36disbschzajhkvaqkr0qn-b","r:sha256","2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")"#), "{text}");
        assert!(text.contains(r#"("c","","sha1","")"#));
        assert!(text.contains(r#"("d","","","")"#));
        assert!(text
            .contains(r#"[("/nix/store/97qlv6h78lxlm9zc8849ahsbcklhsi2y-x.drv",["dev","out"])]"#));
        assert!(text.contains(r#"["-c","echo \"$out\"\r\n",""]"#));
        assert_eq!(Derivation::parse(&dir, text.as_bytes(), "t").unwrap(), drv);
        assert_eq!(drv.references().len(), 2);
        assert!(!drv.is_fixed_output());
    }

    #[test]
    fn parse_errors() {
        let dir = StoreDir::default();
        let e = |t: &str| {
            Derivation::parse(&dir, t.as_bytes(), "x")
                .unwrap_err()
                .to_string()
        };
        assert_eq!(e("Derive(["), "derivation text: expected '(' at byte 8");
        assert_eq!(
            e("Derive([(1"),
            "derivation text: expected a string at byte 9"
        );
        assert_eq!(
            e("Derive([(\"out"),
            "derivation text: unterminated string starting at byte 9"
        );
        assert_eq!(e("Foo()"), "derivation text: expected 'Derive(' at byte 0");
        let ok = r#"Derive([("out","","","")],[],[],"s","b",[],[])"#;
        assert!(Derivation::parse(&dir, ok.as_bytes(), "x").is_ok());
        assert_eq!(
            e(&format!("{ok} ")),
            "derivation text: trailing data at byte 46"
        );
        assert_eq!(
            e(r#"Derive([("out","/elsewhere/vmg5na96ajnh1v932j9jdzfc3022vbh9-a","","")],[],[],"s","b",[],[])"#),
            "path '/elsewhere/vmg5na96ajnh1v932j9jdzfc3022vbh9-a' is not in the Nix store '/nix/store'"
        );
        assert_eq!(
            e(r#"Derive([("out","","sha3","x")],[],[],"s","b",[],[])"#),
            "unknown hash algorithm 'sha3'"
        );
        assert_eq!(
            e(r#"Derive([("out","","",""),("out","","","")],[],[],"s","b",[],[])"#),
            "duplicate derivation output 'out'"
        );
    }

    #[test]
    fn instantiate_rejects_what_nix_rejects() {
        let dir = StoreDir::default();
        let err =
            |req: DerivationRequest| instantiate(&dir, req, no_inputs).unwrap_err().to_string();
        assert_eq!(
            err(simple_request("x.drv")),
            "derivation names are not allowed to end in '.drv'"
        );
        let mut r = simple_request("x");
        r.outputs = vec![];
        assert_eq!(err(r), "derivation cannot have an empty set of outputs");
        let mut r = simple_request("x");
        r.outputs = vec!["out".into(), "drv".into()];
        assert_eq!(err(r), "invalid derivation output name 'drv'");
        let mut r = simple_request("x");
        r.outputs = vec!["out".into(), "out".into()];
        assert_eq!(err(r), "duplicate derivation output 'out'");
        let mut r = simple_request("x");
        r.outputs = vec!["out".into(), "dev".into()];
        r.fixed_output = Some(FixedOutputRequest {
            hash: sha256(b"").to_sri(),
            ..Default::default()
        });
        assert_eq!(
            err(r),
            "multiple outputs are not supported in fixed-output derivations"
        );
        let mut r = simple_request("x");
        r.fixed_output = Some(FixedOutputRequest {
            hash: sha256(b"").to_sri(),
            algo: None,
            mode: Some("deep".into()),
        });
        assert_eq!(
            err(r),
            "invalid value 'deep' for 'outputHashMode' attribute"
        );
        let mut r = simple_request("x");
        r.fixed_output = Some(FixedOutputRequest {
            hash: String::new(),
            ..Default::default()
        });
        assert_eq!(err(r), "empty hash requires explicit hash type");
        let mut r = simple_request("x");
        r.fixed_output = Some(FixedOutputRequest {
            hash: "abc".into(),
            algo: Some("sha256".into()),
            mode: None,
        });
        assert_eq!(err(r), "hash 'abc' has wrong length for hash type 'sha256'");
        // nix-instantiate --eval -E '(derivation {name="a b"; builder="x"; system="s";}).drvPath'
        let mut r = simple_request("a b");
        r.builder = "x".into();
        r.system = "s".into();
        r.env = env(&[("builder", "x"), ("name", "a b"), ("system", "s")]);
        assert_eq!(
            err(r),
            "store path 'g365xm6dvqqq7ka1apnz2k5ww9pp1mz7-a b' contains illegal character ' '"
        );
    }

    #[test]
    fn instantiate_hashes_as_the_general_functions_do() {
        // instantiate writes the shared parts of its texts once; the general
        // functions (whole texts) must give the same paths and modulo hashes.
        let dir = StoreDir::new("/tmp/x\"y/store").unwrap();
        let mut cache = DrvHashCache::new();
        let mut prev: Option<StorePath> = None;
        for i in 0..3 {
            let mut r = simple_request(&format!("d{i}"));
            r.outputs = vec!["out".into(), "dev".into()];
            r.args = vec!["-c".into(), "echo \"$out\"\n".into()];
            if let Some(p) = &prev {
                r.input_drvs.insert(
                    p.clone(),
                    BTreeSet::from(["dev".to_owned(), "out".to_owned()]),
                );
            }
            let d = instantiate(&dir, r, |p| cache.lookup(&dir, p)).unwrap();
            assert_eq!(d.drv_path, d.drv.drv_path(&dir).unwrap());
            let general = d
                .drv
                .hash_modulo(&dir, false, |p| cache.lookup(&dir, p))
                .unwrap();
            assert_eq!(d.drv_hash, general);
            assert_eq!(d.drv_hash.len(), 2);
            cache.insert(d.drv_path.clone(), d.drv_hash.clone());
            prev = Some(d.drv_path);
        }
    }

    #[test]
    fn empty_fixed_hash_warns_like_nix() {
        let dir = StoreDir::default();
        let mut r = simple_request("x");
        r.fixed_output = Some(FixedOutputRequest {
            hash: String::new(),
            algo: Some("sha256".into()),
            mode: None,
        });
        let d = instantiate(&dir, r, no_inputs).unwrap();
        assert_eq!(
            d.warnings,
            vec![
                "found empty hash, assuming 'sha256-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='"
                    .to_owned()
            ]
        );
    }

    #[test]
    fn dependents_need_the_recorded_modulo_hash() {
        let dir = StoreDir::default();
        let mut cache = DrvHashCache::new();
        let dep = instantiate(&dir, simple_request("dep"), |p| cache.lookup(&dir, p)).unwrap();
        let mut r = simple_request("top");
        r.input_drvs
            .insert(dep.drv_path.clone(), BTreeSet::from(["out".to_owned()]));
        let e = instantiate(&dir, r.clone(), |p| cache.lookup(&dir, p)).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("derivation '{}' has no recorded modulo hash (it must be computed, or read, before derivations that use it)", dir.print(&dep.drv_path))
        );
        cache.insert(dep.drv_path.clone(), dep.drv_hash.clone());
        let top = instantiate(&dir, r.clone(), |p| cache.lookup(&dir, p)).unwrap();
        assert_eq!(top.drv.input_drvs.len(), 1);
        let mut r2 = r;
        r2.input_drvs
            .insert(dep.drv_path.clone(), BTreeSet::from(["dev".to_owned()]));
        let e = instantiate(&dir, r2, |p| cache.lookup(&dir, p)).unwrap_err();
        assert!(e.to_string().contains("has no output 'dev'"), "{e}");
        // Re-hashing the parsed .drv (as a store import would) gives the recorded hash.
        let parsed = Derivation::parse(&dir, dep.drv.to_aterm(&dir).as_bytes(), "dep").unwrap();
        assert_eq!(
            parsed
                .hash_modulo(&dir, false, |p| cache.lookup(&dir, p))
                .unwrap(),
            dep.drv_hash
        );
    }
}
