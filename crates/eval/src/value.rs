//! Runtime values: the 16-byte `Value`, thunks that overwrite themselves, environments,
//! attribute sets as sorted vectors, strings with context.

use crate::ir::{Expr, Hint, LambdaExpr};
use crate::source::Pos;
use crate::symbol::Sym;
use nest_rc::Rc;
use nest_rc::RcSlice;
use std::cell::{Cell, OnceCell};

/// A Nix value, possibly not yet evaluated (`Thunk`). Most of the evaluator works on
/// values in weak head normal form, i.e. after `Eval::force`.
///
/// `repr(u8)`: the tag is the first byte and each kind's payload follows at its
/// alignment (offset 8 for all but `Bool`'s, at 1), which `Value::int` and
/// `Value::bool` rely on to write a value in one store.
#[repr(u8)]
pub enum Value {
    // The kinds without an allocation first, then the counted ones, whose pointers all
    // lead to a 32-bit count at the start of their allocation: `clone` tells them
    // apart with one comparison and counts all with the same instruction.
    // `Value::bool` and `Value::int` write these two tags.
    Null = 0,
    Bool(bool) = 1,
    Int(i64) = 2,
    Float(f64),
    PrimOp(&'static PrimOp),
    String(NixString),
    Path(Rc<String>),
    Attrs(Attrs),
    List(List),
    Lambda(Rc<Closure>),
    PrimOpApp(Rc<PrimOpApp>),
    Thunk(Rc<Thunk>),
}

impl Value {
    /// `Value::Int(i)`, written with one 16-byte store (see `Value`'s clone for why):
    /// for an operator's result, which the caller moves on at once.
    #[inline]
    #[allow(unsafe_code)]
    pub fn int(i: i64) -> Value {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: `Value` is `repr(u8)` and 16 bytes: the tag byte first (2 is `Int`'s
        // declared discriminant), padding, then the `i64` at offset 8; these bits are
        // `Value::Int(i)` with zeroed padding.
        unsafe {
            use std::arch::x86_64::{__m128i, _mm_set_epi64x};
            std::mem::transmute::<__m128i, Value>(_mm_set_epi64x(i, 2))
        }
        #[cfg(not(target_arch = "x86_64"))]
        Value::Int(i)
    }

    /// `v`, moved through a vector register, so that its destination is written by one
    /// 16-byte store (see `Value`'s clone): LLVM assembles a value made of its parts (a
    /// tag and a pointer in two registers) there. For a value just made (a new thunk,
    /// set, function) and handed to the caller, which moves it on at once. (Moving
    /// results, `EResult<Value>`, out of calls this way was measured too: +10 % on
    /// deep-recursion through `call_lambda`, noise elsewhere.)
    #[inline]
    #[allow(unsafe_code)]
    pub fn whole(v: Value) -> Value {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a move through bytes: `MaybeUninit<__m128i>` is 16 bytes like `Value`
        // and keeps every byte (padding, and a pointer's provenance) as it is; it is
        // read unaligned (a `Value` is aligned to 8, an `__m128i` to 16); the bytes go
        // back into one `Value` and the original is not dropped.
        unsafe {
            use std::arch::x86_64::__m128i;
            use std::mem::MaybeUninit;
            let v = MaybeUninit::new(v);
            let bits = std::ptr::read_unaligned(v.as_ptr() as *const MaybeUninit<__m128i>);
            std::mem::transmute::<MaybeUninit<__m128i>, Value>(bits)
        }
        #[cfg(not(target_arch = "x86_64"))]
        v
    }

    /// `Value::Bool(b)`, written with one 16-byte store (see `Value::int`).
    #[inline]
    #[allow(unsafe_code)]
    pub fn bool(b: bool) -> Value {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: as in `int`: the tag byte 1 is `Bool`'s declared discriminant, its
        // `bool` at offset 1 (0 or 1), the rest padding, here zeroed.
        unsafe {
            use std::arch::x86_64::{__m128i, _mm_set_epi64x};
            std::mem::transmute::<__m128i, Value>(_mm_set_epi64x(0, 1 | (b as i64) << 8))
        }
        #[cfg(not(target_arch = "x86_64"))]
        Value::Bool(b)
    }
}

impl Clone for Value {
    /// Counts the new reference, then copies all 16 bytes at once. The derived clone
    /// wrote the copy as its parts (the tag's byte, then the payload), and the caller's
    /// next move of the value read the 16 bytes as one load: a load that spans two
    /// stores, which the CPU cannot forward from its store buffer and waits for. perf
    /// put a fifth of bench/eval sort-fold's time on the instructions after such loads;
    /// this clone took 16 % off deep-recursion's CPU time and 10 % off sort-fold's.
    ///
    /// One of this crate's few `unsafe` blocks (ARCHITECTURE.md, "Unsafe blocks in the
    /// evaluator"): safe Rust has no way to ask for the copy to be one store.
    #[inline]
    #[allow(unsafe_code)]
    fn clone(&self) -> Value {
        if !matches!(
            self,
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::PrimOp(_)
        ) {
            self.count_reference();
        }
        // SAFETY: every variant is either plain data (`Copy` payloads) or one of
        // nest_rc's counted pointers, whose clone is a copy of the pointer plus one on
        // its count; `count_reference` has just added that one, so the bitwise copy
        // owns a reference of its own, exactly as the derived clone's result would.
        // On x86-64 the copy goes through a vector register: with a plain `ptr::read`,
        // LLVM, knowing the tag at a call site, copied the rest in pieces again. A
        // `Value` is 16 bytes (asserted below), as is `MaybeUninit<__m128i>`, which
        // holds any bits, padding included; `read_unaligned` asks nothing of the
        // alignment.
        #[cfg(target_arch = "x86_64")]
        unsafe {
            use std::arch::x86_64::__m128i;
            use std::mem::MaybeUninit;
            let bits =
                std::ptr::read_unaligned(self as *const Value as *const MaybeUninit<__m128i>);
            std::mem::transmute::<MaybeUninit<__m128i>, Value>(bits)
        }
        #[cfg(not(target_arch = "x86_64"))]
        unsafe {
            std::ptr::read(self)
        }
    }
}

impl Value {
    /// Adds one to the count of the allocation the value refers to (for `clone`). Each
    /// arm only finds the count, and every counted kind has it at the start of its
    /// allocation, so the arms are one and the same code: no jump per kind.
    #[inline]
    fn count_reference(&self) {
        let count = match self {
            Value::String(s) => s.0.count(),
            Value::Path(p) => Rc::count(p),
            Value::Attrs(a) => a.0.count(),
            Value::List(l) => l.0.count(),
            Value::Lambda(c) => Rc::count(c),
            Value::PrimOpApp(p) => Rc::count(p),
            Value::Thunk(t) => Rc::count(t),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::PrimOp(_) => {
                return
            }
        };
        count.add_one();
    }
}

impl Value {
    pub fn string(s: impl AsRef<str>) -> Value {
        Value::String(NixString::new(s.as_ref(), Context::default()))
    }
    pub fn string_ctx(s: impl AsRef<str>, ctx: Context) -> Value {
        Value::String(NixString::new(s.as_ref(), ctx))
    }
    /// A string of the bytes `b` (not necessarily UTF-8) with context `ctx`.
    pub fn string_bytes(b: impl AsRef<[u8]>, ctx: Context) -> Value {
        Value::String(NixString::from_bytes(b.as_ref(), ctx))
    }
    /// The name `s` as a string. Names handed to Nix code (`attrNames`, `mapAttrs`,
    /// `zipAttrsWith`) share one string per name instead of a new one per use: a module
    /// evaluation lists the same few thousand names hundreds of thousands of times.
    pub fn sym_string(s: Sym) -> Value {
        SYM_STRINGS.with(|c| {
            let mut v = c.borrow_mut();
            let i = s.id() as usize;
            if i >= v.len() {
                v.resize(i + 1, None);
            }
            let n =
                v[i].get_or_insert_with(|| NixString::from_bytes(s.as_bytes(), Context::default()));
            Value::String(n.clone())
        })
    }
    pub fn path(s: impl Into<String>) -> Value {
        Value::Path(Rc::new(s.into()))
    }
    /// A list value; every empty list is one shared allocation per thread (invisible:
    /// Nix tells lists of up to two elements apart by the cell holding them, not by the
    /// list, and compares them by content), and no spare capacity is kept.
    pub fn list(v: Vec<Value>) -> Value {
        if v.is_empty() {
            return Value::List(List::new());
        }
        Value::List(List(RcSlice::from_vec((), v)))
    }
    /// A set value. `Attrs`' constructors already share one empty set per thread (Nix
    /// too has a single empty set) except for an empty literal, which keeps its position.
    pub fn attrs(a: Attrs) -> Value {
        Value::Attrs(a)
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
    /// The type phrase used in error messages ("an integer", "a set"...); Nix 2.8's
    /// `showType` names builtins and tells strings with a context apart.
    pub fn type_phrase(&self) -> std::borrow::Cow<'static, str> {
        match self {
            Value::Null => "null".into(),
            Value::Bool(_) => "a Boolean".into(),
            Value::Int(_) => "an integer".into(),
            Value::Float(_) => "a float".into(),
            Value::String(s) if !s.ctx().is_empty() => "a string with context".into(),
            Value::String(_) => "a string".into(),
            Value::Path(_) => "a path".into(),
            Value::Attrs(_) => "a set".into(),
            Value::List(_) => "a list".into(),
            Value::Lambda(_) => "a function".into(),
            Value::PrimOp(op) => format!("the built-in function '{}'", op.name).into(),
            Value::PrimOpApp(app) => {
                format!("the partially applied built-in function '{}'", app.op.name).into()
            }
            Value::Thunk(_) => "a thunk".into(),
        }
    }
    /// Drops `self` with a test of the variant inline: a value that owns nothing (an
    /// integer, a Boolean…) costs no call. The compiler's drop of a `Value` is one
    /// out-of-line function over every variant, called even where the value is known
    /// to be an integer (deep-recursion made 16 million such calls).
    #[inline(always)]
    pub fn release(self) {
        match self {
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::PrimOp(_) => {
                std::mem::forget(self)
            }
            v => drop(v),
        }
    }
    pub fn is_function(&self) -> bool {
        matches!(
            self,
            Value::Lambda(_) | Value::PrimOp(_) | Value::PrimOpApp(_)
        )
    }
}

/// String context: the store paths a string refers to, in Nix's encoding
/// (`/nix/store/…` plain, `=/nix/store/….drv` all outputs, `!out!/nix/store/….drv`).
/// Kept sorted and without duplicates; empty means no context and no allocation.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct Context(pub ContextSet);

/// The elements of a context: one pointer, null when empty (most strings have no
/// context, so a string value carries 8 bytes for it instead of a 24-byte `Vec`).
/// The list is shared (`Rc`): a string made from one string with a context (an
/// interpolated output path, a `+`) takes that context without copying it, and
/// cloning a context is a reference count; a change copies a shared list first.
#[derive(Clone, Default, Debug, PartialEq, Eq)]
pub struct ContextSet(Option<Rc<ContextList>>);

#[derive(Clone, Default, Debug, PartialEq, Eq)]
struct ContextList(Vec<std::rc::Rc<str>>);

impl ContextSet {
    pub fn iter(&self) -> std::slice::Iter<'_, std::rc::Rc<str>> {
        match &self.0 {
            Some(v) => v.0.iter(),
            None => [].iter(),
        }
    }
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |v| v.0.len())
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl Context {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn insert(&mut self, s: std::rc::Rc<str>) {
        let list = self.0 .0.get_or_insert_with(Default::default);
        if let Err(i) = list.0.binary_search(&s) {
            Rc::make_mut(list).0.insert(i, s);
        }
    }
    pub fn extend(&mut self, other: &Context) {
        let Some(theirs) = &other.0 .0 else {
            return;
        };
        match &self.0 .0 {
            None => self.0 .0 = Some(theirs.clone()),
            Some(mine) if Rc::ptr_eq(mine, theirs) => {}
            Some(_) => {
                for s in theirs.0.iter() {
                    self.insert(s.clone());
                }
            }
        }
    }
}

/// A string value: the text and its context in one allocation (`nest_rc::RcStr`), behind
/// a thin pointer. Immutable; copies share it. The text is bytes, as in Nix: usually
/// UTF-8, but `substring` may cut a character and `readFile` reads any bytes, and
/// whatever bytes a string holds are kept through concatenation, comparison, hashing
/// and printing. Code that needs text (messages, numbers, paths) takes `to_str`.
#[derive(Clone)]
pub struct NixString(nest_rc::RcStr<Context>);

impl NixString {
    /// A string of `s` with context `ctx`.
    ///
    /// A string of more than 4 GiB ends the process (see `out_of_memory`).
    #[inline]
    pub fn new(s: &str, ctx: Context) -> NixString {
        check_len(s.len());
        NixString(nest_rc::RcStr::new(ctx, s))
    }
    /// A string of the bytes `b` with context `ctx`.
    #[inline]
    pub fn from_bytes(b: &[u8], ctx: Context) -> NixString {
        check_len(b.len());
        NixString(nest_rc::RcStr::from_bytes(ctx, b))
    }
    /// The concatenation of `parts`, with context `ctx`, copied once.
    pub fn concat(parts: &[&str], ctx: Context) -> NixString {
        check_len(parts.iter().fold(0usize, |n, p| n.saturating_add(p.len())));
        NixString(nest_rc::RcStr::concat(ctx, parts))
    }
    /// The concatenation of the byte strings `parts`, with context `ctx`, copied once.
    pub fn concat_bytes(parts: &[&[u8]], ctx: Context) -> NixString {
        check_len(parts.iter().fold(0usize, |n, p| n.saturating_add(p.len())));
        NixString(nest_rc::RcStr::concat_bytes(ctx, parts))
    }
    /// The text's bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
    /// The text as UTF-8, borrowed when it is; bytes that are not become U+FFFD.
    #[inline]
    pub fn to_str(&self) -> std::borrow::Cow<'_, str> {
        self.0.to_str()
    }
    /// The length in bytes (Nix's `stringLength`).
    #[inline]
    pub fn len(&self) -> usize {
        self.0.len()
    }
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    #[inline]
    pub fn ctx(&self) -> &Context {
        self.0.header()
    }
}

