//! Registration of the builtins: each theme module exports `OPS` (primops) and this
//! module assembles the `builtins` set and the global names (`map`, `__add`, `true`…).
//! See `crates/eval/BUILTINS.md` for the API a builtin uses.

use crate::error::EResult;
use crate::eval::Eval;
use crate::source::Pos;
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Pending, PrimOp, Thunk, Value};

pub mod attrs;
pub mod control;
pub mod derivation;
pub mod elf;
pub mod fetch;
pub mod io;
pub mod json;
pub mod json_parse;
pub mod lists;
pub mod math;
pub mod strings;
pub mod toml;
pub mod types;

/// A builtin: receives exactly `arity` arguments, unforced, and the call position.
pub type PrimFn = fn(&mut Eval, &[Value], Pos) -> EResult<Value>;

/// Shorthand for a `PrimOp` table entry.
#[macro_export]
macro_rules! prim {
    ($name:literal, $arity:literal, $f:expr) => {
        $crate::value::PrimOp {
            name: $name,
            arity: $arity,
            f: $f,
            strict: 0,
        }
    };
    // The argument the function forces first (`PrimOp::strict`).
    ($name:literal, $arity:literal, strict $mask:expr, $f:expr) => {
        $crate::value::PrimOp {
            name: $name,
            arity: $arity,
            f: $f,
            strict: $mask,
        }
    };
}

fn all_ops() -> impl Iterator<Item = &'static PrimOp> {
    attrs::OPS
        .iter()
        .chain(control::OPS.iter())
        .chain(derivation::OPS.iter())
        .chain(fetch::OPS.iter())
        .chain(elf::OPS.iter())
        .chain(io::OPS.iter())
        .chain(json::OPS.iter())
        .chain(lists::OPS.iter())
        .chain(math::OPS.iter())
        .chain(strings::OPS.iter())
        .chain(types::OPS.iter())
}

/// Builtins that are also visible without the `builtins.` prefix (Nix 2.8).
const GLOBAL: &[&str] = &[
    "abort",
    "baseNameOf",
    "derivation",
    "derivationStrict",
    "dirOf",
    "fetchGit",
    "fetchMercurial",
    "fetchTarball",
    "fetchTree",
    "fromTOML",
    "import",
    "isNull",
    "map",
    "placeholder",
    "removeAttrs",
    "scopedImport",
    "throw",
    "toString",
];

pub fn install(ev: &mut Eval) {
    let mut entries: Vec<Attr> = Vec::new();
    for op in all_ops() {
        entries.push(Attr::new(Sym::new(op.name), Value::PrimOp(op), Pos::NONE));
    }
    let consts: Vec<(&str, Value)> = vec![
        ("true", Value::Bool(true)),
        ("false", Value::Bool(false)),
        ("null", Value::Null),
        (
            "currentSystem",
            Value::string(ev.opts.current_system.clone()),
        ),
        // Read on first use, not here: an evaluation that never looks at the clock
        // stays cacheable (the evaluation cache marks reading it uncacheable).
        (
            "currentTime",
            Thunk::new(Pending::Native(std::rc::Rc::new(|ev: &mut Eval| {
                Ok(Value::Int(ev.io.current_time()))
            }))),
        ),
        ("langVersion", Value::Int(6)),
        ("nixVersion", Value::string("2.8.0")),
        ("storeDir", Value::string(ev.opts.store_dir.clone())),
        ("nixPath", io::nix_path_value(&ev.opts.search_path)),
        (
            "builtins",
            Thunk::new(Pending::Native(std::rc::Rc::new(|ev: &mut Eval| {
                Ok(ev.builtins.clone())
            }))),
        ),
    ];
    for (n, v) in consts {
        entries.push(Attr::new(Sym::new(n), v, Pos::NONE));
    }
    let set = Attrs::from_unsorted(entries);
    let builtins = Value::attrs(set.clone());
    ev.builtins = builtins.clone();

    let mut globals = std::collections::HashMap::new();
    for a in set.entries().iter() {
        let n = a.name.as_str();
        if n == "builtins" {
            continue;
        }
        globals.insert(Sym::new(&format!("__{n}")), a.value());
    }
    for n in GLOBAL {
        if let Some(v) = set.get(Sym::new(n)) {
            globals.insert(Sym::new(n), v.clone());
        }
    }
    for n in ["true", "false", "null"] {
        if let Some(v) = set.get(Sym::new(n)) {
            globals.insert(Sym::new(n), v.clone());
        }
    }
    globals.insert(Sym::new("builtins"), builtins);
    ev.globals = globals;
    derivation::install_derivation(ev);
    // `builtins.builtins` is the final set itself, a value, not a thunk: printed lazily
    // it shows as `«repeated»`, as in Nix (the cycle lives as long as the process).
    if let Some(own) = set.get(Sym::new("builtins")) {
        let _ = ev.force(&own);
    }
}

/// "attribute 'x' missing for call to 'f'" with the frame Nix 2.8 adds to it. Nix
/// places the error at the set (its literal's `{`); nest's sets keep no position of
/// their own, so it stays at the call.
#[cold]
pub fn missing_for_call(shown: &str, func: &str, set: &Attrs, pos: Pos) -> Box<crate::EvalError> {
    // Nix reports it at the set literal, with the call as a trace frame; a set made
    // otherwise has no position, and then the call is the error's own position.
    // `shown` may hold bytes of the name in `text::lossless` form.
    let mut e = crate::EvalError::new_lossless(
        crate::ErrorKind::Eval,
        format!("attribute '{shown}' missing for call to '{func}'"),
        set.pos_or(pos),
    );
    if !set.pos().is_none() {
        e.add_trace(pos, format!("while invoking '{func}'"));
    }
    e
}

/// Builds an attribute set from (name, value) pairs in any order.
pub fn make_attrs(pairs: Vec<(&str, Value)>) -> Value {
    Value::attrs(Attrs::from_unsorted(
        pairs
            .into_iter()
            .map(|(n, v)| Attr::new(Sym::new(n), v, Pos::NONE))
            .collect(),
    ))
}
