//! The evaluator's intermediate representation: the rowan tree lowered once into compact
//! nodes with variables resolved to (depth, slot). IR lives for the whole process
//! (leaked, like the C++ evaluator's AST), so thunks can point at it with `&'static`;
//! nodes come from a per-thread arena that is never freed.

use crate::source::Pos;
use crate::symbol::Sym;
use crate::value::Value;
use std::cell::{Cell, OnceCell};

pub type E = &'static Expr;

pub enum StrPart {
    Lit(String),
    Expr(E, Pos),
}

pub enum AttrKey {
    Static(Sym, Hint),
    Dynamic(E, Pos),
}

impl AttrKey {
    pub fn name(s: Sym) -> AttrKey {
        AttrKey::Static(s, Hint::default())
    }
}

/// Where a lookup site last found its name in a set: the index into the set's sorted
/// entries. Sets met at one site are mostly made by one literal or one builtin, so the
/// name sits at the same index and a lookup is one compare instead of a search. Only a
/// guess: the entry at the index is checked, and any set can be looked up at any site.
#[derive(Default)]
pub struct Hint(Cell<u32>);

impl Hint {
    #[inline]
    pub fn get(&self) -> usize {
        self.0.get() as usize
    }
    #[inline]
    pub fn set(&self, i: usize) {
        self.0.set(i as u32)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Concat,
    Update,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    Impl,
}

pub struct StaticAttr {
    pub name: Sym,
    pub value: E,
    pub pos: Pos,
    /// The attribute's id in this thread's definition table (`def`): a set literal's
    /// attribute not evaluated yet is kept as this id and its frame (`value::Attr`).
    pub def: u32,
}

impl StaticAttr {
    pub fn new(name: Sym, value: E, pos: Pos) -> StaticAttr {
        StaticAttr {
            name,
            value,
            pos,
            def: register_def(value, pos),
        }
    }
}

thread_local! {
    /// Every static attribute lowered on this thread: its expression and position, by
    /// id. IR is never freed, and never leaves the thread that lowered it (it holds
    /// `Rc`s), so ids are per thread like the IR they point into.
    static DEFS: std::cell::RefCell<Vec<(E, Pos)>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Records a static attribute's expression and position; its id for `def`. Past 2^32 - 1
/// attributes the last id is reused (`def` then answers `None` for it and the attribute
/// falls back to an ordinary thunk, see `value::Attr`).
fn register_def(e: E, pos: Pos) -> u32 {
    DEFS.with(|d| {
        let mut d = d.borrow_mut();
        match u32::try_from(d.len()) {
            Ok(id) if id != u32::MAX => {
                d.push((e, pos));
                id
            }
            _ => u32::MAX,
        }
    })
}

/// The expression and position of static attribute `id` (see `StaticAttr::def`).
#[inline]
pub fn def(id: u32) -> Option<(E, Pos)> {
    DEFS.with(|d| d.borrow().get(id as usize).copied())
}

/// The path and the default of `e.path or default`.
pub struct OrPath {
    pub path: Box<[AttrKey]>,
    pub default: E,
}

pub struct DynamicAttr {
    pub key: E,
    pub value: E,
    pub pos: Pos,
}

/// An attribute set literal. For `rec` sets (and `let`), `statics[i]` lives in slot `i` of
/// a new frame that all values are evaluated in.
pub struct AttrsExpr {
    pub rec: bool,
    pub statics: Vec<StaticAttr>,
    pub dynamics: Vec<DynamicAttr>,
}

pub struct Formal {
    pub name: Sym,
    pub default: Option<E>,
    pub pos: Pos,
    pub hint: Hint,
}

pub struct Formals {
    pub entries: Vec<Formal>,
    pub ellipsis: bool,
    /// Slot of the `@name` binding, if any (after the formals).
    pub at: Option<u32>,
}

pub struct LambdaExpr {
    pub name: Cell<Option<Sym>>,
    pub pos: Pos,
    /// `None` for `x: body` (the argument is slot 0). Boxed: most lambdas have none,
    /// and this keeps every IR node small.
    pub formals: Option<Box<Formals>>,
    /// The argument's name of `x: …`, or the name bound by `@` (for `toXML`).
    pub at_name: Option<Sym>,
    pub frame_size: u32,
    pub body: E,
}

/// The expressions that fill a frame's slots on first use: a `let`'s bindings, a
/// function's default arguments (`None` for a slot filled when the frame is made).
/// Set once the frame's expressions are lowered; variables of the frame point here.
#[derive(Default)]
pub struct FrameDefs(OnceCell<Box<[Option<E>]>>);

impl FrameDefs {
    pub fn new() -> &'static FrameDefs {
        Box::leak(Box::default())
    }
    pub fn fill(&self, defs: Box<[Option<E>]>) {
        let _ = self.0.set(defs);
    }
    #[inline]
    pub fn get(&self, slot: usize) -> Option<E> {
        self.0.get().and_then(|d| d.get(slot).copied().flatten())
    }
}

pub enum Expr {
    Const(Value),
    Var {
        depth: u32,
        slot: u32,
        pos: Pos,
        /// Set when the variable's frame fills slots lazily (`let`, default arguments).
        defs: Option<&'static FrameDefs>,
    },
    /// A name not bound lexically: looked up in the enclosing `with` frames, innermost first
    /// (their depths, all with the namespace in slot 0).
    WithVar {
        name: Sym,
        withs: Box<[u32]>,
        pos: Pos,
        hint: Hint,
    },
    Str {
        parts: Box<[StrPart]>,
        pos: Pos,
    },
    /// An interpolated path literal, e.g. `./a/${b}`; the first part is already absolute.
    PathInterp {
        parts: Box<[StrPart]>,
        pos: Pos,
    },
    /// `<name>`: resolved through `__findFile __nixPath "name"` at evaluation time.
    SearchPath {
        name: String,
        pos: Pos,
    },
    /// `~/rest`.
    HomePath {
        rest: String,
        pos: Pos,
    },
    List(Box<[E]>),
    /// Behind a reference, as `Lambda`: the two largest nodes would make every node
    /// 64 bytes instead of 32.
    Attrs(&'static AttrsExpr, Pos),
    Let {
        frame_size: u32,
        bindings: Box<[E]>,
        body: E,
    },
    Select {
        e: E,
        path: Box<[AttrKey]>,
        pos: Pos,
    },
    /// `e.path or default`; the path and the default behind a reference, which keeps
    /// every node at 32 bytes.
    SelectOr {
        e: E,
        or: &'static OrPath,
        pos: Pos,
    },
    HasAttr {
        e: E,
        path: Box<[AttrKey]>,
        pos: Pos,
    },
    Lambda(&'static LambdaExpr),
    Apply {
        f: E,
        args: Box<[E]>,
        pos: Pos,
    },
    If {
        cond: E,
        then: E,
        els: E,
        pos: Pos,
    },
    Assert {
        cond: E,
        body: E,
        /// The condition as Nix shows it, for "assertion '…' failed" (a thin pointer).
        text: &'static String,
        pos: Pos,
    },
    /// `with ns; body`: body is evaluated in a new frame whose slot 0 is `ns` (lazily).
    With {
        ns: E,
        body: E,
        pos: Pos,
    },
    Not(E, Pos),
    Neg(E, Pos),
    Bin {
        op: BinOp,
        l: E,
        r: E,
        pos: Pos,
        rpos: Pos,
    },
    CurPos(Pos),
    /// The body of `derivation` (`builtins/derivation.rs`), built in Rust when the
    /// derivation has the one default output.
    DerivationBody(&'static crate::builtins::derivation::Body),
}

thread_local! {
    /// This thread's IR nodes: one chunked bump arena that is never freed (the IR lives
    /// as long as the process), so a node costs a pointer bump instead of a `malloc`,
    /// and nodes pack without the allocator's per-size rounding.
    static ARENA: &'static bumpalo::Bump = Box::leak(Box::new(bumpalo::Bump::new()));
}

pub fn leak(e: Expr) -> E {
    leak_in(e)
}

/// `e.path` or `e.path or default`.
pub fn select(e: E, path: Box<[AttrKey]>, default: Option<E>, pos: Pos) -> Expr {
    match default {
        None => Expr::Select { e, path, pos },
        Some(default) => Expr::SelectOr {
            e,
            or: leak_in(OrPath { path, default }),
            pos,
        },
    }
}

/// Any part of the IR, in the same arena as its nodes.
pub fn leak_in<T>(x: T) -> &'static T {
    let arena: &'static bumpalo::Bump = ARENA.with(|a| *a);
    arena.alloc(x)
}

thread_local! {
    /// `__sub`, `__mul`, `__div`, `__lessThan`, `__findFile`, `__nixPath`: the builtins
    /// Nix 2.8's parser makes operators and `<…>` calls of (interned once per thread).
    static OP_NAMES: [Sym; 6] = ["__sub", "__mul", "__div", "__lessThan", "__findFile", "__nixPath"]
        .map(Sym::new);
}

/// For an operator Nix 2.8 parses as a call of a builtin (`a - b` is `__sub a b`,
/// `a > b` is `__lessThan b a`, `a >= b` is `! (__lessThan a b)`): the builtin's name,
/// whether the operands are swapped and whether the result is negated.
fn op_call(op: BinOp) -> Option<(usize, bool, bool)> {
    Some(match op {
        BinOp::Sub => (0, false, false),
        BinOp::Mul => (1, false, false),
        BinOp::Div => (2, false, false),
        BinOp::Lt => (3, false, false),
        BinOp::Gt => (3, true, false),
        BinOp::Le => (3, true, true),
        BinOp::Ge => (3, false, true),
        _ => return None,
    })
}

/// `l op r` as a front-end lowers it, given how it resolves a name (`resolve`): the
/// operator itself, or, where the program binds the builtin the operator calls (a
/// `let __sub = …;`, a function argument, a `scopedImport` set), the call of its own
/// binding, as Nix evaluates it.
pub fn binary<Err>(
    op: BinOp,
    l: E,
    r: E,
    pos: Pos,
    rpos: Pos,
    mut resolve: impl FnMut(Sym) -> Result<Expr, Err>,
) -> Result<Expr, Err> {
    if let Some((name, swap, negate)) = op_call(op) {
        let f = resolve(OP_NAMES.with(|n| n[name]))?;
        if matches!(f, Expr::Var { .. }) {
            let call = if swap {
                call2(f, r, l, pos)
            } else {
                call2(f, l, r, pos)
            };
            return Ok(if negate {
                Expr::Not(leak(call), pos)
            } else {
                call
            });
        }
    }
    Ok(Expr::Bin {
        op,
        l,
        r,
        pos,
        rpos,
    })
}

/// `-e` as a front-end lowers it: negation, or `__sub 0 e` where the program binds
/// `__sub` (Nix 2.8 parses the minus as that call).
pub fn negate<Err>(
    e: E,
    pos: Pos,
    mut resolve: impl FnMut(Sym) -> Result<Expr, Err>,
) -> Result<Expr, Err> {
    let f = resolve(OP_NAMES.with(|n| n[0]))?;
    if !matches!(f, Expr::Var { .. }) {
        return Ok(Expr::Neg(e, pos));
    }
    Ok(call2(f, leak(Expr::Const(Value::Int(0))), e, pos))
}

/// `<name>` as a front-end lowers it: a search-path look-up, or, where the program
/// binds `__findFile` or `__nixPath` itself, the call `__findFile __nixPath "name"` of
/// its bindings, as Nix evaluates it.
pub fn search_path<Err>(
    name: String,
    pos: Pos,
    mut resolve: impl FnMut(Sym) -> Result<Expr, Err>,
) -> Result<Expr, Err> {
    let [find, path] = OP_NAMES.with(|n| [n[4], n[5]]);
    let (find, path) = (resolve(find)?, resolve(path)?);
    if !matches!(find, Expr::Var { .. }) && !matches!(path, Expr::Var { .. }) {
        return Ok(Expr::SearchPath { name, pos });
    }
    let name = leak(Expr::Const(Value::string(&name)));
    Ok(call2(find, leak(path), name, pos))
}

/// `f a b`, the call an operator or `<…>` stands for.
fn call2(f: Expr, a: E, b: E, pos: Pos) -> Expr {
    Expr::Apply {
        f: leak(f),
        args: Box::new([a, b]),
        pos,
    }
}

// Every node's size: the IR of a large file is millions of them.
const _: () = assert!(std::mem::size_of::<Expr>() == 32);

impl Expr {
    /// Position of the expression, used for error messages.
    pub fn pos(&self) -> Pos {
        match self {
            Expr::Const(_) | Expr::List(_) | Expr::Let { .. } | Expr::DerivationBody(_) => {
                Pos::NONE
            }
            Expr::Var { pos, .. }
            | Expr::WithVar { pos, .. }
            | Expr::Str { pos, .. }
            | Expr::PathInterp { pos, .. }
            | Expr::SearchPath { pos, .. }
            | Expr::HomePath { pos, .. }
            | Expr::Attrs(_, pos)
            | Expr::Select { pos, .. }
            | Expr::SelectOr { pos, .. }
            | Expr::HasAttr { pos, .. }
            | Expr::Apply { pos, .. }
            | Expr::If { pos, .. }
            | Expr::Assert { pos, .. }
            | Expr::With { pos, .. }
            | Expr::Not(_, pos)
            | Expr::Neg(_, pos)
            | Expr::Bin { pos, .. }
            | Expr::CurPos(pos) => *pos,
            Expr::Lambda(l) => l.pos,
        }
    }
}
