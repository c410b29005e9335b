//! `derivationStrict` (store paths computed by `nest-nixcompat`) and `derivation`, the
//! Nix-level wrapper that turns its result into the familiar derivation attribute set.

use crate::error::{err, AddTrace, EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::prim;
use crate::source::{Origin, Pos};
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Context};
use crate::value::{PrimOp, Value};
use nest_nixcompat::context::ContextElem;
use nest_nixcompat::derivation::{DerivationRequest, FixedOutputRequest};
use nest_nixcompat::{Derivation, DrvHashCache, StorePath};
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;

pub static OPS: &[PrimOp] = &[prim!("derivationStrict", 1, derivation_strict)];

/// `derivation` is written in Nix on top of `derivationStrict`, like in Nix itself; this
/// is our own rendering of that wrapper.
const DERIVATION_NIX: &str = r#"
drvAttrs @ { outputs ? [ "out" ], ... }:
let
  strict = derivationStrict drvAttrs;
  common = drvAttrs // (builtins.listToAttrs perOutput) // {
    all = map (o: o.value) perOutput;
    inherit drvAttrs;
  };
  forOutput = outputName: {
    name = outputName;
    value = common // {
      outPath = builtins.getAttr outputName strict;
      drvPath = strict.drvPath;
      type = "derivation";
      inherit outputName;
    };
  };
  perOutput = map forOutput outputs;
in (builtins.head perOutput).value
"#;

