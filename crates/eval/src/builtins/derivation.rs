//! `derivationStrict` (store paths computed by `nest-nixcompat`) and `derivation`, the
//! Nix-level wrapper that turns its result into the familiar derivation attribute set.

use crate::error::{err, AddTrace, EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::ir::{AttrsExpr, BinOp, Expr, Formal, Formals, LambdaExpr, StaticAttr, E};
use crate::prim;
use crate::source::{Origin, Pos};
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Context};
use crate::value::{Env, PrimOp, Thunk, ThunkState, Value};
use nest_nixcompat::context::ContextElem;
use nest_nixcompat::derivation::{DerivationError, DerivationRequest, FixedOutputRequest};
use nest_nixcompat::{Hash, StorePath};
use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};

pub static OPS: &[PrimOp] = &[prim!("derivationStrict", 1, derivation_strict)];

/// `derivation` is written in Nix on top of `derivationStrict`, like in Nix itself; this
/// is our own rendering of that wrapper, known as `//builtin/derivation.nix` as Nix's
/// is. Its lines are laid out so that the positions it gives values (toXML,
/// `unsafeGetAttrPos`, error locations) are the line and column Nix 2.8 reports.
const DERIVATION_NIX: &str = r#"# nest's `derivation`: derivationStrict's outputs as one attribute set per output,
# each with the attributes given, `all` outputs, `drvAttrs`, and its own outPath
# and drvPath. Positions matter (see install_derivation): every position Nix 2.8
# reports in its own wrapper is the same here (the function on line 5, `all` on 12).
drvAttrs @ { outputs ? [ "out" ], ... }:
# The outputs' store paths, computed once for all the outputs.
let

  strict = derivationStrict drvAttrs;

  common = drvAttrs // builtins.listToAttrs perOutput //
    { all = map (o: o.value) perOutput;
      inherit drvAttrs; };
  # One entry per output for listToAttrs: its name, and the output's view of the
  # derivation.
  forOutput = outputName:
    { name = outputName;
      value = common // {
        outPath = builtins.getAttr outputName strict;
        drvPath = strict.drvPath;
        type = "derivation";
        inherit outputName; };
    };

  # In the order given: the first is the derivation itself.
  perOutput   = map forOutput outputs;

in (builtins.head perOutput).value
"#;

