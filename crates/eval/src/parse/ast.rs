//! The fast parser's syntax tree: only what lowering needs (shapes, names, spans), with
//! strings already unescaped and indented strings already stripped.

use crate::ir::BinOp;
use crate::symbol::Sym;

/// A node and its span: from its first token's start to its last token's end (what
/// rnix's nodes cover; positions and `assert` texts are taken from it).
pub struct Node {
    pub start: u32,
    pub end: u32,
    pub kind: Kind,
}

pub enum Kind {
    Int(i64),
    Float(f64),
    /// The text is the span.
    Uri,
    Ident(Sym),
    Str(Vec<StrPart>),
    /// An absolute, relative or home path; the first part is always a literal.
    Path(PathKind, Vec<StrPart>),
    /// `<name>`; the text is the span.
    SearchPath,
    List(Vec<Node>),
    Attrs {
        rec: bool,
        entries: Vec<Entry>,
    },
    LetIn {
        entries: Vec<Entry>,
        body: Box<Node>,
    },
    LegacyLet(Vec<Entry>),
    Select {
        e: Box<Node>,
        path: Vec<Attr>,
        default: Option<Box<Node>>,
    },
    HasAttr {
        e: Box<Node>,
        path: Vec<Attr>,
    },
    Lambda {
        param: Param,
        body: Box<Node>,
    },
    Apply {
        f: Box<Node>,
        arg: Box<Node>,
    },
    Paren(Box<Node>),
    If {
        cond: Box<Node>,
        then: Box<Node>,
        els: Box<Node>,
    },
    Assert {
        cond: Box<Node>,
        body: Box<Node>,
    },
    With {
        ns: Box<Node>,
        body: Box<Node>,
    },
    Not(Box<Node>),
    Neg(Box<Node>),
    Bin {
        op: BinOp,
        l: Box<Node>,
        r: Box<Node>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum PathKind {
    Abs,
    Rel,
    Home,
}

pub enum StrPart {
    /// Unescaped text; may be empty (lowering drops empty pieces).
    Lit(String),
    /// An interpolation and the position of its `${`.
    Interp(Node, u32),
}

pub struct Attr {
    pub start: u32,
    pub end: u32,
    /// End of the token before this attribute (where Nix places `inherit`ed names).
    pub prev_end: u32,
    pub kind: AttrKind,
}

pub enum AttrKind {
    Ident(Sym),
    Str(Vec<StrPart>),
    /// `${e}`.
    Dynamic(Box<Node>),
}

pub enum Entry {
    Inherit {
        /// End of the token before `inherit`.
        prev_end: u32,
        from: Option<Node>,
        attrs: Vec<Attr>,
    },
    Value {
        path: Vec<Attr>,
        value: Node,
    },
}

pub enum Param {
    Ident(Sym),
    Pattern {
        entries: Vec<PatEntry>,
        ellipsis: bool,
        bind: Option<Sym>,
    },
}

pub struct PatEntry {
    pub name: Sym,
    pub pos: u32,
    pub default: Option<Node>,
}