/// A string being built in the block of the string value it becomes (see
/// `nest_rc::StrBuf`): for builders of large strings (`toJSON`, `concatStringsSep`,
/// `replaceStrings`), which would otherwise hold the text twice at the end.
pub type StrOut = nest_rc::StrBuf<Context>;

impl NixString {
    /// The string built in `b`, with context `ctx`; the text is not copied.
    pub fn from_buf(b: StrOut, ctx: Context) -> NixString {
        check_len(b.len());
        NixString(b.finish(ctx))
    }
}

/// Where text is written: a `String`, or a `StrOut` that becomes a string value.
pub trait TextOut {
    fn push_str(&mut self, s: &str);
    /// Appends bytes; a `String` gets them as UTF-8, invalid sequences as U+FFFD.
    fn push_bytes(&mut self, b: &[u8]);
    fn push(&mut self, c: char);
    fn reserve(&mut self, n: usize);
}

impl TextOut for String {
    #[inline]
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s)
    }
    #[inline]
    fn push_bytes(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(s) => String::push_str(self, s),
            Err(_) => String::push_str(self, &String::from_utf8_lossy(b)),
        }
    }
    #[inline]
    fn push(&mut self, c: char) {
        String::push(self, c)
    }
    #[inline]
    fn reserve(&mut self, n: usize) {
        String::reserve(self, n)
    }
}

impl TextOut for Vec<u8> {
    #[inline]
    fn push_str(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes())
    }
    #[inline]
    fn push_bytes(&mut self, b: &[u8]) {
        self.extend_from_slice(b)
    }
    #[inline]
    fn push(&mut self, c: char) {
        self.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes())
    }
    #[inline]
    fn reserve(&mut self, n: usize) {
        Vec::reserve(self, n)
    }
}

impl TextOut for StrOut {
    #[inline]
    fn push_str(&mut self, s: &str) {
        nest_rc::StrBuf::push_str(self, s)
    }
    #[inline]
    fn push_bytes(&mut self, b: &[u8]) {
        nest_rc::StrBuf::push_bytes(self, b)
    }
    #[inline]
    fn push(&mut self, c: char) {
        nest_rc::StrBuf::push(self, c)
    }
    #[inline]
    fn reserve(&mut self, n: usize) {
        nest_rc::StrBuf::reserve(self, n)
    }
}

/// Ends the process for a string past 4 GiB (see `out_of_memory`).
#[inline(always)]
fn check_len(len: usize) {
    if len > nest_rc::RcStr::<Context>::MAX_LEN {
        out_of_memory(len);
    }
}

/// A string past 4 GiB (`RcStr::MAX_LEN`): treated as the allocation failure it nearly
/// is (building it already took that memory), which ends the process as every failed
/// allocation in nest does.
#[cold]
#[inline(never)]
fn out_of_memory(len: usize) -> ! {
    std::alloc::handle_alloc_error(
        std::alloc::Layout::from_size_align(len, 1).unwrap_or(std::alloc::Layout::new::<u8>()),
    )
}

thread_local! {
    static EMPTY_AT: std::cell::RefCell<
        std::collections::HashMap<Pos, Attrs, std::hash::BuildHasherDefault<crate::symbol::SymHasher>>,
    > = std::cell::RefCell::new(std::collections::HashMap::default());
    static EMPTY_ATTRS: Attrs = Attrs(RcSlice::from_vec(SetHead::flat(Pos::NONE), Vec::new()));
    static EMPTY_LIST: List = List(RcSlice::from_vec((), Vec::new()));
    /// Each symbol's name as a string value, made on first use (indexed by symbol id).
    static SYM_STRINGS: std::cell::RefCell<Vec<Option<NixString>>> = const {
        std::cell::RefCell::new(Vec::new())
    };
}

/// A list: one allocation (count, length, then exactly the elements) behind an 8-byte
/// pointer; it reads as a slice. Module evaluations keep hundreds of thousands of short
/// lists alive, and a `Rc<Vec>` cost each a 32-byte header block besides the elements.
#[derive(Clone)]
pub struct List(RcSlice<(), Value>);