pub fn install_derivation(ev: &mut Eval) {
    let compiled = ev.compile(
        DERIVATION_NIX,
        Origin::File("//builtin/derivation.nix".to_string()),
        "/",
    );
    let v = match compiled {
        Ok(e) => ev.eval_root(with_native_body(e)).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    ev.globals.insert(Sym::new("derivation"), v.clone());
    if let Value::Attrs(b) = &ev.builtins {
        // Flat, not layered: `builtins` is read all the time.
        let set = b
            .update(&crate::value::Attrs::from_sorted(vec![
                crate::value::Attr::new(Sym::new("derivation"), v, Pos::NONE),
            ]))
            .flattened();
        ev.builtins = Value::attrs(set);
        let b = ev.builtins.clone();
        ev.globals.insert(Sym::new("builtins"), b);
    }
}

/// The body of `derivation` (the `let … in` under its formals) for a derivation with
/// the one default output, `out`: the result is made here from the same pieces the Nix
/// body makes, in fewer steps. The Nix body maps `forOutput` over `outputs`, merges
/// `drvAttrs`, `listToAttrs perOutput` and `{ all; drvAttrs; }` into `common`, and
/// gives `(head perOutput).value`, which is `common // { outPath; drvPath; type;
/// outputName; }` for `out`, and which `common` holds as its `out`. Here the entries
/// of the two set literals are made as the literals would make them (the same
/// expressions, frames and positions, evaluated lazily), `out` (at the position
/// `listToAttrs` gives it, that of `value`) is the result itself, and `drvAttrs` is
/// merged under them once, where the Nix body merged three times. Nothing here can
/// fail or force anything. `perOutput` and `common` stay unevaluated in the `let`'s
/// frame; forcing `all` evaluates them as the Nix body would (equal values, not the
/// same ones). Any other `outputs` takes the Nix body (`fallback`).
pub struct Body {
    /// The `let`'s body, `(builtins.head perOutput).value`.
    pub fallback: E,
    /// `drvAttrs`, as a variable of the `let`'s frame.
    drv_attrs: E,
    /// `{ all = …; inherit drvAttrs; }`, evaluated in the `let`'s frame.
    common_extra: &'static AttrsExpr,
    /// `{ outPath = …; drvPath = …; type = …; inherit outputName; }`, evaluated in
    /// `forOutput`'s frame (`outputName`, under the `let`'s frame).
    per_output: &'static AttrsExpr,
    /// `forOutput`'s set literal: `name` (made as the literal makes it) and the
    /// positions of the literal and of `value` (where `listToAttrs` also puts an
    /// output's attribute).
    name_attr: &'static StaticAttr,
    set_pos: Pos,
    value_pos: Pos,
    /// The `let`'s slot of `perOutput`.
    per_output_slot: usize,
    out: Sym,
    outputs: Sym,
    value: Sym,
}

/// `derivation`'s lambda with its body's result made by `Body` (see there), found in
/// the compiled wrapper by its shape; the compiled lambda as it is if the shape is not
/// the expected one (then `NATIVE_BODY` stays false and a test fails).
fn with_native_body(e: E) -> E {
    match native_lambda(e) {
        Some(l) => {
            NATIVE_BODY.with(|n| n.set(true));
            crate::ir::leak(Expr::Lambda(l))
        }
        None => e,
    }
}

thread_local! {
    /// Whether this thread's `derivation` has its body made in Rust (for tests).
    static NATIVE_BODY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Whether `derivation` was installed with its body made in Rust on this thread.
pub fn native_body_installed() -> bool {
    NATIVE_BODY.with(|n| n.get())
}

fn native_lambda(e: E) -> Option<&'static LambdaExpr> {
    let Expr::Lambda(lam) = e else { return None };
    let Expr::Let {
        frame_size,
        bindings,
        body,
    } = lam.body
    else {
        return None;
    };
    // `common = drvAttrs // (builtins.listToAttrs perOutput // { all …; inherit drvAttrs; })`
    let (drv_attrs, common_extra) = bindings.iter().find_map(|b| match b {
        Expr::Bin {
            op: BinOp::Update,
            l: l @ Expr::Var { .. },
            r:
                Expr::Bin {
                    op: BinOp::Update,
                    l: Expr::Apply { .. },
                    r: Expr::Attrs(extra, _),
                    ..
                },
            ..
        } => Some((*l, *extra)),
        _ => None,
    })?;
    // `forOutput = outputName: { name = outputName; value = common // { outPath …; }; }`
    let (per_output, name_attr, set_pos, value_pos) = bindings.iter().find_map(|b| match b {
        Expr::Lambda(f) if f.formals.is_none() && f.frame_size == 1 => match f.body {
            Expr::Attrs(set, set_pos) if !set.rec && set.dynamics.is_empty() => {
                let [name, value] = &set.statics[..] else {
                    return None;
                };
                if name.name.as_str() != "name" || value.name.as_str() != "value" {
                    return None;
                }
                match value.value {
                    Expr::Bin {
                        op: BinOp::Update,
                        r: Expr::Attrs(per_output, _),
                        ..
                    } => Some((*per_output, name, *set_pos, value.pos)),
                    _ => None,
                }
            }
            _ => None,
        },
        _ => None,
    })?;
    // `perOutput = map forOutput outputs`
    let per_output_slot = bindings.iter().position(|b| {
        matches!(b, Expr::Apply { args, .. }
            if args.len() == 2 && args.iter().all(|a| matches!(a, Expr::Var { .. })))
    })?;
    let out = Sym::new("out");
    let plain =
        |a: &AttrsExpr| !a.rec && a.dynamics.is_empty() && a.statics.iter().all(|s| s.name != out);
    if !plain(common_extra) || !plain(per_output) {
        return None;
    }
    let native = crate::ir::leak_in(Body {
        fallback: body,
        drv_attrs,
        common_extra,
        per_output,
        name_attr,
        set_pos,
        value_pos,
        per_output_slot,
        out,
        outputs: Sym::new("outputs"),
        value: Sym::new("value"),
    });
    let new_body = crate::ir::leak(Expr::Let {
        frame_size: *frame_size,
        bindings: bindings.clone(),
        body: crate::ir::leak(Expr::DerivationBody(native)),
    });
    let formals = lam.formals.as_ref().map(|f| {
        Box::new(Formals {
            entries: f
                .entries
                .iter()
                .map(|x| Formal {
                    name: x.name,
                    default: x.default,
                    pos: x.pos,
                    hint: Default::default(),
                })
                .collect(),
            ellipsis: f.ellipsis,
            at: f.at,
        })
    });
    Some(crate::ir::leak_in(LambdaExpr {
        name: std::cell::Cell::new(lam.name.get()),
        pos: lam.pos,
        formals,
        at_name: lam.at_name,
        frame_size: lam.frame_size,
        body: new_body,
    }))
}

/// `Body`'s result in the `let`'s frame `env` (see `Body`).
pub fn eval_body(ev: &mut Eval, b: &'static Body, env: &Env) -> EResult<Value> {
    let d = ev.eval(b.drv_attrs, env)?;
    let drv_attrs = match &d {
        Value::Attrs(a) if a.get_attr(b.outputs).is_none() => a,
        _ => return ev.eval(b.fallback, env),
    };
    // `forOutput "out"`'s frame: the element of the default `[ "out" ]`.
    let for_output = Env::one(Some(env.clone()), Value::string("out"));
    let this = Thunk::to_be_set();
    let (x, y) = (&b.common_extra.statics, &b.per_output.statics);
    let mut top = Vec::with_capacity(1 + x.len() + y.len());
    top.push(Attr::new(b.out, Value::Thunk(this.clone()), b.value_pos));
    top.extend(x.iter().map(|s| ev.entry(s, env)));
    top.extend(y.iter().map(|s| ev.entry(s, &for_output)));
    let result = Value::attrs(drv_attrs.update(&Attrs::from_unsorted(top)));
    this.set_state(ThunkState::Done(result.clone()));
    // `perOutput`, for `all`: `[ { name = "out"; value = <the result>; } ]`, the same
    // value, as the Nix body has it.
    let element = Attrs::from_sorted_at(
        vec![
            ev.entry(b.name_attr, &for_output),
            Attr::new(b.value, Value::Thunk(this), b.value_pos),
        ],
        b.set_pos,
    );
    env.set(b.per_output_slot, Value::list(vec![Value::attrs(element)]));
    Ok(result)
}

/// What a later `derivationStrict` of this evaluation needs to know about a derivation
/// made here: the modulo hash of each output (to hash its dependents) and, for a
/// `drvPath` context (the derivation and its whole closure), its inputs. The full
/// `Derivation` is not kept: its environment and ATerm text are only needed once.
struct KnownDrv {
    /// Output names, sorted, with their modulo hashes.
    outputs: Box<[(Box<str>, Hash)]>,
    input_drvs: Box<[StorePath]>,
    input_srcs: Box<[StorePath]>,
}

type Drvs = HashMap<StorePath, KnownDrv, std::hash::BuildHasherDefault<crate::symbol::SymHasher>>;

thread_local! {
    /// The derivations instantiated in this evaluation, by `.drv` path.
    static DRVS: RefCell<Drvs> = RefCell::new(Drvs::default());
}

fn derr(e: impl std::fmt::Display, pos: Pos) -> Box<EvalError> {
    EvalError::new(ErrorKind::Eval, e.to_string(), pos)
}

/// The closure of a derivation file known from this evaluation: (drvs, sources).
fn drv_closure(drv: &StorePath, drvs: &mut BTreeSet<StorePath>, srcs: &mut BTreeSet<StorePath>) {
    if !drvs.insert(drv.clone()) {
        return;
    }
    let inputs = DRVS.with(|d| {
        d.borrow()
            .get(drv)
            .map(|k| (k.input_drvs.clone(), k.input_srcs.clone()))
    });
    if let Some((input_drvs, input_srcs)) = inputs {
        srcs.extend(input_srcs.iter().cloned());
        for i in input_drvs.iter() {
            drv_closure(i, drvs, srcs);
        }
    }
}

/// The attributes of a `derivationStrict` call as they are read (before any input is
/// hashed). Coercing an attribute may instantiate another derivation (a dependency),
/// so this state and `collect`'s frame are held once per level of a chain of
/// dependencies: both are kept small (the request is only made once every attribute
/// is read, and the loop follows a dependency's `outPath` itself).
struct Collected {
    name: String,
    /// Every attribute but `args` and `__ignoreNulls`, as a string, in attribute order.
    env: Vec<(String, String)>,
    args: Vec<String>,
    ctx: Context,
    pos_name: Pos,
    outputs: Option<Vec<String>>,
}

fn derivation_strict(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let attrs = ev.expect_attrs(&a[0], pos)?;
    let c = collect(ev, &attrs, pos)?;
    complete(ev, c, pos)
}

/// Everything after the attributes are read, out of line: `derivation_strict`'s frame
/// is on the stack once per level of a dependency chain, the request need not be.
#[inline(never)]
fn complete(ev: &mut Eval, c: Box<Collected>, pos: Pos) -> EResult<Value> {
    let (req, ctx, pos_name) = check(c)?;
    finish(ev, req, ctx, pos_name, pos)
}

#[inline(never)]
fn collect(ev: &mut Eval, attrs: &Attrs, pos: Pos) -> EResult<Box<Collected>> {
    let (mut c, ignore_nulls) = start(ev, attrs, pos)?;
    for at in attrs.entries().iter() {
        let key = at.name.as_str();
        if key == "__ignoreNulls" {
            continue;
        }
        let v = ev.force_attr(at).map_err(|e| attr_trace(e, &c, key))?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        if key == "args" {
            args_attr(ev, &mut c, &v, pos)?;
            continue;
        }
        let v = through_out_path(ev, v).map_err(|e| attr_trace(e, &c, key))?;
        coerce_attr(ev, &mut c, at, v)?;
    }
    Ok(c)
}

/// The `args` list, each element coerced (out of `collect`'s frame).
#[inline(never)]
fn args_attr(ev: &mut Eval, c: &mut Collected, v: &Value, pos: Pos) -> EResult<()> {
    let key = "args";
    let l = ev.expect_list(v, pos).map_err(|e| attr_trace(e, c, key))?;
    for x in l.iter() {
        let x = ev
            .force(x)
            .and_then(|x| through_out_path(ev, x))
            .map_err(|e| attr_trace(e, c, key))?;
        let r = ev.coerce_to_string(&x, c.pos_name, true, true);
        let (s, xc) = r.map_err(|e| attr_trace(e, c, key))?;
        c.ctx.extend(&xc);
        c.args.push(s);
    }
    Ok(())
}

/// One attribute other than `args`, forced, coerced and recorded (out of `collect`'s
/// frame).
#[inline(never)]
fn coerce_attr(ev: &mut Eval, c: &mut Collected, at: &Attr, v: Value) -> EResult<()> {
    let key = at.name.as_str();
    let apos = at.pos().or(c.pos_name);
    let r = ev.coerce_to_string(&v, apos, true, true);
    let (s, xc) = r.map_err(|e| attr_trace(e, c, key))?;
    c.ctx.extend(&xc);
    if key == "outputs" {
        c.outputs = Some(outputs_attr(c, &s)?);
    }
    // Checked as it is read, with or without `outputHash` (Nix 2.8 does so).
    if key == "outputHashMode" && s != "flat" && s != "recursive" {
        let e = derr(
            format!("invalid value '{s}' for 'outputHashMode' attribute"),
            c.pos_name,
        );
        return Err(attr_trace(e, c, key));
    }
    c.env.push((key.to_string(), s));
    Ok(())
}

/// The `outPath` a set without `__toString` coerces through, if any.
#[inline(always)]
fn out_path_of(ev: &Eval, v: &Value) -> Option<Value> {
    match v {
        Value::Attrs(a) if a.get(ev.syms.to_string).is_none() => a.get(ev.syms.out_path),
        _ => None,
    }
}

/// A set with `outPath` and no `__toString` (a dependency) coerces to its `outPath`, as
/// `Eval::coerce_to_string` has it; following `outPath` here first keeps that
/// function's two nested frames off the stack for each level of a dependency chain
/// (forcing the `outPath` is what instantiates the dependency). The first step is
/// inlined into `collect`, whose frame is then the only one of this file per level.
#[inline(always)]
fn through_out_path(ev: &mut Eval, v: Value) -> EResult<Value> {
    match out_path_of(ev, &v) {
        Some(p) => {
            ev.check_stack()?;
            match ev.force(&p)? {
                p @ Value::Attrs(_) => through_out_path_more(ev, p),
                p => Ok(p),
            }
        }
        None => Ok(v),
    }
}

/// An `outPath` that is itself a set: recursive, so that a set pointing to itself
/// through `outPath` ends in Nix's stack overflow error.
#[inline(never)]
fn through_out_path_more(ev: &mut Eval, v: Value) -> EResult<Value> {
    match out_path_of(ev, &v) {
        Some(p) => {
            ev.check_stack()?;
            let p = ev.force(&p)?;
            through_out_path_more(ev, p)
        }
        None => Ok(v),
    }
}

/// The name and the flags that decide how the other attributes are read.
#[inline(never)]
fn start(ev: &mut Eval, attrs: &Attrs, pos: Pos) -> EResult<(Box<Collected>, bool)> {
    let Some(name_attr) = attrs.get_attr(ev.syms.name).cloned() else {
        return Err(super::missing_for_call(
            "name",
            "derivationStrict",
            attrs,
            pos,
        ));
    };
    // Nix reports most errors about a derivation at its `name` attribute.
    let pos_name = name_attr.pos().or(pos);
    let drv_name = ev
        .expect_string_no_ctx(&name_attr.value(), pos)
        .map(|s| s.to_str().into_owned())
        .trace(pos_name, || {
            "while evaluating the derivation attribute 'name'".to_string()
        })?;
    let ignore_nulls = match attrs.get(ev.syms.ignore_nulls) {
        Some(v) => ev.expect_bool(&v, pos)?,
        None => false,
    };
    if let Some(v) = attrs.get(ev.syms.structured_attrs) {
        if ev.expect_bool(&v, pos)? {
            return err("'__structuredAttrs' is not supported by nest yet", pos);
        }
    }
    let c = Box::new(Collected {
        name: drv_name,
        env: Vec::with_capacity(attrs.len()),
        args: Vec::new(),
        ctx: Context::default(),
        pos_name,
        outputs: None,
    });
    Ok((c, ignore_nulls))
}

#[cold]
#[inline(never)]
fn attr_trace(e: Box<EvalError>, c: &Collected, key: &str) -> Box<EvalError> {
    let r: EResult<std::convert::Infallible> = Err(e);
    let name = &c.name;
    let Err(e) = r.trace(c.pos_name, || {
        format!("while evaluating the attribute '{key}' of the derivation '{name}'")
    });
    e
}

/// The `outputs` attribute, checked when it is read (Nix reports a bad output name
/// before looking at the attributes after it).
#[inline(never)]
fn outputs_attr(c: &Collected, s: &str) -> EResult<Vec<String>> {
    let name = &c.name;
    let what = || format!("while evaluating the attribute 'outputs' of the derivation '{name}'");
    output_names(s, c.pos_name, what)
}

/// The request, once every attribute is read, and the checks Nix makes then.
// Boxed on purpose: the collected attributes are large, and a pointer is what passes
// through `complete`'s frame (see there).
#[allow(clippy::boxed_local)]
#[inline(never)]
fn check(c: Box<Collected>) -> EResult<(DerivationRequest, Context, Pos)> {
    let Collected {
        name,
        env,
        args,
        ctx,
        pos_name,
        outputs,
    } = *c;
    let env: std::collections::BTreeMap<String, String> = env.into_iter().collect();
    let get = |k: &str| env.get(k).cloned();
    let builder = get("builder").unwrap_or_default();
    if builder.is_empty() {
        return err("required attribute 'builder' missing", pos_name);
    }
    let system = get("system").unwrap_or_default();
    if system.is_empty() {
        return err("required attribute 'system' missing", pos_name);
    }
    // `outputHash` makes a fixed-output derivation; the algorithm or mode alone are
    // plain attributes.
    let fixed_output = get("outputHash").map(|hash| FixedOutputRequest {
        hash,
        algo: get("outputHashAlgo"),
        mode: get("outputHashMode"),
    });
    let req = DerivationRequest {
        name,
        outputs: outputs.unwrap_or_else(|| vec!["out".to_string()]),
        builder,
        system,
        args,
        fixed_output,
        env,
        ..Default::default()
    };
    Ok((req, ctx, pos_name))
}

/// The `outputs` attribute (already a string): names split on whitespace.
fn output_names(s: &str, pos_name: Pos, what: impl Fn() -> String) -> EResult<Vec<String>> {
    let mut seen: Vec<String> = Vec::new();
    for o in s.split_whitespace() {
        let bad = if seen.iter().any(|x| x == o) {
            Some(format!("duplicate derivation output '{o}'"))
        } else if o == "drv" {
            Some("invalid derivation output name 'drv'".to_string())
        } else {
            None
        };
        if let Some(msg) = bad {
            return Err(derr(msg, pos_name)).trace(pos_name, what);
        }
        seen.push(o.to_string());
    }
    if seen.is_empty() {
        return Err(derr(
            "derivation cannot have an empty set of outputs",
            pos_name,
        ))
        .trace(pos_name, what);
    }
    Ok(seen)
}

/// Adds the inputs named by the context, computes the paths, records the derivation
/// for its dependents and builds the `{ drvPath; <output> = path; }` result.
#[inline(never)]
fn finish(
    ev: &mut Eval,
    mut req: DerivationRequest,
    ctx: Context,
    pos_name: Pos,
    pos: Pos,
) -> EResult<Value> {
    let dir = crate::store::store_dir(ev, pos)?;
    for s in ctx.0.iter() {
        let elem = ContextElem::parse(&dir, s).map_err(|e| derr(e, pos_name))?;
        match &elem {
            ContextElem::AllOutputs(drv) => {
                let mut drvs = BTreeSet::new();
                let mut srcs = BTreeSet::new();
                drv_closure(drv, &mut drvs, &mut srcs);
                for s in srcs {
                    req.add_input_src(s);
                }
                for d in drvs {
                    req.add_input_src(d.clone());
                    let outs: Vec<String> = DRVS
                        .with(|x| {
                            x.borrow()
                                .get(&d)
                                .map(|k| k.outputs.iter().map(|(o, _)| o.to_string()).collect())
                        })
                        .unwrap_or_default();
                    req.add_input_drv(d, outs);
                }
            }
            _ => req
                .add_context(&dir, &elem)
                .map_err(|e| derr(e, pos_name))?,
        }
    }
    let inst = DRVS.with(|d| {
        let d = d.borrow();
        nest_nixcompat::derivation::instantiate(&dir, req, |p| match d.get(p) {
            Some(k) => Ok(k.outputs.iter().map(|(o, h)| (o.to_string(), *h)).collect()),
            None => Err(DerivationError::UnknownInputDerivation(dir.print(p))),
        })
    });
    // A name that makes no valid store path is reported without a position, as Nix
    // 2.8 reports it (from the store path's constructor, which knows none).
    let inst = inst.map_err(|e| match e {
        DerivationError::StorePath(e) => crate::store::store_path_err(&e, Pos::NONE),
        e => derr(e, pos_name),
    })?;
    for w in &inst.warnings {
        ev.io.trace(format!("warning: {w}").as_bytes());
    }
    let drv_path = dir.print(&inst.drv_path);
    // The ATerm text is only wanted by an IO that writes the store.
    if ev.io.writes_store() {
        ev.io
            .store_add_derivation(&drv_path, &inst.drv.to_aterm(&dir))
            .map_err(|e| derr(e, pos))?;
    }
    let known = KnownDrv {
        outputs: inst
            .drv_hash
            .iter()
            .map(|(o, h)| (Box::from(o.as_str()), *h))
            .collect(),
        input_drvs: inst.drv.input_drvs.into_keys().collect(),
        input_srcs: inst.drv.input_srcs.into_iter().collect(),
    };
    DRVS.with(|d| d.borrow_mut().insert(inst.drv_path, known));
    let mut out = Vec::with_capacity(inst.output_paths.len() + 1);
    let mut dctx = Context::default();
    dctx.insert(std::rc::Rc::from(
        ["=", drv_path.as_str()].concat().as_str(),
    ));
    out.push(Attr::new(
        ev.syms.drv_path,
        Value::string_ctx(drv_path.clone(), dctx),
        Pos::NONE,
    ));
    for (o, p) in inst.output_paths.iter() {
        let mut octx = Context::default();
        octx.insert(std::rc::Rc::from(
            ["!", o.as_str(), "!", drv_path.as_str()].concat().as_str(),
        ));
        out.push(Attr::new(
            Sym::new(o),
            Value::string_ctx(dir.print(p), octx),
            Pos::NONE,
        ));
    }
    Ok(Value::attrs(Attrs::from_unsorted(out)))
}

#[cfg(test)]
mod tests {
    use super::DERIVATION_NIX;
    use crate::io::MemIo;

    const STACK: usize = 64 << 20;

    /// `expr` printed as `nix-instantiate --eval --strict` prints it, and whether this
    /// evaluation's `derivation` had its body made in Rust.
    fn run(expr: String) -> (Result<String, String>, bool) {
        crate::with_eval_thread(STACK, move || {
            let r = crate::eval_string(Box::new(MemIo::default()), &expr, true, STACK);
            (r, super::native_body_installed())
        })
        .unwrap_or_else(|_| (Err("thread failed".into()), false))
    }

    /// The wrapper's own Nix text (the `in` line of which Rust skips for one output)
    /// applied to `attrs`, against `derivation attrs`: the same printed values, `all`
    /// holding the derivation itself («repeated»), the same `toXML`, names and outputs.
    #[test]
    fn the_body_made_in_rust_gives_what_the_nix_body_gives() {
        let attrs = r#"{ name = "x"; system = "s"; builder = "/b"; args = [ "a" ]; dep = "d"; all = 1; out = 2; type = 3; }"#;
        let queries = [
            "d",
            "[ d d.out d.all d.out.out.all ]",
            "builtins.attrNames d",
            "map (o: o.outPath) d.all",
            "d.drvAttrs",
            "builtins.toXML d",
            "[ d.outputName d.type d.drvPath \"${d}\" ]",
            "builtins.attrNames (builtins.head d.all)",
        ];
        let wrapper = format!("({DERIVATION_NIX})");
        for q in queries {
            let (native, installed) = run(format!("let d = derivation {attrs}; in {q}"));
            assert!(installed, "derivation's body is not the Rust one");
            let (nix, _) = run(format!("let d = {wrapper} {attrs}; in {q}"));
            let native = native.unwrap_or_else(|e| panic!("{q}: {e}"));
            assert_eq!(
                native,
                nix.unwrap_or_else(|e| panic!("{q}: {e}")),
                "query {q}"
            );
        }
    }

    /// Other outputs, or outputs given at all, take the Nix body: also right.
    #[test]
    fn given_outputs_take_the_nix_body() {
        let (r, _) = run(
            r#"let d = derivation { name = "x"; system = "s"; builder = "/b"; outputs = [ "out" "dev" ]; };
               in [ (builtins.attrNames d) d.dev.outputName (map (o: o.outputName) d.all) ]"#
                .to_string(),
        );
        assert_eq!(
            r.as_deref(),
            Ok(
                r#"[ [ "all" "builder" "dev" "drvAttrs" "drvPath" "name" "out" "outPath" "outputName" "outputs" "system" "type" ] "dev" [ "out" "dev" ] ]"#
            )
        );
    }
}
