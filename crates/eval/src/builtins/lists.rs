//! List builtins: `map filter head tail length elem elemAt concatLists concatMap foldl'
//! genList sort partition all any groupBy genericClosure`.

use super::make_attrs;
use crate::error::{err, AddTrace, EResult};
use crate::eval::{Call1, Eval};
use crate::prim;
use crate::source::Pos;
use crate::symbol::Sym;
use crate::value::{Attr, Attrs, Elems, List, PrimOp, Value};
use nest_rc::Rc;

pub static OPS: &[PrimOp] = &[
    prim!("map", 2, strict 0b10, map),
    prim!("filter", 2, strict 0b1, filter),
    prim!("head", 1, strict 0b1, head),
    prim!("tail", 1, strict 0b1, tail),
    prim!("length", 1, strict 0b1, |ev, a, pos| Ok(Value::Int(
        ev.expect_list(&a[0], pos)?.len() as i64
    ))),
    prim!("elem", 2, strict 0b10, elem),
    prim!("elemAt", 2, strict 0b10, elem_at),
    prim!("concatLists", 1, strict 0b1, concat_lists),
    prim!("concatMap", 2, strict 0b1, concat_map),
    prim!("foldl'", 3, strict 0b1, foldl),
    prim!("genList", 2, strict 0b10, gen_list),
    prim!("sort", 2, sort),
    prim!("partition", 2, partition),
    prim!("all", 2, strict 0b1, |ev, a, pos| all_any(ev, a, pos, true)),
    prim!("any", 2, strict 0b1, |ev, a, pos| all_any(ev, a, pos, false)),
    prim!("groupBy", 2, group_by),
    prim!("genericClosure", 1, generic_closure),
];

fn map(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[1], pos)?;
    let n = l.len();
    let m = Rc::new(Elems::Map {
        f: a[0].clone(),
        xs: l,
    });
    Ok(Value::List(List::build(n, |i| Elems::elem(&m, i))))
}

fn filter(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut out = Vec::with_capacity(l.len());
    let mut g = Call1::new(&f);
    for x in l.iter() {
        let r = g.call(ev, x.clone(), pos)?;
        if ev.expect_bool(&r, pos)? {
            out.push(x.clone());
        }
    }
    if out.len() == l.len() {
        return Ok(Value::List(l));
    }
    Ok(Value::list(out))
}

fn head(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[0], pos)?;
    match l.first() {
        Some(v) => ev.force(v),
        None => err("list index 0 is out of bounds", pos),
    }
}

fn tail(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[0], pos)?;
    if l.is_empty() {
        return err("'tail' called on an empty list", pos);
    }
    Ok(Value::List(List::build(l.len() - 1, |i| l[i + 1].clone())))
}

fn elem(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[1], pos)?;
    for x in l.iter() {
        if ev.eq_values(&a[0], x)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

fn elem_at(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    // Nix 2.8 forces the index first and passes it on as a C `int` (truncated).
    let i = ev.expect_int(&a[1], pos)? as i32;
    let l = ev.expect_list(&a[0], pos)?;
    if i < 0 || i as usize >= l.len() {
        return err(format!("list index {i} is out of bounds"), pos);
    }
    ev.force(&l[i as usize])
}

fn concat_lists(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let l = ev.expect_list(&a[0], pos)?;
    let mut lists = Vec::with_capacity(l.len());
    let mut total = 0;
    for x in l.iter() {
        let y = ev.expect_list(x, pos)?;
        total += y.len();
        lists.push(y);
    }
    // Nix 2.8 returns the only non-empty list itself, not a copy (which printing's
    // `«repeated»` shows).
    if let Some(only) = lists.iter().rev().find(|x| !x.is_empty()) {
        if only.len() == total {
            return Ok(Value::List(only.clone()));
        }
    }
    Ok(Value::List(List::concat(&lists, total)))
}

fn concat_map(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut lists = Vec::with_capacity(l.len());
    let mut total = 0;
    // Nix reports a non-list result at the function's position.
    let fpos = match &f {
        Value::Lambda(c) => c.lambda.pos,
        _ => pos,
    };
    let mut g = Call1::new(&f);
    for x in l.iter() {
        let r = g.call(ev, x.clone(), pos)?;
        let r = ev.force(&r)?;
        // Nix 2.8 adds this frame to the type error only.
        let r = ev
            .expect_list(&r, fpos)
            .trace(pos, || "while invoking 'concatMap'".to_string())?;
        total += r.len();
        lists.push(r);
    }
    // A copy even of a single list, as Nix 2.8 makes.
    Ok(Value::List(List::concat(&lists, total)))
}

fn foldl(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[2], pos)?;
    let mut acc = a[1].clone();
    if let Some(mut g) = Eval::curried2(&f, pos) {
        for x in l.iter() {
            acc = g.call(ev, acc, x.clone())?;
        }
        return ev.force(&acc);
    }
    for x in l.iter() {
        acc = ev.call2(&f, acc, x.clone(), pos)?;
    }
    ev.force(&acc)
}

