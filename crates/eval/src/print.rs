//! Printing values exactly as `nix-instantiate --eval` (Nix 2.8) does, and Nix's two float
//! formats: `%g`-like for printing, `%f` for `toString`.

use crate::error::EResult;
use crate::eval::Eval;
use crate::value::{TextOut, Value};
use nest_rc::Rc;
use std::collections::HashSet;

/// C++ `std::ostream << double` with the default precision 6 (like `%g`).
pub fn format_float(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    if x == 0.0 {
        return if x.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    let sci = format!("{:.5e}", x);
    let (mant, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_string(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    if !(-4..6).contains(&exp) {
        let mant = strip_zeros(&mant);
        let sign = if exp < 0 { '-' } else { '+' };
        format!("{mant}e{sign}{:02}", exp.abs())
    } else {
        let decimals = (5 - exp).max(0) as usize;
        strip_zeros(&format!("{:.*}", decimals, x))
    }
}

fn strip_zeros(s: &str) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s.to_string()
    }
}

/// C++ `std::to_string(double)` (`%f`), used by `toString` and string coercion.
pub fn float_to_string(x: f64) -> String {
    if x.is_nan() {
        return if x.is_sign_negative() {
            "-nan".into()
        } else {
            "nan".into()
        };
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    format!("{:.6}", x)
}

/// A string literal as Nix prints it.
pub fn escape_string(s: &str, out: &mut String) {
    escape_bytes(s.as_bytes(), out)
}

/// `escape_string` of a string's bytes, which are copied as they are (Nix prints a
/// string's bytes whether or not they are UTF-8).
pub fn escape_bytes(s: &[u8], out: &mut impl TextOut) {
    out.push('"');
    let mut run = 0;
    for (i, &c) in s.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            b'$' if s.get(i + 1) == Some(&b'{') => b"\\$",
            _ => continue,
        };
        out.push_bytes(&s[run..i]);
        out.push_bytes(esc);
        run = i + 1;
    }
    out.push_bytes(&s[run..]);
    out.push('"');
}

/// An attribute name as Nix 2.8 prints a symbol inside messages: bare when it is a
/// plain identifier, quoted and escaped otherwise.
pub fn symbol_display(s: &str) -> String {
    if is_plain_ident(s) {
        return s.to_string();
    }
    let mut out = String::new();
    escape_string(s, &mut out);
    out
}

/// Whether an attribute name can be printed bare.
pub fn is_plain_ident(s: &str) -> bool {
    // Nix 2.8 quotes `if` but no other keyword.
    if s == "if" {
        return false;
    }
    let mut cs = s.chars();
    match cs.next() {
        Some(c) if c.is_ascii_alphabetic() || c == '_' => {}
        _ => return false,
    }
    cs.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '\'' || c == '-')
}

/// Prints a value; thunks not yet evaluated print as `<CODE>`, shared non-empty
/// lists and sets print as `«repeated»` after their first occurrence.
pub fn print_value(ev: &mut Eval, v: &Value) -> EResult<String> {
    Ok(String::from_utf8_lossy(&print_value_bytes(ev, v)?).into_owned())
}

/// `print_value` with strings' bytes as they are.
pub fn print_value_bytes(ev: &mut Eval, v: &Value) -> EResult<Vec<u8>> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    print_inner(ev, v, v as *const Value as usize, &mut seen, &mut out)?;
    Ok(out)
}

/// `slot` identifies the value cell holding `v`. Nix stores lists of up to two elements
/// inside the value cell itself, so such lists are "the same" only when the cell is;
/// longer lists and sets are shared by pointer.
///
/// A value nested deeper than the stack allows (built by iteration, e.g. with `foldl'`,
/// so evaluating it never recursed) is the evaluator's stack-overflow error, not a crash.
fn print_inner(
    ev: &Eval,
    v: &Value,
    slot: usize,
    seen: &mut HashSet<usize>,
    out: &mut Vec<u8>,
) -> EResult<()> {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::String(s) => escape_bytes(s.as_bytes(), out),
        Value::Path(p) => out.push_str(p),
        Value::Attrs(a) => {
            if !a.is_empty() && !seen.insert(a.addr()) {
                out.push_str("«repeated»");
                return Ok(());
            }
            ev.check_stack()?;
            out.push_str("{ ");
            for at in a.entries().iter() {
                let n = at.name.as_str();
                if is_plain_ident(n) {
                    out.push_str(n);
                } else {
                    escape_bytes(at.name.as_bytes(), out);
                }
                out.push_str(" = ");
                // An attribute not evaluated yet prints as an unevaluated thunk does.
                match at.ready() {
                    Some(v) => {
                        print_inner(ev, &v, at as *const crate::value::Attr as usize, seen, out)?
                    }
                    None => out.push_str("<CODE>"),
                }
                out.push_str("; ");
            }
            out.push(b'}');
        }
        Value::List(l) => {
            let key = if l.len() <= 2 { slot } else { l.addr() };
            if !l.is_empty() && !seen.insert(key) {
                out.push_str("«repeated»");
                return Ok(());
            }
            ev.check_stack()?;
            out.push_str("[ ");
            for x in l.iter() {
                print_inner(ev, x, x as *const Value as usize, seen, out)?;
                out.push(b' ');
            }
            out.push(b']');
        }
        Value::Lambda(_) => out.push_str("<LAMBDA>"),
        Value::PrimOp(_) => out.push_str("<PRIMOP>"),
        Value::PrimOpApp(_) => out.push_str("<PRIMOP-APP>"),
        Value::Thunk(t) => match t.value() {
            Some(v) => print_inner(ev, &v, Rc::as_ptr(t) as usize, seen, out)?,
            None => out.push_str("<CODE>"),
        },
    }
    Ok(())
}
