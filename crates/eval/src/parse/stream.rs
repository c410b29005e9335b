//! Large files lowered one top-level binding at a time.
//!
//! The parser's tree of a whole file takes about four bytes per byte of text, all of it
//! written once, read back once by lowering, then dropped: on a 10 MB file, 40 MB of
//! fresh pages to fault in and as much to miss in the caches. The large files people
//! evaluate are nearly all one shape, a set literal under function heads, `with`s and
//! `let`s (`{ lib, callPackage }: self: with lib; let inherit (lib) f; in { … thousands
//! of bindings … }`: package sets, generated sets), and in that shape every binding of
//! the set can be lowered as soon as it is read: the scope it sees (the heads' and
//! `let`s' frames and the `with`s) is known before the set starts, and the set is not
//! `rec`. So each binding is parsed into an arena, lowered, and the arena reset for the
//! next: the tree never holds more than one binding.
//!
//! The result is the IR the whole-file path makes (a test compares the two over the
//! repository's files). Whenever the file leaves the shape (a `rec` set, a binding
//! with a nested path or a dynamic name, which could merge with a later one, a
//! repeated name, anything after the set, any refusal) this gives up and the caller
//! parses the file as a whole; only small parts are redone, except for files that
//! leave the shape late, which are rare among large files.

use super::grammar::{Carry, Parser, Step};
use super::resolve::{LambdaHead, LetHead, StreamedSet};
use crate::ir::{leak, leak_in, Expr, E};
use crate::source::Pos;

/// Texts from this size on are lowered a binding at a time when their shape allows:
/// below it the whole tree is small enough to stay in the caches.
pub const STREAM_MIN: usize = 256 << 10;

enum Wrap {
    Lambda(LambdaHead),
    With(E, Pos),
    Let(LetHead),
}

/// `text` lowered a top-level binding at a time, or `None` when its shape does not
/// allow it or it has an error (the caller then parses it as a whole).
pub fn parse_streamed(input: &super::Input<'_>) -> Option<E> {
    let text = input.text;
    let mut r = input.resolver();
    let mut carry = Carry::start(text).ok()?;
    let mut arena = bumpalo::Bump::new();
    let mut wraps = Vec::new();
    let (set_pos, set_start) = loop {
        let mut p = Parser::resume(text, &arena, carry);
        match p.spine_step().ok()? {
            Step::Lambda { start, param } => {
                let pos = r.pos(start);
                wraps.push(Wrap::Lambda(r.lambda_enter(&param, pos).ok()?));
            }
            Step::With { start, ns } => {
                let ns = r.with_enter(&ns).ok()?;
                wraps.push(Wrap::With(ns, r.pos(start)));
            }
            Step::Let { entries } => wraps.push(Wrap::Let(r.let_enter(entries).ok()?)),
            Step::Set { start, set_start } => {
                carry = p.carry();
                break (r.pos(start), set_start);
            }
            Step::Other => return None,
        }
        carry = p.carry();
        arena.reset();
    };
    arena.reset();
    let mut set = StreamedSet::default();
    loop {
        let mut p = Parser::resume(text, &arena, carry);
        match p.stream_entry(set_start).ok()? {
            Some(entry) => {
                if !r.stream_entry(&entry, &mut set).ok()? {
                    return None;
                }
            }
            None => {
                if !p.at_clean_end() {
                    return None;
                }
                break;
            }
        }
        carry = p.carry();
        arena.reset();
    }
    let mut e = r.stream_finish(set, set_pos)?;
    for w in wraps.into_iter().rev() {
        e = match w {
            Wrap::Lambda(head) => leak(Expr::Lambda(leak_in(r.lambda_exit(head, Ok(e)).ok()?))),
            Wrap::With(ns, pos) => {
                r.with_exit();
                leak(Expr::With { ns, body: e, pos })
            }
            Wrap::Let(head) => leak(r.let_exit(head, e)),
        };
    }
    Some(e)
}

/// Whether `text`, lowered a binding at a time, gives the IR of the whole-file path
/// (`true` also when it does not stream). For the fuzz target, whose inputs are far
/// below `STREAM_MIN`: this runs the streamed path on every one of them.
pub fn agrees_with_whole(text: &str) -> bool {
    let globals = crate::Eval::new(
        Box::new(crate::io::MemIo::default()),
        crate::EvalOptions::default(),
    )
    .globals;
    let file =
        crate::source::add_source(crate::source::Origin::File("/fuzz/file.nix".into()), text);
    let input = super::Input {
        text,
        file,
        base_dir: "/fuzz",
        globals: &globals,
        names: None,
    };
    match parse_streamed(&input) {
        None => true,
        Some(s) => {
            super::parse_whole(&input).is_some_and(|w| super::dump::dump(s) == super::dump::dump(w))
        }
    }
}
