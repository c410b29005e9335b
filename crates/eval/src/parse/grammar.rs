//! The fast parser's grammar: recursive descent over the lexer's token stream, with
//! precedence climbing for the binary operators, following rnix 0.15's grammar
//! decision for decision (what it accepts, how it groups, where its nodes start and
//! end), so that lowering sees the same shapes as it would from rnix's tree. Any error is a refusal; rnix then parses
//! the text again and reports the error.

use super::ast::*;
use super::lex::{Lexer, Refused, Tok, T};
use super::names::Names;
use crate::ir::BinOp;
use crate::symbol::Sym;
use bumpalo::collections::Vec as BVec;
use bumpalo::Bump;
use std::borrow::Cow;

type R<X> = Result<X, Refused>;

/// Deeper nesting is refused (rnix then reports "expression nested too deeply": it
/// stops at 512). Nix 2.8's parser accepts far more (its stack of 10,000 entries holds
/// about 1,870 nested sets, 3,300 `let`/`if`/`with` levels, 9,900 parentheses), and
/// generated code (long `else if` chains) goes past 512, so this is just under the
/// smallest of Nix's limits.
const MAX_EXPR_DEPTH: u32 = 1800;
/// Our own bound on the other recursions (lists, prefix operators, right-associative
/// chains), so that adversarial input is handed to rnix rather than overflowing here.
const MAX_NEST: u32 = 4000;

pub struct Parser<'s, 'a> {
    src: &'s str,
    /// Where the tree is built.
    a: &'a Bump,
    /// Everything else that lasts from one arena to the next.
    c: Carry<'s>,
    /// Scratch stacks for the lists of a node being read (items, bindings, attribute
    /// paths, formals): nested lists push above the enclosing one's items, and each is
    /// copied into the arena once complete, at its exact size. A growing arena vector
    /// could not grow in place past the nodes its items allocate, and left each
    /// outgrown buffer behind in the arena.
    nodes: Vec<Node<'a>>,
    entries: Vec<Entry<'a>>,
    attrs: Vec<Attr<'a>>,
    formals: Vec<PatEntry<'a>>,
}

/// Tokens the parser may look at beyond the current one.
const LOOKAHEAD: usize = 3;
/// Tokens lexed per refill.
const BATCH: usize = 1024;

pub fn parse<'s: 'a, 'a>(src: &'s str, a: &'a Bump) -> R<Node<'a>> {
    let mut p = Parser::resume(src, a, Carry::start(src)?);
    let e = p.expr();
    if p.c.failed {
        return Err(Refused);
    }
    let e = e?;
    if p.peek() != T::Eof {
        return Err(Refused);
    }
    Ok(e)
}

/// The parser's state without its arena: what goes from one arena to the next when a
/// large file is lowered one binding at a time (`super::stream`).
pub struct Carry<'s> {
    /// The token stream; `lx.out[i]` is the current token, and `lx.out[i - 1]` (when
    /// `i > 0`) the one before it.
    lx: Lexer<'s>,
    i: usize,
    /// The lexer refused the text: the stream was cut short with `Eof`.
    failed: bool,
    depth: u32,
    nest: u32,
    /// Names already interned in this text.
    syms: Names,
}

impl<'s> Carry<'s> {
    /// Before the first token of `src`.
    pub fn start(src: &'s str) -> R<Self> {
        let mut lx = Lexer::new(src)?;
        lx.out.reserve(BATCH + LOOKAHEAD + 1);
        lx.fill(BATCH)?;
        Ok(Carry {
            lx,
            i: 0,
            failed: false,
            depth: 0,
            nest: 0,
            syms: Names::for_thread(),
        })
    }
}

impl Drop for Carry<'_> {
    fn drop(&mut self) {
        self.syms.give_back();
        self.lx.recycle();
    }
}

/// One step along the outside of a file whose body is a set literal under function
/// heads, `with`s and `let`s (`{ lib }: with lib; { … }`, the shape of large package sets).
pub enum Step<'a> {
    /// `x:`, `{ … }:` or `x @ { … }:`; the body follows.
    Lambda { start: u32, param: Param<'a> },
    /// `with ns;`; the body follows.
    With { start: u32, ns: Node<'a> },
    /// `let … in`; the body follows.
    Let { entries: &'a [Entry<'a>] },
    /// The `{` of a set that is not a pattern; its bindings follow.
    Set { start: u32, set_start: u32 },
    /// Anything else: the file is parsed as a whole.
    Other,
}

