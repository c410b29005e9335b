//! Lowering of the fast parser's tree into IR, with the same scope pass as
//! `crate::lower` (nested attribute paths merged, `rec`/`let` frames, `with` chains,
//! variables resolved to (depth, slot), lambda names from their attributes). Anything
//! that would be an error there is a refusal here: the rnix path reports it.

use super::ast::*;
use super::lex::Refused;
use crate::ir::{
    self, leak, AttrKey, AttrsExpr, DynamicAttr, Expr, Formal, Formals, FrameDefs, Hint, E,
};
use crate::source::Pos;
use crate::symbol::{Sym, SymMap};
use crate::value::Value;
use std::borrow::Cow;
use std::collections::HashMap;

type R<X> = Result<X, Refused>;

enum Scope {
    Frame(Frame),
    With,
}

/// Names of one frame and their slots (`Resolver::innermost` finds a name's slot).
struct Frame {
    names: Vec<(Sym, u32)>,
    /// Where a lazily filled frame (`let`, default arguments) keeps its definitions.
    defs: Option<&'static FrameDefs>,
}

impl Frame {
    fn new(names: Vec<(Sym, u32)>) -> Self {
        Frame { names, defs: None }
    }

    /// No name twice (checked for formals; `let` and `rec` bindings are merged by
    /// name before their frame is made).
    fn distinct(&self) -> bool {
        let n = &self.names;
        if n.len() <= LINEAR {
            return n
                .iter()
                .enumerate()
                .all(|(i, (s, _))| n[..i].iter().all(|(t, _)| t != s));
        }
        let mut seen = SymMap::default();
        n.iter().all(|(s, _)| seen.insert(*s, ()).is_none())
    }
}

pub struct Resolver<'g, 's> {
    pub file: u32,
    pub src: &'s str,
    pub base_dir: &'s str,
    scopes: Vec<Scope>,
    /// For each name (by symbol id) bound by a scope in `scopes`, its innermost
    /// binding (an index into `bindings`; `NO_BINDING` for none), so that a variable
    /// is resolved without walking the scopes.
    innermost: Vec<u32>,
    /// The bindings of the pushed frames, in push order (a stack: a frame's are the
    /// last ones when it is popped), each linked to the binding it hides.
    bindings: Vec<Binding>,
    /// The indices in `scopes` of the `with`s, innermost last.
    withs: Vec<u32>,
    globals: &'g HashMap<Sym, Value>,
    /// Lookups in `globals` (a SipHash map) for names seen before.
    global_cache: std::cell::RefCell<SymMap<Option<&'g Value>>>,
    cur_pos: Sym,
    body: Sym,
    empty: Sym,
}

/// A name bound by a pushed frame: the frame's index in `Resolver::scopes`, the
/// name's slot, and the binding of the same name it hides (`NO_BINDING` if none).
struct Binding {
    scope: u32,
    slot: u32,
    hides: u32,
}

const NO_BINDING: u32 = u32::MAX;

/// A function whose frame is pushed and whose body is still to come.
pub struct LambdaHead {
    pos: Pos,
    formals: Option<Box<Formals>>,
    at_name: Option<Sym>,
    frame_size: u32,
}

/// A `let` whose frame is pushed and whose body is still to come.
pub struct LetHead {
    frame_size: u32,
    bindings: Vec<E>,
}

/// The bindings of a set lowered one at a time (`Resolver::stream_entry`).
#[derive(Default)]
pub struct StreamedSet {
    statics: Vec<(Sym, E, Pos)>,
}