/// The longest list `genList` makes (see `gen_list`).
const MAX_GEN_LIST: usize = 1 << 28;

fn gen_list(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let n = ev.expect_int(&a[1], pos)?;
    if n < 0 {
        return err(format!("cannot create list of size {n}"), pos);
    }
    let m = Rc::new(Elems::Gen { f: a[0].clone() });
    // `n` is not negative here; a length past `usize` could not be allocated anyway.
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    // A list too large for the memory is Nix's "out of memory" (no position), not a
    // failed allocation that ends the program. With overcommitted memory a reservation
    // of any size may succeed and only filling it fails (the kernel then kills the
    // process), so lengths past 2^28 elements (4 GiB here, more in Nix) are refused.
    // Built in place: through a `Vec` the elements were written twice, and the
    // vector's pages faulted in for nothing (bench/eval sort-fold, 1M elements).
    let list = if n > MAX_GEN_LIST {
        None
    } else {
        List::try_build(n, |i| Elems::elem(&m, i))
    };
    match list {
        Some(l) => Ok(Value::List(l)),
        None => err("out of memory", Pos::NONE),
    }
}

fn sort(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut v: Vec<Value> = Vec::with_capacity(l.len());
    // `sort lessThan` is common enough to skip the two calls per comparison.
    let is_less_than = matches!(&f, Value::PrimOp(op) if op.name == "lessThan");
    for x in l.iter() {
        v.push(if is_less_than {
            ev.force(x)?
        } else {
            x.clone()
        });
    }
    let mut err_out = None;
    let mut g = Eval::curried2(&f, pos);
    let mut less = |ev: &mut Eval, x: &Value, y: &Value| -> bool {
        if err_out.is_some() {
            return false;
        }
        let r = if is_less_than {
            match (x, y) {
                (Value::Int(p), Value::Int(q)) => Ok(p < q),
                _ => ev.less_than(x, y),
            }
        } else {
            match &mut g {
                Some(g) => g.call(ev, x.clone(), y.clone()),
                None => ev.call2(&f, x.clone(), y.clone(), pos),
            }
            .and_then(|b| ev.expect_bool(&b, pos))
        };
        match r {
            Ok(b) => b,
            Err(e) => {
                err_out = Some(e);
                false
            }
        }
    };
    merge_sort(ev, &mut v, &mut less);
    if let Some(e) = err_out {
        return Err(e);
    }
    Ok(Value::list(v))
}

/// Stable bottom-up merge sort. The comparator may be inconsistent (it is user code), so
/// std's sort, which may panic on a non-total order, is not used.
fn merge_sort(
    ev: &mut Eval,
    v: &mut Vec<Value>,
    less: &mut dyn FnMut(&mut Eval, &Value, &Value) -> bool,
) {
    let n = v.len();
    if n < 2 {
        return;
    }
    let mut src = std::mem::take(v);
    let mut dst: Vec<Value> = Vec::with_capacity(n);
    let mut width = 1;
    while width < n {
        dst.clear();
        let mut i = 0;
        while i < n {
            let mid = (i + width).min(n);
            let hi = (i + 2 * width).min(n);
            let (mut l, mut r) = (i, mid);
            while l < mid && r < hi {
                if less(ev, &src[r], &src[l]) {
                    dst.push(src[r].clone());
                    r += 1;
                } else {
                    dst.push(src[l].clone());
                    l += 1;
                }
            }
            dst.extend_from_slice(&src[l..mid]);
            dst.extend_from_slice(&src[r..hi]);
            i = hi;
        }
        std::mem::swap(&mut src, &mut dst);
        width *= 2;
    }
    *v = src;
}

