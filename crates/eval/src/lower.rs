//! Lowering: the rnix tree becomes IR once, with the scope pass Nix's parser does
//! (duplicate attributes, duplicate formals, undefined variables) and static resolution
//! of variables to (depth, slot).

use crate::error::{EResult, ErrorKind, EvalError};
use crate::ir::*;
use crate::source::{inline_pos, Pos};
use crate::symbol::{Sym, SymMap};
use crate::value::Value;
use rnix::ast::{self, AstToken, HasEntry, InterpolPart};
use rnix::SyntaxKind;
use rowan::ast::AstNode;
use std::collections::HashMap;

enum Scope {
    /// A frame's names and slots, and where a lazily filled frame keeps its definitions.
    Frame(SymMap<u32>, Option<&'static FrameDefs>),
    With,
}

pub struct Lowerer<'g> {
    file: u32,
    /// Directory relative paths are resolved against.
    base_dir: String,
    scopes: Vec<Scope>,
    globals: &'g HashMap<Sym, Value>,
}

fn perr(msg: impl Into<String>, pos: Pos) -> Box<EvalError> {
    EvalError::new(ErrorKind::Parse, msg, pos)
}

/// Parses and lowers `text` (already registered as `file`) into IR.
pub fn parse_and_lower(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
) -> EResult<E> {
    if let Some(e) = crate::parse::parse_fast(text, file, base_dir, globals, None) {
        return Ok(e);
    }
    rnix_parse_and_lower(text, file, base_dir, globals)
}

/// The rnix front-end: slower than `crate::parse`, and the one that reports errors the
/// way Nix does; `parse_and_lower` uses it when the fast parser refuses the text.
pub fn rnix_parse_and_lower(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
) -> EResult<E> {
    let parse = rnix::Root::parse(text);
    if let Some(e) = parse.errors().first() {
        return Err(parse_error(e, file, text));
    }
    check_paths(&parse.syntax(), file, text)?;
    check_integers(&parse.syntax(), file)?;
    check_floats(&parse.syntax(), file, text)?;
    let root = parse.tree();
    let Some(expr) = root.expr() else {
        return Err(perr(
            "syntax error, unexpected end of file",
            Pos::at(file, text.len() as u32),
        ));
    };
    let mut l = Lowerer {
        file,
        base_dir: base_dir.to_string(),
        scopes: Vec::new(),
        globals,
    };
    l.expr(expr)
}

/// rnix folds `./a ${x}` (blank before the `${`) into one path node with the blank
/// inside, which its path accessors cannot read (they panic); Nix rejects the text.
fn check_paths(root: &rnix::SyntaxNode, file: u32, text: &str) -> EResult<()> {
    use SyntaxKind::*;
    for n in root.descendants() {
        if !matches!(n.kind(), NODE_PATH_ABS | NODE_PATH_REL | NODE_PATH_HOME) {
            continue;
        }
        let blank = n
            .children_with_tokens()
            .filter_map(|c| c.into_token())
            .find(|t| t.kind().is_trivia());
        if let Some(t) = blank {
            if let Some(nix) = crate::syntax_error::diagnose(text, file) {
                return Err(nix);
            }
            return Err(perr(
                "syntax error, unexpected DOLLAR_CURLY",
                Pos::at(file, u32::from(t.text_range().end())),
            ));
        }
    }
    Ok(())
}

/// An integer literal out of range is an error of Nix's lexer, so it comes before the
/// scope errors of the whole text.
fn check_integers(root: &rnix::SyntaxNode, file: u32) -> EResult<()> {
    let bad = root
        .descendants_with_tokens()
        .filter_map(|c| c.into_token())
        .find(|t| t.kind() == SyntaxKind::TOKEN_INTEGER && t.text().parse::<i64>().is_err());
    match bad {
        Some(t) => Err(perr(
            format!("invalid integer '{}'", t.text()),
            Pos::at(file, u32::from(t.text_range().start())),
        )),
        None => Ok(()),
    }
}

/// Floats out of Nix's range ("invalid float"), and texts Nix cuts into tokens where
/// rnix does not (`[ 0. ]`, see `syntax_error::rnix_lexes_differently`): rnix's tree
/// of those is not Nix's, so the error is Nix's, or, where Nix would accept the text,
/// a refusal rather than a wrong reading. (The fast parser reads them as Nix does;
/// they come here when it refuses the text for another reason.)
fn check_floats(root: &rnix::SyntaxNode, file: u32, text: &str) -> EResult<()> {
    let mut floats = root
        .descendants_with_tokens()
        .filter_map(|c| c.into_token())
        .filter(|t| t.kind() == SyntaxKind::TOKEN_FLOAT)
        .peekable();
    if floats.peek().is_none() {
        return Ok(());
    }
    if crate::syntax_error::rnix_lexes_differently(text) {
        return Err(
            crate::syntax_error::diagnose(text, file).unwrap_or_else(|| {
                perr(
                    "nest's fallback parser cannot read this text the way Nix does \
                 (a float or a path beside a dot); please report it",
                    Pos::at(file, 0),
                )
            }),
        );
    }
    match floats.find(|t| crate::syntax_error::nix_float(t.text()).is_none()) {
        Some(t) => Err(perr(
            format!("invalid float '{}'", t.text()),
            Pos::at(file, u32::from(t.text_range().start())),
        )),
        None => Ok(()),
    }
}

/// The binary operators Nix 2.8's parser turns into calls (`__sub`, `__mul`, `__div`,
/// `__lessThan`): a parenthesised one takes the arguments that follow it.
fn binop_is_call(b: &ast::BinOp) -> bool {
    use ast::BinOpKind as K;
    matches!(
        b.operator(),
        Some(K::Sub | K::Mul | K::Div | K::Less | K::LessOrEq | K::More | K::MoreOrEq)
    )
}

