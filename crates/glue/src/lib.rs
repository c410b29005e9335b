//! Evaluation meets the store: [`StoreIo`] implements the evaluator's `EvalIo` over a
//! real [`nest_store::Store`] (files are read like `StdIo` does; `toFile`, `path`,
//! `filterSource`, `fetchurl`/`fetchTarball` of `file://` URLs, interpolated paths and
//! `derivation` write into the store unless it is a dry run),
//! and [`with_evaluated`] / [`instantiate`] evaluate a file or expression for the CLI
//! and for `nest switch`. Reading an output of a derivation instantiated earlier in the
//! same evaluation builds it first (import from derivation) when a build
//! configuration is given.

#![forbid(unsafe_code)]

pub mod cache;
pub mod io;
pub mod record;

pub use cache::{CacheOutcome, EvalCache};
pub use io::StoreIo;

use record::{Recorder, Recording, RecordingIo};

use nest_eval::source::{Origin, Pos};
use nest_eval::symbol::Sym;
use nest_eval::{EResult, Eval, EvalOptions, Value};
use std::path::PathBuf;
use std::sync::Arc;

/// What to evaluate.
#[derive(Debug, Clone)]
pub enum Input {
    File(PathBuf),
    Expr(String),
}

/// One evaluation.
#[derive(Debug, Clone)]
pub struct EvalRequest {
    pub input: Input,
    /// `-A`: an attribute path (`a.b.0.c`); empty for the whole value.
    pub attr_path: String,
    /// `-I` entries then `NIX_PATH` ones, as (prefix, path).
    pub search_path: Vec<(String, String)>,
    /// Only compute store paths; write nothing.
    pub dry_run: bool,
    pub show_trace: bool,
    /// When set, reading a derivation output that is not built yet builds it
    /// (import from derivation); when `None`, such reads fail.
    pub build: Option<nest_build::BuildConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum GlueError {
    /// An evaluation error, already rendered like Nix renders it.
    #[error("{0}")]
    Eval(String),
    #[error("evaluation thread: {0}")]
    Thread(std::io::Error),
}

/// The derivation outputs an evaluation result asks for (what `nix-build` builds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Wanted {
    pub drv_path: String,
    pub output: String,
    pub out_path: String,
}

const STACK_SIZE: usize = 1 << 30;

/// Like `nix-build`: a function taking a set of arguments is called with `{}` (its
/// defaults), at the top and after each selection.
fn auto_call(ev: &mut Eval, v: Value) -> EResult<Value> {
    let f = ev.force(&v)?;
    match &f {
        Value::Lambda(c) if c.lambda.formals.is_some() => {
            let empty = Value::attrs(nest_eval::value::Attrs::from_unsorted(Vec::new()));
            let r = ev.call(&f, empty, Pos::NONE)?;
            ev.force(&r)
        }
        _ => Ok(f),
    }
}

fn select(ev: &mut Eval, mut v: Value, path: &str) -> EResult<Value> {
    v = auto_call(ev, v)?;
    for comp in path.split('.').filter(|c| !c.is_empty()) {
        v = ev.force(&v)?;
        v = match &v {
            Value::List(l) if comp.parse::<usize>().is_ok() => {
                let i: usize = comp.parse().unwrap_or(usize::MAX);
                match l.get(i) {
                    Some(x) => x.clone(),
                    None => return nest_eval::error::err(format!("list index {i} in selection path '{path}' is out of range"), Pos::NONE),
                }
            }
            Value::Attrs(a) => match a.get(Sym::new(comp)) {
                Some(x) => x.clone(),
                None => return nest_eval::error::err(format!("attribute '{comp}' in selection path '{path}' not found"), Pos::NONE),
            },
            other => {
                return nest_eval::error::err(
                    format!("the expression selected by the selection path '{path}' should be a set but is {}", other.type_phrase()),
                    Pos::NONE,
                )
            }
        };
        v = auto_call(ev, v)?;
    }
    ev.force(&v)
}