impl List {
    /// The empty list: one shared allocation per thread (Nix tells lists of up to two
    /// elements apart by the cell holding them, not by the list, and compares them by
    /// content).
    pub fn new() -> List {
        EMPTY_LIST.with(List::clone)
    }
    /// The list `f(0)`, …, `f(n - 1)`, built in place.
    #[inline]
    pub fn build(n: usize, f: impl FnMut(usize) -> Value) -> List {
        if n == 0 {
            return List::new();
        }
        List(RcSlice::new((), n, f))
    }
    /// `build`, or `None` if the memory for `n` elements is not there (`genList` of a
    /// length the program chose).
    pub fn try_build(n: usize, f: impl FnMut(usize) -> Value) -> Option<List> {
        if n == 0 {
            return Some(List::new());
        }
        RcSlice::try_new((), n, f).map(List)
    }
    /// The concatenation of `lists`, `total` elements in all, written once into the
    /// new list (no `Vec` to copy from).
    pub fn concat(lists: &[List], total: usize) -> List {
        let mut elems = lists.iter().flat_map(|l| l.iter());
        List::build(total, |_| elems.next().cloned().unwrap_or(Value::Null))
    }
    /// `self ++ other`, written once into the new list.
    pub fn concat2(&self, other: &List) -> List {
        let (x, y): (&[Value], &[Value]) = (self, other);
        List::build(x.len() + y.len(), |k| match x.get(k) {
            Some(v) => v.clone(),
            None => y[k - x.len()].clone(),
        })
    }
    /// Whether `self` and `other` are the same list (not only equal ones).
    #[inline]
    pub fn ptr_eq(&self, other: &List) -> bool {
        self.0.ptr_eq(&other.0)
    }
    /// The list's address, to tell lists apart while they live.
    pub fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }
}

impl Default for List {
    fn default() -> List {
        List::new()
    }
}

impl std::ops::Deref for List {
    type Target = [Value];
    #[inline(always)]
    fn deref(&self) -> &[Value] {
        self.0.items()
    }
}

/// One attribute: name, value (maybe a thunk) and where it was defined.
///
/// An attribute of a set literal that needs evaluating is not given a thunk of its own
/// when the set is made: the entry keeps the literal's frame and, in place of the
/// position, the attribute's definition id (`ir::StaticAttr::def`), and
/// `Eval::force_attr` evaluates it in place the first time it is read, which saves a
/// 32-byte thunk per attribute (hundreds of thousands stay alive in a module
/// evaluation). Whoever takes the value out of the set unforced (`value`, `clone`: `//`,
/// `attrValues`, an argument) gets a thunk made then and shared with the entry, so the
/// attribute is still evaluated at most once. The entry stays 24 bytes: its four states
/// (ready, a pending definition, a pending `mapAttrs` element, busy) fit in a `Value`'s
/// 16 bytes.
pub struct Attr {
    pub name: Sym,
    /// The position (ready), the definition id (pending or busy with a definition), the
    /// element's index (a pending element), or `u32::MAX` (busy with an element).
    at: Cell<u32>,
    slot: AttrSlot,
}

/// An attribute's value (ready), its frame (pending definition `Attr::at`), the record of
/// the `mapAttrs` result it is element `Attr::at` of, or, while evaluated in place, the
/// thunk handed out meanwhile if any (which gets the value, or the pending state back,
/// when the evaluation ends). 16 bytes, as a `Value`.
type AttrSlot = nest_rc::Slot<Value, Env, Rc<Elems>, Option<Rc<Thunk>>>;

/// What `Attr::begin` found.
pub enum AttrState {
    Ready(Value),
    /// To be evaluated now (the entry is busy until `Attr::finish`).
    Pending(Work),
    /// Already being evaluated: reading it again is an infinite recursion.
    Busy,
}