/// Attribute set under construction (nested attribute paths are merged here first).
struct PAttrs<'a> {
    rec: bool,
    statics: Vec<(Sym, PVal<'a>, Pos)>,
    dynamics: Vec<(&'a Attr<'a>, PVal<'a>, Pos)>,
    /// Name → index in `statics`, kept once the set is large enough that a linear
    /// search per binding would make big sets quadratic.
    index: SymMap<usize>,
}

const LINEAR: usize = 8;

impl<'a> PAttrs<'a> {
    fn new(rec: bool) -> Self {
        Self::with_capacity(rec, 0)
    }
    /// Room for `n` names (a set literal's entries: one name each, more for an
    /// `inherit`), so that a large set's list is not copied as it grows.
    fn with_capacity(rec: bool, n: usize) -> Self {
        PAttrs {
            rec,
            statics: Vec::with_capacity(n),
            dynamics: Vec::new(),
            index: SymMap::default(),
        }
    }
    fn find(&self, name: Sym) -> Option<usize> {
        if self.statics.len() <= LINEAR {
            self.statics.iter().position(|(s, _, _)| *s == name)
        } else {
            self.index.get(&name).copied()
        }
    }
    fn push(&mut self, name: Sym, v: PVal<'a>, pos: Pos) {
        self.statics.push((name, v, pos));
        let n = self.statics.len();
        if n == LINEAR + 1 {
            self.index = self
                .statics
                .iter()
                .enumerate()
                .map(|(i, (s, _, _))| (*s, i))
                .collect();
        } else if n > LINEAR + 1 {
            self.index.insert(name, n - 1);
        }
    }
}

enum PVal<'a> {
    Ast(&'a Node<'a>),
    Nested(PAttrs<'a>),
    InheritVar(Sym, Pos),
    InheritFrom(&'a Node<'a>, Sym, Pos),
}

fn check_frame(n: usize) -> R<()> {
    if n > crate::value::MAX_FRAME {
        return Err(Refused);
    }
    Ok(())
}

/// Adds one inherited name to a set being built: `inherit (from) a` takes `a` from
/// `from`, a plain `inherit a` looks the variable up where `var_pos` says (the two
/// callers place positions differently, as the rnix path does). A name the set has
/// already is refused (the rnix path reports it).
fn inherit_one<'a>(
    pa: &mut PAttrs<'a>,
    from: Option<&'a Node<'a>>,
    a: &Attr<'_>,
    apos: Pos,
    var_pos: Pos,
) -> R<()> {
    let name = static_name(a).ok_or(Refused)?;
    if pa.find(name).is_some() {
        return Err(Refused);
    }
    let v = match from {
        Some(f) => PVal::InheritFrom(f, name, var_pos),
        None => PVal::InheritVar(name, var_pos),
    };
    pa.push(name, v, apos);
    Ok(())
}

/// The name of an attribute if it is known before evaluation: identifiers, strings
/// without interpolation, and `${"literal"}`.
fn static_name(a: &Attr<'_>) -> Option<Sym> {
    match &a.kind {
        AttrKind::Ident(s) => Some(*s),
        AttrKind::Str(parts) => str_literal(parts).map(|s| Sym::new(&s)),
        AttrKind::Dynamic(d) => match &d.kind {
            Kind::Str(parts) => str_literal(parts).map(|s| Sym::new(&s)),
            _ => None,
        },
    }
}

fn str_literal<'a>(parts: &[StrPart<'a>]) -> Option<Cow<'a, str>> {
    match parts {
        [] => Some(Cow::Borrowed("")),
        [StrPart::Lit(l)] => Some(Cow::Borrowed(l)),
        _ => {
            let mut out = String::new();
            for p in parts {
                match p {
                    StrPart::Lit(l) => out.push_str(l),
                    StrPart::Interp(..) => return None,
                }
            }
            Some(Cow::Owned(out))
        }
    }
}

fn nonrec_set<'a>(n: &Node<'a>) -> Option<&'a [Entry<'a>]> {
    match &n.kind {
        Kind::Attrs {
            rec: false,
            entries,
            ..
        } => Some(*entries),
        _ => None,
    }
}

thread_local! {
    /// The last resolver's `innermost` table, every entry back at `NO_BINDING`: it is
    /// as long as the largest symbol id bound so far, and making it anew for every file
    /// (a thousand module files in one evaluation) cost more than lowering a small one.
    static SPARE_INNERMOST: std::cell::Cell<Vec<u32>> = const { std::cell::Cell::new(Vec::new()) };
}

impl Drop for Resolver<'_, '_> {
    fn drop(&mut self) {
        // Popping every scope (an error can leave some) restores each entry the
        // resolver set to what it hid, which for the outermost is `NO_BINDING`.
        while !self.scopes.is_empty() {
            self.pop_scope();
        }
        debug_assert!(self.innermost.iter().all(|&b| b == NO_BINDING));
        SPARE_INNERMOST.set(std::mem::take(&mut self.innermost));
    }
}

impl<'g, 's> Resolver<'g, 's> {
    pub fn new(
        file: u32,
        src: &'s str,
        base_dir: &'s str,
        globals: &'g HashMap<Sym, Value>,
        names: Option<&[Sym]>,
    ) -> Self {
        let mut r = Resolver {
            file,
            src,
            base_dir,
            scopes: Vec::new(),
            innermost: SPARE_INNERMOST.take(),
            bindings: Vec::new(),
            withs: Vec::new(),
            globals,
            global_cache: Default::default(),
            cur_pos: Sym::new("__curPos"),
            body: Sym::new("body"),
            empty: Sym::new(""),
        };
        if let Some(names) = names {
            let frame = names
                .iter()
                .enumerate()
                .map(|(i, s)| (*s, i as u32))
                .collect();
            r.push_frame(Frame::new(frame));
        }
        r
    }

