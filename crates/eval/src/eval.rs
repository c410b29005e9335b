//! The evaluator: forcing thunks, evaluating IR in environments, calling functions,
//! and the shared helpers builtins use (typed forcing, coercion to string, equality,
//! comparison).

use crate::builtins::strings::IntText;
use crate::error::{err, AddTrace, EResult, ErrorKind, EvalError};
use crate::io::EvalIo;
use crate::ir::*;
use crate::source::{inline_pos, Pos};
use crate::symbol::{Sym, SymHasher};
use crate::value::*;
use nest_rc::Rc;
use std::cmp::Ordering;
use std::collections::HashMap;

/// A `x: y: …` function called repeatedly: the two frames of one call are reused for
/// the next when nothing (a closure, a thunk) kept them, which saves two allocations
/// per call of a `foldl'` or `sort` loop.
pub struct Call2 {
    env: Env,
    /// The inner lambda (`y: …`), whose body runs.
    lam: &'static LambdaExpr,
    /// Where the builtin calling it was called (the trace's call site).
    pos: Pos,
    frames: Option<Env>,
}

impl Call2 {
    pub fn call(&mut self, ev: &mut Eval, a: Value, b: Value) -> EResult<Value> {
        ev.check_stack()?;
        let frame = match self.frames.take() {
            Some(mut inner) => match inner.get_mut() {
                Some(mut e2) => {
                    match e2.parent.as_mut().and_then(Env::get_mut) {
                        Some(mut e1) => e1.reset(0, a),
                        None => *e2.parent = Some(Env::one(Some(self.env.clone()), a)),
                    }
                    e2.reset(0, b);
                    inner
                }
                None => Env::one(Some(Env::one(Some(self.env.clone()), a)), b),
            },
            None => Env::one(Some(Env::one(Some(self.env.clone()), a)), b),
        };
        let r = ev.eval_body(self.lam, &frame);
        let r = ev.framed(r, self.lam, self.pos);
        self.frames = Some(frame);
        r
    }
}

/// A function called on each element of a list (`filter`, `any`, `all`, `partition`,
/// `groupBy`, `concatMap`): for a plain `x: …` lambda, the frame of one call is reused
/// for the next when nothing kept it.
pub struct Call1 {
    f: Value,
    plain: Option<(Env, &'static LambdaExpr)>,
    frame: Option<Env>,
}

impl Call1 {
    pub fn new(f: &Value) -> Call1 {
        let plain = match f {
            Value::Lambda(c) if c.lambda.formals.is_none() => Some((c.env.clone(), c.lambda)),
            _ => None,
        };
        Call1 {
            f: f.clone(),
            plain,
            frame: None,
        }
    }

    pub fn call(&mut self, ev: &mut Eval, x: Value, pos: Pos) -> EResult<Value> {
        let Some((env, lam)) = &self.plain else {
            return ev.call(&self.f, x, pos);
        };
        ev.check_stack()?;
        let frame = match self.frame.take() {
            Some(mut fr) => match fr.get_mut() {
                Some(mut e) => {
                    e.reset(0, x);
                    fr
                }
                None => Env::one(Some(env.clone()), x),
            },
            None => Env::one(Some(env.clone()), x),
        };
        let r = ev.eval_body(lam, &frame);
        let r = ev.framed(r, lam, pos);
        self.frame = Some(frame);
        r
    }
}

/// Addresses of values already visited (pointers hash well with `SymHasher`).
type PtrSet = std::collections::HashSet<usize, std::hash::BuildHasherDefault<SymHasher>>;

/// Settings of one evaluation.
#[derive(Clone, Debug)]
pub struct EvalOptions {
    /// `-I` entries then `NIX_PATH` entries, as (prefix, path) as written; prefix may be
    /// empty.
    pub search_path: Vec<(String, String)>,
    /// The directory relative search-path entries are relative to (none when empty).
    pub working_dir: String,
    pub store_dir: String,
    pub current_system: String,
    /// Bytes of stack the evaluation thread has; the evaluator stops with
    /// "stack overflow" well before using all of it.
    pub stack_size: usize,
    pub show_trace: bool,
    /// Compute cheap operations that cannot fail (`n - 1` on an evaluated integer) when
    /// they are a function's argument, instead of making a thunk. The only difference it
    /// makes is in how an unevaluated value prints (`<CODE>` where Nix has a thunk): set
    /// it only when the result is forced completely (`--strict`, JSON); one place stays
    /// visible even then, a `builtins.trace` of a non-string holding such an argument
    /// unevaluated.
    pub eager_args: bool,
}

impl Default for EvalOptions {
    fn default() -> Self {
        EvalOptions {
            search_path: Vec::new(),
            working_dir: String::new(),
            store_dir: "/nix/store".to_string(),
            current_system: "x86_64-linux".to_string(),
            stack_size: 8 << 20,
            show_trace: false,
            eager_args: false,
        }
    }
}

pub struct Eval {
    pub io: Box<dyn EvalIo>,
    pub opts: EvalOptions,
    pub globals: HashMap<Sym, Value>,
    pub builtins: Value,
    pub import_cache: HashMap<String, Value>,
    /// Search-path entries found missing, each warned about once.
    pub missing_search_entries: std::collections::HashSet<String>,
    /// Source path → store path, so each path is hashed once.
    pub path_cache: HashMap<String, String>,
    stack_limit: usize,
    pub syms: Syms,
    /// The lazily filled slots (frame address, slot) being evaluated: reaching one
    /// again is an infinite recursion (what a black hole is to a thunk).
    busy: BusySlots,
    /// One-slot frames that finished calls left unshared, for the next calls of `x: …`
    /// (`one_frame`): a frame reused instead of freed and allocated again.
    spare_frames: Vec<Env>,
    /// The call tree of `--eval-profiler` (see `profile.rs`), when asked for.
    pub profiler: Option<Box<crate::profile::Profiler>>,
    /// `opts.store_dir` checked and parsed, with the text it was parsed from (see
    /// `store::store_dir`): derivations need it several times each.
    pub(crate) parsed_store_dir: std::cell::RefCell<Option<(String, nest_nixcompat::StoreDir)>>,
}

/// The lazily filled slots being evaluated (frame address, slot), for `infinite
/// recursion encountered`. Their evaluations nest, so they form a stack, nearly always
/// a short one: the innermost `SCANNED` are searched in a vector (what a hash set's
/// insert and remove cost per evaluation was 1 % of a module evaluation), any deeper
/// ones also sit in a hash set.
#[derive(Default)]
struct BusySlots {
    stack: Vec<(usize, usize)>,
    deep: std::collections::HashSet<(usize, usize), std::hash::BuildHasherDefault<SymHasher>>,
}

impl BusySlots {
    const SCANNED: usize = 16;

    #[inline]
    fn contains(&self, key: &(usize, usize)) -> bool {
        let n = self.stack.len();
        self.stack[n.saturating_sub(Self::SCANNED)..].contains(key)
            || (n > Self::SCANNED && self.deep.contains(key))
    }

    /// Pushes `key`; false (and nothing pushed) when it is already there.
    #[inline]
    fn push(&mut self, key: (usize, usize)) -> bool {
        if self.contains(&key) {
            return false;
        }
        let n = self.stack.len();
        if n >= Self::SCANNED {
            // The entry leaving the scanned window joins the set.
            self.deep.insert(self.stack[n - Self::SCANNED]);
        }
        self.stack.push(key);
        true
    }

    /// Pops the innermost entry (pushed by the same evaluation).
    #[inline]
    fn pop(&mut self) {
        self.stack.pop();
        let n = self.stack.len();
        if n >= Self::SCANNED {
            // It comes back into the scanned window.
            self.deep.remove(&self.stack[n - Self::SCANNED]);
        }
    }
}

/// Names the evaluator itself looks up often.
pub struct Syms {
    pub functor: Sym,
    pub to_string: Sym,
    pub out_path: Sym,
    pub type_: Sym,
    pub name: Sym,
    pub value: Sym,
    pub file: Sym,
    pub line: Sym,
    pub column: Sym,
    pub body: Sym,
    pub drv_path: Sym,
    pub ignore_nulls: Sym,
    pub structured_attrs: Sym,
    pub overrides: Sym,
}

/// An address in the caller's stack frame (inlined: the check runs on every call).
#[inline(always)]
fn stack_addr() -> usize {
    let x = 0u8;
    std::hint::black_box(&x) as *const u8 as usize
}

/// What `Eval::string_of_call` made of `${f a}`.
enum ToStringCall {
    /// `f` is `toString` and `a` an integer: its digits.
    Digits(IntText),
    /// `f` is `toString`: the call's result.
    Value(Value),
    /// `f` is another function, not applied yet.
    Other,
}

/// Removes `.`, `..`, repeated and trailing slashes, like Nix's `canonPath`
/// (without resolving symlinks).
pub fn canon_path(p: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in p.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    if parts.is_empty() {
        return "/".to_string();
    }
    let mut out = String::with_capacity(p.len());
    for c in parts {
        out.push('/');
        out.push_str(c);
    }
    out
}

fn did_you_mean(attrs: &Attrs, name: &str) -> Option<String> {
    // Nix suggests names within a small edit distance.
    let mut best: Vec<(usize, &str)> = attrs
        .entries()
        .iter()
        .map(|a| (levenshtein(a.name.as_str(), name), a.name.as_str()))
        .filter(|(d, _)| *d <= 2)
        .collect();
    best.sort();
    match best.len() {
        0 => None,
        1 => Some(format!("Did you mean {}?", best[0].1)),
        _ => {
            // Nix names the five closest (by distance, then name).
            let names: Vec<&str> = best.iter().take(5).map(|(_, n)| *n).collect();
            let (last, init) = names.split_last()?;
            Some(format!(
                "Did you mean one of {} or {}?",
                init.join(", "),
                last
            ))
        }
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut cur = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let c = if a[i - 1] == b[j - 1] { 0 } else { 1 };
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + c);
        }
        prev = cur;
    }
    prev[b.len()]
}

impl Eval {
    /// Must be called on the thread that evaluates (values are not `Send`).
    pub fn new(io: Box<dyn EvalIo>, opts: EvalOptions) -> Eval {
        let margin = (opts.stack_size / 8).max(256 << 10);
        let stack_limit = stack_addr().saturating_sub(opts.stack_size.saturating_sub(margin));
        let syms = Syms {
            functor: Sym::new("__functor"),
            to_string: Sym::new("__toString"),
            out_path: Sym::new("outPath"),
            type_: Sym::new("type"),
            name: Sym::new("name"),
            value: Sym::new("value"),
            file: Sym::new("file"),
            line: Sym::new("line"),
            column: Sym::new("column"),
            body: Sym::new("body"),
            drv_path: Sym::new("drvPath"),
            ignore_nulls: Sym::new("__ignoreNulls"),
            structured_attrs: Sym::new("__structuredAttrs"),
            overrides: Sym::new("__overrides"),
        };
        let mut ev = Eval {
            io,
            opts,
            globals: HashMap::new(),
            builtins: Value::Null,
            import_cache: HashMap::new(),
            missing_search_entries: Default::default(),
            path_cache: HashMap::new(),
            stack_limit,
            syms,
            busy: BusySlots::default(),
            spare_frames: Vec::new(),
            profiler: None,
            parsed_store_dir: std::cell::RefCell::new(None),
        };
        crate::builtins::install(&mut ev);
        ev
    }

    /// Fails with "stack overflow" when the evaluation thread's stack is nearly used up;
    /// recursive builtins call it.
    #[inline]
    pub fn check_stack(&self) -> EResult<()> {
        if stack_addr() < self.stack_limit {
            return Err(EvalError::new(
                ErrorKind::StackOverflow,
                "stack overflow (possible infinite recursion)",
                Pos::NONE,
            ));
        }
        Ok(())
    }

    /// Parses and lowers source text. `base_dir` anchors relative paths.
    /// The text is kept for error messages: given a `String`, without a copy.
    pub fn compile(
        &mut self,
        text: impl Into<String>,
        origin: crate::source::Origin,
        base_dir: &str,
    ) -> EResult<E> {
        let (file, src) = crate::source::add_source_owned(origin, text.into());
        crate::lower::parse_and_lower(&src.text, file, base_dir, &self.globals)
    }

    /// Evaluates a top-level expression (no enclosing variables).
    pub fn eval_root(&mut self, e: E) -> EResult<Value> {
        let env = Env::new(None, 0);
        self.eval(e, &env)
    }

    /// Makes a lazy value for `e` in `env`; constants and variables are not wrapped.
    #[inline]
    pub fn thunk(&self, e: E, env: &Env) -> Value {
        self.lazy_or(e, env, |v| v, || Thunk::expr(e, env.clone()))
    }

    /// The lazy value of `e` when it needs no thunk: constants, variables, and under
    /// `eager_args` functions and plain set literals.
    #[inline(always)]
    fn without_thunk(&self, e: E, env: &Env) -> Option<Value> {
        self.lazy_or(e, env, Some, || None)
    }

