//! The Nix language for nest: parse (rnix), resolve scopes, evaluate lazily, builtins.
//!
//! This crate does no IO of its own: files, the environment and the store are reached
//! through the `EvalIo` trait that the caller injects.
//!
//! Pipeline: `parse` (nest's own parser; `lower`'s rnix front-end when the text has an
//! error, for Nix's messages) produces `ir` (variables resolved to frame slots),
//! `eval` evaluates it with `value`s and thunks, `builtins` holds the primops, `print`
//! renders results like `nix-instantiate --eval`.
#![deny(unsafe_code)]

pub mod builtins;
pub mod error;
pub mod eval;
pub mod io;
pub mod ir;
pub mod lower;
pub mod parse;
pub mod print;
pub mod profile;
pub mod source;
pub mod store;
pub mod symbol;
pub mod syntax_error;
pub mod text;
pub mod value;

pub use error::{EResult, ErrorKind, EvalError};
pub use eval::{Eval, EvalOptions};
pub use io::{EvalIo, StdIo};
pub use value::Value;

/// Runs `f` on a fresh thread with `stack_size` bytes of stack (the evaluator recurses
/// deeply; values are not `Send`, so everything evaluator-related must happen inside).
pub fn with_eval_thread<R: Send + 'static>(
    stack_size: usize,
    f: impl FnOnce() -> R + Send + 'static,
) -> std::io::Result<R> {
    let h = eval_thread(stack_size).spawn(f)?;
    h.join()
        .map_err(|_| std::io::Error::other("evaluation thread panicked"))
}

/// The evaluation thread: named, with `stack_size` bytes of stack.
fn eval_thread(stack_size: usize) -> std::thread::Builder {
    std::thread::Builder::new()
        .name("nest-eval".into())
        .stack_size(stack_size)
}

/// `with_eval_thread` for a process that ends as soon as it has the result (`nest
/// eval`): the thread hands the result over and then waits instead of ending, so that
/// nothing it made is torn down on the way out. Ending the thread ran its
/// thread-locals' destructors (every derivation and store path of the evaluation,
/// freed one by one: 4 % of bench/eval derivations' CPU time). A panic ends the thread
/// as usual and is reported as an error. The caller must end the process.
pub fn on_eval_thread_then_exit<R: Send + 'static>(
    stack_size: usize,
    f: impl FnOnce() -> R + Send + 'static,
) -> std::io::Result<R> {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    eval_thread(stack_size).spawn(move || {
        if tx.send(f()).is_ok() {
            loop {
                std::thread::park();
            }
        }
    })?;
    rx.recv()
        .map_err(|_| std::io::Error::other("evaluation thread panicked"))
}

/// How `nix-instantiate --eval` should render the result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OutputFormat {
    #[default]
    Nix,
    Json,
    Xml,
}

/// Evaluates, optionally forces deeply, and renders a value as `nix-instantiate --eval`
/// prints it (without the final newline).
pub fn render(ev: &mut Eval, v: &Value, strict: bool, format: OutputFormat) -> EResult<String> {
    let mut out = Vec::new();
    render_into(ev, v, strict, format, &mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Like `render`, appending to `out`. JSON and XML are written while they are forced,
/// as `nix-instantiate` does: `--strict` forces only what is printed (a set with an
/// `outPath` prints just that), and on an error `out` holds what Nix prints before it,
/// the open objects, lists and elements closed. The plain format forces everything
/// first (with `--strict`) and writes nothing on an error. Strings are written as the
/// bytes they hold, UTF-8 or not, as Nix writes them.
pub fn render_into(
    ev: &mut Eval,
    v: &Value,
    strict: bool,
    format: OutputFormat,
    out: &mut Vec<u8>,
) -> EResult<()> {
    let v = if strict && format == OutputFormat::Nix {
        ev.deep_force(v)?
    } else {
        ev.force(v)?
    };
    match format {
        OutputFormat::Nix => {
            out.extend_from_slice(&print::print_value_bytes(ev, &v)?);
            Ok(())
        }
        OutputFormat::Json => {
            let mut ctx = value::Context::default();
            let pos = builtins::json::determine_pos(&v, source::Pos::NONE);
            builtins::json::value_to_json_opt(ev, &v, pos, out, &mut ctx, strict)
        }
        OutputFormat::Xml => render_xml(ev, &v, strict, out),
    }
}

/// `render_into` in XML.
fn render_xml(ev: &mut Eval, v: &Value, strict: bool, out: &mut Vec<u8>) -> EResult<()> {
    out.extend_from_slice(b"<?xml version='1.0' encoding='utf-8'?>\n<expr>\n");
    let mut ctx = value::Context::default();
    let opts = builtins::json::XmlOpts {
        location: true,
        strict,
    };
    let mut seen = std::collections::HashSet::new();
    let r = builtins::json::value_to_xml(ev, v, 1, out, &mut ctx, opts, &mut seen);
    out.extend_from_slice(b"</expr>");
    r
}

/// Evaluates `text` (as `-E` would, relative paths against `/`) with the given IO and
/// renders the result; errors come back rendered too. A convenience for tests, fuzzing
/// and embedding. Must run on a thread with enough stack (see `with_eval_thread`).
pub fn eval_string(
    io: Box<dyn EvalIo>,
    text: &str,
    strict: bool,
    stack_size: usize,
) -> Result<String, String> {
    let opts = EvalOptions {
        stack_size,
        eager_args: strict,
        ..EvalOptions::default()
    };
    let mut ev = Eval::new(io, opts);
    let r = ev
        .compile(text, source::Origin::String, "/")
        .and_then(|e| ev.eval_root(e))
        .and_then(|v| render(&mut ev, &v, strict, OutputFormat::Nix));
    r.map_err(|e| e.render(false))
}

#[cfg(test)]
mod tests;