    /// Pushes a frame and makes its names the innermost bindings of those names.
    fn push_frame(&mut self, f: Frame) {
        let scope = self.scopes.len() as u32;
        for &(name, slot) in &f.names {
            let id = name.id() as usize;
            if id >= self.innermost.len() {
                self.innermost.resize(id + 1 + id / 2, NO_BINDING);
            }
            let hides = std::mem::replace(&mut self.innermost[id], self.bindings.len() as u32);
            self.bindings.push(Binding { scope, slot, hides });
        }
        self.scopes.push(Scope::Frame(f));
    }

    /// Pushes a `with`.
    fn push_with(&mut self) {
        self.withs.push(self.scopes.len() as u32);
        self.scopes.push(Scope::With);
    }

    /// Pops the innermost scope, frame or `with`, and the bindings it made.
    fn pop_scope(&mut self) {
        match self.scopes.pop() {
            Some(Scope::Frame(f)) => {
                for &(name, _) in f.names.iter().rev() {
                    let Some(b) = self.bindings.pop() else { break };
                    self.innermost[name.id() as usize] = b.hides;
                }
            }
            Some(Scope::With) => {
                self.withs.pop();
            }
            None => {}
        }
    }

    #[inline]
    pub fn pos(&self, off: u32) -> Pos {
        Pos::at(self.file, off)
    }

    /// The variable `name` at `pos`, looked up past the innermost `skip` scopes: its
    /// innermost binding by a frame (whatever `with`s lie between), else a builtin
    /// constant, else a look-up in the `with`s, innermost first.
    fn resolve(&self, name: Sym, pos: Pos, skip: usize) -> R<Expr> {
        let n = self.scopes.len();
        // Scopes at this index and above are skipped.
        let limit = n.saturating_sub(skip) as u32;
        let mut at = self
            .innermost
            .get(name.id() as usize)
            .copied()
            .unwrap_or(NO_BINDING);
        while let Some(b) = self.bindings.get(at as usize) {
            if b.scope < limit {
                let Scope::Frame(f) = &self.scopes[b.scope as usize] else {
                    break;
                };
                return Ok(Expr::Var {
                    depth: (n - 1 - b.scope as usize) as u32,
                    slot: b.slot,
                    pos,
                    defs: f.defs,
                });
            }
            at = b.hides;
        }
        let global = *self
            .global_cache
            .borrow_mut()
            .entry(name)
            .or_insert_with(|| self.globals.get(&name));
        if let Some(v) = global {
            return Ok(Expr::Const(v.clone()));
        }
        // Every scope, `with` included, is one frame on the way out.
        let withs: Box<[u32]> = self
            .withs
            .iter()
            .rev()
            .filter(|&&w| w < limit)
            .map(|&w| (n - 1 - w as usize) as u32)
            .collect();
        if withs.is_empty() {
            return Err(Refused);
        }
        Ok(Expr::WithVar {
            name,
            withs,
            pos,
            hint: Hint::default(),
        })
    }

    pub fn expr(&mut self, n: &Node<'_>) -> R<E> {
        Ok(leak(self.expr_inner(n)?))
    }

