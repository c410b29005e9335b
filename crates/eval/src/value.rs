//! Runtime values: the 16-byte `Value`, thunks that overwrite themselves, environments,
//! attribute sets as sorted vectors, strings with context.

use crate::ir::{Expr, LambdaExpr};
use crate::source::Pos;
use crate::symbol::Sym;
use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

/// A Nix value, possibly not yet evaluated (`Thunk`). Most of the evaluator works on
/// values in weak head normal form, i.e. after `Eval::force`.
#[derive(Clone)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(Rc<NixString>),
    Path(Rc<String>),
    Attrs(Rc<Attrs>),
    List(Rc<Vec<Value>>),
    Lambda(Rc<Closure>),
    PrimOp(&'static PrimOp),
    PrimOpApp(Rc<PrimOpApp>),
    Thunk(Rc<Thunk>),
}

impl Value {
    pub fn string(s: impl Into<String>) -> Value {
        Value::String(Rc::new(NixString { s: s.into(), ctx: Context::default() }))
    }
    pub fn string_ctx(s: impl Into<String>, ctx: Context) -> Value {
        Value::String(Rc::new(NixString { s: s.into(), ctx }))
    }
    pub fn path(s: impl Into<String>) -> Value {
        Value::Path(Rc::new(s.into()))
    }
    pub fn list(v: Vec<Value>) -> Value {
        Value::List(Rc::new(v))
    }
    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(Rc::new(a))
    }
    /// The type name as `builtins.typeOf` spells it.
    pub fn type_of(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::String(_) => "string",
            Value::Path(_) => "path",
            Value::Attrs(_) => "set",
            Value::List(_) => "list",
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_) => "lambda",
            Value::Thunk(_) => "thunk",
        }
    }
    /// The type phrase used in error messages ("an integer", "a set"...).
    pub fn type_phrase(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a Boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a float",
            Value::String(_) => "a string",
            Value::Path(_) => "a path",
            Value::Attrs(_) => "a set",
            Value::List(_) => "a list",
            Value::Lambda(_) => "a function",
            Value::PrimOp(_) => "a built-in function",
            Value::PrimOpApp(_) => "a partially applied built-in function",
            Value::Thunk(_) => "a thunk",
        }
    }
    pub fn is_function(&self) -> bool {
        matches!(self, Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_))
    }
}

/// String context: the store paths a string refers to, in Nix's encoding
/// (`/nix/store/…` plain, `=/nix/store/….drv` all outputs, `!out!/nix/store/….drv`).
/// Kept sorted and without duplicates; empty means no context and no allocation.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct Context(pub Vec<Rc<str>>);

impl Context {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn insert(&mut self, s: Rc<str>) {
        if let Err(i) = self.0.binary_search(&s) {
            self.0.insert(i, s);
        }
    }
    pub fn extend(&mut self, other: &Context) {
        for s in &other.0 {
            self.insert(s.clone());
        }
    }
}

pub struct NixString {
    pub s: String,
    pub ctx: Context,
}

impl NixString {
    pub fn as_str(&self) -> &str {
        &self.s
    }
}

/// One attribute: name, value (maybe a thunk) and where it was defined.
#[derive(Clone)]
pub struct Attr {
    pub name: Sym,
    pub value: Value,
    pub pos: Pos,
}

/// An attribute set: attributes sorted by name bytes, unique names.
#[derive(Clone, Default)]
pub struct Attrs {
    pub entries: Vec<Attr>,
}

impl Attrs {
    pub fn new() -> Attrs {
        Attrs { entries: Vec::new() }
    }
    pub fn with_capacity(n: usize) -> Attrs {
        Attrs { entries: Vec::with_capacity(n) }
    }
    /// Builds a set from unsorted entries; later duplicates win.
    pub fn from_unsorted(mut entries: Vec<Attr>) -> Attrs {
        entries.sort_by_key(|a| a.name);
        entries.dedup_by(|later, earlier| {
            if later.name == earlier.name {
                std::mem::swap(later, earlier);
                true
            } else {
                false
            }
        });
        Attrs { entries }
    }
    /// Builds a set from entries already sorted with no duplicates.
    pub fn from_sorted(entries: Vec<Attr>) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs { entries }
    }
    #[inline]
    pub fn get(&self, name: Sym) -> Option<&Value> {
        self.get_attr(name).map(|a| &a.value)
    }
    #[inline]
    pub fn get_attr(&self, name: Sym) -> Option<&Attr> {
        let e = &self.entries;
        if e.len() <= 8 {
            return e.iter().find(|a| a.name == name);
        }
        e.binary_search_by(|a| a.name.cmp(&name)).ok().map(|i| &e[i])
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// `self // other`: one merge pass over two sorted vectors.
    pub fn update(&self, other: &Attrs) -> Attrs {
        let (a, b) = (&self.entries, &other.entries);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            match a[i].name.cmp(&b[j].name) {
                std::cmp::Ordering::Less => {
                    out.push(a[i].clone());
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.push(b[j].clone());
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    out.push(b[j].clone());
                    i += 1;
                    j += 1;
                }
            }
        }
        out.extend_from_slice(&a[i..]);
        out.extend_from_slice(&b[j..]);
        Attrs { entries: out }
    }
}

