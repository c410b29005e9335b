//! Attribute-set builtins: `attrNames attrValues getAttr hasAttr removeAttrs listToAttrs
//! mapAttrs intersectAttrs catAttrs functionArgs zipAttrsWith unsafeGetAttrPos`.

use crate::error::{err, AddTrace, EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::prim;
use crate::source::Pos;
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Call, Elems, Pending, PrimOp, Thunk, Value};
use nest_rc::Rc;

pub static OPS: &[PrimOp] = &[
    prim!("attrNames", 1, strict 0b1, attr_names),
    prim!("attrValues", 1, strict 0b1, attr_values),
    prim!("getAttr", 2, get_attr),
    prim!("hasAttr", 2, has_attr),
    prim!("removeAttrs", 2, strict 0b1, remove_attrs),
    prim!("listToAttrs", 1, strict 0b1, list_to_attrs),
    prim!("mapAttrs", 2, strict 0b10, map_attrs),
    prim!("intersectAttrs", 2, intersect_attrs),
    prim!("catAttrs", 2, strict 0b1, cat_attrs),
    prim!("functionArgs", 1, function_args),
    prim!("zipAttrsWith", 2, strict 0b1, zip_attrs_with),
    prim!("unsafeGetAttrPos", 2, unsafe_get_attr_pos),
];

fn attr_names(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_attrs(&a[0], pos)?;
    Ok(Value::list(
        s.entries()
            .iter()
            .map(|e| Value::sym_string(e.name))
            .collect(),
    ))
}

fn attr_values(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_attrs(&a[0], pos)?;
    Ok(Value::list(s.entries().iter().map(|e| e.value()).collect()))
}

fn get_attr(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let name = ev.expect_string_no_ctx(&a[0], pos)?;
    let s = ev.expect_attrs(&a[1], pos)?;
    match s.get_attr(Sym::from_bytes(name.as_bytes())) {
        // Evaluated in the set's entry, as `s.name` would be.
        Some(x) => ev.force_attr(x),
        None => Err(get_attr_missing(name.as_bytes(), &s, pos)),
    }
}

#[cold]
#[inline(never)]
fn get_attr_missing(name: &[u8], s: &Attrs, pos: Pos) -> Box<crate::EvalError> {
    // Nix prints the name as an identifier: quoted unless it is a plain one, and its
    // bytes as they are.
    let mut shown = Vec::new();
    match std::str::from_utf8(name) {
        Ok(n) if crate::print::is_plain_ident(n) => shown.extend_from_slice(name),
        _ => crate::print::escape_bytes(name, &mut shown),
    }
    super::missing_for_call(&crate::text::lossless(&shown), "getAttr", s, pos)
}

fn has_attr(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let name = ev.force_name(&a[0], pos)?;
    let s = ev.expect_attrs(&a[1], pos)?;
    Ok(Value::Bool(s.get(name).is_some()))
}

fn remove_attrs(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_attrs(&a[0], pos)?;
    let names = ev.expect_list(&a[1], pos)?;
    let mut remove = Vec::with_capacity(names.len());
    for n in names.iter() {
        remove.push(ev.force_name(n, pos)?);
    }
    let entries: Vec<Attr> = s
        .entries()
        .iter()
        .filter(|e| !remove.contains(&e.name))
        .cloned()
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn list_to_attrs(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[0], pos)?;
    let mut entries: Vec<Attr> = Vec::with_capacity(l.len());
    for item in l.iter() {
        let s = ev.expect_attrs(item, pos)?;
        let Some(n) = s.get_attr(ev.syms.name).cloned() else {
            return Err(super::missing_for_call("name", "listToAttrs", &s, pos));
        };
        let name = ev.force_name(&n.value(), n.pos().or(pos))?;
        let Some(attr) = s.get_attr(ev.syms.value) else {
            return Err(super::missing_for_call("value", "listToAttrs", &s, pos));
        };
        entries.push(Attr::new(name, attr.value(), attr.pos()));
    }
    // The first occurrence of a name wins.
    entries.reverse();
    Ok(Value::attrs(Attrs::from_unsorted(entries)))
}