/// Frames hold their slots inline, up to `MAX_FRAME` of them.
fn check_frame(n: usize, pos: Pos) -> EResult<()> {
    if n > crate::value::MAX_FRAME {
        return Err(perr(
            format!(
                "too many bindings in one scope ({n}; at most {})",
                crate::value::MAX_FRAME
            ),
            pos,
        ));
    }
    Ok(())
}

/// The name Nix's bison grammar gives a token kind.
fn token_desc(k: SyntaxKind, text: &str) -> String {
    use SyntaxKind::*;
    let q = |s: &str| format!("'{s}'");
    match k {
        TOKEN_IDENT => "ID".into(),
        TOKEN_INTEGER => "INT".into(),
        TOKEN_FLOAT => "FLOAT".into(),
        TOKEN_STRING_START | TOKEN_STRING_END => {
            if text == "''" {
                "IND_STRING_OPEN".into()
            } else {
                q("\"")
            }
        }
        TOKEN_STRING_CONTENT => "STR".into(),
        TOKEN_PATH_ABS | TOKEN_PATH_REL => "PATH".into(),
        TOKEN_PATH_HOME => "HPATH".into(),
        TOKEN_PATH_SEARCH => "SPATH".into(),
        TOKEN_URI => "URI".into(),
        TOKEN_IF => "IF".into(),
        TOKEN_THEN => "THEN".into(),
        TOKEN_ELSE => "ELSE".into(),
        TOKEN_ASSERT => "ASSERT".into(),
        TOKEN_WITH => "WITH".into(),
        TOKEN_LET => "LET".into(),
        TOKEN_IN => "IN".into(),
        TOKEN_REC => "REC".into(),
        TOKEN_INHERIT => "INHERIT".into(),
        TOKEN_OR => "OR_KW".into(),
        TOKEN_ELLIPSIS => "ELLIPSIS".into(),
        TOKEN_EQUAL => "EQ".into(),
        TOKEN_NOT_EQUAL => "NEQ".into(),
        TOKEN_LESS_OR_EQ => "LEQ".into(),
        TOKEN_MORE_OR_EQ => "GEQ".into(),
        TOKEN_AND_AND => "AND".into(),
        TOKEN_OR_OR => "OR".into(),
        TOKEN_IMPLICATION => "IMPL".into(),
        TOKEN_UPDATE => "UPDATE".into(),
        TOKEN_CONCAT => "CONCAT".into(),
        TOKEN_INTERPOL_START => "DOLLAR_CURLY".into(),
        TOKEN_INTERPOL_END => q("}"),
        TOKEN_ERROR => "invalid token".into(),
        TOKEN_ADD | TOKEN_SUB | TOKEN_MUL | TOKEN_DIV | TOKEN_SEMICOLON | TOKEN_COLON
        | TOKEN_ASSIGN | TOKEN_L_BRACE | TOKEN_R_BRACE | TOKEN_L_BRACK | TOKEN_R_BRACK
        | TOKEN_L_PAREN | TOKEN_R_PAREN | TOKEN_DOT | TOKEN_COMMA | TOKEN_AT | TOKEN_QUESTION
        | TOKEN_LESS | TOKEN_MORE | TOKEN_INVERT => q(text),
        _ => "invalid token".into(),
    }
}

/// What bison would list after "expecting", for the expectation sets rnix reports.
fn expecting(wanted: &[SyntaxKind]) -> Option<&'static str> {
    use SyntaxKind::*;
    match wanted {
        [TOKEN_SEMICOLON] => Some("';'"),
        [TOKEN_ASSIGN] => Some("'.' or '='"),
        [TOKEN_ELSE] => Some("ELSE"),
        [TOKEN_THEN] => Some("THEN"),
        [TOKEN_R_PAREN] => Some("')'"),
        [TOKEN_R_BRACE] => Some("'}'"),
        [TOKEN_COLON] => Some("':'"),
        w if w.contains(&TOKEN_IDENT) && w.contains(&TOKEN_INTERPOL_START) => {
            Some("ID or OR_KW or DOLLAR_CURLY or '\"'")
        }
        _ => None,
    }
}

/// Non-trivia tokens with their byte offsets.
fn tokens(text: &str) -> Vec<(SyntaxKind, u32, String)> {
    let mut out = Vec::new();
    let mut off = 0u32;
    for (k, t) in rnix::tokenize(text) {
        if !k.is_trivia() {
            out.push((k, off, t.to_string()));
        }
        off += t.len() as u32;
    }
    out
}

fn parse_error(e: &rnix::ParseError, file: u32, text: &str) -> Box<EvalError> {
    if let Some(nix) = crate::syntax_error::diagnose(text, file) {
        return nix;
    }
    use rnix::ParseError as P;
    let toks = tokens(text);
    // Bison places "end of file" at the start of the last token the lexer matched,
    // whitespace included.
    let eof_off = {
        let mut off = 0u32;
        let mut last = 0u32;
        for (_, t) in rnix::tokenize(text) {
            last = off;
            off += t.len() as u32;
        }
        last
    };
    let eof = Pos::at(file, eof_off);
    // The first real token at or after `off`: where bison would have stopped.
    let tok_at = |off: u32| toks.iter().find(|(_, o, t)| o + t.len() as u32 > off);
    let unexpected_at = |r: &rnix::TextRange, wanted: Option<&[SyntaxKind]>| {
        let off = u32::from(r.start());
        match tok_at(off) {
            Some((k, o, t)) => {
                let mut msg = format!("syntax error, unexpected {}", token_desc(*k, t));
                if let Some(x) = wanted.and_then(expecting) {
                    msg.push_str(&format!(", expecting {x}"));
                }
                perr(msg, Pos::at(file, *o))
            }
            None => perr("syntax error, unexpected end of file", eof),
        }
    };
    match e {
        P::Unexpected(r) => unexpected_at(r, None),
        P::UnexpectedExtra(r) => {
            let off = u32::from(r.start());
            match tok_at(off) {
                Some((k, o, t)) => perr(
                    format!(
                        "syntax error, unexpected {}, expecting end of file",
                        token_desc(*k, t)
                    ),
                    Pos::at(file, *o),
                ),
                None => perr("syntax error, unexpected end of file", eof),
            }
        }
        P::UnexpectedWanted(_, r, wanted) => unexpected_at(r, Some(wanted)),
        P::UnexpectedDoubleBind(r) => perr(
            "syntax error, unexpected '@'",
            Pos::at(file, u32::from(r.start())),
        ),
        P::UnexpectedEOF => perr("syntax error, unexpected end of file", eof),
        P::UnexpectedEOFWanted(w) => {
            let mut msg = "syntax error, unexpected end of file".to_string();
            if let Some(x) = expecting(w) {
                msg.push_str(&format!(", expecting {x}"));
            }
            perr(msg, eof)
        }
        P::DuplicatedArgs(r, name) => perr(
            format!("duplicate formal function argument '{name}'"),
            Pos::at(file, u32::from(r.start())),
        ),
        P::RecursionLimitExceeded => perr("syntax error, expression nested too deeply", eof),
        _ => perr("syntax error", eof),
    }
}

