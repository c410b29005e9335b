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
    prim!("lessThan", 2, |ev, a, _| Ok(Value::Bool(ev.less_than(&a[0], &a[1])?))),
    prim!("bitAnd", 2, |ev, a, pos| Ok(Value::Int(ev.expect_int(&a[0], pos)? & ev.expect_int(&a[1], pos)?))),
    prim!("bitOr", 2, |ev, a, pos| Ok(Value::Int(ev.expect_int(&a[0], pos)? | ev.expect_int(&a[1], pos)?))),
    prim!("bitXor", 2, |ev, a, pos| Ok(Value::Int(ev.expect_int(&a[0], pos)? ^ ev.expect_int(&a[1], pos)?))),
    prim!("ceil", 1, |ev, a, pos| round(ev, a, pos, f64::ceil)),
    prim!("floor", 1, |ev, a, pos| round(ev, a, pos, f64::floor)),
];

fn add(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let x = ev.expect_number(&a[0], pos)?;
    let y = ev.expect_number(&a[1], pos)?;
    ev.add(&x, &y, pos, pos)
}

fn arith(ev: &mut Eval, op: BinOp, a: &[Value], pos: Pos) -> EResult<Value> {
    let x = ev.expect_number(&a[0], pos)?;
    let y = ev.expect_number(&a[1], pos)?;
    ev.arith(op, &x, &y, pos)
}

fn round(ev: &mut Eval, a: &[Value], pos: Pos, f: fn(f64) -> f64) -> EResult<Value> {
    match ev.expect_number(&a[0], pos)? {
        Value::Int(i) => Ok(Value::Int(i)),
        Value::Float(x) => Ok(Value::Int(f(x) as i64)),
        o => err(format!("value is {} while a float was expected", o.type_phrase()), pos),
    }
}