fn map_attrs(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let s = ev.expect_attrs(&a[1], pos)?;
    let m = Rc::new(Elems::Attrs {
        f: a[0].clone(),
        set: s.clone(),
    });
    let entries = s
        .entries()
        .iter()
        .enumerate()
        .map(|(i, e)| {
            // Nix 2.8 gives the new attributes no position.
            match u32::try_from(i) {
                Ok(i) => Attr::elem(e.name, m.clone(), i),
                Err(_) => Attr::new(e.name, Elems::elem(&m, i), Pos::NONE),
            }
        })
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn intersect_attrs(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let x = ev.expect_attrs(&a[0], pos)?;
    let y = ev.expect_attrs(&a[1], pos)?;
    let entries = y
        .entries()
        .iter()
        .filter(|e| x.get(e.name).is_some())
        .cloned()
        .collect();
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn cat_attrs(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let name = ev.force_name(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut out = Vec::new();
    for item in l.iter() {
        let s = ev.expect_attrs(item, pos)?;
        if let Some(v) = s.get(name) {
            out.push(v.clone());
        }
    }
    Ok(Value::list(out))
}

fn function_args(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    match ev.force(&a[0])? {
        Value::Lambda(c) => match &c.lambda.formals {
            None => Ok(Value::attrs(Attrs::new())),
            Some(f) => Ok(Value::attrs(Attrs::from_unsorted(
                f.entries
                    .iter()
                    .map(|x| Attr::new(x.name, Value::Bool(x.default.is_some()), x.pos))
                    .collect(),
            ))),
        },
        Value::PrimOp(_) | Value::PrimOpApp(_) => Ok(Value::attrs(Attrs::new())),
        _ => err("'functionArgs' requires a function", pos),
    }
}

fn zip_attrs_with(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut held = Vec::with_capacity(l.len());
    for item in l.iter() {
        // Nix 2.8 forces the elements without a position and adds this frame to the
        // type error only.
        let item = ev.force(item)?;
        let s = ev
            .expect_attrs(&item, Pos::NONE)
            .trace(pos, || "while invoking 'zipAttrsWith'".to_string())?;
        held.push(s);
    }
    // Every (name, set, entry), set after set: runs already in name order, which the
    // stable sort merges (keeping the sets' order within a name) instead of a map
    // growing a vector per name.
    let sets: Vec<&[Attr]> = held.iter().map(Attrs::entries).collect();
    let total = sets.iter().map(|s| s.len()).sum();
    let mut all: Vec<(Sym, u32, u32)> = Vec::with_capacity(total);
    for (i, s) in sets.iter().enumerate() {
        for (j, e) in s.iter().enumerate() {
            all.push((e.name, i as u32, j as u32));
        }
    }
    all.sort_by_key(|x| x.0);
    let mut entries = Vec::new();
    let mut rest = &all[..];
    while let Some(&(name, _, _)) = rest.first() {
        let n = rest.iter().take_while(|x| x.0 == name).count();
        let (group, more) = rest.split_at(n);
        rest = more;
        let vals = crate::value::List::build(n, |k| {
            let (_, i, j) = group[k];
            sets[i as usize][j as usize].value()
        });
        let call = Call {
            f: f.clone(),
            x: Value::sym_string(name),
            y: Some(Value::List(vals)),
        };
        entries.push(Attr::new(
            name,
            Thunk::new(Pending::Call(Rc::new(call))),
            Pos::NONE,
        ));
    }
    Ok(Value::attrs(Attrs::from_sorted(entries)))
}

fn unsafe_get_attr_pos(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let name = ev.force_name(&a[0], pos)?;
    let s = ev.expect_attrs(&a[1], pos)?;
    match s.get_attr(name) {
        Some(at) => Ok(ev.pos_attrs(at.pos())),
        None => Ok(Value::Null),
    }
}

#[allow(dead_code)]
fn missing(name: &str, pos: Pos) -> Box<EvalError> {
    EvalError::new(ErrorKind::Eval, format!("attribute '{name}' missing"), pos)
}

#[allow(dead_code)]
fn _rc(_: Attrs) {}
