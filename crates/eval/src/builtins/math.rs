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

/// The two operands of `add`: Nix asks for floats when either is
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
    // Nix forces both operands in order; `div` then checks its divisor first (in
    // `arith`, which also words the type errors).
    let x = ev.force(&a[0])?;
    let y = ev.force(&a[1])?;
    ev.arith(op, &x, &y, pos)
}

fn round(ev: &mut Eval, a: &[Value], pos: Pos, f: fn(f64) -> f64) -> EResult<Value> {
    // Nix 2.8 forces a float (an integer is converted, losing precision past 2^53)
    // and converts the result back with C++'s double-to-int64 conversion, which on
    // x86-64 gives i64::MIN for NaN and out-of-range values (Rust's `as` saturates).
    let x = match ev.expect_number(&a[0], pos)? {
        Value::Int(i) => i as f64,
        Value::Float(x) => x,
        o => {
            return err(
                format!("value is {} while a float was expected", o.type_phrase()),
                pos,
            )
        }
    };
    Ok(Value::Int(float_to_int(f(x))))
}

/// C++'s `(int64_t) double` on x86-64 (`cvttsd2si`): truncation, and i64::MIN when
/// the value is NaN or does not fit.
pub fn float_to_int(x: f64) -> i64 {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if x.is_nan() || !(-LIMIT..LIMIT).contains(&x) {
        i64::MIN
    } else {
        x as i64
    }
}

#[cfg(test)]
mod tests {
    use super::float_to_int;

    #[test]
    fn float_to_int_is_x86_truncation() {
        assert_eq!(float_to_int(1.9), 1);
        assert_eq!(float_to_int(-1.9), -1);
        assert_eq!(float_to_int(9_223_372_036_854_775_807.0), i64::MIN);
        assert_eq!(float_to_int(-9_223_372_036_854_775_808.0), i64::MIN);
        assert_eq!(float_to_int(-1e300), i64::MIN);
        assert_eq!(float_to_int(f64::NAN), i64::MIN);
        assert_eq!(float_to_int(9_007_199_254_740_992.0), 9_007_199_254_740_992);
    }
}