fn partition(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let (mut right, mut wrong) = (Vec::new(), Vec::new());
    let mut g = Call1::new(&f);
    for x in l.iter() {
        let r = g.call(ev, x.clone(), pos)?;
        if ev.expect_bool(&r, pos)? {
            right.push(x.clone());
        } else {
            wrong.push(x.clone());
        }
    }
    Ok(make_attrs(vec![
        ("right", Value::list(right)),
        ("wrong", Value::list(wrong)),
    ]))
}

fn all_any(ev: &mut Eval, a: &[Value], pos: Pos, all: bool) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut g = Call1::new(&f);
    for x in l.iter() {
        let r = g.call(ev, x.clone(), pos)?;
        let b = ev.expect_bool(&r, pos)?;
        if b != all {
            return Ok(Value::Bool(!all));
        }
    }
    Ok(Value::Bool(all))
}

fn group_by(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let f = ev.expect_function(&a[0], pos)?;
    let l = ev.expect_list(&a[1], pos)?;
    let mut groups: std::collections::BTreeMap<Sym, Vec<Value>> = Default::default();
    let mut g = Call1::new(&f);
    for x in l.iter() {
        let k = g.call(ev, x.clone(), pos)?;
        let k = ev.force_name(&k, pos)?;
        groups.entry(k).or_default().push(x.clone());
    }
    Ok(Value::attrs(Attrs::from_sorted(
        groups
            .into_iter()
            .map(|(name, v)| Attr::new(name, Value::list(v), Pos::NONE))
            .collect(),
    )))
}

fn generic_closure(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let args = ev.expect_attrs(&a[0], pos)?;
    let Some(start) = args.get(Sym::new("startSet")) else {
        return Err(super::missing_for_call(
            "startSet",
            "genericClosure",
            &args,
            pos,
        ));
    };
    let mut work: std::collections::VecDeque<Value> =
        ev.expect_list(&start, pos)?.iter().cloned().collect();
    // Like Nix, the operator is looked up after the start set is forced and only
    // fails when it is called.
    let Some(op) = args.get(Sym::new("operator")) else {
        return Err(super::missing_for_call(
            "operator",
            "genericClosure",
            &args,
            pos,
        ));
    };
    let key = Sym::new("key");
    // Keys seen so far, sorted (Nix keeps them in an ordered set): a binary search
    // per item instead of comparing with every earlier key.
    let mut seen: Vec<Value> = Vec::new();
    let mut res = Vec::new();
    while let Some(item) = work.pop_front() {
        let s = ev.expect_attrs(&item, pos)?;
        let Some(k) = s.get(key) else {
            return err("attribute 'key' required", pos);
        };
        let k = ev.force(&k)?;
        let (mut lo, mut hi) = (0, seen.len());
        let mut found = false;
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match ev.compare(&k, &seen[mid])? {
                std::cmp::Ordering::Less => hi = mid,
                std::cmp::Ordering::Greater => lo = mid + 1,
                std::cmp::Ordering::Equal => {
                    found = true;
                    break;
                }
            }
        }
        if found {
            continue;
        }
        seen.insert(lo, k);
        res.push(item.clone());
        let next = ev.call(&op, item, pos)?;
        for n in ev.expect_list(&next, pos)?.iter() {
            work.push_back(n.clone());
        }
    }
    Ok(Value::list(res))
}

#[cfg(test)]
mod tests {
    /// `genericClosure` keeps the first item of each key, in the order met, over many
    /// keys reached in a scrambled order (the sorted key set's binary search).
    #[test]
    fn generic_closure_dedups_many_keys_in_order() {
        let e = "let m = x: x - (x / 101) * 101; \
                 r = builtins.genericClosure { startSet = [ { key = 0; } ]; \
                 operator = x: [ { key = m (x.key * 7 + 3); } { key = x.key; } { key = m (x.key * 5 + 1); } ]; }; \
                 in [ (builtins.length r) (map (x: x.key) (builtins.genList (i: builtins.elemAt r i) 12)) ]";
        let e = e.to_string();
        let r = crate::with_eval_thread(64 << 20, move || {
            crate::eval_string(Box::new(crate::io::MemIo::default()), &e, true, 64 << 20)
        })
        .unwrap_or_else(|_| Err("thread failed".into()));
        assert_eq!(
            r.as_deref(),
            Ok("[ 101 [ 0 3 1 24 16 10 6 70 20 14 81 73 ] ]")
        );
    }
}
