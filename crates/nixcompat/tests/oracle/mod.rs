//! The comparison cases with Nix: a small spec language for "what the
//! evaluator would compute" (toFile, path, filterSource, derivation…), turned
//! both into a Nix expression for `nix-instantiate` and into calls to this
//! crate's API, so the two cannot describe different things.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use nest_nixcompat::derivation::{
    self, DerivationRequest, FixedOutputRequest, InstantiatedDerivation,
};
use nest_nixcompat::nar::{self, FsSource, NarMetadata};
use nest_nixcompat::paths::{self, FileIngestionMethod, FixedOutputHash};
use nest_nixcompat::{hash, Derivation, DrvHashCache, HashAlgo, StoreDir, StorePath};
use serde::{Deserialize, Serialize};

/// One comparison: a thing, the store directory, and what Nix printed for it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    pub name: String,
    #[serde(default = "default_store_dir", rename = "storeDir")]
    pub store_dir: String,
    pub thing: Thing,
    /// What `nix-instantiate --eval --strict --json` printed for [`case_expr`].
    #[serde(default)]
    pub expected: Vec<String>,
}

fn default_store_dir() -> String {
    "/nix/store".to_owned()
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Thing {
    /// `builtins.toFile name contents`.
    ToFile { name: String, contents: Vec<Part> },
    /// `builtins.path { path; name?; recursive?; sha256?; filter?; }`.
    Path {
        fixture: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recursive: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        sha256: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        filter: Option<Filter>,
    },
    /// `builtins.filterSource filter path`.
    FilterSource { fixture: String, filter: Filter },
    /// `"${/path/to/fixture}"`: a path interpolated into a string.
    PathLiteral { fixture: String },
    /// `builtins.placeholder output`.
    Placeholder { output: String },
    /// `derivation { … }`.
    Derivation(Box<Drv>),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Drv {
    pub name: String,
    pub system: String,
    pub builder: Vec<Part>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<Vec<Part>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub attrs: BTreeMap<String, AttrVal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_hash_algo: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_hash_mode: Option<String>,
}

impl Drv {
    fn output_names(&self) -> Vec<String> {
        self.outputs
            .clone()
            .unwrap_or_else(|| vec!["out".to_owned()])
    }
}

/// A piece of a string: literal text, or something interpolated (`${…}`),
/// with `output` choosing a derivation output (default: its first output).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Part {
    Lit(String),
    Ref {
        #[serde(rename = "ref")]
        thing: Box<Thing>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        output: Option<String>,
    },
}

/// A derivation attribute value, coerced to a string as `derivationStrict` does.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AttrVal {
    Null(()),
    Bool(bool),
    Int(i64),
    Text(String),
    Parts { str: Vec<Part> },
    List { list: Vec<AttrVal> },
}

/// A filter function: exclude entries by base name or by type.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_types: Vec<String>,
}

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn cases_file() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases.json")
}

pub fn load_cases() -> Vec<Case> {
    let text = std::fs::read_to_string(cases_file()).expect("reading tests/cases.json");
    serde_json::from_str(&text).expect("parsing tests/cases.json")
}

// ---------------------------------------------------------------- Nix side