    /// `ready` of the lazy value of `e` when it needs no thunk (see `without_thunk`),
    /// else `otherwise()`. Callers that make a value either way (`thunk`, a set
    /// literal's `entry`) return it from each arm: through `without_thunk`'s `Option`,
    /// LLVM joined the arms and stored the value in three pieces, which the caller (a
    /// list literal's element, an argument) then read back whole, a load the CPU
    /// cannot forward from those stores.
    #[inline(always)]
    fn lazy_or<T>(
        &self,
        e: E,
        env: &Env,
        ready: impl FnOnce(Value) -> T,
        otherwise: impl FnOnce() -> T,
    ) -> T {
        match e {
            Expr::Const(v) => ready(v.clone()),
            // A variable shares its slot's value or thunk (Nix's attributes and list
            // elements point at the variable's value cell, which printing's
            // `«repeated»` and equality of functions see).
            Expr::Var {
                depth, slot, defs, ..
            } => ready(self.var_value(e, env, *depth, *slot, *defs)),
            // A function is made at once (it cannot fail; only an unforced print shows
            // `<LAMBDA>` where Nix has `<CODE>`, see `EvalOptions::eager_args`).
            Expr::Lambda(l) if self.opts.eager_args => ready(closure(l, env)),
            Expr::Attrs(a, pos) if self.opts.eager_args && !a.rec && a.dynamics.is_empty() => {
                ready(self.static_attrs(a, *pos, env))
            }
            _ => otherwise(),
        }
    }

    /// `thunk` for a function argument. With `EvalOptions::eager_args`, an operation
    /// that is cheap and cannot fail on operands already evaluated (`f (n - 1)` with `n`
    /// an integer) is computed now: the same value, without a thunk to allocate and force.
    #[inline]
    fn arg_thunk(&self, e: E, env: &Env) -> Value {
        match e {
            Expr::Bin { op, l, r, .. } if self.opts.eager_args => match eager_bin(*op, l, r, env) {
                Some(v) => v,
                None => Thunk::expr(e, env.clone()),
            },
            _ => self.thunk(e, env),
        }
    }

    /// Evaluates to weak head normal form.
    #[inline]
    pub fn force(&mut self, v: &Value) -> EResult<Value> {
        match v {
            Value::Thunk(t) => self.force_thunk(t),
            v => Ok(v.clone()),
        }
    }

    #[inline]
    pub fn force_thunk(&mut self, t: &Rc<Thunk>) -> EResult<Value> {
        if let Some(v) = t.value() {
            return Ok(v);
        }
        self.force_thunk_slow(t)
    }

    #[inline(never)]
    fn force_thunk_slow(&mut self, t: &Rc<Thunk>) -> EResult<Value> {
        self.check_stack()?;
        let pending = t.take_state(ThunkState::Blackhole);
        match &pending {
            ThunkState::Done(v) => {
                let v = v.clone();
                t.set_state(pending);
                return Ok(v);
            }
            ThunkState::Blackhole => {
                t.set_state(pending);
                return Err(infinite_recursion());
            }
            _ => {}
        }
        let r = match &pending {
            ThunkState::Expr(e, env) => self.eval(e, env),
            ThunkState::Elem(m, i) => self.run_elem(m, *i),
            other => self.run_delayed(other),
        };
        match r {
            Ok(v) => {
                t.set_state(ThunkState::Done(v.clone()));
                Ok(v)
            }
            Err(e) => {
                t.set_state(pending);
                Err(e)
            }
        }
    }

    /// A thunk's computation other than an expression, out of line: its locals (a
    /// delayed call) would otherwise enlarge `force_thunk_slow`'s stack frame, which
    /// every level of a deep evaluation pays.
    #[inline(never)]
    fn run_delayed(&mut self, st: &ThunkState) -> EResult<Value> {
        match st {
            ThunkState::Elem(m, i) => self.run_elem(m, *i),
            ThunkState::Call(c) => self.delayed_call(c),
            ThunkState::Native(f) => {
                let f = f.clone();
                f(self)
            }
            ThunkState::Expr(e, env) => self.eval(e, env),
            ThunkState::Blackhole | ThunkState::Done(_) => {
                err("internal error: thunk state", Pos::NONE)
            }
        }
    }

    /// Element `i` of a `map`, `genList` or `mapAttrs` result.
    #[inline(never)]
    fn run_elem(&mut self, m: &Elems, i: u32) -> EResult<Value> {
        match m.call(i as usize) {
            Some(c) => self.delayed_call_owned(c),
            None => err("internal error: element of a delayed call", Pos::NONE),
        }
    }

    /// The value of attribute `a` in weak head normal form; a set literal's attribute
    /// not evaluated yet is evaluated in place (see `value::Attr`).
    #[inline]
    pub fn force_attr(&mut self, a: &Attr) -> EResult<Value> {
        match a.begin() {
            AttrState::Ready(Value::Thunk(t)) => self.force_thunk(&t),
            AttrState::Ready(v) => Ok(v),
            AttrState::Pending(w) => self.force_pending(a, w),
            AttrState::Busy => Err(infinite_recursion()),
        }
    }

    #[inline(never)]
    fn force_pending(&mut self, a: &Attr, w: Work) -> EResult<Value> {
        let r = self.check_stack().and_then(|()| match &w {
            Work::Def(e, env) => self.eval(e, env),
            Work::Elem(m, i) => self.run_elem(m, *i),
        });
        a.finish(r.as_ref().map_err(|_| ()), w);
        r
    }

    /// `f x` or `f x y` of a delayed call, as Nix calls them: without a position. The
    /// arguments are moved into the calls (an element of `map`, `genList`, `mapAttrs`
    /// makes its call for this one use).
    fn delayed_call_owned(&mut self, c: Call) -> EResult<Value> {
        let Call { f, x, y } = c;
        let f = self.force(&f)?;
        let Some(y) = y else {
            return self.call(&f, x, Pos::NONE);
        };
        // `n: v: …`, `mapAttrs`' and `zipAttrsWith`'s usual function, takes both
        // arguments at once: the inner frame hangs off the outer one, without the
        // closure that evaluating the inner lambda would allocate (as `eval_apply` does).
        if let Value::Lambda(c) = &f {
            if let (None, Expr::Lambda(inner)) = (&c.lambda.formals, c.lambda.body) {
                if inner.formals.is_none() {
                    self.check_stack()?;
                    let outer = self.one_frame(c.env.clone(), x);
                    let frame = Env::one(Some(outer), y);
                    let r = self.eval_body(inner, &frame);
                    self.spare_frame(frame);
                    return self.framed(r, inner, Pos::NONE);
                }
            }
        }
        let g = self.call(&f, x, Pos::NONE)?;
        self.call(&g, y, Pos::NONE)
    }

    /// `delayed_call_owned` of a call kept in a thunk, which stays there until the
    /// thunk is done.
    fn delayed_call(&mut self, c: &Call) -> EResult<Value> {
        self.delayed_call_owned(Call {
            f: c.f.clone(),
            x: c.x.clone(),
            y: c.y.clone(),
        })
    }