/// Nix records `inherit`ed names at the end of the token before them (a quirk of its
/// parser's locations); error messages show that position.
fn inherit_pos(file: u32, node: &rnix::SyntaxNode) -> Pos {
    let mut t = node.first_token().and_then(|t| t.prev_token());
    while let Some(tok) = &t {
        if !tok.kind().is_trivia() {
            return Pos::at(file, u32::from(tok.text_range().end()));
        }
        t = tok.prev_token();
    }
    Pos::at(file, u32::from(node.text_range().start()))
}

/// Attribute set under construction (nested attribute paths are merged here first).
struct PAttrs {
    rec: bool,
    statics: Vec<(Sym, PVal, Pos)>,
    dynamics: Vec<(ast::Attr, PVal, Pos)>,
}

enum PVal {
    Ast(ast::Expr),
    Nested(PAttrs),
    InheritVar(Sym, Pos),
    InheritFrom(ast::Expr, Sym, Pos),
}

impl<'g> Lowerer<'g> {
    fn pos(&self, n: &impl AstNode<Language = rnix::NixLanguage>) -> Pos {
        Pos::at(self.file, u32::from(n.syntax().text_range().start()))
    }

    fn resolve(&self, name: Sym, pos: Pos, skip: usize) -> EResult<Expr> {
        let mut withs = Vec::new();
        for (i, s) in self.scopes.iter().rev().enumerate() {
            // Frames out from here: each scope, `with` or not, is one.
            let depth = i as u32;
            match s {
                Scope::Frame(m, defs) => {
                    if i >= skip {
                        if let Some(slot) = m.get(&name) {
                            return Ok(Expr::Var {
                                depth,
                                slot: *slot,
                                pos,
                                defs: *defs,
                            });
                        }
                    }
                }
                Scope::With => {
                    if i >= skip {
                        withs.push(depth);
                    }
                }
            }
        }
        if let Some(v) = self.globals.get(&name) {
            return Ok(Expr::Const(v.clone()));
        }
        if withs.is_empty() {
            return Err(perr(format!("undefined variable '{name}'"), pos));
        }
        Ok(Expr::WithVar {
            name,
            withs: withs.into_boxed_slice(),
            pos,
            hint: Hint::default(),
        })
    }

    fn expr(&mut self, e: ast::Expr) -> EResult<E> {
        Ok(leak(self.expr_inner(e)?))
    }

    fn opt_expr(&mut self, e: Option<ast::Expr>, parent: Pos) -> EResult<E> {
        match e {
            Some(e) => self.expr(e),
            None => Err(perr("syntax error, unexpected end of file", parent)),
        }
    }