pub fn install_derivation(ev: &mut Eval) {
    let compiled = ev.compile(DERIVATION_NIX, Origin::String, "/");
    let v = match compiled {
        Ok(e) => ev.eval_root(e).unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    ev.globals.insert(Sym::new("derivation"), v.clone());
    if let Value::Attrs(b) = &ev.builtins {
        let mut set = (**b).clone();
        set = set.update(&crate::value::Attrs::from_sorted(vec![
            crate::value::Attr {
                name: Sym::new("derivation"),
                value: v,
                pos: Pos::NONE,
            },
        ]));
        ev.builtins = Value::attrs(set);
        let b = ev.builtins.clone();
        ev.globals.insert(Sym::new("builtins"), b);
    }
}

thread_local! {
    /// Modulo hashes and contents of the derivations instantiated in this evaluation,
    /// so that dependent derivations can be hashed.
    static DRVS: std::cell::RefCell<(DrvHashCache, BTreeMap<StorePath, Derivation>)> =
        std::cell::RefCell::new((DrvHashCache::new(), BTreeMap::new()));
}

fn derr(e: impl std::fmt::Display, pos: Pos) -> Box<EvalError> {
    EvalError::new(ErrorKind::Eval, e.to_string(), pos)
}

/// The closure of a derivation file known from this evaluation: (drvs, sources).
fn drv_closure(drv: &StorePath, drvs: &mut BTreeSet<StorePath>, srcs: &mut BTreeSet<StorePath>) {
    if !drvs.insert(drv.clone()) {
        return;
    }
    let known = DRVS.with(|d| d.borrow().1.get(drv).cloned());
    if let Some(d) = known {
        for s in d.input_srcs.iter() {
            srcs.insert(s.clone());
        }
        for i in d.input_drvs.keys() {
            drv_closure(i, drvs, srcs);
        }
    }
}

fn derivation_strict(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let attrs = ev.expect_attrs(&a[0], pos)?;
    let dir = crate::store::store_dir(ev, pos)?;
    let Some(name_attr) = attrs.get_attr(ev.syms.name).cloned() else {
        return err(
            "attribute 'name' missing for call to 'derivationStrict'",
            pos,
        );
    };
    // Nix reports most errors about a derivation at its `name` attribute.
    let pos_name = if name_attr.pos.is_none() {
        pos
    } else {
        name_attr.pos
    };
    let drv_name = ev.force_str(&name_attr.value, pos).trace(pos_name, || {
        "while evaluating the derivation attribute 'name'".to_string()
    })?;
    let ignore_nulls = match attrs.get(Sym::new("__ignoreNulls")).cloned() {
        Some(v) => ev.expect_bool(&v, pos)?,
        None => false,
    };
    if let Some(v) = attrs.get(Sym::new("__structuredAttrs")).cloned() {
        if ev.expect_bool(&v, pos)? {
            return err("'__structuredAttrs' is not supported by nest yet", pos);
        }
    }
    let mut req = DerivationRequest {
        name: drv_name.clone(),
        ..Default::default()
    };
    let mut ctx = Context::default();
    let mut outputs: Option<Vec<String>> = None;
    let mut fixed = FixedOutputRequest::default();
    let mut has_fixed = false;
    for at in attrs.entries.iter() {
        let key = at.name.as_str();
        if key == "__ignoreNulls" {
            continue;
        }
        let v = ev.force(&at.value)?;
        if ignore_nulls && matches!(v, Value::Null) {
            continue;
        }
        let what =
            || format!("while evaluating the attribute '{key}' of the derivation '{drv_name}'");
        if key == "args" {
            let l = ev.expect_list(&v, pos).trace(pos_name, what)?;
            for x in l.iter() {
                let (s, c) = ev
                    .coerce_to_string(x, pos_name, true, true)
                    .trace(pos_name, what)?;
                ctx.extend(&c);
                req.args.push(s);
            }
            continue;
        }
        let apos = if at.pos.is_none() { pos_name } else { at.pos };
        let (s, c) = ev
            .coerce_to_string(&v, apos, true, true)
            .trace(pos_name, what)?;
        ctx.extend(&c);
        match key {
            "builder" => req.builder = s.clone(),
            "system" => req.system = s.clone(),
            "outputHash" => {
                fixed.hash = s.clone();
                has_fixed = true;
            }
            "outputHashAlgo" => fixed.algo = Some(s.clone()),
            "outputHashMode" => fixed.mode = Some(s.clone()),
            "outputs" => {
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
                outputs = Some(seen);
            }
            _ => {}
        }
        req.env.insert(key.to_string(), s);
    }
    if req.builder.is_empty() {
        return err("required attribute 'builder' missing", pos_name);
    }
    if req.system.is_empty() {
        return err("required attribute 'system' missing", pos_name);
    }
    req.outputs = outputs.unwrap_or_else(|| vec!["out".to_string()]);
    if has_fixed {
        req.fixed_output = Some(fixed);
    }
    for c in ctx.0.iter() {
        let elem = ContextElem::parse(&dir, c).map_err(|e| derr(e, pos_name))?;
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
                                .1
                                .get(&d)
                                .map(|dd| dd.outputs.keys().cloned().collect())
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
        nest_nixcompat::derivation::instantiate(&dir, req, |p| d.0.lookup(&dir, p))
    });
    let inst = inst.map_err(|e| derr(e, pos_name))?;
    for w in &inst.warnings {
        ev.io.trace(&format!("warning: {w}"));
    }
    let drv_path = dir.print(&inst.drv_path);
    ev.io
        .store_add_derivation(&drv_path, &inst.drv.to_aterm(&dir))
        .map_err(|e| derr(e, pos))?;
    DRVS.with(|d| {
        let mut d = d.borrow_mut();
        d.0.insert(inst.drv_path.clone(), inst.drv_hash.clone());
        d.1.insert(inst.drv_path.clone(), inst.drv.clone());
    });
    let mut out = Vec::new();
    let mut dctx = Context::default();
    dctx.insert(Rc::from(format!("={drv_path}").as_str()));
    out.push((
        "drvPath".to_string(),
        Value::string_ctx(drv_path.clone(), dctx),
    ));
    for (o, p) in inst.output_paths.iter() {
        let mut octx = Context::default();
        octx.insert(Rc::from(format!("!{o}!{drv_path}").as_str()));
        out.push((o.clone(), Value::string_ctx(dir.print(p), octx)));
    }
    Ok(Value::attrs(Attrs::from_unsorted(
        out.into_iter()
            .map(|(n, v)| Attr {
                name: Sym::new(&n),
                value: v,
                pos: Pos::NONE,
            })
            .collect(),
    )))
}