fn node(start: u32, end: u32, kind: Kind<'_>) -> Node<'_> {
    Node { start, end, kind }
}

/// Moves a node into the arena.
#[inline]
fn bx<'a>(a: &'a Bump, n: Node<'a>) -> P<'a> {
    a.alloc(n)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Assoc {
    Left,
    Right,
    /// One operator per operand chain: `a == b == c` is a syntax error.
    Non,
}

/// Where `!` sits: its operand is everything from `+`/`-` up, and it may stand
/// wherever an operand of `//` or a lower level may.
const NOT_LEVEL: u8 = 7;

/// Precedence level (higher binds tighter), associativity and operator of a binary
/// operator token, as rnix 0.15 orders them.
#[inline]
fn binop(k: T) -> Option<(u8, Assoc, BinOp)> {
    Some(match k {
        T::Impl => (1, Assoc::Right, BinOp::Impl),
        T::OrOr => (2, Assoc::Left, BinOp::Or),
        T::AndAnd => (3, Assoc::Left, BinOp::And),
        T::Eq => (4, Assoc::Non, BinOp::Eq),
        T::Neq => (4, Assoc::Non, BinOp::Neq),
        T::Lt => (5, Assoc::Non, BinOp::Lt),
        T::Le => (5, Assoc::Non, BinOp::Le),
        T::Gt => (5, Assoc::Non, BinOp::Gt),
        T::Ge => (5, Assoc::Non, BinOp::Ge),
        T::Update => (6, Assoc::Right, BinOp::Update),
        T::Add => (8, Assoc::Left, BinOp::Add),
        T::Sub => (8, Assoc::Left, BinOp::Sub),
        T::Mul => (9, Assoc::Left, BinOp::Mul),
        T::Div => (9, Assoc::Left, BinOp::Div),
        T::Concat => (10, Assoc::Right, BinOp::Concat),
        _ => return None,
    })
}

fn is_fn_arg(k: T) -> bool {
    matches!(
        k,
        T::Rec
            | T::LBrace
            | T::LBrack
            | T::LParen
            | T::StrStart
            | T::Ident
            | T::Float
            | T::Int
            | T::PathAbs
            | T::PathRel
            | T::PathHome
            | T::PathSearch
            | T::Uri
    )
}

impl<'s: 'a, 'a> Parser<'s, 'a> {
    pub fn resume(src: &'s str, a: &'a Bump, c: Carry<'s>) -> Self {
        Parser {
            src,
            a,
            c,
            nodes: Vec::new(),
            entries: Vec::new(),
            attrs: Vec::new(),
            formals: Vec::new(),
        }
    }

    /// Gives up the arena; the scratch stacks are empty between bindings.
    pub fn carry(self) -> Carry<'s> {
        self.c
    }

    /// The next step along the outside of the file (see `Step`), taking its tokens and
    /// counting the nesting exactly as `expr` would on its way to the same place, so
    /// that the bindings are parsed under the same depth limits.
    pub fn spine_step(&mut self) -> R<Step<'a>> {
        if self.c.depth == 0 {
            // Inside the outermost `expr`.
            self.c.depth = 1;
        }
        let t = self.tok();
        let start = t.start;
        let body = |p: &mut Self| -> R<()> {
            if p.c.depth >= MAX_EXPR_DEPTH {
                return Err(Refused);
            }
            p.c.depth += 1;
            Ok(())
        };
        Ok(match (t.k, self.peek_at(1)) {
            (T::Let, k) if k != T::LBrace => {
                self.bump();
                let entries = self.set(T::In)?;
                body(self)?;
                Step::Let { entries }
            }
            (T::With, _) => {
                self.bump();
                let ns = self.expr()?;
                self.expect(T::Semi)?;
                body(self)?;
                Step::With { start, ns }
            }
            (T::Ident, T::Colon) => {
                self.enter()?;
                let name = self.sym(t);
                self.bump();
                self.bump();
                body(self)?;
                Step::Lambda {
                    start,
                    param: Param::Ident(name),
                }
            }
            (T::Ident, T::At) => {
                self.enter()?;
                let name = self.sym(t);
                self.bump();
                self.bump();
                self.expect(T::LBrace)?;
                let param = self.pattern(true, Some(name))?;
                self.expect(T::Colon)?;
                body(self)?;
                Step::Lambda { start, param }
            }
            (T::LBrace, _) => {
                self.enter()?;
                let pattern = self.pattern_ahead();
                self.bump();
                if pattern {
                    let param = self.pattern(false, None)?;
                    self.expect(T::Colon)?;
                    body(self)?;
                    Step::Lambda { start, param }
                } else {
                    Step::Set {
                        start,
                        set_start: self.last_end(),
                    }
                }
            }
            _ => Step::Other,
        })
    }

    /// The next binding of the set a `Step::Set` opened, or `None` after its `}`.
    pub fn stream_entry(&mut self, set_start: u32) -> R<Option<Entry<'a>>> {
        match self.peek() {
            T::RBrace => {
                self.bump();
                Ok(None)
            }
            T::Eof => Err(Refused),
            _ => self.entry(set_start).map(Some),
        }
    }

    /// After a streamed set's `}`: whether the text ends there, as the whole file
    /// parsed at once must (anything after the set, even `.a` or `// x`, makes the
    /// set an operand instead, and the file is parsed as a whole).
    pub fn at_clean_end(&self) -> bool {
        !self.c.failed && self.peek() == T::Eof
    }

    #[inline]
    fn peek(&self) -> T {
        self.tok().k
    }
    #[inline]
    fn peek_at(&self, n: usize) -> T {
        debug_assert!(n <= LOOKAHEAD);
        self.c
            .lx
            .out
            .get(self.c.i + n)
            .map(|t| t.k)
            .unwrap_or(T::Eof)
    }
    #[inline]
    fn tok(&self) -> Tok {
        // The stream always holds the current token (`Eof` at the end).
        self.c.lx.out.get(self.c.i).copied().unwrap_or(Tok {
            k: T::Eof,
            start: self.src.len() as u32,
            end: self.src.len() as u32,
            trivia_before: false,
        })
    }
    #[inline]
    fn bump(&mut self) {
        if self.c.i + LOOKAHEAD + 1 >= self.c.lx.out.len() {
            self.refill();
        }
        if self.c.i + 1 < self.c.lx.out.len() {
            self.c.i += 1;
        }
    }
    /// Lexes the next batch, first dropping consumed tokens (all but the one before the
    /// current token) once there are many.
    #[cold]
    fn refill(&mut self) {
        if self.c.lx.done {
            return;
        }
        if self.c.i > 4 * BATCH {
            let drop = self.c.i - 1;
            self.c.lx.out.drain(..drop);
            self.c.i -= drop;
        }
        if self.c.lx.fill(self.c.i + BATCH).is_err() {
            self.c.failed = true;
            self.c.lx.stop();
        }
    }
    #[inline]
    fn expect(&mut self, k: T) -> R<()> {
        if self.peek() == k {
            self.bump();
            Ok(())
        } else {
            Err(Refused)
        }
    }
    /// End of the last token consumed.
    #[inline]
    fn last_end(&self) -> u32 {
        if self.c.i == 0 {
            0
        } else {
            self.c.lx.out.get(self.c.i - 1).map(|t| t.end).unwrap_or(0)
        }
    }
    #[inline]
    fn text(&self, t: Tok) -> &'s str {
        // Token boundaries are always at ASCII bytes.
        self.src.get(t.start as usize..t.end as usize).unwrap_or("")
    }
    fn sym(&mut self, t: Tok) -> Sym {
        self.c.syms.get(self.src, t.start as usize, t.end as usize)
    }
    fn enter(&mut self) -> R<()> {
        self.c.nest += 1;
        if self.c.nest > MAX_NEST {
            return Err(Refused);
        }
        Ok(())
    }

    pub fn expr(&mut self) -> R<Node<'a>> {
        if self.c.depth >= MAX_EXPR_DEPTH {
            return Err(Refused);
        }
        self.c.depth += 1;
        let r = self.expr_inner();
        self.c.depth -= 1;
        r
    }

    fn expr_inner(&mut self) -> R<Node<'a>> {
        let start = self.tok().start;
        match self.peek() {
            T::Let => {
                self.bump();
                if self.peek() == T::LBrace {
                    self.bump();
                    let entries = self.set(T::RBrace)?;
                    Ok(node(
                        start,
                        self.last_end(),
                        Kind::LegacyLet(self.a.alloc(entries)),
                    ))
                } else {
                    let entries = self.set(T::In)?;
                    let body = self.expr()?;
                    Ok(node(
                        start,
                        body.end,
                        Kind::LetIn(self.a.alloc(LetInN { entries, body })),
                    ))
                }
            }
            T::With => {
                self.bump();
                let ns = self.expr()?;
                self.expect(T::Semi)?;
                let body = self.expr()?;
                Ok(node(
                    start,
                    body.end,
                    Kind::With(self.a.alloc(WithN { ns, body })),
                ))
            }
            T::If => {
                self.bump();
                let cond = self.expr()?;
                self.expect(T::Then)?;
                let then = self.expr()?;
                self.expect(T::Else)?;
                let els = self.expr()?;
                Ok(node(
                    start,
                    els.end,
                    Kind::If(self.a.alloc(IfN { cond, then, els })),
                ))
            }
            T::Assert => {
                self.bump();
                let cond = self.expr()?;
                self.expect(T::Semi)?;
                let body = self.expr()?;
                Ok(node(
                    start,
                    body.end,
                    Kind::Assert(self.a.alloc(AssertN { cond, body })),
                ))
            }
            _ => self.binary(1),
        }
    }

    fn bin(&self, op: BinOp, l: Node<'a>, r: Node<'a>) -> Node<'a> {
        node(l.start, r.end, Kind::Bin(op, self.a.alloc(BinN { l, r })))
    }

    /// The binary operators and `!` by precedence climbing: one call per operand
    /// instead of one per precedence level. It takes what rnix's one-function-per-level
    /// grammar takes: left-associative levels loop, `->`, `//` and `++` recurse to the
    /// right, and `==`/`!=` and the comparisons take one operator, so that after them
    /// an operator of the same level (or one a deeper level left) stays unconsumed.
    fn binary(&mut self, min: u8) -> R<Node<'a>> {
        let mut l = if min <= NOT_LEVEL && self.peek() == T::Not {
            let start = self.tok().start;
            self.bump();
            self.enter()?;
            let e = self.binary(NOT_LEVEL)?;
            self.c.nest -= 1;
            node(start, e.end, Kind::Not(bx(self.a, e)))
        } else {
            self.has_attr()?
        };
        // Level of the last operator taken here: rnix's function for a lower level
        // never takes an operator of a higher one.
        let mut last = u8::MAX;
        let mut last_non_assoc = false;
        while let Some((p, assoc, op)) = binop(self.peek()) {
            if p < min || p > last || (p == last && last_non_assoc) {
                break;
            }
            self.bump();
            let r = if assoc == Assoc::Right {
                self.enter()?;
                let r = self.binary(p)?;
                self.c.nest -= 1;
                r
            } else {
                self.binary(p + 1)?
            };
            l = self.bin(op, l, r);
            last = p;
            last_non_assoc = assoc == Assoc::Non;
        }
        Ok(l)
    }

    fn has_attr(&mut self) -> R<Node<'a>> {
        let mut e = self.negate()?;
        while self.peek() == T::Question {
            self.bump();
            let path = self.attrpath()?;
            e = node(
                e.start,
                self.last_end(),
                Kind::HasAttr(self.a.alloc(HasAttrN { e, path })),
            );
        }
        Ok(e)
    }

    fn negate(&mut self) -> R<Node<'a>> {
        if self.peek() == T::Sub {
            let start = self.tok().start;
            self.bump();
            self.enter()?;
            let e = self.negate()?;
            self.c.nest -= 1;
            return Ok(node(start, e.end, Kind::Neg(bx(self.a, e))));
        }
        self.apply()
    }

    fn apply(&mut self) -> R<Node<'a>> {
        let mut f = self.simple()?;
        while is_fn_arg(self.peek()) {
            let arg = self.simple()?;
            f = node(
                f.start,
                arg.end,
                Kind::Apply(self.a.alloc(ApplyN { f, arg })),
            );
        }
        Ok(f)
    }

    fn simple(&mut self) -> R<Node<'a>> {
        self.enter()?;
        let r = self.simple_inner();
        self.c.nest -= 1;
        r
    }

    fn simple_inner(&mut self) -> R<Node<'a>> {
        let t = self.tok();
        let start = t.start;
        let e = match t.k {
            T::LParen => {
                self.bump();
                let e = self.expr()?;
                // rnix takes whatever token comes next as the closing parenthesis.
                if self.peek() == T::Eof {
                    return Err(Refused);
                }
                self.bump();
                node(start, self.last_end(), Kind::Paren(bx(self.a, e)))
            }
            T::Rec => {
                self.bump();
                // Nix places a `rec` set at its `{`, not at `rec` (where the node, and
                // so an operator or a call it starts, begins).
                let brace = self.tok().start;
                self.expect(T::LBrace)?;
                let entries = self.set(T::RBrace)?;
                node(
                    start,
                    self.last_end(),
                    Kind::Attrs {
                        rec: true,
                        brace,
                        entries: self.a.alloc(entries),
                    },
                )
            }
            T::LBrace => {
                let pattern = self.pattern_ahead();
                self.bump();
                if pattern {
                    let param = self.pattern(false, None)?;
                    self.expect(T::Colon)?;
                    let body = self.expr()?;
                    node(
                        start,
                        body.end,
                        Kind::Lambda(self.a.alloc(LambdaN { param, body })),
                    )
                } else {
                    let entries = self.set(T::RBrace)?;
                    node(
                        start,
                        self.last_end(),
                        Kind::Attrs {
                            rec: false,
                            brace: start,
                            entries: self.a.alloc(entries),
                        },
                    )
                }
            }
            T::LBrack => {
                self.bump();
                let mark = self.nodes.len();
                while !matches!(self.peek(), T::RBrack | T::Eof) {
                    let item = self.simple()?;
                    self.nodes.push(item);
                }
                self.expect(T::RBrack)?;
                let items: &[Node] = self.a.alloc_slice_fill_iter(self.nodes.drain(mark..));
                node(start, self.last_end(), Kind::List(self.a.alloc(items)))
            }
            T::StrStart => {
                let parts = self.string()?;
                node(start, self.last_end(), Kind::Str(self.a.alloc(parts)))
            }
            T::PathAbs | T::PathRel | T::PathHome => {
                let kind = match t.k {
                    T::PathAbs => PathKind::Abs,
                    T::PathRel => PathKind::Rel,
                    _ => PathKind::Home,
                };
                self.bump();
                let mut parts = BVec::with_capacity_in(1, self.a);
                parts.push(StrPart::Lit(self.text(t)));
                if self.peek() == T::InterpStart {
                    if self.tok().trivia_before {
                        // rnix folds `./a ${x}` into the path with the whitespace inside
                        // it; leave that oddity to rnix.
                        return Err(Refused);
                    }
                    loop {
                        let n = self.tok();
                        if n.trivia_before {
                            break;
                        }
                        match n.k {
                            T::PathAbs | T::PathRel | T::PathHome => {
                                parts.push(StrPart::Lit(self.text(n)));
                                self.bump();
                            }
                            T::InterpStart => {
                                self.bump();
                                let e = self.expr()?;
                                self.expect(T::InterpEnd)?;
                                parts.push(StrPart::Interp(e, n.start));
                            }
                            _ => break,
                        }
                    }
                }
                node(
                    start,
                    self.last_end(),
                    Kind::Path(kind, self.a.alloc(parts.into_bump_slice())),
                )
            }
            T::PathSearch => {
                self.bump();
                node(start, t.end, Kind::SearchPath)
            }
            T::Int => {
                self.bump();
                let v = self.text(t).parse::<i64>().map_err(|_| Refused)?;
                node(start, t.end, Kind::Int(v))
            }
            T::Float => {
                self.bump();
                // Out of Nix's range: the rnix path reports "invalid float".
                let v = crate::syntax_error::nix_float(self.text(t)).ok_or(Refused)?;
                node(start, t.end, Kind::Float(v))
            }
            T::Uri => {
                self.bump();
                node(start, t.end, Kind::Uri)
            }
            T::Ident => {
                let name = self.sym(t);
                match self.peek_at(1) {
                    T::Colon => {
                        self.bump();
                        self.bump();
                        let body = self.expr()?;
                        node(
                            start,
                            body.end,
                            Kind::Lambda(self.a.alloc(LambdaN {
                                param: Param::Ident(name),
                                body,
                            })),
                        )
                    }
                    T::At => {
                        self.bump();
                        self.bump();
                        self.expect(T::LBrace)?;
                        let param = self.pattern(true, Some(name))?;
                        self.expect(T::Colon)?;
                        let body = self.expr()?;
                        node(
                            start,
                            body.end,
                            Kind::Lambda(self.a.alloc(LambdaN { param, body })),
                        )
                    }
                    _ => {
                        self.bump();
                        node(start, t.end, Kind::Ident(name))
                    }
                }
            }
            _ => return Err(Refused),
        };
        match self.peek() {
            T::Dot => {
                self.bump();
                let path = self.attrpath()?;
                let default = if self.peek() == T::Or {
                    self.bump();
                    Some(bx(self.a, self.simple()?))
                } else {
                    None
                };
                Ok(node(
                    start,
                    self.last_end(),
                    Kind::Select(self.a.alloc(SelectN { e, path, default })),
                ))
            }
            // Like Nix, `e or` without a `.` applies `e` to a variable named `or`.
            T::Or => {
                let o = self.tok();
                self.bump();
                let arg = node(o.start, o.end, Kind::Ident(Sym::new("or")));
                Ok(node(
                    start,
                    o.end,
                    Kind::Apply(self.a.alloc(ApplyN { f: e, arg })),
                ))
            }
            _ => Ok(e),
        }
    }

    /// Whether the `{` here opens a function's pattern rather than a set.
    fn pattern_ahead(&self) -> bool {
        matches!(
            (self.peek_at(1), self.peek_at(2)),
            (T::Ident, T::Comma)
                | (T::Ident, T::Question)
                | (T::Ident, T::RBrace)
                | (T::Ellipsis, T::RBrace)
                | (T::RBrace, T::Colon)
                | (T::RBrace, T::At)
        )
    }

    /// After the `{` of a pattern.
    fn pattern(&mut self, bound: bool, at: Option<Sym>) -> R<Param<'a>> {
        let mark = self.formals.len();
        let mut ellipsis = false;
        if matches!(self.peek(), T::RBrace | T::Eof) {
            self.expect(T::RBrace)?;
        } else {
            loop {
                let t = self.tok();
                match t.k {
                    T::RBrace => {
                        self.bump();
                        break;
                    }
                    T::Ellipsis => {
                        self.bump();
                        ellipsis = true;
                        self.expect(T::RBrace)?;
                        break;
                    }
                    T::Ident => {
                        self.bump();
                        let name = self.sym(t);
                        let default = if self.peek() == T::Question {
                            self.bump();
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        self.formals.push(PatEntry {
                            name,
                            pos: t.start,
                            default,
                        });
                        if self.peek() == T::Comma {
                            self.bump();
                        } else {
                            self.expect(T::RBrace)?;
                            break;
                        }
                    }
                    _ => return Err(Refused),
                }
            }
        }
        let mut bind = at;
        if self.peek() == T::At {
            if bound {
                return Err(Refused);
            }
            self.bump();
            let t = self.tok();
            self.expect(T::Ident)?;
            bind = Some(self.sym(t));
        }
        Ok(Param::Pattern {
            entries: self.a.alloc_slice_fill_iter(self.formals.drain(mark..)),
            ellipsis,
            bind,
        })
    }

    /// Bindings up to and including `until` (`}` or `in`).
    fn set(&mut self, until: T) -> R<&'a [Entry<'a>]> {
        let mark = self.entries.len();
        // Nix 2.8 places the variable or selection an `inherit` makes where the set's
        // first binding began to be read (right after `{`, `rec {` or `let`).
        let set_start = self.last_end();
        loop {
            let k = self.peek();
            if k == T::Eof || k == until {
                break;
            }
            let e = self.entry(set_start)?;
            self.entries.push(e);
        }
        self.expect(until)?;
        Ok(self.a.alloc_slice_fill_iter(self.entries.drain(mark..)))
    }

    /// One binding, `inherit …;` or `path = value;`.
    fn entry(&mut self, set_start: u32) -> R<Entry<'a>> {
        if self.peek() == T::Inherit {
            let prev_end = set_start;
            self.bump();
            let from = if self.peek() == T::LParen {
                self.bump();
                let e = self.expr()?;
                self.expect(T::RParen)?;
                Some(bx(self.a, e))
            } else {
                None
            };
            let attrs_mark = self.attrs.len();
            loop {
                match self.peek() {
                    T::Semi => break,
                    T::Eof => return Err(Refused),
                    _ => {
                        let a = self.attr()?;
                        self.attrs.push(a);
                    }
                }
            }
            self.bump();
            let attrs = self.a.alloc_slice_fill_iter(self.attrs.drain(attrs_mark..));
            Ok(Entry::Inherit {
                prev_end,
                from,
                attrs,
            })
        } else {
            let path = self.binding_path()?;
            self.expect(T::Assign)?;
            let value = self.expr()?;
            self.expect(T::Semi)?;
            Ok(Entry::Value { path, value })
        }
    }

    /// A binding's path: `attrpath`, a single name kept by value.
    fn binding_path(&mut self) -> R<AttrPath<'a>> {
        let first = self.attr()?;
        if self.peek() != T::Dot {
            return Ok(AttrPath::One(first));
        }
        let mark = self.attrs.len();
        self.attrs.push(first);
        while self.peek() == T::Dot {
            self.bump();
            let a = self.attr()?;
            self.attrs.push(a);
        }
        Ok(AttrPath::Many(
            self.a.alloc_slice_fill_iter(self.attrs.drain(mark..)),
        ))
    }

    fn attrpath(&mut self) -> R<&'a [Attr<'a>]> {
        let mark = self.attrs.len();
        loop {
            let a = self.attr()?;
            self.attrs.push(a);
            if self.peek() == T::Dot {
                self.bump();
            } else {
                return Ok(self.a.alloc_slice_fill_iter(self.attrs.drain(mark..)));
            }
        }
    }

    fn attr(&mut self) -> R<Attr<'a>> {
        let prev_end = self.last_end();
        let t = self.tok();
        let kind = match t.k {
            T::InterpStart => {
                self.bump();
                let e = self.expr()?;
                self.expect(T::InterpEnd)?;
                AttrKind::Dynamic(bx(self.a, e))
            }
            T::StrStart => AttrKind::Str(self.a.alloc(self.string()?)),
            T::Ident | T::Or => {
                self.bump();
                AttrKind::Ident(self.sym(t))
            }
            _ => return Err(Refused),
        };
        Ok(Attr {
            start: t.start,
            end: self.last_end(),
            prev_end,
            kind,
        })
    }

    /// A string from its opening quote to its end, unescaped and (for `''`) stripped.
    fn string(&mut self) -> R<&'a [StrPart<'a>]> {
        let open = self.tok();
        self.expect(T::StrStart)?;
        let multiline = open.end - open.start == 2;
        // Most strings are one plain piece: no look-aside vector, no unescaping pass.
        if !multiline {
            let t = self.tok();
            if t.k == T::StrContent && self.peek_at(1) == T::StrEnd {
                let text = self.text(t);
                if !text.bytes().any(|c| c == b'\\' || c == b'"') {
                    self.bump();
                    self.bump();
                    return Ok(std::slice::from_ref(self.a.alloc(StrPart::Lit(text))));
                }
            }
        }
        let mut raw: Vec<Raw<'a>> = Vec::new();
        loop {
            let t = self.tok();
            match t.k {
                T::StrContent => {
                    raw.push(Raw::Lit(self.text(t)));
                    self.bump();
                }
                T::InterpStart => {
                    self.bump();
                    let e = self.expr()?;
                    self.expect(T::InterpEnd)?;
                    raw.push(Raw::Interp(e, t.start));
                }
                T::StrEnd => {
                    self.bump();
                    break;
                }
                _ => return Err(Refused),
            }
        }
        normalize(self.a, raw, multiline)
    }
}