fn nix_string_lit(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '$' => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

fn nix_path(fixture: &str) -> String {
    // `/. + "…"` works whatever characters the checkout path contains.
    format!(
        "(/. + {})",
        nix_string_lit(&fixtures_dir().join(fixture).to_string_lossy())
    )
}

fn nix_filter(f: &Filter) -> String {
    let list = |v: &[String]| {
        v.iter()
            .map(|s| nix_string_lit(s))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!(
        "(p: t: !(builtins.elem (baseNameOf p) [ {} ]) && !(builtins.elem t [ {} ]))",
        list(&f.exclude_names),
        list(&f.exclude_types)
    )
}

fn nix_parts(parts: &[Part]) -> String {
    let mut body = String::new();
    for p in parts {
        match p {
            Part::Lit(s) => {
                let lit = nix_string_lit(s);
                body.push_str(&lit[1..lit.len() - 1]);
            }
            Part::Ref { thing, output } => {
                let e = nix_expr(thing);
                match (thing.as_ref(), output) {
                    (Thing::Derivation(_), Some(o)) => body.push_str(&format!("${{({e}).{o}}}")),
                    _ => body.push_str(&format!("${{{e}}}")),
                }
            }
        }
    }
    format!("\"{body}\"")
}

fn nix_attr(v: &AttrVal) -> String {
    match v {
        AttrVal::Null(()) => "null".to_owned(),
        AttrVal::Bool(b) => b.to_string(),
        AttrVal::Int(i) => i.to_string(),
        AttrVal::Text(s) => nix_string_lit(s),
        AttrVal::Parts { str } => nix_parts(str),
        AttrVal::List { list } => format!(
            "[ {} ]",
            list.iter().map(nix_attr).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// The Nix expression for a thing (evaluating to a string or a derivation).
pub fn nix_expr(t: &Thing) -> String {
    match t {
        Thing::ToFile { name, contents } => format!(
            "(builtins.toFile {} {})",
            nix_string_lit(name),
            nix_parts(contents)
        ),
        Thing::Path {
            fixture,
            name,
            recursive,
            sha256,
            filter,
        } => {
            let mut s = format!("(builtins.path {{ path = {};", nix_path(fixture));
            if let Some(n) = name {
                s.push_str(&format!(" name = {};", nix_string_lit(n)));
            }
            if let Some(r) = recursive {
                s.push_str(&format!(" recursive = {r};"));
            }
            if let Some(h) = sha256 {
                s.push_str(&format!(" sha256 = {};", nix_string_lit(h)));
            }
            if let Some(f) = filter {
                s.push_str(&format!(" filter = {};", nix_filter(f)));
            }
            s.push_str(" })");
            s
        }
        Thing::FilterSource { fixture, filter } => format!(
            "(builtins.filterSource {} {})",
            nix_filter(filter),
            nix_path(fixture)
        ),
        Thing::PathLiteral { fixture } => format!("\"${{{}}}\"", nix_path(fixture)),
        Thing::Placeholder { output } => {
            format!("(builtins.placeholder {})", nix_string_lit(output))
        }
        Thing::Derivation(d) => {
            let mut s = format!(
                "(derivation {{ name = {}; system = {}; builder = {};",
                nix_string_lit(&d.name),
                nix_string_lit(&d.system),
                nix_parts(&d.builder)
            );
            if !d.args.is_empty() {
                s.push_str(&format!(
                    " args = [ {} ];",
                    d.args
                        .iter()
                        .map(|a| nix_parts(a))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            for (k, v) in &d.attrs {
                s.push_str(&format!(" {} = {};", nix_string_lit(k), nix_attr(v)));
            }
            if let Some(o) = &d.outputs {
                s.push_str(&format!(
                    " outputs = [ {} ];",
                    o.iter()
                        .map(|x| nix_string_lit(x))
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
            }
            for (k, v) in [
                ("outputHash", &d.output_hash),
                ("outputHashAlgo", &d.output_hash_algo),
                ("outputHashMode", &d.output_hash_mode),
            ] {
                if let Some(v) = v {
                    s.push_str(&format!(" {k} = {};", nix_string_lit(v)));
                }
            }
            s.push_str(" })");
            s
        }
    }
}

/// The expression a case prints: a list of strings (for a derivation, its
/// `drvPath` and then each output's path, in `outputs` order).
pub fn case_expr(t: &Thing) -> String {
    match t {
        Thing::Derivation(d) => {
            let outs: Vec<String> = d
                .output_names()
                .iter()
                .map(|o| format!("d.{o}.outPath"))
                .collect();
            format!(
                "let d = {}; in [ d.drvPath {} ]",
                nix_expr(t),
                outs.join(" ")
            )
        }
        _ => format!("[ {} ]", nix_expr(t)),
    }
}

/// Where `nix-instantiate` is, if it runs.
pub fn nix_instantiate() -> Option<&'static str> {
    let ok = Command::new("nix-instantiate")
        .arg("--version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    ok.then_some("nix-instantiate")
}

/// Skips (returns false) when Nix is missing outside CI; fails under CI.
pub fn require_nix(test: &str) -> bool {
    if nix_instantiate().is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some() {
        panic!(
            "{test}: nix-instantiate is not installed, and CI is set: the oracle must run in CI"
        );
    }
    eprintln!("{test}: skipped: nix-instantiate is not installed (and CI is unset)");
    false
}

/// Runs `nix-instantiate --eval --strict --json` on a case in read-only mode
/// over a dummy store, so nothing is written anywhere.
pub fn run_nix_eval(case: &Case) -> Result<Vec<String>, String> {
    let expr = case_expr(&case.thing);
    let out = Command::new("nix-instantiate")
        .env("NIX_STORE_DIR", &case.store_dir)
        .args([
            "--store", "dummy://", "--eval", "--strict", "--json", "-E", &expr,
        ])
        .output()
        .map_err(|e| format!("running nix-instantiate: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "nix-instantiate failed on {expr}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| {
        format!(
            "nix-instantiate printed non-JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

// ---------------------------------------------------------------- our side

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Ctx {
    Plain(StorePath),
    Output(StorePath, String),
}

/// What the computation produced besides the answer, for byte comparisons.
#[derive(Default)]
pub struct Produced {
    pub drvs: BTreeMap<StorePath, Derivation>,
    pub texts: BTreeMap<StorePath, String>,
    /// Paths added from the fixtures, with how they were hashed.
    pub sources: BTreeMap<StorePath, FileIngestionMethod>,
}

pub struct Computer {
    pub dir: StoreDir,
    cache: DrvHashCache,
    pub produced: Produced,
}

enum Value {
    Str(String, BTreeSet<Ctx>),
    Drv(Box<InstantiatedDerivation>, Vec<String>),
}

impl Computer {
    pub fn new(dir: &str) -> Computer {
        Computer {
            dir: StoreDir::new(dir).expect("valid store dir"),
            cache: DrvHashCache::new(),
            produced: Produced::default(),
        }
    }

    /// The strings Nix would print for the case expression.
    pub fn compute_case(&mut self, t: &Thing) -> Result<Vec<String>, String> {
        match self.eval(t)? {
            Value::Str(s, _) => Ok(vec![s]),
            Value::Drv(d, outs) => {
                let mut v = vec![self.dir.print(&d.drv_path)];
                for o in outs {
                    v.push(self.dir.print(&d.output_paths[&o]));
                }
                Ok(v)
            }
        }
    }

    fn source(
        &mut self,
        fixture: &str,
        name: Option<&str>,
        filter: Option<&Filter>,
    ) -> Result<(String, BTreeSet<Ctx>), String> {
        let path = fixtures_dir().join(fixture);
        let name = name.map(str::to_owned).unwrap_or_else(|| {
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        let (h, _) = match filter {
            Some(f) => {
                let mut keep = |p: &Path, md: &NarMetadata| {
                    let base = p
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default();
                    !f.exclude_names.contains(&base)
                        && !f.exclude_types.iter().any(|t| t == md.type_name())
                };
                let mut src = FsSource::with_filter(&mut keep);
                nar::nar_hash(&mut src, &path, HashAlgo::Sha256)
            }
            None => nar::nar_hash(&mut FsSource::new(), &path, HashAlgo::Sha256),
        }
        .map_err(|e| e.to_string())?;
        let sp = paths::source_path(&self.dir, &name, &h).map_err(|e| e.to_string())?;
        self.produced
            .sources
            .insert(sp.clone(), FileIngestionMethod::Recursive);
        Ok((self.dir.print(&sp), BTreeSet::from([Ctx::Plain(sp)])))
    }

    fn string_of(&mut self, parts: &[Part]) -> Result<(String, BTreeSet<Ctx>), String> {
        let mut s = String::new();
        let mut ctx = BTreeSet::new();
        for p in parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                Part::Ref { thing, output } => match self.eval(thing)? {
                    Value::Str(v, c) => {
                        s.push_str(&v);
                        ctx.extend(c);
                    }
                    Value::Drv(d, outs) => {
                        let o = output.clone().unwrap_or_else(|| outs[0].clone());
                        let path = d
                            .output_paths
                            .get(&o)
                            .ok_or_else(|| format!("no output {o}"))?;
                        s.push_str(&self.dir.print(path));
                        ctx.insert(Ctx::Output(d.drv_path.clone(), o));
                    }
                },
            }
        }
        Ok((s, ctx))
    }

    fn attr_string(&mut self, v: &AttrVal) -> Result<(String, BTreeSet<Ctx>), String> {
        Ok(match v {
            AttrVal::Null(()) => (String::new(), BTreeSet::new()),
            AttrVal::Bool(b) => ((if *b { "1" } else { "" }).to_owned(), BTreeSet::new()),
            AttrVal::Int(i) => (i.to_string(), BTreeSet::new()),
            AttrVal::Text(t) => (t.clone(), BTreeSet::new()),
            AttrVal::Parts { str } => self.string_of(str)?,
            AttrVal::List { list } => {
                let mut strs = Vec::new();
                let mut ctx = BTreeSet::new();
                for v in list {
                    let (s, c) = self.attr_string(v)?;
                    strs.push(s);
                    ctx.extend(c);
                }
                (strs.join(" "), ctx)
            }
        })
    }

    fn eval(&mut self, t: &Thing) -> Result<Value, String> {
        match t {
            Thing::ToFile { name, contents } => {
                let (s, ctx) = self.string_of(contents)?;
                let mut refs = BTreeSet::new();
                for c in ctx {
                    match c {
                        Ctx::Plain(p) => {
                            refs.insert(p);
                        }
                        Ctx::Output(..) => {
                            return Err(format!(
                                "in 'toFile': the file '{name}' cannot refer to derivation outputs"
                            ))
                        }
                    }
                }
                let p = paths::text_path(&self.dir, name, s.as_bytes(), &refs)
                    .map_err(|e| e.to_string())?;
                self.produced.texts.insert(p.clone(), s);
                Ok(Value::Str(
                    self.dir.print(&p),
                    BTreeSet::from([Ctx::Plain(p)]),
                ))
            }
            Thing::Path {
                fixture,
                name,
                recursive,
                sha256,
                filter,
            } => {
                if *recursive == Some(false) {
                    let path = fixtures_dir().join(fixture);
                    let data = std::fs::read(&path).map_err(|e| e.to_string())?;
                    let h = hash::sha256(&data);
                    if let Some(expected) = sha256 {
                        let e = nest_nixcompat::Hash::parse_any(expected, Some(HashAlgo::Sha256))
                            .map_err(|e| e.to_string())?;
                        if e != h {
                            return Err("hash mismatch".to_owned());
                        }
                    }
                    let name = name.clone().unwrap_or_else(|| {
                        path.file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_default()
                    });
                    let f = FixedOutputHash {
                        method: FileIngestionMethod::Flat,
                        hash: h,
                    };
                    let sp = paths::make_fixed_output_path(
                        &self.dir,
                        &f,
                        &name,
                        &BTreeSet::new(),
                        false,
                    )
                    .map_err(|e| e.to_string())?;
                    self.produced
                        .sources
                        .insert(sp.clone(), FileIngestionMethod::Flat);
                    return Ok(Value::Str(
                        self.dir.print(&sp),
                        BTreeSet::from([Ctx::Plain(sp)]),
                    ));
                }
                let (s, c) = self.source(fixture, name.as_deref(), filter.as_ref())?;
                Ok(Value::Str(s, c))
            }
            Thing::FilterSource { fixture, filter } => {
                let (s, c) = self.source(fixture, None, Some(filter))?;
                Ok(Value::Str(s, c))
            }
            Thing::PathLiteral { fixture } => {
                let (s, c) = self.source(fixture, None, None)?;
                Ok(Value::Str(s, c))
            }
            Thing::Placeholder { output } => {
                Ok(Value::Str(paths::placeholder(output), BTreeSet::new()))
            }
            Thing::Derivation(d) => {
                let mut env = BTreeMap::new();
                let mut ctx = BTreeSet::new();
                env.insert("name".to_owned(), d.name.clone());
                env.insert("system".to_owned(), d.system.clone());
                let (builder, c) = self.string_of(&d.builder)?;
                ctx.extend(c);
                env.insert("builder".to_owned(), builder.clone());
                let mut args = Vec::new();
                for a in &d.args {
                    let (s, c) = self.string_of(a)?;
                    ctx.extend(c);
                    args.push(s);
                }
                for (k, v) in &d.attrs {
                    let (s, c) = self.attr_string(v)?;
                    ctx.extend(c);
                    env.insert(k.clone(), s);
                }
                if let Some(o) = &d.outputs {
                    env.insert("outputs".to_owned(), o.join(" "));
                }
                for (k, v) in [
                    ("outputHash", &d.output_hash),
                    ("outputHashAlgo", &d.output_hash_algo),
                    ("outputHashMode", &d.output_hash_mode),
                ] {
                    if let Some(v) = v {
                        env.insert(k.to_owned(), v.clone());
                    }
                }
                let mut input_drvs: BTreeMap<StorePath, BTreeSet<String>> = BTreeMap::new();
                let mut input_srcs = BTreeSet::new();
                for c in ctx {
                    match c {
                        Ctx::Plain(p) => {
                            input_srcs.insert(p);
                        }
                        Ctx::Output(drv, o) => {
                            input_drvs.entry(drv).or_default().insert(o);
                        }
                    }
                }
                let fixed_output = d.output_hash.as_ref().map(|h| FixedOutputRequest {
                    hash: h.clone(),
                    algo: d.output_hash_algo.clone(),
                    mode: d.output_hash_mode.clone(),
                });
                let req = DerivationRequest {
                    name: d.name.clone(),
                    outputs: d.output_names(),
                    env,
                    builder,
                    args,
                    system: d.system.clone(),
                    input_drvs,
                    input_srcs,
                    fixed_output,
                };
                let dir = self.dir.clone();
                let cache = &self.cache;
                let inst = derivation::instantiate(&dir, req, |p| cache.lookup(&dir, p))
                    .map_err(|e| e.to_string())?;
                self.cache
                    .insert(inst.drv_path.clone(), inst.drv_hash.clone());
                self.produced
                    .drvs
                    .insert(inst.drv_path.clone(), inst.drv.clone());
                Ok(Value::Drv(Box::new(inst), d.output_names()))
            }
        }
    }
}
