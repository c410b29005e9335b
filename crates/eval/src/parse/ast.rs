//! The fast parser's syntax tree: only what lowering needs (shapes, names, spans), with
//! strings already unescaped and indented strings already stripped. Every node, list
//! and unescaped text lives in one bump arena per parse (see `grammar::parse`): building
//! the tree is a pointer bump per node and dropping it frees a few chunks, where a
//! `Box` per node cost a `malloc` and a recursive `free` for each.

use crate::ir::BinOp;
use crate::symbol::Sym;

/// A node and its span: from its first token's start to its last token's end (what
/// rnix's nodes cover; positions and `assert` texts are taken from it).
pub struct Node<'a> {
    pub start: u32,
    pub end: u32,
    pub kind: Kind<'a>,
}

pub type P<'a> = &'a Node<'a>;

pub enum Kind<'a> {
    Int(i64),
    Float(f64),
    /// The text is the span.
    Uri,
    Ident(Sym),
    Str(&'a [StrPart<'a>]),
    /// An absolute, relative or home path; the first part is always a literal.
    Path(PathKind, &'a [StrPart<'a>]),
    /// `<name>`; the text is the span.
    SearchPath,
    List(&'a [Node<'a>]),
    Attrs {
        rec: bool,
        entries: &'a [Entry<'a>],
    },
    LetIn(&'a LetInN<'a>),
    LegacyLet(&'a [Entry<'a>]),
    Select(&'a SelectN<'a>),
    HasAttr(&'a HasAttrN<'a>),
    Lambda(&'a LambdaN<'a>),
    Apply {
        f: P<'a>,
        arg: P<'a>,
    },
    Paren(P<'a>),
    If(&'a IfN<'a>),
    Assert {
        cond: P<'a>,
        body: P<'a>,
    },
    With {
        ns: P<'a>,
        body: P<'a>,
    },
    Not(P<'a>),
    Neg(P<'a>),
    Bin {
        op: BinOp,
        l: P<'a>,
        r: P<'a>,
    },
}

// The larger shapes sit behind one more arena pointer, so that `Kind` is 24 bytes and
// `Node` 32: nodes are moved by value through the parser's returns.

pub struct LetInN<'a> {
    pub entries: &'a [Entry<'a>],
    pub body: P<'a>,
}

pub struct SelectN<'a> {
    pub e: P<'a>,
    pub path: &'a [Attr<'a>],
    pub default: Option<P<'a>>,
}

pub struct HasAttrN<'a> {
    pub e: P<'a>,
    pub path: &'a [Attr<'a>],
}

pub struct LambdaN<'a> {
    pub param: Param<'a>,
    pub body: P<'a>,
}

pub struct IfN<'a> {
    pub cond: P<'a>,
    pub then: P<'a>,
    pub els: P<'a>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Abs,
    Rel,
    Home,
}

pub enum StrPart<'a> {
    /// Unescaped text (a slice of the source when nothing had to change); may be
    /// empty (lowering drops empty pieces).
    Lit(&'a str),
    /// An interpolation and the position of its `${`.
    Interp(Node<'a>, u32),
}

pub struct Attr<'a> {
    pub start: u32,
    pub end: u32,
    /// End of the token before this attribute (where Nix places `inherit`ed names).
    pub prev_end: u32,
    pub kind: AttrKind<'a>,
}

pub enum AttrKind<'a> {
    Ident(Sym),
    Str(&'a [StrPart<'a>]),
    /// `${e}`.
    Dynamic(P<'a>),
}

pub enum Entry<'a> {
    Inherit {
        /// End of the token before `inherit`.
        prev_end: u32,
        from: Option<P<'a>>,
        attrs: &'a [Attr<'a>],
    },
    Value {
        path: &'a [Attr<'a>],
        value: Node<'a>,
    },
}

pub enum Param<'a> {
    Ident(Sym),
    Pattern {
        entries: &'a [PatEntry<'a>],
        ellipsis: bool,
        bind: Option<Sym>,
    },
}

pub struct PatEntry<'a> {
    pub name: Sym,
    pub pos: u32,
    pub default: Option<Node<'a>>,
}
