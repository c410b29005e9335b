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
    Str(Many<'a, StrPart<'a>>),
    /// An absolute, relative or home path; the first part is always a literal.
    Path(PathKind, Many<'a, StrPart<'a>>),
    /// `<name>`; the text is the span.
    SearchPath,
    List(Many<'a, Node<'a>>),
    /// The node starts at `rec` (its parents' spans do, as in Nix), the set itself is
    /// placed at its `{` (`brace`), as Nix places a set.
    Attrs {
        rec: bool,
        brace: u32,
        entries: Many<'a, Entry<'a>>,
    },
    LetIn(&'a LetInN<'a>),
    LegacyLet(Many<'a, Entry<'a>>),
    Select(&'a SelectN<'a>),
    HasAttr(&'a HasAttrN<'a>),
    Lambda(&'a LambdaN<'a>),
    Apply(&'a ApplyN<'a>),
    Paren(P<'a>),
    If(&'a IfN<'a>),
    Assert(&'a AssertN<'a>),
    With(&'a WithN<'a>),
    Not(P<'a>),
    Neg(P<'a>),
    Bin(BinOp, &'a BinN<'a>),
}

/// A list in the arena behind a thin pointer: the slice's own 16 bytes would make every
/// node pay for them, where only strings, lists and sets have one.
pub type Many<'a, T> = &'a &'a [T];

// Every payload is at most 8 bytes, so that `Kind` is 16 bytes and `Node` 24 (a large
// file's tree is millions of nodes, written once and read back once by lowering); the
// larger shapes sit behind one more arena pointer, two-child shapes with both children
// in one allocation.
const _: () = assert!(std::mem::size_of::<Node<'static>>() == 24);

pub struct ApplyN<'a> {
    pub f: Node<'a>,
    pub arg: Node<'a>,
}

pub struct AssertN<'a> {
    pub cond: Node<'a>,
    pub body: Node<'a>,
}

pub struct WithN<'a> {
    pub ns: Node<'a>,
    pub body: Node<'a>,
}

pub struct BinN<'a> {
    pub l: Node<'a>,
    pub r: Node<'a>,
}

pub struct LetInN<'a> {
    pub entries: &'a [Entry<'a>],
    pub body: Node<'a>,
}

pub struct SelectN<'a> {
    pub e: Node<'a>,
    pub path: &'a [Attr<'a>],
    pub default: Option<P<'a>>,
}

pub struct HasAttrN<'a> {
    pub e: Node<'a>,
    pub path: &'a [Attr<'a>],
}

pub struct LambdaN<'a> {
    pub param: Param<'a>,
    pub body: Node<'a>,
}

pub struct IfN<'a> {
    pub cond: Node<'a>,
    pub then: Node<'a>,
    pub els: Node<'a>,
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
    Str(Many<'a, StrPart<'a>>),
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
        path: AttrPath<'a>,
        value: Node<'a>,
    },
}

/// A binding's attribute path. A one-name path (nearly every binding) is kept in the
/// binding itself: lowering reads the name right after the binding, and a separate
/// allocation sat far from it in the arena (allocated before the value's nodes).
pub enum AttrPath<'a> {
    One(Attr<'a>),
    Many(&'a [Attr<'a>]),
}

impl<'a> AttrPath<'a> {
    pub fn as_slice(&self) -> &[Attr<'a>] {
        match self {
            AttrPath::One(a) => std::slice::from_ref(a),
            AttrPath::Many(p) => p,
        }
    }
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
