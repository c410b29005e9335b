//! A complete printed form of IR (every field, positions included), so that two
//! front-ends can be compared for identical output.

use crate::ir::*;
use crate::source::Pos;
use crate::value::Value;
use std::fmt::Write;

/// Prints `e` as an S-expression; equal texts mean equal IR.
pub fn dump(e: E) -> String {
    let mut out = String::new();
    expr(e, &mut out);
    out
}

fn pos(p: Pos, out: &mut String) {
    if p.is_none() {
        out.push_str("@-");
    } else {
        let _ = write!(out, "@{}", p.index());
    }
}

fn value(v: &Value, out: &mut String) {
    let _ = match v {
        Value::Null => write!(out, "null"),
        Value::Bool(b) => write!(out, "{b}"),
        Value::Int(i) => write!(out, "int:{i}"),
        Value::Float(f) => write!(out, "float:{:x}", f.to_bits()),
        Value::String(s) => write!(out, "str:{:?}", s.to_str()),
        Value::Path(p) => write!(out, "path:{p:?}"),
        // Globals are shared values: the same object on both sides.
        Value::PrimOp(p) => write!(out, "primop:{}", p.name),
        Value::Attrs(a) => write!(out, "attrs:{:#x}", a.addr()),
        Value::List(a) => write!(out, "list:{:#x}", a.addr()),
        Value::Lambda(a) => write!(out, "lambda:{:p}", nest_rc::Rc::as_ptr(a)),
        Value::PrimOpApp(a) => write!(out, "primopapp:{:p}", nest_rc::Rc::as_ptr(a)),
        Value::Thunk(a) => write!(out, "thunk:{:p}", nest_rc::Rc::as_ptr(a)),
    };
}

fn parts(ps: &[StrPart], out: &mut String) {
    for p in ps {
        out.push(' ');
        match p {
            StrPart::Lit(l) => {
                let _ = write!(out, "{l:?}");
            }
            StrPart::Expr(e, p) => {
                out.push_str("${");
                expr(e, out);
                pos(*p, out);
                out.push('}');
            }
        }
    }
}

fn path(ks: &[AttrKey], out: &mut String) {
    out.push('[');
    for k in ks {
        match k {
            AttrKey::Static(s, _) => {
                let _ = write!(out, " {:?}", s.as_str());
            }
            AttrKey::Dynamic(e, p) => {
                out.push_str(" ${");
                expr(e, out);
                pos(*p, out);
                out.push('}');
            }
        }
    }
    out.push_str(" ]");
}

/// `e.path`, or `e.path or default`.
fn select(e: &Expr, ks: &[AttrKey], default: Option<&Expr>, p: Pos, out: &mut String) {
    out.push_str("select");
    pos(p, out);
    out.push(' ');
    expr(e, out);
    out.push(' ');
    path(ks, out);
    if let Some(d) = default {
        out.push_str(" or ");
        expr(d, out);
    }
}