/// Evaluates `req` over `store` on a big-stack thread and hands the selected value to
/// `f` there (values cannot leave the evaluation thread).
pub fn with_evaluated<R: Send + 'static>(
    store: Arc<nest_store::Store>,
    req: EvalRequest,
    f: impl FnOnce(&mut Eval, Value) -> EResult<R> + Send + 'static,
) -> Result<R, GlueError> {
    evaluate(store, req, None, f).map(|(r, _)| r)
}

/// [`with_evaluated`] through the evaluation cache: the result `f` made in an earlier
/// run is reused when nothing it depended on changed; otherwise the evaluation runs,
/// recording its inputs, and its result is stored for the next run.
pub fn with_evaluated_cached<R>(
    store: Arc<nest_store::Store>,
    req: EvalRequest,
    cache: &EvalCache,
    f: impl FnOnce(&mut Eval, Value) -> EResult<R> + Send + 'static,
) -> Result<Cached<R>, GlueError>
where
    R: serde::Serialize + serde::de::DeserializeOwned + Send + 'static,
{
    if !cache.is_enabled() {
        let value = with_evaluated(store, req, f)?;
        return Ok(Cached {
            value,
            outcome: CacheOutcome::Disabled,
            replay: Vec::new(),
        });
    }
    let request = cache.request(&store, &req, &EvalOptions::default().current_system);
    let key = EvalCache::key_of(&request);
    let why = match cache.lookup(&store, &key) {
        Ok(found) => match serde_json::from_value(found.result) {
            Ok(value) => {
                return Ok(Cached {
                    value,
                    outcome: CacheOutcome::Hit,
                    replay: found.traces,
                })
            }
            Err(e) => format!("unreadable result: {e}"),
        },
        Err(why) => why,
    };
    let (value, rec) = evaluate(store, req, Some(cache.window()), f)?;
    let outcome = match rec.as_ref().and_then(|r| r.uncacheable.clone()) {
        Some(why) => {
            cache.remove(&key);
            CacheOutcome::Uncacheable { why }
        }
        None => {
            let stored = match (serde_json::to_value(&value), rec) {
                (Ok(v), Some(rec)) => cache.store(&key, request, &rec, v),
                (Err(e), _) => Err(format!("serialising the result: {e}")),
                (_, None) => Err("nothing was recorded".into()),
            };
            CacheOutcome::Miss { why, stored }
        }
    };
    Ok(Cached {
        value,
        outcome,
        replay: Vec::new(),
    })
}

/// A result from [`with_evaluated_cached`].
#[derive(Debug)]
pub struct Cached<R> {
    pub value: R,
    pub outcome: CacheOutcome,
    /// On a hit: the lines the evaluation traced (`builtins.trace`, warnings), to be
    /// printed as the evaluation printed them. Empty otherwise (they were printed).
    pub replay: Vec<String>,
}

/// The evaluation itself; with `record` (the racy window), its inputs are recorded.
fn evaluate<R: Send + 'static>(
    store: Arc<nest_store::Store>,
    req: EvalRequest,
    record: Option<std::time::Duration>,
    f: impl FnOnce(&mut Eval, Value) -> EResult<R> + Send + 'static,
) -> Result<(R, Option<Recording>), GlueError> {
    let opts = EvalOptions {
        search_path: req.search_path.clone(),
        store_dir: store.store_dir().as_str().to_string(),
        stack_size: STACK_SIZE,
        show_trace: req.show_trace,
        // Nothing here prints a value unforced (the one place the option shows).
        eager_args: true,
        ..EvalOptions::default()
    };
    let cwd = std::env::current_dir()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|_| "/".to_string());
    let res = nest_eval::with_eval_thread(STACK_SIZE, move || {
        let io = StoreIo::new(store, req.dry_run).with_builds(req.build.clone());
        let recorder = record.map(Recorder::new);
        let io: Box<dyn nest_eval::io::EvalIo> = match &recorder {
            Some(r) => Box::new(RecordingIo::new(Box::new(io), r.clone())),
            None => Box::new(io),
        };
        let mut ev = Eval::new(io, opts);
        let r = (|| {
            let root = match &req.input {
                Input::Expr(text) => {
                    let e = ev.compile(text, Origin::String, &cwd)?;
                    ev.eval_root(e)?
                }
                Input::File(p) => {
                    let abs = absolute_input(p, &cwd);
                    nest_eval::builtins::io::import_file(&mut ev, &abs, Pos::NONE)?
                }
            };
            let v = select(&mut ev, root, &req.attr_path)?;
            f(&mut ev, v)
        })();
        let recording = recorder.map(|r| r.borrow_mut().finish());
        r.map(|r| (r, recording))
            .map_err(|e| GlueError::Eval(e.render(req.show_trace)))
    });
    res.map_err(GlueError::Thread)?
}