/// The computation of an attribute not evaluated yet.
pub enum Work {
    Def(&'static Expr, Env),
    Elem(Rc<Elems>, u32),
}

impl Work {
    fn into_state(self) -> ThunkState {
        match self {
            Work::Def(e, env) => ThunkState::Expr(e, env),
            Work::Elem(m, i) => ThunkState::Elem(m, i),
        }
    }
}

/// A thunk that fails: an attribute whose definition is not in this thread's table
/// (not reached: definitions are registered by the thread that lowers and evaluates).
fn missing_def() -> Value {
    let f: NativeFn = std::rc::Rc::new(|_| {
        crate::error::err(
            "internal error: an attribute's definition is missing",
            Pos::NONE,
        )
    });
    Thunk::new(Pending::Native(f))
}

/// The position of static attribute `id` (see `ir::def`).
fn def_pos(id: u32) -> Pos {
    crate::ir::def(id).map_or(Pos::NONE, |(_, p)| p)
}

/// A list of one or two elements is, to Nix, inside its value cell (a copy is another
/// list to printing's `«repeated»`), so an entry that evaluates one in place keeps it in
/// an evaluated thunk: copies taken out of the entry share that cell.
fn cell_for(v: Value) -> Value {
    match v {
        Value::List(l) if (1..=2).contains(&l.len()) => Value::Thunk(Rc::new(Thunk {
            state: Cell::new(ThunkState::Done(Value::List(l))),
        })),
        v => v,
    }
}

impl Attr {
    #[inline]
    pub fn new(name: Sym, value: Value, pos: Pos) -> Attr {
        Attr {
            name,
            at: Cell::new(pos.index()),
            slot: AttrSlot::ready(value),
        }
    }
    /// Static attribute `def` of a set literal evaluated in `env`, not evaluated yet.
    #[inline]
    pub fn pending(name: Sym, def: u32, env: Env) -> Attr {
        Attr {
            name,
            at: Cell::new(def),
            slot: AttrSlot::p(env),
        }
    }
    /// Element `i` of a `mapAttrs` result (`f name value`), not evaluated yet; like
    /// Nix 2.8's, it has no position.
    #[inline]
    pub fn elem(name: Sym, m: Rc<Elems>, i: u32) -> Attr {
        Attr {
            name,
            at: Cell::new(i),
            slot: AttrSlot::q(m),
        }
    }
    /// Where the attribute was defined.
    pub fn pos(&self) -> Pos {
        let at = self.at.get();
        match self.slot.kind() {
            nest_rc::Kind::Ready => Pos::from_index(at),
            nest_rc::Kind::Q => Pos::NONE,
            nest_rc::Kind::P | nest_rc::Kind::Busy => def_pos(at),
        }
    }
    /// The value, maybe unevaluated. An attribute not evaluated yet becomes a thunk
    /// shared with the entry.
    #[inline]
    pub fn value(&self) -> Value {
        match self.slot.get() {
            Some(v) => v.clone(),
            None => self.value_slow().0,
        }
    }
    /// `value` of an attribute not ready, and its position (as `Pos::index`).
    #[inline(never)]
    fn value_slow(&self) -> (Value, u32) {
        let (w, pos) = match self.slot.start(None) {
            nest_rc::Started::Ready(v) => return (v.clone(), self.at.get()),
            nest_rc::Started::Busy => {
                let t = match self.slot.swap_busy(None) {
                    Ok(Some(t)) => t,
                    _ => Thunk::blackhole(),
                };
                let _ = self.slot.swap_busy(Some(t.clone()));
                return (Value::Thunk(t), self.pos().index());
            }
            nest_rc::Started::P(env) => match crate::ir::def(self.at.get()) {
                Some((e, pos)) => (Some(Work::Def(e, env)), pos),
                None => (None, Pos::NONE),
            },
            nest_rc::Started::Q(m) => (Some(Work::Elem(m, self.at.get())), Pos::NONE),
        };
        let t = match w {
            Some(w) => Value::Thunk(Rc::new(Thunk {
                state: Cell::new(w.into_state()),
            })),
            None => missing_def(),
        };
        self.at.set(pos.index());
        let _ = self.slot.finish(t.clone());
        (t, pos.index())
    }
    /// The value in place if it is there (maybe a thunk); a ready attribute stays as
    /// it is for as long as the set lives.
    #[inline]
    pub fn ready_ref(&self) -> Option<&Value> {
        self.slot.get()
    }
    /// The value if it is there without evaluating or allocating anything.
    #[inline]
    pub fn ready(&self) -> Option<Value> {
        self.slot.get().cloned()
    }
    /// Starts reading the value for `Eval::force_attr`: an attribute not evaluated yet
    /// becomes busy and its work is handed over, to be given back to `finish`. A thunk
    /// already evaluated is looked through.
    #[inline]
    pub fn begin(&self) -> AttrState {
        if let Some(v) = self.slot.get() {
            return AttrState::Ready(match v {
                Value::Thunk(t) => t.value().unwrap_or_else(|| v.clone()),
                v => v.clone(),
            });
        }
        match self.slot.start(None) {
            nest_rc::Started::Ready(v) => AttrState::Ready(v.clone()),
            nest_rc::Started::Busy => AttrState::Busy,
            nest_rc::Started::P(env) => match crate::ir::def(self.at.get()) {
                Some((e, _)) => AttrState::Pending(Work::Def(e, env)),
                None => {
                    self.at.set(Pos::NONE.index());
                    let _ = self.slot.finish(missing_def());
                    AttrState::Ready(self.value())
                }
            },
            nest_rc::Started::Q(m) => {
                let i = self.at.get();
                self.at.set(u32::MAX);
                AttrState::Pending(Work::Elem(m, i))
            }
        }
    }
    /// Ends an evaluation `begin` started: the value is stored (also in a thunk handed
    /// out meanwhile); after an error the attribute is pending again, as Nix resets a
    /// thunk whose evaluation failed.
    pub fn finish(&self, r: Result<&Value, ()>, w: Work) {
        let handed_out = self.slot.swap_busy(None).ok().flatten();
        let pos = match &w {
            Work::Def(..) => def_pos(self.at.get()),
            Work::Elem(..) => Pos::NONE,
        };
        match (r, handed_out) {
            (Ok(v), t) => {
                let v = cell_for(v.clone());
                if let Some(t) = t {
                    t.set_state(ThunkState::Done(v.clone()));
                }
                self.at.set(pos.index());
                let _ = self.slot.finish(v);
            }
            (Err(()), Some(t)) => {
                t.set_state(w.into_state());
                self.at.set(pos.index());
                let _ = self.slot.finish(Value::Thunk(t));
            }
            (Err(()), None) => match w {
                Work::Def(_, env) => {
                    let _ = self.slot.restore_p(env);
                }
                Work::Elem(m, i) => {
                    self.at.set(i);
                    let _ = self.slot.restore_q(m);
                }
            },
        }
    }
}

impl Clone for Attr {
    #[inline]
    fn clone(&self) -> Attr {
        let (v, at) = match self.slot.get() {
            Some(v) => (v.clone(), self.at.get()),
            None => self.value_slow(),
        };
        Attr {
            name: self.name,
            at: Cell::new(at),
            slot: AttrSlot::ready(v),
        }
    }
}

/// An attribute set: attributes sorted by name bytes, unique names, and the position of
/// the set literal that made it (Nix reports a missing attribute there). One allocation
/// (`nest_rc::RcSlice`): a 16-byte head (count, length, position or layered) and
/// exactly the entries, no spare capacity, behind an 8-byte pointer; a lookup follows
/// one pointer. Hundreds of thousands of small sets stay alive in a module evaluation.
///
/// A set made by `//` of a large set and a few entries is *layered* (see `LAYER_MIN`):
/// its allocation holds only those few entries (the ones over), then two hidden entries:
/// the flat view once something needed it (`entries`), and the large set under them
/// (the bottom, always flat), whose `at` is the layered set's length. A lookup searches
/// the entries over, then the bottom; the next small `//` copies only the entries over.
/// So a loop of `acc // { x = …; }` over a large set, or a chain of overlays, no longer
/// copies the whole set each time (Nix does copy it).
#[derive(Clone)]
pub struct Attrs(RcSlice<SetHead, Attr>);

/// The head of a set's allocation besides its count and length: the position of the
/// set literal that made it, or `LAYERED` (a layered set, made by `//`, has none).
/// Four bytes, as the position alone took before layered sets.
#[derive(Clone, Copy)]
pub struct SetHead(Pos);

impl SetHead {
    const fn flat(pos: Pos) -> SetHead {
        SetHead(pos)
    }
}

/// `SetHead` of a layered set: an index no position has (`Pos::at` never makes it).
const LAYERED: u32 = u32::MAX - 1;

/// The smallest set a few entries are layered over instead of copied with: below it a
/// copy is cheap, and a layered set costs every lookup a second search.
const LAYER_MIN: usize = 64;

/// The set an entry holds as its value, if it is ready and one (the hidden entries of a
/// layered set).
#[inline]
fn held(a: &Attr) -> Option<&Attrs> {
    match a.slot.get() {
        Some(Value::Attrs(s)) => Some(s),
        _ => None,
    }
}

/// Where `name` is among sorted, unique entries.
#[inline]
fn index_in(e: &[Attr], name: Sym) -> Option<usize> {
    // Up to 16 entries a scan of integer compares beats fetching names to order them.
    if e.len() <= 16 {
        return e.iter().position(|a| a.name == name);
    }
    let key = name.key();
    e.binary_search_by(|a| key.order_of(a.name)).ok()
}

impl Default for Attrs {
    fn default() -> Attrs {
        Attrs::new()
    }
}

impl Attrs {
    /// The empty set: one shared allocation per thread (Nix too has a single empty set).
    pub fn new() -> Attrs {
        EMPTY_ATTRS.with(Attrs::clone)
    }
    fn of(entries: Vec<Attr>, pos: Pos) -> Attrs {
        if entries.is_empty() {
            return Attrs::empty_at(pos);
        }
        Attrs(RcSlice::from_vec(SetHead::flat(pos), entries))
    }
    /// An empty set made by the literal at `pos`: it keeps the position, which Nix
    /// reports when an attribute is missing from it (`getAttr "x" { }`). One per literal
    /// and thread, shared by every evaluation of it (sets are immutable).
    fn empty_at(pos: Pos) -> Attrs {
        if pos.is_none() {
            return Attrs::new();
        }
        EMPTY_AT.with(|m| {
            m.borrow_mut()
                .entry(pos)
                .or_insert_with(|| Attrs(RcSlice::from_vec(SetHead::flat(pos), Vec::new())))
                .clone()
        })
    }
    /// The set of the `n` entries `f(0)`, …, `f(n - 1)`, already in name order with no
    /// duplicates, made by a set literal at `pos`; built in place.
    #[inline]
    pub fn build_at(n: usize, pos: Pos, f: impl FnMut(usize) -> Attr) -> Attrs {
        if n == 0 {
            return Attrs::empty_at(pos);
        }
        let s = Attrs(RcSlice::new(SetHead::flat(pos), n, f));
        debug_assert!(s.entries().windows(2).all(|w| w[0].name < w[1].name));
        s
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
        Attrs::of(entries, Pos::NONE)
    }
    /// Builds a set from entries already sorted with no duplicates.
    pub fn from_sorted(entries: Vec<Attr>) -> Attrs {
        Attrs::from_sorted_at(entries, Pos::NONE)
    }
    /// As `from_sorted`, for a set literal at `pos`.
    pub fn from_sorted_at(entries: Vec<Attr>, pos: Pos) -> Attrs {
        debug_assert!(entries.windows(2).all(|w| w[0].name < w[1].name));
        Attrs::of(entries, pos)
    }
    /// The entries, sorted by name. A layered set makes its flat view the first time
    /// (and keeps it).
    #[inline(always)]
    pub fn entries(&self) -> &[Attr] {
        if self.layered() {
            return self.flat().0.items();
        }
        self.0.items()
    }
    #[inline(always)]
    fn layered(&self) -> bool {
        self.0.header().0.index() == LAYERED
    }
    /// A layered set's parts: the entries over the bottom, the entry that holds the flat
    /// view once made, and the entry that holds the bottom.
    #[inline]
    fn layer(&self) -> (&[Attr], &Attr, &Attr) {
        match self.0.items() {
            [over @ .., cache, bottom] => (over, cache, bottom),
            _ => unreachable!("a layered set has its two hidden entries"),
        }
    }
    /// A layered set's bottom.
    #[inline]
    fn bottom(&self) -> &Attrs {
        match held(self.layer().2) {
            Some(b) => b,
            None => unreachable!("a layered set holds its bottom"),
        }
    }
    /// The set itself if flat, else its flat view, made now if not yet.
    #[inline(never)]
    fn flat(&self) -> &Attrs {
        if !self.layered() {
            return self;
        }
        let (over, cache, _) = self.layer();
        if held(cache).is_none() {
            let f = Attrs::merge(
                Src::Shared(self.bottom().0.items()),
                Src::Shared(over),
                SetHead::flat(Pos::NONE),
                [],
            );
            // Made busy with the layered set, a cache entry becomes ready once, here; a
            // ready slot never changes, so what it lends stays valid while `self` lives.
            let _ = cache.slot.finish(Value::Attrs(f));
        }
        match held(cache) {
            Some(f) => f,
            None => unreachable!("the flat view was just stored"),
        }
    }
    /// The set as a flat one (itself if it is), for a set that will be read often: a
    /// lookup in a layered set, even one with its flat view, takes a detour.
    pub fn flattened(self) -> Attrs {
        if self.layered() {
            return self.flat().clone();
        }
        self
    }
    /// Where the set literal that made this set is (`Pos::NONE` for sets made otherwise).
    pub fn pos(&self) -> Pos {
        let p = self.0.header().0;
        if p.index() == LAYERED {
            return Pos::NONE;
        }
        p
    }
    /// Where Nix reports an attribute missing from this set: at the set literal that
    /// made it, else at `pos` (the call or selection).
    pub fn pos_or(&self, pos: Pos) -> Pos {
        self.pos().or(pos)
    }
    /// Whether `self` and `other` are the same set (not only equal ones).
    #[inline]
    pub fn ptr_eq(&self, other: &Attrs) -> bool {
        self.0.ptr_eq(&other.0)
    }
    /// The set's address, to tell sets apart while they live.
    pub fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }
    /// Attribute `name`'s value, maybe unevaluated (see `Attr::value`).
    #[inline]
    pub fn get(&self, name: Sym) -> Option<Value> {
        self.get_attr(name).map(Attr::value)
    }
    #[inline]
    pub fn get_attr(&self, name: Sym) -> Option<&Attr> {
        if self.layered() {
            return self.get_layered(name, None);
        }
        let e = self.0.items();
        index_in(e, name).map(|i| &e[i])
    }
    /// `get_attr` from a lookup site that remembers where it last found its name.
    #[inline]
    pub fn get_attr_hinted(&self, name: Sym, hint: &Hint) -> Option<&Attr> {
        if self.layered() {
            return self.get_layered(name, Some(hint));
        }
        let e = self.0.items();
        if let Some(a) = e.get(hint.get()) {
            if a.name == name {
                return Some(a);
            }
        }
        self.find_and_hint(name, hint)
    }
    #[inline(never)]
    fn find_and_hint(&self, name: Sym, hint: &Hint) -> Option<&Attr> {
        let e = self.0.items();
        let i = index_in(e, name)?;
        hint.set(i);
        Some(&e[i])
    }
    /// A lookup in a layered set: in its flat view if there is one, else over the
    /// bottom, then in it. Lookups are counted in the cache entry's `at`: a set read
    /// about a quarter as many times as it has entries gets its flat view, where a
    /// lookup is one search and a site's hint works again.
    #[inline(never)]
    fn get_layered(&self, name: Sym, hint: Option<&Hint>) -> Option<&Attr> {
        let (over, cache, _) = self.layer();
        let flat = match held(cache) {
            Some(f) => Some(f),
            None => {
                let n = cache.at.get().saturating_add(1);
                cache.at.set(n);
                (n as usize > self.len() / 4 + 16).then(|| self.flat())
            }
        };
        if let Some(f) = flat {
            return match hint {
                Some(h) => f.get_attr_hinted(name, h),
                None => f.get_attr(name),
            };
        }
        match index_in(over, name) {
            Some(i) => Some(&over[i]),
            None => self.bottom().get_attr(name),
        }
    }
    pub fn len(&self) -> usize {
        if self.layered() {
            return self.layer().2.at.get() as usize;
        }
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// `self // other`: a merge pass over the two sorted slices that records where each
    /// entry comes from, then the result built in place from that record (building a
    /// `Vec` and copying it into the set cost an allocation and a copy per `//`).
    pub fn update(&self, other: &Attrs) -> Attrs {
        if other.is_empty() {
            return self.clone();
        }
        if self.is_empty() {
            return other.clone();
        }
        if self.may_layer() {
            if let Some(s) = self.layer_under(other) {
                return s;
            }
        }
        Attrs::merge(
            Src::Shared(self.entries()),
            Src::Shared(other.entries()),
            SetHead::flat(Pos::NONE),
            [],
        )
    }
    /// `self // other` when the caller gives up its handles: the entries of an operand
    /// nothing else holds are moved into the result as they are (no reference count
    /// touched, and a set literal's attributes still pending stay pending) instead of
    /// being copied, and shared through new thunks when pending.
    pub fn update_owned(mut self, mut other: Attrs) -> Attrs {
        if other.is_empty() {
            return self;
        }
        if self.is_empty() {
            return other;
        }
        if self.may_layer() {
            if let Some(s) = self.layer_under(&other) {
                return s;
            }
        }
        Attrs::merge(
            Src::of(&mut self),
            Src::of(&mut other),
            SetHead::flat(Pos::NONE),
            [],
        )
    }
    /// Whether `self // x` may be layered (`layer_under`): the usual `//` of small sets
    /// skips the call.
    #[inline(always)]
    fn may_layer(&self) -> bool {
        self.layered() || self.0.len() >= LAYER_MIN
    }
    /// `self // other` as a layered set when `other` is a few entries and `self` large
    /// (or layered with few entries over its bottom); `None` when it is not. When the
    /// entries over a layered `self`'s bottom and `other` together are no longer few,
    /// the result is flat, made from the bottom and those entries (not from `self`'s
    /// flat view, which would then be kept).
    #[inline(never)]
    fn layer_under(&self, other: &Attrs) -> Option<Attrs> {
        if other.layered() {
            return None;
        }
        let b = other.0.items();
        let (over, bottom): (&[Attr], &Attrs) = if self.layered() {
            let (over, cache, _) = self.layer();
            match held(cache) {
                Some(f) => (&[], f),
                None => (over, self.bottom()),
            }
        } else {
            (&[], self)
        };
        if bottom.len() < LAYER_MIN || (over.len() + b.len()) * FEW >= bottom.len() {
            if over.is_empty() {
                return None;
            }
            let head = SetHead::flat(Pos::NONE);
            let top = Attrs::merge(Src::Shared(over), Src::Shared(b), head, []);
            return Some(Attrs::merge(
                Src::Shared(bottom.0.items()),
                Src::Shared(top.0.items()),
                head,
                [],
            ));
        }
        let bottom_items = bottom.0.items();
        let added = b
            .iter()
            .filter(|x| {
                index_in(over, x.name).is_none() && index_in(bottom_items, x.name).is_none()
            })
            .count();
        let len = self.len() + added;
        let len = u32::try_from(len).ok()?;
        // The hidden entries' names are never read.
        let unnamed = Sym::new("");
        let cache = Attr {
            name: unnamed,
            at: Cell::new(0),
            slot: AttrSlot::busy(None),
        };
        let under = Attr {
            name: unnamed,
            at: Cell::new(len),
            slot: AttrSlot::ready(Value::Attrs(bottom.clone())),
        };
        let head = SetHead(Pos::from_index(LAYERED));
        Some(Attrs::merge(
            Src::Shared(over),
            Src::Shared(b),
            head,
            [cache, under],
        ))
    }
    /// A set made of the entries of `sa` and `sb` (`sb`'s over `sa`'s of the same
    /// name), followed by `hidden` (a layered set's).
    fn merge<const H: usize>(
        mut sa: Src<'_>,
        mut sb: Src<'_>,
        head: SetHead,
        hidden: [Attr; H],
    ) -> Attrs {
        let (a, b) = (sa.items(), sb.items());
        // For each entry of the result: from `a` (0), from `b` (1), or from `b` over an
        // entry of `a` with the same name (2). The record's buffer is the thread's, kept
        // from one `//` to the next (one allocation less per `//`).
        let mut from: Vec<u8> = MERGE_RECORD.with(Cell::take);
        from.clear();
        from.reserve(a.len() + b.len());
        let (i, j) = if b.len() * FEW < a.len() {
            (few_among_many(b, a, 0, 1, &mut from), b.len())
        } else if a.len() * FEW < b.len() {
            (a.len(), few_among_many(a, b, 1, 0, &mut from))
        } else {
            merge_walk(a, b, &mut from)
        };
        from.resize(from.len() + (a.len() - i), 0);
        from.resize(from.len() + (b.len() - j), 1);
        let (mut i, mut j) = (0, 0);
        let mut hidden = hidden.into_iter();
        let set = Attrs(RcSlice::new(head, from.len() + H, |k| match from.get(k) {
            Some(0) => {
                i += 1;
                sa.take(i - 1)
            }
            Some(1) => {
                j += 1;
                sb.take(j - 1)
            }
            Some(_) => {
                i += 1;
                j += 1;
                sb.take(j - 1)
            }
            None => hidden
                .next()
                .unwrap_or_else(|| Attr::new(Sym::new(""), Value::Null, Pos::NONE)),
        }));
        // A huge record is not kept for the rest of the evaluation.
        if from.capacity() <= MERGE_RECORD_KEPT {
            MERGE_RECORD.with(|r| r.set(from));
        }
        set
    }
}

thread_local! {
    /// `Attrs::merge`'s record buffer between two merges (taken out while in use).
    static MERGE_RECORD: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// The largest record buffer `Attrs::merge` keeps for the next one.
const MERGE_RECORD_KEPT: usize = 1 << 16;

/// Below this ratio of the two operands' sizes, `Attrs::merge` finds the smaller
/// one's entries in the larger by binary search instead of comparing every pair
/// (`big // { x = …; }` in a loop, as in overlays and `foldl'` accumulators).
const FEW: usize = 16;

/// `Attrs::merge`'s record for operands of similar sizes: one pass comparing names.
/// Returns how far it got in `a` and `b`.
fn merge_walk(a: &[Attr], b: &[Attr], from: &mut Vec<u8>) -> (usize, usize) {
    let (mut i, mut j) = (0, 0);
    // Each name's ordering data is fetched once, when the merge reaches it.
    let key = |s: &[Attr], k: usize| s.get(k).map(|x| x.name.key());
    let (mut ka, mut kb) = (key(a, 0), key(b, 0));
    while let (Some(x), Some(y)) = (&ka, &kb) {
        match x.cmp_key(y) {
            std::cmp::Ordering::Less => {
                from.push(0);
                i += 1;
                ka = key(a, i);
            }
            std::cmp::Ordering::Greater => {
                from.push(1);
                j += 1;
                kb = key(b, j);
            }
            std::cmp::Ordering::Equal => {
                from.push(2);
                i += 1;
                j += 1;
                ka = key(a, i);
                kb = key(b, j);
            }
        }
    }
    (i, j)
}

/// `Attrs::merge`'s record when one operand, `few`, is much smaller than the other,
/// `many`: each entry of `few` is found in the rest of `many` by binary search, and the
/// run of `many` before it is recorded at once (`many_code` is `many`'s source code, 0
/// or 1, and `few_code` the other's). Returns how far it got in `many`.
fn few_among_many(
    few: &[Attr],
    many: &[Attr],
    many_code: u8,
    few_code: u8,
    from: &mut Vec<u8>,
) -> usize {
    let mut j = 0;
    for x in few {
        let kx = x.name.key();
        let p = j + many[j..].partition_point(|y| kx.order_of(y.name).is_lt());
        from.resize(from.len() + (p - j), many_code);
        j = p;
        if many.get(j).is_some_and(|y| y.name == x.name) {
            // Same name: `b`'s entry over `a`'s, whichever is the smaller.
            from.push(2);
            j += 1;
        } else {
            from.push(few_code);
        }
    }
    j
}

/// Where `Attrs::merge` gets an operand's entries: moved out of a set nothing else
/// holds, or copied.
enum Src<'a> {
    Own(&'a mut [Attr]),
    Shared(&'a [Attr]),
}

impl<'a> Src<'a> {
    fn of(a: &'a mut Attrs) -> Src<'a> {
        if a.layered() {
            let a: &'a Attrs = a;
            return Src::Shared(a.entries());
        }
        if a.0.strong_count() == 1 {
            match a.0.get_mut() {
                Some((_, items)) => Src::Own(items),
                None => Src::Shared(&[]),
            }
        } else {
            Src::Shared(a.0.items())
        }
    }
    fn items(&self) -> &[Attr] {
        match self {
            Src::Own(items) => items,
            Src::Shared(items) => items,
        }
    }
    /// Entry `i`, moved out (leaving null behind in a set about to be dropped) or copied.
    #[inline]
    fn take(&mut self, i: usize) -> Attr {
        match self {
            Src::Own(items) => match items.get_mut(i) {
                Some(x) => std::mem::replace(x, Attr::new(x.name, Value::Null, Pos::NONE)),
                None => Attr::new(Sym::new(""), Value::Null, Pos::NONE),
            },
            Src::Shared(items) => items[i].clone(),
        }
    }
}

/// A frame of variables: one per lambda call, `let`, `rec` set or `with`.
/// Slots are filled once; `rec` frames are created empty so that the thunks of their
/// bindings can capture the frame itself. A `let` binding (or a default argument) is
/// left empty until first used: its expression is found through the variable that
/// uses it (`ir::FrameDefs`) and evaluated in place, so it needs no thunk, and one
/// never used leaves no thunk pointing back at its frame (a cycle that reference
/// counting would never free).
/// A frame is one allocation holding its parent frame and its slots (`nest_rc::RcSlice`),
/// reached through an 8-byte pointer: thunks and closures each hold one, so a fat
/// `Rc<[slots]>` pointer would cost them 8 bytes more, and std's weak count another 8
/// per frame.
#[derive(Clone)]
pub struct Env(RcSlice<Option<Env>, OnceCell<Value>>);

/// The largest frame (bindings of one `let`, `rec` set or function) there is room for.
pub const MAX_FRAME: usize = 1 << 20;

/// A frame nothing else holds, open for reuse (`Env::get_mut`).
pub struct EnvMut<'a> {
    pub parent: &'a mut Option<Env>,
    slots: &'a mut [OnceCell<Value>],
}

impl EnvMut<'_> {
    /// Puts `v` in slot `i` (reused for another call).
    #[inline]
    pub fn reset(&mut self, i: usize, v: Value) {
        if let Some(c) = self.slots.get_mut(i) {
            *c = OnceCell::from(v);
        }
    }
    /// Empties slot `i` (a frame kept for reuse), dropping what it held. Writes the
    /// empty cell's tag in place, where `reset(i, Value::Null)` built the value on the
    /// stack first and copied it, reading 16 bytes across the tag's 1-byte store (see
    /// `Value`'s clone).
    #[inline]
    pub fn clear(&mut self, i: usize) {
        if let Some(c) = self.slots.get_mut(i) {
            drop(c.take());
        }
    }
}

impl Env {
    /// A frame of `n` empty slots (`n` is at most `MAX_FRAME`, which lowering checks).
    pub fn new(parent: Option<Env>, n: usize) -> Env {
        Env(RcSlice::new(parent, n, |_| OnceCell::new()))
    }
    pub fn one(parent: Option<Env>, v: Value) -> Env {
        let mut v = Some(v);
        Env(RcSlice::new(parent, 1, |_| match v.take() {
            Some(v) => OnceCell::from(v),
            None => OnceCell::new(),
        }))
    }
    #[inline(always)]
    pub fn parent(&self) -> Option<&Env> {
        self.0.header().as_ref()
    }
    /// The frame's parent and slots if nothing else holds it.
    #[inline]
    pub fn get_mut(&mut self) -> Option<EnvMut<'_>> {
        self.0
            .get_mut()
            .map(|(parent, slots)| EnvMut { parent, slots })
    }
    /// The frame's address, to tell frames apart while they live.
    #[inline]
    pub fn addr(&self) -> usize {
        self.0.as_ptr() as usize
    }
    pub fn with_values(parent: Option<Env>, vals: Vec<Value>) -> Env {
        let env = Env::new(parent, vals.len());
        for (i, v) in vals.into_iter().enumerate() {
            env.set(i, v);
        }
        env
    }
    #[inline]
    pub fn slot(&self, i: usize) -> Option<&OnceCell<Value>> {
        self.0.items().get(i)
    }
    /// Replaces slot `i` (only for `__overrides`, before the frame is shared further).
    pub fn replace(&self, i: usize, v: Value) {
        if let Some(c) = self.slot(i) {
            // A OnceCell cannot be overwritten; rebuild through a thunk indirection.
            if let Some(Value::Thunk(t)) = c.get() {
                t.set_state(ThunkState::Native(std::rc::Rc::new(move |ev| ev.force(&v))));
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
    pub env: Env,
}

/// A built-in function: name, arity and the Rust function taking exactly `arity`
/// (unforced) arguments.
pub struct PrimOp {
    pub name: &'static str,
    pub arity: usize,
    pub f: crate::builtins::PrimFn,
    /// Bit `k` set: the function's first act is forcing argument `k`, before anything
    /// else can be seen (output, an error of its own, a caught error). A call that gives
    /// all the arguments at once then evaluates that argument itself instead of making
    /// a thunk for the function to force at once: the same values and errors in the
    /// same order, without the allocation. More than one bit only where the function
    /// forces those arguments one after the other with nothing in between (`seq`):
    /// `filter` checks that its function is one before it forces the list, so only its
    /// function is marked. `CONTEXT` marks `addErrorContext`.
    pub strict: u8,
}

/// `PrimOp::strict` of `addErrorContext`: its second argument is evaluated at the call,
/// and its first (the context text) made into a value only if that fails.
pub const CONTEXT: u8 = 0x80;

pub struct PrimOpApp {
    pub op: &'static PrimOp,
    pub args: Vec<Value>,
}

/// A delayed computation in Rust.
pub type NativeFn = std::rc::Rc<dyn Fn(&mut crate::eval::Eval) -> crate::error::EResult<Value>>;

/// What a thunk computes when forced (the constructor's view; see `ThunkState`).
pub enum Pending {
    Expr(&'static Expr, Env),
    /// Element `i` of a `map`, `genList` or `mapAttrs` result: one small thunk per
    /// element pointing at what all elements share, instead of a pair of values each.
    Elem(Rc<Elems>, u32),
    /// A delayed call of `f` with one or two arguments, boxed: rare (`zipAttrsWith`,
    /// elements past index 2^32), and keeping it out of the state keeps every thunk small.
    Call(Rc<Call>),
    /// A computation in Rust, kept as `Rc<dyn Fn>` so that it can be retried after a
    /// caught error (a thunk whose evaluation failed is reset, like Nix does).
    Native(NativeFn),
}

/// What the elements of one `map`, `genList` or `mapAttrs` result share.
pub enum Elems {
    /// `f xs[i]`; the input list is shared, not copied.
    Map { f: Value, xs: List },
    /// `f i`.
    Gen { f: Value },
    /// `f name value` for entry `i` of the set.
    Attrs { f: Value, set: Attrs },
}

/// `f x` or `f x y`, delayed.
pub struct Call {
    pub f: Value,
    pub x: Value,
    pub y: Option<Value>,
}

impl Elems {
    /// The function every element applies.
    pub fn f(&self) -> &Value {
        match self {
            Elems::Map { f, .. } | Elems::Gen { f } | Elems::Attrs { f, .. } => f,
        }
    }
    /// Element `i` as the call it stands for (`None` past the end, which the builtins
    /// that make elements never ask for).
    pub fn call(&self, i: usize) -> Option<Call> {
        let f = self.f().clone();
        match self {
            Elems::Map { xs, .. } => xs.get(i).map(|x| Call {
                f,
                x: x.clone(),
                y: None,
            }),
            Elems::Gen { .. } => i64::try_from(i).ok().map(|i| Call {
                f,
                x: Value::int(i),
                y: None,
            }),
            Elems::Attrs { set, .. } => set.entries().get(i).map(|a| Call {
                f,
                x: Value::sym_string(a.name),
                y: Some(a.value()),
            }),
        }
    }
    /// Element `i`'s thunk (a boxed call for indexes a `u32` cannot hold).
    pub fn elem(this: &Rc<Self>, i: usize) -> Value {
        match u32::try_from(i) {
            Ok(n) => Thunk::new(Pending::Elem(this.clone(), n)),
            Err(_) => match this.call(i) {
                Some(c) => Thunk::new(Pending::Call(Rc::new(c))),
                None => Value::Null,
            },
        }
    }
}

/// A thunk's state: 24 bytes (an expression and its frame, two words, and the tag).
pub enum ThunkState {
    Expr(&'static Expr, Env),
    Elem(Rc<Elems>, u32),
    Call(Rc<Call>),
    Native(NativeFn),
    /// Being evaluated (forcing it again is an infinite recursion).
    Blackhole,
    Done(Value),
}

/// A lazy value. The state is a `Cell` rather than a `RefCell`: nothing holds a borrow
/// of it across a call (the evaluator moves the pending computation out and puts a
/// black hole in), so the borrow flag would only cost 8 bytes per thunk (56 -> 48 bytes
/// with the reference counts; millions of thunks stay alive in a module evaluation).
pub struct Thunk {
    state: Cell<ThunkState>,
}

impl Thunk {
    #[allow(clippy::new_ret_no_self)] // a thunk only exists inside a `Value`
    pub fn new(p: Pending) -> Value {
        let st = match p {
            Pending::Expr(e, env) => ThunkState::Expr(e, env),
            Pending::Elem(m, i) => ThunkState::Elem(m, i),
            Pending::Call(c) => ThunkState::Call(c),
            Pending::Native(f) => ThunkState::Native(f),
        };
        Value::whole(Value::Thunk(Rc::new(Thunk {
            state: Cell::new(st),
        })))
    }
    /// A thunk being evaluated elsewhere (a `let` binding evaluated in its slot); that
    /// evaluation gives it its value.
    pub fn blackhole() -> Rc<Thunk> {
        Rc::new(Thunk {
            state: Cell::new(ThunkState::Blackhole),
        })
    }
    #[inline]
    pub fn expr(e: &'static Expr, env: Env) -> Value {
        Value::whole(Value::Thunk(Rc::new(Thunk {
            state: Cell::new(ThunkState::Expr(e, env)),
        })))
    }
    /// Runs `f` on the current state (which must not touch this thunk).
    #[inline(always)]
    pub fn peek<R>(&self, f: impl FnOnce(&ThunkState) -> R) -> R {
        let st = self.state.replace(ThunkState::Blackhole);
        let r = f(&st);
        // The placeholder owns nothing, so it needs no drop.
        std::mem::forget(self.state.replace(st));
        r
    }
    /// The value if already computed.
    ///
    /// Read in place: `peek` moves the state out and back, and a clone out of that
    /// moved copy reads 16 bytes across two of the copy's stores, which the CPU cannot
    /// forward (see `Value`'s clone); this is on the path of every variable that holds
    /// an evaluated thunk. One of the evaluator's `unsafe` blocks (ARCHITECTURE.md).
    #[inline(always)]
    #[allow(unsafe_code)]
    pub fn value(&self) -> Option<Value> {
        // SAFETY: the shared reference lives only inside this function, and nothing
        // here writes the cell: the clone only adds one to the count of the value's own
        // allocation (a different allocation from this thunk's), and no other code runs
        // while the reference lives (the type is not `Sync`).
        match unsafe { &*self.state.as_ptr() } {
            ThunkState::Done(v) => Some(v.clone()),
            _ => None,
        }
    }
    /// A thunk its maker gives a value (`set_state`) before anything else can reach
    /// it: a value that holds itself (`derivation`'s result is its own first output).
    /// Forced before that, it is an infinite recursion.
    pub fn to_be_set() -> Rc<Thunk> {
        Rc::new(Thunk {
            state: Cell::new(ThunkState::Blackhole),
        })
    }
    /// Takes the state out, leaving `placeholder` in its place.
    #[inline]
    pub fn take_state(&self, placeholder: ThunkState) -> ThunkState {
        self.state.replace(placeholder)
    }
    #[inline]
    pub fn set_state(&self, st: ThunkState) {
        self.state.set(st);
    }
}

// Sizes the evaluator's memory use depends on (checked at compile time).
const _: () = assert!(std::mem::size_of::<Value>() == 16);
const _: () = assert!(std::mem::size_of::<ThunkState>() == 24);
const _: () = assert!(std::mem::size_of::<Thunk>() == 24);
const _: () = assert!(std::mem::size_of::<Attr>() == 24);
const _: () = assert!(std::mem::size_of::<AttrSlot>() == 16);
const _: () = assert!(std::mem::size_of::<NixString>() == 8);
const _: () = assert!(std::mem::size_of::<Attrs>() == 8);

#[cfg(test)]
mod context_tests {
    use super::*;

    fn ctx(items: &[&str]) -> Context {
        let mut c = Context::default();
        for s in items {
            c.insert(std::rc::Rc::from(*s));
        }
        c
    }

    fn items(c: &Context) -> Vec<&str> {
        c.0.iter().map(|s| &**s).collect()
    }

    #[test]
    fn a_shared_context_is_copied_before_it_changes() {
        let a = ctx(&["/s/b", "/s/a"]);
        let mut b = Context::default();
        b.extend(&a);
        b.extend(&a);
        assert_eq!(items(&b), ["/s/a", "/s/b"]);
        b.insert(std::rc::Rc::from("/s/c"));
        b.insert(std::rc::Rc::from("/s/a"));
        assert_eq!(items(&a), ["/s/a", "/s/b"]);
        assert_eq!(items(&b), ["/s/a", "/s/b", "/s/c"]);
        let mut c = ctx(&["/s/d"]);
        c.extend(&b);
        c.extend(&Context::default());
        assert_eq!(items(&c), ["/s/a", "/s/b", "/s/c", "/s/d"]);
        assert_eq!(items(&b), ["/s/a", "/s/b", "/s/c"]);
        assert!(Context::default().is_empty() && !c.is_empty());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[String]) -> Attrs {
        Attrs::from_unsorted(
            names
                .iter()
                .map(|n| Attr::new(Sym::new(n), Value::string(n), Pos::NONE))
                .collect(),
        )
    }

    fn found(a: &Attrs, name: &str, hint: &Hint) -> Option<String> {
        let x = a.get_attr_hinted(Sym::new(name), hint)?;
        match x.value() {
            Value::String(s) => Some(s.to_str().into_owned()),
            _ => None,
        }
    }

    /// The references a value's allocation has, or `None` for a value without one.
    fn count(v: &Value) -> Option<usize> {
        Some(match v {
            Value::String(s) => s.0.strong_count(),
            Value::Path(p) => Rc::strong_count(p),
            Value::Attrs(a) => a.0.strong_count(),
            Value::List(l) => l.0.strong_count(),
            Value::Lambda(c) => Rc::strong_count(c),
            Value::PrimOpApp(p) => Rc::strong_count(p),
            Value::Thunk(t) => Rc::strong_count(t),
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) | Value::PrimOp(_) => {
                return None
            }
        })
    }

    /// What a value is, to compare a clone with its original: the variant and the
    /// scalar or the allocation's address.
    fn identity(v: &Value) -> (u8, u64) {
        match v {
            Value::Null => (0, 0),
            Value::Bool(b) => (1, *b as u64),
            Value::Int(i) => (2, *i as u64),
            Value::Float(f) => (3, f.to_bits()),
            Value::String(s) => (4, s.0.as_ptr() as u64),
            Value::Path(p) => (5, &**p as *const String as u64),
            Value::Attrs(a) => (6, a.0.as_ptr() as u64),
            Value::List(l) => (7, l.addr() as u64),
            Value::Lambda(c) => (8, &**c as *const Closure as u64),
            Value::PrimOp(p) => (9, *p as *const PrimOp as u64),
            Value::PrimOpApp(p) => (10, &**p as *const PrimOpApp as u64),
            Value::Thunk(t) => (11, &**t as *const Thunk as u64),
        }
    }

    #[test]
    fn a_clone_is_the_same_value_with_one_more_reference() {
        static OP: PrimOp = PrimOp {
            name: "test",
            arity: 1,
            f: |_, _, _| Ok(Value::Null),
            strict: 0,
        };
        let lambda: &'static LambdaExpr = Box::leak(Box::new(LambdaExpr {
            name: Cell::new(None),
            pos: Pos::NONE,
            formals: None,
            at_name: None,
            frame_size: 1,
            body: crate::ir::leak(Expr::Const(Value::Null)),
        }));
        let values = vec![
            Value::Null,
            Value::Bool(true),
            Value::Int(-42),
            Value::Float(0.5),
            Value::string("text"),
            Value::Path(Rc::new("/a/path".to_string())),
            Value::Attrs(set(&["a".to_string(), "b".to_string()])),
            Value::List(List::build(3, |i| Value::Int(i as i64))),
            Value::Lambda(Rc::new(Closure {
                lambda,
                env: Env::one(None, Value::Int(1)),
            })),
            Value::PrimOp(&OP),
            Value::PrimOpApp(Rc::new(PrimOpApp {
                op: &OP,
                args: vec![Value::Int(7)],
            })),
            Value::Thunk(Rc::new(Thunk {
                state: Cell::new(ThunkState::Done(Value::Int(3))),
            })),
        ];
        for v in &values {
            // A move through `Value::whole` is the same value, with no count changed.
            let before = count(v);
            let moved = Value::whole(v.clone());
            assert_eq!(identity(&moved), identity(v));
            assert_eq!(count(v), before.map(|n| n + 1));
            drop(moved);
            let clones: Vec<Value> = (0..3).map(|_| v.clone()).collect();
            for c in &clones {
                assert_eq!(identity(c), identity(v));
            }
            assert_eq!(count(v), before.map(|n| n + 3), "{}", v.type_phrase());
            // A clone of a clone counts on the same allocation.
            let again = clones[1].clone();
            assert_eq!(count(v), before.map(|n| n + 4));
            drop(clones);
            assert_eq!(count(&again), before.map(|n| n + 1));
            drop(again);
            assert_eq!(count(v), before, "{}", v.type_phrase());
        }
    }

    #[test]
    fn integers_and_booleans_stored_whole_are_the_values_they_stand_for() {
        for i in [0, 1, -1, 2, 42, i64::MIN, i64::MAX, 1 << 40, -(1 << 33)] {
            let v = Value::int(i);
            assert!(matches!(v, Value::Int(j) if j == i), "{i}");
            assert_eq!(identity(&v), identity(&Value::Int(i)));
            assert_eq!(identity(&v.clone()), (2, i as u64));
        }
        for b in [false, true] {
            let v = Value::bool(b);
            assert!(matches!(v, Value::Bool(c) if c == b), "{b}");
            assert_eq!(identity(&v.clone()), (1, b as u64));
        }
    }

    #[test]
    fn a_thunk_gives_its_value_only_once_done_and_keeps_it() {
        let list = Value::List(List::build(2, |i| Value::Int(i as i64)));
        let t = Thunk::blackhole();
        assert!(t.value().is_none());
        t.set_state(ThunkState::Done(list.clone()));
        assert_eq!(count(&list), Some(2));
        let v = t.value().expect("done");
        assert_eq!(identity(&v), identity(&list));
        // The thunk still holds the value: the read counted one more reference.
        assert_eq!(count(&list), Some(3));
        drop(v);
        assert!(t.value().is_some());
        drop(t);
        assert_eq!(count(&list), Some(1));
    }

    #[test]
    fn hinted_lookup_finds_what_a_search_finds_whatever_the_hint() {
        // Small sets are scanned and large ones searched; both paths are taken.
        for n in [1usize, 5, 16, 17, 200] {
            let names: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
            let a = set(&names);
            let other = set(&names[..n / 2 + 1]);
            for probe in names
                .iter()
                .chain(["missing".to_string(), "k".to_string()].iter())
            {
                let want = a.get_attr(Sym::new(probe)).is_some().then(|| probe.clone());
                // A fresh hint, a hint left at every index (and past the end), and a
                // hint learned on another set.
                for start in 0..=n + 1 {
                    let h = Hint::default();
                    h.set(start);
                    assert_eq!(found(&a, probe, &h), want, "{probe} in {n} from {start}");
                    assert_eq!(found(&a, probe, &h), want, "{probe} in {n}, second time");
                }
                let h = Hint::default();
                let _ = found(&other, probe, &h);
                assert_eq!(found(&a, probe, &h), want);
            }
        }
    }

    #[test]
    fn a_hit_leaves_the_hint_at_the_entry() {
        let names: Vec<String> = (0..40).map(|i| format!("n{i:02}")).collect();
        let a = set(&names);
        let h = Hint::default();
        assert_eq!(found(&a, "n30", &h).as_deref(), Some("n30"));
        assert_eq!(a.entries()[h.get()].name, Sym::new("n30"));
        // A miss does not move it.
        assert_eq!(found(&a, "zz", &h), None);
        assert_eq!(a.entries()[h.get()].name, Sym::new("n30"));
    }

    /// Name → value text of a set whose values are strings.
    fn contents(a: &Attrs) -> Vec<(String, String)> {
        a.entries()
            .iter()
            .map(|x| match x.value() {
                Value::String(s) => (x.name.as_str().to_string(), s.to_str().into_owned()),
                _ => panic!("not a string"),
            })
            .collect()
    }

    /// A set of names with values tagged `tag`, so that which operand an entry of a
    /// merge came from shows.
    fn tagged(names: &[String], tag: &str) -> Attrs {
        Attrs::from_unsorted(
            names
                .iter()
                .map(|n| Attr::new(Sym::new(n), Value::string(format!("{tag}{n}")), Pos::NONE))
                .collect(),
        )
    }

    /// A fixed sequence of pseudo-random numbers (a linear congruential generator).
    fn numbers(mut seed: u64) -> impl FnMut() -> usize {
        move || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 33) as usize
        }
    }

