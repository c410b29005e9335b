//! Arithmetic and bit operations: `add sub mul div lessThan bitAnd bitOr bitXor ceil floor`.

use crate::error::{err, EResult};
use crate::eval::Eval;
use crate::ir::BinOp;
use crate::prim;
use crate::source::Pos;
use crate::value::{PrimOp, Value};

pub static OPS: &[PrimOp] = &[
    prim!("add", 2, add),
    prim!("sub", 2, |ev, a, pos| arith(ev, BinOp::Sub, a, pos)),
    prim!("mul", 2, |ev, a, pos| arith(ev, BinOp::Mul, a, pos)),
    prim!("div", 2, |ev, a, pos| arith(ev, BinOp::Div, a, pos)),
    prim!("lessThan", 2, |ev, a, _| Ok(Value::Bool(
        ev.less_than(&a[0], &a[1])?
    ))),
    prim!("bitAnd", 2, |ev, a, pos| Ok(Value::Int(
        ev.expect_int(&a[0], pos)? & ev.expect_int(&a[1], pos)?
    ))),
    prim!("bitOr", 2, |ev, a, pos| Ok(Value::Int(
        ev.expect_int(&a[0], pos)? | ev.expect_int(&a[1], pos)?
    ))),
    prim!("bitXor", 2, |ev, a, pos| Ok(Value::Int(
        ev.expect_int(&a[0], pos)? ^ ev.expect_int(&a[1], pos)?
    ))),
    prim!("ceil", 1, |ev, a, pos| round(ev, a, pos, f64::ceil)),
    prim!("floor", 1, |ev, a, pos| round(ev, a, pos, f64::floor)),
];

/// The two operands of `add`, `sub` and `mul`: Nix asks for floats when either is
/// a float and for integers otherwise, which decides the wording of type errors.
fn operands(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<(Value, Value)> {
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    let want_float = matches!(x, Value::Float(_)) || matches!(y, Value::Float(_));
    for v in [&x, &y] {
        match (v, want_float) {
            (Value::Int(_), false) | (Value::Int(_) | Value::Float(_), true) => {}
            (o, false) => {
                return err(
                    format!("value is {} while an integer was expected", o.type_phrase()),
                    pos,
                )
            }
            (o, true) => {
                return err(
                    format!("value is {} while a float was expected", o.type_phrase()),
                    pos,
                )
            }
        }
    }
    Ok((x, y))
}

fn add(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let (x, y) = operands(ev, a, pos)?;
    ev.add(&x, &y, pos, pos)
}

fn arith(ev: &mut Eval, op: BinOp, a: &[Value], pos: Pos) -> EResult<Value> {
    if op == BinOp::Div {
        // `div` checks its divisor as a float first.
        let x = ev.expect_number(&a[0], pos)?;
        let y = ev.expect_number(&a[1], pos)?;
        return ev.arith(op, &x, &y, pos);
    }
    let (x, y) = operands(ev, a, pos)?;
    ev.arith(op, &x, &y, pos)
}

fn round(ev: &mut Eval, a: &[Value], pos: Pos, f: fn(f64) -> f64) -> EResult<Value> {
    match ev.expect_number(&a[0], pos)? {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(x) => Ok(Value::Int(f(x) as i64)),
        o => err(
            format!("value is {} while a float was expected", o.type_phrase()),
            pos,
        ),
    }
}
