//! Control builtins: `throw`, `abort`, `tryEval`, `seq`, `deepSeq`, `trace`,
//! `addErrorContext`.

use super::make_attrs;
use crate::error::{EResult, ErrorKind, EvalError};
use crate::eval::Eval;
use crate::prim;
use crate::source::Pos;
use crate::value::{PrimOp, Value};

pub static OPS: &[PrimOp] = &[
    prim!("throw", 1, throw),
    prim!("abort", 1, abort),
    prim!("tryEval", 1, try_eval),
    prim!("seq", 2, strict 0b11, seq),
    prim!("deepSeq", 2, strict 0b1, deep_seq),
    prim!("trace", 2, trace),
    prim!("addErrorContext", 2, strict crate::value::CONTEXT, add_error_context),
];

// Like every coercion in Nix 2.8 that does not say otherwise, `throw`, `abort` and
// `addErrorContext` copy a path to the store.
// The message is the string's bytes, as Nix writes them.
fn throw(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let (msg, _) = ev.coerce_to_bytes(&a[0], pos, false, true)?;
    Err(EvalError::new_bytes(ErrorKind::Throw, msg, Pos::NONE))
}

fn abort(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    let (msg, _) = ev.coerce_to_bytes(&a[0], pos, false, true)?;
    let mut text = b"evaluation aborted with the following error message: '".to_vec();
    text.extend_from_slice(&msg);
    text.push(b'\'');
    Err(EvalError::new_bytes(ErrorKind::Abort, text, Pos::NONE))
}

fn try_eval(ev: &mut Eval, a: &[Value], _pos: Pos) -> EResult<Value> {
    match ev.force(&a[0]) {
        Ok(v) => Ok(make_attrs(vec![
            ("success", Value::Bool(true)),
            ("value", v),
        ])),
        Err(e) if e.is_catchable() => Ok(make_attrs(vec![
            ("success", Value::Bool(false)),
            ("value", Value::Bool(false)),
        ])),
        Err(e) => Err(e),
    }
}

fn seq(ev: &mut Eval, a: &[Value], _pos: Pos) -> EResult<Value> {
    ev.force(&a[0])?;
    ev.force(&a[1])
}

fn deep_seq(ev: &mut Eval, a: &[Value], _pos: Pos) -> EResult<Value> {
    ev.deep_force(&a[0])?;
    ev.force(&a[1])
}

fn trace(ev: &mut Eval, a: &[Value], _pos: Pos) -> EResult<Value> {
    let v = ev.force(&a[0])?;
    let mut line = b"trace: ".to_vec();
    match &v {
        Value::String(s) => line.extend_from_slice(s.as_bytes()),
        other => line.extend_from_slice(&crate::print::print_value_bytes(ev, other)?),
    }
    ev.io.trace(&line);
    ev.force(&a[1])
}

fn add_error_context(ev: &mut Eval, a: &[Value], pos: Pos) -> EResult<Value> {
    match ev.force(&a[1]) {
        Ok(v) => Ok(v),
        Err(e) => with_context(ev, e, &a[0], pos),
    }
}

/// Error `e` passing `addErrorContext` with context `msg`. Nix renders the context
/// when the error passes by, so a context that is not a string replaces the error
/// with its own.
pub(crate) fn with_context(
    ev: &mut Eval,
    mut e: Box<EvalError>,
    msg: &Value,
    pos: Pos,
) -> EResult<Value> {
    let (text, _) = ev.coerce_to_string(msg, pos, false, true)?;
    e.add_trace(Pos::NONE, text);
    Err(e)
}