enum Raw<'a> {
    Lit(&'a str),
    Interp(Node<'a>, u32),
}

fn all_spaces(s: &str) -> bool {
    s.bytes().all(|c| c == b' ')
}

/// Drops the first line of an indented string when it holds only spaces.
fn skip_blank_first_line(text: &str) -> Option<&str> {
    let p = text.find('\n')?;
    if all_spaces(&text[..p]) {
        Some(&text[p + 1..])
    } else {
        None
    }
}

/// rnix's `normalized_parts`: indentation stripping for `''` strings (computed on the
/// raw text, escapes included), then unescaping.
fn normalize<'a>(a: &'a Bump, raw: Vec<Raw<'a>>, multiline: bool) -> R<&'a [StrPart<'a>]> {
    if !multiline {
        let mut out = BVec::with_capacity_in(raw.len(), a);
        for p in raw {
            out.push(match p {
                Raw::Lit(t) => StrPart::Lit(match unescape(t.as_bytes(), false)? {
                    Cow::Borrowed(b) => b,
                    Cow::Owned(o) => a.alloc_str(&o),
                }),
                Raw::Interp(e, pos) => StrPart::Interp(e, pos),
            });
        }
        return Ok(out.into_bump_slice());
    }
    let first_is_literal = matches!(raw.first(), Some(Raw::Lit(_)));
    let mut at_line_start = true;
    let mut min_indent = 1_000_000usize;
    let mut cur_indent = 0usize;
    for (i, part) in raw.iter().enumerate() {
        match part {
            Raw::Interp(..) => {
                if at_line_start {
                    at_line_start = false;
                    min_indent = min_indent.min(cur_indent);
                }
            }
            Raw::Lit(text) => {
                let mut text = *text;
                if i == 0 && first_is_literal {
                    if let Some(t) = skip_blank_first_line(text) {
                        text = t;
                    }
                }
                for c in text.bytes() {
                    if at_line_start {
                        if c == b' ' {
                            cur_indent += 1;
                        } else if c == b'\n' {
                            cur_indent = 0;
                        } else {
                            at_line_start = false;
                            min_indent = min_indent.min(cur_indent);
                        }
                    } else if c == b'\n' {
                        at_line_start = true;
                        cur_indent = 0;
                    }
                }
            }
        }
    }
    let n = raw.len();
    let mut out = BVec::with_capacity_in(n, a);
    let mut dropped = 0usize;
    at_line_start = true;
    for (i, part) in raw.into_iter().enumerate() {
        match part {
            Raw::Interp(e, pos) => {
                at_line_start = false;
                dropped = 0;
                out.push(StrPart::Interp(e, pos));
            }
            Raw::Lit(text) => {
                let mut text = text;
                if i == 0 && first_is_literal {
                    if let Some(t) = skip_blank_first_line(text) {
                        text = t;
                        if text.is_empty() {
                            continue;
                        }
                    }
                }
                let tb = text.as_bytes();
                let mut s: Vec<u8> = Vec::with_capacity(tb.len());
                let mut j = 0;
                while j < tb.len() {
                    let c = tb[j];
                    if at_line_start {
                        if c == b' ' {
                            if dropped >= min_indent {
                                s.push(b' ');
                            }
                            dropped += 1;
                            j += 1;
                        } else if c == b'\n' {
                            dropped = 0;
                            s.push(b'\n');
                            j += 1;
                        } else {
                            at_line_start = false;
                            dropped = 0;
                        }
                    } else {
                        // Copy through the end of the line in one go.
                        let end = match tb[j..].iter().position(|&x| x == b'\n') {
                            Some(k) => {
                                at_line_start = true;
                                j + k + 1
                            }
                            None => tb.len(),
                        };
                        s.extend_from_slice(&tb[j..end]);
                        j = end;
                    }
                }
                if i == n - 1 {
                    if let Some(p) = s.iter().rposition(|&x| x == b'\n') {
                        if s[p + 1..].iter().all(|&x| x == b' ') {
                            s.truncate(p + 1);
                        }
                    }
                }
                out.push(StrPart::Lit(a.alloc_str(&unescape(&s, true)?)));
            }
        }
    }
    Ok(out.into_bump_slice())
}

/// Interprets escapes (`\n`, `''$`, …) the way rnix does.
fn unescape(b: &[u8], multiline: bool) -> R<Cow<'_, str>> {
    let special = if multiline { b'\'' } else { b'\\' };
    if !b.iter().any(|&c| c == special || (!multiline && c == b'"')) {
        return std::str::from_utf8(b)
            .map(Cow::Borrowed)
            .map_err(|_| Refused);
    }
    let mut out: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    let esc = |c: u8| match c {
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        c => c,
    };
    while i < b.len() {
        let c = b[i];
        i += 1;
        if !multiline {
            match c {
                b'"' => break,
                b'\\' => match b.get(i) {
                    None => break,
                    Some(&x) => {
                        out.push(esc(x));
                        i += 1;
                    }
                },
                c => out.push(c),
            }
        } else if c == b'\'' {
            match b.get(i) {
                None => out.push(b'\''),
                Some(b'\'') => {
                    i += 1;
                    match b.get(i) {
                        Some(b'\'') => {
                            i += 1;
                            out.extend_from_slice(b"''");
                        }
                        Some(b'$') => {
                            i += 1;
                            out.push(b'$');
                        }
                        Some(b'\\') => {
                            i += 1;
                            match b.get(i) {
                                None => break,
                                Some(&x) => {
                                    out.push(esc(x));
                                    i += 1;
                                }
                            }
                        }
                        _ => break,
                    }
                }
                Some(&x) => {
                    out.push(b'\'');
                    out.push(x);
                    i += 1;
                }
            }
        } else {
            out.push(c);
        }
    }
    String::from_utf8(out).map(Cow::Owned).map_err(|_| Refused)
}