/// A frame of variables: one per lambda call, `let`, `rec` set or `with`.
/// Slots are filled once; `let`/`rec` frames are created empty so that the thunks of
/// their bindings can capture the frame itself.
/// Slot 0 is stored inline so that the common one-variable frame (`x: …`, `with`) is a
/// single allocation; an empty boxed slice does not allocate.
pub struct Env {
    pub parent: Option<Rc<Env>>,
    first: OnceCell<Value>,
    rest: Box<[OnceCell<Value>]>,
}

impl Env {
    pub fn new(parent: Option<Rc<Env>>, n: usize) -> Rc<Env> {
        let rest = if n > 1 { (1..n).map(|_| OnceCell::new()).collect() } else { Box::default() };
        Rc::new(Env { parent, first: OnceCell::new(), rest })
    }
    pub fn one(parent: Option<Rc<Env>>, v: Value) -> Rc<Env> {
        Rc::new(Env { parent, first: OnceCell::from(v), rest: Box::default() })
    }
    pub fn with_values(parent: Option<Rc<Env>>, vals: Vec<Value>) -> Rc<Env> {
        let mut it = vals.into_iter();
        let first = match it.next() {
            Some(v) => OnceCell::from(v),
            None => OnceCell::new(),
        };
        Rc::new(Env { parent, first, rest: it.map(OnceCell::from).collect() })
    }
    #[inline]
    pub fn slot(&self, i: usize) -> Option<&OnceCell<Value>> {
        if i == 0 {
            Some(&self.first)
        } else {
            self.rest.get(i - 1)
        }
    }
    /// Replaces slot `i` (only for `__overrides`, before the frame is shared further).
    pub fn replace(self: &Rc<Self>, i: usize, v: Value) {
        if let Some(c) = self.slot(i) {
            // A OnceCell cannot be overwritten; rebuild through a thunk indirection.
            if let Some(Value::Thunk(t)) = c.get() {
                *t.state.borrow_mut() = ThunkState::Pending(Pending::Native(Rc::new(move |ev| ev.force(&v))));
            }
        }
    }
    /// Fills slot `i` of a frame under construction.
    #[inline]
    pub fn set(&self, i: usize, v: Value) {
        if let Some(c) = self.slot(i) {
            let _ = c.set(v);
        }
    }
}

pub struct Closure {
    pub lambda: &'static LambdaExpr,
    pub env: Rc<Env>,
}

/// A built-in function: name, arity and the Rust function taking exactly `arity`
/// (unforced) arguments.
pub struct PrimOp {
    pub name: &'static str,
    pub arity: usize,
    pub f: crate::builtins::PrimFn,
}

pub struct PrimOpApp {
    pub op: &'static PrimOp,
    pub args: Vec<Value>,
}

/// What a thunk computes when forced.
pub enum Pending {
    Expr(&'static Expr, Rc<Env>),
    /// `f x`, delayed (e.g. the elements of `map f xs`).
    Apply(Value, Value),
    /// A computation in Rust, kept as `Rc<dyn Fn>` so that it can be retried after a
    /// caught error (a thunk whose evaluation failed is reset, like Nix does).
    Native(Rc<dyn Fn(&mut crate::eval::Eval) -> crate::error::EResult<Value>>),
}

pub enum ThunkState {
    Pending(Pending),
    /// Being evaluated; the position is that of the expression, for the
    /// "infinite recursion" error.
    Blackhole(Pos),
    Done(Value),
}

pub struct Thunk {
    pub state: RefCell<ThunkState>,
}

impl Thunk {
    pub fn new(p: Pending) -> Value {
        Value::Thunk(Rc::new(Thunk { state: RefCell::new(ThunkState::Pending(p)) }))
    }
    /// The value if already computed.
    pub fn value(&self) -> Option<Value> {
        match &*self.state.borrow() {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }
}