    /// Checks `s` against the model: length, entries in order, and every name looked up
    /// with and without a hint (also names not in it).
    fn agrees(s: &Attrs, want: &std::collections::BTreeMap<Vec<u8>, (String, String)>, what: &str) {
        let want_list: Vec<(String, String)> = want.values().cloned().collect();
        assert_eq!(s.len(), want.len(), "length, {what}");
        let value = |a: &Attr| match a.value() {
            Value::String(v) => v.to_str().into_owned(),
            _ => panic!("not a string"),
        };
        for (n, v) in &want_list {
            let name = Sym::new(n);
            assert_eq!(s.get_attr(name).map(value).as_ref(), Some(v), "{n}, {what}");
            let h = Hint::default();
            assert_eq!(found(s, n, &h).as_ref(), Some(v), "{n} hinted, {what}");
            assert_eq!(
                found(s, n, &h).as_ref(),
                Some(v),
                "{n} hinted again, {what}"
            );
        }
        for n in ["", "m", "n5y", "zz"] {
            assert_eq!(
                s.get_attr(Sym::new(n)).is_some(),
                want.contains_key(n.as_bytes())
            );
        }
        assert_eq!(contents(s), want_list, "entries, {what}");
    }

    #[test]
    fn layered_sets_read_as_the_flat_ones_they_stand_for() {
        use std::collections::BTreeMap;
        let mut next = numbers(11);
        let mut layered_seen = 0;
        for (base, steps) in [(64, 30), (100, 60), (300, 200), (63, 10), (1000, 80)] {
            for round in 0..4 {
                let names: Vec<String> = (0..base).map(|i| format!("n{i}")).collect();
                let mut s = tagged(&names, "base:");
                let mut want: BTreeMap<Vec<u8>, (String, String)> = contents(&s)
                    .into_iter()
                    .map(|(n, v)| (n.as_bytes().to_vec(), (n, v)))
                    .collect();
                for step in 0..steps {
                    // One to three names: new ones, ones of the base, ones added before.
                    let k = 1 + next() % 3;
                    let xs: Vec<String> = (0..k)
                        .map(|_| match next() % 3 {
                            0 => format!("n{}", next() % base),
                            1 => format!("n{}y", next() % 40),
                            _ => format!("a{}", next() % 5),
                        })
                        .collect();
                    let tag = format!("s{step}:");
                    let small = tagged(&xs, &tag);
                    for (n, v) in contents(&small) {
                        want.insert(n.as_bytes().to_vec(), (n, v));
                    }
                    s = if next().is_multiple_of(2) {
                        s.update(&small)
                    } else {
                        s.update_owned(small)
                    };
                    if s.layered() {
                        layered_seen += 1;
                        // Only the few entries over the bottom, not the whole set.
                        assert!(s.0.len() - 2 < base / 8, "{} entries over", s.0.len() - 2);
                    }
                    let what = format!("base {base} round {round} step {step}");
                    assert_eq!(s.len(), want.len(), "length, {what}");
                    // Now and then the whole set is read (which makes the flat view
                    // mid-chain) or it is the right operand.
                    match next() % 8 {
                        0 => agrees(&s, &want, &what),
                        1 => {
                            let other = tagged(&["n1".to_string(), "q".to_string()], "o:");
                            let mut w2: BTreeMap<_, _> = contents(&other)
                                .into_iter()
                                .map(|(n, v)| (n.as_bytes().to_vec(), (n, v)))
                                .collect();
                            w2.extend(want.clone());
                            agrees(&other.update(&s), &w2, &format!("under, {what}"));
                            let twice: BTreeMap<_, _> = want.clone();
                            agrees(&s.update(&s), &twice, &format!("itself, {what}"));
                        }
                        _ => {}
                    }
                }
                agrees(&s, &want, &format!("base {base} round {round} end"));
            }
        }
        assert!(layered_seen > 100, "layered results: {layered_seen}");
    }