fn expr(e: &Expr, out: &mut String) {
    out.push('(');
    match e {
        Expr::Const(v) => {
            out.push_str("const ");
            value(v, out);
        }
        Expr::Var {
            depth,
            slot,
            pos: p,
            ..
        } => {
            let _ = write!(out, "var {depth} {slot}");
            pos(*p, out);
        }
        Expr::WithVar {
            name,
            withs,
            pos: p,
            ..
        } => {
            let _ = write!(out, "withvar {:?} {:?}", name.as_str(), withs);
            pos(*p, out);
        }
        Expr::Str { parts: ps, pos: p } => {
            out.push_str("str");
            pos(*p, out);
            parts(ps, out);
        }
        Expr::PathInterp { parts: ps, pos: p } => {
            out.push_str("pathinterp");
            pos(*p, out);
            parts(ps, out);
        }
        Expr::SearchPath { name, pos: p } => {
            let _ = write!(out, "searchpath {name:?}");
            pos(*p, out);
        }
        Expr::HomePath { rest, pos: p } => {
            let _ = write!(out, "homepath {rest:?}");
            pos(*p, out);
        }
        Expr::List(items) => {
            out.push_str("list");
            for i in items.iter() {
                out.push(' ');
                expr(i, out);
            }
        }
        Expr::Attrs(a, p) => {
            let _ = write!(out, "attrs rec={}", a.rec);
            pos(*p, out);
            for s in &a.statics {
                let _ = write!(out, " {:?}", s.name.as_str());
                pos(s.pos, out);
                out.push('=');
                expr(s.value, out);
            }
            for d in &a.dynamics {
                out.push_str(" dyn ");
                expr(d.key, out);
                pos(d.pos, out);
                out.push('=');
                expr(d.value, out);
            }
        }
        Expr::Let {
            frame_size,
            bindings,
            body,
        } => {
            let _ = write!(out, "let {frame_size}");
            for b in bindings.iter() {
                out.push(' ');
                expr(b, out);
            }
            out.push_str(" in ");
            expr(body, out);
        }
        Expr::Select {
            e,
            path: ks,
            pos: p,
        } => select(e, ks, None, *p, out),
        Expr::SelectOr { e, or, pos: p } => select(e, &or.path, Some(or.default), *p, out),
        Expr::HasAttr {
            e,
            path: ks,
            pos: p,
        } => {
            out.push_str("hasattr");
            pos(*p, out);
            out.push(' ');
            expr(e, out);
            out.push(' ');
            path(ks, out);
        }
        Expr::Lambda(l) => {
            let _ = write!(
                out,
                "lambda name={:?} at={:?} size={}",
                l.name.get().map(|s| s.as_str()),
                l.at_name.map(|s| s.as_str()),
                l.frame_size
            );
            pos(l.pos, out);
            if let Some(f) = &l.formals {
                let _ = write!(out, " formals(ellipsis={} at={:?}", f.ellipsis, f.at);
                for x in &f.entries {
                    let _ = write!(out, " {:?}", x.name.as_str());
                    pos(x.pos, out);
                    if let Some(d) = x.default {
                        out.push('?');
                        expr(d, out);
                    }
                }
                out.push(')');
            }
            out.push(' ');
            expr(l.body, out);
        }
        Expr::Apply { f, args, pos: p } => {
            out.push_str("apply");
            pos(*p, out);
            out.push(' ');
            expr(f, out);
            for a in args.iter() {
                out.push(' ');
                expr(a, out);
            }
        }
        Expr::If {
            cond,
            then,
            els,
            pos: p,
        } => {
            out.push_str("if");
            pos(*p, out);
            for x in [cond, then, els] {
                out.push(' ');
                expr(x, out);
            }
        }
        Expr::Assert {
            cond,
            body,
            text,
            pos: p,
        } => {
            let _ = write!(out, "assert {text:?}");
            pos(*p, out);
            out.push(' ');
            expr(cond, out);
            out.push(' ');
            expr(body, out);
        }
        Expr::With { ns, body, pos: p } => {
            out.push_str("with");
            pos(*p, out);
            out.push(' ');
            expr(ns, out);
            out.push(' ');
            expr(body, out);
        }
        Expr::Not(x, p) => {
            out.push_str("not");
            pos(*p, out);
            out.push(' ');
            expr(x, out);
        }
        Expr::Neg(x, p) => {
            out.push_str("neg");
            pos(*p, out);
            out.push(' ');
            expr(x, out);
        }
        Expr::Bin {
            op,
            l,
            r,
            pos: p,
            rpos,
        } => {
            let _ = write!(out, "{op:?}");
            pos(*p, out);
            pos(*rpos, out);
            out.push(' ');
            expr(l, out);
            out.push(' ');
            expr(r, out);
        }
        Expr::CurPos(p) => {
            out.push_str("curpos");
            pos(*p, out);
        }
        Expr::DerivationBody(b) => {
            out.push_str("derivation-body ");
            expr(b.fallback, out);
        }
    }
    out.push(')');
}
