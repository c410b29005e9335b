//! Type predicates and `typeOf`.

use crate::error::EResult;
use crate::eval::Eval;
use crate::prim;
use crate::source::Pos;
use crate::value::{PrimOp, Value};

pub static OPS: &[PrimOp] = &[
    prim!("isAttrs", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::Attrs(_)
    )))),
    prim!("isBool", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::Bool(_)
    )))),
    prim!("isFloat", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::Float(_)
    )))),
    prim!("isInt", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::Int(_)
    )))),
    prim!("isList", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::List(_)
    )))),
    prim!("isNull", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::Null
    )))),
    prim!("isPath", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::Path(_)
    )))),
    prim!("isString", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(matches!(
        ev.force(&a[0])?,
        Value::String(_)
    )))),
    prim!("isFunction", 1, strict 0b1, |ev, a, _| Ok(Value::Bool(
        ev.force(&a[0])?.is_function()
    ))),
    prim!("typeOf", 1, strict 0b1, type_of),
];

fn type_of(ev: &mut Eval, a: &[Value], _pos: Pos) -> EResult<Value> {
    Ok(Value::string(ev.force(&a[0])?.type_of()))
}