    /// `eval` with the two cheapest cases (constants, variables) handled inline, so that
    /// operands and conditions do not pay for a call to the big `eval`.
    #[inline(always)]
    fn eval_quick(&mut self, e: E, env: &Env) -> EResult<Value> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Var {
                depth,
                slot,
                pos,
                defs,
            } => match lookup_ref(env, *depth, *slot) {
                Some(Value::Thunk(t)) => {
                    if let Some(v) = t.value() {
                        return Ok(v);
                    }
                    let t = t.clone();
                    self.force_thunk_slow(&t).map_err(|e| at_pos(e, *pos))
                }
                Some(v) => Ok(v.clone()),
                None => self.eval_lazy_var(env, *depth, *slot, *defs, *pos),
            },
            // Operands that are calls or operators skip `eval`'s dispatch and frame.
            Expr::Apply { f, args, pos } => self.eval_apply(f, args, *pos, env),
            Expr::Bin {
                op,
                l,
                r,
                pos,
                rpos,
            } => self.eval_bin(*op, l, r, *pos, *rpos, env),
            _ => self.eval(e, env),
        }
    }

    /// The hot arms only, so that this function's stack frame (paid once per level of
    /// Nix recursion, several times per Nix call) stays small; everything else, and
    /// every error message, lives in `#[inline(never)]` helpers.
    pub fn eval(&mut self, e: E, env: &Env) -> EResult<Value> {
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Var {
                depth,
                slot,
                pos,
                defs,
            } => match lookup_ref(env, *depth, *slot) {
                Some(Value::Thunk(t)) => {
                    if let Some(v) = t.value() {
                        return Ok(v);
                    }
                    let t = t.clone();
                    self.force_thunk_slow(&t).map_err(|e| at_pos(e, *pos))
                }
                Some(v) => Ok(v.clone()),
                None => self.eval_lazy_var(env, *depth, *slot, *defs, *pos),
            },
            Expr::Apply { f, args, pos } => self.eval_apply(f, args, *pos, env),
            Expr::If {
                cond,
                then,
                els,
                pos,
            } => {
                let c = self.eval_quick(cond, env)?;
                if let Value::Bool(b) = c {
                    c.release();
                    return self.eval(if b { then } else { els }, env);
                }
                Self::not_bool(&c, *pos)
            }
            Expr::Bin {
                op,
                l,
                r,
                pos,
                rpos,
            } => self.eval_bin(*op, l, r, *pos, *rpos, env),
            Expr::Select { e, path, pos } => self.select(e, path, None, *pos, env),
            Expr::Lambda(l) => Ok(closure(l, env)),
            Expr::Let {
                frame_size,
                bindings,
                body,
            } => {
                let new = self.let_frame(*frame_size, bindings, env);
                self.eval(body, &new)
            }
            Expr::With { ns, body, .. } => {
                let new = Env::one(Some(env.clone()), self.thunk(ns, env));
                self.eval(body, &new)
            }
            Expr::Assert {
                cond,
                body,
                text,
                pos,
            } => match self.eval(cond, env)? {
                Value::Bool(true) => self.eval(body, env),
                o => Self::assert_failed(&o, text, *pos),
            },
            // Common in module code, each behind a call of its own: going through
            // `eval_cold` paid for that function's large frame on every one. Each
            // helper is `#[inline(never)]`: inlined here, `eval_attrs` and
            // `interpolate` made this frame 616 bytes instead of 104.
            Expr::Attrs(a, pos) => self.eval_attrs(a, *pos, env),
            Expr::SelectOr { e, or, pos } => self.select_or(e, or, *pos, env),
            Expr::List(items) => self.eval_list(items, env),
            Expr::HasAttr { e, path, .. } => self.has_attr(e, path, env),
            Expr::Not(x, _) => self.eval_not(x, env),
            Expr::Str { parts, .. } => self.interpolate(parts, env),
            _ => self.eval_cold(e, env),
        }
    }

    #[inline(never)]
    fn select_or(&mut self, e: E, or: &'static OrPath, pos: Pos, env: &Env) -> EResult<Value> {
        self.select(e, &or.path, Some(or.default), pos, env)
    }

    #[inline(never)]
    fn eval_list(&mut self, items: &'static [E], env: &Env) -> EResult<Value> {
        Ok(Value::List(List::build(items.len(), |i| {
            self.thunk(items[i], env)
        })))
    }

    #[inline(never)]
    fn has_attr(&mut self, e: E, path: &'static [AttrKey], env: &Env) -> EResult<Value> {
        let mut v = self.eval_quick(e, env)?;
        for (i, key) in path.iter().enumerate() {
            let name = self.attr_key(key, env)?;
            let Value::Attrs(a) = &v else {
                return Ok(Value::Bool(false));
            };
            let Some(attr) = a.get_attr(name) else {
                return Ok(Value::Bool(false));
            };
            // The last name only needs to be there; one on the way is evaluated in its
            // set (no thunk made for a set literal's entry).
            if i + 1 == path.len() {
                break;
            }
            let next = self.force_attr(attr)?;
            v = next;
        }
        Ok(Value::Bool(true))
    }

    #[inline(never)]
    fn eval_not(&mut self, x: E, env: &Env) -> EResult<Value> {
        match self.eval(x, env)? {
            Value::Bool(b) => Ok(Value::Bool(!b)),
            o => Self::not_bool(&o, Pos::NONE),
        }
    }

    #[cold]
    #[inline(never)]
    fn not_bool<T>(v: &Value, pos: Pos) -> EResult<T> {
        err(
            format!("value is {} while a Boolean was expected", v.type_phrase()),
            pos,
        )
    }

    #[cold]
    #[inline(never)]
    fn assert_failed(v: &Value, text: &str, pos: Pos) -> EResult<Value> {
        match v {
            Value::Bool(_) => Err(EvalError::new(
                ErrorKind::Assert,
                format!("assertion '{text}' failed"),
                pos,
            )),
            o => Self::not_bool(o, pos),
        }
    }

    #[inline(never)]
    fn let_frame(&mut self, frame_size: u32, bindings: &'static [E], env: &Env) -> Env {
        let new = Env::new(Some(env.clone()), frame_size as usize);
        // The other bindings are evaluated when first used (`eval_lazy_var`).
        for (i, b) in bindings.iter().enumerate() {
            if let Expr::Const(v) = b {
                new.set(i, v.clone());
            }
        }
        new
    }

    /// A variable whose slot is still empty: a `let` binding or default argument not
    /// used before, evaluated now in its frame and kept there.
    #[inline(never)]
    fn eval_lazy_var(
        &mut self,
        env: &Env,
        depth: u32,
        slot: u32,
        defs: Option<&'static FrameDefs>,
        pos: Pos,
    ) -> EResult<Value> {
        let slot = slot as usize;
        let (Some(fr), Some(def)) = (frame_at(env, depth), defs.and_then(|d| d.get(slot))) else {
            return Ok(Value::Null);
        };
        self.check_stack().map_err(|e| at_pos(e, pos))?;
        let key = (fr.addr(), slot);
        if !self.busy.push(key) {
            return Err(at_pos(infinite_recursion(), pos));
        }
        let r = self.eval(def, fr);
        self.busy.pop();
        // A use that did not force the binding while it was being evaluated put a thunk
        // in the slot (`var_value`); it gets the outcome too.
        let cell = fr.slot(slot);
        match r {
            Ok(v) => {
                if let Some(c) = cell {
                    match c.get() {
                        Some(Value::Thunk(t)) => t.set_state(ThunkState::Done(v.clone())),
                        Some(_) => {}
                        None => {
                            let _ = c.set(v.clone());
                        }
                    }
                }
                Ok(v)
            }
            Err(e) => {
                if let Some(Value::Thunk(t)) = cell.and_then(|c| c.get()) {
                    t.set_state(ThunkState::Expr(def, fr.clone()));
                }
                Err(at_pos(e, pos))
            }
        }
    }

    /// The value of variable `var`, not evaluated: a binding of a lazily filled slot
    /// not used yet gets a thunk, kept in the slot so that every use shares it; a slot
    /// of a frame still being filled (a `rec` set's, while a set literal inside it is
    /// made at once) gets a thunk of the variable.
    #[inline(always)]
    fn var_value(
        &self,
        var: E,
        env: &Env,
        depth: u32,
        slot: u32,
        defs: Option<&'static FrameDefs>,
    ) -> Value {
        // The common case, a slot already filled, without a call.
        if let Some(v) = lookup_ref(env, depth, slot) {
            return v.clone();
        }
        self.var_value_slow(var, env, depth, slot, defs)
    }

    /// `var_value` of a slot not filled yet.
    #[inline(never)]
    fn var_value_slow(
        &self,
        var: E,
        env: &Env,
        depth: u32,
        slot: u32,
        defs: Option<&'static FrameDefs>,
    ) -> Value {
        let slot = slot as usize;
        let Some(fr) = frame_at(env, depth) else {
            return Value::Null;
        };
        // Not filled (`var_value` looked): a thunk, shared through the slot.
        let Some(c) = fr.slot(slot) else {
            return Value::Null;
        };
        let Some(def) = defs.and_then(|d| d.get(slot)) else {
            return Thunk::expr(var, env.clone());
        };
        let t = if self.busy.contains(&(fr.addr(), slot)) {
            Value::Thunk(Thunk::blackhole())
        } else {
            match def {
                Expr::Lambda(l) if self.opts.eager_args => closure(l, fr),
                _ => Thunk::expr(def, fr.clone()),
            }
        };
        let _ = c.set(t.clone());
        t
    }

    /// `e.path` and `e.path or default`.
    #[inline(always)]
    fn select(
        &mut self,
        e: E,
        path: &'static [AttrKey],
        default: Option<E>,
        pos: Pos,
        env: &Env,
    ) -> EResult<Value> {
        let v = self.eval_quick(e, env)?;
        // `a.b`, found: the common case, without a call.
        if let (Value::Attrs(a), [AttrKey::Static(name, hint)]) = (&v, path) {
            if let Some(x) = a.get_attr_hinted(*name, hint) {
                return match self.force_attr(x) {
                    Ok(v) => Ok(v),
                    Err(e) => {
                        let apos = x.pos();
                        let p = if apos.is_none() { pos } else { apos };
                        Err(self.select_trace(at_pos(e, p), apos, path, env))
                    }
                };
            }
        }
        self.select_from(v, path, default, pos, env)
    }

    /// The arms of `eval` that are rarely on a hot path.
    #[inline(never)]
    fn eval_cold(&mut self, e: E, env: &Env) -> EResult<Value> {
        match e {
            Expr::WithVar {
                name,
                withs,
                pos,
                hint,
            } => {
                for d in withs.iter() {
                    let ns = lookup(env, *d, 0);
                    let ns = self.force(&ns)?;
                    let Value::Attrs(a) = &ns else {
                        return err(
                            format!("value is {} while a set was expected", ns.type_phrase()),
                            Pos::NONE,
                        );
                    };
                    if let Some(x) = a.get_attr_hinted(*name, hint) {
                        let v = x.value();
                        return self.force(&v);
                    }
                }
                err(format!("undefined variable '{name}'"), *pos)
            }
            Expr::PathInterp { parts, pos } => {
                // A path's parts are not copied to the store, and none may have a context.
                let mut s = String::new();
                if !self.append_parts(parts, env, false, &mut s)?.is_empty() {
                    return err(PATH_WITH_CONTEXT, *pos);
                }
                Ok(Value::path(canon_path(&s)))
            }
            Expr::SearchPath { name, pos } => {
                crate::builtins::io::find_in_search_path(self, name, *pos)
            }
            Expr::HomePath { rest, pos } => {
                let Some(home) = self.io.get_env("HOME") else {
                    return err("cannot resolve '~' because HOME is not set", *pos);
                };
                Ok(Value::path(canon_path(&format!("{home}{rest}"))))
            }
            Expr::Neg(x, pos) => {
                let v = self.eval(x, env)?;
                self.arith(BinOp::Sub, &Value::Int(0), &v, *pos)
            }
            Expr::CurPos(pos) => Ok(self.pos_attrs(*pos)),
            Expr::DerivationBody(b) => crate::builtins::derivation::eval_body(self, b, env),
            // The hot and warm arms, should a caller come here directly.
            Expr::Const(_)
            | Expr::Var { .. }
            | Expr::Apply { .. }
            | Expr::If { .. }
            | Expr::Bin { .. }
            | Expr::Select { .. }
            | Expr::Lambda(_)
            | Expr::Let { .. }
            | Expr::With { .. }
            | Expr::Assert { .. }
            | Expr::Attrs(..)
            | Expr::SelectOr { .. }
            | Expr::List(_)
            | Expr::HasAttr { .. }
            | Expr::Not(..)
            | Expr::Str { .. } => self.eval(e, env),
        }
    }

    /// `v.path or default` for an already evaluated `v` (the rest of `Select`).
    #[inline(never)]
    fn select_from(
        &mut self,
        v: Value,
        path: &'static [AttrKey],
        default: Option<E>,
        pos: Pos,
        env: &Env,
    ) -> EResult<Value> {
        let mut found_at = None;
        match self.select_walk(v, path, default, pos, env, &mut found_at) {
            Err(e) => match found_at {
                Some(apos) => Err(self.select_trace(e, apos, path, env)),
                None => Err(e),
            },
            ok => ok,
        }
    }

    /// Like Nix 2.8's `ExprSelect`: an error after an attribute of the path was found
    /// gets the frame "while evaluating the attribute 'a.b'" at that attribute, unless
    /// the attribute has no position or comes from `derivation.nix`.
    #[cold]
    #[inline(never)]
    fn select_trace(
        &mut self,
        e: Box<EvalError>,
        apos: Pos,
        path: &'static [AttrKey],
        env: &Env,
    ) -> Box<EvalError> {
        // Nix 2.8 adds no frame when the attribute has no position (`mapAttrs` results).
        if apos.is_none() {
            return e;
        }
        if crate::source::source_of(apos).is_some_and(|(f, _)| {
            matches!(&f.origin, crate::source::Origin::File(n) if n == "//builtin/derivation.nix")
        }) {
            return e;
        }
        let mut text = String::new();
        for (i, key) in path.iter().enumerate() {
            if i > 0 {
                text.push('.');
            }
            match self.attr_key(key, env) {
                Ok(s) => text.push_str(s.as_str()),
                Err(_) => text.push_str("\"${…}\""),
            }
        }
        let mut e = e;
        e.add_trace(apos, format!("while evaluating the attribute '{text}'"));
        e
    }

    fn select_walk(
        &mut self,
        mut v: Value,
        path: &'static [AttrKey],
        default: Option<E>,
        pos: Pos,
        env: &Env,
        found_at: &mut Option<Pos>,
    ) -> EResult<Value> {
        for key in path.iter() {
            let (name, hint) = match key {
                AttrKey::Static(s, hint) => (*s, Some(hint)),
                key => (self.attr_key(key, env)?, None),
            };
            let found = match &v {
                Value::Attrs(a) => {
                    match hint.map_or_else(|| a.get_attr(name), |h| a.get_attr_hinted(name, h)) {
                        // Like Nix, a cycle found here is reported at the attribute.
                        Some(x) => {
                            let r = self.force_attr(x);
                            Some((r, x.pos()))
                        }
                        None => {
                            if let Some(d) = default {
                                return self.eval(d, env);
                            }
                            return Err(Self::attr_missing(a, name, pos));
                        }
                    }
                }
                other => {
                    if let Some(d) = default {
                        return self.eval(d, env);
                    }
                    return err(
                        format!("value is {} while a set was expected", other.type_phrase()),
                        pos,
                    );
                }
            };
            v = match found {
                Some((r, apos)) => {
                    *found_at = Some(apos);
                    let p = if apos.is_none() { pos } else { apos };
                    r.map_err(|e| at_pos(e, p))?
                }
                None => Value::Null,
            };
        }
        Ok(v)
    }

    #[cold]
    #[inline(never)]
    fn attr_missing(a: &Attrs, name: Sym, pos: Pos) -> Box<EvalError> {
        let mut er = EvalError::new(ErrorKind::Eval, format!("attribute '{name}' missing"), pos);
        er.suffix = did_you_mean(a, name.as_str());
        er
    }

    #[inline(never)]
    fn eval_apply(&mut self, f: E, args: &'static [E], pos: Pos, env: &Env) -> EResult<Value> {
        let fv = self.eval_quick(f, env)?;
        self.apply_args(fv, args, pos, env)
    }

    /// `eval_apply` once the function is evaluated, for a caller that looked at it
    /// first (`interpolate`'s `toString`); out of line there.
    #[inline(never)]
    fn apply_args_outlined(
        &mut self,
        fv: Value,
        args: &'static [E],
        pos: Pos,
        env: &Env,
    ) -> EResult<Value> {
        self.apply_args(fv, args, pos, env)
    }

    /// The arguments of a call applied one after the other to `fv` and its results.
    #[inline(always)]
    fn apply_args(
        &mut self,
        mut fv: Value,
        args: &'static [E],
        pos: Pos,
        env: &Env,
    ) -> EResult<Value> {
        let mut rest: &[E] = args;
        while let Some((a, more)) = rest.split_first() {
            match &fv {
                // The common case first: a plain `x: …` lambda.
                Value::Lambda(c) if c.lambda.formals.is_none() => {
                    let arg = self.arg_thunk(a, env);
                    let mut frame = self.one_frame(c.env.clone(), arg);
                    self.check_stack()?;
                    let mut lam = c.lambda;
                    rest = more;
                    // `x: y: …` given several arguments: the inner function's frame
                    // hangs directly off the outer one, without the closure that
                    // evaluating the inner lambda and calling it would allocate.
                    while let (Expr::Lambda(inner), Some((b, more))) =
                        (lam.body, rest.split_first())
                    {
                        if inner.formals.is_some() {
                            break;
                        }
                        frame = Env::one(Some(frame), self.arg_thunk(b, env));
                        lam = inner;
                        rest = more;
                    }
                    let r = self.eval_body(lam, &frame);
                    self.spare_frame(frame);
                    fv = self.framed(r, lam, pos)?;
                    continue;
                }
                // A builtin given all its arguments at once is called directly, without
                // building (and allocating) partial applications.
                Value::PrimOp(op) if (op.arity == 2 || op.arity == 3) && op.arity <= rest.len() => {
                    let op: &'static PrimOp = op;
                    fv = self.apply_prim(op, rest, pos, env)?;
                    rest = &rest[op.arity..];
                    continue;
                }
                Value::PrimOp(op) if op.arity == 1 && op.strict != 0 => {
                    let op: &'static PrimOp = op;
                    fv = self.apply_prim(op, rest, pos, env)?;
                    rest = more;
                    continue;
                }
                _ => {}
            }
            let arg = self.arg_thunk(a, env);
            fv = self.call(&fv, arg, pos)?;
            rest = more;
        }
        Ok(fv)
    }

    /// Builtin `op` called with its arguments, the first `op.arity` of `args`. The
    /// argument it forces first (`PrimOp::strict`; both of `seq`'s) is evaluated here,
    /// the others get thunks.
    #[inline(never)]
    fn apply_prim(
        &mut self,
        op: &'static PrimOp,
        args: &'static [E],
        pos: Pos,
        env: &Env,
    ) -> EResult<Value> {
        let r = match args {
            // A variable is passed on as any call passes it (see `strict_arg`).
            [msg, body, ..] if op.strict == crate::value::CONTEXT => {
                match self.without_thunk(body, env) {
                    Some(v) => {
                        let argv = [self.arg_thunk(msg, env), v];
                        self.run_prim(op, &argv, pos)
                    }
                    None => match self.eval(body, env) {
                        Ok(v) => Ok(v),
                        Err(e) => {
                            let msg = self.arg_thunk(msg, env);
                            crate::builtins::control::with_context(self, e, &msg, pos)
                        }
                    },
                }
            }
            [a, b, c, ..] if op.arity == 3 => {
                let argv = [
                    self.strict_arg(op, 0, a, env, pos)?,
                    self.strict_arg(op, 1, b, env, pos)?,
                    self.strict_arg(op, 2, c, env, pos)?,
                ];
                self.run_prim(op, &argv, pos)
            }
            [a, b, ..] if op.arity == 2 => {
                let argv = [
                    self.strict_arg(op, 0, a, env, pos)?,
                    self.strict_arg(op, 1, b, env, pos)?,
                ];
                self.run_prim(op, &argv, pos)
            }
            [a, ..] => {
                let argv = [self.strict_arg(op, 0, a, env, pos)?];
                self.run_prim(op, &argv, pos)
            }
            _ => err(
                "internal error: a builtin called with too few arguments",
                pos,
            ),
        };
        r.map_err(|e| at_pos(e, pos))
    }

    /// Argument `k` of a call of `op` at `pos`: evaluated now if `op` forces it first,
    /// else what any call passes. A variable is passed as it is (its slot's thunk,
    /// forced here and shared with later uses), so that a cycle is found at the call
    /// and the slot holds what Nix leaves in the cell.
    #[inline(always)]
    fn strict_arg(&mut self, op: &PrimOp, k: u32, e: E, env: &Env, pos: Pos) -> EResult<Value> {
        if op.strict & (1 << k) == 0 {
            return Ok(self.arg_thunk(e, env));
        }
        // `lazy_or`'s arms, written out: a variable's arm may force (`&mut self`,
        // which `lazy_or`'s closures cannot borrow), the others evaluate.
        match e {
            Expr::Const(v) => Ok(v.clone()),
            Expr::Var {
                depth, slot, defs, ..
            } => match self.var_value(e, env, *depth, *slot, *defs) {
                // When a later argument is evaluated here too, a variable's thunk is
                // forced first (`seq a (throw "b")` with `a` failing fails with `a`'s
                // error, as in Nix), and passed on shared.
                Value::Thunk(t) if op.strict >> (k + 1) != 0 => self.force_shared(t, pos),
                v => Ok(v),
            },
            Expr::Lambda(l) if self.opts.eager_args => Ok(closure(l, env)),
            Expr::Attrs(a, apos) if self.opts.eager_args && !a.rec && a.dynamics.is_empty() => {
                Ok(self.static_attrs(a, *apos, env))
            }
            _ => self.eval(e, env),
        }
    }

    /// Forces `t` for `strict_arg` and gives it back, evaluated.
    #[inline(never)]
    fn force_shared(&mut self, t: Rc<Thunk>, pos: Pos) -> EResult<Value> {
        self.force_thunk(&t).map_err(|e| at_pos(e, pos))?;
        Ok(Value::Thunk(t))
    }

    /// `{ file, line, column }` for a position, or null without one.
    pub fn pos_attrs(&self, pos: Pos) -> Value {
        match crate::source::resolve(pos) {
            None => Value::Null,
            Some(lc) => {
                let file = match &lc.file.origin {
                    // Nix 2.8 gives the text itself as the "file" of a position in an
                    // expression given as text (`-E`), as its XML output does.
                    crate::source::Origin::String => lc.file.text.to_string(),
                    crate::source::Origin::File(p) => p.clone(),
                };
                Value::attrs(Attrs::from_unsorted(vec![
                    Attr::new(self.syms.file, Value::string(file), Pos::NONE),
                    Attr::new(self.syms.line, Value::Int(lc.line as i64), Pos::NONE),
                    Attr::new(self.syms.column, Value::Int(lc.col as i64), Pos::NONE),
                ]))
            }
        }
    }

    fn attr_key(&mut self, key: &AttrKey, env: &Env) -> EResult<Sym> {
        match key {
            AttrKey::Static(s, _) => Ok(*s),
            AttrKey::Dynamic(e, pos) => {
                let v = self.eval(e, env)?;
                self.force_expr_name(&v, *pos)
            }
        }
    }

    /// The entries of a set literal's static attributes, not `rec`.
    fn static_entries(&self, a: &'static AttrsExpr, env: &Env) -> Vec<Attr> {
        let mut entries = Vec::with_capacity(a.statics.len() + a.dynamics.len());
        for s in a.statics.iter() {
            entries.push(self.entry(s, env));
        }
        entries
    }

    /// Attribute `s` of a set literal (not `rec`) evaluated in `env`: what `thunk`
    /// makes, except that an expression needing a thunk is left pending in the entry.
    #[inline]
    pub(crate) fn entry(&self, s: &'static StaticAttr, env: &Env) -> Attr {
        self.lazy_or(
            s.value,
            env,
            |v| Attr::new(s.name, v, s.pos),
            || match s.def {
                u32::MAX => Attr::new(s.name, Thunk::expr(s.value, env.clone()), s.pos),
                def => Attr::pending(s.name, def, env.clone()),
            },
        )
    }

    /// A set literal with only static names, not `rec`: made without evaluating
    /// anything, so it cannot fail (`thunk` makes one at once under `eager_args`).
    fn static_attrs(&self, a: &'static AttrsExpr, pos: Pos, env: &Env) -> Value {
        let s = &a.statics;
        Value::whole(Value::Attrs(Attrs::build_at(s.len(), pos, |i| {
            self.entry(&s[i], env)
        })))
    }

    #[inline(never)]
    fn eval_attrs(&mut self, a: &'static AttrsExpr, pos: Pos, env: &Env) -> EResult<Value> {
        let (inner_env, mut entries) = if a.rec {
            let new = Env::new(Some(env.clone()), a.statics.len());
            // With `__overrides`, every slot must be a thunk so it can be replaced.
            // (Names compared as symbols: an equal name is the same id.)
            let overridable = a.statics.iter().any(|s| s.name == self.syms.overrides);
            if !overridable && a.dynamics.is_empty() {
                // The usual `rec { … }`: the set built in place, each slot of the
                // frame filled as its attribute is made (no `Vec` to copy from).
                let s = &a.statics;
                let set = Attrs::build_at(s.len(), pos, |i| {
                    let v = self.thunk(s[i].value, &new);
                    new.set(i, v.clone());
                    Attr::new(s[i].name, v, s[i].pos)
                });
                return Ok(Value::whole(Value::Attrs(set)));
            }
            let mut entries = Vec::with_capacity(a.statics.len() + a.dynamics.len());
            for (i, s) in a.statics.iter().enumerate() {
                // A variable of this frame not filled yet gets a thunk (`var_value`).
                let v = if overridable {
                    Thunk::expr(s.value, new.clone())
                } else {
                    self.thunk(s.value, &new)
                };
                new.set(i, v.clone());
                entries.push(Attr::new(s.name, v, s.pos));
            }
            (new, entries)
        } else {
            if a.dynamics.is_empty() {
                return Ok(self.static_attrs(a, pos, env));
            }
            (env.clone(), self.static_entries(a, env))
        };
        if a.rec {
            // Legacy `__overrides` in a `rec` set replaces attributes, also as seen
            // from inside the set. Names it adds are not variables of the set, and
            // shift the entries after them: a replaced name's slot in the frame is
            // its place among the set's own names.
            let overrides = self.syms.overrides;
            if let Ok(i) = entries.binary_search_by(|x| x.name.cmp(&overrides)) {
                let ov = entries[i].value();
                let ov = self.expect_attrs(&ov, Pos::NONE)?;
                for o in ov.entries().iter() {
                    match entries.binary_search_by(|x| x.name.cmp(&o.name)) {
                        Ok(j) => {
                            let v = o.value();
                            entries[j] = Attr::new(o.name, v.clone(), entries[j].pos());
                            if let Ok(slot) = a.statics.binary_search_by(|s| s.name.cmp(&o.name)) {
                                inner_env.replace(slot, v);
                            }
                        }
                        Err(j) => entries.insert(j, o.clone()),
                    }
                }
            }
        }
        for d in a.dynamics.iter() {
            let k = self.eval(d.key, &inner_env)?;
            if let Value::Null = k {
                continue;
            }
            let name = self.force_expr_name(&k, d.pos)?;
            let v = self.thunk(d.value, &inner_env);
            match entries.binary_search_by(|x| x.name.cmp(&name)) {
                Ok(i) => {
                    return err(
                        format!(
                            "dynamic attribute '{name}' already defined at {}",
                            inline_pos(entries[i].pos())
                        ),
                        d.pos,
                    )
                }
                Err(i) => entries.insert(i, Attr::new(name, v, d.pos)),
            }
        }
        Ok(Value::attrs(Attrs::from_sorted_at(entries, pos)))
    }

    #[inline(never)]
    fn eval_bin(
        &mut self,
        op: BinOp,
        l: E,
        r: E,
        pos: Pos,
        rpos: Pos,
        env: &Env,
    ) -> EResult<Value> {
        match op {
            BinOp::And => {
                let a = self.eval_quick(l, env)?;
                if !self.expect_bool(&a, pos)? {
                    return Ok(Value::Bool(false));
                }
                let b = self.eval_quick(r, env)?;
                Ok(Value::Bool(self.expect_bool(&b, pos)?))
            }
            BinOp::Or => {
                let a = self.eval_quick(l, env)?;
                if self.expect_bool(&a, pos)? {
                    return Ok(Value::Bool(true));
                }
                let b = self.eval_quick(r, env)?;
                Ok(Value::Bool(self.expect_bool(&b, pos)?))
            }
            BinOp::Impl => {
                let a = self.eval_quick(l, env)?;
                if !self.expect_bool(&a, pos)? {
                    return Ok(Value::Bool(true));
                }
                let b = self.eval_quick(r, env)?;
                Ok(Value::Bool(self.expect_bool(&b, pos)?))
            }
            _ => {
                // Each operand is evaluated straight into its own variable: moving a
                // result into a tuple read it with one 16-byte load, which stalls when
                // the callee wrote it in parts (see `Value`'s clone).
                let a;
                let b;
                if matches!(op, BinOp::Gt | BinOp::Le) {
                    // Nix 2.8 makes `a > b` and `a <= b` calls of `__lessThan b a`,
                    // which evaluates `b` first.
                    b = self.eval_quick(r, env)?;
                    a = self.eval_quick(l, env)?;
                } else {
                    a = self.eval_quick(l, env)?;
                    // Nix 2.8 rejects the left operand of `//` and `+` before it
                    // evaluates the right one.
                    if matches!(op, BinOp::Update | BinOp::Add) {
                        self.check_left_operand(op, &a, pos)?;
                    }
                    b = self.eval_quick(r, env)?;
                }
                if let (Value::Int(x), Value::Int(y)) = (&a, &b) {
                    if let Some(v) = int_bin(op, *x, *y) {
                        a.release();
                        b.release();
                        return Ok(v);
                    }
                }
                self.bin_values(op, a, b, pos, rpos)
            }
        }
    }

    /// The error `//` or `+` gives for a left operand of the wrong type, if it does.
    #[inline]
    fn check_left_operand(&mut self, op: BinOp, a: &Value, pos: Pos) -> EResult<()> {
        match (op, a) {
            (BinOp::Update, Value::Attrs(_)) => Ok(()),
            (BinOp::Update, _) => self.expect_attrs(a, Pos::NONE).map(|_| ()),
            (BinOp::Add, Value::Int(_) | Value::Float(_) | Value::String(_) | Value::Path(_)) => {
                Ok(())
            }
            (BinOp::Add, _) => self.check_addend(a, pos),
            _ => Ok(()),
        }
    }

    /// `check_left_operand` for a left operand of `+` that is not a number, string or
    /// path: Nix coerces it to a string before it evaluates the right operand, so one
    /// that cannot become a string (a set without `__toString` or `outPath`, a list, a
    /// function…) is the error. A set that can is coerced later, once (`__toString`
    /// may trace). Out of line: the hot `+` of numbers and strings never gets here.
    #[inline(never)]
    fn check_addend(&mut self, a: &Value, pos: Pos) -> EResult<()> {
        if let Value::Attrs(s) = a {
            if s.get(self.syms.to_string).is_some() || s.get(self.syms.out_path).is_some() {
                return Ok(());
            }
        }
        self.coerce_to_string(a, pos, false, false).map(|_| ())
    }

    /// A binary operator other than `&&`, `||`, `->` on evaluated operands.
    #[inline(never)]
    fn bin_values(&mut self, op: BinOp, a: Value, b: Value, pos: Pos, rpos: Pos) -> EResult<Value> {
        if let Some(v) = scalar_bin(op, &a, &b) {
            return Ok(v);
        }
        match op {
            BinOp::Add => self.add(&a, &b, pos, rpos),
            BinOp::Sub | BinOp::Mul | BinOp::Div => self.arith(op, &a, &b, pos),
            BinOp::Concat => {
                // Operands are evaluated: two lists are joined where they are.
                if let (Value::List(x), Value::List(y)) = (&a, &b) {
                    if x.is_empty() {
                        return Ok(b);
                    }
                    if y.is_empty() {
                        return Ok(a);
                    }
                    return Ok(Value::List(x.concat2(y)));
                }
                let x = self.expect_list(&a, pos)?;
                let y = self.expect_list(&b, pos)?;
                let n = x.len() + y.len();
                Ok(Value::List(List::concat(&[x, y], n)))
            }
            BinOp::Update => {
                // The operands are taken by value (not cloned), so that an operand
                // nothing else holds can give its entries up (`update_owned`).
                let x = match a {
                    Value::Attrs(x) => x,
                    other => self.expect_attrs(&other, Pos::NONE)?,
                };
                let y = match b {
                    Value::Attrs(y) => y,
                    other => self.expect_attrs(&other, Pos::NONE)?,
                };
                Ok(Value::attrs(x.update_owned(y)))
            }
            BinOp::Eq => match (&a, &b) {
                (Value::Int(x), Value::Int(y)) => Ok(Value::Bool(x == y)),
                _ => Ok(Value::Bool(self.eq_values(&a, &b)?)),
            },
            BinOp::Neq => Ok(Value::Bool(!self.eq_values(&a, &b)?)),
            BinOp::Lt => match (&a, &b) {
                (Value::Int(x), Value::Int(y)) => Ok(Value::Bool(x < y)),
                _ => Ok(Value::Bool(self.less_than(&a, &b)?)),
            },
            BinOp::Gt => Ok(Value::Bool(self.less_than(&b, &a)?)),
            BinOp::Le => Ok(Value::Bool(!self.less_than(&b, &a)?)),
            BinOp::Ge => Ok(Value::Bool(!self.less_than(&a, &b)?)),
            BinOp::And | BinOp::Or | BinOp::Impl => err("internal error", pos),
        }
    }

    /// `+`: numbers add, paths and strings concatenate (the left operand decides).
    pub fn add(&mut self, a: &Value, b: &Value, pos: Pos, rpos: Pos) -> EResult<Value> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(Value::Int(x.wrapping_add(*y))),
            (Value::Int(x), Value::Float(y)) => Ok(Value::Float(*x as f64 + y)),
            (Value::Float(x), Value::Int(y)) => Ok(Value::Float(x + *y as f64)),
            (Value::Float(x), Value::Float(y)) => Ok(Value::Float(x + y)),
            (Value::Int(_), o) => err(
                format!("cannot add {} to an integer", o.type_phrase()),
                rpos,
            ),
            (Value::Float(_), o) => err(format!("cannot add {} to a float", o.type_phrase()), rpos),
            (Value::Path(p), o) => {
                let mut s = String::from(p.as_str());
                let mut ctx = Context::default();
                self.coerce_to_string_into(o, rpos, false, false, &mut s, &mut ctx)?;
                if !ctx.is_empty() {
                    return err(PATH_WITH_CONTEXT, pos);
                }
                Ok(Value::path(canon_path(&s)))
            }
            (Value::String(x), Value::String(y)) => {
                let mut ctx = x.ctx().clone();
                ctx.extend(y.ctx());
                Ok(Value::String(NixString::concat_bytes(
                    &[x.as_bytes(), y.as_bytes()],
                    ctx,
                )))
            }
            (Value::String(x), o) => {
                let mut s = Vec::with_capacity(x.len() + 16);
                s.extend_from_slice(x.as_bytes());
                let mut ctx = x.ctx().clone();
                self.coerce_to_string_into(o, rpos, false, true, &mut s, &mut ctx)?;
                Ok(Value::string_bytes(s, ctx))
            }
            (first, o) => {
                let mut s = Vec::new();
                let mut ctx = Context::default();
                self.coerce_to_string_into(first, pos, false, false, &mut s, &mut ctx)?;
                self.coerce_to_string_into(o, rpos, false, false, &mut s, &mut ctx)?;
                Ok(Value::string_bytes(s, ctx))
            }
        }
    }

    /// `-`, `*`, `/` (and the `sub`/`mul`/`div` builtins).
    pub fn arith(&mut self, op: BinOp, a: &Value, b: &Value, pos: Pos) -> EResult<Value> {
        let (x, y) = match (a, b) {
            (Value::Int(x), Value::Int(y)) => {
                return Ok(Value::Int(match op {
                    BinOp::Sub => x.wrapping_sub(*y),
                    BinOp::Mul => x.wrapping_mul(*y),
                    _ => {
                        if *y == 0 {
                            return err("division by zero", pos);
                        }
                        match x.checked_div(*y) {
                            Some(q) => q,
                            None => return err("overflow in integer division", pos),
                        }
                    }
                }))
            }
            (Value::Int(x), Value::Float(y)) => (*x as f64, *y),
            (Value::Float(x), Value::Int(y)) => (*x, *y as f64),
            (Value::Float(x), Value::Float(y)) => (*x, *y),
            _ => {
                // Nix 2.8's order: `/` checks its divisor first (as a float), then for
                // zero; floats are expected as soon as either side is one.
                let num = |v: &Value| matches!(v, Value::Int(_) | Value::Float(_));
                let float = matches!(a, Value::Float(_)) || matches!(b, Value::Float(_));
                let want = if float { "a float" } else { "an integer" };
                let (o, want) = match (a, b) {
                    (_, o) if op == BinOp::Div && !num(o) => (o, "a float"),
                    (_, Value::Int(0)) if op == BinOp::Div => return err("division by zero", pos),
                    (_, Value::Float(y)) if op == BinOp::Div && *y == 0.0 => {
                        return err("division by zero", pos)
                    }
                    (o, _) if !num(o) => (o, want),
                    (_, o) => (o, want),
                };
                return err(
                    format!("value is {} while {want} was expected", o.type_phrase()),
                    pos,
                );
            }
        };
        Ok(Value::Float(match op {
            BinOp::Sub => x - y,
            BinOp::Mul => x * y,
            _ => {
                if y == 0.0 {
                    return err("division by zero", pos);
                }
                x / y
            }
        }))
    }

    pub fn call(&mut self, f: &Value, arg: Value, pos: Pos) -> EResult<Value> {
        match f {
            Value::Lambda(c) => self.call_lambda(c, arg, pos),
            Value::PrimOp(op) if op.arity == 1 => {
                self.run_prim(op, &[arg], pos).map_err(|e| at_pos(e, pos))
            }
            _ => self.call_other(f, arg, pos),
        }
    }

    /// `call`'s rarer cases, out of line so that their locals (a partial application's
    /// arguments, `__functor`, the error text) stay out of `call`'s stack frame.
    #[inline(never)]
    fn call_other(&mut self, f: &Value, arg: Value, pos: Pos) -> EResult<Value> {
        match f {
            Value::Lambda(c) => self.call_lambda(c, arg, pos),
            Value::PrimOp(op) => {
                if op.arity == 1 {
                    self.run_prim(op, &[arg], pos).map_err(|e| at_pos(e, pos))
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp {
                        op,
                        args: vec![arg],
                    })))
                }
            }
            Value::PrimOpApp(app) => {
                let mut args = Vec::with_capacity(app.op.arity);
                args.extend_from_slice(&app.args);
                args.push(arg);
                if args.len() == app.op.arity {
                    self.run_prim(app.op, &args, pos)
                        .map_err(|e| at_pos(e, pos))
                } else {
                    Ok(Value::PrimOpApp(Rc::new(PrimOpApp { op: app.op, args })))
                }
            }
            Value::Attrs(a) => {
                let Some(functor) = a.get(self.syms.functor) else {
                    return err(
                        "attempt to call something which is not a function but a set",
                        pos,
                    );
                };
                let functor = self.force(&functor)?;
                let g = self.call(&functor, f.clone(), pos)?;
                self.call(&g, arg, pos)
            }
            Value::Thunk(_) => {
                let f = self.force(f)?;
                self.call(&f, arg, pos)
            }
            o => err(
                format!(
                    "attempt to call something which is not a function but {}",
                    o.type_phrase()
                ),
                pos,
            ),
        }
    }

    /// `f a b` without building a partial application for two-argument builtins.
    pub fn call2(&mut self, f: &Value, a: Value, b: Value, pos: Pos) -> EResult<Value> {
        match f {
            Value::PrimOp(op) if op.arity == 2 => return self.run_prim(op, &[a, b], pos),
            // `x: y: …`: no closure for the inner function (see `eval_apply`).
            Value::Lambda(c) if c.lambda.formals.is_none() => {
                if let Expr::Lambda(inner) = c.lambda.body {
                    if inner.formals.is_none() {
                        self.check_stack()?;
                        let frame = Env::one(Some(c.env.clone()), a);
                        let frame = Env::one(Some(frame), b);
                        let r = self.eval_body(inner, &frame);
                        return self.framed(r, inner, pos);
                    }
                }
            }
            _ => {}
        }
        let g = self.call(f, a, pos)?;
        self.call(&g, b, pos)
    }

    /// `f` as a function of two plain arguments (`x: y: …`), for builtins that call it
    /// many times (`foldl'`, `sort`).
    pub fn curried2(f: &Value, pos: Pos) -> Option<Call2> {
        let Value::Lambda(c) = f else { return None };
        match (&c.lambda.formals, c.lambda.body) {
            (None, Expr::Lambda(inner)) if inner.formals.is_none() => Some(Call2 {
                env: c.env.clone(),
                lam: inner,
                pos,
                frames: None,
            }),
            _ => None,
        }
    }

    /// Calls `f` with `arg`, both possibly unforced.
    pub fn apply(&mut self, f: &Value, arg: Value, pos: Pos) -> EResult<Value> {
        let f = self.force(f)?;
        self.call(&f, arg, pos)
    }

    fn describe_lambda(l: &LambdaExpr) -> String {
        match l.name.get() {
            Some(n) => format!("'{n}' at {}", inline_pos(l.pos)),
            None => format!("anonymous function at {}", inline_pos(l.pos)),
        }
    }

    /// Evaluates a function's body in the frame of a call; under `--eval-profiler`, as
    /// a call of that function.
    #[inline(always)]
    fn eval_body(&mut self, lam: &'static LambdaExpr, env: &Env) -> EResult<Value> {
        if self.profiler.is_some() {
            return self.eval_body_profiled(lam, env);
        }
        self.eval(lam.body, env)
    }

    #[cold]
    #[inline(never)]
    fn eval_body_profiled(&mut self, lam: &'static LambdaExpr, env: &Env) -> EResult<Value> {
        if let Some(p) = &mut self.profiler {
            p.enter_lambda(lam);
        }
        let r = self.eval(lam.body, env);
        if let Some(p) = &mut self.profiler {
            p.leave();
        }
        r
    }

    /// Runs builtin `op` on its arguments; under `--eval-profiler`, as a call of it.
    #[inline(always)]
    fn run_prim(&mut self, op: &'static PrimOp, args: &[Value], pos: Pos) -> EResult<Value> {
        if self.profiler.is_some() {
            return self.run_prim_profiled(op, args, pos);
        }
        (op.f)(self, args, pos)
    }

    #[cold]
    #[inline(never)]
    fn run_prim_profiled(
        &mut self,
        op: &'static PrimOp,
        args: &[Value],
        pos: Pos,
    ) -> EResult<Value> {
        if let Some(p) = &mut self.profiler {
            p.enter_prim(op);
        }
        let r = (op.f)(self, args, pos);
        if let Some(p) = &mut self.profiler {
            p.leave();
        }
        r
    }

    /// Calls a closure. A plain `x: …` takes the short path; a call with a set of
    /// formals builds its frame out of line.
    #[inline]
    fn call_lambda(&mut self, c: &Rc<Closure>, arg: Value, pos: Pos) -> EResult<Value> {
        self.check_stack()?;
        let l = c.lambda;
        let r = match &l.formals {
            // `x: x` (`lib.id`, sort keys, `genList (x: x)`): the argument, evaluated as
            // the body's variable would be, without a frame.
            None if matches!(
                l.body,
                Expr::Var {
                    depth: 0,
                    slot: 0,
                    ..
                }
            ) && self.profiler.is_none() =>
            {
                match arg {
                    Value::Thunk(t) => self.force_thunk(&t).map_err(|e| at_pos(e, l.body.pos())),
                    v => Ok(v),
                }
            }
            None => {
                let env = self.one_frame(c.env.clone(), arg);
                let r = self.eval_body(l, &env);
                self.spare_frame(env);
                r
            }
            Some(f) => {
                let env = self.formals_frame(c, f, arg, pos)?;
                self.eval_body(l, &env)
            }
        };
        self.framed(r, l, pos)
    }

    /// A frame of one slot holding `v` under `parent`: a spare one if there is.
    #[inline(always)]
    fn one_frame(&mut self, parent: Env, v: Value) -> Env {
        if let Some(mut f) = self.spare_frames.pop() {
            if let Some(mut m) = f.get_mut() {
                *m.parent = Some(parent);
                m.reset(0, v);
                return f;
            }
        }
        Env::one(Some(parent), v)
    }

    /// Keeps frame `f` of a finished call for the next one if nothing else holds it
    /// (no thunk or function made in the call captured it), emptied so that it keeps
    /// nothing alive.
    #[inline(always)]
    fn spare_frame(&mut self, mut f: Env) {
        if self.spare_frames.len() >= 64 {
            return;
        }
        let Some(mut m) = f.get_mut() else { return };
        *m.parent = None;
        m.clear(0);
        self.spare_frames.push(f);
    }

    /// `r` with `call_frames` added to an error: every call of a Nix function ends
    /// here.
    #[inline(always)]
    fn framed(&self, r: EResult<Value>, l: &LambdaExpr, pos: Pos) -> EResult<Value> {
        r.map_err(|e| self.call_frames(e, l, pos))
    }

    /// `--show-trace`'s two frames for an error out of the body of `l` called at `pos`
    /// (Nix 2.8 records them only when the trace is shown).
    #[cold]
    #[inline(never)]
    pub fn call_frames(&self, mut e: Box<EvalError>, l: &LambdaExpr, pos: Pos) -> Box<EvalError> {
        if self.opts.show_trace && e.kind != ErrorKind::StackOverflow {
            let what = match l.name.get() {
                Some(n) => format!("while evaluating '{n}'"),
                None => "while evaluating anonymous lambda".to_string(),
            };
            e.add_trace(l.pos, what);
            e.add_trace(pos, "from call site".to_string());
        }
        e
    }

    /// The frame of a `{ a, b ? d, ... }@args:` call: checks the argument set against
    /// the formals and fills defaults lazily.
    #[inline(never)]
    fn formals_frame(
        &mut self,
        c: &Rc<Closure>,
        f: &Formals,
        arg: Value,
        pos: Pos,
    ) -> EResult<Env> {
        let l = c.lambda;
        let argv = self.force(&arg)?;
        let Value::Attrs(attrs) = &argv else {
            return err(
                format!("value is {} while a set was expected", argv.type_phrase()),
                pos,
            );
        };
        let env = Env::new(Some(c.env.clone()), l.frame_size as usize);
        let mut used = 0usize;
        for (i, formal) in f.entries.iter().enumerate() {
            match attrs.get_attr_hinted(formal.name, &formal.hint) {
                Some(v) => {
                    used += 1;
                    env.set(i, v.value());
                }
                None => match formal.default {
                    // Evaluated when first used (`eval_lazy_var`).
                    Some(Expr::Const(v)) => env.set(i, v.clone()),
                    Some(_) => {}
                    None => {
                        return err(
                            format!(
                                "{} called without required argument '{}'",
                                Self::describe_lambda(l),
                                formal.name
                            ),
                            pos,
                        )
                    }
                },
            }
        }
        if !f.ellipsis && used != attrs.len() {
            for a in attrs.entries().iter() {
                if !f.entries.iter().any(|x| x.name == a.name) {
                    let mut e = EvalError::new(
                        ErrorKind::Eval,
                        format!(
                            "{} called with unexpected argument '{}'",
                            Self::describe_lambda(l),
                            a.name
                        ),
                        pos,
                    );
                    let formal_names = Attrs::from_unsorted(
                        f.entries
                            .iter()
                            .map(|x| Attr::new(x.name, Value::Null, Pos::NONE))
                            .collect(),
                    );
                    e.suffix = did_you_mean(&formal_names, a.name.as_str());
                    return Err(e);
                }
            }
        }
        if let Some(at) = f.at {
            env.set(at as usize, arg);
        }
        Ok(env)
    }

    // ---- typed access used by the evaluator and builtins ----

    pub fn expect_bool(&mut self, v: &Value, pos: Pos) -> EResult<bool> {
        match self.force(v)? {
            Value::Bool(b) => Ok(b),
            o => not_a(&o, "a Boolean", pos),
        }
    }
    pub fn expect_int(&mut self, v: &Value, pos: Pos) -> EResult<i64> {
        match self.force(v)? {
            Value::Int(i) => Ok(i),
            o => not_a(&o, "an integer", pos),
        }
    }
    /// An int or a float, as f64 (with the int kept when both are ints).
    pub fn expect_number(&mut self, v: &Value, pos: Pos) -> EResult<Value> {
        match self.force(v)? {
            v @ (Value::Int(_) | Value::Float(_)) => Ok(v),
            o => not_a(&o, "a float", pos),
        }
    }
    pub fn expect_list(&mut self, v: &Value, pos: Pos) -> EResult<List> {
        match self.force(v)? {
            Value::List(l) => Ok(l),
            o => not_a(&o, "a list", pos),
        }
    }
    pub fn expect_attrs(&mut self, v: &Value, pos: Pos) -> EResult<Attrs> {
        match self.force(v)? {
            Value::Attrs(a) => Ok(a),
            o => not_a(&o, "a set", pos),
        }
    }
    pub fn expect_function(&mut self, v: &Value, pos: Pos) -> EResult<Value> {
        let f = self.force(v)?;
        if f.is_function() {
            return Ok(f);
        }
        if let Value::Attrs(a) = &f {
            if a.get(self.syms.functor).is_some() {
                return Ok(f);
            }
        }
        not_a(&f, "a function", pos)
    }
    /// A string value (no coercion), with its context.
    pub fn expect_string(&mut self, v: &Value, pos: Pos) -> EResult<NixString> {
        match self.force(v)? {
            Value::String(s) => Ok(s),
            o => not_a(&o, "a string", pos),
        }
    }
    /// A string value that must not refer to a store path (Nix's `forceStringNoCtx`):
    /// one with a context is an error at `pos`. The test is one load and a null check.
    #[inline]
    pub fn expect_string_no_ctx(&mut self, v: &Value, pos: Pos) -> EResult<NixString> {
        let s = self.expect_string(v, pos)?;
        without_context(s, pos)
    }
    /// The attribute name a string value holds (its bytes, no coercion); a string with
    /// a context is an error at `pos`, as in Nix.
    pub fn force_name(&mut self, v: &Value, pos: Pos) -> EResult<Sym> {
        Ok(Sym::from_bytes(
            self.expect_string_no_ctx(v, pos)?.as_bytes(),
        ))
    }
    /// `force_name` for a name written `${…}` in an expression: Nix 2.8 reports a type
    /// error there at `pos` but a string with a context without a position.
    fn force_expr_name(&mut self, v: &Value, pos: Pos) -> EResult<Sym> {
        let s = self.expect_string(v, pos)?;
        Ok(Sym::from_bytes(without_context(s, Pos::NONE)?.as_bytes()))
    }
    /// A string value's text (no coercion, context dropped).
    pub fn force_str(&mut self, v: &Value, pos: Pos) -> EResult<String> {
        Ok(self.expect_string(v, pos)?.to_str().into_owned())
    }

    /// `force_str` of a string that may not refer to a store path (Nix's
    /// `forceStringNoCtx`).
    pub fn force_str_no_ctx(&mut self, v: &Value, pos: Pos) -> EResult<String> {
        Ok(self.expect_string_no_ctx(v, pos)?.to_str().into_owned())
    }

    /// Coerces to a string the way string interpolation does (`coerce_more` = false) or
    /// `toString` does (`coerce_more` = true). Paths are copied to the store when
    /// `copy_to_store` is set.
    pub fn coerce_to_string(
        &mut self,
        v: &Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
    ) -> EResult<(String, Context)> {
        let mut s = String::new();
        let mut ctx = Context::default();
        self.coerce_to_string_into(v, pos, coerce_more, copy_to_store, &mut s, &mut ctx)?;
        Ok((s, ctx))
    }

    /// `coerce_to_string` keeping a string's bytes as they are (not necessarily UTF-8).
    pub fn coerce_to_bytes(
        &mut self,
        v: &Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
    ) -> EResult<(Vec<u8>, Context)> {
        let mut s = Vec::new();
        let mut ctx = Context::default();
        self.coerce_to_string_into(v, pos, coerce_more, copy_to_store, &mut s, &mut ctx)?;
        Ok((s, ctx))
    }

    /// A string with `${}` parts. The parts are evaluated and coerced in order (so errors
    /// come in Nix's order), then copied once into the new string value: no buffer that
    /// grows and is shrunk again, and `"${s}"` of a string is `s` itself.
    #[inline(never)]
    fn interpolate(&mut self, parts: &[StrPart], env: &Env) -> EResult<Value> {
        // Up to this many `${}` parts are kept on the stack; strings with more are
        // built by appending (rare in practice).
        const INLINE: usize = 4;
        enum Piece {
            Shared(NixString),
            Owned(String),
            /// `${toString n}` of an integer: its digits, without a string of their own.
            Digits(IntText),
        }
        let exprs = parts
            .iter()
            .filter(|p| matches!(p, StrPart::Expr(..)))
            .count();
        if exprs > INLINE || parts.len() > 2 * INLINE + 1 {
            return self.interpolate_appending(parts, env);
        }
        let mut pieces: [Option<Piece>; INLINE] = [const { None }; INLINE];
        let mut ctx = Context::default();
        let mut slots = pieces.iter_mut();
        for p in parts.iter() {
            match p {
                StrPart::Lit(_) => {}
                StrPart::Expr(e, pos) => {
                    let v = match e {
                        Expr::Apply { f, args, pos: apos } if args.len() == 1 => {
                            let fv = self.eval_quick(f, env)?;
                            match self.string_of_call(&fv, args[0], *apos, env)? {
                                ToStringCall::Digits(d) => {
                                    if let Some(slot) = slots.next() {
                                        *slot = Some(Piece::Digits(d));
                                    }
                                    continue;
                                }
                                ToStringCall::Value(v) => v,
                                ToStringCall::Other => {
                                    self.apply_args_outlined(fv, args, *apos, env)?
                                }
                            }
                        }
                        _ => self.eval(e, env)?,
                    };
                    let piece = match v {
                        Value::String(s) => {
                            ctx.extend(s.ctx());
                            Piece::Shared(s)
                        }
                        v => {
                            let mut s = String::new();
                            self.coerce_to_string_into(&v, *pos, false, true, &mut s, &mut ctx)?;
                            Piece::Owned(s)
                        }
                    };
                    if let Some(slot) = slots.next() {
                        *slot = Some(piece);
                    }
                }
            }
        }
        if let ([StrPart::Expr(..)], [Some(Piece::Shared(s)), ..]) = (parts, &pieces) {
            return Ok(Value::String(s.clone()));
        }
        // Parts alternate between literals and `${}`s, so there are at most this many.
        let mut strs: [&[u8]; 2 * INLINE + 1] = [b""; 2 * INLINE + 1];
        let mut pieces = pieces.iter();
        for (p, out) in parts.iter().zip(strs.iter_mut()) {
            *out = match p {
                StrPart::Lit(l) => l.as_bytes(),
                StrPart::Expr(..) => match pieces.next() {
                    Some(Some(Piece::Shared(s))) => s.as_bytes(),
                    Some(Some(Piece::Owned(s))) => s.as_bytes(),
                    Some(Some(Piece::Digits(d))) => d.as_bytes(),
                    _ => b"",
                },
            };
        }
        Ok(Value::String(NixString::concat_bytes(
            &strs[..parts.len()],
            ctx,
        )))
    }

    /// `${toString a}` where `fv` is the builtin `toString`: its argument evaluated as
    /// the call would (the same errors, at the call's position), and an integer's
    /// digits given back as they are rather than in a string `interpolate` would copy
    /// and free (`"${toString port}"` is common in configurations).
    fn string_of_call(&mut self, fv: &Value, a: E, pos: Pos, env: &Env) -> EResult<ToStringCall> {
        let op = match fv {
            Value::PrimOp(op) if op.name == "toString" && self.profiler.is_none() => *op,
            _ => return Ok(ToStringCall::Other),
        };
        let r = self.strict_arg(op, 0, a, env, pos).and_then(|x| {
            let v = self.force(&x)?;
            match v {
                Value::Int(i) => Ok(ToStringCall::Digits(IntText::new(i))),
                v => self.run_prim(op, &[v], pos).map(ToStringCall::Value),
            }
        });
        r.map_err(|e| at_pos(e, pos))
    }

    /// `interpolate` for strings with many parts: each is appended as it comes.
    #[cold]
    fn interpolate_appending(&mut self, parts: &[StrPart], env: &Env) -> EResult<Value> {
        let mut s = Vec::new();
        let ctx = self.append_parts(parts, env, true, &mut s)?;
        Ok(Value::string_bytes(s, ctx))
    }

    /// The parts of an interpolated string or path, evaluated and appended in order.
    fn append_parts(
        &mut self,
        parts: &[StrPart],
        env: &Env,
        copy_to_store: bool,
        s: &mut impl TextOut,
    ) -> EResult<Context> {
        let mut ctx = Context::default();
        for p in parts.iter() {
            match p {
                StrPart::Lit(l) => s.push_str(l),
                StrPart::Expr(e, pos) => {
                    let v = self.eval(e, env)?;
                    self.coerce_to_string_into(&v, *pos, false, copy_to_store, s, &mut ctx)?;
                }
            }
        }
        Ok(ctx)
    }

    pub fn coerce_to_string_into(
        &mut self,
        v: &Value,
        pos: Pos,
        coerce_more: bool,
        copy_to_store: bool,
        out: &mut impl TextOut,
        ctx: &mut Context,
    ) -> EResult<()> {
        // Sets coerce through their outPath or __toString, which may lead back to
        // themselves: an error, not a crash.
        self.check_stack()?;
        let v = self.force(v)?;
        match &v {
            Value::String(s) => {
                out.push_bytes(s.as_bytes());
                ctx.extend(s.ctx());
                Ok(())
            }
            Value::Path(p) => {
                if copy_to_store {
                    let sp = crate::builtins::io::copy_path_to_store(self, p, pos)?;
                    out.push_str(&sp);
                    ctx.insert(std::rc::Rc::from(sp.as_str()));
                } else {
                    out.push_str(p);
                }
                Ok(())
            }
            Value::Attrs(a) => {
                if let Some(f) = a.get(self.syms.to_string) {
                    let r = self.apply(&f, v.clone(), pos)?;
                    return self.coerce_to_string_into(
                        &r,
                        pos,
                        coerce_more,
                        copy_to_store,
                        out,
                        ctx,
                    );
                }
                if let Some(p) = a.get(self.syms.out_path) {
                    return self.coerce_to_string_into(
                        &p,
                        pos,
                        coerce_more,
                        copy_to_store,
                        out,
                        ctx,
                    );
                }
                err("cannot coerce a set to a string", pos)
            }
            Value::Int(i) if coerce_more => {
                IntText::new(*i).push_to(out);
                Ok(())
            }
            Value::Float(f) if coerce_more => {
                out.push_str(&crate::print::float_to_string(*f));
                Ok(())
            }
            Value::Null if coerce_more => Ok(()),
            Value::Bool(b) if coerce_more => {
                if *b {
                    out.push('1');
                }
                Ok(())
            }
            Value::List(l) if coerce_more => {
                let n = l.len();
                for (i, x) in l.iter().enumerate() {
                    self.coerce_to_string_into(x, pos, coerce_more, copy_to_store, out, ctx)?;
                    if i + 1 < n {
                        let xf = self.force(x)?;
                        let empty_list = matches!(&xf, Value::List(l) if l.is_empty());
                        if !empty_list {
                            out.push(' ');
                        }
                    }
                }
                Ok(())
            }
            o => err(
                format!("cannot coerce {} to a string", o.type_phrase()),
                pos,
            ),
        }
    }

    /// Is `v` (forced) a derivation, i.e. a set with `type = "derivation"`?
    pub fn is_derivation(&mut self, a: &Attrs) -> EResult<bool> {
        match a.get(self.syms.type_) {
            Some(t) => match self.force(&t)? {
                Value::String(s) => Ok(s.as_bytes() == b"derivation"),
                _ => Ok(false),
            },
            None => Ok(false),
        }
    }

    /// `==`. Functions are never equal, except the very same value inside a list or set
    /// (Nix compares value pointers there first).
    pub fn eq_values(&mut self, a: &Value, b: &Value) -> EResult<bool> {
        self.on_forced(a, b, Self::eq_forced)
    }

    /// `f` of `a` and `b` in weak head normal form. Two evaluated values (an
    /// operator's operands always are) are passed where they are, without the clone
    /// (and later drop) of each that forcing makes.
    #[inline(always)]
    fn on_forced<T>(
        &mut self,
        a: &Value,
        b: &Value,
        f: impl FnOnce(&mut Self, &Value, &Value) -> EResult<T>,
    ) -> EResult<T> {
        if matches!(a, Value::Thunk(_)) || matches!(b, Value::Thunk(_)) {
            let a = self.force(a)?;
            let b = self.force(b)?;
            return f(self, &a, &b);
        }
        f(self, a, b)
    }

    /// `eq_values` of two values in weak head normal form.
    fn eq_forced(&mut self, a: &Value, b: &Value) -> EResult<bool> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x == y,
            (Value::Int(x), Value::Float(y)) => (*x as f64) == *y,
            (Value::Float(x), Value::Int(y)) => *x == (*y as f64),
            (Value::Float(x), Value::Float(y)) => x == y,
            (Value::String(x), Value::String(y)) => x.as_bytes() == y.as_bytes(),
            (Value::Path(x), Value::Path(y)) => x == y,
            (Value::Null, Value::Null) => true,
            (Value::Bool(x), Value::Bool(y)) => x == y,
            (Value::List(x), Value::List(y)) => {
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.iter().zip(y.iter()) {
                    if !same_value(p, q) && !self.eq_values(p, q)? {
                        return Ok(false);
                    }
                }
                true
            }
            (Value::Attrs(x), Value::Attrs(y)) => {
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                if self.is_derivation(x)? && self.is_derivation(y)? {
                    if let (Some(p), Some(q)) =
                        (x.get(self.syms.out_path), y.get(self.syms.out_path))
                    {
                        return self.eq_values(&p, &q);
                    }
                }
                if x.len() != y.len() {
                    return Ok(false);
                }
                for (p, q) in x.entries().iter().zip(y.entries().iter()) {
                    if p.name != q.name {
                        return Ok(false);
                    }
                    if let (Some(a), Some(b)) = (p.ready(), q.ready()) {
                        if same_value(&a, &b) {
                            continue;
                        }
                    }
                    let a = self.force_attr(p)?;
                    let b = self.force_attr(q)?;
                    if !self.eq_values(&a, &b)? {
                        return Ok(false);
                    }
                }
                true
            }
            _ => false,
        })
    }

    /// `<` on numbers, strings, paths and lists (lexicographically).
    pub fn less_than(&mut self, a: &Value, b: &Value) -> EResult<bool> {
        Ok(self.compare(a, b)? == Ordering::Less)
    }

    pub fn compare(&mut self, a: &Value, b: &Value) -> EResult<Ordering> {
        self.on_forced(a, b, Self::compare_forced)
    }

    /// `compare` of two values in weak head normal form.
    fn compare_forced(&mut self, a: &Value, b: &Value) -> EResult<Ordering> {
        Ok(match (a, b) {
            (Value::Int(x), Value::Int(y)) => x.cmp(y),
            (Value::Int(x), Value::Float(y)) => {
                (*x as f64).partial_cmp(y).unwrap_or(Ordering::Equal)
            }
            (Value::Float(x), Value::Int(y)) => {
                x.partial_cmp(&(*y as f64)).unwrap_or(Ordering::Equal)
            }
            (Value::Float(x), Value::Float(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
            (Value::String(x), Value::String(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::Path(x), Value::Path(y)) => x.as_bytes().cmp(y.as_bytes()),
            (Value::List(x), Value::List(y)) => {
                for i in 0.. {
                    if i == y.len() {
                        return Ok(if i == x.len() {
                            Ordering::Equal
                        } else {
                            Ordering::Greater
                        });
                    }
                    if i == x.len() {
                        return Ok(Ordering::Less);
                    }
                    if !self.eq_values(&x[i], &y[i])? {
                        return self.compare(&x[i], &y[i]);
                    }
                }
                Ordering::Equal
            }
            _ => {
                return err(
                    format!(
                        "cannot compare {} with {}",
                        a.type_phrase(),
                        b.type_phrase()
                    ),
                    Pos::NONE,
                )
            }
        })
    }

    /// Forces a value and everything inside it (`--strict`, `deepSeq`).
    pub fn deep_force(&mut self, v: &Value) -> EResult<Value> {
        let mut seen = PtrSet::default();
        self.deep_force_inner(v, &mut seen)
    }

    fn deep_force_inner(&mut self, v: &Value, seen: &mut PtrSet) -> EResult<Value> {
        self.check_stack()?;
        let f = self.force(v)?;
        match &f {
            Value::Attrs(a) => {
                if !seen.insert(a.addr()) {
                    return Ok(f);
                }
                for at in a.entries().iter() {
                    match self.force_attr(at) {
                        Ok(v) => self.deep_force_inner(&v, seen),
                        Err(e) => Err(e),
                    }
                    .trace(at.pos(), || {
                        format!("while evaluating the attribute '{}'", at.name)
                    })?;
                }
            }
            Value::List(l) => {
                if !seen.insert(l.addr()) {
                    return Ok(f);
                }
                for x in l.iter() {
                    self.deep_force_inner(x, seen)?;
                }
            }
            _ => {}
        }
        Ok(f)
    }
}

/// An evaluated number, Boolean or null: what `scalar_bin` computes on, copied out of a
/// `Value` so that nothing is reference-counted or dropped.
#[derive(Clone, Copy)]
enum Scalar {
    Int(i64),
    Float(f64),
    Bool(bool),
    Null,
}

impl Scalar {
    #[inline]
    fn of(v: &Value) -> Option<Scalar> {
        Some(match v {
            Value::Int(i) => Scalar::Int(*i),
            Value::Float(f) => Scalar::Float(*f),
            Value::Bool(b) => Scalar::Bool(*b),
            Value::Null => Scalar::Null,
            _ => return None,
        })
    }
    #[inline]
    fn value(self) -> Value {
        match self {
            Scalar::Int(i) => Value::Int(i),
            Scalar::Float(f) => Value::Float(f),
            Scalar::Bool(b) => Value::Bool(b),
            Scalar::Null => Value::Null,
        }
    }
}

/// The value of an operand if it is a constant or a variable already evaluated to a
/// number, Boolean or null; `None` otherwise (nothing is forced).
#[inline]
fn known_scalar(e: E, env: &Env) -> Option<Scalar> {
    let v = match e {
        Expr::Const(v) => v,
        Expr::Var { depth, slot, .. } => lookup_ref(env, *depth, *slot)?,
        _ => return None,
    };
    match v {
        Value::Thunk(t) => t.peek(|st| match st {
            ThunkState::Done(v) => Scalar::of(v),
            _ => None,
        }),
        v => Scalar::of(v),
    }
}

/// `l op r` computed now when both operands are known scalars and the operation cannot
/// fail (see `Eval::thunk`).
#[inline(never)]
fn eager_bin(op: BinOp, l: E, r: E, env: &Env) -> Option<Value> {
    let a = known_scalar(l, env)?;
    let b = known_scalar(r, env)?;
    if let (Scalar::Int(x), Scalar::Int(y)) = (a, b) {
        return int_bin(op, x, y);
    }
    scalar_op(op, a, b).map(Scalar::value)
}

/// `scalar_bin` on two integers (the one definition of integer operators on the fast
/// paths): wrapping arithmetic as Nix 2.8; `None` for a division by zero or overflow
/// and for operators integers do not take.
#[inline]
fn int_bin(op: BinOp, x: i64, y: i64) -> Option<Value> {
    Some(match op {
        BinOp::Add => Value::int(x.wrapping_add(y)),
        BinOp::Sub => Value::int(x.wrapping_sub(y)),
        BinOp::Mul => Value::int(x.wrapping_mul(y)),
        BinOp::Div if y != 0 => Value::int(x.checked_div(y)?),
        BinOp::Eq => Value::bool(x == y),
        BinOp::Neq => Value::bool(x != y),
        BinOp::Lt => Value::bool(x < y),
        BinOp::Gt => Value::bool(x > y),
        BinOp::Le => Value::bool(x <= y),
        BinOp::Ge => Value::bool(x >= y),
        _ => return None,
    })
}

/// A binary operation on two evaluated scalars that cannot fail, with the result the
/// general path (`add`, `arith`, `eq_values`, `compare`) gives; `None` when the general
/// path is needed (other types, an error such as a division by zero or comparing a
/// Boolean).
#[inline]
fn scalar_bin(op: BinOp, a: &Value, b: &Value) -> Option<Value> {
    scalar_op(op, Scalar::of(a)?, Scalar::of(b)?).map(Scalar::value)
}

fn scalar_op(op: BinOp, a: Scalar, b: Scalar) -> Option<Scalar> {
    use Scalar::{Bool, Float, Int, Null};
    if let (Int(x), Int(y)) = (a, b) {
        return int_bin(op, x, y).as_ref().and_then(Scalar::of);
    }
    let num = |a: Scalar, b: Scalar| -> Option<(f64, f64)> {
        match (a, b) {
            (Int(x), Float(y)) => Some((x as f64, y)),
            (Float(x), Int(y)) => Some((x, y as f64)),
            (Float(x), Float(y)) => Some((x, y)),
            _ => None,
        }
    };
    let cmp = |a: Scalar, b: Scalar| -> Option<Ordering> {
        let (x, y) = num(a, b)?;
        Some(x.partial_cmp(&y).unwrap_or(Ordering::Equal))
    };
    let eq = |a: Scalar, b: Scalar| -> Option<bool> {
        Some(match (a, b) {
            (Bool(x), Bool(y)) => x == y,
            (Null, Null) => true,
            (Int(_) | Float(_), Int(_) | Float(_)) => {
                let (x, y) = num(a, b)?;
                x == y
            }
            // Distinct scalar types are never equal.
            _ => false,
        })
    };
    Some(match op {
        BinOp::Add => num(a, b).map(|(x, y)| Float(x + y))?,
        BinOp::Sub => num(a, b).map(|(x, y)| Float(x - y))?,
        BinOp::Mul => num(a, b).map(|(x, y)| Float(x * y))?,
        BinOp::Div => {
            let (x, y) = num(a, b)?;
            if y == 0.0 {
                return None;
            }
            Float(x / y)
        }
        BinOp::Eq => Bool(eq(a, b)?),
        BinOp::Neq => Bool(!eq(a, b)?),
        BinOp::Lt => Bool(cmp(a, b)? == Ordering::Less),
        BinOp::Gt => Bool(cmp(b, a)? == Ordering::Less),
        BinOp::Le => Bool(cmp(b, a)? != Ordering::Less),
        BinOp::Ge => Bool(cmp(a, b)? != Ordering::Less),
        BinOp::And => match (a, b) {
            (Bool(x), Bool(y)) => Bool(x && y),
            _ => return None,
        },
        BinOp::Or => match (a, b) {
            (Bool(x), Bool(y)) => Bool(x || y),
            _ => return None,
        },
        BinOp::Impl => match (a, b) {
            (Bool(x), Bool(y)) => Bool(!x || y),
            _ => return None,
        },
        BinOp::Concat | BinOp::Update => return None,
    })
}

/// "value is … while … was expected", out of line: formatting it in place would enlarge
/// the stack frame of every `expect_*` caller, paid at every level of a deep evaluation.
#[cold]
#[inline(never)]
fn not_a<T>(v: &Value, what: &str, pos: Pos) -> EResult<T> {
    err(
        format!("value is {} while {what} was expected", v.type_phrase()),
        pos,
    )
}

/// `s` if it has no context, else Nix's error for it at `pos`.
#[inline]
fn without_context(s: NixString, pos: Pos) -> EResult<NixString> {
    if s.ctx().is_empty() {
        Ok(s)
    } else {
        Err(string_with_context(&s, pos))
    }
}

/// A path extended by a string with a context (`+` or `/x/${…}`).
const PATH_WITH_CONTEXT: &str = "a string that refers to a store path cannot be appended to a path";

/// Nix's error for a string with a context where a plain one is needed: the string's
/// bytes and its first context element, as Nix encodes it.
#[cold]
#[inline(never)]
pub fn string_with_context(s: &NixString, pos: Pos) -> Box<EvalError> {
    let first = s.ctx().0.iter().next().map_or("", |c| &**c);
    let mut msg = b"the string '".to_vec();
    msg.extend_from_slice(s.as_bytes());
    msg.extend_from_slice(
        format!("' is not allowed to refer to a store path (such as '{first}')").as_bytes(),
    );
    EvalError::new_bytes(ErrorKind::Eval, msg, pos)
}

/// Gives a position-less error (infinite recursion) the position of the expression that
/// forced the value.
#[inline]
fn at_pos(mut e: Box<EvalError>, pos: Pos) -> Box<EvalError> {
    if e.pos.is_none() && e.kind == ErrorKind::InfiniteRecursion {
        e.pos = pos;
    }
    e
}

/// Same value object (the pointer test Nix does before comparing list and set elements).
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Thunk(x), Value::Thunk(y)) => Rc::ptr_eq(x, y),
        (Value::Lambda(x), Value::Lambda(y)) => Rc::ptr_eq(x, y),
        (Value::Attrs(x), Value::Attrs(y)) => x.ptr_eq(y),
        (Value::List(x), Value::List(y)) => x.ptr_eq(y),
        // A global built-in is one cell in Nix's base environment, and a variable
        // naming it (or a binding or argument that is that variable) is that cell.
        // A selection (`builtins.map`) is a thunk of its own, so it differs above.
        (Value::PrimOp(x), Value::PrimOp(y)) => std::ptr::eq(*x, *y),
        (Value::PrimOpApp(x), Value::PrimOpApp(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

/// The slot's value; `None` for a slot not filled yet (a `rec` frame being made, a
/// `let` binding or default argument not used yet).
#[inline]
pub fn lookup_ref(env: &Env, depth: u32, slot: u32) -> Option<&Value> {
    frame_at(env, depth)?
        .slot(slot as usize)
        .and_then(|c| c.get())
}

/// The frame `depth` levels up.
#[inline(always)]
pub fn frame_at(env: &Env, depth: u32) -> Option<&Env> {
    let mut e = env;
    for _ in 0..depth {
        e = e.parent()?;
    }
    Some(e)
}

#[inline]
fn closure(l: &'static LambdaExpr, env: &Env) -> Value {
    Value::whole(Value::Lambda(Rc::new(Closure {
        lambda: l,
        env: env.clone(),
    })))
}

#[cold]
fn infinite_recursion() -> Box<EvalError> {
    // The position is filled in by the expression that forced it.
    EvalError::new(
        ErrorKind::InfiniteRecursion,
        "infinite recursion encountered",
        Pos::NONE,
    )
}

#[inline]
pub fn lookup(env: &Env, depth: u32, slot: u32) -> Value {
    lookup_ref(env, depth, slot).cloned().unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    //! The eager argument path must give what the lazy one gives.

    use crate::io::MemIo;

    const STACK: usize = 64 << 20;

    fn run(expr: &str, strict: bool) -> Result<String, String> {
        let e = expr.to_string();
        crate::with_eval_thread(STACK, move || {
            crate::eval_string(Box::new(MemIo::default()), &e, strict, STACK)
        })
        .unwrap_or_else(|_| Err("thread failed".into()))
    }

    /// `scalar_bin` against the general operators (`add`, `arith`, `eq_values`,
    /// `less_than`, `expect_bool`) on every pair of sample scalars: whenever it answers,
    /// the general path gives the same value of the same type without an error.
    #[test]
    fn scalar_bin_agrees_with_the_general_operators() {
        use super::{scalar_bin, BinOp, Eval, EvalOptions, Pos, Value};
        let r = crate::with_eval_thread(STACK, || {
            let mut ev = Eval::new(Box::new(MemIo::default()), EvalOptions::default());
            let vals = [
                Value::Int(0),
                Value::Int(1),
                Value::Int(-3),
                Value::Int(7),
                Value::Int(i64::MAX),
                Value::Int(i64::MIN),
                Value::Int(-1),
                Value::Float(0.0),
                Value::Float(2.5),
                Value::Float(-1.5),
                Value::Float(f64::NAN),
                Value::Bool(true),
                Value::Bool(false),
                Value::Null,
            ];
            let ops = [
                BinOp::Add,
                BinOp::Sub,
                BinOp::Mul,
                BinOp::Div,
                BinOp::Eq,
                BinOp::Neq,
                BinOp::Lt,
                BinOp::Le,
                BinOp::Gt,
                BinOp::Ge,
                BinOp::And,
                BinOp::Or,
                BinOp::Impl,
            ];
            let show = |v: &Value| match v {
                Value::Int(i) => format!("int {i}"),
                Value::Float(f) => format!("float {f:?}"),
                Value::Bool(b) => format!("bool {b}"),
                o => o.type_of().to_string(),
            };
            let mut answered = 0;
            for a in &vals {
                for b in &vals {
                    for op in ops {
                        let Some(fast) = scalar_bin(op, a, b) else {
                            continue;
                        };
                        answered += 1;
                        let p = Pos::NONE;
                        let general = match op {
                            BinOp::Add => ev.add(a, b, p, p),
                            BinOp::Sub | BinOp::Mul | BinOp::Div => ev.arith(op, a, b, p),
                            BinOp::Eq => ev.eq_values(a, b).map(Value::Bool),
                            BinOp::Neq => ev.eq_values(a, b).map(|x| Value::Bool(!x)),
                            BinOp::Lt => ev.less_than(a, b).map(Value::Bool),
                            BinOp::Gt => ev.less_than(b, a).map(Value::Bool),
                            BinOp::Le => ev.less_than(b, a).map(|x| Value::Bool(!x)),
                            BinOp::Ge => ev.less_than(a, b).map(|x| Value::Bool(!x)),
                            BinOp::And | BinOp::Or | BinOp::Impl => {
                                match (ev.expect_bool(a, p), ev.expect_bool(b, p)) {
                                    (Ok(x), Ok(y)) => Ok(Value::Bool(match op {
                                        BinOp::And => x && y,
                                        BinOp::Or => x || y,
                                        _ => !x || y,
                                    })),
                                    (Err(e), _) | (_, Err(e)) => Err(e),
                                }
                            }
                            BinOp::Concat | BinOp::Update => continue,
                        };
                        let general = match general {
                            Ok(v) => show(&v),
                            Err(e) => format!("error {}", e.msg),
                        };
                        if show(&fast) != general {
                            return Err(format!(
                                "{} {op:?} {}: {} vs {general}",
                                show(a),
                                show(b),
                                show(&fast)
                            ));
                        }
                    }
                }
            }
            Ok(answered)
        });
        match r {
            // Most pairs of numbers, Booleans and nulls have a fast answer.
            Ok(Ok(n)) => assert!(n > 1000, "only {n} answered"),
            Ok(Err(e)) => panic!("{e}"),
            Err(e) => panic!("thread: {e}"),
        }
    }

    #[test]
    fn eager_arguments_never_fail_early_and_stay_lazy_when_printed_lazily() {
        // Never forced, so never an error.
        assert_eq!(run("(x: 1) (1 / 0)", true).as_deref(), Ok("1"));
        assert_eq!(run("(x: 1) (1 < true)", true).as_deref(), Ok("1"));
        assert_eq!(
            run("(x: [ x ]) (9223372036854775807 + 1)", true).as_deref(),
            Ok("[ -9223372036854775808 ]")
        );
        assert_eq!(
            run(
                "let f = n: if n == 0 then 0 else n + f (n - 1); in f 1000",
                true
            )
            .as_deref(),
            Ok("500500")
        );
        // Without --strict the argument is a thunk, as in Nix.
        assert_eq!(
            run("(x: { a = x; }) (1 + 1)", false).as_deref(),
            Ok("{ a = <CODE>; }")
        );
        assert_eq!(
            run("(x: { a = x; }) (1 + 1)", true).as_deref(),
            Ok("{ a = 2; }")
        );
    }

    /// `foldl'` and `sort` reuse a call's frames only when nothing kept them: values made
    /// lazily in one call (thunks, closures, the accumulator) still see their own
    /// arguments after the next call.
    #[test]
    fn reused_call_frames_keep_what_earlier_calls_captured() {
        let e = "with builtins; let \
                 fs = foldl' (acc: x: acc ++ [ (y: x + y) ]) [ ] [ 1 2 3 ]; \
                 lazy = foldl' (acc: x: acc ++ [ (x * 10) ]) [ ] [ 1 2 3 ]; \
                 chain = foldl' (acc: x: { prev = acc; inherit x; }) null [ 1 2 3 ]; \
                 seen = sort (a: b: a.k < b.k) (map (k: { inherit k; }) [ 3 1 2 ]); \
                 sum = foldl' (a: b: a + b) 0 (genList (i: i) 100); \
                 in [ (map (f: f 100) fs) lazy chain.prev.prev.x chain.x (map (s: s.k) seen) sum ]";
        assert_eq!(
            run(e, true).as_deref(),
            Ok("[ [ 101 102 103 ] [ 10 20 30 ] 1 3 [ 1 2 3 ] 4950 ]")
        );
        assert_eq!(
            run(e, false).as_deref(),
            Ok("[ <CODE> <CODE> <CODE> <CODE> <CODE> <CODE> ]")
        );
        let e = "with builtins; let \
                 fs = concatMap (x: [ (y: x + y) (x * 10) ]) [ 1 2 3 ]; \
                 p = partition (x: x > 1) [ 3 1 2 ]; \
                 in [ (map (f: if isFunction f then f 100 else f) fs) p.right p.wrong \
                 (filter (x: x != 2) [ 1 2 3 ]) (any (x: x == 3) [ 1 2 3 ]) \
                 (all (x: x < 3) [ 1 2 3 ]) (attrNames (groupBy (x: toString x) [ 1 2 ])) ]";
        assert_eq!(
            run(e, true).as_deref(),
            Ok("[ [ 101 10 102 20 103 30 ] [ 3 2 ] [ 1 ] [ 1 3 ] true false [ \"1\" \"2\" ] ]")
        );
        // An error in a reused call is reported like in a fresh one.
        let r = run("builtins.foldl' (a: b: a + b) 0 [ 1 2 \"x\" ]", true);
        assert!(
            matches!(&r, Err(m) if m.starts_with("error: cannot add a string to an integer")),
            "{r:?}"
        );
    }

    #[test]
    fn curried_calls_without_inner_closures_match_plain_calls() {
        let e = "let f = a: b: c: a - b * c; g = f 10; h = x: { y }: x + y; in \
                 [ (f 10 2 3) (g 2 3) ((g 2) 3) (builtins.foldl' (a: b: a - b) 100 [ 1 2 3 ]) \
                 (builtins.sort (a: b: a > b) [ 1 3 2 ]) (h 1 { y = 2; }) ]";
        assert_eq!(run(e, true).as_deref(), Ok("[ 4 4 4 94 [ 3 2 1 ] 3 ]"));
        let r = run("(a: b: a) 1 2 3", true);
        assert!(
            matches!(&r, Err(m) if m.starts_with("error: attempt to call something which is not a function but an integer")),
            "{r:?}"
        );
    }

    #[test]
    fn busy_slots_past_the_scanned_window() {
        use super::BusySlots;
        let mut b = BusySlots::default();
        let n = 3 * BusySlots::SCANNED + 5;
        for i in 0..n {
            assert!(b.push((i, i % 3)), "{i}");
            // Every entry pushed so far is found, and refused a second time.
            for j in [0, i / 2, i.saturating_sub(BusySlots::SCANNED), i] {
                assert!(b.contains(&(j, j % 3)), "{j} after {i}");
            }
            assert!(!b.push((i / 2, (i / 2) % 3)));
            assert!(!b.contains(&(i + 1, (i + 1) % 3)));
        }
        assert_eq!(b.deep.len(), n - BusySlots::SCANNED);
        for i in (0..n).rev() {
            b.pop();
            assert!(!b.contains(&(i, i % 3)), "{i} popped");
            if i > 0 {
                assert!(b.contains(&(i - 1, (i - 1) % 3)));
                assert!(b.contains(&(0, 0)));
            }
        }
        assert!(b.stack.is_empty() && b.deep.is_empty());
    }
}