    fn expr_inner(&mut self, e: ast::Expr) -> EResult<Expr> {
        let pos = self.pos(&e);
        Ok(match e {
            ast::Expr::Paren(p) => return self.expr_inner(self.need(p.expr(), pos)?),
            ast::Expr::Root(r) => return self.expr_inner(self.need(r.expr(), pos)?),
            ast::Expr::Error(_) => return Err(perr("syntax error, unexpected invalid token", pos)),
            ast::Expr::Literal(lit) => match lit.kind() {
                ast::LiteralKind::Integer(i) => match i.value() {
                    Ok(v) => Expr::Const(Value::Int(v)),
                    Err(_) => {
                        return Err(perr(
                            format!("invalid integer '{}'", i.syntax().text()),
                            pos,
                        ))
                    }
                },
                ast::LiteralKind::Float(f) => match f.value() {
                    Ok(v) => Expr::Const(Value::Float(v)),
                    Err(_) => {
                        return Err(perr(format!("invalid float '{}'", f.syntax().text()), pos))
                    }
                },
                ast::LiteralKind::Uri(u) => Expr::Const(Value::string(u.syntax().text())),
            },
            ast::Expr::Ident(id) => {
                let name = ident_name(&id);
                if name == "__curPos" {
                    return Ok(Expr::CurPos(pos));
                }
                self.resolve(Sym::new(&name), pos, 0)?
            }
            ast::Expr::CurPos(_) => Expr::CurPos(pos),
            ast::Expr::Str(s) => self.string(&s, pos)?,
            ast::Expr::PathAbs(p) => self.path(p.parts(), pos, PathKind::Abs)?,
            ast::Expr::PathRel(p) => self.path(p.parts(), pos, PathKind::Rel)?,
            ast::Expr::PathHome(p) => self.path(p.parts(), pos, PathKind::Home)?,
            ast::Expr::PathSearch(p) => {
                let text = p
                    .content()
                    .map(|c| c.text().to_string())
                    .unwrap_or_default();
                let name = text
                    .trim_start_matches('<')
                    .trim_end_matches('>')
                    .to_string();
                crate::ir::search_path(name, pos, |s| self.resolve(s, pos, 0))?
            }
            ast::Expr::List(l) => {
                let mut items = Vec::new();
                for i in l.items() {
                    items.push(self.expr(i)?);
                }
                Expr::List(items.into_boxed_slice())
            }
            ast::Expr::AttrSet(a) => {
                let rec = a.rec_token().is_some();
                // Nix places a `rec` set at its `{`, not at `rec`.
                let pos = match a.l_curly_token() {
                    Some(t) if rec => Pos::at(self.file, u32::from(t.text_range().start())),
                    _ => pos,
                };
                let pa = self.collect_attrs(&a, rec)?;
                Expr::Attrs(crate::ir::leak_in(self.lower_attrs(pa)?), pos)
            }
            ast::Expr::LetIn(l) => {
                let mut pa = self.collect_entries(l.entries(), false)?;
                pa.statics.sort_by_key(|a| a.0);
                if let Some((k, _, p)) = pa.dynamics.first() {
                    let _ = k;
                    return Err(perr("dynamic attributes not allowed in let", *p));
                }
                check_frame(pa.statics.len(), pos)?;
                let names: SymMap<u32> = pa
                    .statics
                    .iter()
                    .enumerate()
                    .map(|(i, (s, _, _))| (*s, i as u32))
                    .collect();
                let defs = FrameDefs::new();
                self.scopes.push(Scope::Frame(names, Some(defs)));
                let r = (|| -> EResult<Expr> {
                    let mut bindings = Vec::new();
                    let n = pa.statics.len() as u32;
                    for (name, v, _) in pa.statics {
                        bindings.push(self.lower_pval(v, name, true)?);
                    }
                    defs.fill(bindings.iter().map(|b| Some(*b)).collect());
                    let body = self.opt_expr(l.body(), pos)?;
                    Ok(Expr::Let {
                        frame_size: n,
                        bindings: bindings.into_boxed_slice(),
                        body,
                    })
                })();
                self.scopes.pop();
                r?
            }
            ast::Expr::LegacyLet(l) => {
                let pa = self.collect_entries(l.entries(), true)?;
                let attrs = leak(Expr::Attrs(crate::ir::leak_in(self.lower_attrs(pa)?), pos));
                crate::ir::select(
                    attrs,
                    vec![AttrKey::name(Sym::new("body"))].into_boxed_slice(),
                    None,
                    pos,
                )
            }
            ast::Expr::Select(s) => {
                let e = self.opt_expr(s.expr(), pos)?;
                let path = self.attrpath(s.attrpath(), pos)?;
                let default = match s.default_expr() {
                    Some(d) => Some(self.expr(d)?),
                    None => None,
                };
                crate::ir::select(e, path, default, pos)
            }
            ast::Expr::HasAttr(h) => {
                let e = self.opt_expr(h.expr(), pos)?;
                let path = self.attrpath(h.attrpath(), pos)?;
                Expr::HasAttr { e, path, pos }
            }
            ast::Expr::Lambda(l) => Expr::Lambda(crate::ir::leak_in(self.lambda(&l, pos)?)),
            ast::Expr::Apply(a) => {
                let mut args = Vec::new();
                let mut cur = ast::Expr::Apply(a);
                // Where the innermost call starts, as `crate::parse::resolve` places it.
                let mut call_pos = pos;
                loop {
                    if let ast::Expr::Apply(_) = &cur {
                        call_pos = self.pos(&cur);
                    }
                    match cur {
                        ast::Expr::Apply(a) => {
                            let arg = self.need(a.argument(), pos)?;
                            args.push(arg);
                            cur = self.need(a.lambda(), pos)?;
                        }
                        ast::Expr::Paren(ref p) => {
                            // `(f a) b` is the same application chain as `f a b`.
                            let mut inner = p.expr();
                            while let Some(ast::Expr::Paren(q)) = &inner {
                                inner = q.expr();
                            }
                            match inner {
                                Some(inner @ ast::Expr::Apply(_)) => cur = inner,
                                Some(ref i @ ast::Expr::UnaryOp(ref u))
                                    if u.operator() == Some(ast::UnaryOpKind::Negate) =>
                                {
                                    call_pos = self.pos(i);
                                    break;
                                }
                                Some(ref i @ ast::Expr::BinOp(ref b)) if binop_is_call(b) => {
                                    call_pos = self.pos(i);
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
                    pos: call_pos,
                }
            }
            ast::Expr::IfElse(i) => Expr::If {
                cond: self.opt_expr(i.condition(), pos)?,
                then: self.opt_expr(i.body(), pos)?,
                els: self.opt_expr(i.else_body(), pos)?,
                pos,
            },
            ast::Expr::Assert(a) => {
                let cond_ast = self.need(a.condition(), pos)?;
                let text = show_expr(&cond_ast);
                Expr::Assert {
                    cond: self.expr(cond_ast)?,
                    body: self.opt_expr(a.body(), pos)?,
                    text: crate::ir::leak_in(text),
                    pos,
                }
            }
            ast::Expr::With(w) => {
                let ns = self.opt_expr(w.namespace(), pos)?;
                self.scopes.push(Scope::With);
                let body = self.opt_expr(w.body(), pos);
                self.scopes.pop();
                Expr::With {
                    ns,
                    body: body?,
                    pos,
                }
            }
            ast::Expr::UnaryOp(u) => {
                let inner = self.opt_expr(u.expr(), pos)?;
                match u.operator() {
                    Some(ast::UnaryOpKind::Invert) => Expr::Not(inner, pos),
                    Some(ast::UnaryOpKind::Negate) => {
                        crate::ir::negate(inner, pos, |s| self.resolve(s, pos, 0))?
                    }
                    None => return Err(perr("syntax error, unexpected invalid token", pos)),
                }
            }
            ast::Expr::BinOp(b) => {
                use ast::BinOpKind as K;
                let op = match b.operator() {
                    Some(K::Add) => BinOp::Add,
                    Some(K::Sub) => BinOp::Sub,
                    Some(K::Mul) => BinOp::Mul,
                    Some(K::Div) => BinOp::Div,
                    Some(K::Concat) => BinOp::Concat,
                    Some(K::Update) => BinOp::Update,
                    Some(K::Equal) => BinOp::Eq,
                    Some(K::NotEqual) => BinOp::Neq,
                    Some(K::Less) => BinOp::Lt,
                    Some(K::LessOrEq) => BinOp::Le,
                    Some(K::More) => BinOp::Gt,
                    Some(K::MoreOrEq) => BinOp::Ge,
                    Some(K::And) => BinOp::And,
                    Some(K::Or) => BinOp::Or,
                    Some(K::Implication) => BinOp::Impl,
                    Some(K::PipeLeft) | Some(K::PipeRight) | None => {
                        let tok = b
                            .syntax()
                            .children_with_tokens()
                            .filter_map(|t| t.into_token())
                            .find(|t| !t.kind().is_trivia());
                        let p = tok
                            .map(|t| Pos::at(self.file, u32::from(t.text_range().start())))
                            .unwrap_or(pos);
                        return Err(perr(
                            "syntax error, unexpected invalid token, expecting end of file",
                            p,
                        ));
                    }
                };
                let rpos = b.rhs().map(|r| self.pos(&r)).unwrap_or(pos);
                // `a > b` and `a <= b` are `__lessThan b a` to Nix 2.8, whose scope
                // errors then name `b`'s variables first.
                let (l, r) = if matches!(op, BinOp::Gt | BinOp::Le) {
                    let r = self.opt_expr(b.rhs(), pos)?;
                    (self.opt_expr(b.lhs(), pos)?, r)
                } else {
                    let l = self.opt_expr(b.lhs(), pos)?;
                    (l, self.opt_expr(b.rhs(), pos)?)
                };
                crate::ir::binary(op, l, r, pos, rpos, |s| self.resolve(s, pos, 0))?
            }
        })
    }

    fn need(&self, e: Option<ast::Expr>, pos: Pos) -> EResult<ast::Expr> {
        e.ok_or_else(|| perr("syntax error, unexpected end of file", pos))
    }

    fn string(&mut self, s: &ast::Str, pos: Pos) -> EResult<Expr> {
        let parts = s.normalized_parts();
        let mut out = Vec::new();
        for p in parts {
            match p {
                InterpolPart::Literal(l) => {
                    if !l.is_empty() {
                        out.push(StrPart::Lit(l));
                    }
                }
                InterpolPart::Interpolation(i) => {
                    let ipos = self.pos(&i);
                    let e = self.opt_expr(i.expr(), ipos)?;
                    out.push(StrPart::Expr(e, ipos));
                }
            }
        }
        if out.iter().all(|p| matches!(p, StrPart::Lit(_))) {
            let s: String = out
                .into_iter()
                .map(|p| match p {
                    StrPart::Lit(l) => l,
                    StrPart::Expr(..) => String::new(),
                })
                .collect();
            return Ok(Expr::Const(Value::string(s)));
        }
        Ok(Expr::Str {
            parts: out.into_boxed_slice(),
            pos,
        })
    }

    fn path(
        &mut self,
        parts: Vec<InterpolPart<ast::PathContent>>,
        pos: Pos,
        kind: PathKind,
    ) -> EResult<Expr> {
        let mut out = Vec::new();
        for (i, p) in parts.into_iter().enumerate() {
            match p {
                InterpolPart::Literal(l) => {
                    let mut t = l.text().to_string();
                    if i == 0 {
                        match kind {
                            PathKind::Rel => t = format!("{}/{}", self.base_dir, t),
                            PathKind::Home => t = t.trim_start_matches('~').to_string(),
                            PathKind::Abs => {}
                        }
                    }
                    out.push(StrPart::Lit(t));
                }
                InterpolPart::Interpolation(ip) => {
                    let ipos = self.pos(&ip);
                    let e = self.opt_expr(ip.expr(), ipos)?;
                    out.push(StrPart::Expr(e, ipos));
                }
            }
        }
        if let PathKind::Home = kind {
            let rest: String = match out.first() {
                Some(StrPart::Lit(l)) if out.len() == 1 => l.clone(),
                _ => return Err(perr("interpolation in home paths is not supported", pos)),
            };
            return Ok(Expr::HomePath { rest, pos });
        }
        if out.len() == 1 {
            if let Some(StrPart::Lit(l)) = out.first() {
                return Ok(Expr::Const(Value::path(crate::eval::canon_path(l))));
            }
        }
        Ok(Expr::PathInterp {
            parts: out.into_boxed_slice(),
            pos,
        })
    }

    fn attr_key(&mut self, a: ast::Attr, pos: Pos) -> EResult<AttrKey> {
        if let Some(s) = static_attr_name(&a) {
            return Ok(AttrKey::name(Sym::new(&s)));
        }
        let apos = self.pos(&a);
        let e = match a {
            ast::Attr::Dynamic(d) => self.opt_expr(d.expr(), pos)?,
            ast::Attr::Str(s) => leak(self.string(&s, apos)?),
            ast::Attr::Ident(_) => return Err(perr("syntax error", apos)),
        };
        Ok(AttrKey::Dynamic(e, apos))
    }

    fn attrpath(&mut self, p: Option<ast::Attrpath>, pos: Pos) -> EResult<Box<[AttrKey]>> {
        let p = p.ok_or_else(|| perr("syntax error, unexpected end of file", pos))?;
        let mut out = Vec::new();
        for a in p.attrs() {
            out.push(self.attr_key(a, pos)?);
        }
        Ok(out.into_boxed_slice())
    }

    fn lambda(&mut self, l: &ast::Lambda, pos: Pos) -> EResult<LambdaExpr> {
        let param = l.param().ok_or_else(|| perr("syntax error", pos))?;
        match param {
            ast::Param::IdentParam(ip) => {
                let name = ip.ident().map(|i| ident_name(&i)).unwrap_or_default();
                let mut m = SymMap::default();
                m.insert(Sym::new(&name), 0);
                self.scopes.push(Scope::Frame(m, None));
                let body = self.opt_expr(l.body(), pos);
                self.scopes.pop();
                Ok(LambdaExpr {
                    name: Default::default(),
                    pos,
                    formals: None,
                    at_name: Some(Sym::new(&name)),
                    frame_size: 1,
                    body: body?,
                })
            }
            ast::Param::Pattern(pat) => {
                let mut names = SymMap::default();
                let mut entries_ast = Vec::new();
                for (i, e) in pat.pat_entries().enumerate() {
                    let Some(id) = e.ident() else { continue };
                    let name = Sym::new(&ident_name(&id));
                    let epos = self.pos(&id);
                    if names.insert(name, i as u32).is_some() {
                        return Err(perr(
                            format!("duplicate formal function argument '{name}'"),
                            epos,
                        ));
                    }
                    entries_ast.push((name, e.default(), epos));
                }
                let n = entries_ast.len() as u32;
                let mut at = None;
                let mut at_name = None;
                if let Some(b) = pat.pat_bind() {
                    if let Some(id) = b.ident() {
                        let name = Sym::new(&ident_name(&id));
                        if names.contains_key(&name) {
                            return Err(perr(
                                format!("duplicate formal function argument '{name}'"),
                                pos,
                            ));
                        }
                        names.insert(name, n);
                        at = Some(n);
                        at_name = Some(name);
                    }
                }
                check_frame(names.len(), pos)?;
                let defs = FrameDefs::new();
                self.scopes.push(Scope::Frame(names, Some(defs)));
                let r = (|| -> EResult<LambdaExpr> {
                    let mut entries = Vec::new();
                    for (name, d, epos) in entries_ast {
                        let default = match d {
                            Some(d) => Some(self.expr(d)?),
                            None => None,
                        };
                        entries.push(Formal {
                            name,
                            default,
                            pos: epos,
                            hint: Hint::default(),
                        });
                    }
                    defs.fill(entries.iter().map(|f: &Formal| f.default).collect());
                    let body = self.opt_expr(l.body(), pos)?;
                    Ok(LambdaExpr {
                        name: Default::default(),
                        pos,
                        formals: Some(Box::new(Formals {
                            entries,
                            ellipsis: pat.ellipsis_token().is_some(),
                            at,
                        })),
                        at_name,
                        frame_size: n + at.map(|_| 1).unwrap_or(0),
                        body,
                    })
                })();
                self.scopes.pop();
                r
            }
        }
    }

    fn collect_attrs(&mut self, a: &ast::AttrSet, rec: bool) -> EResult<PAttrs> {
        self.collect_entries(a.entries(), rec)
    }

    fn collect_entries(
        &mut self,
        entries: impl Iterator<Item = ast::Entry>,
        rec: bool,
    ) -> EResult<PAttrs> {
        let mut pa = PAttrs {
            rec,
            statics: Vec::new(),
            dynamics: Vec::new(),
        };
        let mut entries = entries.peekable();
        // Nix 2.8 places the variable or selection an `inherit` makes where the set's
        // first binding began to be read (right after `{`, `rec {` or `let`).
        let set_start = entries.peek().map(|e| inherit_pos(self.file, e.syntax()));
        for entry in entries {
            match entry {
                ast::Entry::Inherit(inh) => {
                    let from = inh.from().and_then(|f| f.expr());
                    let var_pos = set_start.unwrap_or_else(|| inherit_pos(self.file, inh.syntax()));
                    // Every name of one `inherit` has the position of the first (Nix 2.8).
                    let first = inh
                        .attrs()
                        .next()
                        .map(|a| inherit_pos(self.file, a.syntax()));
                    for a in inh.attrs() {
                        let apos = first.unwrap_or(var_pos);
                        let Some(name) = static_attr_name(&a) else {
                            return Err(perr(
                                "dynamic attributes not allowed in inherit",
                                self.pos(&a),
                            ));
                        };
                        let name = Sym::new(&name);
                        if let Some((_, _, p)) = pa.statics.iter().find(|(s, _, _)| *s == name) {
                            return Err(perr(
                                format!("attribute '{name}' already defined at {}", inline_pos(*p)),
                                apos,
                            ));
                        }
                        let v = match &from {
                            Some(f) => PVal::InheritFrom(f.clone(), name, var_pos),
                            None => PVal::InheritVar(name, var_pos),
                        };
                        pa.statics.push((name, v, apos));
                    }
                }
                ast::Entry::AttrpathValue(av) => {
                    let apos = av.attrpath().map(|p| self.pos(&p)).unwrap_or(Pos::NONE);
                    let path: Vec<ast::Attr> = av
                        .attrpath()
                        .map(|p| p.attrs().collect())
                        .unwrap_or_default();
                    let Some(value) = av.value() else {
                        return Err(perr("syntax error, unexpected end of file", apos));
                    };
                    self.add_path(&mut pa, &path, value, apos, String::new())?;
                }
            }
        }
        Ok(pa)
    }

    fn add_path(
        &mut self,
        pa: &mut PAttrs,
        path: &[ast::Attr],
        value: ast::Expr,
        apos: Pos,
        prefix: String,
    ) -> EResult<()> {
        let Some(first) = path.first() else {
            return Err(perr("syntax error", apos));
        };
        let Some(name) = static_attr_name(first) else {
            let v = if path.len() == 1 {
                PVal::Ast(value)
            } else {
                let mut inner = PAttrs {
                    rec: false,
                    statics: Vec::new(),
                    dynamics: Vec::new(),
                };
                self.add_path(&mut inner, &path[1..], value, apos, String::new())?;
                PVal::Nested(inner)
            };
            pa.dynamics.push((first.clone(), v, apos));
            return Ok(());
        };
        let full = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        let sym = Sym::new(&name);
        let existing = pa.statics.iter_mut().find(|(s, _, _)| *s == sym);
        if path.len() == 1 {
            match existing {
                None => {
                    let v = match value {
                        ast::Expr::AttrSet(ref set) if set.rec_token().is_none() => {
                            PVal::Nested(self.collect_attrs(set, false)?)
                        }
                        _ => PVal::Ast(value),
                    };
                    pa.statics.push((sym, v, apos));
                }
                Some((_, PVal::Nested(inner), _)) => match value {
                    ast::Expr::AttrSet(ref set) if set.rec_token().is_none() => {
                        let set_start = set
                            .entries()
                            .next()
                            .map(|e| inherit_pos(self.file, e.syntax()));
                        for entry in set.entries() {
                            self.merge_entry(inner, entry, &full, set_start)?;
                        }
                    }
                    _ => return Err(dup(&full, apos, pa_pos(&pa.statics, sym))),
                },
                Some((_, _, p)) => return Err(dup(&full, apos, *p)),
            }
        } else {
            match existing {
                None => {
                    let mut inner = PAttrs {
                        rec: false,
                        statics: Vec::new(),
                        dynamics: Vec::new(),
                    };
                    self.add_path(&mut inner, &path[1..], value, apos, full)?;
                    pa.statics.push((sym, PVal::Nested(inner), apos));
                }
                Some((_, PVal::Nested(inner), _)) => {
                    self.add_path(inner, &path[1..], value, apos, full)?;
                }
                Some((_, _, p)) => {
                    let p = *p;
                    let rest: Vec<String> = path[1..]
                        .iter()
                        .map(|a| static_attr_name(a).unwrap_or_default())
                        .collect();
                    let shown = format!("{full}.{}", rest.join("."));
                    let _ = shown;
                    return Err(dup(&format!("{full}.{}", rest[0]), apos, p));
                }
            }
        }
        Ok(())
    }

    /// `set_start`: where the merged set's first binding began (see `collect_entries`).
    fn merge_entry(
        &mut self,
        into: &mut PAttrs,
        entry: ast::Entry,
        prefix: &str,
        set_start: Option<Pos>,
    ) -> EResult<()> {
        match entry {
            ast::Entry::Inherit(inh) => {
                let from = inh.from().and_then(|f| f.expr());
                let first = inh
                    .attrs()
                    .next()
                    .map(|a| inherit_pos(self.file, a.syntax()));
                let var_pos = set_start.unwrap_or_else(|| inherit_pos(self.file, inh.syntax()));
                for a in inh.attrs() {
                    let apos = first.unwrap_or(var_pos);
                    let Some(name) = static_attr_name(&a) else {
                        return Err(perr(
                            "dynamic attributes not allowed in inherit",
                            self.pos(&a),
                        ));
                    };
                    let sym = Sym::new(&name);
                    if let Some((_, _, p)) = into.statics.iter().find(|(s, _, _)| *s == sym) {
                        return Err(dup(&format!("{prefix}.{name}"), apos, *p));
                    }
                    let v = match &from {
                        Some(f) => PVal::InheritFrom(f.clone(), sym, var_pos),
                        None => PVal::InheritVar(sym, var_pos),
                    };
                    into.statics.push((sym, v, apos));
                }
            }
            ast::Entry::AttrpathValue(av) => {
                let apos = av.attrpath().map(|p| self.pos(&p)).unwrap_or(Pos::NONE);
                let path: Vec<ast::Attr> = av
                    .attrpath()
                    .map(|p| p.attrs().collect())
                    .unwrap_or_default();
                let Some(value) = av.value() else {
                    return Err(perr("syntax error, unexpected end of file", apos));
                };
                self.add_path(into, &path, value, apos, prefix.to_string())?;
            }
        }
        Ok(())
    }

    fn lower_attrs(&mut self, mut pa: PAttrs) -> EResult<AttrsExpr> {
        pa.statics.sort_by_key(|a| a.0);
        let rec = pa.rec;
        if rec {
            let first = pa.statics.first().map(|a| a.2).unwrap_or(Pos::NONE);
            check_frame(pa.statics.len(), first)?;
            let names: SymMap<u32> = pa
                .statics
                .iter()
                .enumerate()
                .map(|(i, (s, _, _))| (*s, i as u32))
                .collect();
            self.scopes.push(Scope::Frame(names, None));
        }
        let r = (|| -> EResult<AttrsExpr> {
            let mut statics = Vec::with_capacity(pa.statics.len());
            for (name, v, pos) in pa.statics {
                let value = self.lower_pval(v, name, rec)?;
                statics.push(StaticAttr::new(name, value, pos));
            }
            let mut dynamics = Vec::new();
            for (k, v, pos) in pa.dynamics {
                let key = match self.attr_key(k, pos)? {
                    AttrKey::Dynamic(e, _) => e,
                    AttrKey::Static(s, _) => leak(Expr::Const(Value::string(s.as_str()))),
                };
                let value = self.lower_pval(v, Sym::new(""), false)?;
                dynamics.push(DynamicAttr { key, value, pos });
            }
            Ok(AttrsExpr {
                rec,
                statics,
                dynamics,
            })
        })();
        if rec {
            self.scopes.pop();
        }
        r
    }

    /// `in_frame`: the value is evaluated inside the frame of a `rec` set or `let`, so a
    /// plain `inherit x` must skip that frame.
    fn lower_pval(&mut self, v: PVal, name: Sym, in_frame: bool) -> EResult<E> {
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
            PVal::Nested(pa) => {
                let pos = Pos::NONE;
                leak(Expr::Attrs(crate::ir::leak_in(self.lower_attrs(pa)?), pos))
            }
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
}

fn pa_pos(statics: &[(Sym, PVal, Pos)], sym: Sym) -> Pos {
    statics
        .iter()
        .find(|(s, _, _)| *s == sym)
        .map(|(_, _, p)| *p)
        .unwrap_or(Pos::NONE)
}

fn dup(full: &str, at: Pos, first: Pos) -> Box<EvalError> {
    perr(
        format!(
            "attribute '{full}' already defined at {}",
            inline_pos(first)
        ),
        at,
    )
}

enum PathKind {
    Abs,
    Rel,
    Home,
}

pub fn ident_name(id: &ast::Ident) -> String {
    // An identifier node is one token; reading it directly avoids formatting the node's
    // text through rowan's `SyntaxText`, which is slow.
    match id.syntax().first_token() {
        Some(t) if t.text_range() == id.syntax().text_range() => t.text().to_string(),
        _ => id.syntax().text().to_string(),
    }
}

/// The name of an attribute if it is known before evaluation: identifiers, strings
/// without interpolation, and `${"literal"}`.
fn static_attr_name(a: &ast::Attr) -> Option<String> {
    match a {
        ast::Attr::Ident(i) => Some(ident_name(i)),
        ast::Attr::Str(s) => str_literal(s),
        ast::Attr::Dynamic(d) => match d.expr()? {
            ast::Expr::Str(s) => str_literal(&s),
            _ => None,
        },
    }
}

fn str_literal(s: &ast::Str) -> Option<String> {
    let mut out = String::new();
    for p in s.normalized_parts() {
        match p {
            InterpolPart::Literal(l) => out.push_str(&l),
            InterpolPart::Interpolation(_) => return None,
        }
    }
    Some(out)
}

/// An expression rendered the way Nix 2.8's `Expr::show` does (operators desugared to
/// builtins and fully parenthesised); used in "assertion '…' failed".
fn show_expr(e: &ast::Expr) -> String {
    let show = |x: Option<ast::Expr>| x.map(|x| show_expr(&x)).unwrap_or_default();
    match e {
        ast::Expr::BinOp(b) => {
            let l = show(b.lhs());
            let r = show(b.rhs());
            use ast::BinOpKind as K;
            match b.operator() {
                Some(K::Less) => format!("(__lessThan {l} {r})"),
                Some(K::More) => format!("(__lessThan {r} {l})"),
                Some(K::LessOrEq) => format!("(! (__lessThan {r} {l}))"),
                Some(K::MoreOrEq) => format!("(! (__lessThan {l} {r}))"),
                Some(K::Sub) => format!("(__sub {l} {r})"),
                Some(K::Mul) => format!("(__mul {l} {r})"),
                Some(K::Div) => format!("(__div {l} {r})"),
                op => {
                    let sym = match op {
                        Some(K::Add) => "+",
                        Some(K::Concat) => "++",
                        Some(K::Update) => "//",
                        Some(K::Equal) => "==",
                        Some(K::NotEqual) => "!=",
                        Some(K::And) => "&&",
                        Some(K::Or) => "||",
                        Some(K::Implication) => "->",
                        _ => "?",
                    };
                    format!("({l} {sym} {r})")
                }
            }
        }
        ast::Expr::Paren(p) => show(p.expr()),
        ast::Expr::UnaryOp(u) => {
            let inner = show(u.expr());
            match u.operator() {
                Some(ast::UnaryOpKind::Invert) => format!("(! {inner})"),
                _ => format!("(__sub 0 {inner})"),
            }
        }
        ast::Expr::Apply(a) => {
            let mut args = Vec::new();
            let mut cur = ast::Expr::Apply(a.clone());
            while let ast::Expr::Apply(x) = &cur {
                args.push(show(x.argument()));
                match x.lambda() {
                    Some(f) => cur = f,
                    None => break,
                }
            }
            args.reverse();
            format!("({} {})", show_expr(&cur), args.join(" "))
        }
        ast::Expr::Select(s) => {
            let path: Vec<String> = s
                .attrpath()
                .map(|p| p.attrs().map(|a| a.syntax().text().to_string()).collect())
                .unwrap_or_default();
            let base = format!("({}).{}", show(s.expr()), path.join("."));
            match s.default_expr() {
                Some(d) => format!("{base} or {}", show_expr(&d)),
                None => base,
            }
        }
        ast::Expr::HasAttr(h) => {
            let path: Vec<String> = h
                .attrpath()
                .map(|p| p.attrs().map(|a| a.syntax().text().to_string()).collect())
                .unwrap_or_default();
            format!("(({}) ? {})", show(h.expr()), path.join("."))
        }
        ast::Expr::List(l) => {
            let mut out = String::from("[ ");
            for i in l.items() {
                out.push_str(&format!("({}) ", show_expr(&i)));
            }
            out.push(']');
            out
        }
        ast::Expr::IfElse(i) => {
            format!(
                "(if {} then {} else {})",
                show(i.condition()),
                show(i.body()),
                show(i.else_body())
            )
        }
        other => other.syntax().text().to_string(),
    }
}

// Silence an unused-import warning for AstToken (needed for `.syntax()` on tokens).
#[allow(dead_code)]
fn _use_ast_token(t: &ast::Integer) -> String {
    t.syntax().text().to_string()
}

/// Like `parse_and_lower`, with `names` bound in an outermost frame (for `scopedImport`).
pub fn parse_and_lower_scoped(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
    names: &[Sym],
) -> EResult<E> {
    if let Some(e) = crate::parse::parse_fast(text, file, base_dir, globals, Some(names)) {
        return Ok(e);
    }
    rnix_parse_and_lower_scoped(text, file, base_dir, globals, names)
}

/// `parse_and_lower_scoped` through rnix only.
pub fn rnix_parse_and_lower_scoped(
    text: &str,
    file: u32,
    base_dir: &str,
    globals: &HashMap<Sym, Value>,
    names: &[Sym],
) -> EResult<E> {
    let parse = rnix::Root::parse(text);
    if let Some(e) = parse.errors().first() {
        return Err(parse_error(e, file, text));
    }
    check_paths(&parse.syntax(), file, text)?;
    let Some(expr) = parse.tree().expr() else {
        return Err(perr(
            "syntax error, unexpected end of file",
            Pos::at(file, text.len() as u32),
        ));
    };
    let frame: SymMap<u32> = names
        .iter()
        .enumerate()
        .map(|(i, s)| (*s, i as u32))
        .collect();
    let mut l = Lowerer {
        file,
        base_dir: base_dir.to_string(),
        scopes: vec![Scope::Frame(frame, None)],
        globals,
    };
    l.expr(expr)
}