    #[test]
    fn a_layered_set_read_often_gets_its_flat_view() {
        let names: Vec<String> = (0..200).map(|i| format!("k{i:03}")).collect();
        let s = tagged(&names, "a:").update(&tagged(&["k000".to_string()], "b:"));
        assert!(s.layered());
        let (_, cache, _) = s.layer();
        let h = Hint::default();
        let mut reads = 0;
        while held(cache).is_none() {
            assert!(found(&s, "k150", &h).is_some());
            reads += 1;
            assert!(reads <= 200 / 4 + 17, "no flat view after {reads} lookups");
        }
        assert_eq!(reads, 200 / 4 + 17);
        // Then the hint is used: the flat view's index of the name.
        assert_eq!(found(&s, "k150", &h).as_deref(), Some("a:k150"));
        assert_eq!(s.entries()[h.get()].name, Sym::new("k150"));
        assert_eq!(found(&s, "k000", &h).as_deref(), Some("b:k000"));
    }

    #[test]
    fn update_agrees_with_a_map_whichever_operand_is_smaller() {
        use std::collections::BTreeMap;
        // Sizes on both sides of `FEW`'s ratio, names interleaved, shared, at either
        // end, and names that are prefixes of others (their order is by bytes).
        let mut next = numbers(7);
        for (na, nb) in [
            (1, 40),
            (40, 1),
            (3, 100),
            (100, 3),
            (0, 5),
            (5, 0),
            (16, 1),
            (17, 1),
            (1, 17),
            (30, 30),
            (500, 2),
            (2, 500),
            (200, 13),
        ] {
            for round in 0..20 {
                let pick = |n: usize, next: &mut dyn FnMut() -> usize| -> Vec<String> {
                    let mut v: Vec<String> = (0..n)
                        .map(|_| match next() % 4 {
                            0 => format!("n{}", next() % 300),
                            1 => format!("n{}x", next() % 300),
                            2 => "a".repeat(1 + next() % 3),
                            _ => format!("z{}", next() % 50),
                        })
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                };
                let (xa, xb) = (pick(na, &mut next), pick(nb, &mut next));
                let (a, b) = (tagged(&xa, "a:"), tagged(&xb, "b:"));
                let mut want: BTreeMap<Vec<u8>, (String, String)> = BTreeMap::new();
                for (n, v) in contents(&a).into_iter().chain(contents(&b)) {
                    want.insert(n.as_bytes().to_vec(), (n, v));
                }
                let want: Vec<(String, String)> = want.into_values().collect();
                assert_eq!(
                    contents(&a.update(&b)),
                    want,
                    "shared, {na}/{nb} round {round}"
                );
                let (a2, b2) = (tagged(&xa, "a:"), tagged(&xb, "b:"));
                assert_eq!(
                    contents(&a2.update_owned(b2)),
                    want,
                    "owned, {na}/{nb} round {round}"
                );
            }
        }
    }
}