    fn expr_inner(&mut self, n: &Node<'_>) -> R<Expr> {
        let pos = self.pos(n.start);
        Ok(match &n.kind {
            Kind::Paren(e) => return self.expr_inner(e),
            Kind::Int(v) => Expr::Const(Value::Int(*v)),
            Kind::Float(v) => Expr::Const(Value::Float(*v)),
            Kind::Uri => Expr::Const(Value::string(self.span(n))),
            Kind::Ident(name) => {
                if *name == self.cur_pos {
                    return Ok(Expr::CurPos(pos));
                }
                self.resolve(*name, pos, 0)?
            }
            Kind::Str(parts) => self.string(parts, pos)?,
            Kind::Path(kind, parts) => self.path(parts, pos, *kind)?,
            Kind::SearchPath => {
                let text = self.span(n);
                let name = text
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string();
                crate::ir::search_path(name, pos, |s| self.resolve(s, pos, 0))?
            }
            Kind::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items.iter() {
                    out.push(self.expr(i)?);
                }
                Expr::List(out.into_boxed_slice())
            }
            Kind::Attrs {
                rec,
                brace,
                entries,
            } => {
                let pa = self.collect_entries(entries, *rec)?;
                Expr::Attrs(crate::ir::leak_in(self.lower_attrs(pa)?), self.pos(*brace))
            }
            Kind::LetIn(LetInN { entries, body }) => {
                let head = self.let_enter(entries)?;
                let body = self.expr(body)?;
                self.let_exit(head, body)
            }
            Kind::LegacyLet(entries) => {
                let pa = self.collect_entries(entries, true)?;
                let attrs = leak(Expr::Attrs(crate::ir::leak_in(self.lower_attrs(pa)?), pos));
                crate::ir::select(
                    attrs,
                    vec![AttrKey::name(self.body)].into_boxed_slice(),
                    None,
                    pos,
                )
            }
            Kind::Select(SelectN { e, path, default }) => {
                let e = self.expr(e)?;
                let path = self.attrpath(path)?;
                let default = match default {
                    Some(d) => Some(self.expr(d)?),
                    None => None,
                };
                crate::ir::select(e, path, default, pos)
            }
            Kind::HasAttr(HasAttrN { e, path }) => {
                let e = self.expr(e)?;
                let path = self.attrpath(path)?;
                Expr::HasAttr { e, path, pos }
            }
            Kind::Lambda(LambdaN { param, body }) => {
                Expr::Lambda(crate::ir::leak_in(self.lambda(param, body, pos)?))
            }
            Kind::Apply(_) => {
                // `f a b` and `(f a) b` are one call with all the arguments. Nix 2.8
                // does the same, and also adds the arguments to a parenthesised
                // operator it parses as a call (`-x`, `a - b`, `a < b`…): the call's
                // position is where the innermost of those starts.
                let mut args = Vec::new();
                let mut cur = n;
                let mut call_start = n.start;
                loop {
                    match &cur.kind {
                        Kind::Apply(ApplyN { f, arg }) => {
                            call_start = cur.start;
                            args.push(arg);
                            cur = f;
                        }
                        Kind::Paren(inner) => {
                            let mut p = *inner;
                            while let Kind::Paren(i) = &p.kind {
                                p = i;
                            }
                            match &p.kind {
                                Kind::Apply(_) => cur = p,
                                Kind::Neg(_) => {
                                    call_start = p.start;
                                    break;
                                }
                                Kind::Bin(op, _) if op_is_call(*op) => {
                                    call_start = p.start;
                                    break;
                                }
                                _ => break,
                            }
                        }
                        _ => break,
                    }
                }
                let f = self.expr(cur)?;
                let mut lowered = Vec::with_capacity(args.len());
                for a in args.into_iter().rev() {
                    lowered.push(self.expr(a)?);
                }
                Expr::Apply {
                    f,
                    args: lowered.into_boxed_slice(),
                    pos: self.pos(call_start),
                }
            }
            Kind::If(IfN { cond, then, els }) => Expr::If {
                cond: self.expr(cond)?,
                then: self.expr(then)?,
                els: self.expr(els)?,
                pos,
            },
            Kind::Assert(AssertN { cond, body }) => {
                let mut text = String::new();
                self.show(cond, &mut text);
                Expr::Assert {
                    cond: self.expr(cond)?,
                    body: self.expr(body)?,
                    text: crate::ir::leak_in(text),
                    pos,
                }
            }
            Kind::With(WithN { ns, body }) => {
                let ns = self.with_enter(ns)?;
                let body = self.expr(body);
                self.with_exit();
                Expr::With {
                    ns,
                    body: body?,
                    pos,
                }
            }
            Kind::Not(e) => Expr::Not(self.expr(e)?, pos),
            Kind::Neg(e) => {
                let e = self.expr(e)?;
                crate::ir::negate(e, pos, |s| self.resolve(s, pos, 0))?
            }
            Kind::Bin(op, BinN { l, r }) => {
                let rpos = self.pos(r.start);
                // Nix 2.8's parser turns `a > b` and `a <= b` into calls of
                // `__lessThan b a`, so its scope errors name `b`'s variables first.
                let (l, r) = if matches!(op, crate::ir::BinOp::Gt | crate::ir::BinOp::Le) {
                    let r = self.expr(r)?;
                    (self.expr(l)?, r)
                } else {
                    let l = self.expr(l)?;
                    (l, self.expr(r)?)
                };
                crate::ir::binary(*op, l, r, pos, rpos, |s| self.resolve(s, pos, 0))?
            }
        })
    }

    fn span(&self, n: &Node<'_>) -> &'s str {
        self.src
            .get(n.start as usize..n.end as usize)
            .unwrap_or_default()
    }

    fn string(&mut self, parts: &[StrPart<'_>], pos: Pos) -> R<Expr> {
        if let [StrPart::Lit(l)] = parts {
            // The usual constant string, one piece: copied once, into the value.
            return Ok(Expr::Const(Value::string(l)));
        }
        if parts.iter().all(|p| matches!(p, StrPart::Lit(_))) {
            let mut s = String::new();
            for p in parts {
                if let StrPart::Lit(l) = p {
                    s.push_str(l);
                }
            }
            return Ok(Expr::Const(Value::string(s)));
        }
        let mut out = Vec::with_capacity(parts.len());
        for p in parts {
            match p {
                StrPart::Lit(l) => {
                    if !l.is_empty() {
                        out.push(ir::StrPart::Lit(l.to_string()));
                    }
                }
                StrPart::Interp(e, off) => {
                    let e = self.expr(e)?;
                    out.push(ir::StrPart::Expr(e, self.pos(*off)));
                }
            }
        }
        Ok(Expr::Str {
            parts: out.into_boxed_slice(),
            pos,
        })
    }

    fn path(&mut self, parts: &[StrPart<'_>], pos: Pos, kind: PathKind) -> R<Expr> {
        let mut out = Vec::with_capacity(parts.len());
        for (i, p) in parts.iter().enumerate() {
            match p {
                StrPart::Lit(l) => {
                    let t = if i == 0 {
                        match kind {
                            PathKind::Rel => format!("{}/{}", self.base_dir, l),
                            PathKind::Home => l.trim_start_matches('~').to_string(),
                            PathKind::Abs => l.to_string(),
                        }
                    } else {
                        l.to_string()
                    };
                    out.push(ir::StrPart::Lit(t));
                }
                StrPart::Interp(e, off) => {
                    let e = self.expr(e)?;
                    out.push(ir::StrPart::Expr(e, self.pos(*off)));
                }
            }
        }
        if kind == PathKind::Home {
            return match out.as_slice() {
                [ir::StrPart::Lit(l)] => Ok(Expr::HomePath {
                    rest: l.clone(),
                    pos,
                }),
                _ => Err(Refused),
            };
        }
        if let [ir::StrPart::Lit(l)] = out.as_slice() {
            return Ok(Expr::Const(Value::path(crate::eval::canon_path(l))));
        }
        Ok(Expr::PathInterp {
            parts: out.into_boxed_slice(),
            pos,
        })
    }

    fn attr_key(&mut self, a: &Attr<'_>) -> R<AttrKey> {
        if let Some(s) = static_name(a) {
            return Ok(AttrKey::name(s));
        }
        let apos = self.pos(a.start);
        let e = match &a.kind {
            AttrKind::Dynamic(d) => self.expr(d)?,
            AttrKind::Str(parts) => leak(self.string(parts, apos)?),
            AttrKind::Ident(_) => return Err(Refused),
        };
        Ok(AttrKey::Dynamic(e, apos))
    }

    fn attrpath(&mut self, path: &[Attr<'_>]) -> R<Box<[AttrKey]>> {
        let mut out = Vec::with_capacity(path.len());
        for a in path {
            out.push(self.attr_key(a)?);
        }
        Ok(out.into_boxed_slice())
    }

    fn lambda(&mut self, param: &Param<'_>, body: &Node<'_>, pos: Pos) -> R<ir::LambdaExpr> {
        let head = self.lambda_enter(param, pos)?;
        let body = self.expr(body);
        self.lambda_exit(head, body)
    }

    /// A function's head: its frame pushed (and its default arguments lowered in it).
    pub fn lambda_enter(&mut self, param: &Param<'_>, pos: Pos) -> R<LambdaHead> {
        match param {
            Param::Ident(name) => {
                self.push_frame(Frame::new(vec![(*name, 0)]));
                Ok(LambdaHead {
                    pos,
                    formals: None,
                    at_name: Some(*name),
                    frame_size: 1,
                })
            }
            Param::Pattern {
                entries,
                ellipsis,
                bind,
            } => {
                let mut names: Vec<(Sym, u32)> = entries
                    .iter()
                    .enumerate()
                    .map(|(i, e)| (e.name, i as u32))
                    .collect();
                let n = entries.len() as u32;
                let mut at = None;
                if let Some(b) = bind {
                    names.push((*b, n));
                    at = Some(n);
                }
                let mut frame = Frame::new(names);
                let defs = FrameDefs::new();
                frame.defs = Some(defs);
                // Duplicate formals (or `@` naming a formal) are errors rnix reports.
                if !frame.distinct() {
                    return Err(Refused);
                }
                check_frame(frame.names.len())?;
                self.push_frame(frame);
                let mut formals = Vec::with_capacity(entries.len());
                for e in entries.iter() {
                    let default = match &e.default {
                        Some(d) => Some(self.expr(d)?),
                        None => None,
                    };
                    formals.push(Formal {
                        name: e.name,
                        default,
                        pos: self.pos(e.pos),
                        hint: Hint::default(),
                    });
                }
                defs.fill(formals.iter().map(|f: &Formal| f.default).collect());
                Ok(LambdaHead {
                    pos,
                    formals: Some(Box::new(Formals {
                        entries: formals,
                        ellipsis: *ellipsis,
                        at,
                    })),
                    at_name: *bind,
                    frame_size: n + at.map(|_| 1).unwrap_or(0),
                })
            }
        }
    }

    /// The function whose head `lambda_enter` made, with its body; pops its frame.
    pub fn lambda_exit(&mut self, head: LambdaHead, body: R<E>) -> R<ir::LambdaExpr> {
        self.pop_scope();
        Ok(ir::LambdaExpr {
            name: Default::default(),
            pos: head.pos,
            formals: head.formals,
            at_name: head.at_name,
            frame_size: head.frame_size,
            body: body?,
        })
    }

    /// A `let`'s bindings lowered in its frame, which stays pushed for the body.
    pub fn let_enter(&mut self, entries: &[Entry<'_>]) -> R<LetHead> {
        let mut pa = self.collect_entries(entries, false)?;
        pa.statics.sort_by_key(|a| a.0);
        if !pa.dynamics.is_empty() {
            return Err(Refused);
        }
        self.push_statics_frame(&pa.statics)?;
        let defs = FrameDefs::new();
        if let Some(Scope::Frame(f)) = self.scopes.last_mut() {
            f.defs = Some(defs);
        }
        let n = pa.statics.len() as u32;
        let mut bindings = Vec::with_capacity(pa.statics.len());
        for (name, v, _) in pa.statics {
            bindings.push(self.lower_pval(v, name, true)?);
        }
        defs.fill(bindings.iter().map(|b| Some(*b)).collect());
        Ok(LetHead {
            frame_size: n,
            bindings,
        })
    }

    /// The `let` whose bindings `let_enter` lowered, with its body; pops its frame.
    pub fn let_exit(&mut self, head: LetHead, body: E) -> Expr {
        self.pop_scope();
        Expr::Let {
            frame_size: head.frame_size,
            bindings: head.bindings.into_boxed_slice(),
            body,
        }
    }

    /// `with ns;` around what follows, until `with_exit`.
    pub fn with_enter(&mut self, ns: &Node<'_>) -> R<E> {
        let ns = self.expr(ns)?;
        self.push_with();
        Ok(ns)
    }

    pub fn with_exit(&mut self) {
        self.pop_scope();
    }

    /// Lowers one binding of a set literal lowered a binding at a time (not `rec`,
    /// in the current scope), as `lower_attrs_in` would lower it in the whole set.
    /// `false` when the binding could meet a later one (a nested path or a dynamic
    /// name: merged with others in a set lowered at once): the caller then lowers the
    /// file as a whole.
    pub fn stream_entry(&mut self, entry: &Entry<'_>, set: &mut StreamedSet) -> R<bool> {
        if let Entry::Value { path, .. } = entry {
            if path.as_slice().len() != 1 {
                return Ok(false);
            }
        }
        let mut pa = PAttrs::new(false);
        self.merge_entry(&mut pa, entry)?;
        if !pa.dynamics.is_empty() {
            return Ok(false);
        }
        for (name, v, pos) in pa.statics {
            let value = self.lower_pval(v, name, false)?;
            set.statics.push((name, value, pos));
        }
        Ok(true)
    }

    /// The set `stream_entry` built, at `pos` (its `{`); `None` when a name repeats (an
    /// error the whole-file path refuses, for rnix to report).
    pub fn stream_finish(&mut self, mut set: StreamedSet, pos: Pos) -> Option<E> {
        set.statics.sort_by_key(|a| a.0);
        if set.statics.windows(2).any(|w| w[0].0 == w[1].0) {
            return None;
        }
        let statics = set
            .statics
            .into_iter()
            .map(|(name, value, pos)| ir::StaticAttr::new(name, value, pos))
            .collect();
        Some(leak(Expr::Attrs(
            crate::ir::leak_in(AttrsExpr {
                rec: false,
                statics,
                dynamics: Vec::new(),
            }),
            pos,
        )))
    }

    fn collect_entries<'a>(&mut self, entries: &'a [Entry<'a>], rec: bool) -> R<PAttrs<'a>> {
        let mut pa = PAttrs::with_capacity(rec, entries.len());
        for entry in entries {
            self.merge_entry(&mut pa, entry)?;
        }
        Ok(pa)
    }

    fn add_path<'a>(
        &mut self,
        pa: &mut PAttrs<'a>,
        path: &'a [Attr<'a>],
        value: &'a Node<'a>,
        apos: Pos,
    ) -> R<()> {
        let first = path.first().ok_or(Refused)?;
        let Some(sym) = static_name(first) else {
            let v = if path.len() == 1 {
                PVal::Ast(value)
            } else {
                let mut inner = PAttrs::new(false);
                self.add_path(&mut inner, &path[1..], value, apos)?;
                PVal::Nested(inner)
            };
            pa.dynamics.push((first, v, apos));
            return Ok(());
        };
        let found = pa.find(sym);
        let existing = match found {
            Some(i) => Some(&mut pa.statics[i]),
            None => None,
        };
        if path.len() == 1 {
            match existing {
                None => {
                    let v = match nonrec_set(value) {
                        Some(entries) => PVal::Nested(self.collect_entries(entries, false)?),
                        None => PVal::Ast(value),
                    };
                    pa.push(sym, v, apos);
                }
                Some((_, PVal::Nested(inner), _)) => match nonrec_set(value) {
                    Some(entries) => {
                        for entry in entries {
                            self.merge_entry(inner, entry)?;
                        }
                    }
                    None => return Err(Refused),
                },
                Some(_) => return Err(Refused),
            }
        } else {
            match existing {
                None => {
                    let mut inner = PAttrs::new(false);
                    self.add_path(&mut inner, &path[1..], value, apos)?;
                    pa.push(sym, PVal::Nested(inner), apos);
                }
                Some((_, PVal::Nested(inner), _)) => {
                    self.add_path(inner, &path[1..], value, apos)?;
                }
                Some(_) => return Err(Refused),
            }
        }
        Ok(())
    }

    fn merge_entry<'a>(&mut self, into: &mut PAttrs<'a>, entry: &'a Entry<'a>) -> R<()> {
        match entry {
            Entry::Inherit {
                prev_end,
                from,
                attrs,
            } => {
                let var_pos = self.pos(*prev_end);
                // Nix 2.8 gives every name of one `inherit` the position where the
                // first name's token began to be read: right after `inherit` or `)`.
                let apos = self.pos(attrs.first().map_or(*prev_end, |a| a.prev_end));
                for a in attrs.iter() {
                    inherit_one(into, *from, a, apos, var_pos)?;
                }
            }
            Entry::Value { path, value } => {
                let path = path.as_slice();
                let apos = self.pos(path.first().map(|a| a.start).ok_or(Refused)?);
                self.add_path(into, path, value, apos)?;
            }
        }
        Ok(())
    }

    /// The frame of a `let` or `rec` set: its (sorted) static names, in slot order.
    fn push_statics_frame(&mut self, statics: &[(Sym, PVal<'_>, Pos)]) -> R<()> {
        check_frame(statics.len())?;
        let names = statics
            .iter()
            .enumerate()
            .map(|(i, (s, _, _))| (*s, i as u32))
            .collect();
        self.push_frame(Frame::new(names));
        Ok(())
    }

    fn lower_attrs(&mut self, mut pa: PAttrs<'_>) -> R<AttrsExpr> {
        pa.statics.sort_by_key(|a| a.0);
        let rec = pa.rec;
        if rec {
            self.push_statics_frame(&pa.statics)?;
        }
        let r = self.lower_attrs_in(pa, rec);
        if rec {
            self.pop_scope();
        }
        r
    }

    fn lower_attrs_in(&mut self, pa: PAttrs<'_>, rec: bool) -> R<AttrsExpr> {
        let mut statics = Vec::with_capacity(pa.statics.len());
        for (name, v, pos) in pa.statics {
            let value = self.lower_pval(v, name, rec)?;
            statics.push(ir::StaticAttr::new(name, value, pos));
        }
        let mut dynamics = Vec::with_capacity(pa.dynamics.len());
        for (k, v, pos) in pa.dynamics {
            let key = match self.attr_key(k)? {
                AttrKey::Dynamic(e, _) => e,
                AttrKey::Static(s, _) => leak(Expr::Const(Value::string(s.as_str()))),
            };
            let value = self.lower_pval(v, self.empty, false)?;
            dynamics.push(DynamicAttr { key, value, pos });
        }
        Ok(AttrsExpr {
            rec,
            statics,
            dynamics,
        })
    }

    /// `in_frame`: the value is evaluated inside the frame of a `rec` set or `let`, so a
    /// plain `inherit x` must skip that frame.
    fn lower_pval(&mut self, v: PVal<'_>, name: Sym, in_frame: bool) -> R<E> {
        Ok(match v {
            PVal::Ast(e) => {
                let e = self.expr(e)?;
                // Like Nix's `ExprLambda::setName`, the name reaches the lambdas of a
                // curried chain (`f = x: { a }: …` reports `'f'` for the inner one).
                let mut cur = e;
                while let Expr::Lambda(l) = cur {
                    if l.name.get().is_none() {
                        l.name.set(Some(name));
                    }
                    cur = l.body;
                }
                e
            }
            PVal::Nested(pa) => leak(Expr::Attrs(
                crate::ir::leak_in(self.lower_attrs(pa)?),
                Pos::NONE,
            )),
            PVal::InheritVar(s, pos) => leak(self.resolve(s, pos, if in_frame { 1 } else { 0 })?),
            PVal::InheritFrom(from, s, pos) => {
                let e = self.expr(from)?;
                leak(crate::ir::select(
                    e,
                    vec![AttrKey::name(s)].into_boxed_slice(),
                    None,
                    pos,
                ))
            }
        })
    }

    /// An expression rendered the way Nix 2.8's `Expr::show` does (operators desugared
    /// to builtins and fully parenthesised); used in "assertion '…' failed".
    fn show(&self, n: &Node<'_>, out: &mut String) {
        use crate::ir::BinOp as B;
        match &n.kind {
            Kind::Bin(op, BinN { l, r }) => {
                let (pre, a, mid, b, post) = match op {
                    B::Lt => ("(__lessThan ", l, " ", r, ")"),
                    B::Gt => ("(__lessThan ", r, " ", l, ")"),
                    B::Le => ("(! (__lessThan ", r, " ", l, "))"),
                    B::Ge => ("(! (__lessThan ", l, " ", r, "))"),
                    B::Sub => ("(__sub ", l, " ", r, ")"),
                    B::Mul => ("(__mul ", l, " ", r, ")"),
                    B::Div => ("(__div ", l, " ", r, ")"),
                    B::Add => ("(", l, " + ", r, ")"),
                    B::Concat => ("(", l, " ++ ", r, ")"),
                    B::Update => ("(", l, " // ", r, ")"),
                    B::Eq => ("(", l, " == ", r, ")"),
                    B::Neq => ("(", l, " != ", r, ")"),
                    B::And => ("(", l, " && ", r, ")"),
                    B::Or => ("(", l, " || ", r, ")"),
                    B::Impl => ("(", l, " -> ", r, ")"),
                };
                out.push_str(pre);
                self.show(a, out);
                out.push_str(mid);
                self.show(b, out);
                out.push_str(post);
            }
            Kind::Paren(e) => self.show(e, out),
            Kind::Not(e) => {
                out.push_str("(! ");
                self.show(e, out);
                out.push(')');
            }
            Kind::Neg(e) => {
                out.push_str("(__sub 0 ");
                self.show(e, out);
                out.push(')');
            }
            Kind::Apply(_) => {
                let mut args = Vec::new();
                let mut cur = n;
                while let Kind::Apply(ApplyN { f, arg }) = &cur.kind {
                    args.push(arg);
                    cur = f;
                }
                out.push('(');
                self.show(cur, out);
                for a in args.iter().rev() {
                    out.push(' ');
                    self.show(a, out);
                }
                out.push(')');
            }
            Kind::Select(SelectN { e, path, default }) => {
                out.push('(');
                self.show(e, out);
                out.push_str(").");
                self.show_path(path, out);
                if let Some(d) = default {
                    out.push_str(" or ");
                    self.show(d, out);
                }
            }
            Kind::HasAttr(HasAttrN { e, path }) => {
                out.push_str("((");
                self.show(e, out);
                out.push_str(") ? ");
                self.show_path(path, out);
                out.push(')');
            }
            Kind::List(items) => {
                out.push_str("[ ");
                for i in items.iter() {
                    out.push('(');
                    self.show(i, out);
                    out.push_str(") ");
                }
                out.push(']');
            }
            Kind::If(IfN { cond, then, els }) => {
                out.push_str("(if ");
                self.show(cond, out);
                out.push_str(" then ");
                self.show(then, out);
                out.push_str(" else ");
                self.show(els, out);
                out.push(')');
            }
            _ => out.push_str(self.span(n)),
        }
    }

    fn show_path(&self, path: &[Attr<'_>], out: &mut String) {
        for (i, a) in path.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            out.push_str(
                self.src
                    .get(a.start as usize..a.end as usize)
                    .unwrap_or_default(),
            );
        }
    }
}

/// The binary operators Nix 2.8's parser turns into calls of builtins (`__sub`,
/// `__mul`, `__div`, `__lessThan`).
fn op_is_call(op: crate::ir::BinOp) -> bool {
    use crate::ir::BinOp as B;
    matches!(op, B::Sub | B::Mul | B::Div | B::Lt | B::Gt | B::Le | B::Ge)
}