/// The file an `Input::File` names, absolute and canonical (`cwd` anchors a relative one).
pub(crate) fn absolute_input(p: &std::path::Path, cwd: &str) -> String {
    let s = p.to_string_lossy();
    let abs = if s.starts_with('/') {
        s.into_owned()
    } else {
        format!("{cwd}/{s}")
    };
    nest_eval::eval::canon_path(&abs)
}

fn wanted_of(ev: &mut Eval, a: &nest_eval::value::Attrs) -> EResult<Wanted> {
    let get = |ev: &mut Eval, name: &str| -> EResult<String> {
        match a.get(Sym::new(name)) {
            Some(v) => ev.force_str(&v, Pos::NONE),
            None => {
                nest_eval::error::err(format!("derivation has no attribute '{name}'"), Pos::NONE)
            }
        }
    };
    let drv_path = get(ev, "drvPath")?;
    let output = match a.get(Sym::new("outputName")) {
        Some(v) => ev.force_str(&v, Pos::NONE)?,
        None => "out".to_string(),
    };
    let out_path = get(ev, "outPath")?;
    Ok(Wanted {
        drv_path,
        output,
        out_path,
    })
}

/// Like `nix-instantiate`: evaluates `req`, writing `.drv` files into the store, and
/// returns the derivation outputs the result names: a derivation, a list of them, or
/// the derivations among a set's attributes.
pub fn instantiate(
    store: Arc<nest_store::Store>,
    req: EvalRequest,
) -> Result<Vec<Wanted>, GlueError> {
    with_evaluated(store, req, wanted_all)
}

/// [`instantiate`] through the evaluation cache.
pub fn instantiate_cached(
    store: Arc<nest_store::Store>,
    req: EvalRequest,
    cache: &EvalCache,
) -> Result<Cached<Vec<Wanted>>, GlueError> {
    with_evaluated_cached(store, req, cache, wanted_all)
}

fn wanted_all(ev: &mut Eval, v: Value) -> EResult<Vec<Wanted>> {
    let mut out = Vec::new();
    match &v {
            Value::Attrs(a) if ev.is_derivation(a)? => out.push(wanted_of(ev, a)?),
            Value::Attrs(a) => {
                let entries: Vec<Value> = a.entries().iter().map(|e| e.value()).collect();
                for x in entries {
                    if let Value::Attrs(b) = ev.force(&x)? {
                        if ev.is_derivation(&b)? {
                            out.push(wanted_of(ev, &b)?);
                        }
                    }
                }
            }
            Value::List(l) => {
                for x in l.iter() {
                    match ev.force(x)? {
                        Value::Attrs(b) if ev.is_derivation(&b)? => out.push(wanted_of(ev, &b)?),
                        other => {
                            return nest_eval::error::err(format!("expected a derivation but found {}", other.type_phrase()), Pos::NONE)
                        }
                    }
                }
            }
            other => return nest_eval::error::err(format!("expression does not evaluate to a derivation (or a set or list of those); it is {}", other.type_phrase()), Pos::NONE),
        }
    Ok(out)
}
